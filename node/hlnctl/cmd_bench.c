/* cmd_bench.c - hlnctl bench and rollup: benchmarks and jurisdiction roll-ups from a node's trust
 * view. */
#include "node/hlnctl/cmd_bench.h"
#include "node/hlnctl/cmd_equity.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/err.h"
#include "node/bench.h"
#include "node/bench_view.h"
#include "node/control.h"
#include "node/disclosure.h"
#include "node/gov.h"
#include "node/means.h"
#include "node/hlnctl/cli.h"
#include "node/hlnctl/cmd_verify.h"
#include "node/hlnctl/csvout.h"
#include "node/rollup.h"
#include "node/util.h"
#include "proto/codes.h"

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
    /* The store counts records, never an index entry that disagrees with
     * its record (docs/STORE.md); say so when it had to skip one. */
    uint64_t skipped = s->node ? hln_store_obs_skipped(hln_node_store(s->node)) : 0;
    if (skipped)
        hln_warnx("%llu index entr%s disagreed with their records and did not count "
                  "(hlnctl verify; hlnd rewrites the index)",
                  (unsigned long long)skipped, skipped == 1 ? "y" : "ies");
    free(s->defs);
    hln_trust_destroy(&s->trust);
    hln_node_close(&s->node);
}

/* Open the node, its trust view and the definition of `indicator`.
 * Returns HLN_CLI_GO to go on, or the exit status after a message. */
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
    return HLN_CLI_GO;
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
          "                               [--group G] [--stratum S] [--method exact|wilson] [--json|--csv]\n"
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
          "  --csv               one row per unit, with a header (with --trend: one per period,\n"
          "                      the fields of --json, indicator, group and stratum first)\n"
          "  --trend             every period held, oldest first\n"
          "  --per GRAIN         with --trend: one point per month, quarter or year, added up\n"
          "  --unit U            with --trend: follow this node's unit U (\"-\" or \"\": the node\n"
          "                      itself)\n"
          "  -d, --data-dir DIR  the node's data directory\n"
          "  -h, --help          this help\n",
          f);
}

typedef struct {
    const char *indicator, *period, *group, *stratum, *unit, *method_s, *ci_s, *scope, *per_s;
    char per; /* --per: 'M', 'Q', 'Y'; 0 as held */
    int method; /* -1: the indicator's */
    uint32_t ci;
    bool json, csv, trend, publish;
} bopts;

/* The options of bench (rollup: false) or rollup into *o, and -d. */
static int parse_bopts(hln_cli_args *a, const char **datadir, int argc, char **argv, bool rollup,
                       bopts *o)
{
    const hln_cli_opt bench_opts[] = {
        HLN_CLI_VALUE("period", &o->period),   HLN_CLI_VALUE("group", &o->group),
        HLN_CLI_VALUE("stratum", &o->stratum), HLN_CLI_VALUE("method", &o->method_s),
        HLN_CLI_VALUE("ci", &o->ci_s),         HLN_CLI_FLAG("json", &o->json),
        HLN_CLI_FLAG("csv", &o->csv),          HLN_CLI_FLAG("trend", &o->trend),
        HLN_CLI_VALUE("unit", &o->unit),       HLN_CLI_VALUE("per", &o->per_s),
        HLN_CLI_END};
    const hln_cli_opt rollup_opts[] = {
        HLN_CLI_VALUE("period", &o->period), HLN_CLI_FLAG("json", &o->json),
        HLN_CLI_FLAG("csv", &o->csv),        HLN_CLI_FLAG("publish", &o->publish), HLN_CLI_VALUE("scope", &o->scope), HLN_CLI_END};
    a->what = rollup ? "rollup" : "bench";
    a->opts = rollup ? rollup_opts : bench_opts;
    a->pos = &o->indicator;
    a->maxpos = 1;
    a->datadir = datadir;
    a->usage = rollup ? rollup_usage : bench_usage;
    a->remind = true;
    return hln_cli_parse(a, argc, argv);
}

