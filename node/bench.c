/* bench.c - benchmark queries over the observation index, evidence digest, writers, trends. */
#include "node/util.h"
#include "node/bench.h"
#include "node/periods.h"
#include "node/bench_dsr.h"
#include "node/bench_mean.h"
#include "node/bench_isr.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"
#include "crypto/err.h"

#define KIND_RATE 1u

const char *hln_bench_kind_name(uint32_t kind)
{
    return kind == KIND_RATE       ? "rate"
           : kind == HLN_KIND_DSR  ? "dsr"
           : kind == HLN_KIND_MEAN ? "mean"
           : kind == HLN_KIND_ISR  ? "isr"
                                   : "proportion";
}
const char *hln_bench_direction_name(uint32_t d)
{
    return d == 1 ? "lower" : "higher";
}
const char *hln_bench_method_name(uint32_t m)
{
    return m == 1 ? "wilson" : "exact";
}

const char *hln_bench_judgement_name(int j)
{
    return j > 0 ? "better" : j < 0 ? "worse" : "as-expected";
}

/* ---- the walk ---- */

typedef struct {
    const hln_bench_query *q;
    const char *stratum;
    hln_bench_result *r;
    size_t cap_units, cap_supp;
    /* the (author, unit) run being read */
    bool in_run;
    uint8_t author[HLN_KEY_LEN];
    char unit[HLN_CODE_MAX + 1];
    bool have_best;
    uint8_t best_id[HLN_HASH_LEN];
    uint64_t best_x, best_n, best_ts;
    bool best_suppressed;
    /* the group and exclusion verdicts of the last author asked about */
    bool verdict_valid;
    uint8_t verdict_author[HLN_KEY_LEN];
    bool verdict_in, verdict_excluded;
} walk_ctx;

/* Close the current (author, unit) run: its latest non-retracted
 * observation counts, is reported suppressed, or is left out. */
static int flush_run(walk_ctx *w)
{
    hln_bench_result *r = w->r;
    if (!w->in_run || !w->have_best)
        return 0;
    w->in_run = w->have_best = false;
    /* Callbacks are asked once per author run, not per entry: the index
     * holds an author's units side by side. */
    if (!w->verdict_valid || memcmp(w->verdict_author, w->author, HLN_KEY_LEN) != 0) {
        memcpy(w->verdict_author, w->author, HLN_KEY_LEN);
        w->verdict_in = !w->q->in_group || w->q->in_group(w->q->group_ctx, w->author);
        w->verdict_excluded = w->q->excluded && w->q->excluded(w->q->excluded_ctx, w->author);
        w->verdict_valid = true;
    }
    if (!w->verdict_in) {
        r->n_outside_group++;
        return 0;
    }
    if (w->verdict_excluded) {
        r->n_excluded++;
        return 0;
    }
    if (w->best_suppressed) {
        if (hln_util_grow((void **)&r->suppressed, &w->cap_supp, r->n_suppressed + 1,
                     sizeof *r->suppressed))
            return HLN_ENOMEM;
        hln_bench_suppressed *s = &r->suppressed[r->n_suppressed++];
        memcpy(s->author, w->author, HLN_KEY_LEN);
        memcpy(s->unit, w->unit, sizeof s->unit);
        memcpy(s->id, w->best_id, HLN_HASH_LEN);
        return 0;
    }
    if (w->best_n == 0) {
        r->n_empty++;
        return 0;
    }
    if (r->kind == 0 && w->best_x > w->best_n) {
        r->n_invalid++;
        return 0;
    }
    if (hln_util_grow((void **)&r->units, &w->cap_units, r->n_units + 1, sizeof *r->units))
        return HLN_ENOMEM;
    hln_bench_unit *u = &r->units[r->n_units++];
    memset(u, 0, sizeof *u);
    memcpy(u->author, w->author, HLN_KEY_LEN);
    memcpy(u->unit, w->unit, sizeof u->unit);
    memcpy(u->id, w->best_id, HLN_HASH_LEN);
    u->timestamp_ms = w->best_ts;
    u->s.x = w->best_x;
    u->s.n = w->best_n;
    u->parts = 1;
    return 0;
}

static int walk_cb(void *ctx, const hln_obs_entry *e)
{
    walk_ctx *w = ctx;
    if (strcmp(e->stratum, w->stratum) != 0 || strcmp(e->period, w->q->period) != 0)
        return 0;
    size_t ulen = strlen(e->unit);
    if (ulen > HLN_CODE_MAX)
        return HLN_ESTORE;
    if (!w->in_run || memcmp(w->author, e->author, HLN_KEY_LEN) != 0 ||
        strcmp(w->unit, e->unit) != 0) {
        int rc = flush_run(w);
        if (rc)
            return rc;
        w->in_run = true;
        memcpy(w->author, e->author, HLN_KEY_LEN);
        memcpy(w->unit, e->unit, ulen + 1);
    }
    if (e->retracted) {
        w->r->n_retracted++;
        return 0;
    }
    /* entries of a run come oldest first: the last one standing is the latest */
    if (w->have_best)
        w->r->n_superseded++;
    w->have_best = true;
    memcpy(w->best_id, e->id, HLN_HASH_LEN);
    w->best_x = e->numerator;
    w->best_n = e->denominator;
    w->best_ts = e->timestamp_ms;
    w->best_suppressed = e->suppressed;
    return 0;
}

static int cmp_author_unit(const uint8_t *a1, const char *u1, const uint8_t *a2, const char *u2)
{
    int c = memcmp(a1, a2, HLN_KEY_LEN);
    return c ? c : strcmp(u1, u2);
}

