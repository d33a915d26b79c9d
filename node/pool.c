/* pool.c - work on every core: a worker thread per extra core shares the items of each call (hlnd's signature checks, publish's signatures). */
#include "node/pool.h"

#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <unistd.h>

#include "crypto/err.h"

#define MAX_WORKERS 7
#define MIN_SPLIT 8 /* below this a hand-off costs more than it saves */

/* One call's work: items are taken a chunk at a time from `next`, so a
 * worker slowed by other programs on the machine takes fewer. */
typedef struct {
    hln_pool_fn fn;
    void *ctx;
    size_t n, next;
    unsigned busy; /* threads holding a chunk of this job */
    unsigned long gen;
} job;

struct hln_pool {
    pthread_mutex_t mu;
    pthread_cond_t work, done;
    pthread_t th[MAX_WORKERS];
    unsigned nth;
    bool stop;
    job j;
};

enum { CHUNK = 4 };

/* Run chunks until none is left. Called with the lock held; returns
 * with it held. A thread that wakes after the job is done finds nothing
 * to take, so the caller never waits for a thread the machine has not
 * scheduled yet, only for chunks in progress. */
static void drain(hln_pool *p)
{
    while (p->j.next < p->j.n) {
        size_t a = p->j.next, b = a + CHUNK < p->j.n ? a + CHUNK : p->j.n;
        hln_pool_fn fn = p->j.fn;
        void *ctx = p->j.ctx;
        p->j.next = b;
        p->j.busy++;
        pthread_mutex_unlock(&p->mu);
        for (size_t i = a; i < b; i++)
            fn(ctx, i);
        pthread_mutex_lock(&p->mu);
        if (--p->j.busy == 0 && p->j.next >= p->j.n)
            pthread_cond_signal(&p->done);
    }
}

static void *worker(void *arg)
{
    hln_pool *p = arg;
    unsigned long seen = 0;
    pthread_mutex_lock(&p->mu);
    for (;;) {
        while (!p->stop && p->j.gen == seen)
            pthread_cond_wait(&p->work, &p->mu);
        if (p->stop)
            break;
        seen = p->j.gen;
        drain(p);
    }
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

int hln_pool_new(unsigned workers, hln_pool **out)
{
    *out = NULL;
    if (!workers) {
        long cores = sysconf(_SC_NPROCESSORS_ONLN);
        workers = cores > 1 ? (unsigned)(cores - 1) : 0;
    }
    if (workers > MAX_WORKERS)
        workers = MAX_WORKERS;
    hln_pool *p = calloc(1, sizeof *p);
    if (!p)
        return HLN_ENOMEM;
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->work, NULL);
    pthread_cond_init(&p->done, NULL);
    /* Workers take no signals: SIGTERM and SIGHUP must reach the daemon's
     * thread, whose poll they interrupt. */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &old);
    for (unsigned i = 0; i < workers; i++) {
        if (pthread_create(&p->th[i], NULL, worker, p) != 0)
            break; /* fewer workers: still correct */
        p->nth++;
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    *out = p;
    return 0;
}

void hln_pool_destroy(hln_pool **pp)
{
    hln_pool *p = pp ? *pp : NULL;
    if (!p)
        return;
    pthread_mutex_lock(&p->mu);
    p->stop = true;
    pthread_cond_broadcast(&p->work);
    pthread_mutex_unlock(&p->mu);
    for (unsigned i = 0; i < p->nth; i++)
        pthread_join(p->th[i], NULL);
    pthread_cond_destroy(&p->work);
    pthread_cond_destroy(&p->done);
    pthread_mutex_destroy(&p->mu);
    free(p);
    *pp = NULL;
}

unsigned hln_pool_threads(const hln_pool *p)
{
    return p ? p->nth + 1 : 1;
}

void hln_pool_run(hln_pool *p, size_t n, hln_pool_fn fn, void *ctx)
{
    if (!p || p->nth == 0 || n < MIN_SPLIT) {
        for (size_t i = 0; i < n; i++)
            fn(ctx, i);
        return;
    }
    pthread_mutex_lock(&p->mu);
    p->j.fn = fn;
    p->j.ctx = ctx;
    p->j.n = n;
    p->j.next = 0;
    p->j.busy = 0;
    p->j.gen++;
    pthread_cond_broadcast(&p->work);
    drain(p); /* the caller works too */
    while (p->j.busy > 0)
        pthread_cond_wait(&p->done, &p->mu);
    pthread_mutex_unlock(&p->mu);
}
