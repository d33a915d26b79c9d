/* report_run.c - each unit's run chart on the report's indicator pages (docs/REPORT.md). */
#include "node/hlnctl/report_run.h"

#include <stdlib.h>
#include <string.h>

#include "crypto/err.h"
#include "node/hlnctl/report_collab.h"
#include "node/util.h"

void hln_report_runs_init(hln_report_runs *rr, hln_store *store, hln_bench_view *view,
                          hln_report_name_fn name, void *name_ctx)
{
    memset(rr, 0, sizeof *rr);
    rr->store = store;
    rr->view = view;
    rr->name = name;
    rr->name_ctx = name_ctx;
}

void hln_report_runs_free(hln_report_runs *rr)
{
    for (size_t i = 0; i < rr->n; i++)
        hln_improve_result_destroy(&rr->cache[i].r);
    free(rr->cache);
    rr->cache = NULL;
    rr->n = rr->cap = 0;
}

/* The evaluation of (indicator, stratum, group): from the cache, else run
 * and kept. 0 with *out borrowed, or an error. */
static int runs_for(hln_report_runs *rr, const hln_indicator *ind, const char *stratum,
                    const char *group, const hln_improve_result **out)
{
    for (size_t i = 0; i < rr->n; i++) {
        const hln_report_runs_entry *e = &rr->cache[i];
        if (!strcmp(e->indicator, ind->code) && !strcmp(e->stratum, stratum) &&
            !strcmp(e->group, group)) {
            *out = e->r;
            return 0;
        }
    }
    hln_bench_group g;
    memset(&g, 0, sizeof g);
    if (hln_bench_group_parse(group, &g) != 0)
        return HLN_EINVAL;
    g.view = rr->view;
    hln_improve_query q = {.indicator = ind, .stratum = stratum, .scope_text = g.text,
                           .in_group = hln_bench_group_has, .group_ctx = &g,
                           .excluded = hln_bench_view_excluded, .excluded_ctx = rr->view};
    int rc = hln_util_grow((void **)&rr->cache, &rr->cap, rr->n + 1, sizeof *rr->cache);
    if (rc != 0)
        return rc;
    hln_report_runs_entry *e = &rr->cache[rr->n];
    memset(e, 0, sizeof *e);
    if ((rc = hln_improve_run(rr->store, &q, &e->r)) != 0)
        return rc;
    snprintf(e->indicator, sizeof e->indicator, "%s", ind->code);
    snprintf(e->stratum, sizeof e->stratum, "%s", stratum);
    snprintf(e->group, sizeof e->group, "%s", group);
    rr->n++;
    *out = e->r;
    return 0;
}

/* "Name · unit" (or the short node id) as the chart's caption. */
static void caption(hln_report_runs *rr, FILE *f, const hln_improve_unit *u)
{
    char name[HLN_NAME_MAX + 1] = "";
    if (!rr->name || !rr->name(rr->name_ctx, u->author, name, sizeof name) || !name[0]) {
        char idt[HLN_ID_TEXT_LEN + 1];
        hln_id_to_text(u->author, idt);
        snprintf(name, sizeof name, "%.7s", idt);
    }
    hln_report_escape(f, name);
    if (u->unit[0]) {
        fputs(" · ", f);
        hln_report_escape(f, u->unit);
    }
    unsigned seen = 0; /* each kind of signal named once */
    for (size_t i = 0; i < u->n_signals; i++) {
        unsigned bit = 1u << u->signals[i].kind;
        if (seen & bit)
            continue;
        fputs(seen ? ", " : " — ", f);
        fputs(hln_signal_name(u->signals[i].kind), f);
        seen |= bit;
    }
}

int hln_report_runs_section(void *ctx, FILE *f, const hln_indicator *ind, const char *stratum,
                            const char *group)
{
    hln_report_runs *rr = ctx;
    const hln_improve_result *r = NULL;
    /* Run charts are p- and u-charts: a dsr or a mean page has its own tables. */
    if (ind->kind != HLN_KIND_PROPORTION && ind->kind != HLN_KIND_RATE)
        return 0;
    int rc = runs_for(rr, ind, stratum ? stratum : "", group, &r);
    if (rc != 0)
        return rc;
    if (!r->n_units)
        return 0;
    fputs("<h2 id=\"runs\">Each unit over time</h2>\n<p>Every period held for each unit of this "
          "group: the series (blue), the centre line and 3-sigma limits of a Shewhart chart "
          "from the baseline periods (grey, dashed red), points of a signal in orange "
          "(docs/BENCHMARKS.md, &#8220;Improvement over time&#8221;; <code>hlnctl improve</code> "
          "gives the figures).</p>\n<div class=\"runs\" style=\"display:flex;flex-wrap:wrap;"
          "gap:.5rem\">\n",
          f);
    size_t shown = r->n_units < HLN_REPORT_RUNS_MAX ? r->n_units : HLN_REPORT_RUNS_MAX;
    for (size_t i = 0; i < shown; i++) {
        const hln_improve_unit *u = &r->units[i];
        fputs("<figure style=\"margin:0;width:300px\"><figcaption>", f);
        caption(rr, f, u);
        fputs("</figcaption>", f);
        hln_report_run_chart(f, r, u);
        fputs("</figure>\n", f);
    }
    fputs("</div>\n", f);
    if (shown < r->n_units)
        fprintf(f, "<p>%zu more units: <code>hlnctl improve</code> lists them all.</p>\n",
                r->n_units - shown);
    return ferror(f) ? HLN_EIO : 0;
}
