/* test_trust.c - anchors, chains, revocation, scopes, replication, policy, catalogue, flags. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"
#include "crypto/err.h"
#include "node/trust.h"
#include "proto/record.h"

/* Times: 2026-01-01T00:00:00Z and one day. */
#define T0 1767225600000ull
#define DAY 86400000ull
#define YEAR (365 * DAY)

/* The cast of one small network, from deterministic seeds:
 * G the global coordinator; CA and FR national authorities; ON (CA-ON) and
 * QC (CA-QC) subnational authorities; H1 a hospital in Ontario, H2 a clinic
 * admitted by CA directly, H3 a hospital in France; X an outsider; N1 and
 * N2 new keys that rotations hand standings to. */
enum { G, CA, FR, ON, QC, H1, H2, H3, X, N1, N2, N_KEYS };
static hln_identity *ids[N_KEYS];

static const uint8_t *pk(int who)
{
    return hln_identity_pk(ids[who]);
}

static int group_setup(void **state)
{
    (void)state;
    if (hln_crypto_init())
        return -1;
    for (int i = 0; i < N_KEYS; i++) {
        uint8_t seed[32];
        memset(seed, 0x40 + i, sizeof seed);
        ids[i] = hln_identity_from_seed(seed);
        if (!ids[i])
            return -1;
    }
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    for (int i = 0; i < N_KEYS; i++)
        hln_identity_destroy(&ids[i]);
    return 0;
}

/* Every test gets a fresh trust object, the global coordinator as anchor. */
static int setup(void **state)
{
    hln_trust *t = hln_trust_new();
    if (!t)
        return -1;
    if (hln_trust_add_anchor(t, pk(G), "coordinator", HLN_LEVEL_GLOBAL, "global"))
        return -1;
    *state = t;
    return 0;
}

static int teardown(void **state)
{
    hln_trust *t = *state;
    hln_trust_destroy(&t);
    return 0;
}

/* ---- building sealed records ---- */

static uint64_t next_seq;

static void start(hln_record *r, hln_rec_type type, int author, const char *scope, uint64_t ts)
{
    static const uint8_t prev[HLN_HASH_LEN] = {1};
    uint64_t seq = ++next_seq;
    hln_record_init(r, type, pk(author), scope, seq, seq > 1 ? prev : NULL, ts);
}

static void seal(hln_record *r, int author)
{
    char err[128] = "";
    int rc = hln_record_seal(r, ids[author], err, sizeof err);
    if (rc)
        fail_msg("seal: %s", err);
}

/* A member record: `issuer` admits `subject` at `level` in `j`, signed at
 * `ts`, in force [from, until). */
static void member_rec(hln_record *r, int issuer, const char *scope, uint64_t ts, int subject,
                       uint32_t level, const char *j, uint64_t from, uint64_t until)
{
    start(r, HLN_REC_MEMBER, issuer, scope, ts);
    hln_member *m = &r->body.member;
    memcpy(m->subject, pk(subject), HLN_KEY_LEN);
    snprintf(m->name, sizeof m->name, "member %d", subject);
    m->level = level;
    snprintf(m->jurisdiction, sizeof m->jurisdiction, "%s", j);
    m->roles = level == HLN_LEVEL_ORGANIZATION
                   ? HLN_ROLE_PUBLISH
                   : HLN_ROLE_PUBLISH | HLN_ROLE_ADMIT | HLN_ROLE_CATALOGUE;
    m->valid_from_ms = from;
    m->valid_until_ms = until;
    seal(r, issuer);
}

static void admit(hln_trust *t, int issuer, const char *scope, int subject, uint32_t level,
                  const char *j)
{
    hln_record r;
    member_rec(&r, issuer, scope, T0, subject, level, j, T0, T0 + 2 * YEAR);
    assert_int_equal(hln_trust_add_record(t, &r), 0);
}

/* The standard chain: G admits CA and FR; CA admits ON, QC and H2; ON
 * admits H1; FR admits H3. */
static void standard_network(hln_trust *t)
{
    admit(t, G, "global", CA, HLN_LEVEL_NATIONAL, "CA");
    admit(t, G, "global", FR, HLN_LEVEL_NATIONAL, "FR");
    admit(t, CA, "CA", ON, HLN_LEVEL_SUBNATIONAL, "CA-ON");
    admit(t, CA, "CA", QC, HLN_LEVEL_SUBNATIONAL, "CA-QC");
    admit(t, CA, "CA", H2, HLN_LEVEL_ORGANIZATION, "CA");
    admit(t, ON, "CA", H1, HLN_LEVEL_ORGANIZATION, "CA-ON");
    admit(t, FR, "FR", H3, HLN_LEVEL_ORGANIZATION, "FR");
}

static void obs_rec(hln_record *r, int author, const char *scope, uint64_t ts)
{
    start(r, HLN_REC_OBSERVATION, author, scope, ts);
    hln_observation *o = &r->body.observation;
    snprintf(o->indicator, sizeof o->indicator, "mhpc.dep-screen");
    snprintf(o->period, sizeof o->period, "2026-09");
    o->numerator = 45;
    o->denominator = 120;
    seal(r, author);
}

static void indicator_rec(hln_record *r, int author, const char *scope, uint64_t ts,
                          const char *code, uint32_t version, const char *title)
{
    start(r, HLN_REC_INDICATOR, author, scope, ts);
    hln_indicator *d = &r->body.indicator;
    snprintf(d->code, sizeof d->code, "%s", code);
    d->version = version;
    snprintf(d->title, sizeof d->title, "%s", title);
    d->kind = HLN_KIND_PROPORTION;
    d->multiplier = 1;
    seal(r, author);
}

static void policy_rec(hln_record *r, int author, const char *scope, uint64_t ts, const char *j,
                       uint32_t min_cell)
{
    start(r, HLN_REC_POLICY, author, scope, ts);
    snprintf(r->body.policy.jurisdiction, sizeof r->body.policy.jurisdiction, "%s", j);
    r->body.policy.min_cell = min_cell;
    seal(r, author);
}

static void revoke_rec(hln_record *r, int author, const char *scope, uint64_t ts, int subject,
                       uint64_t from, const char *reason)
{
    start(r, HLN_REC_REVOKE, author, scope, ts);
    memcpy(r->body.revoke.subject, pk(subject), HLN_KEY_LEN);
    r->body.revoke.from_ms = from;
    snprintf(r->body.revoke.reason, sizeof r->body.revoke.reason, "%s", reason);
    seal(r, author);
}

/* A rotation: `issuer` hands `subject`'s standing to `successor` from
 * `from`, keeping `subject`'s feed in `kept_scope` (NULL: none) up to seq
 * `close`. */
static void rotate_rec(hln_record *r, int issuer, const char *scope, uint64_t ts, int subject,
                       int successor, uint64_t from, const char *kept_scope, uint64_t close)
{
    start(r, HLN_REC_REVOKE, issuer, scope, ts);
    hln_revoke *v = &r->body.revoke;
    memcpy(v->subject, pk(subject), HLN_KEY_LEN);
    v->from_ms = from;
    snprintf(v->reason, sizeof v->reason, "rotated");
    v->rotate = true;
    memcpy(v->successor, pk(successor), HLN_KEY_LEN);
    if (kept_scope) {
        v->n_closes = 1;
        snprintf(v->closes[0].scope, sizeof v->closes[0].scope, "%s", kept_scope);
        v->closes[0].seq = close;
    }
    seal(r, issuer);
}

/* An observation at an exact place in its feed. */
static void obs_at(hln_record *r, int author, const char *scope, uint64_t ts, uint64_t seq)
{
    static const uint8_t prev[HLN_HASH_LEN] = {1};
    hln_record_init(r, HLN_REC_OBSERVATION, pk(author), scope, seq, seq > 1 ? prev : NULL, ts);
    hln_observation *o = &r->body.observation;
    snprintf(o->indicator, sizeof o->indicator, "mhpc.dep-screen");
    snprintf(o->period, sizeof o->period, "2026-09");
    o->numerator = 45;
    o->denominator = 120;
    seal(r, author);
}

/* may_author, with the reason checked when refused. */
static void assert_refused(hln_trust *t, const hln_record *r, const char *reason)
{
    char why[160] = "";
    assert_int_equal(hln_trust_may_author(t, r, why, sizeof why), HLN_ETRUST);
    if (reason && strstr(why, reason) == NULL)
        fail_msg("reason \"%s\" does not contain \"%s\"", why, reason);
}

static void assert_allowed(hln_trust *t, const hln_record *r)
{
    char why[160] = "";
    int rc = hln_trust_may_author(t, r, why, sizeof why);
    if (rc)
        fail_msg("refused: %s", why);
}

/* ---- anchors ---- */

static void anchor_is_trusted_outright(void **state)
{
    hln_trust *t = *state;
    hln_trust_info info;
    assert_int_equal(hln_trust_member(t, pk(G), T0, &info), 0);
    assert_int_equal(info.status, HLN_TRUST_ANCHOR);
    assert_true(info.anchor);
    assert_int_equal(info.level, HLN_LEVEL_GLOBAL);
    assert_string_equal(info.jurisdiction, "global");
    assert_string_equal(info.name, "coordinator");
    hln_record r;
    indicator_rec(&r, G, "global", T0, "mhpc.dep-screen", 1, "Depression screening");
    assert_allowed(t, &r);
}

static void anchor_level_must_fit_its_jurisdiction(void **state)
{
    hln_trust *t = *state;
    assert_int_equal(hln_trust_add_anchor(t, pk(CA), NULL, HLN_LEVEL_NATIONAL, "CA-ON"),
                     HLN_EINVAL);
    assert_int_equal(hln_trust_add_anchor(t, pk(CA), NULL, HLN_LEVEL_GLOBAL, "CA"), HLN_EINVAL);
    assert_int_equal(hln_trust_add_anchor(t, pk(CA), NULL, HLN_TRUST_LEVEL_ANY, "CA"), HLN_EINVAL);
    assert_int_equal(hln_trust_add_anchor(t, pk(CA), NULL, HLN_LEVEL_NATIONAL, "CA"), 0);
    assert_int_equal(hln_trust_add_anchor(t, pk(CA), NULL, HLN_LEVEL_NATIONAL, "CA"), HLN_EEXIST);
}

