/* cmd_collab.c - hlnctl collaborative create/add/remove/show/list (docs/CLI.md). */
#include "node/hlnctl/cmd_collab.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/err.h"
#include "node/hlnctl/cli.h"
#include "node/hlnctl/learn_cli.h"
#include "node/util.h"
#include "proto/codes.h"

static void collab_usage(FILE *f)
{
    fputs("usage: hlnctl [-d DIR] collaborative create CODE --name NAME --aim TEXT\n"
          "                     --indicator I [--indicator I2...] --start PERIOD --end PERIOD\n"
          "                     [--member ID...] [--idea \"TITLE: TEXT\"...] [--json]\n"
          "       hlnctl [-d DIR] collaborative add|remove CODE ID [ID...] [--json]\n"
          "       hlnctl [-d DIR] collaborative show CODE [--json]\n"
          "       hlnctl [-d DIR] collaborative list [--json]\n"
          "\n"
          "An authority runs a learning collaborative in its jurisdiction: an aim, its\n"
          "indicators, a time frame, its member organizations and a change package of\n"
          "numbered change ideas (in the order given). add and remove write a new version;\n"
          "the latest stands. Its records reach its members and its authority's\n"
          "jurisdiction only (docs/GOVERNANCE.md).\n"
          "\n"
          "  --name NAME         the collaborative's name\n"
          "  --aim TEXT          the aim statement (at most 512 bytes)\n"
          "  --indicator I       an indicator it works on (1 to 8)\n"
          "  --start, --end P    its first and last period\n"
          "  --member ID         a member organization's node id (repeat)\n"
          "  --idea \"T: TEXT\"    a change idea: a title, then ': ' and a short text (repeat)\n"
          "  --json              machine-readable output\n",
          f);
}

static int cmp_key(const void *a, const void *b)
{
    return memcmp(a, b, HLN_KEY_LEN);
}

static int cmp_code(const void *a, const void *b)
{
    return strcmp(a, b);
}

/* Add (or, with remove, drop) a member key; keeps the set sorted.
 * Returns EXIT_OK, EXIT_USAGE (not an id) or EXIT_FAIL, after a message. */
static int set_member(hln_collaborative *c, const char *text, bool remove)
{
    uint8_t k[HLN_KEY_LEN];
    if (hln_id_from_text(text, k)) {
        hln_warnx("'%s' is not a node id (hlnctl id)", text);
        return EXIT_USAGE;
    }
    for (uint32_t i = 0; i < c->n_members; i++)
        if (!memcmp(c->members[i], k, HLN_KEY_LEN)) {
            if (remove) {
                memmove(c->members[i], c->members[i + 1],
                        (size_t)(c->n_members - i - 1) * HLN_KEY_LEN);
                c->n_members--;
            }
            return EXIT_OK;
        }
    if (remove) {
        hln_warnx("%s is not a member", text);
        return EXIT_FAIL;
    }
    if (c->n_members == HLN_COLLAB_MEMBERS_MAX) {
        hln_warnx("at most %d members", HLN_COLLAB_MEMBERS_MAX);
        return EXIT_FAIL;
    }
    memcpy(c->members[c->n_members++], k, HLN_KEY_LEN);
    qsort(c->members, c->n_members, HLN_KEY_LEN, cmp_key);
    return EXIT_OK;
}

/* 0, or EXIT_USAGE after a message. */
static int check_text(const char *what, const char *s, size_t max, bool multi)
{
    size_t n = strlen(s);
    if (n > max || !hln_text_valid(s, n, multi)) {
        hln_warnx("%s: at most %zu bytes of printable UTF-8", what, max);
        return EXIT_USAGE;
    }
    return 0;
}

/* ---- create: one callback per repeated option (non-zero: a usage error said) ---- */

static int add_indicator(void *ctx, const char *v)
{
    hln_collaborative *c = ctx;
    if (strlen(v) > HLN_CODE_MAX || !hln_code_indicator(v, strlen(v))) {
        hln_warnx("collaborative create: --indicator: '%s' is not an indicator code", v);
        return EXIT_USAGE;
    }
    if (c->n_indicators == HLN_COLLAB_INDICATORS_MAX) {
        hln_warnx("collaborative create: at most %d indicators", HLN_COLLAB_INDICATORS_MAX);
        return EXIT_USAGE;
    }
    snprintf(c->indicators[c->n_indicators++], HLN_CODE_MAX + 1, "%s", v);
    return 0;
}

