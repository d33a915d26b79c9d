/* cmd_equity.h - hlnctl bench INDICATOR --period P --by DIMENSION: strata side by side. */
#ifndef HLN_CMD_EQUITY_H
#define HLN_CMD_EQUITY_H

#include <stdbool.h>

/* true when argv asks for strata side by side (it holds --by). */
bool hln_cli_bench_wants_by(int argc, char **argv);

/* bench INDICATOR --period P --by DIMENSION [--ref STRATUM] [--group G]
 *       [--method M] [--ci wilson|clopper-pearson] [--json|--csv]
 * Exit 0, 1 failed or refused, 2 usage. Usage in docs/CLI.md. */
int hln_cli_bench_by(const char *datadir, int argc, char **argv, bool json);

#endif