static void anchor_without_level_learns_it_from_its_self_signed_member_record(void **state)
{
    hln_trust *t = hln_trust_new();
    (void)state;
    assert_int_equal(hln_trust_add_anchor(t, pk(CA), "Canada", HLN_TRUST_LEVEL_ANY, NULL), 0);
    /* Until it describes itself, the operator's word stands: anything. */
    hln_record fr_admit;
    member_rec(&fr_admit, CA, "FR", T0, H3, HLN_LEVEL_ORGANIZATION, "FR", T0, 0);
    assert_allowed(t, &fr_admit);
    hln_trust_info info;
    assert_int_equal(hln_trust_member(t, pk(CA), T0, &info), 0);
    assert_int_equal(info.level, HLN_TRUST_LEVEL_ANY);

    hln_record self;
    member_rec(&self, CA, "global", T0, CA, HLN_LEVEL_NATIONAL, "CA", T0, 0);
    assert_int_equal(hln_trust_add_record(t, &self), 0);
    assert_int_equal(hln_trust_member(t, pk(CA), T0, &info), 0);
    assert_int_equal(info.level, HLN_LEVEL_NATIONAL);
    assert_string_equal(info.jurisdiction, "CA");
    assert_string_equal(info.name, "Canada");
    assert_refused(t, &fr_admit, "scope FR is outside author's jurisdiction CA");
    hln_trust_destroy(&t);
}

static void self_signed_member_record_of_a_non_anchor_grants_nothing(void **state)
{
    hln_trust *t = *state;
    hln_record self;
    member_rec(&self, X, "global", T0, X, HLN_LEVEL_NATIONAL, "CA", T0, 0);
    assert_int_equal(hln_trust_add_record(t, &self), 0);
    hln_trust_info info;
    assert_int_equal(hln_trust_member(t, pk(X), T0, &info), HLN_ETRUST);
    assert_int_equal(info.status, HLN_TRUST_UNTRUSTED);
    hln_record r;
    obs_rec(&r, X, "CA", T0);
    assert_refused(t, &r, "author is not a member");
}

static void member_cannot_promote_itself_with_a_self_signed_record(void **state)
{
    hln_trust *t = *state;
    standard_network(t);
    hln_record self;
    member_rec(&self, H2, "CA", T0, H2, HLN_LEVEL_NATIONAL, "CA", T0, 0);
    assert_allowed(t, &self); /* harmless to carry... */
    assert_int_equal(hln_trust_add_record(t, &self), 0);
    hln_trust_info info;
    assert_int_equal(hln_trust_member(t, pk(H2), T0 + DAY, &info), 0);
    assert_int_equal(info.level, HLN_LEVEL_ORGANIZATION); /* ...and grants nothing */
    hln_record r;
    member_rec(&r, H2, "CA", T0 + DAY, X, HLN_LEVEL_ORGANIZATION, "CA", T0, 0);
    assert_refused(t, &r, "organization may not issue member records");
}

static void anchor_standing_is_not_taken_from_a_strangers_record(void **state)
{
    hln_trust *t = *state;
    assert_int_equal(hln_trust_add_anchor(t, pk(CA), NULL, HLN_TRUST_LEVEL_ANY, NULL), 0);
    hln_record r;
    member_rec(&r, X, "CA", T0, CA, HLN_LEVEL_SUBNATIONAL, "CA-ON", T0, 0);
    assert_int_equal(hln_trust_add_record(t, &r), 0);
    hln_trust_info info;
    assert_int_equal(hln_trust_member(t, pk(CA), T0, &info), 0);
    assert_int_equal(info.level, HLN_TRUST_LEVEL_ANY);
}

static void anchor_without_level_takes_it_from_another_anchors_admission(void **state)
{
    hln_trust *t = *state;
    assert_int_equal(hln_trust_add_anchor(t, pk(CA), NULL, HLN_TRUST_LEVEL_ANY, NULL), 0);
    admit(t, G, "global", CA, HLN_LEVEL_NATIONAL, "CA");
    hln_trust_info info;
    assert_int_equal(hln_trust_member(t, pk(CA), T0, &info), 0);
    assert_true(info.anchor);
    assert_int_equal(info.level, HLN_LEVEL_NATIONAL);
    assert_string_equal(info.jurisdiction, "CA");
}

static void anchors_self_description_cannot_place_it_in_another_country(void **state)
{
    hln_trust *t = *state;
    assert_int_equal(hln_trust_add_anchor(t, pk(CA), NULL, HLN_LEVEL_NATIONAL, "CA"), 0);
    hln_record r;
    member_rec(&r, CA, "global", T0, CA, HLN_LEVEL_ORGANIZATION, "FR", T0, 0);
    assert_int_equal(hln_trust_add_record(t, &r), 0);
    hln_feed_id f;
    memset(&f, 0, sizeof f);
    memcpy(f.author, pk(H3), HLN_KEY_LEN);
    strcpy(f.scope, "FR");
    assert_false(hln_trust_may_receive(t, pk(CA), &f, T0 + DAY));
}

static void removing_an_anchor_ends_the_chains_below_it(void **state)
{
    hln_trust *t = *state;
    standard_network(t);
    assert_int_equal(hln_trust_member(t, pk(H1), T0, NULL), 0);
    assert_int_equal(hln_trust_remove_anchor(t, pk(G)), 0);
    assert_int_equal(hln_trust_member(t, pk(H1), T0, NULL), HLN_ETRUST);
    assert_int_equal(hln_trust_member(t, pk(CA), T0, NULL), HLN_ETRUST);
    assert_int_equal(hln_trust_remove_anchor(t, pk(G)), HLN_ENOTFOUND);
}

/* ---- membership chains ---- */

static void chain_global_national_subnational_organization_is_accepted(void **state)
{
    hln_trust *t = *state;
    standard_network(t);
    hln_trust_info info;
    assert_int_equal(hln_trust_member(t, pk(H1), T0 + DAY, &info), 0);
    assert_int_equal(info.status, HLN_TRUST_MEMBER);
    assert_int_equal(info.level, HLN_LEVEL_ORGANIZATION);
    assert_string_equal(info.jurisdiction, "CA-ON");
    assert_true(info.has_issuer);
    assert_memory_equal(info.issuer, pk(ON), HLN_KEY_LEN);
    assert_int_equal(info.valid_until_ms, T0 + 2 * YEAR);

    hln_record r;
    obs_rec(&r, H1, "CA", T0 + DAY);
    assert_allowed(t, &r);
}

static void organization_may_not_issue_member_records(void **state)
{
    hln_trust *t = *state;
    standard_network(t);
    hln_record r;
    member_rec(&r, H1, "CA", T0 + DAY, X, HLN_LEVEL_ORGANIZATION, "CA-ON", T0, 0);
    assert_refused(t, &r, "organization may not issue member records");
    /* And what it tried to admit does not count even when held. */
    assert_int_equal(hln_trust_add_record(t, &r), 0);
    assert_int_equal(hln_trust_member(t, pk(X), T0 + DAY, NULL), HLN_ETRUST);
}

static void organization_may_not_issue_indicators_or_policy(void **state)
{
    hln_trust *t = *state;
    standard_network(t);
    hln_record r;
    indicator_rec(&r, H2, "CA", T0 + DAY, "mhpc.own", 1, "Own");
    assert_refused(t, &r, "organization may not issue indicator records");
    policy_rec(&r, H2, "CA", T0 + DAY, "CA", 3);
    assert_refused(t, &r, "organization may not issue policy records");
}

static void subnational_may_not_admit_outside_its_region(void **state)
{
    hln_trust *t = *state;
    standard_network(t);
    hln_record r;
    member_rec(&r, ON, "CA", T0 + DAY, X, HLN_LEVEL_ORGANIZATION, "CA-QC", T0, 0);
    assert_refused(t, &r, "subnational CA-ON may not admit outside its region");
    assert_int_equal(hln_trust_add_record(t, &r), 0);
    assert_int_equal(hln_trust_member(t, pk(X), T0 + DAY, NULL), HLN_ETRUST);
}

static void subnational_may_not_admit_another_subnational(void **state)
{
    hln_trust *t = *state;
    standard_network(t);
    hln_record r;
    member_rec(&r, ON, "CA", T0 + DAY, X, HLN_LEVEL_SUBNATIONAL, "CA-ON", T0, 0);
    assert_refused(t, &r, "subnational may not admit subnational members");
}

static void global_admits_only_national_authorities(void **state)
{
    hln_trust *t = *state;
    hln_record r;
    member_rec(&r, G, "global", T0, X, HLN_LEVEL_ORGANIZATION, "CA", T0, 0);
    assert_refused(t, &r, "global may not admit organization members");
    member_rec(&r, G, "global", T0, X, HLN_LEVEL_NATIONAL, "CA", T0, 0);
    assert_allowed(t, &r);
}

static void national_may_not_admit_in_another_country(void **state)
{
    hln_trust *t = *state;
    standard_network(t);
    hln_record r;
    member_rec(&r, FR, "FR", T0 + DAY, X, HLN_LEVEL_ORGANIZATION, "CA", T0, 0);
    assert_refused(t, &r, "national FR may not admit outside its region");
}

static void national_may_not_admit_another_national(void **state)
{
    hln_trust *t = *state;
    standard_network(t);
    hln_record r;
    member_rec(&r, CA, "CA", T0 + DAY, X, HLN_LEVEL_NATIONAL, "CA", T0, 0);
    assert_refused(t, &r, "national may not admit national members");
}

static void anchor_of_unknown_level_may_not_admit_a_global_member(void **state)
{
    hln_trust *t = *state;
    assert_int_equal(hln_trust_add_anchor(t, pk(CA), NULL, HLN_TRUST_LEVEL_ANY, NULL), 0);
    hln_record r;
    member_rec(&r, CA, "global", T0, X, HLN_LEVEL_GLOBAL, "global", T0, 0);
    assert_refused(t, &r, "no one admits the global level");
}

static void authority_without_a_role_may_not_use_it(void **state)
{
    hln_trust *t = *state;
    standard_network(t);
    /* CA admits X as a subnational authority that may publish only. */
    hln_record m;
    member_rec(&m, CA, "CA", T0, X, HLN_LEVEL_SUBNATIONAL, "CA-QC", T0, 0);
    m.body.member.roles = HLN_ROLE_PUBLISH;
    seal(&m, CA);
    assert_int_equal(hln_trust_add_record(t, &m), 0);
    hln_record r;
    member_rec(&r, X, "CA", T0 + DAY, H2, HLN_LEVEL_ORGANIZATION, "CA-QC", T0, 0);
    assert_refused(t, &r, "lacks the admit role");
    indicator_rec(&r, X, "CA", T0 + DAY, "mhpc.qc", 1, "Quebec");
    assert_refused(t, &r, "lacks the catalogue role");
    obs_rec(&r, X, "CA", T0 + DAY);
    assert_allowed(t, &r);
    /* Nor may it revoke what lies in its region. */
    admit(t, CA, "CA", H2, HLN_LEVEL_ORGANIZATION, "CA-QC");
    revoke_rec(&r, X, "CA", T0 + DAY, H2, T0, "no power");
    assert_int_equal(hln_trust_add_record(t, &r), 0);
    hln_feed_id qc;
    memset(&qc, 0, sizeof qc);
    memcpy(qc.author, pk(CA), HLN_KEY_LEN);
    strcpy(qc.scope, "CA-QC");
    assert_true(hln_trust_may_receive(t, pk(H2), &qc, T0 + 2 * DAY));
}

