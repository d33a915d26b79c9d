/* bench_isr.c - indirectly standardised ratios: observed / expected with Byar's limits. */
#include "node/bench_isr.h"

#include <math.h>
#include <string.h>

#include "crypto/crypto.h"
#include "crypto/err.h"
#include "node/dsr.h"
#include "node/stats.h"
#include "node/util.h"

/* O / E with the Poisson limits of O (exact below 10, Byar's from 10) over E. */
static int ratio_of(uint64_t o, double e, hln_stats_interval *ci95, hln_stats_interval *ci998)
{
    hln_stats_interval b;
    int rc = hln_stats_interval_of(1, HLN_CI_WILSON, o, 1, 0.95, &b);
    if (rc)
        return rc;
    ci95->lo = b.lo / e, ci95->hi = b.hi / e;
    if ((rc = hln_stats_interval_of(1, HLN_CI_WILSON, o, 1, 0.998, &b)))
        return rc;
    ci998->lo = b.lo / e, ci998->hi = b.hi / e;
    return 0;
}

/* PHE's ratio funnel (phe_funnel_significance, statistic "ratio"): the
 * unit's own interval against 1. */
static hln_stats_place place_of(const hln_stats_unit *v)
{
    return v->ci998.lo > 1  ? HLN_PLACE_HIGH998
           : v->ci95.lo > 1 ? HLN_PLACE_HIGH95
           : v->ci998.hi < 1 ? HLN_PLACE_LOW998
           : v->ci95.hi < 1  ? HLN_PLACE_LOW95
                             : HLN_PLACE_WITHIN;
}

int hln_bench_isr_fill(hln_bench_result *r)
{
    uint64_t so = 0, se = 0;
    for (size_t i = 0; i < r->n_units; i++) {
        hln_stats_unit *v = &r->units[i].s;
        double e = (double)v->n / HLN_ISR_SCALE; /* the walk left out n = 0 as empty */
        int rc = ratio_of(v->x, e, &v->ci95, &v->ci998);
        if (rc)
            return rc;
        v->value = (double)v->x / e;
        if (v->x == 0) {
            v->limits.lo998 = v->limits.lo95 = v->limits.hi95 = v->limits.hi998 = NAN;
        } else if ((rc = hln_dsr_funnel(1.0, v->x, &v->limits))) {
            return rc;
        }
        v->adjusted = v->limits;
        v->place = v->place_adjusted = v->place_used = place_of(v);
        v->judgement = hln_stats_judge(v->place_used, r->direction);
        so += v->x, se += v->n;
        if (so > HLN_COUNT_MAX || se > HLN_COUNT_MAX)
            return HLN_ERANGE;
    }
    if (r->n_units == 0)
        return 0;
    hln_stats_summary *sm = &r->summary;
    sm->units = r->n_units;
    sm->sum_x = so;
    sm->sum_n = se;
    sm->theta0 = (double)so / ((double)se / HLN_ISR_SCALE);
    r->has_stats = true;
    return 0;
}

/* ---- writers ---- */

static void json_pair(FILE *f, const char *k, const hln_stats_interval *iv, double m)
{
    fprintf(f, ",\"%s\":[", k);
    hln_bench_json_num(f, iv->lo * m);
    fputc(',', f);
    hln_bench_json_num(f, iv->hi * m);
    fputc(']', f);
}

