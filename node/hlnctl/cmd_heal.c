/* cmd_heal.c - hlnctl verify: the full re-check in a child process (a damaged LMDB page is a
 * finding, not a segfault), and --repair: quarantine damaged records, fix the index, take records
 * back from a backup (docs/STORE.md). */
#include "node/hlnctl/cmd_heal.h"
#include "node/hlnctl/cli.h"

#include <json-c/json.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"
#include "crypto/err.h"
#include "node/control.h"
#include "node/heal.h"
#include "node/node.h"

typedef struct {
    bool json;
    json_object *arr;
} out_ctx;

static void problem_line(void *ctx, const char *line)
{
    out_ctx *o = ctx;
    if (o->json)
        json_object_array_add(o->arr, json_object_new_string(line));
    else
        printf("%s\n", line);
}

static void heal_line(void *ctx, const char *what, const hln_feed_id *feed, uint64_t seq,
                      const uint8_t id[HLN_HASH_LEN], const char *detail)
{
    char who[HLN_ID_SHORT_LEN + 1] = "?", line[512], h[17] = "?";
    if (feed)
        hln_id_short(feed->author, who);
    if (id)
        for (int i = 0; i < 8; i++)
            snprintf(h + 2 * i, 3, "%02x", id[i]);
    snprintf(line, sizeof line, "%s: record %s (feed %s/%s seq %llu): %s", what, h, who,
             feed ? feed->scope : "?", (unsigned long long)seq, detail);
    problem_line(ctx, line);
}

static void usage(FILE *f)
{
    fprintf(f, "usage: hlnctl [-d DIR] verify [--json] [--repair [--from BACKUP]]\n"
               "Re-check every record held: signatures, hashes, chains, indexes. Exit 1 on any\n"
               "problem. The check runs in a child process: a damaged store page that crashes it is\n"
               "reported as damage.\n"
               "  --repair            (hlnd stopped) quarantine damaged records and what follows\n"
               "                      them in their feeds, fix the index; peers give them back\n"
               "  --from BACKUP       with --repair: take records back from a backup (hlnctl backup)\n"
               "  --json              machine-readable output\n");
}

static int repair(const char *datadir, const char *from, out_ctx *o, json_object *j)
{
    if (hln_control_daemon_running(datadir)) {
        hln_warnx("verify --repair: stop hlnd first (it quarantines damaged records itself when it starts)");
        return EXIT_FAIL;
    }
    hln_node *n = NULL;
    char err[512] = "";
    int rc = hln_node_open(datadir, 0, &n, err, sizeof err);
    if (rc < 0) {
        hln_warnx("%s", err[0] ? err : hln_strerror(rc));
        return EXIT_FAIL;
    }
    hln_heal_stats st;
    out_ctx ho = {o->json, o->json ? json_object_new_array() : NULL};
    rc = hln_heal_node(n, 0, heal_line, &ho, &st);
    uint64_t added = 0, refused = 0;
    if (rc == 0 && from)
        rc = hln_heal_from_backup(n, from, &added, &refused);
    hln_node_close(&n);
    if (o->json) {
        json_object *r = json_object_new_object();
        json_object_object_add(r, "damaged", json_object_new_uint64(st.damaged));
        json_object_object_add(r, "taken_out", json_object_new_uint64(st.dropped));
        json_object_object_add(r, "index_fixed", json_object_new_uint64(st.index));
        json_object_object_add(r, "from_backup", json_object_new_uint64(added));
        json_object_object_add(r, "backup_refused", json_object_new_uint64(refused));
        json_object_object_add(r, "to_fetch", json_object_new_uint64(st.dropped > added ? st.dropped - added : 0));
        json_object_object_add(r, "actions", ho.arr);
        json_object_object_add(j, "repair", r);
    } else {
        printf("repair: %llu damaged record%s quarantined (%llu taken out with the rest of their feeds), "
               "%llu index entr%s fixed",
               (unsigned long long)st.damaged, st.damaged == 1 ? "" : "s", (unsigned long long)st.dropped,
               (unsigned long long)st.index, st.index == 1 ? "y" : "ies");
        if (from)
            printf(", %llu record%s taken back from %s (%llu refused)", (unsigned long long)added,
                   added == 1 ? "" : "s", from, (unsigned long long)refused);
        printf("\n");
        if (st.dropped > added)
            printf("repair: %llu record%s to fetch again from peers: start hlnd\n",
                   (unsigned long long)(st.dropped - added), st.dropped - added == 1 ? "" : "s");
    }
    if (rc < 0) {
        hln_warnx("verify --repair: %s", hln_strerror(rc));
        return EXIT_FAIL;
    }
    return EXIT_OK;
}

int hln_cli_verify(const char *datadir, int argc, char **argv, bool json)
{
    bool do_repair = false;
    const char *from = NULL;
    const hln_cli_opt opts[] = {HLN_CLI_FLAG("json", &json), HLN_CLI_FLAG("repair", &do_repair),
                                HLN_CLI_VALUE("from", &from), HLN_CLI_END};
    hln_cli_args a = {
        .what = "verify", .opts = opts, .datadir = &datadir, .usage = usage, .remind = true};
    int r = hln_cli_parse(&a, argc, argv);
    if (r != HLN_CLI_GO)
        return r;
    if (from && !do_repair)
        return hln_cli_usage_error(&a, "--from goes with --repair");
    /* The node must be there (and ours to read), as for every command. */
    hln_node *n = NULL;
    char err[512] = "", path[4096];
    int rc = hln_node_open(datadir, HLN_NODE_RDONLY, &n, err, sizeof err);
    if (rc < 0) {
        hln_warnx("%s", err[0] ? err : hln_strerror(rc));
        return EXIT_FAIL;
    }
    hln_node_close(&n);
    json_object *j = json ? json_object_new_object() : NULL;
    out_ctx o = {json, json ? json_object_new_array() : NULL};
    if (do_repair && repair(datadir, from, &o, j) != 0) {
        json_object_put(j);
        json_object_put(o.arr);
        return EXIT_FAIL;
    }
    snprintf(path, sizeof path, "%s/%s", datadir, HLN_NODE_STORE_DIR);
    uint64_t feeds = 0, records = 0;
    int sig = 0;
    int problems = hln_heal_verify_isolated(path, problem_line, &o, &feeds, &records, &sig);
    if (sig) {
        char line[256];
        snprintf(line, sizeof line,
                 "store: the check crashed (signal %d, %s) on a damaged page: LMDB keeps no page "
                 "checksums; restore a backup (hlnctl restore) and let peers fill in the rest",
                 sig, strsignal(sig));
        problem_line(&o, line);
        problems++;
    }
    if (problems < 0) {
        hln_warnx("verify: %s", hln_strerror(problems));
        json_object_put(j);
        json_object_put(o.arr);
        return EXIT_FAIL;
    }
    if (json) {
        json_object_object_add(j, "feeds", json_object_new_uint64(feeds));
        json_object_object_add(j, "records", json_object_new_uint64(records));
        json_object_object_add(j, "ok", json_object_new_boolean(problems == 0));
        json_object_object_add(j, "problems", o.arr);
        hln_print_json(j);
    } else if (problems == 0) {
        printf("ok: %llu records in %llu feeds verified\n", (unsigned long long)records,
               (unsigned long long)feeds);
    } else {
        hln_warnx("verify: %d problem%s in %llu records", problems, problems == 1 ? "" : "s",
                  (unsigned long long)records);
    }
    return problems == 0 ? 0 : 1;
}
