/* cmd_improve.c - hlnctl improve (docs/CLI.md; the rules in docs/BENCHMARKS.md, "Improvement over time"). */
#include "node/hlnctl/cmd_improve.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/err.h"
#include "node/bench_view.h"
#include "node/hlnctl/cli.h"
#include "node/hlnctl/learn_cli.h"
#include "node/improve.h"
#include "proto/codes.h"

static void improve_usage(FILE *f)
{
    fputs("usage: hlnctl [-d DIR] improve INDICATOR [--unit U | --collaborative C] [--stratum S]\n"
          "                     [--json|--csv]\n"
          "\n"
          "Improvement over time, per unit: the series over periods with a run chart and a\n"
          "Shewhart chart (p-chart for proportions, u-chart for rates) whose centre and\n"
          "limits come from a baseline (the periods before the collaborative's start, else\n"
          "the first min(12, n/2) periods), the signals found (shift, trend, astronomical,\n"
          "runs), baseline, latest, target met, improvement and, after the collaborative's\n"
          "end, whether the gain holds; a digest over the records used, the same on every\n"
          "node that holds the same evidence (docs/BENCHMARKS.md).\n"
          "\n"
          "  --unit U            one unit code only (in this node's comparison group)\n"
          "  --collaborative C   the collaborative's members, its periods and its target\n"
          "  --stratum S         a stratum (default: the total)\n"
          "  --json              machine-readable output, every point and signal\n"
          "  --csv               one row per unit and period\n",
          f);
}

typedef struct {
    const hln_learn_collab *c;
} member_ctx;

static bool is_member(void *ctx, const uint8_t author[HLN_KEY_LEN])
{
    return hln_learn_collab_has(((member_ctx *)ctx)->c, author);
}

int hln_cli_improve(const char *datadir, int argc, char **argv, bool json)
{
    const char *indicator = NULL, *unit = NULL, *collab = NULL, *stratum = "";
    bool csv = false;
    for (int i = 1; i < argc; i++) {
        bool missing = false;
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            improve_usage(stdout);
            return 0;
        } else if (!strcmp(argv[i], "--json"))
            json = true;
        else if (!strcmp(argv[i], "--csv"))
            csv = true;
        else if (hln_learn_opt(argc, argv, &i, "--unit", &unit, &missing) ||
                 hln_learn_opt(argc, argv, &i, "--collaborative", &collab, &missing) ||
                 hln_learn_opt(argc, argv, &i, "--stratum", &stratum, &missing)) {
            if (missing) {
                hln_warnx("%s needs a value", argv[i]);
                return 2;
            }
        } else if (argv[i][0] == '-' || indicator) {
            hln_warnx("improve: unexpected '%s'", argv[i]);
            improve_usage(stderr);
            return 2;
        } else
            indicator = argv[i];
    }
    if (!indicator || (unit && collab) || (json && csv)) {
        hln_warnx(!indicator ? "improve needs an INDICATOR"
                             : "--unit and --collaborative, --json and --csv exclude each other");
        improve_usage(stderr);
        return 2;
    }
    if (unit && (strlen(unit) > HLN_CODE_MAX || !hln_code_unit(unit, strlen(unit)))) {
        hln_warnx("--unit: '%s' is not a unit code", unit);
        return 2;
    }
    hln_learn_session s;
    if (hln_learn_session_open(&s, datadir, HLN_NODE_RDONLY))
        return 1;
    int rc = 1;
    hln_improve_result *r = NULL;
    const hln_node_def *def = hln_node_find_def(s.defs, s.ndefs, indicator);
    if (!def) {
        hln_warnx("indicator '%s' is not defined on this node (hlnctl indicator list)", indicator);
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
    hln_bench_view view = {.node = s.node, .trust = s.trust, .now_ms = s.now_ms};
    hln_bench_group group;
    member_ctx mc = {NULL};
    char dflt[HLN_SCOPE_MAX + 1], scope_text[HLN_CODE_MAX + 32];
    hln_improve_query q = {.indicator = &def->def, .stratum = stratum, .unit = unit,
                           .excluded = hln_bench_view_excluded, .excluded_ctx = &view};
    const hln_learn_target *target = NULL;
    if (collab) {
        mc.c = hln_learn_collab_find(s.learn, collab);
        if (!mc.c) {
            hln_warnx("no collaborative '%s' is held (hlnctl collaborative list)", collab);
            goto out;
        }
        q.in_group = is_member;
        q.group_ctx = &mc;
        q.collab = &mc.c->c;
        q.collab_id = mc.c->o.id;
        snprintf(scope_text, sizeof scope_text, "collaborative:%s", collab);
        target = hln_learn_target_for(s.learn, indicator, stratum, mc.c, NULL);
        if (!target)
            target = hln_learn_target_for(s.learn, indicator, stratum, NULL, mc.c->o.scope);
    } else {
        hln_bench_default_group(hln_node_get_info(s.node), dflt);
        memset(&group, 0, sizeof group);
        if (hln_bench_group_parse(dflt, &group)) {
            hln_warnx("no comparison group for this node");
            goto out;
        }
        group.view = &view;
        q.in_group = hln_bench_group_has;
        q.group_ctx = &group;
        snprintf(scope_text, sizeof scope_text, "%s%s%s", group.text, unit ? " unit:" : "",
                 unit ? unit : "");
        const char *j = hln_node_get_info(s.node)->jurisdiction;
        target = hln_learn_target_for(s.learn, indicator, stratum, NULL, j[0] ? j : NULL);
    }
    q.scope_text = scope_text;
    if (target) {
        q.has_target = true;
        q.target = (double)target->t.value_micro / 1e6;
        q.target_id = target->o.id;
    }
    if ((rc = hln_improve_run(hln_node_store(s.node), &q, &r)) != 0) {
        hln_warnx("improve: %s", hln_strerror(rc));
        rc = 1;
        goto out;
    }
    if (json)
        rc = hln_improve_write_json(r, hln_learn_name_of, &s, stdout);
    else if (csv)
        rc = hln_improve_write_csv(r, hln_learn_name_of, &s, stdout);
    else
        rc = hln_improve_write_table(r, hln_learn_name_of, &s, stdout);
    rc = rc ? 1 : 0;
out:
    hln_improve_result_destroy(&r);
    hln_learn_session_close(&s);
    return rc;
}
