/* hlnctl_main.c - hlnctl, the admin CLI: `hlnctl <noun> <verb>` from a command table. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/err.h"
#include "node/hlnctl/cli.h"
#include "node/hlnctl/cmd_address.h"
#include "node/hlnctl/cmd_bench.h"
#include "node/hlnctl/cmd_gov.h"
#include "node/hlnctl/cmd_indicator.h"
#include "node/hlnctl/cmd_init.h"
#include "node/hlnctl/cmd_log.h"
#include "node/hlnctl/cmd_ops.h"
#include "node/hlnctl/cmd_peer.h"
#include "node/hlnctl/cmd_publish.h"
#include "node/hlnctl/cmd_import.h"
#include "node/hlnctl/cmd_heal.h"
#include "node/hlnctl/cmd_authority.h"
#include "node/hlnctl/cmd_retract.h"
#include "node/hlnctl/cmd_collab.h"
#include "node/hlnctl/cmd_improve.h"
#include "node/hlnctl/cmd_lesson.h"
#include "node/hlnctl/cmd_target.h"
#include "node/hlnctl/cmd_status.h"
#include "node/hlnctl/report.h"
#include "node/node.h"

typedef struct {
    const char *noun, *verb; /* verb NULL: the noun is the whole command; "*": the noun's
                                own function takes every verb */
    hln_cli_fn fn;           /* argv[0]: the verb, or the noun of a single word */
    const char *about;       /* one line */
} command;

static int cmd_report(const char *datadir, int argc, char **argv, bool json);
static int cmd_rollup(const char *datadir, int argc, char **argv, bool json);
static int cmd_help(const char *datadir, int argc, char **argv, bool json);

static const command commands[] = {
    {"status", NULL, hln_cli_status,
     "Show the node: id, name, feeds, records (from hlnd if it runs, else the store)."},
    {"init", NULL, hln_cli_init,
     "Create a node: the data directory, a new identity and an empty store. Prints the node id."},
    {"id", NULL, hln_cli_id, "Print the node id."},
    {"indicator", "define", hln_cli_indicator_define,
     "Author indicator definitions from an INI file; nothing is defined if any section is bad."},
    {"indicator", "adopt", hln_cli_indicator_adopt,
     "Re-sign the catalogue of the authorities above this one for the nodes that anchor only it."},
    {"indicator", "list", hln_cli_indicator_list,
     "List the indicator definitions held (the latest version of each code)."},
    {"publish", NULL, hln_cli_publish,
     "Check, suppress small cells in, and publish a CSV of observations, all or nothing."},
    {"import", "*", hln_cli_import,
     "Import counts from DHIS2 dataValueSets or FHIR MeasureReports, as publish does."},
    {"export", "*", hln_cli_export, "Export a benchmark as DHIS2 dataValueSets or a FHIR Bundle."},
    {"log", NULL, hln_cli_log, "List the records held: author, scope, seq, type and a summary."},
    {"verify", NULL, hln_cli_verify,
     "Re-check every record held: signatures, hashes, chains, indexes. Exit 1 on any problem."},
    {"trust", "*", hln_cli_trust, "Trust anchors: the authorities this node trusts outright."},
    {"member", "*", hln_cli_member, "Membership records: admit and revoke keys (authorities)."},
    {"policy", "*", hln_cli_policy,
     "Disclosure policy records: the minimum cell for a jurisdiction."},
    {"peer", "*", hln_cli_peer, "The peers hlnd connects to and admits."},
    {"address", "*", hln_cli_address,
     "Address records: where this node accepts peers; members dial what they hold."},
    {"backup", NULL, hln_cli_backup,
     "Copy the store, compacted, into the new directory PATH, while hlnd runs or not."},
    {"restore", NULL, hln_cli_restore,
     "Replace the store with a backup (hlnd stopped); --done lifts the catch-up mark."},
    {"metrics", NULL, hln_cli_metrics,
     "Print metrics in the Prometheus text format (from hlnd, else from the store)."},
    {"bench", NULL, hln_cli_bench,
     "Benchmark an indicator: units, intervals, places, ABC, the evidence digest."},
    {"retract", NULL, hln_cli_retract,
     "Withdraw records this node published: one by id, or an indicator's observations."},
    {"rollup", NULL, cmd_rollup,
     "An authority's pooled counts for its jurisdiction; --publish publishes them."},
    {"target", "*", hln_cli_target, "Targets: an authority's goal for an indicator, by a period."},
    {"collaborative", "*", hln_cli_collaborative,
     "Learning collaboratives: aim, indicators, time frame, members, change package."},
    {"lesson", "*", hln_cli_lesson,
     "Lessons: what a team changed and what happened (free text, screened)."},
    {"improve", NULL, hln_cli_improve,
     "Improvement over time: run and Shewhart charts, signals, targets, sustainability."},
    {"report", NULL, cmd_report, "Write benchmark reports as static HTML."},
    {"help", NULL, cmd_help, "Show help for hlnctl or one command."},
};
#define N_COMMANDS (sizeof commands / sizeof commands[0])

