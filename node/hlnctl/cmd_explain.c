/* cmd_explain.c - hlnctl peer explain (docs/CLI.md, docs/RUNNING.md §5): what an on-call engineer asks when figures stop arriving. */
#include "node/hlnctl/cmd_explain.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "crypto/err.h"
#include "node/control.h"
#include "node/gov.h"
#include "node/hlnctl/cli.h"
#include "node/node.h"
#include "node/peer_view.h"
#include "node/peers.h"
#include "node/util.h"

#define EXPLAIN_TIMEOUT_MS 5000

static const char *s_of(json_object *o, const char *k)
{
    json_object *v = NULL;
    return json_object_object_get_ex(o, k, &v) && v ? json_object_get_string(v) : NULL;
}

static int64_t i_of(json_object *o, const char *k)
{
    json_object *v = NULL;
    return json_object_object_get_ex(o, k, &v) ? json_object_get_int64(v) : 0;
}

static json_object *a_of(json_object *o, const char *k)
{
    json_object *v = NULL;
    return json_object_object_get_ex(o, k, &v) && json_object_is_type(v, json_type_array) ? v : NULL;
}

/* PEER matches a peer object: the id, its start, or the name. */
static bool matches(json_object *p, const char *want)
{
    const char *id = s_of(p, "id"), *name = s_of(p, "name");
    size_t n = strlen(want);
    return (id && n >= 4 && strncasecmp(id, want, n) == 0) || (name && name[0] && !strcmp(name, want));
}

/* ---- without hlnd: the store's view ---- */

typedef struct {
    hln_trust *t;
    hln_store *s;
    uint64_t now;
    json_object *arr;
    int rc;
} offline_ctx;

static void offline_add(offline_ctx *c, const uint8_t id[HLN_KEY_LEN], const char *name,
                        const char *endpoint)
{
    char idt[HLN_ID_TEXT_LEN + 1];
    hln_id_to_text(id, idt);
    for (size_t i = 0; i < json_object_array_length(c->arr); i++)
        if (!strcmp(s_of(json_object_array_get_idx(c->arr, i), "id"), idt))
            return;
    json_object *p = json_object_new_object();
    json_object_object_add(p, "id", json_object_new_string(idt));
    json_object_object_add(p, "name", json_object_new_string(name));
    json_object_object_add(p, "endpoint", json_object_new_string(endpoint));
    json_object_object_add(p, "state", json_object_new_string("unknown"));
    json_object *ex = json_object_new_object();
    json_object_object_add(ex, "connected", json_object_new_boolean(0));
    json_object_object_add(ex, "why",
                           json_object_new_string("hlnd is not running: the connection state, "
                                                  "what the peer declined and its refusals are "
                                                  "known only to a running hlnd"));
    if (!c->rc)
        c->rc = hln_peer_view_feeds(c->t, c->s, id, c->now, ex);
    json_object_object_add(p, "explain", ex);
    json_object_array_add(c->arr, p);
}

static int offline_peer(void *ctx, const hln_peers_entry *e)
{
    offline_add(ctx, e->id, e->name, e->endpoint);
    return 0;
}

static int offline_anchor(void *ctx, const hln_gov_anchor *a)
{
    offline_add(ctx, a->id, a->name, "");
    return 0;
}

static int offline(const char *datadir, json_object **peers)
{
    hln_node *n = NULL;
    int rc = hln_cli_open_node(datadir, HLN_NODE_RDONLY, &n);
    if (rc)
        return rc;
    offline_ctx c = {.s = hln_node_store(n), .now = hln_util_wall_ms(), .arr = json_object_new_array()};
    rc = hln_gov_trust_load(n, &c.t);
    if (!rc)
        rc = hln_peers_foreach(c.s, offline_peer, &c, NULL);
    if (!rc)
        rc = hln_gov_anchor_foreach(c.s, offline_anchor, &c, NULL);
    /* This node anchoring itself is not a peer. */
    char me[HLN_ID_TEXT_LEN + 1];
    hln_id_to_text(hln_node_pk(n), me);
    for (size_t i = 0; i < json_object_array_length(c.arr); i++)
        if (!strcmp(s_of(json_object_array_get_idx(c.arr, i), "id"), me)) {
            json_object_array_del_idx(c.arr, i, 1);
            break;
        }
    if (!rc)
        rc = c.rc;
    hln_trust_destroy(&c.t);
    hln_node_close(&n);
    if (rc) {
        hln_warnx("cannot read the store: %s", hln_strerror(rc));
        json_object_put(c.arr);
        return rc;
    }
    *peers = c.arr;
    return 0;
}

