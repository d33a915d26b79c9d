/* report.c - the public report: benchmarks as a static HTML site with inline SVG funnel plots. */
#include "node/util.h"
#include "node/hlnctl/report.h"
#include "node/hlnctl/cli.h"
#include "node/hlnctl/report_collab.h"
#include "node/hlnctl/report_analyst.h"
#include "node/hlnctl/report_run.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "crypto/crypto.h"
#include "crypto/err.h"
#include "proto/codes.h"
#include "node/hlnctl/cmd_bench.h"
#include "node/hlnctl/cmd_gov.h"
#include "node/node.h"
#include "node/stats.h"
#include "node/trust.h"
#include "node/gov.h"
#include "node/bench.h"
#include "node/bench_view.h"

#define GROUP_ALL "all"
#define NAME_CAP (HLN_NAME_MAX + 1)
#define HEX_LEN (2 * HLN_HASH_LEN + 1)
/* Points sampled along each funnel limit: enough for smooth curves and for
 * the steps of exact limits to show, few enough to keep a page small. */
#define CURVE_POINTS 160

/* Plot geometry (SVG user units). */
#define SVG_W 760.0
#define SVG_H 460.0
#define PLOT_L 78.0
#define PLOT_R 740.0
#define PLOT_T 22.0
#define PLOT_B 400.0

/* ---- escaping ---- */

/* Escape the first len bytes of s (or up to its NUL). */
static int escape_n(FILE *f, const char *s, size_t len)
{
    if (!s)
        return ferror(f) ? HLN_EIO : 0;
    const unsigned char *end = (const unsigned char *)s + len;
    for (const unsigned char *p = (const unsigned char *)s; p < end && *p; p++) {
        switch (*p) {
        case '&':
            fputs("&amp;", f);
            break;
        case '<':
            fputs("&lt;", f);
            break;
        case '>':
            fputs("&gt;", f);
            break;
        case '"':
            fputs("&quot;", f);
            break;
        case '\'':
            fputs("&#39;", f);
            break;
        default:
            /* Records cannot hold control characters, but definitions handed
             * to the API need not come from records: never pass one on. */
            if (*p < 0x20 || *p == 0x7f)
                fputs("&#xFFFD;", f);
            else
                fputc(*p, f);
        }
    }
    return ferror(f) ? HLN_EIO : 0;
}

int hln_report_escape(FILE *f, const char *s)
{
    return escape_n(f, s, s ? strlen(s) : 0);
}

#define ESC(f, s) hln_report_escape((f), (s))

/* Free text whose line breaks mean something (an indicator's description):
 * each '\n' becomes <br>, everything else is escaped as by ESC. */
static void esc_lines(FILE *f, const char *text)
{
    for (const char *p = text; p;) {
        const char *nl = strchr(p, '\n');
        escape_n(f, p, nl ? (size_t)(nl - p) : strlen(p));
        if (nl)
            fputs("<br>\n", f);
        p = nl ? nl + 1 : NULL;
    }
}

/* ---- names and paths ---- */

static bool group_valid(const char *g)
{
    return !strcmp(g, GROUP_ALL) || hln_code_jurisdiction(g, strlen(g));
}

int hln_report_page_path(const char *indicator, const char *period, const char *group, char *out,
                         size_t cap)
{
    if (!indicator || !period || !group || !hln_code_indicator(indicator, strlen(indicator)) ||
        !hln_code_period(period, strlen(period)) || !group_valid(group))
        return HLN_EINVAL;
    /* Codes are [a-z0-9._-], periods [0-9Q-] and groups [A-Z0-9-] or "all":
     * '_' separates period and group without ambiguity, and every part is
     * safe in a URL as it is. */
    int n = snprintf(out, cap, "%s/%s_%s.html", indicator, period, group);
    return n < 0 || (size_t)n >= cap ? HLN_ETOOBIG : 0;
}

static const char *domain_name(uint32_t d)
{
    static const char *names[] = {"process", "experience", "outcome", "cost"};
    return d < 4 ? names[d] : "unknown";
}

static const char *judgement_text(int j)
{
    return j > 0 ? "better" : j < 0 ? "worse" : "as expected";
}

static const char *judgement_class(int j)
{
    return j > 0 ? "better" : j < 0 ? "worse" : "expected";
}

/* ---- numbers (values and gaps: hln_bench_format_value, hln_bench_format_gap) ---- */

/* The factor from engine values to what people read: percent or per multiplier. */
static double display_scale(const hln_bench_result *r)
{
    return r->kind == HLN_KIND_RATE ? (r->multiplier ? r->multiplier : 1) : 100.0;
}

/* Axis labels for counts: 2500, 25k, 1.2M. */
static void fmt_count(char *buf, size_t cap, double v)
{
    if (v >= 1e6)
        snprintf(buf, cap, "%gM", v / 1e6);
    else if (v >= 1e4)
        snprintf(buf, cap, "%gk", v / 1e3);
    else
        snprintf(buf, cap, "%g", v);
}

static double nice_step(double range, int target)
{
    if (!(range > 0))
        return 1;
    double raw = range / target;
    double mag = pow(10, floor(log10(raw)));
    double norm = raw / mag;
    return (norm < 1.5 ? 1 : norm < 3 ? 2 : norm < 7 ? 5 : 10) * mag;
}

/* ---- who: names and groups ---- */

typedef struct {
    const hln_report_opts *o;
    const char *group;
} group_ctx;

static bool author_jurisdiction(const hln_report_opts *o, const uint8_t *author,
                                char out[HLN_SCOPE_MAX + 1])
{
    out[0] = '\0';
    if (!o->jurisdiction || !o->jurisdiction(o->jurisdiction_ctx, author, out))
        return false;
    out[HLN_SCOPE_MAX] = '\0';
    /* "global" names no country: such authors belong to "all" only. */
    return hln_code_jurisdiction(out, strlen(out));
}

/* "all" is no scope code: everything lies within it. */
static bool within(const char *jurisdiction, const char *group)
{
    return !strcmp(group, GROUP_ALL) || hln_scope_within(jurisdiction, group);
}

static bool in_group(void *ctx, const uint8_t author[HLN_KEY_LEN])
{
    const group_ctx *g = ctx;
    if (g->o->in_group)
        return g->o->in_group(g->o->in_group_ctx, g->group, author);
    char j[HLN_SCOPE_MAX + 1];
    return author_jurisdiction(g->o, author, j) && within(j, g->group);
}

/* Does `author` count in `group`? Under the caller's rule if it gives one. */
static bool counts_in(const hln_report_opts *o, const char *group, const uint8_t *author)
{
    group_ctx g = {.o = o, .group = group};
    return in_group(&g, author);
}

static void author_name(const hln_report_opts *o, const uint8_t *author, char *out, size_t cap)
{
    out[0] = '\0';
    if (o->name && o->name(o->name_ctx, author, out, cap) && out[0]) {
        out[cap - 1] = '\0';
        return;
    }
    char sid[HLN_ID_SHORT_LEN + 1];
    hln_id_short(author, sid);
    snprintf(out, cap, "node %s", sid);
}

/* ---- discovery: periods and jurisdictions in the index ---- */

typedef struct {
    char (*v)[HLN_PERIOD_MAX + 1];
    size_t n, cap;
} period_list;

static int period_cb(void *ctx, const hln_obs_entry *e)
{
    period_list *l = ctx;
    /* The index walks in period order, so a new period shows at the end. */
    if (l->n && !strcmp(l->v[l->n - 1], e->period))
        return 0;
    if (strlen(e->period) > HLN_PERIOD_MAX)
        return 0;
    if (hln_util_grow((void **)&l->v, &l->cap, l->n + 1, sizeof *l->v))
        return HLN_ENOMEM;
    snprintf(l->v[l->n++], HLN_PERIOD_MAX + 1, "%s", e->period);
    return 0;
}

static int cmp_period(const void *a, const void *b)
{
    return strcmp(a, b);
}

typedef struct {
    uint8_t (*v)[HLN_KEY_LEN];
    size_t n, cap;
} author_list;

static int author_cb(void *ctx, const hln_obs_entry *e)
{
    author_list *l = ctx;
    if (l->n && !memcmp(l->v[l->n - 1], e->author, HLN_KEY_LEN))
        return 0;
    if (hln_util_grow((void **)&l->v, &l->cap, l->n + 1, sizeof *l->v))
        return HLN_ENOMEM;
    memcpy(l->v[l->n++], e->author, HLN_KEY_LEN);
    return 0;
}

typedef char scope_code[HLN_SCOPE_MAX + 1];

static int cmp_scope(const void *a, const void *b)
{
    return strcmp(a, b);
}

/* Add `j` to the set (unsorted, unique). */
static int scope_add(scope_code **v, size_t *n, size_t *cap, const char *j)
{
    for (size_t i = 0; i < *n; i++)
        if (!strcmp((*v)[i], j))
            return 0;
    if (hln_util_grow((void **)v, cap, *n + 1, sizeof **v))
        return HLN_ENOMEM;
    snprintf((*v)[(*n)++], sizeof(scope_code), "%s", j);
    return 0;
}

/* The comparison groups of one (indicator, period): the main group first,
 * then every country and subdivision inside it where an author stands, in
 * code order ("CA" before "CA-ON" before "FR"). */
