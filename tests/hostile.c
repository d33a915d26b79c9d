/* hostile.c - test helper for the daemon tests: node setup (peer, trust, publish, count) and a hostile peer. */
#include <arpa/inet.h>
#include <json-c/json.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

#include "crypto/crypto.h"
#include "crypto/err.h"
#include "node/control.h"
#include "node/node.h"
#include "proto/wire.h"
#include "store/store.h"

/* Subcommands:
 *   hostile status DIR                     the running hlnd's status (control socket), JSON
 *   hostile trust DIR ID [LEVEL JUR]       trust ID outright (TRUST table), with a level and
 *                                          jurisdiction if given (e.g. national CA)
 *   hostile publish DIR N [SCOPE]          append N observations to DIR's own feed, notify hlnd
 *   hostile count DIR                      print "FEEDS RECORDS" from the store
 *   hostile attack DIR ENDPOINT TARGET_ID  be a hostile peer of TARGET with DIR's identity
 *   hostile refuse DIR ENDPOINT TARGET_ID  greet TARGET with DIR's key, send seq 1 of DIR's
 *                                          feed (scope CA, counts of 500/1000) and then four
 *                                          records it must refuse: seq 3 (a seq gap), seq 2
 *                                          with a wrong prev (a chain break), seq 2 dated
 *                                          before seq 1 (behind the head), seq 2 dated an hour
 *                                          earlier, before DIR's membership (not entitled)
 *   hostile ctlfuzz DIR                    malformed requests on DIR's control socket
 *   hostile flood DIR ENDPOINT TARGET_ID ROUNDS MSGS
 *                                          ROUNDS times: connect with DIR's key, greet, send
 *                                          MSGS messages of 64 records (the same ones: replays)
 *                                          as fast as possible, then close with linger 0
 *   hostile conns HOST PORT N SECONDS      hold N TCP connections that never handshake
 *   hostile claim DIR ENDPOINT TARGET_ID SEQ
 *                                          greet TARGET, send a clock claiming DIR's feed
 *                                          (scope CA) is at SEQ
 *   hostile impostor DIR ENDPOINT TARGET_ID CLAIMED_ID
 *                                          connect with DIR's key, send a hello claiming
 *                                          CLAIMED_ID; print "clocks=N" (clock messages back)
 *   hostile request DIR ENDPOINT TARGET_ID AUTHOR_ID SCOPE
 *                                          greet TARGET with DIR's key and ask it for the feed
 *                                          (AUTHOR_ID, SCOPE); print "announced=N records=M"
 *   hostile relay DIR ENDPOINT TARGET_ID SRC_DIR FROM_SEQ
 *                                          greet TARGET with DIR's key and push the records of
 *                                          SRC_DIR's own feed in scope CA from FROM_SEQ to its
 *                                          head, as a peer relaying them would (a leaked key's
 *                                          records reaching a node through someone else)
 */

static uint64_t wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static int open_store(const char *dir, unsigned flags, hln_store **s)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/store", dir);
    return hln_store_open(path, flags, s);
}

static int cmd_trust(const char *dir, const char *idtext, const char *level, const char *jur)
{
    uint8_t id[HLN_KEY_LEN];
    hln_store *s = NULL;
    char val[128] = "{}";
    if (level && jur)
        snprintf(val, sizeof val, "{\"level\":\"%s\",\"jurisdiction\":\"%s\"}", level, jur);
    if (hln_id_from_text(idtext, id) != 0 || open_store(dir, 0, &s) != 0)
        return 1;
    int rc = hln_store_kv_put(s, HLN_TABLE_TRUST, id, HLN_KEY_LEN, val, strlen(val));
    hln_store_close(&s);
    if (rc == 0)
        rc = hln_control_notify_reload(dir);
    return rc == 0 ? 0 : 1;
}

static int cmd_count(const char *dir)
{
    hln_store *s = NULL;
    uint64_t feeds = 0, records = 0;
    if (open_store(dir, HLN_STORE_RDONLY, &s) != 0)
        return 1;
    int rc = hln_store_counts(s, &feeds, &records);
    hln_store_close(&s);
    if (rc != 0)
        return 1;
    printf("%llu %llu\n", (unsigned long long)feeds, (unsigned long long)records);
    return 0;
}