static int add_member(void *ctx, const char *v)
{
    return set_member(ctx, v, false);
}

/* "TITLE: TEXT" or "TITLE". */
static int add_idea(void *ctx, const char *v)
{
    hln_collaborative *c = ctx;
    if (c->n_ideas == HLN_IDEAS_MAX) {
        hln_warnx("collaborative create: at most %d change ideas", HLN_IDEAS_MAX);
        return EXIT_USAGE;
    }
    hln_idea *idea = &c->ideas[c->n_ideas++];
    const char *sep = strstr(v, ": ");
    size_t tl = sep ? (size_t)(sep - v) : strlen(v);
    if (tl == 0 || tl > HLN_NAME_MAX) {
        hln_warnx("--idea: a title of 1 to %d bytes, then ': ' and the text", HLN_NAME_MAX);
        return EXIT_USAGE;
    }
    memcpy(idea->title, v, tl);
    int rc;
    if ((rc = check_text("--idea title", idea->title, HLN_NAME_MAX, false)) ||
        (sep && (rc = check_text("--idea text", sep + 2, HLN_IDEA_TEXT_MAX, true))))
        return rc;
    if (sep)
        snprintf(idea->text, sizeof idea->text, "%s", sep + 2);
    return 0;
}

typedef struct {
    const char *code, *name, *aim, *start, *end;
} create_opts;

/* The options given, checked and copied into `c`. HLN_CLI_GO or EXIT_USAGE. */
static int check_create(const hln_cli_args *a, const create_opts *o, hln_collaborative *c)
{
    if (!o->code || !o->name || !o->start || !o->end || !c->n_indicators)
        return hln_cli_usage_error(a, "needs CODE, --name, --indicator, --start and --end");
    if (strlen(o->code) > HLN_CODE_MAX || !o->code[0] || !hln_code_unit(o->code, strlen(o->code)))
        return hln_cli_usage_error(a, "'%s' is not a code: [A-Za-z0-9][A-Za-z0-9._-], at most 64",
                                   o->code);
    if (check_text("--name", o->name, HLN_NAME_MAX, false) ||
        check_text("--aim", o->aim, HLN_AIM_MAX, true))
        return EXIT_USAGE;
    int sf, sm, ef, em;
    if (!hln_period_span(o->start, &sf, &sm) || !hln_period_span(o->end, &ef, &em) ||
        ef + em < sf + sm)
        return hln_cli_usage_error(a, "--start and --end must be periods, the end not before the "
                                      "start");
    qsort(c->indicators, c->n_indicators, HLN_CODE_MAX + 1, cmp_code);
    for (uint32_t i = 1; i < c->n_indicators; i++)
        if (!strcmp(c->indicators[i - 1], c->indicators[i]))
            return hln_cli_usage_error(a, "--indicator %s is given twice", c->indicators[i]);
    snprintf(c->code, sizeof c->code, "%s", o->code);
    snprintf(c->name, sizeof c->name, "%s", o->name);
    snprintf(c->aim, sizeof c->aim, "%s", o->aim);
    snprintf(c->start, sizeof c->start, "%s", o->start);
    snprintf(c->end, sizeof c->end, "%s", o->end);
    return HLN_CLI_GO;
}

/* `key` is a member in force inside this authority's jurisdiction: that is
 * where the collaborative's records go. */
static bool member_inside(hln_learn_session *s, const uint8_t key[HLN_KEY_LEN])
{
    const hln_node_info *info = hln_node_get_info(s->node);
    char idt[HLN_ID_TEXT_LEN + 1];
    hln_trust_info mi;
    hln_id_to_text(key, idt);
    if (hln_trust_member(s->trust, key, s->now_ms, &mi) != 0) {
        hln_warnx("member %s is not a member in force on this node's view", idt);
        return false;
    }
    if (info->jurisdiction[0] && !hln_scope_within(mi.jurisdiction, info->jurisdiction)) {
        hln_warnx("member %s stands in %s, outside this authority's jurisdiction %s", idt,
                  mi.jurisdiction, info->jurisdiction);
        return false;
    }
    return true;
}

