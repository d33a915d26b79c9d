/* gov.c - governance state a node keeps beside its records: the TRUST table of anchors, the FLAGS
 * table, the node's trust graph, and the flags that status shows. */
#include "node/gov.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crypto/err.h"
#include "node/disclosure.h"
#include "node/util.h"
#include "proto/codes.h"

static void jstr(json_object *o, const char *k, const char *v)
{
    json_object_object_add(o, k, v ? json_object_new_string(v) : NULL);
}

static void jint(json_object *o, const char *k, uint64_t v)
{
    json_object_object_add(o, k, json_object_new_int64((int64_t)v));
}

static void id_text(const uint8_t id[HLN_KEY_LEN], char out[HLN_ID_TEXT_LEN + 1])
{
    hln_id_to_text(id, out);
}

bool hln_gov_name_valid(const char *s, bool may_be_empty)
{
    size_t n = strlen(s);
    return (may_be_empty || n > 0) && n <= HLN_NAME_MAX && hln_text_valid(s, n, false);
}

/* ---- the TRUST table ---- */

int hln_gov_anchor_put(hln_store *s, const hln_gov_anchor *a)
{
    if (!s || !a || !hln_gov_name_valid(a->name, true))
        return HLN_EINVAL;
    if (a->level != HLN_TRUST_LEVEL_ANY && !hln_level_fits((uint32_t)a->level, a->jurisdiction))
        return HLN_EINVAL;
    json_object *o = json_object_new_object();
    if (!o)
        return HLN_ENOMEM;
    jstr(o, "name", a->name);
    if (a->level != HLN_TRUST_LEVEL_ANY) {
        jstr(o, "level", hln_level_name((uint32_t)a->level));
        jstr(o, "jurisdiction", a->jurisdiction);
    }
    jint(o, "added_ms", a->added_ms);
    size_t len = 0;
    const char *txt = json_object_to_json_string_length(o, JSON_C_TO_STRING_PLAIN, &len);
    int rc = hln_store_kv_put(s, HLN_TABLE_TRUST, a->id, HLN_KEY_LEN, txt, len);
    json_object_put(o);
    return rc;
}

int hln_gov_anchor_del(hln_store *s, const uint8_t id[HLN_KEY_LEN])
{
    return hln_store_kv_del(s, HLN_TABLE_TRUST, id, HLN_KEY_LEN);
}

/* A string field of `o`, or NULL when absent; *bad when present but not a
 * string. */
static const char *opt_str(json_object *o, const char *k, bool *bad)
{
    json_object *v;
    if (!json_object_object_get_ex(o, k, &v) || json_object_is_type(v, json_type_null))
        return NULL;
    if (!json_object_is_type(v, json_type_string)) {
        *bad = true;
        return NULL;
    }
    return json_object_get_string(v);
}

int hln_gov_anchor_decode(const void *key, size_t klen, const void *val, size_t vlen,
                      hln_gov_anchor *out)
{
    if (!key || !out || vlen > 4096)
        return HLN_EDECODE;
    memset(out, 0, sizeof *out);
    out->level = HLN_TRUST_LEVEL_ANY;
    if (klen == HLN_KEY_LEN) {
        memcpy(out->id, key, HLN_KEY_LEN);
    } else if (klen == HLN_ID_TEXT_LEN) {
        char text[HLN_ID_TEXT_LEN + 1];
        memcpy(text, key, klen);
        text[klen] = '\0';
        if (hln_id_from_text(text, out->id) != 0)
            return HLN_EDECODE;
    } else {
        return HLN_EDECODE;
    }
    if (vlen == 0)
        return 0; /* a bare key: trusted, nothing else said */
    json_tokener *tok = json_tokener_new_ex(4);
    if (!tok)
        return HLN_ENOMEM;
    json_object *o = json_tokener_parse_ex(tok, val, (int)vlen);
    int rc = HLN_EDECODE;
    bool bad = false;
    if (!o || json_tokener_get_parse_end(tok) != vlen || !json_object_is_type(o, json_type_object))
        goto out;
    const char *name = opt_str(o, "name", &bad);
    const char *level = opt_str(o, "level", &bad);
    const char *j = opt_str(o, "jurisdiction", &bad);
    if (bad || (name && !hln_gov_name_valid(name, true)) || (!level != !j))
        goto out;
    if (name)
        snprintf(out->name, sizeof out->name, "%s", name);
    if (level) {
        uint32_t l;
        if (hln_level_parse(level, &l) != 0 || strlen(j) > HLN_SCOPE_MAX || !hln_level_fits(l, j))
            goto out;
        out->level = (int)l;
        snprintf(out->jurisdiction, sizeof out->jurisdiction, "%s", j);
    }
    json_object *at;
    if (json_object_object_get_ex(o, "added_ms", &at) && json_object_is_type(at, json_type_int) &&
        json_object_get_int64(at) > 0)
        out->added_ms = (uint64_t)json_object_get_int64(at);
    rc = 0;
out:
    json_object_put(o);
    json_tokener_free(tok);
    return rc;
}

