/* bench_dsr.c - DSR benchmarks from signed sufficient statistics, and DSR observations. */
#include "node/bench_dsr.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"
#include "crypto/err.h"
#include "node/stats.h"
#include "node/util.h"

static double from_bits(uint64_t b)
{
    double d;
    memcpy(&d, &b, sizeof d);
    return d;
}

static uint64_t to_bits(double d)
{
    uint64_t b;
    memcpy(&b, &d, sizeof b);
    return b;
}

int hln_bench_dsr_observation(const hln_indicator *ind, const uint64_t *x, const uint64_t *n,
                              hln_observation *o)
{
    if (!ind || !x || !n || !o || ind->kind != HLN_KIND_DSR || ind->n_strata == 0 ||
        ind->n_strata > HLN_STRATA_MAX)
        return HLN_EINVAL;
    double w[HLN_STRATA_MAX];
    for (uint32_t i = 0; i < ind->n_strata; i++)
        w[i] = ind->weights[i];
    hln_dsr_stats st;
    int rc = hln_dsr_compute(ind->n_strata, x, n, w, &st);
    if (rc)
        return rc;
    o->numerator = st.events;
    o->denominator = st.population;
    o->suppressed = false;
    memset(o->extra, 0, sizeof o->extra);
    o->n_extra = 0;
    if (st.events >= HLN_DSR_MIN_EVENTS) {
        o->n_extra = 2;
        o->extra[0] = to_bits(st.dsr);
        o->extra[1] = to_bits(st.var);
    }
    return 0;
}

/* The group's figures from its units' statistics: the pooled DSR (as a
 * roll-up would publish it), PHE's funnel target and each unit's limits,
 * place and comparison. */
static int dsr_funnel(hln_bench_result *r, const hln_dsr_stats *st, size_t k)
{
    double target;
    int rc = hln_dsr_pool(st, k, &r->dsr_pool);
    if (!rc)
        rc = hln_dsr_funnel_target(st, k, &target);
    if (rc)
        return rc;
    hln_stats_summary *sm = &r->summary;
    sm->units = k;
    sm->sum_x = r->dsr_pool.events;
    sm->sum_n = r->dsr_pool.population;
    sm->theta0 = target;
    for (size_t i = 0; i < k; i++) {
        hln_stats_unit *v = &r->units[i].s;
        if ((rc = hln_dsr_funnel(target, v->x, &v->limits)))
            return rc;
        v->adjusted = v->limits;
        v->place = v->place_adjusted = v->place_used = hln_stats_place_of(v->value, &v->limits);
        v->judgement = hln_stats_judge(v->place_used, r->direction);
    }
    r->has_stats = true;
    return 0;
}

int hln_bench_dsr_fill(hln_store *s, hln_bench_result *r)
{
    hln_record *rec = malloc(sizeof *rec);
    hln_dsr_stats *kept_st = calloc(r->n_units ? r->n_units : 1, sizeof *kept_st);
    int rc = 0;
    if (!rec || !kept_st) {
        rc = HLN_ENOMEM;
        goto out;
    }
    size_t kept = 0;
    for (size_t i = 0; i < r->n_units; i++) {
        hln_bench_unit u = r->units[i];
        if ((rc = hln_store_get(s, u.id, rec)))
            goto out;
        const hln_observation *o = &rec->body.observation;
        hln_dsr_stats st = {.events = u.s.x, .population = u.s.n};
        bool ok = rec->has_body && rec->env.type == HLN_REC_OBSERVATION && o->n_extra >= 2 &&
                  u.s.x >= HLN_DSR_MIN_EVENTS;
        if (ok) {
            st.dsr = from_bits(o->extra[0]);
            st.var = from_bits(o->extra[1]);
            /* a peer's record could hold anything: only finite, positive DSRs (O >= 10
             * events give one), finite non-negative variances */
            ok = isfinite(st.dsr) && st.dsr > 0 && isfinite(st.var) && st.var >= 0;
        }
        if (!ok ||
            hln_dsr_dobson(&st, 0.95, &u.s.ci95.lo, &u.s.ci95.hi) ||
            hln_dsr_dobson(&st, 0.998, &u.s.ci998.lo, &u.s.ci998.hi)) {
            r->n_too_few++;
            continue;
        }
        u.s.value = st.dsr;
        kept_st[kept] = st;
        r->units[kept++] = u;
    }
    r->n_units = kept;
    if (kept)
        rc = dsr_funnel(r, kept_st, kept);
out:
    free(rec);
    free(kept_st);
    return rc;
}

/* ---- writers ---- */

