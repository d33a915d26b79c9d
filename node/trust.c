/* trust.c - who may author what, for whom: anchors, chains, revocation, scopes, policy. */
#include "node/util.h"
#include "node/trust.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crypto/err.h"
#include "proto/codes.h"

#define NO_END UINT64_MAX
#define ROLES_ALL (HLN_ROLE_PUBLISH | HLN_ROLE_ADMIT | HLN_ROLE_CATALOGUE)

/* A governance record as kept: its envelope and id, and the body part that
 * matters. Copies, so the caller's record may go. */
typedef struct {
    hln_envelope env;
    uint8_t id[HLN_HASH_LEN];
} rec_meta;

typedef struct {
    rec_meta m;
    hln_member b;
} mem_rec;
typedef struct {
    rec_meta m;
    hln_revoke b;
} rev_rec;
typedef struct {
    rec_meta m;
    hln_indicator b;
} ind_rec;
typedef struct {
    rec_meta m;
    hln_policy b;
} pol_rec;

typedef struct {
    uint8_t key[HLN_KEY_LEN];
    char name[HLN_NAME_MAX + 1];
    bool given;
    int level;
    char jurisdiction[HLN_SCOPE_MAX + 1];
} anchor_ent;

typedef struct {
    uint8_t key[HLN_KEY_LEN];
    char reason[HLN_NAME_MAX + 1];
} flag_ent;

/* One way a key stands: an anchor's standing, or one member record whose
 * issuer was entitled when it signed it. Worked out by rebuild(). */
typedef struct {
    uint8_t key[HLN_KEY_LEN];
    int level; /* hln_level or HLN_TRUST_LEVEL_ANY */
    char jurisdiction[HLN_SCOPE_MAX + 1];
    char name[HLN_NAME_MAX + 1];
    uint32_t roles;
    bool anchor;
    bool has_issuer;
    uint8_t issuer[HLN_KEY_LEN];
    uint64_t from, until; /* nominal [from, until); until NO_END when open */
    uint64_t end;         /* until, or earlier when revoked or rotated */
    uint64_t rec_end;     /* the end in the feeds a rotation keeps: until, or a revocation */
    bool revoked;
    uint64_t revoked_from;
    uint8_t revoked_by[HLN_KEY_LEN];
    char revoke_reason[HLN_NAME_MAX + 1];
    uint64_t issued_ts;
    uint8_t rec_id[HLN_HASH_LEN]; /* the member record's id; zero for an anchor */
    /* An entitled issuer's rotation (docs/GOVERNANCE.md §5a): index into
     * t->revs (valid until the next rebuild), or NONE. */
    uint32_t rot;
    uint32_t next;                /* the next standing in the same hash chain, or NONE */
} standing;

#define NONE UINT32_MAX

/* A set of 32-byte values (record ids, keys) with open addressing. An
 * all-zero value is kept aside in `zero`, so an all-zero slot means empty. */
typedef struct {
    uint8_t (*slots)[HLN_HASH_LEN];
    size_t n, cap;
    bool zero;
} set32;

struct hln_trust {
    anchor_ent *anchors;
    size_t n_anchors, cap_anchors;
    mem_rec *mems;
    size_t n_mems, cap_mems;
    rev_rec *revs;
    size_t n_revs, cap_revs;
    ind_rec *inds;
    size_t n_inds, cap_inds;
    pol_rec *pols;
    size_t n_pols, cap_pols;
    flag_ent *flags;
    size_t n_flags, cap_flags;
    set32 ids;     /* of every record learnt: duplicates are refused */
    set32 issuers; /* keys that wrote a member or revoke record about another */
    bool has_self;
    uint8_t self_key[HLN_KEY_LEN];
    uint32_t self_level;
    char self_jurisdiction[HLN_SCOPE_MAX + 1];
    /* Derived; rebuilt when dirty. st in build order, chained by key hash
     * from bucket[] so that a key's standings are found in O(1). Consumers
     * never depend on the order of one key's standings: they pick by pref(). */
    standing *st;
    size_t n_st, cap_st;
    uint32_t *bucket;
    size_t n_bucket; /* a power of two, at least n_st */
    bool dirty;
};

/* ---- small helpers ---- */

static void copy_str(char *dst, size_t cap, const char *src)
{
    if (!src)
        src = "";
    size_t n = strnlen(src, cap - 1);
    memcpy(dst, src, n);
    dst[n] = '\0';
}

static bool is_global(const char *s)
{
    return strcmp(s, "global") == 0;
}

static bool within(const char *inner, const char *outer)
{
    return hln_scope_within(inner, outer);
}

static const char *level_word(int level)
{
    return level == HLN_TRUST_LEVEL_ANY ? "anchor" : hln_level_name((uint32_t)level);
}

/* A time for a human reason: ISO 8601 in UTC, or raw milliseconds when the
 * value lies beyond what gmtime can show. */
static void fmt_time(uint64_t ms, char *out, size_t len)
{
    if (!hln_util_format_date(ms, false, out, len))
        snprintf(out, len, "%llums", (unsigned long long)ms);
}

static void say(char *why, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void say(char *why, size_t len, const char *fmt, ...)
{
    if (!why || !len)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, len, fmt, ap);
    va_end(ap);
}

/* ---- a set of 32-byte values ---- */

/* Keys and record ids are hashes or curve points: their first bytes are
 * already uniform, so they index the table as they are. */
static size_t slot_of(const uint8_t v[HLN_HASH_LEN], size_t cap)
{
    uint64_t h;
    memcpy(&h, v, sizeof h);
    return (size_t)h & (cap - 1);
}

static bool is_zero(const uint8_t *v)
{
    static const uint8_t zero[HLN_HASH_LEN];
    return memcmp(v, zero, HLN_HASH_LEN) == 0;
}

static bool set_has(const set32 *st, const uint8_t v[HLN_HASH_LEN])
{
    if (is_zero(v))
        return st->zero;
    if (!st->cap)
        return false;
    for (size_t i = slot_of(v, st->cap);; i = (i + 1) & (st->cap - 1)) {
        if (is_zero(st->slots[i]))
            return false;
        if (memcmp(st->slots[i], v, HLN_HASH_LEN) == 0)
            return true;
    }
}

static void set_put_raw(uint8_t (*slots)[HLN_HASH_LEN], size_t cap, const uint8_t v[HLN_HASH_LEN])
{
    size_t i = slot_of(v, cap);
    while (!is_zero(slots[i]))
        i = (i + 1) & (cap - 1);
    memcpy(slots[i], v, HLN_HASH_LEN);
}

/* Add `v` (if absent). 0 or HLN_ENOMEM. */
static int set_add(set32 *st, const uint8_t v[HLN_HASH_LEN])
{
    if (set_has(st, v))
        return 0;
    if (is_zero(v)) {
        st->zero = true;
        return 0;
    }
    /* Keep the load under a half so probes stay short. */
    if ((st->n + 1) * 2 > st->cap) {
        size_t nc = st->cap ? st->cap * 2 : 64;
        uint8_t(*n)[HLN_HASH_LEN] = calloc(nc, HLN_HASH_LEN);
        if (!n)
            return HLN_ENOMEM;
        for (size_t i = 0; i < st->cap; i++)
            if (!is_zero(st->slots[i]))
                set_put_raw(n, nc, st->slots[i]);
        free(st->slots);
        st->slots = n;
        st->cap = nc;
    }
    set_put_raw(st->slots, st->cap, v);
    st->n++;
    return 0;
}

