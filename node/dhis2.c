/* dhis2.c - DHIS2 dataValueSets (JSON, bulk JSON, CSV) into hln observations and back. */
#include "node/dhis2.h"

#include <csv.h>
#include <json-c/json.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "crypto/err.h"
#include "node/util.h"
#include "proto/codes.h"

#define JSON_DEPTH 16

static void say(hln_interop_problem_cb cb, void *ctx, unsigned long line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void say(hln_interop_problem_cb cb, void *ctx, unsigned long line, const char *fmt, ...)
{
    if (!cb)
        return;
    char raw[256], safe[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(raw, sizeof raw, fmt, ap);
    va_end(ap);
    hln_util_sanitize(safe, sizeof safe, raw, strlen(raw), 240);
    cb(ctx, line, safe);
}

/* Copy at most HLN_DHIS2_FIELD_MAX bytes; a longer one is marked with a
 * trailing '~' so it can match no UID (UIDs are 11 letters and digits). */
static void copy_field(char *dst, const char *src, size_t n)
{
    if (n > HLN_DHIS2_FIELD_MAX) {
        memcpy(dst, src, HLN_DHIS2_FIELD_MAX - 1);
        dst[HLN_DHIS2_FIELD_MAX - 1] = '~';
        dst[HLN_DHIS2_FIELD_MAX] = '\0';
        return;
    }
    memcpy(dst, src, n);
    dst[n] = '\0';
    if (memchr(src, '\0', n))
        dst[0] = dst[0] ? dst[0] : '~'; /* a NUL inside: never a match */
}

static void jcopy(char *dst, json_object *o, const char *key)
{
    json_object *v = NULL;
    if (!json_object_object_get_ex(o, key, &v) || !v) {
        dst[0] = '\0';
        return;
    }
    const char *s;
    size_t n;
    if (json_object_is_type(v, json_type_string)) {
        s = json_object_get_string(v);
        n = (size_t)json_object_get_string_len(v);
    } else if (json_object_is_type(v, json_type_int) || json_object_is_type(v, json_type_double) ||
               json_object_is_type(v, json_type_boolean)) {
        s = json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN);
        n = strlen(s);
    } else {
        s = "~object";
        n = 7;
    }
    copy_field(dst, s, n);
}

static int grow_vals(hln_dhis2_value **v, size_t *cap, size_t n)
{
    if (n >= HLN_DHIS2_VALUES_MAX)
        return HLN_ETOOBIG;
    return hln_util_grow((void **)v, cap, n + 1, sizeof **v);
}

static int parse_json(const char *buf, size_t len, hln_interop_problem_cb cb, void *ctx,
                      hln_dhis2_value **vals, size_t *n, hln_dhis2_format *format)
{
    int rc = 0;
    size_t cap = 0;
    json_tokener *tok = json_tokener_new_ex(JSON_DEPTH);
    if (!tok)
        return HLN_ENOMEM;
    json_object *root = json_tokener_parse_ex(tok, buf, (int)len);
    enum json_tokener_error je = json_tokener_get_error(tok);
    size_t used = json_tokener_get_parse_end(tok);
    if (!root || je != json_tokener_success) {
        say(cb, ctx, 1, "not valid JSON: %s", json_tokener_error_desc(je));
        rc = HLN_EINVAL;
        goto out;
    }
    for (size_t i = used; i < len; i++)
        if (buf[i] != ' ' && buf[i] != '\n' && buf[i] != '\r' && buf[i] != '\t') {
            say(cb, ctx, 1, "not valid JSON: text after the object");
            rc = HLN_EINVAL;
            goto out;
        }
    json_object *dv = NULL;
    if (!json_object_is_type(root, json_type_object) ||
        !json_object_object_get_ex(root, "dataValues", &dv) ||
        !json_object_is_type(dv, json_type_array)) {
        say(cb, ctx, 1, "not a dataValueSets payload: no dataValues array");
        rc = HLN_EINVAL;
        goto out;
    }
    char set_pe[HLN_DHIS2_FIELD_MAX + 1], set_ou[HLN_DHIS2_FIELD_MAX + 1],
        set_aoc[HLN_DHIS2_FIELD_MAX + 1];
    jcopy(set_pe, root, "period");
    jcopy(set_ou, root, "orgUnit");
    jcopy(set_aoc, root, "attributeOptionCombo");
    *format = set_pe[0] || set_ou[0] ? HLN_DHIS2_JSON : HLN_DHIS2_JSON_BULK;
    size_t count = json_object_array_length(dv);
    for (size_t i = 0; i < count; i++) {
        json_object *o = json_object_array_get_idx(dv, i);
        if (!o || !json_object_is_type(o, json_type_object)) {
            say(cb, ctx, i + 1, "dataValues[%zu]: not an object", i);
            rc = HLN_EINVAL;
            continue;
        }
        if ((rc = grow_vals(vals, &cap, *n)) < 0) {
            if (rc == HLN_ETOOBIG)
                say(cb, ctx, i + 1, "more than %u data values in one file; split it",
                    HLN_DHIS2_VALUES_MAX);
            goto out;
        }
        hln_dhis2_value *v = &(*vals)[(*n)++];
        memset(v, 0, sizeof *v);
        v->row = i + 1;
        jcopy(v->de, o, "dataElement");
        jcopy(v->period, o, "period");
        jcopy(v->ou, o, "orgUnit");
        jcopy(v->coc, o, "categoryOptionCombo");
        jcopy(v->aoc, o, "attributeOptionCombo");
        jcopy(v->value, o, "value");
        json_object *d = NULL;
        v->deleted = json_object_object_get_ex(o, "deleted", &d) && json_object_get_boolean(d);
        if (!v->period[0])
            memcpy(v->period, set_pe, sizeof set_pe);
        if (!v->ou[0])
            memcpy(v->ou, set_ou, sizeof set_ou);
        if (!v->aoc[0])
            memcpy(v->aoc, set_aoc, sizeof set_aoc);
    }
out:
    json_object_put(root);
    json_tokener_free(tok);
    return rc;
}

/* ---- the CSV form ---- */

enum { C_DE, C_PE, C_OU, C_COC, C_AOC, C_VALUE, C_DELETED, C_COUNT };
static const char *const csv_names[C_COUNT] = {"dataelement",  "period", "orgunit", "catoptcombo",
                                               "attroptcombo", "value",  "deleted"};
/* Without a header the columns are DHIS2's own order; deleted is the 11th. */
static const int csv_default_pos[C_COUNT] = {0, 1, 2, 3, 4, 5, 10};

typedef struct {
    int pos[C_COUNT];
    bool header_done;
    char field[C_COUNT][HLN_DHIS2_FIELD_MAX + 1];
    size_t nfield;
    unsigned long line, row_line;
    hln_dhis2_value **vals;
    size_t *n, cap;
    int err;
    hln_interop_problem_cb cb;
    void *ctx;
} dcsv;

static void dcsv_field(void *data, size_t len, void *user)
{
    dcsv *c = user;
    if (!c->header_done && c->nfield == 0) {
        /* The first field of the file tells a header from data. */
        char first[32];
        size_t cp = len < sizeof first - 1 ? len : sizeof first - 1;
        memcpy(first, data, cp);
        first[cp] = '\0';
        if (strcasecmp(first, "dataelement") != 0 && strcasecmp(first, "data element") != 0) {
            memcpy(c->pos, csv_default_pos, sizeof c->pos);
            c->header_done = true;
        } else {
            for (int k = 0; k < C_COUNT; k++)
                c->pos[k] = -2; /* header row: being read */
        }
    }
    if (!c->header_done) {
        for (int k = 0; k < C_COUNT; k++)
            if (len == strlen(csv_names[k]) && !strncasecmp(data, csv_names[k], len))
                c->pos[k] = (int)c->nfield;
        c->nfield++;
        return;
    }
    for (int k = 0; k < C_COUNT; k++)
        if (c->pos[k] == (int)c->nfield)
            copy_field(c->field[k], data, len);
    c->nfield++;
}

static void dcsv_row(int term, void *user)
{
    (void)term;
    dcsv *c = user;
    if (c->err) {
        c->nfield = 0;
        return;
    }
    if (!c->header_done) {
        c->header_done = true;
        static const char *const need[] = {"dataelement", "period", "orgunit", "value"};
        for (int k = 0; k < C_COUNT; k++)
            if (c->pos[k] == -2) {
                c->pos[k] = -1;
                if (k == C_DE || k == C_PE || k == C_OU || k == C_VALUE) {
                    say(c->cb, c->ctx, c->row_line, "header: no column %s (needs %s, %s, %s, %s)",
                        csv_names[k], need[0], need[1], need[2], need[3]);
                    c->err = HLN_EINVAL;
                }
            }
        c->nfield = 0;
        return;
    }
    if (c->nfield == 1 && !c->field[C_DE][0]) {
        c->nfield = 0; /* a blank line */
        return;
    }
    int rc = grow_vals(c->vals, &c->cap, *c->n);
    if (rc < 0) {
        if (rc == HLN_ETOOBIG)
            say(c->cb, c->ctx, c->row_line, "more than %u data values in one file; split it",
                HLN_DHIS2_VALUES_MAX);
        c->err = rc;
        return;
    }
    hln_dhis2_value *v = &(*c->vals)[(*c->n)++];
    memset(v, 0, sizeof *v);
    v->row = c->row_line;
    memcpy(v->de, c->field[C_DE], sizeof v->de);
    memcpy(v->period, c->field[C_PE], sizeof v->period);
    memcpy(v->ou, c->field[C_OU], sizeof v->ou);
    memcpy(v->coc, c->field[C_COC], sizeof v->coc);
    memcpy(v->aoc, c->field[C_AOC], sizeof v->aoc);
    memcpy(v->value, c->field[C_VALUE], sizeof v->value);
    v->deleted = !strcasecmp(c->field[C_DELETED], "true");
    memset(c->field, 0, sizeof c->field);
    c->nfield = 0;
}

static int parse_csv(const char *buf, size_t len, hln_interop_problem_cb cb, void *ctx,
                     hln_dhis2_value **vals, size_t *n)
{
    dcsv *c = calloc(1, sizeof *c);
    if (!c)
        return HLN_ENOMEM;
    c->vals = vals;
    c->n = n;
    c->cb = cb;
    c->ctx = ctx;
    struct csv_parser p;
    if (csv_init(&p, CSV_APPEND_NULL) != 0) {
        free(c);
        return HLN_ENOMEM;
    }
    size_t pos = 0;
    while (pos < len && !c->err) {
        const char *start = buf + pos;
        const char *nl = memchr(start, '\n', len - pos);
        size_t ll = nl ? (size_t)(nl - start) + 1 : len - pos;
        c->line++;
        if (p.pstate == 0 && c->nfield == 0)
            c->row_line = c->line;
        if (csv_parse(&p, start, ll, dcsv_field, dcsv_row, c) != ll) {
            say(cb, ctx, c->row_line, "malformed CSV: %s", csv_strerror(csv_error(&p)));
            c->err = HLN_EINVAL;
        }
        pos += ll;
    }
    if (!c->err)
        csv_fini(&p, dcsv_field, dcsv_row, c);
    csv_free(&p);
    int rc = c->err;
    free(c);
    return rc;
}

int hln_dhis2_parse(const char *buf, size_t len, hln_interop_problem_cb cb, void *ctx,
                    hln_dhis2_value **vals, size_t *n, hln_dhis2_format *format)
{
    *vals = NULL;
    *n = 0;
    *format = HLN_DHIS2_CSV;
    if (len > HLN_DHIS2_FILE_MAX)
        return HLN_ETOOBIG;
    size_t pos = 0;
    if (len >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0)
        pos = 3;
    size_t first = pos;
    while (first < len && (buf[first] == ' ' || buf[first] == '\t' || buf[first] == '\r' ||
                           buf[first] == '\n'))
        first++;
    int rc;
    if (first == len) {
        say(cb, ctx, 1, "empty file");
        rc = HLN_EINVAL;
    } else if (buf[first] == '{') {
        if (len - pos > (size_t)INT32_MAX)
            return HLN_ETOOBIG;
        rc = parse_json(buf + pos, len - pos, cb, ctx, vals, n, format);
    } else if (buf[first] == '[' || buf[first] == '<') {
        say(cb, ctx, 1, "not a dataValueSets payload (JSON object or CSV; XML is not read)");
        rc = HLN_EINVAL;
    } else {
        *format = HLN_DHIS2_CSV;
        rc = parse_csv(buf + pos, len - pos, cb, ctx, vals, n);
    }
    if (rc == 0 && *n == 0) {
        say(cb, ctx, 1, "no data values");
        rc = HLN_EINVAL;
    }
    if (rc < 0) {
        free(*vals);
        *vals = NULL;
        *n = 0;
    }
    return rc;
}

/* ---- periods ---- */

static bool all_digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return n > 0;
}

