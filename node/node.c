/* node.c - the local node: data directory, identity, store, settings, own-feed appends. */
#include "node/util.h"
#include "node/node.h"
#include "node/bench_dsr.h"
#include "node/pool.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "crypto/err.h"
#include "proto/codes.h"

struct hln_node {
    char *dir;
    hln_identity *id;
    hln_store *store;
    hln_node_info info;
    uint8_t pk[HLN_KEY_LEN];
};

static char *path_join(const char *dir, const char *name)
{
    size_t n = strlen(dir) + 1 + strlen(name) + 1;
    char *p = malloc(n);
    if (p)
        snprintf(p, n, "%s/%s", dir, name);
    return p;
}

static int info_valid(const hln_node_info *info, char *err, size_t errlen)
{
    size_t nl = strnlen(info->name, sizeof info->name);
    if (nl == 0 || nl > HLN_NAME_MAX || !hln_text_valid(info->name, nl, false)) {
        hln_util_seterr(err, errlen, "name: 1-%d bytes of UTF-8 text without control characters",
               HLN_NAME_MAX);
        return HLN_EINVAL;
    }
    if (info->level > HLN_LEVEL_GLOBAL) {
        hln_util_seterr(err, errlen, "level: not organization, subnational, national or global");
        return HLN_EINVAL;
    }
    size_t jl = strnlen(info->jurisdiction, sizeof info->jurisdiction);
    if (jl && !hln_code_jurisdiction(info->jurisdiction, jl)) {
        hln_util_seterr(err, errlen, "jurisdiction: not an ISO 3166 code such as CA or CA-ON");
        return HLN_EINVAL;
    }
    if (info->min_cell &&
        (info->min_cell < HLN_MIN_CELL_DEFAULT || info->min_cell > HLN_MIN_CELL_MAX)) {
        hln_util_seterr(err, errlen, "min-cell: from %u to %u", HLN_MIN_CELL_DEFAULT, HLN_MIN_CELL_MAX);
        return HLN_EINVAL;
    }
    return 0;
}

static int meta_put(hln_store *s, const char *key, const void *val, size_t vlen)
{
    return hln_store_kv_put(s, HLN_TABLE_META, key, strlen(key), val, vlen);
}

/* A text setting into out[cap]; "" when absent. */
static int meta_get_text(hln_store *s, const char *key, char *out, size_t cap)
{
    size_t vlen = 0;
    int rc = hln_store_kv_get(s, HLN_TABLE_META, key, strlen(key), out, cap - 1, &vlen);
    if (rc == HLN_ENOTFOUND) {
        out[0] = '\0';
        return 0;
    }
    if (rc < 0)
        return rc;
    if (vlen > cap - 1)
        return HLN_EDECODE;
    out[vlen] = '\0';
    return 0;
}

