/* sync.c - the sans-I/O replication engine: clocks in the manner of epidemic broadcast trees, eager
 * push, anti-entropy, fork proofs. */
#include "node/sync.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/err.h"
#include "node/util.h"

#define NEVER UINT64_MAX
#define NONE UINT32_MAX

/* What this node remembers about one feed for one peer. */
typedef struct {
    uint64_t told;   /* clock value last told the peer (NEVER: not told) */
    uint64_t heard;  /* clock value the peer last told us (NEVER: not heard) */
    uint64_t known;  /* the best we know of the peer's head: heard, or records it sent */
    uint64_t sent;   /* the highest seq we pushed or served it */
    uint8_t lazy_in; /* we asked the peer not to push this feed (a pruned tree edge) */
    uint8_t told_head[HLN_WIRE_HEAD_LEN], heard_head[HLN_WIRE_HEAD_LEN];
} pfeed;

/* A request in flight: answered by a records reply from the same peer
 * whose first record has seq `from`. Replies come back in request order
 * (one channel per peer, served in order), so a reply that matches a later
 * request means the earlier ones were lost or skipped. */
typedef struct {
    uint32_t fi;
    uint64_t from, to, deadline;
} req_slot;

/* A feed a peer announced that we do not replicate: its heard clock value,
 * kept only so that the heard-digest stays exact and hln_sync_wants_changed
 * knows whom to ask. At most unwanted_per_peer per peer. */
typedef struct {
    hln_feed_id id;
    uint64_t value;
    uint8_t head[HLN_WIRE_HEAD_LEN];
    uint8_t state; /* 0 empty, 1 used, 2 deleted */
} unw_slot;

/* A request from a peer that waits for the next tick's allowance. */
typedef struct {
    hln_feed_id feed;
    uint64_t from, to;
} later_req;

#define LATER_MAX 32

typedef struct {
    uint32_t handle;
    bool up, hello, have_id;
    bool hello_sent; /* we greeted it since its channel came up */
    uint8_t node_id[HLN_KEY_LEN], inc[16];
    pfeed *pf;
    size_t pf_cap;
    uint8_t told_dg[HLN_WIRE_DIGEST_LEN], heard_dg[HLN_WIRE_DIGEST_LEN];
    bool want_full, full_now, send_repair;
    uint64_t last_full_ms, last_hello_ms, last_answer_ms;
    uint32_t *dirty; /* feeds whose lazy bit towards this peer changed */
    uint32_t ndirty; /* at most one per feed change between flushes */
    size_t dirty_cap;
    req_slot *reqs; /* requests in flight to it, oldest first (requests_per_peer) */
    uint32_t nreqs, served;
    /* Its requests beyond serve_per_tick, served first at the next tick, in
     * the order they came (its replies must come in request order); at
     * most LATER_MAX, beyond which a request is dropped (and times out
     * there): more than a peer keeps in flight. */
    later_req *later;
    uint32_t nlater;
    unw_slot *unw; /* declined feeds it announced (open addressing) */
    uint32_t unw_cap, unw_n, unw_del;
    bool unw_lost; /* since its last full vector it announced a declined feed not kept */
} peer;

typedef struct {
    hln_feed_id id;
    uint64_t seq;                    /* our head */
    uint8_t head[HLN_WIRE_HEAD_LEN]; /* our head's id prefix (zero at seq 0) */
    uint64_t best;                   /* the highest head any peer told us of */
    uint64_t missing_since;          /* NEVER unless best > seq */
    /* The pull pipeline: up to requests_per_feed requests for consecutive
     * ranges, all to one peer; req_next is the first seq not yet asked. */
    uint64_t req_next;
    uint32_t req_peer; /* index of the peer asked, NONE */
    uint32_t req_n;    /* its requests in flight (slots in that peer's reqs) */
    uint32_t failed_peer;
    bool draining; /* a range came back short: let the rest drain, then ask again */
    uint64_t fork_seq;  /* the seq whose fork proof we already spread */
    uint64_t probe_seq; /* the seq we last asked a peer for to check a fork */
    uint64_t stall_seq; /* the host refused this record for trust or policy: while it is
                         * the next one we need, the feed is not asked for (until
                         * hln_sync_wants_changed); 0: none */
    bool in_vector;     /* wanted: part of the clock we tell */
    bool changed;       /* in e->changed */
} feed;

struct hln_sync {
    hln_sync_config cfg;
    hln_sync_host h;
    uint64_t now, rng, next_ae;
    feed *feeds;
    uint32_t nfeeds; /* at most cfg.max_feeds */
    size_t feeds_cap;
    uint32_t *ht; /* open addressing: feed index + 1, 0 empty */
    uint32_t ht_cap;
    peer *peers;
    uint32_t npeers; /* at most cfg.max_peers */
    size_t peers_cap;
    uint32_t *changed; /* feeds whose head changed since the last tick */
    uint32_t nchanged; /* at most nfeeds: a feed is in it once */
    size_t changed_cap;
    hln_wire_buf out;
    hln_wire_clock_entry *centries;
    uint8_t *scratch; /* record bytes gathered for one records message */
    size_t scratch_len;
    hln_wire_slice slices[HLN_WIRE_BATCH_MAX];
    size_t nslices;
    /* Answers of one pipeline held back so that several are stored in one
     * call (store_batch records at most): verified, in feed order. */
    hln_record *hold;
    uint32_t nhold, hold_fi, hold_peer;
    /* With host->store_begin: the answers held before, handed to the host
     * and not yet durable (host->store_end), so not yet claimed to anyone. */
    hln_record *flight;
    int *flight_res; /* store_batch results */
    uint32_t nflight, flight_fi, flight_peer;
    /* Where a records message is decoded when it cannot go straight into
     * the hold (kept between messages: no allocation and no fresh pages per
     * message). */
    hln_record *dec;
    size_t dec_cap;
    hln_sync_stats st;
};

static uint64_t held_head(const hln_sync *e, uint32_t fi);
static void flush_hold(hln_sync *e);
static void settle(hln_sync *e);

/* ---- Small helpers --------------------------------------------------- */

