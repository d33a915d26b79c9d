/* verify.c - the evidence behind a benchmark and the bench-verify exchange between nodes (sans-I/O,
 * like sync.c: the daemon hands it messages and a send function). */
#include "node/verify.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "crypto/err.h"
#include "proto/codes.h"
#include "node/bench.h"
#include "node/bench_view.h"
#include "node/control.h"
#include "node/util.h"

/* ---- evidence: our own digest and the feeds behind it ---- */

static int cmp_id(const void *a, const void *b)
{
    return memcmp(a, b, HLN_HASH_LEN);
}

static int cmp_feed(const void *a, const void *b)
{
    return memcmp(a, b, sizeof(hln_feed_id));
}

typedef struct {
    uint8_t (*ids)[HLN_HASH_LEN]; /* sorted */
    size_t n_ids;
    hln_feed_id *feeds;
    size_t n, cap;
} feed_walk;

/* The index entry of a record that counted (or was suppressed) names its feed. */
static int feed_cb(void *ctx, const hln_obs_entry *e)
{
    feed_walk *w = ctx;
    if (!w->n_ids || !bsearch(e->id, w->ids, w->n_ids, HLN_HASH_LEN, cmp_id))
        return 0;
    hln_feed_id f;
    memset(&f, 0, sizeof f);
    memcpy(f.author, e->author, HLN_KEY_LEN);
    memcpy(f.scope, e->scope, strnlen(e->scope, HLN_SCOPE_MAX));
    /* Runs of one author come together: skip the repeat cheaply. */
    if (w->n && !memcmp(&w->feeds[w->n - 1], &f, sizeof f))
        return 0;
    if (hln_util_grow((void **)&w->feeds, &w->cap, w->n + 1, sizeof *w->feeds))
        return HLN_ENOMEM;
    w->feeds[w->n++] = f;
    return 0;
}

static int store_head(hln_store *s, const hln_feed_id *feed, uint64_t *seq,
                      uint8_t head[HLN_WIRE_HEAD_LEN])
{
    uint8_t id[HLN_HASH_LEN];
    *seq = 0;
    memset(head, 0, HLN_WIRE_HEAD_LEN);
    int rc = hln_store_head(s, feed, seq, id);
    if (rc == HLN_ENOTFOUND) {
        *seq = 0;
        return 0;
    }
    if (rc)
        return rc;
    if (*seq)
        memcpy(head, id, HLN_WIRE_HEAD_LEN);
    return 0;
}

void hln_evidence_free(hln_evidence *e)
{
    if (!e)
        return;
    free(e->feeds);
    memset(e, 0, sizeof *e);
}

