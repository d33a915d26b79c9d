/* sim.c - a deterministic network simulator that runs many sync engines in one process. */
#include "tests/sim/sim.h"

#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"
#include "crypto/err.h"

#define NONE UINT32_MAX
#define NO_TIME UINT64_MAX

typedef struct {
    uint32_t *recs; /* pool indices; seq i at [i - 1] */
    uint32_t n, cap;
} sfeed;

typedef struct {
    uint32_t author;
    uint64_t seq;
    uint32_t a, b; /* pool indices */
} sproof;

typedef struct snode {
    struct hln_sim *s;
    uint32_t idx;
    hln_sync *eng;
    bool running, started, trusted, hostile;
    uint32_t restarts, wipes, group;
    sfeed *feeds; /* by author index */
    uint32_t nfeeds;
    sproof *proofs;
    uint32_t nproofs, proofs_cap;
    uint64_t *first_t; /* by pool index: when first stored here */
    uint32_t *hops;    /* by pool index: hops from the author */
    uint32_t track_cap;
    uint64_t bytes_sent, dups, stored;
    uint32_t *adj; /* link indices */
    uint32_t nadj, adj_cap;
} snode;

typedef struct {
    uint32_t a, b, lat;
    double loss;
    bool open;
    uint32_t epoch;
    uint64_t last[2]; /* FIFO per direction: the latest delivery time queued */
} slink;

typedef struct {
    uint64_t t, order;
    uint32_t from, to, link, epoch;
    uint8_t *data;
    size_t len;
} sevent;

struct hln_sim {
    hln_sim_config cfg;
    uint64_t now, rng, order, next_tick, ticks;
    snode *nodes;
    slink *links;
    uint32_t nlinks, links_cap;
    /* authors: nodes first, then extra identities */
    hln_identity **ids;
    uint8_t (*pks)[HLN_KEY_LEN];
    bool *author_trusted;
    uint64_t *expected; /* the highest seq published by hln_sim_publish */
    uint32_t nauthors, authors_cap;
    uint32_t *aht, aht_cap;
    /* every distinct record any node ever held, shared (records are immutable) */
    hln_record **pool;
    uint64_t *pool_pub_t; /* NO_TIME unless published through hln_sim_publish */
    uint32_t npool, pool_cap;
    uint32_t *pht, pht_cap;
    sevent *heap;
    uint32_t nheap, heap_cap;
    hln_hash_state trace;
    hln_sim_stats st;
};

/* ---- Utilities -------------------------------------------------------- */

