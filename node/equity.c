/* equity.c - strata side by side, gaps to a reference stratum, SII and RII. */
#include "node/equity.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"
#include "crypto/err.h"
#include "node/stats.h"
#include "node/util.h"

#define KIND_RATE 1u

/* ---- the statistics ---- */

int hln_equity_sii(size_t k, const double *pop, const double *value, const double *se, double z,
                   hln_equity_sii_out *out)
{
    if (k < 2 || k > 100 || !pop || !value || !se || !out || !(z > 0))
        return HLN_EINVAL;
    double total = 0;
    for (size_t i = 0; i < k; i++) {
        if (!(pop[i] > 0) || !(se[i] >= 0) || !isfinite(value[i]))
            return HLN_EINVAL;
        total += pop[i];
    }
    /* a_i: population shares; b_i: midpoints of the cumulative shares
     * (phe_sii's FindXValues). */
    double a[100], b[100], cum = 0;
    for (size_t i = 0; i < k; i++) {
        a[i] = pop[i] / total;
        b[i] = cum + a[i] / 2;
        cum += a[i];
    }
    /* Weighted least squares of value on b with weights a (sum a = 1), the
     * regression phe_sii fits as lm(sqrt(a)*v ~ sqrt(a) + b*sqrt(a) - 1). */
    double sab = 0, sabb = 0;
    for (size_t i = 0; i < k; i++) {
        sab += a[i] * b[i];
        sabb += a[i] * b[i] * b[i];
    }
    double den = sabb - sab * sab;
    if (!(den > 0))
        return HLN_EINVAL;
    /* slope = sum c_i v_i, intercept = sum d_i v_i: both linear in the values */
    double slope = 0, icpt = 0, vs = 0, vi = 0, cov = 0;
    for (size_t i = 0; i < k; i++) {
        double c = a[i] * (b[i] - sab) / den;
        double d = a[i] - sab * c;
        slope += c * value[i];
        icpt += d * value[i];
        double s2 = se[i] * se[i];
        vs += c * c * s2;
        vi += d * d * s2;
        cov += c * d * s2;
    }
    out->sii = slope;
    out->intercept = icpt;
    out->sii_lo = slope - z * sqrt(vs);
    out->sii_hi = slope + z * sqrt(vs);
    out->rii = (icpt + slope) / icpt;
    /* RII = 1 + S/I. Its quantile r solves P(S - r I <= 0) = p, i.e.
     * (mu_S - r mu_I)^2 = z^2 (v_S - 2 r c + r^2 v_I): two roots when the
     * intercept is clear of 0 (mu_I^2 > z^2 v_I). */
    double qa = icpt * icpt - z * z * vi;
    double qb = -2 * (icpt * slope - z * z * cov);
    double qc = slope * slope - z * z * vs;
    double disc = qb * qb - 4 * qa * qc;
    if (qa > 0 && disc >= 0) {
        double sq = sqrt(disc);
        /* the root without cancellation first, then the other from the product */
        double q = -0.5 * (qb + (qb >= 0 ? sq : -sq));
        double r1 = q / qa, r2 = q != 0 ? qc / q : r1;
        out->rii_lo = 1 + fmin(r1, r2);
        out->rii_hi = 1 + fmax(r1, r2);
    } else {
        out->rii_lo = out->rii_hi = NAN;
    }
    return 0;
}

void hln_equity_diff(double v1, double l1, double u1, double v2, double l2, double u2, double *d,
                     double *lo, double *hi)
{
    *d = v1 - v2;
    *lo = *d - sqrt((v1 - l1) * (v1 - l1) + (u2 - v2) * (u2 - v2));
    *hi = *d + sqrt((u1 - v1) * (u1 - v1) + (v2 - l2) * (v2 - l2));
}

bool hln_equity_ratio(uint32_t kind, uint64_t x1, uint64_t n1, uint64_t x2, uint64_t n2, double z,
                      double *r, double *lo, double *hi)
{
    if (x1 == 0 || x2 == 0 || n1 == 0 || n2 == 0)
        return false;
    double p1 = (double)x1 / (double)n1, p2 = (double)x2 / (double)n2;
    double v = 1.0 / (double)x1 + 1.0 / (double)x2;
    if (kind != KIND_RATE)
        v -= 1.0 / (double)n1 + 1.0 / (double)n2;
    double se = sqrt(v > 0 ? v : 0);
    *r = p1 / p2;
    *lo = *r * exp(-z * se);
    *hi = *r * exp(z * se);
    return true;
}

