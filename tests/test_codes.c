/* test_codes.c - the strict patterns: jurisdictions, scopes, indicator codes, periods, units, strata, endpoints, text. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "proto/codes.h"

#define OK(fn, s) assert_true(fn(s, strlen(s)))
#define NO(fn, s) assert_false(fn(s, strlen(s)))

static void jurisdictions_are_iso_3166_codes(void **state)
{
    (void)state;
    OK(hln_code_jurisdiction, "CA");
    OK(hln_code_jurisdiction, "CA-ON");
    OK(hln_code_jurisdiction, "GB-ENG");
    OK(hln_code_jurisdiction, "FR-75");
    OK(hln_code_jurisdiction, "ES-M");
    NO(hln_code_jurisdiction, "");
    NO(hln_code_jurisdiction, "C");
    NO(hln_code_jurisdiction, "ca");
    NO(hln_code_jurisdiction, "CAN");
    NO(hln_code_jurisdiction, "CA-");
    NO(hln_code_jurisdiction, "CA-ONTA");
    NO(hln_code_jurisdiction, "CA_ON");
    NO(hln_code_jurisdiction, "CA-on");
    NO(hln_code_jurisdiction, "global");
    assert_false(hln_code_jurisdiction("CA\0", 3));
}

static void scopes_are_jurisdictions_or_global(void **state)
{
    (void)state;
    OK(hln_code_scope, "global");
    OK(hln_code_scope, "CA");
    OK(hln_code_scope, "CA-ON");
    NO(hln_code_scope, "Global");
    NO(hln_code_scope, "globa");
    NO(hln_code_scope, "");
    assert_false(hln_code_scope(NULL, 0));
}

static void scope_within_follows_the_hierarchy(void **state)
{
    (void)state;
    assert_true(hln_scope_within("CA-ON", "CA"));
    assert_true(hln_scope_within("CA", "CA"));
    assert_true(hln_scope_within("CA-ON", "CA-ON"));
    assert_true(hln_scope_within("CA", "global"));
    assert_true(hln_scope_within("CA-ON", "global"));
    assert_true(hln_scope_within("global", "global"));
    assert_false(hln_scope_within("CA", "CA-ON"));
    assert_false(hln_scope_within("CA-ON", "CA-QC"));
    assert_false(hln_scope_within("US-CA", "CA"));
    assert_false(hln_scope_within("global", "CA"));
    assert_false(hln_scope_within("CA", "FR"));
    assert_false(hln_scope_within("xx", "global"));
    assert_false(hln_scope_within(NULL, "global"));
}

static void scope_country_takes_the_first_part(void **state)
{
    (void)state;
    char c[3];
    hln_scope_country("CA-ON", c);
    assert_string_equal(c, "CA");
    hln_scope_country("FR", c);
    assert_string_equal(c, "FR");
    hln_scope_country("global", c);
    assert_string_equal(c, "");
}

static void indicator_codes_are_namespaced(void **state)
{
    (void)state;
    OK(hln_code_indicator, "mhpc.depression-remission-12m");
    OK(hln_code_indicator, "a.b");
    OK(hln_code_indicator, "who.phq9_screen");
    NO(hln_code_indicator, "ab");
    NO(hln_code_indicator, "nodot");
    NO(hln_code_indicator, "Mhpc.x");
    NO(hln_code_indicator, ".x");
    NO(hln_code_indicator, "x.");
    NO(hln_code_indicator, "a.b.c");
    NO(hln_code_indicator, "a.-b");
    NO(hln_code_indicator, "a.b c");
    char long_code[66];
    memset(long_code, 'a', 65);
    long_code[1] = '.';
    long_code[65] = '\0';
    NO(hln_code_indicator, long_code);
    long_code[64] = '\0';
    OK(hln_code_indicator, long_code);
}

static void periods_are_year_quarter_or_month(void **state)
{
    (void)state;
    OK(hln_code_period, "2026");
    OK(hln_code_period, "2026-Q3");
    OK(hln_code_period, "2026-Q1");
    OK(hln_code_period, "2026-Q4");
    OK(hln_code_period, "2026-09");
    OK(hln_code_period, "2026-12");
    OK(hln_code_period, "1900");
    NO(hln_code_period, "2026-13");
    NO(hln_code_period, "2026-00");
    NO(hln_code_period, "2026-Q5");
    NO(hln_code_period, "2026-Q0");
    NO(hln_code_period, "26");
    NO(hln_code_period, "1899");
    NO(hln_code_period, "2026-9");
    NO(hln_code_period, "2026-q3");
    NO(hln_code_period, "2026/09");
    NO(hln_code_period, "2026-09-01");
    NO(hln_code_period, "");
}

static void units_are_short_codes(void **state)
{
    (void)state;
    OK(hln_code_unit, "");
    OK(hln_code_unit, "clinic-12");
    OK(hln_code_unit, "CA-ON");
    OK(hln_code_unit, "Org_7.a");
    NO(hln_code_unit, "-x");
    NO(hln_code_unit, "a b");
    NO(hln_code_unit, "é");
    char u[66];
    memset(u, 'u', 65);
    u[65] = '\0';
    NO(hln_code_unit, u);
}

static void strata_are_lower_case_codes(void **state)
{
    (void)state;
    OK(hln_code_stratum, "");
    OK(hln_code_stratum, "age=65-plus");
    OK(hln_code_stratum, "sex=f");
    NO(hln_code_stratum, "age=65+");
    NO(hln_code_stratum, "Sex=F");
    NO(hln_code_stratum, "=x");
    NO(hln_code_stratum, "a b");
}

static void endpoints_are_tcp_host_port(void **state)
{
    (void)state;
    OK(hln_code_endpoint, "tcp://node.example.org:7411");
    OK(hln_code_endpoint, "tcp://192.0.2.7:1");
    OK(hln_code_endpoint, "tcp://[2001:db8::1]:65535");
    NO(hln_code_endpoint, "tcp://host:0");
    NO(hln_code_endpoint, "tcp://host:65536");
    NO(hln_code_endpoint, "tcp://host:07411");
    NO(hln_code_endpoint, "tcp://host");
    NO(hln_code_endpoint, "tcp://:7411");
    NO(hln_code_endpoint, "ipc:///tmp/x:1");
    NO(hln_code_endpoint, "tcp://ho st:1");
    NO(hln_code_endpoint, "tcp://-host:1");
    NO(hln_code_endpoint, "tcp://[zz]:1");
    NO(hln_code_endpoint, "tcp://*:7411");
}

static void text_is_utf8_without_controls(void **state)
{
    (void)state;
    assert_true(hln_text_valid("", 0, false));
    assert_true(hln_text_valid("Clinique Saint-Jérôme", strlen("Clinique Saint-Jérôme"), false));
    assert_true(hln_text_valid("日本語 😀", strlen("日本語 😀"), false));
    assert_true(hln_text_valid("a\nb", 3, true));
    assert_false(hln_text_valid("a\nb", 3, false));
    assert_false(hln_text_valid("a\tb", 3, true));
    assert_false(hln_text_valid("a\0b", 3, true));
    assert_false(hln_text_valid("a\x7f", 2, false));
    assert_false(hln_text_valid("\xc2\x85", 2, false));        /* C1 control NEL */
    assert_false(hln_text_valid("\xc0\xaf", 2, false));        /* overlong '/' */
    assert_false(hln_text_valid("\xe0\x80\xaf", 3, false));    /* overlong, 3 bytes */
    assert_false(hln_text_valid("\xed\xa0\x80", 3, false));    /* a UTF-16 surrogate */
    assert_false(hln_text_valid("\xf4\x90\x80\x80", 4, false)); /* past U+10FFFF */
    assert_false(hln_text_valid("\xc3", 1, false));            /* truncated */
    assert_false(hln_text_valid("\x80", 1, false));            /* lone continuation */
    assert_false(hln_text_valid("\xe2\x80\xae", 3, false));    /* RIGHT-TO-LEFT OVERRIDE */
    assert_false(hln_text_valid("\xe2\x81\xa6", 3, false));    /* LEFT-TO-RIGHT ISOLATE */
    assert_false(hln_text_valid("\xe2\x80\xa8", 3, true));     /* LINE SEPARATOR */
}

