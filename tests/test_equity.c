/* test_equity.c - strata side by side, gaps, SII and RII, against PHEindicatormethods'
 * published test data (tests/data/phe/) and hand-computed values. */
/* cmocka needs these headers first, in this order */
/* clang-format off */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
/* clang-format on */

#include <json-c/json.h>
#include <math.h>

#include "node/bench.h"
#include "node/equity.h"
#include "node/rollup_strata.h"
#include "node/stats.h"
#include "tests/bench_fixture.h"

#define IND "mhpc.depression-screening"

static void near(double got, double want, double rel, const char *what)
{
    double tol = rel * fmax(fabs(want), 1e-300);
    if (!(fabs(got - want) <= tol))
        fail_msg("%s: got %.17g, want %.17g (rel %.3g)", what, got, want,
                 fabs(got - want) / fabs(want));
}

/* Split a CSV line without quoted fields into at most `max` fields. */
static size_t split(char *line, char **f, size_t max)
{
    size_t n = 0;
    line[strcspn(line, "\r\n")] = '\0';
    for (char *p = line; n < max;) {
        f[n++] = p;
        char *c = strchr(p, ',');
        if (!c)
            break;
        *c = '\0';
        p = c + 1;
    }
    return n;
}

/* Every area of tests/data/phe/sii_testdata.csv: the SII and RII exactly
 * (1e-9), the 95% limits of value_type 0 within 2% of phe_sii's simulated
 * ones (100,000 repetitions; its own tests allow 5%), those of value_type 2 not compared (phe_sii
 * simulates on the logit scale there). */
static void sii_and_rii_match_phe_sii(void **state)
{
    (void)state;
    FILE *f = fopen("tests/data/phe/sii_testdata.csv", "r");
    assert_non_null(f);
    char line[1024], *fld[20];
    assert_non_null(fgets(line, sizeof line, f)); /* header */
    double pop[20], val[20], se[20], want[6] = {0};
    int k = 0, type = -1, areas = 0, with_ci = 0;
    bool have = false;
    for (;;) {
        char *got = fgets(line, sizeof line, f);
        size_t nf = got ? split(line, fld, 20) : 0;
        if (!got || (nf >= 11 && atoi(fld[4]) == 1 && k > 0)) {
            /* one area complete */
            hln_equity_sii_out o;
            assert_true(have);
            assert_int_equal(hln_equity_sii((size_t)k, pop, val, se, HLN_STATS_Z95, &o), 0);
            near(o.sii, want[0], 1e-9, "sii");
            near(o.rii, want[1], 1e-9, "rii");
            if (type == 0 && want[2] != 0) {
                near(o.sii_lo, want[2], 0.02, "sii lower");
                near(o.sii_hi, want[3], 0.02, "sii upper");
                near(o.rii_lo, want[4], 0.02, "rii lower");
                near(o.rii_hi, want[5], 0.02, "rii upper");
                with_ci++;
            }
            printf("k=%d type %d: sii %.6f (%.6f, %.6f) phe %.6f (%.6f, %.6f); rii %.6f (%.6f, "
                   "%.6f) phe (%.6f, %.6f)\n",
                   k, type, o.sii, o.sii_lo, o.sii_hi, want[0], want[2], want[3], o.rii, o.rii_lo,
                   o.rii_hi, want[4], want[5]);
            areas++;
            k = 0;
            have = false;
            if (!got)
                break;
        }
        assert_true(nf >= 17);
        pop[k] = atof(fld[5]);
        val[k] = atof(fld[6]);
        type = atoi(fld[7]);
        se[k] = fld[10][0] ? atof(fld[10])
                           : (atof(fld[9]) - atof(fld[8])) / HLN_STATS_Z95 / 2;
        if (fld[11][0]) {
            for (int i = 0; i < 6; i++)
                want[i] = atof(fld[11 + i]);
            have = true;
        }
        k++;
    }
    fclose(f);
    assert_int_equal(areas, 6);
    assert_int_equal(with_ci, 2); /* the quintile areas publish no limits */
}

/* Newcombe (1998), Stat Med 17:873, Table II, example (a): 56/70 vs 48/80,
 * method 10 (hybrid score): difference 0.2000, 95% limits 0.0524 to 0.3339. */