/* The codes given: each must match its pattern. */
static int check_codes(const hln_cli_args *a, const bopts *o)
{
    if (!o->indicator)
        return hln_cli_usage_error(a, "which indicator?");
    if (strlen(o->indicator) > HLN_CODE_MAX ||
        !hln_code_indicator(o->indicator, strlen(o->indicator)))
        return hln_cli_usage_error(a,
                                   "'%.64s' is not an indicator code (namespace.name, such as "
                                   "mhpc.depression-screening)",
                                   o->indicator);
    if (o->period &&
        (strlen(o->period) > HLN_PERIOD_MAX || !hln_code_period(o->period, strlen(o->period))))
        return hln_cli_usage_error(a, "--period: '%.16s' is not a period (2026, 2026-Q3, 2026-09)",
                                   o->period);
    if (o->stratum &&
        (strlen(o->stratum) > HLN_CODE_MAX || !hln_code_stratum(o->stratum, strlen(o->stratum))))
        return hln_cli_usage_error(a, "--stratum: '%.64s' is not a stratum code", o->stratum);
    if (o->unit && strcmp(o->unit, "-") &&
        (strlen(o->unit) > HLN_CODE_MAX || !hln_code_unit(o->unit, strlen(o->unit))))
        return hln_cli_usage_error(a, "--unit: '%.64s' is not a unit code", o->unit);
    hln_bench_group g;
    if (o->group && hln_bench_group_parse(o->group, &g) != 0)
        return hln_cli_usage_error(a,
                                   "--group: '%.64s' is not all, a jurisdiction such as CA or "
                                   "CA-ON, or level:LEVEL (organization, subnational, national, "
                                   "global)",
                                   o->group);
    if (o->scope &&
        (strlen(o->scope) > HLN_SCOPE_MAX || !hln_code_scope(o->scope, strlen(o->scope))))
        return hln_cli_usage_error(a, "--scope: '%.16s' is not global or an ISO 3166 code",
                                   o->scope);
    return HLN_CLI_GO;
}

/* --method, --ci and which options go together. */
static int check_choices(const hln_cli_args *a, bopts *o)
{
    if (o->method_s && !strcmp(o->method_s, "exact"))
        o->method = HLN_FUNNEL_EXACT;
    else if (o->method_s && !strcmp(o->method_s, "wilson"))
        o->method = HLN_FUNNEL_WILSON;
    else if (o->method_s)
        return hln_cli_usage_error(a, "--method is exact or wilson");
    if (o->ci_s && !strcmp(o->ci_s, "wilson"))
        o->ci = HLN_CI_WILSON;
    else if (o->ci_s && (!strcmp(o->ci_s, "clopper-pearson") || !strcmp(o->ci_s, "exact")))
        o->ci = HLN_CI_CLOPPER_PEARSON;
    else if (o->ci_s)
        return hln_cli_usage_error(a, "--ci is wilson or clopper-pearson");
    if (o->json && o->csv)
        return hln_cli_usage_error(a, "--json or --csv, not both");
    if (o->trend && o->period)
        return hln_cli_usage_error(a, "--trend covers every period held; drop --period");
    if (o->per_s) {
        o->per = !strcmp(o->per_s, "month")     ? 'M'
                 : !strcmp(o->per_s, "quarter") ? 'Q'
                 : !strcmp(o->per_s, "year")    ? 'Y'
                                                : 0;
        if (!o->per)
            return hln_cli_usage_error(a, "--per: month, quarter or year");
    }
    if (!o->trend && (o->unit || o->per))
        return hln_cli_usage_error(a, "--unit and --per go with --trend");
    if (!o->trend && !o->period)
        return hln_cli_usage_error(a, "--period P is required (or --trend)");
    return HLN_CLI_GO;
}

/* Parse and check bench or rollup's arguments. HLN_CLI_GO to go on, else
 * the exit status. */
static int bench_args(const char **datadir, int argc, char **argv, bool rollup, bopts *o)
{
    hln_cli_args a;
    memset(&a, 0, sizeof a);
    int r = parse_bopts(&a, datadir, argc, argv, rollup, o);
    if (r == HLN_CLI_GO)
        r = check_codes(&a, o);
    if (r == HLN_CLI_GO)
        r = check_choices(&a, o);
    return r;
}

/* --trend --csv: a row per period, the fields of --json (the indicator,
 * group and stratum first, then the unit followed, if any). */
