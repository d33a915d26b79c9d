/* cmd_export.c - hlnctl export: what the node holds and computes, as DHIS2 dataValueSets or a FHIR Bundle. */
#include "node/hlnctl/cmd_import.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/err.h"
#include "node/bench.h"
#include "node/bench_view.h"
#include "node/dhis2.h"
#include "node/fhir.h"
#include "node/gov.h"
#include "node/hlnctl/cli.h"
#include "node/interop.h"
#include "node/node.h"
#include "node/util.h"
#include "proto/codes.h"


typedef struct {
    const char *indicator, *period, *group, *map;
} eopts;

static const hln_cli_usage dhis2_help = {
    "export dhis2", "INDICATOR --period P [--group G] --map MAP.ini",
    "Write what the node holds and computes for a benchmark (each unit's numerator and\n"
    "denominator, the pooled value and the ABC) as a DHIS2 dataValueSets JSON object.",
    "  --period P          2026, 2026-Q3 or 2026-09\n"
    "  --group G           the comparison group (as hlnctl bench; default the node's)\n"
    "  --map MAP.ini       data elements, orgUnits and category option combos (required)\n"};

static const hln_cli_usage fhir_help = {
    "export fhir", "INDICATOR --period P [--group G] [--map MAP.ini]",
    "Write what the node holds and computes for a benchmark as one FHIR R4 Bundle (a\n"
    "Measure and MeasureReports) on standard output.",
    "  --period P          2026, 2026-Q3 or 2026-09\n"
    "  --group G           the comparison group (as hlnctl bench; default the node's)\n"
    "  --map MAP.ini       accepted; the Measure URL comes from the indicator\n"};

static void dhis2_usage(FILE *f)
{
    hln_cli_usage_print(f, &dhis2_help);
}

static void fhir_usage(FILE *f)
{
    hln_cli_usage_print(f, &fhir_help);
}

static void export_usage(FILE *f)
{
    dhis2_usage(f);
    fhir_usage(f);
}

/* Parse `export dhis2|fhir` (argv[0] the verb). HLN_CLI_GO to go on, else
 * the exit status. */
static int parse_eopts(const char **datadir, int argc, char **argv, eopts *o)
{
    bool dhis2 = !strcmp(argv[0], "dhis2");
    bool json = false; /* the output is JSON already: --json is accepted and changes nothing */
    const hln_cli_opt opts[] = {HLN_CLI_VALUE("period", &o->period),
                                HLN_CLI_VALUE("group", &o->group), HLN_CLI_VALUE("map", &o->map),
                                HLN_CLI_FLAG("json", &json), HLN_CLI_END};
    hln_cli_args a = {.what = dhis2 ? "export dhis2" : "export fhir",
                      .opts = opts,
                      .pos = &o->indicator,
                      .maxpos = 1,
                      .datadir = datadir,
                      .usage = dhis2 ? dhis2_usage : fhir_usage,
                      .remind = true};
    int r = hln_cli_parse(&a, argc, argv);
    if (r != HLN_CLI_GO)
        return r;
    if (a.npos != 1)
        return hln_cli_usage_error(&a, "which indicator?");
    if (!o->period || strlen(o->period) > HLN_PERIOD_MAX ||
        !hln_code_period(o->period, strlen(o->period)))
        return hln_cli_usage_error(&a, "--period: 2026, 2026-Q3 or 2026-09");
    if (dhis2 && !o->map)
        return hln_cli_usage_error(&a, "--map MAP.ini is required");
    hln_bench_group g;
    if (o->group && hln_bench_group_parse(o->group, &g) != 0)
        return hln_cli_usage_error(&a, "--group: '%.64s' is not all, a jurisdiction or level:LEVEL",
                                   o->group);
    return HLN_CLI_GO;
}

typedef struct {
    hln_node *node;
    hln_trust *trust;
    hln_node_def *defs;
    size_t ndefs;
    const hln_node_def *def;
    hln_bench_view view;
    hln_bench_group g;
} esession;

static void esession_close(esession *s)
{
    free(s->defs);
    hln_trust_destroy(&s->trust);
    hln_node_close(&s->node);
}

static int esession_open(esession *s, const char *datadir, const eopts *o)
{
    memset(s, 0, sizeof *s);
    int rc = hln_cli_open_node(datadir, HLN_NODE_RDONLY, &s->node);
    if (rc < 0)
        return EXIT_FAIL;
    if ((rc = hln_gov_trust_load(s->node, &s->trust)) < 0 ||
        (rc = hln_node_definitions(s->node, &s->defs, &s->ndefs)) < 0) {
        hln_warnx("reading the store: %s", hln_strerror(rc));
        esession_close(s);
        return EXIT_FAIL;
    }
    s->def = hln_node_find_def(s->defs, s->ndefs, o->indicator);
    if (!s->def) {
        hln_warnx("indicator '%s' is not defined on this node (hlnctl indicator list)",
                  o->indicator);
        esession_close(s);
        return EXIT_FAIL;
    }
    s->view = (hln_bench_view){.node = s->node, .trust = s->trust, .now_ms = hln_util_wall_ms()};
    char dflt[HLN_SCOPE_MAX + 1];
    hln_bench_default_group(hln_node_get_info(s->node), dflt);
    hln_bench_group_parse(o->group ? o->group : dflt, &s->g);
    s->g.view = &s->view;
    return HLN_CLI_GO;
}

