/* transport.c - ZeroMQ under CURVE: the ROUTER server, a DEALER per outgoing peer, the ZAP handler
 * in the loop. */
#include "node/hlnd/transport.h"

#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include "crypto/err.h"
#include "node/hlnd/log.h"
#include "node/util.h"

#define ZAP_ENDPOINT "inproc://zeromq.zap.01"
#define ZAP_DOMAIN "hln"
#define ROUTE_MAX 256       /* ZeroMQ routing ids are at most 255 bytes */
#define PER_SOCKET_BURST 64 /* messages delivered from one peer before the next gets a turn */
#define READ_BURST 1024     /* messages moved from one socket into inboxes per call */
/* What one peer can make us hold, read but not yet handled. The protocol
 * keeps an honest peer far below this (requests_per_peer answers of at most
 * 64 records, a push window of 64); past it the connection is shed. */
#define INBOX_MSGS 65536
#define INMSG_COST 128 /* bytes charged per message beyond its payload: the queue entry */
#define INBOX_MIN_BYTES (8u << 20)
/* Session flaps: up to FLAP_BURST sessions, then one per FLAP_REFILL_MS;
 * beyond that the peer is held off for FLAP_HOLD_MS. */
#define FLAP_BURST 8
#define FLAP_REFILL_MS 5000
#define FLAP_HOLD_MS 30000
/* Unauthenticated connections (accepted, no message yet): at most this
 * many; and new ones are refused while fds run low (half the limit), so
 * the control socket and the store always find a descriptor. */
#define PENDING_MAX 256
#define FD_TARGET 65536

/* A message read from a socket, waiting for its turn. */
typedef struct inmsg {
    struct inmsg *next;
    zmq_msg_t body;
} inmsg;

typedef struct {
    uint8_t id[HLN_KEY_LEN];
    char short_id[HLN_ID_SHORT_LEN + 1];
    char endpoint[128]; /* "" : inbound only */
    char server_z85[41];
    void *dealer, *mon;
    bool out_up, in_up, reported_up;
    uint64_t redial_at_ms; /* after a refused handshake: libzmq does not retry those */
    uint32_t redial_backoff_ms;
    uint8_t route[ROUTE_MAX];
    size_t route_len;
    /* The inbound connection's socket (ZMQ_SRCFD) and its remote address,
     * to close it when the peer stops being admitted: a ROUTER cannot
     * drop one connection, and ZeroMQ heartbeats would keep it alive. */
    int in_fd;
    struct sockaddr_storage in_addr;
    socklen_t in_addr_len;
    hln_peer_stats st;
    hln_util_bucket rl;
    /* Read but not yet delivered (hln_transport_process), bounded. */
    inmsg *in_head, *in_tail;
    size_t in_n, in_bytes;
    /* The route of an inbound connection found gone: what it still had
     * queued is dropped, not delivered as a new session each time. */
    uint8_t dead_route[ROUTE_MAX];
    size_t dead_route_len;
    hln_util_bucket flap, uplog;
} peer;

struct hln_transport {
    void *zctx, *zap, *router;
    char pub_z85[41];
    char *sec_z85; /* sodium-style secret: wiped on destroy */
    hln_transport_opts o;
    hln_transport_cb cb;
    void *cbctx;
    char endpoint[256];
    hln_admitted *admitted;
    size_t n_admitted;
    peer **peers;
    size_t n_peers, cap_peers;
    unsigned mon_seq;
    hln_util_bucket zap_rl;
    size_t inbox_total; /* messages in all inboxes */
    size_t rr;          /* the peer whose inbox is served first next time */
    /* The server's connection monitor: unauthenticated connections. */
    void *rmon;
    int *pending;
    size_t n_pending, cap_pending;
    rlim_t nofile;
    bool paused;           /* the listener is unbound: fds run low */
    uint64_t resume_at_ms; /* when to try binding again */
    hln_util_bucket conn_rl;
    uint64_t conns_refused, inbox_shed, oversize;
    /* Which poll item belongs to what, as filled by hln_transport_pollitems. */
    size_t n_items;
    struct {
        int kind; /* 0 zap, 1 router, 2 dealer, 3 monitor, 4 server monitor */
        peer *p;
    } item_of[1024];
};

/* The one place ZeroMQ's errno becomes an hln code. */
static int zerr(void)
{
    switch (zmq_errno()) {
    case EAGAIN:
        return HLN_EAGAIN;
    case EHOSTUNREACH:
        return HLN_ENOTFOUND;
    case ENOMEM:
        return HLN_ENOMEM;
    case EINVAL:
        return HLN_EINVAL;
    case EMSGSIZE:
        return HLN_ETOOBIG;
    default:
        return HLN_ENET;
    }
}

static peer *find_peer(const hln_transport *t, const uint8_t id[HLN_KEY_LEN])
{
    for (size_t i = 0; i < t->n_peers; i++)
        if (memcmp(t->peers[i]->id, id, HLN_KEY_LEN) == 0)
            return t->peers[i];
    return NULL;
}

static peer *get_peer(hln_transport *t, const uint8_t id[HLN_KEY_LEN])
{
    peer *p = find_peer(t, id);
    if (p)
        return p;
    if (hln_util_grow((void **)&t->peers, &t->cap_peers, t->n_peers + 1, sizeof *t->peers))
        return NULL;
    p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    memcpy(p->id, id, HLN_KEY_LEN);
    hln_id_short(id, p->short_id);
    p->in_fd = -1;
    t->peers[t->n_peers++] = p;
    return p;
}

static const hln_admitted *find_admitted_curve(const hln_transport *t, const uint8_t curve[32])
{
    for (size_t i = 0; i < t->n_admitted; i++)
        if (memcmp(t->admitted[i].curve, curve, 32) == 0)
            return &t->admitted[i];
    return NULL;
}