int hln_evidence_compute(hln_node *node, hln_trust *trust, const hln_verify_query *q,
                         uint64_t now_wall_ms, hln_evidence *out)
{
    hln_node_def *defs = NULL;
    size_t ndefs = 0;
    hln_bench_result *r = NULL;
    feed_walk w = {0};
    int rc;
    memset(out, 0, sizeof *out);
    if (!node || !q || q->method > HLN_DIGEST_METHOD_WILSON ||
        !hln_code_indicator(q->indicator, strlen(q->indicator)) ||
        !hln_code_period(q->period, strlen(q->period)) ||
        !hln_wire_group_valid(q->group, strlen(q->group)) ||
        !hln_code_stratum(q->stratum, strlen(q->stratum)))
        return HLN_EINVAL;
    hln_store *s = hln_node_store(node);
    if ((rc = hln_node_definitions(node, &defs, &ndefs)) != 0)
        goto out;
    const hln_node_def *def = hln_node_find_def(defs, ndefs, q->indicator);
    if (!def) {
        out->status = HLN_DIGEST_UNKNOWN_INDICATOR;
        goto out;
    }
    /* Who counts: exactly as `hlnctl bench` decides (node/bench_view.h). */
    hln_bench_view view = {.node = node, .trust = trust, .now_ms = now_wall_ms};
    hln_bench_group g;
    memset(&g, 0, sizeof g);
    if (!trust || (rc = hln_bench_group_parse(q->group, &g)) != 0) {
        rc = HLN_EINVAL;
        goto out;
    }
    g.view = &view;
    hln_bench_query bq = {
        .indicator = &def->def,
        .period = q->period,
        .group = g.text,
        .in_group = hln_bench_group_has,
        .group_ctx = &g,
        .excluded = hln_bench_view_excluded,
        .excluded_ctx = &view,
        .successor = hln_bench_view_successor,
        .successor_ctx = &view,
        .stratum = q->stratum,
        .method = q->method == HLN_DIGEST_METHOD_DEFAULT ? -1
                  : q->method == HLN_DIGEST_METHOD_EXACT ? HLN_FUNNEL_EXACT
                                                         : HLN_FUNNEL_WILSON,
        .ci = HLN_CI_WILSON,
    };
    if ((rc = hln_bench_run(s, &bq, &r)) != 0)
        goto out;
    memcpy(out->digest, r->digest, HLN_HASH_LEN);
    out->counted = r->n_units;
    out->suppressed = r->n_suppressed;

    w.n_ids = r->n_units + r->n_suppressed;
    if (w.n_ids) {
        if (!(w.ids = malloc(w.n_ids * HLN_HASH_LEN))) {
            rc = HLN_ENOMEM;
            goto out;
        }
        for (size_t i = 0; i < r->n_units; i++)
            memcpy(w.ids[i], r->units[i].id, HLN_HASH_LEN);
        for (size_t i = 0; i < r->n_suppressed; i++)
            memcpy(w.ids[r->n_units + i], r->suppressed[i].id, HLN_HASH_LEN);
        qsort(w.ids, w.n_ids, HLN_HASH_LEN, cmp_id);
        if ((rc = hln_store_foreach_obs(s, q->indicator, q->period, q->stratum, feed_cb, &w)) != 0)
            goto out;
    }
    if (w.n > 1)
        qsort(w.feeds, w.n, sizeof *w.feeds, cmp_feed);
    if (w.n && !(out->feeds = calloc(w.n, sizeof *out->feeds))) {
        rc = HLN_ENOMEM;
        goto out;
    }
    for (size_t i = 0; i < w.n; i++) {
        if (out->n_feeds &&
            !memcmp(&out->feeds[out->n_feeds - 1].feed, &w.feeds[i], sizeof w.feeds[i]))
            continue;
        hln_evidence_feed *f = &out->feeds[out->n_feeds];
        f->feed = w.feeds[i];
        if ((rc = store_head(s, &f->feed, &f->seq, f->head)) != 0)
            goto out;
        if (f->seq == 0)
            continue; /* cannot happen: the record is held; never list a feed we lack */
        out->n_feeds++;
    }
    out->status = HLN_DIGEST_OK;
out:
    if (rc) {
        hln_evidence_free(out);
        out->status = HLN_DIGEST_FAILED;
    }
    hln_bench_result_destroy(&r);
    free(w.ids);
    free(w.feeds);
    free(defs);
    return rc;
}

static const hln_evidence_feed *find_feed(const hln_evidence *e, const hln_feed_id *f)
{
    return e->n_feeds ? bsearch(f, e->feeds, e->n_feeds, sizeof *e->feeds, cmp_feed) : NULL;
}

/* ---- causes ---- */

const char *hln_verify_cause_name(hln_verify_cause_kind k)
{
    static const char *const names[] = {
        "peer-lacks-feed",     "peer-behind",     "we-lack-feed",     "we-are-behind", "fork",
        "counted-differently", "different-rules", "different-engine", "truncated"};
    return (unsigned)k < sizeof names / sizeof names[0] ? names[k] : "unknown";
}

static int add_cause(hln_verify_cause **v, size_t *n, size_t *cap, const hln_verify_cause *c)
{
    if (hln_util_grow((void **)v, cap, *n + 1, sizeof **v))
        return HLN_ENOMEM;
    (*v)[(*n)++] = *c;
    return 0;
}

