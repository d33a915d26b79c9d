/* screen.c - the identifier screen for free text (docs/PROTOCOL.md, "The identifier screen"). */
#include "screen.h"

#include <stdbool.h>
#include <string.h>

#define MAX_GROUPS 16

static bool is_digit(char c) { return c >= '0' && c <= '9'; }
static bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
static bool is_alnum(char c) { return is_digit(c) || is_alpha(c); }
static bool is_local(char c) { return is_alnum(c) || (c && strchr("._%+-", c)); }
static bool is_sep(char c) { return c && strchr(" -./()", c) != NULL; }

static char lower(char c) { return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c; }

typedef struct {
    hln_screen_hit *hits;
    size_t max, n;
} out_t;

static void hit(out_t *o, uint32_t kind, size_t off, size_t len)
{
    if (o->n < o->max) {
        o->hits[o->n].kind = kind;
        o->hits[o->n].off = off;
        o->hits[o->n].len = len;
    }
    o->n++;
}

/* ---- e-mail addresses ---- */

/* A local part starting at i (a word start) followed by '@' and a domain
 * with a dot: the end of the address, or 0. */
static size_t email_at(const char *s, size_t len, size_t i)
{
    size_t j = i;
    while (j < len && is_local(s[j]))
        j++;
    if (j == i || j >= len || s[j] != '@')
        return 0;
    size_t k = j + 1, last_dot = 0;
    while (k < len && (is_alnum(s[k]) || s[k] == '-' || s[k] == '.'))
        k++;
    while (k > j + 1 && s[k - 1] == '.') /* a full stop ends the sentence, not the domain */
        k--;
    for (size_t x = j + 1; x < k; x++)
        if (s[x] == '.')
            last_dot = x;
    if (last_dot <= j + 1 || last_dot + 1 >= k)
        return 0;
    return k;
}

/* ---- dates with a month name ---- */

static const char *const months[] = {
    "january", "february", "march",   "april",    "may",      "june",    "july",
    "august",  "september", "october", "november", "december", "jan",     "feb",
    "mar",     "apr",      "jun",     "jul",      "aug",      "sep",     "sept",
    "oct",     "nov",      "dec",     "janvier",  "fevrier",  "février", "mars",
    "avril",   "mai",      "juin",    "juillet",  "aout",     "août",    "septembre",
    "octobre", "novembre", "decembre", "décembre"};

/* A month name (case-insensitive, an optional '.') at i: its end, or 0. */
static size_t month_at(const char *s, size_t len, size_t i)
{
    size_t j = i;
    while (j < len && (is_alpha(s[j]) || (unsigned char)s[j] >= 0x80))
        j++;
    size_t wl = j - i;
    for (size_t m = 0; m < sizeof months / sizeof months[0]; m++) {
        size_t ml = strlen(months[m]);
        if (ml != wl)
            continue;
        size_t k = 0;
        while (k < ml && lower(s[i + k]) == months[m][k])
            k++;
        if (k == ml)
            return (j < len && s[j] == '.') ? j + 1 : j;
    }
    return 0;
}

/* `n` digits exactly at i, not followed by another digit: their value, or -1. */
static long digits_at(const char *s, size_t len, size_t i, size_t lo, size_t hi, size_t *end)
{
    size_t j = i;
    long v = 0;
    while (j < len && is_digit(s[j]) && j - i < hi)
        v = v * 10 + (s[j++] - '0');
    if (j - i < lo || (j < len && is_digit(s[j])))
        return -1;
    *end = j;
    return v;
}

static size_t skip_spaces(const char *s, size_t len, size_t i)
{
    while (i < len && s[i] == ' ')
        i++;
    return i;
}

/* "12 March 1984" at a digit i, or "March 12, 1984" at a letter i: the
 * end of the date, or 0. A month with a year alone ("March 2025") passes. */
static size_t named_date_at(const char *s, size_t len, size_t i)
{
    size_t e, m;
    long v;
    if (is_digit(s[i])) {
        if ((v = digits_at(s, len, i, 1, 2, &e)) < 1 || v > 31 || e >= len || s[e] != ' ')
            return 0;
        if (!(m = month_at(s, len, skip_spaces(s, len, e))) || m >= len || s[m] != ' ')
            return 0;
        v = digits_at(s, len, skip_spaces(s, len, m), 4, 4, &e);
        return v >= 1900 && v <= 2099 ? e : 0;
    }
    if (!(m = month_at(s, len, i)) || m >= len || s[m] != ' ')
        return 0;
    if ((v = digits_at(s, len, skip_spaces(s, len, m), 1, 2, &e)) < 1 || v > 31)
        return 0;
    if (e < len && s[e] == ',')
        e++;
    if (e >= len || s[e] != ' ')
        return 0;
    v = digits_at(s, len, skip_spaces(s, len, e), 4, 4, &e);
    return v >= 1900 && v <= 2099 ? e : 0;
}

/* ---- numbers with separators ---- */

typedef struct {
    size_t ng;                /* digit groups */
    size_t g[MAX_GROUPS];     /* digits per group (the first MAX_GROUPS) */
    long val[MAX_GROUPS];     /* their values (capped) */
    size_t digits, longest;
    bool plus, paren, space, dash, dot, slash;
    char date_sep; /* the one separator between groups, or 0 when mixed or several */
} span_t;

/* The span of digits and separators starting at i: separators join digit
 * groups only when a digit follows within two characters. */
