/* test_csvin.c - the observation CSV: good files, quoting, and every refusal with its line. */
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
#include "node/csvin.h"

typedef struct {
    size_t n;
    unsigned long line[32];
    char reason[32][400];
} problems;

static void collect(void *ctx, unsigned long line, const char *reason)
{
    problems *p = ctx;
    if (p->n < 32) {
        p->line[p->n] = line;
        snprintf(p->reason[p->n], sizeof p->reason[0], "%s", reason);
    }
    p->n++;
}

/* Two definitions: a proportion with sex strata and a rate. */
static hln_indicator defs[2];

static const hln_indicator *lookup(void *ctx, const char *code)
{
    (void)ctx;
    for (int i = 0; i < 2; i++)
        if (!strcmp(defs[i].code, code))
            return &defs[i];
    return NULL;
}

static int setup(void **state)
{
    (void)state;
    memset(defs, 0, sizeof defs);
    strcpy(defs[0].code, "mhpc.screen");
    defs[0].kind = HLN_KIND_PROPORTION;
    defs[0].n_strata = 2;
    strcpy(defs[0].strata[0], "sex=female");
    strcpy(defs[0].strata[1], "sex=male");
    strcpy(defs[1].code, "hosp.falls");
    defs[1].kind = HLN_KIND_RATE;
    defs[1].multiplier = 1000;
    return 0;
}

#define H HLN_CSV_HEADER "\n"

static int parse_n(const char *text, size_t len, problems *p, hln_csv_row **rows, size_t *n)
{
    memset(p, 0, sizeof *p);
    return hln_csvin_parse(text, len, lookup, NULL, collect, p, rows, n);
}

static int parse(const char *text, problems *p, hln_csv_row **rows, size_t *n)
{
    return parse_n(text, strlen(text), p, rows, n);
}

static void expect_one(const char *text, unsigned long line, const char *needle)
{
    problems p;
    hln_csv_row *rows = (hln_csv_row *)1;
    size_t n = 99;
    assert_int_equal(parse(text, &p, &rows, &n), HLN_EINVAL);
    assert_null(rows);
    assert_int_equal(n, 0);
    if (p.n != 1 || p.line[0] != line || !strstr(p.reason[0], needle))
        fail_msg("expected one problem at line %lu with '%s'; got %zu, first at %lu: %s", line,
                 needle, p.n, p.n ? p.line[0] : 0, p.n ? p.reason[0] : "");
}

static void a_good_file_gives_every_row(void **state)
{
    (void)state;
    problems p;
    hln_csv_row *rows = NULL;
    size_t n = 0;
    assert_int_equal(parse(H "mhpc.screen,2026-Q3,,,412,530\n"
                             "mhpc.screen,2026-Q3,,sex=male,161,218\n"
                             "hosp.falls,2026-09,ward-4B,,37,10540\n",
                           &p, &rows, &n),
                     0);
    assert_int_equal(n, 3);
    assert_int_equal(rows[0].line, 2);
    assert_string_equal(rows[0].obs.indicator, "mhpc.screen");
    assert_string_equal(rows[0].obs.period, "2026-Q3");
    assert_string_equal(rows[0].obs.unit, "");
    assert_string_equal(rows[0].obs.stratum, "");
    assert_int_equal(rows[0].obs.numerator, 412);
    assert_int_equal(rows[0].obs.denominator, 530);
    assert_false(rows[0].obs.suppressed);
    assert_string_equal(rows[1].obs.stratum, "sex=male");
    assert_int_equal(rows[2].kind, HLN_KIND_RATE);
    assert_string_equal(rows[2].obs.unit, "ward-4B");
    free(rows);
}

static void quoted_fields_are_unquoted(void **state)
{
    (void)state;
    problems p;
    hln_csv_row *rows = NULL;
    size_t n = 0;
    assert_int_equal(parse("\"indicator\",period,unit,stratum,numerator,\"denominator\"\n"
                           "\"mhpc.screen\",\"2026\",\"\",\"sex=female\",\"251\",312\n",
                           &p, &rows, &n),
                     0);
    assert_int_equal(n, 1);
    assert_string_equal(rows[0].obs.stratum, "sex=female");
    assert_int_equal(rows[0].obs.numerator, 251);
    free(rows);
}

static void crlf_line_ends_are_accepted(void **state)
{
    (void)state;
    problems p;
    hln_csv_row *rows = NULL;
    size_t n = 0;
    assert_int_equal(parse(HLN_CSV_HEADER "\r\nmhpc.screen,2026,,,1,20\r\n"
                                          "mhpc.screen,2025,,,2,20\r\n",
                           &p, &rows, &n),
                     0);
    assert_int_equal(n, 2);
    assert_int_equal(rows[1].line, 3);
    assert_int_equal(rows[1].obs.denominator, 20);
    free(rows);
}

