/* wire.c - the sync protocol's wire messages: canonical msgpack encoders and a strict,
 * allocation-free decoder. */
#include "wire.h"

#include <stdlib.h>
#include <string.h>

#include "../crypto/err.h"
#include "codes.h"
#include "mp.h"

/* Exact array lengths per message type (index = type). */
static const uint32_t msg_items[] = {0, 6, 4, 3, 5, 2, 3, 9, 9};

/* ---- Decoder --------------------------------------------------------- */

static int get_feed(hln_mp_reader *r, hln_feed_id *f)
{
    const uint8_t *a;
    const char *s;
    size_t sl;
    int rc = hln_mp_get_bin_exact(r, HLN_KEY_LEN, &a);
    if (rc)
        return rc;
    rc = hln_mp_get_str(r, HLN_SCOPE_MAX, &s, &sl);
    if (rc)
        return rc == HLN_ETOOBIG ? HLN_EDECODE : rc;
    if (!hln_code_scope(s, sl))
        return HLN_EDECODE;
    memset(f, 0, sizeof *f);
    memcpy(f->author, a, HLN_KEY_LEN);
    memcpy(f->scope, s, sl);
    return 0;
}

static int get_clock_entry(hln_mp_reader *r, hln_wire_clock_entry *e)
{
    uint32_t n;
    const uint8_t *h;
    size_t hl;
    int rc = hln_mp_get_array(r, 4, &n);
    if (rc)
        return HLN_EDECODE;
    if (n != 4)
        return HLN_EDECODE;
    if ((rc = get_feed(r, &e->feed)))
        return rc;
    /* A value's seq part stays below HLN_WIRE_SEQ_MAX. */
    if (hln_mp_get_uint_max(r, (HLN_WIRE_SEQ_MAX << 1) - 1, &e->value))
        return HLN_EDECODE;
    /* The head prefix: empty exactly when seq is 0, so each entry has one form. */
    if (hln_mp_get_bin(r, HLN_WIRE_HEAD_LEN, &h, &hl))
        return HLN_EDECODE;
    if (hl != (HLN_CLOCK_SEQ(e->value) ? HLN_WIRE_HEAD_LEN : 0))
        return HLN_EDECODE;
    memset(e->head, 0, HLN_WIRE_HEAD_LEN);
    if (hl)
        memcpy(e->head, h, hl);
    return 0;
}

static int get_digest(hln_mp_reader *r, uint8_t out[HLN_WIRE_DIGEST_LEN])
{
    const uint8_t *d;
    int rc = hln_mp_get_bin_exact(r, HLN_WIRE_DIGEST_LEN, &d);
    if (rc)
        return rc;
    memcpy(out, d, HLN_WIRE_DIGEST_LEN);
    return 0;
}

/* A list header with its cap; items are checked by `check` one by one so
 * that the *_next walkers later cannot fail. */
static int get_list(hln_mp_reader *r, uint32_t max, hln_wire_msg *m)
{
    uint32_t n;
    int rc = hln_mp_get_array(r, max, &n);
    if (rc)
        return rc;
    m->count = n;
    m->left_ = n;
    m->cur_ = r->p;
    return 0;
}

bool hln_wire_group_valid(const char *s, size_t len)
{
    static const char *const levels[] = {"organization", "subnational", "national", "global"};
    if (!s || len > HLN_WIRE_GROUP_MAX)
        return false;
    if (len == 3 && memcmp(s, "all", 3) == 0)
        return true;
    if (len > 6 && memcmp(s, "level:", 6) == 0) {
        for (size_t i = 0; i < sizeof levels / sizeof levels[0]; i++)
            if (len - 6 == strlen(levels[i]) && memcmp(s + 6, levels[i], len - 6) == 0)
                return true;
        return false;
    }
    return hln_code_jurisdiction(s, len);
}

static bool engine_valid(const char *s, size_t len)
{
    if (len < 1 || len > HLN_WIRE_ENGINE_MAX)
        return false;
    for (size_t i = 0; i < len; i++)
        if (s[i] <= 0x20 || s[i] >= 0x7f)
            return false;
    return true;
}

