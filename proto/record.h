/* record.h - hln's signed record types: build, seal, encode, strictly decode, verify. */
#ifndef HLN_RECORD_H
#define HLN_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../crypto/crypto.h"

#define HLN_FORMAT_VERSION 1

/* Limits (docs/PROTOCOL.md repeats them; the decoder enforces them). */
#define HLN_SCOPE_MAX 6     /* "global", "CA", "CA-ON", "GB-ENG" */
#define HLN_CODE_MAX 64     /* indicator codes, units, strata */
#define HLN_PERIOD_MAX 7    /* "2026", "2026-Q3", "2026-09" */
#define HLN_NAME_MAX 128    /* display names, titles, reasons (UTF-8 bytes) */
#define HLN_DESC_MAX 1024   /* indicator descriptions (UTF-8 bytes) */
#define HLN_STRATA_MAX 24   /* strata an indicator may be split by (esp2013: 19 age bands) */
#define HLN_OBS_EXTRA_MAX 4 /* extra statistics an observation may carry */
#define HLN_ENDPOINT_MAX 128
#define HLN_ENDPOINTS_MAX 4
#define HLN_ENV_MAX 256     /* encoded envelope */
#define HLN_BODY_MAX 4096   /* encoded body */
#define HLN_AIM_MAX 512            /* a collaborative's aim statement (UTF-8 bytes) */
#define HLN_IDEA_TEXT_MAX 256      /* a change idea's short text */
#define HLN_IDEAS_MAX 8            /* change ideas in a change package, numbered 1.. */
#define HLN_COLLAB_INDICATORS_MAX 8
#define HLN_COLLAB_MEMBERS_MAX 64
#define HLN_LESSON_TEXT_MAX 1024
#define HLN_LESSON_INDICATORS_MAX 4
/* Observation counts stay exactly representable as IEEE doubles (JSON). */
#define HLN_COUNT_MAX ((UINT64_C(1) << 53) - 1)
/* The transport form: a msgpack array [envelope bin, signature bin, body bin|nil]. */
#define HLN_RECORD_MAX (16 + HLN_ENV_MAX + HLN_SIG_LEN + HLN_BODY_MAX)

typedef enum {
    HLN_REC_MEMBER = 1,
    HLN_REC_REVOKE = 2,
    HLN_REC_INDICATOR = 3,
    HLN_REC_POLICY = 4,
    HLN_REC_OBSERVATION = 5,
    HLN_REC_RETRACT = 6,
    HLN_REC_ADDRESS = 7,
    HLN_REC_TARGET = 8,
    HLN_REC_COLLABORATIVE = 9,
    HLN_REC_LESSON = 10,
} hln_rec_type;
#define HLN_REC_LAST HLN_REC_LESSON

typedef enum {
    HLN_LEVEL_ORGANIZATION = 0,
    HLN_LEVEL_SUBNATIONAL = 1,
    HLN_LEVEL_NATIONAL = 2,
    HLN_LEVEL_GLOBAL = 3,
} hln_level;

typedef enum { HLN_DOMAIN_PROCESS = 0, HLN_DOMAIN_EXPERIENCE = 1, HLN_DOMAIN_OUTCOME = 2, HLN_DOMAIN_COST = 3 } hln_domain;
/* dsr: a directly standardised rate; its strata are the standard's bands
 * (docs/BENCHMARKS.md, "Standardised rates"). */
/* mean: a mean of whole values (cost, length of stay) carried as n, sum
 * and sum of squares; its multiplier is the values' scale (100: values
 * in hundredths) (docs/BENCHMARKS.md, "Means"). */
typedef enum {
    HLN_KIND_PROPORTION = 0,
    HLN_KIND_RATE = 1,
    HLN_KIND_DSR = 2,
    HLN_KIND_MEAN = 3,
    HLN_KIND_ISR = 4 /* an indirectly standardised ratio: observed / expected */
} hln_kind;
typedef enum { HLN_DIR_HIGHER = 0, HLN_DIR_LOWER = 1 } hln_direction;
typedef enum { HLN_FUNNEL_EXACT = 0, HLN_FUNNEL_WILSON = 1 } hln_funnel_method;

/* Member roles (a bit set). */
#define HLN_ROLE_PUBLISH 1u   /* may author observations */
#define HLN_ROLE_ADMIT 2u     /* may author member and revoke records */
#define HLN_ROLE_CATALOGUE 4u /* may author indicator and policy records */

