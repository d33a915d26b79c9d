/* periods.c - periods that add up: a unit's quarter or year from its months (or quarters). */
#include "node/periods.h"

#include <stdlib.h>
#include <string.h>

#include "crypto/err.h"
#include "node/bench_mean.h"
#include "node/util.h"

#define KIND_RATE 1u

char hln_periods_grain(const char *p)
{
    if (!p)
        return 0;
    size_t len = strlen(p);
    if (len > HLN_PERIOD_MAX)
        return 0;
    for (int i = 0; i < 4 && i < (int)len; i++)
        if (p[i] < '0' || p[i] > '9')
            return 0;
    if (len == 4)
        return 'Y';
    if (len != 7 || p[4] != '-')
        return 0;
    if (p[5] == 'Q')
        return p[6] >= '1' && p[6] <= '4' ? 'Q' : 0;
    if (p[5] < '0' || p[5] > '1' || p[6] < '0' || p[6] > '9')
        return 0;
    int m = (p[5] - '0') * 10 + (p[6] - '0');
    return m >= 1 && m <= 12 ? 'M' : 0;
}

static int grain_rank(char g)
{
    return g == 'Y' ? 0 : g == 'Q' ? 1 : g == 'M' ? 2 : -1;
}

int hln_periods_coarsen(const char *p, char grain, char out[HLN_PERIOD_MAX + 1])
{
    char g = hln_periods_grain(p);
    if (!g || grain_rank(grain) < 0 || grain_rank(grain) > grain_rank(g))
        return HLN_EINVAL;
    memcpy(out, p, 4);
    out[4] = '\0';
    if (grain == 'Y')
        return 0;
    if (grain == g) {
        memcpy(out, p, 8);
        return 0;
    }
    /* a month into its quarter */
    int m = (p[5] - '0') * 10 + (p[6] - '0');
    out[4] = '-';
    out[5] = 'Q';
    out[6] = (char)('1' + (m - 1) / 3);
    out[7] = '\0';
    return 0;
}

bool hln_periods_additive(uint32_t kind)
{
    return kind == 0 || kind == KIND_RATE || kind == HLN_KIND_MEAN || kind == HLN_KIND_ISR;
}

bool hln_periods_applies(const hln_bench_query *q)
{
    char g = hln_periods_grain(q->period);
    return (g == 'Y' || g == 'Q') && hln_periods_additive(q->indicator->kind);
}

/* ---- the walk: the latest non-retracted record of each (author, unit, period) ---- */

typedef struct {
    uint8_t author[HLN_KEY_LEN];
    char unit[HLN_CODE_MAX + 1];
    char period[HLN_PERIOD_MAX + 1];
    uint8_t id[HLN_HASH_LEN];
    uint64_t x, n, ts;
    bool suppressed;
} part;

typedef struct {
    const char *period; /* the coarse period asked for */
    hln_bench_result *r;
    part *parts;
    size_t n, cap;
    /* the (period, author, unit) run being read */
    bool in_run, have_best;
    part cur;
} walk_ctx;

static int flush(walk_ctx *w)
{
    if (!w->in_run || !w->have_best)
        return 0;
    w->in_run = w->have_best = false;
    if (hln_util_grow((void **)&w->parts, &w->cap, w->n + 1, sizeof *w->parts))
        return HLN_ENOMEM;
    w->parts[w->n++] = w->cur;
    return 0;
}

static bool inside(const char *coarse, const char *p)
{
    char c[HLN_PERIOD_MAX + 1];
    return hln_periods_coarsen(p, hln_periods_grain(coarse), c) == 0 && !strcmp(c, coarse);
}

static int walk_cb(void *ctx, const hln_obs_entry *e)
{
    walk_ctx *w = ctx;
    if (!inside(w->period, e->period))
        return 0;
    size_t ulen = strlen(e->unit);
    if (ulen > HLN_CODE_MAX)
        return HLN_ESTORE;
    if (!w->in_run || memcmp(w->cur.author, e->author, HLN_KEY_LEN) ||
        strcmp(w->cur.unit, e->unit) || strcmp(w->cur.period, e->period)) {
        int rc = flush(w);
        if (rc)
            return rc;
        w->in_run = true;
        memset(&w->cur, 0, sizeof w->cur);
        memcpy(w->cur.author, e->author, HLN_KEY_LEN);
        memcpy(w->cur.unit, e->unit, ulen + 1);
        memcpy(w->cur.period, e->period, strlen(e->period) + 1);
    }
    if (e->retracted) {
        w->r->n_retracted++;
        return 0;
    }
    /* entries of a run come oldest first: the last one standing is the latest */
    if (w->have_best)
        w->r->n_superseded++;
    w->have_best = true;
    memcpy(w->cur.id, e->id, HLN_HASH_LEN);
    w->cur.x = e->numerator;
    w->cur.n = e->denominator;
    w->cur.ts = e->timestamp_ms;
    w->cur.suppressed = e->suppressed;
    return 0;
}

