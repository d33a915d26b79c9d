/* rollup.c - an authority's roll-up of its jurisdiction: pooled counts, judged and published. */
#include "node/rollup.h"
#include "node/rollup_strata.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/err.h"
#include "node/bench.h"
#include "node/means.h"
#include "node/node.h"
#include "node/trust.h"
#include "node/util.h"
#include "proto/codes.h"

/* Where this node stands as an author: its standing in force in its own
 * trust view, else its settings from init. */
static void self_standing(hln_bench_view *v, uint32_t *level, char j[HLN_SCOPE_MAX + 1])
{
    hln_trust_info ti;
    const hln_node_info *me = hln_node_get_info(v->node);
    if (hln_trust_member(v->trust, hln_node_pk(v->node), v->now_ms, &ti) == 0 &&
        ti.level != HLN_TRUST_LEVEL_ANY && ti.jurisdiction[0]) {
        *level = (uint32_t)ti.level;
        snprintf(j, HLN_SCOPE_MAX + 1, "%s", ti.jurisdiction);
        return;
    }
    *level = me->level;
    snprintf(j, HLN_SCOPE_MAX + 1, "%s", me->jurisdiction);
}

/* The pooled counts are exactly the benchmark of the jurisdiction's
 * organizations. Authorities (this one's earlier roll-ups, a region's) are
 * not organizations, so no aggregate is counted twice. */
static int pool(hln_bench_view *v, const hln_rollup_opts *o, hln_rollup *out, char *err,
                size_t errlen)
{
    hln_bench_group g;
    memset(&g, 0, sizeof g);
    hln_bench_group_parse(out->jurisdiction, &g);
    g.view = v;
    hln_bench_query q = {.indicator = o->indicator,
                         .period = o->period,
                         .group = g.text,
                         .in_group = hln_bench_group_has,
                         .group_ctx = &g,
                         .excluded = hln_bench_view_excluded,
                         .excluded_ctx = v,
                         .successor = hln_bench_view_successor,
                         .successor_ctx = v,
                         .method = -1,
                         .ci = HLN_CI_WILSON};
    hln_bench_result *r = NULL;
    int rc = hln_bench_run(hln_node_store(v->node), &q, &r);
    if (rc < 0)
        return rc;
    out->n_units = r->n_units;
    out->n_suppressed = r->n_suppressed;
    out->n_excluded = r->n_excluded;
    memcpy(out->digest, r->digest, HLN_HASH_LEN);
    out->numerator = r->summary.sum_x;
    out->denominator = r->summary.sum_n;
    out->sum_sq[0] = r->sum_sq[0];
    out->sum_sq[1] = r->sum_sq[1];
    out->n_too_few = r->n_too_few;
    if (r->kind == HLN_KIND_DSR && r->has_stats) { /* only the units with a DSR */
        out->numerator = r->dsr_pool.events;
        out->denominator = r->dsr_pool.population;
        out->dsr = r->dsr_pool.dsr;
        out->dsr_var = r->dsr_pool.var;
    }
    if (!r->has_stats) {
        hln_util_seterr(err, errlen,
                        "nothing to roll up: no organization in %s counted for %s %s (%zu "
                        "suppressed, %zu excluded)",
                        out->jurisdiction, o->indicator->code, o->period, r->n_suppressed,
                        r->n_excluded);
        rc = HLN_ENOTFOUND;
    }
    hln_bench_result_destroy(&r);
    return rc;
}

/* Judge the record as the network will, before writing it: a refused
 * record would stop this node's feed on every peer. */
static int judge(hln_bench_view *v, const hln_rollup_opts *o, const hln_rollup *out, char *err,
                 size_t errlen)
{
    hln_record *rec = calloc(1, sizeof *rec);
    if (!rec)
        return HLN_ENOMEM;
    hln_record_init(rec, HLN_REC_OBSERVATION, hln_node_pk(v->node), out->scope, 1, NULL, v->now_ms);
    hln_observation *ob = &rec->body.observation;
    snprintf(ob->indicator, sizeof ob->indicator, "%s", o->indicator->code);
    snprintf(ob->period, sizeof ob->period, "%s", o->period);
    snprintf(ob->unit, sizeof ob->unit, "%s", out->jurisdiction);
    ob->numerator = out->numerator;
    ob->denominator = out->denominator;
    char why[160] = "";
    int rc = hln_trust_may_author(v->trust, rec, why, sizeof why);
    free(rec);
    if (rc != 0)
        hln_util_seterr(err, errlen, "refused: %s (docs/GOVERNANCE.md)",
                        why[0] ? why : hln_strerror(rc));
    return rc;
}

typedef struct {
    char *err;
    size_t errlen;
} problem_ctx;

