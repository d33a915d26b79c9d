/* cmd_status.c - hlnctl status: the node from the running hlnd, else from the store alone. */
#include "node/hlnctl/cmd_status.h"

#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#include "crypto/err.h"
#include "node/control.h"
#include "node/gov.h"
#include "node/hlnctl/cli.h"
#include "node/node.h"
#include "node/util.h"
#include "proto/codes.h"
#include "proto/record.h"

#define STATUS_TIMEOUT_MS 3000

static const hln_cli_usage status_help = {
    "status", "[--json]",
    "Show the node: id, name, feeds, records (from hlnd if it runs, else the store).",
    "  --json              machine-readable output\n"};

static void usage(FILE *f)
{
    hln_cli_usage_print(f, &status_help);
}

/* ---- the fork proofs and flagged authors of a status object ---- */

static uint64_t get_u64(json_object *o, const char *k)
{
    json_object *v;
    if (!json_object_object_get_ex(o, k, &v) || !json_object_is_type(v, json_type_int))
        return 0;
    int64_t x = json_object_get_int64(v);
    return x < 0 ? 0 : (uint64_t)x;
}

static int64_t get_i64(json_object *o, const char *k)
{
    json_object *v;
    return json_object_object_get_ex(o, k, &v) ? json_object_get_int64(v) : 0;
}

static const char *get_s(json_object *o, const char *k)
{
    json_object *v;
    if (!json_object_object_get_ex(o, k, &v) || !json_object_is_type(v, json_type_string))
        return NULL;
    return json_object_get_string(v);
}

static const char *get_str(json_object *o, const char *k)
{
    const char *s = get_s(o, k);
    return s ? s : "";
}

/* "ABCDEFG (name)" or "ABCDEFG": the short form of a text id. */
static void who(json_object *x, char *out, size_t len)
{
    const char *id = get_s(x, "author"), *name = get_s(x, "name");
    int k = id ? (int)strnlen(id, HLN_ID_SHORT_LEN) : 1;
    if (name && name[0])
        snprintf(out, len, "%.*s (%s)", k, id ? id : "?", name);
    else
        snprintf(out, len, "%.*s", k, id ? id : "?");
}

static void print_list(FILE *f, json_object *st, const char *label, const char *count_key,
                       const char *list_key, const char *what)
{
    int indent = (int)strlen(label);
    uint64_t total = get_u64(st, count_key);
    json_object *arr;
    if (!json_object_object_get_ex(st, list_key, &arr) ||
        !json_object_is_type(arr, json_type_array))
        arr = NULL;
    size_t n = arr ? json_object_array_length(arr) : 0;
    if (total == 0) {
        fprintf(f, "%snone\n", label);
        return;
    }
    fprintf(f, "%s%llu %s%s\n", label, (unsigned long long)total, what, total == 1 ? "" : "s");
    size_t shown = 0;
    for (size_t i = 0; i < n && shown < HLN_CLI_STATUS_TABLE_MAX; i++, shown++) {
        json_object *x = json_object_array_get_idx(arr, i);
        char w[HLN_ID_SHORT_LEN + HLN_NAME_MAX + 8];
        who(x, w, sizeof w);
        if (get_s(x, "reason"))
            fprintf(f, "%*s%s  %s\n", indent, "", w, get_s(x, "reason"));
        else
            fprintf(f, "%*s%s  scope %s  seq %llu\n", indent, "", w,
                    get_s(x, "scope") ? get_s(x, "scope") : "?",
                    (unsigned long long)get_u64(x, "seq"));
    }
    if (total > shown)
        fprintf(f, "%*s... and %llu more (--json lists up to %d)\n", indent, "",
                (unsigned long long)(total - shown), HLN_GOV_STATUS_LIST_MAX);
}

void hln_cli_status_flags_print(FILE *f, json_object *st, const char *forks_label,
                                const char *flagged_label)
{
    print_list(f, st, forks_label, "fork_proofs", "forks", "proof");
    print_list(f, st, flagged_label, "flagged_authors", "flagged", "author");
}

/* ---- online: from the running hlnd ---- */

/* Fork proofs and flags: hlnd reads them from its store and names them
 * from its trust graph; an hlnd from before that (an upgrade not yet
 * restarted) leaves them out, and then they are read here (LMDB lets a
 * reader in beside the daemon). */
static int add_flags_offline(const char *datadir, json_object *rep)
{
    hln_node *n = NULL;
    char oerr[512] = "";
    int rc = hln_node_open(datadir, HLN_NODE_RDONLY, &n, oerr, sizeof oerr);
    if (rc == 0)
        rc = hln_gov_status_flags(n, NULL, hln_util_wall_ms(), rep);
    hln_node_close(&n);
    if (rc != 0) {
        hln_warnx("forks and flags: %s", oerr[0] ? oerr : hln_strerror(rc));
        return EXIT_FAIL;
    }
    return EXIT_OK;
}

static void print_online(json_object *rep)
{
    printf("node      %s\n", get_str(rep, "node"));
    printf("listen    %s\n", get_str(rep, "listen")[0] ? get_str(rep, "listen") : "-");
    printf("running   %llds (pid %lld)\n", (long long)get_i64(rep, "uptime_s"),
           (long long)get_i64(rep, "pid"));
    printf("feeds     %lld\n", (long long)get_i64(rep, "feeds"));
    printf("records   %lld\n", (long long)get_i64(rep, "records"));
    printf("peers     %lld up of %lld\n", (long long)get_i64(rep, "peers_up"),
           (long long)get_i64(rep, "peers"));
    printf("behind    %lld records\n", (long long)get_i64(rep, "behind"));
    if (json_object_object_get_ex(rep, "forks", NULL))
        hln_cli_status_flags_print(stdout, rep, "forks     ", "flagged   ");
}

