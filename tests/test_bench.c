/* test_bench.c - benchmark queries over a real store of sealed observation records. */
/* cmocka needs these headers first, in this order */
/* clang-format off */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
/* clang-format on */

#include <json-c/json.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"
#include "crypto/err.h"
#include "node/bench.h"
#include "node/stats.h"
#include "proto/record.h"
#include "store/store.h"

#define IND "mhpc.depression-screening"
#define RATE_IND "mhpc.inpatient-falls"

/* One author's feed: identity, scope, and the chain so far. */
typedef struct {
    hln_identity *id;
    char scope[HLN_SCOPE_MAX + 1];
    uint64_t seq;
    uint8_t prev[HLN_HASH_LEN];
} feed;

static char tmpdir[64];
static int dirs;

static void feed_open(feed *f, uint8_t seed_byte, const char *scope)
{
    uint8_t seed[32];
    memset(seed, seed_byte, sizeof seed);
    f->id = hln_identity_from_seed(seed);
    assert_non_null(f->id);
    snprintf(f->scope, sizeof f->scope, "%s", scope);
    f->seq = 0;
}

static void append(hln_store *s, feed *f, hln_record *r)
{
    char err[128] = "";
    if (hln_record_seal(r, f->id, err, sizeof err) != 0)
        fail_msg("seal: %s", err);
    assert_int_equal(hln_store_append(s, r), 0);
    memcpy(f->prev, r->id, HLN_HASH_LEN);
}

/* Publish an observation; returns its id in `id` (may be NULL). */
static void obs(hln_store *s, feed *f, const char *ind, const char *period, const char *unit,
                const char *stratum, uint64_t x, uint64_t n, bool suppressed, uint8_t *id)
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
    append(s, f, &r);
    if (id)
        memcpy(id, r.id, HLN_HASH_LEN);
}

static void retract(hln_store *s, feed *f, const uint8_t *target)
{
    hln_record r;
    f->seq++;
    hln_record_init(&r, HLN_REC_RETRACT, hln_identity_pk(f->id), f->scope, f->seq, f->prev,
                    1700000000000ull + f->seq * 1000);
    memcpy(r.body.retract.target, target, HLN_HASH_LEN);
    snprintf(r.body.retract.reason, sizeof r.body.retract.reason, "corrected");
    append(s, f, &r);
}

static hln_store *new_store(void)
{
    char dir[128];
    snprintf(dir, sizeof dir, "%s/s%d", tmpdir, dirs++);
    char cmd[160];
    snprintf(cmd, sizeof cmd, "mkdir -p %s", dir);
    assert_int_equal(system(cmd), 0);
    hln_store *s = NULL;
    assert_int_equal(hln_store_open(dir, 0, &s), 0);
    return s;
}

static hln_indicator indicator(const char *code, uint32_t kind, uint32_t mult, uint32_t dir,
                               uint32_t method)
{
    hln_indicator d;
    memset(&d, 0, sizeof d);
    snprintf(d.code, sizeof d.code, "%s", code);
    d.kind = kind, d.multiplier = mult, d.direction = dir, d.method = method;
    return d;
}

static int setup(void **state)
{
    (void)state;
    if (hln_crypto_init())
        return -1;
    strcpy(tmpdir, "/tmp/hln-test-bench-XXXXXX");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", tmpdir);
    return system(cmd);
}

/* The 12 practices of tests/vectors (case screening-exact), spread over 3 authors. */
static const uint64_t SCREEN[12][2] = {{45, 120}, {88, 150}, {30, 95},   {140, 210},
                                       {61, 80},  {17, 60},  {205, 260}, {52, 131},
                                       {99, 140}, {12, 40},  {160, 300}, {73, 90}};

static void publish_screening(hln_store *s, feed *f, int reverse)
{
    for (int k = 0; k < 12; k++) {
        int i = reverse ? 11 - k : k;
        char unit[32];
        snprintf(unit, sizeof unit, "practice-%02d", i);
        obs(s, &f[i % 3], IND, "2026-Q3", unit, "", SCREEN[i][0], SCREEN[i][1], false, NULL);
    }
}

