/* codes.h - the strict patterns for scopes, jurisdictions, indicator codes, periods, units and strata. */
#ifndef HLN_CODES_H
#define HLN_CODES_H

#include <stdbool.h>
#include <stddef.h>

/* ISO 3166-1 alpha-2 ("CA") or ISO 3166-2 ("CA-ON": 1-3 upper-case letters or digits). */
bool hln_code_jurisdiction(const char *s, size_t len);
/* A jurisdiction or "global". */
bool hln_code_scope(const char *s, size_t len);
/* true if jurisdiction/scope `inner` lies inside `outer` (equal counts; every
 * jurisdiction lies inside "global"; "CA-ON" inside "CA"). */
bool hln_scope_within(const char *inner, const char *outer);
/* The country part of a jurisdiction ("CA-ON" -> "CA") into out[3]. */
void hln_scope_country(const char *jurisdiction, char out[3]);
/* Indicator code: namespace '.' name, lower-case [a-z0-9_-], each part
 * starting with a letter or digit, 3-64 bytes: "mhpc.depression-remission-12m". */
bool hln_code_indicator(const char *s, size_t len);
/* Period: "YYYY", "YYYY-Qn" (n 1-4) or "YYYY-MM" (01-12), year 1900-9999. */
bool hln_code_period(const char *s, size_t len);
/* The months a valid period covers: *first = year * 12 + month - 1 of its
 * first month, *months = 1, 3 or 12. false when `s` is not a period. So
 * periods of any granularity compare: P ends before Q starts when
 * P.first + P.months <= Q.first. */
bool hln_period_span(const char *s, int *first, int *months);
/* Reporting unit: empty, or [A-Za-z0-9][A-Za-z0-9._-]{0,63}. */
bool hln_code_unit(const char *s, size_t len);
/* Stratum: empty (the total) or [a-z0-9][a-z0-9._=-]{0,63} ("age=65+" is not
 * allowed; "age=65-plus" is). */
bool hln_code_stratum(const char *s, size_t len);
/* Peer endpoint of an address record: "tcp://" host ':' port, host a DNS name
 * or IPv4 address [A-Za-z0-9.-] (starting alphanumeric) or a bracketed IPv6
 * address, port 1-65535 without leading zeros, at most 128 bytes. */
bool hln_code_endpoint(const char *s, size_t len);
/* Valid UTF-8 (no overlongs, surrogates or code points past U+10FFFF) without
 * control characters: C0, DEL, C1, U+2028/U+2029 and the bidirectional
 * controls U+202A-U+202E, U+2066-U+2069 are refused; with `allow_newline`,
 * '\n' alone is allowed (descriptions). For names, titles, reasons. */
bool hln_text_valid(const char *s, size_t len, bool allow_newline);

#endif
