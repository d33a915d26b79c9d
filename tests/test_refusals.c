/* test_refusals.c - the per-peer refusal book: counted by reason, a bounded ring, handshake state, a bounded set of peers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "node/refusals.h"

static void key(uint8_t k[HLN_KEY_LEN], unsigned n)
{
    memset(k, 0, HLN_KEY_LEN);
    k[0] = (uint8_t)n;
    k[1] = (uint8_t)(n >> 8);
}

static hln_refusal ev(unsigned kind, uint64_t seq, uint64_t at)
{
    hln_refusal e;
    memset(&e, 0, sizeof e);
    e.kind = kind;
    e.seq = seq;
    e.at_ms = at;
    snprintf(e.detail, sizeof e.detail, "seq %llu", (unsigned long long)seq);
    return e;
}

static void every_refusal_is_counted_by_reason_whatever_the_log_limit(void **state)
{
    (void)state;
    hln_refusals *r = hln_refusals_new();
    uint8_t a[HLN_KEY_LEN];
    key(a, 1);
    size_t logged = 0;
    for (unsigned i = 0; i < 100; i++) {
        hln_refusal e = ev(HLN_REFUSAL_SEQ_GAP, i + 1, 1000 + i);
        logged += hln_refusals_add(r, a, &e, 5000, NULL); /* one instant: the bucket empties */
    }
    hln_refusal e = ev(HLN_REFUSAL_POLICY, 7, 2000);
    hln_refusals_add(r, a, &e, 5000, NULL);
    assert_int_equal(logged, 5);
    assert_int_equal(hln_refusals_totals(r)[HLN_REFUSAL_SEQ_GAP], 100);
    assert_int_equal(hln_refusals_totals(r)[HLN_REFUSAL_POLICY], 1);
    assert_string_equal(hln_refusal_kind_name(HLN_REFUSAL_TIME_BEHIND), "time-behind-head");
    assert_string_equal(hln_refusal_kind_name(HLN_REFUSAL_KINDS), "?");
    hln_refusals_destroy(&r);
    assert_null(r);
}

static void a_peer_keeps_its_latest_refusals_newest_first(void **state)
{
    (void)state;
    hln_refusals *r = hln_refusals_new();
    uint8_t a[HLN_KEY_LEN], b[HLN_KEY_LEN];
    key(a, 1);
    key(b, 2);
    for (unsigned i = 1; i <= HLN_REFUSALS_RING + 10; i++) {
        hln_refusal e = ev(HLN_REFUSAL_CHAIN_BREAK, i, i);
        hln_refusals_add(r, a, &e, i * 100000, NULL);
    }
    hln_refusal out[HLN_REFUSALS_RING + 5];
    uint64_t count = 0;
    size_t n = hln_refusals_peer(r, a, out, HLN_REFUSALS_RING + 5, NULL, NULL, &count);
    assert_int_equal(n, HLN_REFUSALS_RING);
    assert_int_equal(count, HLN_REFUSALS_RING + 10);
    assert_int_equal(out[0].seq, HLN_REFUSALS_RING + 10);
    assert_int_equal(out[n - 1].seq, 11);
    assert_string_equal(out[0].detail, "seq 42");
    /* Another peer's book is its own. */
    assert_int_equal(hln_refusals_peer(r, b, out, 4, NULL, NULL, &count), 0);
    assert_int_equal(count, 0);
    hln_refusals_destroy(&r);
}

static void a_handshake_refusal_is_pending_until_the_peer_is_up(void **state)
{
    (void)state;
    hln_refusals *r = hln_refusals_new();
    uint8_t a[HLN_KEY_LEN];
    key(a, 3);
    hln_refusal e = ev(HLN_REFUSAL_NOT_ADMITTED, 0, 1000);
    memset(e.feed.author, 0xab, 32); /* the CURVE key it presented */
    hln_refusals_add(r, a, &e, 1, NULL);
    e.at_ms = 3000;
    hln_refusals_add(r, a, &e, 2, NULL);
    hln_refusal_handshake hs;
    bool pending = false;
    hln_refusals_peer(r, a, NULL, 0, &hs, &pending, NULL);
    assert_true(pending);
    assert_int_equal(hs.kind, HLN_REFUSAL_NOT_ADMITTED);
    assert_int_equal(hs.since_ms, 1000);
    assert_int_equal(hs.last_ms, 3000);
    assert_int_equal(hs.count, 2);
    assert_int_equal(hs.curve[31], 0xab);
    hln_refusals_peer_up(r, a);
    hln_refusals_peer(r, a, NULL, 0, &hs, &pending, NULL);
    assert_false(pending);
    /* A record refusal is not a handshake. */
    e = ev(HLN_REFUSAL_NOT_ENTITLED, 1, 4000);
    hln_refusals_add(r, a, &e, 3, NULL);
    hln_refusals_peer(r, a, NULL, 0, &hs, &pending, NULL);
    assert_false(pending);
    hln_refusals_destroy(&r);
}

static int count_peer(void *ctx, const uint8_t peer[HLN_KEY_LEN])
{
    (void)peer;
    (*(size_t *)ctx)++;
    return 0;
}

static void a_flood_of_strangers_cannot_grow_the_book(void **state)
{
    (void)state;
    hln_refusals *r = hln_refusals_new();
    uint8_t k[HLN_KEY_LEN];
    for (unsigned i = 0; i < HLN_REFUSALS_PEERS * 3; i++) {
        key(k, i);
        hln_refusal e = ev(HLN_REFUSAL_NOT_ADMITTED, 0, i);
        hln_refusals_add(r, k, &e, i, NULL);
    }
    size_t n = 0;
    hln_refusals_foreach_peer(r, count_peer, &n);
    assert_int_equal(n, HLN_REFUSALS_PEERS);
    assert_int_equal(hln_refusals_totals(r)[HLN_REFUSAL_NOT_ADMITTED], HLN_REFUSALS_PEERS * 3);
    /* The latest are kept, the least recently refused forgotten. */
    uint64_t count = 0;
    key(k, HLN_REFUSALS_PEERS * 3 - 1);
    hln_refusals_peer(r, k, NULL, 0, NULL, NULL, &count);
    assert_int_equal(count, 1);
    key(k, 0);
    hln_refusals_peer(r, k, NULL, 0, NULL, NULL, &count);
    assert_int_equal(count, 0);
    hln_refusals_destroy(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_refusal_is_counted_by_reason_whatever_the_log_limit),
        cmocka_unit_test(a_peer_keeps_its_latest_refusals_newest_first),
        cmocka_unit_test(a_handshake_refusal_is_pending_until_the_peer_is_up),
        cmocka_unit_test(a_flood_of_strangers_cannot_grow_the_book),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