static void expired_membership_is_refused(void **state)
{
    hln_trust *t = *state;
    standard_network(t);
    hln_record m;
    member_rec(&m, CA, "CA", T0, X, HLN_LEVEL_ORGANIZATION, "CA", T0, T0 + 30 * DAY);
    assert_int_equal(hln_trust_add_record(t, &m), 0);

    hln_record r;
    obs_rec(&r, X, "CA", T0 + 10 * DAY);
    assert_allowed(t, &r);
    obs_rec(&r, X, "CA", T0 + 30 * DAY); /* valid_until is exclusive */
    assert_refused(t, &r, "membership expired");
    hln_trust_info info;
    assert_int_equal(hln_trust_member(t, pk(X), T0 + 40 * DAY, &info), HLN_ETRUST);
    assert_int_equal(info.status, HLN_TRUST_EXPIRED);
}

static void membership_not_yet_in_force_is_refused(void **state)
{
    hln_trust *t = *state;
    standard_network(t);
    hln_record m;
    member_rec(&m, CA, "CA", T0, X, HLN_LEVEL_ORGANIZATION, "CA", T0 + 30 * DAY, 0);
    assert_int_equal(hln_trust_add_record(t, &m), 0);
    hln_record r;
    obs_rec(&r, X, "CA", T0 + DAY);
    assert_refused(t, &r, "membership not yet in force");
    hln_trust_info info;
    assert_int_equal(hln_trust_member(t, pk(X), T0 + DAY, &info), HLN_ETRUST);
    assert_int_equal(info.status, HLN_TRUST_NOT_YET);
}

static void admission_signed_after_the_issuers_membership_expired_is_void(void **state)
{
    hln_trust *t = *state;
    hln_record r;
    member_rec(&r, G, "global", T0, CA, HLN_LEVEL_NATIONAL, "CA", T0, T0 + 10 * DAY);
    assert_int_equal(hln_trust_add_record(t, &r), 0);
    hln_record before, after;
    member_rec(&before, CA, "CA", T0 + DAY, H2, HLN_LEVEL_ORGANIZATION, "CA", T0, 0);
    member_rec(&after, CA, "CA", T0 + 20 * DAY, X, HLN_LEVEL_ORGANIZATION, "CA", T0, 0);
    assert_int_equal(hln_trust_add_record(t, &before), 0);
    assert_int_equal(hln_trust_add_record(t, &after), 0);
    /* Judged when signed: the first admission holds beyond CA's own expiry. */
    assert_int_equal(hln_trust_member(t, pk(H2), T0 + 30 * DAY, NULL), 0);
    assert_int_equal(hln_trust_member(t, pk(X), T0 + 30 * DAY, NULL), HLN_ETRUST);
}

static void roles_restrict_what_a_member_may_author(void **state)
{
    hln_trust *t = *state;
    standard_network(t);
    hln_record m;
    member_rec(&m, CA, "CA", T0, X, HLN_LEVEL_ORGANIZATION, "CA", T0, 0);
    /* Re-sign without the publish role: an observer that may not publish. */
    m.body.member.roles = 0;
    seal(&m, CA);
    assert_int_equal(hln_trust_add_record(t, &m), 0);
    hln_record r;
    obs_rec(&r, X, "CA", T0 + DAY);
    assert_refused(t, &r, "lacks the publish role");
}

/* ---- out of order and cycles ---- */

/* The three links of one chain, in every order, give the same answer. */
static void out_of_order_arrival_converges(void **state)
{
    (void)state;
    hln_record links[3];
    member_rec(&links[0], G, "global", T0, CA, HLN_LEVEL_NATIONAL, "CA", T0, 0);
    member_rec(&links[1], CA, "CA", T0, ON, HLN_LEVEL_SUBNATIONAL, "CA-ON", T0, 0);
    member_rec(&links[2], ON, "CA", T0, H1, HLN_LEVEL_ORGANIZATION, "CA-ON", T0, 0);
    hln_record bad;
    member_rec(&bad, ON, "CA", T0, X, HLN_LEVEL_ORGANIZATION, "CA-QC", T0, 0);
    static const int orders[6][3] = {{0, 1, 2}, {0, 2, 1}, {1, 0, 2},
                                     {1, 2, 0}, {2, 0, 1}, {2, 1, 0}};
    for (int o = 0; o < 6; o++) {
        hln_trust *t = hln_trust_new();
        assert_int_equal(hln_trust_add_anchor(t, pk(G), NULL, HLN_LEVEL_GLOBAL, "global"), 0);
        assert_int_equal(hln_trust_add_record(t, &bad), 0);
        for (int i = 0; i < 3; i++) {
            assert_int_equal(hln_trust_add_record(t, &links[orders[o][i]]), 0);
            /* Before the last link lands, the organization is not trusted. */
            if (i < 2)
                assert_int_not_equal(hln_trust_member(t, pk(H1), T0, NULL), 0);
        }
        hln_trust_info info;
        assert_int_equal(hln_trust_member(t, pk(H1), T0, &info), 0);
        assert_string_equal(info.jurisdiction, "CA-ON");
        assert_int_equal(hln_trust_member(t, pk(X), T0, NULL), HLN_ETRUST);
        hln_trust_destroy(&t);
    }
}

/* A random tangle of member and revoke records, valid and not, fed in many
 * orders, with queries between the records (which exercises the shortcut
 * that avoids a rebuild) or without: every key's standing, at several
 * times, comes out the same. */
static uint64_t rng_state = 0x9e3779b97f4a7c15ull;
static uint32_t rnd(uint32_t n)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (uint32_t)(rng_state % n);
}

typedef struct {
    int rc;
    hln_trust_info info;
} answer;

static void snapshot(hln_trust *t, answer *out)
{
    static const uint64_t at[] = {T0, T0 + 20 * DAY, T0 + 50 * DAY, T0 + 90 * DAY, T0 + 400 * DAY};
    for (int k = 0; k < N_KEYS; k++)
        for (int j = 0; j < 5; j++) {
            answer *a = &out[k * 5 + j];
            memset(a, 0, sizeof *a);
            a->rc = hln_trust_member(t, pk(k), at[j], &a->info);
        }
}

static void random_tangles_converge_whatever_the_order(void **state)
{
    (void)state;
    enum { N_REC = 60, N_ORDERS = 12 };
    static const char *const nat[] = {"CA", "FR"};
    static const char *const sub[] = {"CA-ON", "CA-QC", "FR-75"};
    static const char *const any[] = {"CA", "FR", "CA-ON", "CA-QC", "FR-75"};
    hln_record *recs = calloc(N_REC, sizeof *recs);
    assert_non_null(recs);
    for (int round = 0; round < 4; round++) {
        int iss[N_REC], sub_of[N_REC];
        for (int i = 0; i < N_REC; i++) {
            int issuer = (int)rnd(N_KEYS), subject = (int)rnd(N_KEYS);
            uint64_t ts = T0 + rnd(100) * DAY;
            /* Rotations mostly by the issuer of an earlier admission, so that some count. */
            int e = i > 0 ? (int)rnd((uint32_t)i) : 0;
            if (i > 0 && rnd(3) == 0 && recs[e].env.type == HLN_REC_MEMBER && iss[e] != sub_of[e]) {
                int succ = (sub_of[e] + 1 + (int)rnd(N_KEYS - 1)) % N_KEYS;
                rotate_rec(&recs[i], iss[e], "CA", ts, sub_of[e], succ, T0 + rnd(100) * DAY,
                           rnd(2) ? "CA" : NULL, rnd(5));
                iss[i] = sub_of[i] = -1;
                continue;
            }
            iss[i] = issuer;
            sub_of[i] = subject;
            if (rnd(6) == 0) {
                revoke_rec(&recs[i], issuer, "CA", ts, subject, T0 + rnd(100) * DAY, "r");
                continue;
            }
            uint32_t level = rnd(3);
            const char *j = level == HLN_LEVEL_NATIONAL      ? nat[rnd(2)]
                            : level == HLN_LEVEL_SUBNATIONAL ? sub[rnd(3)]
                                                             : any[rnd(5)];
            uint64_t from = T0 + rnd(30) * DAY;
            uint64_t until = rnd(3) ? 0 : from + (1 + rnd(90)) * DAY;
            member_rec(&recs[i], issuer, rnd(2) ? "global" : j, ts, subject, level, j, from, until);
        }
        answer ref[N_KEYS * 5], got[N_KEYS * 5];
        for (int o = 0; o < N_ORDERS; o++) {
            int order[N_REC];
            for (int i = 0; i < N_REC; i++)
                order[i] = i;
            for (int i = N_REC - 1; o > 0 && i > 0; i--) {
                int k = (int)rnd((uint32_t)i + 1), x = order[i];
                order[i] = order[k];
                order[k] = x;
            }
            hln_trust *t = hln_trust_new();
            assert_int_equal(hln_trust_add_anchor(t, pk(G), NULL, HLN_LEVEL_GLOBAL, "global"), 0);
            for (int i = 0; i < N_REC; i++) {
                assert_int_equal(hln_trust_add_record(t, &recs[order[i]]), 0);
                if (o % 2)
                    hln_trust_member(t, pk((int)rnd(N_KEYS)), T0, NULL);
            }
            snapshot(t, o == 0 ? ref : got);
            if (o > 0)
                for (int k = 0; k < N_KEYS * 5; k++) {
                    assert_int_equal(got[k].rc, ref[k].rc);
                    assert_int_equal(got[k].info.status, ref[k].info.status);
                    assert_int_equal(got[k].info.level, ref[k].info.level);
                    assert_string_equal(got[k].info.jurisdiction, ref[k].info.jurisdiction);
                    assert_memory_equal(got[k].info.issuer, ref[k].info.issuer, HLN_KEY_LEN);
                    assert_int_equal(got[k].info.revoked_from_ms, ref[k].info.revoked_from_ms);
                    assert_int_equal(got[k].info.valid_until_ms, ref[k].info.valid_until_ms);
                    assert_int_equal(got[k].info.rotated, ref[k].info.rotated);
                    assert_memory_equal(got[k].info.successor, ref[k].info.successor, HLN_KEY_LEN);
                }
            hln_trust_destroy(&t);
        }
    }
    free(recs);
}