static void figures_equal_the_statistics_of_the_same_counts(void **state)
{
    (void)state;
    hln_store *s = new_store();
    feed f[3];
    for (int i = 0; i < 3; i++)
        feed_open(&f[i], (uint8_t)(i + 1), "CA-ON");
    publish_screening(s, f, 0);
    hln_indicator ind = indicator(IND, 0, 1, 0, 0);
    hln_bench_query q = {.indicator = &ind, .period = "2026-Q3", .method = -1};
    hln_bench_result *r = NULL;
    assert_int_equal(hln_bench_run(s, &q, &r), 0);
    assert_int_equal(r->n_units, 12);
    assert_true(r->has_stats);
    assert_int_equal(r->summary.sum_x, 982);
    assert_int_equal(r->summary.sum_n, 1676);
    /* scipy's figures (tests/vectors/bench_cases.txt, screening-exact) */
    assert_true(fabs(r->summary.theta0 - 982.0 / 1676.0) < 1e-15);
    assert_true(r->summary.overdispersed);
    assert_true(fabs(r->summary.tau2 - 0.02474463865553471) < 1e-9 * 0.0247);
    /* each unit's figures are those of stats on its own counts */
    hln_stats_unit su[12];
    for (size_t i = 0; i < 12; i++)
        su[i] = (hln_stats_unit){.x = r->units[i].s.x, .n = r->units[i].s.n};
    hln_stats_summary sum;
    hln_stats_spec spec = {0};
    assert_int_equal(hln_stats_analyse(&spec, su, 12, &sum), 0);
    for (size_t i = 0; i < 12; i++) {
        assert_true(su[i].limits.hi998 == r->units[i].s.limits.hi998);
        assert_int_equal(su[i].place_used, r->units[i].s.place_used);
    }
    assert_true(sum.abc == r->summary.abc);
    hln_bench_result_destroy(&r);
    assert_null(r);
    for (int i = 0; i < 3; i++)
        hln_identity_destroy(&f[i].id);
    hln_store_close(&s);
}

static void latest_non_retracted_observation_counts(void **state)
{
    (void)state;
    hln_store *s = new_store();
    feed a;
    feed_open(&a, 7, "CA");
    uint8_t v1[HLN_HASH_LEN], v2[HLN_HASH_LEN];
    obs(s, &a, IND, "2026-Q3", "north", "", 10, 100, false, v1);
    obs(s, &a, IND, "2026-Q3", "north", "", 20, 100, false, v2); /* a correction */
    obs(s, &a, IND, "2026-Q3", "south", "", 30, 60, false, NULL);
    hln_indicator ind = indicator(IND, 0, 1, 0, 0);
    hln_bench_query q = {.indicator = &ind, .period = "2026-Q3", .method = -1};
    hln_bench_result *r = NULL;
    assert_int_equal(hln_bench_run(s, &q, &r), 0);
    assert_int_equal(r->n_units, 2);
    assert_int_equal(r->n_superseded, 1);
    assert_string_equal(r->units[0].unit, "north");
    assert_int_equal(r->units[0].s.x, 20);
    assert_memory_equal(r->units[0].id, v2, HLN_HASH_LEN);
    uint8_t before[HLN_HASH_LEN];
    memcpy(before, r->digest, HLN_HASH_LEN);
    hln_bench_result_destroy(&r);

    /* withdrawing the correction brings back the first report */
    retract(s, &a, v2);
    assert_int_equal(hln_bench_run(s, &q, &r), 0);
    assert_int_equal(r->n_units, 2);
    assert_int_equal(r->n_retracted, 1);
    assert_int_equal(r->units[0].s.x, 10);
    assert_memory_equal(r->units[0].id, v1, HLN_HASH_LEN);
    assert_memory_not_equal(r->digest, before, HLN_HASH_LEN);
    hln_bench_result_destroy(&r);

    /* and withdrawing that too leaves only the south */
    retract(s, &a, v1);
    assert_int_equal(hln_bench_run(s, &q, &r), 0);
    assert_int_equal(r->n_units, 1);
    assert_string_equal(r->units[0].unit, "south");
    hln_bench_result_destroy(&r);
    hln_identity_destroy(&a.id);
    hln_store_close(&s);
}

