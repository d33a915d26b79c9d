/* bench.h - the benchmark query engine: store to figures, digest, JSON/table/CSV, trends. */
#ifndef HLN_BENCH_H
#define HLN_BENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "proto/record.h"
#include "store/store.h"
#include "node/dsr.h"
#include "node/stats.h"

/* The engine's version string: part of every evidence digest, so it changes
 * whenever a figure could change for the same evidence. */
#define HLN_BENCH_VERSION "hln-bench/3"

/* true if `author` passes (is in the group; or, for `excluded`, is flagged). */
typedef bool (*hln_bench_author_fn)(void *ctx, const uint8_t author[HLN_KEY_LEN]);

/* true if `key` was rotated to another key (docs/GOVERNANCE.md §5a), which
 * it writes to `next`. */
typedef bool (*hln_bench_successor_fn)(void *ctx, const uint8_t key[HLN_KEY_LEN],
                                       uint8_t next[HLN_KEY_LEN]);

/* A benchmark query. Strings are borrowed for the call. */
typedef struct {
    const hln_indicator *indicator; /* code, kind, multiplier, direction, method */
    const char *period;             /* "2026-Q3" */
    const char *group; /* its text for output and digest: "all", "CA", "CA-ON", "level:national";
                          NULL = "all" */
    hln_bench_author_fn in_group; /* NULL: every author is in the group */
    void *group_ctx;
    hln_bench_author_fn excluded; /* NULL: none; true: untrusted or flagged, left out */
    void *excluded_ctx;
    /* NULL: none. Else a unit reported under a rotated key and under a key
     * that succeeded it counts once, the later key's (n_superseded). */
    hln_bench_successor_fn successor;
    void *successor_ctx;
    const char *stratum; /* NULL or "": the total */
    int method;          /* -1: the indicator's; 0 exact; 1 wilson */
    uint32_t ci;         /* hln_stats_ci, intervals for proportions */
    char per; /* trends only: 0 every period as held; 'Y', 'Q' or 'M' that granularity
                 (node/periods.h: coarser points are added up from finer ones) */
} hln_bench_query;

/* One unit that counted: whose, which record, and its figures. */
typedef struct {
    uint8_t author[HLN_KEY_LEN];
    char unit[HLN_CODE_MAX + 1];
    uint8_t id[HLN_HASH_LEN];
    uint64_t timestamp_ms;
    hln_stats_unit s; /* figures per one unit of exposure (rates: not multiplied) */
    uint32_t parts;   /* records added up (node/periods.h); 1 when reported for the period itself */
    /* kind mean: the sum of squares of the values (lo, hi 64 bits), added
     * over the parts; has_sq false until node/periods.c or bench_mean.c set it */
    bool has_sq;
    uint64_t sq[2];
} hln_bench_unit;

/* A unit left out of a coarser period because a finer one is missing
 * (node/periods.h): it holds `have` of the `need` parts. */
typedef struct {
    uint8_t author[HLN_KEY_LEN];
    char unit[HLN_CODE_MAX + 1];
    uint32_t have, need;
} hln_bench_incomplete;

/* A unit that reported its counts as suppressed. */
typedef struct {
    uint8_t author[HLN_KEY_LEN];
    char unit[HLN_CODE_MAX + 1];
    uint8_t id[HLN_HASH_LEN];
} hln_bench_suppressed;

