/* csvin.c - the observation CSV parser: every row checked, every bad row with its line. */
#include "node/util.h"
#include "node/csvin.h"

#include <csv.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "crypto/err.h"
#include "proto/codes.h"

#define NFIELDS 7 /* the 7th, sum_squares, is optional: a mean's alone (col_of[F_SUMSQ] < 0: none) */
#define FIELD_CAP 160 /* longer fields are wrong anyway; keep enough to say so */
#define REASON_MAX 320

enum { F_INDICATOR, F_PERIOD, F_UNIT, F_STRATUM, F_NUMERATOR, F_DENOMINATOR, F_SUMSQ };
static const char *const field_names[NFIELDS] = {"indicator", "period",      "unit",
                                                 "stratum",   "numerator",   "denominator",
                                                 "sum_squares"};

typedef struct {
    unsigned long line;
    size_t order;
    char reason[REASON_MAX];
} problem;

typedef struct {
    /* the row being read */
    char field[NFIELDS][FIELD_CAP];
    size_t field_len[NFIELDS];
    bool field_nul[NFIELDS]; /* held a NUL byte */
    size_t nfields;
    unsigned long row_line;
    /* the file so far */
    bool header_seen, header_bad, stop;
    size_t nrows_seen;
    hln_csv_row *rows;
    size_t nrows, caprows;
    problem *probs;
    size_t nprob, capprob;
    bool oom;
    hln_csv_lookup_cb lookup;
    void *lookup_ctx;
    /* the header: which column holds which field (-1: none) */
    int col_of[NFIELDS];
    size_t ncols;                    /* columns in the header */
    char hdr[NFIELDS][FIELD_CAP];    /* the header's own names of the fields */
    const char *columns;             /* "theirs=ours,..." (may be NULL) */
    hln_csv_problem_cb note;         /* extra columns are said so here */
    void *note_ctx;
    size_t rawn;                     /* fields seen in the row being read */
    char hdrcell[64][FIELD_CAP];     /* the header row's cells (first 64) */
} csv_ctx;

static problem *new_problem(csv_ctx *c, unsigned long line)
{
    if (c->nprob == c->capprob) {
        size_t cap = c->capprob ? c->capprob * 2 : 16;
        problem *p = realloc(c->probs, cap * sizeof *p);
        if (!p) {
            c->oom = true;
            return NULL;
        }
        c->probs = p;
        c->capprob = cap;
    }
    problem *p = &c->probs[c->nprob];
    p->order = c->nprob++;
    p->line = line;
    p->reason[0] = '\0';
    return p;
}

/* Append a reason to a row's message, joined by "; ". */
static void reason_add(char *buf, size_t cap, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void reason_add(char *buf, size_t cap, const char *fmt, ...)
{
    size_t used = strlen(buf);
    if (used && used + 2 < cap) {
        memcpy(buf + used, "; ", 3);
        used += 2;
    }
    if (used + 1 >= cap)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf + used, cap - used, fmt, ap);
    va_end(ap);
}

static void on_field(void *data, size_t len, void *user)
{
    csv_ctx *c = user;
    if (!c->header_seen) {
        if (c->rawn < 64) {
            size_t cp = len < FIELD_CAP - 1 ? len : FIELD_CAP - 1;
            memcpy(c->hdrcell[c->rawn], data, cp);
            c->hdrcell[c->rawn][cp] = '\0';
        }
        c->rawn++;
        c->nfields++;
        return;
    }
    /* The field this column holds, by the header. */
    int fi = -1;
    for (int k = 0; k < NFIELDS; k++)
        if (c->col_of[k] == (int)c->rawn)
            fi = k;
    c->rawn++;
    if (fi >= 0) {
        size_t i = (size_t)fi;
        size_t cp = len < FIELD_CAP - 1 ? len : FIELD_CAP - 1;
        memcpy(c->field[i], data, cp);
        c->field[i][cp] = '\0';
        c->field_len[i] = len; /* the real length: too long is caught by the patterns */
        c->field_nul[i] = memchr(data, '\0', len) != NULL;
        c->nfields++;
    }
}