int hln_node_create(const char *dir, const hln_node_info *info, hln_node **out, char *err,
                    size_t errlen)
{
    *out = NULL;
    int rc = info_valid(info, err, errlen);
    if (rc < 0)
        return rc;
    if ((rc = hln_crypto_init()) < 0)
        return rc;
    hln_node *n = calloc(1, sizeof *n);
    char *keypath = NULL, *storepath = NULL;
    bool key_written = false;
    if (!n || !(n->dir = strdup(dir)) || !(keypath = path_join(dir, HLN_NODE_KEY_FILE)) ||
        !(storepath = path_join(dir, HLN_NODE_STORE_DIR))) {
        rc = HLN_ENOMEM;
        goto fail;
    }
    if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
        hln_util_seterr(err, errlen, "%s: %s", dir, strerror(errno));
        rc = HLN_EIO;
        goto fail;
    }
    if (access(keypath, F_OK) == 0 || errno != ENOENT) {
        hln_util_seterr(err, errlen, "%s: an identity exists already; refusing to replace it", keypath);
        rc = HLN_EEXIST;
        goto fail;
    }
    n->id = hln_identity_generate();
    if (!n->id) {
        rc = HLN_ENOMEM;
        goto fail;
    }
    rc = hln_identity_save(n->id, keypath);
    if (rc < 0) {
        hln_util_seterr(err, errlen, "%s: %s", keypath, hln_strerror(rc));
        goto fail;
    }
    key_written = true;
    memcpy(n->pk, hln_identity_pk(n->id), HLN_KEY_LEN);
    if (mkdir(storepath, 0700) < 0 && errno != EEXIST) {
        hln_util_seterr(err, errlen, "%s: %s", storepath, strerror(errno));
        rc = HLN_EIO;
        goto fail;
    }
    rc = hln_store_open(storepath, 0, &n->store);
    if (rc < 0) {
        hln_util_seterr(err, errlen, "%s: %s", storepath, hln_strerror(rc));
        goto fail;
    }
    /* A store left behind by an earlier identity is not adopted silently. */
    uint8_t old[HLN_KEY_LEN];
    size_t oldlen = 0;
    if (hln_store_kv_get(n->store, HLN_TABLE_META, HLN_META_ID, strlen(HLN_META_ID), old,
                         sizeof old, &oldlen) == 0) {
        hln_util_seterr(err, errlen, "%s: a store of another identity is here; refusing to adopt it",
               storepath);
        rc = HLN_EEXIST;
        goto fail;
    }
    n->info = *info;
    char level[16];
    snprintf(level, sizeof level, "%s", hln_level_name(info->level));
    char mc[16];
    snprintf(mc, sizeof mc, "%u", info->min_cell);
    if ((rc = meta_put(n->store, HLN_META_ID, n->pk, HLN_KEY_LEN)) < 0 ||
        (rc = meta_put(n->store, HLN_META_NAME, info->name, strlen(info->name))) < 0 ||
        (rc = meta_put(n->store, HLN_META_LEVEL, level, strlen(level))) < 0 ||
        (rc = meta_put(n->store, HLN_META_JURISDICTION, info->jurisdiction,
                       strlen(info->jurisdiction))) < 0 ||
        (info->min_cell && (rc = meta_put(n->store, HLN_META_MIN_CELL, mc, strlen(mc))) < 0)) {
        hln_util_seterr(err, errlen, "store: %s", hln_strerror(rc));
        goto fail;
    }
    free(keypath);
    free(storepath);
    *out = n;
    return 0;
fail:
    /* A key without its store would make the next init refuse: take it back. */
    if (key_written)
        unlink(keypath);
    free(keypath);
    free(storepath);
    hln_node_close(&n);
    return rc;
}

int hln_node_open(const char *dir, unsigned flags, hln_node **out, char *err, size_t errlen)
{
    *out = NULL;
    int rc = hln_crypto_init();
    if (rc < 0)
        return rc;
    hln_node *n = calloc(1, sizeof *n);
    char *keypath = NULL, *storepath = NULL;
    if (!n || !(n->dir = strdup(dir)) || !(keypath = path_join(dir, HLN_NODE_KEY_FILE)) ||
        !(storepath = path_join(dir, HLN_NODE_STORE_DIR))) {
        rc = HLN_ENOMEM;
        goto fail;
    }
    struct stat st;
    if (lstat(keypath, &st) < 0 && errno == ENOENT) {
        hln_util_seterr(err, errlen, "%s: no identity here (hlnctl init)", dir);
        rc = HLN_ENOTFOUND;
        goto fail;
    }
    rc = hln_identity_load(keypath, &n->id);
    if (rc < 0) {
        if (rc == HLN_EPERM && faccessat(AT_FDCWD, keypath, R_OK, AT_EACCESS) != 0 && errno == EACCES)
            hln_util_seterr(err, errlen, "%s: permission denied: only the node's user may read its key "
                            "(run hlnctl as that user)", keypath);
        else if (rc == HLN_EPERM)
            hln_util_seterr(err, errlen, "%s: refused: the key file must be a regular file of mode 0600",
                   keypath);
        else
            hln_util_seterr(err, errlen, "%s: %s", keypath, hln_strerror(rc));
        goto fail;
    }
    memcpy(n->pk, hln_identity_pk(n->id), HLN_KEY_LEN);
    if (stat(storepath, &st) < 0 || !S_ISDIR(st.st_mode)) {
        hln_util_seterr(err, errlen, "%s: no store here", storepath);
        rc = HLN_ENOTFOUND;
        goto fail;
    }
    rc = hln_store_open(storepath, (flags & HLN_NODE_RDONLY) ? HLN_STORE_RDONLY : 0, &n->store);
    if (rc < 0) {
        hln_util_seterr(err, errlen, "%s: %s", storepath, hln_strerror(rc));
        goto fail;
    }
    uint8_t pk[HLN_KEY_LEN];
    size_t vlen = 0;
    rc = hln_store_kv_get(n->store, HLN_TABLE_META, HLN_META_ID, strlen(HLN_META_ID), pk, sizeof pk,
                          &vlen);
    if (rc < 0 || vlen != HLN_KEY_LEN || memcmp(pk, n->pk, HLN_KEY_LEN) != 0) {
        hln_util_seterr(err, errlen, "%s: the store does not belong to this identity", dir);
        rc = HLN_ESTATE;
        goto fail;
    }
    char level[32], mc[16];
    if ((rc = meta_get_text(n->store, HLN_META_NAME, n->info.name, sizeof n->info.name)) < 0 ||
        (rc = meta_get_text(n->store, HLN_META_LEVEL, level, sizeof level)) < 0 ||
        (rc = meta_get_text(n->store, HLN_META_JURISDICTION, n->info.jurisdiction,
                            sizeof n->info.jurisdiction)) < 0 ||
        (rc = meta_get_text(n->store, HLN_META_MIN_CELL, mc, sizeof mc)) < 0) {
        hln_util_seterr(err, errlen, "store settings: %s", hln_strerror(rc));
        goto fail;
    }
    if (hln_level_parse(level, &n->info.level) < 0)
        n->info.level = HLN_LEVEL_ORGANIZATION;
    n->info.min_cell = (uint32_t)strtoul(mc, NULL, 10);
    free(keypath);
    free(storepath);
    *out = n;
    return 0;
fail:
    free(keypath);
    free(storepath);
    hln_node_close(&n);
    return rc;
}

