/* fhir.c - FHIR R4 MeasureReport (summary) and Bundle into hln observations; Measure/MeasureReport out. */
#include "node/fhir.h"

#include <ctype.h>
#include <json-c/json.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/err.h"
#include "node/util.h"
#include "proto/codes.h"

#define JSON_DEPTH 32
#define SYS_POPULATION "http://terminology.hl7.org/CodeSystem/measure-population"
#define SYS_SCORING "http://terminology.hl7.org/CodeSystem/measure-scoring"
#define SYS_IMPROVEMENT "http://terminology.hl7.org/CodeSystem/measure-improvement-notation"
#define EXT_ABC "urn:hln:fhir:StructureDefinition:achievable-benchmark-of-care"

/* ---- the node's table of measure links ---- */

typedef struct {
    hln_fhir_measure_link *v;
    size_t n, cap;
    int err;
} links_ctx;

static int link_cb(void *ctx, const void *key, size_t klen, const void *val, size_t vlen)
{
    links_ctx *c = ctx;
    size_t pl = strlen(HLN_FHIR_META_PREFIX);
    if (klen <= pl || memcmp(key, HLN_FHIR_META_PREFIX, pl) != 0)
        return 0;
    if (klen - pl > HLN_CODE_MAX || vlen == 0 || vlen > HLN_MAP_URL_MAX)
        return 0; /* not one this module wrote */
    if (hln_util_grow((void **)&c->v, &c->cap, c->n + 1, sizeof *c->v) < 0) {
        c->err = HLN_ENOMEM;
        return 1;
    }
    hln_fhir_measure_link *l = &c->v[c->n++];
    memcpy(l->code, (const char *)key + pl, klen - pl);
    l->code[klen - pl] = '\0';
    memcpy(l->url, val, vlen);
    l->url[vlen] = '\0';
    return 0;
}

int hln_fhir_links_load(hln_store *s, hln_fhir_measure_link **links, size_t *n)
{
    links_ctx c = {0};
    int rc = hln_store_kv_foreach(s, HLN_TABLE_META, link_cb, &c);
    if (c.err)
        rc = c.err;
    if (rc < 0) {
        free(c.v);
        *links = NULL;
        *n = 0;
        return rc;
    }
    *links = c.v;
    *n = c.n;
    return 0;
}

int hln_fhir_link_set(hln_store *s, const char *code, const char *url)
{
    size_t cl = strlen(code);
    if (cl > HLN_CODE_MAX || !hln_code_indicator(code, cl))
        return HLN_EINVAL;
    char key[64 + HLN_CODE_MAX];
    int kl = snprintf(key, sizeof key, "%s%s", HLN_FHIR_META_PREFIX, code);
    if (!url || !url[0]) {
        int rc = hln_store_kv_del(s, HLN_TABLE_META, key, (size_t)kl);
        return rc == HLN_ENOTFOUND ? 0 : rc;
    }
    if (strlen(url) > HLN_MAP_URL_MAX)
        return HLN_EINVAL;
    return hln_store_kv_put(s, HLN_TABLE_META, key, (size_t)kl, url, strlen(url));
}

void hln_fhir_measure_url(const hln_fhir_measure_link *links, size_t n, const char *code,
                          char out[HLN_MAP_URL_MAX + 1])
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(links[i].code, code)) {
            snprintf(out, HLN_MAP_URL_MAX + 1, "%s", links[i].url);
            return;
        }
    snprintf(out, HLN_MAP_URL_MAX + 1, "urn:hln:indicator:%s", code);
}

/* ---- scoring ---- */

bool hln_fhir_score(int64_t num, int64_t numex, int64_t den, int64_t denex, int64_t denexcep,
                    uint64_t *x, uint64_t *n, const char **why)
{
    *why = NULL;
    if (num < 0 || numex < 0 || den < 0 || denex < 0 || denexcep < 0) {
        *why = "a population count is negative";
        return false;
    }
    if (numex > num) {
        *why = "numerator-exclusion is larger than the numerator";
        return false;
    }
    if (denex > den || denexcep > den - denex) {
        *why = "denominator-exclusion and denominator-exception are larger than the denominator";
        return false;
    }
    *x = (uint64_t)(num - numex);
    *n = (uint64_t)(den - denex - denexcep);
    return true;
}