bool hln_dhis2_period(const char *p, char out[HLN_PERIOD_MAX + 1], const char **why)
{
    size_t n = strlen(p);
    *why = "not a DHIS2 period";
    if (n < 4 || !all_digits(p, 4))
        return false;
    const char *r = p + 4;
    size_t rn = n - 4;
    int year = atoi(p);
    if (year < 1900)
        return false;
    if (rn == 0) {
        snprintf(out, HLN_PERIOD_MAX + 1, "%.4s", p);
        return true;
    }
    if (rn == 2 && all_digits(r, 2)) {
        int m = atoi(r);
        if (m < 1 || m > 12)
            return false;
        snprintf(out, HLN_PERIOD_MAX + 1, "%.4s-%.2s", p, r);
        return true;
    }
    if (rn == 2 && r[0] == 'Q' && r[1] >= '1' && r[1] <= '4') {
        snprintf(out, HLN_PERIOD_MAX + 1, "%.4s-Q%c", p, r[1]);
        return true;
    }
    /* The period types hln has no period for, by name. */
    static const struct {
        const char *prefix, *name;
    } types[] = {
        {"BiW", "bi-weekly"},
        {"WedW", "weekly (Wednesday)"},
        {"ThuW", "weekly (Thursday)"},
        {"SatW", "weekly (Saturday)"},
        {"SunW", "weekly (Sunday)"},
        {"W", "weekly"},
        {"AprilS", "six-monthly (April)"},
        {"NovS", "six-monthly (November)"},
        {"S", "six-monthly"},
        {"April", "financial year (April)"},
        {"July", "financial year (July)"},
        {"Oct", "financial year (October)"},
        {"Nov", "financial year (November)"},
    };
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
        if (!strncmp(r, types[i].prefix, strlen(types[i].prefix))) {
            *why = types[i].name;
            return false;
        }
    if (rn == 4 && all_digits(r, 4))
        *why = "daily";
    else if (rn == 3 && all_digits(r, 2) && r[2] == 'B')
        *why = "bi-monthly";
    return false;
}

