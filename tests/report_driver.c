/* report_driver.c - seeds a demo node and runs `report` on it, for tests/t_report_browser.sh. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"
#include "crypto/err.h"
#include "node/hlnctl/cmd_gov.h"
#include "node/node.h"
#include "node/hlnctl/report.h"
#include "proto/record.h"
#include "store/store.h"
#include "node/gov.h"

/*   report_driver seed DATADIR      a national authority (CA) that trusts
 *                                   itself, admits four organizations and
 *                                   defines two indicators; the
 *                                   organizations' observations for two
 *                                   quarters, one suppressed
 *   report_driver report DATADIR ARGS...   hln_cli_report(DATADIR, ARGS)
 * Keys come from fixed seeds, so every run makes the same records. */

#define TS 1767225600000ull /* 2026-01-01, after every member record's start */
#define SCREEN "mhpc.depression-screening"
#define CRISIS "mhpc.crisis-admissions"

typedef struct {
    hln_identity *id;
    uint64_t seq;
    uint8_t prev[HLN_HASH_LEN];
} feed;

static int put(hln_store *s, feed *f, hln_record *r)
{
    char err[160] = "";
    int rc = hln_record_seal(r, f->id, err, sizeof err);
    if (rc == 0)
        rc = hln_store_append(s, r);
    if (rc != 0) {
        fprintf(stderr, "report_driver: append: %s %s\n", hln_strerror(rc), err);
        return rc;
    }
    memcpy(f->prev, r->id, HLN_HASH_LEN);
    return 0;
}

static int observe(hln_store *s, feed *f, const char *ind, const char *period, const char *unit,
                   uint64_t x, uint64_t n, bool suppressed)
{
    hln_record r;
    f->seq++;
    hln_record_init(&r, HLN_REC_OBSERVATION, hln_identity_pk(f->id), "CA", f->seq,
                    f->seq > 1 ? f->prev : NULL, TS + f->seq * 1000);
    hln_observation *o = &r.body.observation;
    snprintf(o->indicator, sizeof o->indicator, "%s", ind);
    snprintf(o->period, sizeof o->period, "%s", period);
    snprintf(o->unit, sizeof o->unit, "%s", unit);
    o->numerator = x, o->denominator = n, o->suppressed = suppressed;
    return put(s, f, &r);
}

