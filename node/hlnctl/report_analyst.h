/* report_analyst.h - the analyst's sections of an indicator page
 * (docs/REPORT.md): CSV and JSON downloads of the page's figures (the same
 * bytes as `hlnctl bench --json/--csv`), a trend chart, strata side by
 * side, standardised and mean figures, and the countries missing from a
 * global page. */
#ifndef HLN_REPORT_ANALYST_H
#define HLN_REPORT_ANALYST_H

#include <stdio.h>

#include "node/bench.h"
#include "node/hlnctl/report.h"
#include "store/store.h"

typedef struct {
    hln_store *s;
    const hln_report_opts *o;
    const char *outdir;
    const char *rel;          /* the page, relative to outdir: "code/2026-Q3_CA.html" */
    const hln_bench_query *q; /* the page's query */
    const hln_bench_result *r;
} hln_report_analyst_page;

/* Write the sections into the page `f` and their download files beside
 * the page. HLN_EIO (with err) when a file cannot be written. */
int hln_report_analyst_write(FILE *f, const hln_report_analyst_page *p, char *err, size_t errlen);

/* The page's downloads (its bench --csv and --json, written beside it by
 * hln_report_analyst_write) as a line to put under a table or chart. */
int hln_report_analyst_links(FILE *f, const hln_report_analyst_page *p);

/* Add to the held periods `v` (n of them) every period asked for in
 * o->periods that is a year or quarter holding one of them, so that a
 * report of 2026-Q2 on monthly data has its page (node/periods.c adds the
 * months up). */
int hln_report_analyst_add_periods(const hln_report_opts *o, char (**v)[HLN_PERIOD_MAX + 1],
                                   size_t *n, size_t *cap);

#endif
