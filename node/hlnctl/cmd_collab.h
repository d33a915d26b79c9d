/* cmd_collab.h - hlnctl collaborative create/add/remove/show/list: learning collaboratives. */
#ifndef HLN_CMD_COLLAB_H
#define HLN_CMD_COLLAB_H

#include <stdbool.h>

/* argv[0] is the verb (see `hlnctl collaborative --help`). Returns an
 * EXIT_* (node/hlnctl/cli.h). */
int hln_cli_collaborative(const char *datadir, int argc, char **argv, bool json);

#endif
