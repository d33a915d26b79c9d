/* test_gov_policy.c - the part of the trust graph that judges policy records
 * (hln_gov_trust_load_policy) answers as the whole graph does: random
 * governance worlds of anchors, admissions, revocations, rotations and
 * policies, asked the minimum cell in force for every jurisdiction. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"
#include "crypto/err.h"
#include "node/gov.h"
#include "node/node.h"
#include "node/trust.h"
#include "store/store.h"

#define TS2020 UINT64_C(1577836800000) /* 2020-01-01T00:00:00Z */
#define DAY UINT64_C(86400000)
#define NKEYS 24
#define WORLDS 120

static char root[64];

static int setup(void **state)
{
    (void)state;
    strcpy(root, "/tmp/hln-test-govpol-XXXXXX");
    return mkdtemp(root) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", root);
    return system(cmd);
}

static int group_setup(void **state)
{
    (void)state;
    return hln_crypto_init();
}

/* A fresh node under root/name. */
static hln_node *new_node(const char *name, uint32_t level, const char *j)
{
    char dir[128];
    snprintf(dir, sizeof dir, "%s/%s", root, name);
    hln_node_info info;
    memset(&info, 0, sizeof info);
    snprintf(info.name, sizeof info.name, "%s", name);
    info.level = level;
    snprintf(info.jurisdiction, sizeof info.jurisdiction, "%s", j);
    hln_node *n = NULL;
    char err[256];
    assert_int_equal(hln_node_create(dir, &info, &n, err, sizeof err), 0);
    return n;
}

/* An anchor entry for `key`. */
static void anchor_put(hln_store *s, const uint8_t *key, int level, const char *j)
{
    hln_gov_anchor a;
    memset(&a, 0, sizeof a);
    memcpy(a.id, key, HLN_KEY_LEN);
    snprintf(a.name, sizeof a.name, "anchor");
    a.level = level;
    if (level != HLN_TRUST_LEVEL_ANY)
        snprintf(a.jurisdiction, sizeof a.jurisdiction, "%s", j);
    a.added_ms = TS2020;
    assert_int_equal(hln_gov_anchor_put(s, &a), 0);
}

/* A small deterministic generator, so that a failing world can be rebuilt. */
static uint64_t rnd_state;
static uint32_t rnd(uint32_t n)
{
    rnd_state = rnd_state * UINT64_C(6364136223846793005) + UINT64_C(1442695040888963407);
    return (uint32_t)((rnd_state >> 33) % n);
}

static const char *const JUR[] = {"CA", "CA-ON", "CA-QC", "US", "global"};
#define NJUR (sizeof JUR / sizeof JUR[0])
static const uint32_t LEVELS[] = {HLN_LEVEL_GLOBAL, HLN_LEVEL_NATIONAL, HLN_LEVEL_SUBNATIONAL,
                                  HLN_LEVEL_ORGANIZATION};

/* A jurisdiction that fits a level ("global" only for the global level). */
static const char *jur_for(uint32_t level)
{
    if (level == HLN_LEVEL_GLOBAL)
        return "global";
    if (level == HLN_LEVEL_NATIONAL)
        return rnd(4) ? "CA" : "US";
    return rnd(2) ? "CA-ON" : "CA-QC";
}

typedef struct {
    hln_identity *id[NKEYS];
    uint64_t seq[NKEYS];
    uint8_t head[NKEYS][HLN_HASH_LEN];
    uint64_t ts;
} world;

/* Append one governance record by key a, on its feed in scope CA. */
static void put(hln_store *s, world *w, int a, uint32_t type, const hln_body *b)
{
    hln_record *r = malloc(sizeof *r);
    assert_non_null(r);
    uint64_t seq = ++w->seq[a];
    w->ts += 1 + rnd(20) * DAY;
    hln_record_init(r, type, hln_identity_pk(w->id[a]), "CA", seq, seq > 1 ? w->head[a] : NULL,
                    w->ts);
    r->body = *b;
    r->has_body = true;
    char why[160] = "";
    assert_int_equal(hln_record_seal(r, w->id[a], why, sizeof why), 0);
    assert_int_equal(hln_store_append(s, r), 0);
    memcpy(w->head[a], r->id, HLN_HASH_LEN);
    free(r);
}

