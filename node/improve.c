/* improve.c - improvement over time: run chart rules, Shewhart p- and u-charts, sustainability, digest. */
#include "node/improve.h"

#include <json-c/json.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"
#include "crypto/err.h"
#include "node/util.h"
#include "proto/codes.h"

#define KIND_RATE 1u

static const char *const signal_names[] = {NULL, "shift", "trend", "astronomical", "runs"};

const char *hln_signal_name(uint32_t kind)
{
    return kind >= HLN_SIGNAL_SHIFT && kind <= HLN_SIGNAL_RUNS ? signal_names[kind] : "unknown";
}

/* ---- the rules, on one series ---- */

size_t hln_improve_crossings_min(size_t useful)
{
    if (useful < 2)
        return 0;
    /* The 5th percentile of Binomial(useful - 1, 1/2), from its exact
     * cumulative distribution; terms by the ratio C(m,k+1) = C(m,k)(m-k)/(k+1). */
    size_t m = useful - 1;
    double term = pow(0.5, (double)m), cum = 0;
    for (size_t k = 0; k <= m; k++) {
        cum += term;
        if (cum >= 0.05 - 1e-12)
            return k;
        term = term * (double)(m - k) / (double)(k + 1);
    }
    return m;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y ? 1 : 0;
}

/* The median of values[from, to) (R's type 7 at 0.5: the mean of the two
 * middle values for an even count). */
static double median_of(const hln_improve_point *p, size_t from, size_t to)
{
    size_t n = to - from;
    double *v = malloc(n * sizeof *v);
    if (!v)
        return NAN;
    for (size_t i = 0; i < n; i++)
        v[i] = p[from + i].value;
    qsort(v, n, sizeof *v, cmp_double);
    double m = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
    free(v);
    return m;
}

/* The pooled value of points [from, to) on the engine's scale (per one unit
 * of exposure for rates). */
static double pooled(const hln_improve_point *p, size_t from, size_t to)
{
    double x = 0, n = 0;
    for (size_t i = from; i < to; i++)
        x += (double)p[i].x, n += (double)p[i].n;
    return n > 0 ? x / n : NAN;
}

/* The 3-sigma limits at denominator n around centre c (engine scale):
 * p-chart for proportions, u-chart for rates; multiplied for display. */
static void limits(uint32_t kind, double mult, double c, uint64_t n, double *lcl, double *ucl)
{
    double s = kind == KIND_RATE ? sqrt(c / (double)n) : sqrt(c * (1 - c) / (double)n);
    double lo = c - HLN_IMPROVE_SIGMA * s, hi = c + HLN_IMPROVE_SIGMA * s;
    if (lo < 0)
        lo = 0;
    if (kind != KIND_RATE && hi > 1)
        hi = 1;
    *lcl = lo * mult;
    *ucl = hi * mult;
}

static void add_signal(hln_improve_unit *u, const hln_improve_params *p, uint32_t kind, int dir,
                       size_t first, size_t last, size_t after_from)
{
    if (u->n_signals == HLN_IMPROVE_SIGNALS_MAX) {
        u->signals_truncated = true;
        return;
    }
    hln_improve_signal *s = &u->signals[u->n_signals++];
    s->kind = kind;
    s->dir = dir;
    s->judgement = dir * (p->direction == HLN_DIR_LOWER ? -1 : 1);
    s->first = first;
    s->last = last;
    s->after_baseline = last >= after_from;
    s->vs_phase = u->sustained == 0; /* set while the sustainability rules run */
    for (size_t i = first; i <= last; i++)
        u->points[i].marks |= 1u << kind;
}

/* Shift and trend over points [from, to) against centre `med`; only
 * signals whose judgement is `only` (0: any) are kept. Returns how many
 * were added. Also counts useful points, crossings and the longest run
 * when `stats` is set. */
