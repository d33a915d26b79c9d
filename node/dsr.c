/* dsr.c - directly standardised rates (Dobson) and indirectly standardised ratios (Byar's). */
#include "node/dsr.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/err.h"
#include "node/stats.h"
#include "node/util.h"
#include "proto/codes.h"
#include "proto/record.h"

const uint32_t hln_dsr_esp2013[HLN_DSR_ESP2013_BANDS] = {
    5000, 5500, 5500, 5500, 6000, 6000, 6500, 7000, 7000, 7000,
    7000, 6500, 6000, 5500, 5000, 4000, 2500, 1500, 1000};

const char *const hln_dsr_esp2013_strata[HLN_DSR_ESP2013_BANDS] = {
    "age=0-4",   "age=5-9",   "age=10-14", "age=15-19", "age=20-24", "age=25-29", "age=30-34",
    "age=35-39", "age=40-44", "age=45-49", "age=50-54", "age=55-59", "age=60-64", "age=65-69",
    "age=70-74", "age=75-79", "age=80-84", "age=85-89", "age=90-plus"};

int hln_dsr_compute(size_t k, const uint64_t *x, const uint64_t *n, const double *w,
                    hln_dsr_stats *out)
{
    if (k == 0 || !x || !n || !w || !out)
        return HLN_EINVAL;
    double sw = 0, wr = 0, sq = 0;
    uint64_t o = 0, p = 0;
    for (size_t i = 0; i < k; i++) {
        if (n[i] == 0 || !(w[i] >= 0))
            return HLN_EINVAL;
        o += x[i];
        p += n[i];
        if (o > HLN_COUNT_MAX || p > HLN_COUNT_MAX)
            return HLN_ERANGE;
        double r = w[i] / (double)n[i];
        sw += w[i];
        wr += (double)x[i] * r;
        sq += (double)x[i] * r * r;
    }
    if (!(sw > 0))
        return HLN_EINVAL;
    out->events = o;
    out->population = p;
    out->dsr = wr / sw;
    out->var = sq / (sw * sw);
    return 0;
}

int hln_dsr_dobson(const hln_dsr_stats *s, double conf, double *lo, double *hi)
{
    if (!s || !lo || !hi || s->events < HLN_DSR_MIN_EVENTS || !(s->var >= 0))
        return HLN_EINVAL;
    hln_stats_interval b;
    /* Byar's limits for O events (O >= 10): the rate interval with exposure 1 */
    int rc = hln_stats_interval_of(1, HLN_CI_WILSON, s->events, 1, conf, &b);
    if (rc)
        return rc;
    double o = (double)s->events, f = sqrt(s->var / o);
    *lo = s->dsr + f * (b.lo - o);
    *hi = s->dsr + f * (b.hi - o);
    return 0;
}

int hln_dsr_pool(const hln_dsr_stats *u, size_t k, hln_dsr_stats *out)
{
    if (!u || !out || k == 0)
        return HLN_EINVAL;
    uint64_t o = 0, p = 0;
    for (size_t i = 0; i < k; i++) {
        o += u[i].events;
        p += u[i].population;
        if (o > HLN_COUNT_MAX || p > HLN_COUNT_MAX)
            return HLN_ERANGE;
    }
    if (p == 0)
        return HLN_EINVAL;
    double dsr = 0, var = 0, pt = (double)p;
    for (size_t i = 0; i < k; i++) {
        double a = (double)u[i].population / pt;
        dsr += a * u[i].dsr;
        var += a * a * u[i].var;
    }
    out->events = o;
    out->population = p;
    out->dsr = dsr;
    out->var = var;
    return 0;
}

int hln_dsr_funnel_target(const hln_dsr_stats *u, size_t k, double *target)
{
    if (!u || !target || k == 0)
        return HLN_EINVAL;
    double o = 0, d = 0;
    for (size_t i = 0; i < k; i++) {
        if (u[i].events == 0 || !(u[i].dsr > 0))
            return HLN_EINVAL;
        o += (double)u[i].events;
        d += (double)u[i].events / u[i].dsr;
    }
    *target = o / d;
    return 0;
}

int hln_dsr_funnel(double target, uint64_t events, hln_stats_limits *out)
{
    if (!out || events == 0)
        return HLN_EINVAL;
    hln_stats_interval b95, b998;
    int rc = hln_stats_interval_of(1, HLN_CI_WILSON, events, 1, 0.95, &b95);
    if (!rc)
        rc = hln_stats_interval_of(1, HLN_CI_WILSON, events, 1, 0.998, &b998);
    if (rc)
        return rc;
    double o = (double)events;
    out->lo998 = target * o / b998.hi;
    out->lo95 = target * o / b95.hi;
    out->hi95 = target * o / b95.lo;
    out->hi998 = target * o / b998.lo;
    return 0;
}

int hln_dsr_isr(size_t k, const uint64_t *x, const uint64_t *n, const uint64_t *refx,
                const uint64_t *refn, double conf, hln_dsr_isr_out *out)
{
    if (k == 0 || !x || !n || !refx || !refn || !out)
        return HLN_EINVAL;
    double e = 0;
    uint64_t o = 0;
    for (size_t i = 0; i < k; i++) {
        if (refn[i] == 0)
            return HLN_EINVAL;
        e += (double)n[i] * ((double)refx[i] / (double)refn[i]);
        o += x[i];
        if (o > HLN_COUNT_MAX)
            return HLN_ERANGE;
    }
    if (!(e > 0))
        return HLN_EINVAL;
    hln_stats_interval b;
    int rc = hln_stats_interval_of(1, HLN_CI_WILSON, o, 1, conf, &b);
    if (rc)
        return rc;
    out->observed = o;
    out->expected = e;
    out->ratio = (double)o / e;
    out->lo = b.lo / e;
    out->hi = b.hi / e;
    return 0;
}

