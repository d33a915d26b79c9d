/* util.h - small helpers the node modules share: growing arrays, safe text for terminals and
 * logs, error text, clocks, a token bucket, dates. */
#ifndef HLN_UTIL_H
#define HLN_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Make the array *p (of `elem`-byte items, *cap of them) hold at least
 * `need`, doubling from 16. 0, or HLN_ENOMEM (the array is left as it was,
 * also when the size would overflow). */
int hln_util_grow(void **p, size_t *cap, size_t need, size_t elem);

/* Copy at most `len` bytes of `in` into `out` (cap bytes, always
 * NUL-terminated) for a terminal or a log: bytes outside printable ASCII
 * become '?', so a hostile file or peer cannot send escape sequences; past
 * `show` bytes the copy stops with "...". A NUL byte ends the input. */
void hln_util_sanitize(char *out, size_t cap, const char *in, size_t len, size_t show);

/* The same for a key=value log line: '"' and '\\' become '?' too, so a value
 * cannot forge another key, and the whole `len` bytes are read (NULs
 * included, as '?'), since peers' strings are not NUL-terminated. */
void hln_util_sanitize_log(char *out, size_t cap, const char *in, size_t len);

/* snprintf into an optional caller buffer (err may be NULL). */
void hln_util_seterr(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Milliseconds since the Unix epoch (CLOCK_REALTIME): the author's clock in
 * records this node signs, and "now" when judging memberships. */
uint64_t hln_util_wall_ms(void);

/* A monotonic clock in milliseconds, for timeouts and rates. */
uint64_t hln_util_mono_ms(void);

/* A token bucket: at most `burst` tokens, one more every `refill_ms`.
 * hln_util_bucket_take takes one if there is one (true) or counts a miss in
 * `denied` (false). A zeroed bucket starts full at its first take. Clocks
 * that go backwards refill nothing. */
typedef struct {
    uint64_t last_ms;
    uint32_t tokens;
    uint32_t denied;
    bool started;
} hln_util_bucket;
bool hln_util_bucket_take(hln_util_bucket *b, uint64_t now_ms, uint32_t burst, uint32_t refill_ms);

/* Parse a date as the CLI takes it, YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ
 * (UTC, 1970 or later, nothing after it), into milliseconds since the
 * epoch. 0, or HLN_EINVAL if malformed. */
int hln_util_parse_date(const char *s, uint64_t *ms);

/* The inverse, for people: `ms` as "YYYY-MM-DDTHH:MM:SSZ" (UTC), or with
 * date_only "YYYY-MM-DD". false, and out "-", for a time past year 9999
 * that gmtime cannot show (callers may print the raw number instead). */
bool hln_util_format_date(uint64_t ms, bool date_only, char *out, size_t len);

#endif
