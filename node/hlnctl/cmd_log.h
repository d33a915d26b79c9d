/* cmd_log.h - hlnctl log: the records held, listed. */
#ifndef HLN_CMD_LOG_H
#define HLN_CMD_LOG_H

#include <stdbool.h>

/* log [--json] [--limit N]: author, scope, seq, type and a summary of every
 * record held (the last N). Exit 0, 1 (the store failed), 2 usage. */
int hln_cli_log(const char *datadir, int argc, char **argv, bool json);


#endif
