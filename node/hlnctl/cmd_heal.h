/* cmd_heal.h - hlnctl verify [--repair [--from BACKUP]] (docs/STORE.md). */
#ifndef HLN_CMD_HEAL_H
#define HLN_CMD_HEAL_H

#include <stdbool.h>

/* argv[0] is "verify". Exit 0 (the store verifies), 1 (problems, or the
 * check crashed on a damaged page), 2 (usage). */
int hln_cli_verify(const char *datadir, int argc, char **argv, bool json);

#endif