/* ---- life cycle ---- */

hln_trust *hln_trust_new(void)
{
    hln_trust *t = calloc(1, sizeof *t);
    return t;
}

void hln_trust_destroy(hln_trust **tp)
{
    if (!tp || !*tp)
        return;
    hln_trust *t = *tp;
    free(t->anchors);
    free(t->mems);
    free(t->revs);
    free(t->inds);
    free(t->pols);
    free(t->flags);
    free(t->ids.slots);
    free(t->issuers.slots);
    free(t->st);
    free(t->bucket);
    free(t);
    *tp = NULL;
}

/* ---- anchors, self, flags ---- */

static anchor_ent *find_anchor(const hln_trust *t, const uint8_t key[HLN_KEY_LEN])
{
    for (size_t i = 0; i < t->n_anchors; i++)
        if (memcmp(t->anchors[i].key, key, HLN_KEY_LEN) == 0)
            return &t->anchors[i];
    return NULL;
}

int hln_trust_add_anchor(hln_trust *t, const uint8_t key[HLN_KEY_LEN], const char *name, int level,
                         const char *jurisdiction)
{
    if (!t || !key)
        return HLN_EINVAL;
    if (level != HLN_TRUST_LEVEL_ANY && !hln_level_fits((uint32_t)level, jurisdiction))
        return HLN_EINVAL;
    if (level == HLN_TRUST_LEVEL_ANY && jurisdiction)
        return HLN_EINVAL;
    if (find_anchor(t, key))
        return HLN_EEXIST;
    if (t->n_anchors >= HLN_TRUST_MAX_ANCHORS)
        return HLN_ETOOBIG;
    int rc = hln_util_grow((void **)&t->anchors, &t->cap_anchors, t->n_anchors + 1, sizeof *t->anchors);
    if (rc)
        return rc;
    anchor_ent *a = &t->anchors[t->n_anchors++];
    memset(a, 0, sizeof *a);
    memcpy(a->key, key, HLN_KEY_LEN);
    copy_str(a->name, sizeof a->name, name);
    a->given = level != HLN_TRUST_LEVEL_ANY;
    a->level = level;
    copy_str(a->jurisdiction, sizeof a->jurisdiction, jurisdiction);
    t->dirty = true;
    return 0;
}

int hln_trust_remove_anchor(hln_trust *t, const uint8_t key[HLN_KEY_LEN])
{
    if (!t || !key)
        return HLN_EINVAL;
    anchor_ent *a = find_anchor(t, key);
    if (!a)
        return HLN_ENOTFOUND;
    size_t i = (size_t)(a - t->anchors);
    memmove(a, a + 1, (t->n_anchors - i - 1) * sizeof *a);
    t->n_anchors--;
    t->dirty = true;
    return 0;
}

int hln_trust_set_self(hln_trust *t, const uint8_t key[HLN_KEY_LEN], uint32_t level,
                       const char *jurisdiction)
{
    if (!t || !key || !hln_level_fits(level, jurisdiction))
        return HLN_EINVAL;
    t->has_self = true;
    memcpy(t->self_key, key, HLN_KEY_LEN);
    t->self_level = level;
    copy_str(t->self_jurisdiction, sizeof t->self_jurisdiction, jurisdiction);
    return 0;
}

static const flag_ent *find_flag(const hln_trust *t, const uint8_t key[HLN_KEY_LEN])
{
    for (size_t i = 0; i < t->n_flags; i++)
        if (memcmp(t->flags[i].key, key, HLN_KEY_LEN) == 0)
            return &t->flags[i];
    return NULL;
}

int hln_trust_flag(hln_trust *t, const uint8_t key[HLN_KEY_LEN], const char *reason)
{
    if (!t || !key)
        return HLN_EINVAL;
    if (find_flag(t, key))
        return 0; /* the first reason is the one that counts */
    if (t->n_flags >= HLN_TRUST_MAX_FLAGS)
        return HLN_ETOOBIG;
    int rc = hln_util_grow((void **)&t->flags, &t->cap_flags, t->n_flags + 1, sizeof *t->flags);
    if (rc)
        return rc;
    flag_ent *f = &t->flags[t->n_flags++];
    memcpy(f->key, key, HLN_KEY_LEN);
    copy_str(f->reason, sizeof f->reason, reason && *reason ? reason : "flagged");
    return 0;
}

bool hln_trust_flagged(hln_trust *t, const uint8_t key[HLN_KEY_LEN])
{
    return t && key && find_flag(t, key) != NULL;
}

/* ---- learning records ---- */

/* The decoder NUL-terminates every string, but a caller may hand a record
 * it built itself: strings are cut at their array's end before any strlen. */
#define TERMINATE(a) ((a)[sizeof(a) - 1] = '\0')

static void terminate_env(hln_envelope *e)
{
    TERMINATE(e->scope);
}

static void terminate_member(hln_member *m)
{
    TERMINATE(m->name);
    TERMINATE(m->jurisdiction);
}

static void terminate_indicator(hln_indicator *d)
{
    TERMINATE(d->code);
    TERMINATE(d->title);
    TERMINATE(d->description);
    for (size_t i = 0; i < HLN_STRATA_MAX; i++)
        TERMINATE(d->strata[i]);
}

static void terminate_body(uint32_t type, hln_body *b)
{
    switch (type) {
    case HLN_REC_MEMBER:
        terminate_member(&b->member);
        break;
    case HLN_REC_REVOKE:
        TERMINATE(b->revoke.reason);
        break;
    case HLN_REC_INDICATOR:
        terminate_indicator(&b->indicator);
        break;
    case HLN_REC_POLICY:
        TERMINATE(b->policy.jurisdiction);
        break;
    default:
        break;
    }
}

static bool add_incremental(hln_trust *t);

