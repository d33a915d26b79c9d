/* test_metrics.c - the metrics page (node/metrics.c): Prometheus text for given counters, refusal
 * counting, the atomic textfile writer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crypto/err.h"
#include "node/metrics.h"

static char dir[64];

static int setup(void **state)
{
    (void)state;
    strcpy(dir, "/tmp/hln-test-metrics-XXXXXX");
    return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    return system(cmd);
}

static char *format(const hln_metrics *m)
{
    char *text = NULL;
    size_t len = 0;
    assert_int_equal(hln_metrics_format(m, &text, &len), 0);
    assert_non_null(text);
    assert_int_equal(len, strlen(text));
    return text;
}

/* Does `text` hold `line` as a whole line? */
static bool has_line(const char *text, const char *line)
{
    size_t n = strlen(line);
    for (const char *p = text; (p = strstr(p, line)) != NULL; p++)
        if ((p == text || p[-1] == '\n') && p[n] == '\n')
            return true;
    return false;
}

static void a_stopped_node_shows_only_what_its_store_says(void **state)
{
    (void)state;
    hln_metrics m;
    memset(&m, 0, sizeof m);
    m.feeds = 3;
    m.records = 42;
    m.catch_up = true;
    m.uptime_s = 99; /* not shown: hlnd is not up */
    char *text = format(&m);
    assert_string_equal(
        text,
        "# HELP hln_up Whether hlnd runs on this data directory (1) or not (0).\n"
        "# TYPE hln_up gauge\n"
        "hln_up 0\n"
        "# HELP hln_store_records Records held in the store.\n"
        "# TYPE hln_store_records gauge\n"
        "hln_store_records 42\n"
        "# HELP hln_store_feeds Feeds held in the store.\n"
        "# TYPE hln_store_feeds gauge\n"
        "hln_store_feeds 3\n"
        "# HELP hln_catch_up_pending 1 while a restored store refuses to publish until its own "
        "feeds are caught up.\n"
        "# TYPE hln_catch_up_pending gauge\n"
        "hln_catch_up_pending 1\n");
    free(text);
}

static void a_running_node_shows_its_counters(void **state)
{
    (void)state;
    hln_metrics m;
    memset(&m, 0, sizeof m);
    m.up = true;
    m.uptime_s = 3600;
    m.peers = 4;
    m.peers_up = 3;
    m.behind = 7;
    m.records_received = 1000;
    m.records_duplicate = 12;
    m.forks_detected = 1;
    m.bytes_in = 123456;
    m.bytes_out = 654321;
    m.msgs_in = 50;
    m.msgs_out = 60;
    m.requests_sent = 8;
    m.requests_timed_out = 2;
    m.requests_served = 9;
    char *text = format(&m);
    assert_true(has_line(text, "hln_up 1"));
    assert_true(has_line(text, "hln_uptime_seconds 3600"));
    assert_true(has_line(text, "hln_peers 4"));
    assert_true(has_line(text, "hln_peers_up 3"));
    assert_true(has_line(text, "hln_records_behind 7"));
    assert_true(has_line(text, "# TYPE hln_records_received_total counter"));
    assert_true(has_line(text, "hln_records_received_total 1000"));
    assert_true(has_line(text, "hln_records_duplicate_total 12"));
    assert_true(has_line(text, "hln_forks_detected_total 1"));
    assert_true(has_line(text, "hln_sync_received_bytes_total 123456"));
    assert_true(has_line(text, "hln_sync_sent_bytes_total 654321"));
    assert_true(has_line(text, "hln_sync_received_messages_total 50"));
    assert_true(has_line(text, "hln_sync_sent_messages_total 60"));
    assert_true(has_line(text, "hln_sync_requests_sent_total 8"));
    assert_true(has_line(text, "hln_sync_requests_timed_out_total 2"));
    assert_true(has_line(text, "hln_sync_requests_served_total 9"));
    free(text);
}

static void every_metric_has_help_and_type_first(void **state)
{
    (void)state;
    hln_metrics m;
    memset(&m, 0, sizeof m);
    m.up = true;
    char *text = format(&m);
    /* Each sample's metric name was announced by the # HELP and # TYPE
     * lines just before its first sample. */
    char announced[64] = "";
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
        char name[64];
        if (sscanf(line, "# HELP %63s", name) == 1) {
            snprintf(announced, sizeof announced, "%s", name);
            continue;
        }
        if (sscanf(line, "# TYPE %63s", name) == 1) {
            assert_string_equal(name, announced);
            continue;
        }
        size_t n = strcspn(line, "{ ");
        assert_true(n == strlen(announced) && strncmp(line, announced, n) == 0);
    }
    free(text);
}