static int trend_csv(const hln_bench_query *q, const hln_bench_trend_point *pts, size_t n,
                     const char *unit)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    if (!m)
        return HLN_ENOMEM;
    int rc = hln_bench_write_trend_json(q, pts, n, m);
    if (fclose(m) != 0 && rc == 0)
        rc = HLN_EIO;
    const char *extra[] = {"followed_unit", unit ? (unit[0] ? unit : "-") : "", NULL};
    if (rc == 0)
        rc = hln_csv_print_text(buf, len, "periods", unit ? extra : NULL);
    free(buf);
    return rc;
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
    else if (o->csv)
        rc = trend_csv(q, pts, n, unit);
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
            hln_warnx("bench: this node's unit '%s' counted in no period of group %s", unit,
                      q->group);
    }
    free(pts);
    if (rc < 0 || fflush(stdout) != 0) {
        hln_warnx("bench: cannot write the output");
        return EXIT_FAIL;
    }
    return EXIT_OK;
}

/* One period: the table, --json or --csv. */
static int bench_once(session *s, hln_bench_query *q, const bopts *o)
{
    hln_bench_result *r = NULL;
    int rc = hln_bench_run(hln_node_store(s->node), q, &r);
    if (rc < 0) {
        hln_warnx("bench: %s", hln_strerror(rc));
        return EXIT_FAIL;
    }
    if (o->json)
        rc = hln_bench_write_json(r, stdout);
    else if (o->csv)
        rc = hln_bench_write_csv(r, stdout);
    else
        rc = hln_bench_write_table(r, hln_node_pk(s->node), stdout);
    int st = EXIT_OK;
    if (rc < 0 || fflush(stdout) != 0) {
        hln_warnx("bench: cannot write the output");
        st = EXIT_FAIL;
    } else if (!o->json && !o->csv && r->n_excluded > 0 &&
               hln_bench_view_excluded(&s->view, hln_node_pk(s->node))) {
        /* Say why the node's own figures are missing, when they may be. */
        hln_warnx("bench: this node's own observations do not count: it has no standing in its "
                  "trust view yet (hlnctl trust add; a member record that admits it)");
    }
    hln_bench_result_destroy(&r);
    return st;
}

int hln_cli_bench(const char *datadir, int argc, char **argv, bool json)
{
    if (argc > 1 && !strcmp(argv[1], "verify")) /* node/hlnctl/cmd_verify.c */
        return hln_cli_bench_verify(datadir, argc, argv, json);
    if (hln_cli_bench_wants_by(argc, argv)) /* node/hlnctl/cmd_equity.c */
        return hln_cli_bench_by(datadir, argc, argv, json);
    bopts o = {.method = -1, .ci = HLN_CI_WILSON, .json = json};
    int st = bench_args(&datadir, argc, argv, false, &o);
    if (st != HLN_CLI_GO)
        return st;
    session s;
    if ((st = session_open(&s, datadir, HLN_NODE_RDONLY, o.indicator)) != HLN_CLI_GO)
        return st;
    const hln_indicator *ind = &s.def->def;
    st = EXIT_FAIL;
    char dflt[HLN_SCOPE_MAX + 1];
    hln_bench_default_group(hln_node_get_info(s.node), dflt);
    hln_bench_group g;
    memset(&g, 0, sizeof g);
    if (o.stratum && o.stratum[0] && !has_stratum(ind, o.stratum))
        hln_warnx("bench: stratum '%s' is not one of the strata of %s", o.stratum, ind->code);
    else if (hln_bench_group_parse(o.group ? o.group : dflt, &g) != 0)
        hln_warnx("bench: invalid group"); /* checked by check_codes */
    else
        st = HLN_CLI_GO;
    if (st == HLN_CLI_GO) {
        g.view = &s.view;
        hln_bench_query q = {.indicator = ind,
                             .period = o.period,
                             .group = g.text,
                             .in_group = hln_bench_group_has,
                             .group_ctx = &g,
                             .excluded = hln_bench_view_excluded,
                             .excluded_ctx = &s.view,
                             .successor = hln_bench_view_successor,
                             .successor_ctx = &s.view,
                             .stratum = o.stratum,
                             .method = o.method,
                             .ci = o.ci,
                             .per = o.per};
        st = o.trend ? bench_trend(&s, &q, &o) : bench_once(&s, &q, &o);
    }
    session_close(&s);
    return st;
}

