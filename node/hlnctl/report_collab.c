/* report_collab.c - the report's collaborative pages (docs/REPORT.md, "Collaboratives"). */
#include "node/hlnctl/report_collab.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "crypto/err.h"
#include "node/bench_view.h"
#include "node/hlnctl/cli.h"
#include "node/hlnctl/learn_cli.h"
#include "node/improve.h"
#include "node/util.h"
#include "proto/codes.h"

/* Free text into HTML. */
static void esc(FILE *f, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '&': fputs("&amp;", f); break;
        case '"': fputs("&quot;", f); break;
        case '\'': fputs("&#39;", f); break;
        case '\n': fputs("<br>", f); break;
        default: fputc(*s, f);
        }
    }
}

static const char *css =
    "body{font-family:sans-serif;max-width:70em;margin:1em auto;padding:0 1em;color:#222}"
    ".grid{display:flex;flex-wrap:wrap;gap:1em}.card{border:1px solid #ccc;padding:.5em;"
    "width:300px}.card h3{font-size:.9em;margin:.2em 0}.lesson{font-size:.8em;border-left:3px "
    "solid #69c;padding-left:.4em;margin:.4em 0}.worked{border-color:#2a2}.did-not-work{"
    "border-color:#c33}.mixed{border-color:#c90}.small{font-size:.8em;color:#555}"
    "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.2em .5em;font-size:.9em}";

static void page_head(FILE *f, const char *title)
{
    fputs("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
          "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
          "style-src 'unsafe-inline'\"><title>",
          f);
    esc(f, title);
    fprintf(f, "</title><style>%s</style></head><body>\n", css);
}

/* x of point i and y of value v inside the chart box. */
typedef struct {
    double lo, hi;
    size_t n;
} scale;

static double sx(const scale *s, size_t i) { return 30 + (s->n > 1 ? 260.0 * (double)i / (double)(s->n - 1) : 130); }
static double sy(const scale *s, double v) { return 10 + 100 * (s->hi - v) / (s->hi - s->lo); }

static void widen(scale *s, double v)
{
    if (isfinite(v)) {
        if (v < s->lo)
            s->lo = v;
        if (v > s->hi)
            s->hi = v;
    }
}

void hln_report_run_chart(FILE *f, const hln_improve_result *r, const hln_improve_unit *u)
{
    scale s = {INFINITY, -INFINITY, u->n_points};
    double k = r->kind == HLN_KIND_PROPORTION ? 100 : 1;
    for (size_t i = 0; i < u->n_points; i++) {
        widen(&s, u->points[i].value * k);
        widen(&s, u->points[i].lcl * k);
        widen(&s, u->points[i].ucl * k);
    }
    if (r->has_target)
        widen(&s, r->target * k);
    if (!isfinite(s.lo) || s.hi - s.lo < 1e-9)
        s.lo -= 1, s.hi += 1;
    fputs("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"300\" height=\"135\" role=\"img\">", f);
    fprintf(f, "<text x=\"2\" y=\"14\" font-size=\"9\">%.3g</text><text x=\"2\" y=\"110\" "
               "font-size=\"9\">%.3g</text>",
            s.hi, s.lo);
    /* The collaborative's start and end. */
    int sf, sm, ef, em, pf, pm;
    bool hs = r->start[0] && hln_period_span(r->start, &sf, &sm);
    bool he = r->end[0] && hln_period_span(r->end, &ef, &em);
    for (size_t i = 0; i < u->n_points && (hs || he); i++) {
        if (!hln_period_span(u->points[i].period, &pf, &pm))
            continue;
        bool first_after_start = hs && pf >= sf && (i == 0 || u->points[i - 1].baseline);
        bool first_after_end = he && pf >= ef + em &&
                               (i == 0 || !hln_period_span(u->points[i - 1].period, &sf, &sm) ||
                                sf < ef + em);
        if (hs)
            hln_period_span(r->start, &sf, &sm);
        if (first_after_start || first_after_end)
            fprintf(f, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"10\" y2=\"110\" stroke=\"#888\" "
                       "stroke-dasharray=\"2,2\"><title>%s</title></line>",
                    sx(&s, i) - (i ? (sx(&s, i) - sx(&s, i - 1)) / 2 : 0),
                    sx(&s, i) - (i ? (sx(&s, i) - sx(&s, i - 1)) / 2 : 0),
                    first_after_start ? "start" : "end");
    }
    if (u->has_chart) {
        fprintf(f, "<line x1=\"30\" x2=\"290\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#555\">"
                   "<title>centre (baseline) %.3g</title></line>",
                sy(&s, u->centre * k), sy(&s, u->centre * k), u->centre * k);
        for (int lim = 0; lim < 2; lim++) {
            fputs("<polyline fill=\"none\" stroke=\"#c66\" stroke-dasharray=\"4,2\" points=\"", f);
            for (size_t i = 0; i < u->n_points; i++)
                fprintf(f, "%.1f,%.1f ", sx(&s, i),
                        sy(&s, (lim ? u->points[i].ucl : u->points[i].lcl) * k));
            fputs("\"/>", f);
        }
    }
    if (r->has_target)
        fprintf(f, "<line x1=\"30\" x2=\"290\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#2a2\" "
                   "stroke-dasharray=\"6,3\"><title>target %.3g</title></line>",
                sy(&s, r->target * k), sy(&s, r->target * k), r->target * k);
    fputs("<polyline fill=\"none\" stroke=\"#246\" points=\"", f);
    for (size_t i = 0; i < u->n_points; i++)
        fprintf(f, "%.1f,%.1f ", sx(&s, i), sy(&s, u->points[i].value * k));
    fputs("\"/>", f);
    for (size_t i = 0; i < u->n_points; i++) {
        const hln_improve_point *p = &u->points[i];
        fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"%s\" fill=\"%s\"><title>%s %.3g%s",
                sx(&s, i), sy(&s, p->value * k), p->marks ? "3.5" : "2",
                p->marks ? "#d60" : "#246", p->period, p->value * k,
                r->kind == HLN_KIND_PROPORTION ? "%" : "");
        for (uint32_t kind = HLN_SIGNAL_SHIFT; kind <= HLN_SIGNAL_RUNS; kind++)
            if (p->marks & (1u << kind))
                fprintf(f, " %s", hln_signal_name(kind));
        fputs("</title></circle>", f);
    }
    if (u->n_points)
        fprintf(f, "<text x=\"30\" y=\"128\" font-size=\"9\">%s</text><text x=\"250\" y=\"128\" "
                   "font-size=\"9\">%s</text>",
                u->points[0].period, u->points[u->n_points - 1].period);
    fputs("</svg>", f);
}

