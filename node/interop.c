/* interop.c - what DHIS2 and FHIR import/export share: the map file, periods, counts, the CSV hand-off. */
#include "node/interop.h"

#include <ini.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/err.h"
#include "node/util.h"
#include "proto/codes.h"

#define REASON_MAX 240

/* ---- the map file ---- */

enum { SEC_NONE, SEC_BAD, SEC_INDICATOR, SEC_UNITS, SEC_STRATA, SEC_DIMS, SEC_EXPORT };

typedef struct {
    const char *buf;
    size_t len, pos;
    unsigned long line;
    hln_map *m;
    size_t cap_ind, cap_units, cap_strata, cap_dims;
    char cur[HLN_MAP_URL_MAX + 1];
    int sec;
    hln_interop_problem_cb cb;
    void *ctx;
    size_t nprob;
    bool oom;
} map_ctx;

static void problem(map_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void problem(map_ctx *c, const char *fmt, ...)
{
    char raw[REASON_MAX], safe[REASON_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(raw, sizeof raw, fmt, ap);
    va_end(ap);
    hln_util_sanitize(safe, sizeof safe, raw, strlen(raw), REASON_MAX - 8);
    c->nprob++;
    if (c->cb)
        c->cb(c->ctx, c->line, safe);
}

static char *reader(char *str, int num, void *stream)
{
    map_ctx *c = stream;
    if (c->pos >= c->len || num < 2)
        return NULL;
    const char *start = c->buf + c->pos;
    const char *nl = memchr(start, '\n', c->len - c->pos);
    size_t ll = nl ? (size_t)(nl - start) + 1 : c->len - c->pos;
    size_t cp = ll < (size_t)num - 1 ? ll : (size_t)num - 1;
    memcpy(str, start, cp);
    str[cp] = '\0';
    c->pos += ll; /* an over-long line is cut, and then refused by its value */
    c->line++;
    return str;
}

static bool id_ok(const char *v)
{
    size_t n = strlen(v);
    if (n == 0 || n > HLN_MAP_ID_MAX)
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)v[i];
        if (ch <= ' ' || ch >= 0x7f || ch == ',' || ch == '"' || ch == ';')
            return false;
    }
    return true;
}

/* "DE" or "DE.COC" (DHIS2's own notation for an operand). */
static bool set_operand(map_ctx *c, const char *key, const char *v, char *de, char *coc)
{
    const char *dot = strchr(v, '.');
    size_t dl = dot ? (size_t)(dot - v) : strlen(v);
    char d[HLN_MAP_ID_MAX + 2];
    if (dl == 0 || dl > HLN_MAP_ID_MAX) {
        problem(c, "%s: '%s' is not a data element UID or code (DE or DE.COC)", key, v);
        return false;
    }
    memcpy(d, v, dl);
    d[dl] = '\0';
    if (!id_ok(d) || (dot && !id_ok(dot + 1))) {
        problem(c, "%s: '%s' is not a data element UID or code (DE or DE.COC)", key, v);
        return false;
    }
    memcpy(de, d, dl + 1);
    if (dot)
        snprintf(coc, HLN_MAP_ID_MAX + 1, "%s", dot + 1);
    return true;
}

static hln_map_pair *add_pair(map_ctx *c, hln_map_pair **arr, size_t *n, size_t *cap)
{
    if (*n >= HLN_MAP_ENTRIES_MAX) {
        problem(c, "more than %u entries in one section", HLN_MAP_ENTRIES_MAX);
        return NULL;
    }
    if (hln_util_grow((void **)arr, cap, *n + 1, sizeof **arr) < 0) {
        c->oom = true;
        return NULL;
    }
    hln_map_pair *p = &(*arr)[(*n)++];
    memset(p, 0, sizeof *p);
    p->line = c->line;
    return p;
}

