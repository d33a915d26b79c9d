/* report_analyst.c - the analyst's sections of an indicator page: downloads beside the
 * figures, a trend chart, strata side by side, DSR and mean tables, missing countries. */
#include "node/hlnctl/report_analyst.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "crypto/crypto.h"
#include "crypto/err.h"
#include "node/equity.h"
#include "node/periods.h"
#include "node/stats.h"
#include "node/util.h"

#define ESC(f, s) hln_report_escape((f), (s))
#define TREND_MAX 40 /* periods shown in a trend chart: the latest */

/* ---- files beside the page ---- */

typedef int (*writer_fn)(const void *what, FILE *f);

/* Write outdir/base+suffix through a temporary file; the page links to it
 * by its name alone (it sits in the page's directory). */
/* The name of the file beside the page: the page's stem + suffix. */
static int beside_name(const hln_report_analyst_page *p, const char *suffix, char *name, size_t cap,
                       const char **file)
{
    const char *slash = strrchr(p->rel, '/');
    *file = slash ? slash + 1 : p->rel;
    size_t stem = strlen(*file);
    if (stem > 5 && !strcmp(*file + stem - 5, ".html"))
        stem -= 5;
    int n = snprintf(name, cap, "%.*s%s", (int)stem, *file, suffix);
    return n < 0 || (size_t)n >= cap ? HLN_ETOOBIG : 0;
}

static int write_beside(const hln_report_analyst_page *p, const char *suffix, writer_fn w,
                        const void *what, char *name, size_t cap, char *err, size_t errlen)
{
    char path[4200], tmp[4300];
    const char *file;
    if (beside_name(p, suffix, name, cap, &file))
        return HLN_ETOOBIG;
    int n = snprintf(path, sizeof path, "%s/%.*s%s", p->outdir, (int)(file - p->rel), p->rel, name);
    if (n < 0 || (size_t)n >= sizeof path)
        return HLN_ETOOBIG;
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    if (!f || fchmod(fileno(f), 0644) != 0) {
        hln_util_seterr(err, errlen, "cannot write %s: %s", tmp, strerror(errno));
        if (f)
            fclose(f), remove(tmp);
        return HLN_EIO;
    }
    int rc = w(what, f);
    if (fclose(f) != 0 && rc == 0)
        rc = HLN_EIO;
    if (rc == 0 && rename(tmp, path) != 0)
        rc = HLN_EIO;
    if (rc) {
        remove(tmp);
        hln_util_seterr(err, errlen, "cannot write %s", path);
    }
    return rc;
}

static int w_json(const void *r, FILE *f) { return hln_bench_write_json(r, f); }
static int w_csv(const void *r, FILE *f) { return hln_bench_write_csv(r, f); }
static int w_eq_json(const void *r, FILE *f) { return hln_equity_write_json(r, f); }
static int w_eq_csv(const void *r, FILE *f) { return hln_equity_write_csv(r, f); }

typedef struct {
    const hln_bench_query *q;
    const hln_bench_trend_point *pts;
    size_t n;
} trend_what;

static int w_trend_json(const void *t, FILE *f)
{
    const trend_what *w = t;
    return hln_bench_write_trend_json(w->q, w->pts, w->n, f);
}

/* "Download: CSV · JSON" (CSV only when csv is not NULL). */
static void links_html(FILE *f, const char *csv, const char *json, const char *cmd)
{
    fputs("<p class=\"downloads\">Download: ", f);
    if (csv) {
        fputs("<a href=\"", f);
        ESC(f, csv);
        fputs("\" download>CSV</a> · ", f);
    }
    fputs("<a href=\"", f);
    ESC(f, json);
    fputs("\" download>JSON</a> <span class=\"note\">(the bytes of <code>", f);
    ESC(f, cmd);
    fputs("</code>)</span></p>\n", f);
}

