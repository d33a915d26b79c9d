/* report.h - the public report: benchmarks, funnel plots and evidence digests as static HTML. */
#ifndef HLN_REPORT_H
#define HLN_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "proto/record.h"
#include "store/store.h"
#include "node/bench.h"

/* The site is plain files: index.html, and for every indicator a directory
 * named by its code holding one page per period and comparison group,
 * "<period>_<group>.html" ("2026-Q3_all.html", "2026-Q3_CA-ON.html"). No
 * server, no script, no external asset: CSS is inline, plots are inline
 * SVG, and a Content-Security-Policy forbids anything else. Docs:
 * docs/REPORT.md. */

/* An author's jurisdiction ("CA", "CA-ON", "global") into out; false when
 * unknown (the author then counts only in the group "all"). */
typedef bool (*hln_report_jurisdiction_fn)(void *ctx, const uint8_t author[HLN_KEY_LEN],
                                           char out[HLN_SCOPE_MAX + 1]);
/* An author's display name into out (cap bytes, NUL-terminated); false
 * when unknown (the report shows its short node id). Free text: the report
 * escapes it. */
typedef bool (*hln_report_name_fn)(void *ctx, const uint8_t author[HLN_KEY_LEN], char *out,
                                   size_t cap);

/* Whether an author counts in a comparison group ("all", "CA", "CA-ON").
 * `hlnctl report` passes the rule of `hlnctl bench` (hln_bench_group_has
 * over the node's trust view: a jurisdiction holds its organizations, "all"
 * the national authorities' roll-ups), so that every page's digest equals
 * `hlnctl bench --group G`'s. */
typedef bool (*hln_report_group_fn)(void *ctx, const char *group,
                                    const uint8_t author[HLN_KEY_LEN]);

/* More for an indicator page, written before its end (the page's
 * indicator, stratum and group): each unit's run chart (report_run.c).
 * 0 or a negative HLN_E* code. */
typedef int (*hln_report_page_fn)(void *ctx, FILE *f, const hln_indicator *ind,
                                  const char *stratum, const char *group);

typedef enum {
    HLN_REPORT_AXIS_AUTO = 0, /* log when the largest denominator is >= 10x the smallest */
    HLN_REPORT_AXIS_LINEAR = 1,
    HLN_REPORT_AXIS_LOG = 2,
} hln_report_axis;

/* What to report. Everything is borrowed for the call. */
typedef struct {
    const hln_indicator *indicators; /* the definitions to report, in index order */
    size_t n_indicators;
    const char *const *periods; /* only these periods; NULL: every period held */
    size_t n_periods;
    const char *group;   /* the main group: NULL or "all", or a jurisdiction ("CA") */
    const char *stratum; /* NULL or "": the total */
    hln_report_jurisdiction_fn jurisdiction; /* NULL: no comparisons by jurisdiction */
    void *jurisdiction_ctx;
    /* Who counts in each group. NULL: every author in "all", and in each
     * jurisdiction that contains its own (no levels: for callers without a
     * trust view). Set, a jurisdiction gets a page only where an author that
     * counts in it reported. */
    hln_report_group_fn in_group;
    void *in_group_ctx;
    hln_report_name_fn name; /* NULL: short node ids */
    void *name_ctx;
    hln_bench_author_fn excluded; /* as hln_bench_query: untrusted or flagged authors */
    void *excluded_ctx;
    hln_bench_successor_fn successor; /* as hln_bench_query, with excluded_ctx (NULL: none) */
    int method;  /* -1: each indicator's; 0 exact; 1 wilson */
    uint32_t ci; /* hln_stats_ci for proportions' intervals */
    hln_report_axis axis;
    const char *title;     /* the site's title; NULL: a default */
    const char *publisher; /* shown in every footer ("Ontario Health"); NULL: none */
    const uint8_t *own;    /* the node's key: its units are followed in trend charts; NULL */
    hln_report_page_fn page_extra; /* NULL: nothing more */
    void *page_extra_ctx;
} hln_report_opts;

/* What was written. */
typedef struct {
    size_t pages;      /* indicator pages (every period and group) */
    size_t indicators; /* indicators with at least one period */
    size_t periods;    /* (indicator, period) pairs */
} hln_report_summary;

/* Write the site into `outdir` (created 0755 if absent; existing pages of
 * the same names are replaced, each atomically by rename). For every
 * indicator and period it runs hln_bench_run for the group and for every
 * jurisdiction inside it that has authors (countries and subdivisions),
 * so each page shows the same figures and digest as `hlnctl bench`. The
 * output depends only on the store and the options: equal evidence gives
 * byte-identical files. `sum` may be NULL. Returns 0; HLN_EINVAL (an
 * invalid code, period or group, a group without a jurisdiction callback;
 * named in err); HLN_EIO (a file could not be written; the path in err);
 * HLN_ENOMEM; errors of hln_bench_run. */
int hln_report_write_html(hln_store *s, const hln_report_opts *o, const char *outdir,
                          hln_report_summary *sum, char *err, size_t errlen);

/* Write `text` to f escaped for HTML text and attribute values: & < > " '
 * become entities, control characters become U+FFFD. HLN_EIO if f fails. */
int hln_report_escape(FILE *f, const char *text);

/* The page of (indicator, period, group) relative to outdir, into out.
 * HLN_EINVAL if a part does not match its pattern, HLN_ETOOBIG if cap is short. */
int hln_report_page_path(const char *indicator, const char *period, const char *group, char *out,
                         size_t cap);

/* `hlnctl [-d DIR] report --html OUTDIR [--period P] [--group G] [--stratum S]
 * [--method exact|wilson] [--axis auto|log|linear] [--title T]`: opens the
 * node in `datadir` read-only and reports the latest definition of every
 * indicator held, with names from its trust graph and exactly the rules of
 * `hlnctl bench` (node/bench_view.h): hln_bench_view_excluded for who is
 * left out, hln_bench_group_has for who is in a group, and the same default
 * group (hln_bench_default_group: the node's country). argv[0] is
 * the command word ("report"). Prints what was written on stdout,
 * diagnostics on stderr as "hlnctl: ...". Returns the exit status: 0, 1
 * (failed), 2 (usage). */
int hln_cli_report(const char *datadir, int argc, char **argv);

#endif
