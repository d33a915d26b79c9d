/* test_improve.c - improvement over time: published p- and u-chart examples, run chart rules, edge cases. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "node/improve.h"

/* A series of monthly points from January `year`, x[i] out of n[i]. */
static hln_improve_unit unit;
static hln_improve_point pts[128];

static void series(int year, const uint64_t *x, const uint64_t *n, size_t count)
{
    memset(&unit, 0, sizeof unit);
    memset(pts, 0, sizeof pts);
    for (size_t i = 0; i < count; i++) {
        snprintf(pts[i].period, sizeof pts[i].period, "%04d-%02d", year + (int)(i / 12),
                 (int)(i % 12) + 1);
        pts[i].x = x[i];
        pts[i].n = n[i];
    }
    unit.points = pts;
    unit.n_points = count;
}

/* Proportions x[i] / 100. */
static void pct_series(const uint64_t *x, size_t count)
{
    uint64_t n[128];
    for (size_t i = 0; i < count; i++)
        n[i] = 100;
    series(2024, x, n, count);
}

static size_t count_kind(uint32_t kind, int judgement)
{
    size_t c = 0;
    for (size_t i = 0; i < unit.n_signals; i++)
        if (unit.signals[i].kind == kind && !unit.signals[i].vs_phase &&
            (judgement == 2 || unit.signals[i].judgement == judgement))
            c++;
    return c;
}

static const hln_improve_params higher = {HLN_KIND_PROPORTION, 1, HLN_DIR_HIGHER, NULL, NULL, false, 0};

/* Montgomery, Introduction to Statistical Quality Control, the p-chart of
 * frozen orange juice cans (30 samples of 50): p-bar = 347/1500 = 0.2313,
 * UCL = 0.4102, LCL = 0.0524, samples 15 and 23 above the UCL. The baseline
 * is all 30 samples: the start lies after them. */
static void p_chart_matches_montgomerys_orange_juice_example(void **state)
{
    (void)state;
    static const uint64_t x[30] = {12, 15, 8, 10, 4,  7,  16, 9, 14, 10, 5,  6,  17, 12, 22,
                                   8,  10, 5, 13, 11, 20, 18, 24, 15, 9, 12, 7,  13, 9,  6};
    uint64_t n[30];
    for (int i = 0; i < 30; i++)
        n[i] = 50;
    series(2020, x, n, 30);
    hln_improve_params p = higher;
    p.start = "2022-07";
    hln_improve_analyse(&unit, &p);
    assert_true(unit.has_chart);
    assert_int_equal(unit.n_baseline, 30);
    assert_true(fabs(unit.centre - 347.0 / 1500) < 1e-12);
    assert_true(fabs(pts[0].ucl - 0.4102) < 5e-5);
    assert_true(fabs(pts[0].lcl - 0.0524) < 5e-5);
    assert_int_equal(count_kind(HLN_SIGNAL_ASTRONOMICAL, 2), 2);
    assert_true(pts[14].marks & (1u << HLN_SIGNAL_ASTRONOMICAL));
    assert_true(pts[22].marks & (1u << HLN_SIGNAL_ASTRONOMICAL));
    /* All inside the baseline: not an improvement. */
    assert_int_equal(unit.improvement, 0);
}

/* Montgomery's u-chart of nonconformities in personal computers (20
 * samples of 5 units): u-bar = 1.93, UCL = 3.79, LCL = 0.07, no point out. */
static void u_chart_matches_montgomerys_computer_example(void **state)
{
    (void)state;
    static const uint64_t x[20] = {10, 12, 8, 14, 10, 16, 11, 7, 10, 15,
                                   9,  5,  7, 11, 12, 6,  8,  10, 7, 5};
    uint64_t n[20];
    for (int i = 0; i < 20; i++)
        n[i] = 5;
    series(2020, x, n, 20);
    hln_improve_params p = {HLN_KIND_RATE, 1, HLN_DIR_LOWER, "2022-01", NULL, false, 0};
    hln_improve_analyse(&unit, &p);
    assert_true(fabs(unit.centre - 1.93) < 1e-12);
    assert_true(fabs(pts[0].ucl - 3.79) < 5e-3);
    assert_true(fabs(pts[0].lcl - 0.07) < 5e-3);
    assert_int_equal(count_kind(HLN_SIGNAL_ASTRONOMICAL, 2), 0);
    /* A multiplier scales values and limits alike. */
    p.multiplier = 1000;
    hln_improve_analyse(&unit, &p);
    assert_true(fabs(unit.centre - 1930) < 1e-9);
    assert_true(fabs(pts[0].value - 2000) < 1e-9);
}

