/* cmd_peer.c - hlnctl peer add, remove and list: the peers hlnd connects to and admits. */
#include "node/hlnctl/cmd_peer.h"
#include "node/hlnctl/cli.h"
#include "node/hlnctl/cmd_explain.h"
#include "node/hlnctl/csvout.h"
#include "node/peers.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crypto/err.h"
#include "node/config.h"
#include "node/control.h"
#include "node/gov.h"
#include "node/node.h"
#include "node/util.h"
#include "proto/codes.h"

#define CTL_TIMEOUT_MS 3000

static int open_store(const char *datadir, unsigned flags, hln_store **s)
{
    char path[4096];
    if (snprintf(path, sizeof path, "%s/store", datadir) >= (int)sizeof path)
        return HLN_ETOOBIG;
    int rc = hln_store_open(path, flags, s);
    if (rc != 0)
        hln_warnx("cannot open the store in %s/store: %s", datadir, hln_strerror(rc));
    return rc;
}

/* Help goes to stdout (exit 0), a usage error's reminder to stderr (exit 2). */
static void print_usage_to(FILE *f)
{
    fprintf(f, "usage: hlnctl [-d DIR] peer add ID [ENDPOINT] [--name NAME]\n"
               "       hlnctl [-d DIR] peer remove ID\n"
               "       hlnctl [-d DIR] peer list [--json|--csv]\n"
               "       hlnctl [-d DIR] peer explain [PEER] [--json]\n"
               "The peers hlnd connects to (with an ENDPOINT) or admits (without one); a\n"
               "running hlnd takes the change at once.\n\n"
               "  ENDPOINT            tcp://HOST:PORT or ipc://PATH\n"
               "  --name NAME         a display name\n"
               "  --json              machine-readable output (list)\n"
               "  --csv               the fields of --json, a row per peer, with a header\n"
               "  -d, --data-dir DIR  the node's data directory\n"
               "  -h, --help          this help\n");
}

static int reload_daemon(const char *datadir)
{
    int rc = hln_control_notify_reload(datadir);
    if (rc != 0)
        hln_warnx("saved, but hlnd did not take it yet (%s); it will on SIGHUP or restart",
                  hln_strerror(rc));
    return EXIT_OK;
}

static int peer_add(const char *datadir, int argc, char **argv, bool json)
{
    (void)json;
    hln_peers_entry p;
    memset(&p, 0, sizeof p);
    const char *name = "", *pos[2] = {NULL, NULL};
    const hln_cli_opt opts[] = {HLN_CLI_VALUE("name", &name), HLN_CLI_END};
    hln_cli_args a = {.opts = opts,
                      .pos = pos,
                      .maxpos = 2,
                      .datadir = &datadir,
                      .usage = print_usage_to,
                      .remind = true};
    int r = hln_cli_parse(&a, argc, argv);
    if (r != HLN_CLI_GO)
        return r;
    const char *id = pos[0], *ep = pos[1];
    if (!id) {
        print_usage_to(stderr);
        return EXIT_USAGE;
    }
    int rc = hln_id_from_text(id, p.id);
    if (rc != 0) {
        hln_warnx(rc == HLN_ECHECKSUM ? "%s: node id checksum does not match (mistyped?)"
                                      : "%s: not a node id",
                  id);
        return EXIT_USAGE;
    }
    if (ep && (strlen(ep) > HLN_ENDPOINT_MAX || !hln_config_endpoint_valid(ep))) {
        hln_warnx("%s: not an endpoint (tcp://HOST:PORT or ipc://PATH)", ep);
        return EXIT_USAGE;
    }
    if (!hln_peers_name_valid(name)) {
        hln_warnx("name: at most 64 bytes of printable UTF-8");
        return EXIT_USAGE;
    }
    snprintf(p.endpoint, sizeof p.endpoint, "%s", ep ? ep : "");
    snprintf(p.name, sizeof p.name, "%s", name);
    p.added_ms = hln_util_wall_ms();
    hln_store *s = NULL;
    if (open_store(datadir, 0, &s) != 0)
        return EXIT_FAIL;
    rc = hln_peers_put(s, &p);
    hln_store_close(&s);
    if (rc != 0) {
        hln_warnx("cannot save the peer: %s", hln_strerror(rc));
        return EXIT_FAIL;
    }
    return reload_daemon(datadir);
}

static int peer_remove(const char *datadir, int argc, char **argv, bool json)
{
    (void)json;
    uint8_t id[HLN_KEY_LEN];
    const char *text = NULL;
    hln_cli_args a = {
        .pos = &text, .maxpos = 1, .datadir = &datadir, .usage = print_usage_to, .remind = true};
    int r = hln_cli_parse(&a, argc, argv);
    if (r != HLN_CLI_GO)
        return r;
    if (!text) {
        print_usage_to(stderr);
        return EXIT_USAGE;
    }
    if (hln_id_from_text(text, id) != 0) {
        hln_warnx("%s: not a node id", text);
        return EXIT_USAGE;
    }
    hln_store *s = NULL;
    if (open_store(datadir, 0, &s) != 0)
        return EXIT_FAIL;
    int rc = hln_peers_del(s, id);
    hln_store_close(&s);
    if (rc == HLN_ENOTFOUND) {
        hln_warnx("%s: not a configured peer", text);
        return EXIT_FAIL;
    }
    if (rc != 0) {
        hln_warnx("cannot remove the peer: %s", hln_strerror(rc));
        return EXIT_FAIL;
    }
    return reload_daemon(datadir);
}