/* ---- strata of a dimension ---- */

static size_t dim_len(const char *stratum)
{
    const char *eq = strchr(stratum, '=');
    return eq ? (size_t)(eq - stratum) : 0;
}

static bool leading_number(const char *s, unsigned long *v)
{
    const char *p = strchr(s, '=');
    p = p ? p + 1 : s;
    if (*p < '0' || *p > '9')
        return false;
    *v = strtoul(p, NULL, 10);
    return true;
}

static int cmp_numbered(const void *a, const void *b)
{
    unsigned long x = 0, y = 0;
    leading_number(a, &x);
    leading_number(b, &y);
    if (x != y)
        return x < y ? -1 : 1;
    return strcmp(a, b);
}

static int cmp_bytes(const void *a, const void *b)
{
    return strcmp(a, b);
}

int hln_equity_strata(const hln_indicator *ind, const char *dimension,
                      char (**out)[HLN_CODE_MAX + 1], size_t *count, bool *ordered)
{
    if (!ind || !dimension || !out || !count || !ordered)
        return HLN_EINVAL;
    size_t dl = strlen(dimension), n = 0;
    char(*v)[HLN_CODE_MAX + 1] = calloc(HLN_STRATA_MAX, sizeof *v);
    if (!v)
        return HLN_ENOMEM;
    bool numbered = true;
    for (uint32_t i = 0; i < ind->n_strata && i < HLN_STRATA_MAX; i++) {
        const char *s = ind->strata[i];
        if (dim_len(s) != dl || strncmp(s, dimension, dl))
            continue;
        unsigned long x;
        numbered = numbered && leading_number(s, &x);
        snprintf(v[n++], sizeof *v, "%s", s);
    }
    if (n == 0) {
        free(v);
        return HLN_EINVAL;
    }
    qsort(v, n, sizeof *v, numbered ? cmp_numbered : cmp_bytes);
    *out = v;
    *count = n;
    *ordered = numbered;
    return 0;
}

/* ---- the query ---- */

static int cmp_key(const uint8_t *a1, const char *u1, const uint8_t *a2, const char *u2)
{
    int c = memcmp(a1, a2, HLN_KEY_LEN);
    return c ? c : strcmp(u1, u2);
}

typedef struct {
    uint8_t author[HLN_KEY_LEN];
    char unit[HLN_CODE_MAX + 1];
} key;

static int cmp_keys(const void *a, const void *b)
{
    const key *x = a, *y = b;
    return cmp_key(x->author, x->unit, y->author, y->unit);
}

