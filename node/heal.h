/* heal.h - a store that heals (issue 17; docs/STORE.md): quarantine damaged records so the node
 * starts and fetches them again, repair from a backup, and a verify that survives a damaged page. */
#ifndef HLN_HEAL_H
#define HLN_HEAL_H

#include <stdbool.h>
#include <stdint.h>

#include "node/node.h"
#include "store/store.h"

/* hln_store_heal on the node's store. When a feed of the node's own is cut
 * back, the catch-up mark is set (docs/OPERATIONS.md): publishing at a seq
 * the node used already would fork its own feed, so it waits until a peer
 * has given the records back. */
int hln_heal_node(hln_node *n, unsigned flags, hln_heal_cb cb, void *ctx, hln_heal_stats *st);

/* Take back from the backup store in `backup_dir` (made by hlnctl backup)
 * every record past the node's head of each feed the backup holds. Each
 * copy is decoded and its signature checked before it is appended (the
 * chain check then proves it is the record that was lost). *added gets the
 * records appended, *refused those that failed a check. */
int hln_heal_from_backup(hln_node *n, const char *backup_dir, uint64_t *added, uint64_t *refused);

/* hln_store_verify of the store in `store_dir`, run in a child process: a
 * damaged LMDB page can make liblmdb read wild pointers (it keeps no page
 * checksums), and a crash of the walk is itself the finding. Returns the
 * problems found (>= 0) or an error; *crash_signal is the signal that
 * ended the child (0 if none), which the caller reports as damage. */
int hln_heal_verify_isolated(const char *store_dir, hln_problem_cb cb, void *ctx, uint64_t *feeds,
                             uint64_t *records, int *crash_signal);

#endif
