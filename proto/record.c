/* record.c - hln's signed records: validate, canonically encode, seal, strictly decode, verify. */
#include "record.h"

#include <stdio.h>
#include <stddef.h>
#include <string.h>

#include "../crypto/err.h"
#include "codes.h"
#include "mp.h"
#include "screen.h"

/* Map sizes: every key of an envelope or body is always present, so a map
 * of type T has exactly these keys 0..n-1 (docs/PROTOCOL.md). */
#define ENV_KEYS 9
static const uint32_t body_keys[] = {0, 7, 3, 10, 2, 7, 3, 1, 5, 8, 8};
#define IDEA_KEYS 2

static const char *const type_names[] = {NULL,      "member",      "revoke",  "indicator",
                                         "policy",  "observation", "retract", "address",
                                         "target",  "collaborative", "lesson"};
static const char *const result_names[] = {"worked", "did-not-work", "mixed", "too-early"};
static const char *const level_names[] = {"organization", "subnational", "national", "global"};

/* ---- Errors ------------------------------------------------------------ */

/* Where a message goes and which part of the record is being looked at. */
typedef struct {
    char *buf;
    size_t len;
    const char *sect; /* "record", "envelope", "member", ... */
} ectx;

static int fail_at(ectx *e, const char *field, int rc, const char *why)
{
    if (e->buf && e->len)
        snprintf(e->buf, e->len, "%s%s%s: %s", e->sect, field ? "." : "", field ? field : "", why);
    return rc;
}

/* ---- String rules, shared by seal and decode ------------------------- */

typedef struct {
    size_t max;
    bool (*ok)(const char *s, size_t len);
    const char *what;
} str_rule;

static bool name_ok(const char *s, size_t len) { return len > 0 && hln_text_valid(s, len, false); }
static bool line_ok(const char *s, size_t len) { return hln_text_valid(s, len, false); }
static bool desc_ok(const char *s, size_t len) { return hln_text_valid(s, len, true); }
static bool stratum_set_ok(const char *s, size_t len) { return len > 0 && hln_code_stratum(s, len); }
static bool collab_ok(const char *s, size_t len) { return len > 0 && hln_code_unit(s, len); }
/* Free text that could carry a person's identifiers: refused whole. */
static bool lesson_text_ok(const char *s, size_t len)
{
    return len > 0 && hln_text_valid(s, len, true) && hln_screen_text(s, len, NULL, 0) == 0;
}
static bool change_ok(const char *s, size_t len)
{
    return hln_text_valid(s, len, false) && hln_screen_text(s, len, NULL, 0) == 0;
}

static const str_rule R_SCOPE = {HLN_SCOPE_MAX, hln_code_scope, "not a scope"};
static const str_rule R_INDICATOR = {HLN_CODE_MAX, hln_code_indicator, "not an indicator code"};
static const str_rule R_PERIOD = {HLN_PERIOD_MAX, hln_code_period, "not a period"};
static const str_rule R_UNIT = {HLN_CODE_MAX, hln_code_unit, "not a unit code"};
static const str_rule R_STRATUM = {HLN_CODE_MAX, hln_code_stratum, "not a stratum code"};
static const str_rule R_STRATUM_SET = {HLN_CODE_MAX, stratum_set_ok, "not a stratum code"};
static const str_rule R_NAME = {HLN_NAME_MAX, name_ok,
                                "empty, not UTF-8, or holds a control character"};
static const str_rule R_REASON = {HLN_NAME_MAX, line_ok, "not UTF-8 or holds a control character"};
static const str_rule R_DESC = {HLN_DESC_MAX, desc_ok, "not UTF-8 or holds a control character"};
static const str_rule R_COLLAB = {HLN_CODE_MAX, collab_ok, "not a collaborative code"};
static const str_rule R_COLLAB_REF = {HLN_CODE_MAX, hln_code_unit, "not a collaborative code"};
static const str_rule R_AIM = {HLN_AIM_MAX, desc_ok, "not UTF-8 or holds a control character"};
static const str_rule R_IDEA_TEXT = {HLN_IDEA_TEXT_MAX, desc_ok,
                                     "not UTF-8 or holds a control character"};
static const str_rule R_LESSON_TEXT = {HLN_LESSON_TEXT_MAX, lesson_text_ok,
                                       "empty, not UTF-8, a control character, or looks like it "
                                       "carries an identifier"};
static const str_rule R_CHANGE = {HLN_NAME_MAX, change_ok,
                                  "not UTF-8, a control character, or looks like it carries an "
                                  "identifier"};
static const str_rule R_ENDPOINT = {HLN_ENDPOINT_MAX, hln_code_endpoint,
                                    "not an endpoint (tcp://host:port)"};

static int check_str(ectx *e, const char *field, const str_rule *rule, const char *s, size_t len)
{
    if (len > rule->max)
        return fail_at(e, field, HLN_ETOOBIG, "too long");
    if (!rule->ok(s, len))
        return fail_at(e, field, HLN_EDECODE, rule->what);
    return 0;
}

/* A struct field: NUL-terminated within its array of `cap` bytes. */
static int check_cstr(ectx *e, const char *field, const str_rule *rule, const char *s, size_t cap)
{
    size_t len = strnlen(s, cap);
    if (len == cap)
        return fail_at(e, field, HLN_ETOOBIG, "not terminated");
    return check_str(e, field, rule, s, len);
}

/* ---- Value rules, shared by seal and decode -------------------------- */

static int values_envelope(ectx *e, const hln_envelope *v)
{
    if (v->version != HLN_FORMAT_VERSION)
        return fail_at(e, "version", HLN_EVERSION, "unknown version");
    if (v->type < HLN_REC_MEMBER || v->type > HLN_REC_LAST)
        return fail_at(e, "type", HLN_EDECODE, "unknown record type");
    if (v->seq == 0)
        return fail_at(e, "seq", HLN_EDECODE, "must be at least 1");
    if (v->has_prev != (v->seq > 1))
        return fail_at(e, "prev", HLN_EDECODE, "must be nil exactly when seq is 1");
    if (v->body_len > HLN_BODY_MAX)
        return fail_at(e, "body_len", HLN_ETOOBIG, "over the body size limit");
    return 0;
}

static int values_member(ectx *e, const hln_member *m)
{
    if (m->level > HLN_LEVEL_GLOBAL)
        return fail_at(e, "level", HLN_EDECODE, "not a level");
    bool ok = hln_level_fits(m->level, m->jurisdiction);
    if (!ok)
        return fail_at(e, "jurisdiction", HLN_EDECODE, "does not fit the level");
    if (m->roles & ~(uint32_t)(HLN_ROLE_PUBLISH | HLN_ROLE_ADMIT | HLN_ROLE_CATALOGUE))
        return fail_at(e, "roles", HLN_EDECODE, "unknown role bits");
    if (m->valid_until_ms != 0 && m->valid_until_ms <= m->valid_from_ms)
        return fail_at(e, "valid_until_ms", HLN_EDECODE, "not after valid_from_ms");
    return 0;
}

static int values_revoke(ectx *e, const hln_revoke *v)
{
    static const uint8_t zero[HLN_KEY_LEN];
    if (!v->rotate) {
        if (v->n_closes || memcmp(v->successor, zero, HLN_KEY_LEN) != 0)
            return fail_at(e, "successor", HLN_EDECODE, "only a rotation has a successor");
        return 0;
    }
    if (memcmp(v->successor, v->subject, HLN_KEY_LEN) == 0)
        return fail_at(e, "successor", HLN_EDECODE, "is the subject itself");
    if (v->n_closes > HLN_ROTATE_CLOSES_MAX)
        return fail_at(e, "closes", HLN_ETOOBIG, "too many feeds");
    for (uint32_t i = 1; i < v->n_closes; i++)
        if (strcmp(v->closes[i - 1].scope, v->closes[i].scope) >= 0)
            return fail_at(e, "closes", HLN_EDECODE, "scopes not strictly ascending");
    return 0;
}

