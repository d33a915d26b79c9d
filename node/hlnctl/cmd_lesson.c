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

static int add_indicator(void *ctx, const char *v)
{
    hln_lesson *l = ctx;
    if (strlen(v) > HLN_CODE_MAX || !hln_code_indicator(v, strlen(v))) {
        hln_warnx("lesson share: --indicator: '%s' is not an indicator code", v);
        return EXIT_USAGE;
    }
    if (l->n_indicators == HLN_LESSON_INDICATORS_MAX) {
        hln_warnx("lesson share: at most %d indicators", HLN_LESSON_INDICATORS_MAX);
        return EXIT_USAGE;
    }
    snprintf(l->indicators[l->n_indicators++], HLN_CODE_MAX + 1, "%s", v);
    return 0;
}

typedef struct {
    const char *period, *result, *text, *file, *unit, *collab, *idea, *change;
} share_opts;

/* The options' forms, copied into `l` (all but the text). HLN_CLI_GO or EXIT_USAGE. */
static int check_share(const hln_cli_args *a, const share_opts *o, hln_lesson *l)
{
    if (!l->n_indicators || !o->period || !o->result || (!o->text == !o->file))
        return hln_cli_usage_error(a, "needs --indicator, --period, --result and one of --text "
                                      "or --text-file");
    if (!hln_code_period(o->period, strlen(o->period)))
        return hln_cli_usage_error(a, "--period: '%s' is not a period", o->period);
    if (hln_lesson_result_parse(o->result, &l->result))
        return hln_cli_usage_error(a, "--result: '%s' is not worked, did-not-work, mixed or "
                                      "too-early", o->result);
    if (strlen(o->unit) > HLN_CODE_MAX || !hln_code_unit(o->unit, strlen(o->unit)) ||
        strlen(o->collab) > HLN_CODE_MAX || !hln_code_unit(o->collab, strlen(o->collab)))
        return hln_cli_usage_error(a, "--unit and --collaborative take codes "
                                      "[A-Za-z0-9][A-Za-z0-9._-]");
    uint64_t k = 0;
    if (o->idea && (!hln_cli_parse_uint(o->idea, 1, HLN_IDEAS_MAX, &k) || !o->collab[0]))
        return hln_cli_usage_error(a, "--idea: a change idea number 1 to %d of the "
                                      "--collaborative", HLN_IDEAS_MAX);
    l->idea = (uint32_t)k;
    qsort(l->indicators, l->n_indicators, HLN_CODE_MAX + 1, cmp_code);
    snprintf(l->period, sizeof l->period, "%s", o->period);
    snprintf(l->unit, sizeof l->unit, "%s", o->unit);
    snprintf(l->collaborative, sizeof l->collaborative, "%s", o->collab);
    return HLN_CLI_GO;
}

/* --text-file's content into *buf, its last newline dropped. EXIT_OK or EXIT_FAIL. */
static int read_text(const char *file, char **buf)
{
    size_t len = 0;
    int rc = hln_read_file(file, 64 * 1024, buf, &len);
    if (rc) {
        hln_warnx("--text-file %s: %s", file, hln_strerror(rc));
        return EXIT_FAIL;
    }
    while (len && (*buf)[len - 1] == '\n') /* a file's last newline is not the lesson's */
        (*buf)[--len] = '\0';
    if (strlen(*buf) != len) {
        hln_warnx("--text-file %s holds a NUL byte", file);
        free(*buf);
        *buf = NULL;
        return EXIT_FAIL;
    }
    return EXIT_OK;
}

/* The text and the change: their form, then the identifier screen; copied
 * into `l`. EXIT_OK, or EXIT_FAIL (refused) after saying why. */
