/* cmd_equity.c - hlnctl bench --by: each unit's strata side by side, the gap to a reference
 * stratum, SII and RII (node/equity.c, docs/BENCHMARKS.md "Equity"). */
#include "node/hlnctl/cmd_equity.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/err.h"
#include "node/bench.h"
#include "node/bench_view.h"
#include "node/equity.h"
#include "node/gov.h"
#include "node/hlnctl/cli.h"
#include "node/node.h"
#include "node/util.h"
#include "proto/codes.h"


bool hln_cli_bench_wants_by(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--"))
            return false;
        if (!strcmp(argv[i], "--by") || !strncmp(argv[i], "--by=", 5))
            return true;
    }
    return false;
}

static void usage(FILE *f)
{
    fputs("usage: hlnctl [-d DIR] bench INDICATOR --period P --by DIMENSION [--ref STRATUM]\n"
          "                               [--group G] [--method exact|wilson]\n"
          "                               [--ci wilson|clopper-pearson] [--json|--csv]\n"
          "Each unit's value and 95% interval in every stratum of DIMENSION (the strata\n"
          "\"DIMENSION=...\" of the indicator) side by side, with the gap to the reference\n"
          "stratum (difference and ratio, with 95% limits) and, when the strata are ordered\n"
          "(deprivation=1..5, age bands) and at least 5, the slope and relative indices of\n"
          "inequality (SII, RII) as PHEindicatormethods' phe_sii computes them. The first\n"
          "row is the group pooled stratum by stratum. See docs/BENCHMARKS.md, \"Equity\".\n\n"
          "  --by DIMENSION      sex, deprivation, age, ...\n"
          "  --ref STRATUM       the reference stratum (default: the last of an ordered\n"
          "                      dimension, the least deprived; else the first)\n"
          "  --period, --group, --method, --ci, --json, --csv: as for bench\n",
          f);
}

/* bench --by's arguments, parsed and checked. */
typedef struct {
    const char *indicator, *period, *by, *ref, *group, *method_s, *ci_s;
    int method; /* -1: the indicator's */
    uint32_t ci;
    bool json, csv;
} by_opts;

/* Parse and check. HLN_CLI_GO, or the exit status after a message. */
static int by_parse(const char **datadir, int argc, char **argv, by_opts *o)
{
    const hln_cli_opt opts[] = {
        HLN_CLI_VALUE("period", &o->period), HLN_CLI_VALUE("by", &o->by),
        HLN_CLI_VALUE("ref", &o->ref),       HLN_CLI_VALUE("group", &o->group),
        HLN_CLI_VALUE("method", &o->method_s), HLN_CLI_VALUE("ci", &o->ci_s),
        HLN_CLI_FLAG("json", &o->json),      HLN_CLI_FLAG("csv", &o->csv),
        HLN_CLI_END};
    hln_cli_args a = {.what = "bench", .opts = opts, .pos = &o->indicator, .maxpos = 1,
                      .datadir = datadir, .usage = usage, .remind = true};
    int r = hln_cli_parse(&a, argc, argv);
    if (r != HLN_CLI_GO)
        return r;
    if (a.npos != 1)
        return hln_cli_usage_error(&a, "one INDICATOR expected");
    if (o->method_s && strcmp(o->method_s, "exact") && strcmp(o->method_s, "wilson"))
        return hln_cli_usage_error(&a, "--method: exact or wilson");
    if (o->method_s)
        o->method = !strcmp(o->method_s, "wilson");
    if (o->ci_s && strcmp(o->ci_s, "wilson") && strcmp(o->ci_s, "clopper-pearson"))
        return hln_cli_usage_error(&a, "--ci: wilson or clopper-pearson");
    if (o->ci_s)
        o->ci = strcmp(o->ci_s, "wilson") ? HLN_CI_CLOPPER_PEARSON : HLN_CI_WILSON;
    const char *p = o->period;
    if (!p || strlen(p) > HLN_PERIOD_MAX || !hln_code_period(p, strlen(p)))
        return hln_cli_usage_error(&a, "--period P (2026, 2026-Q3, 2026-09) is required with --by");
    const char *b = o->by;
    if (!b || !b[0] || strlen(b) > HLN_CODE_MAX || strchr(b, '=') || !hln_code_stratum(b, strlen(b)))
        return hln_cli_usage_error(&a, "--by: a dimension such as sex or deprivation");
    if (o->json && o->csv)
        return hln_cli_usage_error(&a, "--json or --csv, not both");
    return HLN_CLI_GO;
}