static int values_indicator(ectx *e, const hln_indicator *d)
{
    if (d->version == 0)
        return fail_at(e, "version", HLN_EDECODE, "must be at least 1");
    if (d->domain > HLN_DOMAIN_COST)
        return fail_at(e, "domain", HLN_EDECODE, "not a domain");
    if (d->kind > HLN_KIND_ISR)
        return fail_at(e, "kind", HLN_EDECODE, "not a kind");
    for (uint32_t i = 0; i < HLN_STRATA_MAX; i++) {
        bool in = d->kind == HLN_KIND_ISR && i < d->n_strata;
        if (!in && (d->ref_events[i] || d->ref_pop[i]))
            return fail_at(e, "reference", HLN_EDECODE, "only an isr has a reference");
        if (in && (d->ref_pop[i] == 0 || d->ref_pop[i] > HLN_COUNT_MAX ||
                   d->ref_events[i] > HLN_COUNT_MAX))
            return fail_at(e, "reference", HLN_EDECODE,
                           "a band of the reference has no population (or over 2^53 - 1)");
    }
    if (d->kind == HLN_KIND_ISR) {
        if (!d->standard[0])
            return fail_at(e, "standard", HLN_EDECODE, "an isr names its reference");
        if (d->n_strata == 0)
            return fail_at(e, "strata", HLN_EDECODE, "an isr has its age bands as strata");
        for (uint32_t i = 0; i < HLN_STRATA_MAX; i++)
            if (d->weights[i])
                return fail_at(e, "weights", HLN_EDECODE, "only a dsr has weights");
    } else if (d->kind == HLN_KIND_DSR) {
        if (!d->standard[0])
            return fail_at(e, "standard", HLN_EDECODE, "a dsr names its standard population");
        if (d->n_strata == 0)
            return fail_at(e, "strata", HLN_EDECODE, "a dsr has its age bands as strata");
        for (uint32_t i = 0; i < d->n_strata && i < HLN_STRATA_MAX; i++)
            if (d->weights[i] == 0)
                return fail_at(e, "weights", HLN_EDECODE, "a band of the standard is empty");
    } else {
        if (d->standard[0])
            return fail_at(e, "standard", HLN_EDECODE, "only a dsr has a standard");
        for (uint32_t i = 0; i < HLN_STRATA_MAX; i++)
            if (d->weights[i])
                return fail_at(e, "weights", HLN_EDECODE, "only a dsr has weights");
    }
    if (d->kind == HLN_KIND_PROPORTION ? d->multiplier != 1 : d->multiplier == 0)
        return fail_at(e, "multiplier", HLN_EDECODE,
                       "must be 1 for a proportion, at least 1 for a rate");
    if (d->direction > HLN_DIR_LOWER)
        return fail_at(e, "direction", HLN_EDECODE, "not a direction");
    if (d->method > HLN_FUNNEL_WILSON)
        return fail_at(e, "method", HLN_EDECODE, "not a funnel method");
    if (d->n_strata > HLN_STRATA_MAX)
        return fail_at(e, "strata", HLN_ETOOBIG, "too many strata");
    /* A set has one canonical form: strictly ascending byte order. */
    for (uint32_t i = 1; i < d->n_strata; i++)
        if (strcmp(d->strata[i - 1], d->strata[i]) >= 0)
            return fail_at(e, "strata", HLN_EDECODE, "not strictly ascending");
    return 0;
}

static int values_observation(ectx *e, const hln_observation *o)
{
    if (o->numerator > HLN_COUNT_MAX)
        return fail_at(e, "numerator", HLN_EDECODE, "over 2^53-1");
    if (o->denominator > HLN_COUNT_MAX)
        return fail_at(e, "denominator", HLN_EDECODE, "over 2^53-1");
    if (o->suppressed && (o->numerator || o->denominator))
        return fail_at(e, "suppressed", HLN_EDECODE, "counts must be 0 when suppressed");
    if (o->denominator == 0 && o->numerator != 0)
        return fail_at(e, "numerator", HLN_EDECODE, "not 0 over a zero denominator");
    if (o->n_extra > HLN_OBS_EXTRA_MAX)
        return fail_at(e, "extra", HLN_ETOOBIG, "too many extra statistics");
    if (o->n_extra && o->suppressed)
        return fail_at(e, "extra", HLN_EDECODE, "no statistics when suppressed");
    for (uint32_t i = o->n_extra; i < HLN_OBS_EXTRA_MAX; i++)
        if (o->extra[i])
            return fail_at(e, "extra", HLN_EDECODE, "set beyond n_extra");
    return 0;
}

static int values_address(ectx *e, const hln_address *a)
{
    if (a->n > HLN_ENDPOINTS_MAX)
        return fail_at(e, "endpoints", HLN_ETOOBIG, "too many endpoints");
    for (uint32_t i = 0; i < a->n; i++)
        for (uint32_t j = 0; j < i; j++)
            if (strcmp(a->endpoints[i], a->endpoints[j]) == 0)
                return fail_at(e, "endpoints", HLN_EDECODE, "repeats an endpoint");
    return 0;
}

/* A sorted set of codes: strictly ascending, so one canonical form. */
static int values_codes(ectx *e, const char *field, uint32_t n, uint32_t min, uint32_t max,
                        const char (*codes)[HLN_CODE_MAX + 1])
{
    if (n > max)
        return fail_at(e, field, HLN_ETOOBIG, "too many elements");
    if (n < min)
        return fail_at(e, field, HLN_EDECODE, "too few elements");
    for (uint32_t i = 1; i < n; i++)
        if (strcmp(codes[i - 1], codes[i]) >= 0)
            return fail_at(e, field, HLN_EDECODE, "not strictly ascending");
    return 0;
}

static int values_target(ectx *e, const hln_target *t)
{
    if (t->value_micro > HLN_COUNT_MAX)
        return fail_at(e, "value_micro", HLN_EDECODE, "over 2^53-1");
    return 0;
}

static int values_collaborative(ectx *e, const hln_collaborative *c)
{
    int a, am, b, bm, rc;
    if ((rc = values_codes(e, "indicators", c->n_indicators, 1, HLN_COLLAB_INDICATORS_MAX,
                           c->indicators)))
        return rc;
    if (hln_period_span(c->start, &a, &am) && hln_period_span(c->end, &b, &bm) && b + bm < a + am)
        return fail_at(e, "end", HLN_EDECODE, "ends before it starts");
    if (c->n_members > HLN_COLLAB_MEMBERS_MAX)
        return fail_at(e, "members", HLN_ETOOBIG, "too many elements");
    for (uint32_t i = 1; i < c->n_members; i++)
        if (memcmp(c->members[i - 1], c->members[i], HLN_KEY_LEN) >= 0)
            return fail_at(e, "members", HLN_EDECODE, "not strictly ascending");
    if (c->n_ideas > HLN_IDEAS_MAX)
        return fail_at(e, "ideas", HLN_ETOOBIG, "too many elements");
    return 0;
}

static int values_lesson(ectx *e, const hln_lesson *l)
{
    int rc = values_codes(e, "indicators", l->n_indicators, 1, HLN_LESSON_INDICATORS_MAX,
                          l->indicators);
    if (rc)
        return rc;
    if (l->idea > HLN_IDEAS_MAX)
        return fail_at(e, "idea", HLN_EDECODE, "not an idea number");
    if (l->idea && !l->collaborative[0])
        return fail_at(e, "idea", HLN_EDECODE, "an idea number needs a collaborative");
    if (l->result > HLN_RESULT_TOO_EARLY)
        return fail_at(e, "result", HLN_EDECODE, "not a result");
    return 0;
}

