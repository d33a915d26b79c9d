/* test_record.c - records: seal, strict decode (one test per refusal), verify, erase, known-answer vectors. */
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
#include "proto/mp.h"
#include "proto/record.h"

/* 2026-09-01T00:00:00Z: vectors are generated from fixed seeds and clocks. */
#define TS0 UINT64_C(1788220800000)
#define VECTORS_PATH "tests/vectors/records.txt"

static hln_identity *ident(uint8_t n)
{
    uint8_t seed[32];
    memset(seed, n, sizeof seed);
    return hln_identity_from_seed(seed);
}

/* ---- Sample records of every type -------------------------------------- */

static void body_member(hln_record *r, uint8_t subject_seed)
{
    hln_identity *s = ident(subject_seed);
    hln_member *m = &r->body.member;
    memcpy(m->subject, hln_identity_pk(s), HLN_KEY_LEN);
    strcpy(m->name, "Agence de la santé du Canada");
    m->level = HLN_LEVEL_NATIONAL;
    strcpy(m->jurisdiction, "CA");
    m->roles = HLN_ROLE_PUBLISH | HLN_ROLE_ADMIT | HLN_ROLE_CATALOGUE;
    m->valid_from_ms = TS0;
    m->valid_until_ms = 0;
    hln_identity_destroy(&s);
}

/* Make a revoke body a rotation to `successor_seed`'s key, feed CA kept up to `seq`. */
static void body_rotation(hln_record *r, uint8_t successor_seed, uint64_t seq)
{
    hln_identity *s = ident(successor_seed);
    hln_revoke *v = &r->body.revoke;
    v->rotate = true;
    memcpy(v->successor, hln_identity_pk(s), HLN_KEY_LEN);
    memset(v->reason, 0, sizeof v->reason);
    strcpy(v->reason, "disk died");
    v->n_closes = 1;
    strcpy(v->closes[0].scope, "CA");
    v->closes[0].seq = seq;
    hln_identity_destroy(&s);
}

static void body_revoke(hln_record *r, uint8_t subject_seed)
{
    hln_identity *s = ident(subject_seed);
    memcpy(r->body.revoke.subject, hln_identity_pk(s), HLN_KEY_LEN);
    r->body.revoke.from_ms = TS0 + 1000;
    strcpy(r->body.revoke.reason, "key compromised");
    hln_identity_destroy(&s);
}

static void body_indicator(hln_record *r)
{
    hln_indicator *d = &r->body.indicator;
    strcpy(d->code, "mhpc.depression-screening");
    d->version = 1;
    strcpy(d->title, "Depression screening in primary care");
    d->domain = HLN_DOMAIN_PROCESS;
    d->kind = HLN_KIND_PROPORTION;
    d->multiplier = 1;
    d->direction = HLN_DIR_HIGHER;
    d->method = HLN_FUNNEL_EXACT;
    d->n_strata = 4;
    strcpy(d->strata[0], "age=18-64");
    strcpy(d->strata[1], "age=65-plus");
    strcpy(d->strata[2], "sex=f");
    strcpy(d->strata[3], "sex=m");
    strcpy(d->description, "Adults screened with PHQ-9 in the period.\nDenominator: adults seen.");
}

static void body_policy(hln_record *r)
{
    strcpy(r->body.policy.jurisdiction, "CA");
    r->body.policy.min_cell = 10;
}

static void body_observation(hln_record *r, const char *stratum, uint64_t num, uint64_t den,
                             bool suppressed)
{
    hln_observation *o = &r->body.observation;
    strcpy(o->indicator, "mhpc.depression-screening");
    strcpy(o->period, "2026-09");
    strcpy(o->unit, "clinic-12");
    strcpy(o->stratum, stratum);
    o->numerator = num;
    o->denominator = den;
    o->suppressed = suppressed;
}

static void body_retract(hln_record *r, const uint8_t target[HLN_HASH_LEN])
{
    memcpy(r->body.retract.target, target, HLN_HASH_LEN);
    r->body.retract.erase = true;
    strcpy(r->body.retract.reason, "published by mistake");
}

static void body_address(hln_record *r)
{
    r->body.address.n = 2;
    strcpy(r->body.address.endpoints[0], "tcp://hln.clinic-12.example.ca:7411");
    strcpy(r->body.address.endpoints[1], "tcp://[2001:db8::12]:7411");
}

static void body_target(hln_record *r)
{
    hln_target *t = &r->body.target;
    strcpy(t->indicator, "mhpc.depression-screening");
    strcpy(t->collaborative, "on-dep-2026");
    t->value_micro = 700000; /* 70% */
    strcpy(t->by, "2027-06");
}

static void body_collaborative(hln_record *r)
{
    hln_collaborative *c = &r->body.collaborative;
    strcpy(c->code, "on-dep-2026");
    strcpy(c->name, "Ontario depression screening collaborative");
    strcpy(c->aim, "Screen 70% of adults seen for depression by June 2027.\nPHQ-2, then PHQ-9.");
    c->n_indicators = 1;
    strcpy(c->indicators[0], "mhpc.depression-screening");
    strcpy(c->start, "2026-10");
    strcpy(c->end, "2027-06");
    hln_identity *a = ident(3), *b = ident(4);
    bool a_first = memcmp(hln_identity_pk(a), hln_identity_pk(b), HLN_KEY_LEN) < 0;
    memcpy(c->members[a_first ? 0 : 1], hln_identity_pk(a), HLN_KEY_LEN);
    memcpy(c->members[a_first ? 1 : 0], hln_identity_pk(b), HLN_KEY_LEN);
    c->n_members = 2;
    hln_identity_destroy(&a);
    hln_identity_destroy(&b);
    c->n_ideas = 2;
    strcpy(c->ideas[0].title, "PHQ-2 at intake");
    strcpy(c->ideas[0].text, "Reception hands the PHQ-2 with the intake form.");
    strcpy(c->ideas[1].title, "Huddle review");
    strcpy(c->ideas[1].text, "");
}

static void body_lesson(hln_record *r)
{
    hln_lesson *l = &r->body.lesson;
    l->n_indicators = 1;
    strcpy(l->indicators[0], "mhpc.depression-screening");
    strcpy(l->period, "2026-12");
    strcpy(l->unit, "clinic-12");
    strcpy(l->collaborative, "on-dep-2026");
    l->idea = 1;
    l->result = HLN_RESULT_WORKED;
    strcpy(l->text, "Screening rose from 41% to 63% in three months; the front desk owns it.");
}

/* The vectors: a small network history. Seed 1 is the global coordinator,
 * 2 Canada's national authority, 3 a clinic in Ontario. */
#define NVEC 13
static const char *const vec_names[NVEC] = {
    "member-national", "indicator", "policy", "observation", "observation-suppressed",
    "retract-erase",   "address",   "revoke", "target",      "collaborative",
    "lesson",          "rotate",    "observation-suppressed-erased"};
static const uint8_t vec_seeds[NVEC] = {1, 2, 2, 3, 3, 3, 3, 1, 2, 2, 3, 2, 3};
static hln_record vecs[NVEC];

static void make_vectors(void)
{
    hln_identity *ids[4] = {NULL, ident(1), ident(2), ident(3)};
    char err[128];
    hln_record *v = vecs;
    hln_record_init(&v[0], HLN_REC_MEMBER, hln_identity_pk(ids[1]), "global", 1, NULL, TS0);
    body_member(&v[0], 2);
    hln_record_init(&v[1], HLN_REC_INDICATOR, hln_identity_pk(ids[2]), "CA", 1, NULL, TS0 + 1);
    body_indicator(&v[1]);
    hln_record_init(&v[2], HLN_REC_POLICY, hln_identity_pk(ids[2]), "CA", 2, NULL, TS0 + 2);
    body_policy(&v[2]);
    hln_record_init(&v[3], HLN_REC_OBSERVATION, hln_identity_pk(ids[3]), "CA", 1, NULL, TS0 + 3);
    body_observation(&v[3], "", 45, 120, false);
    hln_record_init(&v[4], HLN_REC_OBSERVATION, hln_identity_pk(ids[3]), "CA", 2, NULL, TS0 + 4);
    body_observation(&v[4], "age=65-plus", 0, 0, true);
    hln_record_init(&v[5], HLN_REC_RETRACT, hln_identity_pk(ids[3]), "CA", 3, NULL, TS0 + 5);
    hln_record_init(&v[6], HLN_REC_ADDRESS, hln_identity_pk(ids[3]), "CA", 4, NULL, TS0 + 6);
    body_address(&v[6]);
    hln_record_init(&v[7], HLN_REC_REVOKE, hln_identity_pk(ids[1]), "global", 2, NULL, TS0 + 7);
    body_revoke(&v[7], 4);
    hln_record_init(&v[8], HLN_REC_TARGET, hln_identity_pk(ids[2]), "CA", 3, NULL, TS0 + 8);
    body_target(&v[8]);
    hln_record_init(&v[9], HLN_REC_COLLABORATIVE, hln_identity_pk(ids[2]), "CA", 4, NULL, TS0 + 9);
    body_collaborative(&v[9]);
    hln_record_init(&v[10], HLN_REC_LESSON, hln_identity_pk(ids[3]), "CA", 5, NULL, TS0 + 10);
    body_lesson(&v[10]);
    /* Canada rotates the clinic's key to seed 4's, its feed CA kept up to seq 5. */
    hln_record_init(&v[11], HLN_REC_REVOKE, hln_identity_pk(ids[2]), "CA", 5, NULL, TS0 + 11);
    body_revoke(&v[11], 3);
    body_rotation(&v[11], 4, 5);
    /* Chain each feed: prev is the id of the record before in the same feed. */
    const int prev_of[NVEC] = {-1, -1, 1, -1, 3, 4, 5, 0, 2, 8, 6, 9, -1};
    for (int i = 0; i < NVEC - 1; i++) {
        if (prev_of[i] >= 0) {
            v[i].env.has_prev = true;
            memcpy(v[i].env.prev, v[prev_of[i]].id, HLN_HASH_LEN);
        }
        if (i == 5)
            body_retract(&v[5], v[4].id);
        int rc = hln_record_seal(&v[i], ids[vec_seeds[i]], err, sizeof err);
        if (rc) {
            fprintf(stderr, "vector %s: %s\n", vec_names[i], err);
            abort();
        }
    }
    v[NVEC - 1] = v[4];
    hln_record_erase_body(&v[NVEC - 1]);
    for (int i = 1; i < 4; i++)
        hln_identity_destroy(&ids[i]);
}

/* ---- A text dump of a record's fields (the vector file format) ---------- */

static void put_text(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            fprintf(f, "\\%c", *s);
        else if (*s == '\n')
            fputs("\\n", f);
        else
            fputc(*s, f);
    }
    fputs("\"\n", f);
}

static void put_hex(FILE *f, const char *name, const uint8_t *b, size_t n)
{
    char hex[2 * HLN_RECORD_MAX + 1];
    hln_hex(b, n, hex);
    fprintf(f, "%s %s\n", name, hex);
}

