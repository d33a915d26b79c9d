/* cmd_export.c - hlnctl export: what the node holds and computes, as DHIS2 dataValueSets or a FHIR Bundle. */
#include "node/hlnctl/cmd_import.h"

#include <getopt.h>
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

static void export_usage(FILE *f)
{
    fputs("usage: hlnctl [-d DIR] export dhis2 INDICATOR --period P [--group G] --map MAP.ini\n"
          "       hlnctl [-d DIR] export fhir INDICATOR --period P [--group G]\n"
          "Write what the node holds and computes for a benchmark: each unit's numerator and\n"
          "denominator, the pooled value and the ABC, as a DHIS2 dataValueSets JSON object or\n"
          "one FHIR R4 Bundle (a Measure and MeasureReports), on standard output.\n\n"
          "  --period P          2026, 2026-Q3 or 2026-09\n"
          "  --group G           the comparison group (as hlnctl bench; default the node's)\n"
          "  --map MAP.ini       DHIS2: data elements, orgUnits and category option combos\n",
          f);
}

static int parse_eopts(int argc, char **argv, const char *verb, eopts *o)
{
    enum { O_PERIOD = 1, O_GROUP, O_MAP, O_HELP };
    static const struct option lo[] = {{"period", required_argument, NULL, O_PERIOD},
                                       {"group", required_argument, NULL, O_GROUP},
                                       {"map", required_argument, NULL, O_MAP},
                                       {"help", no_argument, NULL, O_HELP},
                                       {NULL, 0, NULL, 0}};
    optind = 0;
    opterr = 0;
    int ch;
    while ((ch = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
        switch (ch) {
        case O_PERIOD:
            o->period = optarg;
            break;
        case O_GROUP:
            o->group = optarg;
            break;
        case O_MAP:
            o->map = optarg;
            break;
        case 'h':
        case O_HELP:
            export_usage(stdout);
            return EXIT_OK;
        default:
            hln_warnx("export %s: unknown option '%s'", verb, argv[optind - 1]);
            export_usage(stderr);
            return EXIT_USAGE;
        }
    }
    if (optind + 1 != argc) {
        hln_warnx("export %s: which indicator?", verb);
        return EXIT_USAGE;
    }
    o->indicator = argv[optind];
    if (!o->period || strlen(o->period) > HLN_PERIOD_MAX ||
        !hln_code_period(o->period, strlen(o->period))) {
        hln_warnx("export %s: --period: 2026, 2026-Q3 or 2026-09", verb);
        return EXIT_USAGE;
    }
    if (!strcmp(verb, "dhis2") && !o->map) {
        hln_warnx("export dhis2: --map MAP.ini is required");
        return EXIT_USAGE;
    }
    hln_bench_group g;
    if (o->group && hln_bench_group_parse(o->group, &g) != 0) {
        hln_warnx("export %s: --group: '%.64s' is not all, a jurisdiction or level:LEVEL", verb,
                  o->group);
        return EXIT_USAGE;
    }
    return -1;
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
    char err[512] = "";
    int rc = hln_node_open(datadir, HLN_NODE_RDONLY, &s->node, err, sizeof err);
    if (rc < 0) {
        hln_warnx("%s", err[0] ? err : hln_strerror(rc));
        return EXIT_FAIL;
    }
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
    return -1;
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

static int export_dhis2(const char *datadir, const eopts *o)
{
    char *buf = NULL;
    size_t len = 0;
    hln_map *m = NULL;
    int rc = hln_read_file(o->map, HLN_MAP_FILE_MAX, &buf, &len);
    if (rc < 0) {
        hln_warnx("%s: %s", o->map, rc == HLN_EIO ? "cannot read it" : hln_strerror(rc));
        return EXIT_FAIL;
    }
    rc = hln_map_parse(buf, len, NULL, NULL, &m);
    free(buf);
    if (rc < 0) {
        hln_warnx("%s: not a usable map (hlnctl import dhis2 --dry-run names the problems)",
                  o->map);
        return EXIT_FAIL;
    }
    const hln_map_indicator *mi = hln_map_indicator_of(m, o->indicator);
    if (!mi || !mi->num_de[0] || !mi->den_de[0]) {
        hln_warnx("%s: no [indicator %s] section with numerator and denominator", o->map,
                  o->indicator);
        hln_map_destroy(&m);
        return EXIT_FAIL;
    }
    esession s;
    int st = esession_open(&s, datadir, o);
    if (st >= 0) {
        hln_map_destroy(&m);
        return st;
    }
    st = EXIT_FAIL;
    hln_dhis2_out_value *vals = NULL;
    size_t nv = 0, cap = 0, skipped = 0;
    const hln_indicator *def = &s.def->def;
    const char *self_ou = m->org_unit[0] ? m->org_unit : NULL;
    const hln_map_pair *selfp = hln_map_pair_rfind(m->units, m->n_units, "");
    if (!self_ou && selfp)
        self_ou = selfp->from;
    /* The total, then each declared stratum the map names a combo for. */
    hln_bench_result *rs[HLN_STRATA_MAX + 1] = {NULL};
    for (uint32_t k = 0; k <= def->n_strata && k <= HLN_STRATA_MAX; k++) {
        const char *stratum = k == 0 ? "" : def->strata[k - 1];
        const char *coc = NULL;
        if (k == 0) {
            /* the total: the combo the map gives it (DHIS2's default), if any */
            const hln_map_pair *tp = hln_map_pair_rfind(m->strata, m->n_strata, "");
            coc = tp ? tp->from : NULL;
        } else {
            const hln_map_pair *sp = hln_map_pair_rfind(m->strata, m->n_strata, stratum);
            if (!sp)
                continue; /* the map has no combo for it: not exported */
            coc = sp->from;
        }
        if (run_bench(&s, o->period, stratum, &rs[k]) < 0)
            goto out;
        const hln_bench_result *r = rs[k];
        for (size_t i = 0; i < r->n_units; i++) {
            const hln_bench_unit *u = &r->units[i];
            const hln_map_pair *up = NULL;
            if (!memcmp(u->author, hln_node_pk(s.node), HLN_KEY_LEN))
                up = hln_map_pair_rfind(m->units, m->n_units, u->unit);
            if (!up) {
                skipped++;
                continue;
            }
            if (hln_util_grow((void **)&vals, &cap, nv + 2, sizeof *vals) < 0)
                goto oom;
            hln_dhis2_out_value *a = &vals[nv++], *b = &vals[nv++];
            memset(a, 0, 2 * sizeof *a);
            a->de = mi->num_de;
            a->coc = mi->num_coc[0] ? mi->num_coc : coc;
            a->ou = up->from;
            snprintf(a->value, sizeof a->value, "%llu", (unsigned long long)u->s.x);
            b->de = mi->den_de;
            b->coc = mi->den_coc[0] ? mi->den_coc : coc;
            b->ou = up->from;
            snprintf(b->value, sizeof b->value, "%llu", (unsigned long long)u->s.n);
        }
        if (!r->has_stats || (!mi->pooled_de[0] && !mi->abc_de[0]))
            continue;
        if (!self_ou) {
            hln_warnx("export: the pooled value and the ABC need an orgUnit: [export] org_unit, "
                      "or a unit mapped to - in [units]");
            continue;
        }
        double mult = r->kind == HLN_KIND_RATE ? (double)r->multiplier : 1.0;
        const char *des[2] = {mi->pooled_de, mi->abc_de};
        double figs[2] = {r->summary.theta0 * mult, r->summary.abc * mult};
        for (int f = 0; f < 2; f++) {
            if (!des[f][0])
                continue;
            if (hln_util_grow((void **)&vals, &cap, nv + 1, sizeof *vals) < 0)
                goto oom;
            hln_dhis2_out_value *a = &vals[nv++];
            memset(a, 0, sizeof *a);
            a->de = des[f];
            a->coc = coc;
            a->ou = self_ou;
            snprintf(a->value, sizeof a->value, "%.10g", figs[f]);
        }
    }
    if (skipped)
        hln_warnx("export: %zu unit figure%s left out: the map names no orgUnit for %s", skipped,
                  skipped == 1 ? "" : "s", skipped == 1 ? "it" : "them");
    if (hln_dhis2_write(stdout, m, o->period, vals, nv) < 0 || fflush(stdout) != 0) {
        hln_warnx("export: cannot write the output");
        goto out;
    }
    st = EXIT_OK;
    goto out;
oom:
    hln_warnx("%s", hln_strerror(HLN_ENOMEM));
out:
    for (size_t k = 0; k <= HLN_STRATA_MAX; k++)
        hln_bench_result_destroy(&rs[k]);
    free(vals);
    esession_close(&s);
    hln_map_destroy(&m);
    return st;
}

static int export_fhir(const char *datadir, const eopts *o)
{
    esession s;
    int st = esession_open(&s, datadir, o);
    if (st >= 0)
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

int hln_cli_export(const char *datadir, int argc, char **argv, bool json)
{
    (void)json; /* the output is JSON already */
    if (argc < 1 || !strcmp(argv[0], "-h") || !strcmp(argv[0], "--help") ||
        !strcmp(argv[0], "help")) {
        export_usage(argc < 1 ? stderr : stdout);
        return argc < 1 ? EXIT_USAGE : EXIT_OK;
    }
    const char *verb = argv[0];
    if (strcmp(verb, "dhis2") != 0 && strcmp(verb, "fhir") != 0) {
        hln_warnx("export: unknown format '%s' (dhis2, fhir)", verb);
        export_usage(stderr);
        return EXIT_USAGE;
    }
    eopts o;
    memset(&o, 0, sizeof o);
    int r = parse_eopts(argc, argv, verb, &o);
    if (r >= 0)
        return r;
    return !strcmp(verb, "dhis2") ? export_dhis2(datadir, &o) : export_fhir(datadir, &o);
}
