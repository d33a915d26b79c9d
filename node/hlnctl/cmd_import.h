/* cmd_import.h - hlnctl import and export: DHIS2 dataValueSets and FHIR R4 MeasureReports. */
#ifndef HLN_CMD_IMPORT_H
#define HLN_CMD_IMPORT_H

#include <stdbool.h>

/* Command functions for hlnctl's table (a delegated noun: argv[0] is the
 * verb). Exit status 0, 1 failed or refused, 2 usage. docs/CLI.md:
 *
 *   import dhis2 FILE --map MAP.ini [--dry-run] [--scope S] [--min-cell N] [--json]
 *   import fhir FILE [--unit U] [--map MAP.ini] [--dry-run] [--strict] [--scope S]
 *                    [--min-cell N] [--json]
 *   export dhis2 INDICATOR --period P [--group G] --map MAP.ini
 *   export fhir INDICATOR --period P [--group G] [--map MAP.ini]
 */
int hln_cli_import(const char *datadir, int argc, char **argv, bool json);
int hln_cli_export(const char *datadir, int argc, char **argv, bool json);

#endif