/* "pooled":{events, population, value, ci95, ci998} (the group's DSR, as
 * a roll-up publishes it) and "funnel":{method, target}, or nulls. */
static void write_pooled_json(const hln_bench_result *r, FILE *f)
{
    if (!r->has_stats) {
        fputs("\"pooled\":null,\"funnel\":null,", f);
        return;
    }
    const hln_dsr_stats *p = &r->dsr_pool;
    double m = r->multiplier, lo95 = NAN, hi95 = NAN, lo998 = NAN, hi998 = NAN;
    hln_dsr_dobson(p, 0.95, &lo95, &hi95);
    hln_dsr_dobson(p, 0.998, &lo998, &hi998);
    fprintf(f, "\"pooled\":{\"events\":%llu,\"population\":%llu,\"value\":",
            (unsigned long long)p->events, (unsigned long long)p->population);
    hln_bench_json_num(f, p->dsr * m);
    const double lim[] = {lo95, hi95, lo998, hi998};
    for (int i = 0; i < 4; i++) {
        fputs(i == 0 ? ",\"ci95\":[" : i == 2 ? "],\"ci998\":[" : ",", f);
        hln_bench_json_num(f, lim[i] * m);
    }
    fputs("]},\"funnel\":{\"method\":\"phe-dsr\",\"target\":", f);
    hln_bench_json_num(f, r->summary.theta0 * m);
    fputs("},", f);
}

int hln_bench_dsr_write_json(const hln_bench_result *r, FILE *f)
{
    if (!r || !f)
        return HLN_EINVAL;
    double m = r->multiplier;
    char hex[2 * HLN_HASH_LEN + 1], text[HLN_ID_TEXT_LEN + 1];
    hln_hex(r->digest, HLN_HASH_LEN, hex);
    fprintf(f, "{\"engine\":\"%s\",\"digest\":\"%s\",\"query\":{\"indicator\":", HLN_BENCH_VERSION,
            hex);
    hln_bench_json_str(f, r->indicator);
    fputs(",\"period\":", f);
    hln_bench_json_str(f, r->period);
    fputs(",\"group\":", f);
    hln_bench_json_str(f, r->group);
    fputs(",\"stratum\":\"\",\"interval\":\"dobson\"},\"kind\":\"dsr\",\"direction\":", f);
    hln_bench_json_str(f, hln_bench_direction_name(r->direction));
    fputs(",\"standard\":", f);
    hln_bench_json_str(f, r->standard);
    fprintf(f,
            ",\"multiplier\":%u,\"counts\":{\"units\":%zu,\"suppressed\":%zu,\"excluded\":%zu,"
            "\"outside_group\":%zu,\"retracted\":%zu,\"superseded\":%zu,\"empty\":%zu,"
            "\"too_few_events\":%zu},",
            r->multiplier, r->n_units, r->n_suppressed, r->n_excluded, r->n_outside_group,
            r->n_retracted, r->n_superseded, r->n_empty, r->n_too_few);
    write_pooled_json(r, f);
    fputs("\"units\":[", f);
    for (size_t i = 0; i < r->n_units; i++) {
        const hln_bench_unit *u = &r->units[i];
        hln_id_to_text(u->author, text);
        hln_hex(u->id, HLN_HASH_LEN, hex);
        fprintf(f, "%s{\"author\":\"%s\",\"unit\":", i ? "," : "", text);
        hln_bench_json_str(f, u->unit);
        fprintf(f, ",\"record\":\"%s\",\"events\":%llu,\"population\":%llu,\"value\":", hex,
                (unsigned long long)u->s.x, (unsigned long long)u->s.n);
        hln_bench_json_num(f, u->s.value * m);
        fputs(",\"ci95\":[", f);
        hln_bench_json_num(f, u->s.ci95.lo * m);
        fputc(',', f);
        hln_bench_json_num(f, u->s.ci95.hi * m);
        fputs("],\"ci998\":[", f);
        hln_bench_json_num(f, u->s.ci998.lo * m);
        fputc(',', f);
        hln_bench_json_num(f, u->s.ci998.hi * m);
        fputs("],", f);
        hln_bench_json_limits(f, "limits", &u->s.limits, m);
        fprintf(f, ",\"place\":\"%s\",\"compared\":\"%s\"}", hln_stats_place_name(u->s.place),
                hln_bench_judgement_name(u->s.judgement));
    }
    fputc(']', f);
    hln_bench_json_suppressed(f, r);
    fputs("}\n", f);
    return ferror(f) ? HLN_EIO : 0;
}

