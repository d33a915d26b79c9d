/* learn.c - the learning records a node holds: collaboratives, targets, lessons (docs/GOVERNANCE.md §6). */
#include "node/learn.h"

#include <stdlib.h>
#include <string.h>

#include "crypto/err.h"
#include "node/util.h"
#include "proto/codes.h"

struct hln_learn {
    hln_learn_collab *collabs;
    size_t n_collabs, cap_collabs;
    hln_learn_target *targets;
    size_t n_targets, cap_targets;
    hln_learn_lesson *lessons;
    size_t n_lessons, cap_lessons;
    /* retractions: (author, target id) */
    uint8_t (*retracts)[2 * HLN_HASH_LEN];
    size_t n_retracts, cap_retracts;
};

typedef struct {
    hln_learn *l;
    hln_trust *t;
} load_ctx;

static void origin_of(const hln_record *r, hln_learn_origin *o)
{
    memcpy(o->author, r->env.author, HLN_KEY_LEN);
    memcpy(o->scope, r->env.scope, sizeof o->scope);
    o->seq = r->env.seq;
    o->timestamp_ms = r->env.timestamp_ms;
    memcpy(o->id, r->id, HLN_HASH_LEN);
}

/* a later than b: record time, then seq, then id. */
static bool later(const hln_learn_origin *a, const hln_learn_origin *b)
{
    if (a->timestamp_ms != b->timestamp_ms)
        return a->timestamp_ms > b->timestamp_ms;
    if (a->seq != b->seq)
        return a->seq > b->seq;
    return memcmp(a->id, b->id, HLN_HASH_LEN) > 0;
}

static int add_collab(hln_learn *l, const hln_record *r)
{
    hln_learn_origin o;
    origin_of(r, &o);
    const hln_collaborative *c = &r->body.collaborative;
    for (size_t i = 0; i < l->n_collabs; i++) {
        hln_learn_collab *e = &l->collabs[i];
        if (strcmp(e->c.code, c->code) != 0)
            continue;
        if (memcmp(e->o.author, o.author, HLN_KEY_LEN) == 0) {
            if (o.timestamp_ms < e->created_ms)
                e->created_ms = o.timestamp_ms;
            if (later(&o, &e->o))
                e->o = o, e->c = *c;
            return 0;
        }
        /* Another authority's code: the first to create it owns it. */
        bool first = o.timestamp_ms < e->created_ms ||
                     (o.timestamp_ms == e->created_ms && memcmp(o.id, e->o.id, HLN_HASH_LEN) < 0);
        if (first)
            e->o = o, e->c = *c, e->created_ms = o.timestamp_ms;
        return 0;
    }
    if (hln_util_grow((void **)&l->collabs, &l->cap_collabs, l->n_collabs + 1, sizeof *l->collabs))
        return HLN_ENOMEM;
    hln_learn_collab *e = &l->collabs[l->n_collabs++];
    e->o = o;
    e->c = *c;
    e->created_ms = o.timestamp_ms;
    return 0;
}

static int add_target(hln_learn *l, const hln_record *r)
{
    hln_learn_origin o;
    origin_of(r, &o);
    const hln_target *t = &r->body.target;
    for (size_t i = 0; i < l->n_targets; i++) {
        hln_learn_target *e = &l->targets[i];
        if (memcmp(e->o.author, o.author, HLN_KEY_LEN) == 0 && strcmp(e->o.scope, o.scope) == 0 &&
            strcmp(e->t.collaborative, t->collaborative) == 0 &&
            strcmp(e->t.indicator, t->indicator) == 0 && strcmp(e->t.stratum, t->stratum) == 0) {
            if (later(&o, &e->o))
                e->o = o, e->t = *t;
            return 0;
        }
    }
    if (hln_util_grow((void **)&l->targets, &l->cap_targets, l->n_targets + 1, sizeof *l->targets))
        return HLN_ENOMEM;
    l->targets[l->n_targets].o = o;
    l->targets[l->n_targets++].t = *t;
    return 0;
}

static int load_cb(void *ctx, const hln_record *r)
{
    load_ctx *c = ctx;
    hln_learn *l = c->l;
    uint32_t type = r->env.type;
    if (type == HLN_REC_RETRACT && r->has_body) {
        if (hln_util_grow((void **)&l->retracts, &l->cap_retracts, l->n_retracts + 1,
                          sizeof *l->retracts))
            return HLN_ENOMEM;
        memcpy(l->retracts[l->n_retracts], r->env.author, HLN_KEY_LEN);
        memcpy(l->retracts[l->n_retracts++] + HLN_KEY_LEN, r->body.retract.target, HLN_HASH_LEN);
        return 0;
    }
    if ((type != HLN_REC_COLLABORATIVE && type != HLN_REC_TARGET && type != HLN_REC_LESSON) ||
        !r->has_body)
        return 0;
    /* The store holds what sync accepted, but a node's own records and a
     * trust view that changed since are judged again here. */
    if (c->t && hln_trust_may_author(c->t, r, NULL, 0) != 0)
        return 0;
    if (type == HLN_REC_COLLABORATIVE)
        return add_collab(l, r);
    if (type == HLN_REC_TARGET)
        return add_target(l, r);
    if (hln_util_grow((void **)&l->lessons, &l->cap_lessons, l->n_lessons + 1, sizeof *l->lessons))
        return HLN_ENOMEM;
    hln_learn_lesson *e = &l->lessons[l->n_lessons++];
    memset(e, 0, sizeof *e);
    origin_of(r, &e->o);
    e->l = r->body.lesson;
    return 0;
}

