/* cmd_address.c - hlnctl address set/list (docs/RUNNING.md, "Peer discovery"). */
#include "node/hlnctl/cmd_address.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crypto/err.h"
#include "node/control.h"
#include "node/discovery.h"
#include "node/gov.h"
#include "node/hlnctl/cli.h"
#include "node/node.h"
#include "node/trust.h"
#include "node/util.h"
#include "proto/codes.h"

static void address_usage(FILE *f)
{
    fprintf(f,
            "usage: hlnctl [-d DIR] address set ENDPOINT [ENDPOINT...] [--scope CODE|global] "
            "[--json]\n"
            "       hlnctl [-d DIR] address list [--json]\n"
            "\n"
            "set: publish where this node accepts peers: 1 to %d endpoints tcp://HOST:PORT\n"
            "(the first is the one peers dial), in an address record; the latest wins.\n"
            "Members in force that hold it dial this node (docs/RUNNING.md).\n"
            "list: the latest address record of every author held.\n"
            "\n"
            "  --scope CODE        the feed to publish in (default: the node's country, or "
            "global)\n"
            "  --json              machine-readable output\n",
            HLN_ENDPOINTS_MAX);
}

/* The endpoints given: each valid, none twice, at most HLN_ENDPOINTS_MAX. */
static int check_endpoints(const char *const *eps, int n)
{
    if (n > HLN_ENDPOINTS_MAX) {
        hln_warnx("at most %d endpoints", HLN_ENDPOINTS_MAX);
        return EXIT_USAGE;
    }
    for (int i = 0; i < n; i++) {
        size_t len = strlen(eps[i]);
        if (len > HLN_ENDPOINT_MAX || !hln_code_endpoint(eps[i], len)) {
            hln_warnx("'%s' is not an endpoint tcp://HOST:PORT (a DNS name, IPv4 or [IPv6] "
                      "address, port 1-65535, at most %d bytes)",
                      eps[i], HLN_ENDPOINT_MAX);
            return EXIT_USAGE;
        }
        for (int k = 0; k < i; k++)
            if (!strcmp(eps[k], eps[i])) {
                hln_warnx("'%s' is given twice", eps[i]);
                return EXIT_USAGE;
            }
    }
    return HLN_CLI_GO;
}

/* A record peers would refuse stops this node's whole feed there: check
 * it against this node's own view of the rules first. */
static int judge(hln_node *n, const char *scope, const hln_body *body, uint64_t ts)
{
    hln_trust *t = NULL;
    int rc = hln_gov_trust_load(n, &t);
    if (rc) {
        hln_warnx("cannot read the trust graph: %s", hln_strerror(rc));
        return EXIT_FAIL;
    }
    hln_record *r = calloc(1, sizeof *r);
    char why[160] = "";
    if (r) {
        hln_record_init(r, HLN_REC_ADDRESS, hln_node_pk(n), scope, 1, NULL, ts);
        r->body = *body;
        rc = hln_trust_may_author(t, r, why, sizeof why);
    }
    free(r);
    hln_trust_destroy(&t);
    if (!r) {
        hln_warnx("out of memory");
        return EXIT_FAIL;
    }
    if (rc) {
        hln_warnx("refused: %s (docs/GOVERNANCE.md)", why[0] ? why : hln_strerror(rc));
        if (strcmp(why, "author is not a member") == 0)
            hln_warnx("this node has no standing yet: trust an anchor (hlnctl trust add) and "
                      "receive the member record that admits it");
        return EXIT_FAIL;
    }
    return HLN_CLI_GO;
}

static void print_set(const char *scope, uint64_t seq, uint64_t ts, const char *const *eps,
                      int n_eps, bool json)
{
    if (!json) {
        printf("address record %llu in scope %s\n", (unsigned long long)seq, scope);
        return;
    }
    json_object *x = json_object_new_object();
    hln_cli_jstr(x, "type", "address");
    hln_cli_jstr(x, "scope", scope);
    hln_cli_ju64(x, "seq", seq);
    hln_cli_ju64(x, "timestamp_ms", ts);
    json_object *a = json_object_new_array();
    for (int k = 0; k < n_eps; k++)
        json_object_array_add(a, json_object_new_string(eps[k]));
    json_object_object_add(x, "endpoints", a);
    hln_print_json(x);
}