static int count_member(void *ctx, const hln_trust_info *info)
{
    (void)info;
    (*(size_t *)ctx)++;
    return 0;
}

static size_t standings(hln_trust *t, uint64_t at)
{
    size_t n = 0;
    assert_int_equal(hln_trust_foreach_member(t, at, count_member, &n), 0);
    return n;
}

/* One random world in a fresh node; 1 when some policy was in force
 * somewhere above the floor, so that the caller can tell the worlds were
 * not all empty ones. *fewer: the policy graph held fewer standings. */
static int one_world(int k, bool *fewer)
{
    char name[32];
    snprintf(name, sizeof name, "world-%d", k);
    hln_node *n = new_node(name, HLN_LEVEL_NATIONAL, "CA");
    hln_store *s = hln_node_store(n);

    world w;
    memset(&w, 0, sizeof w);
    w.ts = TS2020;
    for (int i = 0; i < NKEYS; i++) {
        uint8_t seed[32];
        memset(seed, 0, sizeof seed);
        seed[0] = (uint8_t)i;
        seed[1] = (uint8_t)k;
        seed[2] = (uint8_t)(k >> 8);
        seed[31] = 0x5a;
        w.id[i] = hln_identity_from_seed(seed);
        assert_non_null(w.id[i]);
    }
    /* Anchors: one to three keys, most often national, sometimes without a
     * level. What each key was last admitted as steers the next records,
     * so that chains of admissions several deep arise (anchor -> national
     * -> subnational -> organization), with strays that break the rules. */
    uint32_t lvl[NKEYS];
    bool known[NKEYS];
    memset(known, 0, sizeof known);
    int na = 1 + (int)rnd(3);
    for (int i = 0; i < na; i++) {
        if (rnd(5) == 0) {
            lvl[i] = HLN_LEVEL_GLOBAL;
            anchor_put(s, hln_identity_pk(w.id[i]), HLN_TRUST_LEVEL_ANY, NULL);
        } else {
            lvl[i] = rnd(4) ? HLN_LEVEL_NATIONAL : LEVELS[rnd(3)];
            anchor_put(s, hln_identity_pk(w.id[i]), (int)lvl[i], jur_for(lvl[i]));
        }
        known[i] = true;
    }
    int nrec = 10 + (int)rnd(50);
    for (int i = 0; i < nrec; i++) {
        hln_body b;
        memset(&b, 0, sizeof b);
        int a = (int)rnd(NKEYS);
        for (int tries = 0; tries < 12 && (!known[a] || lvl[a] == HLN_LEVEL_ORGANIZATION) && rnd(8);
             tries++)
            a = (int)rnd(NKEYS);
        uint32_t pick = rnd(20);
        if (pick < 14) { /* an admission, most often one level down */
            int sub = na + (int)rnd(NKEYS - na);
            for (int tries = 0; tries < 8 && known[sub]; tries++)
                sub = na + (int)rnd(NKEYS - na);
            if (rnd(8) == 0)
                sub = (int)rnd(NKEYS);
            hln_member *m = &b.member;
            memcpy(m->subject, hln_identity_pk(w.id[sub]), HLN_KEY_LEN);
            snprintf(m->name, sizeof m->name, "Key %d", sub);
            uint32_t below = known[a] && lvl[a] > HLN_LEVEL_ORGANIZATION ? lvl[a] - 1
                                                                          : HLN_LEVEL_ORGANIZATION;
            m->level = rnd(5) ? below : LEVELS[rnd(4)];
            snprintf(m->jurisdiction, sizeof m->jurisdiction, "%s", jur_for(m->level));
            m->roles = rnd(4) ? HLN_ROLE_PUBLISH | HLN_ROLE_ADMIT | HLN_ROLE_CATALOGUE
                              : 1u + rnd(7);
            m->valid_from_ms = TS2020 + rnd(300) * DAY;
            m->valid_until_ms = rnd(3) ? 0 : m->valid_from_ms + (1 + rnd(900)) * DAY;
            put(s, &w, a, HLN_REC_MEMBER, &b);
            known[sub] = true;
            lvl[sub] = m->level;
        } else if (pick < 17) { /* a revocation or a rotation */
            hln_revoke *v = &b.revoke;
            int sub = rnd(3) ? (int)rnd(NKEYS) : a;
            memcpy(v->subject, hln_identity_pk(w.id[sub]), HLN_KEY_LEN);
            v->from_ms = TS2020 + rnd(900) * DAY;
            snprintf(v->reason, sizeof v->reason, "test");
            if (rnd(2)) {
                int succ = (sub + 1 + (int)rnd(NKEYS - 1)) % NKEYS;
                v->rotate = true;
                memcpy(v->successor, hln_identity_pk(w.id[succ]), HLN_KEY_LEN);
                if (known[sub])
                    known[succ] = true, lvl[succ] = lvl[sub];
            }
            put(s, &w, a, HLN_REC_REVOKE, &b);
        } else { /* a policy, most often by an admitted authority, inside its jurisdiction */
            for (int tries = 0; tries < 16 && (a < na || !known[a] || lvl[a] < HLN_LEVEL_SUBNATIONAL);
                 tries++)
                a = (int)rnd(NKEYS);
            const char *j = known[a] && rnd(4) ? jur_for(lvl[a]) : JUR[rnd(NJUR)];
            snprintf(b.policy.jurisdiction, sizeof b.policy.jurisdiction, "%s", j);
            b.policy.min_cell = 5 + rnd(40);
            put(s, &w, a, HLN_REC_POLICY, &b);
        }
    }
    for (int i = 0; i < NKEYS; i++)
        hln_identity_destroy(&w.id[i]);

    hln_trust *full = NULL, *pol = NULL;
    assert_int_equal(hln_gov_trust_load(n, &full), 0);
    assert_int_equal(hln_gov_trust_load_policy(n, &pol), 0);
    int in_force = 0;
    for (size_t j = 0; j < NJUR; j++)
        for (uint32_t floor = 0; floor <= 7; floor += 7) {
            uint32_t a = hln_trust_policy_min_cell(full, JUR[j], floor);
            uint32_t b = hln_trust_policy_min_cell(pol, JUR[j], floor);
            if (a != b)
                fail_msg("world %d, %s, floor %u: whole graph %u, policy graph %u", k, JUR[j],
                         floor, a, b);
            in_force |= a > floor;
        }
    uint64_t at = w.ts + DAY;
    size_t nf = standings(full, at), np = standings(pol, at);
    assert_true(np <= nf);
    if (getenv("HLN_TEST_VERBOSE"))
        fprintf(stderr, "world %d: %d records, standings %zu whole / %zu policy, in force %d\n", k,
                nrec, nf, np, in_force);
    *fewer = np < nf;
    hln_trust_destroy(&full);
    hln_trust_destroy(&pol);
    hln_node_close(&n);
    return in_force;
}

