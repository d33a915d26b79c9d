/* cmd_import.c - hlnctl import: DHIS2 dataValueSets and FHIR R4 MeasureReports through publish's checks. */
#include "node/hlnctl/cmd_import.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/err.h"
#include "node/control.h"
#include "node/dhis2.h"
#include "node/fhir.h"
#include "node/hlnctl/cli.h"
#include "node/interop.h"
#include "node/node.h"
#include "proto/codes.h"


typedef struct {
    const char *file, *map, *unit, *scope;
    uint32_t min_cell;
    bool dry_run, json, strict;
} iopts;

static const char import_about[] =
    "Import counts from a DHIS2 dataValueSets payload (JSON, bulk JSON or CSV) or a FHIR R4\n"
    "MeasureReport (summary) or Bundle of them, through the same checks, small-cell\n"
    "suppression and all-or-nothing commit as publish (docs/INTEROP.md).";

#define IMPORT_COMMON_OPTS                                                                        \
    "  --dry-run           print the import summary (imported/updated/ignored); store nothing\n"  \
    "  --scope CODE        the feed to publish in (default: the node's country, or global)\n"     \
    "  --min-cell N        a stricter minimum cell for this file\n"                               \
    "  --json              machine-readable output (a DHIS2-style import summary)\n"

static const hln_cli_usage dhis2_help = {
    "import dhis2", "FILE --map MAP.ini [--dry-run] [--scope S] [--min-cell N] [--json]",
    import_about,
    "  --map MAP.ini       which data elements, orgUnits and combos are which indicators,\n"
    "                      units and strata (required)\n" IMPORT_COMMON_OPTS};

static const hln_cli_usage fhir_help = {
    "import fhir",
    "FILE [--unit U] [--map MAP.ini] [--dry-run] [--strict] [--scope S] [--min-cell N] [--json]",
    import_about,
    "  --unit U            the unit of every report the map does not place (- the node)\n"
    "  --map MAP.ini       which measures, reporters and strata are which indicators,\n"
    "                      units and strata\n"
    "  --strict            a stratum the indicator does not declare is an error\n"
    IMPORT_COMMON_OPTS};

static void dhis2_usage(FILE *f)
{
    hln_cli_usage_print(f, &dhis2_help);
}

static void fhir_usage(FILE *f)
{
    hln_cli_usage_print(f, &fhir_help);
}

static void import_usage(FILE *f)
{
    dhis2_usage(f);
    fhir_usage(f);
}

/* Parse `import dhis2|fhir` (argv[0] the verb). HLN_CLI_GO to go on, else
 * the exit status. */
static int parse_iopts(const char **datadir, int argc, char **argv, iopts *o)
{
    bool fhir = !strcmp(argv[0], "fhir");
    const char *min_cell = NULL;
    const hln_cli_opt dopts[] = {HLN_CLI_VALUE("map", &o->map),
                                 HLN_CLI_VALUE("scope", &o->scope),
                                 HLN_CLI_VALUE("min-cell", &min_cell),
                                 HLN_CLI_FLAG("dry-run", &o->dry_run),
                                 HLN_CLI_FLAG("json", &o->json),
                                 HLN_CLI_VALUE("unit", &o->unit), /* this and --strict: fhir only */
                                 HLN_CLI_FLAG("strict", &o->strict),
                                 HLN_CLI_END};
    hln_cli_opt opts[sizeof dopts / sizeof dopts[0]];
    memcpy(opts, dopts, sizeof dopts);
    if (!fhir)
        opts[5] = (hln_cli_opt)HLN_CLI_END;
    hln_cli_args a = {.what = fhir ? "import fhir" : "import dhis2",
                      .opts = opts,
                      .pos = &o->file,
                      .maxpos = 1,
                      .datadir = datadir,
                      .usage = fhir ? fhir_usage : dhis2_usage,
                      .remind = true};
    int r = hln_cli_parse(&a, argc, argv);
    if (r != HLN_CLI_GO)
        return r;
    if (a.npos != 1)
        return hln_cli_usage_error(&a, "which file?");
    uint64_t mc = 0;
    if (min_cell && !hln_cli_parse_uint(min_cell, HLN_MIN_CELL_DEFAULT, HLN_MIN_CELL_MAX, &mc))
        return hln_cli_usage_error(&a, "--min-cell: a whole number from %u to %u",
                                   HLN_MIN_CELL_DEFAULT, HLN_MIN_CELL_MAX);
    o->min_cell = (uint32_t)mc;
    if (!fhir && !o->map)
        return hln_cli_usage_error(&a, "--map MAP.ini is required (docs/INTEROP.md)");
    if (o->scope &&
        (strlen(o->scope) > HLN_SCOPE_MAX || !hln_code_scope(o->scope, strlen(o->scope))))
        return hln_cli_usage_error(&a, "--scope: '%s' is not global or a jurisdiction code",
                                   o->scope);
    if (o->unit && strcmp(o->unit, "-") &&
        (strlen(o->unit) > HLN_CODE_MAX || !hln_code_unit(o->unit, strlen(o->unit))))
        return hln_cli_usage_error(&a, "--unit: '%s' is not a unit code or - (the node itself)",
                                   o->unit);
    return HLN_CLI_GO;
}

