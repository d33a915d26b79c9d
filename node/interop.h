/* interop.h - what DHIS2 and FHIR import/export share: the map file, periods, counts, the CSV hand-off. */
#ifndef HLN_INTEROP_H
#define HLN_INTEROP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto/record.h"
#include "store/store.h"

#define HLN_MAP_FILE_MAX (1u << 20)
#define HLN_MAP_ID_MAX 64   /* DHIS2 UIDs (11), codes (50), FHIR references */
#define HLN_MAP_URL_MAX 255 /* a FHIR canonical URL */
#define HLN_MAP_ENTRIES_MAX 10000

/* Problems with a file: the 1-based line (or row) and a sanitized reason. */
typedef void (*hln_interop_problem_cb)(void *ctx, unsigned long line, const char *reason);

/* One [indicator CODE] section of a map file (docs/INTEROP.md). */
typedef struct {
    char code[HLN_CODE_MAX + 1];
    char num_de[HLN_MAP_ID_MAX + 1], num_coc[HLN_MAP_ID_MAX + 1]; /* coc "": any, via [strata] */
    char den_de[HLN_MAP_ID_MAX + 1], den_coc[HLN_MAP_ID_MAX + 1];
    char pooled_de[HLN_MAP_ID_MAX + 1]; /* export: the pooled value; "" none */
    char abc_de[HLN_MAP_ID_MAX + 1];    /* export: the ABC; "" none */
    char fhir_measure[HLN_MAP_URL_MAX + 1];
    unsigned long line;
} hln_map_indicator;

/* A key = value pair of [units], [strata] or [dimensions]. */
typedef struct {
    char from[HLN_MAP_ID_MAX + 1];
    char to[HLN_CODE_MAX + 1]; /* units: "" is the node itself (written "-") */
    unsigned long line;
} hln_map_pair;

typedef struct {
    hln_map_indicator *ind;
    size_t n_ind;
    hln_map_pair *units; /* DHIS2 orgUnit UID or code, FHIR reporter reference -> unit */
    size_t n_units;
    hln_map_pair *strata; /* DHIS2 category option combo -> stratum ("" the total) */
    size_t n_strata;
    hln_map_pair *dims; /* FHIR stratifier code -> hln dimension */
    size_t n_dims;
    char org_unit[HLN_MAP_ID_MAX + 1]; /* [export] org_unit: where pooled and ABC go */
    char data_set[HLN_MAP_ID_MAX + 1]; /* [export] data_set, "" none */
    char attr_coc[HLN_MAP_ID_MAX + 1]; /* [export] attribute_option_combo, "" none */
} hln_map;

/* Parse a map file (INI, untrusted). On success *out is a new map (free with
 * hln_map_destroy). Every problem goes to cb (may be NULL) and HLN_ECONFIG
 * is returned; HLN_ETOOBIG, HLN_ENOMEM. */
int hln_map_parse(const char *buf, size_t len, hln_interop_problem_cb cb, void *ctx, hln_map **out);
void hln_map_destroy(hln_map **m);

/* Look-ups; NULL when the map does not name it. */
const hln_map_indicator *hln_map_indicator_of(const hln_map *m, const char *code);
/* A binary search: hln_map_parse leaves units, strata and dims sorted by `from`. */
const hln_map_pair *hln_map_pair_find(const hln_map_pair *p, size_t n, const char *from);
/* The pair earliest in the file whose `to` is `to` (reverse look-up for export). */
const hln_map_pair *hln_map_pair_rfind(const hln_map_pair *p, size_t n, const char *to);

/* A whole non-negative count as DHIS2 and FHIR carry it ("12", not "12.0",
 * "-1" or "1e3"), at most 10^12. */
bool hln_interop_count(const char *s, uint64_t *out);

/* The hln period that covers exactly the calendar month, quarter or year
 * from..to (ISO dates "YYYY-MM-DD", or date-times whose date part is taken
 * when the time is midnight at the start / end of day). false otherwise. */
bool hln_interop_period_of_range(const char *start, const char *end, char out[HLN_PERIOD_MAX + 1]);

/* The first and last day of an hln period, "YYYY-MM-DD". false if invalid. */
bool hln_interop_period_range(const char *period, char start[11], char end[11]);

/* What became of one value of a foreign file (a DHIS2 data value, a FHIR
 * population count or report). */
typedef enum {
    HLN_IMPORT_IMPORTED = 0, /* part of an observation */
    HLN_IMPORT_IGNORED = 1,  /* the map does not name it (or it is deleted): counted, not guessed */
    HLN_IMPORT_REFUSED = 2,  /* an error: nothing is imported */
} hln_import_status;

typedef struct {
    unsigned long row; /* DHIS2: the value's place or line; FHIR: the report's place */
    hln_import_status status;
    long obs;         /* imported: its observation's place in the CSV (0-based), else -1 */
    char reason[256]; /* sanitized; "" when imported */
} hln_interop_outcome;

/* Observations to hand to hln_node_publish_csv: a six-column CSV built row
 * by row, with the source row of each CSV line kept so that a problem the
 * publish checks find is reported against the source row. */
typedef struct {
    char *buf;
    size_t len, cap;
    unsigned long *src; /* src[k]: the source row of CSV line k+2 */
    size_t n, capn;
    bool oom;
} hln_interop_csv;

void hln_interop_csv_init(hln_interop_csv *c);
void hln_interop_csv_add(hln_interop_csv *c, unsigned long src, const hln_observation *o);
/* The source row of CSV line `line` (0 for the header or out of range). */
unsigned long hln_interop_csv_src(const hln_interop_csv *c, unsigned long line);
void hln_interop_csv_free(hln_interop_csv *c);

/* true if the node's own feed holds an observation (latest, not retracted)
 * for the same indicator, period, unit and stratum: an import "updates" it. */
bool hln_interop_held(hln_store *s, const uint8_t author[HLN_KEY_LEN], const hln_observation *o);

#endif
