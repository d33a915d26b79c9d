/* equity.h - strata side by side: each unit's value by stratum of one
 * dimension, the gap to a reference stratum, and the slope and relative
 * indices of inequality (docs/BENCHMARKS.md, "Equity"). */
#ifndef HLN_EQUITY_H
#define HLN_EQUITY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "node/bench.h"

/* SII needs between this many and HLN_STRATA_MAX ordered strata (PHE's
 * phe_sii asks for 5 to 100 quantiles). */
#define HLN_EQUITY_SII_MIN 5

/* The slope and relative index of inequality of `k` ordered groups, as
 * PHEindicatormethods' phe_sii computes them (value_type 0, no transform):
 * weighted least squares of value on the midpoint of each group's
 * cumulative share of the population, weights the population shares.
 * The 95% limits are those phe_sii's simulation converges to: the SII's is
 * normal (the SII is linear in the values), the RII's the quantiles of the
 * ratio of the two normal coefficients. */
typedef struct {
    double sii, sii_lo, sii_hi;
    double rii, rii_lo, rii_hi; /* rii limits NaN when the intercept's interval holds 0 */
    double intercept;
} hln_equity_sii_out;

/* pop[i] > 0, se[i] >= 0, k in [2, 100]. HLN_EINVAL otherwise. */
int hln_equity_sii(size_t k, const double *pop, const double *value, const double *se, double z,
                   hln_equity_sii_out *out);

/* The difference d = v1 - v2 with the MOVER limits built from each value's
 * own interval (for proportions with Wilson intervals this is Newcombe's
 * hybrid score interval, method 10 of Newcombe 1998):
 * lo = d - sqrt((v1 - l1)^2 + (u2 - v2)^2), hi = d + sqrt((u1 - v1)^2 + (v2 - l2)^2). */
void hln_equity_diff(double v1, double l1, double u1, double v2, double l2, double u2, double *d,
                     double *lo, double *hi);

/* The ratio (x1/n1) / (x2/n2) with log (Katz) limits: se of the log is
 * sqrt(1/x1 - 1/n1 + 1/x2 - 1/n2) for proportions, sqrt(1/x1 + 1/x2) for
 * rates. false (no ratio) when x1 or x2 is 0. */
bool hln_equity_ratio(uint32_t kind, uint64_t x1, uint64_t n1, uint64_t x2, uint64_t n2, double z,
                      double *r, double *lo, double *hi);

/* One stratum of one unit (or of the pooled group). Figures per one unit of
 * exposure for rates (not multiplied). */
typedef struct {
    bool counted;    /* the unit counted in this stratum */
    bool suppressed; /* it reported the stratum suppressed */
    uint64_t x, n;
    double value, lo, hi; /* 95% interval (the query's interval method) */
    bool has_gap;         /* counted here and in the reference stratum */
    double diff, diff_lo, diff_hi;
    bool has_ratio;
    double ratio, ratio_lo, ratio_hi;
} hln_equity_cell;

typedef struct {
    uint8_t author[HLN_KEY_LEN];
    char unit[HLN_CODE_MAX + 1];
    bool pooled;            /* the group's pooled row, not a unit */
    hln_equity_cell *cells; /* one per stratum, in the result's order */
    bool has_sii;
    hln_equity_sii_out sii;
} hln_equity_row;

typedef struct {
    char dimension[HLN_CODE_MAX + 1];
    char ref[HLN_CODE_MAX + 1]; /* the reference stratum */
    bool ordered;               /* every value starts with a number: SII and RII apply */
    uint32_t kind, multiplier;
    size_t n_strata;
    char (*strata)[HLN_CODE_MAX + 1];  /* in order */
    hln_bench_result **per_stratum;     /* each stratum's benchmark (digest, counts) */
    hln_equity_row pooled;              /* the group, stratum by stratum */
    size_t n_rows;
    hln_equity_row *rows; /* units, sorted by (author, unit) */
} hln_equity_result;

/* The strata of `dimension` ("sex", "deprivation") among the indicator's
 * strata ("sex=female"), ordered: by the number each value starts with
 * when every one does ("deprivation=2" before "deprivation=10",
 * "age=5-9" before "age=10-14"), else by bytes. HLN_EINVAL when the
 * indicator has no stratum of that dimension. */
int hln_equity_strata(const hln_indicator *ind, const char *dimension,
                      char (**out)[HLN_CODE_MAX + 1], size_t *count, bool *ordered);

/* Run q (its stratum ignored) for every stratum of `dimension` and put the
 * units side by side. `ref` NULL: the last stratum of an ordered dimension
 * (the least deprived quintile, the oldest band), else the first.
 * HLN_EPERM for a dsr or mean indicator (gaps and SII need counts). */
int hln_equity_run(hln_store *s, const hln_bench_query *q, const char *dimension, const char *ref,
                   hln_equity_result **out);
void hln_equity_destroy(hln_equity_result **r);

/* Writers: one JSON object (doubles %.17g), a CSV row per (unit, stratum),
 * a table for people. HLN_EIO. */
int hln_equity_write_json(const hln_equity_result *r, FILE *f);
int hln_equity_write_csv(const hln_equity_result *r, FILE *f);
int hln_equity_write_table(const hln_equity_result *r, const uint8_t *own, FILE *f);

#endif
