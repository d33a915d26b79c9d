/* stats.c - benchmark statistics: special functions, intervals, funnels, overdispersion, ABC. */
#include "node/stats.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/err.h"

#define LN_SQRT_2PI 0.918938533204672741780329736406
#define SQRT_2PI 2.506628274631000502415765284811
#define KIND_RATE 1u
#define DIR_LOWER 1u
#define METHOD_WILSON 1u
/* Continued fractions and series near the mode need O(sqrt(n)) terms; 1e9
 * counts need ~1e5. The cap only guards against a NaN that never settles. */
#define MAX_ITER 10000000
#define TINY 1e-300

/* ---- saddle-point densities (log-space, accurate for counts of 1e9) ---- */

/* log Gamma(n+1) minus Stirling's approximation (n+1/2)log n - n + log sqrt(2 pi).
 * Subtracting two 2e10-sized lgamma values would lose all precision for big
 * counts; this remainder is small and computed directly. */
static double stirlerr(double n)
{
    if (n <= 15.0)
        return lgamma(n + 1.0) - (n + 0.5) * log(n) + n - LN_SQRT_2PI;
    double nn = n * n;
    /* Stirling series 1/12n - 1/360n^3 + 1/1260n^5 - 1/1680n^7 + 1/1188n^9 */
    return (1.0 / 12 - (1.0 / 360 - (1.0 / 1260 - (1.0 / 1680 - 1.0 / 1188 / nn) / nn) / nn) / nn) /
           n;
}

/* x log(x/m) + m - x, the deviance term, without cancellation when x ~ m:
 * with v = (x-m)/(x+m), x log((1+v)/(1-v)) = 2x(v + v^3/3 + ...), and
 * m - x = -v(x+m), so the sum is v(x-m) + 2x(v^3/3 + v^5/5 + ...). */
static double bd0(double x, double m)
{
    if (x == 0)
        return m;
    if (fabs(x - m) < 0.1 * (x + m)) {
        double v = (x - m) / (x + m), v2 = v * v;
        double s = (x - m) * v, ej = 2 * x * v;
        for (int j = 1; j < 1000; j++) {
            ej *= v2;
            double s1 = s + ej / (2 * j + 1);
            if (s1 == s)
                return s1;
            s = s1;
        }
        return s;
    }
    return x * log(x / m) + m - x;
}

/* Binomial density at real k in [0, N] with success probability p = 1 - q. */
static double dbinom_raw(double k, double N, double p, double q)
{
    if (p == 0)
        return k == 0 ? 1 : 0;
    if (q == 0)
        return k == N ? 1 : 0;
    if (k == 0)
        return exp(p < 0.1 ? N * log1p(-p) : N * log(q));
    if (k == N)
        return exp(q < 0.1 ? N * log1p(-q) : N * log(p));
    double lc = stirlerr(N) - stirlerr(k) - stirlerr(N - k) - bd0(k, N * p) - bd0(N - k, N * q);
    return exp(lc) * sqrt(N / (k * (N - k))) / SQRT_2PI;
}

/* x^k e^-lambda / Gamma(k+1) for real k >= 0. */
static double dpois_raw(double k, double lambda)
{
    if (lambda == 0)
        return k == 0 ? 1 : 0;
    if (k == 0)
        return exp(-lambda);
    return exp(-stirlerr(k) - bd0(k, lambda)) / sqrt(2 * M_PI * k);
}

/* ---- incomplete beta and gamma ---- */

/* x^a y^b / (a B(a,b)), y = 1 - x given separately to keep its precision. */
static double beta_front(double a, double b, double x, double y)
{
    if (a >= 1 && b >= 1)
        return y * dbinom_raw(a, a + b - 1, x, y); /* C(a+b-1, a) x^a y^(b-1) * y */
    double lb = lgamma(a) + lgamma(b) - lgamma(a + b);
    return exp(a * log(x) + b * log1p(-x) - lb) / a;
}

/* The continued fraction of I_x(a, b) (Abramowitz & Stegun 26.5.8), by the
 * modified Lentz method; converges fast for x < (a+1)/(a+b+2). */
static double beta_cf(double a, double b, double x)
{
    double c = 1, d = 1 - (a + b) * x / (a + 1);
    if (fabs(d) < TINY)
        d = TINY;
    d = 1 / d;
    double h = d;
    for (long m = 1; m < MAX_ITER; m++) {
        double m2 = 2.0 * (double)m;
        double aa = (double)m * (b - (double)m) * x / ((a + m2 - 1) * (a + m2));
        d = 1 + aa * d;
        d = fabs(d) < TINY ? 1 / TINY : 1 / d;
        c = 1 + aa / c;
        if (fabs(c) < TINY)
            c = TINY;
        h *= d * c;
        aa = -(a + (double)m) * (a + b + (double)m) * x / ((a + m2) * (a + m2 + 1));
        d = 1 + aa * d;
        d = fabs(d) < TINY ? 1 / TINY : 1 / d;
        c = 1 + aa / c;
        if (fabs(c) < TINY)
            c = TINY;
        double del = d * c;
        h *= del;
        if (fabs(del - 1) < 2.5e-16)
            break;
    }
    return h;
}

