/* hlnd_fixture.h - the one hlnd a fuzzer of hlnd's own handlers (tests/fuzz/fuzz_hlnd_*.c) runs
 * against, set up once per process: a fresh data directory in /tmp of a node of level national in
 * CA, which trusts one author (the key of seed 0x33, which signed fuzz_sync_store's seeds) as a
 * national anchor in CA and has it as a configured peer, started by hlnd_open as hlnd_run starts
 * it (no listening socket; errors alone are logged). The author's session is up and it has greeted.
 */
#ifndef HLN_HLND_FIXTURE_H
#define HLN_HLND_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"
#include "node/hlnd/daemon.h"
#include "node/node.h"
#include "node/peers.h"
#include "proto/wire.h"
#include "store/store.h"

static hlnd *fx_d;
static hln_identity *fx_author;
static char fx_dir[] = "/tmp/hln-fuzz-hlnd-XXXXXX";

static void fx_cleanup(void)
{
    char cmd[64];
    hlnd_close(&fx_d);
    snprintf(cmd, sizeof cmd, "rm -rf %s", fx_dir);
    if (system(cmd) != 0)
        fprintf(stderr, "hlnd fixture: could not remove %s\n", fx_dir);
}

/* The node's own feed: the indicator test.ind (the one of fuzz_sync_store's seeds) and two
 * observations of it for 2026, so that bench.verify has evidence to count. */
static int fx_own_feed(hln_node *node)
{
    hln_node_item it[3];
    memset(it, 0, sizeof it);
    it[0].type = HLN_REC_INDICATOR;
    hln_indicator *d = &it[0].body.indicator;
    snprintf(d->code, sizeof d->code, "test.ind");
    d->version = 1;
    snprintf(d->title, sizeof d->title, "Fuzzed indicator");
    d->domain = HLN_DOMAIN_PROCESS;
    d->kind = HLN_KIND_PROPORTION;
    d->multiplier = 1;
    d->direction = HLN_DIR_HIGHER;
    d->method = HLN_FUNNEL_EXACT;
    for (int i = 1; i < 3; i++) {
        hln_observation *o = &it[i].body.observation;
        it[i].type = HLN_REC_OBSERVATION;
        snprintf(o->indicator, sizeof o->indicator, "test.ind");
        snprintf(o->period, sizeof o->period, "2026");
        snprintf(o->unit, sizeof o->unit, "site-%d", i);
        o->numerator = 40u + (uint64_t)i;
        o->denominator = 100;
    }
    return hln_node_append(node, "CA", it, 3, 0, NULL, NULL, 0);
}

/* The node's data directory `nd`, with its anchor, peer and own feed, before hlnd runs on it. */
static void fx_make_node(const char *nd)
{
    hln_node *node = NULL;
    hln_node_info info = {.level = HLN_LEVEL_NATIONAL};
    snprintf(info.name, sizeof info.name, "fuzz");
    snprintf(info.jurisdiction, sizeof info.jurisdiction, "CA");
    char err[256];
    const char *val = "{\"level\":\"national\",\"jurisdiction\":\"CA\"}";
    hln_peers_entry p = {.added_ms = 1700000000000ull};
    memcpy(p.id, hln_identity_pk(fx_author), HLN_KEY_LEN);
    snprintf(p.name, sizeof p.name, "author");
    if (hln_node_create(nd, &info, &node, err, sizeof err) != 0 ||
        hln_store_kv_put(hln_node_store(node), HLN_TABLE_TRUST, p.id, HLN_KEY_LEN, val,
                         strlen(val)) != 0 ||
        hln_peers_put(hln_node_store(node), &p) != 0 || fx_own_feed(node) != 0) {
        fprintf(stderr, "hlnd fixture: cannot make the node: %s\n", err);
        abort();
    }
    hln_node_close(&node);
}

/* A hello from the author, as its node would greet us (fresh incarnation `inc`). */
static void fx_hello(uint8_t inc)
{
    hln_wire_buf b;
    uint8_t incarnation[16] = {inc}, digest[HLN_WIRE_DIGEST_LEN] = {0};
    hln_wire_buf_init(&b);
    if (hln_wire_hello(&b, hln_identity_pk(fx_author), incarnation, 0, digest) != 0)
        abort();
    hlnd_transport_event(fx_d, HLN_TEV_MSG, hln_identity_pk(fx_author), b.p, b.len);
    hln_wire_buf_free(&b);
}

static void fx_start(void)
{
    uint8_t seed[32];
    char nd[64], conf[64], err[512] = "";
    hln_crypto_init();
    memset(seed, 0x33, sizeof seed);
    fx_author = hln_identity_from_seed(seed);
    if (!fx_author || !mkdtemp(fx_dir))
        abort();
    atexit(fx_cleanup);
    snprintf(nd, sizeof nd, "%s/n", fx_dir);
    snprintf(conf, sizeof conf, "%s/hlnd.conf", fx_dir);
    fx_make_node(nd);
    FILE *f = fopen(conf, "w");
    if (!f || fputs("[node]\nlog_level = err\n", f) < 0 || fclose(f) != 0)
        abort();
    hlnd_args a = {.data_dir = nd, .config_path = conf};
    if (hlnd_open(&a, &fx_d, err, sizeof err) != 0) {
        fprintf(stderr, "hlnd fixture: hlnd_open: %s\n", err);
        abort();
    }
    hlnd_transport_event(fx_d, HLN_TEV_UP, hln_identity_pk(fx_author), NULL, 0);
    fx_hello(0);
}

#endif
