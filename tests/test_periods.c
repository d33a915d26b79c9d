/* test_periods.c - a quarter or a year added up from the months (or quarters) a unit reported. */
/* cmocka needs these headers first, in this order */
/* clang-format off */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
/* clang-format on */

#include "node/bench.h"
#include "node/periods.h"
#include "node/rollup_strata.h"

#include <math.h>
#include "tests/bench_fixture.h"

#define IND "mhpc.depression-screening"

static void grains_and_containing_periods(void **state)
{
    (void)state;
    char out[HLN_PERIOD_MAX + 1];
    assert_int_equal(hln_periods_grain("2026"), 'Y');
    assert_int_equal(hln_periods_grain("2026-Q4"), 'Q');
    assert_int_equal(hln_periods_grain("2026-12"), 'M');
    assert_int_equal(hln_periods_grain("2026-13"), 0);
    assert_int_equal(hln_periods_grain("2026-Q5"), 0);
    assert_int_equal(hln_periods_grain("26"), 0);
    assert_int_equal(hln_periods_coarsen("2026-05", 'Q', out), 0);
    assert_string_equal(out, "2026-Q2");
    assert_int_equal(hln_periods_coarsen("2026-12", 'Q', out), 0);
    assert_string_equal(out, "2026-Q4");
    assert_int_equal(hln_periods_coarsen("2026-01", 'Y', out), 0);
    assert_string_equal(out, "2026");
    assert_int_equal(hln_periods_coarsen("2026-Q3", 'Y', out), 0);
    assert_string_equal(out, "2026");
    assert_int_equal(hln_periods_coarsen("2026-Q3", 'Q', out), 0);
    assert_string_equal(out, "2026-Q3");
    assert_int_equal(hln_periods_coarsen("2026", 'Q', out), HLN_EINVAL);
    assert_int_equal(hln_periods_coarsen("2026-Q3", 'M', out), HLN_EINVAL);
    assert_true(hln_periods_additive(0) && hln_periods_additive(1));
    assert_true(hln_periods_additive(HLN_KIND_MEAN)); /* n, sum and sum of squares add */
    assert_false(hln_periods_additive(HLN_KIND_DSR)); /* a population is not a count */
}

static const hln_bench_unit *find_unit(const hln_bench_result *r, const char *unit)
{
    for (size_t i = 0; i < r->n_units; i++)
        if (!strcmp(r->units[i].unit, unit))
            return &r->units[i];
    return NULL;
}

