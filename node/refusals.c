/* refusals.c - per-peer refusal rings and counters by reason (sans I/O: the daemon logs and shows them). */
#include "node/refusals.h"

#include <stdlib.h>
#include <string.h>

static const char *const kind_names[HLN_REFUSAL_KINDS] = {
    "handshake-refused", "not-admitted", "dropped", "not-entitled", "policy",
    "seq-gap",           "chain-break",  "time-behind-head", "fork", "bad",
    "rotated",
};

const char *hln_refusal_kind_name(unsigned kind)
{
    return kind < HLN_REFUSAL_KINDS ? kind_names[kind] : "?";
}

typedef struct {
    bool used;
    uint8_t id[HLN_KEY_LEN];
    uint64_t touched; /* a logical clock: the least recent is evicted */
    hln_refusal ring[HLN_REFUSALS_RING];
    size_t head, n; /* ring[head] is the next slot written */
    uint64_t count;
    bool has_hs;
    hln_refusal_handshake hs;
    hln_util_bucket rl;
} rpeer;

struct hln_refusals {
    uint64_t totals[HLN_REFUSAL_KINDS];
    uint64_t tick;
    rpeer peers[HLN_REFUSALS_PEERS];
};

hln_refusals *hln_refusals_new(void)
{
    return calloc(1, sizeof(hln_refusals));
}

void hln_refusals_destroy(hln_refusals **r)
{
    if (!r || !*r)
        return;
    free(*r);
    *r = NULL;
}

static rpeer *find(const hln_refusals *r, const uint8_t id[HLN_KEY_LEN])
{
    for (size_t i = 0; i < HLN_REFUSALS_PEERS; i++)
        if (r->peers[i].used && memcmp(r->peers[i].id, id, HLN_KEY_LEN) == 0)
            return (rpeer *)&r->peers[i];
    return NULL;
}

/* The peer's slot, made if need be: a free one, else the least recently
 * refused peer's (a flood of strangers cannot grow the book). */
static rpeer *get(hln_refusals *r, const uint8_t id[HLN_KEY_LEN])
{
    rpeer *p = find(r, id);
    if (p)
        return p;
    rpeer *victim = &r->peers[0];
    for (size_t i = 0; i < HLN_REFUSALS_PEERS; i++) {
        if (!r->peers[i].used) {
            victim = &r->peers[i];
            break;
        }
        if (r->peers[i].touched < victim->touched)
            victim = &r->peers[i];
    }
    memset(victim, 0, sizeof *victim);
    victim->used = true;
    memcpy(victim->id, id, HLN_KEY_LEN);
    return victim;
}

bool hln_refusals_add(hln_refusals *r, const uint8_t peer[HLN_KEY_LEN], const hln_refusal *ev,
                      uint64_t now_mono_ms, uint32_t *suppressed)
{
    if (ev->kind < HLN_REFUSAL_KINDS)
        r->totals[ev->kind]++;
    rpeer *p = get(r, peer);
    p->touched = ++r->tick;
    p->count++;
    p->ring[p->head] = *ev;
    p->ring[p->head].detail[sizeof ev->detail - 1] = '\0';
    p->head = (p->head + 1) % HLN_REFUSALS_RING;
    if (p->n < HLN_REFUSALS_RING)
        p->n++;
    if (ev->kind <= HLN_REFUSAL_DROPPED) {
        if (!p->has_hs) {
            p->has_hs = true;
            p->hs.since_ms = ev->at_ms;
            p->hs.count = 0;
        }
        p->hs.kind = ev->kind;
        memcpy(p->hs.curve, ev->feed.author, sizeof p->hs.curve);
        p->hs.last_ms = ev->at_ms;
        p->hs.count++;
    }
    bool log = hln_util_bucket_take(&p->rl, now_mono_ms, 5, 10000);
    if (suppressed)
        *suppressed = p->rl.denied;
    if (log)
        p->rl.denied = 0;
    return log;
}

void hln_refusals_peer_up(hln_refusals *r, const uint8_t peer[HLN_KEY_LEN])
{
    rpeer *p = find(r, peer);
    if (p)
        p->has_hs = false;
}

const uint64_t *hln_refusals_totals(const hln_refusals *r)
{
    return r->totals;
}

size_t hln_refusals_peer(const hln_refusals *r, const uint8_t peer[HLN_KEY_LEN], hln_refusal *out,
                         size_t cap, hln_refusal_handshake *hs, bool *has_hs, uint64_t *count)
{
    const rpeer *p = find(r, peer);
    if (has_hs)
        *has_hs = p && p->has_hs;
    if (hs && p && p->has_hs)
        *hs = p->hs;
    if (count)
        *count = p ? p->count : 0;
    size_t k = 0;
    for (size_t i = 0; p && i < p->n && k < cap; i++)
        out[k++] = p->ring[(p->head + HLN_REFUSALS_RING - 1 - i) % HLN_REFUSALS_RING];
    return k;
}

int hln_refusals_foreach_peer(const hln_refusals *r, hln_refusals_peer_cb cb, void *ctx)
{
    for (size_t i = 0; i < HLN_REFUSALS_PEERS; i++) {
        if (!r->peers[i].used)
            continue;
        int rc = cb(ctx, r->peers[i].id);
        if (rc)
            return rc;
    }
    return 0;
}
