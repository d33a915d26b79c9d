/* node.h - the local node: data directory, identity, store, settings, own-feed appends. */
#ifndef HLN_NODE_H
#define HLN_NODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "crypto/crypto.h"
#include "proto/record.h"
#include "store/store.h"
#include "node/util.h"
#include "node/csvin.h"
#include "node/disclosure.h"

/* The data directory (mode 0700) holds:
 *   identity.key   the ed25519 secret key, 0600 (crypto.h writes and checks it)
 *   store/         the LMDB environment
 *   control.sock   the daemon's control endpoint (reserved; hlnd creates it) */
#define HLN_DATA_DIR_DEFAULT "/var/lib/hln"
#define HLN_NODE_KEY_FILE "identity.key"
#define HLN_NODE_STORE_DIR "store"
#define HLN_NODE_CONTROL_SOCK "control.sock"

/* Keys of the node's settings in the store's META table (UTF-8 text values;
 * "id" holds the 32-byte public key, to catch a key file from another node). */
#define HLN_META_NAME "node.name"
#define HLN_META_LEVEL "node.level"
#define HLN_META_JURISDICTION "node.jurisdiction"
#define HLN_META_ID "node.id"
#define HLN_META_MIN_CELL "node.min_cell"

typedef struct hln_node hln_node;

typedef struct {
    char name[HLN_NAME_MAX + 1];
    uint32_t level;                       /* hln_level */
    char jurisdiction[HLN_SCOPE_MAX + 1]; /* "" : none yet */
    uint32_t min_cell;                    /* the node's own minimum cell; 0: the default */
} hln_node_info;

#define HLN_NODE_RDONLY 1u /* open the store read-only (reads, verify) */

/* Create a node in `dir`: the directory (0700, may exist), a new identity
 * in its key file (never overwritten: HLN_EEXIST if one is there), an empty
 * store and the settings in `info`. On success *out is the open node.
 * HLN_EINVAL for a bad name, level or jurisdiction; HLN_EIO, HLN_ESTORE.
 * A message for the operator goes to `err` (may be NULL). */
int hln_node_create(const char *dir, const hln_node_info *info, hln_node **out, char *err,
                    size_t errlen);


/* Open the node in `dir`: load its identity (HLN_EPERM for a key file that
 * others may read, HLN_ENOTFOUND if there is none), open its store, read its
 * settings (HLN_ESTATE if the store belongs to another key). */
int hln_node_open(const char *dir, unsigned flags, hln_node **out, char *err, size_t errlen);

/* Close the store and wipe the identity; sets *n to NULL. */
void hln_node_close(hln_node **n);

/* Borrowed views, valid until hln_node_close. The identity is the only
 * holder of the secret key: do not copy it. */
const hln_node_info *hln_node_get_info(const hln_node *n);
const uint8_t *hln_node_pk(const hln_node *n);
const hln_identity *hln_node_identity(const hln_node *n);
hln_store *hln_node_store(hln_node *n);
const char *hln_node_dir(const hln_node *n);

/* The scope the node publishes in by default: the country of its
 * jurisdiction ("CA-ON" -> "CA"), or "global" if it has none. */
void hln_node_default_scope(const hln_node *n, char out[HLN_SCOPE_MAX + 1]);

/* true if the node may publish in `scope`: a valid scope that contains the
 * node's jurisdiction (any valid scope while it has none). */
bool hln_node_scope_ok(const hln_node *n, const char *scope);

/* The minimum cell in force: the strictest of the floor (11), the node's
 * own setting, `configured` (0: none) and the latest policy record of each
 * author for a jurisdiction that contains the node's. */
int hln_node_min_cell(hln_node *n, uint32_t configured, uint32_t *out);

/* One record to append: its type and body. */
typedef struct {
    uint32_t type; /* hln_rec_type */
    hln_body body;
} hln_node_item;

/* Append `count` records to the node's own feed for `scope` in one store
 * transaction: seq and prev continue from the feed's head, every record is
 * sealed before anything is written, ts_ms 0 means now. *first_seq (may be
 * NULL) gets the first record's seq. All or nothing: HLN_EINVAL (a field is
 * invalid, named in `err`), HLN_ECHAIN (another writer moved the head: try
 * again), HLN_ESTORE, HLN_ENOMEM. */
int hln_node_append(hln_node *n, const char *scope, const hln_node_item *items, size_t count,
                    uint64_t ts_ms, uint64_t *first_seq, char *err, size_t errlen);

