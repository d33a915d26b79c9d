/* test_store_gov.c - the governance index: only governance records, in feed order, kept in the appending transaction, filled once for an older store. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <lmdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"
#include "crypto/err.h"
#include "proto/record.h"
#include "store/store.h"

static char tmpdir[64];
static char dbdir[128];

static int setup(void **state)
{
    (void)state;
    strcpy(tmpdir, "/tmp/hln-test-store-gov-XXXXXX");
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

/* One feed of `n` records whose types cycle through every record type:
 * member, revoke, indicator, policy, observation, retract, address. */
static const uint32_t TYPES[] = {HLN_REC_MEMBER,      HLN_REC_REVOKE,  HLN_REC_INDICATOR,
                                 HLN_REC_POLICY,      HLN_REC_OBSERVATION, HLN_REC_RETRACT,
                                 HLN_REC_ADDRESS};
#define NTYPES (sizeof TYPES / sizeof TYPES[0])

static void fill_body(hln_record *r, uint32_t type, uint64_t i)
{
    switch (type) {
    case HLN_REC_MEMBER:
        memset(r->body.member.subject, (int)(i + 1), HLN_KEY_LEN);
        snprintf(r->body.member.name, sizeof r->body.member.name, "Org %llu", (unsigned long long)i);
        r->body.member.level = HLN_LEVEL_ORGANIZATION;
        snprintf(r->body.member.jurisdiction, sizeof r->body.member.jurisdiction, "CA-ON");
        r->body.member.roles = HLN_ROLE_PUBLISH;
        break;
    case HLN_REC_REVOKE:
        memset(r->body.revoke.subject, (int)(i + 1), HLN_KEY_LEN);
        snprintf(r->body.revoke.reason, sizeof r->body.revoke.reason, "left");
        break;
    case HLN_REC_INDICATOR:
        snprintf(r->body.indicator.code, sizeof r->body.indicator.code, "t.ind-%llu",
                 (unsigned long long)i);
        r->body.indicator.version = 1;
        snprintf(r->body.indicator.title, sizeof r->body.indicator.title, "T");
        r->body.indicator.multiplier = 1;
        break;
    case HLN_REC_POLICY:
        snprintf(r->body.policy.jurisdiction, sizeof r->body.policy.jurisdiction, "CA");
        r->body.policy.min_cell = 11;
        break;
    case HLN_REC_OBSERVATION:
        snprintf(r->body.observation.indicator, sizeof r->body.observation.indicator, "t.ind-1");
        snprintf(r->body.observation.period, sizeof r->body.observation.period, "2026-01");
        snprintf(r->body.observation.unit, sizeof r->body.observation.unit, "u%llu",
                 (unsigned long long)i);
        r->body.observation.numerator = 1;
        r->body.observation.denominator = 2;
        break;
    case HLN_REC_RETRACT:
        memset(r->body.retract.target, 0x42, HLN_HASH_LEN);
        snprintf(r->body.retract.reason, sizeof r->body.retract.reason, "mistake");
        break;
    case HLN_REC_ADDRESS:
        r->body.address.n = 1;
        snprintf(r->body.address.endpoints[0], sizeof r->body.address.endpoints[0],
                 "tcp://10.0.0.1:7400");
        break;
    }
}

static void append_feed(hln_store *s, uint8_t seed_byte, size_t n)
{
    uint8_t seed[32], prev[HLN_HASH_LEN];
    memset(seed, seed_byte, sizeof seed);
    hln_identity *id = hln_identity_from_seed(seed);
    assert_non_null(id);
    hln_record *r = calloc(1, sizeof *r);
    assert_non_null(r);
    for (uint64_t seq = 1; seq <= n; seq++) {
        uint32_t type = TYPES[(seq - 1) % NTYPES];
        hln_record_init(r, (hln_rec_type)type, hln_identity_pk(id), "CA", seq,
                        seq > 1 ? prev : NULL, 1780000000000ull + seq);
        fill_body(r, type, seq);
        r->has_body = true;
        char err[128] = "";
        int rc = hln_record_seal(r, id, err, sizeof err);
        if (rc)
            fprintf(stderr, "seal %s: %s\n", hln_rec_type_name(type), err);
        assert_int_equal(rc, 0);
        memcpy(prev, r->id, HLN_HASH_LEN);
        assert_int_equal(hln_store_append(s, r), 0);
    }
    free(r);
    hln_identity_destroy(&id);
}

