/* bench_view.c - who counts in a benchmark as one node sees it, and its comparison groups. */
#include "node/bench_view.h"

#include <stdio.h>
#include <string.h>

#include "crypto/err.h"
#include "proto/codes.h"

bool hln_bench_view_excluded(void *ctx, const uint8_t author[HLN_KEY_LEN])
{
    hln_bench_view *v = ctx;
    if (hln_trust_flagged(v->trust, author) ||
        hln_store_author_forked(hln_node_store(v->node), author))
        return true;
    hln_trust_info ti;
    int rc = hln_trust_member(v->trust, author, v->now_ms, &ti);
    if (rc == 0)
        return false;
    /* Known but not in force now: it stood once, so the records it wrote
     * then were accepted and stay evidence. Whether it stands *now* must
     * not matter, or two nodes would disagree by the minute. */
    if (rc == HLN_ETRUST)
        return !(ti.status == HLN_TRUST_NOT_YET || ti.status == HLN_TRUST_EXPIRED ||
                 ti.status == HLN_TRUST_REVOKED);
    return true;
}

bool hln_bench_view_successor(void *ctx, const uint8_t key[HLN_KEY_LEN], uint8_t next[HLN_KEY_LEN])
{
    hln_bench_view *v = ctx;
    hln_trust_info ti;
    int rc = hln_trust_member(v->trust, key, v->now_ms, &ti);
    if ((rc != 0 && rc != HLN_ETRUST) || !ti.rotated)
        return false;
    memcpy(next, ti.successor, HLN_KEY_LEN);
    return true;
}

bool hln_bench_view_where(hln_bench_view *v, const uint8_t author[HLN_KEY_LEN], uint32_t *level,
                          char jurisdiction[HLN_SCOPE_MAX + 1])
{
    hln_trust_info ti;
    int rc = hln_trust_member(v->trust, author, v->now_ms, &ti);
    if ((rc == 0 || rc == HLN_ETRUST) && ti.level != HLN_TRUST_LEVEL_ANY && ti.jurisdiction[0]) {
        *level = (uint32_t)ti.level;
        snprintf(jurisdiction, HLN_SCOPE_MAX + 1, "%s", ti.jurisdiction);
        return true;
    }
    /* The node's own settings stand until its member record arrives (as
     * the report does). */
    const hln_node_info *me = hln_node_get_info(v->node);
    if (!memcmp(author, hln_node_pk(v->node), HLN_KEY_LEN) &&
        (me->jurisdiction[0] || me->level == HLN_LEVEL_GLOBAL)) {
        *level = me->level;
        snprintf(jurisdiction, HLN_SCOPE_MAX + 1, "%s",
                 me->level == HLN_LEVEL_GLOBAL ? "global" : me->jurisdiction);
        return true;
    }
    return false;
}

int hln_bench_group_parse(const char *text, hln_bench_group *g)
{
    if (!text || !g || strlen(text) > HLN_CODE_MAX)
        return HLN_EINVAL;
    if (!strcmp(text, "all")) {
        g->kind = HLN_BENCH_GROUP_ALL;
    } else if (!strncmp(text, "level:", 6)) {
        if (hln_level_parse(text + 6, &g->level) != 0)
            return HLN_EINVAL;
        g->kind = HLN_BENCH_GROUP_LEVEL;
    } else if (strlen(text) <= HLN_SCOPE_MAX && hln_code_jurisdiction(text, strlen(text))) {
        g->kind = HLN_BENCH_GROUP_JURIS;
        snprintf(g->code, sizeof g->code, "%s", text);
    } else {
        return HLN_EINVAL;
    }
    snprintf(g->text, sizeof g->text, "%s", text);
    return 0;
}

bool hln_bench_group_has(void *ctx, const uint8_t author[HLN_KEY_LEN])
{
    hln_bench_group *g = ctx;
    uint32_t level;
    char j[HLN_SCOPE_MAX + 1];
    if (!hln_bench_view_where(g->view, author, &level, j))
        return false;
    switch (g->kind) {
    case HLN_BENCH_GROUP_ALL:
        return level == HLN_LEVEL_NATIONAL;
    case HLN_BENCH_GROUP_LEVEL:
        return level == g->level;
    case HLN_BENCH_GROUP_JURIS:
        return level == HLN_LEVEL_ORGANIZATION && hln_code_jurisdiction(j, strlen(j)) &&
               hln_scope_within(j, g->code);
    }
    return false;
}

const char *hln_bench_default_group(const hln_node_info *info, char out[HLN_SCOPE_MAX + 1])
{
    if (info->level != HLN_LEVEL_GLOBAL && info->jurisdiction[0]) {
        char c[3];
        hln_scope_country(info->jurisdiction, c);
        snprintf(out, HLN_SCOPE_MAX + 1, "%s", c);
    } else {
        snprintf(out, HLN_SCOPE_MAX + 1, "all");
    }
    return out;
}
