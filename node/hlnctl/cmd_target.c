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

static int target_set(const char *datadir, int argc, char **argv, bool json)
{
    const char *indicator = NULL, *value = NULL, *by = NULL, *stratum = "", *collab = NULL;
    for (int i = 1; i < argc; i++) {
        bool missing = false;
        if (!strcmp(argv[i], "--json"))
            json = true;
        else if (hln_learn_opt(argc, argv, &i, "--value", &value, &missing) ||
                 hln_learn_opt(argc, argv, &i, "--by", &by, &missing) ||
                 hln_learn_opt(argc, argv, &i, "--stratum", &stratum, &missing) ||
                 hln_learn_opt(argc, argv, &i, "--collaborative", &collab, &missing)) {
            if (missing) {
                hln_warnx("%s needs a value", argv[i]);
                return 2;
            }
        } else if (argv[i][0] == '-' || indicator) {
            hln_warnx("target set: unexpected '%s'", argv[i]);
            target_usage(stderr);
            return 2;
        } else {
            indicator = argv[i];
        }
    }
    if (!indicator || !value || !by) {
        hln_warnx("target set needs INDICATOR, --value and --by");
        target_usage(stderr);
        return 2;
    }
    if (!hln_code_period(by, strlen(by))) {
        hln_warnx("--by: '%s' is not a period (2026, 2026-Q2, 2026-06)", by);
        return 2;
    }
    hln_learn_session s;
    if (hln_learn_session_open(&s, datadir, 0))
        return 1;
    int rc = 1;
    const hln_node_def *def = hln_node_find_def(s.defs, s.ndefs, indicator);
    double v = 0;
    if (!def) {
        hln_warnx("indicator '%s' is not defined on this node (hlnctl indicator list)", indicator);
        goto out;
    }
    if (parse_value(value, &def->def, &v)) {
        hln_warnx("--value: '%s' is not a %s value (%s)", value,
                  def->def.kind == HLN_KIND_PROPORTION ? "proportion" : "rate",
                  def->def.kind == HLN_KIND_PROPORTION ? "0 to 1, or 0% to 100%"
                                                       : "a number per the indicator's multiplier");
        rc = 2;
        goto out;
    }
    bool known = !stratum[0];
    for (uint32_t k = 0; k < def->def.n_strata && !known; k++)
        known = !strcmp(def->def.strata[k], stratum);
    if (!known) {
        hln_warnx("--stratum: indicator '%s' has no stratum '%s'", indicator, stratum);
        rc = 2;
        goto out;
    }
    char scope[HLN_SCOPE_MAX + 1];
    const hln_node_info *info = hln_node_get_info(s.node);
    snprintf(scope, sizeof scope, "%s", info->jurisdiction[0] ? info->jurisdiction : "global");
    hln_body body;
    memset(&body, 0, sizeof body);
    hln_target *t = &body.target;
    if (collab) {
        const hln_learn_collab *c = hln_learn_collab_find(s.learn, collab);
        if (!c) {
            hln_warnx("no collaborative '%s' is held (hlnctl collaborative list)", collab);
            goto out;
        }
        if (memcmp(c->o.author, hln_node_pk(s.node), HLN_KEY_LEN) != 0) {
            hln_warnx("collaborative '%s' is run by another authority: only it sets its targets",
                      collab);
            goto out;
        }
        snprintf(scope, sizeof scope, "%s", c->o.scope);
        snprintf(t->collaborative, sizeof t->collaborative, "%s", collab);
    }
    snprintf(t->indicator, sizeof t->indicator, "%s", indicator);
    snprintf(t->stratum, sizeof t->stratum, "%s", stratum);
    snprintf(t->by, sizeof t->by, "%s", by);
    t->value_micro = (uint64_t)llround(v * 1e6);
    json_object *x = json_object_new_object();
    json_object_object_add(x, "indicator", json_object_new_string(indicator));
    json_object_object_add(x, "value", json_object_new_double((double)t->value_micro / 1e6));
    json_object_object_add(x, "by", json_object_new_string(by));
    rc = hln_learn_author(&s, datadir, HLN_REC_TARGET, &body, scope, json, x);
out:
    hln_learn_session_close(&s);
    return rc;
}

static int target_list(const char *datadir, int argc, char **argv, bool json)
{
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--json"))
            json = true;
        else {
            hln_warnx("target list: unexpected '%s'", argv[i]);
            return 2;
        }
    }
    hln_learn_session s;
    if (hln_learn_session_open(&s, datadir, HLN_NODE_RDONLY))
        return 1;
    size_t n;
    const hln_learn_target *t = hln_learn_targets(s.learn, &n);
    json_object *arr = json ? json_object_new_array() : NULL;
    if (!json && n)
        printf("%-30s %-12s %-14s %-10s %-8s %-6s %s\n", "INDICATOR", "STRATUM", "COLLABORATIVE",
               "VALUE", "BY", "SCOPE", "AUTHORITY");
    for (size_t i = 0; i < n; i++) {
        const hln_target *x = &t[i].t;
        const hln_node_def *def = hln_node_find_def(s.defs, s.ndefs, x->indicator);
        bool pct = !def || def->def.kind == HLN_KIND_PROPORTION;
        double v = (double)x->value_micro / 1e6;
        const char *name = hln_learn_name_of(&s, t[i].o.author);
        if (json) {
            char idt[HLN_ID_TEXT_LEN + 1];
            hln_id_to_text(t[i].o.author, idt);
            json_object *o = json_object_new_object();
            json_object_object_add(o, "indicator", json_object_new_string(x->indicator));
            json_object_object_add(o, "stratum", json_object_new_string(x->stratum));
            json_object_object_add(o, "collaborative", json_object_new_string(x->collaborative));
            json_object_object_add(o, "value", json_object_new_double(v));
            json_object_object_add(o, "by", json_object_new_string(x->by));
            json_object_object_add(o, "scope", json_object_new_string(t[i].o.scope));
            json_object_object_add(o, "author", json_object_new_string(idt));
            json_object_object_add(o, "name", json_object_new_string(name));
            json_object_object_add(o, "timestamp_ms", json_object_new_uint64(t[i].o.timestamp_ms));
            json_object_array_add(arr, o);
        } else {
            char nm[HLN_NAME_MAX + 1], val[32];
            hln_util_sanitize(nm, sizeof nm, name, strlen(name), 40);
            snprintf(val, sizeof val, pct ? "%.1f%%" : "%.4g", pct ? v * 100 : v);
            printf("%-30s %-12s %-14s %-10s %-8s %-6s %s\n", x->indicator,
                   x->stratum[0] ? x->stratum : "-", x->collaborative[0] ? x->collaborative : "-",
                   val, x->by, t[i].o.scope, nm[0] ? nm : "-");
        }
    }
    if (json)
        hln_print_json(arr);
    else if (!n)
        printf("no targets held\n");
    hln_learn_session_close(&s);
    return 0;
}

int hln_cli_target(const char *datadir, int argc, char **argv, bool json)
{
    if (argc < 1) {
        target_usage(stderr);
        return 2;
    }
    for (int i = 0; i < argc; i++)
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h") ||
            (i == 0 && !strcmp(argv[i], "help"))) {
            target_usage(stdout);
            return 0;
        }
    if (!strcmp(argv[0], "set"))
        return target_set(datadir, argc, argv, json);
    if (!strcmp(argv[0], "list"))
        return target_list(datadir, argc, argv, json);
    hln_warnx("target: unknown command '%s'", argv[0]);
    target_usage(stderr);
    return 2;
}