static void suppressed_units_are_reported_not_counted(void **state)
{
    (void)state;
    hln_store *s = new_store();
    feed a;
    feed_open(&a, 8, "CA");
    obs(s, &a, IND, "2026-Q3", "small", "", 2, 4, false, NULL);
    uint8_t sid[HLN_HASH_LEN];
    obs(s, &a, IND, "2026-Q3", "small", "", 0, 0, true, sid); /* later: withheld */
    obs(s, &a, IND, "2026-Q3", "big", "", 40, 100, false, NULL);
    obs(s, &a, IND, "2026-Q3", "closed", "", 0, 0, false, NULL); /* no patients */
    hln_indicator ind = indicator(IND, 0, 1, 0, 0);
    hln_bench_query q = {.indicator = &ind, .period = "2026-Q3", .method = -1};
    hln_bench_result *r = NULL;
    assert_int_equal(hln_bench_run(s, &q, &r), 0);
    assert_int_equal(r->n_units, 1);
    assert_int_equal(r->n_suppressed, 1);
    assert_int_equal(r->n_empty, 1);
    assert_string_equal(r->suppressed[0].unit, "small");
    assert_memory_equal(r->suppressed[0].id, sid, HLN_HASH_LEN);
    assert_true(r->summary.theta0 == 0.4);
    hln_bench_result_destroy(&r);
    hln_identity_destroy(&a.id);
    hln_store_close(&s);
}

typedef struct {
    const uint8_t *pk;
} one_author;

static bool is_author(void *ctx, const uint8_t author[HLN_KEY_LEN])
{
    return memcmp(((one_author *)ctx)->pk, author, HLN_KEY_LEN) == 0;
}

static bool is_not_author(void *ctx, const uint8_t author[HLN_KEY_LEN])
{
    return !is_author(ctx, author);
}

static void group_and_flagged_authors_filter_the_evidence(void **state)
{
    (void)state;
    hln_store *s = new_store();
    feed f[3];
    for (int i = 0; i < 3; i++)
        feed_open(&f[i], (uint8_t)(i + 1), "CA-ON");
    publish_screening(s, f, 0);
    hln_indicator ind = indicator(IND, 0, 1, 0, 0);
    one_author flagged = {hln_identity_pk(f[1].id)};
    one_author member = {hln_identity_pk(f[0].id)};
    hln_bench_query q = {.indicator = &ind,
                         .period = "2026-Q3",
                         .method = -1,
                         .excluded = is_author,
                         .excluded_ctx = &flagged};
    hln_bench_result *r = NULL;
    assert_int_equal(hln_bench_run(s, &q, &r), 0);
    assert_int_equal(r->n_units, 8);
    assert_int_equal(r->n_excluded, 4);
    hln_bench_result_destroy(&r);
    /* a group holding only the first author */
    q.excluded = NULL;
    q.in_group = is_author, q.group_ctx = &member, q.group = "CA-ON";
    assert_int_equal(hln_bench_run(s, &q, &r), 0);
    assert_int_equal(r->n_units, 4);
    assert_int_equal(r->n_outside_group, 8);
    assert_string_equal(r->group, "CA-ON");
    hln_bench_result_destroy(&r);
    /* nobody in the group: no figures, still an answer and a digest */
    q.in_group = is_not_author, q.group_ctx = &member;
    q.excluded = is_not_author, q.excluded_ctx = &member;
    assert_int_equal(hln_bench_run(s, &q, &r), 0);
    assert_int_equal(r->n_units, 0);
    assert_false(r->has_stats);
    char *buf = NULL;
    size_t len = 0;
    FILE *mf = open_memstream(&buf, &len);
    assert_int_equal(hln_bench_write_json(r, mf), 0);
    assert_int_equal(hln_bench_write_table(r, NULL, mf), 0);
    fclose(mf);
    assert_non_null(strstr(buf, "\"pooled\":null"));
    assert_non_null(strstr(buf, "no unit counted"));
    free(buf);
    hln_bench_result_destroy(&r);
    for (int i = 0; i < 3; i++)
        hln_identity_destroy(&f[i].id);
    hln_store_close(&s);
}

static void strata_are_separate_and_the_total_is_the_default(void **state)
{
    (void)state;
    hln_store *s = new_store();
    feed a;
    feed_open(&a, 9, "CA");
    obs(s, &a, IND, "2026-Q3", "north", "", 50, 100, false, NULL);
    obs(s, &a, IND, "2026-Q3", "north", "sex=female", 30, 55, false, NULL);
    obs(s, &a, IND, "2026-Q3", "north", "sex=male", 20, 45, false, NULL);
    hln_indicator ind = indicator(IND, 0, 1, 0, 0);
    hln_bench_query q = {.indicator = &ind, .period = "2026-Q3", .method = -1};
    hln_bench_result *r = NULL;
    assert_int_equal(hln_bench_run(s, &q, &r), 0);
    assert_int_equal(r->n_units, 1);
    assert_int_equal(r->units[0].s.n, 100);
    hln_bench_result_destroy(&r);
    q.stratum = "sex=female";
    assert_int_equal(hln_bench_run(s, &q, &r), 0);
    assert_int_equal(r->n_units, 1);
    assert_int_equal(r->units[0].s.n, 55);
    assert_string_equal(r->stratum, "sex=female");
    hln_bench_result_destroy(&r);
    hln_identity_destroy(&a.id);
    hln_store_close(&s);
}

