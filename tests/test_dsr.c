/* test_dsr.c - directly standardised rates (Dobson) and indirectly standardised ratios
 * (Byar's / exact) against PHEindicatormethods' published test data (tests/data/phe/). */
/* cmocka needs these headers first, in this order */
/* clang-format off */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
/* clang-format on */

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/err.h"
#include "node/bench.h"
#include "node/bench_dsr.h"
#include "node/dsr.h"
#include "tests/bench_fixture.h"

static void near(double got, double want, double rel, const char *what)
{
    if (!(fabs(got - want) <= rel * fabs(want)))
        fail_msg("%s: got %.17g, want %.17g", what, got, want);
}

static size_t split(char *line, char **f, size_t max)
{
    size_t n = 0;
    line[strcspn(line, "\r\n")] = '\0';
    for (char *p = line; n < max;) {
        f[n++] = p;
        char *c = strchr(p, ',');
        if (!c)
            break;
        *c = '\0';
        p = c + 1;
    }
    return n;
}

typedef struct {
    char area[32];
    size_t k;
    uint64_t x[19], n[19], rx[19], rn[19];
} area;

/* Read the areas of a PHE file: area,ageband,count,pop[,refcount,refpop]. */
static size_t read_areas(const char *path, area *a, size_t cap)
{
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    char line[256], *fld[8];
    size_t na = 0;
    assert_non_null(fgets(line, sizeof line, f));
    while (fgets(line, sizeof line, f)) {
        size_t nf = split(line, fld, 8);
        assert_true(nf >= 4);
        if (na == 0 || strcmp(a[na - 1].area, fld[0])) {
            assert_true(na < cap);
            memset(&a[na], 0, sizeof a[na]);
            snprintf(a[na].area, sizeof a[na].area, "%s", fld[0]);
            na++;
        }
        area *c = &a[na - 1];
        assert_true(c->k < 19);
        c->x[c->k] = strtoull(fld[2], NULL, 10);
        c->n[c->k] = strtoull(fld[3], NULL, 10);
        if (nf >= 6) {
            c->rx[c->k] = strtoull(fld[4], NULL, 10);
            c->rn[c->k] = strtoull(fld[5], NULL, 10);
        }
        c->k++;
    }
    fclose(f);
    return na;
}

static void esp2013_sums_to_100000(void **state)
{
    (void)state;
    uint32_t s = 0;
    for (int i = 0; i < HLN_DSR_ESP2013_BANDS; i++)
        s += hln_dsr_esp2013[i];
    assert_int_equal(s, 100000);
    assert_string_equal(hln_dsr_esp2013_strata[18], "age=90-plus");
}

/* testresults_DSR: per 100,000 with esp2013, 95% and 99.8% Dobson limits;
 * "dsr NA for total count < 10" for testdata_tiny. */
static void dsr_matches_calculate_dsr(void **state)
{
    (void)state;
    area a[4];
    assert_int_equal(read_areas("tests/data/phe/dsr_multiarea.csv", a, 4), 3);
    struct {
        const char *area;
        uint64_t o, p;
        double v, l95, u95, l998, u998;
    } want[] = {
        {"testdata_big", 895, 8970, 10430.247991469423, 9717.709067985681, 11178.94091547925,
         9323.2878802199029, 11620.595999522058},
        {"testdata_small", 91, 8970, 1103.212025300104, 877.455767536709, 1367.0882227251795,
         763.64203579398793, 1530.0328948244762},
    };
    double w[19];
    for (int i = 0; i < 19; i++)
        w[i] = hln_dsr_esp2013[i];
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(a[i].k, 19);
        hln_dsr_stats s;
        assert_int_equal(hln_dsr_compute(19, a[i].x, a[i].n, w, &s), 0);
        double lo, hi;
        if (i == 2) { /* testdata_tiny: 9 events, no DSR */
            assert_int_equal(s.events, 9);
            assert_int_equal(hln_dsr_dobson(&s, 0.95, &lo, &hi), HLN_EINVAL);
            continue;
        }
        assert_string_equal(a[i].area, want[i].area);
        assert_int_equal(s.events, want[i].o);
        assert_int_equal(s.population, want[i].p);
        near(s.dsr * 100000, want[i].v, 1e-12, "dsr");
        assert_int_equal(hln_dsr_dobson(&s, 0.95, &lo, &hi), 0);
        near(lo * 100000, want[i].l95, 1e-9, "lower 95");
        near(hi * 100000, want[i].u95, 1e-9, "upper 95");
        assert_int_equal(hln_dsr_dobson(&s, 0.998, &lo, &hi), 0);
        near(lo * 100000, want[i].l998, 1e-9, "lower 99.8");
        near(hi * 100000, want[i].u998, 1e-9, "upper 99.8");
        printf("%s: DSR %.10f (%.10f - %.10f) per 100,000\n", a[i].area, s.dsr * 100000,
               lo * 100000, hi * 100000);
    }
}

