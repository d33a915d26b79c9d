/* cmd_verify.c - hlnctl bench verify: ask the running hlnd to compare evidence digests with its
 * peers, and say who agrees and why not. */
#include "node/hlnctl/cmd_verify.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "crypto/err.h"
#include "node/control.h"
#include "node/hlnctl/cli.h"
#include "node/util.h"
#include "node/verify.h"
#include "proto/codes.h"

/* ---- hlnctl bench verify ---- */

static void usage(FILE *f)
{
    fputs("usage: hlnctl [-d DIR] bench verify INDICATOR --period P [--group G] [--stratum S]\n"
          "                                   [--method exact|wilson] [--json]\n"
          "Ask the peers of the running hlnd for their evidence digest of the same benchmark\n"
          "and say who agrees; for those who differ, which feeds are missing or behind on\n"
          "either side. Exit 0 when every peer that answered agrees, 1 otherwise or when\n"
          "no peer answered. See docs/BENCHMARKS.md, \"Agreement between nodes\".\n\n"
          "  --period P          the period: 2026, 2026-Q3, 2026-09 (required)\n"
          "  --group G           a jurisdiction (CA, CA-ON), all or level:NAME (default: as\n"
          "                      hlnctl bench, the node's country)\n"
          "  --stratum S         a stratum instead of the total\n"
          "  --method M          funnel method: exact or wilson (default: the indicator's)\n"
          "  --timeout-ms N      how long hlnd waits for answers (default 3000)\n"
          "  --json              machine-readable output\n"
          "  -h, --help          this help\n",
          f);
}

static const char *jget_str(json_object *o, const char *k)
{
    json_object *x;
    return json_object_object_get_ex(o, k, &x) && json_object_is_type(x, json_type_string)
               ? json_object_get_string(x)
               : "";
}

static int64_t jint(json_object *o, const char *k)
{
    json_object *x;
    return json_object_object_get_ex(o, k, &x) ? json_object_get_int64(x) : 0;
}

static bool jbool(json_object *o, const char *k)
{
    json_object *x;
    return json_object_object_get_ex(o, k, &x) && json_object_get_boolean(x);
}

/* One cause for people. */
static void print_cause(json_object *c)
{
    const char *kind = jget_str(c, "kind");
    char feed[96];
    const char *name = jget_str(c, "author_name");
    snprintf(feed, sizeof feed, "%s/%s%s%s%s", jget_str(c, "author_short"), jget_str(c, "scope"),
             name[0] ? " (" : "", name, name[0] ? ")" : "");
    long long ps = (long long)jint(c, "peer_seq"), os = (long long)jint(c, "our_seq");
    if (!strcmp(kind, "peer-lacks-feed"))
        printf("    peer lacks feed %s (we have seq %lld)\n", feed, os);
    else if (!strcmp(kind, "peer-behind"))
        printf("    peer behind on feed %s: has seq %lld, we have %lld\n", feed, ps, os);
    else if (!strcmp(kind, "we-lack-feed"))
        printf("    we lack feed %s (peer has seq %lld)\n", feed, ps);
    else if (!strcmp(kind, "we-are-behind"))
        printf("    we are behind on feed %s: we have seq %lld, peer has %lld\n", feed, os, ps);
    else if (!strcmp(kind, "fork"))
        printf("    feed %s forked: different records at seq %lld\n", feed, ps);
    else if (!strcmp(kind, "counted-differently"))
        printf("    same records of feed %s (seq %lld), but %s count%s them (trust or rules)\n",
               feed, os, jbool(c, "we_count") ? "only we" : "only the peer",
               jbool(c, "we_count") ? "" : "s");
    else if (!strcmp(kind, "different-engine"))
        puts("    same feeds, another benchmark engine version");
    else if (!strcmp(kind, "different-rules"))
        puts("    same feeds, different rules (version or trust)");
    else if (!strcmp(kind, "truncated"))
        puts("    (feed lists truncated: the causes above may be incomplete)");
    else
        printf("    %s\n", kind);
}