static int cmd_publish(const char *dir, long n, const char *scope)
{
    hln_node *node = NULL;
    char err[256];
    int rc = hln_node_open(dir, 0, &node, err, sizeof err);
    if (rc != 0) {
        fprintf(stderr, "hostile: %s\n", err);
        return 1;
    }
    hln_node_item *items = calloc((size_t)n, sizeof *items);
    uint64_t base = wall_ms();
    for (long i = 0; i < n; i++) {
        hln_observation *o = &items[i].body.observation;
        items[i].type = HLN_REC_OBSERVATION;
        snprintf(o->indicator, sizeof o->indicator, "test.ind");
        snprintf(o->period, sizeof o->period, "2026");
        snprintf(o->unit, sizeof o->unit, "u%ld", (long)((base + (uint64_t)i) % 100000));
        o->numerator = 50;
        o->denominator = 100;
    }
    /* Big runs go in chunks so that one transaction stays reasonable. */
    for (long off = 0; off < n && rc == 0; off += 5000) {
        size_t k = (size_t)(n - off < 5000 ? n - off : 5000);
        rc = hln_node_append(node, scope, items + off, k, 0, NULL, err, sizeof err);
    }
    free(items);
    hln_node_close(&node);
    if (rc != 0) {
        fprintf(stderr, "hostile: publish: %s (%s)\n", hln_strerror(rc), err);
        return 1;
    }
    return hln_control_notify_appended(dir) == 0 ? 0 : 1;
}

/* ---- the hostile peer ------------------------------------------------------ */

static void *dealer_to(void *zctx, const hln_identity *id, const uint8_t target[HLN_KEY_LEN],
                       const char *endpoint)
{
    char pub[41], sec[41], srv[41];
    if (hln_identity_curve_z85(id, pub, sec) != 0 || hln_curve_public_z85(target, srv) != 0)
        return NULL;
    void *s = zmq_socket(zctx, ZMQ_DEALER);
    int linger = 200, imm = 1;
    zmq_setsockopt(s, ZMQ_LINGER, &linger, sizeof linger);
    zmq_setsockopt(s, ZMQ_IMMEDIATE, &imm, sizeof imm);
    zmq_setsockopt(s, ZMQ_CURVE_SERVERKEY, srv, 40);
    zmq_setsockopt(s, ZMQ_CURVE_PUBLICKEY, pub, 40);
    zmq_setsockopt(s, ZMQ_CURVE_SECRETKEY, sec, 40);
    memset(sec, 0, sizeof sec);
    zmq_connect(s, endpoint);
    return s;
}

/* Send with a deadline: the handshake must finish before IMMEDIATE lets a
 * message through. */
static int send_wait(void *s, const void *p, size_t n, int flags)
{
    for (int i = 0; i < 200; i++) {
        if (zmq_send(s, p, n, flags | ZMQ_DONTWAIT) >= 0)
            return 0;
        if (zmq_errno() != EAGAIN)
            return -1;
        usleep(10000);
    }
    return -1;
}

static void drain_in(void *s)
{
    char buf[256];
    while (zmq_recv(s, buf, sizeof buf, ZMQ_DONTWAIT) >= 0)
        ;
}

static int seal(hln_record *r, const hln_identity *id, uint64_t seq, const uint8_t *prev,
                uint64_t ts, const char *unit)
{
    hln_record_init(r, HLN_REC_OBSERVATION, hln_identity_pk(id), "CA", seq, prev, ts);
    hln_observation *o = &r->body.observation;
    snprintf(o->indicator, sizeof o->indicator, "test.ind");
    snprintf(o->period, sizeof o->period, "2026");
    snprintf(o->unit, sizeof o->unit, "%s", unit);
    o->numerator = 60;
    o->denominator = 100;
    return hln_record_seal(r, id, NULL, 0);
}

static int send_records(void *s, const hln_record *const *recs, size_t n)
{
    hln_wire_buf b;
    hln_wire_slice sl[8];
    hln_wire_buf_init(&b);
    for (size_t i = 0; i < n; i++)
        sl[i] = (hln_wire_slice){recs[i]->raw, recs[i]->raw_len};
    int rc = hln_wire_records(&b, 0, sl, n);
    if (rc == 0)
        rc = send_wait(s, b.p, b.len, 0);
    hln_wire_buf_free(&b);
    return rc;
}

