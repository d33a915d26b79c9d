/* mp.h - canonical msgpack: a writer over msgpack-c's packer and a strict, allocation-free cursor reader. */
#ifndef HLN_MP_H
#define HLN_MP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <msgpack.h>

/* The canonical subset every hln encoding uses (docs/PROTOCOL.md, "Canonical
 * msgpack"): nil, false, true, unsigned integers, str, bin, array and map,
 * each in its shortest encoding; no negative integers, floats or ext. */

/* ---- Writer ------------------------------------------------------------
 * msgpack-c's packer already picks the shortest form for unsigned integers,
 * str, bin, array and map headers, so the writer only adds a sink: a fixed
 * caller buffer (no allocation; overflow is remembered and reported once) or a
 * msgpack_sbuffer the caller owns. Map keys are the caller's to order. */
typedef struct {
    msgpack_packer pk;
    uint8_t *buf; /* fixed sink, or NULL with an sbuffer */
    size_t cap;
    size_t len;    /* bytes written to the fixed sink */
    bool overflow; /* a write did not fit */
    msgpack_sbuffer *sbuf;
} hln_mp_writer;

/* Write into buf[0..cap). */
void hln_mp_writer_init(hln_mp_writer *w, uint8_t *buf, size_t cap);
/* Append to `sbuf` (initialised by the caller with msgpack_sbuffer_init). */
void hln_mp_writer_init_sbuffer(hln_mp_writer *w, msgpack_sbuffer *sbuf);
/* Bytes written so far (to either sink). */
size_t hln_mp_writer_len(const hln_mp_writer *w);
/* 0, HLN_ETOOBIG if the fixed buffer overflowed, HLN_ENOMEM if the sbuffer
 * could not grow. Check once after a sequence of puts. */
int hln_mp_writer_status(const hln_mp_writer *w);

void hln_mp_put_nil(hln_mp_writer *w);
void hln_mp_put_bool(hln_mp_writer *w, bool v);
void hln_mp_put_uint(hln_mp_writer *w, uint64_t v);
void hln_mp_put_str(hln_mp_writer *w, const char *s, size_t len);
/* A NUL-terminated string as str. */
void hln_mp_put_cstr(hln_mp_writer *w, const char *s);
void hln_mp_put_bin(hln_mp_writer *w, const void *b, size_t len);
void hln_mp_put_array(hln_mp_writer *w, uint32_t n);
void hln_mp_put_map(hln_mp_writer *w, uint32_t n);

/* ---- Reader ------------------------------------------------------------
 * A cursor over untrusted bytes. Every get checks the type, that the
 * encoding is the shortest one, and that any declared length or count fits
 * in the bytes left, before it moves. It never allocates: str and bin are
 * returned as slices of the input. On failure the cursor stays where it was,
 * the call returns HLN_EDECODE (or HLN_ETOOBIG where a `max` is exceeded)
 * and `why` says what was wrong ("not the shortest encoding"). */
typedef struct {
    const uint8_t *p, *end;
    const char *why;
} hln_mp_reader;

void hln_mp_reader_init(hln_mp_reader *r, const uint8_t *buf, size_t len);
/* Bytes not yet read. */
size_t hln_mp_left(const hln_mp_reader *r);
/* true if the next item is nil (does not consume). */
bool hln_mp_peek_nil(const hln_mp_reader *r);

int hln_mp_get_nil(hln_mp_reader *r);
int hln_mp_get_bool(hln_mp_reader *r, bool *v);
int hln_mp_get_uint(hln_mp_reader *r, uint64_t *v);
/* An unsigned integer no greater than `max` (HLN_EDECODE "out of range"). */
int hln_mp_get_uint_max(hln_mp_reader *r, uint64_t max, uint64_t *v);
/* A str of at most `max` bytes; *s points into the input, not NUL-terminated.
 * The bytes are not checked for UTF-8 here (codes.h does that). */
int hln_mp_get_str(hln_mp_reader *r, size_t max, const char **s, size_t *len);
/* A bin of at most `max` bytes. */
int hln_mp_get_bin(hln_mp_reader *r, size_t max, const uint8_t **b, size_t *len);
/* A bin of exactly `len` bytes (keys, hashes, signatures). */
int hln_mp_get_bin_exact(hln_mp_reader *r, size_t len, const uint8_t **b);
/* Array and map headers, at most `max` entries. A count larger than the
 * bytes left could hold (1 byte per element, 2 per map entry) is refused. */
int hln_mp_get_array(hln_mp_reader *r, uint32_t max, uint32_t *n);
int hln_mp_get_map(hln_mp_reader *r, uint32_t max, uint32_t *n);
/* The key of map entry number `want` in a map whose keys are exactly
 * 0..nkeys-1 in ascending order. Refuses a smaller or repeated key ("map keys
 * not ascending"), a key >= nkeys ("unknown map key"), a gap ("missing map
 * key") and a key that is not an unsigned integer. */
int hln_mp_get_key(hln_mp_reader *r, uint64_t want, uint64_t nkeys);
/* 0 if every byte has been read, HLN_EDECODE ("trailing bytes") otherwise. */
int hln_mp_finish(hln_mp_reader *r);

#endif
