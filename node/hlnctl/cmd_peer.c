/* ctl_cmds.c - hlnctl peer add/remove/list and online status; the PEERS table's format. */
#include "node/hlnctl/cli.h"
#include "node/hlnctl/cmd_peer.h"
#include "node/hlnctl/cmd_explain.h"
#include "node/peers.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crypto/err.h"
#include "proto/codes.h"
#include "node/config.h"
#include "node/control.h"
#include "node/hlnctl/cmd_gov.h"
#include "node/node.h"
#include "node/gov.h"
#include "node/util.h"

#define CTL_TIMEOUT_MS 3000

static void die_msg(const char *fmt, const char *a)
{
    fprintf(stderr, "hlnctl: ");
    fprintf(stderr, fmt, a);
    fputc('\n', stderr);
}

static int open_store(const char *datadir, unsigned flags, hln_store **s)
{
    char path[4096];
    if (snprintf(path, sizeof path, "%s/store", datadir) >= (int)sizeof path)
        return HLN_ETOOBIG;
    int rc = hln_store_open(path, flags, s);
    if (rc != 0)
        fprintf(stderr, "hlnctl: cannot open the store in %s/store: %s\n", datadir,
                hln_strerror(rc));
    return rc;
}

/* Help goes to stdout (exit 0), a usage error's reminder to stderr (exit 2). */
static void print_usage_to(FILE *f)
{
    fprintf(f, "usage: hlnctl [-d DIR] peer add ID [ENDPOINT] [--name NAME]\n"
               "       hlnctl [-d DIR] peer remove ID\n"
               "       hlnctl [-d DIR] peer list [--json]\n"
               "       hlnctl [-d DIR] peer explain [PEER] [--json]\n"
               "The peers hlnd connects to (with an ENDPOINT) or admits (without one); a\n"
               "running hlnd takes the change at once.\n\n"
               "  ENDPOINT            tcp://HOST:PORT or ipc://PATH\n"
               "  --name NAME         a display name\n"
               "  --json              machine-readable output (list)\n"
               "  -d, --data-dir DIR  the node's data directory\n"
               "  -h, --help          this help\n");
}

static void print_usage(void)
{
    print_usage_to(stderr);
}

/* --help (or -h) anywhere after the verb asks for help, not an action. */
static bool wants_help(int argc, char **argv)
{
    for (int i = 0; i < argc; i++)
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
            return true;
    return false;
}

static int reload_daemon(const char *datadir)
{
    int rc = hln_control_notify_reload(datadir);
    if (rc != 0)
        fprintf(stderr,
                "hlnctl: saved, but hlnd did not take it yet (%s); it will on SIGHUP "
                "or restart\n",
                hln_strerror(rc));
    return 0;
}

static int peer_add(const char *datadir, int argc, char **argv)
{
    hln_peers_entry p;
    memset(&p, 0, sizeof p);
    const char *id = NULL, *ep = NULL, *name = "";
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--name") == 0 && i + 1 < argc)
            name = argv[++i];
        else if (argv[i][0] == '-' && argv[i][1] == '-') {
            print_usage();
            return 2;
        } else if (!id)
            id = argv[i];
        else if (!ep)
            ep = argv[i];
        else {
            print_usage();
            return 2;
        }
    }
    if (!id) {
        print_usage();
        return 2;
    }
    int rc = hln_id_from_text(id, p.id);
    if (rc != 0) {
        die_msg(rc == HLN_ECHECKSUM ? "%s: node id checksum does not match (mistyped?)"
                                    : "%s: not a node id",
                id);
        return 2;
    }
    if (ep && (strlen(ep) > HLN_ENDPOINT_MAX || !hln_config_endpoint_valid(ep))) {
        die_msg("%s: not an endpoint (tcp://HOST:PORT or ipc://PATH)", ep);
        return 2;
    }
    if (!hln_peers_name_valid(name)) {
        die_msg("%s", "name: at most 64 bytes of printable UTF-8");
        return 2;
    }
    snprintf(p.endpoint, sizeof p.endpoint, "%s", ep ? ep : "");
    snprintf(p.name, sizeof p.name, "%s", name);
    p.added_ms = hln_util_wall_ms();
    hln_store *s = NULL;
    if (open_store(datadir, 0, &s) != 0)
        return 1;
    rc = hln_peers_put(s, &p);
    hln_store_close(&s);
    if (rc != 0) {
        die_msg("cannot save the peer: %s", hln_strerror(rc));
        return 1;
    }
    return reload_daemon(datadir);
}

