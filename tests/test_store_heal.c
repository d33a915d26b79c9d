/* test_store_heal.c - a store that heals: index entries that disagree with their records never count, damaged records are quarantined with the rest of their feed and taken back. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <lmdb.h>
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

static void feed_of(const writer *w, hln_feed_id *f)
{
    memset(f, 0, sizeof *f);
    memcpy(f->author, hln_identity_pk(w->id), HLN_KEY_LEN);
    snprintf(f->scope, sizeof f->scope, "%s", w->scope);
}
static int setup(void **state)
{
    (void)state;
    strcpy(tmpdir, "/tmp/hln-test-heal-XXXXXX");
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
    return s;
}

/* Flip `mask` into byte `off` of the value of entry `nth` (0-based, key
 * order) of table `db`, or delete that entry (mask 0), with the store
 * closed. The key of the entry is copied into key_out if not NULL. */
static void raw_damage(const char *db, int nth, size_t off, uint8_t mask)
{
    MDB_env *env;
    MDB_txn *txn;
    MDB_dbi dbi;
    MDB_cursor *cur;
    MDB_val k, v;
    assert_int_equal(mdb_env_create(&env), 0);
    assert_int_equal(mdb_env_set_maxdbs(env, 16), 0);
    assert_int_equal(mdb_env_open(env, dbdir, 0, 0600), 0);
    assert_int_equal(mdb_txn_begin(env, NULL, 0, &txn), 0);
    assert_int_equal(mdb_dbi_open(txn, db, 0, &dbi), 0);
    assert_int_equal(mdb_cursor_open(txn, dbi, &cur), 0);
    assert_int_equal(mdb_cursor_get(cur, &k, &v, MDB_FIRST), 0);
    for (int i = 0; i < nth; i++)
        assert_int_equal(mdb_cursor_get(cur, &k, &v, MDB_NEXT), 0);
    if (mask) {
        uint8_t *copy = malloc(v.mv_size);
        assert_non_null(copy);
        memcpy(copy, v.mv_data, v.mv_size);
        assert_true(off < v.mv_size);
        copy[off] ^= mask;
        MDB_val nv = {v.mv_size, copy};
        assert_int_equal(mdb_cursor_put(cur, &k, &nv, MDB_CURRENT), 0);
        free(copy);
    } else {
        assert_int_equal(mdb_cursor_del(cur, 0), 0);
    }
    mdb_cursor_close(cur);
    assert_int_equal(mdb_txn_commit(txn), 0);
    mdb_env_close(env);
}

typedef struct {
    uint64_t num, den, n;
} sums;

static int add_obs(void *ctx, const hln_obs_entry *e)
{
    sums *s = ctx;
    s->num += e->numerator;
    s->den += e->denominator;
    s->n++;
    return 0;
}

static sums bench_sums(hln_store *s)
{
    sums t = {0, 0, 0};
    assert_int_equal(hln_store_foreach_obs(s, "mhpc.dep-screen", "2026", NULL, add_obs, &t), 0);
    return t;
}

typedef struct {
    int damaged, index;
    uint64_t seq;
} heal_seen;

static void heal_cb(void *ctx, const char *what, const hln_feed_id *feed, uint64_t seq,
                    const uint8_t id[HLN_HASH_LEN], const char *detail)
{
    heal_seen *h = ctx;
    (void)feed, (void)id, (void)detail;
    if (!strcmp(what, "damaged")) {
        h->damaged++;
        h->seq = seq;
    } else {
        h->index++;
    }
}

/* Four observations of one writer: 10/100, 20/100, 30/100, 40/100. */
static void four(hln_store *s, writer *w, hln_record *r)
{
    const char *units[4] = {"u1", "u2", "u3", "u4"};
    for (int i = 0; i < 4; i++) {
        obs(w, &r[i], "2026", units[i], "", (uint64_t)(i + 1) * 10, 100, 1000 + (uint64_t)i);
        assert_int_equal(hln_store_append(s, &r[i]), 0);
    }
}

/* An index entry whose counts were changed does not count: the record does
 * (bench read 200/200 from a changed entry before). */
static void index_entry_never_outvotes_its_record(void **state)
{
    (void)state;
    writer w;
    writer_init(&w, 7, "CA");
    hln_record *r = rec_alloc(4);
    hln_store *s = open_store();
    four(s, &w, r);
    sums before = bench_sums(s);
    assert_int_equal(before.num, 100);
    assert_int_equal(before.den, 400);
    hln_store_close(&s);
    /* The numerator of the first entry: bytes 32..39 of the value. */
    raw_damage("obs", 0, HLN_HASH_LEN + 7, 0x40);
    s = open_store();
    sums after = bench_sums(s);
    assert_int_equal(after.num, 100);
    assert_int_equal(after.den, 400);
    assert_int_equal(after.n, 4);
    assert_true(hln_store_verify(s, NULL, NULL) > 0);
    /* The background check rewrites it; verify is clean again. */
    heal_seen h = {0, 0, 0};
    hln_heal_stats st;
    assert_int_equal(hln_store_heal(s, HLN_HEAL_INDEX, heal_cb, &h, &st), 0);
    assert_int_equal(st.index, 1);
    assert_int_equal(st.damaged, 0);
    assert_int_equal(hln_store_verify(s, NULL, NULL), 0);
    hln_store_close(&s);
    /* A deleted entry comes back too. */
    raw_damage("obs", 2, 0, 0);
    s = open_store();
    assert_int_equal(bench_sums(s).n, 3);
    assert_int_equal(hln_store_heal(s, HLN_HEAL_INDEX, NULL, NULL, &st), 0);
    assert_int_equal(st.index, 1);
    assert_int_equal(bench_sums(s).num, 100);
    assert_int_equal(hln_store_verify(s, NULL, NULL), 0);
    hln_store_close(&s);
    free(r);
    writer_free(&w);
}

