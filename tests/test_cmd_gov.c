/* test_cmd_gov.c - hlnctl trust/member/policy on real node directories (the tables and the trust
 * graph behind them: test_gov.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "crypto/crypto.h"
#include "crypto/err.h"
#include "node/node.h"
#include "node/trust.h"
#include "store/store.h"
#include "node/gov.h"
#include "node/hlnctl/cmd_gov.h"
#include "node/util.h"

/* Four nodes: the global coordinator, Canada's and Ontario's authorities
 * and a clinic in Ontario, each in its own data directory. */
enum { G, CA, ON, CLINIC, N_NODES };
static char root[64];
static char dirs[N_NODES][128];
static char ids[N_NODES][HLN_ID_TEXT_LEN + 1];
static uint8_t pks[N_NODES][HLN_KEY_LEN];

static int make_node(int i, const char *name, uint32_t level, const char *j)
{
    hln_node_info info;
    memset(&info, 0, sizeof info);
    snprintf(info.name, sizeof info.name, "%s", name);
    info.level = level;
    snprintf(info.jurisdiction, sizeof info.jurisdiction, "%s", j);
    snprintf(dirs[i], sizeof dirs[i], "%s/n%d", root, i);
    hln_node *n = NULL;
    char err[256];
    if (hln_node_create(dirs[i], &info, &n, err, sizeof err))
        return -1;
    memcpy(pks[i], hln_node_pk(n), HLN_KEY_LEN);
    hln_id_to_text(pks[i], ids[i]);
    hln_node_close(&n);
    return 0;
}

static int setup(void **state)
{
    (void)state;
    strcpy(root, "/tmp/hln-test-gov-XXXXXX");
    if (!mkdtemp(root))
        return -1;
    return make_node(G, "Coordinator", HLN_LEVEL_GLOBAL, "") ||
           make_node(CA, "Canada", HLN_LEVEL_NATIONAL, "CA") ||
           make_node(ON, "Ontario", HLN_LEVEL_SUBNATIONAL, "CA-ON") ||
           make_node(CLINIC, "Clinic", HLN_LEVEL_ORGANIZATION, "CA-ON");
}

static int teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", root);
    return system(cmd);
}

/* Run `hlnctl -d DIR <noun> args...` through the command function. */
static int run(int (*fn)(const char *, int, char **, bool), int node, ...)
{
    char *argv[16];
    int argc = 0;
    va_list ap;
    va_start(ap, node);
    const char *a;
    while ((a = va_arg(ap, const char *)) != NULL && argc < 15)
        argv[argc++] = (char *)a;
    va_end(ap);
    argv[argc] = NULL;
    fflush(stdout);
    return fn(dirs[node], argc, argv, false);
}

/* Copy every record of node `from` into node `to`, as sync would. */
static int copy_one(void *ctx, const hln_record *r)
{
    int rc = hln_store_append(ctx, r);
    return rc == HLN_EDUP ? 0 : rc;
}

static void sync_nodes(int from, int to)
{
    hln_node *a = NULL, *b = NULL;
    char err[256];
    assert_int_equal(hln_node_open(dirs[from], HLN_NODE_RDONLY, &a, err, sizeof err), 0);
    assert_int_equal(hln_node_open(dirs[to], 0, &b, err, sizeof err), 0);
    assert_int_equal(hln_store_foreach_record(hln_node_store(a), copy_one, hln_node_store(b)), 0);
    hln_node_close(&a);
    hln_node_close(&b);
}

static int where(int node, int who, hln_trust_info *info)
{
    hln_node *n = NULL;
    char err[256];
    assert_int_equal(hln_node_open(dirs[node], HLN_NODE_RDONLY, &n, err, sizeof err), 0);
    hln_trust *t = NULL;
    assert_int_equal(hln_gov_trust_load(n, &t), 0);
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    uint64_t ms = (uint64_t)now.tv_sec * 1000u + (uint64_t)now.tv_nsec / 1000000u;
    int rc = hln_trust_member(t, pks[who], ms, info);
    hln_trust_destroy(&t);
    hln_node_close(&n);
    return rc;
}

