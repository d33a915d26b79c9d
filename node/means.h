/* means.h - means carried as n, sum and sum of squares (docs/BENCHMARKS.md,
 * "Means"): a unit's mean with Student's t limits as PHEindicatormethods'
 * phe_mean computes them, and funnel limits around a pooled mean. Pure. */
#ifndef HLN_MEANS_H
#define HLN_MEANS_H

#include <stdbool.h>
#include <stdint.h>

#include "node/stats.h"

/* Whole values (in 1/scale of the unit shown): n of them, their sum and the
 * sum of their squares (128 bits: lo, hi). */
typedef struct {
    uint64_t n, sum;
    uint64_t sq_lo, sq_hi;
} hln_mean_sums;

typedef struct {
    double mean, sd;                   /* in the unit shown (divided by scale) */
    hln_stats_interval ci95, ci998;    /* mean -+ t(n-1) sd / sqrt(n); NaN when n < 2 */
} hln_mean_unit;

#define HLN_MEANS_SQ_TEXT 40

/* Student's t quantile at probability p (0.5 < p < 1) with df > 0 degrees of freedom. */
double hln_means_t_quantile(double p, double df);

/* The unit's figures. HLN_EINVAL when n is 0, scale 0, or the sum of
 * squares is below sum^2 / n (no values give it). */
int hln_means_unit(const hln_mean_sums *s, uint32_t scale, hln_mean_unit *out);

/* a += b; HLN_ERANGE when n or sum pass 2^53 - 1 or the squares 2^128 - 1. */
int hln_means_add(hln_mean_sums *a, const hln_mean_sums *b);

/* The sum of squares sq (lo, hi) as a decimal whole number, as publish's
 * sum_squares column and --json carry it (2^128 - 1 has 39 digits). */
void hln_means_sq_text(const uint64_t sq[2], char out[HLN_MEANS_SQ_TEXT]);

/* Funnel limits for a unit of n values around the pooled mean theta0 with
 * the pooled standard deviation sd: theta0 -+ z sd / sqrt(n) (z95, z998). */
void hln_means_funnel(double theta0, double sd, uint64_t n, hln_stats_limits *out);

#endif
