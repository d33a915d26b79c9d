/* cmd_log.c - hlnctl log: list the records held. */
#include "node/hlnctl/cmd_log.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"
#include "crypto/err.h"
#include "node/hlnctl/cli.h"
#include "node/hlnctl/csvout.h"
#include "node/node.h"
#include "proto/codes.h"
#include "proto/record.h"
#include "store/store.h"

/* ---- log ---- */

static const hln_cli_usage log_help = {
    "log", "[--json|--csv] [--limit N]",
    "List the records held: author, scope, seq, type and a summary.",
    "  --limit N           only the last N records\n"
    "  --json              machine-readable output\n"
    "  --csv               the fields of --json, a row per record (indicator, period, unit\n"
    "                      and stratum of observations), with a header\n"};

static void log_usage(FILE *f)
{
    hln_cli_usage_print(f, &log_help);
}

typedef struct {
    char author[HLN_ID_TEXT_LEN + 1];
    char shortid[HLN_ID_SHORT_LEN + 1];
    char scope[HLN_SCOPE_MAX + 1];
    uint64_t seq, ts;
    uint32_t type;
    char idhex[2 * HLN_HASH_LEN + 1];
    char summary[256];
    bool has_body;
    hln_body body; /* observations and policies, for --json */
} log_line;

typedef struct {
    log_line *ring;
    size_t cap, n; /* n: lines seen; the ring keeps the last cap */
    bool all;      /* no --limit: grow instead of wrapping */
    bool oom;
} log_ctx;

static int log_cb(void *ctx, const hln_record *r)
{
    log_ctx *l = ctx;
    if (l->all && l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 64;
        log_line *v = realloc(l->ring, cap * sizeof *v);
        if (!v) {
            l->oom = true;
            return HLN_ENOMEM;
        }
        l->ring = v;
        l->cap = cap;
    }
    if (l->cap == 0)
        return 0;
    log_line *e = &l->ring[l->n % l->cap];
    l->n++;
    memset(e, 0, sizeof *e);
    hln_id_to_text(r->env.author, e->author);
    hln_id_short(r->env.author, e->shortid);
    memcpy(e->scope, r->env.scope, sizeof e->scope);
    e->scope[HLN_SCOPE_MAX] = '\0';
    e->seq = r->env.seq;
    e->ts = r->env.timestamp_ms;
    e->type = r->env.type;
    hln_hex(r->id, HLN_HASH_LEN, e->idhex);
    e->has_body = r->has_body;
    if (r->has_body)
        hln_record_summary(r, e->summary, sizeof e->summary);
    else
        snprintf(e->summary, sizeof e->summary, "(body erased)");
    if (r->has_body && (r->env.type == HLN_REC_OBSERVATION || r->env.type == HLN_REC_POLICY))
        e->body = r->body;
    return 0;
}

static json_object *line_json(const log_line *e)
{
    json_object *x = json_object_new_object();
    hln_cli_jstr(x, "author", e->author);
    hln_cli_jstr(x, "scope", e->scope);
    hln_cli_ju64(x, "seq", e->seq);
    hln_cli_jstr(x, "type", hln_rec_type_name(e->type));
    hln_cli_jstr(x, "id", e->idhex);
    hln_cli_ju64(x, "timestamp_ms", e->ts);
    hln_cli_jbool(x, "erased", !e->has_body);
    hln_cli_jstr(x, "summary", e->summary);
    if (e->has_body && e->type == HLN_REC_OBSERVATION) {
        const hln_observation *ob = &e->body.observation;
        hln_cli_jstr(x, "indicator", ob->indicator);
        hln_cli_jstr(x, "period", ob->period);
        hln_cli_jstr(x, "unit", ob->unit);
        hln_cli_jstr(x, "stratum", ob->stratum);
        hln_cli_jbool(x, "suppressed", ob->suppressed);
        if (!ob->suppressed) {
            hln_cli_ju64(x, "numerator", ob->numerator);
            hln_cli_ju64(x, "denominator", ob->denominator);
        }
    } else if (e->has_body && e->type == HLN_REC_POLICY) {
        hln_cli_jstr(x, "jurisdiction", e->body.policy.jurisdiction);
        hln_cli_ju64(x, "min_cell", e->body.policy.min_cell);
    }
    return x;
}

static void print_log(const log_ctx *l, bool json, bool csv)
{
    size_t shown = l->n < l->cap ? l->n : l->cap;
    json = json || csv;
    json_object *a = json ? json_object_new_array() : NULL;
    if (!json)
        printf("%-7s %-6s %5s %-11s %s\n", "AUTHOR", "SCOPE", "SEQ", "TYPE", "SUMMARY");
    for (size_t k = l->n - shown; k < l->n; k++) {
        const log_line *e = &l->ring[k % l->cap];
        if (json)
            json_object_array_add(a, line_json(e));
        else
            printf("%-7s %-6s %5llu %-11s %s\n", e->shortid, e->scope, (unsigned long long)e->seq,
                   hln_rec_type_name(e->type), e->summary);
    }
    if (a && csv)
        hln_csv_print(a, NULL);
    else if (a)
        hln_print_json(a);
}

int hln_cli_log(const char *datadir, int argc, char **argv, bool json)
{
    const char *limit_opt = NULL;
    bool csv = false;
    const hln_cli_opt opts[] = {HLN_CLI_FLAG("json", &json), HLN_CLI_VALUE("limit", &limit_opt),
                                HLN_CLI_FLAG("csv", &csv), HLN_CLI_END};
    hln_cli_args a = {.opts = opts, .datadir = &datadir, .usage = log_usage, .remind = true};
    int r = hln_cli_parse(&a, argc, argv);
    if (r != HLN_CLI_GO)
        return r;
    uint64_t limit = 0;
    if (limit_opt && !hln_cli_parse_uint(limit_opt, 1, 1000000, &limit))
        return hln_cli_usage_error(&a, "--limit: a whole number from 1 to 1000000");
    hln_node *n = NULL;
    if (hln_cli_open_node(datadir, HLN_NODE_RDONLY, &n) < 0)
        return EXIT_FAIL;
    log_ctx l = {.all = limit == 0, .cap = (size_t)limit};
    int rc = 0;
    if (limit && !(l.ring = calloc((size_t)limit, sizeof *l.ring)))
        rc = HLN_ENOMEM;
    if (rc == 0)
        rc = hln_store_foreach_record(hln_node_store(n), log_cb, &l);
    hln_node_close(&n);
    if (rc < 0)
        hln_warnx("store: %s", hln_strerror(l.oom ? HLN_ENOMEM : rc));
    else
        print_log(&l, json && !csv, csv);
    free(l.ring);
    return rc < 0 ? EXIT_FAIL : EXIT_OK;
}
