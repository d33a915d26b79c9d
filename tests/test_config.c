/* test_config.c - hlnd's INI configuration: defaults, every key, and a refusal with FILE:LINE for
 * each kind of mistake. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crypto/err.h"
#include "node/config.h"

static int parse(hln_config *c, const char *text, char *err, size_t errlen)
{
    hln_config_defaults(c);
    err[0] = '\0';
    return hln_config_parse(c, "t.conf", text, err, errlen);
}

static void defaults_are_valid(void **state)
{
    (void)state;
    hln_config c;
    char err[256];
    hln_config_defaults(&c);
    assert_int_equal(hln_config_validate(&c, err, sizeof err), 0);
    assert_string_equal(c.listen, "");
    assert_int_equal(c.log_level, 6);
}

static void a_full_file_sets_every_section(void **state)
{
    (void)state;
    hln_config c;
    char err[256];
    const char *text = "; hlnd\n"
                       "[node]\n"
                       "data_dir = /var/lib/hln\n"
                       "listen = tcp://0.0.0.0:7420\n"
                       "log_level = debug\n"
                       "\n"
                       "[gossip]\n"
                       "tick_ms = 50   ; inline comment\n"
                       "fanout = 4\n"
                       "anti_entropy_ms = 1000\n"
                       "batch_size = 64\n"
                       "max_inflight = 128\n"
                       "[net]\n"
                       "max_message = 1048576\n"
                       "heartbeat_ivl_ms = 1000\n"
                       "heartbeat_timeout_ms = 5000\n"
                       "heartbeat_ttl_ms = 6000\n"
                       "reconnect_ivl_ms = 200\n"
                       "reconnect_ivl_max_ms = 20000\n"
                       "handshake_ms = 3000\n"
                       "linger_ms = 0\n"
                       "sndhwm = 500\n"
                       "bad_limit = 7\n"
                       "drop_ms = 0\n";
    assert_int_equal(parse(&c, text, err, sizeof err), 0);
    assert_string_equal(c.data_dir, "/var/lib/hln");
    assert_string_equal(c.listen, "tcp://0.0.0.0:7420");
    assert_int_equal(c.log_level, 7);
    assert_int_equal(c.tick_ms, 50);
    assert_int_equal(c.fanout, 4);
    assert_int_equal(c.batch_size, 64);
    assert_int_equal(c.max_message, 1048576);
    assert_int_equal(c.reconnect_ivl_max_ms, 20000);
    assert_int_equal(c.linger_ms, 0);
    assert_int_equal(c.bad_limit, 7);
}

static void an_unknown_key_is_refused_with_its_line(void **state)
{
    (void)state;
    hln_config c;
    char err[256];
    assert_int_equal(parse(&c, "[gossip]\nfanout = 2\ntick = 5\n", err, sizeof err), HLN_ECONFIG);
    assert_string_equal(err, "t.conf:3: unknown key [gossip] tick");
}

static void a_key_in_the_wrong_section_is_unknown(void **state)
{
    (void)state;
    hln_config c;
    char err[256];
    assert_int_equal(parse(&c, "[net]\nfanout = 2\n", err, sizeof err), HLN_ECONFIG);
    assert_non_null(strstr(err, "t.conf:2: unknown key [net] fanout"));
    assert_int_equal(parse(&c, "fanout = 2\n", err, sizeof err), HLN_ECONFIG);
    assert_non_null(strstr(err, "t.conf:1: unknown key"));
}

static void bad_numbers_are_refused(void **state)
{
    (void)state;
    hln_config c;
    char err[256];
    static const char *bad[] = {"[gossip]\nfanout = -1\n",
                                "[gossip]\nfanout = 1e3\n",
                                "[gossip]\nfanout = \n",
                                "[gossip]\nfanout = 0x10\n",
                                "[gossip]\nfanout = 99999999999\n",
                                "[gossip]\nfanout = 3 apples\n"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(parse(&c, bad[i], err, sizeof err), HLN_ECONFIG);
        assert_non_null(strstr(err, "t.conf:2: fanout"));
    }
}

static void values_out_of_range_name_the_range(void **state)
{
    (void)state;
    hln_config c;
    char err[256];
    assert_int_equal(parse(&c, "[gossip]\ntick_ms = 5\n", err, sizeof err), HLN_ECONFIG);
    assert_string_equal(err, "t.conf:2: tick_ms: 5 outside 10..60000");
    assert_int_equal(parse(&c, "[net]\nmax_message = 100\n", err, sizeof err), HLN_ECONFIG);
}

static void a_duplicate_key_is_refused(void **state)
{
    (void)state;
    hln_config c;
    char err[256];
    assert_int_equal(parse(&c, "[gossip]\nfanout = 2\nfanout = 3\n", err, sizeof err), HLN_ECONFIG);
    assert_string_equal(err, "t.conf:3: duplicate key fanout");
}

static void syntax_errors_are_refused(void **state)
{
    (void)state;
    hln_config c;
    char err[256];
    assert_int_equal(parse(&c, "[node\nlisten = tcp://a:1\n", err, sizeof err), HLN_ECONFIG);
    assert_string_equal(err, "t.conf:1: syntax error");
    assert_int_equal(parse(&c, "[node]\njust words\n", err, sizeof err), HLN_ECONFIG);
    assert_string_equal(err, "t.conf:2: syntax error");
    /* A continuation line would silently extend a value: refused. */
    assert_int_equal(parse(&c, "[node]\nlisten = tcp://a:1\n  tcp://b:2\n", err, sizeof err),
                     HLN_ECONFIG);
}

