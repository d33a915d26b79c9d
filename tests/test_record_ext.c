/* test_record_ext.c - the optional body keys of issue 14: a dsr indicator's standard and
 * weights (keys 10, 11) and an observation's extra statistics (key 7); of issue 17: a
 * rotation's successor and closed feeds (revoke keys 3, 4). Records without them encode
 * exactly as before (tests/vectors/records.txt is unchanged). */
/* cmocka needs these headers first, in this order */
/* clang-format off */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
/* clang-format on */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"
#include "crypto/err.h"
#include "node/dsr.h"
#include "proto/mp.h"
#include "proto/record.h"

static hln_record rec, back;
static char err[160];

static hln_identity *ident(uint8_t b)
{
    uint8_t seed[32];
    memset(seed, b, sizeof seed);
    hln_identity *id = hln_identity_from_seed(seed);
    assert_non_null(id);
    return id;
}

static void dsr_indicator(hln_record *r, hln_identity *id)
{
    hln_record_init(r, HLN_REC_INDICATOR, hln_identity_pk(id), "GB", 1, NULL, 1700000000000ull);
    hln_indicator *d = &r->body.indicator;
    strcpy(d->code, "phof.mortality-cvd");
    d->version = 1;
    strcpy(d->title, "Mortality from cardiovascular disease, under 75");
    d->domain = HLN_DOMAIN_OUTCOME;
    d->kind = HLN_KIND_DSR;
    d->multiplier = 100000;
    d->direction = HLN_DIR_LOWER;
    strcpy(d->standard, "esp2013");
    /* the record's strata are in byte order; weights follow them */
    const char *order[HLN_DSR_ESP2013_BANDS];
    for (int i = 0; i < HLN_DSR_ESP2013_BANDS; i++)
        order[i] = hln_dsr_esp2013_strata[i];
    for (int i = 0; i < HLN_DSR_ESP2013_BANDS; i++)
        for (int j = i + 1; j < HLN_DSR_ESP2013_BANDS; j++)
            if (strcmp(order[j], order[i]) < 0) {
                const char *t = order[i];
                order[i] = order[j], order[j] = t;
            }
    d->n_strata = HLN_DSR_ESP2013_BANDS;
    for (int i = 0; i < HLN_DSR_ESP2013_BANDS; i++) {
        strcpy(d->strata[i], order[i]);
        for (int k = 0; k < HLN_DSR_ESP2013_BANDS; k++)
            if (!strcmp(hln_dsr_esp2013_strata[k], order[i]))
                d->weights[i] = hln_dsr_esp2013[k];
    }
}

/* HLN_WRITE_SEEDS=DIR writes each record round-tripped here into DIR (the
 * seeds of tests/fuzz/corpus/fuzz_record/ with the new keys). */
static void write_seed(const hln_record *r)
{
    const char *dir = getenv("HLN_WRITE_SEEDS");
    static int n;
    if (!dir)
        return;
    char path[512];
    snprintf(path, sizeof path, "%s/issue14-%d", dir, n++);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(r->raw, 1, r->raw_len, f), r->raw_len);
    fclose(f);
}

static void round_trip(hln_identity *id)
{
    assert_int_equal(hln_record_seal(&rec, id, err, sizeof err), 0);
    assert_int_equal(hln_record_decode(rec.raw, rec.raw_len, &back, err, sizeof err), 0);
    assert_int_equal(hln_record_verify(&back), 0);
    assert_int_equal(back.raw_len, rec.raw_len);
    assert_memory_equal(back.raw, rec.raw, rec.raw_len);
    write_seed(&rec);
}

