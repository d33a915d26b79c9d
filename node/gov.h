/* gov.h - the TRUST and FLAGS tables, a node's trust graph, and the misbehaviour status shows. */
#ifndef HLN_GOV_H
#define HLN_GOV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "crypto/crypto.h"
#include "node/node.h"
#include "node/trust.h"
#include "store/store.h"

/* One trust anchor as the operator configured it. In the store's TRUST
 * table the key is the 32-byte node id and the value a JSON object
 * {"name": "...", "level": "national", "jurisdiction": "CA", "added_ms": N};
 * level and jurisdiction are absent when the operator did not give them
 * (docs/GOVERNANCE.md §3: then they are learnt). "{}" is a valid value. */
typedef struct {
    uint8_t id[HLN_KEY_LEN];
    char name[HLN_NAME_MAX + 1];
    int level;                            /* hln_level, or HLN_TRUST_LEVEL_ANY */
    char jurisdiction[HLN_SCOPE_MAX + 1]; /* "" with HLN_TRUST_LEVEL_ANY */
    uint64_t added_ms;                    /* wall clock */
} hln_gov_anchor;

/* Add or replace an anchor. HLN_EINVAL (a name that is not printable
 * UTF-8, a level that does not fit the jurisdiction), HLN_ESTORE. */
int hln_gov_anchor_put(hln_store *s, const hln_gov_anchor *a);

/* Remove an anchor. HLN_ENOTFOUND if it was not one. */
int hln_gov_anchor_del(hln_store *s, const uint8_t id[HLN_KEY_LEN]);

/* Decode one TRUST table entry, checked like untrusted input (the table may
 * be damaged or hand-edited). The key may also be the 63-character text
 * form of the id. HLN_EDECODE if it is not an anchor entry. */
int hln_gov_anchor_decode(const void *key, size_t klen, const void *val, size_t vlen,
                      hln_gov_anchor *out);

/* Call cb for every anchor entry that decodes, in key order; the others are
 * counted in *skipped (may be NULL). A non-zero return from cb stops. */
typedef int (*hln_gov_anchor_cb)(void *ctx, const hln_gov_anchor *a);
int hln_gov_anchor_foreach(hln_store *s, hln_gov_anchor_cb cb, void *ctx, size_t *skipped);

/* Remember that `key` misbehaved (an observation that broke the policy in
 * force, say), so that the flag outlives a restart: the store's FLAGS
 * table, key the 32-byte node id, value {"reason": "...", "at_ms": N}. The
 * first flag of a key is kept. Fork proofs need no entry: the store holds
 * them. 0, HLN_EINVAL, HLN_ESTORE. */
int hln_gov_flag_put(hln_store *s, const uint8_t key[HLN_KEY_LEN], const char *reason,
                     uint64_t at_ms);

/* A trust object for the open node `n`: its anchors (with the level and
 * jurisdiction the operator gave), its own level and jurisdiction, every
 * governance record held, a flag on every author with a fork proof and on
 * every key in the FLAGS table. *out is the caller's to hln_trust_destroy.
 * HLN_ENOMEM, HLN_ESTORE. */
int hln_gov_trust_load(hln_node *n, hln_trust **out);

/* As hln_gov_trust_load, but only the part of the graph that judges
 * policy records: anchors, forks, flags, every policy and revocation, and
 * of the member records those that a policy author's standing rests on
 * (its memberships, their issuers' and so on up to the anchors, through
 * rotations and the authors of revocations). hln_trust_policy_min_cell
 * answers on it exactly as on the whole graph, for any jurisdiction and
 * floor; nothing else should be asked of it. What `policy show` costs then
 * follows the authorities, not the organizations (tests/test_gov_policy.c
 * checks both graphs agree on random governance). HLN_ENOMEM, HLN_ESTORE. */
int hln_gov_trust_load_policy(hln_node *n, hln_trust **out);

/* What `hlnctl status` shows of misbehaviour (docs/CLI.md, status), from
 * the store of the open node `n`: adds to the JSON object `into`
 *   "fork_proofs": N        fork proofs held
 *   "forks": [{"author": ID, "name": NAME|null, "scope": S, "seq": N}]
 *                           one per proof, in key order (author, scope, seq)
 *   "flagged_authors": N    authors flagged: every author with a fork proof
 *                           (reason "fork") and every FLAGS entry
 *   "flagged": [{"author": ID, "name": NAME|null, "reason": R}]
 *                           in key order; the reason as member list has it
 * Each list holds at most HLN_GOV_STATUS_LIST_MAX entries; the counts are
 * complete. Names come from `t` (hlnd's live trust graph); with `t` NULL
 * one is built with hln_gov_trust_load, only when there is someone to
 * name. 0, HLN_EINVAL, HLN_ENOMEM, HLN_ESTORE. */
#define HLN_GOV_STATUS_LIST_MAX 1000
struct json_object;
int hln_gov_status_flags(hln_node *n, hln_trust *t, uint64_t now_ms, struct json_object *into);

/* Author one governance record (member, revoke, policy, indicator,
 * address...) on the node's own feed in `scope`, after asking the node's
 * own trust graph whether it may: a record that its peers would refuse
 * would stall its feed everywhere, so it is not written. On success *seq
 * and *ts_ms (either may be NULL) say where and when. HLN_ETRUST with a
 * reason in `why` (docs/GOVERNANCE.md), HLN_ESTATE (a restored node that
 * has not caught up), HLN_ENOMEM, HLN_ESTORE; `err` gets the store's
 * detail. `why` is "author is not a member" when the node has no standing
 * yet. */
int hln_gov_author(hln_node *n, uint32_t type, const hln_body *body, const char *scope,
                   uint64_t *seq, uint64_t *ts_ms, char *why, size_t whylen);

/* The feeds of `author` this node holds, with their heads, as the closes
 * of a rotation (docs/GOVERNANCE.md §5a): what an authority has seen of a
 * key it rotates. Scopes ascending in out[0..*n). HLN_ETOOBIG when the key
 * has more than HLN_ROTATE_CLOSES_MAX feeds here, HLN_ESTORE. */
int hln_gov_held_heads(hln_store *s, const uint8_t author[HLN_KEY_LEN],
                       hln_close out[HLN_ROTATE_CLOSES_MAX], uint32_t *n);

/* Parse "SCOPE:SEQ" (a rotation's --close) into *c. HLN_EINVAL with a
 * reason in `why`. */
int hln_gov_parse_close(const char *text, hln_close *c, char *why, size_t whylen);

/* Put `c` into v->closes, keeping scopes strictly ascending. HLN_EEXIST
 * when the scope is named already, HLN_ETOOBIG past HLN_ROTATE_CLOSES_MAX. */
int hln_gov_add_close(hln_revoke *v, const hln_close *c);

/* A name for an anchor or a member: printable UTF-8 of at most HLN_NAME_MAX
 * bytes, empty only if `may_be_empty`. */
bool hln_gov_name_valid(const char *s, bool may_be_empty);

/* The node's own jurisdiction for trust: "global" for the global level
 * (hlnctl init keeps no jurisdiction for it), NULL when it has none. */
const char *hln_gov_self_jurisdiction(const hln_node_info *info);

#endif
