/* cmd_lesson.c - hlnctl lesson share/list/retract (docs/CLI.md, docs/PROTOCOL.md §6.11). */
#include "node/hlnctl/cmd_lesson.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/err.h"
#include "node/hlnctl/cli.h"
#include "node/hlnctl/learn_cli.h"
#include "node/util.h"
#include "proto/codes.h"
#include "proto/screen.h"

static void lesson_usage(FILE *f)
{
    fputs("usage: hlnctl [-d DIR] lesson share --indicator I --period P\n"
          "                     --result worked|did-not-work|mixed|too-early\n"
          "                     (--text TEXT | --text-file F) [--unit U] [--collaborative C]\n"
          "                     [--idea N] [--change TEXT] [--json]\n"
          "       hlnctl [-d DIR] lesson list [--collaborative C] [--json]\n"
          "       hlnctl [-d DIR] lesson retract ID [--erase] [--reason TEXT] [--json]\n"
          "\n"
          "share: what this team tried and what happened, signed and replicated: to the\n"
          "collaborative's members and its authority's jurisdiction with --collaborative,\n"
          "else to the node's country. The text (1 to 1024 bytes) must not look like it\n"
          "carries identifiers: full dates, e-mail addresses, phone numbers, national id\n"
          "or card numbers, runs of 6 or more digits are refused, with what was found\n"
          "(exit 1; docs/PROTOCOL.md, \"The identifier screen\").\n"
          "list: the lessons held (withdrawn ones marked). retract: withdraw one of this\n"
          "node's lessons by record id; --erase drops its text on every node.\n"
          "\n"
          "  --indicator I       the indicator (repeat, up to 4)\n"
          "  --period P          the period the lesson is about\n"
          "  --result R          worked, did-not-work, mixed or too-early\n"
          "  --text TEXT         the lesson; --text-file F reads it from a file\n"
          "  --unit U            the reporting unit (default: the node itself)\n"
          "  --collaborative C   the collaborative it belongs to\n"
          "  --idea N            the collaborative's change idea it applied (1..)\n"
          "  --change TEXT       the change in the team's words (at most 128 bytes)\n"
          "  --json              machine-readable output\n",
          f);
}

static int cmp_code(const void *a, const void *b)
{
    return strcmp(a, b);
}

/* Name every finding of the screen; true when the text passes. */
static bool screened(const char *what, const char *text)
{
    hln_screen_hit hits[16];
    size_t n = hln_screen_text(text, strlen(text), hits, 16);
    for (size_t i = 0; i < n && i < 16; i++) {
        char shown[64];
        hln_util_sanitize(shown, sizeof shown, text + hits[i].off, hits[i].len, 40);
        hln_warnx("%s refused: it looks like it carries an identifier: %s \"%s\" at byte %zu", what,
                  hln_screen_kind_name(hits[i].kind), shown, hits[i].off);
    }
    if (n > 16)
        hln_warnx("... and %zu more", n - 16);
    if (n)
        hln_warnx("lessons travel to other organizations: write months, not dates, and no "
                  "record, card or phone numbers (docs/PROTOCOL.md, \"The identifier screen\")");
    return n == 0;
}