/* Every field of a record built in memory, as the decoder would judge it. */
static int validate(const hln_record *r, ectx *e)
{
    const hln_envelope *v = &r->env;
    e->sect = "envelope";
    int rc = values_envelope(e, v);
    if (rc == 0)
        rc = check_cstr(e, "scope", &R_SCOPE, v->scope, sizeof v->scope);
    if (rc || !r->has_body)
        return rc;
    const hln_body *b = &r->body;
    e->sect = type_names[v->type];
    switch (v->type) {
    case HLN_REC_MEMBER:
        if ((rc = check_cstr(e, "name", &R_NAME, b->member.name, sizeof b->member.name))
            || (rc = check_cstr(e, "jurisdiction", &R_SCOPE, b->member.jurisdiction,
                                sizeof b->member.jurisdiction)))
            return rc;
        return values_member(e, &b->member);
    case HLN_REC_REVOKE:
        if ((rc = check_cstr(e, "reason", &R_REASON, b->revoke.reason, sizeof b->revoke.reason)))
            return rc;
        for (uint32_t i = 0; b->revoke.rotate && i < b->revoke.n_closes && i < HLN_ROTATE_CLOSES_MAX; i++)
            if ((rc = check_cstr(e, "closes.scope", &R_SCOPE, b->revoke.closes[i].scope,
                                 sizeof b->revoke.closes[i].scope)))
                return rc;
        return values_revoke(e, &b->revoke);
    case HLN_REC_INDICATOR: {
        const hln_indicator *d = &b->indicator;
        if ((rc = check_cstr(e, "code", &R_INDICATOR, d->code, sizeof d->code))
            || (d->standard[0]
                && (rc = check_cstr(e, "standard", &R_STRATUM, d->standard, sizeof d->standard)))
            || (rc = check_cstr(e, "title", &R_NAME, d->title, sizeof d->title))
            || (rc = check_cstr(e, "description", &R_DESC, d->description, sizeof d->description)))
            return rc;
        for (uint32_t i = 0; i < d->n_strata && i < HLN_STRATA_MAX; i++)
            if ((rc = check_cstr(e, "strata", &R_STRATUM_SET, d->strata[i], sizeof d->strata[i])))
                return rc;
        return values_indicator(e, d);
    }
    case HLN_REC_POLICY:
        return check_cstr(e, "jurisdiction", &R_SCOPE, b->policy.jurisdiction,
                          sizeof b->policy.jurisdiction);
    case HLN_REC_OBSERVATION: {
        const hln_observation *o = &b->observation;
        if ((rc = check_cstr(e, "indicator", &R_INDICATOR, o->indicator, sizeof o->indicator))
            || (rc = check_cstr(e, "period", &R_PERIOD, o->period, sizeof o->period))
            || (rc = check_cstr(e, "unit", &R_UNIT, o->unit, sizeof o->unit))
            || (rc = check_cstr(e, "stratum", &R_STRATUM, o->stratum, sizeof o->stratum)))
            return rc;
        return values_observation(e, o);
    }
    case HLN_REC_RETRACT:
        return check_cstr(e, "reason", &R_REASON, b->retract.reason, sizeof b->retract.reason);
    case HLN_REC_ADDRESS:
        for (uint32_t i = 0; i < b->address.n && i < HLN_ENDPOINTS_MAX; i++)
            if ((rc = check_cstr(e, "endpoints", &R_ENDPOINT, b->address.endpoints[i],
                                 sizeof b->address.endpoints[i])))
                return rc;
        return values_address(e, &b->address);
    case HLN_REC_TARGET: {
        const hln_target *t = &b->target;
        if ((rc = check_cstr(e, "indicator", &R_INDICATOR, t->indicator, sizeof t->indicator))
            || (rc = check_cstr(e, "stratum", &R_STRATUM, t->stratum, sizeof t->stratum))
            || (rc = check_cstr(e, "collaborative", &R_COLLAB_REF, t->collaborative,
                                sizeof t->collaborative))
            || (rc = check_cstr(e, "by", &R_PERIOD, t->by, sizeof t->by)))
            return rc;
        return values_target(e, t);
    }
    case HLN_REC_COLLABORATIVE: {
        const hln_collaborative *c = &b->collaborative;
        if ((rc = check_cstr(e, "code", &R_COLLAB, c->code, sizeof c->code))
            || (rc = check_cstr(e, "name", &R_NAME, c->name, sizeof c->name))
            || (rc = check_cstr(e, "aim", &R_AIM, c->aim, sizeof c->aim))
            || (rc = check_cstr(e, "start", &R_PERIOD, c->start, sizeof c->start))
            || (rc = check_cstr(e, "end", &R_PERIOD, c->end, sizeof c->end)))
            return rc;
        for (uint32_t i = 0; i < c->n_indicators && i < HLN_COLLAB_INDICATORS_MAX; i++)
            if ((rc = check_cstr(e, "indicators", &R_INDICATOR, c->indicators[i],
                                 sizeof c->indicators[i])))
                return rc;
        for (uint32_t i = 0; i < c->n_ideas && i < HLN_IDEAS_MAX; i++)
            if ((rc = check_cstr(e, "ideas.title", &R_NAME, c->ideas[i].title,
                                 sizeof c->ideas[i].title))
                || (rc = check_cstr(e, "ideas.text", &R_IDEA_TEXT, c->ideas[i].text,
                                    sizeof c->ideas[i].text)))
                return rc;
        return values_collaborative(e, c);
    }
    case HLN_REC_LESSON: {
        const hln_lesson *l = &b->lesson;
        for (uint32_t i = 0; i < l->n_indicators && i < HLN_LESSON_INDICATORS_MAX; i++)
            if ((rc = check_cstr(e, "indicators", &R_INDICATOR, l->indicators[i],
                                 sizeof l->indicators[i])))
                return rc;
        if ((rc = check_cstr(e, "period", &R_PERIOD, l->period, sizeof l->period))
            || (rc = check_cstr(e, "unit", &R_UNIT, l->unit, sizeof l->unit))
            || (rc = check_cstr(e, "collaborative", &R_COLLAB_REF, l->collaborative,
                                sizeof l->collaborative))
            || (rc = check_cstr(e, "change", &R_CHANGE, l->change, sizeof l->change))
            || (rc = check_cstr(e, "text", &R_LESSON_TEXT, l->text, sizeof l->text)))
            return rc;
        return values_lesson(e, l);
    }
    }
    return fail_at(e, NULL, HLN_EDECODE, "unknown record type");
}

/* ---- Encoding ---------------------------------------------------------- */

static void put_key(hln_mp_writer *w, uint64_t k) { hln_mp_put_uint(w, k); }

