/* test_sim.c - the sync engine at network scale in the simulator: convergence, partitions, crashes,
 * late joins, hostile peers, determinism. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"
#include "crypto/err.h"
#include "proto/wire.h"
#include "tests/sim/sim.h"

#define N 40

static hln_sim *make(uint64_t seed, double loss)
{
    hln_sim_config c;
    hln_sim_config_default(&c);
    c.nodes = N;
    c.seed = seed;
    c.loss = loss;
    hln_sim *s = hln_sim_new(&c);
    assert_non_null(s);
    assert_int_equal(hln_sim_random_graph(s, 3, 6), 0);
    return s;
}

static void publish_round(hln_sim *s, uint32_t first, uint32_t count)
{
    for (uint32_t i = 0; i < count; i++)
        assert_true(hln_sim_publish(s, (first + i * 7) % N) >= 0);
}

static void every_node_gets_every_record(void **state)
{
    (void)state;
    hln_sim *s = make(1, 0);
    hln_sim_start_all(s);
    hln_sim_run_until(s, 1000);
    for (int r = 0; r < 3; r++) {
        publish_round(s, 0, 5);
        hln_sim_run_until(s, hln_sim_now(s) + 500);
    }
    assert_true(hln_sim_run_to_convergence(s, 20000));
    hln_sim_stats st;
    hln_sim_stats_get(s, &st);
    assert_int_equal(st.records, 15);
    assert_int_equal(st.stored, 15 * N);
    hln_sim_free(&s);
}

static void nothing_is_lost_after_partitions_heal_and_crashed_nodes_return(void **state)
{
    (void)state;
    hln_sim *s = make(2, 0.05); /* and 5% of messages lost */
    hln_sim_start_all(s);
    hln_sim_run_until(s, 1000);
    uint32_t group[N];
    for (uint32_t i = 0; i < N; i++)
        group[i] = i < N / 2 ? 0 : 1;
    hln_sim_partition(s, group);
    publish_round(s, 0, 6); /* both sides publish */
    hln_sim_crash(s, 3);
    hln_sim_crash(s, 30);
    hln_sim_run_until(s, 4000);
    publish_round(s, 1, 6);
    assert_true(hln_sim_publish(s, 3) >=
                0); /* a crashed node's own publication waits in its store */
    hln_sim_run_until(s, 6000);
    assert_false(hln_sim_converged(s));
    hln_sim_heal(s);
    hln_sim_start(s, 3);
    hln_sim_start(s, 30);
    assert_true(hln_sim_run_to_convergence(s, 40000));
    for (uint32_t i = 0; i < N; i++)
        assert_true(hln_sim_running(s, i));
    hln_sim_free(&s);
}

static void a_late_joiner_catches_up(void **state)
{
    (void)state;
    hln_sim *s = make(3, 0);
    for (uint32_t i = 0; i < N; i++)
        if (i != 11)
            hln_sim_start(s, i);
    for (int r = 0; r < 20; r++) {
        publish_round(s, 0, 4);
        hln_sim_run_until(s, hln_sim_now(s) + 200);
    }
    assert_true(hln_sim_run_to_convergence(s, 20000));
    assert_int_equal(hln_sim_head(s, 11, 0), 0);
    hln_sim_start(s, 11);
    assert_true(hln_sim_run_to_convergence(s, 40000));
    assert_int_equal(hln_sim_head(s, 11, 0), hln_sim_head(s, 0, 0));
    hln_sim_free(&s);
}

static void a_wiped_node_is_refilled(void **state)
{
    (void)state;
    hln_sim *s = make(4, 0);
    hln_sim_start_all(s);
    publish_round(s, 0, 5);
    assert_true(hln_sim_run_to_convergence(s, 20000));
    hln_sim_wipe(s, 9); /* a new store: a new incarnation */
    hln_sim_run_until(s, hln_sim_now(s) + 1000);
    hln_sim_start(s, 9);
    assert_true(hln_sim_run_to_convergence(s, hln_sim_now(s) + 20000));
    hln_sim_free(&s);
}

