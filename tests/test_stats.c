/* test_stats.c - benchmark statistics against scipy reference values (tests/vectors/bench_*). */
/* cmocka needs these headers first, in this order */
/* clang-format off */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
/* clang-format on */

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/err.h"
#include "node/stats.h"

/* Relative 1e-9, or absolute 1e-14 for figures at or next to zero. */
static int close_to(double got, double want)
{
    if (got == want)
        return 1;
    if (isnan(got) || isnan(want) || isinf(got) || isinf(want))
        return 0;
    double d = fabs(got - want);
    return d <= 1e-9 * fmax(fabs(got), fabs(want)) || d <= 1e-14;
}

#define CHECK_CLOSE(got, want, what)                                                               \
    do {                                                                                           \
        double g_ = (got), w_ = (want);                                                            \
        if (!close_to(g_, w_))                                                                     \
            fail_msg("%s: got %.17g want %.17g (rel %.3g)", what, g_, w_,                          \
                     fabs(g_ - w_) / fmax(fabs(w_), 1e-300));                                      \
    } while (0)

static FILE *open_vectors(const char *name)
{
    char path[512];
    const char *dir = getenv("HLN_SRCDIR");
    snprintf(path, sizeof path, "%s/tests/vectors/%s", dir ? dir : ".", name);
    FILE *f = fopen(path, "r");
    if (!f)
        fail_msg("cannot open %s (run from the repository root or set HLN_SRCDIR)", path);
    return f;
}

static void special_functions_match_scipy(void **state)
{
    (void)state;
    FILE *f = open_vectors("bench_special.txt");
    char line[512], what[64];
    int checked = 0;
    while (fgets(line, sizeof line, f)) {
        char kw[16];
        if (line[0] == '#' || sscanf(line, "%15s", kw) != 1)
            continue;
        if (!strcmp(kw, "binom") || !strcmp(kw, "pois")) {
            unsigned long long r, n = 0;
            double p, cdf, sf, gc, gs;
            if (!strcmp(kw, "binom")) {
                assert_int_equal(sscanf(line, "%*s %llu %llu %lf %lf %lf", &r, &n, &p, &cdf, &sf),
                                 5);
                hln_stats_binom_tails(r, n, p, &gc, &gs);
            } else {
                assert_int_equal(sscanf(line, "%*s %llu %lf %lf %lf", &r, &p, &cdf, &sf), 4);
                hln_stats_pois_tails(r, p, &gc, &gs);
            }
            snprintf(what, sizeof what, "%s cdf r=%llu n=%llu p=%g", kw, r, n, p);
            CHECK_CLOSE(gc, cdf, what);
            snprintf(what, sizeof what, "%s sf r=%llu n=%llu p=%g", kw, r, n, p);
            CHECK_CLOSE(gs, sf, what);
        } else if (!strcmp(kw, "chisq_q")) {
            double p, df, x;
            assert_int_equal(sscanf(line, "%*s %lf %lf %lf", &p, &df, &x), 3);
            snprintf(what, sizeof what, "chisq_q p=%g df=%g", p, df);
            CHECK_CLOSE(hln_stats_chisq_quantile(p, df), x, what);
        } else if (!strcmp(kw, "chisq_sf")) {
            double x, df, p;
            assert_int_equal(sscanf(line, "%*s %lf %lf %lf", &x, &df, &p), 3);
            snprintf(what, sizeof what, "chisq_sf x=%g df=%g", x, df);
            CHECK_CLOSE(hln_stats_chisq_sf(x, df), p, what);
        } else if (!strcmp(kw, "beta_q")) {
            double p, a, b, x;
            assert_int_equal(sscanf(line, "%*s %lf %lf %lf %lf", &p, &a, &b, &x), 4);
            snprintf(what, sizeof what, "beta_q p=%g a=%g b=%g", p, a, b);
            CHECK_CLOSE(hln_stats_beta_quantile(p, a, b), x, what);
        } else if (!strcmp(kw, "norm_q")) {
            double p, x;
            assert_int_equal(sscanf(line, "%*s %lf %lf", &p, &x), 2);
            snprintf(what, sizeof what, "norm_q p=%g", p);
            CHECK_CLOSE(hln_stats_norm_quantile(p), x, what);
        } else if (!strcmp(kw, "ci")) {
            unsigned kind, ci;
            unsigned long long x, n;
            double conf, lo, hi;
            assert_int_equal(sscanf(line, "%*s %u %u %llu %llu %lf %lf %lf", &kind, &ci, &x, &n,
                                    &conf, &lo, &hi),
                             7);
            hln_stats_interval iv;
            assert_int_equal(hln_stats_interval_of(kind, (hln_stats_ci)ci, x, n, conf, &iv), 0);
            snprintf(what, sizeof what, "ci kind=%u ci=%u %llu/%llu %g lo", kind, ci, x, n, conf);
            CHECK_CLOSE(iv.lo, lo, what);
            snprintf(what, sizeof what, "ci kind=%u ci=%u %llu/%llu %g hi", kind, ci, x, n, conf);
            CHECK_CLOSE(iv.hi, hi, what);
        } else if (!strcmp(kw, "funnel")) {
            unsigned kind, method;
            unsigned long long n;
            double t0, w[4];
            assert_int_equal(sscanf(line, "%*s %u %u %lf %llu %lf %lf %lf %lf", &kind, &method, &t0,
                                    &n, &w[0], &w[1], &w[2], &w[3]),
                             8);
            hln_stats_limits l;
            assert_int_equal(hln_stats_funnel(kind, method, t0, n, &l), 0);
            double g[4] = {l.lo998, l.lo95, l.hi95, l.hi998};
            for (int i = 0; i < 4; i++) {
                snprintf(what, sizeof what, "funnel kind=%u m=%u t0=%g n=%llu [%d]", kind, method,
                         t0, n, i);
                CHECK_CLOSE(g[i], w[i], what);
            }
        } else {
            fail_msg("unknown vector line: %s", line);
        }
        checked++;
    }
    fclose(f);
    assert_true(checked > 80);
}