static const char *tri(int v, const char *yes, const char *no)
{
    return v < 0 ? "n/a" : v ? yes : no;
}

typedef struct {
    const hln_learn_collab *c;
} mctx;

static bool in_collab(void *ctx, const uint8_t a[HLN_KEY_LEN])
{
    return hln_learn_collab_has(((mctx *)ctx)->c, a);
}

/* The head of the page: name, aim, time frame, who runs it, the change package. */
static void page_intro(FILE *f, hln_learn_session *s, const hln_learn_collab *lc)
{
    const hln_collaborative *c = &lc->c;
    page_head(f, c->name);
    fputs("<p class=\"small\"><a href=\"index.html\">collaboratives</a> · <a href=\"../index.html\">"
          "report</a></p><h1>",
          f);
    esc(f, c->name);
    fputs("</h1><p><b>Aim.</b> ", f);
    esc(f, c->aim);
    fprintf(f, "</p><p><b>Time frame.</b> %s to %s. <b>Run by</b> ", c->start, c->end);
    esc(f, hln_learn_name_of(s, lc->o.author));
    fprintf(f, " (scope %s).</p>\n<h2>Change package</h2><ol>", lc->o.scope);
    for (uint32_t i = 0; i < c->n_ideas; i++) {
        fputs("<li><b>", f);
        esc(f, c->ideas[i].title);
        fputs("</b>", f);
        if (c->ideas[i].text[0]) {
            fputs(": ", f);
            esc(f, c->ideas[i].text);
        }
        fputs("</li>", f);
    }
    fputs("</ol>\n", f);
}

/* The summary line of one indicator: by member, and by unit. */
static void summary_line(FILE *f, const hln_collaborative *c, const hln_indicator *d,
                         const hln_improve_result *r, const hln_learn_target *t)
{
    size_t members = 0, m_reached = 0, m_sustained = 0;
    for (uint32_t m = 0; m < c->n_members; m++) {
        size_t units = 0, reached = 0, held = 0, fell = 0;
        for (size_t i = 0; i < r->n_units; i++)
            if (!memcmp(r->units[i].author, c->members[m], HLN_KEY_LEN)) {
                units++;
                reached += r->units[i].target_met == 1;
                held += r->units[i].sustained == 1;
                fell += r->units[i].sustained == 0;
            }
        members += units > 0;
        m_reached += units && reached == units;
        m_sustained += held && !fell;
    }
    char hex[17];
    hln_hex(r->digest, 8, hex);
    double target = t ? (double)t->t.value_micro / 1e6 : 0;
    fprintf(f, "<p><b>%zu of %zu members reached the target; %zu show sustained "
               "improvement</b> (units: %zu of %zu reached the target, %zu improved, %zu "
               "sustained). Target %s%.3g%s by %s. <span class=\"small\">Evidence digest "
               "%s…, the same as <code>hlnctl improve %s --collaborative %s</code>.</span></p>\n",
            m_reached, members, m_sustained, r->reached_target, r->n_units, r->improved,
            r->sustained, t ? "" : "none",
            t ? target * (d->kind == HLN_KIND_PROPORTION ? 100 : 1) : 0,
            t && d->kind == HLN_KIND_PROPORTION ? "%" : "", t ? t->t.by : "-", hex, d->code,
            c->code);
}