static void a_dsr_indicator_carries_its_standard(void **state)
{
    (void)state;
    hln_identity *id = ident(5);
    dsr_indicator(&rec, id);
    round_trip(id);
    const hln_indicator *d = &back.body.indicator;
    assert_int_equal(d->kind, HLN_KIND_DSR);
    assert_string_equal(d->standard, "esp2013");
    assert_int_equal(d->n_strata, 19);
    assert_string_equal(d->strata[0], "age=0-4");
    assert_int_equal(d->weights[0], 5000);
    assert_string_equal(d->strata[18], "age=90-plus");
    assert_int_equal(d->weights[18], 1000);
    /* a dsr without a standard, a band without weight, a proportion with one */
    dsr_indicator(&rec, id);
    rec.body.indicator.standard[0] = '\0';
    assert_int_equal(hln_record_seal(&rec, id, err, sizeof err), HLN_EINVAL);
    assert_string_equal(err, "indicator.standard: a dsr names its standard population");
    dsr_indicator(&rec, id);
    rec.body.indicator.weights[3] = 0;
    assert_int_equal(hln_record_seal(&rec, id, err, sizeof err), HLN_EINVAL);
    dsr_indicator(&rec, id);
    rec.body.indicator.kind = HLN_KIND_RATE;
    assert_int_equal(hln_record_seal(&rec, id, err, sizeof err), HLN_EINVAL);
    /* the bytes of a dsr indicator relabelled as a rate do not decode */
    dsr_indicator(&rec, id);
    assert_int_equal(hln_record_seal(&rec, id, err, sizeof err), 0);
    size_t at = 0;
    for (size_t i = rec.body_off; i + 1 < rec.body_off + rec.body_len; i++)
        if (rec.raw[i] == 0x04 && rec.raw[i + 1] == HLN_KIND_DSR) {
            at = i + 1;
            break;
        }
    assert_true(at > 0);
    rec.raw[at] = HLN_KIND_RATE;
    assert_int_not_equal(hln_record_decode(rec.raw, rec.raw_len, &back, err, sizeof err), 0);
    hln_identity_destroy(&id);
}

static void an_observation_carries_extra_statistics(void **state)
{
    (void)state;
    hln_identity *id = ident(6);
    hln_record_init(&rec, HLN_REC_OBSERVATION, hln_identity_pk(id), "GB", 1, NULL,
                    1700000000000ull);
    hln_observation *o = &rec.body.observation;
    strcpy(o->indicator, "phof.mortality-cvd");
    strcpy(o->period, "2025");
    strcpy(o->unit, "e06000001");
    o->numerator = 895;
    o->denominator = 8970;
    /* without extra: 7 keys, as every record before */
    assert_int_equal(hln_record_seal(&rec, id, err, sizeof err), 0);
    assert_int_equal(rec.raw[rec.body_off], 0x87);
    double dsr = 0.10430247991469423, var = 1.4e-5;
    o->n_extra = 2;
    memcpy(&o->extra[0], &dsr, 8);
    memcpy(&o->extra[1], &var, 8);
    round_trip(id);
    assert_int_equal(back.raw[back.body_off], 0x88);
    assert_int_equal(back.body.observation.n_extra, 2);
    double got;
    memcpy(&got, &back.body.observation.extra[0], 8);
    assert_true(got == dsr);
    /* a suppressed observation carries no statistics */
    hln_record_init(&rec, HLN_REC_OBSERVATION, hln_identity_pk(id), "GB", 1, NULL,
                    1700000000000ull);
    o = &rec.body.observation;
    strcpy(o->indicator, "phof.mortality-cvd");
    strcpy(o->period, "2025");
    o->suppressed = true;
    o->n_extra = 1;
    o->extra[0] = 1;
    assert_int_equal(hln_record_seal(&rec, id, err, sizeof err), HLN_EINVAL);
    assert_string_equal(err, "observation.extra: no statistics when suppressed");
    o->suppressed = false;
    o->n_extra = 5;
    assert_int_not_equal(hln_record_seal(&rec, id, err, sizeof err), 0);
    assert_string_equal(err, "observation.extra: too many extra statistics");
    hln_identity_destroy(&id);
}

/* A rotation: subject 7's key rotated to 8's, feeds CA and CA-ON kept. */
static void rotation(hln_record *r, hln_identity *author)
{
    hln_identity *a = ident(7), *b = ident(8);
    hln_record_init(r, HLN_REC_REVOKE, hln_identity_pk(author), "CA", 3, (uint8_t[HLN_HASH_LEN]){1},
                    1700000000000ull);
    hln_revoke *v = &r->body.revoke;
    memcpy(v->subject, hln_identity_pk(a), HLN_KEY_LEN);
    v->from_ms = 1700000000000ull;
    strcpy(v->reason, "disk died");
    v->rotate = true;
    memcpy(v->successor, hln_identity_pk(b), HLN_KEY_LEN);
    v->n_closes = 2;
    strcpy(v->closes[0].scope, "CA");
    v->closes[0].seq = 41;
    strcpy(v->closes[1].scope, "CA-ON");
    v->closes[1].seq = 0;
    hln_identity_destroy(&a);
    hln_identity_destroy(&b);
}

