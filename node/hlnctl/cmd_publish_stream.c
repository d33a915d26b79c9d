/* cmd_publish_stream.c - hlnctl publish of a file longer than one batch: printed as it goes. */
#include "node/hlnctl/cmd_publish_stream.h"

#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#include "crypto/err.h"
#include "node/control.h"
#include "node/publish_stream.h"
#include "node/hlnctl/cli.h"

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

typedef struct {
    bool json, dry_run;
    size_t printed; /* observations written to the JSON array */
} out_ctx;

static void json_field(const char *k, json_object *v, bool comma)
{
    printf("%s\"%s\": %s", comma ? ", " : "", k,
           json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
    json_object_put(v);
}

static int each_batch(void *ctx, const hln_publish_result *b)
{
    out_ctx *o = ctx;
    for (size_t i = 0; i < b->n; i++) {
        const hln_disclosure_item *it = &b->items[i];
        bool s = it->reason != HLN_SUPP_NONE;
        if (o->json) {
            json_object *x = json_object_new_object();
            json_object_object_add(x, "line", json_object_new_uint64(b->lines[i]));
            json_object_object_add(x, "indicator", json_object_new_string(it->obs.indicator));
            json_object_object_add(x, "period", json_object_new_string(it->obs.period));
            json_object_object_add(x, "unit", json_object_new_string(it->obs.unit));
            json_object_object_add(x, "stratum", json_object_new_string(it->obs.stratum));
            json_object_object_add(x, "suppressed", json_object_new_boolean(s));
            if (s) {
                json_object_object_add(
                    x, "suppression",
                    json_object_new_string(it->reason == HLN_SUPP_SMALL ? "small" : "complementary"));
                json_object_object_add(x, "reason", json_object_new_string(it->why));
            } else {
                json_object_object_add(x, "numerator", json_object_new_uint64(it->obs.numerator));
                json_object_object_add(x, "denominator",
                                       json_object_new_uint64(it->obs.denominator));
            }
            printf("%s\n    %s", o->printed++ ? "," : "",
                   json_object_to_json_string_ext(
                       x, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
            json_object_put(x);
        } else if (s) {
            printf("%s line %lu %s %s %s %s: %s\n", o->dry_run ? "would suppress" : "suppressed",
                   b->lines[i], it->obs.indicator, it->obs.period,
                   it->obs.unit[0] ? it->obs.unit : "-",
                   it->obs.stratum[0] ? it->obs.stratum : "(total)", it->why);
        }
    }
    return 0;
}

int hln_cli_publish_stream(const char *datadir, const char *file, const hln_publish_opts *po,
                           bool json)
{
    hln_node *n = NULL;
    char err[512] = "";
    int rc = hln_node_open(datadir, po->dry_run ? HLN_NODE_RDONLY : 0, &n, err, sizeof err);
    if (rc < 0) {
        hln_warnx("%s", err[0] ? err : hln_strerror(rc));
        return EXIT_FAIL;
    }
    problem_ctx pc = {file, 0};
    out_ctx oc = {json, po->dry_run, 0};
    hln_publish_totals t;
    if (json)
        printf("{\n  \"observations\": [");
    rc = hln_node_publish_stream(n, file, po, print_problem, &pc, each_batch, &oc, &t, err,
                                 sizeof err);
    hln_node_close(&n);
    if (rc == 0 && !po->dry_run && hln_control_notify_appended(datadir) < 0)
        hln_warnx("hlnd did not take the news; it will announce the records later");
    if (rc == 0 || t.batches) {
        /* published, or published in part: say so whatever went wrong after */
        if (json) {
            printf("\n  ],\n  ");
            json_field("scope", json_object_new_string(t.scope), false);
            json_field("min_cell", json_object_new_uint64(t.min_cell), true);
            json_field("dry_run", json_object_new_boolean(po->dry_run), true);
            if (!po->dry_run)
                json_field("first_seq", json_object_new_uint64(t.first_seq), true);
            json_field("rows", json_object_new_uint64(t.rows), true);
            json_field("suppressed", json_object_new_uint64(t.suppressed), true);
            json_field("batches", json_object_new_uint64(t.batches), true);
            json_field("complete", json_object_new_boolean(rc == 0), true);
            printf("\n}\n");
        } else if (po->dry_run) {
            printf("dry run: %llu observation%s for scope %s (min cell %u), %llu suppressed, "
                   "%llu batch%s; nothing written\n",
                   (unsigned long long)t.rows, t.rows == 1 ? "" : "s", t.scope, t.min_cell,
                   (unsigned long long)t.suppressed, (unsigned long long)t.batches,
                   t.batches == 1 ? "" : "es");
        } else {
            printf("published %llu observation%s (%llu suppressed) in scope %s, seq %llu-%llu, "
                   "in %llu batch%s\n",
                   (unsigned long long)t.rows, t.rows == 1 ? "" : "s",
                   (unsigned long long)t.suppressed, t.scope, (unsigned long long)t.first_seq,
                   (unsigned long long)t.last_seq, (unsigned long long)t.batches,
                   t.batches == 1 ? "" : "es");
        }
    } else if (json) {
        printf("\n  ]\n}\n");
    }
    if (rc < 0) {
        if (pc.count)
            hln_warnx("%s: %zu bad row%s; nothing published", file, pc.count,
                      pc.count == 1 ? "" : "s");
        else if (t.batches && !po->dry_run)
            hln_warnx("%s: %s", file, err[0] ? err : hln_strerror(rc));
        else
            hln_warnx("%s: %s; nothing published", file, err[0] ? err : hln_strerror(rc));
        return EXIT_FAIL;
    }
    return EXIT_OK;
}