static int cmp_unit(const void *a, const void *b)
{
    const hln_bench_unit *x = a, *y = b;
    return cmp_author_unit(x->author, x->unit, y->author, y->unit);
}

static int cmp_supp(const void *a, const void *b)
{
    const hln_bench_suppressed *x = a, *y = b;
    return cmp_author_unit(x->author, x->unit, y->author, y->unit);
}

static int cmp_id(const void *a, const void *b)
{
    return memcmp(a, b, HLN_HASH_LEN);
}

static void put_field(hln_hash_state *st, const char *s)
{
    size_t len = strlen(s);
    uint8_t be[4] = {(uint8_t)(len >> 24), (uint8_t)(len >> 16), (uint8_t)(len >> 8), (uint8_t)len};
    hln_hash_update(st, be, 4);
    hln_hash_update(st, s, len);
}

static void put_ids(hln_hash_state *st, uint8_t (*ids)[HLN_HASH_LEN], size_t n)
{
    uint8_t be[8];
    for (int i = 0; i < 8; i++)
        be[i] = (uint8_t)((uint64_t)n >> (56 - 8 * i));
    hln_hash_update(st, be, 8);
    if (n)
        qsort(ids, n, HLN_HASH_LEN, cmp_id);
    for (size_t i = 0; i < n; i++)
        hln_hash_update(st, ids[i], HLN_HASH_LEN);
}

void hln_bench_digest(const char *indicator, const char *period, const char *group,
                      const char *stratum, const char *method, uint8_t (*counted)[HLN_HASH_LEN],
                      size_t n_counted, uint8_t (*suppressed)[HLN_HASH_LEN], size_t n_suppressed,
                      uint8_t out[HLN_HASH_LEN])
{
    hln_hash_state st;
    hln_hash_init(&st);
    put_field(&st, HLN_BENCH_VERSION);
    put_field(&st, indicator);
    put_field(&st, period);
    put_field(&st, group);
    put_field(&st, stratum);
    put_field(&st, method);
    put_ids(&st, counted, n_counted);
    put_ids(&st, suppressed, n_suppressed);
    hln_hash_final(&st, out);
}

static int compute_digest(hln_bench_result *r)
{
    if (r->used_ids) { /* added up from finer periods: every record used */
        hln_bench_digest(r->indicator, r->period, r->group, r->stratum,
                         hln_bench_method_name(r->method), r->used_ids, r->n_used_counted,
                         r->used_ids + r->n_used_counted, r->n_used_suppressed, r->digest);
        return 0;
    }
    size_t n = r->n_units + r->n_suppressed;
    uint8_t(*ids)[HLN_HASH_LEN] = malloc((n ? n : 1) * HLN_HASH_LEN);
    if (!ids)
        return HLN_ENOMEM;
    for (size_t i = 0; i < r->n_units; i++)
        memcpy(ids[i], r->units[i].id, HLN_HASH_LEN);
    for (size_t i = 0; i < r->n_suppressed; i++)
        memcpy(ids[r->n_units + i], r->suppressed[i].id, HLN_HASH_LEN);
    hln_bench_digest(r->indicator, r->period, r->group, r->stratum,
                     hln_bench_method_name(r->method), ids, r->n_units, ids + r->n_units,
                     r->n_suppressed, r->digest);
    free(ids);
    return 0;
}

static int copy_str(char *dst, size_t cap, const char *src)
{
    size_t len = strlen(src);
    if (len >= cap)
        return HLN_EINVAL;
    memcpy(dst, src, len + 1);
    return 0;
}

/* One organization, two keys (a rotation): a unit it reported under the old
 * key and again under a key that succeeded it (up the chain) counts once,
 * as the later key's observation. Units are sorted by (author, unit). */
static void merge_rotated(const hln_bench_query *q, hln_bench_result *r)
{
    size_t kept = 0;
    for (size_t i = 0; i < r->n_units; i++) {
        hln_bench_unit *u = &r->units[i];
        bool newer = false;
        uint8_t k[HLN_KEY_LEN], next[HLN_KEY_LEN];
        memcpy(k, u->author, HLN_KEY_LEN);
        for (int step = 0; step < 16 && !newer && q->successor(q->successor_ctx, k, next); step++) {
            hln_bench_unit probe;
            memcpy(probe.author, next, HLN_KEY_LEN);
            memcpy(probe.unit, u->unit, sizeof probe.unit);
            newer = bsearch(&probe, r->units, r->n_units, sizeof *r->units, cmp_unit) != NULL;
            memcpy(k, next, HLN_KEY_LEN);
        }
        if (newer)
            r->n_superseded++;
        else
            r->units[kept++] = *u;
    }
    r->n_units = kept;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* The distribution of a dsr's, isr's or mean's unit values (type 7, as for
 * the other kinds) for trends; such kinds have no ABC (NaN: null). */
static int kind_distribution(hln_bench_result *r)
{
    hln_stats_summary *sm = &r->summary;
    sm->abc = NAN;
    if (!r->has_stats || r->n_units == 0)
        return 0;
    double *v = malloc(r->n_units * sizeof *v);
    if (!v)
        return HLN_ENOMEM;
    for (size_t i = 0; i < r->n_units; i++)
        v[i] = r->units[i].s.value;
    qsort(v, r->n_units, sizeof *v, cmp_double);
    sm->min = v[0];
    sm->max = v[r->n_units - 1];
    sm->q1 = hln_stats_quantile7(v, r->n_units, 0.25);
    sm->median = hln_stats_quantile7(v, r->n_units, 0.5);
    sm->q3 = hln_stats_quantile7(v, r->n_units, 0.75);
    free(v);
    return 0;
}