static int find_seq(hln_record *r, size_t n, const uint8_t *id)
{
    for (size_t i = 0; i < n; i++)
        if (memcmp(r[i].id, id, HLN_HASH_LEN) == 0)
            return (int)i;
    return -1;
}

typedef struct {
    uint8_t ids[8][HLN_HASH_LEN];
    int n;
} id_list;

static int list_ids(void *ctx, const hln_record *r)
{
    id_list *l = ctx;
    memcpy(l->ids[l->n++], r->id, HLN_HASH_LEN);
    return 0;
}

/* One byte flipped in one record: quarantined with what follows it in its
 * feed (opening the store and reading it work again), and the copies a peer
 * sends are taken back. */
static void damaged_record_is_quarantined_and_taken_back(void **state)
{
    (void)state;
    writer w;
    writer_init(&w, 9, "CA");
    hln_record *r = rec_alloc(4);
    hln_store *s = open_store();
    four(s, &w, r);
    hln_store_close(&s);
    /* The records table is keyed by id: which entry is seq 2? */
    MDB_env *env;
    MDB_txn *txn;
    MDB_dbi dbi;
    MDB_cursor *cur;
    MDB_val k, v;
    int nth = -1, i = 0;
    assert_int_equal(mdb_env_create(&env), 0);
    assert_int_equal(mdb_env_set_maxdbs(env, 16), 0);
    assert_int_equal(mdb_env_open(env, dbdir, MDB_RDONLY, 0600), 0);
    assert_int_equal(mdb_txn_begin(env, NULL, MDB_RDONLY, &txn), 0);
    assert_int_equal(mdb_dbi_open(txn, "records", 0, &dbi), 0);
    assert_int_equal(mdb_cursor_open(txn, dbi, &cur), 0);
    for (int mrc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); mrc == 0;
         mrc = mdb_cursor_get(cur, &k, &v, MDB_NEXT), i++)
        if (find_seq(r, 4, k.mv_data) == 1)
            nth = i;
    mdb_cursor_close(cur);
    mdb_txn_abort(txn);
    mdb_env_close(env);
    assert_true(nth >= 0);
    raw_damage("records", nth, r[1].raw_len - 3, 0x01);

    s = open_store();
    assert_true(hln_store_verify(s, NULL, NULL) > 0);
    /* Reading the feed stopped at the damaged record before. */
    hln_feed_id f;
    feed_of(&w, &f);
    heal_seen h = {0, 0, 0};
    hln_heal_stats st;
    assert_int_equal(hln_store_heal(s, HLN_HEAL_DRY, heal_cb, &h, &st), 0);
    assert_int_equal(st.damaged, 1);
    assert_int_equal(h.seq, 2);
    assert_true(hln_store_verify(s, NULL, NULL) > 0); /* dry: nothing written */
    memset(&h, 0, sizeof h);
    assert_int_equal(hln_store_heal(s, 0, heal_cb, &h, &st), 0);
    assert_int_equal(st.damaged, 1);
    assert_int_equal(st.dropped, 3);
    assert_int_equal(h.damaged, 1);
    assert_int_equal(hln_store_verify(s, NULL, NULL), 0);
    uint64_t head = 0;
    assert_int_equal(hln_store_head(s, &f, &head, NULL), 0);
    assert_int_equal(head, 1);
    assert_int_equal(bench_sums(s).num, 10);
    id_list l = {.n = 0};
    assert_int_equal(hln_store_foreach_feed(s, &f, 1, 0, list_ids, &l), 0);
    assert_int_equal(l.n, 1);
    /* What a peer sends back chains on. */
    for (int j = 1; j < 4; j++)
        assert_int_equal(hln_store_append(s, &r[j]), 0);
    assert_int_equal(hln_store_verify(s, NULL, NULL), 0);
    assert_int_equal(bench_sums(s).num, 100);
    /* A healthy store: nothing to do. */
    assert_int_equal(hln_store_heal(s, 0, NULL, NULL, &st), 0);
    assert_int_equal(st.damaged + st.dropped + st.index, 0);
    assert_int_equal(st.records, 4);
    hln_store_close(&s);
    free(r);
    writer_free(&w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(index_entry_never_outvotes_its_record, setup, teardown),
        cmocka_unit_test_setup_teardown(damaged_record_is_quarantined_and_taken_back, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
