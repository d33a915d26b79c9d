/* ctl_cmds.h - hlnctl's peering and online-status commands, and the PEERS table they share with
 * hlnd. */
#ifndef HLN_CTL_CMDS_H
#define HLN_CTL_CMDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "crypto/crypto.h"
#include "store/store.h"

/* One configured peer. In the store's PEERS table the key is the 32-byte
 * node id and the value a JSON object {"endpoint": "...", "name": "...",
 * "added_ms": N}; an empty endpoint means "admit its connections, do not
 * dial it". */
#define HLN_PEER_NAME_MAX 64
typedef struct {
    uint8_t id[HLN_KEY_LEN];
    char endpoint[HLN_ENDPOINT_MAX + 1];
    char name[HLN_PEER_NAME_MAX + 1];
    uint64_t added_ms; /* wall clock */
} hln_peer_entry;

/* Add or replace a peer. HLN_EINVAL (a bad endpoint or name), HLN_ESTORE. */
int hln_peer_put(hln_store *s, const hln_peer_entry *p);

/* Remove a peer. HLN_ENOTFOUND if it was not configured. */
int hln_peer_del(hln_store *s, const uint8_t id[HLN_KEY_LEN]);

/* Call cb for every configured peer, in id order. Entries that do not decode
 * are skipped (their count goes to *skipped, which may be NULL). */
typedef int (*hln_peer_cb)(void *ctx, const hln_peer_entry *p);
int hln_peer_foreach(hln_store *s, hln_peer_cb cb, void *ctx, size_t *skipped);

/* Command functions for hlnctl's table. `argv[0]` is the verb ("add",
 * "remove", "list"); the noun has been consumed by the caller. They print
 * results on stdout and diagnostics on stderr as "hlnctl: message", and
 * return the exit status: 0 success, 1 the operation failed, 2 usage.
 *
 *   peer add ID [ENDPOINT] [--name NAME]   (no ENDPOINT: admit, do not dial)
 *   peer remove ID
 *   peer list [--json]
 *
 * add and remove write the PEERS table directly (hlnd may be down) and then
 * ask a running hlnd to reload its peers. */
int hln_cli_peer(const char *datadir, int argc, char **argv, bool json);

/* Status from the running hlnd: node id, feeds, records, peers up, records
 * behind the best-known heads. Exit status 0, 1 if the request failed, or 3
 * if hlnd is not running (the caller may fall back on the store). */
#define HLN_CLI_NOT_RUNNING 3
int hln_cli_status_online(const char *datadir, int argc, char **argv, bool json);

/* true if an hlnd runs on `datadir`. */
bool hln_cli_daemon_running(const char *datadir);

/* Tell the running hlnd that records were appended to the store so that it
 * pushes them at once. 0 also when no hlnd runs (it will announce them when
 * it starts); HLN_EAGAIN if hlnd did not answer in time, HLN_ENET. */
int hln_ctl_notify_appended(const char *datadir);

/* Ask the running hlnd to re-read its trust anchors and peers (after `trust
 * add`, for example). 0 also when no hlnd runs. */
int hln_ctl_notify_reload(const char *datadir);

#endif