bool hln_dhis2_period_out(const char *period, char out[HLN_PERIOD_MAX + 1])
{
    size_t n = strlen(period);
    if (n > HLN_PERIOD_MAX || !hln_code_period(period, n))
        return false;
    if (n == 4)
        snprintf(out, HLN_PERIOD_MAX + 1, "%.4s", period);
    else if (period[5] == 'Q')
        snprintf(out, HLN_PERIOD_MAX + 1, "%.4sQ%c", period, period[6]);
    else
        snprintf(out, HLN_PERIOD_MAX + 1, "%.4s%.2s", period, period + 5);
    return true;
}

/* ---- values into observations ---- */

typedef struct {
    hln_observation key; /* counts filled as found */
    const hln_map_indicator *mi;
    size_t num_i, den_i; /* value index + 1; 0: none yet */
    long csv_i;          /* its place in the CSV, -1 when not written */
} slot;

static void set_outcome(hln_interop_outcome *o, hln_import_status st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void set_outcome(hln_interop_outcome *o, hln_import_status st, const char *fmt, ...)
{
    /* A refusal is never overwritten by anything milder. */
    if (o->status == HLN_IMPORT_REFUSED && st != HLN_IMPORT_REFUSED)
        return;
    char text[sizeof o->reason], raw[sizeof o->reason];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    /* Values come from the file: terminal-safe before they go anywhere. */
    hln_util_sanitize(raw, sizeof raw, text, strlen(text), sizeof raw - 8);
    if (o->status == HLN_IMPORT_REFUSED && o->reason[0]) {
        size_t used = strlen(o->reason);
        size_t rl = strlen(raw);
        if (used + 3 + rl < sizeof o->reason) {
            memcpy(o->reason + used, "; ", 2);
            memcpy(o->reason + used + 2, raw, rl + 1);
        }
    } else {
        memcpy(o->reason, raw, sizeof o->reason);
        o->status = st;
        return;
    }
    o->status = st;
}

static const char *stratum_name(const char *s)
{
    return s[0] ? s : "(total)";
}

static const char *unit_name(const char *u)
{
    return u[0] ? u : "-";
}

/* The slots, found by (indicator, period, unit, stratum) through an
 * open-addressed table of slot places: a DHIS2 export of a million values is
 * one pass, not a scan of every slot per value. */
typedef struct {
    slot *v;
    size_t n, cap;
    size_t *tab; /* slot place + 1; 0 empty */
    size_t tcap;
} slots;

static uint64_t key_hash(const hln_observation *k)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a over the four codes, each ended by NUL */
    const char *parts[4] = {k->indicator, k->period, k->unit, k->stratum};
    for (int i = 0; i < 4; i++)
        for (const char *c = parts[i];; c++) {
            h = (h ^ (unsigned char)*c) * 1099511628211ull;
            if (!*c)
                break;
        }
    return h;
}

