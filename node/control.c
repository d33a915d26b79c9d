/* control.c - the control socket: JSON requests over ZeroMQ ipc, a lock file that says hlnd runs.
 */
#include "node/control.h"

#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include <zmq.h>

#include "crypto/err.h"

#define SOCK_NAME "control.sock"
#define LOCK_NAME "hlnd.lock"
#define JSON_DEPTH 8

struct hln_control {
    void *sock;
    char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
    hln_control_fn fn;
    void *ctx;
};

static int sock_path(const char *datadir, char *out, size_t cap)
{
    int n = snprintf(out, cap, "%s/" SOCK_NAME, datadir);
    return n < 0 || (size_t)n >= cap ? HLN_ETOOBIG : 0;
}

int hln_control_lock(const char *datadir, int *fdp)
{
    char path[4096];
    *fdp = -1;
    if (snprintf(path, sizeof path, "%s/" LOCK_NAME, datadir) >= (int)sizeof path)
        return HLN_ETOOBIG;
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0640);
    if (fd < 0)
        return HLN_EIO;
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        int e = errno;
        close(fd);
        return e == EWOULDBLOCK ? HLN_EEXIST : HLN_EIO;
    }
    /* Group members who may administer the node may also see that it runs
     * (the daemon's umask would make the file 0600). */
    (void)fchmod(fd, 0640);
    char pid[32];
    int n = snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
    if (ftruncate(fd, 0) != 0 || write(fd, pid, (size_t)n) != n) {
        close(fd);
        return HLN_EIO;
    }
    *fdp = fd;
    return 0;
}

bool hln_control_daemon_running(const char *datadir)
{
    char path[4096];
    if (snprintf(path, sizeof path, "%s/" LOCK_NAME, datadir) >= (int)sizeof path)
        return false;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) {
        /* Not allowed to read the lock: fall back on the socket's presence. */
        struct stat st;
        char sp[4096];
        return errno == EACCES && sock_path(datadir, sp, sizeof sp) == 0 && stat(sp, &st) == 0;
    }
    bool running = false;
    if (flock(fd, LOCK_SH | LOCK_NB) != 0)
        running = errno == EWOULDBLOCK;
    else
        flock(fd, LOCK_UN);
    close(fd);
    return running;
}

int hln_control_listen(void *zctx, const char *datadir, hln_control_fn fn, void *ctx,
                       hln_control **out)
{
    int rc;
    *out = NULL;
    hln_control *c = calloc(1, sizeof *c);
    if (!c)
        return HLN_ENOMEM;
    c->fn = fn;
    c->ctx = ctx;
    if ((rc = sock_path(datadir, c->path, sizeof c->path)) != 0)
        goto fail;
    char ep[sizeof c->path + 8];
    snprintf(ep, sizeof ep, "ipc://%s", c->path);
    c->sock = zmq_socket(zctx, ZMQ_ROUTER);
    int64_t maxmsg = HLN_CONTROL_REQ_MAX;
    int linger = 0, hwm = 100;
    if (!c->sock || zmq_setsockopt(c->sock, ZMQ_MAXMSGSIZE, &maxmsg, sizeof maxmsg) != 0 ||
        zmq_setsockopt(c->sock, ZMQ_LINGER, &linger, sizeof linger) != 0 ||
        zmq_setsockopt(c->sock, ZMQ_SNDHWM, &hwm, sizeof hwm) != 0 ||
        zmq_setsockopt(c->sock, ZMQ_RCVHWM, &hwm, sizeof hwm) != 0) {
        rc = HLN_ENET;
        goto fail;
    }
    /* We hold the data directory's lock, so a socket file left here is from
     * a dead hlnd; libzmq replaces it on bind. */
    if (zmq_bind(c->sock, ep) != 0) {
        rc = HLN_ENET;
        goto fail;
    }
    /* The file's mode decides who administers the node: owner and group. */
    if (chmod(c->path, 0660) != 0) {
        rc = HLN_EIO;
        goto fail;
    }
    *out = c;
    return 0;
fail:
    hln_control_close(&c);
    return rc;
}

void *hln_control_socket(hln_control *c)
{
    return c->sock;
}

