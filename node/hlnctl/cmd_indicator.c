/* cmd_indicator.c - hlnctl indicator define and list. */
#include "node/hlnctl/cmd_indicator.h"
#include "node/fhir.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"
#include "crypto/err.h"
#include "node/catalogue.h"
#include "node/hlnctl/cli.h"
#include "node/hlnctl/csvout.h"
#include "node/node.h"
#include "proto/codes.h"
#include "proto/record.h"

/* ---- indicator define ---- */

static const hln_cli_usage define_help = {
    "indicator define", "FILE [--scope CODE|global] [--dry-run] [--json]",
    "Author indicator definitions from an INI file; nothing is defined if any section is bad.",
    "  --scope CODE        the feed to publish in (default: the node's country, or global)\n"
    "  --dry-run           check the file, write nothing\n"
    "  --json              machine-readable output\n"};

static void define_usage(FILE *f)
{
    hln_cli_usage_print(f, &define_help);
}

typedef struct {
    const char *file;
    size_t count;
} problem_ctx;

static void print_problem(void *ctx, unsigned long line, const char *reason)
{
    problem_ctx *p = ctx;
    p->count++;
    hln_warnx("%s:%lu: %s", p->file, line, reason);
}

/* The definitions of `file`, every problem named. EXIT_FAIL after a message. */
static int read_defs(const char *file, hln_indicator **defs,
                     char (**fhir)[HLN_CATALOGUE_URL_MAX + 1], size_t *ndefs)
{
    char *buf = NULL;
    size_t len = 0;
    int rc = hln_read_file(file, HLN_CATALOGUE_FILE_MAX, &buf, &len);
    if (rc < 0) {
        hln_cli_read_failed(file, rc);
        return EXIT_FAIL;
    }
    problem_ctx pc = {file, 0};
    rc = hln_catalogue_parse_ex(buf, len, print_problem, &pc, defs, fhir, ndefs);
    free(buf);
    if (rc == HLN_ECONFIG)
        hln_warnx("%s: %zu problem%s; nothing defined", file, pc.count, pc.count == 1 ? "" : "s");
    else if (rc < 0)
        hln_warnx("%s: %s", file, hln_strerror(rc));
    return rc < 0 ? EXIT_FAIL : HLN_CLI_GO;
}

/* A version says which definition is current: the node never authors a
 * second, different definition under a version it already used. */
static int check_versions(hln_node *n, const char *file, const hln_indicator *defs, size_t ndefs)
{
    hln_node_def *held = NULL;
    size_t nheld = 0, bad = 0;
    int rc = hln_node_definitions(n, &held, &nheld);
    if (rc < 0) {
        hln_warnx("store: %s", hln_strerror(rc));
        return EXIT_FAIL;
    }
    for (size_t i = 0; i < ndefs; i++) {
        const hln_node_def *h = hln_node_find_def(held, nheld, defs[i].code);
        if (h && !memcmp(h->author, hln_node_pk(n), HLN_KEY_LEN) &&
            h->def.version >= defs[i].version) {
            hln_warnx("%s: [%s]: version %u is not above the version %u this node defined; "
                      "raise it",
                      file, defs[i].code, defs[i].version, h->def.version);
            bad++;
        }
    }
    free(held);
    if (bad)
        hln_warnx("%s: nothing defined", file);
    return bad ? EXIT_FAIL : HLN_CLI_GO;
}

static int append_defs(hln_node *n, const char *file, const char *scope, const hln_indicator *defs,
                       size_t ndefs, uint64_t *first)
{
    hln_node_item *items = calloc(ndefs, sizeof *items);
    if (!items) {
        hln_warnx("%s", hln_strerror(HLN_ENOMEM));
        return EXIT_FAIL;
    }
    for (size_t i = 0; i < ndefs; i++) {
        items[i].type = HLN_REC_INDICATOR;
        items[i].body.indicator = defs[i];
    }
    char err[512] = "";
    int rc = hln_node_append(n, scope, items, ndefs, 0, first, err, sizeof err);
    free(items);
    if (rc < 0) {
        hln_warnx("%s: %s; nothing defined", file, err[0] ? err : hln_strerror(rc));
        return EXIT_FAIL;
    }
    return HLN_CLI_GO;
}

