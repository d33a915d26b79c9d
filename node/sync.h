/* sync.h - the sans-I/O replication engine: clocks in the manner of epidemic broadcast trees, eager
 * push, anti-entropy, fork proofs. */
#ifndef HLN_SYNC_H
#define HLN_SYNC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto/record.h"
#include "proto/wire.h"

/* The engine is a state machine per node (docs/SYNC.md). It reads no clock,
 * opens no socket and draws randomness only from the seed it is given. Its
 * inputs are the hln_sync_* calls below, each passed the current time in
 * milliseconds; its outputs are calls into the host: messages to send and
 * records to store.
 *
 * Peers are named by the host with a 32-bit handle. A handle names one
 * remote node for the engine's lifetime (the daemon maps node ids to
 * handles), so what the engine remembers about a peer survives a reconnect. */
typedef struct hln_sync hln_sync;

#define HLN_SYNC_LOCAL UINT32_MAX /* "from_peer" of records appended locally */

typedef int (*hln_sync_head_cb)(void *cbctx, const hln_feed_id *feed, uint64_t seq,
                                const uint8_t id[HLN_HASH_LEN]);
typedef int (*hln_sync_rec_cb)(void *cbctx, const hln_record *r);
typedef int (*hln_sync_fork_cb)(void *cbctx, const hln_record *a, const hln_record *b);

/* What the engine needs from its host. Callbacks must not call back into
 * the engine. Records handed to the host are valid only during the call. */
typedef struct {
    void *ctx;
    /* Send one message to `peer`. A failure (a full queue) is not retried:
     * the protocol repairs lost messages. */
    int (*send)(void *ctx, uint32_t peer, const uint8_t *msg, size_t len);
    /* Call cb for every feed held with its head seq and head record id (once,
     * at hln_sync_new). */
    int (*heads)(void *ctx, hln_sync_head_cb cb, void *cbctx);
    /* Call cb for the records of `feed` with from <= seq <= to, in seq order;
     * stopping early when cb returns non-zero is fine. */
    int (*read)(void *ctx, const hln_feed_id *feed, uint64_t from, uint64_t to, hln_sync_rec_cb cb,
                void *cbctx);
    /* Store `n` decoded, signature-verified records of wanted feeds, in
     * order. results[i]: 0 stored, HLN_EDUP held already, HLN_EFORK another
     * record holds that feed and seq (the host keeps the proof), HLN_ECHAIN
     * it does not continue the feed, or any other refusal. HLN_ETRUST and
     * HLN_EPOLICY (this node's trust view refuses a valid record) are not
     * held against the sender: the feed stalls at that seq and is not asked
     * for again until hln_sync_wants_changed. Other refusals are penalties.
     * Returns 0, or an error when nothing was stored. */
    int (*store)(void *ctx, uint32_t from_peer, const hln_record *recs, size_t n, int *results);
    /* The trust decision: should this node replicate `feed`? */
    bool (*wants)(void *ctx, const hln_feed_id *feed);
    /* A valid fork proof arrived from `from_peer`: keep it. 0 if it was new
     * (the engine passes it on), HLN_EDUP if it was known already. */
    int (*fork)(void *ctx, uint32_t from_peer, const hln_record *a, const hln_record *b);
    /* Optional (may be NULL): call cb for every fork proof held, so that
     * peers which were away when it spread learn it on (re)connection. */
    int (*forks)(void *ctx, hln_sync_fork_cb cb, void *cbctx);
    /* Optional: addresses a peer shared (endpoints, checked by the decoder). */
    void (*peers)(void *ctx, uint32_t from_peer, const hln_wire_slice *addrs, size_t n);
    /* Optional: `peer` sent something invalid (rc says what); the host may
     * log it (rate-limited) or drop the peer. */
    void (*penalty)(void *ctx, uint32_t peer, int rc);
    /* Optional (NULL: every feed to every peer): may `feed` go to `peer`?
     * The sending side of scopes. Asked before a feed is announced in a
     * clock to the peer, before a record of it is pushed or served to the
     * peer, and before a fork proof about it is sent there; a refused feed
     * is never mentioned to that peer. The answer may change (a membership
     * starts or ends): call hln_sync_wants_changed after it does. */
    bool (*may_send)(void *ctx, uint32_t peer, const hln_feed_id *feed);
    /* Optional: is exactly this record (its id at its feed and seq) held
     * already? Asked before a signature check, so that a replay costs an
     * index lookup, not a verification. */
    bool (*held)(void *ctx, const hln_feed_id *feed, uint64_t seq, const uint8_t id[HLN_HASH_LEN]);
    /* Optional (NULL: the engine checks them one by one): check the
     * signatures of `n` decoded records of one message, results[i] =
     * hln_record_verify(recs[i]), in any order or on other threads, all
     * done on return. The daemon spreads them over its cores. */
    void (*verify)(void *ctx, const hln_record *const *recs, size_t n, int *results);
    /* Optional, both or neither (NULL: every batch goes to store): store
     * in two steps, so that the host may commit on another thread while
     * the engine verifies what comes next. store_begin takes a batch of
     * answers as store would (recs stay valid until store_end) and returns
     * 0, or an error when nothing will be stored; store_end waits until
     * that batch is durable and fills results as store does. One batch at
     * a time: the engine ends it before its next store, store_begin or
     * fork call, in hln_sync_settle, hln_sync_tick and hln_sync_destroy.
     * Until it ends, its records are neither claimed in clocks nor pushed
     * on, so a crash meanwhile loses nothing anyone was told we hold. */
    int (*store_begin)(void *ctx, uint32_t from_peer, const hln_record *recs, size_t n);
    int (*store_end)(void *ctx, uint32_t from_peer, const hln_record *recs, size_t n,
                     int *results);
} hln_sync_host;