/* This node may write `c`: not another authority's code, its indicators
 * defined, its members inside. The scope it goes in, or NULL after a message. */
static const char *create_scope(hln_learn_session *s, const hln_collaborative *c)
{
    const hln_learn_collab *held = hln_learn_collab_find(s->learn, c->code);
    const hln_node_info *info = hln_node_get_info(s->node);
    if (held && memcmp(held->o.author, hln_node_pk(s->node), HLN_KEY_LEN) != 0) {
        hln_warnx("collaborative '%s' is run by another authority; choose another code", c->code);
        return NULL;
    }
    for (uint32_t i = 0; i < c->n_indicators; i++)
        if (!hln_node_find_def(s->defs, s->ndefs, c->indicators[i])) {
            hln_warnx("indicator '%s' is not defined on this node (hlnctl indicator list)",
                      c->indicators[i]);
            return NULL;
        }
    for (uint32_t i = 0; i < c->n_members; i++)
        if (!member_inside(s, c->members[i]))
            return NULL;
    return held ? held->o.scope : info->jurisdiction[0] ? info->jurisdiction : "global";
}

static int author_collab(hln_learn_session *s, const char *datadir, const hln_body *body,
                         const char *scope, bool json)
{
    json_object *x = json_object_new_object();
    hln_cli_jstr(x, "code", body->collaborative.code);
    hln_cli_ju64(x, "members", body->collaborative.n_members);
    return hln_learn_author(s, datadir, HLN_REC_COLLABORATIVE, body, scope, json, x);
}

static int collab_create(const char *datadir, int argc, char **argv, bool json)
{
    hln_body body;
    memset(&body, 0, sizeof body);
    hln_collaborative *c = &body.collaborative;
    create_opts o = {.aim = ""};
    const hln_cli_opt opts[] = {
        HLN_CLI_VALUE("name", &o.name),        HLN_CLI_VALUE("aim", &o.aim),
        HLN_CLI_VALUE("start", &o.start),      HLN_CLI_VALUE("end", &o.end),
        HLN_CLI_EACH("indicator", add_indicator, c), HLN_CLI_EACH("member", add_member, c),
        HLN_CLI_EACH("idea", add_idea, c),     HLN_CLI_FLAG("json", &json),
        HLN_CLI_END};
    hln_cli_args a = {.what = "collaborative create", .opts = opts, .pos = &o.code, .maxpos = 1,
                      .datadir = &datadir, .usage = collab_usage, .remind = true};
    int r = hln_cli_parse(&a, argc, argv);
    if (r != HLN_CLI_GO || (r = check_create(&a, &o, c)) != HLN_CLI_GO)
        return r;
    hln_learn_session s;
    if (hln_learn_session_open(&s, datadir, 0) != EXIT_OK)
        return EXIT_FAIL;
    const char *scope = create_scope(&s, c);
    r = scope ? author_collab(&s, datadir, &body, scope, json) : EXIT_FAIL;
    hln_learn_session_close(&s);
    return r;
}

/* ---- add, remove ---- */

static int collab_members(const char *datadir, int argc, char **argv, bool json, bool remove)
{
    const char *pos[1 + HLN_COLLAB_MEMBERS_MAX];
    const hln_cli_opt opts[] = {HLN_CLI_FLAG("json", &json), HLN_CLI_END};
    hln_cli_args a = {.what = remove ? "collaborative remove" : "collaborative add",
                      .opts = opts, .pos = pos, .maxpos = 1 + HLN_COLLAB_MEMBERS_MAX,
                      .datadir = &datadir, .usage = collab_usage, .remind = true};
    int r = hln_cli_parse(&a, argc, argv);
    if (r != HLN_CLI_GO)
        return r;
    if (a.npos < 2)
        return hln_cli_usage_error(&a, "needs CODE and at least one ID");
    hln_learn_session s;
    if (hln_learn_session_open(&s, datadir, 0) != EXIT_OK)
        return EXIT_FAIL;
    r = EXIT_FAIL;
    const hln_learn_collab *held = hln_learn_collab_find(s.learn, pos[0]);
    if (!held || memcmp(held->o.author, hln_node_pk(s.node), HLN_KEY_LEN) != 0) {
        hln_warnx(held ? "collaborative '%s' is run by another authority"
                       : "no collaborative '%s' is held",
                  pos[0]);
        goto out;
    }
    hln_body body;
    memset(&body, 0, sizeof body);
    body.collaborative = held->c;
    for (int i = 1; i < a.npos; i++) {
        uint8_t k[HLN_KEY_LEN];
        if ((r = set_member(&body.collaborative, pos[i], remove)) != EXIT_OK)
            goto out;
        r = EXIT_FAIL;
        if (!remove && (hln_id_from_text(pos[i], k) || !member_inside(&s, k)))
            goto out;
    }
    r = author_collab(&s, datadir, &body, held->o.scope, json);
out:
    hln_learn_session_close(&s);
    return r;
}

