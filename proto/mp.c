/* mp.c - canonical msgpack: a writer over msgpack-c's packer and a strict, allocation-free cursor reader. */
#include "mp.h"

#include <string.h>

#include "../crypto/err.h"

/* ---- Writer ---------------------------------------------------------- */

static int fixed_write(void *data, const char *b, size_t len)
{
    hln_mp_writer *w = data;
    if (w->overflow || len > w->cap - w->len) {
        w->overflow = true;
        return -1;
    }
    memcpy(w->buf + w->len, b, len);
    w->len += len;
    return 0;
}

static int sbuffer_write(void *data, const char *b, size_t len)
{
    hln_mp_writer *w = data;
    if (w->overflow)
        return -1;
    if (msgpack_sbuffer_write(w->sbuf, b, len) != 0) {
        w->overflow = true;
        return -1;
    }
    return 0;
}

void hln_mp_writer_init(hln_mp_writer *w, uint8_t *buf, size_t cap)
{
    memset(w, 0, sizeof *w);
    w->buf = buf;
    w->cap = buf ? cap : 0;
    msgpack_packer_init(&w->pk, w, fixed_write);
}

void hln_mp_writer_init_sbuffer(hln_mp_writer *w, msgpack_sbuffer *sbuf)
{
    memset(w, 0, sizeof *w);
    w->sbuf = sbuf;
    msgpack_packer_init(&w->pk, w, sbuffer_write);
}

size_t hln_mp_writer_len(const hln_mp_writer *w)
{
    return w->sbuf ? w->sbuf->size : w->len;
}

int hln_mp_writer_status(const hln_mp_writer *w)
{
    if (!w->overflow)
        return 0;
    return w->sbuf ? HLN_ENOMEM : HLN_ETOOBIG;
}

/* msgpack-c's packer reports a failed write by its return value; the sink
 * also remembers it, so the puts need not be checked one by one. */
void hln_mp_put_nil(hln_mp_writer *w) { (void)msgpack_pack_nil(&w->pk); }

void hln_mp_put_bool(hln_mp_writer *w, bool v)
{
    (void)(v ? msgpack_pack_true(&w->pk) : msgpack_pack_false(&w->pk));
}

/* msgpack_pack_uint64 picks positive fixint, uint8, uint16, uint32 or uint64
 * by value: the shortest form, as canonical encoding requires. */
void hln_mp_put_uint(hln_mp_writer *w, uint64_t v) { (void)msgpack_pack_uint64(&w->pk, v); }

void hln_mp_put_str(hln_mp_writer *w, const char *s, size_t len)
{
    (void)msgpack_pack_str_with_body(&w->pk, s, len);
}

void hln_mp_put_cstr(hln_mp_writer *w, const char *s) { hln_mp_put_str(w, s, strlen(s)); }

void hln_mp_put_bin(hln_mp_writer *w, const void *b, size_t len)
{
    (void)msgpack_pack_bin_with_body(&w->pk, b, len);
}

void hln_mp_put_array(hln_mp_writer *w, uint32_t n) { (void)msgpack_pack_array(&w->pk, n); }

void hln_mp_put_map(hln_mp_writer *w, uint32_t n) { (void)msgpack_pack_map(&w->pk, n); }

/* ---- Reader ---------------------------------------------------------- */

void hln_mp_reader_init(hln_mp_reader *r, const uint8_t *buf, size_t len)
{
    r->p = buf;
    r->end = buf + len;
    r->why = NULL;
}

size_t hln_mp_left(const hln_mp_reader *r) { return (size_t)(r->end - r->p); }

static int fail(hln_mp_reader *r, int rc, const char *why)
{
    r->why = why;
    return rc;
}

static uint64_t be(const uint8_t *p, size_t n)
{
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++)
        v = (v << 8) | p[i];
    return v;
}