static int encode_body(uint32_t type, const hln_body *b, uint8_t *out, size_t *len)
{
    hln_mp_writer w;
    hln_mp_writer_init(&w, out, HLN_BODY_MAX);
    uint32_t nkeys = body_keys[type];
    if (type == HLN_REC_INDICATOR && b->indicator.kind == HLN_KIND_DSR)
        nkeys += 2; /* standard, weights */
    if (type == HLN_REC_INDICATOR && b->indicator.kind == HLN_KIND_ISR)
        nkeys += 3; /* reference name, events, populations */
    if (type == HLN_REC_OBSERVATION && b->observation.n_extra)
        nkeys += 1; /* extra */
    if (type == HLN_REC_REVOKE && b->revoke.rotate)
        nkeys += 2; /* successor, closes */
    hln_mp_put_map(&w, nkeys);
    switch (type) {
    case HLN_REC_MEMBER: {
        const hln_member *m = &b->member;
        put_key(&w, 0), hln_mp_put_bin(&w, m->subject, HLN_KEY_LEN);
        put_key(&w, 1), hln_mp_put_cstr(&w, m->name);
        put_key(&w, 2), hln_mp_put_uint(&w, m->level);
        put_key(&w, 3), hln_mp_put_cstr(&w, m->jurisdiction);
        put_key(&w, 4), hln_mp_put_uint(&w, m->roles);
        put_key(&w, 5), hln_mp_put_uint(&w, m->valid_from_ms);
        put_key(&w, 6), hln_mp_put_uint(&w, m->valid_until_ms);
        break;
    }
    case HLN_REC_REVOKE:
        put_key(&w, 0), hln_mp_put_bin(&w, b->revoke.subject, HLN_KEY_LEN);
        put_key(&w, 1), hln_mp_put_uint(&w, b->revoke.from_ms);
        put_key(&w, 2), hln_mp_put_cstr(&w, b->revoke.reason);
        if (b->revoke.rotate) {
            put_key(&w, 3), hln_mp_put_bin(&w, b->revoke.successor, HLN_KEY_LEN);
            put_key(&w, 4), hln_mp_put_array(&w, b->revoke.n_closes);
            for (uint32_t i = 0; i < b->revoke.n_closes; i++) {
                hln_mp_put_array(&w, 2);
                hln_mp_put_cstr(&w, b->revoke.closes[i].scope);
                hln_mp_put_uint(&w, b->revoke.closes[i].seq);
            }
        }
        break;
    case HLN_REC_INDICATOR: {
        const hln_indicator *d = &b->indicator;
        put_key(&w, 0), hln_mp_put_cstr(&w, d->code);
        put_key(&w, 1), hln_mp_put_uint(&w, d->version);
        put_key(&w, 2), hln_mp_put_cstr(&w, d->title);
        put_key(&w, 3), hln_mp_put_uint(&w, d->domain);
        put_key(&w, 4), hln_mp_put_uint(&w, d->kind);
        put_key(&w, 5), hln_mp_put_uint(&w, d->multiplier);
        put_key(&w, 6), hln_mp_put_uint(&w, d->direction);
        put_key(&w, 7), hln_mp_put_uint(&w, d->method);
        put_key(&w, 8), hln_mp_put_array(&w, d->n_strata);
        for (uint32_t i = 0; i < d->n_strata; i++)
            hln_mp_put_cstr(&w, d->strata[i]);
        put_key(&w, 9), hln_mp_put_cstr(&w, d->description);
        if (d->kind == HLN_KIND_DSR) {
            put_key(&w, 10), hln_mp_put_cstr(&w, d->standard);
            put_key(&w, 11), hln_mp_put_array(&w, d->n_strata);
            for (uint32_t i = 0; i < d->n_strata; i++)
                hln_mp_put_uint(&w, d->weights[i]);
        } else if (d->kind == HLN_KIND_ISR) {
            put_key(&w, 10), hln_mp_put_cstr(&w, d->standard);
            put_key(&w, 11), hln_mp_put_array(&w, d->n_strata);
            for (uint32_t i = 0; i < d->n_strata; i++)
                hln_mp_put_uint(&w, d->ref_events[i]);
            put_key(&w, 12), hln_mp_put_array(&w, d->n_strata);
            for (uint32_t i = 0; i < d->n_strata; i++)
                hln_mp_put_uint(&w, d->ref_pop[i]);
        }
        break;
    }
    case HLN_REC_POLICY:
        put_key(&w, 0), hln_mp_put_cstr(&w, b->policy.jurisdiction);
        put_key(&w, 1), hln_mp_put_uint(&w, b->policy.min_cell);
        break;
    case HLN_REC_OBSERVATION: {
        const hln_observation *o = &b->observation;
        put_key(&w, 0), hln_mp_put_cstr(&w, o->indicator);
        put_key(&w, 1), hln_mp_put_cstr(&w, o->period);
        put_key(&w, 2), hln_mp_put_cstr(&w, o->unit);
        put_key(&w, 3), hln_mp_put_cstr(&w, o->stratum);
        put_key(&w, 4), hln_mp_put_uint(&w, o->numerator);
        put_key(&w, 5), hln_mp_put_uint(&w, o->denominator);
        put_key(&w, 6), hln_mp_put_bool(&w, o->suppressed);
        if (o->n_extra) {
            put_key(&w, 7), hln_mp_put_array(&w, o->n_extra);
            for (uint32_t i = 0; i < o->n_extra; i++)
                hln_mp_put_uint(&w, o->extra[i]);
        }
        break;
    }
    case HLN_REC_RETRACT:
        put_key(&w, 0), hln_mp_put_bin(&w, b->retract.target, HLN_HASH_LEN);
        put_key(&w, 1), hln_mp_put_bool(&w, b->retract.erase);
        put_key(&w, 2), hln_mp_put_cstr(&w, b->retract.reason);
        break;
    case HLN_REC_ADDRESS:
        put_key(&w, 0), hln_mp_put_array(&w, b->address.n);
        for (uint32_t i = 0; i < b->address.n; i++)
            hln_mp_put_cstr(&w, b->address.endpoints[i]);
        break;
    case HLN_REC_TARGET: {
        const hln_target *t = &b->target;
        put_key(&w, 0), hln_mp_put_cstr(&w, t->indicator);
        put_key(&w, 1), hln_mp_put_cstr(&w, t->stratum);
        put_key(&w, 2), hln_mp_put_cstr(&w, t->collaborative);
        put_key(&w, 3), hln_mp_put_uint(&w, t->value_micro);
        put_key(&w, 4), hln_mp_put_cstr(&w, t->by);
        break;
    }
    case HLN_REC_COLLABORATIVE: {
        const hln_collaborative *c = &b->collaborative;
        put_key(&w, 0), hln_mp_put_cstr(&w, c->code);
        put_key(&w, 1), hln_mp_put_cstr(&w, c->name);
        put_key(&w, 2), hln_mp_put_cstr(&w, c->aim);
        put_key(&w, 3), hln_mp_put_array(&w, c->n_indicators);
        for (uint32_t i = 0; i < c->n_indicators; i++)
            hln_mp_put_cstr(&w, c->indicators[i]);
        put_key(&w, 4), hln_mp_put_cstr(&w, c->start);
        put_key(&w, 5), hln_mp_put_cstr(&w, c->end);
        put_key(&w, 6), hln_mp_put_array(&w, c->n_members);
        for (uint32_t i = 0; i < c->n_members; i++)
            hln_mp_put_bin(&w, c->members[i], HLN_KEY_LEN);
        put_key(&w, 7), hln_mp_put_array(&w, c->n_ideas);
        for (uint32_t i = 0; i < c->n_ideas; i++) {
            hln_mp_put_map(&w, IDEA_KEYS);
            put_key(&w, 0), hln_mp_put_cstr(&w, c->ideas[i].title);
            put_key(&w, 1), hln_mp_put_cstr(&w, c->ideas[i].text);
        }
        break;
    }
    case HLN_REC_LESSON: {
        const hln_lesson *l = &b->lesson;
        put_key(&w, 0), hln_mp_put_array(&w, l->n_indicators);
        for (uint32_t i = 0; i < l->n_indicators; i++)
            hln_mp_put_cstr(&w, l->indicators[i]);
        put_key(&w, 1), hln_mp_put_cstr(&w, l->period);
        put_key(&w, 2), hln_mp_put_cstr(&w, l->unit);
        put_key(&w, 3), hln_mp_put_cstr(&w, l->collaborative);
        put_key(&w, 4), hln_mp_put_uint(&w, l->idea);
        put_key(&w, 5), hln_mp_put_cstr(&w, l->change);
        put_key(&w, 6), hln_mp_put_uint(&w, l->result);
        put_key(&w, 7), hln_mp_put_cstr(&w, l->text);
        break;
    }
    }
    *len = w.len;
    return hln_mp_writer_status(&w);
}

static int encode_envelope(const hln_envelope *v, uint8_t *out, size_t *len)
{
    hln_mp_writer w;
    hln_mp_writer_init(&w, out, HLN_ENV_MAX);
    hln_mp_put_map(&w, ENV_KEYS);
    put_key(&w, 0), hln_mp_put_uint(&w, v->version);
    put_key(&w, 1), hln_mp_put_uint(&w, v->type);
    put_key(&w, 2), hln_mp_put_bin(&w, v->author, HLN_KEY_LEN);
    put_key(&w, 3), hln_mp_put_cstr(&w, v->scope);
    put_key(&w, 4), hln_mp_put_uint(&w, v->seq);
    put_key(&w, 5);
    if (v->has_prev)
        hln_mp_put_bin(&w, v->prev, HLN_HASH_LEN);
    else
        hln_mp_put_nil(&w);
    put_key(&w, 6), hln_mp_put_uint(&w, v->timestamp_ms);
    put_key(&w, 7), hln_mp_put_bin(&w, v->body_hash, HLN_HASH_LEN);
    put_key(&w, 8), hln_mp_put_uint(&w, v->body_len);
    *len = w.len;
    return hln_mp_writer_status(&w);
}

/* The transport form [envelope, signature, body|nil] into r->raw, with the
 * offsets of the envelope and body inside it. */
static int assemble(hln_record *r, const uint8_t *env, size_t env_len, const uint8_t *body,
                    size_t body_len)
{
    hln_mp_writer w;
    hln_mp_writer_init(&w, r->raw, sizeof r->raw);
    hln_mp_put_array(&w, 3);
    hln_mp_put_bin(&w, env, env_len);
    r->env_off = w.len - env_len;
    r->env_len = env_len;
    hln_mp_put_bin(&w, r->sig, HLN_SIG_LEN);
    if (body) {
        hln_mp_put_bin(&w, body, body_len);
        r->body_off = w.len - body_len;
        r->body_len = body_len;
    } else {
        hln_mp_put_nil(&w);
        r->body_off = r->body_len = 0;
    }
    r->raw_len = w.len;
    return hln_mp_writer_status(&w);
}

/* Validate, encode body and envelope; the caller signs between the two
 * halves, so this stops at the envelope bytes. */
static int encode_parts(hln_record *r, uint8_t *env, size_t *env_len, uint8_t *body,
                        size_t *body_len, ectx *e)
{
    int rc = validate(r, e);
    if (rc)
        return rc;
    if (r->has_body) {
        e->sect = type_names[r->env.type];
        if (encode_body(r->env.type, &r->body, body, body_len))
            return fail_at(e, NULL, HLN_ETOOBIG, "body over the size limit");
        hln_hash(body, *body_len, r->env.body_hash);
        r->env.body_len = (uint32_t)*body_len;
    }
    e->sect = "envelope";
    if (encode_envelope(&r->env, env, env_len))
        return fail_at(e, NULL, HLN_ETOOBIG, "over the size limit");
    return 0;
}

void hln_record_init(hln_record *r, hln_rec_type type, const uint8_t author[HLN_KEY_LEN],
                     const char *scope, uint64_t seq, const uint8_t *prev, uint64_t ts_ms)
{
    /* Everything but raw: sealing writes raw and raw_len, and nothing reads
     * raw past raw_len. Clearing 16 KB a record was a fifth of a publish. */
    memset(r, 0, offsetof(hln_record, raw));
    r->env.version = HLN_FORMAT_VERSION;
    r->env.type = (uint32_t)type;
    if (author)
        memcpy(r->env.author, author, HLN_KEY_LEN);
    /* A scope too long to hold is left empty, which seal refuses, rather
     * than truncated into a different valid scope. */
    if (scope && strlen(scope) <= HLN_SCOPE_MAX)
        memcpy(r->env.scope, scope, strlen(scope));
    r->env.seq = seq;
    if (prev) {
        r->env.has_prev = true;
        memcpy(r->env.prev, prev, HLN_HASH_LEN);
    }
    r->env.timestamp_ms = ts_ms;
    r->has_body = true;
}