int hln_trust_add_record(hln_trust *t, const hln_record *r)
{
    if (!t || !r)
        return HLN_EINVAL;
    uint32_t type = r->env.type;
    if (type != HLN_REC_MEMBER && type != HLN_REC_REVOKE && type != HLN_REC_INDICATOR &&
        type != HLN_REC_POLICY)
        return 0; /* nothing in it decides trust */
    if (!r->has_body)
        return HLN_EINVAL;
    if (set_has(&t->ids, r->id))
        return HLN_EDUP;
    if (t->n_mems + t->n_revs + t->n_inds + t->n_pols >= HLN_TRUST_MAX_RECORDS)
        return HLN_ETOOBIG;
    /* Remember who admits or revokes others before anything else: a key
     * in this set only ever costs a rebuild, a key missing from it would
     * make add_incremental wrong. */
    const uint8_t *subject = type == HLN_REC_MEMBER   ? r->body.member.subject
                             : type == HLN_REC_REVOKE ? r->body.revoke.subject
                                                      : NULL;
    if (subject && memcmp(subject, r->env.author, HLN_KEY_LEN) != 0) {
        int rc0 = set_add(&t->issuers, r->env.author);
        if (rc0)
            return rc0;
    }
    rec_meta m;
    memset(&m, 0, sizeof m);
    m.env = r->env;
    terminate_env(&m.env);
    memcpy(m.id, r->id, HLN_HASH_LEN);
    int rc = 0;
    switch (type) {
    case HLN_REC_MEMBER:
        if (r->body.member.level > HLN_LEVEL_GLOBAL)
            return HLN_EINVAL;
        rc = hln_util_grow((void **)&t->mems, &t->cap_mems, t->n_mems + 1, sizeof *t->mems);
        if (rc)
            return rc;
        t->mems[t->n_mems].m = m;
        t->mems[t->n_mems].b = r->body.member;
        terminate_member(&t->mems[t->n_mems++].b);
        break;
    case HLN_REC_REVOKE:
        rc = hln_util_grow((void **)&t->revs, &t->cap_revs, t->n_revs + 1, sizeof *t->revs);
        if (rc)
            return rc;
        t->revs[t->n_revs].m = m;
        t->revs[t->n_revs].b = r->body.revoke;
        TERMINATE(t->revs[t->n_revs].b.reason);
        t->n_revs++;
        break;
    case HLN_REC_INDICATOR:
        rc = hln_util_grow((void **)&t->inds, &t->cap_inds, t->n_inds + 1, sizeof *t->inds);
        if (rc)
            return rc;
        t->inds[t->n_inds].m = m;
        t->inds[t->n_inds].b = r->body.indicator;
        terminate_indicator(&t->inds[t->n_inds++].b);
        break;
    default: /* HLN_REC_POLICY */
        rc = hln_util_grow((void **)&t->pols, &t->cap_pols, t->n_pols + 1, sizeof *t->pols);
        if (rc)
            return rc;
        t->pols[t->n_pols].m = m;
        t->pols[t->n_pols].b = r->body.policy;
        TERMINATE(t->pols[t->n_pols].b.jurisdiction);
        t->n_pols++;
        break;
    }
    rc = set_add(&t->ids, r->id);
    if (rc) {
        /* Undo, so that a retry after ENOMEM is not taken for a duplicate. */
        if (type == HLN_REC_MEMBER)
            t->n_mems--;
        else if (type == HLN_REC_REVOKE)
            t->n_revs--;
        else if (type == HLN_REC_INDICATOR)
            t->n_inds--;
        else
            t->n_pols--;
        return rc;
    }
    if (type == HLN_REC_REVOKE || (type == HLN_REC_MEMBER && !add_incremental(t)))
        t->dirty = true;
    return 0;
}

/* ---- the rules ---- */

static bool valid_at(const standing *s, uint64_t at)
{
    return s->from <= at && at < s->end;
}

/* The feed of `scope` that standing `s`'s rotation keeps, or NULL: none,
 * or no rotation. */
static const hln_close *kept_feed(const hln_trust *t, const standing *s, const char *scope)
{
    if (s->rot == NONE)
        return NULL;
    const hln_revoke *v = &t->revs[s->rot].b;
    for (uint32_t i = 0; i < v->n_closes; i++)
        if (strcmp(v->closes[i].scope, scope) == 0)
            return &v->closes[i];
    return NULL;
}

/* Is standing `s` in force for a record with this envelope? At its record
 * time, except in a feed that a rotation keeps, where its seq decides
 * instead of the rotation's date: a leaked key can date records as it likes,
 * it cannot give a record a seq the rotation already closed. */
static bool in_force(const hln_trust *t, const standing *s, const hln_envelope *env)
{
    const hln_close *c = kept_feed(t, s, env->scope);
    if (!c)
        return valid_at(s, env->timestamp_ms);
    return s->from <= env->timestamp_ms && env->timestamp_ms < s->rec_end && env->seq <= c->seq;
}

/* Did a rotation close `env`'s place in its feed? Sets `why` when so. */
static bool rotated_out(const hln_trust *t, const standing *s, const hln_envelope *env, char *why,
                        size_t len)
{
    if (s->rot == NONE || s->from > env->timestamp_ms)
        return false;
    const hln_revoke *v = &t->revs[s->rot].b;
    char k[HLN_ID_SHORT_LEN + 1];
    hln_id_short(v->successor, k);
    const hln_close *c = kept_feed(t, s, env->scope);
    if (c && env->seq > c->seq) {
        say(why, len, "rotated: feed %s closed at seq %llu, key replaced by %s", c->scope,
            (unsigned long long)c->seq, k);
        return true;
    }
    if (!c && env->timestamp_ms >= v->from_ms) {
        char when[40];
        fmt_time(v->from_ms, when, sizeof when);
        say(why, len, "rotated from %s, key replaced by %s", when, k);
        return true;
    }
    return false;
}

/* May a standing admit a member of `level` in `j`? On refusal `why` says so. */
static bool can_admit(const standing *s, uint32_t level, const char *j, char *why, size_t len)
{
    if (!(s->roles & HLN_ROLE_ADMIT)) {
        say(why, len, "%s %s lacks the admit role", level_word(s->level), s->jurisdiction);
        return false;
    }
    if (s->level == HLN_TRUST_LEVEL_ANY) {
        /* Trusted outright, but the global level has no issuer above it:
         * only the operator makes one (an anchor). */
        if (level == HLN_LEVEL_GLOBAL) {
            say(why, len, "no one admits the global level; it is an anchor");
            return false;
        }
        return true;
    }
    bool level_ok = false;
    switch (s->level) {
    case HLN_LEVEL_GLOBAL:
        level_ok = level == HLN_LEVEL_NATIONAL;
        break;
    case HLN_LEVEL_NATIONAL:
        level_ok = level == HLN_LEVEL_SUBNATIONAL || level == HLN_LEVEL_ORGANIZATION;
        break;
    case HLN_LEVEL_SUBNATIONAL:
        level_ok = level == HLN_LEVEL_ORGANIZATION;
        break;
    default:
        break;
    }
    if (s->level == HLN_LEVEL_ORGANIZATION) {
        say(why, len, "organization may not issue member records");
        return false;
    }
    if (!level_ok) {
        say(why, len, "%s may not admit %s members", hln_level_name((uint32_t)s->level),
            hln_level_name(level));
        return false;
    }
    if (!hln_level_fits(level, j)) {
        say(why, len, "jurisdiction does not fit level %s", hln_level_name(level));
        return false;
    }
    if (!within(j, s->jurisdiction)) {
        say(why, len, "%s %s may not admit outside its region", hln_level_name((uint32_t)s->level),
            s->jurisdiction);
        return false;
    }
    return true;
}

/* May a standing revoke a membership of `level` in `j`? Only an authority
 * that could have admitted it (the same test), so that an authority cannot
 * reach into another jurisdiction by first admitting a key there itself. */
static bool can_revoke(const standing *s, uint32_t level, const char *j)
{
    return can_admit(s, level, j, NULL, 0);
}

/* May a standing publish a feed in `scope` (for record `type`; self_rec for
 * a member or revoke record about the author itself)? */
static bool scope_ok(const standing *s, uint32_t type, bool self_rec, const char *scope)
{
    if (!hln_code_scope(scope, strlen(scope)))
        return false;
    if (s->level == HLN_TRUST_LEVEL_ANY || s->level == HLN_LEVEL_GLOBAL)
        return true;
    if (within(scope, s->jurisdiction))
        return true;
    if (s->level == HLN_LEVEL_NATIONAL && is_global(scope)) {
        /* The roll-up goes global, with what explains it (definitions,
         * policy, where to reach the node) and the author's own standing.
         * Admissions stay in the country: they name its organizations. */
        if (type == HLN_REC_MEMBER || type == HLN_REC_REVOKE)
            return self_rec;
        return true;
    }
    if (s->level == HLN_LEVEL_SUBNATIONAL || s->level == HLN_LEVEL_ORGANIZATION) {
        /* Up to the country: the scope must still contain the author. */
        char c[3];
        hln_scope_country(s->jurisdiction, c);
        return !is_global(scope) && within(scope, c) && within(s->jurisdiction, scope);
    }
    return false;
}

