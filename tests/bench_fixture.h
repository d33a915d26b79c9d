/* bench_fixture.h - signed observations in a real store, for the analyst tests
 * (test_periods.c, test_equity.c, test_dsr.c). Include after cmocka.h. */
#ifndef HLN_TESTS_BENCH_FIXTURE_H
#define HLN_TESTS_BENCH_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"
#include "crypto/err.h"
#include "proto/record.h"
#include "store/store.h"
#include "node/bench.h"

typedef struct {
    hln_identity *id;
    char scope[HLN_SCOPE_MAX + 1];
    uint64_t seq;
    uint8_t prev[HLN_HASH_LEN];
} fx_feed;

static char fx_tmpdir[64];
static int fx_dirs;

static inline void fx_feed_open(fx_feed *f, uint8_t seed_byte, const char *scope)
{
    uint8_t seed[32];
    memset(seed, seed_byte, sizeof seed);
    f->id = hln_identity_from_seed(seed);
    assert_non_null(f->id);
    snprintf(f->scope, sizeof f->scope, "%s", scope);
    f->seq = 0;
}

static inline void fx_append(hln_store *s, fx_feed *f, hln_record *r)
{
    char err[128] = "";
    if (hln_record_seal(r, f->id, err, sizeof err) != 0)
        fail_msg("seal: %s", err);
    assert_int_equal(hln_store_append(s, r), 0);
    memcpy(f->prev, r->id, HLN_HASH_LEN);
}

/* An observation with extra statistics (a mean's sum of squares, a dsr's
 * DSR and variance bits); n_extra 0 is a plain one. */
static inline void fx_obs_extra(hln_store *s, fx_feed *f, const char *ind, const char *period,
                                const char *unit, const char *stratum, uint64_t x, uint64_t n,
                                uint32_t n_extra, const uint64_t *extra, uint8_t *id)
{
    hln_record r;
    f->seq++;
    hln_record_init(&r, HLN_REC_OBSERVATION, hln_identity_pk(f->id), f->scope, f->seq,
                    f->seq > 1 ? f->prev : NULL, 1700000000000ull + f->seq * 1000);
    hln_observation *o = &r.body.observation;
    snprintf(o->indicator, sizeof o->indicator, "%s", ind);
    snprintf(o->period, sizeof o->period, "%s", period);
    snprintf(o->unit, sizeof o->unit, "%s", unit);
    snprintf(o->stratum, sizeof o->stratum, "%s", stratum);
    o->numerator = x;
    o->denominator = n;
    o->n_extra = n_extra;
    for (uint32_t i = 0; i < n_extra; i++)
        o->extra[i] = extra[i];
    fx_append(s, f, &r);
    if (id)
        memcpy(id, r.id, HLN_HASH_LEN);
}

static inline void fx_obs(hln_store *s, fx_feed *f, const char *ind, const char *period,
                   const char *unit, const char *stratum, uint64_t x, uint64_t n,
                   bool suppressed, uint8_t *id)
{
    hln_record r;
    f->seq++;
    hln_record_init(&r, HLN_REC_OBSERVATION, hln_identity_pk(f->id), f->scope, f->seq,
                    f->seq > 1 ? f->prev : NULL, 1700000000000ull + f->seq * 1000);
    hln_observation *o = &r.body.observation;
    snprintf(o->indicator, sizeof o->indicator, "%s", ind);
    snprintf(o->period, sizeof o->period, "%s", period);
    snprintf(o->unit, sizeof o->unit, "%s", unit);
    snprintf(o->stratum, sizeof o->stratum, "%s", stratum);
    o->numerator = x;
    o->denominator = n;
    o->suppressed = suppressed;
    fx_append(s, f, &r);
    if (id)
        memcpy(id, r.id, HLN_HASH_LEN);
}

static inline void fx_retract(hln_store *s, fx_feed *f, const uint8_t *target)
{
    hln_record r;
    f->seq++;
    hln_record_init(&r, HLN_REC_RETRACT, hln_identity_pk(f->id), f->scope, f->seq, f->prev,
                    1700000000000ull + f->seq * 1000);
    memcpy(r.body.retract.target, target, HLN_HASH_LEN);
    snprintf(r.body.retract.reason, sizeof r.body.retract.reason, "corrected");
    fx_append(s, f, &r);
}

static inline hln_store *fx_new_store(void)
{
    char dir[128], cmd[160];
    snprintf(dir, sizeof dir, "%s/s%d", fx_tmpdir, fx_dirs++);
    snprintf(cmd, sizeof cmd, "mkdir -p %s", dir);
    assert_int_equal(system(cmd), 0);
    hln_store *s = NULL;
    assert_int_equal(hln_store_open(dir, 0, &s), 0);
    return s;
}

static inline hln_indicator fx_indicator(const char *code, uint32_t kind, uint32_t mult, uint32_t dir)
{
    hln_indicator d;
    memset(&d, 0, sizeof d);
    snprintf(d.code, sizeof d.code, "%s", code);
    d.kind = kind, d.multiplier = mult, d.direction = dir;
    return d;
}

static inline int fx_setup(void **state)
{
    (void)state;
    if (hln_crypto_init())
        return -1;
    strcpy(fx_tmpdir, "/tmp/hln-test-fx-XXXXXX");
    return mkdtemp(fx_tmpdir) ? 0 : -1;
}

static inline int fx_teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", fx_tmpdir);
    return system(cmd);
}

/* A result's JSON as a string the caller frees. */
static inline char *fx_json(const hln_bench_result *r)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *mf = open_memstream(&buf, &len);
    assert_int_equal(hln_bench_write_json(r, mf), 0);
    fclose(mf);
    return buf;
}

#endif