/* A string field checked against its pattern; the slice points into the message. */
static int get_code(hln_mp_reader *r, size_t max, bool (*ok)(const char *, size_t),
                    hln_wire_slice *out)
{
    const char *s;
    size_t sl;
    if (hln_mp_get_str(r, max, &s, &sl) || !ok(s, sl))
        return HLN_EDECODE;
    out->p = (const uint8_t *)s;
    out->len = sl;
    return 0;
}

/* A digest request's or reply's feed entries: strictly ascending by (author,
 * scope), so each list has one form and no feed appears twice. In a request
 * every entry is counted and held (seq >= 1); in a reply a feed not held
 * (seq 0) cannot be counted. */
static int get_evidence(hln_mp_reader *r, hln_wire_msg *m, bool request)
{
    hln_wire_clock_entry e;
    hln_feed_id prev;
    int rc = get_list(r, HLN_WIRE_EVIDENCE_MAX, m);
    if (rc)
        return rc == HLN_ETOOBIG ? rc : HLN_EDECODE;
    for (uint32_t i = 0; i < m->count; i++) {
        if (get_clock_entry(r, &e))
            return HLN_EDECODE;
        uint64_t seq = HLN_CLOCK_SEQ(e.value);
        bool counted = (e.value & 1u) != 0;
        if (request ? (!counted || seq == 0) : (seq == 0 && counted))
            return HLN_EDECODE;
        if (i > 0 && memcmp(&prev, &e.feed, sizeof prev) >= 0)
            return HLN_EDECODE;
        prev = e.feed;
    }
    return 0;
}

static bool indicator_ok(const char *s, size_t n)
{
    return hln_code_indicator(s, n);
}
static bool period_ok(const char *s, size_t n)
{
    return hln_code_period(s, n);
}
static bool stratum_ok(const char *s, size_t n)
{
    return n == 0 || hln_code_stratum(s, n);
}
static bool engine_ok(const char *s, size_t n)
{
    return engine_valid(s, n);
}

