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
    /* 7 and 8 are the digest request and reply; 9 is still unknown. */
    assert_int_equal(dec((const uint8_t *)"\x92\x09\x00", 3), HLN_EVERSION);
    assert_int_equal(dec((const uint8_t *)"\x92\x7f\x00", 3), HLN_EVERSION);
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


/* ---- Digest request and reply (bench verify) ------------------------------ */

static hln_wire_clock_entry ev(uint8_t fill, const char *scope, uint64_t seq, bool counted)
{
    return entry(fill, scope, seq, counted); /* value = seq << 1 | counted */
}

static const hln_wire_digest_query Q = {.query_id = 77,
                                        .flags = 0,
                                        .method = HLN_DIGEST_METHOD_WILSON,
                                        .indicator = "mhpc.depression-screening",
                                        .period = "2026-Q3",
                                        .group = "CA",
                                        .stratum = "sex=female"};

static void digest_request_round_trips(void **state)
{
    (void)state;
    hln_wire_buf b;
    hln_wire_buf_init(&b);
    hln_wire_clock_entry es[2] = {ev(1, "CA", 4, true), ev(1, "CA-ON", 9, true)};
    assert_int_equal(hln_wire_digest_request(&b, &Q, es, 2), 0);
    hln_wire_msg m;
    assert_int_equal(hln_wire_decode(b.p, b.len, &m), 0);
    assert_int_equal(m.type, HLN_MSG_DIGEST_REQUEST);
    assert_int_equal(m.query_id, 77);
    assert_int_equal(m.method, HLN_DIGEST_METHOD_WILSON);
    assert_int_equal(m.indicator.len, strlen(Q.indicator));
    assert_memory_equal(m.indicator.p, Q.indicator, m.indicator.len);
    assert_memory_equal(m.period.p, "2026-Q3", 7);
    assert_memory_equal(m.group.p, "CA", 2);
    assert_memory_equal(m.stratum.p, "sex=female", 10);
    assert_int_equal(m.count, 2);
    hln_wire_clock_entry e;
    assert_int_equal(hln_wire_evidence_next(&m, &e), 1);
    assert_memory_equal(&e, &es[0], sizeof e);
    assert_int_equal(hln_wire_evidence_next(&m, &e), 1);
    assert_string_equal(e.feed.scope, "CA-ON");
    assert_int_equal(HLN_CLOCK_SEQ(e.value), 9);
    assert_int_equal(hln_wire_evidence_next(&m, &e), 0);
    /* Other groups: all and a level; the total stratum is empty. */
    hln_wire_digest_query q2 = Q;
    q2.group = "level:national";
    q2.stratum = "";
    assert_int_equal(hln_wire_digest_request(&b, &q2, NULL, 0), 0);
    assert_int_equal(hln_wire_decode(b.p, b.len, &m), 0);
    assert_int_equal(m.stratum.len, 0);
    q2.group = "all";
    assert_int_equal(hln_wire_digest_request(&b, &q2, NULL, 0), 0);
    hln_wire_buf_free(&b);
}

