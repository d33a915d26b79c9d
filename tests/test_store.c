/* test_store.c - the LMDB store: feeds, chains, forks, batches, map growth, the obs index, retraction, verify, kv, backup. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <lmdb.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crypto/crypto.h"
#include "crypto/err.h"
#include "proto/record.h"
#include "store/store.h"

static char tmpdir[64];
static char dbdir[128];

/* An author writing one feed: keeps the seq and id of its last record. */
typedef struct {
    hln_identity *id;
    char scope[HLN_SCOPE_MAX + 1];
    uint64_t seq;
    uint8_t last[HLN_HASH_LEN];
} writer;

static void writer_init(writer *w, uint8_t seed_byte, const char *scope)
{
    uint8_t seed[32];
    memset(seed, seed_byte, sizeof seed);
    w->id = hln_identity_from_seed(seed);
    assert_non_null(w->id);
    snprintf(w->scope, sizeof w->scope, "%s", scope);
    w->seq = 0;
}

static void writer_free(writer *w)
{
    hln_identity_destroy(&w->id);
}

static hln_record *rec_alloc(size_t n)
{
    hln_record *r = calloc(n, sizeof *r);
    assert_non_null(r);
    return r;
}

/* Start the writer's next record in `r` without advancing the writer. */
static void next_init(writer *w, hln_record *r, hln_rec_type type, uint64_t ts)
{
    hln_record_init(r, type, hln_identity_pk(w->id), w->scope, w->seq + 1,
                    w->seq ? w->last : NULL, ts);
}

static void seal_and_advance(writer *w, hln_record *r)
{
    char err[128] = "";
    int rc = hln_record_seal(r, w->id, err, sizeof err);
    if (rc)
        fprintf(stderr, "seal: %s\n", err);
    assert_int_equal(rc, 0);
    w->seq = r->env.seq;
    memcpy(w->last, r->id, HLN_HASH_LEN);
}

static void obs(writer *w, hln_record *r, const char *period, const char *unit,
                const char *stratum, uint64_t num, uint64_t den, uint64_t ts)
{
    next_init(w, r, HLN_REC_OBSERVATION, ts);
    hln_observation *o = &r->body.observation;
    snprintf(o->indicator, sizeof o->indicator, "mhpc.dep-screen");
    snprintf(o->period, sizeof o->period, "%s", period);
    snprintf(o->unit, sizeof o->unit, "%s", unit);
    snprintf(o->stratum, sizeof o->stratum, "%s", stratum);
    o->numerator = num;
    o->denominator = den;
    seal_and_advance(w, r);
}

static void retract(writer *w, hln_record *r, const uint8_t target[HLN_HASH_LEN], bool erase,
                    uint64_t ts)
{
    next_init(w, r, HLN_REC_RETRACT, ts);
    memcpy(r->body.retract.target, target, HLN_HASH_LEN);
    r->body.retract.erase = erase;
    snprintf(r->body.retract.reason, sizeof r->body.retract.reason, "published by mistake");
    seal_and_advance(w, r);
}

static void feed_of(const writer *w, hln_feed_id *f)
{
    memset(f, 0, sizeof *f);
    memcpy(f->author, hln_identity_pk(w->id), HLN_KEY_LEN);
    snprintf(f->scope, sizeof f->scope, "%s", w->scope);
}

