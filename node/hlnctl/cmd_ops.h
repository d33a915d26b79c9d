/* ops_cmds.h - operations: backup and restore, the catch-up rule after a restore, metrics in the
 * Prometheus text format (docs/OPERATIONS.md). */
#ifndef HLN_OPS_CMDS_H
#define HLN_OPS_CMDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

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
bool hln_ops_catch_up_pending(hln_store *s);

/* Set or clear the mark. HLN_ESTORE. */
int hln_ops_catch_up_set(hln_store *s, bool pending);

/* ---- metrics ------------------------------------------------------------ */

/* Refusal reasons are the HLN_E* codes (hln_errname gives the label). */
#define HLN_OPS_REASONS 32

/* Everything the metrics page shows. `up` false: hlnd is not running and
 * only the store-derived fields (feeds, records, catch_up) are meaningful. */
typedef struct {
    bool up;
    bool catch_up;
    uint64_t feeds, records;
    uint64_t uptime_s;
    uint64_t peers, peers_up, behind;
    uint64_t bytes_in, bytes_out, msgs_in, msgs_out;
    uint64_t records_received, records_duplicate, records_unwanted;
    uint64_t forks_detected;
    uint64_t requests_sent, requests_timed_out, requests_served;
    uint64_t refusals[HLN_OPS_REASONS]; /* index: -HLN_E* code */
} hln_metrics;

/* Count one refusal for error code rc (< 0) into m->refusals. */
void hln_metrics_refusal(uint64_t refusals[HLN_OPS_REASONS], int rc);

/* Format `m` in the Prometheus text exposition format (version 0.0.4): a
 * # HELP and # TYPE line before each metric, names prefixed hln_. *text is
 * malloc'd and NUL-terminated (the caller frees it). HLN_ENOMEM. */
int hln_metrics_format(const hln_metrics *m, char **text, size_t *len);

/* Write `text` to `path` atomically: a temporary file in the same
 * directory (mode 0644, for node_exporter's textfile collector), fsync,
 * rename over `path`. HLN_EIO (errno is kept), HLN_ETOOBIG for a long path. */
int hln_metrics_write_file(const char *path, const char *text, size_t len);

/* ---- hlnctl commands ----------------------------------------------------
 * argv[0] is the command word; they print results on stdout, diagnostics on
 * stderr as "hlnctl: message", and return the exit status (0, 1, 2).
 *
 *   backup PATH [--no-verify] [--json]   PATH: a new directory holding data.mdb
 *   restore PATH [--json]                hlnd must be stopped
 *   restore --done                       lift the catch-up mark by hand
 *   metrics                              Prometheus text on stdout */
int hln_cli_backup(const char *datadir, int argc, char **argv, bool json);
int hln_cli_restore(const char *datadir, int argc, char **argv, bool json);
int hln_cli_metrics(const char *datadir, int argc, char **argv);

#endif