/* Any type at all: used to decide whether a feed is worth wanting. */
static bool scope_ok_any(const standing *s, const char *scope)
{
    return scope_ok(s, HLN_REC_OBSERVATION, false, scope);
}

/* Type, role, scope and body rules for one standing valid at the record's
 * time. 0 or HLN_ETRUST with `why`. */
static int check_standing(const standing *s, const hln_envelope *env, const hln_body *body,
                          char *why, size_t len)
{
    uint32_t type = env->type;
    bool authority = s->level == HLN_TRUST_LEVEL_ANY || s->level >= HLN_LEVEL_SUBNATIONAL;
    /* Without the body, a member or revoke record is read as the most a
     * body could make it: about the author itself. That is safe, since a
     * record without its body teaches this module nothing, and refusing it
     * would stop the author's whole feed. */
    bool self_rec = !body && (type == HLN_REC_MEMBER || type == HLN_REC_REVOKE);
    if (body && type == HLN_REC_MEMBER)
        self_rec = memcmp(body->member.subject, env->author, HLN_KEY_LEN) == 0;
    if (body && type == HLN_REC_REVOKE)
        self_rec = memcmp(body->revoke.subject, env->author, HLN_KEY_LEN) == 0;
    const char *lw = level_word(s->level);

    switch (type) {
    case HLN_REC_OBSERVATION:
        if (!(s->roles & HLN_ROLE_PUBLISH)) {
            say(why, len, "%s %s lacks the publish role", lw, s->jurisdiction);
            return HLN_ETRUST;
        }
        break;
    case HLN_REC_ADDRESS:
    case HLN_REC_RETRACT:
        break;
    case HLN_REC_MEMBER:
    case HLN_REC_REVOKE:
        if (self_rec)
            break; /* describing or withdrawing oneself needs no power */
        if (!authority) {
            say(why, len, "%s may not issue %s records", lw, hln_rec_type_name(type));
            return HLN_ETRUST;
        }
        if (!(s->roles & HLN_ROLE_ADMIT)) {
            say(why, len, "%s %s lacks the admit role", lw, s->jurisdiction);
            return HLN_ETRUST;
        }
        break;
    case HLN_REC_INDICATOR:
    case HLN_REC_POLICY:
    case HLN_REC_TARGET:
    case HLN_REC_COLLABORATIVE:
        if (!authority) {
            say(why, len, "%s may not issue %s records", lw, hln_rec_type_name(type));
            return HLN_ETRUST;
        }
        if (!(s->roles & HLN_ROLE_CATALOGUE)) {
            say(why, len, "%s %s lacks the catalogue role", lw, s->jurisdiction);
            return HLN_ETRUST;
        }
        /* Targets and collaboratives are for the author's own jurisdiction
         * (docs/GOVERNANCE.md §6): a collaborative's records reach its
         * authority's jurisdiction, so they live in a scope inside it. */
        if ((type == HLN_REC_TARGET || type == HLN_REC_COLLABORATIVE) &&
            s->level != HLN_TRUST_LEVEL_ANY && s->level != HLN_LEVEL_GLOBAL &&
            !within(env->scope, s->jurisdiction)) {
            say(why, len, "%s records go in a scope inside the author's jurisdiction %s, not %s",
                hln_rec_type_name(type), s->jurisdiction, env->scope);
            return HLN_ETRUST;
        }
        break;
    case HLN_REC_LESSON:
        if (!(s->roles & HLN_ROLE_PUBLISH)) {
            say(why, len, "%s %s lacks the publish role", lw, s->jurisdiction);
            return HLN_ETRUST;
        }
        break;
    default:
        say(why, len, "unknown record type %u", type);
        return HLN_ETRUST;
    }

    if (!scope_ok(s, type, self_rec, env->scope)) {
        if (s->level == HLN_LEVEL_NATIONAL && is_global(env->scope))
            say(why, len, "national %s may not publish %s records in scope global", s->jurisdiction,
                hln_rec_type_name(type));
        else
            say(why, len, "scope %s is outside author's jurisdiction %s", env->scope,
                s->jurisdiction);
        return HLN_ETRUST;
    }

    if (!body)
        return 0;
    if (type == HLN_REC_MEMBER && !self_rec) {
        const hln_member *m = &body->member;
        if (!can_admit(s, m->level, m->jurisdiction, why, len))
            return HLN_ETRUST;
        if (m->valid_until_ms != 0 && m->valid_until_ms <= m->valid_from_ms) {
            say(why, len, "membership ends before it begins");
            return HLN_ETRUST;
        }
    }
    if (type == HLN_REC_POLICY && s->level != HLN_TRUST_LEVEL_ANY &&
        !within(body->policy.jurisdiction, s->jurisdiction)) {
        say(why, len, "policy for %s is outside author's jurisdiction %s",
            body->policy.jurisdiction, s->jurisdiction);
        return HLN_ETRUST;
    }
    return 0;
}

/* ---- working out the trust graph ---- */

static int cmp_key(const void *a, const void *b)
{
    return memcmp(a, b, HLN_KEY_LEN);
}

static int cmp_rev(const void *a, const void *b)
{
    const rev_rec *x = a, *y = b;
    int c = memcmp(x->b.subject, y->b.subject, HLN_KEY_LEN);
    return c ? c : memcmp(x->m.id, y->m.id, HLN_HASH_LEN);
}

/* Which of two standings of one key is the better answer to "where does
 * it stand": an anchor's, then the higher level, the longer-lived, the
 * later issued; the rest of the content breaks ties, so that no answer
 * depends on the order records came in. < 0 when a is better. */
static int pref(const standing *a, const standing *b)
{
    int c;
    if (a->anchor != b->anchor)
        return a->anchor ? -1 : 1;
    if (a->level != b->level)
        return a->level == HLN_TRUST_LEVEL_ANY   ? -1
               : b->level == HLN_TRUST_LEVEL_ANY ? 1
                                                 : (a->level > b->level ? -1 : 1);
    if (a->end != b->end)
        return a->end > b->end ? -1 : 1;
    if (a->issued_ts != b->issued_ts)
        return a->issued_ts > b->issued_ts ? -1 : 1;
    if ((c = memcmp(a->issuer, b->issuer, HLN_KEY_LEN)) != 0)
        return c;
    if ((c = strcmp(a->jurisdiction, b->jurisdiction)) != 0)
        return c;
    if (a->from != b->from)
        return a->from < b->from ? -1 : 1;
    if (a->until != b->until)
        return a->until > b->until ? -1 : 1;
    if (a->roles != b->roles)
        return a->roles > b->roles ? -1 : 1;
    return memcmp(a->rec_id, b->rec_id, HLN_HASH_LEN);
}

/* The standings of `key` among the first n built (n bounds a pass to what
 * was final when it began). Walk with
 *   for (s = first_of(t, n, key); s; s = next_of(t, n, key, s)) */
static const standing *chain_from(const hln_trust *t, uint32_t i, size_t n,
                                  const uint8_t key[HLN_KEY_LEN])
{
    for (; i != NONE; i = t->st[i].next)
        if (i < n && memcmp(t->st[i].key, key, HLN_KEY_LEN) == 0)
            return &t->st[i];
    return NULL;
}

static const standing *first_of(const hln_trust *t, size_t n, const uint8_t key[HLN_KEY_LEN])
{
    if (!t->n_bucket)
        return NULL;
    return chain_from(t, t->bucket[slot_of(key, t->n_bucket)], n, key);
}

