/* perf_net.c - hlnd over loopback with CURVE: initial sync rate and per-hop latency, beside their
 * baselines from the same run. */
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <libgen.h>
#include <limits.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

#include "crypto/crypto.h"
#include "crypto/err.h"
#include "node/control.h"
#include "node/node.h"
#include "store/store.h"
#include "node/gov.h"
#include "node/peers.h"

/* What it measures (docs/PERFORMANCE.md keeps the figures):
 *  1. the single-core raw verify rate (ed25519 over the envelope) and the
 *     decode+verify rate, on records like the ones synced;
 *  2. one durable LMDB commit (one record, fsync'd) and one ZeroMQ round trip
 *     (CURVE, DEALER/ROUTER over tcp loopback), medians;
 *  3. the initial sync of HLN_PERF_RECORDS (200,000) records from one hlnd
 *     to a fresh one: records/s and its ratio to (1) (goal >= 60%);
 *  4. one new record across a line of 10 hlnd: per hop, beside (2)'s sum
 *     (goal: a hop <= 3x).
 * Real hlnd processes on 127.0.0.1, killed at the end whatever happens. */

#define LINE 10
static char hlnd_path[PATH_MAX];
static char top[64];
static pid_t pids[LINE + 2];
static int npids;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what)
{
    fprintf(stderr, "perf_net: %s\n", what);
    for (int i = 0; i < npids; i++)
        if (pids[i] > 0)
            kill(pids[i], SIGKILL);
    exit(1);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static int free_port(void)
{
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof a) != 0 ||
        getsockname(s, (struct sockaddr *)&a, &len) != 0)
        die("no free port");
    close(s);
    return ntohs(a.sin_port);
}

typedef struct {
    char dir[128];
    char conf[160];
    char ep[64];
    uint8_t id[HLN_KEY_LEN];
    pid_t pid;
} pnode;

static void make_node(pnode *n, int i)
{
    snprintf(n->dir, sizeof n->dir, "%s/n%d", top, i);
    snprintf(n->conf, sizeof n->conf, "%s/n%d.conf", top, i);
    snprintf(n->ep, sizeof n->ep, "tcp://127.0.0.1:%d", free_port());
    hln_node_info info = {.level = HLN_LEVEL_ORGANIZATION, .jurisdiction = "CA"};
    snprintf(info.name, sizeof info.name, "perf%d", i);
    hln_node *node = NULL;
    char err[256];
    if (hln_node_create(n->dir, &info, &node, err, sizeof err) != 0)
        die(err);
    memcpy(n->id, hln_node_pk(node), HLN_KEY_LEN);
    hln_node_close(&node);
    FILE *f = fopen(n->conf, "w");
    if (!f)
        die("config");
    fprintf(f, "[node]\nlog_level = notice\n[gossip]\ntick_ms = 20\nanti_entropy_ms = 500\n"
               "[net]\nreconnect_ivl_ms = 20\nreconnect_ivl_max_ms = 200\n");
    fclose(f);
}

static void with_store(pnode *n, void (*fn)(hln_store *, void *), void *arg)
{
    hln_node *node = NULL;
    char err[256];
    if (hln_node_open(n->dir, 0, &node, err, sizeof err) != 0)
        die(err);
    fn(hln_node_store(node), arg);
    hln_node_close(&node);
}

static void trust_fn(hln_store *s, void *arg)
{
    /* An organization in CA: its feeds are wanted and may be sent to it. */
    hln_gov_anchor a = {.level = HLN_LEVEL_ORGANIZATION, .jurisdiction = "CA"};
    memcpy(a.id, arg, HLN_KEY_LEN);
    if (hln_gov_anchor_put(s, &a) != 0)
        die("trust");
}

typedef struct {
    const uint8_t *id;
    const char *ep;
} peer_arg;

static void peer_fn(hln_store *s, void *arg)
{
    peer_arg *pa = arg;
    hln_peers_entry p = {0};
    memcpy(p.id, pa->id, HLN_KEY_LEN);
    snprintf(p.endpoint, sizeof p.endpoint, "%s", pa->ep ? pa->ep : "");
    if (hln_peers_put(s, &p) != 0)
        die("peer");
}