static int cmd_attack(const char *dir, const char *endpoint, const char *target_text)
{
    uint8_t target[HLN_KEY_LEN];
    hln_identity *id = NULL;
    char path[4096];
    snprintf(path, sizeof path, "%s/identity.key", dir);
    if (hln_id_from_text(target_text, target) != 0 || hln_identity_load(path, &id) != 0) {
        fprintf(stderr, "hostile: bad target or identity\n");
        return 1;
    }
    void *zctx = zmq_ctx_new();
    void *s = dealer_to(zctx, id, target, endpoint);
    hln_wire_buf b;
    hln_wire_buf_init(&b);
    uint8_t inc[16], digest[HLN_WIRE_DIGEST_LEN] = {0};
    hln_random(inc, sizeof inc);
    int sent = 0;

    /* 1. A proper hello, so that what follows is judged as messages. */
    if (hln_wire_hello(&b, hln_identity_pk(id), inc, 0, digest) != 0 || send_wait(s, b.p, b.len, 0)) {
        fprintf(stderr, "hostile: handshake failed (not admitted?)\n");
        goto out;
    }
    sent++;
    usleep(200000);
    drain_in(s);

    /* 2. A fork of our own (trusted) feed: two records for seq 1. */
    hln_record *a = malloc(sizeof *a), *f = malloc(sizeof *f), *g = malloc(sizeof *g);
    uint64_t ts = wall_ms();
    seal(a, id, 1, NULL, ts, "fork-a");
    seal(f, id, 1, NULL, ts + 1, "fork-b");
    const hln_record *one[1] = {a};
    send_records(s, one, 1);
    one[0] = f;
    send_records(s, one, 1);
    sent += 2;
    /* 3. Replays: the same record again and again. */
    one[0] = a;
    for (int i = 0; i < 20; i++, sent++)
        send_records(s, one, 1);
    usleep(200000);
    /* 4. A forged signature and a body that does not match its hash. */
    seal(g, id, 2, a->id, ts + 2, "forged");
    g->raw[g->env_off + g->env_len + 3] ^= 0x40; /* inside the signature */
    one[0] = g;
    send_records(s, one, 1);
    seal(g, id, 2, a->id, ts + 3, "tampered");
    g->raw[g->raw_len - 2] ^= 0x01; /* inside the body */
    send_records(s, one, 1);
    sent += 2;
    /* 5. Garbage: random bytes, a truncated message, a multipart message. */
    uint8_t junk[512];
    for (int i = 0; i < 30; i++, sent++) {
        hln_random(junk, sizeof junk);
        send_wait(s, junk, (size_t)(1 + i * 17), 0);
    }
    hln_wire_hello(&b, hln_identity_pk(id), inc, 0, digest);
    send_wait(s, b.p, b.len / 2, 0);
    send_wait(s, "ab", 2, ZMQ_SNDMORE);
    send_wait(s, "cd", 2, 0);
    sent += 2;
    /* 6. An oversize frame (over ZMQ_MAXMSGSIZE and HLN_WIRE_MAX). */
    size_t big = (size_t)HLN_WIRE_MAX * 5;
    uint8_t *huge = calloc(1, big);
    if (huge) {
        send_wait(s, huge, big, 0);
        sent++;
        free(huge);
    }
    usleep(300000);
    drain_in(s);
    free(a);
    free(f);
    free(g);
    printf("hostile: sent %d messages\n", sent);
out:
    hln_wire_buf_free(&b);
    zmq_close(s);
    zmq_ctx_term(zctx);
    hln_identity_destroy(&id);
    return 0;
}

/* seal() with counts above any minimum cell the tests set. */
static int seal_big(hln_record *r, const hln_identity *id, uint64_t seq, const uint8_t *prev,
                    uint64_t ts, const char *unit)
{
    hln_record_init(r, HLN_REC_OBSERVATION, hln_identity_pk(id), "CA", seq, prev, ts);
    hln_observation *o = &r->body.observation;
    snprintf(o->indicator, sizeof o->indicator, "test.ind");
    snprintf(o->period, sizeof o->period, "2026");
    snprintf(o->unit, sizeof o->unit, "%s", unit);
    o->numerator = 500;
    o->denominator = 1000;
    return hln_record_seal(r, id, NULL, 0);
}

/* The refusals of a feed's order (docs/RUNNING.md §5), and one of trust:
 * each in its own message, after a good seq 1 that sets the head. */