/* rollup INDICATOR --period P, or rollup --all (node/hlnctl/cmd_retract.c). */
static int cmd_rollup(const char *datadir, int argc, char **argv, bool json)
{
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], "--all"))
            return hln_cli_rollup_all(datadir, argc, argv, json);
    return hln_cli_rollup(datadir, argc, argv, json);
}

/* argv[0] is "report" (node/hlnctl/report.h). */
static int cmd_report(const char *datadir, int argc, char **argv, bool json)
{
    (void)json;
    return hln_cli_report(datadir, argc, argv);
}

/* The command `noun verb` names: a single word (the rest are its
 * arguments), a verb of the noun, or a delegated noun. NULL verb: only a
 * single word or a delegated noun. */
static const command *find_command(const char *noun, const char *verb)
{
    for (size_t i = 0; i < N_COMMANDS; i++) {
        const command *c = &commands[i];
        if (strcmp(c->noun, noun) != 0)
            continue;
        if (!c->verb || !strcmp(c->verb, "*"))
            return c;
        if (verb && !strcmp(c->verb, verb))
            return c;
    }
    return NULL;
}

static bool has_verbs(const char *noun)
{
    for (size_t i = 0; i < N_COMMANDS; i++)
        if (!strcmp(commands[i].noun, noun) && commands[i].verb)
            return true;
    return false;
}

static void noun_usage(FILE *f, const char *noun)
{
    fprintf(f, "usage: hlnctl [-d DIR] %s <command> ...\n\ncommands:\n", noun);
    for (size_t i = 0; i < N_COMMANDS; i++)
        if (!strcmp(commands[i].noun, noun))
            fprintf(f, "  %-10s %s\n", commands[i].verb, commands[i].about);
}