int hln_bench_dsr_write_csv(const hln_bench_result *r, FILE *f)
{
    if (!r || !f)
        return HLN_EINVAL;
    double m = r->multiplier;
    char hex[2 * HLN_HASH_LEN + 1], text[HLN_ID_TEXT_LEN + 1];
    fputs("author,unit,record,suppressed,events,population,value,ci95_lo,ci95_hi,ci998_lo,"
          "ci998_hi,lo998,lo95,hi95,hi998,place,compared\n",
          f);
    for (size_t i = 0; i < r->n_units; i++) {
        const hln_bench_unit *u = &r->units[i];
        hln_id_to_text(u->author, text);
        hln_hex(u->id, HLN_HASH_LEN, hex);
        const hln_stats_limits *l = &u->s.limits;
        fprintf(f,
                "%s,\"%s\",%s,0,%llu,%llu,%.17g,%.17g,%.17g,%.17g,%.17g,%.17g,%.17g,%.17g,%.17g,%s,"
                "%s\n",
                text, u->unit, hex, (unsigned long long)u->s.x, (unsigned long long)u->s.n,
                u->s.value * m, u->s.ci95.lo * m, u->s.ci95.hi * m, u->s.ci998.lo * m,
                u->s.ci998.hi * m, l->lo998 * m, l->lo95 * m, l->hi95 * m, l->hi998 * m,
                hln_stats_place_name(u->s.place), hln_bench_judgement_name(u->s.judgement));
    }
    for (size_t i = 0; i < r->n_suppressed; i++) {
        hln_id_to_text(r->suppressed[i].author, text);
        hln_hex(r->suppressed[i].id, HLN_HASH_LEN, hex);
        fprintf(f, "%s,\"%s\",%s,1,,,,,,,,,,,,,\n", text, r->suppressed[i].unit, hex);
    }
    return ferror(f) ? HLN_EIO : 0;
}

int hln_bench_dsr_write_table(const hln_bench_result *r, const uint8_t *own, FILE *f)
{
    if (!r || !f)
        return HLN_EINVAL;
    char name[HLN_CODE_MAX + 1], std[HLN_CODE_MAX + 1];
    hln_util_sanitize(name, sizeof name, r->indicator, SIZE_MAX, SIZE_MAX);
    hln_util_sanitize(std, sizeof std, r->standard, SIZE_MAX, SIZE_MAX);
    fprintf(f, "%s  %s  group %s  directly standardised (%s) per %u  (%s is better)\n", name,
            r->period, r->group, std, r->multiplier, hln_bench_direction_name(r->direction));
    fprintf(f, "  %-7s %-20s %10s %12s %10s  %-23s %-10s %s\n", "author", "unit", "events",
            "population", "DSR", "95% interval (Dobson)", "place", "compared");
    for (size_t i = 0; i < r->n_units; i++) {
        const hln_bench_unit *u = &r->units[i];
        char sid[HLN_ID_SHORT_LEN + 1], unit[24];
        hln_id_short(u->author, sid);
        hln_util_sanitize(unit, sizeof unit, u->unit[0] ? u->unit : "(node)", SIZE_MAX, SIZE_MAX);
        char iv[64];
        snprintf(iv, sizeof iv, "%.1f - %.1f", u->s.ci95.lo * r->multiplier,
                 u->s.ci95.hi * r->multiplier);
        fprintf(f, "%c %-7s %-20s %10llu %12llu %10.1f  %-23s %-10s %s\n",
                own && !memcmp(own, u->author, HLN_KEY_LEN) ? '*' : ' ', sid, unit,
                (unsigned long long)u->s.x, (unsigned long long)u->s.n,
                u->s.value * r->multiplier, iv, hln_stats_place_name(u->s.place),
                hln_bench_judgement_name(u->s.judgement));
    }
    fprintf(f,
            "units: %zu counted, %zu suppressed, %zu with fewer than %d events (no DSR), %zu "
            "excluded, %zu outside the group\n",
            r->n_units, r->n_suppressed, r->n_too_few, HLN_DSR_MIN_EVENTS, r->n_excluded,
            r->n_outside_group);
    if (r->has_stats)
        fprintf(f,
                "pooled DSR: %.1f per %u (%llu events, population %llu; population-weighted, "
                "as a roll-up)\nfunnel target: %.1f (PHE: sum of events / sum of events/DSR); "
                "limits target x O / Byar(O)\n",
                r->dsr_pool.dsr * r->multiplier, r->multiplier,
                (unsigned long long)r->dsr_pool.events, (unsigned long long)r->dsr_pool.population,
                r->summary.theta0 * r->multiplier);
    char hex[2 * HLN_HASH_LEN + 1];
    hln_hex(r->digest, HLN_HASH_LEN, hex);
    fprintf(f, "evidence %s\n", hex);
    return ferror(f) ? HLN_EIO : 0;
}