static int cmp_part(const void *a, const void *b)
{
    const part *x = a, *y = b;
    int c = memcmp(x->author, y->author, HLN_KEY_LEN);
    if (!c)
        c = strcmp(x->unit, y->unit);
    return c ? c : strcmp(x->period, y->period);
}

/* ---- resolving one (author, unit) ---- */

typedef struct {
    const part *g; /* the unit's parts, sorted by period */
    size_t ng;
    const part *use[12]; /* the parts that make up the period */
    size_t nuse;
    uint32_t months; /* months covered */
} resolve_ctx;

static const part *find(const resolve_ctx *c, const char *period)
{
    for (size_t i = 0; i < c->ng; i++)
        if (!strcmp(c->g[i].period, period))
            return &c->g[i];
    return NULL;
}

static void resolve(resolve_ctx *c, const char *period)
{
    const part *p = find(c, period);
    char g = hln_periods_grain(period);
    if (p) {
        c->use[c->nuse++] = p;
        c->months += g == 'Y' ? 12 : g == 'Q' ? 3 : 1;
        return;
    }
    char sub[HLN_PERIOD_MAX + 1];
    memcpy(sub, period, 4);
    if (g == 'Y') {
        for (int q = 1; q <= 4; q++) {
            sub[4] = '-', sub[5] = 'Q', sub[6] = (char)('0' + q), sub[7] = '\0';
            resolve(c, sub);
        }
    } else if (g == 'Q') {
        int first = (period[6] - '1') * 3 + 1;
        for (int m = first; m < first + 3; m++) {
            sub[4] = '-', sub[5] = (char)('0' + m / 10), sub[6] = (char)('0' + m % 10);
            sub[7] = '\0';
            resolve(c, sub);
        }
    }
}

typedef struct {
    uint8_t (*ids)[HLN_HASH_LEN];
    size_t n, cap;
} id_list;

static int add_ids(id_list *l, const resolve_ctx *c)
{
    if (hln_util_grow((void **)&l->ids, &l->cap, l->n + c->nuse, sizeof *l->ids))
        return HLN_ENOMEM;
    for (size_t i = 0; i < c->nuse; i++)
        memcpy(l->ids[l->n++], c->use[i]->id, HLN_HASH_LEN);
    return 0;
}

typedef struct {
    size_t units, supp, inc;
} caps;

/* A mean's sums of squares added over its parts (n and the sums are added
 * by the caller). HLN_EINVAL when a part lacks them: the unit is invalid. */
static int mean_parts(hln_store *s, const resolve_ctx *c, hln_bench_unit *u)
{
    hln_record *rec = malloc(sizeof *rec);
    if (!rec)
        return HLN_ENOMEM;
    hln_mean_sums all = {0}, m;
    int rc = 0;
    for (size_t i = 0; i < c->nuse && !rc; i++)
        if (!(rc = hln_bench_mean_sums_of(s, c->use[i]->id, rec, &m)))
            rc = hln_means_add(&all, &m);
    free(rec);
    if (rc)
        return rc;
    u->has_sq = true;
    u->sq[0] = all.sq_lo;
    u->sq[1] = all.sq_hi;
    return 0;
}