int hln_wire_decode(const uint8_t *buf, size_t len, hln_wire_msg *m)
{
    hln_mp_reader r;
    uint32_t n;
    uint64_t v;
    int rc;

    if (!buf || !m)
        return HLN_EINVAL;
    if (len > HLN_WIRE_MAX)
        return HLN_ETOOBIG;
    memset(m, 0, sizeof *m);
    hln_mp_reader_init(&r, buf, len);
    if (hln_mp_get_array(&r, 16, &n) || n < 1)
        return HLN_EDECODE;
    if (hln_mp_get_uint(&r, &v))
        return HLN_EDECODE;
    if (v < HLN_MSG_HELLO || v > HLN_MSG_TYPE_MAX)
        return HLN_EVERSION; /* a newer peer's message: skip it, do not punish */
    m->type = (uint32_t)v;
    if (n != msg_items[m->type])
        return HLN_EDECODE;

    switch (m->type) {
    case HLN_MSG_HELLO: {
        const uint8_t *id, *inc;
        if (hln_mp_get_uint_max(&r, UINT32_MAX, &v))
            return HLN_EDECODE;
        m->version = (uint32_t)v;
        if (hln_mp_get_bin_exact(&r, HLN_KEY_LEN, &id) || hln_mp_get_bin_exact(&r, 16, &inc))
            return HLN_EDECODE;
        memcpy(m->node_id, id, HLN_KEY_LEN);
        memcpy(m->incarnation, inc, 16);
        if (hln_mp_get_uint(&r, &m->features) || get_digest(&r, m->digest))
            return HLN_EDECODE;
        break;
    }
    case HLN_MSG_CLOCK: {
        if (hln_mp_get_uint_max(&r, HLN_CLOCK_FLAGS_ALL, &v) || get_digest(&r, m->digest))
            return HLN_EDECODE;
        m->flags = (uint32_t)v;
        if ((rc = get_list(&r, HLN_WIRE_CLOCK_MAX, m)))
            return rc == HLN_ETOOBIG ? rc : HLN_EDECODE;
        for (uint32_t i = 0; i < m->count; i++) {
            hln_wire_clock_entry e;
            if (get_clock_entry(&r, &e))
                return HLN_EDECODE;
        }
        break;
    }
    case HLN_MSG_RECORDS: {
        if (hln_mp_get_uint_max(&r, HLN_RECORDS_FLAGS_ALL, &v))
            return HLN_EDECODE;
        m->flags = (uint32_t)v;
        if ((rc = get_list(&r, HLN_WIRE_BATCH_MAX, m)))
            return rc == HLN_ETOOBIG ? rc : HLN_EDECODE;
        for (uint32_t i = 0; i < m->count; i++) {
            const uint8_t *b;
            size_t bl;
            if ((rc = hln_mp_get_bin(&r, HLN_RECORD_MAX, &b, &bl)))
                return rc == HLN_ETOOBIG ? rc : HLN_EDECODE;
            if (bl == 0)
                return HLN_EDECODE;
        }
        break;
    }
    case HLN_MSG_REQUEST:
        if (get_feed(&r, &m->feed))
            return HLN_EDECODE;
        if (hln_mp_get_uint_max(&r, HLN_WIRE_SEQ_MAX - 1, &m->from_seq) ||
            hln_mp_get_uint_max(&r, HLN_WIRE_SEQ_MAX - 1, &m->to_seq))
            return HLN_EDECODE;
        if (m->from_seq < 1 || m->to_seq < m->from_seq)
            return HLN_EDECODE;
        break;
    case HLN_MSG_PEERS:
        if ((rc = get_list(&r, HLN_WIRE_PEERS_MAX, m)))
            return rc == HLN_ETOOBIG ? rc : HLN_EDECODE;
        for (uint32_t i = 0; i < m->count; i++) {
            const char *s;
            size_t sl;
            if (hln_mp_get_str(&r, HLN_ENDPOINT_MAX, &s, &sl) || !hln_code_endpoint(s, sl))
                return HLN_EDECODE;
        }
        break;
    case HLN_MSG_FORK: {
        const uint8_t *b;
        size_t bl;
        if ((rc = hln_mp_get_bin(&r, HLN_RECORD_MAX, &b, &bl)) || bl == 0)
            return rc == HLN_ETOOBIG ? rc : HLN_EDECODE;
        m->a = (hln_wire_slice){b, bl};
        if ((rc = hln_mp_get_bin(&r, HLN_RECORD_MAX, &b, &bl)) || bl == 0)
            return rc == HLN_ETOOBIG ? rc : HLN_EDECODE;
        m->b = (hln_wire_slice){b, bl};
        break;
    }
    case HLN_MSG_DIGEST_REQUEST:
        if (hln_mp_get_uint_max(&r, UINT32_MAX, &v))
            return HLN_EDECODE;
        m->query_id = (uint32_t)v;
        if (hln_mp_get_uint_max(&r, HLN_DIGEST_FLAGS_ALL, &v))
            return HLN_EDECODE;
        m->flags = (uint32_t)v;
        if (get_code(&r, HLN_CODE_MAX, indicator_ok, &m->indicator) ||
            get_code(&r, HLN_PERIOD_MAX, period_ok, &m->period) ||
            get_code(&r, HLN_WIRE_GROUP_MAX, hln_wire_group_valid, &m->group) ||
            get_code(&r, HLN_CODE_MAX, stratum_ok, &m->stratum))
            return HLN_EDECODE;
        if (hln_mp_get_uint_max(&r, HLN_DIGEST_METHOD_WILSON, &v))
            return HLN_EDECODE;
        m->method = (uint32_t)v;
        if ((rc = get_evidence(&r, m, true)))
            return rc;
        break;
    case HLN_MSG_DIGEST_REPLY: {
        const uint8_t *d;
        size_t dl;
        if (hln_mp_get_uint_max(&r, UINT32_MAX, &v))
            return HLN_EDECODE;
        m->query_id = (uint32_t)v;
        if (hln_mp_get_uint_max(&r, HLN_DIGEST_FLAGS_ALL, &v))
            return HLN_EDECODE;
        m->flags = (uint32_t)v;
        if (hln_mp_get_uint_max(&r, HLN_DIGEST_STATUS_MAX, &v))
            return HLN_EDECODE;
        m->status = (uint32_t)v;
        /* Only an answer carries a digest; a refusal carries nothing else. */
        if (hln_mp_get_bin(&r, HLN_HASH_LEN, &d, &dl) ||
            dl != (m->status == HLN_DIGEST_OK ? HLN_HASH_LEN : 0))
            return HLN_EDECODE;
        if (dl)
            memcpy(m->evidence, d, HLN_HASH_LEN);
        if (get_code(&r, HLN_WIRE_ENGINE_MAX, engine_ok, &m->engine))
            return HLN_EDECODE;
        if (hln_mp_get_uint_max(&r, UINT32_MAX, &m->counted) ||
            hln_mp_get_uint_max(&r, UINT32_MAX, &m->suppressed))
            return HLN_EDECODE;
        if ((rc = get_evidence(&r, m, false)))
            return rc;
        if (m->status != HLN_DIGEST_OK &&
            (m->flags || m->counted || m->suppressed || m->count))
            return HLN_EDECODE;
        break;
    }
    }
    if (hln_mp_finish(&r))
        return HLN_EDECODE;
    m->end_ = r.p;
    return 0;
}

