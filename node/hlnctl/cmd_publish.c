/* cmd_publish.c - hlnctl publish: check, suppress small cells in, and publish a CSV. */
#include "node/hlnctl/cmd_publish.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/err.h"
#include "node/csvin.h"
#include "node/disclosure.h"
#include "node/hlnctl/cli.h"
#include "node/hlnctl/cmd_publish_stream.h"
#include "node/publish_stream.h"
#include "node/node.h"
#include "proto/codes.h"
#include "proto/record.h"

static const hln_cli_usage publish_help = {
    "publish", "FILE.csv [--dry-run] [--scope CODE|global] [--min-cell N] [--columns MAP] [--json]",
    "Check, suppress small cells in, and publish a CSV of observations, all or nothing.",
    "  --dry-run           show what would be published and what is suppressed; write nothing\n"
    "  --scope CODE        the feed to publish in (default: the node's country, or global)\n"
    "  --min-cell N        a stricter minimum cell for this file (never below the policy)\n"
    "  --columns MAP       other column names: theirs=ours,... (e.g. site=unit,cases=numerator)\n"
    "  --json              machine-readable output\n"};

static void usage(FILE *f)
{
    hln_cli_usage_print(f, &publish_help);
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

static json_object *item_json(const hln_disclosure_item *it, unsigned long line)
{
    json_object *x = json_object_new_object();
    hln_cli_ju64(x, "line", line);
    hln_cli_jstr(x, "indicator", it->obs.indicator);
    hln_cli_jstr(x, "period", it->obs.period);
    hln_cli_jstr(x, "unit", it->obs.unit);
    hln_cli_jstr(x, "stratum", it->obs.stratum);
    bool s = it->reason != HLN_SUPP_NONE;
    hln_cli_jbool(x, "suppressed", s);
    if (s) {
        hln_cli_jstr(x, "suppression", it->reason == HLN_SUPP_SMALL ? "small" : "complementary");
        hln_cli_jstr(x, "reason", it->why);
    } else {
        hln_cli_ju64(x, "numerator", it->obs.numerator);
        hln_cli_ju64(x, "denominator", it->obs.denominator);
    }
    return x;
}

static void print_json(const hln_publish_result *res, bool dry_run)
{
    json_object *j = json_object_new_object();
    hln_cli_jstr(j, "scope", res->scope);
    hln_cli_ju64(j, "min_cell", res->min_cell);
    hln_cli_jbool(j, "dry_run", dry_run);
    if (!dry_run)
        hln_cli_ju64(j, "first_seq", res->first_seq);
    hln_cli_ju64(j, "rows", res->n);
    hln_cli_ju64(j, "suppressed", res->n_suppressed);
    json_object *a = json_object_new_array();
    for (size_t i = 0; i < res->n; i++)
        json_object_array_add(a, item_json(&res->items[i], res->lines[i]));
    json_object_object_add(j, "observations", a);
    hln_print_json(j);
}

static void print_dry_run(const hln_publish_result *res)
{
    printf("%-5s %-34s %-7s %-12s %-18s %-12s %s\n", "LINE", "INDICATOR", "PERIOD", "UNIT",
           "STRATUM", "VALUE", "SUPPRESSED");
    for (size_t i = 0; i < res->n; i++) {
        const hln_disclosure_item *it = &res->items[i];
        char v[48];
        snprintf(v, sizeof v, "%llu/%llu", (unsigned long long)it->obs.numerator,
                 (unsigned long long)it->obs.denominator);
        printf("%-5lu %-34s %-7s %-12s %-18s %-12s %s\n", res->lines[i], it->obs.indicator,
               it->obs.period, it->obs.unit[0] ? it->obs.unit : "-",
               it->obs.stratum[0] ? it->obs.stratum : "(total)", it->reason ? "withheld" : v,
               it->reason ? it->why : "-");
    }
    printf("dry run: %zu observation%s for scope %s (min cell %u), %zu suppressed; "
           "nothing written\n",
           res->n, res->n == 1 ? "" : "s", res->scope, res->min_cell, res->n_suppressed);
}

static void print_published(const hln_publish_result *res)
{
    for (size_t i = 0; i < res->n; i++) {
        const hln_disclosure_item *it = &res->items[i];
        if (it->reason)
            printf("suppressed line %lu %s %s %s %s: %s\n", res->lines[i], it->obs.indicator,
                   it->obs.period, it->obs.unit[0] ? it->obs.unit : "-",
                   it->obs.stratum[0] ? it->obs.stratum : "(total)", it->why);
    }
    printf("published %zu observation%s (%zu suppressed) in scope %s, seq %llu-%llu\n", res->n,
           res->n == 1 ? "" : "s", res->n_suppressed, res->scope,
           (unsigned long long)res->first_seq, (unsigned long long)(res->first_seq + res->n - 1));
}

/* Read and publish `file` (or try it, po->dry_run). EXIT_FAIL after a message. */
static int publish_file(const char *datadir, const char *file, const hln_publish_opts *po,
                        hln_publish_result *res)
{
    char *buf = NULL;
    size_t len = 0;
    int rc = hln_read_file(file, HLN_CSV_FILE_MAX, &buf, &len);
    if (rc < 0) {
        hln_cli_read_failed(file, rc);
        return EXIT_FAIL;
    }
    hln_node *n = NULL;
    if (hln_cli_open_node(datadir, po->dry_run ? HLN_NODE_RDONLY : 0, &n) < 0) {
        free(buf);
        return EXIT_FAIL;
    }
    problem_ctx pc = {file, 0};
    char err[512] = "";
    rc = hln_node_publish_csv(n, buf, len, po, print_problem, &pc, res, err, sizeof err);
    free(buf);
    hln_node_close(&n);
    if (rc < 0 && pc.count)
        hln_warnx("%s: %zu bad row%s; nothing published", file, pc.count, pc.count == 1 ? "" : "s");
    else if (rc < 0)
        hln_warnx("%s: %s; nothing published", file, err[0] ? err : hln_strerror(rc));
    return rc < 0 ? EXIT_FAIL : EXIT_OK;
}

int hln_cli_publish(const char *datadir, int argc, char **argv, bool json)
{
    const char *scope = NULL, *min_cell = NULL, *file = NULL, *columns = NULL;
    bool dry_run = false;
    const hln_cli_opt opts[] = {HLN_CLI_FLAG("dry-run", &dry_run), HLN_CLI_VALUE("scope", &scope),
                                HLN_CLI_VALUE("min-cell", &min_cell), HLN_CLI_FLAG("json", &json),
                                HLN_CLI_VALUE("columns", &columns),
                                HLN_CLI_END};
    hln_cli_args a = {.opts = opts,
                      .pos = &file,
                      .maxpos = 1,
                      .datadir = &datadir,
                      .usage = usage,
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
    if (scope && (strlen(scope) > HLN_SCOPE_MAX || !hln_code_scope(scope, strlen(scope))))
        return hln_cli_usage_error(&a, "--scope: '%s' is not global or a jurisdiction code", scope);
    /* More than one batch: checked whole, then committed batch by batch. */
    if (hln_publish_stream_needed(file)) {
        hln_publish_opts ps = {.scope = scope, .min_cell = (uint32_t)mc, .dry_run = dry_run,
                               .columns = columns};
        return hln_cli_publish_stream(datadir, file, &ps, json);
    }
    problem_ctx nc = {file, 0}; /* columns ignored: said, not an error */
    hln_publish_opts po = {.scope = scope, .min_cell = (uint32_t)mc, .dry_run = dry_run,
                           .columns = columns, .note = print_problem, .note_ctx = &nc};
    hln_publish_result res;
    memset(&res, 0, sizeof res);
    if ((r = publish_file(datadir, file, &po, &res)) != EXIT_OK)
        return r;
    if (!dry_run)
        hln_cli_notify_appended(datadir);
    if (json)
        print_json(&res, dry_run);
    else if (dry_run)
        print_dry_run(&res);
    else
        print_published(&res);
    hln_publish_result_free(&res);
    return EXIT_OK;
}