void hln_node_close(hln_node **np)
{
    hln_node *n = *np;
    if (!n)
        return;
    if (n->store)
        hln_store_close(&n->store);
    hln_identity_destroy(&n->id);
    free(n->dir);
    free(n);
    *np = NULL;
}

const hln_node_info *hln_node_get_info(const hln_node *n)
{
    return &n->info;
}

const uint8_t *hln_node_pk(const hln_node *n)
{
    return n->pk;
}

const hln_identity *hln_node_identity(const hln_node *n)
{
    return n->id;
}

hln_store *hln_node_store(hln_node *n)
{
    return n->store;
}

const char *hln_node_dir(const hln_node *n)
{
    return n->dir;
}

void hln_node_default_scope(const hln_node *n, char out[HLN_SCOPE_MAX + 1])
{
    memset(out, 0, HLN_SCOPE_MAX + 1);
    if (n->info.jurisdiction[0]) {
        char c[3];
        hln_scope_country(n->info.jurisdiction, c);
        memcpy(out, c, 3);
    } else {
        memcpy(out, "global", 7);
    }
}

bool hln_node_scope_ok(const hln_node *n, const char *scope)
{
    size_t l = strlen(scope);
    if (l > HLN_SCOPE_MAX || !hln_code_scope(scope, l))
        return false;
    return !n->info.jurisdiction[0] || hln_scope_within(n->info.jurisdiction, scope);
}

/* The latest policy record of each author, found by walking the store. */
typedef struct {
    const char *jurisdiction;
    struct pol {
        uint8_t author[HLN_KEY_LEN];
        uint64_t ts, seq;
        uint32_t min_cell;
    } * v;
    size_t n, cap;
    bool oom;
} policy_walk;

static int policy_cb(void *ctx, const hln_record *r)
{
    policy_walk *w = ctx;
    if (r->env.type != HLN_REC_POLICY || !r->has_body)
        return 0;
    const hln_policy *p = &r->body.policy;
    if (!w->jurisdiction[0] || !hln_scope_within(w->jurisdiction, p->jurisdiction))
        return 0;
    for (size_t i = 0; i < w->n; i++)
        if (!memcmp(w->v[i].author, r->env.author, HLN_KEY_LEN)) {
            if (r->env.timestamp_ms > w->v[i].ts ||
                (r->env.timestamp_ms == w->v[i].ts && r->env.seq > w->v[i].seq)) {
                w->v[i].ts = r->env.timestamp_ms;
                w->v[i].seq = r->env.seq;
                w->v[i].min_cell = p->min_cell;
            }
            return 0;
        }
    if (hln_util_grow((void **)&w->v, &w->cap, w->n + 1, sizeof *w->v)) {
        w->oom = true;
        return HLN_ENOMEM;
    }
    struct pol *e = &w->v[w->n++];
    memcpy(e->author, r->env.author, HLN_KEY_LEN);
    e->ts = r->env.timestamp_ms;
    e->seq = r->env.seq;
    e->min_cell = p->min_cell;
    return 0;
}

