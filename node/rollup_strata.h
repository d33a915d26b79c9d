/* rollup_strata.h - an authority's roll-up by stratum (docs/BENCHMARKS.md,
 * "Roll-ups by stratum"): each stratum's pooled counts over the units that
 * published every stratum of its dimension, so that no subtraction
 * between the roll-up's cells gives back a cell a unit suppressed. */
#ifndef HLN_ROLLUP_STRATA_H
#define HLN_ROLLUP_STRATA_H

#include <stddef.h>
#include <stdint.h>

#include "node/bench.h"

typedef struct {
    char stratum[HLN_CODE_MAX + 1];
    uint64_t x, n;
    uint64_t sq[2];  /* kind mean: the sum of squares (lo, hi), else 0 */
    size_t units;    /* units added */
    size_t left_out; /* units of the group left out: a stratum of the dimension missing or suppressed */
} hln_rollup_stratum;

/* For every stratum of q->indicator (q->stratum ignored), in the
 * indicator's order, the sums over the units counted in every stratum of
 * the stratum's dimension (a unit that suppressed or did not report one of
 * them is left out of the whole dimension). *out (caller frees) gets *n
 * entries; a stratum no unit qualifies for has units 0. Errors as
 * hln_bench_run; HLN_ERANGE when sums pass 2^53 - 1. */
int hln_rollup_strata(hln_store *s, const hln_bench_query *q, hln_rollup_stratum **out, size_t *n);

#endif