static int check_words(const char *text, const char *change, hln_lesson *l)
{
    size_t tl = strlen(text);
    if (tl == 0 || tl > HLN_LESSON_TEXT_MAX || !hln_text_valid(text, tl, true)) {
        hln_warnx("the text is refused: 1 to %d bytes of UTF-8 without control characters "
                  "(line breaks allowed), it has %zu bytes",
                  HLN_LESSON_TEXT_MAX, tl);
        return EXIT_FAIL;
    }
    if (strlen(change) > HLN_NAME_MAX || !hln_text_valid(change, strlen(change), false)) {
        hln_warnx("--change: at most %d bytes of printable UTF-8", HLN_NAME_MAX);
        return EXIT_FAIL;
    }
    bool ok = screened("the text", text);
    ok = screened("--change", change) && ok;
    if (!ok)
        return EXIT_FAIL;
    snprintf(l->change, sizeof l->change, "%s", change);
    snprintf(l->text, sizeof l->text, "%s", text);
    return EXIT_OK;
}

/* Where the lesson goes: the collaborative's scope (this node a member or
 * its authority, the idea one of its own), else the node's default.
 * EXIT_OK or EXIT_FAIL after a message. */
static int share_scope(hln_learn_session *s, const hln_lesson *l, char scope[HLN_SCOPE_MAX + 1])
{
    hln_node_default_scope(s->node, scope);
    if (!l->collaborative[0])
        return EXIT_OK;
    const hln_learn_collab *c = hln_learn_collab_find(s->learn, l->collaborative);
    if (!c) {
        hln_warnx("no collaborative '%s' is held (hlnctl collaborative list)", l->collaborative);
        return EXIT_FAIL;
    }
    const uint8_t *me = hln_node_pk(s->node);
    if (!hln_learn_collab_has(c, me) && memcmp(c->o.author, me, HLN_KEY_LEN) != 0) {
        hln_warnx("this node is not a member of collaborative '%s'", l->collaborative);
        return EXIT_FAIL;
    }
    if (l->idea > c->c.n_ideas) {
        hln_warnx("--idea %u: collaborative '%s' has %u change ideas", (unsigned)l->idea,
                  l->collaborative, (unsigned)c->c.n_ideas);
        return EXIT_FAIL;
    }
    snprintf(scope, HLN_SCOPE_MAX + 1, "%s", c->o.scope);
    return EXIT_OK;
}

static int lesson_share(const char *datadir, int argc, char **argv, bool json)
{
    hln_body body;
    memset(&body, 0, sizeof body);
    hln_lesson *l = &body.lesson;
    share_opts o = {.unit = "", .collab = "", .change = ""};
    const hln_cli_opt opts[] = {
        HLN_CLI_EACH("indicator", add_indicator, l), HLN_CLI_VALUE("period", &o.period),
        HLN_CLI_VALUE("result", &o.result),          HLN_CLI_VALUE("text", &o.text),
        HLN_CLI_VALUE("text-file", &o.file),         HLN_CLI_VALUE("unit", &o.unit),
        HLN_CLI_VALUE("collaborative", &o.collab),   HLN_CLI_VALUE("idea", &o.idea),
        HLN_CLI_VALUE("change", &o.change),          HLN_CLI_FLAG("json", &json),
        HLN_CLI_END};
    hln_cli_args a = {.what = "lesson share", .opts = opts, .datadir = &datadir,
                      .usage = lesson_usage, .remind = true};
    int r = hln_cli_parse(&a, argc, argv);
    if (r != HLN_CLI_GO || (r = check_share(&a, &o, l)) != HLN_CLI_GO)
        return r;
    char *buf = NULL;
    if (o.file && read_text(o.file, &buf) != EXIT_OK)
        return EXIT_FAIL;
    r = check_words(buf ? buf : o.text, o.change, l);
    free(buf);
    if (r != EXIT_OK)
        return r;
    hln_learn_session s;
    if (hln_learn_session_open(&s, datadir, 0) != EXIT_OK)
        return EXIT_FAIL;
    char scope[HLN_SCOPE_MAX + 1];
    if ((r = share_scope(&s, l, scope)) == EXIT_OK) {
        json_object *x = json_object_new_object();
        hln_cli_jstr(x, "result", hln_lesson_result_name(l->result));
        r = hln_learn_author(&s, datadir, HLN_REC_LESSON, &body, scope, json, x);
    }
    hln_learn_session_close(&s);
    return r;
}