static const hln_bench_unit *find_unit(const hln_bench_result *r, const key *k)
{
    size_t lo = 0, hi = r->n_units;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = cmp_key(r->units[mid].author, r->units[mid].unit, k->author, k->unit);
        if (c == 0)
            return &r->units[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

static bool find_suppressed(const hln_bench_result *r, const key *k)
{
    for (size_t i = 0; i < r->n_suppressed; i++)
        if (!cmp_key(r->suppressed[i].author, r->suppressed[i].unit, k->author, k->unit))
            return true;
    return false;
}

/* Gaps to the reference cell and, for an ordered dimension with every
 * stratum counted, the SII and RII. */
static void finish_row(const hln_equity_result *r, size_t ref, hln_equity_row *row)
{
    const hln_equity_cell *rc = &row->cells[ref];
    bool all = true;
    for (size_t i = 0; i < r->n_strata; i++) {
        hln_equity_cell *c = &row->cells[i];
        all = all && c->counted;
        if (i == ref || !c->counted || !rc->counted)
            continue;
        c->has_gap = true;
        hln_equity_diff(c->value, c->lo, c->hi, rc->value, rc->lo, rc->hi, &c->diff, &c->diff_lo,
                        &c->diff_hi);
        c->has_ratio = hln_equity_ratio(r->kind, c->x, c->n, rc->x, rc->n, HLN_STATS_Z95,
                                        &c->ratio, &c->ratio_lo, &c->ratio_hi);
    }
    if (!r->ordered || !all || r->n_strata < HLN_EQUITY_SII_MIN)
        return;
    double pop[HLN_STRATA_MAX], val[HLN_STRATA_MAX], se[HLN_STRATA_MAX];
    for (size_t i = 0; i < r->n_strata; i++) {
        pop[i] = (double)row->cells[i].n;
        val[i] = row->cells[i].value;
        /* phe_sii's se from the limits: (upper - lower) / z / 2 */
        se[i] = (row->cells[i].hi - row->cells[i].lo) / HLN_STATS_Z95 / 2;
    }
    row->has_sii =
        hln_equity_sii(r->n_strata, pop, val, se, HLN_STATS_Z95, &row->sii) == 0;
}

static int fill_cell(const hln_bench_result *br, uint64_t x, uint64_t n, hln_equity_cell *c)
{
    hln_stats_interval iv;
    int rc = hln_stats_interval_of(br->kind, (hln_stats_ci)br->ci, x, n, 0.95, &iv);
    if (rc)
        return rc;
    c->counted = true;
    c->x = x;
    c->n = n;
    c->value = (double)x / (double)n;
    c->lo = iv.lo;
    c->hi = iv.hi;
    return 0;
}

int hln_equity_run(hln_store *s, const hln_bench_query *q, const char *dimension, const char *ref,
                   hln_equity_result **out)
{
    if (!s || !q || !q->indicator || !dimension || !out)
        return HLN_EINVAL;
    *out = NULL;
    if (q->indicator->kind > 1) /* gaps and SII need counts: proportions and rates */
        return HLN_EPERM;
    hln_equity_result *r = calloc(1, sizeof *r);
    key *keys = NULL;
    size_t nkeys = 0, kcap = 0;
    int rc = HLN_ENOMEM;
    if (!r)
        return HLN_ENOMEM;
    snprintf(r->dimension, sizeof r->dimension, "%s", dimension);
    if ((rc = hln_equity_strata(q->indicator, dimension, &r->strata, &r->n_strata, &r->ordered)))
        goto fail;
    size_t ref_i = r->ordered ? r->n_strata - 1 : 0;
    if (ref) {
        for (ref_i = 0; ref_i < r->n_strata && strcmp(r->strata[ref_i], ref); ref_i++)
            ;
        if (ref_i == r->n_strata) {
            rc = HLN_EINVAL;
            goto fail;
        }
    }
    snprintf(r->ref, sizeof r->ref, "%s", r->strata[ref_i]);
    if (!(r->per_stratum = calloc(r->n_strata, sizeof *r->per_stratum)) ||
        !(r->pooled.cells = calloc(r->n_strata, sizeof *r->pooled.cells))) {
        rc = HLN_ENOMEM;
        goto fail;
    }
    r->pooled.pooled = true;
    for (size_t i = 0; i < r->n_strata; i++) {
        hln_bench_query sq = *q;
        sq.stratum = r->strata[i];
        if ((rc = hln_bench_run(s, &sq, &r->per_stratum[i])))
            goto fail;
        const hln_bench_result *br = r->per_stratum[i];
        r->kind = br->kind;
        r->multiplier = br->multiplier;
        if (br->has_stats &&
            (rc = fill_cell(br, br->summary.sum_x, br->summary.sum_n, &r->pooled.cells[i])))
            goto fail;
        for (size_t k = 0; k < br->n_units + br->n_suppressed; k++) {
            if (hln_util_grow((void **)&keys, &kcap, nkeys + 1, sizeof *keys)) {
                rc = HLN_ENOMEM;
                goto fail;
            }
            bool su = k >= br->n_units;
            memcpy(keys[nkeys].author,
                   su ? br->suppressed[k - br->n_units].author : br->units[k].author, HLN_KEY_LEN);
            memcpy(keys[nkeys].unit, su ? br->suppressed[k - br->n_units].unit : br->units[k].unit,
                   sizeof keys[nkeys].unit);
            nkeys++;
        }
    }
    if (nkeys > 1)
        qsort(keys, nkeys, sizeof *keys, cmp_keys);
    if (!(r->rows = calloc(nkeys ? nkeys : 1, sizeof *r->rows))) {
        rc = HLN_ENOMEM;
        goto fail;
    }
    for (size_t k = 0; k < nkeys; k++) {
        if (k && !cmp_keys(&keys[k], &keys[k - 1]))
            continue;
        hln_equity_row *row = &r->rows[r->n_rows++];
        memcpy(row->author, keys[k].author, HLN_KEY_LEN);
        memcpy(row->unit, keys[k].unit, sizeof row->unit);
        if (!(row->cells = calloc(r->n_strata, sizeof *row->cells))) {
            rc = HLN_ENOMEM;
            goto fail;
        }
        for (size_t i = 0; i < r->n_strata; i++) {
            const hln_bench_unit *u = find_unit(r->per_stratum[i], &keys[k]);
            if (u) {
                row->cells[i].counted = true;
                row->cells[i].x = u->s.x;
                row->cells[i].n = u->s.n;
                row->cells[i].value = u->s.value;
                row->cells[i].lo = u->s.ci95.lo;
                row->cells[i].hi = u->s.ci95.hi;
            } else {
                row->cells[i].suppressed = find_suppressed(r->per_stratum[i], &keys[k]);
            }
        }
        finish_row(r, ref_i, row);
    }
    finish_row(r, ref_i, &r->pooled);
    free(keys);
    *out = r;
    return 0;
fail:
    free(keys);
    hln_equity_destroy(&r);
    return rc;
}

void hln_equity_destroy(hln_equity_result **rp)
{
    if (!rp || !*rp)
        return;
    hln_equity_result *r = *rp;
    for (size_t i = 0; r->per_stratum && i < r->n_strata; i++)
        hln_bench_result_destroy(&r->per_stratum[i]);
    for (size_t i = 0; i < r->n_rows; i++)
        free(r->rows[i].cells);
    free(r->rows);
    free(r->pooled.cells);
    free(r->per_stratum);
    free(r->strata);
    free(r);
    *rp = NULL;
}

/* ---- writers ---- */

static void jpair(FILE *f, const char *k, double lo, double hi)
{
    fprintf(f, "\"%s\":[", k);
    hln_bench_json_num(f, lo);
    fputc(',', f);
    hln_bench_json_num(f, hi);
    fputc(']', f);
}

static void json_row(const hln_equity_result *r, const hln_equity_row *row, FILE *f)
{
    double m = r->multiplier;
    if (!row->pooled) {
        char text[HLN_ID_TEXT_LEN + 1];
        hln_id_to_text(row->author, text);
        fprintf(f, "{\"author\":\"%s\",\"unit\":", text);
        hln_bench_json_str(f, row->unit);
        fputc(',', f);
    } else {
        fputc('{', f);
    }
    fputs("\"strata\":[", f);
    for (size_t i = 0; i < r->n_strata; i++) {
        const hln_equity_cell *c = &row->cells[i];
        fputs(i ? ",{\"stratum\":" : "{\"stratum\":", f);
        hln_bench_json_str(f, r->strata[i]);
        fprintf(f, ",\"counted\":%s,\"suppressed\":%s", c->counted ? "true" : "false",
                c->suppressed ? "true" : "false");
        if (c->counted) {
            fprintf(f, ",\"numerator\":%llu,\"denominator\":%llu,\"value\":",
                    (unsigned long long)c->x, (unsigned long long)c->n);
            hln_bench_json_num(f, c->value * m);
            fputc(',', f);
            jpair(f, "ci95", c->lo * m, c->hi * m);
        }
        if (c->has_gap) {
            fputs(",\"diff\":", f);
            hln_bench_json_num(f, c->diff * m);
            fputc(',', f);
            jpair(f, "diff_ci95", c->diff_lo * m, c->diff_hi * m);
            fputs(",\"ratio\":", f);
            if (c->has_ratio) {
                hln_bench_json_num(f, c->ratio);
                fputc(',', f);
                jpair(f, "ratio_ci95", c->ratio_lo, c->ratio_hi);
            } else {
                fputs("null,\"ratio_ci95\":null", f);
            }
        }
        fputc('}', f);
    }
    fputs("],\"sii\":", f);
    if (row->has_sii) {
        fputs("{\"value\":", f);
        hln_bench_json_num(f, row->sii.sii * m);
        fputc(',', f);
        jpair(f, "ci95", row->sii.sii_lo * m, row->sii.sii_hi * m);
        fputs(",\"rii\":", f);
        hln_bench_json_num(f, row->sii.rii);
        fputc(',', f);
        jpair(f, "rii_ci95", row->sii.rii_lo, row->sii.rii_hi);
        fputs(",\"intercept\":", f);
        hln_bench_json_num(f, row->sii.intercept * m);
        fputc('}', f);
    } else {
        fputs("null", f);
    }
    fputc('}', f);
}

int hln_equity_write_json(const hln_equity_result *r, FILE *f)
{
    if (!r || !f || !r->n_strata)
        return HLN_EINVAL;
    const hln_bench_result *b0 = r->per_stratum[0];
    fprintf(f, "{\"engine\":\"%s\",\"query\":{\"indicator\":", HLN_BENCH_VERSION);
    hln_bench_json_str(f, b0->indicator);
    fputs(",\"period\":", f);
    hln_bench_json_str(f, b0->period);
    fputs(",\"group\":", f);
    hln_bench_json_str(f, b0->group);
    fputs(",\"by\":", f);
    hln_bench_json_str(f, r->dimension);
    fputs(",\"reference\":", f);
    hln_bench_json_str(f, r->ref);
    fprintf(f, ",\"method\":\"%s\"},\"kind\":\"%s\",\"multiplier\":%u,\"ordered\":%s,",
            hln_bench_method_name(b0->method), hln_bench_kind_name(r->kind), r->multiplier,
            r->ordered ? "true" : "false");
    fputs("\"strata\":[", f);
    for (size_t i = 0; i < r->n_strata; i++) {
        const hln_bench_result *b = r->per_stratum[i];
        char hex[2 * HLN_HASH_LEN + 1];
        hln_hex(b->digest, HLN_HASH_LEN, hex);
        fputs(i ? ",{\"stratum\":" : "{\"stratum\":", f);
        hln_bench_json_str(f, r->strata[i]);
        fprintf(f, ",\"digest\":\"%s\",\"units\":%zu,\"suppressed\":%zu}", hex, b->n_units,
                b->n_suppressed);
    }
    fputs("],\"pooled\":", f);
    json_row(r, &r->pooled, f);
    fputs(",\"units\":[", f);
    for (size_t i = 0; i < r->n_rows; i++) {
        if (i)
            fputc(',', f);
        json_row(r, &r->rows[i], f);
    }
    fputs("]}\n", f);
    return ferror(f) ? HLN_EIO : 0;
}

static void cnum(FILE *f, bool have, double v)
{
    fputc(',', f);
    if (have && isfinite(v))
        fprintf(f, "%.17g", v == 0 ? 0.0 : v);
}

static void csv_row(const hln_equity_result *r, const hln_equity_row *row, FILE *f)
{
    double m = r->multiplier;
    char text[HLN_ID_TEXT_LEN + 1] = "pooled";
    if (!row->pooled)
        hln_id_to_text(row->author, text);
    for (size_t i = 0; i < r->n_strata; i++) {
        const hln_equity_cell *c = &row->cells[i];
        fprintf(f, "%s,\"%s\",%s,%d,%d", text, row->pooled ? "" : row->unit, r->strata[i],
                !strcmp(r->strata[i], r->ref), c->suppressed ? 1 : 0);
        fputc(',', f);
        if (c->counted)
            fprintf(f, "%llu", (unsigned long long)c->x);
        fputc(',', f);
        if (c->counted)
            fprintf(f, "%llu", (unsigned long long)c->n);
        cnum(f, c->counted, c->value * m);
        cnum(f, c->counted, c->lo * m);
        cnum(f, c->counted, c->hi * m);
        cnum(f, c->has_gap, c->diff * m);
        cnum(f, c->has_gap, c->diff_lo * m);
        cnum(f, c->has_gap, c->diff_hi * m);
        cnum(f, c->has_ratio, c->ratio);
        cnum(f, c->has_ratio, c->ratio_lo);
        cnum(f, c->has_ratio, c->ratio_hi);
        cnum(f, row->has_sii, row->sii.sii * m);
        cnum(f, row->has_sii, row->sii.sii_lo * m);
        cnum(f, row->has_sii, row->sii.sii_hi * m);
        cnum(f, row->has_sii, row->sii.rii);
        cnum(f, row->has_sii, row->sii.rii_lo);
        cnum(f, row->has_sii, row->sii.rii_hi);
        fputc('\n', f);
    }
}

int hln_equity_write_csv(const hln_equity_result *r, FILE *f)
{
    if (!r || !f)
        return HLN_EINVAL;
    fputs("author,unit,stratum,reference,suppressed,numerator,denominator,value,ci95_lo,ci95_hi,"
          "diff,diff_lo,diff_hi,ratio,ratio_lo,ratio_hi,sii,sii_lo,sii_hi,rii,rii_lo,rii_hi\n",
          f);
    csv_row(r, &r->pooled, f);
    for (size_t i = 0; i < r->n_rows; i++)
        csv_row(r, &r->rows[i], f);
    return ferror(f) ? HLN_EIO : 0;
}

/* Percentages with 1 decimal (differences in percentage points), rates to 3 significant digits. */
static void fmt(const hln_equity_result *r, char *buf, size_t cap, double v, bool diff)
{
    if (!isfinite(v)) {
        snprintf(buf, cap, "-");
    } else if (r->kind == KIND_RATE) {
        snprintf(buf, cap, "%.3g", v * r->multiplier);
    } else {
        snprintf(buf, cap, diff ? "%+.1f pp" : "%.1f%%", v * 100);
    }
}

static void table_row(const hln_equity_result *r, const hln_equity_row *row, const uint8_t *own,
                      FILE *f)
{
    char a[48], b[48], c[48];
    if (row->pooled) {
        fputs("pooled (the group)\n", f);
    } else {
        char sid[HLN_ID_SHORT_LEN + 1], unit[24];
        hln_id_short(row->author, sid);
        hln_util_sanitize(unit, sizeof unit, row->unit[0] ? row->unit : "(node)", SIZE_MAX,
                          SIZE_MAX);
        fprintf(f, "%c %s %s\n", own && !memcmp(own, row->author, HLN_KEY_LEN) ? '*' : ' ', sid,
                unit);
    }
    for (size_t i = 0; i < r->n_strata; i++) {
        const hln_equity_cell *x = &row->cells[i];
        char name[HLN_CODE_MAX + 1];
        hln_util_sanitize(name, sizeof name, r->strata[i], SIZE_MAX, SIZE_MAX);
        if (!x->counted) {
            fprintf(f, "    %-22s %s\n", name, x->suppressed ? "suppressed" : "-");
            continue;
        }
        char cnt[48], line[320];
        snprintf(cnt, sizeof cnt, "%llu/%llu", (unsigned long long)x->x, (unsigned long long)x->n);
        fmt(r, a, sizeof a, x->value, false);
        fmt(r, b, sizeof b, x->lo, false);
        fmt(r, c, sizeof c, x->hi, false);
        snprintf(line, sizeof line, "    %-22s %12s %8s (%s - %s)", name, cnt, a, b, c);
        fputs(line, f);
        if (!strcmp(r->strata[i], r->ref)) {
            fputs("  reference", f);
        } else if (x->has_gap) {
            fmt(r, a, sizeof a, x->diff, true);
            fmt(r, b, sizeof b, x->diff_lo, true);
            fmt(r, c, sizeof c, x->diff_hi, true);
            fprintf(f, "  gap %s (%s to %s)", a, b, c);
            if (x->has_ratio)
                fprintf(f, "  ratio %.2f (%.2f - %.2f)", x->ratio, x->ratio_lo, x->ratio_hi);
        }
        fputc('\n', f);
    }
    if (row->has_sii) {
        fmt(r, a, sizeof a, row->sii.sii, true);
        fmt(r, b, sizeof b, row->sii.sii_lo, true);
        fmt(r, c, sizeof c, row->sii.sii_hi, true);
        fprintf(f, "    SII %s (%s to %s)  RII %.3f (%.3f - %.3f)\n", a, b, c, row->sii.rii,
                row->sii.rii_lo, row->sii.rii_hi);
    }
}

int hln_equity_write_table(const hln_equity_result *r, const uint8_t *own, FILE *f)
{
    if (!r || !f || !r->n_strata)
        return HLN_EINVAL;
    const hln_bench_result *b0 = r->per_stratum[0];
    char name[HLN_CODE_MAX + 1], ref[HLN_CODE_MAX + 1];
    hln_util_sanitize(name, sizeof name, b0->indicator, SIZE_MAX, SIZE_MAX);
    hln_util_sanitize(ref, sizeof ref, r->ref, SIZE_MAX, SIZE_MAX);
    fprintf(f, "%s  %s  group %s  by %s  reference %s", name, b0->period, b0->group, r->dimension,
            ref);
    if (r->kind == KIND_RATE)
        fprintf(f, "  per %u", r->multiplier);
    fputc('\n', f);
    table_row(r, &r->pooled, own, f);
    for (size_t i = 0; i < r->n_rows; i++)
        table_row(r, &r->rows[i], own, f);
    if (!r->ordered)
        fputs("SII/RII: not computed (the strata are not ordered)\n", f);
    else if (r->n_strata < HLN_EQUITY_SII_MIN)
        fprintf(f, "SII/RII: not computed (%zu strata, fewer than %d)\n", r->n_strata,
                HLN_EQUITY_SII_MIN);
    for (size_t i = 0; i < r->n_strata; i++) {
        char hex[2 * HLN_HASH_LEN + 1];
        hln_hex(r->per_stratum[i]->digest, HLN_HASH_LEN, hex);
        hln_util_sanitize(name, sizeof name, r->strata[i], SIZE_MAX, SIZE_MAX);
        fprintf(f, "evidence %s %s\n", name, hex);
    }
    return ferror(f) ? HLN_EIO : 0;
}
