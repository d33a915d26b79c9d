/* sync_store.c - the sync engine's store-side host: trust and policy checks, batched LMDB writes,
 * fork proofs. */
#include "node/sync_store.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crypto/err.h"
#include "node/disclosure.h"
#include "node/gov.h"
#include "node/util.h"

struct hln_sync_store {
    hln_node *node;
    hln_store *store;
    hln_trust *trust;
    hln_record *scratch; /* records accepted in one batch (HLN_WIRE_BATCH_MAX) */
    int *res, *pre;      /* the store's word on each accepted record; the checks' on each */
    size_t *idx;
    size_t scratch_cap, res_cap, idx_cap, pre_cap;
    /* The batch between prepare and finish: m records accepted of n,
     * batch[] (recs itself when all were), commit's return. */
    const hln_record *batch;
    size_t n, m;
    bool learned;
    int commit_rc;
    hln_sync_store_stats st;
};

static bool governance(uint32_t type)
{
    return type == HLN_REC_MEMBER || type == HLN_REC_REVOKE || type == HLN_REC_INDICATOR ||
           type == HLN_REC_POLICY;
}

/* A fresh trust object from the store: anchors as the operator gave them,
 * this node's standing, every governance record held, the fork flags. */
static int build_trust(hln_sync_store *ss, hln_trust **out)
{
    return hln_gov_trust_load(ss->node, out);
}

int hln_sync_store_new(hln_node *n, hln_sync_store **out)
{
    *out = NULL;
    hln_sync_store *ss = calloc(1, sizeof *ss);
    if (!ss)
        return HLN_ENOMEM;
    ss->node = n;
    ss->store = hln_node_store(n);
    int rc = build_trust(ss, &ss->trust);
    if (rc != 0) {
        free(ss);
        return rc;
    }
    *out = ss;
    return 0;
}

void hln_sync_store_destroy(hln_sync_store **ssp)
{
    hln_sync_store *ss = *ssp;
    if (!ss)
        return;
    hln_trust_destroy(&ss->trust);
    free(ss->scratch);
    free(ss->res);
    free(ss->pre);
    free(ss->idx);
    free(ss);
    *ssp = NULL;
}

int hln_sync_store_reload(hln_sync_store *ss)
{
    hln_trust *t = NULL;
    int rc = build_trust(ss, &t);
    if (rc != 0)
        return rc;
    hln_trust_destroy(&ss->trust);
    ss->trust = t;
    return 0;
}

hln_trust *hln_sync_store_trust(hln_sync_store *ss)
{
    return ss->trust;
}

void hln_sync_store_stats_get(const hln_sync_store *ss, hln_sync_store_stats *st)
{
    *st = ss->st;
}

/* ---- callbacks ---------------------------------------------------------- */

static int cb_heads(void *ctx, hln_sync_head_cb cb, void *cbctx)
{
    hln_sync_store *ss = ctx;
    /* The engine's head callback has the store's shape. */
    return hln_store_foreach_head(ss->store, cb, cbctx);
}

static int cb_read(void *ctx, const hln_feed_id *feed, uint64_t from, uint64_t to,
                   hln_sync_rec_cb cb, void *cbctx)
{
    hln_sync_store *ss = ctx;
    if (from == 0)
        from = 1;
    if (to != 0 && to < from)
        return 0;
    return hln_store_foreach_feed(ss->store, feed, from, to, cb, cbctx);
}

static bool cb_wants(void *ctx, const hln_feed_id *feed)
{
    hln_sync_store *ss = ctx;
    /* A node always replicates its own feeds, whatever its standing in its
     * own trust graph (it is rarely its own anchor). */
    if (memcmp(feed->author, hln_node_pk(ss->node), HLN_KEY_LEN) == 0)
        return true;
    return hln_trust_wants_feed(ss->trust, feed, hln_node_pk(ss->node));
}

/* Receivers check disclosure too: an observation with a small count that
 * is not marked suppressed breaks the policy in force. Policies are about
 * the data's jurisdiction, which is the author's (docs/GOVERNANCE.md §8):
 * an Ontario clinic publishing in scope CA is held to Ontario's rule, so
 * the strictest of the author's jurisdiction (at the record's time) and
 * the feed's scope applies. */
