/* catalogue.h - the indicator definition file (INI, a section per code) into indicators. */
#ifndef HLN_CATALOGUE_H
#define HLN_CATALOGUE_H

#include <stddef.h>

#include "proto/record.h"

/* At most this many sections (indicators) in one file, and this many bytes. */
#define HLN_CATALOGUE_MAX 1000
#define HLN_CATALOGUE_FILE_MAX (4u << 20)

/* Called once per problem, in line order, with the 1-based line number (the
 * section header for a missing key) and a sanitized one-line reason. */
typedef void (*hln_catalogue_problem_cb)(void *ctx, unsigned long line, const char *reason);

/* Parse an indicator definition file held in `buf` (`len` bytes, untrusted).
 * Each section [code] gives the keys title, version, domain, kind,
 * multiplier, direction, method, strata and description (docs/CLI.md).
 * On success (0) *defs is a calloc'd array of *n definitions in file order
 * that the caller frees with free(). If any section is bad, every problem
 * goes to `cb` (may be NULL), *defs is NULL and HLN_ECONFIG is returned;
 * HLN_ETOOBIG for an oversized file, HLN_ENOMEM. */
int hln_catalogue_parse(const char *buf, size_t len, hln_catalogue_problem_cb cb, void *ctx,
                        hln_indicator **defs, size_t *n);

/* The same, with the optional key fhir_measure (a FHIR Measure canonical
 * URL, or a relative Measure/ID) of each section in *fhir (calloc'd, one per
 * definition, "" where none; the caller frees it). The indicator record has
 * no field for it: the caller keeps it in the node's own table
 * (hln_fhir_link_set). */
#define HLN_CATALOGUE_URL_MAX 255
int hln_catalogue_parse_ex(const char *buf, size_t len, hln_catalogue_problem_cb cb, void *ctx,
                           hln_indicator **defs, char (**fhir)[HLN_CATALOGUE_URL_MAX + 1],
                           size_t *n);

/* Names of the enumerations as the file spells them ("process", "rate", ...). */
const char *hln_domain_name(uint32_t domain);
const char *hln_kind_name(uint32_t kind);
const char *hln_direction_name(uint32_t direction);
const char *hln_method_name(uint32_t method);

#endif
