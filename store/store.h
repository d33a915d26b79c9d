/* store.h - the LMDB store: records, feeds, heads, the observation index, trust, peers, forks. */
#ifndef HLN_STORE_H
#define HLN_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../proto/record.h"

#define HLN_STORE_SCHEMA 1
#define HLN_INCARNATION_LEN 16

typedef struct hln_store hln_store;

/* Open (creating if absent) the store in directory `dir` (the LMDB files
 * live in `dir` itself). A new store gets a random incarnation id and the
 * schema version. HLN_ESCHEMA if the store has another schema, HLN_ESTORE or
 * HLN_EIO otherwise. `flags`: 0, or HLN_STORE_RDONLY. */
#define HLN_STORE_RDONLY 1u
int hln_store_open(const char *dir, unsigned flags, hln_store **out);

/* Close; sets *s to NULL. */
void hln_store_close(hln_store **s);

/* The store's random incarnation id (docs/STORE.md; docs/SYNC.md §4). */
void hln_store_incarnation(const hln_store *s, uint8_t out[HLN_INCARNATION_LEN]);

/* Append one record (decoded and signature-verified by the caller) in its own
 * transaction. Checks that seq = head + 1 and prev = head id.
 * Returns 0 when stored; HLN_EDUP if this record is held already; HLN_EFORK
 * if another record holds that feed and seq (the proof is stored);
 * HLN_ECHAIN if seq or prev do not continue the feed; HLN_ESTORE. */
int hln_store_append(hln_store *s, const hln_record *r);

/* Append `n` records in one transaction, in order. results[i] gets what
 * hln_store_append would have returned for record i; a record that fails
 * does not stop the others. Returns 0 if the transaction committed (then
 * every record with results[i] == 0 is durable), or HLN_ESTORE, in which case
 * nothing was written. A full map is grown and the batch retried. */
int hln_store_append_batch(hln_store *s, const hln_record *recs, size_t n, int *results);

/* As hln_store_append_batch, with record i made by fill(ctx, i, r) inside
 * the transaction into one buffer reused for every record: a batch of any
 * length in the memory of one record. fill is called for i = 0, 1, ... in
 * order (again from 0 if the transaction is retried after the map grew); a
 * non-zero return aborts the transaction (nothing written) and is returned. */
typedef int (*hln_record_fill_cb)(void *ctx, size_t i, hln_record *r);
int hln_store_append_fill(hln_store *s, size_t n, hln_record_fill_cb fill, void *ctx,
                          int *results);

/* Look up a record by id. HLN_ENOTFOUND if absent. */
int hln_store_get(hln_store *s, const uint8_t id[HLN_HASH_LEN], hln_record *out);

/* The record at (feed, seq). HLN_ENOTFOUND if absent. */
/* The id held at (feed, seq), from the index alone (no record read):
 * HLN_ENOTFOUND when none. A cheap duplicate check before a signature. */
int hln_store_feed_id(hln_store *s, const hln_feed_id *feed, uint64_t seq,
                      uint8_t id[HLN_HASH_LEN]);
int hln_store_feed_get(hln_store *s, const hln_feed_id *feed, uint64_t seq, hln_record *out);

/* A feed's head: its highest seq and that record's id. A feed not held has
 * head 0 (and HLN_ENOTFOUND). */
int hln_store_head(hln_store *s, const hln_feed_id *feed, uint64_t *seq, uint8_t id[HLN_HASH_LEN]);

/* The author's timestamp of a feed's head record. A record appended to the
 * feed must carry a timestamp at least this large (else HLN_ECHAIN): the
 * observation index orders an author's versions by timestamp. */
int hln_store_head_time(hln_store *s, const hln_feed_id *feed, uint64_t *ts_ms);

/* Call cb for every feed with its head, in key order. A non-zero return from
 * cb stops the walk and is returned. */
typedef int (*hln_head_cb)(void *ctx, const hln_feed_id *feed, uint64_t seq,
                           const uint8_t id[HLN_HASH_LEN]);
int hln_store_foreach_head(hln_store *s, hln_head_cb cb, void *ctx);

/* Call cb for the records of `feed` with from_seq <= seq <= to_seq, in order
 * (to_seq 0: to the head). */
typedef int (*hln_record_cb)(void *ctx, const hln_record *r);
int hln_store_foreach_feed(hln_store *s, const hln_feed_id *feed, uint64_t from_seq,
                           uint64_t to_seq, hln_record_cb cb, void *ctx);

/* Every record, feed by feed in seq order (for verify and log). */
int hln_store_foreach_record(hln_store *s, hln_record_cb cb, void *ctx);

/* The governance records only (member, revoke, indicator, policy,
 * address), in the order of hln_store_foreach_record, from an index kept
 * in the appending transaction: its cost follows their number, not the
 * store's size. */
int hln_store_foreach_gov(hln_store *s, hln_record_cb cb, void *ctx);

/* The same, of the types in `types` only (bit 1u << HLN_REC_x): the others
 * are passed over by their type alone, never decoded. */
#define HLN_STORE_GOV_TYPE(t) (1u << (t))
int hln_store_foreach_gov_of(hln_store *s, uint32_t types, hln_record_cb cb, void *ctx);

