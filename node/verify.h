/* verify.h - the evidence behind a benchmark and the bench-verify exchange between nodes.
 */
#ifndef HLN_VERIFY_H
#define HLN_VERIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto/wire.h"
#include "node/node.h"
#include "node/sync_store.h"
#include "node/trust.h"

struct json_object;

/* `hlnctl bench verify` asks the running hlnd, which sends a digest request
 * (docs/PROTOCOL.md W2.7) to every peer that is up and gathers the digest
 * replies (W2.8) for a few seconds. Every node computes the digest with the
 * same rules (node/bench_view.h; docs/BENCHMARKS.md). A reply lists only the feeds where the
 * responder's evidence differs from the requester's, so the requester can
 * say why two digests differ: a feed missing or behind on either side, a
 * fork, or the same feeds under other rules. docs/BENCHMARKS.md, "Agreement
 * between nodes", tells the whole story. */

#define HLN_VERIFY_TIMEOUT_MS 3000    /* how long hlnd waits for replies by default */
#define HLN_VERIFY_TIMEOUT_MAX 30000  /* the longest wait a client may ask for */
#define HLN_VERIFY_QUERIES_MAX 8      /* queries hlnd keeps (the oldest goes first) */
#define HLN_VERIFY_CAUSES_SHOWN 64    /* causes listed per peer; the rest are counted */
#define HLN_VERIFY_PEER_BURST 8       /* digest requests answered per peer at once ... */
#define HLN_VERIFY_PEER_REFILL_MS 250 /* ... and one more per this many ms */

/* One query, as hlnctl states it. Strings are NUL-terminated. */
typedef struct {
    char indicator[HLN_CODE_MAX + 1];
    char period[HLN_PERIOD_MAX + 1];
    char group[HLN_WIRE_GROUP_MAX + 1]; /* "all" when not given */
    char stratum[HLN_CODE_MAX + 1];     /* "" : the total */
    uint32_t method;                    /* HLN_DIGEST_METHOD_* */
} hln_verify_query;

/* A feed that contributed observations (counted or suppressed) to a result,
 * with this node's head of it. */
typedef struct {
    hln_feed_id feed;
    uint64_t seq;
    uint8_t head[HLN_WIRE_HEAD_LEN];
} hln_evidence_feed;

/* A node's own evidence for a query. */
typedef struct {
    uint32_t status; /* HLN_DIGEST_OK, _UNKNOWN_INDICATOR or _FAILED */
    uint8_t digest[HLN_HASH_LEN];
    uint64_t counted, suppressed;
    hln_evidence_feed *feeds; /* ascending by (author, scope); malloc'd */
    size_t n_feeds;
} hln_evidence;

/* Run the query over the node's store with the bench rules (`trust` is the
 * node's trust graph, hln_gov_trust_load; NULL is HLN_EINVAL) and list the
 * contributing feeds.
 * A missing indicator definition is not an error: out->status says so.
 * 0, HLN_EINVAL (a bad query), HLN_ENOMEM, store errors. Free with
 * hln_evidence_free. */
int hln_evidence_compute(hln_node *node, hln_trust *trust, const hln_verify_query *q,
                         uint64_t now_wall_ms, hln_evidence *out);
void hln_evidence_free(hln_evidence *e);

/* Why two digests differ, one cause per feed (or one for the whole). */
typedef enum {
    HLN_CAUSE_PEER_LACKS = 0,  /* we count a feed the peer does not hold */
    HLN_CAUSE_PEER_BEHIND = 1, /* the peer's head of a feed is below ours */
    HLN_CAUSE_WE_LACK = 2,     /* the peer counts a feed we do not hold */
    HLN_CAUSE_WE_BEHIND = 3,   /* our head of a feed is below the peer's */
    HLN_CAUSE_FORK = 4,        /* same seq, different head records: a fork */
    HLN_CAUSE_COUNTED = 5,     /* same head, but only one side counts the feed */
    HLN_CAUSE_RULES = 6,       /* same feeds, different rules (trust, definitions) */
    HLN_CAUSE_ENGINE = 7,      /* same feeds, another benchmark engine version */
    HLN_CAUSE_TRUNCATED = 8,   /* the lists were cut at HLN_WIRE_EVIDENCE_MAX */
} hln_verify_cause_kind;