typedef struct {
    hln_gov_anchor_cb cb;
    void *ctx;
    size_t skipped;
} anchor_walk;

static int anchor_one(void *ctx, const void *key, size_t klen, const void *val, size_t vlen)
{
    anchor_walk *w = ctx;
    hln_gov_anchor a;
    int rc = hln_gov_anchor_decode(key, klen, val, vlen, &a);
    if (rc == HLN_ENOMEM)
        return rc;
    if (rc) {
        w->skipped++;
        return 0;
    }
    return w->cb(w->ctx, &a);
}

int hln_gov_anchor_foreach(hln_store *s, hln_gov_anchor_cb cb, void *ctx, size_t *skipped)
{
    anchor_walk w = {cb, ctx, 0};
    int rc = hln_store_kv_foreach(s, HLN_TABLE_TRUST, anchor_one, &w);
    if (skipped)
        *skipped = w.skipped;
    return rc;
}

/* ---- the trust graph of a node ---- */

static int load_anchor(void *ctx, const hln_gov_anchor *a)
{
    int rc = hln_trust_add_anchor(ctx, a->id, a->name, a->level,
                                  a->level == HLN_TRUST_LEVEL_ANY ? NULL : a->jurisdiction);
    return rc == HLN_EEXIST || rc == HLN_EINVAL ? 0 : rc;
}

static int load_record(void *ctx, const hln_record *r)
{
    int rc = hln_trust_add_record(ctx, r);
    return rc == HLN_EDUP || rc == HLN_EINVAL ? 0 : rc;
}

static int load_fork(void *ctx, const hln_record *a, const hln_record *b)
{
    (void)b;
    int rc = hln_trust_flag(ctx, a->env.author, "fork");
    return rc == HLN_ETOOBIG ? 0 : rc; /* as load_flag: a full table must not hide the rest */
}

int hln_gov_flag_put(hln_store *s, const uint8_t key[HLN_KEY_LEN], const char *reason,
                     uint64_t at_ms)
{
    if (!s || !key || !reason || !hln_gov_name_valid(reason, true))
        return HLN_EINVAL;
    size_t have = 0;
    char probe[1];
    int rc = hln_store_kv_get(s, HLN_TABLE_FLAGS, key, HLN_KEY_LEN, probe, 0, &have);
    if (rc == 0)
        return 0; /* the first reason is the one that counts */
    if (rc != HLN_ENOTFOUND)
        return rc;
    json_object *o = json_object_new_object();
    if (!o)
        return HLN_ENOMEM;
    jstr(o, "reason", reason);
    jint(o, "at_ms", at_ms);
    size_t len = 0;
    const char *txt = json_object_to_json_string_length(o, JSON_C_TO_STRING_PLAIN, &len);
    rc = hln_store_kv_put(s, HLN_TABLE_FLAGS, key, HLN_KEY_LEN, txt, len);
    json_object_put(o);
    return rc;
}

/* The reason of one FLAGS entry, checked like untrusted input: a damaged
 * one still flags its key (the safe side), with the generic "flagged".
 * 0 or HLN_ENOMEM. */
