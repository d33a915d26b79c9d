/* test_bench_view.c - who counts in a benchmark as one node sees it, and its comparison groups
 * (node/bench_view.c). */
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
#include "node/bench_view.h"
#include "node/node.h"
#include "node/trust.h"
#include "node/util.h"
#include "store/store.h"

#define TS2020 UINT64_C(1577836800000) /* 2020-01-01T00:00:00Z */
#define TS2021 UINT64_C(1609459200000) /* 2021-01-01T00:00:00Z */

/* The viewer is Canada's national authority; the others are known to it
 * as anchors at their level (the simplest standing to set up), except the
 * stranger, whom nobody admitted. */
enum { CANADA, ONTARIO, CLINIC_ON, CLINIC_BC, CLINIC_FR, FRANCE, STRANGER, N_KEYS };
static hln_identity *ids[N_KEYS];
static char root[64];
static hln_node *node;
static hln_trust *trust;
static hln_bench_view view;

static const uint8_t *pk(int i)
{
    return i == CANADA ? hln_node_pk(node) : hln_identity_pk(ids[i]);
}

static int setup(void **state)
{
    (void)state;
    strcpy(root, "/tmp/hln-test-bview-XXXXXX");
    if (!mkdtemp(root))
        return -1;
    hln_node_info info;
    memset(&info, 0, sizeof info);
    strcpy(info.name, "Canada");
    info.level = HLN_LEVEL_NATIONAL;
    strcpy(info.jurisdiction, "CA");
    char dir[128], err[256];
    snprintf(dir, sizeof dir, "%s/ca", root);
    if (hln_node_create(dir, &info, &node, err, sizeof err))
        return -1;
    for (int i = 1; i < N_KEYS; i++) {
        uint8_t seed[32];
        memset(seed, i, sizeof seed);
        if (!(ids[i] = hln_identity_from_seed(seed)))
            return -1;
    }
    trust = hln_trust_new();
    if (!trust)
        return -1;
    static const struct {
        int who;
        uint32_t level;
        const char *j;
    } anchors[] = {
        {ONTARIO, HLN_LEVEL_SUBNATIONAL, "CA-ON"},   {CLINIC_ON, HLN_LEVEL_ORGANIZATION, "CA-ON"},
        {CLINIC_BC, HLN_LEVEL_ORGANIZATION, "CA-BC"}, {CLINIC_FR, HLN_LEVEL_ORGANIZATION, "FR"},
        {FRANCE, HLN_LEVEL_NATIONAL, "FR"},
    };
    for (size_t i = 0; i < sizeof anchors / sizeof anchors[0]; i++)
        if (hln_trust_add_anchor(trust, pk(anchors[i].who), "", (int)anchors[i].level,
                                 anchors[i].j))
            return -1;
    view.node = node;
    view.trust = trust;
    view.now_ms = hln_util_wall_ms();
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    hln_trust_destroy(&trust);
    hln_node_close(&node);
    for (int i = 1; i < N_KEYS; i++)
        hln_identity_destroy(&ids[i]);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", root);
    return system(cmd);
}

static hln_bench_group group(const char *text)
{
    hln_bench_group g;
    memset(&g, 0, sizeof g);
    assert_int_equal(hln_bench_group_parse(text, &g), 0);
    g.view = &view;
    return g;
}

/* France (an anchor) admits `who` as an organization in FR from 2020,
 * until `until` (0: no end). */
static void france_admits(int who, uint64_t until)
{
    hln_record *r = calloc(1, sizeof *r);
    assert_non_null(r);
    hln_record_init(r, HLN_REC_MEMBER, pk(FRANCE), "FR", 1, NULL, TS2020);
    hln_member *m = &r->body.member;
    memcpy(m->subject, pk(who), HLN_KEY_LEN);
    strcpy(m->name, "Admitted");
    m->level = HLN_LEVEL_ORGANIZATION;
    strcpy(m->jurisdiction, "FR");
    m->roles = HLN_ROLE_PUBLISH;
    m->valid_from_ms = TS2020;
    m->valid_until_ms = until;
    assert_int_equal(hln_record_seal(r, ids[FRANCE], NULL, 0), 0);
    assert_int_equal(hln_trust_add_record(trust, r), 0);
    free(r);
}