static int find_groups(hln_store *s, const hln_report_opts *o, const char *main_group,
                       const char *code, const char *period, const char *stratum, scope_code **out,
                       size_t *count)
{
    scope_code *v = NULL;
    size_t n = 0, cap = 0;
    author_list al = {0};
    int rc = scope_add(&v, &n, &cap, main_group);
    if (rc == 0 && o->jurisdiction)
        rc = hln_store_foreach_obs(s, code, period, stratum, author_cb, &al);
    for (size_t i = 0; rc == 0 && i < al.n; i++) {
        char j[HLN_SCOPE_MAX + 1], country[3];
        if (!author_jurisdiction(o, al.v[i], j))
            continue;
        hln_scope_country(j, country);
        /* Under the caller's rule a jurisdiction shows only where one of
         * its own units reported: an authority's roll-up (unit CA) is no
         * unit of CA, so it makes no CA page. */
        bool rule = o->in_group != NULL;
        if (strcmp(country, main_group) && within(country, main_group) &&
            (!rule || counts_in(o, country, al.v[i])))
            rc = scope_add(&v, &n, &cap, country);
        if (rc == 0 && strcmp(j, country) && strcmp(j, main_group) && within(j, main_group) &&
            (!rule || counts_in(o, j, al.v[i])))
            rc = scope_add(&v, &n, &cap, j);
    }
    free(al.v);
    if (rc != 0) {
        free(v);
        return rc;
    }
    if (n > 2)
        qsort(v + 1, n - 1, sizeof *v, cmp_scope);
    *out = v;
    *count = n;
    return 0;
}

/* ---- files ---- */

static int make_dir(const char *path, char *err, size_t errlen)
{
    /* The report is public: world-readable, as a web server needs it. */
    if (mkdir(path, 0755) != 0 && errno != EEXIST) {
        hln_util_seterr(err, errlen, "cannot create %s: %s", path, strerror(errno));
        return HLN_EIO;
    }
    struct stat st;
    if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode)) {
        hln_util_seterr(err, errlen, "%s is not a directory", path);
        return HLN_EIO;
    }
    return 0;
}

typedef struct {
    FILE *f;
    char path[4096], tmp[4200];
} out_file;

static int out_open(out_file *of, const char *outdir, const char *rel, char *err, size_t errlen)
{
    int n = snprintf(of->path, sizeof of->path, "%s/%s", outdir, rel);
    if (n < 0 || (size_t)n >= sizeof of->path) {
        hln_util_seterr(err, errlen, "path too long under %s", outdir);
        return HLN_ETOOBIG;
    }
    snprintf(of->tmp, sizeof of->tmp, "%s.tmp", of->path);
    /* umask may be 077 (hlnd, root's shell): set the mode a web server needs. */
    of->f = fopen(of->tmp, "w");
    if (!of->f || fchmod(fileno(of->f), 0644) != 0) {
        hln_util_seterr(err, errlen, "cannot write %s: %s", of->tmp, strerror(errno));
        if (of->f)
            fclose(of->f), unlink(of->tmp);
        of->f = NULL;
        return HLN_EIO;
    }
    return 0;
}

/* Close and move into place; on failure or when `ok` is false, remove the
 * temporary file so that a half page is never published. */
static int out_close(out_file *of, bool ok, char *err, size_t errlen)
{
    if (!of->f)
        return 0;
    bool bad = ferror(of->f) != 0;
    if (fclose(of->f) != 0)
        bad = true;
    of->f = NULL;
    if (ok && !bad && rename(of->tmp, of->path) == 0)
        return 0;
    if (ok)
        hln_util_seterr(err, errlen, "cannot write %s: %s", of->path, strerror(errno));
    unlink(of->tmp);
    return HLN_EIO;
}

/* ---- page parts ---- */

/* Inline style: the site has no external assets. Colours pass WCAG AA
 * contrast on white; point colours are told apart by text as well. */
static const char CSS[] =
    "body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;margin:0;color:#1a1a1a;"
    "background:#fff;line-height:1.45}"
    "header,main,footer{max-width:60rem;margin:0 auto;padding:0 1rem}"
    "header{border-bottom:3px solid #1f4e79;padding-top:1rem}"
    "h1{font-size:1.6rem;margin:.3rem 0}h2{font-size:1.25rem;margin-top:2rem;border-bottom:1px "
    "solid #ccc}"
    "a{color:#1f4e79}.sub{color:#444;margin:.2rem 0 1rem}"
    "table{border-collapse:collapse;width:100%;margin:.5rem 0;font-size:.92rem}"
    "th,td{border-bottom:1px solid #ddd;padding:.25rem .45rem;text-align:left;vertical-align:top}"
    "th{background:#f0f4f8}td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}"
    "dl.kv{display:grid;grid-template-columns:max-content auto;gap:.2rem 1rem}dl.kv "
    "dt{font-weight:600}"
    "dl.kv "
    "dd{margin:0}code,.digest{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.88rem}"
    ".digest{word-break:break-all;background:#f6f6f6;padding:.3rem .5rem;display:block}"
    "figure{margin:1rem 0}svg{max-width:100%;height:auto}figcaption{font-size:.9rem;color:#333}"
    ".better{color:#08519c}.worse{color:#b2182b}.expected{color:#444}"
    "ul.legend{list-style:none;padding:0;display:flex;flex-wrap:wrap;gap:.3rem "
    "1.2rem;font-size:.88rem}"
    ".note{background:#fff8e1;border-left:4px solid #f0a500;padding:.4rem .7rem}"
    "footer{border-top:1px solid #ccc;margin-top:2rem;padding:1rem;font-size:.85rem;color:#444}"
    "@media print{header{border:0}a{color:inherit}}";

static void page_head(FILE *f, const char *title_a, const char *title_b)
{
    fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
          /* Nothing but inline style may load or run, even if a string
           * slipped through escaping. */
          "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
          "style-src 'unsafe-inline'; img-src data:\">\n"
          "<meta name=\"generator\" content=\"hln " HLN_BENCH_VERSION "\">\n<title>",
          f);
    ESC(f, title_a);
    if (title_b) {
        fputs(" — ", f);
        ESC(f, title_b);
    }
    fprintf(f, "</title>\n<style>%s</style>\n</head>\n<body>\n", CSS);
}

static void page_foot(FILE *f, const hln_report_opts *o)
{
    fputs("<footer>\n<p>", f);
    if (o->publisher && o->publisher[0]) {
        fputs("Published by ", f);
        ESC(f, o->publisher);
        fputs(". ", f);
    }
    fputs("Computed by an hln node (Health Learning Network) from signed, aggregated "
          "observations; engine <code>" HLN_BENCH_VERSION "</code>. Only aggregate counts are "
          "shown; small cells are suppressed at the source.</p>\n</footer>\n</body>\n</html>\n",
          f);
}

static const char *site_title(const hln_report_opts *o)
{
    return o->title && o->title[0] ? o->title : "Health Learning Network: public report";
}

static void group_label(FILE *f, const char *group)
{
    if (!strcmp(group, GROUP_ALL)) {
        fputs("all reporting units", f);
        return;
    }
    fputs(strchr(group, '-') ? "subnational: " : "national: ", f);
    ESC(f, group);
}

/* ---- the funnel plot ---- */

typedef struct {
    double x0, x1, y0, y1;
    bool logx;
} plot;

static double px(const plot *p, double n)
{
    double t =
        p->logx ? (log(n) - log(p->x0)) / (log(p->x1) - log(p->x0)) : (n - p->x0) / (p->x1 - p->x0);
    return PLOT_L + t * (PLOT_R - PLOT_L);
}

static double py(const plot *p, double v)
{
    return PLOT_B - (v - p->y0) / (p->y1 - p->y0) * (PLOT_B - PLOT_T);
}

static void widen(double *lo, double *hi, double v)
{
    if (isfinite(v)) {
        if (v < *lo)
            *lo = v;
        if (v > *hi)
            *hi = v;
    }
}

/* Limits (display units) at one denominator: funnel, then adjusted. */
static int limits_at(const hln_bench_result *r, uint64_t n, hln_stats_limits *lim,
                     hln_stats_limits *adj)
{
    const hln_stats_summary *s = &r->summary;
    int rc = hln_stats_funnel(r->kind, s->method_used, s->theta0, n, lim);
    if (rc == 0 && adj)
        rc = hln_stats_funnel_adjusted(r->kind, s->theta0, s->tau2, n, adj);
    return rc;
}

static void path_series(FILE *f, const plot *p, const double *xs, const double *ys, size_t n,
                        const char *cls, const char *label)
{
    fprintf(f, "<path class=\"%s\" d=\"", cls);
    bool pen = false;
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(ys[i])) {
            pen = false;
            continue;
        }
        /* Keep far-off values near the plot: the clip path hides them, and
         * SVG renderers misbehave on huge coordinates. */
        double y = py(p, ys[i]);
        y = y < -1000 ? -1000 : y > 2000 ? 2000 : y;
        fprintf(f, "%s%.1f %.1f", pen ? " L" : "M", px(p, xs[i]), y);
        pen = true;
    }
    fprintf(f, "\"><title>%s</title></path>\n", label);
}

/* The denominator axis: from the smallest to the largest unit, on a log
 * scale when asked or when they span a factor of ten. *nmin gets the
 * smallest denominator (where the limits are widest). */
