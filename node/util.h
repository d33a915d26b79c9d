/* util.h - small helpers the node modules share: growing arrays, safe text for terminals, error text. */
#ifndef HLN_UTIL_H
#define HLN_UTIL_H

#include <stddef.h>

/* Make the array *p (of `elem`-byte items, *cap of them) hold at least
 * `need`, doubling from 16. 0, or HLN_ENOMEM (the array is left as it was,
 * also when the size would overflow). */
int hln_grow(void **p, size_t *cap, size_t need, size_t elem);

/* Copy at most `len` bytes of `in` into `out` (cap bytes, always
 * NUL-terminated) for a terminal or a log: bytes outside printable ASCII
 * become '?', so a hostile file or peer cannot send escape sequences; past
 * `show` bytes the copy stops with "...". */
void hln_sanitize(char *out, size_t cap, const char *in, size_t len, size_t show);

/* snprintf into an optional caller buffer (err may be NULL). */
void hln_seterr(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
