/* test_store_crash.c - a writer killed with SIGKILL mid-ingest loses nothing it reported committed and leaves no half-written record. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "crypto/crypto.h"
#include "crypto/err.h"
#include "proto/record.h"
#include "store/store.h"

enum { BATCH = 64, AUTHORS = 3 };

static char tmpdir[64];
static char dbdir[128];

static int setup(void **state)
{
    (void)state;
    strcpy(tmpdir, "/tmp/hln-test-crash-XXXXXX");
    if (!mkdtemp(tmpdir))
        return -1;
    snprintf(dbdir, sizeof dbdir, "%s/db", tmpdir);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", tmpdir);
    return system(cmd);
}

static hln_identity *author(int i)
{
    uint8_t seed[32];
    memset(seed, 0x40 + i, sizeof seed);
    return hln_identity_from_seed(seed);
}

/* The child: continue every author's feed from its head, in batches that
 * mix the authors, and after each commit report the total committed. It
 * never returns; SIGKILL ends it. */
static void writer_child(int fd)
{
    hln_identity *ids[AUTHORS];
    hln_feed_id feeds[AUTHORS];
    uint64_t seq[AUTHORS];
    uint8_t last[AUTHORS][HLN_HASH_LEN];
    hln_record *batch = calloc(BATCH, sizeof *batch);
    int res[BATCH];
    hln_store *s = NULL;
    if (!batch || hln_store_open(dbdir, 0, &s) != 0)
        _exit(2);
    for (int a = 0; a < AUTHORS; a++) {
        ids[a] = author(a);
        memset(&feeds[a], 0, sizeof feeds[a]);
        memcpy(feeds[a].author, hln_identity_pk(ids[a]), HLN_KEY_LEN);
        strcpy(feeds[a].scope, "CA");
        if (hln_store_head(s, &feeds[a], &seq[a], last[a]) != 0)
            seq[a] = 0;
    }
    for (;;) {
        for (int i = 0; i < BATCH; i++) {
            int a = i % AUTHORS;
            hln_record *r = &batch[i];
            hln_record_init(r, HLN_REC_OBSERVATION, hln_identity_pk(ids[a]), "CA", seq[a] + 1,
                            seq[a] ? last[a] : NULL, 1000 + seq[a]);
            hln_observation *o = &r->body.observation;
            strcpy(o->indicator, "mhpc.dep-screen");
            strcpy(o->period, "2026-09");
            snprintf(o->unit, sizeof o->unit, "u%llu", (unsigned long long)(seq[a] % 50));
            o->numerator = seq[a] % 7;
            o->denominator = 10;
            if (hln_record_seal(r, ids[a], NULL, 0) != 0)
                _exit(3);
            seq[a]++;
            memcpy(last[a], r->id, HLN_HASH_LEN);
        }
        if (hln_store_append_batch(s, batch, BATCH, res) != 0)
            _exit(4);
        for (int i = 0; i < BATCH; i++)
            if (res[i] != 0)
                _exit(5);
        uint64_t total = 0;
        for (int a = 0; a < AUTHORS; a++)
            total += seq[a];
        /* 8 bytes: below PIPE_BUF, so each report arrives whole. */
        if (write(fd, &total, sizeof total) != sizeof total)
            _exit(6);
    }
}

static int count_obs(void *ctx, const hln_obs_entry *e)
{
    (void)e;
    (*(uint64_t *)ctx)++;
    return 0;
}

/* Links of the feed's tail: seq continuity and prev naming the record before. */
typedef struct {
    uint64_t seq;
    uint8_t prev[HLN_HASH_LEN];
    int bad;
} chain_walk;

static int check_link(void *ctx, const hln_record *r)
{
    chain_walk *w = ctx;
    if (w->seq && (r->env.seq != w->seq + 1 || memcmp(r->env.prev, w->prev, HLN_HASH_LEN) != 0))
        w->bad++;
    w->seq = r->env.seq;
    memcpy(w->prev, r->id, HLN_HASH_LEN);
    return 0;
}

static void print_problem(void *ctx, const char *line)
{
    (void)ctx;
    fprintf(stderr, "verify: %s\n", line);
}

static void killed_writers_lose_nothing_committed(void **state)
{
    (void)state;
    int rounds = getenv("HLN_CRASH_ROUNDS") ? atoi(getenv("HLN_CRASH_ROUNDS")) : 20;
    unsigned seed = (unsigned)time(NULL);
    uint64_t reported = 0;
    srand(seed);
    /* Create the store before the first child so that every child reopens. */
    hln_store *s = NULL;
    assert_int_equal(hln_store_open(dbdir, 0, &s), 0);
    hln_store_close(&s);

    for (int round = 0; round < rounds; round++) {
        int p[2];
        assert_int_equal(pipe(p), 0);
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
            close(p[0]);
            writer_child(p[1]);
        }
        close(p[1]);
        /* Let it run 20-170 ms: many commits, killed at a random point. */
        struct timespec ts = {0, (20 + rand() % 150) * 1000000L};
        nanosleep(&ts, NULL);
        assert_int_equal(kill(pid, SIGKILL), 0);
        int status = 0;
        assert_int_equal(waitpid(pid, &status, 0), pid);
        if (!(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL))
            fail_msg("round %d: the writer exited by itself (status %d, seed %u)", round, status,
                     seed);
        uint64_t v;
        while (read(p[0], &v, sizeof v) == sizeof v)
            reported = v;
        close(p[0]);

        assert_int_equal(hln_store_open(dbdir, 0, &s), 0);
        uint64_t feeds = 0, records = 0, sum = 0, nobs = 0;
        assert_int_equal(hln_store_counts(s, &feeds, &records), 0);
        for (int a = 0; a < AUTHORS; a++) {
            hln_identity *id = author(a);
            hln_feed_id f = {0};
            uint64_t seq = 0;
            memcpy(f.author, hln_identity_pk(id), HLN_KEY_LEN);
            strcpy(f.scope, "CA");
            hln_store_head(s, &f, &seq, NULL);
            sum += seq;
            /* The tail, where a torn write would show: linked, head last. */
            chain_walk w = {0};
            assert_int_equal(hln_store_foreach_feed(s, &f, seq > 2 * BATCH ? seq - 2 * BATCH : 1, 0,
                                                    check_link, &w), 0);
            assert_int_equal(w.bad, 0);
            assert_int_equal(w.seq, seq);
            hln_identity_destroy(&id);
        }
        /* Everything reported is there; at most one unreported batch more. */
        if (records < reported || records > reported + BATCH || sum != records)
            fail_msg("round %d: reported %llu, records %llu, heads sum %llu (seed %u)", round,
                     (unsigned long long)reported, (unsigned long long)records,
                     (unsigned long long)sum, seed);
        assert_int_equal(hln_store_foreach_obs(s, "mhpc.dep-screen", NULL, NULL, count_obs, &nobs), 0);
        assert_int_equal(nobs, records);
        /* The full check re-verifies every signature: the first and last rounds. */
        if (round == 0 || round == rounds - 1)
            assert_int_equal(hln_store_verify(s, print_problem, NULL), 0);
        reported = records; /* the next child starts from here */
        hln_store_close(&s);
    }
    assert_true(reported > 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(killed_writers_lose_nothing_committed, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