static json_object *parse_object(const char *buf, size_t len)
{
    json_tokener *tok = json_tokener_new_ex(JSON_DEPTH);
    if (!tok)
        return NULL;
    json_object *o = json_tokener_parse_ex(tok, buf, (int)len);
    /* The whole input must be one complete object, nothing after it. */
    if (o &&
        (json_tokener_get_error(tok) != json_tokener_success ||
         json_tokener_get_parse_end(tok) != len || !json_object_is_type(o, json_type_object))) {
        json_object_put(o);
        o = NULL;
    }
    json_tokener_free(tok);
    return o;
}

int hln_control_parse(const uint8_t *body, size_t len, json_object **req, const char **cmd,
                      const char **why)
{
    json_object *cmdv = NULL;
    *req = NULL;
    *cmd = NULL;
    *why = "request is not a JSON object";
    if (!body || len == 0 || len > HLN_CONTROL_REQ_MAX || memchr(body, '\0', len))
        return HLN_EINVAL;
    json_object *o = parse_object((const char *)body, len);
    if (!o)
        return HLN_EINVAL;
    if (!json_object_object_get_ex(o, "cmd", &cmdv) ||
        !json_object_is_type(cmdv, json_type_string)) {
        *why = "request has no \"cmd\" string";
        json_object_put(o);
        return HLN_EINVAL;
    }
    *why = NULL;
    *req = o;
    *cmd = json_object_get_string(cmdv);
    return 0;
}

json_object *hln_control_answer(hln_control *c, const uint8_t *body, size_t len)
{
    json_object *reply = json_object_new_object();
    json_object *req = NULL;
    const char *why = NULL, *cmd = NULL;
    int rc = hln_control_parse(body, len, &req, &cmd, &why);
    if (rc != 0)
        goto done;
    if (strcmp(cmd, "ping") == 0) {
        rc = 0;
        goto done;
    }
    why = NULL;
    rc = c->fn(c->ctx, cmd, req, reply);
done:
    json_object_object_add(reply, "ok", json_object_new_boolean(rc == 0));
    if (rc != 0)
        json_object_object_add(reply, "error",
                               json_object_new_string(why ? why : hln_strerror(rc)));
    json_object_put(req);
    return reply;
}

void hln_control_process(hln_control *c)
{
    for (int k = 0; k < 8; k++) {
        zmq_msg_t f[3];
        int nf = 0;
        bool more = true, extra = false;
        while (more) {
            zmq_msg_t m;
            zmq_msg_init(&m);
            if (zmq_msg_recv(&m, c->sock, ZMQ_DONTWAIT) < 0) {
                zmq_msg_close(&m);
                break;
            }
            more = zmq_msg_more(&m);
            if (nf < 3)
                f[nf++] = m;
            else {
                extra = true;
                zmq_msg_close(&m);
            }
        }
        if (nf == 0)
            return;
        /* A REQ client sends [route][empty][body]; anything else is dropped
         * without an answer since no REQ socket would be waiting for one. */
        if (nf == 3 && !extra && zmq_msg_size(&f[1]) == 0) {
            json_object *reply = hln_control_answer(c, zmq_msg_data(&f[2]), zmq_msg_size(&f[2]));
            size_t rlen = 0;
            const char *txt =
                json_object_to_json_string_length(reply, JSON_C_TO_STRING_PLAIN, &rlen);
            if (zmq_send(c->sock, zmq_msg_data(&f[0]), zmq_msg_size(&f[0]),
                         ZMQ_SNDMORE | ZMQ_DONTWAIT) >= 0) {
                zmq_send(c->sock, "", 0, ZMQ_SNDMORE | ZMQ_DONTWAIT);
                zmq_send(c->sock, txt, rlen, ZMQ_DONTWAIT);
            }
            json_object_put(reply);
        }
        for (int i = 0; i < nf; i++)
            zmq_msg_close(&f[i]);
    }
}

void hln_control_close(hln_control **cp)
{
    hln_control *c = *cp;
    if (!c)
        return;
    if (c->sock) {
        zmq_close(c->sock);
        if (c->path[0])
            unlink(c->path);
    }
    free(c);
    *cp = NULL;
}

