/* cmd_authority.h - hlnctl init --authority and indicator adopt: an authority ready to admit, a catalogue passed down. */
#ifndef HLN_CMD_AUTHORITY_H
#define HLN_CMD_AUTHORITY_H

#include <json-c/json.h>
#include <stdbool.h>

#include "node/hlnctl/cli.h"
#include "node/node.h"

/* Before a node is made: may `init --authority` go with this --level and
 * --jurisdiction (jurisdiction NULL for the global level)? HLN_CLI_GO to go
 * on, or EXIT_USAGE after a usage message (hln_cli_usage_error on `a`). */
int hln_cli_authority_check(const hln_cli_args *a, const char *level, const char *jurisdiction);

/* After `init --authority` made the node `n`: anchor it and publish its
 * self-description (hln_authority_setup). Adds "authority" to `j` (may be
 * NULL): {"anchored": true, "self_description": {"scope", "seq"}}. A note
 * on stderr in text mode; stdout keeps the bare id. Returns the exit status. */
int hln_cli_authority_ready(const char *datadir, hln_node *n, json_object *j);

/* `indicator adopt [--scope CODE|global] [--json]`, argv[0] "adopt".
 * Returns an EXIT_*. */
int hln_cli_indicator_adopt(const char *datadir, int argc, char **argv, bool json);

#endif
