/* test_cmd_report_analyst.c - the analyst's sections of the report (node/hlnctl/report_analyst.c):
 * downloads with the very bytes of bench --json/--csv, a trend chart, strata side by side, the
 * countries missing from a global page, a quarter reported from months, DSR and mean tables. */
/* cmocka needs these headers first, in this order */
/* clang-format off */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
/* clang-format on */

#include "node/bench.h"
#include "node/equity.h"
#include "node/hlnctl/report.h"
#include "node/node.h"
#include "tests/bench_fixture.h"

#define IND "mhpc.depression-screening"

static fx_feed ca, fr, ke;

static bool juris(void *ctx, const uint8_t author[HLN_KEY_LEN], char out[HLN_SCOPE_MAX + 1])
{
    (void)ctx;
    const fx_feed *f[] = {&ca, &fr, &ke};
    const char *j[] = {"CA", "FR", "KE"};
    for (int i = 0; i < 3; i++)
        if (!memcmp(author, hln_identity_pk(f[i]->id), HLN_KEY_LEN)) {
            snprintf(out, HLN_SCOPE_MAX + 1, "%s", j[i]);
            return true;
        }
    return false;
}

static char *slurp(const char *dir, const char *rel)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, rel);
    char *buf = NULL;
    size_t len = 0;
    if (hln_read_file(path, 1 << 22, &buf, &len) != 0)
        fail_msg("cannot read %s", path);
    return buf;
}

static size_t count(const char *hay, const char *needle)
{
    size_t n = 0;
    for (const char *p = hay; (p = strstr(p, needle)); p++)
        n++;
    return n;
}

typedef int (*wfn)(const void *x, FILE *f);
static int wj(const void *r, FILE *f) { return hln_bench_write_json(r, f); }
static int wc(const void *r, FILE *f) { return hln_bench_write_csv(r, f); }
static int ej(const void *r, FILE *f) { return hln_equity_write_json(r, f); }

static char *bytes_of(wfn w, const void *x)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *mf = open_memstream(&buf, &len);
    assert_int_equal(w(x, mf), 0);
    fclose(mf);
    return buf;
}

static hln_indicator screening(void)
{
    hln_indicator d = fx_indicator(IND, 0, 1, 0);
    strcpy(d.title, "Depression screening");
    d.n_strata = 2;
    strcpy(d.strata[0], "sex=female");
    strcpy(d.strata[1], "sex=male");
    return d;
}

static void global_pages_carry_downloads_trend_strata_and_missing_countries(void **state)
{
    (void)state;
    hln_store *s = fx_new_store();
    fx_feed_open(&ca, 21, "global");
    fx_feed_open(&fr, 22, "global");
    fx_feed_open(&ke, 23, "global");
    /* Kenya reported Q2 only; Canada and France Q2 and Q3, with strata */
    const char *per[] = {"2026-Q2", "2026-Q3"};
    for (int p = 0; p < 2; p++) {
        fx_obs(s, &ca, IND, per[p], "CA", "", 600 + 10 * (uint64_t)p, 1000, false, NULL);
        fx_obs(s, &ca, IND, per[p], "CA", "sex=female", 330, 500, false, NULL);
        fx_obs(s, &ca, IND, per[p], "CA", "sex=male", 270, 500, false, NULL);
        fx_obs(s, &fr, IND, per[p], "FR", "", 450, 900, false, NULL);
        fx_obs(s, &fr, IND, per[p], "FR", "sex=female", 240, 450, false, NULL);
        fx_obs(s, &fr, IND, per[p], "FR", "sex=male", 210, 450, false, NULL);
    }
    fx_obs(s, &ke, IND, "2026-Q2", "KE", "", 200, 500, false, NULL);
    hln_indicator ind = screening();
    hln_report_opts o = {.indicators = &ind,
                         .n_indicators = 1,
                         .jurisdiction = juris,
                         .method = -1,
                         .ci = HLN_CI_WILSON,
                         .own = hln_identity_pk(ca.id)};
    char out[128], err[256] = "";
    snprintf(out, sizeof out, "%s/site", fx_tmpdir);
    assert_int_equal(hln_report_write_html(s, &o, out, NULL, err, sizeof err), 0);
    char *page = slurp(out, IND "/2026-Q3_all.html");
    /* downloads: the bytes of bench --json and --csv for the page's query */
    hln_bench_query q = {.indicator = &ind, .period = "2026-Q3", .group = "all", .method = -1};
    hln_bench_result *r = NULL;
    assert_int_equal(hln_bench_run(s, &q, &r), 0);
    char *want = bytes_of(wj, r), *got = slurp(out, IND "/2026-Q3_all.json");
    assert_string_equal(got, want);
    free(want), free(got);
    want = bytes_of(wc, r), got = slurp(out, IND "/2026-Q3_all.csv");
    assert_string_equal(got, want);
    free(want), free(got);
    hln_bench_result_destroy(&r);
    /* beside the funnel plot and beside the ranking, not in a section of their own */
    assert_int_equal(count(page, "href=\"2026-Q3_all.csv\" download"), 2);
    assert_int_equal(count(page, "href=\"2026-Q3_all.json\" download"), 2);
    assert_null(strstr(page, "This page's figures"));
    assert_true(strstr(page, "id=\"funnel\"") < strstr(page, "href=\"2026-Q3_all.csv\""));
    /* the trend: two periods, this node's unit in orange at each */
    assert_int_equal(count(page, "<svg class=\"trend\""), 1);
    assert_int_equal(count(page, "this node's unit"), 2);
    got = slurp(out, IND "/2026-Q3_all_trend.json");
    assert_non_null(strstr(got, "\"period\":\"2026-Q2\""));
    free(got);
    /* strata side by side, and its download equal to bench --by sex --json */
    assert_int_equal(count(page, "<svg class=\"strata\""), 1);
    hln_equity_result *e = NULL;
    assert_int_equal(hln_equity_run(s, &q, "sex", NULL, &e), 0);
    want = bytes_of(ej, e), got = slurp(out, IND "/2026-Q3_all_by_sex.json");
    assert_string_equal(got, want);
    free(want), free(got);
    hln_equity_destroy(&e);
    assert_non_null(strstr(page, "570 / 950")); /* pooled female: 330 + 240 of 500 + 450 */
    /* every country, Kenya missing for Q3 */
    assert_non_null(strstr(page, "<tr><td>KE</td><td><strong>missing</strong>"));
    assert_non_null(strstr(page, "<tr><td>CA</td><td>reported</td></tr>"));
    assert_non_null(strstr(page, "1 of 3 countries"));
    assert_non_null(strstr(page, "Only 2 units: the funnel limits are not widened"));
    free(page);
    page = slurp(out, IND "/2026-Q2_all.html");
    assert_non_null(strstr(page, "0 of 3 countries"));
    free(page);
    hln_identity_destroy(&ca.id);
    hln_identity_destroy(&fr.id);
    hln_identity_destroy(&ke.id);
    hln_store_close(&s);
}

