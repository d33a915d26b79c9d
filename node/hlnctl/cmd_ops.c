/* ops_cmds.c - hlnctl backup, restore and metrics; the catch-up mark; the Prometheus text page. */
#include "node/hlnctl/cli.h"
#include "node/hlnctl/cmd_ops.h"

#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "crypto/crypto.h"
#include "crypto/err.h"
#include "node/control.h"
#include "node/hlnctl/cmd_peer.h"
#include "node/node.h"

#define OPS_TIMEOUT_MS 3000
#define OPS_PATH_MAX 4096

static bool is_help(const char *a)
{
    return !strcmp(a, "-h") || !strcmp(a, "--help");
}

/* ---- the catch-up mark ---------------------------------------------------- */

bool hln_ops_catch_up_pending(hln_store *s)
{
    char v[8];
    size_t vlen = 0;
    return hln_store_kv_get(s, HLN_TABLE_META, HLN_META_CATCH_UP, strlen(HLN_META_CATCH_UP), v,
                            sizeof v, &vlen) == 0;
}

int hln_ops_catch_up_set(hln_store *s, bool pending)
{
    int rc;
    if (pending)
        return hln_store_kv_put(s, HLN_TABLE_META, HLN_META_CATCH_UP, strlen(HLN_META_CATCH_UP),
                                "1", 1);
    rc = hln_store_kv_del(s, HLN_TABLE_META, HLN_META_CATCH_UP, strlen(HLN_META_CATCH_UP));
    return rc == HLN_ENOTFOUND ? 0 : rc;
}

/* ---- metrics -------------------------------------------------------------- */

void hln_metrics_refusal(uint64_t refusals[HLN_OPS_REASONS], int rc)
{
    if (rc < 0 && -rc < HLN_OPS_REASONS)
        refusals[-rc]++;
}

static void metric(FILE *f, const char *name, const char *type, const char *help, uint64_t v)
{
    fprintf(f, "# HELP %s %s\n# TYPE %s %s\n%s %llu\n", name, help, name, type, name,
            (unsigned long long)v);
}

/* Reasons always shown (0 included), so that a dashboard's series exist
 * before the first refusal; any other reason appears once it is counted. */
static const int shown_reasons[] = {HLN_EDECODE, HLN_ESIG,    HLN_EHASH,    HLN_ETRUST,
                                    HLN_EPOLICY, HLN_ETOOBIG, HLN_EVERSION, HLN_ERANGE};

