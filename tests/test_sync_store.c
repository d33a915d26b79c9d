/* test_sync_store.c - the sync engine's store-side host on a real node: the receiver's policy check and its flags. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crypto/crypto.h"
#include "crypto/err.h"
#include "node/node.h"
#include "node/sync_store.h"
#include "node/trust.h"
#include "store/store.h"
#include "node/gov.h"

/* Canada's authority receives from a clinic in Ontario, which publishes in
 * scope CA (its country's) as docs/GOVERNANCE.md §12 has it. */
enum { CA, CLINIC, N_NODES };
static char root[64];
static char dirs[N_NODES][128];
static char ids[N_NODES][HLN_ID_TEXT_LEN + 1];
static uint8_t pks[N_NODES][HLN_KEY_LEN];

static uint64_t wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static int make_node(int i, const char *name, uint32_t level, const char *j)
{
    hln_node_info info;
    memset(&info, 0, sizeof info);
    snprintf(info.name, sizeof info.name, "%s", name);
    info.level = level;
    snprintf(info.jurisdiction, sizeof info.jurisdiction, "%s", j);
    snprintf(dirs[i], sizeof dirs[i], "%s/n%d", root, i);
    hln_node *n = NULL;
    char err[256];
    if (hln_node_create(dirs[i], &info, &n, err, sizeof err))
        return -1;
    memcpy(pks[i], hln_node_pk(n), HLN_KEY_LEN);
    hln_id_to_text(pks[i], ids[i]);
    hln_node_close(&n);
    return 0;
}

/* Canada's authority, through the library: it anchors itself, admits the
 * clinic from 2020 and sets a stricter rule for Ontario's data (20) than the
 * floor (11); none for CA as a whole. */
static int govern_canada(void)
{
    hln_node *n = NULL;
    char err[256] = "";
    if (hln_node_open(dirs[CA], 0, &n, err, sizeof err))
        return -1;
    hln_gov_anchor a;
    memset(&a, 0, sizeof a);
    memcpy(a.id, pks[CA], HLN_KEY_LEN);
    snprintf(a.name, sizeof a.name, "Canada");
    a.level = HLN_LEVEL_NATIONAL;
    snprintf(a.jurisdiction, sizeof a.jurisdiction, "CA");
    int rc = hln_gov_anchor_put(hln_node_store(n), &a);
    hln_body b;
    memset(&b, 0, sizeof b);
    memcpy(b.member.subject, pks[CLINIC], HLN_KEY_LEN);
    snprintf(b.member.name, sizeof b.member.name, "Clinic");
    b.member.level = HLN_LEVEL_ORGANIZATION;
    snprintf(b.member.jurisdiction, sizeof b.member.jurisdiction, "CA-ON");
    b.member.roles = HLN_ROLE_PUBLISH;
    b.member.valid_from_ms = 1577836800000ull; /* 2020-01-01 */
    if (!rc)
        rc = hln_gov_author(n, HLN_REC_MEMBER, &b, "CA", NULL, NULL, err, sizeof err);
    memset(&b, 0, sizeof b);
    snprintf(b.policy.jurisdiction, sizeof b.policy.jurisdiction, "CA-ON");
    b.policy.min_cell = 20;
    if (!rc)
        rc = hln_gov_author(n, HLN_REC_POLICY, &b, "CA", NULL, NULL, err, sizeof err);
    if (rc)
        fprintf(stderr, "govern_canada: %s: %s\n", hln_strerror(rc), err);
    hln_node_close(&n);
    return rc ? -1 : 0;
}

static int setup(void **state)
{
    (void)state;
    hln_crypto_init();
    strcpy(root, "/tmp/hln-test-ss-XXXXXX");
    if (!mkdtemp(root))
        return -1;
    if (make_node(CA, "Canada", HLN_LEVEL_NATIONAL, "CA") ||
        make_node(CLINIC, "Clinic", HLN_LEVEL_ORGANIZATION, "CA-ON"))
        return -1;
    /* Canada trusts itself, admits the clinic, and sets a stricter rule
     * for Ontario's data (20) than the floor (11); none for CA as a whole. */
    if (govern_canada())
        return -1;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", root);
    return system(cmd);
}