static void open_section(map_ctx *c, const char *name)
{
    snprintf(c->cur, sizeof c->cur, "%s", name);
    if (!strcmp(name, "units"))
        c->sec = SEC_UNITS;
    else if (!strcmp(name, "strata"))
        c->sec = SEC_STRATA;
    else if (!strcmp(name, "dimensions"))
        c->sec = SEC_DIMS;
    else if (!strcmp(name, "export"))
        c->sec = SEC_EXPORT;
    else if (!strncmp(name, "indicator ", 10)) {
        const char *code = name + 10;
        size_t n = strlen(code);
        if (n > HLN_CODE_MAX || !hln_code_indicator(code, n)) {
            problem(c, "[%s]: '%s' is not an indicator code", name, code);
            c->sec = SEC_BAD;
            return;
        }
        if (hln_map_indicator_of(c->m, code)) {
            problem(c, "[%s]: a second section for the same indicator", name);
            c->sec = SEC_BAD;
            return;
        }
        if (c->m->n_ind >= HLN_MAP_ENTRIES_MAX ||
            hln_util_grow((void **)&c->m->ind, &c->cap_ind, c->m->n_ind + 1, sizeof *c->m->ind) <
                0) {
            c->oom = true;
            c->sec = SEC_BAD;
            return;
        }
        hln_map_indicator *mi = &c->m->ind[c->m->n_ind++];
        memset(mi, 0, sizeof *mi);
        memcpy(mi->code, code, n + 1);
        mi->line = c->line;
        c->sec = SEC_INDICATOR;
    } else {
        problem(c, "[%s]: unknown section (indicator CODE, units, strata, dimensions, export)",
                name);
        c->sec = SEC_BAD;
    }
}

static int handler(void *user, const char *section, const char *name, const char *value)
{
    map_ctx *c = user;
    if (c->oom)
        return 0;
    if (strcmp(section, c->cur) != 0 || c->sec == SEC_NONE)
        open_section(c, section);
    if (!section[0]) {
        problem(c, "key before the first section");
        return 1;
    }
    if (c->sec == SEC_BAD)
        return 1;
    size_t vl = strlen(value);
    if (c->sec == SEC_INDICATOR) {
        hln_map_indicator *mi = &c->m->ind[c->m->n_ind - 1];
        if (!strcmp(name, "numerator")) {
            if (mi->num_de[0])
                problem(c, "numerator: given twice");
            else
                set_operand(c, name, value, mi->num_de, mi->num_coc);
        } else if (!strcmp(name, "denominator")) {
            if (mi->den_de[0])
                problem(c, "denominator: given twice");
            else
                set_operand(c, name, value, mi->den_de, mi->den_coc);
        } else if (!strcmp(name, "pooled") || !strcmp(name, "abc")) {
            char *dst = name[0] == 'p' ? mi->pooled_de : mi->abc_de;
            if (!id_ok(value))
                problem(c, "%s: '%s' is not a data element UID or code", name, value);
            else
                snprintf(dst, HLN_MAP_ID_MAX + 1, "%s", value);
        } else if (!strcmp(name, "fhir_measure")) {
            if (vl == 0 || vl > HLN_MAP_URL_MAX || strpbrk(value, " \t\"\\"))
                problem(c, "fhir_measure: must be 1-%d characters, no spaces", HLN_MAP_URL_MAX);
            else
                snprintf(mi->fhir_measure, sizeof mi->fhir_measure, "%s", value);
        } else {
            problem(c, "unknown key '%s' (numerator, denominator, pooled, abc, fhir_measure)",
                    name);
        }
        return 1;
    }
    if (c->sec == SEC_EXPORT) {
        char *dst = !strcmp(name, "org_unit")                 ? c->m->org_unit
                    : !strcmp(name, "data_set")               ? c->m->data_set
                    : !strcmp(name, "attribute_option_combo") ? c->m->attr_coc
                                                              : NULL;
        if (!dst)
            problem(c, "unknown key '%s' (org_unit, data_set, attribute_option_combo)", name);
        else if (!id_ok(value))
            problem(c, "%s: '%s' is not a UID or code", name, value);
        else
            snprintf(dst, HLN_MAP_ID_MAX + 1, "%s", value);
        return 1;
    }
    if (!id_ok(name)) {
        problem(c, "'%s' is not a UID, code or reference", name);
        return 1;
    }
    hln_map_pair *p = NULL;
    if (c->sec == SEC_UNITS) {
        bool self = !strcmp(value, "-");
        if (!self && (vl > HLN_CODE_MAX || !hln_code_unit(value, vl))) {
            problem(c, "%s: '%s' is not a unit code ([A-Za-z0-9][A-Za-z0-9._-]*) or - (the node)",
                    name, value);
            return 1;
        }
        if ((p = add_pair(c, &c->m->units, &c->m->n_units, &c->cap_units)))
            snprintf(p->to, sizeof p->to, "%s", self ? "" : value);
    } else if (c->sec == SEC_STRATA) {
        bool total = !strcmp(value, "-");
        if (!total && (vl > HLN_CODE_MAX || !hln_code_stratum(value, vl))) {
            problem(c, "%s: '%s' is not a stratum code (dimension=value) or - (the total)", name,
                    value);
            return 1;
        }
        if ((p = add_pair(c, &c->m->strata, &c->m->n_strata, &c->cap_strata)))
            snprintf(p->to, sizeof p->to, "%s", total ? "" : value);
    } else if (c->sec == SEC_DIMS) {
        if (vl == 0 || vl > HLN_CODE_MAX || !hln_code_stratum(value, vl) || strchr(value, '=')) {
            problem(c, "%s: '%s' is not a dimension name ([a-z0-9][a-z0-9._-]*)", name, value);
            return 1;
        }
        if ((p = add_pair(c, &c->m->dims, &c->m->n_dims, &c->cap_dims)))
            snprintf(p->to, sizeof p->to, "%s", value);
    }
    if (p)
        snprintf(p->from, sizeof p->from, "%s", name);
    return 1;
}