/* Anhøj and Olesen 2014 (PLoS ONE 9:e113825), table 1: the fewest
 * crossings expected by chance for 10, 20, ... 60 useful observations. */
static void crossings_limits_match_anhojs_table(void **state)
{
    (void)state;
    static const size_t n[] = {10, 11, 12, 20, 24, 30, 40, 50, 60}, want[] = {2, 2, 3, 6, 8, 10, 14, 19, 23};
    for (size_t i = 0; i < sizeof n / sizeof n[0]; i++)
        assert_int_equal(hln_improve_crossings_min(n[i]), want[i]);
    assert_int_equal(hln_improve_crossings_min(1), 0);
    assert_int_equal(hln_improve_crossings_min(0), 0);
}

/* Baseline 40,42,38,41,39,40 (median 40); then six points above it after
 * the start, one of them on the median (skipped, not breaking): a shift. */
static void six_points_above_the_baseline_median_are_a_shift(void **state)
{
    (void)state;
    static const uint64_t x[] = {40, 42, 38, 41, 39, 40, 44, 45, 40, 43, 44, 46, 45};
    pct_series(x, 13);
    hln_improve_params p = higher;
    p.start = "2024-07";
    hln_improve_analyse(&unit, &p);
    assert_int_equal(unit.n_baseline, 6);
    assert_true(fabs(unit.median - 0.40) < 1e-12);
    assert_int_equal(count_kind(HLN_SIGNAL_SHIFT, 1), 1);
    assert_int_equal(unit.improvement, 1);
    /* Lower is better: the same shift is a worsening. */
    p.direction = HLN_DIR_LOWER;
    hln_improve_analyse(&unit, &p);
    assert_int_equal(count_kind(HLN_SIGNAL_SHIFT, -1), 1);
    assert_int_equal(unit.improvement, 0);
}

static void five_points_above_are_not_a_shift(void **state)
{
    (void)state;
    static const uint64_t x[] = {40, 42, 38, 41, 39, 40, 41, 43, 44, 42, 41, 39};
    pct_series(x, 12);
    hln_improve_params p = higher;
    p.start = "2024-07";
    hln_improve_analyse(&unit, &p);
    assert_int_equal(count_kind(HLN_SIGNAL_SHIFT, 2), 0);
}

/* Five points going up, with a repeated value in the middle (ignored):
 * a trend; four are not. */
static void five_points_going_up_are_a_trend_repeats_ignored(void **state)
{
    (void)state;
    static const uint64_t x[] = {50, 40, 60, 45, 55, 50, 41, 43, 43, 45, 47, 49, 44};
    pct_series(x, 13);
    hln_improve_params p = higher;
    p.start = "2024-07";
    hln_improve_analyse(&unit, &p);
    assert_int_equal(count_kind(HLN_SIGNAL_TREND, 1), 1);
    static const uint64_t y[] = {50, 40, 60, 45, 55, 50, 41, 43, 45, 47, 44, 46};
    pct_series(y, 12);
    hln_improve_analyse(&unit, &p);
    assert_int_equal(count_kind(HLN_SIGNAL_TREND, 2), 0);
}

/* Too few crossings: 20 useful points crossing the median only twice
 * (Anhøj's limit for 20 is 6). */
static void too_few_crossings_signal_runs(void **state)
{
    (void)state;
    uint64_t x[20];
    for (int i = 0; i < 20; i++)
        x[i] = (i < 5 || i >= 15) ? 40 + (uint64_t)(i % 2) : 50 + (uint64_t)(i % 2);
    pct_series(x, 20);
    hln_improve_params p = higher;
    hln_improve_analyse(&unit, &p); /* baseline: the first 10 */
    assert_int_equal(unit.n_baseline, 10);
    assert_int_equal(unit.crossings_min, 6);
    assert_true(unit.crossings < 6);
    assert_int_equal(count_kind(HLN_SIGNAL_RUNS, 0), 1);
}

static void a_short_series_has_no_chart(void **state)
{
    (void)state;
    static const uint64_t x[] = {40, 60, 70, 80, 90};
    pct_series(x, 5);
    hln_improve_params p = higher;
    p.has_target = true;
    p.target = 0.85;
    hln_improve_analyse(&unit, &p);
    assert_false(unit.has_chart);
    assert_string_equal(unit.reason, "fewer than 6 periods");
    assert_int_equal(unit.n_signals, 0);
    assert_int_equal(unit.target_met, 1); /* the latest value still meets it */
    p.start = "2024-03";                   /* two periods before the start */
    hln_improve_analyse(&unit, &p);
    assert_false(unit.has_chart);
    assert_string_equal(unit.reason, "fewer than 3 periods before the start");
}