/* The rule of docs/BENCHMARKS.md ("Periods that add up"), case by case. */
static void a_quarter_adds_up_its_months(void **state)
{
    (void)state;
    hln_store *s = fx_new_store();
    fx_feed a, b;
    fx_feed_open(&a, 1, "CA");
    fx_feed_open(&b, 2, "CA");
    uint8_t used[7][HLN_HASH_LEN], supp[3][HLN_HASH_LEN], old[HLN_HASH_LEN], gone[HLN_HASH_LEN];
    /* alpha: three months, one corrected: 10/50 + 12/60 (was 99/99) + 8/40 = 30/150 */
    fx_obs(s, &a, IND, "2026-04", "alpha", "", 10, 50, false, used[0]);
    fx_obs(s, &a, IND, "2026-05", "alpha", "", 99, 99, false, old);
    fx_obs(s, &a, IND, "2026-05", "alpha", "", 12, 60, false, used[1]);
    fx_obs(s, &a, IND, "2026-06", "alpha", "", 8, 40, false, used[2]);
    /* beta: the quarter itself (used) and one month (ignored) */
    fx_obs(s, &a, IND, "2026-04", "beta", "", 1, 10, false, NULL);
    fx_obs(s, &a, IND, "2026-Q2", "beta", "", 20, 100, false, used[3]);
    /* gamma: two months of three: incomplete */
    fx_obs(s, &b, IND, "2026-04", "gamma", "", 5, 20, false, NULL);
    fx_obs(s, &b, IND, "2026-06", "gamma", "", 5, 20, false, NULL);
    /* delta: a month withdrawn: incomplete */
    fx_obs(s, &b, IND, "2026-04", "delta", "", 5, 20, false, NULL);
    fx_obs(s, &b, IND, "2026-05", "delta", "", 5, 20, false, gone);
    fx_obs(s, &b, IND, "2026-06", "delta", "", 5, 20, false, NULL);
    fx_retract(s, &b, gone);
    /* epsilon: one month suppressed: the quarter is reported suppressed */
    fx_obs(s, &b, IND, "2026-04", "epsilon", "", 0, 0, true, supp[0]);
    fx_obs(s, &b, IND, "2026-05", "epsilon", "", 30, 40, false, supp[1]);
    fx_obs(s, &b, IND, "2026-06", "epsilon", "", 31, 40, false, supp[2]);
    /* zeta: a month with no eligible patient still counts as reported */
    fx_obs(s, &b, IND, "2026-04", "zeta", "", 0, 0, false, used[4]);
    fx_obs(s, &b, IND, "2026-05", "zeta", "", 7, 10, false, used[5]);
    fx_obs(s, &b, IND, "2026-06", "zeta", "", 3, 10, false, used[6]);
    /* another quarter and another stratum do not leak in */
    fx_obs(s, &b, IND, "2026-07", "zeta", "", 1, 1, false, NULL);
    fx_obs(s, &b, IND, "2026-04", "zeta", "sex=female", 1, 1, false, NULL);

    hln_indicator ind = fx_indicator(IND, 0, 1, 0);
    hln_bench_query q = {.indicator = &ind, .period = "2026-Q2", .method = -1};
    hln_bench_result *r = NULL;
    assert_int_equal(hln_bench_run(s, &q, &r), 0);
    assert_int_equal(r->n_units, 3);
    const hln_bench_unit *u = find_unit(r, "alpha");
    assert_non_null(u);
    assert_int_equal(u->s.x, 30);
    assert_int_equal(u->s.n, 150);
    assert_int_equal(u->parts, 3);
    assert_true(u->s.value == 0.2);
    u = find_unit(r, "beta");
    assert_int_equal(u->s.x, 20);
    assert_int_equal(u->parts, 1);
    assert_memory_equal(u->id, used[3], HLN_HASH_LEN);
    u = find_unit(r, "zeta");
    assert_int_equal(u->s.x, 10);
    assert_int_equal(u->s.n, 20);
    assert_int_equal(r->n_incomplete, 2);
    assert_string_equal(r->incomplete[0].unit, "delta"); /* sorted by unit */
    assert_int_equal(r->incomplete[0].have, 2);
    assert_int_equal(r->incomplete[0].need, 3);
    assert_string_equal(r->incomplete[1].unit, "gamma");
    assert_int_equal(r->incomplete[1].have, 2);
    assert_int_equal(r->n_suppressed, 1);
    assert_string_equal(r->suppressed[0].unit, "epsilon");
    assert_int_equal(r->n_retracted, 1);
    assert_int_equal(r->summary.sum_x, 60);
    assert_int_equal(r->summary.sum_n, 270);
    /* the digest covers exactly the records used: alpha's 3, beta's 1, zeta's 3; epsilon's 3 */
    uint8_t want[HLN_HASH_LEN];
    hln_bench_digest(IND, "2026-Q2", "all", "", "exact", used, 7, supp, 3, want);
    (void)old;
    assert_memory_equal(r->digest, want, HLN_HASH_LEN);
    char *j = fx_json(r);
    assert_non_null(strstr(j, "\"incomplete\":2}"));
    assert_non_null(strstr(j, "\"unit\":\"gamma\",\"months\":2,\"of\":3}"));
    assert_non_null(strstr(j, "\"parts\":3,\"numerator\":30,\"denominator\":150"));
    free(j);
    char *buf = NULL;
    size_t len = 0;
    FILE *mf = open_memstream(&buf, &len);
    assert_int_equal(hln_bench_write_table(r, NULL, mf), 0);
    fclose(mf);
    fputs(buf, stdout);
    assert_non_null(strstr(buf, "incomplete: 2 of 3 months"));
    assert_non_null(strstr(buf, "2 incomplete (left out)"));
    free(buf);
    hln_bench_result_destroy(&r);
    hln_identity_destroy(&a.id);
    hln_identity_destroy(&b.id);
    hln_store_close(&s);
}

