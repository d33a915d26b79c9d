/* fuzz_screen.c - libFuzzer target: the identifier screen for lessons' free text (proto/screen.c). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto/screen.h"

#define MAX_HITS 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* An exact-size copy, not NUL-terminated: the screen must read only
     * `size` bytes (AddressSanitizer catches one more). */
    char *s = malloc(size ? size : 1);
    if (!s)
        return 0;
    if (size)
        memcpy(s, data, size);
    hln_screen_hit all[MAX_HITS], few[3];
    size_t n = hln_screen_text(s, size, all, MAX_HITS);
    /* The count does not depend on how many findings the caller keeps, and
     * the ones kept are the first ones. */
    if (hln_screen_text(s, size, NULL, 0) != n)
        abort();
    size_t k = hln_screen_text(s, size, few, 3);
    if (k != n)
        abort();
    for (size_t i = 0; i < n && i < 3; i++)
        if (few[i].kind != all[i].kind || few[i].off != all[i].off || few[i].len != all[i].len)
            abort();
    /* Every finding lies inside the text, has a kind with a name, and they
     * come in text order. */
    for (size_t i = 0; i < n && i < MAX_HITS; i++) {
        const hln_screen_hit *h = &all[i];
        if (h->len == 0 || h->off > size || h->len > size - h->off)
            abort();
        if (h->kind < HLN_SCREEN_DIGITS || h->kind > HLN_SCREEN_NATIONAL_ID ||
            !strcmp(hln_screen_kind_name(h->kind), "unknown"))
            abort();
        if (i && h->off < all[i - 1].off)
            abort();
    }
    free(s);
    return 0;
}