static uint64_t rnd(hln_sim *s)
{
    uint64_t z = (s->rng += UINT64_C(0x9e3779b97f4a7c15));
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

static double rnd01(hln_sim *s)
{
    return (double)(rnd(s) >> 11) / 9007199254740992.0;
}

static int grow(void **p, uint32_t *cap, uint32_t need, size_t elem)
{
    if (need <= *cap)
        return 0;
    uint32_t nc = *cap ? *cap : 8;
    while (nc < need)
        nc *= 2;
    void *q = realloc(*p, (size_t)nc * elem);
    if (!q)
        return HLN_ENOMEM;
    memset((uint8_t *)q + (size_t)*cap * elem, 0, (size_t)(nc - *cap) * elem);
    *p = q;
    *cap = nc;
    return 0;
}

static void derive(const hln_sim *s, const char *what, uint32_t a, uint32_t b, uint8_t out[32])
{
    uint8_t in[64] = {0};
    memcpy(in, &s->cfg.seed, 8);
    strncpy((char *)in + 8, what, 16);
    memcpy(in + 24, &a, 4);
    memcpy(in + 28, &b, 4);
    hln_hash(in, sizeof in, out);
}

static uint64_t derive64(const hln_sim *s, const char *what, uint32_t a, uint32_t b)
{
    uint8_t h[32];
    uint64_t v;
    derive(s, what, a, b, h);
    memcpy(&v, h, 8);
    return v;
}

static uint32_t h32(const uint8_t *k)
{
    uint32_t v;
    memcpy(&v, k, 4);
    return v;
}

/* ---- Authors and the record pool --------------------------------------- */

static uint32_t author_find(const hln_sim *s, const uint8_t pk[HLN_KEY_LEN])
{
    if (!s->aht_cap)
        return NONE;
    for (uint32_t i = h32(pk) & (s->aht_cap - 1);; i = (i + 1) & (s->aht_cap - 1)) {
        if (!s->aht[i])
            return NONE;
        if (memcmp(s->pks[s->aht[i] - 1], pk, HLN_KEY_LEN) == 0)
            return s->aht[i] - 1;
    }
}

static void ht_insert(uint32_t *ht, uint32_t cap, uint32_t h, uint32_t v)
{
    uint32_t i = h & (cap - 1);
    while (ht[i])
        i = (i + 1) & (cap - 1);
    ht[i] = v + 1;
}

static int author_add(hln_sim *s, uint32_t tag, bool trusted)
{
    uint8_t seed[32];
    derive(s, "identity", tag, 0, seed);
    hln_identity *id = hln_identity_from_seed(seed);
    if (!id)
        return HLN_ENOMEM;
    uint32_t n = s->nauthors;
    uint32_t c1 = s->authors_cap, c2 = s->authors_cap, c3 = s->authors_cap, c4 = s->authors_cap;
    if (grow((void **)&s->ids, &c1, n + 1, sizeof *s->ids) ||
        grow((void **)&s->pks, &c2, n + 1, sizeof *s->pks) ||
        grow((void **)&s->author_trusted, &c3, n + 1, sizeof *s->author_trusted) ||
        grow((void **)&s->expected, &c4, n + 1, sizeof *s->expected)) {
        hln_identity_destroy(&id);
        return HLN_ENOMEM;
    }
    s->authors_cap = c1;
    s->ids[n] = id;
    memcpy(s->pks[n], hln_identity_pk(id), HLN_KEY_LEN);
    s->author_trusted[n] = trusted;
    s->expected[n] = 0;
    if ((n + 1) * 2 > s->aht_cap) {
        uint32_t cap = s->aht_cap ? s->aht_cap * 2 : 64;
        while ((n + 1) * 2 > cap)
            cap *= 2;
        uint32_t *ht = calloc(cap, sizeof *ht);
        if (!ht)
            return HLN_ENOMEM;
        for (uint32_t k = 0; k < n; k++)
            ht_insert(ht, cap, h32(s->pks[k]), k);
        free(s->aht);
        s->aht = ht;
        s->aht_cap = cap;
    }
    ht_insert(s->aht, s->aht_cap, h32(s->pks[n]), n);
    s->nauthors = n + 1;
    return (int)n;
}

static uint32_t pool_find(const hln_sim *s, const uint8_t id[HLN_HASH_LEN])
{
    if (!s->pht_cap)
        return NONE;
    for (uint32_t i = h32(id) & (s->pht_cap - 1);; i = (i + 1) & (s->pht_cap - 1)) {
        if (!s->pht[i])
            return NONE;
        if (memcmp(s->pool[s->pht[i] - 1]->id, id, HLN_HASH_LEN) == 0)
            return s->pht[i] - 1;
    }
}

static uint32_t intern(hln_sim *s, const hln_record *r)
{
    uint32_t k = pool_find(s, r->id);
    if (k != NONE)
        return k;
    uint32_t n = s->npool, c1 = s->pool_cap, c2 = s->pool_cap;
    if (grow((void **)&s->pool, &c1, n + 1, sizeof *s->pool) ||
        grow((void **)&s->pool_pub_t, &c2, n + 1, sizeof *s->pool_pub_t))
        abort(); /* the simulator's own memory: nothing sensible to do */
    s->pool_cap = c1;
    s->pool[n] = malloc(sizeof(hln_record));
    if (!s->pool[n])
        abort();
    *s->pool[n] = *r;
    s->pool_pub_t[n] = NO_TIME;
    if ((n + 1) * 2 > s->pht_cap) {
        uint32_t cap = s->pht_cap ? s->pht_cap * 2 : 256;
        uint32_t *ht = calloc(cap, sizeof *ht);
        if (!ht)
            abort();
        for (uint32_t i = 0; i < n; i++)
            ht_insert(ht, cap, h32(s->pool[i]->id), i);
        free(s->pht);
        s->pht = ht;
        s->pht_cap = cap;
    }
    ht_insert(s->pht, s->pht_cap, h32(r->id), n);
    s->npool = n + 1;
    return n;
}

/* ---- A node's store ----------------------------------------------------- */

static sfeed *node_feed(snode *nd, uint32_t author)
{
    if (author >= nd->nfeeds &&
        grow((void **)&nd->feeds, &nd->nfeeds, author + 1, sizeof *nd->feeds))
        abort();
    return &nd->feeds[author];
}

static void track(snode *nd, uint32_t pidx)
{
    uint32_t old = nd->track_cap, c2 = nd->track_cap;
    if (pidx < old)
        return;
    if (grow((void **)&nd->first_t, &nd->track_cap, pidx + 1, sizeof *nd->first_t) ||
        grow((void **)&nd->hops, &c2, pidx + 1, sizeof *nd->hops))
        abort();
    for (uint32_t i = old; i < nd->track_cap; i++) {
        nd->first_t[i] = NO_TIME;
        nd->hops[i] = NONE;
    }
}

static void feed_append(snode *nd, sfeed *f, uint32_t pidx, uint32_t from)
{
    hln_sim *s = nd->s;
    if (grow((void **)&f->recs, &f->cap, f->n + 1, sizeof *f->recs))
        abort();
    f->recs[f->n++] = pidx;
    nd->stored++;
    track(nd, pidx);
    nd->first_t[pidx] = s->now;
    uint32_t h = 0;
    if (from != HLN_SYNC_LOCAL && from < s->cfg.nodes) {
        track(&s->nodes[from], pidx);
        uint32_t fh = s->nodes[from].hops[pidx];
        h = fh == NONE ? NONE : fh + 1;
    }
    nd->hops[pidx] = h;
}

static int proof_add(snode *nd, uint32_t author, uint64_t seq, uint32_t a, uint32_t b)
{
    for (uint32_t i = 0; i < nd->nproofs; i++)
        if (nd->proofs[i].author == author && nd->proofs[i].seq == seq)
            return HLN_EDUP;
    if (grow((void **)&nd->proofs, &nd->proofs_cap, nd->nproofs + 1, sizeof *nd->proofs))
        return HLN_ENOMEM;
    nd->proofs[nd->nproofs++] = (sproof){author, seq, a, b};
    return 0;
}

static bool scope_is_ca(const char *scope)
{
    return strncmp(scope, "CA", HLN_SCOPE_MAX + 1) == 0;
}

/* ---- The host interface ------------------------------------------------- */

static void deliver_later(hln_sim *s, uint32_t from, uint32_t to, const uint8_t *msg, size_t len);

static int h_send(void *ctx, uint32_t peer, const uint8_t *msg, size_t len)
{
    snode *nd = ctx;
    deliver_later(nd->s, nd->idx, peer, msg, len);
    return 0;
}

static int h_heads(void *ctx, hln_sync_head_cb cb, void *cbctx)
{
    snode *nd = ctx;
    for (uint32_t a = 0; a < nd->nfeeds; a++) {
        if (!nd->feeds[a].n)
            continue;
        hln_feed_id f = {{0}, {0}};
        memcpy(f.author, nd->s->pks[a], HLN_KEY_LEN);
        strcpy(f.scope, "CA");
        int rc =
            cb(cbctx, &f, nd->feeds[a].n, nd->s->pool[nd->feeds[a].recs[nd->feeds[a].n - 1]]->id);
        if (rc)
            return rc;
    }
    return 0;
}

static int h_read(void *ctx, const hln_feed_id *feed, uint64_t from, uint64_t to,
                  hln_sync_rec_cb cb, void *cbctx)
{
    snode *nd = ctx;
    uint32_t a = author_find(nd->s, feed->author);
    if (a == NONE || a >= nd->nfeeds || !scope_is_ca(feed->scope))
        return HLN_ENOTFOUND;
    sfeed *f = &nd->feeds[a];
    for (uint64_t q = from; q >= 1 && q <= to && q <= f->n; q++)
        if (cb(cbctx, nd->s->pool[f->recs[q - 1]]))
            break;
    return 0;
}

static int h_store(void *ctx, uint32_t from_peer, const hln_record *recs, size_t n, int *results)
{
    snode *nd = ctx;
    hln_sim *s = nd->s;
    for (size_t i = 0; i < n; i++) {
        const hln_record *r = &recs[i];
        uint32_t a = author_find(s, r->env.author);
        if (a == NONE || !s->author_trusted[a] || !scope_is_ca(r->env.scope)) {
            results[i] = HLN_ETRUST; /* the engine asked wants() first: never reached */
            continue;
        }
        sfeed *f = node_feed(nd, a);
        uint64_t seq = r->env.seq;
        if (seq >= 1 && seq <= f->n) {
            const hln_record *held = s->pool[f->recs[seq - 1]];
            if (memcmp(held->id, r->id, HLN_HASH_LEN) == 0) {
                results[i] = HLN_EDUP;
                nd->dups++;
            } else {
                proof_add(nd, a, seq, f->recs[seq - 1], intern(s, r));
                results[i] = HLN_EFORK;
            }
        } else if (seq == (uint64_t)f->n + 1 &&
                   (seq == 1
                        ? !r->env.has_prev
                        : r->env.has_prev && memcmp(r->env.prev, s->pool[f->recs[f->n - 1]]->id,
                                                    HLN_HASH_LEN) == 0)) {
            feed_append(nd, f, intern(s, r), from_peer);
            results[i] = 0;
        } else {
            results[i] = HLN_ECHAIN;
        }
    }
    return 0;
}

static bool h_wants(void *ctx, const hln_feed_id *feed)
{
    snode *nd = ctx;
    uint32_t a = author_find(nd->s, feed->author);
    return a != NONE && nd->s->author_trusted[a] && scope_is_ca(feed->scope);
}

static int h_fork(void *ctx, uint32_t from_peer, const hln_record *a, const hln_record *b)
{
    snode *nd = ctx;
    (void)from_peer;
    uint32_t au = author_find(nd->s, a->env.author);
    if (au == NONE)
        return HLN_ETRUST;
    return proof_add(nd, au, a->env.seq, intern(nd->s, a), intern(nd->s, b));
}

static int h_forks(void *ctx, hln_sync_fork_cb cb, void *cbctx)
{
    snode *nd = ctx;
    for (uint32_t i = 0; i < nd->nproofs; i++) {
        int rc = cb(cbctx, nd->s->pool[nd->proofs[i].a], nd->s->pool[nd->proofs[i].b]);
        if (rc)
            return rc;
    }
    return 0;
}

static void h_penalty(void *ctx, uint32_t peer, int rc)
{
    snode *nd = ctx;
    (void)peer;
    (void)rc;
    nd->s->st.bad++;
}

/* ---- Events ------------------------------------------------------------- */

static bool ev_less(const sevent *a, const sevent *b)
{
    return a->t < b->t || (a->t == b->t && a->order < b->order);
}

static void heap_push(hln_sim *s, sevent ev)
{
    if (grow((void **)&s->heap, &s->heap_cap, s->nheap + 1, sizeof *s->heap))
        abort();
    uint32_t i = s->nheap++;
    while (i > 0) {
        uint32_t p = (i - 1) / 2;
        if (!ev_less(&ev, &s->heap[p]))
            break;
        s->heap[i] = s->heap[p];
        i = p;
    }
    s->heap[i] = ev;
}

static sevent heap_pop(hln_sim *s)
{
    sevent top = s->heap[0], last = s->heap[--s->nheap];
    uint32_t i = 0;
    for (;;) {
        uint32_t c = 2 * i + 1;
        if (c >= s->nheap)
            break;
        if (c + 1 < s->nheap && ev_less(&s->heap[c + 1], &s->heap[c]))
            c++;
        if (!ev_less(&s->heap[c], &last))
            break;
        s->heap[i] = s->heap[c];
        i = c;
    }
    if (s->nheap)
        s->heap[i] = last;
    return top;
}

static uint32_t link_between(const hln_sim *s, uint32_t a, uint32_t b)
{
    if (a >= s->cfg.nodes || b >= s->cfg.nodes)
        return NONE;
    const snode *nd = &s->nodes[a];
    for (uint32_t i = 0; i < nd->nadj; i++) {
        const slink *l = &s->links[nd->adj[i]];
        if ((l->a == a && l->b == b) || (l->a == b && l->b == a))
            return nd->adj[i];
    }
    return NONE;
}

static void deliver_later(hln_sim *s, uint32_t from, uint32_t to, const uint8_t *msg, size_t len)
{
    uint64_t hdr[4] = {s->now, from, to, len};
    hln_hash_update(&s->trace, hdr, sizeof hdr);
    hln_hash_update(&s->trace, msg, len);
    s->st.msgs++;
    s->st.bytes += len;
    s->nodes[from].bytes_sent += len;
    uint32_t li = link_between(s, from, to);
    if (li == NONE || !s->links[li].open) {
        s->st.dropped++;
        return;
    }
    slink *l = &s->links[li];
    if (l->loss > 0 && rnd01(s) < l->loss) {
        s->st.dropped++;
        return;
    }
    int dir = l->a == from ? 0 : 1;
    uint64_t t = s->now + l->lat;
    if (t < l->last[dir])
        t = l->last[dir];
    l->last[dir] = t;
    sevent ev = {t, s->order++, from, to, li, l->epoch, malloc(len ? len : 1), len};
    if (!ev.data)
        abort();
    memcpy(ev.data, msg, len);
    heap_push(s, ev);
}

/* Open or close links to match who runs and the partition; the engines
 * hear of it as peer up and down, in link order. */
static void relink(hln_sim *s)
{
    for (uint32_t i = 0; i < s->nlinks; i++) {
        slink *l = &s->links[i];
        snode *a = &s->nodes[l->a], *b = &s->nodes[l->b];
        bool open = a->running && b->running && a->group == b->group;
        if (open == l->open)
            continue;
        l->open = open;
        l->epoch++; /* messages in flight on the old connection are lost */
        l->last[0] = l->last[1] = 0;
        if (open) {
            hln_sync_peer_up(a->eng, s->now, l->b);
            hln_sync_peer_up(b->eng, s->now, l->a);
        } else {
            if (a->running)
                hln_sync_peer_down(a->eng, s->now, l->b);
            if (b->running)
                hln_sync_peer_down(b->eng, s->now, l->a);
        }
    }
}

/* ---- API ---------------------------------------------------------------- */

void hln_sim_config_default(hln_sim_config *c)
{
    memset(c, 0, sizeof *c);
    c->nodes = 10;
    c->seed = 1;
    c->tick_ms = 100;
    c->lat_min_ms = 5;
    c->lat_max_ms = 40;
    hln_sync_config_default(&c->engine);
}

hln_sim *hln_sim_new(const hln_sim_config *c)
{
    if (!c || c->nodes == 0 || c->tick_ms == 0 || c->lat_max_ms < c->lat_min_ms)
        return NULL;
    if (hln_crypto_init())
        return NULL;
    hln_sim *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->cfg = *c;
    s->rng = c->seed ^ UINT64_C(0x5157);
    s->next_tick = c->tick_ms;
    hln_hash_init(&s->trace);
    s->nodes = calloc(c->nodes, sizeof *s->nodes);
    if (!s->nodes)
        goto fail;
    for (uint32_t i = 0; i < c->nodes; i++) {
        snode *nd = &s->nodes[i];
        nd->s = s;
        nd->idx = i;
        nd->trusted = true;
        if (author_add(s, i, true) != (int)i)
            goto fail;
    }
    return s;
fail:
    hln_sim_free(&s);
    return NULL;
}

void hln_sim_free(hln_sim **sp)
{
    hln_sim *s = sp ? *sp : NULL;
    if (!s)
        return;
    for (uint32_t i = 0; s->nodes && i < s->cfg.nodes; i++) {
        snode *nd = &s->nodes[i];
        hln_sync_destroy(&nd->eng);
        for (uint32_t a = 0; a < nd->nfeeds; a++)
            free(nd->feeds[a].recs);
        free(nd->feeds);
        free(nd->proofs);
        free(nd->first_t);
        free(nd->hops);
        free(nd->adj);
    }
    free(s->nodes);
    for (uint32_t i = 0; i < s->nauthors; i++)
        hln_identity_destroy(&s->ids[i]);
    free(s->ids);
    free(s->pks);
    free(s->author_trusted);
    free(s->expected);
    free(s->aht);
    for (uint32_t i = 0; i < s->npool; i++)
        free(s->pool[i]);
    free(s->pool);
    free(s->pool_pub_t);
    free(s->pht);
    for (uint32_t i = 0; i < s->nheap; i++)
        free(s->heap[i].data);
    free(s->heap);
    free(s->links);
    free(s);
    *sp = NULL;
}

int hln_sim_link(hln_sim *s, uint32_t a, uint32_t b)
{
    if (a == b || a >= s->cfg.nodes || b >= s->cfg.nodes)
        return HLN_EINVAL;
    if (link_between(s, a, b) != NONE)
        return HLN_EEXIST;
    if (grow((void **)&s->links, &s->links_cap, s->nlinks + 1, sizeof *s->links))
        return HLN_ENOMEM;
    slink *l = &s->links[s->nlinks];
    memset(l, 0, sizeof *l);
    l->a = a;
    l->b = b;
    l->lat = s->cfg.lat_min_ms + (uint32_t)(rnd(s) % (s->cfg.lat_max_ms - s->cfg.lat_min_ms + 1));
    l->loss = s->cfg.loss;
    for (int k = 0; k < 2; k++) {
        snode *nd = &s->nodes[k ? b : a];
        if (grow((void **)&nd->adj, &nd->adj_cap, nd->nadj + 1, sizeof *nd->adj))
            return HLN_ENOMEM;
        nd->adj[nd->nadj++] = s->nlinks;
    }
    s->nlinks++;
    relink(s);
    return 0;
}

int hln_sim_random_graph(hln_sim *s, uint32_t dmin, uint32_t dmax)
{
    uint32_t n = s->cfg.nodes;
    if (dmin < 1 || dmax < dmin || n < 2)
        return HLN_EINVAL;
    uint32_t *perm = malloc(n * sizeof *perm), *target = malloc(n * sizeof *target);
    if (!perm || !target) {
        free(perm);
        free(target);
        return HLN_ENOMEM;
    }
    for (uint32_t i = 0; i < n; i++) {
        perm[i] = i;
        target[i] = dmin + (uint32_t)(rnd(s) % (dmax - dmin + 1));
    }
    for (uint32_t i = n - 1; i > 0; i--) {
        uint32_t j = (uint32_t)(rnd(s) % (i + 1)), t = perm[i];
        perm[i] = perm[j];
        perm[j] = t;
    }
    /* A random tree over the permutation keeps the graph connected. */
    for (uint32_t i = 1; i < n; i++) {
        for (int tries = 0; tries < 64; tries++) {
            uint32_t j = perm[rnd(s) % i];
            if (s->nodes[j].nadj < dmax || tries == 63) {
                hln_sim_link(s, perm[i], j);
                break;
            }
        }
    }
    /* Then random edges until each node reaches its target degree. */
    for (uint32_t i = 0; i < n; i++) {
        for (int tries = 0; tries < 200 && s->nodes[i].nadj < target[i]; tries++) {
            uint32_t j = (uint32_t)(rnd(s) % n);
            if (j != i && s->nodes[j].nadj < dmax)
                hln_sim_link(s, i, j);
        }
    }
    free(perm);
    free(target);
    return 0;
}

int hln_sim_link_set(hln_sim *s, uint32_t a, uint32_t b, uint32_t lat_ms, double loss)
{
    uint32_t li = link_between(s, a, b);
    if (li == NONE)
        return HLN_ENOTFOUND;
    s->links[li].lat = lat_ms;
    s->links[li].loss = loss;
    return 0;
}

uint32_t hln_sim_diameter(const hln_sim *s)
{
    uint32_t n = s->cfg.nodes, diam = 0;
    uint32_t *dist = malloc(n * sizeof *dist), *queue = malloc(n * sizeof *queue);
    if (!dist || !queue) {
        free(dist);
        free(queue);
        return UINT32_MAX;
    }
    for (uint32_t src = 0; src < n && diam != UINT32_MAX; src++) {
        for (uint32_t i = 0; i < n; i++)
            dist[i] = UINT32_MAX;
        uint32_t qh = 0, qt = 0, seen = 1;
        dist[src] = 0;
        queue[qt++] = src;
        while (qh < qt) {
            uint32_t u = queue[qh++];
            for (uint32_t k = 0; k < s->nodes[u].nadj; k++) {
                const slink *l = &s->links[s->nodes[u].adj[k]];
                uint32_t v = l->a == u ? l->b : l->a;
                if (dist[v] == UINT32_MAX) {
                    dist[v] = dist[u] + 1;
                    if (dist[v] > diam)
                        diam = dist[v];
                    queue[qt++] = v;
                    seen++;
                }
            }
        }
        if (seen < n)
            diam = UINT32_MAX;
    }
    free(dist);
    free(queue);
    return diam;
}

int hln_sim_start(hln_sim *s, uint32_t node)
{
    if (node >= s->cfg.nodes)
        return HLN_EINVAL;
    snode *nd = &s->nodes[node];
    if (nd->running)
        return HLN_ESTATE;
    hln_sync_config ec = s->cfg.engine;
    memcpy(ec.node_id, s->pks[node], HLN_KEY_LEN);
    uint8_t inc[32];
    derive(s, "incarnation", node, nd->wipes, inc);
    memcpy(ec.incarnation, inc, 16);
    ec.seed = derive64(s, "engine", node, nd->restarts++);
    hln_sync_host h = {nd,      h_send, h_heads, h_read, h_store,
                       h_wants, h_fork, h_forks, NULL,   h_penalty, NULL, NULL, NULL,
                       NULL,    NULL};
    int rc = hln_sync_new(&ec, &h, s->now, &nd->eng);
    if (rc)
        return rc;
    nd->running = nd->started = true;
    relink(s);
    return 0;
}

void hln_sim_start_all(hln_sim *s)
{
    for (uint32_t i = 0; i < s->cfg.nodes; i++)
        if (!s->nodes[i].running)
            hln_sim_start(s, i);
}

void hln_sim_crash(hln_sim *s, uint32_t node)
{
    if (node >= s->cfg.nodes || !s->nodes[node].running)
        return;
    s->nodes[node].running = false;
    hln_sync_destroy(&s->nodes[node].eng);
    relink(s);
}

void hln_sim_wipe(hln_sim *s, uint32_t node)
{
    if (node >= s->cfg.nodes)
        return;
    hln_sim_crash(s, node);
    snode *nd = &s->nodes[node];
    for (uint32_t a = 0; a < nd->nfeeds; a++)
        nd->feeds[a].n = 0;
    nd->nproofs = 0;
    nd->wipes++;
    /* Its own records that no other node holds are gone for good. */
    if (node < s->nauthors && s->expected[node]) {
        uint64_t kept = 0;
        for (uint32_t i = 0; i < s->cfg.nodes; i++)
            if (i != node && hln_sim_head(s, i, node) > kept)
                kept = hln_sim_head(s, i, node);
        s->expected[node] = kept;
    }
    for (uint32_t i = 0; i < nd->track_cap; i++) {
        nd->first_t[i] = NO_TIME;
        nd->hops[i] = NONE;
    }
}

bool hln_sim_running(const hln_sim *s, uint32_t node)
{
    return node < s->cfg.nodes && s->nodes[node].running;
}

void hln_sim_set_trusted(hln_sim *s, uint32_t node, bool trusted)
{
    if (node < s->nauthors)
        s->author_trusted[node] = trusted;
    if (node < s->cfg.nodes)
        s->nodes[node].trusted = trusted;
}

void hln_sim_set_hostile(hln_sim *s, uint32_t node, bool hostile)
{
    if (node < s->cfg.nodes)
        s->nodes[node].hostile = hostile;
}

void hln_sim_partition(hln_sim *s, const uint32_t *group)
{
    for (uint32_t i = 0; i < s->cfg.nodes; i++)
        s->nodes[i].group = group[i];
    relink(s);
}

void hln_sim_heal(hln_sim *s)
{
    for (uint32_t i = 0; i < s->cfg.nodes; i++)
        s->nodes[i].group = 0;
    relink(s);
}

uint64_t hln_sim_now(const hln_sim *s)
{
    return s->now;
}

void hln_sim_run_until(hln_sim *s, uint64_t t_ms)
{
    for (;;) {
        bool msg = s->nheap && s->heap[0].t <= t_ms && s->heap[0].t <= s->next_tick;
        if (msg) {
            sevent ev = heap_pop(s);
            s->now = ev.t;
            const slink *l = &s->links[ev.link];
            if (l->open && l->epoch == ev.epoch && s->nodes[ev.to].running)
                hln_sync_receive(s->nodes[ev.to].eng, s->now, ev.from, ev.data, ev.len);
            else
                s->st.dropped++;
            free(ev.data);
            continue;
        }
        if (s->next_tick > t_ms)
            break;
        s->now = s->next_tick;
        s->next_tick += s->cfg.tick_ms;
        s->ticks++;
        for (uint32_t i = 0; i < s->cfg.nodes; i++)
            if (s->nodes[i].running)
                hln_sync_tick(s->nodes[i].eng, s->now);
    }
    s->now = t_ms;
}

bool hln_sim_converged(const hln_sim *s)
{
    for (uint32_t i = 0; i < s->cfg.nodes; i++) {
        const snode *nd = &s->nodes[i];
        if (!nd->running || nd->hostile)
            continue;
        for (uint32_t a = 0; a < s->nauthors; a++) {
            if (!s->author_trusted[a] || !s->expected[a])
                continue;
            if (a >= nd->nfeeds || nd->feeds[a].n < s->expected[a])
                return false;
        }
    }
    return true;
}

bool hln_sim_run_to_convergence(hln_sim *s, uint64_t deadline_ms)
{
    while (s->now < deadline_ms) {
        if (hln_sim_converged(s))
            return true;
        uint64_t t = s->now + s->cfg.tick_ms;
        hln_sim_run_until(s, t < deadline_ms ? t : deadline_ms);
    }
    return hln_sim_converged(s);
}

int hln_sim_seal(hln_sim *s, uint32_t author, const char *scope, uint64_t seq, const uint8_t *prev,
                 uint64_t numerator, hln_record *out)
{
    if (author >= s->nauthors)
        return HLN_EINVAL;
    hln_record_init(out, HLN_REC_OBSERVATION, s->pks[author], scope ? scope : "CA", seq, prev,
                    1767225600000ull + s->now);
    hln_observation *o = &out->body.observation;
    strcpy(o->indicator, "mhpc.depression-screening");
    strcpy(o->period, "2026-09");
    o->numerator = numerator;
    o->denominator = numerator + 100;
    return hln_record_seal(out, s->ids[author], NULL, 0);
}

int hln_sim_publish(hln_sim *s, uint32_t node)
{
    if (node >= s->cfg.nodes)
        return HLN_EINVAL;
    snode *nd = &s->nodes[node];
    sfeed *f = node_feed(nd, node);
    hln_record *r = malloc(sizeof *r);
    if (!r)
        return HLN_ENOMEM;
    const uint8_t *prev = f->n ? s->pool[f->recs[f->n - 1]]->id : NULL;
    int rc = hln_sim_seal(s, node, "CA", (uint64_t)f->n + 1, prev, f->n + 1, r);
    if (rc) {
        free(r);
        return rc;
    }
    uint32_t p = intern(s, r);
    s->pool_pub_t[p] = s->now;
    feed_append(nd, f, p, HLN_SYNC_LOCAL);
    if (s->author_trusted[node]) {
        s->expected[node] = f->n;
        s->st.records++;
    }
    if (nd->running)
        hln_sync_appended(nd->eng, s->now, r);
    free(r);
    return (int)p;
}

const hln_record *hln_sim_record(const hln_sim *s, int rec)
{
    return rec >= 0 && (uint32_t)rec < s->npool ? s->pool[rec] : NULL;
}

int hln_sim_author(hln_sim *s, uint32_t tag, bool trusted)
{
    return author_add(s, 0x80000000u | tag, trusted);
}

int hln_sim_inject(hln_sim *s, uint32_t from, uint32_t to, const uint8_t *msg, size_t len)
{
    uint32_t li = link_between(s, from, to);
    if (li == NONE || !s->links[li].open)
        return HLN_ENOTFOUND;
    deliver_later(s, from, to, msg, len);
    return 0;
}

uint64_t hln_sim_head(const hln_sim *s, uint32_t node, uint32_t author)
{
    const snode *nd = &s->nodes[node];
    return author < nd->nfeeds ? nd->feeds[author].n : 0;
}

bool hln_sim_holds(const hln_sim *s, uint32_t node, const uint8_t id[HLN_HASH_LEN])
{
    uint32_t p = pool_find(s, id);
    if (p == NONE)
        return false;
    const hln_record *r = s->pool[p];
    uint32_t a = author_find(s, r->env.author);
    const snode *nd = &s->nodes[node];
    if (a == NONE || a >= nd->nfeeds || !scope_is_ca(r->env.scope) || r->env.seq > nd->feeds[a].n ||
        r->env.seq == 0)
        return false;
    return nd->feeds[a].recs[r->env.seq - 1] == p;
}

uint32_t hln_sim_forks(const hln_sim *s, uint32_t node, uint32_t author)
{
    uint32_t n = 0;
    const snode *nd = &s->nodes[node];
    for (uint32_t i = 0; i < nd->nproofs; i++)
        n += nd->proofs[i].author == author;
    return n;
}

const uint8_t *hln_sim_author_pk(const hln_sim *s, uint32_t author)
{
    return author < s->nauthors ? s->pks[author] : NULL;
}

hln_sync *hln_sim_engine(hln_sim *s, uint32_t node)
{
    return node < s->cfg.nodes ? s->nodes[node].eng : NULL;
}

void hln_sim_stats_get(const hln_sim *s, hln_sim_stats *out)
{
    *out = s->st;
    out->ticks = s->ticks;
    out->dups = out->stored = out->forks_detected = 0;
    for (uint32_t i = 0; i < s->cfg.nodes; i++) {
        const snode *nd = &s->nodes[i];
        out->dups += nd->dups;
        out->stored += nd->stored;
        if (nd->eng) {
            hln_sync_stats es;
            hln_sync_stats_get(nd->eng, &es);
            out->forks_detected += es.forks_detected;
        }
    }
    /* Per published record: the last honest node to get it, and its hops. */
    for (uint32_t p = 0; p < s->npool; p++) {
        if (s->pool_pub_t[p] == NO_TIME)
            continue;
        for (uint32_t i = 0; i < s->cfg.nodes; i++) {
            const snode *nd = &s->nodes[i];
            if (nd->hostile || p >= nd->track_cap || nd->first_t[p] == NO_TIME)
                continue;
            uint64_t lat = nd->first_t[p] - s->pool_pub_t[p];
            if (lat > out->max_latency_ms)
                out->max_latency_ms = lat;
            if (nd->first_t[p] > out->last_delivery_ms)
                out->last_delivery_ms = nd->first_t[p];
            if (nd->hops[p] != NONE && nd->hops[p] > out->max_hops)
                out->max_hops = nd->hops[p];
        }
    }
}

int hln_sim_record_reach(const hln_sim *s, int rec, uint32_t *max_hops, uint64_t *max_latency_ms,
                         uint32_t *holders)
{
    if (rec < 0 || (uint32_t)rec >= s->npool || s->pool_pub_t[rec] == NO_TIME)
        return HLN_EINVAL;
    uint32_t p = (uint32_t)rec;
    *max_hops = 0;
    *max_latency_ms = 0;
    *holders = 0;
    for (uint32_t i = 0; i < s->cfg.nodes; i++) {
        const snode *nd = &s->nodes[i];
        if (nd->hostile || p >= nd->track_cap || nd->first_t[p] == NO_TIME)
            continue;
        (*holders)++;
        if (nd->first_t[p] - s->pool_pub_t[p] > *max_latency_ms)
            *max_latency_ms = nd->first_t[p] - s->pool_pub_t[p];
        if (nd->hops[p] != NONE && nd->hops[p] > *max_hops)
            *max_hops = nd->hops[p];
    }
    return 0;
}

void hln_sim_trace(const hln_sim *s, uint8_t out[HLN_HASH_LEN])
{
    hln_hash_state st = s->trace; /* finalising a copy keeps the trace going */
    hln_hash_final(&st, out);
}

uint64_t hln_sim_bytes_sent(const hln_sim *s, uint32_t node)
{
    return node < s->cfg.nodes ? s->nodes[node].bytes_sent : 0;
}
