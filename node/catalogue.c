/* catalogue.c - the indicator definition file (INI, a section per code) into indicators. */
#include "node/util.h"
#include "node/catalogue.h"
#include "node/dsr.h"
#include "node/node.h"

#include <ini.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/err.h"
#include "proto/codes.h"

/* Keys of a section, as bits so that duplicates and missing keys are cheap to see. */
enum {
    K_TITLE,
    K_VERSION,
    K_DOMAIN,
    K_KIND,
    K_MULTIPLIER,
    K_DIRECTION,
    K_METHOD,
    K_STRATA,
    K_DESCRIPTION,
    K_FHIR_MEASURE,
    K_STANDARD,
    K_STANDARD_FILE,
    K_REFERENCE,
    K_REFERENCE_FILE,
    K_COUNT
};
static const char *const key_names[K_COUNT] = {"title",  "version",    "domain",
                                               "kind",   "multiplier", "direction",
                                               "method", "strata",     "description",
                                               "fhir_measure",
                                               "standard", "standard_file",
                                               "reference", "reference_file"};

#define REASON_MAX 200
#define STRATA_TEXT_MAX 2048

typedef struct {
    unsigned long line;
    size_t order; /* the order found in, so that sorting by line is stable */
    char reason[REASON_MAX];
} problem;

typedef struct {
    hln_indicator def;
    unsigned long line;                /* of the [header] */
    unsigned long key_line[K_COUNT];   /* 0: not given */
    char strata_text[STRATA_TEXT_MAX]; /* joined over continuation lines */
    size_t strata_len;
    size_t desc_len;
    bool desc_too_long, strata_too_long;
    char fhir_measure[HLN_CATALOGUE_URL_MAX + 1]; /* not in the record: the node's own table */
    char standard_file[256]; /* kind dsr: the path of a standard population */
} section;

typedef struct {
    /* the reader over the buffer */
    const char *buf;
    size_t len, pos;
    unsigned long line;        /* line number of the chunk last handed to inih */
    bool line_indented;        /* it began with white space: a continuation */
    unsigned long header_line; /* a [header] line seen and not yet claimed, or 0 */
    size_t header_len;         /* the length of its name as written */
    bool header_pending;
    /* what we built */
    section *secs;
    size_t nsec, capsec;
    int cur;            /* index into secs of the section keys go to, -1 none */
    char cur_name[128]; /* inih's name of the current section */
    int last_key;
    problem *probs;
    size_t nprob, capprob;
    bool oom;
} cat_ctx;

const char *hln_domain_name(uint32_t domain)
{
    static const char *const n[] = {"process", "experience", "outcome", "cost"};
    return domain < 4 ? n[domain] : "unknown";
}

const char *hln_kind_name(uint32_t kind)
{
    return kind == HLN_KIND_PROPORTION ? "proportion"
           : kind == HLN_KIND_RATE     ? "rate"
           : kind == HLN_KIND_DSR      ? "dsr"
           : kind == HLN_KIND_MEAN     ? "mean"
           : kind == HLN_KIND_ISR      ? "isr"
                                       : "unknown";
}

const char *hln_direction_name(uint32_t direction)
{
    return direction == HLN_DIR_HIGHER  ? "higher"
           : direction == HLN_DIR_LOWER ? "lower"
                                        : "unknown";
}

const char *hln_method_name(uint32_t method)
{
    return method == HLN_FUNNEL_EXACT    ? "exact"
           : method == HLN_FUNNEL_WILSON ? "wilson"
                                         : "unknown";
}

/* Copy untrusted text into a message: printable ASCII only, clipped, so that
 * a hostile file cannot write escape sequences to the operator's terminal. */