/* Judge and append the address record of `eps` in `scope_opt` (NULL: the
 * node's default scope). */
static int publish_address(const char *datadir, const char *scope_opt, const char *const *eps,
                           int n_eps, bool json)
{
    hln_node *n = NULL;
    if (hln_cli_open_node(datadir, 0, &n))
        return EXIT_FAIL;
    char scope[HLN_SCOPE_MAX + 1];
    if (scope_opt)
        snprintf(scope, sizeof scope, "%s", scope_opt);
    else
        hln_node_default_scope(n, scope);
    hln_node_item item;
    memset(&item, 0, sizeof item);
    item.type = HLN_REC_ADDRESS;
    item.body.address.n = (uint32_t)n_eps;
    for (int k = 0; k < n_eps; k++)
        snprintf(item.body.address.endpoints[k], sizeof item.body.address.endpoints[k], "%s",
                 eps[k]);
    uint64_t ts = hln_util_wall_ms(), seq = 0;
    char err[256] = "";
    int ex = judge(n, scope, &item.body, ts), rc = 0;
    if (ex == HLN_CLI_GO && (rc = hln_node_append(n, scope, &item, 1, ts, &seq, err, sizeof err)))
        hln_warnx("cannot write the address record: %s", err[0] ? err : hln_strerror(rc));
    hln_node_close(&n);
    if (ex != HLN_CLI_GO || rc != 0)
        return EXIT_FAIL;
    print_set(scope, seq, ts, eps, n_eps, json);
    if ((rc = hln_control_notify_appended(datadir)) != 0)
        hln_warnx("hlnd did not take the news (%s); it will announce the record later",
                  hln_strerror(rc));
    return EXIT_OK;
}

static int address_set(const char *datadir, int argc, char **argv, bool json)
{
    const char *scope_opt = NULL, *eps[HLN_ENDPOINTS_MAX + 4];
    const hln_cli_opt opts[] = {HLN_CLI_VALUE("scope", &scope_opt), HLN_CLI_FLAG("json", &json),
                                HLN_CLI_END};
    hln_cli_args a = {.what = "address set",
                      .opts = opts,
                      .pos = eps,
                      .maxpos = HLN_ENDPOINTS_MAX + 4,
                      .datadir = &datadir,
                      .usage = address_usage,
                      .remind = true};
    int r = hln_cli_parse(&a, argc, argv);
    if (r != HLN_CLI_GO)
        return r;
    if ((r = check_endpoints(eps, a.npos)) != HLN_CLI_GO)
        return r;
    if (a.npos == 0) {
        hln_warnx("address set needs at least one endpoint");
        address_usage(stderr);
        return EXIT_USAGE;
    }
    if (scope_opt &&
        (strlen(scope_opt) > HLN_SCOPE_MAX || !hln_code_scope(scope_opt, strlen(scope_opt)))) {
        hln_warnx("--scope: '%s' is not global or an ISO 3166 code", scope_opt);
        return EXIT_USAGE;
    }
    return publish_address(datadir, scope_opt, eps, a.npos, json);
}