static void newcombe_hybrid_score_difference(void **state)
{
    (void)state;
    hln_stats_interval a, b;
    assert_int_equal(hln_stats_interval_of(0, HLN_CI_WILSON, 56, 70, 0.95, &a), 0);
    assert_int_equal(hln_stats_interval_of(0, HLN_CI_WILSON, 48, 80, 0.95, &b), 0);
    double d, lo, hi;
    hln_equity_diff(56.0 / 70, a.lo, a.hi, 48.0 / 80, b.lo, b.hi, &d, &lo, &hi);
    assert_true(fabs(d - 0.2) < 1e-15);
    assert_true(fabs(lo - 0.0524) < 5e-5);
    assert_true(fabs(hi - 0.3339) < 5e-5);
    /* Newcombe's example (h): 10/10 vs 0/20: 1.0000, 0.6791 to 1.0000 */
    assert_int_equal(hln_stats_interval_of(0, HLN_CI_WILSON, 10, 10, 0.95, &a), 0);
    assert_int_equal(hln_stats_interval_of(0, HLN_CI_WILSON, 0, 20, 0.95, &b), 0);
    hln_equity_diff(1.0, a.lo, a.hi, 0.0, b.lo, b.hi, &d, &lo, &hi);
    assert_true(fabs(lo - 0.6791) < 5e-5);
    assert_true(fabs(hi - 1.0) < 5e-5);
}

/* Katz log limits, by hand: 56/70 vs 48/80, RR = 4/3, se(log) = sqrt(1/56 -
 * 1/70 + 1/48 - 1/80) = 0.10910894511799619; rates 30/1000 vs 20/1000:
 * RR 1.5, se sqrt(1/30 + 1/20). */
static void ratio_with_log_limits(void **state)
{
    (void)state;
    double r, lo, hi;
    assert_true(hln_equity_ratio(0, 56, 70, 48, 80, HLN_STATS_Z95, &r, &lo, &hi));
    double se = 0.10910894511799619;
    near(r, 4.0 / 3, 1e-15, "ratio");
    near(lo, 4.0 / 3 * exp(-HLN_STATS_Z95 * se), 1e-13, "ratio lo");
    near(hi, 4.0 / 3 * exp(HLN_STATS_Z95 * se), 1e-13, "ratio hi");
    assert_true(fabs(lo - 1.0766264) < 1e-7 && fabs(hi - 1.6512485) < 1e-7);
    assert_true(hln_equity_ratio(1, 30, 1000, 20, 1000, HLN_STATS_Z95, &r, &lo, &hi));
    near(lo, 1.5 * exp(-HLN_STATS_Z95 * sqrt(1.0 / 30 + 1.0 / 20)), 1e-13, "rate ratio lo");
    assert_false(hln_equity_ratio(0, 0, 70, 48, 80, HLN_STATS_Z95, &r, &lo, &hi));
}

static hln_indicator deprivation_indicator(void)
{
    hln_indicator d = fx_indicator(IND, 0, 1, 0);
    const char *st[] = {"deprivation=1", "deprivation=10", "deprivation=2", "deprivation=3",
                        "deprivation=4", "deprivation=5", "sex=female", "sex=male"};
    d.n_strata = 8;
    for (int i = 0; i < 8; i++)
        snprintf(d.strata[i], sizeof d.strata[i], "%s", st[i]);
    return d;
}

static void strata_of_a_dimension_are_ordered_by_number(void **state)
{
    (void)state;
    hln_indicator d = deprivation_indicator();
    char(*v)[HLN_CODE_MAX + 1] = NULL;
    size_t n = 0;
    bool ordered = false;
    assert_int_equal(hln_equity_strata(&d, "deprivation", &v, &n, &ordered), 0);
    assert_int_equal(n, 6);
    assert_true(ordered);
    assert_string_equal(v[0], "deprivation=1");
    assert_string_equal(v[4], "deprivation=5");
    assert_string_equal(v[5], "deprivation=10");
    free(v);
    assert_int_equal(hln_equity_strata(&d, "sex", &v, &n, &ordered), 0);
    assert_false(ordered);
    assert_string_equal(v[0], "sex=female");
    free(v);
    assert_int_equal(hln_equity_strata(&d, "age", &v, &n, &ordered), HLN_EINVAL);
}

