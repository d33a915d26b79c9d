/* cmd_gov.h - hlnctl trust, member and policy: trust anchors and governance records. */
#ifndef HLN_GOV_CMDS_H
#define HLN_GOV_CMDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "crypto/crypto.h"
#include "node/node.h"
#include "node/trust.h"
#include "store/store.h"

/* Command functions for hlnctl's table, in the manner of hln_cli_peer:
 * `argv[0]` is the verb (the noun was consumed; a leading noun is skipped);
 * results on stdout, diagnostics on stderr as "hlnctl: message"; the
 * return value is the exit status: 0 success, 1 failed or refused, 2 usage.
 * `json` is the global --json (a --json after the verb works too).
 *
 *   trust add ID [--name NAME] [--level LEVEL --jurisdiction CODE]
 *   trust remove ID
 *   trust list [--json]
 *   member issue ID --name NAME --level LEVEL --jurisdiction CODE
 *                [--from DATE] [--until DATE] [--scope CODE|global]
 *   member revoke ID [--reason R] [--from DATE] [--scope CODE|global]
 *   member list [--json] [--at DATE]
 *   policy set --min-cell N [--scope CODE]   (CODE: the jurisdiction it covers)
 *   policy show [CODE] [--json]
 *
 * DATE is YYYY-MM-DD (00:00 UTC) or YYYY-MM-DDTHH:MM:SSZ. Records this node
 * would itself refuse (docs/GOVERNANCE.md) are not written: a refused record
 * would stop its whole feed on every other node. Writes go straight to the
 * store, then a running hlnd is told (reload for anchors, appended for
 * records). */
int hln_cli_trust(const char *datadir, int argc, char **argv, bool json);
int hln_cli_member(const char *datadir, int argc, char **argv, bool json);
int hln_cli_policy(const char *datadir, int argc, char **argv, bool json);

#endif