static bool same_key(const hln_observation *a, const hln_observation *b)
{
    return !strcmp(a->indicator, b->indicator) && !strcmp(a->period, b->period) &&
           !strcmp(a->unit, b->unit) && !strcmp(a->stratum, b->stratum);
}

static int slots_rehash(slots *ss)
{
    size_t cap = ss->tcap ? ss->tcap * 2 : 256;
    size_t *tab = calloc(cap, sizeof *tab);
    if (!tab)
        return HLN_ENOMEM;
    for (size_t s = 0; s < ss->n; s++) {
        size_t i = key_hash(&ss->v[s].key) & (cap - 1);
        while (tab[i])
            i = (i + 1) & (cap - 1);
        tab[i] = s + 1;
    }
    free(ss->tab);
    ss->tab = tab;
    ss->tcap = cap;
    return 0;
}

/* The slot of key, made (for mi) if new; NULL when out of memory. */
static slot *slot_of(slots *ss, const hln_observation *key, const hln_map_indicator *mi)
{
    if ((ss->n + 1) * 2 > ss->tcap && slots_rehash(ss) != 0)
        return NULL;
    size_t i = key_hash(key) & (ss->tcap - 1);
    for (; ss->tab[i]; i = (i + 1) & (ss->tcap - 1))
        if (same_key(&ss->v[ss->tab[i] - 1].key, key))
            return &ss->v[ss->tab[i] - 1];
    if (hln_util_grow((void **)&ss->v, &ss->cap, ss->n + 1, sizeof *ss->v) < 0)
        return NULL;
    slot *sl = &ss->v[ss->n++];
    memset(sl, 0, sizeof *sl);
    sl->key = *key;
    sl->mi = mi;
    ss->tab[i] = ss->n;
    return sl;
}

