/* rollup_strata.c - an authority's roll-up of every stratum, safe under subtraction. */
#include "node/rollup_strata.h"

#include <stdlib.h>
#include <string.h>

#include "crypto/err.h"

static size_t dim_len(const char *s)
{
    const char *eq = strchr(s, '=');
    return eq ? (size_t)(eq - s) : 0;
}

static bool same_dim(const char *a, const char *b)
{
    size_t la = dim_len(a);
    return la == dim_len(b) && !memcmp(a, b, la);
}

static const hln_bench_unit *find(const hln_bench_result *r, const uint8_t *author, const char *unit)
{
    for (size_t i = 0; i < r->n_units; i++)
        if (!memcmp(r->units[i].author, author, HLN_KEY_LEN) && !strcmp(r->units[i].unit, unit))
            return &r->units[i];
    return NULL;
}

int hln_rollup_strata(hln_store *s, const hln_bench_query *q, hln_rollup_stratum **out, size_t *n)
{
    if (!s || !q || !q->indicator || !out || !n)
        return HLN_EINVAL;
    const hln_indicator *ind = q->indicator;
    size_t k = ind->n_strata < HLN_STRATA_MAX ? ind->n_strata : HLN_STRATA_MAX;
    *out = NULL;
    *n = 0;
    hln_bench_result **rs = calloc(k ? k : 1, sizeof *rs);
    hln_rollup_stratum *v = calloc(k ? k : 1, sizeof *v);
    int rc = 0;
    if (!rs || !v) {
        rc = HLN_ENOMEM;
        goto out;
    }
    for (size_t i = 0; i < k; i++) {
        hln_bench_query sq = *q;
        sq.stratum = ind->strata[i];
        if ((rc = hln_bench_run(s, &sq, &rs[i])))
            goto out;
    }
    for (size_t i = 0; i < k; i++) {
        hln_rollup_stratum *c = &v[i];
        snprintf(c->stratum, sizeof c->stratum, "%s", ind->strata[i]);
        /* the units of this stratum that are counted in every stratum of its dimension */
        for (size_t u = 0; u < rs[i]->n_units; u++) {
            const hln_bench_unit *bu = &rs[i]->units[u];
            bool all = true;
            for (size_t j = 0; j < k && all; j++)
                if (j != i && same_dim(ind->strata[i], ind->strata[j]))
                    all = find(rs[j], bu->author, bu->unit) != NULL;
            if (!all) {
                c->left_out++;
                continue;
            }
            c->x += bu->s.x;
            c->n += bu->s.n;
            c->units++;
            unsigned __int128 sq = ((unsigned __int128)c->sq[1] << 64 | c->sq[0]),
                              add = ((unsigned __int128)bu->sq[1] << 64 | bu->sq[0]);
            c->sq[0] = (uint64_t)(sq + add);
            c->sq[1] = (uint64_t)((sq + add) >> 64);
            if (c->x > HLN_COUNT_MAX || c->n > HLN_COUNT_MAX || sq + add < sq) {
                rc = HLN_ERANGE;
                goto out;
            }
        }
        c->left_out += rs[i]->n_suppressed;
    }
    *out = v;
    *n = k;
    v = NULL;
out:
    for (size_t i = 0; rs && i < k; i++)
        hln_bench_result_destroy(&rs[i]);
    free(rs);
    free(v);
    return rc;
}
