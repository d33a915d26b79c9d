/* cli.c - shared helpers of the hlnctl command modules. */
#include "node/hlnctl/cli.h"

#include <stdarg.h>
#include <stdio.h>

void hln_warnx(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("hlnctl: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

void hln_print_json(json_object *o)
{
    puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
    json_object_put(o);
}
