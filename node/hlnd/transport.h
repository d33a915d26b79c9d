/* transport.h - the ZeroMQ transport: CURVE ROUTER server, a DEALER per outgoing peer, the ZAP
 * handler. */
#ifndef HLN_TRANSPORT_H
#define HLN_TRANSPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <zmq.h>

#include "crypto/crypto.h"

typedef struct hln_transport hln_transport;

/* Socket settings, from the [net] section of the configuration. */
typedef struct {
    uint32_t max_message; /* ZMQ_MAXMSGSIZE on every socket */
    uint32_t heartbeat_ivl_ms, heartbeat_timeout_ms, heartbeat_ttl_ms;
    uint32_t reconnect_ivl_ms, reconnect_ivl_max_ms;
    uint32_t handshake_ms, linger_ms, sndhwm;
} hln_transport_opts;

/* Who may complete a CURVE handshake with our server: called by the ZAP
 * handler with the client's node id (its ed25519 key, mapped back from the
 * CURVE key through the admitted set). */
typedef struct {
    uint8_t id[HLN_KEY_LEN];
    uint8_t curve[32]; /* raw X25519 public key, converted once */
} hln_admitted;

/* What the transport reports to its owner. */
typedef enum {
    HLN_TEV_UP = 1,      /* a channel to the peer became usable */
    HLN_TEV_DOWN = 2,    /* the peer has no usable channel left */
    HLN_TEV_MSG = 3,     /* one message (data, len) from an authenticated peer */
    HLN_TEV_BAD = 4,     /* a malformed frame from the peer (data NULL; len is the reason code) */
    HLN_TEV_REFUSED = 5, /* our outgoing handshake to the peer failed (it refused us) */
    HLN_TEV_ZAP_REFUSED = 6, /* our ZAP handler refused a client: data is its 32-byte CURVE
                                key; peer is its id when known (dropped), else all-zero */
} hln_tev;
typedef void (*hln_transport_cb)(void *ctx, hln_tev ev, const uint8_t peer[HLN_KEY_LEN],
                                 const uint8_t *data, size_t len);

/* Create the context, derive and cache the CURVE keys from `id`, and start
 * the ZAP handler (bound at inproc://zeromq.zap.01, answered from
 * hln_transport_process) before any socket can bind. `id` must outlive the
 * transport. HLN_ENET if the handler cannot be started; HLN_EINVAL. */
int hln_transport_new(const hln_identity *id, const hln_transport_opts *o, hln_transport_cb cb,
                      void *ctx, hln_transport **out);

/* Close every socket (bounded by linger_ms) and the context; *t = NULL. */
void hln_transport_destroy(hln_transport **t);

/* Replace the set of node ids the ZAP handler admits (copied). Channels
 * already open to peers that left the set are closed. */
int hln_transport_set_admitted(hln_transport *t, const hln_admitted *set, size_t n);

/* Fill `a` with the admitted entry for `id` (the CURVE key converted). HLN_EINVAL
 * if the key is not a valid point. */
int hln_admitted_make(const uint8_t id[HLN_KEY_LEN], hln_admitted *a);

/* Bind the CURVE server (ROUTER) on `endpoint`. For tcp endpoints with port
 * '*' the bound endpoint is in hln_transport_endpoint. HLN_ENET with the
 * reason logged, HLN_ESTATE if already listening. */
int hln_transport_listen(hln_transport *t, const char *endpoint);
const char *hln_transport_endpoint(const hln_transport *t);

/* Open (or re-point) the outgoing DEALER to `peer` at `endpoint`, as a CURVE
 * client that expects the server key derived from `peer`. Idempotent for
 * the same endpoint. HLN_EINVAL, HLN_ENET. */
int hln_transport_connect(hln_transport *t, const uint8_t peer[HLN_KEY_LEN], const char *endpoint);

/* Close the outgoing DEALER to `peer`, if any, and forget its endpoint.
 * Its inbound connection (the peer dialing us) stays. */
void hln_transport_disconnect(hln_transport *t, const uint8_t peer[HLN_KEY_LEN]);

/* Close and reopen the outgoing DEALER to `peer`: both sides see a new
 * connection and restart their session. HLN_ENOTFOUND if we do not dial it. */
int hln_transport_redial(hln_transport *t, const uint8_t peer[HLN_KEY_LEN]);

/* Refuse `peer` (handshakes and messages) until `until_ms` (hlnd_now_ms
 * clock) and close its channels. */
void hln_transport_drop(hln_transport *t, const uint8_t peer[HLN_KEY_LEN], uint64_t until_ms);

/* Send one message to `peer`: over its outgoing DEALER when that is
 * connected, else back along the route of its last inbound message. Never
 * blocks. HLN_EAGAIN if the peer's queue is full or no channel is up,
 * HLN_ENOTFOUND if the peer is unknown, HLN_ETOOBIG over max_message. */
int hln_transport_send(hln_transport *t, const uint8_t peer[HLN_KEY_LEN], const uint8_t *data,
                       size_t len);

/* The transport's sockets for zmq_poll: writes up to `cap` items (the ZAP
 * handler and the server first) and returns how many. */
int hln_transport_pollitems(hln_transport *t, zmq_pollitem_t *items, size_t cap);

/* Handle what is ready on the items filled by hln_transport_pollitems (after
 * zmq_poll): answer ZAP requests, read up to `budget` messages, monitor
 * events. Calls the callback for each event. Returns messages read. */
int hln_transport_process(hln_transport *t, const zmq_pollitem_t *items, size_t n, int budget);

/* Per-peer counters. HLN_ENOTFOUND if the transport has never seen `peer`. */
typedef struct {
    bool up, outgoing_up, incoming_up;
    uint64_t last_seen_ms; /* hlnd_now_ms of the last message in, 0 never */
    uint64_t bytes_in, bytes_out, msgs_in, msgs_out;
    uint64_t dropped_until_ms;
} hln_peer_stats;
int hln_transport_peer_stats(const hln_transport *t, const uint8_t peer[HLN_KEY_LEN],
                             hln_peer_stats *st);

/* The ZeroMQ context (for the control socket, which shares it). */
void *hln_transport_zctx(hln_transport *t);

/* Messages read and not yet delivered: poll without waiting while true. */
bool hln_transport_pending(const hln_transport *t);

/* Connections refused (unauthenticated ones over the cap, or descriptors
 * low), peers shed for a full inbox, messages dropped over max_message. */
void hln_transport_counters(const hln_transport *t, uint64_t *conns_refused, uint64_t *shed,
                            uint64_t *oversize);

#endif