/* The observation key that value v makes under indicator mi (coc: the
 * mapping's category option combo, "" for any). 1: key made; 0: the value
 * is not ours to take (outcome set, ignored); -1: refused (outcome set). */
static int value_key(const hln_dhis2_value *v, const hln_map *m, const hln_map_indicator *mi,
                     const char *coc, hln_interop_outcome *o, hln_observation *key,
                     uint64_t *count)
{
    memset(key, 0, sizeof *key);
    memcpy(key->indicator, mi->code, sizeof key->indicator);
    const char *why = NULL;
    bool bad = false;
    if (!v->period[0]) {
        set_outcome(o, HLN_IMPORT_REFUSED, "no period (on the value or the set)");
        bad = true;
    } else if (!hln_dhis2_period(v->period, key->period, &why)) {
        set_outcome(o, HLN_IMPORT_REFUSED,
                    "period %s: %s; hln has months (202609), quarters (2026Q3) and years (2026)",
                    v->period, why);
        bad = true;
    }
    if (!hln_interop_count(v->value, count)) {
        set_outcome(o, HLN_IMPORT_REFUSED, "value '%s' is not a non-negative integer", v->value);
        bad = true;
    }
    const hln_map_pair *u = hln_map_pair_find(m->units, m->n_units, v->ou);
    if (!u) {
        if (!bad)
            set_outcome(o, HLN_IMPORT_IGNORED, "orgUnit %s is not in the map",
                        v->ou[0] ? v->ou : "(none)");
        return bad ? -1 : 0;
    }
    memcpy(key->unit, u->to, sizeof key->unit);
    if (!coc[0]) {
        const hln_map_pair *st = hln_map_pair_find(m->strata, m->n_strata, v->coc);
        if (st)
            memcpy(key->stratum, st->to, sizeof key->stratum);
        else if (v->coc[0] && strcmp(v->coc, HLN_DHIS2_DEFAULT_COC) && strcmp(v->coc, "default")) {
            if (!bad)
                set_outcome(o, HLN_IMPORT_IGNORED, "categoryOptionCombo %s is not in the map",
                            v->coc);
            return bad ? -1 : 0;
        }
    }
    return bad ? -1 : 1;
}

