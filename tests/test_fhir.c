/* test_fhir.c - FHIR R4 MeasureReport import: the scoring rule, the measure and period rules,
 * stratifiers, a contradicting measureScore, and every refusal by report. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* cmocka needs the four headers above first. */
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/err.h"
#include "node/fhir.h"
#include "node/interop.h"

#define MEASURE "http://example.org/fhir/Measure/screening"

static hln_node_def def;
static hln_fhir_measure_link link = {"test.screening", MEASURE};

static int group_setup(void **state)
{
    (void)state;
    memset(&def, 0, sizeof def);
    snprintf(def.def.code, sizeof def.def.code, "test.screening");
    def.def.n_strata = 1;
    snprintf(def.def.strata[0], sizeof def.def.strata[0], "sex=female");
    return 0;
}

/* A population list: numerator, numerator-exclusion, denominator,
 * denominator-exclusion, denominator-exception; a negative one is left out. */
static void pops(char *out, size_t cap, long num, long numex, long den, long denex, long denexc)
{
    const char *codes[5] = {"numerator", "numerator-exclusion", "denominator",
                            "denominator-exclusion", "denominator-exception"};
    long v[5] = {num, numex, den, denex, denexc};
    size_t n = (size_t)snprintf(out, cap, "[");
    for (int k = 0; k < 5; k++)
        if (v[k] >= 0)
            n += (size_t)snprintf(out + n, cap - n, "%s{\"code\":{\"coding\":[{\"code\":\"%s\"}]},"
                                  "\"count\":%ld}",
                                  n > 1 ? "," : "", codes[k], v[k]);
    snprintf(out + n, cap - n, "]");
}

/* One MeasureReport; `extra` goes into its group (",\"measureScore\":..."). */
static char *report(const char *type, const char *measure, const char *start, const char *end,
                    const char *population, const char *extra)
{
    char *s = malloc(8192);
    snprintf(s, 8192,
             "{\"resourceType\":\"MeasureReport\",\"status\":\"complete\",\"type\":\"%s\","
             "\"measure\":\"%s\",\"reporter\":{\"reference\":\"Organization/o1\"},"
             "\"period\":{\"start\":\"%s\",\"end\":\"%s\"},"
             "\"group\":[{\"population\":%s%s}]}",
             type, measure, start, end, population, extra);
    return s;
}

typedef struct {
    hln_interop_csv csv;
    hln_interop_outcome *oc;
    size_t noc, n_refused;
} run;

static int import(const char *doc, const char *unit, bool strict, run *r)
{
    memset(r, 0, sizeof *r);
    hln_interop_csv_init(&r->csv);
    hln_fhir_import_opts o = {.defs = &def, .ndefs = 1, .links = &link, .nlinks = 1,
                              .unit = unit, .strict = strict};
    return hln_fhir_import(doc, strlen(doc), &o, NULL, NULL, &r->csv, &r->oc, &r->noc,
                           &r->n_refused);
}

static void run_free(run *r)
{
    free(r->oc);
    hln_interop_csv_free(&r->csv);
}

static bool csv_has(const run *r, const char *line)
{
    return r->csv.buf && strstr(r->csv.buf, line) != NULL;
}

static void the_proportion_scoring_rule_of_the_quality_measure_ig(void **state)
{
    (void)state;
    uint64_t x = 0, n = 0;
    const char *why = NULL;
    /* (30 - 5) / (100 - 10 - 10) */
    assert_true(hln_fhir_score(30, 5, 100, 10, 10, &x, &n, &why));
    assert_int_equal(x, 25);
    assert_int_equal(n, 80);
    assert_false(hln_fhir_score(3, 5, 100, 0, 0, &x, &n, &why));
    assert_string_equal(why, "numerator-exclusion is larger than the numerator");
    assert_false(hln_fhir_score(3, 0, 10, 6, 5, &x, &n, &why));
    assert_string_equal(why,
                        "denominator-exclusion and denominator-exception are larger than the "
                        "denominator");
    assert_false(hln_fhir_score(-1, 0, 10, 0, 0, &x, &n, &why));
    assert_string_equal(why, "a population count is negative");
}

static void a_summary_report_becomes_one_observation(void **state)
{
    (void)state;
    char p[1024];
    pops(p, sizeof p, 30, 5, 100, 10, 10);
    char *doc = report("summary", MEASURE, "2026-07-01", "2026-09-30", p, "");
    run r;
    assert_int_equal(import(doc, "clinic-a", false, &r), 0);
    assert_int_equal(r.noc, 1);
    assert_int_equal(r.n_refused, 0);
    assert_int_equal(r.oc[0].status, HLN_IMPORT_IMPORTED);
    assert_true(csv_has(&r, "\"test.screening\",\"2026-Q3\",\"clinic-a\",\"\",\"25\",\"80\"\n"));
    run_free(&r);
    free(doc);
    /* a month and a year; --unit - is the node itself; a |version names the same measure */
    pops(p, sizeof p, 1, -1, 2, -1, -1);
    doc = report("summary", MEASURE "|1.0", "2026-02-01", "2026-02-28", p, "");
    assert_int_equal(import(doc, "-", false, &r), 0);
    assert_true(csv_has(&r, "\"test.screening\",\"2026-02\",\"\",\"\",\"1\",\"2\"\n"));
    run_free(&r);
    free(doc);
    doc = report("summary", MEASURE, "2026-01-01", "2026-12-31", p, "");
    assert_int_equal(import(doc, "u", false, &r), 0);
    assert_true(csv_has(&r, "\"test.screening\",\"2026\",\"u\",\"\",\"1\",\"2\"\n"));
    run_free(&r);
    free(doc);
}