/* A whole count: digits only (no sign, no exponent, no separators). */
static void parse_count(const csv_ctx *c, int f, uint64_t *out, char *why, size_t cap)
{
    const char *v = c->field[f];
    size_t n = c->field_len[f];
    char safe[64];
    hln_util_sanitize(safe, sizeof safe, v, n < FIELD_CAP - 1 ? n : FIELD_CAP - 1, 40);
    *out = 0;
    if (n == 0) {
        reason_add(why, cap, "%s: empty", field_names[f]);
        return;
    }
    if (v[0] == '-') {
        reason_add(why, cap, "%s: '%s' is negative", field_names[f], safe);
        return;
    }
    uint64_t x = 0;
    for (size_t i = 0; i < n; i++) {
        if (i >= FIELD_CAP - 1 || v[i] < '0' || v[i] > '9') {
            reason_add(why, cap, "%s: '%s' is not a whole number", field_names[f], safe);
            return;
        }
        if (x > HLN_CSV_COUNT_MAX) /* keep going to see other characters; no overflow */
            continue;
        x = x * 10 + (uint64_t)(v[i] - '0');
    }
    if (x > HLN_CSV_COUNT_MAX) {
        reason_add(why, cap, "%s: '%s' is larger than 10^12", field_names[f], safe);
        return;
    }
    *out = x;
}

/* Trim blanks; compare case-insensitively. */
static bool name_is(const char *cell, const char *name, size_t nlen)
{
    while (*cell == ' ' || *cell == '\t')
        cell++;
    size_t n = strlen(cell);
    while (n && (cell[n - 1] == ' ' || cell[n - 1] == '\t'))
        n--;
    return n == nlen && !strncasecmp(cell, name, nlen);
}

/* The field a header cell names: ours, or theirs through --columns. */
static int field_of(const csv_ctx *c, const char *cell)
{
    for (int k = 0; k < NFIELDS; k++)
        if (name_is(cell, field_names[k], strlen(field_names[k])))
            return k;
    for (const char *p = c->columns; p && *p;) {
        const char *comma = strchr(p, ',');
        const char *end = comma ? comma : p + strlen(p);
        const char *eq = memchr(p, '=', (size_t)(end - p));
        if (eq && name_is(cell, p, (size_t)(eq - p)))
            for (int k = 0; k < NFIELDS; k++)
                if ((size_t)(end - eq - 1) == strlen(field_names[k]) &&
                    !strncasecmp(eq + 1, field_names[k], strlen(field_names[k])))
                    return k;
        p = comma ? comma + 1 : end;
    }
    return -1;
}

/* Columns in any order by name; unknown ones ignored (and said so). */
static bool header_ok(csv_ctx *c, char *why, size_t cap)
{
    for (int k = 0; k < NFIELDS; k++)
        c->col_of[k] = -1;
    size_t n = c->rawn < 64 ? c->rawn : 64;
    c->ncols = c->rawn;
    for (size_t i = 0; i < n; i++) {
        int k = field_of(c, c->hdrcell[i]);
        char safe[64];
        hln_util_sanitize(safe, sizeof safe, c->hdrcell[i], strlen(c->hdrcell[i]), 40);
        if (k < 0) {
            if (c->note) {
                char msg[128];
                snprintf(msg, sizeof msg, "column %zu '%s' is not used (ignored)", i + 1, safe);
                c->note(c->note_ctx, c->row_line, msg);
            }
            continue;
        }
        if (c->col_of[k] >= 0) {
            reason_add(why, cap, "column %zu '%s': %s is already column %d", i + 1, safe,
                       field_names[k], c->col_of[k] + 1);
            continue;
        }
        c->col_of[k] = (int)i;
        snprintf(c->hdr[k], sizeof c->hdr[k], "%s", safe);
    }
    for (int k = 0; k < NFIELDS; k++)
        if (c->col_of[k] < 0 && k != F_SUMSQ) /* sum_squares: a mean's alone */
            reason_add(why, cap, "no column %s (the header needs %s, in any order; --columns "
                                 "maps other names)",
                       field_names[k], HLN_CSV_HEADER);
    return why[0] == '\0';
}

/* A sum of squares: digits only, below 2^128. */
static void parse_sumsq(const csv_ctx *c, hln_csv_row *row, char *why, size_t cap)
{
    const char *v = c->field[F_SUMSQ];
    size_t n = c->field_len[F_SUMSQ];
    unsigned __int128 x = 0, max = ~(unsigned __int128)0;
    if (n == 0)
        return; /* none: fine unless the indicator is a mean */
    for (size_t i = 0; i < n; i++) {
        unsigned d = (unsigned)(v[i] - '0');
        if (i >= FIELD_CAP - 1 || v[i] < '0' || v[i] > '9') {
            reason_add(why, cap, "sum_squares: not a whole number");
            return;
        }
        if (x > (max - d) / 10) {
            reason_add(why, cap, "sum_squares: larger than 2^128 - 1");
            return;
        }
        x = x * 10 + d;
    }
    row->has_sumsq = true;
    row->sumsq_lo = (uint64_t)x;
    row->sumsq_hi = (uint64_t)(x >> 64);
}

