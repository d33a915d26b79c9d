/* cmd_lesson.h - hlnctl lesson share/list/retract: what a team changed and what happened. */
#ifndef HLN_CMD_LESSON_H
#define HLN_CMD_LESSON_H

#include <stdbool.h>

/* argv[0] is the verb (see `hlnctl lesson --help`). `lesson share` exits 1
 * with the reason when the text is refused by the identifier screen.
 * Returns EXIT_OK, EXIT_FAIL (failed or refused) or EXIT_USAGE. */
int hln_cli_lesson(const char *datadir, int argc, char **argv, bool json);

#endif