/* "Download: CSV · JSON", both written beside the page. */
static int downloads(FILE *f, const hln_report_analyst_page *p, const char *suffix, writer_fn wcsv,
                     writer_fn wjson, const void *what, const char *cmd, char *err, size_t errlen)
{
    char c[2400] = "", j[2400];
    char sc[2100], sj[2100];
    snprintf(sc, sizeof sc, "%s.csv", suffix);
    snprintf(sj, sizeof sj, "%s.json", suffix);
    int rc = 0;
    if (wcsv && (rc = write_beside(p, sc, wcsv, what, c, sizeof c, err, errlen)))
        return rc;
    if ((rc = write_beside(p, sj, wjson, what, j, sizeof j, err, errlen)))
        return rc;
    links_html(f, wcsv ? c : NULL, j, cmd);
    return 0;
}

/* The command whose bytes the page's own downloads are. */
static void page_cmd(const hln_bench_result *r, char *cmd, size_t cap)
{
    snprintf(cmd, cap, "hlnctl bench %s --period %s --group %s%s%s --json", r->indicator,
             r->period, r->group, r->stratum[0] ? " --stratum " : "", r->stratum);
}

int hln_report_analyst_links(FILE *f, const hln_report_analyst_page *p)
{
    char c[2400], j[2400], cmd[256];
    const char *file;
    if (!f || !p || !p->rel || !p->r || beside_name(p, ".csv", c, sizeof c, &file) ||
        beside_name(p, ".json", j, sizeof j, &file))
        return HLN_EINVAL;
    page_cmd(p->r, cmd, sizeof cmd);
    links_html(f, c, j, cmd);
    return ferror(f) ? HLN_EIO : 0;
}

/* ---- numbers for people ---- */

static double shown(const hln_bench_result *r, double v)
{
    if (r->kind == HLN_KIND_PROPORTION)
        return v * 100;
    if (r->kind == HLN_KIND_MEAN)
        return v;
    return v * r->multiplier;
}

static const char *unit_word(const hln_bench_result *r)
{
    return r->kind == HLN_KIND_PROPORTION ? "%" : "";
}

/* ---- trend chart ---- */

typedef struct {
    char period[HLN_PERIOD_MAX + 1];
    bool has;
    double v, lo, hi;   /* pooled, shown scale */
    size_t n_own;
    double own[8];      /* the node's own units' values */
} trend_row;

typedef struct {
    const hln_report_analyst_page *p;
    trend_row *rows; /* TREND_MAX: the latest periods */
} trend_ctx;

/* Row of period i of n (the latest TREND_MAX are shown), from its run. */
static int trend_row_of(void *ctx, size_t i, size_t n, const hln_bench_result *r)
{
    trend_ctx *c = ctx;
    size_t first = n > TREND_MAX ? n - TREND_MAX : 0;
    if (i < first)
        return 0;
    trend_row *t = &c->rows[i - first];
    memset(t, 0, sizeof *t);
    memcpy(t->period, r->period, sizeof t->period);
    if (r->has_stats && r->kind <= HLN_KIND_RATE) {
        hln_stats_interval iv;
        if (hln_stats_interval_of(r->kind, (hln_stats_ci)r->ci, r->summary.sum_x,
                                  r->summary.sum_n, 0.95, &iv) == 0) {
            t->has = true;
            t->v = shown(r, r->summary.theta0);
            t->lo = shown(r, iv.lo);
            t->hi = shown(r, iv.hi);
        }
    } else if (r->has_stats && r->kind == HLN_KIND_MEAN) {
        t->has = true;
        t->v = t->lo = t->hi = r->summary.theta0;
    }
    const uint8_t *own = c->p->o->own;
    for (size_t k = 0; own && k < r->n_units && t->n_own < 8; k++)
        if (!memcmp(r->units[k].author, own, HLN_KEY_LEN))
            t->own[t->n_own++] = shown(r, r->units[k].s.value);
    return 0;
}