static void print_table(json_object *rep, size_t *agree, size_t *answered, size_t *n)
{
    json_object *q = NULL, *lo = NULL, *peers = NULL;
    json_object_object_get_ex(rep, "query", &q);
    json_object_object_get_ex(rep, "local", &lo);
    json_object_object_get_ex(rep, "peers", &peers);
    const char *stratum = jget_str(q, "stratum");
    printf("%s %s, group %s, %s%s: our digest %.12s (%lld counted, %lld suppressed, %lld feeds)\n",
           jget_str(q, "indicator"), jget_str(q, "period"), jget_str(q, "group"),
           stratum[0] ? "stratum " : "total", stratum, jget_str(lo, "digest"),
           (long long)jint(lo, "counted"), (long long)jint(lo, "suppressed"),
           (long long)jint(lo, "feeds"));
    size_t np = peers ? json_object_array_length(peers) : 0;
    if (np)
        printf("%-16s %-15s %-17s %-12s %s\n", "PEER", "ID", "STATE", "DIGEST", "AGREES");
    for (size_t i = 0; i < np; i++) {
        json_object *p = json_object_array_get_idx(peers, i);
        const char *name = jget_str(p, "name");
        const char *digest = jget_str(p, "digest");
        bool ok = !strcmp(jget_str(p, "state"), "answered");
        printf("%-16.16s %-15.15s %-17s %-12.12s %s\n", name[0] ? name : "-", jget_str(p, "id"),
               jget_str(p, "state"), digest[0] ? digest : "-",
               !ok                  ? "-"
               : jbool(p, "agrees") ? "yes"
                                    : "no");
        json_object *ca = NULL;
        if (ok && !jbool(p, "agrees") && json_object_object_get_ex(p, "causes", &ca))
            for (size_t k = 0; k < json_object_array_length(ca); k++)
                print_cause(json_object_array_get_idx(ca, k));
        if (jint(p, "causes_more"))
            printf("    ... and %lld more\n", (long long)jint(p, "causes_more"));
    }
    *n = np;
    *agree = *answered = 0;
    for (size_t i = 0; i < np; i++) {
        json_object *p = json_object_array_get_idx(peers, i);
        if (!strcmp(jget_str(p, "state"), "answered")) {
            (*answered)++;
            *agree += jbool(p, "agrees");
        }
    }
}