static int collab_add(const char *datadir, int argc, char **argv, bool json)
{
    return collab_members(datadir, argc, argv, json, false);
}

static int collab_remove(const char *datadir, int argc, char **argv, bool json)
{
    return collab_members(datadir, argc, argv, json, true);
}

/* ---- show, list ---- */

static json_object *collab_json(hln_learn_session *s, const hln_learn_collab *e)
{
    const hln_collaborative *c = &e->c;
    char idt[HLN_ID_TEXT_LEN + 1], hex[2 * HLN_HASH_LEN + 1];
    json_object *o = json_object_new_object();
    json_object_object_add(o, "code", json_object_new_string(c->code));
    json_object_object_add(o, "name", json_object_new_string(c->name));
    json_object_object_add(o, "aim", json_object_new_string(c->aim));
    json_object *a = json_object_new_array();
    for (uint32_t i = 0; i < c->n_indicators; i++)
        json_object_array_add(a, json_object_new_string(c->indicators[i]));
    json_object_object_add(o, "indicators", a);
    json_object_object_add(o, "start", json_object_new_string(c->start));
    json_object_object_add(o, "end", json_object_new_string(c->end));
    hln_id_to_text(e->o.author, idt);
    json_object_object_add(o, "authority", json_object_new_string(idt));
    json_object_object_add(o, "authority_name", json_object_new_string(hln_learn_name_of(s, e->o.author)));
    json_object_object_add(o, "scope", json_object_new_string(e->o.scope));
    a = json_object_new_array();
    for (uint32_t i = 0; i < c->n_members; i++) {
        json_object *m = json_object_new_object();
        hln_id_to_text(c->members[i], idt);
        json_object_object_add(m, "id", json_object_new_string(idt));
        json_object_object_add(m, "name", json_object_new_string(hln_learn_name_of(s, c->members[i])));
        json_object_array_add(a, m);
    }
    json_object_object_add(o, "members", a);
    a = json_object_new_array();
    for (uint32_t i = 0; i < c->n_ideas; i++) {
        json_object *m = json_object_new_object();
        json_object_object_add(m, "number", json_object_new_int((int)i + 1));
        json_object_object_add(m, "title", json_object_new_string(c->ideas[i].title));
        json_object_object_add(m, "text", json_object_new_string(c->ideas[i].text));
        json_object_array_add(a, m);
    }
    json_object_object_add(o, "ideas", a);
    hln_hex(e->o.id, HLN_HASH_LEN, hex);
    json_object_object_add(o, "record", json_object_new_string(hex));
    json_object_object_add(o, "timestamp_ms", json_object_new_uint64(e->o.timestamp_ms));
    return o;
}

static void safe_print(const char *label, const char *s)
{
    char b[HLN_AIM_MAX + 1];
    hln_util_sanitize(b, sizeof b, s, strlen(s), HLN_AIM_MAX);
    printf("%s%s\n", label, b);
}