int hln_bench_run(hln_store *s, const hln_bench_query *q, hln_bench_result **out)
{
    hln_bench_result *r = NULL;
    hln_stats_unit *su = NULL;
    int rc = HLN_EINVAL;
    if (!s || !q || !out || !q->indicator || !q->period || q->method < -1 || q->method > 1 ||
        q->ci > HLN_CI_CLOPPER_PEARSON || q->indicator->kind > HLN_KIND_ISR ||
        q->indicator->direction > 1 || q->indicator->method > 1)
        return HLN_EINVAL;
    *out = NULL;
    if (!(r = calloc(1, sizeof *r)))
        return HLN_ENOMEM;
    const char *stratum = q->stratum ? q->stratum : "";
    if ((rc = copy_str(r->indicator, sizeof r->indicator, q->indicator->code)) ||
        (rc = copy_str(r->period, sizeof r->period, q->period)) ||
        (rc = copy_str(r->group, sizeof r->group, q->group ? q->group : "all")) ||
        (rc = copy_str(r->stratum, sizeof r->stratum, stratum)))
        goto out;
    r->kind = q->indicator->kind;
    r->direction = q->indicator->direction;
    r->multiplier = r->kind != 0 && q->indicator->multiplier ? q->indicator->multiplier : 1;
    snprintf(r->standard, sizeof r->standard, "%s", q->indicator->standard);
    r->method = q->method >= 0 ? (uint32_t)q->method : q->indicator->method;
    r->ci = q->ci;

    walk_ctx w = {.q = q, .stratum = stratum, .r = r};
    if (hln_periods_applies(q)) { /* node/periods.c: a quarter or year may add up */
        if ((rc = hln_periods_collect(s, q, stratum, r)))
            goto out;
    } else if ((rc = hln_store_foreach_obs(s, r->indicator, r->period, stratum, walk_cb, &w)) ||
               (rc = flush_run(&w))) {
        goto out;
    }
    /* A stable order whatever the store's key encoding. */
    if (r->n_units > 1)
        qsort(r->units, r->n_units, sizeof *r->units, cmp_unit);
    if (q->successor && r->n_units > 1)
        merge_rotated(q, r);
    if (r->n_suppressed > 1)
        qsort(r->suppressed, r->n_suppressed, sizeof *r->suppressed, cmp_supp);
    if (r->kind == HLN_KIND_DSR) { /* node/bench_dsr.c: DSRs from signed statistics */
        if ((rc = hln_bench_dsr_fill(s, r)))
            goto out;
    } else if (r->kind == HLN_KIND_MEAN) { /* node/bench_mean.c */
        if ((rc = hln_bench_mean_fill(s, r)))
            goto out;
    } else if (r->kind == HLN_KIND_ISR) { /* node/bench_isr.c: observed / expected */
        if ((rc = hln_bench_isr_fill(r)))
            goto out;
    }
    if (r->kind >= HLN_KIND_DSR) {
        if ((rc = kind_distribution(r)))
            goto out;
    } else if (r->n_units) {
        if (!(su = malloc(r->n_units * sizeof *su))) {
            rc = HLN_ENOMEM;
            goto out;
        }
        for (size_t i = 0; i < r->n_units; i++)
            su[i] = r->units[i].s;
        hln_stats_spec spec = {r->kind, r->direction, r->method, r->ci};
        if ((rc = hln_stats_analyse(&spec, su, r->n_units, &r->summary)))
            goto out;
        for (size_t i = 0; i < r->n_units; i++)
            r->units[i].s = su[i];
        r->has_stats = true;
    } else {
        r->summary.method_used = r->kind == KIND_RATE ? 0 : r->method;
    }
    if ((rc = compute_digest(r)))
        goto out;
    *out = r;
    r = NULL;
out:
    free(su);
    hln_bench_result_destroy(&r);
    return rc;
}

void hln_bench_result_destroy(hln_bench_result **r)
{
    if (!r || !*r)
        return;
    free((*r)->units);
    free((*r)->suppressed);
    free((*r)->incomplete);
    free((*r)->used_ids);
    free(*r);
    *r = NULL;
}

/* ---- JSON ---- */

void hln_bench_json_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\')
            fprintf(f, "\\%c", *p);
        else if (*p < 0x20 || *p == 0x7f)
            fprintf(f, "\\u%04x", *p);
        else
            fputc(*p, f);
    }
    fputc('"', f);
}

/* 17 significant digits round-trip a double: equal figures, equal bytes. */
void hln_bench_json_num(FILE *f, double v)
{
    if (!isfinite(v))
        fputs("null", f);
    else
        fprintf(f, "%.17g", v == 0 ? 0.0 : v); /* no "-0" */
}

static void json_key_num(FILE *f, const char *k, double v, bool comma)
{
    fprintf(f, "\"%s\":", k);
    hln_bench_json_num(f, v);
    if (comma)
        fputc(',', f);
}

void hln_bench_json_limits(FILE *f, const char *k, const hln_stats_limits *l, double m)
{
    fprintf(f, "\"%s\":{", k);
    json_key_num(f, "lo998", l->lo998 * m, true);
    json_key_num(f, "lo95", l->lo95 * m, true);
    json_key_num(f, "hi95", l->hi95 * m, true);
    json_key_num(f, "hi998", l->hi998 * m, false);
    fputc('}', f);
}

static void json_hex(FILE *f, const char *k, const uint8_t *b, size_t n)
{
    char hex[2 * HLN_HASH_LEN + 1];
    hln_hex(b, n, hex);
    fprintf(f, "\"%s\":\"%s\"", k, hex);
}

static void json_author(FILE *f, const uint8_t *pk)
{
    char text[HLN_ID_TEXT_LEN + 1];
    hln_id_to_text(pk, text);
    fprintf(f, "\"author\":\"%s\"", text);
}

