/* bench_mean.c - mean benchmarks: t limits per unit, normal funnel around the pooled mean. */
#include "node/bench_mean.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"
#include "crypto/err.h"
#include "node/util.h"

int hln_bench_mean_sums_of(hln_store *s, const uint8_t id[HLN_HASH_LEN], hln_record *rec,
                           hln_mean_sums *m)
{
    int rc = hln_store_get(s, id, rec);
    if (rc)
        return rc;
    const hln_observation *o = &rec->body.observation;
    if (!rec->has_body || rec->env.type != HLN_REC_OBSERVATION || o->n_extra != 2)
        return HLN_EINVAL;
    m->n = o->denominator;
    m->sum = o->numerator;
    m->sq_lo = o->extra[0];
    m->sq_hi = o->extra[1];
    return 0;
}

int hln_bench_mean_fill(hln_store *s, hln_bench_result *r)
{
    hln_record *rec = malloc(sizeof *rec);
    int rc = 0;
    if (!rec)
        return HLN_ENOMEM;
    size_t kept = 0;
    hln_mean_sums all = {0};
    for (size_t i = 0; i < r->n_units; i++) {
        hln_bench_unit u = r->units[i];
        /* added up over periods (node/periods.c): the sums are the parts'; else the record's */
        hln_mean_sums m = {.n = u.s.n, .sum = u.s.x, .sq_lo = u.sq[0], .sq_hi = u.sq[1]};
        if (!u.has_sq && (rc = hln_bench_mean_sums_of(s, u.id, rec, &m)) && rc != HLN_EINVAL)
            goto out;
        hln_mean_unit mu;
        if (rc == HLN_EINVAL || m.n != u.s.n || m.sum != u.s.x ||
            hln_means_unit(&m, r->multiplier, &mu)) {
            rc = 0;
            r->n_invalid++;
            continue;
        }
        if ((rc = hln_means_add(&all, &m)))
            goto out;
        u.has_sq = true;
        u.sq[0] = m.sq_lo;
        u.sq[1] = m.sq_hi;
        u.s.value = mu.mean;
        u.s.ci95 = mu.ci95;
        u.s.ci998 = mu.ci998;
        u.s.z = mu.sd; /* the unit's standard deviation, for the writers */
        r->units[kept++] = u;
    }
    r->n_units = kept;
    if (kept == 0)
        goto out;
    hln_mean_unit pooled;
    if ((rc = hln_means_unit(&all, r->multiplier, &pooled)))
        goto out;
    hln_stats_summary *sm = &r->summary;
    sm->units = kept;
    sm->sum_x = all.sum;
    sm->sum_n = all.n;
    sm->theta0 = pooled.mean;
    sm->tau2 = pooled.sd; /* the pooled standard deviation (see the writers) */
    r->sum_sq[0] = all.sq_lo;
    r->sum_sq[1] = all.sq_hi;
    double sd = isfinite(pooled.sd) ? pooled.sd : 0;
    for (size_t i = 0; i < kept; i++) {
        hln_stats_unit *v = &r->units[i].s;
        hln_means_funnel(pooled.mean, sd, v->n, &v->limits);
        v->adjusted = v->limits;
        v->place = v->place_adjusted = v->place_used = hln_stats_place_of(v->value, &v->limits);
        v->judgement = hln_stats_judge(v->place_used, r->direction);
    }
    r->has_stats = true;
out:
    free(rec);
    return rc;
}