/* What a type byte that is none of the expected ones is, for the message. */
static int wrong_type(hln_mp_reader *r, const char *expected)
{
    uint8_t c = *r->p;
    if (c == 0xca || c == 0xcb)
        return fail(r, HLN_EDECODE, "floats are not allowed");
    if (c >= 0xe0 || (c >= 0xd0 && c <= 0xd3))
        return fail(r, HLN_EDECODE, "signed integers are not allowed");
    if (c == 0xc1)
        return fail(r, HLN_EDECODE, "reserved type byte 0xc1");
    if ((c >= 0xc7 && c <= 0xc9) || (c >= 0xd4 && c <= 0xd8))
        return fail(r, HLN_EDECODE, "ext types are not allowed");
    return fail(r, HLN_EDECODE, expected);
}

bool hln_mp_peek_nil(const hln_mp_reader *r) { return r->p < r->end && *r->p == 0xc0; }

int hln_mp_get_nil(hln_mp_reader *r)
{
    if (r->p >= r->end)
        return fail(r, HLN_EDECODE, "truncated");
    if (*r->p != 0xc0)
        return wrong_type(r, "expected nil");
    r->p++;
    return 0;
}

int hln_mp_get_bool(hln_mp_reader *r, bool *v)
{
    if (r->p >= r->end)
        return fail(r, HLN_EDECODE, "truncated");
    if (*r->p != 0xc2 && *r->p != 0xc3)
        return wrong_type(r, "expected a boolean");
    *v = *r->p == 0xc3;
    r->p++;
    return 0;
}

int hln_mp_get_uint(hln_mp_reader *r, uint64_t *v)
{
    if (r->p >= r->end)
        return fail(r, HLN_EDECODE, "truncated");
    uint8_t c = *r->p;
    if (c <= 0x7f) {
        *v = c;
        r->p++;
        return 0;
    }
    size_t n;
    uint64_t min;
    switch (c) {
    case 0xcc: n = 1, min = 0x80; break;
    case 0xcd: n = 2, min = 0x100; break;
    case 0xce: n = 4, min = 0x10000; break;
    case 0xcf: n = 8, min = 0x100000000ull; break;
    default: return wrong_type(r, "expected an unsigned integer");
    }
    if (hln_mp_left(r) < 1 + n)
        return fail(r, HLN_EDECODE, "truncated");
    uint64_t x = be(r->p + 1, n);
    if (x < min)
        return fail(r, HLN_EDECODE, "not the shortest encoding");
    *v = x;
    r->p += 1 + n;
    return 0;
}

int hln_mp_get_uint_max(hln_mp_reader *r, uint64_t max, uint64_t *v)
{
    const uint8_t *start = r->p;
    uint64_t x;
    int rc = hln_mp_get_uint(r, &x);
    if (rc)
        return rc;
    if (x > max) {
        r->p = start;
        return fail(r, HLN_EDECODE, "out of range");
    }
    *v = x;
    return 0;
}

/* A str (fixstr 0xa0-0xbf, 0xd9, 0xda, 0xdb) or bin (0xc4, 0xc5, 0xc6; no
 * fix form, so bin 8 is the shortest for 0-255 bytes) and its bytes. */
static int get_raw(hln_mp_reader *r, bool str, size_t max, const uint8_t **out, size_t *len)
{
    if (r->p >= r->end)
        return fail(r, HLN_EDECODE, "truncated");
    uint8_t c = *r->p;
    size_t hdr, n;
    size_t min; /* the shortest legal length for this header form */
    if (str && c >= 0xa0 && c <= 0xbf) {
        hdr = 1, n = c & 0x1fu, min = 0;
    } else if (c == (str ? 0xd9 : 0xc4)) {
        hdr = 2, min = str ? 32 : 0;
    } else if (c == (str ? 0xda : 0xc5)) {
        hdr = 3, min = 0x100;
    } else if (c == (str ? 0xdb : 0xc6)) {
        hdr = 5, min = 0x10000;
    } else {
        return wrong_type(r, str ? "expected a str" : "expected a bin");
    }
    if (hln_mp_left(r) < hdr)
        return fail(r, HLN_EDECODE, "truncated");
    if (hdr > 1)
        n = (size_t)be(r->p + 1, hdr - 1);
    if (n < min)
        return fail(r, HLN_EDECODE, "not the shortest encoding");
    /* Length against the bytes left before the size limit: a short buffer
     * is malformed whatever its length claims. */
    if (n > hln_mp_left(r) - hdr)
        return fail(r, HLN_EDECODE, "length larger than the bytes left");
    if (n > max)
        return fail(r, HLN_ETOOBIG, "too long");
    *out = r->p + hdr;
    *len = n;
    r->p += hdr + n;
    return 0;
}