#define U(name, v) fprintf(f, "%s %llu\n", name, (unsigned long long)(v))
#define T(name, s) (fprintf(f, "%s ", name), put_text(f, s))

static void dump_fields(FILE *f, const hln_record *r)
{
    const hln_envelope *e = &r->env;
    U("envelope.version", e->version);
    fprintf(f, "envelope.type %s\n", hln_rec_type_name(e->type));
    put_hex(f, "envelope.author", e->author, HLN_KEY_LEN);
    T("envelope.scope", e->scope);
    U("envelope.seq", e->seq);
    if (e->has_prev)
        put_hex(f, "envelope.prev", e->prev, HLN_HASH_LEN);
    else
        fprintf(f, "envelope.prev nil\n");
    U("envelope.timestamp_ms", e->timestamp_ms);
    put_hex(f, "envelope.body_hash", e->body_hash, HLN_HASH_LEN);
    U("envelope.body_len", e->body_len);
    if (!r->has_body) {
        fprintf(f, "body nil\n");
        return;
    }
    const hln_body *b = &r->body;
    switch (e->type) {
    case HLN_REC_MEMBER:
        put_hex(f, "member.subject", b->member.subject, HLN_KEY_LEN);
        T("member.name", b->member.name);
        fprintf(f, "member.level %s\n", hln_level_name(b->member.level));
        T("member.jurisdiction", b->member.jurisdiction);
        U("member.roles", b->member.roles);
        U("member.valid_from_ms", b->member.valid_from_ms);
        U("member.valid_until_ms", b->member.valid_until_ms);
        break;
    case HLN_REC_REVOKE:
        put_hex(f, "revoke.subject", b->revoke.subject, HLN_KEY_LEN);
        U("revoke.from_ms", b->revoke.from_ms);
        T("revoke.reason", b->revoke.reason);
        if (b->revoke.rotate)
            put_hex(f, "revoke.successor", b->revoke.successor, HLN_KEY_LEN);
        for (uint32_t i = 0; b->revoke.rotate && i < b->revoke.n_closes; i++) {
            fprintf(f, "revoke.closes[] %s %llu\n", b->revoke.closes[i].scope,
                    (unsigned long long)b->revoke.closes[i].seq);
        }
        break;
    case HLN_REC_INDICATOR:
        T("indicator.code", b->indicator.code);
        U("indicator.version", b->indicator.version);
        T("indicator.title", b->indicator.title);
        U("indicator.domain", b->indicator.domain);
        U("indicator.kind", b->indicator.kind);
        U("indicator.multiplier", b->indicator.multiplier);
        U("indicator.direction", b->indicator.direction);
        U("indicator.method", b->indicator.method);
        for (uint32_t i = 0; i < b->indicator.n_strata; i++)
            T("indicator.strata[]", b->indicator.strata[i]);
        T("indicator.description", b->indicator.description);
        break;
    case HLN_REC_POLICY:
        T("policy.jurisdiction", b->policy.jurisdiction);
        U("policy.min_cell", b->policy.min_cell);
        break;
    case HLN_REC_OBSERVATION:
        T("observation.indicator", b->observation.indicator);
        T("observation.period", b->observation.period);
        T("observation.unit", b->observation.unit);
        T("observation.stratum", b->observation.stratum);
        U("observation.numerator", b->observation.numerator);
        U("observation.denominator", b->observation.denominator);
        fprintf(f, "observation.suppressed %s\n", b->observation.suppressed ? "true" : "false");
        break;
    case HLN_REC_RETRACT:
        put_hex(f, "retract.target", b->retract.target, HLN_HASH_LEN);
        fprintf(f, "retract.erase %s\n", b->retract.erase ? "true" : "false");
        T("retract.reason", b->retract.reason);
        break;
    case HLN_REC_ADDRESS:
        for (uint32_t i = 0; i < b->address.n; i++)
            T("address.endpoints[]", b->address.endpoints[i]);
        break;
    case HLN_REC_TARGET:
        T("target.indicator", b->target.indicator);
        T("target.stratum", b->target.stratum);
        T("target.collaborative", b->target.collaborative);
        U("target.value_micro", b->target.value_micro);
        T("target.by", b->target.by);
        break;
    case HLN_REC_COLLABORATIVE: {
        const hln_collaborative *c = &b->collaborative;
        T("collaborative.code", c->code);
        T("collaborative.name", c->name);
        T("collaborative.aim", c->aim);
        for (uint32_t i = 0; i < c->n_indicators; i++)
            T("collaborative.indicators[]", c->indicators[i]);
        T("collaborative.start", c->start);
        T("collaborative.end", c->end);
        for (uint32_t i = 0; i < c->n_members; i++)
            put_hex(f, "collaborative.members[]", c->members[i], HLN_KEY_LEN);
        for (uint32_t i = 0; i < c->n_ideas; i++) {
            T("collaborative.ideas[].title", c->ideas[i].title);
            T("collaborative.ideas[].text", c->ideas[i].text);
        }
        break;
    }
    case HLN_REC_LESSON: {
        const hln_lesson *l = &b->lesson;
        for (uint32_t i = 0; i < l->n_indicators; i++)
            T("lesson.indicators[]", l->indicators[i]);
        T("lesson.period", l->period);
        T("lesson.unit", l->unit);
        T("lesson.collaborative", l->collaborative);
        U("lesson.idea", l->idea);
        T("lesson.change", l->change);
        fprintf(f, "lesson.result %s\n", hln_lesson_result_name(l->result));
        T("lesson.text", l->text);
        break;
    }
    }
}

static void dump_vector(FILE *f, int i)
{
    uint8_t seed[32];
    memset(seed, vec_seeds[i], sizeof seed);
    fprintf(f, "vector %s\n", vec_names[i]);
    put_hex(f, "seed", seed, sizeof seed);
    dump_fields(f, &vecs[i]);
    put_hex(f, "raw", vecs[i].raw, vecs[i].raw_len);
    put_hex(f, "id", vecs[i].id, HLN_HASH_LEN);
    fputc('\n', f);
}

static void write_vectors(FILE *f)
{
    fputs("# records.txt - known-answer vectors for hln records (docs/PROTOCOL.md).\n"
          "# Generated by `build/tests/test_record --write-vectors " VECTORS_PATH "`\n"
          "# (and the fuzz seed corpus by `--write-corpus tests/fuzz/corpus/fuzz_record`)\n"
          "# from fixed seeds and clocks; test_record checks every vector.\n"
          "# Per vector: `vector NAME`, `seed HEX` (the author's ed25519 seed), the\n"
          "# decoded fields, `raw HEX` (the transport form), `id HEX` (BLAKE2b-256 of\n"
          "# the envelope bytes), then a blank line. Text fields are quoted with\n"
          "# \\\" \\\\ and \\n escaped; `strata[]` and `endpoints[]` repeat per element.\n\n",
          f);
    for (int i = 0; i < NVEC; i++)
        dump_vector(f, i);
}

/* ---- Handcrafted bytes for the refusal tests --------------------------- */

/* Hex pieces from a pool that every test resets. */
static char pool[1 << 16];
static size_t pool_n;

static int reset_pool(void **state)
{
    (void)state;
    pool_n = 0;
    return 0;
}

static char *pool_put(const char *s)
{
    size_t n = strlen(s) + 1;
    assert_true(pool_n + n <= sizeof pool);
    char *p = pool + pool_n;
    memcpy(p, s, n);
    pool_n += n;
    return p;
}

static char *hexf(const char *fmt, ...)
{
    char b[8192];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(b, sizeof b, fmt, ap);
    va_end(ap);
    return pool_put(b);
}

/* The canonical msgpack of a value, as hex, written by the library's writer. */
static char *mp_hex(void (*put)(hln_mp_writer *, const void *, size_t), const void *p, size_t n)
{
    uint8_t b[4096];
    char h[8193];
    hln_mp_writer w;
    hln_mp_writer_init(&w, b, sizeof b);
    put(&w, p, n);
    assert_int_equal(hln_mp_writer_status(&w), 0);
    hln_hex(b, w.len, h);
    return pool_put(h);
}
static void w_str(hln_mp_writer *w, const void *p, size_t n) { hln_mp_put_str(w, p, n); }
static void w_bin(hln_mp_writer *w, const void *p, size_t n) { hln_mp_put_bin(w, p, n); }
static void w_uint(hln_mp_writer *w, const void *p, size_t n)
{
    (void)n;
    hln_mp_put_uint(w, *(const uint64_t *)p);
}
static char *S(const char *s) { return mp_hex(w_str, s, strlen(s)); }
static char *B(const void *b, size_t n) { return mp_hex(w_bin, b, n); }
static char *N(uint64_t v) { return mp_hex(w_uint, &v, 0); }

/* A map as hex pieces: the header, then key and value per entry. */
typedef struct {
    const char *hdr;
    int n;
    const char *k[20], *v[20];
} mspec;

static size_t unhex_any(const char *h, uint8_t *out, size_t cap)
{
    size_t n = strlen(h) / 2;
    assert_true(n <= cap);
    assert_int_equal(hln_unhex(h, out, n), 0);
    return n;
}

static size_t mspec_bytes(const mspec *m, uint8_t *out, size_t cap)
{
    char h[16384] = "";
    strcat(h, m->hdr);
    for (int i = 0; i < m->n; i++) {
        strcat(h, m->k[i]);
        strcat(h, m->v[i]);
    }
    return unhex_any(h, out, cap);
}

static void mspec_init(mspec *m, int n)
{
    memset(m, 0, sizeof *m);
    m->hdr = hexf("%02x", 0x80 | n);
    m->n = n;
    for (int i = 0; i < n; i++)
        m->k[i] = N((uint64_t)i);
}

static uint8_t author_pk[HLN_KEY_LEN];

/* A valid observation body, as a spec to spoil. */
static mspec obs_spec(void)
{
    mspec m;
    mspec_init(&m, 7);
    m.v[0] = S("mhpc.depression-screening");
    m.v[1] = S("2026-09");
    m.v[2] = S("clinic-12");
    m.v[3] = S("");
    m.v[4] = N(45);
    m.v[5] = N(120);
    m.v[6] = "c2";
    return m;
}

/* A valid envelope spec for `type` around `body`. */
static mspec env_spec(uint32_t type, const uint8_t *body, size_t bl)
{
    mspec m;
    uint8_t h[HLN_HASH_LEN];
    hln_hash(body, bl, h);
    mspec_init(&m, 9);
    m.v[0] = N(1);
    m.v[1] = N(type);
    m.v[2] = B(author_pk, HLN_KEY_LEN);
    m.v[3] = S("CA");
    m.v[4] = N(1);
    m.v[5] = "c0";
    m.v[6] = N(TS0);
    m.v[7] = B(h, HLN_HASH_LEN);
    m.v[8] = N(bl);
    return m;
}

