/* explain.c - hlnd's per-peer account of refusals, declined and withheld feeds (docs/RUNNING.md, hlnctl peer explain). */
#include "node/hlnd/explain.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/err.h"
#include "node/hlnd/log.h"
#include "node/peer_view.h"
#include "node/util.h"
#include "proto/wire.h"

#define VIEW_PEERS 64    /* peers whose clocks are remembered */
#define VIEW_FEEDS 1024  /* feeds remembered per peer clock (a power of two) */
#define LIST_MAX 20      /* entries of "declined" and "not_taken" shown */

typedef struct {
    hln_feed_id feed;
    uint64_t seq; /* 0: empty slot */
} vslot;

typedef struct {
    uint8_t id[HLN_KEY_LEN];
    bool full; /* a full clock was seen */
    size_t n;  /* slots used; new feeds are ignored once the table is 3/4 full */
    vslot *slots;
} view;

struct hlnd_explain {
    hln_refusals *book;
    view views[VIEW_PEERS];
    size_t nviews;
};

hlnd_explain *hlnd_explain_new(void)
{
    hlnd_explain *x = calloc(1, sizeof *x);
    if (x && !(x->book = hln_refusals_new())) {
        free(x);
        x = NULL;
    }
    return x;
}

void hlnd_explain_destroy(hlnd_explain **x)
{
    if (!x || !*x)
        return;
    for (size_t i = 0; i < (*x)->nviews; i++)
        free((*x)->views[i].slots);
    hln_refusals_destroy(&(*x)->book);
    free(*x);
    *x = NULL;
}

const uint64_t *hlnd_explain_totals(const hlnd_explain *x)
{
    return hln_refusals_totals(x->book);
}

static void add(hlnd_explain *x, const uint8_t peer[HLN_KEY_LEN], hln_refusal *ev, bool log_it)
{
    ev->at_ms = hln_util_wall_ms();
    uint32_t suppressed = 0;
    bool may_log = hln_refusals_add(x->book, peer, ev, hln_util_mono_ms(), &suppressed);
    if (!log_it || !may_log)
        return;
    char who[HLN_ID_SHORT_LEN + 1], author[HLN_ID_SHORT_LEN + 1], safe[160];
    hln_id_short(peer, who);
    hln_id_short(ev->feed.author, author);
    hln_util_sanitize_log(safe, sizeof safe, ev->detail, strlen(ev->detail));
    hlnd_log(4, "sync",
             "event=record-refused peer=%s author=%s scope=%s seq=%llu reason=%s detail=\"%s\" "
             "suppressed=%u",
             who, author, ev->feed.scope, (unsigned long long)ev->seq,
             hln_refusal_kind_name(ev->kind), safe, suppressed);
}

void hlnd_explain_dial_refused(hlnd_explain *x, const uint8_t peer[HLN_KEY_LEN])
{
    if (!x)
        return;
    hln_refusal ev;
    memset(&ev, 0, sizeof ev);
    ev.kind = HLN_REFUSAL_HANDSHAKE_REFUSED;
    snprintf(ev.detail, sizeof ev.detail, "the peer refused our handshake");
    add(x, peer, &ev, false); /* the transport logs handshake-failed */
}

void hlnd_explain_zap_refused(hlnd_explain *x, const uint8_t *id, const uint8_t curve[32],
                              bool dropped)
{
    if (!x)
        return;
    hln_refusal ev;
    memset(&ev, 0, sizeof ev);
    ev.kind = dropped ? HLN_REFUSAL_DROPPED : HLN_REFUSAL_NOT_ADMITTED;
    memcpy(ev.feed.author, curve, 32);
    snprintf(ev.detail, sizeof ev.detail, "%s",
             dropped ? "dropped for bad messages" : "its key is not admitted here");
    /* A key that maps to no id is booked under its CURVE key; fill names it
     * if it turns out to be a member's. */
    add(x, id ? id : curve, &ev, false); /* the ZAP handler logs it */
}

void hlnd_explain_peer_up(hlnd_explain *x, const uint8_t peer[HLN_KEY_LEN])
{
    if (!x)
        return;
    hln_refusals_peer_up(x->book, peer);
    uint8_t curve[32];
    if (hln_curve_public_raw(peer, curve) == 0)
        hln_refusals_peer_up(x->book, curve);
}

