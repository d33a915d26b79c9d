/* wire.h - the sync protocol's wire messages: canonical msgpack encoders and a strict,
 * allocation-free decoder. */
#ifndef HLN_WIRE_H
#define HLN_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "record.h"

/* docs/PROTOCOL.md (section 11, wire messages) defines every message byte for byte. Every message is
 * one msgpack array whose first item is the message type. */
#define HLN_WIRE_VERSION 1
#define HLN_WIRE_MAX (1u << 20)              /* a whole message, in bytes */
#define HLN_WIRE_DIGEST_LEN 16               /* clock digest: XOR of truncated BLAKE2b */
#define HLN_WIRE_CLOCK_MAX 4096              /* entries in one clock message */
#define HLN_WIRE_BATCH_MAX 64                /* records in one records message */
#define HLN_WIRE_PEERS_MAX 64                /* addresses in one peers message */
#define HLN_WIRE_SEQ_MAX (UINT64_C(1) << 62) /* seq fits a clock value (seq << 1 | lazy) */
#define HLN_WIRE_HEAD_LEN 8                  /* the head id prefix in a clock entry */

typedef enum {
    HLN_MSG_HELLO = 1,
    HLN_MSG_CLOCK = 2,
    HLN_MSG_RECORDS = 3,
    HLN_MSG_REQUEST = 4,
    HLN_MSG_PEERS = 5,
    HLN_MSG_FORK = 6,
    HLN_MSG_DIGEST_REQUEST = 7, /* bench verify: "what is your evidence digest for this query?" */
    HLN_MSG_DIGEST_REPLY = 8,   /* its answer, with the feeds where the evidence differs */
} hln_msg_type;
#define HLN_MSG_TYPE_MAX 8 /* types above are a newer peer's: skipped without penalty */

/* Clock flags. */
#define HLN_CLOCK_FULL 1u   /* the receiver forgets what it heard before this message */
#define HLN_CLOCK_REPAIR 2u /* the sender's digest check failed: send me your full vector */
#define HLN_CLOCK_FLAGS_ALL 3u
/* Records flags. */
#define HLN_RECORDS_REPLY 1u /* an answer to a request, not an eager push */
#define HLN_RECORDS_FLAGS_ALL 1u

/* A clock value: a feed's head seq shifted left once, with bit 0 set when
 * the sender asks the receiver not to push that feed's records (lazy). */
/* Digest request and reply (docs/PROTOCOL.md W2.7, W2.8). Their feed lists
 * reuse the clock entry [author, scope, value, head] with value = seq << 1 |
 * counted (the sender counted an observation of the feed in its result). */
#define HLN_WIRE_EVIDENCE_MAX 4096 /* feed entries in one digest request or reply */
#define HLN_WIRE_GROUP_MAX 32      /* "all", a jurisdiction, "level:NAME" */
#define HLN_WIRE_ENGINE_MAX 32     /* the benchmark engine's version string */
#define HLN_DIGEST_TRUNCATED 1u    /* flags: more feeds than HLN_WIRE_EVIDENCE_MAX */
#define HLN_DIGEST_FLAGS_ALL 1u
/* Digest request: the funnel method asked for. */
#define HLN_DIGEST_METHOD_DEFAULT 0u /* the indicator's own */
#define HLN_DIGEST_METHOD_EXACT 1u
#define HLN_DIGEST_METHOD_WILSON 2u
/* Digest reply: status. */
typedef enum {
    HLN_DIGEST_OK = 0,                /* digest and feeds follow */
    HLN_DIGEST_UNKNOWN_INDICATOR = 1, /* the responder holds no definition of the indicator */
    HLN_DIGEST_BUSY = 2,              /* rate-limited: ask again later */
    HLN_DIGEST_FAILED = 3,            /* the query failed on the responder (store, limits) */
} hln_digest_status;
#define HLN_DIGEST_STATUS_MAX 3u

#define HLN_CLOCK_VALUE(seq, lazy) (((uint64_t)(seq) << 1) | ((lazy) ? 1u : 0u))
#define HLN_CLOCK_SEQ(v) ((v) >> 1)
#define HLN_CLOCK_LAZY(v) (((v)&1u) != 0)

typedef struct {
    const uint8_t *p;
    size_t len;
} hln_wire_slice;

/* A clock entry. `head` is the first HLN_WIRE_HEAD_LEN bytes of the id of
 * the sender's head record (all zero, and sent as an empty bin, at seq 0):
 * two nodes at the same seq with different heads have found a fork. */
typedef struct {
    hln_feed_id feed;
    uint64_t value; /* HLN_CLOCK_VALUE */
    uint8_t head[HLN_WIRE_HEAD_LEN];
} hln_wire_clock_entry;

/* A decoded message. Slices point into the buffer given to hln_wire_decode,
 * which must outlive it. Lists (clock entries, records, addresses) are walked
 * with the *_next functions; the decoder has already checked every item. */