static bool stratum_allowed(const hln_indicator *def, const char *stratum)
{
    if (!stratum[0])
        return true; /* the total */
    for (uint32_t i = 0; i < def->n_strata && i < HLN_STRATA_MAX; i++)
        if (strcmp(def->strata[i], stratum) == 0)
            return true;
    return false;
}

static void check_row(csv_ctx *c)
{
    char why[REASON_MAX] = "";
    hln_csv_row row;
    memset(&row, 0, sizeof row);
    row.line = c->row_line;
    /* Every column the header named, and each of our fields once (sum_squares
     * only when the header has it). */
    if (c->rawn != c->ncols || c->nfields != (c->col_of[F_SUMSQ] >= 0 ? NFIELDS : NFIELDS - 1)) {
        reason_add(why, sizeof why, "expected %zu fields, found %zu", c->ncols, c->rawn);
        goto done;
    }
    for (size_t f = 0; f < NFIELDS; f++)
        if (c->field_nul[f])
            reason_add(why, sizeof why, "%s: NUL byte", field_names[f]);
    if (why[0])
        goto done;
    static const struct {
        int f;
        bool (*ok)(const char *, size_t);
        size_t max;
        const char *what;
    } codes[] = {
        {F_INDICATOR, hln_code_indicator, HLN_CODE_MAX, "not an indicator code"},
        {F_PERIOD, hln_code_period, HLN_PERIOD_MAX, "not a period (2026, 2026-Q3, 2026-09)"},
        {F_UNIT, hln_code_unit, HLN_CODE_MAX, "not a unit code ([A-Za-z0-9][A-Za-z0-9._-]*)"},
        {F_STRATUM, hln_code_stratum, HLN_CODE_MAX, "not a stratum code ([a-z0-9][a-z0-9._=-]*)"},
    };
    for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++) {
        int f = codes[i].f;
        size_t n = c->field_len[f];
        if (n > codes[i].max || !codes[i].ok(c->field[f], n)) {
            char safe[64];
            hln_util_sanitize(safe, sizeof safe, c->field[f], n < FIELD_CAP - 1 ? n : FIELD_CAP - 1,
                         40);
            reason_add(why, sizeof why, "%s: '%s' is %s", field_names[f], safe, codes[i].what);
        }
    }
    hln_observation *o = &row.obs;
    parse_count(c, F_NUMERATOR, &o->numerator, why, sizeof why);
    parse_count(c, F_DENOMINATOR, &o->denominator, why, sizeof why);
    if (c->col_of[F_SUMSQ] >= 0)
        parse_sumsq(c, &row, why, sizeof why);
    if (!why[0] && o->denominator == 0)
        reason_add(why, sizeof why, "denominator: must be above 0");
    if (why[0])
        goto done;
    memcpy(o->indicator, c->field[F_INDICATOR], c->field_len[F_INDICATOR] + 1);
    memcpy(o->period, c->field[F_PERIOD], c->field_len[F_PERIOD] + 1);
    memcpy(o->unit, c->field[F_UNIT], c->field_len[F_UNIT] + 1);
    memcpy(o->stratum, c->field[F_STRATUM], c->field_len[F_STRATUM] + 1);
    row.kind = HLN_KIND_PROPORTION;
    if (c->lookup) {
        const hln_indicator *def = c->lookup(c->lookup_ctx, o->indicator);
        if (!def) {
            reason_add(why, sizeof why, "indicator: '%s' is not defined here (hlnctl indicator list: "
                       "the catalogue comes from the authority this node anchors)",
                       o->indicator);
            goto done;
        }
        row.kind = def->kind;
        if (!stratum_allowed(def, o->stratum))
            reason_add(why, sizeof why, "stratum: '%s' is not one of the strata of %s", o->stratum,
                       o->indicator);
        if (def->kind == HLN_KIND_MEAN) {
            /* Cauchy-Schwarz: n * sum of squares >= sum^2 for any values */
            unsigned __int128 s2 = ((unsigned __int128)row.sumsq_hi << 64) | row.sumsq_lo;
            unsigned __int128 s1sq = (unsigned __int128)o->numerator * o->numerator;
            if (!row.has_sumsq)
                reason_add(why, sizeof why, "sum_squares: %s is a mean; the header needs "
                           "sum_squares and the row a value", o->indicator);
            else if (s2 < s1sq / o->denominator + (s1sq % o->denominator != 0))
                reason_add(why, sizeof why,
                           "sum_squares: below numerator^2 / denominator (no values give it)");
        } else if (row.has_sumsq) {
            reason_add(why, sizeof why, "sum_squares: only a mean has one");
        }
        if (def->kind == HLN_KIND_PROPORTION && o->numerator > o->denominator)
            reason_add(why, sizeof why, "numerator %llu is above denominator %llu (a proportion)",
                       (unsigned long long)o->numerator, (unsigned long long)o->denominator);
    }
