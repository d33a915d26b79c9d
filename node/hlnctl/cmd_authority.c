/* cmd_authority.c - hlnctl init --authority and indicator adopt (docs/GOVERNANCE.md §12). */
#include "node/hlnctl/cmd_authority.h"

#include <stdio.h>
#include <string.h>

#include "crypto/err.h"
#include "node/authority.h"
#include "node/control.h"
#include "node/hlnctl/cli.h"
#include "proto/codes.h"
#include "proto/record.h"

bool hln_cli_take_flag(int *argc, char **argv, const char *flag)
{
    bool found = false;
    int w = 0;
    for (int i = 0; i < *argc; i++) {
        /* Nothing after "--" is an option. */
        if (!strcmp(argv[i], "--")) {
            while (i < *argc)
                argv[w++] = argv[i++];
            break;
        }
        if (i > 0 && !strcmp(argv[i], flag)) {
            found = true;
            continue;
        }
        argv[w++] = argv[i];
    }
    if (w < *argc)
        argv[w] = NULL;
    *argc = w;
    return found;
}

int hln_cli_authority_check(const char *level, const char *jurisdiction)
{
    uint32_t l = HLN_LEVEL_ORGANIZATION;
    if (level && hln_level_parse(level, &l) != 0)
        return -1; /* init says what is wrong with it */
    if (l == HLN_LEVEL_ORGANIZATION) {
        hln_warnx("--authority needs --level subnational, national or global");
        return 2;
    }
    if (l != HLN_LEVEL_GLOBAL && (!jurisdiction || !hln_level_fits(l, jurisdiction))) {
        hln_warnx("--authority: a %s authority needs --jurisdiction %s", hln_level_name(l),
                  l == HLN_LEVEL_NATIONAL ? "COUNTRY (such as CA)" : "SUBDIVISION (such as CA-ON)");
        return 2;
    }
    return -1;
}

int hln_cli_authority_ready(const char *datadir, hln_node *n, json_object *j)
{
    uint64_t seq = 0;
    char why[256] = "";
    int rc = hln_authority_setup(n, &seq, why, sizeof why);
    if (rc) {
        hln_warnx("the node is made, but not ready to admit: %s", why[0] ? why : hln_strerror(rc));
        hln_warnx("finish by hand: hlnctl trust add OWN-ID --level L --jurisdiction J; "
                  "hlnctl member issue OWN-ID ... (docs/GOVERNANCE.md §12)");
        return 1;
    }
    const hln_node_info *info = hln_node_get_info(n);
    char scope[HLN_SCOPE_MAX + 1];
    if (info->level >= HLN_LEVEL_NATIONAL)
        snprintf(scope, sizeof scope, "global");
    else
        hln_node_default_scope(n, scope);
    if (j) {
        json_object *a = json_object_new_object();
        json_object *sd = json_object_new_object();
        json_object_object_add(a, "anchored", json_object_new_boolean(1));
        json_object_object_add(sd, "scope", json_object_new_string(scope));
        json_object_object_add(sd, "seq", json_object_new_uint64(seq));
        json_object_object_add(a, "self_description", sd);
        json_object_object_add(j, "authority", a);
    } else {
        fprintf(stderr,
                "hlnctl: %s authority ready to admit: anchored itself, self-description "
                "published in scope %s (member record %llu)\n",
                hln_level_name(info->level), scope, (unsigned long long)seq);
    }
    /* A running hlnd on this directory is unlikely so soon, but cheap to tell. */
    (void)hln_control_notify_reload(datadir);
    return 0;
}

int hln_cli_indicator_adopt(const char *datadir, int argc, char **argv, bool json)
{
    const char *scope = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--json")) {
            json = true;
        } else if (!strcmp(argv[i], "--scope") && i + 1 < argc) {
            scope = argv[++i];
        } else if (!strncmp(argv[i], "--scope=", 8)) {
            scope = argv[i] + 8;
        } else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            printf("usage: hlnctl indicator adopt [--scope CODE|global] [--json]\n"
                   "Re-sign, unchanged, every indicator definition in force whose author is an\n"
                   "authority above this one, so that the nodes that anchor only this authority\n"
                   "receive the catalogue (docs/GOVERNANCE.md §12). Run it again when the\n"
                   "catalogue above changes; what is already adopted is left alone.\n");
            return 0;
        } else {
            hln_warnx("indicator adopt: unexpected argument '%s'", argv[i]);
            return 2;
        }
    }
    hln_node *n = NULL;
    char err[256] = "";
    int rc = hln_node_open(datadir, 0, &n, err, sizeof err);
    if (rc) {
        hln_warnx("%s: %s", datadir, err[0] ? err : hln_strerror(rc));
        return 1;
    }
    hln_authority_adopt_result res;
    char why[256] = "";
    rc = hln_authority_adopt(n, scope, &res, why, sizeof why);
    hln_node_close(&n);
    if (rc) {
        hln_warnx("indicator adopt: %s", why[0] ? why : hln_strerror(rc));
        return rc == HLN_EINVAL ? 2 : 1;
    }
    if (res.adopted && (rc = hln_control_notify_appended(datadir)) != 0)
        hln_warnx("written, but hlnd did not take it yet (%s); it will on restart",
                  hln_strerror(rc));
    if (json) {
        json_object *x = json_object_new_object();
        json_object_object_add(x, "scope", json_object_new_string(res.scope));
        json_object_object_add(x, "adopted", json_object_new_uint64(res.adopted));
        json_object_object_add(x, "current", json_object_new_uint64(res.current));
        json_object_object_add(x, "skipped", json_object_new_uint64(res.skipped));
        json_object_object_add(x, "first_seq", json_object_new_uint64(res.first_seq));
        hln_print_json(x);
    } else if (res.adopted) {
        printf("adopted %zu indicator%s in scope %s, seq %llu-%llu (%zu already current)\n",
               res.adopted, res.adopted == 1 ? "" : "s", res.scope,
               (unsigned long long)res.first_seq,
               (unsigned long long)(res.first_seq + res.adopted - 1), res.current);
    } else {
        printf("nothing to adopt: %zu already current, %zu not from an authority above\n",
               res.current, res.skipped);
    }
    return 0;
}