int hln_metrics_format(const hln_metrics *m, char **text, size_t *len)
{
    char *buf = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&buf, &n);
    if (!f)
        return HLN_ENOMEM;
    metric(f, "hln_up", "gauge", "Whether hlnd runs on this data directory (1) or not (0).", m->up);
    metric(f, "hln_store_records", "gauge", "Records held in the store.", m->records);
    metric(f, "hln_store_feeds", "gauge", "Feeds held in the store.", m->feeds);
    metric(f, "hln_catch_up_pending", "gauge",
           "1 while a restored store refuses to publish until its own feeds are caught up.",
           m->catch_up);
    if (m->up) {
        metric(f, "hln_uptime_seconds", "gauge", "Seconds since hlnd started.", m->uptime_s);
        metric(f, "hln_peers", "gauge", "Peers configured or connected.", m->peers);
        metric(f, "hln_peers_up", "gauge", "Peers with a live session.", m->peers_up);
        metric(f, "hln_records_behind", "gauge",
               "Records the peers announce in wanted feeds that this node does not hold yet.",
               m->behind);
        metric(f, "hln_records_received_total", "counter",
               "Records received from peers and stored.", m->records_received);
        metric(f, "hln_records_duplicate_total", "counter",
               "Records received from peers that were held already.", m->records_duplicate);
        fprintf(f, "# HELP hln_refusals_total Records and messages from peers refused, by reason.\n"
                   "# TYPE hln_refusals_total counter\n");
        bool shown[HLN_OPS_REASONS] = {false};
        for (size_t i = 0; i < sizeof shown_reasons / sizeof shown_reasons[0]; i++)
            shown[-shown_reasons[i]] = true;
        for (int i = 1; i < HLN_OPS_REASONS; i++)
            if (shown[i] || m->refusals[i])
                fprintf(f, "hln_refusals_total{reason=\"%s\"} %llu\n", hln_errname(-i),
                        (unsigned long long)m->refusals[i]);
        fprintf(f, "hln_refusals_total{reason=\"unwanted\"} %llu\n",
                (unsigned long long)m->records_unwanted);
        metric(f, "hln_forks_detected_total", "counter",
               "Fork proofs found or learnt: two records for one feed and seq.", m->forks_detected);
        metric(f, "hln_sync_received_bytes_total", "counter",
               "Bytes of sync messages received from peers.", m->bytes_in);
        metric(f, "hln_sync_sent_bytes_total", "counter", "Bytes of sync messages sent to peers.",
               m->bytes_out);
        metric(f, "hln_sync_received_messages_total", "counter",
               "Sync messages received from peers.", m->msgs_in);
        metric(f, "hln_sync_sent_messages_total", "counter", "Sync messages sent to peers.",
               m->msgs_out);
        metric(f, "hln_sync_requests_sent_total", "counter", "Record requests sent to peers.",
               m->requests_sent);
        metric(f, "hln_sync_requests_timed_out_total", "counter",
               "Record requests that went unanswered and were retried.", m->requests_timed_out);
        metric(f, "hln_sync_requests_served_total", "counter", "Record requests served to peers.",
               m->requests_served);
    }
    if (fclose(f) != 0 || !buf) {
        free(buf);
        return HLN_ENOMEM;
    }
    *text = buf;
    if (len)
        *len = n;
    return 0;
}

int hln_metrics_write_file(const char *path, const char *text, size_t len)
{
    char tmp[OPS_PATH_MAX];
    int n = snprintf(tmp, sizeof tmp, "%s.%ld.tmp", path, (long)getpid());
    if (n < 0 || (size_t)n >= sizeof tmp)
        return HLN_ETOOBIG;
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd < 0)
        return HLN_EIO;
    int rc = 0;
    /* hlnd runs under umask 077; node_exporter is another user. Metrics
     * hold counts only, nothing secret. */
    if (fchmod(fd, 0644) != 0)
        rc = HLN_EIO;
    for (size_t off = 0; rc == 0 && off < len;) {
        ssize_t w = write(fd, text + off, len - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            rc = HLN_EIO;
        else
            off += (size_t)w;
    }
    if (rc == 0 && fsync(fd) != 0)
        rc = HLN_EIO;
    int e = errno;
    if (close(fd) != 0 && rc == 0)
        rc = HLN_EIO;
    if (rc == 0 && rename(tmp, path) != 0)
        rc = HLN_EIO;
    if (rc != 0) {
        e = errno;
        unlink(tmp);
        errno = e;
    }
    return rc;
}

/* ---- hlnctl metrics ------------------------------------------------------- */

static int store_path(const char *datadir, const char *leaf, char *out, size_t cap)
{
    int n = snprintf(out, cap, "%s/%s", datadir, leaf);
    return n < 0 || (size_t)n >= cap ? HLN_ETOOBIG : 0;
}

/* The subset the store answers without hlnd: feeds, records, the mark. The
 * secret key is not needed, so a monitoring user with read access to the
 * store can run it. */
static int offline_metrics(const char *datadir, hln_metrics *m)
{
    char path[OPS_PATH_MAX];
    hln_store *s = NULL;
    int rc = store_path(datadir, HLN_NODE_STORE_DIR, path, sizeof path);
    if (rc == 0)
        rc = hln_store_open(path, HLN_STORE_RDONLY, &s);
    if (rc == 0) {
        rc = hln_store_counts(s, &m->feeds, &m->records);
        m->catch_up = hln_ops_catch_up_pending(s);
        hln_store_close(&s);
    }
    return rc;
}

