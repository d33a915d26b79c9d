/* cmd_retract.h - hlnctl retract (withdraw this node's own records) and rollup --all (every indicator and period at once). */
#ifndef HLN_CMD_RETRACT_H
#define HLN_CMD_RETRACT_H

#include <stdbool.h>

/* `retract RECORD [--erase] [--reason R] [--json]` or
 * `retract --indicator I --period P [--unit U] [--erase] [--reason R] [--json]`,
 * argv[0] "retract". RECORD is a record id (64 hex characters, as `hlnctl
 * log` shows it) of this node's own; the second form withdraws every
 * observation of this node for I and P (and unit U; "" the node's own)
 * that is not withdrawn yet, all strata. Each retract record goes in its
 * target's scope, after the node's own trust view allows it. Returns an
 * EXIT_* (EXIT_FAIL: nothing to withdraw, or refused). */
int hln_cli_retract(const char *datadir, int argc, char **argv, bool json);

/* `rollup --all [--period P] [--publish] [--scope S] [--json]`, argv[0]
 * "rollup": `rollup INDICATOR --period P` for every indicator defined here
 * and every period (or P) for which an organization's observation is held.
 * EXIT_OK when every roll-up succeeded, else EXIT_FAIL. */
int hln_cli_rollup_all(const char *datadir, int argc, char **argv, bool json);

#endif
