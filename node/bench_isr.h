/* bench_isr.h - benchmarks of an indirectly standardised ratio (SMR/ISR):
 * each unit's observed / expected events with Byar's (exact below 10)
 * limits, placed on PHE's ratio funnel around 1 (docs/BENCHMARKS.md,
 * "Indirectly standardised ratios"). */
#ifndef HLN_BENCH_ISR_H
#define HLN_BENCH_ISR_H

#include <stdio.h>

#include "node/bench.h"

/* After the walk of hln_bench_run for an isr indicator (numerator O,
 * denominator E in millionths of an event): each unit's ratio O / E, its
 * 95% and 99.8% limits L(O) / E, U(O) / E, funnel limits O / U(O), O / L(O)
 * around 1 (none when O is 0), place (PHE: high when L(O) / E > 1, low when
 * U(O) / E < 1) and comparison; the pooled ratio sum O / sum E in
 * r->summary (theta0). Ratios per one (not multiplied). */
int hln_bench_isr_fill(hln_bench_result *r);

/* The writers of hln_bench_write_json/_table/_csv for an isr result. */
int hln_bench_isr_write_json(const hln_bench_result *r, FILE *f);
int hln_bench_isr_write_table(const hln_bench_result *r, const uint8_t *own, FILE *f);
int hln_bench_isr_write_csv(const hln_bench_result *r, FILE *f);

#endif