/* A feed: the pair (author, scope). */
typedef struct {
    uint8_t author[HLN_KEY_LEN];
    char scope[HLN_SCOPE_MAX + 1]; /* NUL-terminated, NUL-padded */
} hln_feed_id;

typedef struct {
    uint32_t version; /* HLN_FORMAT_VERSION */
    uint32_t type;    /* hln_rec_type */
    uint8_t author[HLN_KEY_LEN];
    char scope[HLN_SCOPE_MAX + 1];
    uint64_t seq;  /* 1, 2, 3, ... within the feed */
    bool has_prev; /* false exactly when seq == 1 */
    uint8_t prev[HLN_HASH_LEN];
    uint64_t timestamp_ms; /* the author's clock, informational */
    uint8_t body_hash[HLN_HASH_LEN];
    uint32_t body_len;
} hln_envelope;

typedef struct {
    uint8_t subject[HLN_KEY_LEN];
    char name[HLN_NAME_MAX + 1];
    uint32_t level; /* hln_level */
    char jurisdiction[HLN_SCOPE_MAX + 1];
    uint32_t roles;          /* HLN_ROLE_* */
    uint64_t valid_from_ms;  /* in force from */
    uint64_t valid_until_ms; /* 0: no end */
} hln_member;

/* Feeds a rotation names, at most (docs/GOVERNANCE.md §5a). */
#define HLN_ROTATE_CLOSES_MAX 4

/* One of the old key's feeds a rotation keeps: its records up to `seq`
 * stay valid, later ones are refused (0: none stays valid). */
typedef struct {
    char scope[HLN_SCOPE_MAX + 1];
    uint64_t seq;
} hln_close;

/* A revocation, or (rotate set) a key rotation: the subject's standing
 * passes to `successor` from from_ms, and each feed named in `closes` is
 * closed at its seq (body keys 3 and 4, absent in a plain revocation). */
typedef struct {
    uint8_t subject[HLN_KEY_LEN];
    uint64_t from_ms; /* records by the subject dated from here on are void */
    char reason[HLN_NAME_MAX + 1];
    bool rotate;
    uint8_t successor[HLN_KEY_LEN]; /* differs from subject */
    uint32_t n_closes;              /* 0..HLN_ROTATE_CLOSES_MAX, scopes strictly ascending */
    hln_close closes[HLN_ROTATE_CLOSES_MAX];
} hln_revoke;

typedef struct {
    char code[HLN_CODE_MAX + 1]; /* namespaced: "mhpc.depression-screening" */
    uint32_t version;
    char title[HLN_NAME_MAX + 1];
    uint32_t domain;     /* hln_domain */
    uint32_t kind;       /* hln_kind */
    uint32_t multiplier; /* rates shown per `multiplier` (1 for proportions) */
    uint32_t direction;  /* hln_direction */
    uint32_t method;     /* hln_funnel_method */
    uint32_t n_strata;
    char strata[HLN_STRATA_MAX][HLN_CODE_MAX + 1];
    char description[HLN_DESC_MAX + 1];
    /* kind dsr only (body keys 10 and 11, absent otherwise): the standard
     * population's name ("esp2013") and weights[i], the standard
     * population of strata[i]. */
    char standard[HLN_CODE_MAX + 1];
    uint32_t weights[HLN_STRATA_MAX];
    /* kind isr only (body keys 10, 11 and 12, absent otherwise): `standard`
     * names the reference ("custom"), ref_events[i] and ref_pop[i] (> 0) are
     * the reference's events and population in strata[i], so every publisher
     * computes the same expected counts (docs/BENCHMARKS.md, "Indirectly
     * standardised ratios"). */
    uint64_t ref_events[HLN_STRATA_MAX], ref_pop[HLN_STRATA_MAX];
} hln_indicator;

typedef struct {
    char jurisdiction[HLN_SCOPE_MAX + 1];
    uint32_t min_cell;
} hln_policy;

typedef struct {
    char indicator[HLN_CODE_MAX + 1];
    char period[HLN_PERIOD_MAX + 1];
    char unit[HLN_CODE_MAX + 1];    /* "" : the author's own node */
    char stratum[HLN_CODE_MAX + 1]; /* "" : the total */
    uint64_t numerator;
    uint64_t denominator; /* exposure for rates */
    bool suppressed;      /* counts withheld: numerator = denominator = 0 */
    /* Sufficient statistics beyond the two counts (body key 7, absent when
     * n_extra is 0, so that other observations encode as before). A dsr
     * observation: numerator = events, denominator = population, extra =
     * {IEEE-754 bits of the DSR per person, bits of its variance}. */
    uint32_t n_extra;
    uint64_t extra[HLN_OBS_EXTRA_MAX];
} hln_observation;

