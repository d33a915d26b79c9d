/* cmd_retract.c - hlnctl retract and rollup --all (docs/CLI.md). */
#include "node/hlnctl/cmd_retract.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/err.h"
#include "node/control.h"
#include "node/gov.h"
#include "node/hlnctl/cli.h"
#include "node/hlnctl/cmd_bench.h"
#include "node/node.h"
#include "proto/codes.h"

/* ---- retract ---- */

typedef struct {
    const uint8_t *me;
    const char *unit; /* NULL: any */
    uint8_t (*ids)[HLN_HASH_LEN];
    char (*scopes)[HLN_SCOPE_MAX + 1];
    size_t n, cap;
    int rc;
} own_obs;

static int own_obs_cb(void *ctx, const hln_obs_entry *e)
{
    own_obs *o = ctx;
    if (e->retracted || memcmp(e->author, o->me, HLN_KEY_LEN) != 0 ||
        (o->unit && strcmp(e->unit, o->unit) != 0))
        return 0;
    if (o->n == o->cap) {
        size_t cap = o->cap ? o->cap * 2 : 16;
        void *a = realloc(o->ids, cap * sizeof *o->ids), *b = NULL;
        if (a)
            o->ids = a;
        if (a && (b = realloc(o->scopes, cap * sizeof *o->scopes)))
            o->scopes = b;
        if (!a || !b)
            return o->rc = HLN_ENOMEM;
        o->cap = cap;
    }
    memcpy(o->ids[o->n], e->id, HLN_HASH_LEN);
    snprintf(o->scopes[o->n], HLN_SCOPE_MAX + 1, "%s", e->scope);
    o->n++;
    return 0;
}

static const hln_cli_usage retract_help = {
    "retract", "RECORD|--indicator I --period P [--unit U] [--erase] [--reason R] [--json]",
    "Withdraw records this node published: one by id, or an indicator's observations.",
    "  RECORD              a record id of this node's own (64 hex characters, hlnctl log)\n"
    "  --indicator I       with --period: every observation of I and P, all strata\n"
    "  --period P          the period of --indicator\n"
    "  --unit U            only unit U (\"\" for the node's own)\n"
    "  --erase             also drop the bodies, on every node that receives it\n"
    "  --reason R          why, in a few words\n"
    "  --json              [{target, scope, seq}]\n"};

static void retract_usage(FILE *f)
{
    hln_cli_usage_print(f, &retract_help);
}

typedef struct {
    const char *record, *indicator, *period, *unit, *reason;
    bool erase, json;
    uint8_t rid[HLN_HASH_LEN];
} retract_opts;

/* The options of retract, checked. HLN_CLI_GO, or the exit status. */
static int retract_args(const char **datadir, int argc, char **argv, retract_opts *o)
{
    const hln_cli_opt opts[] = {
        HLN_CLI_VALUE("indicator", &o->indicator), HLN_CLI_VALUE("period", &o->period),
        HLN_CLI_VALUE("unit", &o->unit),           HLN_CLI_VALUE("reason", &o->reason),
        HLN_CLI_FLAG("erase", &o->erase),          HLN_CLI_FLAG("json", &o->json),
        HLN_CLI_END};
    hln_cli_args a = {.what = "retract",
                      .opts = opts,
                      .pos = &o->record,
                      .maxpos = 1,
                      .datadir = datadir,
                      .usage = retract_usage,
                      .remind = true};
    int r = hln_cli_parse(&a, argc, argv);
    if (r != HLN_CLI_GO)
        return r;
    if (!o->record == !o->indicator || (o->indicator && !o->period) ||
        (o->record && (o->period || o->unit)))
        return hln_cli_usage_error(&a, "give a RECORD id, or --indicator and --period");
    if (!hln_gov_name_valid(o->reason, true))
        return hln_cli_usage_error(&a, "--reason: at most %d bytes of printable UTF-8",
                                   HLN_NAME_MAX);
    if (o->record &&
        (strlen(o->record) != 2 * HLN_HASH_LEN || hln_unhex(o->record, o->rid, HLN_HASH_LEN)))
        return hln_cli_usage_error(
            &a, "'%s' is not a record id (64 hex characters, as hlnctl log shows)", o->record);
    return HLN_CLI_GO;
}

/* The one record `o->rid` into `own`, if it is this node's. EXIT_OK or EXIT_FAIL. */
static int target_record(hln_node *n, const retract_opts *o, own_obs *own)
{
    hln_record *r = malloc(sizeof *r);
    int rc = r ? hln_store_get(hln_node_store(n), o->rid, r) : HLN_ENOMEM;
    int ex = EXIT_FAIL;
    if (rc == HLN_ENOTFOUND)
        hln_warnx("retract: no record %s here", o->record);
    else if (rc)
        hln_warnx("retract: %s", hln_strerror(rc));
    else if (memcmp(r->env.author, own->me, HLN_KEY_LEN) != 0)
        hln_warnx("retract: record %s is not this node's: only its author may withdraw it",
                  o->record);
    else if (!(own->ids = malloc(sizeof *own->ids)) || !(own->scopes = malloc(sizeof *own->scopes)))
        hln_warnx("retract: %s", hln_strerror(HLN_ENOMEM));
    else {
        memcpy(own->ids[0], o->rid, HLN_HASH_LEN);
        snprintf(own->scopes[0], sizeof own->scopes[0], "%s", r->env.scope);
        own->n = 1;
        ex = EXIT_OK;
    }
    free(r);
    return ex;
}