static void funnel_x_range(plot *p, const hln_bench_result *r, const hln_report_opts *o,
                           uint64_t *nmin_out)
{
    uint64_t nmin = UINT64_MAX, nmax = 0;
    for (size_t i = 0; i < r->n_units; i++) {
        if (r->units[i].s.n < nmin)
            nmin = r->units[i].s.n;
        if (r->units[i].s.n > nmax)
            nmax = r->units[i].s.n;
    }
    p->logx = o->axis == HLN_REPORT_AXIS_LOG ||
              (o->axis == HLN_REPORT_AXIS_AUTO && (double)nmax >= 10.0 * (double)nmin);
    if (nmin == nmax) {
        p->x0 = nmin > 1 ? (double)nmin / 2 : 1;
        p->x1 = (double)nmax * 2;
    } else if (p->logx) {
        p->x0 = (double)nmin / 1.25 < 1 ? 1 : (double)nmin / 1.25;
        p->x1 = (double)nmax * 1.25;
    } else {
        double pad = ((double)nmax - (double)nmin) * 0.05;
        p->x0 = (double)nmin - pad < 1 ? 1 : (double)nmin - pad;
        p->x1 = (double)nmax + pad;
    }
    *nmin_out = nmin;
}

/* The limit curves over the denominator axis, in display units: c[0..3]
 * the funnel's lower 99.8%, lower 95%, upper 95%, upper 99.8%, and
 * c[4..7] the same widened for overdispersion (when there is some). */
typedef struct {
    double xs[CURVE_POINTS], c[8][CURVE_POINTS];
    size_t m;
} funnel_curves;

static int funnel_limits(funnel_curves *cv, const plot *p, const hln_bench_result *r)
{
    const double k = display_scale(r);
    const bool od = r->summary.overdispersed;
    uint64_t last = 0;
    cv->m = 0;
    for (int i = 0; i < CURVE_POINTS; i++) {
        double t = (double)i / (CURVE_POINTS - 1);
        double x =
            p->logx ? exp(log(p->x0) + t * (log(p->x1) - log(p->x0))) : p->x0 + t * (p->x1 - p->x0);
        uint64_t n = (uint64_t)llround(x);
        if (n < 1)
            n = 1;
        if (n == last)
            continue;
        last = n;
        hln_stats_limits lim, adj;
        int rc = limits_at(r, n, &lim, od ? &adj : NULL);
        if (rc != 0)
            return rc;
        size_t m = cv->m++;
        cv->xs[m] = (double)n;
        cv->c[0][m] = lim.lo998 * k, cv->c[1][m] = lim.lo95 * k, cv->c[2][m] = lim.hi95 * k;
        cv->c[3][m] = lim.hi998 * k;
        if (od)
            cv->c[4][m] = adj.lo998 * k, cv->c[5][m] = adj.lo95 * k, cv->c[6][m] = adj.hi95 * k,
            cv->c[7][m] = adj.hi998 * k;
    }
    return 0;
}

/* The value axis holds every unit, the pooled value, the ABC and the
 * limits at the smallest denominator held (the widest the data need). */
static void funnel_y_range(plot *p, const hln_bench_result *r, uint64_t nmin)
{
    const hln_stats_summary *s = &r->summary;
    const double k = display_scale(r);
    const bool od = s->overdispersed;
    double ylo = s->theta0 * k, yhi = s->theta0 * k;
    widen(&ylo, &yhi, s->abc * k);
    for (size_t i = 0; i < r->n_units; i++)
        widen(&ylo, &yhi, r->units[i].s.value * k);
    hln_stats_limits lim, adj;
    if (limits_at(r, nmin, &lim, od ? &adj : NULL) == 0) {
        widen(&ylo, &yhi, lim.lo998 * k);
        widen(&ylo, &yhi, lim.hi998 * k);
        if (od) {
            widen(&ylo, &yhi, adj.lo998 * k);
            widen(&ylo, &yhi, adj.hi998 * k);
        }
    }
    double pad = (yhi - ylo) * 0.06;
    if (!(pad > 0))
        pad = yhi > 0 ? yhi * 0.1 : 1;
    p->y0 = ylo - pad, p->y1 = yhi + pad;
    if (p->y0 < 0)
        p->y0 = 0;
    if (r->kind == HLN_KIND_PROPORTION && p->y1 > 100)
        p->y1 = 100;
    if (!(p->y1 > p->y0))
        p->y1 = p->y0 + 1;
}

/* The <svg> element's start: title and description for screen readers,
 * styles, the clip path of the plot area. */
static void funnel_head(FILE *f, const hln_bench_result *r, const hln_indicator *ind)
{
    const hln_stats_summary *s = &r->summary;
    char a[64];
    fputs("<figure>\n", f);
    fprintf(f,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %.0f %.0f\" width=\"%.0f\" "
            "height=\"%.0f\" role=\"img\" aria-labelledby=\"fp-title fp-desc\" "
            "font-family=\"system-ui,sans-serif\" font-size=\"12\">\n",
            SVG_W, SVG_H, SVG_W, SVG_H);
    fputs("<title id=\"fp-title\">Funnel plot: ", f);
    ESC(f, ind->title[0] ? ind->title : r->indicator);
    fputs(", ", f);
    ESC(f, r->period);
    fputs("</title>\n<desc id=\"fp-desc\">", f);
    hln_bench_format_value(r, a, sizeof a, s->theta0);
    fprintf(f,
            "%zu units plotted by denominator against their value. Pooled value %s; "
            "control limits at 95%% and 99.8%%%s. The table below lists every unit.",
            r->n_units, a, s->overdispersed ? ", and limits widened for overdispersion" : "");
    fputs("</desc>\n", f);
    fputs("<style>.ax{stroke:#333;stroke-width:1}.grid{stroke:#e5e5e5;stroke-width:1}"
          ".pool{stroke:#1a1a1a;stroke-width:1.5;fill:none}"
          ".abc{stroke:#08519c;stroke-width:1.2;stroke-dasharray:2 3;fill:none}"
          ".l95{stroke:#666;stroke-width:1.3;fill:none;stroke-dasharray:6 3}"
          ".l998{stroke:#333;stroke-width:1.5;fill:none}"
          ".a95{stroke:#b35806;stroke-width:1.2;fill:none;stroke-dasharray:3 3}"
          ".a998{stroke:#b35806;stroke-width:1.5;fill:none;stroke-dasharray:9 3}"
          "circle.better{fill:#2166ac}circle.worse{fill:#d6604d}circle.expected{fill:#999}"
          "circle{stroke:#222;stroke-width:.8;fill-opacity:.85}</style>\n",
          f);
    fprintf(f,
            "<defs><clipPath id=\"fp-clip\"><rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
            "height=\"%.1f\"/></clipPath></defs>\n",
            PLOT_L, PLOT_T, PLOT_R - PLOT_L, PLOT_B - PLOT_T);
}

/* A vertical grid line at x with its label under the axis. */
static void x_tick(FILE *f, double x, const char *label)
{
    fprintf(f,
            "<line class=\"grid\" x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\"/>"
            "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%s</text>\n",
            x, x, PLOT_T, PLOT_B, x, PLOT_B + 16, label);
}

/* y axis: grid lines and ticks at a round step. */
static void funnel_y_ticks(FILE *f, const plot *p, const hln_bench_result *r)
{
    char a[64];
    double ystep = nice_step(p->y1 - p->y0, 6);
    fputs("<g class=\"yaxis\">\n", f);
    for (double t = ceil(p->y0 / ystep) * ystep; t <= p->y1 + ystep * 1e-9; t += ystep) {
        double y = py(p, t);
        double shown = fabs(t) < ystep * 1e-9 ? 0 : t;
        if (r->kind == HLN_KIND_PROPORTION)
            snprintf(a, sizeof a, "%g%%", shown);
        else
            snprintf(a, sizeof a, "%g", shown);
        fprintf(f,
                "<line class=\"grid\" x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\"/>"
                "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%s</text>\n",
                PLOT_L, PLOT_R, y, y, PLOT_L - 6, y + 4, a);
    }
    fputs("</g>\n", f);
}

/* x axis: decades (and 2, 5 within them when few) on a log axis, else (or
 * when no decade falls in the range) a round step. */
static void funnel_x_ticks(FILE *f, const plot *p)
{
    char a[64];
    size_t ticks = 0;
    fputs("<g class=\"xaxis\">\n", f);
    if (p->logx) {
        int e0 = (int)floor(log10(p->x0)), e1 = (int)ceil(log10(p->x1));
        static const double mult[] = {1, 2, 5};
        int nm = e1 - e0 > 3 ? 1 : 3;
        for (int e = e0; e <= e1; e++)
            for (int j = 0; j < nm; j++) {
                double v = mult[j] * pow(10, e);
                if (v < p->x0 || v > p->x1)
                    continue;
                fmt_count(a, sizeof a, v);
                x_tick(f, px(p, v), a);
                ticks++;
            }
    }
    if (!ticks) {
        double xstep = nice_step(p->x1 - p->x0, 6);
        for (double t = ceil(p->x0 / xstep) * xstep; t <= p->x1; t += xstep) {
            fmt_count(a, sizeof a, t);
            x_tick(f, px(p, t), a);
        }
    }
    fputs("</g>\n", f);
}

/* The two axis lines and their labels. */
static void funnel_axis_labels(FILE *f, const plot *p, const hln_bench_result *r)
{
    char b[64];
    fprintf(f,
            "<line class=\"ax\" x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\"/>"
            "<line class=\"ax\" x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\"/>\n",
            PLOT_L, PLOT_R, PLOT_B, PLOT_B, PLOT_L, PLOT_L, PLOT_T, PLOT_B);
    if (r->kind == HLN_KIND_RATE)
        snprintf(b, sizeof b, "Exposure%s", p->logx ? " (log scale)" : "");
    else
        snprintf(b, sizeof b, "Denominator%s", p->logx ? " (log scale)" : "");
    fprintf(f,
            "<text class=\"xlabel\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" "
            "font-size=\"13\">%s</text>\n",
            (PLOT_L + PLOT_R) / 2, SVG_H - 18, b);
    if (r->kind == HLN_KIND_RATE)
        snprintf(b, sizeof b, "Rate per %u", r->multiplier ? r->multiplier : 1);
    else
        snprintf(b, sizeof b, "Value (%%)");
    fprintf(f,
            "<text class=\"ylabel\" transform=\"translate(18 %.1f) rotate(-90)\" "
            "text-anchor=\"middle\" font-size=\"13\">%s</text>\n",
            (PLOT_T + PLOT_B) / 2, b);
}