/* Which of the store's HLN_ECHAIN and HLN_ETIME cases it was, from the feed's head now. */
static unsigned chain_kind(hln_store *s, const hln_record *r, char *detail, size_t len)
{
    uint64_t head = 0, head_ts = 0;
    uint8_t id[HLN_HASH_LEN];
    hln_feed_id f;
    memset(&f, 0, sizeof f);
    memcpy(f.author, r->env.author, HLN_KEY_LEN);
    snprintf(f.scope, sizeof f.scope, "%s", r->env.scope);
    if (hln_store_head(s, &f, &head, id) != 0)
        head = 0;
    if (r->env.seq != head + 1) {
        snprintf(detail, len, "seq %llu does not follow the feed's head (seq %llu here)",
                 (unsigned long long)r->env.seq, (unsigned long long)head);
        return HLN_REFUSAL_SEQ_GAP;
    }
    if (hln_store_head_time(s, &f, &head_ts) == 0 && r->env.timestamp_ms < head_ts) {
        char a[32], b[32];
        hln_peer_view_time(r->env.timestamp_ms, a);
        hln_peer_view_time(head_ts, b);
        snprintf(detail, len, "dated %s, before the feed's head (%s)", a, b);
        return HLN_REFUSAL_TIME_BEHIND;
    }
    snprintf(detail, len, "prev is not the id of the feed's head (seq %llu): another branch",
             (unsigned long long)head);
    return HLN_REFUSAL_CHAIN_BREAK;
}

void hlnd_explain_records(hlnd_explain *x, const uint8_t peer[HLN_KEY_LEN], hln_trust *t,
                          hln_store *s, const hln_record *recs, size_t n, const int *results)
{
    if (!x)
        return;
    for (size_t i = 0; i < n; i++) {
        int rc = results[i];
        if (rc == 0 || rc == HLN_EDUP)
            continue;
        const hln_record *r = &recs[i];
        hln_refusal ev;
        memset(&ev, 0, sizeof ev);
        ev.rc = rc;
        memcpy(ev.feed.author, r->env.author, HLN_KEY_LEN);
        snprintf(ev.feed.scope, sizeof ev.feed.scope, "%s", r->env.scope);
        ev.seq = r->env.seq;
        switch (rc) {
        case HLN_ETRUST:
            ev.kind = HLN_REFUSAL_NOT_ENTITLED;
            if ((r->has_body ? hln_trust_may_author(t, r, ev.detail, sizeof ev.detail)
                             : hln_trust_may_author_env(t, &r->env, ev.detail, sizeof ev.detail)) ==
                    0 ||
                !ev.detail[0])
                snprintf(ev.detail, sizeof ev.detail, "its author was not entitled to it then");
            if (hln_trust_rotated_out(t, &r->env))
                ev.kind = HLN_REFUSAL_ROTATED;
            break;
        case HLN_EPOLICY:
            ev.kind = HLN_REFUSAL_POLICY;
            snprintf(ev.detail, sizeof ev.detail,
                     "counts under the minimum cell in force for its author's jurisdiction");
            break;
        case HLN_ECHAIN:
        case HLN_ETIME: /* the store says which; chain_kind reads the head */
            ev.kind = chain_kind(s, r, ev.detail, sizeof ev.detail);
            break;
        case HLN_EFORK:
            ev.kind = HLN_REFUSAL_FORK;
            snprintf(ev.detail, sizeof ev.detail,
                     "another record holds this seq: kept as a fork proof, the author flagged");
            break;
        default:
            ev.kind = HLN_REFUSAL_BAD;
            snprintf(ev.detail, sizeof ev.detail, "%s", hln_strerror(rc));
            break;
        }
        add(x, peer, &ev, true);
    }
}

/* ---- what the peer's clocks say ---- */

static uint64_t fhash(const hln_feed_id *f)
{
    uint64_t h = 1469598103934665603ull;
    const uint8_t *p = (const uint8_t *)f;
    for (size_t i = 0; i < sizeof *f; i++)
        h = (h ^ p[i]) * 1099511628211ull;
    return h;
}