static size_t number_span(const char *s, size_t len, size_t i, span_t *sp)
{
    memset(sp, 0, sizeof *sp);
    size_t j = i;
    if (s[j] == '+' || s[j] == '(') {
        sp->plus = s[j] == '+';
        sp->paren = s[j] == '(';
        j++;
    }
    bool first_sep = true;
    for (;;) {
        size_t glen = 0;
        long v = 0;
        while (j < len && is_digit(s[j])) {
            if (v < 100000000)
                v = v * 10 + (s[j] - '0');
            glen++, j++;
        }
        if (sp->ng < MAX_GROUPS) {
            sp->g[sp->ng] = glen;
            sp->val[sp->ng] = v;
        }
        sp->ng++;
        sp->digits += glen;
        if (glen > sp->longest)
            sp->longest = glen;
        /* One or two separators, then a digit: the number goes on. */
        size_t k = j;
        while (k < len && k - j < 2 && is_sep(s[k]))
            k++;
        if (k == j || k >= len || !is_digit(s[k]))
            break;
        for (size_t x = j; x < k; x++) {
            char c = s[x];
            sp->space |= c == ' ';
            sp->dash |= c == '-';
            sp->dot |= c == '.';
            sp->slash |= c == '/';
            sp->paren |= c == '(' || c == ')';
        }
        char c = k - j == 1 ? s[j] : 0;
        if (first_sep)
            sp->date_sep = c;
        else if (sp->date_sep != c)
            sp->date_sep = 0;
        first_sep = false;
        j = k;
    }
    return j;
}

static bool shape(const span_t *sp, size_t n, const size_t *want)
{
    if (sp->ng != n)
        return false;
    for (size_t i = 0; i < n; i++)
        if (sp->g[i] != want[i])
            return false;
    return true;
}

static uint32_t classify(const span_t *sp)
{
    /* d/m/y, m/d/y, y-m-d: three groups joined by one kind of separator. */
    if (sp->ng == 3 && sp->date_sep && strchr("/-.", sp->date_sep) && !sp->plus) {
        const size_t *g = sp->g;
        const long *v = sp->val;
        if (g[0] == 4 && g[1] <= 2 && g[2] <= 2 && v[0] >= 1900 && v[0] <= 2099 && v[1] >= 1 &&
            v[1] <= 12 && v[2] >= 1 && v[2] <= 31)
            return HLN_SCREEN_DATE;
        if (g[0] <= 2 && g[1] <= 2 && (g[2] == 2 || g[2] == 4) && v[0] >= 1 && v[1] >= 1 &&
            v[0] <= 31 && v[1] <= 31 && (v[0] <= 12 || v[1] <= 12))
            return HLN_SCREEN_DATE;
    }
    static const size_t sin[] = {3, 3, 3}, ssn[] = {3, 2, 4}, ohip[] = {4, 3, 3},
                        nir[] = {1, 2, 2, 2, 3, 3}, nir_key[] = {1, 2, 2, 2, 3, 3, 2};
    if (!sp->plus && !sp->paren && !sp->slash &&
        (shape(sp, 3, sin) || shape(sp, 3, ssn) || shape(sp, 3, ohip) || shape(sp, 6, nir) ||
         shape(sp, 7, nir_key)))
        return HLN_SCREEN_NATIONAL_ID;
    static const size_t local[] = {3, 4}, nanp[] = {3, 3, 4}, nanp1[] = {1, 3, 3, 4};
    if ((sp->plus && sp->digits >= 8) || (sp->paren && sp->digits >= 7) ||
        (!sp->slash && (shape(sp, 2, local) || shape(sp, 3, nanp) || shape(sp, 4, nanp1))) ||
        (sp->ng >= 2 && sp->digits >= 10 && sp->digits <= 15 && !sp->slash))
        return HLN_SCREEN_PHONE;
    if (sp->longest >= 6)
        return HLN_SCREEN_DIGITS;
    return 0;
}

size_t hln_screen_text(const char *s, size_t len, hln_screen_hit *hits, size_t max)
{
    out_t o = {hits, hits ? max : 0, 0};
    size_t i = 0;
    while (s && i < len) {
        char c = s[i];
        bool word_start = i == 0 || !is_local(s[i - 1]);
        size_t e;
        if (word_start && is_local(c) && (e = email_at(s, len, i))) {
            hit(&o, HLN_SCREEN_EMAIL, i, e - i);
            i = e;
            continue;
        }
        bool letter_start = is_alpha(c) && (i == 0 || !is_alnum(s[i - 1]));
        if ((letter_start || (is_digit(c) && (i == 0 || !is_digit(s[i - 1])))) &&
            (e = named_date_at(s, len, i))) {
            hit(&o, HLN_SCREEN_DATE, i, e - i);
            i = e;
            continue;
        }
        if (is_digit(c) || ((c == '+' || c == '(') && i + 1 < len && is_digit(s[i + 1]))) {
            span_t sp;
            e = number_span(s, len, i, &sp);
            uint32_t k = classify(&sp);
            if (k)
                hit(&o, k, i, e - i);
            i = e;
            continue;
        }
        if (letter_start) { /* skip the rest of a word: its letters start nothing */
            while (i < len && is_alpha(s[i]))
                i++;
            continue;
        }
        i++;
    }
    return o.n;
}

const char *hln_screen_kind_name(uint32_t kind)
{
    switch (kind) {
    case HLN_SCREEN_DIGITS: return "long digit run";
    case HLN_SCREEN_DATE: return "date";
    case HLN_SCREEN_EMAIL: return "e-mail address";
    case HLN_SCREEN_PHONE: return "phone number";
    case HLN_SCREEN_NATIONAL_ID: return "national id number";
    default: return "unknown";
    }
}