static size_t run_rules(hln_improve_unit *u, const hln_improve_params *p, size_t from, size_t to,
                        double med, int only, size_t after_from, bool stats)
{
    size_t before = u->n_signals;
    hln_improve_point *pt = u->points;
    int sign = p->direction == HLN_DIR_LOWER ? -1 : 1;
    /* Shift: points on the centre line neither add to nor break a run. */
    int side = 0;
    size_t len = 0, first = 0, last = 0, useful = 0, crossings = 0, longest = 0;
    for (size_t i = from; i <= to; i++) {
        int s = i < to ? (pt[i].value > med) - (pt[i].value < med) : 2;
        if (s == 0)
            continue;
        if (s != 2)
            useful++;
        if (s == side) {
            len++, last = i;
            continue;
        }
        if (side != 0 && s != 2)
            crossings++;
        if (len > longest)
            longest = len;
        if (len >= HLN_IMPROVE_SHIFT && (!only || side * sign == only))
            add_signal(u, p, HLN_SIGNAL_SHIFT, side, first, last, after_from);
        side = s, len = 1, first = last = i;
    }
    if (stats) {
        u->useful = useful, u->crossings = crossings, u->longest_run = longest;
        u->crossings_min = hln_improve_crossings_min(useful);
    }
    /* Trend: a repeated value is skipped, neither counted nor breaking. */
    int dir = 0;
    size_t prev = from;
    len = 1, first = from;
    for (size_t i = from + 1; i <= to && to > from; i++) {
        int d = i < to ? (pt[i].value > pt[prev].value) - (pt[i].value < pt[prev].value) : 2;
        if (d == 0)
            continue;
        if (d == dir) {
            len++, prev = i;
            continue;
        }
        if (dir != 0 && len >= HLN_IMPROVE_TREND && (!only || dir * sign == only))
            add_signal(u, p, HLN_SIGNAL_TREND, dir, first, prev, after_from);
        if (d == 2)
            break;
        dir = d, len = 2, first = prev, prev = i;
    }
    return u->n_signals - before;
}

void hln_improve_analyse(hln_improve_unit *u, const hln_improve_params *p)
{
    hln_improve_point *pt = u->points;
    size_t n = u->n_points;
    double mult = p->kind == KIND_RATE ? (double)p->multiplier : 1.0;
    u->n_signals = 0;
    u->signals_truncated = false;
    u->has_chart = false;
    u->reason = "";
    u->n_baseline = 0;
    u->median = u->centre = NAN;
    u->useful = u->crossings = u->crossings_min = u->longest_run = 0;
    u->improvement = 0;
    u->sustained = -1;
    u->n_after_end = 0;
    u->latest = NAN;
    for (size_t i = 0; i < n; i++) {
        pt[i].value = (double)pt[i].x / (double)pt[i].n * mult;
        pt[i].lcl = pt[i].ucl = NAN;
        pt[i].baseline = false;
        pt[i].marks = 0;
    }
    if (n)
        u->latest = pt[n - 1].value;
    u->target_met = !p->has_target || !n ? -1
                    : p->direction == HLN_DIR_LOWER ? u->latest <= p->target
                                                    : u->latest >= p->target;

    /* The baseline: the periods before the start, else the first min(12, n/2). */
    int sf = 0, sm = 0, ef = 0, em = 0, f, m;
    bool has_start = p->start && p->start[0] && hln_period_span(p->start, &sf, &sm);
    bool has_end = p->end && p->end[0] && hln_period_span(p->end, &ef, &em);
    size_t nb = 0;
    if (has_start) {
        while (nb < n && hln_period_span(pt[nb].period, &f, &m) && f + m <= sf)
            nb++;
    } else {
        nb = n / 2 < HLN_IMPROVE_BASELINE_MAX ? n / 2 : HLN_IMPROVE_BASELINE_MAX;
    }
    if (nb < HLN_IMPROVE_BASELINE_MIN) {
        u->reason = has_start ? "fewer than 3 periods before the start" : "fewer than 6 periods";
        return;
    }
    u->has_chart = true;
    u->n_baseline = nb;
    for (size_t i = 0; i < nb; i++)
        pt[i].baseline = true;
    u->median = median_of(pt, 0, nb);
    double c = pooled(pt, 0, nb);
    u->centre = c * mult;

    /* Against the baseline: shift and trend, too few runs, then points
     * beyond the limits. */
    run_rules(u, p, 0, n, u->median, 0, nb, true);
    if (u->crossings < u->crossings_min)
        add_signal(u, p, HLN_SIGNAL_RUNS, 0, 0, n - 1, nb);
    for (size_t i = 0; i < n; i++) {
        limits(p->kind, mult, c, pt[i].n, &pt[i].lcl, &pt[i].ucl);
        int d = (pt[i].value > pt[i].ucl) - (pt[i].value < pt[i].lcl);
        if (d)
            add_signal(u, p, HLN_SIGNAL_ASTRONOMICAL, d, i, i, nb);
    }
    size_t n_base_signals = u->n_signals;
    for (size_t k = 0; k < n_base_signals; k++)
        if (u->signals[k].kind != HLN_SIGNAL_RUNS && u->signals[k].judgement > 0 &&
            u->signals[k].after_baseline)
            u->improvement = 1;

    /* Sustainability: after the end, against the collaborative's own
     * phase (the points from the baseline's end to the end), any signal
     * back towards the baseline says the gain did not hold. */
    if (!has_end)
        return;
    size_t post = nb;
    while (post < n && hln_period_span(pt[post].period, &f, &m) && f < ef + em)
        post++;
    u->n_after_end = n - post;
    if (u->n_after_end == 0 || !u->improvement || post == nb)
        return;
    double pm = median_of(pt, nb, post), pc = pooled(pt, nb, post);
    u->sustained = 0; /* marks the signals added now as against the phase */
    size_t found = run_rules(u, p, post, n, pm, -1, post, false);
    for (size_t i = post; i < n; i++) {
        double lo, hi;
        limits(p->kind, mult, pc, pt[i].n, &lo, &hi);
        int d = (pt[i].value > hi) - (pt[i].value < lo);
        int judged = d * (p->direction == HLN_DIR_LOWER ? -1 : 1);
        if (judged < 0) {
            add_signal(u, p, HLN_SIGNAL_ASTRONOMICAL, d, i, i, post);
            found++;
        }
    }
    u->sustained = found ? 0 : 1;
}