typedef struct {
    const char *file, *what;
    size_t count;
} prob_ctx;

static void print_problem(void *ctx, unsigned long line, const char *reason)
{
    prob_ctx *p = ctx;
    p->count++;
    hln_warnx("%s: %s %lu: %s", p->file, p->what, line, reason);
}

/* A problem the publish checks found on a CSV line, told against the source. */
typedef struct {
    prob_ctx *pc;
    const hln_interop_csv *csv;
} relay_ctx;

static void relay_problem(void *ctx, unsigned long line, const char *reason)
{
    relay_ctx *r = ctx;
    print_problem(r->pc, hln_interop_csv_src(r->csv, line), reason);
}

/* Read the map at `path` (none: *m stays NULL). HLN_CLI_GO, or EXIT_FAIL
 * after naming its problems. */
static int load_map(const char *path, hln_map **m)
{
    *m = NULL;
    if (!path)
        return HLN_CLI_GO;
    char *buf = NULL;
    size_t len = 0;
    int rc = hln_read_file(path, HLN_MAP_FILE_MAX, &buf, &len);
    if (rc < 0) {
        hln_warnx("%s: %s", path, rc == HLN_EIO ? "cannot read it" : hln_strerror(rc));
        return EXIT_FAIL;
    }
    prob_ctx pc = {path, "line", 0};
    rc = hln_map_parse(buf, len, print_problem, &pc, m);
    free(buf);
    if (rc < 0) {
        hln_warnx("%s: %s", path, rc == HLN_ECONFIG ? "not a usable map" : hln_strerror(rc));
        return EXIT_FAIL;
    }
    return HLN_CLI_GO;
}

static const char *status_name(hln_import_status s)
{
    return s == HLN_IMPORT_IMPORTED ? "imported" : s == HLN_IMPORT_IGNORED ? "ignored" : "error";
}

/* What the import did: the outcomes of the source rows, the observations
 * published (or that would be) and which of them the node held already. */
typedef struct {
    const iopts *o;
    const char *what; /* a source row: "row" (DHIS2) or "report" (FHIR) */
    const hln_interop_outcome *oc;
    size_t noc;
    const hln_interop_csv *csv;
    hln_publish_result res;
    bool *updated;
    size_t n_imp, n_upd, n_ign;
} isummary;

static bool row_updated(const isummary *s, size_t i)
{
    const hln_interop_outcome *x = &s->oc[i];
    return x->status == HLN_IMPORT_IMPORTED && x->obs >= 0 && (size_t)x->obs < s->res.n &&
           s->updated[x->obs];
}

static void count_rows(isummary *s)
{
    for (size_t i = 0; i < s->noc; i++) {
        if (s->oc[i].status == HLN_IMPORT_IGNORED)
            s->n_ign++;
        else if (row_updated(s, i))
            s->n_upd++;
        else
            s->n_imp++;
    }
}