static int flag_reason(const void *val, size_t vlen, char reason[HLN_NAME_MAX + 1])
{
    snprintf(reason, HLN_NAME_MAX + 1, "flagged");
    json_tokener *tok = json_tokener_new_ex(4);
    if (!tok)
        return HLN_ENOMEM;
    json_object *o = vlen <= 4096 ? json_tokener_parse_ex(tok, val, (int)vlen) : NULL;
    bool bad = false;
    const char *r =
        o && json_object_is_type(o, json_type_object) ? opt_str(o, "reason", &bad) : NULL;
    if (r && !bad && hln_gov_name_valid(r, false))
        snprintf(reason, HLN_NAME_MAX + 1, "%s", r);
    json_object_put(o);
    json_tokener_free(tok);
    return 0;
}

static int load_flag(void *ctx, const void *key, size_t klen, const void *val, size_t vlen)
{
    if (klen != HLN_KEY_LEN)
        return 0;
    char reason[HLN_NAME_MAX + 1];
    int rc = flag_reason(val, vlen, reason);
    if (rc)
        return rc;
    rc = hln_trust_flag(ctx, key, reason);
    return rc == HLN_ETOOBIG ? 0 : rc;
}

/* The node's own jurisdiction for trust: the global level stands for
 * "global" (hlnctl init keeps no jurisdiction for it). */
const char *hln_gov_self_jurisdiction(const hln_node_info *info)
{
    if (info->level == HLN_LEVEL_GLOBAL)
        return "global";
    return info->jurisdiction[0] ? info->jurisdiction : NULL;
}

/* The node's trust graph: itself, its anchors, the governance records
 * `fill` puts in, then the flags of forked and flagged authors. */
typedef int (*gov_fill_fn)(hln_trust *t, hln_store *s);

static int trust_load(hln_node *n, gov_fill_fn fill, hln_trust **out)
{
    *out = NULL;
    hln_trust *t = hln_trust_new();
    if (!t)
        return HLN_ENOMEM;
    const hln_node_info *info = hln_node_get_info(n);
    const char *j = hln_gov_self_jurisdiction(info);
    if (j)
        hln_trust_set_self(t, hln_node_pk(n), info->level, j);
    hln_store *s = hln_node_store(n);
    int rc = hln_gov_anchor_foreach(s, load_anchor, t, NULL);
    if (!rc)
        rc = fill(t, s);
    if (!rc)
        rc = hln_store_foreach_fork(s, load_fork, t);
    if (!rc)
        rc = hln_store_kv_foreach(s, HLN_TABLE_FLAGS, load_flag, t);
    if (rc) {
        hln_trust_destroy(&t);
        return rc;
    }
    *out = t;
    return 0;
}

static int fill_all(hln_trust *t, hln_store *s)
{
    return hln_store_foreach_gov(s, load_record, t);
}

int hln_gov_trust_load(hln_node *n, hln_trust **out)
{
    return trust_load(n, fill_all, out);
}

/* ---- the part of the trust graph that judges policy records ---- */

/* What is kept of each member record while the walk finds which are
 * needed, and of each revocation (rotations pass standing to a successor). */
typedef struct {
    uint8_t subject[HLN_KEY_LEN], author[HLN_KEY_LEN], id[HLN_HASH_LEN];
} mem_ref;

typedef struct {
    uint8_t subject[HLN_KEY_LEN], author[HLN_KEY_LEN], successor[HLN_KEY_LEN];
    bool rotate;
} rev_ref;

/* A set of keys, open addressing, with the order they came in as a work
 * list. Subjects are any 32 bytes a record names, so slots are chosen by
 * a hash of the whole key that no record can aim at; the set holds the
 * keys a policy's judgement reaches, a few dozen in a country. */
typedef struct {
    uint8_t (*keys)[HLN_KEY_LEN]; /* in order of arrival */
    size_t n, cap_keys;
    uint32_t *slot; /* index + 1 into keys, 0 when free */
    size_t nslot;   /* a power of two, more than twice n */
} key_set;

static size_t key_hash(const uint8_t *k, size_t mask)
{
    uint8_t d[HLN_HASH_LEN];
    uint64_t h;
    hln_hash(k, HLN_KEY_LEN, d);
    memcpy(&h, d, sizeof h);
    return (size_t)h & mask;
}