typedef struct {
    uint8_t node_id[HLN_KEY_LEN];
    uint8_t incarnation[16];     /* the store's incarnation id */
    uint64_t seed;               /* the engine's only source of randomness */
    uint32_t ae_interval_ms;     /* anti-entropy round period (1000) */
    uint32_t ae_fanout;          /* peers per anti-entropy round (2) */
    uint32_t graft_delay_ms;     /* wait for an eager push before requesting (200) */
    uint32_t request_timeout_ms; /* a request unanswered this long is retried elsewhere (2000) */
    uint32_t batch_records;      /* records per request and per records message (<= 64) */
    uint32_t push_window;        /* records pushed ahead of what a peer acknowledged (64) */
    uint32_t requests_per_peer;  /* requests in flight to one peer (8) */
    uint32_t requests_per_feed;  /* requests in flight for one feed, for consecutive ranges, all
                                  * to one peer, within requests_per_peer (4) */
    uint32_t store_batch;        /* records of consecutive answers stored in one host->store call
                                  * (512); at most batch_records: one answer per call */
    uint32_t serve_per_tick;     /* requests served per peer between two ticks (32) */
    uint32_t max_feeds;          /* feeds tracked: the wanted ones (1 << 20) */
    uint32_t max_peers;          /* peer handles tracked (1024) */
    uint32_t unwanted_per_peer;  /* feeds a peer announced that we decline, remembered per peer
                                  * for hln_sync_wants_changed (1024; beyond: a full vector is
                                  * asked of that peer when trust changes) */
    bool lazy_start;             /* (true) a peer pushes a feed to us only once we pulled from it (a
                                  * graft); false: every peer starts eager and duplicates prune */
} hln_sync_config;

/* Counters for metrics and the simulator. */
typedef struct {
    uint64_t msgs_in, msgs_out, bytes_in, bytes_out;
    uint64_t records_stored, records_dup, records_bad, records_unwanted;
    uint64_t records_refused; /* valid records the host refused for trust or policy */
    uint64_t forks_detected, forks_learned;
    uint64_t requests_sent, requests_timed_out, requests_served;
    uint64_t clock_repairs, bad_msgs;
    uint64_t feeds;
} hln_sync_stats;

/* Fill `c` with the defaults above (node_id, incarnation and seed zero). */
void hln_sync_config_default(hln_sync_config *c);

/* Create an engine; reads the feed heads through host->heads. `host` is
 * copied. HLN_EINVAL (a missing callback or bad setting), HLN_ENOMEM, or
 * what host->heads returned. *out is the caller's to hln_sync_destroy. */
int hln_sync_new(const hln_sync_config *cfg, const hln_sync_host *host, uint64_t now_ms,
                 hln_sync **out);

/* Free everything; sets *e to NULL. */
void hln_sync_destroy(hln_sync **e);

/* A channel to `peer` became usable: the engine greets it. HLN_ENOMEM,
 * HLN_ETOOBIG (more than max_peers handles). */
int hln_sync_peer_up(hln_sync *e, uint64_t now_ms, uint32_t peer);

/* The channel to `peer` went away: its requests are retried elsewhere. */
int hln_sync_peer_down(hln_sync *e, uint64_t now_ms, uint32_t peer);

/* One message from `peer`. Returns 0 when it was handled, or the reason it
 * was refused (HLN_EDECODE, HLN_ETOOBIG, HLN_EVERSION, HLN_ESTATE before
 * the peer's hello, HLN_ENOMEM); invalid records inside a valid message are
 * dropped one by one and counted, not returned. */
int hln_sync_receive(hln_sync *e, uint64_t now_ms, uint32_t peer, const uint8_t *msg, size_t len);

/* The timer: retries, requests for what is missing, clock changes, and
 * anti-entropy rounds. Call it every 50-200 ms. */
int hln_sync_tick(hln_sync *e, uint64_t now_ms);

/* The batch given to host->store_begin is durable (the host's writer says
 * so): end it now and act on it. Harmless when there is none. HLN_EINVAL. */
int hln_sync_settle(hln_sync *e, uint64_t now_ms);

/* The host appended `r` to the store itself (a local publication, an
 * import): update the clock and push it to peers that lack it. */
int hln_sync_appended(hln_sync *e, uint64_t now_ms, const hln_record *r);

/* The host's trust decisions changed (a governance record arrived, the
 * operator reloaded its anchors): ask host->wants again for every feed
 * that peers announced and we declined (those remembered: unwanted_per_peer
 * per peer; a peer that announced more is asked for its full clock vector),
 * and request those now wanted from the peers that have them; retry the
 * feeds stalled at a record the store refused for trust or policy; with
 * host->may_send, compare every greeted
 * peer's clock with what it may now be told and announce what it lacks.
 * O(feeds x peers): call it once per batch of changes (the daemon does at
 * most once per tick). Feeds wanted before stay wanted. HLN_EINVAL. */
int hln_sync_wants_changed(hln_sync *e, uint64_t now_ms);

/* Share addresses with every greeted peer. HLN_EINVAL, HLN_ETOOBIG. */
int hln_sync_share_peers(hln_sync *e, const hln_wire_slice *addrs, size_t n);

/* The engine's head of `feed` (0 if not held). */
uint64_t hln_sync_head(const hln_sync *e, const hln_feed_id *feed);

void hln_sync_stats_get(const hln_sync *e, hln_sync_stats *out);

#endif
