/* cmd_gov.c - hlnctl trust, member and policy: trust anchors and governance records. */
#include "node/hlnctl/cmd_gov.h"
#include "node/gov.h"
#include "node/hlnctl/cli.h"
#include "node/hlnctl/csvout.h"
#include "node/util.h"

#include <json-c/json.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crypto/err.h"
#include "node/control.h"
#include "node/disclosure.h"
#include "proto/codes.h"

/* ---- small helpers ---- */

static void id_text(const uint8_t id[HLN_KEY_LEN], char out[HLN_ID_TEXT_LEN + 1])
{
    hln_id_to_text(id, out);
}

/* A date for a table: YYYY-MM-DD, or "-" for none. */
static void fmt_date(uint64_t ms, char *out, size_t len)
{
    time_t s = (time_t)(ms / 1000);
    struct tm tm;
    if (ms == 0 || ms / 1000 > 253402300799ull || !gmtime_r(&s, &tm)) {
        snprintf(out, len, "-");
        return;
    }
    strftime(out, len, "%Y-%m-%d", &tm);
}

/* Parse a node id argument; a usage error names what is wrong with it. */
static int parse_id(const char *text, uint8_t id[HLN_KEY_LEN])
{
    int rc = hln_id_from_text(text, id);
    if (rc == HLN_ECHECKSUM)
        hln_warnx("%s: node id checksum does not match (mistyped?)", text);
    else if (rc)
        hln_warnx("%s: not a node id", text);
    return rc;
}

/* ---- options ---- */

typedef struct {
    const char *name, *level, *jurisdiction, *from, *until, *scope, *reason, *min_cell, *at;
    bool json, csv; /* csv: --json's rows as CSV (trust list, member list) */
    const char *pos[2];
    int npos;
} gopts;

/* Parse the options after the verb with `opts` (which end with --json)
 * into *o. HLN_CLI_GO, or EXIT_USAGE after a message. */
static int parse_opts(int argc, char **argv, const hln_cli_opt *opts, int maxpos, gopts *o)
{
    hln_cli_args a = {.opts = opts, .pos = o->pos, .maxpos = maxpos};
    int r = hln_cli_parse(&a, argc, argv);
    o->npos = a.npos;
    return r;
}

#define OPT(n, f) HLN_CLI_VALUE(n, &o.f)
#define OPTS_END HLN_CLI_FLAG("json", &o.json), HLN_CLI_END

static int open_node(const char *datadir, unsigned flags, hln_node **n)
{
    return hln_cli_open_node(datadir, flags, n);
}

/* ---- trust ---- */

static void trust_usage(FILE *f)
{
    fprintf(f, "usage: hlnctl trust add ID [--name NAME] [--level LEVEL --jurisdiction CODE]\n"
               "       hlnctl trust remove ID\n"
               "       hlnctl trust list [--json|--csv]\n"
               "\n"
               "Trust anchors: keys this node trusts outright (docs/GOVERNANCE.md). Without\n"
               "--level and --jurisdiction, an anchor's own self-signed member record says\n"
               "where it stands.\n");
}

static int trust_add(const char *datadir, int argc, char **argv, bool json)
{
    (void)json;
    gopts o = {0};
    const hln_cli_opt opts[] = {OPT("name", name), OPT("level", level),
                                OPT("jurisdiction", jurisdiction), OPTS_END};
    int r;
    if ((r = parse_opts(argc, argv, opts, 1, &o)) != HLN_CLI_GO)
        return r;
    hln_gov_anchor a;
    memset(&a, 0, sizeof a);
    a.level = HLN_TRUST_LEVEL_ANY;
    if (o.npos != 1) {
        trust_usage(stderr);
        return EXIT_USAGE;
    }
    if (parse_id(o.pos[0], a.id))
        return EXIT_USAGE;
    if (o.name && !hln_gov_name_valid(o.name, true)) {
        hln_warnx("--name: at most %d bytes of printable UTF-8", HLN_NAME_MAX);
        return EXIT_USAGE;
    }
    snprintf(a.name, sizeof a.name, "%s", o.name ? o.name : "");
    if (!o.level != !o.jurisdiction) {
        hln_warnx("--level and --jurisdiction go together");
        return EXIT_USAGE;
    }
    if (o.level) {
        uint32_t l;
        if (hln_level_parse(o.level, &l) != 0) {
            hln_warnx("--level: '%s' is not organization, subnational, national or global",
                      o.level);
            return EXIT_USAGE;
        }
        if (strlen(o.jurisdiction) > HLN_SCOPE_MAX || !hln_level_fits(l, o.jurisdiction)) {
            hln_warnx("--jurisdiction: '%s' does not fit level %s (global: global; national: CA; "
                      "subnational: CA-ON)",
                      o.jurisdiction, o.level);
            return EXIT_USAGE;
        }
        a.level = (int)l;
        snprintf(a.jurisdiction, sizeof a.jurisdiction, "%s", o.jurisdiction);
    }
    a.added_ms = hln_util_wall_ms();
    hln_node *n = NULL;
    if (open_node(datadir, 0, &n))
        return EXIT_FAIL;
    int rc = hln_gov_anchor_put(hln_node_store(n), &a);
    hln_node_close(&n);
    if (rc) {
        hln_warnx("cannot save the anchor: %s", hln_strerror(rc));
        return EXIT_FAIL;
    }
    if ((rc = hln_control_notify_reload(datadir)) != 0)
        hln_warnx("saved, but hlnd did not take it yet (%s); it will on SIGHUP or restart",
                  hln_strerror(rc));
    return EXIT_OK;
}

