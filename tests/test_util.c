/* test_util.c - the node modules' shared helpers: array growth, terminal-safe text, error text,
 * clocks, the token bucket. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "crypto/err.h"
#include "node/util.h"

static void arrays_grow_by_doubling_and_refuse_overflow(void **state)
{
    (void)state;
    int *a = NULL;
    size_t cap = 0;
    assert_int_equal(hln_util_grow((void **)&a, &cap, 1, sizeof *a), 0);
    assert_int_equal(cap, 16);
    assert_int_equal(hln_util_grow((void **)&a, &cap, 16, sizeof *a), 0);
    assert_int_equal(cap, 16); /* enough already: untouched */
    assert_int_equal(hln_util_grow((void **)&a, &cap, 100, sizeof *a), 0);
    assert_int_equal(cap, 128);
    a[99] = 7;
    /* A size that would overflow is refused and the array kept. */
    assert_int_equal(hln_util_grow((void **)&a, &cap, SIZE_MAX / 2, 16), HLN_ENOMEM);
    assert_int_equal(cap, 128);
    assert_int_equal(a[99], 7);
    free(a);
}

static void text_for_terminals_loses_control_bytes(void **state)
{
    (void)state;
    char out[64];
    hln_util_sanitize(out, sizeof out, "ok\x1b[31mred\x7f\n", SIZE_MAX, SIZE_MAX);
    assert_string_equal(out, "ok?[31mred??");
    /* Bounded by len, by show (with "..."), and by the buffer. */
    hln_util_sanitize(out, sizeof out, "abcdef", 3, SIZE_MAX);
    assert_string_equal(out, "abc");
    hln_util_sanitize(out, sizeof out, "abcdef", SIZE_MAX, 4);
    assert_string_equal(out, "abcd...");
    hln_util_sanitize(out, 4, "abcdef", SIZE_MAX, SIZE_MAX);
    assert_string_equal(out, "abc");
    hln_util_sanitize(out, sizeof out, "\xc3\xa9t\xc3\xa9", SIZE_MAX, SIZE_MAX);
    assert_string_equal(out, "??t??");
}

static void error_text_goes_to_an_optional_buffer(void **state)
{
    (void)state;
    char err[8];
    hln_util_seterr(err, sizeof err, "line %d: %s", 12, "too long for the buffer");
    assert_string_equal(err, "line 12");
    hln_util_seterr(NULL, 0, "nothing happens %d", 1);
}

static void log_values_cannot_forge_another_key(void **state)
{
    (void)state;
    char out[64];
    /* A quote or a backslash could end the value and start another key. */
    hln_util_sanitize_log(out, sizeof out, "a\"b\\c", 5);
    assert_string_equal(out, "a?b?c");
    hln_util_sanitize_log(out, sizeof out, "name=\"x\" reason=ok", 18);
    assert_string_equal(out, "name=?x? reason=ok");
}

static void log_values_read_every_byte_including_nuls(void **state)
{
    (void)state;
    char out[64];
    /* Peers' strings are not NUL-terminated: a NUL does not end the copy. */
    hln_util_sanitize_log(out, sizeof out, "ab\0cd", 5);
    assert_string_equal(out, "ab?cd");
    /* Only len bytes are read. */
    hln_util_sanitize_log(out, sizeof out, "abcdef", 3);
    assert_string_equal(out, "abc");
    hln_util_sanitize_log(out, sizeof out, "", 0);
    assert_string_equal(out, "");
}

static void log_values_lose_control_bytes(void **state)
{
    (void)state;
    char out[64];
    hln_util_sanitize_log(out, sizeof out, "x\ny\rz\x1b[31m\x7f\xff", 12);
    assert_string_equal(out, "x?y?z?[31m??");
}

static void log_values_are_bounded_by_the_buffer(void **state)
{
    (void)state;
    char out[4] = "zzz";
    hln_util_sanitize_log(out, sizeof out, "abcdef", 6);
    assert_string_equal(out, "abc");
    hln_util_sanitize_log(out, 0, "abcdef", 6); /* no room: nothing written */
    assert_string_equal(out, "abc");
}

static void the_monotonic_clock_never_goes_back(void **state)
{
    (void)state;
    uint64_t prev = hln_util_mono_ms();
    for (int i = 0; i < 100000; i++) {
        uint64_t now = hln_util_mono_ms();
        assert_true(now >= prev);
        prev = now;
    }
}

static void a_bucket_starts_full_and_allows_a_burst(void **state)
{
    (void)state;
    hln_util_bucket b = {0};
    for (int i = 0; i < 3; i++)
        assert_true(hln_util_bucket_take(&b, 1000, 3, 100));
    assert_false(hln_util_bucket_take(&b, 1000, 3, 100));
    assert_int_equal(b.denied, 1);
}