static int lesson_share(const char *datadir, int argc, char **argv, bool json)
{
    hln_body body;
    memset(&body, 0, sizeof body);
    hln_lesson *l = &body.lesson;
    const char *period = NULL, *result = NULL, *text = NULL, *file = NULL, *unit = "",
               *collab = "", *idea = NULL, *change = "";
    for (int i = 1; i < argc; i++) {
        bool missing = false;
        const char *v = NULL;
        if (!strcmp(argv[i], "--json")) {
            json = true;
        } else if (hln_learn_opt(argc, argv, &i, "--indicator", &v, &missing)) {
            if (missing)
                goto missing_value;
            if (!hln_code_indicator(v, strlen(v))) {
                hln_warnx("--indicator: '%s' is not an indicator code", v);
                return 2;
            }
            if (l->n_indicators == HLN_LESSON_INDICATORS_MAX) {
                hln_warnx("at most %d indicators", HLN_LESSON_INDICATORS_MAX);
                return 2;
            }
            snprintf(l->indicators[l->n_indicators++], HLN_CODE_MAX + 1, "%s", v);
        } else if (hln_learn_opt(argc, argv, &i, "--period", &period, &missing) ||
                   hln_learn_opt(argc, argv, &i, "--result", &result, &missing) ||
                   hln_learn_opt(argc, argv, &i, "--text-file", &file, &missing) ||
                   hln_learn_opt(argc, argv, &i, "--text", &text, &missing) ||
                   hln_learn_opt(argc, argv, &i, "--unit", &unit, &missing) ||
                   hln_learn_opt(argc, argv, &i, "--collaborative", &collab, &missing) ||
                   hln_learn_opt(argc, argv, &i, "--idea", &idea, &missing) ||
                   hln_learn_opt(argc, argv, &i, "--change", &change, &missing)) {
            if (missing)
                goto missing_value;
        } else {
            hln_warnx("lesson share: unexpected '%s'", argv[i]);
            lesson_usage(stderr);
            return 2;
        }
    }
    if (!l->n_indicators || !period || !result || (!text == !file)) {
        hln_warnx("lesson share needs --indicator, --period, --result and one of --text or "
                  "--text-file");
        lesson_usage(stderr);
        return 2;
    }
    if (!hln_code_period(period, strlen(period))) {
        hln_warnx("--period: '%s' is not a period", period);
        return 2;
    }
    if (hln_lesson_result_parse(result, &l->result)) {
        hln_warnx("--result: '%s' is not worked, did-not-work, mixed or too-early", result);
        return 2;
    }
    if (strlen(unit) > HLN_CODE_MAX || !hln_code_unit(unit, strlen(unit)) ||
        strlen(collab) > HLN_CODE_MAX || !hln_code_unit(collab, strlen(collab))) {
        hln_warnx("--unit and --collaborative take codes [A-Za-z0-9][A-Za-z0-9._-]");
        return 2;
    }
    if (idea) {
        char *end;
        unsigned long k = strtoul(idea, &end, 10);
        if (*end || k < 1 || k > HLN_IDEAS_MAX || !collab[0]) {
            hln_warnx("--idea: a change idea number 1 to %d of the --collaborative", HLN_IDEAS_MAX);
            return 2;
        }
        l->idea = (uint32_t)k;
    }
    qsort(l->indicators, l->n_indicators, HLN_CODE_MAX + 1, cmp_code);
    char *buf = NULL;
    if (file) {
        size_t len = 0;
        int rc = hln_read_file(file, 64 * 1024, &buf, &len);
        if (rc) {
            hln_warnx("--text-file %s: %s", file, hln_strerror(rc));
            return 1;
        }
        while (len && buf[len - 1] == '\n') /* a file's last newline is not the lesson's */
            buf[--len] = '\0';
        if (strlen(buf) != len) {
            hln_warnx("--text-file %s holds a NUL byte", file);
            free(buf);
            return 1;
        }
        text = buf;
    }
    int rc = 1;
    size_t tl = strlen(text);
    if (tl == 0 || tl > HLN_LESSON_TEXT_MAX || !hln_text_valid(text, tl, true)) {
        hln_warnx("the text is refused: 1 to %d bytes of UTF-8 without control characters "
                  "(line breaks allowed), it has %zu bytes",
                  HLN_LESSON_TEXT_MAX, tl);
        free(buf);
        return 1;
    }
    if (strlen(change) > HLN_NAME_MAX || !hln_text_valid(change, strlen(change), false)) {
        hln_warnx("--change: at most %d bytes of printable UTF-8", HLN_NAME_MAX);
        free(buf);
        return 1;
    }
    bool ok = screened("the text", text);
    ok = screened("--change", change) && ok;
    if (!ok) {
        free(buf);
        return 1;
    }
    snprintf(l->period, sizeof l->period, "%s", period);
    snprintf(l->unit, sizeof l->unit, "%s", unit);
    snprintf(l->collaborative, sizeof l->collaborative, "%s", collab);
    snprintf(l->change, sizeof l->change, "%s", change);
    snprintf(l->text, sizeof l->text, "%s", text);
    free(buf);

    hln_learn_session s;
    if (hln_learn_session_open(&s, datadir, 0))
        return 1;
    char scope[HLN_SCOPE_MAX + 1];
    hln_node_default_scope(s.node, scope);
    if (collab[0]) {
        const hln_learn_collab *c = hln_learn_collab_find(s.learn, collab);
        if (!c) {
            hln_warnx("no collaborative '%s' is held (hlnctl collaborative list)", collab);
            goto out;
        }
        const uint8_t *me = hln_node_pk(s.node);
        if (!hln_learn_collab_has(c, me) && memcmp(c->o.author, me, HLN_KEY_LEN) != 0) {
            hln_warnx("this node is not a member of collaborative '%s'", collab);
            goto out;
        }
        if (l->idea > c->c.n_ideas) {
            hln_warnx("--idea %u: collaborative '%s' has %u change ideas", (unsigned)l->idea,
                      collab, (unsigned)c->c.n_ideas);
            goto out;
        }
        snprintf(scope, sizeof scope, "%s", c->o.scope);
    }
    json_object *x = json_object_new_object();
    json_object_object_add(x, "result", json_object_new_string(hln_lesson_result_name(l->result)));
    rc = hln_learn_author(&s, datadir, HLN_REC_LESSON, &body, scope, json, x);
out:
    hln_learn_session_close(&s);
    return rc;
missing_value:
    hln_warnx("an option needs a value");
    return 2;
}

