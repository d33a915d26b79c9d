/* cli.h - what every hlnctl command module shares: diagnostics and JSON output. */
#ifndef HLN_CLI_H
#define HLN_CLI_H

#include <json-c/json.h>

/* "hlnctl: " and the formatted message on stderr, with a newline. */
void hln_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Print `o` as pretty JSON (no escaped slashes) on stdout and release it. */
void hln_print_json(json_object *o);

#endif
