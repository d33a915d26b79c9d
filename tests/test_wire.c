/* test_wire.c - wire messages: round trips, the exact in-sync clock bytes, and one test per refusal
 * of the strict decoder. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"
#include "crypto/err.h"
#include "proto/mp.h"
#include "proto/wire.h"

static const uint8_t D[HLN_WIRE_DIGEST_LEN] = {1, 2,  3,  4,  5,  6,  7,  8,
                                               9, 10, 11, 12, 13, 14, 15, 16};

static hln_feed_id feed(uint8_t fill, const char *scope)
{
    hln_feed_id f;
    memset(&f, 0, sizeof f);
    memset(f.author, fill, HLN_KEY_LEN);
    strcpy(f.scope, scope);
    return f;
}

static hln_wire_clock_entry entry(uint8_t fill, const char *scope, uint64_t seq, bool lazy)
{
    hln_wire_clock_entry e;
    memset(&e, 0, sizeof e);
    e.feed = feed(fill, scope);
    e.value = HLN_CLOCK_VALUE(seq, lazy);
    if (seq)
        memset(e.head, 0xab, HLN_WIRE_HEAD_LEN);
    return e;
}

/* ---- Round trips ---------------------------------------------------------- */

static void hello_round_trips(void **state)
{
    (void)state;
    hln_wire_buf b;
    hln_wire_msg m;
    uint8_t id[HLN_KEY_LEN], inc[16];
    memset(id, 7, sizeof id);
    memset(inc, 9, sizeof inc);
    hln_wire_buf_init(&b);
    assert_int_equal(hln_wire_hello(&b, id, inc, 5, D), 0);
    assert_int_equal(hln_wire_decode(b.p, b.len, &m), 0);
    assert_int_equal(m.type, HLN_MSG_HELLO);
    assert_int_equal(m.version, HLN_WIRE_VERSION);
    assert_memory_equal(m.node_id, id, HLN_KEY_LEN);
    assert_memory_equal(m.incarnation, inc, 16);
    assert_int_equal(m.features, 5);
    assert_memory_equal(m.digest, D, HLN_WIRE_DIGEST_LEN);
    hln_wire_buf_free(&b);
}

static void clock_round_trips_entries_in_order(void **state)
{
    (void)state;
    hln_wire_clock_entry in[3] = {entry(1, "CA", 0, false), entry(2, "global", 70000, true),
                                  entry(3, "CA-ON", 1, false)};
    hln_wire_buf b;
    hln_wire_msg m;
    hln_wire_clock_entry out;
    hln_wire_buf_init(&b);
    assert_int_equal(hln_wire_clock(&b, HLN_CLOCK_FULL, D, in, 3), 0);
    assert_int_equal(hln_wire_decode(b.p, b.len, &m), 0);
    assert_int_equal(m.type, HLN_MSG_CLOCK);
    assert_int_equal(m.flags, HLN_CLOCK_FULL);
    assert_int_equal(m.count, 3);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(hln_wire_clock_next(&m, &out), 1);
        assert_memory_equal(&out.feed, &in[i].feed, sizeof out.feed);
        assert_int_equal(out.value, in[i].value);
        assert_memory_equal(out.head, in[i].head, HLN_WIRE_HEAD_LEN);
    }
    assert_int_equal(hln_wire_clock_next(&m, &out), 0);
    assert_true(HLN_CLOCK_LAZY(in[1].value));
    assert_int_equal(HLN_CLOCK_SEQ(in[1].value), 70000);
    hln_wire_buf_free(&b);
}

/* The bytes of an in-sync anti-entropy message, exactly: 22 of them. */
static void empty_clock_is_22_known_bytes(void **state)
{
    (void)state;
    static const uint8_t want[] = {0x94, 0x02, 0x00, 0xc4, 0x10, 1,  2,  3,  4,  5,  6,
                                   7,    8,    9,    10,   11,   12, 13, 14, 15, 16, 0x90};
    hln_wire_buf b;
    hln_wire_buf_init(&b);
    assert_int_equal(hln_wire_clock(&b, 0, D, NULL, 0), 0);
    assert_int_equal(b.len, sizeof want);
    assert_memory_equal(b.p, want, sizeof want);
    hln_wire_buf_free(&b);
}