static void a_bucket_refills_one_token_per_interval(void **state)
{
    (void)state;
    hln_util_bucket b = {0};
    for (int i = 0; i < 3; i++)
        assert_true(hln_util_bucket_take(&b, 1000, 3, 100));
    assert_false(hln_util_bucket_take(&b, 1099, 3, 100)); /* not yet */
    assert_true(hln_util_bucket_take(&b, 1100, 3, 100));  /* one more */
    assert_false(hln_util_bucket_take(&b, 1150, 3, 100));
    /* The remainder is kept: 1100 + 100, not 1150 + 100. */
    assert_true(hln_util_bucket_take(&b, 1200, 3, 100));
    /* A long pause refills up to the burst, not beyond. */
    for (int i = 0; i < 3; i++)
        assert_true(hln_util_bucket_take(&b, 100000, 3, 100));
    assert_false(hln_util_bucket_take(&b, 100000, 3, 100));
}

static void a_bucket_refills_nothing_when_the_clock_goes_back(void **state)
{
    (void)state;
    hln_util_bucket b = {0};
    assert_true(hln_util_bucket_take(&b, 5000, 1, 100));
    assert_false(hln_util_bucket_take(&b, 10, 1, 100)); /* backwards: no refill */
    assert_false(hln_util_bucket_take(&b, 5050, 1, 100));
    assert_true(hln_util_bucket_take(&b, 5100, 1, 100)); /* forward again from 5000 */
}

static void a_bucket_counts_what_it_denies(void **state)
{
    (void)state;
    hln_util_bucket b = {0};
    assert_true(hln_util_bucket_take(&b, 0, 2, 1000));
    assert_true(hln_util_bucket_take(&b, 0, 2, 1000));
    for (int i = 0; i < 5; i++)
        assert_false(hln_util_bucket_take(&b, 1, 2, 1000));
    assert_int_equal(b.denied, 5);
    assert_int_equal(b.tokens, 0);
    /* A granted take does not reset the count: the caller reads and clears it. */
    assert_true(hln_util_bucket_take(&b, 1000, 2, 1000));
    assert_int_equal(b.denied, 5);
}

static void dates_are_utc_days_or_instants(void **state)
{
    (void)state;
    uint64_t ms = 0;
    assert_int_equal(hln_util_parse_date("2026-01-01", &ms), 0);
    assert_int_equal(ms, 1767225600000ull);
    assert_int_equal(hln_util_parse_date("2026-01-01T00:00:01Z", &ms), 0);
    assert_int_equal(ms, 1767225601000ull);
    assert_int_equal(hln_util_parse_date("2026-01-01 ", &ms), HLN_EINVAL);
    assert_int_equal(hln_util_parse_date("2026-13-01", &ms), HLN_EINVAL);
    assert_int_equal(hln_util_parse_date("1969-12-31", &ms), HLN_EINVAL);
    assert_int_equal(hln_util_parse_date("tomorrow", &ms), HLN_EINVAL);
}

static void dates_print_as_utc_and_read_back(void **state)
{
    (void)state;
    char buf[32];
    uint64_t ms = 0;
    assert_true(hln_util_format_date(1767225601000ull, false, buf, sizeof buf));
    assert_string_equal(buf, "2026-01-01T00:00:01Z");
    assert_int_equal(hln_util_parse_date(buf, &ms), 0);
    assert_int_equal(ms, 1767225601000ull);
    assert_true(hln_util_format_date(1767225601000ull, true, buf, sizeof buf));
    assert_string_equal(buf, "2026-01-01");
    /* The last second of year 9999 prints; one past it cannot. */
    assert_true(hln_util_format_date(253402300799000ull, false, buf, sizeof buf));
    assert_string_equal(buf, "9999-12-31T23:59:59Z");
    assert_false(hln_util_format_date(253402300800000ull, false, buf, sizeof buf));
    assert_string_equal(buf, "-");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(arrays_grow_by_doubling_and_refuse_overflow),
        cmocka_unit_test(text_for_terminals_loses_control_bytes),
        cmocka_unit_test(error_text_goes_to_an_optional_buffer),
        cmocka_unit_test(log_values_cannot_forge_another_key),
        cmocka_unit_test(log_values_read_every_byte_including_nuls),
        cmocka_unit_test(log_values_lose_control_bytes),
        cmocka_unit_test(log_values_are_bounded_by_the_buffer),
        cmocka_unit_test(the_monotonic_clock_never_goes_back),
        cmocka_unit_test(a_bucket_starts_full_and_allows_a_burst),
        cmocka_unit_test(a_bucket_refills_one_token_per_interval),
        cmocka_unit_test(a_bucket_refills_nothing_when_the_clock_goes_back),
        cmocka_unit_test(a_bucket_counts_what_it_denies),
        cmocka_unit_test(dates_are_utc_days_or_instants),
        cmocka_unit_test(dates_print_as_utc_and_read_back),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