/* ---- the walk over the store ---- */

typedef struct {
    uint8_t author[HLN_KEY_LEN];
    char unit[HLN_CODE_MAX + 1];
    char period[HLN_PERIOD_MAX + 1];
    int first, months;
    uint64_t x, n;
    uint8_t id[HLN_HASH_LEN];
    bool suppressed;
} row;

typedef struct {
    const hln_improve_query *q;
    const char *stratum;
    row *rows;
    size_t n_rows, cap;
    bool in_run, have_best;
    row cur;
} walk_ctx;

static int flush(walk_ctx *w)
{
    if (!w->in_run || !w->have_best)
        return 0;
    w->have_best = false;
    if (hln_util_grow((void **)&w->rows, &w->cap, w->n_rows + 1, sizeof *w->rows))
        return HLN_ENOMEM;
    w->rows[w->n_rows++] = w->cur;
    return 0;
}

static int walk_cb(void *ctx, const hln_obs_entry *e)
{
    walk_ctx *w = ctx;
    if (strcmp(e->stratum, w->stratum) != 0)
        return 0;
    if (strlen(e->unit) > HLN_CODE_MAX || strlen(e->period) > HLN_PERIOD_MAX)
        return HLN_ESTORE;
    if (w->q->unit && strcmp(e->unit, w->q->unit) != 0)
        return 0;
    if (!w->in_run || strcmp(w->cur.period, e->period) != 0 ||
        memcmp(w->cur.author, e->author, HLN_KEY_LEN) != 0 || strcmp(w->cur.unit, e->unit) != 0) {
        int rc = flush(w);
        if (rc)
            return rc;
        w->in_run = true;
        memset(&w->cur, 0, sizeof w->cur);
        memcpy(w->cur.author, e->author, HLN_KEY_LEN);
        strcpy(w->cur.unit, e->unit);
        strcpy(w->cur.period, e->period);
    }
    if (e->retracted)
        return 0;
    /* entries of a run come oldest first: the last one standing is the latest */
    w->have_best = true;
    w->cur.x = e->numerator;
    w->cur.n = e->denominator;
    w->cur.suppressed = e->suppressed;
    memcpy(w->cur.id, e->id, HLN_HASH_LEN);
    return 0;
}

