/* report_run.h - each unit's run chart on the report's indicator pages (docs/REPORT.md). */
#ifndef HLN_REPORT_RUN_H
#define HLN_REPORT_RUN_H

#include <stddef.h>
#include <stdio.h>

#include "node/bench_view.h"
#include "node/hlnctl/report.h"
#include "node/improve.h"

/* At most this many units' charts on a page; the rest are counted, and
 * `hlnctl improve` shows them all. */
#define HLN_REPORT_RUNS_MAX 60

/* One (indicator, stratum, group) evaluated, kept for the other periods'
 * pages of the same group. */
typedef struct {
    char indicator[HLN_CODE_MAX + 1], stratum[HLN_CODE_MAX + 1], group[HLN_CODE_MAX + 1];
    hln_improve_result *r;
} hln_report_runs_entry;

/* The section's context: the node's trust view (who counts in a group, who
 * is excluded, as on the rest of the page) and its names. */
typedef struct {
    hln_bench_view *view;
    hln_store *store;
    hln_report_name_fn name; /* NULL: short node ids */
    void *name_ctx;
    hln_report_runs_entry *cache;
    size_t n, cap;
} hln_report_runs;

void hln_report_runs_init(hln_report_runs *rr, hln_store *store, hln_bench_view *view,
                          hln_report_name_fn name, void *name_ctx);
void hln_report_runs_free(hln_report_runs *rr);

/* A hln_report_page_fn (ctx: a hln_report_runs): a section "Each unit over
 * time" with a small SVG run chart per unit of the page's group over every
 * period held (hln_improve_run under the rules of docs/BENCHMARKS.md,
 * "Improvement over time": the series, the baseline centre, 3-sigma limits,
 * signals marked). 0, HLN_EIO or an error of hln_improve_run. */
int hln_report_runs_section(void *ctx, FILE *f, const hln_indicator *ind, const char *stratum,
                            const char *group);

#endif