static const standing *next_of(const hln_trust *t, size_t n, const uint8_t key[HLN_KEY_LEN],
                               const standing *s)
{
    return chain_from(t, s->next, n, key);
}

/* Link every standing into its chain again, with room for `want`. */
static int rehash(hln_trust *t, size_t want)
{
    size_t nb = t->n_bucket ? t->n_bucket : 64;
    while (nb < want)
        nb *= 2;
    if (nb != t->n_bucket) {
        uint32_t *b = realloc(t->bucket, nb * sizeof *b);
        if (!b)
            return HLN_ENOMEM;
        t->bucket = b;
        t->n_bucket = nb;
    }
    for (size_t i = 0; i < t->n_bucket; i++)
        t->bucket[i] = NONE;
    for (size_t i = 0; i < t->n_st; i++) {
        size_t h = slot_of(t->st[i].key, t->n_bucket);
        t->st[i].next = t->bucket[h];
        t->bucket[h] = (uint32_t)i;
    }
    return 0;
}

static int push_standing(hln_trust *t, const standing *s)
{
    int rc = hln_util_grow((void **)&t->st, &t->cap_st, t->n_st + 1, sizeof *t->st);
    if (rc)
        return rc;
    if (t->n_st + 1 > t->n_bucket) {
        t->st[t->n_st++] = *s;
        if ((rc = rehash(t, t->n_st)) != 0)
            t->n_st--;
        return rc;
    }
    standing *n = &t->st[t->n_st];
    *n = *s;
    size_t h = slot_of(n->key, t->n_bucket);
    n->next = t->bucket[h];
    t->bucket[h] = (uint32_t)t->n_st++;
    return 0;
}

/* Is `a` a later record than `b` by (timestamp, seq, id)? */
static bool later(const rec_meta *a, const rec_meta *b)
{
    if (a->env.timestamp_ms != b->env.timestamp_ms)
        return a->env.timestamp_ms > b->env.timestamp_ms;
    if (a->env.seq != b->env.seq)
        return a->env.seq > b->env.seq;
    return memcmp(a->id, b->id, HLN_HASH_LEN) < 0;
}

/* Does revocation `v` count against standing `s`? Its subject's own, or
 * one by an author with a standing among the first n_sorted that could
 * have admitted `s` when it signed `v`. */
static bool revocation_counts(const hln_trust *t, const rev_rec *v, const standing *s,
                              size_t n_sorted)
{
    if (memcmp(v->m.env.author, s->key, HLN_KEY_LEN) == 0)
        return true;
    if (s->anchor)
        return false; /* an anchor's only revoker is itself */
    for (const standing *r = first_of(t, n_sorted, v->m.env.author); r;
         r = next_of(t, n_sorted, v->m.env.author, r))
        if (in_force(t, r, &v->m.env) && can_revoke(r, (uint32_t)s->level, s->jurisdiction))
            return true;
    return false;
}

/* Apply every revocation that counts against standing `s`, judged with the
 * first n_sorted standings built (every standing a revoker could hold:
 * anchors and higher levels, all final by then). Rotations first: a
 * self-revocation that the rotation already closed out (a thief's, signed
 * with the old key past the kept seq or after the rotation's date) counts
 * for nothing, or it could void the history the rotation keeps. */
static void apply_revocations(const hln_trust *t, standing *s, size_t n_sorted)
{
    /* t->revs is sorted by subject (rebuild): find the run for this key. */
    size_t a = 0, b = t->n_revs;
    while (a < b) {
        size_t mid = a + (b - a) / 2;
        if (memcmp(t->revs[mid].b.subject, s->key, HLN_KEY_LEN) < 0)
            a = mid + 1;
        else
            b = mid;
    }
    for (int pass = 0; pass < 2; pass++) {
        for (size_t i = a; i < t->n_revs; i++) {
            const rev_rec *v = &t->revs[i];
            if (memcmp(v->b.subject, s->key, HLN_KEY_LEN) != 0)
                break;
            bool self = memcmp(v->m.env.author, s->key, HLN_KEY_LEN) == 0;
            /* A rotation by the key itself is read as a plain revocation: a
             * leaked key must not hand its standing on, nor keep feeds open. */
            bool rotation = v->b.rotate && !self;
            if (rotation != (pass == 0) || !revocation_counts(t, v, s, n_sorted))
                continue;
            if (rotation) {
                const rev_rec *cur = s->rot == NONE ? NULL : &t->revs[s->rot];
                if (!cur || v->b.from_ms < cur->b.from_ms ||
                    (v->b.from_ms == cur->b.from_ms &&
                     memcmp(v->m.id, cur->m.id, HLN_HASH_LEN) < 0))
                    s->rot = (uint32_t)i; /* the earliest rotation is the one that holds */
            } else if (self && rotated_out(t, s, &v->m.env, NULL, 0)) {
                continue;
            } else if (v->b.from_ms < s->rec_end) {
                s->rec_end = v->b.from_ms;
            }
            if (v->b.from_ms >= s->end)
                continue;
            /* The earliest effective revocation wins: it voids the most. */
            s->end = v->b.from_ms;
            s->revoked = true;
            s->revoked_from = v->b.from_ms;
            memcpy(s->revoked_by, v->m.env.author, HLN_KEY_LEN);
            copy_str(s->revoke_reason, sizeof s->revoke_reason, v->b.reason);
        }
    }
}

static void standing_from_member(standing *s, const mem_rec *m)
{
    memset(s, 0, sizeof *s);
    memcpy(s->key, m->b.subject, HLN_KEY_LEN);
    s->level = (int)m->b.level;
    copy_str(s->jurisdiction, sizeof s->jurisdiction, m->b.jurisdiction);
    copy_str(s->name, sizeof s->name, m->b.name);
    s->roles = m->b.roles;
    s->has_issuer = true;
    memcpy(s->issuer, m->m.env.author, HLN_KEY_LEN);
    s->from = m->b.valid_from_ms;
    s->until = m->b.valid_until_ms ? m->b.valid_until_ms : NO_END;
    s->end = s->rec_end = s->until;
    s->issued_ts = m->m.env.timestamp_ms;
    memcpy(s->rec_id, m->m.id, HLN_HASH_LEN);
    s->rot = NONE;
}

/* Push the standings that entitled rotations hand on from `from` (just
 * pushed): its successor's, then the successor's successor's, and so on.
 * A successor stands as its predecessor did (level, jurisdiction, roles,
 * name, end), from the rotation's from_ms, issued by the rotation's author. */
static int push_successors(hln_trust *t, const standing *from, size_t n_sorted)
{
    standing s = *from;
    int rc = 0;
    for (int depth = 0; depth < HLN_TRUST_MAX_ROTATIONS && s.rot != NONE && !rc; depth++) {
        const rev_rec *v = &t->revs[s.rot];
        standing n = s;
        memcpy(n.key, v->b.successor, HLN_KEY_LEN);
        n.anchor = false;
        n.has_issuer = true;
        memcpy(n.issuer, v->m.env.author, HLN_KEY_LEN);
        n.from = v->b.from_ms > s.from ? v->b.from_ms : s.from;
        n.end = n.rec_end = n.until;
        if (n.end <= n.from)
            break; /* nothing left to hand on */
        n.revoked = false;
        n.revoked_from = 0;
        memset(n.revoked_by, 0, sizeof n.revoked_by);
        n.revoke_reason[0] = '\0';
        n.issued_ts = v->m.env.timestamp_ms;
        memcpy(n.rec_id, v->m.id, HLN_HASH_LEN);
        n.rot = NONE;
        apply_revocations(t, &n, n_sorted);
        rc = push_standing(t, &n);
        s = n;
    }
    return rc;
}