/* testresults_ISR, "indirectly standardised ratio x 1": Byar's for 895 and
 * 91 observed, exact for 9. */
static void isr_matches_calculate_isratio(void **state)
{
    (void)state;
    area a[4];
    assert_int_equal(read_areas("tests/data/phe/isr_multiarea.csv", a, 4), 3);
    const double want[3][5] = {
        {835.88356123117433, 1.0707232939020275, 1.0017147712553987, 1.1432332872498949,
         1.1860070415876287},
        {835.88356123117433, 0.10886683770400503, 8.765040101829405E-2, 0.13366576328418911,
         0.14897920510466744},
        {835.88356123117433, 1.0767049882813684E-2, 4.9233808250957762E-3, 2.043921455549973E-2,
         2.7105896514690211E-2},
    };
    const double lo998[3] = {0.96351556196144372, 7.6954255283921108E-2, 2.9339306550682617E-3};
    for (size_t i = 0; i < 3; i++) {
        hln_dsr_isr_out o;
        assert_int_equal(hln_dsr_isr(a[i].k, a[i].x, a[i].n, a[i].rx, a[i].rn, 0.95, &o), 0);
        near(o.expected, want[i][0], 1e-12, "expected");
        near(o.ratio, want[i][1], 1e-12, "ratio");
        near(o.lo, want[i][2], 1e-9, "isr lower 95");
        near(o.hi, want[i][3], 1e-9, "isr upper 95");
        assert_int_equal(hln_dsr_isr(a[i].k, a[i].x, a[i].n, a[i].rx, a[i].rn, 0.998, &o), 0);
        near(o.lo, lo998[i], 1e-9, "isr lower 99.8");
        near(o.hi, want[i][4], 1e-9, "isr upper 99.8");
    }
}

