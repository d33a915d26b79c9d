/* discovery.c - the latest address record per author, and which members to dial. */
#include "node/discovery.h"

#include <stdlib.h>
#include <string.h>

#include "proto/codes.h"

struct hln_disc {
    hln_disc_entry *e; /* sorted by author */
    size_t n, cap;
};

hln_disc *hln_disc_new(void)
{
    return calloc(1, sizeof(hln_disc));
}

void hln_disc_destroy(hln_disc **d)
{
    if (!d || !*d)
        return;
    free((*d)->e);
    free(*d);
    *d = NULL;
}

/* The index of `author`, or where it would go (with *found false). */
static size_t lookup(const hln_disc *d, const uint8_t author[HLN_KEY_LEN], bool *found)
{
    size_t lo = 0, hi = d->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = memcmp(d->e[mid].author, author, HLN_KEY_LEN);
        if (c == 0) {
            *found = true;
            return mid;
        }
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    *found = false;
    return lo;
}

bool hln_disc_learn(hln_disc *d, const hln_record *r)
{
    if (!d || !r || r->env.type != HLN_REC_ADDRESS || !r->has_body || r->body.address.n == 0 ||
        r->body.address.n > HLN_ENDPOINTS_MAX)
        return false;
    /* The decoder checked the endpoints already; check again, cheaply, so
     * that nothing but a tcp endpoint is ever dialed from here. */
    for (uint32_t i = 0; i < r->body.address.n; i++) {
        const char *ep = r->body.address.endpoints[i];
        size_t len = strnlen(ep, HLN_ENDPOINT_MAX + 1);
        if (len > HLN_ENDPOINT_MAX || !hln_code_endpoint(ep, len))
            return false;
    }
    bool found;
    size_t i = lookup(d, r->env.author, &found);
    if (found) {
        hln_disc_entry *e = &d->e[i];
        if (r->env.timestamp_ms < e->timestamp_ms ||
            (r->env.timestamp_ms == e->timestamp_ms && memcmp(r->id, e->id, HLN_HASH_LEN) >= 0))
            return false;
    } else {
        if (d->n >= HLN_DISC_AUTHORS_MAX)
            return false;
        if (d->n == d->cap) {
            size_t cap = d->cap ? d->cap * 2 : 16;
            hln_disc_entry *ne = realloc(d->e, cap * sizeof *ne);
            if (!ne)
                return false;
            d->e = ne;
            d->cap = cap;
        }
        memmove(&d->e[i + 1], &d->e[i], (d->n - i) * sizeof *d->e);
        d->n++;
    }
    hln_disc_entry *e = &d->e[i];
    memset(e, 0, sizeof *e);
    memcpy(e->author, r->env.author, HLN_KEY_LEN);
    memcpy(e->scope, r->env.scope, sizeof e->scope);
    e->seq = r->env.seq;
    e->timestamp_ms = r->env.timestamp_ms;
    memcpy(e->id, r->id, HLN_HASH_LEN);
    e->addr = r->body.address;
    return true;
}

static int load_one(void *ctx, const hln_record *r)
{
    hln_disc_learn(ctx, r);
    return 0;
}

int hln_disc_load(hln_disc *d, hln_store *s)
{
    return hln_store_foreach_gov_of(s, HLN_STORE_GOV_TYPE(HLN_REC_ADDRESS), load_one, d);
}

size_t hln_disc_count(const hln_disc *d)
{
    return d ? d->n : 0;
}

const hln_disc_entry *hln_disc_at(const hln_disc *d, size_t i)
{
    return d && i < d->n ? &d->e[i] : NULL;
}

const hln_disc_entry *hln_disc_find(const hln_disc *d, const uint8_t author[HLN_KEY_LEN])
{
    if (!d)
        return NULL;
    bool found;
    size_t i = lookup(d, author, &found);
    return found ? &d->e[i] : NULL;
}

typedef struct {
    uint8_t dist[HLN_KEY_LEN];
    size_t idx;
} cand;

static int cand_cmp(const void *a, const void *b)
{
    return memcmp(((const cand *)a)->dist, ((const cand *)b)->dist, HLN_KEY_LEN);
}

size_t hln_disc_select(hln_disc *d, hln_trust *t, uint64_t now_ms, const uint8_t self[HLN_KEY_LEN],
                       hln_disc_skip_cb skip, void *ctx, hln_disc_pick *out, size_t max)
{
    if (!d || !t || !out || max == 0 || d->n == 0)
        return 0;
    cand *c = malloc(d->n * sizeof *c);
    if (!c)
        return 0;
    size_t nc = 0;
    for (size_t i = 0; i < d->n; i++) {
        const hln_disc_entry *e = &d->e[i];
        if (memcmp(e->author, self, HLN_KEY_LEN) == 0)
            continue;
        if (hln_trust_member(t, e->author, now_ms, NULL) != 0)
            continue;
        if (skip && skip(ctx, e->author))
            continue;
        for (size_t k = 0; k < HLN_KEY_LEN; k++)
            c[nc].dist[k] = e->author[k] ^ self[k];
        c[nc++].idx = i;
    }
    qsort(c, nc, sizeof *c, cand_cmp);
    size_t n = nc < max ? nc : max;
    for (size_t i = 0; i < n; i++) {
        const hln_disc_entry *e = &d->e[c[i].idx];
        memcpy(out[i].id, e->author, HLN_KEY_LEN);
        out[i].addr = e->addr;
    }
    free(c);
    return n;
}

bool hln_disc_same_endpoints(const hln_address *a, const hln_address *b)
{
    if (a->n != b->n)
        return false;
    for (uint32_t i = 0; i < a->n && i < HLN_ENDPOINTS_MAX; i++)
        if (strcmp(a->endpoints[i], b->endpoints[i]) != 0)
            return false;
    return true;
}
