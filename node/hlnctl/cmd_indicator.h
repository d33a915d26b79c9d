/* cmd_indicator.h - hlnctl indicator define and list: the catalogue of indicator definitions. */
#ifndef HLN_CMD_INDICATOR_H
#define HLN_CMD_INDICATOR_H

#include <stdbool.h>

/* indicator define FILE [--scope CODE|global] [--dry-run] [--json]: author
 * the definitions of an INI file, all or none. argv[0] is "define".
 * Exit 0, 1 (a bad file, refused, not written), 2 usage. */
int hln_cli_indicator_define(const char *datadir, int argc, char **argv, bool json);

/* indicator list [--json]: the latest definition of every code held. */
int hln_cli_indicator_list(const char *datadir, int argc, char **argv, bool json);

#endif