typedef struct {
    size_t n;
    uint32_t types[64];
    uint64_t seqs[64];
    uint8_t ids[64][HLN_HASH_LEN];
} seen;

static int collect(void *ctx, const hln_record *r)
{
    seen *s = ctx;
    if (s->n < 64) {
        s->types[s->n] = r->env.type;
        s->seqs[s->n] = r->env.seq;
        /* The index's walk takes the id `feeds` recorded; it must be the
         * envelope's hash, as the whole walk computes it. */
        uint8_t h[HLN_HASH_LEN];
        hln_hash(r->raw + r->env_off, r->env_len, h);
        assert_memory_equal(h, r->id, HLN_HASH_LEN);
        memcpy(s->ids[s->n], r->id, HLN_HASH_LEN);
    }
    s->n++;
    return 0;
}

static int gov_only(void *ctx, const hln_record *r)
{
    uint32_t t = r->env.type;
    return (t == HLN_REC_OBSERVATION || t == HLN_REC_RETRACT) ? 0 : collect(ctx, r);
}

/* The index answers what a filtered walk of every record answers. */
static void assert_same_as_full_walk(hln_store *s, size_t expect)
{
    seen a, b;
    memset(&a, 0, sizeof a);
    memset(&b, 0, sizeof b);
    assert_int_equal(hln_store_foreach_gov(s, collect, &a), 0);
    assert_int_equal(hln_store_foreach_record(s, gov_only, &b), 0);
    assert_int_equal(a.n, expect);
    assert_int_equal(a.n, b.n);
    assert_memory_equal(a.types, b.types, sizeof a.types);
    assert_memory_equal(a.seqs, b.seqs, sizeof a.seqs);
    assert_memory_equal(a.ids, b.ids, sizeof a.ids);
    for (size_t i = 0; i < a.n && i < 64; i++)
        assert_true(a.types[i] != HLN_REC_OBSERVATION && a.types[i] != HLN_REC_RETRACT);
    /* Of some types only: exactly those of the whole walk, in its order. */
    static const uint32_t masks[] = {
        HLN_STORE_GOV_TYPE(HLN_REC_MEMBER), HLN_STORE_GOV_TYPE(HLN_REC_INDICATOR),
        HLN_STORE_GOV_TYPE(HLN_REC_POLICY) | HLN_STORE_GOV_TYPE(HLN_REC_ADDRESS),
        HLN_STORE_GOV_TYPE(HLN_REC_OBSERVATION)};
    for (size_t m = 0; m < sizeof masks / sizeof masks[0]; m++) {
        seen c;
        memset(&c, 0, sizeof c);
        assert_int_equal(hln_store_foreach_gov_of(s, masks[m], collect, &c), 0);
        size_t k = 0;
        for (size_t i = 0; i < a.n && i < 64; i++)
            if (masks[m] & HLN_STORE_GOV_TYPE(a.types[i])) {
                assert_true(k < c.n);
                assert_int_equal(c.types[k], a.types[i]);
                assert_int_equal(c.seqs[k], a.seqs[i]);
                k++;
            }
        assert_int_equal(c.n, k);
        assert_true(m == 3 ? k == 0 : k > 0);
    }
}