static void the_policy_graph_answers_as_the_whole_graph(void **state)
{
    (void)state;
    int in_force = 0, fewer = 0;
    for (int k = 0; k < WORLDS; k++) {
        rnd_state = (uint64_t)k * 7919u + 1;
        bool f = false;
        in_force += one_world(k, &f);
        fewer += f;
    }
    /* The worlds exercise both: policies in force, and graphs the policy
     * load really left members out of. */
    assert_true(in_force >= WORLDS / 10);
    assert_true(fewer >= WORLDS / 10);
}

/* Append a record of `type` by identity `who` at seq `seq` of its feed in
 * scope CA, dated `ts`; prev is the id of the record before (NULL at 1). */
static void put_at(hln_store *s, hln_identity *who, uint64_t seq, uint8_t prev[HLN_HASH_LEN],
                   uint64_t ts, uint32_t type, const hln_body *b)
{
    hln_record *r = malloc(sizeof *r);
    assert_non_null(r);
    hln_record_init(r, type, hln_identity_pk(who), "CA", seq, seq > 1 ? prev : NULL, ts);
    r->body = *b;
    r->has_body = true;
    char why[160] = "";
    assert_int_equal(hln_record_seal(r, who, why, sizeof why), 0);
    assert_int_equal(hln_store_append(s, r), 0);
    memcpy(prev, r->id, HLN_HASH_LEN);
    free(r);
}