int hln_record_seal_unsigned(hln_record *r, const hln_identity *id, char *err, size_t errlen)
{
    ectx e = {err, errlen, "envelope"};
    uint8_t env[HLN_ENV_MAX], body[HLN_BODY_MAX];
    size_t env_len = 0, body_len = 0;
    if (!r->has_body)
        return fail_at(&e, NULL, HLN_EINVAL, "a record is sealed with its body");
    if (!id || memcmp(hln_identity_pk(id), r->env.author, HLN_KEY_LEN) != 0)
        return fail_at(&e, "author", HLN_EINVAL, "not the signing key");
    if (encode_parts(r, env, &env_len, body, &body_len, &e))
        return HLN_EINVAL; /* the message is in err already */
    memset(r->sig, 0, HLN_SIG_LEN);
    hln_hash(env, env_len, r->id);
    e.sect = "record";
    if (assemble(r, env, env_len, body, body_len))
        return fail_at(&e, NULL, HLN_EINVAL, "over the size limit");
    return 0;
}

void hln_record_sign(hln_record *r, const hln_identity *id)
{
    hln_identity_sign(id, r->raw + r->env_off, r->env_len, r->sig);
    /* In the transport form the signature follows the envelope as a bin 8
     * of 64 bytes: two bytes of header (assemble). */
    memcpy(r->raw + r->env_off + r->env_len + 2, r->sig, HLN_SIG_LEN);
}

int hln_record_seal(hln_record *r, const hln_identity *id, char *err, size_t errlen)
{
    int rc = hln_record_seal_unsigned(r, id, err, errlen);
    if (rc == 0)
        hln_record_sign(r, id);
    return rc;
}

int hln_record_encode(hln_record *r, char *err, size_t errlen)
{
    ectx e = {err, errlen, "envelope"};
    uint8_t env[HLN_ENV_MAX], body[HLN_BODY_MAX];
    size_t env_len = 0, body_len = 0;
    int rc = encode_parts(r, env, &env_len, body, &body_len, &e);
    if (rc)
        return rc;
    hln_hash(env, env_len, r->id);
    e.sect = "record";
    if (assemble(r, env, env_len, r->has_body ? body : NULL, body_len))
        return fail_at(&e, NULL, HLN_ETOOBIG, "over the size limit");
    return 0;
}

/* ---- Decoding ---------------------------------------------------------- */

/* The cursor over one map and where its messages go. */
typedef struct {
    hln_mp_reader rd;
    ectx e;
    uint32_t nkeys;
} dctx;

static int d_fail(dctx *d, const char *field, int rc)
{
    return fail_at(&d->e, field, rc, d->rd.why ? d->rd.why : "malformed");
}

/* The map header: exactly `nkeys` entries. */
static int d_map(dctx *d, uint32_t nkeys)
{
    uint32_t n;
    int rc = hln_mp_get_map(&d->rd, UINT32_MAX, &n);
    if (rc)
        return d_fail(d, NULL, rc);
    if (n != nkeys)
        return fail_at(&d->e, NULL, HLN_EDECODE, n > nkeys ? "unknown map key" : "missing map key");
    d->nkeys = n;
    return 0;
}

/* A map of `base` entries, or `base + more` or `base + more2` (the
 * optional keys of a dsr or isr indicator, or of an observation with extra
 * statistics; more <= more2). */
static int d_map_or(dctx *d, uint32_t base, uint32_t more, uint32_t more2)
{
    uint32_t n;
    int rc = hln_mp_get_map(&d->rd, UINT32_MAX, &n);
    if (rc)
        return d_fail(d, NULL, rc);
    if (n != base && n != base + more && n != base + more2)
        return fail_at(&d->e, NULL, HLN_EDECODE,
                       n > base + more2 ? "unknown map key" : "missing map key");
    d->nkeys = n;
    return 0;
}

static int d_key(dctx *d, uint32_t k, const char *field)
{
    int rc = hln_mp_get_key(&d->rd, k, d->nkeys);
    return rc ? d_fail(d, field, rc) : 0;
}

static int d_uint(dctx *d, uint32_t k, const char *field, uint64_t max, uint64_t *v)
{
    int rc = d_key(d, k, field);
    if (rc == 0 && (rc = hln_mp_get_uint_max(&d->rd, max, v)))
        return d_fail(d, field, rc);
    return rc;
}

static int d_u32(dctx *d, uint32_t k, const char *field, uint32_t *v)
{
    uint64_t x = 0;
    int rc = d_uint(d, k, field, UINT32_MAX, &x);
    *v = (uint32_t)x;
    return rc;
}

static int d_bool(dctx *d, uint32_t k, const char *field, bool *v)
{
    int rc = d_key(d, k, field);
    if (rc == 0 && (rc = hln_mp_get_bool(&d->rd, v)))
        return d_fail(d, field, rc);
    return rc;
}

static int d_bin32(dctx *d, uint32_t k, const char *field, uint8_t out[32])
{
    const uint8_t *b;
    int rc = d_key(d, k, field);
    if (rc == 0 && (rc = hln_mp_get_bin_exact(&d->rd, 32, &b)))
        return d_fail(d, field, rc);
    if (rc == 0)
        memcpy(out, b, 32);
    return rc;
}

/* A str checked against its rule and copied NUL-terminated into `out`
 * (which has rule->max + 1 bytes). */
static int d_strval(dctx *d, const char *field, const str_rule *rule, char *out)
{
    const char *s;
    size_t len;
    int rc = hln_mp_get_str(&d->rd, rule->max, &s, &len);
    if (rc)
        return d_fail(d, field, rc);
    if ((rc = check_str(&d->e, field, rule, s, len)))
        return rc;
    memcpy(out, s, len);
    out[len] = '\0';
    return 0;
}

static int d_str(dctx *d, uint32_t k, const char *field, const str_rule *rule, char *out)
{
    int rc = d_key(d, k, field);
    return rc ? rc : d_strval(d, field, rule, out);
}

static int d_array(dctx *d, uint32_t k, const char *field, uint32_t max, uint32_t *n)
{
    int rc = d_key(d, k, field);
    if (rc == 0 && (rc = hln_mp_get_array(&d->rd, max, n)))
        return d_fail(d, field, rc);
    return rc;
}
/* An isr indicator's keys 10 (reference name), 11 (events) and 12
 * (populations), one per stratum: `more` keys beyond the base must be 3. */
static int d_isr_reference(dctx *d, hln_indicator *x, uint32_t more)
{
    uint32_t n;
    int rc;
    if (more != 3)
        return fail_at(&d->e, "standard", HLN_EDECODE, "an isr names its reference");
    if ((rc = d_str(d, 10, "standard", &R_STRATUM, x->standard)))
        return rc;
    for (uint32_t key = 11; key <= 12; key++) {
        const char *f = key == 11 ? "ref_events" : "ref_pop";
        uint64_t *dst = key == 11 ? x->ref_events : x->ref_pop;
        if ((rc = d_array(d, key, f, HLN_STRATA_MAX, &n)))
            return rc;
        if (n != x->n_strata)
            return fail_at(&d->e, f, HLN_EDECODE, "not one per stratum");
        for (uint32_t i = 0; i < n; i++)
            if ((rc = hln_mp_get_uint_max(&d->rd, HLN_COUNT_MAX, &dst[i])))
                return d_fail(d, f, rc);
    }
    return 0;
}


/* One change idea: a map {0: title, 1: text} inside the ideas array. */
static int decode_idea(dctx *d, hln_idea *idea)
{
    uint32_t outer = d->nkeys, n;
    int rc = hln_mp_get_map(&d->rd, UINT32_MAX, &n);
    if (rc)
        return d_fail(d, "ideas", rc);
    if (n != IDEA_KEYS)
        return fail_at(&d->e, "ideas", HLN_EDECODE, n > IDEA_KEYS ? "unknown map key" : "missing map key");
    d->nkeys = n;
    if ((rc = d_str(d, 0, "ideas.title", &R_NAME, idea->title)) == 0)
        rc = d_str(d, 1, "ideas.text", &R_IDEA_TEXT, idea->text);
    d->nkeys = outer;
    return rc;
}

/* A rotation's keys 3 and 4: the successor and the feeds it closes, each
 * a two-element array [scope, last valid seq]. */
