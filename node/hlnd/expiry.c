/* expiry.c - the timer for ends of membership: act when one lapses, warn before (docs/GOVERNANCE.md §7). */
#include "node/hlnd/expiry.h"

#include <string.h>

#include "node/hlnd/log.h"
#include "node/peer_view.h"

#define RECOMPUTE_MS 10000u
#define DAY_MS 86400000u

void hlnd_expiry_changed(hlnd_expiry *e)
{
    e->stale = true;
}

typedef struct {
    uint64_t now, next;
    const uint8_t *me;
    bool warn;
} walk;

static int member_one(void *ctx, const hln_trust_info *in)
{
    walk *w = ctx;
    if (in->status != HLN_TRUST_MEMBER && in->status != HLN_TRUST_ANCHOR)
        return 0;
    uint64_t end = in->valid_until_ms;
    if (in->revoked && in->revoked_from_ms > w->now && (!end || in->revoked_from_ms < end))
        end = in->revoked_from_ms;
    if (!end || end <= w->now)
        return 0;
    if (!w->next || end < w->next)
        w->next = end;
    if (w->warn && end - w->now <= (uint64_t)HLND_EXPIRY_WARN_DAYS * DAY_MS) {
        char who[HLN_ID_SHORT_LEN + 1], when[32];
        hln_id_short(in->key, who);
        hln_peer_view_time(end, when);
        hlnd_log(4, "trust", "event=membership-ending member=%s self=%s until=%s days=%llu%s",
                 who, memcmp(in->key, w->me, HLN_KEY_LEN) ? "no" : "yes", when,
                 (unsigned long long)((end - w->now + DAY_MS - 1) / DAY_MS),
                 in->revoked ? " cause=revoked" : "");
    }
    return 0;
}

bool hlnd_expiry_tick(hlnd_expiry *e, hln_trust *t, const uint8_t me[HLN_KEY_LEN], uint64_t now_ms)
{
    bool ended = e->next_end_ms && now_ms >= e->next_end_ms;
    if (ended)
        hlnd_log(5, "trust", "event=membership-ended action=recompute");
    bool warn = now_ms >= e->next_warn_ms;
    if (ended || warn || !e->computed_ms ||
        (e->stale && now_ms - e->computed_ms >= RECOMPUTE_MS)) {
        walk w = {.now = now_ms, .me = me, .warn = warn};
        (void)hln_trust_foreach_member(t, now_ms, member_one, &w);
        e->next_end_ms = w.next;
        e->computed_ms = now_ms;
        e->stale = false;
        if (warn)
            e->next_warn_ms = now_ms + DAY_MS;
    }
    return ended;
}
