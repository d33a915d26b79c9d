/* cmd_address.h - hlnctl address set/list: this node's address record, and those held. */
#ifndef HLN_ADDRESS_CMDS_H
#define HLN_ADDRESS_CMDS_H

#include <stdbool.h>

/* `argv[0]` is the verb:
 *   address set ENDPOINT [ENDPOINT...] [--scope CODE|global] [--json]
 *       publish where this node accepts peers (1-4 tcp://HOST:PORT endpoints,
 *       the first is the one peers dial); default scope: the node's country,
 *       or global, as publish does. The latest record of an author wins.
 *   address list [--json]
 *       the latest address record of every author held, with the name the
 *       trust graph knows for it.
 * Returns the exit status (0, 1 failed, 2 usage). */
int hln_cli_address(const char *datadir, int argc, char **argv, bool json);

#endif
