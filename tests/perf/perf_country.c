/* perf_country.c - a country on one node: the store grows stage by stage and every user command is timed at each size. */
#include <errno.h>
#include <limits.h>
#include <libgen.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "crypto/crypto.h"
#include "crypto/err.h"
#include "node/gov.h"
#include "node/node.h"
#include "node/trust.h"
#include <json-c/json.h>
#include "store/store.h"

/* What it measures (docs/PERFORMANCE.md keeps the figures):
 * a national node "CA" holds the definitions of IND indicators and admits
 * ORGS organizations, each of which publishes IND x PER observations
 * (10,000 x 50 x 20 = 10 M for a whole country). The store is built in
 * stages (HLN_PERF_ORGS, a comma-separated list of organization counts,
 * default "1000,2000": 1 M and 2 M observations) and at each stage the real
 * hlnctl (next to this program's directory: ../hlnctl) is run against it:
 *   - publish of a 10,000-row CSV into this store and into an empty node
 *     with the same definitions, alternately, three times each: the ratio
 *     is the goal (<= 1.2x, whatever the store's size);
 *   - status, indicator list, policy show (goal < 10 ms each);
 *   - bench of one indicator over the national group, rollup, report of
 *     one indicator and period, backup (compacting copy), verify, each with
 *     its time per record it covers;
 *   - bytes per record on disk (the compacted backup, and data.mdb).
 * HLN_PERF_PERIODS=P (1..20) publishes P periods per organization instead
 * of 20, and HLN_PERF_ANSWERS_ONLY=1 stops each stage after status,
 * indicator list and policy show: together they build a store of many
 * organizations (their member records) quickly, for the answers whose cost
 * follows the governance records rather than the observations.
 * Timings are wall and the child's CPU (user + sys): on a shared machine
 * the CPU figure is the one other programs disturb least. The growth of
 * each measure between the first and the last stage is printed. */

#define IND 50
#define PER_MAX 20
static int PER = PER_MAX; /* HLN_PERF_PERIODS: fewer periods, for a store of many organizations built quickly */
static bool answers_only; /* HLN_PERF_ANSWERS_ONLY: status, indicator list, policy show and no more */
#define BATCH 4096
#define PUB_ROWS 10000

static char hlnctl[PATH_MAX];
static char top[64] = "/tmp/hln-perf-country-XXXXXX";

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what, int rc)
{
    fprintf(stderr, "perf_country: %s: %s\n", what, rc ? hln_strerror(rc) : strerror(errno));
    exit(1);
}

/* Run hlnctl -d dir args...; wall seconds and the child's CPU seconds. */
typedef struct {
    double wall, cpu;
} cost;

