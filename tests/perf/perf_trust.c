/* perf_trust.c - trust graph speed: N organizations arriving one by one, a rebuild, checks. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crypto/crypto.h"
#include "crypto/err.h"
#include "node/trust.h"
#include "proto/record.h"

#define T0 1767225600000ull
#define DAY 86400000ull

/* CPU time of this process: other work on a shared machine does not count. */
static double cpu(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int env_int(const char *name, int dflt)
{
    const char *v = getenv(name);
    return v && atoi(v) > 0 ? atoi(v) : dflt;
}

/* Keys need not be real here: the trust module never checks signatures. */
static void key(uint32_t i, uint8_t out[HLN_KEY_LEN])
{
    uint8_t seed[8];
    memcpy(seed, &i, sizeof i);
    memcpy(seed + 4, "perf", 4);
    hln_hash(seed, sizeof seed, out);
}

static void member(hln_record *r, uint32_t issuer, uint32_t subject, uint32_t level, const char *j,
                   const char *scope, uint64_t seq)
{
    memset(r, 0, sizeof *r);
    r->env.version = HLN_FORMAT_VERSION;
    r->env.type = HLN_REC_MEMBER;
    key(issuer, r->env.author);
    snprintf(r->env.scope, sizeof r->env.scope, "%s", scope);
    r->env.seq = seq;
    r->env.timestamp_ms = T0 + seq;
    r->has_body = true;
    hln_member *m = &r->body.member;
    key(subject, m->subject);
    snprintf(m->name, sizeof m->name, "org %u", subject);
    m->level = level;
    snprintf(m->jurisdiction, sizeof m->jurisdiction, "%s", j);
    m->roles = level ? 7u : HLN_ROLE_PUBLISH;
    m->valid_from_ms = T0;
    hln_hash((const uint8_t *)r, sizeof r->env + sizeof *m, r->id);
}

int main(void)
{
    int n = env_int("HLN_PERF_ORGS", 100000);
    if (hln_crypto_init())
        return 1;
    hln_record *r = malloc(sizeof *r);
    hln_trust *t = hln_trust_new();
    if (!r || !t)
        return 1;
    uint8_t k[HLN_KEY_LEN];
    key(0, k);
    hln_trust_add_anchor(t, k, "global", HLN_LEVEL_GLOBAL, "global");
    member(r, 0, 1, HLN_LEVEL_NATIONAL, "CA", "global", 1);
    hln_trust_add_record(t, r);
    static const char *const regions[] = {"CA-ON", "CA-QC", "CA-BC", "CA-AB", "CA-NS"};
    for (uint32_t s = 0; s < 5; s++) {
        member(r, 1, 2 + s, HLN_LEVEL_SUBNATIONAL, regions[s], "CA", 2 + s);
        hln_trust_add_record(t, r);
    }

    /* As sync delivers them: each admission judged, then learnt. */
    double c0 = cpu();
    int refused = 0;
    for (int i = 0; i < n; i++) {
        uint32_t s = (uint32_t)i % 5;
        member(r, 2 + s, 100 + (uint32_t)i, HLN_LEVEL_ORGANIZATION, regions[s], "CA",
               (uint64_t)i + 10);
        refused += hln_trust_may_author(t, r, NULL, 0) != 0;
        if (hln_trust_add_record(t, r) != 0)
            return 1;
    }
    double load = cpu() - c0;

    /* One revocation: the next query rebuilds the whole graph. */
    memset(r, 0, sizeof *r);
    r->env.version = HLN_FORMAT_VERSION;
    r->env.type = HLN_REC_REVOKE;
    key(1, r->env.author);
    strcpy(r->env.scope, "CA");
    r->env.timestamp_ms = T0 + 5 * DAY;
    r->has_body = true;
    key(100, r->body.revoke.subject);
    r->body.revoke.from_ms = T0 + 5 * DAY;
    memset(r->id, 0x5a, HLN_HASH_LEN);
    hln_trust_add_record(t, r);
    c0 = cpu();
    hln_trust_member(t, k, T0, NULL);
    double rebuild = cpu() - c0;

    /* The receive path: an observation of a random organization. */
    int checks = 200000, bad = 0;
    c0 = cpu();
    for (int i = 0; i < checks; i++) {
        memset(&r->env, 0, sizeof r->env);
        r->env.version = HLN_FORMAT_VERSION;
        r->env.type = HLN_REC_OBSERVATION;
        key(101 + (uint32_t)(i * 7919) % (uint32_t)(n - 1), r->env.author);
        strcpy(r->env.scope, "CA");
        r->env.timestamp_ms = T0 + DAY;
        bad += hln_trust_may_author_env(t, &r->env, NULL, 0) != 0;
    }
    double judge = cpu() - c0;

    printf("perf_trust: %d organizations under 5 regions of one country\n", n);
    printf("  learn one by one, each judged first: %.3f s (%.2f us each), %d refused\n", load,
           load * 1e6 / n, refused);
    printf("  full rebuild after a revocation:     %.3f s\n", rebuild);
    printf("  judge an observation's author:       %.2f us each (%d refused)\n",
           judge * 1e6 / checks, bad);
    hln_trust_destroy(&t);
    free(r);
    return refused || bad ? 1 : 0;
}
