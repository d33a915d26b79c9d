/* cmd_collab.h - hlnctl collaborative create/add/remove/show/list: learning collaboratives. */
#ifndef HLN_CMD_COLLAB_H
#define HLN_CMD_COLLAB_H

#include <stdbool.h>

/* argv[0] is the verb (see `hlnctl collaborative --help`). Returns the exit
 * status (0, 1 failed, 2 usage). */
int hln_cli_collaborative(const char *datadir, int argc, char **argv, bool json);

#endif