static int decode_rotation(dctx *d, hln_revoke *v)
{
    int rc;
    v->rotate = true;
    if ((rc = d_bin32(d, 3, "successor", v->successor))
        || (rc = d_array(d, 4, "closes", HLN_ROTATE_CLOSES_MAX, &v->n_closes)))
        return rc;
    for (uint32_t i = 0; i < v->n_closes; i++) {
        uint32_t n;
        if ((rc = hln_mp_get_array(&d->rd, 2, &n)))
            return d_fail(d, "closes", rc);
        if (n != 2)
            return fail_at(&d->e, "closes", HLN_EDECODE, "not a [scope, seq] pair");
        if ((rc = d_strval(d, "closes.scope", &R_SCOPE, v->closes[i].scope)))
            return rc;
        if ((rc = hln_mp_get_uint_max(&d->rd, UINT64_MAX, &v->closes[i].seq)))
            return d_fail(d, "closes.seq", rc);
    }
    return 0;
}

static int decode_envelope(dctx *d, hln_envelope *v)
{
    uint32_t n;
    uint64_t x;
    int rc = hln_mp_get_map(&d->rd, UINT32_MAX, &n);
    if (rc)
        return d_fail(d, NULL, rc);
    d->nkeys = n;
    /* The version comes first so that a record of a later format is told
     * apart from a malformed one before its other keys are judged. */
    if ((rc = d_uint(d, 0, "version", UINT64_MAX, &x)))
        return rc;
    if (x != HLN_FORMAT_VERSION)
        return fail_at(&d->e, "version", HLN_EVERSION, "unknown version");
    v->version = (uint32_t)x;
    if (n != ENV_KEYS)
        return fail_at(&d->e, NULL, HLN_EDECODE, n > ENV_KEYS ? "unknown map key" : "missing map key");
    if ((rc = d_u32(d, 1, "type", &v->type)))
        return rc;
    if (v->type < HLN_REC_MEMBER || v->type > HLN_REC_LAST)
        return fail_at(&d->e, "type", HLN_EDECODE, "unknown record type");
    if ((rc = d_bin32(d, 2, "author", v->author))
        || (rc = d_str(d, 3, "scope", &R_SCOPE, v->scope))
        || (rc = d_uint(d, 4, "seq", UINT64_MAX, &v->seq)) || (rc = d_key(d, 5, "prev")))
        return rc;
    if (v->seq == 0)
        return fail_at(&d->e, "seq", HLN_EDECODE, "must be at least 1");
    if (hln_mp_peek_nil(&d->rd)) {
        (void)hln_mp_get_nil(&d->rd);
        v->has_prev = false;
    } else {
        const uint8_t *b;
        if ((rc = hln_mp_get_bin_exact(&d->rd, HLN_HASH_LEN, &b)))
            return d_fail(d, "prev", rc);
        memcpy(v->prev, b, HLN_HASH_LEN);
        v->has_prev = true;
    }
    if (v->has_prev != (v->seq > 1))
        return fail_at(&d->e, "prev", HLN_EDECODE, "must be nil exactly when seq is 1");
    if ((rc = d_uint(d, 6, "timestamp_ms", UINT64_MAX, &v->timestamp_ms))
        || (rc = d_bin32(d, 7, "body_hash", v->body_hash))
        || (rc = d_key(d, 8, "body_len")))
        return rc;
    if ((rc = hln_mp_get_uint(&d->rd, &x)))
        return d_fail(d, "body_len", rc);
    if (x > HLN_BODY_MAX)
        return fail_at(&d->e, "body_len", HLN_ETOOBIG, "over the body size limit");
    v->body_len = (uint32_t)x;
    if ((rc = hln_mp_finish(&d->rd)))
        return d_fail(d, NULL, rc);
    return 0;
}

static int decode_body(dctx *d, uint32_t type, hln_body *b)
{
    int rc = type == HLN_REC_INDICATOR     ? d_map_or(d, body_keys[type], 2, 3)
             : type == HLN_REC_OBSERVATION ? d_map_or(d, body_keys[type], 1, 1)
             : type == HLN_REC_REVOKE      ? d_map_or(d, body_keys[type], 2, 2)
                                           : d_map(d, body_keys[type]);
    if (rc)
        return rc;
    switch (type) {
    case HLN_REC_MEMBER: {
        hln_member *m = &b->member;
        if ((rc = d_bin32(d, 0, "subject", m->subject))
            || (rc = d_str(d, 1, "name", &R_NAME, m->name))
            || (rc = d_u32(d, 2, "level", &m->level))
            || (rc = d_str(d, 3, "jurisdiction", &R_SCOPE, m->jurisdiction))
            || (rc = d_u32(d, 4, "roles", &m->roles))
            || (rc = d_uint(d, 5, "valid_from_ms", UINT64_MAX, &m->valid_from_ms))
            || (rc = d_uint(d, 6, "valid_until_ms", UINT64_MAX, &m->valid_until_ms)))
            return rc;
        rc = values_member(&d->e, m);
        break;
    }
    case HLN_REC_REVOKE:
        if ((rc = d_bin32(d, 0, "subject", b->revoke.subject))
            || (rc = d_uint(d, 1, "from_ms", UINT64_MAX, &b->revoke.from_ms))
            || (rc = d_str(d, 2, "reason", &R_REASON, b->revoke.reason)))
            return rc;
        if (d->nkeys > body_keys[type] && (rc = decode_rotation(d, &b->revoke)))
            return rc;
        rc = values_revoke(&d->e, &b->revoke);
        break;
    case HLN_REC_INDICATOR: {
        hln_indicator *x = &b->indicator;
        if ((rc = d_str(d, 0, "code", &R_INDICATOR, x->code))
            || (rc = d_u32(d, 1, "version", &x->version))
            || (rc = d_str(d, 2, "title", &R_NAME, x->title))
            || (rc = d_u32(d, 3, "domain", &x->domain)) || (rc = d_u32(d, 4, "kind", &x->kind))
            || (rc = d_u32(d, 5, "multiplier", &x->multiplier))
            || (rc = d_u32(d, 6, "direction", &x->direction))
            || (rc = d_u32(d, 7, "method", &x->method))
            || (rc = d_array(d, 8, "strata", HLN_STRATA_MAX, &x->n_strata)))
            return rc;
        for (uint32_t i = 0; i < x->n_strata; i++)
            if ((rc = d_strval(d, "strata", &R_STRATUM_SET, x->strata[i])))
                return rc;
        if ((rc = d_str(d, 9, "description", &R_DESC, x->description)))
            return rc;
        if (x->kind == HLN_KIND_ISR) {
            if ((rc = d_isr_reference(d, x, d->nkeys - body_keys[type])))
                return rc;
        } else if (d->nkeys > body_keys[type]) {
            uint32_t nw;
            if (x->kind != HLN_KIND_DSR || d->nkeys != body_keys[type] + 2)
                return fail_at(&d->e, "standard", HLN_EDECODE, "only a dsr has a standard");
            if ((rc = d_str(d, 10, "standard", &R_STRATUM, x->standard))
                || (rc = d_array(d, 11, "weights", HLN_STRATA_MAX, &nw)))
                return rc;
            if (nw != x->n_strata)
                return fail_at(&d->e, "weights", HLN_EDECODE, "not one per stratum");
            for (uint32_t i = 0; i < nw; i++) {
                uint64_t v;
                if ((rc = hln_mp_get_uint_max(&d->rd, UINT32_MAX, &v)))
                    return d_fail(d, "weights", rc);
                x->weights[i] = (uint32_t)v;
            }
        } else if (x->kind == HLN_KIND_DSR) {
            return fail_at(&d->e, "standard", HLN_EDECODE, "a dsr names its standard population");
        }
        rc = values_indicator(&d->e, x);
        break;
    }
    case HLN_REC_POLICY:
        if ((rc = d_str(d, 0, "jurisdiction", &R_SCOPE, b->policy.jurisdiction))
            || (rc = d_u32(d, 1, "min_cell", &b->policy.min_cell)))
            return rc;
        break;
    case HLN_REC_OBSERVATION: {
        hln_observation *o = &b->observation;
        if ((rc = d_str(d, 0, "indicator", &R_INDICATOR, o->indicator))
            || (rc = d_str(d, 1, "period", &R_PERIOD, o->period))
            || (rc = d_str(d, 2, "unit", &R_UNIT, o->unit))
            || (rc = d_str(d, 3, "stratum", &R_STRATUM, o->stratum))
            || (rc = d_uint(d, 4, "numerator", UINT64_MAX, &o->numerator))
            || (rc = d_uint(d, 5, "denominator", UINT64_MAX, &o->denominator))
            || (rc = d_bool(d, 6, "suppressed", &o->suppressed)))
            return rc;
        if (d->nkeys > body_keys[type]) {
            if ((rc = d_array(d, 7, "extra", HLN_OBS_EXTRA_MAX, &o->n_extra)))
                return rc;
            if (o->n_extra == 0) /* one encoding only: no key rather than an empty array */
                return fail_at(&d->e, "extra", HLN_EDECODE, "empty");
            for (uint32_t i = 0; i < o->n_extra; i++)
                if ((rc = hln_mp_get_uint_max(&d->rd, UINT64_MAX, &o->extra[i])))
                    return d_fail(d, "extra", rc);
        }
        rc = values_observation(&d->e, o);
        break;
    }
    case HLN_REC_RETRACT:
        if ((rc = d_bin32(d, 0, "target", b->retract.target))
            || (rc = d_bool(d, 1, "erase", &b->retract.erase))
            || (rc = d_str(d, 2, "reason", &R_REASON, b->retract.reason)))
            return rc;
        break;
    case HLN_REC_ADDRESS:
        if ((rc = d_array(d, 0, "endpoints", HLN_ENDPOINTS_MAX, &b->address.n)))
            return rc;
        for (uint32_t i = 0; i < b->address.n; i++)
            if ((rc = d_strval(d, "endpoints", &R_ENDPOINT, b->address.endpoints[i])))
                return rc;
        rc = values_address(&d->e, &b->address);
        break;
    case HLN_REC_TARGET: {
        hln_target *t = &b->target;
        if ((rc = d_str(d, 0, "indicator", &R_INDICATOR, t->indicator))
            || (rc = d_str(d, 1, "stratum", &R_STRATUM, t->stratum))
            || (rc = d_str(d, 2, "collaborative", &R_COLLAB_REF, t->collaborative))
            || (rc = d_uint(d, 3, "value_micro", UINT64_MAX, &t->value_micro))
            || (rc = d_str(d, 4, "by", &R_PERIOD, t->by)))
            return rc;
        rc = values_target(&d->e, t);
        break;
    }
    case HLN_REC_COLLABORATIVE: {
        hln_collaborative *c = &b->collaborative;
        if ((rc = d_str(d, 0, "code", &R_COLLAB, c->code))
            || (rc = d_str(d, 1, "name", &R_NAME, c->name))
            || (rc = d_str(d, 2, "aim", &R_AIM, c->aim))
            || (rc = d_array(d, 3, "indicators", HLN_COLLAB_INDICATORS_MAX, &c->n_indicators)))
            return rc;
        for (uint32_t i = 0; i < c->n_indicators; i++)
            if ((rc = d_strval(d, "indicators", &R_INDICATOR, c->indicators[i])))
                return rc;
        if ((rc = d_str(d, 4, "start", &R_PERIOD, c->start))
            || (rc = d_str(d, 5, "end", &R_PERIOD, c->end))
            || (rc = d_array(d, 6, "members", HLN_COLLAB_MEMBERS_MAX, &c->n_members)))
            return rc;
        for (uint32_t i = 0; i < c->n_members; i++) {
            const uint8_t *k;
            if ((rc = hln_mp_get_bin_exact(&d->rd, HLN_KEY_LEN, &k)))
                return d_fail(d, "members", rc);
            memcpy(c->members[i], k, HLN_KEY_LEN);
        }
        if ((rc = d_array(d, 7, "ideas", HLN_IDEAS_MAX, &c->n_ideas)))
            return rc;
        for (uint32_t i = 0; i < c->n_ideas; i++)
            if ((rc = decode_idea(d, &c->ideas[i])))
                return rc;
        rc = values_collaborative(&d->e, c);
        break;
    }
    case HLN_REC_LESSON: {
        hln_lesson *l = &b->lesson;
        if ((rc = d_array(d, 0, "indicators", HLN_LESSON_INDICATORS_MAX, &l->n_indicators)))
            return rc;
        for (uint32_t i = 0; i < l->n_indicators; i++)
            if ((rc = d_strval(d, "indicators", &R_INDICATOR, l->indicators[i])))
                return rc;
        if ((rc = d_str(d, 1, "period", &R_PERIOD, l->period))
            || (rc = d_str(d, 2, "unit", &R_UNIT, l->unit))
            || (rc = d_str(d, 3, "collaborative", &R_COLLAB_REF, l->collaborative))
            || (rc = d_u32(d, 4, "idea", &l->idea))
            || (rc = d_str(d, 5, "change", &R_CHANGE, l->change))
            || (rc = d_u32(d, 6, "result", &l->result))
            || (rc = d_str(d, 7, "text", &R_LESSON_TEXT, l->text)))
            return rc;
        rc = values_lesson(&d->e, l);
        break;
    }
    }
    if (rc)
        return rc;
    if ((rc = hln_mp_finish(&d->rd)))
        return d_fail(d, NULL, rc);
    return 0;
}

