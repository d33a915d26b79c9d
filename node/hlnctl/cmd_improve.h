/* cmd_improve.h - hlnctl improve: each unit's series, run and Shewhart charts, signals, sustainability. */
#ifndef HLN_CMD_IMPROVE_H
#define HLN_CMD_IMPROVE_H

#include <stdbool.h>

/* argv[0] is "improve": improve INDICATOR [--unit U | --collaborative C]
 * [--stratum S] [--json|--csv]. Returns the exit status (0, 1, 2 usage). */
int hln_cli_improve(const char *datadir, int argc, char **argv, bool json);

#endif