static int setup(void **state)
{
    (void)state;
    strcpy(tmpdir, "/tmp/hln-test-store-XXXXXX");
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

static hln_store *open_store(void)
{
    hln_store *s = NULL;
    assert_int_equal(hln_store_open(dbdir, 0, &s), 0);
    assert_non_null(s);
    return s;
}

static void quiet(void *ctx, const char *line)
{
    (void)ctx;
    (void)line;
}

static void print_problem(void *ctx, const char *line)
{
    (void)ctx;
    fprintf(stderr, "verify: %s\n", line);
}

/* Raw LMDB access for tests that damage the store on purpose. */
static void raw_put(const char *db, const void *key, size_t klen, const void *val, size_t vlen)
{
    MDB_env *env;
    MDB_txn *txn;
    MDB_dbi dbi;
    assert_int_equal(mdb_env_create(&env), 0);
    assert_int_equal(mdb_env_set_maxdbs(env, 16), 0);
    assert_int_equal(mdb_env_open(env, dbdir, 0, 0600), 0);
    assert_int_equal(mdb_txn_begin(env, NULL, 0, &txn), 0);
    assert_int_equal(mdb_dbi_open(txn, db, 0, &dbi), 0);
    MDB_val k = {klen, (void *)key}, v = {vlen, (void *)val};
    if (val)
        assert_int_equal(mdb_put(txn, dbi, &k, &v, 0), 0);
    else
        assert_int_equal(mdb_del(txn, dbi, &k, NULL), 0);
    assert_int_equal(mdb_txn_commit(txn), 0);
    mdb_env_close(env);
}

/* ---- open ---- */

static void reopen_keeps_the_incarnation(void **state)
{
    (void)state;
    uint8_t a[HLN_INCARNATION_LEN], b[HLN_INCARNATION_LEN], zero[HLN_INCARNATION_LEN] = {0};
    hln_store *s = open_store();
    hln_store_incarnation(s, a);
    assert_memory_not_equal(a, zero, sizeof a);
    hln_store_close(&s);
    assert_null(s);
    s = open_store();
    hln_store_incarnation(s, b);
    assert_memory_equal(a, b, sizeof a);
    hln_store_close(&s);
}

static void a_new_store_gets_a_new_incarnation(void **state)
{
    (void)state;
    char other[160];
    uint8_t a[HLN_INCARNATION_LEN], b[HLN_INCARNATION_LEN];
    hln_store *s = open_store(), *t = NULL;
    snprintf(other, sizeof other, "%s/other", tmpdir);
    assert_int_equal(hln_store_open(other, 0, &t), 0);
    hln_store_incarnation(s, a);
    hln_store_incarnation(t, b);
    assert_memory_not_equal(a, b, sizeof a);
    hln_store_close(&s);
    hln_store_close(&t);
}

static void wrong_schema_is_refused(void **state)
{
    (void)state;
    hln_store *s = open_store();
    hln_store_close(&s);
    const uint8_t v99[4] = {0, 0, 0, 99};
    raw_put("meta", "store.schema", 12, v99, 4);
    assert_int_equal(hln_store_open(dbdir, 0, &s), HLN_ESCHEMA);
    assert_null(s);
    assert_int_equal(hln_store_open(dbdir, HLN_STORE_RDONLY, &s), HLN_ESCHEMA);
}

static void read_only_store_refuses_writes(void **state)
{
    (void)state;
    writer w;
    hln_record *r = rec_alloc(1);
    writer_init(&w, 1, "CA");
    obs(&w, r, "2026-09", "u1", "", 5, 10, 1000);
    hln_store *s = open_store();
    hln_store_close(&s);
    assert_int_equal(hln_store_open(dbdir, HLN_STORE_RDONLY, &s), 0);
    assert_int_equal(hln_store_append(s, r), HLN_EPERM);
    assert_int_equal(hln_store_kv_put(s, HLN_TABLE_PEERS, "k", 1, "v", 1), HLN_EPERM);
    hln_store_close(&s);
    free(r);
    writer_free(&w);
}

static void read_only_open_of_a_missing_store_fails(void **state)
{
    (void)state;
    char missing[160];
    hln_store *s = NULL;
    snprintf(missing, sizeof missing, "%s/nothing-here", tmpdir);
    assert_int_equal(hln_store_open(missing, HLN_STORE_RDONLY, &s), HLN_EIO);
    assert_null(s);
    assert_int_equal(hln_store_open(NULL, 0, &s), HLN_EINVAL);
    assert_int_equal(hln_store_open(dbdir, 0x80, &s), HLN_EINVAL);
}

/* ---- append and read back ---- */

static void appended_record_reads_back_by_id_and_feed(void **state)
{
    (void)state;
    writer w;
    hln_record *r = rec_alloc(3);
    hln_feed_id f;
    uint64_t seq = 99;
    uint8_t id[HLN_HASH_LEN];
    writer_init(&w, 1, "CA");
    feed_of(&w, &f);
    hln_store *s = open_store();
    assert_int_equal(hln_store_head(s, &f, &seq, id), HLN_ENOTFOUND);
    assert_int_equal(seq, 0);
    obs(&w, &r[0], "2026-09", "u1", "", 5, 10, 1000);
    obs(&w, &r[1], "2026-09", "u2", "", 6, 10, 1001);
    assert_int_equal(hln_store_append(s, &r[0]), 0);
    assert_int_equal(hln_store_append(s, &r[1]), 0);
    assert_int_equal(hln_store_get(s, r[1].id, &r[2]), 0);
    assert_memory_equal(r[2].raw, r[1].raw, r[1].raw_len);
    assert_int_equal(r[2].body.observation.numerator, 6);
    assert_int_equal(hln_store_feed_get(s, &f, 1, &r[2]), 0);
    assert_memory_equal(r[2].id, r[0].id, HLN_HASH_LEN);
    assert_int_equal(hln_store_head(s, &f, &seq, id), 0);
    assert_int_equal(seq, 2);
    assert_memory_equal(id, r[1].id, HLN_HASH_LEN);
    uint64_t nf = 0, nr = 0;
    assert_int_equal(hln_store_counts(s, &nf, &nr), 0);
    assert_int_equal(nf, 1);
    assert_int_equal(nr, 2);
    hln_store_close(&s);
    free(r);
    writer_free(&w);
}

static void missing_records_are_not_found(void **state)
{
    (void)state;
    writer w;
    hln_record *r = rec_alloc(1);
    hln_feed_id f;
    uint8_t id[HLN_HASH_LEN] = {1, 2, 3};
    writer_init(&w, 1, "CA");
    feed_of(&w, &f);
    hln_store *s = open_store();
    assert_int_equal(hln_store_get(s, id, r), HLN_ENOTFOUND);
    assert_int_equal(hln_store_feed_get(s, &f, 1, r), HLN_ENOTFOUND);
    assert_int_equal(hln_store_erase_body(s, id), HLN_ENOTFOUND);
    hln_store_close(&s);
    free(r);
    writer_free(&w);
}

static void duplicate_is_reported(void **state)
{
    (void)state;
    writer w;
    hln_record *r = rec_alloc(1);
    writer_init(&w, 1, "CA");
    obs(&w, r, "2026-09", "u1", "", 5, 10, 1000);
    hln_store *s = open_store();
    assert_int_equal(hln_store_append(s, r), 0);
    assert_int_equal(hln_store_append(s, r), HLN_EDUP);
    uint64_t nr = 0;
    assert_int_equal(hln_store_counts(s, NULL, &nr), 0);
    assert_int_equal(nr, 1);
    hln_store_close(&s);
    free(r);
    writer_free(&w);
}

static void a_gap_in_seq_is_refused(void **state)
{
    (void)state;
    writer w;
    hln_record *r = rec_alloc(3);
    writer_init(&w, 1, "CA");
    for (int i = 0; i < 3; i++)
        obs(&w, &r[i], "2026-09", "u1", "", 5, 10, 1000 + (uint64_t)i);
    hln_store *s = open_store();
    assert_int_equal(hln_store_append(s, &r[1]), HLN_ECHAIN); /* seq 2 on an empty feed */
    assert_int_equal(hln_store_append(s, &r[0]), 0);
    assert_int_equal(hln_store_append(s, &r[2]), HLN_ECHAIN); /* seq 3 after 1 */
    uint64_t nr = 0;
    assert_int_equal(hln_store_counts(s, NULL, &nr), 0);
    assert_int_equal(nr, 1);
    hln_store_close(&s);
    free(r);
    writer_free(&w);
}

static void a_wrong_prev_is_refused(void **state)
{
    (void)state;
    writer w;
    hln_record *r = rec_alloc(2);
    writer_init(&w, 1, "CA");
    obs(&w, &r[0], "2026-09", "u1", "", 5, 10, 1000);
    memset(w.last, 0xee, HLN_HASH_LEN); /* seq 2 names a record that is not seq 1 */
    obs(&w, &r[1], "2026-09", "u1", "", 5, 10, 1001);
    hln_store *s = open_store();
    assert_int_equal(hln_store_append(s, &r[0]), 0);
    assert_int_equal(hln_store_append(s, &r[1]), HLN_ECHAIN);
    hln_store_close(&s);
    free(r);
    writer_free(&w);
}

/* A correction dated before what it corrects would sort first in the
 * observation index and lose: a feed's timestamps may not go backwards. */
static void a_clock_stepping_back_is_refused(void **state)
{
    (void)state;
    writer w;
    hln_record *r = rec_alloc(3);
    writer_init(&w, 1, "CA");
    obs(&w, &r[0], "2026-09", "u1", "", 5, 10, 2000);
    obs(&w, &r[1], "2026-09", "u1", "", 6, 10, 1000);
    hln_store *s = open_store();
    assert_int_equal(hln_store_append(s, &r[0]), 0);
    assert_int_equal(hln_store_append(s, &r[1]), HLN_ETIME);
    hln_feed_id f;
    feed_of(&w, &f);
    uint64_t ts = 0;
    assert_int_equal(hln_store_head_time(s, &f, &ts), 0);
    assert_int_equal(ts, 2000);
    /* The same instant is fine: seq breaks the tie. */
    w.seq = 1;
    memcpy(w.last, r[0].id, HLN_HASH_LEN);
    obs(&w, &r[2], "2026-09", "u1", "", 7, 10, 2000);
    assert_int_equal(hln_store_append(s, &r[2]), 0);
    hln_store_close(&s);
    free(r);
    writer_free(&w);
}

static void an_inconsistent_record_is_invalid(void **state)
{
    (void)state;
    writer w;
    hln_record *r = rec_alloc(1);
    writer_init(&w, 1, "CA");
    obs(&w, r, "2026-09", "u1", "", 5, 10, 1000);
    hln_store *s = open_store();
    r->env.seq = 0;
    assert_int_equal(hln_store_append(s, r), HLN_EINVAL);
    r->env.seq = 1;
    r->raw_len = 0;
    assert_int_equal(hln_store_append(s, r), HLN_EINVAL);
    assert_int_equal(hln_store_append(s, NULL), HLN_EINVAL);
    hln_store_close(&s);
    free(r);
    writer_free(&w);
}

static int count_fork(void *ctx, const hln_record *first, const hln_record *second)
{
    const uint8_t *want_first = ctx;
    assert_memory_equal(first->id, want_first, HLN_HASH_LEN);
    assert_memory_not_equal(second->id, want_first, HLN_HASH_LEN);
    assert_int_equal(first->env.seq, second->env.seq);
    return 0;
}

static void a_fork_keeps_the_first_and_stores_the_proof(void **state)
{
    (void)state;
    writer w, w2, other;
    hln_record *r = rec_alloc(4);
    hln_feed_id f;
    writer_init(&w, 1, "CA");
    writer_init(&other, 2, "CA");
    feed_of(&w, &f);
    obs(&w, &r[0], "2026-09", "u1", "", 5, 10, 1000);
    w2 = w; /* the same key signs two different seq 2 records */
    obs(&w, &r[1], "2026-09", "u1", "", 5, 10, 1001);
    obs(&w2, &r[2], "2026-09", "u1", "", 7, 10, 1001);
    hln_store *s = open_store();
    assert_int_equal(hln_store_append(s, &r[0]), 0);
    assert_int_equal(hln_store_append(s, &r[1]), 0);
    assert_false(hln_store_author_forked(s, hln_identity_pk(w.id)));
    assert_int_equal(hln_store_append(s, &r[2]), HLN_EFORK);
    assert_true(hln_store_author_forked(s, hln_identity_pk(w.id)));
    assert_false(hln_store_author_forked(s, hln_identity_pk(other.id)));
    assert_int_equal(hln_store_feed_get(s, &f, 2, &r[3]), 0);
    assert_memory_equal(r[3].id, r[1].id, HLN_HASH_LEN);
    assert_int_equal(hln_store_foreach_fork(s, count_fork, r[1].id), 0);
    /* Seen again: still a fork, the first proof stays. */
    assert_int_equal(hln_store_append(s, &r[2]), HLN_EFORK);
    assert_int_equal(hln_store_verify(s, print_problem, NULL), 0);
    hln_store_close(&s);
    free(r);
    writer_free(&w);
    writer_free(&other);
}

static void a_batch_reports_each_record(void **state)
{
    (void)state;
    writer w, v;
    hln_record *r = rec_alloc(8), *batch = rec_alloc(6);
    int res[6];
    writer_init(&w, 1, "CA");
    writer_init(&v, 2, "CA-ON");
    for (int i = 0; i < 5; i++)
        obs(&w, &r[i], "2026-09", "u1", "", 5, 10, 1000 + (uint64_t)i);
    obs(&v, &r[5], "2026-09", "v1", "", 1, 10, 1000);
    hln_store *s = open_store();
    assert_int_equal(hln_store_append(s, &r[0]), 0);
    /* dup, seq 2, seq 3 (extends the batch's own pending head), gap (seq 5),
     * another feed, dup of the batch's own seq 2. */
    batch[0] = r[0];
    batch[1] = r[1];
    batch[2] = r[2];
    batch[3] = r[4];
    batch[4] = r[5];
    batch[5] = r[1];
    assert_int_equal(hln_store_append_batch(s, batch, 6, res), 0);
    assert_int_equal(res[0], HLN_EDUP);
    assert_int_equal(res[1], 0);
    assert_int_equal(res[2], 0);
    assert_int_equal(res[3], HLN_ECHAIN);
    assert_int_equal(res[4], 0);
    assert_int_equal(res[5], HLN_EDUP);
    uint64_t nf = 0, nr = 0;
    assert_int_equal(hln_store_counts(s, &nf, &nr), 0);
    assert_int_equal(nf, 2);
    assert_int_equal(nr, 4);
    assert_int_equal(hln_store_append_batch(s, batch, 0, res), 0);
    assert_int_equal(hln_store_append_batch(s, NULL, 2, res), HLN_EINVAL);
    assert_int_equal(hln_store_verify(s, print_problem, NULL), 0);
    hln_store_close(&s);
    free(r);
    free(batch);
    writer_free(&w);
    writer_free(&v);
}

/* Big records (indicator definitions near the body limit) fill the 64 MiB
 * initial map quickly; the store must grow it and keep every record. */
/* Another thread reads the store while the map grows under its writes
 * (hlnd reads on its event loop while its writer thread commits). */
typedef struct {
    hln_store *s;
    atomic_bool stop;
    uint64_t reads, last;
    int rc;
} reader_arg;

static void *reader_main(void *vp)
{
    reader_arg *a = vp;
    while (!atomic_load(&a->stop)) {
        uint64_t nr = 0;
        int rc = hln_store_counts(a->s, NULL, &nr);
        if (rc != 0 || nr < a->last)
            a->rc = rc ? rc : -1; /* a count never steps back */
        a->last = nr;
        a->reads++;
    }
    return NULL;
}

static void a_full_map_grows_and_the_batch_lands(void **state)
{
    (void)state;
    enum { N = 24000, B = 500 };
    writer w;
    hln_record *batch = rec_alloc(B);
    int res[B];
    writer_init(&w, 3, "CA");
    hln_store *s = open_store();
    reader_arg ra = {.s = s};
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, reader_main, &ra), 0);
    for (int done = 0; done < N; done += B) {
        for (int i = 0; i < B; i++) {
            hln_record *r = &batch[i];
            next_init(&w, r, HLN_REC_INDICATOR, 1000);
            hln_indicator *in = &r->body.indicator;
            snprintf(in->code, sizeof in->code, "mhpc.ind-%d", done + i);
            in->version = 1;
            snprintf(in->title, sizeof in->title, "Indicator %d", done + i);
            in->kind = HLN_KIND_PROPORTION;
            in->multiplier = 1;
            memset(in->description, 'x', 1020);
            in->description[1020] = 0;
            in->n_strata = 16;
            for (unsigned j = 0; j < in->n_strata; j++)
                snprintf(in->strata[j], sizeof in->strata[j], "s%02u-%050d", j, 0);
            seal_and_advance(&w, r);
        }
        assert_int_equal(hln_store_append_batch(s, batch, B, res), 0);
        for (int i = 0; i < B; i++)
            assert_int_equal(res[i], 0);
    }
    atomic_store(&ra.stop, true);
    assert_int_equal(pthread_join(th, NULL), 0);
    assert_int_equal(ra.rc, 0);
    assert_true(ra.reads > 0);
    uint64_t nr = 0;
    assert_int_equal(hln_store_counts(s, NULL, &nr), 0);
    assert_int_equal(nr, N);
    char path[192];
    struct stat st;
    snprintf(path, sizeof path, "%s/data.mdb", dbdir);
    assert_int_equal(stat(path, &st), 0);
    assert_true((uint64_t)st.st_size > ((uint64_t)64 << 20));
    hln_store_close(&s);
    /* Reopened, the bigger map stays usable. */
    s = open_store();
    assert_int_equal(hln_store_append_batch(s, batch, 1, res), 0);
    assert_int_equal(res[0], HLN_EDUP);
    assert_int_equal(hln_store_verify(s, print_problem, NULL), 0);
    hln_store_close(&s);
    free(batch);
    writer_free(&w);
}