/* The transport form around envelope and body bytes; a zero signature
 * (decoding does not check it). body NULL: erased. */
static size_t wrap(uint8_t *out, const uint8_t *env, size_t el, const uint8_t *body, size_t bl)
{
    uint8_t sig[HLN_SIG_LEN] = {0};
    hln_mp_writer w;
    hln_mp_writer_init(&w, out, HLN_RECORD_MAX + 4096);
    hln_mp_put_array(&w, 3);
    hln_mp_put_bin(&w, env, el);
    hln_mp_put_bin(&w, sig, sizeof sig);
    if (body)
        hln_mp_put_bin(&w, body, bl);
    else
        hln_mp_put_nil(&w);
    assert_int_equal(hln_mp_writer_status(&w), 0);
    return w.len;
}

static uint8_t buf[HLN_RECORD_MAX + 4096];
static hln_record rec, rec2;
static char err[256];

/* Decode an envelope spec around a body spec; returns the decoder's result. */
static int decode_specs(const mspec *env, const mspec *body)
{
    uint8_t e[1024], b[8192];
    size_t el = mspec_bytes(env, e, sizeof e);
    size_t bl = body ? mspec_bytes(body, b, sizeof b) : 0;
    size_t n = wrap(buf, e, el, body ? b : NULL, bl);
    err[0] = '\0';
    return hln_record_decode(buf, n, &rec, err, sizeof err);
}

/* An observation record whose body spec `body` is used as is, with an
 * envelope that matches its hash and length. */
static int decode_obs(const mspec *body)
{
    uint8_t b[8192];
    size_t bl = mspec_bytes(body, b, sizeof b);
    mspec env = env_spec(HLN_REC_OBSERVATION, b, bl);
    return decode_specs(&env, body);
}

/* A body spec of another type, decoded inside an envelope of `type`. */
static int decode_body_as(uint32_t type, const mspec *body)
{
    uint8_t b[8192];
    size_t bl = mspec_bytes(body, b, sizeof b);
    mspec env = env_spec(type, b, bl);
    return decode_specs(&env, body);
}

/* The observation envelope spec around the default observation body. */
static int decode_env(const mspec *env)
{
    mspec body = obs_spec();
    return decode_specs(env, &body);
}

static mspec default_env(void)
{
    uint8_t b[512];
    mspec body = obs_spec();
    size_t bl = mspec_bytes(&body, b, sizeof b);
    return env_spec(HLN_REC_OBSERVATION, b, bl);
}

#define assert_err(substr)                                                                        \
    do {                                                                                          \
        if (!strstr(err, substr))                                                                 \
            fail_msg("err \"%s\" does not name \"%s\"", err, substr);                             \
    } while (0)

static int setup_group(void **state)
{
    (void)state;
    if (hln_crypto_init())
        return -1;
    hln_identity *a = ident(3);
    memcpy(author_pk, hln_identity_pk(a), HLN_KEY_LEN);
    hln_identity_destroy(&a);
    make_vectors();
    return 0;
}

/* ---- Round trips -------------------------------------------------------- */

static void assert_same_record(const hln_record *a, const hln_record *b)
{
    assert_memory_equal(&a->env, &b->env, sizeof a->env);
    assert_int_equal(a->has_body, b->has_body);
    assert_memory_equal(&a->body, &b->body, sizeof a->body);
    assert_memory_equal(a->id, b->id, HLN_HASH_LEN);
    assert_memory_equal(a->sig, b->sig, HLN_SIG_LEN);
    assert_int_equal(a->env_off, b->env_off);
    assert_int_equal(a->env_len, b->env_len);
    assert_int_equal(a->body_off, b->body_off);
    assert_int_equal(a->body_len, b->body_len);
    assert_int_equal(a->raw_len, b->raw_len);
    assert_memory_equal(a->raw, b->raw, a->raw_len);
}

static void every_type_survives_seal_then_decode(void **state)
{
    (void)state;
    for (int i = 0; i < NVEC - 1; i++) {
        assert_int_equal(hln_record_decode(vecs[i].raw, vecs[i].raw_len, &rec, err, sizeof err), 0);
        assert_same_record(&vecs[i], &rec);
        assert_int_equal(hln_record_verify(&rec), 0);
    }
}

/* The store's typed walk reads the type without decoding: the same type
 * for every record, and a refusal for bytes that are no record. */
static void the_type_is_read_without_decoding(void **state)
{
    (void)state;
    uint32_t t = 0;
    for (int i = 0; i < NVEC; i++) {
        assert_int_equal(hln_record_peek_type(vecs[i].raw, vecs[i].raw_len, &t), 0);
        assert_int_equal(t, vecs[i].env.type);
    }
    static const uint8_t junk[] = {0x93, 0xc4, 0x03, 0x82, 0x00, 0x01};
    assert_int_equal(hln_record_peek_type(junk, sizeof junk, &t), HLN_EDECODE);
    assert_int_equal(hln_record_peek_type(vecs[0].raw, 5, &t), HLN_EDECODE);
    assert_int_equal(hln_record_peek_type(NULL, 0, &t), HLN_EDECODE);
    /* a type past the last one known */
    rec = vecs[0];
    size_t at = 0;
    for (size_t k = 0; k + 2 < rec.raw_len; k++)
        if (rec.raw[k] == 0x00 && rec.raw[k + 1] == HLN_FORMAT_VERSION && rec.raw[k + 2] == 0x01) {
            at = k + 3; /* key 0, version, key 1, then the type */
            break;
        }
    assert_true(at > 0 && rec.raw[at] == vecs[0].env.type);
    rec.raw[at] = HLN_REC_LAST + 1;
    assert_int_equal(hln_record_peek_type(rec.raw, rec.raw_len, &t), HLN_EDECODE);
}

static void decoded_record_encodes_back_to_its_bytes(void **state)
{
    (void)state;
    for (int i = 0; i < NVEC; i++) {
        assert_int_equal(hln_record_decode(vecs[i].raw, vecs[i].raw_len, &rec, err, sizeof err), 0);
        rec2 = rec;
        memset(rec2.raw, 0, sizeof rec2.raw);
        assert_int_equal(hln_record_encode(&rec2, err, sizeof err), 0);
        assert_same_record(&rec, &rec2);
    }
}

static void decoding_in_place_works(void **state)
{
    (void)state;
    rec = vecs[3];
    assert_int_equal(hln_record_decode(rec.raw, rec.raw_len, &rec, err, sizeof err), 0);
    assert_same_record(&vecs[3], &rec);
}

static void seal_fills_id_as_hash_of_envelope(void **state)
{
    (void)state;
    uint8_t h[HLN_HASH_LEN];
    const hln_record *r = &vecs[3];
    hln_hash(r->raw + r->env_off, r->env_len, h);
    assert_memory_equal(h, r->id, HLN_HASH_LEN);
    hln_hash(r->raw + r->body_off, r->body_len, h);
    assert_memory_equal(h, r->env.body_hash, HLN_HASH_LEN);
    assert_int_equal(r->env.body_len, r->body_len);
}

/* Sealing in two halves (the chain first, the signatures after, on any
 * thread) makes exactly the record hln_record_seal makes: ed25519 is
 * deterministic. Before it is signed, a record does not verify. */
static void sealing_in_two_halves_makes_the_same_record(void **state)
{
    (void)state;
    hln_identity *who = ident(3);
    rec = vecs[3];
    memset(rec.raw, 0, sizeof rec.raw);
    rec.raw_len = 0;
    assert_int_equal(hln_record_seal_unsigned(&rec, who, err, sizeof err), 0);
    assert_memory_equal(rec.id, vecs[3].id, HLN_HASH_LEN);
    assert_int_equal(rec.raw_len, vecs[3].raw_len);
    assert_int_equal(hln_record_verify(&rec), HLN_ESIG);
    hln_record_sign(&rec, who);
    assert_memory_equal(rec.raw, vecs[3].raw, vecs[3].raw_len);
    assert_memory_equal(rec.sig, vecs[3].sig, HLN_SIG_LEN);
    assert_int_equal(hln_record_verify(&rec), 0);
    /* Another key is refused before anything is encoded. */
    hln_identity *other = ident(2);
    rec = vecs[3];
    assert_int_equal(hln_record_seal_unsigned(&rec, other, err, sizeof err), HLN_EINVAL);
    hln_identity_destroy(&who);
    hln_identity_destroy(&other);
}

static void tampered_signature_fails_verify(void **state)
{
    (void)state;
    rec = vecs[3];
    rec.sig[10] ^= 1;
    assert_int_equal(hln_record_verify(&rec), HLN_ESIG);
    /* Through the bytes as well: the signature is raw[env_off+env_len+2 ..]. */
    rec = vecs[3];
    rec.raw[rec.env_off + rec.env_len + 2 + 5] ^= 0x80;
    assert_int_equal(hln_record_decode(rec.raw, rec.raw_len, &rec2, err, sizeof err), 0);
    assert_int_equal(hln_record_verify(&rec2), HLN_ESIG);
}

static void another_authors_key_fails_verify(void **state)
{
    (void)state;
    rec = vecs[3];
    memcpy(rec.env.author, vecs[0].env.author, HLN_KEY_LEN);
    assert_int_equal(hln_record_verify(&rec), HLN_ESIG);
}

static void erased_body_keeps_id_and_signature(void **state)
{
    (void)state;
    rec = vecs[4];
    hln_record_erase_body(&rec);
    assert_false(rec.has_body);
    assert_int_equal(hln_record_decode(rec.raw, rec.raw_len, &rec2, err, sizeof err), 0);
    assert_false(rec2.has_body);
    assert_memory_equal(rec2.id, vecs[4].id, HLN_HASH_LEN);
    assert_memory_equal(&rec2.env, &vecs[4].env, sizeof rec2.env);
    assert_int_equal(hln_record_verify(&rec2), 0);
    /* bin 8 header and body out, one nil byte in. */
    assert_int_equal(rec2.raw_len, vecs[4].raw_len - vecs[4].body_len - 2 + 1);
    /* Erasing twice changes nothing. */
    hln_record_erase_body(&rec2);
    assert_int_equal(rec2.raw_len, rec.raw_len);
    char s[128];
    hln_record_summary(&rec2, s, sizeof s);
    assert_string_equal(s, "observation (body erased)");
}

static void feed_is_author_and_scope(void **state)
{
    (void)state;
    hln_feed_id f;
    hln_record_feed(&vecs[3], &f);
    assert_memory_equal(f.author, vecs[3].env.author, HLN_KEY_LEN);
    assert_string_equal(f.scope, "CA");
    for (size_t i = 2; i < sizeof f.scope; i++)
        assert_int_equal(f.scope[i], 0); /* padded: feed ids compare with memcmp */
}

