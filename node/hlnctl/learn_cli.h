/* learn_cli.h - what hlnctl's target, collaborative, lesson and improve commands share. */
#ifndef HLN_LEARN_CLI_H
#define HLN_LEARN_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "node/learn.h"
#include "node/node.h"
#include "node/trust.h"

typedef struct {
    hln_node *node;
    hln_trust *trust;
    hln_learn *learn;
    hln_node_def *defs;
    size_t ndefs;
    uint64_t now_ms;
} hln_learn_session;

/* Open the node, its trust view, its definitions and the learning records.
 * EXIT_OK, or EXIT_FAIL after a message on stderr. */
int hln_learn_session_open(hln_learn_session *s, const char *datadir, unsigned flags);
void hln_learn_session_close(hln_learn_session *s);

/* The name the trust view knows for `key` ("" if none); ctx is the session. */
const char *hln_learn_name_of(void *ctx, const uint8_t key[HLN_KEY_LEN]);

/* Author one record on the node's own feed in `scope` (hln_gov_author),
 * tell hlnd, and print "<what> record N in scope S" or, with json, an
 * object {type, scope, seq, timestamp_ms} plus `extra` (may be NULL; its
 * ownership passes). Returns EXIT_OK or EXIT_FAIL. */
struct json_object;
int hln_learn_author(hln_learn_session *s, const char *datadir, uint32_t type,
                     const hln_body *body, const char *scope, bool json,
                     struct json_object *extra);

/* `stratum` is "" (the total) or one of the indicator's strata. */
bool hln_learn_has_stratum(const hln_indicator *d, const char *stratum);

/* "2026-09-14T10:00:00Z" into buf. */
void hln_learn_iso_time(uint64_t ms, char *buf, size_t len);

#endif
