/* fhir.h - FHIR R4 MeasureReport (summary) and Bundle into hln observations; Measure/MeasureReport out. */
#ifndef HLN_FHIR_H
#define HLN_FHIR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "node/bench.h"
#include "node/interop.h"
#include "node/node.h"
#include "proto/record.h"
#include "store/store.h"

#define HLN_FHIR_FILE_MAX (16u << 20)
#define HLN_FHIR_REPORTS_MAX 10000u
/* The META key prefix of the node's local table of indicator -> Measure URL
 * links (`fhir_measure` in the files `indicator define` reads): the
 * indicator record has no field for it, so it is the node's own knowledge. */
#define HLN_FHIR_META_PREFIX "fhir.measure."

typedef struct {
    char code[HLN_CODE_MAX + 1];
    char url[HLN_MAP_URL_MAX + 1];
} hln_fhir_measure_link;

/* Every link held (sorted by code); *links malloc'd (NULL when none). HLN_ESTORE. */
int hln_fhir_links_load(hln_store *s, hln_fhir_measure_link **links, size_t *n);
/* Keep (url non-empty) or drop (url "" or NULL) the link of `code`. HLN_EINVAL, HLN_ESTORE. */
int hln_fhir_link_set(hln_store *s, const char *code, const char *url);

typedef struct {
    const hln_map *map; /* may be NULL */
    const hln_node_def *defs;
    size_t ndefs;
    const hln_fhir_measure_link *links;
    size_t nlinks;
    const char *unit; /* --unit: "-" the node itself, NULL none */
    bool strict;      /* an undeclared stratum is an error, not a note */
} hln_fhir_import_opts;

/* Read one MeasureReport or a Bundle of them (JSON, untrusted) and turn each
 * summary report into observations in `csv` (source row: the report's
 * 1-based place in the file). *outcomes (malloc'd, *noc of them, one per
 * report) say what became of each; a note (a stratum left out, a
 * measureScore the counts contradict) is in the reason of an imported one.
 * *n_refused counts the errors. A file that is neither goes to cb and
 * HLN_EINVAL is returned; HLN_ETOOBIG, HLN_ENOMEM. */
int hln_fhir_import(const char *buf, size_t len, const hln_fhir_import_opts *o,
                    hln_interop_problem_cb cb, void *ctx, hln_interop_csv *csv,
                    hln_interop_outcome **outcomes, size_t *noc, size_t *n_refused);

/* The IG's proportion scoring: (numerator - numerator-exclusion) /
 * (denominator - denominator-exclusion - denominator-exception), counts
 * absent taken as 0. false when a count is negative or a result would be
 * (*why says which). */
bool hln_fhir_score(int64_t num, int64_t numex, int64_t den, int64_t denex, int64_t denexcep,
                    uint64_t *x, uint64_t *n, const char **why);

/* The Measure URL of an indicator: its link, else "urn:hln:indicator:CODE". */
void hln_fhir_measure_url(const hln_fhir_measure_link *links, size_t n, const char *code,
                          char out[HLN_MAP_URL_MAX + 1]);

/* One Bundle (type collection) with the indicator as a Measure, a summary
 * MeasureReport per unit that counted in `r` (suppressed units as reports
 * with no counts are left out), and one for the pooled value (with the ABC
 * as an extension). `own` is the node's key (its units are named by code
 * alone). HLN_EIO, HLN_ENOMEM, HLN_EINVAL. */
int hln_fhir_write_bundle(FILE *f, const hln_indicator *def, const char *url,
                          const hln_bench_result *r, const uint8_t own[HLN_KEY_LEN]);

#endif