/* ---- rollup ---- */

static void rollup_usage(FILE *f)
{
    fputs("usage: hlnctl [-d DIR] rollup INDICATOR --period P [--publish] [--scope global|CODE]\n"
          "                                [--json|--csv]\n"
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
          "  --csv               the fields of --json as one CSV row, with a header\n"
          "  -d, --data-dir DIR  the node's data directory\n"
          "  -h, --help          this help\n",
          f);
}

static void print_rollup_json(const hln_indicator *ind, const bopts *o, const hln_rollup *u,
                              const char *hex)
{
    bool supp = u->suppression != HLN_SUPP_NONE;
    json_object *x = json_object_new_object();
    hln_cli_jstr(x, "indicator", ind->code);
    hln_cli_jstr(x, "period", o->period);
    hln_cli_jstr(x, "jurisdiction", u->jurisdiction);
    hln_cli_jstr(x, "level", hln_level_name(u->level));
    hln_cli_jstr(x, "unit", u->jurisdiction);
    hln_cli_jstr(x, "stratum", "");
    hln_cli_jstr(x, "scope", u->scope);
    hln_cli_ju64(x, "units", u->n_units);
    hln_cli_ju64(x, "suppressed_units", u->n_suppressed);
    hln_cli_ju64(x, "excluded", u->n_excluded);
    hln_cli_ju64(x, "numerator", u->numerator);
    hln_cli_ju64(x, "denominator", u->denominator);
    char sq[HLN_MEANS_SQ_TEXT];
    if (ind->kind == HLN_KIND_MEAN) { /* 128 bits: a decimal string, not a JSON number */
        hln_means_sq_text(u->sum_sq, sq);
        hln_cli_jstr(x, "sum_squares", sq);
    }
    json_object_object_add(x, "value", json_object_new_double(u->value));
    if (ind->kind == HLN_KIND_DSR) { /* per the multiplier, as bench --json */
        double m = ind->multiplier ? ind->multiplier : 1;
        json_object_object_add(x, "variance", json_object_new_double(u->dsr_var * m * m));
        hln_cli_ju64(x, "too_few_events", u->n_too_few);
    }
    hln_cli_ju64(x, "min_cell", u->min_cell);
    hln_cli_jbool(x, "suppressed", supp);
    hln_cli_jstr(x, "suppression",
                 !supp                              ? NULL
                 : u->suppression == HLN_SUPP_SMALL ? "small"
                                                    : "complementary");
    hln_cli_jstr(x, "reason", supp ? u->why : NULL);
    hln_cli_jstr(x, "digest", hex);
    json_object *sa = json_object_new_array();
    for (size_t i = 0; i < u->n_strata; i++) {
        const struct hln_rollup_cell *c = &u->strata[i];
        json_object *so = json_object_new_object();
        hln_cli_jstr(so, "stratum", c->stratum);
        hln_cli_ju64(so, "numerator", c->numerator);
        hln_cli_ju64(so, "denominator", c->denominator);
        if (ind->kind == HLN_KIND_MEAN) {
            hln_means_sq_text(c->sum_sq, sq);
            hln_cli_jstr(so, "sum_squares", sq);
        }
        hln_cli_jbool(so, "suppressed", c->suppression != HLN_SUPP_NONE);
        hln_cli_jstr(so, "reason", c->suppression != HLN_SUPP_NONE ? c->why : NULL);
        json_object_array_add(sa, so);
    }
    json_object_object_add(x, "strata", sa);
    hln_cli_jbool(x, "published", o->publish);
    json_object_object_add(x, "seq", o->publish ? json_object_new_uint64(u->seq) : NULL);
    if (o->csv)
        hln_csv_print(x, NULL);
    else
        hln_print_json(x);
}

