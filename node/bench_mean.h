/* bench_mean.h - benchmarks of a mean (cost per case, length of stay) from
 * the n, sum and sum of squares each unit signed (docs/BENCHMARKS.md, "Means"). */
#ifndef HLN_BENCH_MEAN_H
#define HLN_BENCH_MEAN_H

#include <stdio.h>

#include "node/bench.h"
#include "node/means.h"
#include "store/store.h"

/* After the walk of hln_bench_run for a mean indicator: read each counted
 * unit's sum of squares from its record; fill its mean, Student's t
 * limits, funnel limits around the pooled mean (pooled sd of all values),
 * place and comparison; the pooled figures go into r->summary (theta0 the
 * pooled mean, tau2 the pooled standard deviation, r->sum_sq the pooled
 * sum of squares) and r->has_stats. A unit whose sums were added up over
 * periods (has_sq) is taken from them, not from its record. A unit whose
 * record lacks the statistics, or holds impossible ones, is left out as
 * invalid. */
/* The n, sum and sum of squares that record `id` signed, read into *m
 * (rec is the caller's scratch record). HLN_EINVAL when the record has no
 * body, is not an observation or lacks the two extra statistics; store
 * errors (HLN_ENOTFOUND) as the store returns them. */
int hln_bench_mean_sums_of(hln_store *s, const uint8_t id[HLN_HASH_LEN], hln_record *rec,
                           hln_mean_sums *m);

int hln_bench_mean_fill(hln_store *s, hln_bench_result *r);

int hln_bench_mean_write_json(const hln_bench_result *r, FILE *f);
int hln_bench_mean_write_table(const hln_bench_result *r, const uint8_t *own, FILE *f);
int hln_bench_mean_write_csv(const hln_bench_result *r, FILE *f);

#endif