/* a dials b, b admits a; both trust each other's feeds. */
static void link_nodes(pnode *a, pnode *b)
{
    peer_arg pa = {b->id, b->ep}, pb = {a->id, NULL};
    with_store(a, peer_fn, &pa);
    with_store(b, peer_fn, &pb);
    with_store(a, trust_fn, b->id);
    with_store(b, trust_fn, a->id);
}

static void start(pnode *n)
{
    char log[200];
    snprintf(log, sizeof log, "%s.log", n->dir);
    pid_t p = fork();
    if (p < 0)
        die("fork");
    if (p == 0) {
        int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0600);
        if (fd >= 0)
            dup2(fd, 2);
        execl(hlnd_path, "hlnd", "-d", n->dir, "--listen", n->ep, "-c", n->conf, (char *)NULL);
        _exit(127);
    }
    n->pid = p;
    pids[npids++] = p;
    for (int i = 0; i < 200; i++) {
        json_object *r = NULL;
        if (hln_control_call(n->dir, "ping", 200, &r, NULL, 0) == 0) {
            json_object_put(r);
            return;
        }
        usleep(20000);
    }
    die("hlnd did not start");
}

static void stop(pnode *n)
{
    int st;
    kill(n->pid, SIGTERM);
    waitpid(n->pid, &st, 0);
    for (int i = 0; i < npids; i++)
        if (pids[i] == n->pid)
            pids[i] = 0;
}

static int64_t status_i64(pnode *n, const char *key)
{
    json_object *r = NULL, *v;
    int64_t x = -1;
    if (hln_control_call(n->dir, "status", 2000, &r, NULL, 0) == 0 &&
        json_object_object_get_ex(r, key, &v))
        x = json_object_get_int64(v);
    json_object_put(r);
    return x;
}

static void publish(pnode *n, size_t count)
{
    hln_node *node = NULL;
    char err[256];
    if (hln_node_open(n->dir, 0, &node, err, sizeof err) != 0)
        die(err);
    size_t chunk = 5000;
    hln_node_item *items = calloc(chunk, sizeof *items);
    static unsigned serial;
    for (size_t off = 0; off < count; off += chunk) {
        size_t k = count - off < chunk ? count - off : chunk;
        for (size_t i = 0; i < k; i++) {
            hln_observation *o = &items[i].body.observation;
            items[i].type = HLN_REC_OBSERVATION;
            snprintf(o->indicator, sizeof o->indicator, "perf.ind");
            snprintf(o->period, sizeof o->period, "2026-%02u", 1 + (unsigned)(i % 12));
            snprintf(o->unit, sizeof o->unit, "unit-%u", serial++);
            o->numerator = 40 + i % 50;
            o->denominator = 200;
        }
        if (hln_node_append(node, "CA", items, k, 0, NULL, err, sizeof err) != 0)
            die(err);
    }
    free(items);
    hln_node_close(&node);
}

/* ---- baselines ------------------------------------------------------------ */

static void verify_rate(double *verify_per_s, double *decode_verify_per_s)
{
    const size_t n = 20000;
    hln_identity *id = hln_identity_generate();
    hln_record *recs = calloc(n, sizeof *recs);
    if (!id || !recs)
        die("memory");
    uint8_t prev[HLN_HASH_LEN];
    for (size_t i = 0; i < n; i++) {
        hln_record_init(&recs[i], HLN_REC_OBSERVATION, hln_identity_pk(id), "CA", i + 1,
                        i ? prev : NULL, 1700000000000ull + i);
        hln_observation *o = &recs[i].body.observation;
        snprintf(o->indicator, sizeof o->indicator, "perf.ind");
        snprintf(o->period, sizeof o->period, "2026-01");
        snprintf(o->unit, sizeof o->unit, "unit-%zu", i);
        o->numerator = 40;
        o->denominator = 200;
        if (hln_record_seal(&recs[i], id, NULL, 0) != 0)
            die("seal");
        memcpy(prev, recs[i].id, HLN_HASH_LEN);
    }
    double t = now_s();
    for (size_t i = 0; i < n; i++)
        if (hln_record_verify(&recs[i]) != 0)
            die("verify");
    *verify_per_s = (double)n / (now_s() - t);
    hln_record *r = malloc(sizeof *r);
    t = now_s();
    for (size_t i = 0; i < n; i++)
        if (hln_record_decode(recs[i].raw, recs[i].raw_len, r, NULL, 0) != 0 ||
            hln_record_verify(r) != 0)
            die("decode");
    *decode_verify_per_s = (double)n / (now_s() - t);
    free(r);
    free(recs);
    hln_identity_destroy(&id);
}