/* Decode `body` (msgpack) as the body of a revoke record behind a valid
 * envelope whose hash and length match, as the fuzzer's body mode does. */
static int decode_revoke_body(const uint8_t *body, size_t len)
{
    static const uint8_t author[HLN_KEY_LEN] = {1}, sig[HLN_SIG_LEN] = {0};
    uint8_t env[HLN_ENV_MAX], h[HLN_HASH_LEN], out[HLN_RECORD_MAX];
    hln_hash(body, len, h);
    hln_mp_writer w;
    hln_mp_writer_init(&w, env, sizeof env);
    hln_mp_put_map(&w, 9);
    hln_mp_put_uint(&w, 0), hln_mp_put_uint(&w, HLN_FORMAT_VERSION);
    hln_mp_put_uint(&w, 1), hln_mp_put_uint(&w, HLN_REC_REVOKE);
    hln_mp_put_uint(&w, 2), hln_mp_put_bin(&w, author, sizeof author);
    hln_mp_put_uint(&w, 3), hln_mp_put_cstr(&w, "CA");
    hln_mp_put_uint(&w, 4), hln_mp_put_uint(&w, 1);
    hln_mp_put_uint(&w, 5), hln_mp_put_nil(&w);
    hln_mp_put_uint(&w, 6), hln_mp_put_uint(&w, 0);
    hln_mp_put_uint(&w, 7), hln_mp_put_bin(&w, h, sizeof h);
    hln_mp_put_uint(&w, 8), hln_mp_put_uint(&w, len);
    size_t el = w.len;
    hln_mp_writer_init(&w, out, sizeof out);
    hln_mp_put_array(&w, 3);
    hln_mp_put_bin(&w, env, el);
    hln_mp_put_bin(&w, sig, sizeof sig);
    hln_mp_put_bin(&w, body, len);
    assert_int_equal(hln_mp_writer_status(&w), 0);
    return hln_record_decode(out, w.len, &back, err, sizeof err);
}

/* A rotation body whose keys 3 and 4 are written by `tail` (NULL: left out). */
static int decode_rotation(uint32_t nkeys, const uint8_t successor[HLN_KEY_LEN],
                           void (*tail)(hln_mp_writer *w))
{
    uint8_t body[HLN_BODY_MAX], subject[HLN_KEY_LEN];
    memset(subject, 7, sizeof subject);
    hln_mp_writer w;
    hln_mp_writer_init(&w, body, sizeof body);
    hln_mp_put_map(&w, nkeys);
    hln_mp_put_uint(&w, 0), hln_mp_put_bin(&w, subject, HLN_KEY_LEN);
    hln_mp_put_uint(&w, 1), hln_mp_put_uint(&w, 5);
    hln_mp_put_uint(&w, 2), hln_mp_put_cstr(&w, "r");
    if (nkeys > 3)
        hln_mp_put_uint(&w, 3), hln_mp_put_bin(&w, successor ? successor : subject, HLN_KEY_LEN);
    if (tail)
        tail(&w);
    assert_int_equal(hln_mp_writer_status(&w), 0);
    return decode_revoke_body(body, w.len);
}

static void closes_ok(hln_mp_writer *w)
{
    hln_mp_put_uint(w, 4), hln_mp_put_array(w, 1);
    hln_mp_put_array(w, 2), hln_mp_put_cstr(w, "CA"), hln_mp_put_uint(w, 3);
}
static void closes_short_pair(hln_mp_writer *w)
{
    hln_mp_put_uint(w, 4), hln_mp_put_array(w, 1);
    hln_mp_put_array(w, 1), hln_mp_put_cstr(w, "CA");
}
static void closes_bad_scope(hln_mp_writer *w)
{
    hln_mp_put_uint(w, 4), hln_mp_put_array(w, 1);
    hln_mp_put_array(w, 2), hln_mp_put_cstr(w, "ca!"), hln_mp_put_uint(w, 3);
}
static void closes_descending(hln_mp_writer *w)
{
    hln_mp_put_uint(w, 4), hln_mp_put_array(w, 2);
    hln_mp_put_array(w, 2), hln_mp_put_cstr(w, "CA-ON"), hln_mp_put_uint(w, 3);
    hln_mp_put_array(w, 2), hln_mp_put_cstr(w, "CA"), hln_mp_put_uint(w, 3);
}
static void closes_too_many(hln_mp_writer *w)
{
    hln_mp_put_uint(w, 4), hln_mp_put_array(w, HLN_ROTATE_CLOSES_MAX + 1);
    for (int i = 0; i <= HLN_ROTATE_CLOSES_MAX; i++)
        hln_mp_put_array(w, 2), hln_mp_put_cstr(w, "CA"), hln_mp_put_uint(w, 3);
}
static void closes_seq_not_a_number(hln_mp_writer *w)
{
    hln_mp_put_uint(w, 4), hln_mp_put_array(w, 1);
    hln_mp_put_array(w, 2), hln_mp_put_cstr(w, "CA"), hln_mp_put_cstr(w, "3");
}