static void names_of_types_and_levels_parse_back(void **state)
{
    (void)state;
    uint32_t t;
    for (uint32_t i = HLN_REC_MEMBER; i <= HLN_REC_LAST; i++) {
        assert_int_equal(hln_rec_type_parse(hln_rec_type_name(i), &t), 0);
        assert_int_equal(t, i);
    }
    for (uint32_t i = HLN_RESULT_WORKED; i <= HLN_RESULT_TOO_EARLY; i++) {
        assert_int_equal(hln_lesson_result_parse(hln_lesson_result_name(i), &t), 0);
        assert_int_equal(t, i);
    }
    assert_int_equal(hln_lesson_result_parse("great", &t), HLN_EINVAL);
    assert_string_equal(hln_rec_type_name(0), "unknown");
    assert_int_equal(hln_rec_type_parse("nope", &t), HLN_EINVAL);
    for (uint32_t i = 0; i <= HLN_LEVEL_GLOBAL; i++) {
        assert_int_equal(hln_level_parse(hln_level_name(i), &t), 0);
        assert_int_equal(t, i);
    }
    assert_int_equal(hln_level_parse("planet", &t), HLN_EINVAL);
}

/* The one rule of which jurisdictions a level may have (hln_level_fits):
 * the member decoder, trust anchors and hlnctl all ask it. */
static void levels_fit_only_their_kind_of_jurisdiction(void **state)
{
    (void)state;
    assert_true(hln_level_fits(HLN_LEVEL_GLOBAL, "global"));
    assert_false(hln_level_fits(HLN_LEVEL_GLOBAL, "CA"));
    assert_true(hln_level_fits(HLN_LEVEL_NATIONAL, "CA"));
    assert_false(hln_level_fits(HLN_LEVEL_NATIONAL, "CA-ON"));
    assert_false(hln_level_fits(HLN_LEVEL_NATIONAL, "global"));
    assert_true(hln_level_fits(HLN_LEVEL_SUBNATIONAL, "CA-ON"));
    /* Six bytes like "global", but a subdivision; "global" is not one. */
    assert_true(hln_level_fits(HLN_LEVEL_SUBNATIONAL, "GB-ENG"));
    assert_false(hln_level_fits(HLN_LEVEL_SUBNATIONAL, "global"));
    assert_false(hln_level_fits(HLN_LEVEL_SUBNATIONAL, "CA"));
    /* An organization sits in a country or a subdivision, never "global". */
    assert_true(hln_level_fits(HLN_LEVEL_ORGANIZATION, "CA"));
    assert_true(hln_level_fits(HLN_LEVEL_ORGANIZATION, "CA-ON"));
    assert_false(hln_level_fits(HLN_LEVEL_ORGANIZATION, "global"));
    assert_false(hln_level_fits(HLN_LEVEL_ORGANIZATION, "ca"));
    /* An unknown level or no jurisdiction fits nothing. */
    assert_false(hln_level_fits(HLN_LEVEL_GLOBAL + 1, "global"));
    assert_false(hln_level_fits(HLN_LEVEL_GLOBAL + 1, "CA"));
    assert_false(hln_level_fits(HLN_LEVEL_NATIONAL, NULL));
    assert_false(hln_level_fits(HLN_LEVEL_GLOBAL, NULL));
}

static void summary_is_one_sanitized_line(void **state)
{
    (void)state;
    char s[256];
    hln_record_summary(&vecs[3], s, sizeof s);
    assert_string_equal(s, "mhpc.depression-screening 2026-09 unit=clinic-12 stratum= 45/120");
    hln_record_summary(&vecs[4], s, sizeof s);
    assert_non_null(strstr(s, "suppressed"));
    rec = vecs[0];
    strcpy(rec.body.member.name, "evil\x1b[2Jname");
    hln_record_summary(&rec, s, sizeof s);
    assert_null(strchr(s, '\x1b'));
}

/* ---- Seal refuses invalid records -------------------------------------- */

static void build_obs(hln_record *r, hln_identity *id, uint64_t seq)
{
    hln_record_init(r, HLN_REC_OBSERVATION, hln_identity_pk(id), "CA", seq, NULL, TS0);
    body_observation(r, "", 45, 120, false);
}

static void seal_refuses_a_bad_period(void **state)
{
    (void)state;
    hln_identity *id = ident(3);
    build_obs(&rec, id, 1);
    strcpy(rec.body.observation.period, "2026-13");
    assert_int_equal(hln_record_seal(&rec, id, err, sizeof err), HLN_EINVAL);
    assert_string_equal(err, "observation.period: not a period");
    hln_identity_destroy(&id);
}

static void seal_refuses_another_key(void **state)
{
    (void)state;
    hln_identity *id = ident(3), *other = ident(9);
    build_obs(&rec, id, 1);
    assert_int_equal(hln_record_seal(&rec, other, err, sizeof err), HLN_EINVAL);
    assert_err("envelope.author");
    hln_identity_destroy(&id);
    hln_identity_destroy(&other);
}

static void seal_refuses_a_broken_chain_link(void **state)
{
    (void)state;
    hln_identity *id = ident(3);
    build_obs(&rec, id, 2); /* seq 2 without prev */
    assert_int_equal(hln_record_seal(&rec, id, err, sizeof err), HLN_EINVAL);
    assert_err("envelope.prev");
    uint8_t prev[HLN_HASH_LEN] = {1};
    hln_record_init(&rec, HLN_REC_OBSERVATION, hln_identity_pk(id), "CA", 1, prev, TS0);
    body_observation(&rec, "", 1, 2, false);
    assert_int_equal(hln_record_seal(&rec, id, err, sizeof err), HLN_EINVAL);
    assert_err("envelope.prev");
    build_obs(&rec, id, 0);
    assert_int_equal(hln_record_seal(&rec, id, err, sizeof err), HLN_EINVAL);
    assert_err("envelope.seq");
    hln_identity_destroy(&id);
}

static void seal_refuses_a_scope_too_long_to_hold(void **state)
{
    (void)state;
    hln_identity *id = ident(3);
    hln_record_init(&rec, HLN_REC_OBSERVATION, hln_identity_pk(id), "globalx", 1, NULL, TS0);
    body_observation(&rec, "", 45, 120, false);
    assert_int_equal(hln_record_seal(&rec, id, err, sizeof err), HLN_EINVAL);
    assert_err("envelope.scope");
    hln_identity_destroy(&id);
}

static void seal_refuses_counts_on_a_suppressed_observation(void **state)
{
    (void)state;
    hln_identity *id = ident(3);
    build_obs(&rec, id, 1);
    rec.body.observation.suppressed = true;
    assert_int_equal(hln_record_seal(&rec, id, err, sizeof err), HLN_EINVAL);
    assert_err("observation.suppressed");
    hln_identity_destroy(&id);
}

static void seal_refuses_an_unterminated_field(void **state)
{
    (void)state;
    hln_identity *id = ident(3);
    build_obs(&rec, id, 1);
    memset(rec.body.observation.unit, 'a', sizeof rec.body.observation.unit);
    assert_int_equal(hln_record_seal(&rec, id, err, sizeof err), HLN_EINVAL);
    assert_err("observation.unit");
    hln_identity_destroy(&id);
}

static void seal_refuses_unsorted_strata_and_bad_member(void **state)
{
    (void)state;
    hln_identity *id = ident(2);
    hln_record_init(&rec, HLN_REC_INDICATOR, hln_identity_pk(id), "CA", 1, NULL, TS0);
    body_indicator(&rec);
    strcpy(rec.body.indicator.strata[0], "sex=m");
    assert_int_equal(hln_record_seal(&rec, id, err, sizeof err), HLN_EINVAL);
    assert_string_equal(err, "indicator.strata: not strictly ascending");
    hln_record_init(&rec, HLN_REC_MEMBER, hln_identity_pk(id), "CA", 1, NULL, TS0);
    body_member(&rec, 3);
    strcpy(rec.body.member.jurisdiction, "CA-ON"); /* a national member of a province */
    assert_int_equal(hln_record_seal(&rec, id, err, sizeof err), HLN_EINVAL);
    assert_err("member.jurisdiction");
    /* Six-byte subdivisions are not "global". */
    hln_record_init(&rec, HLN_REC_MEMBER, hln_identity_pk(id), "GB", 1, NULL, TS0);
    body_member(&rec, 3);
    rec.body.member.level = HLN_LEVEL_GLOBAL;
    strcpy(rec.body.member.jurisdiction, "GB-ENG");
    assert_int_equal(hln_record_seal(&rec, id, err, sizeof err), HLN_EINVAL);
    assert_err("member.jurisdiction");
    rec.body.member.level = HLN_LEVEL_SUBNATIONAL;
    assert_int_equal(hln_record_seal(&rec, id, err, sizeof err), 0);
    rec.body.member.level = HLN_LEVEL_ORGANIZATION;
    assert_int_equal(hln_record_seal(&rec, id, err, sizeof err), 0);
    hln_identity_destroy(&id);
}

static void seal_refuses_an_erased_record(void **state)
{
    (void)state;
    hln_identity *id = ident(3);
    build_obs(&rec, id, 1);
    rec.has_body = false;
    assert_int_equal(hln_record_seal(&rec, id, err, sizeof err), HLN_EINVAL);
    hln_identity_destroy(&id);
}

/* ---- Decoder refusals: the transport form ------------------------------- */

static void the_handcrafted_default_is_accepted(void **state)
{
    (void)state;
    mspec env = default_env();
    assert_int_equal(decode_env(&env), 0);
    assert_string_equal(rec.body.observation.period, "2026-09");
}

static void refuses_over_the_size_cap(void **state)
{
    (void)state;
    memset(buf, 0, sizeof buf);
    assert_int_equal(hln_record_decode(buf, HLN_RECORD_MAX + 1, &rec, err, sizeof err),
                     HLN_ETOOBIG);
}

static void refuses_a_non_array(void **state)
{
    (void)state;
    uint8_t b[] = {0x80};
    assert_int_equal(hln_record_decode(b, sizeof b, &rec, err, sizeof err), HLN_EDECODE);
    assert_err("expected an array");
}

static void refuses_an_array_of_two(void **state)
{
    (void)state;
    uint8_t b[] = {0x92, 0xc0, 0xc0};
    assert_int_equal(hln_record_decode(b, sizeof b, &rec, err, sizeof err), HLN_EDECODE);
    assert_err("array of 3");
}

static void refuses_trailing_bytes(void **state)
{
    (void)state;
    memcpy(buf, vecs[3].raw, vecs[3].raw_len);
    buf[vecs[3].raw_len] = 0;
    assert_int_equal(hln_record_decode(buf, vecs[3].raw_len + 1, &rec, err, sizeof err),
                     HLN_EDECODE);
    assert_err("trailing bytes");
}

static void refuses_truncated_bytes(void **state)
{
    (void)state;
    for (size_t n = 0; n < vecs[3].raw_len; n++)
        assert_int_not_equal(hln_record_decode(vecs[3].raw, n, &rec, err, sizeof err), 0);
}

