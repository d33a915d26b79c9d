/* cmd_init.h - hlnctl init and id: a node's identity. */
#ifndef HLN_CMD_INIT_H
#define HLN_CMD_INIT_H

#include <stdbool.h>

/* init --name NAME [--level LEVEL] [--jurisdiction CODE] [--min-cell N] [--json]:
 * create the data directory, a new identity and an empty store; prints the
 * node id. Exit 0, 1 (it failed: an identity exists already...), 2 usage. */
int hln_cli_init(const char *datadir, int argc, char **argv, bool json);

/* id [--json]: the node id (with --json: name, level, jurisdiction, CURVE key). */
int hln_cli_id(const char *datadir, int argc, char **argv, bool json);

#endif