static void trend_svg(FILE *f, const hln_bench_result *r, const trend_row *t, size_t n)
{
    const double W = 640, H = 240, L = 56, R = 16, T = 12, B = 40;
    double lo = INFINITY, hi = -INFINITY;
    for (size_t i = 0; i < n; i++) {
        if (t[i].has)
            lo = fmin(lo, t[i].lo), hi = fmax(hi, t[i].hi);
        for (size_t k = 0; k < t[i].n_own; k++)
            lo = fmin(lo, t[i].own[k]), hi = fmax(hi, t[i].own[k]);
    }
    if (!isfinite(lo)) {
        fputs("<p class=\"note\">No period has figures to draw.</p>\n", f);
        return;
    }
    if (hi - lo < 1e-9)
        lo -= 1, hi += 1;
    double pad = (hi - lo) * 0.08;
    lo -= pad, hi += pad;
    double dx = n > 1 ? (W - L - R) / (double)(n - 1) : 0;
#define X(i) (L + (n > 1 ? dx * (double)(i) : (W - L - R) / 2))
#define Y(v) (T + (H - T - B) * (1 - ((v) - lo) / (hi - lo)))
    fprintf(f,
            "<svg class=\"trend\" viewBox=\"0 0 %.0f %.0f\" role=\"img\" aria-label=\"Trend of "
            "the pooled value with its 95%% interval\">\n",
            W, H);
    for (int g = 0; g <= 4; g++) {
        double v = lo + (hi - lo) * g / 4;
        fprintf(f,
                "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/>"
                "<text x=\"%.1f\" y=\"%.1f\" font-size=\"10\" text-anchor=\"end\">%.*f%s</text>\n",
                L, W - R, Y(v), Y(v), L - 4, Y(v) + 3, fabs(v) >= 100 ? 0 : fabs(v) >= 1 ? 1 : 3,
                v, unit_word(r));
    }
    /* the pooled interval as a band, the pooled value as a line */
    fputs("<path fill=\"#cfe0f3\" stroke=\"none\" d=\"", f);
    bool first = true;
    for (size_t i = 0; i < n; i++)
        if (t[i].has)
            fprintf(f, "%s%.1f %.1f ", first ? "M" : "L", X(i), Y(t[i].hi)), first = false;
    for (size_t i = n; i-- > 0;)
        if (t[i].has)
            fprintf(f, "L%.1f %.1f ", X(i), Y(t[i].lo));
    fputs("Z\"/>\n<path fill=\"none\" stroke=\"#1f5fa8\" stroke-width=\"2\" d=\"", f);
    first = true;
    for (size_t i = 0; i < n; i++)
        if (t[i].has)
            fprintf(f, "%s%.1f %.1f ", first ? "M" : "L", X(i), Y(t[i].v)), first = false;
    fputs("\"/>\n", f);
    for (size_t i = 0; i < n; i++) {
        if (t[i].has)
            fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"#1f5fa8\"><title>%s: %.4g%s "
                       "(%.4g - %.4g)</title></circle>\n",
                    X(i), Y(t[i].v), t[i].period, t[i].v, unit_word(r), t[i].lo, t[i].hi);
        for (size_t k = 0; k < t[i].n_own; k++)
            fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3.5\" fill=\"#d9822b\"><title>%s: "
                       "this node's unit, %.4g%s</title></circle>\n",
                    X(i), Y(t[i].own[k]), t[i].period, t[i].own[k], unit_word(r));
        if (n <= 12 || i % ((n + 11) / 12) == 0)
            fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"10\" "
                       "text-anchor=\"middle\">%s</text>\n",
                    X(i), H - B + 16, t[i].period);
    }
    fputs("</svg>\n<p class=\"note\">Blue: the group's pooled value and its 95% interval; "
          "orange: this node's own units.</p>\n",
          f);
#undef X
#undef Y
}

static int write_trend(FILE *f, const hln_report_analyst_page *p, char *err, size_t errlen)
{
    hln_bench_query q = *p->q;
    q.period = NULL;
    hln_bench_trend_point *pts = NULL;
    size_t n = 0;
    trend_ctx tc = {p, calloc(TREND_MAX, sizeof(trend_row))};
    if (!tc.rows)
        return HLN_ENOMEM;
    trend_row *rows = tc.rows;
    int rc = hln_bench_trend_ex(p->s, &q, NULL, NULL, &pts, &n, trend_row_of, &tc);
    if (rc)
        goto out;
    fputs("<h2 id=\"trend\">Trend</h2>\n", f);
    trend_svg(f, p->r, rows, n > TREND_MAX ? TREND_MAX : n);
    char cmd[256];
    snprintf(cmd, sizeof cmd, "hlnctl bench %s --trend --group %s%s%s --json", p->r->indicator,
             p->r->group, p->r->stratum[0] ? " --stratum " : "", p->r->stratum);
    trend_what tw = {&q, pts, n};
    rc = downloads(f, p, "_trend", NULL, w_trend_json, &tw, cmd, err, errlen);
out:
    free(rows);
    free(pts);
    return rc;
}