/* ---- walks ---- */

typedef struct {
    int n;
    uint64_t seqs[16];
} seq_list;

static int collect_seq(void *ctx, const hln_record *r)
{
    seq_list *l = ctx;
    l->seqs[l->n++] = r->env.seq;
    return 0;
}

static int stop_at_two(void *ctx, const hln_record *r)
{
    (void)r;
    return ++*(int *)ctx == 2 ? 42 : 0;
}

static void feed_walk_honours_the_range(void **state)
{
    (void)state;
    writer w, v;
    hln_record *r = rec_alloc(7);
    int res[7];
    hln_feed_id f;
    writer_init(&w, 1, "CA");
    writer_init(&v, 2, "CA");
    feed_of(&w, &f);
    for (int i = 0; i < 5; i++)
        obs(&w, &r[i], "2026-09", "u1", "", 5, 10, 1000 + (uint64_t)i);
    obs(&v, &r[5], "2026-09", "v1", "", 5, 10, 1000);
    obs(&v, &r[6], "2026-09", "v1", "", 5, 10, 1001);
    hln_store *s = open_store();
    assert_int_equal(hln_store_append_batch(s, r, 7, res), 0);
    seq_list l = {0};
    assert_int_equal(hln_store_foreach_feed(s, &f, 2, 4, collect_seq, &l), 0);
    assert_int_equal(l.n, 3);
    assert_int_equal(l.seqs[0], 2);
    assert_int_equal(l.seqs[2], 4);
    l.n = 0;
    assert_int_equal(hln_store_foreach_feed(s, &f, 4, 0, collect_seq, &l), 0);
    assert_int_equal(l.n, 2);
    l.n = 0;
    assert_int_equal(hln_store_foreach_record(s, collect_seq, &l), 0);
    assert_int_equal(l.n, 7);
    int calls = 0;
    assert_int_equal(hln_store_foreach_record(s, stop_at_two, &calls), 42);
    hln_store_close(&s);
    free(r);
    writer_free(&w);
    writer_free(&v);
}

