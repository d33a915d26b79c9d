/* daemon.c - hlnd's main loop: the sync engine driven by the ZeroMQ transport, the control socket,
 * signals, systemd. */
#include "node/heal.h"
#include "node/hlnd/daemon.h"

#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <systemd/sd-daemon.h>
#include <time.h>
#include <unistd.h>

#include "crypto/err.h"
#include "proto/wire.h"
#include "node/control.h"
#include "node/discovery.h"
#include "node/gov.h"
#include "node/hlnd/explain.h"
#include "node/hlnd/expiry.h"
#include "node/hlnd/log.h"
#include "node/hlnd/transport.h"
#include "node/hlnd/writer.h"
#include "node/metrics.h"
#include "node/node.h"
#include "node/peers.h"
#include "node/pool.h"
#include "node/sync.h"
#include "node/sync_store.h"
#include "node/util.h"
#include "node/verify.h"

/* ---- configuration ------------------------------------------------------ */

int hlnd_load_config(const hlnd_args *a, hln_config *c, char *err, size_t errlen)
{
    int rc;
    hln_config_defaults(c);
    if (a->config_path && (rc = hln_config_load(c, a->config_path, err, errlen)) != 0)
        return rc;
    if (a->data_dir) {
        if (strlen(a->data_dir) >= sizeof c->data_dir) {
            snprintf(err, errlen, "-d: path too long");
            return HLN_ECONFIG;
        }
        strcpy(c->data_dir, a->data_dir);
    }
    if (a->listen) {
        if (!hln_config_endpoint_valid(a->listen)) {
            snprintf(err, errlen,
                     "--listen %.128s: not an endpoint (tcp://HOST:PORT or ipc://PATH)", a->listen);
            return HLN_ECONFIG;
        }
        strcpy(c->listen, a->listen);
    }
    if (a->metrics_file) {
        if (a->metrics_file[0] != '/' || strlen(a->metrics_file) >= sizeof c->metrics_file) {
            snprintf(err, errlen, "--metrics-file: an absolute path under %zu bytes",
                     sizeof c->metrics_file);
            return HLN_ECONFIG;
        }
        strcpy(c->metrics_file, a->metrics_file);
    }
    return 0;
}

/* ---- peers' announced heads (for "records behind") ----------------------- */

/* An open-addressing map feed -> seq, one per peer: what the peer's clock
 * messages said it holds. Bounded, so a peer cannot grow it without limit. */
#define HEADMAP_MAX (1u << 20)
typedef struct {
    hln_feed_id feed;
    uint64_t seq; /* 0: empty slot */
} head_slot;
typedef struct {
    head_slot *slots;
    size_t cap, n;
} headmap;

static uint64_t feed_hash(const hln_feed_id *f)
{
    uint64_t h = 1469598103934665603ull;
    const uint8_t *p = (const uint8_t *)f;
    for (size_t i = 0; i < sizeof *f; i++)
        h = (h ^ p[i]) * 1099511628211ull;
    return h;
}

static void headmap_clear(headmap *m)
{
    free(m->slots);
    m->slots = NULL;
    m->cap = m->n = 0;
}

static int headmap_put(headmap *m, const hln_feed_id *f, uint64_t seq)
{
    if (seq == 0)
        return 0; /* the map never removes: a seq of 0 is "nothing known" anyway */
    if ((m->n + 1) * 2 > m->cap) {
        if (m->n >= HEADMAP_MAX)
            return HLN_ETOOBIG;
        size_t cap = m->cap ? m->cap * 2 : 64;
        head_slot *ns = calloc(cap, sizeof *ns);
        if (!ns)
            return HLN_ENOMEM;
        for (size_t i = 0; i < m->cap; i++) {
            if (!m->slots[i].seq)
                continue;
            size_t j = feed_hash(&m->slots[i].feed) & (cap - 1);
            while (ns[j].seq)
                j = (j + 1) & (cap - 1);
            ns[j] = m->slots[i];
        }
        free(m->slots);
        m->slots = ns;
        m->cap = cap;
    }
    size_t j = feed_hash(f) & (m->cap - 1);
    while (m->slots[j].seq && memcmp(&m->slots[j].feed, f, sizeof *f) != 0)
        j = (j + 1) & (m->cap - 1);
    if (!m->slots[j].seq) {
        m->n++;
        m->slots[j].feed = *f;
    }
    m->slots[j].seq = seq;
    return 0;
}

/* ---- the daemon --------------------------------------------------------- */

typedef struct {
    uint8_t id[HLN_KEY_LEN];
    char short_id[HLN_ID_SHORT_LEN + 1];
    char name[HLN_PEERS_NAME_MAX + 1];
    char endpoint[HLN_ENDPOINT_MAX + 1];
    bool configured, anchor, up, dropped;
    bool revoked; /* its membership was revoked: refused by ZAP even if configured */
    uint32_t bad;           /* bad messages in the current window */
    uint64_t bad_window_ms; /* start of that window */
    uint64_t resync_ms;     /* last out-of-session recovery */
    hln_util_bucket rl;
    headmap heads;
    bool clock_full;      /* a full clock came in this session (ops: catch-up) */
    uint64_t up_since_ms; /* when this session came up */
    bool discovered;      /* dialed from its address record (node/discovery.h), not configured */
    hln_address disc_addr; /* that record's endpoints; disc_i the one dialed since disc_try_ms */
    uint32_t disc_i;
    uint64_t disc_try_ms;
} dpeer;

typedef struct hlnd {
    hlnd_args args;
    hln_config cfg;
    hln_node *node;
    hln_store *store;
    hln_sync_store *ss;
    hln_sync_host inner; /* the store side, ctx = ss */
    hln_sync_host host;  /* what the engine gets, ctx = this daemon */
    hln_sync *sync;
    hln_pool *vpool; /* signature checks on every core */
    hlnd_writer *writer;     /* commits held answers while the loop verifies the next */
    hln_transport *tr;
    hln_control *ctl;
    int lock_fd;
    dpeer *peers; /* the index is the engine's peer handle: never reused */
    size_t n_peers, cap_peers;
    uint64_t started_ms, next_tick_ms, next_status_ms;
    char id_text[HLN_ID_TEXT_LEN + 1];
    char short_id[HLN_ID_SHORT_LEN + 1];
    /* Operations (node/metrics.h): refusals by reason for the metrics,
     * the metrics file, and the catch-up rule after a restore. */
    uint64_t refusals[HLN_METRICS_REASONS];
    uint64_t next_metrics_ms, next_catch_up_ms, next_index_check_ms;
    bool catch_up, metrics_failing;
    hln_bench_verify *bverify; /* bench verify: digest requests (node/verify.h) */
    /* The trust graph changed (a governance record stored, a reload): at
     * the next tick the engine asks again which feeds it wants and who may
     * be sent what, and the ZAP handler's admitted set is recomputed. */
    bool trust_dirty;
    /* Peer discovery (node/discovery.h): the latest address per author, and
     * whether the peers dialed from them must be chosen again. */
    hln_disc *disc;
    bool disc_dirty;
    /* Why each peer is or is not in step (node/hlnd/explain.h). */
    hlnd_explain *ex;
    /* Memberships that end (node/hlnd/expiry.h). */
    hlnd_expiry expiry;
} hlnd;

static int sig_pipe[2] = {-1, -1};

static void on_signal(int sig)
{
    int e = errno;
    unsigned char c = (unsigned char)sig;
    ssize_t w = write(sig_pipe[1], &c, 1);
    (void)w;
    errno = e;
}

static int find_peer(const hlnd *d, const uint8_t id[HLN_KEY_LEN])
{
    for (size_t i = 0; i < d->n_peers; i++)
        if (memcmp(d->peers[i].id, id, HLN_KEY_LEN) == 0)
            return (int)i;
    return -1;
}

static int get_peer(hlnd *d, const uint8_t id[HLN_KEY_LEN])
{
    int i = find_peer(d, id);
    if (i >= 0)
        return i;
    if (hln_util_grow((void **)&d->peers, &d->cap_peers, d->n_peers + 1, sizeof *d->peers))
        return HLN_ENOMEM;
    dpeer *p = &d->peers[d->n_peers];
    memset(p, 0, sizeof *p);
    memcpy(p->id, id, HLN_KEY_LEN);
    hln_id_short(id, p->short_id);
    return (int)d->n_peers++;
}

static bool governance_type(uint32_t type)
{
    return type == HLN_REC_MEMBER || type == HLN_REC_REVOKE || type == HLN_REC_INDICATOR ||
           type == HLN_REC_POLICY;
}

/* A peer sent something invalid. Logged at most a few times a minute per
 * peer; past bad_limit within a minute the peer is dropped for drop_ms. */
