/* cmd_ops.c - hlnctl backup, restore and metrics: operations on a node's store. */
#include "node/hlnctl/cmd_ops.h"
#include "node/hlnctl/cli.h"
#include "node/metrics.h"

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
#include "node/node.h"

#define OPS_TIMEOUT_MS 3000
#define OPS_PATH_MAX 4096

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
        m->catch_up = hln_node_catch_up_pending(s);
        hln_store_close(&s);
    }
    return rc;
}

static void metrics_usage(FILE *f)
{
    fprintf(f, "usage: hlnctl [-d DIR] metrics\n");
    if (f == stdout)
        fprintf(f, "Print the node's metrics in the Prometheus text format: from hlnd if it runs,\n"
                   "else the store's records and feeds with hln_up 0.\n");
}

int hln_cli_metrics(const char *datadir, int argc, char **argv, bool json)
{
    (void)json; /* the Prometheus text format only */
    hln_cli_args a = {.datadir = &datadir, .usage = metrics_usage, .remind = true};
    int r = hln_cli_parse(&a, argc, argv);
    if (r != HLN_CLI_GO)
        return r;
    char err[256] = "";
    json_object *rep = NULL, *t = NULL;
    int rc = hln_control_call(datadir, "metrics", OPS_TIMEOUT_MS, &rep, err, sizeof err);
    if (rc == 0) {
        if (!json_object_object_get_ex(rep, "text", &t) ||
            !json_object_is_type(t, json_type_string)) {
            hln_warnx("hlnd sent metrics without text");
            json_object_put(rep);
            return EXIT_FAIL;
        }
        fputs(json_object_get_string(t), stdout);
        json_object_put(rep);
        return EXIT_OK;
    }
    /* hlnd down (or not answering): what the store says, with hln_up 0. */
    bool down = rc == HLN_ESTATE;
    if (!down)
        hln_warnx("hlnd did not answer: %s", err[0] ? err : hln_strerror(rc));
    hln_metrics m;
    memset(&m, 0, sizeof m);
    if ((rc = offline_metrics(datadir, &m)) != 0) {
        hln_warnx("%s/%s: %s", datadir, HLN_NODE_STORE_DIR, hln_strerror(rc));
        return EXIT_FAIL;
    }
    char *text = NULL;
    if ((rc = hln_metrics_format(&m, &text, NULL)) != 0) {
        hln_warnx("%s", hln_strerror(rc));
        return EXIT_FAIL;
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
        rc = hln_node_catch_up_set(s, true);
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
        return EXIT_OK;
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
    bool no_verify = false;
    const hln_cli_opt opts[] = {HLN_CLI_FLAG("json", &json), HLN_CLI_FLAG("no-verify", &no_verify),
                                HLN_CLI_END};
    hln_cli_args a = {.opts = opts,
                      .pos = &path,
                      .maxpos = 1,
                      .datadir = &datadir,
                      .usage = backup_usage,
                      .remind = true};
    int r = hln_cli_parse(&a, argc, argv);
    if (r != HLN_CLI_GO)
        return r;
    bool verify = !no_verify;
    if (!path || !path[0])
        return hln_cli_usage_error(&a, "backup: where to? (a path that does not exist yet)");
    hln_node *n = NULL;
    char err[512] = "";
    int rc = hln_node_open(datadir, HLN_NODE_RDONLY, &n, err, sizeof err);
    if (rc < 0) {
        hln_warnx("%s", err[0] ? err : hln_strerror(rc));
        return EXIT_FAIL;
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
        return EXIT_FAIL;
    }
    if ((rc = mark_copy(path)) != 0) {
        hln_warnx("%s: cannot mark the copy as a backup: %s", path, hln_strerror(rc));
        return EXIT_FAIL;
    }
    vctx v = {json, json ? json_object_new_array() : NULL, 0};
    uint64_t feeds = 0, records = 0;
    int problems = check_copy(path, verify, &v, &feeds, &records);
    drop_lock_file(path);
    if (problems < 0) {
        hln_warnx("%s: the copy does not open: %s", path, hln_strerror(problems));
        json_object_put(v.problems);
        return EXIT_FAIL;
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
        return EXIT_FAIL;
    }
    return EXIT_OK;
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
        return EXIT_FAIL;
    }
    bool was = hln_node_catch_up_pending(hln_node_store(n));
    rc = hln_node_catch_up_set(hln_node_store(n), false);
    hln_node_close(&n);
    if (rc != 0) {
        hln_warnx("store: %s", hln_strerror(rc));
        return EXIT_FAIL;
    }
    if (json) {
        json_object *j = json_object_new_object();
        json_object_object_add(j, "catch_up_was_pending", json_object_new_boolean(was));
        hln_print_json(j);
    } else
        printf("%s\n", was ? "catch-up mark lifted: this node may publish again"
                           : "no catch-up was pending");
    return EXIT_OK;
}