static char *json_of(hln_store *s, const hln_bench_query *q, uint8_t digest[HLN_HASH_LEN])
{
    hln_bench_result *r = NULL;
    assert_int_equal(hln_bench_run(s, q, &r), 0);
    char *buf = NULL;
    size_t len = 0;
    FILE *mf = open_memstream(&buf, &len);
    assert_int_equal(hln_bench_write_json(r, mf), 0);
    fclose(mf);
    if (digest)
        memcpy(digest, r->digest, HLN_HASH_LEN);
    hln_bench_result_destroy(&r);
    return buf;
}

/* Two nodes that received the same records in another order print the same bytes. */
static void equal_evidence_gives_byte_identical_json(void **state)
{
    (void)state;
    hln_store *s1 = new_store(), *s2 = new_store();
    feed f1[3], f2[3];
    for (int i = 0; i < 3; i++) {
        feed_open(&f1[i], (uint8_t)(i + 1), "CA-ON");
        feed_open(&f2[i], (uint8_t)(i + 1), "CA-ON");
    }
    publish_screening(s1, f1, 0);
    /* the same records: each feed's chain is the same, only the interleaving differs */
    for (int i = 2; i >= 0; i--)
        for (int k = 0; k < 12; k++)
            if (k % 3 == i) {
                char unit[32];
                snprintf(unit, sizeof unit, "practice-%02d", k);
                obs(s2, &f2[i], IND, "2026-Q3", unit, "", SCREEN[k][0], SCREEN[k][1], false, NULL);
            }
    hln_indicator ind = indicator(IND, 0, 1, 0, 0);
    hln_bench_query q = {.indicator = &ind, .period = "2026-Q3", .method = -1};
    uint8_t d1[HLN_HASH_LEN], d2[HLN_HASH_LEN];
    char *j1 = json_of(s1, &q, d1), *j2 = json_of(s2, &q, d2);
    assert_string_equal(j1, j2);
    assert_memory_equal(d1, d2, HLN_HASH_LEN);
    /* well-formed, with the figures of BENCHMARKS.md */
    json_object *o = json_tokener_parse(j1);
    assert_non_null(o);
    json_object *v, *w;
    assert_true(json_object_object_get_ex(o, "abc", &v));
    assert_true(json_object_object_get_ex(v, "value", &w));
    assert_true(json_object_object_get_ex(o, "overdispersion", &v));
    assert_true(json_object_object_get_ex(v, "tau2", &w));
    assert_true(json_object_object_get_ex(o, "units", &v));
    assert_int_equal(json_object_array_length(v), 12);
    w = json_object_array_get_idx(v, 0);
    const char *keys[] = {"author", "unit",           "record",     "numerator", "denominator",
                          "value",  "ci95",           "ci998",      "z",         "z_winsorised",
                          "apf",    "in_abc",         "gap_to_abc", "limits",    "adjusted_limits",
                          "place",  "place_adjusted", "place_used", "compared"};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        assert_true(json_object_object_get_ex(w, keys[i], NULL));
    json_object_put(o);
    /* another method is another query: another digest */
    q.method = 1;
    uint8_t d3[HLN_HASH_LEN];
    char *j3 = json_of(s1, &q, d3);
    assert_memory_not_equal(d1, d3, HLN_HASH_LEN);
    free(j1), free(j2), free(j3);
    for (int i = 0; i < 3; i++) {
        hln_identity_destroy(&f1[i].id);
        hln_identity_destroy(&f2[i].id);
    }
    hln_store_close(&s1);
    hln_store_close(&s2);
}

