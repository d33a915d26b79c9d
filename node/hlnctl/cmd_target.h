/* cmd_target.h - hlnctl target set/list: an authority's targets for its jurisdiction or a collaborative. */
#ifndef HLN_CMD_TARGET_H
#define HLN_CMD_TARGET_H

#include <stdbool.h>

/* argv[0] is the verb:
 *   target set INDICATOR --value V --by PERIOD [--stratum S] [--collaborative C] [--json]
 *   target list [--json]
 * Returns an EXIT_* (node/hlnctl/cli.h). */
int hln_cli_target(const char *datadir, int argc, char **argv, bool json);

#endif
