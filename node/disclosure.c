/* disclosure.c - small-cell and complementary suppression before publishing. */
#include "node/disclosure.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/err.h"

uint32_t hln_disclosure_min_cell(uint32_t configured, const uint32_t *policies, size_t n)
{
    uint32_t m = HLN_MIN_CELL_DEFAULT;
    if (configured > m)
        m = configured;
    for (size_t i = 0; i < n; i++)
        if (policies[i] > m)
            m = policies[i];
    return m;
}

static int is_small(uint64_t c, uint32_t min_cell)
{
    return c > 0 && c < min_cell;
}

int hln_disclosure_small(uint32_t kind, uint64_t numerator, uint64_t denominator, uint32_t min_cell)
{
    /* A mean's numerator is a sum of values, not people: only n counts. */
    if (kind == HLN_KIND_MEAN)
        return is_small(denominator, min_cell) ? 2 : 0;
    if (is_small(numerator, min_cell))
        return 1;
    if (is_small(denominator, min_cell))
        return 2;
    /* The people without the event are counted too: 97 of 100 screened
     * tells that 3 were not. A rate's denominator is an exposure (bed-days),
     * so its difference counts nobody. */
    /* An isr's denominator is expected events (in millionths): nobody either. */
    if (kind != HLN_KIND_RATE && kind != HLN_KIND_ISR && numerator <= denominator &&
        is_small(denominator - numerator, min_cell))
        return 3;
    return 0;
}

/* Order items by (indicator, period, unit), the group complementary
 * suppression works within. */
static int cmp_group_idx(const void *a, const void *b)
{
    const hln_observation *x = &(*(hln_disclosure_item *const *)a)->obs;
    const hln_observation *y = &(*(hln_disclosure_item *const *)b)->obs;
    int r = strcmp(x->indicator, y->indicator);
    if (!r)
        r = strcmp(x->period, y->period);
    if (!r)
        r = strcmp(x->unit, y->unit);
    if (!r)
        r = strcmp(x->stratum, y->stratum);
    return r;
}

static int same_group(const hln_observation *x, const hln_observation *y)
{
    return !strcmp(x->indicator, y->indicator) && !strcmp(x->period, y->period) &&
           !strcmp(x->unit, y->unit);
}

/* The dimension of a stratum: its code up to '=' ("sex=female" -> "sex");
 * codes without '=' all belong to one unnamed dimension. */
static size_t dim_len(const char *stratum)
{
    const char *eq = strchr(stratum, '=');
    return eq ? (size_t)(eq - stratum) : 0;
}

static int same_dim(const char *a, const char *b)
{
    size_t la = dim_len(a), lb = dim_len(b);
    return la == lb && memcmp(a, b, la) == 0;
}

/* The published stratum of dimension `dim` that is cheapest to suppress:
 * the smallest denominator, then numerator, then code (deterministic). */
static hln_disclosure_item *smallest_published(hln_disclosure_item *const *idx, size_t from,
                                               size_t to, const char *dim)
{
    hln_disclosure_item *best = NULL;
    for (size_t k = from; k < to; k++) {
        hln_disclosure_item *it = idx[k];
        if (!it->obs.stratum[0] || it->reason != HLN_SUPP_NONE || !same_dim(it->obs.stratum, dim))
            continue;
        if (!best || it->obs.denominator < best->obs.denominator ||
            (it->obs.denominator == best->obs.denominator &&
             (it->obs.numerator < best->obs.numerator ||
              (it->obs.numerator == best->obs.numerator &&
               strcmp(it->obs.stratum, best->obs.stratum) < 0))))
            best = it;
    }
    return best;
}

static void dim_name(const char *stratum, char *out, size_t cap)
{
    size_t l = dim_len(stratum);
    if (l == 0)
        snprintf(out, cap, "the strata");
    else
        snprintf(out, cap, "the %.*s strata", (int)(l < 64 ? l : 64), stratum);
}