static view *get_view(hlnd_explain *x, const uint8_t peer[HLN_KEY_LEN], bool make)
{
    for (size_t i = 0; i < x->nviews; i++)
        if (memcmp(x->views[i].id, peer, HLN_KEY_LEN) == 0)
            return &x->views[i];
    if (!make || x->nviews == VIEW_PEERS)
        return NULL;
    view *v = &x->views[x->nviews];
    memset(v, 0, sizeof *v);
    if (!(v->slots = calloc(VIEW_FEEDS, sizeof *v->slots)))
        return NULL;
    memcpy(v->id, peer, HLN_KEY_LEN);
    x->nviews++;
    return v;
}

static vslot *find_slot(view *v, const hln_feed_id *f, bool make)
{
    size_t j = fhash(f) & (VIEW_FEEDS - 1);
    while (v->slots[j].seq && memcmp(&v->slots[j].feed, f, sizeof *f) != 0)
        j = (j + 1) & (VIEW_FEEDS - 1);
    if (v->slots[j].seq)
        return &v->slots[j];
    if (!make || v->n >= VIEW_FEEDS * 3 / 4)
        return NULL;
    v->n++;
    v->slots[j].feed = *f;
    return &v->slots[j];
}

void hlnd_explain_clock(hlnd_explain *x, const uint8_t peer[HLN_KEY_LEN], const uint8_t *msg,
                        size_t len)
{
    if (!x || len < 2)
        return;
    unsigned type = 0;
    if (msg[0] >= 0x90 && msg[0] <= 0x9f)
        type = msg[1];
    else if (msg[0] == 0xdc && len >= 4)
        type = msg[3];
    if (type != HLN_MSG_CLOCK)
        return;
    hln_wire_msg m;
    if (hln_wire_decode(msg, len, &m) != 0)
        return;
    view *v = get_view(x, peer, true);
    if (!v)
        return;
    if (m.flags & HLN_CLOCK_FULL) {
        memset(v->slots, 0, VIEW_FEEDS * sizeof *v->slots);
        v->n = 0;
        v->full = true;
    }
    hln_wire_clock_entry e;
    while (hln_wire_clock_next(&m, &e) == 1) {
        uint64_t seq = HLN_CLOCK_SEQ(e.value);
        vslot *s = seq ? find_slot(v, &e.feed, true) : NULL;
        if (s && seq > s->seq)
            s->seq = seq;
    }
}

/* ---- the account ---- */

typedef struct {
    hln_trust *t;
    const uint8_t *peer;
    view *v;
    uint64_t now;
    json_object *not_taken;
} taken_ctx;

static int taken_one(void *ctx, const hln_feed_id *feed, uint64_t seq, const uint8_t id[HLN_HASH_LEN])
{
    (void)id;
    taken_ctx *c = ctx;
    if (json_object_array_length(c->not_taken) >= LIST_MAX ||
        !hln_trust_may_receive(c->t, c->peer, feed, c->now))
        return 0;
    vslot *s = find_slot(c->v, feed, false);
    uint64_t theirs = s ? s->seq : 0;
    if (theirs >= seq)
        return 0;
    char idt[HLN_ID_TEXT_LEN + 1];
    hln_id_to_text(feed->author, idt);
    json_object *o = json_object_new_object();
    json_object_object_add(o, "author", json_object_new_string(idt));
    json_object_object_add(o, "scope", json_object_new_string(feed->scope));
    json_object_object_add(o, "seq", json_object_new_int64((int64_t)seq));
    json_object_object_add(o, "peer_seq", json_object_new_int64((int64_t)theirs));
    json_object_array_add(c->not_taken, o);
    return 0;
}

static void why_text(json_object *peer, json_object *ex, bool connected, char *out, size_t len)
{
    json_object *h = NULL, *st = NULL, *ep = NULL;
    const char *state = json_object_object_get_ex(peer, "state", &st) ? json_object_get_string(st)
                                                                      : "unknown";
    bool has_ep = json_object_object_get_ex(peer, "endpoint", &ep) && json_object_get_string(ep)[0];
    if (connected) {
        snprintf(out, len, "connected");
    } else if (json_object_object_get_ex(ex, "handshake", &h)) {
        json_object *e = NULL, *since = NULL;
        json_object_object_get_ex(h, "explanation", &e);
        json_object_object_get_ex(h, "since", &since);
        snprintf(out, len, "%s (since %s)", json_object_get_string(e), json_object_get_string(since));
    } else if (!strcmp(state, "gone")) {
        snprintf(out, len, "not connected: it dialed this node, had records refused (below) "
                 "and has gone");
    } else if (!strcmp(state, "dropped")) {
        snprintf(out, len, "dropped for bad messages: its handshakes are refused for a while");
    } else if (has_ep) {
        snprintf(out, len, "dialing: no handshake has completed (nothing listens there, or "
                 "the network drops it)");
    } else {
        snprintf(out, len, "not dialed (no endpoint): waiting for it to dial this node");
    }
}

