/* test_verify.c - the evidence behind a benchmark and why two nodes' digests differ (node/verify.c). */
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
#include "node/bench.h"
#include "node/node.h"
#include "node/trust.h"
#include "node/util.h"
#include "node/verify.h"
#include "proto/wire.h"
#include "store/store.h"

#define TS2020 UINT64_C(1577836800000) /* 2020-01-01T00:00:00Z */
#define INDICATOR "mhpc.depression-screening"

/* ---- evidence over a small store ----
 *
 * Canada's national authority holds the indicator's definition (on its own
 * feed) and, in scope CA, one observation from each of three clinics in
 * Ontario and British Columbia (the third suppressed) and one from a
 * stranger nobody admitted. The clinics are anchors of the viewer's trust
 * graph, at the organization level. */
enum { CLINIC_A, CLINIC_B, CLINIC_C, STRANGER, N_AUTHORS };
static hln_identity *authors[N_AUTHORS];
static uint8_t ids[N_AUTHORS][HLN_HASH_LEN]; /* each author's one record */
static char root[64];
static hln_node *node;
static hln_trust *trust;

static void indicator(hln_node_item *it)
{
    memset(it, 0, sizeof *it);
    it->type = HLN_REC_INDICATOR;
    hln_indicator *d = &it->body.indicator;
    strcpy(d->code, INDICATOR);
    d->version = 1;
    strcpy(d->title, "Depression screening in primary care");
    d->domain = HLN_DOMAIN_PROCESS;
    d->kind = HLN_KIND_PROPORTION;
    d->multiplier = 1;
    d->direction = HLN_DIR_HIGHER;
    d->method = HLN_FUNNEL_EXACT;
}

static int observe(int who, uint64_t num, uint64_t den, bool suppressed)
{
    hln_record *r = calloc(1, sizeof *r);
    if (!r)
        return -1;
    hln_record_init(r, HLN_REC_OBSERVATION, hln_identity_pk(authors[who]), "CA", 1, NULL, TS2020);
    hln_observation *o = &r->body.observation;
    strcpy(o->indicator, INDICATOR);
    strcpy(o->period, "2025-12");
    strcpy(o->unit, "site-1");
    o->numerator = num;
    o->denominator = den;
    o->suppressed = suppressed;
    int rc = hln_record_seal(r, authors[who], NULL, 0);
    if (!rc)
        rc = hln_store_append(hln_node_store(node), r);
    memcpy(ids[who], r->id, HLN_HASH_LEN);
    free(r);
    return rc;
}

static int setup(void **state)
{
    (void)state;
    hln_crypto_init();
    strcpy(root, "/tmp/hln-test-verify-XXXXXX");
    if (!mkdtemp(root))
        return -1;
    hln_node_info info;
    memset(&info, 0, sizeof info);
    strcpy(info.name, "Canada");
    info.level = HLN_LEVEL_NATIONAL;
    strcpy(info.jurisdiction, "CA");
    char dir[128], err[256] = "";
    snprintf(dir, sizeof dir, "%s/ca", root);
    if (hln_node_create(dir, &info, &node, err, sizeof err))
        return -1;
    hln_node_item def;
    indicator(&def);
    if (hln_node_append(node, "CA", &def, 1, TS2020, NULL, err, sizeof err))
        return -1;
    if (!(trust = hln_trust_new()))
        return -1;
    static const char *const where[] = {"CA-ON", "CA-BC", "CA-ON"};
    for (int i = 0; i < N_AUTHORS; i++) {
        uint8_t seed[32];
        memset(seed, 0x10 + i, sizeof seed);
        if (!(authors[i] = hln_identity_from_seed(seed)))
            return -1;
        if (i != STRANGER && hln_trust_add_anchor(trust, hln_identity_pk(authors[i]), "",
                                                  HLN_LEVEL_ORGANIZATION, where[i]))
            return -1;
    }
    return observe(CLINIC_A, 40, 100, false) || observe(CLINIC_B, 70, 100, false) ||
           observe(CLINIC_C, 0, 0, true) || observe(STRANGER, 99, 100, false);
}

