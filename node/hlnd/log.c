/* log.c - hlnd's log: one line per event on stderr with its syslog priority, at the bottom of the
 * daemon's layers so that the transport and the main loop both log without calling each other. */
#include "node/hlnd/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int log_level = 6;

void hlnd_log_set_level(int level)
{
    log_level = level;
}

void hlnd_log(int prio, const char *module, const char *fmt, ...)
{
    if (prio > log_level)
        return;
    char line[1024];
    int n = snprintf(line, sizeof line, "<%d>%s ", prio, module);
    if (n < 0 || (size_t)n >= sizeof line)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line + n, sizeof line - (size_t)n, fmt, ap);
    va_end(ap);
    /* One write per line, so lines from one process never interleave. */
    size_t len = strlen(line);
    if (len + 1 < sizeof line) {
        line[len++] = '\n';
        line[len] = '\0';
    } else
        line[sizeof line - 2] = '\n';
    ssize_t w = write(STDERR_FILENO, line, strlen(line));
    (void)w;
}
