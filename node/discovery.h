/* discovery.h - peer discovery from members' address records (docs/RUNNING.md, docs/SYNC.md). */
#ifndef HLN_DISCOVERY_H
#define HLN_DISCOVERY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "crypto/crypto.h"
#include "proto/record.h"
#include "store/store.h"
#include "node/trust.h"

/* At most this many peers are dialed because of address records; configured
 * peers come on top and always stay. */
#define HLN_DISC_MAX 8
/* Authors whose latest address is remembered at most (a bound on memory). */
#define HLN_DISC_AUTHORS_MAX 65536

/* The latest address record of each author held: "latest" is the highest
 * author timestamp; equal timestamps, the smaller record id. Pure and
 * in-memory; fed every record (other types are ignored). Not thread-safe. */
typedef struct hln_disc hln_disc;

typedef struct {
    uint8_t author[HLN_KEY_LEN];
    char scope[HLN_SCOPE_MAX + 1];
    uint64_t seq, timestamp_ms;
    uint8_t id[HLN_HASH_LEN];
    hln_address addr;
} hln_disc_entry;

/* NULL if out of memory. */
hln_disc *hln_disc_new(void);
void hln_disc_destroy(hln_disc **d);

/* Learn `r` (decoded, verified). true when it became its author's latest
 * address (a new author, or a newer record); false otherwise, for other
 * types, erased bodies and past HLN_DISC_AUTHORS_MAX authors. */
bool hln_disc_learn(hln_disc *d, const hln_record *r);

/* Learn every record in the store. 0 or the store's error. */
int hln_disc_load(hln_disc *d, hln_store *s);

/* Entries held, in author order. */
size_t hln_disc_count(const hln_disc *d);
const hln_disc_entry *hln_disc_at(const hln_disc *d, size_t i);
const hln_disc_entry *hln_disc_find(const hln_disc *d, const uint8_t author[HLN_KEY_LEN]);

/* One peer to dial: the author and every endpoint of its latest address, in
 * the record's order (the author's preference; the dialer tries the next
 * when one does not answer). */
typedef struct {
    uint8_t id[HLN_KEY_LEN];
    hln_address addr;
} hln_disc_pick;

/* Do two picks name the same endpoints in the same order? */
bool hln_disc_same_endpoints(const hln_address *a, const hln_address *b);

/* `skip` (may be NULL) says true for keys that must not be picked (configured
 * peers that have an endpoint). */
typedef bool (*hln_disc_skip_cb)(void *ctx, const uint8_t id[HLN_KEY_LEN]);

/* Choose the peers to dial: every author whose latest address is held, who
 * is a member in force at `now_ms` (hln_trust_member returns 0: an anchor or
 * a member; a revoked, expired or unknown key is never picked), is not
 * `self` and not skipped; ordered by the XOR distance of its id from `self`
 * (deterministic, and spreads the load: every node does not pile onto the
 * same lowest ids), at most `max` of them into `out`. Returns how many. */
size_t hln_disc_select(hln_disc *d, hln_trust *t, uint64_t now_ms, const uint8_t self[HLN_KEY_LEN],
                       hln_disc_skip_cb skip, void *ctx, hln_disc_pick *out, size_t max);

#endif
