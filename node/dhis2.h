/* dhis2.h - DHIS2 dataValueSets (JSON, bulk JSON, CSV) into hln observations and back. */
#ifndef HLN_DHIS2_H
#define HLN_DHIS2_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "node/interop.h"
#include "proto/record.h"

#define HLN_DHIS2_FILE_MAX (16u << 20)
#define HLN_DHIS2_VALUES_MAX 100000u
#define HLN_DHIS2_FIELD_MAX 64 /* longer UIDs, codes and periods are cut and then match nothing */
/* The default category option combo of every DHIS2 instance: the total. */
#define HLN_DHIS2_DEFAULT_COC "HllvX50cXC0"

typedef enum { HLN_DHIS2_JSON = 0, HLN_DHIS2_JSON_BULK = 1, HLN_DHIS2_CSV = 2 } hln_dhis2_format;

/* One data value as the file gives it; strings are NUL-terminated copies. */
typedef struct {
    unsigned long row; /* JSON: 1-based place in dataValues; CSV: the line */
    char de[HLN_DHIS2_FIELD_MAX + 1], period[HLN_DHIS2_FIELD_MAX + 1];
    char ou[HLN_DHIS2_FIELD_MAX + 1], coc[HLN_DHIS2_FIELD_MAX + 1];
    char aoc[HLN_DHIS2_FIELD_MAX + 1], value[HLN_DHIS2_FIELD_MAX + 1];
    bool deleted;
} hln_dhis2_value;

/* Parse a dataValueSets payload (untrusted), its form told by content: a JSON
 * object with dataValues (period/orgUnit on the set or on each value), or
 * the CSV form (dataelement,period,orgunit,catoptcombo,attroptcombo,value,
 * ...; the header line is optional). On success *vals (malloc'd, the caller
 * frees) holds *n values and *format the form. A file that is none of them
 * goes to cb and HLN_EINVAL is returned; HLN_ETOOBIG, HLN_ENOMEM. */
int hln_dhis2_parse(const char *buf, size_t len, hln_interop_problem_cb cb, void *ctx,
                    hln_dhis2_value **vals, size_t *n, hln_dhis2_format *format);

/* DHIS2's period text as an hln period: 202609 -> 2026-09, 2026Q3 -> 2026-Q3,
 * 2026 -> 2026. false for any other period type; *why then names it
 * ("weekly", "six-monthly", "financial year (April)", ...). */
bool hln_dhis2_period(const char *p, char out[HLN_PERIOD_MAX + 1], const char **why);

/* The hln period as DHIS2 writes it (the reverse). false if invalid. */
bool hln_dhis2_period_out(const char *period, char out[HLN_PERIOD_MAX + 1]);

/* Turn values into observations through the map: each (indicator, period,
 * unit, stratum) with both its numerator and denominator goes to `csv`
 * (source row: the numerator's row). *outcomes (malloc'd, one per value, in
 * order) says what became of each; *n_refused counts the errors (then the
 * import must not go on). HLN_ENOMEM. */
int hln_dhis2_convert(const hln_dhis2_value *vals, size_t n, const hln_map *m, hln_interop_csv *csv,
                      hln_interop_outcome **outcomes, size_t *n_refused);

/* One value to export. */
typedef struct {
    const char *de, *coc, *ou; /* coc NULL: none written */
    char value[40];
} hln_dhis2_out_value;

/* Write a dataValueSets JSON object (period in DHIS2's form; dataSet and
 * attributeOptionCombo when the map names them) to f. HLN_EIO, HLN_ENOMEM. */
int hln_dhis2_write(FILE *f, const hln_map *m, const char *period, const hln_dhis2_out_value *v,
                    size_t n);

#endif