/* Limits, pooled line and ABC, clipped to the plot area. */
static void funnel_lines(FILE *f, const plot *p, const hln_bench_result *r,
                         const funnel_curves *cv)
{
    const hln_stats_summary *s = &r->summary;
    const double k = display_scale(r);
    const double *xs = cv->xs;
    const size_t m = cv->m;
    char a[64];
    fputs("<g clip-path=\"url(#fp-clip)\">\n", f);
    path_series(f, p, xs, cv->c[0], m, "l998", "lower 99.8% limit");
    path_series(f, p, xs, cv->c[1], m, "l95", "lower 95% limit");
    path_series(f, p, xs, cv->c[2], m, "l95", "upper 95% limit");
    path_series(f, p, xs, cv->c[3], m, "l998", "upper 99.8% limit");
    if (s->overdispersed) {
        path_series(f, p, xs, cv->c[4], m, "a998",
                    "lower 99.8% limit, adjusted for overdispersion");
        path_series(f, p, xs, cv->c[5], m, "a95", "lower 95% limit, adjusted for overdispersion");
        path_series(f, p, xs, cv->c[6], m, "a95", "upper 95% limit, adjusted for overdispersion");
        path_series(f, p, xs, cv->c[7], m, "a998",
                    "upper 99.8% limit, adjusted for overdispersion");
    }
    hln_bench_format_value(r, a, sizeof a, s->theta0);
    fprintf(
        f,
        "<path class=\"pool\" d=\"M%.1f %.1f L%.1f %.1f\"><title>pooled value %s</title></path>\n",
        PLOT_L, py(p, s->theta0 * k), PLOT_R, py(p, s->theta0 * k), a);
    hln_bench_format_value(r, a, sizeof a, s->abc);
    fprintf(f,
            "<path class=\"abc\" d=\"M%.1f %.1f L%.1f %.1f\"><title>achievable benchmark (ABC) "
            "%s</title></path>\n",
            PLOT_L, py(p, s->abc * k), PLOT_R, py(p, s->abc * k), a);
    fputs("</g>\n", f);
}

/* One point per unit, its figures in a tooltip. */
static void funnel_points(FILE *f, const plot *p, const hln_bench_result *r,
                          const hln_report_opts *o)
{
    const double k = display_scale(r);
    fputs("<g class=\"units\">\n", f);
    for (size_t i = 0; i < r->n_units; i++) {
        const hln_bench_unit *u = &r->units[i];
        char name[NAME_CAP], a[64], lo[32], hi[32];
        author_name(o, u->author, name, sizeof name);
        hln_bench_format_value(r, a, sizeof a, u->s.value);
        hln_bench_format_value(r, lo, sizeof lo, u->s.ci95.lo);
        hln_bench_format_value(r, hi, sizeof hi, u->s.ci95.hi);
        fprintf(f, "<circle class=\"unit %s\" cx=\"%.1f\" cy=\"%.1f\" r=\"4.5\"><title>",
                judgement_class(u->s.judgement), px(p, (double)u->s.n), py(p, u->s.value * k));
        ESC(f, u->unit[0] ? u->unit : name);
        if (u->unit[0]) {
            fputs(" (", f);
            ESC(f, name);
            fputs(")", f);
        }
        fprintf(f, ": %llu/%llu = %s, 95%% interval %s to %s; %s, %s</title></circle>\n",
                (unsigned long long)u->s.x, (unsigned long long)u->s.n, a, lo, hi,
                hln_stats_place_name(u->s.place_used), judgement_text(u->s.judgement));
    }
    fputs("</g>\n", f);
}

/* The end of the <svg>, the caption and the legend. */
static void funnel_caption(FILE *f, const hln_bench_result *r)
{
    fputs("</svg>\n", f);
    fprintf(f,
            "<figcaption>Funnel plot: each point is a unit, placed by its %s and its value. "
            "The solid horizontal line is the pooled value, the dotted blue line the "
            "achievable benchmark (ABC); dashed grey curves are the 95%% limits and solid "
            "curves the 99.8%% limits (%s method)%s. Hover a point for its figures.</figcaption>\n",
            r->kind == HLN_KIND_RATE ? "exposure" : "denominator",
            hln_bench_method_name(r->summary.method_used),
            r->summary.overdispersed
                ? "; orange curves are the limits widened for overdispersion, which the places "
                  "are read against"
                : "");
    fputs("<ul class=\"legend\"><li><span class=\"better\">&#9679;</span> better than expected"
          "</li><li><span class=\"worse\">&#9679;</span> worse than expected</li>"
          "<li><span class=\"expected\">&#9679;</span> as expected</li></ul>\n</figure>\n",
          f);
}

static int write_funnel(FILE *f, const hln_bench_result *r, const hln_indicator *ind,
                        const hln_report_opts *o)
{
    plot p;
    funnel_curves cv;
    uint64_t nmin;
    funnel_x_range(&p, r, o, &nmin);
    int rc = funnel_limits(&cv, &p, r);
    if (rc != 0)
        return rc;
    funnel_y_range(&p, r, nmin);
    funnel_head(f, r, ind);
    funnel_y_ticks(f, &p, r);
    funnel_x_ticks(f, &p);
    funnel_axis_labels(f, &p, r);
    funnel_lines(f, &p, r, &cv);
    funnel_points(f, &p, r, o);
    funnel_caption(f, r);
    return ferror(f) ? HLN_EIO : 0;
}

/* ---- the ranked table ---- */

static const hln_bench_result *rank_r; /* qsort has no context argument in C11 */

static int cmp_rank(const void *pa, const void *pb)
{
    const hln_bench_unit *a = &rank_r->units[*(const size_t *)pa];
    const hln_bench_unit *b = &rank_r->units[*(const size_t *)pb];
    if (a->s.value != b->s.value) {
        bool higher = rank_r->direction == HLN_DIR_HIGHER;
        return (a->s.value > b->s.value) == higher ? -1 : 1;
    }
    int c = strcmp(a->unit, b->unit);
    return c ? c : memcmp(a->author, b->author, HLN_KEY_LEN);
}

static int write_ranked(FILE *f, const hln_bench_result *r, const hln_report_opts *o)
{
    size_t *ord = malloc(r->n_units * sizeof *ord);
    if (!ord)
        return HLN_ENOMEM;
    for (size_t i = 0; i < r->n_units; i++)
        ord[i] = i;
    rank_r = r;
    qsort(ord, r->n_units, sizeof *ord, cmp_rank);
    rank_r = NULL;
    fprintf(f,
            "<h2 id=\"ranking\">Units ranked</h2>\n<p>Best first (%s is better). Places are read "
            "against the %s limits; \"better\" and \"worse\" mean outside the 95%% limit in that "
            "direction. The gap to the ABC is positive when a unit falls short of the benchmark, "
            "negative when it does better.</p>\n",
            hln_bench_direction_name(r->direction),
            r->summary.overdispersed ? "overdispersion-adjusted" : "funnel");
    fputs(
        "<table class=\"ranked\">\n<thead><tr><th scope=\"col\" class=\"n\">Rank</th>"
        "<th scope=\"col\">Unit</th><th scope=\"col\">Reported by</th>"
        "<th scope=\"col\" class=\"n\">Numerator</th><th scope=\"col\" class=\"n\">Denominator</th>"
        "<th scope=\"col\" class=\"n\">Value</th><th scope=\"col\">95% interval</th>"
        "<th scope=\"col\">Place</th><th scope=\"col\">Compared</th>"
        "<th scope=\"col\" class=\"n\">Gap to ABC</th></tr></thead>\n<tbody>\n",
        f);
    size_t rank = 0;
    for (size_t i = 0; i < r->n_units; i++) {
        const hln_bench_unit *u = &r->units[ord[i]];
        if (i == 0 || u->s.value != r->units[ord[i - 1]].s.value)
            rank = i + 1;
        char name[NAME_CAP], v[32], lo[32], hi[32], gap[48];
        author_name(o, u->author, name, sizeof name);
        hln_bench_format_value(r, v, sizeof v, u->s.value);
        hln_bench_format_value(r, lo, sizeof lo, u->s.ci95.lo);
        hln_bench_format_value(r, hi, sizeof hi, u->s.ci95.hi);
        hln_bench_format_gap(r, gap, sizeof gap, hln_bench_gap_to_abc(r, u->s.value));
        fprintf(f, "<tr class=\"unit\"><td class=\"n\">%zu</td><td>", rank);
        if (u->unit[0])
            ESC(f, u->unit);
        else
            fputs("(whole node)", f);
        if (u->s.in_abc)
            fputs(" <abbr title=\"sets the achievable benchmark\">ABC</abbr>", f);
        fputs("</td><td>", f);
        ESC(f, name);
        fprintf(f,
                "</td><td class=\"n\">%llu</td><td class=\"n\">%llu</td><td class=\"n\">%s</td>"
                "<td>%s – %s</td><td>%s</td><td class=\"%s\">%s</td><td class=\"n\">%s</td></tr>\n",
                (unsigned long long)u->s.x, (unsigned long long)u->s.n, v, lo, hi,
                hln_stats_place_name(u->s.place_used), judgement_class(u->s.judgement),
                judgement_text(u->s.judgement), gap);
    }
    fputs("</tbody>\n</table>\n", f);
    free(ord);
    return ferror(f) ? HLN_EIO : 0;
}