static void first_problem(void *ctx, unsigned long line, const char *reason)
{
    problem_ctx *p = ctx;
    (void)line;
    if (p->err && p->errlen && !p->err[0])
        hln_util_seterr(p->err, p->errlen, "%s", reason);
}

/* A mean's sum of squares as publish reads it (",N"); empty for the other
 * kinds (their rows have no seventh field). */
static void sumsq_field(const hln_indicator *ind, const uint64_t sq[2], char out[48])
{
    out[0] = '\0';
    if (ind->kind != HLN_KIND_MEAN)
        return;
    out[0] = ',';
    hln_means_sq_text(sq, out + 1);
}

/* The roll-up as the CSV that publish reads: the total, then every stratum
 * some unit qualified for (node/rollup_strata.c). *csv is malloc'd. */
static int rollup_csv(hln_bench_view *v, const hln_rollup_opts *o, const hln_rollup *out,
                      char **csv)
{
    hln_bench_group g;
    int rc = hln_bench_group_parse(out->jurisdiction, &g);
    if (rc < 0)
        return rc;
    g.view = v;
    hln_bench_query q = {.indicator = o->indicator,
                         .period = o->period,
                         .group = g.text,
                         .in_group = hln_bench_group_has,
                         .group_ctx = &g,
                         .excluded = hln_bench_view_excluded,
                         .excluded_ctx = v,
                         .successor = hln_bench_view_successor,
                         .successor_ctx = v,
                         .method = -1,
                         .ci = HLN_CI_WILSON};
    hln_rollup_stratum *st = NULL;
    size_t n = 0;
    if ((rc = hln_rollup_strata(hln_node_store(v->node), &q, &st, &n)) < 0)
        return rc;
    size_t cap = 512 + n * 256, used;
    char *b = malloc(cap);
    if (!b) {
        free(st);
        return HLN_ENOMEM;
    }
    char sq[48];
    sumsq_field(o->indicator, out->sum_sq, sq);
    used = (size_t)snprintf(b, cap,
                            "indicator,period,unit,stratum,numerator,denominator%s\n%s,%s,%s,,%llu,"
                            "%llu%s\n",
                            sq[0] ? ",sum_squares" : "", o->indicator->code, o->period,
                            out->jurisdiction, (unsigned long long)out->numerator,
                            (unsigned long long)out->denominator, sq);
    for (size_t i = 0; i < n && used < cap; i++) { /* strata no unit qualified for: not published */
        if (!st[i].units || !st[i].n)
            continue;
        sumsq_field(o->indicator, st[i].sq, sq);
        used += (size_t)snprintf(b + used, cap - used, "%s,%s,%s,%s,%llu,%llu%s\n",
                                 o->indicator->code, o->period, out->jurisdiction, st[i].stratum,
                                 (unsigned long long)st[i].x, (unsigned long long)st[i].n, sq);
    }
    free(st);
    *csv = b;
    return 0;
}

void hln_rollup_free(hln_rollup *r)
{
    if (!r)
        return;
    free(r->strata);
    r->strata = NULL;
    r->n_strata = 0;
}

/* A standardised roll-up, one row (a dsr's or an isr's strata are age
 * bands, whose counts stay with the units): a dsr's O and P with its DSR
 * and variance (per person, IEEE-754 bits) as a unit's dsr observation
 * carries them; an isr's observed and expected events, summed. */
static int publish_standardised(hln_bench_view *v, const hln_rollup_opts *o, const hln_rollup *out,
                       const hln_publish_opts *po, hln_publish_result *res, char *err,
                       size_t errlen)
{
    hln_csv_row row;
    memset(&row, 0, sizeof row);
    row.line = 1;
    row.kind = o->indicator->kind;
    hln_observation *ob = &row.obs;
    snprintf(ob->indicator, sizeof ob->indicator, "%s", o->indicator->code);
    snprintf(ob->period, sizeof ob->period, "%s", o->period);
    snprintf(ob->unit, sizeof ob->unit, "%s", out->jurisdiction);
    ob->numerator = out->numerator;
    ob->denominator = out->denominator;
    if (row.kind == HLN_KIND_DSR) {
        ob->n_extra = 2;
        memcpy(&ob->extra[0], &out->dsr, sizeof(double));
        memcpy(&ob->extra[1], &out->dsr_var, sizeof(double));
    }
    return hln_node_publish_rows(v->node, &row, 1, po, res, err, errlen);
}

/* Through the publishing path: the same checks, the same disclosure
 * control (the strictest minimum cell in force for the jurisdiction). */