/* The hostile node: sends forged, unwanted, malformed and replayed messages. */
static void forged_records_are_stored_nowhere(void **state)
{
    (void)state;
    hln_sim *s = make(5, 0);
    const uint32_t bad = 17;
    hln_sim_set_hostile(s, bad, true);
    hln_sim_start_all(s);
    hln_sim_run_until(s, 1000);
    int first = hln_sim_publish(s, 0);
    assert_true(first >= 0);
    publish_round(s, 1, 3);
    assert_true(hln_sim_run_to_convergence(s, 20000));

    hln_record *r = malloc(sizeof *r);
    int outsider = hln_sim_author(s, 1, false);
    assert_true(outsider >= N);
    hln_wire_buf b;
    hln_wire_buf_init(&b);
    /* 1: node 0's next record carrying the outsider's signature, and a valid
     * record of the outsider, whom nobody trusts. */
    assert_int_equal(hln_sim_seal(s, (uint32_t)outsider, "CA", 1, NULL, 5, r), 0);
    hln_record tmp;
    /* seq 1 again: were its signature valid it would be a fork of node 0. */
    assert_int_equal(hln_sim_seal(s, 0, "CA", 1, NULL, 777, &tmp), 0);
    uint8_t *at = memmem(tmp.raw, tmp.raw_len, tmp.sig, HLN_SIG_LEN);
    assert_non_null(at);
    memcpy(at, r->sig, HLN_SIG_LEN);
    hln_wire_slice sl[2] = {{tmp.raw, tmp.raw_len}, {r->raw, r->raw_len}};
    assert_int_equal(hln_wire_records(&b, 0, sl, 2), 0);
    /* 2: garbage, a truncated message, and a replay of a real record. */
    static const uint8_t junk[] = {0x95, 0x01, 0xff, 0x00};
    const hln_record *old = hln_sim_record(s, first);
    hln_wire_buf replay;
    hln_wire_buf_init(&replay);
    hln_wire_slice os = {old->raw, old->raw_len};
    assert_int_equal(hln_wire_records(&replay, 0, &os, 1), 0);
    for (uint32_t to = 0; to < N; to++) {
        if (hln_sim_inject(s, bad, to, b.p, b.len) != 0)
            continue; /* not a neighbour */
        hln_sim_inject(s, bad, to, junk, sizeof junk);
        hln_sim_inject(s, bad, to, b.p, b.len / 2);
        hln_sim_inject(s, bad, to, replay.p, replay.len);
    }
    hln_sim_run_until(s, hln_sim_now(s) + 5000);
    for (uint32_t i = 0; i < N; i++) {
        assert_false(hln_sim_holds(s, i, tmp.id));
        assert_false(hln_sim_holds(s, i, r->id));
        assert_int_equal(hln_sim_head(s, i, (uint32_t)outsider), 0);
        assert_int_equal(hln_sim_forks(s, i, 0), 0);
    }
    hln_sim_stats st;
    hln_sim_stats_get(s, &st);
    assert_true(st.bad > 0);
    /* The network still works. */
    publish_round(s, 2, 3);
    assert_true(hln_sim_run_to_convergence(s, hln_sim_now(s) + 20000));
    hln_wire_buf_free(&b);
    hln_wire_buf_free(&replay);
    free(r);
    hln_sim_free(&s);
}

static void a_fork_proof_reaches_every_honest_node(void **state)
{
    (void)state;
    hln_sim *s = make(6, 0.02);
    const uint32_t bad = 5;
    hln_sim_set_hostile(s, bad, true);
    int forker = hln_sim_author(s, 2, true); /* a trusted key that misbehaves */
    assert_true(forker >= N);
    hln_sim_start_all(s);
    hln_sim_run_until(s, 1000);
    hln_record *a = malloc(sizeof *a), *b2 = malloc(sizeof *b2);
    assert_int_equal(hln_sim_seal(s, (uint32_t)forker, "CA", 1, NULL, 1, a), 0);
    assert_int_equal(hln_sim_seal(s, (uint32_t)forker, "CA", 1, NULL, 2, b2), 0);
    hln_wire_buf m;
    hln_wire_buf_init(&m);
    uint32_t sent = 0;
    for (uint32_t to = 0; to < N; to++) {
        const hln_record *r = sent++ % 2 ? b2 : a; /* half its neighbours get each */
        hln_wire_slice sl = {r->raw, r->raw_len};
        assert_int_equal(hln_wire_records(&m, 0, &sl, 1), 0);
        if (hln_sim_inject(s, bad, to, m.p, m.len) != 0)
            sent--;
    }
    assert_true(sent >= 2);
    hln_sim_run_until(s, hln_sim_now(s) + 15000);
    for (uint32_t i = 0; i < N; i++)
        if (i != bad)
            assert_true(hln_sim_forks(s, i, (uint32_t)forker) >= 1);
    hln_wire_buf_free(&m);
    free(a);
    free(b2);
    hln_sim_free(&s);
}

