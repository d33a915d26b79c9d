/* hlnctl_main.c - hlnctl, the admin CLI: `hlnctl <noun> <verb>` from a command table. */
#include <getopt.h>
#include <json-c/json.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "node/hlnctl/cli.h"
#include "crypto/crypto.h"
#include "node/hlnctl/cmd_address.h"
#include "crypto/err.h"
#include "node/hlnctl/cmd_bench.h"
#include "node/catalogue.h"
#include "node/csvin.h"
#include "node/hlnctl/cmd_peer.h"
#include "node/disclosure.h"
#include "node/hlnctl/cmd_gov.h"
#include "node/node.h"
#include "node/hlnctl/cmd_ops.h"
#include "node/hlnctl/report.h"
#include "node/hlnctl/cmd_publish_stream.h"
#include "node/publish_stream.h"
#include "proto/codes.h"
#include "proto/record.h"
#include "store/store.h"
#include "node/control.h"
#include "node/gov.h"

/* Exit codes scripts can rely on. */
enum { EXIT_OK = 0, EXIT_FAIL = 1, EXIT_USAGE = 2 };

typedef struct {
    const char *dir;
    bool json;
} cli;

typedef int (*cmd_fn)(cli *c, int argc, char **argv);

typedef struct {
    const char *noun, *verb; /* verb NULL: the noun is the whole command */
    cmd_fn fn;
    const char *args;  /* the synopsis after the command words */
    const char *about; /* one line */
    const char *help;  /* the options, one per line */
} command;

static const command *find_command(const char *noun, const char *verb);

/* The verb as the user types it: none for single words and delegated nouns. */
static const char *shown_verb(const command *cmd)
{
    return cmd->verb && strcmp(cmd->verb, "*") ? cmd->verb : NULL;
}

static void jadd_str(json_object *o, const char *k, const char *v)
{
    json_object_object_add(o, k, json_object_new_string(v));
}

static void jadd_u64(json_object *o, const char *k, uint64_t v)
{
    json_object_object_add(o, k, json_object_new_uint64(v));
}

static void jadd_bool(json_object *o, const char *k, bool v)
{
    json_object_object_add(o, k, json_object_new_boolean(v));
}

/* ---- usage ---- */

static void command_usage(FILE *f, const command *cmd)
{
    const char *verb = shown_verb(cmd);
    fprintf(f, "usage: hlnctl [-d DIR] %s%s%s %s\n", cmd->noun, verb ? " " : "", verb ? verb : "",
            cmd->args);
    fprintf(f, "%s\n", cmd->about);
    if (cmd->help && cmd->help[0])
        fprintf(f, "\n%s", cmd->help);
    if (cmd->verb && !verb)
        return; /* a delegated noun: its own --help tells the rest */
    fprintf(f,
            "  -d, --data-dir DIR  the node's data directory (default $HLN_DATA_DIR or %s)\n"
            "  -h, --help          this help\n",
            HLN_DATA_DIR_DEFAULT);
}

static void main_usage(FILE *f);

static void noun_usage(FILE *f, const char *noun);

