/* sync_store.h - the sync engine's host side over the node's LMDB store and its trust graph. */
#ifndef HLN_SYNC_STORE_H
#define HLN_SYNC_STORE_H

#include "node/node.h"
#include "node/sync.h"
#include "node/trust.h"

/* It answers the engine's store-side questions (heads, read, store, wants,
 * fork, forks) for an open node: records are checked against the trust
 * graph (who may author what, the disclosure policy for observations) and
 * written with hln_store_append_batch, one transaction per call, so the
 * engine hears only about what is committed. Governance records that are
 * stored feed the trust object at once.
 *
 * Trust anchors come from the store's TRUST table (node/gov.h has its
 * format; hln_gov_trust_load builds the trust object). */
typedef struct hln_sync_store hln_sync_store;

/* Build over the open node `n` (which must outlive it): read the trust
 * anchors and every governance record held. HLN_ENOMEM, HLN_ESTORE. */
int hln_sync_store_new(hln_node *n, hln_sync_store **out);

/* Free; *ss = NULL. */
void hln_sync_store_destroy(hln_sync_store **ss);

/* Fill the store-side callbacks of `host` (heads, read, store, wants, fork,
 * forks) with ctx = ss. send, peers and penalty are left NULL for the
 * caller, who wraps these when it needs its own ctx. */
void hln_sync_store_host(hln_sync_store *ss, hln_sync_host *host);

/* The store callback in three steps, for a host that commits on another
 * thread while its engine goes on: prepare checks trust and policy (on the
 * engine's thread; it may teach the trust object and write the FLAGS
 * table); commit runs the one LMDB transaction and touches nothing else,
 * so it may run on another thread; finish, back on the engine's thread,
 * fills results[n] as the store callback does and returns what it would.
 * One batch at a time: nothing else of ss is called between prepare and
 * finish, and recs stays valid until finish. HLN_ENOMEM from prepare:
 * nothing to commit or finish. */
int hln_sync_store_prepare(hln_sync_store *ss, const hln_record *recs, size_t n);
void hln_sync_store_commit(hln_sync_store *ss);
int hln_sync_store_finish(hln_sync_store *ss, const hln_record *recs, int *results);

/* Re-read the trust anchors (after `hlnctl trust add/remove`); not
 * between prepare and finish (settle the engine first). */
int hln_sync_store_reload(hln_sync_store *ss);

/* The trust object (borrowed). */
hln_trust *hln_sync_store_trust(hln_sync_store *ss);

/* Counters: records refused by trust or policy, forks seen. */
typedef struct {
    uint64_t refused_trust, refused_policy, forks, batches, stored;
} hln_sync_store_stats;
void hln_sync_store_stats_get(const hln_sync_store *ss, hln_sync_store_stats *st);

#endif