/* The observation index: every observation held, keyed by (indicator,
 * period, stratum, author, unit, timestamp, seq), with its counts, so that
 * benchmarks never read the records themselves. */
typedef struct {
    const char *indicator, *period, *stratum, *unit; /* valid during the callback */
    uint8_t author[HLN_KEY_LEN];
    char scope[HLN_SCOPE_MAX + 1];
    uint64_t timestamp_ms, seq;
    uint8_t id[HLN_HASH_LEN];
    uint64_t numerator, denominator;
    bool suppressed;
    bool retracted; /* a retract record of the same author withdrew it */
} hln_obs_entry;
typedef int (*hln_obs_cb)(void *ctx, const hln_obs_entry *e);
/* Walk the index for `indicator`; `period` and `stratum` NULL mean any.
 * Entries come ordered by (period, stratum, author, unit, timestamp, seq),
 * so the last entry of each (author, unit) run is the latest. */
int hln_store_foreach_obs(hln_store *s, const char *indicator, const char *period,
                          const char *stratum, hln_obs_cb cb, void *ctx);

/* Drop the body of record `id` (an erasing retraction). The envelope stays. */
int hln_store_erase_body(hln_store *s, const uint8_t id[HLN_HASH_LEN]);

/* Counts: feeds held, records held. */
int hln_store_counts(hln_store *s, uint64_t *feeds, uint64_t *records);

/* Fork proofs: both records of a feed and seq. cb gets the two records. */
typedef int (*hln_fork_cb)(void *ctx, const hln_record *first, const hln_record *second);
int hln_store_foreach_fork(hln_store *s, hln_fork_cb cb, void *ctx);
/* true if `author` has a fork proof held against it. */
bool hln_store_author_forked(hln_store *s, const uint8_t author[HLN_KEY_LEN]);

/* Small keyed tables for the node: trust anchors, peers, settings.
 * Values are opaque bytes (at most 4096); keys at most 128 bytes. */
typedef enum { HLN_TABLE_TRUST = 0, HLN_TABLE_PEERS = 1, HLN_TABLE_META = 2, HLN_TABLE_FLAGS = 3 } hln_table;
int hln_store_kv_put(hln_store *s, hln_table t, const void *key, size_t klen, const void *val,
                     size_t vlen);
/* Copies at most cap bytes into val; *vlen gets the full length. HLN_ENOTFOUND. */
int hln_store_kv_get(hln_store *s, hln_table t, const void *key, size_t klen, void *val,
                     size_t cap, size_t *vlen);
int hln_store_kv_del(hln_store *s, hln_table t, const void *key, size_t klen);
typedef int (*hln_kv_cb)(void *ctx, const void *key, size_t klen, const void *val, size_t vlen);
int hln_store_kv_foreach(hln_store *s, hln_table t, hln_kv_cb cb, void *ctx);

/* A compacting copy of the store to `path` (a new file), safe while others
 * write (LMDB's mdb_env_copy2 with MDB_CP_COMPACT). `path` is created as a
 * new directory holding data.mdb, so it opens with hln_store_open as it is;
 * the copy gets a fresh incarnation id (a restored backup has forgotten
 * what it told its peers). HLN_EEXIST if `path` exists. */
int hln_store_backup(hln_store *s, const char *path);

/* Re-check every record: decode, signature, body hash, chain links, heads
 * and the observation index. cb (may be NULL) gets one line per problem.
 * Returns the number of problems found (>= 0) or a negative error. */
typedef void (*hln_problem_cb)(void *ctx, const char *line);
int hln_store_verify(hln_store *s, hln_problem_cb cb, void *ctx);

/* ---- healing (issue 17; docs/STORE.md) ----
 *
 * A record whose stored bytes do not decode to the id it is stored under is
 * damaged. hln_store_heal quarantines it: the record and every later record
 * of its feed leave the store (the chain must continue from an intact
 * record; peers or a backup give them back, and their signatures prove the
 * copies), the feed's head goes back to the last intact record, and the
 * observation index is made to agree with the records (entries naming a
 * record not held or disagreeing with it are removed or rewritten, missing
 * ones added). cb (may be NULL) gets each damaged record (what "damaged")
 * and each index entry fixed (what "index"). HLN_HEAL_DRY reports without
 * writing; HLN_HEAL_INDEX leaves damaged records in place (only the index is
 * fixed; what a running node can do without its sync engine knowing). */
#define HLN_HEAL_DRY 1u
#define HLN_HEAL_INDEX 2u
typedef struct {
    uint64_t records;  /* records checked */
    uint64_t damaged;  /* records whose bytes do not match their id */
    uint64_t dropped;  /* records taken out (damaged and the rest of their feeds) */
    uint64_t index;    /* index entries fixed (or that would be, dry) */
} hln_heal_stats;
typedef void (*hln_heal_cb)(void *ctx, const char *what, const hln_feed_id *feed, uint64_t seq,
                            const uint8_t id[HLN_HASH_LEN], const char *detail);
int hln_store_heal(hln_store *s, unsigned flags, hln_heal_cb cb, void *ctx, hln_heal_stats *st);

/* Index entries hln_store_foreach_obs skipped since open because they
 * disagreed with their record (it counts the record, never the entry). */
uint64_t hln_store_obs_skipped(const hln_store *s);

#endif
