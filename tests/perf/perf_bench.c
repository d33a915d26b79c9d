/* perf_bench.c - benchmark speed: 100 indicators x 12 periods x 1,000 units, and a refresh. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "crypto/crypto.h"
#include "crypto/err.h"
#include "node/bench.h"
#include "store/store.h"

#define AUTHORS 100
#define BATCH 2000

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* CPU time of this process: other work on a shared machine does not count. */
static double cpu(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static uint64_t rng = 0x9e3779b97f4a7c15ull;
static double uniform(void)
{
    rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17; /* xorshift64: reproducible data */
    return (double)(rng >> 11) / 9007199254740992.0;
}

typedef struct {
    hln_identity *id;
    uint64_t seq;
    uint8_t prev[HLN_HASH_LEN];
} feed;

static int env_int(const char *name, int dflt)
{
    const char *v = getenv(name);
    return v && atoi(v) > 0 ? atoi(v) : dflt;
}

static void make_indicator(hln_indicator *d, int i)
{
    memset(d, 0, sizeof *d);
    snprintf(d->code, sizeof d->code, "perf.indicator-%03d", i);
    d->kind = i % 10 == 9 ? 1 : 0; /* one in ten is a rate per 1,000 */
    d->multiplier = d->kind ? 1000 : 1;
    d->direction = (uint32_t)(i % 2);
    d->method = (uint32_t)(i % 3 == 2);
}

static void make_obs(hln_record *r, feed *f, const hln_indicator *d, const char *period, int unit,
                     double base, uint64_t ts)
{
    f->seq++;
    hln_record_init(r, HLN_REC_OBSERVATION, hln_identity_pk(f->id), "CA", f->seq,
                    f->seq > 1 ? f->prev : NULL, ts);
    hln_observation *o = &r->body.observation;
    snprintf(o->indicator, sizeof o->indicator, "%s", d->code);
    snprintf(o->period, sizeof o->period, "%s", period);
    snprintf(o->unit, sizeof o->unit, "unit-%04d", unit);
    uint64_t n = d->kind ? 1000 + (uint64_t)(uniform() * 20000) : 30 + (uint64_t)(uniform() * 1500);
    double p = base * (0.7 + 0.6 * uniform()); /* real differences between units */
    double x = n * p + sqrt(n * p) * (uniform() - 0.5) * 2;
    if (x < 0)
        x = 0;
    if (!d->kind && x > (double)n)
        x = (double)n;
    o->numerator = (uint64_t)x;
    o->denominator = n;
}

static int seal(hln_record *r, feed *f)
{
    char err[128];
    int rc = hln_record_seal(r, f->id, err, sizeof err);
    if (rc) {
        fprintf(stderr, "perf_bench: seal: %s\n", err);
        return rc;
    }
    memcpy(f->prev, r->id, HLN_HASH_LEN);
    return 0;
}

static int count_cb(void *ctx, const hln_obs_entry *e)
{
    (void)e;
    ++*(size_t *)ctx;
    return 0;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(void)
{
    int n_ind = env_int("HLN_PERF_INDICATORS", 100), n_per = env_int("HLN_PERF_PERIODS", 12);
    if (n_per > 12)
        n_per = 12;
    int n_units = env_int("HLN_PERF_UNITS", 1000);
    int units_per_author = (n_units + AUTHORS - 1) / AUTHORS;
    char dir[] = "/tmp/hln-perf-bench-XXXXXX";
    if (hln_crypto_init() || !mkdtemp(dir))
        return 1;
    hln_store *s = NULL;
    int rc = hln_store_open(dir, 0, &s);
    if (rc) {
        fprintf(stderr, "perf_bench: open: %s\n", hln_strerror(rc));
        return 1;
    }
    feed *feeds = calloc(AUTHORS, sizeof *feeds);
    hln_record *batch = malloc(BATCH * sizeof *batch);
    int *results = malloc(BATCH * sizeof *results);
    hln_indicator *inds = malloc((size_t)n_ind * sizeof *inds);
    if (!feeds || !batch || !results || !inds)
        return 1;
    for (int a = 0; a < AUTHORS; a++) {
        uint8_t seed[32] = {0};
        seed[0] = (uint8_t)a, seed[1] = 0x5a;
        feeds[a].id = hln_identity_from_seed(seed);
    }
    for (int i = 0; i < n_ind; i++)
        make_indicator(&inds[i], i);

    /* Build: every author publishes its units' observations, batch by batch. */
    double t0 = now();
    size_t held = 0, total = (size_t)n_ind * (size_t)n_per * (size_t)n_units;
    uint64_t ts = 1780000000000ull;
    for (int i = 0; i < n_ind; i++) {
        double base = inds[i].kind ? 0.004 : 0.15 + 0.7 * uniform();
        for (int p = 0; p < n_per; p++) {
            char period[16];
            snprintf(period, sizeof period, "2026-%02d", p + 1);
            for (int u = 0; u < n_units; u++) {
                feed *f = &feeds[u / units_per_author];
                make_obs(&batch[held % BATCH], f, &inds[i], period, u, base, ts++);
                if ((rc = seal(&batch[held % BATCH], f)))
                    return 1;
                held++;
                if (held % BATCH == 0 || held == total) {
                    size_t n = held % BATCH ? held % BATCH : BATCH;
                    if ((rc = hln_store_append_batch(s, batch, n, results))) {
                        fprintf(stderr, "perf_bench: append: %s\n", hln_strerror(rc));
                        return 1;
                    }
                    for (size_t k = 0; k < n; k++)
                        if (results[k]) {
                            fprintf(stderr, "perf_bench: record %zu: %s\n", k,
                                    hln_strerror(results[k]));
                            return 1;
                        }
                }
            }
        }
    }
    double t_build = now() - t0;
    printf("store: %d indicators x %d periods x %d units = %zu observations, built in %.1f s\n",
           n_ind, n_per, n_units, total, t_build);

    /* Every benchmark, one query per (indicator, period). */
    double t_walk = 0;
    size_t counted = 0;
    t0 = now();
    double c0 = cpu();
    for (int i = 0; i < n_ind; i++)
        for (int p = 0; p < n_per; p++) {
            char period[16];
            snprintf(period, sizeof period, "2026-%02d", p + 1);
            hln_bench_query q = {.indicator = &inds[i], .period = period, .method = -1};
            hln_bench_result *r = NULL;
            if ((rc = hln_bench_run(s, &q, &r))) {
                fprintf(stderr, "perf_bench: run: %s\n", hln_strerror(rc));
                return 1;
            }
            counted += r->n_units;
            hln_bench_result_destroy(&r);
        }
    double t_all = now() - t0, c_all = cpu() - c0;
    /* the same walk with no statistics, to split the time */
    {
        hln_bench_query q = {.indicator = &inds[0], .period = "2026-01", .method = -1};
        double w0 = now();
        for (int k = 0; k < 20; k++) {
            hln_bench_result *r = NULL;
            hln_bench_run(s, &q, &r);
            hln_bench_result_destroy(&r);
        }
        t_walk = (now() - w0) / 20;
    }
    /* the index walk alone, to split the time between the store and the statistics */
    t0 = now();
    size_t walked = 0;
    for (int i = 0; i < n_ind; i++)
        for (int p = 0; p < n_per; p++) {
            char period[16];
            snprintf(period, sizeof period, "2026-%02d", p + 1);
            if (hln_store_foreach_obs(s, inds[i].code, period, "", count_cb, &walked))
                return 1;
        }
    double t_index = now() - t0;
    printf("all benchmarks: %d queries, %zu units counted, %.2f s = %.2f us per observation "
           "(%.2f us CPU; goal < 10)\n",
           n_ind * n_per, counted, t_all, t_all / (double)total * 1e6, c_all / (double)total * 1e6);
    printf("  of which the index walk: %.2f us per observation (%zu entries)\n",
           t_index / (double)total * 1e6, walked);
    printf("one query (proportion, exact limits, %d units): %.2f ms\n", n_units, t_walk * 1e3);

    /* Refresh: one new (corrected) record arrives, its query is run again. */
    double times[20], ctimes[20];
    for (int k = 0; k < 20; k++) {
        int i = (k * 7) % n_ind, u = (k * 37) % n_units;
        char period[16];
        snprintf(period, sizeof period, "2026-%02d", k % n_per + 1);
        feed *f = &feeds[u / units_per_author];
        make_obs(&batch[0], f, &inds[i], period, u, 0.5, ts++);
        if (seal(&batch[0], f) || hln_store_append(s, &batch[0]))
            return 1;
        double r0 = now(), rc0 = cpu();
        hln_bench_query q = {.indicator = &inds[i], .period = period, .method = -1};
        hln_bench_result *r = NULL;
        if (hln_bench_run(s, &q, &r))
            return 1;
        times[k] = now() - r0;
        ctimes[k] = cpu() - rc0;
        hln_bench_result_destroy(&r);
    }
    qsort(times, 20, sizeof times[0], cmp_double);
    qsort(ctimes, 20, sizeof ctimes[0], cmp_double);
    printf("refresh one query after one new record: median %.2f ms, max %.2f ms "
           "(CPU: median %.2f, max %.2f; goal < 10)\n",
           times[10] * 1e3, times[19] * 1e3, ctimes[10] * 1e3, ctimes[19] * 1e3);

    for (int a = 0; a < AUTHORS; a++)
        hln_identity_destroy(&feeds[a].id);
    hln_store_close(&s);
    char cmd[64];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0)
        return 1;
    free(feeds), free(batch), free(results), free(inds);
    return 0;
}