static int key_set_add(key_set *ks, const uint8_t *k)
{
    if (ks->nslot) {
        for (size_t i = key_hash(k, ks->nslot - 1);; i = (i + 1) & (ks->nslot - 1)) {
            if (!ks->slot[i])
                break;
            if (memcmp(ks->keys[ks->slot[i] - 1], k, HLN_KEY_LEN) == 0)
                return 0;
        }
    }
    if (ks->n >= UINT32_MAX - 1)
        return HLN_ETOOBIG;
    if (2 * (ks->n + 1) >= ks->nslot) { /* grow and rehash */
        size_t ns = ks->nslot ? 2 * ks->nslot : 64;
        uint32_t *sl = calloc(ns, sizeof *sl);
        if (!sl)
            return HLN_ENOMEM;
        for (size_t j = 0; j < ks->n; j++) {
            size_t i = key_hash(ks->keys[j], ns - 1);
            while (sl[i])
                i = (i + 1) & (ns - 1);
            sl[i] = (uint32_t)j + 1;
        }
        free(ks->slot);
        ks->slot = sl, ks->nslot = ns;
    }
    int rc = hln_util_grow((void **)&ks->keys, &ks->cap_keys, ks->n + 1, HLN_KEY_LEN);
    if (rc)
        return rc;
    memcpy(ks->keys[ks->n], k, HLN_KEY_LEN);
    size_t i = key_hash(k, ks->nslot - 1);
    while (ks->slot[i])
        i = (i + 1) & (ks->nslot - 1);
    ks->slot[i] = (uint32_t)++ks->n;
    return 0;
}

typedef struct {
    hln_trust *t;
    mem_ref *mems;
    size_t n_mems, cap_mems;
    rev_ref *revs;
    size_t n_revs, cap_revs;
    rev_ref *rots; /* the rotations among revs, by successor */
    size_t n_rots;
    key_set want; /* keys whose standing the judgement of a policy can reach */
} policy_walk;

static int policy_one(void *ctx, const hln_record *r)
{
    policy_walk *w = ctx;
    int rc;
    if (!r->has_body)
        return 0; /* erased: it decides nothing, as hln_trust_add_record has it */
    if (r->env.type == HLN_REC_MEMBER) {
        if ((rc = hln_util_grow((void **)&w->mems, &w->cap_mems, w->n_mems + 1, sizeof *w->mems)))
            return rc;
        mem_ref *m = &w->mems[w->n_mems++];
        memcpy(m->subject, r->body.member.subject, HLN_KEY_LEN);
        memcpy(m->author, r->env.author, HLN_KEY_LEN);
        memcpy(m->id, r->id, HLN_HASH_LEN);
        return 0;
    }
    if (r->env.type == HLN_REC_REVOKE) {
        if ((rc = hln_util_grow((void **)&w->revs, &w->cap_revs, w->n_revs + 1, sizeof *w->revs)))
            return rc;
        rev_ref *v = &w->revs[w->n_revs++];
        memcpy(v->subject, r->body.revoke.subject, HLN_KEY_LEN);
        memcpy(v->author, r->env.author, HLN_KEY_LEN);
        memcpy(v->successor, r->body.revoke.successor, HLN_KEY_LEN);
        v->rotate = r->body.revoke.rotate;
    } else if ((rc = key_set_add(&w->want, r->env.author))) { /* a policy */
        return rc;
    }
    return load_record(w->t, r);
}

static int cmp_mem_subject(const void *a, const void *b)
{
    return memcmp(((const mem_ref *)a)->subject, ((const mem_ref *)b)->subject, HLN_KEY_LEN);
}

static int cmp_rev_subject(const void *a, const void *b)
{
    return memcmp(((const rev_ref *)a)->subject, ((const rev_ref *)b)->subject, HLN_KEY_LEN);
}

static int cmp_rev_successor(const void *a, const void *b)
{
    return memcmp(((const rev_ref *)a)->successor, ((const rev_ref *)b)->successor, HLN_KEY_LEN);
}

/* The keys a standing of `k` rests on, added to the set: the issuers of
 * its memberships (marked needed), the authors of revocations about it,
 * and where it succeeds another key by rotation, that key and the
 * rotation's author. */