static void twin_admissions_give_one_answer_in_either_order(void **state)
{
    (void)state;
    /* Same issuer, signing time, start and level, cut by one revocation:
     * the pairs differ in their end, or only in the name (the record id). */
    hln_record top, v, a, b, c;
    member_rec(&top, G, "global", T0, CA, HLN_LEVEL_NATIONAL, "CA", T0, 0);
    revoke_rec(&v, CA, "CA", T0, X, T0 + DAY, "closed");
    member_rec(&a, CA, "CA", T0, X, HLN_LEVEL_ORGANIZATION, "CA", T0, T0 + 30 * DAY);
    member_rec(&b, CA, "CA", T0, X, HLN_LEVEL_ORGANIZATION, "CA", T0, T0 + 60 * DAY);
    member_rec(&c, CA, "CA", T0, X, HLN_LEVEL_ORGANIZATION, "CA", T0, T0 + 30 * DAY);
    strcpy(c.body.member.name, "renamed");
    seal(&c, CA);
    const hln_record *pairs[2][2] = {{&a, &b}, {&a, &c}};
    for (int p = 0; p < 2; p++) {
        hln_trust_info info[2];
        for (int o = 0; o < 2; o++) {
            hln_trust *t = hln_trust_new();
            assert_int_equal(hln_trust_add_anchor(t, pk(G), NULL, HLN_LEVEL_GLOBAL, "global"), 0);
            assert_int_equal(hln_trust_add_record(t, &top), 0);
            assert_int_equal(hln_trust_add_record(t, &v), 0);
            assert_int_equal(hln_trust_add_record(t, pairs[p][o]), 0);
            assert_int_equal(hln_trust_add_record(t, pairs[p][1 - o]), 0);
            assert_int_equal(hln_trust_member(t, pk(X), T0 + 5 * DAY, &info[o]), HLN_ETRUST);
            assert_int_equal(info[o].status, HLN_TRUST_REVOKED);
            hln_trust_destroy(&t);
        }
        assert_int_equal(info[0].valid_until_ms, info[1].valid_until_ms);
        assert_string_equal(info[0].name, info[1].name);
    }
}

static void issuer_record_arriving_late_turns_a_refusal_into_acceptance(void **state)
{
    hln_trust *t = *state;
    hln_record sub, obs, top;
    member_rec(&sub, CA, "CA", T0, H2, HLN_LEVEL_ORGANIZATION, "CA", T0, 0);
    obs_rec(&obs, H2, "CA", T0 + DAY);
    assert_int_equal(hln_trust_add_record(t, &sub), 0);
    assert_refused(t, &obs, "author is not a member");
    member_rec(&top, G, "global", T0, CA, HLN_LEVEL_NATIONAL, "CA", T0, 0);
    assert_int_equal(hln_trust_add_record(t, &top), 0);
    assert_allowed(t, &obs);
}

static void cycles_of_member_records_trust_no_one(void **state)
{
    hln_trust *t = *state;
    /* X and FR (here unanchored: not admitted by G) vouch for each other,
     * ON and QC too, at every level they could claim. */
    hln_record r;
    member_rec(&r, X, "FR", T0, FR, HLN_LEVEL_NATIONAL, "FR", T0, 0);
    assert_int_equal(hln_trust_add_record(t, &r), 0);
    member_rec(&r, FR, "FR", T0, X, HLN_LEVEL_NATIONAL, "FR", T0, 0);
    assert_int_equal(hln_trust_add_record(t, &r), 0);
    member_rec(&r, ON, "CA", T0, QC, HLN_LEVEL_SUBNATIONAL, "CA-QC", T0, 0);
    assert_int_equal(hln_trust_add_record(t, &r), 0);
    member_rec(&r, QC, "CA", T0, ON, HLN_LEVEL_SUBNATIONAL, "CA-ON", T0, 0);
    assert_int_equal(hln_trust_add_record(t, &r), 0);
    member_rec(&r, ON, "CA", T0, H1, HLN_LEVEL_ORGANIZATION, "CA-ON", T0, 0);
    assert_int_equal(hln_trust_add_record(t, &r), 0);
    for (int k = FR; k <= X; k++)
        if (k != CA && k != H2 && k != H3)
            assert_int_equal(hln_trust_member(t, pk(k), T0, NULL), HLN_ETRUST);
}

static void a_cycle_back_to_an_anchor_changes_nothing(void **state)
{
    hln_trust *t = *state;
    standard_network(t);
    /* ON "admits" CA as an organization: a loop back up the chain. */
    hln_record r;
    member_rec(&r, ON, "CA", T0, CA, HLN_LEVEL_ORGANIZATION, "CA-ON", T0, 0);
    assert_int_equal(hln_trust_add_record(t, &r), 0);
    hln_trust_info info;
    assert_int_equal(hln_trust_member(t, pk(CA), T0, &info), 0);
    assert_int_equal(info.level, HLN_LEVEL_NATIONAL);
    assert_int_equal(hln_trust_member(t, pk(H1), T0, NULL), 0);
}

/* ---- revocation ---- */

static void revoked_key_records_dated_after_revocation_are_refused_earlier_stay(void **state)
{
    hln_trust *t = *state;
    standard_network(t);
    hln_record v;
    revoke_rec(&v, ON, "CA", T0 + 50 * DAY, H1, T0 + 40 * DAY, "key lost");
    assert_allowed(t, &v);
    assert_int_equal(hln_trust_add_record(t, &v), 0);

    hln_record r;
    obs_rec(&r, H1, "CA", T0 + 39 * DAY); /* back-dated, before the cut: stays */
    assert_allowed(t, &r);
    obs_rec(&r, H1, "CA", T0 + 40 * DAY);
    assert_refused(t, &r, "revoked from 2026-02-10T00:00:00Z");
    obs_rec(&r, H1, "CA", T0 + 60 * DAY);
    assert_refused(t, &r, "revoked from");

    hln_trust_info info;
    assert_int_equal(hln_trust_member(t, pk(H1), T0 + 45 * DAY, &info), HLN_ETRUST);
    assert_int_equal(info.status, HLN_TRUST_REVOKED);
    assert_true(info.revoked);
    assert_int_equal(info.revoked_from_ms, T0 + 40 * DAY);
    assert_memory_equal(info.revoked_by, pk(ON), HLN_KEY_LEN);
    assert_string_equal(info.revoke_reason, "key lost");
    /* Asked about a time before the cut, it was a member. */
    assert_int_equal(hln_trust_member(t, pk(H1), T0 + DAY, &info), 0);
}

static void revocation_arriving_before_the_membership_it_ends_still_applies(void **state)
{
    hln_trust *t = *state;
    standard_network(t);
    hln_record v, m;
    revoke_rec(&v, CA, "CA", T0 + 5 * DAY, X, T0 + 5 * DAY, "closed");
    assert_int_equal(hln_trust_add_record(t, &v), 0);
    assert_int_equal(hln_trust_member(t, pk(X), T0, NULL), HLN_ENOTFOUND);
    member_rec(&m, CA, "CA", T0, X, HLN_LEVEL_ORGANIZATION, "CA", T0, 0);
    assert_int_equal(hln_trust_add_record(t, &m), 0);
    assert_int_equal(hln_trust_member(t, pk(X), T0 + DAY, NULL), 0);
    assert_int_equal(hln_trust_member(t, pk(X), T0 + 6 * DAY, NULL), HLN_ETRUST);
}

static void authority_above_the_issuer_may_revoke(void **state)
{
    hln_trust *t = *state;
    standard_network(t);
    hln_record v;
    revoke_rec(&v, CA, "CA", T0 + DAY, H1, T0 + DAY, "closed");
    assert_int_equal(hln_trust_add_record(t, &v), 0);
    assert_int_equal(hln_trust_member(t, pk(H1), T0 + 2 * DAY, NULL), HLN_ETRUST);
}

static void subject_may_revoke_itself(void **state)
{
    hln_trust *t = *state;
    standard_network(t);
    hln_record v;
    revoke_rec(&v, H3, "FR", T0 + DAY, H3, T0 + DAY, "key compromised");
    assert_allowed(t, &v);
    assert_int_equal(hln_trust_add_record(t, &v), 0);
    assert_int_equal(hln_trust_member(t, pk(H3), T0 + 2 * DAY, NULL), HLN_ETRUST);
    /* Saying it again later, after the cut, is still accepted. */
    revoke_rec(&v, H3, "FR", T0 + 3 * DAY, H3, T0 + DAY, "key compromised");
    assert_allowed(t, &v);
}

static void revocation_from_outside_the_jurisdiction_is_ignored(void **state)
{
    hln_trust *t = *state;
    standard_network(t);
    /* FR admits Ontario's hospital into France, then revokes it: the
     * French membership falls, the Canadian one stands. */
    hln_record r;
    member_rec(&r, FR, "FR", T0, H1, HLN_LEVEL_ORGANIZATION, "FR", T0, 0);
    assert_int_equal(hln_trust_add_record(t, &r), 0);
    revoke_rec(&r, FR, "FR", T0 + DAY, H1, T0, "hostile");
    assert_int_equal(hln_trust_add_record(t, &r), 0);
    /* QC, a sibling region, has no say over Ontario either. */
    revoke_rec(&r, QC, "CA", T0 + DAY, H1, T0, "hostile");
    assert_int_equal(hln_trust_add_record(t, &r), 0);
    hln_trust_info info;
    assert_int_equal(hln_trust_member(t, pk(H1), T0 + 2 * DAY, &info), 0);
    assert_string_equal(info.jurisdiction, "CA-ON");
    obs_rec(&r, H1, "CA", T0 + 2 * DAY);
    assert_allowed(t, &r);
    obs_rec(&r, H1, "FR", T0 + 2 * DAY);
    assert_refused(t, &r, "scope FR is outside author's jurisdiction CA-ON");
}

static void revocation_by_an_authority_no_longer_entitled_is_ignored(void **state)
{
    hln_trust *t = *state;
    standard_network(t);
    hln_record v;
    revoke_rec(&v, CA, "CA", T0 + 10 * DAY, ON, T0 + 10 * DAY, "reorganised");
    assert_int_equal(hln_trust_add_record(t, &v), 0);
    /* After its own revocation, ON's word about H1 counts for nothing. */
    revoke_rec(&v, ON, "CA", T0 + 20 * DAY, H1, T0 + 20 * DAY, "spite");
    assert_int_equal(hln_trust_add_record(t, &v), 0);
    assert_int_equal(hln_trust_member(t, pk(H1), T0 + 30 * DAY, NULL), 0);
}

static void organization_may_not_revoke_others(void **state)
{
    hln_trust *t = *state;
    standard_network(t);
    hln_record v;
    revoke_rec(&v, H2, "CA", T0 + DAY, H1, T0, "rival");
    assert_refused(t, &v, "organization may not issue revoke records");
    assert_int_equal(hln_trust_add_record(t, &v), 0);
    assert_int_equal(hln_trust_member(t, pk(H1), T0 + 2 * DAY, NULL), 0);
}

