/* cmd_status.h - hlnctl status: the node, from the running hlnd or else the store. */
#ifndef HLN_CMD_STATUS_H
#define HLN_CMD_STATUS_H

#include <stdbool.h>
#include <stdio.h>

struct json_object;

/* `hlnctl status [--json]` (also bare hlnctl): id, name, feeds, records,
 * fork proofs and flagged authors; from a running hlnd also its peers and
 * how far behind it is. Exit 0, or 1 if neither hlnd nor the store answered. */
int hln_cli_status(const char *datadir, int argc, char **argv, bool json);

/* Print those fields of a status object (hln_gov_status_flags) as table
 * lines: "LABELnone" or "LABELN proofs" / "LABELN authors", then one line
 * per entry (at most HLN_CLI_STATUS_TABLE_MAX), indented to the label's width. */
#define HLN_CLI_STATUS_TABLE_MAX 20
void hln_cli_status_flags_print(FILE *f, struct json_object *st, const char *forks_label,
                                const char *flagged_label);

#endif
