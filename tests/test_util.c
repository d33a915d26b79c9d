/* test_util.c - the node modules' shared helpers: array growth, terminal-safe text, error text. */
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(arrays_grow_by_doubling_and_refuse_overflow),
        cmocka_unit_test(text_for_terminals_loses_control_bytes),
        cmocka_unit_test(error_text_goes_to_an_optional_buffer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