static int pair_cmp(const void *a, const void *b)
{
    const hln_map_pair *x = a, *y = b;
    int r = strcmp(x->from, y->from);
    return r ? r : (x->line > y->line) - (x->line < y->line);
}

/* Pairs sorted by `from` (then line) for hln_map_pair_find's binary
 * search; a name given twice is a problem at its later line. */
static void sort_pairs(map_ctx *c, hln_map_pair *p, size_t n)
{
    if (n > 1)
        qsort(p, n, sizeof *p, pair_cmp);
    for (size_t i = 1; i < n; i++)
        if (!strcmp(p[i].from, p[i - 1].from)) {
            c->line = p[i].line;
            problem(c, "'%s': mapped twice (first on line %lu)", p[i].from, p[i - 1].line);
        }
}

int hln_map_parse(const char *buf, size_t len, hln_interop_problem_cb cb, void *ctx, hln_map **out)
{
    *out = NULL;
    if (len > HLN_MAP_FILE_MAX)
        return HLN_ETOOBIG;
    map_ctx c = {.buf = buf, .len = len, .cb = cb, .ctx = ctx};
    c.m = calloc(1, sizeof *c.m);
    if (!c.m)
        return HLN_ENOMEM;
    if (len >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0)
        c.pos = 3;
    int rc = 0;
    if (memchr(buf, '\0', len)) {
        c.line = 1;
        problem(&c, "NUL byte in the file");
    } else {
        int irc = ini_parse_stream(reader, &c, handler, &c);
        if (irc < 0 || c.oom) {
            rc = HLN_ENOMEM;
            goto out;
        }
        if (irc > 0) {
            c.line = (unsigned long)irc;
            problem(&c, "syntax: expected [section] or key = value");
        }
    }
    sort_pairs(&c, c.m->units, c.m->n_units);
    sort_pairs(&c, c.m->strata, c.m->n_strata);
    sort_pairs(&c, c.m->dims, c.m->n_dims);
    for (size_t i = 0; i < c.m->n_ind; i++) {
        hln_map_indicator *mi = &c.m->ind[i];
        c.line = mi->line;
        if (!mi->fhir_measure[0] && (!mi->num_de[0] || !mi->den_de[0]))
            problem(&c, "[indicator %s]: needs numerator and denominator (or fhir_measure)",
                    mi->code);
    }
    if (c.nprob)
        rc = HLN_ECONFIG;
out:
    if (rc < 0)
        hln_map_destroy(&c.m);
    *out = c.m;
    return rc;
}