static void a_rotation_names_its_successor_and_the_feeds_it_closes(void **state)
{
    (void)state;
    hln_identity *id = ident(9);
    rotation(&rec, id);
    round_trip(id);
    assert_int_equal(back.raw[back.body_off], 0x85);
    const hln_revoke *v = &back.body.revoke;
    assert_true(v->rotate);
    assert_int_equal(v->n_closes, 2);
    assert_string_equal(v->closes[1].scope, "CA-ON");
    assert_int_equal(v->closes[0].seq, 41);
    assert_memory_equal(v->successor, rec.body.revoke.successor, HLN_KEY_LEN);
    /* a plain revocation keeps its three keys */
    rec.body.revoke.rotate = false;
    rec.body.revoke.n_closes = 0;
    memset(rec.body.revoke.successor, 0, HLN_KEY_LEN);
    round_trip(id);
    assert_int_equal(back.raw[back.body_off], 0x83);
    assert_false(back.body.revoke.rotate);

    /* seal refuses what decode refuses */
    rotation(&rec, id);
    memcpy(rec.body.revoke.successor, rec.body.revoke.subject, HLN_KEY_LEN);
    assert_int_equal(hln_record_seal(&rec, id, err, sizeof err), HLN_EINVAL);
    assert_string_equal(err, "revoke.successor: is the subject itself");
    rotation(&rec, id);
    strcpy(rec.body.revoke.closes[1].scope, "CA");
    assert_int_equal(hln_record_seal(&rec, id, err, sizeof err), HLN_EINVAL);
    assert_string_equal(err, "revoke.closes: scopes not strictly ascending");
    rotation(&rec, id);
    rec.body.revoke.rotate = false;
    assert_int_equal(hln_record_seal(&rec, id, err, sizeof err), HLN_EINVAL);
    assert_string_equal(err, "revoke.successor: only a rotation has a successor");
    hln_identity_destroy(&id);
}

static void malformed_rotations_do_not_decode(void **state)
{
    (void)state;
    uint8_t succ[HLN_KEY_LEN];
    memset(succ, 8, sizeof succ);
    assert_int_equal(decode_rotation(5, succ, closes_ok), 0);
    assert_true(back.body.revoke.rotate);
    assert_int_equal(back.body.revoke.closes[0].seq, 3);
    assert_int_equal(decode_rotation(4, succ, NULL), HLN_EDECODE); /* no closes */
    assert_string_equal(err, "revoke: missing map key");
    assert_int_equal(decode_rotation(5, NULL, closes_ok), HLN_EDECODE);
    assert_string_equal(err, "revoke.successor: is the subject itself");
    assert_int_equal(decode_rotation(5, succ, closes_short_pair), HLN_EDECODE);
    assert_string_equal(err, "revoke.closes: not a [scope, seq] pair");
    assert_int_equal(decode_rotation(5, succ, closes_bad_scope), HLN_EDECODE);
    assert_non_null(strstr(err, "closes.scope"));
    assert_int_equal(decode_rotation(5, succ, closes_descending), HLN_EDECODE);
    assert_string_equal(err, "revoke.closes: scopes not strictly ascending");
    assert_int_not_equal(decode_rotation(5, succ, closes_too_many), 0);
    assert_non_null(strstr(err, "closes"));
    assert_int_not_equal(decode_rotation(5, succ, closes_seq_not_a_number), 0);
    assert_non_null(strstr(err, "closes.seq"));
    assert_int_equal(decode_rotation(6, succ, closes_ok), HLN_EDECODE);
}