int hln_cli_metrics(const char *datadir, int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (is_help(argv[i])) {
            printf("usage: hlnctl [-d DIR] metrics\n"
                   "Print the node's metrics in the Prometheus text format: from hlnd if it runs,\n"
                   "else the store's records and feeds with hln_up 0.\n");
            return 0;
        }
        fprintf(stderr, "hlnctl: unexpected argument '%s'\nusage: hlnctl [-d DIR] metrics\n",
                argv[i]);
        return 2;
    }
    char err[256] = "";
    json_object *rep = NULL, *t = NULL;
    int rc = hln_control_call(datadir, "metrics", OPS_TIMEOUT_MS, &rep, err, sizeof err);
    if (rc == 0) {
        if (!json_object_object_get_ex(rep, "text", &t) ||
            !json_object_is_type(t, json_type_string)) {
            hln_warnx("hlnd sent metrics without text");
            json_object_put(rep);
            return 1;
        }
        fputs(json_object_get_string(t), stdout);
        json_object_put(rep);
        return 0;
    }
    /* hlnd down (or not answering): what the store says, with hln_up 0. */
    bool down = rc == HLN_ESTATE;
    if (!down)
        hln_warnx("hlnd did not answer: %s", err[0] ? err : hln_strerror(rc));
    hln_metrics m;
    memset(&m, 0, sizeof m);
    if ((rc = offline_metrics(datadir, &m)) != 0) {
        hln_warnx("%s/%s: %s", datadir, HLN_NODE_STORE_DIR, hln_strerror(rc));
        return 1;
    }
    char *text = NULL;
    if ((rc = hln_metrics_format(&m, &text, NULL)) != 0) {
        hln_warnx("%s", hln_strerror(rc));
        return 1;
    }
    fputs(text, stdout);
    free(text);
    return down ? 0 : 1;
}

/* ---- backup --------------------------------------------------------------- */

typedef struct {
    bool json;
    json_object *problems;
    size_t n;
} vctx;

static void verify_line(void *ctx, const char *line)
{
    vctx *v = ctx;
    v->n++;
    if (v->json)
        json_object_array_add(v->problems, json_object_new_string(line));
    else
        hln_warnx("%s", line);
}

/* Open the store at `path` read-only, count and (if asked) verify it.
 * Returns the number of problems (>= 0) or an error. */
static int check_copy(const char *path, bool verify, vctx *v, uint64_t *feeds, uint64_t *records)
{
    hln_store *s = NULL;
    int rc = hln_store_open(path, HLN_STORE_RDONLY, &s);
    if (rc != 0)
        return rc;
    rc = hln_store_counts(s, feeds, records);
    if (rc == 0 && verify)
        rc = hln_store_verify(s, verify_line, v);
    hln_store_close(&s);
    return rc;
}

/* Put the catch-up mark into a fresh copy, then leave it as one data file:
 * the lock file LMDB made while we had it open goes. */
static int mark_copy(const char *path)
{
    hln_store *s = NULL;
    int rc = hln_store_open(path, 0, &s);
    if (rc == 0) {
        rc = hln_ops_catch_up_set(s, true);
        hln_store_close(&s);
    }
    return rc;
}

static void drop_lock_file(const char *path)
{
    char lock[OPS_PATH_MAX];
    if (store_path(path, "lock.mdb", lock, sizeof lock) == 0)
        unlink(lock);
}

static uint64_t file_size(const char *dir, const char *leaf)
{
    char p[OPS_PATH_MAX];
    struct stat st;
    if (store_path(dir, leaf, p, sizeof p) != 0 || stat(p, &st) != 0)
        return 0;
    return (uint64_t)st.st_size;
}