static int trust_remove(const char *datadir, int argc, char **argv, bool json)
{
    (void)json;
    gopts o = {0};
    const hln_cli_opt opts[] = {OPTS_END};
    int r;
    if ((r = parse_opts(argc, argv, opts, 1, &o)) != HLN_CLI_GO)
        return r;
    uint8_t id[HLN_KEY_LEN];
    if (o.npos != 1) {
        trust_usage(stderr);
        return EXIT_USAGE;
    }
    if (parse_id(o.pos[0], id))
        return EXIT_USAGE;
    hln_node *n = NULL;
    if (open_node(datadir, 0, &n))
        return EXIT_FAIL;
    int rc = hln_gov_anchor_del(hln_node_store(n), id);
    hln_node_close(&n);
    if (rc == HLN_ENOTFOUND) {
        hln_warnx("%s: not a trust anchor", o.pos[0]);
        return EXIT_FAIL;
    }
    if (rc) {
        hln_warnx("cannot remove the anchor: %s", hln_strerror(rc));
        return EXIT_FAIL;
    }
    if ((rc = hln_control_notify_reload(datadir)) != 0)
        hln_warnx("saved, but hlnd did not take it yet (%s); it will on SIGHUP or restart",
                  hln_strerror(rc));
    return EXIT_OK;
}

typedef struct {
    hln_trust_anchor *v;
    size_t n, cap;
} anchor_list;

static int collect_anchor(void *ctx, const hln_trust_anchor *a)
{
    anchor_list *l = ctx;
    if (l->n == l->cap) {
        size_t nc = l->cap ? l->cap * 2 : 16;
        hln_trust_anchor *v = realloc(l->v, nc * sizeof *v);
        if (!v)
            return HLN_ENOMEM;
        l->v = v;
        l->cap = nc;
    }
    l->v[l->n++] = *a;
    return EXIT_OK;
}

static int trust_list(const char *datadir, int argc, char **argv, bool json)
{
    gopts o = {.json = json};
    const hln_cli_opt opts[] = {HLN_CLI_FLAG("csv", &o.csv), OPTS_END};
    int r;
    if ((r = parse_opts(argc, argv, opts, 0, &o)) != HLN_CLI_GO)
        return r;
    o.json = o.json || o.csv;
    hln_node *n = NULL;
    if (open_node(datadir, HLN_NODE_RDONLY, &n))
        return EXIT_FAIL;
    hln_trust *t = NULL;
    anchor_list l = {0};
    int rc = hln_gov_trust_load(n, &t);
    if (!rc)
        rc = hln_trust_foreach_anchor(t, collect_anchor, &l);
    if (rc) {
        hln_warnx("cannot read the trust anchors: %s", hln_strerror(rc));
        hln_trust_destroy(&t);
        hln_node_close(&n);
        free(l.v);
        return EXIT_FAIL;
    }
    json_object *arr = o.json ? json_object_new_array() : NULL;
    if (!o.json)
        printf("%-63s  %-12s  %-6s  %-8s  %s\n", "ID", "LEVEL", "JURIS", "SOURCE", "NAME");
    for (size_t i = 0; i < l.n; i++) {
        const hln_trust_anchor *a = &l.v[i];
        char idt[HLN_ID_TEXT_LEN + 1];
        id_text(a->key, idt);
        bool known = a->level != HLN_TRUST_LEVEL_ANY;
        const char *source = a->given ? "operator" : known ? "learnt" : "unknown";
        const char *level = known ? hln_level_name((uint32_t)a->level) : NULL;
        if (o.json) {
            json_object *x = json_object_new_object();
            hln_cli_jstr(x, "id", idt);
            hln_cli_jstr(x, "name", a->name);
            hln_cli_jstr(x, "level", level);
            hln_cli_jstr(x, "jurisdiction", known ? a->jurisdiction : NULL);
            hln_cli_jstr(x, "source", source);
            json_object_array_add(arr, x);
        } else {
            printf("%-63s  %-12s  %-6s  %-8s  %s\n", idt, level ? level : "-",
                   known ? a->jurisdiction : "-", source, a->name[0] ? a->name : "-");
        }
    }
    if (o.csv)
        hln_csv_print(arr, NULL);
    else if (o.json)
        hln_print_json(arr);
    free(l.v);
    hln_trust_destroy(&t);
    hln_node_close(&n);
    return EXIT_OK;
}

