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

static int retract_usage(FILE *f, int rc)
{
    fprintf(f, "usage: hlnctl [-d DIR] retract RECORD [--erase] [--reason R] [--json]\n"
               "       hlnctl [-d DIR] retract --indicator I --period P [--unit U] [--erase]\n"
               "                                [--reason R] [--json]\n"
               "Withdraw records this node published: one by its id (hlnctl log), or every\n"
               "observation of an indicator and period (all strata; --unit narrows it, \"\"\n"
               "for the node's own). Benchmarks stop counting them on every node that\n"
               "receives the retraction; --erase also drops their bodies everywhere.\n");
    return rc;
}

int hln_cli_retract(const char *datadir, int argc, char **argv, bool json)
{
    const char *record = NULL, *indicator = NULL, *period = NULL, *unit = NULL, *reason = "";
    bool erase = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char **slot = !strcmp(a, "--indicator") ? &indicator
                            : !strcmp(a, "--period")  ? &period
                            : !strcmp(a, "--unit")    ? &unit
                            : !strcmp(a, "--reason")  ? &reason
                                                      : NULL;
        if (slot) {
            if (i + 1 >= argc) {
                hln_warnx("retract: %s needs a value", a);
                return 2;
            }
            *slot = argv[++i];
        } else if (!strcmp(a, "--erase")) {
            erase = true;
        } else if (!strcmp(a, "--json")) {
            json = true;
        } else if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            return retract_usage(stdout, 0);
        } else if (a[0] != '-' && !record) {
            record = a;
        } else {
            hln_warnx("retract: unexpected argument '%s'", a);
            return retract_usage(stderr, 2);
        }
    }
    if (!record == !indicator || (indicator && !period) || (record && (period || unit))) {
        hln_warnx("retract: give a RECORD id, or --indicator and --period");
        return retract_usage(stderr, 2);
    }
    if (!hln_gov_name_valid(reason, true)) {
        hln_warnx("--reason: at most %d bytes of printable UTF-8", HLN_NAME_MAX);
        return 2;
    }
    uint8_t rid[HLN_HASH_LEN];
    if (record && (strlen(record) != 2 * HLN_HASH_LEN || hln_unhex(record, rid, HLN_HASH_LEN))) {
        hln_warnx("retract: '%s' is not a record id (64 hex characters, as hlnctl log shows)",
                  record);
        return 2;
    }
    hln_node *n = NULL;
    char err[256] = "";
    int rc = hln_node_open(datadir, 0, &n, err, sizeof err);
    if (rc) {
        hln_warnx("%s: %s", datadir, err[0] ? err : hln_strerror(rc));
        return 1;
    }
    own_obs o = {.me = hln_node_pk(n), .unit = unit};
    int ex = 1;
    if (record) {
        hln_record *r = malloc(sizeof *r);
        rc = r ? hln_store_get(hln_node_store(n), rid, r) : HLN_ENOMEM;
        if (rc == HLN_ENOTFOUND)
            hln_warnx("retract: no record %s here", record);
        else if (rc)
            hln_warnx("retract: %s", hln_strerror(rc));
        else if (memcmp(r->env.author, o.me, HLN_KEY_LEN) != 0)
            hln_warnx("retract: record %s is not this node's: only its author may withdraw it",
                      record);
        else {
            o.ids = malloc(sizeof *o.ids);
            o.scopes = malloc(sizeof *o.scopes);
            if (o.ids && o.scopes) {
                memcpy(o.ids[0], rid, HLN_HASH_LEN);
                snprintf(o.scopes[0], sizeof o.scopes[0], "%s", r->env.scope);
                o.n = 1;
            }
        }
        free(r);
    } else {
        rc = hln_store_foreach_obs(hln_node_store(n), indicator, period, NULL, own_obs_cb, &o);
        if (!rc)
            rc = o.rc;
        if (rc)
            hln_warnx("retract: %s", hln_strerror(rc));
        else if (!o.n)
            hln_warnx("retract: this node holds no observation of its own for %s %s%s%s that is "
                      "not withdrawn already",
                      indicator, period, unit ? " unit " : "", unit ? unit : "");
    }
    json_object *arr = json ? json_object_new_array() : NULL;
    size_t done = 0;
    for (size_t i = 0; i < o.n; i++) {
        hln_body body;
        memset(&body, 0, sizeof body);
        memcpy(body.retract.target, o.ids[i], HLN_HASH_LEN);
        body.retract.erase = erase;
        snprintf(body.retract.reason, sizeof body.retract.reason, "%s", reason);
        uint64_t seq = 0;
        char why[256] = "";
        rc = hln_gov_author(n, HLN_REC_RETRACT, &body, o.scopes[i], &seq, NULL, why, sizeof why);
        char hex[2 * HLN_HASH_LEN + 1];
        hln_hex(o.ids[i], HLN_HASH_LEN, hex);
        if (rc) {
            hln_warnx("retract %s: %s", hex, why[0] ? why : hln_strerror(rc));
            break;
        }
        done++;
        if (arr) {
            json_object *x = json_object_new_object();
            json_object_object_add(x, "target", json_object_new_string(hex));
            json_object_object_add(x, "scope", json_object_new_string(o.scopes[i]));
            json_object_object_add(x, "seq", json_object_new_uint64(seq));
            json_object_array_add(arr, x);
        } else {
            printf("retract record %llu in scope %s withdraws %s%s\n", (unsigned long long)seq,
                   o.scopes[i], hex, erase ? " (erased)" : "");
        }
    }
    if (arr)
        hln_print_json(arr);
    if (done) {
        ex = done == o.n ? 0 : 1;
        if (hln_control_notify_appended(datadir) != 0)
            hln_warnx("written, but hlnd did not take it yet; it will on restart");
    }
    free(o.ids);
    free(o.scopes);
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