/* Status from the running hlnd; EXIT_NOT_RUNNING if there is none. */
static int status_online(const char *datadir, bool json)
{
    json_object *rep = NULL;
    char err[256] = "";
    int rc = hln_control_call(datadir, "status", STATUS_TIMEOUT_MS, &rep, err, sizeof err);
    if (rc == HLN_ESTATE)
        return EXIT_NOT_RUNNING;
    if (rc != 0) {
        hln_warnx("hlnd did not answer: %s", err);
        return EXIT_FAIL;
    }
    json_object_object_del(rep, "ok");
    int ex = EXIT_OK;
    if (!json_object_object_get_ex(rep, "forks", NULL))
        ex = add_flags_offline(datadir, rep);
    if (json) {
        hln_print_json(rep);
        return ex;
    }
    print_online(rep);
    json_object_put(rep);
    return ex;
}

/* ---- offline: from the store ---- */

typedef struct {
    uint64_t feeds, records;
    uint32_t min_cell;
    char id[HLN_ID_TEXT_LEN + 1], scope[HLN_SCOPE_MAX + 1];
    json_object *flags; /* fork proofs and flagged authors (docs/CLI.md, status) */
} offline_status;

static int read_offline(hln_node *n, offline_status *st)
{
    int rc = hln_store_counts(hln_node_store(n), &st->feeds, &st->records);
    if (rc == 0)
        rc = hln_node_min_cell(n, 0, &st->min_cell);
    if (rc == 0 && !(st->flags = json_object_new_object()))
        rc = HLN_ENOMEM;
    if (rc == 0)
        rc = hln_gov_status_flags(n, NULL, hln_util_wall_ms(), st->flags);
    hln_id_to_text(hln_node_pk(n), st->id);
    hln_node_default_scope(n, st->scope);
    return rc;
}

static void print_offline_json(const char *datadir, const hln_node_info *info,
                               const offline_status *st)
{
    json_object *j = json_object_new_object();
    hln_cli_jstr(j, "id", st->id);
    hln_cli_jstr(j, "name", info->name);
    hln_cli_jstr(j, "level", hln_level_name(info->level));
    hln_cli_jstr(j, "jurisdiction", info->jurisdiction[0] ? info->jurisdiction : NULL);
    hln_cli_jstr(j, "data_dir", datadir);
    hln_cli_jstr(j, "default_scope", st->scope);
    hln_cli_ju64(j, "min_cell", st->min_cell);
    hln_cli_ju64(j, "feeds", st->feeds);
    hln_cli_ju64(j, "records", st->records);
    json_object_object_foreach(st->flags, k, v) json_object_object_add(j, k, json_object_get(v));
    hln_cli_jbool(j, "daemon", false);
    hln_print_json(j);
}

static void print_offline(const char *datadir, const hln_node_info *info, const offline_status *st)
{
    printf("node:          %s\n", st->id);
    printf("name:          %s\n", info->name);
    printf("level:         %s\n", hln_level_name(info->level));
    printf("jurisdiction:  %s\n", info->jurisdiction[0] ? info->jurisdiction : "(none)");
    printf("data dir:      %s\n", datadir);
    printf("default scope: %s\n", st->scope);
    printf("min cell:      %u\n", st->min_cell);
    printf("feeds:         %llu\n", (unsigned long long)st->feeds);
    printf("records:       %llu\n", (unsigned long long)st->records);
    hln_cli_status_flags_print(stdout, st->flags, "forks:         ", "flagged:       ");
    printf("daemon:        not running (offline view)\n");
}

static int status_offline(const char *datadir, bool json)
{
    hln_node *n = NULL;
    if (hln_cli_open_node(datadir, HLN_NODE_RDONLY, &n) < 0)
        return EXIT_FAIL;
    offline_status st = {0};
    int ex = EXIT_OK, rc = read_offline(n, &st);
    if (rc < 0) {
        hln_warnx("store: %s", hln_strerror(rc));
        ex = EXIT_FAIL;
    } else if (json) {
        print_offline_json(datadir, hln_node_get_info(n), &st);
    } else {
        print_offline(datadir, hln_node_get_info(n), &st);
    }
    json_object_put(st.flags);
    hln_node_close(&n);
    return ex;
}

int hln_cli_status(const char *datadir, int argc, char **argv, bool json)
{
    const hln_cli_opt opts[] = {HLN_CLI_FLAG("json", &json), HLN_CLI_END};
    hln_cli_args a = {.opts = opts, .datadir = &datadir, .usage = usage, .remind = true};
    int r = hln_cli_parse(&a, argc, argv);
    if (r != HLN_CLI_GO)
        return r;
    /* A running hlnd knows more (peers, how far behind); without one the
     * store alone answers. */
    if (hln_control_daemon_running(datadir)) {
        r = status_online(datadir, json);
        if (r != EXIT_NOT_RUNNING)
            return r;
    }
    return status_offline(datadir, json);
}
