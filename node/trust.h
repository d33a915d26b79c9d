/* trust.h - who may author what, for whom: the trust graph, pure logic (docs/GOVERNANCE.md). */
#ifndef HLN_TRUST_H
#define HLN_TRUST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "crypto/crypto.h"
#include "proto/record.h"

/* The rules are written down in docs/GOVERNANCE.md; this header only names
 * them. In short: the operator trusts a few keys outright (anchors); every
 * other key is a member when a chain of in-force, unrevoked member records
 * leads to an anchor, each link admitting a lower level inside the issuer's
 * jurisdiction. A record is judged at its own timestamp: its author must
 * have been entitled to write it when it says it was written.
 *
 * The object holds copies of the governance records it was fed (member,
 * revoke, indicator, policy) and works out the trust graph again, lazily,
 * whenever something changed; it accepts them in any order, and every query
 * answers the same whatever order they came in. It is not thread-safe: the
 * daemon owns one and calls it from its main loop. */
typedef struct hln_trust hln_trust;

/* The longest chain of member records below an anchor: an issuer must
 * stand at a strictly higher level than whom it admits (global > national
 * > subnational > organization), so no chain is longer and no cycle of
 * member records can lift itself without an anchor at its top. */
#define HLN_TRUST_MAX_DEPTH 3
/* Governance records held at most (member + revoke + indicator + policy). */
#define HLN_TRUST_MAX_RECORDS (1u << 20)
#define HLN_TRUST_MAX_ANCHORS 256
#define HLN_TRUST_MAX_FLAGS 65536
/* The longest chain of rotations followed from one member record
 * (OLD -> NEW -> NEWER ...): a bound, not a rule of the network. */
#define HLN_TRUST_MAX_ROTATIONS 16

/* An anchor's level when the operator did not give it and no self-signed
 * member record has told it yet: trusted outright, for anything (see
 * docs/GOVERNANCE.md, "Anchors"). */
#define HLN_TRUST_LEVEL_ANY (-1)

/* Create an empty trust object (no anchors, no records). NULL if out of
 * memory. The caller owns it and frees it with hln_trust_destroy. */
hln_trust *hln_trust_new(void);

/* Free everything; sets *t to NULL. */
void hln_trust_destroy(hln_trust **t);

/* Trust `key` outright. `name` (may be NULL) is shown in listings.
 * `level` is an hln_level with its `jurisdiction` ("global" for the global
 * level), or HLN_TRUST_LEVEL_ANY with jurisdiction NULL to learn them from
 * the anchor's own self-signed member record. HLN_EINVAL (a level that does
 * not fit the jurisdiction), HLN_EEXIST (already an anchor: remove it
 * first), HLN_ETOOBIG, HLN_ENOMEM. */
int hln_trust_add_anchor(hln_trust *t, const uint8_t key[HLN_KEY_LEN], const char *name, int level,
                         const char *jurisdiction);

/* Stop trusting `key` outright (members it admitted lose their chain unless
 * another one holds). HLN_ENOTFOUND if it was not an anchor. */
int hln_trust_remove_anchor(hln_trust *t, const uint8_t key[HLN_KEY_LEN]);

typedef struct {
    uint8_t key[HLN_KEY_LEN];
    char name[HLN_NAME_MAX + 1];
    int level;                            /* hln_level, or HLN_TRUST_LEVEL_ANY */
    char jurisdiction[HLN_SCOPE_MAX + 1]; /* "" when unknown */
    bool given;                           /* level and jurisdiction came from the operator */
} hln_trust_anchor;

/* Call cb for every anchor, in key order, with the level and jurisdiction
 * in effect. A non-zero return from cb stops the walk and is returned. */
typedef int (*hln_trust_anchor_cb)(void *ctx, const hln_trust_anchor *a);
int hln_trust_foreach_anchor(hln_trust *t, hln_trust_anchor_cb cb, void *ctx);

/* Tell the object which key is this node and where it stands (from `hlnctl
 * init --level --jurisdiction`), so that hln_trust_wants_feed knows the
 * node's jurisdiction before its own member record has arrived. HLN_EINVAL
 * if the level does not fit the jurisdiction. */
int hln_trust_set_self(hln_trust *t, const uint8_t key[HLN_KEY_LEN], uint32_t level,
                       const char *jurisdiction);

/* Learn a decoded, signature-verified record. Member, revoke, indicator and
 * policy records are kept (copied) whoever wrote them: whether they count is
 * decided at query time, so that records may come in any order. Other types
 * are accepted and ignored (0), so the caller can feed every record.
 * HLN_EDUP if this record (by id) was learnt already, HLN_EINVAL if a kept
 * type has no body (erased), HLN_ETOOBIG past HLN_TRUST_MAX_RECORDS,
 * HLN_ENOMEM. */
int hln_trust_add_record(hln_trust *t, const hln_record *r);

/* Membership of a key at a time, for status and `member list`. */
typedef enum {
    HLN_TRUST_ANCHOR = 0,    /* trusted outright by this node's operator */
    HLN_TRUST_MEMBER = 1,    /* in force at the time asked */
    HLN_TRUST_NOT_YET = 2,   /* admitted, but valid_from lies ahead */
    HLN_TRUST_EXPIRED = 3,   /* admitted, but valid_until has passed */
    HLN_TRUST_REVOKED = 4,   /* admitted, then revoked from revoked_from_ms */
    HLN_TRUST_UNTRUSTED = 5, /* member records exist, none from an entitled issuer */
    HLN_TRUST_UNKNOWN = 6,   /* nothing known (only flagged, at most) */
} hln_trust_status;