/* ---- one page ---- */

typedef struct {
    scope_code group;
    hln_bench_result *r;
} group_result;

static void key_figures(FILE *f, const hln_bench_result *r)
{
    const hln_stats_summary *s = &r->summary;
    char a[32], b[32], c[32], d[32], e[32];
    fputs("<h2 id=\"figures\">Key figures</h2>\n<dl class=\"kv\">\n", f);
    fprintf(f, "<dt>Units counted</dt><dd>%zu</dd>\n<dt>Reported suppressed</dt><dd>%zu</dd>\n",
            r->n_units, r->n_suppressed);
    if (r->has_stats) {
        hln_bench_format_value(r, a, sizeof a, s->theta0);
        fprintf(f, "<dt>Pooled value</dt><dd>%s (%llu / %llu)</dd>\n", a,
                (unsigned long long)s->sum_x, (unsigned long long)s->sum_n);
        hln_bench_format_value(r, a, sizeof a, s->abc);
        fprintf(f, "<dt>Achievable benchmark (ABC)</dt><dd>%s</dd>\n", a);
        hln_bench_format_value(r, a, sizeof a, s->min);
        hln_bench_format_value(r, b, sizeof b, s->q1);
        hln_bench_format_value(r, c, sizeof c, s->median);
        hln_bench_format_value(r, d, sizeof d, s->q3);
        hln_bench_format_value(r, e, sizeof e, s->max);
        fprintf(
            f, "<dt>Median (quartiles)</dt><dd>%s (%s – %s)</dd>\n<dt>Range</dt><dd>%s – %s</dd>\n",
            c, b, d, a, e);
        fprintf(f,
                "<dt>Overdispersion</dt><dd>%s: φ = %.3g, χ² = %.3g on %.0f df, p = %.3g, "
                "τ² = %.3g</dd>\n",
                s->overdispersed ? "present (limits widened)" : "none", s->phi, s->chi2, s->df,
                s->p_value, s->tau2);
        fprintf(f, "<dt>Funnel limits</dt><dd>%s</dd>\n", hln_bench_method_name(s->method_used));
    }
    fputs("</dl>\n", f);
}

static void write_abc(FILE *f, const hln_bench_result *r)
{
    const hln_stats_summary *s = &r->summary;
    char a[32];
    hln_bench_format_value(r, a, sizeof a, s->abc);
    fprintf(f,
            "<h2 id=\"abc\">Achievable Benchmark of Care</h2>\n<p>The ABC is <strong>%s</strong>: "
            "the pooled performance (%llu / %llu) of the %zu best unit%s by adjusted "
            "performance fraction (x+1)/(n+2), taken until they hold at least 10%% of all "
            "denominators (Kiefe et al. 2001). It is a level of care that units like these "
            "have shown to be achievable. Units that set it are marked ABC in the table.</p>\n",
            a, (unsigned long long)s->abc_x, (unsigned long long)s->abc_n, s->abc_units,
            s->abc_units == 1 ? "" : "s");
}

static void write_comparisons(FILE *f, const group_result *g, size_t ng, size_t cur,
                              const char *period)
{
    fputs("<h2 id=\"comparisons\">National and subnational comparisons</h2>\n", f);
    if (ng < 2) {
        fputs("<p>No jurisdiction inside this group holds reporting units of its own.</p>\n", f);
        return;
    }
    fputs("<p>The same figures for each jurisdiction, from the units of the organizations that "
          "stand in it.</p>\n<table class=\"comparisons\">\n<thead><tr><th scope=\"col\">Group</th>"
          "<th scope=\"col\" class=\"n\">Units</th><th scope=\"col\" class=\"n\">Suppressed</th>"
          "<th scope=\"col\" class=\"n\">Pooled</th><th scope=\"col\" class=\"n\">Median</th>"
          "<th scope=\"col\" class=\"n\">ABC</th><th scope=\"col\">Overdispersed</th>"
          "<th scope=\"col\">Evidence digest</th></tr></thead>\n<tbody>\n",
          f);
    for (size_t i = 0; i < ng; i++) {
        const hln_bench_result *r = g[i].r;
        char hex[HEX_LEN], a[32], b[32], c[32];
        hln_hex(r->digest, HLN_HASH_LEN, hex);
        fputs("<tr><td>", f);
        if (i == cur) {
            fputs("<strong>", f);
            group_label(f, g[i].group);
            fputs("</strong> (this page)", f);
        } else {
            fputs("<a href=\"", f);
            ESC(f, period);
            fputc('_', f);
            ESC(f, g[i].group);
            fputs(".html\">", f);
            group_label(f, g[i].group);
            fputs("</a>", f);
        }
        if (r->has_stats) {
            hln_bench_format_value(r, a, sizeof a, r->summary.theta0);
            hln_bench_format_value(r, b, sizeof b, r->summary.median);
            hln_bench_format_value(r, c, sizeof c, r->summary.abc);
        } else {
            snprintf(a, sizeof a, "–"), snprintf(b, sizeof b, "–"), snprintf(c, sizeof c, "–");
        }
        fprintf(f,
                "</td><td class=\"n\">%zu</td><td class=\"n\">%zu</td><td class=\"n\">%s</td>"
                "<td class=\"n\">%s</td><td class=\"n\">%s</td><td>%s</td>"
                "<td><code title=\"%s\">%.16s…</code></td></tr>\n",
                r->n_units, r->n_suppressed, a, b, c,
                r->has_stats ? (r->summary.overdispersed ? "yes" : "no") : "–", hex, hex);
    }
    fputs("</tbody>\n</table>\n", f);
}

static void write_suppressed(FILE *f, const hln_bench_result *r, const hln_report_opts *o)
{
    fputs("<h2 id=\"suppressed\">Suppressed</h2>\n", f);
    if (!r->n_suppressed) {
        fputs("<p>No unit reported suppressed counts for this period.</p>\n", f);
        return;
    }
    fprintf(f,
            "<p>%zu unit%s reported, but withheld %s counts because a cell was smaller than "
            "the disclosure policy allows. They take no part in the figures above.</p>\n"
            "<ul class=\"suppressed\">\n",
            r->n_suppressed, r->n_suppressed == 1 ? "" : "s",
            r->n_suppressed == 1 ? "its" : "their");
    for (size_t i = 0; i < r->n_suppressed; i++) {
        char name[NAME_CAP];
        author_name(o, r->suppressed[i].author, name, sizeof name);
        fputs("<li>", f);
        if (r->suppressed[i].unit[0]) {
            ESC(f, r->suppressed[i].unit);
            fputs(" (", f);
            ESC(f, name);
            fputs(")", f);
        } else {
            ESC(f, name);
        }
        fputs("</li>\n", f);
    }
    fputs("</ul>\n", f);
}

static void write_evidence(FILE *f, const hln_bench_result *r, const hln_report_opts *o)
{
    char hex[HEX_LEN];
    hln_hex(r->digest, HLN_HASH_LEN, hex);
    fputs("<h2 id=\"evidence\">Evidence</h2>\n<p>Evidence digest:</p>\n<code class=\"digest\" "
          "id=\"digest\">",
          f);
    fputs(hex, f);
    fputs("</code>\n<p>This digest is a BLAKE2b-256 hash over the benchmark engine's version "
          "(<code>" HLN_BENCH_VERSION "</code>), the query (indicator, period, group, stratum, "
          "method) and the sorted ids of every signed record that counted or was suppressed. "
          "Anyone can check it: on any hln node that holds the same records, <code>hlnctl bench "
          "verify</code> for indicator <code>",
          f);
    ESC(f, r->indicator);
    fputs("</code>, period <code>", f);
    ESC(f, r->period);
    fputs("</code> and group <code>", f);
    ESC(f, r->group);
    fputs("</code> computes it again and asks the node's peers for theirs. The same digest means "
          "the same evidence, and so the same figures; a different one names a node that holds "
          "other records.</p>\n",
          f);
    fprintf(f,
            "<p>Left out: %zu superseded by a correction, %zu retracted, %zu from excluded "
            "(untrusted or flagged) authors, %zu outside the group, %zu with a zero "
            "denominator, %zu invalid.</p>\n",
            r->n_superseded, r->n_retracted, r->n_excluded, r->n_outside_group, r->n_empty,
            r->n_invalid);
    if (r->n_units + r->n_suppressed == 0)
        return;
    fputs("<details><summary>Records used</summary>\n<ul class=\"records\">\n", f);
    for (size_t i = 0; i < r->n_units + r->n_suppressed; i++) {
        bool supp = i >= r->n_units;
        const uint8_t *id = supp ? r->suppressed[i - r->n_units].id : r->units[i].id;
        const uint8_t *author = supp ? r->suppressed[i - r->n_units].author : r->units[i].author;
        const char *unit = supp ? r->suppressed[i - r->n_units].unit : r->units[i].unit;
        char name[NAME_CAP];
        author_name(o, author, name, sizeof name);
        hln_hex(id, HLN_HASH_LEN, hex);
        fprintf(f, "<li><code>%s</code> ", hex);
        if (unit[0]) {
            ESC(f, unit);
            fputs(" (", f);
            ESC(f, name);
            fputs(")", f);
        } else {
            ESC(f, name);
        }
        fprintf(f, "%s</li>\n", supp ? ", suppressed" : "");
    }
    fputs("</ul>\n</details>\n", f);
}