static int publish(hln_bench_view *v, const hln_rollup_opts *o, hln_rollup *out, char *err,
                   size_t errlen)
{
    uint32_t floor = hln_disclosure_min_cell(hln_node_get_info(v->node)->min_cell, NULL, 0);
    uint32_t policy = hln_trust_policy_min_cell(v->trust, out->jurisdiction, floor);
    hln_publish_opts po = {
        .scope = out->scope, .min_cell = policy, .dry_run = !o->publish, .ts_ms = v->now_ms};
    hln_publish_result res;
    memset(&res, 0, sizeof res);
    char *csv = NULL;
    int rc;
    if (o->indicator->kind == HLN_KIND_DSR || o->indicator->kind == HLN_KIND_ISR) {
        rc = publish_standardised(v, o, out, &po, &res, err, errlen);
    } else {
        if ((rc = rollup_csv(v, o, out, &csv)) < 0)
            return rc;
        problem_ctx pc = {err, errlen};
        rc = hln_node_publish_csv(v->node, csv, strlen(csv), &po, first_problem, &pc, &res, err,
                                  errlen);
        free(csv);
    }
    if (rc == 0 && res.n < 1)
        rc = HLN_EINVAL;
    if (rc == 0 && res.n > 1 && !(out->strata = calloc(res.n - 1, sizeof *out->strata)))
        rc = HLN_ENOMEM;
    for (size_t i = 1; rc == 0 && i < res.n; i++) { /* the total is the first row */
        struct hln_rollup_cell *c = &out->strata[out->n_strata++];
        const hln_disclosure_item *it = &res.items[i];
        snprintf(c->stratum, sizeof c->stratum, "%s", it->obs.stratum);
        c->numerator = it->obs.numerator;
        c->denominator = it->obs.denominator;
        if (it->obs.n_extra == 2 && it->kind == HLN_KIND_MEAN) {
            c->sum_sq[0] = it->obs.extra[0];
            c->sum_sq[1] = it->obs.extra[1];
        }
        c->suppression = it->reason;
        snprintf(c->why, sizeof c->why, "%s", it->why);
    }
    if (rc == 0) {
        snprintf(out->scope, sizeof out->scope, "%s", res.scope);
        out->min_cell = res.min_cell;
        out->suppression = res.items[0].reason;
        snprintf(out->why, sizeof out->why, "%s", res.items[0].why);
        out->seq = o->publish ? res.first_seq : 0;
    }
    hln_publish_result_free(&res);
    return rc;
}

int hln_rollup_compute(hln_bench_view *view, const hln_rollup_opts *o, hln_rollup *out, char *err,
                       size_t errlen)
{
    memset(out, 0, sizeof *out);
    if (err && errlen)
        err[0] = '\0';
    self_standing(view, &out->level, out->jurisdiction);
    const char *j = out->jurisdiction;
    if ((out->level != HLN_LEVEL_NATIONAL && out->level != HLN_LEVEL_SUBNATIONAL) || !j[0] ||
        !hln_code_jurisdiction(j, strlen(j))) {
        hln_util_seterr(err, errlen,
                        "refused: this node is %s %s; only a subnational or national authority "
                        "rolls up its jurisdiction",
                        out->level == HLN_LEVEL_ORGANIZATION ? "an" : "a",
                        hln_level_name(out->level));
        return HLN_ETRUST;
    }
    int rc = pool(view, o, out, err, errlen);
    if (rc != 0)
        return rc;
    const hln_indicator *ind = o->indicator;
    double m = ind->kind == HLN_KIND_RATE && ind->multiplier ? ind->multiplier : 1;
    if (ind->kind == HLN_KIND_MEAN) /* a mean's values are in 1/scale of the unit shown */
        m = 1.0 / (ind->multiplier ? ind->multiplier : 1);
    out->value = (double)out->numerator / (double)out->denominator * m;
    if (ind->kind == HLN_KIND_ISR) /* observed / expected (in millionths), times the multiplier */
        out->value = (double)out->numerator / ((double)out->denominator / HLN_ISR_SCALE) *
                     (ind->multiplier ? ind->multiplier : 1);
    if (ind->kind == HLN_KIND_DSR) /* the group's DSR, not a crude rate */
        out->value = out->dsr * (ind->multiplier ? ind->multiplier : 1);
    if (o->scope) {
        snprintf(out->scope, sizeof out->scope, "%s", o->scope);
    } else if (out->level == HLN_LEVEL_NATIONAL) {
        snprintf(out->scope, sizeof out->scope, "global");
    } else {
        char c[3];
        hln_scope_country(j, c);
        snprintf(out->scope, sizeof out->scope, "%s", c);
    }
    if ((rc = judge(view, o, out, err, errlen)) != 0)
        return rc;
    return publish(view, o, out, err, errlen);
}