static void penalize(hlnd *d, uint32_t h, int rc)
{
    if (h >= d->n_peers)
        return;
    dpeer *p = &d->peers[h];
    hln_metrics_refusal(d->refusals, rc);
    uint64_t now = hln_util_mono_ms();
    if (now - p->bad_window_ms > 60000) {
        p->bad_window_ms = now;
        p->bad = 0;
    }
    p->bad++;
    if (hln_util_bucket_take(&p->rl, now, 5, 10000)) {
        hlnd_log(4, "sync", "peer=%s reason=%s bad=%u suppressed=%u", p->short_id, hln_errname(rc),
                 p->bad, p->rl.denied);
        p->rl.denied = 0;
    }
    if (p->bad >= d->cfg.bad_limit && !p->dropped) {
        hlnd_log(4, "net", "event=peer-dropped peer=%s bad=%u for_ms=%u", p->short_id, p->bad,
                 (unsigned)d->cfg.drop_ms);
        p->dropped = true;
        p->bad = 0;
        hln_transport_drop(d->tr, p->id, now + d->cfg.drop_ms);
        if (p->up) {
            p->up = false;
            headmap_clear(&p->heads);
            hln_sync_peer_down(d->sync, now, h);
        }
    }
}

static void host_penalty(void *ctx, uint32_t peer, int rc)
{
    penalize(ctx, peer, rc);
}

/* The engine's host has one ctx; the store side keeps its own behind these. */
static int w_heads(void *ctx, hln_sync_head_cb cb, void *cbctx)
{
    hlnd *d = ctx;
    return d->inner.heads(d->inner.ctx, cb, cbctx);
}

static int w_read(void *ctx, const hln_feed_id *feed, uint64_t from, uint64_t to,
                  hln_sync_rec_cb cb, void *cbctx)
{
    hlnd *d = ctx;
    return d->inner.read(d->inner.ctx, feed, from, to, cb, cbctx);
}

/* Every record the store refused is accounted for (issue 17): a valid
 * record refused for trust or policy is not the sender's fault, so it never
 * reached penalize(); it is counted under its reason here and logged (a
 * few a minute per reason). A fork found in pushed records is logged too. */
static void account_stored(hlnd *d, uint32_t from_peer, const hln_record *recs, size_t n,
                           const int *results)
{
    static hln_util_bucket rl_fork;
    uint64_t now = hln_util_mono_ms();
    const char *from = from_peer < d->n_peers ? d->peers[from_peer].short_id : "local";
    for (size_t i = 0; i < n; i++) {
        int r = results[i];
        char who[HLN_ID_SHORT_LEN + 1];
        if (r != HLN_ETRUST && r != HLN_EPOLICY && r != HLN_EFORK)
            continue;
        hln_id_short(recs[i].env.author, who);
        if (r == HLN_EFORK) {
            if (hln_util_bucket_take(&rl_fork, now, 5, 10000)) {
                hlnd_log(4, "sync", "event=fork author=%s seq=%llu source=records peer=%s "
                         "suppressed=%u", who, (unsigned long long)recs[i].env.seq, from,
                         rl_fork.denied);
                rl_fork.denied = 0;
            }
            continue;
        }
        /* Counted here; logged, with its detail, by the peer's refusal ring
         * (node/hlnd/explain.c), so that one refusal is one log line. */
        hln_metrics_refusal(d->refusals, r);
    }
}

typedef struct {
    const hln_record *const *recs;
    int *results;
} verify_job;

static void verify_one(void *ctx, size_t i)
{
    verify_job *j = ctx;
    j->results[i] = hln_record_verify(j->recs[i]);
}

static void w_verify(void *ctx, const hln_record *const *recs, size_t n, int *results)
{
    verify_job j = {recs, results};
    hln_pool_run(((hlnd *)ctx)->vpool, n, verify_one, &j);
}

/* What the daemon does with a store's results (w_store, w_store_end). */
static int after_store(hlnd *d, uint32_t from_peer, const hln_record *recs, size_t n,
                       const int *results, int rc)
{
    if (rc == 0)
        account_stored(d, from_peer, recs, n, results);
    if (rc == 0 && from_peer < d->n_peers)
        hlnd_explain_records(d->ex, d->peers[from_peer].id, hln_sync_store_trust(d->ss), d->store,
                             recs, n, results);
    /* The store side has taught the trust object already; what follows
     * from it (wants, may_send, admission) waits for the next tick. */
    for (size_t i = 0; rc == 0 && i < n; i++)
        if (results[i] == 0 && governance_type(recs[i].env.type))
            d->trust_dirty = true;
    for (size_t i = 0; rc == 0 && i < n; i++)
        if (results[i] == 0 && hln_disc_learn(d->disc, &recs[i]))
            d->disc_dirty = true;
    /* A record dated before its feed's head is refused (docs/PROTOCOL.md
     * §4, §8): the engine counts it against the peer (hln_refusals_total
     * {reason="time-backwards"}); the feed it stops is named here, once a
     * batch (the penalty drops a peer that keeps sending them). */
    for (size_t i = 0; rc == 0 && i < n; i++)
        if (results[i] == HLN_ETIME) {
            char who[HLN_ID_SHORT_LEN + 1];
            hln_id_short(recs[i].env.author, who);
            const char *peer = from_peer < d->n_peers ? d->peers[from_peer].short_id : "?";
            hlnd_log(4, "sync", "event=refused reason=%s peer=%s author=%s scope=%s seq=%llu",
                     hln_errname(HLN_ETIME), peer, who, recs[i].env.scope,
                     (unsigned long long)recs[i].env.seq);
            break;
        }
    return rc;
}

static int w_store(void *ctx, uint32_t from_peer, const hln_record *recs, size_t n, int *results)
{
    hlnd *d = ctx;
    int rc = d->inner.store(d->inner.ctx, from_peer, recs, n, results);
    return after_store(d, from_peer, recs, n, results, rc);
}

static int w_store_begin(void *ctx, uint32_t from_peer, const hln_record *recs, size_t n)
{
    (void)from_peer;
    return hlnd_writer_begin(((hlnd *)ctx)->writer, recs, n);
}

static int w_store_end(void *ctx, uint32_t from_peer, const hln_record *recs, size_t n,
                       int *results)
{
    hlnd *d = ctx;
    int rc = hlnd_writer_end(d->writer, recs, results);
    return after_store(d, from_peer, recs, n, results, rc);
}

static bool w_wants(void *ctx, const hln_feed_id *feed)
{
    hlnd *d = ctx;
    return d->inner.wants(d->inner.ctx, feed);
}

static int w_fork(void *ctx, uint32_t from_peer, const hln_record *a, const hln_record *b)
{
    hlnd *d = ctx;
    int rc = d->inner.fork(d->inner.ctx, from_peer, a, b);
    if (rc == 0) {
        char who[HLN_ID_SHORT_LEN + 1];
        hln_id_short(a->env.author, who);
        hlnd_log(4, "sync", "event=fork author=%s seq=%llu", who, (unsigned long long)a->env.seq);
    }
    return rc;
}

static int w_forks(void *ctx, hln_sync_fork_cb cb, void *cbctx)
{
    hlnd *d = ctx;
    return d->inner.forks(d->inner.ctx, cb, cbctx);
}

static bool w_held(void *ctx, const hln_feed_id *feed, uint64_t seq,
                   const uint8_t id[HLN_HASH_LEN])
{
    hlnd *d = ctx;
    return d->inner.held && d->inner.held(d->inner.ctx, feed, seq, id);
}

/* The sending side of scopes (docs/GOVERNANCE.md §7): a feed goes to a
 * peer only when the trust graph says the peer's membership lies inside
 * its scope now; "global" goes to every admitted peer. */
static bool w_may_send(void *ctx, uint32_t peer, const hln_feed_id *feed)
{
    hlnd *d = ctx;
    if (peer >= d->n_peers)
        return false;
    return hln_trust_may_receive(hln_sync_store_trust(d->ss), d->peers[peer].id, feed,
                                 hln_util_wall_ms());
}

static int verify_send(void *ctx, const uint8_t id[HLN_KEY_LEN], const uint8_t *msg, size_t len)
{
    hlnd *d = ctx;
    return hln_transport_send(d->tr, id, msg, len);
}

static int host_send(void *ctx, uint32_t peer, const uint8_t *msg, size_t len)
{
    hlnd *d = ctx;
    if (peer >= d->n_peers)
        return HLN_ENOTFOUND;
    return hln_transport_send(d->tr, d->peers[peer].id, msg, len);
}

/* A clock entry is a claim, not a proof: a peer may say a feed is at seq
 * 2^61. What it can count for in `behind` is bounded to CLAIM_LEAD_MAX
 * records past our own head; the engine fetches and verifies the rest. */