int hln_control_request(const char *datadir, json_object *req, int timeout_ms, json_object **reply,
                        char *err, size_t errlen)
{
    int rc;
    void *zctx = NULL, *s = NULL;
    char path[sizeof(((struct sockaddr_un *)0)->sun_path)], ep[sizeof path + 8];
    *reply = NULL;
    if (err && errlen)
        err[0] = '\0';
    if (sock_path(datadir, path, sizeof path) != 0) {
        rc = HLN_ETOOBIG;
        goto out;
    }
    if (!hln_control_daemon_running(datadir)) {
        rc = HLN_ESTATE;
        goto out;
    }
    /* libzmq connects in the background and would only time out on a
     * socket we may not open ("resource busy"): say what it is. */
    if (faccessat(AT_FDCWD, path, W_OK, AT_EACCESS) != 0 && (errno == EACCES || errno == EPERM)) {
        rc = HLN_EPERM;
        if (err && errlen)
            snprintf(err, errlen, "permission denied: %s may be opened only by the node's user and group",
                     path);
        goto out;
    }
    snprintf(ep, sizeof ep, "ipc://%s", path);
    size_t len = 0;
    const char *txt = json_object_to_json_string_length(req, JSON_C_TO_STRING_PLAIN, &len);
    if (len > HLN_CONTROL_REQ_MAX) {
        rc = HLN_ETOOBIG;
        goto out;
    }
    zctx = zmq_ctx_new();
    s = zctx ? zmq_socket(zctx, ZMQ_REQ) : NULL;
    int linger = 0;
    int64_t maxmsg = HLN_CONTROL_REP_MAX;
    if (!s || zmq_setsockopt(s, ZMQ_LINGER, &linger, sizeof linger) != 0 ||
        zmq_setsockopt(s, ZMQ_RCVTIMEO, &timeout_ms, sizeof timeout_ms) != 0 ||
        zmq_setsockopt(s, ZMQ_SNDTIMEO, &timeout_ms, sizeof timeout_ms) != 0 ||
        zmq_setsockopt(s, ZMQ_MAXMSGSIZE, &maxmsg, sizeof maxmsg) != 0 || zmq_connect(s, ep) != 0) {
        rc = HLN_ENET;
        goto out;
    }
    if (zmq_send(s, txt, len, 0) < 0) {
        rc = zmq_errno() == EAGAIN ? HLN_EAGAIN : HLN_ENET;
        goto out;
    }
    zmq_msg_t m;
    zmq_msg_init(&m);
    if (zmq_msg_recv(&m, s, 0) < 0) {
        zmq_msg_close(&m);
        rc = zmq_errno() == EAGAIN ? HLN_EAGAIN : HLN_ENET;
        goto out;
    }
    json_object *o = parse_object(zmq_msg_data(&m), zmq_msg_size(&m));
    zmq_msg_close(&m);
    if (!o) {
        rc = HLN_EDECODE;
        goto out;
    }
    json_object *okv = NULL, *errv = NULL;
    if (!json_object_object_get_ex(o, "ok", &okv) || !json_object_get_boolean(okv)) {
        if (err && json_object_object_get_ex(o, "error", &errv))
            snprintf(err, errlen, "%s", json_object_get_string(errv));
        json_object_put(o);
        rc = HLN_EINVAL;
        goto out;
    }
    *reply = o;
    rc = 0;
out:
    if (s)
        zmq_close(s);
    if (zctx)
        zmq_ctx_term(zctx);
    if (rc != 0 && err && errlen && !err[0])
        snprintf(err, errlen, "%s", rc == HLN_ESTATE ? "hlnd is not running" : hln_strerror(rc));
    return rc;
}

int hln_control_call(const char *datadir, const char *cmd, int timeout_ms, json_object **reply,
                     char *err, size_t errlen)
{
    json_object *req = json_object_new_object();
    if (!req)
        return HLN_ENOMEM;
    json_object_object_add(req, "cmd", json_object_new_string(cmd));
    int rc = hln_control_request(datadir, req, timeout_ms, reply, err, errlen);
    json_object_put(req);
    return rc;
}

/* How long a command waits for hlnd to answer a notification. */
#define NOTIFY_TIMEOUT_MS 3000

int hln_control_notify_appended(const char *datadir)
{
    json_object *rep = NULL;
    int rc = hln_control_call(datadir, "appended", NOTIFY_TIMEOUT_MS, &rep, NULL, 0);
    json_object_put(rep);
    return rc == HLN_ESTATE ? 0 : rc;
}

int hln_control_notify_reload(const char *datadir)
{
    json_object *rep = NULL;
    int rc = hln_control_call(datadir, "reload", NOTIFY_TIMEOUT_MS, &rep, NULL, 0);
    json_object_put(rep);
    return rc == HLN_ESTATE ? 0 : rc;
}