/* This node's observations of o->indicator and o->period into `own`. */
static int target_observations(hln_node *n, const retract_opts *o, own_obs *own)
{
    int rc = hln_store_foreach_obs(hln_node_store(n), o->indicator, o->period, NULL, own_obs_cb,
                                   own);
    if (!rc)
        rc = own->rc;
    if (rc) {
        hln_warnx("retract: %s", hln_strerror(rc));
        return EXIT_FAIL;
    }
    if (!own->n) {
        hln_warnx("retract: this node holds no observation of its own for %s %s%s%s that is "
                  "not withdrawn already",
                  o->indicator, o->period, o->unit ? " unit " : "", o->unit ? o->unit : "");
        return EXIT_FAIL;
    }
    return EXIT_OK;
}

/* Author one retract record per target; how many were written. */
static size_t retract_all(hln_node *n, const retract_opts *o, const own_obs *own)
{
    json_object *arr = o->json ? json_object_new_array() : NULL;
    size_t done = 0;
    for (size_t i = 0; i < own->n; i++) {
        hln_body body;
        memset(&body, 0, sizeof body);
        memcpy(body.retract.target, own->ids[i], HLN_HASH_LEN);
        body.retract.erase = o->erase;
        snprintf(body.retract.reason, sizeof body.retract.reason, "%s", o->reason);
        uint64_t seq = 0;
        char why[256] = "", hex[2 * HLN_HASH_LEN + 1];
        int rc = hln_gov_author(n, HLN_REC_RETRACT, &body, own->scopes[i], &seq, NULL, why,
                                sizeof why);
        hln_hex(own->ids[i], HLN_HASH_LEN, hex);
        if (rc) {
            hln_warnx("retract %s: %s", hex, why[0] ? why : hln_strerror(rc));
            break;
        }
        done++;
        if (arr) {
            json_object *x = json_object_new_object();
            hln_cli_jstr(x, "target", hex);
            hln_cli_jstr(x, "scope", own->scopes[i]);
            hln_cli_ju64(x, "seq", seq);
            json_object_array_add(arr, x);
        } else {
            printf("retract record %llu in scope %s withdraws %s%s\n", (unsigned long long)seq,
                   own->scopes[i], hex, o->erase ? " (erased)" : "");
        }
    }
    if (arr)
        hln_print_json(arr);
    return done;
}

int hln_cli_retract(const char *datadir, int argc, char **argv, bool json)
{
    retract_opts o = {.reason = "", .json = json};
    int ex = retract_args(&datadir, argc, argv, &o);
    if (ex != HLN_CLI_GO)
        return ex;
    hln_node *n = NULL;
    if (hln_cli_open_node(datadir, 0, &n) < 0)
        return EXIT_FAIL;
    own_obs own = {.me = hln_node_pk(n), .unit = o.unit};
    ex = o.record ? target_record(n, &o, &own) : target_observations(n, &o, &own);
    if (ex == EXIT_OK) {
        size_t done = retract_all(n, &o, &own);
        ex = done == own.n ? EXIT_OK : EXIT_FAIL;
        if (done && hln_control_notify_appended(datadir) != 0)
            hln_warnx("written, but hlnd did not take it yet; it will on restart");
    }
    free(own.ids);
    free(own.scopes);
    hln_node_close(&n);
    return ex;
}

/* ---- rollup --all ---- */

typedef struct {
    const uint8_t *me;
    const char *indicator;
    char (*periods)[HLN_PERIOD_MAX + 1];
    size_t n, cap;
    int rc;
} periods_ctx;

static int period_cb(void *ctx, const hln_obs_entry *e)
{
    periods_ctx *c = ctx;
    if (e->retracted || !memcmp(e->author, c->me, HLN_KEY_LEN))
        return 0;
    for (size_t i = c->n; i > 0; i--) /* entries come ordered by period */
        if (!strcmp(c->periods[i - 1], e->period))
            return 0;
    if (c->n == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 16;
        void *p = realloc(c->periods, cap * sizeof *c->periods);
        if (!p)
            return c->rc = HLN_ENOMEM;
        c->periods = p;
        c->cap = cap;
    }
    snprintf(c->periods[c->n++], HLN_PERIOD_MAX + 1, "%s", e->period);
    return 0;
}

/* An indicator and a period to roll up. */
typedef struct {
    char code[HLN_CODE_MAX + 1];
    char period[HLN_PERIOD_MAX + 1];
} rollup_pair;

