/* pool.h - work on every core: a worker thread per extra core shares the items of each call (hlnd's signature checks, publish's signatures). */
#ifndef HLN_POOL_H
#define HLN_POOL_H

#include <stddef.h>

typedef struct hln_pool hln_pool;

/* Start `workers` threads (0: one per online core beyond the first, at
 * most 7). The threads take no signals. HLN_ENOMEM; with no extra core
 * (or a thread that cannot start) the pool works on the caller's thread
 * alone, still correctly. */
int hln_pool_new(unsigned workers, hln_pool **out);

/* Stop and join the threads; *p = NULL. NULL is fine. */
void hln_pool_destroy(hln_pool **p);

/* The number of threads a call runs on, the caller's included (1 when p
 * is NULL). */
unsigned hln_pool_threads(const hln_pool *p);

/* fn(ctx, i) for every i < n, on the caller's thread and the workers:
 * items are taken a few at a time, so a worker slowed by other programs
 * takes fewer, and the call never waits for a worker the machine has not
 * scheduled yet, only for items in progress. Returns when all are done.
 * Small calls (under 8 items) and a NULL pool stay on the caller's
 * thread. fn must be safe to run on several threads at once for
 * different i. */
typedef void (*hln_pool_fn)(void *ctx, size_t i);
void hln_pool_run(hln_pool *p, size_t n, hln_pool_fn fn, void *ctx);

#endif