int hln_verify_causes(const hln_evidence *ours, bool our_truncated, hln_wire_msg *reply,
                      hln_verify_head_fn head, void *head_ctx, hln_verify_cause **causes, size_t *n)
{
    hln_verify_cause *v = NULL;
    size_t nv = 0, cap = 0;
    hln_wire_clock_entry e;
    int rc = 0;
    *causes = NULL;
    *n = 0;
    while (hln_wire_evidence_next(reply, &e)) {
        hln_verify_cause c = {.feed = e.feed};
        uint8_t our_head[HLN_WIRE_HEAD_LEN] = {0};
        c.peer_seq = HLN_CLOCK_SEQ(e.value);
        c.peer_counts = (e.value & 1u) != 0;
        const hln_evidence_feed *f = find_feed(ours, &e.feed);
        if (f) {
            c.our_seq = f->seq;
            c.we_count = true;
            memcpy(our_head, f->head, HLN_WIRE_HEAD_LEN);
        } else if (head && head(head_ctx, &e.feed, &c.our_seq, our_head) != 0) {
            c.our_seq = 0;
        }
        if (c.peer_seq == 0 && c.our_seq == 0)
            continue; /* neither holds it: nothing to say */
        if (c.peer_seq == 0)
            c.kind = HLN_CAUSE_PEER_LACKS;
        else if (c.our_seq == 0)
            c.kind = HLN_CAUSE_WE_LACK;
        else if (c.peer_seq < c.our_seq)
            c.kind = HLN_CAUSE_PEER_BEHIND;
        else if (c.peer_seq > c.our_seq)
            c.kind = HLN_CAUSE_WE_BEHIND;
        else if (memcmp(our_head, e.head, HLN_WIRE_HEAD_LEN) != 0)
            c.kind = HLN_CAUSE_FORK;
        else if (c.peer_counts != c.we_count)
            c.kind = HLN_CAUSE_COUNTED;
        else
            continue; /* the peer listed a feed that does not differ */
        if ((rc = add_cause(&v, &nv, &cap, &c)) != 0)
            goto fail;
    }
    if (nv == 0) {
        char engine[HLN_WIRE_ENGINE_MAX + 1];
        snprintf(engine, sizeof engine, "%.*s", (int)reply->engine.len,
                 (const char *)reply->engine.p);
        hln_verify_cause c = {.kind = strcmp(engine, HLN_BENCH_VERSION) ? HLN_CAUSE_ENGINE
                                                                        : HLN_CAUSE_RULES};
        if ((rc = add_cause(&v, &nv, &cap, &c)) != 0)
            goto fail;
    }
    if (our_truncated || (reply->flags & HLN_DIGEST_TRUNCATED)) {
        hln_verify_cause c = {.kind = HLN_CAUSE_TRUNCATED};
        if ((rc = add_cause(&v, &nv, &cap, &c)) != 0)
            goto fail;
    }
    *causes = v;
    *n = nv;
    return 0;
fail:
    free(v);
    return rc;
}

/* ---- hlnd: the responder and the requester ---- */

typedef struct {
    uint8_t id[HLN_KEY_LEN];
    hln_util_bucket bucket; /* HLN_VERIFY_PEER_BURST, one per HLN_VERIFY_PEER_REFILL_MS */
    uint64_t used_ms;       /* last request: the least recent entry makes room */
    uint64_t busy_ms;       /* last busy reply: at most one a second */
} vlimit;

enum { P_UNSENT = 0, P_WAITING = 1, P_ANSWERED = 2 };

typedef struct {
    uint8_t id[HLN_KEY_LEN];
    char name[65];
    int state;
    uint64_t rtt_ms;
    uint32_t status, flags;
    uint8_t digest[HLN_HASH_LEN];
    char engine[HLN_WIRE_ENGINE_MAX + 1];
    uint64_t counted, suppressed;
    hln_verify_cause *causes;
    size_t n_causes;
} vpeer;

typedef struct {
    bool used;
    uint32_t id;
    hln_verify_query q;
    hln_evidence ours;
    bool truncated;
    uint64_t started_ms, deadline_ms;
    vpeer *peers;
    size_t n_peers;
} vquery;

#define LIMITS_MAX 256

struct hln_bench_verify {
    hln_node *node;
    hln_sync_store *ss;
    hln_bench_verify_send_fn send;
    void *send_ctx;
    vquery queries[HLN_VERIFY_QUERIES_MAX];
    vlimit limits[LIMITS_MAX];
    size_t n_limits;
    hln_wire_buf buf;
    uint64_t answered, refused;
};

static void query_clear(vquery *q)
{
    for (size_t i = 0; i < q->n_peers; i++)
        free(q->peers[i].causes);
    free(q->peers);
    hln_evidence_free(&q->ours);
    memset(q, 0, sizeof *q);
}

int hln_bench_verify_new(hln_node *node, hln_sync_store *ss, hln_bench_verify_send_fn send,
                         void *send_ctx, hln_bench_verify **out)
{
    *out = NULL;
    if (!node || !send)
        return HLN_EINVAL;
    hln_bench_verify *v = calloc(1, sizeof *v);
    if (!v)
        return HLN_ENOMEM;
    v->node = node;
    v->ss = ss;
    v->send = send;
    v->send_ctx = send_ctx;
    hln_wire_buf_init(&v->buf);
    *out = v;
    return 0;
}