/* One pass over the dimensions of one group; returns 1 if it suppressed a cell. */
static int complement_pass(hln_disclosure_item *const *idx, size_t from, size_t to,
                           const hln_disclosure_item *total, uint32_t min_cell)
{
    for (size_t k = from; k < to; k++) {
        const char *dim = idx[k]->obs.stratum;
        if (!dim[0])
            continue;
        /* Visit each dimension once: at its first stratum in the group. */
        int seen = 0;
        for (size_t j = from; j < k && !seen; j++)
            seen = idx[j]->obs.stratum[0] && same_dim(idx[j]->obs.stratum, dim);
        if (seen)
            continue;
        size_t n_supp = 0, n_pub = 0;
        uint64_t sn = 0, sd = 0;
        const char *lone = NULL;
        for (size_t j = from; j < to; j++) {
            const hln_disclosure_item *it = idx[j];
            if (!it->obs.stratum[0] || !same_dim(it->obs.stratum, dim))
                continue;
            if (it->reason != HLN_SUPP_NONE) {
                n_supp++;
                sn += it->obs.numerator;
                sd += it->obs.denominator;
                lone = it->obs.stratum;
            } else {
                n_pub++;
            }
        }
        if (n_pub == 0)
            continue;
        char why[160];
        char dn[96];
        dim_name(dim, dn, sizeof dn);
        if (total->reason == HLN_SUPP_NONE) {
            /* total - published strata = the suppressed ones together. */
            if (n_supp == 1)
                snprintf(why, sizeof why,
                         "complementary: the total less the other strata would reveal %.64s", lone);
            else if (n_supp >= 2 && hln_disclosure_small(total->kind, sn, sd, min_cell))
                snprintf(why, sizeof why,
                         "complementary: the suppressed cells of %s add up to a small count", dn);
            else
                continue;
        } else {
            /* A withheld total must not come back as the sum of its strata. */
            if (n_supp != 0)
                continue;
            snprintf(why, sizeof why, "complementary: %s would add up to the suppressed total", dn);
        }
        hln_disclosure_item *victim = smallest_published(idx, from, to, dim);
        if (!victim)
            continue;
        victim->reason = HLN_SUPP_COMPLEMENT;
        memcpy(victim->why, why, sizeof victim->why);
        return 1;
    }
    return 0;
}

int hln_disclosure_apply(hln_disclosure_item *items, size_t n, uint32_t min_cell)
{
    if (min_cell < HLN_MIN_CELL_DEFAULT)
        return HLN_EINVAL;
    static const char *const what[] = {"", "numerator", "denominator", "denominator-numerator"};
    for (size_t i = 0; i < n; i++) {
        hln_disclosure_item *it = &items[i];
        const hln_observation *o = &it->obs;
        int s = hln_disclosure_small(it->kind, o->numerator, o->denominator, min_cell);
        it->reason = s ? HLN_SUPP_SMALL : HLN_SUPP_NONE;
        it->why[0] = '\0';
        if (s) {
            uint64_t c = s == 1   ? o->numerator
                         : s == 2 ? o->denominator
                                  : o->denominator - o->numerator;
            snprintf(it->why, sizeof it->why, "small cell: %s %llu is below the minimum %u",
                     what[s], (unsigned long long)c, min_cell);
        }
    }
    if (n < 2)
        return 0;
    hln_disclosure_item **idx = malloc(n * sizeof *idx);
    if (!idx)
        return HLN_ENOMEM;
    for (size_t i = 0; i < n; i++)
        idx[i] = &items[i];
    qsort(idx, n, sizeof *idx, cmp_group_idx);
    for (size_t from = 0; from < n;) {
        size_t to = from + 1;
        while (to < n && same_group(&idx[from]->obs, &idx[to]->obs))
            to++;
        /* Sorted by stratum, the total ("") comes first when it is there. */
        const hln_disclosure_item *total = idx[from]->obs.stratum[0] ? NULL : idx[from];
        /* Without the total in the same batch nothing can be subtracted. Each
         * pass suppresses one more cell, so this ends within n passes. */
        while (total && complement_pass(idx, from, to, total, min_cell))
            ;
        from = to;
    }
    free(idx);
    return 0;
}
