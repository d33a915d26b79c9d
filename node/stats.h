/* stats.h - benchmark statistics of docs/BENCHMARKS.md, pure (no I/O). */
#ifndef HLN_STATS_H
#define HLN_STATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The normal quantiles of BENCHMARKS.md, pinned rather than computed so that
 * every node uses the very same doubles. */
#define HLN_STATS_Z95 1.959963984540054
#define HLN_STATS_Z998 3.090232306167814

/* Funnel limits are widened for overdispersion only from this many units
 * on (docs/BENCHMARKS.md, "Overdispersion with few units"). */
#define HLN_STATS_OD_MIN_UNITS 10

/* Values of hln_indicator's kind, direction and method (proto/record.h) are
 * used as they are: kind 0 proportion / 1 rate, direction 0 higher-is-better
 * / 1 lower-is-better, method 0 exact / 1 wilson. */

/* Where a unit lies against funnel limits. Comparisons are strict. */
typedef enum {
    HLN_PLACE_WITHIN = 0,
    HLN_PLACE_HIGH95 = 1,  /* above the upper 95% limit, not the 99.8% one */
    HLN_PLACE_HIGH998 = 2, /* above the upper 99.8% limit */
    HLN_PLACE_LOW95 = 3,   /* below the lower 95% limit, not the 99.8% one */
    HLN_PLACE_LOW998 = 4,  /* below the lower 99.8% limit */
} hln_stats_place;

/* Interval method for proportions (rates always use exact Poisson for x < 10
 * and Byar's for x >= 10). */
typedef enum { HLN_CI_WILSON = 0, HLN_CI_CLOPPER_PEARSON = 1 } hln_stats_ci;

typedef struct {
    double lo, hi;
} hln_stats_interval;

/* Funnel limits at one denominator. */
typedef struct {
    double lo998, lo95, hi95, hi998;
} hln_stats_limits;

/* What to compute. */
typedef struct {
    uint32_t kind;      /* hln_kind: 0 proportion, 1 rate */
    uint32_t direction; /* hln_direction: 0 higher is better, 1 lower is better */
    uint32_t method;    /* hln_funnel_method: 0 exact, 1 wilson */
    uint32_t ci;        /* hln_stats_ci, for proportions */
} hln_stats_spec;

/* One unit. The caller fills x and n; hln_stats_analyse fills the rest.
 * Rates are per one unit of exposure (the caller applies the multiplier). */
typedef struct {
    uint64_t x, n; /* events; denominator or exposure (> 0) */
    double value;  /* x / n */
    hln_stats_interval ci95, ci998;
    double z;                       /* (value - theta0) / s; 0 when s = 0 */
    double z_w;                     /* z winsorised at the 10th and 90th percentiles */
    double apf;                     /* (x + 1) / (n + 2) */
    bool in_abc;                    /* among the units that set the ABC */
    hln_stats_limits limits;        /* funnel limits at n (method_used) */
    hln_stats_limits adjusted;      /* theta0 +- z sqrt(s^2 + tau^2), clamped */
    hln_stats_place place;          /* against `limits` */
    hln_stats_place place_adjusted; /* against `adjusted` */
    hln_stats_place place_used;     /* adjusted when overdispersed, else place */
    int judgement;                  /* +1 better, -1 worse, 0 as expected (place_used, direction) */
} hln_stats_unit;

/* The figures for a set of units. */
typedef struct {
    size_t units;
    uint64_t sum_x, sum_n;
    double theta0;                   /* sum_x / sum_n */
    double min, q1, median, q3, max; /* of unit values, R type 7 */
    double abc;                      /* Achievable Benchmark of Care */
    size_t abc_units;
    uint64_t abc_x, abc_n;
    double z_lo, z_hi;    /* winsorising bounds (10th, 90th percentile of z) */
    double phi;           /* overdispersion factor */
    double chi2;          /* I * phi, the test statistic */
    double df;            /* I - 1 */
    double p_value;       /* P(chi2(I-1) >= I*phi); 1 when I = 1 */
    bool overdispersed;   /* I * phi > I - 1 and I >= HLN_STATS_OD_MIN_UNITS: limits widened */
    bool od_too_few;      /* I < HLN_STATS_OD_MIN_UNITS: never widened, whatever phi says */
    double tau2;          /* DerSimonian-Laird additive variance */
    uint32_t method_used; /* the funnel method actually used */
} hln_stats_summary;

