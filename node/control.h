/* control.h - hlnd's local control socket (ipc://DIR/control.sock): the server in hlnd, the client
 * for hlnctl. */
#ifndef HLN_CONTROL_H
#define HLN_CONTROL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct json_object;

/* The protocol: one JSON object per request, {"cmd": "status", ...}, and one
 * JSON object per reply, {"ok": true, ...} or {"ok": false, "error": "text"}.
 * Requests are at most HLN_CONTROL_REQ_MAX bytes and nest at most 8 deep;
 * anything else gets an error reply. Commands: "ping", "status", "peers",
 * "reload" (re-read trust and peers), "appended" (push new local records). */
#define HLN_CONTROL_REQ_MAX 4096
#define HLN_CONTROL_REP_MAX (4u << 20)

typedef struct hln_control hln_control;

/* The server's command handler: `req` is the parsed request (an object with
 * a string "cmd"); add the answer's fields to `reply`. Return 0, or a
 * negative HLN_E* code to send {"ok": false, "error": hln_strerror(rc)}. */
typedef int (*hln_control_fn)(void *ctx, const char *cmd, struct json_object *req,
                              struct json_object *reply);

/* Parse one request body (untrusted: any local client of the socket):
 * at most HLN_CONTROL_REQ_MAX bytes, no NUL, exactly one JSON object nested
 * at most 8 deep, with a string "cmd". On success *req is the object (the
 * caller releases it with json_object_put) and *cmd points into it. On
 * failure HLN_EINVAL and *why says what is wrong. */
int hln_control_parse(const uint8_t *body, size_t len, struct json_object **req,
                      const char **cmd, const char **why);

/* The data directory's lock file: hlnd holds an exclusive flock on
 * DIR/hlnd.lock for its whole life, which is how clients know it runs.
 * hln_control_lock takes it (HLN_EEXIST if another hlnd holds it; *fd set). */
int hln_control_lock(const char *datadir, int *fd);

/* true if an hlnd holds the lock of `datadir`. */
bool hln_control_daemon_running(const char *datadir);

/* Bind the server on ipc://DATADIR/control.sock in ZeroMQ context `zctx` and
 * make the socket file mode 0660. HLN_ETOOBIG if the path is too long for a
 * unix socket, HLN_ENET, HLN_EIO. */
int hln_control_listen(void *zctx, const char *datadir, hln_control_fn fn, void *ctx,
                       hln_control **out);

/* The socket, for zmq_poll (ZMQ_POLLIN). */
void *hln_control_socket(hln_control *c);

/* The reply to one request body (untrusted bytes): parsed by
 * hln_control_parse, "ping" answered here, any other command handed to the
 * server's command handler. Never NULL but when out of memory; the caller
 * releases it with json_object_put. hln_control_process sends it back. */
struct json_object *hln_control_answer(hln_control *c, const uint8_t *body, size_t len);

/* Answer the requests waiting (at most a few per call). */
void hln_control_process(hln_control *c);

/* Close and remove the socket file; *c = NULL. */
void hln_control_close(hln_control **c);

/* Client: send `req` to the hlnd of `datadir` and wait at most `timeout_ms`
 * for the reply. On 0, *reply is a new object (json_object_put it) with "ok"
 * true; a reply with "ok" false gives HLN_EINVAL and its "error" text in
 * `err`. HLN_ESTATE if no hlnd runs on `datadir`, HLN_EAGAIN on timeout,
 * HLN_EDECODE if the reply is not a JSON object, HLN_ENET. */
int hln_control_request(const char *datadir, struct json_object *req, int timeout_ms,
                        struct json_object **reply, char *err, size_t errlen);

/* Convenience: a request that is just {"cmd": CMD}. */
int hln_control_call(const char *datadir, const char *cmd, int timeout_ms,
                     struct json_object **reply, char *err, size_t errlen);

/* Tell the running hlnd that records were appended to the store so that it
 * pushes them at once. 0 also when no hlnd runs (it will announce them when
 * it starts); HLN_EAGAIN if hlnd did not answer in time, HLN_ENET. */
int hln_control_notify_appended(const char *datadir);

/* Ask the running hlnd to re-read its trust anchors and peers (after `trust
 * add`, for example). 0 also when no hlnd runs. */
int hln_control_notify_reload(const char *datadir);

#endif