static void revoked_issuer_keeps_earlier_admissions_and_loses_later_ones(void **state)
{
    hln_trust *t = *state;
    standard_network(t);
    hln_record v, late;
    revoke_rec(&v, CA, "CA", T0 + 10 * DAY, ON, T0 + 10 * DAY, "reorganised");
    assert_int_equal(hln_trust_add_record(t, &v), 0);
    member_rec(&late, ON, "CA", T0 + 11 * DAY, X, HLN_LEVEL_ORGANIZATION, "CA-ON", T0, 0);
    assert_refused(t, &late, "revoked from");
    assert_int_equal(hln_trust_add_record(t, &late), 0);
    assert_int_equal(hln_trust_member(t, pk(H1), T0 + 20 * DAY, NULL), 0);
    assert_int_equal(hln_trust_member(t, pk(X), T0 + 20 * DAY, NULL), HLN_ETRUST);
}

/* ---- rotation (docs/GOVERNANCE.md §5a) ---- */

typedef struct {
    const uint8_t *key;
    bool found;
} found_ctx;

static int find_key(void *ctx, const hln_trust_info *info)
{
    found_ctx *f = ctx;
    if (memcmp(info->key, f->key, HLN_KEY_LEN) == 0)
        f->found = info->status == HLN_TRUST_MEMBER;
    return 0;
}

static void rotation_hands_the_standing_to_the_new_key(void **state)
{
    hln_trust *t = *state;
    standard_network(t);
    hln_record v, r;
    rotate_rec(&v, ON, "CA", T0 + 40 * DAY, H1, N1, T0 + 40 * DAY, "CA", 5);
    assert_allowed(t, &v);
    assert_int_equal(hln_trust_add_record(t, &v), 0);

    hln_trust_info info;
    assert_int_equal(hln_trust_member(t, pk(N1), T0 + 41 * DAY, &info), 0);
    assert_int_equal(info.status, HLN_TRUST_MEMBER);
    assert_int_equal(info.level, HLN_LEVEL_ORGANIZATION);
    assert_string_equal(info.jurisdiction, "CA-ON");
    assert_string_equal(info.name, "member 5");
    assert_int_equal(info.roles, HLN_ROLE_PUBLISH);
    assert_memory_equal(info.issuer, pk(ON), HLN_KEY_LEN);
    assert_int_equal(info.valid_from_ms, T0 + 40 * DAY);
    assert_int_equal(info.valid_until_ms, T0 + 2 * YEAR); /* the old admission's end */
    obs_at(&r, N1, "CA", T0 + 41 * DAY, 1);
    assert_allowed(t, &r);
    obs_at(&r, N1, "CA", T0 + 39 * DAY, 1); /* before the rotation: not yet a member */
    assert_refused(t, &r, "not yet in force");

    /* The old key stands no more: status revoked, rotated, its successor named. */
    assert_int_equal(hln_trust_member(t, pk(H1), T0 + 41 * DAY, &info), HLN_ETRUST);
    assert_int_equal(info.status, HLN_TRUST_REVOKED);
    assert_true(info.rotated);
    assert_memory_equal(info.successor, pk(N1), HLN_KEY_LEN);
    assert_false(hln_trust_may_receive(t, pk(H1), &(hln_feed_id){.scope = "CA"}, T0 + 41 * DAY));
    /* Both feeds are worth holding: the old one for its history. */
    hln_feed_id fold = {.scope = "CA"}, fnew = {.scope = "CA"};
    memcpy(fold.author, pk(H1), HLN_KEY_LEN);
    memcpy(fnew.author, pk(N1), HLN_KEY_LEN);
    assert_true(hln_trust_wants_feed(t, &fold, pk(ON)));
    assert_true(hln_trust_wants_feed(t, &fnew, pk(ON)));
    /* The walk of members (admission, member list) includes the new key. */
    found_ctx fc = {pk(N1), false};
    assert_int_equal(hln_trust_foreach_member(t, T0 + 41 * DAY, find_key, &fc), 0);
    assert_true(fc.found);
}

static void old_key_is_refused_past_the_closed_seq_and_keeps_its_history(void **state)
{
    hln_trust *t = *state;
    standard_network(t);
    hln_record v, r;
    rotate_rec(&v, ON, "CA", T0 + 40 * DAY, H1, N1, T0 + 40 * DAY, "CA", 5);
    assert_int_equal(hln_trust_add_record(t, &v), 0);

    obs_at(&r, H1, "CA", T0 + 10 * DAY, 4); /* history */
    assert_allowed(t, &r);
    obs_at(&r, H1, "CA", T0 + 45 * DAY, 5); /* signed late, but within the kept seqs */
    assert_allowed(t, &r);
    obs_at(&r, H1, "CA", T0 + 39 * DAY, 6); /* the leaked key back-dates: the seq says no */
    assert_refused(t, &r, "rotated: feed CA closed at seq 5");
    obs_at(&r, H1, "CA", T0 + 50 * DAY, 6);
    assert_refused(t, &r, "rotated: feed CA closed at seq 5");
    /* A feed the rotation does not name is cut at the rotation's date. */
    obs_at(&r, H1, "CA-ON", T0 + 39 * DAY, 1);
    assert_allowed(t, &r);
    obs_at(&r, H1, "CA-ON", T0 + 40 * DAY, 2);
    assert_refused(t, &r, "rotated from 2026-02-10T00:00:00Z");
    /* A plain revocation still cuts the kept feed by date. */
    revoke_rec(&v, ON, "CA", T0 + 41 * DAY, H1, T0 + 20 * DAY, "also revoked");
    assert_int_equal(hln_trust_add_record(t, &v), 0);
    obs_at(&r, H1, "CA", T0 + 25 * DAY, 3);
    assert_refused(t, &r, NULL);
    obs_at(&r, H1, "CA", T0 + 15 * DAY, 3);
    assert_allowed(t, &r);
}

static void only_an_entitled_issuer_may_rotate(void **state)
{
    hln_trust *t = *state;
    standard_network(t);
    hln_record v, r;
    /* A sibling region and an outsider: nothing changes. */
    rotate_rec(&v, QC, "CA", T0 + 40 * DAY, H1, N1, T0 + 40 * DAY, "CA", 5);
    assert_int_equal(hln_trust_add_record(t, &v), 0);
    rotate_rec(&v, X, "CA", T0 + 40 * DAY, H1, N1, T0 + 40 * DAY, "CA", 5);
    assert_refused(t, &v, "author is not a member");
    assert_int_equal(hln_trust_add_record(t, &v), 0);
    assert_int_equal(hln_trust_member(t, pk(N1), T0 + 41 * DAY, NULL), HLN_ENOTFOUND);
    obs_at(&r, H1, "CA", T0 + 50 * DAY, 9);
    assert_allowed(t, &r);
    /* An organization rotating another: refused like a revocation. */
    rotate_rec(&v, H2, "CA", T0 + 40 * DAY, H1, N1, T0 + 40 * DAY, "CA", 5);
    assert_refused(t, &v, "organization may not issue revoke records");
    /* The authority above the issuer may (Canada over Ontario's clinic). */
    rotate_rec(&v, CA, "CA", T0 + 40 * DAY, H1, N1, T0 + 40 * DAY, "CA", 5);
    assert_int_equal(hln_trust_add_record(t, &v), 0);
    assert_int_equal(hln_trust_member(t, pk(N1), T0 + 41 * DAY, NULL), 0);
}

static void a_key_rotating_itself_hands_nothing_on(void **state)
{
    hln_trust *t = *state;
    standard_network(t);
    hln_record v, r;
    /* Whoever holds a leaked key could name its own key: the rotation
     * counts as a self-revocation from its date, and its seqs are ignored. */
    rotate_rec(&v, H1, "CA", T0 + 40 * DAY, H1, N1, T0 + 40 * DAY, "CA", 99);
    assert_allowed(t, &v);
    assert_int_equal(hln_trust_add_record(t, &v), 0);
    assert_int_equal(hln_trust_member(t, pk(N1), T0 + 41 * DAY, NULL), HLN_ENOTFOUND);
    obs_at(&r, H1, "CA", T0 + 41 * DAY, 5);
    assert_refused(t, &r, "revoked from");
    obs_at(&r, H1, "CA", T0 + 39 * DAY, 5);
    assert_allowed(t, &r);
}

static void a_thiefs_self_revocation_cannot_void_the_kept_history(void **state)
{
    hln_trust *t = *state;
    standard_network(t);
    hln_record v, r, self;
    rotate_rec(&v, ON, "CA", T0 + 40 * DAY, H1, N1, T0 + 40 * DAY, "CA", 5);
    assert_int_equal(hln_trust_add_record(t, &v), 0);
    /* Signed with the leaked key at seq 6, revoking the key from the start. */
    start(&self, HLN_REC_REVOKE, H1, "CA", T0 + 41 * DAY);
    self.env.seq = 6;
    memcpy(self.body.revoke.subject, pk(H1), HLN_KEY_LEN);
    self.body.revoke.from_ms = T0;
    snprintf(self.body.revoke.reason, sizeof self.body.revoke.reason, "void it all");
    seal(&self, H1);
    assert_refused(t, &self, "rotated: feed CA closed at seq 5");
    /* Even held (a node that stored it before the rotation arrived), it
     * voids nothing the rotation keeps. */
    assert_int_equal(hln_trust_add_record(t, &self), 0);
    obs_at(&r, H1, "CA", T0 + 10 * DAY, 4);
    assert_allowed(t, &r);
    /* A self-revocation inside the kept seqs (the clinic's own, before the
     * rotation) still counts. */
    start(&self, HLN_REC_REVOKE, H1, "CA", T0 + 30 * DAY);
    self.env.seq = 5;
    memcpy(self.body.revoke.subject, pk(H1), HLN_KEY_LEN);
    self.body.revoke.from_ms = T0 + 5 * DAY;
    snprintf(self.body.revoke.reason, sizeof self.body.revoke.reason, "compromised");
    seal(&self, H1);
    assert_allowed(t, &self);
    assert_int_equal(hln_trust_add_record(t, &self), 0);
    assert_refused(t, &r, NULL);
}