done:
    if (why[0]) {
        problem *p = new_problem(c, c->row_line);
        if (p)
            memcpy(p->reason, why, sizeof why);
        return;
    }
    if (c->nrows == c->caprows) {
        size_t cap = c->caprows ? c->caprows * 2 : 64;
        hln_csv_row *r = realloc(c->rows, cap * sizeof *r);
        if (!r) {
            c->oom = true;
            return;
        }
        c->rows = r;
        c->caprows = cap;
    }
    c->rows[c->nrows++] = row;
}

static void on_row(int term, void *user)
{
    (void)term;
    csv_ctx *c = user;
    if (c->stop || c->oom) {
        c->nfields = 0;
        c->rawn = 0;
        return;
    }
    if (!c->header_seen) {
        c->header_seen = true;
        char why[REASON_MAX - 16] = ""; /* room for "header: " */
        if (!header_ok(c, why, sizeof why)) {
            problem *p = new_problem(c, c->row_line);
            if (p)
                snprintf(p->reason, sizeof p->reason, "header: %s", why);
            c->header_bad = true;
            c->stop = true; /* the columns mean nothing without it */
        }
    } else if (++c->nrows_seen > HLN_CSV_ROWS_MAX) {
        problem *p = new_problem(c, c->row_line);
        if (p)
            snprintf(p->reason, sizeof p->reason, "more than %u rows in one file; split it",
                     HLN_CSV_ROWS_MAX);
        c->stop = true;
    } else {
        check_row(c);
    }
    c->nfields = 0;
    c->rawn = 0;
    memset(c->field_len, 0, sizeof c->field_len);
    memset(c->field_nul, 0, sizeof c->field_nul);
    for (int k = 0; k < NFIELDS; k++)
        c->field[k][0] = '\0';
}

static int cmp_key(const void *a, const void *b)
{
    const hln_csv_row *x = a, *y = b;
    int r = strcmp(x->obs.indicator, y->obs.indicator);
    if (!r)
        r = strcmp(x->obs.period, y->obs.period);
    if (!r)
        r = strcmp(x->obs.unit, y->obs.unit);
    if (!r)
        r = strcmp(x->obs.stratum, y->obs.stratum);
    if (!r)
        r = x->line < y->line ? -1 : x->line > y->line;
    return r;
}

static int cmp_line(const void *a, const void *b)
{
    const hln_csv_row *x = a, *y = b;
    return x->line < y->line ? -1 : x->line > y->line;
}

static int cmp_problem(const void *a, const void *b)
{
    const problem *x = a, *y = b;
    if (x->line != y->line)
        return x->line < y->line ? -1 : 1;
    return x->order < y->order ? -1 : x->order > y->order;
}

/* Two rows for one (indicator, period, unit, stratum) would make the
 * published value depend on their order: refuse the later ones. */
static void check_duplicates(csv_ctx *c)
{
    if (c->nrows < 2)
        return;
    qsort(c->rows, c->nrows, sizeof *c->rows, cmp_key);
    size_t first = 0;
    for (size_t i = 1; i < c->nrows; i++) {
        const hln_observation *a = &c->rows[first].obs, *b = &c->rows[i].obs;
        if (strcmp(a->indicator, b->indicator) || strcmp(a->period, b->period) ||
            strcmp(a->unit, b->unit) || strcmp(a->stratum, b->stratum)) {
            first = i;
            continue;
        }
        problem *p = new_problem(c, c->rows[i].line);
        if (p)
            snprintf(p->reason, sizeof p->reason,
                     "duplicate of line %lu (same indicator, "
                     "period, unit and stratum)",
                     c->rows[first].line);
    }
    qsort(c->rows, c->nrows, sizeof *c->rows, cmp_line);
}

int hln_csvin_parse(const char *buf, size_t len, hln_csv_lookup_cb lookup, void *lookup_ctx,
                    hln_csv_problem_cb cb, void *cb_ctx, hln_csv_row **rows, size_t *n)
{
    return hln_csvin_parse_ex(buf, len, NULL, lookup, lookup_ctx, cb, cb_ctx, rows, n);
}