static int lesson_list(const char *datadir, int argc, char **argv, bool json)
{
    const char *collab = NULL;
    for (int i = 1; i < argc; i++) {
        bool missing = false;
        if (!strcmp(argv[i], "--json"))
            json = true;
        else if (hln_learn_opt(argc, argv, &i, "--collaborative", &collab, &missing)) {
            if (missing) {
                hln_warnx("--collaborative needs a value");
                return 2;
            }
        } else {
            hln_warnx("lesson list: unexpected '%s'", argv[i]);
            return 2;
        }
    }
    hln_learn_session s;
    if (hln_learn_session_open(&s, datadir, HLN_NODE_RDONLY))
        return 1;
    size_t n, shown = 0;
    const hln_learn_lesson *ls = hln_learn_lessons(s.learn, &n);
    json_object *arr = json ? json_object_new_array() : NULL;
    for (size_t i = 0; i < n; i++) {
        const hln_lesson *l = &ls[i].l;
        if (collab && strcmp(l->collaborative, collab) != 0)
            continue;
        const hln_learn_collab *c = hln_learn_collab_find(s.learn, l->collaborative);
        const char *idea = c && l->idea && l->idea <= c->c.n_ideas ? c->c.ideas[l->idea - 1].title : "";
        char idt[HLN_ID_TEXT_LEN + 1], hex[2 * HLN_HASH_LEN + 1], when[32];
        hln_id_to_text(ls[i].o.author, idt);
        hln_hex(ls[i].o.id, HLN_HASH_LEN, hex);
        hln_learn_iso_time(ls[i].o.timestamp_ms, when, sizeof when);
        const char *name = hln_learn_name_of(&s, ls[i].o.author);
        shown++;
        if (json) {
            json_object *o = json_object_new_object();
            json_object_object_add(o, "id", json_object_new_string(hex));
            json_object_object_add(o, "author", json_object_new_string(idt));
            json_object_object_add(o, "name", json_object_new_string(name));
            json_object *a = json_object_new_array();
            for (uint32_t k = 0; k < l->n_indicators; k++)
                json_object_array_add(a, json_object_new_string(l->indicators[k]));
            json_object_object_add(o, "indicators", a);
            json_object_object_add(o, "period", json_object_new_string(l->period));
            json_object_object_add(o, "unit", json_object_new_string(l->unit));
            json_object_object_add(o, "collaborative", json_object_new_string(l->collaborative));
            json_object_object_add(o, "idea", json_object_new_int((int)l->idea));
            json_object_object_add(o, "idea_title", json_object_new_string(idea));
            json_object_object_add(o, "change", json_object_new_string(l->change));
            json_object_object_add(o, "result", json_object_new_string(hln_lesson_result_name(l->result)));
            json_object_object_add(o, "text", json_object_new_string(l->text));
            json_object_object_add(o, "retracted", json_object_new_boolean(ls[i].retracted));
            json_object_object_add(o, "scope", json_object_new_string(ls[i].o.scope));
            json_object_object_add(o, "timestamp_ms", json_object_new_uint64(ls[i].o.timestamp_ms));
            json_object_array_add(arr, o);
        } else {
            char nm[HLN_NAME_MAX + 1], tx[HLN_LESSON_TEXT_MAX + 1], it[HLN_NAME_MAX + 1];
            hln_util_sanitize(nm, sizeof nm, name, strlen(name), 40);
            hln_util_sanitize(tx, sizeof tx, l->text, strlen(l->text), 300);
            hln_util_sanitize(it, sizeof it, idea[0] ? idea : l->change, strlen(idea[0] ? idea : l->change), 60);
            printf("%.16s  %s  %s %s%s%s  %s%s\n  %s%s%s%s%s%s\n  %s\n\n", hex, when,
                   nm[0] ? nm : idt, l->unit[0] ? "unit " : "", l->unit, l->unit[0] ? " " : "",
                   l->period, ls[i].retracted ? "  (withdrawn)" : "",
                   hln_lesson_result_name(l->result), l->collaborative[0] ? "  collaborative " : "",
                   l->collaborative, it[0] ? "  change: " : "", it, "", tx);
        }
    }
    if (json)
        hln_print_json(arr);
    else if (!shown)
        printf("no lessons held\n");
    hln_learn_session_close(&s);
    return 0;
}

