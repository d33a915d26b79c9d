/* cmd_init.c - hlnctl init and id: create a node's identity, show it. */
#include "node/hlnctl/cmd_init.h"

#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#include "crypto/crypto.h"
#include "crypto/err.h"
#include "node/hlnctl/cli.h"
#include "node/hlnctl/cmd_authority.h"
#include "node/node.h"
#include "proto/codes.h"
#include "proto/record.h"

/* ---- init ---- */

static const hln_cli_usage init_help = {
    "init", "--name NAME [--authority] [--level LEVEL] [--jurisdiction CODE] [--min-cell N]",
    "Create a node: the data directory, a new identity and an empty store. Prints the node id.",
    "  --name NAME         the node's display name\n"
    "  --authority         an authority ready to admit: anchors itself and publishes its\n"
    "                      self-description (needs --level subnational, national or global)\n"
    "  --level LEVEL       organization (default), subnational, national or global\n"
    "  --jurisdiction CODE ISO 3166 code such as CA or CA-ON (sets the default scope);\n"
    "                      global for the global level\n"
    "  --min-cell N        the node's own minimum cell, if stricter than 11\n"
    "  --json              print {id, data_dir}\n"};

static void init_usage(FILE *f)
{
    hln_cli_usage_print(f, &init_help);
}

typedef struct {
    const char *name, *level, *jurisdiction, *min_cell;
    bool authority;
} init_opts;

/* The node's settings from the options; EXIT_USAGE after a message. */
static int init_info(const hln_cli_args *a, init_opts *o, hln_node_info *info)
{
    memset(info, 0, sizeof *info);
    if (o->jurisdiction && !strcmp(o->jurisdiction, "global")) {
        /* The global coordinator's jurisdiction, as trust add and member issue name it. */
        if (o->level && strcmp(o->level, "global"))
            return hln_cli_usage_error(a, "--jurisdiction global is the global level's alone");
        o->level = "global";
        o->jurisdiction = NULL;
    }
    int r;
    if (o->authority && (r = hln_cli_authority_check(a, o->level, o->jurisdiction)) != HLN_CLI_GO)
        return r;
    if (!o->name)
        return hln_cli_usage_error(a, "--name is required");
    if (strlen(o->name) > HLN_NAME_MAX)
        return hln_cli_usage_error(a, "--name: at most %d bytes", HLN_NAME_MAX);
    memcpy(info->name, o->name, strlen(o->name) + 1);
    info->level = HLN_LEVEL_ORGANIZATION;
    if (o->level && hln_level_parse(o->level, &info->level) < 0)
        return hln_cli_usage_error(
            a, "--level: '%s' is not organization, subnational, national or global", o->level);
    if (o->jurisdiction) {
        if (strlen(o->jurisdiction) > HLN_SCOPE_MAX ||
            !hln_code_jurisdiction(o->jurisdiction, strlen(o->jurisdiction)))
            return hln_cli_usage_error(
                a, "--jurisdiction: '%s' is not an ISO 3166 code such as CA or CA-ON",
                o->jurisdiction);
        memcpy(info->jurisdiction, o->jurisdiction, strlen(o->jurisdiction) + 1);
    }
    if (o->min_cell) {
        uint64_t mc;
        if (!hln_cli_parse_uint(o->min_cell, HLN_MIN_CELL_DEFAULT, HLN_MIN_CELL_MAX, &mc))
            return hln_cli_usage_error(a, "--min-cell: a whole number from %u to %u",
                                       HLN_MIN_CELL_DEFAULT, HLN_MIN_CELL_MAX);
        info->min_cell = (uint32_t)mc;
    }
    return HLN_CLI_GO;
}

int hln_cli_init(const char *datadir, int argc, char **argv, bool json)
{
    init_opts o = {0};
    const hln_cli_opt opts[] = {HLN_CLI_VALUE("name", &o.name),
                                HLN_CLI_VALUE("level", &o.level),
                                HLN_CLI_VALUE("jurisdiction", &o.jurisdiction),
                                HLN_CLI_VALUE("min-cell", &o.min_cell),
                                HLN_CLI_FLAG("authority", &o.authority),
                                HLN_CLI_FLAG("json", &json),
                                HLN_CLI_END};
    hln_cli_args a = {.opts = opts, .datadir = &datadir, .usage = init_usage, .remind = true};
    hln_node_info info;
    int r = hln_cli_parse(&a, argc, argv);
    if (r == HLN_CLI_GO)
        r = init_info(&a, &o, &info);
    if (r != HLN_CLI_GO)
        return r;
    hln_node *n = NULL;
    char err[512] = "";
    int rc = hln_node_create(datadir, &info, &n, err, sizeof err);
    if (rc < 0) {
        hln_warnx("%s", err[0] ? err : hln_strerror(rc));
        return rc == HLN_EINVAL ? EXIT_USAGE : EXIT_FAIL;
    }
    char text[HLN_ID_TEXT_LEN + 1];
    hln_id_to_text(hln_node_pk(n), text);
    json_object *j = json ? json_object_new_object() : NULL;
    int ex = o.authority ? hln_cli_authority_ready(datadir, n, j) : EXIT_OK;
    if (j) {
        hln_cli_jstr(j, "id", text);
        hln_cli_jstr(j, "data_dir", datadir);
        hln_print_json(j);
    } else {
        puts(text);
    }
    hln_node_close(&n);
    return ex;
}

/* ---- id ---- */

static const hln_cli_usage id_help = {
    "id", "[--json]", "Print the node id.",
    "  --json              id, name, level, jurisdiction and the CURVE public key\n"};

static void id_usage(FILE *f)
{
    hln_cli_usage_print(f, &id_help);
}

static void print_id_json(hln_node *n, const char *text)
{
    const hln_node_info *info = hln_node_get_info(n);
    char z85[41] = "";
    json_object *j = json_object_new_object();
    hln_cli_jstr(j, "id", text);
    hln_cli_jstr(j, "name", info->name);
    hln_cli_jstr(j, "level", hln_level_name(info->level));
    hln_cli_jstr(j, "jurisdiction", info->jurisdiction[0] ? info->jurisdiction : NULL);
    if (hln_curve_public_z85(hln_node_pk(n), z85) == 0)
        hln_cli_jstr(j, "curve_public_z85", z85);
    hln_print_json(j);
}

int hln_cli_id(const char *datadir, int argc, char **argv, bool json)
{
    const hln_cli_opt opts[] = {HLN_CLI_FLAG("json", &json), HLN_CLI_END};
    hln_cli_args a = {.opts = opts, .datadir = &datadir, .usage = id_usage, .remind = true};
    int r = hln_cli_parse(&a, argc, argv);
    if (r != HLN_CLI_GO)
        return r;
    hln_node *n = NULL;
    if (hln_cli_open_node(datadir, HLN_NODE_RDONLY, &n) < 0)
        return EXIT_FAIL;
    char text[HLN_ID_TEXT_LEN + 1];
    hln_id_to_text(hln_node_pk(n), text);
    if (json)
        print_id_json(n, text);
    else
        puts(text);
    hln_node_close(&n);
    return EXIT_OK;
}
