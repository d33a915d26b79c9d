/* peer_view.c - the reasons behind what flows to and from a peer, for hlnctl peer explain and status. */
#include "node/peer_view.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crypto/err.h"
#include "proto/codes.h"

void hln_peer_view_time(uint64_t ms, char out[32])
{
    if (!ms) {
        snprintf(out, 32, "-");
        return;
    }
    time_t s = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&s, &tm);
    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

void hln_peer_view_why_withheld(hln_trust *t, const uint8_t peer[HLN_KEY_LEN], const char *scope,
                                uint64_t now_ms, char *out, size_t len)
{
    out[0] = '\0';
    hln_feed_id f;
    memset(&f, 0, sizeof f);
    snprintf(f.scope, sizeof f.scope, "%s", scope);
    if (hln_trust_may_receive(t, peer, &f, now_ms))
        return;
    hln_trust_info in;
    int rc = hln_trust_member(t, peer, now_ms, &in);
    char when[32];
    if (rc == HLN_ENOTFOUND) {
        snprintf(out, len, "not admitted for scope %s: not a member this node knows of", scope);
        return;
    }
    switch (in.status) {
    case HLN_TRUST_EXPIRED:
        hln_peer_view_time(in.valid_until_ms, when);
        snprintf(out, len, "not admitted for scope %s: membership expired %s", scope, when);
        return;
    case HLN_TRUST_REVOKED:
        hln_peer_view_time(in.revoked_from_ms, when);
        snprintf(out, len, "not admitted for scope %s: revoked from %s", scope, when);
        return;
    case HLN_TRUST_NOT_YET:
        hln_peer_view_time(in.valid_from_ms, when);
        snprintf(out, len, "not admitted for scope %s: membership starts %s", scope, when);
        return;
    case HLN_TRUST_UNTRUSTED:
    case HLN_TRUST_UNKNOWN:
        snprintf(out, len, "not admitted for scope %s: no issuer this node trusts admitted it",
                 scope);
        return;
    default:
        break;
    }
    if (in.level == HLN_TRUST_LEVEL_ANY || !in.jurisdiction[0]) {
        snprintf(out, len,
                 "an anchor of unknown level gets global feeds only (trust add ID --level L "
                 "--jurisdiction J)");
        return;
    }
    snprintf(out, len, "not admitted for scope %s: %s of %s", scope,
             in.anchor ? "anchor" : "member", in.jurisdiction);
}

void hln_peer_view_why_declined(hln_trust *t, const hln_feed_id *feed, const uint8_t me[HLN_KEY_LEN],
                                char *out, size_t len)
{
    out[0] = '\0';
    if (hln_trust_wants_feed(t, feed, me))
        return;
    char who[HLN_ID_SHORT_LEN + 1];
    hln_id_short(feed->author, who);
    hln_trust_info in;
    int rc = hln_trust_member(t, feed->author, UINT64_MAX / 2, &in);
    if (rc == HLN_ENOTFOUND || in.status == HLN_TRUST_UNTRUSTED || in.status == HLN_TRUST_UNKNOWN) {
        snprintf(out, len, "author %s is not trusted here: no anchor, and no one this node trusts "
                 "admitted it", who);
        return;
    }
    hln_trust_info self;
    const char *mine = hln_trust_member(t, me, UINT64_MAX / 2, &self) == 0 && self.jurisdiction[0]
                           ? self.jurisdiction
                           : NULL;
    if (strcmp(feed->scope, "global") != 0)
        snprintf(out, len, "scope %s is not one this node receives (its jurisdiction: %s) or "
                 "author %s may not publish there", feed->scope, mine ? mine : "unknown", who);
    else
        snprintf(out, len, "author %s may not publish in scope global", who);
}

typedef struct {
    hln_trust *t;
    const uint8_t *peer;
    uint64_t now;
    json_object *offered, *withheld; /* objects keyed by scope */
} feeds_ctx;

static int count_in(json_object *map, const char *scope, const char *reason)
{
    json_object *g = NULL;
    if (!json_object_object_get_ex(map, scope, &g)) {
        g = json_object_new_object();
        if (!g)
            return HLN_ENOMEM;
        json_object_object_add(g, "scope", json_object_new_string(scope));
        json_object_object_add(g, "feeds", json_object_new_int64(0));
        if (reason)
            json_object_object_add(g, "reason", json_object_new_string(reason));
        json_object_object_add(map, scope, g);
    }
    json_object *n = NULL;
    json_object_object_get_ex(g, "feeds", &n);
    json_object_set_int64(n, json_object_get_int64(n) + 1);
    return 0;
}

static int feed_one(void *ctx, const hln_feed_id *feed, uint64_t seq, const uint8_t id[HLN_HASH_LEN])
{
    (void)seq;
    (void)id;
    feeds_ctx *c = ctx;
    char why[192];
    hln_peer_view_why_withheld(c->t, c->peer, feed->scope, c->now, why, sizeof why);
    return why[0] ? count_in(c->withheld, feed->scope, why) : count_in(c->offered, feed->scope, NULL);
}