/* ---- parsing groups ---- */

static void all_is_the_global_view(void **state)
{
    (void)state;
    hln_bench_group g = group("all");
    assert_int_equal(g.kind, HLN_BENCH_GROUP_ALL);
    assert_string_equal(g.text, "all");
}

static void a_country_is_a_jurisdiction_group(void **state)
{
    (void)state;
    hln_bench_group g = group("CA");
    assert_int_equal(g.kind, HLN_BENCH_GROUP_JURIS);
    assert_string_equal(g.code, "CA");
    assert_string_equal(g.text, "CA");
}

static void a_subdivision_is_a_jurisdiction_group(void **state)
{
    (void)state;
    hln_bench_group g = group("CA-ON");
    assert_int_equal(g.kind, HLN_BENCH_GROUP_JURIS);
    assert_string_equal(g.code, "CA-ON");
}

static void a_level_is_a_level_group(void **state)
{
    (void)state;
    hln_bench_group g = group("level:national");
    assert_int_equal(g.kind, HLN_BENCH_GROUP_LEVEL);
    assert_int_equal(g.level, HLN_LEVEL_NATIONAL);
    assert_string_equal(g.text, "level:national");
}

static void parsing_leaves_the_view_as_it_was(void **state)
{
    (void)state;
    hln_bench_group g;
    memset(&g, 0, sizeof g);
    g.view = &view;
    assert_int_equal(hln_bench_group_parse("CA", &g), 0);
    assert_ptr_equal(g.view, &view);
}

static void other_groups_are_refused(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "",       "ALL",          "ca",           "C",       "CA-",      "CA-ONTARIO", "CANADA",
        "global", "level:",       "level:emperor", "level",  "Level:national", "CA ON",
        "all ",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        hln_bench_group g;
        memset(&g, 0, sizeof g);
        assert_int_equal(hln_bench_group_parse(bad[i], &g), HLN_EINVAL);
    }
    hln_bench_group g;
    assert_int_equal(hln_bench_group_parse(NULL, &g), HLN_EINVAL);
    assert_int_equal(hln_bench_group_parse("all", NULL), HLN_EINVAL);
    char longer[HLN_CODE_MAX + 8];
    memset(longer, 'a', sizeof longer);
    memcpy(longer, "level:", 6);
    longer[sizeof longer - 1] = '\0';
    assert_int_equal(hln_bench_group_parse(longer, &g), HLN_EINVAL);
}

/* ---- who is in a group ---- */

static void all_takes_national_authorities_only(void **state)
{
    (void)state;
    hln_bench_group g = group("all");
    assert_true(hln_bench_group_has(&g, pk(FRANCE)));
    assert_true(hln_bench_group_has(&g, pk(CANADA))); /* itself, from its own settings */
    assert_false(hln_bench_group_has(&g, pk(ONTARIO)));
    assert_false(hln_bench_group_has(&g, pk(CLINIC_ON)));
    assert_false(hln_bench_group_has(&g, pk(STRANGER)));
}

static void a_country_takes_its_organizations_and_not_its_authorities(void **state)
{
    (void)state;
    hln_bench_group g = group("CA");
    assert_true(hln_bench_group_has(&g, pk(CLINIC_ON)));
    assert_true(hln_bench_group_has(&g, pk(CLINIC_BC)));
    /* An aggregate never sits beside what it aggregates. */
    assert_false(hln_bench_group_has(&g, pk(ONTARIO)));
    assert_false(hln_bench_group_has(&g, pk(CANADA)));
    assert_false(hln_bench_group_has(&g, pk(CLINIC_FR)));
    assert_false(hln_bench_group_has(&g, pk(STRANGER)));
}

