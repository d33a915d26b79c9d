/* cmd_verify.c - hlnctl bench verify: ask the running hlnd to compare evidence digests with its
 * peers, and say who agrees and why not. */
#include "node/hlnctl/cmd_verify.h"

#include <getopt.h>
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

static const char *jstr(json_object *o, const char *k)
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
    const char *kind = jstr(c, "kind");
    char feed[96];
    const char *name = jstr(c, "author_name");
    snprintf(feed, sizeof feed, "%s/%s%s%s%s", jstr(c, "author_short"), jstr(c, "scope"),
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
    const char *stratum = jstr(q, "stratum");
    printf("%s %s, group %s, %s%s: our digest %.12s (%lld counted, %lld suppressed, %lld feeds)\n",
           jstr(q, "indicator"), jstr(q, "period"), jstr(q, "group"),
           stratum[0] ? "stratum " : "total", stratum, jstr(lo, "digest"),
           (long long)jint(lo, "counted"), (long long)jint(lo, "suppressed"),
           (long long)jint(lo, "feeds"));
    size_t np = peers ? json_object_array_length(peers) : 0;
    if (np)
        printf("%-16s %-15s %-17s %-12s %s\n", "PEER", "ID", "STATE", "DIGEST", "AGREES");
    for (size_t i = 0; i < np; i++) {
        json_object *p = json_object_array_get_idx(peers, i);
        const char *name = jstr(p, "name");
        const char *digest = jstr(p, "digest");
        bool ok = !strcmp(jstr(p, "state"), "answered");
        printf("%-16.16s %-15.15s %-17s %-12.12s %s\n", name[0] ? name : "-", jstr(p, "id"),
               jstr(p, "state"), digest[0] ? digest : "-",
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
        if (!strcmp(jstr(p, "state"), "answered")) {
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
        if (!strcmp(jstr(p, "state"), "answered")) {
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


int hln_cli_bench_verify(const char *datadir, int argc, char **argv, bool json)
{
    enum { O_PERIOD = 1000, O_GROUP, O_STRATUM, O_METHOD, O_TIMEOUT, O_JSON };
    static const struct option lopts[] = {{"period", required_argument, NULL, O_PERIOD},
                                          {"group", required_argument, NULL, O_GROUP},
                                          {"stratum", required_argument, NULL, O_STRATUM},
                                          {"method", required_argument, NULL, O_METHOD},
                                          {"timeout-ms", required_argument, NULL, O_TIMEOUT},
                                          {"json", no_argument, NULL, O_JSON},
                                          {"help", no_argument, NULL, 'h'},
                                          {NULL, 0, NULL, 0}};
    const char *period = NULL, *group = NULL, *stratum = "", *method = "", *indicator = NULL;
    long timeout = HLN_VERIFY_TIMEOUT_MS;
    if (argc > 0 && !strcmp(argv[0], "bench")) {
        argc--;
        argv++;
    }
    /* argv[0] is "verify", skipped by getopt as the program name. */
    int c;
    opterr = 0;
    optind = 0; /* glibc: start over, whatever parsed before */
    for (;;) {
        c = getopt_long(argc, argv, "+hd:", lopts, NULL);
        if (c == -1) {
            /* A positional argument: the indicator; options may follow it. */
            if (optind >= argc)
                break;
            if (indicator) {
                fprintf(stderr, "hlnctl: bench verify: unexpected argument '%s'\n", argv[optind]);
                goto usage;
            }
            indicator = argv[optind++];
            continue;
        }
        switch (c) {
        case 'h':
            usage(stdout);
            return 0;
        case 'd':
            datadir = optarg;
            break;
        case O_PERIOD:
            period = optarg;
            break;
        case O_GROUP:
            group = optarg;
            break;
        case O_STRATUM:
            stratum = optarg;
            break;
        case O_METHOD:
            method = optarg;
            break;
        case O_JSON:
            json = true;
            break;
        case O_TIMEOUT: {
            char *end = NULL;
            timeout = strtol(optarg, &end, 10);
            if (!optarg[0] || *end || timeout < 0 || timeout > HLN_VERIFY_TIMEOUT_MAX) {
                fprintf(stderr, "hlnctl: bench verify: --timeout-ms is 0-%d\n",
                        HLN_VERIFY_TIMEOUT_MAX);
                goto usage;
            }
            break;
        }
        default:
            fprintf(stderr, "hlnctl: bench verify: unknown or incomplete option '%s'\n",
                    optind > 0 && optind <= argc ? argv[optind - 1] : "?");
            goto usage;
        }
    }
    if (!indicator || !hln_code_indicator(indicator, strlen(indicator))) {
        fputs("hlnctl: bench verify: an indicator code is required (such as "
              "mhpc.depression-screening)\n",
              stderr);
        goto usage;
    }
    if (!period || !hln_code_period(period, strlen(period))) {
        fputs("hlnctl: bench verify: --period P is required (YYYY, YYYY-Qn or YYYY-MM)\n", stderr);
        goto usage;
    }
    if (group && !hln_wire_group_valid(group, strlen(group))) {
        fputs("hlnctl: bench verify: --group is all, a jurisdiction such as CA or CA-ON, or "
              "level:NAME\n",
              stderr);
        goto usage;
    }
    if (!hln_code_stratum(stratum, strlen(stratum))) {
        fputs("hlnctl: bench verify: invalid stratum\n", stderr);
        goto usage;
    }
    if (method[0] && strcmp(method, "exact") && strcmp(method, "wilson")) {
        fputs("hlnctl: bench verify: --method is exact or wilson\n", stderr);
        goto usage;
    }

    json_object *req = json_object_new_object(), *rep = NULL;
    char err[256] = "";
    json_object_object_add(req, "cmd", json_object_new_string("bench.verify"));
    json_object_object_add(req, "indicator", json_object_new_string(indicator));
    json_object_object_add(req, "period", json_object_new_string(period));
    if (group)
        json_object_object_add(req, "group", json_object_new_string(group));
    json_object_object_add(req, "stratum", json_object_new_string(stratum));
    json_object_object_add(req, "method", json_object_new_string(method));
    json_object_object_add(req, "timeout_ms", json_object_new_int64(timeout));
    int rc = hln_control_request(datadir, req, 5000, &rep, err, sizeof err);
    json_object_put(req);
    if (rc == HLN_ESTATE) {
        fputs("hlnctl: bench verify: hlnd is not running (it asks the peers)\n", stderr);
        return 1;
    }
    if (rc != 0) {
        if (!strcmp(err, hln_strerror(HLN_ENOTFOUND)))
            fprintf(stderr, "hlnctl: bench verify: no definition of indicator %s is held\n",
                    indicator);
        else
            fprintf(stderr, "hlnctl: bench verify: hlnd refused: %s\n", err);
        return 1;
    }
    char qid[16];
    snprintf(qid, sizeof qid, "%s", jstr(rep, "query"));
    json_object_put(rep);
    rep = NULL;

    /* Poll until every peer answered or hlnd's deadline passed (with slack). */
    uint64_t give_up = hln_util_mono_ms() + (uint64_t)timeout + 5000;
    for (;;) {
        req = json_object_new_object();
        json_object_object_add(req, "cmd", json_object_new_string("bench.verify.result"));
        json_object_object_add(req, "query", json_object_new_string(qid));
        rc = hln_control_request(datadir, req, 3000, &rep, err, sizeof err);
        json_object_put(req);
        if (rc != 0) {
            fprintf(stderr, "hlnctl: bench verify: %s\n", err);
            return 1;
        }
        if (jbool(rep, "done"))
            break;
        json_object_put(rep);
        rep = NULL;
        if (hln_util_mono_ms() > give_up) {
            fputs("hlnctl: bench verify: hlnd did not finish in time\n", stderr);
            return 1;
        }
        sleep_ms(50);
    }
    json_object_object_del(rep, "ok");
    json_object_object_del(rep, "done");
    size_t agree = 0, answered = 0, n = 0;
    if (json) {
        count(rep, &agree, &answered);
        json_object *peers = NULL;
        n = json_object_object_get_ex(rep, "peers", &peers) ? json_object_array_length(peers) : 0;
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
    json_object_put(rep);
    return answered > 0 && agree == answered ? 0 : 1;
usage:
    usage(stderr);
    return 2;
}