static void add_problem(cat_ctx *c, unsigned long line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void add_problem(cat_ctx *c, unsigned long line, const char *fmt, ...)
{
    if (c->nprob == c->capprob) {
        size_t cap = c->capprob ? c->capprob * 2 : 16;
        problem *p = realloc(c->probs, cap * sizeof *p);
        if (!p) {
            c->oom = true;
            return;
        }
        c->probs = p;
        c->capprob = cap;
    }
    problem *p = &c->probs[c->nprob];
    p->order = c->nprob++;
    p->line = line;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(p->reason, sizeof p->reason, fmt, ap);
    va_end(ap);
}

static bool has_problem_at(const cat_ctx *c, unsigned long line)
{
    for (size_t i = 0; i < c->nprob; i++)
        if (c->probs[i].line == line)
            return true;
    return false;
}

/* inih's reader: one physical line per call, so that our line count is
 * inih's. inih keeps lines in a fixed buffer of `num` bytes; a longer line
 * would be split into two lines silently, so it is refused here instead. */
static char *reader(char *str, int num, void *stream)
{
    cat_ctx *c = stream;
    if (c->pos >= c->len || num < 4)
        return NULL;
    const char *start = c->buf + c->pos;
    size_t rest = c->len - c->pos;
    const char *nl = memchr(start, '\n', rest);
    size_t linelen = nl ? (size_t)(nl - start) + 1 : rest;
    c->pos += linelen;
    c->line++;
    size_t content = linelen;
    if (content && start[content - 1] == '\n')
        content--;
    if (content && start[content - 1] == '\r')
        content--;
    if (content > (size_t)num - 3) {
        add_problem(c, c->line,
                    "line longer than %d characters (continue a description "
                    "on indented lines)",
                    num - 3);
        /* Hand inih a blank line so that it neither splits nor reports it. */
        str[0] = '\n';
        str[1] = '\0';
        c->line_indented = false;
        return str;
    }
    if (memchr(start, '\0', content)) {
        add_problem(c, c->line, "NUL byte in line");
        str[0] = '\n';
        str[1] = '\0';
        return str;
    }
    memcpy(str, start, content);
    str[content] = '\n';
    str[content + 1] = '\0';
    c->line_indented = content && (start[0] == ' ' || start[0] == '\t');
    if (content && start[0] == '[') {
        if (c->header_pending)
            add_problem(c, c->header_line, "section has no keys");
        c->header_pending = true;
        c->header_line = c->line;
        /* inih keeps section names in a 50-byte buffer and cuts longer ones
         * short: remember the real length to refuse a silently cut code. */
        const char *close = memchr(start, ']', content);
        c->header_len = close ? (size_t)(close - start) - 1 : content - 1;
    }
    return str;
}

static int find_section(const cat_ctx *c, const char *code)
{
    for (size_t i = 0; i < c->nsec; i++)
        if (strcmp(c->secs[i].def.code, code) == 0)
            return (int)i;
    return -1;
}

/* Start a new section for header `name` at `line`. */
static void open_section(cat_ctx *c, const char *name, unsigned long line)
{
    char safe[64];
    hln_util_sanitize(safe, sizeof safe, name, SIZE_MAX, 48);
    c->cur = -1;
    c->last_key = -1;
    int dup = find_section(c, name);
    if (dup >= 0) {
        add_problem(c, line, "duplicate section [%s] (first at line %lu)", safe, c->secs[dup].line);
        return; /* its keys are not read: one report is enough */
    }
    if (c->nsec >= HLN_CATALOGUE_MAX) {
        add_problem(c, line, "more than %d indicators in one file", HLN_CATALOGUE_MAX);
        return;
    }
    if (c->nsec == c->capsec) {
        size_t cap = c->capsec ? c->capsec * 2 : 8;
        section *s = realloc(c->secs, cap * sizeof *s);
        if (!s) {
            c->oom = true;
            return;
        }
        c->secs = s;
        c->capsec = cap;
    }
    section *s = &c->secs[c->nsec];
    memset(s, 0, sizeof *s);
    s->line = line;
    size_t nl = strlen(name);
    if (!hln_code_indicator(name, nl) || nl > HLN_CODE_MAX)
        add_problem(c, line,
                    "[%s]: not an indicator code (namespace.name: lower-case "
                    "letters, digits, '_' and '-')",
                    safe);
    else
        memcpy(s->def.code, name, nl + 1);
    /* A bad code still gets a section so that its keys are checked too. */
    if (!s->def.code[0])
        snprintf(s->def.code, sizeof s->def.code, "\x01%zu", c->nsec);
    c->cur = (int)c->nsec++;
}

/* A decimal integer in [lo, hi]: digits only, no sign, no leading zero. */
static bool parse_u32(const char *v, uint32_t lo, uint32_t hi, uint32_t *out)
{
    size_t n = strlen(v);
    if (n == 0 || n > 10 || (n > 1 && v[0] == '0'))
        return false;
    uint64_t x = 0;
    for (size_t i = 0; i < n; i++) {
        if (v[i] < '0' || v[i] > '9')
            return false;
        x = x * 10 + (uint64_t)(v[i] - '0');
    }
    if (x < lo || x > hi)
        return false;
    *out = (uint32_t)x;
    return true;
}

static bool parse_enum(const char *v, const char *const *names, uint32_t count, uint32_t *out)
{
    for (uint32_t i = 0; i < count; i++)
        if (strcmp(v, names[i]) == 0) {
            *out = i;
            return true;
        }
    return false;
}

static void set_key(cat_ctx *c, section *s, int k, const char *value, unsigned long line)
{
    static const char *const domains[] = {"process", "experience", "outcome", "cost"};
    static const char *const kinds[] = {"proportion", "rate", "dsr", "mean", "isr"};
    static const char *const dirs[] = {"higher", "lower"};
    static const char *const methods[] = {"exact", "wilson"};
    char safe[64];
    hln_util_sanitize(safe, sizeof safe, value, SIZE_MAX, 48);
    hln_indicator *d = &s->def;
    size_t vl = strlen(value);
    switch (k) {
    case K_FHIR_MEASURE:
        if (vl == 0 || vl > HLN_CATALOGUE_URL_MAX || strpbrk(value, " \t\"\\") ||
            !hln_text_valid(value, vl, false))
            add_problem(c, line, "fhir_measure: a Measure canonical URL or Measure/ID of 1-%d "
                                 "characters, no spaces",
                        HLN_CATALOGUE_URL_MAX);
        else
            memcpy(s->fhir_measure, value, vl + 1);
        break;
    case K_TITLE:
        if (vl == 0 || vl > HLN_NAME_MAX || !hln_text_valid(value, vl, false))
            add_problem(c, line, "title: must be 1-%d bytes of UTF-8 text", HLN_NAME_MAX);
        else
            memcpy(d->title, value, vl + 1);
        break;
    case K_VERSION:
        if (!parse_u32(value, 1, 2147483647u, &d->version))
            add_problem(c, line, "version: '%s' is not a whole number from 1", safe);
        break;
    case K_DOMAIN:
        if (!parse_enum(value, domains, 4, &d->domain))
            add_problem(c, line, "domain: '%s' is not process, experience, outcome or cost", safe);
        break;
    case K_KIND:
        if (!parse_enum(value, kinds, 5, &d->kind))
            add_problem(c, line, "kind: '%s' is not proportion, rate, dsr, mean or isr", safe);
        break;
    case K_MULTIPLIER:
        if (!parse_u32(value, 1, 1000000000u, &d->multiplier))
            add_problem(c, line, "multiplier: '%s' is not a whole number from 1 to 10^9", safe);
        break;
    case K_DIRECTION:
        if (!parse_enum(value, dirs, 2, &d->direction))
            add_problem(c, line, "direction: '%s' is not higher or lower", safe);
        break;
    case K_METHOD:
        if (!parse_enum(value, methods, 2, &d->method))
            add_problem(c, line, "method: '%s' is not exact or wilson", safe);
        break;
    case K_STRATA:
        if (vl + 1 > sizeof s->strata_text) {
            s->strata_too_long = true;
            break;
        }
        memcpy(s->strata_text, value, vl + 1);
        s->strata_len = vl;
        break;
    case K_STANDARD:
    case K_REFERENCE: /* a dsr's standard or an isr's reference: the record's name for it */
        if (vl == 0 || vl > HLN_CODE_MAX || !hln_code_stratum(value, vl))
            add_problem(c, line, "%s: '%s' is not a name ([a-z0-9][a-z0-9._=-]*)", key_names[k],
                        safe);
        else
            memcpy(d->standard, value, vl + 1);
        break;
    case K_STANDARD_FILE:
    case K_REFERENCE_FILE:
        if (vl == 0 || vl >= sizeof s->standard_file)
            add_problem(c, line, "%s: a path of 1 to %zu bytes", key_names[k],
                        sizeof s->standard_file - 1);
        else
            memcpy(s->standard_file, value, vl + 1);
        break;
    case K_DESCRIPTION:
        if (vl > HLN_DESC_MAX) {
            s->desc_too_long = true;
            break;
        }
        memcpy(d->description, value, vl + 1);
        s->desc_len = vl;
        break;
    default:
        break;
    }
}

/* An indented line continues the key before it: descriptions gain a line,
 * strata lists go on; any other key stays on one line. */
static void continue_key(cat_ctx *c, section *s, int k, const char *value, unsigned long line)
{
    size_t vl = strlen(value);
    if (k == K_DESCRIPTION) {
        if (s->desc_too_long || s->desc_len + 1 + vl > HLN_DESC_MAX) {
            s->desc_too_long = true;
            return;
        }
        s->def.description[s->desc_len++] = '\n';
        memcpy(s->def.description + s->desc_len, value, vl + 1);
        s->desc_len += vl;
    } else if (k == K_STRATA) {
        if (s->strata_too_long || s->strata_len + 1 + vl + 1 > sizeof s->strata_text) {
            s->strata_too_long = true;
            return;
        }
        s->strata_text[s->strata_len++] = ',';
        memcpy(s->strata_text + s->strata_len, value, vl + 1);
        s->strata_len += vl;
    } else {
        add_problem(c, line,
                    "%s: does not continue over lines (only description and "
                    "strata do)",
                    key_names[k]);
    }
}

static int handler(void *user, const char *sectname, const char *name, const char *value)
{
    cat_ctx *c = user;
    unsigned long line = c->line;
    if (c->oom)
        return 0;
    if (!sectname[0]) {
        add_problem(c, line, "key before the first [indicator.code] section");
        return 0;
    }
    bool new_section = c->header_pending || strcmp(sectname, c->cur_name) != 0;
    bool continuation = !new_section && c->line_indented && c->last_key >= 0 && c->cur >= 0 &&
                        strcmp(name, key_names[c->last_key]) == 0;
    if (new_section) {
        bool from_header = c->header_pending;
        unsigned long hl = from_header ? c->header_line : line;
        c->header_pending = false;
        snprintf(c->cur_name, sizeof c->cur_name, "%s", sectname);
        if (from_header && c->header_len != strlen(sectname)) {
            add_problem(c, hl, "section name longer than %zu characters", strlen(sectname));
            c->cur = -1;
            c->last_key = -1;
        } else {
            open_section(c, sectname, hl);
        }
    }
    if (c->cur < 0)
        return 1; /* a refused section: already reported */
    section *s = &c->secs[c->cur];
    if (continuation) {
        continue_key(c, s, c->last_key, value, line);
        return 1;
    }
    int k = -1;
    for (int i = 0; i < K_COUNT; i++)
        if (strcmp(name, key_names[i]) == 0)
            k = i;
    if (k < 0) {
        char safe[64];
        hln_util_sanitize(safe, sizeof safe, name, SIZE_MAX, 48);
        add_problem(c, line, "unknown key '%s'", safe);
        c->last_key = -1;
        return 1;
    }
    if (s->key_line[k]) {
        add_problem(c, line, "duplicate key '%s' (first at line %lu)", key_names[k],
                    s->key_line[k]);
        c->last_key = -1;
        return 1;
    }
    s->key_line[k] = line;
    c->last_key = k;
    set_key(c, s, k, value, line);
    return 1;
}

static int cmp_stratum(const void *a, const void *b)
{
    return strcmp(a, b);
}

/* A directly standardised rate (docs/BENCHMARKS.md, "Standardised rates"):
 * its strata are the bands of its standard population, esp2013 built in or
 * STRATUM,WEIGHT lines from standard_file (relative to the current
 * directory); they go into the record in byte order with their weights. */
static void finish_dsr(cat_ctx *c, section *s)
{
    hln_indicator *d = &s->def;
    char strata[HLN_STRATA_MAX][65];
    uint32_t w[HLN_STRATA_MAX];
    size_t n = 0;
    if (!s->key_line[K_MULTIPLIER])
        add_problem(c, s->line, "missing key 'multiplier' (a dsr is shown per multiplier: 100000)");
    if (s->key_line[K_STRATA])
        add_problem(c, s->key_line[K_STRATA],
                    "strata: a dsr's strata are the bands of its standard population");
    if (s->key_line[K_METHOD] && d->method != HLN_FUNNEL_EXACT)
        add_problem(c, s->key_line[K_METHOD], "method: a dsr has no funnel method");
    if (s->key_line[K_STANDARD_FILE]) {
        char *buf = NULL, err[160] = "";
        size_t len = 0;
        if (hln_read_file(s->standard_file, 65536, &buf, &len) < 0) {
            add_problem(c, s->key_line[K_STANDARD_FILE], "standard_file: cannot read it");
            return;
        }
        int rc = hln_dsr_parse_standard(buf, len, strata, w, HLN_STRATA_MAX, &n, err, sizeof err);
        free(buf);
        if (rc) {
            add_problem(c, s->key_line[K_STANDARD_FILE], "standard_file: %s", err);
            return;
        }
        if (!s->key_line[K_STANDARD])
            strcpy(d->standard, "custom");
    } else if (!s->key_line[K_STANDARD]) {
        add_problem(c, s->line, "missing key 'standard' (esp2013) or 'standard_file'");
        return;
    } else if (strcmp(d->standard, "esp2013") != 0) {
        add_problem(c, s->key_line[K_STANDARD],
                    "standard: esp2013 is built in; name another with standard_file");
        return;
    } else {
        n = HLN_DSR_ESP2013_BANDS;
        for (size_t i = 0; i < n; i++) {
            snprintf(strata[i], sizeof strata[i], "%s", hln_dsr_esp2013_strata[i]);
            w[i] = hln_dsr_esp2013[i];
        }
    }
    /* byte order, weights alongside */
    for (size_t i = 1; i < n; i++)
        for (size_t j = i; j > 0 && strcmp(strata[j - 1], strata[j]) > 0; j--) {
            char t[65];
            memcpy(t, strata[j], sizeof t);
            memcpy(strata[j], strata[j - 1], sizeof t);
            memcpy(strata[j - 1], t, sizeof t);
            uint32_t tw = w[j];
            w[j] = w[j - 1], w[j - 1] = tw;
        }
    d->n_strata = (uint32_t)n;
    for (size_t i = 0; i < n; i++) {
        memcpy(d->strata[i], strata[i], sizeof d->strata[i]);
        d->weights[i] = w[i];
    }
}

/* An indirectly standardised ratio (docs/BENCHMARKS.md, "Indirectly
 * standardised ratios"): its strata are the bands of reference_file
 * (STRATUM,EVENTS,POPULATION lines, relative to the current directory),
 * in byte order with the reference's counts; shown x 100 unless a
 * multiplier is given (PHE's convention). */
static void finish_isr(cat_ctx *c, section *s)
{
    hln_indicator *d = &s->def;
    char strata[HLN_STRATA_MAX][65], err[160] = "";
    uint64_t ev[HLN_STRATA_MAX], pop[HLN_STRATA_MAX];
    size_t n = 0;
    if (!s->key_line[K_MULTIPLIER])
        d->multiplier = 100;
    if (s->key_line[K_STRATA])
        add_problem(c, s->key_line[K_STRATA],
                    "strata: an isr's strata are the bands of its reference_file");
    if (s->key_line[K_METHOD] && d->method != HLN_FUNNEL_EXACT)
        add_problem(c, s->key_line[K_METHOD], "method: an isr has no funnel method");
    if (s->key_line[K_STANDARD] || s->key_line[K_STANDARD_FILE])
        add_problem(c, s->key_line[K_STANDARD] ? s->key_line[K_STANDARD]
                                               : s->key_line[K_STANDARD_FILE],
                    "standard: an isr has a reference (reference_file), not a standard");
    if (!s->key_line[K_REFERENCE_FILE]) {
        add_problem(c, s->line, "missing key 'reference_file' (STRATUM,EVENTS,POPULATION lines)");
        return;
    }
    char *buf = NULL;
    size_t len = 0;
    if (hln_read_file(s->standard_file, 65536, &buf, &len) < 0) {
        add_problem(c, s->key_line[K_REFERENCE_FILE], "reference_file: cannot read it");
        return;
    }
    int rc = hln_dsr_parse_reference(buf, len, strata, ev, pop, HLN_STRATA_MAX, &n, err,
                                     sizeof err);
    free(buf);
    if (rc) {
        add_problem(c, s->key_line[K_REFERENCE_FILE], "reference_file: %s", err);
        return;
    }
    if (!s->key_line[K_REFERENCE])
        strcpy(d->standard, "custom");
    for (size_t i = 1; i < n; i++) /* byte order, the counts alongside */
        for (size_t j = i; j > 0 && strcmp(strata[j - 1], strata[j]) > 0; j--) {
            char t[65];
            memcpy(t, strata[j], sizeof t);
            memcpy(strata[j], strata[j - 1], sizeof t);
            memcpy(strata[j - 1], t, sizeof t);
            uint64_t te = ev[j], tp = pop[j];
            ev[j] = ev[j - 1], pop[j] = pop[j - 1];
            ev[j - 1] = te, pop[j - 1] = tp;
        }
    d->n_strata = (uint32_t)n;
    for (size_t i = 0; i < n; i++) {
        memcpy(d->strata[i], strata[i], sizeof d->strata[i]);
        d->ref_events[i] = ev[i];
        d->ref_pop[i] = pop[i];
    }
}

/* Checks that need the whole section: required keys, strata, cross-field rules. */
static void finish_section(cat_ctx *c, section *s)
{
    hln_indicator *d = &s->def;
    static const int required[] = {K_TITLE, K_VERSION, K_DOMAIN, K_KIND, K_DIRECTION};
    for (size_t i = 0; i < sizeof required / sizeof required[0]; i++)
        if (!s->key_line[required[i]])
            add_problem(c, s->line, "missing key '%s'", key_names[required[i]]);
    if (s->desc_too_long)
        add_problem(c, s->key_line[K_DESCRIPTION], "description: longer than %d bytes",
                    HLN_DESC_MAX);
    else if (s->key_line[K_DESCRIPTION] && !hln_text_valid(d->description, s->desc_len, true))
        add_problem(c, s->key_line[K_DESCRIPTION],
                    "description: not valid UTF-8 text (control characters?)");
    if (s->key_line[K_KIND] && d->kind == HLN_KIND_PROPORTION) {
        if (s->key_line[K_MULTIPLIER] && d->multiplier != 1)
            add_problem(c, s->key_line[K_MULTIPLIER],
                        "multiplier: a proportion has multiplier 1 (or none)");
        d->multiplier = 1;
    } else if (s->key_line[K_KIND] && d->kind == HLN_KIND_RATE) {
        if (!s->key_line[K_MULTIPLIER])
            add_problem(c, s->line, "missing key 'multiplier' (a rate is shown per multiplier)");
        if (s->key_line[K_METHOD] && d->method != HLN_FUNNEL_EXACT)
            add_problem(c, s->key_line[K_METHOD], "method: a rate's funnel method is exact");
    }
    if (!s->key_line[K_METHOD])
        d->method = HLN_FUNNEL_EXACT;
    if (s->key_line[K_KIND] && d->kind == HLN_KIND_MEAN) {
        /* a mean's multiplier is the scale of its whole values (100: hundredths) */
        if (!s->key_line[K_MULTIPLIER])
            d->multiplier = 1;
        if (s->key_line[K_METHOD] && d->method != HLN_FUNNEL_EXACT)
            add_problem(c, s->key_line[K_METHOD], "method: a mean's funnel is normal");
    }
    if (s->key_line[K_KIND] && d->kind == HLN_KIND_DSR) {
        finish_dsr(c, s);
        return;
    }
    if (s->key_line[K_KIND] && d->kind == HLN_KIND_ISR) {
        finish_isr(c, s);
        return;
    }
    if (s->key_line[K_REFERENCE] || s->key_line[K_REFERENCE_FILE])
        add_problem(c, s->key_line[K_REFERENCE] ? s->key_line[K_REFERENCE]
                                                : s->key_line[K_REFERENCE_FILE],
                    "reference: only an isr has a reference");
    if (s->key_line[K_STANDARD] || s->key_line[K_STANDARD_FILE])
        add_problem(c, s->key_line[K_STANDARD] ? s->key_line[K_STANDARD]
                                               : s->key_line[K_STANDARD_FILE],
                    "standard: only a dsr is standardised");
    /* strata: a comma-separated list of stratum codes, no duplicates. */
    unsigned long sl = s->key_line[K_STRATA];
    if (s->strata_too_long) {
        add_problem(c, sl, "strata: list too long");
        return;
    }
    const char *p = s->strata_text;
    while (sl && *p) {
        const char *comma = strchr(p, ',');
        const char *end = comma ? comma : p + strlen(p);
        const char *a = p, *b = end;
        while (a < b && (*a == ' ' || *a == '\t'))
            a++;
        while (b > a && (b[-1] == ' ' || b[-1] == '\t'))
            b--;
        size_t n = (size_t)(b - a);
        char code[HLN_CODE_MAX + 1];
        char safe[64];
        if (n > HLN_CODE_MAX || !hln_code_stratum(a, n) || n == 0) {
            char tmp[HLN_CODE_MAX + 2];
            size_t cp = n < sizeof tmp - 1 ? n : sizeof tmp - 1;
            memcpy(tmp, a, cp);
            tmp[cp] = '\0';
            hln_util_sanitize(safe, sizeof safe, tmp, SIZE_MAX, 48);
            add_problem(c, sl, "strata: '%s' is not a stratum code ([a-z0-9][a-z0-9._=-]*)", safe);
        } else if (d->n_strata >= HLN_STRATA_MAX) {
            add_problem(c, sl, "strata: more than %d", HLN_STRATA_MAX);
            break;
        } else {
            memcpy(code, a, n);
            code[n] = '\0';
            bool dup = false;
            for (uint32_t j = 0; j < d->n_strata; j++)
                dup = dup || strcmp(d->strata[j], code) == 0;
            if (dup)
                add_problem(c, sl, "strata: '%s' listed twice", code);
            else
                memcpy(d->strata[d->n_strata++], code, n + 1);
        }
        if (!comma)
            break;
        p = comma + 1;
    }
    /* The record holds strata as a set in one canonical order: byte order. */
    qsort(d->strata, d->n_strata, sizeof d->strata[0], cmp_stratum);
}

static int cmp_problem(const void *a, const void *b)
{
    const problem *x = a, *y = b;
    if (x->line != y->line)
        return x->line < y->line ? -1 : 1;
    return x->order < y->order ? -1 : x->order > y->order;
}

int hln_catalogue_parse(const char *buf, size_t len, hln_catalogue_problem_cb cb, void *ctx,
                        hln_indicator **defs, size_t *n)
{
    return hln_catalogue_parse_ex(buf, len, cb, ctx, defs, NULL, n);
}

int hln_catalogue_parse_ex(const char *buf, size_t len, hln_catalogue_problem_cb cb, void *ctx,
                           hln_indicator **defs, char (**fhir)[HLN_CATALOGUE_URL_MAX + 1],
                           size_t *n)
{
    if (fhir)
        *fhir = NULL;
    *defs = NULL;
    *n = 0;
    if (len > HLN_CATALOGUE_FILE_MAX)
        return HLN_ETOOBIG;
    cat_ctx c = {.buf = buf, .len = len, .cur = -1, .last_key = -1};
    int rc = 0;
    /* A UTF-8 byte order mark is allowed (inih skips it too). */
    if (len >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0)
        c.pos = 3;
    int irc = ini_parse_stream(reader, &c, handler, &c);
    if (c.oom) {
        rc = HLN_ENOMEM;
        goto out;
    }
    if (c.header_pending)
        add_problem(&c, c.header_line, "section has no keys");
    if (irc > 0 && !has_problem_at(&c, (unsigned long)irc))
        add_problem(&c, (unsigned long)irc, "syntax: expected [indicator.code] or key = value");
    else if (irc < 0) {
        rc = HLN_ENOMEM;
        goto out;
    }
    for (size_t i = 0; i < c.nsec; i++)
        finish_section(&c, &c.secs[i]);
    if (c.nsec == 0 && c.nprob == 0)
        add_problem(&c, 1, "no [indicator.code] sections");
    if (c.oom) {
        rc = HLN_ENOMEM;
        goto out;
    }
    if (c.nprob) {
        qsort(c.probs, c.nprob, sizeof *c.probs, cmp_problem);
        for (size_t i = 0; cb && i < c.nprob; i++)
            cb(ctx, c.probs[i].line, c.probs[i].reason);
        rc = HLN_ECONFIG;
        goto out;
    }
    hln_indicator *out = calloc(c.nsec, sizeof *out);
    if (!out) {
        rc = HLN_ENOMEM;
        goto out;
    }
    for (size_t i = 0; i < c.nsec; i++)
        out[i] = c.secs[i].def;
    if (fhir) {
        *fhir = calloc(c.nsec, sizeof **fhir);
        if (!*fhir) {
            free(out);
            rc = HLN_ENOMEM;
            goto out;
        }
        for (size_t i = 0; i < c.nsec; i++)
            memcpy((*fhir)[i], c.secs[i].fhir_measure, sizeof (*fhir)[i]);
    }
    *defs = out;
    *n = c.nsec;
out:
    free(c.secs);
    free(c.probs);
    return rc;
}