static void main_usage(FILE *f)
{
    fprintf(f,
            "usage: hlnctl [-d DIR] [--json] <command> [<args>]\n\n"
            "The admin CLI of an hln node (Health Learning Network). Bare hlnctl shows status.\n\n"
            "commands:\n");
    for (size_t i = 0; i < N_COMMANDS; i++) {
        char words[64];
        const char *verb = commands[i].verb;
        bool shown = verb && strcmp(verb, "*");
        snprintf(words, sizeof words, "%s%s%s", commands[i].noun, shown ? " " : "",
                 shown ? verb : "");
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

static void help_usage(FILE *f)
{
    static const hln_cli_usage u = {"help", "[NOUN [VERB]]", "Show help for hlnctl or one command.",
                                    ""};
    hln_cli_usage_print(f, &u);
}

/* `help NOUN [VERB...]`: the command's own --help for those words, as
 * `hlnctl NOUN VERB --help` prints it. */
static int cmd_help(const char *datadir, int argc, char **argv, bool json)
{
    const char *words[3] = {NULL, NULL, NULL};
    hln_cli_args a = {.pos = words, .maxpos = 3, .datadir = &datadir, .usage = help_usage};
    int r = hln_cli_parse(&a, argc, argv);
    if (r != HLN_CLI_GO)
        return r;
    if (a.npos == 0) {
        main_usage(stdout);
        return EXIT_OK;
    }
    const command *cmd = find_command(words[0], words[1]);
    if (!cmd && has_verbs(words[0])) {
        noun_usage(stdout, words[0]);
        return EXIT_OK;
    }
    if (!cmd)
        return hln_cli_usage_error(NULL, "no such command '%s'", words[0]);
    /* Single words and delegated nouns take the words after the command
     * word (bench verify); a noun's verb starts at the verb. */
    bool from_noun = !cmd->verb || !strcmp(cmd->verb, "*");
    char *args[5] = {NULL};
    int n = 0;
    for (int k = from_noun ? 0 : 1; k < a.npos; k++)
        args[n++] = (char *)words[k];
    args[n++] = "--help";
    return cmd->fn(datadir, n, args, json);
}

/* -d may also follow the command words (`hlnctl peer list -d DIR`): take
 * it out here so that every command, the report's too, sees the same data
 * directory. Returns the new argc, or -1 after a usage error. */
static int take_data_dir(int first, int argc, char **argv, const char **dir)
{
    int out = first;
    for (int k = first; k < argc; k++) {
        const char *s = argv[k];
        if (!strcmp(s, "--")) {
            while (k < argc)
                argv[out++] = argv[k++];
            break;
        }
        if (!strcmp(s, "-d") || !strcmp(s, "--data-dir")) {
            if (k + 1 >= argc) {
                hln_cli_usage_error(NULL, "option '%s' needs a value", s);
                return -1;
            }
            *dir = argv[++k];
        } else if (!strncmp(s, "--data-dir=", 11)) {
            *dir = s + 11;
        } else {
            argv[out++] = argv[k];
        }
    }
    argv[out] = NULL;
    return out;
}

/* Run the command argv[0] names. */
static int dispatch(const char *dir, int argc, char **argv, bool json)
{
    const char *noun = argv[0];
    const command *cmd = find_command(noun, NULL);
    if (cmd && !cmd->verb)
        return cmd->fn(dir, argc, argv, json);
    if (cmd) /* a delegated noun: argv starts at the verb */
        return cmd->fn(dir, argc - 1, argv + 1, json);
    if (!has_verbs(noun)) {
        hln_warnx("unknown command '%s'", noun);
        main_usage(stderr);
        return EXIT_USAGE;
    }
    if (argc < 2) {
        hln_warnx("%s: which command?", noun);
        noun_usage(stderr, noun);
        return EXIT_USAGE;
    }
    const char *verb = argv[1];
    if (!strcmp(verb, "-h") || !strcmp(verb, "--help") || !strcmp(verb, "help")) {
        noun_usage(stdout, noun);
        return EXIT_OK;
    }
    if (!(cmd = find_command(noun, verb))) {
        hln_warnx("%s: unknown command '%s'", noun, verb);
        noun_usage(stderr, noun);
        return EXIT_USAGE;
    }
    return cmd->fn(dir, argc - 1, argv + 1, json);
}

int main(int argc, char **argv)
{
    const char *env = getenv("HLN_DATA_DIR");
    const char *dir = env && env[0] ? env : HLN_DATA_DIR_DEFAULT;
    bool json = false;
    /* hlnctl's own options, before the command word. */
    const hln_cli_opt opts[] = {HLN_CLI_FLAG("json", &json), HLN_CLI_END};
    hln_cli_args a = {
        .opts = opts, .datadir = &dir, .stop_at_pos = true, .usage = main_usage, .remind = true};
    int r = hln_cli_parse(&a, argc, argv);
    if (r != HLN_CLI_GO)
        return r;
    int i = a.next;
    if ((argc = take_data_dir(i, argc, argv, &dir)) < 0)
        return EXIT_USAGE;
    if (!dir[0])
        return hln_cli_usage_error(NULL, "the data directory is empty");
    if (i >= argc) {
        char *args[] = {"status", NULL};
        return hln_cli_status(dir, 1, args, json);
    }
    return dispatch(dir, argc - i, argv + i, json);
}
