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

/* Add (or, with remove, drop) a member key; keeps the set sorted. */
static int set_member(hln_collaborative *c, const char *text, bool remove)
{
    uint8_t k[HLN_KEY_LEN];
    if (hln_id_from_text(text, k)) {
        hln_warnx("'%s' is not a node id (hlnctl id)", text);
        return 2;
    }
    for (uint32_t i = 0; i < c->n_members; i++)
        if (!memcmp(c->members[i], k, HLN_KEY_LEN)) {
            if (remove) {
                memmove(c->members[i], c->members[i + 1],
                        (size_t)(c->n_members - i - 1) * HLN_KEY_LEN);
                c->n_members--;
            }
            return 0;
        }
    if (remove) {
        hln_warnx("%s is not a member", text);
        return 1;
    }
    if (c->n_members == HLN_COLLAB_MEMBERS_MAX) {
        hln_warnx("at most %d members", HLN_COLLAB_MEMBERS_MAX);
        return 1;
    }
    memcpy(c->members[c->n_members++], k, HLN_KEY_LEN);
    qsort(c->members, c->n_members, HLN_KEY_LEN, cmp_key);
    return 0;
}

static int check_text(const char *what, const char *s, size_t max, bool multi)
{
    size_t n = strlen(s);
    if (n > max || !hln_text_valid(s, n, multi)) {
        hln_warnx("%s: at most %zu bytes of printable UTF-8", what, max);
        return 2;
    }
    return 0;
}

