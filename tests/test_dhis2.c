/* test_dhis2.c - DHIS2 dataValueSets: the three forms, the period rule, and every refusal by
 * row. */
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
#include "node/dhis2.h"
#include "node/interop.h"

static const char MAP[] = "[indicator test.screening]\n"
                          "numerator = DEnum000001\n"
                          "denominator = DEden000001\n"
                          "[units]\n"
                          "OUclinicA01 = clinic-a\n"
                          "OUnational1 = -\n"
                          "[strata]\n"
                          "COCfemale01 = sex=female\n"
                          "HllvX50cXC0 = -\n";

/* The outcome of each value after parse + convert of `doc`. */
typedef struct {
    hln_dhis2_value *vals;
    size_t n, n_refused;
    hln_dhis2_format fmt;
    hln_interop_outcome *oc;
    hln_interop_csv csv;
    hln_map *map;
} run;

static int convert(const char *doc, run *r)
{
    memset(r, 0, sizeof *r);
    hln_interop_csv_init(&r->csv);
    assert_int_equal(hln_map_parse(MAP, strlen(MAP), NULL, NULL, &r->map), 0);
    int rc = hln_dhis2_parse(doc, strlen(doc), NULL, NULL, &r->vals, &r->n, &r->fmt);
    if (rc < 0)
        return rc;
    return hln_dhis2_convert(r->vals, r->n, r->map, &r->csv, &r->oc, &r->n_refused);
}

static void run_free(run *r)
{
    free(r->vals);
    free(r->oc);
    hln_interop_csv_free(&r->csv);
    hln_map_destroy(&r->map);
}

/* `line` as the converter writes it: every field quoted. */
static bool csv_has(const run *r, const char *line)
{
    return r->csv.buf && strstr(r->csv.buf, line) != NULL;
}

static void periods_become_hln_periods_or_are_refused_by_name(void **state)
{
    (void)state;
    char out[HLN_PERIOD_MAX + 1];
    const char *why = NULL;
    assert_true(hln_dhis2_period("202609", out, &why));
    assert_string_equal(out, "2026-09");
    assert_true(hln_dhis2_period("2026Q3", out, &why));
    assert_string_equal(out, "2026-Q3");
    assert_true(hln_dhis2_period("2026", out, &why));
    assert_string_equal(out, "2026");
    static const struct {
        const char *p, *name;
    } refused[] = {
        {"2026W12", "weekly"},
        {"2026BiW3", "bi-weekly"},
        {"2026SunW5", "weekly (Sunday)"},
        {"2026S1", "six-monthly"},
        {"2026AprilS1", "six-monthly (April)"},
        {"2026April", "financial year (April)"},
        {"2026July", "financial year (July)"},
        {"2026Oct", "financial year (October)"},
        {"20260915", "daily"},
        {"202601B", "bi-monthly"},
        {"202613", "not a DHIS2 period"},
        {"26Q1", "not a DHIS2 period"},
    };
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        assert_false(hln_dhis2_period(refused[i].p, out, &why));
        assert_string_equal(why, refused[i].name);
    }
    assert_true(hln_dhis2_period_out("2026-Q3", out));
    assert_string_equal(out, "2026Q3");
    assert_true(hln_dhis2_period_out("2026-09", out));
    assert_string_equal(out, "202609");
}