static void a_byte_order_mark_is_accepted(void **state)
{
    (void)state;
    problems p;
    hln_csv_row *rows = NULL;
    size_t n = 0;
    assert_int_equal(parse("\xEF\xBB\xBF" H "mhpc.screen,2026,,,1,20\n", &p, &rows, &n), 0);
    assert_int_equal(n, 1);
    free(rows);
}

static void the_last_line_needs_no_newline(void **state)
{
    (void)state;
    problems p;
    hln_csv_row *rows = NULL;
    size_t n = 0;
    assert_int_equal(parse(H "mhpc.screen,2026,,,1,20", &p, &rows, &n), 0);
    assert_int_equal(n, 1);
    assert_int_equal(rows[0].obs.denominator, 20);
    free(rows);
}

static void a_missing_column_is_refused(void **state)
{
    (void)state;
    expect_one(H "mhpc.screen,2026,,1,20\n", 2, "expected 6 fields, found 5");
}

static void an_extra_column_is_refused(void **state)
{
    (void)state;
    expect_one(H "mhpc.screen,2026,,,1,20,x\n", 2, "expected 6 fields, found 7");
}

static void a_huge_number_is_refused(void **state)
{
    (void)state;
    expect_one(H "mhpc.screen,2026,,,1,1000000000001\n", 2, "larger than 10^12");
    expect_one(H "mhpc.screen,2026,,,1,99999999999999999999999999999999\n", 2, "larger than 10^12");
}

static void a_negative_number_is_refused(void **state)
{
    (void)state;
    expect_one(H "mhpc.screen,2026,,,-1,20\n", 2, "numerator: '-1' is negative");
}

static void a_number_with_other_characters_is_refused(void **state)
{
    (void)state;
    expect_one(H "mhpc.screen,2026,,,1e3,2000\n", 2, "not a whole number");
    expect_one(H "mhpc.screen,2026,,,+5,20\n", 2, "not a whole number");
    expect_one(H "mhpc.screen,2026,,,\"1,000\",2000\n", 2, "not a whole number");
}

static void an_empty_file_is_refused(void **state)
{
    (void)state;
    expect_one("", 1, "empty file");
    expect_one("\xEF\xBB\xBF", 1, "empty file");
}

static void a_header_alone_has_no_rows(void **state)
{
    (void)state;
    expect_one(H, 1, "no rows");
}

static void a_wrong_header_is_refused(void **state)
{
    (void)state;
    expect_one("indicator,period,unit,stratum,num,den\nmhpc.screen,2026,,,1,20\n", 1,
               "header: no column numerator");
    expect_one("mhpc.screen,2026,,,1,20\n", 1, "header: no column indicator");
    expect_one("indicator,period,unit,stratum,numerator,denominator,Unit\nmhpc.screen,2026,,,1,20,x\n",
               1, "column 7 'Unit': unit is already column 3");
}

static void note_collect(void *ctx, unsigned long line, const char *reason)
{
    collect(ctx, line, reason);
}

static void columns_in_any_order_by_name_with_extras_said(void **state)
{
    (void)state;
    problems p, notes;
    memset(&p, 0, sizeof p);
    memset(&notes, 0, sizeof notes);
    hln_csv_row *rows = NULL;
    size_t n = 0;
    const char *text = "\xEF\xBB\xBF" "Denominator;Site name;NUMERATOR;period;indicator;stratum;unit\r\n"
                       "530;North;412;2026-Q3;mhpc.screen;;\r\n"
                       "218;North;161;2026-Q3;mhpc.screen;sex=male;ward-1\r\n";
    hln_csv_opts o = {.note = note_collect, .note_ctx = &notes};
    assert_int_equal(hln_csvin_parse_ex(text, strlen(text), &o, lookup, NULL, collect, &p, &rows, &n), 0);
    assert_int_equal(n, 2);
    assert_string_equal(rows[1].obs.unit, "ward-1");
    assert_string_equal(rows[1].obs.stratum, "sex=male");
    assert_int_equal(rows[1].obs.numerator, 161);
    assert_int_equal(rows[1].obs.denominator, 218);
    assert_int_equal(rows[1].line, 3);
    assert_int_equal(notes.n, 1);
    assert_non_null(strstr(notes.reason[0], "column 2 'Site name' is not used"));
    free(rows);
}