/* Lines "STRATUM,V1[,V2]" ('#' comments, blank lines skipped): nv values a
 * line, value j a whole number in [lo[j], hi[j]]; strata valid, distinct. */
static int parse_bands(const char *text, size_t len, size_t nv, const uint64_t *lo,
                       const uint64_t *hi, const char *what, char strata[][65], uint64_t (*v)[2],
                       size_t cap, size_t *count, char *err, size_t errlen)
{
    size_t n = 0, line = 0;
    const char *p = text, *end = text + len;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end;
        line++;
        char buf[160];
        size_t l = (size_t)(le - p);
        if (l >= sizeof buf) {
            hln_util_seterr(err, errlen, "line %zu: too long", line);
            return HLN_EINVAL;
        }
        memcpy(buf, p, l);
        buf[l] = '\0';
        p = nl ? nl + 1 : end;
        if (l && buf[l - 1] == '\r')
            buf[--l] = '\0';
        if (!buf[0] || buf[0] == '#')
            continue;
        char *f[3] = {buf, NULL, NULL};
        size_t nf = 1;
        for (char *c = strchr(buf, ','); c && nf < 3; c = strchr(c + 1, ','))
            *c = '\0', f[nf++] = c + 1;
        if (nf != nv + 1 || strchr(f[nf - 1], ',')) {
            hln_util_seterr(err, errlen, "line %zu: %s expected", line, what);
            return HLN_EINVAL;
        }
        size_t sl = strlen(f[0]);
        if (!sl || sl > HLN_CODE_MAX || !hln_code_stratum(f[0], sl)) {
            hln_util_seterr(err, errlen, "line %zu: not a stratum", line);
            return HLN_EINVAL;
        }
        for (size_t j = 0; j < nv; j++) {
            char *e2 = NULL;
            errno = 0;
            unsigned long long x = strtoull(f[j + 1], &e2, 10);
            if (!f[j + 1][0] || f[j + 1][0] == '-' || *e2 || errno || x < lo[j] || x > hi[j]) {
                hln_util_seterr(err, errlen, "line %zu: value %zu must be a whole number %llu..%llu",
                                line, j + 1, (unsigned long long)lo[j], (unsigned long long)hi[j]);
                return HLN_EINVAL;
            }
            v[n < cap ? n : 0][j] = x;
        }
        for (size_t i = 0; i < n; i++)
            if (!strcmp(strata[i], f[0])) {
                hln_util_seterr(err, errlen, "line %zu: stratum repeated", line);
                return HLN_EINVAL;
            }
        if (n == cap) {
            hln_util_seterr(err, errlen, "line %zu: more than %zu bands", line, cap);
            return HLN_EINVAL;
        }
        memcpy(strata[n++], f[0], sl + 1);
    }
    if (n == 0) {
        hln_util_seterr(err, errlen, "no band");
        return HLN_EINVAL;
    }
    *count = n;
    return 0;
}

int hln_dsr_parse_standard(const char *text, size_t len, char strata[][65], uint32_t *weights,
                           size_t cap, size_t *count, char *err, size_t errlen)
{
    if (!text || !strata || !weights || !count)
        return HLN_EINVAL;
    uint64_t (*v)[2] = calloc(cap ? cap : 1, sizeof *v);
    if (!v)
        return HLN_ENOMEM;
    const uint64_t lo[1] = {1}, hi[1] = {1000000000ull};
    int rc = parse_bands(text, len, 1, lo, hi, "STRATUM,WEIGHT", strata, v, cap, count, err,
                         errlen);
    for (size_t i = 0; rc == 0 && i < *count; i++)
        weights[i] = (uint32_t)v[i][0];
    free(v);
    return rc;
}

int hln_dsr_parse_reference(const char *text, size_t len, char strata[][65], uint64_t *events,
                            uint64_t *pops, size_t cap, size_t *count, char *err, size_t errlen)
{
    if (!text || !strata || !events || !pops || !count)
        return HLN_EINVAL;
    uint64_t (*v)[2] = calloc(cap ? cap : 1, sizeof *v);
    if (!v)
        return HLN_ENOMEM;
    const uint64_t lo[2] = {0, 1}, hi[2] = {HLN_COUNT_MAX, HLN_COUNT_MAX};
    int rc = parse_bands(text, len, 2, lo, hi, "STRATUM,EVENTS,POPULATION", strata, v, cap, count,
                         err, errlen);
    for (size_t i = 0; rc == 0 && i < *count; i++)
        events[i] = v[i][0], pops[i] = v[i][1];
    free(v);
    return rc;
}

int hln_dsr_isr_expected(size_t k, const uint64_t *n, const uint64_t *refx, const uint64_t *refn,
                         uint64_t *e_micro)
{
    if (k == 0 || !n || !refx || !refn || !e_micro)
        return HLN_EINVAL;
    double e = 0;
    for (size_t i = 0; i < k; i++) {
        if (refn[i] == 0)
            return HLN_EINVAL;
        e += (double)n[i] * ((double)refx[i] / (double)refn[i]);
    }
    double m = nearbyint(e * HLN_ISR_SCALE);
    if (!(m >= 0) || m > (double)HLN_COUNT_MAX)
        return HLN_ERANGE;
    *e_micro = (uint64_t)m;
    return 0;
}
