/* cmd_peer.h - hlnctl peer add, remove and list. */
#ifndef HLN_CTL_CMDS_H
#define HLN_CTL_CMDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "crypto/crypto.h"
#include "store/store.h"

/* Command functions for hlnctl's table. `argv[0]` is the verb ("add",
 * "remove", "list"); the noun has been consumed by the caller. They print
 * results on stdout and diagnostics on stderr as "hlnctl: message", and
 * return the exit status: 0 success, 1 the operation failed, 2 usage.
 *
 *   peer add ID [ENDPOINT] [--name NAME]   (no ENDPOINT: admit, do not dial)
 *   peer remove ID
 *   peer list [--json]
 *
 * add and remove write the PEERS table directly (hlnd may be down) and then
 * ask a running hlnd to reload its peers. */
int hln_cli_peer(const char *datadir, int argc, char **argv, bool json);

#endif