static int run_bench(esession *s, const char *period, const char *stratum, hln_bench_result **r)
{
    hln_bench_query q = {.indicator = &s->def->def,
                         .period = period,
                         .group = s->g.text,
                         .in_group = hln_bench_group_has,
                         .group_ctx = &s->g,
                         .excluded = hln_bench_view_excluded,
                         .excluded_ctx = &s->view,
                         .stratum = stratum,
                         .method = -1,
                         .ci = 0};
    int rc = hln_bench_run(hln_node_store(s->node), &q, r);
    if (rc < 0)
        hln_warnx("export: %s", hln_strerror(rc));
    return rc;
}

/* The values export dhis2 writes, growing. */
typedef struct {
    hln_dhis2_out_value *v;
    size_t n, cap, skipped;
} dvals;

/* k more values, zeroed; NULL when out of memory. */
static hln_dhis2_out_value *dvals_add(dvals *d, size_t k)
{
    if (hln_util_grow((void **)&d->v, &d->cap, d->n + k, sizeof *d->v) < 0)
        return NULL;
    hln_dhis2_out_value *a = &d->v[d->n];
    memset(a, 0, k * sizeof *a);
    d->n += k;
    return a;
}

/* Each of this node's units in `r`: its numerator and denominator, under
 * the orgUnit the map gives it (none: skipped, counted). */
static int add_unit_values(dvals *d, const esession *s, const hln_map *m,
                           const hln_map_indicator *mi, const char *coc,
                           const hln_bench_result *r)
{
    for (size_t i = 0; i < r->n_units; i++) {
        const hln_bench_unit *u = &r->units[i];
        const hln_map_pair *up = NULL;
        if (!memcmp(u->author, hln_node_pk(s->node), HLN_KEY_LEN))
            up = hln_map_pair_rfind(m->units, m->n_units, u->unit);
        if (!up) {
            d->skipped++;
            continue;
        }
        hln_dhis2_out_value *a = dvals_add(d, 2), *b = a + 1;
        if (!a)
            return HLN_ENOMEM;
        a->de = mi->num_de;
        a->coc = mi->num_coc[0] ? mi->num_coc : coc;
        a->ou = up->from;
        snprintf(a->value, sizeof a->value, "%llu", (unsigned long long)u->s.x);
        b->de = mi->den_de;
        b->coc = mi->den_coc[0] ? mi->den_coc : coc;
        b->ou = up->from;
        snprintf(b->value, sizeof b->value, "%llu", (unsigned long long)u->s.n);
    }
    return 0;
}

/* The pooled value and the ABC of `r`, under the node's own orgUnit. */
static int add_summary_values(dvals *d, const hln_map_indicator *mi, const char *coc,
                              const char *self_ou, const hln_bench_result *r)
{
    /* dsr, isr and mean results have no ABC, and their pooled figure is not x / n */
    if (!r->has_stats || r->kind > HLN_KIND_RATE || (!mi->pooled_de[0] && !mi->abc_de[0]))
        return 0;
    if (!self_ou) {
        hln_warnx("export: the pooled value and the ABC need an orgUnit: [export] org_unit, "
                  "or a unit mapped to - in [units]");
        return 0;
    }
    double mult = r->kind == HLN_KIND_RATE ? (double)r->multiplier : 1.0;
    const char *des[2] = {mi->pooled_de, mi->abc_de};
    double figs[2] = {r->summary.theta0 * mult, r->summary.abc * mult};
    for (int f = 0; f < 2; f++) {
        if (!des[f][0])
            continue;
        hln_dhis2_out_value *a = dvals_add(d, 1);
        if (!a)
            return HLN_ENOMEM;
        a->de = des[f];
        a->coc = coc;
        a->ou = self_ou;
        snprintf(a->value, sizeof a->value, "%.10g", figs[f]);
    }
    return 0;
}

/* The category option combo of stratum k (0 the total: the map's default
 * combo, if any); false: the map has none for the stratum, not exported. */
static bool stratum_coc(const hln_map *m, const char *stratum, const char **coc)
{
    const hln_map_pair *p = hln_map_pair_rfind(m->strata, m->n_strata, stratum);
    *coc = p ? p->from : NULL;
    return p || !stratum[0];
}

