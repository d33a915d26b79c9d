/* improve.h - improvement over time: run chart rules, Shewhart p- and u-charts, sustainability, its digest
 * (docs/BENCHMARKS.md, "Improvement over time"). */
#ifndef HLN_IMPROVE_H
#define HLN_IMPROVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "node/bench.h"
#include "proto/record.h"
#include "store/store.h"

/* Changes whenever a figure could change for the same evidence. */
#define HLN_IMPROVE_VERSION "hln-improve/1"

/* The pinned rules (docs/BENCHMARKS.md repeats them). */
#define HLN_IMPROVE_SHIFT 6          /* points on one side of the median (Perla et al. 2011) */
#define HLN_IMPROVE_TREND 5          /* points all going up or all going down */
#define HLN_IMPROVE_SIGMA 3.0        /* Shewhart limits */
#define HLN_IMPROVE_BASELINE_MIN 3   /* fewer baseline points: no chart */
#define HLN_IMPROVE_BASELINE_MAX 12  /* without a start: the first min(12, n/2) points */

typedef enum {
    HLN_SIGNAL_SHIFT = 1,
    HLN_SIGNAL_TREND = 2,
    HLN_SIGNAL_ASTRONOMICAL = 3,
    HLN_SIGNAL_RUNS = 4,
} hln_signal_kind;

/* One point of a unit's series. Values are on the display scale (rates
 * multiplied by the indicator's multiplier). */
typedef struct {
    char period[HLN_PERIOD_MAX + 1];
    uint64_t x, n;
    uint8_t id[HLN_HASH_LEN]; /* the observation record */
    double value;
    double lcl, ucl; /* the Shewhart limits at this point's n (when the unit has a chart) */
    bool baseline;   /* one of the baseline points */
    unsigned marks;  /* bit (1 << kind) for every signal that covers the point */
} hln_improve_point;

typedef struct {
    uint32_t kind;       /* hln_signal_kind */
    int dir;             /* +1 up, -1 down, 0 none (runs) */
    int judgement;       /* +1 better, -1 worse, 0 neither (runs) */
    size_t first, last;  /* point indexes covered */
    bool after_baseline; /* covers a point after the baseline */
    bool vs_phase;       /* a sustainability signal: after the end, against the
                            collaborative's own phase, back towards the baseline */
} hln_improve_signal;

#define HLN_IMPROVE_SIGNALS_MAX 64

/* The analysis of one series. */
typedef struct {
    uint32_t kind, multiplier, direction; /* the indicator's */
    const char *start, *end;              /* the collaborative's periods, or NULL */
    bool has_target;
    double target; /* display scale */
} hln_improve_params;

typedef struct {
    uint8_t author[HLN_KEY_LEN];
    char unit[HLN_CODE_MAX + 1];
    size_t n_points;
    hln_improve_point *points; /* period order; owned */
    bool has_chart;            /* false: baseline too short (reason says so) */
    const char *reason;        /* why there is no chart, or "" */
    size_t n_baseline;         /* how many points are baseline points */
    double median;             /* run chart centre: median of the baseline values */
    double centre;             /* Shewhart centre: the pooled baseline value */
    size_t useful, crossings, crossings_min, longest_run;
    size_t n_signals;
    hln_improve_signal signals[HLN_IMPROVE_SIGNALS_MAX];
    bool signals_truncated;
    double latest;
    int improvement; /* 1 a signal in the better direction after the baseline, 0 none */
    int target_met;  /* 1, 0, or -1 without a target */
    int sustained;   /* after the end: 1 the gain holds, 0 a signal back towards the
                        baseline; -1 not applicable (no end passed, or no gain) */
    size_t n_after_end;
} hln_improve_unit;

/* Analyse u->points (n_points filled, period order; values are computed
 * here from x and n) under the pinned rules. Pure: no store, no I/O. */
void hln_improve_analyse(hln_improve_unit *u, const hln_improve_params *p);

/* The smallest c with P(C <= c) >= 0.05 for C ~ Binomial(n - 1, 1/2): fewer
 * crossings than this signal too few runs (Anhøj). 0 for n < 2. */
size_t hln_improve_crossings_min(size_t useful);

/* A query over the store: every (author, unit) series of one indicator and
 * stratum, the latest non-retracted observation per period. */
typedef struct {
    const hln_indicator *indicator;
    const char *stratum;              /* NULL or "": the total */
    const char *unit;                 /* NULL: every unit; else this unit code only */
    const char *scope_text;           /* for output and digest: "all", "CA", "collaborative:X" */
    hln_bench_author_fn in_group;     /* NULL: every author */
    void *group_ctx;
    hln_bench_author_fn excluded;     /* NULL: none */
    void *excluded_ctx;
    const hln_collaborative *collab;  /* NULL or the collaborative (start, end) */
    const uint8_t *collab_id;         /* its record id, in the digest */
    bool has_target;
    double target;                    /* display scale */
    const uint8_t *target_id;         /* its record id, in the digest (NULL: none) */
} hln_improve_query;

typedef struct {
    char indicator[HLN_CODE_MAX + 1];
    char stratum[HLN_CODE_MAX + 1];
    char scope[HLN_CODE_MAX + 16];
    uint32_t kind, multiplier, direction;
    char start[HLN_PERIOD_MAX + 1], end[HLN_PERIOD_MAX + 1]; /* "" without a collaborative */
    bool has_target;
    double target;
    int granularity; /* months per period of the series: 1, 3 or 12 */
    size_t n_units;
    hln_improve_unit *units; /* sorted by (author, unit) */
    size_t n_other_granularity, n_suppressed, n_excluded, n_outside;
    size_t reached_target, improved, sustained;
    uint8_t digest[HLN_HASH_LEN];
} hln_improve_result;

/* Run the query. *out is a new result (hln_improve_result_destroy).
 * HLN_EINVAL, HLN_ENOMEM, store errors. */
int hln_improve_run(hln_store *s, const hln_improve_query *q, hln_improve_result **out);
void hln_improve_result_destroy(hln_improve_result **r);

/* "shift", "trend", "astronomical", "runs". */
const char *hln_signal_name(uint32_t kind);

/* Writers: one JSON object (doubles "%.17g"), one CSV row per point, or a
 * table for people. `name_of` (may be NULL) gives an author's display name.
 * HLN_EIO. */
typedef const char *(*hln_improve_name_fn)(void *ctx, const uint8_t author[HLN_KEY_LEN]);
int hln_improve_write_json(const hln_improve_result *r, hln_improve_name_fn name_of, void *ctx,
                           FILE *f);
int hln_improve_write_csv(const hln_improve_result *r, hln_improve_name_fn name_of, void *ctx,
                          FILE *f);
int hln_improve_write_table(const hln_improve_result *r, hln_improve_name_fn name_of, void *ctx,
                            FILE *f);

#endif
