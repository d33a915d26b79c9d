/* bench_dsr.h - benchmarks of a directly standardised rate: each unit's DSR
 * and Dobson limits from the sufficient statistics it signed
 * (docs/BENCHMARKS.md, "Standardised rates"); and the publishing side:
 * band rows to one observation per unit. */
#ifndef HLN_BENCH_DSR_H
#define HLN_BENCH_DSR_H

#include <stdio.h>

#include "node/bench.h"
#include "node/csvin.h"
#include "node/dsr.h"
#include "store/store.h"

/* After the walk of hln_bench_run for a dsr indicator: read each counted
 * unit's DSR and variance from its record, fill value and the 95% and
 * 99.8% Dobson limits (per person), and leave out (counted in
 * r->n_too_few) units with fewer than HLN_DSR_MIN_EVENTS events or no
 * statistics. No funnel, ABC or overdispersion: has_stats stays false. */
int hln_bench_dsr_fill(hln_store *s, hln_bench_result *r);

/* The writers of hln_bench_write_json/_table/_csv for a dsr result. */
int hln_bench_dsr_write_json(const hln_bench_result *r, FILE *f);
int hln_bench_dsr_write_table(const hln_bench_result *r, const uint8_t *own, FILE *f);
int hln_bench_dsr_write_csv(const hln_bench_result *r, FILE *f);

/* The observation a publishing node signs for one unit from its band
 * counts: x[i] events and n[i] population in the indicator's strata[i]
 * (every band present, population > 0); numerator = events, denominator
 * = population and, with at least HLN_DSR_MIN_EVENTS events, extra =
 * {DSR bits, variance bits}. The band counts themselves are not in it.
 * HLN_EINVAL (a band missing or empty, not a dsr), HLN_ERANGE. */
int hln_bench_dsr_observation(const hln_indicator *ind, const uint64_t *x, const uint64_t *n,
                              hln_observation *o);

/* The observation a publishing node signs for one unit of an isr
 * indicator from its band counts (x[i] events, n[i] population in
 * strata[i]): numerator = observed events O, denominator = expected events
 * E in millionths (hln_dsr_isr_expected, at the indicator's reference
 * rates); nothing else: the band counts stay on the node. HLN_EINVAL,
 * HLN_ERANGE. */
int hln_bench_isr_observation(const hln_indicator *ind, const uint64_t *x, const uint64_t *n,
                              hln_observation *o);

/* Publishing: replace, in place, the rows of dsr and isr indicators (one per unit
 * and age band) by one row per (indicator, period, unit), stratum "", made
 * by hln_bench_dsr_observation (hln_bench_isr_observation for an isr);
 * other rows stay as they are, in order.
 * Every band of the standard must be present once for each (indicator,
 * period, unit), with a population above 0; a row of a dsr indicator for
 * the total ("" stratum) is refused. Problems go to cb; HLN_EINVAL then. */
int hln_bench_dsr_collapse(hln_csv_lookup_cb lookup, void *lookup_ctx, hln_csv_row *rows,
                           size_t *n, hln_csv_problem_cb cb, void *cb_ctx);

#endif