/* The daemon down: the list comes from the table, every state "offline". */
static int list_offline_one(void *ctx, const hln_peers_entry *p)
{
    json_object *arr = ctx;
    char idt[HLN_ID_TEXT_LEN + 1];
    hln_id_to_text(p->id, idt);
    json_object *o = json_object_new_object();
    json_object_object_add(o, "id", json_object_new_string(idt));
    json_object_object_add(o, "name", json_object_new_string(p->name));
    json_object_object_add(o, "endpoint", json_object_new_string(p->endpoint));
    json_object_object_add(o, "state", json_object_new_string("offline"));
    json_object_object_add(o, "configured", json_object_new_boolean(1));
    json_object_object_add(o, "last_seen_s", json_object_new_int64(-1));
    json_object_object_add(o, "behind", json_object_new_int64(0));
    json_object_object_add(o, "bytes_in", json_object_new_int64(0));
    json_object_object_add(o, "bytes_out", json_object_new_int64(0));
    json_object_array_add(arr, o);
    return EXIT_OK;
}

static int64_t get_i64(json_object *o, const char *k)
{
    json_object *v;
    return json_object_object_get_ex(o, k, &v) ? json_object_get_int64(v) : 0;
}

static const char *get_str(json_object *o, const char *k)
{
    json_object *v;
    return json_object_object_get_ex(o, k, &v) && json_object_is_type(v, json_type_string)
               ? json_object_get_string(v)
               : "";
}

static void human_bytes(uint64_t b, char *out, size_t cap)
{
    if (b < 10000)
        snprintf(out, cap, "%lluB", (unsigned long long)b);
    else if (b < 10000000)
        snprintf(out, cap, "%.1fK", (double)b / 1024);
    else
        snprintf(out, cap, "%.1fM", (double)b / (1024 * 1024));
}

static int peer_list(const char *datadir, int argc, char **argv, bool json)
{
    bool csv = false;
    const hln_cli_opt opts[] = {HLN_CLI_FLAG("json", &json), HLN_CLI_FLAG("csv", &csv),
                                HLN_CLI_END};
    hln_cli_args a = {.opts = opts, .datadir = &datadir, .usage = print_usage_to, .remind = true};
    int r = hln_cli_parse(&a, argc, argv);
    if (r != HLN_CLI_GO)
        return r;
    json_object *rep = NULL, *arr = NULL;
    char err[256];
    int rc = hln_control_call(datadir, "peers", CTL_TIMEOUT_MS, &rep, err, sizeof err);
    if (rc == 0) {
        if (!json_object_object_get_ex(rep, "peers", &arr) ||
            !json_object_is_type(arr, json_type_array)) {
            hln_warnx("hlnd sent a reply without a peer list");
            json_object_put(rep);
            return EXIT_FAIL;
        }
        json_object_get(arr);
        json_object_put(rep);
    } else if (rc == HLN_ESTATE) {
        hln_store *s = NULL;
        if (open_store(datadir, HLN_STORE_RDONLY, &s) != 0)
            return EXIT_FAIL;
        arr = json_object_new_array();
        size_t skipped = 0;
        rc = hln_peers_foreach(s, list_offline_one, arr, &skipped);
        hln_store_close(&s);
        if (skipped)
            hln_warnx("%zu damaged peer entries skipped", skipped);
        if (rc != 0) {
            hln_warnx("cannot read the peers: %s", hln_strerror(rc));
            json_object_put(arr);
            return EXIT_FAIL;
        }
    } else {
        hln_warnx("hlnd did not answer: %s", err);
        return EXIT_FAIL;
    }
    if (csv) {
        hln_csv_print(arr, NULL); /* releases it */
        return EXIT_OK;
    }
    if (json) {
        printf("%s\n", json_object_to_json_string_ext(arr, JSON_C_TO_STRING_PRETTY |
                                                               JSON_C_TO_STRING_NOSLASHESCAPE));
    } else {
        printf("%-15s %-16s %-28s %-10s %9s %8s %8s %8s\n", "ID", "NAME", "ENDPOINT", "STATE",
               "LAST-SEEN", "BEHIND", "IN", "OUT");
        size_t n = json_object_array_length(arr);
        for (size_t i = 0; i < n; i++) {
            json_object *o = json_object_array_get_idx(arr, i);
            char seen[32], in[16], out[16], idshort[16];
            int64_t ls = get_i64(o, "last_seen_s");
            if (ls < 0)
                snprintf(seen, sizeof seen, "never");
            else
                snprintf(seen, sizeof seen, "%llds", (long long)ls);
            human_bytes((uint64_t)get_i64(o, "bytes_in"), in, sizeof in);
            human_bytes((uint64_t)get_i64(o, "bytes_out"), out, sizeof out);
            snprintf(idshort, sizeof idshort, "%.15s", get_str(o, "id"));
            const char *ep = get_str(o, "endpoint");
            printf("%-15s %-16.16s %-28.28s %-10s %9s %8lld %8s %8s\n", idshort,
                   get_str(o, "name")[0] ? get_str(o, "name") : "-", ep[0] ? ep : "(incoming)",
                   get_str(o, "state"), seen, (long long)get_i64(o, "behind"), in, out);
        }
    }
    json_object_put(arr);
    return EXIT_OK;
}

int hln_cli_peer(const char *datadir, int argc, char **argv, bool json)
{
    static const hln_cli_verb verbs[] = {
        {"add", NULL, peer_add},
        {"remove", "rm", peer_remove},
        {"list", "ls", peer_list},
        {"explain", NULL, hln_cli_peer_explain}, /* node/hlnctl/cmd_explain.c */
        {NULL, NULL, NULL},
    };
    return hln_cli_run_verb("peer", verbs, print_usage_to, datadir, argc, argv, json);
}