int hln_bench_mean_write_json(const hln_bench_result *r, FILE *f)
{
    if (!r || !f)
        return HLN_EINVAL;
    char hex[2 * HLN_HASH_LEN + 1], text[HLN_ID_TEXT_LEN + 1];
    hln_hex(r->digest, HLN_HASH_LEN, hex);
    fprintf(f, "{\"engine\":\"%s\",\"digest\":\"%s\",\"query\":{\"indicator\":", HLN_BENCH_VERSION,
            hex);
    hln_bench_json_str(f, r->indicator);
    fputs(",\"period\":", f);
    hln_bench_json_str(f, r->period);
    fputs(",\"group\":", f);
    hln_bench_json_str(f, r->group);
    fputs(",\"stratum\":", f);
    hln_bench_json_str(f, r->stratum);
    fprintf(f,
            ",\"interval\":\"student-t\"},\"kind\":\"mean\",\"direction\":\"%s\",\"scale\":%u,"
            "\"counts\":{\"units\":%zu,\"suppressed\":%zu,\"excluded\":%zu,\"outside_group\":%zu,"
            "\"retracted\":%zu,\"superseded\":%zu,\"empty\":%zu,\"invalid\":%zu},",
            hln_bench_direction_name(r->direction), r->multiplier, r->n_units, r->n_suppressed,
            r->n_excluded, r->n_outside_group, r->n_retracted, r->n_superseded, r->n_empty,
            r->n_invalid);
    if (r->has_stats) {
        fprintf(f, "\"pooled\":{\"n\":%llu,\"sum\":%llu,\"mean\":",
                (unsigned long long)r->summary.sum_n, (unsigned long long)r->summary.sum_x);
        hln_bench_json_num(f, r->summary.theta0);
        fputs(",\"sd\":", f);
        hln_bench_json_num(f, r->summary.tau2);
        fputs("},", f);
    } else {
        fputs("\"pooled\":null,", f);
    }
    fputs("\"units\":[", f);
    for (size_t i = 0; i < r->n_units; i++) {
        const hln_bench_unit *u = &r->units[i];
        const hln_stats_unit *v = &u->s;
        hln_id_to_text(u->author, text);
        hln_hex(u->id, HLN_HASH_LEN, hex);
        fprintf(f, "%s{\"author\":\"%s\",\"unit\":", i ? "," : "", text);
        hln_bench_json_str(f, u->unit);
        fprintf(f, ",\"record\":\"%s\",\"n\":%llu,\"sum\":%llu,\"value\":", hex,
                (unsigned long long)v->n, (unsigned long long)v->x);
        hln_bench_json_num(f, v->value);
        fputs(",\"sd\":", f);
        hln_bench_json_num(f, v->z);
        fputs(",\"ci95\":[", f);
        hln_bench_json_num(f, v->ci95.lo);
        fputc(',', f);
        hln_bench_json_num(f, v->ci95.hi);
        fputs("],\"ci998\":[", f);
        hln_bench_json_num(f, v->ci998.lo);
        fputc(',', f);
        hln_bench_json_num(f, v->ci998.hi);
        fputs("],", f);
        hln_bench_json_limits(f, "limits", &v->limits, 1);
        fprintf(f, ",\"place\":\"%s\",\"compared\":\"%s\"}", hln_stats_place_name(v->place),
                hln_bench_judgement_name(v->judgement));
    }
    fputc(']', f);
    hln_bench_json_suppressed(f, r);
    fputs("}\n", f);
    return ferror(f) ? HLN_EIO : 0;
}