static uint64_t rnd(hln_sync *e)
{
    /* splitmix64: the engine's only randomness, from the configured seed. */
    uint64_t z = (e->rng += UINT64_C(0x9e3779b97f4a7c15));
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

static uint32_t feed_hash(const hln_feed_id *f)
{
    uint32_t h = 2166136261u;
    for (int i = 0; i < 8; i++)
        h = (h ^ f->author[i]) * 16777619u;
    for (int i = 0; i < HLN_SCOPE_MAX && f->scope[i]; i++)
        h = (h ^ (uint8_t)f->scope[i]) * 16777619u;
    return h;
}

static bool feed_eq(const hln_feed_id *a, const hln_feed_id *b)
{
    return memcmp(a->author, b->author, HLN_KEY_LEN) == 0 &&
           strncmp(a->scope, b->scope, sizeof a->scope) == 0;
}

static uint32_t feed_find(const hln_sync *e, const hln_feed_id *f)
{
    if (!e->ht_cap)
        return NONE;
    for (uint32_t i = feed_hash(f) & (e->ht_cap - 1);; i = (i + 1) & (e->ht_cap - 1)) {
        uint32_t v = e->ht[i];
        if (!v)
            return NONE;
        if (feed_eq(&e->feeds[v - 1].id, f))
            return v - 1;
    }
}

static int rehash(hln_sync *e, uint32_t cap)
{
    uint32_t *ht = calloc(cap, sizeof *ht);
    if (!ht)
        return HLN_ENOMEM;
    for (uint32_t k = 0; k < e->nfeeds; k++) {
        uint32_t i = feed_hash(&e->feeds[k].id) & (cap - 1);
        while (ht[i])
            i = (i + 1) & (cap - 1);
        ht[i] = k + 1;
    }
    free(e->ht);
    e->ht = ht;
    e->ht_cap = cap;
    return 0;
}

/* Add a feed slot (not yet wanted). NONE when full or out of memory: a
 * peer cannot make us track more than max_feeds. */
static uint32_t feed_add(hln_sync *e, const hln_feed_id *id)
{
    if (e->nfeeds >= e->cfg.max_feeds)
        return NONE;
    if (hln_util_grow((void **)&e->feeds, &e->feeds_cap, (size_t)e->nfeeds + 1, sizeof *e->feeds))
        return NONE;
    /* The index is a uint32_t hash table kept at most half full. */
    if (((uint64_t)e->nfeeds + 1) * 2 > e->ht_cap &&
        (e->ht_cap > UINT32_MAX / 2 || rehash(e, e->ht_cap ? e->ht_cap * 2 : 64)))
        return NONE;
    feed *f = &e->feeds[e->nfeeds];
    memset(f, 0, sizeof *f);
    memcpy(f->id.author, id->author, HLN_KEY_LEN);
    memcpy(f->id.scope, id->scope, strnlen(id->scope, HLN_SCOPE_MAX));
    f->missing_since = NEVER;
    f->req_peer = NONE;
    f->failed_peer = NONE;
    uint32_t i = feed_hash(&f->id) & (e->ht_cap - 1);
    while (e->ht[i])
        i = (i + 1) & (e->ht_cap - 1);
    e->ht[i] = e->nfeeds + 1;
    e->st.feeds = ++e->nfeeds;
    return e->nfeeds - 1;
}

static void mark_changed(hln_sync *e, uint32_t fi)
{
    feed *f = &e->feeds[fi];
    if (f->changed ||
        hln_util_grow((void **)&e->changed, &e->changed_cap, (size_t)e->nchanged + 1,
                      sizeof(uint32_t)))
        return;
    f->changed = true;
    e->changed[e->nchanged++] = fi;
}

static pfeed *pf_get(hln_sync *e, peer *p, uint32_t fi)
{
    if (fi >= p->pf_cap) {
        size_t old = p->pf_cap;
        if (hln_util_grow((void **)&p->pf, &p->pf_cap, (size_t)fi + 1, sizeof *p->pf))
            return NULL;
        for (size_t i = old; i < p->pf_cap; i++)
            p->pf[i] = (pfeed){NEVER, NEVER, 0, 0, e->cfg.lazy_start ? 1 : 0, {0}, {0}};
    }
    return &p->pf[fi];
}

static void mark_dirty(peer *p, uint32_t fi)
{
    if (p->ndirty < UINT32_MAX &&
        !hln_util_grow((void **)&p->dirty, &p->dirty_cap, (size_t)p->ndirty + 1, sizeof(uint32_t)))
        p->dirty[p->ndirty++] = fi;
}

/* ---- Declined feeds per peer ------------------------------------------ */

static uint32_t unw_find(const peer *p, const hln_feed_id *f)
{
    if (!p->unw_cap)
        return NONE;
    for (uint32_t i = feed_hash(f) & (p->unw_cap - 1);; i = (i + 1) & (p->unw_cap - 1)) {
        const unw_slot *s = &p->unw[i];
        if (s->state == 0)
            return NONE;
        if (s->state == 1 && feed_eq(&s->id, f))
            return i;
    }
}

static void unw_clear(peer *p)
{
    free(p->unw);
    p->unw = NULL;
    p->unw_cap = p->unw_n = p->unw_del = 0;
    p->unw_lost = false;
}

/* Keep one declined feed's heard value (not present yet). HLN_ETOOBIG when
 * the peer has unwanted_per_peer of them already. */
static int unw_put(hln_sync *e, peer *p, const hln_feed_id *f, uint64_t value,
                   const uint8_t head[HLN_WIRE_HEAD_LEN])
{
    if (p->unw_n >= e->cfg.unwanted_per_peer)
        return HLN_ETOOBIG;
    if (((uint64_t)p->unw_n + p->unw_del + 1) * 2 > p->unw_cap) {
        uint32_t cap = p->unw_cap ? p->unw_cap : 16;
        while (((uint64_t)p->unw_n + 1) * 2 > cap) {
            if (cap > UINT32_MAX / 2)
                return HLN_ENOMEM;
            cap *= 2; /* the rehash drops the deleted slots */
        }
        unw_slot *ns = calloc(cap, sizeof *ns);
        if (!ns)
            return HLN_ENOMEM;
        for (uint32_t k = 0; k < p->unw_cap; k++) {
            if (p->unw[k].state != 1)
                continue;
            uint32_t i = feed_hash(&p->unw[k].id) & (cap - 1);
            while (ns[i].state)
                i = (i + 1) & (cap - 1);
            ns[i] = p->unw[k];
        }
        free(p->unw);
        p->unw = ns;
        p->unw_cap = cap;
        p->unw_del = 0;
    }
    uint32_t i = feed_hash(f) & (p->unw_cap - 1);
    while (p->unw[i].state == 1)
        i = (i + 1) & (p->unw_cap - 1);
    if (p->unw[i].state == 2)
        p->unw_del--;
    unw_slot *s = &p->unw[i];
    memset(&s->id, 0, sizeof s->id);
    memcpy(s->id.author, f->author, HLN_KEY_LEN);
    memcpy(s->id.scope, f->scope, strnlen(f->scope, HLN_SCOPE_MAX));
    s->value = value;
    memcpy(s->head, head, HLN_WIRE_HEAD_LEN);
    s->state = 1;
    p->unw_n++;
    return 0;
}

static void unw_remove(peer *p, uint32_t i)
{
    p->unw[i].state = 2;
    p->unw_n--;
    p->unw_del++;
}

static uint32_t peer_find(const hln_sync *e, uint32_t handle)
{
    for (uint32_t i = 0; i < e->npeers; i++)
        if (e->peers[i].handle == handle)
            return i;
    return NONE;
}

static void send_out(hln_sync *e, peer *p)
{
    e->st.msgs_out++;
    e->st.bytes_out += e->out.len;
    (void)e->h.send(e->h.ctx, p->handle, e->out.p, e->out.len);
}

static void penalty(hln_sync *e, peer *p, int rc)
{
    if (e->h.penalty)
        e->h.penalty(e->h.ctx, p->handle, rc);
}

/* The sending side of scopes: a feed the host refuses for a peer is never
 * announced, pushed, served or proven forked to it. */
static bool may_send(hln_sync *e, const peer *p, const hln_feed_id *f)
{
    return !e->h.may_send || e->h.may_send(e->h.ctx, p->handle, f);
}

/* ---- Clocks ---------------------------------------------------------- */

static void set_told(peer *p, pfeed *pf, const feed *f, uint64_t v)
{
    if (pf->told != NEVER)
        hln_wire_digest_xor(p->told_dg, &f->id, pf->told, pf->told_head);
    hln_wire_digest_xor(p->told_dg, &f->id, v, f->head);
    pf->told = v;
    memcpy(pf->told_head, f->head, HLN_WIRE_HEAD_LEN);
}

static void reset_told(peer *p)
{
    for (size_t i = 0; i < p->pf_cap; i++)
        p->pf[i].told = NEVER;
    memset(p->told_dg, 0, sizeof p->told_dg);
}

static void reset_heard(peer *p, bool store_changed)
{
    for (size_t i = 0; i < p->pf_cap; i++) {
        p->pf[i].heard = NEVER;
        if (store_changed)
            p->pf[i].known = p->pf[i].sent = 0;
    }
    unw_clear(p);
    memset(p->heard_dg, 0, sizeof p->heard_dg);
}

typedef enum { FLUSH_DELTA, FLUSH_SCAN } flush_mode;

/* Tell one peer what changed in our clock. DELTA looks only at feeds marked
 * changed; SCAN compares every feed with what the peer was told (after a
 * reconnection). A full vector (after a repair request or a hello whose
 * digest disagrees) is a SCAN from an empty "told", flagged FULL. Clock
 * messages carry the digest of everything told so far, so the last one
 * sent always lets the peer check its copy. */
static void flush_peer(hln_sync *e, uint32_t pi, flush_mode mode, bool force)
{
    peer *p = &e->peers[pi];
    uint32_t flags = 0;
    size_t n = 0;
    bool sent_any = false;

    if (!p->up || !p->hello)
        return;
    /* A full vector costs O(feeds): a peer asking for repairs gets at most
     * one per anti-entropy interval, except right after its hello. */
    if (p->want_full && (p->full_now || e->now >= p->last_full_ms + e->cfg.ae_interval_ms)) {
        reset_told(p);
        p->want_full = p->full_now = false;
        p->last_full_ms = e->now;
        flags |= HLN_CLOCK_FULL;
        mode = FLUSH_SCAN;
    }
    if (p->send_repair) {
        flags |= HLN_CLOCK_REPAIR;
        p->send_repair = false;
    }
    uint32_t total = mode == FLUSH_SCAN ? e->nfeeds : e->nchanged + p->ndirty;
    for (uint32_t k = 0; k <= total; k++) {
        if (k < total) {
            uint32_t fi = mode == FLUSH_SCAN ? k
                          : k < e->nchanged  ? e->changed[k]
                                             : p->dirty[k - e->nchanged];
            feed *f = &e->feeds[fi];
            if (!f->in_vector || !may_send(e, p, &f->id))
                continue;
            pfeed *pf = pf_get(e, p, fi);
            if (!pf)
                continue;
            uint64_t v = HLN_CLOCK_VALUE(f->seq, pf->lazy_in);
            if (pf->told == v && memcmp(pf->told_head, f->head, HLN_WIRE_HEAD_LEN) == 0)
                continue;
            set_told(p, pf, f, v);
            e->centries[n].feed = f->id;
            e->centries[n].value = v;
            memcpy(e->centries[n].head, f->head, HLN_WIRE_HEAD_LEN);
            n++;
            if (n < HLN_WIRE_CLOCK_MAX)
                continue;
        }
        if (n == 0 && (sent_any || (!force && flags == 0)))
            break;
        if (hln_wire_clock(&e->out, flags, p->told_dg, e->centries, n) == 0)
            send_out(e, p);
        sent_any = true;
        flags = 0; /* FULL and REPAIR belong to the first part only */
        n = 0;
    }
    p->ndirty = 0;
}

/* ---- Requests and pushes --------------------------------------------- */

/* Could an eager push of what we miss be on its way? Only from a peer that
 * has it and that we asked to push. If none, waiting is pointless. */
static bool push_expected(const hln_sync *e, uint32_t fi)
{
    for (uint32_t i = 0; i < e->npeers; i++) {
        const peer *p = &e->peers[i];
        if (!p->up || !p->hello || fi >= p->pf_cap)
            continue;
        const pfeed *pf = &p->pf[fi];
        if (pf->told != NEVER && !HLN_CLOCK_LAZY(pf->told) && pf->known > e->feeds[fi].seq)
            return true;
    }
    return false;
}

/* Pull: keep up to requests_per_feed requests for consecutive ranges of
 * the feed in flight to one peer, so that the peer serves the next range
 * while we verify and store this one. The store takes records in feed
 * order only; a range that comes back short (lost, truncated, refused)
 * leaves a gap that the ranges after it cannot fill, so the pipeline
 * stops growing, lets what is in flight drain (answers ahead of the gap
 * are dropped before verification) and starts again from our head. */
static void start_request(hln_sync *e, uint32_t fi, bool now)
{
    feed *f = &e->feeds[fi];
    if (!f->in_vector || f->best <= f->seq || f->stall_seq == f->seq + 1)
        return;
    bool fresh = f->req_peer == NONE;
    if (fresh) {
        if (!now && e->now < f->missing_since + e->cfg.graft_delay_ms && push_expected(e, fi))
            return;
        /* A random peer among those that have more, avoiding the last one
         * that failed us, so one silent peer cannot hold the feed back. */
        uint32_t pick = NONE, seen = 0, fallback = NONE;
        for (uint32_t i = 0; i < e->npeers; i++) {
            peer *p = &e->peers[i];
            if (!p->up || !p->hello || p->nreqs >= e->cfg.requests_per_peer ||
                fi >= p->pf_cap || p->pf[fi].known <= f->seq)
                continue;
            if (i == f->failed_peer) {
                fallback = i;
                continue;
            }
            if (rnd(e) % ++seen == 0)
                pick = i;
        }
        if (pick == NONE)
            pick = fallback;
        if (pick == NONE)
            return;
        f->req_peer = pick;
        f->req_n = 0;
        f->draining = false;
        f->req_next = held_head(e, fi) + 1;
    }
    if (f->draining)
        return;
    peer *p = &e->peers[f->req_peer];
    pfeed *pf = &p->pf[fi];
    uint32_t depth = e->cfg.requests_per_feed;
    if (f->req_next <= held_head(e, fi)) /* pushes got ahead of the pipeline */
        f->req_next = held_head(e, fi) + 1;
    while (f->req_n < depth && p->nreqs < e->cfg.requests_per_peer && f->req_next <= pf->known) {
        uint64_t from = f->req_next, to = from + e->cfg.batch_records - 1;
        if (to > pf->known)
            to = pf->known;
        if (hln_wire_request(&e->out, &f->id, from, to))
            break;
        send_out(e, p);
        e->st.requests_sent++;
        p->reqs[p->nreqs++] = (req_slot){fi, from, to, e->now + e->cfg.request_timeout_ms};
        f->req_n++;
        f->req_next = to + 1;
    }
    if (f->req_n == 0) {
        f->req_peer = NONE;
        return;
    }
    /* Graft: the peer that had what we missed becomes a tree edge again. */
    if (fresh && pf->lazy_in) {
        pf->lazy_in = 0;
        mark_dirty(p, fi);
    }
}

/* Forget request k to peer p. When it was its feed's last one in flight,
 * the feed's pipeline ends (the caller says what happens next). */
static void end_request(hln_sync *e, peer *p, uint32_t k)
{
    feed *f = &e->feeds[p->reqs[k].fi];
    memmove(&p->reqs[k], &p->reqs[k + 1], (size_t)(p->nreqs - k - 1) * sizeof *p->reqs);
    p->nreqs--;
    if (f->req_n)
        f->req_n--;
    if (f->req_n == 0) {
        f->req_peer = NONE;
        f->draining = false;
    }
}

static int push_one(hln_sync *e, peer *p, const hln_record *r, uint32_t flags)
{
    hln_wire_slice s = {r->raw, r->raw_len};
    int rc = hln_wire_records(&e->out, flags, &s, 1);
    if (rc == 0)
        send_out(e, p);
    return rc;
}

/* Eager push of a record we just got to the peers whose clock asked for the
 * feed eagerly and lack it, within the window of what they acknowledged. */
static void push_new(hln_sync *e, uint32_t fi, const hln_record *r, uint32_t from)
{
    uint64_t seq = r->env.seq;
    for (uint32_t i = 0; i < e->npeers; i++) {
        peer *p = &e->peers[i];
        if (i == from || !p->up || !p->hello || fi >= p->pf_cap)
            continue;
        pfeed *pf = &p->pf[fi];
        if (pf->heard == NEVER || HLN_CLOCK_LAZY(pf->heard) || pf->known >= seq ||
            pf->sent >= seq || seq > pf->known + e->cfg.push_window ||
            !may_send(e, p, &e->feeds[fi].id))
            continue;
        if (push_one(e, p, r, 0) == 0)
            pf->sent = seq;
    }
}

/* ---- Forks ----------------------------------------------------------- */

typedef struct {
    hln_wire_buf *out;
    const hln_record *other;
    int rc;
} fork_build;

static int fork_build_cb(void *cbctx, const hln_record *held)
{
    fork_build *fb = cbctx;
    hln_wire_slice a = {held->raw, held->raw_len}, b = {fb->other->raw, fb->other->raw_len};
    fb->rc = hln_wire_fork(fb->out, &a, &b);
    return 1;
}

/* Send e->out to every greeted peer but `except`; with `f`, only to the
 * peers that may be sent that feed (a fork proof carries its records). */
static void broadcast(hln_sync *e, uint32_t except, const hln_feed_id *f)
{
    for (uint32_t i = 0; i < e->npeers; i++)
        if (i != except && e->peers[i].up && e->peers[i].hello &&
            (!f || may_send(e, &e->peers[i], f)))
            send_out(e, &e->peers[i]);
}

/* The store refused `r` as a fork: build the proof from the record held
 * and spread it (once per feed and seq). */
static void fork_detected(hln_sync *e, uint32_t fi, const hln_record *r)
{
    feed *f = &e->feeds[fi];
    if (f->fork_seq == r->env.seq)
        return;
    fork_build fb = {&e->out, r, HLN_ENOTFOUND};
    e->h.read(e->h.ctx, &f->id, r->env.seq, r->env.seq, fork_build_cb, &fb);
    if (fb.rc)
        return;
    f->fork_seq = r->env.seq;
    e->st.forks_detected++;
    broadcast(e, NONE, &f->id);
}

typedef struct {
    hln_sync *e;
    peer *p;
} fork_send;

static int fork_send_cb(void *cbctx, const hln_record *a, const hln_record *b)
{
    fork_send *fs = cbctx;
    hln_feed_id fid;
    hln_record_feed(a, &fid);
    if (!may_send(fs->e, fs->p, &fid))
        return 0;
    hln_wire_slice sa = {a->raw, a->raw_len}, sb = {b->raw, b->raw_len};
    if (hln_wire_fork(&fs->e->out, &sa, &sb) == 0)
        send_out(fs->e, fs->p);
    return 0;
}

/* ---- Message handlers ------------------------------------------------ */

static void send_hello(hln_sync *e, peer *p)
{
    if (hln_wire_hello(&e->out, e->cfg.node_id, e->cfg.incarnation, 0, p->heard_dg) == 0) {
        send_out(e, p);
        p->last_hello_ms = e->now;
        p->hello_sent = true;
    }
}

static int on_hello(hln_sync *e, uint32_t pi, const hln_wire_msg *m)
{
    peer *p = &e->peers[pi];
    if (m->version != HLN_WIRE_VERSION)
        return HLN_EVERSION;
    bool again = p->hello;
    bool other_node = p->have_id && memcmp(p->node_id, m->node_id, HLN_KEY_LEN) != 0;
    bool new_store = p->have_id && memcmp(p->inc, m->incarnation, 16) != 0;
    /* Greet back whoever greets us and may not have our hello: we have not
     * sent one since the channel came up, the peer is another store, or it
     * greets again in our session (it restarted the session alone, or ours
     * was lost). Without this, a side that restarted alone would refuse
     * everything from the other as "before hello" until the other greeted
     * again. Repeated greetings get at most two answers per anti-entropy
     * interval, so a peer cannot make us talk faster than that. */
    if (!p->hello_sent || other_node || new_store)
        send_hello(e, p);
    else if (again && (p->last_answer_ms == NEVER ||
                       e->now >= p->last_answer_ms + e->cfg.ae_interval_ms / 2)) {
        send_hello(e, p);
        p->last_answer_ms = e->now;
    }
    if (other_node || new_store) {
        /* What it told us described a store that is gone. */
        reset_heard(p, true);
        e->st.clock_repairs++;
    }
    memcpy(p->node_id, m->node_id, HLN_KEY_LEN);
    memcpy(p->inc, m->incarnation, 16);
    p->have_id = true;
    p->hello = true;
    /* Its digest of what it heard from us equals ours of what we told it
     * only if it kept that state: otherwise it gets the full vector. */
    if (memcmp(m->digest, p->told_dg, HLN_WIRE_DIGEST_LEN) != 0) {
        p->want_full = true;
        p->full_now = !again; /* repeated hellos get the repair rate limit */
    }
    flush_peer(e, pi, FLUSH_SCAN, true);
    if (e->h.forks) {
        fork_send fs = {e, p};
        e->h.forks(e->h.ctx, fork_send_cb, &fs);
    }
    return 0;
}

/* A clock entry about a feed we do not replicate: it takes no slot in the
 * feed table (a peer could fill it), only, while there is room, one in the
 * peer's bounded set of declined feeds. False when the heard-digest can no
 * longer be kept exact (the entry may replace one we did not keep). */
static bool on_declined(hln_sync *e, peer *p, const hln_wire_clock_entry *ce)
{
    uint32_t k = unw_find(p, &ce->feed);
    if (k != NONE) {
        unw_slot *s = &p->unw[k];
        hln_wire_digest_xor(p->heard_dg, &ce->feed, s->value, s->head);
        hln_wire_digest_xor(p->heard_dg, &ce->feed, ce->value, ce->head);
        s->value = ce->value;
        memcpy(s->head, ce->head, HLN_WIRE_HEAD_LEN);
        return true;
    }
    /* Not kept: new, unless some declined feed was not kept before. */
    bool exact = !p->unw_lost;
    hln_wire_digest_xor(p->heard_dg, &ce->feed, ce->value, ce->head);
    if (unw_put(e, p, &ce->feed, ce->value, ce->head) != 0)
        p->unw_lost = true;
    return exact;
}

static int on_clock(hln_sync *e, uint32_t pi, hln_wire_msg *m)
{
    peer *p = &e->peers[pi];
    hln_wire_clock_entry ce;
    bool exact = true;
    if (m->flags & HLN_CLOCK_FULL)
        reset_heard(p, false);
    while (hln_wire_clock_next(m, &ce)) {
        uint32_t fi = feed_find(e, &ce.feed);
        /* Only feeds we replicate get a slot in the feed table. */
        if (fi != NONE && !e->feeds[fi].in_vector && e->h.wants(e->h.ctx, &ce.feed)) {
            e->feeds[fi].in_vector = true;
            mark_changed(e, fi);
        }
        if (fi == NONE && e->h.wants(e->h.ctx, &ce.feed) &&
            (fi = feed_add(e, &ce.feed)) != NONE) {
            e->feeds[fi].in_vector = true;
            mark_changed(e, fi);
        }
        if (fi == NONE || !e->feeds[fi].in_vector) {
            exact &= on_declined(e, p, &ce);
            continue;
        }
        feed *f = &e->feeds[fi];
        pfeed *pf = pf_get(e, p, fi);
        if (!pf) {
            exact = false;
            continue;
        }
        if (pf->heard == NEVER) {
            /* Declined when the peer announced it, wanted since. */
            uint32_t k = unw_find(p, &ce.feed);
            if (k != NONE) {
                pf->heard = p->unw[k].value;
                memcpy(pf->heard_head, p->unw[k].head, HLN_WIRE_HEAD_LEN);
                unw_remove(p, k);
            } else if (p->unw_lost)
                exact = false;
        }
        if (pf->heard != NEVER)
            hln_wire_digest_xor(p->heard_dg, &f->id, pf->heard, pf->heard_head);
        hln_wire_digest_xor(p->heard_dg, &f->id, ce.value, ce.head);
        pf->heard = ce.value;
        memcpy(pf->heard_head, ce.head, HLN_WIRE_HEAD_LEN);
        uint64_t s = HLN_CLOCK_SEQ(ce.value);
        if (s > pf->known)
            pf->known = s;
        if (s > f->best)
            f->best = s;
        if (f->best > f->seq) {
            if (f->missing_since == NEVER)
                f->missing_since = e->now;
            start_request(e, fi, false);
        }
        /* Same seq, another head: the peer holds a different record there.
         * Asking for it turns the suspicion into a proof (the store says
         * HLN_EFORK), once per seq. */
        if (s == f->seq && s > 0 && f->probe_seq != s && f->fork_seq != s &&
            memcmp(ce.head, f->head, HLN_WIRE_HEAD_LEN) != 0 &&
            hln_wire_request(&e->out, &f->id, s, s) == 0) {
            f->probe_seq = s;
            send_out(e, p);
            e->st.requests_sent++;
        }
    }
    /* Past unwanted_per_peer declined feeds (a peer announcing many feeds
     * we do not replicate) the digest of what it told us cannot be
     * checked: we take its word for it rather than ask for repairs it
     * cannot satisfy; hln_sync_wants_changed asks it for a full vector. */
    if (!exact)
        memcpy(p->heard_dg, m->digest, HLN_WIRE_DIGEST_LEN);
    if (memcmp(p->heard_dg, m->digest, HLN_WIRE_DIGEST_LEN) != 0) {
        p->send_repair = true;
        e->st.clock_repairs++;
    }
    if (m->flags & HLN_CLOCK_REPAIR)
        p->want_full = true;
    if (p->send_repair || p->want_full)
        flush_peer(e, pi, FLUSH_DELTA, false);
    return 0;
}

typedef struct {
    hln_sync *e;
    uint64_t last;
} serve_ctx;

static int serve_cb(void *cbctx, const hln_record *r)
{
    serve_ctx *sc = cbctx;
    hln_sync *e = sc->e;
    if (e->nslices >= e->cfg.batch_records || e->scratch_len + r->raw_len > HLN_WIRE_MAX - 4096)
        return 1;
    /* The host's record lives only during this call: copy its bytes. */
    memcpy(e->scratch + e->scratch_len, r->raw, r->raw_len);
    e->slices[e->nslices].p = e->scratch + e->scratch_len;
    e->slices[e->nslices].len = r->raw_len;
    e->scratch_len += r->raw_len;
    e->nslices++;
    sc->last = r->env.seq;
    return 0;
}

/* Answer one request of peer pi: the records of feed `fid` from `from` to
 * `to` that we hold, at most a batch. */
static int serve_request(hln_sync *e, uint32_t pi, const hln_feed_id *fid, uint64_t from,
                         uint64_t to)
{
    peer *p = &e->peers[pi];
    p->served++;
    uint32_t fi = feed_find(e, fid);
    if (fi == NONE || !e->feeds[fi].in_vector || e->feeds[fi].seq < from)
        return 0;
    /* Not the peer's fault: it may have heard of the feed elsewhere. */
    if (!may_send(e, p, &e->feeds[fi].id))
        return 0;
    if (to > e->feeds[fi].seq)
        to = e->feeds[fi].seq;
    if (to - from >= e->cfg.batch_records)
        to = from + e->cfg.batch_records - 1;
    /* Sized once for a whole message, and only on engines that ever serve. */
    if (!e->scratch && !(e->scratch = malloc(HLN_WIRE_MAX)))
        return HLN_ENOMEM;
    e->scratch_len = 0;
    e->nslices = 0;
    serve_ctx sc = {e, 0};
    e->h.read(e->h.ctx, &e->feeds[fi].id, from, to, serve_cb, &sc);
    if (e->nslices == 0)
        return 0;
    if (hln_wire_records(&e->out, HLN_RECORDS_REPLY, e->slices, e->nslices) == 0) {
        send_out(e, p);
        e->st.requests_served++;
        pfeed *pf = pf_get(e, p, fi);
        if (pf && sc.last > pf->sent)
            pf->sent = sc.last;
    }
    return 0;
}

/* A peer gets a bounded share of our reads between two ticks: what it
 * asks beyond waits for the next tick rather than being dropped, which
 * would leave its request to time out (seconds) on a fast link where it
 * asks more than serve_per_tick in one tick. */
static int on_request(hln_sync *e, uint32_t pi, const hln_wire_msg *m)
{
    peer *p = &e->peers[pi];
    if (p->served < e->cfg.serve_per_tick && p->nlater == 0)
        return serve_request(e, pi, &m->feed, m->from_seq, m->to_seq);
    if (p->nlater >= LATER_MAX)
        return 0;
    if (!p->later && !(p->later = malloc(LATER_MAX * sizeof *p->later)))
        return 0; /* short of memory: as a drop */
    p->later[p->nlater++] = (later_req){m->feed, m->from_seq, m->to_seq};
    return 0;
}

/* At a tick: the requests that waited, oldest first, within the new
 * allowance (a peer that went down has none: hln_sync_peer_down). */
static void serve_later(hln_sync *e, uint32_t pi)
{
    peer *p = &e->peers[pi];
    uint32_t k = 0;
    while (k < p->nlater && p->served < e->cfg.serve_per_tick) {
        later_req q = p->later[k++];
        (void)serve_request(e, pi, &q.feed, q.from, q.to);
    }
    memmove(p->later, p->later + k, (p->nlater - k) * sizeof *p->later);
    p->nlater -= k;
}

/* The feed's head counting the answers held back to be stored together
 * and those being stored. */
static uint64_t held_head(const hln_sync *e, uint32_t fi)
{
    if (e->nhold && e->hold_fi == fi)
        return e->hold[e->nhold - 1].env.seq;
    if (e->nflight && e->flight_fi == fi)
        return e->flight[e->nflight - 1].env.seq;
    return e->feeds[fi].seq;
}

/* Act on what the store said of each of `n` records from peer pi.
 * fis[i] is record i's feed (NULL: all `one_fi`). */
static void apply_results(hln_sync *e, uint32_t pi, const hln_record *recs, const uint32_t *fis,
                          uint32_t one_fi, size_t n, bool reply, const int *results)
{
    peer *p = &e->peers[pi];
    for (size_t i = 0; i < n; i++) {
        const hln_record *r = &recs[i];
        uint32_t fi = fis ? fis[i] : one_fi;
        feed *f = &e->feeds[fi];
        pfeed *pf = pf_get(e, p, fi);
        uint64_t seq = r->env.seq;
        if (!pf)
            continue;
        if (seq > pf->known && results[i] != HLN_ECHAIN)
            pf->known = seq;
        switch (results[i]) {
        case 0:
            e->st.records_stored++;
            if (seq > f->seq) {
                f->seq = seq;
                memcpy(f->head, r->id, HLN_WIRE_HEAD_LEN);
                mark_changed(e, fi);
            }
            if (f->seq > f->best)
                f->best = f->seq;
            if (f->seq >= f->best)
                f->missing_since = NEVER;
            push_new(e, fi, r, pi);
            break;
        case HLN_EDUP:
            e->st.records_dup++;
            /* Prune: another peer delivers this feed first; this one only
             * needs to tell us its head from now on. */
            if (!reply && !pf->lazy_in) {
                pf->lazy_in = 1;
                mark_dirty(p, fi);
            }
            break;
        case HLN_EFORK:
            fork_detected(e, fi, r);
            break;
        case HLN_ECHAIN:
            /* seq continues our head but prev does not: the peer holds
             * another branch. Fetching its record at our head's seq turns
             * that into a fork proof (once per seq while we pull the feed).
             * Otherwise it is a gap a request fills. */
            if (seq == f->seq + 1 && f->seq >= 1 &&
                (f->req_peer == NONE || f->probe_seq != f->seq) &&
                p->nreqs < e->cfg.requests_per_peer &&
                hln_wire_request(&e->out, &f->id, f->seq, f->seq) == 0) {
                f->probe_seq = f->seq;
                send_out(e, p);
                e->st.requests_sent++;
            } else if (f->missing_since == NEVER && seq > f->seq) {
                if (seq > f->best)
                    f->best = seq;
                f->missing_since = e->now;
            }
            break;
        case HLN_ETRUST:
        case HLN_EPOLICY:
            /* A valid record our trust view refuses (its author is not
             * entitled to it here; views differ between nodes): not the
             * relay's fault, so no penalty. The feed cannot go past it
             * (the hash chain), so it is not asked for again until the
             * trust view changes (hln_sync_wants_changed). */
            e->st.records_refused++;
            if (seq == f->seq + 1)
                f->stall_seq = seq;
            break;
        default:
            penalty(e, p, results[i]);
            break;
        }
    }
}

/* Hand `n` verified records from peer pi to the store in one call (after
 * the batch being stored, if any) and act on what it says of each. */
static int store_apply(hln_sync *e, uint32_t pi, const hln_record *recs, const uint32_t *fis,
                       uint32_t one_fi, size_t n, bool reply)
{
    settle(e);
    int *results = malloc(n * sizeof *results);
    if (!results)
        return HLN_ENOMEM;
    for (size_t i = 0; i < n; i++)
        results[i] = HLN_ESTORE;
    int rc = e->h.store(e->h.ctx, e->peers[pi].handle, recs, n, results);
    if (rc == 0)
        apply_results(e, pi, recs, fis, one_fi, n, reply, results);
    free(results);
    return rc;
}

/* Held answers up to `last` were stored: if the store refused some, the
 * ranges still in flight are ahead of a gap: the pipeline drains and asks
 * again. */
static void hold_stored(hln_sync *e, uint32_t pi, uint32_t fi, uint64_t last)
{
    feed *f = &e->feeds[fi];
    if (f->seq < last) {
        f->failed_peer = pi;
        if (f->req_peer != NONE)
            f->draining = true;
    }
}

/* The batch handed to host->store_begin: wait until it is durable, then
 * act on the results (claim the records, push them on). */
static void settle(hln_sync *e)
{
    if (!e->nflight)
        return;
    uint32_t n = e->nflight, fi = e->flight_fi, pi = e->flight_peer;
    uint64_t last = e->flight[n - 1].env.seq;
    int *results = e->flight_res;
    e->nflight = 0;
    for (size_t i = 0; i < n; i++)
        results[i] = HLN_ESTORE;
    if (e->h.store_end(e->h.ctx, e->peers[pi].handle, e->flight, n, results) == 0)
        apply_results(e, pi, e->flight, NULL, fi, n, true, results);
    hold_stored(e, pi, fi, last);
}

/* Room for a second batch, the one being stored (hold and flight swap). */
static bool flight_ready(hln_sync *e)
{
    size_t cap = e->cfg.store_batch;
    if (!e->flight_res)
        e->flight_res = malloc(cap * sizeof *e->flight_res);
    if (e->flight_res && !e->flight)
        e->flight = malloc(cap * sizeof *e->flight);
    return e->flight_res && e->flight;
}

/* Store the answers held back: in one call, or with host->store_begin
 * handed over to be stored while the engine goes on (one batch at a time:
 * the one before is settled first). */
static void flush_hold(hln_sync *e)
{
    if (!e->nhold)
        return;
    settle(e);
    uint32_t n = e->nhold, fi = e->hold_fi, pi = e->hold_peer;
    uint64_t last = e->hold[n - 1].env.seq;
    e->nhold = 0;
    if (e->h.store_begin && flight_ready(e)) {
        hln_record *t = e->flight;
        e->flight = e->hold;
        e->hold = t;
        if (e->h.store_begin(e->h.ctx, e->peers[pi].handle, e->flight, n) == 0) {
            e->nflight = n, e->flight_fi = fi, e->flight_peer = pi;
            return;
        }
    } else {
        (void)store_apply(e, pi, e->hold, NULL, fi, n, true);
    }
    hold_stored(e, pi, fi, last);
}

/* A reply to our request for feed fi starting at `from` arrived from peer
 * pi; the feed's head was `before` when it came and is `head` now
 * (counting answers held back): close that request and keep the pipeline
 * going, or let it drain. */
static void on_answer(hln_sync *e, uint32_t pi, uint32_t fi, uint64_t from, uint64_t before,
                      uint64_t head)
{
    peer *p = &e->peers[pi];
    feed *f = &e->feeds[fi];
    uint32_t k = 0;
    while (k < p->nreqs && !(p->reqs[k].fi == fi && p->reqs[k].from == from))
        k++;
    if (k == p->nreqs) {
        /* Not one of ours (a probe, or a request given up): whatever it
         * brought is stored; a feed still behind asks again. */
        if (f->req_peer == NONE && head > before)
            start_request(e, fi, true);
        return;
    }
    uint64_t to = p->reqs[k].to;
    /* Answers come back in request order: the feed's requests older than
     * this one were lost or skipped (the peer's serving bound). */
    bool gap = false;
    for (uint32_t i = 0; i < k;) {
        if (p->reqs[i].fi == fi) {
            end_request(e, p, i);
            k--;
            gap = true;
        } else
            i++;
    }
    end_request(e, p, k);
    if (head < to)
        gap = true; /* short: the ranges asked after this one are ahead of a gap */
    if (head > before)
        f->failed_peer = NONE;
    if (f->req_peer != NONE) {
        if (gap)
            f->draining = true;
        else
            start_request(e, fi, true);
        return;
    }
    /* Nothing left in flight. An answer in order that moved nothing (a
     * fork, a refusal) is retried from the timer, not at once; anything
     * else asks for what follows now. */
    if (from <= before + 1 && head == before && head < to)
        f->failed_peer = pi;
    else
        start_request(e, fi, true);
}

/* Should this answer (contiguous with what is held) wait for the next one
 * of its pipeline, to be stored with it? Only a full answer to the oldest
 * request of a pipeline with more in flight, while the hold has room. */
static bool hold_back(const hln_sync *e, uint32_t pi, uint32_t fi, uint64_t from, uint64_t last,
                      size_t n)
{
    const peer *p = &e->peers[pi];
    const feed *f = &e->feeds[fi];
    if (e->cfg.store_batch <= e->cfg.batch_records || f->req_peer != pi || f->req_n < 2 ||
        f->draining || e->nhold + n + e->cfg.batch_records > e->cfg.store_batch)
        return false;
    for (uint32_t k = 0; k < p->nreqs; k++)
        if (p->reqs[k].fi == fi)
            return p->reqs[k].from == from && p->reqs[k].to == last;
    return false;
}


/* What costs nothing is checked before a signature (issue 17): a record of
 * a feed we do not want is counted and dropped (HLN_ETRUST here: not the
 * sender's fault), and one whose id the store holds at its seq already is a
 * replay, counted as a duplicate (HLN_EDUP). 1: verify it. */
static int cheap_checks(hln_sync *e, uint32_t fi, const hln_feed_id *fid, const hln_record *r)
{
    if ((fi == NONE || !e->feeds[fi].in_vector) && !e->h.wants(e->h.ctx, fid)) {
        e->st.records_unwanted++;
        return HLN_ETRUST;
    }
    if (fi != NONE && e->h.held && r->env.seq <= e->feeds[fi].seq &&
        e->h.held(e->h.ctx, fid, r->env.seq, r->id)) {
        e->st.records_dup++;
        return HLN_EDUP;
    }
    return 0;
}

/* A decoded record is most of its size in unused room (the largest body,
 * the largest raw form): copy what is used. */
static void rec_copy(hln_record *dst, const hln_record *src)
{
    memcpy(dst, src, offsetof(hln_record, raw) + src->raw_len);
}

/* Where the `count` records of a message are decoded: straight into the
 * hold, after what it holds, when the message is an answer that may join
 * it (the common case of a feed streaming in: no copy later); otherwise
 * into the engine's decode buffer. NULL when memory is short. */
static hln_record *decode_room(hln_sync *e, uint32_t pi, bool reply, size_t count)
{
    if (reply && e->nhold + count <= e->cfg.store_batch && (!e->nhold || e->hold_peer == pi)) {
        if (!e->hold)
            e->hold = malloc((size_t)e->cfg.store_batch * sizeof *e->hold);
        if (e->hold)
            return e->hold + e->nhold;
    }
    if (e->dec_cap < count) {
        hln_record *d = realloc(e->dec, count * sizeof *d);
        if (!d)
            return NULL;
        e->dec = d, e->dec_cap = count;
    }
    return e->dec;
}

static int on_records(hln_sync *e, uint32_t pi, hln_wire_msg *m)
{
    peer *p = &e->peers[pi];
    hln_wire_slice s;
    int rc = 0;
    bool reply = (m->flags & HLN_RECORDS_REPLY) != 0;
    /* What is held came from this peer's answers: anything else first. */
    if (e->nhold && (!reply || e->hold_peer != pi))
        flush_hold(e);
    if (m->count == 0)
        return 0;
    hln_record *recs = decode_room(e, pi, reply, m->count);
    uint32_t *fis = malloc((size_t)m->count * sizeof *fis);
    size_t n = 0;
    uint32_t ans_fi = NONE, last_fi = NONE; /* an answer is about one feed */
    uint64_t ans_from = 0, last_seq = 0;
    if (!recs || !fis) {
        rc = HLN_ENOMEM;
        goto out;
    }
    /* Strict decode and signature check before anything reaches the store:
     * a forged record is dropped here and counted against the peer. The
     * signatures of a message are checked together first (on several cores
     * when the host can), then the records are taken in order exactly as if
     * each had been checked on its turn. */
    {
        size_t cap = m->count, nv = 0;
        int *drcs = malloc(cap * sizeof *drcs);
        int *vres = malloc(cap * sizeof *vres);
        const hln_record **vp = malloc(cap * sizeof *vp);
        size_t *vidx = malloc(cap * sizeof *vidx);
        size_t ndec = 0;
        if (!drcs || !vres || !vp || !vidx) {
            free(drcs), free(vres), free(vp), free(vidx);
            rc = HLN_ENOMEM;
            goto out;
        }
        /* 1: decode every record; guess which need a check (an answer's
         * records beyond a gap do not, as below). */
        uint32_t g_fi = NONE;
        uint64_t g_seq = 0;
        while (ndec < cap && hln_wire_record_next(m, &s)) {
            hln_record *r = &recs[ndec];
            drcs[ndec] = hln_record_decode(s.p, s.len, r, NULL, 0);
            vres[ndec] = 1; /* not checked yet */
            if (drcs[ndec] == 0) {
                hln_feed_id gf;
                hln_record_feed(r, &gf);
                uint32_t fi = feed_find(e, &gf);
                bool skip = reply && fi != NONE && e->feeds[fi].in_vector &&
                            r->env.seq > (fi == g_fi ? g_seq : held_head(e, fi)) + 1;
                /* Cheap things first: a record that is unwanted or held
                 * already costs no signature check (counted in step 3). */
                if (!skip && (fi == NONE || !e->feeds[fi].in_vector))
                    skip = !e->h.wants(e->h.ctx, &gf);
                else if (!skip && e->h.held && r->env.seq <= e->feeds[fi].seq)
                    skip = e->h.held(e->h.ctx, &gf, r->env.seq, r->id);
                if (!skip) {
                    vidx[nv] = ndec;
                    vp[nv++] = r;
                    g_fi = fi;
                    g_seq = r->env.seq;
                }
            }
            ndec++;
        }
        /* 2: the signatures, together. */
        if (nv && e->h.verify) {
            int *out_rc = malloc(nv * sizeof *out_rc);
            if (out_rc) {
                e->h.verify(e->h.ctx, vp, nv, out_rc);
                for (size_t k = 0; k < nv; k++)
                    vres[vidx[k]] = out_rc[k];
                free(out_rc);
            }
        }
        /* 3: in order, as before. */
        for (size_t i = 0; i < ndec; i++) {
            hln_record *r = &recs[i];
            int drc = drcs[i];
            hln_feed_id fid;
            uint32_t fi = NONE;
            if (drc == 0) {
                hln_record_feed(r, &fid);
                fi = feed_find(e, &fid);
                if (reply && ans_fi == NONE && fi != NONE) {
                    ans_fi = fi;
                    ans_from = r->env.seq;
                }
                /* An answer's records beyond a gap cannot be stored in order:
                 * not worth a signature check (the range is asked again). */
                if (reply && fi != NONE && e->feeds[fi].in_vector &&
                    r->env.seq > (fi == last_fi ? last_seq : held_head(e, fi)) + 1)
                    continue;
                drc = cheap_checks(e, fi, &fid, r);
                if (drc == HLN_EDUP || drc == HLN_ETRUST)
                    continue;
                if (drc == 0)
                    drc = vres[i] != 1 ? vres[i] : hln_record_verify(r);
            }
            if (drc == 0 && r->env.seq >= HLN_WIRE_SEQ_MAX)
                drc = HLN_ERANGE;
            if (drc) {
                e->st.records_bad++;
                penalty(e, p, drc);
                continue;
            }
            if (fi == NONE || !e->feeds[fi].in_vector) {
                if (!e->h.wants(e->h.ctx, &fid)) {
                    e->st.records_unwanted++;
                    continue;
                }
                if (fi == NONE && (fi = feed_add(e, &fid)) == NONE)
                    continue;
                e->feeds[fi].in_vector = true;
                mark_changed(e, fi);
            }
            last_fi = fi;
            last_seq = r->env.seq;
            if (n != i)
                rec_copy(&recs[n], r); /* compact: the stored ones first, in order */
            fis[n++] = fi;
        }
        free(drcs), free(vres), free(vp), free(vidx);
    }
    uint64_t before = ans_fi != NONE ? held_head(e, ans_fi) : 0;
    /* An answer that continues the feed (and what is held) exactly. */
    bool contig = n > 0 && ans_fi != NONE && (!e->nhold || e->hold_fi == ans_fi) &&
                  e->nhold + n <= e->cfg.store_batch;
    for (size_t i = 0; contig && i < n; i++)
        contig = fis[i] == ans_fi && recs[i].env.seq == before + 1 + i;
    bool in_hold = e->hold && recs == e->hold + e->nhold;
    if (e->nhold && !contig) {
        if (in_hold) { /* the hold goes to be stored: take these out first */
            hln_record *d = decode_room(e, pi, false, n);
            if (!d) {
                rc = HLN_ENOMEM;
                goto out;
            }
            for (size_t i = 0; i < n; i++)
                rec_copy(&d[i], &recs[i]);
            recs = d, in_hold = false;
        }
        flush_hold(e);
    }
    if (contig && (e->nhold || hold_back(e, pi, ans_fi, ans_from, recs[n - 1].env.seq, n))) {
        /* Answers stream in: store several in one call (one commit). */
        if (!e->hold && !(e->hold = malloc((size_t)e->cfg.store_batch * sizeof *e->hold))) {
            rc = HLN_ENOMEM;
            goto out;
        }
        if (!in_hold)
            for (size_t i = 0; i < n; i++)
                rec_copy(&e->hold[e->nhold + i], &recs[i]);
        e->nhold += (uint32_t)n;
        e->hold_fi = ans_fi;
        e->hold_peer = pi;
        if (!hold_back(e, pi, ans_fi, ans_from, recs[n - 1].env.seq, 0))
            flush_hold(e);
    } else if (n > 0 && (rc = store_apply(e, pi, recs, fis, 0, n, reply)) != 0)
        goto out;
    if (ans_fi != NONE)
        on_answer(e, pi, ans_fi, ans_from, before, held_head(e, ans_fi));
out:
    free(fis);
    return rc;
}

static int on_fork(hln_sync *e, uint32_t pi, const hln_wire_msg *m)
{
    peer *p = &e->peers[pi];
    int rc = HLN_ENOMEM;
    hln_record *a = malloc(sizeof *a), *b = malloc(sizeof *b);
    if (!a || !b)
        goto out;
    rc = HLN_EDECODE;
    if (hln_record_decode(m->a.p, m->a.len, a, NULL, 0) ||
        hln_record_decode(m->b.p, m->b.len, b, NULL, 0))
        goto out;
    rc = HLN_ESIG;
    if (hln_record_verify(a) || hln_record_verify(b))
        goto out;
    /* A proof: one author, one feed, one seq, two different records. */
    rc = HLN_EDECODE;
    hln_feed_id fa, fb;
    hln_record_feed(a, &fa);
    hln_record_feed(b, &fb);
    if (!feed_eq(&fa, &fb) || a->env.seq != b->env.seq || memcmp(a->id, b->id, HLN_HASH_LEN) == 0)
        goto out;
    rc = 0;
    /* Only proofs about feeds we replicate travel: anyone can fork their
     * own untrusted key at will, and that must not flood the network. */
    uint32_t fi = feed_find(e, &fa);
    if (fi == NONE || !e->feeds[fi].in_vector) {
        if (!e->h.wants(e->h.ctx, &fa))
            goto out;
        if (fi == NONE && (fi = feed_add(e, &fa)) == NONE)
            goto out;
        e->feeds[fi].in_vector = true;
        mark_changed(e, fi);
    }
    settle(e);
    if (e->h.fork(e->h.ctx, p->handle, a, b) != 0)
        goto out; /* known already (or refused): it stops here */
    e->st.forks_learned++;
    e->feeds[fi].fork_seq = a->env.seq;
    if (hln_wire_fork(&e->out, &m->a, &m->b) == 0)
        broadcast(e, pi, &fa);
out:
    if (rc)
        penalty(e, p, rc);
    free(a);
    free(b);
    return rc;
}

/* ---- API ------------------------------------------------------------- */

void hln_sync_config_default(hln_sync_config *c)
{
    memset(c, 0, sizeof *c);
    c->ae_interval_ms = 1000;
    c->ae_fanout = 2;
    c->graft_delay_ms = 200;
    c->request_timeout_ms = 2000;
    c->batch_records = HLN_WIRE_BATCH_MAX;
    c->push_window = 64;
    c->requests_per_peer = 8;
    c->requests_per_feed = 4;
    c->store_batch = 512;
    c->serve_per_tick = 32;
    c->max_feeds = 1u << 20;
    c->max_peers = 1024;
    c->unwanted_per_peer = 1024;
    c->lazy_start = true;
}

static int head_cb(void *cbctx, const hln_feed_id *feed_id, uint64_t seq,
                   const uint8_t id[HLN_HASH_LEN])
{
    hln_sync *e = cbctx;
    uint32_t fi = feed_find(e, feed_id);
    if (fi == NONE && (fi = feed_add(e, feed_id)) == NONE)
        return HLN_ENOMEM;
    feed *f = &e->feeds[fi];
    f->in_vector = true;
    if (seq > f->seq) {
        f->seq = f->best = seq;
        memcpy(f->head, id, HLN_WIRE_HEAD_LEN);
    }
    return 0;
}

int hln_sync_new(const hln_sync_config *cfg, const hln_sync_host *host, uint64_t now_ms,
                 hln_sync **out)
{
    if (!cfg || !host || !out || !host->send || !host->heads || !host->read || !host->store ||
        !host->store_begin != !host->store_end ||
        !host->wants || !host->fork)
        return HLN_EINVAL;
    if (cfg->batch_records < 1 || cfg->batch_records > HLN_WIRE_BATCH_MAX ||
        cfg->ae_interval_ms < 1 || cfg->requests_per_peer < 1 || cfg->requests_per_feed < 1 ||
        cfg->store_batch < 1 || cfg->store_batch > 65536 || cfg->max_feeds < 1 ||
        cfg->max_peers < 1)
        return HLN_EINVAL;
    *out = NULL;
    hln_sync *e = calloc(1, sizeof *e);
    if (!e)
        return HLN_ENOMEM;
    e->cfg = *cfg;
    e->h = *host;
    e->now = now_ms;
    e->rng = cfg->seed;
    e->next_ae = now_ms + rnd(e) % cfg->ae_interval_ms; /* spread rounds across nodes */
    hln_wire_buf_init(&e->out);
    e->centries = malloc(HLN_WIRE_CLOCK_MAX * sizeof *e->centries);
    int rc = HLN_ENOMEM;
    if (!e->centries)
        goto fail;
    if ((rc = host->heads(host->ctx, head_cb, e)))
        goto fail;
    *out = e;
    return 0;
fail:
    hln_sync_destroy(&e);
    return rc;
}

void hln_sync_destroy(hln_sync **ep)
{
    hln_sync *e = ep ? *ep : NULL;
    if (!e)
        return;
    settle(e); /* the host's writer must be done with e->flight */
    for (uint32_t i = 0; i < e->npeers; i++) {
        free(e->peers[i].pf);
        free(e->peers[i].dirty);
        free(e->peers[i].reqs);
        free(e->peers[i].later);
        free(e->peers[i].unw);
    }
    free(e->peers);
    free(e->feeds);
    free(e->ht);
    free(e->changed);
    free(e->centries);
    free(e->scratch);
    free(e->hold);
    free(e->flight);
    free(e->flight_res);
    free(e->dec);
    hln_wire_buf_free(&e->out);
    free(e);
    *ep = NULL;
}

int hln_sync_peer_up(hln_sync *e, uint64_t now_ms, uint32_t handle)
{
    if (!e)
        return HLN_EINVAL;
    e->now = now_ms;
    uint32_t pi = peer_find(e, handle);
    if (pi == NONE) {
        if (e->npeers >= e->cfg.max_peers)
            return HLN_ETOOBIG;
        if (hln_util_grow((void **)&e->peers, &e->peers_cap, (size_t)e->npeers + 1,
                          sizeof *e->peers))
            return HLN_ENOMEM;
        req_slot *reqs = malloc((size_t)e->cfg.requests_per_peer * sizeof *reqs);
        if (!reqs)
            return HLN_ENOMEM;
        pi = e->npeers++;
        memset(&e->peers[pi], 0, sizeof e->peers[pi]);
        e->peers[pi].handle = handle;
        e->peers[pi].reqs = reqs;
        e->peers[pi].last_answer_ms = NEVER;
    }
    peer *p = &e->peers[pi];
    p->up = true;
    p->hello = p->hello_sent = false;
    send_hello(e, p);
    return 0;
}

int hln_sync_peer_down(hln_sync *e, uint64_t now_ms, uint32_t handle)
{
    if (!e)
        return HLN_EINVAL;
    e->now = now_ms;
    uint32_t pi = peer_find(e, handle);
    if (pi == NONE)
        return HLN_ENOTFOUND;
    flush_hold(e);
    peer *p = &e->peers[pi];
    p->up = p->hello = p->hello_sent = false;
    p->nlater = 0; /* what it asked is asked again when it comes back */
    /* Its requests in flight are retried elsewhere (or from it, later). */
    for (uint32_t k = 0; k < p->nreqs; k++) {
        feed *f = &e->feeds[p->reqs[k].fi];
        if (f->req_peer == pi) {
            f->req_peer = NONE;
            f->req_n = 0;
            f->draining = false;
            f->failed_peer = pi;
        }
    }
    p->nreqs = 0;
    return 0;
}

int hln_sync_receive(hln_sync *e, uint64_t now_ms, uint32_t handle, const uint8_t *msg, size_t len)
{
    hln_wire_msg m;
    if (!e || !msg)
        return HLN_EINVAL;
    e->now = now_ms;
    uint32_t pi = peer_find(e, handle);
    if (pi == NONE || !e->peers[pi].up) {
        /* The transport delivered before it announced the channel. */
        int rc = hln_sync_peer_up(e, now_ms, handle);
        if (rc)
            return rc;
        pi = peer_find(e, handle);
    }
    peer *p = &e->peers[pi];
    e->st.msgs_in++;
    e->st.bytes_in += len;
    int rc = hln_wire_decode(msg, len, &m);
    if (rc) {
        e->st.bad_msgs++;
        if (rc != HLN_EVERSION) /* an unknown message type is a newer peer, not a bad one */
            penalty(e, p, rc);
        return rc;
    }
    if (e->nhold && (m.type != HLN_MSG_RECORDS || pi != e->hold_peer))
        flush_hold(e);
    if (m.type != HLN_MSG_HELLO && !p->hello) {
        /* The peer thinks it is in a session with us and we do not (we
         * restarted ours, or its hello was lost): greet it, so that it
         * greets back. Rate-limited like repeated hellos. */
        e->st.bad_msgs++;
        if (e->now >= p->last_hello_ms + e->cfg.ae_interval_ms / 4)
            send_hello(e, p);
        return HLN_ESTATE;
    }
    switch (m.type) {
    case HLN_MSG_HELLO:
        rc = on_hello(e, pi, &m);
        break;
    case HLN_MSG_CLOCK:
        rc = on_clock(e, pi, &m);
        break;
    case HLN_MSG_RECORDS:
        rc = on_records(e, pi, &m);
        break;
    case HLN_MSG_REQUEST:
        rc = on_request(e, pi, &m);
        break;
    case HLN_MSG_PEERS: {
        hln_wire_slice addrs[HLN_WIRE_PEERS_MAX], a;
        size_t n = 0;
        while (n < HLN_WIRE_PEERS_MAX && hln_wire_peer_next(&m, &a))
            addrs[n++] = a;
        if (e->h.peers)
            e->h.peers(e->h.ctx, handle, addrs, n);
        break;
    }
    case HLN_MSG_FORK:
        rc = on_fork(e, pi, &m);
        break;
    }
    if (rc && rc != HLN_ENOMEM) {
        e->st.bad_msgs++;
        if (rc == HLN_EVERSION)
            penalty(e, &e->peers[pi], rc);
    }
    return rc;
}

int hln_sync_settle(hln_sync *e, uint64_t now_ms)
{
    if (!e)
        return HLN_EINVAL;
    e->now = now_ms;
    settle(e);
    return 0;
}

int hln_sync_tick(hln_sync *e, uint64_t now_ms)
{
    if (!e)
        return HLN_EINVAL;
    e->now = now_ms;
    settle(e);
    flush_hold(e);
    /* A request unanswered too long leaves a gap in its feed's pipeline:
     * the rest drains and the feed asks again, avoiding that peer if
     * another has the records. */
    for (uint32_t i = 0; i < e->npeers; i++) {
        peer *p = &e->peers[i];
        for (uint32_t k = 0; k < p->nreqs;) {
            if (now_ms < p->reqs[k].deadline) {
                k++;
                continue;
            }
            feed *f = &e->feeds[p->reqs[k].fi];
            e->st.requests_timed_out++;
            end_request(e, p, k);
            f->failed_peer = i;
            if (f->req_peer != NONE)
                f->draining = true;
        }
    }
    for (uint32_t fi = 0; fi < e->nfeeds; fi++) {
        feed *f = &e->feeds[fi];
        if (!f->in_vector || f->best <= f->seq || f->stall_seq == f->seq + 1) {
            f->missing_since = NEVER;
            continue;
        }
        if (f->missing_since == NEVER)
            f->missing_since = now_ms;
        start_request(e, fi, false);
    }
    /* Anti-entropy: a few random greeted peers get our digest even when
     * nothing changed; it costs them one comparison and repairs whatever
     * a lost message left behind. */
    uint32_t ae[16], nae = 0;
    if (now_ms >= e->next_ae) {
        e->next_ae = now_ms + e->cfg.ae_interval_ms;
        uint32_t want = e->cfg.ae_fanout < 16 ? e->cfg.ae_fanout : 16, seen = 0;
        for (uint32_t i = 0; i < e->npeers; i++) {
            if (!e->peers[i].up || !e->peers[i].hello)
                continue;
            seen++;
            if (nae < want)
                ae[nae++] = i;
            else {
                uint64_t j = rnd(e) % seen; /* reservoir sampling */
                if (j < want)
                    ae[j] = i;
            }
        }
    }
    for (uint32_t i = 0; i < e->npeers; i++) {
        bool force = false;
        for (uint32_t k = 0; k < nae; k++)
            force |= ae[k] == i;
        peer *p = &e->peers[i];
        /* Until the peer's hello arrives, ours may have been lost: repeat it. */
        if (p->up && !p->hello && now_ms >= p->last_hello_ms + e->cfg.ae_interval_ms)
            send_hello(e, p);
        flush_peer(e, i, FLUSH_DELTA, force);
        p->served = 0;
        if (p->nlater)
            serve_later(e, i);
    }
    for (uint32_t k = 0; k < e->nchanged; k++)
        e->feeds[e->changed[k]].changed = false;
    e->nchanged = 0;
    return 0;
}

int hln_sync_appended(hln_sync *e, uint64_t now_ms, const hln_record *r)
{
    if (!e || !r)
        return HLN_EINVAL;
    e->now = now_ms;
    flush_hold(e);
    hln_feed_id fid;
    hln_record_feed(r, &fid);
    uint32_t fi = feed_find(e, &fid);
    if (fi == NONE && (fi = feed_add(e, &fid)) == NONE)
        return HLN_ENOMEM;
    feed *f = &e->feeds[fi];
    if (!f->in_vector) {
        f->in_vector = true;
        mark_changed(e, fi);
    }
    if (r->env.seq > f->seq) {
        f->seq = r->env.seq;
        memcpy(f->head, r->id, HLN_WIRE_HEAD_LEN);
        if (f->seq > f->best)
            f->best = f->seq;
        mark_changed(e, fi);
        push_new(e, fi, r, NONE);
    }
    return 0;
}

int hln_sync_wants_changed(hln_sync *e, uint64_t now_ms)
{
    if (!e)
        return HLN_EINVAL;
    e->now = now_ms;
    flush_hold(e);
    /* Feeds a peer announced and we declined: those now wanted move from
     * the peer's set of declined feeds into the feed table, with what the
     * peer said it holds, so we know whom to ask. */
    for (uint32_t pi = 0; pi < e->npeers; pi++) {
        peer *p = &e->peers[pi];
        for (uint32_t k = 0; k < p->unw_cap; k++) {
            unw_slot *s = &p->unw[k];
            if (s->state != 1 || !e->h.wants(e->h.ctx, &s->id))
                continue;
            uint32_t fi = feed_find(e, &s->id);
            if (fi == NONE && (fi = feed_add(e, &s->id)) == NONE)
                continue;
            feed *f = &e->feeds[fi];
            pfeed *pf = pf_get(e, p, fi);
            if (!pf)
                continue;
            if (!f->in_vector) {
                f->in_vector = true;
                mark_changed(e, fi);
            }
            if (pf->heard != NEVER) /* cannot happen: a feed is in one place */
                hln_wire_digest_xor(p->heard_dg, &f->id, pf->heard, pf->heard_head);
            pf->heard = s->value;
            memcpy(pf->heard_head, s->head, HLN_WIRE_HEAD_LEN);
            uint64_t seq = HLN_CLOCK_SEQ(s->value);
            if (seq > pf->known)
                pf->known = seq;
            if (seq > f->best)
                f->best = seq;
            unw_remove(p, k);
        }
        /* Declined feeds it announced that we did not keep: ask it for its
         * full vector (rate-limited on its side to one per interval). */
        if (p->unw_lost && p->up && p->hello) {
            p->send_repair = true;
            flush_peer(e, pi, FLUSH_DELTA, false);
        }
    }
    for (uint32_t fi = 0; fi < e->nfeeds; fi++) {
        feed *f = &e->feeds[fi];
        if (!f->in_vector && e->h.wants(e->h.ctx, &f->id)) {
            f->in_vector = true;
            mark_changed(e, fi);
        }
        /* A record refused for trust or policy may be accepted now. */
        f->stall_seq = 0;
        if (f->in_vector && f->best > f->seq && f->req_peer == NONE) {
            if (f->missing_since == NEVER)
                f->missing_since = now_ms;
            start_request(e, fi, false);
        }
    }
    /* What a peer may be told may have grown: a scan tells it the feeds
     * it was refused before (and nothing it was told already). */
    if (e->h.may_send)
        for (uint32_t i = 0; i < e->npeers; i++)
            flush_peer(e, i, FLUSH_SCAN, false);
    return 0;
}

int hln_sync_share_peers(hln_sync *e, const hln_wire_slice *addrs, size_t n)
{
    if (!e)
        return HLN_EINVAL;
    int rc = hln_wire_peers(&e->out, addrs, n);
    if (rc)
        return rc;
    broadcast(e, NONE, NULL);
    return 0;
}

uint64_t hln_sync_head(const hln_sync *e, const hln_feed_id *feed_id)
{
    uint32_t fi = e ? feed_find(e, feed_id) : NONE;
    return fi == NONE ? 0 : e->feeds[fi].seq;
}

void hln_sync_stats_get(const hln_sync *e, hln_sync_stats *out)
{
    *out = e->st;
}