static int cmp_row(const void *a, const void *b)
{
    const row *x = a, *y = b;
    int c = memcmp(x->author, y->author, HLN_KEY_LEN);
    if (!c)
        c = strcmp(x->unit, y->unit);
    if (!c)
        c = (x->first > y->first) - (x->first < y->first);
    return c;
}

static int cmp_id(const void *a, const void *b)
{
    return memcmp(a, b, HLN_HASH_LEN);
}

static void put_field(hln_hash_state *st, const char *s)
{
    /* Length-prefixed, so that no two different field lists hash alike. */
    uint8_t len[4];
    size_t n = strlen(s);
    for (int i = 0; i < 4; i++)
        len[i] = (uint8_t)(n >> (8 * (3 - i)));
    hln_hash_update(st, len, 4);
    hln_hash_update(st, (const uint8_t *)s, n);
}

static void compute_digest(hln_improve_result *r, const hln_improve_query *q, const row *rows,
                           size_t n_rows)
{
    uint8_t(*ids)[HLN_HASH_LEN] = malloc((n_rows ? n_rows : 1) * HLN_HASH_LEN);
    size_t n = 0;
    char hex[2 * HLN_HASH_LEN + 1], num[40];
    hln_hash_state st;
    hln_hash_init(&st);
    put_field(&st, HLN_IMPROVE_VERSION);
    put_field(&st, r->indicator);
    put_field(&st, r->stratum);
    put_field(&st, r->scope);
    put_field(&st, r->start);
    put_field(&st, r->end);
    snprintf(num, sizeof num, r->has_target ? "%.17g" : "-", r->target);
    put_field(&st, num);
    hln_hex(q->collab_id ? q->collab_id : (const uint8_t *)"", q->collab_id ? HLN_HASH_LEN : 0, hex);
    put_field(&st, hex);
    hln_hex(q->target_id ? q->target_id : (const uint8_t *)"", q->target_id ? HLN_HASH_LEN : 0, hex);
    put_field(&st, hex);
    for (size_t i = 0; ids && i < n_rows; i++)
        memcpy(ids[n++], rows[i].id, HLN_HASH_LEN);
    if (ids)
        qsort(ids, n, HLN_HASH_LEN, cmp_id);
    uint8_t cnt[8];
    for (int i = 0; i < 8; i++)
        cnt[i] = (uint8_t)((uint64_t)n >> (8 * (7 - i)));
    hln_hash_update(&st, cnt, 8);
    for (size_t i = 0; i < n; i++)
        hln_hash_update(&st, ids[i], HLN_HASH_LEN);
    hln_hash_final(&st, r->digest);
    free(ids);
}

void hln_improve_result_destroy(hln_improve_result **r)
{
    if (!r || !*r)
        return;
    for (size_t i = 0; i < (*r)->n_units; i++)
        free((*r)->units[i].points);
    free((*r)->units);
    free(*r);
    *r = NULL;
}

/* Keep the rows that count (in the group, not excluded, not suppressed,
 * valid) at the finest granularity among them, sorted by (author, unit,
 * period); the others are counted in r by why they were left out. */
static int select_rows(hln_improve_result *r, const hln_improve_query *q, walk_ctx *w)
{
    bool *used = calloc(w->n_rows ? w->n_rows : 1, sizeof *used);
    if (!used)
        return HLN_ENOMEM;
    r->granularity = 12;
    for (size_t i = 0; i < w->n_rows; i++) {
        row *x = &w->rows[i];
        if (q->in_group && !q->in_group(q->group_ctx, x->author)) {
            r->n_outside++;
            continue;
        }
        if (q->excluded && q->excluded(q->excluded_ctx, x->author)) {
            r->n_excluded++;
            continue;
        }
        if (x->suppressed) {
            r->n_suppressed++;
            continue;
        }
        if (x->n == 0 || (r->kind != KIND_RATE && x->x > x->n) ||
            !hln_period_span(x->period, &x->first, &x->months))
            continue;
        used[i] = true;
        if (x->months < r->granularity)
            r->granularity = x->months;
    }
    size_t k = 0;
    for (size_t i = 0; i < w->n_rows; i++) {
        if (!used[i])
            continue;
        if (w->rows[i].months != r->granularity)
            r->n_other_granularity++;
        else
            w->rows[k++] = w->rows[i];
    }
    w->n_rows = k;
    free(used);
    qsort(w->rows, k, sizeof *w->rows, cmp_row);
    return 0;
}