static void columns_maps_other_names(void **state)
{
    (void)state;
    problems p;
    memset(&p, 0, sizeof p);
    hln_csv_row *rows = NULL;
    size_t n = 0;
    const char *text = "code,quarter,site,group,screened,visits\nmhpc.screen,2026-Q3,a,,4,5\n";
    hln_csv_opts o = {.columns = "code=indicator,quarter=period,site=unit,group=stratum,"
                                 "screened=numerator,visits=denominator"};
    assert_int_equal(hln_csvin_parse_ex(text, strlen(text), &o, lookup, NULL, collect, &p, &rows, &n), 0);
    assert_int_equal(n, 1);
    assert_string_equal(rows[0].obs.unit, "a");
    free(rows);
    /* a bad value names its line and its column */
    o.columns = NULL;
    memset(&p, 0, sizeof p);
    const char *bad = "unit;indicator;period;stratum;numerator;denominator\n"
                      "a;mhpc.screen;2026-Q3;;x;5\n";
    assert_int_equal(hln_csvin_parse_ex(bad, strlen(bad), &o, lookup, NULL, collect, &p, &rows, &n),
                     HLN_EINVAL);
    assert_int_equal(p.n, 1);
    assert_int_equal(p.line[0], 2);
    assert_non_null(strstr(p.reason[0], "numerator"));
}

static void a_zero_denominator_is_refused(void **state)
{
    (void)state;
    expect_one(H "mhpc.screen,2026,,,0,0\n", 2, "denominator: must be above 0");
}

static void a_proportion_above_one_is_refused(void **state)
{
    (void)state;
    expect_one(H "mhpc.screen,2026,,,21,20\n", 2, "numerator 21 is above denominator 20");
}

static void a_rate_may_exceed_its_exposure(void **state)
{
    (void)state;
    problems p;
    hln_csv_row *rows = NULL;
    size_t n = 0;
    assert_int_equal(parse(H "hosp.falls,2026,,,40,20\n", &p, &rows, &n), 0);
    free(rows);
}

static void an_unknown_indicator_is_refused(void **state)
{
    (void)state;
    expect_one(H "mhpc.unknown,2026,,,1,20\n", 2, "'mhpc.unknown' is not defined");
}

static void a_stratum_the_definition_lacks_is_refused(void **state)
{
    (void)state;
    expect_one(H "mhpc.screen,2026,,age=65-plus,1,20\n", 2, "not one of the strata");
}

static void bad_codes_are_refused(void **state)
{
    (void)state;
    expect_one(H "mhpc.screen,2026-13,,,1,20\n", 2, "period: '2026-13'");
    expect_one(H "mhpc.screen,2026,Ward 4B,,1,20\n", 2, "unit: 'Ward 4B'");
    expect_one(H "Screen,2026,,,1,20\n", 2, "indicator: 'Screen'");
    expect_one(H "mhpc.screen,2026,,Sex=F,1,20\n", 2, "stratum: 'Sex=F'");
}

static void a_duplicate_row_is_refused(void **state)
{
    (void)state;
    expect_one(H "mhpc.screen,2026,,,1,20\nmhpc.screen,2025,,,1,20\nmhpc.screen,2026,,,2,20\n", 4,
               "duplicate of line 2");
}

static void an_unclosed_quote_is_refused(void **state)
{
    (void)state;
    expect_one(H "mhpc.screen,2026,,,1,\"20\n", 2, "not closed");
}

static void a_stray_quote_is_refused_and_the_next_line_still_read(void **state)
{
    (void)state;
    problems p;
    hln_csv_row *rows = NULL;
    size_t n = 0;
    assert_int_equal(
        parse(H "mhpc.screen,20\"26,,,1,20\nmhpc.screen,2026,,,30,20\n", &p, &rows, &n),
        HLN_EINVAL);
    assert_int_equal(p.n, 2);
    assert_int_equal(p.line[0], 2);
    assert_non_null(strstr(p.reason[0], "malformed CSV"));
    assert_int_equal(p.line[1], 3);
}

static void a_quoted_newline_counts_from_the_row_start(void **state)
{
    (void)state;
    problems p;
    hln_csv_row *rows = NULL;
    size_t n = 0;
    assert_int_equal(
        parse(H "mhpc.screen,\"2026\n\",,,1,20\nmhpc.screen,2026,,,99,20\n", &p, &rows, &n),
        HLN_EINVAL);
    assert_int_equal(p.n, 2);
    assert_int_equal(p.line[0], 2);
    assert_non_null(strstr(p.reason[0], "period"));
    assert_int_equal(p.line[1], 4);
}