void hln_bench_verify_destroy(hln_bench_verify **vp)
{
    hln_bench_verify *v = *vp;
    if (!v)
        return;
    for (size_t i = 0; i < HLN_VERIFY_QUERIES_MAX; i++)
        query_clear(&v->queries[i]);
    hln_wire_buf_free(&v->buf);
    free(v);
    *vp = NULL;
}

bool hln_bench_verify_handles(const uint8_t *msg, size_t len)
{
    /* Both messages are fixarrays of 9 whose type is a positive fixint. */
    return msg && len >= 2 && msg[0] == 0x99 &&
           (msg[1] == HLN_MSG_DIGEST_REQUEST || msg[1] == HLN_MSG_DIGEST_REPLY);
}

static hln_trust *trust_of(hln_bench_verify *v)
{
    return v->ss ? hln_sync_store_trust(v->ss) : NULL;
}

/* A token bucket per peer; the table is bounded, the least recently used
 * entry makes room. */
static vlimit *limit_of(hln_bench_verify *v, const uint8_t id[HLN_KEY_LEN], uint64_t now)
{
    size_t lru = 0;
    for (size_t i = 0; i < v->n_limits; i++) {
        if (!memcmp(v->limits[i].id, id, HLN_KEY_LEN))
            return &v->limits[i];
        if (v->limits[i].used_ms < v->limits[lru].used_ms)
            lru = i;
    }
    vlimit *l = v->n_limits < LIMITS_MAX ? &v->limits[v->n_limits++] : &v->limits[lru];
    memset(l, 0, sizeof *l);
    memcpy(l->id, id, HLN_KEY_LEN);
    l->used_ms = now; /* the zeroed bucket starts full at its first take */
    return l;
}

static bool limit_take(vlimit *l, uint64_t now)
{
    l->used_ms = now;
    return hln_util_bucket_take(&l->bucket, now, HLN_VERIFY_PEER_BURST, HLN_VERIFY_PEER_REFILL_MS);
}

static void copy_slice(char *dst, size_t cap, hln_wire_slice s)
{
    size_t n = s.len < cap - 1 ? s.len : cap - 1;
    memcpy(dst, s.p, n);
    dst[n] = '\0';
}

static int send_status(hln_bench_verify *v, const uint8_t peer[HLN_KEY_LEN], uint32_t query,
                       uint32_t status)
{
    hln_wire_digest_answer a = {.query_id = query, .status = status, .engine = HLN_BENCH_VERSION};
    int rc = hln_wire_digest_reply(&v->buf, &a, NULL, 0);
    return rc ? rc : v->send(v->send_ctx, peer, v->buf.p, v->buf.len);
}

static void entry_of(hln_wire_clock_entry *e, const hln_feed_id *f, uint64_t seq,
                     const uint8_t head[HLN_WIRE_HEAD_LEN], bool counted)
{
    memset(e, 0, sizeof *e);
    e->feed = *f;
    e->value = HLN_CLOCK_VALUE(seq, counted);
    if (seq)
        memcpy(e->head, head, HLN_WIRE_HEAD_LEN);
}

/* Answer a digest request: our evidence for the same query, and the feeds
 * where it differs from the requester's list (merged, both sorted). */