static void print_defined(const char *scope, bool dry_run, bool json, const hln_indicator *defs,
                          size_t ndefs, uint64_t first)
{
    if (!json) {
        for (size_t i = 0; i < ndefs; i++)
            printf("%s %s v%u\n", dry_run ? "would define" : "defined", defs[i].code,
                   defs[i].version);
        if (!dry_run)
            printf("%zu indicator%s in scope %s, seq %llu-%llu\n", ndefs, ndefs == 1 ? "" : "s",
                   scope, (unsigned long long)first, (unsigned long long)(first + ndefs - 1));
        return;
    }
    json_object *j = json_object_new_object();
    hln_cli_jstr(j, "scope", scope);
    hln_cli_jbool(j, "dry_run", dry_run);
    if (!dry_run)
        hln_cli_ju64(j, "first_seq", first);
    json_object *a = json_object_new_array();
    for (size_t i = 0; i < ndefs; i++) {
        json_object *d = json_object_new_object();
        hln_cli_jstr(d, "code", defs[i].code);
        hln_cli_ju64(d, "version", defs[i].version);
        json_object_array_add(a, d);
    }
    json_object_object_add(j, "indicators", a);
    hln_print_json(j);
}

/* The feed to define in: --scope, else the node's default. */
static int define_scope(hln_node *n, const char *opt, char scope[HLN_SCOPE_MAX + 1])
{
    if (opt)
        snprintf(scope, HLN_SCOPE_MAX + 1, "%s", opt);
    else
        hln_node_default_scope(n, scope);
    if ((opt && strlen(opt) > HLN_SCOPE_MAX) || !hln_node_scope_ok(n, scope)) {
        hln_warnx("--scope: '%s' must be global or a jurisdiction that contains the node's", opt);
        return EXIT_USAGE;
    }
    return HLN_CLI_GO;
}

int hln_cli_indicator_define(const char *datadir, int argc, char **argv, bool json)
{
    const char *scope_opt = NULL, *file = NULL;
    bool dry_run = false;
    const hln_cli_opt opts[] = {HLN_CLI_VALUE("scope", &scope_opt),
                                HLN_CLI_FLAG("dry-run", &dry_run), HLN_CLI_FLAG("json", &json),
                                HLN_CLI_END};
    hln_cli_args a = {.opts = opts,
                      .pos = &file,
                      .maxpos = 1,
                      .datadir = &datadir,
                      .usage = define_usage,
                      .remind = true};
    int r = hln_cli_parse(&a, argc, argv);
    if (r != HLN_CLI_GO)
        return r;
    if (a.npos != 1)
        return hln_cli_usage_error(&a, "which file?");
    hln_indicator *defs = NULL;
    char(*fhir)[HLN_CATALOGUE_URL_MAX + 1] = NULL; /* fhir_measure: the node's own table */
    size_t ndefs = 0;
    hln_node *n = NULL;
    char scope[HLN_SCOPE_MAX + 1];
    uint64_t first = 0;
    if ((r = read_defs(file, &defs, &fhir, &ndefs)) != HLN_CLI_GO)
        goto out;
    r = EXIT_FAIL;
    if (hln_cli_open_node(datadir, dry_run ? HLN_NODE_RDONLY : 0, &n) < 0 ||
        (r = define_scope(n, scope_opt, scope)) != HLN_CLI_GO ||
        (r = check_versions(n, file, defs, ndefs)) != HLN_CLI_GO)
        goto out;
    if (!dry_run) {
        if ((r = append_defs(n, file, scope, defs, ndefs, &first)) != HLN_CLI_GO)
            goto out;
        hln_cli_notify_appended(datadir);
        for (size_t i = 0; i < ndefs; i++) {
            int rc = fhir[i][0] ? hln_fhir_link_set(hln_node_store(n), defs[i].code, fhir[i]) : 0;
            if (rc < 0)
                hln_warnx("[%s]: fhir_measure not kept: %s", defs[i].code, hln_strerror(rc));
        }
    }
    print_defined(scope, dry_run, json, defs, ndefs, first);
    r = EXIT_OK;
out:
    free(fhir);
    free(defs);
    hln_node_close(&n);
    return r;
}

