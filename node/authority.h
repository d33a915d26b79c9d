/* authority.h - what an authority does for the nodes below it: stand up ready to admit, adopt a higher catalogue. */
#ifndef HLN_AUTHORITY_H
#define HLN_AUTHORITY_H

#include <stddef.h>
#include <stdint.h>

#include "node/node.h"

/* Make the open node `n`, initialised at an authority level (subnational,
 * national or global), ready to admit (docs/GOVERNANCE.md §12): it anchors
 * itself with the level and jurisdiction of its settings and publishes its
 * self-description (a member record about itself, every role, from now, no
 * end) in the scope where the nodes that anchor it look for it: global for
 * the global and national levels, the country for a subnational one. Doing
 * it twice re-anchors and describes again, harmlessly. *seq (may be NULL)
 * gets the self-description's seq. HLN_EINVAL (an organization, or no
 * jurisdiction), HLN_ETRUST with `why`, HLN_ESTATE, HLN_ESTORE, HLN_ENOMEM. */
int hln_authority_setup(hln_node *n, uint64_t *seq, char *why, size_t whylen);

/* What adopting did. */
typedef struct {
    size_t adopted;  /* definitions written under this node's key */
    size_t current;  /* already adopted at that version: nothing to do */
    size_t skipped;  /* held, but not from an authority above this node */
    char scope[8];   /* where the copies went */
    uint64_t first_seq;
} hln_authority_adopt_result;

/* Adopt the catalogue of the authorities above this one: every indicator
 * definition in force (hln_trust_indicator) whose author stands at a higher
 * level than this node is re-signed, identical (code, version, every field),
 * by this node in `scope` (NULL: its country), so that the nodes that
 * anchor only this authority receive it (docs/GOVERNANCE.md §9, §12). A
 * definition this node already signed at the same version is left alone;
 * a newer version upstream is adopted again. All the copies go in one
 * batch. HLN_EINVAL (an organization, or a scope outside the node's
 * powers: `why` says), HLN_ETRUST (`why`), HLN_ESTATE, HLN_ESTORE,
 * HLN_ENOMEM. */
int hln_authority_adopt(hln_node *n, const char *scope, hln_authority_adopt_result *res,
                        char *why, size_t whylen);

#endif
