/* test_control.c - the control socket: the lock that says hlnd runs, request and reply, refusals of
 * malformed requests. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <json-c/json.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zmq.h>

#include "crypto/err.h"
#include "node/control.h"

static char dir[64];

static int setup(void **state)
{
    (void)state;
    strcpy(dir, "/tmp/hln-test-control-XXXXXX");
    return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    return system(cmd);
}

/* A server in a thread, as hlnd's main loop would run it. */
typedef struct {
    void *zctx;
    hln_control *ctl;
    atomic_int stop;
    int calls;
} server;

static int handler(void *ctx, const char *cmd, json_object *req, json_object *reply)
{
    server *s = ctx;
    s->calls++;
    if (strcmp(cmd, "echo") == 0) {
        json_object *v;
        if (!json_object_object_get_ex(req, "text", &v))
            return HLN_EINVAL;
        json_object_object_add(reply, "text", json_object_get(v));
        return 0;
    }
    if (strcmp(cmd, "busy") == 0)
        return HLN_EAGAIN;
    return HLN_EINVAL;
}

static void *serve(void *arg)
{
    server *s = arg;
    while (!atomic_load(&s->stop)) {
        zmq_pollitem_t it = {.socket = hln_control_socket(s->ctl), .events = ZMQ_POLLIN};
        if (zmq_poll(&it, 1, 20) > 0)
            hln_control_process(s->ctl);
    }
    return NULL;
}

static void start(server *s, pthread_t *th)
{
    memset(s, 0, sizeof *s);
    s->zctx = zmq_ctx_new();
    assert_int_equal(hln_control_listen(s->zctx, dir, handler, s, &s->ctl), 0);
    assert_int_equal(pthread_create(th, NULL, serve, s), 0);
}

static void finish(server *s, pthread_t th)
{
    atomic_store(&s->stop, 1);
    pthread_join(th, NULL);
    hln_control_close(&s->ctl);
    assert_null(s->ctl);
    zmq_ctx_term(s->zctx);
}

/* Every malformed request is refused with a reason, and nothing leaks. */
static void requests_are_parsed_strictly(void **state)
{
    (void)state;
    static const char *bad[] = {
        "", "[1]", "{\"cmd\":1}", "{\"nocmd\":\"x\"}", "{\"cmd\":\"ping\"} x",
        "{\"cmd\":\"ping\"", "{\"cmd\":\"x\",\"a\":[[[[[[[[[[1]]]]]]]]]]}",
    };
    json_object *req = NULL;
    const char *cmd = NULL, *why = NULL;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(hln_control_parse((const uint8_t *)bad[i], strlen(bad[i]), &req, &cmd,
                                           &why),
                         HLN_EINVAL);
        assert_null(req);
        assert_non_null(why);
    }
    /* A NUL inside, and an oversize body. */
    assert_int_equal(hln_control_parse((const uint8_t *)"{\"cmd\":\"p\0\"}", 12, &req, &cmd, &why),
                     HLN_EINVAL);
    char *big = malloc(HLN_CONTROL_REQ_MAX + 2);
    assert_non_null(big);
    memset(big, ' ', HLN_CONTROL_REQ_MAX + 1);
    memcpy(big, "{\"cmd\":\"ping\"}", 14);
    assert_int_equal(hln_control_parse((const uint8_t *)big, HLN_CONTROL_REQ_MAX + 1, &req, &cmd,
                                       &why),
                     HLN_EINVAL);
    free(big);
    const char *good = "{\"cmd\":\"status\",\"x\":[1,2]}";
    assert_int_equal(hln_control_parse((const uint8_t *)good, strlen(good), &req, &cmd, &why), 0);
    assert_string_equal(cmd, "status");
    json_object_put(req);
}

static void the_lock_says_whether_hlnd_runs(void **state)
{
    (void)state;
    int fd = -1, fd2 = -1;
    assert_false(hln_control_daemon_running(dir));
    assert_int_equal(hln_control_lock(dir, &fd), 0);
    assert_true(fd >= 0);
    assert_true(hln_control_daemon_running(dir));
    /* A second hlnd on the same directory is refused. */
    assert_int_equal(hln_control_lock(dir, &fd2), HLN_EEXIST);
    assert_int_equal(fd2, -1);
    close(fd);
    assert_false(hln_control_daemon_running(dir));
}

static void a_request_without_hlnd_says_not_running(void **state)
{
    (void)state;
    json_object *rep = NULL;
    char err[128];
    assert_int_equal(hln_control_call(dir, "ping", 500, &rep, err, sizeof err), HLN_ESTATE);
    assert_null(rep);
    assert_string_equal(err, "hlnd is not running");
}