static void refuses_a_count_larger_than_the_bytes_left(void **state)
{
    (void)state;
    uint8_t a[] = {0xdd, 0xff, 0xff, 0xff, 0xff, 0xc0};
    assert_int_equal(hln_record_decode(a, sizeof a, &rec, err, sizeof err), HLN_EDECODE);
    assert_err("count larger than the bytes left");
    uint8_t b[] = {0x93, 0xc6, 0xff, 0xff, 0xff, 0xf0, 0x00};
    assert_int_equal(hln_record_decode(b, sizeof b, &rec, err, sizeof err), HLN_EDECODE);
    assert_err("length larger than the bytes left");
}

static void refuses_a_signature_of_the_wrong_length(void **state)
{
    (void)state;
    const hln_record *v = &vecs[3];
    hln_mp_writer w;
    hln_mp_writer_init(&w, buf, sizeof buf);
    hln_mp_put_array(&w, 3);
    hln_mp_put_bin(&w, v->raw + v->env_off, v->env_len);
    hln_mp_put_bin(&w, v->sig, 63);
    hln_mp_put_bin(&w, v->raw + v->body_off, v->body_len);
    assert_int_equal(hln_record_decode(buf, w.len, &rec, err, sizeof err), HLN_EDECODE);
    assert_err("record.signature");
}

static void refuses_an_oversize_envelope(void **state)
{
    (void)state;
    uint8_t e[300] = {0};
    size_t n = wrap(buf, e, sizeof e, NULL, 0);
    assert_int_equal(hln_record_decode(buf, n, &rec, err, sizeof err), HLN_ETOOBIG);
    assert_err("record.envelope");
}

static void refuses_a_body_that_is_not_bin(void **state)
{
    (void)state;
    const hln_record *v = &vecs[3];
    hln_mp_writer w;
    hln_mp_writer_init(&w, buf, sizeof buf);
    hln_mp_put_array(&w, 3);
    hln_mp_put_bin(&w, v->raw + v->env_off, v->env_len);
    hln_mp_put_bin(&w, v->sig, HLN_SIG_LEN);
    hln_mp_put_str(&w, (const char *)v->raw + v->body_off, v->body_len);
    assert_int_equal(hln_record_decode(buf, w.len, &rec, err, sizeof err), HLN_EDECODE);
    assert_err("record.body");
}

static void refuses_a_bin_header_longer_than_needed(void **state)
{
    (void)state;
    /* The envelope in a bin 16 although it is shorter than 256 bytes. */
    const hln_record *v = &vecs[3];
    size_t n = 0;
    buf[n++] = 0x93;
    buf[n++] = 0xc5;
    buf[n++] = (uint8_t)(v->env_len >> 8);
    buf[n++] = (uint8_t)v->env_len;
    memcpy(buf + n, v->raw + v->env_off, v->raw_len - v->env_off);
    n += v->raw_len - v->env_off;
    assert_int_equal(hln_record_decode(buf, n, &rec, err, sizeof err), HLN_EDECODE);
    assert_string_equal(err, "record.envelope: not the shortest encoding");
}

/* ---- Decoder refusals: the envelope ------------------------------------- */

static void refuses_an_unknown_version(void **state)
{
    (void)state;
    mspec env = default_env();
    env.v[0] = N(2);
    assert_int_equal(decode_env(&env), HLN_EVERSION);
    assert_err("envelope.version");
}

static void refuses_a_non_shortest_integer(void **state)
{
    (void)state;
    mspec env = default_env();
    env.v[4] = "cc01";
    assert_int_equal(decode_env(&env), HLN_EDECODE);
    assert_string_equal(err, "envelope.seq: not the shortest encoding");
    env = default_env();
    env.v[6] = hexf("cf%016llx", (unsigned long long)TS0); /* over 2^32: uint 64 is the shortest */
    assert_int_equal(decode_env(&env), 0);
    env.v[6] = "cf00000000ffffffff";
    assert_int_equal(decode_env(&env), HLN_EDECODE);
    assert_err("envelope.timestamp_ms");
    env.v[6] = "cd00ff";
    assert_int_equal(decode_env(&env), HLN_EDECODE);
    env.v[6] = "ce0000ffff";
    assert_int_equal(decode_env(&env), HLN_EDECODE);
}

static void refuses_a_non_shortest_map_header(void **state)
{
    (void)state;
    mspec env = default_env();
    env.hdr = "de0009";
    assert_int_equal(decode_env(&env), HLN_EDECODE);
    assert_string_equal(err, "envelope: not the shortest encoding");
}

static void refuses_a_non_shortest_str(void **state)
{
    (void)state;
    mspec env = default_env();
    env.v[3] = "d9024341"; /* "CA" in a str 8 */
    assert_int_equal(decode_env(&env), HLN_EDECODE);
    assert_string_equal(err, "envelope.scope: not the shortest encoding");
}

static void refuses_unsorted_keys(void **state)
{
    (void)state;
    mspec env = default_env();
    const char *k = env.k[3], *v = env.v[3];
    env.k[3] = env.k[4], env.v[3] = env.v[4];
    env.k[4] = k, env.v[4] = v;
    assert_int_equal(decode_env(&env), HLN_EDECODE);
    assert_err("envelope.scope: missing map key");
}

static void refuses_a_duplicate_key(void **state)
{
    (void)state;
    mspec env = default_env();
    env.k[4] = env.k[3], env.v[4] = env.v[3];
    assert_int_equal(decode_env(&env), HLN_EDECODE);
    assert_string_equal(err, "envelope.seq: map keys not ascending");
}

static void refuses_an_unknown_key(void **state)
{
    (void)state;
    mspec env = default_env();
    env.hdr = "8a";
    env.k[9] = N(9), env.v[9] = N(0);
    env.n = 10;
    assert_int_equal(decode_env(&env), HLN_EDECODE);
    assert_err("unknown map key");
    env = default_env();
    env.k[8] = N(12); /* right count, but key 12 where 8 belongs */
    assert_int_equal(decode_env(&env), HLN_EDECODE);
    assert_string_equal(err, "envelope.body_len: unknown map key");
}

static void refuses_a_missing_key(void **state)
{
    (void)state;
    mspec env = default_env();
    env.hdr = "88";
    env.n = 8;
    assert_int_equal(decode_env(&env), HLN_EDECODE);
    assert_err("missing map key");
}

static void refuses_a_key_that_is_not_a_uint(void **state)
{
    (void)state;
    mspec env = default_env();
    env.k[2] = S("a");
    assert_int_equal(decode_env(&env), HLN_EDECODE);
    assert_string_equal(err, "envelope.author: map key is not an unsigned integer");
}

static void refuses_seq_zero(void **state)
{
    (void)state;
    mspec env = default_env();
    env.v[4] = N(0);
    assert_int_equal(decode_env(&env), HLN_EDECODE);
    assert_err("envelope.seq");
}

static void refuses_prev_not_matching_seq(void **state)
{
    (void)state;
    uint8_t h[HLN_HASH_LEN] = {7};
    mspec env = default_env();
    env.v[4] = N(2); /* seq 2, prev nil */
    assert_int_equal(decode_env(&env), HLN_EDECODE);
    assert_err("envelope.prev");
    env = default_env();
    env.v[5] = B(h, sizeof h); /* seq 1, prev given */
    assert_int_equal(decode_env(&env), HLN_EDECODE);
    assert_err("envelope.prev");
    env.v[4] = N(2);
    assert_int_equal(decode_env(&env), 0);
    env.v[5] = B(h, 31);
    assert_int_equal(decode_env(&env), HLN_EDECODE);
    assert_string_equal(err, "envelope.prev: wrong length");
}

static void refuses_an_unknown_type(void **state)
{
    (void)state;
    mspec env = default_env();
    env.v[1] = N(HLN_REC_LAST + 1);
    assert_int_equal(decode_env(&env), HLN_EDECODE);
    assert_string_equal(err, "envelope.type: unknown record type");
}

static void refuses_a_bad_scope(void **state)
{
    (void)state;
    mspec env = default_env();
    env.v[3] = S("ca");
    assert_int_equal(decode_env(&env), HLN_EDECODE);
    assert_string_equal(err, "envelope.scope: not a scope");
    env.v[3] = S("globals");
    assert_int_equal(decode_env(&env), HLN_ETOOBIG);
    assert_err("envelope.scope");
}

static void refuses_a_short_author(void **state)
{
    (void)state;
    mspec env = default_env();
    env.v[2] = B(author_pk, 31);
    assert_int_equal(decode_env(&env), HLN_EDECODE);
    assert_string_equal(err, "envelope.author: wrong length");
}

static void refuses_floats_and_negative_integers(void **state)
{
    (void)state;
    mspec env = default_env();
    env.v[6] = "cb4000000000000000";
    assert_int_equal(decode_env(&env), HLN_EDECODE);
    assert_string_equal(err, "envelope.timestamp_ms: floats are not allowed");
    env.v[6] = "ff";
    assert_int_equal(decode_env(&env), HLN_EDECODE);
    assert_string_equal(err, "envelope.timestamp_ms: signed integers are not allowed");
    env.v[6] = "d001";
    assert_int_equal(decode_env(&env), HLN_EDECODE);
    env.v[6] = "d40100";
    assert_int_equal(decode_env(&env), HLN_EDECODE);
    assert_err("ext types");
}

static void refuses_an_oversize_body_len(void **state)
{
    (void)state;
    mspec env = default_env();
    env.v[8] = N(HLN_BODY_MAX + 1);
    assert_int_equal(decode_env(&env), HLN_ETOOBIG);
    assert_err("envelope.body_len");
}

static void refuses_bytes_after_the_envelope_map(void **state)
{
    (void)state;
    mspec env = default_env();
    env.v[8] = hexf("%s%s", env.v[8], "c0");
    assert_int_equal(decode_env(&env), HLN_EDECODE);
    assert_string_equal(err, "envelope: trailing bytes");
}

/* ---- Decoder refusals: the body ------------------------------------------ */

static void refuses_a_body_not_matching_its_hash(void **state)
{
    (void)state;
    mspec body = obs_spec();
    uint8_t b[512];
    size_t bl = mspec_bytes(&body, b, sizeof b);
    mspec env = env_spec(HLN_REC_OBSERVATION, b, bl);
    body.v[4] = N(46); /* the counts changed after signing */
    assert_int_equal(decode_specs(&env, &body), HLN_EHASH);
    assert_string_equal(err, "body: does not match envelope.body_hash");
}

/* The store's read of its own copies: every field check, no hashes, the
 * id it recorded given. */
