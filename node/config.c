/* config.c - hlnd's INI configuration: a table of keys, strict values, FILE:LINE messages. */
#include "node/config.h"

#include <errno.h>
#include <fcntl.h>
#include <ini.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crypto/err.h"

/* inih reads lines into a fixed buffer and silently splits longer ones, so
 * over-long lines are refused before inih sees them. */
#define LINE_MAX_BYTES 190

typedef enum { T_U32, T_PATH, T_ENDPOINT, T_LOGLEVEL } key_type;

typedef struct {
    const char *section, *name;
    key_type type;
    size_t off;
    uint32_t min, max; /* T_U32 only */
} key_def;

#define U32(s, n, field, lo, hi)                                                                   \
    {                                                                                              \
        s, n, T_U32, offsetof(hln_config, field), lo, hi                                           \
    }
static const key_def keys[] = {
    {"node", "data_dir", T_PATH, offsetof(hln_config, data_dir), 0, 0},
    {"node", "listen", T_ENDPOINT, offsetof(hln_config, listen), 0, 0},
    {"node", "log_level", T_LOGLEVEL, offsetof(hln_config, log_level), 0, 0},
    {"node", "metrics_file", T_PATH, offsetof(hln_config, metrics_file), 0, 0},
    U32("node", "metrics_interval_ms", metrics_interval_ms, 1000, 3600000),
    U32("node", "index_check_ms", index_check_ms, 1000, 86400000),
    U32("gossip", "tick_ms", tick_ms, 10, 60000),
    U32("gossip", "fanout", fanout, 1, 64),
    U32("gossip", "anti_entropy_ms", anti_entropy_ms, 100, 3600000),
    U32("gossip", "batch_size", batch_size, 1, 4096),
    U32("gossip", "max_inflight", max_inflight, 1, 1000000),
    U32("net", "max_message", max_message, 65536, 64u << 20),
    U32("net", "heartbeat_ivl_ms", heartbeat_ivl_ms, 100, 600000),
    U32("net", "heartbeat_timeout_ms", heartbeat_timeout_ms, 100, 3600000),
    U32("net", "heartbeat_ttl_ms", heartbeat_ttl_ms, 100, 6553500),
    U32("net", "reconnect_ivl_ms", reconnect_ivl_ms, 10, 600000),
    U32("net", "reconnect_ivl_max_ms", reconnect_ivl_max_ms, 10, 3600000),
    U32("net", "handshake_ms", handshake_ms, 100, 600000),
    U32("net", "linger_ms", linger_ms, 0, 60000),
    U32("net", "sndhwm", sndhwm, 10, 1000000),
    U32("net", "bad_limit", bad_limit, 1, 1000000),
    U32("net", "drop_ms", drop_ms, 0, 86400000),
    U32("net", "discovery_peers", discovery_peers, 0, 1024),
};
#define NKEYS (sizeof keys / sizeof keys[0])

static const char *const level_names[] = {"emerg",   "alert",  "crit", "err",
                                          "warning", "notice", "info", "debug"};

const char *hln_config_level_name(int level)
{
    return level >= 0 && level < 8 ? level_names[level] : "?";
}

void hln_config_defaults(hln_config *c)
{
    memset(c, 0, sizeof *c);
    c->log_level = 6;
    c->metrics_interval_ms = 15000;
    c->index_check_ms = 3600000;
    c->tick_ms = 50; /* measured: docs/PERFORMANCE.md, "Gossip timers" */
    c->fanout = 3;
    c->anti_entropy_ms = 2000;
    c->batch_size = 512;
    c->max_inflight = 4096;
    c->max_message = 1u << 20; /* HLN_WIRE_MAX: nothing larger is a valid message */
    c->heartbeat_ivl_ms = 2000;
    c->heartbeat_timeout_ms = 10000;
    c->heartbeat_ttl_ms = 20000;
    c->reconnect_ivl_ms = 100;
    c->reconnect_ivl_max_ms = 10000;
    c->handshake_ms = 10000;
    c->linger_ms = 500;
    c->sndhwm = 10000;
    c->bad_limit = 20;
    c->drop_ms = 60000;
    c->discovery_peers = 8;
}