/* ---- text ---- */

static void print_groups(const char *label, json_object *a, bool with_reason)
{
    size_t n = a ? json_object_array_length(a) : 0;
    if (!n) {
        printf("  %-10s none\n", label);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        json_object *g = json_object_array_get_idx(a, i);
        int64_t f = i_of(g, "feeds");
        printf("  %-10s scope %s: %lld feed%s%s%s\n", i ? "" : label, s_of(g, "scope"),
               (long long)f, f == 1 ? "" : "s", with_reason ? ": " : "",
               with_reason ? s_of(g, "reason") : "");
    }
}

static void short_id(const char *id, char out[8])
{
    snprintf(out, 8, "%s", id ? id : "?");
}

static void print_peer(json_object *p)
{
    json_object *ex = NULL;
    json_object_object_get_ex(p, "explain", &ex);
    const char *id = s_of(p, "id"), *name = s_of(p, "name"), *ep = s_of(p, "endpoint");
    printf("peer %s", id ? id : "(unknown key)");
    if (name && name[0])
        printf(" \"%s\"", name);
    if (ep && ep[0])
        printf(" %s", ep);
    printf("\n  %-10s %s: %s\n", "state", s_of(p, "state"), ex ? s_of(ex, "why") : "-");
    if (!ex)
        return;
    json_object *st = NULL, *hs = NULL, *r = NULL;
    if (json_object_object_get_ex(ex, "standing", &st)) {
        const char *lvl = s_of(st, "level"), *j = s_of(st, "jurisdiction"), *u = s_of(st, "until"),
                   *rv = s_of(st, "revoked_from");
        printf("  %-10s %s%s%s%s%s%s%s%s%s\n", "standing", s_of(st, "status"), lvl ? " " : "",
               lvl ? lvl : "", j ? " " : "", j ? j : "", u ? ", until " : "", u ? u : "",
               rv ? ", revoked from " : "", rv ? rv : "");
    }
    if (json_object_object_get_ex(ex, "handshake", &hs))
        printf("  %-10s refused by %s since %s (%lld times, latest %s)%s%s\n", "handshake",
               s_of(hs, "refused_by"), s_of(hs, "since"), (long long)i_of(hs, "count"),
               s_of(hs, "last"), s_of(hs, "curve_key") ? ", CURVE key " : "",
               s_of(hs, "curve_key") ? s_of(hs, "curve_key") : "");
    if (a_of(ex, "feeds_offered") || a_of(ex, "feeds_withheld")) {
        print_groups("offered", a_of(ex, "feeds_offered"), false);
        print_groups("withheld", a_of(ex, "feeds_withheld"), true);
    }
    json_object *d = a_of(ex, "declined");
    for (size_t i = 0; d && i < json_object_array_length(d); i++) {
        json_object *x = json_object_array_get_idx(d, i);
        char a[8];
        short_id(s_of(x, "author"), a);
        printf("  %-10s %s/%s: %s\n", i ? "" : "declined", a, s_of(x, "scope"), s_of(x, "reason"));
    }
    json_object *nt = a_of(ex, "not_taken");
    for (size_t i = 0; nt && i < json_object_array_length(nt); i++) {
        json_object *x = json_object_array_get_idx(nt, i);
        char a[8];
        short_id(s_of(x, "author"), a);
        printf("  %-10s %s/%s: this node holds seq %lld, the peer %lld\n", i ? "" : "not taken",
               a, s_of(x, "scope"), (long long)i_of(x, "seq"), (long long)i_of(x, "peer_seq"));
    }
    if (json_object_object_get_ex(ex, "refusals", &r)) {
        json_object *rec = a_of(r, "recent");
        printf("  %-10s %lld%s\n", "refusals", (long long)i_of(r, "count"),
               rec && json_object_array_length(rec) ? ", the latest first:" : "");
        for (size_t i = 0; rec && i < json_object_array_length(rec); i++) {
            json_object *x = json_object_array_get_idx(rec, i);
            const char *au = s_of(x, "author");
            char a[8];
            short_id(au, a);
            if (au)
                printf("    %s %-16s %s/%s seq %lld: %s\n", s_of(x, "at"), s_of(x, "reason"), a,
                       s_of(x, "scope"), (long long)i_of(x, "seq"), s_of(x, "detail"));
            else
                printf("    %s %-16s %s\n", s_of(x, "at"), s_of(x, "reason"), s_of(x, "detail"));
        }
    }
}