typedef struct {
    char key[OPS_PATH_MAX], store[OPS_PATH_MAX], fresh[OPS_PATH_MAX], old[OPS_PATH_MAX];
} restore_paths;

static int make_paths(const char *datadir, restore_paths *p)
{
    time_t now = time(NULL);
    struct tm tm;
    char stamp[32];
    gmtime_r(&now, &tm);
    strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm);
    if (store_path(datadir, HLN_NODE_KEY_FILE, p->key, sizeof p->key) != 0 ||
        store_path(datadir, HLN_NODE_STORE_DIR, p->store, sizeof p->store) != 0 ||
        store_path(datadir, HLN_NODE_STORE_DIR ".restoring", p->fresh, sizeof p->fresh) != 0 ||
        snprintf(p->old, sizeof p->old, "%s.before-restore-%s", p->store, stamp) >=
            (int)sizeof p->old) {
        hln_warnx("%s: path too long", datadir);
        return EXIT_FAIL;
    }
    return EXIT_OK;
}

/* The identity stays: the backup must be this node's. Then copy it to
 * p->fresh, copied again rather than moved: the backup stays usable, and
 * each restore gets its own incarnation id, so peers forget what they
 * remember about this node even when one backup is restored twice. */
static int stage_copy(const char *path, const restore_paths *p)
{
    hln_identity *id = NULL;
    int rc = hln_identity_load(p->key, &id);
    if (rc != 0) {
        hln_warnx("%s: %s", p->key,
                  rc == HLN_EPERM ? "refused: the key file must be a regular file of mode 0600"
                                  : hln_strerror(rc));
        return EXIT_FAIL;
    }
    uint8_t pk[HLN_KEY_LEN], owner[HLN_KEY_LEN];
    memcpy(pk, hln_identity_pk(id), HLN_KEY_LEN);
    hln_identity_destroy(&id);
    hln_store *b = NULL;
    if ((rc = hln_store_open(path, HLN_STORE_RDONLY, &b)) != 0) {
        hln_warnx("%s: not a backup that opens: %s", path, hln_strerror(rc));
        return EXIT_FAIL;
    }
    if ((rc = backup_owner(b, owner)) != 0 || memcmp(owner, pk, HLN_KEY_LEN) != 0) {
        hln_store_close(&b);
        hln_warnx("%s: the backup belongs to another node (or to none)", path);
        return EXIT_FAIL;
    }
    mode_t old = umask(077);
    rc = hln_store_backup(b, p->fresh);
    umask(old);
    hln_store_close(&b);
    drop_lock_file(path);
    if (rc == 0 && (rc = mark_copy(p->fresh)) != 0) {
        hln_warnx("%s: %s", p->fresh, hln_strerror(rc));
        return EXIT_FAIL;
    }
    if (rc != 0)
        hln_warnx("%s: %s", p->fresh,
                  rc == HLN_EEXIST ? "left over from an interrupted restore; remove it"
                                   : hln_strerror(rc));
    return rc == 0 ? EXIT_OK : EXIT_FAIL;
}