/* The walkers re-read items hln_wire_decode already accepted. */
static int walker(hln_wire_msg *m, uint32_t type, hln_mp_reader *r)
{
    if (m->type != type || m->left_ == 0 || !m->cur_)
        return 0;
    hln_mp_reader_init(r, m->cur_, (size_t)(m->end_ - m->cur_));
    return 1;
}

int hln_wire_clock_next(hln_wire_msg *m, hln_wire_clock_entry *e)
{
    hln_mp_reader r;
    if (!walker(m, HLN_MSG_CLOCK, &r) || get_clock_entry(&r, e))
        return 0;
    m->cur_ = r.p;
    m->left_--;
    return 1;
}

int hln_wire_record_next(hln_wire_msg *m, hln_wire_slice *rec)
{
    hln_mp_reader r;
    const uint8_t *b;
    size_t bl;
    if (!walker(m, HLN_MSG_RECORDS, &r) || hln_mp_get_bin(&r, HLN_RECORD_MAX, &b, &bl))
        return 0;
    rec->p = b;
    rec->len = bl;
    m->cur_ = r.p;
    m->left_--;
    return 1;
}

int hln_wire_peer_next(hln_wire_msg *m, hln_wire_slice *addr)
{
    hln_mp_reader r;
    const char *s;
    size_t sl;
    if (!walker(m, HLN_MSG_PEERS, &r) || hln_mp_get_str(&r, HLN_ENDPOINT_MAX, &s, &sl))
        return 0;
    addr->p = (const uint8_t *)s;
    addr->len = sl;
    m->cur_ = r.p;
    m->left_--;
    return 1;
}

int hln_wire_evidence_next(hln_wire_msg *m, hln_wire_clock_entry *e)
{
    hln_mp_reader r;
    if ((m->type != HLN_MSG_DIGEST_REQUEST && m->type != HLN_MSG_DIGEST_REPLY) ||
        !walker(m, m->type, &r) || get_clock_entry(&r, e))
        return 0;
    m->cur_ = r.p;
    m->left_--;
    return 1;
}

/* ---- Encoders -------------------------------------------------------- */

void hln_wire_buf_init(hln_wire_buf *b)
{
    memset(b, 0, sizeof *b);
}

void hln_wire_buf_free(hln_wire_buf *b)
{
    free(b->p);
    memset(b, 0, sizeof *b);
}

/* Make room for `bound` bytes (an upper bound of the message) and start a
 * fixed-sink writer over them: one allocation per message at most. */
static int start(hln_wire_buf *b, size_t bound, hln_mp_writer *w)
{
    if (bound > HLN_WIRE_MAX + 64)
        bound = HLN_WIRE_MAX + 64;
    if (b->cap < bound) {
        uint8_t *p = realloc(b->p, bound);
        if (!p)
            return HLN_ENOMEM;
        b->p = p;
        b->cap = bound;
    }
    b->len = 0;
    hln_mp_writer_init(w, b->p, b->cap);
    return 0;
}

static int finish(hln_wire_buf *b, hln_mp_writer *w)
{
    int rc = hln_mp_writer_status(w);
    if (rc)
        return rc;
    b->len = hln_mp_writer_len(w);
    return b->len > HLN_WIRE_MAX ? HLN_ETOOBIG : 0;
}