int hln_node_min_cell(hln_node *n, uint32_t configured, uint32_t *out)
{
    policy_walk w = {.jurisdiction = n->info.jurisdiction};
    int rc =
        hln_store_foreach_gov_of(n->store, HLN_STORE_GOV_TYPE(HLN_REC_POLICY), policy_cb, &w);
    if (rc < 0) {
        free(w.v);
        return w.oom ? HLN_ENOMEM : rc;
    }
    uint32_t *mins = w.n ? malloc(w.n * sizeof *mins) : NULL;
    if (w.n && !mins) {
        free(w.v);
        return HLN_ENOMEM;
    }
    for (size_t i = 0; i < w.n; i++)
        mins[i] = w.v[i].min_cell;
    uint32_t own = hln_disclosure_min_cell(configured, &n->info.min_cell, 1);
    *out = hln_disclosure_min_cell(own, mins, w.n);
    free(mins);
    free(w.v);
    return 0;
}

/* Record i of an hln_node_append batch, sealed into the store's buffer. */
/* Item i of a batch: items[i] itself, or one built into `scratch`. */
typedef const hln_node_item *(*item_get_fn)(void *ctx, size_t i, hln_node_item *scratch);

static const hln_node_item *array_get(void *ctx, size_t i, hln_node_item *scratch)
{
    (void)scratch;
    return &((const hln_node_item *)ctx)[i];
}

/* Records sealed ahead and signed together, on every core (node/pool.c),
 * when a batch is long enough for the threads to pay: the signature is
 * most of a record's sealing (ed25519, about 20 us), and a feed's chain
 * runs through the envelopes' hashes, not the signatures
 * (hln_record_seal_unsigned). */
#define SIGN_AHEAD 128
#define SIGN_MIN 32

typedef struct {
    hln_record *r;
    const hln_identity *id;
} sign_job;

static void sign_one(void *ctx, size_t i)
{
    sign_job *j = ctx;
    hln_record_sign(&j->r[i], j->id);
}

typedef struct {
    hln_node *n;
    item_get_fn get;
    void *gctx;
    hln_node_item scratch;
    const char *scope;
    uint64_t head, ts_ms;
    size_t count;
    uint8_t prev[HLN_HASH_LEN]; /* the head's id, then each record's */
    char *err;
    size_t errlen;
    uint8_t head_id[HLN_HASH_LEN];
    bool failed;
    /* Sealed ahead: records [ahead_from, ahead_from + n_ahead), signed. */
    hln_record *ahead;
    size_t ahead_from, n_ahead;
    hln_pool *pool; /* NULL: one record at a time */
} seal_ctx;

/* Build and seal record i (unsigned when `sign` is false) into r. */
static int seal_at(seal_ctx *c, size_t i, hln_record *r, bool sign)
{
    const hln_node_item *it = c->get(c->gctx, i, &c->scratch);
    hln_record_init(r, (hln_rec_type)it->type, c->n->pk, c->scope, c->head + 1 + i,
                    c->head + i ? c->prev : NULL, c->ts_ms);
    r->body = it->body;
    r->has_body = true;
    char why[160] = "";
    int rc = sign ? hln_record_seal(r, c->n->id, why, sizeof why)
                  : hln_record_seal_unsigned(r, c->n->id, why, sizeof why);
    if (rc < 0) {
        hln_util_seterr(c->err, c->errlen, "record %zu: %s", i + 1, why[0] ? why : hln_strerror(rc));
        c->failed = true;
        return rc;
    }
    memcpy(c->prev, r->id, HLN_HASH_LEN);
    return 0;
}

static int seal_one(void *ctx, size_t i, hln_record *r)
{
    seal_ctx *c = ctx;
    if (i == 0) { /* also when the store retries the transaction */
        memcpy(c->prev, c->head_id, HLN_HASH_LEN);
        c->n_ahead = 0;
    }
    if (!c->pool)
        return seal_at(c, i, r, true);
    if (i < c->ahead_from || i >= c->ahead_from + c->n_ahead) {
        /* The store asks in order: seal the next records ahead. */
        if (!c->ahead && !(c->ahead = malloc(SIGN_AHEAD * sizeof *c->ahead)))
            return seal_at(c, i, r, true); /* short of memory: one at a time */
        size_t k = c->count - i < SIGN_AHEAD ? c->count - i : SIGN_AHEAD;
        c->ahead_from = i, c->n_ahead = 0;
        for (size_t j = 0; j < k; j++) {
            int rc = seal_at(c, i + j, &c->ahead[j], false);
            if (rc < 0)
                return rc;
        }
        sign_job job = {c->ahead, c->n->id};
        hln_pool_run(c->pool, k, sign_one, &job);
        c->n_ahead = k;
    }
    const hln_record *a = &c->ahead[i - c->ahead_from];
    memcpy(r, a, offsetof(hln_record, raw) + a->raw_len);
    return 0;
}