static cost run_ctl(const char *dir, const char *const *args)
{
    const char *argv[24];
    size_t n = 0;
    argv[n++] = hlnctl;
    argv[n++] = "-d";
    argv[n++] = dir;
    for (size_t i = 0; args[i] && n < 23; i++)
        argv[n++] = args[i];
    argv[n] = NULL;
    fflush(stdout);
    double t0 = now_s();
    pid_t pid = fork();
    if (pid < 0)
        die("fork", 0);
    if (pid == 0) {
        if (!freopen("/dev/null", "w", stdout))
            _exit(127);
        execv(hlnctl, (char *const *)argv);
        _exit(127);
    }
    int st = 0;
    struct rusage ru;
    if (wait4(pid, &st, 0, &ru) < 0)
        die("wait", 0);
    cost c = {now_s() - t0, (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
                                (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6};
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
        fprintf(stderr, "perf_country: hlnctl");
        for (size_t i = 1; argv[i]; i++)
            fprintf(stderr, " %s", argv[i]);
        fprintf(stderr, ": exit %d\n", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
        exit(1);
    }
    return c;
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The median of k runs of one command (wall and CPU taken apart). */
static cost median_ctl(const char *dir, const char *const *args, int k)
{
    double w[9], c[9];
    for (int i = 0; i < k; i++) {
        cost x = run_ctl(dir, args);
        w[i] = x.wall, c[i] = x.cpu;
    }
    qsort(w, (size_t)k, sizeof *w, cmp_d);
    qsort(c, (size_t)k, sizeof *c, cmp_d);
    return (cost){w[k / 2], c[k / 2]};
}

static void ind_code(char *out, size_t cap, int i)
{
    snprintf(out, cap, "ctry.ind-%02d", i);
}

static void period_code(char *out, size_t cap, int p)
{
    p &= 255; /* PER_MAX at most: four digits of year */
    snprintf(out, cap, "%04d-%02d", 2026 + p / 12, 1 + p % 12);
}

/* A national node with the IND definitions. */
static hln_node *make_national(const char *dir)
{
    hln_node_info info;
    hln_node *n = NULL;
    char err[256] = "";
    memset(&info, 0, sizeof info);
    snprintf(info.name, sizeof info.name, "Health Canada perf");
    info.level = HLN_LEVEL_NATIONAL;
    snprintf(info.jurisdiction, sizeof info.jurisdiction, "CA");
    int rc = hln_node_create(dir, &info, &n, err, sizeof err);
    if (rc) {
        fprintf(stderr, "perf_country: create %s: %s\n", dir, err);
        exit(1);
    }
    hln_node_item *it = calloc(IND, sizeof *it);
    if (!it)
        die("alloc", HLN_ENOMEM);
    for (int i = 0; i < IND; i++) {
        it[i].type = HLN_REC_INDICATOR;
        hln_indicator *d = &it[i].body.indicator;
        ind_code(d->code, sizeof d->code, i);
        d->version = 1;
        snprintf(d->title, sizeof d->title, "Indicator %d", i);
        d->kind = 0;
        d->multiplier = 1;
        d->direction = (uint32_t)(i % 2);
    }
    if ((rc = hln_node_append(n, "CA", it, IND, 0, NULL, err, sizeof err))) {
        fprintf(stderr, "perf_country: definitions: %s\n", err);
        exit(1);
    }
    /* The national minimum cell, as a country sets it (hlnctl policy set). */
    memset(it, 0, sizeof *it);
    it[0].type = HLN_REC_POLICY;
    snprintf(it[0].body.policy.jurisdiction, sizeof it[0].body.policy.jurisdiction, "CA");
    it[0].body.policy.min_cell = 11;
    if ((rc = hln_node_append(n, "CA", it, 1, 0, NULL, err, sizeof err))) {
        fprintf(stderr, "perf_country: policy: %s\n", err);
        exit(1);
    }
    free(it);
    /* The node anchors itself, as an operator does (hlnctl trust add), so
     * that the organizations it admits count in its benchmarks. */
    hln_gov_anchor a;
    memset(&a, 0, sizeof a);
    memcpy(a.id, hln_node_pk(n), HLN_KEY_LEN);
    snprintf(a.name, sizeof a.name, "self");
    a.level = HLN_LEVEL_NATIONAL;
    snprintf(a.jurisdiction, sizeof a.jurisdiction, "CA");
    if ((rc = hln_gov_anchor_put(hln_node_store(n), &a)))
        die("anchor", rc);
    return n;
}

static const char *const SUBDIV[4] = {"CA-ON", "CA-QC", "CA-BC", "CA-AB"};

/* Admit organizations [from, to) and append their observations to the store. */
static void grow_country(hln_node *nat, int from, int to)
{
    hln_store *s = hln_node_store(nat);
    hln_record *b = malloc(BATCH * sizeof *b);
    int *res = malloc(BATCH * sizeof *res);
    hln_node_item *mem = calloc((size_t)(to - from), sizeof *mem);
    char err[256] = "";
    int rc;
    if (!b || !res || !mem)
        die("alloc", HLN_ENOMEM);
    for (int o = from; o < to; o++) {
        uint8_t seed[32] = {0};
        memcpy(seed, &o, sizeof o);
        seed[31] = 0xc7;
        hln_identity *id = hln_identity_from_seed(seed);
        hln_member *m = &mem[o - from].body.member;
        mem[o - from].type = HLN_REC_MEMBER;
        memcpy(m->subject, hln_identity_pk(id), HLN_KEY_LEN);
        snprintf(m->name, sizeof m->name, "Organization %d", o);
        m->level = HLN_LEVEL_ORGANIZATION;
        snprintf(m->jurisdiction, sizeof m->jurisdiction, "%s", SUBDIV[o % 4]);
        m->roles = HLN_ROLE_PUBLISH;
        m->valid_from_ms = 1700000000000ull;
        hln_identity_destroy(&id);
    }
    if ((rc = hln_node_append(nat, "CA", mem, (size_t)(to - from), 0, NULL, err, sizeof err))) {
        fprintf(stderr, "perf_country: members: %s\n", err);
        exit(1);
    }
    free(mem);
    size_t held = 0;
    uint64_t ts = 1780000000000ull;
    for (int o = from; o < to; o++) {
        uint8_t seed[32] = {0}, prev[HLN_HASH_LEN];
        memcpy(seed, &o, sizeof o);
        seed[31] = 0xc7;
        hln_identity *id = hln_identity_from_seed(seed);
        uint64_t seq = 0;
        uint64_t x = (uint64_t)o * 2654435761u;
        for (int i = 0; i < IND; i++)
            for (int p = 0; p < PER; p++) {
                hln_record *r = &b[held];
                seq++;
                hln_record_init(r, HLN_REC_OBSERVATION, hln_identity_pk(id), "CA", seq,
                                seq > 1 ? prev : NULL, ts + seq);
                hln_observation *ob = &r->body.observation;
                ind_code(ob->indicator, sizeof ob->indicator, i);
                period_code(ob->period, sizeof ob->period, p);
                x = x * 6364136223846793005ull + 1442695040888963407ull;
                ob->denominator = 50 + (x >> 33) % 2000;
                ob->numerator = (ob->denominator * (20 + (x >> 20) % 60)) / 100;
                r->has_body = true;
                if ((rc = hln_record_seal(r, id, err, sizeof err)))
                    die(err, rc);
                memcpy(prev, r->id, HLN_HASH_LEN);
                if (++held == BATCH) {
                    if ((rc = hln_store_append_batch(s, b, held, res)))
                        die("append", rc);
                    for (size_t k = 0; k < held; k++)
                        if (res[k])
                            die("append one", res[k]);
                    held = 0;
                }
            }
        hln_identity_destroy(&id);
    }
    if (held && (rc = hln_store_append_batch(s, b, held, res)))
        die("append", rc);
    free(b);
    free(res);
}

/* A CSV of PUB_ROWS rows of the national node's own, distinct per run. */
static void write_csv(const char *path, int run)
{
    FILE *f = fopen(path, "w");
    if (!f)
        die(path, 0);
    fprintf(f, "indicator,period,unit,stratum,numerator,denominator\n");
    for (int r = 0; r < PUB_ROWS; r++) {
        char code[32];
        ind_code(code, sizeof code, r % IND);
        fprintf(f, "%s,2030-%02d,u%04d,,%d,%d\n", code, 1 + run % 12, r / IND, 30 + r % 50,
                100 + r % 400);
    }
    if (fclose(f))
        die(path, 0);
}

static double du_bytes(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (double)st.st_blocks * 512.0 : 0;
}

typedef struct {
    uint64_t records;
    double lib_status, lib_defs, lib_pol;
    double pub_big, pub_empty, pub_ratio, pub_ratio_cpu;
    cost status, ind_list, pol_show, bench, rollup, report, backup, verify;
    double bytes_backup, bytes_file;
} stage;

static void print_cost(const char *what, cost c, double per)
{
    printf("  %-28s %9.1f ms wall %9.1f ms CPU", what, c.wall * 1e3, c.cpu * 1e3);
    if (per > 0)
        printf("   %7.3f us/record (wall) over %.0f", c.wall * 1e6 / per, per);
    printf("\n");
}

static void measure(stage *st, const char *big, const char *empty, int orgs, int stage_no)
{
    char csv[128], out[128];
    uint64_t feeds = 0;
    hln_node *n = NULL;
    char err[256];
    int rc = hln_node_open(big, HLN_NODE_RDONLY, &n, err, sizeof err);
    if (rc || (rc = hln_store_counts(hln_node_store(n), &feeds, &st->records)))
        die("open", rc);
    hln_node_close(&n);
    printf("stage %d: %d organizations, %llu records in %llu feeds\n", stage_no, orgs,
           (unsigned long long)st->records, (unsigned long long)feeds);

    /* Publish 10k rows: big, empty, alternately. */
    double pb[3], pe[3], cb[3], ce[3];
    for (int k = 0; k < 3; k++) {
        snprintf(csv, sizeof csv, "%s/pub-%d-%d.csv", top, stage_no, k);
        write_csv(csv, stage_no * 3 + k);
        const char *a[] = {"publish", csv, NULL};
        cost x = run_ctl(big, a), y = run_ctl(empty, a);
        pb[k] = x.wall, pe[k] = y.wall, cb[k] = x.cpu, ce[k] = y.cpu;
        unlink(csv);
    }
    qsort(pb, 3, sizeof *pb, cmp_d), qsort(pe, 3, sizeof *pe, cmp_d);
    qsort(cb, 3, sizeof *cb, cmp_d), qsort(ce, 3, sizeof *ce, cmp_d);
    st->pub_big = pb[1], st->pub_empty = pe[1];
    st->pub_ratio = pb[1] / pe[1], st->pub_ratio_cpu = cb[1] / ce[1];
    printf("  publish 10,000 rows: %.3f s into this store, %.3f s into an empty one: %.2fx wall, "
           "%.2fx CPU (%.3f / %.3f s)\n",
           pb[1], pe[1], st->pub_ratio, st->pub_ratio_cpu, cb[1], ce[1]);

    /* The same answers inside one process, without its start: what the
     * indexes cost (the goal is < 10 ms). Median of 5. */
    double lib_status[5], lib_defs[5], lib_pol[5];
    for (int k = 0; k < 5; k++) {
        if ((rc = hln_node_open(big, HLN_NODE_RDONLY, &n, err, sizeof err)))
            die("open", rc);
        uint64_t f2 = 0, r2 = 0;
        uint32_t mc = 0;
        double t0 = now_s();
        json_object *fl = json_object_new_object();
        if ((rc = hln_store_counts(hln_node_store(n), &f2, &r2)) ||
            (rc = hln_node_min_cell(n, 0, &mc)) ||
            (rc = hln_gov_status_flags(n, NULL, 1780000000000ull, fl)))
            die("status", rc);
        json_object_put(fl);
        double t1 = now_s();
        hln_node_def *defs = NULL;
        size_t nd = 0;
        if ((rc = hln_node_definitions(n, &defs, &nd)))
            die("definitions", rc);
        free(defs);
        double t2 = now_s();
        hln_trust *t = NULL;
        if ((rc = hln_gov_trust_load_policy(n, &t))) /* as hlnctl policy show */
            die("trust", rc);
        (void)hln_trust_policy_min_cell(t, "CA", 11);
        hln_trust_destroy(&t);
        double t3 = now_s();
        lib_status[k] = t1 - t0, lib_defs[k] = t2 - t1, lib_pol[k] = t3 - t2;
        hln_node_close(&n);
    }
    qsort(lib_status, 5, sizeof(double), cmp_d), qsort(lib_defs, 5, sizeof(double), cmp_d);
    qsort(lib_pol, 5, sizeof(double), cmp_d);
    st->lib_status = lib_status[2], st->lib_defs = lib_defs[2], st->lib_pol = lib_pol[2];
    printf("  in process (no process start): status %.2f ms, indicator list %.2f ms, policy show "
           "%.2f ms\n",
           st->lib_status * 1e3, st->lib_defs * 1e3, st->lib_pol * 1e3);
    const char *s_help[] = {"help", NULL};
    print_cost("hlnctl help (process start)", median_ctl(big, s_help, 5), 0);

    const char *s_status[] = {"status", NULL}, *s_ind[] = {"indicator", "list", NULL},
               *s_pol[] = {"policy", "show", NULL};
    st->status = median_ctl(big, s_status, 5);
    st->ind_list = median_ctl(big, s_ind, 5);
    st->pol_show = median_ctl(big, s_pol, 5);
    print_cost("status", st->status, 0);
    print_cost("indicator list", st->ind_list, 0);
    print_cost("policy show", st->pol_show, 0);
    cost base = median_ctl(empty, s_status, 5);
    print_cost("status (empty node)", base, 0);
    if (answers_only) {
        fflush(stdout);
        return;
    }

    const char *s_bench[] = {"bench", "ctry.ind-07", "--period", "2026-05", "--group", "CA", NULL};
    st->bench = median_ctl(big, s_bench, 3);
    print_cost("bench, group CA", st->bench, orgs);
    const char *s_roll[] = {"rollup", "ctry.ind-07", "--period", "2026-05", NULL};
    st->rollup = median_ctl(big, s_roll, 3);
    print_cost("rollup", st->rollup, orgs);
    snprintf(out, sizeof out, "%s/report-%d", top, stage_no);
    const char *s_rep[] = {"report", "--html", out, "--period", "2026-05", NULL};
    st->report = run_ctl(big, s_rep);
    print_cost("report, one period", st->report, (double)orgs * IND);
    snprintf(out, sizeof out, "%s/backup-%d", top, stage_no);
    const char *s_bak[] = {"backup", out, "--no-verify", NULL};
    st->backup = run_ctl(big, s_bak);
    print_cost("backup", st->backup, (double)st->records);
    char f[200];
    snprintf(f, sizeof f, "%s/data.mdb", out);
    st->bytes_backup = du_bytes(f) / (double)st->records;
    snprintf(f, sizeof f, "%s/store/data.mdb", big);
    st->bytes_file = du_bytes(f) / (double)st->records;
    const char *s_ver[] = {"verify", NULL};
    st->verify = run_ctl(big, s_ver);
    print_cost("verify", st->verify, (double)st->records);
    printf("  bytes per record: %.0f compacted (backup), %.0f in data.mdb\n", st->bytes_backup,
           st->bytes_file);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s/backup-%d %s/report-%d", top, stage_no, top, stage_no);
    if (system(cmd) != 0)
        fprintf(stderr, "perf_country: could not clean up\n");
    fflush(stdout);
}

static void growth(const char *what, double a, double b, double ra, double rb)
{
    /* per-record growth: the cost per record at the last stage over the
     * first; the inputs are CPU seconds (wall time on a shared machine
     * follows the load more than the store) */
    printf("  %-22s x%.2f total, x%.2f per record\n", what, a > 0 ? b / a : 0,
           (a > 0 && rb > 0) ? (b / rb) / (a / ra) : 0);
}

int main(int argc, char **argv)
{
    (void)argc;
    char self[PATH_MAX];
    ssize_t l = readlink("/proc/self/exe", self, sizeof self - 1);
    if (l <= 0)
        die("readlink", 0);
    self[l] = 0;
    /* HLN_PERF_HLNCTL: another build's hlnctl, to compare before and after. */
    if (getenv("HLN_PERF_HLNCTL"))
        snprintf(hlnctl, sizeof hlnctl, "%s", getenv("HLN_PERF_HLNCTL"));
    else
        snprintf(hlnctl, sizeof hlnctl, "%s/../hlnctl", dirname(self));
    (void)argv;
    if (getenv("HLN_PERF_PERIODS")) {
        PER = atoi(getenv("HLN_PERF_PERIODS"));
        if (PER < 1 || PER > PER_MAX)
            die("HLN_PERF_PERIODS: 1 to 20", HLN_EINVAL);
    }
    answers_only = getenv("HLN_PERF_ANSWERS_ONLY") != NULL;
    if (access(hlnctl, X_OK) != 0)
        die(hlnctl, 0);
    if (hln_crypto_init() || !mkdtemp(top))
        die("init", 0);
    const char *spec = getenv("HLN_PERF_ORGS") ? getenv("HLN_PERF_ORGS") : "1000,2000";
    int sizes[8], nsizes = 0;
    for (const char *p = spec; *p && nsizes < 8;) {
        sizes[nsizes] = atoi(p);
        if (sizes[nsizes] <= 0 || (nsizes && sizes[nsizes] <= sizes[nsizes - 1]))
            die("HLN_PERF_ORGS: increasing counts such as 1000,2000", HLN_EINVAL);
        nsizes++;
        p = strchr(p, ',');
        if (!p)
            break;
        p++;
    }
    char big[128], empty[128];
    snprintf(big, sizeof big, "%s/national", top);
    snprintf(empty, sizeof empty, "%s/empty", top);
    hln_node *nat = make_national(big), *e = make_national(empty);
    hln_node_close(&e);
    printf("perf_country: %d indicators x %d periods per organization; store in %s\n", IND, PER,
           top);
    stage st[8];
    memset(st, 0, sizeof st);
    int done = 0;
    for (int k = 0; k < nsizes; k++) {
        double t0 = now_s();
        grow_country(nat, done, sizes[k]);
        printf("built %d organizations more in %.1f s\n", sizes[k] - done, now_s() - t0);
        done = sizes[k];
        hln_node_close(&nat);
        measure(&st[k], big, empty, sizes[k], k + 1);
        char err[256];
        int rc = hln_node_open(big, 0, &nat, err, sizeof err);
        if (rc)
            die(err, rc);
    }
    hln_node_close(&nat);
    if (nsizes > 1) {
        stage *a = &st[0], *b = &st[nsizes - 1];
        double ra = (double)a->records, rb = (double)b->records;
        printf("growth (CPU) from %llu to %llu records (x%.2f):\n", (unsigned long long)a->records,
               (unsigned long long)b->records, rb / ra);
        growth("publish 10k (CPU ratio)", a->pub_ratio_cpu, b->pub_ratio_cpu, 1, 1);
        growth("status", a->status.cpu, b->status.cpu, 1, 1);
        growth("status, in process", a->lib_status, b->lib_status, 1, 1);
        growth("policy show, in process", a->lib_pol, b->lib_pol, 1, 1);
        growth("indicator list", a->ind_list.cpu, b->ind_list.cpu, 1, 1);
        growth("bench", a->bench.cpu, b->bench.cpu, ra, rb);
        growth("rollup", a->rollup.cpu, b->rollup.cpu, ra, rb);
        growth("report", a->report.cpu, b->report.cpu, ra, rb);
        growth("backup", a->backup.cpu, b->backup.cpu, ra, rb);
        growth("verify", a->verify.cpu, b->verify.cpu, ra, rb);
        growth("bytes", a->bytes_backup * ra, b->bytes_backup * rb, ra, rb);
    }
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", top);
    if (!getenv("HLN_PERF_KEEP") && system(cmd) != 0)
        fprintf(stderr, "perf_country: could not remove %s\n", top);
    return 0;
}
