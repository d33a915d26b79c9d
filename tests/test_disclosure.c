/* test_disclosure.c - suppression, as the worked examples of docs/DISCLOSURE.md. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* cmocka needs the four headers above first. */
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/err.h"
#include "node/disclosure.h"
#include "node/node.h"

/* An observation of indicator "t.ind" for 2026, the node itself, stratum s. */
static hln_disclosure_item item(const char *stratum, uint64_t num, uint64_t den)
{
    hln_disclosure_item it;
    memset(&it, 0, sizeof it);
    strcpy(it.obs.indicator, "t.ind");
    strcpy(it.obs.period, "2026");
    strcpy(it.obs.stratum, stratum);
    it.obs.numerator = num;
    it.obs.denominator = den;
    it.kind = HLN_KIND_PROPORTION;
    return it;
}

static void the_floor_is_eleven_and_stricter_values_win(void **state)
{
    (void)state;
    assert_int_equal(hln_disclosure_min_cell(0, NULL, 0), 11);
    /* A node cannot loosen the rule below the floor ... */
    assert_int_equal(hln_disclosure_min_cell(5, NULL, 0), 11);
    /* ... but may tighten it, and the strictest policy wins. */
    assert_int_equal(hln_disclosure_min_cell(20, NULL, 0), 20);
    uint32_t pol[] = {15, 30, 12};
    assert_int_equal(hln_disclosure_min_cell(20, pol, 3), 30);
    assert_int_equal(hln_disclosure_min_cell(40, pol, 3), 40);
}

static void numerator_denominator_and_difference_are_checked(void **state)
{
    (void)state;
    assert_int_equal(hln_disclosure_small(HLN_KIND_PROPORTION, 5, 100, 11), 1);
    assert_int_equal(hln_disclosure_small(HLN_KIND_PROPORTION, 0, 8, 11), 2);
    /* 20 of 25: the 5 without the event are a small count too. */
    assert_int_equal(hln_disclosure_small(HLN_KIND_PROPORTION, 20, 25, 11), 3);
    assert_int_equal(hln_disclosure_small(HLN_KIND_PROPORTION, 11, 100, 11), 0);
}

static void zero_is_not_a_small_count(void **state)
{
    (void)state;
    assert_int_equal(hln_disclosure_small(HLN_KIND_PROPORTION, 0, 100, 11), 0);
    /* 30 of 30: the difference is 0, which discloses nobody in particular. */
    assert_int_equal(hln_disclosure_small(HLN_KIND_PROPORTION, 30, 30, 11), 0);
}

static void a_rate_checks_numerator_and_exposure_only(void **state)
{
    (void)state;
    assert_int_equal(hln_disclosure_small(HLN_KIND_RATE, 4, 1320, 11), 1);
    /* 20 falls over 25 bed-days: 5 is no count of people. */
    assert_int_equal(hln_disclosure_small(HLN_KIND_RATE, 20, 25, 11), 0);
    assert_int_equal(hln_disclosure_small(HLN_KIND_RATE, 12, 7, 11), 2);
}

static void a_small_observation_is_suppressed_with_its_reason(void **state)
{
    (void)state;
    hln_disclosure_item it = item("", 7, 9);
    assert_int_equal(hln_disclosure_apply(&it, 1, 11), 0);
    assert_int_equal(it.reason, HLN_SUPP_SMALL);
    assert_non_null(strstr(it.why, "numerator 7"));
    /* The counts stay for the caller to withhold. */
    assert_int_equal(it.obs.numerator, 7);
}

static void a_safe_observation_is_published(void **state)
{
    (void)state;
    hln_disclosure_item it = item("", 412, 530);
    assert_int_equal(hln_disclosure_apply(&it, 1, 11), 0);
    assert_int_equal(it.reason, HLN_SUPP_NONE);
    assert_string_equal(it.why, "");
}

static void a_stricter_minimum_suppresses_more(void **state)
{
    (void)state;
    hln_disclosure_item it = item("", 12, 100);
    assert_int_equal(hln_disclosure_apply(&it, 1, 11), 0);
    assert_int_equal(it.reason, HLN_SUPP_NONE);
    assert_int_equal(hln_disclosure_apply(&it, 1, 15), 0);
    assert_int_equal(it.reason, HLN_SUPP_SMALL);
}