static int cmd_refuse(const char *dir, const char *endpoint, const char *target_text)
{
    uint8_t target[HLN_KEY_LEN];
    hln_identity *id = NULL;
    char path[4096];
    snprintf(path, sizeof path, "%s/identity.key", dir);
    if (hln_id_from_text(target_text, target) != 0 || hln_identity_load(path, &id) != 0) {
        fprintf(stderr, "hostile: bad target or identity\n");
        return 1;
    }
    void *zctx = zmq_ctx_new();
    void *s = dealer_to(zctx, id, target, endpoint);
    hln_wire_buf b;
    hln_wire_buf_init(&b);
    uint8_t inc[16], digest[HLN_WIRE_DIGEST_LEN] = {0}, wrong[HLN_HASH_LEN];
    hln_random(inc, sizeof inc);
    hln_random(wrong, sizeof wrong);
    int rc = 1;
    hln_record *one = malloc(sizeof *one), *bad = malloc(sizeof *bad);
    if (!one || !bad || hln_wire_hello(&b, hln_identity_pk(id), inc, 0, digest) != 0 ||
        send_wait(s, b.p, b.len, 0)) {
        fprintf(stderr, "hostile: handshake failed (not admitted?)\n");
        goto out;
    }
    usleep(200000);
    drain_in(s);
    uint64_t ts = wall_ms();
    const hln_record *msg[1] = {one};
    if (seal_big(one, id, 1, NULL, ts, "good") || send_records(s, msg, 1))
        goto out;
    usleep(300000);
    msg[0] = bad;
    if (seal_big(bad, id, 3, one->id, ts + 2000, "gap") || send_records(s, msg, 1) ||
        seal_big(bad, id, 2, wrong, ts + 2000, "branch") || send_records(s, msg, 1) ||
        seal_big(bad, id, 2, one->id, ts - 1, "late") || send_records(s, msg, 1) ||
        seal_big(bad, id, 2, one->id, ts - 3600000, "early") || send_records(s, msg, 1))
        goto out;
    usleep(500000);
    drain_in(s);
    printf("hostile: sent seq 1 and four refusable records\n");
    rc = 0;
out:
    free(one);
    free(bad);
    hln_wire_buf_free(&b);
    zmq_close(s);
    zmq_ctx_term(zctx);
    hln_identity_destroy(&id);
    return rc;
}

/* The flood of issue 17: messages of 64 valid records, replayed as fast as
 * the socket takes them, then a close with linger 0 (a TCP reset while the
 * target still has thousands of them queued). */
static int cmd_flood(const char *dir, const char *endpoint, const char *target_text, long rounds,
                     long msgs)
{
    uint8_t target[HLN_KEY_LEN];
    hln_identity *id = NULL;
    char path[4096];
    snprintf(path, sizeof path, "%s/identity.key", dir);
    if (hln_id_from_text(target_text, target) != 0 || hln_identity_load(path, &id) != 0) {
        fprintf(stderr, "hostile: bad target or identity\n");
        return 1;
    }
    enum { N = 64 };
    hln_record *recs = calloc(N, sizeof *recs);
    hln_wire_slice sl[N];
    hln_wire_buf rb, hb;
    hln_wire_buf_init(&rb);
    hln_wire_buf_init(&hb);
    uint64_t ts = wall_ms();
    int rc = recs ? 0 : 1;
    for (int i = 0; rc == 0 && i < N; i++) {
        char unit[32];
        snprintf(unit, sizeof unit, "flood-%d", i);
        rc = seal(&recs[i], id, (uint64_t)i + 1, i ? recs[i - 1].id : NULL, ts + (uint64_t)i, unit);
        sl[i] = (hln_wire_slice){recs[i].raw, recs[i].raw_len};
    }
    if (rc == 0)
        rc = hln_wire_records(&rb, 0, sl, N);
    long sent = 0;
    for (long r = 0; rc == 0 && r < rounds; r++) {
        void *zctx = zmq_ctx_new();
        void *s = dealer_to(zctx, id, target, endpoint);
        int zero = 0;
        zmq_setsockopt(s, ZMQ_SNDHWM, &zero, sizeof zero);
        uint8_t inc[16], digest[HLN_WIRE_DIGEST_LEN] = {0};
        hln_random(inc, sizeof inc);
        if (hln_wire_hello(&hb, hln_identity_pk(id), inc, 0, digest) != 0 ||
            send_wait(s, hb.p, hb.len, 0) != 0) {
            fprintf(stderr, "hostile: flood round %ld: handshake failed\n", r);
        } else {
            for (long m = 0; m < msgs; m++)
                if (zmq_send(s, rb.p, rb.len, ZMQ_DONTWAIT) >= 0)
                    sent++;
            /* Let most of it reach the target, then reset the connection. */
            usleep(400000);
            drain_in(s);
        }
        zmq_setsockopt(s, ZMQ_LINGER, &zero, sizeof zero);
        zmq_close(s);
        zmq_ctx_term(zctx);
    }
    printf("hostile: flood sent %ld messages of %d records\n", sent, N);
    hln_wire_buf_free(&rb);
    hln_wire_buf_free(&hb);
    free(recs);
    hln_identity_destroy(&id);
    return rc ? 1 : 0;
}