static void backup_usage(FILE *f)
{
    fprintf(f, "usage: hlnctl [-d DIR] backup PATH [--no-verify] [--json]\n"
               "Copy the store, compacted, into the new directory PATH (it holds data.mdb), while\n"
               "hlnd runs or not. The copy is verified unless --no-verify. Restore it with\n"
               "hlnctl restore PATH (docs/OPERATIONS.md).\n"
               "  --no-verify         skip the full re-check of the copy\n"
               "  --json              path, feeds, records, bytes, verified, problems\n");
}

int hln_cli_backup(const char *datadir, int argc, char **argv, bool json)
{
    const char *path = NULL;
    bool verify = true;
    for (int i = 1; i < argc; i++) {
        if (is_help(argv[i])) {
            backup_usage(stdout);
            return 0;
        } else if (!strcmp(argv[i], "--json"))
            json = true;
        else if (!strcmp(argv[i], "--no-verify"))
            verify = false;
        else if (argv[i][0] == '-' && argv[i][1]) {
            hln_warnx("unknown option '%s'", argv[i]);
            backup_usage(stderr);
            return 2;
        } else if (path) {
            hln_warnx("unexpected argument '%s'", argv[i]);
            backup_usage(stderr);
            return 2;
        } else
            path = argv[i];
    }
    if (!path || !path[0]) {
        hln_warnx("backup: where to? (a path that does not exist yet)");
        backup_usage(stderr);
        return 2;
    }
    hln_node *n = NULL;
    char err[512] = "";
    int rc = hln_node_open(datadir, HLN_NODE_RDONLY, &n, err, sizeof err);
    if (rc < 0) {
        hln_warnx("%s", err[0] ? err : hln_strerror(rc));
        return 1;
    }
    /* The copy holds what the store holds: private like it. */
    mode_t old = umask(077);
    rc = hln_store_backup(hln_node_store(n), path);
    umask(old);
    hln_node_close(&n);
    if (rc != 0) {
        if (rc == HLN_EEXIST)
            hln_warnx("%s: exists already; a backup goes to a new path", path);
        else
            hln_warnx("%s: backup failed: %s", path, hln_strerror(rc));
        return 1;
    }
    if ((rc = mark_copy(path)) != 0) {
        hln_warnx("%s: cannot mark the copy as a backup: %s", path, hln_strerror(rc));
        return 1;
    }
    vctx v = {json, json ? json_object_new_array() : NULL, 0};
    uint64_t feeds = 0, records = 0;
    int problems = check_copy(path, verify, &v, &feeds, &records);
    drop_lock_file(path);
    if (problems < 0) {
        hln_warnx("%s: the copy does not open: %s", path, hln_strerror(problems));
        json_object_put(v.problems);
        return 1;
    }
    uint64_t bytes = file_size(path, "data.mdb");
    if (json) {
        json_object *j = json_object_new_object();
        json_object_object_add(j, "path", json_object_new_string(path));
        json_object_object_add(j, "feeds", json_object_new_uint64(feeds));
        json_object_object_add(j, "records", json_object_new_uint64(records));
        json_object_object_add(j, "bytes", json_object_new_uint64(bytes));
        json_object_object_add(j, "verified", json_object_new_boolean(verify && problems == 0));
        json_object_object_add(j, "problems", v.problems);
        hln_print_json(j);
    } else if (problems == 0) {
        printf("backup: %s: %llu records in %llu feeds, %llu bytes%s\n", path,
               (unsigned long long)records, (unsigned long long)feeds, (unsigned long long)bytes,
               verify ? ", verified" : "");
    }
    if (problems > 0) {
        hln_warnx("%s: the copy has %d problem%s; do not rely on it", path, problems,
              problems == 1 ? "" : "s");
        return 1;
    }
    return 0;
}

/* ---- restore -------------------------------------------------------------- */