/* Every figure and every place of every data set in bench_cases.txt. */
static void every_case_matches_scipy(void **state)
{
    (void)state;
    FILE *f = open_vectors("bench_cases.txt");
    char line[512], name[128] = "", what[256];
    hln_stats_spec spec = {0};
    hln_stats_unit *u = NULL;
    hln_stats_summary s;
    size_t count = 0, filled = 0;
    int cases = 0;
    while (fgets(line, sizeof line, f)) {
        char kw[16];
        if (line[0] == '#' || sscanf(line, "%15s", kw) != 1)
            continue;
        if (!strcmp(kw, "case")) {
            assert_int_equal(sscanf(line, "%*s %127s %u %u %u %u %zu", name, &spec.kind,
                                    &spec.direction, &spec.method, &spec.ci, &count),
                             6);
            u = calloc(count, sizeof *u);
            assert_non_null(u);
            filled = 0;
        } else if (!strcmp(kw, "u")) {
            unsigned long long x, n;
            assert_int_equal(sscanf(line, "%*s %llu %llu", &x, &n), 2);
            u[filled].x = x, u[filled].n = n;
            if (++filled == count)
                assert_int_equal(hln_stats_analyse(&spec, u, count, &s), 0);
        } else if (!strcmp(kw, "s")) {
            char field[32];
            double want;
            assert_int_equal(sscanf(line, "%*s %31s %lf", field, &want), 2);
            struct {
                const char *k;
                double v;
            } m[] = {{"units", (double)s.units},
                     {"sum_x", (double)s.sum_x},
                     {"sum_n", (double)s.sum_n},
                     {"theta0", s.theta0},
                     {"min", s.min},
                     {"q1", s.q1},
                     {"median", s.median},
                     {"q3", s.q3},
                     {"max", s.max},
                     {"abc", s.abc},
                     {"abc_units", (double)s.abc_units},
                     {"abc_x", (double)s.abc_x},
                     {"abc_n", (double)s.abc_n},
                     {"z_lo", s.z_lo},
                     {"z_hi", s.z_hi},
                     {"phi", s.phi},
                     {"chi2", s.chi2},
                     {"df", s.df},
                     {"p_value", s.p_value},
                     {"overdispersed", s.overdispersed},
                     {"tau2", s.tau2},
                     {"method_used", s.method_used}};
            size_t i = 0;
            while (i < sizeof m / sizeof m[0] && strcmp(m[i].k, field))
                i++;
            if (i == sizeof m / sizeof m[0])
                fail_msg("unknown summary field %s", field);
            snprintf(what, sizeof what, "%s: %s", name, field);
            CHECK_CLOSE(m[i].v, want, what);
        } else if (!strcmp(kw, "r")) {
            size_t i;
            char field[32];
            double want;
            assert_int_equal(sscanf(line, "%*s %zu %31s %lf", &i, field, &want), 3);
            const hln_stats_unit *v = &u[i];
            struct {
                const char *k;
                double v;
            } m[] = {{"value", v->value},
                     {"apf", v->apf},
                     {"ci95_lo", v->ci95.lo},
                     {"ci95_hi", v->ci95.hi},
                     {"ci998_lo", v->ci998.lo},
                     {"ci998_hi", v->ci998.hi},
                     {"z", v->z},
                     {"z_w", v->z_w},
                     {"lo998", v->limits.lo998},
                     {"lo95", v->limits.lo95},
                     {"hi95", v->limits.hi95},
                     {"hi998", v->limits.hi998},
                     {"adj_lo998", v->adjusted.lo998},
                     {"adj_lo95", v->adjusted.lo95},
                     {"adj_hi95", v->adjusted.hi95},
                     {"adj_hi998", v->adjusted.hi998}};
            size_t k = 0;
            while (k < sizeof m / sizeof m[0] && strcmp(m[k].k, field))
                k++;
            if (k == sizeof m / sizeof m[0])
                fail_msg("unknown unit field %s", field);
            snprintf(what, sizeof what, "%s: unit %zu (%llu/%llu) %s", name, i,
                     (unsigned long long)v->x, (unsigned long long)v->n, field);
            CHECK_CLOSE(m[k].v, want, what);
        } else if (!strcmp(kw, "p")) {
            size_t i;
            char p1[16], p2[16], p3[16];
            int judgement, in_abc;
            assert_int_equal(
                sscanf(line, "%*s %zu %15s %15s %15s %d %d", &i, p1, p2, p3, &judgement, &in_abc),
                6);
            if (strcmp(hln_stats_place_name(u[i].place), p1) ||
                strcmp(hln_stats_place_name(u[i].place_adjusted), p2) ||
                strcmp(hln_stats_place_name(u[i].place_used), p3) || u[i].judgement != judgement ||
                (int)u[i].in_abc != in_abc)
                fail_msg("%s: unit %zu: got %s %s %s %d %d want %s %s %s %d %d", name, i,
                         hln_stats_place_name(u[i].place),
                         hln_stats_place_name(u[i].place_adjusted),
                         hln_stats_place_name(u[i].place_used), u[i].judgement, (int)u[i].in_abc,
                         p1, p2, p3, judgement, in_abc);
        } else if (!strcmp(kw, "end")) {
            free(u);
            u = NULL;
            cases++;
        }
    }
    fclose(f);
    assert_true(cases >= 20);
}