static int peer_remove(const char *datadir, int argc, char **argv)
{
    uint8_t id[HLN_KEY_LEN];
    if (argc != 2) {
        print_usage();
        return 2;
    }
    if (hln_id_from_text(argv[1], id) != 0) {
        die_msg("%s: not a node id", argv[1]);
        return 2;
    }
    hln_store *s = NULL;
    if (open_store(datadir, 0, &s) != 0)
        return 1;
    int rc = hln_peers_del(s, id);
    hln_store_close(&s);
    if (rc == HLN_ENOTFOUND) {
        die_msg("%s: not a configured peer", argv[1]);
        return 1;
    }
    if (rc != 0) {
        die_msg("cannot remove the peer: %s", hln_strerror(rc));
        return 1;
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
    return 0;
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
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0)
            json = true;
        else {
            print_usage();
            return 2;
        }
    }
    json_object *rep = NULL, *arr = NULL;
    char err[256];
    int rc = hln_control_call(datadir, "peers", CTL_TIMEOUT_MS, &rep, err, sizeof err);
    if (rc == 0) {
        if (!json_object_object_get_ex(rep, "peers", &arr) ||
            !json_object_is_type(arr, json_type_array)) {
            die_msg("%s", "hlnd sent a reply without a peer list");
            json_object_put(rep);
            return 1;
        }
        json_object_get(arr);
        json_object_put(rep);
    } else if (rc == HLN_ESTATE) {
        hln_store *s = NULL;
        if (open_store(datadir, HLN_STORE_RDONLY, &s) != 0)
            return 1;
        arr = json_object_new_array();
        size_t skipped = 0;
        rc = hln_peers_foreach(s, list_offline_one, arr, &skipped);
        hln_store_close(&s);
        if (skipped)
            fprintf(stderr, "hlnctl: %zu damaged peer entries skipped\n", skipped);
        if (rc != 0) {
            die_msg("cannot read the peers: %s", hln_strerror(rc));
            json_object_put(arr);
            return 1;
        }
    } else {
        die_msg("hlnd did not answer: %s", err);
        return 1;
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
    return 0;
}

int hln_cli_peer(const char *datadir, int argc, char **argv, bool json)
{
    if (argc > 0 && strcmp(argv[0], "peer") == 0) {
        argc--;
        argv++;
    }
    if (argc < 1) {
        print_usage();
        return 2;
    }
    if (strcmp(argv[0], "help") == 0 || wants_help(argc, argv)) {
        print_usage_to(stdout);
        return 0;
    }
    if (strcmp(argv[0], "add") == 0)
        return peer_add(datadir, argc, argv);
    if (strcmp(argv[0], "remove") == 0 || strcmp(argv[0], "rm") == 0)
        return peer_remove(datadir, argc, argv);
    if (strcmp(argv[0], "list") == 0 || strcmp(argv[0], "ls") == 0)
        return peer_list(datadir, argc, argv, json);
    if (strcmp(argv[0], "explain") == 0) /* node/hlnctl/cmd_explain.c */
        return hln_cli_peer_explain(datadir, argc, argv, json);
    print_usage();
    return 2;
}

int hln_cli_status_online(const char *datadir, int argc, char **argv, bool json)
{
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0)
            json = true;
        else if (strcmp(argv[i], "status") != 0) {
            fprintf(stderr, "usage: hlnctl status [--json]\n");
            return 2;
        }
    }
    json_object *rep = NULL;
    char err[256];
    int rc = hln_control_call(datadir, "status", CTL_TIMEOUT_MS, &rep, err, sizeof err);
    if (rc == HLN_ESTATE)
        return HLN_CLI_NOT_RUNNING;
    if (rc != 0) {
        die_msg("hlnd did not answer: %s", err);
        return 1;
    }
    json_object_object_del(rep, "ok");
    /* Fork proofs and flags: hlnd reads them from its store and names
     * them from its trust graph; an hlnd from before that (an upgrade not
     * yet restarted) leaves them out, and then they are read here (LMDB
     * lets a reader in beside the daemon). */
    int ex = 0;
    if (!json_object_object_get_ex(rep, "forks", NULL)) {
        hln_node *n = NULL;
        char oerr[512] = "";
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        uint64_t now = (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
        rc = hln_node_open(datadir, HLN_NODE_RDONLY, &n, oerr, sizeof oerr);
        if (rc == 0)
            rc = hln_gov_status_flags(n, NULL, now, rep);
        hln_node_close(&n);
        if (rc != 0) {
            fprintf(stderr, "hlnctl: forks and flags: %s\n", oerr[0] ? oerr : hln_strerror(rc));
            ex = 1;
        }
    }
    if (json) {
        printf("%s\n", json_object_to_json_string_ext(rep, JSON_C_TO_STRING_PRETTY |
                                                               JSON_C_TO_STRING_NOSLASHESCAPE));
    } else {
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
            hln_gov_status_flags_print(stdout, rep, "forks     ", "flagged   ");
    }
    json_object_put(rep);
    return ex;
}