/* Connections that never say a word: what a scanner or an unauthenticated
 * attacker can hold open until handshake_ms. */
static int cmd_conns(const char *host, const char *port, long n, long seconds)
{
    int *fds = calloc((size_t)n, sizeof *fds), held = 0;
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(port))};
    if (!fds || inet_pton(AF_INET, host, &sa.sin_addr) != 1)
        return 1;
    for (long i = 0; i < n; i++) {
        fds[i] = socket(AF_INET, SOCK_STREAM, 0);
        if (fds[i] >= 0 && connect(fds[i], (struct sockaddr *)&sa, sizeof sa) == 0)
            held++;
    }
    printf("hostile: holding %d connections\n", held);
    fflush(stdout);
    sleep((unsigned)seconds);
    for (long i = 0; i < n; i++)
        if (fds[i] >= 0)
            close(fds[i]);
    free(fds);
    return 0;
}

/* A clock that claims our own feed is at `seq`, far beyond what exists. */
static int cmd_claim(const char *dir, const char *endpoint, const char *target_text,
                     const char *seq_text)
{
    uint8_t target[HLN_KEY_LEN];
    hln_identity *id = NULL;
    char path[4096];
    snprintf(path, sizeof path, "%s/identity.key", dir);
    if (hln_id_from_text(target_text, target) != 0 || hln_identity_load(path, &id) != 0)
        return 1;
    void *zctx = zmq_ctx_new();
    void *s = dealer_to(zctx, id, target, endpoint);
    hln_wire_buf b;
    hln_wire_buf_init(&b);
    uint8_t inc[16], digest[HLN_WIRE_DIGEST_LEN] = {0};
    hln_random(inc, sizeof inc);
    int rc = 1;
    hln_wire_clock_entry e;
    memset(&e, 0, sizeof e);
    memcpy(e.feed.author, hln_identity_pk(id), HLN_KEY_LEN);
    memcpy(e.feed.scope, "CA", 2);
    e.value = HLN_CLOCK_VALUE(strtoull(seq_text, NULL, 10), 0);
    memset(e.head, 0x5a, sizeof e.head);
    if (hln_wire_hello(&b, hln_identity_pk(id), inc, 0, digest) != 0 ||
        send_wait(s, b.p, b.len, 0) != 0)
        goto out;
    usleep(300000);
    drain_in(s);
    if (hln_wire_clock(&b, HLN_CLOCK_FULL, digest, &e, 1) != 0 || send_wait(s, b.p, b.len, 0) != 0)
        goto out;
    usleep(1500000); /* stay connected while the test reads the status */
    drain_in(s);
    rc = 0;
out:
    hln_wire_buf_free(&b);
    zmq_close(s);
    zmq_ctx_term(zctx);
    hln_identity_destroy(&id);
    return rc;
}

