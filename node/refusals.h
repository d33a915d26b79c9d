/* refusals.h - what was refused from each peer and why: counters by reason and a bounded ring per peer, whatever the log's rate limit. */
#ifndef HLN_REFUSALS_H
#define HLN_REFUSALS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "crypto/crypto.h"
#include "proto/record.h"
#include "node/util.h"

/* Why something from or to a peer was refused (docs/RUNNING.md §5,
 * hlnctl peer explain). The names are the metrics' `reason` labels. */
typedef enum {
    HLN_REFUSAL_HANDSHAKE_REFUSED = 0, /* "handshake-refused": the peer refused our handshake */
    HLN_REFUSAL_NOT_ADMITTED,          /* "not-admitted": our ZAP handler refused its key */
    HLN_REFUSAL_DROPPED,               /* "dropped": refused while dropped for bad messages */
    HLN_REFUSAL_NOT_ENTITLED,          /* "not-entitled": its author may not write it (trust) */
    HLN_REFUSAL_POLICY,                /* "policy": an observation under the minimum cell */
    HLN_REFUSAL_SEQ_GAP,               /* "seq-gap": seq does not follow the feed's head */
    HLN_REFUSAL_CHAIN_BREAK,           /* "chain-break": prev is not the feed's head */
    HLN_REFUSAL_TIME_BEHIND,           /* "time-behind-head": dated before the feed's head */
    HLN_REFUSAL_FORK,                  /* "fork": a second record for one feed and seq */
    HLN_REFUSAL_BAD,                   /* "bad": malformed, bad signature, other (the rc says) */
    HLN_REFUSAL_ROTATED,               /* "rotated": its author's key was rotated before it (trust) */
    HLN_REFUSAL_KINDS
} hln_refusal_kind;

/* "handshake-refused", "not-admitted", ... ; "?" out of range. */
const char *hln_refusal_kind_name(unsigned kind);

/* One refusal. For handshake kinds feed.author holds the CURVE key the
 * peer presented when known (our ZAP refusals), else zeros. */
typedef struct {
    uint64_t at_ms;  /* wall clock */
    unsigned kind;   /* hln_refusal_kind */
    int rc;          /* the HLN_E* code behind it (0 if none) */
    hln_feed_id feed;
    uint64_t seq;
    char detail[128]; /* for the operator: "author is not a member", "head is seq 4" */
} hln_refusal;

/* How a peer's handshakes go, for "connected or not, and why". */
typedef struct {
    unsigned kind;        /* the latest refusal: HANDSHAKE_REFUSED, NOT_ADMITTED or DROPPED */
    uint64_t since_ms;    /* the first refusal since it was last up (wall clock) */
    uint64_t last_ms;     /* the latest */
    uint64_t count;       /* refusals since it was last up */
    uint8_t curve[32];    /* the CURVE key it presented (our ZAP refusals) */
} hln_refusal_handshake;

typedef struct hln_refusals hln_refusals;

#define HLN_REFUSALS_RING 32  /* refusals kept per peer, the latest */
#define HLN_REFUSALS_PEERS 256 /* peers kept; the least recently refused is forgotten first */

/* A new, empty book. NULL when out of memory. */
hln_refusals *hln_refusals_new(void);
void hln_refusals_destroy(hln_refusals **r);

/* Count one refusal of `peer` (its node id; for a key our ZAP handler
 * refused and that maps to no id, any 32 bytes that stand for it, such as
 * the CURVE key) and keep it in the peer's ring, the oldest dropped first.
 * Handshake kinds also update the peer's handshake state. Returns true when
 * the caller may log it (a per-peer token bucket: 5, then one per 10 s);
 * the count and the ring never depend on it. `now_mono` drives the bucket.
 * HLN_ENOMEM never surfaces: a peer that cannot be kept is still counted. */
bool hln_refusals_add(hln_refusals *r, const uint8_t peer[HLN_KEY_LEN], const hln_refusal *ev,
                      uint64_t now_mono_ms, uint32_t *suppressed);

/* The peer is up again: its handshake state is cleared (its ring stays). */
void hln_refusals_peer_up(hln_refusals *r, const uint8_t peer[HLN_KEY_LEN]);

/* Every refusal ever counted, by kind (HLN_REFUSAL_KINDS entries). */
const uint64_t *hln_refusals_totals(const hln_refusals *r);

/* The peer's refusals, newest first, into out[0..cap); returns how many.
 * *hs (may be NULL) gets its handshake state; *has_hs says whether one is
 * pending (refused since last up). *count (may be NULL) the peer's total. */
size_t hln_refusals_peer(const hln_refusals *r, const uint8_t peer[HLN_KEY_LEN], hln_refusal *out,
                         size_t cap, hln_refusal_handshake *hs, bool *has_hs, uint64_t *count);

/* Call cb for every peer kept, in no particular order; non-zero stops. */
typedef int (*hln_refusals_peer_cb)(void *ctx, const uint8_t peer[HLN_KEY_LEN]);
int hln_refusals_foreach_peer(const hln_refusals *r, hln_refusals_peer_cb cb, void *ctx);

#endif