static int count_head(void *ctx, const hln_feed_id *feed, uint64_t seq, const uint8_t id[HLN_HASH_LEN])
{
    (void)id;
    uint64_t *sum = ctx;
    assert_true(strcmp(feed->scope, "CA") == 0 || strcmp(feed->scope, "global") == 0);
    *sum += seq;
    return 0;
}

static void heads_walk_gives_every_feed(void **state)
{
    (void)state;
    writer w, g;
    hln_record *r = rec_alloc(3);
    int res[3];
    writer_init(&w, 1, "CA");
    writer_init(&g, 1, "global"); /* the same author, another feed */
    obs(&w, &r[0], "2026-09", "u1", "", 5, 10, 1000);
    obs(&w, &r[1], "2026-09", "u1", "", 5, 10, 1001);
    obs(&g, &r[2], "2026-09", "CA", "", 50, 100, 1000);
    hln_store *s = open_store();
    assert_int_equal(hln_store_append_batch(s, r, 3, res), 0);
    uint64_t sum = 0;
    assert_int_equal(hln_store_foreach_head(s, count_head, &sum), 0);
    assert_int_equal(sum, 3);
    hln_store_close(&s);
    free(r);
    writer_free(&w);
    writer_free(&g);
}

/* ---- the observation index ---- */

typedef struct {
    int n;
    char line[32][128];
} obs_list;

/* Authors print as the letter of their writer, in the order registered. */
static const uint8_t *known_authors[4];

static char author_tag(const uint8_t *author)
{
    for (int i = 0; i < 4; i++)
        if (known_authors[i] && memcmp(known_authors[i], author, HLN_KEY_LEN) == 0)
            return (char)('A' + i);
    return '?';
}

static int collect_obs(void *ctx, const hln_obs_entry *e)
{
    obs_list *l = ctx;
    snprintf(l->line[l->n++], 128, "%s|%s|%s|%c|%s|%llu|%llu/%llu%s%s", e->indicator,
             e->period, e->stratum, author_tag(e->author), e->unit, (unsigned long long)e->timestamp_ms,
             (unsigned long long)e->numerator, (unsigned long long)e->denominator,
             e->suppressed ? " S" : "", e->retracted ? " R" : "");
    return 0;
}

