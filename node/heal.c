/* heal.c - quarantine damaged records, take them back from a backup, and verify in a child process
 * so a damaged LMDB page is a finding, not a crash (issue 17; docs/STORE.md). */
#include "node/heal.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "crypto/err.h"

typedef struct {
    hln_heal_cb cb;
    void *ctx;
    const uint8_t *own;
    bool own_cut;
} node_heal;

static void node_heal_cb(void *ctx, const char *what, const hln_feed_id *feed, uint64_t seq,
                         const uint8_t id[HLN_HASH_LEN], const char *detail)
{
    node_heal *h = ctx;
    if (!strcmp(what, "damaged") && feed && memcmp(feed->author, h->own, HLN_KEY_LEN) == 0)
        h->own_cut = true;
    if (h->cb)
        h->cb(h->ctx, what, feed, seq, id, detail);
}

int hln_heal_node(hln_node *n, unsigned flags, hln_heal_cb cb, void *ctx, hln_heal_stats *st)
{
    node_heal h = {cb, ctx, hln_node_pk(n), false};
    int rc = hln_store_heal(hln_node_store(n), flags, node_heal_cb, &h, st);
    if (rc == 0 && h.own_cut && !(flags & (HLN_HEAL_DRY | HLN_HEAL_INDEX)))
        rc = hln_node_catch_up_set(hln_node_store(n), true);
    return rc;
}

/* ---- from a backup ---- */

typedef struct {
    hln_feed_id *feeds;
    uint64_t *seqs;
    size_t n, cap;
} feed_list;

static int list_head(void *ctx, const hln_feed_id *feed, uint64_t seq, const uint8_t id[HLN_HASH_LEN])
{
    (void)id;
    feed_list *l = ctx;
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 64;
        hln_feed_id *f = realloc(l->feeds, cap * sizeof *f);
        if (!f)
            return HLN_ENOMEM;
        l->feeds = f;
        uint64_t *s = realloc(l->seqs, cap * sizeof *s);
        if (!s)
            return HLN_ENOMEM;
        l->seqs = s;
        l->cap = cap;
    }
    l->feeds[l->n] = *feed;
    l->seqs[l->n++] = seq;
    return 0;
}

typedef struct {
    hln_store *to;
    uint64_t added, refused;
} copy_ctx;

static int copy_one(void *ctx, const hln_record *r)
{
    copy_ctx *c = ctx;
    /* The signature proves the copy; the chain check in the append proves it
     * is the record the feed lost (prev names our head). */
    if (hln_record_verify(r) != 0 || hln_store_append(c->to, r) != 0) {
        c->refused++;
        return 1; /* the rest of this feed cannot chain on */
    }
    c->added++;
    return 0;
}

int hln_heal_from_backup(hln_node *n, const char *backup_dir, uint64_t *added, uint64_t *refused)
{
    hln_store *b = NULL;
    feed_list l = {0};
    copy_ctx c = {hln_node_store(n), 0, 0};
    int rc = hln_store_open(backup_dir, HLN_STORE_RDONLY, &b);
    if (rc)
        goto out;
    if ((rc = hln_store_foreach_head(b, list_head, &l)))
        goto out;
    for (size_t i = 0; i < l.n; i++) {
        uint64_t have = 0;
        int hr = hln_store_head(c.to, &l.feeds[i], &have, NULL);
        if (hr != 0 && hr != HLN_ENOTFOUND) {
            rc = hr;
            goto out;
        }
        if (l.seqs[i] <= have)
            continue;
        rc = hln_store_foreach_feed(b, &l.feeds[i], have + 1, 0, copy_one, &c);
        if (rc < 0 && rc != HLN_ESTORE && rc != HLN_EDECODE && rc != HLN_EHASH)
            goto out;
        if (rc != 0 && rc != 1)
            c.refused++; /* the backup's own copy of this feed is damaged */
        rc = 0;
    }
out:
    hln_store_close(&b);
    free(l.feeds);
    free(l.seqs);
    *added = c.added;
    *refused = c.refused;
    return rc;
}

/* ---- verify in a child ---- */

typedef struct {
    FILE *out;
} child_ctx;

static void child_line(void *ctx, const char *line)
{
    child_ctx *c = ctx;
    fprintf(c->out, "P %s\n", line);
    fflush(c->out);
}

static void child_verify(const char *store_dir, int fd)
{
    child_ctx c = {fdopen(fd, "w")};
    hln_store *s = NULL;
    uint64_t feeds = 0, records = 0;
    if (!c.out)
        _exit(3);
    int rc = hln_store_open(store_dir, HLN_STORE_RDONLY, &s);
    if (rc == 0)
        rc = hln_store_counts(s, &feeds, &records);
    fprintf(c.out, "N %llu %llu\n", (unsigned long long)feeds, (unsigned long long)records);
    fflush(c.out);
    if (rc == 0)
        rc = hln_store_verify(s, child_line, &c);
    hln_store_close(&s);
    fprintf(c.out, "R %d\n", rc);
    fclose(c.out);
    _exit(0);
}

int hln_heal_verify_isolated(const char *store_dir, hln_problem_cb cb, void *ctx, uint64_t *feeds,
                             uint64_t *records, int *crash_signal)
{
    int p[2], rc = HLN_ESTORE, st = 0;
    *crash_signal = 0;
    *feeds = *records = 0;
    if (pipe(p) != 0)
        return HLN_EIO;
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        close(p[0]);
        close(p[1]);
        return HLN_EIO;
    }
    if (pid == 0) {
        close(p[0]);
        child_verify(store_dir, p[1]);
    }
    close(p[1]);
    FILE *in = fdopen(p[0], "r");
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    int problems = 0;
    bool done = false;
    while (in && (len = getline(&line, &cap, in)) > 0) {
        if (line[len - 1] == '\n')
            line[len - 1] = '\0';
        unsigned long long f = 0, r = 0;
        int v = 0;
        if (line[0] == 'P' && line[1] == ' ') {
            problems++;
            if (cb)
                cb(ctx, line + 2);
        } else if (sscanf(line, "N %llu %llu", &f, &r) == 2) {
            *feeds = f;
            *records = r;
        } else if (sscanf(line, "R %d", &v) == 1) {
            done = true;
            rc = v < 0 ? v : problems;
        }
    }
    free(line);
    if (in)
        fclose(in);
    else
        close(p[0]);
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    if (WIFSIGNALED(st)) {
        *crash_signal = WTERMSIG(st);
        return problems;
    }
    return done ? rc : HLN_ESTORE;
}