static void rotations_chain_old_to_new_to_newer(void **state)
{
    hln_trust *t = *state;
    standard_network(t);
    hln_record v, r;
    rotate_rec(&v, ON, "CA", T0 + 40 * DAY, H1, N1, T0 + 40 * DAY, "CA", 5);
    assert_int_equal(hln_trust_add_record(t, &v), 0);
    /* Canada, above Ontario, rotates the successor again. */
    rotate_rec(&v, CA, "CA", T0 + 80 * DAY, N1, N2, T0 + 80 * DAY, "CA", 3);
    assert_int_equal(hln_trust_add_record(t, &v), 0);

    hln_trust_info info;
    assert_int_equal(hln_trust_member(t, pk(N2), T0 + 81 * DAY, &info), 0);
    assert_int_equal(info.level, HLN_LEVEL_ORGANIZATION);
    assert_string_equal(info.jurisdiction, "CA-ON");
    assert_memory_equal(info.issuer, pk(CA), HLN_KEY_LEN);
    assert_int_equal(hln_trust_member(t, pk(N1), T0 + 81 * DAY, &info), HLN_ETRUST);
    assert_true(info.rotated);
    assert_memory_equal(info.successor, pk(N2), HLN_KEY_LEN);
    obs_at(&r, N1, "CA", T0 + 85 * DAY, 3);
    assert_allowed(t, &r);
    obs_at(&r, N1, "CA", T0 + 60 * DAY, 4);
    assert_refused(t, &r, "closed at seq 3");
    obs_at(&r, N2, "CA", T0 + 81 * DAY, 1);
    assert_allowed(t, &r);
    obs_at(&r, H1, "CA", T0 + 30 * DAY, 5); /* the first key's history stands */
    assert_allowed(t, &r);
    /* A rotation back to an old key hands on nothing that is not already cut. */
    rotate_rec(&v, CA, "CA", T0 + 90 * DAY, N2, H1, T0 + 90 * DAY, NULL, 0);
    assert_int_equal(hln_trust_add_record(t, &v), 0);
    obs_at(&r, H1, "CA", T0 + 95 * DAY, 6);
    assert_refused(t, &r, "closed at seq 5");
}

static void an_anchor_is_rotated_by_its_operator_only(void **state)
{
    hln_trust *t = *state;
    standard_network(t);
    hln_record v, r;
    /* The operator anchors Ontario too; Canada rotates Ontario's key. The
     * admission Canada signed passes to the new key; the anchor stays the
     * operator's word. */
    assert_int_equal(hln_trust_add_anchor(t, pk(ON), "Ontario", HLN_LEVEL_SUBNATIONAL, "CA-ON"), 0);
    rotate_rec(&v, CA, "CA", T0 + 40 * DAY, ON, N1, T0 + 40 * DAY, "CA", 2);
    assert_int_equal(hln_trust_add_record(t, &v), 0);
    hln_trust_info info;
    assert_int_equal(hln_trust_member(t, pk(ON), T0 + 41 * DAY, &info), 0);
    assert_int_equal(info.status, HLN_TRUST_ANCHOR);
    assert_int_equal(hln_trust_member(t, pk(N1), T0 + 41 * DAY, &info), 0);
    assert_int_equal(info.level, HLN_LEVEL_SUBNATIONAL);
    /* The new key admits as Ontario did. */
    member_rec(&r, N1, "CA", T0 + 42 * DAY, N2, HLN_LEVEL_ORGANIZATION, "CA-ON", T0 + 42 * DAY, 0);
    assert_allowed(t, &r);

    /* An anchor rotating itself: a self-revocation, nothing handed on. */
    hln_trust *u = hln_trust_new();
    assert_non_null(u);
    assert_int_equal(hln_trust_add_anchor(u, pk(CA), "Canada", HLN_LEVEL_NATIONAL, "CA"), 0);
    rotate_rec(&v, CA, "CA", T0 + 40 * DAY, CA, N2, T0 + 40 * DAY, "CA", 7);
    assert_int_equal(hln_trust_add_record(u, &v), 0);
    assert_int_equal(hln_trust_member(u, pk(N2), T0 + 41 * DAY, NULL), HLN_ENOTFOUND);
    obs_at(&r, CA, "CA", T0 + 41 * DAY, 3);
    assert_refused(u, &r, "revoked from");
    hln_trust_destroy(&u);
}

static void rotation_dated_before_the_admission_still_applies_in_any_order(void **state)
{
    hln_trust *t = *state;
    standard_network(t);
    hln_record m, v, r;
    /* Ontario signs the rotation of a clinic before it signs its admission,
     * and the rotation arrives first. */
    rotate_rec(&v, ON, "CA", T0 + 5 * DAY, X, N1, T0 + 2 * DAY, "CA", 0);
    assert_int_equal(hln_trust_add_record(t, &v), 0);
    assert_int_equal(hln_trust_member(t, pk(N1), T0 + 20 * DAY, NULL), HLN_ENOTFOUND);
    member_rec(&m, ON, "CA", T0 + 10 * DAY, X, HLN_LEVEL_ORGANIZATION, "CA-ON", T0 + 10 * DAY, 0);
    assert_int_equal(hln_trust_add_record(t, &m), 0);
    /* The successor starts no earlier than the standing it takes over. */
    hln_trust_info info;
    assert_int_equal(hln_trust_member(t, pk(N1), T0 + 9 * DAY, NULL), HLN_ETRUST);
    assert_int_equal(hln_trust_member(t, pk(N1), T0 + 10 * DAY, &info), 0);
    assert_int_equal(info.valid_from_ms, T0 + 10 * DAY);
    /* The old key's feed is closed at seq 0: nothing of it stands. */
    obs_at(&r, X, "CA", T0 + 11 * DAY, 1);
    assert_refused(t, &r, "closed at seq 0");

    /* The same records the other way round give the same answers. */
    hln_trust *u = hln_trust_new();
    assert_non_null(u);
    assert_int_equal(hln_trust_add_anchor(u, pk(G), "coordinator", HLN_LEVEL_GLOBAL, "global"), 0);
    standard_network(u);
    assert_int_equal(hln_trust_add_record(u, &m), 0);
    assert_int_equal(hln_trust_member(u, pk(X), T0 + 11 * DAY, NULL), 0);
    assert_int_equal(hln_trust_add_record(u, &v), 0);
    assert_int_equal(hln_trust_member(u, pk(X), T0 + 11 * DAY, NULL), HLN_ETRUST);
    assert_int_equal(hln_trust_member(u, pk(N1), T0 + 10 * DAY, &info), 0);
    assert_int_equal(info.valid_from_ms, T0 + 10 * DAY);
    assert_refused(u, &r, "closed at seq 0");
    hln_trust_destroy(&u);
}

/* ---- scopes ---- */

static void national_may_not_publish_into_another_countrys_scope(void **state)
{
    hln_trust *t = *state;
    standard_network(t);
    hln_record r;
    indicator_rec(&r, FR, "CA", T0 + DAY, "mhpc.dep-screen", 1, "Depistage");
    assert_refused(t, &r, "scope CA is outside author's jurisdiction FR");
    obs_rec(&r, FR, "CA", T0 + DAY);
    assert_refused(t, &r, "scope CA is outside author's jurisdiction FR");
    policy_rec(&r, FR, "FR", T0 + DAY, "CA", 50);
    assert_refused(t, &r, "policy for CA is outside author's jurisdiction FR");
}

static void national_publishes_its_roll_up_in_scope_global(void **state)
{
    hln_trust *t = *state;
    standard_network(t);
    hln_record r;
    obs_rec(&r, CA, "global", T0 + DAY);
    assert_allowed(t, &r);
    /* Admissions name a country's organizations: they stay in the country. */
    member_rec(&r, CA, "global", T0 + DAY, X, HLN_LEVEL_ORGANIZATION, "CA", T0, 0);
    assert_refused(t, &r, "national CA may not publish member records in scope global");
}

static void organization_publishes_in_its_country_or_region_only(void **state)
{
    hln_trust *t = *state;
    standard_network(t);
    hln_record r;
    obs_rec(&r, H1, "CA-ON", T0 + DAY);
    assert_allowed(t, &r);
    obs_rec(&r, H1, "CA", T0 + DAY);
    assert_allowed(t, &r);
    obs_rec(&r, H1, "global", T0 + DAY);
    assert_refused(t, &r, "scope global is outside author's jurisdiction CA-ON");
    obs_rec(&r, H1, "CA-QC", T0 + DAY);
    assert_refused(t, &r, "scope CA-QC is outside author's jurisdiction CA-ON");
    obs_rec(&r, H1, "FR", T0 + DAY);
    assert_refused(t, &r, "scope FR is outside author's jurisdiction CA-ON");
}

/* ---- learning records: targets, collaboratives, lessons ---- */

static void target_rec(hln_record *r, int author, const char *scope, uint64_t ts)
{
    start(r, HLN_REC_TARGET, author, scope, ts);
    strcpy(r->body.target.indicator, "mhpc.depression-screening");
    strcpy(r->body.target.by, "2026-12");
    r->body.target.value_micro = 700000;
    seal(r, author);
}

static void collab_rec(hln_record *r, int author, const char *scope, uint64_t ts)
{
    start(r, HLN_REC_COLLABORATIVE, author, scope, ts);
    hln_collaborative *c = &r->body.collaborative;
    strcpy(c->code, "on-dep");
    strcpy(c->name, "Depression screening");
    c->n_indicators = 1;
    strcpy(c->indicators[0], "mhpc.depression-screening");
    strcpy(c->start, "2026-01");
    strcpy(c->end, "2026-12");
    c->n_members = 1;
    memcpy(c->members[0], pk(H1), HLN_KEY_LEN);
    seal(r, author);
}

static void lesson_rec(hln_record *r, int author, const char *scope, uint64_t ts)
{
    start(r, HLN_REC_LESSON, author, scope, ts);
    hln_lesson *l = &r->body.lesson;
    l->n_indicators = 1;
    strcpy(l->indicators[0], "mhpc.depression-screening");
    strcpy(l->period, "2026-03");
    strcpy(l->collaborative, "on-dep");
    strcpy(l->text, "Screening at intake worked.");
    seal(r, author);
}

static void authorities_set_targets_and_run_collaboratives_in_their_jurisdiction(void **state)
{
    hln_trust *t = *state;
    standard_network(t);
    hln_record r;
    target_rec(&r, ON, "CA-ON", T0 + DAY);
    assert_allowed(t, &r);
    collab_rec(&r, ON, "CA-ON", T0 + DAY);
    assert_allowed(t, &r);
    target_rec(&r, CA, "CA", T0 + DAY);
    assert_allowed(t, &r);
    collab_rec(&r, CA, "CA-ON", T0 + DAY);
    assert_allowed(t, &r);
    /* Ontario may publish governance in CA, but its collaboratives and
     * targets stay in Ontario: they reach its jurisdiction, no wider. */
    collab_rec(&r, ON, "CA", T0 + DAY);
    assert_refused(t, &r, "collaborative records go in a scope inside the author's jurisdiction "
                          "CA-ON, not CA");
    target_rec(&r, CA, "global", T0 + DAY);
    assert_refused(t, &r, "target records go in a scope inside the author's jurisdiction CA, "
                          "not global");
    collab_rec(&r, QC, "CA-ON", T0 + DAY);
    assert_refused(t, &r, "inside the author's jurisdiction CA-QC, not CA-ON");
}