static void obs_index_walks_in_key_order_with_the_latest_last(void **state)
{
    (void)state;
    writer a, b;
    hln_record *r = rec_alloc(8);
    int res[8];
    writer_init(&a, 0x10, "CA");
    writer_init(&b, 0x20, "CA");
    /* Appended out of key order; b's correction for u1 has a later timestamp. */
    obs(&b, &r[0], "2026-09", "u1", "", 1, 10, 5000);
    obs(&a, &r[1], "2026-10", "u1", "", 2, 10, 5000);
    obs(&a, &r[2], "2026-09", "u2", "", 3, 10, 5000);
    obs(&a, &r[3], "2026-09", "u1", "sex=f", 4, 10, 5000);
    obs(&a, &r[4], "2026-09", "u1", "", 5, 10, 5000);
    obs(&b, &r[5], "2026-09", "u1", "", 6, 10, 6000);
    obs(&a, &r[6], "2026-09", "u10", "", 7, 10, 5000);
    next_init(&a, &r[7], HLN_REC_OBSERVATION, 5000);
    snprintf(r[7].body.observation.indicator, HLN_CODE_MAX + 1, "mhpc.other");
    snprintf(r[7].body.observation.period, HLN_PERIOD_MAX + 1, "2026-09");
    r[7].body.observation.suppressed = true;
    seal_and_advance(&a, &r[7]);
    hln_store *s = open_store();
    assert_int_equal(hln_store_append_batch(s, r, 8, res), 0);
    for (int i = 0; i < 8; i++)
        assert_int_equal(res[i], 0);
    /* Authors sort by key bytes: name the lower one A. */
    bool a_first = memcmp(hln_identity_pk(a.id), hln_identity_pk(b.id), HLN_KEY_LEN) < 0;
    known_authors[0] = hln_identity_pk(a_first ? a.id : b.id);
    known_authors[1] = hln_identity_pk(a_first ? b.id : a.id);
    const char *ta = a_first ? "A" : "B", *tb = a_first ? "B" : "A";
    /* Within (indicator, period, stratum): author, then unit ("u1" < "u10" <
     * "u2"), then timestamp; then the next stratum, then the next period. */
    char want[8][128];
    int i = 0, bi = a_first ? 3 : 0, ai = a_first ? 0 : 2;
    snprintf(want[ai + 0], 128, "mhpc.dep-screen|2026-09||%s|u1|5000|5/10", ta);
    snprintf(want[ai + 1], 128, "mhpc.dep-screen|2026-09||%s|u10|5000|7/10", ta);
    snprintf(want[ai + 2], 128, "mhpc.dep-screen|2026-09||%s|u2|5000|3/10", ta);
    snprintf(want[bi + 0], 128, "mhpc.dep-screen|2026-09||%s|u1|5000|1/10", tb);
    snprintf(want[bi + 1], 128, "mhpc.dep-screen|2026-09||%s|u1|6000|6/10", tb); /* the latest */
    snprintf(want[5], 128, "mhpc.dep-screen|2026-09|sex=f|%s|u1|5000|4/10", ta);
    snprintf(want[6], 128, "mhpc.dep-screen|2026-10||%s|u1|5000|2/10", ta);
    snprintf(want[7], 128, "mhpc.other|2026-09||%s||5000|0/0 S", ta);

    obs_list l = {0};
    assert_int_equal(hln_store_foreach_obs(s, "mhpc.dep-screen", NULL, NULL, collect_obs, &l), 0);
    assert_int_equal(l.n, 7);
    for (i = 0; i < 7; i++)
        assert_string_equal(l.line[i], want[i]);

    memset(&l, 0, sizeof l);
    assert_int_equal(hln_store_foreach_obs(s, "mhpc.dep-screen", "2026-09", "", collect_obs, &l), 0);
    assert_int_equal(l.n, 5);
    memset(&l, 0, sizeof l);
    assert_int_equal(hln_store_foreach_obs(s, "mhpc.dep-screen", NULL, "sex=f", collect_obs, &l), 0);
    assert_int_equal(l.n, 1);
    memset(&l, 0, sizeof l);
    assert_int_equal(hln_store_foreach_obs(s, "mhpc.other", NULL, NULL, collect_obs, &l), 0);
    assert_int_equal(l.n, 1);
    assert_string_equal(l.line[0], want[7]);
    /* A prefix of an indicator code is another indicator. */
    memset(&l, 0, sizeof l);
    assert_int_equal(hln_store_foreach_obs(s, "mhpc.dep", NULL, NULL, collect_obs, &l), 0);
    assert_int_equal(l.n, 0);
    assert_int_equal(hln_store_foreach_obs(s, NULL, NULL, NULL, collect_obs, &l), HLN_EINVAL);
    hln_store_close(&s);
    free(r);
    writer_free(&a);
    writer_free(&b);
}

static void a_retraction_marks_the_index_entry(void **state)
{
    (void)state;
    writer w;
    hln_record *r = rec_alloc(3);
    int res[2];
    writer_init(&w, 1, "CA");
    known_authors[0] = hln_identity_pk(w.id);
    obs(&w, &r[0], "2026-09", "u1", "", 5, 10, 1000);
    retract(&w, &r[1], r[0].id, false, 2000);
    hln_store *s = open_store();
    assert_int_equal(hln_store_append_batch(s, r, 2, res), 0);
    obs_list l = {0};
    assert_int_equal(hln_store_foreach_obs(s, "mhpc.dep-screen", NULL, NULL, collect_obs, &l), 0);
    assert_int_equal(l.n, 1);
    assert_string_equal(l.line[0], "mhpc.dep-screen|2026-09||A|u1|1000|5/10 R");
    assert_int_equal(hln_store_get(s, r[0].id, &r[2]), 0);
    assert_true(r[2].has_body); /* no erase: the body stays */
    assert_int_equal(hln_store_verify(s, print_problem, NULL), 0);
    hln_store_close(&s);
    free(r);
    writer_free(&w);
}

/* The store remembers what each index entry's record said for one snapshot
 * (a report walks the same entries many times); an append, a retraction or
 * an erasure starts a new snapshot, and the walk sees it at once. */
