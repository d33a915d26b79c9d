/* fuzz_csv.c - libFuzzer target: the observation CSV parser and disclosure control. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "node/csvin.h"
#include "node/disclosure.h"

static hln_indicator defs[2];

static const hln_indicator *lookup(void *ctx, const char *code)
{
    (void)ctx;
    for (int i = 0; i < 2; i++)
        if (!strcmp(defs[i].code, code))
            return &defs[i];
    return NULL;
}

static void ignore(void *ctx, unsigned long line, const char *reason)
{
    (void)ctx;
    (void)line;
    /* Reasons are printed to terminals: they must be plain, printable text. */
    for (const char *p = reason; *p; p++)
        if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f)
            abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!defs[0].code[0]) {
        strcpy(defs[0].code, "mhpc.screen");
        defs[0].kind = HLN_KIND_PROPORTION;
        defs[0].n_strata = 3;
        strcpy(defs[0].strata[0], "age=old");
        strcpy(defs[0].strata[1], "sex=female");
        strcpy(defs[0].strata[2], "sex=male");
        strcpy(defs[1].code, "hosp.falls");
        defs[1].kind = HLN_KIND_RATE;
        defs[1].multiplier = 1000;
    }
    hln_csv_row *rows = NULL;
    size_t n = 0;
    if (hln_csvin_parse((const char *)data, size, lookup, NULL, ignore, NULL, &rows, &n) != 0)
        return 0;
    hln_disclosure_item *items = calloc(n ? n : 1, sizeof *items);
    if (!items) {
        free(rows);
        return 0;
    }
    for (size_t i = 0; i < n; i++) {
        if (rows[i].obs.denominator == 0 || rows[i].obs.denominator > HLN_CSV_COUNT_MAX)
            abort(); /* the parser promised otherwise */
        items[i].obs = rows[i].obs;
        items[i].kind = rows[i].kind;
    }
    if (hln_disclosure_apply(items, n, 11) != 0)
        abort();
    /* No published stratum may be the lone suppressed one beside a published total. */
    for (size_t i = 0; i < n; i++)
        if (items[i].reason == HLN_SUPP_NONE &&
            hln_disclosure_small(items[i].kind, items[i].obs.numerator, items[i].obs.denominator,
                                 11))
            abort();
    free(items);
    free(rows);
    return 0;
}