static void a_subdivision_takes_only_its_own_organizations(void **state)
{
    (void)state;
    hln_bench_group g = group("CA-ON");
    assert_true(hln_bench_group_has(&g, pk(CLINIC_ON)));
    assert_false(hln_bench_group_has(&g, pk(CLINIC_BC)));
    assert_false(hln_bench_group_has(&g, pk(ONTARIO)));
}

static void a_level_takes_authors_at_that_level(void **state)
{
    (void)state;
    hln_bench_group g = group("level:subnational");
    assert_true(hln_bench_group_has(&g, pk(ONTARIO)));
    assert_false(hln_bench_group_has(&g, pk(CLINIC_ON)));
    assert_false(hln_bench_group_has(&g, pk(FRANCE)));
    g = group("level:organization");
    assert_true(hln_bench_group_has(&g, pk(CLINIC_FR)));
    assert_false(hln_bench_group_has(&g, pk(STRANGER)));
}

/* ---- the default group ---- */

static void a_node_compares_in_its_country_by_default(void **state)
{
    (void)state;
    hln_node_info info;
    memset(&info, 0, sizeof info);
    char out[HLN_SCOPE_MAX + 1];
    info.level = HLN_LEVEL_NATIONAL;
    strcpy(info.jurisdiction, "CA");
    assert_string_equal(hln_bench_default_group(&info, out), "CA");
    info.level = HLN_LEVEL_SUBNATIONAL;
    strcpy(info.jurisdiction, "CA-ON");
    assert_string_equal(hln_bench_default_group(&info, out), "CA");
    info.level = HLN_LEVEL_ORGANIZATION;
    strcpy(info.jurisdiction, "FR-IDF");
    assert_ptr_equal(hln_bench_default_group(&info, out), out);
    assert_string_equal(out, "FR");
}

static void a_node_without_a_country_compares_all(void **state)
{
    (void)state;
    hln_node_info info;
    memset(&info, 0, sizeof info);
    char out[HLN_SCOPE_MAX + 1];
    info.level = HLN_LEVEL_GLOBAL;
    assert_string_equal(hln_bench_default_group(&info, out), "all");
    info.level = HLN_LEVEL_ORGANIZATION; /* no jurisdiction yet */
    assert_string_equal(hln_bench_default_group(&info, out), "all");
}

/* ---- who counts at all ---- */

static void an_author_in_good_standing_counts(void **state)
{
    (void)state;
    assert_false(hln_bench_view_excluded(&view, pk(CLINIC_ON)));
    assert_false(hln_bench_view_excluded(&view, pk(FRANCE)));
}

static void a_flagged_author_is_excluded(void **state)
{
    (void)state;
    assert_int_equal(hln_trust_flag(trust, pk(CLINIC_ON), "policy"), 0);
    assert_true(hln_bench_view_excluded(&view, pk(CLINIC_ON)));
    assert_false(hln_bench_view_excluded(&view, pk(CLINIC_BC)));
}

/* An observation at seq 1 of the Ontario clinic's feed in scope CA. */
static void clinic_record(uint64_t num, hln_record *r)
{
    hln_record_init(r, HLN_REC_OBSERVATION, pk(CLINIC_ON), "CA", 1, NULL, TS2020);
    hln_observation *o = &r->body.observation;
    strcpy(o->indicator, "mhpc.depression-screening");
    strcpy(o->period, "2025-12");
    strcpy(o->unit, "site-1");
    o->numerator = num;
    o->denominator = 100;
    assert_int_equal(hln_record_seal(r, ids[CLINIC_ON], NULL, 0), 0);
}