static int collab_create(const char *datadir, int argc, char **argv, bool json)
{
    hln_body body;
    memset(&body, 0, sizeof body);
    hln_collaborative *c = &body.collaborative;
    const char *code = NULL, *name = NULL, *aim = "", *start = NULL, *end = NULL;
    int rc;
    for (int i = 1; i < argc; i++) {
        bool missing = false;
        const char *v = NULL;
        if (!strcmp(argv[i], "--json")) {
            json = true;
        } else if (hln_learn_opt(argc, argv, &i, "--name", &name, &missing) ||
                   hln_learn_opt(argc, argv, &i, "--aim", &aim, &missing) ||
                   hln_learn_opt(argc, argv, &i, "--start", &start, &missing) ||
                   hln_learn_opt(argc, argv, &i, "--end", &end, &missing)) {
            if (missing)
                goto missing_value;
        } else if (hln_learn_opt(argc, argv, &i, "--indicator", &v, &missing)) {
            if (missing)
                goto missing_value;
            if (!hln_code_indicator(v, strlen(v))) {
                hln_warnx("--indicator: '%s' is not an indicator code", v);
                return 2;
            }
            if (c->n_indicators == HLN_COLLAB_INDICATORS_MAX) {
                hln_warnx("at most %d indicators", HLN_COLLAB_INDICATORS_MAX);
                return 2;
            }
            snprintf(c->indicators[c->n_indicators++], HLN_CODE_MAX + 1, "%s", v);
        } else if (hln_learn_opt(argc, argv, &i, "--member", &v, &missing)) {
            if (missing)
                goto missing_value;
            if ((rc = set_member(c, v, false)))
                return rc;
        } else if (hln_learn_opt(argc, argv, &i, "--idea", &v, &missing)) {
            if (missing)
                goto missing_value;
            if (c->n_ideas == HLN_IDEAS_MAX) {
                hln_warnx("at most %d change ideas", HLN_IDEAS_MAX);
                return 2;
            }
            hln_idea *idea = &c->ideas[c->n_ideas++];
            const char *sep = strstr(v, ": ");
            size_t tl = sep ? (size_t)(sep - v) : strlen(v);
            if (tl == 0 || tl > HLN_NAME_MAX) {
                hln_warnx("--idea: a title of 1 to %d bytes, then ': ' and the text", HLN_NAME_MAX);
                return 2;
            }
            memcpy(idea->title, v, tl);
            if ((rc = check_text("--idea title", idea->title, HLN_NAME_MAX, false)) ||
                (sep && (rc = check_text("--idea text", sep + 2, HLN_IDEA_TEXT_MAX, true))))
                return rc;
            if (sep)
                snprintf(idea->text, sizeof idea->text, "%s", sep + 2);
        } else if (argv[i][0] == '-' || code) {
            hln_warnx("collaborative create: unexpected '%s'", argv[i]);
            collab_usage(stderr);
            return 2;
        } else {
            code = argv[i];
        }
    }
    if (!code || !name || !start || !end || !c->n_indicators) {
        hln_warnx("collaborative create needs CODE, --name, --indicator, --start and --end");
        collab_usage(stderr);
        return 2;
    }
    if (strlen(code) > HLN_CODE_MAX || !code[0] || !hln_code_unit(code, strlen(code))) {
        hln_warnx("'%s' is not a code: [A-Za-z0-9][A-Za-z0-9._-], at most 64", code);
        return 2;
    }
    if ((rc = check_text("--name", name, HLN_NAME_MAX, false)) ||
        (rc = check_text("--aim", aim, HLN_AIM_MAX, true)))
        return rc;
    int sf, sm, ef, em;
    if (!hln_period_span(start, &sf, &sm) || !hln_period_span(end, &ef, &em) || ef + em < sf + sm) {
        hln_warnx("--start and --end must be periods, the end not before the start");
        return 2;
    }
    qsort(c->indicators, c->n_indicators, HLN_CODE_MAX + 1, cmp_code);
    for (uint32_t i = 1; i < c->n_indicators; i++)
        if (!strcmp(c->indicators[i - 1], c->indicators[i])) {
            hln_warnx("--indicator %s is given twice", c->indicators[i]);
            return 2;
        }
    snprintf(c->code, sizeof c->code, "%s", code);
    snprintf(c->name, sizeof c->name, "%s", name);
    snprintf(c->aim, sizeof c->aim, "%s", aim);
    snprintf(c->start, sizeof c->start, "%s", start);
    snprintf(c->end, sizeof c->end, "%s", end);
    hln_learn_session s;
    if (hln_learn_session_open(&s, datadir, 0))
        return 1;
    rc = 1;
    const hln_learn_collab *held = hln_learn_collab_find(s.learn, code);
    const hln_node_info *info = hln_node_get_info(s.node);
    if (held && memcmp(held->o.author, hln_node_pk(s.node), HLN_KEY_LEN) != 0) {
        hln_warnx("collaborative '%s' is run by another authority; choose another code", code);
        goto out;
    }
    for (uint32_t i = 0; i < c->n_indicators; i++)
        if (!hln_node_find_def(s.defs, s.ndefs, c->indicators[i])) {
            hln_warnx("indicator '%s' is not defined on this node (hlnctl indicator list)",
                      c->indicators[i]);
            goto out;
        }
    /* Members must stand inside the authority's jurisdiction: that is where
     * the collaborative's records go. */
    for (uint32_t i = 0; i < c->n_members; i++) {
        hln_trust_info mi;
        char idt[HLN_ID_TEXT_LEN + 1];
        hln_id_to_text(c->members[i], idt);
        if (hln_trust_member(s.trust, c->members[i], s.now_ms, &mi) != 0) {
            hln_warnx("member %s is not a member in force on this node's view", idt);
            goto out;
        }
        if (info->jurisdiction[0] && !hln_scope_within(mi.jurisdiction, info->jurisdiction)) {
            hln_warnx("member %s stands in %s, outside this authority's jurisdiction %s", idt,
                      mi.jurisdiction, info->jurisdiction);
            goto out;
        }
    }
    const char *scope = held ? held->o.scope : info->jurisdiction[0] ? info->jurisdiction : "global";
    json_object *x = json_object_new_object();
    json_object_object_add(x, "code", json_object_new_string(code));
    json_object_object_add(x, "members", json_object_new_uint64(c->n_members));
    rc = hln_learn_author(&s, datadir, HLN_REC_COLLABORATIVE, &body, scope, json, x);
out:
    hln_learn_session_close(&s);
    return rc;
missing_value:
    hln_warnx("an option needs a value");
    return 2;
}

static int collab_members(const char *datadir, int argc, char **argv, bool json, bool remove)
{
    const char *code = NULL;
    int n_ids = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--json"))
            json = true;
        else if (argv[i][0] == '-') {
            hln_warnx("collaborative %s: unexpected '%s'", argv[0], argv[i]);
            return 2;
        } else if (!code)
            code = argv[i];
        else
            n_ids++;
    }
    if (!code || !n_ids) {
        hln_warnx("collaborative %s needs CODE and at least one ID", argv[0]);
        collab_usage(stderr);
        return 2;
    }
    hln_learn_session s;
    if (hln_learn_session_open(&s, datadir, 0))
        return 1;
    int rc = 1;
    const hln_learn_collab *held = hln_learn_collab_find(s.learn, code);
    if (!held || memcmp(held->o.author, hln_node_pk(s.node), HLN_KEY_LEN) != 0) {
        hln_warnx(held ? "collaborative '%s' is run by another authority"
                       : "no collaborative '%s' is held",
                  code);
        goto out;
    }
    hln_body body;
    memset(&body, 0, sizeof body);
    body.collaborative = held->c;
    const hln_node_info *info = hln_node_get_info(s.node);
    bool past_code = false;
    for (int i = 1; i < argc; i++) {
        if (argv[i][0] == '-')
            continue;
        if (!past_code) {
            past_code = true;
            continue;
        }
        if ((rc = set_member(&body.collaborative, argv[i], remove)))
            goto out;
        rc = 1;
        if (!remove) {
            uint8_t k[HLN_KEY_LEN];
            hln_trust_info mi;
            (void)hln_id_from_text(argv[i], k);
            if (hln_trust_member(s.trust, k, s.now_ms, &mi) != 0 ||
                (info->jurisdiction[0] && !hln_scope_within(mi.jurisdiction, info->jurisdiction))) {
                hln_warnx("%s is not a member in force inside %s", argv[i], info->jurisdiction);
                goto out;
            }
        }
    }
    json_object *x = json_object_new_object();
    json_object_object_add(x, "code", json_object_new_string(code));
    json_object_object_add(x, "members", json_object_new_uint64(body.collaborative.n_members));
    rc = hln_learn_author(&s, datadir, HLN_REC_COLLABORATIVE, &body, held->o.scope, json, x);