static void a_set_with_period_and_org_unit_on_the_set_converts(void **state)
{
    (void)state;
    run r;
    assert_int_equal(
        convert("{\"period\":\"2026Q3\",\"orgUnit\":\"OUclinicA01\",\"dataValues\":["
                "{\"dataElement\":\"DEnum000001\",\"value\":\"150\"},"
                "{\"dataElement\":\"DEden000001\",\"value\":\"200\"},"
                "{\"dataElement\":\"DEnum000001\",\"categoryOptionCombo\":\"COCfemale01\","
                "\"value\":\"80\"},"
                "{\"dataElement\":\"DEden000001\",\"categoryOptionCombo\":\"COCfemale01\","
                "\"value\":\"100\"},"
                "{\"dataElement\":\"OTHERde0001\",\"value\":\"7\"}]}",
                &r),
        0);
    assert_int_equal(r.fmt, HLN_DHIS2_JSON);
    assert_int_equal(r.n, 5);
    assert_int_equal(r.n_refused, 0);
    assert_true(csv_has(&r, "\"test.screening\",\"2026-Q3\",\"clinic-a\",\"\",\"150\",\"200\"\n"));
    assert_true(csv_has(&r, "\"test.screening\",\"2026-Q3\",\"clinic-a\",\"sex=female\","
                            "\"80\",\"100\"\n"));
    /* not in the map: ignored and said so, never guessed */
    assert_int_equal(r.oc[4].status, HLN_IMPORT_IGNORED);
    assert_non_null(strstr(r.oc[4].reason, "OTHERde0001 is not in the map"));
    assert_int_equal(r.oc[0].status, HLN_IMPORT_IMPORTED);
    run_free(&r);
}

static void bulk_json_and_csv_forms_are_told_by_content(void **state)
{
    (void)state;
    run r;
    assert_int_equal(convert("{\"dataValues\":["
                             "{\"dataElement\":\"DEnum000001\",\"period\":\"202609\","
                             "\"orgUnit\":\"OUnational1\",\"value\":\"3\"},"
                             "{\"dataElement\":\"DEden000001\",\"period\":\"202609\","
                             "\"orgUnit\":\"OUnational1\",\"value\":\"4\"}]}",
                             &r),
                     0);
    assert_int_equal(r.fmt, HLN_DHIS2_JSON_BULK);
    assert_true(csv_has(&r, "\"test.screening\",\"2026-09\",\"\",\"\",\"3\",\"4\"\n"));
    run_free(&r);
    /* the CSV form, with and without its header */
    assert_int_equal(convert("dataelement,period,orgunit,catoptcombo,attroptcombo,value\n"
                             "DEnum000001,2026,OUclinicA01,HllvX50cXC0,,12\n"
                             "DEden000001,2026,OUclinicA01,HllvX50cXC0,,40\n",
                             &r),
                     0);
    assert_int_equal(r.fmt, HLN_DHIS2_CSV);
    assert_true(csv_has(&r, "\"test.screening\",\"2026\",\"clinic-a\",\"\",\"12\",\"40\"\n"));
    run_free(&r);
    assert_int_equal(convert("DEnum000001,2026,OUclinicA01,,,12\n"
                             "DEden000001,2026,OUclinicA01,,,40\n",
                             &r),
                     0);
    assert_int_equal(r.fmt, HLN_DHIS2_CSV);
    assert_int_equal(r.n, 2);
    assert_int_equal(r.vals[1].row, 2);
    assert_true(csv_has(&r, "\"test.screening\",\"2026\",\"clinic-a\",\"\",\"12\",\"40\"\n"));
    run_free(&r);
}