/* R's binom.confint(18, 20, method = "exact"). */
static void clopper_pearson_18_of_20_matches_r(void **state)
{
    (void)state;
    hln_stats_interval iv;
    assert_int_equal(hln_stats_interval_of(0, HLN_CI_CLOPPER_PEARSON, 18, 20, 0.95, &iv), 0);
    CHECK_CLOSE(iv.lo, 0.6830172859809176, "CP 18/20 lower");
    CHECK_CLOSE(iv.hi, 0.9876514728297052, "CP 18/20 upper");
}

static void pinned_z_are_the_normal_quantiles(void **state)
{
    (void)state;
    assert_true(fabs(hln_stats_norm_quantile(0.975) - HLN_STATS_Z95) < 1e-15);
    assert_true(fabs(hln_stats_norm_quantile(0.999) - HLN_STATS_Z998) < 1e-14);
}

/* R: quantile(c(1, 2, 4, 7, 20), c(.1, .25, .5, .9)) = 1.4 2 4 14.8 */
static void quantiles_are_r_type_7(void **state)
{
    (void)state;
    const double v[] = {1, 2, 4, 7, 20};
    CHECK_CLOSE(hln_stats_quantile7(v, 5, 0.1), 1.4, "q.1");
    CHECK_CLOSE(hln_stats_quantile7(v, 5, 0.25), 2, "q.25");
    CHECK_CLOSE(hln_stats_quantile7(v, 5, 0.5), 4, "q.5");
    CHECK_CLOSE(hln_stats_quantile7(v, 5, 0.9), 14.8, "q.9");
    CHECK_CLOSE(hln_stats_quantile7(v, 5, 1), 20, "q1");
    CHECK_CLOSE(hln_stats_quantile7(v, 1, 0.3), 1, "one value");
}

