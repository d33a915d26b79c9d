/* cmd_target.c - hlnctl target set/list (docs/CLI.md, "Targets and collaboratives"). */
#include "node/hlnctl/cmd_target.h"

#include <json-c/json.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/err.h"
#include "node/hlnctl/cli.h"
#include "node/hlnctl/learn_cli.h"
#include "node/util.h"
#include "proto/codes.h"

static void target_usage(FILE *f)
{
    fputs("usage: hlnctl [-d DIR] target set INDICATOR --value V --by PERIOD [--stratum S]\n"
          "                     [--collaborative C] [--json]\n"
          "       hlnctl [-d DIR] target list [--json]\n"
          "\n"
          "set: an authority's target for an indicator: reach V by PERIOD, for its\n"
          "jurisdiction or, with --collaborative, for that collaborative's members. V is in\n"
          "the indicator's scale: a proportion as 0.7 or 70%, a rate per its multiplier.\n"
          "The latest target of an authority for the same indicator, stratum and\n"
          "collaborative stands. list: the targets held.\n"
          "\n"
          "  --value V           the target value\n"
          "  --by PERIOD         the period by which it should be reached (2026, 2026-Q2, 2026-06)\n"
          "  --stratum S         a stratum of the indicator (default: the total)\n"
          "  --collaborative C   the collaborative's code (this node must run it)\n"
          "  --json              machine-readable output\n",
          f);
}

/* "0.7", "70%" (proportions) or "2.5" into the indicator's scale. */
static int parse_value(const char *s, const hln_indicator *d, double *out)
{
    char *end;
    double v = strtod(s, &end);
    if (end == s || !isfinite(v) || v < 0)
        return -1;
    if (*end == '%' && end[1] == '\0' && d->kind == HLN_KIND_PROPORTION)
        v /= 100;
    else if (*end != '\0')
        return -1;
    if (d->kind == HLN_KIND_PROPORTION && v > 1)
        return -1;
    if (v * 1e6 > (double)HLN_COUNT_MAX)
        return -1;
    *out = v;
    return 0;
}

typedef struct {
    const char *indicator, *value, *by, *stratum, *collab;
} set_opts;

/* Fill `t` and `scope` from the options, checked against the node's
 * definitions and collaboratives. HLN_CLI_GO, or the exit status after a
 * message. */
static int make_target(const hln_cli_args *a, hln_learn_session *s, const set_opts *o,
                       hln_target *t, char scope[HLN_SCOPE_MAX + 1])
{
    const hln_node_def *def = hln_node_find_def(s->defs, s->ndefs, o->indicator);
    double v = 0;
    if (!def) {
        hln_warnx("indicator '%s' is not defined on this node (hlnctl indicator list)",
                  o->indicator);
        return EXIT_FAIL;
    }
    bool pct = def->def.kind == HLN_KIND_PROPORTION;
    if (parse_value(o->value, &def->def, &v))
        return hln_cli_usage_error(a, "--value: '%s' is not a %s value (%s)", o->value,
                                   pct ? "proportion" : "rate",
                                   pct ? "0 to 1, or 0% to 100%"
                                       : "a number per the indicator's multiplier");
    if (!hln_learn_has_stratum(&def->def, o->stratum))
        return hln_cli_usage_error(a, "--stratum: indicator '%s' has no stratum '%s'",
                                   o->indicator, o->stratum);
    const hln_node_info *info = hln_node_get_info(s->node);
    snprintf(scope, HLN_SCOPE_MAX + 1, "%s", info->jurisdiction[0] ? info->jurisdiction : "global");
    if (o->collab) {
        const hln_learn_collab *c = hln_learn_collab_find(s->learn, o->collab);
        if (!c) {
            hln_warnx("no collaborative '%s' is held (hlnctl collaborative list)", o->collab);
            return EXIT_FAIL;
        }
        if (memcmp(c->o.author, hln_node_pk(s->node), HLN_KEY_LEN) != 0) {
            hln_warnx("collaborative '%s' is run by another authority: only it sets its targets",
                      o->collab);
            return EXIT_FAIL;
        }
        snprintf(scope, HLN_SCOPE_MAX + 1, "%s", c->o.scope);
        snprintf(t->collaborative, sizeof t->collaborative, "%s", o->collab);
    }
    snprintf(t->indicator, sizeof t->indicator, "%s", o->indicator);
    snprintf(t->stratum, sizeof t->stratum, "%s", o->stratum);
    snprintf(t->by, sizeof t->by, "%s", o->by);
    t->value_micro = (uint64_t)llround(v * 1e6);
    return HLN_CLI_GO;
}