/* The title of the change idea a lesson applied, or "". */
static const char *idea_title(hln_learn_session *s, const hln_lesson *l)
{
    const hln_learn_collab *c = hln_learn_collab_find(s->learn, l->collaborative);
    return c && l->idea && l->idea <= c->c.n_ideas ? c->c.ideas[l->idea - 1].title : "";
}

static json_object *lesson_json(hln_learn_session *s, const hln_learn_lesson *e)
{
    const hln_lesson *l = &e->l;
    char idt[HLN_ID_TEXT_LEN + 1], hex[2 * HLN_HASH_LEN + 1];
    hln_id_to_text(e->o.author, idt);
    hln_hex(e->o.id, HLN_HASH_LEN, hex);
    json_object *o = json_object_new_object();
    hln_cli_jstr(o, "id", hex);
    hln_cli_jstr(o, "author", idt);
    hln_cli_jstr(o, "name", hln_learn_name_of(s, e->o.author));
    json_object *a = json_object_new_array();
    for (uint32_t k = 0; k < l->n_indicators; k++)
        json_object_array_add(a, json_object_new_string(l->indicators[k]));
    json_object_object_add(o, "indicators", a);
    hln_cli_jstr(o, "period", l->period);
    hln_cli_jstr(o, "unit", l->unit);
    hln_cli_jstr(o, "collaborative", l->collaborative);
    json_object_object_add(o, "idea", json_object_new_int((int)l->idea));
    hln_cli_jstr(o, "idea_title", idea_title(s, l));
    hln_cli_jstr(o, "change", l->change);
    hln_cli_jstr(o, "result", hln_lesson_result_name(l->result));
    hln_cli_jstr(o, "text", l->text);
    hln_cli_jbool(o, "retracted", e->retracted);
    hln_cli_jstr(o, "scope", e->o.scope);
    hln_cli_ju64(o, "timestamp_ms", e->o.timestamp_ms);
    return o;
}

static void print_lesson(hln_learn_session *s, const hln_learn_lesson *e)
{
    const hln_lesson *l = &e->l;
    const char *idea = idea_title(s, l), *name = hln_learn_name_of(s, e->o.author);
    const char *change = idea[0] ? idea : l->change;
    char idt[HLN_ID_TEXT_LEN + 1], hex[2 * HLN_HASH_LEN + 1], when[32];
    char nm[HLN_NAME_MAX + 1], tx[HLN_LESSON_TEXT_MAX + 1], it[HLN_NAME_MAX + 1];
    hln_id_to_text(e->o.author, idt);
    hln_hex(e->o.id, HLN_HASH_LEN, hex);
    hln_learn_iso_time(e->o.timestamp_ms, when, sizeof when);
    hln_util_sanitize(nm, sizeof nm, name, strlen(name), 40);
    hln_util_sanitize(tx, sizeof tx, l->text, strlen(l->text), 300);
    hln_util_sanitize(it, sizeof it, change, strlen(change), 60);
    printf("%.16s  %s  %s %s%s%s  %s%s\n  %s%s%s%s%s\n  %s\n\n", hex, when, nm[0] ? nm : idt,
           l->unit[0] ? "unit " : "", l->unit, l->unit[0] ? " " : "", l->period,
           e->retracted ? "  (withdrawn)" : "", hln_lesson_result_name(l->result),
           l->collaborative[0] ? "  collaborative " : "", l->collaborative,
           it[0] ? "  change: " : "", it, tx);
}