static json_object *rows_json(const isummary *s)
{
    json_object *rows = json_object_new_array();
    for (size_t i = 0; i < s->noc; i++) {
        json_object *x = json_object_new_object();
        hln_cli_ju64(x, s->what, s->oc[i].row);
        hln_cli_jstr(x, "status", row_updated(s, i) ? "updated" : status_name(s->oc[i].status));
        if (s->oc[i].reason[0])
            hln_cli_jstr(x, "reason", s->oc[i].reason);
        json_object_array_add(rows, x);
    }
    return rows;
}

static json_object *observations_json(const isummary *s)
{
    json_object *obs = json_object_new_array();
    for (size_t i = 0; i < s->res.n; i++) {
        const hln_disclosure_item *it = &s->res.items[i];
        json_object *x = json_object_new_object();
        hln_cli_jstr(x, "indicator", it->obs.indicator);
        hln_cli_jstr(x, "period", it->obs.period);
        hln_cli_jstr(x, "unit", it->obs.unit);
        hln_cli_jstr(x, "stratum", it->obs.stratum);
        hln_cli_jbool(x, "updated", s->updated[i]);
        bool supp = it->reason != HLN_SUPP_NONE;
        hln_cli_jbool(x, "suppressed", supp);
        if (supp) {
            hln_cli_jstr(x, "reason", it->why);
        } else {
            hln_cli_ju64(x, "numerator", it->obs.numerator);
            hln_cli_ju64(x, "denominator", it->obs.denominator);
        }
        /* the CSV the converter made has its header on line 1 */
        hln_cli_ju64(x, s->what, hln_interop_csv_src(s->csv, (unsigned long)i + 2));
        json_object_array_add(obs, x);
    }
    return obs;
}

static void print_summary_json(const isummary *s)
{
    json_object *j = json_object_new_object();
    hln_cli_jstr(j, "status", "SUCCESS");
    hln_cli_jbool(j, "dryRun", s->o->dry_run);
    json_object *ic = json_object_new_object();
    hln_cli_ju64(ic, "imported", s->n_imp);
    hln_cli_ju64(ic, "updated", s->n_upd);
    hln_cli_ju64(ic, "ignored", s->n_ign);
    hln_cli_ju64(ic, "deleted", 0);
    json_object_object_add(j, "importCount", ic);
    json_object_object_add(j, "rows", rows_json(s));
    hln_cli_jstr(j, "scope", s->res.scope);
    hln_cli_ju64(j, "min_cell", s->res.min_cell);
    if (!s->o->dry_run)
        hln_cli_ju64(j, "first_seq", s->res.first_seq);
    json_object_object_add(j, "observations", observations_json(s));
    hln_print_json(j);
}

static void print_summary_text(const isummary *s)
{
    const hln_publish_result *res = &s->res;
    for (size_t i = 0; i < s->noc; i++)
        if (s->oc[i].status == HLN_IMPORT_IGNORED)
            printf("%s %lu ignored: %s\n", s->what, s->oc[i].row, s->oc[i].reason);
        else if (s->oc[i].reason[0])
            printf("%s %lu note: %s\n", s->what, s->oc[i].row, s->oc[i].reason);
    for (size_t i = 0; i < res->n; i++) {
        const hln_disclosure_item *it = &res->items[i];
        char v[48];
        snprintf(v, sizeof v, "%llu/%llu", (unsigned long long)it->obs.numerator,
                 (unsigned long long)it->obs.denominator);
        printf("%-8s %s %s %s %s %s%s%s\n", s->updated[i] ? "update" : "new", it->obs.indicator,
               it->obs.period, it->obs.unit[0] ? it->obs.unit : "-",
               it->obs.stratum[0] ? it->obs.stratum : "(total)", it->reason ? "withheld" : v,
               it->reason ? ": " : "", it->reason ? it->why : "");
    }
    printf("import summary%s: %zu imported, %zu updated, %zu ignored; "
           "%zu observation%s (%zu suppressed) for scope %s (min cell %u)\n",
           s->o->dry_run ? " (dry run)" : "", s->n_imp, s->n_upd, s->n_ign, res->n,
           res->n == 1 ? "" : "s", res->n_suppressed, res->scope, res->min_cell);
    if (s->o->dry_run)
        printf("dry run: nothing written\n");
    else
        printf("published %zu observation%s in scope %s, seq %llu-%llu\n", res->n,
               res->n == 1 ? "" : "s", res->scope, (unsigned long long)res->first_seq,
               (unsigned long long)(res->first_seq + res->n - 1));
}