static void count(json_object *rep, size_t *agree, size_t *answered)
{
    json_object *peers = NULL;
    *agree = *answered = 0;
    if (!json_object_object_get_ex(rep, "peers", &peers))
        return;
    for (size_t i = 0; i < json_object_array_length(peers); i++) {
        json_object *p = json_object_array_get_idx(peers, i);
        if (!strcmp(jget_str(p, "state"), "answered")) {
            (*answered)++;
            *agree += jbool(p, "agrees");
        }
    }
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

typedef struct {
    const char *indicator, *period, *group, *stratum, *method, *timeout_s;
    long timeout;
    bool json;
} vopts;

/* Parse and check the arguments after "verify". HLN_CLI_GO, or the exit status. */
static int verify_args(const char **datadir, int argc, char **argv, vopts *o)
{
    const hln_cli_opt opts[] = {HLN_CLI_VALUE("period", &o->period),
                                HLN_CLI_VALUE("group", &o->group),
                                HLN_CLI_VALUE("stratum", &o->stratum),
                                HLN_CLI_VALUE("method", &o->method),
                                HLN_CLI_VALUE("timeout-ms", &o->timeout_s),
                                HLN_CLI_FLAG("json", &o->json),
                                HLN_CLI_END};
    hln_cli_args a = {.what = "bench verify",
                      .opts = opts,
                      .pos = &o->indicator,
                      .maxpos = 1,
                      .datadir = datadir,
                      .usage = usage,
                      .remind = true};
    int r = hln_cli_parse(&a, argc, argv);
    if (r != HLN_CLI_GO)
        return r;
    char *end = NULL;
    if (o->timeout_s)
        o->timeout = strtol(o->timeout_s, &end, 10);
    if (o->timeout_s &&
        (!o->timeout_s[0] || *end || o->timeout < 0 || o->timeout > HLN_VERIFY_TIMEOUT_MAX))
        return hln_cli_usage_error(&a, "--timeout-ms is 0-%d", HLN_VERIFY_TIMEOUT_MAX);
    if (!o->indicator || !hln_code_indicator(o->indicator, strlen(o->indicator)))
        return hln_cli_usage_error(
            &a, "an indicator code is required (such as mhpc.depression-screening)");
    if (!o->period || !hln_code_period(o->period, strlen(o->period)))
        return hln_cli_usage_error(&a, "--period P is required (YYYY, YYYY-Qn or YYYY-MM)");
    if (o->group && !hln_wire_group_valid(o->group, strlen(o->group)))
        return hln_cli_usage_error(
            &a, "--group is all, a jurisdiction such as CA or CA-ON, or level:NAME");
    if (!hln_code_stratum(o->stratum, strlen(o->stratum)))
        return hln_cli_usage_error(&a, "invalid stratum");
    if (o->method[0] && strcmp(o->method, "exact") && strcmp(o->method, "wilson"))
        return hln_cli_usage_error(&a, "--method is exact or wilson");
    return HLN_CLI_GO;
}

/* Ask hlnd to start the exchange; its query id into qid. */
static int start_query(const char *datadir, const vopts *o, char qid[16])
{
    json_object *req = json_object_new_object(), *rep = NULL;
    char err[256] = "";
    hln_cli_jstr(req, "cmd", "bench.verify");
    hln_cli_jstr(req, "indicator", o->indicator);
    hln_cli_jstr(req, "period", o->period);
    if (o->group)
        hln_cli_jstr(req, "group", o->group);
    hln_cli_jstr(req, "stratum", o->stratum);
    hln_cli_jstr(req, "method", o->method);
    json_object_object_add(req, "timeout_ms", json_object_new_int64(o->timeout));
    int rc = hln_control_request(datadir, req, 5000, &rep, err, sizeof err);
    json_object_put(req);
    if (rc == HLN_ESTATE) {
        hln_warnx("bench verify: hlnd is not running (it asks the peers)");
        return EXIT_FAIL;
    }
    if (rc != 0) {
        if (!strcmp(err, hln_strerror(HLN_ENOTFOUND)))
            hln_warnx("bench verify: no definition of indicator %s is held", o->indicator);
        else
            hln_warnx("bench verify: hlnd refused: %s", err);
        return EXIT_FAIL;
    }
    snprintf(qid, 16, "%s", jget_str(rep, "query"));
    json_object_put(rep);
    return HLN_CLI_GO;
}

/* Poll until every peer answered or hlnd's deadline passed (with slack).
 * The final report into *out, or NULL after a message. */
static json_object *await_result(const char *datadir, const char *qid, long timeout)
{
    uint64_t give_up = hln_util_mono_ms() + (uint64_t)timeout + 5000;
    for (;;) {
        json_object *req = json_object_new_object(), *rep = NULL;
        char err[256] = "";
        hln_cli_jstr(req, "cmd", "bench.verify.result");
        hln_cli_jstr(req, "query", qid);
        int rc = hln_control_request(datadir, req, 3000, &rep, err, sizeof err);
        json_object_put(req);
        if (rc != 0) {
            hln_warnx("bench verify: %s", err);
            return NULL;
        }
        if (jbool(rep, "done"))
            return rep;
        json_object_put(rep);
        if (hln_util_mono_ms() > give_up) {
            hln_warnx("bench verify: hlnd did not finish in time");
            return NULL;
        }
        sleep_ms(50);
    }
}

/* Print the report; the exit status: 0 when every peer that answered
 * agrees (and one did). */
static int print_result(json_object *rep, bool json)
{
    json_object_object_del(rep, "ok");
    json_object_object_del(rep, "done");
    size_t agree = 0, answered = 0, n = 0;
    if (json) {
        count(rep, &agree, &answered);
        json_object_object_add(rep, "answered", json_object_new_int64((int64_t)answered));
        json_object_object_add(rep, "agree", json_object_new_int64((int64_t)agree));
        json_object_object_add(rep, "all_agree",
                               json_object_new_boolean(answered > 0 && agree == answered));
        printf("%s\n", json_object_to_json_string_ext(rep, JSON_C_TO_STRING_PRETTY |
                                                               JSON_C_TO_STRING_NOSLASHESCAPE));
    } else {
        print_table(rep, &agree, &answered, &n);
        if (n == 0)
            puts("no peer is up: nobody to ask");
        else
            printf("%zu of %zu peer%s answered, %zu agree%s\n", answered, n, n == 1 ? "" : "s",
                   agree, agree == 1 ? "s" : "");
    }
    return answered > 0 && agree == answered ? EXIT_OK : EXIT_FAIL;
}

int hln_cli_bench_verify(const char *datadir, int argc, char **argv, bool json)
{
    if (argc > 0 && !strcmp(argv[0], "bench")) {
        argc--;
        argv++;
    }
    /* argv[0] is "verify". */
    vopts o = {.stratum = "", .method = "", .timeout = HLN_VERIFY_TIMEOUT_MS, .json = json};
    int r = verify_args(&datadir, argc, argv, &o);
    if (r != HLN_CLI_GO)
        return r;
    char qid[16];
    if ((r = start_query(datadir, &o, qid)) != HLN_CLI_GO)
        return r;
    json_object *rep = await_result(datadir, qid, o.timeout);
    if (!rep)
        return EXIT_FAIL;
    r = print_result(rep, o.json);
    json_object_put(rep);
    return r;
}