void hln_map_destroy(hln_map **m)
{
    if (!m || !*m)
        return;
    free((*m)->ind);
    free((*m)->units);
    free((*m)->strata);
    free((*m)->dims);
    free(*m);
    *m = NULL;
}

const hln_map_indicator *hln_map_indicator_of(const hln_map *m, const char *code)
{
    for (size_t i = 0; m && i < m->n_ind; i++)
        if (!strcmp(m->ind[i].code, code))
            return &m->ind[i];
    return NULL;
}

const hln_map_pair *hln_map_pair_find(const hln_map_pair *p, size_t n, const char *from)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int r = strcmp(p[mid].from, from);
        if (r == 0)
            return &p[mid];
        if (r < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

const hln_map_pair *hln_map_pair_rfind(const hln_map_pair *p, size_t n, const char *to)
{
    const hln_map_pair *first = NULL; /* the earliest in the file */
    for (size_t i = 0; i < n; i++)
        if (!strcmp(p[i].to, to) && (!first || p[i].line < first->line))
            first = &p[i];
    return first;
}

/* ---- counts and periods ---- */

bool hln_interop_count(const char *s, uint64_t *out)
{
    size_t n = strlen(s);
    if (n == 0 || n > 13)
        return false;
    uint64_t x = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        x = x * 10 + (uint64_t)(s[i] - '0');
    }
    if (x > 1000000000000ull)
        return false;
    *out = x;
    return true;
}

static bool digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