static void every_refusal_names_its_row(void **state)
{
    (void)state;
    run r;
    assert_int_equal(
        convert("{\"orgUnit\":\"OUclinicA01\",\"dataValues\":["
                "{\"dataElement\":\"DEnum000001\",\"period\":\"2026W12\",\"value\":\"1\"},"
                "{\"dataElement\":\"DEden000001\",\"period\":\"2026W12\",\"value\":\"2\"},"
                "{\"dataElement\":\"DEnum000001\",\"period\":\"202608\",\"value\":\"12.5\"},"
                "{\"dataElement\":\"DEden000001\",\"period\":\"202608\",\"value\":\"-3\"},"
                "{\"dataElement\":\"DEnum000001\",\"period\":\"202607\",\"value\":\"5\"},"
                "{\"dataElement\":\"DEden000001\",\"period\":\"202606\",\"value\":\"9\"},"
                "{\"dataElement\":\"DEnum000001\",\"value\":\"5\"},"
                "{\"dataElement\":\"DEnum000001\",\"period\":\"2026S1\",\"value\":\"x\"}]}",
                &r),
        0);
    assert_int_equal(r.n, 8);
    for (size_t i = 0; i < r.n; i++)
        assert_int_equal(r.oc[i].status, HLN_IMPORT_REFUSED);
    assert_int_equal(r.n_refused, 8);
    assert_non_null(strstr(r.oc[0].reason, "period 2026W12: weekly"));
    assert_non_null(strstr(r.oc[2].reason, "value '12.5' is not a non-negative integer"));
    assert_non_null(strstr(r.oc[3].reason, "value '-3' is not a non-negative integer"));
    /* a numerator without its denominator, and the reverse: both named */
    assert_non_null(strstr(r.oc[4].reason, "numerator DEnum000001 of test.screening 2026-07 unit "
                                           "clinic-a (total) has no denominator DEden000001"));
    assert_non_null(strstr(r.oc[5].reason, "denominator DEden000001 of test.screening 2026-06"));
    assert_non_null(strstr(r.oc[5].reason, "has no numerator DEnum000001"));
    assert_non_null(strstr(r.oc[6].reason, "no period"));
    /* a row with two faults names the first */
    assert_non_null(strstr(r.oc[7].reason, "six-monthly"));
    assert_true(r.csv.n == 0);
    run_free(&r);
}

static void a_value_given_twice_is_refused_with_the_first_row(void **state)
{
    (void)state;
    run r;
    assert_int_equal(convert("{\"period\":\"2026\",\"orgUnit\":\"OUclinicA01\",\"dataValues\":["
                             "{\"dataElement\":\"DEnum000001\",\"value\":\"1\"},"
                             "{\"dataElement\":\"DEden000001\",\"value\":\"2\"},"
                             "{\"dataElement\":\"DEnum000001\",\"value\":\"1\"}]}",
                             &r),
                     0);
    assert_int_equal(r.oc[2].status, HLN_IMPORT_REFUSED);
    assert_non_null(strstr(r.oc[2].reason, "a second numerator"));
    assert_non_null(strstr(r.oc[2].reason, "(first in row 1)"));
    run_free(&r);
}

static void unmapped_and_deleted_values_are_ignored_not_refused(void **state)
{
    (void)state;
    run r;
    assert_int_equal(
        convert("{\"period\":\"2026\",\"dataValues\":["
                "{\"dataElement\":\"DEnum000001\",\"orgUnit\":\"OUnowhere01\",\"value\":\"1\"},"
                "{\"dataElement\":\"DEnum000001\",\"orgUnit\":\"OUclinicA01\","
                "\"categoryOptionCombo\":\"COCunknown1\",\"value\":\"1\"},"
                "{\"dataElement\":\"DEnum000001\",\"orgUnit\":\"OUclinicA01\",\"value\":\"1\","
                "\"deleted\":true}]}",
                &r),
        0);
    assert_int_equal(r.n_refused, 0);
    assert_int_equal(r.oc[0].status, HLN_IMPORT_IGNORED);
    assert_non_null(strstr(r.oc[0].reason, "orgUnit OUnowhere01 is not in the map"));
    assert_int_equal(r.oc[1].status, HLN_IMPORT_IGNORED);
    assert_non_null(strstr(r.oc[1].reason, "categoryOptionCombo COCunknown1 is not in the map"));
    assert_int_equal(r.oc[2].status, HLN_IMPORT_IGNORED);
    assert_string_equal(r.oc[2].reason, "marked deleted");
    run_free(&r);
}

static void what_is_not_a_payload_is_refused(void **state)
{
    (void)state;
    static const char *const bad[] = {"", "{\"dataValues\":3}", "[1,2]", "{\"foo\":1}",
                                      "{\"dataValues\":[1]"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        run r;
        int rc = convert(bad[i], &r);
        assert_true(rc < 0);
        run_free(&r);
    }
}

/* A national export: 3000 org units in the map, in reverse order of their
 * codes, numerators before all denominators; every value finds its unit
 * (the map is searched by binary search) and its partner (the slots by
 * hash), and each observation keeps the counts of its own unit. */
