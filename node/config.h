/* config.h - hlnd's INI configuration: defaults, strict parsing with FILE:LINE messages. */
#ifndef HLN_CONFIG_H
#define HLN_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HLN_CONFIG_PATH_MAX 256
#define HLN_CONFIG_ENDPOINT_MAX 128
#define HLN_CONFIG_FILE_MAX 65536 /* a config file larger than this is refused */

/* Every setting hlnd has, with its unit in the name. docs/RUNNING.md lists
 * them with their sections, defaults and ranges. */
typedef struct {
    /* [node] */
    char data_dir[HLN_CONFIG_PATH_MAX];     /* "" : must come from -d */
    char listen[HLN_CONFIG_ENDPOINT_MAX];   /* "" : no listener (outgoing peers only) */
    int log_level;                          /* syslog priority: 3 err .. 7 debug */
    char metrics_file[HLN_CONFIG_PATH_MAX]; /* "" : none; Prometheus text, rewritten atomically */
    uint32_t metrics_interval_ms;           /* how often metrics_file is rewritten */
    uint32_t index_check_ms;                /* background check of records and index */
    /* [gossip] */
    uint32_t tick_ms;         /* timer tick handed to the sync engine */
    uint32_t fanout;          /* anti-entropy: random peers per round */
    uint32_t anti_entropy_ms; /* interval between anti-entropy rounds */
    uint32_t batch_size;      /* records per message and per store transaction */
    uint32_t max_inflight;    /* records in flight per peer */
    /* [net] */
    uint32_t max_message;          /* ZMQ_MAXMSGSIZE, bytes */
    uint32_t heartbeat_ivl_ms;     /* ZMQ_HEARTBEAT_IVL */
    uint32_t heartbeat_timeout_ms; /* ZMQ_HEARTBEAT_TIMEOUT */
    uint32_t heartbeat_ttl_ms;     /* ZMQ_HEARTBEAT_TTL */
    uint32_t reconnect_ivl_ms;     /* ZMQ_RECONNECT_IVL */
    uint32_t reconnect_ivl_max_ms; /* ZMQ_RECONNECT_IVL_MAX (exponential backoff) */
    uint32_t handshake_ms;         /* ZMQ_HANDSHAKE_IVL */
    uint32_t linger_ms;            /* ZMQ_LINGER on close */
    uint32_t sndhwm;               /* ZMQ_SNDHWM, messages queued per peer */
    uint32_t bad_limit;            /* bad messages from a peer before it is dropped */
    uint32_t drop_ms;              /* how long a dropped peer is ignored */
    uint32_t discovery_peers;      /* peers dialed from address records at most; 0: none */
} hln_config;

/* Fill `c` with the defaults. */
void hln_config_defaults(hln_config *c);

/* Parse the INI text `text` (NUL-terminated, `name` used in messages) over
 * the values already in `c`. Unknown sections or keys, bad values, values out
 * of range, over-long lines and syntax errors are refused: HLN_ECONFIG with
 * "NAME:LINE: message" in `err`. On failure `c` may be partly updated. */
int hln_config_parse(hln_config *c, const char *name, const char *text, char *err, size_t errlen);

/* Read and parse the file at `path` (at most HLN_CONFIG_FILE_MAX bytes).
 * HLN_EIO if it cannot be read ("PATH: reason" in `err`), HLN_ECONFIG as above. */
int hln_config_load(hln_config *c, const char *path, char *err, size_t errlen);

/* Cross-field checks (heartbeat timeout above the interval, ...). HLN_ECONFIG
 * with a message in `err`. */
int hln_config_validate(const hln_config *c, char *err, size_t errlen);

/* 1 if `ep` is an endpoint hlnd accepts: tcp://HOST:PORT (PORT 1-65535 or
 * '*') or ipc://PATH, printable ASCII without spaces or quotes. */
int hln_config_endpoint_valid(const char *ep);

/* The syslog name of a priority 0-7 ("info"); "?" otherwise. */
const char *hln_config_level_name(int level);

#endif