/* Two units by deprivation quintile: the cells are the strata's benchmark
 * figures, the gaps and the SII are those of the functions above. */
static void units_side_by_side_with_gaps_and_sii(void **state)
{
    (void)state;
    hln_store *s = fx_new_store();
    fx_feed a;
    fx_feed_open(&a, 7, "GB");
    hln_indicator ind = deprivation_indicator();
    ind.n_strata = 5; /* deprivation=1..5 without 10 */
    snprintf(ind.strata[1], sizeof ind.strata[1], "deprivation=2");
    snprintf(ind.strata[2], sizeof ind.strata[2], "deprivation=3");
    snprintf(ind.strata[3], sizeof ind.strata[3], "deprivation=4");
    snprintf(ind.strata[4], sizeof ind.strata[4], "deprivation=5");
    const uint64_t X[5] = {40, 50, 60, 66, 75}, N[5] = {100, 110, 120, 115, 118};
    for (int q = 0; q < 5; q++) {
        char st[32];
        snprintf(st, sizeof st, "deprivation=%d", q + 1);
        fx_obs(s, &a, IND, "2026", "north", st, X[q], N[q], false, NULL);
        if (q != 2)
            fx_obs(s, &a, IND, "2026", "south", st, X[q] / 2, N[q] / 2, false, NULL);
        else
            fx_obs(s, &a, IND, "2026", "south", st, 0, 0, true, NULL);
    }
    hln_bench_query q = {.indicator = &ind, .period = "2026", .method = -1};
    hln_equity_result *r = NULL;
    assert_int_equal(hln_equity_run(s, &q, "deprivation", NULL, &r), 0);
    assert_true(r->ordered);
    assert_string_equal(r->ref, "deprivation=5");
    assert_int_equal(r->n_rows, 2);
    const hln_equity_row *north = &r->rows[0], *south = &r->rows[1];
    assert_string_equal(north->unit, "north");
    assert_true(north->has_sii);
    assert_false(south->has_sii); /* quintile 3 suppressed */
    assert_true(south->cells[2].suppressed && !south->cells[2].counted);
    /* the gap of quintile 1 to quintile 5, by hand */
    hln_stats_interval i1, i5;
    assert_int_equal(hln_stats_interval_of(0, HLN_CI_WILSON, 40, 100, 0.95, &i1), 0);
    assert_int_equal(hln_stats_interval_of(0, HLN_CI_WILSON, 75, 118, 0.95, &i5), 0);
    double d, lo, hi;
    hln_equity_diff(0.4, i1.lo, i1.hi, 75.0 / 118, i5.lo, i5.hi, &d, &lo, &hi);
    assert_true(north->cells[0].has_gap);
    assert_true(north->cells[0].diff == d && north->cells[0].diff_lo == lo);
    assert_false(north->cells[4].has_gap);
    /* the SII from the cells */
    double pop[5], val[5], se[5];
    for (int k = 0; k < 5; k++) {
        hln_stats_interval iv;
        assert_int_equal(hln_stats_interval_of(0, HLN_CI_WILSON, X[k], N[k], 0.95, &iv), 0);
        pop[k] = (double)N[k], val[k] = (double)X[k] / (double)N[k];
        se[k] = (iv.hi - iv.lo) / HLN_STATS_Z95 / 2;
    }
    hln_equity_sii_out o;
    assert_int_equal(hln_equity_sii(5, pop, val, se, HLN_STATS_Z95, &o), 0);
    assert_true(north->sii.sii == o.sii && north->sii.rii_hi == o.rii_hi);
    printf("sii %.17g\n", o.sii);
    assert_true(o.sii > 0.25 && o.sii < 0.35); /* 40% rising to 64% over the population */
    /* the pooled row: each stratum's pooled counts */
    assert_int_equal(r->pooled.cells[0].x, 60);
    assert_int_equal(r->pooled.cells[0].n, 150);
    assert_int_equal(r->pooled.cells[2].x, 60); /* south's suppressed quintile is not in it */
    char *buf = NULL;
    size_t len = 0;
    FILE *mf = open_memstream(&buf, &len);
    assert_int_equal(hln_equity_write_json(r, mf), 0);
    fclose(mf);
    json_object *js = json_tokener_parse(buf);
    assert_non_null(js);
    json_object *u, *v;
    assert_true(json_object_object_get_ex(js, "units", &u));
    assert_int_equal(json_object_array_length(u), 2);
    assert_true(json_object_object_get_ex(json_object_array_get_idx(u, 0), "sii", &v));
    assert_true(json_object_object_get_ex(v, "rii_ci95", NULL));
    json_object_put(js);
    free(buf);
    mf = open_memstream(&buf, &len);
    assert_int_equal(hln_equity_write_csv(r, mf), 0);
    assert_int_equal(hln_equity_write_table(r, NULL, mf), 0);
    fclose(mf);
    fputs(buf, stdout);
    /* header + 5 pooled + 10 unit rows */
    int lines = 0;
    for (char *p = buf; (p = strstr(p, "\n")) && lines < 100; p++)
        lines++;
    assert_true(lines > 16);
    assert_non_null(strstr(buf, "pooled,\"\",deprivation=1,0,0,60,150,0.40000000000000002,"));
    free(buf);
    hln_equity_destroy(&r);
    /* another reference; an unknown one is refused */
    assert_int_equal(hln_equity_run(s, &q, "deprivation", "deprivation=1", &r), 0);
    assert_true(r->rows[0].cells[4].has_gap && !r->rows[0].cells[0].has_gap);
    hln_equity_destroy(&r);
    assert_int_equal(hln_equity_run(s, &q, "deprivation", "deprivation=9", &r), HLN_EINVAL);
    hln_identity_destroy(&a.id);
    hln_store_close(&s);
}