static int teardown(void **state)
{
    (void)state;
    hln_trust_destroy(&trust);
    hln_node_close(&node);
    for (int i = 0; i < N_AUTHORS; i++)
        hln_identity_destroy(&authors[i]);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", root);
    return system(cmd);
}

static hln_verify_query query(const char *group)
{
    hln_verify_query q;
    memset(&q, 0, sizeof q);
    strcpy(q.indicator, INDICATOR);
    strcpy(q.period, "2025-12");
    snprintf(q.group, sizeof q.group, "%s", group);
    q.method = HLN_DIGEST_METHOD_DEFAULT;
    return q;
}

static void evidence_counts_the_group_and_names_its_feeds(void **state)
{
    (void)state;
    hln_verify_query q = query("CA");
    hln_evidence e;
    assert_int_equal(hln_evidence_compute(node, trust, &q, hln_util_wall_ms(), &e), 0);
    assert_int_equal(e.status, HLN_DIGEST_OK);
    assert_int_equal(e.counted, 2);
    assert_int_equal(e.suppressed, 1);
    /* Counted and suppressed observations name their feeds, ascending by
     * author; the stranger's does not count and is not listed. */
    assert_int_equal(e.n_feeds, 3);
    for (size_t i = 0; i < e.n_feeds; i++) {
        if (i > 0)
            assert_true(memcmp(&e.feeds[i - 1].feed, &e.feeds[i].feed, sizeof(hln_feed_id)) < 0);
        assert_string_equal(e.feeds[i].feed.scope, "CA");
        assert_int_equal(e.feeds[i].seq, 1);
        assert_memory_not_equal(e.feeds[i].feed.author, hln_identity_pk(authors[STRANGER]),
                                HLN_KEY_LEN);
        /* The head is this node's head record of the feed, by id prefix. */
        for (int a = 0; a < N_AUTHORS; a++)
            if (!memcmp(e.feeds[i].feed.author, hln_identity_pk(authors[a]), HLN_KEY_LEN))
                assert_memory_equal(e.feeds[i].head, ids[a], HLN_WIRE_HEAD_LEN);
    }
    hln_evidence_free(&e);
    assert_null(e.feeds);
}

static void equal_evidence_gives_equal_digests(void **state)
{
    (void)state;
    hln_verify_query q = query("CA");
    hln_evidence a, b;
    assert_int_equal(hln_evidence_compute(node, trust, &q, hln_util_wall_ms(), &a), 0);
    assert_int_equal(hln_evidence_compute(node, trust, &q, hln_util_wall_ms() + 86400000, &b), 0);
    assert_memory_equal(a.digest, b.digest, HLN_HASH_LEN);
    hln_evidence_free(&a);
    hln_evidence_free(&b);
}

static void another_group_gives_another_digest(void **state)
{
    (void)state;
    hln_verify_query q = query("CA");
    hln_evidence ca, on;
    assert_int_equal(hln_evidence_compute(node, trust, &q, hln_util_wall_ms(), &ca), 0);
    q = query("CA-ON");
    assert_int_equal(hln_evidence_compute(node, trust, &q, hln_util_wall_ms(), &on), 0);
    assert_int_equal(on.counted, 1); /* clinic A; clinic C's is suppressed */
    assert_int_equal(on.suppressed, 1);
    assert_int_equal(on.n_feeds, 2);
    assert_memory_not_equal(ca.digest, on.digest, HLN_HASH_LEN);
    hln_evidence_free(&ca);
    hln_evidence_free(&on);
}

static void a_flagged_author_leaves_the_evidence(void **state)
{
    (void)state;
    assert_int_equal(hln_trust_flag(trust, hln_identity_pk(authors[CLINIC_B]), "policy"), 0);
    hln_verify_query q = query("CA");
    hln_evidence e;
    assert_int_equal(hln_evidence_compute(node, trust, &q, hln_util_wall_ms(), &e), 0);
    assert_int_equal(e.counted, 1);
    assert_int_equal(e.n_feeds, 2);
    hln_evidence_free(&e);
}