void hln_bench_json_suppressed(FILE *f, const hln_bench_result *r)
{
    fputs(",\"suppressed\":[", f);
    for (size_t i = 0; i < r->n_suppressed; i++) {
        const hln_bench_suppressed *u = &r->suppressed[i];
        fputs(i ? ",{" : "{", f);
        json_author(f, u->author);
        fputs(",\"unit\":", f);
        hln_bench_json_str(f, u->unit);
        fputc(',', f);
        json_hex(f, "record", u->id, HLN_HASH_LEN);
        fputc('}', f);
    }
    fputc(']', f);
}

double hln_bench_gap_to_abc(const hln_bench_result *r, double value)
{
    return r->direction == 1 ? value - r->summary.abc : r->summary.abc - value;
}

/* The head of the result: engine, digest, the query as run, what kind of
 * indicator, and what was counted and left out. */
static void json_head(const hln_bench_result *r, FILE *f)
{
    fprintf(f, "{\"engine\":\"%s\",", HLN_BENCH_VERSION);
    json_hex(f, "digest", r->digest, HLN_HASH_LEN);
    fputs(",\"query\":{\"indicator\":", f);
    hln_bench_json_str(f, r->indicator);
    fputs(",\"period\":", f);
    hln_bench_json_str(f, r->period);
    fputs(",\"group\":", f);
    hln_bench_json_str(f, r->group);
    fputs(",\"stratum\":", f);
    hln_bench_json_str(f, r->stratum);
    fprintf(f, ",\"method\":\"%s\",\"interval\":\"%s\"},", hln_bench_method_name(r->method),
            r->kind == KIND_RATE              ? "poisson-byar"
            : r->ci == HLN_CI_CLOPPER_PEARSON ? "clopper-pearson"
                                              : "wilson");
    fprintf(f, "\"kind\":\"%s\",\"direction\":\"%s\",\"multiplier\":%u,\"method_used\":\"%s\",",
            hln_bench_kind_name(r->kind), hln_bench_direction_name(r->direction), r->multiplier,
            hln_bench_method_name(r->summary.method_used));
    fprintf(f,
            "\"counts\":{\"units\":%zu,\"suppressed\":%zu,\"excluded\":%zu,\"outside_group\":%zu,"
            "\"retracted\":%zu,\"superseded\":%zu,\"empty\":%zu,\"invalid\":%zu,"
            "\"incomplete\":%zu},",
            r->n_units, r->n_suppressed, r->n_excluded, r->n_outside_group, r->n_retracted,
            r->n_superseded, r->n_empty, r->n_invalid, r->n_incomplete);
}

/* The group's figures: pooled value, distribution, ABC, overdispersion
 * (each null when no unit counted). */
static void json_summary(const hln_bench_result *r, FILE *f)
{
    const hln_stats_summary *s = &r->summary;
    double m = r->multiplier;
    if (!r->has_stats) {
        fputs("\"pooled\":null,\"distribution\":null,\"abc\":null,\"overdispersion\":null,", f);
        return;
    }
    fprintf(f, "\"pooled\":{\"numerator\":%llu,\"denominator\":%llu,",
            (unsigned long long)s->sum_x, (unsigned long long)s->sum_n);
    json_key_num(f, "value", s->theta0 * m, false);
    fputs("},\"distribution\":{", f);
    json_key_num(f, "min", s->min * m, true);
    json_key_num(f, "q1", s->q1 * m, true);
    json_key_num(f, "median", s->median * m, true);
    json_key_num(f, "q3", s->q3 * m, true);
    json_key_num(f, "max", s->max * m, false);
    fputs("},\"abc\":{", f);
    json_key_num(f, "value", s->abc * m, true);
    fprintf(f, "\"units\":%zu,\"numerator\":%llu,\"denominator\":%llu},", s->abc_units,
            (unsigned long long)s->abc_x, (unsigned long long)s->abc_n);
    fprintf(f, "\"overdispersion\":{\"present\":%s,", s->overdispersed ? "true" : "false");
    json_key_num(f, "phi", s->phi, true);
    json_key_num(f, "chi2", s->chi2, true);
    json_key_num(f, "df", s->df, true);
    json_key_num(f, "p_value", s->p_value, true);
    json_key_num(f, "tau2", s->tau2, true);
    json_key_num(f, "z_lo", s->z_lo, true);
    json_key_num(f, "z_hi", s->z_hi, true);
    fprintf(f, "\"min_units\":%d,\"too_few_units\":%s,", HLN_STATS_OD_MIN_UNITS,
            s->od_too_few ? "true" : "false");
    fprintf(f, "\"places_against\":\"%s\"},", s->overdispersed ? "adjusted" : "funnel");
}