/* A year from quarters, each either reported or added up from its months. */
static void a_year_adds_up_quarters_and_months(void **state)
{
    (void)state;
    hln_store *s = fx_new_store();
    fx_feed a;
    fx_feed_open(&a, 3, "FR");
    fx_obs(s, &a, IND, "2025-Q1", "u", "", 10, 100, false, NULL);
    fx_obs(s, &a, IND, "2025-04", "u", "", 1, 10, false, NULL);
    fx_obs(s, &a, IND, "2025-05", "u", "", 2, 10, false, NULL);
    fx_obs(s, &a, IND, "2025-06", "u", "", 3, 10, false, NULL);
    fx_obs(s, &a, IND, "2025-Q3", "u", "", 20, 100, false, NULL);
    fx_obs(s, &a, IND, "2025-Q4", "u", "", 30, 100, false, NULL);
    /* v misses December */
    for (int m = 1; m <= 11; m++) {
        char p[8] = "2025-00"; /* the month's two digits written in */
        p[5] = (char)('0' + m / 10);
        p[6] = (char)('0' + m % 10);
        fx_obs(s, &a, IND, p, "v", "", 1, 2, false, NULL);
    }
    /* w reported the year itself */
    fx_obs(s, &a, IND, "2025", "w", "", 7, 9, false, NULL);
    hln_indicator ind = fx_indicator(IND, 0, 1, 0);
    hln_bench_query q = {.indicator = &ind, .period = "2025", .method = -1};
    hln_bench_result *r = NULL;
    assert_int_equal(hln_bench_run(s, &q, &r), 0);
    assert_int_equal(r->n_units, 2);
    const hln_bench_unit *u = find_unit(r, "u");
    assert_int_equal(u->s.x, 66);
    assert_int_equal(u->s.n, 330);
    assert_int_equal(u->parts, 6);
    assert_int_equal(r->n_incomplete, 1);
    assert_int_equal(r->incomplete[0].have, 11);
    assert_int_equal(r->incomplete[0].need, 12);
    assert_int_equal(r->n_used_counted, 7);
    hln_bench_result_destroy(&r);
    /* a month is what it is: no adding up */
    q.period = "2025-05";
    assert_int_equal(hln_bench_run(s, &q, &r), 0);
    assert_int_equal(r->n_units, 2);
    assert_null(r->used_ids);
    hln_bench_result_destroy(&r);
    /* rates add up too (events and exposure) */
    ind.kind = 1, ind.multiplier = 1000;
    q.period = "2025-Q2";
    assert_int_equal(hln_bench_run(s, &q, &r), 0);
    assert_int_equal(r->n_units, 2);
    assert_int_equal(find_unit(r, "u")->s.x, 6);
    hln_bench_result_destroy(&r);
    hln_identity_destroy(&a.id);
    hln_store_close(&s);
}

/* --trend --per quarter: one point per quarter, added up from the months. */
static void a_trend_reads_at_a_coarser_grain(void **state)
{
    (void)state;
    hln_store *s = fx_new_store();
    fx_feed a;
    fx_feed_open(&a, 4, "CA");
    for (int m = 1; m <= 6; m++) {
        char p[8];
        snprintf(p, sizeof p, "2026-%02d", m);
        fx_obs(s, &a, IND, p, "north", "", (uint64_t)m, 10, false, NULL);
        if (m != 5)
            fx_obs(s, &a, IND, p, "south", "", 5, 10, false, NULL);
    }
    hln_indicator ind = fx_indicator(IND, 0, 1, 0);
    hln_bench_query q = {.indicator = &ind, .method = -1, .per = 'Q'};
    hln_bench_trend_point *pts = NULL;
    size_t n = 0;
    assert_int_equal(hln_bench_trend(s, &q, hln_identity_pk(a.id), "north", &pts, &n), 0);
    assert_int_equal(n, 2);
    assert_string_equal(pts[0].period, "2026-Q1");
    assert_string_equal(pts[1].period, "2026-Q2");
    assert_int_equal(pts[0].units, 2);
    assert_int_equal(pts[1].units, 1); /* south misses May */
    assert_true(pts[0].has_unit && fabs(pts[0].value - 6.0 / 30) < 1e-15);
    assert_true(fabs(pts[1].value - 15.0 / 30) < 1e-15);
    free(pts);
    q.per = 'Y';
    assert_int_equal(hln_bench_trend(s, &q, NULL, NULL, &pts, &n), 0);
    assert_int_equal(n, 1);
    assert_string_equal(pts[0].period, "2026");
    assert_int_equal(pts[0].units, 0); /* half a year held: every unit incomplete */
    free(pts);
    hln_identity_destroy(&a.id);
    hln_store_close(&s);
}