static double commit_cost(void)
{
    char dir[128];
    snprintf(dir, sizeof dir, "%s/commit", top);
    if (mkdir(dir, 0700) != 0)
        die("mkdir");
    hln_store *st = NULL;
    if (hln_store_open(dir, 0, &st) != 0)
        die("store");
    /* A store that already holds PRE records, as a synced node's does:
     * a commit's cost grows with the trees it touches. */
    enum { K = 200, PRE = 20000 };
    double t[K];
    hln_identity *id = hln_identity_generate();
    hln_record *r = malloc(sizeof *r);
    uint8_t prev[HLN_HASH_LEN];
    {
        hln_record *pre = calloc(1000, sizeof *pre);
        int *res = calloc(1000, sizeof *res);
        for (int i = 0; i < PRE; i++) {
            hln_record *p = &pre[i % 1000];
            hln_record_init(p, HLN_REC_OBSERVATION, hln_identity_pk(id), "CA", (uint64_t)i + 1,
                            i ? prev : NULL, 1700000000000ull + (uint64_t)i);
            hln_observation *o = &p->body.observation;
            snprintf(o->indicator, sizeof o->indicator, "perf.ind");
            snprintf(o->period, sizeof o->period, "2026");
            snprintf(o->unit, sizeof o->unit, "pre%d", i);
            o->numerator = 40;
            o->denominator = 200;
            if (hln_record_seal(p, id, NULL, 0) != 0)
                die("seal");
            memcpy(prev, p->id, HLN_HASH_LEN);
            if (i % 1000 == 999 && hln_store_append_batch(st, pre, 1000, res) != 0)
                die("prefill");
        }
        free(pre);
        free(res);
    }
    for (int i = 0; i < K; i++) {
        hln_record_init(r, HLN_REC_OBSERVATION, hln_identity_pk(id), "CA", (uint64_t)(PRE + i) + 1,
                        prev, 1700000000000ull + (uint64_t)(PRE + i));
        hln_observation *o = &r->body.observation;
        snprintf(o->indicator, sizeof o->indicator, "perf.ind");
        snprintf(o->period, sizeof o->period, "2026");
        snprintf(o->unit, sizeof o->unit, "u%d", i);
        o->numerator = 40;
        o->denominator = 200;
        if (hln_record_seal(r, id, NULL, 0) != 0)
            die("seal");
        memcpy(prev, r->id, HLN_HASH_LEN);
        /* One record in its own transaction, committed durably. */
        double t0 = now_s();
        if (hln_store_append(st, r) != 0)
            die("append");
        t[i] = now_s() - t0;
    }
    free(r);
    hln_identity_destroy(&id);
    hln_store_close(&st);
    qsort(t, K, sizeof t[0], cmp_double);
    return t[K / 2];
}

