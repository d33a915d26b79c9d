/* authority.c - an authority that stands up in one step, and that passes the catalogue above it down its chain. */
#include "node/authority.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/err.h"
#include "proto/codes.h"
#include "node/gov.h"
#include "node/trust.h"
#include "node/util.h"

/* The scope of an authority's self-description (docs/GOVERNANCE.md §6):
 * nodes that anchor a national or global authority learn its level from a
 * record every country receives; a subnational one is known in its country. */
static void self_scope(const hln_node_info *info, char out[HLN_SCOPE_MAX + 1])
{
    if (info->level >= HLN_LEVEL_NATIONAL) {
        snprintf(out, HLN_SCOPE_MAX + 1, "global");
        return;
    }
    char c[3];
    hln_scope_country(info->jurisdiction, c);
    snprintf(out, HLN_SCOPE_MAX + 1, "%s", c);
}

int hln_authority_setup(hln_node *n, uint64_t *seq, char *why, size_t whylen)
{
    const hln_node_info *info = hln_node_get_info(n);
    const char *j = hln_gov_self_jurisdiction(info);
    if (info->level == HLN_LEVEL_ORGANIZATION || !j || !hln_level_fits(info->level, j)) {
        hln_util_seterr(why, whylen,
                        "an authority needs a level above organization and a jurisdiction "
                        "that fits it (init --level national --jurisdiction CA)");
        return HLN_EINVAL;
    }
    hln_gov_anchor a;
    memset(&a, 0, sizeof a);
    memcpy(a.id, hln_node_pk(n), HLN_KEY_LEN);
    snprintf(a.name, sizeof a.name, "%s", info->name);
    a.level = (int)info->level;
    snprintf(a.jurisdiction, sizeof a.jurisdiction, "%s", j);
    a.added_ms = hln_util_wall_ms();
    int rc = hln_gov_anchor_put(hln_node_store(n), &a);
    if (rc) {
        hln_util_seterr(why, whylen, "cannot save the node's own anchor: %s", hln_strerror(rc));
        return rc;
    }
    hln_body body;
    memset(&body, 0, sizeof body);
    hln_member *m = &body.member;
    memcpy(m->subject, hln_node_pk(n), HLN_KEY_LEN);
    snprintf(m->name, sizeof m->name, "%s", info->name);
    m->level = info->level;
    snprintf(m->jurisdiction, sizeof m->jurisdiction, "%s", j);
    m->roles = HLN_ROLE_PUBLISH | HLN_ROLE_ADMIT | HLN_ROLE_CATALOGUE;
    m->valid_from_ms = a.added_ms;
    char scope[HLN_SCOPE_MAX + 1];
    self_scope(info, scope);
    return hln_gov_author(n, HLN_REC_MEMBER, &body, scope, seq, NULL, why, whylen);
}

/* ---- adopting a catalogue ---- */

typedef struct {
    const uint8_t *self;
    hln_indicator *v; /* this node's own definitions, every version */
    size_t n, cap;
} own_defs;

static int own_def_cb(void *ctx, const hln_record *r)
{
    own_defs *o = ctx;
    if (r->env.type != HLN_REC_INDICATOR || !r->has_body ||
        memcmp(r->env.author, o->self, HLN_KEY_LEN) != 0)
        return 0;
    if (o->n == o->cap) {
        size_t cap = o->cap ? o->cap * 2 : 16;
        hln_indicator *v = realloc(o->v, cap * sizeof *v);
        if (!v)
            return HLN_ENOMEM;
        o->v = v;
        o->cap = cap;
    }
    o->v[o->n++] = r->body.indicator;
    return 0;
}

/* 1: this node signed that code at that version already (adopted before);
 * -1: at a later version (its own definition, which the one above outranks
 * anyway, docs/GOVERNANCE.md §9: re-signing an older version would not be
 * seen); 0: not yet. */
