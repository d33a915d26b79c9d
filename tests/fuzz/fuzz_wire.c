/* fuzz_wire.c - libFuzzer target: the strict wire decoder (accepted messages re-encode to the same
 * bytes) and the sync engine fed untrusted messages. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"
#include "crypto/err.h"
#include "node/sync.h"
#include "proto/wire.h"

static hln_wire_buf out;

/* Canonical form: whatever decodes, re-encodes to exactly the same bytes. */
static void check_reencode(const uint8_t *data, size_t size, hln_wire_msg *m)
{
    int rc = HLN_EINVAL;
    switch (m->type) {
    case HLN_MSG_HELLO:
        if (m->version != HLN_WIRE_VERSION)
            return; /* the encoder writes only our version */
        rc = hln_wire_hello(&out, m->node_id, m->incarnation, m->features, m->digest);
        break;
    case HLN_MSG_CLOCK: {
        hln_wire_clock_entry *es = malloc((m->count + 1) * sizeof *es);
        size_t n = 0;
        while (es && hln_wire_clock_next(m, &es[n]))
            n++;
        if (es && n != m->count)
            abort();
        rc = es ? hln_wire_clock(&out, m->flags, m->digest, es, n) : HLN_ENOMEM;
        free(es);
        break;
    }
    case HLN_MSG_RECORDS: {
        hln_wire_slice s[HLN_WIRE_BATCH_MAX];
        size_t n = 0;
        while (n < HLN_WIRE_BATCH_MAX && hln_wire_record_next(m, &s[n]))
            n++;
        if (n != m->count)
            abort();
        rc = hln_wire_records(&out, m->flags, s, n);
        break;
    }
    case HLN_MSG_REQUEST:
        rc = hln_wire_request(&out, &m->feed, m->from_seq, m->to_seq);
        break;
    case HLN_MSG_PEERS: {
        hln_wire_slice s[HLN_WIRE_PEERS_MAX];
        size_t n = 0;
        while (n < HLN_WIRE_PEERS_MAX && hln_wire_peer_next(m, &s[n]))
            n++;
        if (n != m->count)
            abort();
        rc = hln_wire_peers(&out, s, n);
        break;
    }
    case HLN_MSG_FORK:
        rc = hln_wire_fork(&out, &m->a, &m->b);
        break;
    case HLN_MSG_DIGEST_REQUEST:
    case HLN_MSG_DIGEST_REPLY: {
        char ind[HLN_CODE_MAX + 1], per[HLN_PERIOD_MAX + 1], grp[HLN_WIRE_GROUP_MAX + 1],
            str[HLN_CODE_MAX + 1], eng[HLN_WIRE_ENGINE_MAX + 1];
        snprintf(ind, sizeof ind, "%.*s", (int)m->indicator.len, (const char *)m->indicator.p);
        snprintf(per, sizeof per, "%.*s", (int)m->period.len, (const char *)m->period.p);
        snprintf(grp, sizeof grp, "%.*s", (int)m->group.len, (const char *)m->group.p);
        snprintf(str, sizeof str, "%.*s", (int)m->stratum.len, (const char *)m->stratum.p);
        snprintf(eng, sizeof eng, "%.*s", (int)m->engine.len, (const char *)m->engine.p);
        hln_wire_clock_entry *es = malloc((m->count + 1) * sizeof *es);
        size_t n = 0;
        while (es && hln_wire_evidence_next(m, &es[n]))
            n++;
        if (es && n != m->count)
            abort();
        if (!es) {
            rc = HLN_ENOMEM;
        } else if (m->type == HLN_MSG_DIGEST_REQUEST) {
            hln_wire_digest_query q = {m->query_id, m->flags, m->method, ind, per, grp, str};
            rc = hln_wire_digest_request(&out, &q, es, n);
        } else {
            hln_wire_digest_answer a = {.query_id = m->query_id, .flags = m->flags,
                                        .status = m->status, .engine = eng,
                                        .counted = m->counted, .suppressed = m->suppressed};
            memcpy(a.evidence, m->evidence, HLN_HASH_LEN);
            rc = hln_wire_digest_reply(&out, &a, es, n);
        }
        free(es);
        break;
    }
    }
    if (rc == HLN_ENOMEM)
        return;
    if (rc != 0 || out.len != size || memcmp(out.p, data, size) != 0)
        abort();
}

/* A host that wants everything and holds nothing. */
static int f_send(void *c, uint32_t p, const uint8_t *m, size_t l)
{
    (void)c, (void)p;
    hln_wire_msg back;
    /* What the engine sends must decode. */
    if (hln_wire_decode(m, l, &back) != 0)
        abort();
    return 0;
}
static int f_heads(void *c, hln_sync_head_cb cb, void *cc)
{
    (void)c, (void)cb, (void)cc;
    return 0;
}
static int f_read(void *c, const hln_feed_id *f, uint64_t a, uint64_t b, hln_sync_rec_cb cb,
                  void *cc)
{
    (void)c, (void)f, (void)a, (void)b, (void)cb, (void)cc;
    return 0;
}
static int f_store(void *c, uint32_t p, const hln_record *r, size_t n, int *res)
{
    (void)c, (void)p;
    for (size_t i = 0; i < n; i++)
        res[i] = r[i].env.seq == 1 ? 0 : HLN_ECHAIN;
    return 0;
}
static bool f_wants(void *c, const hln_feed_id *f)
{
    (void)c, (void)f;
    return true;
}
static int f_fork(void *c, uint32_t p, const hln_record *a, const hln_record *b)
{
    (void)c, (void)p, (void)a, (void)b;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static bool init;
    if (!init) {
        hln_crypto_init();
        hln_wire_buf_init(&out);
        init = true;
    }
    hln_wire_msg m;
    if (hln_wire_decode(data, size, &m) == 0)
        check_reencode(data, size, &m);

    /* The engine, greeted by peer 1, then handed the input as its next message. */
    hln_sync_config c;
    hln_sync_config_default(&c);
    c.serve_per_tick = 1; /* a request beyond it waits for the next tick: that path too */
    hln_sync_host h = {NULL, f_send, f_heads, f_read, f_store, f_wants, f_fork, NULL, NULL, NULL, NULL, NULL, NULL};
    hln_sync *e = NULL;
    if (hln_sync_new(&c, &h, 0, &e))
        return 0;
    hln_wire_buf hb;
    hln_wire_buf_init(&hb);
    uint8_t id[HLN_KEY_LEN] = {1}, inc[16] = {2}, d[HLN_WIRE_DIGEST_LEN] = {0};
    if (hln_wire_hello(&hb, id, inc, 0, d) == 0) {
        hln_sync_receive(e, 1, 1, hb.p, hb.len);
        hln_sync_receive(e, 2, 1, data, size);
        hln_sync_receive(e, 3, 1, data, size); /* a second request waits */
        hln_sync_tick(e, 100);
        hln_sync_receive(e, 150, 1, data, size); /* again: duplicates and state */
        hln_sync_tick(e, 5000);
    }
    hln_wire_buf_free(&hb);
    hln_sync_destroy(&e);
    return 0;
}