/* I_x(a,b) and 1 - I_x(a,b), each computed directly in its own small tail. */
static void beta_inc2(double a, double b, double x, double y, double *lo, double *up)
{
    if (x <= 0) {
        *lo = 0, *up = 1;
        return;
    }
    if (y <= 0) {
        *lo = 1, *up = 0;
        return;
    }
    if (x < (a + 1) / (a + b + 2)) {
        *lo = beta_front(a, b, x, y) * beta_cf(a, b, x);
        *up = 1 - *lo;
    } else {
        *up = beta_front(b, a, y, x) * beta_cf(b, a, y);
        *lo = 1 - *up;
    }
}

int hln_stats_beta_inc(double a, double b, double x, double *lower, double *upper)
{
    if (!(a > 0) || !(b > 0) || !(x >= 0) || !(x <= 1) || !lower || !upper)
        return HLN_EINVAL;
    beta_inc2(a, b, x, 1 - x, lower, upper);
    return 0;
}

/* P(a, x) and Q(a, x): the series for x < a + 1, the continued fraction else. */
static void gamma_inc2(double a, double x, double *lo, double *up)
{
    if (x <= 0) {
        *lo = 0, *up = 1;
        return;
    }
    if (x < a + 1) {
        /* P = x^a e^-x / Gamma(a+1) * sum x^k / ((a+1)...(a+k)) */
        double sum = 1, term = 1;
        for (long k = 1; k < MAX_ITER; k++) {
            term *= x / (a + (double)k);
            sum += term;
            if (term < sum * 1e-17)
                break;
        }
        *lo = dpois_raw(a, x) * sum;
        *up = 1 - *lo;
        return;
    }
    /* Q = x^a e^-x / Gamma(a) * 1/(x+1-a- 1(1-a)/(x+3-a- 2(2-a)/(x+5-a- ...))) */
    double b = x + 1 - a, c = 1 / TINY, d = 1 / b, h = d;
    for (long i = 1; i < MAX_ITER; i++) {
        double an = -(double)i * ((double)i - a);
        b += 2;
        d = an * d + b;
        if (fabs(d) < TINY)
            d = TINY;
        c = b + an / c;
        if (fabs(c) < TINY)
            c = TINY;
        d = 1 / d;
        double del = d * c;
        h *= del;
        if (fabs(del - 1) < 2.5e-16)
            break;
    }
    *up = a * dpois_raw(a, x) * h; /* x^a e^-x / Gamma(a) = a * dpois(a; x) */
    *lo = 1 - *up;
}

int hln_stats_gamma_inc(double a, double x, double *lower, double *upper)
{
    if (!(a > 0) || !(x >= 0) || !lower || !upper)
        return HLN_EINVAL;
    gamma_inc2(a, x, lower, upper);
    return 0;
}

void hln_stats_binom_tails(uint64_t r, uint64_t n, double p, double *cdf, double *sf)
{
    if (r >= n || p <= 0) {
        *cdf = 1, *sf = 0;
        return;
    }
    if (p >= 1) {
        *cdf = 0, *sf = 1;
        return;
    }
    /* P(X > r) = I_p(r+1, n-r) */
    beta_inc2((double)r + 1, (double)(n - r), p, 1 - p, sf, cdf);
}

void hln_stats_pois_tails(uint64_t r, double mu, double *cdf, double *sf)
{
    if (mu <= 0) {
        *cdf = 1, *sf = 0;
        return;
    }
    /* P(X <= r) = Q(r+1, mu) */
    gamma_inc2((double)r + 1, mu, sf, cdf);
}

/* ---- root finding: safeguarded Newton inside a bracket ---- */

/* f(t) - target is increasing in t when sign = +1, decreasing when -1; f
 * returns the value and, in *deriv, |df/dt|. */
typedef double (*mono_fn)(void *ctx, double t, double *deriv);