int hln_cli_trust(const char *datadir, int argc, char **argv, bool json)
{
    static const hln_cli_verb verbs[] = {
        {"add", NULL, trust_add},
        {"remove", "rm", trust_remove},
        {"list", "ls", trust_list},
        {NULL, NULL, NULL},
    };
    return hln_cli_run_verb("trust", verbs, trust_usage, datadir, argc, argv, json);
}

/* ---- writing governance records ---- */

/* The feed a governance record of this node goes in by default
 * (docs/GOVERNANCE.md §6): the global coordinator's in global; a national
 * authority's description of itself in global, so that every country can
 * learn it; everything else in the country, so that every node of the
 * country can verify every chain. */
static void default_scope(const hln_node_info *info, bool about_self, char out[HLN_SCOPE_MAX + 1])
{
    if (info->level == HLN_LEVEL_GLOBAL || !info->jurisdiction[0] ||
        (about_self && info->level == HLN_LEVEL_NATIONAL)) {
        snprintf(out, HLN_SCOPE_MAX + 1, "global");
        return;
    }
    char c[3];
    hln_scope_country(info->jurisdiction, c);
    snprintf(out, HLN_SCOPE_MAX + 1, "%s", c);
}

/* Check the record against this node's own view of the rules, then append
 * it to the node's feed for `scope` and tell a running hlnd. `more` (may be
 * NULL) adds to --json's object. Returns the exit status. */
static int write_governance_x(const char *datadir, hln_node *n, uint32_t type, const hln_body *body,
                              const char *scope, bool json,
                              void (*more)(json_object *x, const hln_body *body))
{
    uint64_t seq = 0, ts = 0;
    char why[256] = "";
    int rc = hln_gov_author(n, type, body, scope, &seq, &ts, why, sizeof why);
    if (rc == HLN_ETRUST) {
        /* A refused record would stop this node's feed on every peer. */
        hln_warnx("refused: %s (docs/GOVERNANCE.md)", why);
        if (strcmp(why, "author is not a member") == 0)
            hln_warnx("this node has no standing yet: an authority that stands on its own "
                      "anchors itself (hlnctl init --authority, or trust add OWN-ID --level L "
                      "--jurisdiction J); one admitted from above waits until the member record "
                      "that admits it has arrived (hlnctl member list shows this node in force; "
                      "hlnctl peer explain says what flows)");
        return EXIT_FAIL;
    }
    if (rc) {
        hln_warnx("cannot write the %s record: %s", hln_rec_type_name(type),
                  why[0] ? why : hln_strerror(rc));
        return EXIT_FAIL;
    }
    if (json) {
        json_object *x = json_object_new_object();
        hln_cli_jstr(x, "type", hln_rec_type_name(type));
        hln_cli_jstr(x, "scope", scope);
        hln_cli_ju64(x, "seq", seq);
        hln_cli_ju64(x, "timestamp_ms", ts);
        if (more)
            more(x, body);
        hln_print_json(x);
    } else {
        printf("%s record %llu in scope %s\n", hln_rec_type_name(type), (unsigned long long)seq,
               scope);
    }
    if ((rc = hln_control_notify_appended(datadir)) != 0)
        hln_warnx("written, but hlnd did not take it yet (%s); it will on restart",
                  hln_strerror(rc));
    return EXIT_OK;
}

static int write_governance(const char *datadir, hln_node *n, uint32_t type, const hln_body *body,
                            const char *scope, bool json)
{
    return write_governance_x(datadir, n, type, body, scope, json, NULL);
}

/* ---- member ---- */

static void member_usage(FILE *f)
{
    fprintf(f, "usage: hlnctl member issue ID --name NAME --level LEVEL --jurisdiction CODE\n"
               "                          [--from DATE] [--until DATE] [--scope CODE|global]\n"
               "       hlnctl member revoke ID [--reason R] [--from DATE] [--scope CODE|global]\n"
               "       hlnctl member rotate OLD-ID NEW-ID [--close SCOPE:SEQ]... [--from DATE]\n"
               "                          [--reason R] [--scope CODE|global]\n"
               "       hlnctl member list [--json|--csv] [--at DATE]\n"
               "\n"
               "Admit a key, withdraw it, or list who stands where (docs/GOVERNANCE.md).\n"
               "LEVEL: organization, subnational, national or global. DATE: YYYY-MM-DD or\n"
               "YYYY-MM-DDTHH:MM:SSZ (UTC); --from defaults to now. Issuing your own id\n"
               "publishes the node's self-description, which anchors without a level use.\n"
               "rotate hands OLD-ID's membership to NEW-ID (a lost disk, a leaked key): each\n"
               "--close keeps OLD-ID's feed in SCOPE up to SEQ and refuses the rest; without\n"
               "--close, the heads of OLD-ID's feeds held here are kept (docs/OPERATIONS.md).\n");
}