/* One unit's card: its name, run chart and verdicts. */
static void unit_card(FILE *f, hln_learn_session *s, const hln_improve_result *r,
                      const hln_improve_unit *u)
{
    char sig[64] = "";
    for (uint32_t kind = HLN_SIGNAL_SHIFT; kind <= HLN_SIGNAL_RUNS; kind++)
        for (size_t j = 0; j < u->n_signals; j++)
            if (u->signals[j].kind == kind && !u->signals[j].vs_phase) {
                snprintf(sig + strlen(sig), sizeof sig - strlen(sig), "%s%s", sig[0] ? ", " : "",
                         hln_signal_name(kind));
                break;
            }
    fputs("<div class=\"card\"><h3>", f);
    esc(f, hln_learn_name_of(s, u->author));
    if (u->unit[0]) {
        fputs(" · ", f);
        esc(f, u->unit);
    }
    fputs("</h3>", f);
    hln_report_run_chart(f, r, u);
    fprintf(f, "<p class=\"small\">target %s · improvement %s · sustained %s · "
               "signals: %s%s%s</p>",
            tri(u->target_met, "met", "not met"), u->improvement ? "yes" : "no",
            tri(u->sustained, "yes", "no"), sig[0] ? sig : "none", u->has_chart ? "" : " · ",
            u->has_chart ? "" : u->reason);
    fputs("</div>", f);
}

/* The lessons a member shared about this indicator, next to its charts. */
static void member_lessons(FILE *f, hln_learn_session *s, const hln_collaborative *c,
                           const uint8_t member[HLN_KEY_LEN], const char *indicator)
{
    size_t nl;
    const hln_learn_lesson *ls = hln_learn_lessons(s->learn, &nl);
    bool any = false;
    for (size_t i = 0; i < nl; i++) {
        const hln_lesson *l = &ls[i].l;
        if (ls[i].retracted || strcmp(l->collaborative, c->code) ||
            memcmp(ls[i].o.author, member, HLN_KEY_LEN))
            continue;
        bool about = false;
        for (uint32_t x = 0; x < l->n_indicators; x++)
            about |= !strcmp(l->indicators[x], indicator);
        if (!about)
            continue;
        if (!any) {
            fputs("<div class=\"card\"><h3>Lessons from ", f);
            esc(f, hln_learn_name_of(s, member));
            fputs("</h3>", f);
            any = true;
        }
        fprintf(f, "<div class=\"lesson %s\"><b>%s</b> · %s", hln_lesson_result_name(l->result),
                hln_lesson_result_name(l->result), l->period);
        if (l->idea && l->idea <= c->n_ideas) {
            fprintf(f, " · idea %u: ", (unsigned)l->idea);
            esc(f, c->ideas[l->idea - 1].title);
        } else if (l->change[0]) {
            fputs(" · ", f);
            esc(f, l->change);
        }
        fputs("<br>", f);
        esc(f, l->text);
        fputs("</div>", f);
    }
    if (any)
        fputs("</div>", f);
}

/* One indicator of the collaborative: the evaluation, its summary line,
 * then each member's unit cards and lessons. 0 or an error of improve. */