static int load_export_map(const char *path, const char *indicator, hln_map **m,
                           const hln_map_indicator **mi)
{
    char *buf = NULL;
    size_t len = 0;
    int rc = hln_read_file(path, HLN_MAP_FILE_MAX, &buf, &len);
    if (rc < 0) {
        hln_warnx("%s: %s", path, rc == HLN_EIO ? "cannot read it" : hln_strerror(rc));
        return EXIT_FAIL;
    }
    rc = hln_map_parse(buf, len, NULL, NULL, m);
    free(buf);
    if (rc < 0) {
        hln_warnx("%s: not a usable map (hlnctl import dhis2 --dry-run names the problems)", path);
        return EXIT_FAIL;
    }
    *mi = hln_map_indicator_of(*m, indicator);
    if (!*mi || !(*mi)->num_de[0] || !(*mi)->den_de[0]) {
        hln_warnx("%s: no [indicator %s] section with numerator and denominator", path,
                  indicator);
        hln_map_destroy(m);
        return EXIT_FAIL;
    }
    return HLN_CLI_GO;
}

static int export_dhis2(const char *datadir, const eopts *o)
{
    hln_map *m = NULL;
    const hln_map_indicator *mi = NULL;
    int st = load_export_map(o->map, o->indicator, &m, &mi);
    if (st != HLN_CLI_GO)
        return st;
    esession s;
    if ((st = esession_open(&s, datadir, o)) != HLN_CLI_GO) {
        hln_map_destroy(&m);
        return st;
    }
    st = EXIT_FAIL;
    dvals d = {0};
    const hln_indicator *def = &s.def->def;
    const char *self_ou = m->org_unit[0] ? m->org_unit : NULL;
    const hln_map_pair *selfp = hln_map_pair_rfind(m->units, m->n_units, "");
    if (!self_ou && selfp)
        self_ou = selfp->from;
    /* The total, then each declared stratum the map names a combo for. */
    hln_bench_result *rs[HLN_STRATA_MAX + 1] = {NULL};
    for (uint32_t k = 0; k <= def->n_strata && k <= HLN_STRATA_MAX; k++) {
        const char *stratum = k == 0 ? "" : def->strata[k - 1], *coc = NULL;
        if (!stratum_coc(m, stratum, &coc))
            continue;
        if (run_bench(&s, o->period, stratum, &rs[k]) < 0)
            goto out;
        if (add_unit_values(&d, &s, m, mi, coc, rs[k]) < 0 ||
            add_summary_values(&d, mi, coc, self_ou, rs[k]) < 0) {
            hln_warnx("%s", hln_strerror(HLN_ENOMEM));
            goto out;
        }
    }
    if (d.skipped)
        hln_warnx("export: %zu unit figure%s left out: the map names no orgUnit for %s", d.skipped,
                  d.skipped == 1 ? "" : "s", d.skipped == 1 ? "it" : "them");
    if (hln_dhis2_write(stdout, m, o->period, d.v, d.n) < 0 || fflush(stdout) != 0) {
        hln_warnx("export: cannot write the output");
        goto out;
    }
    st = EXIT_OK;
out:
    for (size_t k = 0; k <= HLN_STRATA_MAX; k++)
        hln_bench_result_destroy(&rs[k]);
    free(d.v);
    esession_close(&s);
    hln_map_destroy(&m);
    return st;
}

static int export_fhir(const char *datadir, const eopts *o)
{
    esession s;
    int st = esession_open(&s, datadir, o);
    if (st != HLN_CLI_GO)
        return st;
    st = EXIT_FAIL;
    hln_bench_result *r = NULL;
    hln_fhir_measure_link *links = NULL;
    size_t nlinks = 0;
    int rc = hln_fhir_links_load(hln_node_store(s.node), &links, &nlinks);
    if (rc < 0) {
        hln_warnx("reading the store: %s", hln_strerror(rc));
        goto out;
    }
    char url[HLN_MAP_URL_MAX + 1];
    hln_fhir_measure_url(links, nlinks, s.def->def.code, url);
    if (run_bench(&s, o->period, "", &r) < 0)
        goto out;
    if (hln_fhir_write_bundle(stdout, &s.def->def, url, r, hln_node_pk(s.node)) < 0 ||
        fflush(stdout) != 0) {
        hln_warnx("export: cannot write the output");
        goto out;
    }
    st = EXIT_OK;
out:
    free(links);
    hln_bench_result_destroy(&r);
    esession_close(&s);
    return st;
}

static int run_export(const char *datadir, int argc, char **argv, bool json)
{
    (void)json; /* the output is JSON already */
    eopts o = {0};
    int r = parse_eopts(&datadir, argc, argv, &o);
    if (r != HLN_CLI_GO)
        return r;
    return !strcmp(argv[0], "dhis2") ? export_dhis2(datadir, &o) : export_fhir(datadir, &o);
}

int hln_cli_export(const char *datadir, int argc, char **argv, bool json)
{
    static const hln_cli_verb verbs[] = {
        {"dhis2", NULL, run_export}, {"fhir", NULL, run_export}, {NULL, NULL, NULL}};
    return hln_cli_run_verb("export", verbs, export_usage, datadir, argc, argv, json);
}