static void digest_reply_round_trips(void **state)
{
    (void)state;
    hln_wire_buf b;
    hln_wire_buf_init(&b);
    /* Seq 0: the responder lacks a feed the requester counts. */
    hln_wire_clock_entry es[3] = {ev(1, "CA", 0, false), ev(2, "CA", 3, true),
                                  ev(2, "global", 1, false)};
    hln_wire_digest_answer a = {.query_id = 77,
                                .flags = HLN_DIGEST_TRUNCATED,
                                .status = HLN_DIGEST_OK,
                                .engine = "hln-bench/1",
                                .counted = 12,
                                .suppressed = 2};
    memset(a.evidence, 0x5a, sizeof a.evidence);
    assert_int_equal(hln_wire_digest_reply(&b, &a, es, 3), 0);
    hln_wire_msg m;
    assert_int_equal(hln_wire_decode(b.p, b.len, &m), 0);
    assert_int_equal(m.type, HLN_MSG_DIGEST_REPLY);
    assert_int_equal(m.status, HLN_DIGEST_OK);
    assert_int_equal(m.flags, HLN_DIGEST_TRUNCATED);
    assert_memory_equal(m.evidence, a.evidence, HLN_HASH_LEN);
    assert_memory_equal(m.engine.p, "hln-bench/1", m.engine.len);
    assert_int_equal(m.counted, 12);
    assert_int_equal(m.suppressed, 2);
    hln_wire_clock_entry e;
    for (int i = 0; i < 3; i++) {
        assert_int_equal(hln_wire_evidence_next(&m, &e), 1);
        assert_memory_equal(&e, &es[i], sizeof e);
    }
    assert_int_equal(hln_wire_evidence_next(&m, &e), 0);

    /* A refusal: no digest, no counts, no feeds: 12 bytes. */
    hln_wire_digest_answer busy = {.query_id = 5, .status = HLN_DIGEST_BUSY, .engine = "x"};
    assert_int_equal(hln_wire_digest_reply(&b, &busy, NULL, 0), 0);
    static const uint8_t want[] = {0x99, 0x08, 0x05, 0x00, 0x02, 0xc4, 0x00,
                                   0xa1, 'x',  0x00, 0x00, 0x90};
    assert_int_equal(b.len, sizeof want);
    assert_memory_equal(b.p, want, sizeof want);
    assert_int_equal(hln_wire_decode(b.p, b.len, &m), 0);
    assert_int_equal(m.status, HLN_DIGEST_BUSY);
    hln_wire_buf_free(&b);
}

static void digest_encoders_refuse_what_the_decoder_would(void **state)
{
    (void)state;
    hln_wire_buf b;
    hln_wire_buf_init(&b);
    hln_wire_clock_entry unsorted[2] = {ev(2, "CA", 1, true), ev(1, "CA", 1, true)};
    hln_wire_clock_entry twice[2] = {ev(1, "CA", 1, true), ev(1, "CA", 2, true)};
    hln_wire_clock_entry uncounted[1] = {ev(1, "CA", 1, false)};
    hln_wire_clock_entry held_none[1] = {ev(1, "CA", 0, true)};
    assert_int_equal(hln_wire_digest_request(&b, &Q, unsorted, 2), HLN_EINVAL);
    assert_int_equal(hln_wire_digest_request(&b, &Q, twice, 2), HLN_EINVAL);
    assert_int_equal(hln_wire_digest_request(&b, &Q, uncounted, 1), HLN_EINVAL);
    hln_wire_digest_query q = Q;
    q.group = "Canada";
    assert_int_equal(hln_wire_digest_request(&b, &q, NULL, 0), HLN_EINVAL);
    q = Q;
    q.method = 3;
    assert_int_equal(hln_wire_digest_request(&b, &q, NULL, 0), HLN_EINVAL);
    q = Q;
    q.period = "Q3-2026";
    assert_int_equal(hln_wire_digest_request(&b, &q, NULL, 0), HLN_EINVAL);
    hln_wire_digest_answer a = {.status = HLN_DIGEST_OK, .engine = "hln-bench/1"};
    assert_int_equal(hln_wire_digest_reply(&b, &a, held_none, 1), HLN_EINVAL);
    a.engine = "with space";
    assert_int_equal(hln_wire_digest_reply(&b, &a, NULL, 0), HLN_EINVAL);
    a.engine = "hln-bench/1";
    a.status = HLN_DIGEST_FAILED;
    a.counted = 1;
    assert_int_equal(hln_wire_digest_reply(&b, &a, NULL, 0), HLN_EINVAL);
    hln_wire_buf_free(&b);
}

/* Decode a message after replacing byte `at` of a valid one. */
static int dec_patched(const hln_wire_buf *b, size_t at, uint8_t v)
{
    uint8_t *p = malloc(b->len);
    memcpy(p, b->p, b->len);
    p[at] = v;
    int rc = dec(p, b->len);
    free(p);
    return rc;
}