static hln_body member_of(const hln_identity *sub, uint32_t level, const char *j)
{
    hln_body b;
    memset(&b, 0, sizeof b);
    memcpy(b.member.subject, hln_identity_pk(sub), HLN_KEY_LEN);
    snprintf(b.member.name, sizeof b.member.name, "member");
    b.member.level = level;
    snprintf(b.member.jurisdiction, sizeof b.member.jurisdiction, "%s", j);
    b.member.roles = HLN_ROLE_PUBLISH | HLN_ROLE_ADMIT | HLN_ROLE_CATALOGUE;
    b.member.valid_from_ms = TS2020;
    return b;
}

static hln_body policy_of(const char *j, uint32_t min_cell)
{
    hln_body b;
    memset(&b, 0, sizeof b);
    snprintf(b.policy.jurisdiction, sizeof b.policy.jurisdiction, "%s", j);
    b.policy.min_cell = min_cell;
    return b;
}

/* A revocation of `sub` from `from_ms`; a rotation to `succ` when it is
 * not NULL. */
static hln_body revoke_of(const hln_identity *sub, uint64_t from_ms, const hln_identity *succ)
{
    hln_body b;
    memset(&b, 0, sizeof b);
    memcpy(b.revoke.subject, hln_identity_pk(sub), HLN_KEY_LEN);
    b.revoke.from_ms = from_ms;
    snprintf(b.revoke.reason, sizeof b.revoke.reason, "%s", succ ? "rotation" : "compromised");
    if (succ) {
        b.revoke.rotate = true;
        memcpy(b.revoke.successor, hln_identity_pk(succ), HLN_KEY_LEN);
    }
    return b;
}

/* Each thing a policy author's standing rests on, once: an issuer two
 * levels up (G -> N -> R), a revocation by another authority than the
 * issuer (M revokes R, so R's later policy is void), and a rotation (Q's
 * standing passes to Q2, whose policy stands). The policy graph must
 * give the answers of the whole graph, and those answers are known. */