/* The sequence of docs/GOVERNANCE.md §12, on one machine. */
static void a_country_joins_the_global_network(void **state)
{
    (void)state;
    /* The coordinator trusts itself, describes itself, admits Canada. */
    assert_int_equal(run(hln_cli_trust, G, "add", ids[G], "--name", "Coordinator", "--level",
                         "global", "--jurisdiction", "global", NULL),
                     0);
    assert_int_equal(run(hln_cli_member, G, "issue", ids[G], "--name", "Coordinator", "--level",
                         "global", "--jurisdiction", "global", NULL),
                     0);
    assert_int_equal(run(hln_cli_member, G, "issue", ids[CA], "--name", "Canada", "--level",
                         "national", "--jurisdiction", "CA", "--until", "2099-12-31", NULL),
                     0);
    /* Canada trusts the coordinator only: its own standing comes from it. */
    assert_int_equal(run(hln_cli_trust, CA, "add", ids[G], "--name", "Coordinator", NULL), 0);
    sync_nodes(G, CA);
    hln_trust_info info;
    assert_int_equal(where(CA, CA, &info), 0);
    assert_int_equal(info.level, HLN_LEVEL_NATIONAL);
    assert_int_equal(where(CA, G, &info), 0);
    assert_int_equal(info.level, HLN_LEVEL_GLOBAL);
    /* Canada admits Ontario, Ontario the clinic; a policy for Ontario. */
    assert_int_equal(run(hln_cli_member, CA, "issue", ids[ON], "--name", "Ontario", "--level",
                         "subnational", "--jurisdiction", "CA-ON", NULL),
                     0);
    sync_nodes(CA, ON);
    assert_int_equal(run(hln_cli_trust, ON, "add", ids[G], NULL), 0);
    assert_int_equal(run(hln_cli_member, ON, "issue", ids[CLINIC], "--name", "Clinic", "--level",
                         "organization", "--jurisdiction", "CA-ON", NULL),
                     0);
    assert_int_equal(run(hln_cli_policy, ON, "set", "--min-cell", "20", "--scope", "CA-ON", NULL),
                     0);
    sync_nodes(ON, CLINIC);
    assert_int_equal(run(hln_cli_trust, CLINIC, "add", ids[G], NULL), 0);
    assert_int_equal(where(CLINIC, CLINIC, &info), 0);
    assert_string_equal(info.jurisdiction, "CA-ON");
    assert_memory_equal(info.issuer, pks[ON], HLN_KEY_LEN);

    /* The clinic may not admit anyone: nothing is written. */
    assert_int_equal(run(hln_cli_member, CLINIC, "issue", ids[G], "--name", "X", "--level",
                         "organization", "--jurisdiction", "CA-ON", NULL),
                     1);
    /* Ontario may not admit in Quebec. */
    assert_int_equal(run(hln_cli_member, ON, "issue", ids[CLINIC], "--name", "Clinic", "--level",
                         "organization", "--jurisdiction", "CA-QC", NULL),
                     1);
    /* Ontario may not set France's policy. */
    assert_int_equal(run(hln_cli_policy, ON, "set", "--min-cell", "50", "--scope", "FR", NULL), 1);

    /* Ontario revokes the clinic; the clinic's node sees it once synced. */
    assert_int_equal(run(hln_cli_member, ON, "revoke", ids[CLINIC], "--reason", "closed", NULL), 0);
    sync_nodes(ON, CLINIC);
    assert_int_equal(where(CLINIC, CLINIC, &info), HLN_ETRUST);
    assert_int_equal(info.status, HLN_TRUST_REVOKED);
    assert_string_equal(info.revoke_reason, "closed");

    assert_int_equal(run(hln_cli_member, ON, "list", NULL), 0);
    assert_int_equal(run(hln_cli_trust, ON, "list", NULL), 0);
    assert_int_equal(run(hln_cli_policy, CLINIC, "show", NULL), 0);
}

static void usage_errors_exit_2(void **state)
{
    (void)state;
    assert_int_equal(run(hln_cli_trust, CA, NULL), 2);
    assert_int_equal(run(hln_cli_trust, CA, "frobnicate", NULL), 2);
    assert_int_equal(run(hln_cli_trust, CA, "add", "NOT-AN-ID", NULL), 2);
    assert_int_equal(run(hln_cli_trust, CA, "add", ids[G], "--level", "national", NULL), 2);
    assert_int_equal(run(hln_cli_trust, CA, "add", ids[G], "--level", "national", "--jurisdiction",
                         "CA-ON", NULL),
                     2);
    assert_int_equal(run(hln_cli_trust, CA, "add", ids[G], "--bogus", "x", NULL), 2);
    assert_int_equal(run(hln_cli_member, CA, "issue", ids[ON], "--name", "Ontario", NULL), 2);
    assert_int_equal(run(hln_cli_member, CA, "issue", ids[ON], "--name", "Ontario", "--level",
                         "subnational", "--jurisdiction", "CA", NULL),
                     2);
    assert_int_equal(run(hln_cli_member, CA, "issue", ids[ON], "--name", "Ontario", "--level",
                         "subnational", "--jurisdiction", "CA-ON", "--until", "31/12/2027", NULL),
                     2);
    assert_int_equal(run(hln_cli_policy, CA, "set", "--min-cell", "zero", NULL), 2);
    assert_int_equal(run(hln_cli_policy, CA, "set", NULL), 2);
    assert_int_equal(run(hln_cli_member, CA, "list", "--at", "yesterday", NULL), 2);
    /* The one option parser: a value missing, a value given to a flag, an
     * option of another verb, an argument too many. */
    assert_int_equal(run(hln_cli_trust, CA, "add", ids[G], "--name", NULL), 2);
    assert_int_equal(run(hln_cli_trust, CA, "list", "--json=yes", NULL), 2);
    assert_int_equal(run(hln_cli_trust, CA, "remove", ids[G], "--name", "x", NULL), 2);
    assert_int_equal(run(hln_cli_trust, CA, "remove", ids[G], ids[ON], NULL), 2);
}

static void help_anywhere_exits_0(void **state)
{
    (void)state;
    assert_int_equal(run(hln_cli_trust, CA, "--help", NULL), 0);
    assert_int_equal(run(hln_cli_member, CA, "issue", "--bogus", "-h", NULL), 0);
    assert_int_equal(run(hln_cli_policy, CA, "help", NULL), 0);
}

static void removing_an_unknown_anchor_fails(void **state)
{
    (void)state;
    assert_int_equal(run(hln_cli_trust, CA, "remove", ids[ON], NULL), 1);
    assert_int_equal(run(hln_cli_trust, CA, "add", ids[ON], "--name=Ontario", NULL), 0);
    assert_int_equal(run(hln_cli_trust, CA, "remove", ids[ON], NULL), 0);
    assert_int_equal(run(hln_cli_trust, CA, "remove", ids[ON], NULL), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_country_joins_the_global_network),
        cmocka_unit_test(usage_errors_exit_2),
        cmocka_unit_test(help_anywhere_exits_0),
        cmocka_unit_test(removing_an_unknown_anchor_fails),
    };
    return cmocka_run_group_tests_name("cmd_gov", tests, setup, teardown);
}
