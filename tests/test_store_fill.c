/* test_store_fill.c - hln_store_append_fill: records made inside the transaction, one buffer, all or nothing. */
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
#include "proto/record.h"
#include "store/store.h"

static char tmpdir[64];
static char dbdir[128];

static int setup(void **state)
{
    (void)state;
    strcpy(tmpdir, "/tmp/hln-test-store-fill-XXXXXX");
    if (!mkdtemp(tmpdir))
        return -1;
    snprintf(dbdir, sizeof dbdir, "%s/db", tmpdir);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", tmpdir);
    return system(cmd);
}

typedef struct {
    hln_identity *id;
    uint8_t prev[HLN_HASH_LEN];
    size_t fail_at; /* (size_t)-1: never */
    size_t calls;
} maker;

static int make(void *ctx, size_t i, hln_record *r)
{
    maker *m = ctx;
    m->calls++;
    if (i == m->fail_at)
        return HLN_EINVAL;
    hln_record_init(r, HLN_REC_OBSERVATION, hln_identity_pk(m->id), "CA", i + 1, i ? m->prev : NULL,
                    1780000000000ull + i);
    hln_observation *o = &r->body.observation;
    snprintf(o->indicator, sizeof o->indicator, "t.ind");
    snprintf(o->period, sizeof o->period, "2026-01");
    snprintf(o->unit, sizeof o->unit, "u%zu", i);
    o->numerator = i;
    o->denominator = 1000;
    char err[128] = "";
    int rc = hln_record_seal(r, m->id, err, sizeof err);
    if (rc == 0)
        memcpy(m->prev, r->id, HLN_HASH_LEN);
    return rc;
}

static void a_fill_error_writes_nothing_and_comes_back(void **state)
{
    (void)state;
    uint8_t seed[32] = {9};
    maker m = {hln_identity_from_seed(seed), {0}, 700, 0};
    hln_store *s = NULL;
    uint64_t feeds = 0, recs = 0;
    int *res = calloc(1000, sizeof *res);
    assert_int_equal(hln_store_open(dbdir, 0, &s), 0);
    assert_int_equal(hln_store_append_fill(s, 1000, make, &m, res), HLN_EINVAL);
    assert_int_equal(hln_store_counts(s, &feeds, &recs), 0);
    assert_int_equal(recs, 0);
    /* Now whole: 1,000 records, each continuing the one before. */
    m.fail_at = (size_t)-1;
    assert_int_equal(hln_store_append_fill(s, 1000, make, &m, res), 0);
    for (int i = 0; i < 1000; i++)
        assert_int_equal(res[i], 0);
    assert_int_equal(hln_store_counts(s, &feeds, &recs), 0);
    assert_int_equal(recs, 1000);
    assert_int_equal(feeds, 1);
    assert_int_equal(hln_store_verify(s, NULL, NULL), 0);
    /* The same records again: each is reported, as by a batch. */
    assert_int_equal(hln_store_append_fill(s, 3, make, &m, res), 0);
    assert_int_equal(res[0], HLN_EDUP);
    hln_store_close(&s);
    free(res);
    hln_identity_destroy(&m.id);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(a_fill_error_writes_nothing_and_comes_back, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
