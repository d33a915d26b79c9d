/* test_node_append.c - a node's own batches (hln_node_append): long ones are sealed ahead
 * and signed on every core; the records must be the ones sealed one at a time would be. */
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
#include "node/node.h"
#include "proto/record.h"
#include "store/store.h"

#define TS2020 UINT64_C(1577836800000)
#define LONG_BATCH 300 /* more than two rounds of signing ahead (node.c, SIGN_AHEAD) */

static char root[64];
static hln_node *node;

static int setup(void **state)
{
    (void)state;
    strcpy(root, "/tmp/hln-test-append-XXXXXX");
    if (!mkdtemp(root))
        return -1;
    hln_node_info info;
    memset(&info, 0, sizeof info);
    strcpy(info.name, "Canada");
    info.level = HLN_LEVEL_NATIONAL;
    strcpy(info.jurisdiction, "CA");
    char dir[128], err[256] = "";
    snprintf(dir, sizeof dir, "%s/ca", root);
    return hln_node_create(dir, &info, &node, err, sizeof err) ? -1 : 0;
}

static int teardown(void **state)
{
    (void)state;
    hln_node_close(&node);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", root);
    return system(cmd);
}

static int group_setup(void **state)
{
    (void)state;
    return hln_crypto_init();
}

static hln_node_item *observations(size_t n, uint64_t first_num)
{
    hln_node_item *it = calloc(n, sizeof *it);
    assert_non_null(it);
    for (size_t i = 0; i < n; i++) {
        it[i].type = HLN_REC_OBSERVATION;
        hln_observation *o = &it[i].body.observation;
        strcpy(o->indicator, "mhpc.depression-screening");
        strcpy(o->period, "2026-09");
        snprintf(o->unit, sizeof o->unit, "site-%zu", i);
        o->numerator = first_num + i;
        o->denominator = 10000;
    }
    return it;
}

typedef struct {
    uint64_t next_seq, first_num;
    uint8_t prev[HLN_HASH_LEN];
    size_t n;
} chain_walk;

/* Every record of the feed, in order: it decodes, its signature holds, it
 * names the one before, and its body is the item given. */
static int check_one(void *ctx, const hln_record *r)
{
    chain_walk *w = ctx;
    assert_int_equal(r->env.seq, w->next_seq);
    if (r->env.seq > 1)
        assert_memory_equal(r->env.prev, w->prev, HLN_HASH_LEN);
    assert_int_equal(hln_record_verify(r), 0);
    static hln_record again;
    assert_int_equal(hln_record_decode(r->raw, r->raw_len, &again, NULL, 0), 0);
    assert_memory_equal(again.id, r->id, HLN_HASH_LEN);
    if (r->env.type == HLN_REC_OBSERVATION)
        assert_int_equal(r->body.observation.numerator, w->first_num + w->n);
    memcpy(w->prev, r->id, HLN_HASH_LEN);
    w->next_seq++;
    w->n++;
    return 0;
}

static hln_feed_id own_feed(void)
{
    hln_feed_id f;
    memset(&f, 0, sizeof f);
    memcpy(f.author, hln_node_pk(node), HLN_KEY_LEN);
    memcpy(f.scope, "CA", 2);
    return f;
}

static void a_long_batch_is_a_valid_chain_of_valid_signatures(void **state)
{
    (void)state;
    char err[256] = "";
    hln_node_item *it = observations(LONG_BATCH, 1000);
    uint64_t first = 0;
    assert_int_equal(hln_node_append(node, "CA", it, LONG_BATCH, TS2020, &first, err, sizeof err),
                     0);
    assert_int_equal(first, 1);
    /* A second long batch continues the chain from the head. */
    free(it);
    it = observations(LONG_BATCH, 1000 + LONG_BATCH);
    assert_int_equal(hln_node_append(node, "CA", it, LONG_BATCH, TS2020, &first, err, sizeof err),
                     0);
    assert_int_equal(first, LONG_BATCH + 1);
    free(it);
    hln_feed_id f = own_feed();
    chain_walk w = {.next_seq = 1, .first_num = 1000};
    assert_int_equal(hln_store_foreach_feed(hln_node_store(node), &f, 1, 0, check_one, &w), 0);
    assert_int_equal(w.n, 2 * LONG_BATCH);
    assert_int_equal(hln_store_verify(hln_node_store(node), NULL, NULL), 0);
}

static void a_bad_item_late_in_a_long_batch_stores_nothing(void **state)
{
    (void)state;
    char err[256] = "";
    hln_node_item *it = observations(LONG_BATCH, 1);
    strcpy(it[200].body.observation.period, "2026-13"); /* no such month */
    assert_int_equal(hln_node_append(node, "CA", it, LONG_BATCH, TS2020, NULL, err, sizeof err),
                     HLN_EINVAL);
    assert_non_null(strstr(err, "record 201:"));
    free(it);
    hln_feed_id f = own_feed();
    uint64_t head = 99;
    uint8_t id[HLN_HASH_LEN];
    assert_int_equal(hln_store_head(hln_node_store(node), &f, &head, id), HLN_ENOTFOUND);
    /* And the node goes on: the next batch starts the feed at seq 1. */
    it = observations(40, 1);
    assert_int_equal(hln_node_append(node, "CA", it, 40, TS2020, NULL, err, sizeof err), 0);
    free(it);
    chain_walk w = {.next_seq = 1, .first_num = 1};
    assert_int_equal(hln_store_foreach_feed(hln_node_store(node), &f, 1, 0, check_one, &w), 0);
    assert_int_equal(w.n, 40);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(a_long_batch_is_a_valid_chain_of_valid_signatures, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(a_bad_item_late_in_a_long_batch_stores_nothing, setup,
                                        teardown),
    };
    return cmocka_run_group_tests_name("node_append", tests, group_setup, NULL);
}
