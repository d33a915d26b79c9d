/* test_catalogue.c - the indicator definition file: good files, and every refusal with its line. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* cmocka needs the four headers above first. */
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "crypto/err.h"
#include "node/catalogue.h"

typedef struct {
    size_t n;
    unsigned long line[32];
    char reason[32][256];
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

static int parse(const char *text, problems *p, hln_indicator **defs, size_t *n)
{
    memset(p, 0, sizeof *p);
    return hln_catalogue_parse(text, strlen(text), collect, p, defs, n);
}

/* Expect exactly one problem, at `line`, whose reason contains `needle`. */
static void expect_one(const char *text, unsigned long line, const char *needle)
{
    problems p;
    hln_indicator *defs = (hln_indicator *)1;
    size_t n = 99;
    assert_int_equal(parse(text, &p, &defs, &n), HLN_ECONFIG);
    assert_null(defs);
    assert_int_equal(n, 0);
    if (p.n != 1 || p.line[0] != line || !strstr(p.reason[0], needle))
        fail_msg("expected one problem at line %lu with '%s'; got %zu, first at %lu: %s", line,
                 needle, p.n, p.n ? p.line[0] : 0, p.n ? p.reason[0] : "");
}

#define GOOD                                                                                       \
    "[mhpc.depression-screening]\n"                                                                \
    "title = Depression screening with follow-up plan\n"                                           \
    "version = 2\n"                                                                                \
    "domain = process\n"                                                                           \
    "kind = proportion\n"                                                                          \
    "direction = higher\n"                                                                         \
    "method = wilson\n"                                                                            \
    "strata = sex=male, sex=female,age=65-plus\n"                                                  \
    "description = Adults screened\n"                                                              \
    "  with a follow-up plan.\n"                                                                   \
    "\n"                                                                                           \
    "; a rate\n"                                                                                   \
    "[hosp.falls-per-1000-bed-days]\n"                                                             \
    "title = Inpatient falls per 1,000 bed-days\n"                                                 \
    "version = 1\n"                                                                                \
    "domain = outcome\n"                                                                           \
    "kind = rate\n"                                                                                \
    "multiplier = 1000\n"                                                                          \
    "direction = lower\n"

static void a_good_file_gives_every_definition(void **state)
{
    (void)state;
    problems p;
    hln_indicator *defs = NULL;
    size_t n = 0;
    assert_int_equal(parse(GOOD, &p, &defs, &n), 0);
    assert_int_equal(p.n, 0);
    assert_int_equal(n, 2);
    assert_string_equal(defs[0].code, "mhpc.depression-screening");
    assert_string_equal(defs[0].title, "Depression screening with follow-up plan");
    assert_int_equal(defs[0].version, 2);
    assert_int_equal(defs[0].domain, HLN_DOMAIN_PROCESS);
    assert_int_equal(defs[0].kind, HLN_KIND_PROPORTION);
    assert_int_equal(defs[0].multiplier, 1);
    assert_int_equal(defs[0].direction, HLN_DIR_HIGHER);
    assert_int_equal(defs[0].method, HLN_FUNNEL_WILSON);
    assert_int_equal(defs[1].kind, HLN_KIND_RATE);
    assert_int_equal(defs[1].multiplier, 1000);
    assert_int_equal(defs[1].direction, HLN_DIR_LOWER);
    free(defs);
}

static void strata_are_a_set_in_byte_order(void **state)
{
    (void)state;
    problems p;
    hln_indicator *defs = NULL;
    size_t n = 0;
    assert_int_equal(parse(GOOD, &p, &defs, &n), 0);
    assert_int_equal(defs[0].n_strata, 3);
    assert_string_equal(defs[0].strata[0], "age=65-plus");
    assert_string_equal(defs[0].strata[1], "sex=female");
    assert_string_equal(defs[0].strata[2], "sex=male");
    assert_int_equal(defs[1].n_strata, 0);
    free(defs);
}

static void a_description_continues_on_indented_lines(void **state)
{
    (void)state;
    problems p;
    hln_indicator *defs = NULL;
    size_t n = 0;
    assert_int_equal(parse(GOOD, &p, &defs, &n), 0);
    assert_string_equal(defs[0].description, "Adults screened\nwith a follow-up plan.");
    free(defs);
}

static void the_method_defaults_to_exact(void **state)
{
    (void)state;
    problems p;
    hln_indicator *defs = NULL;
    size_t n = 0;
    assert_int_equal(parse(GOOD, &p, &defs, &n), 0);
    assert_int_equal(defs[1].method, HLN_FUNNEL_EXACT);
    free(defs);
}

static void a_bom_and_crlf_are_accepted(void **state)
{
    (void)state;
    problems p;
    hln_indicator *defs = NULL;
    size_t n = 0;
    const char *text = "\xEF\xBB\xBF[a.b]\r\ntitle = T\r\nversion = 1\r\ndomain = cost\r\n"
                       "kind = proportion\r\ndirection = lower\r\n";
    assert_int_equal(parse(text, &p, &defs, &n), 0);
    assert_int_equal(n, 1);
    assert_string_equal(defs[0].title, "T");
    assert_int_equal(defs[0].domain, HLN_DOMAIN_COST);
    free(defs);
}

#define HEAD "[a.b]\ntitle = T\nversion = 1\ndomain = process\n"

static void a_missing_key_is_reported_at_its_section(void **state)
{
    (void)state;
    expect_one("; comment\n" HEAD "kind = proportion\n", 2, "missing key 'direction'");
}

static void an_unknown_key_is_reported_at_its_line(void **state)
{
    (void)state;
    expect_one(HEAD "kind = proportion\ndirection = higher\ncolour = blue\n", 7,
               "unknown key 'colour'");
}

static void a_bad_value_is_reported_with_its_key(void **state)
{
    (void)state;
    expect_one("[a.b]\ntitle = T\nversion = 1\ndomain = quality\nkind = proportion\n"
               "direction = higher\n",
               4, "domain: 'quality'");
}

static void a_bad_version_is_refused(void **state)
{
    (void)state;
    expect_one("[a.b]\ntitle = T\nversion = 0\ndomain = process\nkind = proportion\n"
               "direction = higher\n",
               3, "version");
}

static void a_duplicate_key_is_refused(void **state)
{
    (void)state;
    expect_one(HEAD "kind = proportion\ndirection = higher\ntitle = Again\n", 7,
               "duplicate key 'title' (first at line 2)");
}

static void a_duplicate_section_is_refused(void **state)
{
    (void)state;
    expect_one(HEAD "kind = proportion\ndirection = higher\n" HEAD
                    "kind = proportion\ndirection = higher\n",
               7, "duplicate section [a.b] (first at line 1)");
}

static void a_section_that_is_no_indicator_code_is_refused(void **state)
{
    (void)state;
    expect_one("[Depression Screening]\ntitle = T\nversion = 1\ndomain = process\n"
               "kind = proportion\ndirection = higher\n",
               1, "not an indicator code");
}

static void a_section_name_too_long_to_hold_is_refused(void **state)
{
    (void)state;
    /* inih would cut it short to another, valid-looking code. */
    expect_one("[mhpc.a-very-long-indicator-code-that-goes-on-and-on-and-on]\ntitle = T\n"
               "version = 1\ndomain = process\nkind = proportion\ndirection = higher\n",
               1, "section name longer than");
}

static void a_rate_needs_a_multiplier(void **state)
{
    (void)state;
    expect_one(HEAD "kind = rate\ndirection = lower\n", 1, "missing key 'multiplier'");
}

static void a_proportion_has_multiplier_one(void **state)
{
    (void)state;
    expect_one(HEAD "kind = proportion\nmultiplier = 100\ndirection = lower\n", 6, "multiplier");
}

static void a_rate_has_the_exact_method(void **state)
{
    (void)state;
    expect_one(HEAD "kind = rate\nmultiplier = 1000\ndirection = lower\nmethod = wilson\n", 8,
               "method");
}

static void a_bad_stratum_is_refused(void **state)
{
    (void)state;
    expect_one(HEAD "kind = proportion\ndirection = higher\nstrata = sex=male, Age 65+\n", 7,
               "strata: 'Age 65+'");
}

static void a_repeated_stratum_is_refused(void **state)
{
    (void)state;
    expect_one(HEAD "kind = proportion\ndirection = higher\nstrata = a, b, a\n", 7, "listed twice");
}

static void a_key_before_any_section_is_refused(void **state)
{
    (void)state;
    expect_one("title = T\n" HEAD "kind = proportion\ndirection = higher\n", 1, "before the first");
}

static void a_section_without_keys_is_refused(void **state)
{
    (void)state;
    expect_one("[x.empty]\n" HEAD "kind = proportion\ndirection = higher\n", 1, "no keys");
}

static void a_title_does_not_continue(void **state)
{
    (void)state;
    expect_one(HEAD "kind = proportion\ndirection = higher\ntitle2 = x\n", 7, "unknown key");
    expect_one("[a.b]\ntitle = T\n  more\nversion = 1\ndomain = process\nkind = proportion\n"
               "direction = higher\n",
               3, "does not continue");
}

static void a_line_longer_than_inih_takes_is_refused(void **state)
{
    (void)state;
    char text[1024];
    char longv[400];
    memset(longv, 'x', sizeof longv - 1);
    longv[sizeof longv - 1] = '\0';
    snprintf(text, sizeof text, HEAD "kind = proportion\ndirection = higher\ndescription = %s\n",
             longv);
    expect_one(text, 7, "longer than");
}

static void a_syntax_error_is_reported_at_its_line(void **state)
{
    (void)state;
    expect_one(HEAD "kind = proportion\ndirection = higher\nthis line has no equals sign\n", 7,
               "syntax");
}

static void a_nul_byte_is_refused(void **state)
{
    (void)state;
    problems p;
    hln_indicator *defs = NULL;
    size_t n = 0;
    const char text[] = "[a.b]\ntitle = T\0x\nversion = 1\ndomain = process\n"
                        "kind = proportion\ndirection = higher\n";
    memset(&p, 0, sizeof p);
    assert_int_equal(hln_catalogue_parse(text, sizeof text - 1, collect, &p, &defs, &n),
                     HLN_ECONFIG);
    /* The line is refused, so its title is missing too. */
    bool found = false;
    for (size_t i = 0; i < p.n && i < 32; i++)
        found = found || (p.line[i] == 2 && strstr(p.reason[i], "NUL"));
    assert_true(found);
    assert_null(defs);
}

static void an_empty_file_is_refused(void **state)
{
    (void)state;
    expect_one("", 1, "no [indicator.code] sections");
    expect_one("; only a comment\n\n", 1, "no [indicator.code] sections");
}

static void every_problem_is_reported_in_line_order(void **state)
{
    (void)state;
    problems p;
    hln_indicator *defs = NULL;
    size_t n = 0;
    const char *text = "[a.b]\n"                 /* 1: missing direction */
                       "title = T\n"             /* 2 */
                       "version = x\n"           /* 3: bad version */
                       "domain = process\n"      /* 4 */
                       "kind = proportion\n"     /* 5 */
                       "[c.d]\n"                 /* 6 */
                       "title = U\n"             /* 7 */
                       "version = 1\n"           /* 8 */
                       "domain = process\n"      /* 9 */
                       "kind = share\n"          /* 10: bad kind */
                       "direction = sideways\n"; /* 11: bad direction */
    assert_int_equal(parse(text, &p, &defs, &n), HLN_ECONFIG);
    assert_null(defs);
    assert_int_equal(p.n, 4);
    assert_int_equal(p.line[0], 1);
    assert_int_equal(p.line[1], 3);
    assert_int_equal(p.line[2], 10);
    assert_int_equal(p.line[3], 11);
}

static void control_characters_never_reach_the_message(void **state)
{
    (void)state;
    problems p;
    hln_indicator *defs = NULL;
    size_t n = 0;
    const char *text = HEAD "kind = \x1b[31mred\ndirection = higher\n";
    assert_int_equal(parse(text, &p, &defs, &n), HLN_ECONFIG);
    assert_int_equal(p.n, 1);
    assert_null(strchr(p.reason[0], '\x1b'));
}

/* kind isr: its strata and counts come from reference_file (byte order), x 100 by default. */
static void an_isr_reads_its_reference_file(void **state)
{
    (void)state;
    char path[] = "/tmp/hln-ref-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    const char *ref = "# STRATUM,EVENTS,POPULATION\nage=5-9,2824,57173\nage=0-4,10303,50520\n";
    assert_int_equal(write(fd, ref, strlen(ref)), (ssize_t)strlen(ref));
    close(fd);
    char text[512];
    snprintf(text, sizeof text, HEAD "kind = isr\ndirection = lower\nreference_file = %s\n", path);
    problems p;
    hln_indicator *defs = NULL;
    size_t n = 0;
    assert_int_equal(parse(text, &p, &defs, &n), 0);
    assert_int_equal(n, 1);
    assert_int_equal(defs[0].kind, HLN_KIND_ISR);
    assert_int_equal(defs[0].multiplier, 100);
    assert_string_equal(defs[0].standard, "custom");
    assert_int_equal(defs[0].n_strata, 2);
    assert_string_equal(defs[0].strata[0], "age=0-4");
    assert_int_equal(defs[0].ref_events[0], 10303);
    assert_int_equal(defs[0].ref_pop[1], 57173);
    free(defs);
    /* refused: no reference_file, an unreadable one, a bad line, a reference elsewhere */
    expect_one(HEAD "kind = isr\ndirection = lower\n", 1, "missing key 'reference_file'");
    expect_one(HEAD "kind = isr\ndirection = lower\nreference_file = /nonexistent/r.csv\n", 7,
               "reference_file: cannot read it");
    fd = open(path, O_WRONLY | O_TRUNC);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "age=0-4,1,0\n", 12), 12);
    close(fd);
    expect_one(text, 7, "reference_file: line 1: value 2 must be a whole number");
    expect_one(HEAD "kind = rate\nmultiplier = 10\ndirection = lower\nreference = x\n", 8,
               "reference: only an isr has a reference");
    unlink(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(an_isr_reads_its_reference_file),
        cmocka_unit_test(a_good_file_gives_every_definition),
        cmocka_unit_test(strata_are_a_set_in_byte_order),
        cmocka_unit_test(a_description_continues_on_indented_lines),
        cmocka_unit_test(the_method_defaults_to_exact),
        cmocka_unit_test(a_bom_and_crlf_are_accepted),
        cmocka_unit_test(a_missing_key_is_reported_at_its_section),
        cmocka_unit_test(an_unknown_key_is_reported_at_its_line),
        cmocka_unit_test(a_bad_value_is_reported_with_its_key),
        cmocka_unit_test(a_bad_version_is_refused),
        cmocka_unit_test(a_duplicate_key_is_refused),
        cmocka_unit_test(a_duplicate_section_is_refused),
        cmocka_unit_test(a_section_that_is_no_indicator_code_is_refused),
        cmocka_unit_test(a_section_name_too_long_to_hold_is_refused),
        cmocka_unit_test(a_rate_needs_a_multiplier),
        cmocka_unit_test(a_proportion_has_multiplier_one),
        cmocka_unit_test(a_rate_has_the_exact_method),
        cmocka_unit_test(a_bad_stratum_is_refused),
        cmocka_unit_test(a_repeated_stratum_is_refused),
        cmocka_unit_test(a_key_before_any_section_is_refused),
        cmocka_unit_test(a_section_without_keys_is_refused),
        cmocka_unit_test(a_title_does_not_continue),
        cmocka_unit_test(a_line_longer_than_inih_takes_is_refused),
        cmocka_unit_test(a_syntax_error_is_reported_at_its_line),
        cmocka_unit_test(a_nul_byte_is_refused),
        cmocka_unit_test(an_empty_file_is_refused),
        cmocka_unit_test(every_problem_is_reported_in_line_order),
        cmocka_unit_test(control_characters_never_reach_the_message),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