#define CLAIM_LEAD_MAX 65536u
static uint64_t bounded_claim(hlnd *d, const hln_feed_id *feed, uint64_t seq)
{
    uint64_t have = hln_sync_head(d->sync, feed);
    return seq - have > CLAIM_LEAD_MAX && seq > have ? have + CLAIM_LEAD_MAX : seq;
}

/* Follow what a peer's clock messages say it holds of the feeds we want,
 * to report how far behind we are. Only messages the engine accepted get
 * here. Feeds we decline are not kept (a peer announcing millions of them
 * would grow the map; behind() counts wanted feeds only anyway); a feed
 * wanted later is counted from the peer's next entry for it. */
static void observe_clock(hlnd *d, dpeer *p, const uint8_t *msg, size_t len)
{
    if (len < 2)
        return;
    unsigned type = 0;
    if (msg[0] >= 0x90 && msg[0] <= 0x9f)
        type = msg[1];
    else if (msg[0] == 0xdc && len >= 4)
        type = msg[3];
    if (type != HLN_MSG_CLOCK)
        return;
    hln_wire_msg m;
    if (hln_wire_decode(msg, len, &m) != 0)
        return;
    if (m.flags & HLN_CLOCK_FULL) {
        headmap_clear(&p->heads);
        p->clock_full = true;
    }
    hln_wire_clock_entry e;
    while (hln_wire_clock_next(&m, &e) == 1) {
        uint64_t seq = bounded_claim(d, &e.feed, HLN_CLOCK_SEQ(e.value));
        if (d->host.wants(d->host.ctx, &e.feed) && headmap_put(&p->heads, &e.feed, seq) != 0)
            break;
    }
}

/* The hello's node id must be the key the transport authenticated (the
 * CURVE key of the connection, mapped back to its ed25519 id): the engine
 * keys what it remembers on the hello's id, so a peer claiming another
 * node's id could make us serve, or forget, what belongs to that node.
 * True when `msg` is a hello claiming another id. */
static bool hello_mismatch(const uint8_t id[HLN_KEY_LEN], const uint8_t *msg, size_t len)
{
    unsigned type = 0;
    if (len >= 2 && msg[0] >= 0x90 && msg[0] <= 0x9f)
        type = msg[1];
    else if (len >= 4 && msg[0] == 0xdc)
        type = msg[3];
    hln_wire_msg m;
    if (type != HLN_MSG_HELLO || hln_wire_decode(msg, len, &m) != 0 || m.type != HLN_MSG_HELLO)
        return false; /* anything else is the engine's to judge */
    return memcmp(m.node_id, id, HLN_KEY_LEN) != 0;
}

/* A message before the peer's hello: the two sides disagree about the
 * session (one restarted it alone). Not the peer's fault, so not counted;
 * when we dial it, a new connection makes both sides greet again. */
static void out_of_session(hlnd *d, dpeer *p, uint64_t now)
{
    if (now - p->resync_ms < 5000)
        return;
    p->resync_ms = now;
    bool redialed = hln_transport_redial(d->tr, p->id) == 0;
    hlnd_log(5, "sync", "event=out-of-session peer=%s action=%s", p->short_id,
             redialed ? "redial" : "wait");
}

/* A peer with no name of its own (one that dialed in, or was discovered)
 * takes its member record's name, cut at a character boundary to fit. */
static void peer_name_from_trust(dpeer *p, hln_trust *t, uint64_t now_wall_ms)
{
    hln_trust_info info;
    if (p->name[0] || !t || hln_trust_member(t, p->id, now_wall_ms, &info) != 0)
        return;
    size_t len = strlen(info.name);
    if (len > HLN_PEERS_NAME_MAX) {
        len = HLN_PEERS_NAME_MAX;
        while (len && ((unsigned char)info.name[len] & 0xc0) == 0x80)
            len--;
    }
    memcpy(p->name, info.name, len);
    p->name[len] = '\0';
}

static void on_transport(void *ctx, hln_tev ev, const uint8_t id[HLN_KEY_LEN], const uint8_t *data,
                         size_t len)
{
    hlnd *d = ctx;
    uint64_t now = hln_util_mono_ms();
    if (ev == HLN_TEV_ZAP_REFUSED) { /* a key, not (yet) a peer */
        static const uint8_t zero[HLN_KEY_LEN];
        bool dropped = memcmp(id, zero, HLN_KEY_LEN) != 0;
        if (len == 32)
            hlnd_explain_zap_refused(d->ex, dropped ? id : NULL, data, dropped);
        return;
    }
    int h = get_peer(d, id);
    if (h < 0)
        return;
    dpeer *p = &d->peers[h];
    switch (ev) {
    case HLN_TEV_UP:
        hlnd_explain_peer_up(d->ex, id);
        if (d->ss)
            peer_name_from_trust(p, hln_sync_store_trust(d->ss), hln_util_wall_ms());
        p->up = true;
        p->dropped = false;
        p->clock_full = false;
        p->up_since_ms = now;
        if (hln_sync_peer_up(d->sync, now, (uint32_t)h) != 0)
            hlnd_log(3, "sync", "event=peer-up-failed peer=%s", p->short_id);
        break;
    case HLN_TEV_DOWN:
        if (p->up) {
            p->up = false;
            headmap_clear(&p->heads);
            hln_sync_peer_down(d->sync, now, (uint32_t)h);
        }
        break;
    case HLN_TEV_MSG: {
        /* Digest requests and replies (bench verify) bypass the engine. */
        if (d->bverify && hln_bench_verify_handles(data, len)) {
            int vrc = hln_bench_verify_receive(d->bverify, now, id, data, len);
            if (vrc != 0)
                penalize(d, (uint32_t)h, vrc);
            break;
        }
        if (hello_mismatch(id, data, len)) {
            char claimed[HLN_ID_SHORT_LEN + 1];
            hln_wire_msg m;
            hln_wire_decode(data, len, &m);
            hln_id_short(m.node_id, claimed);
            hlnd_log(4, "sync", "event=hello-id-mismatch peer=%s claimed=%s action=drop",
                     p->short_id, claimed);
            penalize(d, (uint32_t)h, HLN_EPERM);
            if (!p->dropped) {
                p->dropped = true;
                hln_transport_drop(d->tr, p->id, now + d->cfg.drop_ms);
                if (p->up) {
                    p->up = false;
                    headmap_clear(&p->heads);
                    hln_sync_peer_down(d->sync, now, (uint32_t)h);
                }
            }
            break;
        }
        /* The engine reports bad messages and records through the host's
         * penalty callback itself; only the session state is handled here. */
        int rc = hln_sync_receive(d->sync, now, (uint32_t)h, data, len);
        if (rc == 0) {
            observe_clock(d, p, data, len);
            hlnd_explain_clock(d->ex, id, data, len);
        }
        else if (rc == HLN_ESTATE)
            out_of_session(d, p, now);
        break;
    }
    case HLN_TEV_BAD:
        penalize(d, (uint32_t)h, -(int)len);
        break;
    case HLN_TEV_REFUSED:
        hlnd_explain_dial_refused(d->ex, id);
        break;
    case HLN_TEV_ZAP_REFUSED:
        break; /* handled above */
    }
}

/* Trust anchors are keys in the TRUST table; they are admitted by the ZAP
 * handler like configured peers. */
typedef struct {
    hlnd *d;
    hln_admitted *set;
    size_t n, cap;
} admit_ctx;

static int admit_add(admit_ctx *a, const uint8_t id[HLN_KEY_LEN])
{
    for (size_t i = 0; i < a->n; i++)
        if (memcmp(a->set[i].id, id, HLN_KEY_LEN) == 0)
            return 0;
    if (hln_util_grow((void **)&a->set, &a->cap, a->n + 1, sizeof *a->set))
        return HLN_ENOMEM;
    if (hln_admitted_make(id, &a->set[a->n]) != 0)
        return 0; /* not a valid point: no CURVE key can match it */
    a->n++;
    return 0;
}

/* An anchor as hln_gov_anchor_decode reads it: an entry that does not
 * decode admits no one, as it adds no anchor to the trust graph. */
static int trust_one(void *ctx, const hln_gov_anchor *anchor)
{
    admit_ctx *a = ctx;
    int h = get_peer(a->d, anchor->id);
    if (h >= 0)
        a->d->peers[h].anchor = true;
    return admit_add(a, anchor->id);
}

static int peer_one(void *ctx, const hln_peers_entry *e)
{
    admit_ctx *a = ctx;
    int h = get_peer(a->d, e->id);
    if (h < 0)
        return h;
    dpeer *p = &a->d->peers[h];
    p->configured = true;
    strcpy(p->name, e->name);
    strcpy(p->endpoint, e->endpoint);
    return admit_add(a, e->id);
}

