/* cli.h - what every hlnctl command shares: exit statuses, diagnostics, the option parser, JSON
 * output. */
#ifndef HLN_CLI_H
#define HLN_CLI_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "node/node.h"

/* Exit statuses scripts can rely on (docs/CLI.md). */
enum { EXIT_OK = 0, EXIT_FAIL = 1, EXIT_USAGE = 2, EXIT_NOT_RUNNING = 3 };

/* A command of hlnctl's table: argv[0] is the command word or verb (the
 * words before it were consumed), `json` the global --json. Results go to
 * stdout, diagnostics to stderr through hln_warnx; returns an EXIT_*. */
typedef int (*hln_cli_fn)(const char *datadir, int argc, char **argv, bool json);

/* "hlnctl: " and the formatted message on stderr, with a newline: every
 * diagnostic of hlnctl goes through it. */
void hln_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Print `o` as pretty JSON (no escaped slashes) on stdout and release it. */
void hln_print_json(json_object *o);

/* Add k: v to a JSON object (a NULL string becomes null). */
void hln_cli_jstr(json_object *o, const char *k, const char *v);
void hln_cli_ju64(json_object *o, const char *k, uint64_t v);
void hln_cli_jbool(json_object *o, const char *k, bool v);

/* ---- the option parser ----
 * One row per long option: `value` set, it takes one (--opt VALUE or
 * --opt=VALUE, the last one wins); `each` set, it takes one and may repeat
 * (each(ctx, VALUE) per occurrence; non-zero: a usage error it has said);
 * else `flag` is set to true by --opt. */
typedef struct {
    const char *name; /* without the dashes; NULL ends the table */
    const char **value;
    bool *flag;
    int (*each)(void *ctx, const char *value);
    void *ctx;
} hln_cli_opt;

#define HLN_CLI_VALUE(n, dest) {.name = (n), .value = (dest)}
#define HLN_CLI_FLAG(n, dest) {.name = (n), .flag = (dest)}
#define HLN_CLI_EACH(n, fn, c) {.name = (n), .each = (fn), .ctx = (c)}
#define HLN_CLI_END {.name = NULL}

/* What a command accepts. Options and positional arguments may come in
 * any order; "--" ends the options. -h/--help anywhere asks for help. */
typedef struct {
    const char *what;        /* prefix of its messages ("bench"), or NULL */
    const hln_cli_opt *opts; /* the long options it takes; --json is one of them */
    const char **pos;        /* where positional arguments go */
    int maxpos;              /* how many fit; one more is a usage error */
    int npos;                /* out: how many came */
    const char **datadir;    /* takes -d DIR, -dDIR, --data-dir[=]DIR into it; NULL: not */
    bool stop_at_pos;        /* stop at the first positional (hlnctl's own options) */
    int next;                /* out, with stop_at_pos: its index, or argc */
    void (*usage)(FILE *f);  /* help on stdout; a reminder on stderr after a usage error */
    bool remind;             /* print usage(stderr) after a usage error */
} hln_cli_args;

/* The parser's "go on": neither help was shown nor a usage error. */
#define HLN_CLI_GO (-1)

/* Parse argv[1..argc-1] as `a` says. Returns HLN_CLI_GO; EXIT_OK after
 * printing the help (usage(stdout)); EXIT_USAGE after naming the unknown
 * option, the option without its value or the extra argument. */
int hln_cli_parse(hln_cli_args *a, int argc, char **argv);

/* A usage error found after parsing: "hlnctl: [WHAT: ]message", then the
 * reminder if `a` asks for one. Returns EXIT_USAGE. `a` may be NULL. */
int hln_cli_usage_error(const hln_cli_args *a, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* A command's usage in the form of the command table. On stdout the whole
 * help (synopsis, about, options, -d and -h); elsewhere the two-line
 * reminder "usage: ... / (see hlnctl WORDS --help)". */
typedef struct {
    const char *words;   /* "indicator define" */
    const char *args;    /* the synopsis after the words */
    const char *about;   /* one line */
    const char *options; /* one per line, each ending in \n */
} hln_cli_usage;
void hln_cli_usage_print(FILE *f, const hln_cli_usage *u);

/* A noun's verbs (`hlnctl trust add`): the function gets argv from the verb. */
typedef struct {
    const char *verb, *alias; /* alias: another name ("rm"), or NULL */
    hln_cli_fn fn;
} hln_cli_verb;

/* Run the verb argv[0] names (a leading `noun` is skipped). No verb: the
 * usage on stderr, EXIT_USAGE; "help", -h or --help anywhere: the usage on
 * stdout, EXIT_OK; an unknown verb: "NOUN: unknown command", EXIT_USAGE.
 * `verbs` ends with a NULL verb. */
int hln_cli_run_verb(const char *noun, const hln_cli_verb *verbs, void (*usage)(FILE *f),
                     const char *datadir, int argc, char **argv, bool json);

/* A whole number in [lo, hi] given on the command line. */
bool hln_cli_parse_uint(const char *s, uint64_t lo, uint64_t hi, uint64_t *out);

/* Say why hln_read_file failed on `file`: a FIFO, device or directory is
 * "not a regular file (refused)", anything else "cannot read it: REASON". */
void hln_cli_read_failed(const char *file, int rc);

/* hln_node_open, and its error through hln_warnx. Returns its code. */
int hln_cli_open_node(const char *datadir, unsigned flags, hln_node **n);

/* Tell a running hlnd that records were appended; without one, it
 * announces them when it starts. A failure is only a warning. */
void hln_cli_notify_appended(const char *datadir);

#endif