static int reach(policy_walk *w, const uint8_t *k, bool *needed)
{
    mem_ref probe;
    memcpy(probe.subject, k, HLN_KEY_LEN);
    const mem_ref *hit =
        w->n_mems ? bsearch(&probe, w->mems, w->n_mems, sizeof *w->mems, cmp_mem_subject) : NULL;
    int rc = 0;
    if (hit) {
        size_t i = (size_t)(hit - w->mems);
        while (i > 0 && memcmp(w->mems[i - 1].subject, k, HLN_KEY_LEN) == 0)
            i--;
        for (; i < w->n_mems && memcmp(w->mems[i].subject, k, HLN_KEY_LEN) == 0 && !rc; i++) {
            needed[i] = true;
            rc = key_set_add(&w->want, w->mems[i].author);
        }
    }
    /* Revocations about k (sorted by subject), then rotations to k (the
     * same records, sorted by successor). */
    rev_ref rp;
    memcpy(rp.subject, k, HLN_KEY_LEN);
    memcpy(rp.successor, k, HLN_KEY_LEN);
    for (int pass = 0; pass < 2 && !rc; pass++) {
        const rev_ref *base = pass ? w->rots : w->revs;
        size_t nb = pass ? w->n_rots : w->n_revs;
        int (*cmp)(const void *, const void *) = pass ? cmp_rev_successor : cmp_rev_subject;
        const rev_ref *v = nb ? bsearch(&rp, base, nb, sizeof *base, cmp) : NULL;
        if (!v)
            continue;
        while (v > base && cmp(v - 1, &rp) == 0)
            v--;
        for (; v < base + nb && cmp(v, &rp) == 0 && !rc; v++)
            if (!(rc = key_set_add(&w->want, v->author)) && pass)
                rc = key_set_add(&w->want, v->subject);
    }
    return rc;
}

/* The policies and revocations, and of the member records those that a
 * policy author's standing rests on. */
static int fill_policy(hln_trust *t, hln_store *s)
{
    policy_walk w;
    memset(&w, 0, sizeof w);
    w.t = t;
    bool *needed = NULL;
    hln_record *r = NULL;
    int rc = hln_store_foreach_gov_of(s,
                                      HLN_STORE_GOV_TYPE(HLN_REC_MEMBER) |
                                          HLN_STORE_GOV_TYPE(HLN_REC_REVOKE) |
                                          HLN_STORE_GOV_TYPE(HLN_REC_POLICY),
                                      policy_one, &w);
    if (!rc && w.n_mems && !(needed = calloc(w.n_mems, sizeof *needed)))
        rc = HLN_ENOMEM;
    if (!rc) {
        if (w.n_mems > 1)
            qsort(w.mems, w.n_mems, sizeof *w.mems, cmp_mem_subject);
        if (w.n_revs > 1)
            qsort(w.revs, w.n_revs, sizeof *w.revs, cmp_rev_subject);
        if (w.n_revs && !(w.rots = malloc(w.n_revs * sizeof *w.rots)))
            rc = HLN_ENOMEM;
        for (size_t i = 0; i < w.n_revs && !rc; i++)
            if (w.revs[i].rotate)
                w.rots[w.n_rots++] = w.revs[i];
        if (w.n_rots > 1)
            qsort(w.rots, w.n_rots, sizeof *w.rots, cmp_rev_successor);
        /* The set grows while it is walked: every key it takes in is a
         * key some standing already in it rests on. */
        for (size_t i = 0; i < w.want.n && !rc; i++) {
            uint8_t k[HLN_KEY_LEN];
            memcpy(k, w.want.keys[i], HLN_KEY_LEN); /* keys may move as the set grows */
            rc = reach(&w, k, needed);
        }
    }
    if (!rc && w.n_mems && !(r = malloc(sizeof *r)))
        rc = HLN_ENOMEM;
    for (size_t i = 0; i < w.n_mems && !rc; i++) {
        if (!needed[i])
            continue;
        if ((rc = hln_store_get(s, w.mems[i].id, r)) == 0)
            rc = load_record(t, r);
        else if (rc == HLN_ENOTFOUND || rc == HLN_EDECODE || rc == HLN_EHASH)
            rc = HLN_ESTORE; /* the governance index names a record the store lacks */
    }
    free(r);
    free(needed);
    free(w.mems);
    free(w.revs);
    free(w.rots);
    free(w.want.keys);
    free(w.want.slot);
    return rc;
}

int hln_gov_trust_load_policy(hln_node *n, hln_trust **out)
{
    return trust_load(n, fill_policy, out);
}