static int explain_one(hlnd_explain *x, hln_trust *t, hln_store *s, const uint8_t me[HLN_KEY_LEN],
                       uint64_t now, const uint8_t id[HLN_KEY_LEN], json_object *peer)
{
    json_object *ex = json_object_new_object();
    if (!ex)
        return HLN_ENOMEM;
    json_object *st = NULL;
    bool connected = json_object_object_get_ex(peer, "state", &st) &&
                     !strcmp(json_object_get_string(st), "up");
    json_object_object_add(ex, "connected", json_object_new_boolean(connected));
    int rc = hln_peer_view_feeds(t, s, id, now, ex);
    if (!rc)
        rc = hln_peer_view_refusals(x->book, id, ex);
    uint8_t curve[32];
    json_object *hs = NULL;
    if (!rc && !json_object_object_get_ex(ex, "handshake", &hs) &&
        hln_curve_public_raw(id, curve) == 0) {
        /* Refused before its key was known to be this peer's. */
        json_object *tmp = json_object_new_object();
        hln_peer_view_refusals(x->book, curve, tmp);
        if (json_object_object_get_ex(tmp, "handshake", &hs))
            json_object_object_add(ex, "handshake", json_object_get(hs));
        json_object_put(tmp);
    }
    view *v = get_view(x, id, false);
    json_object *declined = json_object_new_array();
    json_object *not_taken = json_object_new_array();
    if (v) {
        for (size_t j = 0; j < VIEW_FEEDS && json_object_array_length(declined) < LIST_MAX; j++) {
            if (!v->slots[j].seq)
                continue;
            char why[256];
            hln_peer_view_why_declined(t, &v->slots[j].feed, me, why, sizeof why);
            if (!why[0])
                continue;
            char idt[HLN_ID_TEXT_LEN + 1];
            hln_id_to_text(v->slots[j].feed.author, idt);
            json_object *o = json_object_new_object();
            json_object_object_add(o, "author", json_object_new_string(idt));
            json_object_object_add(o, "scope", json_object_new_string(v->slots[j].feed.scope));
            json_object_object_add(o, "reason", json_object_new_string(why));
            json_object_array_add(declined, o);
        }
        if (v->full && connected) {
            taken_ctx c = {t, id, v, now, not_taken};
            if (!rc)
                rc = hln_store_foreach_head(s, taken_one, &c);
        }
    }
    json_object_object_add(ex, "declined", declined);
    json_object_object_add(ex, "not_taken", not_taken);
    char why[400];
    why_text(peer, ex, connected, why, sizeof why);
    json_object_object_add(ex, "why", json_object_new_string(why));
    json_object_object_add(peer, "explain", ex);
    return rc;
}

typedef struct {
    json_object *peers;
    uint8_t (*seen)[HLN_KEY_LEN];
    size_t nseen;
    uint8_t (*extra)[HLN_KEY_LEN];
    size_t nextra, cap;
} extra_ctx;

static int extra_one(void *ctx, const uint8_t peer[HLN_KEY_LEN])
{
    extra_ctx *c = ctx;
    for (size_t i = 0; i < c->nseen; i++) {
        uint8_t curve[32];
        if (!memcmp(c->seen[i], peer, HLN_KEY_LEN) ||
            (hln_curve_public_raw(c->seen[i], curve) == 0 && !memcmp(curve, peer, 32)))
            return 0;
    }
    if (c->nextra == c->cap)
        return 0;
    memcpy(c->extra[c->nextra++], peer, HLN_KEY_LEN);
    return 0;
}

/* A key refused at the handshake, booked under its CURVE key: the member
 * of the trust graph it belongs to, if any. */