static void a_minimum_below_the_floor_is_refused(void **state)
{
    (void)state;
    hln_disclosure_item it = item("", 5, 100);
    assert_int_equal(hln_disclosure_apply(&it, 1, 5), HLN_EINVAL);
}

/* docs/DISCLOSURE.md example 1: total 38/96, female 31/70, male 7/26.
 * male is small; total - female = male, so female goes too. */
static void one_suppressed_stratum_takes_the_next_smallest_with_it(void **state)
{
    (void)state;
    hln_disclosure_item it[3] = {item("", 38, 96), item("sex=female", 31, 70),
                                 item("sex=male", 7, 26)};
    assert_int_equal(hln_disclosure_apply(it, 3, 11), 0);
    assert_int_equal(it[0].reason, HLN_SUPP_NONE);
    assert_int_equal(it[1].reason, HLN_SUPP_COMPLEMENT);
    assert_int_equal(it[2].reason, HLN_SUPP_SMALL);
    assert_non_null(strstr(it[1].why, "sex=male"));
}

/* Example 2: three strata; the complement is the smallest denominator. */
static void the_complement_is_the_smallest_published_denominator(void **state)
{
    (void)state;
    hln_disclosure_item it[4] = {item("", 100, 300), item("age=a", 5, 50), item("age=b", 45, 100),
                                 item("age=c", 50, 150)};
    assert_int_equal(hln_disclosure_apply(it, 4, 11), 0);
    assert_int_equal(it[1].reason, HLN_SUPP_SMALL);
    assert_int_equal(it[2].reason, HLN_SUPP_COMPLEMENT);
    assert_int_equal(it[3].reason, HLN_SUPP_NONE);
    assert_int_equal(it[0].reason, HLN_SUPP_NONE);
}

/* Example 3: two suppressed cells whose sum is still small (3 + 4 = 7):
 * the total less the rest tells 7, so one more goes. */
static void suppressed_cells_that_add_up_to_a_small_count_take_another(void **state)
{
    (void)state;
    hln_disclosure_item it[5] = {item("", 200, 400), item("g=a", 3, 50), item("g=b", 4, 60),
                                 item("g=c", 100, 140), item("g=d", 93, 150)};
    assert_int_equal(hln_disclosure_apply(it, 5, 11), 0);
    assert_int_equal(it[1].reason, HLN_SUPP_SMALL);
    assert_int_equal(it[2].reason, HLN_SUPP_SMALL);
    assert_int_equal(it[3].reason, HLN_SUPP_COMPLEMENT);
    assert_int_equal(it[4].reason, HLN_SUPP_NONE);
}

/* Example 4: two suppressed cells whose sum is safe need nothing more. */
static void suppressed_cells_with_a_safe_sum_are_enough(void **state)
{
    (void)state;
    hln_disclosure_item it[5] = {item("", 213, 400), item("g=a", 5, 50), item("g=b", 8, 60),
                                 item("g=c", 100, 140), item("g=d", 100, 150)};
    assert_int_equal(hln_disclosure_apply(it, 5, 11), 0);
    assert_int_equal(it[1].reason, HLN_SUPP_SMALL);
    assert_int_equal(it[2].reason, HLN_SUPP_SMALL);
    assert_int_equal(it[3].reason, HLN_SUPP_NONE);
    assert_int_equal(it[4].reason, HLN_SUPP_NONE);
}

/* Without the total in the batch nothing can be subtracted. */
static void strata_without_their_total_need_no_complement(void **state)
{
    (void)state;
    hln_disclosure_item it[2] = {item("sex=female", 31, 70), item("sex=male", 7, 26)};
    assert_int_equal(hln_disclosure_apply(it, 2, 11), 0);
    assert_int_equal(it[0].reason, HLN_SUPP_NONE);
    assert_int_equal(it[1].reason, HLN_SUPP_SMALL);
}

