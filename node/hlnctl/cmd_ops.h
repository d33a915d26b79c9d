/* cmd_ops.h - hlnctl backup, restore and metrics (docs/OPERATIONS.md). */
#ifndef HLN_OPS_CMDS_H
#define HLN_OPS_CMDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

/* ---- hlnctl commands ----------------------------------------------------
 * argv[0] is the command word; they print results on stdout, diagnostics on
 * stderr as "hlnctl: message", and return the exit status (0, 1, 2).
 *
 *   backup PATH [--no-verify] [--json]   PATH: a new directory holding data.mdb
 *   restore PATH [--json]                hlnd must be stopped
 *   restore --done                       lift the catch-up mark by hand
 *   metrics                              Prometheus text on stdout */
int hln_cli_backup(const char *datadir, int argc, char **argv, bool json);
int hln_cli_restore(const char *datadir, int argc, char **argv, bool json);
int hln_cli_metrics(const char *datadir, int argc, char **argv, bool json);

#endif
