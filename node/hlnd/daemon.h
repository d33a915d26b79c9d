/* daemon.h - hlnd: the node's main loop over the sync engine, ZeroMQ transport and control socket.
 */
#ifndef HLN_DAEMON_H
#define HLN_DAEMON_H

#include <stdbool.h>
#include <stdint.h>

#include "node/config.h"

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
