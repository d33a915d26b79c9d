/* verify_pool.h - hlnd's signature checks on every core: a worker thread per extra core shares each message's records. */
#ifndef HLND_VERIFY_POOL_H
#define HLND_VERIFY_POOL_H

#include <stddef.h>

#include "proto/record.h"

typedef struct hlnd_verify_pool hlnd_verify_pool;

/* Start `workers` threads (0: one per online core beyond the first, at
 * most 7). HLN_ENOMEM; with no extra core the pool checks on the caller's
 * thread alone. */
int hlnd_verify_pool_new(unsigned workers, hlnd_verify_pool **out);

/* Stop and join the threads; *p = NULL. */
void hlnd_verify_pool_destroy(hlnd_verify_pool **p);

/* results[i] = hln_record_verify(recs[i]) for i < n: the caller's thread
 * takes a share and the workers the rest; returns when all are done.
 * Small calls (under 8 records) stay on the caller's thread. */
void hlnd_verify_pool_run(hlnd_verify_pool *p, const hln_record *const *recs, size_t n,
                          int *results);

#endif