static int lesson_list(const char *datadir, int argc, char **argv, bool json)
{
    const char *collab = NULL;
    const hln_cli_opt opts[] = {HLN_CLI_VALUE("collaborative", &collab),
                                HLN_CLI_FLAG("json", &json), HLN_CLI_END};
    hln_cli_args a = {.what = "lesson list", .opts = opts, .datadir = &datadir,
                      .usage = lesson_usage, .remind = true};
    int r = hln_cli_parse(&a, argc, argv);
    if (r != HLN_CLI_GO)
        return r;
    hln_learn_session s;
    if (hln_learn_session_open(&s, datadir, HLN_NODE_RDONLY) != EXIT_OK)
        return EXIT_FAIL;
    size_t n, shown = 0;
    const hln_learn_lesson *ls = hln_learn_lessons(s.learn, &n);
    json_object *arr = json ? json_object_new_array() : NULL;
    for (size_t i = 0; i < n; i++) {
        if (collab && strcmp(ls[i].l.collaborative, collab) != 0)
            continue;
        shown++;
        if (json)
            json_object_array_add(arr, lesson_json(&s, &ls[i]));
        else
            print_lesson(&s, &ls[i]);
    }
    if (json)
        hln_print_json(arr);
    else if (!shown)
        printf("no lessons held\n");
    hln_learn_session_close(&s);
    return EXIT_OK;
}

/* This node's lesson with record id `target`, or NULL after a message. */
static const hln_learn_lesson *own_lesson(hln_learn_session *s, const uint8_t target[HLN_HASH_LEN])
{
    size_t n;
    const hln_learn_lesson *ls = hln_learn_lessons(s->learn, &n), *hit = NULL;
    for (size_t i = 0; i < n; i++)
        if (!memcmp(ls[i].o.id, target, HLN_HASH_LEN))
            hit = &ls[i];
    if (!hit || memcmp(hit->o.author, hln_node_pk(s->node), HLN_KEY_LEN) != 0) {
        hln_warnx(hit ? "that lesson is another node's: only its author withdraws it"
                      : "no lesson with that id is held");
        return NULL;
    }
    return hit;
}

static int lesson_retract(const char *datadir, int argc, char **argv, bool json)
{
    const char *id = NULL, *reason = "";
    bool erase = false;
    const hln_cli_opt opts[] = {HLN_CLI_FLAG("erase", &erase), HLN_CLI_VALUE("reason", &reason),
                                HLN_CLI_FLAG("json", &json), HLN_CLI_END};
    hln_cli_args a = {.what = "lesson retract", .opts = opts, .pos = &id, .maxpos = 1,
                      .datadir = &datadir, .usage = lesson_usage, .remind = true};
    int r = hln_cli_parse(&a, argc, argv);
    if (r != HLN_CLI_GO)
        return r;
    uint8_t target[HLN_HASH_LEN];
    if (!id || strlen(id) != 2 * HLN_HASH_LEN || hln_unhex(id, target, HLN_HASH_LEN))
        return hln_cli_usage_error(&a, "needs the lesson's record id (64 hex digits, hlnctl "
                                       "lesson list)");
    if (strlen(reason) > HLN_NAME_MAX || !hln_text_valid(reason, strlen(reason), false))
        return hln_cli_usage_error(&a, "--reason: at most %d bytes of printable UTF-8",
                                   HLN_NAME_MAX);
    hln_learn_session s;
    if (hln_learn_session_open(&s, datadir, 0) != EXIT_OK)
        return EXIT_FAIL;
    const hln_learn_lesson *hit = own_lesson(&s, target);
    r = EXIT_FAIL;
    if (hit) {
        hln_body body;
        memset(&body, 0, sizeof body);
        memcpy(body.retract.target, target, HLN_HASH_LEN);
        body.retract.erase = erase;
        snprintf(body.retract.reason, sizeof body.retract.reason, "%s", reason);
        /* The store applies the retraction (and the erasure) as it appends
         * it, here and on every peer that receives it. */
        r = hln_learn_author(&s, datadir, HLN_REC_RETRACT, &body, hit->o.scope, json, NULL);
    }
    hln_learn_session_close(&s);
    return r;
}

int hln_cli_lesson(const char *datadir, int argc, char **argv, bool json)
{
    static const hln_cli_verb verbs[] = {
        {"share", NULL, lesson_share},
        {"list", "ls", lesson_list},
        {"retract", NULL, lesson_retract},
        {NULL, NULL, NULL},
    };
    return hln_cli_run_verb("lesson", verbs, lesson_usage, datadir, argc, argv, json);
}
