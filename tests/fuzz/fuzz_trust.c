/* fuzz_trust.c - libFuzzer: member, revoke and rotation records give one trust graph in any order.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"
#include "crypto/err.h"
#include "node/trust.h"
#include "proto/record.h"

/* Eight keys (the trust module never checks signatures: the caller did),
 * key 0 the global anchor, key 1 an anchor of unknown level. Each 8 input
 * bytes make one record: type, author, subject, level, jurisdiction,
 * scope, record day, validity. A revoke with an odd level byte is a
 * rotation: the jurisdiction byte names the successor, the level byte's
 * upper bits a kept feed (scope and last seq). */
#define KEYS 8
#define OP 8
#define MAX_OPS 48
#define DAY 86400000ull
#define T0 1767225600000ull

static const char *const juris[] = {"CA", "FR", "CA-ON", "CA-QC", "FR-75", "global"};

static void key(int i, uint8_t out[HLN_KEY_LEN])
{
    memset(out, 0xA0 + i, HLN_KEY_LEN);
    out[0] = (uint8_t)(i * 37 + 1);
}

static void build(const uint8_t *op, size_t idx, hln_record *r)
{
    memset(r, 0, sizeof *r);
    r->env.version = HLN_FORMAT_VERSION;
    r->env.type = op[0] % 5 == 0 ? HLN_REC_REVOKE : HLN_REC_MEMBER;
    key(op[1] % KEYS, r->env.author);
    strcpy(r->env.scope, juris[op[5] % 6]);
    r->env.seq = idx + 1;
    r->env.timestamp_ms = T0 + (uint64_t)op[6] * DAY;
    r->has_body = true;
    if (r->env.type == HLN_REC_REVOKE) {
        hln_revoke *v = &r->body.revoke;
        key(op[2] % KEYS, v->subject);
        v->from_ms = T0 + (uint64_t)op[7] * DAY;
        if (op[3] & 1) {
            v->rotate = true;
            int succ = op[4] % KEYS == op[2] % KEYS ? (op[4] + 1) % KEYS : op[4] % KEYS;
            key(succ, v->successor);
            if (op[3] & 2) {
                v->n_closes = 1;
                strcpy(v->closes[0].scope, juris[(op[3] >> 2) % 6]);
                v->closes[0].seq = op[3] >> 5;
            }
        }
    } else {
        hln_member *m = &r->body.member;
        key(op[2] % KEYS, m->subject);
        strcpy(m->name, "m");
        m->level = op[3] % 4;
        /* Mostly jurisdictions that fit the level, as the decoder insists. */
        static const int fit[4][2] = {{2, 1}, {2, 4}, {0, 1}, {5, 5}};
        strcpy(m->jurisdiction, juris[fit[m->level][op[4] & 1]]);
        m->roles = (op[4] >> 1) & 7;
        m->valid_from_ms = T0 + (uint64_t)(op[7] & 15) * DAY;
        m->valid_until_ms = (op[7] >> 4) ? m->valid_from_ms + (uint64_t)(op[7] >> 4) * 10 * DAY : 0;
    }
    hln_hash(op, OP, r->id);
    r->id[0] ^= (uint8_t)idx; /* identical ops stay distinct records */
}

static hln_trust *fresh(void)
{
    hln_trust *t = hln_trust_new();
    uint8_t k[HLN_KEY_LEN];
    key(0, k);
    if (!t || hln_trust_add_anchor(t, k, "g", HLN_LEVEL_GLOBAL, "global"))
        abort();
    key(1, k);
    if (hln_trust_add_anchor(t, k, NULL, HLN_TRUST_LEVEL_ANY, NULL))
        abort();
    return t;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t n = size / OP;
    if (n > MAX_OPS)
        n = MAX_OPS;
    hln_record *recs = calloc(n ? n : 1, sizeof *recs);
    if (!recs)
        return 0;
    for (size_t i = 0; i < n; i++)
        build(data + i * OP, i, &recs[i]);
    hln_trust *a = fresh(), *b = fresh();
    /* a: in order, asking between records (the incremental path);
     * b: in reverse, asking only at the end (full rebuilds). */
    for (size_t i = 0; i < n; i++) {
        if (hln_trust_add_record(a, &recs[i]) != 0)
            abort();
        uint8_t k[HLN_KEY_LEN];
        key((int)(data[i * OP] % KEYS), k);
        hln_trust_member(a, k, T0, NULL);
    }
    for (size_t i = n; i-- > 0;)
        if (hln_trust_add_record(b, &recs[i]) != 0)
            abort();
    static const uint64_t at[] = {T0, T0 + 30 * DAY, T0 + 200 * DAY, T0 + 400 * DAY};
    for (int k = 0; k < KEYS; k++) {
        uint8_t pk[HLN_KEY_LEN];
        key(k, pk);
        for (size_t j = 0; j < sizeof at / sizeof at[0]; j++) {
            hln_trust_info x, y;
            int rx = hln_trust_member(a, pk, at[j], &x), ry = hln_trust_member(b, pk, at[j], &y);
            if (rx != ry || x.status != y.status || x.level != y.level ||
                strcmp(x.jurisdiction, y.jurisdiction) || memcmp(x.issuer, y.issuer, HLN_KEY_LEN) ||
                x.revoked_from_ms != y.revoked_from_ms || x.valid_until_ms != y.valid_until_ms ||
                x.rotated != y.rotated || memcmp(x.successor, y.successor, HLN_KEY_LEN))
                abort();
        }
    }
    for (size_t i = 0; i < n; i++) {
        char wa[160], wb[160];
        int ra = hln_trust_may_author(a, &recs[i], wa, sizeof wa);
        int rb = hln_trust_may_author(b, &recs[i], wb, sizeof wb);
        if (ra != rb || (ra && strcmp(wa, wb)))
            abort();
    }
    hln_trust_destroy(&a);
    hln_trust_destroy(&b);
    free(recs);
    return 0;
}
