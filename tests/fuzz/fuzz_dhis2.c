/* fuzz_dhis2.c - libFuzzer target: the DHIS2 dataValueSets reader and its conversion through a map. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "node/dhis2.h"
#include "node/interop.h"

static const char map_text[] = "[indicator a.b]\nnumerator = DEnum000001\ndenominator = DEden000001\n"
                               "[units]\nOU000000001 = u1\nOU000000002 = -\n"
                               "[strata]\nCOC00000001 = sex=female\n";

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
    static hln_map *m;
    if (!m && hln_map_parse(map_text, sizeof map_text - 1, NULL, NULL, &m) != 0)
        abort();
    hln_dhis2_value *v = NULL;
    size_t n = 0, refused = 0;
    hln_dhis2_format f;
    if (hln_dhis2_parse((const char *)data, size, check, NULL, &v, &n, &f) == 0) {
        hln_interop_csv csv;
        hln_interop_csv_init(&csv);
        hln_interop_outcome *oc = NULL;
        if (hln_dhis2_convert(v, n, m, &csv, &oc, &refused) == 0) {
            for (size_t i = 0; i < n; i++)
                check(NULL, 0, oc[i].reason);
            free(oc);
        }
        hln_interop_csv_free(&csv);
    }
    free(v);
    /* the map reader too, on the same bytes */
    hln_map *m2 = NULL;
    hln_map_parse((const char *)data, size, check, NULL, &m2);
    hln_map_destroy(&m2);
    return 0;
}