static double solve(mono_fn f, void *ctx, double target, int sign, double lo, double hi,
                    double start)
{
    double t = start;
    if (!(t > lo && t < hi))
        t = 0.5 * (lo + hi);
    for (int it = 0; it < 400; it++) {
        double dv = 0;
        double g = (f(ctx, t, &dv) - target) * sign; /* increasing in t */
        if (g == 0)
            return t;
        if (g > 0)
            hi = t;
        else
            lo = t;
        double next = (dv > 0 && isfinite(dv)) ? t - g / dv : NAN;
        if (!(next > lo && next < hi))
            next = 0.5 * (lo + hi);
        if (fabs(next - t) <= 4 * DBL_EPSILON * fabs(t) || hi - lo <= 4 * DBL_EPSILON * fabs(t)) {
            t = next;
            break;
        }
        t = next;
    }
    return t;
}

static double norm_cdf(double x)
{
    return 0.5 * erfc(-x / M_SQRT2);
}

double hln_stats_norm_quantile(double p)
{
    if (!(p > 0 && p < 1))
        return NAN;
    if (p > 0.5)
        return -hln_stats_norm_quantile(1 - p);
    /* A rough start (Abramowitz & Stegun 26.2.23, |error| < 4.5e-4), then
     * Halley steps on Phi(x) - p, which is accurate in the lower tail. */
    double t = sqrt(-2 * log(p));
    double x = -(t - (2.515517 + 0.802853 * t + 0.010328 * t * t) /
                         (1 + 1.432788 * t + 0.189269 * t * t + 0.001308 * t * t * t));
    for (int i = 0; i < 6; i++) {
        double f = norm_cdf(x) - p;
        double dens = exp(-0.5 * x * x) / SQRT_2PI;
        double step = f / dens;
        step = step / (1 + 0.5 * x * step);
        x -= step;
        if (fabs(step) <= DBL_EPSILON * fabs(x))
            break;
    }
    return x;
}

/* chi-square via the gamma function: t is x/2, the shape a = df/2 */
typedef struct {
    double a;
    int upper;
} gamma_ctx;

static double gamma_tail_fn(void *vctx, double t, double *deriv)
{
    gamma_ctx *c = vctx;
    double lo, up;
    gamma_inc2(c->a, t, &lo, &up);
    *deriv = t > 0 ? c->a * dpois_raw(c->a, t) / t : 0; /* t^(a-1) e^-t / Gamma(a) */
    return c->upper ? up : lo;
}

/* The t with P(a, t) = tail (upper = 0) or Q(a, t) = tail (upper = 1). */
static double gamma_quantile(double a, double tail, int upper)
{
    gamma_ctx c = {a, upper};
    double hi = a + 10 + 20 * sqrt(a);
    double lo_v, up_v;
    for (;;) {
        gamma_inc2(a, hi, &lo_v, &up_v);
        if ((upper ? up_v < tail : lo_v > tail) || hi > 1e300)
            break;
        hi *= 2;
    }
    /* Wilson-Hilferty start */
    double p = upper ? 1 - tail : tail;
    double z = hln_stats_norm_quantile(p), k = 2 * a;
    double w = 1 - 2 / (9 * k) + z * sqrt(2 / (9 * k));
    double start = w > 0 ? 0.5 * k * w * w * w : 0.5 * a;
    return solve(gamma_tail_fn, &c, tail, upper ? -1 : 1, 0, hi, start);
}

double hln_stats_chisq_quantile(double p, double df)
{
    if (!(p > 0 && p < 1) || !(df > 0))
        return NAN;
    return p < 0.5 ? 2 * gamma_quantile(df / 2, p, 0) : 2 * gamma_quantile(df / 2, 1 - p, 1);
}

double hln_stats_chisq_sf(double x, double df)
{
    if (!(df > 0))
        return x > 0 ? 0 : 1;
    double lo, up;
    gamma_inc2(df / 2, x / 2, &lo, &up);
    return up;
}

typedef struct {
    double a, b;
    int upper;
} beta_ctx;

static double beta_tail_fn(void *vctx, double t, double *deriv)
{
    beta_ctx *c = vctx;
    double lo, up;
    beta_inc2(c->a, c->b, t, 1 - t, &lo, &up);
    double dens = 0;
    if (t > 0 && t < 1) {
        if (c->a >= 1 && c->b >= 1)
            dens = (c->a + c->b - 1) * dbinom_raw(c->a - 1, c->a + c->b - 2, t, 1 - t);
        else
            dens = beta_front(c->a, c->b, t, 1 - t) * c->a / (t * (1 - t));
    }
    *deriv = dens;
    return c->upper ? up : lo;
}

/* The t with I_t(a, b) = tail (upper = 0) or 1 - I_t(a, b) = tail (upper = 1). */
static double beta_quantile_tail(double a, double b, double tail, int upper)
{
    beta_ctx c = {a, b, upper};
    return solve(beta_tail_fn, &c, tail, upper ? -1 : 1, 0, 1, a / (a + b));
}