/* ---- strata side by side ---- */

static void strata_svg(FILE *f, const hln_equity_result *e)
{
    const hln_equity_row *row = &e->pooled;
    const double W = 640, L = 150, R = 24, RH = 22;
    double H = RH * (double)e->n_strata + 30, lo = INFINITY, hi = -INFINITY;
    double m = e->kind == HLN_KIND_PROPORTION ? 100 : e->multiplier;
    for (size_t i = 0; i < e->n_strata; i++)
        if (row->cells[i].counted)
            lo = fmin(lo, row->cells[i].lo * m), hi = fmax(hi, row->cells[i].hi * m);
    if (!isfinite(lo)) {
        fputs("<p class=\"note\">No stratum counted.</p>\n", f);
        return;
    }
    if (hi - lo < 1e-9)
        lo -= 1, hi += 1;
#define XS(v) (L + (W - L - R) * (((v) - lo) / (hi - lo)))
    fprintf(f, "<svg class=\"strata\" viewBox=\"0 0 %.0f %.0f\" role=\"img\" aria-label=\"The "
               "group's value by stratum with 95%% intervals\">\n",
            W, H);
    for (size_t i = 0; i < e->n_strata; i++) {
        const hln_equity_cell *c = &row->cells[i];
        double y = 14 + RH * (double)i;
        fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"11\" text-anchor=\"end\">", L - 8,
                y + 4);
        ESC(f, e->strata[i]);
        fputs("</text>\n", f);
        if (!c->counted)
            continue;
        bool ref = !strcmp(e->strata[i], e->ref);
        fprintf(f, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#555\"/>"
                   "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"4\" fill=\"%s\"><title>%.4g (%.4g - "
                   "%.4g)",
                XS(c->lo * m), XS(c->hi * m), y, y, XS(c->value * m), y,
                ref ? "#555" : "#1f5fa8", c->value * m, c->lo * m, c->hi * m);
        if (c->has_gap)
            fprintf(f, "; gap to the reference %+.3g (%+.3g to %+.3g)", c->diff * m,
                    c->diff_lo * m, c->diff_hi * m);
        fputs("</title></circle>\n", f);
    }
    fputs("</svg>\n", f);
#undef XS
}

static int write_dimension(FILE *f, const hln_report_analyst_page *p, const char *dim, char *err,
                           size_t errlen)
{
    hln_equity_result *e = NULL;
    int rc = hln_equity_run(p->s, p->q, dim, NULL, &e);
    if (rc == HLN_EPERM || rc == HLN_EINVAL)
        return 0;
    if (rc)
        return rc;
    fputs("<h3>By ", f);
    ESC(f, dim);
    fputs(" (reference ", f);
    ESC(f, e->ref);
    fputs(")</h3>\n", f);
    strata_svg(f, e);
    double m = e->kind == HLN_KIND_PROPORTION ? 100 : e->multiplier;
    const hln_equity_row *row = &e->pooled;
    fputs("<table class=\"strata\"><thead><tr><th scope=\"col\">Stratum</th><th "
          "scope=\"col\">Count</th><th scope=\"col\">Value (95% interval)</th><th "
          "scope=\"col\">Gap to the reference</th></tr></thead><tbody>\n",
          f);
    for (size_t i = 0; i < e->n_strata; i++) {
        const hln_equity_cell *c = &row->cells[i];
        fputs("<tr><td>", f);
        ESC(f, e->strata[i]);
        if (!c->counted) {
            fputs("</td><td>-</td><td>-</td><td></td></tr>\n", f);
            continue;
        }
        fprintf(f, "</td><td>%llu / %llu</td><td>%.1f (%.1f - %.1f)</td><td>",
                (unsigned long long)c->x, (unsigned long long)c->n, c->value * m, c->lo * m,
                c->hi * m);
        if (c->has_gap)
            fprintf(f, "%+.1f (%+.1f to %+.1f)", c->diff * m, c->diff_lo * m, c->diff_hi * m);
        else if (!strcmp(e->strata[i], e->ref))
            fputs("reference", f);
        fputs("</td></tr>\n", f);
    }
    fputs("</tbody></table>\n", f);
    if (row->has_sii)
        fprintf(f, "<p>Slope index of inequality %.3g (%.3g to %.3g); relative index %.3f (%.3f "
                   "to %.3f).</p>\n",
                row->sii.sii * m, row->sii.sii_lo * m, row->sii.sii_hi * m, row->sii.rii,
                row->sii.rii_lo, row->sii.rii_hi);
    char cmd[2048], suffix[2048];
    snprintf(cmd, sizeof cmd, "hlnctl bench %s --period %s --group %s --by %s --json",
             p->r->indicator, p->r->period, p->r->group, dim);
    snprintf(suffix, sizeof suffix, "_by_%s", dim);
    rc = downloads(f, p, suffix, w_eq_csv, w_eq_json, e, cmd, err, errlen);
    hln_equity_destroy(&e);
    return rc;
}