static int answer_request(hln_bench_verify *v, uint64_t now, const uint8_t peer[HLN_KEY_LEN],
                          hln_wire_msg *m)
{
    hln_verify_query q = {.method = m->method};
    hln_evidence ev;
    hln_wire_clock_entry *out = NULL, e;
    size_t n = 0;
    uint32_t flags = 0;
    int rc;
    copy_slice(q.indicator, sizeof q.indicator, m->indicator);
    copy_slice(q.period, sizeof q.period, m->period);
    copy_slice(q.group, sizeof q.group, m->group);
    copy_slice(q.stratum, sizeof q.stratum, m->stratum);

    vlimit *l = limit_of(v, peer, now);
    if (!limit_take(l, now)) {
        v->refused++;
        if (now - l->busy_ms < 1000)
            return 0; /* a flood: stay silent */
        l->busy_ms = now;
        return send_status(v, peer, m->query_id, HLN_DIGEST_BUSY);
    }
    rc = hln_evidence_compute(v->node, trust_of(v), &q, hln_util_wall_ms(), &ev);
    if (rc || ev.status != HLN_DIGEST_OK) {
        uint32_t st = rc ? HLN_DIGEST_FAILED : ev.status;
        hln_evidence_free(&ev);
        return send_status(v, peer, m->query_id, st);
    }
    size_t cap = (size_t)m->count + ev.n_feeds;
    if (cap > HLN_WIRE_EVIDENCE_MAX + 1)
        cap = HLN_WIRE_EVIDENCE_MAX + 1;
    if (cap && !(out = malloc(cap * sizeof *out))) {
        rc = HLN_ENOMEM;
        goto done;
    }
    size_t j = 0;
    bool have = hln_wire_evidence_next(m, &e);
    while ((have || j < ev.n_feeds) && n < cap) {
        int c = !have ? 1 : j == ev.n_feeds ? -1 : cmp_feed(&e.feed, &ev.feeds[j].feed);
        if (c == 0) {
            const hln_evidence_feed *f = &ev.feeds[j++];
            /* The same head on both sides, both counting: nothing to say. */
            if (HLN_CLOCK_SEQ(e.value) != f->seq || memcmp(e.head, f->head, HLN_WIRE_HEAD_LEN))
                entry_of(&out[n++], &f->feed, f->seq, f->head, true);
            have = hln_wire_evidence_next(m, &e);
        } else if (c < 0) {
            /* A feed the requester counts and we do not: our head of it. */
            uint64_t seq;
            uint8_t head[HLN_WIRE_HEAD_LEN];
            if ((rc = store_head(hln_node_store(v->node), &e.feed, &seq, head)) != 0)
                goto done;
            entry_of(&out[n++], &e.feed, seq, head, false);
            have = hln_wire_evidence_next(m, &e);
        } else {
            const hln_evidence_feed *f = &ev.feeds[j++];
            entry_of(&out[n++], &f->feed, f->seq, f->head, true);
        }
    }
    if (n > HLN_WIRE_EVIDENCE_MAX || have || j < ev.n_feeds) {
        flags |= HLN_DIGEST_TRUNCATED;
        if (n > HLN_WIRE_EVIDENCE_MAX)
            n = HLN_WIRE_EVIDENCE_MAX;
    }
    hln_wire_digest_answer a = {.query_id = m->query_id,
                                .flags = flags,
                                .status = HLN_DIGEST_OK,
                                .engine = HLN_BENCH_VERSION,
                                .counted = ev.counted,
                                .suppressed = ev.suppressed};
    memcpy(a.evidence, ev.digest, HLN_HASH_LEN);
    if ((rc = hln_wire_digest_reply(&v->buf, &a, out, n)) != 0)
        goto done;
    v->answered++;
    rc = v->send(v->send_ctx, peer, v->buf.p, v->buf.len);
done:
    if (rc && rc != HLN_EAGAIN && rc != HLN_ENOTFOUND)
        send_status(v, peer, m->query_id, HLN_DIGEST_FAILED);
    free(out);
    hln_evidence_free(&ev);
    return 0; /* the peer did nothing wrong */
}

static int head_cb(void *ctx, const hln_feed_id *feed, uint64_t *seq,
                   uint8_t head[HLN_WIRE_HEAD_LEN])
{
    return store_head(hln_node_store(((hln_bench_verify *)ctx)->node), feed, seq, head);
}

static void take_reply(hln_bench_verify *v, uint64_t now, const uint8_t peer[HLN_KEY_LEN],
                       hln_wire_msg *m)
{
    for (size_t i = 0; i < HLN_VERIFY_QUERIES_MAX; i++) {
        vquery *q = &v->queries[i];
        if (!q->used || q->id != m->query_id)
            continue;
        for (size_t k = 0; k < q->n_peers; k++) {
            vpeer *p = &q->peers[k];
            if (memcmp(p->id, peer, HLN_KEY_LEN) || p->state != P_WAITING)
                continue;
            p->state = P_ANSWERED;
            p->rtt_ms = now - q->started_ms;
            p->status = m->status;
            p->flags = m->flags;
            p->counted = m->counted;
            p->suppressed = m->suppressed;
            copy_slice(p->engine, sizeof p->engine, m->engine);
            memcpy(p->digest, m->evidence, HLN_HASH_LEN);
            if (m->status == HLN_DIGEST_OK && memcmp(p->digest, q->ours.digest, HLN_HASH_LEN) &&
                hln_verify_causes(&q->ours, q->truncated, m, head_cb, v, &p->causes,
                                  &p->n_causes) != 0)
                p->n_causes = 0;
            return;
        }
    }
    /* Late, unasked or repeated: ignored. */
}