/* Members in force now are admitted as well (docs/GOVERNANCE.md §7): a key
 * the trust graph vouches for needs no `peer add` to reach us. */
static int member_one(void *ctx, const hln_trust_info *info)
{
    admit_ctx *a = ctx;
    if (info->status != HLN_TRUST_ANCHOR && info->status != HLN_TRUST_MEMBER)
        return 0;
    return admit_add(a, info->key);
}

/* The admitted set: configured peers, anchors and members in force, less
 * every key whose membership the trust graph says was revoked (a revoked
 * configured peer or anchor is refused too: revocation is an authority's
 * word that the key must not take part; `peer add` does not override it). */
static int build_admitted(hlnd *d, admit_ctx *a, size_t *skipped, size_t *skipped_anchors)
{
    for (size_t i = 0; i < d->n_peers; i++) {
        d->peers[i].configured = false;
        d->peers[i].anchor = false;
    }
    int rc = hln_peers_foreach(d->store, peer_one, a, skipped);
    if (rc == 0)
        rc = hln_gov_anchor_foreach(d->store, trust_one, a, skipped_anchors);
    hln_trust *t = d->ss ? hln_sync_store_trust(d->ss) : NULL;
    uint64_t now = hln_util_wall_ms();
    if (rc == 0 && t)
        rc = hln_trust_foreach_member(t, now, member_one, a);
    if (rc != 0)
        return rc;
    for (size_t i = 0; i < d->n_peers; i++)
        d->peers[i].revoked = false;
    size_t k = 0;
    for (size_t i = 0; i < a->n; i++) {
        hln_trust_info info;
        if (t && hln_trust_member(t, a->set[i].id, now, &info) == HLN_ETRUST &&
            info.status == HLN_TRUST_REVOKED) {
            int h = find_peer(d, a->set[i].id);
            if (h >= 0)
                d->peers[h].revoked = true;
            continue;
        }
        a->set[k++] = a->set[i];
    }
    a->n = k;
    return 0;
}

/* After the trust graph changed: the ZAP handler's set again. Sessions of
 * keys that left it are closed by the transport. */
static void refresh_admitted(hlnd *d)
{
    admit_ctx a = {.d = d};
    int rc = build_admitted(d, &a, NULL, NULL);
    if (rc == 0)
        rc = hln_transport_set_admitted(d->tr, a.set, a.n);
    if (rc != 0)
        hlnd_log(3, "node", "event=admit-failed reason=%s", hln_errname(rc));
    else
        hlnd_log(7, "node", "event=admitted count=%zu", a.n);
    for (size_t i = 0; i < d->n_peers; i++) {
        dpeer *p = &d->peers[i];
        if (p->revoked && p->up) {
            hlnd_log(5, "net", "event=peer-refused peer=%s reason=revoked", p->short_id);
            p->up = false;
            headmap_clear(&p->heads);
            hln_sync_peer_down(d->sync, hln_util_mono_ms(), (uint32_t)i);
        }
    }
    free(a.set);
}

/* ---- peer discovery (node/discovery.h, docs/RUNNING.md) ----------------------- */

/* Configured peers are never discovered: their own entry decides. */
static bool disc_skip(void *ctx, const uint8_t id[HLN_KEY_LEN])
{
    hlnd *d = ctx;
    int h = find_peer(d, id);
    return h >= 0 && d->peers[h].configured;
}

/* Dial the members whose latest address record is held (at most [net]
 * discovery_peers, nearest ids first) at the first endpoint of the record
 * (disc_failover tries the others), and stop dialing those no longer
 * chosen (revoked, expired, now configured, or pushed out by nearer ones).
 * Discovered peers are derived again every time, never written to PEERS.
 * On start, reload, a trust change and a new address record. */
static void discover(hlnd *d)
{
    d->disc_dirty = false;
    if (!d->disc || !d->ss || !d->tr)
        return;
    hln_trust *t = hln_sync_store_trust(d->ss);
    uint64_t now = hln_util_wall_ms();
    size_t max = d->cfg.discovery_peers; /* [net] discovery_peers */
    hln_disc_pick *pick = max ? calloc(max, sizeof *pick) : NULL;
    if (max && !pick)
        return;
    size_t n = max ? hln_disc_select(d->disc, t, now, hln_node_pk(d->node), disc_skip, d, pick,
                                     max)
                   : 0;
    for (size_t k = 0; k < n; k++)
        if (get_peer(d, pick[k].id) < 0) {
            free(pick);
            return; /* out of memory: try again at the next change */
        }
    for (size_t i = 0; i < d->n_peers; i++) {
        dpeer *p = &d->peers[i];
        const hln_disc_pick *pk = NULL;
        for (size_t k = 0; k < n && !pk; k++)
            if (memcmp(pick[k].id, p->id, HLN_KEY_LEN) == 0)
                pk = &pick[k];
        if (pk) {
            if (p->discovered && hln_disc_same_endpoints(&p->disc_addr, &pk->addr))
                continue; /* keep the endpoint that disc_failover chose */
            p->discovered = true;
            p->disc_addr = pk->addr;
            p->disc_i = 0;
            p->disc_try_ms = hln_util_mono_ms();
            snprintf(p->endpoint, sizeof p->endpoint, "%s", pk->addr.endpoints[0]);
            peer_name_from_trust(p, t, now);
            int rc = hln_transport_connect(d->tr, p->id, p->endpoint);
            hlnd_log(rc == 0 ? 5 : 4, "net", "event=peer-discovered peer=%s endpoint=%s%s%s",
                     p->short_id, p->endpoint, rc == 0 ? "" : " reason=",
                     rc == 0 ? "" : hln_errname(rc));
        } else if (p->discovered) {
            p->discovered = false;
            if (p->configured && p->endpoint[0] && !p->revoked)
                continue; /* now configured: its own entry is dialed */
            hln_transport_disconnect(d->tr, p->id);
            if (!p->configured)
                p->endpoint[0] = '\0';
            hlnd_log(5, "net", "event=peer-undiscovered peer=%s", p->short_id);
        }
    }
    free(pick);
}

/* A discovered peer not up HLND_DISC_FAILOVER_MS after its endpoint was
 * dialed is dialed at the next endpoint of its address record, round the
 * list: a record whose first endpoint is dead (a moved host, a closed port)
 * still reaches the node. Up, the clock restarts, so a peer that drops gets
 * the whole wait on its working endpoint again. */
#define HLND_DISC_FAILOVER_MS 5000

static void disc_failover(hlnd *d, uint64_t now)
{
    for (size_t i = 0; i < d->n_peers; i++) {
        dpeer *p = &d->peers[i];
        if (!p->discovered || p->disc_addr.n < 2 || p->up) {
            p->disc_try_ms = now;
            continue;
        }
        if (now - p->disc_try_ms < HLND_DISC_FAILOVER_MS)
            continue;
        const char *was = p->disc_addr.endpoints[p->disc_i];
        p->disc_i = (p->disc_i + 1) % p->disc_addr.n;
        p->disc_try_ms = now;
        snprintf(p->endpoint, sizeof p->endpoint, "%s", p->disc_addr.endpoints[p->disc_i]);
        int rc = hln_transport_connect(d->tr, p->id, p->endpoint);
        hlnd_log(rc == 0 ? 5 : 4, "net",
                 "event=peer-endpoint-next peer=%s endpoint=%s was=%s reason=no-answer%s%s",
                 p->short_id, p->endpoint, was, rc == 0 ? "" : " error=",
                 rc == 0 ? "" : hln_errname(rc));
    }
}

/* Re-read the PEERS and TRUST tables: the ZAP handler's admitted set, and
 * an outgoing connection for every configured peer with an endpoint. */
static int reload_peers(hlnd *d)
{
    admit_ctx a = {.d = d};
    size_t skipped = 0, skipped_anchors = 0;
    int rc = build_admitted(d, &a, &skipped, &skipped_anchors);
    if (rc != 0) {
        hlnd_log(3, "node", "event=reload-failed reason=%s", hln_errname(rc));
        free(a.set);
        return rc;
    }
    if (skipped)
        hlnd_log(4, "node", "event=peers-skipped count=%zu reason=malformed", skipped);
    if (skipped_anchors)
        hlnd_log(4, "node", "event=anchors-skipped count=%zu reason=malformed", skipped_anchors);
    rc = hln_transport_set_admitted(d->tr, a.set, a.n);
    free(a.set);
    if (rc != 0)
        return rc;
    size_t dialed = 0;
    for (size_t i = 0; i < d->n_peers; i++) {
        dpeer *p = &d->peers[i];
        if (p->configured && p->endpoint[0] && !p->revoked) {
            if (hln_transport_connect(d->tr, p->id, p->endpoint) == 0)
                dialed++;
        } else if (!p->discovered) /* discover() below decides about those */
            hln_transport_disconnect(d->tr, p->id);
    }
    hlnd_log(6, "node", "event=peers-loaded admitted=%zu dialing=%zu", a.n, dialed);
    discover(d);
    return 0;
}

