/* perf_sim.c - replication at 100 and 1,000 simulated nodes, and the cost of an in-sync clock
 * round. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crypto/crypto.h"
#include "crypto/err.h"
#include "node/sync.h"
#include "tests/sim/sim.h"

#define PUBLISHERS 10
#define ROUNDS 5         /* records per publisher */
#define PUBLISH_GAP 2000 /* ms between rounds: each round settles before the next */

/* One publishing round, measured on its own. */
typedef struct {
    uint32_t max_hops;
    uint64_t time_ms, rounds, bytes_per_node;
    double dups;
    bool all;
} phase;

typedef struct {
    uint32_t nodes, diameter;
    double loss;
    phase ph[ROUNDS]; /* round 1: new feeds; later rounds: established feeds */
    uint64_t records, bytes_per_node;
    double dups;
    bool converged;
    double wall_s;
} row;

static double wall(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static row run_graph(uint32_t n, uint64_t seed, double loss)
{
    row out;
    memset(&out, 0, sizeof out);
    double w0 = wall();
    hln_sim_config c;
    hln_sim_config_default(&c);
    c.nodes = n;
    c.seed = seed;
    c.loss = loss;
    hln_sim *s = hln_sim_new(&c);
    if (!s) {
        fprintf(stderr, "perf_sim: cannot create the simulator\n");
        exit(1);
    }
    hln_sim_random_graph(s, 4, 8);
    out.nodes = n;
    out.loss = loss;
    out.diameter = hln_sim_diameter(s);
    hln_sim_start_all(s);
    hln_sim_run_until(s, 3000); /* greetings and empty clocks settle */
    hln_sim_stats st0, st, sa, sb;
    hln_sim_stats_get(s, &st0);
    /* Publishers spread over the graph, all publishing at the same moment. */
    uint32_t pubs[PUBLISHERS];
    for (uint32_t i = 0; i < PUBLISHERS; i++)
        pubs[i] = (uint32_t)(((uint64_t)i * n) / PUBLISHERS + (seed % 7)) % n;
    for (uint32_t r = 0; r < ROUNDS; r++) {
        int recs[PUBLISHERS];
        hln_sim_stats_get(s, &sa);
        for (uint32_t i = 0; i < PUBLISHERS; i++)
            recs[i] = hln_sim_publish(s, pubs[i]);
        /* Until every node holds the round's records (or 20 s), then on to the next round. */
        uint64_t t_pub = hln_sim_now(s);
        for (bool all = false; !all && hln_sim_now(s) < t_pub + 20000;) {
            hln_sim_run_until(s, hln_sim_now(s) + c.tick_ms);
            all = true;
            for (uint32_t i = 0; i < PUBLISHERS && all; i++) {
                uint32_t hops, holders;
                uint64_t lat;
                hln_sim_record_reach(s, recs[i], &hops, &lat, &holders);
                all = holders == n;
            }
        }
        if (hln_sim_now(s) < t_pub + PUBLISH_GAP)
            hln_sim_run_until(s, t_pub + PUBLISH_GAP);
        hln_sim_stats_get(s, &sb);
        phase ph;
        memset(&ph, 0, sizeof ph);
        ph.all = true;
        for (uint32_t i = 0; i < PUBLISHERS; i++) {
            uint32_t hops, holders;
            uint64_t lat;
            hln_sim_record_reach(s, recs[i], &hops, &lat, &holders);
            ph.all &= holders == n;
            if (hops > ph.max_hops)
                ph.max_hops = hops;
            if (lat > ph.time_ms)
                ph.time_ms = lat;
        }
        ph.rounds = (ph.time_ms + c.tick_ms - 1) / c.tick_ms;
        ph.bytes_per_node = (sb.bytes - sa.bytes) / n;
        ph.dups = (double)(sb.dups - sa.dups) / ((double)n * PUBLISHERS);
        out.ph[r] = ph;
    }
    out.converged = hln_sim_run_to_convergence(s, hln_sim_now(s) + 60000);
    hln_sim_stats_get(s, &st);
    out.records = st.records;
    out.bytes_per_node = (st.bytes - st0.bytes) / n;
    out.dups = (double)(st.dups - st0.dups) / ((double)n * (double)st.records);
    hln_sim_free(&s);
    out.wall_s = wall() - w0;
    return out;
}

/* ---- Two engines with 10,000 feeds each, already in sync ---------------- */

#define FEEDS 10000

typedef struct qmsg {
    struct qmsg *next;
    size_t len;
    uint8_t data[];
} qmsg;

typedef struct {
    uint32_t self;
    uint8_t (*authors)[HLN_KEY_LEN];
    size_t bytes;
} pair_host;

static pair_host ph[2];
static qmsg *qhead[2], **qtail[2] = {&qhead[0], &qhead[1]}; /* messages for engine k */

static int p_send(void *ctx, uint32_t peer, const uint8_t *msg, size_t len)
{
    pair_host *h = ctx;
    (void)peer;
    h->bytes += len;
    uint32_t other = 1 - h->self;
    qmsg *q = malloc(sizeof *q + len);
    if (!q)
        return HLN_ENOMEM;
    q->next = NULL;
    q->len = len;
    memcpy(q->data, msg, len);
    *qtail[other] = q;
    qtail[other] = &q->next;
    return 0;
}

static int p_heads(void *ctx, hln_sync_head_cb cb, void *cbctx)
{
    pair_host *h = ctx;
    for (uint32_t i = 0; i < FEEDS; i++) {
        hln_feed_id f;
        memset(&f, 0, sizeof f);
        memcpy(f.author, h->authors[i], HLN_KEY_LEN);
        strcpy(f.scope, "CA");
        uint8_t id[HLN_HASH_LEN];
        hln_hash(f.author, HLN_KEY_LEN, id);
        int rc = cb(cbctx, &f, 1 + i % 50, id);
        if (rc)
            return rc;
    }
    return 0;
}

static int p_read(void *ctx, const hln_feed_id *f, uint64_t a, uint64_t b, hln_sync_rec_cb cb,
                  void *cc)
{
    (void)ctx, (void)f, (void)a, (void)b, (void)cb, (void)cc;
    return 0;
}

static int p_store(void *ctx, uint32_t from, const hln_record *r, size_t n, int *res)
{
    (void)ctx, (void)from, (void)r;
    for (size_t i = 0; i < n; i++)
        res[i] = HLN_EDUP;
    return 0;
}

static bool p_wants(void *ctx, const hln_feed_id *f)
{
    (void)ctx, (void)f;
    return true;
}

static int p_fork(void *ctx, uint32_t from, const hln_record *a, const hln_record *b)
{
    (void)ctx, (void)from, (void)a, (void)b;
    return HLN_EDUP;
}

/* Deliver queued messages, in order, until both sides are quiet. */
static void pump(hln_sync **e, uint64_t now)
{
    for (bool any = true; any;) {
        any = false;
        for (int k = 0; k < 2; k++) {
            qmsg *q = qhead[k];
            if (!q)
                continue;
            qhead[k] = q->next;
            if (!qhead[k])
                qtail[k] = &qhead[k];
            hln_sync_receive(e[k], now, 1 - (uint32_t)k, q->data, q->len);
            free(q);
            any = true;
        }
    }
}

static size_t in_sync_round(void)
{
    uint8_t(*authors)[HLN_KEY_LEN] = malloc((size_t)FEEDS * HLN_KEY_LEN);
    for (uint32_t i = 0; i < FEEDS; i++) {
        uint32_t v = i;
        hln_hash((const uint8_t *)&v, sizeof v, authors[i]);
    }
    hln_sync *e[2];
    for (int k = 0; k < 2; k++) {
        ph[k].self = (uint32_t)k;
        ph[k].authors = authors;
        hln_sync_config c;
        hln_sync_config_default(&c);
        c.seed = (uint64_t)k + 1;
        c.node_id[0] = (uint8_t)k;
        c.ae_fanout = 1;
        hln_sync_host h = {&ph[k],  p_send, p_heads, p_read, p_store,
                           p_wants, p_fork, NULL,    NULL,   NULL, NULL, NULL, NULL};
        if (hln_sync_new(&c, &h, 0, &e[k])) {
            fprintf(stderr, "perf_sim: engine\n");
            exit(1);
        }
    }
    /* Greet: the full vectors cross once. */
    hln_sync_peer_up(e[0], 0, 1);
    hln_sync_peer_up(e[1], 0, 0);
    pump(e, 0);
    for (uint64_t t = 100; t <= 3000; t += 100) {
        hln_sync_tick(e[0], t);
        pump(e, t);
        hln_sync_tick(e[1], t);
        pump(e, t);
    }
    /* Now one anti-entropy period: every message is a digest-only clock. */
    size_t before = ph[0].bytes + ph[1].bytes;
    uint64_t t;
    for (t = 3100; t <= 4000; t += 100) {
        hln_sync_tick(e[0], t);
        pump(e, t);
        hln_sync_tick(e[1], t);
        pump(e, t);
    }
    size_t round = ph[0].bytes + ph[1].bytes - before;
    for (int k = 0; k < 2; k++)
        hln_sync_destroy(&e[k]);
    free(authors);
    return round;
}

int main(void)
{
    if (hln_crypto_init())
        return 1;
    double w0 = wall();
    /* HLN_PERF_SIM_NODES=10000: one more lossless graph of that size; the
     * goals are then judged on it. */
    row rows[4];
    int nrows = 3, goal_row = 1;
    rows[0] = run_graph(100, 42, 0);
    rows[1] = run_graph(1000, 42, 0);
    rows[2] = run_graph(1000, 42, 0.02);
    const char *big = getenv("HLN_PERF_SIM_NODES");
    if (big && atoi(big) > 0) {
        rows[3] = run_graph((uint32_t)atoi(big), 42, 0);
        goal_row = nrows++;
    }
    size_t round = in_sync_round();

    printf("hln sync simulator: random graphs of degree 4-8, latency 5-40 ms per link, tick 100 "
           "ms;\n");
    printf("%d publishers publish one record each at the same moment, %d times, %d ms apart\n"
           "(or once every node holds the previous round, if that takes longer).\n",
           PUBLISHERS, ROUNDS, PUBLISH_GAP);
    printf(
        "In round 1 nobody knows the feeds yet: they travel by clock note and request, and each\n"
        "request grafts a tree edge; later rounds are pushed down those trees.\n\n");
    printf("| nodes | loss | diameter | publishing round | all nodes hold all | rounds (ticks) | "
           "sim time (ms) | max hops "
           "| dup deliveries / node / record | bytes sent / node |\n");
    printf("|---:|---:|---:|:---|:---:|---:|---:|---:|---:|---:|\n");
    for (int i = 0; i < nrows; i++) {
        for (int k = 0; k < ROUNDS; k++) {
            const phase *p = &rows[i].ph[k];
            printf("| %u | %.0f%% | %u | %d | %s | %llu | %llu | %u | %.3f | %llu |\n",
                   rows[i].nodes, rows[i].loss * 100, rows[i].diameter, k + 1,
                   p->all ? "yes" : "NO", (unsigned long long)p->rounds,
                   (unsigned long long)p->time_ms, p->max_hops, p->dups,
                   (unsigned long long)p->bytes_per_node);
        }
    }
    printf("\nwhole runs (%d records):\n", PUBLISHERS * ROUNDS);
    printf("| nodes | loss | converged | dup deliveries / node / record | bytes sent / node | wall "
           "(s) |\n");
    printf("|---:|---:|:---:|---:|---:|---:|\n");
    for (int i = 0; i < nrows; i++)
        printf("| %u | %.0f%% | %s | %.3f | %llu | %.1f |\n", rows[i].nodes, rows[i].loss * 100,
               rows[i].converged ? "yes" : "NO", rows[i].dups,
               (unsigned long long)rows[i].bytes_per_node, rows[i].wall_s);
    printf("\nin-sync anti-entropy round between two peers holding %d feeds: %zu bytes "
           "(one 22-byte clock each way)\n\n",
           FEEDS, round);
    const row *k = &rows[goal_row];
    uint32_t hops = 0;
    for (int r = 0; r < ROUNDS; r++)
        if (k->ph[r].max_hops > hops)
            hops = k->ph[r].max_hops;
    printf("goals at %u nodes without loss (reported, not asserted):\n", k->nodes);
    printf("  a new record reaches all nodes within 2x diameter hops: max hops %u vs %u -> %s\n",
           hops, 2 * k->diameter, hops <= 2 * k->diameter ? "met" : "MISSED");
    printf("  at most 2 duplicate deliveries per node per record: %.3f -> %s\n", k->dups,
           k->dups <= 2.0 ? "met" : "MISSED");
    printf("  an in-sync round <= 64 bytes: %zu -> %s\n", round, round <= 64 ? "met" : "MISSED");
    printf("total wall time %.1f s\n", wall() - w0);
    bool ok = true;
    for (int i = 0; i < nrows; i++)
        ok &= rows[i].converged;
    return ok ? 0 : 1;
}