static void an_unknown_indicator_is_a_status_not_an_error(void **state)
{
    (void)state;
    hln_verify_query q = query("CA");
    strcpy(q.indicator, "mhpc.no-such-thing");
    hln_evidence e;
    assert_int_equal(hln_evidence_compute(node, trust, &q, hln_util_wall_ms(), &e), 0);
    assert_int_equal(e.status, HLN_DIGEST_UNKNOWN_INDICATOR);
    assert_int_equal(e.n_feeds, 0);
    hln_evidence_free(&e);
}

static void a_bad_query_is_refused(void **state)
{
    (void)state;
    hln_evidence e;
    hln_verify_query q = query("CA");
    strcpy(q.period, "2025-13");
    assert_int_equal(hln_evidence_compute(node, trust, &q, 0, &e), HLN_EINVAL);
    q = query("ca");
    assert_int_equal(hln_evidence_compute(node, trust, &q, 0, &e), HLN_EINVAL);
    q = query("CA");
    strcpy(q.indicator, "Not A Code");
    assert_int_equal(hln_evidence_compute(node, trust, &q, 0, &e), HLN_EINVAL);
    q = query("CA");
    strcpy(q.stratum, "age 18");
    assert_int_equal(hln_evidence_compute(node, trust, &q, 0, &e), HLN_EINVAL);
    q = query("CA");
    q.method = HLN_DIGEST_METHOD_WILSON + 1;
    assert_int_equal(hln_evidence_compute(node, trust, &q, 0, &e), HLN_EINVAL);
    q = query("CA");
    assert_int_equal(hln_evidence_compute(NULL, trust, &q, 0, &e), HLN_EINVAL);
}

/* ---- why two digests differ ----
 *
 * Built from wire messages: a digest reply as a peer would send it (feeds
 * where it differs from our request), decoded, compared with our evidence. */

static hln_feed_id feed(uint8_t author)
{
    hln_feed_id f;
    memset(&f, 0, sizeof f);
    memset(f.author, author, HLN_KEY_LEN);
    strcpy(f.scope, "CA");
    return f;
}

/* What the peer says of a feed. */
static hln_wire_clock_entry peer_has(uint8_t author, uint64_t seq, bool counts, uint8_t head)
{
    hln_wire_clock_entry e;
    memset(&e, 0, sizeof e);
    e.feed = feed(author);
    e.value = HLN_CLOCK_VALUE(seq, counts);
    if (seq)
        memset(e.head, head, HLN_WIRE_HEAD_LEN);
    return e;
}

/* Our evidence: feeds 0x10 (seq 5) and 0x20 (seq 3), both counted. */
static hln_evidence_feed our_feeds[2];
static hln_evidence ours;

static int our_evidence(void **state)
{
    (void)state;
    memset(&ours, 0, sizeof ours);
    memset(our_feeds, 0, sizeof our_feeds);
    our_feeds[0].feed = feed(0x10);
    our_feeds[0].seq = 5;
    memset(our_feeds[0].head, 0xa5, HLN_WIRE_HEAD_LEN);
    our_feeds[1].feed = feed(0x20);
    our_feeds[1].seq = 3;
    memset(our_feeds[1].head, 0xb3, HLN_WIRE_HEAD_LEN);
    ours.status = HLN_DIGEST_OK;
    ours.feeds = our_feeds;
    ours.n_feeds = 2;
    ours.counted = 2;
    return 0;
}

/* Feeds we hold but do not count: 0x30 at seq 2 (head 0xc2). */
static int our_head(void *ctx, const hln_feed_id *f, uint64_t *seq,
                    uint8_t head[HLN_WIRE_HEAD_LEN])
{
    (void)ctx;
    hln_feed_id held = feed(0x30);
    *seq = 0;
    memset(head, 0, HLN_WIRE_HEAD_LEN);
    if (!memcmp(f, &held, sizeof held)) {
        *seq = 2;
        memset(head, 0xc2, HLN_WIRE_HEAD_LEN);
    }
    return 0;
}