/* One unit per (author, unit) run of the sorted rows, each analysed. */
static int build_units(hln_improve_result *r, const walk_ctx *w, const hln_improve_params *p)
{
    size_t cap = 0, k = w->n_rows;
    for (size_t i = 0; i < k;) {
        size_t j = i;
        while (j < k && memcmp(w->rows[j].author, w->rows[i].author, HLN_KEY_LEN) == 0 &&
               strcmp(w->rows[j].unit, w->rows[i].unit) == 0)
            j++;
        if (hln_util_grow((void **)&r->units, &cap, r->n_units + 1, sizeof *r->units))
            return HLN_ENOMEM;
        hln_improve_unit *u = &r->units[r->n_units];
        memset(u, 0, sizeof *u);
        if (!(u->points = calloc(j - i, sizeof *u->points)))
            return HLN_ENOMEM;
        r->n_units++;
        memcpy(u->author, w->rows[i].author, HLN_KEY_LEN);
        strcpy(u->unit, w->rows[i].unit);
        for (size_t t = i; t < j; t++) {
            hln_improve_point *pt = &u->points[u->n_points++];
            strcpy(pt->period, w->rows[t].period);
            pt->x = w->rows[t].x;
            pt->n = w->rows[t].n;
            memcpy(pt->id, w->rows[t].id, HLN_HASH_LEN);
        }
        hln_improve_analyse(u, p);
        r->reached_target += u->target_met == 1;
        r->improved += u->improvement == 1;
        r->sustained += u->sustained == 1;
        i = j;
    }
    return 0;
}

int hln_improve_run(hln_store *s, const hln_improve_query *q, hln_improve_result **out)
{
    if (!s || !q || !q->indicator || !out || q->indicator->kind > KIND_RATE)
        return HLN_EINVAL;
    *out = NULL;
    walk_ctx w = {.q = q, .stratum = q->stratum ? q->stratum : ""};
    hln_improve_result *r = calloc(1, sizeof *r);
    int rc = r ? 0 : HLN_ENOMEM;
    if (rc)
        goto out;
    snprintf(r->indicator, sizeof r->indicator, "%s", q->indicator->code);
    snprintf(r->stratum, sizeof r->stratum, "%s", w.stratum);
    snprintf(r->scope, sizeof r->scope, "%s", q->scope_text ? q->scope_text : "all");
    r->kind = q->indicator->kind;
    r->multiplier = q->indicator->multiplier;
    r->direction = q->indicator->direction;
    if (q->collab) {
        snprintf(r->start, sizeof r->start, "%s", q->collab->start);
        snprintf(r->end, sizeof r->end, "%s", q->collab->end);
    }
    r->has_target = q->has_target;
    r->target = q->target;
    if ((rc = hln_store_foreach_obs(s, q->indicator->code, NULL, NULL, walk_cb, &w)) ||
        (rc = flush(&w)) || (rc = select_rows(r, q, &w)))
        goto out;
    hln_improve_params p = {r->kind, r->multiplier, r->direction, r->start[0] ? r->start : NULL,
                            r->end[0] ? r->end : NULL, q->has_target, q->target};
    if ((rc = build_units(r, &w, &p)))
        goto out;
    compute_digest(r, q, w.rows, w.n_rows);
    *out = r;
    r = NULL;
out:
    free(w.rows);
    hln_improve_result_destroy(&r);
    return rc;
}

/* ---- writers ---- */

static json_object *jnum(double v)
{
    char b[40];
    if (!isfinite(v))
        return NULL;
    snprintf(b, sizeof b, "%.17g", v);
    return json_object_new_double_s(v, b);
}

static json_object *jtri(int v)
{
    return v < 0 ? NULL : json_object_new_boolean(v);
}

static const char *dir_name(int d) { return d > 0 ? "up" : d < 0 ? "down" : "none"; }
static const char *judge_name(int j) { return j > 0 ? "better" : j < 0 ? "worse" : "neither"; }
static const char *gran_name(int g) { return g == 1 ? "month" : g == 3 ? "quarter" : "year"; }

