/* gov_cmds.h - hlnctl trust/member/policy commands and the TRUST table's format. */
#ifndef HLN_GOV_CMDS_H
#define HLN_GOV_CMDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "crypto/crypto.h"
#include "store/store.h"
#include "node/node.h"
#include "node/trust.h"

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
} hln_anchor_entry;

/* Add or replace an anchor. HLN_EINVAL (a name that is not printable
 * UTF-8, a level that does not fit the jurisdiction), HLN_ESTORE. */
int hln_anchor_put(hln_store *s, const hln_anchor_entry *a);

/* Remove an anchor. HLN_ENOTFOUND if it was not one. */
int hln_anchor_del(hln_store *s, const uint8_t id[HLN_KEY_LEN]);

/* Decode one TRUST table entry, checked like untrusted input (the table may
 * be damaged or hand-edited). The key may also be the 63-character text
 * form of the id. HLN_EDECODE if it is not an anchor entry. */
int hln_anchor_decode(const void *key, size_t klen, const void *val, size_t vlen,
                      hln_anchor_entry *out);

/* Call cb for every anchor entry that decodes, in key order; the others are
 * counted in *skipped (may be NULL). A non-zero return from cb stops. */
typedef int (*hln_anchor_cb)(void *ctx, const hln_anchor_entry *a);
int hln_anchor_foreach(hln_store *s, hln_anchor_cb cb, void *ctx, size_t *skipped);

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

/* Print those fields of a status object as table lines: "LABELnone" or
 * "LABELN proofs" / "LABELN authors", then one line per entry (at most
 * HLN_GOV_STATUS_TABLE_MAX), indented to the label's width. */
#define HLN_GOV_STATUS_TABLE_MAX 20
void hln_gov_status_flags_print(FILE *f, struct json_object *st, const char *forks_label,
                                const char *flagged_label);

/* Command functions for hlnctl's table, in the manner of hln_cli_peer:
 * `argv[0]` is the verb (the noun was consumed; a leading noun is skipped);
 * results on stdout, diagnostics on stderr as "hlnctl: message"; the
 * return value is the exit status: 0 success, 1 failed or refused, 2 usage.
 * `json` is the global --json (a --json after the verb works too).
 *
 *   trust add ID [--name NAME] [--level LEVEL --jurisdiction CODE]
 *   trust remove ID
 *   trust list [--json]
 *   member issue ID --name NAME --level LEVEL --jurisdiction CODE
 *                [--from DATE] [--until DATE] [--scope CODE|global]
 *   member revoke ID [--reason R] [--from DATE] [--scope CODE|global]
 *   member list [--json] [--at DATE]
 *   policy set --min-cell N [--scope CODE]   (CODE: the jurisdiction it covers)
 *   policy show [CODE] [--json]
 *
 * DATE is YYYY-MM-DD (00:00 UTC) or YYYY-MM-DDTHH:MM:SSZ. Records this node
 * would itself refuse (docs/GOVERNANCE.md) are not written: a refused record
 * would stop its whole feed on every other node. Writes go straight to the
 * store, then a running hlnd is told (reload for anchors, appended for
 * records). */
int hln_cli_trust(const char *datadir, int argc, char **argv, bool json);
int hln_cli_member(const char *datadir, int argc, char **argv, bool json);
int hln_cli_policy(const char *datadir, int argc, char **argv, bool json);

/* Parse DATE as above into milliseconds since the epoch (UTC).
 * HLN_EINVAL if malformed. */
int hln_gov_parse_date(const char *s, uint64_t *ms);

#endif