static int policy_check(hln_sync_store *ss, const hln_record *r)
{
    if (r->env.type != HLN_REC_OBSERVATION || !r->has_body || r->body.observation.suppressed)
        return 0;
    const hln_observation *o = &r->body.observation;
    hln_indicator *ind = malloc(sizeof *ind);
    uint32_t kind = HLN_KIND_PROPORTION;
    if (ind && hln_trust_indicator(ss->trust, o->indicator, ind, NULL) == 0)
        kind = ind->kind;
    free(ind);
    uint32_t floor = hln_disclosure_min_cell(0, NULL, 0);
    uint32_t min = hln_trust_policy_min_cell(ss->trust, r->env.scope, floor);
    hln_trust_info *info = malloc(sizeof *info);
    if (info && hln_trust_member(ss->trust, r->env.author, r->env.timestamp_ms, info) == 0 &&
        info->jurisdiction[0]) {
        uint32_t own = hln_trust_policy_min_cell(ss->trust, info->jurisdiction, floor);
        if (own > min)
            min = own;
    }
    free(info);
    return hln_disclosure_small(kind, o->numerator, o->denominator, min) ? HLN_EPOLICY : 0;
}

/* Room for a batch of n in the three scratch arrays (each grown on its own). */
static int grow(hln_sync_store *ss, size_t n)
{
    int rc = hln_util_grow((void **)&ss->scratch, &ss->scratch_cap, n, sizeof *ss->scratch);
    if (rc == 0)
        rc = hln_util_grow((void **)&ss->res, &ss->res_cap, n, sizeof *ss->res);
    if (rc == 0)
        rc = hln_util_grow((void **)&ss->idx, &ss->idx_cap, n, sizeof *ss->idx);
    if (rc == 0)
        rc = hln_util_grow((void **)&ss->pre, &ss->pre_cap, n, sizeof *ss->pre);
    return rc;
}

int hln_sync_store_prepare(hln_sync_store *ss, const hln_record *recs, size_t n)
{
    int rc = grow(ss, n);
    ss->n = ss->m = 0;
    ss->learned = false;
    ss->commit_rc = 0;
    if (rc != 0)
        return rc;
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        const hln_record *r = &recs[i];
        /* This node's own records coming back from a peer (its store was
         * restored from a backup: the catch-up rule, node/node.h): it signed them, so they
         * are its to hold whatever the trust graph says of its own key. */
        bool own = memcmp(r->env.author, hln_node_pk(ss->node), HLN_KEY_LEN) == 0;
        int *pre = &ss->pre[i];
        *pre = own           ? 0
               : r->has_body ? hln_trust_may_author(ss->trust, r, NULL, 0)
                             : hln_trust_may_author_env(ss->trust, &r->env, NULL, 0);
        if (*pre != 0) {
            ss->st.refused_trust++;
            continue;
        }
        if (!own && (*pre = policy_check(ss, r)) != 0) {
            ss->st.refused_policy++;
            hln_trust_flag(ss->trust, r->env.author, "policy");
            /* Kept in the FLAGS table, so that it outlives a restart and a
             * reload (hln_gov_trust_load reads it back). */
            (void)hln_gov_flag_put(ss->store, r->env.author, "policy", hln_util_wall_ms());
            continue;
        }
        /* Learnt before it is stored, so that a member record admits the
         * records after it in this same batch. */
        if (governance(r->env.type) && r->has_body) {
            hln_trust_add_record(ss->trust, r);
            ss->learned = true;
        }
        ss->idx[m++] = i;
    }
    ss->batch = recs;
    if (m != n) {
        for (size_t k = 0; k < m; k++)
            ss->scratch[k] = recs[ss->idx[k]];
        ss->batch = ss->scratch;
    }
    ss->n = n;
    ss->m = m;
    return 0;
}

void hln_sync_store_commit(hln_sync_store *ss)
{
    /* One transaction: committed (durable) before the engine tells anyone. */
    ss->commit_rc = ss->m ? hln_store_append_batch(ss->store, ss->batch, ss->m, ss->res) : 0;
}