/* ---- reading ---- */

static json_object *get(json_object *o, const char *k)
{
    json_object *v = NULL;
    if (!o || !json_object_is_type(o, json_type_object) || !json_object_object_get_ex(o, k, &v))
        return NULL;
    return v;
}

static const char *get_str(json_object *o, const char *k)
{
    json_object *v = get(o, k);
    return v && json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

/* A CodeableConcept's first coding code, else its text (R4 stratifier.code
 * is an array of them: the first is taken). */
static const char *concept_code(json_object *cc)
{
    if (cc && json_object_is_type(cc, json_type_array))
        cc = json_object_array_length(cc) ? json_object_array_get_idx(cc, 0) : NULL;
    json_object *codings = get(cc, "coding");
    if (codings && json_object_is_type(codings, json_type_array)) {
        for (size_t i = 0; i < json_object_array_length(codings); i++) {
            const char *c = get_str(json_object_array_get_idx(codings, i), "code");
            if (c && c[0])
                return c;
        }
    }
    return get_str(cc, "text");
}

typedef struct {
    int64_t count[6];
    bool has[6];
} pops;

static const char *const pop_codes[6] = {"numerator",           "numerator-exclusion",
                                         "denominator",         "denominator-exclusion",
                                         "denominator-exception", "initial-population"};

/* false with *why on a bad population list. */
static bool read_pops(json_object *arr, pops *p, const char **why)
{
    memset(p, 0, sizeof *p);
    if (!arr || !json_object_is_type(arr, json_type_array)) {
        *why = "no population counts";
        return false;
    }
    for (size_t i = 0; i < json_object_array_length(arr); i++) {
        json_object *po = json_object_array_get_idx(arr, i);
        const char *code = concept_code(get(po, "code"));
        if (!code)
            continue;
        for (int k = 0; k < 6; k++) {
            if (strcmp(code, pop_codes[k]) != 0)
                continue;
            json_object *c = get(po, "count");
            if (!c || !json_object_is_type(c, json_type_int)) {
                *why = "a population without a whole count";
                return false;
            }
            if (p->has[k]) {
                *why = "a population code given twice";
                return false;
            }
            p->has[k] = true;
            p->count[k] = json_object_get_int64(c);
        }
    }
    if (!p->has[0] || !p->has[2]) {
        *why = !p->has[0] ? "no numerator count" : "no denominator count";
        return false;
    }
    return true;
}

typedef struct {
    const hln_fhir_import_opts *o;
    hln_interop_csv *csv;
    hln_interop_outcome *oc;
    size_t noc, cap;
    bool oom;
} imp;

static void note(hln_interop_outcome *oc, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void note(hln_interop_outcome *oc, const char *fmt, ...)
{
    char raw[256], safe[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(raw, sizeof raw, fmt, ap);
    va_end(ap);
    hln_util_sanitize(safe, sizeof safe, raw, strlen(raw), 200);
    size_t used = strlen(oc->reason), sl = strlen(safe);
    if (used + sl + 3 >= sizeof oc->reason)
        return;
    if (used) {
        memcpy(oc->reason + used, "; ", 2);
        used += 2;
    }
    memcpy(oc->reason + used, safe, sl + 1);
}

static const char *indicator_of(const hln_fhir_import_opts *o, const char *measure)
{
    char m[HLN_MAP_URL_MAX + 1];
    snprintf(m, sizeof m, "%s", measure);
    char *bar = strchr(m, '|'); /* a canonical with |version names the same measure */
    if (bar)
        *bar = '\0';
    for (size_t i = 0; o->map && i < o->map->n_ind; i++)
        if (!strcmp(o->map->ind[i].fhir_measure, m))
            return o->map->ind[i].code;
    for (size_t i = 0; i < o->nlinks; i++)
        if (!strcmp(o->links[i].url, m))
            return o->links[i].code;
    return NULL;
}

static bool declared(const hln_indicator *d, const char *s)
{
    for (uint32_t i = 0; i < d->n_strata && i < HLN_STRATA_MAX; i++)
        if (!strcmp(d->strata[i], s))
            return true;
    return false;
}

/* Score one population list into an observation; false with the outcome refused. */
static bool score_into(hln_interop_outcome *oc, json_object *pop_arr, json_object *score,
                       hln_observation *ob, const char *where)
{
    pops p;
    const char *why = NULL;
    if (!read_pops(pop_arr, &p, &why) ||
        !hln_fhir_score(p.count[0], p.count[1], p.count[2], p.count[3], p.count[4], &ob->numerator,
                        &ob->denominator, &why)) {
        oc->status = HLN_IMPORT_REFUSED;
        note(oc, "%s: %s", where, why);
        return false;
    }
    json_object *sv = get(score, "value");
    if (sv && (json_object_is_type(sv, json_type_double) || json_object_is_type(sv, json_type_int))) {
        double given = json_object_get_double(sv);
        if (ob->denominator == 0) {
            note(oc, "%s: measureScore %g given, but the scored denominator is 0", where, given);
        } else {
            double mine = (double)ob->numerator / (double)ob->denominator;
            /* Reports round their score; a percentage is read as such. */
            bool ok = fabs(given - mine) <= 0.0005 + 1e-9 * fabs(mine) ||
                      fabs(given - 100.0 * mine) <= 0.05;
            if (!ok)
                note(oc,
                     "%s: measureScore %g contradicts the counts %llu/%llu = %.4f; the counts "
                     "are imported",
                     where, given, (unsigned long long)ob->numerator,
                     (unsigned long long)ob->denominator, mine);
        }
    }
    return true;
}

/* A report's indicator, unit and period into ob; false with the outcome set. */
static bool report_key(const hln_fhir_import_opts *o, json_object *r, hln_interop_outcome *oc,
                       hln_observation *ob)
{
    const char *type = get_str(r, "type");
    const char *status = get_str(r, "status");
    const char *measure = get_str(r, "measure");
    if (!type || strcmp(type, "summary") != 0) {
        oc->status = HLN_IMPORT_REFUSED;
        note(oc, "type %s: only summary reports carry the counts hln holds", type ? type : "(none)");
        return false;
    }
    if (!status || strcmp(status, "complete") != 0) {
        oc->status = HLN_IMPORT_REFUSED;
        note(oc, "status %s: only complete reports are imported", status ? status : "(none)");
        return false;
    }
    const char *code = measure ? indicator_of(o, measure) : NULL;
    if (!code) {
        oc->status = HLN_IMPORT_IGNORED;
        note(oc, "measure %s is tied to no indicator (fhir_measure in indicator define or the map)",
             measure ? measure : "(none)");
        return false;
    }
    memset(ob, 0, sizeof *ob);
    snprintf(ob->indicator, sizeof ob->indicator, "%s", code);
    /* the unit: the map places the reporter, else --unit */
    json_object *rep = get(r, "reporter");
    const char *ref = get_str(rep, "reference");
    const char *idv = get_str(get(rep, "identifier"), "value");
    const hln_map_pair *u = NULL;
    if (o->map && ref)
        u = hln_map_pair_find(o->map->units, o->map->n_units, ref);
    if (o->map && !u && idv)
        u = hln_map_pair_find(o->map->units, o->map->n_units, idv);
    if (u)
        snprintf(ob->unit, sizeof ob->unit, "%s", u->to);
    else if (o->unit)
        snprintf(ob->unit, sizeof ob->unit, "%s", strcmp(o->unit, "-") ? o->unit : "");
    else {
        oc->status = HLN_IMPORT_REFUSED;
        note(oc, "reporter %s is not in the map and no --unit is given",
             ref ? ref : idv ? idv : "(none)");
        return false;
    }
    json_object *per = get(r, "period");
    if (!hln_interop_period_of_range(get_str(per, "start"), get_str(per, "end"), ob->period)) {
        oc->status = HLN_IMPORT_REFUSED;
        note(oc, "period %s..%s is not exactly one month, quarter or year",
             get_str(per, "start") ? get_str(per, "start") : "?",
             get_str(per, "end") ? get_str(per, "end") : "?");
        return false;
    }
    return true;
}

/* One stratifier of the group: each stratum the indicator declares becomes
 * an observation beside the total ob; the others are left out and said. */
static void one_stratifier(imp *im, json_object *st, const hln_node_def *nd,
                           const hln_observation *ob, hln_interop_outcome *oc)
{
    const hln_fhir_import_opts *o = im->o;
    const char *scode = concept_code(get(st, "code"));
    char dim[HLN_CODE_MAX + 1] = "";
    const hln_map_pair *dp =
        o->map && scode ? hln_map_pair_find(o->map->dims, o->map->n_dims, scode) : NULL;
    snprintf(dim, sizeof dim, "%s", dp ? dp->to : scode ? scode : "");
    json_object *strata = get(st, "stratum");
    size_t nsv =
        strata && json_object_is_type(strata, json_type_array) ? json_object_array_length(strata) : 0;
    for (size_t k = 0; k < nsv; k++) {
        json_object *sv = json_object_array_get_idx(strata, k);
        const char *val = concept_code(get(sv, "value"));
        char sc[2 * HLN_CODE_MAX + 2];
        snprintf(sc, sizeof sc, "%s=%s", dim, val ? val : "");
        for (char *p = sc; *p; p++)
            *p = (char)tolower((unsigned char)*p);
        size_t sl = strlen(sc);
        bool ok = dim[0] && val && val[0] && !get(sv, "component") && sl <= HLN_CODE_MAX &&
                  hln_code_stratum(sc, sl) && nd && declared(&nd->def, sc);
        if (!ok) {
            if (o->strict)
                oc->status = HLN_IMPORT_REFUSED;
            note(oc, "stratum %s left out: %s", sc,
                 get(sv, "component") ? "a multi-component stratum"
                 : !nd                ? "the indicator is not defined here"
                                      : "the indicator does not declare it");
            continue;
        }
        hln_observation so = *ob;
        size_t slen = strnlen(sc, sizeof so.stratum - 1); /* checked above: at most 64 */
        memcpy(so.stratum, sc, slen);
        so.stratum[slen] = '\0';
        if (!score_into(oc, get(sv, "population"), get(sv, "measureScore"), &so, sc))
            continue;
        hln_interop_csv_add(im->csv, oc->row, &so);
    }
}

static void one_report(imp *im, json_object *r, hln_interop_outcome *oc)
{
    hln_observation ob;
    if (!report_key(im->o, r, oc, &ob))
        return;
    json_object *groups = get(r, "group");
    size_t ng = groups && json_object_is_type(groups, json_type_array)
                    ? json_object_array_length(groups)
                    : 0;
    if (ng != 1) {
        oc->status = HLN_IMPORT_REFUSED;
        note(oc, "%zu groups: an hln indicator is one group of one measure", ng);
        return;
    }
    json_object *g = json_object_array_get_idx(groups, 0);
    if (!score_into(oc, get(g, "population"), get(g, "measureScore"), &ob, "group"))
        return;
    oc->status = HLN_IMPORT_IMPORTED;
    oc->obs = (long)im->csv->n;
    hln_interop_csv_add(im->csv, oc->row, &ob);
    const hln_node_def *nd = hln_node_find_def(im->o->defs, im->o->ndefs, ob.indicator);
    json_object *sts = get(g, "stratifier");
    size_t nst = sts && json_object_is_type(sts, json_type_array) ? json_object_array_length(sts) : 0;
    for (size_t si = 0; si < nst; si++)
        one_stratifier(im, json_object_array_get_idx(sts, si), nd, &ob, oc);
    if (oc->status == HLN_IMPORT_REFUSED)
        oc->obs = -1;
}

static hln_interop_outcome *new_outcome(imp *im, unsigned long row)
{
    if (im->noc >= HLN_FHIR_REPORTS_MAX ||
        hln_util_grow((void **)&im->oc, &im->cap, im->noc + 1, sizeof *im->oc) < 0) {
        im->oom = true;
        return NULL;
    }
    hln_interop_outcome *oc = &im->oc[im->noc++];
    memset(oc, 0, sizeof *oc);
    oc->row = row;
    oc->obs = -1;
    return oc;
}

int hln_fhir_import(const char *buf, size_t len, const hln_fhir_import_opts *o,
                    hln_interop_problem_cb cb, void *ctx, hln_interop_csv *csv,
                    hln_interop_outcome **outcomes, size_t *noc, size_t *n_refused)
{
    *outcomes = NULL;
    *noc = 0;
    *n_refused = 0;
    if (len > HLN_FHIR_FILE_MAX)
        return HLN_ETOOBIG;
    size_t pos = len >= 3 && !memcmp(buf, "\xEF\xBB\xBF", 3) ? 3 : 0;
    int rc = 0;
    imp im = {.o = o, .csv = csv};
    json_tokener *tok = json_tokener_new_ex(JSON_DEPTH);
    if (!tok)
        return HLN_ENOMEM;
    json_object *root = json_tokener_parse_ex(tok, buf + pos, (int)(len - pos));
    enum json_tokener_error je = json_tokener_get_error(tok);
    size_t end = pos + json_tokener_get_parse_end(tok);
    while (end < len && (buf[end] == ' ' || buf[end] == '\n' || buf[end] == '\r' || buf[end] == '\t'))
        end++;
    if (!root || je != json_tokener_success || end != len) {
        if (cb)
            cb(ctx, 1, je != json_tokener_success ? json_tokener_error_desc(je)
                                                  : "not one JSON object");
        rc = HLN_EINVAL;
        goto out;
    }
    const char *rt = get_str(root, "resourceType");
    if (rt && !strcmp(rt, "MeasureReport")) {
        hln_interop_outcome *oc = new_outcome(&im, 1);
        if (oc)
            one_report(&im, root, oc);
    } else if (rt && !strcmp(rt, "Bundle")) {
        json_object *entries = get(root, "entry");
        size_t ne = entries && json_object_is_type(entries, json_type_array)
                        ? json_object_array_length(entries)
                        : 0;
        for (size_t i = 0; i < ne && !im.oom; i++) {
            json_object *res = get(json_object_array_get_idx(entries, i), "resource");
            const char *ert = get_str(res, "resourceType");
            hln_interop_outcome *oc = new_outcome(&im, i + 1);
            if (!oc)
                break;
            if (!ert || strcmp(ert, "MeasureReport") != 0) {
                oc->status = HLN_IMPORT_IGNORED;
                note(oc, "a %s, not a MeasureReport", ert ? ert : "entry without a resource");
                continue;
            }
            one_report(&im, res, oc);
        }
        if (ne == 0 && cb)
            cb(ctx, 1, "a Bundle without entries");
        if (ne == 0)
            rc = HLN_EINVAL;
    } else {
        if (cb)
            cb(ctx, 1, "not a MeasureReport or a Bundle (resourceType)");
        rc = HLN_EINVAL;
    }
    if (im.oom || csv->oom) {
        if (im.noc >= HLN_FHIR_REPORTS_MAX && cb)
            cb(ctx, im.noc, "too many entries in one file; split it");
        rc = im.noc >= HLN_FHIR_REPORTS_MAX ? HLN_ETOOBIG : HLN_ENOMEM;
    }
out:
    json_object_put(root);
    json_tokener_free(tok);
    if (rc < 0) {
        free(im.oc);
        return rc;
    }
    for (size_t i = 0; i < im.noc; i++)
        *n_refused += im.oc[i].status == HLN_IMPORT_REFUSED;
    *outcomes = im.oc;
    *noc = im.noc;
    return 0;
}

/* ---- writing ---- */

static json_object *coding(const char *system, const char *code)
{
    json_object *cc = json_object_new_object(), *arr = json_object_new_array(),
                *c = json_object_new_object();
    json_object_object_add(c, "system", json_object_new_string(system));
    json_object_object_add(c, "code", json_object_new_string(code));
    json_object_array_add(arr, c);
    json_object_object_add(cc, "coding", arr);
    return cc;
}

static json_object *population(const char *code, const uint64_t *count)
{
    json_object *p = json_object_new_object();
    json_object_object_add(p, "code", coding(SYS_POPULATION, code));
    if (count)
        json_object_object_add(p, "count", json_object_new_int64((int64_t)*count));
    return p;
}

static json_object *quantity(double v)
{
    json_object *q = json_object_new_object();
    json_object_object_add(q, "value", json_object_new_double(v));
    return q;
}

static void add_entry(json_object *entries, json_object *res)
{
    json_object *e = json_object_new_object();
    json_object_object_add(e, "resource", res);
    json_object_array_add(entries, e);
}

static json_object *report(const hln_indicator *def, const char *url, const char *period,
                           const char *id, const char *display, const char *ident, uint64_t x,
                           uint64_t n, double score)
{
    char start[11], end[11];
    hln_interop_period_range(period, start, end);
    json_object *r = json_object_new_object();
    json_object_object_add(r, "resourceType", json_object_new_string("MeasureReport"));
    json_object_object_add(r, "id", json_object_new_string(id));
    json_object_object_add(r, "status", json_object_new_string("complete"));
    json_object_object_add(r, "type", json_object_new_string("summary"));
    json_object_object_add(r, "measure", json_object_new_string(url));
    json_object *rep = json_object_new_object();
    if (ident) {
        json_object *idn = json_object_new_object();
        json_object_object_add(idn, "system", json_object_new_string("urn:hln:unit"));
        json_object_object_add(idn, "value", json_object_new_string(ident));
        json_object_object_add(rep, "identifier", idn);
    }
    json_object_object_add(rep, "display", json_object_new_string(display));
    json_object_object_add(r, "reporter", rep);
    json_object *per = json_object_new_object();
    json_object_object_add(per, "start", json_object_new_string(start));
    json_object_object_add(per, "end", json_object_new_string(end));
    json_object_object_add(r, "period", per);
    json_object_object_add(r, "improvementNotation",
                           coding(SYS_IMPROVEMENT,
                                  def->direction == HLN_DIR_HIGHER ? "increase" : "decrease"));
    json_object *g = json_object_new_object(), *pa = json_object_new_array();
    json_object_array_add(pa, population("numerator", &x));
    json_object_array_add(pa, population("denominator", &n));
    json_object_object_add(g, "population", pa);
    json_object_object_add(g, "measureScore", quantity(score));
    json_object *ga = json_object_new_array();
    json_object_array_add(ga, g);
    json_object_object_add(r, "group", ga);
    return r;
}

/* FHIR ids: [A-Za-z0-9\-\.]{1,64}. */
static void fhir_id(char *out, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void fhir_id(char *out, size_t cap, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(out, cap < 65 ? cap : 65, fmt, ap);
    va_end(ap);
    for (char *p = out; *p; p++)
        if (!isalnum((unsigned char)*p) && *p != '-' && *p != '.')
            *p = '-';
}

int hln_fhir_write_bundle(FILE *f, const hln_indicator *def, const char *url,
                          const hln_bench_result *r, const uint8_t own[HLN_KEY_LEN])
{
    double mult = def->kind == HLN_KIND_RATE ? (double)def->multiplier : 1.0;
    json_object *b = json_object_new_object(), *entries = json_object_new_array();
    json_object_object_add(b, "resourceType", json_object_new_string("Bundle"));
    json_object_object_add(b, "type", json_object_new_string("collection"));
    /* the Measure */
    json_object *m = json_object_new_object();
    char id[80];
    fhir_id(id, sizeof id, "%s", def->code);
    json_object_object_add(m, "resourceType", json_object_new_string("Measure"));
    json_object_object_add(m, "id", json_object_new_string(id));
    json_object_object_add(m, "url", json_object_new_string(url));
    char ver[16];
    snprintf(ver, sizeof ver, "%u", def->version);
    json_object_object_add(m, "version", json_object_new_string(ver));
    json_object_object_add(m, "title", json_object_new_string(def->title));
    json_object_object_add(m, "status", json_object_new_string("active"));
    if (def->description[0])
        json_object_object_add(m, "description", json_object_new_string(def->description));
    json_object_object_add(
        m, "scoring",
        coding(SYS_SCORING, def->kind == HLN_KIND_PROPORTION ? "proportion" : "ratio"));
    json_object_object_add(m, "improvementNotation",
                           coding(SYS_IMPROVEMENT,
                                  def->direction == HLN_DIR_HIGHER ? "increase" : "decrease"));
    json_object *mg = json_object_new_object(), *mp = json_object_new_array();
    static const char *const pcodes[2] = {"numerator", "denominator"};
    for (int k = 0; k < 2; k++) {
        json_object *p = population(pcodes[k], NULL);
        json_object *crit = json_object_new_object();
        json_object_object_add(crit, "language", json_object_new_string("text/plain"));
        json_object_object_add(crit, "expression",
                               json_object_new_string(k ? "the denominator of the hln indicator"
                                                        : "the numerator of the hln indicator"));
        json_object_object_add(p, "criteria", crit);
        json_object_array_add(mp, p);
    }
    json_object_object_add(mg, "population", mp);
    json_object *mga = json_object_new_array();
    json_object_array_add(mga, mg);
    json_object_object_add(m, "group", mga);
    add_entry(entries, m);
    /* a report per unit */
    for (size_t i = 0; r && i < r->n_units; i++) {
        const hln_bench_unit *u = &r->units[i];
        char hex[2 * HLN_KEY_LEN + 1], ident[2 * HLN_KEY_LEN + HLN_CODE_MAX + 2], disp[160];
        for (size_t k = 0; k < HLN_KEY_LEN; k++)
            snprintf(hex + 2 * k, 3, "%02x", u->author[k]);
        snprintf(ident, sizeof ident, "%s%s%s", hex, u->unit[0] ? "/" : "", u->unit);
        bool mine = own && !memcmp(own, u->author, HLN_KEY_LEN);
        snprintf(disp, sizeof disp, "%s %s", mine ? "this node" : "node",
                 u->unit[0] ? u->unit : (mine ? "itself" : "itself"));
        if (!mine)
            snprintf(disp, sizeof disp, "node %.16s%s%s", hex, u->unit[0] ? " unit " : "",
                     u->unit);
        char rid[80];
        fhir_id(rid, sizeof rid, "%.12s-%.40s-%s", hex, u->unit[0] ? u->unit : "node", r->period);
        add_entry(entries, report(def, url, r->period, rid, disp, ident, u->s.x, u->s.n,
                                  u->s.value * mult));
    }
    if (r && r->has_stats && r->kind <= HLN_KIND_RATE) { /* a pooled value and ABC of counts */
        char rid[80], disp[96];
        fhir_id(rid, sizeof rid, "pooled-%s-%s", r->group, r->period);
        snprintf(disp, sizeof disp, "pooled value of group %s", r->group);
        json_object *pr = report(def, url, r->period, rid, disp, NULL, r->summary.sum_x,
                                 r->summary.sum_n, r->summary.theta0 * mult);
        json_object *ext = json_object_new_array(), *e = json_object_new_object();
        json_object_object_add(e, "url", json_object_new_string(EXT_ABC));
        json_object_object_add(e, "valueDecimal", json_object_new_double(r->summary.abc * mult));
        json_object_array_add(ext, e);
        json_object_object_add(pr, "extension", ext);
        add_entry(entries, pr);
    }
    json_object_object_add(b, "entry", entries);
    const char *s = json_object_to_json_string_ext(
        b, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE);
    int rc = fprintf(f, "%s\n", s) < 0 ? HLN_EIO : 0;
    json_object_put(b);
    return rc;
}