static json_object *unit_json(const hln_improve_unit *u,
                              hln_improve_name_fn name_of, void *ctx)
{
    json_object *o = json_object_new_object();
    char idt[HLN_ID_TEXT_LEN + 1];
    hln_id_to_text(u->author, idt);
    const char *name = name_of ? name_of(ctx, u->author) : NULL;
    json_object_object_add(o, "author", json_object_new_string(idt));
    json_object_object_add(o, "name", json_object_new_string(name ? name : ""));
    json_object_object_add(o, "unit", json_object_new_string(u->unit));
    json_object_object_add(o, "has_chart", json_object_new_boolean(u->has_chart));
    json_object_object_add(o, "reason", json_object_new_string(u->reason));
    json_object *b = json_object_new_object();
    json_object_object_add(b, "points", json_object_new_uint64(u->n_baseline));
    json_object_object_add(b, "from", u->n_baseline ? json_object_new_string(u->points[0].period) : NULL);
    json_object_object_add(b, "to", u->n_baseline ? json_object_new_string(u->points[u->n_baseline - 1].period) : NULL);
    json_object_object_add(b, "median", jnum(u->median));
    json_object_object_add(b, "centre", jnum(u->centre));
    json_object_object_add(o, "baseline", b);
    json_object *l = json_object_new_object();
    json_object_object_add(l, "period", u->n_points ? json_object_new_string(u->points[u->n_points - 1].period) : NULL);
    json_object_object_add(l, "value", jnum(u->latest));
    json_object_object_add(o, "latest", l);
    json_object_object_add(o, "target_met", jtri(u->target_met));
    json_object_object_add(o, "improvement", json_object_new_boolean(u->improvement == 1));
    json_object_object_add(o, "sustained", jtri(u->sustained));
    json_object_object_add(o, "points_after_end", json_object_new_uint64(u->n_after_end));
    /* The distinct names of the signals against the baseline, in rule order. */
    json_object *names = json_object_new_array(), *det = json_object_new_array();
    for (uint32_t kind = HLN_SIGNAL_SHIFT; kind <= HLN_SIGNAL_RUNS; kind++)
        for (size_t i = 0; i < u->n_signals; i++)
            if (u->signals[i].kind == kind && !u->signals[i].vs_phase) {
                json_object_array_add(names, json_object_new_string(hln_signal_name(kind)));
                break;
            }
    for (size_t i = 0; i < u->n_signals; i++) {
        const hln_improve_signal *s = &u->signals[i];
        json_object *x = json_object_new_object();
        json_object_object_add(x, "signal", json_object_new_string(hln_signal_name(s->kind)));
        json_object_object_add(x, "direction", json_object_new_string(dir_name(s->dir)));
        json_object_object_add(x, "judgement", json_object_new_string(judge_name(s->judgement)));
        json_object_object_add(x, "from", json_object_new_string(u->points[s->first].period));
        json_object_object_add(x, "to", json_object_new_string(u->points[s->last].period));
        json_object_object_add(x, "after_baseline", json_object_new_boolean(s->after_baseline));
        json_object_object_add(x, "against",
                               json_object_new_string(s->vs_phase ? "phase" : "baseline"));
        json_object_array_add(det, x);
    }
    json_object_object_add(o, "signals", names);
    json_object_object_add(o, "signal_details", det);
    json_object *runs = json_object_new_object();
    json_object_object_add(runs, "useful", json_object_new_uint64(u->useful));
    json_object_object_add(runs, "crossings", json_object_new_uint64(u->crossings));
    json_object_object_add(runs, "crossings_min", json_object_new_uint64(u->crossings_min));
    json_object_object_add(runs, "longest_run", json_object_new_uint64(u->longest_run));
    json_object_object_add(o, "runs", runs);
    json_object *pts = json_object_new_array();
    for (size_t i = 0; i < u->n_points; i++) {
        const hln_improve_point *p = &u->points[i];
        json_object *x = json_object_new_object();
        json_object_object_add(x, "period", json_object_new_string(p->period));
        json_object_object_add(x, "numerator", json_object_new_uint64(p->x));
        json_object_object_add(x, "denominator", json_object_new_uint64(p->n));
        json_object_object_add(x, "value", jnum(p->value));
        json_object_object_add(x, "lcl", jnum(p->lcl));
        json_object_object_add(x, "ucl", jnum(p->ucl));
        json_object_object_add(x, "baseline", json_object_new_boolean(p->baseline));
        json_object *m = json_object_new_array();
        for (uint32_t kind = HLN_SIGNAL_SHIFT; kind <= HLN_SIGNAL_RUNS; kind++)
            if (p->marks & (1u << kind))
                json_object_array_add(m, json_object_new_string(hln_signal_name(kind)));
        json_object_object_add(x, "signals", m);
        json_object_array_add(pts, x);
    }
    json_object_object_add(o, "points", pts);
    return o;
}