/* An isr indicator: the reference's events and population per band (keys
 * 10, 11, 12), here PHEindicatormethods' testdata_multiarea_isr reference,
 * first three bands. */
static void isr_indicator(hln_record *r, hln_identity *id)
{
    hln_record_init(r, HLN_REC_INDICATOR, hln_identity_pk(id), "GB", 1, NULL, 1700000000000ull);
    hln_indicator *d = &r->body.indicator;
    strcpy(d->code, "phof.smr-all");
    d->version = 1;
    strcpy(d->title, "Standardised mortality ratio");
    d->domain = HLN_DOMAIN_OUTCOME;
    d->kind = HLN_KIND_ISR;
    d->multiplier = 100;
    d->direction = HLN_DIR_LOWER;
    strcpy(d->standard, "england-2023");
    const char *bands[3] = {"age=0-4", "age=10-14", "age=5-9"}; /* byte order */
    const uint64_t ev[3] = {10303, 0, 2824}, pop[3] = {50520, 60213, 57173};
    d->n_strata = 3;
    for (int i = 0; i < 3; i++) {
        strcpy(d->strata[i], bands[i]);
        d->ref_events[i] = ev[i];
        d->ref_pop[i] = pop[i];
    }
}

static void an_isr_indicator_carries_its_reference(void **state)
{
    (void)state;
    hln_identity *id = ident(7);
    isr_indicator(&rec, id);
    round_trip(id);
    const hln_indicator *d = &back.body.indicator;
    assert_int_equal(d->kind, HLN_KIND_ISR);
    assert_string_equal(d->standard, "england-2023");
    assert_int_equal(d->n_strata, 3);
    assert_int_equal(d->ref_events[0], 10303);
    assert_int_equal(d->ref_pop[1], 60213);
    assert_int_equal(d->ref_events[2], 2824);
    assert_int_equal(back.raw[back.body_off], 0x8d); /* 10 keys + 3 */
    /* refused: no reference name, a band without population, a reference on a rate,
     * weights on an isr */
    isr_indicator(&rec, id);
    rec.body.indicator.standard[0] = '\0';
    assert_int_equal(hln_record_seal(&rec, id, err, sizeof err), HLN_EINVAL);
    assert_string_equal(err, "indicator.standard: an isr names its reference");
    isr_indicator(&rec, id);
    rec.body.indicator.ref_pop[2] = 0;
    assert_int_equal(hln_record_seal(&rec, id, err, sizeof err), HLN_EINVAL);
    assert_string_equal(err, "indicator.reference: a band of the reference has no population (or "
                             "over 2^53 - 1)");
    isr_indicator(&rec, id);
    rec.body.indicator.kind = HLN_KIND_RATE;
    assert_int_equal(hln_record_seal(&rec, id, err, sizeof err), HLN_EINVAL);
    assert_string_equal(err, "indicator.reference: only an isr has a reference");
    isr_indicator(&rec, id);
    rec.body.indicator.weights[0] = 5;
    assert_int_equal(hln_record_seal(&rec, id, err, sizeof err), HLN_EINVAL);
    /* the bytes of an isr relabelled as a dsr (or as kind 5) do not decode */
    for (uint8_t k = HLN_KIND_DSR; k <= 5; k += 3) {
        isr_indicator(&rec, id);
        assert_int_equal(hln_record_seal(&rec, id, err, sizeof err), 0);
        size_t at = 0;
        for (size_t i = rec.body_off; i + 1 < rec.body_off + rec.body_len; i++)
            if (rec.raw[i] == 0x04 && rec.raw[i + 1] == HLN_KIND_ISR) {
                at = i + 1;
                break;
            }
        assert_true(at > 0);
        rec.raw[at] = k;
        assert_int_not_equal(hln_record_decode(rec.raw, rec.raw_len, &back, err, sizeof err), 0);
    }
    hln_identity_destroy(&id);
}

int main(void)
{
    if (hln_crypto_init())
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_dsr_indicator_carries_its_standard),
        cmocka_unit_test(an_observation_carries_extra_statistics),
        cmocka_unit_test(a_rotation_names_its_successor_and_the_feeds_it_closes),
        cmocka_unit_test(malformed_rotations_do_not_decode),

        cmocka_unit_test(an_isr_indicator_carries_its_reference),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
