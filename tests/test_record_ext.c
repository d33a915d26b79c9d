/* test_record_ext.c - the optional body keys of issue 14: a dsr indicator's standard and
 * weights (keys 10, 11) and an observation's extra statistics (key 7). Records without
 * them encode exactly as before (tests/vectors/records.txt is unchanged). */
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
        cmocka_unit_test(an_isr_indicator_carries_its_reference),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