static int append_items(hln_node *n, const char *scope, size_t count, item_get_fn get,
                        void *gctx, uint64_t ts_ms, uint64_t *first_seq, char *err, size_t errlen);

int hln_node_append(hln_node *n, const char *scope, const hln_node_item *items, size_t count,
                    uint64_t ts_ms, uint64_t *first_seq, char *err, size_t errlen)
{
    return append_items(n, scope, count, array_get, (void *)items, ts_ms, first_seq, err, errlen);
}

static int append_items(hln_node *n, const char *scope, size_t count, item_get_fn get,
                        void *gctx, uint64_t ts_ms, uint64_t *first_seq, char *err, size_t errlen)
{
    if (count == 0)
        return 0;
    /* A store restored from a backup may lack records this node published
     * after the backup; appending now could reuse their seqs and fork its
     * own feed. hlnd lifts the mark once it has them back (ops_cmds.h). */
    if (hln_node_catch_up_pending(n->store)) {
        hln_util_seterr(err, errlen,
               "the store was restored from a backup and hlnd has not yet pulled back this "
               "node's own records from its peers: start hlnd and wait (hlnctl restore --help)");
        return HLN_ESTATE;
    }
    if (!hln_node_scope_ok(n, scope)) {
        hln_util_seterr(err, errlen, "scope '%s' is not one this node may publish in", scope);
        return HLN_EPERM;
    }
    /* Organizations author observations, retractions and addresses only
     * (docs/GOVERNANCE.md). Every peer refuses anything else, and since a
     * feed is a hash chain, one refused record would stop the whole feed
     * from replicating: refuse it here, before it is signed. A key may
     * still revoke itself after a compromise. */
    if (n->info.level == HLN_LEVEL_ORGANIZATION) {
        for (size_t i = 0; i < count; i++) {
            hln_node_item scratch;
            const hln_node_item *it = get(gctx, i, &scratch);
            uint32_t t = it->type;
            bool self_revoke = t == HLN_REC_REVOKE &&
                               memcmp(it->body.revoke.subject, n->pk, HLN_KEY_LEN) == 0;
            if ((t == HLN_REC_INDICATOR || t == HLN_REC_POLICY || t == HLN_REC_MEMBER ||
                 t == HLN_REC_REVOKE || t == HLN_REC_TARGET || t == HLN_REC_COLLABORATIVE) &&
                !self_revoke) {
                hln_util_seterr(err, errlen,
                       "an organization may not author %s records: peers would refuse them and "
                       "stop replicating this node's feed (authorities do; docs/GOVERNANCE.md)",
                       hln_rec_type_name(t));
                return HLN_EPERM;
            }
        }
    }
    hln_feed_id feed;
    memset(&feed, 0, sizeof feed);
    memcpy(feed.author, n->pk, HLN_KEY_LEN);
    memcpy(feed.scope, scope, strlen(scope));
    uint64_t head = 0;
    uint8_t prev[HLN_HASH_LEN];
    int rc = hln_store_head(n->store, &feed, &head, prev);
    if (rc < 0 && rc != HLN_ENOTFOUND) {
        hln_util_seterr(err, errlen, "store: %s", hln_strerror(rc));
        return rc;
    }
    if (rc == HLN_ENOTFOUND)
        head = 0;
    if (!ts_ms)
        ts_ms = hln_util_wall_ms();
    /* A clock that stepped back must not date a correction before what it
     * corrects: the store refuses a feed whose timestamps go backwards. */
    uint64_t head_ts = 0;
    if (head && hln_store_head_time(n->store, &feed, &head_ts) == 0 && head_ts > ts_ms)
        ts_ms = head_ts;
    int *results = calloc(count, sizeof *results);
    if (!results) {
        rc = HLN_ENOMEM;
        goto out;
    }
    /* Each record is sealed inside the store's transaction: a bad field
     * anywhere aborts it, so the store keeps nothing of the batch. A batch
     * of any length takes the memory of SIGN_AHEAD records (1.4 MB), sealed
     * ahead and signed on every core by a pool that lives as long as the
     * batch, or of one record on a single core. */
    seal_ctx *sc = malloc(sizeof *sc);
    if (!sc) {
        rc = HLN_ENOMEM;
        goto out;
    }
    *sc = (seal_ctx){.n = n, .get = get, .gctx = gctx, .scope = scope, .head = head,
                     .ts_ms = ts_ms, .count = count, .err = err, .errlen = errlen};
    if (head)
        memcpy(sc->head_id, prev, HLN_HASH_LEN);
    /* No pool (short of memory, or one core): one record at a time. */
    if (count >= SIGN_MIN && hln_pool_new(0, &sc->pool) == 0 && hln_pool_threads(sc->pool) < 2)
        hln_pool_destroy(&sc->pool);
    rc = hln_store_append_fill(n->store, count, seal_one, sc, results);
    bool failed = sc->failed;
    hln_pool_destroy(&sc->pool);
    free(sc->ahead);
    free(sc);
    if (rc < 0) {
        if (!failed)
            hln_util_seterr(err, errlen, "store: %s", hln_strerror(rc));
        goto out;
    }
    /* Each record continues the one before, so if the first was refused
     * (another writer moved the head) every one was, and nothing changed. */
    size_t stored = 0;
    for (size_t i = 0; i < count; i++)
        stored += results[i] == 0;
    if (stored != count) {
        int first_bad = 0;
        for (size_t i = 0; i < count && !first_bad; i++)
            first_bad = results[i];
        rc = first_bad ? first_bad : HLN_ESTORE;
        hln_util_seterr(err, errlen, "%zu of %zu records stored: %s", stored, count, hln_strerror(rc));
        goto out;
    }
    if (first_seq)
        *first_seq = head + 1;
    rc = 0;
out:
    free(results);
    return rc;
}