static int lesson_retract(const char *datadir, int argc, char **argv, bool json)
{
    const char *id = NULL, *reason = "";
    bool erase = false;
    for (int i = 1; i < argc; i++) {
        bool missing = false;
        if (!strcmp(argv[i], "--json"))
            json = true;
        else if (!strcmp(argv[i], "--erase"))
            erase = true;
        else if (hln_learn_opt(argc, argv, &i, "--reason", &reason, &missing)) {
            if (missing) {
                hln_warnx("--reason needs a value");
                return 2;
            }
        } else if (argv[i][0] == '-' || id) {
            hln_warnx("lesson retract: unexpected '%s'", argv[i]);
            return 2;
        } else
            id = argv[i];
    }
    uint8_t target[HLN_HASH_LEN];
    if (!id || strlen(id) != 2 * HLN_HASH_LEN || hln_unhex(id, target, HLN_HASH_LEN)) {
        hln_warnx("lesson retract needs the lesson's record id (64 hex digits, hlnctl lesson list)");
        return 2;
    }
    if (strlen(reason) > HLN_NAME_MAX || !hln_text_valid(reason, strlen(reason), false)) {
        hln_warnx("--reason: at most %d bytes of printable UTF-8", HLN_NAME_MAX);
        return 2;
    }
    hln_learn_session s;
    if (hln_learn_session_open(&s, datadir, 0))
        return 1;
    int rc = 1;
    size_t n;
    const hln_learn_lesson *ls = hln_learn_lessons(s.learn, &n), *hit = NULL;
    for (size_t i = 0; i < n; i++)
        if (!memcmp(ls[i].o.id, target, HLN_HASH_LEN))
            hit = &ls[i];
    if (!hit || memcmp(hit->o.author, hln_node_pk(s.node), HLN_KEY_LEN) != 0) {
        hln_warnx(hit ? "that lesson is another node's: only its author withdraws it"
                      : "no lesson with that id is held");
        goto out;
    }
    hln_body body;
    memset(&body, 0, sizeof body);
    memcpy(body.retract.target, target, HLN_HASH_LEN);
    body.retract.erase = erase;
    snprintf(body.retract.reason, sizeof body.retract.reason, "%s", reason);
    /* The store applies the retraction (and the erasure) as it appends it,
     * here and on every peer that receives it. */
    rc = hln_learn_author(&s, datadir, HLN_REC_RETRACT, &body, hit->o.scope, json, NULL);
out:
    hln_learn_session_close(&s);
    return rc;
}

int hln_cli_lesson(const char *datadir, int argc, char **argv, bool json)
{
    if (argc < 1) {
        lesson_usage(stderr);
        return 2;
    }
    for (int i = 0; i < argc; i++)
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h") ||
            (i == 0 && !strcmp(argv[i], "help"))) {
            lesson_usage(stdout);
            return 0;
        }
    if (!strcmp(argv[0], "share"))
        return lesson_share(datadir, argc, argv, json);
    if (!strcmp(argv[0], "list"))
        return lesson_list(datadir, argc, argv, json);
    if (!strcmp(argv[0], "retract"))
        return lesson_retract(datadir, argc, argv, json);
    hln_warnx("lesson: unknown command '%s'", argv[0]);
    lesson_usage(stderr);
    return 2;
}