static void records_request_peers_fork_round_trip(void **state)
{
    (void)state;
    hln_wire_buf b;
    hln_wire_msg m;
    hln_wire_slice s, recs[2] = {{(const uint8_t *)"\x93\x01", 2}, {(const uint8_t *)"xyz", 3}};
    hln_wire_buf_init(&b);

    assert_int_equal(hln_wire_records(&b, HLN_RECORDS_REPLY, recs, 2), 0);
    assert_int_equal(hln_wire_decode(b.p, b.len, &m), 0);
    assert_int_equal(m.type, HLN_MSG_RECORDS);
    assert_int_equal(m.flags, HLN_RECORDS_REPLY);
    assert_int_equal(hln_wire_record_next(&m, &s), 1);
    assert_int_equal(s.len, 2);
    assert_int_equal(hln_wire_record_next(&m, &s), 1);
    assert_memory_equal(s.p, "xyz", 3);
    assert_int_equal(hln_wire_record_next(&m, &s), 0);

    hln_feed_id f = feed(4, "GB-ENG");
    assert_int_equal(hln_wire_request(&b, &f, 5, 68), 0);
    assert_int_equal(hln_wire_decode(b.p, b.len, &m), 0);
    assert_int_equal(m.type, HLN_MSG_REQUEST);
    assert_memory_equal(&m.feed, &f, sizeof f);
    assert_int_equal(m.from_seq, 5);
    assert_int_equal(m.to_seq, 68);

    hln_wire_slice addrs[2] = {{(const uint8_t *)"tcp://10.0.0.1:7400", 19},
                               {(const uint8_t *)"tcp://[::1]:7400", 16}};
    assert_int_equal(hln_wire_peers(&b, addrs, 2), 0);
    assert_int_equal(hln_wire_decode(b.p, b.len, &m), 0);
    assert_int_equal(m.count, 2);
    assert_int_equal(hln_wire_peer_next(&m, &s), 1);
    assert_int_equal(hln_wire_peer_next(&m, &s), 1);
    assert_memory_equal(s.p, "tcp://[::1]:7400", 16);

    assert_int_equal(hln_wire_fork(&b, &recs[0], &recs[1]), 0);
    assert_int_equal(hln_wire_decode(b.p, b.len, &m), 0);
    assert_int_equal(m.type, HLN_MSG_FORK);
    assert_int_equal(m.a.len, 2);
    assert_int_equal(m.b.len, 3);
    hln_wire_buf_free(&b);
}

static void digest_is_order_free_and_reversible(void **state)
{
    (void)state;
    uint8_t a[HLN_WIRE_DIGEST_LEN] = {0}, b[HLN_WIRE_DIGEST_LEN] = {0},
            zero[HLN_WIRE_DIGEST_LEN] = {0};
    hln_feed_id f1 = feed(1, "CA"), f2 = feed(2, "CA");
    uint8_t h[HLN_WIRE_HEAD_LEN] = {0};
    hln_wire_digest_xor(a, &f1, 10, h);
    hln_wire_digest_xor(a, &f2, 4, h);
    hln_wire_digest_xor(b, &f2, 4, h);
    hln_wire_digest_xor(b, &f1, 10, h);
    assert_memory_equal(a, b, sizeof a);
    assert_memory_not_equal(a, zero, sizeof a);
    /* Changing one entry: remove its old term, add the new one. */
    hln_wire_digest_xor(a, &f1, 10, h);
    hln_wire_digest_xor(a, &f1, 12, h);
    hln_wire_digest_xor(b, &f1, 10, h);
    hln_wire_digest_xor(b, &f1, 12, h);
    assert_memory_equal(a, b, sizeof a);
    hln_wire_digest_xor(a, &f1, 12, h);
    hln_wire_digest_xor(a, &f2, 4, h);
    assert_memory_equal(a, zero, sizeof a);
}

/* ---- Refusals ------------------------------------------------------------- */

static int dec(const uint8_t *p, size_t n)
{
    hln_wire_msg m;
    return hln_wire_decode(p, n, &m);
}

static void oversized_message_is_refused(void **state)
{
    (void)state;
    uint8_t *big = calloc(1, HLN_WIRE_MAX + 1);
    assert_non_null(big);
    assert_int_equal(dec(big, HLN_WIRE_MAX + 1), HLN_ETOOBIG);
    free(big);
}

static void non_array_or_empty_message_is_refused(void **state)
{
    (void)state;
    assert_int_equal(dec((const uint8_t *)"\x02", 1), HLN_EDECODE);
    assert_int_equal(dec((const uint8_t *)"\x90", 1), HLN_EDECODE);
    assert_int_equal(dec((const uint8_t *)"", 0), HLN_EDECODE);
}