static void the_usual_refusal_reasons_are_shown_before_the_first(void **state)
{
    (void)state;
    hln_metrics m;
    memset(&m, 0, sizeof m);
    m.up = true;
    char *text = format(&m);
    /* So that a dashboard's series exist from the start. */
    assert_true(has_line(text, "# TYPE hln_refusals_total counter"));
    assert_true(has_line(text, "hln_refusals_total{reason=\"malformed\"} 0"));
    assert_true(has_line(text, "hln_refusals_total{reason=\"bad-signature\"} 0"));
    assert_true(has_line(text, "hln_refusals_total{reason=\"untrusted\"} 0"));
    assert_true(has_line(text, "hln_refusals_total{reason=\"policy\"} 0"));
    assert_true(has_line(text, "hln_refusals_total{reason=\"unwanted\"} 0"));
    assert_true(has_line(text, "hln_refusals_total{reason=\"time-backwards\"} 0"));
    /* A reason never counted and not among the usual ones is absent. */
    assert_null(strstr(text, "reason=\"bad-chain\""));
    free(text);
}

static void a_counted_refusal_appears_under_its_reason(void **state)
{
    (void)state;
    hln_metrics m;
    memset(&m, 0, sizeof m);
    m.up = true;
    hln_metrics_refusal(m.refusals, HLN_ECHAIN);
    hln_metrics_refusal(m.refusals, HLN_ECHAIN);
    hln_metrics_refusal(m.refusals, HLN_ESIG);
    m.records_unwanted = 5;
    char *text = format(&m);
    assert_true(has_line(text, "hln_refusals_total{reason=\"bad-chain\"} 2"));
    assert_true(has_line(text, "hln_refusals_total{reason=\"bad-signature\"} 1"));
    assert_true(has_line(text, "hln_refusals_total{reason=\"unwanted\"} 5"));
    free(text);
}

static void refusals_are_counted_by_error_code(void **state)
{
    (void)state;
    uint64_t r[HLN_METRICS_REASONS];
    memset(r, 0, sizeof r);
    hln_metrics_refusal(r, HLN_EDECODE);
    hln_metrics_refusal(r, HLN_EDECODE);
    hln_metrics_refusal(r, HLN_ETRUST);
    assert_int_equal(r[-HLN_EDECODE], 2);
    assert_int_equal(r[-HLN_ETRUST], 1);
}

static void codes_that_are_not_refusals_are_not_counted(void **state)
{
    (void)state;
    uint64_t r[HLN_METRICS_REASONS];
    memset(r, 0, sizeof r);
    hln_metrics_refusal(r, 0);
    hln_metrics_refusal(r, 5);
    hln_metrics_refusal(r, -HLN_METRICS_REASONS);
    hln_metrics_refusal(r, -1000);
    for (int i = 0; i < HLN_METRICS_REASONS; i++)
        assert_int_equal(r[i], 0);
}

static size_t entries_in(const char *d)
{
    DIR *dp = opendir(d);
    assert_non_null(dp);
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(dp)) != NULL)
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
            n++;
    closedir(dp);
    return n;
}

static void the_textfile_is_replaced_whole_and_world_readable(void **state)
{
    (void)state;
    char path[128];
    snprintf(path, sizeof path, "%s/hln.prom", dir);
    mode_t old = umask(077); /* as hlnd runs */
    assert_int_equal(hln_metrics_write_file(path, "hln_up 1\n", 9), 0);
    assert_int_equal(hln_metrics_write_file(path, "hln_up 0\n", 9), 0);
    umask(old);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    char buf[64] = "";
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    assert_string_equal(buf, "hln_up 0\n");
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0644); /* node_exporter is another user */
    assert_int_equal(entries_in(dir), 1);       /* no temporary file left behind */
}

static void a_textfile_in_a_missing_directory_fails_and_leaves_nothing(void **state)
{
    (void)state;
    char path[128];
    snprintf(path, sizeof path, "%s/absent/hln.prom", dir);
    assert_int_equal(hln_metrics_write_file(path, "x\n", 2), HLN_EIO);
    assert_int_equal(errno, ENOENT); /* errno is kept for the log */
    assert_int_equal(entries_in(dir), 0);
}

static void a_textfile_path_too_long_is_refused(void **state)
{
    (void)state;
    char *path = malloc(8192);
    assert_non_null(path);
    memset(path, 'a', 8191);
    path[0] = '/';
    path[8191] = '\0';
    assert_int_equal(hln_metrics_write_file(path, "x\n", 2), HLN_ETOOBIG);
    free(path);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_stopped_node_shows_only_what_its_store_says),
        cmocka_unit_test(a_running_node_shows_its_counters),
        cmocka_unit_test(every_metric_has_help_and_type_first),
        cmocka_unit_test(the_usual_refusal_reasons_are_shown_before_the_first),
        cmocka_unit_test(a_counted_refusal_appears_under_its_reason),
        cmocka_unit_test(refusals_are_counted_by_error_code),
        cmocka_unit_test(codes_that_are_not_refusals_are_not_counted),
        T(the_textfile_is_replaced_whole_and_world_readable),
        T(a_textfile_in_a_missing_directory_fails_and_leaves_nothing),
        T(a_textfile_path_too_long_is_refused),
    };
    return cmocka_run_group_tests_name("metrics", tests, NULL, NULL);
}