/* Records that reached the store without passing through the engine
 * (hlnctl publish, import): every feed whose stored head is ahead of the
 * engine's is handed over record by record, to be pushed to peers. */
typedef struct {
    hlnd *d;
    uint64_t now, count;
} appended_ctx;

static int appended_rec(void *ctx, const hln_record *r)
{
    appended_ctx *a = ctx;
    /* hlnctl member issue/revoke, policy set, indicator define: this node's
     * own governance records count here as soon as they are written. */
    if (governance_type(r->env.type) && r->has_body &&
        hln_trust_add_record(hln_sync_store_trust(a->d->ss), r) == 0)
        a->d->trust_dirty = true;
    if (hln_disc_learn(a->d->disc, r))
        a->d->disc_dirty = true;
    if (hln_sync_appended(a->d->sync, a->now, r) == 0)
        a->count++;
    return 0;
}

static int appended_head(void *ctx, const hln_feed_id *feed, uint64_t seq,
                         const uint8_t id[HLN_HASH_LEN])
{
    (void)id;
    appended_ctx *a = ctx;
    uint64_t have = hln_sync_head(a->d->sync, feed);
    if (seq > have)
        return hln_store_foreach_feed(a->d->store, feed, have + 1, seq, appended_rec, a);
    return 0;
}

static int scan_appended(hlnd *d, uint64_t *count)
{
    appended_ctx a = {d, hln_util_mono_ms(), 0};
    int rc = hln_store_foreach_head(d->store, appended_head, &a);
    if (count)
        *count = a.count;
    if (a.count)
        hlnd_log(6, "sync", "event=local-records count=%llu", (unsigned long long)a.count);
    return rc;
}

/* How many records `p` (or, with p NULL, the best of all peers) holds that
 * we do not, over the feeds we want. */
static uint64_t behind(hlnd *d, const dpeer *only)
{
    uint64_t total = 0;
    /* Best-known head per feed across the peers considered. */
    headmap best = {0};
    for (size_t i = 0; i < d->n_peers; i++) {
        const dpeer *p = &d->peers[i];
        if (only && p != only)
            continue;
        for (size_t j = 0; j < p->heads.cap; j++) {
            const head_slot *s = &p->heads.slots[j];
            if (!s->seq)
                continue;
            /* Fold into best: keep the maximum. */
            size_t k;
            uint64_t cur = 0;
            if (best.cap) {
                k = feed_hash(&s->feed) & (best.cap - 1);
                while (best.slots[k].seq && memcmp(&best.slots[k].feed, &s->feed, sizeof s->feed))
                    k = (k + 1) & (best.cap - 1);
                cur = best.slots[k].seq;
            }
            if (s->seq > cur)
                headmap_put(&best, &s->feed, s->seq);
        }
    }
    for (size_t j = 0; j < best.cap; j++) {
        const head_slot *s = &best.slots[j];
        if (!s->seq || !d->host.wants(d->host.ctx, &s->feed))
            continue;
        uint64_t have = hln_sync_head(d->sync, &s->feed);
        if (s->seq > have)
            total += s->seq - have;
    }
    headmap_clear(&best);
    return total;
}

static size_t peers_up(const hlnd *d)
{
    size_t n = 0;
    for (size_t i = 0; i < d->n_peers; i++)
        n += d->peers[i].up;
    return n;
}

static void add_i64(json_object *o, const char *k, int64_t v)
{
    json_object_object_add(o, k, json_object_new_int64(v));
}

static int ctl_explain(hlnd *d, json_object *reply);

static int ctl_status(hlnd *d, json_object *reply)
{
    uint64_t feeds = 0, records = 0;
    int rc = hln_store_counts(d->store, &feeds, &records);
    if (rc != 0)
        return rc;
    size_t known = 0;
    for (size_t i = 0; i < d->n_peers; i++)
        known += d->peers[i].configured || d->peers[i].up;
    hln_sync_stats st;
    hln_sync_stats_get(d->sync, &st);
    json_object_object_add(reply, "node", json_object_new_string(d->id_text));
    json_object_object_add(reply, "listen", json_object_new_string(hln_transport_endpoint(d->tr)));
    add_i64(reply, "pid", (int64_t)getpid());
    add_i64(reply, "uptime_s", (int64_t)((hln_util_mono_ms() - d->started_ms) / 1000));
    add_i64(reply, "feeds", (int64_t)feeds);
    add_i64(reply, "records", (int64_t)records);
    add_i64(reply, "peers", (int64_t)known);
    add_i64(reply, "peers_up", (int64_t)peers_up(d));
    add_i64(reply, "behind", (int64_t)behind(d, NULL));
    add_i64(reply, "records_received", (int64_t)st.records_stored);
    add_i64(reply, "records_refused", (int64_t)st.records_bad);
    add_i64(reply, "forks_detected", (int64_t)(st.forks_detected + st.forks_learned));
    add_i64(reply, "bad_messages", (int64_t)st.bad_msgs);
    /* Fork proofs held and flagged authors, from the store, named by the
     * live trust graph (docs/CLI.md, status). */
    if ((rc = hln_gov_status_flags(d->node, hln_sync_store_trust(d->ss), hln_util_wall_ms(),
                                   reply)))
        return rc;
    /* The engine's counters, for operators and the tests. */
    json_object *eng = json_object_new_object();
    add_i64(eng, "msgs_in", (int64_t)st.msgs_in);
    add_i64(eng, "msgs_out", (int64_t)st.msgs_out);
    add_i64(eng, "bytes_in", (int64_t)st.bytes_in);
    add_i64(eng, "bytes_out", (int64_t)st.bytes_out);
    add_i64(eng, "records_stored", (int64_t)st.records_stored);
    add_i64(eng, "records_dup", (int64_t)st.records_dup);
    add_i64(eng, "records_bad", (int64_t)st.records_bad);
    add_i64(eng, "records_unwanted", (int64_t)st.records_unwanted);
    add_i64(eng, "forks_detected", (int64_t)st.forks_detected);
    add_i64(eng, "forks_learned", (int64_t)st.forks_learned);
    add_i64(eng, "requests_sent", (int64_t)st.requests_sent);
    add_i64(eng, "requests_timed_out", (int64_t)st.requests_timed_out);
    add_i64(eng, "requests_served", (int64_t)st.requests_served);
    add_i64(eng, "clock_repairs", (int64_t)st.clock_repairs);
    add_i64(eng, "bad_msgs", (int64_t)st.bad_msgs);
    add_i64(eng, "feeds", (int64_t)st.feeds);
    json_object_object_add(reply, "engine", eng);
    /* Per peer, why it is or is not in step (the same as peer explain). */
    json_object *ex = json_object_new_object();
    json_object *arr = NULL;
    rc = ex ? ctl_explain(d, ex) : HLN_ENOMEM;
    if (rc == 0 && json_object_object_get_ex(ex, "peers", &arr))
        json_object_object_add(reply, "explain", json_object_get(arr));
    json_object_put(ex);
    return rc;
}

static int ctl_peers(hlnd *d, json_object *reply)
{
    json_object *arr = json_object_new_array();
    uint64_t now = hln_util_mono_ms();
    for (size_t i = 0; i < d->n_peers; i++) {
        dpeer *p = &d->peers[i];
        hln_peer_stats st;
        bool have = hln_transport_peer_stats(d->tr, p->id, &st) == 0;
        /* Configured peers, and anyone else with a live session (an anchor
         * that dialed us); a removed peer disappears once it is down. */
        if (!p->configured && !p->up && !p->discovered)
            continue;
        char idt[HLN_ID_TEXT_LEN + 1];
        hln_id_to_text(p->id, idt);
        const char *state = p->up                                 ? "up"
                            : (have && st.dropped_until_ms > now) ? "dropped"
                            : p->endpoint[0] && (p->configured || p->discovered) ? "connecting"
                            : p->configured                       ? "waiting"
                                                                  : "removed";
        json_object *o = json_object_new_object();
        json_object_object_add(o, "id", json_object_new_string(idt));
        json_object_object_add(o, "name", json_object_new_string(p->name));
        json_object_object_add(o, "endpoint", json_object_new_string(p->endpoint));
        json_object_object_add(o, "state", json_object_new_string(state));
        json_object_object_add(o, "configured", json_object_new_boolean(p->configured));
        json_object_object_add(o, "anchor", json_object_new_boolean(p->anchor));
        json_object_object_add(o, "discovered", json_object_new_boolean(p->discovered));
        add_i64(o, "last_seen_s",
                have && st.last_seen_ms ? (int64_t)((now - st.last_seen_ms) / 1000) : -1);
        add_i64(o, "behind", (int64_t)behind(d, p));
        add_i64(o, "bytes_in", have ? (int64_t)st.bytes_in : 0);
        add_i64(o, "bytes_out", have ? (int64_t)st.bytes_out : 0);
        add_i64(o, "msgs_in", have ? (int64_t)st.msgs_in : 0);
        add_i64(o, "msgs_out", have ? (int64_t)st.msgs_out : 0);
        json_object_array_add(arr, o);
    }
    json_object_object_add(reply, "peers", arr);
    return 0;
}