/* Printable ASCII without spaces or quotes: an endpoint or a path goes into
 * logs and ZeroMQ calls, so anything else is refused rather than escaped. */
static int plain_text(const char *s)
{
    for (; *s; s++)
        if (*s <= ' ' || *s > '~' || *s == '"' || *s == '\\')
            return 0;
    return 1;
}

int hln_config_endpoint_valid(const char *ep)
{
    size_t n = strlen(ep);
    if (n == 0 || n >= HLN_CONFIG_ENDPOINT_MAX || !plain_text(ep))
        return 0;
    if (strncmp(ep, "ipc://", 6) == 0)
        return n > 6;
    if (strncmp(ep, "tcp://", 6) != 0)
        return 0;
    const char *colon = strrchr(ep + 6, ':');
    if (!colon || colon == ep + 6 || colon[1] == '\0')
        return 0;
    if (strcmp(colon + 1, "*") == 0)
        return 1;
    unsigned long port = 0;
    for (const char *p = colon + 1; *p; p++) {
        if (*p < '0' || *p > '9' || p - colon > 5)
            return 0;
        port = port * 10 + (unsigned long)(*p - '0');
    }
    return port >= 1 && port <= 65535;
}

static int parse_u32(const char *v, uint32_t *out)
{
    if (*v == '\0')
        return -1;
    uint64_t x = 0;
    for (const char *p = v; *p; p++) {
        if (*p < '0' || *p > '9')
            return -1;
        x = x * 10 + (uint64_t)(*p - '0');
        if (x > UINT32_MAX)
            return -1;
    }
    *out = (uint32_t)x;
    return 0;
}

typedef struct {
    hln_config *c;
    char msg[160];
    unsigned char seen[NKEYS];
} parse_ctx;

/* inih calls this once per name=value; returning 0 marks the line as the
 * error line, and only the first message is kept (parsing stops there). */
static int on_key(void *user, const char *section, const char *name, const char *value)
{
    parse_ctx *ctx = user;
    size_t i;
    for (i = 0; i < NKEYS; i++)
        if (strcmp(keys[i].section, section) == 0 && strcmp(keys[i].name, name) == 0)
            break;
    if (i == NKEYS) {
        /* Section and key come from the file: bound them in the message. */
        snprintf(ctx->msg, sizeof ctx->msg, "unknown key [%.32s] %.32s", section, name);
        return 0;
    }
    if (ctx->seen[i]) {
        snprintf(ctx->msg, sizeof ctx->msg, "duplicate key %s", name);
        return 0;
    }
    ctx->seen[i] = 1;
    const key_def *k = &keys[i];
    char *field = (char *)ctx->c + k->off;
    switch (k->type) {
    case T_U32: {
        uint32_t x;
        if (parse_u32(value, &x) != 0) {
            snprintf(ctx->msg, sizeof ctx->msg, "%s: not a whole number", name);
            return 0;
        }
        if (x < k->min || x > k->max) {
            snprintf(ctx->msg, sizeof ctx->msg, "%s: %u outside %u..%u", name, (unsigned)x,
                     (unsigned)k->min, (unsigned)k->max);
            return 0;
        }
        memcpy(field, &x, sizeof x);
        return 1;
    }
    case T_PATH:
        if (value[0] != '/' || strlen(value) >= HLN_CONFIG_PATH_MAX || !plain_text(value)) {
            snprintf(ctx->msg, sizeof ctx->msg,
                     "%s: must be an absolute path without spaces, under %d bytes", name,
                     HLN_CONFIG_PATH_MAX);
            return 0;
        }
        strcpy(field, value);
        return 1;
    case T_ENDPOINT:
        if (value[0] != '\0' && !hln_config_endpoint_valid(value)) {
            snprintf(ctx->msg, sizeof ctx->msg,
                     "%s: not an endpoint (tcp://HOST:PORT or ipc://PATH)", name);
            return 0;
        }
        strcpy(field, value);
        return 1;
    case T_LOGLEVEL:
        for (int l = 3; l < 8; l++)
            if (strcmp(value, level_names[l]) == 0) {
                memcpy(field, &l, sizeof l);
                return 1;
            }
        snprintf(ctx->msg, sizeof ctx->msg, "%s: one of err, warning, notice, info, debug", name);
        return 0;
    }
    return 0;
}