/* Value i as the numerator (role 0) or denominator (role 1) of mi. */
static int take_value(const hln_dhis2_value *vals, size_t i, const hln_map *m,
                      const hln_map_indicator *mi, int role, slots *ss, hln_interop_outcome *o)
{
    const hln_dhis2_value *v = &vals[i];
    hln_observation key;
    uint64_t count = 0;
    if (value_key(v, m, mi, role ? mi->den_coc : mi->num_coc, o, &key, &count) <= 0)
        return 0;
    slot *sl = slot_of(ss, &key, mi);
    if (!sl)
        return HLN_ENOMEM;
    size_t *have = role ? &sl->den_i : &sl->num_i;
    if (*have) {
        set_outcome(o, HLN_IMPORT_REFUSED, "a second %s of %s %s unit %s %s (first in row %lu)",
                    role ? "denominator" : "numerator", key.indicator, key.period,
                    unit_name(key.unit), stratum_name(key.stratum), vals[*have - 1].row);
        return 0;
    }
    *have = i + 1;
    o->obs = (long)(sl - ss->v);
    if (role)
        sl->key.denominator = count;
    else
        sl->key.numerator = count;
    if (o->status != HLN_IMPORT_REFUSED) {
        o->status = HLN_IMPORT_IMPORTED;
        o->reason[0] = '\0';
    }
    return 0;
}

/* One value against every mapping that names its data element. */
static int one_value(const hln_dhis2_value *vals, size_t i, const hln_map *m, slots *ss,
                     hln_interop_outcome *o)
{
    const hln_dhis2_value *v = &vals[i];
    o->row = v->row;
    o->obs = -1;
    o->status = HLN_IMPORT_IGNORED;
    if (v->deleted) {
        set_outcome(o, HLN_IMPORT_IGNORED, "marked deleted");
        return 0;
    }
    bool named = false;
    for (size_t k = 0; k < m->n_ind; k++)
        for (int role = 0; role < 2; role++) {
            const hln_map_indicator *mi = &m->ind[k];
            const char *de = role ? mi->den_de : mi->num_de;
            const char *coc = role ? mi->den_coc : mi->num_coc;
            if (!de[0] || strcmp(de, v->de) != 0 || (coc[0] && strcmp(coc, v->coc) != 0))
                continue;
            named = true;
            int rc = take_value(vals, i, m, mi, role, ss, o);
            if (rc)
                return rc;
        }
    if (!named)
        set_outcome(o, HLN_IMPORT_IGNORED, "dataElement %s%s%s is not in the map", v->de,
                    v->coc[0] ? " with categoryOptionCombo " : "", v->coc);
    return 0;
}