static void the_policy_graph_follows_issuers_revocations_and_rotations(void **state)
{
    (void)state;
    hln_node *n = new_node("observer", HLN_LEVEL_ORGANIZATION, "CA-ON");
    hln_store *s = hln_node_store(n);
    enum { G, N, M, R, Q, Q2, NK };
    /* prev: each key's feed head, as put_at moves it */
    hln_identity *id[NK];
    uint8_t prev[NK][HLN_HASH_LEN];
    for (int i = 0; i < NK; i++) {
        uint8_t seed[32];
        memset(seed, 0x40 + i, sizeof seed);
        id[i] = hln_identity_from_seed(seed);
        assert_non_null(id[i]);
    }
    anchor_put(s, hln_identity_pk(id[G]), HLN_LEVEL_GLOBAL, "global");

    hln_body b = member_of(id[N], HLN_LEVEL_NATIONAL, "CA");
    put_at(s, id[G], 1, prev[G], TS2020 + 1 * DAY, HLN_REC_MEMBER, &b);
    b = member_of(id[M], HLN_LEVEL_NATIONAL, "CA");
    put_at(s, id[G], 2, prev[G], TS2020 + 2 * DAY, HLN_REC_MEMBER, &b);
    b = member_of(id[R], HLN_LEVEL_SUBNATIONAL, "CA-ON");
    put_at(s, id[N], 1, prev[N], TS2020 + 3 * DAY, HLN_REC_MEMBER, &b);
    b = member_of(id[Q], HLN_LEVEL_SUBNATIONAL, "CA-QC");
    put_at(s, id[N], 2, prev[N], TS2020 + 4 * DAY, HLN_REC_MEMBER, &b);
    b = policy_of("CA-ON", 20);
    put_at(s, id[R], 1, prev[R], TS2020 + 10 * DAY, HLN_REC_POLICY, &b);
    /* M revokes R from day 20; R's stricter policy of day 30 is void. */
    b = revoke_of(id[R], TS2020 + 20 * DAY, NULL);
    put_at(s, id[M], 1, prev[M], TS2020 + 20 * DAY, HLN_REC_REVOKE, &b);
    b = policy_of("CA-ON", 30);
    put_at(s, id[R], 2, prev[R], TS2020 + 30 * DAY, HLN_REC_POLICY, &b);
    /* N, which admitted Q, rotates Q to Q2 from day 40 (docs/GOVERNANCE.md
     * §5a); Q2's policy of day 50 stands. */
    b = revoke_of(id[Q], TS2020 + 40 * DAY, id[Q2]);
    put_at(s, id[N], 3, prev[N], TS2020 + 40 * DAY, HLN_REC_REVOKE, &b);
    b = policy_of("CA-QC", 25);
    put_at(s, id[Q2], 1, prev[Q2], TS2020 + 50 * DAY, HLN_REC_POLICY, &b);
    for (int i = 0; i < NK; i++)
        hln_identity_destroy(&id[i]);

    hln_trust *full = NULL, *pol = NULL;
    assert_int_equal(hln_gov_trust_load(n, &full), 0);
    assert_int_equal(hln_gov_trust_load_policy(n, &pol), 0);
    hln_trust *both[2] = {full, pol};
    for (int k = 0; k < 2; k++) {
        assert_int_equal(hln_trust_policy_min_cell(both[k], "CA-ON", 5), 20);
        assert_int_equal(hln_trust_policy_min_cell(both[k], "CA-QC", 5), 25);
        assert_int_equal(hln_trust_policy_min_cell(both[k], "CA", 5), 5);
    }
    hln_trust_destroy(&full);
    hln_trust_destroy(&pol);
    hln_node_close(&n);
}

/* A country's shape: one national authority admitting many organizations
 * and setting one policy: the policy graph holds the authority alone. */
static void the_policy_graph_of_a_country_leaves_the_organizations_out(void **state)
{
    (void)state;
    hln_node *n = new_node("canada", HLN_LEVEL_NATIONAL, "CA");
    anchor_put(hln_node_store(n), hln_node_pk(n), HLN_LEVEL_NATIONAL, "CA");
    char err[256];
    enum { ORGS = 200 };
    hln_node_item *it = calloc(ORGS + 1, sizeof *it);
    assert_non_null(it);
    for (int o = 0; o < ORGS; o++) {
        hln_member *m = &it[o].body.member;
        it[o].type = HLN_REC_MEMBER;
        memset(m->subject, 0, HLN_KEY_LEN);
        memcpy(m->subject, &o, sizeof o);
        m->subject[31] = 0x77;
        snprintf(m->name, sizeof m->name, "Organization %d", o);
        m->level = HLN_LEVEL_ORGANIZATION;
        snprintf(m->jurisdiction, sizeof m->jurisdiction, "CA-ON");
        m->roles = HLN_ROLE_PUBLISH;
        m->valid_from_ms = TS2020;
    }
    it[ORGS].type = HLN_REC_POLICY;
    snprintf(it[ORGS].body.policy.jurisdiction, sizeof it[ORGS].body.policy.jurisdiction, "CA");
    it[ORGS].body.policy.min_cell = 13;
    assert_int_equal(hln_node_append(n, "CA", it, ORGS + 1, 0, NULL, err, sizeof err), 0);
    free(it);
    hln_trust *full = NULL, *pol = NULL;
    assert_int_equal(hln_gov_trust_load(n, &full), 0);
    assert_int_equal(hln_gov_trust_load_policy(n, &pol), 0);
    uint64_t at = TS2020 + 400 * DAY;
    assert_int_equal(standings(full, at), ORGS + 1);
    assert_int_equal(standings(pol, at), 1); /* the anchor */
    assert_int_equal(hln_trust_policy_min_cell(pol, "CA-ON", 5), 13);
    assert_int_equal(hln_trust_policy_min_cell(full, "CA-ON", 5), 13);
    assert_int_equal(hln_trust_policy_min_cell(pol, "US", 5), 5);
    hln_trust_destroy(&full);
    hln_trust_destroy(&pol);
    hln_node_close(&n);
}