static void iso_time(uint64_t ms, char *buf, size_t len)
{
    time_t s = (time_t)(ms / 1000);
    struct tm tm;
    if (gmtime_r(&s, &tm) == NULL || strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        snprintf(buf, len, "-");
}

/* Names and endpoints are printed on terminals: nothing but printable ASCII. */
static void safe_text(char *out, size_t cap, const char *in)
{
    size_t j = 0;
    for (size_t i = 0; in[i] && j + 1 < cap; i++) {
        unsigned char ch = (unsigned char)in[i];
        out[j++] = (ch >= 0x20 && ch < 0x7f) ? (char)ch : '?';
    }
    out[j] = '\0';
}

static int address_list(const char *datadir, int argc, char **argv, bool json)
{
    const hln_cli_opt opts[] = {HLN_CLI_FLAG("json", &json), HLN_CLI_END};
    hln_cli_args args = {.what = "address list",
                         .opts = opts,
                         .datadir = &datadir,
                         .usage = address_usage,
                         .remind = true};
    int r = hln_cli_parse(&args, argc, argv);
    if (r != HLN_CLI_GO)
        return r;
    hln_node *n = NULL;
    if (hln_cli_open_node(datadir, HLN_NODE_RDONLY, &n))
        return EXIT_FAIL;
    hln_disc *d = hln_disc_new();
    hln_trust *t = NULL;
    int rc = d ? hln_disc_load(d, hln_node_store(n)) : HLN_ENOMEM;
    if (rc == 0)
        rc = hln_gov_trust_load(n, &t);
    if (rc) {
        hln_warnx("cannot read the store: %s", hln_strerror(rc));
        hln_trust_destroy(&t);
        hln_disc_destroy(&d);
        hln_node_close(&n);
        return EXIT_FAIL;
    }
    uint64_t now = hln_util_wall_ms();
    json_object *arr = json ? json_object_new_array() : NULL;
    if (!json && hln_disc_count(d))
        printf("%-15s %-20s %-8s %-6s %-20s %s\n", "AUTHOR", "NAME", "STATUS", "SCOPE", "TIME",
               "ENDPOINTS");
    for (size_t i = 0; i < hln_disc_count(d); i++) {
        const hln_disc_entry *e = hln_disc_at(d, i);
        char idt[HLN_ID_TEXT_LEN + 1], when[32];
        hln_id_to_text(e->author, idt);
        iso_time(e->timestamp_ms, when, sizeof when);
        hln_trust_info info;
        memset(&info, 0, sizeof info);
        int mrc = hln_trust_member(t, e->author, now, &info);
        const char *status = mrc == HLN_ENOTFOUND ? "unknown" : hln_trust_status_name(info.status);
        if (json) {
            json_object *o = json_object_new_object();
            json_object_object_add(o, "author", json_object_new_string(idt));
            json_object_object_add(o, "name", json_object_new_string(info.name));
            json_object_object_add(o, "status", json_object_new_string(status));
            json_object_object_add(o, "scope", json_object_new_string(e->scope));
            json_object_object_add(o, "seq", json_object_new_uint64(e->seq));
            json_object_object_add(o, "timestamp_ms", json_object_new_uint64(e->timestamp_ms));
            json_object_object_add(o, "time", json_object_new_string(when));
            json_object *a = json_object_new_array();
            for (uint32_t k = 0; k < e->addr.n; k++)
                json_object_array_add(a, json_object_new_string(e->addr.endpoints[k]));
            json_object_object_add(o, "endpoints", a);
            json_object_array_add(arr, o);
        } else {
            char name[HLN_NAME_MAX + 1], eps[HLN_ENDPOINTS_MAX * (HLN_ENDPOINT_MAX + 1) + 1] = "";
            safe_text(name, sizeof name, info.name[0] ? info.name : "-");
            for (uint32_t k = 0; k < e->addr.n; k++) {
                char one[HLN_ENDPOINT_MAX + 1];
                safe_text(one, sizeof one, e->addr.endpoints[k]);
                if (k)
                    strcat(eps, " ");
                strcat(eps, one);
            }
            printf("%-15.15s %-20.20s %-8s %-6s %-20s %s\n", idt, name, status, e->scope, when,
                   eps);
        }
    }
    if (json)
        hln_print_json(arr);
    else if (!hln_disc_count(d))
        printf("no address records held\n");
    hln_trust_destroy(&t);
    hln_disc_destroy(&d);
    hln_node_close(&n);
    return EXIT_OK;
}

int hln_cli_address(const char *datadir, int argc, char **argv, bool json)
{
    static const hln_cli_verb verbs[] = {
        {"set", NULL, address_set},
        {"list", NULL, address_list},
        {NULL, NULL, NULL},
    };
    return hln_cli_run_verb("address", verbs, address_usage, datadir, argc, argv, json);
}
