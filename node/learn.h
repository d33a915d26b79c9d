/* learn.h - the learning records a node holds: collaboratives (latest version), targets, lessons. */
#ifndef HLN_LEARN_H
#define HLN_LEARN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "node/trust.h"
#include "proto/record.h"
#include "store/store.h"

/* Where a record came from. */
typedef struct {
    uint8_t author[HLN_KEY_LEN];
    char scope[HLN_SCOPE_MAX + 1];
    uint64_t seq, timestamp_ms;
    uint8_t id[HLN_HASH_LEN];
} hln_learn_origin;

typedef struct {
    hln_learn_origin o;
    hln_collaborative c; /* the latest version by its authority */
    uint64_t created_ms; /* the first version's time */
} hln_learn_collab;

typedef struct {
    hln_learn_origin o;
    hln_target t;
} hln_learn_target;

typedef struct {
    hln_learn_origin o;
    hln_lesson l;
    bool retracted; /* withdrawn by its author (kept, shown as such) */
} hln_learn_lesson;

typedef struct hln_learn hln_learn;

/* Read every collaborative, target and lesson held whose author was
 * entitled to write it (hln_trust_may_author), with the retractions of
 * their authors; erased lessons are gone. For a collaborative code, the
 * authority whose first record of it is the earliest owns it (then the
 * smaller record id), and its latest record (time, then seq) stands. For a
 * target, the latest of an author per (scope, collaborative, indicator,
 * stratum). *out is new (hln_learn_destroy). HLN_ENOMEM, store errors. */
int hln_learn_load(hln_store *s, hln_trust *t, hln_learn **out);
void hln_learn_destroy(hln_learn **l);

/* Borrowed arrays, valid until destroy: collaboratives by code, targets and
 * lessons by (time, id). */
const hln_learn_collab *hln_learn_collabs(const hln_learn *l, size_t *n);
const hln_learn_target *hln_learn_targets(const hln_learn *l, size_t *n);
const hln_learn_lesson *hln_learn_lessons(const hln_learn *l, size_t *n);

/* The collaborative with this code, or NULL. */
const hln_learn_collab *hln_learn_collab_find(const hln_learn *l, const char *code);

/* true if `key` is a member of the collaborative. */
bool hln_learn_collab_has(const hln_learn_collab *c, const uint8_t key[HLN_KEY_LEN]);

/* The target in force for an indicator and stratum (""): with `collab`,
 * that collaborative's target by its authority; without, the target for
 * the most specific scope containing `jurisdiction` (NULL: any scope).
 * NULL when none. */
const hln_learn_target *hln_learn_target_for(const hln_learn *l, const char *indicator,
                                             const char *stratum, const hln_learn_collab *collab,
                                             const char *jurisdiction);

#endif