/* `peers`, each with why it is or is not in step (hlnctl peer explain). */
static int ctl_explain(hlnd *d, json_object *reply)
{
    int rc = ctl_peers(d, reply);
    json_object *arr = NULL;
    if (rc == 0 && json_object_object_get_ex(reply, "peers", &arr))
        rc = hlnd_explain_fill(d->ex, hln_sync_store_trust(d->ss), d->store, hln_node_pk(d->node),
                               hln_util_wall_ms(), arr);
    return rc;
}

/* ---- operations: metrics and the catch-up rule (node/node.h) ------------- */

static void fill_metrics(hlnd *d, hln_metrics *m, bool up)
{
    memset(m, 0, sizeof *m);
    m->up = up;
    m->catch_up = d->catch_up;
    if (hln_store_counts(d->store, &m->feeds, &m->records) != 0)
        m->feeds = m->records = 0;
    if (!up)
        return;
    hln_sync_stats st;
    hln_sync_stats_get(d->sync, &st);
    m->uptime_s = (hln_util_mono_ms() - d->started_ms) / 1000;
    for (size_t i = 0; i < d->n_peers; i++)
        m->peers += d->peers[i].configured || d->peers[i].up;
    m->peers_up = peers_up(d);
    m->behind = behind(d, NULL);
    m->bytes_in = st.bytes_in;
    m->bytes_out = st.bytes_out;
    m->msgs_in = st.msgs_in;
    m->msgs_out = st.msgs_out;
    m->records_received = st.records_stored;
    m->records_duplicate = st.records_dup;
    m->records_unwanted = st.records_unwanted;
    m->forks_detected = st.forks_detected + st.forks_learned;
    m->requests_sent = st.requests_sent;
    m->requests_timed_out = st.requests_timed_out;
    m->requests_served = st.requests_served;
    memcpy(m->refusals, d->refusals, sizeof m->refusals);
    if (d->ex)
        memcpy(m->refusal_kinds, hlnd_explain_totals(d->ex), sizeof m->refusal_kinds);
}

static int ctl_metrics(hlnd *d, json_object *reply)
{
    hln_metrics m;
    char *text = NULL;
    fill_metrics(d, &m, true);
    int rc = hln_metrics_format(&m, &text, NULL);
    if (rc != 0)
        return rc;
    json_object_object_add(reply, "text", json_object_new_string(text));
    free(text);
    return 0;
}

/* The textfile for node_exporter: rewritten whole (temp file + rename), and
 * once more at a clean stop with hln_up 0, so a stopped node does not look
 * alive. A failure is logged when it starts and when it ends. */
static void write_metrics(hlnd *d, bool up)
{
    if (!d->cfg.metrics_file[0] || !d->store)
        return;
    hln_metrics m;
    char *text = NULL;
    size_t len = 0;
    fill_metrics(d, &m, up && d->sync);
    int rc = hln_metrics_format(&m, &text, &len);
    if (rc == 0)
        rc = hln_metrics_write_file(d->cfg.metrics_file, text, len);
    free(text);
    if (rc != 0 && !d->metrics_failing) {
        char safe[HLN_CONFIG_PATH_MAX];
        hln_util_sanitize_log(safe, sizeof safe, d->cfg.metrics_file, strlen(d->cfg.metrics_file));
        hlnd_log(4, "ops", "event=metrics-write-failed path=%s reason=%s errno=%d", safe,
                 hln_errname(rc), errno);
    } else if (rc == 0 && d->metrics_failing)
        hlnd_log(5, "ops", "event=metrics-written-again");
    d->metrics_failing = rc != 0;
}

/* A restored store refuses to publish (hln_node_append) until this node has
 * its own feeds back: a peer has shown its whole clock -- a full clock, or
 * three anti-entropy rounds in session (a peer that holds nothing sends no
 * full clock) -- and no peer that is up announces more of this node's own
 * feeds than the store holds. Then the mark goes. */
static void check_catch_up(hlnd *d, uint64_t now)
{
    const uint8_t *me = hln_node_pk(d->node);
    size_t heard = 0;
    for (size_t i = 0; i < d->n_peers; i++) {
        const dpeer *p = &d->peers[i];
        if (!p->up || (!p->clock_full && now - p->up_since_ms < 3ull * d->cfg.anti_entropy_ms))
            continue;
        heard++;
        for (size_t j = 0; j < p->heads.cap; j++) {
            const head_slot *s = &p->heads.slots[j];
            if (s->seq && memcmp(s->feed.author, me, HLN_KEY_LEN) == 0 &&
                s->seq > hln_sync_head(d->sync, &s->feed))
                return; /* still pulling our own records back */
        }
    }
    if (heard == 0)
        return;
    int rc = hln_node_catch_up_set(d->store, false);
    if (rc != 0) {
        hlnd_log(3, "node", "event=catch-up-clear-failed reason=%s", hln_errname(rc));
        return;
    }
    d->catch_up = false;
    hlnd_log(5, "node", "event=caught-up peers_heard=%zu publishing=allowed", heard);
}

/* The store heals (issue 17; docs/STORE.md). At start, damaged records
 * are quarantined before anything reads them, and the feeds they cut back
 * are fetched again from peers. In the background, the index is checked
 * against the records and fixed; a damaged record found then is reported
 * (it is quarantined at the next start: the sync engine holds the heads). */
typedef struct {
    bool at_start;
    uint64_t damaged;
} heal_log;

static void heal_cb(void *ctx, const char *what, const hln_feed_id *feed, uint64_t seq,
                    const uint8_t id[HLN_HASH_LEN], const char *detail)
{
    heal_log *h = ctx;
    char who[HLN_ID_SHORT_LEN + 1] = "-", hx[17] = "-";
    if (feed)
        hln_id_short(feed->author, who);
    if (id)
        for (int i = 0; i < 8; i++)
            snprintf(hx + 2 * i, 3, "%02x", id[i]);
    if (!strcmp(what, "damaged")) {
        h->damaged++;
        hlnd_log(3, "store", "event=record-damaged record=%s author=%s scope=%s seq=%llu reason=\"%s\" "
                 "action=%s", hx, who, feed ? feed->scope : "-", (unsigned long long)seq, detail,
                 h->at_start ? "quarantined-refetch" : "restart-to-quarantine");
    } else {
        hlnd_log(4, "store", "event=index-fixed record=%s author=%s seq=%llu detail=\"%s\"", hx, who,
                 (unsigned long long)seq, detail);
    }
}

static int heal_at_start(hlnd *d)
{
    heal_log h = {true, 0};
    hln_heal_stats st;
    uint64_t t0 = hln_util_mono_ms();
    int rc = hln_heal_node(d->node, 0, heal_cb, &h, &st);
    if (rc == 0 && (st.damaged || st.index))
        hlnd_log(4, "store", "event=store-healed damaged=%llu taken_out=%llu index_fixed=%llu "
                 "checked=%llu ms=%llu", (unsigned long long)st.damaged, (unsigned long long)st.dropped,
                 (unsigned long long)st.index, (unsigned long long)st.records,
                 (unsigned long long)(hln_util_mono_ms() - t0));
    return rc;
}

static void index_check(hlnd *d)
{
    heal_log h = {false, 0};
    hln_heal_stats st;
    uint64_t t0 = hln_util_mono_ms();
    int rc = hln_store_heal(d->store, HLN_HEAL_INDEX, heal_cb, &h, &st);
    hlnd_log(rc == 0 && !st.damaged && !st.index ? 6 : 4, "store",
             "event=index-checked result=%s records=%llu damaged=%llu index_fixed=%llu ms=%llu",
             rc == 0 ? "ok" : hln_errname(rc), (unsigned long long)st.records,
             (unsigned long long)st.damaged, (unsigned long long)st.index,
             (unsigned long long)(hln_util_mono_ms() - t0));
}