static void an_all_equal_series_signals_nothing(void **state)
{
    (void)state;
    uint64_t x[24];
    for (int i = 0; i < 24; i++)
        x[i] = 50;
    pct_series(x, 24);
    hln_improve_params p = higher;
    p.start = "2025-01";
    hln_improve_analyse(&unit, &p);
    assert_true(unit.has_chart);
    assert_int_equal(unit.useful, 0);
    assert_int_equal(unit.n_signals, 0);
    assert_int_equal(unit.improvement, 0);
}

/* Missing months: the baseline is what lies before the start, whatever is
 * missing, and the rules run over the points present. */
static void missing_periods_are_skipped(void **state)
{
    (void)state;
    static const uint64_t x[] = {40, 42, 38, 41, 60, 61, 62, 63, 64, 65};
    uint64_t n[10];
    for (int i = 0; i < 10; i++)
        n[i] = 100;
    series(2024, x, n, 10);
    /* Periods: Jan, Mar, Apr, Jun 2024 (baseline, with gaps), then Sep 2024 onwards. */
    static const char *per[] = {"2024-01", "2024-03", "2024-04", "2024-06", "2024-09",
                                "2024-10", "2024-12", "2025-01", "2025-02", "2025-05"};
    for (int i = 0; i < 10; i++)
        strcpy(pts[i].period, per[i]);
    hln_improve_params p = higher;
    p.start = "2024-08";
    hln_improve_analyse(&unit, &p);
    assert_int_equal(unit.n_baseline, 4);
    assert_int_equal(count_kind(HLN_SIGNAL_SHIFT, 1), 1);
    assert_int_equal(unit.improvement, 1);
}

/* A gain that holds after the end, and one that fades back. */
static void sustainability_after_the_end(void **state)
{
    (void)state;
    static const uint64_t held[] = {40, 41, 39, 40, 42, 40, 55, 57, 58, 56, 57, 58, 57, 56, 58, 57};
    uint64_t n[16];
    for (int i = 0; i < 16; i++)
        n[i] = 100;
    series(2024, held, n, 16);
    hln_improve_params p = higher;
    p.start = "2024-07";
    p.end = "2024-12";
    p.has_target = true;
    p.target = 0.55;
    hln_improve_analyse(&unit, &p);
    assert_int_equal(unit.improvement, 1);
    assert_int_equal(unit.n_after_end, 4);
    assert_int_equal(unit.sustained, 1);
    assert_int_equal(unit.target_met, 1);

    static const uint64_t faded[] = {40, 41, 39, 40, 42, 40, 55, 57, 58, 56, 57, 58, 49, 45, 43, 41};
    series(2024, faded, n, 16);
    hln_improve_analyse(&unit, &p);
    assert_int_equal(unit.improvement, 1);
    assert_int_equal(unit.sustained, 0);
    assert_int_equal(unit.target_met, 0);
    bool phase = false;
    for (size_t i = 0; i < unit.n_signals; i++)
        phase |= unit.signals[i].vs_phase && unit.signals[i].judgement < 0;
    assert_true(phase);

    /* Before the end has passed: not applicable. */
    series(2024, held, n, 12);
    hln_improve_analyse(&unit, &p);
    assert_int_equal(unit.sustained, -1);
}

static void signal_names_are_the_interfaces(void **state)
{
    (void)state;
    assert_string_equal(hln_signal_name(HLN_SIGNAL_SHIFT), "shift");
    assert_string_equal(hln_signal_name(HLN_SIGNAL_TREND), "trend");
    assert_string_equal(hln_signal_name(HLN_SIGNAL_ASTRONOMICAL), "astronomical");
    assert_string_equal(hln_signal_name(HLN_SIGNAL_RUNS), "runs");
    assert_string_equal(hln_signal_name(0), "unknown");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(p_chart_matches_montgomerys_orange_juice_example),
        cmocka_unit_test(u_chart_matches_montgomerys_computer_example),
        cmocka_unit_test(crossings_limits_match_anhojs_table),
        cmocka_unit_test(six_points_above_the_baseline_median_are_a_shift),
        cmocka_unit_test(five_points_above_are_not_a_shift),
        cmocka_unit_test(five_points_going_up_are_a_trend_repeats_ignored),
        cmocka_unit_test(too_few_crossings_signal_runs),
        cmocka_unit_test(a_short_series_has_no_chart),
        cmocka_unit_test(an_all_equal_series_signals_nothing),
        cmocka_unit_test(missing_periods_are_skipped),
        cmocka_unit_test(sustainability_after_the_end),
        cmocka_unit_test(signal_names_are_the_interfaces),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