/* A usage error: say what and how to get help; exit 2. */
static int usage_error(const command *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static int usage_error(const command *cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("hlnctl: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    if (cmd)
        fprintf(stderr, "usage: hlnctl [-d DIR] %s%s%s %s\n(see hlnctl %s%s%s --help)\n", cmd->noun,
                cmd->verb ? " " : "", cmd->verb ? cmd->verb : "", cmd->args, cmd->noun,
                cmd->verb ? " " : "", cmd->verb ? cmd->verb : "");
    return EXIT_USAGE;
}

/* ---- options ---- */

enum {
    OPT_HELP = 'h',
    OPT_DIR = 'd',
    OPT_JSON = 1000,
    OPT_NAME,
    OPT_LEVEL,
    OPT_JURISDICTION,
    OPT_MIN_CELL,
    OPT_DRY_RUN,
    OPT_SCOPE,
    OPT_LIMIT,
};

typedef struct {
    bool json, dry_run;
    const char *name, *level, *jurisdiction, *scope, *min_cell, *limit;
    int npos;
    char *pos[4];
} opts;

/* Parse a subcommand's options: `allowed` lists the OPT_* values it takes
 * (0-terminated) besides --help and -d; `maxpos` positional arguments.
 * Returns -1 to go on, or the exit code (help shown, usage error). */
static int parse_opts(cli *c, const command *cmd, int argc, char **argv, const int *allowed,
                      int maxpos, opts *o)
{
    static const struct option all[] = {
        {"help", no_argument, NULL, OPT_HELP},
        {"data-dir", required_argument, NULL, OPT_DIR},
        {"json", no_argument, NULL, OPT_JSON},
        {"name", required_argument, NULL, OPT_NAME},
        {"level", required_argument, NULL, OPT_LEVEL},
        {"jurisdiction", required_argument, NULL, OPT_JURISDICTION},
        {"min-cell", required_argument, NULL, OPT_MIN_CELL},
        {"dry-run", no_argument, NULL, OPT_DRY_RUN},
        {"scope", required_argument, NULL, OPT_SCOPE},
        {"limit", required_argument, NULL, OPT_LIMIT},
        {NULL, 0, NULL, 0},
    };
    memset(o, 0, sizeof *o);
    o->json = c->json;
    optind = 0; /* glibc: start afresh for this argv */
    opterr = 0;
    int ch;
    while ((ch = getopt_long(argc, argv, ":hd:", all, NULL)) != -1) {
        if (ch == OPT_HELP) {
            command_usage(stdout, cmd);
            return EXIT_OK;
        }
        if (ch == OPT_DIR) {
            c->dir = optarg;
            continue;
        }
        if (ch == '?')
            return usage_error(cmd, "unknown option '%s'", argv[optind - 1]);
        if (ch == ':')
            return usage_error(cmd, "option '%s' needs a value", argv[optind - 1]);
        bool ok = false;
        for (const int *a = allowed; *a; a++)
            ok = ok || *a == ch;
        if (!ok)
            return usage_error(cmd, "option '%s' does not apply here", argv[optind - 1]);
        switch (ch) {
        case OPT_JSON:
            o->json = true;
            break;
        case OPT_NAME:
            o->name = optarg;
            break;
        case OPT_LEVEL:
            o->level = optarg;
            break;
        case OPT_JURISDICTION:
            o->jurisdiction = optarg;
            break;
        case OPT_MIN_CELL:
            o->min_cell = optarg;
            break;
        case OPT_DRY_RUN:
            o->dry_run = true;
            break;
        case OPT_SCOPE:
            o->scope = optarg;
            break;
        case OPT_LIMIT:
            o->limit = optarg;
            break;
        default:
            break;
        }
    }
    for (int i = optind; i < argc; i++) {
        if (o->npos >= maxpos)
            return usage_error(cmd, "unexpected argument '%s'", argv[i]);
        o->pos[o->npos++] = argv[i];
    }
    return -1;
}

/* A whole number in [lo, hi] given on the command line. */
static bool parse_uint(const char *s, uint64_t lo, uint64_t hi, uint64_t *out)
{
    if (!s || !*s || strlen(s) > 19)
        return false;
    uint64_t x = 0;
    for (const char *p = s; *p; p++) {
        if (*p < '0' || *p > '9')
            return false;
        x = x * 10 + (uint64_t)(*p - '0');
    }
    if (x < lo || x > hi)
        return false;
    *out = x;
    return true;
}

static int open_node(cli *c, unsigned flags, hln_node **n)
{
    char err[512] = "";
    int rc = hln_node_open(c->dir, flags, n, err, sizeof err);
    if (rc < 0)
        hln_warnx("%s", err[0] ? err : hln_strerror(rc));
    return rc;
}

/* A running hlnd pushes what was appended at once; without one, it
 * announces the records when it starts. Either way they are stored. */
static void notify_daemon(cli *c)
{
    int rc = hln_control_notify_appended(c->dir);
    if (rc < 0)
        hln_warnx("hlnd did not take the news (%s); it will announce the records later",
              hln_strerror(rc));
}

/* Nouns whose verbs live in other modules: argv starts at the verb. */
static int cmd_trust(cli *c, int argc, char **argv)
{
    return hln_cli_trust(c->dir, argc, argv, c->json);
}

static int cmd_member(cli *c, int argc, char **argv)
{
    return hln_cli_member(c->dir, argc, argv, c->json);
}

static int cmd_policy(cli *c, int argc, char **argv)
{
    return hln_cli_policy(c->dir, argc, argv, c->json);
}

static int cmd_peer(cli *c, int argc, char **argv)
{
    return hln_cli_peer(c->dir, argc, argv, c->json);
}

static int cmd_address(cli *c, int argc, char **argv)
{
    return hln_cli_address(c->dir, argc, argv, c->json);
}

/* argv[0] is the command word (node/ops_cmds.c, docs/OPERATIONS.md). */
static int cmd_backup(cli *c, int argc, char **argv)
{
    return hln_cli_backup(c->dir, argc, argv, c->json);
}

static int cmd_restore(cli *c, int argc, char **argv)
{
    return hln_cli_restore(c->dir, argc, argv, c->json);
}

static int cmd_metrics(cli *c, int argc, char **argv)
{
    return hln_cli_metrics(c->dir, argc, argv);
}

/* argv[0] is the command word (node/bench_cmds.c, docs/CLI.md). */
static int cmd_bench(cli *c, int argc, char **argv)
{
    return hln_cli_bench(c->dir, argc, argv, c->json);
}

static int cmd_rollup(cli *c, int argc, char **argv)
{
    return hln_cli_rollup(c->dir, argc, argv, c->json);
}

/* argv[0] is "report". */
static int cmd_report(cli *c, int argc, char **argv)
{
    return hln_cli_report(c->dir, argc, argv);
}

/* ---- init ---- */

static int cmd_init(cli *c, int argc, char **argv)
{
    const command *cmd = find_command("init", NULL);
    opts o;
    static const int allowed[] = {OPT_NAME, OPT_LEVEL, OPT_JURISDICTION, OPT_MIN_CELL, OPT_JSON, 0};
    int r = parse_opts(c, cmd, argc, argv, allowed, 0, &o);
    if (r >= 0)
        return r;
    if (!o.name)
        return usage_error(cmd, "--name is required");
    hln_node_info info;
    memset(&info, 0, sizeof info);
    if (strlen(o.name) > HLN_NAME_MAX)
        return usage_error(cmd, "--name: at most %d bytes", HLN_NAME_MAX);
    memcpy(info.name, o.name, strlen(o.name) + 1);
    info.level = HLN_LEVEL_ORGANIZATION;
    if (o.level && hln_level_parse(o.level, &info.level) < 0)
        return usage_error(
            cmd, "--level: '%s' is not organization, subnational, national or global", o.level);
    if (o.jurisdiction) {
        if (strlen(o.jurisdiction) > HLN_SCOPE_MAX ||
            !hln_code_jurisdiction(o.jurisdiction, strlen(o.jurisdiction)))
            return usage_error(cmd,
                               "--jurisdiction: '%s' is not an ISO 3166 code such as CA "
                               "or CA-ON",
                               o.jurisdiction);
        memcpy(info.jurisdiction, o.jurisdiction, strlen(o.jurisdiction) + 1);
    }
    if (o.min_cell) {
        uint64_t mc;
        if (!parse_uint(o.min_cell, HLN_MIN_CELL_DEFAULT, HLN_MIN_CELL_MAX, &mc))
            return usage_error(cmd, "--min-cell: a whole number from %u to %u",
                               HLN_MIN_CELL_DEFAULT, HLN_MIN_CELL_MAX);
        info.min_cell = (uint32_t)mc;
    }
    hln_node *n = NULL;
    char err[512] = "";
    int rc = hln_node_create(c->dir, &info, &n, err, sizeof err);
    if (rc < 0) {
        hln_warnx("%s", err[0] ? err : hln_strerror(rc));
        return rc == HLN_EINVAL ? EXIT_USAGE : EXIT_FAIL;
    }
    char text[HLN_ID_TEXT_LEN + 1];
    hln_id_to_text(hln_node_pk(n), text);
    if (o.json) {
        json_object *j = json_object_new_object();
        jadd_str(j, "id", text);
        jadd_str(j, "data_dir", c->dir);
        hln_print_json(j);
    } else {
        puts(text);
    }
    hln_node_close(&n);
    return EXIT_OK;
}

/* ---- id ---- */

static int cmd_id(cli *c, int argc, char **argv)
{
    const command *cmd = find_command("id", NULL);
    opts o;
    static const int allowed[] = {OPT_JSON, 0};
    int r = parse_opts(c, cmd, argc, argv, allowed, 0, &o);
    if (r >= 0)
        return r;
    hln_node *n = NULL;
    if (open_node(c, HLN_NODE_RDONLY, &n) < 0)
        return EXIT_FAIL;
    char text[HLN_ID_TEXT_LEN + 1];
    hln_id_to_text(hln_node_pk(n), text);
    if (o.json) {
        const hln_node_info *info = hln_node_get_info(n);
        char z85[41] = "";
        json_object *j = json_object_new_object();
        jadd_str(j, "id", text);
        jadd_str(j, "name", info->name);
        jadd_str(j, "level", hln_level_name(info->level));
        if (info->jurisdiction[0])
            jadd_str(j, "jurisdiction", info->jurisdiction);
        else
            json_object_object_add(j, "jurisdiction", NULL);
        if (hln_curve_public_z85(hln_node_pk(n), z85) == 0)
            jadd_str(j, "curve_public_z85", z85);
        hln_print_json(j);
    } else {
        puts(text);
    }
    hln_node_close(&n);
    return EXIT_OK;
}

/* ---- status ---- */

static int cmd_status(cli *c, int argc, char **argv)
{
    const command *cmd = find_command("status", NULL);
    opts o;
    static const int allowed[] = {OPT_JSON, 0};
    int r = parse_opts(c, cmd, argc, argv, allowed, 0, &o);
    if (r >= 0)
        return r;
    /* A running hlnd knows more (peers, how far behind); without one the
     * store alone answers. */
    if (hln_control_daemon_running(c->dir)) {
        r = hln_cli_status_online(c->dir, argc, argv, o.json);
        if (r != HLN_CLI_NOT_RUNNING)
            return r;
    }
    hln_node *n = NULL;
    if (open_node(c, HLN_NODE_RDONLY, &n) < 0)
        return EXIT_FAIL;
    uint64_t feeds = 0, records = 0;
    uint32_t min_cell = 0;
    int rc = hln_store_counts(hln_node_store(n), &feeds, &records);
    if (rc == 0)
        rc = hln_node_min_cell(n, 0, &min_cell);
    /* Fork proofs held and flagged authors (docs/CLI.md, status). */
    json_object *fl = json_object_new_object();
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    uint64_t now_ms = (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
    if (rc == 0 && !fl)
        rc = HLN_ENOMEM;
    if (rc == 0)
        rc = hln_gov_status_flags(n, NULL, now_ms, fl);
    if (rc < 0) {
        hln_warnx("store: %s", hln_strerror(rc));
        json_object_put(fl);
        hln_node_close(&n);
        return EXIT_FAIL;
    }
    const hln_node_info *info = hln_node_get_info(n);
    char text[HLN_ID_TEXT_LEN + 1], scope[HLN_SCOPE_MAX + 1];
    hln_id_to_text(hln_node_pk(n), text);
    hln_node_default_scope(n, scope);
    if (o.json) {
        json_object *j = json_object_new_object();
        jadd_str(j, "id", text);
        jadd_str(j, "name", info->name);
        jadd_str(j, "level", hln_level_name(info->level));
        if (info->jurisdiction[0])
            jadd_str(j, "jurisdiction", info->jurisdiction);
        else
            json_object_object_add(j, "jurisdiction", NULL);
        jadd_str(j, "data_dir", c->dir);
        jadd_str(j, "default_scope", scope);
        jadd_u64(j, "min_cell", min_cell);
        jadd_u64(j, "feeds", feeds);
        jadd_u64(j, "records", records);
        json_object_object_foreach(fl, k, v) json_object_object_add(j, k, json_object_get(v));
        jadd_bool(j, "daemon", false);
        hln_print_json(j);
    } else {
        printf("node:          %s\n", text);
        printf("name:          %s\n", info->name);
        printf("level:         %s\n", hln_level_name(info->level));
        printf("jurisdiction:  %s\n", info->jurisdiction[0] ? info->jurisdiction : "(none)");
        printf("data dir:      %s\n", c->dir);
        printf("default scope: %s\n", scope);
        printf("min cell:      %u\n", min_cell);
        printf("feeds:         %llu\n", (unsigned long long)feeds);
        printf("records:       %llu\n", (unsigned long long)records);
        hln_gov_status_flags_print(stdout, fl, "forks:         ", "flagged:       ");
        printf("daemon:        not running (offline view)\n");
    }
    json_object_put(fl);
    hln_node_close(&n);
    return EXIT_OK;
}

/* ---- indicator define / list ---- */

typedef struct {
    const char *file;
    size_t count;
} problem_ctx;

static void print_problem(void *ctx, unsigned long line, const char *reason)
{
    problem_ctx *p = ctx;
    p->count++;
    hln_warnx("%s:%lu: %s", p->file, line, reason);
}

static int cmd_indicator_define(cli *c, int argc, char **argv)
{
    const command *cmd = find_command("indicator", "define");
    opts o;
    static const int allowed[] = {OPT_SCOPE, OPT_DRY_RUN, OPT_JSON, 0};
    int r = parse_opts(c, cmd, argc, argv, allowed, 1, &o);
    if (r >= 0)
        return r;
    if (o.npos != 1)
        return usage_error(cmd, "which file?");
    const char *file = o.pos[0];
    char *buf = NULL;
    size_t len = 0;
    int rc = hln_read_file(file, HLN_CATALOGUE_FILE_MAX, &buf, &len);
    if (rc < 0) {
        hln_warnx("%s: %s", file, rc == HLN_EIO ? "cannot read it" : hln_strerror(rc));
        return EXIT_FAIL;
    }
    problem_ctx pc = {file, 0};
    hln_indicator *defs = NULL;
    size_t ndefs = 0;
    hln_node *n = NULL;
    hln_node_def *held = NULL;
    size_t nheld = 0;
    hln_node_item *items = NULL;
    int ex = EXIT_FAIL;
    rc = hln_catalogue_parse(buf, len, print_problem, &pc, &defs, &ndefs);
    if (rc < 0) {
        if (rc == HLN_ECONFIG)
            hln_warnx("%s: %zu problem%s; nothing defined", file, pc.count, pc.count == 1 ? "" : "s");
        else
            hln_warnx("%s: %s", file, hln_strerror(rc));
        goto out;
    }
    if (open_node(c, o.dry_run ? HLN_NODE_RDONLY : 0, &n) < 0)
        goto out;
    char scope[HLN_SCOPE_MAX + 1];
    if (o.scope)
        snprintf(scope, sizeof scope, "%s", o.scope);
    else
        hln_node_default_scope(n, scope);
    if ((o.scope && strlen(o.scope) > HLN_SCOPE_MAX) || !hln_node_scope_ok(n, scope)) {
        hln_warnx("--scope: '%s' must be global or a jurisdiction that contains the node's", o.scope);
        ex = EXIT_USAGE;
        goto out;
    }
    if ((rc = hln_node_definitions(n, &held, &nheld)) < 0) {
        hln_warnx("store: %s", hln_strerror(rc));
        goto out;
    }
    /* A version says which definition is current: the node never authors a
     * second, different definition under a version it already used. */
    size_t bad = 0;
    for (size_t i = 0; i < ndefs; i++) {
        const hln_node_def *h = hln_node_find_def(held, nheld, defs[i].code);
        if (h && !memcmp(h->author, hln_node_pk(n), HLN_KEY_LEN) &&
            h->def.version >= defs[i].version) {
            hln_warnx("%s: [%s]: version %u is not above the version %u this node defined; "
                  "raise it",
                  file, defs[i].code, defs[i].version, h->def.version);
            bad++;
        }
    }
    if (bad) {
        hln_warnx("%s: nothing defined", file);
        goto out;
    }
    uint64_t first = 0;
    if (!o.dry_run) {
        items = calloc(ndefs, sizeof *items);
        if (!items) {
            hln_warnx("%s", hln_strerror(HLN_ENOMEM));
            goto out;
        }
        for (size_t i = 0; i < ndefs; i++) {
            items[i].type = HLN_REC_INDICATOR;
            items[i].body.indicator = defs[i];
        }
        char err[512] = "";
        rc = hln_node_append(n, scope, items, ndefs, 0, &first, err, sizeof err);
        if (rc < 0) {
            hln_warnx("%s: %s; nothing defined", file, err[0] ? err : hln_strerror(rc));
            goto out;
        }
        notify_daemon(c);
    }
    if (o.json) {
        json_object *j = json_object_new_object();
        jadd_str(j, "scope", scope);
        jadd_bool(j, "dry_run", o.dry_run);
        if (!o.dry_run)
            jadd_u64(j, "first_seq", first);
        json_object *a = json_object_new_array();
        for (size_t i = 0; i < ndefs; i++) {
            json_object *d = json_object_new_object();
            jadd_str(d, "code", defs[i].code);
            jadd_u64(d, "version", defs[i].version);
            json_object_array_add(a, d);
        }
        json_object_object_add(j, "indicators", a);
        hln_print_json(j);
    } else {
        for (size_t i = 0; i < ndefs; i++)
            printf("%s %s v%u\n", o.dry_run ? "would define" : "defined", defs[i].code,
                   defs[i].version);
        if (!o.dry_run)
            printf("%zu indicator%s in scope %s, seq %llu-%llu\n", ndefs, ndefs == 1 ? "" : "s",
                   scope, (unsigned long long)first, (unsigned long long)(first + ndefs - 1));
    }
    ex = EXIT_OK;
out:
    free(items);
    free(held);
    free(defs);
    free(buf);
    hln_node_close(&n);
    return ex;
}

static json_object *def_json(const hln_node_def *d)
{
    const hln_indicator *x = &d->def;
    char author[HLN_ID_TEXT_LEN + 1];
    hln_id_to_text(d->author, author);
    json_object *j = json_object_new_object();
    jadd_str(j, "code", x->code);
    jadd_u64(j, "version", x->version);
    jadd_str(j, "title", x->title);
    jadd_str(j, "domain", hln_domain_name(x->domain));
    jadd_str(j, "kind", hln_kind_name(x->kind));
    jadd_u64(j, "multiplier", x->multiplier);
    jadd_str(j, "direction", hln_direction_name(x->direction));
    jadd_str(j, "method", hln_method_name(x->method));
    json_object *s = json_object_new_array();
    for (uint32_t i = 0; i < x->n_strata && i < HLN_STRATA_MAX; i++)
        json_object_array_add(s, json_object_new_string(x->strata[i]));
    json_object_object_add(j, "strata", s);
    jadd_str(j, "description", x->description);
    jadd_str(j, "author", author);
    jadd_str(j, "scope", d->scope);
    jadd_u64(j, "seq", d->seq);
    return j;
}

static int cmd_indicator_list(cli *c, int argc, char **argv)
{
    const command *cmd = find_command("indicator", "list");
    opts o;
    static const int allowed[] = {OPT_JSON, 0};
    int r = parse_opts(c, cmd, argc, argv, allowed, 0, &o);
    if (r >= 0)
        return r;
    hln_node *n = NULL;
    if (open_node(c, HLN_NODE_RDONLY, &n) < 0)
        return EXIT_FAIL;
    hln_node_def *defs = NULL;
    size_t nd = 0;
    int rc = hln_node_definitions(n, &defs, &nd);
    if (rc < 0) {
        hln_warnx("store: %s", hln_strerror(rc));
        hln_node_close(&n);
        return EXIT_FAIL;
    }
    if (o.json) {
        json_object *a = json_object_new_array();
        for (size_t i = 0; i < nd; i++)
            json_object_array_add(a, def_json(&defs[i]));
        hln_print_json(a);
    } else {
        printf("%-36s %3s %-10s %-7s %-6s %s\n", "CODE", "VER", "KIND", "BETTER", "AUTHOR",
               "TITLE");
        for (size_t i = 0; i < nd; i++) {
            const hln_indicator *x = &defs[i].def;
            char kind[32], shortid[HLN_ID_SHORT_LEN + 1];
            if (x->kind == HLN_KIND_RATE)
                snprintf(kind, sizeof kind, "rate/%u", x->multiplier);
            else
                snprintf(kind, sizeof kind, "proportion");
            hln_id_short(defs[i].author, shortid);
            printf("%-36s %3u %-10s %-7s %-6s %s\n", x->code, x->version, kind,
                   hln_direction_name(x->direction), shortid, x->title);
        }
    }
    free(defs);
    hln_node_close(&n);
    return EXIT_OK;
}

/* ---- publish ---- */

static void format_value(const hln_disclosure_item *it, char *out, size_t cap)
{
    snprintf(out, cap, "%llu/%llu", (unsigned long long)it->obs.numerator,
             (unsigned long long)it->obs.denominator);
}

static int cmd_publish(cli *c, int argc, char **argv)
{
    const command *cmd = find_command("publish", NULL);
    opts o;
    static const int allowed[] = {OPT_DRY_RUN, OPT_SCOPE, OPT_MIN_CELL, OPT_JSON, 0};
    int r = parse_opts(c, cmd, argc, argv, allowed, 1, &o);
    if (r >= 0)
        return r;
    if (o.npos != 1)
        return usage_error(cmd, "which file?");
    uint64_t mc = 0;
    if (o.min_cell && !parse_uint(o.min_cell, HLN_MIN_CELL_DEFAULT, HLN_MIN_CELL_MAX, &mc))
        return usage_error(cmd, "--min-cell: a whole number from %u to %u", HLN_MIN_CELL_DEFAULT,
                           HLN_MIN_CELL_MAX);
    if (o.scope && (strlen(o.scope) > HLN_SCOPE_MAX || !hln_code_scope(o.scope, strlen(o.scope))))
        return usage_error(cmd, "--scope: '%s' is not global or a jurisdiction code", o.scope);
    const char *file = o.pos[0];
    /* More than one batch: checked whole, then committed batch by batch. */
    if (hln_publish_stream_needed(file)) {
        hln_publish_opts ps = {.scope = o.scope, .min_cell = (uint32_t)mc, .dry_run = o.dry_run};
        return hln_cli_publish_stream(c->dir, file, &ps, o.json);
    }
    char *buf = NULL;
    size_t len = 0;
    int rc = hln_read_file(file, HLN_CSV_FILE_MAX, &buf, &len);
    if (rc < 0) {
        hln_warnx("%s: %s", file, rc == HLN_EIO ? "cannot read it" : hln_strerror(rc));
        return EXIT_FAIL;
    }
    hln_node *n = NULL;
    if (open_node(c, o.dry_run ? HLN_NODE_RDONLY : 0, &n) < 0) {
        free(buf);
        return EXIT_FAIL;
    }
    hln_publish_opts po = {.scope = o.scope, .min_cell = (uint32_t)mc, .dry_run = o.dry_run};
    hln_publish_result res;
    problem_ctx pc = {file, 0};
    char err[512] = "";
    rc = hln_node_publish_csv(n, buf, len, &po, print_problem, &pc, &res, err, sizeof err);
    free(buf);
    if (rc < 0) {
        if (pc.count)
            hln_warnx("%s: %zu bad row%s; nothing published", file, pc.count, pc.count == 1 ? "" : "s");
        else
            hln_warnx("%s: %s; nothing published", file, err[0] ? err : hln_strerror(rc));
        hln_node_close(&n);
        return EXIT_FAIL;
    }
    if (!o.dry_run)
        notify_daemon(c);
    if (o.json) {
        json_object *j = json_object_new_object();
        jadd_str(j, "scope", res.scope);
        jadd_u64(j, "min_cell", res.min_cell);
        jadd_bool(j, "dry_run", o.dry_run);
        if (!o.dry_run)
            jadd_u64(j, "first_seq", res.first_seq);
        jadd_u64(j, "rows", res.n);
        jadd_u64(j, "suppressed", res.n_suppressed);
        json_object *a = json_object_new_array();
        for (size_t i = 0; i < res.n; i++) {
            const hln_disclosure_item *it = &res.items[i];
            json_object *x = json_object_new_object();
            jadd_u64(x, "line", res.lines[i]);
            jadd_str(x, "indicator", it->obs.indicator);
            jadd_str(x, "period", it->obs.period);
            jadd_str(x, "unit", it->obs.unit);
            jadd_str(x, "stratum", it->obs.stratum);
            bool s = it->reason != HLN_SUPP_NONE;
            jadd_bool(x, "suppressed", s);
            if (s) {
                jadd_str(x, "suppression",
                         it->reason == HLN_SUPP_SMALL ? "small" : "complementary");
                jadd_str(x, "reason", it->why);
            } else {
                jadd_u64(x, "numerator", it->obs.numerator);
                jadd_u64(x, "denominator", it->obs.denominator);
            }
            json_object_array_add(a, x);
        }
        json_object_object_add(j, "observations", a);
        hln_print_json(j);
    } else {
        if (o.dry_run) {
            printf("%-5s %-34s %-7s %-12s %-18s %-12s %s\n", "LINE", "INDICATOR", "PERIOD", "UNIT",
                   "STRATUM", "VALUE", "SUPPRESSED");
            for (size_t i = 0; i < res.n; i++) {
                const hln_disclosure_item *it = &res.items[i];
                char v[48];
                format_value(it, v, sizeof v);
                printf("%-5lu %-34s %-7s %-12s %-18s %-12s %s\n", res.lines[i], it->obs.indicator,
                       it->obs.period, it->obs.unit[0] ? it->obs.unit : "-",
                       it->obs.stratum[0] ? it->obs.stratum : "(total)",
                       it->reason ? "withheld" : v, it->reason ? it->why : "-");
            }
            printf("dry run: %zu observation%s for scope %s (min cell %u), %zu suppressed; "
                   "nothing written\n",
                   res.n, res.n == 1 ? "" : "s", res.scope, res.min_cell, res.n_suppressed);
        } else {
            for (size_t i = 0; i < res.n; i++) {
                const hln_disclosure_item *it = &res.items[i];
                if (it->reason)
                    printf("suppressed line %lu %s %s %s %s: %s\n", res.lines[i], it->obs.indicator,
                           it->obs.period, it->obs.unit[0] ? it->obs.unit : "-",
                           it->obs.stratum[0] ? it->obs.stratum : "(total)", it->why);
            }
            printf("published %zu observation%s (%zu suppressed) in scope %s, seq %llu-%llu\n",
                   res.n, res.n == 1 ? "" : "s", res.n_suppressed, res.scope,
                   (unsigned long long)res.first_seq,
                   (unsigned long long)(res.first_seq + res.n - 1));
        }
    }
    hln_publish_result_free(&res);
    hln_node_close(&n);
    return EXIT_OK;
}

/* ---- log ---- */

typedef struct {
    char author[HLN_ID_TEXT_LEN + 1];
    char shortid[HLN_ID_SHORT_LEN + 1];
    char scope[HLN_SCOPE_MAX + 1];
    uint64_t seq, ts;
    uint32_t type;
    char idhex[2 * HLN_HASH_LEN + 1];
    char summary[256];
    bool has_body;
    hln_body body; /* observations and indicators, for --json */
} log_line;

typedef struct {
    log_line *ring;
    size_t cap, n; /* n: lines seen; the ring keeps the last cap */
    bool all;      /* no --limit: grow instead of wrapping */
    bool oom;
} log_ctx;

static int log_cb(void *ctx, const hln_record *r)
{
    log_ctx *l = ctx;
    if (l->all && l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 64;
        log_line *v = realloc(l->ring, cap * sizeof *v);
        if (!v) {
            l->oom = true;
            return HLN_ENOMEM;
        }
        l->ring = v;
        l->cap = cap;
    }
    if (l->cap == 0)
        return 0;
    log_line *e = &l->ring[l->n % l->cap];
    l->n++;
    memset(e, 0, sizeof *e);
    hln_id_to_text(r->env.author, e->author);
    hln_id_short(r->env.author, e->shortid);
    memcpy(e->scope, r->env.scope, sizeof e->scope);
    e->scope[HLN_SCOPE_MAX] = '\0';
    e->seq = r->env.seq;
    e->ts = r->env.timestamp_ms;
    e->type = r->env.type;
    hln_hex(r->id, HLN_HASH_LEN, e->idhex);
    e->has_body = r->has_body;
    if (r->has_body)
        hln_record_summary(r, e->summary, sizeof e->summary);
    else
        snprintf(e->summary, sizeof e->summary, "(body erased)");
    if (r->has_body && (r->env.type == HLN_REC_OBSERVATION || r->env.type == HLN_REC_POLICY))
        e->body = r->body;
    return 0;
}

static int cmd_log(cli *c, int argc, char **argv)
{
    const command *cmd = find_command("log", NULL);
    opts o;
    static const int allowed[] = {OPT_JSON, OPT_LIMIT, 0};
    int r = parse_opts(c, cmd, argc, argv, allowed, 0, &o);
    if (r >= 0)
        return r;
    uint64_t limit = 0;
    if (o.limit && !parse_uint(o.limit, 1, 1000000, &limit))
        return usage_error(cmd, "--limit: a whole number from 1 to 1000000");
    hln_node *n = NULL;
    if (open_node(c, HLN_NODE_RDONLY, &n) < 0)
        return EXIT_FAIL;
    log_ctx l = {.all = limit == 0, .cap = (size_t)limit};
    if (limit && !(l.ring = calloc((size_t)limit, sizeof *l.ring))) {
        hln_warnx("%s", hln_strerror(HLN_ENOMEM));
        hln_node_close(&n);
        return EXIT_FAIL;
    }
    int rc = hln_store_foreach_record(hln_node_store(n), log_cb, &l);
    hln_node_close(&n);
    if (rc < 0) {
        hln_warnx("store: %s", hln_strerror(l.oom ? HLN_ENOMEM : rc));
        free(l.ring);
        return EXIT_FAIL;
    }
    size_t shown = l.n < l.cap ? l.n : l.cap;
    size_t start = l.n - shown;
    json_object *a = o.json ? json_object_new_array() : NULL;
    if (!o.json)
        printf("%-7s %-6s %5s %-11s %s\n", "AUTHOR", "SCOPE", "SEQ", "TYPE", "SUMMARY");
    for (size_t k = start; k < l.n; k++) {
        const log_line *e = &l.ring[k % l.cap];
        if (!o.json) {
            printf("%-7s %-6s %5llu %-11s %s\n", e->shortid, e->scope, (unsigned long long)e->seq,
                   hln_rec_type_name(e->type), e->summary);
            continue;
        }
        json_object *x = json_object_new_object();
        jadd_str(x, "author", e->author);
        jadd_str(x, "scope", e->scope);
        jadd_u64(x, "seq", e->seq);
        jadd_str(x, "type", hln_rec_type_name(e->type));
        jadd_str(x, "id", e->idhex);
        jadd_u64(x, "timestamp_ms", e->ts);
        jadd_bool(x, "erased", !e->has_body);
        jadd_str(x, "summary", e->summary);
        if (e->has_body && e->type == HLN_REC_OBSERVATION) {
            const hln_observation *ob = &e->body.observation;
            jadd_str(x, "indicator", ob->indicator);
            jadd_str(x, "period", ob->period);
            jadd_str(x, "unit", ob->unit);
            jadd_str(x, "stratum", ob->stratum);
            jadd_bool(x, "suppressed", ob->suppressed);
            if (!ob->suppressed) {
                jadd_u64(x, "numerator", ob->numerator);
                jadd_u64(x, "denominator", ob->denominator);
            }
        } else if (e->has_body && e->type == HLN_REC_POLICY) {
            jadd_str(x, "jurisdiction", e->body.policy.jurisdiction);
            jadd_u64(x, "min_cell", e->body.policy.min_cell);
        }
        json_object_array_add(a, x);
    }
    if (a)
        hln_print_json(a);
    free(l.ring);
    return EXIT_OK;
}

/* ---- verify ---- */

typedef struct {
    bool json;
    json_object *problems;
} verify_ctx;

static void verify_cb(void *ctx, const char *line)
{
    verify_ctx *v = ctx;
    if (v->json)
        json_object_array_add(v->problems, json_object_new_string(line));
    else
        printf("%s\n", line);
}

static int cmd_verify(cli *c, int argc, char **argv)
{
    const command *cmd = find_command("verify", NULL);
    opts o;
    static const int allowed[] = {OPT_JSON, 0};
    int r = parse_opts(c, cmd, argc, argv, allowed, 0, &o);
    if (r >= 0)
        return r;
    hln_node *n = NULL;
    if (open_node(c, HLN_NODE_RDONLY, &n) < 0)
        return EXIT_FAIL;
    verify_ctx v = {o.json, o.json ? json_object_new_array() : NULL};
    uint64_t feeds = 0, records = 0;
    int rc = hln_store_counts(hln_node_store(n), &feeds, &records);
    int problems = rc < 0 ? rc : hln_store_verify(hln_node_store(n), verify_cb, &v);
    hln_node_close(&n);
    if (problems < 0) {
        hln_warnx("verify: %s", hln_strerror(problems));
        json_object_put(v.problems);
        return EXIT_FAIL;
    }
    if (o.json) {
        json_object *j = json_object_new_object();
        jadd_u64(j, "feeds", feeds);
        jadd_u64(j, "records", records);
        jadd_bool(j, "ok", problems == 0);
        json_object_object_add(j, "problems", v.problems);
        hln_print_json(j);
    } else if (problems == 0) {
        printf("ok: %llu records in %llu feeds verified\n", (unsigned long long)records,
               (unsigned long long)feeds);
    } else {
        hln_warnx("verify: %d problem%s in %llu records", problems, problems == 1 ? "" : "s",
              (unsigned long long)records);
    }
    return problems == 0 ? EXIT_OK : EXIT_FAIL;
}

/* ---- help ---- */

static int cmd_help(cli *c, int argc, char **argv)
{
    if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        command_usage(stdout, find_command("help", NULL));
        return EXIT_OK;
    }
    if (argc >= 2) {
        const command *cmd = find_command(argv[1], argc >= 3 ? argv[2] : NULL);
        if (cmd && !cmd->verb && argc >= 3) {
            /* `help bench verify`: the command's own help for those words,
             * as `hlnctl bench verify --help` prints it. */
            char **a = calloc((size_t)argc + 1, sizeof *a);
            if (!a) {
                hln_warnx("%s", hln_strerror(HLN_ENOMEM));
                return EXIT_FAIL;
            }
            for (int k = 1; k < argc; k++)
                a[k - 1] = argv[k];
            a[argc - 1] = "--help";
            int r = cmd->fn(c, argc, a);
            free(a);
            return r;
        }
        if (cmd) {
            command_usage(stdout, cmd);
            return EXIT_OK;
        }
        const command *any = find_command(argv[1], "");
        if (any && !shown_verb(any) && any->verb) {
            command_usage(stdout, any);
            return EXIT_OK;
        }
        if (any) {
            noun_usage(stdout, argv[1]);
            return EXIT_OK;
        }
        return usage_error(NULL, "no such command '%s'", argv[1]);
    }
    main_usage(stdout);
    return EXIT_OK;
}

static const command commands[] = {
    {"status", NULL, cmd_status, "[--json]",
     "Show the node: id, name, feeds, records (from hlnd if it runs, else the store).",
     "  --json              machine-readable output\n"},
    {"init", NULL, cmd_init, "--name NAME [--level LEVEL] [--jurisdiction CODE] [--min-cell N]",
     "Create a node: the data directory, a new identity and an empty store. Prints the node id.",
     "  --name NAME         the node's display name\n"
     "  --level LEVEL       organization (default), subnational, national or global\n"
     "  --jurisdiction CODE ISO 3166 code such as CA or CA-ON (sets the default scope)\n"
     "  --min-cell N        the node's own minimum cell, if stricter than 11\n"
     "  --json              print {id, data_dir}\n"},
    {"id", NULL, cmd_id, "[--json]", "Print the node id.",
     "  --json              id, name, level, jurisdiction and the CURVE public key\n"},
    {"indicator", "define", cmd_indicator_define, "FILE [--scope CODE|global] [--dry-run] [--json]",
     "Author indicator definitions from an INI file; nothing is defined if any section is bad.",
     "  --scope CODE        the feed to publish in (default: the node's country, or global)\n"
     "  --dry-run           check the file, write nothing\n"
     "  --json              machine-readable output\n"},
    {"indicator", "list", cmd_indicator_list, "[--json]",
     "List the indicator definitions held (the latest version of each code).",
     "  --json              every field of every definition\n"},
    {"publish", NULL, cmd_publish,
     "FILE.csv [--dry-run] [--scope CODE|global] [--min-cell N] [--json]",
     "Check, suppress small cells in, and publish a CSV of observations, all or nothing.",
     "  --dry-run           show what would be published and what is suppressed; write nothing\n"
     "  --scope CODE        the feed to publish in (default: the node's country, or global)\n"
     "  --min-cell N        a stricter minimum cell for this file (never below the policy)\n"
     "  --json              machine-readable output\n"},
    {"log", NULL, cmd_log, "[--json] [--limit N]",
     "List the records held: author, scope, seq, type and a summary.",
     "  --limit N           only the last N records\n"
     "  --json              machine-readable output\n"},
    {"verify", NULL, cmd_verify, "[--json]",
     "Re-check every record held: signatures, hashes, chains, indexes. Exit 1 on any problem.",
     "  --json              machine-readable output\n"},
    {"trust", "*", cmd_trust, "add|remove|list ...",
     "Trust anchors: the authorities this node trusts outright.", ""},
    {"member", "*", cmd_member, "issue|revoke|list ...",
     "Membership records: admit and revoke keys (authorities).", ""},
    {"policy", "*", cmd_policy, "set|show ...",
     "Disclosure policy records: the minimum cell for a jurisdiction.", ""},
    {"peer", "*", cmd_peer, "add|remove|list ...", "The peers hlnd connects to and admits.", ""},
    {"address", "*", cmd_address, "set|list ...",
     "Address records: where this node accepts peers; members dial what they hold.", ""},
    {"backup", NULL, cmd_backup, "PATH [--no-verify] [--json]",
     "Copy the store, compacted, into the new directory PATH, while hlnd runs or not.", ""},
    {"restore", NULL, cmd_restore, "PATH [--no-verify] [--json] | --done",
     "Replace the store with a backup (hlnd stopped); --done lifts the catch-up mark.", ""},
    {"metrics", NULL, cmd_metrics, "",
     "Print metrics in the Prometheus text format (from hlnd, else from the store).", ""},
    {"bench", NULL, cmd_bench,
     "INDICATOR --period P [--group G] [--stratum S] [--method M] [--json|--csv] | --trend\n"
     "       hlnctl [-d DIR] bench verify INDICATOR --period P [--group G] [--stratum S]\n"
     "                       [--method M] [--timeout-ms N] [--json]",
     "Benchmark an indicator: units, intervals, places, ABC, the evidence digest.",
     "  bench verify        ask the running hlnd's peers for their evidence digest of the\n"
     "                      same query and say who agrees and, for those who differ, why\n"
     "                      (a feed missing or behind on either side, a fork, other rules).\n"
     "                      Exit 0 when every peer that answered agrees (and one did), 1\n"
     "                      when one differs or none answered, 2 usage.\n"
     "  hlnctl bench --help and hlnctl bench verify --help list every option.\n"},
    {"rollup", NULL, cmd_rollup, "INDICATOR --period P [--publish] [--scope global|CODE] [--json]",
     "An authority's pooled counts for its jurisdiction; --publish publishes them.", ""},
    {"report", NULL, cmd_report, "--html OUTDIR [options]",
     "Write benchmark reports as static HTML.", ""},
    {"help", NULL, cmd_help, "[NOUN [VERB]]", "Show help for hlnctl or one command.", ""},
};
#define N_COMMANDS (sizeof commands / sizeof commands[0])

/* verb "" asks whether `noun` has verbs at all. */
static const command *find_command(const char *noun, const char *verb)
{
    for (size_t i = 0; i < N_COMMANDS; i++) {
        const command *c = &commands[i];
        if (strcmp(c->noun, noun) != 0)
            continue;
        if (c->verb && !strcmp(c->verb, "*"))
            return verb ? c : NULL; /* a delegated noun: every verb is its own */
        if (!c->verb && !verb)
            return c;
        if (c->verb && verb && (!verb[0] || strcmp(c->verb, verb) == 0))
            return c;
        if (!c->verb && verb)
            return c; /* a single-word command: the rest are its arguments */
    }
    return NULL;
}

static void noun_usage(FILE *f, const char *noun)
{
    fprintf(f, "usage: hlnctl [-d DIR] %s <command> ...\n\ncommands:\n", noun);
    for (size_t i = 0; i < N_COMMANDS; i++)
        if (!strcmp(commands[i].noun, noun))
            fprintf(f, "  %-10s %s\n", commands[i].verb ? commands[i].verb : "", commands[i].about);
}

static void main_usage(FILE *f)
{
    fprintf(f,
            "usage: hlnctl [-d DIR] [--json] <command> [<args>]\n\n"
            "The admin CLI of an hln node (Health Learning Network). Bare hlnctl shows status.\n\n"
            "commands:\n");
    for (size_t i = 0; i < N_COMMANDS; i++) {
        char words[64];
        const char *verb = shown_verb(&commands[i]);
        snprintf(words, sizeof words, "%s%s%s", commands[i].noun, verb ? " " : "",
                 verb ? verb : "");
        fprintf(f, "  %-18s %s\n", words, commands[i].about);
    }
    fprintf(f,
            "\noptions:\n"
            "  -d, --data-dir DIR  the node's data directory (default $HLN_DATA_DIR or %s)\n"
            "  --json              machine-readable output for reads\n"
            "  -h, --help          help; `hlnctl COMMAND --help` for one command\n\n"
            "exit status: 0 success, 1 failed or the answer is no, 2 usage error\n",
            HLN_DATA_DIR_DEFAULT);
}

int main(int argc, char **argv)
{
    cli c = {.dir = NULL, .json = false};
    const char *env = getenv("HLN_DATA_DIR");
    c.dir = env && env[0] ? env : HLN_DATA_DIR_DEFAULT;
    int i = 1;
    /* Options before the command word. */
    for (; i < argc && argv[i][0] == '-'; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            main_usage(stdout);
            return EXIT_OK;
        } else if (!strcmp(a, "--json")) {
            c.json = true;
        } else if (!strcmp(a, "-d") || !strcmp(a, "--data-dir")) {
            if (i + 1 >= argc)
                return usage_error(NULL, "option '%s' needs a value", a);
            c.dir = argv[++i];
        } else if (!strncmp(a, "--data-dir=", 11)) {
            c.dir = a + 11;
        } else if (!strncmp(a, "-d", 2)) {
            c.dir = a + 2;
        } else if (!strcmp(a, "--")) {
            i++;
            break;
        } else {
            fprintf(stderr, "hlnctl: unknown option '%s'\n", a);
            main_usage(stderr);
            return EXIT_USAGE;
        }
    }
    /* -d may also follow the command words (`hlnctl peer list -d DIR`): take
     * it out here so that every command, including those that parse their
     * own arguments, sees the same data directory. */
    int out = i;
    for (int k = i; k < argc; k++) {
        const char *a = argv[k];
        if (!strcmp(a, "--")) {
            while (k < argc)
                argv[out++] = argv[k++];
            break;
        }
        if (!strcmp(a, "-d") || !strcmp(a, "--data-dir")) {
            if (k + 1 >= argc)
                return usage_error(NULL, "option '%s' needs a value", a);
            c.dir = argv[++k];
        } else if (!strncmp(a, "--data-dir=", 11)) {
            c.dir = a + 11;
        } else {
            argv[out++] = argv[k];
        }
    }
    argc = out;
    argv[argc] = NULL;
    if (!c.dir[0])
        return usage_error(NULL, "the data directory is empty");
    if (i >= argc) {
        char *args[] = {"status", NULL};
        return cmd_status(&c, 1, args);
    }
    const char *noun = argv[i];
    const command *cmd = find_command(noun, NULL);
    if (cmd)
        return cmd->fn(&c, argc - i, argv + i);
    if (!find_command(noun, "")) {
        fprintf(stderr, "hlnctl: unknown command '%s'\n", noun);
        main_usage(stderr);
        return EXIT_USAGE;
    }
    const command *deleg = find_command(noun, "");
    if (deleg && !strcmp(deleg->verb, "*"))
        return deleg->fn(&c, argc - i - 1, argv + i + 1);
    if (i + 1 >= argc) {
        fprintf(stderr, "hlnctl: %s: which command?\n", noun);
        noun_usage(stderr, noun);
        return EXIT_USAGE;
    }
    const char *verb = argv[i + 1];
    if (!strcmp(verb, "-h") || !strcmp(verb, "--help") || !strcmp(verb, "help")) {
        noun_usage(stdout, noun);
        return EXIT_OK;
    }
    cmd = find_command(noun, verb);
    if (!cmd) {
        fprintf(stderr, "hlnctl: %s: unknown command '%s'\n", noun, verb);
        noun_usage(stderr, noun);
        return EXIT_USAGE;
    }
    return cmd->fn(&c, argc - i - 1, argv + i + 1);
}