/* 150 nodes, some links as thin as degree 2, 8% loss (hellos too), three
 * partitions, crashes, a wiped store and late joiners, all at once. */
static void a_lossy_churning_network_converges(void **state)
{
    (void)state;
    for (uint64_t seed = 5; seed <= 6; seed++) {
        hln_sim_config c;
        hln_sim_config_default(&c);
        c.nodes = 150;
        c.seed = seed;
        c.loss = 0.08;
        hln_sim *s = hln_sim_new(&c);
        assert_non_null(s);
        assert_int_equal(hln_sim_random_graph(s, 2, 6), 0);
        for (uint32_t i = 0; i < c.nodes; i++)
            if (i % 13 != 5)
                hln_sim_start(s, i);
        uint32_t g[150];
        for (uint32_t r = 0; r < 10; r++) {
            for (uint32_t k = 0; k < 5; k++)
                assert_true(
                    hln_sim_publish(s, (uint32_t)((seed * 31 + r * 7 + k * 29) % c.nodes)) >= 0);
            if (r == 3) {
                for (uint32_t i = 0; i < c.nodes; i++)
                    g[i] = (uint32_t)((i * 7 + seed) % 3);
                hln_sim_partition(s, g);
            }
            if (r == 5) {
                hln_sim_crash(s, (uint32_t)(seed % c.nodes));
                hln_sim_crash(s, (uint32_t)((seed * 3) % c.nodes));
            }
            if (r == 6)
                hln_sim_wipe(s, (uint32_t)((seed * 5 + 1) % c.nodes));
            hln_sim_run_until(s, hln_sim_now(s) + 300 + (seed % 5) * 100);
        }
        hln_sim_heal(s);
        hln_sim_start_all(s);
        assert_true(hln_sim_run_to_convergence(s, hln_sim_now(s) + 60000));
        hln_sim_free(&s);
    }
}

static void run_trace(uint64_t seed, uint8_t out[HLN_HASH_LEN])
{
    hln_sim *s = make(seed, 0.05);
    hln_sim_start_all(s);
    hln_sim_run_until(s, 500);
    for (int r = 0; r < 3; r++) {
        publish_round(s, (uint32_t)r, 4);
        hln_sim_run_until(s, hln_sim_now(s) + 300);
    }
    hln_sim_crash(s, 7);
    hln_sim_run_until(s, hln_sim_now(s) + 1000);
    hln_sim_start(s, 7);
    assert_true(hln_sim_run_to_convergence(s, 30000));
    hln_sim_trace(s, out);
    hln_sim_free(&s);
}

static void the_same_seed_gives_the_same_run(void **state)
{
    (void)state;
    uint8_t t1[HLN_HASH_LEN], t2[HLN_HASH_LEN], t3[HLN_HASH_LEN];
    run_trace(77, t1);
    run_trace(77, t2);
    run_trace(78, t3);
    assert_memory_equal(t1, t2, HLN_HASH_LEN);
    assert_memory_not_equal(t1, t3, HLN_HASH_LEN);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_node_gets_every_record),
        cmocka_unit_test(nothing_is_lost_after_partitions_heal_and_crashed_nodes_return),
        cmocka_unit_test(a_late_joiner_catches_up),
        cmocka_unit_test(a_wiped_node_is_refilled),
        cmocka_unit_test(forged_records_are_stored_nowhere),
        cmocka_unit_test(a_fork_proof_reaches_every_honest_node),
        cmocka_unit_test(a_lossy_churning_network_converges),
        cmocka_unit_test(the_same_seed_gives_the_same_run),
    };
    hln_crypto_init();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