/* An observation of the clinic's feed in scope CA, not marked suppressed. */
static void clinic_observation(hln_record *r, uint64_t seq, const uint8_t *prev, uint64_t num)
{
    hln_node *n = NULL;
    char err[256];
    assert_int_equal(hln_node_open(dirs[CLINIC], HLN_NODE_RDONLY, &n, err, sizeof err), 0);
    hln_record_init(r, HLN_REC_OBSERVATION, pks[CLINIC], "CA", seq, prev, wall_ms());
    hln_observation *o = &r->body.observation;
    strcpy(o->indicator, "mhpc.depression-screening");
    strcpy(o->period, "2026-09");
    strcpy(o->unit, "site-1");
    o->numerator = num;
    o->denominator = 100;
    assert_int_equal(hln_record_seal(r, hln_node_identity(n), NULL, 0), 0);
    hln_node_close(&n);
}

static void an_ontario_clinic_in_scope_ca_is_held_to_ontarios_policy(void **state)
{
    (void)state;
    hln_node *n = NULL;
    char err[256];
    assert_int_equal(hln_node_open(dirs[CA], 0, &n, err, sizeof err), 0);
    hln_sync_store *ss = NULL;
    assert_int_equal(hln_sync_store_new(n, &ss), 0);
    hln_sync_host h;
    hln_sync_store_host(ss, &h);
    hln_trust *t = hln_sync_store_trust(ss);
    assert_int_equal(hln_trust_policy_min_cell(t, "CA", 11), 11);
    assert_int_equal(hln_trust_policy_min_cell(t, "CA-ON", 11), 20);

    /* 15 of 100 passes CA's floor of 11 but not Ontario's 20. */
    hln_record *r = malloc(sizeof *r);
    clinic_observation(r, 1, NULL, 15);
    int res = 0;
    assert_int_equal(h.store(h.ctx, 0, r, 1, &res), 0);
    assert_int_equal(res, HLN_EPOLICY);
    assert_true(hln_trust_flagged(hln_sync_store_trust(ss), pks[CLINIC]));
    hln_sync_store_stats st;
    hln_sync_store_stats_get(ss, &st);
    assert_int_equal(st.refused_policy, 1);

    /* 25 of 100 is fine under both. */
    clinic_observation(r, 1, NULL, 25);
    assert_int_equal(h.store(h.ctx, 0, r, 1, &res), 0);
    assert_int_equal(res, 0);
    free(r);
    hln_sync_store_destroy(&ss);
    hln_node_close(&n);
}

/* A fork proof is no way around the checks: its halves are judged like
 * any record, and a half the policy refuses is not stored. */
static void a_fork_proof_does_not_smuggle_a_small_cell(void **state)
{
    (void)state;
    hln_node *n = NULL;
    char err[256];
    assert_int_equal(hln_node_open(dirs[CA], 0, &n, err, sizeof err), 0);
    hln_sync_store *ss = NULL;
    assert_int_equal(hln_sync_store_new(n, &ss), 0);
    hln_sync_host h;
    hln_sync_store_host(ss, &h);
    hln_record *a = malloc(sizeof *a), *b = malloc(sizeof *b);
    clinic_observation(a, 1, NULL, 5); /* below every minimum cell */
    clinic_observation(b, 1, NULL, 30);
    assert_memory_not_equal(a->id, b->id, HLN_HASH_LEN);
    (void)h.fork(h.ctx, 0, a, b);
    hln_record *got = malloc(sizeof *got);
    assert_int_equal(hln_store_get(hln_node_store(n), a->id, got), HLN_ENOTFOUND);
    assert_true(hln_trust_flagged(hln_sync_store_trust(ss), pks[CLINIC]));
    free(got);
    free(a);
    free(b);
    hln_sync_store_destroy(&ss);
    hln_node_close(&n);
}

/* A batch the store cannot write teaches the trust view nothing: a member
 * record learned before the write is forgotten when the write fails. */
