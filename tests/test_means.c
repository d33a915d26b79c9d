/* test_means.c - means from n, sum and sum of squares against PHEindicatormethods'
 * phe_mean test results (tests/data/phe/mean_*.csv), exact pooling, funnel limits. */
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
#include "node/means.h"

#define SCALE 100000 /* the test values have 5 decimals */

static void near(double got, double want, double rel, const char *what)
{
    if (!(fabs(got - want) <= rel * fabs(want)))
        fail_msg("%s: got %.17g, want %.17g", what, got, want);
}

static void add_value(hln_mean_sums *s, uint64_t v)
{
    unsigned __int128 sq = ((unsigned __int128)s->sq_hi << 64) | s->sq_lo;
    sq += (unsigned __int128)v * v;
    s->sq_lo = (uint64_t)sq, s->sq_hi = (uint64_t)(sq >> 64);
    s->n++;
    s->sum += v;
}

/* R's qt (the same from scipy's t.ppf): qt(0.975, 7), qt(0.999, 17), qt(0.975, 1) */
static void t_quantiles(void **state)
{
    (void)state;
    near(hln_means_t_quantile(0.975, 7), 2.3646242510102993, 1e-9, "qt(0.975, 7)");
    near(hln_means_t_quantile(0.999, 17), 3.6457673778920285, 1e-9, "qt(0.999, 17)");
    near(hln_means_t_quantile(0.975, 1), 12.706204736432095, 1e-9, "qt(0.975, 1)");
}

static void means_match_phe_mean(void **state)
{
    (void)state;
    FILE *f = fopen("tests/data/phe/mean_testdata.csv", "r");
    assert_non_null(f);
    char line[512];
    hln_mean_sums a[2] = {{0}}, all = {0};
    assert_non_null(fgets(line, sizeof line, f));
    while (fgets(line, sizeof line, f)) {
        char *comma = strchr(line, ',');
        assert_non_null(comma);
        int k = !strncmp(line, "Area2", 5);
        uint64_t v = (uint64_t)llround(atof(comma + 1) * SCALE);
        add_value(&a[k], v);
    }
    fclose(f);
    /* pooling the two areas' sums is exactly the sums of all values */
    assert_int_equal(hln_means_add(&all, &a[0]), 0);
    assert_int_equal(hln_means_add(&all, &a[1]), 0);
    assert_int_equal(all.n, 26);
    f = fopen("tests/data/phe/mean_results.csv", "r");
    assert_non_null(f);
    assert_non_null(fgets(line, sizeof line, f));
    for (int k = 0; k < 3 && fgets(line, sizeof line, f); k++) {
        char *fld[12], *p = line;
        for (int i = 0; i < 12 && p; i++) {
            fld[i] = p;
            p = strchr(p, ',');
            if (p)
                *p++ = '\0';
        }
        hln_mean_unit u;
        assert_int_equal(hln_means_unit(k < 2 ? &a[k] : &all, SCALE, &u), 0);
        assert_int_equal((k < 2 ? a[k] : all).n, strtoull(fld[2], NULL, 10));
        near(u.sd, atof(fld[3]), 1e-9, "sd");
        near(u.mean, atof(fld[4]), 1e-12, "mean");
        near(u.ci95.lo, atof(fld[5]), 1e-9, "lower 95");
        near(u.ci95.hi, atof(fld[6]), 1e-9, "upper 95");
        near(u.ci998.lo, atof(fld[7]), 1e-9, "lower 99.8");
        near(u.ci998.hi, atof(fld[8]), 1e-9, "upper 99.8");
        printf("%s: n %s mean %.10f (%.10f - %.10f)\n", fld[0], fld[2], u.mean, u.ci95.lo,
               u.ci95.hi);
    }
    fclose(f);
}

static void impossible_sums_and_funnels(void **state)
{
    (void)state;
    hln_mean_sums s = {.n = 2, .sum = 10, .sq_lo = 49}; /* 5, 5 gives 50 at least */
    hln_mean_unit u;
    assert_int_equal(hln_means_unit(&s, 1, &u), HLN_EINVAL);
    s.sq_lo = 50;
    assert_int_equal(hln_means_unit(&s, 1, &u), 0);
    assert_true(u.mean == 5 && u.sd == 0 && u.ci95.lo == 5);
    hln_mean_sums one = {.n = 1, .sum = 7, .sq_lo = 49};
    assert_int_equal(hln_means_unit(&one, 1, &u), 0);
    assert_true(isnan(u.ci95.lo));
    hln_mean_sums big = {.n = 1, .sum = 1, .sq_lo = UINT64_MAX, .sq_hi = UINT64_MAX};
    assert_int_equal(hln_means_add(&big, &one), HLN_ERANGE);
    hln_stats_limits l;
    hln_means_funnel(10, 4, 16, &l); /* se 1 */
    assert_true(l.lo95 == 10 - HLN_STATS_Z95 && l.hi998 == 10 + HLN_STATS_Z998);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(t_quantiles),
        cmocka_unit_test(means_match_phe_mean),
        cmocka_unit_test(impossible_sums_and_funnels),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