int hln_bench_isr_write_json(const hln_bench_result *r, FILE *f)
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
    fputs(",\"stratum\":\"\",\"interval\":\"poisson-byar\"},\"kind\":\"isr\",\"direction\":", f);
    hln_bench_json_str(f, hln_bench_direction_name(r->direction));
    fputs(",\"reference\":", f);
    hln_bench_json_str(f, r->standard);
    fprintf(f,
            ",\"multiplier\":%u,\"counts\":{\"units\":%zu,\"suppressed\":%zu,\"excluded\":%zu,"
            "\"outside_group\":%zu,\"retracted\":%zu,\"superseded\":%zu,\"empty\":%zu,"
            "\"incomplete\":%zu},",
            r->multiplier, r->n_units, r->n_suppressed, r->n_excluded, r->n_outside_group,
            r->n_retracted, r->n_superseded, r->n_empty, r->n_incomplete);
    if (r->has_stats) {
        hln_stats_interval c95, c998;
        double e = (double)r->summary.sum_n / HLN_ISR_SCALE;
        ratio_of(r->summary.sum_x, e, &c95, &c998);
        fprintf(f, "\"pooled\":{\"observed\":%llu,\"expected\":",
                (unsigned long long)r->summary.sum_x);
        hln_bench_json_num(f, e);
        fputs(",\"value\":", f);
        hln_bench_json_num(f, r->summary.theta0 * m);
        json_pair(f, "ci95", &c95, m);
        json_pair(f, "ci998", &c998, m);
        fputs("},\"funnel\":{\"method\":\"phe-ratio\",\"target\":", f);
        hln_bench_json_num(f, m);
        fputs("},", f);
    } else {
        fputs("\"pooled\":null,\"funnel\":null,", f);
    }
    fputs("\"units\":[", f);
    for (size_t i = 0; i < r->n_units; i++) {
        const hln_bench_unit *u = &r->units[i];
        hln_id_to_text(u->author, text);
        hln_hex(u->id, HLN_HASH_LEN, hex);
        fprintf(f, "%s{\"author\":\"%s\",\"unit\":", i ? "," : "", text);
        hln_bench_json_str(f, u->unit);
        fprintf(f, ",\"record\":\"%s\",\"parts\":%u,\"observed\":%llu,\"expected\":", hex,
                u->parts, (unsigned long long)u->s.x);
        hln_bench_json_num(f, (double)u->s.n / HLN_ISR_SCALE);
        fputs(",\"value\":", f);
        hln_bench_json_num(f, u->s.value * m);
        json_pair(f, "ci95", &u->s.ci95, m);
        json_pair(f, "ci998", &u->s.ci998, m);
        fputc(',', f);
        hln_bench_json_limits(f, "limits", &u->s.limits, m);
        fprintf(f, ",\"place\":\"%s\",\"compared\":\"%s\"}", hln_stats_place_name(u->s.place),
                hln_bench_judgement_name(u->s.judgement));
    }
    fputc(']', f);
    hln_bench_json_suppressed(f, r);
    fputs("}\n", f);
    return ferror(f) ? HLN_EIO : 0;
}

int hln_bench_isr_write_csv(const hln_bench_result *r, FILE *f)
{
    if (!r || !f)
        return HLN_EINVAL;
    double m = r->multiplier;
    char hex[2 * HLN_HASH_LEN + 1], text[HLN_ID_TEXT_LEN + 1];
    fputs("author,unit,record,suppressed,observed,expected,value,ci95_lo,ci95_hi,ci998_lo,"
          "ci998_hi,lo998,lo95,hi95,hi998,place,compared\n",
          f);
    for (size_t i = 0; i < r->n_units; i++) {
        const hln_bench_unit *u = &r->units[i];
        const hln_stats_unit *v = &u->s;
        hln_id_to_text(u->author, text);
        hln_hex(u->id, HLN_HASH_LEN, hex);
        fprintf(f, "%s,\"%s\",%s,0,%llu", text, u->unit, hex, (unsigned long long)v->x);
        const double d[] = {(double)v->n / HLN_ISR_SCALE, v->value * m,    v->ci95.lo * m,
                            v->ci95.hi * m,               v->ci998.lo * m, v->ci998.hi * m,
                            v->limits.lo998 * m,          v->limits.lo95 * m,
                            v->limits.hi95 * m,           v->limits.hi998 * m};
        for (size_t k = 0; k < sizeof d / sizeof d[0]; k++) {
            fputc(',', f);
            if (isfinite(d[k]))
                fprintf(f, "%.17g", d[k]);
        }
        fprintf(f, ",%s,%s\n", hln_stats_place_name(v->place),
                hln_bench_judgement_name(v->judgement));
    }
    for (size_t i = 0; i < r->n_suppressed; i++) {
        hln_id_to_text(r->suppressed[i].author, text);
        hln_hex(r->suppressed[i].id, HLN_HASH_LEN, hex);
        fprintf(f, "%s,\"%s\",%s,1,,,,,,,,,,,,,\n", text, r->suppressed[i].unit, hex);
    }
    return ferror(f) ? HLN_EIO : 0;
}