static void zero_denominator_is_refused(void **state)
{
    (void)state;
    hln_stats_spec spec = {0};
    hln_stats_unit u[2] = {{.x = 3, .n = 10}, {.x = 0, .n = 0}};
    hln_stats_summary s;
    assert_int_equal(hln_stats_analyse(&spec, u, 2, &s), HLN_EINVAL);
    hln_stats_limits l;
    assert_int_equal(hln_stats_funnel(0, 0, 0.3, 0, &l), HLN_EINVAL);
    hln_stats_interval iv;
    assert_int_equal(hln_stats_interval_of(0, HLN_CI_WILSON, 0, 0, 0.95, &iv), HLN_EINVAL);
}

static void impossible_inputs_are_refused(void **state)
{
    (void)state;
    hln_stats_spec spec = {0};
    hln_stats_unit u[1] = {{.x = 11, .n = 10}};
    hln_stats_summary s;
    assert_int_equal(hln_stats_analyse(&spec, u, 1, &s), HLN_EINVAL); /* proportion above 1 */
    spec.kind = 1;
    assert_int_equal(hln_stats_analyse(&spec, u, 1, &s), 0);          /* a rate may exceed 1 */
    assert_int_equal(hln_stats_analyse(&spec, u, 0, &s), HLN_EINVAL); /* no units */
    spec.kind = 2;
    assert_int_equal(hln_stats_analyse(&spec, u, 1, &s), HLN_EINVAL);
    spec = (hln_stats_spec){.method = 7};
    u[0].x = 1;
    assert_int_equal(hln_stats_analyse(&spec, u, 1, &s), HLN_EINVAL);
    hln_stats_limits l;
    assert_int_equal(hln_stats_funnel(0, 0, 1.5, 10, &l), HLN_EINVAL);
    assert_int_equal(hln_stats_funnel(0, 0, NAN, 10, &l), HLN_EINVAL);
    assert_int_equal(hln_stats_funnel(1, 0, -0.1, 10, &l), HLN_EINVAL);
}

static void sums_that_overflow_are_refused(void **state)
{
    (void)state;
    hln_stats_spec spec = {.kind = 1};
    hln_stats_unit u[2] = {{.x = UINT64_MAX - 5, .n = UINT64_MAX - 5}, {.x = 10, .n = 10}};
    hln_stats_summary s;
    assert_int_equal(hln_stats_analyse(&spec, u, 2, &s), HLN_ERANGE);
}

static void rates_asked_for_wilson_limits_get_exact_ones(void **state)
{
    (void)state;
    hln_stats_spec spec = {.kind = 1, .method = 1};
    hln_stats_unit u[2] = {{.x = 5, .n = 1000}, {.x = 9, .n = 1200}};
    hln_stats_summary s;
    assert_int_equal(hln_stats_analyse(&spec, u, 2, &s), 0);
    assert_int_equal(s.method_used, 0);
    hln_stats_limits l;
    assert_int_equal(hln_stats_funnel(1, 0, s.theta0, 1000, &l), 0);
    assert_true(l.hi998 == u[0].limits.hi998);
}

