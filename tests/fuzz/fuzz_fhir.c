/* fuzz_fhir.c - libFuzzer target: the FHIR MeasureReport / Bundle reader. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "node/fhir.h"

static void check(void *ctx, unsigned long line, const char *reason)
{
    (void)ctx;
    (void)line;
    for (const char *p = reason; *p; p++)
        if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f)
            abort(); /* reasons reach terminals */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static hln_node_def def;
    if (!def.def.code[0]) {
        strcpy(def.def.code, "test.cms146");
        def.def.n_strata = 1;
        strcpy(def.def.strata[0], "stratifier-gender=male");
    }
    static const hln_fhir_measure_link link = {"test.cms146", "Measure/CMS146"};
    hln_fhir_import_opts o = {.defs = &def, .ndefs = 1, .links = &link, .nlinks = 1, .unit = "-"};
    hln_interop_csv csv;
    hln_interop_csv_init(&csv);
    hln_interop_outcome *oc = NULL;
    size_t noc = 0, refused = 0;
    if (hln_fhir_import((const char *)data, size, &o, check, NULL, &csv, &oc, &noc, &refused) == 0) {
        for (size_t i = 0; i < noc; i++)
            check(NULL, 0, oc[i].reason);
        free(oc);
    }
    hln_interop_csv_free(&csv);
    return 0;
}