/* ';' when the header line holds a ';' and no ',' (spreadsheets in much of Europe). */
static unsigned char detect_delim(const char *buf, size_t len)
{
    const char *nl = memchr(buf, '\n', len);
    size_t ll = nl ? (size_t)(nl - buf) : len;
    return memchr(buf, ';', ll) && !memchr(buf, ',', ll) ? ';' : ',';
}

int hln_csvin_parse_ex(const char *buf, size_t len, const hln_csv_opts *opts,
                       hln_csv_lookup_cb lookup, void *lookup_ctx, hln_csv_problem_cb cb,
                       void *cb_ctx, hln_csv_row **rows, size_t *n)
{
    *rows = NULL;
    *n = 0;
    if (len > HLN_CSV_FILE_MAX)
        return HLN_ETOOBIG;
    csv_ctx *c = calloc(1, sizeof *c);
    if (!c)
        return HLN_ENOMEM;
    c->lookup = lookup;
    c->lookup_ctx = lookup_ctx;
    if (opts) {
        c->columns = opts->columns;
        c->note = opts->note;
        c->note_ctx = opts->note_ctx;
    }
    int rc = 0;
    struct csv_parser p;
    /* Strict: a stray quote is an error rather than a guess. */
    const unsigned char copts = CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL;
    if (csv_init(&p, copts) != 0) {
        free(c);
        return HLN_ENOMEM;
    }
    size_t pos = 0;
    if (len >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0)
        pos = 3;
    unsigned char delim = detect_delim(buf + pos, len - pos);
    csv_set_delim(&p, delim);
    /* Feed one physical line at a time so that every row knows the line it
     * starts on: a row starts on line L when the parser stands between rows
     * as line L begins (libcsv's pstate 0, ROW_NOT_BEGUN). */
    unsigned long line = 0;
    while (pos < len && !c->stop && !c->oom) {
        const char *start = buf + pos;
        const char *nl = memchr(start, '\n', len - pos);
        size_t ll = nl ? (size_t)(nl - start) + 1 : len - pos;
        line++;
        if (p.pstate == 0 && c->nfields == 0)
            c->row_line = line;
        size_t used = csv_parse(&p, start, ll, on_field, on_row, c);
        pos += ll;
        if (used != ll) {
            problem *pr = new_problem(c, c->row_line);
            if (pr)
                snprintf(pr->reason, sizeof pr->reason,
                         "malformed CSV (%s): a quote inside an unquoted field, or text "
                         "after a closing quote",
                         csv_strerror(csv_error(&p)));
            if (!c->header_seen)
                c->stop = true;
            /* Start afresh on the next line: the rest of this row is lost. */
            csv_free(&p);
            if (csv_init(&p, copts) != 0) {
                c->oom = true;
                break;
            }
            csv_set_delim(&p, delim);
            c->nfields = 0;
            c->rawn = 0;
        }
    }
    if (!c->stop && !c->oom) {
        if (p.pstate == 0 && c->nfields == 0)
            c->row_line = line ? line : 1;
        if (csv_fini(&p, on_field, on_row, c) != 0) {
            problem *pr = new_problem(c, c->row_line);
            if (pr)
                snprintf(pr->reason, sizeof pr->reason,
                         "malformed CSV: a quoted field is not closed");
        }
    }
    csv_free(&p);
    if (c->oom) {
        rc = HLN_ENOMEM;
        goto out;
    }
    if (!c->header_seen) {
        problem *pr = new_problem(c, 1);
        if (pr)
            snprintf(pr->reason, sizeof pr->reason, "empty file: expected the header %s",
                     HLN_CSV_HEADER);
    } else if (!c->header_bad && c->nrows_seen == 0 && c->nprob == 0) {
        problem *pr = new_problem(c, line ? line : 1);
        if (pr)
            snprintf(pr->reason, sizeof pr->reason, "no rows after the header");
    }
    check_duplicates(c);
    if (c->oom) {
        rc = HLN_ENOMEM;
        goto out;
    }
    if (c->nprob) {
        qsort(c->probs, c->nprob, sizeof *c->probs, cmp_problem);
        for (size_t i = 0; cb && i < c->nprob; i++)
            cb(cb_ctx, c->probs[i].line, c->probs[i].reason);
        rc = HLN_EINVAL;
        goto out;
    }
    *rows = c->rows;
    *n = c->nrows;
    c->rows = NULL;
out:
    free(c->rows);
    free(c->probs);
    free(c);
    return rc;
}