static void a_walk_after_a_change_sees_the_change(void **state)
{
    (void)state;
    writer w;
    hln_record *r = rec_alloc(4);
    writer_init(&w, 1, "CA");
    known_authors[0] = hln_identity_pk(w.id);
    obs(&w, &r[0], "2026-09", "u1", "", 5, 10, 1000);
    obs(&w, &r[1], "2026-09", "u2", "", 7, 10, 1000);
    retract(&w, &r[2], r[0].id, false, 2000);
    retract(&w, &r[3], r[1].id, true, 3000);
    hln_store *s = open_store();
    assert_int_equal(hln_store_append(s, &r[0]), 0);
    obs_list l = {0};
    for (int pass = 0; pass < 3; pass++) {
        memset(&l, 0, sizeof l);
        assert_int_equal(hln_store_foreach_obs(s, "mhpc.dep-screen", NULL, NULL, collect_obs, &l), 0);
        assert_int_equal(l.n, 1);
        assert_string_equal(l.line[0], "mhpc.dep-screen|2026-09||A|u1|1000|5/10");
    }
    assert_int_equal(hln_store_append(s, &r[1]), 0);
    memset(&l, 0, sizeof l);
    assert_int_equal(hln_store_foreach_obs(s, "mhpc.dep-screen", NULL, NULL, collect_obs, &l), 0);
    assert_int_equal(l.n, 2);
    assert_string_equal(l.line[0], "mhpc.dep-screen|2026-09||A|u1|1000|5/10");
    assert_string_equal(l.line[1], "mhpc.dep-screen|2026-09||A|u2|1000|7/10");
    assert_int_equal(hln_store_append(s, &r[2]), 0);
    memset(&l, 0, sizeof l);
    assert_int_equal(hln_store_foreach_obs(s, "mhpc.dep-screen", NULL, NULL, collect_obs, &l), 0);
    assert_string_equal(l.line[0], "mhpc.dep-screen|2026-09||A|u1|1000|5/10 R");
    assert_string_equal(l.line[1], "mhpc.dep-screen|2026-09||A|u2|1000|7/10");
    assert_int_equal(hln_store_append(s, &r[3]), 0);
    memset(&l, 0, sizeof l);
    assert_int_equal(hln_store_foreach_obs(s, "mhpc.dep-screen", NULL, NULL, collect_obs, &l), 0);
    assert_int_equal(l.n, 2);
    assert_string_equal(l.line[1], "mhpc.dep-screen|2026-09||A|u2|1000|0/0 R");
    assert_int_equal(hln_store_obs_skipped(s), 0);
    hln_store_close(&s);
    free(r);
    writer_free(&w);
}

static void an_erasing_retraction_drops_the_body_and_verifies(void **state)
{
    (void)state;
    writer w;
    hln_record *r = rec_alloc(3);
    writer_init(&w, 1, "CA");
    known_authors[0] = hln_identity_pk(w.id);
    obs(&w, &r[0], "2026-09", "u1", "", 5, 10, 1000);
    retract(&w, &r[1], r[0].id, true, 2000);
    hln_store *s = open_store();
    assert_int_equal(hln_store_append(s, &r[0]), 0);
    assert_int_equal(hln_store_append(s, &r[1]), 0);
    assert_int_equal(hln_store_get(s, r[0].id, &r[2]), 0);
    assert_false(r[2].has_body);
    assert_memory_equal(r[2].id, r[0].id, HLN_HASH_LEN);
    assert_int_equal(hln_record_verify(&r[2]), 0);
    obs_list l = {0};
    assert_int_equal(hln_store_foreach_obs(s, "mhpc.dep-screen", NULL, NULL, collect_obs, &l), 0);
    assert_int_equal(l.n, 1);
    assert_string_equal(l.line[0], "mhpc.dep-screen|2026-09||A|u1|1000|0/0 R");
    assert_int_equal(hln_store_verify(s, print_problem, NULL), 0);
    hln_store_close(&s);
    free(r);
    writer_free(&w);
}

static void a_retraction_that_comes_first_applies_on_arrival(void **state)
{
    (void)state;
    writer ca, gl;
    hln_record *r = rec_alloc(3);
    writer_init(&ca, 1, "CA");
    known_authors[0] = hln_identity_pk(ca.id);
    writer_init(&gl, 1, "global"); /* the same author retracts from another feed */
    obs(&ca, &r[0], "2026-09", "u1", "", 5, 10, 1000);
    retract(&gl, &r[1], r[0].id, true, 2000);
    hln_store *s = open_store();
    assert_int_equal(hln_store_append(s, &r[1]), 0);
    assert_int_equal(hln_store_append(s, &r[0]), 0);
    assert_int_equal(hln_store_get(s, r[0].id, &r[2]), 0);
    assert_false(r[2].has_body);
    obs_list l = {0};
    assert_int_equal(hln_store_foreach_obs(s, "mhpc.dep-screen", NULL, NULL, collect_obs, &l), 0);
    assert_string_equal(l.line[0], "mhpc.dep-screen|2026-09||A|u1|1000|0/0 R");
    assert_int_equal(hln_store_verify(s, print_problem, NULL), 0);
    hln_store_close(&s);
    free(r);
    writer_free(&ca);
    writer_free(&gl);
}

static void a_strangers_retraction_changes_nothing(void **state)
{
    (void)state;
    writer w, x;
    hln_record *r = rec_alloc(3);
    writer_init(&w, 1, "CA");
    known_authors[0] = hln_identity_pk(w.id);
    writer_init(&x, 2, "CA");
    obs(&w, &r[0], "2026-09", "u1", "", 5, 10, 1000);
    retract(&x, &r[1], r[0].id, true, 2000);
    hln_store *s = open_store();
    assert_int_equal(hln_store_append(s, &r[0]), 0);
    assert_int_equal(hln_store_append(s, &r[1]), 0);
    assert_int_equal(hln_store_get(s, r[0].id, &r[2]), 0);
    assert_true(r[2].has_body);
    obs_list l = {0};
    assert_int_equal(hln_store_foreach_obs(s, "mhpc.dep-screen", NULL, NULL, collect_obs, &l), 0);
    assert_string_equal(l.line[0], "mhpc.dep-screen|2026-09||A|u1|1000|5/10");
    assert_int_equal(hln_store_verify(s, print_problem, NULL), 0);
    hln_store_close(&s);
    free(r);
    writer_free(&w);
    writer_free(&x);
}

static void erase_body_keeps_the_envelope(void **state)
{
    (void)state;
    writer w;
    hln_record *r = rec_alloc(2);
    writer_init(&w, 1, "CA");
    obs(&w, &r[0], "2026-09", "u1", "", 5, 10, 1000);
    hln_store *s = open_store();
    assert_int_equal(hln_store_append(s, &r[0]), 0);
    assert_int_equal(hln_store_erase_body(s, r[0].id), 0);
    assert_int_equal(hln_store_erase_body(s, r[0].id), 0); /* again: nothing to do */
    assert_int_equal(hln_store_get(s, r[0].id, &r[1]), 0);
    assert_false(r[1].has_body);
    assert_int_equal(hln_record_verify(&r[1]), 0);
    assert_int_equal(hln_store_verify(s, print_problem, NULL), 0);
    hln_store_close(&s);
    free(r);
    writer_free(&w);
}

/* ---- verify ---- */