static int write_page(FILE *f, const hln_report_opts *o, const hln_indicator *ind,
                      const group_result *g, size_t ng, size_t cur,
                      const hln_report_analyst_page *ax)
{
    const hln_bench_result *r = g[cur].r;
    char sub[64];
    snprintf(sub, sizeof sub, "%s, %s", r->period, g[cur].group);
    page_head(f, ind->title[0] ? ind->title : ind->code, sub);
    fputs("<header>\n<p><a href=\"../index.html\">", f);
    ESC(f, site_title(o));
    fputs("</a></p>\n<h1>", f);
    ESC(f, ind->title[0] ? ind->title : ind->code);
    fputs("</h1>\n<p class=\"sub\"><code>", f);
    ESC(f, ind->code);
    fputs("</code> · period <strong>", f);
    ESC(f, r->period);
    fputs("</strong> · ", f);
    group_label(f, g[cur].group);
    fputs(" · ", f);
    if (r->stratum[0]) {
        fputs("stratum ", f);
        ESC(f, r->stratum);
    } else {
        fputs("all strata (total)", f);
    }
    fprintf(f, " · %s, %s", hln_bench_kind_name(r->kind), domain_name(ind->domain));
    if (r->kind == HLN_KIND_RATE)
        fprintf(f, " per %u", r->multiplier);
    fprintf(f, " · %s is better</p>\n</header>\n<main>\n", hln_bench_direction_name(r->direction));
    if (ind->description[0]) {
        fputs("<p class=\"description\">", f);
        esc_lines(f, ind->description);
        fputs("</p>\n", f);
    }
    if (r->kind <= HLN_KIND_RATE) /* dsr and mean: report_analyst.c */
        key_figures(f, r);
    int rc = 0;
    if (r->has_stats && r->kind <= HLN_KIND_RATE) {
        if (r->summary.overdispersed)
            fputs("<p class=\"note\">The units vary more than chance alone explains "
                  "(overdispersion): places are read against limits widened by a random effect, "
                  "shown in orange.</p>\n",
                  f);
        fputs("<h2 id=\"funnel\">Funnel plot</h2>\n", f);
        /* each chart and table with its figures' downloads beside it */
        if ((rc = write_funnel(f, r, ind, o)) != 0 || (ax && (rc = hln_report_analyst_links(f, ax))) ||
            (rc = write_ranked(f, r, o)) != 0 || (ax && (rc = hln_report_analyst_links(f, ax))))
            return rc;
        write_abc(f, r);
    } else if (r->kind <= HLN_KIND_RATE) {
        fputs("<p class=\"note\">No unit counted in this group for this period, so there is no "
              "funnel plot or ranking.</p>\n",
              f);
    }
    write_comparisons(f, g, ng, cur, r->period);
    write_suppressed(f, r, o);
    write_evidence(f, r, o);
    if (ax && (rc = hln_report_analyst_write(f, ax, NULL, 0)) != 0)
        return rc;
    if (o->page_extra && (rc = o->page_extra(o->page_extra_ctx, f, ind, r->stratum,
                                             g[cur].group)) != 0)
        return rc;
    fputs("</main>\n", f);
    page_foot(f, o);
    return ferror(f) ? HLN_EIO : 0;
}

/* ---- the index ---- */

typedef struct {
    size_t ind;
    char period[HLN_PERIOD_MAX + 1];
    size_t units, suppressed;
    bool has_stats, overdispersed;
    double theta0, abc;
    hln_bench_result meta; /* kind and multiplier for formatting only */
    scope_code *groups;
    size_t ngroups;
} index_row;

static int write_index(FILE *f, const hln_report_opts *o, const index_row *rows, size_t nrows)
{
    page_head(f, site_title(o), NULL);
    fputs("<header>\n<h1>", f);
    ESC(f, site_title(o));
    fputs("</h1>\n<p class=\"sub\">Quality indicators benchmarked across the network", f);
    if (o->group && strcmp(o->group, GROUP_ALL)) {
        fputs(" for ", f);
        group_label(f, o->group);
    }
    fputs(
        "</p>\n</header>\n<main>\n<p>Each page shows, for one indicator and period, a funnel plot "
        "of every reporting unit against the pooled value, a ranked table with 95% intervals, "
        "the Achievable Benchmark of Care, comparisons by jurisdiction, what was suppressed, and "
        "an evidence digest that anyone can check against their own node.</p>\n",
        f);
    if (o->n_indicators == 0)
        fputs("<p class=\"note\">No indicator definitions are held yet.</p>\n", f);
    for (size_t k = 0; k < o->n_indicators; k++) {
        const hln_indicator *ind = &o->indicators[k];
        fputs("<section class=\"indicator\">\n<h2>", f);
        ESC(f, ind->title[0] ? ind->title : ind->code);
        fputs("</h2>\n<p><code>", f);
        ESC(f, ind->code);
        fprintf(f, "</code> · %s, %s", ind->kind == HLN_KIND_RATE ? "rate" : "proportion",
                domain_name(ind->domain));
        if (ind->kind == HLN_KIND_RATE)
            fprintf(f, " per %u", ind->multiplier);
        fprintf(f, " · %s is better</p>\n", hln_bench_direction_name(ind->direction));
        if (ind->description[0]) {
            fputs("<p class=\"description\">", f);
            esc_lines(f, ind->description);
            fputs("</p>\n", f);
        }
        size_t shown = 0;
        for (size_t i = 0; i < nrows; i++) {
            const index_row *row = &rows[i];
            if (row->ind != k)
                continue;
            if (!shown++)
                fputs("<table class=\"periods\">\n<thead><tr><th scope=\"col\">Period</th>"
                      "<th scope=\"col\" class=\"n\">Units</th><th scope=\"col\" class=\"n\">"
                      "Suppressed</th><th scope=\"col\" class=\"n\">Pooled</th>"
                      "<th scope=\"col\" class=\"n\">ABC</th><th scope=\"col\">Overdispersed</th>"
                      "<th scope=\"col\">By jurisdiction</th></tr></thead>\n<tbody>\n",
                      f);
            char a[32] = "–", b[32] = "–";
            if (row->has_stats) {
                hln_bench_format_value(&row->meta, a, sizeof a, row->theta0);
                hln_bench_format_value(&row->meta, b, sizeof b, row->abc);
            }
            fputs("<tr><td><a href=\"", f);
            ESC(f, ind->code);
            fputc('/', f);
            ESC(f, row->period);
            fputc('_', f);
            ESC(f, row->groups[0]);
            fputs(".html\">", f);
            ESC(f, row->period);
            fprintf(f,
                    "</a></td><td class=\"n\">%zu</td><td class=\"n\">%zu</td><td class=\"n\">%s"
                    "</td><td class=\"n\">%s</td><td>%s</td><td>",
                    row->units, row->suppressed, a, b,
                    row->has_stats ? (row->overdispersed ? "yes" : "no") : "–");
            for (size_t j = 1; j < row->ngroups; j++) {
                fputs(j > 1 ? ", <a href=\"" : "<a href=\"", f);
                ESC(f, ind->code);
                fputc('/', f);
                ESC(f, row->period);
                fputc('_', f);
                ESC(f, row->groups[j]);
                fputs(".html\">", f);
                ESC(f, row->groups[j]);
                fputs("</a>", f);
            }
            fputs("</td></tr>\n", f);
        }
        if (shown)
            fputs("</tbody>\n</table>\n", f);
        else
            fputs("<p>No observations held for this indicator.</p>\n", f);
        fputs("</section>\n", f);
    }
    fputs("<h2>How to read and check this report</h2>\n<p>Every figure is computed locally by the "
          "publishing node from signed, hash-chained records that it received from the network; "
          "every other node holding the same records computes the same figures. Each page ends "
          "with an evidence digest: run <code>hlnctl bench verify</code> on any node for the same "
          "indicator, period and group to compare it.</p>\n</main>\n",
          f);
    page_foot(f, o);
    return ferror(f) ? HLN_EIO : 0;
}

/* ---- the whole site ---- */

static bool period_wanted(const hln_report_opts *o, const char *period)
{
    if (!o->periods)
        return true;
    for (size_t i = 0; i < o->n_periods; i++)
        if (o->periods[i] && !strcmp(o->periods[i], period))
            return true;
    return false;
}

static int check_opts(const hln_report_opts *o, const char *outdir, char *err, size_t errlen)
{
    if (!o || !outdir || !outdir[0] || (o->n_indicators && !o->indicators)) {
        hln_util_seterr(err, errlen, "missing options or output directory");
        return HLN_EINVAL;
    }
    const char *g = o->group ? o->group : GROUP_ALL;
    if (!group_valid(g)) {
        hln_util_seterr(err, errlen, "invalid group '%.16s': \"all\" or a jurisdiction such as CA or CA-ON",
               g);
        return HLN_EINVAL;
    }
    if (strcmp(g, GROUP_ALL) && !o->jurisdiction) {
        hln_util_seterr(err, errlen, "group %s needs the authors' jurisdictions", g);
        return HLN_EINVAL;
    }
    if (o->stratum && o->stratum[0] && !hln_code_stratum(o->stratum, strlen(o->stratum))) {
        hln_util_seterr(err, errlen, "invalid stratum");
        return HLN_EINVAL;
    }
    if (o->method < -1 || o->method > 1 || o->axis > HLN_REPORT_AXIS_LOG) {
        hln_util_seterr(err, errlen, "invalid method or axis");
        return HLN_EINVAL;
    }
    for (size_t i = 0; o->periods && i < o->n_periods; i++)
        if (!o->periods[i] || !hln_code_period(o->periods[i], strlen(o->periods[i]))) {
            hln_util_seterr(err, errlen, "invalid period: YYYY, YYYY-Qn or YYYY-MM");
            return HLN_EINVAL;
        }
    for (size_t i = 0; i < o->n_indicators; i++) {
        const char *c = o->indicators[i].code;
        if (!memchr(c, 0, sizeof o->indicators[i].code) || !hln_code_indicator(c, strlen(c))) {
            hln_util_seterr(err, errlen, "indicator %zu has an invalid code", i);
            return HLN_EINVAL;
        }
    }
    return 0;
}