typedef struct {
    rollup_pair *v;
    size_t n, cap;
} rollup_pairs;

static int pairs_add(rollup_pairs *p, const char *code, const char *period)
{
    if (p->n == p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 32;
        rollup_pair *v = realloc(p->v, cap * sizeof *v);
        if (!v)
            return HLN_ENOMEM;
        p->v = v;
        p->cap = cap;
    }
    snprintf(p->v[p->n].code, sizeof p->v[p->n].code, "%s", code);
    snprintf(p->v[p->n].period, sizeof p->v[p->n].period, "%s", period);
    p->n++;
    return 0;
}

/* Every indicator defined here and every period (or `period`) for which an
 * organization's observation is held. The pairs first, then the roll-ups:
 * each opens the store itself. EXIT_OK or EXIT_FAIL after a message. */
static int rollup_pairs_find(const char *datadir, const char *period, rollup_pairs *p)
{
    hln_node *n = NULL;
    if (hln_cli_open_node(datadir, HLN_NODE_RDONLY, &n) < 0)
        return EXIT_FAIL;
    hln_node_def *defs = NULL;
    size_t ndefs = 0;
    int rc = hln_node_definitions(n, &defs, &ndefs);
    for (size_t i = 0; rc == 0 && i < ndefs; i++) {
        periods_ctx c = {.me = hln_node_pk(n), .indicator = defs[i].def.code};
        rc = hln_store_foreach_obs(hln_node_store(n), defs[i].def.code, period, NULL, period_cb,
                                   &c);
        if (!rc)
            rc = c.rc;
        for (size_t k = 0; rc == 0 && k < c.n; k++)
            rc = pairs_add(p, defs[i].def.code, c.periods[k]);
        free(c.periods);
    }
    free(defs);
    hln_node_close(&n);
    if (rc) {
        hln_warnx("rollup --all: %s", hln_strerror(rc));
        return EXIT_FAIL;
    }
    return EXIT_OK;
}

static const hln_cli_usage rollup_all_help = {
    "rollup", "--all [--period P] [--publish] [--scope global|CODE] [--json]",
    "Every roll-up at once: each indicator defined here, each period an organization reported.",
    "  --all               every indicator and period (rollup INDICATOR --period P each)\n"
    "  --period P          only this period\n"
    "  --publish           publish them (default: show them, write nothing)\n"
    "  --scope S           the feed (as rollup INDICATOR)\n"
    "  --json              one JSON object per roll-up\n"};

static void rollup_all_usage(FILE *f)
{
    hln_cli_usage_print(f, &rollup_all_help);
}

int hln_cli_rollup_all(const char *datadir, int argc, char **argv, bool json)
{
    const char *period = NULL, *scope = NULL, *indicator = NULL;
    bool all = false, publish = false;
    const hln_cli_opt opts[] = {HLN_CLI_FLAG("all", &all),         HLN_CLI_VALUE("period", &period),
                                HLN_CLI_FLAG("publish", &publish), HLN_CLI_VALUE("scope", &scope),
                                HLN_CLI_FLAG("json", &json),       HLN_CLI_END};
    hln_cli_args a = {.what = "rollup --all",
                      .opts = opts,
                      .pos = &indicator,
                      .maxpos = 1,
                      .datadir = &datadir,
                      .usage = rollup_all_usage,
                      .remind = true};
    int r = hln_cli_parse(&a, argc, argv);
    if (r != HLN_CLI_GO)
        return r;
    if (indicator)
        return hln_cli_usage_error(&a, "no INDICATOR with --all");
    rollup_pairs p = {0};
    if (rollup_pairs_find(datadir, period, &p) != EXIT_OK) {
        free(p.v);
        return EXIT_FAIL;
    }
    if (!p.n)
        hln_warnx("rollup --all: no organization's observation held%s%s", period ? " for " : "",
                  period ? period : "");
    /* Each as `rollup INDICATOR --period P [--publish] [--scope S]`. */
    char *pass[8] = {"rollup", NULL, "--period", NULL};
    int np = 4;
    if (publish)
        pass[np++] = "--publish";
    if (scope) {
        pass[np++] = "--scope";
        pass[np++] = (char *)scope;
    }
    size_t failed = 0;
    for (size_t i = 0; i < p.n; i++) {
        pass[1] = p.v[i].code;
        pass[3] = p.v[i].period;
        fflush(stdout);
        if (hln_cli_rollup(datadir, np, pass, json) != EXIT_OK) {
            failed++;
            hln_warnx("rollup --all: %s %s failed", p.v[i].code, p.v[i].period);
        }
    }
    if (p.n && !json)
        printf("rollup --all: %zu roll-up%s, %zu failed\n", p.n, p.n == 1 ? "" : "s", failed);
    free(p.v);
    return failed || !p.n ? EXIT_FAIL : EXIT_OK;
}
