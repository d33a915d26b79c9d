/* cmd_authority.c - hlnctl init --authority and indicator adopt (docs/GOVERNANCE.md §12). */
#include "node/hlnctl/cmd_authority.h"

#include <stdio.h>

#include "crypto/err.h"
#include "node/authority.h"
#include "node/control.h"
#include "node/hlnctl/cli.h"
#include "proto/codes.h"
#include "proto/record.h"

int hln_cli_authority_check(const hln_cli_args *a, const char *level, const char *jurisdiction)
{
    uint32_t l = HLN_LEVEL_ORGANIZATION;
    if (level && hln_level_parse(level, &l) != 0)
        return HLN_CLI_GO; /* init says what is wrong with it */
    if (l == HLN_LEVEL_ORGANIZATION)
        return hln_cli_usage_error(a, "--authority needs --level subnational, national or global");
    if (l != HLN_LEVEL_GLOBAL && (!jurisdiction || !hln_level_fits(l, jurisdiction)))
        return hln_cli_usage_error(
            a, "--authority: a %s authority needs --jurisdiction %s", hln_level_name(l),
            l == HLN_LEVEL_NATIONAL ? "COUNTRY (such as CA)" : "SUBDIVISION (such as CA-ON)");
    return HLN_CLI_GO;
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
        return EXIT_FAIL;
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
    return EXIT_OK;
}

static const hln_cli_usage adopt_help = {
    "indicator adopt", "[--scope CODE|global] [--json]",
    "Re-sign the catalogue of the authorities above this one for the nodes that anchor only it.",
    "  --scope CODE        the feed to adopt into (default: the node's country)\n"
    "  --json              {scope, adopted, current, skipped, first_seq}\n"
    "Every indicator definition in force whose author is an authority above this one is\n"
    "re-signed, unchanged, so that the nodes that anchor only this authority receive the\n"
    "catalogue (docs/GOVERNANCE.md section 12). Run it again when the catalogue above\n"
    "changes; what is already adopted is left alone.\n"};

static void adopt_usage(FILE *f)
{
    hln_cli_usage_print(f, &adopt_help);
}

static void print_adopted(const hln_authority_adopt_result *res, bool json)
{
    if (json) {
        json_object *x = json_object_new_object();
        hln_cli_jstr(x, "scope", res->scope);
        hln_cli_ju64(x, "adopted", res->adopted);
        hln_cli_ju64(x, "current", res->current);
        hln_cli_ju64(x, "skipped", res->skipped);
        hln_cli_ju64(x, "first_seq", res->first_seq);
        hln_print_json(x);
    } else if (res->adopted) {
        printf("adopted %zu indicator%s in scope %s, seq %llu-%llu (%zu already current)\n",
               res->adopted, res->adopted == 1 ? "" : "s", res->scope,
               (unsigned long long)res->first_seq,
               (unsigned long long)(res->first_seq + res->adopted - 1), res->current);
    } else {
        printf("nothing to adopt: %zu already current, %zu not from an authority above\n",
               res->current, res->skipped);
    }
}

int hln_cli_indicator_adopt(const char *datadir, int argc, char **argv, bool json)
{
    const char *scope = NULL;
    const hln_cli_opt opts[] = {HLN_CLI_VALUE("scope", &scope), HLN_CLI_FLAG("json", &json),
                                HLN_CLI_END};
    hln_cli_args a = {.what = "indicator adopt",
                      .opts = opts,
                      .datadir = &datadir,
                      .usage = adopt_usage,
                      .remind = true};
    int r = hln_cli_parse(&a, argc, argv);
    if (r != HLN_CLI_GO)
        return r;
    hln_node *n = NULL;
    if (hln_cli_open_node(datadir, 0, &n) < 0)
        return EXIT_FAIL;
    hln_authority_adopt_result res;
    char why[256] = "";
    int rc = hln_authority_adopt(n, scope, &res, why, sizeof why);
    hln_node_close(&n);
    if (rc == HLN_EINVAL)
        return hln_cli_usage_error(&a, "%s", why[0] ? why : hln_strerror(rc));
    if (rc) {
        hln_warnx("indicator adopt: %s", why[0] ? why : hln_strerror(rc));
        return EXIT_FAIL;
    }
    if (res.adopted && (rc = hln_control_notify_appended(datadir)) != 0)
        hln_warnx("written, but hlnd did not take it yet (%s); it will on restart",
                  hln_strerror(rc));
    print_adopted(&res, json);
    return EXIT_OK;
}