typedef struct {
    uint8_t key[HLN_KEY_LEN];
    hln_trust_status status;
    char name[HLN_NAME_MAX + 1];
    int level;                            /* hln_level, or HLN_TRUST_LEVEL_ANY */
    char jurisdiction[HLN_SCOPE_MAX + 1]; /* "" when unknown */
    uint32_t roles;                       /* HLN_ROLE_* (all three for anchors) */
    bool anchor;
    bool has_issuer; /* false for anchors */
    uint8_t issuer[HLN_KEY_LEN];
    uint64_t valid_from_ms;
    uint64_t valid_until_ms; /* 0: no end */
    bool revoked;            /* a revocation applies (it may lie in the future) */
    uint64_t revoked_from_ms;
    uint8_t revoked_by[HLN_KEY_LEN];
    char revoke_reason[HLN_NAME_MAX + 1];
    bool rotated; /* the revocation is a rotation (revoked_from is its from_ms) */
    uint8_t successor[HLN_KEY_LEN];
    bool flagged;
    char flag_reason[HLN_NAME_MAX + 1];
} hln_trust_info;

/* Where `key` stands at `at_ms`. 0 when it is an anchor or a member in force
 * (info says which membership; of several, an anchor's, else the highest
 * level, else the longest-lived). HLN_ETRUST when it is known but not in
 * force (info->status says why: not yet, expired, revoked, untrusted).
 * HLN_ENOTFOUND when nothing is known of it. `info` may be NULL. */
int hln_trust_member(hln_trust *t, const uint8_t key[HLN_KEY_LEN], uint64_t at_ms,
                     hln_trust_info *info);

/* Call cb once per key known (anchors, subjects of member records, flagged
 * keys), in key order, with hln_trust_member's answer at `at_ms`. A non-zero
 * return from cb stops the walk and is returned. */
typedef int (*hln_trust_member_cb)(void *ctx, const hln_trust_info *info);
int hln_trust_foreach_member(hln_trust *t, uint64_t at_ms, hln_trust_member_cb cb, void *ctx);

/* May the author of `r` have written it? Judged at r->env.timestamp_ms: the
 * author must be an anchor or a member in force then, its level and roles
 * must allow the record type, the feed's scope must lie where the author may
 * publish, and the body must stay inside the author's powers (a member
 * record admits a lower level inside the issuer's jurisdiction; a policy
 * covers part of it). 0, or HLN_ETRUST with a human reason in `why` (may be
 * NULL) such as "organization may not issue member records". A record
 * without a body is judged on its envelope alone. */
int hln_trust_may_author(hln_trust *t, const hln_record *r, char *why, size_t whylen);

/* The same judgement from the envelope alone (before the body is at hand,
 * or after it was erased): standing, type and scope. A member or revoke
 * record is read as the most its body could allow (about the author
 * itself): without a body it grants nothing. 0 or HLN_ETRUST with `why`. */
int hln_trust_may_author_env(hln_trust *t, const hln_envelope *env, char *why, size_t whylen);

/* Was a record with this envelope refused because a rotation closed its
 * author's feed at a lower seq, or replaced its key before its date
 * (docs/GOVERNANCE.md §5a)? For counting a refusal under its own reason. */
bool hln_trust_rotated_out(hln_trust *t, const hln_envelope *env);

/* Should this node (`my_key`) replicate `feed`? True when the author is an
 * anchor or was ever admitted by an entitled issuer (old records stay valid
 * after an expiry or revocation), the feed's scope is one the author may
 * publish in, and the scope includes this node: "global", or a jurisdiction
 * containing the node's own (from hln_trust_set_self for that key, else
 * from its memberships). Data sovereignty: org-level data in scope CA never
 * goes to a node in FR. */
bool hln_trust_wants_feed(hln_trust *t, const hln_feed_id *feed, const uint8_t my_key[HLN_KEY_LEN]);

/* The sender's side: may `peer_key` be sent `feed` at `now_ms`? Scope
 * "global": yes. Any other scope: only when the peer holds a membership in
 * force (or an anchor standing with a known jurisdiction) whose jurisdiction
 * lies inside the scope. */
bool hln_trust_may_receive(hln_trust *t, const uint8_t peer_key[HLN_KEY_LEN],
                           const hln_feed_id *feed, uint64_t now_ms);

/* Mark `key` as misbehaving (a fork proof, an observation that broke the
 * policy). The first reason is kept. Flags are shown and weigh in
 * benchmarks; they do not revoke. 0, HLN_EINVAL, HLN_ETOOBIG, HLN_ENOMEM. */
int hln_trust_flag(hln_trust *t, const uint8_t key[HLN_KEY_LEN], const char *reason);
bool hln_trust_flagged(hln_trust *t, const uint8_t key[HLN_KEY_LEN]);

/* The minimum cell size in force for data of `jurisdiction`: the largest of
 * `local_floor` (the node's own configuration) and, per entitled authority
 * and policy jurisdiction, the min_cell of its latest policy record whose
 * jurisdiction contains `jurisdiction`. The strictest wins; nothing makes it
 * smaller than local_floor. */
uint32_t hln_trust_policy_min_cell(hln_trust *t, const char *jurisdiction, uint32_t local_floor);

/* The definition of indicator `code` in force: among indicator records from
 * entitled authors, the one from the highest level, then the highest
 * version, then the latest timestamp, then the smallest record id. Copies it
 * to *out; `author` (may be NULL) gets its author. HLN_ENOTFOUND if none. */
int hln_trust_indicator(hln_trust *t, const char *code, hln_indicator *out,
                        uint8_t author[HLN_KEY_LEN]);

/* "anchor", "member", "not-yet", "expired", "revoked", "untrusted", "unknown". */
const char *hln_trust_status_name(hln_trust_status s);

#endif