static void digest_decoder_refusals(void **state)
{
    (void)state;
    hln_wire_buf b;
    hln_wire_buf_init(&b);
    hln_wire_clock_entry es[2] = {ev(1, "CA", 4, true), ev(3, "CA", 9, true)};
    assert_int_equal(hln_wire_digest_request(&b, &Q, es, 2), 0);
    assert_int_equal(dec(b.p, b.len), 0);
    /* Layout: 99 07 4d(77) 00(flags) d9 19 "mhpc..." ... */
    assert_int_equal(dec_patched(&b, 3, 0x02), HLN_EDECODE);       /* unknown flag */
    assert_int_equal(dec_patched(&b, 0, 0x98), HLN_EDECODE);       /* 8 items */
    assert_int_equal(dec_patched(&b, 5, 'M'), HLN_EDECODE);        /* indicator pattern */
    size_t method_at = 4 + 1 + strlen(Q.indicator) + 1 + 7 + 1 + 2 + 1 + 10;
    assert_int_equal(b.p[method_at], HLN_DIGEST_METHOD_WILSON);
    assert_int_equal(dec_patched(&b, method_at, 3), HLN_EDECODE); /* method range */
    /* The second entry's author before the first's: not ascending. */
    size_t second_author = b.len - (1 + 2 + 32 + 3 + 1 + 2 + 8) + 3;
    assert_int_equal(b.p[second_author], 3);
    assert_int_equal(dec_patched(&b, second_author, 1), 0); /* 01 03 03.. still after 01 01 01.. */
    assert_int_equal(dec_patched(&b, second_author, 0), HLN_EDECODE);
    /* An entry whose counted bit is clear. */
    size_t value_at = b.len - (2 + 8) - 1;
    assert_int_equal(b.p[value_at], HLN_CLOCK_VALUE(9, true));
    assert_int_equal(dec_patched(&b, value_at, HLN_CLOCK_VALUE(9, false)), HLN_EDECODE);
    /* Trailing bytes. */
    uint8_t *p = malloc(b.len + 1);
    memcpy(p, b.p, b.len);
    p[b.len] = 0;
    assert_int_equal(dec(p, b.len + 1), HLN_EDECODE);
    free(p);

    /* A reply: a refusal with a digest is refused; a digest of 31 bytes too. */
    hln_wire_digest_answer a = {.query_id = 1, .status = HLN_DIGEST_OK, .engine = "e"};
    assert_int_equal(hln_wire_digest_reply(&b, &a, NULL, 0), 0);
    assert_int_equal(dec(b.p, b.len), 0);
    assert_int_equal(b.p[4], HLN_DIGEST_OK);
    assert_int_equal(dec_patched(&b, 4, HLN_DIGEST_BUSY), HLN_EDECODE);
    assert_int_equal(dec_patched(&b, 4, 4), HLN_EDECODE); /* status range */
    assert_int_equal(dec_patched(&b, 6, 31), HLN_EDECODE);
    assert_int_equal(dec_patched(&b, 6 + 1 + 32 + 1, 0x00), HLN_EDECODE); /* engine control char */
    hln_wire_buf_free(&b);
}

static void too_many_evidence_entries_are_refused(void **state)
{
    (void)state;
    hln_wire_buf b;
    hln_wire_buf_init(&b);
    size_t n = HLN_WIRE_EVIDENCE_MAX + 1;
    hln_wire_clock_entry *es = calloc(n, sizeof *es);
    for (size_t i = 0; i < n; i++) {
        es[i] = ev(0, "CA", 1, true);
        es[i].feed.author[0] = (uint8_t)(i >> 8);
        es[i].feed.author[1] = (uint8_t)i;
    }
    assert_int_equal(hln_wire_digest_request(&b, &Q, es, n), HLN_ETOOBIG);
    assert_int_equal(hln_wire_digest_request(&b, &Q, es, n - 1), 0);
    assert_int_equal(dec(b.p, b.len), 0);
    free(es);
    hln_wire_buf_free(&b);
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
        cmocka_unit_test(digest_request_round_trips),
        cmocka_unit_test(digest_reply_round_trips),
        cmocka_unit_test(digest_encoders_refuse_what_the_decoder_would),
        cmocka_unit_test(digest_decoder_refusals),
        cmocka_unit_test(too_many_evidence_entries_are_refused),
    };
    hln_crypto_init();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