typedef struct {
    uint32_t type; /* hln_msg_type */
    /* hello */
    uint32_t version;
    uint8_t node_id[HLN_KEY_LEN];
    uint8_t incarnation[16];
    uint64_t features;
    /* hello (digest of what the sender heard from us) and clock */
    uint8_t digest[HLN_WIRE_DIGEST_LEN];
    /* clock and records */
    uint32_t flags;
    uint32_t count; /* entries, records or addresses */
    /* request */
    hln_feed_id feed;
    uint64_t from_seq, to_seq;
    /* fork */
    hln_wire_slice a, b;
    /* digest request (flags, count are shared with the lists above) */
    uint32_t query_id;                               /* request and reply */
    hln_wire_slice indicator, period, group, stratum; /* not NUL-terminated */
    uint32_t method;                                 /* HLN_DIGEST_METHOD_* */
    /* digest reply */
    uint32_t status; /* hln_digest_status */
    uint8_t evidence[HLN_HASH_LEN]; /* the evidence digest, status OK only */
    hln_wire_slice engine;          /* the responder's HLN_BENCH_VERSION */
    uint64_t counted, suppressed;   /* records in its result */
    /* the list cursor (private) */
    const uint8_t *cur_, *end_;
    uint32_t left_;
} hln_wire_msg;

/* Strictly decode one message: size cap, the array and its exact length per
 * type, shortest encodings, every field's type, size and pattern, every list
 * item, and no trailing bytes. Records inside records and fork messages are
 * only sliced here (hln_record_decode checks them). Returns 0,
 * HLN_ETOOBIG (over HLN_WIRE_MAX or a list cap), HLN_EVERSION (unknown
 * message type) or HLN_EDECODE; `m` is undefined on failure. */
int hln_wire_decode(const uint8_t *buf, size_t len, hln_wire_msg *m);

/* Walk a decoded list: 1 with the next item, 0 at the end. */
int hln_wire_clock_next(hln_wire_msg *m, hln_wire_clock_entry *e);
int hln_wire_record_next(hln_wire_msg *m, hln_wire_slice *rec);
int hln_wire_peer_next(hln_wire_msg *m, hln_wire_slice *addr);
/* The feed entries of a digest request or reply (value = seq << 1 | counted). */
int hln_wire_evidence_next(hln_wire_msg *m, hln_wire_clock_entry *e);

/* A growable output buffer the encoders append one message to. */
typedef struct {
    uint8_t *p;
    size_t len, cap;
} hln_wire_buf;

void hln_wire_buf_init(hln_wire_buf *b);
void hln_wire_buf_free(hln_wire_buf *b);

/* Encoders: each replaces the contents of `b` with one message. They check
 * what they are handed against the decoder's limits, so anything they
 * produce decodes. HLN_EINVAL (a bad argument), HLN_ETOOBIG, HLN_ENOMEM. */
int hln_wire_hello(hln_wire_buf *b, const uint8_t node_id[HLN_KEY_LEN],
                   const uint8_t incarnation[16], uint64_t features,
                   const uint8_t digest[HLN_WIRE_DIGEST_LEN]);
int hln_wire_clock(hln_wire_buf *b, uint32_t flags, const uint8_t digest[HLN_WIRE_DIGEST_LEN],
                   const hln_wire_clock_entry *entries, size_t n);
/* `recs[i]` are transport forms (hln_record.raw). */
int hln_wire_records(hln_wire_buf *b, uint32_t flags, const hln_wire_slice *recs, size_t n);
int hln_wire_request(hln_wire_buf *b, const hln_feed_id *feed, uint64_t from_seq, uint64_t to_seq);
/* `addrs[i]` are endpoints as hln_code_endpoint accepts them. */
int hln_wire_peers(hln_wire_buf *b, const hln_wire_slice *addrs, size_t n);
int hln_wire_fork(hln_wire_buf *b, const hln_wire_slice *a, const hln_wire_slice *b2);

/* A digest request: the query and the requester's counted feeds with its
 * heads, strictly ascending by (author, scope), every value with counted set
 * and seq >= 1. Strings are NUL-terminated and must match the decoder's
 * patterns (indicator code, period, group, stratum or ""). */
typedef struct {
    uint32_t query_id, flags, method;
    const char *indicator, *period, *group, *stratum;
} hln_wire_digest_query;
int hln_wire_digest_request(hln_wire_buf *b, const hln_wire_digest_query *q,
                            const hln_wire_clock_entry *feeds, size_t n);

/* A digest reply: the status, the evidence digest (status OK; ignored
 * otherwise), the engine version (1-32 printable ASCII), the counts, and the
 * feeds where the responder differs from the request, strictly ascending by
 * (author, scope); seq 0 (not held) never has counted set. */
typedef struct {
    uint32_t query_id, flags, status;
    uint8_t evidence[HLN_HASH_LEN];
    const char *engine;
    uint64_t counted, suppressed;
} hln_wire_digest_answer;
int hln_wire_digest_reply(hln_wire_buf *b, const hln_wire_digest_answer *a,
                          const hln_wire_clock_entry *feeds, size_t n);

/* Group texts a digest request may carry: "all", a jurisdiction ("CA",
 * "CA-ON") or "level:" and a level name ("level:national"). */
bool hln_wire_group_valid(const char *s, size_t len);

/* The digest term of one clock entry: the first HLN_WIRE_DIGEST_LEN bytes of
 * BLAKE2b-256(author || scope NUL-padded to 8 bytes || value as 8 bytes
 * big-endian || head). A vector's digest is the XOR of its entries' terms,
 * so changing one entry costs two terms. `acc` ^= term(feed, value, head). */
void hln_wire_digest_xor(uint8_t acc[HLN_WIRE_DIGEST_LEN], const hln_feed_id *feed, uint64_t value,
                         const uint8_t head[HLN_WIRE_HEAD_LEN]);

#endif