static void a_stored_copy_is_decoded_with_its_recorded_id_and_no_hashes(void **state)
{
    (void)state;
    static hln_record st;
    uint8_t given[HLN_HASH_LEN];
    memset(given, 0xab, sizeof given);
    mspec body = obs_spec();
    uint8_t b[512];
    size_t bl = mspec_bytes(&body, b, sizeof b);
    mspec env = env_spec(HLN_REC_OBSERVATION, b, bl);
    assert_int_equal(decode_specs(&env, &body), 0);
    size_t n = rec.raw_len;
    assert_int_equal(hln_record_decode_stored(rec.raw, n, rec.id, &st, err, sizeof err), 0);
    assert_memory_equal(&st.env, &rec.env, sizeof rec.env);
    assert_memory_equal(st.id, rec.id, HLN_HASH_LEN);
    assert_int_equal(st.body.observation.numerator, rec.body.observation.numerator);
    /* The id is the one given, not the envelope's hash. */
    assert_int_equal(hln_record_decode_stored(rec.raw, n, given, &st, err, sizeof err), 0);
    assert_memory_equal(st.id, given, HLN_HASH_LEN);
    /* A body that no longer matches its hash: refused by the decoder,
     * taken by the store's read (the store checked it when it came in). */
    body.v[4] = N(46);
    assert_int_equal(decode_specs(&env, &body), HLN_EHASH);
    uint8_t e[1024];
    bl = mspec_bytes(&body, b, sizeof b);
    size_t el = mspec_bytes(&env, e, sizeof e);
    n = wrap(buf, e, el, b, bl);
    assert_int_equal(hln_record_decode_stored(buf, n, given, &st, err, sizeof err), 0);
    assert_int_equal(st.body.observation.numerator, 46);
    /* Every other check stands: a field out of its pattern is refused. */
    body = obs_spec();
    body.v[1] = S("2026-13");
    bl = mspec_bytes(&body, b, sizeof b);
    env = env_spec(HLN_REC_OBSERVATION, b, bl);
    el = mspec_bytes(&env, e, sizeof e);
    n = wrap(buf, e, el, b, bl);
    err[0] = '\0';
    assert_int_equal(hln_record_decode_stored(buf, n, given, &st, err, sizeof err), HLN_EDECODE);
    assert_true(err[0] != '\0');
    assert_int_equal(hln_record_decode_stored(buf, n, NULL, &st, err, sizeof err), HLN_EINVAL);
}

static void refuses_a_body_not_matching_its_length(void **state)
{
    (void)state;
    mspec body = obs_spec();
    uint8_t b[512];
    size_t bl = mspec_bytes(&body, b, sizeof b);
    mspec env = env_spec(HLN_REC_OBSERVATION, b, bl);
    env.v[8] = N(bl + 1);
    assert_int_equal(decode_specs(&env, &body), HLN_EHASH);
    assert_err("envelope.body_len");
}

static void refuses_a_body_of_another_type(void **state)
{
    (void)state;
    mspec body = obs_spec();
    assert_int_equal(decode_body_as(HLN_REC_MEMBER, &body), HLN_EDECODE);
    assert_string_equal(err, "member.subject: expected a bin");
    assert_int_equal(decode_body_as(HLN_REC_POLICY, &body), HLN_EDECODE);
    assert_string_equal(err, "policy: unknown map key");
}

static void refuses_a_bad_period(void **state)
{
    (void)state;
    mspec body = obs_spec();
    body.v[1] = S("2026-13");
    assert_int_equal(decode_obs(&body), HLN_EDECODE);
    assert_string_equal(err, "observation.period: not a period");
}

static void refuses_bad_codes(void **state)
{
    (void)state;
    mspec body = obs_spec();
    body.v[0] = S("Depression");
    assert_int_equal(decode_obs(&body), HLN_EDECODE);
    assert_string_equal(err, "observation.indicator: not an indicator code");
    body = obs_spec();
    body.v[2] = S("clinic 12");
    assert_int_equal(decode_obs(&body), HLN_EDECODE);
    assert_string_equal(err, "observation.unit: not a unit code");
    body = obs_spec();
    body.v[3] = S("age=65+");
    assert_int_equal(decode_obs(&body), HLN_EDECODE);
    assert_string_equal(err, "observation.stratum: not a stratum code");
}

static void refuses_counts_on_a_suppressed_observation(void **state)
{
    (void)state;
    mspec body = obs_spec();
    body.v[6] = "c3";
    assert_int_equal(decode_obs(&body), HLN_EDECODE);
    assert_string_equal(err, "observation.suppressed: counts must be 0 when suppressed");
    body.v[4] = N(0), body.v[5] = N(0);
    assert_int_equal(decode_obs(&body), 0);
    assert_true(rec.body.observation.suppressed);
}

static void refuses_counts_past_2_pow_53(void **state)
{
    (void)state;
    mspec body = obs_spec();
    body.v[5] = N(HLN_COUNT_MAX + 1);
    assert_int_equal(decode_obs(&body), HLN_EDECODE);
    assert_err("observation.denominator");
    body = obs_spec();
    body.v[5] = N(0);
    assert_int_equal(decode_obs(&body), HLN_EDECODE);
    assert_err("observation.numerator");
}

static void refuses_a_boolean_written_as_an_integer(void **state)
{
    (void)state;
    mspec body = obs_spec();
    body.v[6] = N(0);
    assert_int_equal(decode_obs(&body), HLN_EDECODE);
    assert_string_equal(err, "observation.suppressed: expected a boolean");
}

static mspec member_spec(void)
{
    mspec m;
    mspec_init(&m, 7);
    m.v[0] = B(author_pk, HLN_KEY_LEN);
    m.v[1] = S("Clinique Saint-Jérôme");
    m.v[2] = N(HLN_LEVEL_ORGANIZATION);
    m.v[3] = S("CA-QC");
    m.v[4] = N(HLN_ROLE_PUBLISH);
    m.v[5] = N(TS0);
    m.v[6] = N(0);
    return m;
}

static void refuses_invalid_utf8_and_control_characters(void **state)
{
    (void)state;
    mspec m = member_spec();
    assert_int_equal(decode_body_as(HLN_REC_MEMBER, &m), 0);
    m.v[1] = hexf("a3%s", "41c328"); /* "A" then a broken 2-byte sequence */
    assert_int_equal(decode_body_as(HLN_REC_MEMBER, &m), HLN_EDECODE);
    assert_string_equal(err, "member.name: empty, not UTF-8, or holds a control character");
    m.v[1] = S("bell\a");
    assert_int_equal(decode_body_as(HLN_REC_MEMBER, &m), HLN_EDECODE);
    assert_err("member.name");
    m.v[1] = hexf("a3%s", "410042"); /* an embedded NUL */
    assert_int_equal(decode_body_as(HLN_REC_MEMBER, &m), HLN_EDECODE);
    m.v[1] = S("");
    assert_int_equal(decode_body_as(HLN_REC_MEMBER, &m), HLN_EDECODE);
}

static void refuses_an_oversize_name(void **state)
{
    (void)state;
    char name[HLN_NAME_MAX + 2];
    memset(name, 'n', sizeof name - 1);
    name[sizeof name - 1] = '\0';
    mspec m = member_spec();
    m.v[1] = S(name);
    assert_int_equal(decode_body_as(HLN_REC_MEMBER, &m), HLN_ETOOBIG);
    assert_string_equal(err, "member.name: too long");
    name[HLN_NAME_MAX] = '\0';
    m.v[1] = S(name);
    assert_int_equal(decode_body_as(HLN_REC_MEMBER, &m), 0);
}

static void refuses_a_member_whose_level_and_jurisdiction_disagree(void **state)
{
    (void)state;
    mspec m = member_spec();
    m.v[2] = N(HLN_LEVEL_NATIONAL);
    assert_int_equal(decode_body_as(HLN_REC_MEMBER, &m), HLN_EDECODE);
    assert_string_equal(err, "member.jurisdiction: does not fit the level");
    m.v[2] = N(7);
    assert_int_equal(decode_body_as(HLN_REC_MEMBER, &m), HLN_EDECODE);
    assert_string_equal(err, "member.level: not a level");
}

static void refuses_unknown_role_bits_and_empty_validity(void **state)
{
    (void)state;
    mspec m = member_spec();
    m.v[4] = N(8);
    assert_int_equal(decode_body_as(HLN_REC_MEMBER, &m), HLN_EDECODE);
    assert_string_equal(err, "member.roles: unknown role bits");
    m = member_spec();
    m.v[6] = N(TS0);
    assert_int_equal(decode_body_as(HLN_REC_MEMBER, &m), HLN_EDECODE);
    assert_err("member.valid_until_ms");
    m.v[4] = N(UINT64_C(1) << 32);
    assert_int_equal(decode_body_as(HLN_REC_MEMBER, &m), HLN_EDECODE);
    assert_string_equal(err, "member.roles: out of range");
}

static mspec indicator_spec(void)
{
    mspec m;
    mspec_init(&m, 10);
    m.v[0] = S("mhpc.followup-7d");
    m.v[1] = N(2);
    m.v[2] = S("Follow-up within 7 days");
    m.v[3] = N(HLN_DOMAIN_PROCESS);
    m.v[4] = N(HLN_KIND_RATE);
    m.v[5] = N(1000);
    m.v[6] = N(HLN_DIR_LOWER);
    m.v[7] = N(HLN_FUNNEL_EXACT);
    m.v[8] = hexf("92%s%s", S("sex=f"), S("sex=m"));
    m.v[9] = S("");
    return m;
}

static void refuses_unsorted_or_too_many_strata(void **state)
{
    (void)state;
    mspec m = indicator_spec();
    assert_int_equal(decode_body_as(HLN_REC_INDICATOR, &m), 0);
    assert_int_equal(rec.body.indicator.n_strata, 2);
    m.v[8] = hexf("92%s%s", S("sex=m"), S("sex=f"));
    assert_int_equal(decode_body_as(HLN_REC_INDICATOR, &m), HLN_EDECODE);
    assert_string_equal(err, "indicator.strata: not strictly ascending");
    m.v[8] = hexf("92%s%s", S("sex=f"), S("sex=f"));
    assert_int_equal(decode_body_as(HLN_REC_INDICATOR, &m), HLN_EDECODE);
    m.v[8] = hexf("91%s", S(""));
    assert_int_equal(decode_body_as(HLN_REC_INDICATOR, &m), HLN_EDECODE);
    char many[2048];
    snprintf(many, sizeof many, "dc%04x", HLN_STRATA_MAX + 1);
    for (int i = 0; i < HLN_STRATA_MAX + 1; i++)
        strcat(many, S(hexf("s%02d", i)));
    m.v[8] = many;
    assert_int_equal(decode_body_as(HLN_REC_INDICATOR, &m), HLN_ETOOBIG);
    assert_string_equal(err, "indicator.strata: too many entries");
}

static void refuses_a_proportion_with_a_multiplier(void **state)
{
    (void)state;
    mspec m = indicator_spec();
    m.v[4] = N(HLN_KIND_PROPORTION);
    assert_int_equal(decode_body_as(HLN_REC_INDICATOR, &m), HLN_EDECODE);
    assert_err("indicator.multiplier");
    m = indicator_spec();
    m.v[3] = N(4);
    assert_int_equal(decode_body_as(HLN_REC_INDICATOR, &m), HLN_EDECODE);
    assert_string_equal(err, "indicator.domain: not a domain");
    m = indicator_spec();
    m.v[9] = S("line one\nline two");
    assert_int_equal(decode_body_as(HLN_REC_INDICATOR, &m), 0);
    m.v[2] = S("line one\nline two");
    assert_int_equal(decode_body_as(HLN_REC_INDICATOR, &m), HLN_EDECODE);
    assert_err("indicator.title");
}

