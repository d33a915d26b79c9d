/* codes.c - the strict patterns for scopes, jurisdictions, codes, periods, units, strata, endpoints and text. */
#include "codes.h"

#include <stdint.h>
#include <string.h>

/* Plain ASCII classes: locale-independent on purpose, since every node must
 * accept exactly the same bytes. */
static bool is_upper(char c) { return c >= 'A' && c <= 'Z'; }
static bool is_lower(char c) { return c >= 'a' && c <= 'z'; }
static bool is_digit(char c) { return c >= '0' && c <= '9'; }
static bool is_alnum(char c) { return is_upper(c) || is_lower(c) || is_digit(c); }

bool hln_code_jurisdiction(const char *s, size_t len)
{
    if (!s || len < 2 || !is_upper(s[0]) || !is_upper(s[1]))
        return false;
    if (len == 2)
        return true;
    /* ISO 3166-2: country, '-', 1-3 upper-case letters or digits. */
    if (len < 4 || len > 6 || s[2] != '-')
        return false;
    for (size_t i = 3; i < len; i++)
        if (!is_upper(s[i]) && !is_digit(s[i]))
            return false;
    return true;
}

bool hln_code_scope(const char *s, size_t len)
{
    if (s && len == 6 && memcmp(s, "global", 6) == 0)
        return true;
    return hln_code_jurisdiction(s, len);
}

bool hln_scope_within(const char *inner, const char *outer)
{
    if (!inner || !outer)
        return false;
    size_t il = strlen(inner), ol = strlen(outer);
    if (!hln_code_scope(inner, il) || !hln_code_scope(outer, ol))
        return false;
    if (ol == 6 && memcmp(outer, "global", 6) == 0)
        return true;
    if (il == ol && memcmp(inner, outer, il) == 0)
        return true;
    /* Only a country contains anything else: its own subdivisions. */
    return ol == 2 && il > 2 && memcmp(inner, outer, 2) == 0;
}

void hln_scope_country(const char *jurisdiction, char out[3])
{
    out[0] = '\0';
    if (!jurisdiction || !hln_code_jurisdiction(jurisdiction, strlen(jurisdiction)))
        return;
    out[0] = jurisdiction[0];
    out[1] = jurisdiction[1];
    out[2] = '\0';
}

/* One part of an indicator code: [a-z0-9][a-z0-9_-]*. */
static bool indicator_part(const char *s, size_t len)
{
    if (len == 0 || !(is_lower(s[0]) || is_digit(s[0])))
        return false;
    for (size_t i = 1; i < len; i++)
        if (!is_lower(s[i]) && !is_digit(s[i]) && s[i] != '_' && s[i] != '-')
            return false;
    return true;
}

bool hln_code_indicator(const char *s, size_t len)
{
    if (!s || len < 3 || len > 64)
        return false;
    const char *dot = memchr(s, '.', len);
    if (!dot)
        return false;
    size_t ns = (size_t)(dot - s);
    /* Exactly one dot: the namespace, then the name. */
    return indicator_part(s, ns) && indicator_part(dot + 1, len - ns - 1);
}

bool hln_code_period(const char *s, size_t len)
{
    if (!s || (len != 4 && len != 7))
        return false;
    for (int i = 0; i < 4; i++)
        if (!is_digit(s[i]))
            return false;
    int year = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
    if (year < 1900)
        return false;
    if (len == 4)
        return true;
    if (s[4] != '-')
        return false;
    if (s[5] == 'Q')
        return s[6] >= '1' && s[6] <= '4';
    if (!is_digit(s[5]) || !is_digit(s[6]))
        return false;
    int month = (s[5] - '0') * 10 + (s[6] - '0');
    return month >= 1 && month <= 12;
}

bool hln_period_span(const char *s, int *first, int *months)
{
    size_t len = s ? strlen(s) : 0;
    if (!hln_code_period(s, len))
        return false;
    int year = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
    if (len == 4) {
        *first = year * 12, *months = 12;
    } else if (s[5] == 'Q') {
        *first = year * 12 + (s[6] - '1') * 3, *months = 3;
    } else {
        *first = year * 12 + (s[5] - '0') * 10 + (s[6] - '0') - 1, *months = 1;
    }
    return true;
}