/* Example 5: a withheld total must not come back as the sum of its strata. */
static void a_suppressed_total_is_not_left_recoverable_by_addition(void **state)
{
    (void)state;
    hln_disclosure_item it[3] = {item("", 5, 200), item("sex=female", 0, 100),
                                 item("sex=male", 0, 90)};
    assert_int_equal(hln_disclosure_apply(it, 3, 11), 0);
    assert_int_equal(it[0].reason, HLN_SUPP_SMALL);
    assert_int_equal(it[2].reason, HLN_SUPP_COMPLEMENT);
    assert_int_equal(it[1].reason, HLN_SUPP_NONE);
    assert_non_null(strstr(it[2].why, "suppressed total"));
}

/* A suppressed total with a suppressed stratum already hides both. */
static void a_suppressed_total_with_a_suppressed_stratum_needs_nothing_more(void **state)
{
    (void)state;
    hln_disclosure_item it[3] = {item("", 5, 200), item("sex=female", 5, 100),
                                 item("sex=male", 0, 100)};
    assert_int_equal(hln_disclosure_apply(it, 3, 11), 0);
    assert_int_equal(it[0].reason, HLN_SUPP_SMALL);
    assert_int_equal(it[1].reason, HLN_SUPP_SMALL);
    assert_int_equal(it[2].reason, HLN_SUPP_NONE);
}

/* Example 6: each dimension (text before '=') is a partition of its own. */
static void dimensions_are_protected_separately(void **state)
{
    (void)state;
    hln_disclosure_item it[5] = {item("", 100, 200), item("sex=female", 5, 50),
                                 item("sex=male", 95, 150), item("age=young", 50, 100),
                                 item("age=old", 50, 100)};
    assert_int_equal(hln_disclosure_apply(it, 5, 11), 0);
    assert_int_equal(it[1].reason, HLN_SUPP_SMALL);
    assert_int_equal(it[2].reason, HLN_SUPP_COMPLEMENT);
    assert_int_equal(it[3].reason, HLN_SUPP_NONE);
    assert_int_equal(it[4].reason, HLN_SUPP_NONE);
}

/* Different periods, units or indicators are different groups. */
static void groups_do_not_mix(void **state)
{
    (void)state;
    hln_disclosure_item it[4] = {item("", 38, 96), item("sex=male", 7, 26), item("", 40, 100),
                                 item("sex=female", 31, 70)};
    strcpy(it[2].obs.period, "2025");
    strcpy(it[3].obs.period, "2025");
    assert_int_equal(hln_disclosure_apply(it, 4, 11), 0);
    assert_int_equal(it[1].reason, HLN_SUPP_SMALL);
    /* 2026 has a lone stratum: nothing else to take along. */
    assert_int_equal(it[0].reason, HLN_SUPP_NONE);
    assert_int_equal(it[3].reason, HLN_SUPP_NONE);
}

/* Ties on the denominator are broken by numerator, then code: the same
 * input always gives the same output on every node. */
static void ties_are_broken_deterministically(void **state)
{
    (void)state;
    hln_disclosure_item it[4] = {item("", 100, 250), item("g=a", 5, 50), item("g=c", 45, 100),
                                 item("g=b", 45, 100)};
    assert_int_equal(hln_disclosure_apply(it, 4, 11), 0);
    assert_int_equal(it[3].reason, HLN_SUPP_COMPLEMENT);
    assert_int_equal(it[2].reason, HLN_SUPP_NONE);
}

/* ---- the minimum in force, from policy records held in a node's store ---- */

static char tmpdir[64];

static int node_setup(void **state)
{
    strcpy(tmpdir, "/tmp/hln-test-disclosure-XXXXXX");
    if (!mkdtemp(tmpdir))
        return -1;
    char dir[128];
    snprintf(dir, sizeof dir, "%s/node", tmpdir);
    hln_node_info info;
    memset(&info, 0, sizeof info);
    /* An authority: organizations may not author policy records. */
    strcpy(info.name, "Ontario Health");
    info.level = HLN_LEVEL_SUBNATIONAL;
    strcpy(info.jurisdiction, "CA-ON");
    hln_node *n = NULL;
    if (hln_node_create(dir, &info, &n, NULL, 0) != 0)
        return -1;
    *state = n;
    return 0;
}

static int node_teardown(void **state)
{
    hln_node *n = *state;
    hln_node_close(&n);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", tmpdir);
    return system(cmd);
}