typedef struct {
    uint8_t target[HLN_HASH_LEN]; /* id of the withdrawn record, same author */
    bool erase;                   /* drop the withdrawn record's body everywhere */
    char reason[HLN_NAME_MAX + 1];
} hln_retract;

typedef struct {
    uint32_t n;
    char endpoints[HLN_ENDPOINTS_MAX][HLN_ENDPOINT_MAX + 1];
} hln_address;

/* A target: reach `value_micro` / 10^6 on the indicator by period `by`,
 * in the feed's scope (its jurisdiction) or, when `collaborative` is set,
 * for that collaborative's members. The value is in the indicator's own
 * scale: a proportion (0..1, so at most 10^6) or a rate per its multiplier. */
typedef struct {
    char indicator[HLN_CODE_MAX + 1];
    char stratum[HLN_CODE_MAX + 1];       /* "" : the total */
    char collaborative[HLN_CODE_MAX + 1]; /* "" : the whole jurisdiction */
    uint64_t value_micro;
    char by[HLN_PERIOD_MAX + 1];
} hln_target;

typedef struct {
    char title[HLN_NAME_MAX + 1];
    char text[HLN_IDEA_TEXT_MAX + 1]; /* may hold LF */
} hln_idea;

/* A learning collaborative, as its authority last wrote it: the latest
 * record for a code stands (members are added and removed by new versions). */
typedef struct {
    char code[HLN_CODE_MAX + 1]; /* unit pattern: "on-dep-2025" */
    char name[HLN_NAME_MAX + 1];
    char aim[HLN_AIM_MAX + 1]; /* may hold LF */
    uint32_t n_indicators;     /* 1.., strictly ascending */
    char indicators[HLN_COLLAB_INDICATORS_MAX][HLN_CODE_MAX + 1];
    char start[HLN_PERIOD_MAX + 1]; /* first period of the collaborative */
    char end[HLN_PERIOD_MAX + 1];   /* last period */
    uint32_t n_members;             /* organization keys, strictly ascending bytes */
    uint8_t members[HLN_COLLAB_MEMBERS_MAX][HLN_KEY_LEN];
    uint32_t n_ideas; /* the change package: idea k is ideas[k - 1] */
    hln_idea ideas[HLN_IDEAS_MAX];
} hln_collaborative;

typedef enum {
    HLN_RESULT_WORKED = 0,
    HLN_RESULT_DID_NOT_WORK = 1,
    HLN_RESULT_MIXED = 2,
    HLN_RESULT_TOO_EARLY = 3,
} hln_lesson_result;

/* A lesson: what a team changed and what happened. `text` and `change`
 * must pass the identifier screen (proto/screen.h). */
typedef struct {
    uint32_t n_indicators; /* 1.., strictly ascending */
    char indicators[HLN_LESSON_INDICATORS_MAX][HLN_CODE_MAX + 1];
    char period[HLN_PERIOD_MAX + 1];
    char unit[HLN_CODE_MAX + 1];          /* "" : the author's own node */
    char collaborative[HLN_CODE_MAX + 1]; /* "" : none */
    uint32_t idea;                        /* the collaborative's idea number; 0: none */
    char change[HLN_NAME_MAX + 1];        /* the change in free words ("" with an idea) */
    uint32_t result;                      /* hln_lesson_result */
    char text[HLN_LESSON_TEXT_MAX + 1];   /* 1.. bytes, may hold LF */
} hln_lesson;

typedef union {
    hln_member member;
    hln_revoke revoke;
    hln_indicator indicator;
    hln_policy policy;
    hln_observation observation;
    hln_retract retract;
    hln_address address;
    hln_target target;
    hln_collaborative collaborative;
    hln_lesson lesson;
} hln_body;

/* A record, decoded, with its bytes. `raw` holds the transport form; the
 * envelope and body bytes are slices of it. */
typedef struct {
    hln_envelope env;
    bool has_body; /* false once the body is erased */
    hln_body body;
    uint8_t id[HLN_HASH_LEN]; /* BLAKE2b-256 of the encoded envelope */
    uint8_t sig[HLN_SIG_LEN];
    size_t env_off, env_len;   /* the encoded envelope within raw */
    size_t body_off, body_len; /* the encoded body within raw (0 if erased) */
    size_t raw_len;
    uint8_t raw[HLN_RECORD_MAX];
} hln_record;

/* Prepare `r` for building: zero it (all but the raw bytes), set version, type, author, scope, seq,
 * prev (NULL for seq 1) and timestamp. Fill r->body afterwards. */
