/* expiry.h - hlnd acts on memberships that end (--until, a revocation from a future date) when they end, and warns before. */
#ifndef HLND_EXPIRY_H
#define HLND_EXPIRY_H

#include <stdbool.h>
#include <stdint.h>

#include "node/trust.h"

/* Warned about this many days before a membership ends. */
#define HLND_EXPIRY_WARN_DAYS 30

typedef struct {
    uint64_t next_end_ms;  /* the next end of a standing in force; 0: none known */
    uint64_t computed_ms;  /* when next_end_ms was worked out; 0: never */
    bool stale;            /* the trust graph changed since */
    uint64_t next_warn_ms; /* when the next round of warnings is due */
} hlnd_expiry;

/* The trust graph changed: work the next end out again (at most every
 * 10 s: a bulk sync of admissions does not walk every member each tick). */
void hlnd_expiry_changed(hlnd_expiry *e);

/* At each tick, wall clock `now_ms`: true when a membership or revocation
 * date has passed since the last look, so that the caller recomputes what
 * follows from trust (admission, what is sent to whom, discovery), as for
 * a trust change; logged (`<5>trust event=membership-ended`). Once a day,
 * and at the first call, logs `<4>trust event=membership-ending` for each
 * membership in force that ends within HLND_EXPIRY_WARN_DAYS, this node's
 * own (`self=yes`) included. */
bool hlnd_expiry_tick(hlnd_expiry *e, hln_trust *t, const uint8_t me[HLN_KEY_LEN], uint64_t now_ms);

#endif