int hln_bench_verify_receive(hln_bench_verify *v, uint64_t now_ms, const uint8_t peer[HLN_KEY_LEN],
                             const uint8_t *msg, size_t len)
{
    hln_wire_msg m;
    int rc = hln_wire_decode(msg, len, &m);
    if (rc)
        return rc;
    if (m.type == HLN_MSG_DIGEST_REQUEST)
        return answer_request(v, now_ms, peer, &m);
    if (m.type == HLN_MSG_DIGEST_REPLY)
        take_reply(v, now_ms, peer, &m);
    return 0;
}

/* ---- hlnd: control requests ---- */

static const char *get_str(json_object *o, const char *k, const char *dflt)
{
    json_object *x;
    if (!json_object_object_get_ex(o, k, &x))
        return dflt;
    return json_object_is_type(x, json_type_string) ? json_object_get_string(x) : NULL;
}

static bool set_field(char *dst, size_t cap, const char *s)
{
    if (!s || strlen(s) >= cap)
        return false;
    memcpy(dst, s, strlen(s) + 1);
    return true;
}

/* The query a control request asks for (group: by default the one
 * `hlnctl bench` compares in) and its timeout. 0 or HLN_EINVAL. */
static int query_of(hln_bench_verify *v, json_object *req, hln_verify_query *q,
                    int64_t *timeout)
{
    memset(q, 0, sizeof *q);
    char dflt[HLN_SCOPE_MAX + 1];
    hln_bench_default_group(hln_node_get_info(v->node), dflt);
    const char *method = get_str(req, "method", "");
    if (!set_field(q->indicator, sizeof q->indicator, get_str(req, "indicator", NULL)) ||
        !set_field(q->period, sizeof q->period, get_str(req, "period", NULL)) ||
        !set_field(q->group, sizeof q->group, get_str(req, "group", dflt)) ||
        !set_field(q->stratum, sizeof q->stratum, get_str(req, "stratum", "")) || !method)
        return HLN_EINVAL;
    if (!strcmp(method, "exact"))
        q->method = HLN_DIGEST_METHOD_EXACT;
    else if (!strcmp(method, "wilson"))
        q->method = HLN_DIGEST_METHOD_WILSON;
    else if (method[0])
        return HLN_EINVAL;
    *timeout = HLN_VERIFY_TIMEOUT_MS;
    json_object *t;
    if (json_object_object_get_ex(req, "timeout_ms", &t)) {
        if (!json_object_is_type(t, json_type_int))
            return HLN_EINVAL;
        *timeout = json_object_get_int64(t);
        if (*timeout < 0 || *timeout > HLN_VERIFY_TIMEOUT_MAX)
            return HLN_EINVAL;
    }
    return 0;
}

/* The slot for a new query: a free one, else the oldest query's. */
static vquery *query_slot(hln_bench_verify *v)
{
    vquery *slot = &v->queries[0];
    for (size_t i = 0; i < HLN_VERIFY_QUERIES_MAX; i++) {
        if (!v->queries[i].used)
            return &v->queries[i];
        if (v->queries[i].started_ms < slot->started_ms)
            slot = &v->queries[i];
    }
    return slot;
}

/* The digest request into v->buf: the query with our counted feeds and
 * heads (at most HLN_WIRE_EVIDENCE_MAX; slot->truncated says when more).
 * 0, HLN_ENOMEM or the encoder's error. */
static int request_of(hln_bench_verify *v, vquery *slot)
{
    size_t n = slot->ours.n_feeds;
    if (n > HLN_WIRE_EVIDENCE_MAX) {
        n = HLN_WIRE_EVIDENCE_MAX;
        slot->truncated = true;
    }
    hln_wire_clock_entry *es = n ? malloc(n * sizeof *es) : NULL;
    if (n && !es)
        return HLN_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        const hln_evidence_feed *f = &slot->ours.feeds[i];
        entry_of(&es[i], &f->feed, f->seq, f->head, true);
    }
    const hln_verify_query *q = &slot->q;
    hln_wire_digest_query wq = {.query_id = slot->id,
                                .flags = slot->truncated ? HLN_DIGEST_TRUNCATED : 0,
                                .method = q->method,
                                .indicator = q->indicator,
                                .period = q->period,
                                .group = q->group,
                                .stratum = q->stratum};
    int rc = hln_wire_digest_request(&v->buf, &wq, es, n);
    free(es);
    return rc;
}

