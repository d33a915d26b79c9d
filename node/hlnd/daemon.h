/* daemon.h - hlnd: the node's main loop over the sync engine, ZeroMQ transport and control socket.
 */
#ifndef HLN_DAEMON_H
#define HLN_DAEMON_H

#include <stdbool.h>
#include <stdint.h>

#include "node/config.h"
#include "node/control.h"
#include "node/hlnd/transport.h"

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

/* The daemon hlnd_run runs, without its loop and its signal handlers: for
 * the tests and fuzzers of hlnd's own handlers (tests/fuzz/fuzz_hlnd_*.c),
 * which feed one control request or one peer's message at a time to the
 * very functions the loop calls. */
typedef struct hlnd hlnd;

/* Start as hlnd_run does (lock, store, transport, sync engine, control
 * socket, listening where configured) and return the daemon in *out (close
 * it with hlnd_close). The codes of hlnd_run, with the reason in `err`. */
int hlnd_open(const hlnd_args *a, hlnd **out, char *err, size_t errlen);

/* The control socket's server, whose hln_control_answer runs the daemon's
 * command handler on one request. Owned by the daemon. */
hln_control *hlnd_control(hlnd *d);

/* One event from the transport, as the loop gets it: HLN_TEV_UP, _DOWN,
 * _MSG (`data`, `len`: one message from peer `id`), _BAD, _REFUSED. */
void hlnd_transport_event(hlnd *d, hln_tev ev, const uint8_t id[HLN_KEY_LEN], const uint8_t *data,
                          size_t len);

/* Stop what hlnd_open started; *d = NULL. */
void hlnd_close(hlnd **d);

#endif