static void ops_tick(hlnd *d, uint64_t now)
{
    if (now >= d->next_index_check_ms) {
        if (d->next_index_check_ms)
            index_check(d);
        d->next_index_check_ms = now + d->cfg.index_check_ms;
    }
    if (d->catch_up && now >= d->next_catch_up_ms) {
        check_catch_up(d, now);
        d->next_catch_up_ms = now + 200;
    }
    if (d->cfg.metrics_file[0] && now >= d->next_metrics_ms) {
        write_metrics(d, true);
        d->next_metrics_ms = now + d->cfg.metrics_interval_ms;
    }
}

/* bench verify asks every peer that is up (node/verify.c). */
static int verify_control(hlnd *d, const char *cmd, json_object *req, json_object *reply)
{
    hln_verify_peer *up = calloc(d->n_peers ? d->n_peers : 1, sizeof *up);
    size_t n = 0;
    if (!up)
        return HLN_ENOMEM;
    for (size_t i = 0; i < d->n_peers; i++)
        if (d->peers[i].up) {
            memcpy(up[n].id, d->peers[i].id, HLN_KEY_LEN);
            up[n++].name = d->peers[i].name;
        }
    int rc = hln_bench_verify_control(d->bverify, hln_util_mono_ms(), cmd, req, reply, up, n);
    free(up);
    return rc;
}

static int on_control(void *ctx, const char *cmd, json_object *req, json_object *reply)
{
    (void)req;
    hlnd *d = ctx;
    if (strcmp(cmd, "status") == 0)
        return ctl_status(d, reply);
    if (strcmp(cmd, "peers") == 0)
        return ctl_peers(d, reply);
    if (strcmp(cmd, "metrics") == 0)
        return ctl_metrics(d, reply);
    if (strcmp(cmd, "explain") == 0)
        return ctl_explain(d, reply);
    if (strcmp(cmd, "reload") == 0) {
        /* hlnctl trust add/remove and peer add/remove: anchors may have
         * changed, so the trust graph is rebuilt as on SIGHUP (after
         * the batch being committed, whose records it must include). */
        hln_sync_settle(d->sync, hln_util_mono_ms());
        int rc = hln_sync_store_reload(d->ss);
        if (rc != 0)
            hlnd_log(3, "node", "event=trust-reload-failed reason=%s", hln_errname(rc));
        d->trust_dirty = true;
        return reload_peers(d);
    }
    if (strcmp(cmd, "appended") == 0) {
        uint64_t n = 0;
        int rc = scan_appended(d, &n);
        add_i64(reply, "records", (int64_t)n);
        return rc;
    }
    if (strncmp(cmd, "bench.verify", 12) == 0)
        return verify_control(d, cmd, req, reply);
    return HLN_EINVAL;
}

/* SIGHUP: the configuration file again (what can change while running),
 * then trust and peers. */
static void reload_all(hlnd *d)
{
    hln_config c;
    char err[512];
    if (hlnd_load_config(&d->args, &c, err, sizeof err) != 0) {
        char safe[512];
        hln_util_sanitize_log(safe, sizeof safe, err, strlen(err));
        hlnd_log(3, "config", "event=reload-refused reason=\"%s\"", safe);
    } else {
        if (strcmp(c.listen, d->cfg.listen) != 0 || strcmp(c.data_dir, d->cfg.data_dir) != 0)
            hlnd_log(5, "config", "event=restart-needed keys=listen,data_dir");
        /* Socket settings apply to connections opened from now on. */
        c.max_message = d->cfg.max_message;
        strcpy(c.listen, d->cfg.listen);
        strcpy(c.data_dir, d->cfg.data_dir);
        d->cfg = c;
        hlnd_log_set_level(c.log_level);
        hlnd_log(6, "config", "event=reloaded");
    }
    hln_sync_settle(d->sync, hln_util_mono_ms()); /* as for "reload" */
    if (d->ss && hln_sync_store_reload(d->ss) == 0)
        d->trust_dirty = true;
    reload_peers(d);
}

/* What follows from a change of the trust graph, once per tick at most:
 * feeds declined before may now be wanted, peers may now be told of (or
 * kept from) feeds, and the admitted set follows membership. */
static void trust_changed(hlnd *d, uint64_t now)
{
    d->trust_dirty = false;
    hlnd_expiry_changed(&d->expiry);
    hln_sync_wants_changed(d->sync, now);
    refresh_admitted(d);
    d->disc_dirty = true; /* members came or went: who is dialed follows */
}

static void notify_status(hlnd *d)
{
    uint64_t feeds = 0, records = 0;
    hln_store_counts(d->store, &feeds, &records);
    sd_notifyf(0, "STATUS=%zu peers up, %llu feeds, %llu records", peers_up(d),
               (unsigned long long)feeds, (unsigned long long)records);
}

static int start(hlnd *d, char *err, size_t errlen)
{
    int rc;
    if ((rc = hln_control_lock(d->cfg.data_dir, &d->lock_fd)) != 0) {
        snprintf(err, errlen, "%s",
                 rc == HLN_EEXIST ? "another hlnd runs on this data directory"
                                  : "cannot create the lock file");
        return rc;
    }
    if ((rc = hln_node_open(d->cfg.data_dir, 0, &d->node, err, errlen)) != 0)
        return rc;
    d->store = hln_node_store(d->node);
    if ((rc = heal_at_start(d)) != 0) {
        snprintf(err, errlen, "cannot check the store for damaged records: %s", hln_strerror(rc));
        return rc;
    }
    d->catch_up = hln_node_catch_up_pending(d->store);
    const uint8_t *pk = hln_node_pk(d->node);
    hln_id_to_text(pk, d->id_text);
    hln_id_short(pk, d->short_id);

    hln_transport_opts o = {
        .max_message = d->cfg.max_message,
        .heartbeat_ivl_ms = d->cfg.heartbeat_ivl_ms,
        .heartbeat_timeout_ms = d->cfg.heartbeat_timeout_ms,
        .heartbeat_ttl_ms = d->cfg.heartbeat_ttl_ms,
        .reconnect_ivl_ms = d->cfg.reconnect_ivl_ms,
        .reconnect_ivl_max_ms = d->cfg.reconnect_ivl_max_ms,
        .handshake_ms = d->cfg.handshake_ms,
        .linger_ms = d->cfg.linger_ms,
        .sndhwm = d->cfg.sndhwm,
    };
    /* The ZAP handler is bound inside hln_transport_new: it exists before
     * anything can bind, or the daemon does not start. */
    if ((rc = hln_transport_new(hln_node_identity(d->node), &o, on_transport, d, &d->tr)) != 0) {
        snprintf(err, errlen, "cannot start the transport and its ZAP handler");
        return rc;
    }

    if ((rc = hln_sync_store_new(d->node, &d->ss)) != 0) {
        snprintf(err, errlen, "cannot prepare the store for sync: %s", hln_strerror(rc));
        return rc;
    }
    hln_sync_store_host(d->ss, &d->inner);
    d->host = (hln_sync_host){
        .ctx = d,
        .send = host_send,
        .heads = w_heads,
        .read = w_read,
        .store = w_store,
        .wants = w_wants,
        .fork = w_fork,
        .forks = w_forks,
        .penalty = host_penalty,
        .may_send = w_may_send,
        .held = w_held,
        .verify = hln_pool_new(0, &d->vpool) == 0 ? w_verify : NULL,
    };
    if (hlnd_writer_new(d->ss, &d->writer) == 0) {
        d->host.store_begin = w_store_begin;
        d->host.store_end = w_store_end;
    }

    hln_sync_config sc;
    hln_sync_config_default(&sc);
    memcpy(sc.node_id, pk, HLN_KEY_LEN);
    hln_store_incarnation(d->store, sc.incarnation);
    hln_random(&sc.seed, sizeof sc.seed);
    sc.ae_interval_ms = d->cfg.anti_entropy_ms;
    sc.ae_fanout = d->cfg.fanout;
    sc.batch_records =
        d->cfg.batch_size < HLN_WIRE_BATCH_MAX ? d->cfg.batch_size : HLN_WIRE_BATCH_MAX;
    if (d->cfg.max_inflight < sc.push_window)
        sc.push_window = d->cfg.max_inflight;
    /* batch_size is also the records per store transaction (hlnd.conf(5)):
     * the engine holds consecutive answers and stores them in one commit. */
    sc.store_batch = d->cfg.batch_size;
    d->started_ms = hln_util_mono_ms();
    if ((rc = hln_sync_new(&sc, &d->host, d->started_ms, &d->sync)) != 0) {
        snprintf(err, errlen, "cannot start the sync engine: %s", hln_strerror(rc));
        return rc;
    }
    if ((rc = hln_bench_verify_new(d->node, d->ss, verify_send, d, &d->bverify)) != 0) {
        snprintf(err, errlen, "cannot start bench verify: %s", hln_strerror(rc));
        return rc;
    }
    d->ex = hlnd_explain_new(); /* NULL: run on without explanations */
    /* Address records held, for peer discovery (dialed from reload_peers). */
    if (!(d->disc = hln_disc_new()) || (rc = hln_disc_load(d->disc, d->store)) != 0) {
        rc = d->disc ? rc : HLN_ENOMEM;
        snprintf(err, errlen, "cannot read address records: %s", hln_strerror(rc));
        return rc;
    }
    if ((rc = reload_peers(d)) != 0) {
        snprintf(err, errlen, "cannot read peers and trust anchors: %s", hln_strerror(rc));
        return rc;
    }
    if (d->cfg.listen[0] && (rc = hln_transport_listen(d->tr, d->cfg.listen)) != 0) {
        snprintf(err, errlen, "cannot listen on %s", d->cfg.listen);
        return rc;
    }
    if ((rc = hln_control_listen(hln_transport_zctx(d->tr), d->cfg.data_dir, on_control, d,
                                 &d->ctl)) != 0) {
        snprintf(err, errlen, "cannot open the control socket in %s: %s", d->cfg.data_dir,
                 hln_strerror(rc));
        return rc;
    }
    return 0;
}