/* Anchors first: their standing comes from the operator, else from their
 * own latest self-signed member record, else from a member record issued
 * by an anchor whose standing is known, else they are trusted for anything. */
static int build_anchors(hln_trust *t)
{
    int rc = 0;
    size_t n_known = 0;
    for (int pass = 0; pass < 2 && !rc; pass++) {
        for (size_t i = 0; i < t->n_anchors && !rc; i++) {
            const anchor_ent *a = &t->anchors[i];
            standing s;
            memset(&s, 0, sizeof s);
            memcpy(s.key, a->key, HLN_KEY_LEN);
            copy_str(s.name, sizeof s.name, a->name);
            s.anchor = true;
            s.roles = ROLES_ALL;
            s.from = 0;
            s.until = s.end = s.rec_end = NO_END;
            s.rot = NONE;
            const mem_rec *self = NULL, *issued = NULL;
            for (size_t k = 0; k < t->n_mems && !a->given; k++) {
                const mem_rec *m = &t->mems[k];
                if (memcmp(m->b.subject, a->key, HLN_KEY_LEN) != 0)
                    continue;
                if (memcmp(m->m.env.author, a->key, HLN_KEY_LEN) == 0) {
                    if (!self || later(&m->m, &self->m))
                        self = m;
                } else if (pass == 1) {
                    bool ok = false;
                    for (const standing *x = first_of(t, n_known, m->m.env.author); x && !ok;
                         x = next_of(t, n_known, m->m.env.author, x))
                        ok = x->anchor && in_force(t, x, &m->m.env) &&
                             can_admit(x, m->b.level, m->b.jurisdiction, NULL, 0);
                    if (ok && (!issued || later(&m->m, &issued->m)))
                        issued = m;
                }
            }
            bool known = a->given || self;
            if (pass == 0 && !known)
                continue;
            if (pass == 1 && known)
                continue;
            if (a->given) {
                s.level = a->level;
                copy_str(s.jurisdiction, sizeof s.jurisdiction, a->jurisdiction);
            } else if (self || issued) {
                const mem_rec *m = self ? self : issued;
                s.level = (int)m->b.level;
                copy_str(s.jurisdiction, sizeof s.jurisdiction, m->b.jurisdiction);
                if (!s.name[0])
                    copy_str(s.name, sizeof s.name, m->b.name);
            } else {
                s.level = HLN_TRUST_LEVEL_ANY;
                s.jurisdiction[0] = '\0';
            }
            rc = push_standing(t, &s);
        }
        if (rc)
            break;
        /* An anchor's only revoker is itself (a key compromise): the
         * operator trusts it and no one else can take that back. */
        for (size_t i = n_known; i < t->n_st; i++)
            apply_revocations(t, &t->st[i], 0);
        n_known = t->n_st;
    }
    return rc;
}

/* Members, one level at a time from the top: an issuer always stands at a
 * higher level than whom it admits, so when a level is worked out every
 * standing that could have issued or revoked it is final. That order also
 * means a cycle of member records can never lift itself: each link needs a
 * strictly higher issuer, and the top of every chain is an anchor. */
static int rebuild(hln_trust *t)
{
    if (!t->dirty)
        return 0;
    t->n_st = 0;
    int rc = rehash(t, t->n_anchors + t->n_mems);
    if (rc)
        return rc;
    if (t->n_revs > 1)
        qsort(t->revs, t->n_revs, sizeof *t->revs, cmp_rev);
    rc = build_anchors(t);
    static const uint32_t order[] = {HLN_LEVEL_NATIONAL, HLN_LEVEL_SUBNATIONAL,
                                     HLN_LEVEL_ORGANIZATION};
    for (size_t li = 0; li < sizeof order / sizeof order[0] && !rc; li++) {
        size_t n_sorted = t->n_st;
        for (size_t k = 0; k < t->n_mems && !rc; k++) {
            const mem_rec *m = &t->mems[k];
            if (m->b.level != order[li] || memcmp(m->b.subject, m->m.env.author, HLN_KEY_LEN) == 0)
                continue;
            hln_body body;
            body.member = m->b;
            bool ok = false;
            for (const standing *x = first_of(t, n_sorted, m->m.env.author); x && !ok;
                 x = next_of(t, n_sorted, m->m.env.author, x))
                ok = in_force(t, x, &m->m.env) && check_standing(x, &m->m.env, &body, NULL, 0) == 0;
            if (!ok)
                continue;
            standing s;
            standing_from_member(&s, m);
            apply_revocations(t, &s, n_sorted);
            rc = push_standing(t, &s);
            if (!rc)
                rc = push_successors(t, &s, n_sorted);
        }
    }
    if (!rc)
        t->dirty = false;
    return rc;
}

/* The member record just learnt (the last in t->mems), worked into the
 * graph without a rebuild. A full rebuild walks every record, and records
 * arrive one by one between queries, so loading a country that way would
 * cost O(M^2). The shortcut is exact when the new standing changes no one
 * else's: its subject is not an anchor and has not yet written a member
 * or revoke record about another key (the usual case: a chain arrives top
 * down). Otherwise, or while a rebuild is pending, it says false and the
 * caller marks the graph for a rebuild. */
static bool add_incremental(hln_trust *t)
{
    const mem_rec *m = &t->mems[t->n_mems - 1];
    if (t->dirty)
        return false;
    /* A non-anchor's self-description counts for nothing. */
    if (memcmp(m->b.subject, m->m.env.author, HLN_KEY_LEN) == 0)
        return !find_anchor(t, m->b.subject);
    if (find_anchor(t, m->b.subject) || set_has(&t->issuers, m->b.subject))
        return false;
    hln_body body;
    body.member = m->b;
    bool ok = false;
    for (const standing *x = first_of(t, t->n_st, m->m.env.author); x && !ok;
         x = next_of(t, t->n_st, m->m.env.author, x))
        ok = in_force(t, x, &m->m.env) && check_standing(x, &m->m.env, &body, NULL, 0) == 0;
    if (!ok)
        return true; /* no entitled issuer: nothing changes */
    standing s;
    standing_from_member(&s, m);
    apply_revocations(t, &s, t->n_st);
    if (s.rot != NONE)
        return false; /* it hands a standing on: a rebuild places the successor */
    return push_standing(t, &s) == 0;
}

/* ---- judging records ---- */

/* Did a rotation close out this record of its author (any standing)? */
static bool closed_out(const hln_trust *t, const hln_envelope *env)
{
    for (const standing *s = first_of(t, t->n_st, env->author); s;
         s = next_of(t, t->n_st, env->author, s))
        if (rotated_out(t, s, env, NULL, 0))
            return true;
    return false;
}

/* The full judgement. On success *by (may be NULL) gets the standing that
 * allowed it. */