static bool is_admitted(const hln_transport *t, const uint8_t id[HLN_KEY_LEN])
{
    for (size_t i = 0; i < t->n_admitted; i++)
        if (memcmp(t->admitted[i].id, id, HLN_KEY_LEN) == 0)
            return true;
    return false;
}

/* End the peer's inbound connection: shutdown(2) on the socket libzmq
 * reads it from makes libzmq close it (and the peer see a disconnect, so
 * its next attempt meets the ZAP handler again). The fd is checked to be
 * the same connection still (same remote address), never closed here. */
static void close_inbound(peer *p)
{
    if (p->in_fd < 0)
        return;
    struct sockaddr_storage now;
    socklen_t len = sizeof now;
    if (getpeername(p->in_fd, (struct sockaddr *)&now, &len) == 0 && len == p->in_addr_len &&
        memcmp(&now, &p->in_addr, len) == 0) {
        shutdown(p->in_fd, SHUT_RDWR);
        hlnd_log(6, "net", "event=inbound-closed peer=%s", p->short_id);
    }
    p->in_fd = -1;
}

/* Settings every socket gets: bounded messages, heartbeats, bounded linger.
 *
 * ZMQ_RCVHWM is 0 (no limit) on purpose. With a limit, libzmq 4.3.4 (and
 * its master as of 2024) stops reading a connection whose queue is full;
 * if the peer then resets the connection, the engine marks an I/O error
 * and unregisters the fd, but its heartbeat timer still fires and calls
 * out_event(), which asserts !_io_error (stream_engine_base.cpp:331) and
 * aborts the process; a PING decoded from the bytes left in its buffer
 * does the same. A queue without a limit never stops reading, so that
 * path is never taken. What a peer can make us hold is bounded instead by
 * reading every socket eagerly into a per-peer inbox with a byte and
 * message cap (INBOX_*): a peer past it is shed.
 *
 * ZMQ_MAXMSGSIZE is a hard cap above max_message, so that a message a
 * little too big is read, logged and counted here (libzmq would drop the
 * connection without a word); one beyond four times max_message is still
 * dropped by libzmq with its connection. */
static int common_opts(hln_transport *t, void *s)
{
    int64_t maxmsg = (int64_t)t->o.max_message * 4;
    int hb = (int)t->o.heartbeat_ivl_ms, hbt = (int)t->o.heartbeat_timeout_ms;
    int ttl = (int)t->o.heartbeat_ttl_ms, hs = (int)t->o.handshake_ms;
    int linger = (int)t->o.linger_ms, hwm = (int)t->o.sndhwm, rcvhwm = 0;
    if (zmq_setsockopt(s, ZMQ_MAXMSGSIZE, &maxmsg, sizeof maxmsg) != 0 ||
        zmq_setsockopt(s, ZMQ_HEARTBEAT_IVL, &hb, sizeof hb) != 0 ||
        zmq_setsockopt(s, ZMQ_HEARTBEAT_TIMEOUT, &hbt, sizeof hbt) != 0 ||
        zmq_setsockopt(s, ZMQ_HEARTBEAT_TTL, &ttl, sizeof ttl) != 0 ||
        zmq_setsockopt(s, ZMQ_HANDSHAKE_IVL, &hs, sizeof hs) != 0 ||
        zmq_setsockopt(s, ZMQ_LINGER, &linger, sizeof linger) != 0 ||
        zmq_setsockopt(s, ZMQ_SNDHWM, &hwm, sizeof hwm) != 0 ||
        zmq_setsockopt(s, ZMQ_RCVHWM, &rcvhwm, sizeof rcvhwm) != 0)
        return zerr();
    return 0;
}

static void close_socket(void **s)
{
    if (*s) {
        zmq_close(*s);
        *s = NULL;
    }
}

/* Report up/down transitions. A channel that went away may have lost
 * queued messages, so the owner sees down-then-up to restart the session. */
static void inbox_clear(hln_transport *t, peer *p);
static void hold_flapping(hln_transport *t, peer *p, uint64_t now);

static void report(hln_transport *t, peer *p, bool restart)
{
    bool up = p->out_up || p->in_up;
    uint64_t now = hln_util_mono_ms();
    p->st.up = up;
    p->st.outgoing_up = p->out_up;
    p->st.incoming_up = p->in_up;
    if (p->reported_up && (!up || restart)) {
        p->reported_up = false;
        /* What the old session queued belongs to it, not to the next. */
        inbox_clear(t, p);
        if (hln_util_bucket_take(&p->uplog, now, 10, 6000)) {
            hlnd_log(6, "net", "event=peer-down peer=%s suppressed=%u", p->short_id,
                     p->uplog.denied);
            p->uplog.denied = 0;
        }
        t->cb(t->cbctx, HLN_TEV_DOWN, p->id, NULL, 0);
    }
    if (up && !p->reported_up) {
        /* Each session costs a greeting and a full clock both ways: a peer
         * that keeps reconnecting is held off instead. */
        if (!hln_util_bucket_take(&p->flap, now, FLAP_BURST, FLAP_REFILL_MS)) {
            hold_flapping(t, p, now);
            return;
        }
        p->reported_up = true;
        if (hln_util_bucket_take(&p->uplog, now, 10, 6000)) {
            hlnd_log(6, "net", "event=peer-up peer=%s via=%s suppressed=%u", p->short_id,
                     p->out_up ? "outgoing" : "incoming", p->uplog.denied);
            p->uplog.denied = 0;
        }
        t->cb(t->cbctx, HLN_TEV_UP, p->id, NULL, 0);
    }
}

static void close_dealer(peer *p)
{
    if (p->dealer)
        zmq_socket_monitor(p->dealer, NULL, 0);
    close_socket(&p->mon);
    close_socket(&p->dealer);
    p->out_up = false;
}