static void refusals_and_standard_files(void **state)
{
    (void)state;
    uint64_t x[2] = {1, 2}, n[2] = {10, 0};
    double w[2] = {1, 1};
    hln_dsr_stats s;
    assert_int_equal(hln_dsr_compute(2, x, n, w, &s), HLN_EINVAL);
    char strata[16][65], err[128];
    uint32_t wt[16];
    size_t cnt = 0;
    const char *good = "# a standard\nage=0-14,20000\r\nage=15-64,65000\n\nage=65-plus,15000\n";
    assert_int_equal(hln_dsr_parse_standard(good, strlen(good), strata, wt, 16, &cnt, err,
                                            sizeof err),
                     0);
    assert_int_equal(cnt, 3);
    assert_string_equal(strata[2], "age=65-plus");
    assert_int_equal(wt[1], 65000);
    const char *bad[] = {"age=0-14\n", "age=0-14,-1\n", "AGE,1\n", "a,1\na,2\n", "", "a,1x\n"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(hln_dsr_parse_standard(bad[i], strlen(bad[i]), strata, wt, 16, &cnt,
                                                err, sizeof err),
                         HLN_EINVAL);
}

/* Byar's limits written out (PHEindicatormethods' byars_lower / byars_upper) */
static double byar_lo(double o, double z)
{
    return o * pow(1 - 1 / (9 * o) - z / (3 * sqrt(o)), 3);
}

static double byar_hi(double o, double z)
{
    return (o + 1) * pow(1 - 1 / (9 * (o + 1)) + z / (3 * sqrt(o + 1)), 3);
}

static const char *phe_label(hln_stats_place p)
{
    return p == HLN_PLACE_HIGH998  ? "High (0.001)"
           : p == HLN_PLACE_HIGH95 ? "High (0.025)"
           : p == HLN_PLACE_LOW998 ? "Low (0.001)"
           : p == HLN_PLACE_LOW95  ? "Low (0.025)"
                                   : "Not significant";
}

/* PHEindicatormethods' own test of its DSR funnel (testdata_funnel_rate_dsr_inputs.csv,
 * phe_funnel_significance(rate_type = "dsr"), per 100,000, the row of 0 events left
 * out): every one of the 39 areas gets PHE's significance. */
static void dsr_funnel_matches_phe_significance(void **state)
{
    (void)state;
    FILE *f = fopen("tests/data/phe/dsr_funnel.csv", "r");
    assert_non_null(f);
    char line[256], *fld[4], want[40][32];
    hln_dsr_stats u[40];
    size_t k = 0;
    assert_non_null(fgets(line, sizeof line, f));
    while (fgets(line, sizeof line, f)) {
        assert_int_equal(split(line, fld, 4), 3);
        assert_true(k < 40);
        memset(&u[k], 0, sizeof u[k]);
        u[k].events = strtoull(fld[0], NULL, 10);
        u[k].dsr = strtod(fld[1], NULL) / 100000;
        snprintf(want[k++], sizeof want[0], "%s", fld[2]);
    }
    fclose(f);
    assert_int_equal(k, 39);
    double target, o = 0, d = 0;
    assert_int_equal(hln_dsr_funnel_target(u, k, &target), 0);
    for (size_t i = 0; i < k; i++)
        o += (double)u[i].events, d += (double)u[i].events / u[i].dsr;
    near(target, o / d, 1e-15, "target");
    near(target * 100000, 704.900470331713, 1e-12, "target per 100,000");
    size_t flagged = 0;
    for (size_t i = 0; i < k; i++) {
        hln_stats_limits l;
        assert_int_equal(hln_dsr_funnel(target, u[i].events, &l), 0);
        double ev = (double)u[i].events;
        near(l.hi95, target * ev / byar_lo(ev, HLN_STATS_Z95), 1e-13, "hi95");
        near(l.lo998, target * ev / byar_hi(ev, HLN_STATS_Z998), 1e-13, "lo998");
        const char *got = phe_label(hln_stats_place_of(u[i].dsr, &l));
        if (strcmp(got, want[i]))
            fail_msg("area %zu (%llu events): %s, PHE says %s", i, (unsigned long long)u[i].events,
                     got, want[i]);
        flagged += strcmp(got, "Not significant") != 0;
    }
    assert_int_equal(flagged, 32);
    assert_int_equal(hln_dsr_funnel(target, 0, &(hln_stats_limits){0}), HLN_EINVAL);
    u[0].dsr = 0;
    assert_int_equal(hln_dsr_funnel_target(u, k, &target), HLN_EINVAL);
}

/* The group's DSR from the units' statistics equals the DSR of the pooled
 * band counts when the age structures match; otherwise it approximates it. */
static void dsr_pool_exact_with_one_age_structure(void **state)
{
    (void)state;
    const double w[3] = {20, 50, 30};
    const uint64_t xa[3] = {5, 12, 30}, na[3] = {1000, 2000, 3000};
    const uint64_t xb[3] = {4, 3, 20}, nb[3] = {500, 1000, 1500};   /* A's structure, half */
    const uint64_t xc[3] = {30, 12, 5}, nc[3] = {3000, 2000, 1000}; /* younger */
    hln_dsr_stats u[2], pool, whole;
    assert_int_equal(hln_dsr_compute(3, xa, na, w, &u[0]), 0);
    assert_int_equal(hln_dsr_compute(3, xb, nb, w, &u[1]), 0);
    assert_int_equal(hln_dsr_pool(u, 2, &pool), 0);
    /* by hand: bands 9/1500, 15/3000, 50/4500;
     * DSR = (20*9/1500 + 50*15/3000 + 30*50/4500) / 100 = 0.0070333...;
     * var = (9*(20/1500)^2 + 15*(50/3000)^2 + 50*(30/4500)^2) / 100^2 = 7.98888...e-7 */
    assert_int_equal(pool.events, 74);
    assert_int_equal(pool.population, 9000);
    near(pool.dsr, (0.12 + 0.25 + 1.0 / 3) / 100, 1e-14, "pooled DSR");
    near(pool.var, (9 * pow(20.0 / 1500, 2) + 15 * pow(50.0 / 3000, 2) + 50 * pow(30.0 / 4500, 2)) /
                       1e4, 1e-13, "pooled variance");
    const uint64_t xs[3] = {9, 15, 50}, ns[3] = {1500, 3000, 4500};
    assert_int_equal(hln_dsr_compute(3, xs, ns, w, &whole), 0);
    near(pool.dsr, whole.dsr, 1e-14, "= DSR of the pooled bands");
    /* another structure: an approximation, and a visibly different one */
    assert_int_equal(hln_dsr_compute(3, xc, nc, w, &u[1]), 0);
    assert_int_equal(hln_dsr_pool(u, 2, &pool), 0);
    const uint64_t xs2[3] = {35, 24, 35}, ns2[3] = {4000, 4000, 4000};
    assert_int_equal(hln_dsr_compute(3, xs2, ns2, w, &whole), 0);
    /* by hand: A .007 and C (20 x .01 + 50 x .006 + 30 x .005) / 100 = .0065, half each:
     * .00675; the pooled bands 35/4000, 24/4000, 35/4000 give .007375 */
    near(pool.dsr, 0.00675, 1e-14, "population-weighted");
    near(whole.dsr, 0.007375, 1e-14, "pooled bands");
    assert_int_equal(hln_dsr_pool(u, 0, &pool), HLN_EINVAL);
}

static uint64_t bits(double d)
{
    uint64_t b;
    memcpy(&b, &d, sizeof b);
    return b;
}

/* bench over signed DSR observations: the pooled DSR, PHE's funnel and places. */
static void bench_places_dsrs_on_phe_funnel(void **state)
{
    (void)state;
    hln_store *s = fx_new_store();
    fx_feed a;
    fx_feed_open(&a, 7, "CA");
    const struct {
        const char *unit;
        uint64_t o, p;
        double dsr, var;
    } us[] = {{"a", 100, 10000, 0.01, 1e-6}, {"b", 50, 10000, 0.005, 5e-7},
              {"c", 400, 20000, 0.025, 1e-6}, {"d", 9, 5000, 0, 0}};
    for (size_t i = 0; i < 4; i++) {
        uint64_t ex[2] = {bits(us[i].dsr), bits(us[i].var)};
        fx_obs_extra(s, &a, "phof.mortality", "2025", us[i].unit, "", us[i].o, us[i].p,
                     us[i].o >= 10 ? 2 : 0, ex, NULL);
    }
    hln_indicator ind = fx_indicator("phof.mortality", HLN_KIND_DSR, 100000, 1);
    hln_bench_query q = {.indicator = &ind, .period = "2025", .method = -1};
    hln_bench_result *r = NULL;
    assert_int_equal(hln_bench_run(s, &q, &r), 0);
    assert_int_equal(r->n_units, 3);
    assert_int_equal(r->n_too_few, 1);
    assert_true(r->has_stats);
    /* pooled: P = 40000; DSR = .25 x .01 + .25 x .005 + .5 x .025 = .01625;
     * var = .0625 x 1e-6 + .0625 x 5e-7 + .25 x 1e-6 = 3.4375e-7 */
    assert_int_equal(r->dsr_pool.events, 550);
    assert_int_equal(r->dsr_pool.population, 40000);
    near(r->dsr_pool.dsr, 0.01625, 1e-15, "pooled DSR");
    near(r->dsr_pool.var, 3.4375e-7, 1e-14, "pooled var");
    /* target: 550 / (100/.01 + 50/.005 + 400/.025) = 550 / 36000 */
    double t = 550.0 / 36000;
    near(r->summary.theta0, t, 1e-15, "target");
    /* the units' DSRs .005, .01, .025 by R's type 7 (for trends); no ABC */
    near(r->summary.q1, 0.0075, 1e-15, "q1");
    near(r->summary.median, 0.01, 1e-15, "median");
    near(r->summary.q3, 0.0175, 1e-15, "q3");
    assert_true(isnan(r->summary.abc));
    const hln_stats_unit *c = &r->units[2].s, *b = &r->units[1].s, *ua = &r->units[0].s;
    near(c->limits.hi998, t * 400 / byar_lo(400, HLN_STATS_Z998), 1e-13, "c hi998");
    assert_int_equal(c->place_used, HLN_PLACE_HIGH998); /* .025 > .0179 */
    assert_int_equal(c->judgement, -1);                 /* lower is better */
    assert_int_equal(b->place_used, HLN_PLACE_LOW998);  /* .005 < .01005 */
    assert_int_equal(b->judgement, 1);
    hln_stats_place pa = 0.01 < t * 100 / byar_hi(100, HLN_STATS_Z998)  ? HLN_PLACE_LOW998
                         : 0.01 < t * 100 / byar_hi(100, HLN_STATS_Z95) ? HLN_PLACE_LOW95
                                                                         : HLN_PLACE_WITHIN;
    assert_int_equal(ua->place_used, pa);
    char *js = fx_json(r);
    assert_non_null(strstr(js, "\"pooled\":{\"events\":550,\"population\":40000,\"value\":1625,"));
    assert_non_null(strstr(js, "\"funnel\":{\"method\":\"phe-dsr\",\"target\":"));
    assert_non_null(strstr(js, "\"place\":\"high-99.8\",\"compared\":\"worse\""));
    free(js);
    hln_bench_result_destroy(&r);
    hln_identity_destroy(&a.id);
    hln_store_close(&s);
}

/* An isr indicator over the reference of PHE's testdata_multiarea_isr. */
static hln_indicator isr_def(const area *ref)
{
    hln_indicator d = fx_indicator("phof.smr-all", HLN_KIND_ISR, 100, 1);
    snprintf(d.standard, sizeof d.standard, "custom");
    d.n_strata = (uint32_t)ref->k;
    for (size_t i = 0; i < ref->k; i++) {
        snprintf(d.strata[i], sizeof d.strata[i], "age=b%02zu", i);
        d.ref_events[i] = ref->rx[i];
        d.ref_pop[i] = ref->rn[i];
    }
    return d;
}

/* kind isr end to end: each unit signs only O and E (from its band counts and
 * the indicator's reference), bench gives calculate_ISRatio's ratio x 100 with
 * its limits, a quarter adds O and E over its months. */
static void isr_bench_matches_calculate_isratio(void **state)
{
    (void)state;
    area a[4];
    assert_int_equal(read_areas("tests/data/phe/isr_multiarea.csv", a, 4), 3);
    hln_indicator ind = isr_def(&a[0]);
    hln_store *s = fx_new_store();
    fx_feed f;
    fx_feed_open(&f, 8, "GB");
    const char *units[3] = {"big", "small", "tiny"};
    for (size_t i = 0; i < 3; i++) {
        hln_observation o;
        assert_int_equal(hln_bench_isr_observation(&ind, a[i].x, a[i].n, &o), 0);
        assert_int_equal(o.denominator, 835883561); /* 835.88356123117433 expected, in millionths */
        assert_int_equal(o.n_extra, 0);             /* no band count leaves the node */
        fx_obs(s, &f, ind.code, "2025", units[i], "", o.numerator, o.denominator, false, NULL);
        static const char *const q1[3] = {"2026-01", "2026-02", "2026-03"};
        for (int m = 0; i == 0 && m < 3; m++) /* big: the same bands in each month of Q1 */
            fx_obs(s, &f, ind.code, q1[m], units[i], "", o.numerator, o.denominator, false, NULL);
    }
    hln_bench_query q = {.indicator = &ind, .period = "2025", .method = -1};
    hln_bench_result *r = NULL;
    assert_int_equal(hln_bench_run(s, &q, &r), 0);
    assert_int_equal(r->n_units, 3);
    /* testresults_ISR, "indirectly standardised ratio x 100" */
    const double want[3][5] = {
        {107.07232939020275, 100.17147712553987, 114.32332872498949, 96.351556196144372,
         118.60070415876287},
        {10.886683770400502, 8.7650401018294044, 13.366576328418912, 7.6954255283921107,
         14.897920510466744},
        {1.0767049882813684, 0.49233808250957761, 2.043921455549973, 0.2933930655068262,
         2.7105896514690211},
    };
    const hln_stats_place places[3] = {HLN_PLACE_HIGH95, HLN_PLACE_LOW998, HLN_PLACE_LOW998};
    for (size_t i = 0; i < 3; i++) {
        const hln_stats_unit *v = NULL;
        for (size_t j = 0; j < r->n_units; j++)
            if (!strcmp(r->units[j].unit, units[i]))
                v = &r->units[j].s;
        assert_non_null(v);
        near(v->value * 100, want[i][0], 1e-9, "ratio x 100");
        near(v->ci95.lo * 100, want[i][1], 1e-9, "lower 95");
        near(v->ci95.hi * 100, want[i][2], 1e-9, "upper 95");
        near(v->ci998.lo * 100, want[i][3], 1e-9, "lower 99.8");
        near(v->ci998.hi * 100, want[i][4], 1e-9, "upper 99.8");
        assert_int_equal(v->place_used, places[i]); /* PHE: the interval against 1 */
    }
    /* pooled: 995 observed over 3 x 835.883561 expected */
    near(r->summary.theta0, 995 / (3 * 835.883561), 1e-15, "pooled ratio");
    char *js = fx_json(r);
    assert_non_null(strstr(js, "\"kind\":\"isr\""));
    assert_non_null(strstr(js, "\"funnel\":{\"method\":\"phe-ratio\",\"target\":100}"));
    free(js);
    hln_bench_result_destroy(&r);
    /* the quarter: O and E add over the months, so the ratio is big's */
    q.period = "2026-Q1";
    assert_int_equal(hln_bench_run(s, &q, &r), 0);
    assert_int_equal(r->n_units, 1);
    assert_int_equal(r->units[0].parts, 3);
    assert_int_equal(r->units[0].s.x, 3 * 895);
    assert_int_equal(r->units[0].s.n, 3 * 835883561ull);
    near(r->units[0].s.value * 100, 107.07232939020275, 1e-9, "quarter ratio");
    hln_bench_result_destroy(&r);
    /* refusals: a reference band without population; not an isr */
    uint64_t e;
    uint64_t zero[1] = {0}, one[1] = {1};
    assert_int_equal(hln_dsr_isr_expected(1, one, one, zero, &e), HLN_EINVAL);
    ind.kind = HLN_KIND_DSR;
    hln_observation o;
    assert_int_equal(hln_bench_isr_observation(&ind, a[0].x, a[0].n, &o), HLN_EINVAL);
    char strata[24][65], err[160];
    uint64_t ev[24], pop[24];
    size_t cnt = 0;
    const char *good = "age=0-4,10303,50520\nage=5-9,0,7\n";
    assert_int_equal(hln_dsr_parse_reference(good, strlen(good), strata, ev, pop, 24, &cnt, err,
                                             sizeof err),
                     0);
    assert_true(cnt == 2 && ev[0] == 10303 && pop[1] == 7);
    const char *bad[] = {"age=0-4,1\n", "age=0-4,1,0\n", "age=0-4,1,2,3\n", "age=0-4,-1,2\n",
                         "AGE,1,2\n"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(hln_dsr_parse_reference(bad[i], strlen(bad[i]), strata, ev, pop, 24,
                                                 &cnt, err, sizeof err),
                         HLN_EINVAL);
    hln_identity_destroy(&f.id);
    hln_store_close(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(esp2013_sums_to_100000),
        cmocka_unit_test(dsr_matches_calculate_dsr),
        cmocka_unit_test(isr_matches_calculate_isratio),
        cmocka_unit_test(refusals_and_standard_files),
        cmocka_unit_test(dsr_funnel_matches_phe_significance),
        cmocka_unit_test(dsr_pool_exact_with_one_age_structure),
        cmocka_unit_test(bench_places_dsrs_on_phe_funnel),
        cmocka_unit_test(isr_bench_matches_calculate_isratio),
    };
    return cmocka_run_group_tests(tests, fx_setup, fx_teardown);
}