static double zmq_rtt(void)
{
    hln_identity *a = hln_identity_generate(), *b = hln_identity_generate();
    char apub[41], asec[41], bpub[41], bsec[41], ep[64];
    hln_identity_curve_z85(a, apub, asec);
    hln_identity_curve_z85(b, bpub, bsec);
    void *z = zmq_ctx_new();
    void *srv = zmq_socket(z, ZMQ_ROUTER), *cli = zmq_socket(z, ZMQ_DEALER);
    int one = 1, linger = 0;
    zmq_setsockopt(srv, ZMQ_CURVE_SERVER, &one, sizeof one);
    zmq_setsockopt(srv, ZMQ_CURVE_SECRETKEY, bsec, 40);
    zmq_setsockopt(srv, ZMQ_LINGER, &linger, sizeof linger);
    zmq_setsockopt(cli, ZMQ_CURVE_SERVERKEY, bpub, 40);
    zmq_setsockopt(cli, ZMQ_CURVE_PUBLICKEY, apub, 40);
    zmq_setsockopt(cli, ZMQ_CURVE_SECRETKEY, asec, 40);
    zmq_setsockopt(cli, ZMQ_LINGER, &linger, sizeof linger);
    snprintf(ep, sizeof ep, "tcp://127.0.0.1:%d", free_port());
    if (zmq_bind(srv, ep) != 0 || zmq_connect(cli, ep) != 0)
        die("zmq");
    enum { K = 500 };
    double t[K];
    char buf[256], rid[256];
    memset(buf, 'x', sizeof buf);
    for (int i = 0; i < K + 20; i++) {
        double t0 = now_s();
        zmq_send(cli, buf, 100, 0);
        int rl = zmq_recv(srv, rid, sizeof rid, 0);
        zmq_recv(srv, buf, sizeof buf, 0);
        zmq_send(srv, rid, (size_t)rl, ZMQ_SNDMORE);
        zmq_send(srv, buf, 100, 0);
        zmq_recv(cli, buf, sizeof buf, 0);
        if (i >= 20) /* the handshake and warm-up are not a round trip */
            t[i - 20] = now_s() - t0;
    }
    zmq_close(cli);
    zmq_close(srv);
    zmq_ctx_term(z);
    hln_identity_destroy(&a);
    hln_identity_destroy(&b);
    qsort(t, K, sizeof t[0], cmp_double);
    return t[K / 2];
}

/* ---- the network figures ----------------------------------------------------- */

/* CPU seconds (user + system) a process has used so far: less sensitive
 * than wall time to other programs on the machine. */
static double cpu_s(pid_t pid)
{
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/%ld/stat", (long)pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = 0;
    char *p = strrchr(buf, ')'); /* the command name may hold spaces */
    unsigned long ut = 0, st = 0;
    if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st) != 2)
        return 0;
    return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

static double initial_sync(size_t total, double *elapsed, double *cpu_recv, double *cpu_src)
{
    pnode *a = calloc(1, sizeof *a), *b = calloc(1, sizeof *b);
    make_node(a, 100);
    make_node(b, 101);
    link_nodes(b, a);
    double t = now_s();
    publish(a, total);
    printf("  published %zu records on the source in %.1f s\n", total, now_s() - t);
    start(a);
    t = now_s();
    start(b);
    int64_t have = 0;
    double deadline = t + 600;
    while ((have = status_i64(b, "records")) < (int64_t)total) {
        if (now_s() > deadline)
            die("initial sync did not finish in 600 s");
        usleep(20000);
    }
    *elapsed = now_s() - t;
    *cpu_recv = cpu_s(b->pid);
    *cpu_src = cpu_s(a->pid);
    stop(a);
    stop(b);
    free(a);
    free(b);
    return (double)total / *elapsed;
}

