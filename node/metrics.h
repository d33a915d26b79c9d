/* metrics.h - what hlnd counts and how the metrics page shows it (docs/OPERATIONS.md). */
#ifndef HLN_METRICS_H
#define HLN_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "node/refusals.h"

/* Refusal reasons are the HLN_E* codes (hln_errname gives the label). */
#define HLN_METRICS_REASONS 32

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
    uint64_t refusals[HLN_METRICS_REASONS]; /* index: -HLN_E* code */
    uint64_t refusal_kinds[HLN_REFUSAL_KINDS]; /* every refusal, by hln_refusal_kind */
} hln_metrics;

/* Count one refusal for error code rc (< 0) into m->refusals. */
void hln_metrics_refusal(uint64_t refusals[HLN_METRICS_REASONS], int rc);

/* Format `m` in the Prometheus text exposition format (version 0.0.4): a
 * # HELP and # TYPE line before each metric, names prefixed hln_. *text is
 * malloc'd and NUL-terminated (the caller frees it). HLN_ENOMEM. */
int hln_metrics_format(const hln_metrics *m, char **text, size_t *len);

/* Write `text` to `path` atomically: a temporary file in the same
 * directory (mode 0644, for node_exporter's textfile collector), fsync,
 * rename over `path`. HLN_EIO (errno is kept), HLN_ETOOBIG for a long path. */
int hln_metrics_write_file(const char *path, const char *text, size_t len);

#endif