int hln_bench_isr_write_table(const hln_bench_result *r, const uint8_t *own, FILE *f)
{
    if (!r || !f)
        return HLN_EINVAL;
    double m = r->multiplier;
    char name[HLN_CODE_MAX + 1], ref[HLN_CODE_MAX + 1];
    hln_util_sanitize(name, sizeof name, r->indicator, SIZE_MAX, SIZE_MAX);
    hln_util_sanitize(ref, sizeof ref, r->standard, SIZE_MAX, SIZE_MAX);
    fprintf(f, "%s  %s  group %s  indirectly standardised ratio (reference %s) x %u  (%s is "
               "better)\n",
            name, r->period, r->group, ref, r->multiplier, hln_bench_direction_name(r->direction));
    fprintf(f, "  %-7s %-20s %9s %11s %8s  %-21s %-10s %s\n", "author", "unit", "observed",
            "expected", "ratio", "95% interval (Byar)", "place", "compared");
    for (size_t i = 0; i < r->n_units; i++) {
        const hln_bench_unit *u = &r->units[i];
        const hln_stats_unit *v = &u->s;
        char sid[HLN_ID_SHORT_LEN + 1], unit[24], iv[64];
        hln_id_short(u->author, sid);
        hln_util_sanitize(unit, sizeof unit, u->unit[0] ? u->unit : "(node)", SIZE_MAX, SIZE_MAX);
        snprintf(iv, sizeof iv, "%.1f - %.1f", v->ci95.lo * m, v->ci95.hi * m);
        fprintf(f, "%c %-7s %-20s %9llu %11.2f %8.1f  %-21s %-10s %s\n",
                own && !memcmp(own, u->author, HLN_KEY_LEN) ? '*' : ' ', sid, unit,
                (unsigned long long)v->x, (double)v->n / HLN_ISR_SCALE, v->value * m, iv,
                hln_stats_place_name(v->place), hln_bench_judgement_name(v->judgement));
    }
    for (size_t i = 0; i < r->n_suppressed; i++) {
        char sid[HLN_ID_SHORT_LEN + 1], unit[24];
        hln_id_short(r->suppressed[i].author, sid);
        hln_util_sanitize(unit, sizeof unit, r->suppressed[i].unit, SIZE_MAX, SIZE_MAX);
        fprintf(f, "  %-7s %-20s %9s\n", sid, unit, "suppressed");
    }
    fprintf(f, "units: %zu counted, %zu suppressed, %zu incomplete, %zu excluded, %zu outside the "
               "group\n",
            r->n_units, r->n_suppressed, r->n_incomplete, r->n_excluded, r->n_outside_group);
    if (r->has_stats)
        fprintf(f, "pooled ratio: %.1f (%llu observed / %.2f expected); funnel around %u (PHE: "
                   "the unit's Byar interval against 1)\n",
                r->summary.theta0 * m, (unsigned long long)r->summary.sum_x,
                (double)r->summary.sum_n / HLN_ISR_SCALE, r->multiplier);
    char hex[2 * HLN_HASH_LEN + 1];
    hln_hex(r->digest, HLN_HASH_LEN, hex);
    fprintf(f, "evidence %s\n", hex);
    return ferror(f) ? HLN_EIO : 0;
}
