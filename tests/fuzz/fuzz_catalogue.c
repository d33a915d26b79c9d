/* fuzz_catalogue.c - libFuzzer target for the indicator definition file parser. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "node/catalogue.h"
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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
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