static void a_national_export_pairs_every_unit(void **state)
{
    (void)state;
    enum { UNITS = 3000 };
    size_t cap = 64 + UNITS * 40, len = 0;
    char *map = malloc(cap);
    assert_non_null(map);
    len += (size_t)snprintf(map + len, cap - len, "[indicator test.screening]\n"
                                                  "numerator = DEnum000001\n"
                                                  "denominator = DEden000001\n[units]\n");
    for (int u = UNITS - 1; u >= 0; u--)
        len += (size_t)snprintf(map + len, cap - len, "OU%09d = unit-%d\n", u, u);
    hln_map *m = NULL;
    assert_int_equal(hln_map_parse(map, len, NULL, NULL, &m), 0);
    hln_dhis2_value *vals = calloc(2 * UNITS, sizeof *vals);
    assert_non_null(vals);
    for (int i = 0; i < 2 * UNITS; i++) {
        int u = i % UNITS;
        hln_dhis2_value *v = &vals[i];
        v->row = (unsigned long)i + 1;
        snprintf(v->de, sizeof v->de, "%s", i < UNITS ? "DEnum000001" : "DEden000001");
        snprintf(v->ou, sizeof v->ou, "OU%09d", u);
        snprintf(v->period, sizeof v->period, "2026Q3");
        snprintf(v->value, sizeof v->value, "%d", i < UNITS ? u : u + 7);
    }
    hln_interop_csv csv;
    hln_interop_csv_init(&csv);
    hln_interop_outcome *oc = NULL;
    size_t refused = 0;
    assert_int_equal(hln_dhis2_convert(vals, 2 * UNITS, m, &csv, &oc, &refused), 0);
    assert_int_equal(refused, 0);
    assert_int_equal(csv.n, UNITS);
    for (int u = 0; u < UNITS; u += 499) {
        char line[128];
        snprintf(line, sizeof line, "\"test.screening\",\"2026-Q3\",\"unit-%d\",\"\",\"%d\",\"%d\"\n",
                 u, u, u + 7);
        assert_non_null(strstr(csv.buf, line));
        assert_int_equal(oc[u].status, HLN_IMPORT_IMPORTED);
        assert_int_equal(oc[UNITS + u].status, HLN_IMPORT_IMPORTED);
    }
    free(oc);
    free(vals);
    hln_interop_csv_free(&csv);
    hln_map_destroy(&m);
    free(map);
}

static void problem_text(void *ctx, unsigned long line, const char *msg)
{
    snprintf(ctx, 256, "%lu: %s", line, msg);
}

static void an_org_unit_mapped_twice_is_refused_at_its_second_line(void **state)
{
    (void)state;
    static const char bad[] = "[indicator test.screening]\n"
                              "numerator = DEnum000001\n"
                              "denominator = DEden000001\n"
                              "[units]\n"
                              "OUzzz000001 = clinic-z\n"
                              "OUclinicA01 = clinic-a\n"
                              "OUzzz000001 = clinic-b\n";
    char said[256] = "";
    hln_map *m = NULL;
    assert_int_equal(hln_map_parse(bad, strlen(bad), problem_text, said, &m), HLN_ECONFIG);
    assert_string_equal(said, "7: 'OUzzz000001': mapped twice (first on line 5)");
    hln_map_destroy(&m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(periods_become_hln_periods_or_are_refused_by_name),
        cmocka_unit_test(a_set_with_period_and_org_unit_on_the_set_converts),
        cmocka_unit_test(bulk_json_and_csv_forms_are_told_by_content),
        cmocka_unit_test(every_refusal_names_its_row),
        cmocka_unit_test(a_value_given_twice_is_refused_with_the_first_row),
        cmocka_unit_test(unmapped_and_deleted_values_are_ignored_not_refused),
        cmocka_unit_test(what_is_not_a_payload_is_refused),
        cmocka_unit_test(a_national_export_pairs_every_unit),
        cmocka_unit_test(an_org_unit_mapped_twice_is_refused_at_its_second_line),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
