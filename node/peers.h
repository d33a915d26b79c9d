/* peers.h - the PEERS table: the peers an operator configured, shared by hlnd and hlnctl. */
#ifndef HLN_PEERS_H
#define HLN_PEERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "crypto/crypto.h"
#include "store/store.h"

/* One configured peer. In the store's PEERS table the key is the 32-byte
 * node id and the value a JSON object {"endpoint": "...", "name": "...",
 * "added_ms": N}; an empty endpoint means "admit its connections, do not
 * dial it". */
#define HLN_PEERS_NAME_MAX 64
typedef struct {
    uint8_t id[HLN_KEY_LEN];
    char endpoint[HLN_ENDPOINT_MAX + 1];
    char name[HLN_PEERS_NAME_MAX + 1];
    uint64_t added_ms; /* wall clock */
} hln_peers_entry;

/* A peer name: printable UTF-8 of at most HLN_PEERS_NAME_MAX bytes. */
bool hln_peers_name_valid(const char *s);

/* Add or replace a peer. HLN_EINVAL (a bad endpoint or name), HLN_ESTORE. */
int hln_peers_put(hln_store *s, const hln_peers_entry *p);

/* Remove a peer. HLN_ENOTFOUND if it was not configured. */
int hln_peers_del(hln_store *s, const uint8_t id[HLN_KEY_LEN]);

/* Call cb for every configured peer, in id order. Entries that do not decode
 * are skipped (their count goes to *skipped, which may be NULL). */
typedef int (*hln_peers_cb)(void *ctx, const hln_peers_entry *p);
int hln_peers_foreach(hln_store *s, hln_peers_cb cb, void *ctx, size_t *skipped);

#endif