/* Many authorities, each with a policy: every one of them is reached (the
 * set of keys grows well past its first size) and stands in the policy
 * graph; the answers are the whole graph's. */
static void many_policy_authors_are_all_followed(void **state)
{
    (void)state;
    enum { AUTH = 150 };
    hln_node *n = new_node("many", HLN_LEVEL_NATIONAL, "CA");
    hln_store *s = hln_node_store(n);
    uint8_t seed[32];
    memset(seed, 0x21, sizeof seed);
    hln_identity *top = hln_identity_from_seed(seed);
    assert_non_null(top);
    anchor_put(s, hln_identity_pk(top), HLN_LEVEL_NATIONAL, "CA");
    uint8_t prev_top[HLN_HASH_LEN];
    for (int i = 0; i < AUTH; i++) {
        memset(seed, 0, sizeof seed);
        seed[0] = (uint8_t)i;
        seed[1] = 0x99;
        hln_identity *a = hln_identity_from_seed(seed);
        assert_non_null(a);
        hln_body b = member_of(a, HLN_LEVEL_SUBNATIONAL, i % 2 ? "CA-ON" : "CA-QC");
        put_at(s, top, (uint64_t)i + 1, prev_top, TS2020 + DAY + (uint64_t)i, HLN_REC_MEMBER, &b);
        uint8_t prev_a[HLN_HASH_LEN];
        b = policy_of(i % 2 ? "CA-ON" : "CA-QC", 11 + (uint32_t)i % 40);
        put_at(s, a, 1, prev_a, TS2020 + 200 * DAY, HLN_REC_POLICY, &b);
        hln_identity_destroy(&a);
    }
    hln_identity_destroy(&top);
    hln_trust *full = NULL, *pol = NULL;
    assert_int_equal(hln_gov_trust_load(n, &full), 0);
    assert_int_equal(hln_gov_trust_load_policy(n, &pol), 0);
    uint64_t at = TS2020 + 300 * DAY;
    assert_int_equal(standings(full, at), AUTH + 1);
    assert_int_equal(standings(pol, at), AUTH + 1);
    for (size_t j = 0; j < NJUR; j++)
        assert_int_equal(hln_trust_policy_min_cell(pol, JUR[j], 5),
                         hln_trust_policy_min_cell(full, JUR[j], 5));
    assert_int_equal(hln_trust_policy_min_cell(pol, "CA-ON", 5), 11 + 39);
    hln_trust_destroy(&full);
    hln_trust_destroy(&pol);
    hln_node_close(&n);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(the_policy_graph_answers_as_the_whole_graph, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(the_policy_graph_follows_issuers_revocations_and_rotations,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(the_policy_graph_of_a_country_leaves_the_organizations_out,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(many_policy_authors_are_all_followed, setup, teardown),
    };
    return cmocka_run_group_tests_name("gov_policy", tests, group_setup, NULL);
}
