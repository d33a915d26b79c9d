/* fuzz_record.c - libFuzzer target: the strict record decoder on arbitrary bytes; what it accepts must round-trip. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"
#include "crypto/err.h"
#include "proto/mp.h"
#include "proto/record.h"

/* Records are large (raw is inline): static, not on the fuzzer's stack. */
static hln_record r, again, erased, stored;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Body mode: most mutated bodies would stop at the body hash, so wrap the
 * bytes in a valid envelope of type (1 + data[0] % HLN_REC_LAST) whose hash and length
 * match, and decode that: the body decoder's acceptance paths get fuzzed. */
static size_t wrap_body(const uint8_t *data, size_t size, uint8_t *out, size_t cap)
{
    static const uint8_t author[HLN_KEY_LEN] = {1};
    static const uint8_t sig[HLN_SIG_LEN] = {0};
    uint8_t env[HLN_ENV_MAX], h[HLN_HASH_LEN];
    hln_hash(data + 1, size - 1, h);
    hln_mp_writer w;
    hln_mp_writer_init(&w, env, sizeof env);
    hln_mp_put_map(&w, 9);
    hln_mp_put_uint(&w, 0), hln_mp_put_uint(&w, HLN_FORMAT_VERSION);
    hln_mp_put_uint(&w, 1), hln_mp_put_uint(&w, 1u + data[0] % (unsigned)HLN_REC_LAST);
    hln_mp_put_uint(&w, 2), hln_mp_put_bin(&w, author, sizeof author);
    hln_mp_put_uint(&w, 3), hln_mp_put_cstr(&w, "CA");
    hln_mp_put_uint(&w, 4), hln_mp_put_uint(&w, 1);
    hln_mp_put_uint(&w, 5), hln_mp_put_nil(&w);
    hln_mp_put_uint(&w, 6), hln_mp_put_uint(&w, 0);
    hln_mp_put_uint(&w, 7), hln_mp_put_bin(&w, h, sizeof h);
    hln_mp_put_uint(&w, 8), hln_mp_put_uint(&w, size - 1);
    size_t el = w.len;
    hln_mp_writer_init(&w, out, cap);
    hln_mp_put_array(&w, 3);
    hln_mp_put_bin(&w, env, el);
    hln_mp_put_bin(&w, sig, sizeof sig);
    hln_mp_put_bin(&w, data + 1, size - 1);
    return hln_mp_writer_status(&w) ? 0 : w.len;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t wrapped[HLN_RECORD_MAX + 512];
    char err[256];
    /* A transport record starts with 0x93 (array of 3); anything else is a body. */
    if (size > 1 && size <= HLN_BODY_MAX + 1 && data[0] != 0x93) {
        size = wrap_body(data, size, wrapped, sizeof wrapped);
        if (size == 0)
            return 0;
        data = wrapped;
    }
    uint32_t peeked = 0;
    int peek = hln_record_peek_type(data, size, &peeked);
    if (peek != 0 && peek != HLN_EDECODE)
        abort();
    int rc = hln_record_decode(data, size, &r, err, sizeof err);
    /* What the decoder accepts, the peek reads alike (the store's typed walk relies on it). */
    if (rc == 0 && (peek != 0 || peeked != r.env.type))
        abort();
    /* The store's decode of its own copies (no hashes, the id given) judges
     * everything else alike: it accepts what the decoder accepts, with the
     * same fields, and refuses what it refuses but for the hashes. */
    static const uint8_t given[HLN_HASH_LEN] = {7};
    int src = hln_record_decode_stored(data, size, rc == 0 ? r.id : given, &stored, NULL, 0);
    if (rc == 0 && (src != 0 || memcmp(&stored.env, &r.env, sizeof r.env) != 0 ||
                    memcmp(stored.id, r.id, HLN_HASH_LEN) != 0 || stored.raw_len != r.raw_len))
        abort();
    if (rc != 0 && rc != HLN_EHASH && src != rc)
        abort();
    if (rc == HLN_EHASH && (src != 0 || memcmp(stored.id, given, HLN_HASH_LEN) != 0))
        abort();
    if (rc) {
        /* Refusals come with a known code and a message naming a part. */
        if (rc != HLN_EDECODE && rc != HLN_ETOOBIG && rc != HLN_EVERSION && rc != HLN_EHASH)
            abort();
        if (err[0] == '\0')
            abort();
        return 0;
    }
    /* Accepted bytes are canonical: the fields encode back to exactly them. */
    again = r;
    memset(again.raw, 0, sizeof again.raw);
    if (hln_record_encode(&again, err, sizeof err) != 0)
        abort();
    if (again.raw_len != size || memcmp(again.raw, data, size) != 0)
        abort();
    if (memcmp(again.id, r.id, HLN_HASH_LEN) != 0)
        abort();
    /* Erasing keeps the envelope, id and signature, and decodes again. */
    erased = r;
    hln_record_erase_body(&erased);
    if (hln_record_decode(erased.raw, erased.raw_len, &again, err, sizeof err) != 0)
        abort();
    if (again.has_body || memcmp(again.id, r.id, HLN_HASH_LEN) != 0
        || memcmp(&again.env, &r.env, sizeof r.env) != 0
        || memcmp(again.sig, r.sig, HLN_SIG_LEN) != 0)
        abort();
    /* Verification must not crash on any accepted record (it almost always fails). */
    (void)hln_record_verify(&r);
    char summary[160];
    hln_record_summary(&r, summary, sizeof summary);
    return 0;
}