/* A mean's observation of whole values: n, their sum, their sum of squares. */
static void mean_obs(hln_store *s, fx_feed *f, const char *period, const char *unit,
                     const char *stratum, const uint64_t *v, size_t k)
{
    uint64_t sum = 0, sq[2] = {0, 0};
    for (size_t i = 0; i < k; i++) {
        sum += v[i];
        sq[0] += v[i] * v[i]; /* small values: no carry into the high word */
    }
    fx_obs_extra(s, f, "cost.per-case", period, unit, stratum, sum, k, 2, sq, NULL);
}

/* mean and sample sd of the values, the textbook way (two passes) */
static void mean_sd(const double *v, size_t k, double *mean, double *sd)
{
    double m = 0, ss = 0;
    for (size_t i = 0; i < k; i++)
        m += v[i];
    m /= (double)k;
    for (size_t i = 0; i < k; i++)
        ss += (v[i] - m) * (v[i] - m);
    *mean = m;
    *sd = sqrt(ss / (double)(k - 1));
}

/* A mean's quarter is its months' values pooled: n, sums and sums of
 * squares add exactly, and the figures are those of all the values. */
static void a_mean_adds_up_its_months(void **state)
{
    (void)state;
    hln_store *s = fx_new_store();
    fx_feed a;
    fx_feed_open(&a, 5, "CA");
    const uint64_t apr[] = {2, 4}, may[] = {3}, jun[] = {1, 5, 6}, q2[] = {10, 10, 12, 8};
    mean_obs(s, &a, "2026-04", "alpha", "", apr, 2);
    mean_obs(s, &a, "2026-05", "alpha", "", may, 1);
    mean_obs(s, &a, "2026-06", "alpha", "", jun, 3);
    mean_obs(s, &a, "2026-Q2", "beta", "", q2, 4);
    mean_obs(s, &a, "2026-04", "gamma", "", apr, 2); /* May and June missing */
    /* delta: a month signed without its sum of squares (a peer could send it) */
    mean_obs(s, &a, "2026-04", "delta", "", apr, 2);
    mean_obs(s, &a, "2026-05", "delta", "", may, 1);
    fx_obs(s, &a, "cost.per-case", "2026-06", "delta", "", 12, 3, false, NULL);
    hln_indicator ind = fx_indicator("cost.per-case", HLN_KIND_MEAN, 1, 1);
    hln_bench_query q = {.indicator = &ind, .period = "2026-Q2", .method = -1};
    hln_bench_result *r = NULL;
    assert_int_equal(hln_bench_run(s, &q, &r), 0);
    assert_int_equal(r->n_units, 2);
    assert_int_equal(r->n_incomplete, 1);
    assert_int_equal(r->n_invalid, 1);
    assert_int_equal(r->n_used_counted, 4); /* alpha's three months and beta's quarter */
    const hln_bench_unit *u = find_unit(r, "alpha");
    assert_int_equal(u->s.n, 6);
    assert_int_equal(u->s.x, 21);
    assert_int_equal(u->parts, 3);
    assert_true(u->has_sq && u->sq[0] == 4 + 16 + 9 + 1 + 25 + 36 && u->sq[1] == 0);
    const double va[] = {2, 4, 3, 1, 5, 6};
    double m, sd;
    mean_sd(va, 6, &m, &sd); /* 3.5 and sqrt(3.5) */
    assert_true(fabs(u->s.value - m) < 1e-15 && fabs(u->s.z - sd) < 1e-14);
    /* Student's t(0.975; 5) = 2.5705818366147395 (R: qt(0.975, 5)) */
    double half = 2.5705818366147395 * sd / sqrt(6.0);
    assert_true(fabs(u->s.ci95.lo - (m - half)) < 1e-8 && fabs(u->s.ci95.hi - (m + half)) < 1e-8);
    /* pooled: all ten values of alpha and beta */
    const double all[] = {2, 4, 3, 1, 5, 6, 10, 10, 12, 8};
    mean_sd(all, 10, &m, &sd);
    assert_int_equal(r->summary.sum_n, 10);
    assert_int_equal(r->summary.sum_x, 61);
    assert_true(r->sum_sq[0] == 91 + 408 && r->sum_sq[1] == 0);
    assert_true(fabs(r->summary.theta0 - m) < 1e-15 && fabs(r->summary.tau2 - sd) < 1e-14);
    hln_bench_result_destroy(&r);
    /* values in hundredths: the trend shows the quarter's mean in the unit shown, 0.061 */
    ind.multiplier = 100;
    q.per = 'Q';
    hln_bench_trend_point *pts = NULL;
    size_t np = 0;
    assert_int_equal(hln_bench_trend(s, &q, hln_identity_pk(a.id), "alpha", &pts, &np), 0);
    assert_int_equal(np, 1);
    assert_true(fabs(pts[0].theta0 - 0.061) < 1e-15 && fabs(pts[0].value - 0.035) < 1e-15);
    free(pts);
    hln_identity_destroy(&a.id);
    hln_store_close(&s);
}

