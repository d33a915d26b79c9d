/* bench_cmds.c - hlnctl bench and rollup: benchmarks and jurisdiction roll-ups from a node's trust
 * view. */
#include "node/hlnctl/cli.h"
#include "node/hlnctl/cmd_bench.h"
#include "node/hlnctl/cmd_equity.h"
#include "node/rollup.h"
#include "node/bench_view.h"

#include <getopt.h>
#include <json-c/json.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crypto/err.h"
#include "proto/codes.h"
#include "node/bench.h"
#include "node/hlnctl/cmd_peer.h"
#include "node/disclosure.h"
#include "node/hlnctl/cmd_gov.h"
#include "node/hlnctl/cmd_verify.h"
#include "node/control.h"
#include "node/gov.h"
#include "node/util.h"

enum { EXIT_OK = 0, EXIT_FAIL = 1, EXIT_USAGE = 2 };

/* ---- shared plumbing ---- */

typedef struct {
    hln_node *node;
    hln_trust *trust;
    hln_node_def *defs;
    size_t ndefs;
    const hln_node_def *def;
    hln_bench_view view;
} session;

static void session_close(session *s)
{
    free(s->defs);
    hln_trust_destroy(&s->trust);
    hln_node_close(&s->node);
}

/* Open the node, its trust view and the definition of `indicator`.
 * Returns -1 to go on, or the exit status after a message. */
static int session_open(session *s, const char *datadir, unsigned flags, const char *indicator)
{
    memset(s, 0, sizeof *s);
    char err[512] = "";
    int rc = hln_node_open(datadir, flags, &s->node, err, sizeof err);
    if (rc < 0) {
        hln_warnx("%s", err[0] ? err : hln_strerror(rc));
        return EXIT_FAIL;
    }
    if ((rc = hln_gov_trust_load(s->node, &s->trust)) < 0 ||
        (rc = hln_node_definitions(s->node, &s->defs, &s->ndefs)) < 0) {
        hln_warnx("reading the store: %s", hln_strerror(rc));
        session_close(s);
        return EXIT_FAIL;
    }
    s->def = hln_node_find_def(s->defs, s->ndefs, indicator);
    if (!s->def) {
        hln_warnx("indicator '%s' is not defined on this node (hlnctl indicator list)", indicator);
        session_close(s);
        return EXIT_FAIL;
    }
    s->view = (hln_bench_view){.node = s->node, .trust = s->trust, .now_ms = hln_util_wall_ms()};
    return -1;
}

static bool has_stratum(const hln_indicator *d, const char *stratum)
{
    for (uint32_t i = 0; i < d->n_strata && i < HLN_STRATA_MAX; i++)
        if (!strcmp(d->strata[i], stratum))
            return true;
    return false;
}

/* ---- bench ---- */

static void rollup_usage(FILE *f);