static int open_dealer(hln_transport *t, peer *p)
{
    int rc;
    char mon_ep[64];
    p->dealer = zmq_socket(t->zctx, ZMQ_DEALER);
    if (!p->dealer)
        return zerr();
    int one = 1, rivl = (int)t->o.reconnect_ivl_ms, rmax = (int)t->o.reconnect_ivl_max_ms;
    int ctimeo = (int)t->o.handshake_ms;
    if ((rc = common_opts(t, p->dealer)) != 0)
        goto fail;
    /* IMMEDIATE: queue nothing for a peer whose handshake has not completed,
     * so a send to a dead peer fails at once instead of filling memory. */
    if (zmq_setsockopt(p->dealer, ZMQ_IMMEDIATE, &one, sizeof one) != 0 ||
        zmq_setsockopt(p->dealer, ZMQ_RECONNECT_IVL, &rivl, sizeof rivl) != 0 ||
        zmq_setsockopt(p->dealer, ZMQ_RECONNECT_IVL_MAX, &rmax, sizeof rmax) != 0 ||
        zmq_setsockopt(p->dealer, ZMQ_CONNECT_TIMEOUT, &ctimeo, sizeof ctimeo) != 0 ||
        zmq_setsockopt(p->dealer, ZMQ_CURVE_SERVERKEY, p->server_z85, 40) != 0 ||
        zmq_setsockopt(p->dealer, ZMQ_CURVE_PUBLICKEY, t->pub_z85, 40) != 0 ||
        zmq_setsockopt(p->dealer, ZMQ_CURVE_SECRETKEY, t->sec_z85, 40) != 0) {
        rc = zerr();
        goto fail;
    }
    snprintf(mon_ep, sizeof mon_ep, "inproc://hln-mon-%u", ++t->mon_seq);
    if (zmq_socket_monitor(p->dealer, mon_ep,
                           ZMQ_EVENT_HANDSHAKE_SUCCEEDED | ZMQ_EVENT_DISCONNECTED |
                               ZMQ_EVENT_HANDSHAKE_FAILED_AUTH |
                               ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL |
                               ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL) != 0) {
        rc = zerr();
        goto fail;
    }
    p->mon = zmq_socket(t->zctx, ZMQ_PAIR);
    if (!p->mon || zmq_connect(p->mon, mon_ep) != 0) {
        rc = zerr();
        goto fail;
    }
    if (zmq_connect(p->dealer, p->endpoint) != 0) {
        rc = zerr();
        hlnd_log(3, "net", "event=connect-failed peer=%s endpoint=%s reason=%s", p->short_id,
                 p->endpoint, zmq_strerror(zmq_errno()));
        goto fail;
    }
    return 0;
fail:
    close_dealer(p);
    return rc;
}

/* Raise the soft descriptor limit towards FD_TARGET (within the hard
 * limit): a busy node holds a socket per peer connection, and new
 * connections are refused at half of it (server_monitor_one). */
static rlim_t raise_nofile(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
        return 1024;
    rlim_t want = rl.rlim_max == RLIM_INFINITY || rl.rlim_max > FD_TARGET ? FD_TARGET : rl.rlim_max;
    if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < want) {
        rl.rlim_cur = want;
        if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
            getrlimit(RLIMIT_NOFILE, &rl);
    }
    return rl.rlim_cur == RLIM_INFINITY ? FD_TARGET : rl.rlim_cur;
}

int hln_admitted_make(const uint8_t id[HLN_KEY_LEN], hln_admitted *a)
{
    memcpy(a->id, id, HLN_KEY_LEN);
    return hln_curve_public_raw(id, a->curve) == 0 ? 0 : HLN_EINVAL;
}

int hln_transport_new(const hln_identity *id, const hln_transport_opts *o, hln_transport_cb cb,
                      void *ctx, hln_transport **out)
{
    int rc = HLN_ENOMEM;
    *out = NULL;
    hln_transport *t = calloc(1, sizeof *t);
    if (!t)
        return HLN_ENOMEM;
    t->o = *o;
    t->cb = cb;
    t->cbctx = ctx;
    t->sec_z85 = sodium_malloc(41);
    if (!t->sec_z85)
        goto fail;
    if (hln_identity_curve_z85(id, t->pub_z85, t->sec_z85) != 0) {
        rc = HLN_EINVAL;
        goto fail;
    }
    t->nofile = raise_nofile();
    t->zctx = zmq_ctx_new();
    if (!t->zctx) {
        rc = HLN_ENET;
        goto fail;
    }
    /* Not blocky: closing the context must never wait on an unbounded linger. */
    zmq_ctx_set(t->zctx, ZMQ_BLOCKY, 0);
    /* The ZAP handler must exist before the first bind: without it libzmq's
     * CURVE server admits any client that knows our public key. */
    t->zap = zmq_socket(t->zctx, ZMQ_REP);
    int linger = 0;
    if (!t->zap || zmq_setsockopt(t->zap, ZMQ_LINGER, &linger, sizeof linger) != 0 ||
        zmq_bind(t->zap, ZAP_ENDPOINT) != 0) {
        hlnd_log(3, "net", "event=zap-failed reason=%s", zmq_strerror(zmq_errno()));
        rc = HLN_ENET;
        goto fail;
    }
    *out = t;
    return 0;
fail:
    hln_transport_destroy(&t);
    return rc;
}