static int scope_arg(const char *s, const hln_node_info *info, bool about_self,
                     char out[HLN_SCOPE_MAX + 1])
{
    if (!s) {
        default_scope(info, about_self, out);
        return EXIT_OK;
    }
    if (strlen(s) > HLN_SCOPE_MAX || !hln_code_scope(s, strlen(s))) {
        hln_warnx("--scope: '%s' is not global or an ISO 3166 code", s);
        return EXIT_USAGE;
    }
    snprintf(out, HLN_SCOPE_MAX + 1, "%s", s);
    return EXIT_OK;
}

static int member_issue(const char *datadir, int argc, char **argv, bool json)
{
    gopts o = {.json = json};
    const hln_cli_opt opts[] = {
        OPT("name", name), OPT("level", level), OPT("jurisdiction", jurisdiction),
        OPT("from", from), OPT("until", until), OPT("scope", scope),
        OPTS_END};
    int r;
    if ((r = parse_opts(argc, argv, opts, 1, &o)) != HLN_CLI_GO)
        return r;
    if (o.npos != 1 || !o.name || !o.level || !o.jurisdiction) {
        hln_warnx("member issue needs ID, --name, --level and --jurisdiction");
        member_usage(stderr);
        return EXIT_USAGE;
    }
    hln_body body;
    memset(&body, 0, sizeof body);
    hln_member *m = &body.member;
    if (parse_id(o.pos[0], m->subject))
        return EXIT_USAGE;
    if (!hln_gov_name_valid(o.name, false)) {
        hln_warnx("--name: 1 to %d bytes of printable UTF-8", HLN_NAME_MAX);
        return EXIT_USAGE;
    }
    snprintf(m->name, sizeof m->name, "%s", o.name);
    if (hln_level_parse(o.level, &m->level) != 0) {
        hln_warnx("--level: '%s' is not organization, subnational, national or global", o.level);
        return EXIT_USAGE;
    }
    if (strlen(o.jurisdiction) > HLN_SCOPE_MAX || !hln_level_fits(m->level, o.jurisdiction)) {
        hln_warnx("--jurisdiction: '%s' does not fit level %s", o.jurisdiction, o.level);
        return EXIT_USAGE;
    }
    snprintf(m->jurisdiction, sizeof m->jurisdiction, "%s", o.jurisdiction);
    /* Every role the level can use: an organization publishes; an
     * authority also admits and keeps a catalogue and a policy. */
    m->roles = m->level == HLN_LEVEL_ORGANIZATION
                   ? HLN_ROLE_PUBLISH
                   : HLN_ROLE_PUBLISH | HLN_ROLE_ADMIT | HLN_ROLE_CATALOGUE;
    m->valid_from_ms = hln_util_wall_ms();
    if (o.from && hln_util_parse_date(o.from, &m->valid_from_ms)) {
        hln_warnx("--from: '%s' is not YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ", o.from);
        return EXIT_USAGE;
    }
    if (o.until && hln_util_parse_date(o.until, &m->valid_until_ms)) {
        hln_warnx("--until: '%s' is not YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ", o.until);
        return EXIT_USAGE;
    }
    if (o.until && m->valid_until_ms <= m->valid_from_ms) {
        hln_warnx("--until: must come after the start (%s)", o.from ? o.from : "now");
        return EXIT_USAGE;
    }
    hln_node *n = NULL;
    if (open_node(datadir, 0, &n))
        return EXIT_FAIL;
    char scope[HLN_SCOPE_MAX + 1];
    bool self = memcmp(m->subject, hln_node_pk(n), HLN_KEY_LEN) == 0;
    int rc = scope_arg(o.scope, hln_node_get_info(n), self, scope);
    if (!rc)
        rc = write_governance(datadir, n, HLN_REC_MEMBER, &body, scope, o.json);
    hln_node_close(&n);
    return rc;
}

static int member_revoke(const char *datadir, int argc, char **argv, bool json)
{
    gopts o = {.json = json};
    const hln_cli_opt opts[] = {OPT("reason", reason), OPT("from", from), OPT("scope", scope),
                                OPTS_END};
    int r;
    if ((r = parse_opts(argc, argv, opts, 1, &o)) != HLN_CLI_GO)
        return r;
    if (o.npos != 1) {
        member_usage(stderr);
        return EXIT_USAGE;
    }
    hln_body body;
    memset(&body, 0, sizeof body);
    hln_revoke *v = &body.revoke;
    if (parse_id(o.pos[0], v->subject))
        return EXIT_USAGE;
    if (o.reason && !hln_gov_name_valid(o.reason, true)) {
        hln_warnx("--reason: at most %d bytes of printable UTF-8", HLN_NAME_MAX);
        return EXIT_USAGE;
    }
    snprintf(v->reason, sizeof v->reason, "%s", o.reason ? o.reason : "");
    v->from_ms = hln_util_wall_ms();
    if (o.from && hln_util_parse_date(o.from, &v->from_ms)) {
        hln_warnx("--from: '%s' is not YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ", o.from);
        return EXIT_USAGE;
    }
    hln_node *n = NULL;
    if (open_node(datadir, 0, &n))
        return EXIT_FAIL;
    char scope[HLN_SCOPE_MAX + 1];
    bool self = memcmp(v->subject, hln_node_pk(n), HLN_KEY_LEN) == 0;
    int rc = scope_arg(o.scope, hln_node_get_info(n), self, scope);
    if (!rc)
        rc = write_governance(datadir, n, HLN_REC_REVOKE, &body, scope, o.json);
    hln_node_close(&n);
    return rc;
}