/* An indicator definition held in the store. */
typedef struct {
    hln_indicator def;
    uint8_t author[HLN_KEY_LEN];
    char scope[HLN_SCOPE_MAX + 1];
    uint64_t seq, timestamp_ms;
} hln_node_def;

/* The latest definition of every indicator code held (highest version;
 * equal versions: the latest clock), sorted by code. *defs is malloc'd
 * (NULL when there are none); the caller frees it. */
int hln_node_definitions(hln_node *n, hln_node_def **defs, size_t *count);

/* The definition of `code` within `defs` (sorted by code), or NULL. */
const hln_node_def *hln_node_find_def(const hln_node_def *defs, size_t count, const char *code);

/* Publishing a CSV file of observations (docs/CLI.md, docs/DISCLOSURE.md). */
typedef struct {
    const char *scope; /* NULL: the default scope */
    uint32_t min_cell; /* a stricter minimum for this run; 0: none */
    bool dry_run;      /* check and suppress, write nothing */
    uint64_t ts_ms;    /* 0: now */
    const char *columns;     /* header names mapped to ours ("theirs=ours,..."); NULL none */
    hln_csv_problem_cb note; /* told of columns ignored; may be NULL */
    void *note_ctx;
} hln_publish_opts;

typedef struct {
    hln_disclosure_item *items; /* one per row, in file order; malloc'd */
    unsigned long *lines;       /* the CSV line of each item */
    size_t n;
    size_t n_suppressed;
    uint32_t min_cell;
    char scope[HLN_SCOPE_MAX + 1];
    uint64_t first_seq; /* 0 for a dry run */
} hln_publish_result;

/* Parse and check the CSV in buf against the definitions held, apply
 * disclosure control and, unless dry_run, append every row as one batch.
 * Bad rows go to cb; then nothing is written and HLN_EINVAL is returned.
 * HLN_EPERM: the node may not publish in that scope. Other errors as
 * hln_csvin_parse and hln_node_append. res is filled on success and, for
 * a dry run, too; free it with hln_publish_result_free. */
int hln_node_publish_csv(hln_node *n, const char *buf, size_t len, const hln_publish_opts *o,
                         hln_csv_problem_cb cb, void *ctx, hln_publish_result *res, char *err,
                         size_t errlen);
void hln_publish_result_free(hln_publish_result *res);

/* As hln_node_publish_csv for rows built by the caller (an authority's
 * roll-up of a dsr, whose one row carries its DSR and variance in
 * obs.extra): the same scope check, disclosure control and batch. The
 * rows' kinds must be set; a mean's sums of squares are taken from
 * sumsq_lo/hi. */
int hln_node_publish_rows(hln_node *n, hln_csv_row *rows, size_t nrows, const hln_publish_opts *o,
                          hln_publish_result *res, char *err, size_t errlen);

/* Append the checked, disclosure-controlled rows of `res` (res->scope,
 * suppressed rows without counts) as one batch, as hln_node_publish_csv
 * does after its checks; sets res->first_seq. Errors as hln_node_append. */
int hln_node_publish_items(hln_node *n, hln_publish_result *res, uint64_t ts_ms, char *err,
                           size_t errlen);

/* Read a whole regular file of at most `max` bytes into a malloc'd buffer
 * (NUL-terminated; *len excludes the NUL). Never blocks on a FIFO: anything
 * but a regular file is HLN_EINVAL. HLN_ENOTFOUND, HLN_EPERM, HLN_EIO,
 * HLN_ETOOBIG, HLN_ENOMEM. */
int hln_read_file(const char *path, size_t max, char **buf, size_t *len);

/* ---- the catch-up rule -------------------------------------------------
 *
 * A restored store has forgotten the records its own node published after
 * the backup; its peers still hold them. Publishing at a seq it already used
 * would fork its own feed, so a store made by `hlnctl backup` carries this
 * META key, and while it is there the node refuses to append to its own
 * feeds (hln_node_append: HLN_ESTATE). hlnd removes it once a peer's full
 * clock shows nothing of this node's feeds beyond what it holds (it pulls
 * the missing records first); `hlnctl restore --done` removes it by hand. */
#define HLN_META_CATCH_UP "node.catch_up"

/* true if `s` carries the catch-up mark (a restored store, not yet caught up). */
bool hln_node_catch_up_pending(hln_store *s);

/* Set or clear the mark. HLN_ESTORE. */
int hln_node_catch_up_set(hln_store *s, bool pending);

#endif
