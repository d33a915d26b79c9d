/* bench_rules.h - who counts in a benchmark: the group and exclusion predicates from the trust view. */
#ifndef HLN_BENCH_RULES_H
#define HLN_BENCH_RULES_H

#include <stdbool.h>
#include <stdint.h>

#include "bench.h"
#include "node.h"
#include "trust.h"

/* Every place that computes an evidence digest (hlnctl bench, hlnd answering
 * a digest request, hlnctl bench verify) must use the same rules, or two
 * nodes holding the same records would print different digests:
 *
 *   group "all"            every author;
 *   group "CA", "CA-ON"    authors whose jurisdiction lies inside it;
 *   group "level:NAME"     authors at that level (organization, subnational,
 *                          national, global);
 *   excluded               authors flagged in the trust view, or proven to
 *                          fork a feed (their records cannot be told apart
 *                          from forgeries).
 *
 * An author's jurisdiction and level come from its membership (in force or
 * not: old records stay the author's), else, for this node's own key, from
 * its settings (until its member record arrives). This is what `hlnctl
 * report` does for "all" and jurisdictions. */
typedef struct {
    hln_node *node;   /* borrowed */
    hln_trust *trust; /* borrowed */
    uint64_t now_ms;  /* wall clock, for memberships */
    char group[HLN_CODE_MAX + 1];
    int kind;       /* 0 all, 1 jurisdiction, 2 level */
    uint32_t level; /* kind 2 */
} hln_bench_rules;

/* true if `group` is one of the texts above. */
bool hln_bench_group_valid(const char *group);

/* Prepare the rules for `group` (NULL: "all"). HLN_EINVAL for another text. */
int hln_bench_rules_init(hln_bench_rules *r, hln_node *node, hln_trust *trust, const char *group,
                         uint64_t now_ms);

/* Set q->group, in_group, group_ctx, excluded and excluded_ctx; `r` must
 * outlive the query's run. */
void hln_bench_rules_apply(hln_bench_rules *r, hln_bench_query *q);

#endif