int hln_improve_write_json(const hln_improve_result *r, hln_improve_name_fn name_of, void *ctx,
                           FILE *f)
{
    json_object *o = json_object_new_object();
    char hex[2 * HLN_HASH_LEN + 1];
    json_object_object_add(o, "engine", json_object_new_string(HLN_IMPROVE_VERSION));
    json_object_object_add(o, "indicator", json_object_new_string(r->indicator));
    json_object_object_add(o, "stratum", json_object_new_string(r->stratum));
    json_object_object_add(o, "scope", json_object_new_string(r->scope));
    json_object_object_add(o, "kind", json_object_new_string(hln_bench_kind_name(r->kind)));
    json_object_object_add(o, "direction", json_object_new_string(hln_bench_direction_name(r->direction)));
    json_object_object_add(o, "multiplier", json_object_new_uint64(r->multiplier));
    json_object_object_add(o, "granularity", json_object_new_string(gran_name(r->granularity)));
    json_object_object_add(o, "start", r->start[0] ? json_object_new_string(r->start) : NULL);
    json_object_object_add(o, "end", r->end[0] ? json_object_new_string(r->end) : NULL);
    json_object_object_add(o, "target", r->has_target ? jnum(r->target) : NULL);
    json_object *units = json_object_new_array();
    for (size_t i = 0; i < r->n_units; i++)
        json_object_array_add(units, unit_json(&r->units[i], name_of, ctx));
    json_object_object_add(o, "units", units);
    json_object *s = json_object_new_object();
    json_object_object_add(s, "units", json_object_new_uint64(r->n_units));
    json_object_object_add(s, "reached_target", json_object_new_uint64(r->reached_target));
    json_object_object_add(s, "improved", json_object_new_uint64(r->improved));
    json_object_object_add(s, "sustained", json_object_new_uint64(r->sustained));
    json_object_object_add(o, "summary", s);
    json_object *lo = json_object_new_object();
    json_object_object_add(lo, "suppressed", json_object_new_uint64(r->n_suppressed));
    json_object_object_add(lo, "excluded", json_object_new_uint64(r->n_excluded));
    json_object_object_add(lo, "outside", json_object_new_uint64(r->n_outside));
    json_object_object_add(lo, "other_granularity", json_object_new_uint64(r->n_other_granularity));
    json_object_object_add(o, "left_out", lo);
    hln_hex(r->digest, HLN_HASH_LEN, hex);
    json_object_object_add(o, "digest", json_object_new_string(hex));
    int rc = fprintf(f, "%s\n",
                     json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
                                                           JSON_C_TO_STRING_NOSLASHESCAPE)) < 0
                 ? HLN_EIO
                 : 0;
    json_object_put(o);
    return rc;
}

static void signal_list(const hln_improve_unit *u, char *buf, size_t len)
{
    buf[0] = '\0';
    size_t at = 0;
    for (uint32_t kind = HLN_SIGNAL_SHIFT; kind <= HLN_SIGNAL_RUNS; kind++)
        for (size_t i = 0; i < u->n_signals; i++)
            if (u->signals[i].kind == kind && !u->signals[i].vs_phase) {
                at += (size_t)snprintf(buf + at, at < len ? len - at : 0, "%s%s", at ? "," : "",
                                       hln_signal_name(kind));
                break;
            }
    if (at >= len && len)
        buf[len - 1] = '\0';
}

static const char *tri_word(int v, const char *yes, const char *no, const char *na)
{
    return v < 0 ? na : v ? yes : no;
}