static void restore_usage(FILE *f)
{
    fprintf(f,
            "usage: hlnctl [-d DIR] restore PATH [--no-verify] [--json]\n"
            "       hlnctl [-d DIR] restore --done\n"
            "Replace the store of DIR with the backup PATH (made by hlnctl backup) while hlnd\n"
            "is stopped. The old store is kept as DIR/store.before-restore-TIME. Until hlnd has\n"
            "pulled back from its peers what this node published after the backup, publishing\n"
            "is refused; --done lifts that by hand (only if no peer holds newer records).\n"
            "  --no-verify         skip the full re-check of the restored store\n"
            "  --json              path, store, moved_aside, feeds, records\n");
}

/* The node id the backup's store was made for (META node.id). */
static int backup_owner(hln_store *s, uint8_t pk[HLN_KEY_LEN])
{
    size_t vlen = 0;
    int rc = hln_store_kv_get(s, HLN_TABLE_META, HLN_META_ID, strlen(HLN_META_ID), pk, HLN_KEY_LEN,
                              &vlen);
    return rc == 0 && vlen != HLN_KEY_LEN ? HLN_EDECODE : rc;
}

static int restore_done(const char *datadir, bool json)
{
    hln_node *n = NULL;
    char err[512] = "";
    int rc = hln_node_open(datadir, 0, &n, err, sizeof err);
    if (rc < 0) {
        hln_warnx("%s", err[0] ? err : hln_strerror(rc));
        return 1;
    }
    bool was = hln_ops_catch_up_pending(hln_node_store(n));
    rc = hln_ops_catch_up_set(hln_node_store(n), false);
    hln_node_close(&n);
    if (rc != 0) {
        hln_warnx("store: %s", hln_strerror(rc));
        return 1;
    }
    if (json) {
        json_object *j = json_object_new_object();
        json_object_object_add(j, "catch_up_was_pending", json_object_new_boolean(was));
        hln_print_json(j);
    } else
        printf("%s\n", was ? "catch-up mark lifted: this node may publish again"
                           : "no catch-up was pending");
    return 0;
}