static bool feed_ok(const hln_feed_id *f)
{
    size_t sl = strnlen(f->scope, sizeof f->scope);
    return sl <= HLN_SCOPE_MAX && hln_code_scope(f->scope, sl);
}

static void put_feed(hln_mp_writer *w, const hln_feed_id *f)
{
    hln_mp_put_bin(w, f->author, HLN_KEY_LEN);
    hln_mp_put_str(w, f->scope, strnlen(f->scope, sizeof f->scope));
}

int hln_wire_hello(hln_wire_buf *b, const uint8_t node_id[HLN_KEY_LEN],
                   const uint8_t incarnation[16], uint64_t features,
                   const uint8_t digest[HLN_WIRE_DIGEST_LEN])
{
    hln_mp_writer w;
    int rc = start(b, 128, &w);
    if (rc)
        return rc;
    hln_mp_put_array(&w, msg_items[HLN_MSG_HELLO]);
    hln_mp_put_uint(&w, HLN_MSG_HELLO);
    hln_mp_put_uint(&w, HLN_WIRE_VERSION);
    hln_mp_put_bin(&w, node_id, HLN_KEY_LEN);
    hln_mp_put_bin(&w, incarnation, 16);
    hln_mp_put_uint(&w, features);
    hln_mp_put_bin(&w, digest, HLN_WIRE_DIGEST_LEN);
    return finish(b, &w);
}

int hln_wire_clock(hln_wire_buf *b, uint32_t flags, const uint8_t digest[HLN_WIRE_DIGEST_LEN],
                   const hln_wire_clock_entry *entries, size_t n)
{
    hln_mp_writer w;
    if (flags & ~HLN_CLOCK_FLAGS_ALL)
        return HLN_EINVAL;
    if (n > HLN_WIRE_CLOCK_MAX)
        return HLN_ETOOBIG;
    for (size_t i = 0; i < n; i++)
        if (!feed_ok(&entries[i].feed) || HLN_CLOCK_SEQ(entries[i].value) >= HLN_WIRE_SEQ_MAX)
            return HLN_EINVAL;
    int rc = start(b, 32 + n * 66, &w);
    if (rc)
        return rc;
    hln_mp_put_array(&w, msg_items[HLN_MSG_CLOCK]);
    hln_mp_put_uint(&w, HLN_MSG_CLOCK);
    hln_mp_put_uint(&w, flags);
    hln_mp_put_bin(&w, digest, HLN_WIRE_DIGEST_LEN);
    hln_mp_put_array(&w, (uint32_t)n);
    for (size_t i = 0; i < n; i++) {
        hln_mp_put_array(&w, 4);
        put_feed(&w, &entries[i].feed);
        hln_mp_put_uint(&w, entries[i].value);
        hln_mp_put_bin(&w, entries[i].head,
                       HLN_CLOCK_SEQ(entries[i].value) ? HLN_WIRE_HEAD_LEN : 0);
    }
    return finish(b, &w);
}

int hln_wire_records(hln_wire_buf *b, uint32_t flags, const hln_wire_slice *recs, size_t n)
{
    hln_mp_writer w;
    size_t bound = 16;
    if (flags & ~HLN_RECORDS_FLAGS_ALL)
        return HLN_EINVAL;
    if (n > HLN_WIRE_BATCH_MAX)
        return HLN_ETOOBIG;
    for (size_t i = 0; i < n; i++) {
        if (!recs[i].p || recs[i].len == 0)
            return HLN_EINVAL;
        if (recs[i].len > HLN_RECORD_MAX)
            return HLN_ETOOBIG;
        bound += recs[i].len + 5;
    }
    if (bound > HLN_WIRE_MAX)
        return HLN_ETOOBIG;
    int rc = start(b, bound, &w);
    if (rc)
        return rc;
    hln_mp_put_array(&w, msg_items[HLN_MSG_RECORDS]);
    hln_mp_put_uint(&w, HLN_MSG_RECORDS);
    hln_mp_put_uint(&w, flags);
    hln_mp_put_array(&w, (uint32_t)n);
    for (size_t i = 0; i < n; i++)
        hln_mp_put_bin(&w, recs[i].p, recs[i].len);
    return finish(b, &w);
}