double hln_stats_beta_quantile(double p, double a, double b)
{
    if (!(p > 0 && p < 1) || !(a > 0) || !(b > 0))
        return NAN;
    return p < 0.5 ? beta_quantile_tail(a, b, p, 0) : beta_quantile_tail(a, b, 1 - p, 1);
}

/* ---- unit intervals ---- */

static double z_of(double conf)
{
    if (conf == 0.95)
        return HLN_STATS_Z95;
    if (conf == 0.998)
        return HLN_STATS_Z998;
    return hln_stats_norm_quantile(0.5 + conf / 2);
}

int hln_stats_interval_of(uint32_t kind, hln_stats_ci ci, uint64_t x, uint64_t n, double conf,
                          hln_stats_interval *out)
{
    if (n == 0 || !out || !(conf > 0 && conf < 1) || kind > KIND_RATE)
        return HLN_EINVAL;
    double xd = (double)x, nd = (double)n, z = z_of(conf), tail = (1 - conf) / 2;
    if (conf == 0.95)
        tail = 0.025;
    else if (conf == 0.998)
        tail = 0.001;
    if (kind == KIND_RATE) {
        if (x < 10) {
            /* exact: chi2(tail; 2x)/2 and chi2(1-tail; 2x+2)/2, i.e. gamma quantiles */
            out->lo = x == 0 ? 0 : gamma_quantile(xd, tail, 0) / nd;
            out->hi = gamma_quantile(xd + 1, tail, 1) / nd;
        } else {
            double l = 1 - 1 / (9 * xd) - z / (3 * sqrt(xd));
            double u = 1 - 1 / (9 * (xd + 1)) + z / (3 * sqrt(xd + 1));
            out->lo = xd * l * l * l / nd;
            out->hi = (xd + 1) * u * u * u / nd;
        }
        return 0;
    }
    if (x > n || ci > HLN_CI_CLOPPER_PEARSON)
        return HLN_EINVAL;
    if (ci == HLN_CI_CLOPPER_PEARSON) {
        out->lo = x == 0 ? 0 : beta_quantile_tail(xd, nd - xd + 1, tail, 0);
        out->hi = x == n ? 1 : beta_quantile_tail(xd + 1, nd - xd, tail, 1);
        return 0;
    }
    double z2 = z * z;
    double root = z * sqrt(z2 + 4 * xd * (1 - xd / nd));
    double den = 2 * (nd + z2);
    out->lo = x == 0 ? 0 : (2 * xd + z2 - root) / den;
    out->hi = x == n ? 1 : (2 * xd + z2 + root) / den;
    if (out->lo < 0)
        out->lo = 0;
    if (out->hi > 1)
        out->hi = 1;
    return 0;
}

/* ---- quantiles ---- */