static const hln_cli_usage explain_help = {
    "peer explain", "[PEER] [--json]",
    "Per peer: connected or not and why, the feeds offered and withheld, its refusals.",
    "  PEER                a peer's id (or its first characters) or its name\n"
    "  --json              {daemon, peers: [{id, name, endpoint, state, explain}]}\n"};

static void explain_usage(FILE *f)
{
    hln_cli_usage_print(f, &explain_help);
}

/* The peers as hlnd explains them (*online), else as the store alone tells. */
static int collect(const char *datadir, json_object **peers, bool *online)
{
    *peers = NULL;
    *online = false;
    if (hln_control_daemon_running(datadir)) {
        json_object *reply = NULL;
        char err[256] = "";
        int rc = hln_control_call(datadir, "explain", EXPLAIN_TIMEOUT_MS, &reply, err, sizeof err);
        if (rc)
            hln_warnx("hlnd did not answer (%s); explaining from the store",
                      err[0] ? err : hln_strerror(rc));
        else if ((*peers = a_of(reply, "peers"))) {
            json_object_get(*peers);
            *online = true;
        }
        json_object_put(reply);
    }
    return *peers ? 0 : offline(datadir, peers);
}

static void print_text(json_object *out, bool online)
{
    if (!online)
        printf("hlnd is not running: what the store alone tells\n");
    if (json_object_array_length(out) == 0)
        printf("no peers: add one (hlnctl peer add ID ENDPOINT) or wait for one to dial this "
               "node\n");
    for (size_t i = 0; i < json_object_array_length(out); i++) {
        if (i)
            putchar('\n');
        print_peer(json_object_array_get_idx(out, i));
    }
}

int hln_cli_peer_explain(const char *datadir, int argc, char **argv, bool json)
{
    const char *want = NULL;
    const hln_cli_opt opts[] = {HLN_CLI_FLAG("json", &json), HLN_CLI_END};
    hln_cli_args a = {.what = "peer explain",
                      .opts = opts,
                      .pos = &want,
                      .maxpos = 1,
                      .datadir = &datadir,
                      .usage = explain_usage,
                      .remind = true};
    int r = hln_cli_parse(&a, argc, argv);
    if (r != HLN_CLI_GO)
        return r;
    json_object *peers = NULL;
    bool online = false;
    if (collect(datadir, &peers, &online))
        return EXIT_FAIL;
    json_object *out = json_object_new_array();
    for (size_t i = 0; i < json_object_array_length(peers); i++) {
        json_object *p = json_object_array_get_idx(peers, i);
        if (!want || matches(p, want))
            json_object_array_add(out, json_object_get(p));
    }
    json_object_put(peers);
    if (want && json_object_array_length(out) == 0) {
        hln_warnx("peer explain: no peer '%s' (hlnctl peer list)", want);
        json_object_put(out);
        return EXIT_FAIL;
    }
    if (json) {
        json_object *o = json_object_new_object();
        hln_cli_jbool(o, "daemon", online);
        json_object_object_add(o, "peers", out);
        hln_print_json(o);
        return EXIT_OK;
    }
    print_text(out, online);
    json_object_put(out);
    return EXIT_OK;
}