static void long_lines_and_control_characters_are_refused(void **state)
{
    (void)state;
    hln_config c;
    char err[256], text[400];
    memset(text, 'a', sizeof text);
    memcpy(text, "[node]\n; ", 9);
    text[sizeof text - 1] = '\0';
    assert_int_equal(parse(&c, text, err, sizeof err), HLN_ECONFIG);
    assert_non_null(strstr(err, "t.conf:2: line longer than"));
    assert_int_equal(parse(&c,
                           "[node]\nlog_level = in\x1b"
                           "fo\n",
                           err, sizeof err),
                     HLN_ECONFIG);
    assert_string_equal(err, "t.conf:2: control character in line");
}

static void endpoints_paths_and_levels_are_checked(void **state)
{
    (void)state;
    hln_config c;
    char err[256];
    assert_int_equal(parse(&c, "[node]\nlisten = udp://x:1\n", err, sizeof err), HLN_ECONFIG);
    assert_int_equal(parse(&c, "[node]\nlisten = tcp://x:70000\n", err, sizeof err), HLN_ECONFIG);
    assert_int_equal(parse(&c, "[node]\nlisten = tcp://x\n", err, sizeof err), HLN_ECONFIG);
    assert_int_equal(parse(&c, "[node]\nlisten = tcp://*:*\n", err, sizeof err), 0);
    assert_int_equal(parse(&c, "[node]\nlisten = ipc:///run/hln/p\n", err, sizeof err), 0);
    assert_int_equal(parse(&c, "[node]\nlisten =\n", err, sizeof err), 0);
    assert_int_equal(parse(&c, "[node]\ndata_dir = relative/dir\n", err, sizeof err), HLN_ECONFIG);
    assert_int_equal(parse(&c, "[node]\nlog_level = chatty\n", err, sizeof err), HLN_ECONFIG);
    assert_int_equal(hln_config_endpoint_valid("tcp://127.0.0.1:7420"), 1);
    assert_int_equal(hln_config_endpoint_valid("tcp://[::1]:7420"), 1);
    assert_int_equal(hln_config_endpoint_valid("tcp://host name:1"), 0);
    assert_int_equal(hln_config_endpoint_valid(""), 0);
}

static void cross_field_rules_are_checked(void **state)
{
    (void)state;
    hln_config c;
    char err[256];
    assert_int_equal(
        parse(&c, "[net]\nheartbeat_ivl_ms = 5000\nheartbeat_timeout_ms = 5000\n", err, sizeof err),
        HLN_ECONFIG);
    assert_string_equal(err, "t.conf: heartbeat_timeout_ms must be above heartbeat_ivl_ms");
    assert_int_equal(
        parse(&c, "[net]\nreconnect_ivl_ms = 500\nreconnect_ivl_max_ms = 100\n", err, sizeof err),
        HLN_ECONFIG);
}

static void files_are_read_and_missing_files_reported(void **state)
{
    (void)state;
    char path[] = "/tmp/hln-test-config-XXXXXX", err[512];
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    const char *text = "[gossip]\nfanout = 5\n";
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    hln_config c;
    hln_config_defaults(&c);
    assert_int_equal(hln_config_load(&c, path, err, sizeof err), 0);
    assert_int_equal(c.fanout, 5);
    unlink(path);
    assert_int_equal(hln_config_load(&c, path, err, sizeof err), HLN_EIO);
    assert_non_null(strstr(err, path));
    assert_int_equal(hln_config_load(&c, "/", err, sizeof err), HLN_EIO);
    /* A FIFO is refused at once, not waited on (a SIGHUP reload would hang). */
    assert_int_equal(mkfifo(path, 0600), 0);
    assert_int_equal(hln_config_load(&c, path, err, sizeof err), HLN_EIO);
    assert_non_null(strstr(err, "not a regular file"));
    unlink(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(defaults_are_valid),
        cmocka_unit_test(a_full_file_sets_every_section),
        cmocka_unit_test(an_unknown_key_is_refused_with_its_line),
        cmocka_unit_test(a_key_in_the_wrong_section_is_unknown),
        cmocka_unit_test(bad_numbers_are_refused),
        cmocka_unit_test(values_out_of_range_name_the_range),
        cmocka_unit_test(a_duplicate_key_is_refused),
        cmocka_unit_test(syntax_errors_are_refused),
        cmocka_unit_test(long_lines_and_control_characters_are_refused),
        cmocka_unit_test(endpoints_paths_and_levels_are_checked),
        cmocka_unit_test(cross_field_rules_are_checked),
        cmocka_unit_test(files_are_read_and_missing_files_reported),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