int hln_sync_store_finish(hln_sync_store *ss, const hln_record *recs, int *results)
{
    size_t n = ss->n, m = ss->m;
    int rc = ss->commit_rc;
    memcpy(results, ss->pre, n * sizeof *results);
    ss->n = ss->m = 0;
    if (rc != 0) {
        /* Nothing was written, but governance records of this batch were
         * taught to the trust view above: rebuild it from what is held. */
        if (ss->learned)
            (void)hln_sync_store_reload(ss);
        return rc;
    }
    if (m)
        ss->st.batches++;
    for (size_t k = 0; k < m; k++) {
        size_t i = m == n ? k : ss->idx[k];
        results[i] = ss->res[k];
        if (results[i] == 0)
            ss->st.stored++;
        else if (results[i] == HLN_EFORK) {
            ss->st.forks++;
            hln_trust_flag(ss->trust, recs[i].env.author, "fork");
        }
    }
    return 0;
}

static int cb_store(void *ctx, uint32_t from_peer, const hln_record *recs, size_t n, int *results)
{
    (void)from_peer;
    hln_sync_store *ss = ctx;
    int rc = hln_sync_store_prepare(ss, recs, n);
    if (rc != 0)
        return rc;
    hln_sync_store_commit(ss);
    return hln_sync_store_finish(ss, recs, results);
}

/* What cb_store asks of a peer's record before storing it: an entitled
 * author, and a count the disclosure policy allows. */
static bool entitled(hln_sync_store *ss, const hln_record *r)
{
    if (memcmp(r->env.author, hln_node_pk(ss->node), HLN_KEY_LEN) == 0)
        return true;
    int rc = r->has_body ? hln_trust_may_author(ss->trust, r, NULL, 0)
                         : hln_trust_may_author_env(ss->trust, &r->env, NULL, 0);
    if (rc != 0) {
        ss->st.refused_trust++;
        return false;
    }
    if (policy_check(ss, r) != 0) {
        ss->st.refused_policy++;
        return false;
    }
    return true;
}

static int cb_fork(void *ctx, uint32_t from_peer, const hln_record *a, const hln_record *b)
{
    (void)from_peer;
    hln_sync_store *ss = ctx;
    /* Known already: a proof held, or the author flagged; either way it
     * stops here, so a proof we cannot hold does not circle forever. */
    bool known = hln_store_author_forked(ss->store, a->env.author) ||
                 hln_trust_flagged(ss->trust, a->env.author);
    /* The store keeps a proof when the second of two records for one seq
     * arrives; one of them may continue our copy of the feed. Each half is
     * judged as cb_store judges a record, or a fork would be a way around
     * the trust and disclosure checks; a half that fails is not stored, but
     * two signed records for one seq still prove the author equivocated. */
    int ra = entitled(ss, a) ? hln_store_append(ss->store, a) : HLN_ETRUST;
    int rb = entitled(ss, b) ? hln_store_append(ss->store, b) : HLN_ETRUST;
    hln_trust_flag(ss->trust, a->env.author, "fork");
    if (known)
        return HLN_EDUP;
    if (ra == HLN_EFORK || rb == HLN_EFORK || hln_store_author_forked(ss->store, a->env.author)) {
        ss->st.forks++;
        return 0;
    }
    /* Neither continues our copy (a gap): we cannot hold the proof, but it
     * is valid, so it is flagged here and passed on. */
    return 0;
}

typedef struct {
    hln_sync_fork_cb cb;
    void *ctx;
} forks_ctx;

static int forks_one(void *ctx, const hln_record *a, const hln_record *b)
{
    forks_ctx *f = ctx;
    return f->cb(f->ctx, a, b);
}

static int cb_forks(void *ctx, hln_sync_fork_cb cb, void *cbctx)
{
    hln_sync_store *ss = ctx;
    forks_ctx f = {cb, cbctx};
    return hln_store_foreach_fork(ss->store, forks_one, &f);
}

/* A replay check from the feed index alone (no record read, no signature). */
static bool cb_held(void *ctx, const hln_feed_id *feed, uint64_t seq, const uint8_t id[HLN_HASH_LEN])
{
    hln_sync_store *ss = ctx;
    uint8_t have[HLN_HASH_LEN];
    return hln_store_feed_id(ss->store, feed, seq, have) == 0 &&
           memcmp(have, id, HLN_HASH_LEN) == 0;
}

void hln_sync_store_host(hln_sync_store *ss, hln_sync_host *host)
{
    memset(host, 0, sizeof *host);
    host->ctx = ss;
    host->heads = cb_heads;
    host->read = cb_read;
    host->store = cb_store;
    host->wants = cb_wants;
    host->fork = cb_fork;
    host->forks = cb_forks;
    host->held = cb_held;
}