static int target_set(const char *datadir, int argc, char **argv, bool json)
{
    set_opts o = {.stratum = ""};
    const hln_cli_opt opts[] = {
        HLN_CLI_VALUE("value", &o.value),   HLN_CLI_VALUE("by", &o.by),
        HLN_CLI_VALUE("stratum", &o.stratum), HLN_CLI_VALUE("collaborative", &o.collab),
        HLN_CLI_FLAG("json", &json),        HLN_CLI_END};
    hln_cli_args a = {.what = "target set", .opts = opts, .pos = &o.indicator, .maxpos = 1,
                      .datadir = &datadir, .usage = target_usage, .remind = true};
    int r = hln_cli_parse(&a, argc, argv);
    if (r != HLN_CLI_GO)
        return r;
    if (!o.indicator || !o.value || !o.by)
        return hln_cli_usage_error(&a, "needs INDICATOR, --value and --by");
    if (!hln_code_period(o.by, strlen(o.by)))
        return hln_cli_usage_error(&a, "--by: '%s' is not a period (2026, 2026-Q2, 2026-06)", o.by);
    hln_learn_session s;
    if (hln_learn_session_open(&s, datadir, 0) != EXIT_OK)
        return EXIT_FAIL;
    hln_body body;
    memset(&body, 0, sizeof body);
    char scope[HLN_SCOPE_MAX + 1];
    if ((r = make_target(&a, &s, &o, &body.target, scope)) == HLN_CLI_GO) {
        json_object *x = json_object_new_object();
        hln_cli_jstr(x, "indicator", o.indicator);
        json_object_object_add(x, "value",
                               json_object_new_double((double)body.target.value_micro / 1e6));
        hln_cli_jstr(x, "by", o.by);
        r = hln_learn_author(&s, datadir, HLN_REC_TARGET, &body, scope, json, x);
    }
    hln_learn_session_close(&s);
    return r;
}

static json_object *target_json(hln_learn_session *s, const hln_learn_target *t)
{
    const hln_target *x = &t->t;
    char idt[HLN_ID_TEXT_LEN + 1];
    hln_id_to_text(t->o.author, idt);
    json_object *o = json_object_new_object();
    hln_cli_jstr(o, "indicator", x->indicator);
    hln_cli_jstr(o, "stratum", x->stratum);
    hln_cli_jstr(o, "collaborative", x->collaborative);
    json_object_object_add(o, "value", json_object_new_double((double)x->value_micro / 1e6));
    hln_cli_jstr(o, "by", x->by);
    hln_cli_jstr(o, "scope", t->o.scope);
    hln_cli_jstr(o, "author", idt);
    hln_cli_jstr(o, "name", hln_learn_name_of(s, t->o.author));
    hln_cli_ju64(o, "timestamp_ms", t->o.timestamp_ms);
    return o;
}

static void print_target(hln_learn_session *s, const hln_learn_target *t)
{
    const hln_target *x = &t->t;
    const hln_node_def *def = hln_node_find_def(s->defs, s->ndefs, x->indicator);
    bool pct = !def || def->def.kind == HLN_KIND_PROPORTION;
    double v = (double)x->value_micro / 1e6;
    const char *name = hln_learn_name_of(s, t->o.author);
    char nm[HLN_NAME_MAX + 1], val[32];
    hln_util_sanitize(nm, sizeof nm, name, strlen(name), 40);
    snprintf(val, sizeof val, pct ? "%.1f%%" : "%.4g", pct ? v * 100 : v);
    printf("%-30s %-12s %-14s %-10s %-8s %-6s %s\n", x->indicator,
           x->stratum[0] ? x->stratum : "-", x->collaborative[0] ? x->collaborative : "-", val,
           x->by, t->o.scope, nm[0] ? nm : "-");
}

static int target_list(const char *datadir, int argc, char **argv, bool json)
{
    const hln_cli_opt opts[] = {HLN_CLI_FLAG("json", &json), HLN_CLI_END};
    hln_cli_args a = {.what = "target list", .opts = opts, .datadir = &datadir,
                      .usage = target_usage, .remind = true};
    int r = hln_cli_parse(&a, argc, argv);
    if (r != HLN_CLI_GO)
        return r;
    hln_learn_session s;
    if (hln_learn_session_open(&s, datadir, HLN_NODE_RDONLY) != EXIT_OK)
        return EXIT_FAIL;
    size_t n;
    const hln_learn_target *t = hln_learn_targets(s.learn, &n);
    json_object *arr = json ? json_object_new_array() : NULL;
    if (!json && n)
        printf("%-30s %-12s %-14s %-10s %-8s %-6s %s\n", "INDICATOR", "STRATUM", "COLLABORATIVE",
               "VALUE", "BY", "SCOPE", "AUTHORITY");
    for (size_t i = 0; i < n; i++) {
        if (json)
            json_object_array_add(arr, target_json(&s, &t[i]));
        else
            print_target(&s, &t[i]);
    }
    if (json)
        hln_print_json(arr);
    else if (!n)
        printf("no targets held\n");
    hln_learn_session_close(&s);
    return EXIT_OK;
}

int hln_cli_target(const char *datadir, int argc, char **argv, bool json)
{
    static const hln_cli_verb verbs[] = {
        {"set", NULL, target_set},
        {"list", "ls", target_list},
        {NULL, NULL, NULL},
    };
    return hln_cli_run_verb("target", verbs, target_usage, datadir, argc, argv, json);
}