out:
    hln_learn_session_close(&s);
    return rc;
}

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

static int collab_show_list(const char *datadir, int argc, char **argv, bool json, bool show)
{
    const char *code = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--json"))
            json = true;
        else if (show && !code && argv[i][0] != '-')
            code = argv[i];
        else {
            hln_warnx("collaborative %s: unexpected '%s'", argv[0], argv[i]);
            return 2;
        }
    }
    if (show && !code) {
        hln_warnx("collaborative show needs CODE");
        return 2;
    }
    hln_learn_session s;
    if (hln_learn_session_open(&s, datadir, HLN_NODE_RDONLY))
        return 1;
    int rc = 0;
    size_t n;
    const hln_learn_collab *all = hln_learn_collabs(s.learn, &n);
    if (show) {
        const hln_learn_collab *e = hln_learn_collab_find(s.learn, code);
        if (!e) {
            hln_warnx("no collaborative '%s' is held", code);
            rc = 1;
        } else if (json) {
            hln_print_json(collab_json(&s, e));
        } else {
            const hln_collaborative *c = &e->c;
            safe_print("collaborative ", c->code);
            safe_print("name          ", c->name);
            safe_print("authority     ", hln_learn_name_of(&s, e->o.author));
            printf("scope         %s\nperiods       %s to %s\n", e->o.scope, c->start, c->end);
            safe_print("aim           ", c->aim);
            for (uint32_t i = 0; i < c->n_indicators; i++)
                printf("indicator     %s\n", c->indicators[i]);
            for (uint32_t i = 0; i < c->n_members; i++) {
                char idt[HLN_ID_TEXT_LEN + 1], nm[HLN_NAME_MAX + 1];
                const char *name = hln_learn_name_of(&s, c->members[i]);
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
    } else if (json) {
        json_object *arr = json_object_new_array();
        for (size_t i = 0; i < n; i++)
            json_object_array_add(arr, collab_json(&s, &all[i]));
        hln_print_json(arr);
    } else if (!n) {
        printf("no collaboratives held\n");
    } else {
        printf("%-20s %-6s %-8s %-8s %-7s %s\n", "CODE", "SCOPE", "START", "END", "MEMBERS", "NAME");
        for (size_t i = 0; i < n; i++) {
            char nm[HLN_NAME_MAX + 1];
            hln_util_sanitize(nm, sizeof nm, all[i].c.name, strlen(all[i].c.name), 60);
            printf("%-20s %-6s %-8s %-8s %-7u %s\n", all[i].c.code, all[i].o.scope, all[i].c.start,
                   all[i].c.end, (unsigned)all[i].c.n_members, nm);
        }
    }
    hln_learn_session_close(&s);
    return rc;
}

int hln_cli_collaborative(const char *datadir, int argc, char **argv, bool json)
{
    if (argc < 1) {
        collab_usage(stderr);
        return 2;
    }
    for (int i = 0; i < argc; i++)
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h") ||
            (i == 0 && !strcmp(argv[i], "help"))) {
            collab_usage(stdout);
            return 0;
        }
    if (!strcmp(argv[0], "create"))
        return collab_create(datadir, argc, argv, json);
    if (!strcmp(argv[0], "add") || !strcmp(argv[0], "remove"))
        return collab_members(datadir, argc, argv, json, !strcmp(argv[0], "remove"));
    if (!strcmp(argv[0], "show") || !strcmp(argv[0], "list"))
        return collab_show_list(datadir, argc, argv, json, !strcmp(argv[0], "show"));
    hln_warnx("collaborative: unknown command '%s'", argv[0]);
    collab_usage(stderr);
    return 2;
}