int hln_record_peek_type(const uint8_t *buf, size_t len, uint32_t *type)
{
    hln_mp_reader rd;
    const uint8_t *env;
    size_t env_len;
    uint32_t n, nkeys;
    uint64_t version, t;
    hln_mp_reader_init(&rd, buf, len);
    if (!buf || len > HLN_RECORD_MAX || hln_mp_get_array(&rd, UINT32_MAX, &n) || n != 3 ||
        hln_mp_get_bin(&rd, HLN_ENV_MAX, &env, &env_len))
        return HLN_EDECODE;
    hln_mp_reader_init(&rd, env, env_len);
    if (hln_mp_get_map(&rd, UINT32_MAX, &nkeys) || hln_mp_get_key(&rd, 0, nkeys) ||
        hln_mp_get_uint(&rd, &version) || version != HLN_FORMAT_VERSION ||
        hln_mp_get_key(&rd, 1, nkeys) || hln_mp_get_uint(&rd, &t) || t < HLN_REC_MEMBER ||
        t > HLN_REC_LAST)
        return HLN_EDECODE;
    *type = (uint32_t)t;
    return 0;
}

/* known_id: the id the store recorded when it took the record in, checked
 * then (the body against its hash, the envelope hashed into the id); NULL
 * for bytes from anywhere else, which are hashed here. */
static int decode(const uint8_t *buf, size_t len, const uint8_t *known_id, hln_record *r,
                  char *err, size_t errlen)
{
    dctx d = {.e = {err, errlen, "record"}};
    int rc;
    /* 1. Size cap, before anything else is looked at. */
    if (!buf || len > HLN_RECORD_MAX)
        return fail_at(&d.e, NULL, HLN_ETOOBIG, "over the record size limit");
    /* memmove: the caller may decode a record's own raw bytes in place. */
    memmove(r->raw, buf, len);
    r->raw_len = len;
    memset(&r->env, 0, sizeof r->env);
    memset(&r->body, 0, sizeof r->body);

    /* 2. Structure: [envelope bin, signature bin(64), body bin | nil], nothing after. */
    const uint8_t *env, *sig, *body = NULL;
    size_t env_len, body_len = 0;
    uint32_t n;
    hln_mp_reader_init(&d.rd, r->raw, len);
    if ((rc = hln_mp_get_array(&d.rd, UINT32_MAX, &n)))
        return d_fail(&d, NULL, rc);
    if (n != 3)
        return fail_at(&d.e, NULL, HLN_EDECODE, "not an array of 3");
    if ((rc = hln_mp_get_bin(&d.rd, HLN_ENV_MAX, &env, &env_len)))
        return d_fail(&d, "envelope", rc);
    if ((rc = hln_mp_get_bin_exact(&d.rd, HLN_SIG_LEN, &sig)))
        return d_fail(&d, "signature", rc);
    if (hln_mp_peek_nil(&d.rd))
        (void)hln_mp_get_nil(&d.rd);
    else if ((rc = hln_mp_get_bin(&d.rd, HLN_BODY_MAX, &body, &body_len)))
        return d_fail(&d, "body", rc);
    if ((rc = hln_mp_finish(&d.rd)))
        return d_fail(&d, NULL, rc);
    r->env_off = (size_t)(env - r->raw);
    r->env_len = env_len;
    r->has_body = body != NULL;
    r->body_off = body ? (size_t)(body - r->raw) : 0;
    r->body_len = body_len;
    memcpy(r->sig, sig, HLN_SIG_LEN);

    /* 3. Fields: the envelope, then the body its type names. */
    d.e.sect = "envelope";
    hln_mp_reader_init(&d.rd, env, env_len);
    if ((rc = decode_envelope(&d, &r->env)))
        return rc;
    if (body) {
        d.e.sect = type_names[r->env.type];
        hln_mp_reader_init(&d.rd, body, body_len);
        if ((rc = decode_body(&d, r->env.type, &r->body)))
            return rc;
    }

    if (known_id) {
        memcpy(r->id, known_id, HLN_HASH_LEN);
        return 0;
    }
    /* 4. The body against the hash the signature covers. */
    if (body) {
        uint8_t h[HLN_HASH_LEN];
        d.e.sect = "body";
        if (body_len != r->env.body_len)
            return fail_at(&d.e, NULL, HLN_EHASH, "length does not match envelope.body_len");
        hln_hash(body, body_len, h);
        if (memcmp(h, r->env.body_hash, HLN_HASH_LEN) != 0)
            return fail_at(&d.e, NULL, HLN_EHASH, "does not match envelope.body_hash");
    }
    hln_hash(env, env_len, r->id);
    return 0;
}