typedef struct {
    hln_node_def *v;
    size_t n, cap;
} def_walk;

static int def_cb(void *ctx, const hln_record *r)
{
    def_walk *w = ctx;
    if (r->env.type != HLN_REC_INDICATOR || !r->has_body)
        return 0;
    const hln_indicator *d = &r->body.indicator;
    for (size_t i = 0; i < w->n; i++) {
        hln_node_def *e = &w->v[i];
        if (strcmp(e->def.code, d->code) != 0)
            continue;
        if (d->version > e->def.version ||
            (d->version == e->def.version && r->env.timestamp_ms > e->timestamp_ms)) {
            e->def = *d;
            memcpy(e->author, r->env.author, HLN_KEY_LEN);
            memcpy(e->scope, r->env.scope, sizeof e->scope);
            e->seq = r->env.seq;
            e->timestamp_ms = r->env.timestamp_ms;
        }
        return 0;
    }
    if (hln_util_grow((void **)&w->v, &w->cap, w->n + 1, sizeof *w->v))
        return HLN_ENOMEM;
    hln_node_def *e = &w->v[w->n++];
    memset(e, 0, sizeof *e);
    e->def = *d;
    memcpy(e->author, r->env.author, HLN_KEY_LEN);
    memcpy(e->scope, r->env.scope, sizeof e->scope);
    e->seq = r->env.seq;
    e->timestamp_ms = r->env.timestamp_ms;
    return 0;
}

static int cmp_def(const void *a, const void *b)
{
    return strcmp(((const hln_node_def *)a)->def.code, ((const hln_node_def *)b)->def.code);
}

int hln_node_definitions(hln_node *n, hln_node_def **defs, size_t *count)
{
    def_walk w = {0};
    *defs = NULL;
    *count = 0;
    int rc =
        hln_store_foreach_gov_of(n->store, HLN_STORE_GOV_TYPE(HLN_REC_INDICATOR), def_cb, &w);
    if (rc < 0) {
        free(w.v);
        return rc;
    }
    if (w.n)
        qsort(w.v, w.n, sizeof *w.v, cmp_def);
    *defs = w.v;
    *count = w.n;
    return 0;
}

const hln_node_def *hln_node_find_def(const hln_node_def *defs, size_t count, const char *code)
{
    hln_node_def key;
    memset(&key, 0, sizeof key);
    snprintf(key.def.code, sizeof key.def.code, "%s", code);
    return count ? bsearch(&key, defs, count, sizeof *defs, cmp_def) : NULL;
}