/* Publish the converter's CSV: a dry run first, whose items say which
 * observations the node holds already (DHIS2's "updated") before anything
 * is written, then, unless --dry-run, for real. EXIT_OK or EXIT_FAIL. */
static int publish_csv(const char *datadir, isummary *s)
{
    const iopts *o = s->o;
    prob_ctx pc = {o->file, s->what, 0};
    relay_ctx rl = {&pc, s->csv};
    hln_node *n = NULL;
    char err[512] = "";
    if (hln_cli_open_node(datadir, o->dry_run ? HLN_NODE_RDONLY : 0, &n) < 0)
        return EXIT_FAIL;
    hln_publish_opts po = {.scope = o->scope, .min_cell = o->min_cell, .dry_run = true};
    int rc = hln_node_publish_csv(n, s->csv->buf, s->csv->len, &po, relay_problem, &rl, &s->res,
                                  err, sizeof err);
    if (rc < 0 && pc.count)
        hln_warnx("%s: %zu bad %s%s; nothing imported", o->file, pc.count, s->what,
                  pc.count == 1 ? "" : "s");
    if (rc < 0)
        goto out;
    s->updated = calloc(s->res.n ? s->res.n : 1, sizeof *s->updated);
    if (!s->updated) {
        rc = HLN_ENOMEM;
        goto out;
    }
    for (size_t i = 0; i < s->res.n; i++)
        s->updated[i] = hln_interop_held(hln_node_store(n), hln_node_pk(n), &s->res.items[i].obs);
    if (!o->dry_run) {
        hln_publish_result_free(&s->res);
        po.dry_run = false;
        rc = hln_node_publish_csv(n, s->csv->buf, s->csv->len, &po, relay_problem, &rl, &s->res,
                                  err, sizeof err);
    }
out:
    hln_node_close(&n);
    if (rc < 0 && !pc.count)
        hln_warnx("%s: %s; nothing imported", o->file, err[0] ? err : hln_strerror(rc));
    if (rc >= 0 && !o->dry_run)
        hln_cli_notify_appended(datadir);
    return rc < 0 ? EXIT_FAIL : EXIT_OK;
}

/* Publish what a converter made and print the import summary. */
static int finish_import(const char *datadir, const iopts *o, const char *what,
                         const hln_interop_outcome *oc, size_t noc, size_t n_refused,
                         const hln_interop_csv *csv)
{
    prob_ctx pc = {o->file, what, 0};
    if (n_refused) {
        for (size_t i = 0; i < noc; i++)
            if (oc[i].status == HLN_IMPORT_REFUSED)
                print_problem(&pc, oc[i].row, oc[i].reason);
        hln_warnx("%s: %zu error%s; nothing imported", o->file, n_refused,
                  n_refused == 1 ? "" : "s");
        return EXIT_FAIL;
    }
    if (csv->n == 0) {
        for (size_t i = 0; i < noc; i++)
            if (!o->json)
                printf("%s %lu ignored: %s\n", what, oc[i].row, oc[i].reason);
        hln_warnx("%s: no value maps to an observation; nothing imported", o->file);
        return EXIT_FAIL;
    }
    isummary s = {.o = o, .what = what, .oc = oc, .noc = noc, .csv = csv};
    int st = publish_csv(datadir, &s);
    if (st == EXIT_OK) {
        count_rows(&s);
        if (o->json)
            print_summary_json(&s);
        else
            print_summary_text(&s);
    }
    free(s.updated);
    hln_publish_result_free(&s.res);
    return st;
}

