/* cmd_authority.h - hlnctl init --authority and indicator adopt: an authority ready to admit, a catalogue passed down. */
#ifndef HLN_CMD_AUTHORITY_H
#define HLN_CMD_AUTHORITY_H

#include <json-c/json.h>
#include <stdbool.h>

#include "node/node.h"

/* Remove every `flag` (an option without a value) from argv, shifting the
 * rest down; true if there was one. */
bool hln_cli_take_flag(int *argc, char **argv, const char *flag);

/* Before a node is made: may `init --authority` go with this --level and
 * --jurisdiction (jurisdiction NULL for the global level)? -1 to go on, or
 * the exit status (2) after a usage message. */
int hln_cli_authority_check(const char *level, const char *jurisdiction);

/* After `init --authority` made the node `n`: anchor it and publish its
 * self-description (hln_authority_setup). Adds "authority" to `j` (may be
 * NULL): {"anchored": true, "self_description": {"scope", "seq"}}. A note
 * on stderr in text mode; stdout keeps the bare id. Returns the exit status. */
int hln_cli_authority_ready(const char *datadir, hln_node *n, json_object *j);

/* `indicator adopt [--scope CODE|global] [--json]`, argv[0] "adopt".
 * Returns the exit status (0, 1 failed, 2 usage). */
int hln_cli_indicator_adopt(const char *datadir, int argc, char **argv, bool json);

#endif