/* The byte layout of docs/BENCHMARKS.md, rebuilt here by hand. */
static void digest_follows_the_documented_layout(void **state)
{
    (void)state;
    uint8_t counted[2][HLN_HASH_LEN], supp[1][HLN_HASH_LEN];
    memset(counted[0], 0xbb, HLN_HASH_LEN);
    memset(counted[1], 0xaa, HLN_HASH_LEN);
    memset(supp[0], 0x11, HLN_HASH_LEN);
    uint8_t got[HLN_HASH_LEN];
    hln_bench_digest("a.b", "2026", "all", "", "exact", counted, 2, supp, 1, got);
    uint8_t buf[512];
    size_t n = 0;
    const char *fields[] = {HLN_BENCH_VERSION, "a.b", "2026", "all", "", "exact"};
    for (int i = 0; i < 6; i++) {
        size_t l = strlen(fields[i]);
        buf[n++] = 0, buf[n++] = 0, buf[n++] = 0, buf[n++] = (uint8_t)l;
        memcpy(buf + n, fields[i], l);
        n += l;
    }
    memset(buf + n, 0, 7), buf[n + 7] = 2, n += 8;
    memset(buf + n, 0xaa, 32), n += 32; /* sorted */
    memset(buf + n, 0xbb, 32), n += 32;
    memset(buf + n, 0, 7), buf[n + 7] = 1, n += 8;
    memset(buf + n, 0x11, 32), n += 32;
    uint8_t want[HLN_HASH_LEN];
    hln_hash(buf, n, want);
    assert_memory_equal(got, want, HLN_HASH_LEN);
    char hex[65];
    hln_hex(got, HLN_HASH_LEN, hex);
    printf("digest of the layout example: %s\n", hex);
}

static void table_marks_own_units_and_rounds_for_people(void **state)
{
    (void)state;
    hln_store *s = new_store();
    feed f[3];
    for (int i = 0; i < 3; i++)
        feed_open(&f[i], (uint8_t)(i + 1), "CA-ON");
    publish_screening(s, f, 0);
    obs(s, &f[0], IND, "2026-Q3", "tiny", "", 0, 0, true, NULL);
    hln_indicator ind = indicator(IND, 0, 1, 0, 0);
    hln_bench_query q = {.indicator = &ind, .period = "2026-Q3", .method = -1};
    hln_bench_result *r = NULL;
    assert_int_equal(hln_bench_run(s, &q, &r), 0);
    char *buf = NULL;
    size_t len = 0;
    FILE *mf = open_memstream(&buf, &len);
    assert_int_equal(hln_bench_write_table(r, hln_identity_pk(f[0].id), mf), 0);
    fclose(mf);
    fputs(buf, stdout);
    int own = 0;
    for (char *p = buf; (p = strchr(p, '\n')); p++)
        own += p[1] == '*';
    assert_int_equal(own, 5);              /* practices 0, 3, 6, 9 and the suppressed one */
    assert_non_null(strstr(buf, "37.5%")); /* 45/120 */
    assert_non_null(strstr(buf, "58.6%")); /* pooled 982/1676 */
    assert_non_null(strstr(buf, "overdispersion: present"));
    assert_non_null(strstr(buf, "suppressed"));
    free(buf);
    buf = NULL;
    mf = open_memstream(&buf, &len);
    assert_int_equal(hln_bench_write_csv(r, mf), 0);
    fclose(mf);
    int lines = 0;
    for (char *p = buf; (p = strchr(p, '\n')); p++)
        lines++;
    assert_int_equal(lines, 1 + 12 + 1);
    free(buf);
    hln_bench_result_destroy(&r);
    for (int i = 0; i < 3; i++)
        hln_identity_destroy(&f[i].id);
    hln_store_close(&s);
}

static void rates_are_shown_per_multiplier(void **state)
{
    (void)state;
    hln_store *s = new_store();
    feed a;
    feed_open(&a, 11, "GB-ENG");
    const uint64_t falls[][2] = {{12, 4100}, {3, 2200},  {25, 6400}, {7, 3900},  {41, 9800},
                                 {0, 1500},  {18, 5100}, {9, 2950},  {33, 7200}, {15, 2600}};
    for (int i = 0; i < 10; i++) {
        char unit[32];
        snprintf(unit, sizeof unit, "ward-%d", i);
        obs(s, &a, RATE_IND, "2026-09", unit, "", falls[i][0], falls[i][1], false, NULL);
    }
    hln_indicator ind = indicator(RATE_IND, 1, 1000, 1, 1); /* asks for wilson: rates get exact */
    hln_bench_query q = {.indicator = &ind, .period = "2026-09", .method = -1};
    hln_bench_result *r = NULL;
    assert_int_equal(hln_bench_run(s, &q, &r), 0);
    assert_int_equal(r->summary.method_used, 0);
    char *buf = NULL;
    size_t len = 0;
    FILE *mf = open_memstream(&buf, &len);
    assert_int_equal(hln_bench_write_table(r, NULL, mf), 0);
    assert_int_equal(hln_bench_write_json(r, mf), 0);
    fclose(mf);
    fputs(buf, stdout);
    assert_non_null(strstr(buf, "per 1000"));
    assert_non_null(strstr(buf, "pooled value: 3.56 (163 / 45750)"));
    assert_non_null(strstr(buf, "\"multiplier\":1000"));
    free(buf);
    hln_bench_result_destroy(&r);
    hln_identity_destroy(&a.id);
    hln_store_close(&s);
}