/* A mean's roll-up by stratum adds the units' n, sums and sums of squares. */
static void a_mean_rolls_up_by_stratum(void **state)
{
    (void)state;
    hln_store *s = fx_new_store();
    fx_feed a;
    fx_feed_open(&a, 6, "CA");
    const uint64_t f1[] = {3, 5}, m1[] = {7}, f2[] = {1, 1, 4}, m2[] = {2, 9};
    mean_obs(s, &a, "2026-04", "east", "sex=female", f1, 2);
    mean_obs(s, &a, "2026-05", "east", "sex=female", m1, 1);
    mean_obs(s, &a, "2026-06", "east", "sex=female", f2, 3);
    mean_obs(s, &a, "2026-Q2", "east", "sex=male", m2, 2);
    mean_obs(s, &a, "2026-Q2", "west", "sex=male", f1, 2); /* no female cell: left out */
    hln_indicator ind = fx_indicator("cost.per-case", HLN_KIND_MEAN, 1, 1);
    ind.n_strata = 2;
    snprintf(ind.strata[0], sizeof ind.strata[0], "sex=female");
    snprintf(ind.strata[1], sizeof ind.strata[1], "sex=male");
    hln_bench_query q = {.indicator = &ind, .period = "2026-Q2", .method = -1};
    hln_rollup_stratum *st = NULL;
    size_t n = 0;
    assert_int_equal(hln_rollup_strata(s, &q, &st, &n), 0);
    assert_int_equal(n, 2);
    /* female: 3 5 7 1 1 4: n 6, sum 21, squares 9+25+49+1+1+16 = 101 */
    assert_true(st[0].n == 6 && st[0].x == 21 && st[0].sq[0] == 101 && st[0].sq[1] == 0);
    /* male: east only (2, 9): n 2, sum 11, squares 85; west left out */
    assert_true(st[1].n == 2 && st[1].x == 11 && st[1].sq[0] == 85 && st[1].left_out == 1);
    free(st);
    hln_identity_destroy(&a.id);
    hln_store_close(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(grains_and_containing_periods),
        cmocka_unit_test(a_quarter_adds_up_its_months),
        cmocka_unit_test(a_year_adds_up_quarters_and_months),
        cmocka_unit_test(a_trend_reads_at_a_coarser_grain),
        cmocka_unit_test(a_mean_adds_up_its_months),
        cmocka_unit_test(a_mean_rolls_up_by_stratum),
    };
    return cmocka_run_group_tests(tests, fx_setup, fx_teardown);
}