/* ---- forks and flags, for status ---- */

typedef struct {
    uint8_t author[HLN_KEY_LEN];
    char scope[HLN_SCOPE_MAX + 1];
    uint64_t seq;
} fork_ent;

typedef struct {
    uint8_t key[HLN_KEY_LEN];
    char reason[HLN_NAME_MAX + 1];
} flag_row;

typedef struct {
    fork_ent *listed; /* the first HLN_GOV_STATUS_LIST_MAX proofs */
    size_t n_listed;
    uint64_t n; /* every proof held */
    uint8_t (*authors)[HLN_KEY_LEN]; /* distinct authors with a proof, in key order */
    size_t n_authors, cap_authors;
    flag_row *flags; /* FLAGS entries, in key order */
    size_t n_flags, cap_flags;
} flags_walk;

static int walk_fork(void *ctx, const hln_record *a, const hln_record *b)
{
    (void)b;
    flags_walk *w = ctx;
    w->n++;
    if (w->n_listed < HLN_GOV_STATUS_LIST_MAX) {
        fork_ent *e = &w->listed[w->n_listed++];
        memcpy(e->author, a->env.author, HLN_KEY_LEN);
        snprintf(e->scope, sizeof e->scope, "%s", a->env.scope);
        e->seq = a->env.seq;
    }
    /* Proofs come in key order, which starts with the author. */
    if (w->n_authors && memcmp(w->authors[w->n_authors - 1], a->env.author, HLN_KEY_LEN) == 0)
        return 0;
    int rc = hln_util_grow((void **)&w->authors, &w->cap_authors, w->n_authors + 1, HLN_KEY_LEN);
    if (rc)
        return rc;
    memcpy(w->authors[w->n_authors++], a->env.author, HLN_KEY_LEN);
    return 0;
}

static int walk_flag(void *ctx, const void *key, size_t klen, const void *val, size_t vlen)
{
    flags_walk *w = ctx;
    if (klen != HLN_KEY_LEN)
        return 0;
    int rc = hln_util_grow((void **)&w->flags, &w->cap_flags, w->n_flags + 1, sizeof *w->flags);
    if (rc)
        return rc;
    flag_row *f = &w->flags[w->n_flags];
    memcpy(f->key, key, HLN_KEY_LEN);
    if ((rc = flag_reason(val, vlen, f->reason)))
        return rc;
    w->n_flags++;
    return 0;
}

static bool has_fork(const flags_walk *w, const uint8_t key[HLN_KEY_LEN])
{
    size_t lo = 0, hi = w->n_authors;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = memcmp(w->authors[mid], key, HLN_KEY_LEN);
        if (c == 0)
            return true;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return false;
}

/* The name the trust graph knows for `key` (an anchor's, a member
 * record's), or NULL. */
static const char *known_name(hln_trust *t, const uint8_t key[HLN_KEY_LEN], uint64_t now_ms,
                              hln_trust_info *info)
{
    int rc = hln_trust_member(t, key, now_ms, info);
    return (rc == 0 || rc == HLN_ETRUST) && info->name[0] ? info->name : NULL;
}

static json_object *flagged_json(hln_trust *t, const uint8_t key[HLN_KEY_LEN], const char *reason,
                                 uint64_t now_ms, hln_trust_info *info)
{
    char idt[HLN_ID_TEXT_LEN + 1];
    id_text(key, idt);
    json_object *x = json_object_new_object();
    jstr(x, "author", idt);
    jstr(x, "name", known_name(t, key, now_ms, info));
    jstr(x, "reason", reason);
    return x;
}