static void trend_follows_one_unit_over_periods(void **state)
{
    (void)state;
    hln_store *s = new_store();
    feed a, b;
    feed_open(&a, 12, "CA");
    feed_open(&b, 13, "CA");
    const char *periods[] = {"2026-Q1", "2026-Q2", "2026-Q3"};
    for (int p = 0; p < 3; p++) {
        obs(s, &a, IND, periods[p], "north", "", (uint64_t)(30 + 10 * p), 100, false, NULL);
        obs(s, &b, IND, periods[p], "", "", 50, 100, false, NULL);
        obs(s, &b, IND, periods[p], "east", "", 45, 90, false, NULL);
    }
    obs(s, &a, "mhpc.other-indicator", "2025-Q4", "north", "", 1, 2, false, NULL);
    hln_indicator ind = indicator(IND, 0, 1, 0, 0);
    hln_bench_query q = {.indicator = &ind, .method = -1};
    hln_bench_trend_point *pts = NULL;
    size_t n = 0;
    assert_int_equal(hln_bench_trend(s, &q, hln_identity_pk(a.id), "north", &pts, &n), 0);
    assert_int_equal(n, 3);
    assert_string_equal(pts[0].period, "2026-Q1");
    assert_string_equal(pts[2].period, "2026-Q3");
    assert_true(pts[0].has_unit && pts[2].has_unit);
    assert_true(pts[0].value == 0.3 && pts[2].value == 0.5);
    assert_int_equal(pts[1].units, 3);
    char *buf = NULL;
    size_t len = 0;
    FILE *mf = open_memstream(&buf, &len);
    assert_int_equal(hln_bench_write_trend_table(&q, pts, n, mf), 0);
    assert_int_equal(hln_bench_write_trend_json(&q, pts, n, mf), 0);
    fclose(mf);
    fputs(buf, stdout);
    assert_non_null(strstr(buf, "\"period\":\"2026-Q2\""));
    free(buf);
    free(pts);
    hln_identity_destroy(&a.id);
    hln_identity_destroy(&b.id);
    hln_store_close(&s);
}

static void bad_queries_are_refused(void **state)
{
    (void)state;
    hln_store *s = new_store();
    hln_indicator ind = indicator(IND, 0, 1, 0, 0);
    hln_bench_result *r = NULL;
    hln_bench_query q = {.indicator = &ind, .method = -1}; /* no period */
    assert_int_equal(hln_bench_run(s, &q, &r), HLN_EINVAL);
    q.period = "2026-Q3";
    q.method = 2;
    assert_int_equal(hln_bench_run(s, &q, &r), HLN_EINVAL);
    q.method = -1;
    q.group = "a-group-name-that-is-far-too-long-to-be-a-group-name-of-any-kind-at-all-really";
    assert_int_equal(hln_bench_run(s, &q, &r), HLN_EINVAL);
    q.group = NULL;
    ind.kind = 9;
    assert_int_equal(hln_bench_run(s, &q, &r), HLN_EINVAL);
    assert_null(r);
    hln_store_close(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(figures_equal_the_statistics_of_the_same_counts),
        cmocka_unit_test(latest_non_retracted_observation_counts),
        cmocka_unit_test(suppressed_units_are_reported_not_counted),
        cmocka_unit_test(group_and_flagged_authors_filter_the_evidence),
        cmocka_unit_test(strata_are_separate_and_the_total_is_the_default),
        cmocka_unit_test(equal_evidence_gives_byte_identical_json),
        cmocka_unit_test(digest_follows_the_documented_layout),
        cmocka_unit_test(table_marks_own_units_and_rounds_for_people),
        cmocka_unit_test(rates_are_shown_per_multiplier),
        cmocka_unit_test(trend_follows_one_unit_over_periods),
        cmocka_unit_test(bad_queries_are_refused),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