/* report --period 2026-Q1 on monthly data: the quarter has its page, added up. */
static void a_quarter_of_months_has_its_page(void **state)
{
    (void)state;
    hln_store *s = fx_new_store();
    fx_feed_open(&ca, 24, "global");
    static const char *const months[] = {"2026-01", "2026-02", "2026-03"};
    for (int m = 0; m < 3; m++)
        fx_obs(s, &ca, IND, months[m], "CA", "", 100, 200, false, NULL);
    hln_indicator ind = screening();
    const char *periods[] = {"2026-Q1"};
    hln_report_opts o = {.indicators = &ind, .n_indicators = 1, .periods = periods,
                         .n_periods = 1, .method = -1, .ci = HLN_CI_WILSON};
    char out[128], err[256] = "";
    snprintf(out, sizeof out, "%s/siteq", fx_tmpdir);
    assert_int_equal(hln_report_write_html(s, &o, out, NULL, err, sizeof err), 0);
    char *j = slurp(out, IND "/2026-Q1_all.json");
    assert_non_null(strstr(j, "\"pooled\":{\"numerator\":300,\"denominator\":600"));
    assert_non_null(strstr(j, "\"parts\":3"));
    free(j);
    hln_identity_destroy(&ca.id);
    hln_store_close(&s);
}

/* An isr page: each unit's ratio x 100 with its limits and place, the
 * downloads beside the table. */
static void an_isr_page_shows_ratios_and_downloads(void **state)
{
    (void)state;
    hln_store *s = fx_new_store();
    fx_feed_open(&ca, 25, "global");
    hln_indicator ind = fx_indicator("phof.smr-all", HLN_KIND_ISR, 100, 1);
    snprintf(ind.title, sizeof ind.title, "SMR");
    snprintf(ind.standard, sizeof ind.standard, "england");
    ind.n_strata = 1;
    snprintf(ind.strata[0], sizeof ind.strata[0], "age=all");
    ind.ref_events[0] = 1, ind.ref_pop[0] = 100;
    /* 125 observed over 100 expected: 125.0, Byar 95% 104.0 - 148.9 by hand
     * (125 (1 - 1/1125 - 1.96/(3 sqrt 125))^3 and 126 (1 - 1/1134 + 1.96/(3 sqrt 126))^3);
     * 99.8%: 93.3 from below, so high-95 on PHE's funnel around 100 */
    fx_obs(s, &ca, ind.code, "2025", "CA", "", 125, 100000000, false, NULL);
    hln_report_opts o = {.indicators = &ind, .n_indicators = 1, .method = -1,
                         .ci = HLN_CI_WILSON};
    char out[128], err[256] = "";
    snprintf(out, sizeof out, "%s/siteisr", fx_tmpdir);
    assert_int_equal(hln_report_write_html(s, &o, out, NULL, err, sizeof err), 0);
    char *page = slurp(out, "phof.smr-all/2025_all.html");
    assert_non_null(strstr(page, "<h2 id=\"isr\">Indirectly standardised ratios</h2>"));
    assert_non_null(strstr(page, "<td>125 / 100.00</td><td>125.0</td><td>104.0 - 148.9</td>"
                                 "<td>high-95</td>"));
    assert_int_equal(count(page, "href=\"2025_all.csv\" download"), 1);
    char *j = slurp(out, "phof.smr-all/2025_all.json");
    assert_non_null(strstr(j, "\"kind\":\"isr\""));
    free(j);
    free(page);
    hln_identity_destroy(&ca.id);
    hln_store_close(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(an_isr_page_shows_ratios_and_downloads),
        cmocka_unit_test(global_pages_carry_downloads_trend_strata_and_missing_countries),
        cmocka_unit_test(a_quarter_of_months_has_its_page),
    };
    return cmocka_run_group_tests(tests, fx_setup, fx_teardown);
}