int hln_mp_get_str(hln_mp_reader *r, size_t max, const char **s, size_t *len)
{
    const uint8_t *b;
    int rc = get_raw(r, true, max, &b, len);
    if (rc == 0)
        *s = (const char *)b;
    return rc;
}

int hln_mp_get_bin(hln_mp_reader *r, size_t max, const uint8_t **b, size_t *len)
{
    return get_raw(r, false, max, b, len);
}

int hln_mp_get_bin_exact(hln_mp_reader *r, size_t len, const uint8_t **b)
{
    const uint8_t *start = r->p;
    size_t n;
    int rc = get_raw(r, false, len, b, &n);
    if (rc == HLN_ETOOBIG || (rc == 0 && n != len)) {
        r->p = start;
        return fail(r, HLN_EDECODE, "wrong length");
    }
    return rc;
}

/* Array (fix 0x90, 0xdc, 0xdd) and map (fix 0x80, 0xde, 0xdf) headers. */
static int get_container(hln_mp_reader *r, bool map, uint32_t max, uint32_t *out)
{
    if (r->p >= r->end)
        return fail(r, HLN_EDECODE, "truncated");
    uint8_t c = *r->p, fix = map ? 0x80 : 0x90;
    size_t hdr;
    uint64_t n, min;
    if (c >= fix && c <= fix + 0x0f) {
        hdr = 1, n = c & 0x0fu, min = 0;
    } else if (c == (map ? 0xde : 0xdc)) {
        hdr = 3, min = 16;
    } else if (c == (map ? 0xdf : 0xdd)) {
        hdr = 5, min = 0x10000;
    } else {
        return wrong_type(r, map ? "expected a map" : "expected an array");
    }
    if (hln_mp_left(r) < hdr)
        return fail(r, HLN_EDECODE, "truncated");
    if (hdr > 1)
        n = be(r->p + 1, hdr - 1);
    if (n < min)
        return fail(r, HLN_EDECODE, "not the shortest encoding");
    /* Every element takes at least one byte (a map entry two): a count the
     * bytes left cannot hold is refused before anyone sizes anything by it. */
    if (n * (map ? 2u : 1u) > hln_mp_left(r) - hdr)
        return fail(r, HLN_EDECODE, "count larger than the bytes left");
    if (n > max)
        return fail(r, HLN_ETOOBIG, "too many entries");
    *out = (uint32_t)n;
    r->p += hdr;
    return 0;
}

int hln_mp_get_array(hln_mp_reader *r, uint32_t max, uint32_t *n)
{
    return get_container(r, false, max, n);
}

int hln_mp_get_map(hln_mp_reader *r, uint32_t max, uint32_t *n)
{
    return get_container(r, true, max, n);
}

int hln_mp_get_key(hln_mp_reader *r, uint64_t want, uint64_t nkeys)
{
    const uint8_t *start = r->p;
    uint64_t k;
    int rc = hln_mp_get_uint(r, &k);
    if (rc) {
        if (r->why && strcmp(r->why, "truncated") != 0
            && strcmp(r->why, "not the shortest encoding") != 0)
            r->why = "map key is not an unsigned integer";
        return rc;
    }
    if (k != want) {
        r->p = start;
        if (k < want)
            return fail(r, HLN_EDECODE, "map keys not ascending");
        return fail(r, HLN_EDECODE, k >= nkeys ? "unknown map key" : "missing map key");
    }
    return 0;
}

int hln_mp_finish(hln_mp_reader *r)
{
    if (r->p != r->end)
        return fail(r, HLN_EDECODE, "trailing bytes");
    return 0;
}