int hln_improve_write_csv(const hln_improve_result *r, hln_improve_name_fn name_of, void *ctx,
                          FILE *f)
{
    int bad = fprintf(f, "author,name,unit,period,numerator,denominator,value,lcl,ucl,baseline,"
                         "signals\n") < 0;
    for (size_t i = 0; i < r->n_units; i++) {
        const hln_improve_unit *u = &r->units[i];
        char idt[HLN_ID_TEXT_LEN + 1], name[HLN_NAME_MAX + 1];
        hln_id_to_text(u->author, idt);
        const char *nm = name_of ? name_of(ctx, u->author) : NULL;
        /* names are free text: no quote or comma breaks the row */
        snprintf(name, sizeof name, "%s", nm ? nm : "");
        for (char *c = name; *c; c++)
            if (*c == '"' || *c == ',' || (unsigned char)*c < 0x20)
                *c = ' ';
        for (size_t k = 0; k < u->n_points; k++) {
            const hln_improve_point *p = &u->points[k];
            char sig[64] = "";
            for (uint32_t kind = HLN_SIGNAL_SHIFT; kind <= HLN_SIGNAL_RUNS; kind++)
                if (p->marks & (1u << kind))
                    snprintf(sig + strlen(sig), sizeof sig - strlen(sig), "%s%s", sig[0] ? " " : "",
                             hln_signal_name(kind));
            bad |= fprintf(f, "%s,%s,%s,%s,%llu,%llu,%.17g,%.17g,%.17g,%s,%s\n", idt, name, u->unit,
                           p->period, (unsigned long long)p->x, (unsigned long long)p->n, p->value,
                           p->lcl, p->ucl, p->baseline ? "true" : "false", sig) < 0;
        }
    }
    return bad ? HLN_EIO : 0;
}

int hln_improve_write_table(const hln_improve_result *r, hln_improve_name_fn name_of, void *ctx,
                            FILE *f)
{
    bool pct = r->kind != KIND_RATE;
    double k = pct ? 100.0 : 1.0;
    const char *u_ = pct ? "%" : "";
    char hex[17];
    int bad = fprintf(f, "%s%s%s  scope %s  %s%s%s%s%s\n", r->indicator, r->stratum[0] ? " " : "",
                      r->stratum, r->scope, r->start[0] ? "from " : "", r->start,
                      r->start[0] ? " to " : "", r->end, r->start[0] ? "" : "(no collaborative)") < 0;
    if (r->has_target)
        bad |= fprintf(f, "target %.1f%s\n", r->target * k, u_) < 0;
    bad |= fprintf(f, "%-24s %-16s %9s %9s %-7s %-8s %-10s %s\n", "NAME", "UNIT", "BASELINE",
                   "LATEST", "TARGET", "IMPROVED", "SUSTAINED", "SIGNALS") < 0;
    for (size_t i = 0; i < r->n_units; i++) {
        const hln_improve_unit *u = &r->units[i];
        char name[HLN_NAME_MAX + 1], sig[64];
        const char *nm = name_of ? name_of(ctx, u->author) : NULL;
        const char *shown = nm && nm[0] ? nm : "-";
        hln_util_sanitize(name, sizeof name, shown, strlen(shown), 24);
        signal_list(u, sig, sizeof sig);
        char base[32] = "-", last[32] = "-";
        if (u->has_chart)
            snprintf(base, sizeof base, "%.1f%s", u->centre * k, u_);
        if (u->n_points)
            snprintf(last, sizeof last, "%.1f%s", u->latest * k, u_);
        bad |= fprintf(f, "%-24.24s %-16.16s %9s %9s %-7s %-8s %-10s %s%s%s\n", name,
                       u->unit[0] ? u->unit : "-", base, last,
                       tri_word(u->target_met, "met", "not-met", "-"),
                       u->improvement ? "yes" : "no",
                       tri_word(u->sustained, "yes", "no", "-"), sig[0] ? sig : "-",
                       u->has_chart ? "" : "  ", u->has_chart ? "" : u->reason) < 0;
    }
    hln_hex(r->digest, 8, hex);
    bad |= fprintf(f, "%zu units: %zu reached the target, %zu improved, %zu sustained; digest %s\n",
                   r->n_units, r->reached_target, r->improved, r->sustained, hex) < 0;
    return bad ? HLN_EIO : 0;
}
