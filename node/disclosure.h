/* disclosure.h - small-cell and complementary suppression before publishing. */
#ifndef HLN_DISCLOSURE_H
#define HLN_DISCLOSURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto/record.h"

/* The floor: no policy or configuration can make the minimum cell smaller. */
#define HLN_MIN_CELL_DEFAULT 11u
/* A minimum cell above this is a typing error, not a policy. */
#define HLN_MIN_CELL_MAX 1000000u

typedef enum {
    HLN_SUPP_NONE = 0,       /* published with its counts */
    HLN_SUPP_SMALL = 1,      /* primary: one of its own counts is small */
    HLN_SUPP_COMPLEMENT = 2, /* secondary: it would let a suppressed cell be recovered */
} hln_supp_reason;

/* One observation to publish. The caller fills obs (suppressed false, real
 * counts) and kind; hln_disclosure_apply fills the rest. The counts in obs
 * are left as they are: whoever builds the record withholds them. */
typedef struct {
    hln_observation obs;
    uint32_t kind;          /* hln_kind of the indicator */
    hln_supp_reason reason; /* out */
    char why[160];          /* out: a human reason when suppressed, "" otherwise */
} hln_disclosure_item;

/* The strictest of the floor, a configured value (0: none) and the policy
 * minimums in force (n of them). */
uint32_t hln_disclosure_min_cell(uint32_t configured, const uint32_t *policies, size_t n);

/* Which count of one observation is small (0 < c < min_cell): 0 if none,
 * else 1 numerator, 2 denominator, 3 denominator - numerator (proportions
 * only: for a rate the denominator is an exposure, not a count of people). */
int hln_disclosure_small(uint32_t kind, uint64_t numerator, uint64_t denominator,
                         uint32_t min_cell);

/* Apply primary and complementary suppression to `n` items (any order; they
 * are grouped by indicator, period and unit; strata group into dimensions
 * by the text before '=' in their code). The rules and worked examples are
 * in docs/DISCLOSURE.md. HLN_EINVAL if min_cell is below the floor. */
int hln_disclosure_apply(hln_disclosure_item *items, size_t n, uint32_t min_cell);

#endif