static void print_rollup(const hln_indicator *ind, const bopts *o, const hln_rollup *u,
                         const char *hex)
{
    const char *j = u->jurisdiction;
    char v[160];
    if (ind->kind == HLN_KIND_RATE)
        snprintf(v, sizeof v, "%.3g per %u", u->value, ind->multiplier ? ind->multiplier : 1);
    else if (ind->kind == HLN_KIND_MEAN) /* sum of values / n: the pooled mean */
        snprintf(v, sizeof v, "mean %.6g", u->value);
    else if (ind->kind == HLN_KIND_ISR)
        snprintf(v, sizeof v, "ratio %.1f (x %u)", u->value, ind->multiplier ? ind->multiplier : 1);
    else if (ind->kind == HLN_KIND_DSR)
        snprintf(v, sizeof v, "DSR %.1f per %u (population-weighted; %zu unit%s under 10 events "
                 "left out)", u->value, ind->multiplier ? ind->multiplier : 1, u->n_too_few,
                 u->n_too_few == 1 ? "" : "s");
    else
        snprintf(v, sizeof v, "%.1f%%", u->value * 100);
    printf("rollup %s %s for %s (%s): %zu organization unit%s counted, %zu suppressed, %zu "
           "excluded\n",
           ind->code, o->period, j, hln_level_name(u->level), u->n_units,
           u->n_units == 1 ? "" : "s", u->n_suppressed, u->n_excluded);
    printf("pooled: %llu / %llu = %s\n", (unsigned long long)u->numerator,
           (unsigned long long)u->denominator, v);
    printf("evidence %s (hlnctl bench %s --period %s --group %s)\n", hex, ind->code, o->period, j);
    const char *verb = o->publish ? "published" : "would publish";
    if (u->suppression != HLN_SUPP_NONE)
        printf("%s: unit %s, total, suppressed (%s), in scope %s (min cell %u)\n", verb, j, u->why,
               u->scope, u->min_cell);
    else
        printf("%s: unit %s, total, %llu/%llu, in scope %s (min cell %u)\n", verb, j,
               (unsigned long long)u->numerator, (unsigned long long)u->denominator, u->scope,
               u->min_cell);
    for (size_t i = 0; i < u->n_strata; i++) {
        const struct hln_rollup_cell *c = &u->strata[i];
        if (c->suppression != HLN_SUPP_NONE)
            printf("  stratum %s: suppressed (%s)\n", c->stratum, c->why);
        else
            printf("  stratum %s: %llu/%llu\n", c->stratum, (unsigned long long)c->numerator,
                   (unsigned long long)c->denominator);
    }
    if (o->publish)
        printf("observation seq %llu\n", (unsigned long long)u->seq);
    else
        printf("dry run: nothing written (--publish to publish)\n");
}

int hln_cli_rollup(const char *datadir, int argc, char **argv, bool json)
{
    bopts o = {.method = -1, .ci = HLN_CI_WILSON, .json = json};
    int st = bench_args(&datadir, argc, argv, true, &o);
    if (st != HLN_CLI_GO)
        return st;
    session s;
    if ((st = session_open(&s, datadir, o.publish ? 0 : HLN_NODE_RDONLY, o.indicator)) !=
        HLN_CLI_GO)
        return st;
    hln_rollup_opts ro = {
        .indicator = &s.def->def, .period = o.period, .scope = o.scope, .publish = o.publish};
    hln_rollup u;
    char err[256] = "";
    int rc = hln_rollup_compute(&s.view, &ro, &u, err, sizeof err);
    if (rc != 0) {
        hln_warnx("rollup: %s", err[0] ? err : hln_strerror(rc));
        session_close(&s);
        return EXIT_FAIL;
    }
    char hex[2 * HLN_HASH_LEN + 1];
    hln_hex(u.digest, HLN_HASH_LEN, hex);
    if (o.json || o.csv)
        print_rollup_json(&s.def->def, &o, &u, hex);
    else
        print_rollup(&s.def->def, &o, &u, hex);
    hln_rollup_free(&u);
    session_close(&s);
    if (u.n_suppressed)
        hln_warnx("rollup: %zu unit%s reported suppressed counts, which no roll-up can include",
                  u.n_suppressed, u.n_suppressed == 1 ? "" : "s");
    if (o.publish && (rc = hln_control_notify_appended(datadir)) != 0)
        hln_warnx("published, but hlnd did not take it yet (%s); it will on restart",
                  hln_strerror(rc));
    return EXIT_OK;
}