bool hln_code_unit(const char *s, size_t len)
{
    if (len == 0)
        return true;
    if (!s || len > 64 || !is_alnum(s[0]))
        return false;
    for (size_t i = 1; i < len; i++)
        if (!is_alnum(s[i]) && s[i] != '.' && s[i] != '_' && s[i] != '-')
            return false;
    return true;
}

bool hln_code_stratum(const char *s, size_t len)
{
    if (len == 0)
        return true;
    if (!s || len > 64 || !(is_lower(s[0]) || is_digit(s[0])))
        return false;
    for (size_t i = 1; i < len; i++)
        if (!is_lower(s[i]) && !is_digit(s[i]) && s[i] != '.' && s[i] != '_' && s[i] != '='
            && s[i] != '-')
            return false;
    return true;
}

/* host: a DNS name or IPv4 address ([A-Za-z0-9.-], starting alphanumeric)
 * or a bracketed IPv6 address ([0-9A-Fa-f:.]). */
static bool endpoint_host(const char *s, size_t len)
{
    if (len == 0)
        return false;
    if (s[0] == '[') {
        if (len < 4 || s[len - 1] != ']')
            return false;
        for (size_t i = 1; i + 1 < len; i++) {
            char c = s[i];
            if (!is_digit(c) && !(c >= 'a' && c <= 'f') && !(c >= 'A' && c <= 'F') && c != ':'
                && c != '.')
                return false;
        }
        return true;
    }
    if (!is_alnum(s[0]))
        return false;
    for (size_t i = 1; i < len; i++)
        if (!is_alnum(s[i]) && s[i] != '.' && s[i] != '-')
            return false;
    return true;
}

bool hln_code_endpoint(const char *s, size_t len)
{
    static const char prefix[] = "tcp://";
    const size_t pl = sizeof prefix - 1;
    if (!s || len <= pl || len > 128 || memcmp(s, prefix, pl) != 0)
        return false;
    /* The port follows the last ':' (an IPv6 host is bracketed). */
    size_t colon = len;
    while (colon > pl && s[colon - 1] != ':')
        colon--;
    if (colon == pl)
        return false;
    size_t plen = len - colon;
    if (plen == 0 || plen > 5 || s[colon] == '0')
        return false;
    unsigned long port = 0;
    for (size_t i = colon; i < len; i++) {
        if (!is_digit(s[i]))
            return false;
        port = port * 10 + (unsigned long)(s[i] - '0');
    }
    if (port == 0 || port > 65535)
        return false;
    return endpoint_host(s + pl, colon - 1 - pl);
}

/* Code points refused in text besides the C0/C1 controls and DEL: line and
 * paragraph separators and the bidirectional embedding, override and isolate
 * controls, which can make a terminal or report show something other than
 * the bytes ("Trojan Source"). */
static bool forbidden_cp(uint32_t cp, bool allow_newline)
{
    if (cp < 0x20)
        return !(allow_newline && cp == '\n');
    if (cp >= 0x7f && cp <= 0x9f)
        return true;
    if (cp == 0x2028 || cp == 0x2029)
        return true;
    if ((cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069))
        return true;
    return false;
}

bool hln_text_valid(const char *str, size_t len, bool allow_newline)
{
    if (len && !str)
        return false;
    const unsigned char *s = (const unsigned char *)str;
    size_t i = 0;
    while (i < len) {
        unsigned char c = s[i];
        if (c < 0x80) {
            if (forbidden_cp(c, allow_newline))
                return false;
            i++;
            continue;
        }
        uint32_t cp, min;
        size_t n;
        if (c >= 0xc2 && c <= 0xdf) {
            n = 2, cp = c & 0x1fu, min = 0x80;
        } else if (c >= 0xe0 && c <= 0xef) {
            n = 3, cp = c & 0x0fu, min = 0x800;
        } else if (c >= 0xf0 && c <= 0xf4) {
            n = 4, cp = c & 0x07u, min = 0x10000;
        } else {
            return false; /* a continuation byte, 0xc0/0xc1 overlongs, or > U+10FFFF */
        }
        if (len - i < n)
            return false;
        for (size_t k = 1; k < n; k++) {
            if ((s[i + k] & 0xc0) != 0x80)
                return false;
            cp = (cp << 6) | (s[i + k] & 0x3fu);
        }
        /* Overlong forms, UTF-16 surrogates and anything past U+10FFFF. */
        if (cp < min || (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
            return false;
        if (forbidden_cp(cp, allow_newline))
            return false;
        i += n;
    }
    return true;
}
