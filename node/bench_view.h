/* bench_view.h - who counts in a benchmark as one node sees it, and its comparison groups
 * (docs/BENCHMARKS.md). */
#ifndef HLN_BENCH_VIEW_H
#define HLN_BENCH_VIEW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "crypto/crypto.h"
#include "node/node.h"
#include "node/trust.h"
#include "proto/record.h"

/* Who counts in a benchmark, as one node sees it (docs/BENCHMARKS.md,
 * "hlnctl bench"): every command that runs hln_bench_run from a node's
 * store (bench, rollup, report) fills one of these so that equal evidence
 * gives equal digests. Everything is borrowed. */
typedef struct {
    hln_node *node;   /* the open node (its store, its own key and settings) */
    hln_trust *trust; /* its trust graph (hln_gov_trust_load) */
    uint64_t now_ms;  /* the time standings are read at (only names and
                         jurisdictions can depend on it, never exclusion) */
} hln_bench_view;

/* The exclusion rule, an hln_bench_author_fn with ctx = hln_bench_view *:
 * true when the author is flagged in the trust graph, has a fork proof in
 * the store (hln_store_author_forked), or has no standing at all in the
 * trust view (neither an anchor nor ever admitted by an entitled issuer:
 * hln_trust_member answers "unknown" or "untrusted"). An author whose
 * membership has expired or been revoked still counts: its records were
 * judged at their own time when they were accepted. */
bool hln_bench_view_excluded(void *view, const uint8_t author[HLN_KEY_LEN]);

/* hln_bench_successor_fn over the view's trust graph: the key a rotation
 * handed `key`'s membership to. */
bool hln_bench_view_successor(void *view, const uint8_t key[HLN_KEY_LEN],
                              uint8_t next[HLN_KEY_LEN]);

/* Where an author stands for grouping: its level (hln_level) and
 * jurisdiction ("CA", "CA-ON", "global") from the trust view (the
 * membership in force, else the most recent), or, for the node itself
 * before its member record arrives, from its own settings. false when
 * unknown (an anchor of unknown level, a stranger). */
bool hln_bench_view_where(hln_bench_view *v, const uint8_t author[HLN_KEY_LEN], uint32_t *level,
                          char jurisdiction[HLN_SCOPE_MAX + 1]);

/* A comparison group. */
typedef enum {
    HLN_BENCH_GROUP_ALL = 0,   /* "all": the global view, national authorities' roll-ups */
    HLN_BENCH_GROUP_JURIS = 1, /* "CA", "CA-ON": organizations inside the jurisdiction */
    HLN_BENCH_GROUP_LEVEL = 2, /* "level:national": authors at that level */
} hln_bench_group_kind;

typedef struct {
    hln_bench_view *view;
    hln_bench_group_kind kind;
    char code[HLN_SCOPE_MAX + 1]; /* the jurisdiction, for HLN_BENCH_GROUP_JURIS */
    uint32_t level;               /* for HLN_BENCH_GROUP_LEVEL */
    char text[HLN_CODE_MAX + 1];  /* as it goes into the query and the digest */
} hln_bench_group;

/* Parse "all", a jurisdiction ("CA", "CA-ON") or "level:LEVEL" into *g
 * (g->view is left as it was). HLN_EINVAL if it is none of them. */
int hln_bench_group_parse(const char *text, hln_bench_group *g);

/* The group rule, an hln_bench_author_fn with ctx = hln_bench_group * (its
 * view set): ALL takes national authorities, JURIS organizations whose
 * jurisdiction lies inside the code, LEVEL authors at the level. So an
 * aggregate never sits beside what it aggregates. */
bool hln_bench_group_has(void *group, const uint8_t author[HLN_KEY_LEN]);

/* The group a node compares in when none is asked for: its country (a
 * country's view benchmarks its organizations), or "all" on a node without
 * one (the global coordinator holds only national roll-ups). `hlnctl
 * bench`, `hlnctl report`, and hlnd's digest answers (bench verify) all
 * use it. Writes into out and returns it. */
const char *hln_bench_default_group(const hln_node_info *info, char out[HLN_SCOPE_MAX + 1]);

#endif