static int judge(hln_trust *t, const hln_envelope *env, const hln_body *body, char *why, size_t len,
                 const standing **by)
{
    if (why && len)
        why[0] = '\0';
    if (rebuild(t))
        return HLN_ENOMEM;
    const uint8_t *a = env->author;
    const standing *any = first_of(t, t->n_st, a);
    if (!any) {
        say(why, len, "author is not a member");
        return HLN_ETRUST;
    }
    /* Withdrawing oneself only ever removes power: accepted from any key
     * that has stood at all, even after its end, so that the news of a
     * compromise always spreads. */
    if (env->type == HLN_REC_REVOKE && body &&
        memcmp(body->revoke.subject, env->author, HLN_KEY_LEN) == 0 && !closed_out(t, env)) {
        if (by)
            *by = any;
        return 0;
    }
    /* Every standing in force at the record's time is tried; the best that
     * allows it is the one reported (its level ranks indicator records),
     * and the best that refuses it gives the reason. */
    uint64_t ts = env->timestamp_ms;
    const standing *yes = NULL, *no = NULL;
    char reason[160] = "";
    for (const standing *s = any; s; s = next_of(t, t->n_st, a, s)) {
        if (!in_force(t, s, env))
            continue;
        char r[160];
        if (check_standing(s, env, body, r, sizeof r) == 0) {
            if (!yes || pref(s, yes) < 0)
                yes = s;
        } else if (!no || pref(s, no) < 0) {
            no = s;
            memcpy(reason, r, sizeof reason);
        }
    }
    if (yes) {
        if (by)
            *by = yes;
        return 0;
    }
    if (no) {
        say(why, len, "%s", reason);
        return HLN_ETRUST;
    }
    /* Not in force at that time: say why, rotation and revocation first. */
    for (const standing *s = any; s; s = next_of(t, t->n_st, a, s))
        if (rotated_out(t, s, env, why, len))
            return HLN_ETRUST;
    const standing *cut = NULL;
    bool expired = false;
    for (const standing *s = any; s; s = next_of(t, t->n_st, a, s)) {
        if (s->revoked && s->revoked_from <= ts && s->from <= ts && (!cut || pref(s, cut) < 0))
            cut = s;
        expired = expired || s->until <= ts;
    }
    if (cut) {
        char when[40];
        fmt_time(cut->revoked_from, when, sizeof when);
        say(why, len, "revoked from %s", when);
    } else if (expired) {
        say(why, len, "membership expired");
    } else {
        say(why, len, "membership not yet in force");
    }
    return HLN_ETRUST;
}

int hln_trust_may_author(hln_trust *t, const hln_record *r, char *why, size_t whylen)
{
    if (!t || !r)
        return HLN_EINVAL;
    hln_envelope env = r->env;
    terminate_env(&env);
    if (!r->has_body)
        return judge(t, &env, NULL, why, whylen, NULL);
    hln_body *body = malloc(sizeof *body); /* a few KB: not on the stack */
    if (!body)
        return HLN_ENOMEM;
    *body = r->body;
    terminate_body(env.type, body);
    int rc = judge(t, &env, body, why, whylen, NULL);
    free(body);
    return rc;
}

int hln_trust_may_author_env(hln_trust *t, const hln_envelope *env, char *why, size_t whylen)
{
    if (!t || !env)
        return HLN_EINVAL;
    hln_envelope e = *env;
    terminate_env(&e);
    return judge(t, &e, NULL, why, whylen, NULL);
}

bool hln_trust_rotated_out(hln_trust *t, const hln_envelope *env)
{
    if (!t || !env || rebuild(t))
        return false;
    hln_envelope e = *env;
    terminate_env(&e);
    return closed_out(t, &e);
}

/* ---- scope and replication ---- */

bool hln_trust_wants_feed(hln_trust *t, const hln_feed_id *feed, const uint8_t my_key[HLN_KEY_LEN])
{
    if (!t || !feed || !my_key || rebuild(t))
        return false;
    char scope[HLN_SCOPE_MAX + 1];
    copy_str(scope, sizeof scope, feed->scope);
    bool author_ok = false;
    for (const standing *s = first_of(t, t->n_st, feed->author); s && !author_ok;
         s = next_of(t, t->n_st, feed->author, s))
        author_ok = scope_ok_any(s, scope);
    if (!author_ok)
        return false;
    if (is_global(scope))
        return true;
    if (t->has_self && memcmp(my_key, t->self_key, HLN_KEY_LEN) == 0)
        return within(t->self_jurisdiction, scope);
    for (const standing *s = first_of(t, t->n_st, my_key); s; s = next_of(t, t->n_st, my_key, s))
        if (s->jurisdiction[0] && within(s->jurisdiction, scope))
            return true;
    return false;
}

bool hln_trust_may_receive(hln_trust *t, const uint8_t peer_key[HLN_KEY_LEN],
                           const hln_feed_id *feed, uint64_t now_ms)
{
    if (!t || !peer_key || !feed || rebuild(t))
        return false;
    char scope[HLN_SCOPE_MAX + 1];
    copy_str(scope, sizeof scope, feed->scope);
    if (is_global(scope))
        return true;
    for (const standing *s = first_of(t, t->n_st, peer_key); s;
         s = next_of(t, t->n_st, peer_key, s))
        if (valid_at(s, now_ms) && s->jurisdiction[0] && within(s->jurisdiction, scope))
            return true;
    return false;
}

/* ---- membership queries ---- */

static void info_from_standing(const hln_trust *t, hln_trust_info *info, const standing *s)
{
    info->rotated = s->rot != NONE;
    if (info->rotated)
        memcpy(info->successor, t->revs[s->rot].b.successor, HLN_KEY_LEN);
    copy_str(info->name, sizeof info->name, s->name);
    info->level = s->level;
    copy_str(info->jurisdiction, sizeof info->jurisdiction, s->jurisdiction);
    info->roles = s->roles;
    info->anchor = s->anchor;
    info->has_issuer = s->has_issuer;
    memcpy(info->issuer, s->issuer, HLN_KEY_LEN);
    info->valid_from_ms = s->from;
    info->valid_until_ms = s->until == NO_END ? 0 : s->until;
    info->revoked = s->revoked;
    info->revoked_from_ms = s->revoked_from;
    memcpy(info->revoked_by, s->revoked_by, HLN_KEY_LEN);
    copy_str(info->revoke_reason, sizeof info->revoke_reason, s->revoke_reason);
}

int hln_trust_member(hln_trust *t, const uint8_t key[HLN_KEY_LEN], uint64_t at_ms,
                     hln_trust_info *info)
{
    if (!t || !key)
        return HLN_EINVAL;
    if (rebuild(t))
        return HLN_ENOMEM;
    hln_trust_info tmp;
    if (!info)
        info = &tmp;
    memset(info, 0, sizeof *info);
    memcpy(info->key, key, HLN_KEY_LEN);
    info->level = HLN_TRUST_LEVEL_ANY;
    info->status = HLN_TRUST_UNKNOWN;
    const flag_ent *f = find_flag(t, key);
    if (f) {
        info->flagged = true;
        copy_str(info->flag_reason, sizeof info->flag_reason, f->reason);
    }

    const standing *best = NULL, *last = NULL;
    for (const standing *s = first_of(t, t->n_st, key); s; s = next_of(t, t->n_st, key, s)) {
        if (valid_at(s, at_ms) && (!best || pref(s, best) < 0))
            best = s;
        /* Not in force: report the most recent admission. */
        if (!last || s->issued_ts > last->issued_ts ||
            (s->issued_ts == last->issued_ts && pref(s, last) < 0))
            last = s;
    }
    if (best) {
        info_from_standing(t, info, best);
        info->status = best->anchor ? HLN_TRUST_ANCHOR : HLN_TRUST_MEMBER;
        return 0;
    }
    if (last) {
        info_from_standing(t, info, last);
        if (last->revoked && last->revoked_from <= at_ms && last->from <= at_ms)
            info->status = HLN_TRUST_REVOKED;
        else if (at_ms < last->from)
            info->status = HLN_TRUST_NOT_YET;
        else
            info->status = HLN_TRUST_EXPIRED;
        return HLN_ETRUST;
    }
    /* Member records about it, but none from anyone entitled. */
    const mem_rec *claim = NULL;
    for (size_t k = 0; k < t->n_mems; k++)
        if (memcmp(t->mems[k].b.subject, key, HLN_KEY_LEN) == 0 &&
            (!claim || later(&t->mems[k].m, &claim->m)))
            claim = &t->mems[k];
    if (claim) {
        standing s;
        standing_from_member(&s, claim);
        info_from_standing(t, info, &s);
        info->status = HLN_TRUST_UNTRUSTED;
        return HLN_ETRUST;
    }
    return f ? HLN_ETRUST : HLN_ENOTFOUND;
}