void hln_transport_destroy(hln_transport **tp)
{
    hln_transport *t = *tp;
    if (!t)
        return;
    for (size_t i = 0; i < t->n_peers; i++) {
        close_dealer(t->peers[i]);
        inbox_clear(t, t->peers[i]);
        free(t->peers[i]);
    }
    free(t->peers);
    free(t->pending);
    if (t->router && t->rmon)
        zmq_socket_monitor(t->router, NULL, 0);
    close_socket(&t->rmon);
    close_socket(&t->router);
    close_socket(&t->zap);
    if (t->zctx)
        zmq_ctx_term(t->zctx);
    if (t->sec_z85)
        sodium_free(t->sec_z85); /* wipes */
    free(t->admitted);
    free(t);
    *tp = NULL;
}

void *hln_transport_zctx(hln_transport *t)
{
    return t->zctx;
}

int hln_transport_set_admitted(hln_transport *t, const hln_admitted *set, size_t n)
{
    hln_admitted *copy = NULL;
    if (n) {
        copy = malloc(n * sizeof *copy);
        if (!copy)
            return HLN_ENOMEM;
        memcpy(copy, set, n * sizeof *copy);
    }
    free(t->admitted);
    t->admitted = copy;
    t->n_admitted = n;
    /* A peer removed from the set loses its channels now, not at its next
     * reconnect: its inbound route is forgotten and messages are refused. */
    for (size_t i = 0; i < t->n_peers; i++) {
        peer *p = t->peers[i];
        if (!is_admitted(t, p->id) && (p->dealer || p->in_up || p->in_fd >= 0)) {
            close_dealer(p);
            close_inbound(p);
            p->endpoint[0] = '\0';
            p->in_up = false;
            p->route_len = 0;
            inbox_clear(t, p);
            report(t, p, false);
        }
    }
    return 0;
}

int hln_transport_listen(hln_transport *t, const char *endpoint)
{
    if (t->router)
        return HLN_ESTATE;
    int rc;
    int one = 1;
    t->router = zmq_socket(t->zctx, ZMQ_ROUTER);
    if (!t->router)
        return zerr();
    if ((rc = common_opts(t, t->router)) != 0)
        goto fail;
    /* MANDATORY: a send to a route that is gone fails (EHOSTUNREACH) instead
     * of vanishing, which is how we notice an inbound peer left. */
    if (zmq_setsockopt(t->router, ZMQ_ROUTER_MANDATORY, &one, sizeof one) != 0 ||
        zmq_setsockopt(t->router, ZMQ_CURVE_SERVER, &one, sizeof one) != 0 ||
        zmq_setsockopt(t->router, ZMQ_CURVE_SECRETKEY, t->sec_z85, 40) != 0 ||
        zmq_setsockopt(t->router, ZMQ_ZAP_DOMAIN, ZAP_DOMAIN, strlen(ZAP_DOMAIN)) != 0) {
        rc = zerr();
        goto fail;
    }
    /* Accepted and closed connections, to cap the unauthenticated ones. */
    if (zmq_socket_monitor(t->router, "inproc://hln-server-mon",
                           ZMQ_EVENT_ACCEPTED | ZMQ_EVENT_DISCONNECTED) != 0 ||
        !(t->rmon = zmq_socket(t->zctx, ZMQ_PAIR)) ||
        zmq_connect(t->rmon, "inproc://hln-server-mon") != 0) {
        rc = zerr();
        goto fail;
    }
    if (zmq_bind(t->router, endpoint) != 0) {
        rc = zerr();
        hlnd_log(3, "net", "event=bind-failed endpoint=%s reason=%s", endpoint,
                 zmq_strerror(zmq_errno()));
        goto fail;
    }
    size_t len = sizeof t->endpoint;
    if (zmq_getsockopt(t->router, ZMQ_LAST_ENDPOINT, t->endpoint, &len) != 0)
        snprintf(t->endpoint, sizeof t->endpoint, "%s", endpoint);
    return 0;
fail:
    if (t->router)
        zmq_socket_monitor(t->router, NULL, 0);
    close_socket(&t->rmon);
    close_socket(&t->router);
    return rc == HLN_EINVAL ? HLN_ENET : rc;
}

const char *hln_transport_endpoint(const hln_transport *t)
{
    return t->endpoint;
}

int hln_transport_connect(hln_transport *t, const uint8_t id[HLN_KEY_LEN], const char *endpoint)
{
    if (strlen(endpoint) >= sizeof(((peer *)0)->endpoint))
        return HLN_EINVAL;
    peer *p = get_peer(t, id);
    if (!p)
        return HLN_ENOMEM;
    if (p->dealer && strcmp(p->endpoint, endpoint) == 0)
        return 0;
    if (hln_curve_public_z85(id, p->server_z85) != 0)
        return HLN_EINVAL;
    bool was = p->out_up;
    close_dealer(p);
    snprintf(p->endpoint, sizeof p->endpoint, "%s", endpoint);
    if (was)
        report(t, p, true);
    if (p->st.dropped_until_ms > hln_util_mono_ms())
        return 0; /* opened when the drop expires */
    return open_dealer(t, p);
}

void hln_transport_disconnect(hln_transport *t, const uint8_t id[HLN_KEY_LEN])
{
    peer *p = find_peer(t, id);
    if (!p || (!p->dealer && !p->endpoint[0]))
        return;
    /* Only our outgoing side: the peer may still dial us. Closing its
     * inbound route here would restart the session on our side alone. */
    bool was = p->out_up;
    close_dealer(p);
    p->endpoint[0] = '\0';
    if (was)
        report(t, p, true);
}

int hln_transport_redial(hln_transport *t, const uint8_t id[HLN_KEY_LEN])
{
    peer *p = find_peer(t, id);
    if (!p || !p->dealer || !p->endpoint[0])
        return HLN_ENOTFOUND;
    bool was = p->out_up;
    close_dealer(p);
    if (was)
        report(t, p, true);
    return open_dealer(t, p);
}

