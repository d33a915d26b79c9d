/* cmd_explain.h - hlnctl peer explain: per peer, connected or why not, what flows, what is withheld or refused, and why. */
#ifndef HLN_CMD_EXPLAIN_H
#define HLN_CMD_EXPLAIN_H

#include <stdbool.h>

/* `peer explain [PEER] [--json]`, argv[0] "explain". PEER: an id, the
 * start of one (7 characters, as the logs show it), or a peer's name.
 * Asks the running hlnd (the `explain` control command); without one,
 * explains from the store alone (standing, feeds offered and withheld).
 * Returns the exit status: 0, 1 (failed, or PEER unknown), 2 usage. */
int hln_cli_peer_explain(const char *datadir, int argc, char **argv, bool json);

#endif