static void bench_usage(FILE *f)
{
    fputs("usage: hlnctl [-d DIR] bench INDICATOR --period P [--group G] [--stratum S]\n"
          "                               [--method exact|wilson] [--ci wilson|clopper-pearson]\n"
          "                               [--json|--csv]\n"
          "       hlnctl [-d DIR] bench INDICATOR --trend [--per month|quarter|year] [--unit U]\n"
          "                               [--group G] [--stratum S] [--method exact|wilson] [--json]\n"
          "       hlnctl [-d DIR] bench INDICATOR --period P --by DIMENSION [--ref STRATUM]\n"
          "                               [--group G] [--json|--csv]   (strata side by side)\n"
          "       hlnctl [-d DIR] bench verify INDICATOR --period P [--group G] [--stratum S]\n"
          "                               [--method exact|wilson] [--timeout-ms N] [--json]\n"
          "Benchmark an indicator from the observations this node holds: each unit's value,\n"
          "interval, place and gap to the ABC, with the pooled value, quartiles, ABC,\n"
          "overdispersion and the evidence digest. This node's own units are marked '*'.\n"
          "`bench verify` asks the running hlnd's peers for their digest of the same query\n"
          "(exit 0 all that answered agree, 1 one differs or none answered; its own --help).\n"
          "See docs/BENCHMARKS.md.\n\n"
          "  --period P          2026, 2026-Q3 or 2026-09; a quarter or year adds up the months\n"
          "                      (or quarters) each unit reported (docs/BENCHMARKS.md)\n"
          "  --group G           a jurisdiction (CA, CA-ON: its organizations), all (national\n"
          "                      roll-ups: the global view) or level:LEVEL (default: the node's\n"
          "                      country; all on a node without one)\n"
          "  --stratum S         a stratum of the indicator instead of the total\n"
          "  --method M          funnel limits: exact or wilson (default: the indicator's)\n"
          "  --ci C              proportions' intervals: wilson (default) or clopper-pearson\n"
          "  --json              every figure, 17 significant digits, identical on every node\n"
          "                      holding the same evidence\n"
          "  --csv               one row per unit, with a header\n"
          "  --trend             every period held, oldest first\n"
          "  --per GRAIN         with --trend: one point per month, quarter or year, added up\n"
          "  --unit U            with --trend: follow this node's unit U (\"-\" or \"\": the node\n"
          "                      itself)\n"
          "  -d, --data-dir DIR  the node's data directory\n"
          "  -h, --help          this help\n",
          f);
}

typedef struct {
    const char *indicator, *period, *group, *stratum, *unit;
    int method; /* -1: the indicator's */
    uint32_t ci;
    bool json, csv, trend, publish;
    const char *scope;
    char per; /* --per: 'M', 'Q', 'Y'; 0 as held */
} bopts;

enum {
    O_PERIOD = 1000,
    O_GROUP,
    O_STRATUM,
    O_METHOD,
    O_CI,
    O_JSON,
    O_CSV,
    O_TREND,
    O_UNIT,
    O_PUBLISH,
    O_SCOPE,
    O_PER,
};

/* Parse bench or rollup options; `rollup` selects which apply. Returns -1
 * to go on, else the exit status. */