static int days_in(int y, int m)
{
    static const int d[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : d[m - 1];
}

/* "YYYY-MM-DD" with an optional time part; is_end: the time must be the end
 * of the day (23:59:59[.999...]) or absent; else midnight or absent. The
 * time zone is not read: a period is a calendar period where it was counted. */
static bool parse_day(const char *s, bool is_end, int *y, int *m, int *d)
{
    size_t n = strlen(s);
    if (n < 10 || !digits(s, 4) || s[4] != '-' || !digits(s + 5, 2) || s[7] != '-' ||
        !digits(s + 8, 2))
        return false;
    *y = atoi(s);
    *m = (s[5] - '0') * 10 + (s[6] - '0');
    *d = (s[8] - '0') * 10 + (s[9] - '0');
    if (*y < 1900 || *y > 9999 || *m < 1 || *m > 12 || *d < 1 || *d > days_in(*y, *m))
        return false;
    if (n == 10)
        return true;
    if (s[10] != 'T' || n < 19 || s[13] != ':' || s[16] != ':')
        return false;
    const char *t = s + 11;
    if (is_end)
        return !strncmp(t, "23:59:59", 8);
    return !strncmp(t, "00:00:00", 8);
}

bool hln_interop_period_of_range(const char *start, const char *end, char out[HLN_PERIOD_MAX + 1])
{
    int y1, m1, d1, y2, m2, d2;
    if (!start || !end || !parse_day(start, false, &y1, &m1, &d1) ||
        !parse_day(end, true, &y2, &m2, &d2))
        return false;
    if (y1 != y2 || d1 != 1 || d2 != days_in(y2, m2))
        return false;
    unsigned uy = (unsigned)y1 % 10000u, um = (unsigned)m1 % 100u;
    if (m1 == 1 && m2 == 12)
        snprintf(out, HLN_PERIOD_MAX + 1, "%04u", uy);
    else if (m1 == m2)
        snprintf(out, HLN_PERIOD_MAX + 1, "%04u-%02u", uy, um);
    else if ((m1 - 1) % 3 == 0 && m2 == m1 + 2)
        snprintf(out, HLN_PERIOD_MAX + 1, "%04u-Q%u", uy, ((um - 1) / 3 + 1) % 10u);
    else
        return false;
    return true;
}

bool hln_interop_period_range(const char *period, char start[11], char end[11])
{
    size_t n = strlen(period);
    if (n > HLN_PERIOD_MAX || !hln_code_period(period, n))
        return false;
    int y = atoi(period), m1 = 1, m2 = 12;
    if (n == 7 && period[5] == 'Q') {
        int q = period[6] - '0';
        m1 = (q - 1) * 3 + 1;
        m2 = m1 + 2;
    } else if (n == 7) {
        m1 = m2 = atoi(period + 5);
    }
    unsigned uy = (unsigned)y % 10000u, u1 = (unsigned)m1 % 100u, u2 = (unsigned)m2 % 100u;
    snprintf(start, 11, "%04u-%02u-01", uy, u1);
    snprintf(end, 11, "%04u-%02u-%02u", uy, u2, (unsigned)days_in(y, m2) % 100u);
    return true;
}

/* ---- the CSV hand-off ---- */

void hln_interop_csv_init(hln_interop_csv *c)
{
    memset(c, 0, sizeof *c);
}

static void csv_put(hln_interop_csv *c, const char *s, size_t n)
{
    if (c->oom)
        return;
    if (hln_util_grow((void **)&c->buf, &c->cap, c->len + n + 1, 1) < 0) {
        c->oom = true;
        return;
    }
    memcpy(c->buf + c->len, s, n);
    c->len += n;
    c->buf[c->len] = '\0';
}

/* Quoted, with quotes doubled: a value from a foreign file can never add a
 * column; the publish checks then refuse what is not a code. */
static void csv_field(hln_interop_csv *c, const char *s, bool last)
{
    csv_put(c, "\"", 1);
    for (const char *q; (q = strchr(s, '"')); s = q + 1) {
        csv_put(c, s, (size_t)(q - s));
        csv_put(c, "\"\"", 2);
    }
    csv_put(c, s, strlen(s));
    csv_put(c, last ? "\"\n" : "\",", 2);
}

void hln_interop_csv_add(hln_interop_csv *c, unsigned long src, const hln_observation *o)
{
    if (c->len == 0) {
        static const char hdr[] = "indicator,period,unit,stratum,numerator,denominator\n";
        csv_put(c, hdr, sizeof hdr - 1);
    }
    if (c->oom || hln_util_grow((void **)&c->src, &c->capn, c->n + 1, sizeof *c->src) < 0) {
        c->oom = true;
        return;
    }
    c->src[c->n++] = src;
    char num[24], den[24];
    snprintf(num, sizeof num, "%llu", (unsigned long long)o->numerator);
    snprintf(den, sizeof den, "%llu", (unsigned long long)o->denominator);
    csv_field(c, o->indicator, false);
    csv_field(c, o->period, false);
    csv_field(c, o->unit, false);
    csv_field(c, o->stratum, false);
    csv_field(c, num, false);
    csv_field(c, den, true);
}

unsigned long hln_interop_csv_src(const hln_interop_csv *c, unsigned long line)
{
    if (line < 2 || line - 2 >= c->n)
        return 0;
    return c->src[line - 2];
}

void hln_interop_csv_free(hln_interop_csv *c)
{
    free(c->buf);
    free(c->src);
    memset(c, 0, sizeof *c);
}

typedef struct {
    const uint8_t *author;
    const char *unit;
    bool held;
} held_ctx;

static int held_cb(void *ctx, const hln_obs_entry *e)
{
    held_ctx *h = ctx;
    if (!memcmp(e->author, h->author, HLN_KEY_LEN) && !strcmp(e->unit, h->unit))
        h->held = !e->retracted; /* entries come oldest first: the last one decides */
    return 0;
}

bool hln_interop_held(hln_store *s, const uint8_t author[HLN_KEY_LEN], const hln_observation *o)
{
    held_ctx h = {author, o->unit, false};
    if (hln_store_foreach_obs(s, o->indicator, o->period, o->stratum, held_cb, &h) < 0)
        return false;
    return h.held;
}
