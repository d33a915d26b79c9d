/* daemon.h - hlnd: the node's main loop over the sync engine, ZeroMQ transport and control socket.
 */
#ifndef HLN_DAEMON_H
#define HLN_DAEMON_H

#include <stdbool.h>
#include <stdint.h>

#include "node/config.h"

/* Logging for hlnd: one line per event on stderr, "<P>module key=value ...",
 * with P the syslog priority so that journald keeps the level. Lines above
 * the configured level are dropped. Never pass secrets or record bodies;
 * strings that come from peers go through hlnd_log_safe first. */
void hlnd_log(int prio, const char *module, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void hlnd_log_set_level(int level);

/* Copy at most `len` bytes of untrusted text into `out` (cap bytes, NUL
 * terminated), replacing anything outside printable ASCII and spaces with '?'. */
void hlnd_log_safe(char *out, size_t cap, const char *in, size_t len);

/* A per-source rate limiter for warnings: at most `burst` lines, refilled one
 * per `ivl_ms`. hlnd_ratelimit_ok returns true if a line may be logged now;
 * *suppressed counts the lines dropped since the last one logged. */
typedef struct {
    uint64_t last_ms;
    uint32_t tokens;
    uint32_t suppressed;
} hlnd_ratelimit;
bool hlnd_ratelimit_ok(hlnd_ratelimit *rl, uint64_t now_ms, uint32_t burst, uint32_t ivl_ms);

/* A monotonic clock in milliseconds. */
uint64_t hlnd_now_ms(void);

/* Options from the command line, over the configuration file. */
typedef struct {
    const char *data_dir;    /* -d, overrides [node] data_dir */
    const char *listen;      /* --listen, overrides [node] listen */
    const char *config_path; /* -c, NULL: defaults only */
    const char *metrics_file; /* --metrics-file, overrides [node] metrics_file */
    bool foreground;         /* accepted for systemd units; hlnd never forks */
} hlnd_args;

/* Load the configuration (file, then the command line over it) into `c`.
 * HLN_ECONFIG / HLN_EIO with a message in `err`. */
int hlnd_load_config(const hlnd_args *a, hln_config *c, char *err, size_t errlen);

/* Run the daemon until SIGTERM or SIGINT. Returns 0 after a clean stop, or a
 * negative HLN_E* code if it could not start (the reason is logged). */
int hlnd_run(const hlnd_args *a);

#endif