/* One counted unit as a JSON object (values multiplied by m). */
static void json_unit(const hln_bench_result *r, const hln_bench_unit *u, double m, FILE *f)
{
    const hln_stats_unit *v = &u->s;
    fputc('{', f);
    json_author(f, u->author);
    fputs(",\"unit\":", f);
    hln_bench_json_str(f, u->unit);
    fputc(',', f);
    json_hex(f, "record", u->id, HLN_HASH_LEN);
    fprintf(f, ",\"parts\":%u,\"numerator\":%llu,\"denominator\":%llu,", u->parts,
            (unsigned long long)v->x, (unsigned long long)v->n);
    json_key_num(f, "value", v->value * m, true);
    fputs("\"ci95\":[", f);
    hln_bench_json_num(f, v->ci95.lo * m);
    fputc(',', f);
    hln_bench_json_num(f, v->ci95.hi * m);
    fputs("],\"ci998\":[", f);
    hln_bench_json_num(f, v->ci998.lo * m);
    fputc(',', f);
    hln_bench_json_num(f, v->ci998.hi * m);
    fputs("],", f);
    json_key_num(f, "z", v->z, true);
    json_key_num(f, "z_winsorised", v->z_w, true);
    json_key_num(f, "apf", v->apf, true);
    fprintf(f, "\"in_abc\":%s,", v->in_abc ? "true" : "false");
    json_key_num(f, "gap_to_abc", hln_bench_gap_to_abc(r, v->value) * m, true);
    hln_bench_json_limits(f, "limits", &v->limits, m);
    fputc(',', f);
    hln_bench_json_limits(f, "adjusted_limits", &v->adjusted, m);
    fprintf(f,
            ",\"place\":\"%s\",\"place_adjusted\":\"%s\",\"place_used\":\"%s\",\"compared\":\"%"
            "s\"}",
            hln_stats_place_name(v->place), hln_stats_place_name(v->place_adjusted),
            hln_stats_place_name(v->place_used), hln_bench_judgement_name(v->judgement));
}

int hln_bench_write_json(const hln_bench_result *r, FILE *f)
{
    if (!r || !f)
        return HLN_EINVAL;
    if (r->kind == HLN_KIND_DSR)
        return hln_bench_dsr_write_json(r, f);
    if (r->kind == HLN_KIND_MEAN)
        return hln_bench_mean_write_json(r, f);
    if (r->kind == HLN_KIND_ISR)
        return hln_bench_isr_write_json(r, f);
    json_head(r, f);
    json_summary(r, f);
    fputs("\"units\":[", f);
    for (size_t i = 0; i < r->n_units; i++) {
        if (i)
            fputc(',', f);
        json_unit(r, &r->units[i], r->multiplier, f);
    }
    fputc(']', f);
    hln_bench_json_suppressed(f, r);
    fputs(",\"incomplete\":[", f);
    for (size_t i = 0; i < r->n_incomplete; i++) {
        const hln_bench_incomplete *u = &r->incomplete[i];
        fputs(i ? ",{" : "{", f);
        json_author(f, u->author);
        fputs(",\"unit\":", f);
        hln_bench_json_str(f, u->unit);
        fprintf(f, ",\"months\":%u,\"of\":%u}", u->have, u->need);
    }
    fputs("]}\n", f);
    return ferror(f) ? HLN_EIO : 0;
}

/* ---- tables for people ---- */

/* The rule is in bench.h: integers from 100 up, three significant digits below. */
void hln_bench_sig3(char *buf, size_t cap, double v)
{
    if (v == 0 || !isfinite(v)) {
        snprintf(buf, cap, "%s", v == 0 ? "0" : "-");
        return;
    }
    double a = fabs(v);
    if (a >= 100) {
        snprintf(buf, cap, "%.0f", round(v));
        return;
    }
    int dec = 2 - (int)floor(log10(a));
    if (round(a * pow(10, dec)) >= 1000)
        dec--; /* rounds up into the next decade: still three digits */
    snprintf(buf, cap, "%.*f", dec, dec > 0 ? v : round(v));
}

/* Rates are scaled by the multiplier (1 when none was set). */
static double rate_scale(const hln_bench_result *r)
{
    return r->multiplier ? r->multiplier : 1;
}

void hln_bench_format_value(const hln_bench_result *r, char *buf, size_t cap, double v)
{
    if (r->kind == KIND_RATE)
        hln_bench_sig3(buf, cap, v * rate_scale(r));
    else
        snprintf(buf, cap, "%.1f%%", v * 100);
}

void hln_bench_format_gap(const hln_bench_result *r, char *buf, size_t cap, double g)
{
    if (r->kind == KIND_RATE) {
        char tmp[48];
        hln_bench_sig3(tmp, sizeof tmp, g * rate_scale(r));
        snprintf(buf, cap, "%s%s", g > 0 ? "+" : "", tmp);
    } else {
        snprintf(buf, cap, "%+.1f pp", g * 100);
    }
}