static void direction_turns_high_into_better_or_worse(void **state)
{
    (void)state;
    assert_int_equal(hln_stats_judge(HLN_PLACE_HIGH95, 0), 1);
    assert_int_equal(hln_stats_judge(HLN_PLACE_HIGH998, 1), -1);
    assert_int_equal(hln_stats_judge(HLN_PLACE_LOW998, 0), -1);
    assert_int_equal(hln_stats_judge(HLN_PLACE_LOW95, 1), 1);
    assert_int_equal(hln_stats_judge(HLN_PLACE_WITHIN, 1), 0);
    hln_stats_limits l = {0.1, 0.2, 0.4, 0.5};
    assert_int_equal(hln_stats_place_of(0.5, &l),
                     HLN_PLACE_HIGH95); /* strict: on the line is inside */
    assert_int_equal(hln_stats_place_of(0.4, &l), HLN_PLACE_WITHIN);
    assert_int_equal(hln_stats_place_of(0.1, &l), HLN_PLACE_LOW95);
    assert_int_equal(hln_stats_place_of(0.0999, &l), HLN_PLACE_LOW998);
}

/* 10% of the denominators is reached exactly by the best unit: no more are taken. */
static void abc_stops_at_ten_percent_and_keeps_ties(void **state)
{
    (void)state;
    hln_stats_summary s = {0};
    hln_stats_unit u[4] = {
        {.x = 9, .n = 10}, {.x = 5, .n = 50}, {.x = 4, .n = 20}, {.x = 1, .n = 20}};
    assert_int_equal(hln_stats_abc(u, 4, 0, &s), 0);
    assert_int_equal(s.abc_units, 1);
    assert_true(u[0].in_abc && !u[1].in_abc);
    CHECK_CLOSE(s.abc, 0.9, "abc");
    /* (4+1)/(8+2) = (0+1)/(0+2): a tie with the last one taken is taken too */
    hln_stats_unit t[4] = {
        {.x = 4, .n = 8}, {.x = 9, .n = 18}, {.x = 1, .n = 50}, {.x = 2, .n = 50}};
    assert_int_equal(hln_stats_abc(t, 4, 0, &s), 0);
    assert_int_equal(s.abc_units, 2);
    assert_int_equal(s.abc_x, 13);
    assert_int_equal(s.abc_n, 26);
}

/* Denominators of 1e9 keep CDFs accurate and stay fast. */
static void huge_denominators_keep_their_accuracy(void **state)
{
    (void)state;
    hln_stats_limits l;
    assert_int_equal(hln_stats_funnel(0, 0, 0.6, 4000000000ull, &l), 0);
    assert_true(l.lo998 < 0.6 && l.lo95 > l.lo998 && l.hi95 > 0.6 && l.hi998 > l.hi95);
    /* limits sit z * sqrt(p(1-p)/n) away, to within the discreteness */
    double sd = sqrt(0.6 * 0.4 / 4e9);
    assert_true(fabs((l.hi998 - 0.6) / sd - HLN_STATS_Z998) < 1e-3);
    assert_true(fabs((0.6 - l.lo95) / sd - HLN_STATS_Z95) < 1e-3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(special_functions_match_scipy),
        cmocka_unit_test(every_case_matches_scipy),
        cmocka_unit_test(clopper_pearson_18_of_20_matches_r),
        cmocka_unit_test(pinned_z_are_the_normal_quantiles),
        cmocka_unit_test(quantiles_are_r_type_7),
        cmocka_unit_test(zero_denominator_is_refused),
        cmocka_unit_test(impossible_inputs_are_refused),
        cmocka_unit_test(sums_that_overflow_are_refused),
        cmocka_unit_test(rates_asked_for_wilson_limits_get_exact_ones),
        cmocka_unit_test(direction_turns_high_into_better_or_worse),
        cmocka_unit_test(abc_stops_at_ten_percent_and_keeps_ties),
        cmocka_unit_test(huge_denominators_keep_their_accuracy),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