static void organizations_share_lessons_but_set_no_targets(void **state)
{
    hln_trust *t = *state;
    standard_network(t);
    hln_record r;
    lesson_rec(&r, H1, "CA-ON", T0 + DAY);
    assert_allowed(t, &r);
    lesson_rec(&r, H1, "CA", T0 + DAY);
    assert_allowed(t, &r);
    lesson_rec(&r, ON, "CA-ON", T0 + DAY);
    assert_allowed(t, &r);
    lesson_rec(&r, H1, "CA-QC", T0 + DAY);
    assert_refused(t, &r, "scope CA-QC is outside author's jurisdiction CA-ON");
    lesson_rec(&r, X, "CA-ON", T0 + DAY);
    assert_refused(t, &r, "author is not a member");
    target_rec(&r, H1, "CA-ON", T0 + DAY);
    assert_refused(t, &r, "organization may not issue target records");
    collab_rec(&r, H1, "CA-ON", T0 + DAY);
    assert_refused(t, &r, "organization may not issue collaborative records");
}

static void envelope_alone_is_judged_on_standing_type_and_scope(void **state)
{
    hln_trust *t = *state;
    standard_network(t);
    hln_record r;
    obs_rec(&r, H1, "FR", T0 + DAY);
    char why[160];
    assert_int_equal(hln_trust_may_author_env(t, &r.env, why, sizeof why), HLN_ETRUST);
    obs_rec(&r, H1, "CA", T0 + DAY);
    assert_int_equal(hln_trust_may_author_env(t, &r.env, why, sizeof why), 0);
    /* A member record without its body may be a self-description: let it
     * pass rather than stop the feed (it teaches nothing without a body). */
    member_rec(&r, CA, "global", T0 + DAY, X, HLN_LEVEL_ORGANIZATION, "CA", T0, 0);
    assert_int_equal(hln_trust_may_author_env(t, &r.env, why, sizeof why), 0);
    assert_refused(t, &r, "national CA may not publish member records in scope global");
    hln_record_erase_body(&r);
    assert_allowed(t, &r);
    assert_int_equal(hln_trust_add_record(t, &r), HLN_EINVAL);
    /* Still, no standing is no standing. */
    member_rec(&r, X, "CA", T0 + DAY, X, HLN_LEVEL_ORGANIZATION, "CA", T0, 0);
    assert_int_equal(hln_trust_may_author_env(t, &r.env, why, sizeof why), HLN_ETRUST);
}

/* ---- replication ---- */

static hln_feed_id feed(int author, const char *scope)
{
    hln_feed_id f;
    memset(&f, 0, sizeof f);
    memcpy(f.author, pk(author), HLN_KEY_LEN);
    snprintf(f.scope, sizeof f.scope, "%s", scope);
    return f;
}

static void wants_feed_keeps_organization_data_in_its_country(void **state)
{
    hln_trust *t = *state;
    standard_network(t);
    hln_feed_id org_ca = feed(H1, "CA"), rollup = feed(CA, "global"), org_on = feed(H1, "CA-ON");
    /* A hospital in France does not want Ontario's hospital data... */
    assert_false(hln_trust_wants_feed(t, &org_ca, pk(H3)));
    assert_false(hln_trust_wants_feed(t, &org_ca, pk(FR)));
    /* ...while nodes in Canada do, and everybody wants the national roll-up. */
    assert_true(hln_trust_wants_feed(t, &org_ca, pk(H2)));
    assert_true(hln_trust_wants_feed(t, &org_ca, pk(CA)));
    assert_true(hln_trust_wants_feed(t, &rollup, pk(H3)));
    assert_true(hln_trust_wants_feed(t, &rollup, pk(H1)));
    assert_true(hln_trust_wants_feed(t, &rollup, pk(G)));
    /* The global coordinator is in no country. */
    assert_false(hln_trust_wants_feed(t, &org_ca, pk(G)));
    /* Ontario's own scope: Ontario only. */
    assert_true(hln_trust_wants_feed(t, &org_on, pk(ON)));
    assert_false(hln_trust_wants_feed(t, &org_on, pk(QC)));
    assert_false(hln_trust_wants_feed(t, &org_on, pk(CA)));
}

static void a_collaboratives_feed_reaches_its_jurisdiction_only(void **state)
{
    hln_trust *t = *state;
    standard_network(t);
    hln_feed_id on = feed(ON, "CA-ON");
    uint64_t now = T0 + DAY;
    assert_true(hln_trust_wants_feed(t, &on, pk(H1)));
    assert_true(hln_trust_may_receive(t, pk(H1), &on, now));
    /* Not the clinic admitted elsewhere in Canada, not Quebec, not the country. */
    assert_false(hln_trust_wants_feed(t, &on, pk(H2)));
    assert_false(hln_trust_may_receive(t, pk(H2), &on, now));
    assert_false(hln_trust_may_receive(t, pk(QC), &on, now));
    assert_false(hln_trust_may_receive(t, pk(CA), &on, now));
    assert_false(hln_trust_may_receive(t, pk(H3), &on, now));
}

static void wants_no_feed_of_a_non_member_or_out_of_bounds_scope(void **state)
{
    hln_trust *t = *state;
    standard_network(t);
    hln_feed_id outsider = feed(X, "global"), wrong = feed(H1, "global");
    assert_false(hln_trust_wants_feed(t, &outsider, pk(H2)));
    assert_false(hln_trust_wants_feed(t, &wrong, pk(H2)));
}

static void wants_feed_uses_the_nodes_own_configuration_before_its_membership_arrives(void **state)
{
    hln_trust *t = *state;
    admit(t, G, "global", CA, HLN_LEVEL_NATIONAL, "CA");
    hln_feed_id f = feed(CA, "CA");
    assert_false(hln_trust_wants_feed(t, &f, pk(X)));
    assert_int_equal(hln_trust_set_self(t, pk(X), HLN_LEVEL_ORGANIZATION, "CA-ON"), 0);
    assert_true(hln_trust_wants_feed(t, &f, pk(X)));
    assert_int_equal(hln_trust_set_self(t, pk(X), HLN_LEVEL_NATIONAL, "CA-ON"), HLN_EINVAL);
}

static void may_receive_never_sends_a_feed_outside_its_scope(void **state)
{
    hln_trust *t = *state;
    standard_network(t);
    hln_feed_id org_ca = feed(H1, "CA"), rollup = feed(CA, "global");
    assert_false(hln_trust_may_receive(t, pk(H3), &org_ca, T0 + DAY));
    assert_false(hln_trust_may_receive(t, pk(X), &org_ca, T0 + DAY));
    assert_true(hln_trust_may_receive(t, pk(H2), &org_ca, T0 + DAY));
    assert_true(hln_trust_may_receive(t, pk(H3), &rollup, T0 + DAY));
    /* Scope global goes to every peer the transport admitted. */
    assert_true(hln_trust_may_receive(t, pk(X), &rollup, T0 + DAY));
    /* A membership that has ended no longer opens the country's data. */
    assert_false(hln_trust_may_receive(t, pk(H2), &org_ca, T0 + 3 * YEAR));
}

/* ---- policy ---- */

static void strictest_policy_in_force_wins(void **state)
{
    hln_trust *t = *state;
    standard_network(t);
    hln_record r;
    policy_rec(&r, G, "global", T0, "global", 5);
    assert_int_equal(hln_trust_add_record(t, &r), 0);
    policy_rec(&r, CA, "CA", T0, "CA", 10);
    assert_int_equal(hln_trust_add_record(t, &r), 0);
    policy_rec(&r, ON, "CA", T0, "CA-ON", 20);
    assert_int_equal(hln_trust_add_record(t, &r), 0);
    assert_int_equal(hln_trust_policy_min_cell(t, "CA-ON", 1), 20);
    assert_int_equal(hln_trust_policy_min_cell(t, "CA-QC", 1), 10);
    assert_int_equal(hln_trust_policy_min_cell(t, "CA", 1), 10);
    assert_int_equal(hln_trust_policy_min_cell(t, "FR", 1), 5);
    /* The node's own floor may be stricter, never looser. */
    assert_int_equal(hln_trust_policy_min_cell(t, "FR", 11), 11);
    assert_int_equal(hln_trust_policy_min_cell(t, "CA-ON", 11), 20);
}

static void an_authoritys_later_policy_replaces_its_earlier_one(void **state)
{
    hln_trust *t = *state;
    standard_network(t);
    hln_record r;
    policy_rec(&r, CA, "CA", T0 + 2 * DAY, "CA", 8);
    assert_int_equal(hln_trust_add_record(t, &r), 0);
    policy_rec(&r, CA, "CA", T0 + DAY, "CA", 30); /* older, arriving later */
    assert_int_equal(hln_trust_add_record(t, &r), 0);
    assert_int_equal(hln_trust_policy_min_cell(t, "CA", 1), 8);
}

static void policy_from_an_unentitled_author_does_not_count(void **state)
{
    hln_trust *t = *state;
    standard_network(t);
    hln_record r;
    policy_rec(&r, FR, "FR", T0, "CA", 99); /* another country's */
    assert_int_equal(hln_trust_add_record(t, &r), 0);
    policy_rec(&r, X, "CA", T0, "CA", 98); /* an outsider's */
    assert_int_equal(hln_trust_add_record(t, &r), 0);
    assert_int_equal(hln_trust_policy_min_cell(t, "CA", 11), 11);
}

/* ---- catalogue ---- */

static void indicator_gives_the_latest_version_from_an_entitled_author(void **state)
{
    hln_trust *t = *state;
    standard_network(t);
    hln_record r;
    indicator_rec(&r, CA, "CA", T0 + 2 * DAY, "mhpc.dep-screen", 2, "Screening v2");
    assert_int_equal(hln_trust_add_record(t, &r), 0);
    indicator_rec(&r, CA, "CA", T0 + DAY, "mhpc.dep-screen", 1, "Screening v1");
    assert_int_equal(hln_trust_add_record(t, &r), 0);
    indicator_rec(&r, X, "CA", T0 + 3 * DAY, "mhpc.dep-screen", 9, "Hijack");
    assert_int_equal(hln_trust_add_record(t, &r), 0);
    hln_indicator d;
    uint8_t author[HLN_KEY_LEN];
    assert_int_equal(hln_trust_indicator(t, "mhpc.dep-screen", &d, author), 0);
    assert_int_equal(d.version, 2);
    assert_string_equal(d.title, "Screening v2");
    assert_memory_equal(author, pk(CA), HLN_KEY_LEN);
    assert_int_equal(hln_trust_indicator(t, "mhpc.none", &d, NULL), HLN_ENOTFOUND);
}