static int adopted_already(const own_defs *o, const hln_indicator *d)
{
    int a = 0;
    for (size_t i = 0; i < o->n; i++) {
        if (strcmp(o->v[i].code, d->code) != 0)
            continue;
        if (o->v[i].version == d->version)
            return 1;
        if (o->v[i].version > d->version)
            a = -1;
    }
    return a;
}

int hln_authority_adopt(hln_node *n, const char *scope, hln_authority_adopt_result *res,
                        char *why, size_t whylen)
{
    memset(res, 0, sizeof *res);
    const hln_node_info *info = hln_node_get_info(n);
    if (info->level == HLN_LEVEL_ORGANIZATION || info->level == HLN_LEVEL_GLOBAL) {
        hln_util_seterr(why, whylen, "%s",
                        info->level == HLN_LEVEL_GLOBAL
                            ? "the global coordinator has no catalogue above it to adopt"
                            : "an organization may not author indicator records; its authority "
                              "adopts the catalogue for it");
        return HLN_EINVAL;
    }
    if (scope)
        snprintf(res->scope, sizeof res->scope, "%s", scope);
    else
        hln_node_default_scope(n, res->scope);
    if (strlen(res->scope) > HLN_SCOPE_MAX || !hln_code_scope(res->scope, strlen(res->scope))) {
        hln_util_seterr(why, whylen, "scope '%s' is not global or an ISO 3166 code", res->scope);
        return HLN_EINVAL;
    }
    hln_node_def *defs = NULL;
    size_t ndefs = 0;
    own_defs own = {.self = hln_node_pk(n)};
    hln_trust *t = NULL;
    hln_node_item *items = NULL;
    size_t nitems = 0;
    uint64_t now = hln_util_wall_ms();
    int rc = hln_node_definitions(n, &defs, &ndefs);
    if (!rc)
        rc = hln_store_foreach_record(hln_node_store(n), own_def_cb, &own);
    if (!rc)
        rc = hln_gov_trust_load(n, &t);
    if (!rc && ndefs && !(items = calloc(ndefs, sizeof *items)))
        rc = HLN_ENOMEM;
    if (rc) {
        hln_util_seterr(why, whylen, "store: %s", hln_strerror(rc));
        goto out;
    }
    for (size_t i = 0; i < ndefs; i++) {
        hln_indicator d;
        uint8_t author[HLN_KEY_LEN];
        hln_trust_info ai;
        /* The definition in force, as every node below would judge it. */
        if (hln_trust_indicator(t, defs[i].def.code, &d, author) != 0 ||
            memcmp(author, hln_node_pk(n), HLN_KEY_LEN) == 0 ||
            hln_trust_member(t, author, now, &ai) != 0 || ai.level == HLN_TRUST_LEVEL_ANY ||
            ai.level <= (int)info->level) {
            res->skipped++;
            continue;
        }
        int a = adopted_already(&own, &d);
        if (a == 1) {
            res->current++;
            continue;
        }
        if (a < 0) {
            res->skipped++;
            continue;
        }
        items[nitems].type = HLN_REC_INDICATOR;
        items[nitems].body.indicator = d;
        nitems++;
    }
    if (nitems) {
        /* Judge one copy as the network will: a refused record would stall
         * this node's feed everywhere. */
        hln_record *r = calloc(1, sizeof *r);
        if (!r) {
            rc = HLN_ENOMEM;
            goto out;
        }
        hln_record_init(r, HLN_REC_INDICATOR, hln_node_pk(n), res->scope, 1, NULL, now);
        r->body = items[0].body;
        char reason[160] = "";
        rc = hln_trust_may_author(t, r, reason, sizeof reason);
        free(r);
        if (rc) {
            hln_util_seterr(why, whylen, "%s", reason[0] ? reason : hln_strerror(rc));
            rc = HLN_ETRUST;
            goto out;
        }
        rc = hln_node_append(n, res->scope, items, nitems, now, &res->first_seq, why, whylen);
        if (rc)
            goto out;
        res->adopted = nitems;
    }
out:
    free(items);
    free(own.v);
    free(defs);
    hln_trust_destroy(&t);
    return rc;
}