typedef struct {
    hln_verify_cause_kind kind;
    hln_feed_id feed; /* per-feed kinds */
    uint64_t peer_seq, our_seq;
    bool peer_counts, we_count;
} hln_verify_cause;

/* Our head of a feed (0 when not held); head gets the id prefix. */
typedef int (*hln_verify_head_fn)(void *ctx, const hln_feed_id *feed, uint64_t *seq,
                                  uint8_t head[HLN_WIRE_HEAD_LEN]);

/* Compare a decoded digest reply (status OK, digest different from ours)
 * with our evidence: *causes (malloc'd, caller frees) gets one cause per
 * feed listed in the reply that really differs, or one RULES / ENGINE cause
 * when none does, plus TRUNCATED when either list was cut. `our_truncated`
 * says whether our request was. 0 or HLN_ENOMEM. */
int hln_verify_causes(const hln_evidence *ours, bool our_truncated, hln_wire_msg *reply,
                      hln_verify_head_fn head, void *head_ctx, hln_verify_cause **causes,
                      size_t *n);

/* A stable token ("peer-behind") and a sentence for people. */
const char *hln_verify_cause_name(hln_verify_cause_kind k);

/* ---- hlnd's side ---- */

typedef struct hln_bench_verify hln_bench_verify;

/* Send one wire message to a peer by node id (the daemon's transport). */
typedef int (*hln_bench_verify_send_fn)(void *ctx, const uint8_t peer[HLN_KEY_LEN],
                                        const uint8_t *msg, size_t len);

/* Create the responder and requester over an open node and its sync store
 * (both borrowed, must outlive it). HLN_ENOMEM. */
int hln_bench_verify_new(hln_node *node, hln_sync_store *ss, hln_bench_verify_send_fn send,
                         void *send_ctx, hln_bench_verify **out);
void hln_bench_verify_destroy(hln_bench_verify **v);

/* true if `msg` is a digest request or reply: the daemon hands those to
 * hln_bench_verify_receive instead of the sync engine. */
bool hln_bench_verify_handles(const uint8_t *msg, size_t len);

/* One digest message from an admitted peer. A request is answered (or
 * refused as busy past the per-peer rate); a reply is kept if it answers a
 * query we sent to that peer and ignored otherwise. Returns 0, or the
 * decoder's refusal (HLN_EDECODE, HLN_ETOOBIG) for the caller's penalty. */
int hln_bench_verify_receive(hln_bench_verify *v, uint64_t now_ms, const uint8_t peer[HLN_KEY_LEN],
                             const uint8_t *msg, size_t len);

/* A peer that is up, for the fan-out. */
typedef struct {
    uint8_t id[HLN_KEY_LEN];
    const char *name; /* "" when unnamed */
} hln_verify_peer;

/* Control requests (docs/BENCHMARKS.md, "Agreement between nodes"):
 *   {"cmd": "bench.verify", "indicator", "period", "group", "stratum",
 *    "method", "timeout_ms"}  -> {"query": ID, "asked": N}
 *   {"cmd": "bench.verify.result", "query": ID} -> {"done": bool, "local": {...},
 *    "peers": [...]}
 * HLN_EINVAL (bad request), HLN_ENOTFOUND (no definition of the indicator, or
 * no such query), HLN_ENOMEM. */
int hln_bench_verify_control(hln_bench_verify *v, uint64_t now_ms, const char *cmd,
                             struct json_object *req, struct json_object *reply,
                             const hln_verify_peer *up, size_t n_up);

#endif