static double line_hop(double *total_ms)
{
    pnode *n = calloc(LINE, sizeof *n);
    for (int i = 0; i < LINE; i++)
        make_node(&n[i], i);
    for (int i = 0; i + 1 < LINE; i++)
        link_nodes(&n[i], &n[i + 1]);
    /* Every node trusts the publisher at the head of the line. */
    for (int i = 2; i < LINE; i++)
        with_store(&n[i], trust_fn, n[0].id);
    for (int i = 0; i < LINE; i++)
        start(&n[i]);
    for (int i = 0; i < LINE; i++)
        while (status_i64(&n[i], "peers_up") < (i == 0 || i == LINE - 1 ? 1 : 2))
            usleep(20000);
    /* The probes read the stores of n1 and n9 directly (LMDB readers do
     * not disturb the writer), each read a fresh snapshot: asking hlnd over
     * its control socket in a tight loop would load the very daemons timed. */
    hln_store *first = NULL, *last = NULL;
    char path[200];
    snprintf(path, sizeof path, "%s/store", n[1].dir);
    if (hln_store_open(path, HLN_STORE_RDONLY, &first) != 0)
        die("probe n1");
    snprintf(path, sizeof path, "%s/store", n[LINE - 1].dir);
    if (hln_store_open(path, HLN_STORE_RDONLY, &last) != 0)
        die("probe n9");
    enum { K = 7 };
    double t[K];
    for (int k = 0; k < K; k++) {
        uint64_t f0, before, before1, c;
        hln_store_counts(last, &f0, &before);
        hln_store_counts(first, &f0, &before1);
        publish(&n[0], 1); /* in the store; hlnd learns of it from the poke */
        double t0 = now_s();
        if (hln_control_notify_appended(n[0].dir) != 0)
            die("notify");
        double t1 = 0;
        for (;;) {
            if (!t1 && hln_store_counts(first, &f0, &c) == 0 && c > before1)
                t1 = now_s() - t0;
            if (hln_store_counts(last, &f0, &c) == 0 && c > before)
                break;
            if (now_s() - t0 > 30)
                die("a record did not cross the line in 30 s");
            usleep(50);
        }
        t[k] = now_s() - t0;
        if (getenv("HLN_PERF_VERBOSE"))
            printf("  run %d: first hop seen at %.2f ms, last at %.2f ms\n", k, t1 * 1000,
                   t[k] * 1000);
        usleep(200000);
    }
    hln_store_close(&first);
    hln_store_close(&last);
    for (int i = 0; i < LINE; i++)
        stop(&n[i]);
    free(n);
    qsort(t, K, sizeof t[0], cmp_double);
    *total_ms = t[K / 2] * 1000;
    return *total_ms / (LINE - 1);
}

int main(int argc, char **argv)
{
    (void)argc;
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (hln_crypto_init() != 0)
        die("crypto");
    char self[PATH_MAX];
    if (!realpath(argv[0], self))
        die("realpath");
    snprintf(hlnd_path, sizeof hlnd_path, "%s/../hlnd", dirname(self));
    if (access(hlnd_path, X_OK) != 0)
        die("hlnd not built next to perf/ (make BUILD=... BUILD/hlnd)");
    strcpy(top, "/tmp/hln-perf-net-XXXXXX");
    if (!mkdtemp(top))
        die("mkdtemp");
    size_t total = 200000;
    const char *env = getenv("HLN_PERF_RECORDS");
    if (env && atol(env) > 0)
        total = (size_t)atol(env);

    double ver, decver;
    verify_rate(&ver, &decver);
    double commit = commit_cost(), rtt = zmq_rtt();
    printf("baselines (one core, this run):\n");
    printf("  raw verify            %10.0f records/s\n", ver);
    printf("  decode + verify       %10.0f records/s\n", decver);
    printf("  durable LMDB commit   %10.3f ms (one record into a store of 20,000, median of 200)\n",
           commit * 1000);
    printf("  ZeroMQ round trip     %10.3f ms (CURVE, tcp loopback, median of 500)\n", rtt * 1000);

    double elapsed, cpu_recv, cpu_src;
    double rate = initial_sync(total, &elapsed, &cpu_recv, &cpu_src);
    printf("initial sync, %zu records, one hlnd to a fresh one over CURVE:\n", total);
    printf("  %.1f s, %.0f records/s = %.0f%% of the raw verify rate (goal >= 60%%)\n", elapsed,
           rate, 100.0 * rate / ver);
    printf("  CPU per record: receiver %.1f us (%.0f%% busy), source %.1f us; raw verify %.1f us\n",
           1e6 * cpu_recv / (double)total, 100.0 * cpu_recv / elapsed,
           1e6 * cpu_src / (double)total, 1e6 / ver);

    double total_ms;
    double hop = line_hop(&total_ms);
    double base = (commit + rtt) * 1000;
    printf("one new record across a line of %d hlnd (median of 7):\n", LINE);
    printf("  %.1f ms end to end, %.2f ms per hop = %.2fx (commit + round trip = %.3f ms; goal <= "
           "3x)\n",
           total_ms, hop, hop / base, base);

    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", top);
    if (system(cmd) != 0)
        fprintf(stderr, "perf_net: could not remove %s\n", top);
    return 0;
}
