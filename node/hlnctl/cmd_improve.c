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

/* What a query needs beyond the session, kept alive while it runs. */
typedef struct {
    hln_bench_view view;
    hln_bench_group group;
    member_ctx mc;
    char scope_text[HLN_CODE_MAX + 32];
} query_room;

/* The collaborative's members, periods and target (its own, else its
 * authority's for the jurisdiction). EXIT_OK or EXIT_FAIL after a message. */
static int collab_query(hln_learn_session *s, const char *collab, hln_improve_query *q,
                        query_room *room, const hln_learn_target **target)
{
    room->mc.c = hln_learn_collab_find(s->learn, collab);
    if (!room->mc.c) {
        hln_warnx("no collaborative '%s' is held (hlnctl collaborative list)", collab);
        return EXIT_FAIL;
    }
    q->in_group = is_member;
    q->group_ctx = &room->mc;
    q->collab = &room->mc.c->c;
    q->collab_id = room->mc.c->o.id;
    snprintf(room->scope_text, sizeof room->scope_text, "collaborative:%s", collab);
    *target = hln_learn_target_for(s->learn, q->indicator->code, q->stratum, room->mc.c, NULL);
    if (!*target)
        *target = hln_learn_target_for(s->learn, q->indicator->code, q->stratum, NULL,
                                       room->mc.c->o.scope);
    return EXIT_OK;
}

/* This node's comparison group (and --unit), and its jurisdiction's target. */
static int group_query(hln_learn_session *s, hln_improve_query *q, query_room *room,
                       const hln_learn_target **target)
{
    char dflt[HLN_SCOPE_MAX + 1];
    const hln_node_info *info = hln_node_get_info(s->node);
    hln_bench_default_group(info, dflt);
    memset(&room->group, 0, sizeof room->group);
    if (hln_bench_group_parse(dflt, &room->group)) {
        hln_warnx("no comparison group for this node");
        return EXIT_FAIL;
    }
    room->group.view = &room->view;
    q->in_group = hln_bench_group_has;
    q->group_ctx = &room->group;
    snprintf(room->scope_text, sizeof room->scope_text, "%s%s%s", room->group.text,
             q->unit ? " unit:" : "", q->unit ? q->unit : "");
    *target = hln_learn_target_for(s->learn, q->indicator->code, q->stratum, NULL,
                                   info->jurisdiction[0] ? info->jurisdiction : NULL);
    return EXIT_OK;
}

/* Run the query and print it as asked. EXIT_OK or EXIT_FAIL. */
static int run_and_print(hln_learn_session *s, const hln_improve_query *q, bool json, bool csv)
{
    hln_improve_result *r = NULL;
    int rc = hln_improve_run(hln_node_store(s->node), q, &r);
    if (rc != 0) {
        hln_warnx("improve: %s", hln_strerror(rc));
        return EXIT_FAIL;
    }
    if (json)
        rc = hln_improve_write_json(r, hln_learn_name_of, s, stdout);
    else if (csv)
        rc = hln_improve_write_csv(r, hln_learn_name_of, s, stdout);
    else
        rc = hln_improve_write_table(r, hln_learn_name_of, s, stdout);
    hln_improve_result_destroy(&r);
    return rc ? EXIT_FAIL : EXIT_OK;
}

typedef struct {
    const char *indicator, *unit, *collab, *stratum;
    bool json, csv;
} improve_opts;

static int improve_session(hln_learn_session *s, const hln_cli_args *a, const improve_opts *o)
{
    const hln_node_def *def = hln_node_find_def(s->defs, s->ndefs, o->indicator);
    if (!def) {
        hln_warnx("indicator '%s' is not defined on this node (hlnctl indicator list)",
                  o->indicator);
        return EXIT_FAIL;
    }
    if (!hln_learn_has_stratum(&def->def, o->stratum))
        return hln_cli_usage_error(a, "--stratum: indicator '%s' has no stratum '%s'",
                                   o->indicator, o->stratum);
    query_room room;
    memset(&room, 0, sizeof room);
    room.view = (hln_bench_view){.node = s->node, .trust = s->trust, .now_ms = s->now_ms};
    hln_improve_query q = {.indicator = &def->def, .stratum = o->stratum, .unit = o->unit,
                           .excluded = hln_bench_view_excluded, .excluded_ctx = &room.view};
    const hln_learn_target *target = NULL;
    int rc = o->collab ? collab_query(s, o->collab, &q, &room, &target)
                       : group_query(s, &q, &room, &target);
    if (rc != EXIT_OK)
        return rc;
    q.scope_text = room.scope_text;
    if (target) {
        q.has_target = true;
        q.target = (double)target->t.value_micro / 1e6;
        q.target_id = target->o.id;
    }
    return run_and_print(s, &q, o->json, o->csv);
}

int hln_cli_improve(const char *datadir, int argc, char **argv, bool json)
{
    improve_opts o = {.stratum = "", .json = json};
    const hln_cli_opt opts[] = {
        HLN_CLI_VALUE("unit", &o.unit),       HLN_CLI_VALUE("collaborative", &o.collab),
        HLN_CLI_VALUE("stratum", &o.stratum), HLN_CLI_FLAG("json", &o.json),
        HLN_CLI_FLAG("csv", &o.csv),          HLN_CLI_END};
    hln_cli_args a = {.what = "improve", .opts = opts, .pos = &o.indicator, .maxpos = 1,
                      .datadir = &datadir, .usage = improve_usage, .remind = true};
    int r = hln_cli_parse(&a, argc, argv);
    if (r != HLN_CLI_GO)
        return r;
    if (!o.indicator)
        return hln_cli_usage_error(&a, "needs an INDICATOR");
    if (o.unit && o.collab)
        return hln_cli_usage_error(&a, "--unit or --collaborative, not both");
    if (o.json && o.csv)
        return hln_cli_usage_error(&a, "--json or --csv, not both");
    if (o.unit && (strlen(o.unit) > HLN_CODE_MAX || !hln_code_unit(o.unit, strlen(o.unit))))
        return hln_cli_usage_error(&a, "--unit: '%s' is not a unit code", o.unit);
    hln_learn_session s;
    if (hln_learn_session_open(&s, datadir, HLN_NODE_RDONLY) != EXIT_OK)
        return EXIT_FAIL;
    r = improve_session(&s, &a, &o);
    hln_learn_session_close(&s);
    return r;
}