/* ---- member rotate ---- */

static int close_arg(void *ctx, const char *value)
{
    hln_revoke *v = ctx;
    hln_close c;
    char why[160];
    if (hln_gov_parse_close(value, &c, why, sizeof why)) {
        hln_warnx("--close: %s", why);
        return EXIT_USAGE;
    }
    int rc = hln_gov_add_close(v, &c);
    if (rc == HLN_EEXIST)
        hln_warnx("--close: scope %s is named twice", c.scope);
    else if (rc)
        hln_warnx("--close: at most %d feeds", HLN_ROTATE_CLOSES_MAX);
    return rc ? EXIT_USAGE : 0;
}

static void rotate_json(json_object *x, const hln_body *body)
{
    const hln_revoke *v = &body->revoke;
    char a[HLN_ID_TEXT_LEN + 1], b[HLN_ID_TEXT_LEN + 1];
    id_text(v->subject, a);
    id_text(v->successor, b);
    hln_cli_jstr(x, "old", a);
    hln_cli_jstr(x, "new", b);
    hln_cli_ju64(x, "from_ms", v->from_ms);
    json_object *cl = json_object_new_array();
    for (uint32_t i = 0; i < v->n_closes; i++) {
        json_object *c = json_object_new_object();
        hln_cli_jstr(c, "scope", v->closes[i].scope);
        hln_cli_ju64(c, "seq", v->closes[i].seq);
        json_object_array_add(cl, c);
    }
    json_object_object_add(x, "closes", cl);
}

/* The feeds kept: as given, each checked against the head held here (a
 * lower seq refuses records this node holds: said, not refused), or the
 * heads held here. Returns the exit status. */
static int rotate_closes(hln_node *n, hln_revoke *v, bool given, bool json)
{
    hln_close held[HLN_ROTATE_CLOSES_MAX];
    uint32_t nh = 0;
    int rc = hln_gov_held_heads(hln_node_store(n), v->subject, held, &nh);
    if (rc == HLN_ETOOBIG && !given) {
        hln_warnx("the old key has more than %d feeds here: name the ones to keep with --close",
                  HLN_ROTATE_CLOSES_MAX);
        return EXIT_USAGE;
    }
    if (rc && rc != HLN_ETOOBIG) {
        hln_warnx("cannot read the old key's feeds: %s", hln_strerror(rc));
        return EXIT_FAIL;
    }
    if (!given) {
        memcpy(v->closes, held, sizeof held);
        v->n_closes = nh;
    }
    for (uint32_t i = 0; i < v->n_closes && !json; i++)
        printf("keeps feed %s up to seq %llu\n", v->closes[i].scope,
               (unsigned long long)v->closes[i].seq);
    if (!v->n_closes && !json)
        printf(
            "keeps no feed: every record of the old key dated from the rotation on is refused\n");
    for (uint32_t i = 0; i < nh && given; i++) {
        const hln_close *k = NULL;
        for (uint32_t j = 0; j < v->n_closes; j++)
            if (strcmp(v->closes[j].scope, held[i].scope) == 0)
                k = &v->closes[j];
        if (k && k->seq < held[i].seq)
            hln_warnx("feed %s: seq %llu..%llu held here will be refused", k->scope,
                      (unsigned long long)k->seq + 1, (unsigned long long)held[i].seq);
        else if (!k)
            hln_warnx("feed %s (head %llu here) is not kept: its records dated from the rotation "
                      "on are refused",
                      held[i].scope, (unsigned long long)held[i].seq);
    }
    return EXIT_OK;
}

static int member_rotate(const char *datadir, int argc, char **argv, bool json)
{
    hln_body body;
    memset(&body, 0, sizeof body);
    hln_revoke *v = &body.revoke;
    gopts o = {.json = json};
    const hln_cli_opt opts[] = {OPT("reason", reason), OPT("from", from), OPT("scope", scope),
                                HLN_CLI_EACH("close", close_arg, v), OPTS_END};
    int r;
    if ((r = parse_opts(argc, argv, opts, 2, &o)) != HLN_CLI_GO)
        return r;
    if (o.npos != 2) {
        hln_warnx("member rotate needs OLD-ID and NEW-ID");
        member_usage(stderr);
        return EXIT_USAGE;
    }
    if (parse_id(o.pos[0], v->subject) || parse_id(o.pos[1], v->successor))
        return EXIT_USAGE;
    if (memcmp(v->subject, v->successor, HLN_KEY_LEN) == 0) {
        hln_warnx("OLD-ID and NEW-ID are the same key");
        return EXIT_USAGE;
    }
    if (o.reason && !hln_gov_name_valid(o.reason, true)) {
        hln_warnx("--reason: at most %d bytes of printable UTF-8", HLN_NAME_MAX);
        return EXIT_USAGE;
    }
    snprintf(v->reason, sizeof v->reason, "%s", o.reason ? o.reason : "rotated");
    v->rotate = true;
    v->from_ms = hln_util_wall_ms();
    if (o.from && hln_util_parse_date(o.from, &v->from_ms)) {
        hln_warnx("--from: '%s' is not YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ", o.from);
        return EXIT_USAGE;
    }
    bool given = v->n_closes > 0;
    hln_node *n = NULL;
    if (open_node(datadir, 0, &n))
        return EXIT_FAIL;
    char scope[HLN_SCOPE_MAX + 1];
    int rc = scope_arg(o.scope, hln_node_get_info(n), false, scope);
    if (!rc)
        rc = rotate_closes(n, v, given, o.json);
    if (!rc)
        rc = write_governance_x(datadir, n, HLN_REC_REVOKE, &body, scope, o.json, rotate_json);
    hln_node_close(&n);
    return rc;
}