int hln_cli_restore(const char *datadir, int argc, char **argv, bool json)
{
    const char *path = NULL;
    bool verify = true, done = false;
    for (int i = 1; i < argc; i++) {
        if (is_help(argv[i])) {
            restore_usage(stdout);
            return 0;
        } else if (!strcmp(argv[i], "--json"))
            json = true;
        else if (!strcmp(argv[i], "--no-verify"))
            verify = false;
        else if (!strcmp(argv[i], "--done"))
            done = true;
        else if (argv[i][0] == '-' && argv[i][1]) {
            hln_warnx("unknown option '%s'", argv[i]);
            restore_usage(stderr);
            return 2;
        } else if (path) {
            hln_warnx("unexpected argument '%s'", argv[i]);
            restore_usage(stderr);
            return 2;
        } else
            path = argv[i];
    }
    if (done && path) {
        hln_warnx("restore: --done takes no backup path");
        restore_usage(stderr);
        return 2;
    }
    if (done)
        return restore_done(datadir, json);
    if (!path || !path[0]) {
        hln_warnx("restore: from which backup?");
        restore_usage(stderr);
        return 2;
    }
    if (hln_cli_daemon_running(datadir)) {
        hln_warnx("hlnd runs on %s: stop it first (systemctl stop hlnd)", datadir);
        return 1;
    }
    if (hln_crypto_init() != 0) {
        hln_warnx("libsodium did not initialise");
        return 1;
    }
    char keyp[OPS_PATH_MAX], storep[OPS_PATH_MAX], newp[OPS_PATH_MAX], oldp[OPS_PATH_MAX];
    time_t now = time(NULL);
    struct tm tm;
    char stamp[32];
    gmtime_r(&now, &tm);
    strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm);
    if (store_path(datadir, HLN_NODE_KEY_FILE, keyp, sizeof keyp) != 0 ||
        store_path(datadir, HLN_NODE_STORE_DIR, storep, sizeof storep) != 0 ||
        store_path(datadir, HLN_NODE_STORE_DIR ".restoring", newp, sizeof newp) != 0 ||
        snprintf(oldp, sizeof oldp, "%s.before-restore-%s", storep, stamp) >= (int)sizeof oldp) {
        hln_warnx("%s: path too long", datadir);
        return 1;
    }
    /* The identity stays: the backup must be this node's. */
    hln_identity *id = NULL;
    int rc = hln_identity_load(keyp, &id);
    if (rc != 0) {
        hln_warnx("%s: %s", keyp,
              rc == HLN_EPERM ? "refused: the key file must be a regular file of mode 0600"
                              : hln_strerror(rc));
        return 1;
    }
    uint8_t pk[HLN_KEY_LEN], owner[HLN_KEY_LEN];
    memcpy(pk, hln_identity_pk(id), HLN_KEY_LEN);
    hln_identity_destroy(&id);
    hln_store *b = NULL;
    if ((rc = hln_store_open(path, HLN_STORE_RDONLY, &b)) != 0) {
        hln_warnx("%s: not a backup that opens: %s", path, hln_strerror(rc));
        return 1;
    }
    if ((rc = backup_owner(b, owner)) != 0 || memcmp(owner, pk, HLN_KEY_LEN) != 0) {
        hln_store_close(&b);
        hln_warnx("%s: the backup belongs to another node (or to none)", path);
        return 1;
    }
    /* Copied again rather than moved: the backup stays usable, and each
     * restore gets its own incarnation id, so peers forget what they
     * remember about this node even when one backup is restored twice. */
    mode_t old = umask(077);
    rc = hln_store_backup(b, newp);
    umask(old);
    hln_store_close(&b);
    drop_lock_file(path);
    if (rc != 0) {
        hln_warnx("%s: %s", newp,
              rc == HLN_EEXIST ? "left over from an interrupted restore; remove it"
                               : hln_strerror(rc));
        return 1;
    }
    if ((rc = mark_copy(newp)) != 0) {
        hln_warnx("%s: %s", newp, hln_strerror(rc));
        return 1;
    }
    vctx v = {json, json ? json_object_new_array() : NULL, 0};
    uint64_t feeds = 0, records = 0;
    int problems = check_copy(newp, verify, &v, &feeds, &records);
    json_object_put(v.problems);
    drop_lock_file(newp);
    if (problems != 0) {
        hln_warnx("%s: the backup %s; the store was not replaced", path,
              problems < 0 ? hln_strerror(problems) : "does not verify");
        return 1;
    }
    struct stat st;
    bool had = stat(storep, &st) == 0;
    if (had && rename(storep, oldp) != 0) {
        hln_warnx("%s: cannot move it aside: %s", storep, strerror(errno));
        return 1;
    }
    if (rename(newp, storep) != 0) {
        hln_warnx("%s: cannot move the restored store in: %s", storep, strerror(errno));
        return 1;
    }
    if (json) {
        json_object *j = json_object_new_object();
        json_object_object_add(j, "path", json_object_new_string(path));
        json_object_object_add(j, "store", json_object_new_string(storep));
        json_object_object_add(j, "moved_aside", had ? json_object_new_string(oldp) : NULL);
        json_object_object_add(j, "feeds", json_object_new_uint64(feeds));
        json_object_object_add(j, "records", json_object_new_uint64(records));
        json_object_object_add(j, "catch_up_pending", json_object_new_boolean(true));
        hln_print_json(j);
    } else {
        printf("restored %s: %llu records in %llu feeds%s\n", storep, (unsigned long long)records,
               (unsigned long long)feeds, verify ? ", verified" : "");
        if (had)
            printf("the old store is in %s\n", oldp);
        printf("start hlnd: publishing waits until it has caught up this node's own feeds\n");
    }
    return 0;
}