int hln_cli_rollup_all(const char *datadir, int argc, char **argv, bool json)
{
    const char *period = NULL;
    /* Everything but --all and --period goes to each rollup as given. */
    char **pass = calloc((size_t)argc + 4, sizeof *pass);
    int np = 0;
    if (!pass)
        return 1;
    pass[np++] = "rollup";
    pass[np++] = NULL; /* the indicator */
    pass[np++] = "--period";
    pass[np++] = NULL; /* the period */
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--period") && i + 1 < argc)
            period = argv[++i];
        else if (!strcmp(argv[i], "--all"))
            continue;
        else if (argv[i][0] != '-' && (i == 1 || strcmp(argv[i - 1], "--scope"))) {
            hln_warnx("rollup --all: no INDICATOR with --all");
            free(pass);
            return 2;
        } else
            pass[np++] = argv[i];
    }
    if (json && np == 4)
        pass[np++] = "--json";
    hln_node *n = NULL;
    char err[256] = "";
    int rc = hln_node_open(datadir, HLN_NODE_RDONLY, &n, err, sizeof err);
    if (rc) {
        hln_warnx("%s: %s", datadir, err[0] ? err : hln_strerror(rc));
        free(pass);
        return 1;
    }
    hln_node_def *defs = NULL;
    size_t ndefs = 0;
    rc = hln_node_definitions(n, &defs, &ndefs);
    /* The pairs first, then the roll-ups: each opens the store itself. */
    typedef struct {
        char code[HLN_CODE_MAX + 1];
        char period[HLN_PERIOD_MAX + 1];
    } pair;
    pair *pairs = NULL;
    size_t npairs = 0, cap = 0;
    for (size_t i = 0; rc == 0 && i < ndefs; i++) {
        periods_ctx c = {.me = hln_node_pk(n), .indicator = defs[i].def.code};
        rc = hln_store_foreach_obs(hln_node_store(n), defs[i].def.code, period, NULL, period_cb, &c);
        if (!rc)
            rc = c.rc;
        for (size_t k = 0; rc == 0 && k < c.n; k++) {
            if (npairs == cap) {
                cap = cap ? cap * 2 : 32;
                pair *p = realloc(pairs, cap * sizeof *p);
                if (!p) {
                    rc = HLN_ENOMEM;
                    break;
                }
                pairs = p;
            }
            snprintf(pairs[npairs].code, sizeof pairs[npairs].code, "%s", defs[i].def.code);
            snprintf(pairs[npairs].period, sizeof pairs[npairs].period, "%s", c.periods[k]);
            npairs++;
        }
        free(c.periods);
    }
    free(defs);
    hln_node_close(&n);
    if (rc) {
        hln_warnx("rollup --all: %s", hln_strerror(rc));
        free(pairs);
        free(pass);
        return 1;
    }
    if (!npairs)
        hln_warnx("rollup --all: no organization's observation held%s%s", period ? " for " : "",
                  period ? period : "");
    size_t failed = 0;
    for (size_t i = 0; i < npairs; i++) {
        pass[1] = pairs[i].code;
        pass[3] = pairs[i].period;
        fflush(stdout);
        if (hln_cli_rollup(datadir, np, pass, json) != 0) {
            failed++;
            hln_warnx("rollup --all: %s %s failed", pairs[i].code, pairs[i].period);
        }
    }
    if (npairs && !json)
        printf("rollup --all: %zu roll-up%s, %zu failed\n", npairs, npairs == 1 ? "" : "s", failed);
    free(pairs);
    free(pass);
    return failed || !npairs ? 1 : 0;
}
