/* cmd_equity.c - hlnctl bench --by: each unit's strata side by side, the gap to a reference
 * stratum, SII and RII (node/equity.c, docs/BENCHMARKS.md "Equity"). */
#include "node/hlnctl/cmd_equity.h"

#include <getopt.h>
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

int hln_cli_bench_by(const char *datadir, int argc, char **argv, bool json)
{
    static const struct option lopts[] = {
        {"period", required_argument, NULL, 'p'}, {"by", required_argument, NULL, 'b'},
        {"ref", required_argument, NULL, 'r'},    {"group", required_argument, NULL, 'g'},
        {"method", required_argument, NULL, 'm'}, {"ci", required_argument, NULL, 'c'},
        {"json", no_argument, NULL, 'j'},         {"csv", no_argument, NULL, 'v'},
        {"data-dir", required_argument, NULL, 'd'}, {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *period = NULL, *by = NULL, *ref = NULL, *group = NULL, *indicator = NULL;
    int method = -1;
    uint32_t ci = HLN_CI_WILSON;
    bool csv = false;
    opterr = 0;
    optind = 0;
    int c;
    while ((c = getopt_long(argc, argv, ":hd:", lopts, NULL)) != -1) {
        switch (c) {
        case 'h':
            usage(stdout);
            return EXIT_OK;
        case 'd':
            datadir = optarg;
            break;
        case 'p':
            period = optarg;
            break;
        case 'b':
            by = optarg;
            break;
        case 'r':
            ref = optarg;
            break;
        case 'g':
            group = optarg;
            break;
        case 'm':
            if (strcmp(optarg, "exact") && strcmp(optarg, "wilson")) {
                hln_warnx("bench: --method: exact or wilson");
                goto bad;
            }
            method = !strcmp(optarg, "wilson");
            break;
        case 'c':
            if (strcmp(optarg, "wilson") && strcmp(optarg, "clopper-pearson")) {
                hln_warnx("bench: --ci: wilson or clopper-pearson");
                goto bad;
            }
            ci = strcmp(optarg, "wilson") ? HLN_CI_CLOPPER_PEARSON : HLN_CI_WILSON;
            break;
        case 'j':
            json = true;
            break;
        case 'v':
            csv = true;
            break;
        case ':':
            hln_warnx("bench: option '%s' needs a value", argv[optind - 1]);
            goto bad;
        default:
            hln_warnx("bench: option '%s' does not go with --by", argv[optind - 1]);
            goto bad;
        }
    }
    if (optind + 1 != argc) {
        hln_warnx("bench: one INDICATOR expected");
        goto bad;
    }
    indicator = argv[optind];
    if (!period || strlen(period) > HLN_PERIOD_MAX || !hln_code_period(period, strlen(period))) {
        hln_warnx("bench: --period P (2026, 2026-Q3, 2026-09) is required with --by");
        goto bad;
    }
    if (!by || !by[0] || strlen(by) > HLN_CODE_MAX || strchr(by, '=') ||
        !hln_code_stratum(by, strlen(by))) {
        hln_warnx("bench: --by: a dimension such as sex or deprivation");
        goto bad;
    }
    if (json && csv) {
        hln_warnx("bench: --json or --csv, not both");
        goto bad;
    }

    char err[512] = "";
    hln_node *node = NULL;
    hln_trust *trust = NULL;
    hln_node_def *defs = NULL;
    size_t ndefs = 0;
    int st = EXIT_FAIL;
    int rc = hln_node_open(datadir, HLN_NODE_RDONLY, &node, err, sizeof err);
    if (rc < 0) {
        hln_warnx("%s", err[0] ? err : hln_strerror(rc));
        return EXIT_FAIL;
    }
    hln_equity_result *r = NULL;
    if ((rc = hln_gov_trust_load(node, &trust)) < 0 ||
        (rc = hln_node_definitions(node, &defs, &ndefs)) < 0) {
        hln_warnx("reading the store: %s", hln_strerror(rc));
        goto out;
    }
    const hln_node_def *def = hln_node_find_def(defs, ndefs, indicator);
    if (!def) {
        hln_warnx("indicator '%s' is not defined on this node (hlnctl indicator list)", indicator);
        goto out;
    }
    hln_bench_view view = {.node = node, .trust = trust, .now_ms = hln_util_wall_ms()};
    char dflt[HLN_SCOPE_MAX + 1];
    hln_bench_default_group(hln_node_get_info(node), dflt);
    hln_bench_group g;
    memset(&g, 0, sizeof g);
    if (hln_bench_group_parse(group ? group : dflt, &g) != 0) {
        hln_warnx("bench: --group: all, a jurisdiction (CA, CA-ON) or level:LEVEL");
        st = EXIT_USAGE;
        goto out;
    }
    g.view = &view;
    hln_bench_query q = {.indicator = &def->def,
                         .period = period,
                         .group = g.text,
                         .in_group = hln_bench_group_has,
                         .group_ctx = &g,
                         .excluded = hln_bench_view_excluded,
                         .excluded_ctx = &view,
                         .method = method,
                         .ci = ci};
    rc = hln_equity_run(hln_node_store(node), &q, by, ref, &r);
    if (rc == HLN_EPERM) {
        hln_warnx("bench: --by compares proportions and rates; %s is a %s", indicator,
                  hln_bench_kind_name(def->def.kind));
        goto out;
    }
    if (rc == HLN_EINVAL) {
        hln_warnx("bench: %s has no stratum %s=...%s%s", indicator, by, ref ? " or no stratum " : "",
                  ref ? ref : "");
        goto out;
    }
    if (rc < 0) {
        hln_warnx("bench: %s", hln_strerror(rc));
        goto out;
    }
    if (json)
        rc = hln_equity_write_json(r, stdout);
    else if (csv)
        rc = hln_equity_write_csv(r, stdout);
    else
        rc = hln_equity_write_table(r, hln_node_pk(node), stdout);
    if (rc < 0 || fflush(stdout) != 0) {
        hln_warnx("bench: cannot write the output");
        goto out;
    }
    st = EXIT_OK;
out:
    hln_equity_destroy(&r);
    free(defs);
    hln_trust_destroy(&trust);
    hln_node_close(&node);
    return st;
bad:
    usage(stderr);
    return EXIT_USAGE;
}