static void roles_json(json_object *x, uint32_t roles)
{
    json_object *a = json_object_new_array();
    if (roles & HLN_ROLE_PUBLISH)
        json_object_array_add(a, json_object_new_string("publish"));
    if (roles & HLN_ROLE_ADMIT)
        json_object_array_add(a, json_object_new_string("admit"));
    if (roles & HLN_ROLE_CATALOGUE)
        json_object_array_add(a, json_object_new_string("catalogue"));
    json_object_object_add(x, "roles", a);
}

typedef struct {
    json_object *arr; /* NULL: a table */
    size_t n;
    uint64_t at;     /* the time asked about */
    size_t expiring; /* in force, ending within HLN_EXPIRY_WARN_DAYS */
} member_walk;

/* A membership that ends this soon is shown as ending (member list marks
 * it, hlnd warns once a day) so that it is renewed before it lapses. */
#define HLN_EXPIRY_WARN_DAYS 30

/* Days left of a membership in force at `at` with an end, or -1. */
static int64_t days_left(const hln_trust_info *in, uint64_t at)
{
    if (in->status != HLN_TRUST_MEMBER || !in->valid_until_ms || in->valid_until_ms <= at)
        return -1;
    return (int64_t)((in->valid_until_ms - at + 86399999u) / 86400000u);
}

static int list_member(void *ctx, const hln_trust_info *in)
{
    member_walk *w = ctx;
    char idt[HLN_ID_TEXT_LEN + 1], iss[HLN_ID_TEXT_LEN + 1] = "", by[HLN_ID_TEXT_LEN + 1] = "";
    id_text(in->key, idt);
    if (in->has_issuer)
        id_text(in->issuer, iss);
    if (in->revoked)
        id_text(in->revoked_by, by);
    bool known = in->level != HLN_TRUST_LEVEL_ANY;
    const char *level = known ? hln_level_name((uint32_t)in->level) : NULL;
    w->n++;
    if (w->arr) {
        json_object *x = json_object_new_object();
        hln_cli_jstr(x, "id", idt);
        hln_cli_jstr(x, "name", in->name);
        hln_cli_jstr(x, "level", level);
        hln_cli_jstr(x, "jurisdiction", in->jurisdiction[0] ? in->jurisdiction : NULL);
        hln_cli_jstr(x, "status", hln_trust_status_name(in->status));
        hln_cli_jbool(x, "anchor", in->anchor);
        roles_json(x, in->roles);
        hln_cli_jstr(x, "issuer", in->has_issuer ? iss : NULL);
        hln_cli_ju64(x, "valid_from_ms", in->valid_from_ms);
        if (in->valid_until_ms)
            hln_cli_ju64(x, "valid_until_ms", in->valid_until_ms);
        else
            hln_cli_jstr(x, "valid_until_ms", NULL);
        /* Stable field names: absent values are null, never missing. */
        hln_cli_jbool(x, "revoked", in->revoked);
        if (in->revoked)
            hln_cli_ju64(x, "revoked_from_ms", in->revoked_from_ms);
        else
            hln_cli_jstr(x, "revoked_from_ms", NULL);
        hln_cli_jstr(x, "revoked_by", in->revoked ? by : NULL);
        hln_cli_jstr(x, "revoke_reason", in->revoked ? in->revoke_reason : NULL);
        char succ[HLN_ID_TEXT_LEN + 1];
        if (in->rotated)
            id_text(in->successor, succ);
        hln_cli_jstr(x, "rotated_to", in->rotated ? succ : NULL);
        hln_cli_jbool(x, "flagged", in->flagged);
        hln_cli_jstr(x, "flag_reason", in->flagged ? in->flag_reason : NULL);
        int64_t left = days_left(in, w->at);
        if (left >= 0)
            hln_cli_ju64(x, "ends_in_days", (uint64_t)left);
        else
            hln_cli_jstr(x, "ends_in_days", NULL);
        hln_cli_jbool(x, "ending_soon", left >= 0 && left <= HLN_EXPIRY_WARN_DAYS);
        json_object_array_add(w->arr, x);
        return EXIT_OK;
    }
    char until[16], rev[16] = "-";
    fmt_date(in->valid_until_ms, until, sizeof until);
    int64_t left = days_left(in, w->at);
    if (left >= 0 && left <= HLN_EXPIRY_WARN_DAYS) {
        strncat(until, "!", sizeof until - strlen(until) - 1);
        w->expiring++;
    }
    if (in->revoked)
        fmt_date(in->revoked_from_ms, rev, sizeof rev);
    if (in->rotated) /* REVOKED: the date, and '>' for a rotation */
        strncat(rev, ">", sizeof rev - strlen(rev) - 1);
    char is[HLN_ID_SHORT_LEN + 1] = "-", ids[HLN_ID_SHORT_LEN + 1];
    hln_id_short(in->key, ids);
    if (in->has_issuer)
        hln_id_short(in->issuer, is);
    /* FLAG: the reason ("fork", "policy"), or "-". */
    printf("%-8s  %-12s  %-6s  %-9s  %-10s  %-10s  %-8s  %-6s  %s\n", ids, level ? level : "-",
           in->jurisdiction[0] ? in->jurisdiction : "-", hln_trust_status_name(in->status), until,
           rev, is, in->flagged ? in->flag_reason : "-", in->name[0] ? in->name : "-");
    return EXIT_OK;
}