/* Roll-ups by stratum: a unit that suppressed (or did not report) one
 * stratum of a dimension is left out of the whole dimension, so that the
 * roll-up's cells cannot be subtracted to give its suppressed cell back. */
static void rollup_strata_leave_out_units_with_a_suppressed_cell(void **state)
{
    (void)state;
    hln_store *s = fx_new_store();
    fx_feed a;
    fx_feed_open(&a, 9, "CA");
    hln_indicator ind = deprivation_indicator(); /* deprivation=1..5, 10, sex=female, sex=male */
    fx_obs(s, &a, IND, "2026", "u1", "sex=female", 30, 60, false, NULL);
    fx_obs(s, &a, IND, "2026", "u1", "sex=male", 20, 50, false, NULL);
    fx_obs(s, &a, IND, "2026", "u2", "sex=female", 0, 0, true, NULL);
    fx_obs(s, &a, IND, "2026", "u2", "sex=male", 40, 70, false, NULL);
    fx_obs(s, &a, IND, "2026", "u3", "sex=male", 15, 30, false, NULL); /* no female row */
    fx_obs(s, &a, IND, "2026", "u1", "deprivation=1", 12, 40, false, NULL);
    hln_bench_query q = {.indicator = &ind, .period = "2026", .method = -1};
    hln_rollup_stratum *v = NULL;
    size_t n = 0;
    assert_int_equal(hln_rollup_strata(s, &q, &v, &n), 0);
    assert_int_equal(n, 8);
    for (size_t i = 0; i < n; i++) {
        if (!strcmp(v[i].stratum, "sex=male")) {
            assert_int_equal(v[i].x, 20); /* u1 only: u2 suppressed female, u3 has none */
            assert_int_equal(v[i].n, 50);
            assert_int_equal(v[i].units, 1);
            assert_int_equal(v[i].left_out, 2);
        } else if (!strcmp(v[i].stratum, "sex=female")) {
            assert_int_equal(v[i].x, 30);
            assert_int_equal(v[i].left_out, 1);
        } else if (!strcmp(v[i].stratum, "deprivation=1")) {
            assert_int_equal(v[i].units, 0); /* u1 lacks quintiles 2-5 and 10 */
        }
    }
    free(v);
    hln_identity_destroy(&a.id);
    hln_store_close(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sii_and_rii_match_phe_sii),
        cmocka_unit_test(newcombe_hybrid_score_difference),
        cmocka_unit_test(ratio_with_log_limits),
        cmocka_unit_test(strata_of_a_dimension_are_ordered_by_number),
        cmocka_unit_test(units_side_by_side_with_gaps_and_sii),
        cmocka_unit_test(rollup_strata_leave_out_units_with_a_suppressed_cell),
    };
    return cmocka_run_group_tests(tests, fx_setup, fx_teardown);
}
