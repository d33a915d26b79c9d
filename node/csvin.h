/* csvin.h - the observation CSV parser: every row checked, every bad row with its line. */
#ifndef HLN_CSVIN_H
#define HLN_CSVIN_H

#include <stddef.h>
#include <stdint.h>

#include "proto/record.h"

#define HLN_CSV_FILE_MAX (16u << 20) /* bytes in one file */
#define HLN_CSV_ROWS_MAX 10000u      /* rows in one file: one batch, one transaction */
/* Counts larger than this are refused as typing errors: no health count
 * comes near it, and sums over many units stay far from 2^64. */
#define HLN_CSV_COUNT_MAX 1000000000000ull
#define HLN_CSV_HEADER "indicator,period,unit,stratum,numerator,denominator"
/* The header with the optional column of means (kind mean: numerator =
 * sum of values, denominator = n, sum_squares = sum of squared values;
 * empty on the rows of other kinds). */
#define HLN_CSV_HEADER_MEANS HLN_CSV_HEADER ",sum_squares"

/* A checked row. obs.suppressed is false; disclosure control comes later. */
typedef struct {
    unsigned long line; /* the physical line the row starts on, 1-based */
    hln_observation obs;
    uint32_t kind; /* hln_kind of its indicator (proportion if no lookup) */
    /* The optional 7th column, sum_squares (a mean's sum of squared
     * values, up to 2^128 - 1): present on the row when has_sumsq. */
    bool has_sumsq;
    uint64_t sumsq_lo, sumsq_hi;
} hln_csv_row;

/* The definition of indicator `code`, or NULL if none is held. The pointer
 * must stay valid until hln_csvin_parse returns. */
typedef const hln_indicator *(*hln_csv_lookup_cb)(void *ctx, const char *code);

/* One bad row: its line and a sanitized reason (several joined by "; "). */
typedef void (*hln_csv_problem_cb)(void *ctx, unsigned long line, const char *reason);

/* Parse the CSV in `buf` (`len` bytes, untrusted; a UTF-8 BOM and CRLF line
 * ends are accepted, fields may be quoted) and check every row: the header,
 * six fields, the code patterns of proto/codes.h, whole non-negative counts
 * up to HLN_CSV_COUNT_MAX, a denominator above 0, no two rows with the same
 * (indicator, period, unit, stratum), and, when `lookup` is given, a known
 * indicator, a stratum its definition allows and numerator <= denominator
 * for proportions.
 * Returns 0 with *rows (calloc'd, the caller frees) and *n set when every row
 * is good. Otherwise every problem goes to `cb` (may be NULL) in line order,
 * *rows is NULL and the return is HLN_EINVAL; HLN_ETOOBIG (the file is over
 * HLN_CSV_FILE_MAX), HLN_ENOMEM. */
int hln_csvin_parse(const char *buf, size_t len, hln_csv_lookup_cb lookup, void *lookup_ctx,
                    hln_csv_problem_cb cb, void *cb_ctx, hln_csv_row **rows, size_t *n);

/* Options of the forgiving reader (docs/CLI.md, publish). */
typedef struct {
    const char *columns;     /* "theirs=ours,..." header names mapped to ours; NULL none */
    hln_csv_problem_cb note; /* told of each extra column (ignored); may be NULL */
    void *note_ctx;
} hln_csv_opts;

/* hln_csvin_parse with options (NULL: none). The header names the columns,
 * in any order and any case; columns it does not name are ignored (and
 * `note` told); a header line with ';' and no ',' makes ';' the separator. */
int hln_csvin_parse_ex(const char *buf, size_t len, const hln_csv_opts *opts,
                       hln_csv_lookup_cb lookup, void *lookup_ctx, hln_csv_problem_cb cb,
                       void *cb_ctx, hln_csv_row **rows, size_t *n);

#endif