typedef struct {
    const uint8_t *curve;
    uint8_t id[HLN_KEY_LEN];
    bool found;
} curve_ctx;

static int curve_member(void *ctx, const hln_trust_info *in)
{
    curve_ctx *c = ctx;
    uint8_t curve[32];
    if (hln_curve_public_raw(in->key, curve) == 0 && !memcmp(curve, c->curve, 32)) {
        memcpy(c->id, in->key, HLN_KEY_LEN);
        c->found = true;
        return 1;
    }
    return 0;
}

/* A key in the refusal book that is not among the daemon's peers: refused
 * at the handshake (booked under its CURVE key if no id was known), or a
 * peer that dialed in, had records refused and went away ("gone": an
 * on-call engineer still wants to see why its records were refused). */
static int extra_peer(hlnd_explain *x, hln_trust *t, hln_store *s, uint64_t now_ms,
                      const uint8_t key[HLN_KEY_LEN], json_object *peers)
{
    bool has_hs = false;
    hln_refusal_handshake hs;
    memset(&hs, 0, sizeof hs);
    hln_refusals_peer(x->book, key, NULL, 0, &hs, &has_hs, NULL);
    curve_ctx cc = {.curve = key};
    if (has_hs)
        (void)hln_trust_foreach_member(t, now_ms, curve_member, &cc);
    else {
        memcpy(cc.id, key, HLN_KEY_LEN); /* record refusals are booked under the peer's id */
        cc.found = true;
    }
    const uint8_t *id = cc.found ? cc.id : key;
    json_object *p = json_object_new_object();
    if (cc.found || hs.kind == HLN_REFUSAL_HANDSHAKE_REFUSED || hs.kind == HLN_REFUSAL_DROPPED) {
        char idt[HLN_ID_TEXT_LEN + 1];
        hln_id_to_text(id, idt);
        json_object_object_add(p, "id", json_object_new_string(idt));
    } else {
        json_object_object_add(p, "id", NULL); /* a key no one here knows */
    }
    hln_trust_info info;
    bool named = cc.found && hln_trust_member(t, id, now_ms, &info) == 0;
    json_object_object_add(p, "name", json_object_new_string(named ? info.name : ""));
    json_object_object_add(p, "state", json_object_new_string(has_hs ? "refused" : "gone"));
    json_object *ex = json_object_new_object();
    json_object_object_add(ex, "connected", json_object_new_boolean(0));
    int rc = cc.found ? hln_peer_view_feeds(t, s, id, now_ms, ex) : 0;
    if (!rc)
        rc = hln_peer_view_refusals(x->book, key, ex);
    char why[400];
    why_text(p, ex, false, why, sizeof why);
    json_object_object_add(ex, "why", json_object_new_string(why));
    json_object_object_add(p, "explain", ex);
    json_object_array_add(peers, p);
    return rc;
}

int hlnd_explain_fill(hlnd_explain *x, hln_trust *t, hln_store *s, const uint8_t me[HLN_KEY_LEN],
                      uint64_t now_ms, json_object *peers)
{
    if (!x)
        return 0;
    size_t n = json_object_array_length(peers);
    extra_ctx c = {.peers = peers};
    c.seen = calloc(n ? n : 1, HLN_KEY_LEN);
    c.cap = HLN_REFUSALS_PEERS;
    c.extra = calloc(c.cap, HLN_KEY_LEN);
    int rc = c.seen && c.extra ? 0 : HLN_ENOMEM;
    for (size_t i = 0; rc == 0 && i < n; i++) {
        json_object *p = json_object_array_get_idx(peers, i), *idj = NULL;
        uint8_t id[HLN_KEY_LEN];
        if (!json_object_object_get_ex(p, "id", &idj) ||
            hln_id_from_text(json_object_get_string(idj), id) != 0)
            continue;
        memcpy(c.seen[c.nseen++], id, HLN_KEY_LEN);
        rc = explain_one(x, t, s, me, now_ms, id, p);
    }
    if (!rc)
        rc = hln_refusals_foreach_peer(x->book, extra_one, &c);
    for (size_t i = 0; rc == 0 && i < c.nextra; i++)
        rc = extra_peer(x, t, s, now_ms, c.extra[i], peers);
    free(c.seen);
    free(c.extra);
    return rc;
}
