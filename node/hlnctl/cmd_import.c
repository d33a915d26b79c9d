/* cmd_import.c - hlnctl import: DHIS2 dataValueSets and FHIR R4 MeasureReports through publish's checks. */
#include "node/hlnctl/cmd_import.h"

#include <getopt.h>
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
    bool dry_run, json, strict, help;
} iopts;

static void import_usage(FILE *f, const char *verb)
{
    if (!verb || !strcmp(verb, "dhis2"))
        fputs("usage: hlnctl [-d DIR] import dhis2 FILE --map MAP.ini [--dry-run] [--scope S]\n"
              "                       [--min-cell N] [--json]\n",
              f);
    if (!verb || !strcmp(verb, "fhir"))
        fputs("usage: hlnctl [-d DIR] import fhir FILE [--unit U] [--map MAP.ini] [--dry-run]\n"
              "                       [--strict] [--scope S] [--min-cell N] [--json]\n",
              f);
    fputs("Import counts from a DHIS2 dataValueSets payload (JSON, bulk JSON or CSV) or a FHIR\n"
          "R4 MeasureReport (summary) or Bundle of them, through the same checks, small-cell\n"
          "suppression and all-or-nothing commit as publish (docs/INTEROP.md).\n\n"
          "  --map MAP.ini       which codes are which indicators, units and strata\n"
          "  --unit U            FHIR: the unit of every report the map does not place (- node)\n"
          "  --dry-run           print the import summary (imported/updated/ignored); store nothing\n"
          "  --strict            FHIR: a stratum the indicator does not declare is an error\n"
          "  --scope CODE        the feed to publish in (default: the node's country, or global)\n"
          "  --min-cell N        a stricter minimum cell for this file\n"
          "  --json              machine-readable output (a DHIS2-style import summary)\n",
          f);
}