static void requests_get_replies_from_the_handler(void **state)
{
    (void)state;
    int fd;
    assert_int_equal(hln_control_lock(dir, &fd), 0);
    server s;
    pthread_t th;
    start(&s, &th);
    char path[128];
    struct stat st;
    snprintf(path, sizeof path, "%s/control.sock", dir);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0660);

    json_object *rep = NULL;
    char err[128];
    assert_int_equal(hln_control_call(dir, "ping", 2000, &rep, err, sizeof err), 0);
    json_object_put(rep);

    json_object *req = json_object_new_object();
    json_object_object_add(req, "cmd", json_object_new_string("echo"));
    json_object_object_add(req, "text", json_object_new_string("hello"));
    assert_int_equal(hln_control_request(dir, req, 2000, &rep, err, sizeof err), 0);
    json_object *v;
    assert_true(json_object_object_get_ex(rep, "text", &v));
    assert_string_equal(json_object_get_string(v), "hello");
    json_object_put(rep);
    json_object_put(req);

    /* The handler's error code comes back as the error text. */
    assert_int_equal(hln_control_call(dir, "busy", 2000, &rep, err, sizeof err), HLN_EINVAL);
    assert_string_equal(err, hln_strerror(HLN_EAGAIN));
    assert_int_equal(hln_control_call(dir, "nope", 2000, &rep, err, sizeof err), HLN_EINVAL);
    assert_null(rep);
    finish(&s, th);
    assert_int_not_equal(stat(path, &st), 0); /* the socket file is removed */
    close(fd);
}

/* A raw REQ client: what a hostile local user could send. */
static char *raw(const char *body, size_t len)
{
    char ep[128];
    snprintf(ep, sizeof ep, "ipc://%s/control.sock", dir);
    void *z = zmq_ctx_new(), *s = zmq_socket(z, ZMQ_REQ);
    int linger = 0, tmo = 2000;
    zmq_setsockopt(s, ZMQ_LINGER, &linger, sizeof linger);
    zmq_setsockopt(s, ZMQ_RCVTIMEO, &tmo, sizeof tmo);
    zmq_connect(s, ep);
    zmq_send(s, body, len, 0);
    char *buf = calloc(1, 4096);
    int n = zmq_recv(s, buf, 4095, 0);
    zmq_close(s);
    zmq_ctx_term(z);
    if (n < 0) {
        free(buf);
        return NULL;
    }
    return buf;
}

static void malformed_requests_get_an_error_reply(void **state)
{
    (void)state;
    int fd;
    assert_int_equal(hln_control_lock(dir, &fd), 0);
    server s;
    pthread_t th;
    start(&s, &th);
    static const char *bad[] = {
        "", "nope", "[1]", "{\"cmd\":1}", "{\"cmd\":\"echo\"} x", "{\"cmd\":\"ec", "{}", "null"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char *rep = raw(bad[i], strlen(bad[i]));
        assert_non_null(rep);
        assert_non_null(strstr(rep, "\"ok\":false"));
        free(rep);
    }
    /* Nesting past the depth limit. */
    char deep[400];
    for (int i = 0; i < 200; i++)
        deep[i] = '[', deep[200 + i] = ']';
    char *rep = raw(deep, sizeof deep);
    assert_non_null(rep);
    assert_non_null(strstr(rep, "\"ok\":false"));
    free(rep);
    /* Over the size limit: the connection is dropped, no reply. */
    char *big = malloc(HLN_CONTROL_REQ_MAX + 100);
    memset(big, ' ', HLN_CONTROL_REQ_MAX + 100);
    assert_null(raw(big, HLN_CONTROL_REQ_MAX + 100));
    free(big);
    /* Malformed requests never reached the handler. */
    assert_int_equal(s.calls, 0);
    /* And the server still answers. */
    json_object *r = NULL;
    assert_int_equal(hln_control_call(dir, "ping", 2000, &r, NULL, 0), 0);
    json_object_put(r);
    finish(&s, th);
    close(fd);
}

/* One request answered in process, as hlnd's fuzzers drive it: "ping" is
 * answered without the handler, a malformed body gets the parser's reason,
 * and the handler's code becomes the error text. */
static void one_request_is_answered_in_process(void **state)
{
    (void)state;
    server s;
    memset(&s, 0, sizeof s);
    s.zctx = zmq_ctx_new();
    assert_int_equal(hln_control_listen(s.zctx, dir, handler, &s, &s.ctl), 0);
    static const struct {
        const char *body, *want;
    } cases[] = {
        {"{\"cmd\":\"ping\"}", "{\"ok\":true}"},
        {"{\"cmd\":\"echo\",\"text\":\"hi\"}", "{\"text\":\"hi\",\"ok\":true}"},
        {"{\"cmd\":\"busy\"}", NULL},
        {"[1]", "{\"ok\":false,\"error\":\"request is not a JSON object\"}"},
        {"{}", "{\"ok\":false,\"error\":\"request has no \\\"cmd\\\" string\"}"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        json_object *r =
            hln_control_answer(s.ctl, (const uint8_t *)cases[i].body, strlen(cases[i].body));
        assert_non_null(r);
        const char *txt = json_object_to_json_string_ext(r, JSON_C_TO_STRING_PLAIN);
        if (cases[i].want)
            assert_string_equal(txt, cases[i].want);
        else {
            json_object *e;
            assert_true(json_object_object_get_ex(r, "error", &e));
            assert_string_equal(json_object_get_string(e), hln_strerror(HLN_EAGAIN));
        }
        json_object_put(r);
    }
    assert_int_equal(s.calls, 2); /* echo and busy; ping and the malformed ones never */
    hln_control_close(&s.ctl);
    zmq_ctx_term(s.zctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(requests_are_parsed_strictly),
        cmocka_unit_test(the_lock_says_whether_hlnd_runs),
        cmocka_unit_test(a_request_without_hlnd_says_not_running),
        cmocka_unit_test(requests_get_replies_from_the_handler),
        cmocka_unit_test(malformed_requests_get_an_error_reply),
        cmocka_unit_test(one_request_is_answered_in_process),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
