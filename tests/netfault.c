/* netfault.c - delay and reorder real packets for tests/t_netns.sh: takes the packets an nft
 * `queue` rule hands to an NFQUEUE and gives each back to the kernel after DELAY ± JITTER ms.
 * Verdicts go out in release order, not arrival order, so a jitter larger than the spacing of
 * packets reorders them. On SIGTERM or SIGINT it releases what it holds and prints one line:
 * "netfault: queued N released N reordered N max-held N".
 *
 * usage: netfault QUEUE DELAY_MS JITTER_MS [SEED]
 * Exit 0 after a signal, 1 when the queue cannot be bound (the line says why). Test tool only:
 * built by the Makefile for the tests, never installed. */
#include <arpa/inet.h>
#include <errno.h>
#include <libnetfilter_queue/libnetfilter_queue.h>
#include <linux/netfilter.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#define HELD_MAX 4096

typedef struct {
    uint32_t id;
    uint64_t due_ms;
} held_pkt;

static held_pkt held[HELD_MAX];
static size_t n_held, max_held;
static uint64_t queued, released, reordered;
static uint32_t last_released;
static long delay_ms, jitter_ms;
static volatile sig_atomic_t stopping;

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void on_signal(int sig)
{
    (void)sig;
    stopping = 1;
}

/* A packet released after one with a larger id overtook it: one reordering. */
static void release(struct nfq_q_handle *qh, size_t i)
{
    uint32_t id = held[i].id;
    nfq_set_verdict(qh, id, NF_ACCEPT, 0, NULL);
    if (released && id < last_released)
        reordered++;
    else
        last_released = id;
    released++;
    held[i] = held[--n_held];
}

static int on_packet(struct nfq_q_handle *qh, struct nfgenmsg *m, struct nfq_data *nfa, void *ctx)
{
    (void)m, (void)ctx;
    struct nfqnl_msg_packet_hdr *ph = nfq_get_msg_packet_hdr(nfa);
    if (!ph)
        return 0;
    uint32_t id = ntohl(ph->packet_id);
    queued++;
    if (n_held == HELD_MAX) /* full: this one goes at once, undelayed */
        return nfq_set_verdict(qh, id, NF_ACCEPT, 0, NULL);
    long d = delay_ms + (jitter_ms ? random() % (2 * jitter_ms + 1) - jitter_ms : 0);
    held[n_held].id = id;
    held[n_held].due_ms = now_ms() + (uint64_t)(d > 0 ? d : 0);
    if (++n_held > max_held)
        max_held = n_held;
    return 0;
}

/* Release every packet due by `now`, earliest first; returns ms to the next due, or -1. */
static int release_due(struct nfq_q_handle *qh, uint64_t now)
{
    for (;;) {
        size_t best = n_held;
        for (size_t i = 0; i < n_held; i++)
            if (best == n_held || held[i].due_ms < held[best].due_ms)
                best = i;
        if (best == n_held)
            return -1;
        if (held[best].due_ms > now && !stopping)
            return (int)(held[best].due_ms - now);
        release(qh, best);
    }
}

static int run(struct nfq_handle *h, struct nfq_q_handle *qh)
{
    int fd = nfq_fd(h);
    char buf[65536] __attribute__((aligned));
    while (!stopping) {
        int wait = release_due(qh, now_ms());
        struct pollfd p = {.fd = fd, .events = POLLIN};
        int n = poll(&p, 1, wait < 0 ? 200 : wait);
        if (n < 0 && errno != EINTR)
            return 1;
        if (n > 0) {
            ssize_t r = recv(fd, buf, sizeof buf, MSG_DONTWAIT);
            if (r > 0)
                nfq_handle_packet(h, buf, (int)r);
            else if (r < 0 && errno == ENOBUFS)
                fprintf(stderr, "netfault: the kernel dropped queued packets (ENOBUFS)\n");
        }
    }
    release_due(qh, now_ms()); /* stopping: everything held goes now */
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 4 || argc > 5) {
        fprintf(stderr, "usage: netfault QUEUE DELAY_MS JITTER_MS [SEED]\n");
        return 2;
    }
    uint16_t qnum = (uint16_t)atoi(argv[1]);
    delay_ms = atol(argv[2]);
    jitter_ms = atol(argv[3]);
    srandom(argc == 5 ? (unsigned)atoi(argv[4]) : 1u);
    struct sigaction sa = {.sa_handler = on_signal};
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);

    struct nfq_handle *h = nfq_open();
    struct nfq_q_handle *qh = h ? nfq_create_queue(h, qnum, on_packet, NULL) : NULL;
    if (!qh || nfq_set_mode(qh, NFQNL_COPY_META, 0) < 0) {
        printf("netfault: cannot bind NFQUEUE %u (%s)\n", qnum, strerror(errno));
        if (h)
            nfq_close(h);
        return 1;
    }
    nfq_set_queue_maxlen(qh, HELD_MAX);
    printf("netfault: queue %u bound, delay %ld ms, jitter %ld ms\n", qnum, delay_ms, jitter_ms);
    fflush(stdout);
    int rc = run(h, qh);
    printf("netfault: queued %llu released %llu reordered %llu max-held %zu\n",
           (unsigned long long)queued, (unsigned long long)released, (unsigned long long)reordered,
           max_held);
    nfq_destroy_queue(qh);
    nfq_close(h);
    return rc;
}