void hln_record_init(hln_record *r, hln_rec_type type, const uint8_t author[HLN_KEY_LEN],
                     const char *scope, uint64_t seq, const uint8_t *prev, uint64_t ts_ms);

/* Validate every field, encode body and envelope canonically, sign with `id`
 * (whose key must be the author) and fill id, sig and raw. HLN_EINVAL with a
 * message naming the field in `err` (may be NULL) when a field is invalid. */
int hln_record_seal(hln_record *r, const hln_identity *id, char *err, size_t errlen);

/* hln_record_seal in two halves, so that the signatures of a batch can be
 * made on several cores: a record's id is the hash of its envelope, which
 * names the previous record's id but not its signature, so a feed's chain
 * is built in order by hln_record_seal_unsigned (everything but the
 * signature, which is left zero) and hln_record_sign then signs each
 * record, in any order, on any thread (it reads `id` only). */
int hln_record_seal_unsigned(hln_record *r, const hln_identity *id, char *err, size_t errlen);
void hln_record_sign(hln_record *r, const hln_identity *id);

/* Re-create the canonical bytes of `r` from its fields and its present
 * signature, without signing: validates every field as seal does, encodes
 * body (if present: body_hash and body_len are recomputed) and envelope, and
 * fills id and raw. For tests, fuzzing and repair; a decoded record encodes
 * back to exactly the bytes it came from. HLN_EDECODE / HLN_ETOOBIG /
 * HLN_EVERSION with the field named in `err`. */
int hln_record_encode(hln_record *r, char *err, size_t errlen);

/* Strictly decode the transport form of an untrusted record: size cap,
 * structure, canonical form, field types, sizes and patterns, the body
 * against its hash. Does not check the signature (hln_record_verify).
 * HLN_EDECODE / HLN_EVERSION / HLN_ETOOBIG / HLN_EHASH, with the field named
 * in `err`. `r` is undefined on failure. */
int hln_record_decode(const uint8_t *buf, size_t len, hln_record *r, char *err, size_t errlen);

/* hln_record_decode for a record the store took in earlier, read back
 * from it with the id it recorded then: every structural and field check
 * as above, but neither hash (the body against envelope.body_hash, the
 * envelope into the id), which the store checked when the record came in
 * and `hlnctl verify` checks again. Those hashes are about half the cost
 * of decoding a small record; the governance walk every command starts
 * with uses this. Never for bytes from a peer or a file. HLN_EINVAL when
 * id is NULL. */
int hln_record_decode_stored(const uint8_t *buf, size_t len, const uint8_t id[HLN_HASH_LEN],
                             hln_record *r, char *err, size_t errlen);

/* The record type that the envelope of an encoded record names, read
 * without decoding the rest (a filter before hln_record_decode, which
 * alone judges the record). HLN_EDECODE when the bytes do not start as a
 * record of this format does. */
int hln_record_peek_type(const uint8_t *buf, size_t len, uint32_t *type);

/* Check the author's signature over the envelope bytes. 0 or HLN_ESIG. */
int hln_record_verify(const hln_record *r);

/* Drop the body (an erasure): raw is re-encoded with a nil body; the id and
 * signature stay valid. */
void hln_record_erase_body(hln_record *r);

/* The feed the record belongs to. */
void hln_record_feed(const hln_record *r, hln_feed_id *feed);

/* "member", "observation", ...; "unknown" otherwise. */
const char *hln_rec_type_name(uint32_t type);
/* Parse a type name; HLN_EINVAL if unknown. */
int hln_rec_type_parse(const char *name, uint32_t *type);

/* A one-line human summary of the body ("mhpc.dep-screen 2026-09 unit=... 45/120"),
 * sanitized for terminals and logs. */
void hln_record_summary(const hln_record *r, char *buf, size_t len);

/* Lesson results: "worked", "did-not-work", "mixed", "too-early". */
const char *hln_lesson_result_name(uint32_t result);
int hln_lesson_result_parse(const char *name, uint32_t *result);

/* Level names: "organization", "subnational", "national", "global". */
const char *hln_level_name(uint32_t level);
int hln_level_parse(const char *name, uint32_t *level);
/* The one rule of which jurisdictions a level may have: global only
 * "global"; national a country ("CA"); subnational a subdivision ("CA-ON");
 * an organization either. The member decoder, trust anchors and hlnctl all
 * ask this. NULL or an unknown level: false. */
bool hln_level_fits(uint32_t level, const char *jurisdiction);

#endif