static int seed(const char *dir)
{
    static const struct {
        const char *name, *jurisdiction;
    } orgs[4] = {{"Toronto Family Health Team", "CA-ON"},
                 {"Clinique <Saint & Jean> \"Nord\"", "CA-QC"},
                 {"Ottawa Valley Primary Care", "CA-ON"},
                 {"Vancouver Coastal Clinics", "CA-BC"}};
    char err[256] = "";
    hln_node_info info = {.level = HLN_LEVEL_NATIONAL};
    snprintf(info.name, sizeof info.name, "Health Canada (demo)");
    snprintf(info.jurisdiction, sizeof info.jurisdiction, "CA");
    hln_node *n = NULL;
    int rc = hln_node_create(dir, &info, &n, err, sizeof err);
    if (rc != 0) {
        fprintf(stderr, "report_driver: %s\n", err[0] ? err : hln_strerror(rc));
        return 1;
    }
    hln_store *s = hln_node_store(n);
    /* The authority trusts itself (as `hlnctl trust add` of its own id
     * would), so that it stands and its member records admit the
     * organizations, with their names and jurisdictions. */
    hln_gov_anchor self = {.level = HLN_LEVEL_NATIONAL, .added_ms = TS - 7200000ull};
    memcpy(self.id, hln_node_pk(n), HLN_KEY_LEN);
    snprintf(self.name, sizeof self.name, "%s", info.name);
    snprintf(self.jurisdiction, sizeof self.jurisdiction, "CA");
    rc = hln_gov_anchor_put(s, &self);

    hln_node_item items[6];
    memset(items, 0, sizeof items);
    feed org[4];
    for (int i = 0; i < 4 && rc == 0; i++) {
        uint8_t sd[32];
        memset(sd, 0x40 + i, sizeof sd);
        org[i].id = hln_identity_from_seed(sd);
        org[i].seq = 0;
        if (!org[i].id)
            rc = HLN_ENOMEM;
        items[i].type = HLN_REC_MEMBER;
        hln_member *m = &items[i].body.member;
        if (rc == 0)
            memcpy(m->subject, hln_identity_pk(org[i].id), HLN_KEY_LEN);
        snprintf(m->name, sizeof m->name, "%s", orgs[i].name);
        snprintf(m->jurisdiction, sizeof m->jurisdiction, "%s", orgs[i].jurisdiction);
        m->level = HLN_LEVEL_ORGANIZATION;
        m->roles = HLN_ROLE_PUBLISH;
        m->valid_from_ms = TS - 86400000ull;
    }
    items[4].type = HLN_REC_INDICATOR;
    hln_indicator *d = &items[4].body.indicator;
    snprintf(d->code, sizeof d->code, SCREEN);
    snprintf(d->title, sizeof d->title, "Depression screening in primary care <adults> & teens");
    snprintf(d->description, sizeof d->description,
             "Share of patients aged 12 and over screened for depression with a validated tool.");
    d->version = 1, d->kind = HLN_KIND_PROPORTION, d->multiplier = 1;
    d->direction = HLN_DIR_HIGHER, d->domain = HLN_DOMAIN_PROCESS, d->method = HLN_FUNNEL_EXACT;
    items[5].type = HLN_REC_INDICATOR;
    d = &items[5].body.indicator;
    snprintf(d->code, sizeof d->code, CRISIS);
    snprintf(d->title, sizeof d->title, "Mental health crisis admissions");
    snprintf(d->description, sizeof d->description,
             "Emergency admissions for a mental health crisis per 1000 patient-years.");
    d->version = 1, d->kind = HLN_KIND_RATE, d->multiplier = 1000;
    d->direction = HLN_DIR_LOWER, d->domain = HLN_DOMAIN_OUTCOME, d->method = HLN_FUNNEL_EXACT;
    if (rc == 0)
        rc = hln_node_append(n, "CA", items, 6, TS - 3600000ull, NULL, err, sizeof err);

    /* 14 practices over four organizations, two quarters; one suppressed. */
    static const uint64_t P[14][2] = {{45, 120},  {88, 150},  {30, 95},   {140, 210}, {61, 80},
                                      {17, 60},   {205, 260}, {52, 131},  {99, 140},  {12, 40},
                                      {160, 300}, {73, 90},   {420, 700}, {25, 33}};
    for (int i = 0; i < 14 && rc == 0; i++) {
        char unit[32];
        snprintf(unit, sizeof unit, "practice-%02d", i + 1);
        rc = observe(s, &org[i % 4], SCREEN, "2026-Q1", unit, P[i][0] * 9 / 10, P[i][1], false);
        if (rc == 0)
            rc = observe(s, &org[i % 4], SCREEN, "2026-Q2", unit, P[i][0], P[i][1], false);
    }
    if (rc == 0)
        rc = observe(s, &org[1], SCREEN, "2026-Q2", "practice-15", 0, 0, true);
    static const uint64_t R[6][2] = {{3, 800},     {12, 5000}, {40, 20000},
                                     {150, 90000}, {9, 2500},  {61, 21000}};
    for (int i = 0; i < 6 && rc == 0; i++) {
        char unit[32];
        snprintf(unit, sizeof unit, "region-%d", i + 1);
        rc = observe(s, &org[i % 4], CRISIS, "2026", unit, R[i][0], R[i][1], false);
    }
    for (int i = 0; i < 4; i++)
        hln_identity_destroy(&org[i].id);
    hln_node_close(&n);
    if (rc != 0) {
        fprintf(stderr, "report_driver: seed: %s %s\n", hln_strerror(rc), err);
        return 1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (hln_crypto_init() != 0)
        return 1;
    if (argc == 3 && !strcmp(argv[1], "seed"))
        return seed(argv[2]);
    if (argc >= 3 && !strcmp(argv[1], "report")) {
        /* argv[2] is the data directory; the command word takes its place */
        const char *dir = argv[2];
        argv[2] = "report";
        return hln_cli_report(dir, argc - 2, argv + 2);
    }
    fputs("usage: report_driver seed DATADIR | report DATADIR --html OUTDIR [ARGS...]\n", stderr);
    return 2;
}
