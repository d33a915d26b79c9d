/* test_peers.c - the PEERS table (node/peers.c): the peers an operator configured, kept in the store. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/err.h"
#include "node/peers.h"
#include "store/store.h"

static char dir[64];
static hln_store *store;

static int setup(void **state)
{
    (void)state;
    strcpy(dir, "/tmp/hln-test-peers-XXXXXX");
    if (!mkdtemp(dir))
        return -1;
    return hln_store_open(dir, 0, &store);
}

static int teardown(void **state)
{
    (void)state;
    hln_store_close(&store);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    return system(cmd);
}

static hln_peers_entry peer(uint8_t id_byte, const char *endpoint, const char *name)
{
    hln_peers_entry p;
    memset(&p, 0, sizeof p);
    memset(p.id, id_byte, HLN_KEY_LEN);
    snprintf(p.endpoint, sizeof p.endpoint, "%s", endpoint);
    snprintf(p.name, sizeof p.name, "%s", name);
    p.added_ms = 1767225600000ull;
    return p;
}

/* Collects peers from hln_peers_foreach. */
typedef struct {
    hln_peers_entry p[8];
    size_t n;
} peers;

static int collect(void *ctx, const hln_peers_entry *p)
{
    peers *ps = ctx;
    if (ps->n < 8)
        ps->p[ps->n] = *p;
    ps->n++;
    return 0;
}

static peers list(size_t *skipped)
{
    peers ps;
    memset(&ps, 0, sizeof ps);
    assert_int_equal(hln_peers_foreach(store, collect, &ps, skipped), 0);
    return ps;
}

static void a_peer_round_trips_through_the_table(void **state)
{
    (void)state;
    hln_peers_entry p = peer(1, "tcp://ca.example.org:7411", "Canada");
    assert_int_equal(hln_peers_put(store, &p), 0);
    size_t skipped = 99;
    peers ps = list(&skipped);
    assert_int_equal(ps.n, 1);
    assert_int_equal(skipped, 0);
    assert_memory_equal(ps.p[0].id, p.id, HLN_KEY_LEN);
    assert_string_equal(ps.p[0].endpoint, "tcp://ca.example.org:7411");
    assert_string_equal(ps.p[0].name, "Canada");
    assert_int_equal(ps.p[0].added_ms, 1767225600000ull);
}

static void peers_come_in_id_order(void **state)
{
    (void)state;
    hln_peers_entry c = peer(3, "tcp://c:1", "c"), a = peer(1, "tcp://a:1", "a"),
                    b = peer(2, "tcp://b:1", "b");
    assert_int_equal(hln_peers_put(store, &c), 0);
    assert_int_equal(hln_peers_put(store, &a), 0);
    assert_int_equal(hln_peers_put(store, &b), 0);
    peers ps = list(NULL);
    assert_int_equal(ps.n, 3);
    assert_string_equal(ps.p[0].name, "a");
    assert_string_equal(ps.p[1].name, "b");
    assert_string_equal(ps.p[2].name, "c");
}

static void putting_a_peer_again_replaces_it(void **state)
{
    (void)state;
    hln_peers_entry p = peer(1, "tcp://old.example.org:7411", "Old");
    assert_int_equal(hln_peers_put(store, &p), 0);
    p = peer(1, "tcp://new.example.org:7411", "New");
    assert_int_equal(hln_peers_put(store, &p), 0);
    peers ps = list(NULL);
    assert_int_equal(ps.n, 1);
    assert_string_equal(ps.p[0].endpoint, "tcp://new.example.org:7411");
    assert_string_equal(ps.p[0].name, "New");
}

static void a_peer_without_an_endpoint_is_admitted_not_dialled(void **state)
{
    (void)state;
    hln_peers_entry p = peer(1, "", "");
    assert_int_equal(hln_peers_put(store, &p), 0);
    peers ps = list(NULL);
    assert_int_equal(ps.n, 1);
    assert_string_equal(ps.p[0].endpoint, "");
}

static void a_removed_peer_is_gone_and_removing_it_again_fails(void **state)
{
    (void)state;
    hln_peers_entry p = peer(1, "tcp://a:1", "a");
    assert_int_equal(hln_peers_put(store, &p), 0);
    assert_int_equal(hln_peers_del(store, p.id), 0);
    assert_int_equal(list(NULL).n, 0);
    assert_int_equal(hln_peers_del(store, p.id), HLN_ENOTFOUND);
}

static void an_invalid_endpoint_is_refused(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "ca.example.org:7411",        /* no transport */
        "tcp://ca.example.org",       /* no port */
        "tcp://ca.example.org:99999", /* no such port */
        "tcp://ca example.org:7411",  /* a space */
        "tcp://\"ca\":7411",          /* quotes */
        "udp://ca.example.org:7411",  /* not a transport hlnd speaks */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        hln_peers_entry p = peer(1, bad[i], "x");
        assert_int_equal(hln_peers_put(store, &p), HLN_EINVAL);
    }
    assert_int_equal(list(NULL).n, 0);
}

