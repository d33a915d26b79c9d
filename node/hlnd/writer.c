/* writer.c - hlnd's writer thread: the sync engine's held answers are committed to LMDB there while the event loop verifies what comes next. */
#include "node/hlnd/writer.h"

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <unistd.h>

#include "crypto/err.h"

struct hlnd_writer {
    hln_sync_store *ss;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    pthread_t th;
    bool stop;
    bool busy;   /* a batch prepared and not yet committed */
    int pipe[2]; /* [1]: a byte per committed batch; [0]: the event loop's */
};

/* The thread touches ss only in hln_sync_store_commit, between the
 * hand-over in begin and the wait in end: the mutex orders the two. */
static void *writer_main(void *arg)
{
    hlnd_writer *w = arg;
    pthread_mutex_lock(&w->mu);
    for (;;) {
        while (!w->busy && !w->stop)
            pthread_cond_wait(&w->cv, &w->mu);
        if (!w->busy)
            break;
        pthread_mutex_unlock(&w->mu);
        hln_sync_store_commit(w->ss);
        pthread_mutex_lock(&w->mu);
        w->busy = false;
        pthread_cond_broadcast(&w->cv);
        /* Full pipe: the loop has a byte to read already, enough to wake it. */
        ssize_t r = write(w->pipe[1], "", 1);
        (void)r;
    }
    pthread_mutex_unlock(&w->mu);
    return NULL;
}

int hlnd_writer_new(hln_sync_store *ss, hlnd_writer **out)
{
    *out = NULL;
    hlnd_writer *w = calloc(1, sizeof *w);
    if (!w)
        return HLN_ENOMEM;
    w->ss = ss;
    if (pipe2(w->pipe, O_CLOEXEC | O_NONBLOCK) != 0) {
        free(w);
        return HLN_EIO;
    }
    pthread_mutex_init(&w->mu, NULL);
    pthread_cond_init(&w->cv, NULL);
    /* Signals stay with the event loop's thread. */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    int rc = pthread_create(&w->th, NULL, writer_main, w);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc != 0) {
        close(w->pipe[0]);
        close(w->pipe[1]);
        pthread_mutex_destroy(&w->mu);
        pthread_cond_destroy(&w->cv);
        free(w);
        return HLN_ENOMEM;
    }
    *out = w;
    return 0;
}

void hlnd_writer_destroy(hlnd_writer **wp)
{
    hlnd_writer *w = wp ? *wp : NULL;
    if (!w)
        return;
    pthread_mutex_lock(&w->mu);
    w->stop = true;
    pthread_cond_broadcast(&w->cv);
    pthread_mutex_unlock(&w->mu);
    pthread_join(w->th, NULL); /* after the batch in progress, if any */
    close(w->pipe[0]);
    close(w->pipe[1]);
    pthread_mutex_destroy(&w->mu);
    pthread_cond_destroy(&w->cv);
    free(w);
    *wp = NULL;
}

int hlnd_writer_fd(const hlnd_writer *w)
{
    return w->pipe[0];
}

bool hlnd_writer_busy(hlnd_writer *w)
{
    pthread_mutex_lock(&w->mu);
    bool busy = w->busy;
    pthread_mutex_unlock(&w->mu);
    return busy;
}

int hlnd_writer_begin(hlnd_writer *w, const hln_record *recs, size_t n)
{
    int rc = hln_sync_store_prepare(w->ss, recs, n);
    if (rc != 0)
        return rc;
    pthread_mutex_lock(&w->mu);
    w->busy = true;
    pthread_cond_broadcast(&w->cv);
    pthread_mutex_unlock(&w->mu);
    return 0;
}

int hlnd_writer_end(hlnd_writer *w, const hln_record *recs, int *results)
{
    pthread_mutex_lock(&w->mu);
    while (w->busy)
        pthread_cond_wait(&w->cv, &w->mu);
    pthread_mutex_unlock(&w->mu);
    return hln_sync_store_finish(w->ss, recs, results);
}