int hln_bench_write_table(const hln_bench_result *r, const uint8_t *own, FILE *f)
{
    if (!r || !f)
        return HLN_EINVAL;
    if (r->kind == HLN_KIND_DSR)
        return hln_bench_dsr_write_table(r, own, f);
    if (r->kind == HLN_KIND_MEAN)
        return hln_bench_mean_write_table(r, own, f);
    if (r->kind == HLN_KIND_ISR)
        return hln_bench_isr_write_table(r, own, f);
    const hln_stats_summary *s = &r->summary;
    char a[64], b[64], c[64], d[64], e[64], name[HLN_CODE_MAX + 1];
    hln_util_sanitize(name, sizeof name, r->indicator, SIZE_MAX, SIZE_MAX);
    fprintf(f, "%s  %s  group %s  stratum %s  %s limits", name, r->period, r->group,
            r->stratum[0] ? r->stratum : "total", hln_bench_method_name(s->method_used));
    if (r->kind == KIND_RATE)
        fprintf(f, "  per %u", r->multiplier);
    fprintf(f, "  (%s is better)\n", hln_bench_direction_name(r->direction));
    if (!r->has_stats) {
        fprintf(f, "no unit counted (%zu suppressed, %zu excluded, %zu outside the group)\n",
                r->n_suppressed, r->n_excluded, r->n_outside_group);
        char hex[2 * HLN_HASH_LEN + 1];
        hln_hex(r->digest, HLN_HASH_LEN, hex);
        fprintf(f, "evidence %s\n", hex);
        return ferror(f) ? HLN_EIO : 0;
    }
    fprintf(f, "  %-7s %-20s %10s %10s  %-21s %-10s %-11s %s\n", "author", "unit", "count", "value",
            "95% interval", "place", "compared", "gap to ABC");
    for (size_t i = 0; i < r->n_units; i++) {
        const hln_bench_unit *u = &r->units[i];
        const hln_stats_unit *v = &u->s;
        char sid[HLN_ID_SHORT_LEN + 1], unit[24], iv[160], cnt[48];
        hln_id_short(u->author, sid);
        hln_util_sanitize(unit, sizeof unit, u->unit[0] ? u->unit : "(node)", SIZE_MAX, SIZE_MAX);
        hln_bench_format_value(r, a, sizeof a, v->value);
        hln_bench_format_value(r, b, sizeof b, v->ci95.lo);
        hln_bench_format_value(r, c, sizeof c, v->ci95.hi);
        snprintf(iv, sizeof iv, "%s - %s", b, c);
        hln_bench_format_gap(r, d, sizeof d, hln_bench_gap_to_abc(r, v->value));
        snprintf(cnt, sizeof cnt, "%llu/%llu", (unsigned long long)v->x, (unsigned long long)v->n);
        fprintf(f, "%c %-7s %-20s %10s %10s  %-21s %-10s %-11s %s%s\n",
                own && !memcmp(own, u->author, HLN_KEY_LEN) ? '*' : ' ', sid, unit, cnt, a, iv,
                hln_stats_place_name(v->place_used), hln_bench_judgement_name(v->judgement), d,
                v->in_abc ? "  (ABC)" : "");
    }
    for (size_t i = 0; i < r->n_suppressed; i++) {
        char sid[HLN_ID_SHORT_LEN + 1], unit[24];
        hln_id_short(r->suppressed[i].author, sid);
        hln_util_sanitize(unit, sizeof unit, r->suppressed[i].unit[0] ? r->suppressed[i].unit : "(node)",
                     SIZE_MAX, SIZE_MAX);
        fprintf(f, "%c %-7s %-20s %10s %10s\n",
                own && !memcmp(own, r->suppressed[i].author, HLN_KEY_LEN) ? '*' : ' ', sid, unit,
                "suppressed", "-");
    }
    for (size_t i = 0; i < r->n_incomplete; i++) {
        char sid[HLN_ID_SHORT_LEN + 1], unit[24], why[48];
        hln_id_short(r->incomplete[i].author, sid);
        hln_util_sanitize(unit, sizeof unit,
                          r->incomplete[i].unit[0] ? r->incomplete[i].unit : "(node)", SIZE_MAX,
                          SIZE_MAX);
        snprintf(why, sizeof why, "incomplete: %u of %u months", r->incomplete[i].have,
                 r->incomplete[i].need);
        fprintf(f, "%c %-7s %-20s %s\n",
                own && !memcmp(own, r->incomplete[i].author, HLN_KEY_LEN) ? '*' : ' ', sid, unit,
                why);
    }
    fprintf(f, "units: %zu counted, %zu suppressed, %zu excluded, %zu outside the group",
            r->n_units, r->n_suppressed, r->n_excluded, r->n_outside_group);
    if (r->n_incomplete)
        fprintf(f, ", %zu incomplete (left out)", r->n_incomplete);
    fputc('\n', f);
    hln_bench_format_value(r, a, sizeof a, s->theta0);
    fprintf(f, "pooled value: %s (%llu / %llu)\n", a, (unsigned long long)s->sum_x,
            (unsigned long long)s->sum_n);
    hln_bench_format_value(r, a, sizeof a, s->min);
    hln_bench_format_value(r, b, sizeof b, s->q1);
    hln_bench_format_value(r, c, sizeof c, s->median);
    hln_bench_format_value(r, d, sizeof d, s->q3);
    hln_bench_format_value(r, e, sizeof e, s->max);
    fprintf(f, "distribution: min %s  Q1 %s  median %s  Q3 %s  max %s\n", a, b, c, d, e);
    hln_bench_format_value(r, a, sizeof a, s->abc);
    fprintf(f, "achievable benchmark (ABC): %s, set by %zu unit%s holding %llu of %llu\n", a,
            s->abc_units, s->abc_units == 1 ? "" : "s", (unsigned long long)s->abc_n,
            (unsigned long long)s->sum_n);
    if (s->od_too_few)
        fprintf(f,
                "overdispersion: not applied: %zu unit%s, fewer than %d (phi %.3g, p %.3g); places "
                "read against funnel limits\n",
                s->units, s->units == 1 ? "" : "s", HLN_STATS_OD_MIN_UNITS, s->phi, s->p_value);
    else
        fprintf(f,
                "overdispersion: %s (phi %.3g, p %.3g, tau2 %.3g); places read against %s limits\n",
                s->overdispersed ? "present" : "none", s->phi, s->p_value, s->tau2,
                s->overdispersed ? "widened (random-effects)" : "funnel");
    char hex[2 * HLN_HASH_LEN + 1];
    hln_hex(r->digest, HLN_HASH_LEN, hex);
    fprintf(f, "evidence %s\n", hex);
    return ferror(f) ? HLN_EIO : 0;
}

/* ---- CSV ---- */