static void unknown_message_type_is_a_version_error(void **state)
{
    (void)state;
    assert_int_equal(dec((const uint8_t *)"\x92\x07\x00", 3), HLN_EVERSION);
    assert_int_equal(dec((const uint8_t *)"\x91\x00", 2), HLN_EVERSION);
}

static void wrong_item_count_is_refused(void **state)
{
    (void)state;
    /* A request with four items instead of five. */
    assert_int_equal(dec((const uint8_t *)"\x94\x04\x01\x02\x03", 5), HLN_EDECODE);
}

static void non_shortest_integer_is_refused(void **state)
{
    (void)state;
    hln_wire_buf b;
    hln_wire_buf_init(&b);
    assert_int_equal(hln_wire_clock(&b, 0, D, NULL, 0), 0);
    /* The type written as uint8 0x02 instead of fixint 0x02. */
    uint8_t m[32] = {0x94, 0xcc, 0x02};
    memcpy(m + 3, b.p + 2, b.len - 2);
    assert_int_equal(dec(m, b.len + 1), HLN_EDECODE);
    hln_wire_buf_free(&b);
}

static void trailing_bytes_are_refused(void **state)
{
    (void)state;
    hln_wire_buf b;
    hln_wire_buf_init(&b);
    assert_int_equal(hln_wire_clock(&b, 0, D, NULL, 0), 0);
    uint8_t m[32];
    memcpy(m, b.p, b.len);
    m[b.len] = 0xc0;
    assert_int_equal(dec(m, b.len), 0);
    assert_int_equal(dec(m, b.len + 1), HLN_EDECODE);
    assert_int_equal(dec(m, b.len - 1), HLN_EDECODE); /* truncated */
    hln_wire_buf_free(&b);
}

static void unknown_clock_flag_is_refused(void **state)
{
    (void)state;
    hln_wire_buf b;
    hln_wire_buf_init(&b);
    assert_int_equal(hln_wire_clock(&b, 4, D, NULL, 0), HLN_EINVAL);
    assert_int_equal(hln_wire_clock(&b, 0, D, NULL, 0), 0);
    b.p[2] = 0x04;
    assert_int_equal(dec(b.p, b.len), HLN_EDECODE);
    hln_wire_buf_free(&b);
}

static void short_digest_is_refused(void **state)
{
    (void)state;
    static const uint8_t m[] = {0x94, 0x02, 0x00, 0xc4, 0x02, 1, 2, 0x90};
    assert_int_equal(dec(m, sizeof m), HLN_EDECODE);
}

/* Encode one clock entry by hand with the mp writer. */
static size_t clock_with(uint8_t *out, size_t cap, const char *scope, uint64_t value,
                         size_t head_len)
{
    hln_mp_writer w;
    uint8_t k[HLN_KEY_LEN] = {0}, h[HLN_WIRE_HEAD_LEN] = {0};
    hln_mp_writer_init(&w, out, cap);
    hln_mp_put_array(&w, 4);
    hln_mp_put_uint(&w, HLN_MSG_CLOCK);
    hln_mp_put_uint(&w, 0);
    hln_mp_put_bin(&w, D, sizeof D);
    hln_mp_put_array(&w, 1);
    hln_mp_put_array(&w, 4);
    hln_mp_put_bin(&w, k, sizeof k);
    hln_mp_put_str(&w, scope, strlen(scope));
    hln_mp_put_uint(&w, value);
    hln_mp_put_bin(&w, h, head_len);
    assert_int_equal(hln_mp_writer_status(&w), 0);
    return hln_mp_writer_len(&w);
}

static void clock_entry_with_bad_scope_is_refused(void **state)
{
    (void)state;
    uint8_t m[128];
    assert_int_equal(dec(m, clock_with(m, sizeof m, "CA", 2, 8)), 0);
    assert_int_equal(dec(m, clock_with(m, sizeof m, "ca", 2, 8)), HLN_EDECODE);
    assert_int_equal(dec(m, clock_with(m, sizeof m, "GLOBAL1", 2, 8)), HLN_EDECODE);
    assert_int_equal(dec(m, clock_with(m, sizeof m, "", 2, 8)), HLN_EDECODE);
    hln_wire_clock_entry e = entry(1, "ca", 1, false);
    hln_wire_buf b;
    hln_wire_buf_init(&b);
    assert_int_equal(hln_wire_clock(&b, 0, D, &e, 1), HLN_EINVAL);
    hln_wire_buf_free(&b);
}

