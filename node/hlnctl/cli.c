/* cli.c - what every hlnctl command shares: the one option parser, the one error printer. */
#include "node/hlnctl/cli.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "crypto/err.h"
#include "node/control.h"

void hln_warnx(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("hlnctl: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

void hln_print_json(json_object *o)
{
    puts(json_object_to_json_string_ext(o,
                                        JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
    json_object_put(o);
}

void hln_cli_jstr(json_object *o, const char *k, const char *v)
{
    json_object_object_add(o, k, v ? json_object_new_string(v) : NULL);
}

void hln_cli_ju64(json_object *o, const char *k, uint64_t v)
{
    json_object_object_add(o, k, json_object_new_uint64(v));
}

void hln_cli_jbool(json_object *o, const char *k, bool v)
{
    json_object_object_add(o, k, json_object_new_boolean(v));
}

/* ---- the option parser ---- */

static int vusage_error(const hln_cli_args *a, const char *fmt, va_list ap)
{
    char msg[512];
    vsnprintf(msg, sizeof msg, fmt, ap);
    const char *what = a && a->what ? a->what : NULL;
    hln_warnx("%s%s%s", what ? what : "", what ? ": " : "", msg);
    if (a && a->remind && a->usage)
        a->usage(stderr);
    return EXIT_USAGE;
}

int hln_cli_usage_error(const hln_cli_args *a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int r = vusage_error(a, fmt, ap);
    va_end(ap);
    return r;
}

static bool is_help(const char *s)
{
    return !strcmp(s, "-h") || !strcmp(s, "--help");
}

static bool is_positional(const char *s)
{
    return s[0] != '-' || s[1] == '\0';
}

/* -h or --help before the first "--" (and, for hlnctl's own options,
 * before the command word) asks for help, whatever else is wrong. */
static bool wants_help(const hln_cli_args *a, int argc, char **argv)
{
    for (int i = 1; i < argc && strcmp(argv[i], "--"); i++) {
        if (a->stop_at_pos && is_positional(argv[i]))
            return false;
        if (is_help(argv[i]))
            return true;
    }
    return false;
}

static int add_pos(hln_cli_args *a, const char *s)
{
    if (a->npos >= a->maxpos)
        return hln_cli_usage_error(a, "unexpected argument '%s'", s);
    a->pos[a->npos++] = s;
    return HLN_CLI_GO;
}

/* -d DIR, -dDIR, --data-dir DIR, --data-dir=DIR. Returns HLN_CLI_GO with
 * *i moved past it, 0 when `s` is none of them, or EXIT_USAGE. */
static int data_dir_opt(hln_cli_args *a, int argc, char **argv, int *i)
{
    const char *s = argv[*i];
    if (!a->datadir)
        return 0;
    if (!strcmp(s, "-d") || !strcmp(s, "--data-dir")) {
        if (*i + 1 >= argc)
            return hln_cli_usage_error(a, "option '%s' needs a value", s);
        *a->datadir = argv[++*i];
        return HLN_CLI_GO;
    }
    if (!strncmp(s, "--data-dir=", 11)) {
        *a->datadir = s + 11;
        return HLN_CLI_GO;
    }
    if (s[1] == 'd' && s[2]) {
        *a->datadir = s + 2;
        return HLN_CLI_GO;
    }
    return 0;
}

/* One long option at argv[*i]; *i moves past its value. */
static int long_opt(hln_cli_args *a, int argc, char **argv, int *i)
{
    const char *s = argv[*i], *name = s + 2, *eq = strchr(name, '=');
    int len = (int)(eq ? (size_t)(eq - name) : strlen(name));
    const hln_cli_opt *o = a->opts;
    while (o && o->name && !((int)strlen(o->name) == len && !strncmp(o->name, name, (size_t)len)))
        o++;
    if (!o || !o->name)
        return hln_cli_usage_error(a, "unknown option '--%.*s'", len, name);
    if (o->flag) {
        if (eq)
            return hln_cli_usage_error(a, "option '--%s' takes no value", o->name);
        *o->flag = true;
        return HLN_CLI_GO;
    }
    const char *v;
    if (eq)
        v = eq + 1;
    else if (*i + 1 < argc)
        v = argv[++*i];
    else
        return hln_cli_usage_error(a, "option '--%s' needs a value", o->name);
    if (o->each)
        return o->each(o->ctx, v) ? EXIT_USAGE : HLN_CLI_GO;
    *o->value = v;
    return HLN_CLI_GO;
}

int hln_cli_parse(hln_cli_args *a, int argc, char **argv)
{
    a->npos = 0;
    a->next = argc;
    if (wants_help(a, argc, argv)) {
        if (a->usage)
            a->usage(stdout);
        return EXIT_OK;
    }
    int r = HLN_CLI_GO;
    for (int i = 1; i < argc && r == HLN_CLI_GO; i++) {
        const char *s = argv[i];
        if (!strcmp(s, "--")) {
            a->next = i + 1;
            for (i++; i < argc && r == HLN_CLI_GO && !a->stop_at_pos; i++)
                r = add_pos(a, argv[i]);
            break;
        }
        if (is_help(s)) {
            if (a->usage)
                a->usage(stdout);
            return EXIT_OK;
        }
        if (is_positional(s)) {
            if (a->stop_at_pos) {
                a->next = i;
                break;
            }
            r = add_pos(a, s);
        } else if ((r = data_dir_opt(a, argc, argv, &i)) != 0) {
            continue;
        } else if (s[1] == '-') {
            r = long_opt(a, argc, argv, &i);
        } else {
            r = hln_cli_usage_error(a, "unknown option '%s'", s);
        }
        if (r == 0)
            r = HLN_CLI_GO;
    }
    return r;
}

int hln_cli_run_verb(const char *noun, const hln_cli_verb *verbs, void (*usage)(FILE *f),
                     const char *datadir, int argc, char **argv, bool json)
{
    if (argc > 0 && strcmp(argv[0], noun) == 0) {
        argc--;
        argv++;
    }
    if (argc < 1) {
        usage(stderr);
        return EXIT_USAGE;
    }
    bool help = !strcmp(argv[0], "help");
    for (int i = 0; i < argc && strcmp(argv[i], "--"); i++)
        help = help || is_help(argv[i]);
    if (help) {
        usage(stdout);
        return EXIT_OK;
    }
    for (const hln_cli_verb *v = verbs; v->verb; v++)
        if (!strcmp(argv[0], v->verb) || (v->alias && !strcmp(argv[0], v->alias)))
            return v->fn(datadir, argc, argv, json);
    hln_warnx("%s: unknown command '%s'", noun, argv[0]);
    usage(stderr);
    return EXIT_USAGE;
}

void hln_cli_usage_print(FILE *f, const hln_cli_usage *u)
{
    if (f != stdout) {
        fprintf(f, "usage: hlnctl [-d DIR] %s %s\n(see hlnctl %s --help)\n", u->words, u->args,
                u->words);
        return;
    }
    fprintf(f, "usage: hlnctl [-d DIR] %s %s\n%s\n", u->words, u->args, u->about);
    if (u->options && u->options[0])
        fprintf(f, "\n%s", u->options);
    fprintf(f,
            "  -d, --data-dir DIR  the node's data directory (default $HLN_DATA_DIR or %s)\n"
            "  -h, --help          this help\n",
            HLN_DATA_DIR_DEFAULT);
}

bool hln_cli_parse_uint(const char *s, uint64_t lo, uint64_t hi, uint64_t *out)
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

int hln_cli_open_node(const char *datadir, unsigned flags, hln_node **n)
{
    char err[512] = "";
    int rc = hln_node_open(datadir, flags, n, err, sizeof err);
    if (rc < 0) {
        if (err[0])
            hln_warnx("%s", err);
        else
            hln_warnx("%s: %s", datadir, hln_strerror(rc));
    }
    return rc;
}

void hln_cli_notify_appended(const char *datadir)
{
    int rc = hln_control_notify_appended(datadir);
    if (rc < 0)
        hln_warnx("hlnd did not take the news (%s); it will announce the records later",
                  hln_strerror(rc));
}

void hln_cli_read_failed(const char *file, int rc)
{
    if (rc == HLN_EINVAL)
        hln_warnx("%s: not a regular file (refused)", file);
    else
        hln_warnx("%s: cannot read it: %s", file, hln_strerror(rc));
}