static void print_collab(hln_learn_session *s, const hln_learn_collab *e)
{
    const hln_collaborative *c = &e->c;
    safe_print("collaborative ", c->code);
    safe_print("name          ", c->name);
    safe_print("authority     ", hln_learn_name_of(s, e->o.author));
    printf("scope         %s\nperiods       %s to %s\n", e->o.scope, c->start, c->end);
    safe_print("aim           ", c->aim);
    for (uint32_t i = 0; i < c->n_indicators; i++)
        printf("indicator     %s\n", c->indicators[i]);
    for (uint32_t i = 0; i < c->n_members; i++) {
        char idt[HLN_ID_TEXT_LEN + 1], nm[HLN_NAME_MAX + 1];
        const char *name = hln_learn_name_of(s, c->members[i]);
        hln_id_to_text(c->members[i], idt);
        hln_util_sanitize(nm, sizeof nm, name, strlen(name), 60);
        printf("member        %s %s\n", idt, nm);
    }
    for (uint32_t i = 0; i < c->n_ideas; i++) {
        char t[HLN_NAME_MAX + 1], x[HLN_IDEA_TEXT_MAX + 1];
        hln_util_sanitize(t, sizeof t, c->ideas[i].title, strlen(c->ideas[i].title), 128);
        hln_util_sanitize(x, sizeof x, c->ideas[i].text, strlen(c->ideas[i].text), 256);
        printf("idea %-8u %s%s%s\n", (unsigned)i + 1, t, x[0] ? ": " : "", x);
    }
}

static int collab_show(const char *datadir, int argc, char **argv, bool json)
{
    const char *code = NULL;
    const hln_cli_opt opts[] = {HLN_CLI_FLAG("json", &json), HLN_CLI_END};
    hln_cli_args a = {.what = "collaborative show", .opts = opts, .pos = &code, .maxpos = 1,
                      .datadir = &datadir, .usage = collab_usage, .remind = true};
    int r = hln_cli_parse(&a, argc, argv);
    if (r != HLN_CLI_GO)
        return r;
    if (!code)
        return hln_cli_usage_error(&a, "needs CODE");
    hln_learn_session s;
    if (hln_learn_session_open(&s, datadir, HLN_NODE_RDONLY) != EXIT_OK)
        return EXIT_FAIL;
    const hln_learn_collab *e = hln_learn_collab_find(s.learn, code);
    r = e ? EXIT_OK : EXIT_FAIL;
    if (!e)
        hln_warnx("no collaborative '%s' is held", code);
    else if (json)
        hln_print_json(collab_json(&s, e));
    else
        print_collab(&s, e);
    hln_learn_session_close(&s);
    return r;
}

static int collab_list(const char *datadir, int argc, char **argv, bool json)
{
    const hln_cli_opt opts[] = {HLN_CLI_FLAG("json", &json), HLN_CLI_END};
    hln_cli_args a = {.what = "collaborative list", .opts = opts, .datadir = &datadir,
                      .usage = collab_usage, .remind = true};
    int r = hln_cli_parse(&a, argc, argv);
    if (r != HLN_CLI_GO)
        return r;
    hln_learn_session s;
    if (hln_learn_session_open(&s, datadir, HLN_NODE_RDONLY) != EXIT_OK)
        return EXIT_FAIL;
    size_t n;
    const hln_learn_collab *all = hln_learn_collabs(s.learn, &n);
    json_object *arr = json ? json_object_new_array() : NULL;
    if (!json && n)
        printf("%-20s %-6s %-8s %-8s %-7s %s\n", "CODE", "SCOPE", "START", "END", "MEMBERS",
               "NAME");
    for (size_t i = 0; i < n; i++) {
        char nm[HLN_NAME_MAX + 1];
        if (json) {
            json_object_array_add(arr, collab_json(&s, &all[i]));
            continue;
        }
        hln_util_sanitize(nm, sizeof nm, all[i].c.name, strlen(all[i].c.name), 60);
        printf("%-20s %-6s %-8s %-8s %-7u %s\n", all[i].c.code, all[i].o.scope, all[i].c.start,
               all[i].c.end, (unsigned)all[i].c.n_members, nm);
    }
    if (json)
        hln_print_json(arr);
    else if (!n)
        printf("no collaboratives held\n");
    hln_learn_session_close(&s);
    return EXIT_OK;
}

int hln_cli_collaborative(const char *datadir, int argc, char **argv, bool json)
{
    static const hln_cli_verb verbs[] = {
        {"create", NULL, collab_create}, {"add", NULL, collab_add},
        {"remove", "rm", collab_remove}, {"show", NULL, collab_show},
        {"list", "ls", collab_list},     {NULL, NULL, NULL},
    };
    return hln_cli_run_verb("collaborative", verbs, collab_usage, datadir, argc, argv, json);
}