static void verify_of_a_sound_store_finds_nothing(void **state)
{
    (void)state;
    writer w;
    hln_record *r = rec_alloc(10);
    int res[10];
    writer_init(&w, 1, "CA");
    for (int i = 0; i < 10; i++)
        obs(&w, &r[i], "2026-09", "u1", "", 5, 10, 1000 + (uint64_t)i);
    hln_store *s = open_store();
    assert_int_equal(hln_store_append_batch(s, r, 10, res), 0);
    assert_int_equal(hln_store_verify(s, print_problem, NULL), 0);
    assert_int_equal(hln_store_verify(s, NULL, NULL), 0);
    hln_store_close(&s);
    free(r);
    writer_free(&w);
}

typedef struct {
    int n;
    char first[256];
} lines;

static void keep_line(void *ctx, const char *line)
{
    lines *l = ctx;
    if (l->n++ == 0)
        snprintf(l->first, sizeof l->first, "%s", line);
}

static void verify_reports_a_corrupted_record(void **state)
{
    (void)state;
    writer w;
    hln_record *r = rec_alloc(3);
    int res[3];
    writer_init(&w, 1, "CA");
    for (int i = 0; i < 3; i++)
        obs(&w, &r[i], "2026-09", "u1", "", 5, 10, 1000 + (uint64_t)i);
    hln_store *s = open_store();
    assert_int_equal(hln_store_append_batch(s, r, 3, res), 0);
    hln_store_close(&s);
    raw_put("records", r[1].id, HLN_HASH_LEN, "garbage!", 8);
    s = open_store();
    lines l = {0};
    int n = hln_store_verify(s, keep_line, &l);
    assert_true(n >= 1);
    assert_int_equal(n, l.n);
    assert_non_null(strstr(l.first, "seq 2"));
    assert_int_equal(hln_store_get(s, r[1].id, &r[2]), HLN_ESTORE);
    hln_store_close(&s);
    free(r);
    writer_free(&w);
}

static void verify_reports_a_bad_signature(void **state)
{
    (void)state;
    writer w;
    hln_record *r = rec_alloc(1);
    writer_init(&w, 1, "CA");
    obs(&w, r, "2026-09", "u1", "", 5, 10, 1000);
    hln_store *s = open_store();
    assert_int_equal(hln_store_append(s, r), 0);
    hln_store_close(&s);
    /* Flip a signature bit: the bytes still decode. */
    uint8_t bad[HLN_RECORD_MAX];
    memcpy(bad, r->raw, r->raw_len);
    size_t sig_off = r->env_off + r->env_len + 2; /* bin8 header of the signature */
    assert_memory_equal(bad + sig_off, r->sig, HLN_SIG_LEN);
    bad[sig_off] ^= 1;
    raw_put("records", r->id, HLN_HASH_LEN, bad, r->raw_len);
    s = open_store();
    assert_int_equal(hln_store_verify(s, quiet, NULL), 1);
    hln_store_close(&s);
    free(r);
    writer_free(&w);
}

static void verify_reports_a_missing_index_entry_and_a_wrong_head(void **state)
{
    (void)state;
    writer w;
    hln_record *r = rec_alloc(2);
    int res[2];
    writer_init(&w, 1, "CA");
    obs(&w, &r[0], "2026-09", "u1", "", 5, 10, 1000);
    obs(&w, &r[1], "2026-09", "u1", "", 6, 10, 1001);
    hln_store *s = open_store();
    assert_int_equal(hln_store_append_batch(s, r, 2, res), 0);
    hln_store_close(&s);
    /* Delete the whole obs DB content for r[0] and point the head at seq 1. */
    uint8_t key[256];
    size_t n = 0;
    n += (size_t)sprintf((char *)key, "mhpc.dep-screen") + 1;
    n += (size_t)sprintf((char *)key + n, "2026-09") + 1;
    key[n++] = 0; /* the total stratum */
    memcpy(key + n, hln_identity_pk(w.id), HLN_KEY_LEN);
    n += HLN_KEY_LEN;
    n += (size_t)sprintf((char *)key + n, "u1") + 1;
    memset(key + n, 0, 22);
    key[n + 6] = 1000 >> 8, key[n + 7] = 1000 & 0xff; /* timestamp */
    key[n + 15] = 1;                                   /* seq */
    key[n + 16] = 'C', key[n + 17] = 'A';
    n += 22;
    raw_put("obs", key, n, NULL, 0);
    uint8_t head_key[38] = {0}, head_val[40] = {0};
    memcpy(head_key, hln_identity_pk(w.id), HLN_KEY_LEN);
    head_key[32] = 'C', head_key[33] = 'A';
    head_val[7] = 1;
    memcpy(head_val + 8, r[0].id, HLN_HASH_LEN);
    raw_put("heads", head_key, sizeof head_key, head_val, sizeof head_val);
    s = open_store();
    assert_int_equal(hln_store_verify(s, print_problem, NULL), 2);
    hln_store_close(&s);
    free(r);
    writer_free(&w);
}

/* ---- kv tables ---- */

static int count_kv(void *ctx, const void *key, size_t klen, const void *val, size_t vlen)
{
    (void)key;
    (void)val;
    *(size_t *)ctx += klen + vlen;
    return 0;
}

static void kv_tables_put_get_delete(void **state)
{
    (void)state;
    hln_store *s = open_store();
    char buf[8];
    size_t len = 0;
    assert_int_equal(hln_store_kv_put(s, HLN_TABLE_PEERS, "alpha", 5, "tcp://a", 7), 0);
    assert_int_equal(hln_store_kv_put(s, HLN_TABLE_PEERS, "beta", 4, "tcp://bb", 8), 0);
    assert_int_equal(hln_store_kv_get(s, HLN_TABLE_PEERS, "alpha", 5, buf, sizeof buf, &len), 0);
    assert_int_equal(len, 7);
    assert_memory_equal(buf, "tcp://a", 7);
    /* A short buffer gets a prefix and the full length. */
    assert_int_equal(hln_store_kv_get(s, HLN_TABLE_PEERS, "beta", 4, buf, 3, &len), 0);
    assert_int_equal(len, 8);
    assert_memory_equal(buf, "tcp", 3);
    /* Tables are separate. */
    assert_int_equal(hln_store_kv_get(s, HLN_TABLE_TRUST, "alpha", 5, buf, sizeof buf, &len),
                     HLN_ENOTFOUND);
    size_t total = 0;
    assert_int_equal(hln_store_kv_foreach(s, HLN_TABLE_PEERS, count_kv, &total), 0);
    assert_int_equal(total, 5 + 7 + 4 + 8);
    assert_int_equal(hln_store_kv_del(s, HLN_TABLE_PEERS, "alpha", 5), 0);
    assert_int_equal(hln_store_kv_get(s, HLN_TABLE_PEERS, "alpha", 5, buf, sizeof buf, &len),
                     HLN_ENOTFOUND);
    assert_int_equal(hln_store_kv_del(s, HLN_TABLE_PEERS, "alpha", 5), HLN_ENOTFOUND);
    hln_store_close(&s);
}