void hln_transport_drop(hln_transport *t, const uint8_t id[HLN_KEY_LEN], uint64_t until_ms)
{
    peer *p = get_peer(t, id);
    if (!p)
        return;
    p->st.dropped_until_ms = until_ms;
    close_dealer(p); /* the endpoint stays: reopened when the drop expires */
    /* Its inbound session too: ZAP refuses it while dropped, and a session
     * left open would keep making us decrypt its frames meanwhile. */
    close_inbound(p);
    p->in_up = false;
    p->route_len = 0;
    inbox_clear(t, p);
    report(t, p, false);
}

int hln_transport_send(hln_transport *t, const uint8_t id[HLN_KEY_LEN], const uint8_t *data,
                       size_t len)
{
    peer *p = find_peer(t, id);
    if (!p)
        return HLN_ENOTFOUND;
    if (len > t->o.max_message)
        return HLN_ETOOBIG;
    if (p->out_up && p->dealer) {
        if (zmq_send(p->dealer, data, len, ZMQ_DONTWAIT) < 0)
            return zerr();
        goto sent;
    }
    if (p->in_up && t->router && p->route_len) {
        if (zmq_send(t->router, p->route, p->route_len, ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0) {
            int rc = zerr();
            if (rc == HLN_ENOTFOUND) {
                /* The connection behind this route is gone: what it still
                 * has queued is dropped on arrival, not taken for a new
                 * session (which made a flooding peer flap per message). */
                memcpy(p->dead_route, p->route, p->route_len);
                p->dead_route_len = p->route_len;
                p->in_up = false;
                p->route_len = 0;
                report(t, p, false);
                return HLN_EAGAIN;
            }
            return rc;
        }
        /* After the routing frame is accepted the body cannot fail alone. */
        if (zmq_send(t->router, data, len, ZMQ_DONTWAIT) < 0)
            return zerr();
        goto sent;
    }
    return HLN_EAGAIN;
sent:
    p->st.bytes_out += len;
    p->st.msgs_out++;
    return 0;
}

int hln_transport_pollitems(hln_transport *t, zmq_pollitem_t *items, size_t cap)
{
    size_t n = 0;
    const size_t lim = sizeof t->item_of / sizeof t->item_of[0];
#define ADD(sock, k, pp)                                                                           \
    do {                                                                                           \
        if (n >= cap || n >= lim)                                                                  \
            goto full;                                                                             \
        items[n] = (zmq_pollitem_t){.socket = (sock), .events = ZMQ_POLLIN};                       \
        t->item_of[n].kind = (k);                                                                  \
        t->item_of[n].p = (pp);                                                                    \
        n++;                                                                                       \
    } while (0)
    ADD(t->zap, 0, NULL);
    if (t->router)
        ADD(t->router, 1, NULL);
    if (t->rmon)
        ADD(t->rmon, 4, NULL);
    for (size_t i = 0; i < t->n_peers; i++) {
        peer *p = t->peers[i];
        if (p->dealer)
            ADD(p->dealer, 2, p);
        if (p->mon)
            ADD(p->mon, 3, p);
    }

#undef ADD
    t->n_items = n;
    return (int)n;
full:
    /* More sockets than slots: the ZAP handler and the server come first,
     * so admission and inbound peers keep working; the rest wait. */
    t->n_items = n;
    return (int)n;
}

/* Read the rest of a multipart message that we refuse. */
static void drain(void *s)
{
    int more = 1;
    size_t sz = sizeof more;
    while (zmq_getsockopt(s, ZMQ_RCVMORE, &more, &sz) == 0 && more) {
        zmq_msg_t m;
        zmq_msg_init(&m);
        if (zmq_msg_recv(&m, s, ZMQ_DONTWAIT) < 0) {
            zmq_msg_close(&m);
            break;
        }
        zmq_msg_close(&m);
        sz = sizeof more;
    }
}

static bool has_more(void *s)
{
    int more = 0;
    size_t sz = sizeof more;
    return zmq_getsockopt(s, ZMQ_RCVMORE, &more, &sz) == 0 && more;
}

/* One ZAP request (RFC 27): version, request id, domain, address, identity,
 * mechanism, then the CURVE client key. We answer 200 with the client's node
 * id (hex) as User-Id only for admitted keys that are not dropped. */
static void zap_one(hln_transport *t)
{
    zmq_msg_t f[8];
    int nf = 0;
    bool ok_shape = true;
    for (;;) {
        if (nf == 8) {
            ok_shape = false;
            drain(t->zap);
            break;
        }
        zmq_msg_init(&f[nf]);
        if (zmq_msg_recv(&f[nf], t->zap, ZMQ_DONTWAIT) < 0) {
            zmq_msg_close(&f[nf]);
            break;
        }
        nf++;
        if (!has_more(t->zap))
            break;
    }
    if (nf == 0)
        return;
    const char *status = "400", *text = "not admitted";
    char user[2 * HLN_KEY_LEN + 1] = "";
    const hln_admitted *a = NULL;
    if (ok_shape && nf == 7 && zmq_msg_size(&f[0]) == 3 &&
        memcmp(zmq_msg_data(&f[0]), "1.0", 3) == 0 && zmq_msg_size(&f[5]) == 5 &&
        memcmp(zmq_msg_data(&f[5]), "CURVE", 5) == 0 && zmq_msg_size(&f[6]) == 32) {
        a = find_admitted_curve(t, zmq_msg_data(&f[6]));
        if (a) {
            peer *p = find_peer(t, a->id);
            if (p && p->st.dropped_until_ms > hln_util_mono_ms()) {
                text = "dropped";
                a = NULL;
            }
        }
        if (a) {
            status = "200";
            text = "OK";
            hln_hex(a->id, HLN_KEY_LEN, user);
        }
    }
    if (!a && nf == 7 && zmq_msg_size(&f[6]) == 32) {
        /* Counted for `peer explain` whatever the log's rate limit. */
        uint8_t known[HLN_KEY_LEN] = {0};
        const hln_admitted *k = find_admitted_curve(t, zmq_msg_data(&f[6]));
        if (k)
            memcpy(known, k->id, HLN_KEY_LEN);
        t->cb(t->cbctx, HLN_TEV_ZAP_REFUSED, known, zmq_msg_data(&f[6]), 32);
    }
    if (!a && hln_util_bucket_take(&t->zap_rl, hln_util_mono_ms(), 10, 1000)) {
        char key[65] = "?";
        if (nf == 7 && zmq_msg_size(&f[6]) == 32)
            hln_hex(zmq_msg_data(&f[6]), 8, key);
        hlnd_log(4, "zap", "event=refused curve=%s reason=%s suppressed=%u", key, text,
                 t->zap_rl.denied);
        t->zap_rl.denied = 0;
    }
    /* Reply: version, request id (echoed), status code, text, user id, metadata. */
    zmq_send(t->zap, "1.0", 3, ZMQ_SNDMORE);
    if (nf >= 2)
        zmq_send(t->zap, zmq_msg_data(&f[1]), zmq_msg_size(&f[1]), ZMQ_SNDMORE);
    else
        zmq_send(t->zap, "", 0, ZMQ_SNDMORE);
    zmq_send(t->zap, status, 3, ZMQ_SNDMORE);
    zmq_send(t->zap, text, strlen(text), ZMQ_SNDMORE);
    zmq_send(t->zap, user, strlen(user), ZMQ_SNDMORE);
    zmq_send(t->zap, "", 0, 0);
    for (int i = 0; i < nf; i++)
        zmq_msg_close(&f[i]);
}

static void bad(hln_transport *t, peer *p, int reason)
{
    t->cb(t->cbctx, HLN_TEV_BAD, p->id, NULL, (size_t)(-reason));
}

static void inbox_clear(hln_transport *t, peer *p)
{
    while (p->in_head) {
        inmsg *m = p->in_head;
        p->in_head = m->next;
        zmq_msg_close(&m->body);
        free(m);
    }
    p->in_tail = NULL;
    t->inbox_total -= p->in_n;
    p->in_n = 0;
    p->in_bytes = 0;
}

/* End both channels of `p` now; an inbound route is remembered as dead so
 * that what libzmq still queued from it is dropped on arrival. */
static void cut(hln_transport *t, peer *p)
{
    if (p->route_len) {
        memcpy(p->dead_route, p->route, p->route_len);
        p->dead_route_len = p->route_len;
    }
    close_dealer(p);
    close_inbound(p);
    p->in_up = false;
    p->route_len = 0;
    inbox_clear(t, p);
    report(t, p, false);
}

static void hold_flapping(hln_transport *t, peer *p, uint64_t now)
{
    p->st.dropped_until_ms = now + FLAP_HOLD_MS;
    if (hln_util_bucket_take(&p->rl, now, 5, 10000)) {
        hlnd_log(4, "net", "event=peer-flapping peer=%s hold_ms=%u suppressed=%u", p->short_id,
                 FLAP_HOLD_MS, p->rl.denied);
        p->rl.denied = 0;
    }
    cut(t, p);
}

static size_t inbox_max_bytes(const hln_transport *t)
{
    size_t b = (size_t)t->o.max_message * 2;
    return b > INBOX_MIN_BYTES ? b : INBOX_MIN_BYTES;
}

/* Queue one message (moved out of *body) for delivery. A message over
 * max_message is dropped, logged and counted; a peer whose inbox is full is
 * shed: the protocol never lets an honest one get there. */
static void enqueue(hln_transport *t, peer *p, zmq_msg_t *body)
{
    size_t len = zmq_msg_size(body);
    uint64_t now = hln_util_mono_ms();
    p->st.last_seen_ms = now;
    p->st.bytes_in += len;
    p->st.msgs_in++;
    if (len > t->o.max_message) {
        t->oversize++;
        if (hln_util_bucket_take(&p->rl, now, 5, 10000)) {
            hlnd_log(4, "net", "event=message-dropped peer=%s reason=too-big bytes=%zu max=%u "
                     "suppressed=%u", p->short_id, len, t->o.max_message, p->rl.denied);
            p->rl.denied = 0;
        }
        bad(t, p, HLN_ETOOBIG);
        return;
    }
    if (p->in_n >= INBOX_MSGS || p->in_bytes + len + INMSG_COST > inbox_max_bytes(t)) {
        t->inbox_shed++;
        hlnd_log(4, "net", "event=peer-shed peer=%s reason=inbox-full msgs=%zu bytes=%zu",
                 p->short_id, p->in_n, p->in_bytes);
        cut(t, p);
        bad(t, p, HLN_ETOOBIG);
        return;
    }
    inmsg *m = malloc(sizeof *m);
    if (!m)
        return; /* dropped: the protocol repairs lost messages */
    zmq_msg_init(&m->body);
    zmq_msg_move(&m->body, body);
    m->next = NULL;
    if (p->in_tail)
        p->in_tail->next = m;
    else
        p->in_head = m;
    p->in_tail = m;
    p->in_n++;
    p->in_bytes += len + INMSG_COST;
    t->inbox_total++;
}

/* The server monitor: which connections have not authenticated yet. */
static void pending_del(hln_transport *t, int fd)
{
    for (size_t i = 0; i < t->n_pending; i++)
        if (t->pending[i] == fd) {
            t->pending[i] = t->pending[--t->n_pending];
            return;
        }
}

/* One message from the ROUTER: [route][payload], from a peer the ZAP handler
 * admitted; its node id comes from the User-Id the handler set, never from
 * anything the peer sends. */
static int router_one(hln_transport *t)
{
    zmq_msg_t route, body;
    zmq_msg_init(&route);
    zmq_msg_init(&body);
    int got = 0;
    if (zmq_msg_recv(&route, t->router, ZMQ_DONTWAIT) < 0)
        goto out;
    got = 1;
    if (!has_more(t->router) || zmq_msg_recv(&body, t->router, ZMQ_DONTWAIT) < 0)
        goto out;
    int fd = zmq_msg_get(&body, ZMQ_SRCFD);
    if (fd >= 0)
        pending_del(t, fd); /* it spoke after a handshake: authenticated */
    const char *uid = zmq_msg_gets(&body, "User-Id");
    uint8_t id[HLN_KEY_LEN];
    if (!uid || strlen(uid) != 2 * HLN_KEY_LEN || hln_unhex(uid, id, HLN_KEY_LEN) != 0) {
        drain(t->router);
        goto out;
    }
    peer *p = find_peer(t, id);
    if (!p && is_admitted(t, id))
        p = get_peer(t, id);
    if (!p || !is_admitted(t, id) || p->st.dropped_until_ms > hln_util_mono_ms()) {
        drain(t->router);
        goto out;
    }
    size_t rlen = zmq_msg_size(&route);
    if (has_more(t->router)) {
        drain(t->router);
        bad(t, p, HLN_EDECODE);
        goto out;
    }
    if (rlen == 0 || rlen > ROUTE_MAX)
        goto out;
    if (rlen == p->dead_route_len && memcmp(p->dead_route, zmq_msg_data(&route), rlen) == 0)
        goto out; /* queued before its connection went away */
    bool new_route =
        !p->in_up || p->route_len != rlen || memcmp(p->route, zmq_msg_data(&route), rlen) != 0;
    if (new_route) {
        p->in_fd = -1;
        p->in_addr_len = sizeof p->in_addr;
        if (fd >= 0 && getpeername(fd, (struct sockaddr *)&p->in_addr, &p->in_addr_len) == 0)
            p->in_fd = fd;
    }
    memcpy(p->route, zmq_msg_data(&route), rlen);
    p->route_len = rlen;
    bool had = p->in_up;
    p->in_up = true;
    /* A new route on a peer we heard from before is a new connection: the
     * old one may have lost messages, so the session restarts. */
    report(t, p, new_route && had);
    if (!p->in_up || p->st.dropped_until_ms > hln_util_mono_ms())
        goto out; /* held off for flapping */
    enqueue(t, p, &body);
out:
    zmq_msg_close(&route);
    zmq_msg_close(&body);
    return got;
}

static int dealer_one(hln_transport *t, peer *p)
{
    zmq_msg_t body;
    zmq_msg_init(&body);
    int got = 0;
    void *d = p->dealer;
    if (!d || zmq_msg_recv(&body, d, ZMQ_DONTWAIT) < 0)
        goto out;
    got = 1;
    if (has_more(d)) {
        drain(d);
        bad(t, p, HLN_EDECODE);
        goto out;
    }
    /* The server proved it holds the key we expect for p, so the sender is p. */
    enqueue(t, p, &body);
out:
    zmq_msg_close(&body);
    return got;
}

/* Hand queued messages to the owner, a few per peer in turn, up to budget. */
static int deliver(hln_transport *t, int budget)
{
    int total = 0;
    while (total < budget && t->inbox_total) {
        size_t n = t->n_peers;
        bool any = false;
        for (size_t k = 0; k < n && total < budget; k++) {
            peer *p = t->peers[(t->rr + k) % n];
            for (int j = 0; j < PER_SOCKET_BURST && total < budget && p->in_head; j++) {
                inmsg *m = p->in_head;
                p->in_head = m->next;
                if (!p->in_head)
                    p->in_tail = NULL;
                p->in_n--;
                p->in_bytes -= zmq_msg_size(&m->body) + INMSG_COST;
                t->inbox_total--;
                t->cb(t->cbctx, HLN_TEV_MSG, p->id, zmq_msg_data(&m->body),
                      zmq_msg_size(&m->body));
                zmq_msg_close(&m->body);
                free(m);
                total++;
                any = true;
            }
        }
        t->rr = n ? (t->rr + 1) % n : 0;
        if (!any)
            break;
    }
    return total;
}

/* Refuse the connection on `fd`: shutdown(2) makes libzmq close it. */
static void refuse_conn(hln_transport *t, int fd, const char *why)
{
    shutdown(fd, SHUT_RDWR);
    t->conns_refused++;
    if (hln_util_bucket_take(&t->conn_rl, hln_util_mono_ms(), 5, 10000)) {
        hlnd_log(4, "net", "event=connection-refused reason=%s pending=%zu suppressed=%u", why,
                 t->n_pending, t->conn_rl.denied);
        t->conn_rl.denied = 0;
    }
}

static void pause_listener(hln_transport *t, uint64_t now)
{
    if (t->paused || !t->router)
        return;
    if (zmq_unbind(t->router, t->endpoint) == 0) {
        t->paused = true;
        hlnd_log(4, "net", "event=accept-paused reason=descriptors-low pending=%zu", t->n_pending);
    }
    t->resume_at_ms = now + 1000;
}

static void server_monitor_one(hln_transport *t)
{
    zmq_msg_t ev;
    zmq_msg_init(&ev);
    if (zmq_msg_recv(&ev, t->rmon, ZMQ_DONTWAIT) < 0)
        goto out;
    drain(t->rmon);
    if (zmq_msg_size(&ev) < 6)
        goto out;
    uint16_t event;
    uint32_t value;
    memcpy(&event, zmq_msg_data(&ev), 2);
    memcpy(&value, (uint8_t *)zmq_msg_data(&ev) + 2, 4);
    int fd = (int)value;
    if (event == ZMQ_EVENT_DISCONNECTED) {
        pending_del(t, fd);
    } else if (event == ZMQ_EVENT_ACCEPTED) {
        /* Linux hands out the lowest free descriptor: one this high means
         * few are left. */
        if ((rlim_t)fd >= t->nofile / 2) {
            refuse_conn(t, fd, "descriptors-low");
            pause_listener(t, hln_util_mono_ms());
        } else if (t->n_pending >= PENDING_MAX) {
            refuse_conn(t, fd, "too-many-unauthenticated");
        } else if (hln_util_grow((void **)&t->pending, &t->cap_pending, t->n_pending + 1,
                                 sizeof *t->pending) == 0) {
            t->pending[t->n_pending++] = fd;
        }
    }
out:
    zmq_msg_close(&ev);
}

static void monitor_one(hln_transport *t, peer *p)
{
    zmq_msg_t ev, addr;
    zmq_msg_init(&ev);
    zmq_msg_init(&addr);
    if (zmq_msg_recv(&ev, p->mon, ZMQ_DONTWAIT) < 0)
        goto out;
    if (has_more(p->mon))
        zmq_msg_recv(&addr, p->mon, ZMQ_DONTWAIT);
    drain(p->mon);
    if (zmq_msg_size(&ev) < 6)
        goto out;
    uint16_t event;
    memcpy(&event, zmq_msg_data(&ev), 2);
    uint64_t now = hln_util_mono_ms();
    switch (event) {
    case ZMQ_EVENT_HANDSHAKE_SUCCEEDED:
        p->out_up = true;
        p->redial_backoff_ms = 0;
        p->redial_at_ms = 0;
        report(t, p, false);
        break;
    case ZMQ_EVENT_DISCONNECTED:
        if (p->out_up) {
            p->out_up = false;
            report(t, p, true);
        }
        break;
    default:
        if (hln_util_bucket_take(&p->rl, now, 5, 10000)) {
            hlnd_log(4, "net", "event=handshake-failed peer=%s endpoint=%s reason=%s suppressed=%u",
                     p->short_id, p->endpoint,
                     event == ZMQ_EVENT_HANDSHAKE_FAILED_AUTH ? "refused" : "protocol",
                     p->rl.denied);
            p->rl.denied = 0;
        }
        /* libzmq gives up on a connection whose handshake failed; the peer
         * may admit us later (peer add on its side), so we redial, backing
         * off from reconnect_ivl_ms to reconnect_ivl_max_ms. */
        p->redial_backoff_ms =
            p->redial_backoff_ms ? p->redial_backoff_ms * 2 : t->o.reconnect_ivl_ms;
        if (p->redial_backoff_ms > t->o.reconnect_ivl_max_ms)
            p->redial_backoff_ms = t->o.reconnect_ivl_max_ms;
        p->redial_at_ms = now + p->redial_backoff_ms;
        t->cb(t->cbctx, HLN_TEV_REFUSED, p->id, NULL, 0);
        break;
    }
out:
    zmq_msg_close(&ev);
    zmq_msg_close(&addr);
}

int hln_transport_process(hln_transport *t, const zmq_pollitem_t *items, size_t n, int budget)
{
    int total = 0;
    if (n > t->n_items)
        n = t->n_items;
    for (size_t i = 0; i < n; i++) {
        if (!(items[i].revents & ZMQ_POLLIN))
            continue;
        int kind = t->item_of[i].kind;
        peer *p = t->item_of[i].p;
        switch (kind) {
        case 0:
            for (int k = 0; k < 16; k++)
                zap_one(t);
            break;
        case 1:
            for (int k = 0; k < READ_BURST && t->router; k++)
                if (!router_one(t))
                    break;
            break;
        case 2:
            for (int k = 0; k < READ_BURST && p->dealer; k++)
                if (!dealer_one(t, p))
                    break;
            break;
        case 3:
            for (int k = 0; k < 16 && p->mon; k++)
                monitor_one(t, p);
            break;
        case 4:
            for (int k = 0; k < 256 && t->rmon; k++)
                server_monitor_one(t);
            break;
        }
    }
    total = deliver(t, budget);
    /* Drops expire here: a peer with an endpoint gets its DEALER back. */
    uint64_t now = hln_util_mono_ms();
    if (t->paused && now >= t->resume_at_ms) {
        if (zmq_bind(t->router, t->endpoint) == 0) {
            t->paused = false;
            hlnd_log(5, "net", "event=accept-resumed");
        } else
            t->resume_at_ms = now + 1000;
    }
    for (size_t i = 0; i < t->n_peers; i++) {
        peer *p = t->peers[i];
        if (p->dealer && p->redial_at_ms && now >= p->redial_at_ms) {
            p->redial_at_ms = 0;
            close_dealer(p);
        }
        if (!p->dealer && p->endpoint[0] && p->st.dropped_until_ms <= now &&
            is_admitted(t, p->id) && open_dealer(t, p) != 0)
            p->endpoint[0] = '\0'; /* logged by open_dealer; not retried in a loop */
    }
    return total;
}

bool hln_transport_pending(const hln_transport *t)
{
    return t->inbox_total > 0;
}

void hln_transport_counters(const hln_transport *t, uint64_t *conns_refused, uint64_t *shed,
                            uint64_t *oversize)
{
    *conns_refused = t->conns_refused;
    *shed = t->inbox_shed;
    *oversize = t->oversize;
}

int hln_transport_peer_stats(const hln_transport *t, const uint8_t id[HLN_KEY_LEN],
                             hln_peer_stats *st)
{
    const peer *p = find_peer(t, id);
    if (!p)
        return HLN_ENOTFOUND;
    *st = p->st;
    return 0;
}