static int cmp_collab(const void *a, const void *b)
{
    return strcmp(((const hln_learn_collab *)a)->c.code, ((const hln_learn_collab *)b)->c.code);
}

static int cmp_origin(const hln_learn_origin *a, const hln_learn_origin *b)
{
    if (a->timestamp_ms != b->timestamp_ms)
        return a->timestamp_ms < b->timestamp_ms ? -1 : 1;
    return memcmp(a->id, b->id, HLN_HASH_LEN);
}

static int cmp_target(const void *a, const void *b)
{
    return cmp_origin(&((const hln_learn_target *)a)->o, &((const hln_learn_target *)b)->o);
}

static int cmp_lesson(const void *a, const void *b)
{
    return cmp_origin(&((const hln_learn_lesson *)a)->o, &((const hln_learn_lesson *)b)->o);
}

int hln_learn_load(hln_store *s, hln_trust *t, hln_learn **out)
{
    hln_learn *l = calloc(1, sizeof *l);
    if (!l)
        return HLN_ENOMEM;
    load_ctx c = {l, t};
    int rc = hln_store_foreach_record(s, load_cb, &c);
    if (rc) {
        hln_learn_destroy(&l);
        return rc;
    }
    /* A retraction counts only from the lesson's own author. */
    for (size_t i = 0; i < l->n_lessons; i++)
        for (size_t k = 0; k < l->n_retracts; k++)
            if (memcmp(l->retracts[k], l->lessons[i].o.author, HLN_KEY_LEN) == 0 &&
                memcmp(l->retracts[k] + HLN_KEY_LEN, l->lessons[i].o.id, HLN_HASH_LEN) == 0)
                l->lessons[i].retracted = true;
    if (l->n_collabs)
        qsort(l->collabs, l->n_collabs, sizeof *l->collabs, cmp_collab);
    if (l->n_targets)
        qsort(l->targets, l->n_targets, sizeof *l->targets, cmp_target);
    if (l->n_lessons)
        qsort(l->lessons, l->n_lessons, sizeof *l->lessons, cmp_lesson);
    *out = l;
    return 0;
}

void hln_learn_destroy(hln_learn **l)
{
    if (!l || !*l)
        return;
    free((*l)->collabs);
    free((*l)->targets);
    free((*l)->lessons);
    free((*l)->retracts);
    free(*l);
    *l = NULL;
}

const hln_learn_collab *hln_learn_collabs(const hln_learn *l, size_t *n)
{
    *n = l->n_collabs;
    return l->collabs;
}

const hln_learn_target *hln_learn_targets(const hln_learn *l, size_t *n)
{
    *n = l->n_targets;
    return l->targets;
}

const hln_learn_lesson *hln_learn_lessons(const hln_learn *l, size_t *n)
{
    *n = l->n_lessons;
    return l->lessons;
}

const hln_learn_collab *hln_learn_collab_find(const hln_learn *l, const char *code)
{
    for (size_t i = 0; code && i < l->n_collabs; i++)
        if (strcmp(l->collabs[i].c.code, code) == 0)
            return &l->collabs[i];
    return NULL;
}

bool hln_learn_collab_has(const hln_learn_collab *c, const uint8_t key[HLN_KEY_LEN])
{
    for (uint32_t i = 0; c && i < c->c.n_members; i++)
        if (memcmp(c->c.members[i], key, HLN_KEY_LEN) == 0)
            return true;
    return false;
}

const hln_learn_target *hln_learn_target_for(const hln_learn *l, const char *indicator,
                                             const char *stratum, const hln_learn_collab *collab,
                                             const char *jurisdiction)
{
    const hln_learn_target *best = NULL;
    const char *st = stratum ? stratum : "";
    for (size_t i = 0; i < l->n_targets; i++) {
        const hln_learn_target *e = &l->targets[i];
        if (strcmp(e->t.indicator, indicator) != 0 || strcmp(e->t.stratum, st) != 0)
            continue;
        if (collab) {
            if (strcmp(e->t.collaborative, collab->c.code) != 0 ||
                memcmp(e->o.author, collab->o.author, HLN_KEY_LEN) != 0)
                continue;
        } else if (e->t.collaborative[0] ||
                   (jurisdiction && !hln_scope_within(jurisdiction, e->o.scope))) {
            continue;
        }
        /* The most specific scope, then the latest (targets are in time order). */
        if (!best || strlen(e->o.scope) >= strlen(best->o.scope))
            best = e;
    }
    return best;
}