/* Each slot with both halves, neither refused, becomes a CSV line. */
static void pair_up(slots *ss, hln_interop_outcome *oc, const hln_dhis2_value *vals,
                    hln_interop_csv *csv)
{
    for (size_t s = 0; s < ss->n; s++) {
        slot *sl = &ss->v[s];
        const hln_map_indicator *mi = sl->mi;
        sl->csv_i = -1;
        if (sl->num_i && !sl->den_i) {
            set_outcome(&oc[sl->num_i - 1], HLN_IMPORT_REFUSED,
                        "numerator %s of %s %s unit %s %s has no denominator %s", mi->num_de,
                        mi->code, sl->key.period, unit_name(sl->key.unit),
                        stratum_name(sl->key.stratum), mi->den_de);
        } else if (sl->den_i && !sl->num_i) {
            set_outcome(&oc[sl->den_i - 1], HLN_IMPORT_REFUSED,
                        "denominator %s of %s %s unit %s %s has no numerator %s", mi->den_de,
                        mi->code, sl->key.period, unit_name(sl->key.unit),
                        stratum_name(sl->key.stratum), mi->num_de);
        } else if (oc[sl->num_i - 1].status != HLN_IMPORT_REFUSED &&
                   oc[sl->den_i - 1].status != HLN_IMPORT_REFUSED) {
            sl->csv_i = (long)csv->n;
            hln_interop_csv_add(csv, vals[sl->num_i - 1].row, &sl->key);
        }
    }
}

int hln_dhis2_convert(const hln_dhis2_value *vals, size_t n, const hln_map *m, hln_interop_csv *csv,
                      hln_interop_outcome **outcomes, size_t *n_refused)
{
    *outcomes = NULL;
    *n_refused = 0;
    hln_interop_outcome *oc = calloc(n ? n : 1, sizeof *oc);
    slots ss = {0};
    int rc = oc ? 0 : HLN_ENOMEM;
    for (size_t i = 0; rc == 0 && i < n; i++)
        rc = one_value(vals, i, m, &ss, &oc[i]);
    if (rc == 0) {
        pair_up(&ss, oc, vals, csv);
        for (size_t i = 0; i < n; i++) {
            *n_refused += oc[i].status == HLN_IMPORT_REFUSED;
            if (oc[i].status == HLN_IMPORT_IMPORTED && oc[i].obs >= 0)
                oc[i].obs = ss.v[oc[i].obs].csv_i;
            else
                oc[i].obs = -1;
        }
        if (csv->oom)
            rc = HLN_ENOMEM;
    }
    free(ss.v);
    free(ss.tab);
    if (rc) {
        free(oc);
        return rc;
    }
    *outcomes = oc;
    return 0;
}

/* ---- export ---- */

int hln_dhis2_write(FILE *f, const hln_map *m, const char *period, const hln_dhis2_out_value *v,
                    size_t n)
{
    char pe[HLN_PERIOD_MAX + 1];
    if (!hln_dhis2_period_out(period, pe))
        return HLN_EINVAL;
    json_object *root = json_object_new_object();
    json_object *arr = json_object_new_array();
    if (!root || !arr) {
        json_object_put(root);
        json_object_put(arr);
        return HLN_ENOMEM;
    }
    if (m->data_set[0])
        json_object_object_add(root, "dataSet", json_object_new_string(m->data_set));
    json_object_object_add(root, "period", json_object_new_string(pe));
    if (m->attr_coc[0])
        json_object_object_add(root, "attributeOptionCombo", json_object_new_string(m->attr_coc));
    for (size_t i = 0; i < n; i++) {
        json_object *o = json_object_new_object();
        json_object_object_add(o, "dataElement", json_object_new_string(v[i].de));
        json_object_object_add(o, "period", json_object_new_string(pe));
        json_object_object_add(o, "orgUnit", json_object_new_string(v[i].ou));
        if (v[i].coc && v[i].coc[0])
            json_object_object_add(o, "categoryOptionCombo", json_object_new_string(v[i].coc));
        json_object_object_add(o, "value", json_object_new_string(v[i].value));
        json_object_array_add(arr, o);
    }
    json_object_object_add(root, "dataValues", arr);
    const char *s = json_object_to_json_string_ext(
        root, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE);
    int rc = fprintf(f, "%s\n", s) < 0 ? HLN_EIO : 0;
    json_object_put(root);
    return rc;
}