int hln_record_decode(const uint8_t *buf, size_t len, hln_record *r, char *err, size_t errlen)
{
    return decode(buf, len, NULL, r, err, errlen);
}

int hln_record_decode_stored(const uint8_t *buf, size_t len, const uint8_t id[HLN_HASH_LEN],
                             hln_record *r, char *err, size_t errlen)
{
    if (!id)
        return HLN_EINVAL;
    return decode(buf, len, id, r, err, errlen);
}

int hln_record_verify(const hln_record *r)
{
    return hln_verify(r->env.author, r->raw + r->env_off, r->env_len, r->sig);
}

void hln_record_erase_body(hln_record *r)
{
    if (!r->has_body)
        return;
    /* The array header, envelope and signature are unchanged: only the
     * third element becomes nil. */
    size_t at = r->env_off + r->env_len + 2 + HLN_SIG_LEN;
    r->raw[at] = 0xc0;
    r->raw_len = at + 1;
    r->has_body = false;
    r->body_off = r->body_len = 0;
    memset(&r->body, 0, sizeof r->body);
}

void hln_record_feed(const hln_record *r, hln_feed_id *feed)
{
    memset(feed, 0, sizeof *feed);
    memcpy(feed->author, r->env.author, HLN_KEY_LEN);
    memcpy(feed->scope, r->env.scope, HLN_SCOPE_MAX);
}

const char *hln_rec_type_name(uint32_t type)
{
    return type >= HLN_REC_MEMBER && type <= HLN_REC_LAST ? type_names[type] : "unknown";
}

int hln_rec_type_parse(const char *name, uint32_t *type)
{
    for (uint32_t t = HLN_REC_MEMBER; name && t <= HLN_REC_LAST; t++)
        if (strcmp(name, type_names[t]) == 0) {
            *type = t;
            return 0;
        }
    return HLN_EINVAL;
}

const char *hln_lesson_result_name(uint32_t result)
{
    return result <= HLN_RESULT_TOO_EARLY ? result_names[result] : "unknown";
}

int hln_lesson_result_parse(const char *name, uint32_t *result)
{
    for (uint32_t k = 0; name && k <= HLN_RESULT_TOO_EARLY; k++)
        if (strcmp(name, result_names[k]) == 0) {
            *result = k;
            return 0;
        }
    return HLN_EINVAL;
}

const char *hln_level_name(uint32_t level)
{
    return level <= HLN_LEVEL_GLOBAL ? level_names[level] : "unknown";
}

bool hln_level_fits(uint32_t level, const char *j)
{
    if (!j)
        return false;
    size_t n = strlen(j);
    switch (level) {
    case HLN_LEVEL_GLOBAL:
        return strcmp(j, "global") == 0;
    case HLN_LEVEL_NATIONAL:
        return n == 2 && hln_code_jurisdiction(j, n);
    case HLN_LEVEL_SUBNATIONAL: /* "GB-ENG" is 6 bytes, like "global" */
        return n > 2 && hln_code_jurisdiction(j, n);
    case HLN_LEVEL_ORGANIZATION:
        return hln_code_jurisdiction(j, n);
    default:
        return false;
    }
}

int hln_level_parse(const char *name, uint32_t *level)
{
    for (uint32_t l = 0; name && l <= HLN_LEVEL_GLOBAL; l++)
        if (strcmp(name, level_names[l]) == 0) {
            *level = l;
            return 0;
        }
    return HLN_EINVAL;
}

/* A copy of `s` safe for a terminal: ASCII controls and DEL become '?'.
 * Decoded text cannot hold them; records built in memory might. */
static void safe(char *out, size_t cap, const char *s)
{
    size_t i = 0;
    for (; s[i] && i + 1 < cap; i++) {
        unsigned char c = (unsigned char)s[i];
        out[i] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
    }
    out[i] = '\0';
}

void hln_record_summary(const hln_record *r, char *buf, size_t len)
{
    char a[HLN_DESC_MAX + 1], b[HLN_CODE_MAX + 1], c[HLN_CODE_MAX + 1], k[HLN_ID_SHORT_LEN + 1];
    char hex[17];
    if (!buf || !len)
        return;
    const char *tn = hln_rec_type_name(r->env.type);
    if (!r->has_body) {
        snprintf(buf, len, "%s (body erased)", tn);
        return;
    }
    const hln_body *x = &r->body;
    switch (r->env.type) {
    case HLN_REC_MEMBER:
        hln_id_short(x->member.subject, k);
        safe(a, sizeof a, x->member.name);
        safe(b, sizeof b, x->member.jurisdiction);
        snprintf(buf, len, "member %s \"%s\" %s %s roles=%s%s%s", k, a,
                 hln_level_name(x->member.level), b,
                 x->member.roles & HLN_ROLE_PUBLISH ? "p" : "-",
                 x->member.roles & HLN_ROLE_ADMIT ? "a" : "-",
                 x->member.roles & HLN_ROLE_CATALOGUE ? "c" : "-");
        break;
    case HLN_REC_REVOKE:
        hln_id_short(x->revoke.subject, k);
        if (x->revoke.rotate) {
            hln_id_short(x->revoke.successor, a);
            snprintf(buf, len, "rotate %s -> %s from=%llu closes=%u", k, a,
                     (unsigned long long)x->revoke.from_ms, (unsigned)x->revoke.n_closes);
        } else {
            snprintf(buf, len, "revoke %s from=%llu", k, (unsigned long long)x->revoke.from_ms);
        }
        break;
    case HLN_REC_INDICATOR:
        safe(b, sizeof b, x->indicator.code);
        safe(a, sizeof a, x->indicator.title);
        snprintf(buf, len, "indicator %s v%u \"%s\"", b, (unsigned)x->indicator.version, a);
        break;
    case HLN_REC_POLICY:
        safe(b, sizeof b, x->policy.jurisdiction);
        snprintf(buf, len, "policy %s min_cell=%u", b, (unsigned)x->policy.min_cell);
        break;
    case HLN_REC_OBSERVATION: {
        const hln_observation *o = &x->observation;
        char p[HLN_PERIOD_MAX + 1];
        safe(b, sizeof b, o->indicator);
        safe(p, sizeof p, o->period);
        safe(c, sizeof c, o->unit);
        safe(a, sizeof a, o->stratum);
        if (o->suppressed)
            snprintf(buf, len, "%s %s unit=%s stratum=%s suppressed", b, p, c, a);
        else
            snprintf(buf, len, "%s %s unit=%s stratum=%s %llu/%llu", b, p, c, a,
                     (unsigned long long)o->numerator, (unsigned long long)o->denominator);
        break;
    }
    case HLN_REC_RETRACT:
        hln_hex(x->retract.target, 8, hex);
        snprintf(buf, len, "retract %s%s", hex, x->retract.erase ? " erase" : "");
        break;
    case HLN_REC_ADDRESS:
        safe(a, sizeof a, x->address.n ? x->address.endpoints[0] : "");
        snprintf(buf, len, "address %s%s", x->address.n ? a : "(none)",
                 x->address.n > 1 ? " ..." : "");
        break;
    case HLN_REC_TARGET: {
        const hln_target *t = &x->target;
        char p[HLN_PERIOD_MAX + 1];
        safe(b, sizeof b, t->indicator);
        safe(c, sizeof c, t->collaborative);
        safe(p, sizeof p, t->by);
        snprintf(buf, len, "target %s %.6g by %s%s%s", b, (double)t->value_micro / 1e6, p,
                 c[0] ? " collaborative=" : "", c);
        break;
    }
    case HLN_REC_COLLABORATIVE: {
        const hln_collaborative *cl = &x->collaborative;
        char p[HLN_PERIOD_MAX + 1], q[HLN_PERIOD_MAX + 1];
        safe(b, sizeof b, cl->code);
        safe(p, sizeof p, cl->start);
        safe(q, sizeof q, cl->end);
        snprintf(buf, len, "collaborative %s %s..%s members=%u ideas=%u", b, p, q,
                 (unsigned)cl->n_members, (unsigned)cl->n_ideas);
        break;
    }
    case HLN_REC_LESSON: {
        const hln_lesson *l = &x->lesson;
        char p[HLN_PERIOD_MAX + 1];
        safe(b, sizeof b, l->indicators[0]);
        safe(p, sizeof p, l->period);
        safe(c, sizeof c, l->collaborative);
        snprintf(buf, len, "lesson %s %s %s%s%s", b, p, hln_lesson_result_name(l->result),
                 c[0] ? " collaborative=" : "", c);
        break;
    }
    default: snprintf(buf, len, "%s", tn); break;
    }
}
