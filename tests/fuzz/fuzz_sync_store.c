/* fuzz_sync_store.c - libFuzzer target: the wire-message handler behind the decoders with the real
 * store behind it (issue 17): the sync engine hands what it accepts to hln_sync_store (signature,
 * trust, policy, chain, fork checks, LMDB writes) of a node whose one trusted author signed the
 * seed corpus. HLN_FUZZ_WRITE_SEED=FILE writes a seed (a RECORDS message of three signed
 * observations by that author) and exits. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"
#include "crypto/err.h"
#include "node/node.h"
#include "node/sync.h"
#include "node/sync_store.h"
#include "proto/record.h"
#include "proto/wire.h"
#include "store/store.h"

static hln_node *node;
static hln_sync_store *ss;
static hln_identity *author;
static char tmpdir[] = "/tmp/hln-fuzz-sync-store-XXXXXX";

static void cleanup(void)
{
    char cmd[64];
    hln_sync_store_destroy(&ss);
    hln_node_close(&node);
    snprintf(cmd, sizeof cmd, "rm -rf %s", tmpdir);
    if (system(cmd) != 0)
        fprintf(stderr, "fuzz_sync_store: could not remove %s\n", tmpdir);
}

static int f_send(void *c, uint32_t p, const uint8_t *m, size_t l)
{
    (void)c, (void)p;
    hln_wire_msg back;
    if (hln_wire_decode(m, l, &back) != 0)
        abort(); /* what the engine sends must decode */
    return 0;
}

static void write_seed(const char *path)
{
    hln_record r[3];
    hln_wire_slice s[3];
    uint8_t prev[HLN_HASH_LEN];
    char err[128];
    for (int i = 0; i < 3; i++) {
        memset(&r[i], 0, sizeof r[i]);
        hln_record_init(&r[i], HLN_REC_OBSERVATION, hln_identity_pk(author), "CA", (uint64_t)i + 1,
                        i ? prev : NULL, 1700000000000ull + (uint64_t)i);
        hln_observation *o = &r[i].body.observation;
        snprintf(o->indicator, sizeof o->indicator, "test.ind");
        snprintf(o->period, sizeof o->period, "2026");
        snprintf(o->unit, sizeof o->unit, "u%d", i);
        o->numerator = 50;
        o->denominator = 100;
        if (hln_record_seal(&r[i], author, err, sizeof err) != 0)
            abort();
        memcpy(prev, r[i].id, HLN_HASH_LEN);
        s[i].p = r[i].raw;
        s[i].len = r[i].raw_len;
    }
    hln_wire_buf b;
    hln_wire_buf_init(&b);
    FILE *f = fopen(path, "wb");
    if (!f || hln_wire_records(&b, 0, s, 3) != 0 || fwrite(b.p, 1, b.len, f) != b.len)
        abort();
    fclose(f);
    hln_wire_buf_free(&b);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    hln_crypto_init();
    uint8_t seed[32];
    memset(seed, 0x33, sizeof seed);
    author = hln_identity_from_seed(seed);
    const char *w = getenv("HLN_FUZZ_WRITE_SEED");
    if (w) {
        write_seed(w);
        exit(0);
    }
    if (!mkdtemp(tmpdir))
        abort();
    atexit(cleanup);
    char nd[64];
    snprintf(nd, sizeof nd, "%s/n", tmpdir);
    hln_node_info info = {.level = HLN_LEVEL_NATIONAL};
    snprintf(info.name, sizeof info.name, "fuzz");
    snprintf(info.jurisdiction, sizeof info.jurisdiction, "CA");
    char err[256];
    if (hln_node_create(nd, &info, &node, err, sizeof err) != 0)
        abort();
    const char *val = "{\"level\":\"national\",\"jurisdiction\":\"CA\"}";
    if (hln_store_kv_put(hln_node_store(node), HLN_TABLE_TRUST, hln_identity_pk(author), HLN_KEY_LEN,
                         val, strlen(val)) != 0 ||
        hln_sync_store_new(node, &ss) != 0)
        abort();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    hln_sync_config c;
    hln_sync_config_default(&c);
    hln_sync_host h;
    hln_sync_store_host(ss, &h);
    h.send = f_send;
    hln_sync *e = NULL;
    if (hln_sync_new(&c, &h, 0, &e))
        return 0;
    hln_wire_buf hb;
    hln_wire_buf_init(&hb);
    uint8_t inc[16] = {2}, d[HLN_WIRE_DIGEST_LEN] = {0};
    if (hln_wire_hello(&hb, hln_identity_pk(author), inc, 0, d) == 0) {
        hln_sync_receive(e, 1, 1, hb.p, hb.len);
        hln_sync_receive(e, 2, 1, data, size);
        hln_sync_tick(e, 100);
        hln_sync_receive(e, 150, 1, data, size); /* again: duplicates are cheap and harmless */
        hln_sync_tick(e, 5000);
    }
    hln_wire_buf_free(&hb);
    hln_sync_destroy(&e);
    return 0;
}