static void a_failed_batch_leaves_trust_as_the_store_has_it(void **state)
{
    (void)state;
    hln_node *n = NULL, *rw = NULL;
    char err[256];
    /* A second organization, admitted by Canada in a record that reaches a
     * read-only view of Canada's store (so every write fails). */
    uint8_t seed[32];
    memset(seed, 0x5a, sizeof seed);
    hln_identity *other = hln_identity_from_seed(seed);
    assert_int_equal(hln_node_open(dirs[CA], 0, &rw, err, sizeof err), 0);
    uint64_t head = 0;
    uint8_t prev[HLN_HASH_LEN];
    hln_feed_id f;
    memset(&f, 0, sizeof f);
    memcpy(f.author, pks[CA], HLN_KEY_LEN);
    strcpy(f.scope, "CA");
    assert_int_equal(hln_store_head(hln_node_store(rw), &f, &head, prev), 0);
    hln_record *r = malloc(sizeof *r);
    hln_record_init(r, HLN_REC_MEMBER, pks[CA], "CA", head + 1, prev, wall_ms());
    hln_member *m = &r->body.member;
    memcpy(m->subject, hln_identity_pk(other), HLN_KEY_LEN);
    strcpy(m->name, "Clinic Two");
    m->level = HLN_LEVEL_ORGANIZATION;
    strcpy(m->jurisdiction, "CA-QC");
    m->roles = HLN_ROLE_PUBLISH;
    m->valid_from_ms = 1;
    assert_int_equal(hln_record_seal(r, hln_node_identity(rw), NULL, 0), 0);
    hln_node_close(&rw);

    assert_int_equal(hln_node_open(dirs[CA], HLN_NODE_RDONLY, &n, err, sizeof err), 0);
    hln_sync_store *ss = NULL;
    assert_int_equal(hln_sync_store_new(n, &ss), 0);
    hln_sync_host h;
    hln_sync_store_host(ss, &h);
    hln_trust_info info;
    assert_int_not_equal(hln_trust_member(hln_sync_store_trust(ss), hln_identity_pk(other),
                                          wall_ms(), &info),
                         0);
    int res = 0;
    assert_int_not_equal(h.store(h.ctx, 0, r, 1, &res), 0);
    assert_int_not_equal(hln_trust_member(hln_sync_store_trust(ss), hln_identity_pk(other),
                                          wall_ms(), &info),
                         0);
    free(r);
    hln_identity_destroy(&other);
    hln_sync_store_destroy(&ss);
    hln_node_close(&n);
}

static void a_policy_flag_outlives_a_restart(void **state)
{
    (void)state;
    hln_node *n = NULL;
    char err[256];
    assert_int_equal(hln_node_open(dirs[CA], 0, &n, err, sizeof err), 0);
    hln_sync_store *ss = NULL;
    assert_int_equal(hln_sync_store_new(n, &ss), 0);
    hln_sync_host h;
    hln_sync_store_host(ss, &h);
    hln_record *r = malloc(sizeof *r);
    clinic_observation(r, 1, NULL, 12);
    int res = 0;
    assert_int_equal(h.store(h.ctx, 0, r, 1, &res), 0);
    assert_int_equal(res, HLN_EPOLICY);
    free(r);
    hln_sync_store_destroy(&ss);
    hln_node_close(&n);

    /* A new process: the flag comes back from the FLAGS table. */
    assert_int_equal(hln_node_open(dirs[CA], HLN_NODE_RDONLY, &n, err, sizeof err), 0);
    hln_trust *t = NULL;
    assert_int_equal(hln_gov_trust_load(n, &t), 0);
    assert_true(hln_trust_flagged(t, pks[CLINIC]));
    hln_trust_info info;
    assert_int_equal(hln_trust_member(t, pks[CLINIC], wall_ms(), &info), 0);
    assert_string_equal(info.flag_reason, "policy");
    hln_trust_destroy(&t);
    hln_node_close(&n);
    /* And the daemon's reload keeps it too. */
    assert_int_equal(hln_node_open(dirs[CA], 0, &n, err, sizeof err), 0);
    assert_int_equal(hln_sync_store_new(n, &ss), 0);
    assert_int_equal(hln_sync_store_reload(ss), 0);
    assert_true(hln_trust_flagged(hln_sync_store_trust(ss), pks[CLINIC]));
    hln_sync_store_destroy(&ss);
    hln_node_close(&n);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(an_ontario_clinic_in_scope_ca_is_held_to_ontarios_policy,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(a_policy_flag_outlives_a_restart, setup, teardown),
        cmocka_unit_test_setup_teardown(a_failed_batch_leaves_trust_as_the_store_has_it, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(a_fork_proof_does_not_smuggle_a_small_cell, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