static void higher_level_definition_prevails_over_a_lower_ones_newer_version(void **state)
{
    hln_trust *t = *state;
    standard_network(t);
    hln_record r;
    indicator_rec(&r, ON, "CA", T0 + 5 * DAY, "mhpc.dep-screen", 7, "Ontario's");
    assert_int_equal(hln_trust_add_record(t, &r), 0);
    indicator_rec(&r, CA, "CA", T0 + DAY, "mhpc.dep-screen", 1, "Canada's");
    assert_int_equal(hln_trust_add_record(t, &r), 0);
    hln_indicator d;
    assert_int_equal(hln_trust_indicator(t, "mhpc.dep-screen", &d, NULL), 0);
    assert_string_equal(d.title, "Canada's");
}

/* ---- flags, listing, bookkeeping ---- */

static void flags_mark_misbehaving_authors_without_revoking_them(void **state)
{
    hln_trust *t = *state;
    standard_network(t);
    assert_false(hln_trust_flagged(t, pk(H1)));
    assert_int_equal(hln_trust_flag(t, pk(H1), "fork at seq 7"), 0);
    assert_int_equal(hln_trust_flag(t, pk(H1), "second reason"), 0);
    assert_true(hln_trust_flagged(t, pk(H1)));
    assert_false(hln_trust_flagged(t, pk(H2)));
    hln_trust_info info;
    assert_int_equal(hln_trust_member(t, pk(H1), T0 + DAY, &info), 0);
    assert_true(info.flagged);
    assert_string_equal(info.flag_reason, "fork at seq 7");
    /* A flagged stranger is listed too. */
    assert_int_equal(hln_trust_flag(t, pk(X), "policy breach"), 0);
    assert_int_equal(hln_trust_member(t, pk(X), T0, &info), HLN_ETRUST);
    assert_int_equal(info.status, HLN_TRUST_UNKNOWN);
    assert_true(info.flagged);
}

typedef struct {
    int n, anchors, members, revoked, flagged;
    uint8_t last[HLN_KEY_LEN];
} tally;

static int count_member(void *ctx, const hln_trust_info *info)
{
    tally *c = ctx;
    if (c->n > 0)
        assert_true(memcmp(c->last, info->key, HLN_KEY_LEN) < 0);
    memcpy(c->last, info->key, HLN_KEY_LEN);
    c->n++;
    c->anchors += info->status == HLN_TRUST_ANCHOR;
    c->members += info->status == HLN_TRUST_MEMBER;
    c->revoked += info->status == HLN_TRUST_REVOKED;
    c->flagged += info->flagged;
    return 0;
}

static void member_list_walks_every_key_once_in_key_order(void **state)
{
    hln_trust *t = *state;
    standard_network(t);
    hln_record v;
    revoke_rec(&v, FR, "FR", T0 + DAY, H3, T0 + DAY, "closed");
    assert_int_equal(hln_trust_add_record(t, &v), 0);
    assert_int_equal(hln_trust_flag(t, pk(H2), "fork"), 0);
    tally c;
    memset(&c, 0, sizeof c);
    assert_int_equal(hln_trust_foreach_member(t, T0 + 2 * DAY, count_member, &c), 0);
    assert_int_equal(c.n, 8); /* G and the seven admitted */
    assert_int_equal(c.anchors, 1);
    assert_int_equal(c.members, 6);
    assert_int_equal(c.revoked, 1);
    assert_int_equal(c.flagged, 1);
}

static int count_anchor(void *ctx, const hln_trust_anchor *a)
{
    int *n = ctx;
    (*n)++;
    assert_true(a->given);
    return 0;
}

static void anchor_list_shows_each_anchor(void **state)
{
    hln_trust *t = *state;
    int n = 0;
    assert_int_equal(hln_trust_foreach_anchor(t, count_anchor, &n), 0);
    assert_int_equal(n, 1);
}

static void duplicates_and_erased_bodies_are_refused_other_types_ignored(void **state)
{
    hln_trust *t = *state;
    hln_record r;
    member_rec(&r, G, "global", T0, CA, HLN_LEVEL_NATIONAL, "CA", T0, 0);
    assert_int_equal(hln_trust_add_record(t, &r), 0);
    assert_int_equal(hln_trust_add_record(t, &r), HLN_EDUP);
    hln_record o;
    obs_rec(&o, CA, "CA", T0);
    assert_int_equal(hln_trust_add_record(t, &o), 0);
    assert_int_equal(hln_trust_add_record(t, &o), 0); /* not kept, so no duplicate either */
    member_rec(&r, G, "global", T0, FR, HLN_LEVEL_NATIONAL, "FR", T0, 0);
    hln_record_erase_body(&r);
    assert_int_equal(hln_trust_add_record(t, &r), HLN_EINVAL);
}

static void unterminated_strings_from_a_careless_caller_are_cut_not_overread(void **state)
{
    hln_trust *t = *state;
    standard_network(t);
    hln_record r;
    member_rec(&r, CA, "CA", T0, X, HLN_LEVEL_ORGANIZATION, "CA", T0, 0);
    /* Built by hand after sealing: no NUL anywhere in the strings. */
    memset(r.env.scope, 'A', sizeof r.env.scope);
    memset(r.body.member.jurisdiction, 'B', sizeof r.body.member.jurisdiction);
    memset(r.body.member.name, 'C', sizeof r.body.member.name);
    char why[160];
    assert_int_equal(hln_trust_may_author(t, &r, why, sizeof why), HLN_ETRUST);
    assert_int_equal(hln_trust_may_author_env(t, &r.env, why, sizeof why), HLN_ETRUST);
    assert_int_equal(hln_trust_add_record(t, &r), 0);
    hln_trust_info info;
    assert_int_equal(hln_trust_member(t, pk(X), T0, &info), HLN_ETRUST);
    assert_int_equal(strlen(info.name), HLN_NAME_MAX);
}

static void unknown_key_is_not_found(void **state)
{
    hln_trust *t = *state;
    hln_trust_info info;
    assert_int_equal(hln_trust_member(t, pk(X), T0, &info), HLN_ENOTFOUND);
    assert_int_equal(info.status, HLN_TRUST_UNKNOWN);
    assert_string_equal(hln_trust_status_name(HLN_TRUST_REVOKED), "revoked");
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(anchor_is_trusted_outright),
        T(anchor_level_must_fit_its_jurisdiction),
        T(anchor_without_level_learns_it_from_its_self_signed_member_record),
        T(self_signed_member_record_of_a_non_anchor_grants_nothing),
        T(member_cannot_promote_itself_with_a_self_signed_record),
        T(anchor_standing_is_not_taken_from_a_strangers_record),
        T(anchor_without_level_takes_it_from_another_anchors_admission),
        T(anchors_self_description_cannot_place_it_in_another_country),
        T(removing_an_anchor_ends_the_chains_below_it),
        T(chain_global_national_subnational_organization_is_accepted),
        T(organization_may_not_issue_member_records),
        T(organization_may_not_issue_indicators_or_policy),
        T(subnational_may_not_admit_outside_its_region),
        T(subnational_may_not_admit_another_subnational),
        T(global_admits_only_national_authorities),
        T(national_may_not_admit_in_another_country),
        T(national_may_not_admit_another_national),
        T(anchor_of_unknown_level_may_not_admit_a_global_member),
        T(authority_without_a_role_may_not_use_it),
        T(expired_membership_is_refused),
        T(membership_not_yet_in_force_is_refused),
        T(admission_signed_after_the_issuers_membership_expired_is_void),
        T(roles_restrict_what_a_member_may_author),
        T(out_of_order_arrival_converges),
        T(random_tangles_converge_whatever_the_order),
        T(twin_admissions_give_one_answer_in_either_order),
        T(issuer_record_arriving_late_turns_a_refusal_into_acceptance),
        T(cycles_of_member_records_trust_no_one),
        T(a_cycle_back_to_an_anchor_changes_nothing),
        T(revoked_key_records_dated_after_revocation_are_refused_earlier_stay),
        T(revocation_arriving_before_the_membership_it_ends_still_applies),
        T(authority_above_the_issuer_may_revoke),
        T(subject_may_revoke_itself),
        T(revocation_from_outside_the_jurisdiction_is_ignored),
        T(revocation_by_an_authority_no_longer_entitled_is_ignored),
        T(organization_may_not_revoke_others),
        T(revoked_issuer_keeps_earlier_admissions_and_loses_later_ones),
        T(rotation_hands_the_standing_to_the_new_key),
        T(old_key_is_refused_past_the_closed_seq_and_keeps_its_history),
        T(only_an_entitled_issuer_may_rotate),
        T(a_key_rotating_itself_hands_nothing_on),
        T(a_thiefs_self_revocation_cannot_void_the_kept_history),
        T(rotations_chain_old_to_new_to_newer),
        T(an_anchor_is_rotated_by_its_operator_only),
        T(rotation_dated_before_the_admission_still_applies_in_any_order),
        T(national_may_not_publish_into_another_countrys_scope),
        T(national_publishes_its_roll_up_in_scope_global),
        T(organization_publishes_in_its_country_or_region_only),
        T(authorities_set_targets_and_run_collaboratives_in_their_jurisdiction),
        T(organizations_share_lessons_but_set_no_targets),
        T(a_collaboratives_feed_reaches_its_jurisdiction_only),
        T(envelope_alone_is_judged_on_standing_type_and_scope),
        T(wants_feed_keeps_organization_data_in_its_country),
        T(wants_no_feed_of_a_non_member_or_out_of_bounds_scope),
        T(wants_feed_uses_the_nodes_own_configuration_before_its_membership_arrives),
        T(may_receive_never_sends_a_feed_outside_its_scope),
        T(strictest_policy_in_force_wins),
        T(an_authoritys_later_policy_replaces_its_earlier_one),
        T(policy_from_an_unentitled_author_does_not_count),
        T(indicator_gives_the_latest_version_from_an_entitled_author),
        T(higher_level_definition_prevails_over_a_lower_ones_newer_version),
        T(flags_mark_misbehaving_authors_without_revoking_them),
        T(member_list_walks_every_key_once_in_key_order),
        T(anchor_list_shows_each_anchor),
        T(duplicates_and_erased_bodies_are_refused_other_types_ignored),
        T(unterminated_strings_from_a_careless_caller_are_cut_not_overread),
        T(unknown_key_is_not_found),
    };
    return cmocka_run_group_tests_name("trust", tests, group_setup, group_teardown);
}