static int write_strata(FILE *f, const hln_report_analyst_page *p, char *err, size_t errlen)
{
    const hln_indicator *ind = p->q->indicator;
    if (ind->kind > HLN_KIND_RATE || ind->n_strata == 0 || p->r->stratum[0])
        return 0;
    char dims[HLN_STRATA_MAX][HLN_CODE_MAX + 1];
    size_t nd = 0;
    for (uint32_t i = 0; i < ind->n_strata && i < HLN_STRATA_MAX; i++) {
        const char *eq = strchr(ind->strata[i], '=');
        if (!eq || eq == ind->strata[i])
            continue;
        size_t l = (size_t)(eq - ind->strata[i]);
        bool seen = false;
        for (size_t k = 0; k < nd; k++)
            seen = seen || (strlen(dims[k]) == l && !strncmp(dims[k], ind->strata[i], l));
        if (!seen) {
            memcpy(dims[nd], ind->strata[i], l);
            dims[nd++][l] = '\0';
        }
    }
    if (!nd)
        return 0;
    fputs("<h2 id=\"strata\">Strata side by side</h2>\n", f);
    for (size_t k = 0; k < nd; k++) {
        int rc = write_dimension(f, p, dims[k], err, errlen);
        if (rc)
            return rc;
    }
    return 0;
}

/* ---- standardised rates and means: their own table ---- */

static void write_kind_table(FILE *f, const hln_report_analyst_page *p)
{
    const hln_bench_result *r = p->r;
    if (r->kind != HLN_KIND_DSR && r->kind != HLN_KIND_MEAN && r->kind != HLN_KIND_ISR)
        return;
    bool dsr = r->kind == HLN_KIND_DSR, isr = r->kind == HLN_KIND_ISR;
    if (isr) {
        fputs("<h2 id=\"isr\">Indirectly standardised ratios</h2>\n<p>Reference <code>", f);
        ESC(f, r->standard);
        fprintf(f, "</code>; observed / expected events x %u, 95%% limits by Byar's method "
                   "(exact below 10 events); places on PHE's funnel around %u",
                r->multiplier, r->multiplier);
        if (r->has_stats)
            fprintf(f, "; pooled ratio %.1f (%llu observed / %.2f expected)",
                    r->summary.theta0 * r->multiplier, (unsigned long long)r->summary.sum_x,
                    (double)r->summary.sum_n / HLN_ISR_SCALE);
        fputs(".</p>\n", f);
    } else if (dsr) {
        fputs("<h2 id=\"dsr\">Directly standardised rates</h2>\n<p>Standard population <code>", f);
        ESC(f, r->standard);
        fprintf(f, "</code>, per %u; 95%% limits by Dobson's method. Units with fewer than 10 "
                   "events have no rate (%zu).",
                r->multiplier, r->n_too_few);
        if (r->has_stats)
            fprintf(f, " Pooled DSR %.1f (population-weighted, as a roll-up); places on PHE's "
                       "DSR funnel around %.1f.",
                    r->dsr_pool.dsr * r->multiplier, r->summary.theta0 * r->multiplier);
        fputs("</p>\n", f);
    } else {
        fputs("<h2 id=\"means\">Means</h2>\n<p>95% limits by Student's t; places against normal "
              "funnel limits around the pooled mean",
              f);
        if (r->has_stats)
            fprintf(f, " %.6g (sd %.6g, n %llu)", r->summary.theta0, r->summary.tau2,
                    (unsigned long long)r->summary.sum_n);
        fputs(".</p>\n", f);
    }
    fprintf(f, "<table><thead><tr><th scope=\"col\">Unit</th><th scope=\"col\">%s</th><th "
               "scope=\"col\">%s</th><th scope=\"col\">95%% interval</th><th "
               "scope=\"col\">Place</th></tr></thead><tbody>\n",
            isr ? "Observed / expected" : dsr ? "Events / population" : "n",
            isr ? "Ratio" : dsr ? "Rate" : "Mean");
    double m = dsr || isr ? r->multiplier : 1;
    for (size_t i = 0; i < r->n_units; i++) {
        const hln_bench_unit *u = &r->units[i];
        char name[160] = "";
        if (!p->o->name || !p->o->name(p->o->name_ctx, u->author, name, sizeof name))
            hln_id_short(u->author, name);
        fputs("<tr><td>", f);
        ESC(f, u->unit[0] ? u->unit : name);
        if (u->unit[0]) {
            fputs(" (", f);
            ESC(f, name);
            fputs(")", f);
        }
        if (isr)
            fprintf(f, "</td><td>%llu / %.2f", (unsigned long long)u->s.x,
                    (double)u->s.n / HLN_ISR_SCALE);
        else if (dsr)
            fprintf(f, "</td><td>%llu / %llu", (unsigned long long)u->s.x,
                    (unsigned long long)u->s.n);
        else
            fprintf(f, "</td><td>%llu", (unsigned long long)u->s.n);
        fprintf(f, "</td><td>%.1f</td><td>%.1f - %.1f</td><td>%s</td></tr>\n", u->s.value * m,
                u->s.ci95.lo * m, u->s.ci95.hi * m, hln_stats_place_name(u->s.place_used));
    }
    fputs("</tbody></table>\n", f);
    hln_report_analyst_links(f, p);
}

