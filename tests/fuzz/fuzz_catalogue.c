/* fuzz_catalogue.c - libFuzzer target for the indicator definition file parser, and for the
 * band files it reads (a dsr's standard_file, an isr's reference_file). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "node/catalogue.h"
#include "node/dsr.h"
#include "proto/codes.h"

static void check_reason(void *ctx, unsigned long line, const char *reason)
{
    (void)ctx;
    if (line == 0)
        abort(); /* every problem names a line */
    for (const char *p = reason; *p; p++)
        if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f)
            abort();
}

/* The same bytes as a band file: what it accepts are distinct stratum
 * codes, at most cap of them, populations above 0. */
static void band_files(const uint8_t *data, size_t size)
{
    char strata[HLN_STRATA_MAX][65], err[160];
    uint32_t w[HLN_STRATA_MAX];
    uint64_t ev[HLN_STRATA_MAX], pop[HLN_STRATA_MAX];
    size_t n = 0;
    if (hln_dsr_parse_standard((const char *)data, size, strata, w, HLN_STRATA_MAX, &n, err,
                               sizeof err) == 0)
        for (size_t i = 0; i < n; i++)
            if (n > HLN_STRATA_MAX || !hln_code_stratum(strata[i], strlen(strata[i])) || !w[i])
                abort();
    if (hln_dsr_parse_reference((const char *)data, size, strata, ev, pop, HLN_STRATA_MAX, &n,
                                err, sizeof err) == 0)
        for (size_t i = 0; i < n; i++)
            if (n > HLN_STRATA_MAX || !hln_code_stratum(strata[i], strlen(strata[i])) ||
                !pop[i] || pop[i] > HLN_COUNT_MAX || ev[i] > HLN_COUNT_MAX)
                abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    band_files(data, size);
    hln_indicator *defs = NULL;
    size_t n = 0;
    if (hln_catalogue_parse((const char *)data, size, check_reason, NULL, &defs, &n) != 0)
        return 0;
    /* What it accepts must be what a record can carry. */
    for (size_t i = 0; i < n; i++) {
        const hln_indicator *d = &defs[i];
        if (!hln_code_indicator(d->code, strlen(d->code)) || d->version == 0 ||
            d->n_strata > HLN_STRATA_MAX || !d->title[0])
            abort();
        for (uint32_t k = 1; k < d->n_strata; k++)
            if (strcmp(d->strata[k - 1], d->strata[k]) >= 0)
                abort();
    }
    free(defs);
    return 0;
}