int hln_wire_request(hln_wire_buf *b, const hln_feed_id *feed, uint64_t from_seq, uint64_t to_seq)
{
    hln_mp_writer w;
    if (!feed_ok(feed) || from_seq < 1 || to_seq < from_seq || to_seq >= HLN_WIRE_SEQ_MAX)
        return HLN_EINVAL;
    int rc = start(b, 96, &w);
    if (rc)
        return rc;
    hln_mp_put_array(&w, msg_items[HLN_MSG_REQUEST]);
    hln_mp_put_uint(&w, HLN_MSG_REQUEST);
    put_feed(&w, feed);
    hln_mp_put_uint(&w, from_seq);
    hln_mp_put_uint(&w, to_seq);
    return finish(b, &w);
}

int hln_wire_peers(hln_wire_buf *b, const hln_wire_slice *addrs, size_t n)
{
    hln_mp_writer w;
    if (n > HLN_WIRE_PEERS_MAX)
        return HLN_ETOOBIG;
    for (size_t i = 0; i < n; i++)
        if (!addrs[i].p || addrs[i].len > HLN_ENDPOINT_MAX ||
            !hln_code_endpoint((const char *)addrs[i].p, addrs[i].len))
            return HLN_EINVAL;
    int rc = start(b, 16 + n * (HLN_ENDPOINT_MAX + 3), &w);
    if (rc)
        return rc;
    hln_mp_put_array(&w, msg_items[HLN_MSG_PEERS]);
    hln_mp_put_uint(&w, HLN_MSG_PEERS);
    hln_mp_put_array(&w, (uint32_t)n);
    for (size_t i = 0; i < n; i++)
        hln_mp_put_str(&w, (const char *)addrs[i].p, addrs[i].len);
    return finish(b, &w);
}

int hln_wire_fork(hln_wire_buf *b, const hln_wire_slice *a, const hln_wire_slice *b2)
{
    hln_mp_writer w;
    if (!a || !b2 || !a->p || !b2->p || a->len == 0 || b2->len == 0)
        return HLN_EINVAL;
    if (a->len > HLN_RECORD_MAX || b2->len > HLN_RECORD_MAX)
        return HLN_ETOOBIG;
    int rc = start(b, 16 + a->len + b2->len + 10, &w);
    if (rc)
        return rc;
    hln_mp_put_array(&w, msg_items[HLN_MSG_FORK]);
    hln_mp_put_uint(&w, HLN_MSG_FORK);
    hln_mp_put_bin(&w, a->p, a->len);
    hln_mp_put_bin(&w, b2->p, b2->len);
    return finish(b, &w);
}

void hln_wire_digest_xor(uint8_t acc[HLN_WIRE_DIGEST_LEN], const hln_feed_id *feed, uint64_t value,
                         const uint8_t head[HLN_WIRE_HEAD_LEN])
{
    uint8_t in[HLN_KEY_LEN + 8 + 8 + HLN_WIRE_HEAD_LEN], h[HLN_HASH_LEN];
    memcpy(in, feed->author, HLN_KEY_LEN);
    memset(in + HLN_KEY_LEN, 0, 8);
    memcpy(in + HLN_KEY_LEN, feed->scope, strnlen(feed->scope, sizeof feed->scope));
    for (int i = 0; i < 8; i++)
        in[HLN_KEY_LEN + 8 + i] = (uint8_t)(value >> (56 - 8 * i));
    memcpy(in + HLN_KEY_LEN + 16, head, HLN_WIRE_HEAD_LEN);
    hln_hash(in, sizeof in, h);
    for (int i = 0; i < HLN_WIRE_DIGEST_LEN; i++)
        acc[i] ^= h[i];
}

/* The checks the decoder makes on a feed list, made before encoding. */
static int evidence_ok(const hln_wire_clock_entry *feeds, size_t n, bool request)
{
    if (n > HLN_WIRE_EVIDENCE_MAX)
        return HLN_ETOOBIG;
    for (size_t i = 0; i < n; i++) {
        uint64_t seq = HLN_CLOCK_SEQ(feeds[i].value);
        bool counted = (feeds[i].value & 1u) != 0;
        if (!feed_ok(&feeds[i].feed) || seq >= HLN_WIRE_SEQ_MAX)
            return HLN_EINVAL;
        if (request ? (!counted || seq == 0) : (seq == 0 && counted))
            return HLN_EINVAL;
        if (i > 0 && memcmp(&feeds[i - 1].feed, &feeds[i].feed, sizeof feeds[i].feed) >= 0)
            return HLN_EINVAL;
    }
    return 0;
}