static void clock_head_length_must_match_seq(void **state)
{
    (void)state;
    uint8_t m[128];
    assert_int_equal(dec(m, clock_with(m, sizeof m, "CA", 0, 0)), 0);
    assert_int_equal(dec(m, clock_with(m, sizeof m, "CA", 0, 8)), HLN_EDECODE);
    assert_int_equal(dec(m, clock_with(m, sizeof m, "CA", 2, 0)), HLN_EDECODE);
    assert_int_equal(dec(m, clock_with(m, sizeof m, "CA", 2, 4)), HLN_EDECODE);
}

static void clock_value_over_the_seq_limit_is_refused(void **state)
{
    (void)state;
    uint8_t m[128];
    assert_int_equal(dec(m, clock_with(m, sizeof m, "CA", (HLN_WIRE_SEQ_MAX << 1) - 1, 8)), 0);
    assert_int_equal(dec(m, clock_with(m, sizeof m, "CA", HLN_WIRE_SEQ_MAX << 1, 8)), HLN_EDECODE);
}

static void too_many_clock_entries_are_refused(void **state)
{
    (void)state;
    hln_wire_clock_entry *es = calloc(HLN_WIRE_CLOCK_MAX + 1, sizeof *es);
    assert_non_null(es);
    for (size_t i = 0; i <= HLN_WIRE_CLOCK_MAX; i++)
        es[i] = entry((uint8_t)i, "CA", i, false);
    hln_wire_buf b;
    hln_wire_buf_init(&b);
    assert_int_equal(hln_wire_clock(&b, 0, D, es, HLN_WIRE_CLOCK_MAX + 1), HLN_ETOOBIG);
    assert_int_equal(hln_wire_clock(&b, 0, D, es, HLN_WIRE_CLOCK_MAX), 0);
    assert_int_equal(dec(b.p, b.len), 0);
    /* Patch the count (array16 0x1000 at offset 21) to 0x1001 and append
     * one more entry taken from a one-entry clock. */
    uint8_t *m = malloc(b.len + 128);
    assert_non_null(m);
    memcpy(m, b.p, b.len);
    assert_int_equal(m[21], 0xdc);
    m[24 - 1] = 0x01;
    size_t len = b.len;
    assert_int_equal(hln_wire_clock(&b, 0, D, es, 1), 0);
    memcpy(m + len, b.p + 22, b.len - 22);
    len += b.len - 22;
    assert_int_equal(dec(m, len), HLN_ETOOBIG);
    free(m);
    hln_wire_buf_free(&b);
    free(es);
}

static void count_beyond_the_bytes_left_is_refused(void **state)
{
    (void)state;
    /* A records message that claims 60 records in 3 bytes. */
    static const uint8_t m[] = {0x93, 0x03, 0x00, 0xdc, 0x00, 0x3c, 0xc4, 0x01, 0x00};
    assert_int_equal(dec(m, sizeof m), HLN_EDECODE);
}

static void too_many_records_are_refused(void **state)
{
    (void)state;
    hln_wire_slice s[HLN_WIRE_BATCH_MAX + 1];
    for (int i = 0; i <= HLN_WIRE_BATCH_MAX; i++)
        s[i] = (hln_wire_slice){(const uint8_t *)"r", 1};
    hln_wire_buf b;
    hln_wire_buf_init(&b);
    assert_int_equal(hln_wire_records(&b, 0, s, HLN_WIRE_BATCH_MAX + 1), HLN_ETOOBIG);
    assert_int_equal(hln_wire_records(&b, 0, s, HLN_WIRE_BATCH_MAX), 0);
    /* Patch the count from 64 (0xdc 0x00 0x40) to 65 and append one more item. */
    uint8_t *m = malloc(b.len + 3);
    memcpy(m, b.p, b.len);
    assert_int_equal(m[5], 0x40);
    m[5] = 0x41;
    memcpy(m + b.len, "\xc4\x01r", 3);
    assert_int_equal(dec(m, b.len + 3), HLN_ETOOBIG);
    free(m);
    hln_wire_buf_free(&b);
}