typedef struct {
    const hln_node_def *defs;
    size_t n;
} lookup_ctx;

static const hln_indicator *lookup_def(void *ctx, const char *code)
{
    const lookup_ctx *l = ctx;
    const hln_node_def *d = hln_node_find_def(l->defs, l->n, code);
    return d ? &d->def : NULL;
}

void hln_publish_result_free(hln_publish_result *res)
{
    free(res->items);
    free(res->lines);
    res->items = NULL;
    res->lines = NULL;
    res->n = 0;
}

static const hln_node_item *publish_get(void *ctx, size_t i, hln_node_item *it)
{
    const hln_publish_result *res = ctx;
    memset(it, 0, offsetof(hln_node_item, body) + sizeof it->body.observation);
    it->type = HLN_REC_OBSERVATION;
    hln_observation *ob = &it->body.observation;
    *ob = res->items[i].obs;
    if (res->items[i].reason != HLN_SUPP_NONE) {
        /* Withheld: the fact of reporting stays, the counts go nowhere. */
        ob->suppressed = true;
        ob->numerator = 0;
        ob->denominator = 0;
        ob->n_extra = 0;
        memset(ob->extra, 0, sizeof ob->extra);
    }
    return it;
}

int hln_node_publish_items(hln_node *n, hln_publish_result *res, uint64_t ts_ms, char *err,
                           size_t errlen)
{
    /* Each record's item is built as it is sealed: no array of them. */
    return append_items(n, res->scope, res->n, publish_get, res, ts_ms, &res->first_seq, err,
                        errlen);
}

/* The scope and the minimum cell asked for, checked for both publishing paths. */
static int publish_begin(hln_node *n, const hln_publish_opts *o, hln_publish_result *res,
                         char *err, size_t errlen)
{
    memset(res, 0, sizeof *res);
    if (o->scope)
        snprintf(res->scope, sizeof res->scope, "%s", o->scope);
    else
        hln_node_default_scope(n, res->scope);
    if ((o->scope && strlen(o->scope) > HLN_SCOPE_MAX) || !hln_node_scope_ok(n, res->scope)) {
        hln_util_seterr(err, errlen, "scope: must be global or a jurisdiction that contains %s",
               n->info.jurisdiction[0] ? n->info.jurisdiction : "the node's");
        return HLN_EPERM;
    }
    if (o->min_cell > HLN_MIN_CELL_MAX) {
        hln_util_seterr(err, errlen, "min-cell: at most %u", HLN_MIN_CELL_MAX);
        return HLN_EINVAL;
    }
    return 0;
}

/* Rows already checked: disclosure control, then (unless a dry run) one batch. */
static int publish_checked(hln_node *n, hln_csv_row *rows, size_t nrows, const hln_publish_opts *o,
                           hln_publish_result *res, char *err, size_t errlen)
{
    int rc;
    if ((rc = hln_node_min_cell(n, o->min_cell, &res->min_cell)) < 0) {
        hln_util_seterr(err, errlen, "store: %s", hln_strerror(rc));
        return rc;
    }
    res->items = calloc(nrows ? nrows : 1, sizeof *res->items);
    res->lines = calloc(nrows ? nrows : 1, sizeof *res->lines);
    if (!res->items || !res->lines)
        return HLN_ENOMEM;
    res->n = nrows;
    for (size_t i = 0; i < nrows; i++) {
        if (rows[i].kind == HLN_KIND_MEAN) { /* n, sum and the sum of squares (128 bits) */
            rows[i].obs.n_extra = 2;
            rows[i].obs.extra[0] = rows[i].sumsq_lo;
            rows[i].obs.extra[1] = rows[i].sumsq_hi;
        }
        res->items[i].obs = rows[i].obs;
        res->items[i].kind = rows[i].kind;
        res->lines[i] = rows[i].line;
    }
    if ((rc = hln_disclosure_apply(res->items, res->n, res->min_cell)) < 0)
        return rc;
    for (size_t i = 0; i < res->n; i++)
        res->n_suppressed += res->items[i].reason != HLN_SUPP_NONE;
    if (o->dry_run)
        return 0;
    return hln_node_publish_items(n, res, o->ts_ms, err, errlen);
}

int hln_node_publish_rows(hln_node *n, hln_csv_row *rows, size_t nrows, const hln_publish_opts *o,
                          hln_publish_result *res, char *err, size_t errlen)
{
    int rc = publish_begin(n, o, res, err, errlen);
    if (rc == 0)
        rc = publish_checked(n, rows, nrows, o, res, err, errlen);
    if (rc < 0)
        hln_publish_result_free(res);
    return rc;
}