static json_object *values(json_object *map)
{
    json_object *a = json_object_new_array();
    json_object_object_foreach(map, k, v)
    {
        (void)k;
        json_object_array_add(a, json_object_get(v));
    }
    json_object_put(map);
    return a;
}

int hln_peer_view_feeds(hln_trust *t, hln_store *s, const uint8_t peer[HLN_KEY_LEN],
                        uint64_t now_ms, json_object *into)
{
    hln_trust_info in;
    int rc = hln_trust_member(t, peer, now_ms, &in);
    json_object *st = json_object_new_object();
    char when[32];
    json_object_object_add(st, "status", json_object_new_string(rc == HLN_ENOTFOUND
                                                                    ? "unknown"
                                                                    : hln_trust_status_name(in.status)));
    if (rc != HLN_ENOTFOUND) {
        json_object_object_add(st, "level",
                               in.level == HLN_TRUST_LEVEL_ANY
                                   ? NULL
                                   : json_object_new_string(hln_level_name((uint32_t)in.level)));
        json_object_object_add(st, "jurisdiction",
                               in.jurisdiction[0] ? json_object_new_string(in.jurisdiction) : NULL);
        hln_peer_view_time(in.valid_until_ms, when);
        json_object_object_add(st, "until", in.valid_until_ms ? json_object_new_string(when) : NULL);
        hln_peer_view_time(in.revoked_from_ms, when);
        json_object_object_add(st, "revoked_from", in.revoked ? json_object_new_string(when) : NULL);
    }
    json_object_object_add(into, "standing", st);
    feeds_ctx c = {t, peer, now_ms, json_object_new_object(), json_object_new_object()};
    rc = hln_store_foreach_head(s, feed_one, &c);
    json_object_object_add(into, "feeds_offered", values(c.offered));
    json_object_object_add(into, "feeds_withheld", values(c.withheld));
    return rc;
}

static const char *hs_reason(unsigned kind)
{
    switch (kind) {
    case HLN_REFUSAL_HANDSHAKE_REFUSED:
        return "the peer refused this node's handshake: it does not admit this node's key (not "
               "a member, anchor or configured peer there, or revoked)";
    case HLN_REFUSAL_DROPPED:
        return "this node refused its handshake: dropped for bad messages";
    default:
        return "this node refused its handshake: its key is not admitted here (not a member in "
               "force, an anchor or a configured peer; or revoked)";
    }
}

int hln_peer_view_refusals(const hln_refusals *book, const uint8_t peer[HLN_KEY_LEN],
                           json_object *into)
{
    hln_refusal ring[HLN_REFUSALS_RING];
    hln_refusal_handshake hs;
    bool has_hs = false;
    uint64_t count = 0;
    size_t n = hln_refusals_peer(book, peer, ring, HLN_REFUSALS_RING, &hs, &has_hs, &count);
    char when[32], hex[65];
    if (has_hs) {
        json_object *h = json_object_new_object();
        json_object_object_add(
            h, "refused_by",
            json_object_new_string(hs.kind == HLN_REFUSAL_HANDSHAKE_REFUSED ? "peer" : "this node"));
        json_object_object_add(h, "reason",
                               json_object_new_string(hln_refusal_kind_name(hs.kind)));
        json_object_object_add(h, "explanation", json_object_new_string(hs_reason(hs.kind)));
        hln_peer_view_time(hs.since_ms, when);
        json_object_object_add(h, "since", json_object_new_string(when));
        hln_peer_view_time(hs.last_ms, when);
        json_object_object_add(h, "last", json_object_new_string(when));
        json_object_object_add(h, "count", json_object_new_int64((int64_t)hs.count));
        bool curve = false;
        for (size_t i = 0; i < 32; i++)
            curve = curve || hs.curve[i];
        if (curve) {
            hln_hex(hs.curve, 32, hex);
            json_object_object_add(h, "curve_key", json_object_new_string(hex));
        }
        json_object_object_add(into, "handshake", h);
    }
    json_object *r = json_object_new_object();
    json_object *a = json_object_new_array();
    json_object_object_add(r, "count", json_object_new_int64((int64_t)count));
    for (size_t i = 0; i < n; i++) {
        const hln_refusal *e = &ring[i];
        json_object *x = json_object_new_object();
        hln_peer_view_time(e->at_ms, when);
        json_object_object_add(x, "at", json_object_new_string(when));
        json_object_object_add(x, "reason", json_object_new_string(hln_refusal_kind_name(e->kind)));
        if (e->kind > HLN_REFUSAL_DROPPED) {
            char idt[HLN_ID_TEXT_LEN + 1];
            hln_id_to_text(e->feed.author, idt);
            json_object_object_add(x, "author", json_object_new_string(idt));
            json_object_object_add(x, "scope", json_object_new_string(e->feed.scope));
            json_object_object_add(x, "seq", json_object_new_int64((int64_t)e->seq));
        }
        json_object_object_add(x, "detail", json_object_new_string(e->detail));
        json_object_array_add(a, x);
    }
    json_object_object_add(r, "recent", a);
    json_object_object_add(into, "refusals", r);
    return 0;
}