typedef struct {
    /* the query, copied */
    char indicator[HLN_CODE_MAX + 1];
    char period[HLN_PERIOD_MAX + 1];
    char group[HLN_CODE_MAX + 1];
    char stratum[HLN_CODE_MAX + 1];
    uint32_t kind, direction, multiplier, method, ci;
    /* what the walk found */
    size_t n_units;        /* units that counted */
    hln_bench_unit *units; /* sorted by (author, unit) */
    size_t n_suppressed;
    hln_bench_suppressed *suppressed; /* sorted by (author, unit) */
    size_t n_excluded;                /* (author, unit) pairs of excluded authors */
    size_t n_outside_group;           /* (author, unit) pairs outside the group */
    size_t n_retracted;               /* observations withdrawn (any, not only the latest) */
    size_t n_superseded;              /* older observations replaced by a later one */
    size_t n_empty;                   /* latest observation with denominator 0: left out */
    size_t n_invalid;                 /* proportion with numerator > denominator: left out */
    size_t n_incomplete;              /* units missing a part of a coarser period: left out */
    size_t n_too_few;                 /* dsr: fewer than 10 events, no DSR: left out */
    char standard[HLN_CODE_MAX + 1];  /* dsr: the standard population's name */
    uint64_t sum_sq[2];               /* mean: the pooled sum of squares (lo, hi) */
    hln_dsr_stats dsr_pool;           /* dsr: the group's pooled DSR (hln_dsr_pool) */
    hln_bench_incomplete *incomplete; /* sorted by (author, unit) */
    /* When units were added up from finer periods: every record used, the
     * counted ones first, then the suppressed ones; the digest covers these
     * instead of units[].id and suppressed[].id. NULL otherwise. */
    uint8_t (*used_ids)[HLN_HASH_LEN];
    size_t n_used_counted, n_used_suppressed;
    bool has_stats;                   /* false when no unit counted: the summary is zero */
    hln_stats_summary summary;
    uint8_t digest[HLN_HASH_LEN];
} hln_bench_result;

/* Run a query over the store's observation index. On success *out is a new
 * result the caller frees with hln_bench_result_destroy. A query that finds
 * no unit succeeds with has_stats false. HLN_EINVAL on a bad query (missing
 * indicator or period, unknown method, strings too long); HLN_ENOMEM;
 * HLN_ERANGE if counts overflow; store errors as the store returns them. */
int hln_bench_run(hln_store *s, const hln_bench_query *q, hln_bench_result **out);

/* Free a result; sets *r to NULL. */
void hln_bench_result_destroy(hln_bench_result **r);

/* The evidence digest of docs/BENCHMARKS.md: BLAKE2b-256 over the engine
 * version, the query fields and the sorted ids counted and suppressed.
 * `counted` and `suppressed` are arrays of ids, sorted here in place. */
void hln_bench_digest(const char *indicator, const char *period, const char *group,
                      const char *stratum, const char *method, uint8_t (*counted)[HLN_HASH_LEN],
                      size_t n_counted, uint8_t (*suppressed)[HLN_HASH_LEN], size_t n_suppressed,
                      uint8_t out[HLN_HASH_LEN]);

/* Write the result as one JSON object and a newline, with stable field names
 * and doubles as "%.17g": equal evidence gives byte-identical output.
 * HLN_EIO if writing fails. */
int hln_bench_write_json(const hln_bench_result *r, FILE *f);

/* Write a table for people: one line per unit, the caller's own units marked
 * with '*' (own_author may be NULL), then summary lines. HLN_EIO. */
int hln_bench_write_table(const hln_bench_result *r, const uint8_t *own_author, FILE *f);

/* How every output for people (tables, trends, the report) writes a number,
 * one rule so that the CLI and the report agree to the digit:
 *   - |v| >= 100: an integer, rounded half away from zero, with no false
 *     zeros (1234.5 is "1235", not "1230": a count-like rate is read as
 *     it is, and its last digit is not invented);
 *   - below: three significant digits, trailing zeros kept so that a
 *     column reads at one precision: 41.2, 4.12, 0.412, 0.00412, 0.100;
 *     a value that rounds up to the next decade loses a decimal (9.996 is
 *     "10.0", 99.96 is "100");
 *   - 0 is "0", and NaN or an infinity "-". Never an exponent.
 * buf gets at most cap bytes, NUL-terminated. */
void hln_bench_sig3(char *buf, size_t cap, double v);

/* A value of r as people read it: a rate per r's multiplier with
 * hln_bench_sig3 ("41.2"), a proportion as a percentage with one decimal
 * ("37.5%"). v is on the engine's scale. */