int hln_trust_foreach_member(hln_trust *t, uint64_t at_ms, hln_trust_member_cb cb, void *ctx)
{
    if (!t || !cb)
        return HLN_EINVAL;
    if (rebuild(t))
        return HLN_ENOMEM;
    size_t n = t->n_anchors + t->n_mems + t->n_flags + t->n_revs;
    uint8_t(*keys)[HLN_KEY_LEN] = malloc((n ? n : 1) * HLN_KEY_LEN);
    if (!keys)
        return HLN_ENOMEM;
    size_t k = 0;
    for (size_t i = 0; i < t->n_revs; i++) /* successors stand through rotations only */
        if (t->revs[i].b.rotate)
            memcpy(keys[k++], t->revs[i].b.successor, HLN_KEY_LEN);
    for (size_t i = 0; i < t->n_anchors; i++)
        memcpy(keys[k++], t->anchors[i].key, HLN_KEY_LEN);
    for (size_t i = 0; i < t->n_mems; i++)
        memcpy(keys[k++], t->mems[i].b.subject, HLN_KEY_LEN);
    for (size_t i = 0; i < t->n_flags; i++)
        memcpy(keys[k++], t->flags[i].key, HLN_KEY_LEN);
    qsort(keys, k, HLN_KEY_LEN, cmp_key);
    int rc = 0;
    for (size_t i = 0; i < k && !rc; i++) {
        if (i > 0 && memcmp(keys[i], keys[i - 1], HLN_KEY_LEN) == 0)
            continue;
        hln_trust_info info;
        int r = hln_trust_member(t, keys[i], at_ms, &info);
        if (r == HLN_ENOMEM) {
            rc = r;
            break;
        }
        if (r == HLN_ENOTFOUND)
            continue; /* the successor of a rotation that does not count */
        rc = cb(ctx, &info);
    }
    free(keys);
    return rc;
}

static int cmp_standing_key(const void *a, const void *b)
{
    const standing *const *x = a, *const *y = b;
    return memcmp((*x)->key, (*y)->key, HLN_KEY_LEN);
}

int hln_trust_foreach_anchor(hln_trust *t, hln_trust_anchor_cb cb, void *ctx)
{
    if (!t || !cb)
        return HLN_EINVAL;
    if (rebuild(t))
        return HLN_ENOMEM;
    /* build_anchors pushes one standing per anchor, before any member's. */
    size_t n = 0;
    const standing **v = malloc((t->n_anchors ? t->n_anchors : 1) * sizeof *v);
    if (!v)
        return HLN_ENOMEM;
    for (size_t i = 0; i < t->n_st && n < t->n_anchors; i++)
        if (t->st[i].anchor)
            v[n++] = &t->st[i];
    if (n > 1)
        qsort(v, n, sizeof *v, cmp_standing_key);
    int rc = 0;
    for (size_t i = 0; i < n && !rc; i++) {
        const standing *s = v[i];
        const anchor_ent *a = find_anchor(t, s->key);
        hln_trust_anchor out;
        memset(&out, 0, sizeof out);
        memcpy(out.key, s->key, HLN_KEY_LEN);
        copy_str(out.name, sizeof out.name, s->name);
        out.level = s->level;
        copy_str(out.jurisdiction, sizeof out.jurisdiction, s->jurisdiction);
        out.given = a && a->given;
        rc = cb(ctx, &out);
    }
    free(v);
    return rc;
}

/* ---- catalogue and policy ---- */

static int level_rank(int level)
{
    return level == HLN_TRUST_LEVEL_ANY ? HLN_LEVEL_GLOBAL : level;
}

int hln_trust_indicator(hln_trust *t, const char *code, hln_indicator *out,
                        uint8_t author[HLN_KEY_LEN])
{
    if (!t || !code || !out)
        return HLN_EINVAL;
    const ind_rec *best = NULL;
    int best_rank = -1;
    for (size_t i = 0; i < t->n_inds; i++) {
        const ind_rec *d = &t->inds[i];
        if (strcmp(d->b.code, code) != 0)
            continue;
        const standing *by = NULL;
        hln_body body;
        body.indicator = d->b;
        int rc = judge(t, &d->m.env, &body, NULL, 0, &by);
        if (rc == HLN_ENOMEM)
            return rc;
        if (rc)
            continue;
        int rank = level_rank(by->level);
        bool take =
            !best || rank > best_rank ||
            (rank == best_rank && (d->b.version > best->b.version ||
                                   (d->b.version == best->b.version && later(&d->m, &best->m))));
        if (take) {
            best = d;
            best_rank = rank;
        }
    }
    if (!best)
        return HLN_ENOTFOUND;
    *out = best->b;
    if (author)
        memcpy(author, best->m.env.author, HLN_KEY_LEN);
    return 0;
}

uint32_t hln_trust_policy_min_cell(hln_trust *t, const char *jurisdiction, uint32_t local_floor)
{
    uint32_t m = local_floor;
    if (!t || !jurisdiction)
        return m;
    for (size_t i = 0; i < t->n_pols; i++) {
        const pol_rec *p = &t->pols[i];
        if (!within(jurisdiction, p->b.jurisdiction))
            continue;
        hln_body body;
        body.policy = p->b;
        if (judge(t, &p->m.env, &body, NULL, 0, NULL) != 0)
            continue;
        /* Only the author's latest entitled policy for that jurisdiction
         * is in force: an authority may loosen its own rule later. */
        bool superseded = false;
        for (size_t k = 0; k < t->n_pols && !superseded; k++) {
            const pol_rec *q = &t->pols[k];
            if (k == i || memcmp(q->m.env.author, p->m.env.author, HLN_KEY_LEN) != 0 ||
                strcmp(q->b.jurisdiction, p->b.jurisdiction) != 0 || !later(&q->m, &p->m))
                continue;
            body.policy = q->b;
            superseded = judge(t, &q->m.env, &body, NULL, 0, NULL) == 0;
        }
        if (!superseded && p->b.min_cell > m)
            m = p->b.min_cell;
    }
    return m;
}

const char *hln_trust_status_name(hln_trust_status s)
{
    switch (s) {
    case HLN_TRUST_ANCHOR:
        return "anchor";
    case HLN_TRUST_MEMBER:
        return "member";
    case HLN_TRUST_NOT_YET:
        return "not-yet";
    case HLN_TRUST_EXPIRED:
        return "expired";
    case HLN_TRUST_REVOKED:
        return "revoked";
    case HLN_TRUST_UNTRUSTED:
        return "untrusted";
    case HLN_TRUST_UNKNOWN:
        return "unknown";
    }
    return "unknown";
}