/* ---- countries missing from a global page ---- */

typedef struct {
    const hln_report_opts *o;
    char (*c)[3];
    size_t n, cap;
    uint8_t last[HLN_KEY_LEN];
    bool have_last;
} country_set;

static int add_country(country_set *cs, const char *j)
{
    if (!j[0] || !j[1] || !strcmp(j, "global"))
        return 0;
    for (size_t i = 0; i < cs->n; i++)
        if (cs->c[i][0] == j[0] && cs->c[i][1] == j[1])
            return 0;
    if (hln_util_grow((void **)&cs->c, &cs->cap, cs->n + 1, sizeof *cs->c))
        return HLN_ENOMEM;
    cs->c[cs->n][0] = j[0], cs->c[cs->n][1] = j[1], cs->c[cs->n][2] = '\0';
    cs->n++;
    return 0;
}

static int country_cb(void *ctx, const hln_obs_entry *e)
{
    country_set *cs = ctx;
    if (cs->have_last && !memcmp(cs->last, e->author, HLN_KEY_LEN))
        return 0;
    memcpy(cs->last, e->author, HLN_KEY_LEN);
    cs->have_last = true;
    char j[HLN_SCOPE_MAX + 1];
    if (cs->o->in_group && !cs->o->in_group(cs->o->in_group_ctx, "all", e->author))
        return 0;
    if (!cs->o->jurisdiction(cs->o->jurisdiction_ctx, e->author, j))
        return 0;
    return add_country(cs, j);
}

static int cmp_cc(const void *a, const void *b)
{
    return strcmp(a, b);
}