/* A peer whose hello claims another node's id than the key it holds. */
static int cmd_impostor(const char *dir, const char *endpoint, const char *target_text,
                        const char *claimed_text)
{
    uint8_t target[HLN_KEY_LEN], claimed[HLN_KEY_LEN];
    hln_identity *id = NULL;
    char path[4096];
    snprintf(path, sizeof path, "%s/identity.key", dir);
    if (hln_id_from_text(target_text, target) != 0 ||
        hln_id_from_text(claimed_text, claimed) != 0 || hln_identity_load(path, &id) != 0) {
        fprintf(stderr, "hostile: bad ids or identity\n");
        return 1;
    }
    void *zctx = zmq_ctx_new();
    void *s = dealer_to(zctx, id, target, endpoint);
    hln_wire_buf b;
    hln_wire_buf_init(&b);
    uint8_t inc[16], digest[HLN_WIRE_DIGEST_LEN] = {0};
    hln_random(inc, sizeof inc);
    int clocks = 0, rc = 1;
    if (hln_wire_hello(&b, claimed, inc, 0, digest) != 0 || send_wait(s, b.p, b.len, 0)) {
        fprintf(stderr, "hostile: handshake failed (not admitted?)\n");
        goto out;
    }
    /* The target greets us when our first message arrives, and answers a
     * hello it accepts with its clock. */
    uint8_t buf[65536];
    for (int i = 0; i < 150; i++) {
        int n = zmq_recv(s, buf, sizeof buf, ZMQ_DONTWAIT);
        if (n < 0) {
            usleep(10000);
            continue;
        }
        hln_wire_msg m;
        if (n <= (int)sizeof buf && hln_wire_decode(buf, (size_t)n, &m) == 0 &&
            m.type == HLN_MSG_CLOCK)
            clocks++;
    }
    printf("clocks=%d\n", clocks);
    rc = 0;
out:
    hln_wire_buf_free(&b);
    zmq_close(s);
    zmq_ctx_term(zctx);
    hln_identity_destroy(&id);
    return rc;
}

typedef struct {
    hln_record *recs;
    size_t n, cap;
} relay_set;

static int relay_keep(void *ctx, const hln_record *r)
{
    relay_set *rs = ctx;
    if (rs->n == rs->cap)
        return 1; /* at most 8 records: one message */
    rs->recs[rs->n++] = *r;
    return 0;
}

static int cmd_relay(const char *dir, const char *endpoint, const char *target_text,
                     const char *src, long from_seq)
{
    uint8_t target[HLN_KEY_LEN];
    hln_identity *id = NULL;
    char path[4096];
    snprintf(path, sizeof path, "%s/identity.key", dir);
    if (hln_id_from_text(target_text, target) != 0 || hln_identity_load(path, &id) != 0)
        return fprintf(stderr, "hostile: bad target or identity\n"), 1;
    hln_node *node = NULL;
    char err[256];
    relay_set rs = {calloc(8, sizeof(hln_record)), 0, 8};
    int rc = hln_node_open(src, HLN_NODE_RDONLY, &node, err, sizeof err);
    if (rc == 0) {
        hln_feed_id feed;
        memset(&feed, 0, sizeof feed);
        memcpy(feed.author, hln_node_pk(node), HLN_KEY_LEN);
        memcpy(feed.scope, "CA", 2);
        rc = rs.recs ? hln_store_foreach_feed(hln_node_store(node), &feed, (uint64_t)from_seq, 0,
                                              relay_keep, &rs)
                     : 1;
        hln_node_close(&node);
    }
    void *zctx = zmq_ctx_new();
    void *s = dealer_to(zctx, id, target, endpoint);
    hln_wire_buf b;
    hln_wire_buf_init(&b);
    uint8_t inc[16], digest[HLN_WIRE_DIGEST_LEN] = {0};
    hln_random(inc, sizeof inc);
    const hln_record *msg[8];
    for (size_t i = 0; i < rs.n; i++)
        msg[i] = &rs.recs[i];
    if (rc != 0 || rs.n == 0 || hln_wire_hello(&b, hln_identity_pk(id), inc, 0, digest) != 0 ||
        send_wait(s, b.p, b.len, 0)) {
        fprintf(stderr, "hostile: relay: nothing to send, or the handshake failed\n");
        rc = 1;
    } else {
        usleep(200000);
        drain_in(s);
        rc = send_records(s, msg, rs.n) ? 1 : 0;
        usleep(500000);
        drain_in(s);
        if (rc == 0)
            printf("hostile: relayed %zu records\n", rs.n);
    }
    free(rs.recs);
    hln_wire_buf_free(&b);
    zmq_close(s);
    zmq_ctx_term(zctx);
    hln_identity_destroy(&id);
    return rc;
}

/* Ask a node outright for a feed, as a peer that heard of it elsewhere
 * would; count the clock entries naming the feed and the records of it
 * that come back. */