int hln_node_publish_csv(hln_node *n, const char *buf, size_t len, const hln_publish_opts *o,
                         hln_csv_problem_cb cb, void *ctx, hln_publish_result *res, char *err,
                         size_t errlen)
{
    int rc = publish_begin(n, o, res, err, errlen);
    if (rc < 0)
        return rc;
    hln_node_def *defs = NULL;
    size_t ndefs = 0;
    hln_csv_row *rows = NULL;
    size_t nrows = 0;
    rc = hln_node_definitions(n, &defs, &ndefs);
    if (rc < 0) {
        hln_util_seterr(err, errlen, "store: %s", hln_strerror(rc));
        goto out;
    }
    lookup_ctx l = {defs, ndefs};
    hln_csv_opts co = {.columns = o->columns, .note = o->note, .note_ctx = o->note_ctx};
    rc = hln_csvin_parse_ex(buf, len, &co, lookup_def, &l, cb, ctx, &rows, &nrows);
    if (rc == 0) /* node/bench_dsr.c: a DSR's age bands become one observation per unit */
        rc = hln_bench_dsr_collapse(lookup_def, &l, rows, &nrows, cb, ctx);
    if (rc < 0) {
        if (rc == HLN_ETOOBIG)
            hln_util_seterr(err, errlen, "file larger than %u bytes", HLN_CSV_FILE_MAX);
        goto out;
    }
    rc = publish_checked(n, rows, nrows, o, res, err, errlen);
out:
    if (rc < 0)
        hln_publish_result_free(res);
    free(rows);
    free(defs);
    return rc;
}

int hln_read_file(const char *path, size_t max, char **buf, size_t *len)
{
    *buf = NULL;
    *len = 0;
    /* O_NONBLOCK: a FIFO (or a device) named here must not block the open;
     * only a regular file is read. */
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
    if (fd < 0)
        return errno == ENOENT ? HLN_ENOTFOUND : errno == EACCES || errno == EPERM ? HLN_EPERM : HLN_EIO;
    int rc = 0;
    char *b = NULL;
    struct stat st;
    if (fstat(fd, &st) < 0) {
        rc = HLN_EIO;
        goto out;
    }
    if (!S_ISREG(st.st_mode)) {
        rc = HLN_EINVAL;
        goto out;
    }
    if ((uint64_t)st.st_size > max) {
        rc = HLN_ETOOBIG;
        goto out;
    }
    size_t cap = (size_t)st.st_size + 1, used = 0;
    b = malloc(cap);
    if (!b) {
        rc = HLN_ENOMEM;
        goto out;
    }
    for (;;) {
        /* The file may grow while we read: never past max. */
        if (used + 1 >= cap) {
            if (cap > max + 1) {
                rc = HLN_ETOOBIG;
                goto out;
            }
            char *nb = realloc(b, cap * 2);
            if (!nb) {
                rc = HLN_ENOMEM;
                goto out;
            }
            b = nb;
            cap *= 2;
        }
        ssize_t r = read(fd, b + used, cap - 1 - used);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            rc = HLN_EIO;
            goto out;
        }
        if (r == 0)
            break;
        used += (size_t)r;
    }
    if (used > max) {
        rc = HLN_ETOOBIG;
        goto out;
    }
    b[used] = '\0';
    *buf = b;
    *len = used;
    b = NULL;
out:
    free(b);
    close(fd);
    return rc;
}

/* ---- the catch-up mark ---- */

bool hln_node_catch_up_pending(hln_store *s)
{
    char v[8];
    size_t vlen = 0;
    return hln_store_kv_get(s, HLN_TABLE_META, HLN_META_CATCH_UP, strlen(HLN_META_CATCH_UP), v,
                            sizeof v, &vlen) == 0;
}

int hln_node_catch_up_set(hln_store *s, bool pending)
{
    int rc;
    if (pending)
        return hln_store_kv_put(s, HLN_TABLE_META, HLN_META_CATCH_UP, strlen(HLN_META_CATCH_UP),
                                "1", 1);
    rc = hln_store_kv_del(s, HLN_TABLE_META, HLN_META_CATCH_UP, strlen(HLN_META_CATCH_UP));
    return rc == HLN_ENOTFOUND ? 0 : rc;
}