static int start_query(hln_bench_verify *v, uint64_t now, json_object *req, json_object *reply,
                       const hln_verify_peer *up, size_t n_up)
{
    hln_verify_query q;
    int64_t timeout;
    int rc = query_of(v, req, &q, &timeout);
    if (rc)
        return rc;
    vquery *slot = query_slot(v);
    query_clear(slot);
    rc = hln_evidence_compute(v->node, trust_of(v), &q, hln_util_wall_ms(), &slot->ours);
    if (rc)
        return rc;
    if (slot->ours.status == HLN_DIGEST_UNKNOWN_INDICATOR) {
        hln_evidence_free(&slot->ours);
        return HLN_ENOTFOUND;
    }
    slot->q = q;
    do
        hln_random(&slot->id, sizeof slot->id);
    while (slot->id == 0);
    slot->started_ms = now;
    slot->deadline_ms = now + (uint64_t)timeout;
    slot->used = true;
    if (n_up && !(slot->peers = calloc(n_up, sizeof *slot->peers))) {
        query_clear(slot);
        return HLN_ENOMEM;
    }
    slot->n_peers = n_up;
    if ((rc = request_of(v, slot)) != 0) {
        query_clear(slot);
        return rc;
    }
    size_t asked = 0;
    for (size_t i = 0; i < n_up; i++) {
        vpeer *p = &slot->peers[i];
        memcpy(p->id, up[i].id, HLN_KEY_LEN);
        snprintf(p->name, sizeof p->name, "%s", up[i].name ? up[i].name : "");
        if (v->send(v->send_ctx, p->id, v->buf.p, v->buf.len) == 0) {
            p->state = P_WAITING;
            asked++;
        }
    }
    char qid[16];
    snprintf(qid, sizeof qid, "%u", slot->id);
    json_object_object_add(reply, "query", json_object_new_string(qid));
    json_object_object_add(reply, "asked", json_object_new_int64((int64_t)asked));
    json_object_object_add(reply, "timeout_ms", json_object_new_int64(timeout));
    return 0;
}

static void add_hex(json_object *o, const char *k, const uint8_t *p, size_t n)
{
    char hex[2 * HLN_HASH_LEN + 1];
    hln_hex(p, n, hex);
    json_object_object_add(o, k, json_object_new_string(hex));
}

/* A feed's author by name when the trust view has one. */
static void author_name(hln_bench_verify *v, const uint8_t *author, char *out, size_t cap)
{
    hln_trust_info ti;
    hln_trust *t = trust_of(v);
    out[0] = '\0';
    if (!memcmp(author, hln_node_pk(v->node), HLN_KEY_LEN)) {
        snprintf(out, cap, "%s", hln_node_get_info(v->node)->name);
        return;
    }
    int rc = t ? hln_trust_member(t, author, hln_util_wall_ms(), &ti) : HLN_ENOTFOUND;
    if ((rc == 0 || rc == HLN_ETRUST) && ti.name[0])
        snprintf(out, cap, "%s", ti.name);
}

static json_object *cause_json(hln_bench_verify *v, const hln_verify_cause *c)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "kind", json_object_new_string(hln_verify_cause_name(c->kind)));
    if (c->kind <= HLN_CAUSE_COUNTED) {
        char idt[HLN_ID_TEXT_LEN + 1], sid[HLN_ID_SHORT_LEN + 1], name[HLN_NAME_MAX + 1];
        hln_id_to_text(c->feed.author, idt);
        hln_id_short(c->feed.author, sid);
        author_name(v, c->feed.author, name, sizeof name);
        json_object_object_add(o, "author", json_object_new_string(idt));
        json_object_object_add(o, "author_short", json_object_new_string(sid));
        json_object_object_add(o, "author_name", json_object_new_string(name));
        json_object_object_add(o, "scope", json_object_new_string(c->feed.scope));
        json_object_object_add(o, "peer_seq", json_object_new_int64((int64_t)c->peer_seq));
        json_object_object_add(o, "our_seq", json_object_new_int64((int64_t)c->our_seq));
        json_object_object_add(o, "peer_counts", json_object_new_boolean(c->peer_counts));
        json_object_object_add(o, "we_count", json_object_new_boolean(c->we_count));
    }
    return o;
}

static const char *state_name(const vpeer *p)
{
    if (p->state == P_UNSENT)
        return "unreachable";
    if (p->state == P_WAITING)
        return "no-answer";
    switch (p->status) {
    case HLN_DIGEST_OK:
        return "answered";
    case HLN_DIGEST_UNKNOWN_INDICATOR:
        return "unknown-indicator";
    case HLN_DIGEST_BUSY:
        return "busy";
    default:
        return "failed";
    }
}

