/* cmd_bench.h - hlnctl bench and rollup (who counts: node/bench_view.h). */
#ifndef HLN_BENCH_CMDS_H
#define HLN_BENCH_CMDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "crypto/crypto.h"
#include "node/node.h"
#include "node/trust.h"
#include "proto/record.h"

/* Command functions for hlnctl's table: argv[0] is the command word
 * ("bench", "rollup"); results on stdout, diagnostics on stderr as
 * "hlnctl: message"; the return value is the exit status (0, 1 failed or
 * refused, 2 usage). `json` is the global --json. Usage in docs/CLI.md:
 *
 *   bench INDICATOR --period P [--group G] [--stratum S] [--method M]
 *                   [--ci wilson|clopper-pearson] [--json|--csv]
 *   bench INDICATOR --trend [--unit U] [--group G] [--stratum S] [--method M] [--json]
 *   rollup INDICATOR --period P [--publish] [--scope global|CODE] [--json]
 */
int hln_cli_bench(const char *datadir, int argc, char **argv, bool json);
int hln_cli_rollup(const char *datadir, int argc, char **argv, bool json);

#endif
