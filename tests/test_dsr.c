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
#include "node/dsr.h"

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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(esp2013_sums_to_100000),
        cmocka_unit_test(dsr_matches_calculate_dsr),
        cmocka_unit_test(isr_matches_calculate_isratio),
        cmocka_unit_test(refusals_and_standard_files),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