static void csv_text(FILE *f, const char *s)
{
    /* units and codes hold no comma or quote (proto/codes.h); quote anyway */
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

/* The query's columns that end every row, so that rows of several
 * benchmarks can be put together in one sheet. */
static void csv_query(const hln_bench_result *r, FILE *f)
{
    fputc(',', f);
    csv_text(f, r->indicator);
    fputc(',', f);
    csv_text(f, r->period);
    fputc(',', f);
    csv_text(f, r->stratum);
    fputc('\n', f);
}

int hln_bench_write_csv(const hln_bench_result *r, FILE *f)
{
    if (!r || !f)
        return HLN_EINVAL;
    if (r->kind == HLN_KIND_DSR)
        return hln_bench_dsr_write_csv(r, f);
    if (r->kind == HLN_KIND_MEAN)
        return hln_bench_mean_write_csv(r, f);
    if (r->kind == HLN_KIND_ISR)
        return hln_bench_isr_write_csv(r, f);
    double m = r->multiplier;
    fputs("author,unit,record,suppressed,numerator,denominator,value,ci95_lo,ci95_hi,ci998_lo,"
          "ci998_hi,"
          "lo998,lo95,hi95,hi998,adj_lo998,adj_lo95,adj_hi95,adj_hi998,z,place,place_adjusted,"
          "place_used,compared,in_abc,gap_to_abc,indicator,period,stratum\n",
          f);
    char text[HLN_ID_TEXT_LEN + 1], hex[2 * HLN_HASH_LEN + 1];
    for (size_t i = 0; i < r->n_units; i++) {
        const hln_bench_unit *u = &r->units[i];
        const hln_stats_unit *v = &u->s;
        hln_id_to_text(u->author, text);
        hln_hex(u->id, HLN_HASH_LEN, hex);
        fprintf(f, "%s,", text);
        csv_text(f, u->unit);
        fprintf(f, ",%s,0,%llu,%llu", hex, (unsigned long long)v->x, (unsigned long long)v->n);
        const double vals[] = {v->value,          v->ci95.lo,       v->ci95.hi,
                               v->ci998.lo,       v->ci998.hi,      v->limits.lo998,
                               v->limits.lo95,    v->limits.hi95,   v->limits.hi998,
                               v->adjusted.lo998, v->adjusted.lo95, v->adjusted.hi95,
                               v->adjusted.hi998};
        for (size_t k = 0; k < sizeof vals / sizeof vals[0]; k++)
            fprintf(f, ",%.17g", vals[k] * m);
        fprintf(f, ",%.17g,%s,%s,%s,%s,%d,%.17g", v->z, hln_stats_place_name(v->place),
                hln_stats_place_name(v->place_adjusted), hln_stats_place_name(v->place_used),
                hln_bench_judgement_name(v->judgement), v->in_abc ? 1 : 0,
                hln_bench_gap_to_abc(r, v->value) * m);
        csv_query(r, f);
    }
    for (size_t i = 0; i < r->n_suppressed; i++) {
        hln_id_to_text(r->suppressed[i].author, text);
        hln_hex(r->suppressed[i].id, HLN_HASH_LEN, hex);
        fprintf(f, "%s,", text);
        csv_text(f, r->suppressed[i].unit);
        fprintf(f, ",%s,1,,,,,,,,,,,,,,,,,,,,,,", hex);
        csv_query(r, f);
    }
    return ferror(f) ? HLN_EIO : 0;
}

/* ---- trends ---- */

typedef struct {
    const char *stratum;
    char per; /* 0: as held; else the grain every period is read at */
    char (*periods)[HLN_PERIOD_MAX + 1];
    size_t n, cap;
} periods_ctx;

static int periods_cb(void *ctx, const hln_obs_entry *e)
{
    periods_ctx *p = ctx;
    if (strcmp(e->stratum, p->stratum) != 0 || strlen(e->period) > HLN_PERIOD_MAX)
        return 0;
    char per[HLN_PERIOD_MAX + 1];
    if (!p->per)
        strcpy(per, e->period);
    else if (hln_periods_coarsen(e->period, p->per, per))
        return 0; /* coarser than the grain asked for */
    for (size_t i = p->n; i-- > 0;)
        if (!strcmp(p->periods[i], per))
            return 0;
    if (hln_util_grow((void **)&p->periods, &p->cap, p->n + 1, sizeof *p->periods))
        return HLN_ENOMEM;
    strcpy(p->periods[p->n++], per);
    return 0;
}

static int cmp_period(const void *a, const void *b)
{
    return strcmp(a, b);
}

int hln_bench_trend(hln_store *s, const hln_bench_query *q, const uint8_t *author, const char *unit,
                    hln_bench_trend_point **out, size_t *count)
{
    return hln_bench_trend_ex(s, q, author, unit, out, count, NULL, NULL);
}

int hln_bench_trend_ex(hln_store *s, const hln_bench_query *q, const uint8_t *author,
                       const char *unit, hln_bench_trend_point **out, size_t *count,
                       hln_bench_trend_each each, void *ctx)
{
    if (!s || !q || !q->indicator || !out || !count)
        return HLN_EINVAL;
    *out = NULL;
    *count = 0;
    periods_ctx pc = {.stratum = q->stratum ? q->stratum : "", .per = q->per};
    int rc = hln_store_foreach_obs(s, q->indicator->code, NULL, pc.stratum, periods_cb, &pc);
    hln_bench_trend_point *pts = NULL;
    if (rc)
        goto out;
    if (pc.n > 1)
        qsort(pc.periods, pc.n, sizeof *pc.periods, cmp_period);
    if (!(pts = calloc(pc.n ? pc.n : 1, sizeof *pts))) {
        rc = HLN_ENOMEM;
        goto out;
    }
    for (size_t i = 0; i < pc.n; i++) {
        hln_bench_query pq = *q;
        pq.period = pc.periods[i];
        hln_bench_result *r = NULL;
        if ((rc = hln_bench_run(s, &pq, &r)))
            goto out;
        hln_bench_trend_point *p = &pts[i];
        /* a mean's figures are already in the unit shown (its multiplier is the scale) */
        double m = r->kind == HLN_KIND_MEAN ? 1 : r->multiplier;
        memcpy(p->period, pc.periods[i], sizeof p->period);
        p->units = r->n_units;
        p->suppressed = r->n_suppressed;
        p->has_stats = r->has_stats;
        p->theta0 = r->summary.theta0 * m;
        p->q1 = r->summary.q1 * m;
        p->median = r->summary.median * m;
        p->q3 = r->summary.q3 * m;
        p->abc = r->summary.abc * m;
        p->overdispersed = r->summary.overdispersed;
        memcpy(p->digest, r->digest, HLN_HASH_LEN);
        for (size_t k = 0; author && k < r->n_units; k++) {
            const hln_bench_unit *u = &r->units[k];
            if (memcmp(u->author, author, HLN_KEY_LEN) || strcmp(u->unit, unit ? unit : ""))
                continue;
            p->has_unit = true;
            p->value = u->s.value * m;
            p->lo95 = u->s.ci95.lo * m;
            p->hi95 = u->s.ci95.hi * m;
            p->place = u->s.place_used;
            p->judgement = u->s.judgement;
        }
        if (each && (rc = each(ctx, i, pc.n, r))) {
            hln_bench_result_destroy(&r);
            goto out;
        }
        hln_bench_result_destroy(&r);
    }
    *out = pts;
    *count = pc.n;
    pts = NULL;
out:
    free(pts);
    free(pc.periods);
    return rc;
}

int hln_bench_write_trend_json(const hln_bench_query *q, const hln_bench_trend_point *p,
                               size_t count, FILE *f)
{
    if (!q || !q->indicator || (!p && count) || !f)
        return HLN_EINVAL;
    fprintf(f, "{\"engine\":\"%s\",\"indicator\":", HLN_BENCH_VERSION);
    hln_bench_json_str(f, q->indicator->code);
    fputs(",\"group\":", f);
    hln_bench_json_str(f, q->group ? q->group : "all");
    fputs(",\"stratum\":", f);
    hln_bench_json_str(f, q->stratum ? q->stratum : "");
    fputs(",\"periods\":[", f);
    for (size_t i = 0; i < count; i++) {
        fputs(i ? ",{\"period\":" : "{\"period\":", f);
        hln_bench_json_str(f, p[i].period);
        fprintf(f, ",\"units\":%zu,\"suppressed\":%zu,", p[i].units, p[i].suppressed);
        if (p[i].has_stats) {
            json_key_num(f, "pooled", p[i].theta0, true);
            json_key_num(f, "q1", p[i].q1, true);
            json_key_num(f, "median", p[i].median, true);
            json_key_num(f, "q3", p[i].q3, true);
            json_key_num(f, "abc", p[i].abc, true);
            fprintf(f, "\"overdispersed\":%s,", p[i].overdispersed ? "true" : "false");
        }
        if (p[i].has_unit) {
            fputs("\"unit\":{", f);
            json_key_num(f, "value", p[i].value, true);
            fputs("\"ci95\":[", f);
            hln_bench_json_num(f, p[i].lo95);
            fputc(',', f);
            hln_bench_json_num(f, p[i].hi95);
            fprintf(f, "],\"place_used\":\"%s\",\"compared\":\"%s\"},",
                    hln_stats_place_name(p[i].place), hln_bench_judgement_name(p[i].judgement));
        }
        json_hex(f, "digest", p[i].digest, HLN_HASH_LEN);
        fputc('}', f);
    }
    fputs("]}\n", f);
    return ferror(f) ? HLN_EIO : 0;
}

int hln_bench_write_trend_table(const hln_bench_query *q, const hln_bench_trend_point *p,
                                size_t count, FILE *f)
{
    if (!q || !q->indicator || (!p && count) || !f)
        return HLN_EINVAL;
    hln_bench_result fake = {.kind = q->indicator->kind,
                             .multiplier =
                                 q->indicator->kind == KIND_RATE && q->indicator->multiplier
                                     ? q->indicator->multiplier
                                     : 1};
    char name[HLN_CODE_MAX + 1];
    hln_util_sanitize(name, sizeof name, q->indicator->code, SIZE_MAX, SIZE_MAX);
    fprintf(f, "%s  group %s  stratum %s\n", name, q->group ? q->group : "all",
            q->stratum && q->stratum[0] ? q->stratum : "total");
    fprintf(f, "%-8s %6s %10s %10s %10s %10s %10s  %-5s  %s\n", "period", "units", "pooled", "Q1",
            "median", "Q3", "ABC", "overd", "unit value (place)");
    for (size_t i = 0; i < count; i++) {
        char v[5][32];
        const double d[5] = {p[i].theta0, p[i].q1, p[i].median, p[i].q3, p[i].abc};
        for (int k = 0; k < 5; k++) {
            if (!p[i].has_stats || !isfinite(d[k])) /* no ABC for a dsr, isr or mean */
                snprintf(v[k], sizeof v[k], "-");
            else
                hln_bench_format_value(&fake, v[k], sizeof v[k], d[k] / fake.multiplier);
        }
        fprintf(f, "%-8s %6zu %10s %10s %10s %10s %10s  %-5s  ", p[i].period, p[i].units, v[0],
                v[1], v[2], v[3], v[4], p[i].has_stats ? (p[i].overdispersed ? "yes" : "no") : "-");
        if (p[i].has_unit) {
            hln_bench_format_value(&fake, v[0], sizeof v[0], p[i].value / fake.multiplier);
            fprintf(f, "%s (%s, %s)\n", v[0], hln_stats_place_name(p[i].place),
                    hln_bench_judgement_name(p[i].judgement));
        } else {
            fputs("-\n", f);
        }
    }
    return ferror(f) ? HLN_EIO : 0;
}