static void measure_and_period_rules(void **state)
{
    (void)state;
    char p[1024];
    pops(p, sizeof p, 1, -1, 2, -1, -1);
    run r;
    /* a measure tied to no indicator: ignored, not guessed */
    char *doc = report("summary", "http://elsewhere/Measure/x", "2026-07-01", "2026-09-30", p, "");
    assert_int_equal(import(doc, "u", false, &r), 0);
    assert_int_equal(r.oc[0].status, HLN_IMPORT_IGNORED);
    assert_non_null(strstr(r.oc[0].reason, "measure http://elsewhere/Measure/x is tied to no"));
    run_free(&r);
    free(doc);
    /* only summary reports */
    doc = report("individual", MEASURE, "2026-07-01", "2026-09-30", p, "");
    assert_int_equal(import(doc, "u", false, &r), 0);
    assert_int_equal(r.oc[0].status, HLN_IMPORT_REFUSED);
    assert_non_null(strstr(r.oc[0].reason, "type individual: only summary reports"));
    run_free(&r);
    free(doc);
    /* a week, two months, a quarter that starts mid-month: not one hln period */
    static const char *const bad[][2] = {{"2026-01-05", "2026-01-11"},
                                         {"2026-01-01", "2026-02-28"},
                                         {"2026-07-02", "2026-09-30"}};
    for (size_t i = 0; i < 3; i++) {
        doc = report("summary", MEASURE, bad[i][0], bad[i][1], p, "");
        assert_int_equal(import(doc, "u", false, &r), 0);
        assert_int_equal(r.oc[0].status, HLN_IMPORT_REFUSED);
        assert_non_null(strstr(r.oc[0].reason, "is not exactly one month, quarter or year"));
        assert_int_equal(r.n_refused, 1);
        run_free(&r);
        free(doc);
    }
    /* no --unit and no map: the reporter places nothing */
    doc = report("summary", MEASURE, "2026-07-01", "2026-09-30", p, "");
    assert_int_equal(import(doc, NULL, false, &r), 0);
    assert_int_equal(r.oc[0].status, HLN_IMPORT_REFUSED);
    assert_non_null(strstr(r.oc[0].reason, "reporter Organization/o1 is not in the map"));
    run_free(&r);
    free(doc);
}

static void populations_must_be_whole_and_complete(void **state)
{
    (void)state;
    char p[1024];
    run r;
    pops(p, sizeof p, 5, -1, -1, -1, -1); /* a numerator without a denominator */
    char *doc = report("summary", MEASURE, "2026-07-01", "2026-09-30", p, "");
    assert_int_equal(import(doc, "u", false, &r), 0);
    assert_int_equal(r.oc[0].status, HLN_IMPORT_REFUSED);
    assert_non_null(strstr(r.oc[0].reason, "no denominator count"));
    run_free(&r);
    free(doc);
    doc = report("summary", MEASURE, "2026-07-01", "2026-09-30",
                 "[{\"code\":{\"coding\":[{\"code\":\"numerator\"}]},\"count\":1.5},"
                 "{\"code\":{\"coding\":[{\"code\":\"denominator\"}]},\"count\":4}]",
                 "");
    assert_int_equal(import(doc, "u", false, &r), 0);
    assert_int_equal(r.oc[0].status, HLN_IMPORT_REFUSED);
    assert_non_null(strstr(r.oc[0].reason, "a population without a whole count"));
    run_free(&r);
    free(doc);
    doc = report("summary", MEASURE, "2026-07-01", "2026-09-30",
                 "[{\"code\":{\"coding\":[{\"code\":\"numerator\"}]},\"count\":1},"
                 "{\"code\":{\"coding\":[{\"code\":\"numerator\"}]},\"count\":2},"
                 "{\"code\":{\"coding\":[{\"code\":\"denominator\"}]},\"count\":4}]",
                 "");
    assert_int_equal(import(doc, "u", false, &r), 0);
    assert_non_null(strstr(r.oc[0].reason, "a population code given twice"));
    run_free(&r);
    free(doc);
    pops(p, sizeof p, 3, 5, 10, -1, -1); /* the exclusion exceeds the numerator */
    doc = report("summary", MEASURE, "2026-07-01", "2026-09-30", p, "");
    assert_int_equal(import(doc, "u", false, &r), 0);
    assert_non_null(strstr(r.oc[0].reason, "numerator-exclusion is larger than the numerator"));
    run_free(&r);
    free(doc);
}

