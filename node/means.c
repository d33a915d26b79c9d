/* means.c - means from n, sum and sum of squares: t limits and funnel limits. */
#include "node/means.h"

#include <math.h>

#include "crypto/err.h"
#include "proto/record.h"

typedef unsigned __int128 u128;

static u128 sq_of(const hln_mean_sums *s)
{
    return ((u128)s->sq_hi << 64) | s->sq_lo;
}

double hln_means_t_quantile(double p, double df)
{
    /* P(|T| > t) = I_x(df/2, 1/2) with x = df / (df + t^2) */
    double x = hln_stats_beta_quantile(2 * (1 - p), df / 2, 0.5);
    /* Relative accuracy about 1e-9 (that of the incomplete beta at b = 1/2),
     * far below the last digit any interval is read to. */
    return sqrt(df * (1 - x) / x);
}

int hln_means_unit(const hln_mean_sums *s, uint32_t scale, hln_mean_unit *out)
{
    if (!s || !out || s->n == 0 || scale == 0)
        return HLN_EINVAL;
    u128 s1sq = (u128)s->sum * s->sum, q = s1sq / s->n, r = s1sq % s->n, s2 = sq_of(s);
    if (s2 < q + (r != 0))
        return HLN_EINVAL;
    double sc = (double)scale, n = (double)s->n;
    out->mean = (double)s->sum / n / sc;
    if (s->n < 2) {
        out->sd = NAN;
        out->ci95.lo = out->ci95.hi = out->ci998.lo = out->ci998.hi = NAN;
        return 0;
    }
    /* sum of squared deviations = S2 - S1^2/n = (S2 - q) - r/n, exactly up to the last step */
    double ss = (double)(s2 - q) - (double)r / n;
    if (ss < 0)
        ss = 0;
    out->sd = sqrt(ss / (n - 1)) / sc;
    double se = out->sd / sqrt(n);
    double t95 = hln_means_t_quantile(0.975, n - 1), t998 = hln_means_t_quantile(0.999, n - 1);
    out->ci95.lo = out->mean - t95 * se;
    out->ci95.hi = out->mean + t95 * se;
    out->ci998.lo = out->mean - t998 * se;
    out->ci998.hi = out->mean + t998 * se;
    return 0;
}

int hln_means_add(hln_mean_sums *a, const hln_mean_sums *b)
{
    u128 sa = sq_of(a), sb = sq_of(b);
    if (a->n + b->n > HLN_COUNT_MAX || a->sum + b->sum > HLN_COUNT_MAX || sa + sb < sa)
        return HLN_ERANGE;
    a->n += b->n;
    a->sum += b->sum;
    sa += sb;
    a->sq_lo = (uint64_t)sa;
    a->sq_hi = (uint64_t)(sa >> 64);
    return 0;
}

void hln_means_sq_text(const uint64_t sq[2], char out[HLN_MEANS_SQ_TEXT])
{
    u128 v = (u128)sq[1] << 64 | sq[0];
    char rev[HLN_MEANS_SQ_TEXT];
    size_t k = 0;
    do {
        rev[k++] = (char)('0' + (int)(v % 10));
        v /= 10;
    } while (v);
    for (size_t i = 0; i < k; i++)
        out[i] = rev[k - 1 - i];
    out[k] = '\0';
}

void hln_means_funnel(double theta0, double sd, uint64_t n, hln_stats_limits *out)
{
    double se = sd / sqrt((double)n);
    out->lo998 = theta0 - HLN_STATS_Z998 * se;
    out->lo95 = theta0 - HLN_STATS_Z95 * se;
    out->hi95 = theta0 + HLN_STATS_Z95 * se;
    out->hi998 = theta0 + HLN_STATS_Z998 * se;
}