/* Every group's figures for one (indicator, period), and their pages. */
static int report_period(hln_store *s, const hln_report_opts *o, const char *outdir, size_t k,
                         const char *period, index_row *row, size_t *pages, char *err,
                         size_t errlen)
{
    const hln_indicator *ind = &o->indicators[k];
    const char *main_group = o->group ? o->group : GROUP_ALL;
    const char *stratum = o->stratum ? o->stratum : "";
    scope_code *groups = NULL;
    size_t ng = 0;
    int rc = find_groups(s, o, main_group, ind->code, period, stratum, &groups, &ng);
    if (rc != 0)
        return rc;
    group_result *g = calloc(ng, sizeof *g);
    group_ctx *gcs = calloc(ng, sizeof *gcs);
    hln_bench_query *qs = calloc(ng, sizeof *qs);
    if (!g || !gcs || !qs) {
        free(g), free(gcs), free(qs);
        free(groups);
        return HLN_ENOMEM;
    }
    for (size_t i = 0; i < ng && rc == 0; i++) {
        snprintf(g[i].group, sizeof g[i].group, "%s", groups[i]);
        group_ctx gc = {.o = o, .group = g[i].group};
        gcs[i] = gc;
        hln_bench_query q = {.indicator = ind,
                             .period = period,
                             .group = g[i].group,
                             .in_group = o->in_group || strcmp(g[i].group, GROUP_ALL)
                                             ? in_group
                                             : NULL,
                             .group_ctx = &gc,
                             .excluded = o->excluded,
                             .excluded_ctx = o->excluded_ctx,
                             .successor = o->successor,
                             .successor_ctx = o->excluded_ctx,
                             .stratum = stratum,
                             .method = o->method,
                             .ci = o->ci};
        qs[i] = q;
        qs[i].group_ctx = &gcs[i]; /* kept for the analyst sections */
        rc = hln_bench_run(s, &q, &g[i].r);
        if (rc != 0)
            hln_util_seterr(err, errlen, "benchmark %s %s %s: %s", ind->code, period, g[i].group,
                   hln_strerror(rc));
    }
    for (size_t i = 0; i < ng && rc == 0; i++) {
        char rel[HLN_CODE_MAX + 64];
        out_file of = {0};
        if ((rc = hln_report_page_path(ind->code, period, g[i].group, rel, sizeof rel)) != 0 ||
            (rc = out_open(&of, outdir, rel, err, errlen)) != 0)
            break;
        hln_report_analyst_page ax = {s, o, outdir, rel, &qs[i], g[i].r};
        rc = write_page(of.f, o, ind, g, ng, i, &ax);
        int crc = out_close(&of, rc == 0, err, errlen);
        if (rc == 0)
            rc = crc;
        if (rc == 0)
            (*pages)++;
    }
    if (rc == 0) {
        const hln_bench_result *r = g[0].r;
        row->ind = k;
        snprintf(row->period, sizeof row->period, "%s", period);
        row->units = r->n_units, row->suppressed = r->n_suppressed;
        row->has_stats = r->has_stats, row->overdispersed = r->summary.overdispersed;
        row->theta0 = r->summary.theta0, row->abc = r->summary.abc;
        row->meta.kind = r->kind, row->meta.multiplier = r->multiplier;
        row->groups = groups, row->ngroups = ng;
        groups = NULL; /* the row owns it now */
    }
    for (size_t i = 0; i < ng; i++)
        hln_bench_result_destroy(&g[i].r);
    free(g);
    free(gcs);
    free(qs);
    free(groups);
    return rc;
}

int hln_report_write_html(hln_store *s, const hln_report_opts *o, const char *outdir,
                          hln_report_summary *sum, char *err, size_t errlen)
{
    if (!s) {
        hln_util_seterr(err, errlen, "no store");
        return HLN_EINVAL;
    }
    int rc = check_opts(o, outdir, err, errlen);
    if (rc != 0)
        return rc;
    if ((rc = make_dir(outdir, err, errlen)) != 0)
        return rc;
    hln_report_summary su = {0};
    index_row *rows = NULL;
    size_t nrows = 0, rcap = 0;
    period_list pl = {0};
    const char *stratum = o->stratum ? o->stratum : "";
    for (size_t k = 0; k < o->n_indicators && rc == 0; k++) {
        const hln_indicator *ind = &o->indicators[k];
        pl.n = 0;
        if ((rc = hln_store_foreach_obs(s, ind->code, NULL, stratum, period_cb, &pl)) != 0 ||
            (rc = hln_report_analyst_add_periods(o, &pl.v, &pl.n, &pl.cap)) != 0) {
            hln_util_seterr(err, errlen, "reading observations of %s: %s", ind->code, hln_strerror(rc));
            break;
        }
        /* Order and uniqueness must not depend on how the index sorts. */
        if (pl.n > 1)
            qsort(pl.v, pl.n, sizeof *pl.v, cmp_period);
        size_t before = su.periods;
        for (size_t i = 0; i < pl.n && rc == 0; i++) {
            if ((i && !strcmp(pl.v[i], pl.v[i - 1])) || !period_wanted(o, pl.v[i]))
                continue;
            if (su.periods == before) {
                char dir[4200];
                snprintf(dir, sizeof dir, "%s/%s", outdir, ind->code);
                if ((rc = make_dir(dir, err, errlen)) != 0)
                    break;
            }
            if ((rc = hln_util_grow((void **)&rows, &rcap, nrows + 1, sizeof *rows)) != 0)
                break;
            memset(&rows[nrows], 0, sizeof rows[nrows]);
            rc = report_period(s, o, outdir, k, pl.v[i], &rows[nrows], &su.pages, err, errlen);
            if (rc == 0)
                nrows++, su.periods++;
        }
        if (rc == 0 && su.periods > before)
            su.indicators++;
    }
    if (rc == 0) {
        out_file of = {0};
        if ((rc = out_open(&of, outdir, "index.html", err, errlen)) == 0) {
            rc = write_index(of.f, o, rows, nrows);
            int crc = out_close(&of, rc == 0, err, errlen);
            if (rc == 0)
                rc = crc;
        }
    }
    if (rc == 0 && sum)
        *sum = su;
    for (size_t i = 0; i < nrows; i++)
        free(rows[i].groups);
    free(rows);
    free(pl.v);
    return rc;
}

/* ---- hlnctl report ---- */

/* The rules of `hlnctl bench` (node/bench_view.h) over the node's trust
 * view, so that every page's digest is `hlnctl bench --group G`'s. */
typedef struct {
    hln_bench_view view;
    hln_bench_group group; /* the last group asked about, parsed */
    bool parsed;
} cli_ctx;

static bool cli_in_group(void *ctx, const char *group, const uint8_t author[HLN_KEY_LEN])
{
    cli_ctx *c = ctx;
    if (!c->parsed || strcmp(c->group.text, group)) {
        memset(&c->group, 0, sizeof c->group);
        c->parsed = hln_bench_group_parse(group, &c->group) == 0;
        if (!c->parsed)
            return false;
        c->group.view = &c->view;
    }
    return hln_bench_group_has(&c->group, author);
}

static bool cli_jurisdiction(void *ctx, const uint8_t author[HLN_KEY_LEN],
                             char out[HLN_SCOPE_MAX + 1])
{
    cli_ctx *c = ctx;
    uint32_t level;
    return hln_bench_view_where(&c->view, author, &level, out);
}

static bool cli_name(void *ctx, const uint8_t author[HLN_KEY_LEN], char *out, size_t cap)
{
    cli_ctx *c = ctx;
    hln_trust_info ti;
    int rc = hln_trust_member(c->view.trust, author, c->view.now_ms, &ti);
    if ((rc == 0 || rc == HLN_ETRUST) && ti.name[0]) {
        snprintf(out, cap, "%s", ti.name);
        return true;
    }
    hln_node *n = c->view.node;
    if (!memcmp(author, hln_node_pk(n), HLN_KEY_LEN) && hln_node_get_info(n)->name[0]) {
        snprintf(out, cap, "%s", hln_node_get_info(n)->name);
        return true;
    }
    return false;
}

static void cli_usage(FILE *f)
{
    fputs("usage: hlnctl [-d DIR] report --html OUTDIR [--period P] [--group G] [--stratum S]\n"
          "                              [--method exact|wilson] [--axis auto|log|linear] [--title "
          "T]\n"
          "Write the public report: a static HTML site (no server, no script) with a funnel plot,\n"
          "a ranked table, the ABC, comparisons by jurisdiction, what was suppressed and the\n"
          "evidence digest for every indicator and period held. See docs/REPORT.md.\n\n"
          "  --html OUTDIR       the directory to write (created if absent; pages are replaced)\n"
          "  --period P          only this period (repeatable): 2026, 2026-Q3, 2026-09\n"
          "  --group G           a jurisdiction (CA, CA-ON: its organizations) or all (national\n"
          "                      roll-ups); default: the node's country, all on a node\n"
          "                      without one (as hlnctl bench)\n"
          "  --stratum S         a stratum instead of the total\n"
          "  --method M          funnel limits: exact or wilson (default: each indicator's)\n"
          "  --axis A            denominator axis: auto (default), log or linear\n"
          "  --title T           the site's title\n"
          "  -h, --help          this help\n",
          f);
}