static void an_invalid_name_is_refused(void **state)
{
    (void)state;
    hln_peers_entry p = peer(1, "tcp://a:1", "bell\x07");
    assert_int_equal(hln_peers_put(store, &p), HLN_EINVAL);
    p = peer(1, "tcp://a:1", "\x1b[31mred");
    assert_int_equal(hln_peers_put(store, &p), HLN_EINVAL);
    assert_int_equal(list(NULL).n, 0);
}

static void names_are_printable_text_of_bounded_length(void **state)
{
    (void)state;
    char name[HLN_PEERS_NAME_MAX + 2];
    memset(name, 'a', sizeof name);
    name[HLN_PEERS_NAME_MAX] = '\0';
    assert_true(hln_peers_name_valid(name));
    name[HLN_PEERS_NAME_MAX] = 'a';
    name[HLN_PEERS_NAME_MAX + 1] = '\0';
    assert_false(hln_peers_name_valid(name));
    assert_true(hln_peers_name_valid("Santé Ontario"));
    assert_true(hln_peers_name_valid(""));
    assert_false(hln_peers_name_valid("tab\tname"));
    assert_false(hln_peers_name_valid("\xff\xfe"));
}

static void damaged_entries_are_skipped_and_counted(void **state)
{
    (void)state;
    /* A hand-edited or damaged table must not stop hlnd. */
    static const char *const bad[] = {
        "",                                                      /* empty */
        "{",                                                     /* not JSON */
        "[]",                                                    /* not an object */
        "{\"name\":\"x\"}",                                      /* no endpoint */
        "{\"endpoint\":\"tcp://a:1\"}",                          /* no name */
        "{\"endpoint\":7,\"name\":\"x\"}",                       /* not a string */
        "{\"endpoint\":\"tcp://a:99999\",\"name\":\"x\"}",       /* bad endpoint */
        "{\"endpoint\":\"tcp://a:1\",\"name\":\"\\u001b[2J\"}",  /* escape in name */
        "{\"endpoint\":\"tcp://a:1\",\"name\":\"x\"} trailing",  /* trailing bytes */
    };
    size_t n_bad = sizeof bad / sizeof bad[0];
    for (size_t i = 0; i < n_bad; i++) {
        uint8_t key[HLN_KEY_LEN];
        memset(key, (int)(0x80 + i), sizeof key);
        assert_int_equal(
            hln_store_kv_put(store, HLN_TABLE_PEERS, key, sizeof key, bad[i], strlen(bad[i])), 0);
    }
    /* A key that is not a node id. */
    const char *ok = "{\"endpoint\":\"tcp://a:1\",\"name\":\"x\"}";
    assert_int_equal(hln_store_kv_put(store, HLN_TABLE_PEERS, "short", 5, ok, strlen(ok)), 0);
    hln_peers_entry good = peer(1, "tcp://a:1", "good");
    assert_int_equal(hln_peers_put(store, &good), 0);

    size_t skipped = 0;
    peers ps = list(&skipped);
    assert_int_equal(ps.n, 1);
    assert_string_equal(ps.p[0].name, "good");
    assert_int_equal(skipped, n_bad + 1);
}

static int stop_at_first(void *ctx, const hln_peers_entry *p)
{
    (void)p;
    (*(int *)ctx)++;
    return 7;
}

static void a_callback_can_stop_the_walk(void **state)
{
    (void)state;
    hln_peers_entry a = peer(1, "tcp://a:1", "a"), b = peer(2, "tcp://b:1", "b");
    assert_int_equal(hln_peers_put(store, &a), 0);
    assert_int_equal(hln_peers_put(store, &b), 0);
    int calls = 0;
    assert_int_equal(hln_peers_foreach(store, stop_at_first, &calls, NULL), 7);
    assert_int_equal(calls, 1);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(a_peer_round_trips_through_the_table),
        T(peers_come_in_id_order),
        T(putting_a_peer_again_replaces_it),
        T(a_peer_without_an_endpoint_is_admitted_not_dialled),
        T(a_removed_peer_is_gone_and_removing_it_again_fails),
        T(an_invalid_endpoint_is_refused),
        T(an_invalid_name_is_refused),
        cmocka_unit_test(names_are_printable_text_of_bounded_length),
        T(damaged_entries_are_skipped_and_counted),
        T(a_callback_can_stop_the_walk),
    };
    return cmocka_run_group_tests_name("peers", tests, NULL, NULL);
}
