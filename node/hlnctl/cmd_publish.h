/* cmd_publish.h - hlnctl publish: a CSV of observations, disclosure control applied. */
#ifndef HLN_CMD_PUBLISH_H
#define HLN_CMD_PUBLISH_H

#include <stdbool.h>

/* publish FILE.csv [--dry-run] [--scope CODE|global] [--min-cell N] [--json]:
 * check, suppress small cells in and publish every row, or none.
 * Exit 0, 1 (bad rows, refused: nothing published), 2 usage. */
int hln_cli_publish(const char *datadir, int argc, char **argv, bool json);

#endif