static void a_contradicting_measure_score_is_reported_and_the_counts_kept(void **state)
{
    (void)state;
    char p[1024];
    run r;
    pops(p, sizeof p, 200, -1, 400, -1, -1);
    char *doc = report("summary", MEASURE, "2026-07-01", "2026-09-30", p,
                       ",\"measureScore\":{\"value\":0.9}");
    assert_int_equal(import(doc, "u", false, &r), 0);
    assert_int_equal(r.oc[0].status, HLN_IMPORT_IMPORTED);
    assert_non_null(strstr(r.oc[0].reason, "measureScore 0.9 contradicts the counts 200/400"));
    assert_true(csv_has(&r, "\"200\",\"400\"\n"));
    run_free(&r);
    free(doc);
    /* a rounded score, and one given as a percentage, agree */
    static const char *const fine[] = {",\"measureScore\":{\"value\":0.5}",
                                       ",\"measureScore\":{\"value\":50}"};
    for (size_t i = 0; i < 2; i++) {
        doc = report("summary", MEASURE, "2026-07-01", "2026-09-30", p, fine[i]);
        assert_int_equal(import(doc, "u", false, &r), 0);
        assert_string_equal(r.oc[0].reason, "");
        run_free(&r);
        free(doc);
    }
}

static const char STRAT[] =
    ",\"stratifier\":[{\"code\":[{\"text\":\"sex\"}],\"stratum\":["
    "{\"value\":{\"text\":\"female\"},\"population\":["
    "{\"code\":{\"coding\":[{\"code\":\"numerator\"}]},\"count\":10},"
    "{\"code\":{\"coding\":[{\"code\":\"denominator\"}]},\"count\":20}]},"
    "{\"value\":{\"text\":\"male\"},\"population\":["
    "{\"code\":{\"coding\":[{\"code\":\"numerator\"}]},\"count\":11},"
    "{\"code\":{\"coding\":[{\"code\":\"denominator\"}]},\"count\":21}]}]}]";

static void stratifiers_become_declared_strata_and_the_rest_is_said(void **state)
{
    (void)state;
    char p[1024];
    run r;
    pops(p, sizeof p, 21, -1, 41, -1, -1);
    char *doc = report("summary", MEASURE, "2026-07-01", "2026-09-30", p, STRAT);
    assert_int_equal(import(doc, "u", false, &r), 0);
    assert_int_equal(r.oc[0].status, HLN_IMPORT_IMPORTED);
    assert_true(csv_has(&r, "\"test.screening\",\"2026-Q3\",\"u\",\"\",\"21\",\"41\"\n"));
    assert_true(csv_has(&r, "\"test.screening\",\"2026-Q3\",\"u\",\"sex=female\",\"10\",\"20\"\n"));
    /* sex=male is not declared: left out and reported, not an error */
    assert_null(strstr(r.csv.buf, "sex=male"));
    assert_non_null(strstr(r.oc[0].reason, "stratum sex=male left out"));
    assert_int_equal(r.n_refused, 0);
    run_free(&r);
    /* --strict makes it one */
    assert_int_equal(import(doc, "u", true, &r), 0);
    assert_int_equal(r.oc[0].status, HLN_IMPORT_REFUSED);
    assert_int_equal(r.n_refused, 1);
    run_free(&r);
    free(doc);
}

static void bundles_and_what_is_not_a_report(void **state)
{
    (void)state;
    char p[1024];
    pops(p, sizeof p, 1, -1, 2, -1, -1);
    char *one = report("summary", MEASURE, "2026-07-01", "2026-09-30", p, "");
    char *doc = malloc(20000);
    snprintf(doc, 20000,
             "{\"resourceType\":\"Bundle\",\"type\":\"collection\",\"entry\":["
             "{\"resource\":%s},{\"resource\":{\"resourceType\":\"Patient\"}}]}",
             one);
    run r;
    assert_int_equal(import(doc, "u", false, &r), 0);
    assert_int_equal(r.noc, 2);
    assert_int_equal(r.oc[0].status, HLN_IMPORT_IMPORTED);
    assert_int_equal(r.oc[1].status, HLN_IMPORT_IGNORED);
    assert_non_null(strstr(r.oc[1].reason, "a Patient, not a MeasureReport"));
    run_free(&r);
    static const char *const bad[] = {"", "[]", "{\"resourceType\":\"Patient\"}", "{\"a\":",
                                      "not json"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(import(bad[i], "u", false, &r), HLN_EINVAL);
        run_free(&r);
    }
    free(doc);
    free(one);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(the_proportion_scoring_rule_of_the_quality_measure_ig),
        cmocka_unit_test(a_summary_report_becomes_one_observation),
        cmocka_unit_test(measure_and_period_rules),
        cmocka_unit_test(populations_must_be_whole_and_complete),
        cmocka_unit_test(a_contradicting_measure_score_is_reported_and_the_counts_kept),
        cmocka_unit_test(stratifiers_become_declared_strata_and_the_rest_is_said),
        cmocka_unit_test(bundles_and_what_is_not_a_report),
    };
    return cmocka_run_group_tests(tests, group_setup, NULL);
}