static void put_evidence(hln_mp_writer *w, const hln_wire_clock_entry *feeds, size_t n)
{
    hln_mp_put_array(w, (uint32_t)n);
    for (size_t i = 0; i < n; i++) {
        hln_mp_put_array(w, 4);
        put_feed(w, &feeds[i].feed);
        hln_mp_put_uint(w, feeds[i].value);
        hln_mp_put_bin(w, feeds[i].head, HLN_CLOCK_SEQ(feeds[i].value) ? HLN_WIRE_HEAD_LEN : 0);
    }
}

static bool cstr_ok(const char *s, size_t max, bool (*ok)(const char *, size_t))
{
    size_t len;
    return s && (len = strnlen(s, max + 1)) <= max && ok(s, len);
}

int hln_wire_digest_request(hln_wire_buf *b, const hln_wire_digest_query *q,
                            const hln_wire_clock_entry *feeds, size_t n)
{
    hln_mp_writer w;
    if (!q || (n && !feeds) || (q->flags & ~HLN_DIGEST_FLAGS_ALL) ||
        q->method > HLN_DIGEST_METHOD_WILSON || !cstr_ok(q->indicator, HLN_CODE_MAX, indicator_ok) ||
        !cstr_ok(q->period, HLN_PERIOD_MAX, period_ok) ||
        !cstr_ok(q->group, HLN_WIRE_GROUP_MAX, hln_wire_group_valid) ||
        !cstr_ok(q->stratum, HLN_CODE_MAX, stratum_ok))
        return HLN_EINVAL;
    int rc = evidence_ok(feeds, n, true);
    if (rc)
        return rc;
    if ((rc = start(b, 256 + n * 66, &w)))
        return rc;
    hln_mp_put_array(&w, msg_items[HLN_MSG_DIGEST_REQUEST]);
    hln_mp_put_uint(&w, HLN_MSG_DIGEST_REQUEST);
    hln_mp_put_uint(&w, q->query_id);
    hln_mp_put_uint(&w, q->flags);
    hln_mp_put_cstr(&w, q->indicator);
    hln_mp_put_cstr(&w, q->period);
    hln_mp_put_cstr(&w, q->group);
    hln_mp_put_cstr(&w, q->stratum);
    hln_mp_put_uint(&w, q->method);
    put_evidence(&w, feeds, n);
    return finish(b, &w);
}

int hln_wire_digest_reply(hln_wire_buf *b, const hln_wire_digest_answer *a,
                          const hln_wire_clock_entry *feeds, size_t n)
{
    hln_mp_writer w;
    if (!a || (n && !feeds) || (a->flags & ~HLN_DIGEST_FLAGS_ALL) ||
        a->status > HLN_DIGEST_STATUS_MAX || !cstr_ok(a->engine, HLN_WIRE_ENGINE_MAX, engine_ok) ||
        a->counted > UINT32_MAX || a->suppressed > UINT32_MAX)
        return HLN_EINVAL;
    if (a->status != HLN_DIGEST_OK && (a->flags || a->counted || a->suppressed || n))
        return HLN_EINVAL;
    int rc = evidence_ok(feeds, n, false);
    if (rc)
        return rc;
    if ((rc = start(b, 128 + n * 66, &w)))
        return rc;
    hln_mp_put_array(&w, msg_items[HLN_MSG_DIGEST_REPLY]);
    hln_mp_put_uint(&w, HLN_MSG_DIGEST_REPLY);
    hln_mp_put_uint(&w, a->query_id);
    hln_mp_put_uint(&w, a->flags);
    hln_mp_put_uint(&w, a->status);
    hln_mp_put_bin(&w, a->evidence, a->status == HLN_DIGEST_OK ? HLN_HASH_LEN : 0);
    hln_mp_put_cstr(&w, a->engine);
    hln_mp_put_uint(&w, a->counted);
    hln_mp_put_uint(&w, a->suppressed);
    put_evidence(&w, feeds, n);
    return finish(b, &w);
}
