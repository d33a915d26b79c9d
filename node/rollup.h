/* rollup.h - an authority's roll-up: the pooled counts of the organizations in its jurisdiction,
 * published as its own observation (docs/BENCHMARKS.md). */
#ifndef HLN_ROLLUP_H
#define HLN_ROLLUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "node/bench_view.h"
#include "node/disclosure.h"
#include "proto/record.h"

/* What to roll up. Everything is borrowed for the call. */
typedef struct {
    const hln_indicator *indicator; /* the definition held */
    const char *period;             /* a valid period code */
    const char *scope;              /* the feed; NULL: global for a national authority, the
                                       country for a subnational one */
    bool publish;                   /* false: a dry run, nothing written */
} hln_rollup_opts;

/* What came of it. */
typedef struct {
    uint32_t level;                           /* this node's, as its trust view says */
    char jurisdiction[HLN_SCOPE_MAX + 1];     /* the one rolled up; also the record's unit */
    size_t n_units, n_suppressed, n_excluded; /* of the benchmark pooled */
    uint8_t digest[HLN_HASH_LEN];             /* its evidence digest (= hlnctl bench --group J) */
    uint64_t numerator, denominator;          /* the pooled counts (an isr: observed events,
                                                 expected events in millionths) */
    uint64_t sum_sq[2]; /* kind mean: the pooled sum of squares (lo, hi); else 0 */
    /* kind dsr: the population-weighted DSR of the units with one (per
     * person) and its variance (hln_dsr_pool); numerator and denominator are
     * those units' events and population; n_too_few units had fewer than 10
     * events, hence no DSR, and are left out */
    double dsr, dsr_var;
    size_t n_too_few;
    double value; /* numerator / denominator, times a rate's multiplier (a mean's: divided by its
                     scale) */
    char scope[HLN_SCOPE_MAX + 1]; /* the feed it goes (or went) in */
    uint32_t min_cell;             /* the minimum cell in force for it */
    hln_supp_reason suppression;   /* HLN_SUPP_NONE, or why it is withheld */
    char why[160];                 /* a human reason when suppressed */
    uint64_t seq;                  /* its seq when published, else 0 */
    /* Every stratum beside the total (node/rollup_strata.c: each over the
     * units that published every cell of its dimension), as disclosure
     * control left it. Owned by the result: hln_rollup_free. */
    size_t n_strata;
    struct hln_rollup_cell {
        char stratum[HLN_CODE_MAX + 1];
        uint64_t numerator, denominator;
        uint64_t sum_sq[2]; /* kind mean: its sum of squares (lo, hi) */
        hln_supp_reason suppression;
        char why[160];
    } *strata;
} hln_rollup;

/* Release what a result owns (its strata); safe on a zeroed one. */
void hln_rollup_free(hln_rollup *r);

/* Roll up `o->indicator` for `o->period` as the node of `view` (its store
 * and trust graph; opened writable to publish): the pooled counts are
 * exactly the benchmark of the jurisdiction's organizations (the same
 * evidence, the same digest), judged as the network will judge the record
 * and published through the publishing path (the same checks, the
 * strictest minimum cell in force). Fills *out. Returns 0; HLN_ETRUST (not
 * a subnational or national authority, or a record peers would refuse);
 * HLN_ENOTFOUND (no organization counted); errors of hln_bench_run and
 * hln_node_publish_csv. The reason, when there is one, goes into err. */
int hln_rollup_compute(hln_bench_view *view, const hln_rollup_opts *o, hln_rollup *out, char *err,
                       size_t errlen);

#endif
