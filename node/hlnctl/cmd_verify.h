/* cmd_verify.h - hlnctl bench verify. */
#ifndef HLN_CMD_VERIFY_H
#define HLN_CMD_VERIFY_H

#include <stdbool.h>

/* ---- hlnctl's side ---- */

/* hlnctl bench verify INDICATOR --period P [--group G] [--stratum S]
 * [--method M] [--timeout-ms N] [--json]. argv starts at "verify" (a
 * leading "bench" is skipped). Exit 0 when every peer that answered agrees
 * (and one did), 1 otherwise, 2 usage. */
int hln_cli_bench_verify(const char *datadir, int argc, char **argv, bool json);

#endif
