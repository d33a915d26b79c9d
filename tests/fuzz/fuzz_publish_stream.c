/* fuzz_publish_stream.c - libFuzzer target: a CSV file of any length read in batches (line carry-over, quoted line breaks, groups that must stand together), checked as a dry run against a real node. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crypto/err.h"
#include "node/node.h"
#include "node/publish_stream.h"

static hln_node *node;
static char file[64];

static void ignore(void *ctx, unsigned long line, const char *reason)
{
    (void)ctx;
    (void)line;
    /* Reasons are printed to terminals: they must be plain, printable text. */
    for (const char *p = reason; *p; p++)
        if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f)
            abort();
}

static int each(void *ctx, const hln_publish_result *b)
{
    (void)ctx;
    for (size_t i = 1; i < b->n; i++)
        if (b->lines[i] < b->lines[i - 1])
            abort(); /* lines of the file come in order */
    return 0;
}

/* A national node in a scratch directory holding two definitions. */
static int setup(void)
{
    static char dir[] = "/tmp/hln-fuzz-pubstream-XXXXXX";
    if (!mkdtemp(dir))
        return -1;
    hln_node_info info;
    memset(&info, 0, sizeof info);
    snprintf(info.name, sizeof info.name, "fuzz");
    info.level = HLN_LEVEL_NATIONAL;
    snprintf(info.jurisdiction, sizeof info.jurisdiction, "CA");
    char err[256], sub[96];
    snprintf(sub, sizeof sub, "%s/node", dir);
    if (hln_node_create(sub, &info, &node, err, sizeof err))
        return -1;
    hln_node_item it[2];
    memset(it, 0, sizeof it);
    it[0].type = it[1].type = HLN_REC_INDICATOR;
    hln_indicator *d = &it[0].body.indicator;
    snprintf(d->code, sizeof d->code, "mhpc.screen");
    d->version = 1;
    snprintf(d->title, sizeof d->title, "Screen");
    d->multiplier = 1;
    d->n_strata = 2;
    snprintf(d->strata[0], sizeof d->strata[0], "sex=female");
    snprintf(d->strata[1], sizeof d->strata[1], "sex=male");
    d = &it[1].body.indicator;
    snprintf(d->code, sizeof d->code, "hosp.falls");
    d->version = 1;
    snprintf(d->title, sizeof d->title, "Falls");
    d->kind = HLN_KIND_RATE;
    d->multiplier = 1000;
    if (hln_node_append(node, "CA", it, 2, 0, NULL, err, sizeof err))
        return -1;
    snprintf(file, sizeof file, "%s/in.csv", dir);
    hln_publish_stream_set_batch(3); /* batch boundaries in small inputs */
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!node && setup() != 0)
        abort();
    FILE *f = fopen(file, "wb");
    if (!f)
        abort();
    if (size && fwrite(data, 1, size, f) != size)
        abort();
    fclose(f);
    hln_publish_opts o = {.dry_run = true};
    hln_publish_totals t;
    char err[256];
    (void)hln_node_publish_stream(node, file, &o, ignore, NULL, each, NULL, &t, err, sizeof err);
    return 0;
}