static void only_governance_records_in_feed_order(void **state)
{
    (void)state;
    hln_store *s = NULL;
    assert_int_equal(hln_store_open(dbdir, 0, &s), 0);
    append_feed(s, 3, 14); /* two cycles of 7 types: 10 governance records */
    append_feed(s, 4, 7);  /* one more cycle: 5 */
    assert_same_as_full_walk(s, 15);
    assert_int_equal(hln_store_verify(s, NULL, NULL), 0);
    hln_store_close(&s);
    /* Read-only, the same answer from the same index. */
    assert_int_equal(hln_store_open(dbdir, HLN_STORE_RDONLY, &s), 0);
    assert_same_as_full_walk(s, 15);
    hln_store_close(&s);
}

/* Make the store look like one written before the index: no gov DB entries
 * and no marker. */
static void strip_index(void)
{
    MDB_env *env;
    MDB_txn *txn;
    MDB_dbi gov, meta;
    assert_int_equal(mdb_env_create(&env), 0);
    assert_int_equal(mdb_env_set_maxdbs(env, 16), 0);
    assert_int_equal(mdb_env_open(env, dbdir, 0, 0600), 0);
    assert_int_equal(mdb_txn_begin(env, NULL, 0, &txn), 0);
    assert_int_equal(mdb_dbi_open(txn, "gov", 0, &gov), 0);
    assert_int_equal(mdb_drop(txn, gov, 1), 0); /* delete the DB itself */
    assert_int_equal(mdb_dbi_open(txn, "meta", 0, &meta), 0);
    MDB_val k = {strlen("store.gov_index"), (void *)"store.gov_index"};
    assert_int_equal(mdb_del(txn, meta, &k, NULL), 0);
    assert_int_equal(mdb_txn_commit(txn), 0);
    mdb_env_close(env);
}

static void an_older_store_is_indexed_by_its_first_writable_open(void **state)
{
    (void)state;
    hln_store *s = NULL;
    assert_int_equal(hln_store_open(dbdir, 0, &s), 0);
    append_feed(s, 5, 21); /* 15 governance records */
    hln_store_close(&s);
    strip_index();
    /* Read-only, it cannot be filled: the walk falls back to every record. */
    assert_int_equal(hln_store_open(dbdir, HLN_STORE_RDONLY, &s), 0);
    assert_same_as_full_walk(s, 15);
    hln_store_close(&s);
    /* The first writable open fills it; later appends keep it. */
    assert_int_equal(hln_store_open(dbdir, 0, &s), 0);
    assert_same_as_full_walk(s, 15);
    append_feed(s, 6, 7);
    assert_same_as_full_walk(s, 20);
    assert_int_equal(hln_store_verify(s, NULL, NULL), 0);
    hln_store_close(&s);
}

static void verify_reports_a_record_missing_from_the_index(void **state)
{
    (void)state;
    hln_store *s = NULL;
    assert_int_equal(hln_store_open(dbdir, 0, &s), 0);
    append_feed(s, 7, 7);
    hln_store_close(&s);
    /* Drop the entries but keep the marker: the index claims to be whole. */
    MDB_env *env;
    MDB_txn *txn;
    MDB_dbi gov;
    assert_int_equal(mdb_env_create(&env), 0);
    assert_int_equal(mdb_env_set_maxdbs(env, 16), 0);
    assert_int_equal(mdb_env_open(env, dbdir, 0, 0600), 0);
    assert_int_equal(mdb_txn_begin(env, NULL, 0, &txn), 0);
    assert_int_equal(mdb_dbi_open(txn, "gov", 0, &gov), 0);
    assert_int_equal(mdb_drop(txn, gov, 0), 0); /* empty it */
    assert_int_equal(mdb_txn_commit(txn), 0);
    mdb_env_close(env);
    assert_int_equal(hln_store_open(dbdir, HLN_STORE_RDONLY, &s), 0);
    assert_int_equal(hln_store_verify(s, NULL, NULL), 5);
    hln_store_close(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(only_governance_records_in_feed_order, setup, teardown),
        cmocka_unit_test_setup_teardown(an_older_store_is_indexed_by_its_first_writable_open, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(verify_reports_a_record_missing_from_the_index, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
