/* explain.h - hlnd's account of each peer: connected or why not, what flows and what is withheld, what it sent that was refused (hlnctl peer explain). */
#ifndef HLND_EXPLAIN_H
#define HLND_EXPLAIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "node/refusals.h"
#include "node/trust.h"
#include "store/store.h"

struct json_object;
typedef struct hlnd_explain hlnd_explain;

/* NULL when out of memory (hlnd then runs without explanations). */
hlnd_explain *hlnd_explain_new(void);
void hlnd_explain_destroy(hlnd_explain **x);

/* Our dial to `peer` failed its handshake (the transport's HLN_TEV_REFUSED
 * for an outgoing connection): the peer does not admit this node. */
void hlnd_explain_dial_refused(hlnd_explain *x, const uint8_t peer[HLN_KEY_LEN]);

/* Our ZAP handler refused a CURVE key: `id` when the key maps to a known
 * node id (a dropped peer), NULL otherwise. */
void hlnd_explain_zap_refused(hlnd_explain *x, const uint8_t *id, const uint8_t curve[32],
                              bool dropped);

/* The peer's session came up: its pending handshake refusals are over. */
void hlnd_explain_peer_up(hlnd_explain *x, const uint8_t peer[HLN_KEY_LEN]);

/* After the store side judged records from `peer`: count and keep every
 * refusal (not a duplicate) with its reason, and log it (rate-limited per
 * peer). `t` and `s` explain it (the trust graph's reason; the feed's head
 * for a seq gap, a chain break or a clock that steps back). */
void hlnd_explain_records(hlnd_explain *x, const uint8_t peer[HLN_KEY_LEN], hln_trust *t,
                          hln_store *s, const hln_record *recs, size_t n, const int *results);

/* A message the engine accepted from `peer`: if it is a clock, remember
 * the feeds and heads the peer announced (bounded per peer), to tell what
 * we decline of its feeds and what it lacks of ours. */
void hlnd_explain_clock(hlnd_explain *x, const uint8_t peer[HLN_KEY_LEN], const uint8_t *msg,
                        size_t len);

/* Add "explain" to every peer object of `peers` (a JSON array from the
 * `peers` control command: objects with "id"), and append an object for
 * every key refused at the handshake that is not in it. Each "explain":
 *   "connected": bool, "why": text, "standing", "feeds_offered",
 *   "feeds_withheld" (hln_peer_view_feeds), "declined": [{"author",
 *   "scope", "reason"}] feeds it offered that this node does not want,
 *   "not_taken": [{"author", "scope", "seq", "peer_seq"}] feeds offered
 *   that its latest clock shows it lacks, "handshake", "refusals"
 *   (hln_peer_view_refusals).
 * `me` is this node's id, `now_ms` wall clock. 0 or HLN_ENOMEM. */
int hlnd_explain_fill(hlnd_explain *x, hln_trust *t, hln_store *s, const uint8_t me[HLN_KEY_LEN],
                      uint64_t now_ms, struct json_object *peers);

/* Every refusal counted, by hln_refusal_kind (for the metrics). */
const uint64_t *hlnd_explain_totals(const hlnd_explain *x);

#endif
