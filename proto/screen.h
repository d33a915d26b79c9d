/* screen.h - the identifier screen: does a free text look like it carries a person's identifiers? */
#ifndef HLN_SCREEN_H
#define HLN_SCREEN_H

#include <stddef.h>
#include <stdint.h>

/* A lesson's text is the one free text a network of aggregates carries, so
 * the record decoder refuses one that looks like it holds identifiers, and
 * hlnctl names what it found before anything is signed. The rules are
 * pinned in docs/PROTOCOL.md ("The identifier screen"); they err on the side
 * of refusing: write "March 2025", "about 1,200 patients", never a full date
 * or a number that could be a record number. */
typedef enum {
    HLN_SCREEN_DIGITS = 1,      /* a run of 6 or more digits: a record or card number */
    HLN_SCREEN_DATE = 2,        /* a full date (day, month, year): a date of birth */
    HLN_SCREEN_EMAIL = 3,       /* an e-mail address */
    HLN_SCREEN_PHONE = 4,       /* a telephone number */
    HLN_SCREEN_NATIONAL_ID = 5, /* the shape of a national or health-card number */
} hln_screen_kind;

typedef struct {
    uint32_t kind; /* hln_screen_kind */
    size_t off;    /* where in the text */
    size_t len;    /* how many bytes */
} hln_screen_hit;

/* Screen `len` bytes of `s` (need not be NUL-terminated). Writes at most
 * `max` findings, in text order, to `hits` (may be NULL when max is 0) and
 * returns how many there are in all (0: the text passes). Linear time. */
size_t hln_screen_text(const char *s, size_t len, hln_screen_hit *hits, size_t max);

/* "long digit run", "date", "e-mail address", "phone number",
 * "national id number"; "unknown" otherwise. */
const char *hln_screen_kind_name(uint32_t kind);

#endif