/* Encode a reply, decode it as hlnd would, and compare. */
static size_t causes_of(const hln_wire_clock_entry *es, size_t n, uint32_t flags,
                        const char *engine, bool our_truncated, hln_verify_cause **causes)
{
    hln_wire_buf b;
    hln_wire_buf_init(&b);
    hln_wire_digest_answer a = {.query_id = 1,
                                .flags = flags,
                                .status = HLN_DIGEST_OK,
                                .engine = engine,
                                .counted = 2};
    memset(a.evidence, 0x77, sizeof a.evidence);
    assert_int_equal(hln_wire_digest_reply(&b, &a, es, n), 0);
    hln_wire_msg m;
    assert_int_equal(hln_wire_decode(b.p, b.len, &m), 0);
    size_t nc = 0;
    assert_int_equal(hln_verify_causes(&ours, our_truncated, &m, our_head, NULL, causes, &nc), 0);
    hln_wire_buf_free(&b);
    return nc;
}

static void a_feed_the_peer_lacks(void **state)
{
    (void)state;
    hln_wire_clock_entry es[] = {peer_has(0x10, 0, false, 0)};
    hln_verify_cause *c = NULL;
    assert_int_equal(causes_of(es, 1, 0, HLN_BENCH_VERSION, false, &c), 1);
    assert_int_equal(c[0].kind, HLN_CAUSE_PEER_LACKS);
    assert_memory_equal(&c[0].feed, &our_feeds[0].feed, sizeof(hln_feed_id));
    assert_int_equal(c[0].our_seq, 5);
    assert_int_equal(c[0].peer_seq, 0);
    assert_true(c[0].we_count);
    assert_false(c[0].peer_counts);
    free(c);
}

static void a_feed_the_peer_is_behind_on(void **state)
{
    (void)state;
    hln_wire_clock_entry es[] = {peer_has(0x10, 3, true, 0x99)};
    hln_verify_cause *c = NULL;
    assert_int_equal(causes_of(es, 1, 0, HLN_BENCH_VERSION, false, &c), 1);
    assert_int_equal(c[0].kind, HLN_CAUSE_PEER_BEHIND);
    assert_int_equal(c[0].peer_seq, 3);
    assert_int_equal(c[0].our_seq, 5);
    free(c);
}

static void a_feed_we_lack(void **state)
{
    (void)state;
    hln_wire_clock_entry es[] = {peer_has(0x40, 2, true, 0x42)};
    hln_verify_cause *c = NULL;
    assert_int_equal(causes_of(es, 1, 0, HLN_BENCH_VERSION, false, &c), 1);
    assert_int_equal(c[0].kind, HLN_CAUSE_WE_LACK);
    assert_int_equal(c[0].our_seq, 0);
    assert_int_equal(c[0].peer_seq, 2);
    assert_true(c[0].peer_counts);
    assert_false(c[0].we_count);
    free(c);
}

static void a_feed_we_are_behind_on(void **state)
{
    (void)state;
    /* One we count, one we hold without counting (our head function). */
    hln_wire_clock_entry es[] = {peer_has(0x10, 7, true, 0x17), peer_has(0x30, 4, true, 0x34)};
    hln_verify_cause *c = NULL;
    assert_int_equal(causes_of(es, 2, 0, HLN_BENCH_VERSION, false, &c), 2);
    assert_int_equal(c[0].kind, HLN_CAUSE_WE_BEHIND);
    assert_int_equal(c[0].our_seq, 5);
    assert_int_equal(c[0].peer_seq, 7);
    assert_int_equal(c[1].kind, HLN_CAUSE_WE_BEHIND);
    assert_int_equal(c[1].our_seq, 2);
    assert_false(c[1].we_count);
    free(c);
}

static void a_fork_same_seq_other_head(void **state)
{
    (void)state;
    hln_wire_clock_entry es[] = {peer_has(0x20, 3, true, 0xee)};
    hln_verify_cause *c = NULL;
    assert_int_equal(causes_of(es, 1, 0, HLN_BENCH_VERSION, false, &c), 1);
    assert_int_equal(c[0].kind, HLN_CAUSE_FORK);
    free(c);
}

static void a_feed_only_one_side_counts(void **state)
{
    (void)state;
    /* Same head of 0x30 on both sides; the peer counts it, we do not. */
    hln_wire_clock_entry es[] = {peer_has(0x30, 2, true, 0xc2)};
    hln_verify_cause *c = NULL;
    assert_int_equal(causes_of(es, 1, 0, HLN_BENCH_VERSION, false, &c), 1);
    assert_int_equal(c[0].kind, HLN_CAUSE_COUNTED);
    assert_true(c[0].peer_counts);
    assert_false(c[0].we_count);
    free(c);
}

