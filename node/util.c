/* util.c - small helpers the node modules share. */
#include "node/util.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crypto/err.h"

int hln_util_grow(void **p, size_t *cap, size_t need, size_t elem)
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

void hln_util_sanitize(char *out, size_t cap, const char *in, size_t len, size_t show)
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

void hln_util_seterr(char *err, size_t errlen, const char *fmt, ...)
{
    if (!err || !errlen)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

void hln_util_sanitize_log(char *out, size_t cap, const char *in, size_t len)
{
    size_t o = 0;
    if (cap == 0)
        return;
    for (size_t i = 0; i < len && o + 1 < cap; i++) {
        unsigned char c = (unsigned char)in[i];
        out[o++] = (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') ? (char)c : '?';
    }
    out[o] = '\0';
}

static uint64_t clock_ms(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

uint64_t hln_util_wall_ms(void)
{
    return clock_ms(CLOCK_REALTIME);
}

uint64_t hln_util_mono_ms(void)
{
    return clock_ms(CLOCK_MONOTONIC);
}

bool hln_util_bucket_take(hln_util_bucket *b, uint64_t now_ms, uint32_t burst, uint32_t refill_ms)
{
    if (!b->started) {
        b->started = true;
        b->tokens = burst;
        b->last_ms = now_ms;
    }
    if (now_ms > b->last_ms) {
        uint64_t refill = refill_ms ? (now_ms - b->last_ms) / refill_ms : burst;
        if (refill) {
            uint64_t t = b->tokens + refill;
            b->tokens = (uint32_t)(t > burst ? burst : t);
            /* Keep the remainder: a steady caller gets exactly one per refill_ms. */
            b->last_ms = refill_ms ? b->last_ms + refill * refill_ms : now_ms;
        }
    }
    if (b->tokens == 0) {
        b->denied++;
        return false;
    }
    b->tokens--;
    return true;
}

int hln_util_parse_date(const char *s, uint64_t *ms)
{
    if (!s || !ms)
        return HLN_EINVAL;
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    const char *end = strptime(s, "%Y-%m-%d", &tm);
    if (end && *end == 'T')
        end = strptime(end, "T%H:%M:%SZ", &tm);
    if (!end || *end || tm.tm_year < 70)
        return HLN_EINVAL;
    time_t t = timegm(&tm);
    if (t < 0)
        return HLN_EINVAL;
    *ms = (uint64_t)t * 1000u;
    return 0;
}

bool hln_util_format_date(uint64_t ms, bool date_only, char *out, size_t len)
{
    time_t s = (time_t)(ms / 1000);
    struct tm tm;
    if (ms / 1000 > UINT64_C(253402300799) || !gmtime_r(&s, &tm) ||
        !strftime(out, len, date_only ? "%Y-%m-%d" : "%Y-%m-%dT%H:%M:%SZ", &tm)) {
        snprintf(out, len, "-");
        return false;
    }
    return true;
}