static int cmd_request(const char *dir, const char *endpoint, const char *target_text,
                       const char *author_text, const char *scope)
{
    uint8_t target[HLN_KEY_LEN];
    hln_feed_id feed;
    hln_identity *id = NULL;
    char path[4096];
    memset(&feed, 0, sizeof feed);
    snprintf(path, sizeof path, "%s/identity.key", dir);
    if (hln_id_from_text(target_text, target) != 0 ||
        hln_id_from_text(author_text, feed.author) != 0 || strlen(scope) > HLN_SCOPE_MAX ||
        hln_identity_load(path, &id) != 0) {
        fprintf(stderr, "hostile: bad ids, scope or identity\n");
        return 1;
    }
    memcpy(feed.scope, scope, strlen(scope));
    void *zctx = zmq_ctx_new();
    void *s = dealer_to(zctx, id, target, endpoint);
    hln_wire_buf b;
    hln_wire_buf_init(&b);
    uint8_t inc[16], digest[HLN_WIRE_DIGEST_LEN] = {0};
    hln_random(inc, sizeof inc);
    int announced = 0, records = 0, rc = 1;
    if (hln_wire_hello(&b, hln_identity_pk(id), inc, 0, digest) != 0 ||
        send_wait(s, b.p, b.len, 0)) {
        fprintf(stderr, "hostile: handshake failed (not admitted?)\n");
        goto out;
    }
    uint8_t *buf = malloc(HLN_WIRE_MAX);
    for (int i = 0; buf && i < 150; i++) {
        if (i == 30 && hln_wire_request(&b, &feed, 1, 64) == 0)
            send_wait(s, b.p, b.len, 0);
        int n = zmq_recv(s, buf, HLN_WIRE_MAX, ZMQ_DONTWAIT);
        if (n < 0) {
            usleep(10000);
            continue;
        }
        hln_wire_msg m;
        if ((size_t)n > HLN_WIRE_MAX || hln_wire_decode(buf, (size_t)n, &m) != 0)
            continue;
        hln_wire_clock_entry ce;
        hln_wire_slice sl;
        hln_record r;
        if (m.type == HLN_MSG_CLOCK)
            while (hln_wire_clock_next(&m, &ce))
                announced += memcmp(&ce.feed.author, feed.author, HLN_KEY_LEN) == 0 &&
                             strncmp(ce.feed.scope, scope, sizeof ce.feed.scope) == 0;
        if (m.type == HLN_MSG_RECORDS)
            while (hln_wire_record_next(&m, &sl))
                records += hln_record_decode(sl.p, sl.len, &r, NULL, 0) == 0 &&
                           memcmp(r.env.author, feed.author, HLN_KEY_LEN) == 0 &&
                           strcmp(r.env.scope, scope) == 0;
    }
    free(buf);
    printf("announced=%d records=%d\n", announced, records);
    rc = 0;
out:
    hln_wire_buf_free(&b);
    zmq_close(s);
    zmq_ctx_term(zctx);
    hln_identity_destroy(&id);
    return rc;
}

/* Untrusted requests on the control socket: each must get an error reply
 * (or be dropped), and hlnd must answer a ping afterwards. */
static int ctl_try(const char *dir, const void *body, size_t len, bool expect_reply)
{
    char ep[4200];
    snprintf(ep, sizeof ep, "ipc://%s/control.sock", dir);
    void *zctx = zmq_ctx_new(), *s = zmq_socket(zctx, ZMQ_REQ);
    int linger = 0, tmo = 1000;
    zmq_setsockopt(s, ZMQ_LINGER, &linger, sizeof linger);
    zmq_setsockopt(s, ZMQ_RCVTIMEO, &tmo, sizeof tmo);
    zmq_connect(s, ep);
    zmq_send(s, body, len, 0);
    char buf[4096];
    int n = zmq_recv(s, buf, sizeof buf - 1, 0);
    zmq_close(s);
    zmq_ctx_term(zctx);
    if (!expect_reply)
        return 0;
    if (n < 0)
        return -1;
    buf[n < (int)sizeof buf - 1 ? n : (int)sizeof buf - 1] = '\0';
    return strstr(buf, "\"ok\":false") ? 0 : -1;
}

