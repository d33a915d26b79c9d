/* publish_stream.h - publishing a CSV of any length: checked whole, then committed in batches, in bounded memory. */
#ifndef HLN_PUBLISH_STREAM_H
#define HLN_PUBLISH_STREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "node/node.h"

/* Rows per batch: one hln_csvin_parse, one disclosure pass, one commit. */
#define HLN_STREAM_BATCH_ROWS 10000u

/* Tests and the fuzzer only: batches of `rows` lines (0: the default), so
 * that batch boundaries are met in small files. */
void hln_publish_stream_set_batch(size_t rows);

/* true when `path` is more than one ordinary publish can take: over
 * HLN_CSV_FILE_MAX bytes or over HLN_CSV_ROWS_MAX rows (physical lines
 * after the header; an over-estimate only with quoted line breaks). */
bool hln_publish_stream_needed(const char *path);

/* One batch published (or, for a dry run, checked): its rows and what was
 * suppressed, as hln_node_publish_csv fills them, lines counted in the
 * whole file. Return non-zero to stop. */
typedef int (*hln_publish_batch_cb)(void *ctx, const hln_publish_result *batch);

typedef struct {
    uint64_t rows, suppressed, batches;
    uint64_t first_seq, last_seq; /* 0 for a dry run */
    uint32_t min_cell;
    char scope[HLN_SCOPE_MAX + 1];
    unsigned long last_line; /* the file's last line published (a failed run: what was kept) */
} hln_publish_totals;

/* Publish the CSV file `path` (the format of hln_csvin_parse, any length)
 * in two passes over the file:
 *  1. check: every row as hln_node_publish_csv checks it; rows of one
 *     (indicator, period, unit) must stand together (disclosure control
 *     works on that group), which most exports do; a group apart from its
 *     first rows is a problem of its line. Any problem: nothing is written,
 *     HLN_EINVAL (problems to cb).
 *  2. unless o->dry_run, publish batch after batch (HLN_STREAM_BATCH_ROWS
 *     rows, never cutting a group), each in its own commit.
 * Memory: one batch, plus 16 bytes per group for the togetherness check.
 * If pass 2 fails (disk full, another writer moved the head) the batches
 * before stay published: tot->last_line says up to where, and err says so.
 * Publishing the rest (or the whole file again: identical counts supersede
 * themselves) completes it. `each` (may be NULL) gets every batch. */
int hln_node_publish_stream(hln_node *n, const char *path, const hln_publish_opts *o,
                            hln_csv_problem_cb cb, void *ctx, hln_publish_batch_cb each,
                            void *each_ctx, hln_publish_totals *tot, char *err, size_t errlen);

#endif