static void an_author_with_a_fork_proof_is_excluded(void **state)
{
    (void)state;
    hln_record *r = calloc(2, sizeof *r);
    assert_non_null(r);
    clinic_record(10, &r[0]);
    clinic_record(20, &r[1]);
    assert_int_equal(hln_store_append(hln_node_store(node), &r[0]), 0);
    assert_false(hln_bench_view_excluded(&view, pk(CLINIC_ON)));
    assert_int_equal(hln_store_append(hln_node_store(node), &r[1]), HLN_EFORK);
    /* Excluded on the store's proof alone, without a flag in the graph. */
    assert_false(hln_trust_flagged(trust, pk(CLINIC_ON)));
    assert_true(hln_bench_view_excluded(&view, pk(CLINIC_ON)));
    free(r);
}

static void a_stranger_is_excluded(void **state)
{
    (void)state;
    assert_true(hln_bench_view_excluded(&view, pk(STRANGER)));
}

static void an_expired_member_still_counts(void **state)
{
    (void)state;
    /* Its records were judged at their own time; standing now must not
     * matter, or two nodes would disagree by the minute. */
    france_admits(STRANGER, TS2021);
    hln_trust_info info;
    assert_int_equal(hln_trust_member(trust, pk(STRANGER), view.now_ms, &info), HLN_ETRUST);
    assert_int_equal(info.status, HLN_TRUST_EXPIRED);
    assert_false(hln_bench_view_excluded(&view, pk(STRANGER)));
}

static void a_member_admitted_by_nobody_entitled_is_excluded(void **state)
{
    (void)state;
    /* France stops being an anchor: its member record admits nobody. */
    france_admits(STRANGER, 0);
    assert_int_equal(hln_trust_remove_anchor(trust, pk(FRANCE)), 0);
    hln_trust_info info;
    assert_int_equal(hln_trust_member(trust, pk(STRANGER), view.now_ms, &info), HLN_ETRUST);
    assert_int_equal(info.status, HLN_TRUST_UNTRUSTED);
    assert_true(hln_bench_view_excluded(&view, pk(STRANGER)));
}

static void where_an_author_stands_comes_from_the_trust_view(void **state)
{
    (void)state;
    uint32_t level = 99;
    char j[HLN_SCOPE_MAX + 1] = "";
    assert_true(hln_bench_view_where(&view, pk(CLINIC_BC), &level, j));
    assert_int_equal(level, HLN_LEVEL_ORGANIZATION);
    assert_string_equal(j, "CA-BC");
    /* The node itself, before its member record arrives: its settings. */
    assert_true(hln_bench_view_where(&view, pk(CANADA), &level, j));
    assert_int_equal(level, HLN_LEVEL_NATIONAL);
    assert_string_equal(j, "CA");
    assert_false(hln_bench_view_where(&view, pk(STRANGER), &level, j));
}

static int group_setup(void **state)
{
    (void)state;
    return hln_crypto_init();
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(all_is_the_global_view),
        cmocka_unit_test(a_country_is_a_jurisdiction_group),
        cmocka_unit_test(a_subdivision_is_a_jurisdiction_group),
        cmocka_unit_test(a_level_is_a_level_group),
        cmocka_unit_test(parsing_leaves_the_view_as_it_was),
        cmocka_unit_test(other_groups_are_refused),
        T(all_takes_national_authorities_only),
        T(a_country_takes_its_organizations_and_not_its_authorities),
        T(a_subdivision_takes_only_its_own_organizations),
        T(a_level_takes_authors_at_that_level),
        cmocka_unit_test(a_node_compares_in_its_country_by_default),
        cmocka_unit_test(a_node_without_a_country_compares_all),
        T(an_author_in_good_standing_counts),
        T(a_flagged_author_is_excluded),
        T(an_author_with_a_fork_proof_is_excluded),
        T(a_stranger_is_excluded),
        T(an_expired_member_still_counts),
        T(a_member_admitted_by_nobody_entitled_is_excluded),
        T(where_an_author_stands_comes_from_the_trust_view),
    };
    return cmocka_run_group_tests_name("bench_view", tests, group_setup, NULL);
}