static int import_dhis2(const char *datadir, const iopts *o)
{
    hln_map *m = NULL;
    int st = load_map(o->map, &m);
    if (st != HLN_CLI_GO)
        return st;
    st = EXIT_FAIL;
    char *buf = NULL;
    size_t len = 0;
    hln_dhis2_value *vals = NULL;
    size_t nvals = 0, n_refused = 0;
    hln_interop_outcome *oc = NULL;
    hln_interop_csv csv;
    hln_interop_csv_init(&csv);
    int rc = hln_read_file(o->file, HLN_DHIS2_FILE_MAX, &buf, &len);
    if (rc < 0) {
        hln_warnx("%s: %s", o->file, rc == HLN_EIO ? "cannot read it" : hln_strerror(rc));
        goto out;
    }
    prob_ctx pc = {o->file, "row", 0};
    hln_dhis2_format fmt;
    rc = hln_dhis2_parse(buf, len, print_problem, &pc, &vals, &nvals, &fmt);
    if (rc < 0) {
        hln_warnx("%s: %s; nothing imported", o->file,
                  rc == HLN_EINVAL ? "not a dataValueSets payload it can read" : hln_strerror(rc));
        goto out;
    }
    if ((rc = hln_dhis2_convert(vals, nvals, m, &csv, &oc, &n_refused)) < 0) {
        hln_warnx("%s", hln_strerror(rc));
        goto out;
    }
    st = finish_import(datadir, o, "row", oc, nvals, n_refused, &csv);
out:
    hln_interop_csv_free(&csv);
    free(oc);
    free(vals);
    free(buf);
    hln_map_destroy(&m);
    return st;
}

static int import_fhir(const char *datadir, const iopts *o)
{
    hln_map *m = NULL;
    int st = load_map(o->map, &m);
    if (st != HLN_CLI_GO)
        return st;
    st = EXIT_FAIL;
    char *buf = NULL;
    size_t len = 0;
    hln_node *n = NULL;
    hln_node_def *defs = NULL;
    size_t ndefs = 0, noc = 0, n_refused = 0;
    hln_interop_outcome *oc = NULL;
    hln_fhir_measure_link *links = NULL;
    size_t nlinks = 0;
    hln_interop_csv csv;
    hln_interop_csv_init(&csv);
    int rc = hln_read_file(o->file, HLN_FHIR_FILE_MAX, &buf, &len);
    if (rc < 0) {
        hln_warnx("%s: %s", o->file, rc == HLN_EIO ? "cannot read it" : hln_strerror(rc));
        goto out;
    }
    /* The definitions and the measure links the node knows, read and closed
     * again: finish_import opens the node itself. */
    if ((rc = hln_cli_open_node(datadir, HLN_NODE_RDONLY, &n)) < 0)
        goto out;
    if ((rc = hln_node_definitions(n, &defs, &ndefs)) < 0 ||
        (rc = hln_fhir_links_load(hln_node_store(n), &links, &nlinks)) < 0) {
        hln_warnx("reading the store: %s", hln_strerror(rc));
        goto out;
    }
    hln_node_close(&n);
    hln_fhir_import_opts fo = {.map = m,
                               .defs = defs,
                               .ndefs = ndefs,
                               .links = links,
                               .nlinks = nlinks,
                               .unit = o->unit,
                               .strict = o->strict};
    prob_ctx pc = {o->file, "report", 0};
    rc = hln_fhir_import(buf, len, &fo, print_problem, &pc, &csv, &oc, &noc, &n_refused);
    if (rc < 0) {
        hln_warnx("%s: %s; nothing imported", o->file,
                  rc == HLN_EINVAL ? "not a MeasureReport or Bundle it can read"
                                   : hln_strerror(rc));
        goto out;
    }
    st = finish_import(datadir, o, "report", oc, noc, n_refused, &csv);
out:
    hln_node_close(&n);
    hln_interop_csv_free(&csv);
    free(links);
    free(oc);
    free(defs);
    free(buf);
    hln_map_destroy(&m);
    return st;
}

static int run_import(const char *datadir, int argc, char **argv, bool json)
{
    iopts o = {.json = json};
    int r = parse_iopts(&datadir, argc, argv, &o);
    if (r != HLN_CLI_GO)
        return r;
    return !strcmp(argv[0], "dhis2") ? import_dhis2(datadir, &o) : import_fhir(datadir, &o);
}

int hln_cli_import(const char *datadir, int argc, char **argv, bool json)
{
    static const hln_cli_verb verbs[] = {
        {"dhis2", NULL, run_import}, {"fhir", NULL, run_import}, {NULL, NULL, NULL}};
    return hln_cli_run_verb("import", verbs, import_usage, datadir, argc, argv, json);
}