static void refuses_bad_endpoints(void **state)
{
    (void)state;
    mspec m;
    mspec_init(&m, 1);
    m.v[0] = hexf("91%s", S("tcp://node.example.org:7411"));
    assert_int_equal(decode_body_as(HLN_REC_ADDRESS, &m), 0);
    m.v[0] = hexf("91%s", S("tcp://node.example.org:99999"));
    assert_int_equal(decode_body_as(HLN_REC_ADDRESS, &m), HLN_EDECODE);
    assert_string_equal(err, "address.endpoints: not an endpoint (tcp://host:port)");
    m.v[0] = hexf("92%s%s", S("tcp://a:1"), S("tcp://a:1"));
    assert_int_equal(decode_body_as(HLN_REC_ADDRESS, &m), HLN_EDECODE);
    assert_err("repeats");
    m.v[0] = hexf("95%s%s%s%s%s", S("tcp://a:1"), S("tcp://a:2"), S("tcp://a:3"), S("tcp://a:4"),
                  S("tcp://a:5"));
    assert_int_equal(decode_body_as(HLN_REC_ADDRESS, &m), HLN_ETOOBIG);
}

/* Valid bodies of the learning records, as specs to spoil. */
static mspec lesson_spec(void)
{
    mspec m;
    mspec_init(&m, 8);
    m.v[0] = hexf("91%s", S("mhpc.depression-screening"));
    m.v[1] = S("2026-12");
    m.v[2] = S("");
    m.v[3] = S("on-dep-2026");
    m.v[4] = N(2);
    m.v[5] = S("");
    m.v[6] = N(HLN_RESULT_MIXED);
    m.v[7] = S("Recall by text message helped the younger adults only.");
    return m;
}

static mspec collaborative_spec(void)
{
    mspec m;
    mspec_init(&m, 8);
    m.v[0] = S("on-dep-2026");
    m.v[1] = S("Ontario depression screening");
    m.v[2] = S("Screen 70% of adults.");
    m.v[3] = hexf("91%s", S("mhpc.depression-screening"));
    m.v[4] = S("2026-10");
    m.v[5] = S("2027-06");
    m.v[6] = "90";
    m.v[7] = hexf("9182%s%s%s%s", N(0), S("PHQ-2 at intake"), N(1), S(""));
    return m;
}

static void refuses_a_lesson_that_carries_an_identifier(void **state)
{
    (void)state;
    mspec m = lesson_spec();
    assert_int_equal(decode_body_as(HLN_REC_LESSON, &m), 0);
    assert_int_equal(rec.body.lesson.idea, 2);
    m.v[7] = S("Called the patient born 12/03/1984 back.");
    assert_int_equal(decode_body_as(HLN_REC_LESSON, &m), HLN_EDECODE);
    assert_err("lesson.text: ");
    assert_err("identifier");
    m = lesson_spec();
    m.v[5] = S("ask jane@clinic.example.ca");
    assert_int_equal(decode_body_as(HLN_REC_LESSON, &m), HLN_EDECODE);
    assert_err("lesson.change");
    m = lesson_spec();
    m.v[7] = S("");
    assert_int_equal(decode_body_as(HLN_REC_LESSON, &m), HLN_EDECODE);
    assert_err("lesson.text");
}

static void refuses_bad_lesson_fields(void **state)
{
    (void)state;
    mspec m = lesson_spec();
    m.v[6] = N(4);
    assert_int_equal(decode_body_as(HLN_REC_LESSON, &m), HLN_EDECODE);
    assert_string_equal(err, "lesson.result: not a result");
    m = lesson_spec();
    m.v[3] = S("");
    assert_int_equal(decode_body_as(HLN_REC_LESSON, &m), HLN_EDECODE);
    assert_string_equal(err, "lesson.idea: an idea number needs a collaborative");
    m = lesson_spec();
    m.v[4] = N(HLN_IDEAS_MAX + 1);
    assert_int_equal(decode_body_as(HLN_REC_LESSON, &m), HLN_EDECODE);
    m = lesson_spec();
    m.v[0] = "90";
    assert_int_equal(decode_body_as(HLN_REC_LESSON, &m), HLN_EDECODE);
    assert_string_equal(err, "lesson.indicators: too few elements");
    m.v[0] = hexf("92%s%s", S("mhpc.b"), S("mhpc.a"));
    assert_int_equal(decode_body_as(HLN_REC_LESSON, &m), HLN_EDECODE);
    assert_string_equal(err, "lesson.indicators: not strictly ascending");
    m.v[0] = hexf("95%s%s%s%s%s", S("a.a"), S("a.b"), S("a.c"), S("a.d"), S("a.e"));
    assert_int_equal(decode_body_as(HLN_REC_LESSON, &m), HLN_ETOOBIG);
}

static void refuses_bad_collaborative_fields(void **state)
{
    (void)state;
    mspec m = collaborative_spec();
    assert_int_equal(decode_body_as(HLN_REC_COLLABORATIVE, &m), 0);
    assert_int_equal(rec.body.collaborative.n_ideas, 1);
    m.v[5] = S("2026-09");
    assert_int_equal(decode_body_as(HLN_REC_COLLABORATIVE, &m), HLN_EDECODE);
    assert_string_equal(err, "collaborative.end: ends before it starts");
    m = collaborative_spec();
    uint8_t k1[HLN_KEY_LEN], k2[HLN_KEY_LEN];
    memset(k1, 1, sizeof k1);
    memset(k2, 2, sizeof k2);
    m.v[6] = hexf("92%s%s", B(k2, HLN_KEY_LEN), B(k1, HLN_KEY_LEN));
    assert_int_equal(decode_body_as(HLN_REC_COLLABORATIVE, &m), HLN_EDECODE);
    assert_string_equal(err, "collaborative.members: not strictly ascending");
    m.v[6] = hexf("91%s", B(k1, 31));
    assert_int_equal(decode_body_as(HLN_REC_COLLABORATIVE, &m), HLN_EDECODE);
    m = collaborative_spec();
    m.v[7] = hexf("9181%s%s", N(0), S("only a title"));
    assert_int_equal(decode_body_as(HLN_REC_COLLABORATIVE, &m), HLN_EDECODE);
    assert_string_equal(err, "collaborative.ideas: missing map key");
    m.v[7] = hexf("9182%s%s%s%s", N(0), S(""), N(1), S(""));
    assert_int_equal(decode_body_as(HLN_REC_COLLABORATIVE, &m), HLN_EDECODE);
    assert_err("collaborative.ideas.title");
    m = collaborative_spec();
    m.v[0] = S("");
    assert_int_equal(decode_body_as(HLN_REC_COLLABORATIVE, &m), HLN_EDECODE);
    assert_string_equal(err, "collaborative.code: not a collaborative code");
}

static void refuses_a_target_past_2_pow_53(void **state)
{
    (void)state;
    mspec m;
    mspec_init(&m, 5);
    m.v[0] = S("mhpc.depression-screening");
    m.v[1] = S("");
    m.v[2] = S("");
    m.v[3] = N(HLN_COUNT_MAX);
    m.v[4] = S("2027");
    assert_int_equal(decode_body_as(HLN_REC_TARGET, &m), 0);
    m.v[3] = N(HLN_COUNT_MAX + 1);
    assert_int_equal(decode_body_as(HLN_REC_TARGET, &m), HLN_EDECODE);
    assert_string_equal(err, "target.value_micro: over 2^53-1");
    m.v[3] = N(1);
    m.v[4] = S("2027-13");
    assert_int_equal(decode_body_as(HLN_REC_TARGET, &m), HLN_EDECODE);
    assert_string_equal(err, "target.by: not a period");
}

static void seal_refuses_a_lesson_with_an_identifier(void **state)
{
    (void)state;
    hln_identity *id = ident(3);
    rec = vecs[10];
    strcpy(rec.body.lesson.text, "Reach us at 416-555-0199.");
    assert_int_equal(hln_record_seal(&rec, id, err, sizeof err), HLN_EINVAL);
    assert_err("lesson.text");
    hln_identity_destroy(&id);
}

static void refuses_a_control_character_in_a_reason(void **state)
{
    (void)state;
    uint8_t t[HLN_HASH_LEN] = {0};
    mspec m;
    mspec_init(&m, 3);
    m.v[0] = B(t, sizeof t);
    m.v[1] = "c3";
    m.v[2] = S("oops");
    assert_int_equal(decode_body_as(HLN_REC_RETRACT, &m), 0);
    assert_true(rec.body.retract.erase);
    m.v[2] = S("oops\x1b[31m");
    assert_int_equal(decode_body_as(HLN_REC_RETRACT, &m), HLN_EDECODE);
    assert_err("retract.reason");
}

static void refuses_bytes_after_the_body_map(void **state)
{
    (void)state;
    mspec body = obs_spec();
    body.v[6] = "c2c0";
    assert_int_equal(decode_obs(&body), HLN_EDECODE);
    assert_string_equal(err, "observation: trailing bytes");
}

/* ---- The canonical msgpack helpers (proto/mp.h) ------------------------ */

static void mp_writer_and_reader_agree_on_shortest_integers(void **state)
{
    (void)state;
    const uint64_t v[] = {0, 127, 128, 255, 256, 65535, 65536, UINT32_MAX, UINT64_C(1) << 32,
                          UINT64_MAX};
    const size_t len[] = {1, 1, 2, 2, 3, 3, 5, 5, 9, 9};
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        uint8_t b[16];
        hln_mp_writer w;
        hln_mp_writer_init(&w, b, sizeof b);
        hln_mp_put_uint(&w, v[i]);
        assert_int_equal(w.len, len[i]);
        hln_mp_reader r;
        uint64_t x;
        hln_mp_reader_init(&r, b, w.len);
        assert_int_equal(hln_mp_get_uint(&r, &x), 0);
        assert_true(x == v[i]);
        assert_int_equal(hln_mp_finish(&r), 0);
    }
}

static void mp_reader_refuses_longer_headers_than_needed(void **state)
{
    (void)state;
    /* Each is a valid msgpack value in a longer form than canonical. */
    const char *bad[] = {"cc7f", "cd00ff", "ce0000ffff", "cf00000000ffffffff", "d90141",
                         "da0001" "41", "c50001" "41", "dc000f", "de0000"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        uint8_t b[64];
        size_t n = unhex_any(bad[i], b, sizeof b);
        hln_mp_reader r;
        uint64_t x;
        const char *s;
        const uint8_t *bb;
        size_t l;
        uint32_t c;
        hln_mp_reader_init(&r, b, n);
        int rc;
        switch (b[0]) {
        case 0xd9: case 0xda: rc = hln_mp_get_str(&r, 100, &s, &l); break;
        case 0xc5: rc = hln_mp_get_bin(&r, 100, &bb, &l); break;
        case 0xdc: rc = hln_mp_get_array(&r, 100, &c); break;
        case 0xde: rc = hln_mp_get_map(&r, 100, &c); break;
        default: rc = hln_mp_get_uint(&r, &x); break;
        }
        assert_int_equal(rc, HLN_EDECODE);
        assert_string_equal(r.why, "not the shortest encoding");
        assert_true(r.p == b); /* a failed get does not move the cursor */
    }
}