static void periods_span_their_months(void **state)
{
    (void)state;
    int f, m;
    assert_true(hln_period_span("2025-04", &f, &m));
    assert_int_equal(f, 2025 * 12 + 3);
    assert_int_equal(m, 1);
    assert_true(hln_period_span("2025-Q2", &f, &m));
    assert_int_equal(f, 2025 * 12 + 3);
    assert_int_equal(m, 3);
    assert_true(hln_period_span("2025", &f, &m));
    assert_int_equal(f, 2025 * 12);
    assert_int_equal(m, 12);
    assert_false(hln_period_span("2025-13", &f, &m));
    assert_false(hln_period_span(NULL, &f, &m));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(jurisdictions_are_iso_3166_codes),
        cmocka_unit_test(scopes_are_jurisdictions_or_global),
        cmocka_unit_test(scope_within_follows_the_hierarchy),
        cmocka_unit_test(scope_country_takes_the_first_part),
        cmocka_unit_test(indicator_codes_are_namespaced),
        cmocka_unit_test(periods_are_year_quarter_or_month),
        cmocka_unit_test(units_are_short_codes),
        cmocka_unit_test(strata_are_lower_case_codes),
        cmocka_unit_test(endpoints_are_tcp_host_port),
        cmocka_unit_test(text_is_utf8_without_controls),
        cmocka_unit_test(periods_span_their_months),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