/* Compute every figure for `count` units (count >= 1) in place. Wilson
 * funnel limits are defined for proportions only: a rate asked for them gets
 * exact Poisson limits and summary->method_used says so. Returns 0;
 * HLN_EINVAL if count is 0, a denominator is 0, a proportion has x > n, or the
 * spec holds an unknown value; HLN_ERANGE if the sums overflow 64 bits;
 * HLN_ENOMEM. */
int hln_stats_analyse(const hln_stats_spec *spec, hln_stats_unit *units, size_t count,
                      hln_stats_summary *out);

/* Funnel limits around theta0 for one denominator n (> 0): kind 0/1, method
 * 0 exact / 1 wilson (rates: exact only). theta0 must lie in [0, 1] for
 * proportions and be >= 0 for rates. HLN_EINVAL otherwise. */
int hln_stats_funnel(uint32_t kind, uint32_t method, double theta0, uint64_t n,
                     hln_stats_limits *out);

/* Additive-random-effect limits theta0 +- z sqrt(s^2 + tau2) at n, clamped to
 * [0, 1] (proportions) or [0, inf) (rates). */
int hln_stats_funnel_adjusted(uint32_t kind, double theta0, double tau2, uint64_t n,
                              hln_stats_limits *out);

/* Place of `value` against `lim` (strict comparisons). */
hln_stats_place hln_stats_place_of(double value, const hln_stats_limits *lim);
/* +1 better, -1 worse, 0 as expected, given the indicator's direction. */
int hln_stats_judge(hln_stats_place place, uint32_t direction);
/* "within", "high-95", "high-99.8", "low-95", "low-99.8". */
const char *hln_stats_place_name(hln_stats_place place);

/* A unit's interval at confidence `conf` (0.95 and 0.998 use the pinned z).
 * Proportions: Wilson or Clopper-Pearson (x <= n); rates: exact Poisson for
 * x < 10, Byar's for x >= 10, divided by n. HLN_EINVAL on n = 0. */
int hln_stats_interval_of(uint32_t kind, hln_stats_ci ci, uint64_t x, uint64_t n, double conf,
                          hln_stats_interval *out);

/* R's type 7 quantile of `count` sorted values at probability p in [0, 1]. */
double hln_stats_quantile7(const double *sorted, size_t count, double p);

/* Achievable Benchmark of Care over units[].x/.n; marks units[].in_abc and
 * fills abc, abc_units, abc_x, abc_n of `out`. direction 0: higher is better. */
int hln_stats_abc(hln_stats_unit *units, size_t count, uint32_t direction, hln_stats_summary *out);

/* Numerical building blocks, exported for tests and other modules. Each
 * keeps relative accuracy in the tail it returns, using saddle-point
 * densities and continued fractions so that denominators of 1e9 are fine. */

/* Regularized incomplete beta: *lower = I_x(a, b), *upper = 1 - I_x(a, b). */
int hln_stats_beta_inc(double a, double b, double x, double *lower, double *upper);
/* Regularized incomplete gamma: *lower = P(a, x), *upper = Q(a, x). */
int hln_stats_gamma_inc(double a, double x, double *lower, double *upper);
/* Binomial P(X <= r) and P(X > r) for X ~ Bin(n, p). */
void hln_stats_binom_tails(uint64_t r, uint64_t n, double p, double *cdf, double *sf);
/* Poisson P(X <= r) and P(X > r) for X ~ Poisson(mu). */
void hln_stats_pois_tails(uint64_t r, double mu, double *cdf, double *sf);
/* Standard normal quantile, 0 < p < 1. */
double hln_stats_norm_quantile(double p);
/* Chi-square quantile with df > 0 at probability 0 < p < 1. */
double hln_stats_chisq_quantile(double p, double df);
/* Chi-square upper tail P(X >= x) with df >= 0 (df 0: 1 for x <= 0, else 0). */
double hln_stats_chisq_sf(double x, double df);
/* Beta quantile: the x with I_x(a, b) = p, a, b > 0, 0 < p < 1. */
double hln_stats_beta_quantile(double p, double a, double b);

#endif