int hln_config_parse(hln_config *c, const char *name, const char *text, char *err, size_t errlen)
{
    /* Pre-scan: line lengths and control characters, which inih would
     * otherwise split or pass through. */
    int line = 1;
    size_t col = 0;
    for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
        if (*p == '\n') {
            line++;
            col = 0;
            continue;
        }
        if (++col > LINE_MAX_BYTES) {
            snprintf(err, errlen, "%s:%d: line longer than %d bytes", name, line, LINE_MAX_BYTES);
            return HLN_ECONFIG;
        }
        if ((*p < ' ' && *p != '\t' && *p != '\r') || *p == 0x7f) {
            snprintf(err, errlen, "%s:%d: control character in line", name, line);
            return HLN_ECONFIG;
        }
    }
    /* Continuation lines would silently join values; a key without '=' is
     * an error. These are inih's process-wide switches. */
    ini_allow_multiline = false;
    ini_stop_on_first_error = true;
    ini_allow_no_value = false;
    parse_ctx ctx = {.c = c};
    int rc = ini_parse_string(text, on_key, &ctx);
    if (rc == 0) {
        char m[160];
        if (hln_config_validate(c, m, sizeof m) != 0) {
            snprintf(err, errlen, "%s: %s", name, m);
            return HLN_ECONFIG;
        }
        return 0;
    }
    if (rc < 0) {
        snprintf(err, errlen, "%s: cannot parse (out of memory)", name);
        return HLN_ENOMEM;
    }
    snprintf(err, errlen, "%s:%d: %s", name, rc, ctx.msg[0] ? ctx.msg : "syntax error");
    return HLN_ECONFIG;
}

int hln_config_validate(const hln_config *c, char *err, size_t errlen)
{
    if (c->heartbeat_timeout_ms <= c->heartbeat_ivl_ms) {
        snprintf(err, errlen, "heartbeat_timeout_ms must be above heartbeat_ivl_ms");
        return HLN_ECONFIG;
    }
    if (c->reconnect_ivl_max_ms < c->reconnect_ivl_ms) {
        snprintf(err, errlen, "reconnect_ivl_max_ms must be at least reconnect_ivl_ms");
        return HLN_ECONFIG;
    }
    if (c->anti_entropy_ms < c->tick_ms) {
        snprintf(err, errlen, "anti_entropy_ms must be at least tick_ms");
        return HLN_ECONFIG;
    }
    return 0;
}

int hln_config_load(hln_config *c, const char *path, char *err, size_t errlen)
{
    int rc = HLN_EIO;
    char *buf = NULL;
    /* O_NONBLOCK: a FIFO in place of the file must not hang a reload. */
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        goto out;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        snprintf(err, errlen, "%s: not a regular file", path);
        goto out;
    }
    if (st.st_size > HLN_CONFIG_FILE_MAX) {
        snprintf(err, errlen, "%s: larger than %d bytes", path, HLN_CONFIG_FILE_MAX);
        rc = HLN_ECONFIG;
        goto out;
    }
    buf = malloc((size_t)st.st_size + 1);
    if (!buf) {
        rc = HLN_ENOMEM;
        goto out;
    }
    size_t got = 0;
    while (got < (size_t)st.st_size) {
        ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            snprintf(err, errlen, "%s: read failed", path);
            goto out;
        }
        got += (size_t)n;
    }
    buf[got] = '\0';
    if (memchr(buf, '\0', got)) {
        snprintf(err, errlen, "%s: contains a NUL byte", path);
        rc = HLN_ECONFIG;
        goto out;
    }
    rc = hln_config_parse(c, path, buf, err, errlen);
out:
    free(buf);
    if (fd >= 0)
        close(fd);
    return rc;
}
