/* test_screen.c - the identifier screen: what it finds and names, and the ordinary text it lets through. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "proto/screen.h"

/* The one finding in `text`, by name, and the bytes it covers. */
static void finds_one(const char *text, const char *kind, const char *what)
{
    hln_screen_hit h[4];
    size_t n = hln_screen_text(text, strlen(text), h, 4);
    if (n != 1)
        fail_msg("'%s': %zu findings, wanted 1 (%s)", text, n, kind);
    assert_string_equal(hln_screen_kind_name(h[0].kind), kind);
    assert_int_equal(h[0].len, strlen(what));
    assert_memory_equal(text + h[0].off, what, h[0].len);
}

static void passes(const char *text)
{
    hln_screen_hit h[4];
    size_t n = hln_screen_text(text, strlen(text), h, 4);
    if (n)
        fail_msg("'%s': refused as %s at '%.*s'", text, hln_screen_kind_name(h[0].kind),
                 (int)h[0].len, text + h[0].off);
}

static void names_a_long_digit_run(void **state)
{
    (void)state;
    finds_one("chart 4471923 was reviewed", "long digit run", "4471923");
    finds_one("MRN:123456", "long digit run", "123456");
    finds_one("patient AB123456C", "long digit run", "123456");
}

static void names_full_dates_as_possible_dates_of_birth(void **state)
{
    (void)state;
    finds_one("born 12/03/1984, seen twice", "date", "12/03/1984");
    finds_one("on 1984-03-12 she", "date", "1984-03-12");
    finds_one("dob 3.7.84", "date", "3.7.84");
    finds_one("born 12 March 1984 in", "date", "12 March 1984");
    finds_one("born March 12, 1984", "date", "March 12, 1984");
    finds_one("née le 3 février 1990", "date", "3 février 1990");
}

static void names_an_email_address(void **state)
{
    (void)state;
    finds_one("ask jane.doe+qi@clinic.example.ca.", "e-mail address", "jane.doe+qi@clinic.example.ca");
}

static void names_phone_numbers(void **state)
{
    (void)state;
    finds_one("call (416) 555-0199 today", "phone number", "(416) 555-0199");
    finds_one("call +1 416 555 0199", "phone number", "+1 416 555 0199");
    finds_one("ext 555-0199", "phone number", "555-0199");
    finds_one("tel 01 42 34 56 78", "phone number", "01 42 34 56 78");
}

static void names_national_id_shapes(void **state)
{
    (void)state;
    finds_one("SIN 046 454 286", "national id number", "046 454 286");
    finds_one("SSN 078-05-1120", "national id number", "078-05-1120");
    finds_one("card 1234-567-890 AB", "national id number", "1234-567-890");
    finds_one("NIR 2 84 05 75 123 456 78", "national id number", "2 84 05 75 123 456 78");
}

static void names_every_finding_in_order(void **state)
{
    (void)state;
    const char *t = "a@b.org, 12/03/1984 and 4471923";
    hln_screen_hit h[8];
    assert_int_equal(hln_screen_text(t, strlen(t), h, 8), 3);
    assert_int_equal(h[0].kind, HLN_SCREEN_EMAIL);
    assert_int_equal(h[1].kind, HLN_SCREEN_DATE);
    assert_int_equal(h[2].kind, HLN_SCREEN_DIGITS);
    /* Fewer slots than findings: the count is still the whole. */
    assert_int_equal(hln_screen_text(t, strlen(t), h, 1), 3);
    assert_int_equal(hln_screen_text(t, strlen(t), NULL, 0), 3);
}

static void lets_an_ordinary_lesson_through(void **state)
{
    (void)state;
    passes("We added the PHQ-2 to the intake form in March 2025; screening rose from 41% to "
           "63% by 2025-06 across 4 sites (about 1,200 adults a month).");
    passes("Periods 2025-01 to 2025-06, then 2025-Q3 and 2024; 12.5 per 1,000; 1/3 of teams.");
    passes("Nurse-led recall, weeks 3-4; 2019-2025 trend; version 1.2.3; room 101.");
    passes("");
    passes("Le taux est passé de 40 % à 55 % en mars 2025.");
    passes("an @ sign alone, user@localhost, and a.b@c are not addresses");
}

static void stops_at_the_given_length(void **state)
{
    (void)state;
    const char *t = "ok 4471923";
    assert_int_equal(hln_screen_text(t, 3, NULL, 0), 0);
    assert_int_equal(hln_screen_text(t, strlen(t), NULL, 0), 1);
    assert_string_equal(hln_screen_kind_name(99), "unknown");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(names_a_long_digit_run),
        cmocka_unit_test(names_full_dates_as_possible_dates_of_birth),
        cmocka_unit_test(names_an_email_address),
        cmocka_unit_test(names_phone_numbers),
        cmocka_unit_test(names_national_id_shapes),
        cmocka_unit_test(names_every_finding_in_order),
        cmocka_unit_test(lets_an_ordinary_lesson_through),
        cmocka_unit_test(stops_at_the_given_length),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