static int member_list(const char *datadir, int argc, char **argv, bool json)
{
    gopts o = {.json = json};
    const hln_cli_opt opts[] = {OPT("at", at), HLN_CLI_FLAG("csv", &o.csv), OPTS_END};
    int r;
    if ((r = parse_opts(argc, argv, opts, 0, &o)) != HLN_CLI_GO)
        return r;
    o.json = o.json || o.csv;
    uint64_t at = hln_util_wall_ms();
    if (o.at && hln_util_parse_date(o.at, &at)) {
        hln_warnx("--at: '%s' is not YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ", o.at);
        return EXIT_USAGE;
    }
    hln_node *n = NULL;
    if (open_node(datadir, HLN_NODE_RDONLY, &n))
        return EXIT_FAIL;
    hln_trust *t = NULL;
    int rc = hln_gov_trust_load(n, &t);
    member_walk w = {o.json ? json_object_new_array() : NULL, 0, at, 0};
    if (!rc && !o.json)
        printf("%-8s  %-12s  %-6s  %-9s  %-10s  %-10s  %-8s  %-6s  %s\n", "ID", "LEVEL", "JURIS",
               "STATUS", "UNTIL", "REVOKED", "ISSUER", "FLAG", "NAME");
    if (!rc)
        rc = hln_trust_foreach_member(t, at, list_member, &w);
    hln_trust_destroy(&t);
    hln_node_close(&n);
    if (rc) {
        json_object_put(w.arr);
        hln_warnx("cannot list members: %s", hln_strerror(rc));
        return EXIT_FAIL;
    }
    if (w.arr && o.csv)
        hln_csv_print(w.arr, NULL);
    else if (w.arr)
        hln_print_json(w.arr);
    else if (w.expiring)
        printf("! %zu membership%s end%s within %d days: its issuer renews it with member issue "
               "ID ... --until DATE\n",
               w.expiring, w.expiring == 1 ? "" : "s", w.expiring == 1 ? "s" : "",
               HLN_EXPIRY_WARN_DAYS);
    return EXIT_OK;
}

int hln_cli_member(const char *datadir, int argc, char **argv, bool json)
{
    static const hln_cli_verb verbs[] = {
        {"issue", NULL, member_issue},
        {"revoke", NULL, member_revoke},
        {"rotate", NULL, member_rotate},
        {"list", "ls", member_list},
        {NULL, NULL, NULL},
    };
    return hln_cli_run_verb("member", verbs, member_usage, datadir, argc, argv, json);
}

/* ---- policy ---- */

static void policy_usage(FILE *f)
{
    fprintf(f, "usage: hlnctl policy set --min-cell N [--scope CODE]\n"
               "       hlnctl policy show [CODE] [--json]\n"
               "\n"
               "set: publish this authority's minimum cell for jurisdiction CODE (default:\n"
               "its own). show: the minimum cell in force for CODE (default: this node's):\n"
               "the strictest of every entitled authority's policy and this node's own.\n");
}

