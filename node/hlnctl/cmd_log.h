/* cmd_log.h - hlnctl log and verify: the records held, listed and re-checked. */
#ifndef HLN_CMD_LOG_H
#define HLN_CMD_LOG_H

#include <stdbool.h>

/* log [--json] [--limit N]: author, scope, seq, type and a summary of every
 * record held (the last N). Exit 0, 1 (the store failed), 2 usage. */
int hln_cli_log(const char *datadir, int argc, char **argv, bool json);

/* verify [--json]: re-check every record held. Exit 0, 1 on any problem. */
int hln_cli_verify(const char *datadir, int argc, char **argv, bool json);

#endif