static int query_result(hln_bench_verify *v, uint64_t now, json_object *req, json_object *reply)
{
    const char *qs = get_str(req, "query", NULL);
    char *end = NULL;
    if (!qs || !qs[0])
        return HLN_EINVAL;
    unsigned long id = strtoul(qs, &end, 10);
    if (*end || id == 0 || id > UINT32_MAX)
        return HLN_EINVAL;
    vquery *q = NULL;
    for (size_t i = 0; i < HLN_VERIFY_QUERIES_MAX; i++)
        if (v->queries[i].used && v->queries[i].id == id)
            q = &v->queries[i];
    if (!q)
        return HLN_ENOTFOUND;
    bool done = now >= q->deadline_ms;
    if (!done) {
        done = true;
        for (size_t i = 0; i < q->n_peers; i++)
            done = done && q->peers[i].state != P_WAITING;
    }
    json_object_object_add(reply, "done", json_object_new_boolean(done));
    json_object *qo = json_object_new_object();
    json_object_object_add(qo, "indicator", json_object_new_string(q->q.indicator));
    json_object_object_add(qo, "period", json_object_new_string(q->q.period));
    json_object_object_add(qo, "group", json_object_new_string(q->q.group));
    json_object_object_add(qo, "stratum", json_object_new_string(q->q.stratum));
    json_object_object_add(qo, "method",
                           json_object_new_string(q->q.method == HLN_DIGEST_METHOD_EXACT ? "exact"
                                                  : q->q.method == HLN_DIGEST_METHOD_WILSON
                                                      ? "wilson"
                                                      : ""));
    json_object_object_add(reply, "query", qo);
    json_object *lo = json_object_new_object();
    add_hex(lo, "digest", q->ours.digest, HLN_HASH_LEN);
    json_object_object_add(lo, "engine", json_object_new_string(HLN_BENCH_VERSION));
    json_object_object_add(lo, "counted", json_object_new_int64((int64_t)q->ours.counted));
    json_object_object_add(lo, "suppressed", json_object_new_int64((int64_t)q->ours.suppressed));
    json_object_object_add(lo, "feeds", json_object_new_int64((int64_t)q->ours.n_feeds));
    json_object_object_add(reply, "local", lo);
    json_object *arr = json_object_new_array();
    for (size_t i = 0; i < q->n_peers; i++) {
        const vpeer *p = &q->peers[i];
        json_object *po = json_object_new_object();
        char idt[HLN_ID_TEXT_LEN + 1];
        hln_id_to_text(p->id, idt);
        json_object_object_add(po, "id", json_object_new_string(idt));
        json_object_object_add(po, "name", json_object_new_string(p->name));
        json_object_object_add(po, "state", json_object_new_string(state_name(p)));
        bool answered = p->state == P_ANSWERED && p->status == HLN_DIGEST_OK;
        bool agrees = answered && !memcmp(p->digest, q->ours.digest, HLN_HASH_LEN);
        if (answered) {
            add_hex(po, "digest", p->digest, HLN_HASH_LEN);
            json_object_object_add(po, "engine", json_object_new_string(p->engine));
            json_object_object_add(po, "counted", json_object_new_int64((int64_t)p->counted));
            json_object_object_add(po, "suppressed", json_object_new_int64((int64_t)p->suppressed));
            json_object_object_add(po, "rtt_ms", json_object_new_int64((int64_t)p->rtt_ms));
        }
        json_object_object_add(po, "agrees", json_object_new_boolean(agrees));
        json_object *ca = json_object_new_array();
        for (size_t k = 0; k < p->n_causes && k < HLN_VERIFY_CAUSES_SHOWN; k++)
            json_object_array_add(ca, cause_json(v, &p->causes[k]));
        json_object_object_add(po, "causes", ca);
        json_object_object_add(
            po, "causes_more",
            json_object_new_int64(p->n_causes > HLN_VERIFY_CAUSES_SHOWN
                                      ? (int64_t)(p->n_causes - HLN_VERIFY_CAUSES_SHOWN)
                                      : 0));
        json_object_array_add(arr, po);
    }
    json_object_object_add(reply, "peers", arr);
    return 0;
}

int hln_bench_verify_control(hln_bench_verify *v, uint64_t now_ms, const char *cmd,
                             json_object *req, json_object *reply, const hln_verify_peer *up,
                             size_t n_up)
{
    if (!v || !cmd)
        return HLN_EINVAL;
    if (!strcmp(cmd, "bench.verify"))
        return start_query(v, now_ms, req, reply, up, n_up);
    if (!strcmp(cmd, "bench.verify.result"))
        return query_result(v, now_ms, req, reply);
    return HLN_EINVAL;
}