static int cmd_ctlfuzz(const char *dir)
{
    static const char *bad[] = {"", "not json", "[1,2,3]", "{\"cmd\":5}", "{\"cmd\":\"nope\"}",
                                "{\"cmd\":\"status\"} trailing", "{\"cmd\":\"st\\u0000atus\"}",
                                "\"just a string\"", "{\"cmd\":", "{}"};
    int fails = 0;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (ctl_try(dir, bad[i], strlen(bad[i]), true) != 0) {
            fprintf(stderr, "hostile: control request %zu got no error reply\n", i);
            fails++;
        }
    char deep[2048];
    for (int i = 0; i < 1000; i++)
        deep[i] = '[', deep[1000 + i] = ']';
    if (ctl_try(dir, deep, 2000, true) != 0) {
        fprintf(stderr, "hostile: deep nesting got no error reply\n");
        fails++;
    }
    char *big = malloc(100000);
    memset(big, 'x', 100000);
    ctl_try(dir, big, 100000, false); /* over ZMQ_MAXMSGSIZE: the server drops the connection */
    free(big);
    /* A DEALER sends frames no REQ would: no delimiter, three parts. */
    char ep[4200];
    snprintf(ep, sizeof ep, "ipc://%s/control.sock", dir);
    void *zctx = zmq_ctx_new(), *s = zmq_socket(zctx, ZMQ_DEALER);
    int linger = 0;
    zmq_setsockopt(s, ZMQ_LINGER, &linger, sizeof linger);
    zmq_connect(s, ep);
    zmq_send(s, "{\"cmd\":\"ping\"}", 14, 0);
    zmq_send(s, "a", 1, ZMQ_SNDMORE);
    zmq_send(s, "b", 1, ZMQ_SNDMORE);
    zmq_send(s, "c", 1, 0);
    usleep(100000);
    zmq_close(s);
    zmq_ctx_term(zctx);
    json_object *rep = NULL;
    if (hln_control_call(dir, "ping", 2000, &rep, NULL, 0) != 0) {
        fprintf(stderr, "hostile: hlnd does not answer a ping after the fuzzing\n");
        fails++;
    }
    json_object_put(rep);
    return fails ? 1 : 0;
}

/* The running hlnd's status as JSON (the control socket's "status"). */
static int cmd_status(const char *dir)
{
    json_object *rep = NULL;
    char err[256] = "";
    int rc = hln_control_call(dir, "status", 3000, &rep, err, sizeof err);
    if (rc) {
        fprintf(stderr, "hostile: status: %s %s\n", hln_strerror(rc), err);
        return rc == HLN_ESTATE ? 3 : 1;
    }
    printf("%s\n", json_object_to_json_string_ext(rep, JSON_C_TO_STRING_PLAIN));
    json_object_put(rep);
    return 0;
}

int main(int argc, char **argv)
{
    if (hln_crypto_init() != 0 || argc < 3) {
        fprintf(stderr, "usage: hostile status|trust|publish|count|attack DIR ...\n");
        return 2;
    }
    const char *cmd = argv[1], *dir = argv[2];
    if (!strcmp(cmd, "status"))
        return cmd_status(dir);
    if (!strcmp(cmd, "trust") && (argc == 4 || argc == 6))
        return cmd_trust(dir, argv[3], argc == 6 ? argv[4] : NULL, argc == 6 ? argv[5] : NULL);
    if (!strcmp(cmd, "request") && argc == 7)
        return cmd_request(dir, argv[3], argv[4], argv[5], argv[6]);
    if (!strcmp(cmd, "relay") && argc == 7)
        return cmd_relay(dir, argv[3], argv[4], argv[5], atol(argv[6]));
    if (!strcmp(cmd, "impostor") && argc == 6)
        return cmd_impostor(dir, argv[3], argv[4], argv[5]);
    if (!strcmp(cmd, "publish") && argc >= 4)
        return cmd_publish(dir, atol(argv[3]), argc > 4 ? argv[4] : "CA");
    if (!strcmp(cmd, "count"))
        return cmd_count(dir);
    if (!strcmp(cmd, "ctlfuzz"))
        return cmd_ctlfuzz(dir);
    if (!strcmp(cmd, "flood") && argc == 7)
        return cmd_flood(dir, argv[3], argv[4], atol(argv[5]), atol(argv[6]));
    if (!strcmp(cmd, "conns") && argc == 6)
        return cmd_conns(dir, argv[3], atol(argv[4]), atol(argv[5]));
    if (!strcmp(cmd, "claim") && argc == 6)
        return cmd_claim(dir, argv[3], argv[4], argv[5]);
    if (!strcmp(cmd, "refuse") && argc == 5)
        return cmd_refuse(dir, argv[3], argv[4]);
    if (!strcmp(cmd, "attack") && argc == 5)
        return cmd_attack(dir, argv[3], argv[4]);
    fprintf(stderr, "hostile: unknown command %s\n", cmd);
    return 2;
}
