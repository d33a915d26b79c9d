/* sim.h - a deterministic network simulator that runs many sync engines in one process. */
#ifndef HLN_SIM_H
#define HLN_SIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "node/sync.h"
#include "proto/record.h"

/* Every node i has an identity derived from (seed, i) and authors one feed,
 * (its key, "CA"). Nodes want the feeds of trusted authors in scope "CA":
 * every node is trusted unless marked otherwise. Extra authors (keys with no
 * node: a trusted key that forks, an outsider) come from hln_sim_author.
 *
 * Each node has an in-memory store that survives a crash; the engine does
 * not. Messages cross links with a per-link latency (FIFO per direction)
 * and loss; partitions and crashes close links, which the engines see as
 * peer up/down. The run is a pure function of the configuration and the
 * calls made: hln_sim_trace gives a hash of every message sent, in order,
 * with its time, sender and receiver. */
typedef struct hln_sim hln_sim;

typedef struct {
    uint32_t nodes;
    uint64_t seed;
    uint32_t tick_ms;                /* engines' timer period (100) */
    uint32_t lat_min_ms, lat_max_ms; /* per-link latency drawn uniformly (5..40) */
    double loss;                     /* per-message loss on every link (0) */
    hln_sync_config engine;          /* node_id, incarnation and seed are set per node */
} hln_sim_config;

void hln_sim_config_default(hln_sim_config *c);

/* A simulator with `c->nodes` nodes, none started, no links. NULL on failure. */
hln_sim *hln_sim_new(const hln_sim_config *c);
void hln_sim_free(hln_sim **s);

/* Links. hln_sim_random_graph adds random links until every node has degree
 * in [dmin, dmax] (a connected graph: a random spanning tree first). */
int hln_sim_link(hln_sim *s, uint32_t a, uint32_t b);
int hln_sim_random_graph(hln_sim *s, uint32_t dmin, uint32_t dmax);
/* Latency and loss of the link a-b (both directions). */
int hln_sim_link_set(hln_sim *s, uint32_t a, uint32_t b, uint32_t lat_ms, double loss);
/* The graph's diameter in hops (BFS from every node); UINT32_MAX if disconnected. */
uint32_t hln_sim_diameter(const hln_sim *s);

/* Node life cycle. start: a fresh engine over the node's store (its first
 * start or after a crash). crash: the engine and its in-memory state go,
 * the store stays. wipe: the store goes too (a new incarnation); its own
 * records no other node holds are lost, and since it would restart its feed
 * at seq 1 (a fork of itself), a wiped node should not publish again. */
int hln_sim_start(hln_sim *s, uint32_t node);
void hln_sim_start_all(hln_sim *s);
void hln_sim_crash(hln_sim *s, uint32_t node);
void hln_sim_wipe(hln_sim *s, uint32_t node);
bool hln_sim_running(const hln_sim *s, uint32_t node);
/* Mark a node untrusted (others never want its feed) or hostile (excluded
 * from convergence checks; it still runs an honest engine, and the test
 * injects what it sends). */
void hln_sim_set_trusted(hln_sim *s, uint32_t node, bool trusted);
void hln_sim_set_hostile(hln_sim *s, uint32_t node, bool hostile);

/* Partitions: group[i] for every node; links between groups close. */
void hln_sim_partition(hln_sim *s, const uint32_t *group);
void hln_sim_heal(hln_sim *s);

/* Time. */
uint64_t hln_sim_now(const hln_sim *s);
void hln_sim_run_until(hln_sim *s, uint64_t t_ms);
/* Run until every running honest node holds every record published by a
 * trusted author, or `deadline_ms`; true if it converged. */
bool hln_sim_run_to_convergence(hln_sim *s, uint64_t deadline_ms);
bool hln_sim_converged(const hln_sim *s);

/* Publish the next record of `node`'s own feed (sealed, stored, announced
 * to its engine). Returns the record's global index (>= 0) or an HLN_E* code. */
int hln_sim_publish(hln_sim *s, uint32_t node);

/* A record the simulator has seen, by the index hln_sim_publish returned. */
const hln_record *hln_sim_record(const hln_sim *s, int rec);

/* Extra authors: an identity with no node, derived from (seed, tag). Returns
 * its author index (>= nodes). A trusted one is wanted by everyone. */
int hln_sim_author(hln_sim *s, uint32_t tag, bool trusted);
/* Seal a record of author `author` in scope "CA" (or `scope`), at `seq`,
 * chained to `prev` (NULL for none), with a numerator that makes it unique.
 * The record is not stored anywhere. */
int hln_sim_seal(hln_sim *s, uint32_t author, const char *scope, uint64_t seq, const uint8_t *prev,
                 uint64_t numerator, hln_record *out);
/* Send raw bytes from `from` to `to` over their link, as if from `from`'s
 * engine (the hostile node's voice). HLN_ENOTFOUND without an open link. */
int hln_sim_inject(hln_sim *s, uint32_t from, uint32_t to, const uint8_t *msg, size_t len);

/* What a node's store holds. */
uint64_t hln_sim_head(const hln_sim *s, uint32_t node, uint32_t author);
/* true if the node's store holds a record with this id. */
bool hln_sim_holds(const hln_sim *s, uint32_t node, const uint8_t id[HLN_HASH_LEN]);
/* Fork proofs the node holds against `author`. */
uint32_t hln_sim_forks(const hln_sim *s, uint32_t node, uint32_t author);
const uint8_t *hln_sim_author_pk(const hln_sim *s, uint32_t author);
hln_sync *hln_sim_engine(hln_sim *s, uint32_t node);

/* Measurements. */
typedef struct {
    uint64_t msgs, bytes; /* sent, over all nodes */
    uint64_t dropped;     /* lost, or sent on a closed link */
    uint64_t stored, dups, bad, forks_detected;
    uint64_t records;          /* records published by trusted authors */
    uint64_t ticks;            /* timer rounds so far */
    uint64_t last_delivery_ms; /* latest first-delivery time of any record */
    uint32_t max_hops;         /* the most hops any first delivery took */
    uint64_t max_latency_ms;   /* publish -> the last node holding it, worst record */
} hln_sim_stats;
void hln_sim_stats_get(const hln_sim *s, hln_sim_stats *out);
/* For one published record (hln_sim_publish's result): the most hops and
 * the longest time (ms) it took to reach an honest node that holds it, and
 * how many honest nodes hold it. */
int hln_sim_record_reach(const hln_sim *s, int rec, uint32_t *max_hops, uint64_t *max_latency_ms,
                         uint32_t *holders);
/* The hash of the trace so far. */
void hln_sim_trace(const hln_sim *s, uint8_t out[HLN_HASH_LEN]);
/* Bytes sent by one node. */
uint64_t hln_sim_bytes_sent(const hln_sim *s, uint32_t node);

#endif