double hln_stats_quantile7(const double *v, size_t count, double p)
{
    if (count == 0)
        return NAN;
    double h = (double)(count - 1) * p;
    size_t lo = (size_t)floor(h);
    if (lo >= count - 1)
        return v[count - 1];
    double g = h - (double)lo;
    if (g == 0 || v[lo + 1] == v[lo])
        return v[lo];
    return (1 - g) * v[lo] + g * v[lo + 1]; /* as R computes it */
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* ---- funnel limits ---- */

typedef struct {
    int rate;
    uint64_t n;  /* trials (binomial) */
    double p, q; /* binomial */
    double mu;   /* Poisson mean */
    double mean, sd, skew;
} dist;

static void dist_tails(const dist *d, uint64_t r, double *F, double *S)
{
    if (d->rate)
        hln_stats_pois_tails(r, d->mu, F, S);
    else
        hln_stats_binom_tails(r, d->n, d->p, F, S);
}

static double dist_pmf(const dist *d, uint64_t r)
{
    if (d->rate)
        return dpois_raw((double)r, d->mu);
    if (r > d->n)
        return 0;
    return dbinom_raw((double)r, (double)d->n, d->p, d->q);
}

/* A starting point near the p-quantile (Cornish-Fisher), clamped to the support. */
static uint64_t dist_guess(const dist *d, double z)
{
    double g = d->mean + d->sd * (z + d->skew * (z * z - 1) / 6);
    if (!(g > 0))
        return 0;
    if (!d->rate && g >= (double)d->n)
        return d->n;
    if (g > 1.8e19)
        return UINT64_MAX / 2;
    return (uint64_t)g;
}

/* pmf(r+1) / pmf(r) and pmf(r-1) / pmf(r): walking by ratios costs one
 * multiplication a step instead of a saddle-point density. */
static double ratio_up(const dist *d, uint64_t r)
{
    if (d->rate)
        return d->mu / ((double)r + 1);
    return ((double)(d->n - r) / ((double)r + 1)) * (d->p / d->q);
}

static double ratio_down(const dist *d, uint64_t r)
{
    if (d->rate)
        return (double)r / d->mu;
    return ((double)r / (double)(d->n - r + 1)) * (d->q / d->p);
}

/* Where the last search ended, so that the next quantile of the same tail
 * starts from there (one incomplete beta or gamma per tail, not per limit). */
typedef struct {
    bool valid;
    uint64_t r;
    double tail; /* F(r) for the lower tail, S(r) for the upper */
    double pm;   /* pmf(r) */
} walk;

#define WALK_REUSE 64 /* steps; further than this a fresh CDF is cheaper and exact */

static void walk_start(const dist *d, double z, int upper, walk *w)
{
    uint64_t g = dist_guess(d, z);
    uint64_t dist_steps = w->valid ? (g > w->r ? g - w->r : w->r - g) : UINT64_MAX;
    if (dist_steps <= WALK_REUSE)
        return;
    double F, S;
    dist_tails(d, g, &F, &S);
    w->valid = true;
    w->r = g;
    w->tail = upper ? S : F;
    w->pm = dist_pmf(d, g);
}

static double walk_pm(const dist *d, double pm, uint64_t r)
{
    /* the recurrence cannot climb back from an underflow to 0 */
    return pm > 0 ? pm : dist_pmf(d, r);
}

/* Spiegelhalter's interpolated limit (r_p - alpha) for the lower tail
 * probability t: the smallest r with F(r) >= t, alpha = (F(r) - t) / pmf(r). */
static double lower_point(const dist *d, double t, double z, walk *w)
{
    walk_start(d, z, 0, w);
    uint64_t r = w->r;
    double F = w->tail, pm = w->pm;
    if (F >= t) {
        while (r > 0) {
            double Fm = F - pm; /* F(r-1) */
            if (Fm < t)
                break;
            pm = walk_pm(d, pm * ratio_down(d, r), r - 1);
            F = Fm;
            r--;
        }
    } else {
        while (F < t && (d->rate || r < d->n)) {
            pm = walk_pm(d, pm * ratio_up(d, r), r + 1);
            r++;
            F += pm;
        }
    }
    w->r = r, w->tail = F, w->pm = pm;
    double alpha = pm > 0 ? (F - t) / pm : 0;
    return (double)r - alpha;
}

/* The same for an upper probability 1 - t, worked on the survival function
 * S = 1 - F so that its small tail keeps full precision: F(r) >= 1 - t is
 * S(r) <= t, and F(r) - (1 - t) = t - S(r). */
static double upper_point(const dist *d, double t, double z, walk *w)
{
    walk_start(d, z, 1, w);
    uint64_t r = w->r;
    double S = w->tail, pm = w->pm;
    if (S <= t) {
        while (r > 0) {
            double Sm = S + pm; /* S(r-1) */
            if (Sm > t)
                break;
            pm = walk_pm(d, pm * ratio_down(d, r), r - 1);
            S = Sm;
            r--;
        }
    } else {
        while (S > t) {
            if (!d->rate && r >= d->n) {
                S = 0;
                break;
            }
            pm = walk_pm(d, pm * ratio_up(d, r), r + 1);
            r++;
            S -= pm;
        }
        if (!d->rate && r >= d->n)
            S = 0; /* S(n) is 0 exactly, whatever the rounding of the sum */
    }
    w->r = r, w->tail = S, w->pm = pm;
    double alpha = pm > 0 ? (t - S) / pm : 0;
    return (double)r - alpha;
}

static double clamp(double v, double lo, double hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

int hln_stats_funnel(uint32_t kind, uint32_t method, double theta0, uint64_t n,
                     hln_stats_limits *out)
{
    if (n == 0 || !out || kind > KIND_RATE || method > METHOD_WILSON || !(theta0 >= 0) ||
        !isfinite(theta0) || (kind != KIND_RATE && theta0 > 1))
        return HLN_EINVAL;
    double nd = (double)n;
    double top = kind == KIND_RATE ? INFINITY : 1;
    /* A degenerate distribution (no events anywhere, or every trial an event)
     * puts all its mass on theta0: the limits are theta0 itself. */
    if (theta0 == 0 || (kind != KIND_RATE && theta0 == 1)) {
        out->lo998 = out->lo95 = out->hi95 = out->hi998 = theta0;
        return 0;
    }
    if (method == METHOD_WILSON && kind != KIND_RATE) {
        const double zs[2] = {HLN_STATS_Z95, HLN_STATS_Z998};
        double lo[2], hi[2];
        for (int i = 0; i < 2; i++) {
            double q = zs[i] * zs[i];
            double a = 1 / q + 1 / nd;
            double A = theta0 * (nd / q + 1);
            double D2 = 64 * A * A -
                        64 * a * theta0 * (nd * (theta0 * (nd / q + 2) - 1) + q * (theta0 - 1));
            double D = D2 > 0 ? sqrt(D2) : 0;
            lo[i] = clamp((A - D / 8) / a / nd, 0, 1);
            hi[i] = clamp((A + D / 8) / a / nd, 0, 1);
        }
        out->lo95 = lo[0], out->hi95 = hi[0], out->lo998 = lo[1], out->hi998 = hi[1];
        return 0;
    }
    dist d = {0};
    if (kind == KIND_RATE) {
        d.rate = 1;
        d.mu = theta0 * nd;
        d.mean = d.mu;
        d.sd = sqrt(d.mu);
        d.skew = 1 / d.sd;
    } else {
        d.n = n;
        d.p = theta0;
        d.q = 1 - theta0;
        d.mean = nd * theta0;
        d.sd = sqrt(nd * theta0 * d.q);
        d.skew = (d.q - d.p) / d.sd;
    }
    walk lw = {0}, uw = {0};
    out->lo998 = clamp(lower_point(&d, 0.001, -HLN_STATS_Z998, &lw) / nd, 0, top);
    out->lo95 = clamp(lower_point(&d, 0.025, -HLN_STATS_Z95, &lw) / nd, 0, top);
    out->hi95 = clamp(upper_point(&d, 0.025, HLN_STATS_Z95, &uw) / nd, 0, top);
    out->hi998 = clamp(upper_point(&d, 0.001, HLN_STATS_Z998, &uw) / nd, 0, top);
    return 0;
}

int hln_stats_funnel_adjusted(uint32_t kind, double theta0, double tau2, uint64_t n,
                              hln_stats_limits *out)
{
    if (n == 0 || !out || kind > KIND_RATE || !(theta0 >= 0) || !(tau2 >= 0) ||
        (kind != KIND_RATE && theta0 > 1))
        return HLN_EINVAL;
    double var = kind == KIND_RATE ? theta0 / (double)n : theta0 * (1 - theta0) / (double)n;
    double sd = sqrt(var + tau2), top = kind == KIND_RATE ? INFINITY : 1;
    out->lo998 = clamp(theta0 - HLN_STATS_Z998 * sd, 0, top);
    out->lo95 = clamp(theta0 - HLN_STATS_Z95 * sd, 0, top);
    out->hi95 = clamp(theta0 + HLN_STATS_Z95 * sd, 0, top);
    out->hi998 = clamp(theta0 + HLN_STATS_Z998 * sd, 0, top);
    return 0;
}

hln_stats_place hln_stats_place_of(double v, const hln_stats_limits *l)
{
    if (v > l->hi998)
        return HLN_PLACE_HIGH998;
    if (v > l->hi95)
        return HLN_PLACE_HIGH95;
    if (v < l->lo998)
        return HLN_PLACE_LOW998;
    if (v < l->lo95)
        return HLN_PLACE_LOW95;
    return HLN_PLACE_WITHIN;
}

int hln_stats_judge(hln_stats_place place, uint32_t direction)
{
    int high = place == HLN_PLACE_HIGH95 || place == HLN_PLACE_HIGH998;
    int low = place == HLN_PLACE_LOW95 || place == HLN_PLACE_LOW998;
    if (!high && !low)
        return 0;
    return (high ? 1 : -1) * (direction == DIR_LOWER ? -1 : 1);
}

const char *hln_stats_place_name(hln_stats_place place)
{
    switch (place) {
    case HLN_PLACE_WITHIN:
        return "within";
    case HLN_PLACE_HIGH95:
        return "high-95";
    case HLN_PLACE_HIGH998:
        return "high-99.8";
    case HLN_PLACE_LOW95:
        return "low-95";
    case HLN_PLACE_LOW998:
        return "low-99.8";
    }
    return "unknown";
}

/* ---- Achievable Benchmark of Care ---- */

typedef struct {
    const hln_stats_unit *units;
    int lower_better;
} abc_sort_ctx;

/* APF order compared exactly, (x1+1)(n2+2) vs (x2+1)(n1+2) in 128 bits:
 * two different fractions with 1e9 denominators can round to one double. */
static int apf_cmp(const hln_stats_unit *a, const hln_stats_unit *b)
{
    unsigned __int128 l = (unsigned __int128)(a->x + 1) * (b->n + 2);
    unsigned __int128 r = (unsigned __int128)(b->x + 1) * (a->n + 2);
    return (l > r) - (l < r);
}

static int abc_order_higher(const void *pa, const void *pb)
{
    const hln_stats_unit *a = *(const hln_stats_unit *const *)pa,
                         *b = *(const hln_stats_unit *const *)pb;
    return -apf_cmp(a, b);
}

static int abc_order_lower(const void *pa, const void *pb)
{
    const hln_stats_unit *a = *(const hln_stats_unit *const *)pa,
                         *b = *(const hln_stats_unit *const *)pb;
    return apf_cmp(a, b);
}

int hln_stats_abc(hln_stats_unit *units, size_t count, uint32_t direction, hln_stats_summary *out)
{
    if (!units || count == 0 || !out)
        return HLN_EINVAL;
    hln_stats_unit **order = malloc(count * sizeof *order);
    if (!order)
        return HLN_ENOMEM;
    unsigned __int128 total = 0;
    for (size_t i = 0; i < count; i++) {
        if (units[i].n > UINT64_MAX - 2 || units[i].x > UINT64_MAX - 1) {
            free(order);
            return HLN_ERANGE;
        }
        order[i] = &units[i];
        units[i].in_abc = false;
        total += units[i].n;
    }
    qsort(order, count, sizeof *order, direction == DIR_LOWER ? abc_order_lower : abc_order_higher);
    unsigned __int128 taken_n = 0, taken_x = 0;
    size_t k = 0;
    /* take until the units hold >= 10% of all denominators (exactly:
     * 10 * taken >= total), then every unit tied with the last one taken */
    while (k < count && 10 * taken_n < total) {
        order[k]->in_abc = true;
        taken_n += order[k]->n;
        taken_x += order[k]->x;
        k++;
    }
    while (k < count && apf_cmp(order[k], order[k - 1]) == 0) {
        order[k]->in_abc = true;
        taken_n += order[k]->n;
        taken_x += order[k]->x;
        k++;
    }
    free(order);
    if (taken_n > UINT64_MAX || taken_x > UINT64_MAX)
        return HLN_ERANGE;
    out->abc_units = k;
    out->abc_x = (uint64_t)taken_x;
    out->abc_n = (uint64_t)taken_n;
    out->abc = (double)out->abc_x / (double)out->abc_n;
    return 0;
}

/* ---- everything together ---- */

static int cmp_by_n(const void *a, const void *b)
{
    uint64_t x = (*(const hln_stats_unit *const *)a)->n, y = (*(const hln_stats_unit *const *)b)->n;
    return (x > y) - (x < y);
}

/* The unit's variance under the pooled value theta0 (0 when it leaves none). */
static double unit_var(int rate, double theta0, uint64_t n)
{
    return rate ? theta0 / (double)n : theta0 * (1 - theta0) / (double)n;
}

/* Each unit's value, adjusted value, intervals and z against theta0; v[i]
 * gets the values. 0 or hln_stats_interval_of's error. */
static int analyse_units(const hln_stats_spec *spec, hln_stats_unit *units, size_t count,
                         double theta0, double *v)
{
    int rate = spec->kind == KIND_RATE;
    for (size_t i = 0; i < count; i++) {
        hln_stats_unit *u = &units[i];
        int rc;
        u->value = (double)u->x / (double)u->n;
        u->apf = ((double)u->x + 1) / ((double)u->n + 2);
        if ((rc = hln_stats_interval_of(spec->kind, (hln_stats_ci)spec->ci, u->x, u->n, 0.95,
                                        &u->ci95)) ||
            (rc = hln_stats_interval_of(spec->kind, (hln_stats_ci)spec->ci, u->x, u->n, 0.998,
                                        &u->ci998)))
            return rc;
        /* z is undefined when the pooled value leaves no variance (theta0 0
         * or 1): every unit then sits exactly on theta0, so z = 0. */
        double var = unit_var(rate, theta0, u->n);
        u->z = var > 0 ? (u->value - theta0) / sqrt(var) : 0;
        v[i] = u->value;
    }
    return 0;
}

/* Each unit's funnel limits. They depend on n alone: units sharing a
 * denominator share them. 0, HLN_ENOMEM or hln_stats_funnel's error. */
static int analyse_limits(const hln_stats_spec *spec, uint32_t method, double theta0,
                          hln_stats_unit *units, size_t count)
{
    hln_stats_unit **by_n = malloc(count * sizeof *by_n);
    if (!by_n)
        return HLN_ENOMEM;
    int rc = 0;
    for (size_t i = 0; i < count; i++)
        by_n[i] = &units[i];
    qsort(by_n, count, sizeof *by_n, cmp_by_n);
    for (size_t i = 0; i < count && rc == 0; i++) {
        if (i > 0 && by_n[i]->n == by_n[i - 1]->n)
            by_n[i]->limits = by_n[i - 1]->limits;
        else
            rc = hln_stats_funnel(spec->kind, method, theta0, by_n[i]->n, &by_n[i]->limits);
    }
    free(by_n);
    return rc;
}

/* Min, quartiles and max of the count values in v (sorted here). */
static void analyse_distribution(double *v, size_t count, hln_stats_summary *out)
{
    qsort(v, count, sizeof *v, cmp_double);
    out->min = v[0];
    out->q1 = hln_stats_quantile7(v, count, 0.25);
    out->median = hln_stats_quantile7(v, count, 0.5);
    out->q3 = hln_stats_quantile7(v, count, 0.75);
    out->max = v[count - 1];
}

/* Overdispersion: z winsorised at its 10th and 90th percentiles, phi, the
 * chi-squared test and the random-effects tau2. v is scratch (count). */
static void analyse_overdispersion(int rate, double theta0, hln_stats_unit *units, size_t count,
                                   double *v, hln_stats_summary *out)
{
    for (size_t i = 0; i < count; i++)
        v[i] = units[i].z;
    qsort(v, count, sizeof *v, cmp_double);
    out->z_lo = hln_stats_quantile7(v, count, 0.10);
    out->z_hi = hln_stats_quantile7(v, count, 0.90);
    double sum_z2 = 0, sw = 0, sw2 = 0;
    for (size_t i = 0; i < count; i++) {
        hln_stats_unit *u = &units[i];
        u->z_w = clamp(u->z, out->z_lo, out->z_hi);
        sum_z2 += u->z_w * u->z_w;
        double var = unit_var(rate, theta0, u->n);
        if (var > 0) {
            sw += 1 / var;
            sw2 += 1 / (var * var);
        }
    }
    double I = (double)count;
    out->phi = sum_z2 / I;
    out->chi2 = I * out->phi;
    out->df = I - 1;
    out->p_value = hln_stats_chisq_sf(out->chi2, out->df);
    /* Too few units estimate tau2 too poorly to widen by (docs/BENCHMARKS.md). */
    out->od_too_few = count < HLN_STATS_OD_MIN_UNITS;
    out->overdispersed = out->chi2 > out->df && !out->od_too_few;
    double den = sw > 0 ? sw - sw2 / sw : 0;
    out->tau2 = den > 0 ? fmax(0, (out->chi2 - out->df) / den) : 0;
}

/* Each unit's adjusted limits, places and judgement. 0 or
 * hln_stats_funnel_adjusted's error. */
static int analyse_places(const hln_stats_spec *spec, hln_stats_unit *units, size_t count,
                          const hln_stats_summary *out)
{
    for (size_t i = 0; i < count; i++) {
        hln_stats_unit *u = &units[i];
        int rc = hln_stats_funnel_adjusted(spec->kind, out->theta0, out->tau2, u->n, &u->adjusted);
        if (rc)
            return rc;
        u->place = hln_stats_place_of(u->value, &u->limits);
        u->place_adjusted = hln_stats_place_of(u->value, &u->adjusted);
        u->place_used = out->overdispersed ? u->place_adjusted : u->place;
        u->judgement = hln_stats_judge(u->place_used, spec->direction);
    }
    return 0;
}

int hln_stats_analyse(const hln_stats_spec *spec, hln_stats_unit *units, size_t count,
                      hln_stats_summary *out)
{
    if (!spec || !units || !out || count == 0 || spec->kind > KIND_RATE ||
        spec->direction > DIR_LOWER || spec->method > METHOD_WILSON ||
        spec->ci > HLN_CI_CLOPPER_PEARSON)
        return HLN_EINVAL;
    int rate = spec->kind == KIND_RATE;
    uint64_t sx = 0, sn = 0;
    for (size_t i = 0; i < count; i++) {
        if (units[i].n == 0 || (!rate && units[i].x > units[i].n))
            return HLN_EINVAL;
        if (sx > UINT64_MAX - units[i].x || sn > UINT64_MAX - units[i].n)
            return HLN_ERANGE;
        sx += units[i].x;
        sn += units[i].n;
    }
    memset(out, 0, sizeof *out);
    out->units = count;
    out->sum_x = sx;
    out->sum_n = sn;
    out->method_used = rate ? 0 : spec->method;
    double theta0 = (double)sx / (double)sn;
    out->theta0 = theta0;

    double *v = malloc(count * sizeof *v);
    if (!v)
        return HLN_ENOMEM;
    int rc = analyse_units(spec, units, count, theta0, v);
    if (rc == 0)
        rc = analyse_limits(spec, out->method_used, theta0, units, count);
    if (rc == 0) {
        analyse_distribution(v, count, out);
        analyse_overdispersion(rate, theta0, units, count, v, out);
        rc = analyse_places(spec, units, count, out);
    }
    if (rc == 0)
        rc = hln_stats_abc(units, count, spec->direction, out);
    free(v);
    return rc;
}
