/* periods.h - periods that add up: a quarter or a year from the months (or a
 * year from the quarters) a unit reported, for indicators whose counts add up. */
#ifndef HLN_PERIODS_H
#define HLN_PERIODS_H

#include <stdbool.h>
#include <stdint.h>

#include "node/bench.h"

/* The grain of a period: 'Y' ("2026"), 'Q' ("2026-Q3"), 'M' ("2026-09"),
 * 0 if it is not a period. */
char hln_periods_grain(const char *period);

/* The period of grain `grain` that holds `period` ("2026-05", 'Q' gives
 * "2026-Q2"; 'Y' gives "2026"); the period itself when the grains are equal.
 * HLN_EINVAL when `period` is not a period or `grain` is finer than it. */
int hln_periods_coarsen(const char *period, char grain, char out[HLN_PERIOD_MAX + 1]);

/* true when the indicator kind's counts add up over time (docs/BENCHMARKS.md,
 * "Periods that add up"): proportions and rates. */
bool hln_periods_additive(uint32_t kind);

/* true when a query is read through hln_periods_collect: its period is a
 * year or a quarter and its indicator is additive. */
bool hln_periods_applies(const hln_bench_query *q);

/* Fill r's units, suppressed, incomplete, counts and used_ids for q (the
 * caller, hln_bench_run, has copied the query into r and sorts, analyses
 * and digests afterwards). Each (author, unit) counts with the record of the
 * period itself if it has one, else with the sum of the finer periods that
 * make it up (each one's latest non-retracted record; a quarter from its
 * three months, a year from its four quarters, each of those from its
 * months); if any part is missing the unit is left out and listed as
 * incomplete; if any part is suppressed the unit is reported suppressed.
 * HLN_ENOMEM, HLN_ERANGE (sums over 2^53-1), store errors. */
int hln_periods_collect(hln_store *s, const hln_bench_query *q, const char *stratum,
                        hln_bench_result *r);

#endif
