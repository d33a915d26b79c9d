/* writer.h - hlnd's writer thread: the sync engine's held answers are committed to LMDB there while the event loop verifies what comes next. */
#ifndef HLND_WRITER_H
#define HLND_WRITER_H

#include <stdbool.h>
#include <stddef.h>

#include "node/sync_store.h"

typedef struct hlnd_writer hlnd_writer;

/* Start the thread over `ss` (which must outlive it). HLN_ENOMEM, HLN_EIO. */
int hlnd_writer_new(hln_sync_store *ss, hlnd_writer **out);

/* Wait for a batch in progress, stop and join the thread; *w = NULL. */
void hlnd_writer_destroy(hlnd_writer **w);

/* Readable (a byte per batch, to drain) once a batch begun is durable:
 * the event loop then calls hln_sync_settle. */
int hlnd_writer_fd(const hlnd_writer *w);

/* Is a batch begun still being committed? (A byte in the pipe may be left
 * from a batch the engine ended already: then settling would wait.) */
bool hlnd_writer_busy(hlnd_writer *w);

/* The engine's store_begin and store_end (node/sync.h): begin checks trust
 * and policy on the caller's thread (hln_sync_store_prepare) and hands the
 * commit to the thread; end waits for it and gives the results
 * (hln_sync_store_finish). One batch at a time. */
int hlnd_writer_begin(hlnd_writer *w, const hln_record *recs, size_t n);
int hlnd_writer_end(hlnd_writer *w, const hln_record *recs, int *results);

#endif