/* Returns -1 to go on, else the exit status. */
static int parse_iopts(int argc, char **argv, const char *verb, iopts *o)
{
    enum { O_MAP = 1, O_UNIT, O_SCOPE, O_MIN_CELL, O_DRY, O_JSON, O_STRICT, O_HELP };
    static const struct option lo[] = {{"map", required_argument, NULL, O_MAP},
                                       {"unit", required_argument, NULL, O_UNIT},
                                       {"scope", required_argument, NULL, O_SCOPE},
                                       {"min-cell", required_argument, NULL, O_MIN_CELL},
                                       {"dry-run", no_argument, NULL, O_DRY},
                                       {"json", no_argument, NULL, O_JSON},
                                       {"strict", no_argument, NULL, O_STRICT},
                                       {"help", no_argument, NULL, O_HELP},
                                       {NULL, 0, NULL, 0}};
    optind = 0;
    opterr = 0;
    int ch;
    while ((ch = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
        switch (ch) {
        case O_MAP:
            o->map = optarg;
            break;
        case O_UNIT:
            o->unit = optarg;
            break;
        case O_SCOPE:
            o->scope = optarg;
            break;
        case O_MIN_CELL: {
            char *end = NULL;
            unsigned long v = strtoul(optarg, &end, 10);
            if (!optarg[0] || *end || v < HLN_MIN_CELL_DEFAULT || v > HLN_MIN_CELL_MAX) {
                hln_warnx("import %s: --min-cell: a whole number from %u to %u", verb,
                          HLN_MIN_CELL_DEFAULT, HLN_MIN_CELL_MAX);
                return EXIT_USAGE;
            }
            o->min_cell = (uint32_t)v;
            break;
        }
        case O_DRY:
            o->dry_run = true;
            break;
        case O_JSON:
            o->json = true;
            break;
        case O_STRICT:
            o->strict = true;
            break;
        case 'h':
        case O_HELP:
            import_usage(stdout, verb);
            return EXIT_OK;
        default:
            hln_warnx("import %s: unknown option '%s'", verb, argv[optind - 1]);
            import_usage(stderr, verb);
            return EXIT_USAGE;
        }
    }
    if (optind + 1 != argc) {
        hln_warnx("import %s: which file?", verb);
        import_usage(stderr, verb);
        return EXIT_USAGE;
    }
    o->file = argv[optind];
    if (o->scope &&
        (strlen(o->scope) > HLN_SCOPE_MAX || !hln_code_scope(o->scope, strlen(o->scope)))) {
        hln_warnx("import %s: --scope: '%s' is not global or a jurisdiction code", verb, o->scope);
        return EXIT_USAGE;
    }
    if (o->unit && strcmp(o->unit, "-") &&
        (strlen(o->unit) > HLN_CODE_MAX || !hln_code_unit(o->unit, strlen(o->unit)))) {
        hln_warnx("import %s: --unit: '%s' is not a unit code or - (the node itself)", verb,
                  o->unit);
        return EXIT_USAGE;
    }
    return -1;
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

static int load_map(const char *path, bool required, hln_map **m)
{
    *m = NULL;
    if (!path) {
        if (required) {
            hln_warnx("--map MAP.ini is required (docs/INTEROP.md)");
            return EXIT_USAGE;
        }
        return -1;
    }
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
    return -1;
}

static const char *status_name(hln_import_status s)
{
    return s == HLN_IMPORT_IMPORTED ? "imported" : s == HLN_IMPORT_IGNORED ? "ignored" : "error";
}

/* Publish what a converter made and print the import summary. `what`
 * names a source row ("row" for DHIS2, "report" for FHIR). */
static int finish_import(const char *datadir, const iopts *o, const char *what,
                         const hln_interop_outcome *oc, size_t noc, size_t n_refused,
                         const hln_interop_csv *csv)
{
    prob_ctx pc = {o->file, what, 0};
    int st = EXIT_FAIL;
    hln_node *n = NULL;
    hln_publish_result res;
    memset(&res, 0, sizeof res);
    bool *updated = NULL;
    if (n_refused) {
        for (size_t i = 0; i < noc; i++)
            if (oc[i].status == HLN_IMPORT_REFUSED)
                print_problem(&pc, oc[i].row, oc[i].reason);
        hln_warnx("%s: %zu error%s; nothing imported", o->file, n_refused,
                  n_refused == 1 ? "" : "s");
        goto out;
    }
    if (csv->n == 0) {
        for (size_t i = 0; i < noc; i++)
            if (!o->json)
                printf("%s %lu ignored: %s\n", what, oc[i].row, oc[i].reason);
        hln_warnx("%s: no value maps to an observation; nothing imported", o->file);
        goto out;
    }
    char err[512] = "";
    int rc = hln_node_open(datadir, o->dry_run ? HLN_NODE_RDONLY : 0, &n, err, sizeof err);
    if (rc < 0) {
        hln_warnx("%s", err[0] ? err : hln_strerror(rc));
        goto out;
    }
    /* A dry run first: its items say which observations the node holds
     * already (DHIS2's "updated") before anything is written. */
    hln_publish_opts po = {.scope = o->scope, .min_cell = o->min_cell, .dry_run = true};
    relay_ctx rl = {&pc, csv};
    rc = hln_node_publish_csv(n, csv->buf, csv->len, &po, relay_problem, &rl, &res, err,
                              sizeof err);
    if (rc < 0) {
        if (pc.count)
            hln_warnx("%s: %zu bad %s%s; nothing imported", o->file, pc.count, what,
                      pc.count == 1 ? "" : "s");
        else
            hln_warnx("%s: %s; nothing imported", o->file, err[0] ? err : hln_strerror(rc));
        goto out;
    }
    updated = calloc(res.n ? res.n : 1, sizeof *updated);
    if (!updated) {
        hln_warnx("%s", hln_strerror(HLN_ENOMEM));
        goto out;
    }
    for (size_t i = 0; i < res.n; i++)
        updated[i] = hln_interop_held(hln_node_store(n), hln_node_pk(n), &res.items[i].obs);
    if (!o->dry_run) {
        hln_publish_result_free(&res);
        po.dry_run = false;
        rc = hln_node_publish_csv(n, csv->buf, csv->len, &po, relay_problem, &rl, &res, err,
                                  sizeof err);
        if (rc < 0) {
            hln_warnx("%s: %s; nothing imported", o->file, err[0] ? err : hln_strerror(rc));
            goto out;
        }
        rc = hln_control_notify_appended(datadir);
        if (rc < 0)
            hln_warnx("hlnd did not take the news (%s); it will announce the records later",
                      hln_strerror(rc));
    }
    size_t n_imp = 0, n_upd = 0, n_ign = 0;
    for (size_t i = 0; i < noc; i++) {
        if (oc[i].status == HLN_IMPORT_IGNORED)
            n_ign++;
        else if (oc[i].obs >= 0 && (size_t)oc[i].obs < res.n && updated[oc[i].obs])
            n_upd++;
        else
            n_imp++;
    }
    if (o->json) {
        json_object *j = json_object_new_object();
        json_object_object_add(j, "status", json_object_new_string("SUCCESS"));
        json_object_object_add(j, "dryRun", json_object_new_boolean(o->dry_run));
        json_object *ic = json_object_new_object();
        json_object_object_add(ic, "imported", json_object_new_uint64(n_imp));
        json_object_object_add(ic, "updated", json_object_new_uint64(n_upd));
        json_object_object_add(ic, "ignored", json_object_new_uint64(n_ign));
        json_object_object_add(ic, "deleted", json_object_new_uint64(0));
        json_object_object_add(j, "importCount", ic);
        json_object *rows = json_object_new_array();
        for (size_t i = 0; i < noc; i++) {
            json_object *x = json_object_new_object();
            json_object_object_add(x, what, json_object_new_uint64(oc[i].row));
            bool upd = oc[i].status == HLN_IMPORT_IMPORTED && oc[i].obs >= 0 &&
                       (size_t)oc[i].obs < res.n && updated[oc[i].obs];
            json_object_object_add(
                x, "status", json_object_new_string(upd ? "updated" : status_name(oc[i].status)));
            if (oc[i].reason[0])
                json_object_object_add(x, "reason", json_object_new_string(oc[i].reason));
            json_object_array_add(rows, x);
        }
        json_object_object_add(j, "rows", rows);
        json_object_object_add(j, "scope", json_object_new_string(res.scope));
        json_object_object_add(j, "min_cell", json_object_new_uint64(res.min_cell));
        if (!o->dry_run)
            json_object_object_add(j, "first_seq", json_object_new_uint64(res.first_seq));
        json_object *obs = json_object_new_array();
        for (size_t i = 0; i < res.n; i++) {
            const hln_disclosure_item *it = &res.items[i];
            json_object *x = json_object_new_object();
            json_object_object_add(x, "indicator", json_object_new_string(it->obs.indicator));
            json_object_object_add(x, "period", json_object_new_string(it->obs.period));
            json_object_object_add(x, "unit", json_object_new_string(it->obs.unit));
            json_object_object_add(x, "stratum", json_object_new_string(it->obs.stratum));
            json_object_object_add(x, "updated", json_object_new_boolean(updated[i]));
            bool s = it->reason != HLN_SUPP_NONE;
            json_object_object_add(x, "suppressed", json_object_new_boolean(s));
            if (s) {
                json_object_object_add(x, "reason", json_object_new_string(it->why));
            } else {
                json_object_object_add(x, "numerator", json_object_new_uint64(it->obs.numerator));
                json_object_object_add(x, "denominator",
                                       json_object_new_uint64(it->obs.denominator));
            }
            json_object_object_add(x, what, json_object_new_uint64(hln_interop_csv_src(csv, (unsigned long)i + 2)));
            json_object_array_add(obs, x);
        }
        json_object_object_add(j, "observations", obs);
        hln_print_json(j);
    } else {
        for (size_t i = 0; i < noc; i++)
            if (oc[i].status == HLN_IMPORT_IGNORED)
                printf("%s %lu ignored: %s\n", what, oc[i].row, oc[i].reason);
            else if (oc[i].reason[0])
                printf("%s %lu note: %s\n", what, oc[i].row, oc[i].reason);
        for (size_t i = 0; i < res.n; i++) {
            const hln_disclosure_item *it = &res.items[i];
            char v[48];
            snprintf(v, sizeof v, "%llu/%llu", (unsigned long long)it->obs.numerator,
                     (unsigned long long)it->obs.denominator);
            printf("%-8s %s %s %s %s %s%s%s\n", updated[i] ? "update" : "new", it->obs.indicator,
                   it->obs.period, it->obs.unit[0] ? it->obs.unit : "-",
                   it->obs.stratum[0] ? it->obs.stratum : "(total)", it->reason ? "withheld" : v,
                   it->reason ? ": " : "", it->reason ? it->why : "");
        }
        printf("import summary%s: %zu imported, %zu updated, %zu ignored; "
               "%zu observation%s (%zu suppressed) for scope %s (min cell %u)\n",
               o->dry_run ? " (dry run)" : "", n_imp, n_upd, n_ign, res.n, res.n == 1 ? "" : "s",
               res.n_suppressed, res.scope, res.min_cell);
        if (o->dry_run)
            printf("dry run: nothing written\n");
        else
            printf("published %zu observation%s in scope %s, seq %llu-%llu\n", res.n,
                   res.n == 1 ? "" : "s", res.scope, (unsigned long long)res.first_seq,
                   (unsigned long long)(res.first_seq + res.n - 1));
    }
    st = EXIT_OK;
out:
    free(updated);
    hln_publish_result_free(&res);
    hln_node_close(&n);
    return st;
}

static int import_dhis2(const char *datadir, const iopts *o)
{
    hln_map *m = NULL;
    int st = load_map(o->map, true, &m);
    if (st >= 0)
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
    int st = load_map(o->map, false, &m);
    if (st >= 0)
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
    char err[512] = "";
    if ((rc = hln_node_open(datadir, HLN_NODE_RDONLY, &n, err, sizeof err)) < 0) {
        hln_warnx("%s", err[0] ? err : hln_strerror(rc));
        goto out;
    }
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

int hln_cli_import(const char *datadir, int argc, char **argv, bool json)
{
    if (argc < 1 || !strcmp(argv[0], "-h") || !strcmp(argv[0], "--help") ||
        !strcmp(argv[0], "help")) {
        import_usage(argc < 1 ? stderr : stdout, NULL);
        return argc < 1 ? EXIT_USAGE : EXIT_OK;
    }
    const char *verb = argv[0];
    if (strcmp(verb, "dhis2") != 0 && strcmp(verb, "fhir") != 0) {
        hln_warnx("import: unknown format '%s' (dhis2, fhir)", verb);
        import_usage(stderr, NULL);
        return EXIT_USAGE;
    }
    iopts o;
    memset(&o, 0, sizeof o);
    o.json = json;
    int r = parse_iopts(argc, argv, verb, &o);
    if (r >= 0)
        return r;
    return !strcmp(verb, "dhis2") ? import_dhis2(datadir, &o) : import_fhir(datadir, &o);
}