int hln_gov_status_flags(hln_node *n, hln_trust *t, uint64_t now_ms, json_object *into)
{
    if (!n || !into)
        return HLN_EINVAL;
    hln_store *s = hln_node_store(n);
    flags_walk w;
    memset(&w, 0, sizeof w);
    hln_trust *own = NULL;
    hln_trust_info *info = malloc(sizeof *info);
    int rc = HLN_ENOMEM;
    if (!info || !(w.listed = malloc(HLN_GOV_STATUS_LIST_MAX * sizeof *w.listed)))
        goto out;
    if ((rc = hln_store_foreach_fork(s, walk_fork, &w)) ||
        (rc = hln_store_kv_foreach(s, HLN_TABLE_FLAGS, walk_flag, &w)))
        goto out;
    /* Names come from the trust graph; hlnctl builds one (reading every
     * record held) only when there is someone to name. */
    if (!t && (w.n || w.n_flags)) {
        if ((rc = hln_gov_trust_load(n, &own)))
            goto out;
        t = own;
    }
    json_object *forks = json_object_new_array();
    for (size_t i = 0; i < w.n_listed; i++) {
        const fork_ent *e = &w.listed[i];
        char idt[HLN_ID_TEXT_LEN + 1];
        id_text(e->author, idt);
        json_object *x = json_object_new_object();
        jstr(x, "author", idt);
        jstr(x, "name", known_name(t, e->author, now_ms, info));
        jstr(x, "scope", e->scope);
        jint(x, "seq", e->seq);
        json_object_array_add(forks, x);
    }
    /* Flagged: every author with a proof ("fork", as hln_gov_trust_load
     * has it: the first reason is kept and forks come first) and every
     * other FLAGS entry, merged in key order. */
    json_object *flagged = json_object_new_array();
    size_t i = 0, j = 0, listed = 0;
    uint64_t total = 0;
    while (i < w.n_authors || j < w.n_flags) {
        if (j < w.n_flags && has_fork(&w, w.flags[j].key)) {
            j++;
            continue;
        }
        bool fork = j >= w.n_flags ||
                    (i < w.n_authors && memcmp(w.authors[i], w.flags[j].key, HLN_KEY_LEN) < 0);
        const uint8_t *key = fork ? w.authors[i] : w.flags[j].key;
        const char *reason = fork ? "fork" : w.flags[j].reason;
        if (listed < HLN_GOV_STATUS_LIST_MAX) {
            json_object_array_add(flagged, flagged_json(t, key, reason, now_ms, info));
            listed++;
        }
        total++;
        if (fork)
            i++;
        else
            j++;
    }
    jint(into, "fork_proofs", w.n);
    json_object_object_add(into, "forks", forks);
    jint(into, "flagged_authors", total);
    json_object_object_add(into, "flagged", flagged);
    rc = 0;
out:
    hln_trust_destroy(&own);
    free(info);
    free(w.listed);
    free(w.authors);
    free(w.flags);
    return rc;
}

/* A rotation that would hand nothing on is refused before it is written:
 * learnt by a copy of the trust graph, its successor must then stand
 * through it (docs/GOVERNANCE.md §5a). HLN_ETRUST with the reason. */
static int rotation_takes_effect(hln_trust *t, const hln_record *r, char *why, size_t len)
{
    const hln_revoke *v = &r->body.revoke;
    if (memcmp(v->subject, r->env.author, HLN_KEY_LEN) == 0) {
        snprintf(why, len,
                 "a key rotating itself hands nothing on: the authority that "
                 "admitted it rotates it");
        return HLN_ETRUST;
    }
    hln_trust_info old;
    int rc = hln_trust_member(t, v->subject, r->env.timestamp_ms, &old);
    if (rc == HLN_ENOTFOUND || (rc && old.status == HLN_TRUST_UNTRUSTED)) {
        snprintf(why, len, "the old key is not a member here");
        return HLN_ETRUST;
    }
    if ((rc = hln_trust_add_record(t, r)) != 0)
        return rc;
    uint64_t at = v->from_ms > old.valid_from_ms ? v->from_ms : old.valid_from_ms;
    hln_trust_info now;
    if (hln_trust_member(t, v->successor, at, &now) != 0 || !now.has_issuer ||
        memcmp(now.issuer, r->env.author, HLN_KEY_LEN) != 0) {
        snprintf(why, len,
                 "this node may not rotate that key: only an authority that could "
                 "admit its membership may (the old key in force at the rotation)");
        return HLN_ETRUST;
    }
    return 0;
}