static void a_nul_byte_is_refused(void **state)
{
    (void)state;
    problems p;
    hln_csv_row *rows = NULL;
    size_t n = 0;
    const char text[] = H "mhpc.screen,2026,,,1\0,20\n";
    assert_int_equal(parse_n(text, sizeof text - 1, &p, &rows, &n), HLN_EINVAL);
    assert_int_equal(p.n, 1);
    assert_non_null(strstr(p.reason[0], "NUL"));
}

static void every_bad_row_is_reported_with_its_line(void **state)
{
    (void)state;
    problems p;
    hln_csv_row *rows = NULL;
    size_t n = 0;
    assert_int_equal(parse(H "mhpc.screen,2026,,,1,20\n" /* 2 good */
                             "mhpc.screen,2026,,,1\n"    /* 3 */
                             "\n"                        /* 4 blank */
                             "mhpc.screen,2025,,,5,4\n"  /* 5 */
                             "mhpc.screen,2024,,,5,10\n" /* 6 good */
                             "nope,2024,,,5,10\n",       /* 7 */
                           &p, &rows, &n),
                     HLN_EINVAL);
    assert_null(rows);
    assert_int_equal(p.n, 3);
    assert_int_equal(p.line[0], 3);
    assert_int_equal(p.line[1], 5);
    assert_int_equal(p.line[2], 7);
}

static void several_reasons_for_one_row_are_joined(void **state)
{
    (void)state;
    expect_one(H "mhpc.screen,2026-99,,,-1,x\n", 2, "; ");
}

static void control_characters_never_reach_the_message(void **state)
{
    (void)state;
    problems p;
    hln_csv_row *rows = NULL;
    size_t n = 0;
    assert_int_equal(parse(H "mhpc.screen,\x1b[2J,,,1,20\n", &p, &rows, &n), HLN_EINVAL);
    assert_int_equal(p.n, 1);
    assert_null(strchr(p.reason[0], '\x1b'));
}

static void without_a_lookup_only_the_syntax_is_checked(void **state)
{
    (void)state;
    problems p;
    hln_csv_row *rows = NULL;
    size_t n = 0;
    memset(&p, 0, sizeof p);
    const char *t = H "any.thing,2026,,x,30,20\n";
    assert_int_equal(hln_csvin_parse(t, strlen(t), NULL, NULL, collect, &p, &rows, &n), 0);
    assert_int_equal(n, 1);
    free(rows);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_good_file_gives_every_row),
        cmocka_unit_test(quoted_fields_are_unquoted),
        cmocka_unit_test(crlf_line_ends_are_accepted),
        cmocka_unit_test(a_byte_order_mark_is_accepted),
        cmocka_unit_test(the_last_line_needs_no_newline),
        cmocka_unit_test(a_missing_column_is_refused),
        cmocka_unit_test(an_extra_column_is_refused),
        cmocka_unit_test(a_huge_number_is_refused),
        cmocka_unit_test(a_negative_number_is_refused),
        cmocka_unit_test(a_number_with_other_characters_is_refused),
        cmocka_unit_test(an_empty_file_is_refused),
        cmocka_unit_test(a_header_alone_has_no_rows),
        cmocka_unit_test(a_wrong_header_is_refused),
        cmocka_unit_test(columns_in_any_order_by_name_with_extras_said),
        cmocka_unit_test(columns_maps_other_names),
        cmocka_unit_test(a_zero_denominator_is_refused),
        cmocka_unit_test(a_proportion_above_one_is_refused),
        cmocka_unit_test(a_rate_may_exceed_its_exposure),
        cmocka_unit_test(an_unknown_indicator_is_refused),
        cmocka_unit_test(a_stratum_the_definition_lacks_is_refused),
        cmocka_unit_test(bad_codes_are_refused),
        cmocka_unit_test(a_duplicate_row_is_refused),
        cmocka_unit_test(an_unclosed_quote_is_refused),
        cmocka_unit_test(a_stray_quote_is_refused_and_the_next_line_still_read),
        cmocka_unit_test(a_quoted_newline_counts_from_the_row_start),
        cmocka_unit_test(a_nul_byte_is_refused),
        cmocka_unit_test(every_bad_row_is_reported_with_its_line),
        cmocka_unit_test(several_reasons_for_one_row_are_joined),
        cmocka_unit_test(control_characters_never_reach_the_message),
        cmocka_unit_test(without_a_lookup_only_the_syntax_is_checked),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