/* Run the comparison for `def` in the asked (or default) group. 0, or the
 * exit status after a message. */
static int by_run(hln_node *node, hln_trust *trust, const hln_node_def *def, const by_opts *o,
                  hln_equity_result **r)
{
    hln_bench_view view = {.node = node, .trust = trust, .now_ms = hln_util_wall_ms()};
    char dflt[HLN_SCOPE_MAX + 1];
    hln_bench_default_group(hln_node_get_info(node), dflt);
    hln_bench_group g;
    memset(&g, 0, sizeof g);
    if (hln_bench_group_parse(o->group ? o->group : dflt, &g) != 0) {
        hln_warnx("bench: --group: all, a jurisdiction (CA, CA-ON) or level:LEVEL");
        return EXIT_USAGE;
    }
    g.view = &view;
    hln_bench_query q = {.indicator = &def->def,
                         .period = o->period,
                         .group = g.text,
                         .in_group = hln_bench_group_has,
                         .group_ctx = &g,
                         .excluded = hln_bench_view_excluded,
                         .excluded_ctx = &view,
                         .successor = hln_bench_view_successor,
                         .successor_ctx = &view,
                         .method = o->method,
                         .ci = o->ci};
    int rc = hln_equity_run(hln_node_store(node), &q, o->by, o->ref, r);
    if (rc == HLN_EPERM)
        hln_warnx("bench: --by compares proportions and rates; %s is a %s", o->indicator,
                  hln_bench_kind_name(def->def.kind));
    else if (rc == HLN_EINVAL)
        hln_warnx("bench: %s has no stratum %s=...%s%s", o->indicator, o->by,
                  o->ref ? " or no stratum " : "", o->ref ? o->ref : "");
    else if (rc < 0)
        hln_warnx("bench: %s", hln_strerror(rc));
    return rc < 0 ? EXIT_FAIL : 0;
}

/* The result as asked: --json, --csv or the table. */
static int by_print(const hln_equity_result *r, const by_opts *o, const uint8_t *own)
{
    int rc = o->json ? hln_equity_write_json(r, stdout)
             : o->csv ? hln_equity_write_csv(r, stdout)
                      : hln_equity_write_table(r, own, stdout);
    if (rc < 0 || fflush(stdout) != 0) {
        hln_warnx("bench: cannot write the output");
        return EXIT_FAIL;
    }
    return EXIT_OK;
}

int hln_cli_bench_by(const char *datadir, int argc, char **argv, bool json)
{
    by_opts o = {.method = -1, .ci = HLN_CI_WILSON, .json = json};
    int st = by_parse(&datadir, argc, argv, &o);
    if (st != HLN_CLI_GO)
        return st;
    hln_node *node = NULL;
    hln_trust *trust = NULL;
    hln_node_def *defs = NULL;
    hln_equity_result *r = NULL;
    size_t ndefs = 0;
    int rc;
    st = EXIT_FAIL;
    if (hln_cli_open_node(datadir, HLN_NODE_RDONLY, &node) < 0)
        return EXIT_FAIL;
    if ((rc = hln_gov_trust_load(node, &trust)) < 0 ||
        (rc = hln_node_definitions(node, &defs, &ndefs)) < 0) {
        hln_warnx("reading the store: %s", hln_strerror(rc));
        goto out;
    }
    const hln_node_def *def = hln_node_find_def(defs, ndefs, o.indicator);
    if (!def)
        hln_warnx("indicator '%s' is not defined on this node (hlnctl indicator list)",
                  o.indicator);
    else if ((st = by_run(node, trust, def, &o, &r)) == 0)
        st = by_print(r, &o, hln_node_pk(node));
out:
    hln_equity_destroy(&r);
    free(defs);
    hln_trust_destroy(&trust);
    hln_node_close(&node);
    return st;
}