static int one_unit(hln_store *st, const hln_bench_query *q, hln_bench_result *r, resolve_ctx *c,
                    caps *cap,
                    id_list *counted, id_list *supp, const uint8_t **vauthor, bool *vin,
                    bool *vexcl)
{
    const part *first = &c->g[0];
    /* Callbacks are asked once per author, as the walk of bench.c does. */
    if (!*vauthor || memcmp(*vauthor, first->author, HLN_KEY_LEN)) {
        *vauthor = first->author;
        *vin = !q->in_group || q->in_group(q->group_ctx, first->author);
        *vexcl = q->excluded && q->excluded(q->excluded_ctx, first->author);
    }
    if (!*vin) {
        r->n_outside_group++;
        return 0;
    }
    if (*vexcl) {
        r->n_excluded++;
        return 0;
    }
    c->nuse = 0;
    c->months = 0;
    resolve(c, q->period);
    uint32_t need = hln_periods_grain(q->period) == 'Y' ? 12 : 3;
    if (c->months < need) {
        r->n_incomplete++;
        if (hln_util_grow((void **)&r->incomplete, &cap->inc, r->n_incomplete,
                          sizeof *r->incomplete))
            return HLN_ENOMEM;
        hln_bench_incomplete *u = &r->incomplete[r->n_incomplete - 1];
        memset(u, 0, sizeof *u);
        memcpy(u->author, first->author, HLN_KEY_LEN);
        memcpy(u->unit, first->unit, sizeof u->unit);
        u->have = c->months;
        u->need = need;
        return 0;
    }
    /* The unit's record shown: its latest part. */
    const part *latest = c->use[0];
    bool suppressed = false, invalid = false;
    uint64_t x = 0, n = 0;
    for (size_t i = 0; i < c->nuse; i++) {
        const part *p = c->use[i];
        if (p->ts > latest->ts)
            latest = p;
        suppressed = suppressed || p->suppressed;
        invalid = invalid || (r->kind == 0 && p->x > p->n); /* a proportion's */
        x += p->x;
        n += p->n;
        if (x > HLN_COUNT_MAX || n > HLN_COUNT_MAX)
            return HLN_ERANGE;
    }
    if (suppressed) {
        if (hln_util_grow((void **)&r->suppressed, &cap->supp, r->n_suppressed + 1,
                          sizeof *r->suppressed))
            return HLN_ENOMEM;
        hln_bench_suppressed *s = &r->suppressed[r->n_suppressed++];
        memcpy(s->author, first->author, HLN_KEY_LEN);
        memcpy(s->unit, first->unit, sizeof s->unit);
        memcpy(s->id, latest->id, HLN_HASH_LEN);
        return add_ids(supp, c);
    }
    if (n == 0) {
        r->n_empty++;
        return 0;
    }
    if (invalid) {
        r->n_invalid++;
        return 0;
    }
    if (hln_util_grow((void **)&r->units, &cap->units, r->n_units + 1, sizeof *r->units))
        return HLN_ENOMEM;
    hln_bench_unit *u = &r->units[r->n_units++];
    memset(u, 0, sizeof *u);
    memcpy(u->author, first->author, HLN_KEY_LEN);
    memcpy(u->unit, first->unit, sizeof u->unit);
    memcpy(u->id, latest->id, HLN_HASH_LEN);
    u->timestamp_ms = latest->ts;
    u->s.x = x;
    u->s.n = n;
    u->parts = (uint32_t)c->nuse;
    if (r->kind == HLN_KIND_MEAN) {
        int rc = mean_parts(st, c, u);
        if (rc == HLN_EINVAL) { /* a part without its statistics: the sum is not known */
            r->n_units--;
            r->n_invalid++;
            return 0;
        }
        if (rc)
            return rc;
    }
    return add_ids(counted, c);
}

int hln_periods_collect(hln_store *s, const hln_bench_query *q, const char *stratum,
                        hln_bench_result *r)
{
    walk_ctx w = {.period = q->period, .r = r};
    id_list counted = {0}, supp = {0};
    caps cap = {0};
    int rc = hln_store_foreach_obs(s, q->indicator->code, NULL, stratum, walk_cb, &w);
    if (rc || (rc = flush(&w)))
        goto out;
    if (w.n > 1)
        qsort(w.parts, w.n, sizeof *w.parts, cmp_part);
    const uint8_t *vauthor = NULL;
    bool vin = false, vexcl = false;
    for (size_t i = 0; i < w.n;) {
        size_t j = i + 1;
        while (j < w.n && !memcmp(w.parts[j].author, w.parts[i].author, HLN_KEY_LEN) &&
               !strcmp(w.parts[j].unit, w.parts[i].unit))
            j++;
        resolve_ctx c = {.g = &w.parts[i], .ng = j - i};
        if ((rc = one_unit(s, q, r, &c, &cap, &counted, &supp, &vauthor, &vin, &vexcl)))
            goto out;
        i = j;
    }
    size_t total = counted.n + supp.n;
    if (!(r->used_ids = malloc((total ? total : 1) * HLN_HASH_LEN))) {
        rc = HLN_ENOMEM;
        goto out;
    }
    if (counted.n)
        memcpy(r->used_ids, counted.ids, counted.n * HLN_HASH_LEN);
    if (supp.n)
        memcpy(r->used_ids + counted.n, supp.ids, supp.n * HLN_HASH_LEN);
    r->n_used_counted = counted.n;
    r->n_used_suppressed = supp.n;
out:
    free(w.parts);
    free(counted.ids);
    free(supp.ids);
    return rc;
}