static void same_feeds_mean_other_rules(void **state)
{
    (void)state;
    /* The peer lists a feed that does not differ, and one neither holds. */
    hln_wire_clock_entry es[] = {peer_has(0x20, 3, true, 0xb3), peer_has(0x50, 0, false, 0)};
    hln_verify_cause *c = NULL;
    assert_int_equal(causes_of(es, 2, 0, HLN_BENCH_VERSION, false, &c), 1);
    assert_int_equal(c[0].kind, HLN_CAUSE_RULES);
    free(c);
}

static void same_feeds_under_another_engine(void **state)
{
    (void)state;
    hln_verify_cause *c = NULL;
    assert_int_equal(causes_of(NULL, 0, 0, "hln-bench/0", false, &c), 1);
    assert_int_equal(c[0].kind, HLN_CAUSE_ENGINE);
    free(c);
}

static void a_truncated_list_is_said_last(void **state)
{
    (void)state;
    hln_wire_clock_entry es[] = {peer_has(0x10, 0, false, 0)};
    hln_verify_cause *c = NULL;
    assert_int_equal(causes_of(es, 1, HLN_DIGEST_TRUNCATED, HLN_BENCH_VERSION, false, &c), 2);
    assert_int_equal(c[0].kind, HLN_CAUSE_PEER_LACKS);
    assert_int_equal(c[1].kind, HLN_CAUSE_TRUNCATED);
    free(c);
    /* Our own request cut short says the same. */
    assert_int_equal(causes_of(NULL, 0, 0, HLN_BENCH_VERSION, true, &c), 2);
    assert_int_equal(c[0].kind, HLN_CAUSE_RULES);
    assert_int_equal(c[1].kind, HLN_CAUSE_TRUNCATED);
    free(c);
}

static void causes_have_stable_names(void **state)
{
    (void)state;
    assert_string_equal(hln_verify_cause_name(HLN_CAUSE_PEER_LACKS), "peer-lacks-feed");
    assert_string_equal(hln_verify_cause_name(HLN_CAUSE_PEER_BEHIND), "peer-behind");
    assert_string_equal(hln_verify_cause_name(HLN_CAUSE_WE_LACK), "we-lack-feed");
    assert_string_equal(hln_verify_cause_name(HLN_CAUSE_WE_BEHIND), "we-are-behind");
    assert_string_equal(hln_verify_cause_name(HLN_CAUSE_FORK), "fork");
    assert_string_equal(hln_verify_cause_name(HLN_CAUSE_COUNTED), "counted-differently");
    assert_string_equal(hln_verify_cause_name(HLN_CAUSE_RULES), "different-rules");
    assert_string_equal(hln_verify_cause_name(HLN_CAUSE_ENGINE), "different-engine");
    assert_string_equal(hln_verify_cause_name(HLN_CAUSE_TRUNCATED), "truncated");
    assert_string_equal(hln_verify_cause_name((hln_verify_cause_kind)99), "unknown");
}

#define E(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
#define C(f) cmocka_unit_test_setup(f, our_evidence)

int main(void)
{
    const struct CMUnitTest tests[] = {
        E(evidence_counts_the_group_and_names_its_feeds),
        E(equal_evidence_gives_equal_digests),
        E(another_group_gives_another_digest),
        E(a_flagged_author_leaves_the_evidence),
        E(an_unknown_indicator_is_a_status_not_an_error),
        E(a_bad_query_is_refused),
        C(a_feed_the_peer_lacks),
        C(a_feed_the_peer_is_behind_on),
        C(a_feed_we_lack),
        C(a_feed_we_are_behind_on),
        C(a_fork_same_seq_other_head),
        C(a_feed_only_one_side_counts),
        C(same_feeds_mean_other_rules),
        C(same_feeds_under_another_engine),
        C(a_truncated_list_is_said_last),
        cmocka_unit_test(causes_have_stable_names),
    };
    return cmocka_run_group_tests_name("verify", tests, NULL, NULL);
}