void hln_bench_format_value(const hln_bench_result *r, char *buf, size_t cap, double v);

/* A gap on the engine's scale (hln_bench_gap_to_abc) the same way, signed:
 * "+4.12", "-0.300", or "+2.5 pp" for a proportion. */
void hln_bench_format_gap(const hln_bench_result *r, char *buf, size_t cap, double g);

/* JSON pieces every benchmark writer shares, so that equal figures are equal
 * bytes on every node: a string quoted and escaped (control bytes as \u00XX),
 * a number with 17 significant digits (null when not finite, never "-0"). */
void hln_bench_json_str(FILE *f, const char *s);
void hln_bench_json_num(FILE *f, double v);
/* "K":{"lo998":..,"lo95":..,"hi95":..,"hi998":..}, each limit times m. */
void hln_bench_json_limits(FILE *f, const char *k, const hln_stats_limits *l, double m);
/* ,"suppressed":[{author, unit, record}...] of a result, as every kind writes it. */
void hln_bench_json_suppressed(FILE *f, const hln_bench_result *r);
/* "better" (+1), "worse" (-1), "as-expected" (0). */
const char *hln_bench_judgement_name(int j);

/* Write one CSV row per unit (and per suppressed unit), with a header. HLN_EIO. */
int hln_bench_write_csv(const hln_bench_result *r, FILE *f);

/* One period of a trend. */
typedef struct {
    char period[HLN_PERIOD_MAX + 1];
    size_t units, suppressed;
    bool has_stats;
    double theta0, q1, median, q3, abc; /* multiplied (rates) */
    bool overdispersed;
    bool has_unit;            /* the unit asked for counted this period */
    double value, lo95, hi95; /* its value and interval, multiplied */
    hln_stats_place place;    /* its place_used */
    int judgement;
    uint8_t digest[HLN_HASH_LEN];
} hln_bench_trend_point;

/* The figures of every period that holds observations of the indicator (in
 * period order), with q's group, stratum and method; q->period is ignored.
 * If `author` is not NULL, each point also carries that author's `unit`
 * ("" for its own node). *out (caller frees with free()) gets *count points.
 * Errors as hln_bench_run. */
int hln_bench_trend(hln_store *s, const hln_bench_query *q, const uint8_t *author, const char *unit,
                    hln_bench_trend_point **out, size_t *count);
/* The same, handing each period's whole result (point i of n) to `each`
 * (may be NULL) before it is freed: a report draws its chart from the runs
 * that make the points, instead of running every period twice. A non-zero
 * return from `each` stops the trend and is returned. */
typedef int (*hln_bench_trend_each)(void *ctx, size_t i, size_t n, const hln_bench_result *r);
int hln_bench_trend_ex(hln_store *s, const hln_bench_query *q, const uint8_t *author,
                       const char *unit, hln_bench_trend_point **out, size_t *count,
                       hln_bench_trend_each each, void *ctx);

/* A trend as JSON (one object) or as a table. HLN_EIO. */
int hln_bench_write_trend_json(const hln_bench_query *q, const hln_bench_trend_point *p,
                               size_t count, FILE *f);
int hln_bench_write_trend_table(const hln_bench_query *q, const hln_bench_trend_point *p,
                                size_t count, FILE *f);

/* A unit's gap to the ABC (docs/BENCHMARKS.md, "Gap to ABC"), on the
 * engine's scale (rates per one unit of exposure): positive means short of
 * the benchmark in the indicator's good direction (below it when higher is
 * better, above it when lower is better), negative beyond it. Every output
 * (JSON, table, CSV, the report) uses this one definition. */
double hln_bench_gap_to_abc(const hln_bench_result *r, double value);

/* "proportion"/"rate", "higher"/"lower", "exact"/"wilson". */
const char *hln_bench_kind_name(uint32_t kind);
const char *hln_bench_direction_name(uint32_t direction);
const char *hln_bench_method_name(uint32_t method);

#endif
