/* dsr.h - directly standardised rates with Dobson limits and indirectly
 * standardised ratios with Byar's (or exact) limits, as PHEindicatormethods'
 * calculate_dsr and calculate_ISRatio compute them (docs/BENCHMARKS.md,
 * "Standardised rates"). Pure: no I/O. */
#ifndef HLN_DSR_H
#define HLN_DSR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

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

#endif