static int write_countries(FILE *f, const hln_report_analyst_page *p)
{
    if (strcmp(p->r->group, "all") || !p->o->jurisdiction)
        return 0;
    country_set every = {.o = p->o}, here = {.o = p->o};
    int rc = hln_store_foreach_obs(p->s, p->r->indicator, NULL, p->r->stratum, country_cb, &every);
    for (size_t i = 0; rc == 0 && i < p->r->n_units + p->r->n_suppressed; i++) {
        bool su = i >= p->r->n_units;
        const uint8_t *a = su ? p->r->suppressed[i - p->r->n_units].author : p->r->units[i].author;
        char j[HLN_SCOPE_MAX + 1];
        if (p->o->jurisdiction(p->o->jurisdiction_ctx, a, j))
            rc = add_country(&here, j);
    }
    if (rc)
        goto out;
    if (every.n > 1)
        qsort(every.c, every.n, sizeof *every.c, cmp_cc);
    fputs("<h2 id=\"countries\">Countries</h2>\n<table class=\"countries\"><thead><tr><th "
          "scope=\"col\">Country</th><th scope=\"col\">This period</th></tr></thead><tbody>\n",
          f);
    size_t missing = 0;
    for (size_t i = 0; i < every.n; i++) {
        bool in = false;
        for (size_t k = 0; k < here.n; k++)
            in = in || !strcmp(here.c[k], every.c[i]);
        missing += !in;
        fprintf(f, "<tr><td>%s</td><td>%s</td></tr>\n", every.c[i],
                in ? "reported" : "<strong>missing</strong>: no roll-up for this period");
    }
    fputs("</tbody></table>\n", f);
    fprintf(f, "<p class=\"note\">%zu of %zu countries that ever reported this indicator have no "
               "figures for %s.</p>\n",
            missing, every.n, p->r->period);
out:
    free(every.c);
    free(here.c);
    return rc;
}

int hln_report_analyst_write(FILE *f, const hln_report_analyst_page *p, char *err, size_t errlen)
{
    if (!f || !p || !p->s || !p->o || !p->outdir || !p->rel || !p->q || !p->r)
        return HLN_EINVAL;
    char cmd[256], name[2400];
    page_cmd(p->r, cmd, sizeof cmd);
    const hln_stats_summary *sm = &p->r->summary;
    if (p->r->has_stats && p->r->kind <= HLN_KIND_RATE && sm->od_too_few)
        fprintf(f, "<p class=\"note\">Only %zu unit%s: the funnel limits are not widened for "
                   "overdispersion below %d units, whatever the test says (phi %.3g, p %.3g); "
                   "places are read against the plain limits.</p>\n",
                sm->units, sm->units == 1 ? "" : "s", HLN_STATS_OD_MIN_UNITS, sm->phi,
                sm->p_value);
    /* The page's figures beside each table and chart that shows them (the
     * funnel plot, the ranking, the kind's table: hln_report_analyst_links);
     * a section of their own only when no unit counted. */
    int rc = write_beside(p, ".csv", w_csv, p->r, name, sizeof name, err, errlen);
    if (rc == 0)
        rc = write_beside(p, ".json", w_json, p->r, name, sizeof name, err, errlen);
    if (rc == 0 && !p->r->has_stats) {
        fputs("<h2 id=\"downloads\">This page's figures</h2>\n", f);
        rc = hln_report_analyst_links(f, p);
    }
    if (rc == 0)
        write_kind_table(f, p);
    if (rc == 0)
        rc = write_countries(f, p);
    if (rc == 0)
        rc = write_trend(f, p, err, errlen);
    if (rc == 0)
        rc = write_strata(f, p, err, errlen);
    if (rc && err && !err[0])
        hln_util_seterr(err, errlen, "analyst sections: %s", hln_strerror(rc));
    return rc ? rc : (ferror(f) ? HLN_EIO : 0);
}

int hln_report_analyst_add_periods(const hln_report_opts *o, char (**v)[HLN_PERIOD_MAX + 1],
                                   size_t *n, size_t *cap)
{
    size_t held = *n;
    for (size_t i = 0; o->periods && i < o->n_periods; i++) {
        const char *want = o->periods[i];
        char g = hln_periods_grain(want);
        if (g != 'Y' && g != 'Q')
            continue;
        bool present = false, inside = false;
        for (size_t k = 0; k < *n; k++) {
            char c[HLN_PERIOD_MAX + 1];
            present = present || !strcmp((*v)[k], want);
            inside = inside || (k < held && hln_periods_coarsen((*v)[k], g, c) == 0 &&
                                !strcmp(c, want));
        }
        if (present || !inside)
            continue;
        if (hln_util_grow((void **)v, cap, *n + 1, sizeof **v))
            return HLN_ENOMEM;
        snprintf((*v)[(*n)++], HLN_PERIOD_MAX + 1, "%s", want);
    }
    return 0;
}