static void mp_reader_accepts_the_8_bit_forms_at_their_lower_bounds(void **state)
{
    (void)state;
    char h[200] = "d920";
    for (int i = 0; i < 32; i++)
        strcat(h, "61");
    uint8_t b[128];
    size_t n = unhex_any(h, b, sizeof b);
    hln_mp_reader r;
    const char *s;
    size_t l;
    hln_mp_reader_init(&r, b, n);
    assert_int_equal(hln_mp_get_str(&r, 32, &s, &l), 0);
    assert_int_equal(l, 32);
    hln_mp_reader_init(&r, b, n);
    assert_int_equal(hln_mp_get_str(&r, 31, &s, &l), HLN_ETOOBIG);
    uint8_t e[] = {0xc4, 0x00};
    const uint8_t *bb;
    hln_mp_reader_init(&r, e, sizeof e);
    assert_int_equal(hln_mp_get_bin(&r, 0, &bb, &l), 0);
    assert_int_equal(l, 0);
}

static void mp_writer_reports_overflow_once(void **state)
{
    (void)state;
    uint8_t b[4];
    hln_mp_writer w;
    hln_mp_writer_init(&w, b, sizeof b);
    hln_mp_put_uint(&w, 1);
    hln_mp_put_cstr(&w, "longer than four");
    hln_mp_put_uint(&w, 2);
    assert_int_equal(hln_mp_writer_status(&w), HLN_ETOOBIG);
    /* The str header fitted, its body did not; nothing is written after. */
    assert_int_equal(w.len, 2);
}

static void mp_writer_to_an_sbuffer_writes_the_same_bytes(void **state)
{
    (void)state;
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    hln_mp_writer w;
    hln_mp_writer_init_sbuffer(&w, &sb);
    hln_mp_put_map(&w, 1);
    hln_mp_put_uint(&w, 0);
    hln_mp_put_cstr(&w, "CA");
    assert_int_equal(hln_mp_writer_status(&w), 0);
    assert_int_equal(hln_mp_writer_len(&w), 5);
    assert_memory_equal(sb.data, "\x81\x00\xa2" "CA", 5);
    msgpack_sbuffer_destroy(&sb);
}

/* ---- Known-answer vectors ---------------------------------------------------- */

/* Read the file and check every vector: the fields it lists are what the
 * raw bytes decode to, the id is theirs, the signature verifies under the
 * key from the seed, and today's encoder still writes the same bytes. */
static void vectors_file_matches_decoder_and_encoder(void **state)
{
    (void)state;
    FILE *f = fopen(VECTORS_PATH, "r");
    if (!f)
        fail_msg("cannot open %s (run from the repository root)", VECTORS_PATH);
    static char line[2 * HLN_RECORD_MAX + 64], want[16384], got[16384];
    static uint8_t raw[HLN_RECORD_MAX];
    uint8_t seed[32], id[HLN_HASH_LEN];
    int seen = 0, vi = -1;
    size_t wl = 0, raw_len = 0;
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = '\0';
        if (line[0] == '#')
            continue;
        if (strncmp(line, "vector ", 7) == 0) {
            vi = -1;
            for (int i = 0; i < NVEC; i++)
                if (strcmp(line + 7, vec_names[i]) == 0)
                    vi = i;
            assert_true(vi >= 0);
            wl = 0;
            want[0] = '\0';
        } else if (strncmp(line, "seed ", 5) == 0) {
            assert_int_equal(hln_unhex(line + 5, seed, 32), 0);
        } else if (strncmp(line, "raw ", 4) == 0) {
            raw_len = strlen(line + 4) / 2;
            assert_int_equal(hln_unhex(line + 4, raw, raw_len), 0);
        } else if (strncmp(line, "id ", 3) == 0) {
            assert_int_equal(hln_unhex(line + 3, id, HLN_HASH_LEN), 0);
        } else if (line[0] == '\0' && vi >= 0) {
            assert_int_equal(hln_record_decode(raw, raw_len, &rec, err, sizeof err), 0);
            assert_memory_equal(rec.id, id, HLN_HASH_LEN);
            hln_identity *k = hln_identity_from_seed(seed);
            assert_memory_equal(hln_identity_pk(k), rec.env.author, HLN_KEY_LEN);
            hln_identity_destroy(&k);
            assert_int_equal(hln_record_verify(&rec), 0);
            FILE *m = fmemopen(got, sizeof got, "w");
            dump_fields(m, &rec);
            fclose(m);
            assert_string_equal(got, want);
            assert_int_equal(raw_len, vecs[vi].raw_len);
            assert_memory_equal(raw, vecs[vi].raw, raw_len);
            seen++;
            vi = -1;
        } else if (vi >= 0) {
            wl += (size_t)snprintf(want + wl, sizeof want - wl, "%s\n", line);
        }
    }
    fclose(f);
    assert_int_equal(seen, NVEC);
}

/* The fuzz seed corpus: every vector in transport form ("vec-NAME") and,
 * for fuzz_record's body mode, its body behind a byte that selects its type
 * ("body-NAME": type - 1, which is never 0x93). */
static int write_corpus(const char *dir)
{
    char path[512];
    for (int i = 0; i < NVEC; i++) {
        const hln_record *v = &vecs[i];
        for (int body = 0; body < 2; body++) {
            if (body && !v->has_body)
                continue;
            snprintf(path, sizeof path, "%s/%s-%s", dir, body ? "body" : "vec", vec_names[i]);
            FILE *f = fopen(path, "wb");
            if (!f)
                return 1;
            if (body) {
                fputc((int)(v->env.type - 1), f);
                fwrite(v->raw + v->body_off, 1, v->body_len, f);
            } else {
                fwrite(v->raw, 1, v->raw_len, f);
            }
            if (fclose(f))
                return 1;
        }
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "--write-corpus") == 0)
        return setup_group(NULL) ? 1 : write_corpus(argv[2]);
    if (argc == 3 && strcmp(argv[1], "--write-vectors") == 0) {
        if (setup_group(NULL))
            return 1;
        FILE *f = fopen(argv[2], "w");
        if (!f)
            return 1;
        write_vectors(f);
        return fclose(f) ? 1 : 0;
    }
#define T_(fn) cmocka_unit_test_setup(fn, reset_pool)
    const struct CMUnitTest tests[] = {
        T_(every_type_survives_seal_then_decode),
        T_(the_type_is_read_without_decoding),
        T_(a_stored_copy_is_decoded_with_its_recorded_id_and_no_hashes),
        T_(decoded_record_encodes_back_to_its_bytes),
        T_(decoding_in_place_works),
        T_(seal_fills_id_as_hash_of_envelope),
        T_(sealing_in_two_halves_makes_the_same_record),
        T_(tampered_signature_fails_verify),
        T_(another_authors_key_fails_verify),
        T_(erased_body_keeps_id_and_signature),
        T_(feed_is_author_and_scope),
        T_(names_of_types_and_levels_parse_back),
        T_(levels_fit_only_their_kind_of_jurisdiction),
        T_(summary_is_one_sanitized_line),
        T_(seal_refuses_a_bad_period),
        T_(seal_refuses_another_key),
        T_(seal_refuses_a_broken_chain_link),
        T_(seal_refuses_a_scope_too_long_to_hold),
        T_(seal_refuses_counts_on_a_suppressed_observation),
        T_(seal_refuses_an_unterminated_field),
        T_(seal_refuses_unsorted_strata_and_bad_member),
        T_(seal_refuses_an_erased_record),
        T_(the_handcrafted_default_is_accepted),
        T_(refuses_over_the_size_cap),
        T_(refuses_a_non_array),
        T_(refuses_an_array_of_two),
        T_(refuses_trailing_bytes),
        T_(refuses_truncated_bytes),
        T_(refuses_a_count_larger_than_the_bytes_left),
        T_(refuses_a_signature_of_the_wrong_length),
        T_(refuses_an_oversize_envelope),
        T_(refuses_a_body_that_is_not_bin),
        T_(refuses_a_bin_header_longer_than_needed),
        T_(refuses_an_unknown_version),
        T_(refuses_a_non_shortest_integer),
        T_(refuses_a_non_shortest_map_header),
        T_(refuses_a_non_shortest_str),
        T_(refuses_unsorted_keys),
        T_(refuses_a_duplicate_key),
        T_(refuses_an_unknown_key),
        T_(refuses_a_missing_key),
        T_(refuses_a_key_that_is_not_a_uint),
        T_(refuses_seq_zero),
        T_(refuses_prev_not_matching_seq),
        T_(refuses_an_unknown_type),
        T_(refuses_a_bad_scope),
        T_(refuses_a_short_author),
        T_(refuses_floats_and_negative_integers),
        T_(refuses_an_oversize_body_len),
        T_(refuses_bytes_after_the_envelope_map),
        T_(refuses_a_body_not_matching_its_hash),
        T_(refuses_a_body_not_matching_its_length),
        T_(refuses_a_body_of_another_type),
        T_(refuses_a_bad_period),
        T_(refuses_bad_codes),
        T_(refuses_counts_on_a_suppressed_observation),
        T_(refuses_counts_past_2_pow_53),
        T_(refuses_a_boolean_written_as_an_integer),
        T_(refuses_invalid_utf8_and_control_characters),
        T_(refuses_an_oversize_name),
        T_(refuses_a_member_whose_level_and_jurisdiction_disagree),
        T_(refuses_unknown_role_bits_and_empty_validity),
        T_(refuses_unsorted_or_too_many_strata),
        T_(refuses_a_proportion_with_a_multiplier),
        T_(refuses_bad_endpoints),
        T_(refuses_a_control_character_in_a_reason),
        T_(refuses_a_lesson_that_carries_an_identifier),
        T_(refuses_bad_lesson_fields),
        T_(refuses_bad_collaborative_fields),
        T_(refuses_a_target_past_2_pow_53),
        T_(seal_refuses_a_lesson_with_an_identifier),
        T_(refuses_bytes_after_the_body_map),
        T_(mp_writer_and_reader_agree_on_shortest_integers),
        T_(mp_reader_refuses_longer_headers_than_needed),
        T_(mp_reader_accepts_the_8_bit_forms_at_their_lower_bounds),
        T_(mp_writer_reports_overflow_once),
        T_(mp_writer_to_an_sbuffer_writes_the_same_bytes),
        T_(vectors_file_matches_decoder_and_encoder),
    };
    return cmocka_run_group_tests(tests, setup_group, NULL);
}