/* The old store aside, the restored one in. */
static int swap_in(const restore_paths *p, bool *had)
{
    struct stat st;
    *had = stat(p->store, &st) == 0;
    if (*had && rename(p->store, p->old) != 0) {
        hln_warnx("%s: cannot move it aside: %s", p->store, strerror(errno));
        return EXIT_FAIL;
    }
    if (rename(p->fresh, p->store) != 0) {
        hln_warnx("%s: cannot move the restored store in: %s", p->store, strerror(errno));
        return EXIT_FAIL;
    }
    return EXIT_OK;
}

static void print_restored(const char *path, const restore_paths *p, bool had, bool verify,
                           bool json, uint64_t feeds, uint64_t records)
{
    if (json) {
        json_object *j = json_object_new_object();
        hln_cli_jstr(j, "path", path);
        hln_cli_jstr(j, "store", p->store);
        hln_cli_jstr(j, "moved_aside", had ? p->old : NULL);
        hln_cli_ju64(j, "feeds", feeds);
        hln_cli_ju64(j, "records", records);
        hln_cli_jbool(j, "catch_up_pending", true);
        hln_print_json(j);
        return;
    }
    printf("restored %s: %llu records in %llu feeds%s\n", p->store, (unsigned long long)records,
           (unsigned long long)feeds, verify ? ", verified" : "");
    if (had)
        printf("the old store is in %s\n", p->old);
    printf("start hlnd: publishing waits until it has caught up this node's own feeds\n");
}

static int restore_from(const char *datadir, const char *path, bool verify, bool json)
{
    if (hln_control_daemon_running(datadir)) {
        hln_warnx("hlnd runs on %s: stop it first (systemctl stop hlnd)", datadir);
        return EXIT_FAIL;
    }
    if (hln_crypto_init() != 0) {
        hln_warnx("libsodium did not initialise");
        return EXIT_FAIL;
    }
    restore_paths p;
    if (make_paths(datadir, &p) != EXIT_OK || stage_copy(path, &p) != EXIT_OK)
        return EXIT_FAIL;
    vctx v = {json, json ? json_object_new_array() : NULL, 0};
    uint64_t feeds = 0, records = 0;
    int problems = check_copy(p.fresh, verify, &v, &feeds, &records);
    json_object_put(v.problems);
    drop_lock_file(p.fresh);
    if (problems != 0) {
        hln_warnx("%s: the backup %s; the store was not replaced", path,
                  problems < 0 ? hln_strerror(problems) : "does not verify");
        return EXIT_FAIL;
    }
    bool had = false;
    if (swap_in(&p, &had) != EXIT_OK)
        return EXIT_FAIL;
    print_restored(path, &p, had, verify, json, feeds, records);
    return EXIT_OK;
}

int hln_cli_restore(const char *datadir, int argc, char **argv, bool json)
{
    const char *path = NULL;
    bool no_verify = false, done = false;
    const hln_cli_opt opts[] = {HLN_CLI_FLAG("json", &json), HLN_CLI_FLAG("no-verify", &no_verify),
                                HLN_CLI_FLAG("done", &done), HLN_CLI_END};
    hln_cli_args a = {.opts = opts,
                      .pos = &path,
                      .maxpos = 1,
                      .datadir = &datadir,
                      .usage = restore_usage,
                      .remind = true};
    int r = hln_cli_parse(&a, argc, argv);
    if (r != HLN_CLI_GO)
        return r;
    if (done && path)
        return hln_cli_usage_error(&a, "restore: --done takes no backup path");
    if (done)
        return restore_done(datadir, json);
    if (!path || !path[0])
        return hln_cli_usage_error(&a, "restore: from which backup?");
    return restore_from(datadir, path, !no_verify, json);
}