/* ---- indicator list ---- */

static const hln_cli_usage list_help = {
    "indicator list", "[--json|--csv]",
    "List the indicator definitions held (the latest version of each code).",
    "  --json              every field of every definition\n"
    "  --csv               the same fields, a row per definition (strata joined by ;)\n"};

static void list_usage(FILE *f)
{
    hln_cli_usage_print(f, &list_help);
}

static json_object *def_json(const hln_node_def *d)
{
    const hln_indicator *x = &d->def;
    char author[HLN_ID_TEXT_LEN + 1];
    hln_id_to_text(d->author, author);
    json_object *j = json_object_new_object();
    hln_cli_jstr(j, "code", x->code);
    hln_cli_ju64(j, "version", x->version);
    hln_cli_jstr(j, "title", x->title);
    hln_cli_jstr(j, "domain", hln_domain_name(x->domain));
    hln_cli_jstr(j, "kind", hln_kind_name(x->kind));
    hln_cli_ju64(j, "multiplier", x->multiplier);
    hln_cli_jstr(j, "direction", hln_direction_name(x->direction));
    hln_cli_jstr(j, "method", hln_method_name(x->method));
    json_object *s = json_object_new_array();
    for (uint32_t i = 0; i < x->n_strata && i < HLN_STRATA_MAX; i++)
        json_object_array_add(s, json_object_new_string(x->strata[i]));
    json_object_object_add(j, "strata", s);
    hln_cli_jstr(j, "description", x->description);
    hln_cli_jstr(j, "author", author);
    hln_cli_jstr(j, "scope", d->scope);
    hln_cli_ju64(j, "seq", d->seq);
    return j;
}

static void print_defs(const hln_node_def *defs, size_t nd, bool json, bool csv)
{
    if (json || csv) {
        json_object *a = json_object_new_array();
        for (size_t i = 0; i < nd; i++)
            json_object_array_add(a, def_json(&defs[i]));
        if (csv)
            hln_csv_print(a, NULL);
        else
            hln_print_json(a);
        return;
    }
    printf("%-36s %3s %-10s %-7s %-6s %s\n", "CODE", "VER", "KIND", "BETTER", "AUTHOR", "TITLE");
    for (size_t i = 0; i < nd; i++) {
        const hln_indicator *x = &defs[i].def;
        char kind[32], shortid[HLN_ID_SHORT_LEN + 1];
        if (x->kind == HLN_KIND_RATE)
            snprintf(kind, sizeof kind, "rate/%u", x->multiplier);
        else
            snprintf(kind, sizeof kind, "proportion");
        hln_id_short(defs[i].author, shortid);
        printf("%-36s %3u %-10s %-7s %-6s %s\n", x->code, x->version, kind,
               hln_direction_name(x->direction), shortid, x->title);
    }
}

int hln_cli_indicator_list(const char *datadir, int argc, char **argv, bool json)
{
    bool csv = false;
    const hln_cli_opt opts[] = {HLN_CLI_FLAG("json", &json), HLN_CLI_FLAG("csv", &csv),
                                HLN_CLI_END};
    hln_cli_args a = {.opts = opts, .datadir = &datadir, .usage = list_usage, .remind = true};
    int r = hln_cli_parse(&a, argc, argv);
    if (r != HLN_CLI_GO)
        return r;
    hln_node *n = NULL;
    if (hln_cli_open_node(datadir, HLN_NODE_RDONLY, &n) < 0)
        return EXIT_FAIL;
    hln_node_def *defs = NULL;
    size_t nd = 0;
    int rc = hln_node_definitions(n, &defs, &nd);
    hln_node_close(&n);
    if (rc < 0) {
        hln_warnx("store: %s", hln_strerror(rc));
        return EXIT_FAIL;
    }
    print_defs(defs, nd, json && !csv, csv);
    free(defs);
    return EXIT_OK;
}