static void empty_or_oversized_record_is_refused(void **state)
{
    (void)state;
    static const uint8_t empty[] = {0x93, 0x03, 0x00, 0x91, 0xc4, 0x00};
    assert_int_equal(dec(empty, sizeof empty), HLN_EDECODE);
    size_t n = HLN_RECORD_MAX + 1, len = 7 + n;
    uint8_t *m = calloc(1, len);
    memcpy(m, "\x93\x03\x00\x91\xc5", 5);
    m[5] = (uint8_t)(n >> 8);
    m[6] = (uint8_t)n;
    assert_int_equal(dec(m, len), HLN_ETOOBIG);
    free(m);
    hln_wire_slice s = {(const uint8_t *)"x", 0};
    hln_wire_buf b;
    hln_wire_buf_init(&b);
    assert_int_equal(hln_wire_records(&b, 0, &s, 1), HLN_EINVAL);
    hln_wire_buf_free(&b);
}

static void request_with_bad_range_is_refused(void **state)
{
    (void)state;
    hln_feed_id f = feed(1, "CA");
    hln_wire_buf b;
    hln_wire_buf_init(&b);
    assert_int_equal(hln_wire_request(&b, &f, 0, 3), HLN_EINVAL);
    assert_int_equal(hln_wire_request(&b, &f, 4, 3), HLN_EINVAL);
    assert_int_equal(hln_wire_request(&b, &f, 3, 3), 0);
    size_t at = b.len - 2; /* from and to are the last two fixints */
    b.p[at] = 0x00;
    assert_int_equal(dec(b.p, b.len), HLN_EDECODE);
    b.p[at] = 0x04;
    assert_int_equal(dec(b.p, b.len), HLN_EDECODE);
    hln_wire_buf_free(&b);
}

static void peers_with_bad_endpoint_are_refused(void **state)
{
    (void)state;
    hln_wire_slice a = {(const uint8_t *)"http://x:1", 10};
    hln_wire_buf b;
    hln_wire_buf_init(&b);
    assert_int_equal(hln_wire_peers(&b, &a, 1), HLN_EINVAL);
    static const uint8_t m[] = {0x92, 0x05, 0x91, 0xa3, 'a', 'b', 'c'};
    assert_int_equal(dec(m, sizeof m), HLN_EDECODE);
    hln_wire_buf_free(&b);
}

static void hello_with_short_node_id_is_refused(void **state)
{
    (void)state;
    uint8_t id[HLN_KEY_LEN] = {0}, inc[16] = {0};
    hln_wire_buf b;
    hln_wire_buf_init(&b);
    assert_int_equal(hln_wire_hello(&b, id, inc, 0, D), 0);
    /* [1, 1, bin32 ...]: shorten the node id's declared length. */
    assert_int_equal(b.p[3], 0xc4);
    b.p[4] = 31;
    assert_int_equal(dec(b.p, b.len), HLN_EDECODE);
    hln_wire_buf_free(&b);
}

static void fork_with_empty_record_is_refused(void **state)
{
    (void)state;
    static const uint8_t m[] = {0x93, 0x06, 0xc4, 0x01, 'a', 0xc4, 0x00};
    assert_int_equal(dec(m, sizeof m), HLN_EDECODE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(hello_round_trips),
        cmocka_unit_test(clock_round_trips_entries_in_order),
        cmocka_unit_test(empty_clock_is_22_known_bytes),
        cmocka_unit_test(records_request_peers_fork_round_trip),
        cmocka_unit_test(digest_is_order_free_and_reversible),
        cmocka_unit_test(oversized_message_is_refused),
        cmocka_unit_test(non_array_or_empty_message_is_refused),
        cmocka_unit_test(unknown_message_type_is_a_version_error),
        cmocka_unit_test(wrong_item_count_is_refused),
        cmocka_unit_test(non_shortest_integer_is_refused),
        cmocka_unit_test(trailing_bytes_are_refused),
        cmocka_unit_test(unknown_clock_flag_is_refused),
        cmocka_unit_test(short_digest_is_refused),
        cmocka_unit_test(clock_entry_with_bad_scope_is_refused),
        cmocka_unit_test(clock_head_length_must_match_seq),
        cmocka_unit_test(clock_value_over_the_seq_limit_is_refused),
        cmocka_unit_test(too_many_clock_entries_are_refused),
        cmocka_unit_test(count_beyond_the_bytes_left_is_refused),
        cmocka_unit_test(too_many_records_are_refused),
        cmocka_unit_test(empty_or_oversized_record_is_refused),
        cmocka_unit_test(request_with_bad_range_is_refused),
        cmocka_unit_test(peers_with_bad_endpoint_are_refused),
        cmocka_unit_test(hello_with_short_node_id_is_refused),
        cmocka_unit_test(fork_with_empty_record_is_refused),
    };
    hln_crypto_init();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
