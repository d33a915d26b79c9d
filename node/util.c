/* util.c - small helpers the node modules share. */
#include "node/util.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/err.h"

int hln_grow(void **p, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return 0;
    size_t c = *cap ? *cap : 16;
    while (c < need) {
        if (c > SIZE_MAX / 2)
            return HLN_ENOMEM;
        c *= 2;
    }
    if (elem && c > SIZE_MAX / elem)
        return HLN_ENOMEM;
    void *q = realloc(*p, c * elem);
    if (!q)
        return HLN_ENOMEM;
    *p = q;
    *cap = c;
    return 0;
}

void hln_sanitize(char *out, size_t cap, const char *in, size_t len, size_t show)
{
    size_t o = 0;
    if (cap == 0)
        return;
    for (size_t i = 0; i < len && in[i] && o + 1 < cap; i++) {
        if (i >= show) {
            if (o + 4 <= cap) {
                memcpy(out + o, "...", 3);
                o += 3;
            }
            break;
        }
        unsigned char c = (unsigned char)in[i];
        out[o++] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
    }
    out[o] = '\0';
}

void hln_seterr(char *err, size_t errlen, const char *fmt, ...)
{
    if (!err || !errlen)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}
