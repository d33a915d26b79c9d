/* cmd_improve.h - hlnctl improve: each unit's series, run and Shewhart charts, signals, sustainability. */
#ifndef HLN_CMD_IMPROVE_H
#define HLN_CMD_IMPROVE_H

#include <stdbool.h>

/* argv[0] is "improve": improve INDICATOR [--unit U | --collaborative C]
 * [--stratum S] [--json|--csv]. Returns an EXIT_* (node/hlnctl/cli.h). */
int hln_cli_improve(const char *datadir, int argc, char **argv, bool json);

#endif