static int parse_bopts(const char **datadir, int argc, char **argv, bool rollup, bopts *o)
{
    static const struct option lopts[] = {
        {"period", required_argument, NULL, O_PERIOD},
        {"group", required_argument, NULL, O_GROUP},
        {"stratum", required_argument, NULL, O_STRATUM},
        {"method", required_argument, NULL, O_METHOD},
        {"ci", required_argument, NULL, O_CI},
        {"json", no_argument, NULL, O_JSON},
        {"csv", no_argument, NULL, O_CSV},
        {"trend", no_argument, NULL, O_TREND},
        {"unit", required_argument, NULL, O_UNIT},
        {"publish", no_argument, NULL, O_PUBLISH},
        {"scope", required_argument, NULL, O_SCOPE},
        {"per", required_argument, NULL, O_PER},
        {"data-dir", required_argument, NULL, 'd'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *cmd = rollup ? "rollup" : "bench";
    void (*usage)(FILE *) = rollup ? rollup_usage : bench_usage;
    opterr = 0;
    optind = 0; /* glibc: start afresh */
    int c;
    while ((c = getopt_long(argc, argv, ":hd:", lopts, NULL)) != -1) {
        bool bench_only = c == O_GROUP || c == O_STRATUM || c == O_METHOD || c == O_CI ||
                          c == O_CSV || c == O_TREND || c == O_UNIT || c == O_PER;
        bool rollup_only = c == O_PUBLISH || c == O_SCOPE;
        if ((rollup && bench_only) || (!rollup && rollup_only)) {
            hln_warnx("%s: option '%s' does not apply here", cmd, argv[optind - 1]);
            goto usage;
        }
        switch (c) {
        case 'h':
            usage(stdout);
            return EXIT_OK;
        case 'd':
            *datadir = optarg;
            break;
        case O_PERIOD:
            o->period = optarg;
            break;
        case O_GROUP:
            o->group = optarg;
            break;
        case O_STRATUM:
            o->stratum = optarg;
            break;
        case O_METHOD:
            if (!strcmp(optarg, "exact"))
                o->method = HLN_FUNNEL_EXACT;
            else if (!strcmp(optarg, "wilson"))
                o->method = HLN_FUNNEL_WILSON;
            else {
                hln_warnx("%s: --method is exact or wilson", cmd);
                goto usage;
            }
            break;
        case O_CI:
            if (!strcmp(optarg, "wilson"))
                o->ci = HLN_CI_WILSON;
            else if (!strcmp(optarg, "clopper-pearson") || !strcmp(optarg, "exact"))
                o->ci = HLN_CI_CLOPPER_PEARSON;
            else {
                hln_warnx("%s: --ci is wilson or clopper-pearson", cmd);
                goto usage;
            }
            break;
        case O_JSON:
            o->json = true;
            break;
        case O_CSV:
            o->csv = true;
            break;
        case O_TREND:
            o->trend = true;
            break;
        case O_UNIT:
            o->unit = optarg;
            break;
        case O_PER:
            o->per = !strcmp(optarg, "month")     ? 'M'
                     : !strcmp(optarg, "quarter") ? 'Q'
                     : !strcmp(optarg, "year")    ? 'Y'
                                                  : 0;
            if (!o->per) {
                hln_warnx("%s: --per: month, quarter or year", cmd);
                goto usage;
            }
            break;
        case O_PUBLISH:
            o->publish = true;
            break;
        case O_SCOPE:
            o->scope = optarg;
            break;
        case ':':
            hln_warnx("%s: option '%s' needs a value", cmd, argv[optind - 1]);
            goto usage;
        default:
            hln_warnx("%s: unknown option '%s'", cmd, argv[optind - 1]);
            goto usage;
        }
    }
    for (int i = optind; i < argc; i++) {
        if (o->indicator) {
            hln_warnx("%s: unexpected argument '%s'", cmd, argv[i]);
            goto usage;
        }
        o->indicator = argv[i];
    }
    if (!o->indicator) {
        hln_warnx("%s: which indicator?", cmd);
        goto usage;
    }
    if (strlen(o->indicator) > HLN_CODE_MAX ||
        !hln_code_indicator(o->indicator, strlen(o->indicator))) {
        hln_warnx("%s: '%.64s' is not an indicator code (namespace.name, such as "
              "mhpc.depression-screening)",
              cmd, o->indicator);
        goto usage;
    }
    if (o->period &&
        (strlen(o->period) > HLN_PERIOD_MAX || !hln_code_period(o->period, strlen(o->period)))) {
        hln_warnx("%s: --period: '%.16s' is not a period (2026, 2026-Q3, 2026-09)", cmd, o->period);
        goto usage;
    }
    if (o->stratum &&
        (strlen(o->stratum) > HLN_CODE_MAX || !hln_code_stratum(o->stratum, strlen(o->stratum)))) {
        hln_warnx("%s: --stratum: '%.64s' is not a stratum code", cmd, o->stratum);
        goto usage;
    }
    if (o->unit && strcmp(o->unit, "-") &&
        (strlen(o->unit) > HLN_CODE_MAX || !hln_code_unit(o->unit, strlen(o->unit)))) {
        hln_warnx("%s: --unit: '%.64s' is not a unit code", cmd, o->unit);
        goto usage;
    }
    if (o->group) {
        hln_bench_group g;
        if (hln_bench_group_parse(o->group, &g) != 0) {
            hln_warnx("%s: --group: '%.64s' is not all, a jurisdiction such as CA or CA-ON, or "
                  "level:LEVEL (organization, subnational, national, global)",
                  cmd, o->group);
            goto usage;
        }
    }
    if (o->scope &&
        (strlen(o->scope) > HLN_SCOPE_MAX || !hln_code_scope(o->scope, strlen(o->scope)))) {
        hln_warnx("%s: --scope: '%.16s' is not global or an ISO 3166 code", cmd, o->scope);
        goto usage;
    }
    if (o->json && o->csv) {
        hln_warnx("%s: --json or --csv, not both", cmd);
        goto usage;
    }
    if (o->trend) {
        if (o->period) {
            hln_warnx("%s: --trend covers every period held; drop --period", cmd);
            goto usage;
        }
        if (o->csv) {
            hln_warnx("%s: --trend prints a table or --json", cmd);
            goto usage;
        }
    } else {
        if (o->unit || o->per) {
            hln_warnx("%s: --unit and --per go with --trend", cmd);
            goto usage;
        }
        if (!o->period) {
            hln_warnx("%s: --period P is required (or --trend)", cmd);
            goto usage;
        }
    }
    return -1;
usage:
    usage(stderr);
    return EXIT_USAGE;
}

static int bench_trend(session *s, hln_bench_query *q, const bopts *o)
{
    const char *unit = NULL;
    if (o->unit)
        unit = strcmp(o->unit, "-") ? o->unit : "";
    hln_bench_trend_point *pts = NULL;
    size_t n = 0;
    int rc = hln_bench_trend(hln_node_store(s->node), q, unit ? hln_node_pk(s->node) : NULL, unit,
                             &pts, &n);
    if (rc < 0) {
        hln_warnx("bench: %s", hln_strerror(rc));
        return EXIT_FAIL;
    }
    if (o->json)
        rc = hln_bench_write_trend_json(q, pts, n, stdout);
    else
        rc = hln_bench_write_trend_table(q, pts, n, stdout);
    if (n == 0)
        hln_warnx("bench: no observations of %s held%s%s", q->indicator->code,
              q->stratum && q->stratum[0] ? " for stratum " : "",
              q->stratum && q->stratum[0] ? q->stratum : "");
    else if (unit) {
        bool any = false;
        for (size_t i = 0; i < n; i++)
            any = any || pts[i].has_unit;
        if (!any)
            hln_warnx("bench: this node's unit '%s' counted in no period of group %s", unit, q->group);
    }
    free(pts);
    if (rc < 0 || fflush(stdout) != 0) {
        hln_warnx("bench: cannot write the output");
        return EXIT_FAIL;
    }
    return EXIT_OK;
}

int hln_cli_bench(const char *datadir, int argc, char **argv, bool json)
{
    if (argc > 1 && !strcmp(argv[1], "verify")) /* node/verify_cmds.c */
        return hln_cli_bench_verify(datadir, argc, argv, json);
    if (hln_cli_bench_wants_by(argc, argv)) /* node/hlnctl/cmd_equity.c */
        return hln_cli_bench_by(datadir, argc, argv, json);
    bopts o = {.method = -1, .ci = HLN_CI_WILSON, .json = json};
    int st = parse_bopts(&datadir, argc, argv, false, &o);
    if (st >= 0)
        return st;
    session s;
    if ((st = session_open(&s, datadir, HLN_NODE_RDONLY, o.indicator)) >= 0)
        return st;
    const hln_indicator *ind = &s.def->def;
    st = EXIT_FAIL;
    if (o.stratum && o.stratum[0] && !has_stratum(ind, o.stratum)) {
        hln_warnx("bench: stratum '%s' is not one of the strata of %s", o.stratum, ind->code);
        goto out;
    }
    char dflt[HLN_SCOPE_MAX + 1];
    hln_bench_default_group(hln_node_get_info(s.node), dflt);
    hln_bench_group g;
    memset(&g, 0, sizeof g);
    if (hln_bench_group_parse(o.group ? o.group : dflt, &g) != 0) {
        hln_warnx("bench: invalid group"); /* checked by parse_bopts */
        goto out;
    }
    g.view = &s.view;
    hln_bench_query q = {.indicator = ind,
                         .period = o.period,
                         .group = g.text,
                         .in_group = hln_bench_group_has,
                         .group_ctx = &g,
                         .excluded = hln_bench_view_excluded,
                         .excluded_ctx = &s.view,
                         .stratum = o.stratum,
                         .method = o.method,
                         .ci = o.ci,
                         .per = o.per};
    if (o.trend) {
        st = bench_trend(&s, &q, &o);
        goto out;
    }
    hln_bench_result *r = NULL;
    int rc = hln_bench_run(hln_node_store(s.node), &q, &r);
    if (rc < 0) {
        hln_warnx("bench: %s", hln_strerror(rc));
        goto out;
    }
    if (o.json)
        rc = hln_bench_write_json(r, stdout);
    else if (o.csv)
        rc = hln_bench_write_csv(r, stdout);
    else
        rc = hln_bench_write_table(r, hln_node_pk(s.node), stdout);
    if (rc < 0 || fflush(stdout) != 0) {
        hln_warnx("bench: cannot write the output");
        hln_bench_result_destroy(&r);
        goto out;
    }
    /* Say why the node's own figures are missing, when they may be. */
    if (!o.json && !o.csv && r->n_excluded > 0 &&
        hln_bench_view_excluded(&s.view, hln_node_pk(s.node)))
        hln_warnx("bench: this node's own observations do not count: it has no standing in its "
              "trust view yet (hlnctl trust add; a member record that admits it)");
    hln_bench_result_destroy(&r);
    st = EXIT_OK;
out:
    session_close(&s);
    return st;
}

/* ---- rollup ---- */

static void rollup_usage(FILE *f)
{
    fputs("usage: hlnctl [-d DIR] rollup INDICATOR --period P [--publish] [--scope global|CODE]\n"
          "                                [--json]\n"
          "An authority's roll-up: the pooled numerator and denominator of the organizations\n"
          "inside its jurisdiction (the figures of `hlnctl bench INDICATOR --period P --group\n"
          "JURISDICTION`, total stratum), published with --publish as its own observation with\n"
          "unit = the jurisdiction code, disclosure control applied. Without --publish, shows\n"
          "what would be published. Subnational and national authorities only.\n\n"
          "  --period P          2026, 2026-Q3 or 2026-09\n"
          "  --publish           publish it (default: show it, write nothing)\n"
          "  --scope S           the feed (default: global for a national authority, the\n"
          "                      country for a subnational one)\n"
          "  --json              machine-readable output\n"
          "  -d, --data-dir DIR  the node's data directory\n"
          "  -h, --help          this help\n",
          f);
}

static void csv_problem(void *ctx, unsigned long line, const char *reason)
{
    (void)ctx;
    (void)line;
    hln_warnx("rollup: %s", reason);
}

/* Where this node stands as an author: its standing in force in its own
 * trust view, else its settings from init. */
static void self_standing(session *s, uint32_t *level, char j[HLN_SCOPE_MAX + 1])
{
    hln_trust_info ti;
    const hln_node_info *me = hln_node_get_info(s->node);
    if (hln_trust_member(s->trust, hln_node_pk(s->node), s->view.now_ms, &ti) == 0 &&
        ti.level != HLN_TRUST_LEVEL_ANY && ti.jurisdiction[0]) {
        *level = (uint32_t)ti.level;
        snprintf(j, HLN_SCOPE_MAX + 1, "%s", ti.jurisdiction);
        return;
    }
    *level = me->level;
    snprintf(j, HLN_SCOPE_MAX + 1, "%s", me->jurisdiction);
}

int hln_cli_rollup(const char *datadir, int argc, char **argv, bool json)
{
    bopts o = {.method = -1, .ci = HLN_CI_WILSON, .json = json};
    int st = parse_bopts(&datadir, argc, argv, true, &o);
    if (st >= 0)
        return st;
    session s;
    if ((st = session_open(&s, datadir, o.publish ? 0 : HLN_NODE_RDONLY, o.indicator)) >= 0)
        return st;
    st = EXIT_FAIL;
    hln_bench_result *r = NULL;
    hln_publish_result res;
    memset(&res, 0, sizeof res);
    hln_record *rec = NULL;
    hln_rollup_stratum *rst = NULL; /* node/rollup.c: every stratum too */
    size_t nrst = 0;
    char *csv = NULL;
    const hln_indicator *ind = &s.def->def;
    if (ind->kind == HLN_KIND_DSR || ind->kind == HLN_KIND_MEAN) {
        /* a dsr's band counts never leave the units; a mean's roll-up would
         * need the sums of squares, not carried by rollup yet */
        hln_warnx("rollup: %s is a %s: not rolled up (docs/BENCHMARKS.md)", ind->code,
                  hln_bench_kind_name(ind->kind));
        session_close(&s);
        return EXIT_FAIL;
    }

    uint32_t level;
    char j[HLN_SCOPE_MAX + 1];
    self_standing(&s, &level, j);
    if ((level != HLN_LEVEL_NATIONAL && level != HLN_LEVEL_SUBNATIONAL) || !j[0] ||
        !hln_code_jurisdiction(j, strlen(j))) {
        hln_warnx("rollup: refused: this node is %s %s; only a subnational or national authority "
              "rolls up its jurisdiction",
              level == HLN_LEVEL_ORGANIZATION ? "an" : "a", hln_level_name(level));
        goto out;
    }

    /* The pooled counts are exactly the benchmark of the jurisdiction's
     * organizations: the same evidence, the same digest. Authorities (this
     * one's earlier roll-ups, a region's) are not organizations, so no
     * aggregate is counted twice. */
    hln_bench_group g;
    memset(&g, 0, sizeof g);
    hln_bench_group_parse(j, &g);
    g.view = &s.view;
    hln_bench_query q = {.indicator = ind,
                         .period = o.period,
                         .group = g.text,
                         .in_group = hln_bench_group_has,
                         .group_ctx = &g,
                         .excluded = hln_bench_view_excluded,
                         .excluded_ctx = &s.view,
                         .method = -1,
                         .ci = HLN_CI_WILSON};
    int rc = hln_bench_run(hln_node_store(s.node), &q, &r);
    if (rc < 0) {
        hln_warnx("rollup: %s", hln_strerror(rc));
        goto out;
    }
    if (!r->has_stats) {
        hln_warnx("rollup: nothing to roll up: no organization in %s counted for %s %s (%zu "
              "suppressed, %zu excluded)",
              j, ind->code, o.period, r->n_suppressed, r->n_excluded);
        goto out;
    }
    uint64_t sx = r->summary.sum_x, sn = r->summary.sum_n;
    if ((rc = hln_rollup_strata(hln_node_store(s.node), &q, &rst, &nrst)) < 0) {
        hln_warnx("rollup: strata: %s", hln_strerror(rc));
        goto out;
    }

    char scope[HLN_SCOPE_MAX + 1];
    if (o.scope) {
        snprintf(scope, sizeof scope, "%s", o.scope);
    } else if (level == HLN_LEVEL_NATIONAL) {
        snprintf(scope, sizeof scope, "global");
    } else {
        char c[3];
        hln_scope_country(j, c);
        snprintf(scope, sizeof scope, "%s", c);
    }

    /* Judge the record as the network will, before writing it: a refused
     * record would stop this node's feed on every peer. */
    if (!(rec = calloc(1, sizeof *rec))) {
        hln_warnx("out of memory");
        goto out;
    }
    hln_record_init(rec, HLN_REC_OBSERVATION, hln_node_pk(s.node), scope, 1, NULL, s.view.now_ms);
    hln_observation *ob = &rec->body.observation;
    snprintf(ob->indicator, sizeof ob->indicator, "%s", ind->code);
    snprintf(ob->period, sizeof ob->period, "%s", o.period);
    snprintf(ob->unit, sizeof ob->unit, "%s", j);
    ob->numerator = sx;
    ob->denominator = sn;
    char why[160] = "";
    if ((rc = hln_trust_may_author(s.trust, rec, why, sizeof why)) != 0) {
        hln_warnx("rollup: refused: %s (docs/GOVERNANCE.md)", why[0] ? why : hln_strerror(rc));
        goto out;
    }

    /* Through the publishing path: the same checks, the same disclosure
     * control (the strictest minimum cell in force for the jurisdiction). */
    uint32_t floor = hln_disclosure_min_cell(hln_node_get_info(s.node)->min_cell, NULL, 0);
    uint32_t policy = hln_trust_policy_min_cell(s.trust, j, floor);
    size_t cap = 512 + nrst * 256, used;
    if (!(csv = malloc(cap))) {
        hln_warnx("out of memory");
        goto out;
    }
    used = (size_t)snprintf(csv, cap,
                            "indicator,period,unit,stratum,numerator,denominator\n%s,%s,%s,,%llu,"
                            "%llu\n",
                            ind->code, o.period, j, (unsigned long long)sx, (unsigned long long)sn);
    for (size_t i = 0; i < nrst; i++) /* strata no unit qualified for are not published */
        if (rst[i].units && rst[i].n)
            used += (size_t)snprintf(csv + used, cap - used, "%s,%s,%s,%s,%llu,%llu\n", ind->code,
                                     o.period, j, rst[i].stratum, (unsigned long long)rst[i].x,
                                     (unsigned long long)rst[i].n);
    hln_publish_opts po = {
        .scope = scope, .min_cell = policy, .dry_run = !o.publish, .ts_ms = s.view.now_ms};
    char err[256] = "";
    rc = hln_node_publish_csv(s.node, csv, strlen(csv), &po, csv_problem, NULL, &res, err,
                              sizeof err);
    if (rc < 0 || res.n < 1) {
        hln_warnx("rollup: %s", err[0] ? err : hln_strerror(rc < 0 ? rc : HLN_EINVAL));
        goto out;
    }
    const hln_disclosure_item *it = &res.items[0]; /* the total: the first row */
    bool supp = it->reason != HLN_SUPP_NONE;
    double m = ind->kind == 1 && ind->multiplier ? ind->multiplier : 1;
    double value = (double)sx / (double)sn * m;
    char hex[2 * HLN_HASH_LEN + 1];
    hln_hex(r->digest, HLN_HASH_LEN, hex);

    if (o.json) {
        json_object *x = json_object_new_object();
        json_object_object_add(x, "indicator", json_object_new_string(ind->code));
        json_object_object_add(x, "period", json_object_new_string(o.period));
        json_object_object_add(x, "jurisdiction", json_object_new_string(j));
        json_object_object_add(x, "level", json_object_new_string(hln_level_name(level)));
        json_object_object_add(x, "unit", json_object_new_string(j));
        json_object_object_add(x, "stratum", json_object_new_string(""));
        json_object_object_add(x, "scope", json_object_new_string(res.scope));
        json_object_object_add(x, "units", json_object_new_uint64(r->n_units));
        json_object_object_add(x, "suppressed_units", json_object_new_uint64(r->n_suppressed));
        json_object_object_add(x, "excluded", json_object_new_uint64(r->n_excluded));
        json_object_object_add(x, "numerator", json_object_new_uint64(sx));
        json_object_object_add(x, "denominator", json_object_new_uint64(sn));
        json_object_object_add(x, "value", json_object_new_double(value));
        json_object_object_add(x, "min_cell", json_object_new_uint64(res.min_cell));
        json_object_object_add(x, "suppressed", json_object_new_boolean(supp));
        json_object_object_add(
            x, "suppression",
            supp ? json_object_new_string(it->reason == HLN_SUPP_SMALL ? "small" : "complementary")
                 : NULL);
        json_object_object_add(x, "reason", supp ? json_object_new_string(it->why) : NULL);
        json_object_object_add(x, "digest", json_object_new_string(hex));
        json_object *sa = json_object_new_array();
        for (size_t i = 1; i < res.n; i++) {
            const hln_disclosure_item *si = &res.items[i];
            json_object *so = json_object_new_object();
            json_object_object_add(so, "stratum", json_object_new_string(si->obs.stratum));
            json_object_object_add(so, "numerator", json_object_new_uint64(si->obs.numerator));
            json_object_object_add(so, "denominator", json_object_new_uint64(si->obs.denominator));
            json_object_object_add(so, "suppressed",
                                   json_object_new_boolean(si->reason != HLN_SUPP_NONE));
            json_object_object_add(so, "reason", si->reason != HLN_SUPP_NONE
                                                     ? json_object_new_string(si->why)
                                                     : NULL);
            json_object_array_add(sa, so);
        }
        json_object_object_add(x, "strata", sa);
        json_object_object_add(x, "published", json_object_new_boolean(o.publish));
        json_object_object_add(x, "seq", o.publish ? json_object_new_uint64(res.first_seq) : NULL);
        puts(json_object_to_json_string_ext(x, JSON_C_TO_STRING_PRETTY |
                                                   JSON_C_TO_STRING_NOSLASHESCAPE));
        json_object_put(x);
    } else {
        char v[64];
        if (ind->kind == 1)
            snprintf(v, sizeof v, "%.3g per %u", value, ind->multiplier ? ind->multiplier : 1);
        else
            snprintf(v, sizeof v, "%.1f%%", value * 100);
        printf("rollup %s %s for %s (%s): %zu organization unit%s counted, %zu suppressed, %zu "
               "excluded\n",
               ind->code, o.period, j, hln_level_name(level), r->n_units,
               r->n_units == 1 ? "" : "s", r->n_suppressed, r->n_excluded);
        printf("pooled: %llu / %llu = %s\n", (unsigned long long)sx, (unsigned long long)sn, v);
        printf("evidence %s (hlnctl bench %s --period %s --group %s)\n", hex, ind->code, o.period,
               j);
        const char *verb = o.publish ? "published" : "would publish";
        if (supp)
            printf("%s: unit %s, total, suppressed (%s), in scope %s (min cell %u)\n", verb, j,
                   it->why, res.scope, res.min_cell);
        else
            printf("%s: unit %s, total, %llu/%llu, in scope %s (min cell %u)\n", verb, j,
                   (unsigned long long)sx, (unsigned long long)sn, res.scope, res.min_cell);
        for (size_t i = 1; i < res.n; i++) {
            const hln_disclosure_item *si = &res.items[i];
            if (si->reason != HLN_SUPP_NONE)
                printf("  stratum %s: suppressed (%s)\n", si->obs.stratum, si->why);
            else
                printf("  stratum %s: %llu/%llu\n", si->obs.stratum,
                       (unsigned long long)si->obs.numerator,
                       (unsigned long long)si->obs.denominator);
        }
        if (o.publish)
            printf("observation seq %llu\n", (unsigned long long)res.first_seq);
        else
            printf("dry run: nothing written (--publish to publish)\n");
    }
    if (r->n_suppressed)
        hln_warnx("rollup: %zu unit%s reported suppressed counts, which no roll-up can include",
              r->n_suppressed, r->n_suppressed == 1 ? "" : "s");
    if (o.publish && (rc = hln_control_notify_appended(datadir)) != 0)
        hln_warnx("published, but hlnd did not take it yet (%s); it will on restart", hln_strerror(rc));
    st = EXIT_OK;
out:
    free(rec);
    free(rst);
    free(csv);
    hln_publish_result_free(&res);
    hln_bench_result_destroy(&r);
    session_close(&s);
    return st;
}
