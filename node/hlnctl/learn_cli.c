/* learn_cli.c - the plumbing of hlnctl's target, collaborative, lesson and improve commands. */
#include "node/hlnctl/learn_cli.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crypto/err.h"
#include "node/control.h"
#include "node/gov.h"
#include "node/hlnctl/cli.h"
#include "node/util.h"

int hln_learn_session_open(hln_learn_session *s, const char *datadir, unsigned flags)
{
    memset(s, 0, sizeof *s);
    int rc = hln_cli_open_node(datadir, flags, &s->node);
    if (rc < 0)
        return EXIT_FAIL;
    if ((rc = hln_gov_trust_load(s->node, &s->trust)) < 0 ||
        (rc = hln_node_definitions(s->node, &s->defs, &s->ndefs)) < 0 ||
        (rc = hln_learn_load(hln_node_store(s->node), s->trust, &s->learn)) < 0) {
        hln_warnx("reading the store: %s", hln_strerror(rc));
        hln_learn_session_close(s);
        return EXIT_FAIL;
    }
    s->now_ms = hln_util_wall_ms();
    return EXIT_OK;
}

void hln_learn_session_close(hln_learn_session *s)
{
    hln_learn_destroy(&s->learn);
    free(s->defs);
    s->defs = NULL;
    hln_trust_destroy(&s->trust);
    hln_node_close(&s->node);
}

const char *hln_learn_name_of(void *ctx, const uint8_t key[HLN_KEY_LEN])
{
    static hln_trust_info info;
    hln_learn_session *s = ctx;
    memset(&info, 0, sizeof info);
    if (hln_trust_member(s->trust, key, s->now_ms, &info) == HLN_ENOTFOUND)
        return "";
    return info.name;
}

int hln_learn_author(hln_learn_session *s, const char *datadir, uint32_t type,
                     const hln_body *body, const char *scope, bool json, json_object *extra)
{
    uint64_t seq = 0, ts = 0;
    char why[256] = "";
    int rc = hln_gov_author(s->node, type, body, scope, &seq, &ts, why, sizeof why);
    if (rc) {
        hln_warnx("refused: %s (docs/GOVERNANCE.md)", why[0] ? why : hln_strerror(rc));
        if (strcmp(why, "author is not a member") == 0)
            hln_warnx("this node has no standing yet: trust an anchor (hlnctl trust add) and "
                      "receive the member record that admits it");
        json_object_put(extra);
        return EXIT_FAIL;
    }
    if (json) {
        json_object *x = extra ? extra : json_object_new_object();
        json_object_object_add(x, "type", json_object_new_string(hln_rec_type_name(type)));
        json_object_object_add(x, "scope", json_object_new_string(scope));
        json_object_object_add(x, "seq", json_object_new_uint64(seq));
        json_object_object_add(x, "timestamp_ms", json_object_new_uint64(ts));
        hln_print_json(x);
    } else {
        json_object_put(extra);
        printf("%s record %llu in scope %s\n", hln_rec_type_name(type), (unsigned long long)seq,
               scope);
    }
    if ((rc = hln_control_notify_appended(datadir)) != 0)
        hln_warnx("hlnd did not take the news (%s); it will announce the record later",
                  hln_strerror(rc));
    return EXIT_OK;
}

bool hln_learn_has_stratum(const hln_indicator *d, const char *stratum)
{
    bool known = !stratum[0];
    for (uint32_t k = 0; k < d->n_strata && k < HLN_STRATA_MAX && !known; k++)
        known = !strcmp(d->strata[k], stratum);
    return known;
}

void hln_learn_iso_time(uint64_t ms, char *buf, size_t len)
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    if (!gmtime_r(&t, &tm) || !strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm))
        snprintf(buf, len, "-");
}
