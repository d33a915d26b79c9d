/* bench_rules.c - who counts in a benchmark: the group and exclusion predicates from the trust view. */
#include "bench_rules.h"

#include <stdio.h>
#include <string.h>

#include "../crypto/err.h"
#include "../proto/codes.h"
#include "../proto/wire.h"

bool hln_bench_group_valid(const char *group)
{
    return group && hln_wire_group_valid(group, strlen(group));
}

int hln_bench_rules_init(hln_bench_rules *r, hln_node *node, hln_trust *trust, const char *group,
                         uint64_t now_ms)
{
    memset(r, 0, sizeof *r);
    if (!group)
        group = "all";
    if (!node || !hln_bench_group_valid(group))
        return HLN_EINVAL;
    r->node = node;
    r->trust = trust;
    r->now_ms = now_ms;
    snprintf(r->group, sizeof r->group, "%s", group);
    if (!strcmp(group, "all"))
        r->kind = 0;
    else if (!strncmp(group, "level:", 6)) {
        r->kind = 2;
        if (hln_level_parse(group + 6, &r->level) != 0)
            return HLN_EINVAL;
    } else
        r->kind = 1;
    return 0;
}

/* Membership, in force or not: the record stays its author's. */
static bool trust_info(hln_bench_rules *r, const uint8_t *author, hln_trust_info *ti)
{
    if (!r->trust)
        return false;
    int rc = hln_trust_member(r->trust, author, r->now_ms, ti);
    return rc == 0 || rc == HLN_ETRUST;
}

static bool is_self(hln_bench_rules *r, const uint8_t *author)
{
    return memcmp(author, hln_node_pk(r->node), HLN_KEY_LEN) == 0;
}

static bool in_group(void *ctx, const uint8_t author[HLN_KEY_LEN])
{
    hln_bench_rules *r = ctx;
    const hln_node_info *me = hln_node_get_info(r->node);
    hln_trust_info ti;
    bool known = trust_info(r, author, &ti);
    if (r->kind == 2) {
        if (known && ti.level >= 0)
            return (uint32_t)ti.level == r->level;
        return is_self(r, author) && me->level == r->level;
    }
    char j[HLN_SCOPE_MAX + 1] = "";
    if (known && ti.jurisdiction[0])
        snprintf(j, sizeof j, "%s", ti.jurisdiction);
    else if (is_self(r, author) && me->jurisdiction[0])
        snprintf(j, sizeof j, "%s", me->jurisdiction);
    /* "global" names no country: such authors belong to "all" only. */
    return hln_code_jurisdiction(j, strlen(j)) && hln_scope_within(j, r->group);
}

static bool excluded(void *ctx, const uint8_t author[HLN_KEY_LEN])
{
    hln_bench_rules *r = ctx;
    return (r->trust && hln_trust_flagged(r->trust, author)) ||
           hln_store_author_forked(hln_node_store(r->node), author);
}

void hln_bench_rules_apply(hln_bench_rules *r, hln_bench_query *q)
{
    q->group = r->group;
    q->in_group = r->kind ? in_group : NULL;
    q->group_ctx = r;
    q->excluded = excluded;
    q->excluded_ctx = r;
}