/* A policy record for `jurisdiction`, authored by the node itself in `scope`. */
static void add_policy(hln_node *n, const char *scope, const char *jurisdiction, uint32_t min,
                       uint64_t ts)
{
    hln_node_item it;
    memset(&it, 0, sizeof it);
    it.type = HLN_REC_POLICY;
    strcpy(it.body.policy.jurisdiction, jurisdiction);
    it.body.policy.min_cell = min;
    char err[256] = "";
    int rc = hln_node_append(n, scope, &it, 1, ts, NULL, err, sizeof err);
    if (rc != 0)
        fail_msg("append policy: %d %s", rc, err);
}

static void without_policies_the_floor_is_in_force(void **state)
{
    hln_node *n = *state;
    uint32_t m = 0;
    assert_int_equal(hln_node_min_cell(n, 0, &m), 0);
    assert_int_equal(m, 11);
    assert_int_equal(hln_node_min_cell(n, 14, &m), 0);
    assert_int_equal(m, 14);
}

static void a_policy_for_the_nodes_country_makes_it_stricter(void **state)
{
    hln_node *n = *state;
    add_policy(n, "CA", "CA", 20, 1000);
    uint32_t m = 0;
    assert_int_equal(hln_node_min_cell(n, 0, &m), 0);
    assert_int_equal(m, 20);
    /* A configured value may be stricter still, never looser. */
    assert_int_equal(hln_node_min_cell(n, 25, &m), 0);
    assert_int_equal(m, 25);
    assert_int_equal(hln_node_min_cell(n, 12, &m), 0);
    assert_int_equal(m, 20);
}

static void a_policy_for_another_jurisdiction_does_not_apply(void **state)
{
    hln_node *n = *state;
    add_policy(n, "CA", "CA-QC", 50, 1000);
    uint32_t m = 0;
    assert_int_equal(hln_node_min_cell(n, 0, &m), 0);
    assert_int_equal(m, 11);
}

static void an_authors_latest_policy_replaces_its_earlier_one(void **state)
{
    hln_node *n = *state;
    add_policy(n, "CA", "CA", 30, 1000);
    add_policy(n, "CA", "CA", 15, 2000);
    uint32_t m = 0;
    assert_int_equal(hln_node_min_cell(n, 0, &m), 0);
    assert_int_equal(m, 15);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(the_floor_is_eleven_and_stricter_values_win),
        cmocka_unit_test(numerator_denominator_and_difference_are_checked),
        cmocka_unit_test(zero_is_not_a_small_count),
        cmocka_unit_test(a_rate_checks_numerator_and_exposure_only),
        cmocka_unit_test(a_small_observation_is_suppressed_with_its_reason),
        cmocka_unit_test(a_safe_observation_is_published),
        cmocka_unit_test(a_stricter_minimum_suppresses_more),
        cmocka_unit_test(a_minimum_below_the_floor_is_refused),
        cmocka_unit_test(one_suppressed_stratum_takes_the_next_smallest_with_it),
        cmocka_unit_test(the_complement_is_the_smallest_published_denominator),
        cmocka_unit_test(suppressed_cells_that_add_up_to_a_small_count_take_another),
        cmocka_unit_test(suppressed_cells_with_a_safe_sum_are_enough),
        cmocka_unit_test(strata_without_their_total_need_no_complement),
        cmocka_unit_test(a_suppressed_total_is_not_left_recoverable_by_addition),
        cmocka_unit_test(a_suppressed_total_with_a_suppressed_stratum_needs_nothing_more),
        cmocka_unit_test(dimensions_are_protected_separately),
        cmocka_unit_test(groups_do_not_mix),
        cmocka_unit_test(ties_are_broken_deterministically),
    };
    const struct CMUnitTest node_tests[] = {
        cmocka_unit_test_setup_teardown(without_policies_the_floor_is_in_force, node_setup,
                                        node_teardown),
        cmocka_unit_test_setup_teardown(a_policy_for_the_nodes_country_makes_it_stricter,
                                        node_setup, node_teardown),
        cmocka_unit_test_setup_teardown(a_policy_for_another_jurisdiction_does_not_apply,
                                        node_setup, node_teardown),
        cmocka_unit_test_setup_teardown(an_authors_latest_policy_replaces_its_earlier_one,
                                        node_setup, node_teardown),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    return failed + cmocka_run_group_tests(node_tests, NULL, NULL);
}