/* ---- publishing ---- */

int hln_bench_isr_observation(const hln_indicator *ind, const uint64_t *x, const uint64_t *n,
                              hln_observation *o)
{
    if (!ind || !x || !n || !o || ind->kind != HLN_KIND_ISR || ind->n_strata == 0 ||
        ind->n_strata > HLN_STRATA_MAX)
        return HLN_EINVAL;
    uint64_t obs = 0, e = 0;
    for (uint32_t i = 0; i < ind->n_strata; i++)
        if ((obs += x[i]) > HLN_COUNT_MAX)
            return HLN_ERANGE;
    int rc = hln_dsr_isr_expected(ind->n_strata, n, ind->ref_events, ind->ref_pop, &e);
    if (rc)
        return rc;
    o->numerator = obs;
    o->denominator = e;
    o->suppressed = false;
    o->n_extra = 0;
    memset(o->extra, 0, sizeof o->extra);
    return 0;
}

static int band_of(const hln_indicator *d, const char *stratum)
{
    for (uint32_t i = 0; i < d->n_strata && i < HLN_STRATA_MAX; i++)
        if (!strcmp(d->strata[i], stratum))
            return (int)i;
    return -1;
}

static bool same_group(const hln_observation *a, const hln_observation *b)
{
    return !strcmp(a->indicator, b->indicator) && !strcmp(a->period, b->period) &&
           !strcmp(a->unit, b->unit);
}

int hln_bench_dsr_collapse(hln_csv_lookup_cb lookup, void *lookup_ctx, hln_csv_row *rows,
                           size_t *n, hln_csv_problem_cb cb, void *cb_ctx)
{
    if (!lookup || !rows || !n)
        return HLN_EINVAL;
    bool *done = calloc(*n ? *n : 1, sizeof *done);
    if (!done)
        return HLN_ENOMEM;
    size_t out = 0;
    int bad = 0;
    char why[200];
    for (size_t i = 0; i < *n; i++) {
        if (done[i])
            continue;
        const hln_indicator *d = lookup(lookup_ctx, rows[i].obs.indicator);
        if (!d || (d->kind != HLN_KIND_DSR && d->kind != HLN_KIND_ISR)) {
            rows[out++] = rows[i];
            continue;
        }
        /* every row of this (indicator, period, unit): one per band */
        uint64_t x[HLN_STRATA_MAX] = {0}, p[HLN_STRATA_MAX] = {0};
        bool seen[HLN_STRATA_MAX] = {false};
        bool ok = true;
        for (size_t j = i; j < *n; j++) {
            if (done[j] || !same_group(&rows[i].obs, &rows[j].obs))
                continue;
            done[j] = true;
            int b = band_of(d, rows[j].obs.stratum);
            if (b < 0) {
                if (cb) {
                    snprintf(why, sizeof why,
                             "%s is %s standardised: one row per age band of %s, not the total",
                             d->code, d->kind == HLN_KIND_DSR ? "directly" : "indirectly",
                             d->standard);
                    cb(cb_ctx, rows[j].line, why);
                }
                ok = false;
                continue;
            }
            seen[b] = true; /* the parser refuses two rows of the same stratum */
            x[b] = rows[j].obs.numerator;
            p[b] = rows[j].obs.denominator;
        }
        for (uint32_t b = 0; ok && b < d->n_strata; b++)
            if (!seen[b]) {
                if (cb) {
                    snprintf(why, sizeof why, "%s %s unit '%s': no row for band %s", d->code,
                             rows[i].obs.period, rows[i].obs.unit, d->strata[b]);
                    cb(cb_ctx, rows[i].line, why);
                }
                ok = false;
            }
        hln_csv_row r = rows[i];
        r.obs.stratum[0] = '\0';
        r.kind = d->kind;
        if (ok) {
            int rc = d->kind == HLN_KIND_DSR ? hln_bench_dsr_observation(d, x, p, &r.obs)
                                             : hln_bench_isr_observation(d, x, p, &r.obs);
            if (rc == HLN_ERANGE || rc == HLN_EINVAL) {
                if (cb)
                    cb(cb_ctx, rows[i].line, "the bands' totals cannot be standardised");
                ok = false;
            } else if (rc) {
                free(done);
                return rc;
            }
        }
        if (!ok) {
            bad = 1;
            continue;
        }
        rows[out++] = r;
    }
    free(done);
    if (bad)
        return HLN_EINVAL;
    *n = out;
    return 0;
}