static void stop(hlnd *d)
{
    hln_control_close(&d->ctl);
    hln_bench_verify_destroy(&d->bverify);
    hln_sync_destroy(&d->sync); /* ends the batch the writer holds */
    hlnd_writer_destroy(&d->writer);
    hln_pool_destroy(&d->vpool);
    hln_transport_destroy(&d->tr);
    hln_sync_store_destroy(&d->ss);
    hln_disc_destroy(&d->disc);
    hlnd_explain_destroy(&d->ex);
    hln_node_close(&d->node);
    for (size_t i = 0; i < d->n_peers; i++)
        headmap_clear(&d->peers[i].heads);
    free(d->peers);
    d->peers = NULL;
    if (d->lock_fd >= 0)
        close(d->lock_fd);
}

/* The configuration (file, then command line), the log level and libsodium:
 * what hlnd_run and hlnd_open do before start(). */
static int prepare(hlnd *d, const hlnd_args *a, char *err, size_t errlen)
{
    *d = (hlnd){.args = *a, .lock_fd = -1};
    int rc = hlnd_load_config(a, &d->cfg, err, errlen);
    if (rc != 0)
        return rc;
    if (!d->cfg.data_dir[0]) {
        snprintf(err, errlen, "no data directory (-d DIR or [node] data_dir)");
        return HLN_ECONFIG;
    }
    hlnd_log_set_level(d->cfg.log_level);
    if (hln_crypto_init() != 0) {
        snprintf(err, errlen, "cannot initialise libsodium");
        return HLN_EIO;
    }
    return 0;
}

int hlnd_run(const hlnd_args *a)
{
    hlnd d;
    char err[512] = "";
    int rc = prepare(&d, a, err, sizeof err);
    if (rc != 0) {
        fprintf(stderr, "hlnd: %s\n", err);
        return rc;
    }

    if (pipe2(sig_pipe, O_CLOEXEC | O_NONBLOCK) != 0)
        return HLN_EIO;
    struct sigaction sa = {.sa_handler = on_signal};
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    if ((rc = start(&d, err, sizeof err)) != 0) {
        char safe[512];
        hln_util_sanitize_log(safe, sizeof safe, err, strlen(err));
        hlnd_log(3, "node", "event=start-failed reason=%s detail=\"%s\"", hln_errname(rc), safe);
        stop(&d);
        return rc;
    }
    rc = scan_appended(&d, NULL);
    hlnd_log(5, "node", "event=started node=%s listen=%s data_dir=%s pid=%ld", d.short_id,
             hln_transport_endpoint(d.tr)[0] ? hln_transport_endpoint(d.tr) : "-", d.cfg.data_dir,
             (long)getpid());
    sd_notify(0, "READY=1");
    notify_status(&d);
    if (d.catch_up)
        hlnd_log(5, "node", "event=catch-up-pending reason=restored-store publishing=refused");

    bool running = true;
    d.next_tick_ms = hln_util_mono_ms();
    d.next_status_ms = d.next_tick_ms + 10000;
    zmq_pollitem_t items[1024];
    while (running) {
        int n = hln_transport_pollitems(d.tr, items, sizeof items / sizeof items[0] - 3);
        /* More peers than slots: the transport fills the ZAP handler and
         * the server first, so admission and inbound peers keep working. */
        items[n] = (zmq_pollitem_t){.socket = hln_control_socket(d.ctl), .events = ZMQ_POLLIN};
        items[n + 1] = (zmq_pollitem_t){.fd = sig_pipe[0], .events = ZMQ_POLLIN};
        /* The writer's word that a batch is durable (a pipe never readable
         * without a writer: the signal pipe again). */
        items[n + 2] = (zmq_pollitem_t){.fd = d.writer ? hlnd_writer_fd(d.writer) : sig_pipe[0],
                                        .events = ZMQ_POLLIN};
        uint64_t now = hln_util_mono_ms();
        long timeout = d.next_tick_ms > now ? (long)(d.next_tick_ms - now) : 0;
        if (hln_transport_pending(d.tr))
            timeout = 0; /* messages read and waiting their turn */
        if (zmq_poll(items, n + 3, timeout) < 0 && zmq_errno() != EINTR) {
            hlnd_log(2, "net", "event=poll-failed reason=%s", zmq_strerror(zmq_errno()));
            rc = HLN_ENET;
            break;
        }
        if (items[n + 1].revents & ZMQ_POLLIN) {
            unsigned char sig;
            while (read(sig_pipe[0], &sig, 1) == 1) {
                if (sig == SIGHUP) {
                    hlnd_log(5, "node", "event=reload signal=SIGHUP");
                    reload_all(&d);
                } else
                    running = false;
            }
        }
        if (!running)
            break;
        if (d.writer && (items[n + 2].revents & ZMQ_POLLIN)) {
            unsigned char b[64];
            while (read(hlnd_writer_fd(d.writer), b, sizeof b) > 0)
                ;
            if (!hlnd_writer_busy(d.writer))
                hln_sync_settle(d.sync, hln_util_mono_ms());
        }
        hln_transport_process(d.tr, items, (size_t)n, 512);
        if (items[n].revents & ZMQ_POLLIN)
            hln_control_process(d.ctl);
        now = hln_util_mono_ms();
        if (now >= d.next_tick_ms) {
            if (hlnd_expiry_tick(&d.expiry, hln_sync_store_trust(d.ss), hln_node_pk(d.node),
                                 hln_util_wall_ms()))
                d.trust_dirty = true; /* a membership ended: as a trust change */
            if (d.trust_dirty)
                trust_changed(&d, now);
            if (d.disc_dirty)
                discover(&d);
            disc_failover(&d, now);
            hln_sync_tick(d.sync, now);
            d.next_tick_ms = now + d.cfg.tick_ms;
        }
        if (now >= d.next_status_ms) {
            notify_status(&d);
            d.next_status_ms = now + 10000;
        }
        ops_tick(&d, now);
    }
    sd_notify(0, "STOPPING=1");
    hlnd_log(5, "node", "event=stopping node=%s", d.short_id);
    write_metrics(&d, false);
    stop(&d);
    close(sig_pipe[0]);
    close(sig_pipe[1]);
    sig_pipe[0] = sig_pipe[1] = -1;
    return rc == HLN_ENET ? rc : 0;
}

/* ---- the seam for tests and fuzzers (tests/fuzz/fuzz_hlnd_*.c) ---------- */

int hlnd_open(const hlnd_args *a, hlnd **out, char *err, size_t errlen)
{
    *out = NULL;
    hlnd *d = malloc(sizeof *d);
    if (!d)
        return HLN_ENOMEM;
    int rc = prepare(d, a, err, errlen);
    if (rc == 0 && (rc = start(d, err, errlen)) != 0)
        stop(d);
    if (rc != 0) {
        free(d);
        return rc;
    }
    *out = d;
    return 0;
}

hln_control *hlnd_control(hlnd *d)
{
    return d->ctl;
}

void hlnd_transport_event(hlnd *d, hln_tev ev, const uint8_t id[HLN_KEY_LEN], const uint8_t *data,
                          size_t len)
{
    on_transport(d, ev, id, data, len);
}

void hlnd_close(hlnd **dp)
{
    if (!*dp)
        return;
    stop(*dp);
    free(*dp);
    *dp = NULL;
}