static int indicator_section(FILE *f, hln_learn_session *s, const hln_learn_collab *lc,
                             const hln_indicator *d)
{
    const hln_collaborative *c = &lc->c;
    hln_bench_view view = {.node = s->node, .trust = s->trust, .now_ms = s->now_ms};
    mctx mc = {lc};
    const hln_learn_target *t = hln_learn_target_for(s->learn, d->code, "", lc, NULL);
    char scope_text[HLN_CODE_MAX + 32];
    snprintf(scope_text, sizeof scope_text, "collaborative:%s", c->code);
    hln_improve_query q = {.indicator = d, .stratum = "", .in_group = in_collab,
                           .group_ctx = &mc, .excluded = hln_bench_view_excluded,
                           .excluded_ctx = &view, .collab = c, .collab_id = lc->o.id,
                           .scope_text = scope_text};
    if (t) {
        q.has_target = true;
        q.target = (double)t->t.value_micro / 1e6;
        q.target_id = t->o.id;
    }
    hln_improve_result *r = NULL;
    int rc = hln_improve_run(hln_node_store(s->node), &q, &r);
    if (rc)
        return rc;
    fputs("<h2>", f);
    esc(f, d->title);
    fprintf(f, " <span class=\"small\">%s</span></h2>", d->code);
    summary_line(f, c, d, r, t);
    fputs("<div class=\"grid\">", f);
    for (uint32_t m = 0; m < c->n_members; m++) {
        for (size_t i = 0; i < r->n_units; i++)
            if (!memcmp(r->units[i].author, c->members[m], HLN_KEY_LEN))
                unit_card(f, s, r, &r->units[i]);
        member_lessons(f, s, c, c->members[m], d->code);
    }
    fputs("</div>\n", f);
    hln_improve_result_destroy(&r);
    return 0;
}

static int collab_page(hln_learn_session *s, const hln_learn_collab *lc, const char *path)
{
    const hln_collaborative *c = &lc->c;
    FILE *f = fopen(path, "w");
    if (!f)
        return HLN_EIO;
    int rc = 0;
    page_intro(f, s, lc);
    for (uint32_t k = 0; k < c->n_indicators && !rc; k++) {
        const hln_node_def *def = hln_node_find_def(s->defs, s->ndefs, c->indicators[k]);
        if (def)
            rc = indicator_section(f, s, lc, &def->def);
    }
    fputs("<h2>Members</h2><ul>", f);
    for (uint32_t m = 0; m < c->n_members; m++) {
        char idt[HLN_ID_TEXT_LEN + 1];
        hln_id_to_text(c->members[m], idt);
        fputs("<li>", f);
        esc(f, hln_learn_name_of(s, c->members[m]));
        fprintf(f, " <span class=\"small\">%s</span></li>", idt);
    }
    fputs("</ul><p class=\"small\">Charts: the series (dots marked where a signal covers them), "
          "the baseline centre line, 3σ limits (dashed red), the target (dashed green), the "
          "collaborative's start and end (dotted). Rules: docs/BENCHMARKS.md, \"Improvement over "
          "time\".</p></body></html>\n",
          f);
    if (fclose(f) && !rc)
        rc = HLN_EIO;
    return rc;
}

int hln_report_collab_write(const char *datadir, const char *outdir, size_t *pages, char *err,
                            size_t errlen)
{
    *pages = 0;
    hln_learn_session s;
    if (hln_learn_session_open(&s, datadir, HLN_NODE_RDONLY) != EXIT_OK) {
        hln_util_seterr(err, errlen, "cannot open the node");
        return HLN_EIO;
    }
    size_t n;
    const hln_learn_collab *all = hln_learn_collabs(s.learn, &n);
    char dir[4096], path[4200];
    int rc = 0;
    snprintf(dir, sizeof dir, "%s/collaborative", outdir);
    if (n && mkdir(dir, 0755) && errno != EEXIST) {
        hln_util_seterr(err, errlen, "%s: %s", dir, strerror(errno));
        rc = HLN_EIO;
        goto out;
    }
    FILE *idx = NULL;
    if (n) {
        snprintf(path, sizeof path, "%s/index.html", dir);
        if (!(idx = fopen(path, "w"))) {
            rc = HLN_EIO;
            goto out;
        }
        page_head(idx, "Learning collaboratives");
        fputs("<p class=\"small\"><a href=\"../index.html\">report</a></p><h1>Learning "
              "collaboratives</h1><table><tr><th>collaborative</th><th>time frame</th>"
              "<th>members</th><th>run by</th></tr>",
              idx);
    }
    for (size_t i = 0; i < n && !rc; i++) {
        snprintf(path, sizeof path, "%s/%s.html", dir, all[i].c.code);
        if ((rc = collab_page(&s, &all[i], path))) {
            hln_util_seterr(err, errlen, "%s: %s", path, hln_strerror(rc));
            break;
        }
        (*pages)++;
        fprintf(idx, "<tr><td><a href=\"%s.html\">", all[i].c.code);
        esc(idx, all[i].c.name);
        fprintf(idx, "</a></td><td>%s to %s</td><td>%u</td><td>", all[i].c.start, all[i].c.end,
                (unsigned)all[i].c.n_members);
        esc(idx, hln_learn_name_of(&s, all[i].o.author));
        fputs("</td></tr>", idx);
    }
    if (idx) {
        fputs("</table></body></html>\n", idx);
        if (fclose(idx) && !rc)
            rc = HLN_EIO;
    }
out:
    hln_learn_session_close(&s);
    return rc;
}