int hln_bench_mean_write_csv(const hln_bench_result *r, FILE *f)
{
    if (!r || !f)
        return HLN_EINVAL;
    char hex[2 * HLN_HASH_LEN + 1], text[HLN_ID_TEXT_LEN + 1];
    fputs("author,unit,record,suppressed,n,sum,mean,sd,ci95_lo,ci95_hi,ci998_lo,ci998_hi,lo998,"
          "lo95,hi95,hi998,place,compared\n",
          f);
    for (size_t i = 0; i < r->n_units; i++) {
        const hln_bench_unit *u = &r->units[i];
        const hln_stats_unit *v = &u->s;
        hln_id_to_text(u->author, text);
        hln_hex(u->id, HLN_HASH_LEN, hex);
        fprintf(f, "%s,\"%s\",%s,0,%llu,%llu", text, u->unit, hex, (unsigned long long)v->n,
                (unsigned long long)v->x);
        const double d[] = {v->value,        v->z,           v->ci95.lo,      v->ci95.hi,
                            v->ci998.lo,     v->ci998.hi,    v->limits.lo998, v->limits.lo95,
                            v->limits.hi95,  v->limits.hi998};
        for (size_t k = 0; k < sizeof d / sizeof d[0]; k++) {
            fputc(',', f);
            if (isfinite(d[k]))
                fprintf(f, "%.17g", d[k]);
        }
        fprintf(f, ",%s,%s\n", hln_stats_place_name(v->place), hln_bench_judgement_name(v->judgement));
    }
    for (size_t i = 0; i < r->n_suppressed; i++) {
        hln_id_to_text(r->suppressed[i].author, text);
        hln_hex(r->suppressed[i].id, HLN_HASH_LEN, hex);
        fprintf(f, "%s,\"%s\",%s,1,,,,,,,,,,,,,,\n", text, r->suppressed[i].unit, hex);
    }
    return ferror(f) ? HLN_EIO : 0;
}

int hln_bench_mean_write_table(const hln_bench_result *r, const uint8_t *own, FILE *f)
{
    if (!r || !f)
        return HLN_EINVAL;
    char name[HLN_CODE_MAX + 1];
    hln_util_sanitize(name, sizeof name, r->indicator, SIZE_MAX, SIZE_MAX);
    fprintf(f, "%s  %s  group %s  stratum %s  mean (scale %u)  (%s is better)\n", name, r->period,
            r->group, r->stratum[0] ? r->stratum : "total", r->multiplier,
            hln_bench_direction_name(r->direction));
    fprintf(f, "  %-7s %-20s %8s %12s %12s  %-25s %-10s %s\n", "author", "unit", "n", "mean", "sd",
            "95% interval (t)", "place", "compared");
    for (size_t i = 0; i < r->n_units; i++) {
        const hln_bench_unit *u = &r->units[i];
        const hln_stats_unit *v = &u->s;
        char sid[HLN_ID_SHORT_LEN + 1], unit[24], iv[64];
        hln_id_short(u->author, sid);
        hln_util_sanitize(unit, sizeof unit, u->unit[0] ? u->unit : "(node)", SIZE_MAX, SIZE_MAX);
        snprintf(iv, sizeof iv, "%.4g - %.4g", v->ci95.lo, v->ci95.hi);
        fprintf(f, "%c %-7s %-20s %8llu %12.4g %12.4g  %-25s %-10s %s\n",
                own && !memcmp(own, u->author, HLN_KEY_LEN) ? '*' : ' ', sid, unit,
                (unsigned long long)v->n, v->value, v->z, iv, hln_stats_place_name(v->place),
                hln_bench_judgement_name(v->judgement));
    }
    for (size_t i = 0; i < r->n_suppressed; i++) {
        char sid[HLN_ID_SHORT_LEN + 1], unit[24];
        hln_id_short(r->suppressed[i].author, sid);
        hln_util_sanitize(unit, sizeof unit, r->suppressed[i].unit, SIZE_MAX, SIZE_MAX);
        fprintf(f, "  %-7s %-20s %8s\n", sid, unit, "suppressed");
    }
    fprintf(f, "units: %zu counted, %zu suppressed, %zu excluded, %zu outside the group\n",
            r->n_units, r->n_suppressed, r->n_excluded, r->n_outside_group);
    if (r->has_stats)
        fprintf(f, "pooled mean: %.6g (sd %.6g, n %llu); funnel limits mean -+ z sd / sqrt(n), no "
                   "overdispersion adjustment for means\n",
                r->summary.theta0, r->summary.tau2, (unsigned long long)r->summary.sum_n);
    char hex[2 * HLN_HASH_LEN + 1];
    hln_hex(r->digest, HLN_HASH_LEN, hex);
    fprintf(f, "evidence %s\n", hex);
    return ferror(f) ? HLN_EIO : 0;
}