static void kv_refuses_bad_arguments_and_reserved_keys(void **state)
{
    (void)state;
    hln_store *s = open_store();
    static char big[4097];
    char key[129];
    memset(key, 'k', sizeof key);
    assert_int_equal(hln_store_kv_put(s, HLN_TABLE_FLAGS, "k", 1, big, sizeof big), HLN_ETOOBIG);
    assert_int_equal(hln_store_kv_put(s, HLN_TABLE_FLAGS, key, sizeof key, "v", 1), HLN_EINVAL);
    assert_int_equal(hln_store_kv_put(s, HLN_TABLE_FLAGS, "", 0, "v", 1), HLN_EINVAL);
    assert_int_equal(hln_store_kv_put(s, (hln_table)9, "k", 1, "v", 1), HLN_EINVAL);
    assert_int_equal(hln_store_kv_put(s, HLN_TABLE_META, "store.schema", 12, "v", 1), HLN_EPERM);
    assert_int_equal(hln_store_kv_del(s, HLN_TABLE_META, "store.incarnation", 17), HLN_EPERM);
    assert_int_equal(hln_store_kv_put(s, HLN_TABLE_META, "node.name", 9, "v", 1), 0);
    assert_int_equal(hln_store_kv_put(s, HLN_TABLE_FLAGS, "k", 1, big, 4096), 0);
    hln_store_close(&s);
}

/* ---- backup ---- */

static void backup_opens_as_a_store_with_the_same_records(void **state)
{
    (void)state;
    writer w;
    hln_record *r = rec_alloc(4);
    int res[3];
    char path[160];
    uint8_t a[HLN_INCARNATION_LEN], b[HLN_INCARNATION_LEN];
    writer_init(&w, 1, "CA");
    for (int i = 0; i < 3; i++)
        obs(&w, &r[i], "2026-09", "u1", "", 5, 10, 1000 + (uint64_t)i);
    hln_store *s = open_store(), *t = NULL;
    assert_int_equal(hln_store_append_batch(s, r, 3, res), 0);
    assert_int_equal(hln_store_kv_put(s, HLN_TABLE_TRUST, "anchor", 6, "x", 1), 0);
    snprintf(path, sizeof path, "%s/backup", tmpdir);
    assert_int_equal(hln_store_backup(s, path), 0);
    assert_int_equal(hln_store_backup(s, path), HLN_EEXIST);
    assert_int_equal(hln_store_open(path, 0, &t), 0);
    uint64_t nr = 0;
    assert_int_equal(hln_store_counts(t, NULL, &nr), 0);
    assert_int_equal(nr, 3);
    assert_int_equal(hln_store_get(t, r[2].id, &r[3]), 0);
    assert_memory_equal(r[3].raw, r[2].raw, r[2].raw_len);
    size_t len = 0;
    char v;
    assert_int_equal(hln_store_kv_get(t, HLN_TABLE_TRUST, "anchor", 6, &v, 1, &len), 0);
    assert_int_equal(hln_store_verify(t, print_problem, NULL), 0);
    /* A restored backup has forgotten what it told its peers: a new incarnation. */
    hln_store_incarnation(s, a);
    hln_store_incarnation(t, b);
    assert_memory_not_equal(a, b, sizeof a);
    hln_store_close(&t);
    hln_store_close(&s);
    free(r);
    writer_free(&w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(reopen_keeps_the_incarnation, setup, teardown),
        cmocka_unit_test_setup_teardown(a_new_store_gets_a_new_incarnation, setup, teardown),
        cmocka_unit_test_setup_teardown(wrong_schema_is_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(a_clock_stepping_back_is_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(read_only_store_refuses_writes, setup, teardown),
        cmocka_unit_test_setup_teardown(read_only_open_of_a_missing_store_fails, setup, teardown),
        cmocka_unit_test_setup_teardown(appended_record_reads_back_by_id_and_feed, setup, teardown),
        cmocka_unit_test_setup_teardown(missing_records_are_not_found, setup, teardown),
        cmocka_unit_test_setup_teardown(duplicate_is_reported, setup, teardown),
        cmocka_unit_test_setup_teardown(a_gap_in_seq_is_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(a_wrong_prev_is_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(an_inconsistent_record_is_invalid, setup, teardown),
        cmocka_unit_test_setup_teardown(a_fork_keeps_the_first_and_stores_the_proof, setup, teardown),
        cmocka_unit_test_setup_teardown(a_batch_reports_each_record, setup, teardown),
        cmocka_unit_test_setup_teardown(a_full_map_grows_and_the_batch_lands, setup, teardown),
        cmocka_unit_test_setup_teardown(feed_walk_honours_the_range, setup, teardown),
        cmocka_unit_test_setup_teardown(heads_walk_gives_every_feed, setup, teardown),
        cmocka_unit_test_setup_teardown(obs_index_walks_in_key_order_with_the_latest_last, setup, teardown),
        cmocka_unit_test_setup_teardown(a_retraction_marks_the_index_entry, setup, teardown),
        cmocka_unit_test_setup_teardown(a_walk_after_a_change_sees_the_change, setup, teardown),
        cmocka_unit_test_setup_teardown(an_erasing_retraction_drops_the_body_and_verifies, setup, teardown),
        cmocka_unit_test_setup_teardown(a_retraction_that_comes_first_applies_on_arrival, setup, teardown),
        cmocka_unit_test_setup_teardown(a_strangers_retraction_changes_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(erase_body_keeps_the_envelope, setup, teardown),
        cmocka_unit_test_setup_teardown(verify_of_a_sound_store_finds_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(verify_reports_a_corrupted_record, setup, teardown),
        cmocka_unit_test_setup_teardown(verify_reports_a_bad_signature, setup, teardown),
        cmocka_unit_test_setup_teardown(verify_reports_a_missing_index_entry_and_a_wrong_head, setup, teardown),
        cmocka_unit_test_setup_teardown(kv_tables_put_get_delete, setup, teardown),
        cmocka_unit_test_setup_teardown(kv_refuses_bad_arguments_and_reserved_keys, setup, teardown),
        cmocka_unit_test_setup_teardown(backup_opens_as_a_store_with_the_same_records, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