int hln_gov_author(hln_node *n, uint32_t type, const hln_body *body, const char *scope,
                   uint64_t *seq, uint64_t *ts_ms, char *why, size_t whylen)
{
    if (why && whylen)
        why[0] = '\0';
    hln_trust *t = NULL;
    int rc = hln_gov_trust_load(n, &t);
    if (rc)
        return rc;
    uint64_t ts = hln_util_wall_ms();
    hln_record *r = calloc(1, sizeof *r);
    if (!r) {
        hln_trust_destroy(&t);
        return HLN_ENOMEM;
    }
    hln_record_init(r, (hln_rec_type)type, hln_node_pk(n), scope, 1, NULL, ts);
    r->body = *body;
    char reason[160] = "";
    rc = hln_trust_may_author(t, r, reason, sizeof reason);
    if (rc == 0 && type == HLN_REC_REVOKE && body->revoke.rotate)
        rc = rotation_takes_effect(t, r, reason, sizeof reason);
    free(r);
    hln_trust_destroy(&t);
    if (rc) {
        hln_util_seterr(why, whylen, "%s", reason[0] ? reason : hln_strerror(rc));
        return HLN_ETRUST;
    }
    hln_node_item item;
    memset(&item, 0, sizeof item);
    item.type = type;
    item.body = *body;
    uint64_t s = 0;
    rc = hln_node_append(n, scope, &item, 1, ts, &s, why, whylen);
    if (rc)
        return rc;
    if (seq)
        *seq = s;
    if (ts_ms)
        *ts_ms = ts;
    return 0;
}

/* ---- rotation ---- */

int hln_gov_add_close(hln_revoke *v, const hln_close *c)
{
    uint32_t i = 0;
    while (i < v->n_closes && strcmp(v->closes[i].scope, c->scope) < 0)
        i++;
    if (i < v->n_closes && strcmp(v->closes[i].scope, c->scope) == 0)
        return HLN_EEXIST;
    if (v->n_closes >= HLN_ROTATE_CLOSES_MAX)
        return HLN_ETOOBIG;
    memmove(&v->closes[i + 1], &v->closes[i], (v->n_closes - i) * sizeof v->closes[0]);
    v->closes[i] = *c;
    v->n_closes++;
    return 0;
}

typedef struct {
    const uint8_t *author;
    hln_revoke v; /* only its closes are used */
    int rc;
} heads_ctx;

static int held_head(void *ctx, const hln_feed_id *feed, uint64_t seq,
                     const uint8_t id[HLN_HASH_LEN])
{
    (void)id;
    heads_ctx *h = ctx;
    if (memcmp(feed->author, h->author, HLN_KEY_LEN) != 0)
        return 0;
    hln_close c;
    memset(&c, 0, sizeof c);
    snprintf(c.scope, sizeof c.scope, "%s", feed->scope);
    c.seq = seq;
    int rc = hln_gov_add_close(&h->v, &c);
    return rc == HLN_EEXIST ? 0 : rc;
}

int hln_gov_held_heads(hln_store *s, const uint8_t author[HLN_KEY_LEN],
                       hln_close out[HLN_ROTATE_CLOSES_MAX], uint32_t *n)
{
    if (!s || !author || !out || !n)
        return HLN_EINVAL;
    heads_ctx h;
    memset(&h, 0, sizeof h);
    h.author = author;
    int rc = hln_store_foreach_head(s, held_head, &h);
    if (rc)
        return rc;
    memcpy(out, h.v.closes, sizeof h.v.closes);
    *n = h.v.n_closes;
    return 0;
}

int hln_gov_parse_close(const char *text, hln_close *c, char *why, size_t whylen)
{
    memset(c, 0, sizeof *c);
    const char *colon = text ? strchr(text, ':') : NULL;
    size_t sl = colon ? (size_t)(colon - text) : 0;
    if (!colon || sl == 0 || sl > HLN_SCOPE_MAX || !hln_code_scope(text, sl)) {
        snprintf(why, whylen, "'%s' is not SCOPE:SEQ with SCOPE global or an ISO 3166 code",
                 text ? text : "");
        return HLN_EINVAL;
    }
    memcpy(c->scope, text, sl);
    const char *d = colon + 1;
    size_t dl = strlen(d);
    bool digits = dl > 0 && dl <= 19 && strspn(d, "0123456789") == dl;
    if (digits)
        c->seq = strtoull(d, NULL, 10);
    if (!digits) {
        snprintf(why, whylen, "'%s': SEQ must be a whole number (0: nothing stays valid)", text);
        return HLN_EINVAL;
    }
    return 0;
}
