/* peer_view.h - why a peer gets or is kept from each feed, why a feed it offers is declined, and its refusals, as JSON (hlnctl peer explain). */
#ifndef HLN_PEER_VIEW_H
#define HLN_PEER_VIEW_H

#include <stddef.h>
#include <stdint.h>

#include "node/refusals.h"
#include "node/trust.h"
#include "store/store.h"

struct json_object;

/* Why `peer` is not sent feeds of `scope` at `now_ms` (docs/GOVERNANCE.md
 * §7), into `out`: "" when it is sent them. Such as "not admitted for
 * scope CA: member of FR", "not admitted for scope CA: membership expired
 * 2026-01-01", "not admitted for scope CA: revoked from ...", "an anchor of
 * unknown level gets global feeds only". */
void hln_peer_view_why_withheld(hln_trust *t, const uint8_t peer[HLN_KEY_LEN], const char *scope,
                                uint64_t now_ms, char *out, size_t len);

/* Why this node (`me`) does not want `feed`, into `out` ("" when it does):
 * "author ABCDEFG is not trusted here (no anchor admits it)", "scope FR is
 * outside this node's jurisdiction", ... */
void hln_peer_view_why_declined(hln_trust *t, const hln_feed_id *feed, const uint8_t me[HLN_KEY_LEN],
                                char *out, size_t len);

/* Add to `into`:
 *   "standing": {"status", "level", "jurisdiction", "until", "revoked_from"}
 *       where the peer stands in this node's trust graph now;
 *   "feeds_offered":  [{"scope", "feeds"}]           feeds held that it may be sent;
 *   "feeds_withheld": [{"scope", "feeds", "reason"}] those it may not, and why.
 * Feeds are grouped by scope. 0, HLN_ENOMEM, HLN_ESTORE. */
int hln_peer_view_feeds(hln_trust *t, hln_store *s, const uint8_t peer[HLN_KEY_LEN],
                        uint64_t now_ms, struct json_object *into);

/* Add "handshake" (when refused since last up: {"refused_by": "peer"|"this
 * node", "reason", "since", "last", "count", "curve_key"}) and "refusals":
 * {"count", "recent": [{"at", "reason", "author", "scope", "seq", "detail"}]}
 * (newest first) from `book`. 0 or HLN_ENOMEM. */
int hln_peer_view_refusals(const hln_refusals *book, const uint8_t peer[HLN_KEY_LEN],
                           struct json_object *into);

/* An ISO 8601 UTC time for wall-clock ms ("-" for 0). */
void hln_peer_view_time(uint64_t ms, char out[32]);

#endif
