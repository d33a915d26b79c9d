/* test_gov.c - the governance state a node keeps beside its records (node/gov.c): anchors, flags,
 * its trust graph, what status shows of misbehaviour, and authoring governance records. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"
#include "crypto/err.h"
#include "node/gov.h"
#include "node/node.h"
#include "node/trust.h"
#include "node/util.h"
#include "store/store.h"

#define TS2020 UINT64_C(1577836800000) /* 2020-01-01T00:00:00Z */

/* Canada's national authority and Ontario's subnational one, each a node
 * of its own, created afresh for every test. */
enum { CA, ON, N_NODES };
static char root[64];
static char dirs[N_NODES][128];
static uint8_t pks[N_NODES][HLN_KEY_LEN];

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
    hln_node_close(&n);
    return 0;
}

static int setup(void **state)
{
    (void)state;
    strcpy(root, "/tmp/hln-test-gov-XXXXXX");
    if (!mkdtemp(root))
        return -1;
    return make_node(CA, "Canada", HLN_LEVEL_NATIONAL, "CA") ||
           make_node(ON, "Ontario", HLN_LEVEL_SUBNATIONAL, "CA-ON");
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

static hln_node *open_node(int i, unsigned flags)
{
    hln_node *n = NULL;
    char err[256];
    assert_int_equal(hln_node_open(dirs[i], flags, &n, err, sizeof err), 0);
    return n;
}

static hln_gov_anchor anchor(const uint8_t id[HLN_KEY_LEN], const char *name, int level,
                             const char *j)
{
    hln_gov_anchor a;
    memset(&a, 0, sizeof a);
    memcpy(a.id, id, HLN_KEY_LEN);
    snprintf(a.name, sizeof a.name, "%s", name);
    a.level = level;
    snprintf(a.jurisdiction, sizeof a.jurisdiction, "%s", j);
    a.added_ms = TS2020;
    return a;
}

/* The node anchors itself at the level it was created with. */
static void anchor_self(hln_node *n, int i)
{
    const hln_node_info *info = hln_node_get_info(n);
    hln_gov_anchor a = anchor(pks[i], info->name, (int)info->level, info->jurisdiction);
    assert_int_equal(hln_gov_anchor_put(hln_node_store(n), &a), 0);
}

/* A member record body admitting Ontario from 2020. */
static hln_body ontario_member(void)
{
    hln_body b;
    memset(&b, 0, sizeof b);
    memcpy(b.member.subject, pks[ON], HLN_KEY_LEN);
    snprintf(b.member.name, sizeof b.member.name, "Ontario");
    b.member.level = HLN_LEVEL_SUBNATIONAL;
    snprintf(b.member.jurisdiction, sizeof b.member.jurisdiction, "CA-ON");
    b.member.roles = HLN_ROLE_PUBLISH | HLN_ROLE_ADMIT;
    b.member.valid_from_ms = TS2020;
    return b;
}

/* Collects anchors from hln_gov_anchor_foreach. */
typedef struct {
    hln_gov_anchor a[8];
    size_t n;
} anchors;

static int collect_anchor(void *ctx, const hln_gov_anchor *a)
{
    anchors *as = ctx;
    if (as->n < 8)
        as->a[as->n] = *a;
    as->n++;
    return 0;
}

/* A signed observation at seq 1 of `who`'s feed in scope CA; two with
 * different counts make a fork. */
static void stranger_record(const hln_identity *who, uint64_t num, hln_record *r)
{
    hln_record_init(r, HLN_REC_OBSERVATION, hln_identity_pk(who), "CA", 1, NULL, TS2020);
    hln_observation *o = &r->body.observation;
    strcpy(o->indicator, "mhpc.depression-screening");
    strcpy(o->period, "2025-12");
    strcpy(o->unit, "site-1");
    o->numerator = num;
    o->denominator = 100;
    assert_int_equal(hln_record_seal(r, who, NULL, 0), 0);
}

/* Store a fork proof against the author with key seed `seed`; its key goes to `pk`. */
static void fork_of(hln_store *s, uint8_t seed, uint8_t pk[HLN_KEY_LEN])
{
    uint8_t sd[32];
    memset(sd, seed, sizeof sd);
    hln_identity *who = hln_identity_from_seed(sd);
    assert_non_null(who);
    memcpy(pk, hln_identity_pk(who), HLN_KEY_LEN);
    hln_record *r = calloc(2, sizeof *r);
    assert_non_null(r);
    stranger_record(who, 10, &r[0]);
    stranger_record(who, 20, &r[1]);
    assert_int_equal(hln_store_append(s, &r[0]), 0);
    assert_int_equal(hln_store_append(s, &r[1]), HLN_EFORK);
    free(r);
    hln_identity_destroy(&who);
}

static json_object *status_flags(hln_node *n, hln_trust *t)
{
    json_object *o = json_object_new_object();
    assert_int_equal(hln_gov_status_flags(n, t, hln_util_wall_ms(), o), 0);
    return o;
}

static json_object *field(json_object *o, const char *k)
{
    json_object *v = NULL;
    assert_true(json_object_object_get_ex(o, k, &v));
    return v;
}

static const char *str_field(json_object *o, const char *k)
{
    json_object *v = field(o, k);
    return v ? json_object_get_string(v) : NULL;
}

/* ---- the TRUST table ---- */

static void an_anchor_round_trips_through_the_trust_table(void **state)
{
    (void)state;
    hln_node *n = open_node(CA, 0);
    hln_gov_anchor a = anchor(pks[ON], "Ontario Health", HLN_LEVEL_SUBNATIONAL, "CA-ON");
    assert_int_equal(hln_gov_anchor_put(hln_node_store(n), &a), 0);
    anchors got = {0};
    size_t skipped = 99;
    assert_int_equal(hln_gov_anchor_foreach(hln_node_store(n), collect_anchor, &got, &skipped), 0);
    assert_int_equal(got.n, 1);
    assert_int_equal(skipped, 0);
    assert_memory_equal(got.a[0].id, pks[ON], HLN_KEY_LEN);
    assert_string_equal(got.a[0].name, "Ontario Health");
    assert_int_equal(got.a[0].level, HLN_LEVEL_SUBNATIONAL);
    assert_string_equal(got.a[0].jurisdiction, "CA-ON");
    assert_int_equal(got.a[0].added_ms, TS2020);
    hln_node_close(&n);
}

static void an_anchor_entry_is_json_keyed_by_the_node_id(void **state)
{
    (void)state;
    hln_node *n = open_node(CA, 0);
    hln_gov_anchor a = anchor(pks[ON], "Ontario", HLN_LEVEL_SUBNATIONAL, "CA-ON");
    assert_int_equal(hln_gov_anchor_put(hln_node_store(n), &a), 0);
    char val[512];
    size_t vlen = 0;
    assert_int_equal(hln_store_kv_get(hln_node_store(n), HLN_TABLE_TRUST, pks[ON], HLN_KEY_LEN,
                                      val, sizeof val - 1, &vlen),
                     0);
    val[vlen] = '\0';
    assert_string_equal(val, "{\"name\":\"Ontario\",\"level\":\"subnational\","
                             "\"jurisdiction\":\"CA-ON\",\"added_ms\":1577836800000}");
    hln_gov_anchor back;
    assert_int_equal(hln_gov_anchor_decode(pks[ON], HLN_KEY_LEN, val, vlen, &back), 0);
    assert_int_equal(back.level, HLN_LEVEL_SUBNATIONAL);
    hln_node_close(&n);
}

static void an_anchor_without_a_level_learns_it_later(void **state)
{
    (void)state;
    hln_node *n = open_node(CA, 0);
    hln_gov_anchor a = anchor(pks[ON], "", HLN_TRUST_LEVEL_ANY, "");
    assert_int_equal(hln_gov_anchor_put(hln_node_store(n), &a), 0);
    anchors got = {0};
    assert_int_equal(hln_gov_anchor_foreach(hln_node_store(n), collect_anchor, &got, NULL), 0);
    assert_int_equal(got.n, 1);
    assert_int_equal(got.a[0].level, HLN_TRUST_LEVEL_ANY);
    assert_string_equal(got.a[0].jurisdiction, "");
    assert_string_equal(got.a[0].name, "");
    hln_node_close(&n);
}

static void an_anchor_whose_level_does_not_fit_is_refused(void **state)
{
    (void)state;
    hln_node *n = open_node(CA, 0);
    hln_gov_anchor a = anchor(pks[ON], "Ontario", HLN_LEVEL_NATIONAL, "CA-ON");
    assert_int_equal(hln_gov_anchor_put(hln_node_store(n), &a), HLN_EINVAL);
    a = anchor(pks[ON], "Ontario", HLN_LEVEL_GLOBAL, "CA");
    assert_int_equal(hln_gov_anchor_put(hln_node_store(n), &a), HLN_EINVAL);
    anchors got = {0};
    assert_int_equal(hln_gov_anchor_foreach(hln_node_store(n), collect_anchor, &got, NULL), 0);
    assert_int_equal(got.n, 0); /* nothing was written */
    hln_node_close(&n);
}

static void an_anchor_with_an_unprintable_name_is_refused(void **state)
{
    (void)state;
    hln_node *n = open_node(CA, 0);
    hln_gov_anchor a = anchor(pks[ON], "Ontario\x1b[2J", HLN_LEVEL_SUBNATIONAL, "CA-ON");
    assert_int_equal(hln_gov_anchor_put(hln_node_store(n), &a), HLN_EINVAL);
    hln_node_close(&n);
}

static void removing_an_anchor_that_is_not_one_fails(void **state)
{
    (void)state;
    hln_node *n = open_node(CA, 0);
    hln_gov_anchor a = anchor(pks[ON], "Ontario", HLN_TRUST_LEVEL_ANY, "");
    assert_int_equal(hln_gov_anchor_del(hln_node_store(n), pks[ON]), HLN_ENOTFOUND);
    assert_int_equal(hln_gov_anchor_put(hln_node_store(n), &a), 0);
    assert_int_equal(hln_gov_anchor_del(hln_node_store(n), pks[ON]), 0);
    assert_int_equal(hln_gov_anchor_del(hln_node_store(n), pks[ON]), HLN_ENOTFOUND);
    hln_node_close(&n);
}

static void hostile_trust_entries_are_skipped_and_counted(void **state)
{
    (void)state;
    hln_node *n = open_node(CA, 0);
    hln_store *s = hln_node_store(n);
    /* A hand-edited or damaged table: each of these keys holds a bad value. */
    static const char *const bad[] = {
        "{",                                            /* not JSON */
        "[]",                                           /* not an object */
        "{\"name\":5}",                                 /* a name that is not a string */
        "{\"level\":\"national\"}",                     /* a level without a jurisdiction */
        "{\"level\":\"national\",\"jurisdiction\":\"CA-ON\"}", /* does not fit */
        "{\"level\":\"emperor\",\"jurisdiction\":\"CA\"}",    /* no such level */
        "{\"name\":\"a\\u001bb\"}",                     /* an escape in the name */
        "{} trailing",                                  /* bytes after the object */
    };
    size_t n_bad = sizeof bad / sizeof bad[0];
    for (size_t i = 0; i < n_bad; i++) {
        uint8_t key[HLN_KEY_LEN];
        memset(key, (int)(0x80 + i), sizeof key);
        assert_int_equal(hln_store_kv_put(s, HLN_TABLE_TRUST, key, sizeof key, bad[i],
                                          strlen(bad[i])),
                         0);
    }
    /* A key that is neither an id nor its text form. */
    assert_int_equal(hln_store_kv_put(s, HLN_TABLE_TRUST, "short", 5, "{}", 2), 0);
    hln_gov_anchor good = anchor(pks[ON], "Ontario", HLN_TRUST_LEVEL_ANY, "");
    assert_int_equal(hln_gov_anchor_put(s, &good), 0);

    anchors got = {0};
    size_t skipped = 0;
    assert_int_equal(hln_gov_anchor_foreach(s, collect_anchor, &got, &skipped), 0);
    assert_int_equal(got.n, 1);
    assert_memory_equal(got.a[0].id, pks[ON], HLN_KEY_LEN);
    assert_int_equal(skipped, n_bad + 1);
    hln_node_close(&n);
}

static void an_anchor_may_be_keyed_by_the_text_form_of_its_id(void **state)
{
    (void)state;
    char idt[HLN_ID_TEXT_LEN + 1];
    hln_id_to_text(pks[ON], idt);
    hln_gov_anchor back;
    assert_int_equal(hln_gov_anchor_decode(idt, HLN_ID_TEXT_LEN, "", 0, &back), 0);
    assert_memory_equal(back.id, pks[ON], HLN_KEY_LEN);
    assert_int_equal(back.level, HLN_TRUST_LEVEL_ANY);
    /* A mistyped id (its checksum fails) is not an anchor. The text form
     * is read without regard to case: the typo must be another letter. */
    idt[10] = idt[10] == 'A' ? 'B' : 'A';
    assert_int_equal(hln_gov_anchor_decode(idt, HLN_ID_TEXT_LEN, "", 0, &back), HLN_EDECODE);
}

/* ---- the FLAGS table and the trust graph ---- */

static void a_flag_outlives_a_reopen(void **state)
{
    (void)state;
    hln_node *n = open_node(CA, 0);
    assert_int_equal(hln_gov_flag_put(hln_node_store(n), pks[ON], "policy", TS2020), 0);
    hln_node_close(&n);

    n = open_node(CA, HLN_NODE_RDONLY);
    hln_trust *t = NULL;
    assert_int_equal(hln_gov_trust_load(n, &t), 0);
    assert_true(hln_trust_flagged(t, pks[ON]));
    hln_trust_info info;
    hln_trust_member(t, pks[ON], TS2020, &info);
    assert_string_equal(info.flag_reason, "policy");
    hln_trust_destroy(&t);
    hln_node_close(&n);
}

static void the_first_flag_of_a_key_is_kept(void **state)
{
    (void)state;
    hln_node *n = open_node(CA, 0);
    assert_int_equal(hln_gov_flag_put(hln_node_store(n), pks[ON], "policy", 1), 0);
    assert_int_equal(hln_gov_flag_put(hln_node_store(n), pks[ON], "later", 2), 0);
    hln_trust *t = NULL;
    assert_int_equal(hln_gov_trust_load(n, &t), 0);
    hln_trust_info info;
    hln_trust_member(t, pks[ON], TS2020, &info);
    assert_string_equal(info.flag_reason, "policy");
    hln_trust_destroy(&t);
    hln_node_close(&n);
}

static void a_flag_with_an_unprintable_reason_is_refused(void **state)
{
    (void)state;
    hln_node *n = open_node(CA, 0);
    assert_int_equal(hln_gov_flag_put(hln_node_store(n), pks[ON], "bad\x01reason", 1), HLN_EINVAL);
    hln_trust *t = NULL;
    assert_int_equal(hln_gov_trust_load(n, &t), 0);
    assert_false(hln_trust_flagged(t, pks[ON]));
    hln_trust_destroy(&t);
    hln_node_close(&n);
}

static void a_damaged_flag_still_flags_its_key(void **state)
{
    (void)state;
    hln_node *n = open_node(CA, 0);
    assert_int_equal(
        hln_store_kv_put(hln_node_store(n), HLN_TABLE_FLAGS, pks[ON], HLN_KEY_LEN, "{oops", 5), 0);
    hln_trust *t = NULL;
    assert_int_equal(hln_gov_trust_load(n, &t), 0);
    hln_trust_info info;
    hln_trust_member(t, pks[ON], TS2020, &info);
    assert_true(info.flagged);
    assert_string_equal(info.flag_reason, "flagged"); /* the safe side, a generic reason */
    hln_trust_destroy(&t);
    hln_node_close(&n);
}

static void the_trust_graph_holds_anchors_and_governance_records(void **state)
{
    (void)state;
    hln_node *n = open_node(CA, 0);
    anchor_self(n, CA);
    hln_body b = ontario_member();
    char why[160];
    assert_int_equal(hln_gov_author(n, HLN_REC_MEMBER, &b, "CA", NULL, NULL, why, sizeof why), 0);
    hln_trust *t = NULL;
    assert_int_equal(hln_gov_trust_load(n, &t), 0);
    hln_trust_info info;
    uint64_t now = hln_util_wall_ms();
    assert_int_equal(hln_trust_member(t, pks[CA], now, &info), 0);
    assert_true(info.anchor);
    assert_string_equal(info.name, "Canada");
    assert_int_equal(hln_trust_member(t, pks[ON], now, &info), 0);
    assert_int_equal(info.status, HLN_TRUST_MEMBER);
    assert_int_equal(info.level, HLN_LEVEL_SUBNATIONAL);
    assert_string_equal(info.jurisdiction, "CA-ON");
    assert_memory_equal(info.issuer, pks[CA], HLN_KEY_LEN);
    hln_trust_destroy(&t);
    hln_node_close(&n);
}

static void the_trust_graph_flags_every_forked_author(void **state)
{
    (void)state;
    hln_node *n = open_node(CA, 0);
    uint8_t forker[HLN_KEY_LEN];
    fork_of(hln_node_store(n), 0x11, forker);
    hln_trust *t = NULL;
    assert_int_equal(hln_gov_trust_load(n, &t), 0);
    hln_trust_info info;
    hln_trust_member(t, forker, TS2020, &info);
    assert_true(info.flagged);
    assert_string_equal(info.flag_reason, "fork");
    hln_trust_destroy(&t);
    hln_node_close(&n);
}

static void the_nodes_own_jurisdiction_for_trust(void **state)
{
    (void)state;
    hln_node_info info;
    memset(&info, 0, sizeof info);
    info.level = HLN_LEVEL_GLOBAL; /* hlnctl init keeps no jurisdiction for it */
    assert_string_equal(hln_gov_self_jurisdiction(&info), "global");
    info.level = HLN_LEVEL_NATIONAL;
    strcpy(info.jurisdiction, "CA");
    assert_string_equal(hln_gov_self_jurisdiction(&info), "CA");
    info.jurisdiction[0] = '\0';
    assert_null(hln_gov_self_jurisdiction(&info));
}

static void names_are_printable_and_bounded(void **state)
{
    (void)state;
    assert_true(hln_gov_name_valid("Agence de la santé", false));
    assert_true(hln_gov_name_valid("", true));
    assert_false(hln_gov_name_valid("", false));
    assert_false(hln_gov_name_valid("tab\there", true));
    char longest[HLN_NAME_MAX + 2];
    memset(longest, 'a', sizeof longest);
    longest[HLN_NAME_MAX] = '\0';
    assert_true(hln_gov_name_valid(longest, false));
    longest[HLN_NAME_MAX] = 'a';
    longest[HLN_NAME_MAX + 1] = '\0';
    assert_false(hln_gov_name_valid(longest, false));
}

/* ---- what status shows ---- */

static void status_of_a_clean_node_shows_no_forks_and_no_flags(void **state)
{
    (void)state;
    hln_node *n = open_node(CA, HLN_NODE_RDONLY);
    json_object *o = status_flags(n, NULL);
    assert_int_equal(json_object_get_int64(field(o, "fork_proofs")), 0);
    assert_int_equal(json_object_array_length(field(o, "forks")), 0);
    assert_int_equal(json_object_get_int64(field(o, "flagged_authors")), 0);
    assert_int_equal(json_object_array_length(field(o, "flagged")), 0);
    json_object_put(o);
    hln_node_close(&n);
}

static void status_lists_each_fork_proof_with_its_feed(void **state)
{
    (void)state;
    hln_node *n = open_node(CA, 0);
    uint8_t forker[HLN_KEY_LEN];
    fork_of(hln_node_store(n), 0x11, forker);
    json_object *o = status_flags(n, NULL);
    assert_int_equal(json_object_get_int64(field(o, "fork_proofs")), 1);
    json_object *forks = field(o, "forks");
    assert_int_equal(json_object_array_length(forks), 1);
    json_object *f = json_object_array_get_idx(forks, 0);
    char idt[HLN_ID_TEXT_LEN + 1];
    hln_id_to_text(forker, idt);
    assert_string_equal(str_field(f, "author"), idt);
    assert_null(field(f, "name")); /* a stranger: nobody to name it */
    assert_string_equal(str_field(f, "scope"), "CA");
    assert_int_equal(json_object_get_int64(field(f, "seq")), 1);
    json_object_put(o);
    hln_node_close(&n);
}

static void status_flags_forked_and_flagged_authors_once_each_in_key_order(void **state)
{
    (void)state;
    hln_node *n = open_node(CA, 0);
    anchor_self(n, CA);
    hln_body b = ontario_member();
    assert_int_equal(hln_gov_author(n, HLN_REC_MEMBER, &b, "CA", NULL, NULL, NULL, 0), 0);
    uint8_t f1[HLN_KEY_LEN], f2[HLN_KEY_LEN];
    fork_of(hln_node_store(n), 0x11, f1);
    fork_of(hln_node_store(n), 0x22, f2);
    assert_int_equal(hln_gov_flag_put(hln_node_store(n), pks[ON], "policy", TS2020), 0);
    /* A forked author also in FLAGS counts once, as "fork". */
    assert_int_equal(hln_gov_flag_put(hln_node_store(n), f1, "policy", TS2020), 0);

    json_object *o = status_flags(n, NULL);
    assert_int_equal(json_object_get_int64(field(o, "fork_proofs")), 2);
    assert_int_equal(json_object_get_int64(field(o, "flagged_authors")), 3);
    json_object *flagged = field(o, "flagged");
    assert_int_equal(json_object_array_length(flagged), 3);
    const uint8_t *want[3] = {f1, f2, pks[ON]};
    /* Key order: sort the three keys. */
    for (int i = 0; i < 3; i++)
        for (int j = i + 1; j < 3; j++)
            if (memcmp(want[j], want[i], HLN_KEY_LEN) < 0) {
                const uint8_t *x = want[i];
                want[i] = want[j];
                want[j] = x;
            }
    for (size_t i = 0; i < 3; i++) {
        json_object *x = json_object_array_get_idx(flagged, i);
        char idt[HLN_ID_TEXT_LEN + 1];
        hln_id_to_text(want[i], idt);
        assert_string_equal(str_field(x, "author"), idt);
        if (want[i] == pks[ON]) {
            assert_string_equal(str_field(x, "reason"), "policy");
            assert_string_equal(str_field(x, "name"), "Ontario"); /* from its member record */
        } else {
            assert_string_equal(str_field(x, "reason"), "fork");
            assert_null(field(x, "name"));
        }
    }
    json_object_put(o);
    hln_node_close(&n);
}

static void status_takes_names_from_the_callers_trust_graph(void **state)
{
    (void)state;
    hln_node *n = open_node(CA, 0);
    assert_int_equal(hln_gov_flag_put(hln_node_store(n), pks[ON], "policy", TS2020), 0);
    /* hlnd passes its live graph: the name it knows is shown. */
    hln_trust *t = hln_trust_new();
    assert_non_null(t);
    assert_int_equal(hln_trust_add_anchor(t, pks[ON], "Ontario (live)", HLN_TRUST_LEVEL_ANY, NULL),
                     0);
    json_object *o = status_flags(n, t);
    json_object *x = json_object_array_get_idx(field(o, "flagged"), 0);
    assert_string_equal(str_field(x, "name"), "Ontario (live)");
    json_object_put(o);
    hln_trust_destroy(&t);
    hln_node_close(&n);
}

static void status_refuses_a_missing_object(void **state)
{
    (void)state;
    hln_node *n = open_node(CA, HLN_NODE_RDONLY);
    assert_int_equal(hln_gov_status_flags(n, NULL, 0, NULL), HLN_EINVAL);
    assert_int_equal(hln_gov_status_flags(NULL, NULL, 0, NULL), HLN_EINVAL);
    hln_node_close(&n);
}

/* ---- authoring governance records ---- */

static void a_node_without_standing_may_not_author(void **state)
{
    (void)state;
    hln_node *n = open_node(CA, 0);
    hln_body b = ontario_member();
    char why[160] = "unset";
    uint64_t seq = 99;
    assert_int_equal(hln_gov_author(n, HLN_REC_MEMBER, &b, "CA", &seq, NULL, why, sizeof why),
                     HLN_ETRUST);
    assert_string_equal(why, "author is not a member");
    assert_int_equal(seq, 99); /* untouched */
    /* Nothing was written: its peers would have refused it and stalled the feed. */
    uint64_t feeds = 1, records = 1;
    assert_int_equal(hln_store_counts(hln_node_store(n), &feeds, &records), 0);
    assert_int_equal(feeds, 0);
    assert_int_equal(records, 0);
    hln_node_close(&n);
}

static void a_national_authority_that_anchors_itself_authors(void **state)
{
    (void)state;
    hln_node *n = open_node(CA, 0);
    anchor_self(n, CA);
    hln_body b = ontario_member();
    char why[160];
    uint64_t seq = 0, ts = 0, before = hln_util_wall_ms();
    assert_int_equal(hln_gov_author(n, HLN_REC_MEMBER, &b, "CA", &seq, &ts, why, sizeof why), 0);
    assert_string_equal(why, "");
    assert_int_equal(seq, 1);
    assert_true(ts >= before);
    /* The record is on the node's own feed for CA. */
    hln_feed_id feed;
    memset(&feed, 0, sizeof feed);
    memcpy(feed.author, pks[CA], HLN_KEY_LEN);
    strcpy(feed.scope, "CA");
    hln_record *r = calloc(1, sizeof *r);
    assert_non_null(r);
    assert_int_equal(hln_store_feed_get(hln_node_store(n), &feed, 1, r), 0);
    assert_int_equal(r->env.type, HLN_REC_MEMBER);
    assert_memory_equal(r->body.member.subject, pks[ON], HLN_KEY_LEN);
    free(r);
    hln_node_close(&n);
}

static void an_authority_may_not_author_beyond_its_powers(void **state)
{
    (void)state;
    hln_node *n = open_node(CA, 0);
    anchor_self(n, CA);
    /* Canada may not admit a region of France. */
    hln_body b = ontario_member();
    snprintf(b.member.jurisdiction, sizeof b.member.jurisdiction, "FR-IDF");
    char why[160] = "";
    assert_int_equal(hln_gov_author(n, HLN_REC_MEMBER, &b, "CA", NULL, NULL, why, sizeof why),
                     HLN_ETRUST);
    assert_true(why[0] != '\0');
    uint64_t feeds = 1, records = 1;
    assert_int_equal(hln_store_counts(hln_node_store(n), &feeds, &records), 0);
    assert_int_equal(records, 0);
    hln_node_close(&n);
}

static void a_rotation_that_would_hand_nothing_on_is_not_written(void **state)
{
    (void)state;
    hln_node *n = open_node(CA, 0);
    anchor_self(n, CA);
    hln_body b;
    memset(&b, 0, sizeof b);
    hln_revoke *v = &b.revoke;
    v->rotate = true;
    v->from_ms = hln_util_wall_ms();
    memcpy(v->subject, pks[ON], HLN_KEY_LEN);
    memset(v->successor, 0x5a, HLN_KEY_LEN);
    char why[160] = "";
    /* Ontario is not a member yet. */
    assert_int_equal(hln_gov_author(n, HLN_REC_REVOKE, &b, "CA", NULL, NULL, why, sizeof why),
                     HLN_ETRUST);
    assert_string_equal(why, "the old key is not a member here");
    /* Canada's own key: a key rotating itself hands nothing on. */
    memcpy(v->subject, pks[CA], HLN_KEY_LEN);
    assert_int_equal(hln_gov_author(n, HLN_REC_REVOKE, &b, "CA", NULL, NULL, why, sizeof why),
                     HLN_ETRUST);
    assert_non_null(strstr(why, "rotating itself"));
    uint64_t feeds = 1, records = 1;
    assert_int_equal(hln_store_counts(hln_node_store(n), &feeds, &records), 0);
    assert_int_equal(records, 0);
    /* Admitted, Ontario's key may be rotated; its successor then stands. */
    hln_body m = ontario_member();
    assert_int_equal(hln_gov_author(n, HLN_REC_MEMBER, &m, "CA", NULL, NULL, why, sizeof why), 0);
    memcpy(v->subject, pks[ON], HLN_KEY_LEN);
    uint64_t seq = 0;
    assert_int_equal(hln_gov_author(n, HLN_REC_REVOKE, &b, "CA", &seq, NULL, why, sizeof why), 0);
    assert_int_equal(seq, 2);
    hln_trust *t = NULL;
    assert_int_equal(hln_gov_trust_load(n, &t), 0);
    hln_trust_info info;
    assert_int_equal(hln_trust_member(t, v->successor, hln_util_wall_ms() + 1000, &info), 0);
    assert_string_equal(info.jurisdiction, "CA-ON");
    hln_trust_destroy(&t);
    /* The feeds of a key held here, as a rotation's closes: Canada's own. */
    hln_close held[HLN_ROTATE_CLOSES_MAX];
    uint32_t nh = 9;
    assert_int_equal(hln_gov_held_heads(hln_node_store(n), pks[CA], held, &nh), 0);
    assert_int_equal(nh, 1);
    assert_string_equal(held[0].scope, "CA");
    assert_int_equal(held[0].seq, 2);
    assert_int_equal(hln_gov_held_heads(hln_node_store(n), pks[ON], held, &nh), 0);
    assert_int_equal(nh, 0);
    hln_node_close(&n);
}

static void a_rotations_closes_are_parsed_and_kept_in_scope_order(void **state)
{
    (void)state;
    hln_revoke v;
    memset(&v, 0, sizeof v);
    hln_close c;
    char why[160];
    const char *good[] = {"global:7", "CA-ON:0", "CA:41"};
    for (int i = 0; i < 3; i++) {
        assert_int_equal(hln_gov_parse_close(good[i], &c, why, sizeof why), 0);
        assert_int_equal(hln_gov_add_close(&v, &c), 0);
    }
    assert_int_equal(v.n_closes, 3);
    assert_string_equal(v.closes[0].scope, "CA");
    assert_int_equal(v.closes[0].seq, 41);
    assert_string_equal(v.closes[1].scope, "CA-ON");
    assert_string_equal(v.closes[2].scope, "global");
    assert_int_equal(hln_gov_add_close(&v, &c), HLN_EEXIST);
    assert_int_equal(hln_gov_parse_close("FR:1", &c, why, sizeof why), 0);
    assert_int_equal(hln_gov_add_close(&v, &c), 0);
    assert_int_equal(hln_gov_parse_close("GB:1", &c, why, sizeof why), 0);
    assert_int_equal(hln_gov_add_close(&v, &c), HLN_ETOOBIG);
    const char *bad[] = {"CA",    ":3",    "CA:",      "CA:-1",
                         "CA:+1", "CA:1x", "Canada:1", "CA:99999999999999999999"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        why[0] = '\0';
        assert_int_equal(hln_gov_parse_close(bad[i], &c, why, sizeof why), HLN_EINVAL);
        assert_true(why[0] != '\0');
    }
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(an_anchor_round_trips_through_the_trust_table),
        T(a_rotation_that_would_hand_nothing_on_is_not_written),
        T(a_rotations_closes_are_parsed_and_kept_in_scope_order),
        T(an_anchor_entry_is_json_keyed_by_the_node_id),
        T(an_anchor_without_a_level_learns_it_later),
        T(an_anchor_whose_level_does_not_fit_is_refused),
        T(an_anchor_with_an_unprintable_name_is_refused),
        T(removing_an_anchor_that_is_not_one_fails),
        T(hostile_trust_entries_are_skipped_and_counted),
        T(an_anchor_may_be_keyed_by_the_text_form_of_its_id),
        T(a_flag_outlives_a_reopen),
        T(the_first_flag_of_a_key_is_kept),
        T(a_flag_with_an_unprintable_reason_is_refused),
        T(a_damaged_flag_still_flags_its_key),
        T(the_trust_graph_holds_anchors_and_governance_records),
        T(the_trust_graph_flags_every_forked_author),
        cmocka_unit_test(the_nodes_own_jurisdiction_for_trust),
        cmocka_unit_test(names_are_printable_and_bounded),
        T(status_of_a_clean_node_shows_no_forks_and_no_flags),
        T(status_lists_each_fork_proof_with_its_feed),
        T(status_flags_forked_and_flagged_authors_once_each_in_key_order),
        T(status_takes_names_from_the_callers_trust_graph),
        T(status_refuses_a_missing_object),
        T(a_node_without_standing_may_not_author),
        T(a_national_authority_that_anchors_itself_authors),
        T(an_authority_may_not_author_beyond_its_powers),
    };
    return cmocka_run_group_tests_name("gov", tests, group_setup, NULL);
}