/* hlnctl report's command line: the options, the periods asked for. */
typedef struct {
    hln_report_opts o;
    const char *outdir;
    const char **periods; /* argc slots */
    size_t np;
} report_args;

enum { REPORT_GO = -1 }; /* parsed: go on (else an exit status) */

static int add_period(void *ctx, const char *v)
{
    report_args *a = ctx;
    a->periods[a->np++] = v;
    return 0;
}

/* Read the options into *a with hlnctl's one parser. REPORT_GO, EXIT_OK
 * (--help shown) or EXIT_USAGE (said; the caller shows the usage). */
static int report_getopt(report_args *a, int argc, char **argv)
{
    const char *method = NULL, *axis = NULL;
    const hln_cli_opt opts[] = {HLN_CLI_VALUE("html", &a->outdir),
                                HLN_CLI_EACH("period", add_period, a),
                                HLN_CLI_VALUE("group", &a->o.group),
                                HLN_CLI_VALUE("stratum", &a->o.stratum),
                                HLN_CLI_VALUE("method", &method),
                                HLN_CLI_VALUE("axis", &axis),
                                HLN_CLI_VALUE("title", &a->o.title),
                                HLN_CLI_END};
    hln_cli_args args = {.what = "report", .opts = opts, .usage = cli_usage};
    int rc = hln_cli_parse(&args, argc, argv);
    if (rc != HLN_CLI_GO)
        return rc;
    if (method && !strcmp(method, "exact"))
        a->o.method = HLN_FUNNEL_EXACT;
    else if (method && !strcmp(method, "wilson"))
        a->o.method = HLN_FUNNEL_WILSON;
    else if (method)
        return hln_cli_usage_error(&args, "--method is exact or wilson");
    if (axis && !strcmp(axis, "auto"))
        a->o.axis = HLN_REPORT_AXIS_AUTO;
    else if (axis && !strcmp(axis, "log"))
        a->o.axis = HLN_REPORT_AXIS_LOG;
    else if (axis && !strcmp(axis, "linear"))
        a->o.axis = HLN_REPORT_AXIS_LINEAR;
    else if (axis)
        return hln_cli_usage_error(&args, "--axis is auto, log or linear");
    return REPORT_GO;
}

/* The values' own checks. REPORT_GO, or EXIT_USAGE (said on stderr). */
static int report_validate(const report_args *a)
{
    const hln_report_opts *o = &a->o;
    if (!a->outdir || !a->outdir[0]) {
        hln_warnx("report: --html OUTDIR is required");
        return EXIT_USAGE;
    }
    if (o->group && !group_valid(o->group)) {
        hln_warnx("report: --group is all or a jurisdiction such as CA or CA-ON");
        return EXIT_USAGE;
    }
    for (size_t i = 0; i < a->np; i++)
        if (!hln_code_period(a->periods[i], strlen(a->periods[i]))) {
            hln_warnx("report: invalid period '%.16s' (YYYY, YYYY-Qn or YYYY-MM)",
                    a->periods[i]);
            return EXIT_USAGE;
        }
    if (o->stratum && o->stratum[0] && !hln_code_stratum(o->stratum, strlen(o->stratum))) {
        hln_warnx("report: invalid stratum");
        return EXIT_USAGE;
    }
    if (o->title && !hln_text_valid(o->title, strlen(o->title), false)) {
        hln_warnx("report: the title holds control characters or invalid UTF-8");
        return EXIT_USAGE;
    }
    return REPORT_GO;
}

/* What the report counts with: the node's indicators, periods, group (by
 * default the node's country, as bench), and the trust view's answers to
 * who is where, who counts and what each is called. */
static void report_fill(report_args *a, hln_node *node, const hln_indicator *inds, size_t ninds,
                        cli_ctx *cc, char dflt[HLN_SCOPE_MAX + 1])
{
    hln_report_opts *o = &a->o;
    if (!o->group)
        o->group = hln_bench_default_group(hln_node_get_info(node), dflt);
    o->indicators = inds;
    o->n_indicators = ninds;
    o->periods = a->np ? a->periods : NULL;
    o->n_periods = a->np;
    o->jurisdiction = cli_jurisdiction, o->jurisdiction_ctx = cc;
    o->in_group = cli_in_group, o->in_group_ctx = cc;
    o->name = cli_name, o->name_ctx = cc;
    o->excluded = hln_bench_view_excluded, o->excluded_ctx = &cc->view;
    o->successor = hln_bench_view_successor;
    o->publisher = hln_node_get_info(node)->name[0] ? hln_node_get_info(node)->name : NULL;
    o->own = hln_node_pk(node);
}

/* The line on stdout, and on stderr why pages may be empty. */
static void report_tell(const hln_report_summary *sum, const char *outdir, size_t ndefs,
                        bool own_excluded)
{
    printf("report: %zu page%s for %zu indicator%s and %zu period%s in %s/index.html\n",
           sum->pages, sum->pages == 1 ? "" : "s", sum->indicators,
           sum->indicators == 1 ? "" : "s", sum->periods, sum->periods == 1 ? "" : "s", outdir);
    if (ndefs == 0)
        hln_warnx("report: no indicator definitions held; the index is empty");
    /* Say why the node's own figures are missing, as hlnctl bench does. */
    if (own_excluded)
        hln_warnx("report: this node's own observations do not count: it has no standing "
                  "in its trust view yet (hlnctl trust add; a member record that admits it)");
}

/* Open the node read-only, read its definitions and trust view, write the
 * site. EXIT_OK, or EXIT_FAIL (said on stderr). */
static int report_run(const char *datadir, report_args *a)
{
    int status = EXIT_FAIL;
    char err[512] = "";
    hln_node *node = NULL;
    hln_trust *trust = NULL;
    hln_node_def *defs = NULL;
    hln_indicator *inds = NULL;
    size_t ndefs = 0;
    hln_report_runs runs = {0}; /* each unit's run chart on the pages (report_run.c) */
    int rc = hln_node_open(datadir, HLN_NODE_RDONLY, &node, err, sizeof err);
    if (rc != 0) {
        hln_warnx("%s", err[0] ? err : hln_strerror(rc));
        goto done;
    }
    if ((rc = hln_node_definitions(node, &defs, &ndefs)) != 0 ||
        (rc = hln_gov_trust_load(node, &trust)) != 0) {
        hln_warnx("report: reading the store: %s", hln_strerror(rc));
        goto done;
    }
    inds = calloc(ndefs ? ndefs : 1, sizeof *inds);
    if (!inds) {
        hln_warnx("out of memory");
        goto done;
    }
    for (size_t i = 0; i < ndefs; i++)
        inds[i] = defs[i].def;
    cli_ctx cc = {.view = {.node = node, .trust = trust, .now_ms = hln_util_wall_ms()}};
    char dflt[HLN_SCOPE_MAX + 1];
    report_fill(a, node, inds, ndefs, &cc, dflt);
    hln_report_runs_init(&runs, hln_node_store(node), &cc.view, a->o.name, a->o.name_ctx);
    a->o.page_extra = hln_report_runs_section, a->o.page_extra_ctx = &runs;
    hln_report_summary sum;
    rc = hln_report_write_html(hln_node_store(node), &a->o, a->outdir, &sum, err, sizeof err);
    if (rc != 0) {
        hln_warnx("report: %s", err[0] ? err : hln_strerror(rc));
        goto done;
    }
    report_tell(&sum, a->outdir, ndefs, hln_bench_view_excluded(&cc.view, hln_node_pk(node)));
    status = EXIT_OK;
done:
    hln_report_runs_free(&runs);
    free(inds);
    free(defs);
    hln_trust_destroy(&trust);
    hln_node_close(&node);
    return status;
}

/* Then a page per learning collaborative (node/hlnctl/report_collab.c), once
 * the node is closed again: it opens the store itself. */
static int report_collabs(const char *datadir, const char *outdir)
{
    size_t pages = 0;
    char err[256] = "";
    if (hln_report_collab_write(datadir, outdir, &pages, err, sizeof err) != 0) {
        hln_warnx("report: collaborative pages: %s", err[0] ? err : "failed");
        return EXIT_FAIL;
    }
    if (pages)
        hln_warnx("report: %zu collaborative page%s in %s/collaborative", pages,
                  pages == 1 ? "" : "s", outdir);
    return EXIT_OK;
}

int hln_cli_report(const char *datadir, int argc, char **argv)
{
    report_args a = {.o = {.method = -1, .ci = HLN_CI_WILSON, .axis = HLN_REPORT_AXIS_AUTO}};
    a.periods = calloc((size_t)(argc > 0 ? argc : 1), sizeof *a.periods);
    if (!a.periods) {
        hln_warnx("out of memory");
        return EXIT_FAIL;
    }
    int status = report_getopt(&a, argc, argv);
    if (status == REPORT_GO)
        status = report_validate(&a);
    if (status == REPORT_GO)
        status = report_run(datadir, &a);
    if (status == EXIT_OK && a.outdir)
        status = report_collabs(datadir, a.outdir);
    else if (status == EXIT_USAGE)
        cli_usage(stderr);
    free(a.periods);
    return status;
}