static int policy_set(const char *datadir, int argc, char **argv, bool json)
{
    gopts o = {.json = json};
    const hln_cli_opt opts[] = {OPT("min-cell", min_cell), OPT("scope", scope), OPTS_END};
    int r;
    if ((r = parse_opts(argc, argv, opts, 0, &o)) != HLN_CLI_GO)
        return r;
    if (!o.min_cell) {
        hln_warnx("policy set needs --min-cell N");
        return EXIT_USAGE;
    }
    char *end = NULL;
    unsigned long long mc = strtoull(o.min_cell, &end, 10);
    if (!end || *end || o.min_cell[0] == '-' || mc < 1 || mc > HLN_MIN_CELL_MAX) {
        hln_warnx("--min-cell: '%s' is not a number from 1 to %u", o.min_cell, HLN_MIN_CELL_MAX);
        return EXIT_USAGE;
    }
    if (mc < HLN_MIN_CELL_DEFAULT) {
        /* Accepted by every node, it would change nothing: say so rather
         * than let the operator believe cells under the floor now show. */
        hln_warnx("--min-cell %llu is below the floor of %u that every node enforces "
                  "(docs/DISCLOSURE.md); %u stays in force: nothing written",
                  mc, HLN_MIN_CELL_DEFAULT, HLN_MIN_CELL_DEFAULT);
        return EXIT_USAGE;
    }
    hln_node *n = NULL;
    if (open_node(datadir, 0, &n))
        return EXIT_FAIL;
    const hln_node_info *info = hln_node_get_info(n);
    const char *j = o.scope ? o.scope : hln_gov_self_jurisdiction(info);
    int rc = 0;
    if (!j || strlen(j) > HLN_SCOPE_MAX || !hln_code_scope(j, strlen(j))) {
        hln_warnx("--scope: %s",
                  j ? "not global or an ISO 3166 code" : "needed (the node has no jurisdiction)");
        rc = EXIT_USAGE;
    }
    if (!rc) {
        hln_body body;
        memset(&body, 0, sizeof body);
        snprintf(body.policy.jurisdiction, sizeof body.policy.jurisdiction, "%s", j);
        body.policy.min_cell = (uint32_t)mc;
        char scope[HLN_SCOPE_MAX + 1];
        default_scope(info, false, scope);
        rc = write_governance(datadir, n, HLN_REC_POLICY, &body, scope, o.json);
    }
    hln_trust *t = NULL;
    if (!rc && hln_gov_trust_load_policy(n, &t) == 0) {
        /* Another authority's stricter rule (or this node's own floor)
         * still wins: the strictest applies (§8). */
        uint32_t own = info->min_cell > HLN_MIN_CELL_DEFAULT ? info->min_cell
                                                             : HLN_MIN_CELL_DEFAULT;
        uint32_t floor = hln_trust_policy_min_cell(t, j, own);
        if (floor > mc)
            hln_warnx("written, but the minimum cell in force for %s stays %u: %s (hlnctl policy "
                      "show %s)",
                      j, floor,
                      floor == own ? "this node's own minimum (init --min-cell)"
                                   : "a stricter rule of an authority over it",
                      j);
    }
    hln_trust_destroy(&t);
    hln_node_close(&n);
    return rc;
}

static int policy_show(const char *datadir, int argc, char **argv, bool json)
{
    gopts o = {.json = json};
    const hln_cli_opt opts[] = {OPTS_END};
    int r;
    if ((r = parse_opts(argc, argv, opts, 1, &o)) != HLN_CLI_GO)
        return r;
    hln_node *n = NULL;
    if (open_node(datadir, HLN_NODE_RDONLY, &n))
        return EXIT_FAIL;
    const hln_node_info *info = hln_node_get_info(n);
    const char *arg = o.npos ? o.pos[0] : hln_gov_self_jurisdiction(info);
    if (!arg || strlen(arg) > HLN_SCOPE_MAX || !hln_code_scope(arg, strlen(arg))) {
        hln_warnx("%s", arg ? "not global or an ISO 3166 code"
                            : "which jurisdiction? (the node has none)");
        hln_node_close(&n);
        return EXIT_USAGE;
    }
    /* A copy: the node's own jurisdiction goes with the node. */
    char j[HLN_SCOPE_MAX + 1];
    snprintf(j, sizeof j, "%s", arg);
    uint32_t floor = hln_disclosure_min_cell(info->min_cell, NULL, 0);
    /* The part of the graph that judges policies: what it costs follows
     * the authorities, not the organizations they admit. */
    hln_trust *t = NULL;
    int rc = hln_gov_trust_load_policy(n, &t);
    uint32_t mc = rc ? 0 : hln_trust_policy_min_cell(t, j, floor);
    hln_trust_destroy(&t);
    hln_node_close(&n);
    if (rc) {
        hln_warnx("cannot read the trust graph: %s", hln_strerror(rc));
        return EXIT_FAIL;
    }
    if (o.json) {
        json_object *x = json_object_new_object();
        hln_cli_jstr(x, "jurisdiction", j);
        hln_cli_ju64(x, "min_cell", mc);
        hln_cli_ju64(x, "local_floor", floor);
        hln_print_json(x);
    } else {
        printf("min_cell %u for %s (this node's own floor: %u)\n", mc, j, floor);
    }
    return EXIT_OK;
}

int hln_cli_policy(const char *datadir, int argc, char **argv, bool json)
{
    static const hln_cli_verb verbs[] = {
        {"set", NULL, policy_set},
        {"show", NULL, policy_show},
        {NULL, NULL, NULL},
    };
    return hln_cli_run_verb("policy", verbs, policy_usage, datadir, argc, argv, json);
}
