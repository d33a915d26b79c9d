/* dsr.h - directly standardised rates with Dobson limits and indirectly
 * standardised ratios with Byar's (or exact) limits, as PHEindicatormethods'
 * calculate_dsr and calculate_ISRatio compute them (docs/BENCHMARKS.md,
 * "Standardised rates"). Pure: no I/O. */
#ifndef HLN_DSR_H
#define HLN_DSR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "node/stats.h"

/* The 2013 European Standard Population: 19 five-year bands 0-4 ... 85-89
 * and 90 and over, summing to 100,000. */
#define HLN_DSR_ESP2013_BANDS 19
extern const uint32_t hln_dsr_esp2013[HLN_DSR_ESP2013_BANDS];
/* The band strata of esp2013, in order: "age=0-4", ..., "age=85-89", "age=90-plus". */
extern const char *const hln_dsr_esp2013_strata[HLN_DSR_ESP2013_BANDS];

/* A unit with fewer events than this gets no DSR (PHE's rule). */
#define HLN_DSR_MIN_EVENTS 10

/* The sufficient statistics a publishing node signs: total events O, total
 * population P, the DSR per one person (not multiplied) and its variance. */
typedef struct {
    uint64_t events, population;
    double dsr, var;
} hln_dsr_stats;

/* From k age bands (x events, n population > 0, w standard population):
 * DSR = sum(w x / n) / sum(w), var = sum(x (w / n)^2) / sum(w)^2.
 * HLN_EINVAL when k is 0, a population is 0 or the standard sums to 0;
 * HLN_ERANGE when totals overflow 2^53 - 1. */
int hln_dsr_compute(size_t k, const uint64_t *x, const uint64_t *n, const double *w,
                    hln_dsr_stats *out);

/* Dobson limits at confidence conf (0.95, 0.998): DSR + sqrt(var / O) *
 * (B(O) - O) with B Byar's lower or upper limit for O events. HLN_EINVAL
 * when O < HLN_DSR_MIN_EVENTS (no DSR). Per one person. */
int hln_dsr_dobson(const hln_dsr_stats *s, double conf, double *lo, double *hi);

/* A group's DSR from its units' signed statistics, as a roll-up publishes
 * it: O = sum O_u, P = sum P_u, DSR = sum (P_u / P) DSR_u and var = sum
 * (P_u / P)^2 var_u. Exact (the DSR of the pooled band counts) when every
 * unit has the same age structure (band population / P_u); otherwise an
 * approximation (docs/BENCHMARKS.md, "Standardised rates"). HLN_EINVAL when
 * k is 0 or the populations sum to 0; HLN_ERANGE when totals pass 2^53 - 1. */
int hln_dsr_pool(const hln_dsr_stats *u, size_t k, hln_dsr_stats *out);

/* The centre line of PHE's funnel for DSRs (PHEindicatormethods'
 * phe_funnel_significance with rate_type "dsr"): each unit's derived
 * population d_u = O_u / DSR_u, target = sum O_u / sum d_u (per person).
 * HLN_EINVAL when k is 0 or a unit has no events or a DSR <= 0. */
int hln_dsr_funnel_target(const hln_dsr_stats *u, size_t k, double *target);

/* PHE's funnel limits for a unit of O events around `target`: the unit is
 * high when target < L(O) / d, low when target > U(O) / d (L, U the Poisson
 * limits of O: exact below 10 events, Byar's from 10, at 95% and 99.8%),
 * i.e. its DSR is above target O / L(O) or below target O / U(O): those are
 * the limits. HLN_EINVAL when O is 0. */
int hln_dsr_funnel(double target, uint64_t events, hln_stats_limits *out);

/* Indirect standardisation: expected E = sum(n_i * refx_i / refn_i);
 * ratio O / E with limits L(O) / E, U(O) / E, exact Poisson for O < 10 and
 * Byar's from 10 on. HLN_EINVAL when a reference population is 0 or E is 0. */
typedef struct {
    uint64_t observed;
    double expected;
    double ratio, lo, hi;
} hln_dsr_isr_out;
int hln_dsr_isr(size_t k, const uint64_t *x, const uint64_t *n, const uint64_t *refx,
                const uint64_t *refn, double conf, hln_dsr_isr_out *out);

/* A standard population from text: one band a line, "STRATUM,WEIGHT"
 * ("age=0-4,5000"); '#' comments and blank lines skipped; at most 16 bands
 * (an indicator's strata), strata valid and distinct, weights integers
 * 1..10^9. HLN_EINVAL with the line named in err. */
int hln_dsr_parse_standard(const char *text, size_t len, char strata[][65], uint32_t *weights,
                           size_t cap, size_t *count, char *err, size_t errlen);

/* A reference for indirect standardisation from text: one band a line,
 * "STRATUM,EVENTS,POPULATION" ("age=0-4,10303,50520"); '#' comments and
 * blank lines skipped; at most cap bands, strata valid and distinct,
 * events 0..2^53-1, populations 1..2^53-1. HLN_EINVAL with the line named
 * in err. */
int hln_dsr_parse_reference(const char *text, size_t len, char strata[][65], uint64_t *events,
                            uint64_t *pops, size_t cap, size_t *count, char *err, size_t errlen);

/* An isr observation's denominator: expected events in millionths. */
#define HLN_ISR_SCALE 1e6

/* The expected events of a unit with band populations n[i] at the
 * reference's rates refx[i] / refn[i]: E = sum n_i refx_i / refn_i, as
 * round(E * HLN_ISR_SCALE) (millionths of an event, so that E adds exactly
 * over periods and units). HLN_EINVAL (k 0, a reference population 0),
 * HLN_ERANGE (over 2^53 - 1 millionths). */
int hln_dsr_isr_expected(size_t k, const uint64_t *n, const uint64_t *refx, const uint64_t *refn,
                         uint64_t *e_micro);

#endif
