/* test_report.c - the public report from sealed records: pages, SVG, digests, escaping, CLI. */
/* cmocka.h needs these before it. */
/* clang-format off */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
/* clang-format on */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crypto/crypto.h"
#include "crypto/err.h"
#include "node/bench.h"
#include "node/hlnctl/cmd_gov.h"
#include "node/node.h"
#include "node/hlnctl/report.h"
#include "proto/codes.h"
#include "proto/record.h"
#include "store/store.h"

#define IND "mhpc.depression-screening"
#define RATE_IND "mhpc.crisis-admissions"
/* Titles and names are free text in records: these must come out inert. */
#define HOSTILE_TITLE "Screening <script>alert(\"x\")</script> & <b>follow-up</b>"
#define HOSTILE_NAME "Clinic <img src=x onerror=alert(1)> & \"Co\""

typedef struct {
    hln_identity *id;
    char scope[HLN_SCOPE_MAX + 1];
    uint64_t seq;
    uint8_t prev[HLN_HASH_LEN];
} feed;

static char tmpdir[64];
static int dirs;

/* Authors by seed byte: 1 CA-ON, 2 CA-QC, 3 FR, 4 unknown; 9 the authority. */
static feed authors[10];

static void feed_open(feed *f, uint8_t seed_byte, const char *scope)
{
    uint8_t seed[32];
    memset(seed, seed_byte, sizeof seed);
    f->id = hln_identity_from_seed(seed);
    assert_non_null(f->id);
    snprintf(f->scope, sizeof f->scope, "%s", scope);
    f->seq = 0;
}

static void append(hln_store *s, feed *f, hln_record *r)
{
    char err[128] = "";
    if (hln_record_seal(r, f->id, err, sizeof err) != 0)
        fail_msg("seal: %s", err);
    assert_int_equal(hln_store_append(s, r), 0);
    memcpy(f->prev, r->id, HLN_HASH_LEN);
}

static void obs(hln_store *s, feed *f, const char *ind, const char *period, const char *unit,
                uint64_t x, uint64_t n, bool suppressed)
{
    hln_record r;
    f->seq++;
    hln_record_init(&r, HLN_REC_OBSERVATION, hln_identity_pk(f->id), f->scope, f->seq,
                    f->seq > 1 ? f->prev : NULL, 1700000000000ull + f->seq * 1000);
    hln_observation *o = &r.body.observation;
    snprintf(o->indicator, sizeof o->indicator, "%s", ind);
    snprintf(o->period, sizeof o->period, "%s", period);
    snprintf(o->unit, sizeof o->unit, "%s", unit);
    o->numerator = x;
    o->denominator = n;
    o->suppressed = suppressed;
    append(s, f, &r);
}

static hln_indicator definition(const char *code, const char *title, uint32_t kind, uint32_t mult)
{
    hln_indicator d;
    memset(&d, 0, sizeof d);
    snprintf(d.code, sizeof d.code, "%s", code);
    snprintf(d.title, sizeof d.title, "%s", title);
    snprintf(d.description, sizeof d.description,
             "Share of adults <18 & >65 screened.\nSecond line.");
    d.version = 1;
    d.kind = kind;
    d.multiplier = mult;
    d.direction = kind == HLN_KIND_RATE ? HLN_DIR_LOWER : HLN_DIR_HIGHER;
    d.domain = kind == HLN_KIND_RATE ? HLN_DOMAIN_OUTCOME : HLN_DOMAIN_PROCESS;
    return d;
}

static void define(hln_store *s, feed *f, const hln_indicator *d)
{
    hln_record r;
    f->seq++;
    hln_record_init(&r, HLN_REC_INDICATOR, hln_identity_pk(f->id), f->scope, f->seq,
                    f->seq > 1 ? f->prev : NULL, 1700000000000ull + f->seq * 1000);
    r.body.indicator = *d;
    append(s, f, &r);
}

/* The 12 practices of tests/vectors (screening-exact), over 3 authors. */
static const uint64_t SCREEN[12][2] = {{45, 120}, {88, 150}, {30, 95},   {140, 210},
                                       {61, 80},  {17, 60},  {205, 260}, {52, 131},
                                       {99, 140}, {12, 40},  {160, 300}, {73, 90}};

static bool jurisdiction_of(void *ctx, const uint8_t author[HLN_KEY_LEN],
                            char out[HLN_SCOPE_MAX + 1])
{
    (void)ctx;
    static const char *j[] = {NULL, "CA-ON", "CA-QC", "FR"};
    for (int i = 1; i <= 3; i++)
        if (!memcmp(author, hln_identity_pk(authors[i].id), HLN_KEY_LEN)) {
            snprintf(out, HLN_SCOPE_MAX + 1, "%s", j[i]);
            return true;
        }
    return false;
}

static bool name_of(void *ctx, const uint8_t author[HLN_KEY_LEN], char *out, size_t cap)
{
    (void)ctx;
    if (!memcmp(author, hln_identity_pk(authors[1].id), HLN_KEY_LEN)) {
        snprintf(out, cap, "%s", HOSTILE_NAME);
        return true;
    }
    if (!memcmp(author, hln_identity_pk(authors[3].id), HLN_KEY_LEN)) {
        snprintf(out, cap, "Maison de santé Lyon");
        return true;
    }
    return false;
}

static hln_store *store;
static hln_indicator defs[2];
/* For the report: one without observations first, then defs. */
static hln_indicator listed[3];

static hln_store *new_store(char *dir, size_t cap)
{
    snprintf(dir, cap, "%s/s%d", tmpdir, dirs++);
    assert_int_equal(mkdir(dir, 0700), 0);
    hln_store *s = NULL;
    assert_int_equal(hln_store_open(dir, 0, &s), 0);
    return s;
}

static void out_dir(char *dir, size_t cap)
{
    snprintf(dir, cap, "%s/site%d", tmpdir, dirs++);
}

static int setup(void **state)
{
    (void)state;
    if (hln_crypto_init())
        return -1;
    strcpy(tmpdir, "/tmp/hln-test-report-XXXXXX");
    if (!mkdtemp(tmpdir))
        return -1;
    feed_open(&authors[1], 1, "CA");
    feed_open(&authors[2], 2, "CA");
    feed_open(&authors[3], 3, "FR");
    feed_open(&authors[4], 4, "global");
    feed_open(&authors[9], 9, "global");
    char dir[128];
    store = new_store(dir, sizeof dir);
    defs[0] = definition(IND, HOSTILE_TITLE, HLN_KIND_PROPORTION, 1);
    defs[1] = definition(RATE_IND, "Crisis admissions", HLN_KIND_RATE, 1000);
    define(store, &authors[9], &defs[0]);
    define(store, &authors[9], &defs[1]);
    listed[0] = definition("mhpc.no-data-yet", "Not collected yet", HLN_KIND_PROPORTION, 1);
    listed[1] = defs[0], listed[2] = defs[1];
    for (int i = 0; i < 12; i++) {
        char unit[32];
        snprintf(unit, sizeof unit, "practice-%02d", i);
        obs(store, &authors[1 + i % 3], IND, "2026-Q3", unit, SCREEN[i][0], SCREEN[i][1], false);
        obs(store, &authors[1 + i % 3], IND, "2026-Q2", unit, SCREEN[i][0] / 2, SCREEN[i][1],
            false);
    }
    obs(store, &authors[1], IND, "2026-Q3", "practice-small", 0, 0, true);
    /* an author whose jurisdiction is unknown: in "all", in no jurisdiction */
    obs(store, &authors[4], IND, "2026-Q3", "practice-x", 40, 100, false);
    /* rates with exposures over three decades: a log axis */
    static const uint64_t RATE[5][2] = {{3, 800}, {12, 5000}, {40, 20000}, {150, 90000}, {9, 2500}};
    for (int i = 0; i < 5; i++) {
        char unit[32];
        snprintf(unit, sizeof unit, "region-%d", i);
        obs(store, &authors[1 + i % 3], RATE_IND, "2026", unit, RATE[i][0], RATE[i][1], false);
    }
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    hln_store_close(&store);
    for (int i = 0; i < 10; i++)
        hln_identity_destroy(&authors[i].id);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", tmpdir);
    return system(cmd);
}

static hln_report_opts base_opts(void)
{
    hln_report_opts o = {.indicators = listed,
                         .n_indicators = 3,
                         .jurisdiction = jurisdiction_of,
                         .name = name_of,
                         .method = -1,
                         .ci = HLN_CI_WILSON,
                         .publisher = "Test & <Authority>"};
    return o;
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
    for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
        n++;
    return n;
}

/* A small structural check: every '<' opens a tag, a comment or a doctype;
 * every element but the void ones closes, in order; the document is one
 * html element. */
static void assert_well_formed(const char *doc)
{
    static const char *voids[] = {"meta", "br", "link", "img", "hr", "input", "col", "wbr"};
    char stack[64][24];
    int depth = 0, roots = 0;
    assert_true(!strncmp(doc, "<!DOCTYPE html>", 15));
    for (const char *p = doc; (p = strchr(p, '<'));) {
        if (p[1] == '!') {
            p = strchr(p, '>');
            assert_non_null(p);
            continue;
        }
        bool closing = p[1] == '/';
        const char *q = p + 1 + closing;
        char name[24];
        size_t n = 0;
        while ((*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z') || (*q >= '0' && *q <= '9'))
            if (n + 1 < sizeof name)
                name[n++] = *q++;
            else
                fail_msg("tag name too long");
        name[n] = '\0';
        if (n == 0)
            fail_msg("a bare '<' in the text: %.40s", p);
        const char *end = strchr(q, '>');
        assert_non_null(end);
        if (closing) {
            if (depth == 0 || strcmp(stack[depth - 1], name))
                fail_msg("</%s> closes <%s>", name, depth ? stack[depth - 1] : "(none)");
            depth--;
        } else if (end[-1] != '/') {
            bool v = false;
            for (size_t i = 0; i < sizeof voids / sizeof *voids; i++)
                v = v || !strcmp(voids[i], name);
            if (!v) {
                assert_true(depth < 64);
                if (depth == 0)
                    roots++;
                snprintf(stack[depth++], sizeof stack[0], "%s", name);
            }
        }
        p = end + 1;
    }
    assert_int_equal(depth, 0);
    assert_int_equal(roots, 1);
}

static void hex_of(const uint8_t d[HLN_HASH_LEN], char *out)
{
    hln_hex(d, HLN_HASH_LEN, out);
}

/* ---- tests ---- */

static void escape_turns_markup_into_entities(void **state)
{
    (void)state;
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    assert_int_equal(hln_report_escape(f, "<a href='x'>\"T&C\"\x01</a> é"), 0);
    fclose(f);
    assert_string_equal(buf, "&lt;a href=&#39;x&#39;&gt;&quot;T&amp;C&quot;&#xFFFD;&lt;/a&gt; é");
    free(buf);
}

static void page_paths_follow_the_patterns(void **state)
{
    (void)state;
    char p[128];
    assert_int_equal(hln_report_page_path(IND, "2026-Q3", "all", p, sizeof p), 0);
    assert_string_equal(p, IND "/2026-Q3_all.html");
    assert_int_equal(hln_report_page_path(IND, "2026-09", "CA-ON", p, sizeof p), 0);
    assert_string_equal(p, IND "/2026-09_CA-ON.html");
    assert_int_equal(hln_report_page_path("../etc", "2026", "all", p, sizeof p), HLN_EINVAL);
    assert_int_equal(hln_report_page_path(IND, "2026/..", "all", p, sizeof p), HLN_EINVAL);
    assert_int_equal(hln_report_page_path(IND, "2026", "ca", p, sizeof p), HLN_EINVAL);
    assert_int_equal(hln_report_page_path(IND, "2026", "all", p, 10), HLN_ETOOBIG);
}

static void site_has_an_index_and_a_page_per_period_and_group(void **state)
{
    (void)state;
    char out[128];
    out_dir(out, sizeof out);
    hln_report_opts o = base_opts();
    hln_report_summary sum;
    char err[256] = "";
    assert_int_equal(hln_report_write_html(store, &o, out, &sum, err, sizeof err), 0);
    /* proportion: 2 periods x (all, CA, CA-ON, CA-QC, FR); rate: 1 x 5 */
    assert_int_equal(sum.indicators, 2);
    assert_int_equal(sum.periods, 3);
    assert_int_equal(sum.pages, 15);
    static const char *pages[] = {"index.html",
                                  IND "/2026-Q3_all.html",
                                  IND "/2026-Q3_CA.html",
                                  IND "/2026-Q3_CA-ON.html",
                                  IND "/2026-Q3_CA-QC.html",
                                  IND "/2026-Q3_FR.html",
                                  IND "/2026-Q2_all.html",
                                  RATE_IND "/2026_all.html"};
    for (size_t i = 0; i < sizeof pages / sizeof *pages; i++) {
        char *doc = slurp(out, pages[i]);
        assert_well_formed(doc);
        assert_non_null(strstr(doc, "</html>\n"));
        free(doc);
        char path[512];
        struct stat st;
        snprintf(path, sizeof path, "%s/%s", out, pages[i]);
        assert_int_equal(stat(path, &st), 0);
        assert_int_equal(st.st_mode & 0777, 0644); /* a web server must read it */
        snprintf(path, sizeof path, "%s/%s.tmp", out, pages[i]);
        assert_int_not_equal(access(path, F_OK), 0);
    }
    char *index = slurp(out, "index.html");
    assert_non_null(strstr(index, "href=\"" IND "/2026-Q3_all.html\""));
    assert_non_null(strstr(index, "href=\"" IND "/2026-Q2_all.html\""));
    assert_non_null(strstr(index, "href=\"" IND "/2026-Q3_CA-ON.html\""));
    assert_non_null(strstr(index, "href=\"" RATE_IND "/2026_all.html\""));
    assert_non_null(strstr(index, "Not collected yet</h2>"));
    assert_non_null(strstr(index, "No observations held for this indicator."));
    assert_null(strstr(index, "<script"));
    assert_null(strstr(index, "src="));
    free(index);
}

static void funnel_svg_has_one_point_per_unit_limits_and_labelled_axes(void **state)
{
    (void)state;
    char out[128];
    out_dir(out, sizeof out);
    hln_report_opts o = base_opts();
    char err[256] = "";
    assert_int_equal(hln_report_write_html(store, &o, out, NULL, err, sizeof err), 0);
    char *doc = slurp(out, IND "/2026-Q3_all.html");
    /* the funnel plot, then the trend chart (report_analyst.c) */
    assert_int_equal(count(doc, "<svg"), 2);
    assert_int_equal(count(doc, "</svg>"), 2);
    assert_int_equal(count(doc, "<svg class=\"trend\""), 1);
    assert_true(strstr(doc, "<svg class=\"trend\"") > strstr(doc, "</svg>"));
    /* 12 practices and the one of the author without a jurisdiction */
    assert_int_equal(count(doc, "<circle class=\"unit"), 13);
    assert_int_equal(count(doc, "<tr class=\"unit\">"), 13);
    const char *svg = strstr(doc, "<svg");
    const char *svg_end = strstr(doc, "</svg>");
    /* every point has an accessible title, inside the svg */
    const char *c = svg;
    for (int i = 0; i < 13; i++) {
        c = strstr(c, "<circle class=\"unit");
        assert_non_null(c);
        assert_true(c < svg_end);
        const char *t = strstr(c, "><title>");
        assert_true(t && t < strstr(c, "</circle>"));
        c++;
    }
    assert_non_null(strstr(svg, "aria-labelledby=\"fp-title fp-desc\""));
    assert_non_null(strstr(svg, "<title>pooled value"));
    assert_int_equal(count(doc, "class=\"l998\""), 2);
    assert_int_equal(count(doc, "class=\"l95\""), 2);
    /* these practices are overdispersed (tests/vectors): adjusted limits too */
    assert_int_equal(count(doc, "class=\"a998\""), 2);
    assert_int_equal(count(doc, "class=\"a95\""), 2);
    assert_non_null(strstr(svg, "class=\"xlabel\""));
    assert_non_null(strstr(svg, "Denominator"));
    assert_non_null(strstr(svg, "Value (%)"));
    free(doc);
    /* exposures from 800 to 90000: a log axis, per 1000 */
    doc = slurp(out, RATE_IND "/2026_all.html");
    assert_int_equal(count(doc, "<circle class=\"unit"), 5);
    assert_non_null(strstr(doc, "Exposure (log scale)"));
    assert_non_null(strstr(doc, "Rate per 1000"));
    free(doc);
    /* a linear axis when asked */
    out_dir(out, sizeof out);
    o.axis = HLN_REPORT_AXIS_LINEAR;
    assert_int_equal(hln_report_write_html(store, &o, out, NULL, err, sizeof err), 0);
    doc = slurp(out, RATE_IND "/2026_all.html");
    assert_null(strstr(doc, "log scale"));
    free(doc);
}

static void digests_equal_those_of_the_bench_engine(void **state)
{
    (void)state;
    char out[128];
    out_dir(out, sizeof out);
    hln_report_opts o = base_opts();
    char err[256] = "";
    assert_int_equal(hln_report_write_html(store, &o, out, NULL, err, sizeof err), 0);

    hln_bench_query q = {.indicator = &defs[0], .period = "2026-Q3", .method = -1};
    hln_bench_result *r = NULL;
    assert_int_equal(hln_bench_run(store, &q, &r), 0);
    assert_int_equal(r->n_units, 13);
    char hex[2 * HLN_HASH_LEN + 1], want[128];
    hex_of(r->digest, hex);
    hln_bench_result_destroy(&r);
    snprintf(want, sizeof want, "id=\"digest\">%s</code>", hex);
    char *doc = slurp(out, IND "/2026-Q3_all.html");
    assert_non_null(strstr(doc, want));
    assert_non_null(strstr(doc, "hlnctl bench verify"));
    free(doc);
}

/* The group callback of the second digest check, at file scope (C has no closures). */
static bool in_ca_on(void *ctx, const uint8_t a[HLN_KEY_LEN])
{
    (void)ctx;
    return !memcmp(a, hln_identity_pk(authors[1].id), HLN_KEY_LEN);
}

static void jurisdiction_pages_hold_only_their_units_and_digest(void **state)
{
    (void)state;
    char out[128];
    out_dir(out, sizeof out);
    hln_report_opts o = base_opts();
    char err[256] = "";
    assert_int_equal(hln_report_write_html(store, &o, out, NULL, err, sizeof err), 0);
    hln_bench_query q = {.indicator = &defs[0],
                         .period = "2026-Q3",
                         .group = "CA-ON",
                         .in_group = in_ca_on,
                         .method = -1};
    hln_bench_result *r = NULL;
    assert_int_equal(hln_bench_run(store, &q, &r), 0);
    assert_int_equal(r->n_units, 4);
    assert_int_equal(r->n_suppressed, 1);
    char hex[2 * HLN_HASH_LEN + 1], want[128];
    hex_of(r->digest, hex);
    hln_bench_result_destroy(&r);
    snprintf(want, sizeof want, "id=\"digest\">%s</code>", hex);
    char *doc = slurp(out, IND "/2026-Q3_CA-ON.html");
    assert_non_null(strstr(doc, want));
    assert_int_equal(count(doc, "<circle class=\"unit"), 4);
    /* the comparison table links to the other groups, the digest in a title */
    assert_non_null(strstr(doc, "href=\"2026-Q3_all.html\""));
    assert_non_null(strstr(doc, "href=\"2026-Q3_FR.html\""));
    assert_non_null(strstr(doc, "<code title=\""));
    free(doc);
    /* CA holds CA-ON and CA-QC: 8 units */
    doc = slurp(out, IND "/2026-Q3_CA.html");
    assert_int_equal(count(doc, "<circle class=\"unit"), 8);
    free(doc);
    /* asking for group CA: only CA and its subdivisions */
    out_dir(out, sizeof out);
    o.group = "CA";
    hln_report_summary sum;
    assert_int_equal(hln_report_write_html(store, &o, out, &sum, err, sizeof err), 0);
    char path[256];
    snprintf(path, sizeof path, "%s/" IND "/2026-Q3_FR.html", out);
    assert_int_not_equal(access(path, F_OK), 0);
    snprintf(path, sizeof path, "%s/" IND "/2026-Q3_all.html", out);
    assert_int_not_equal(access(path, F_OK), 0);
    snprintf(path, sizeof path, "%s/" IND "/2026-Q3_CA-QC.html", out);
    assert_int_equal(access(path, F_OK), 0);
}

static void hostile_titles_and_names_are_escaped(void **state)
{
    (void)state;
    char out[128];
    out_dir(out, sizeof out);
    hln_report_opts o = base_opts();
    char err[256] = "";
    assert_int_equal(hln_report_write_html(store, &o, out, NULL, err, sizeof err), 0);
    static const char *pages[] = {"index.html", IND "/2026-Q3_all.html", IND "/2026-Q3_CA-ON.html"};
    for (size_t i = 0; i < sizeof pages / sizeof *pages; i++) {
        char *doc = slurp(out, pages[i]);
        assert_null(strstr(doc, "<script"));
        assert_null(strstr(doc, "<img"));
        assert_null(strstr(doc, "<b>"));
        assert_null(strstr(doc, "<Authority>"));
        assert_non_null(strstr(doc, "Screening &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; "
                                    "&amp; &lt;b&gt;follow-up&lt;/b&gt;"));
        assert_non_null(strstr(doc, "Test &amp; &lt;Authority&gt;"));
        if (i > 0)
            assert_non_null(strstr(doc, "Clinic &lt;img src=x onerror=alert(1)&gt; &amp; "
                                        "&quot;Co&quot;"));
        /* the page forbids scripts even if something slipped through */
        assert_non_null(strstr(doc, "Content-Security-Policy\" content=\"default-src 'none'"));
        assert_well_formed(doc);
        free(doc);
    }
}

static void suppressed_units_are_counted_and_named(void **state)
{
    (void)state;
    char out[128];
    out_dir(out, sizeof out);
    hln_report_opts o = base_opts();
    char err[256] = "";
    assert_int_equal(hln_report_write_html(store, &o, out, NULL, err, sizeof err), 0);
    char *doc = slurp(out, IND "/2026-Q3_all.html");
    const char *sec = strstr(doc, "id=\"suppressed\"");
    assert_non_null(sec);
    assert_non_null(strstr(sec, "1 unit reported, but withheld its counts"));
    assert_non_null(strstr(sec, "<li>practice-small (Clinic &lt;img"));
    /* the suppressed unit is in no table row and no point */
    assert_null(strstr(doc, "<td>practice-small"));
    free(doc);
    doc = slurp(out, IND "/2026-Q2_all.html");
    assert_non_null(strstr(doc, "No unit reported suppressed counts"));
    free(doc);
}

static void ranked_table_puts_the_best_first(void **state)
{
    (void)state;
    char out[128];
    out_dir(out, sizeof out);
    hln_report_opts o = base_opts();
    char err[256] = "";
    assert_int_equal(hln_report_write_html(store, &o, out, NULL, err, sizeof err), 0);
    char *doc = slurp(out, IND "/2026-Q3_all.html");
    /* higher is better: 73/90 = 81.1% (practice-11), then 205/260 = 78.8% (practice-06) */
    const char *first = strstr(doc, "<tr class=\"unit\"><td class=\"n\">1</td><td>practice-11");
    const char *second = strstr(doc, "<tr class=\"unit\"><td class=\"n\">2</td><td>practice-06");
    assert_non_null(first);
    assert_non_null(second);
    assert_true(first < second);
    assert_non_null(strstr(doc, "<abbr title=\"sets the achievable benchmark\">ABC</abbr>"));
    free(doc);
}

/* The gap to the ABC is bench's (docs/BENCHMARKS.md): positive when a unit
 * falls short of the benchmark in the good direction. */
static void gap_to_abc_has_the_sign_of_bench(void **state)
{
    (void)state;
    char out[128];
    out_dir(out, sizeof out);
    hln_report_opts o = base_opts();
    char err[256] = "";
    assert_int_equal(hln_report_write_html(store, &o, out, NULL, err, sizeof err), 0);
    hln_bench_query q = {.indicator = &defs[0], .period = "2026-Q3", .method = -1};
    hln_bench_result *r = NULL;
    assert_int_equal(hln_bench_run(store, &q, &r), 0);
    /* practice-09, 12/40 = 30%: far below the ABC, higher is better */
    const hln_bench_unit *low = NULL;
    for (size_t i = 0; i < r->n_units; i++)
        if (!strcmp(r->units[i].unit, "practice-09"))
            low = &r->units[i];
    assert_non_null(low);
    double gap = hln_bench_gap_to_abc(r, low->s.value);
    assert_true(gap > 0.4);
    char want[64];
    snprintf(want, sizeof want, "<td class=\"n\">%+.1f pp</td></tr>", gap * 100);
    assert_true(want[14] == '+');
    hln_bench_result_destroy(&r);
    char *doc = slurp(out, IND "/2026-Q3_all.html");
    const char *row = strstr(doc, "<td>practice-09");
    assert_non_null(row);
    const char *cell = strstr(row, "</tr>");
    assert_non_null(cell);
    assert_true(!strncmp(cell - strlen(want) + strlen("</tr>"), want, strlen(want)));
    free(doc);
    /* lower is better: the highest rate (region-0, 3/800) is short of the ABC */
    doc = slurp(out, RATE_IND "/2026_all.html");
    row = strstr(doc, "<td>region-0");
    assert_non_null(row);
    cell = strstr(row, "</tr>");
    const char *last = cell;
    while (last > row && strncmp(last, "<td class=\"n\">", 14))
        last--;
    assert_true(last > row);
    assert_true(last[14] == '+');
    free(doc);
}

/* Descriptions keep their line breaks (the INI format continues them over
 * lines) as <br>; everything else in them is still escaped. */
static void description_line_breaks_become_br(void **state)
{
    (void)state;
    char out[128];
    out_dir(out, sizeof out);
    hln_report_opts o = base_opts();
    char err[256] = "";
    assert_int_equal(hln_report_write_html(store, &o, out, NULL, err, sizeof err), 0);
    static const char *pages[] = {"index.html", IND "/2026-Q3_all.html"};
    for (size_t i = 0; i < 2; i++) {
        char *doc = slurp(out, pages[i]);
        assert_non_null(
            strstr(doc, "Share of adults &lt;18 &amp; &gt;65 screened.<br>\nSecond line."));
        assert_null(strstr(doc, "&#xFFFD;"));
        assert_well_formed(doc);
        free(doc);
    }
}

/* The caller's rule of who counts in a group (hlnctl report passes
 * hlnctl bench's) decides every page's units and digest, and which
 * jurisdictions get pages at all. */
static bool rule_has(void *ctx, const char *group, const uint8_t a[HLN_KEY_LEN])
{
    (void)ctx;
    /* authors[3] plays a national authority (FR): in "all" only; 1 and 2
     * are organizations in CA-ON and CA-QC. */
    bool fr = !memcmp(a, hln_identity_pk(authors[3].id), HLN_KEY_LEN);
    if (!strcmp(group, "all"))
        return fr;
    char j[HLN_SCOPE_MAX + 1];
    return !fr && jurisdiction_of(NULL, a, j) && hln_scope_within(j, group);
}

static bool rule_all(void *ctx, const uint8_t a[HLN_KEY_LEN])
{
    return rule_has(ctx, "all", a);
}

static void caller_rule_decides_who_counts_and_which_pages(void **state)
{
    (void)state;
    char out[128];
    out_dir(out, sizeof out);
    hln_report_opts o = base_opts();
    o.in_group = rule_has;
    char err[256] = "";
    assert_int_equal(hln_report_write_html(store, &o, out, NULL, err, sizeof err), 0);
    hln_bench_query q = {
        .indicator = &defs[0], .period = "2026-Q3", .in_group = rule_all, .method = -1};
    hln_bench_result *r = NULL;
    assert_int_equal(hln_bench_run(store, &q, &r), 0);
    assert_int_equal(r->n_units, 4);
    char hex[2 * HLN_HASH_LEN + 1], want[128];
    hex_of(r->digest, hex);
    hln_bench_result_destroy(&r);
    snprintf(want, sizeof want, "id=\"digest\">%s</code>", hex);
    char *doc = slurp(out, IND "/2026-Q3_all.html");
    assert_non_null(strstr(doc, want));
    assert_int_equal(count(doc, "<circle class=\"unit"), 4);
    free(doc);
    doc = slurp(out, IND "/2026-Q3_CA.html");
    assert_int_equal(count(doc, "<circle class=\"unit"), 8);
    free(doc);
    /* FR's only author counts in no jurisdiction: no FR page */
    char path[256];
    snprintf(path, sizeof path, "%s/" IND "/2026-Q3_FR.html", out);
    assert_int_not_equal(access(path, F_OK), 0);
    snprintf(path, sizeof path, "%s/" IND "/2026-Q3_CA-QC.html", out);
    assert_int_equal(access(path, F_OK), 0);
}

static void equal_evidence_gives_identical_files(void **state)
{
    (void)state;
    char a[128], b[128];
    out_dir(a, sizeof a);
    out_dir(b, sizeof b);
    hln_report_opts o = base_opts();
    char err[256] = "";
    assert_int_equal(hln_report_write_html(store, &o, a, NULL, err, sizeof err), 0);
    assert_int_equal(hln_report_write_html(store, &o, b, NULL, err, sizeof err), 0);
    char cmd[512];
    snprintf(cmd, sizeof cmd, "diff -r %s %s >/dev/null", a, b);
    assert_int_equal(system(cmd), 0);
    /* and writing over a site replaces it in place */
    assert_int_equal(hln_report_write_html(store, &o, a, NULL, err, sizeof err), 0);
    assert_int_equal(system(cmd), 0);
}

static void periods_can_be_chosen(void **state)
{
    (void)state;
    char out[128];
    out_dir(out, sizeof out);
    hln_report_opts o = base_opts();
    const char *periods[] = {"2026-Q2"};
    o.periods = periods;
    o.n_periods = 1;
    hln_report_summary sum;
    char err[256] = "";
    assert_int_equal(hln_report_write_html(store, &o, out, &sum, err, sizeof err), 0);
    assert_int_equal(sum.periods, 1);
    assert_int_equal(sum.indicators, 1);
    char *index = slurp(out, "index.html");
    assert_null(strstr(index, "2026-Q3_all.html"));
    assert_non_null(strstr(index, "No observations held for this indicator."));
    free(index);
}

static void bad_options_are_refused(void **state)
{
    (void)state;
    char out[128], err[256];
    out_dir(out, sizeof out);
    hln_report_opts o = base_opts();
    o.group = "ca";
    assert_int_equal(hln_report_write_html(store, &o, out, NULL, err, sizeof err), HLN_EINVAL);
    assert_non_null(strstr(err, "group"));
    o = base_opts();
    o.group = "CA";
    o.jurisdiction = NULL;
    assert_int_equal(hln_report_write_html(store, &o, out, NULL, err, sizeof err), HLN_EINVAL);
    o = base_opts();
    const char *periods[] = {"2026-Q5"};
    o.periods = periods, o.n_periods = 1;
    assert_int_equal(hln_report_write_html(store, &o, out, NULL, err, sizeof err), HLN_EINVAL);
    o = base_opts();
    hln_indicator bad = defs[0];
    snprintf(bad.code, sizeof bad.code, "../../etc");
    o.indicators = &bad, o.n_indicators = 1;
    assert_int_equal(hln_report_write_html(store, &o, out, NULL, err, sizeof err), HLN_EINVAL);
    o = base_opts();
    o.method = 7;
    assert_int_equal(hln_report_write_html(store, &o, out, NULL, err, sizeof err), HLN_EINVAL);
    /* nothing was written by a refused call */
    assert_int_not_equal(access(out, F_OK), 0);
    /* an output path under a regular file cannot be created */
    char file[160];
    snprintf(file, sizeof file, "%s/plain", tmpdir);
    FILE *f = fopen(file, "w");
    assert_non_null(f);
    fclose(f);
    snprintf(out, sizeof out, "%s/plain/site", tmpdir);
    o = base_opts();
    assert_int_equal(hln_report_write_html(store, &o, out, NULL, err, sizeof err), HLN_EIO);
    assert_non_null(strstr(err, "plain"));
}

/* ---- the CLI over a real node ---- */

static int run_cli(const char *dir, int argc, const char **argv)
{
    /* Silence the command's stdout/stderr so cmocka's output stays readable. */
    fflush(stdout);
    fflush(stderr);
    int so = dup(1), se = dup(2);
    FILE *null = fopen("/dev/null", "w");
    dup2(fileno(null), 1);
    dup2(fileno(null), 2);
    int rc = hln_cli_report(dir, argc, (char **)argv);
    fflush(stdout);
    fflush(stderr);
    dup2(so, 1);
    dup2(se, 2);
    close(so), close(se);
    fclose(null);
    return rc;
}

static void cli_reports_the_definitions_held_by_a_node(void **state)
{
    (void)state;
    char dir[128], out[128], err[256] = "";
    snprintf(dir, sizeof dir, "%s/node%d", tmpdir, dirs++);
    hln_node_info info = {.level = HLN_LEVEL_NATIONAL};
    snprintf(info.name, sizeof info.name, "Ministry <of> Health");
    snprintf(info.jurisdiction, sizeof info.jurisdiction, "CA");
    hln_node *n = NULL;
    if (hln_node_create(dir, &info, &n, err, sizeof err) != 0)
        fail_msg("node: %s", err);
    hln_node_item items[6];
    memset(items, 0, sizeof items);
    items[0].type = HLN_REC_INDICATOR;
    items[0].body.indicator = definition(IND, "Depression screening", HLN_KIND_PROPORTION, 1);
    for (int i = 1; i < 6; i++) {
        items[i].type = HLN_REC_OBSERVATION;
        hln_observation *ob = &items[i].body.observation;
        snprintf(ob->indicator, sizeof ob->indicator, IND);
        snprintf(ob->period, sizeof ob->period, "2026-09");
        snprintf(ob->unit, sizeof ob->unit, "site-%d", i);
        ob->numerator = 20 + 7 * (uint64_t)i;
        ob->denominator = 100 + 10 * (uint64_t)i;
    }
    assert_int_equal(hln_node_append(n, "CA", items, 6, 1700000000000ull, NULL, err, sizeof err),
                     0);
    uint8_t pk[HLN_KEY_LEN];
    memcpy(pk, hln_node_pk(n), HLN_KEY_LEN);
    hln_node_close(&n);

    /* Who counts is hlnctl bench's rule: a node without standing in its
     * own trust view (no anchor, no member record) sees its units excluded,
     * as its peers do. */
    out_dir(out, sizeof out);
    const char *argv0[] = {"report", "--html", out, "--group", "all", NULL};
    assert_int_equal(run_cli(dir, 5, argv0), 0);
    char *doc = slurp(out, IND "/2026-09_all.html");
    assert_int_equal(count(doc, "<circle class=\"unit"), 0);
    assert_non_null(strstr(doc, "5 from excluded"));
    free(doc);

    /* Anchored in itself, the national authority stands: its observations
     * are roll-ups, which count in "all" (national authorities). */
    char idtext[HLN_ID_TEXT_LEN + 1];
    hln_id_to_text(pk, idtext);
    const char *trust[] = {"add",     idtext,     "--name",         "Ministry of Health",
                           "--level", "national", "--jurisdiction", "CA",
                           NULL};
    fflush(stdout);
    assert_int_equal(hln_cli_trust(dir, 8, (char **)trust, false), 0);

    out_dir(out, sizeof out);
    const char *argv[] = {"report",  "--html", out,   "--title", "Canada <public> report",
                          "--group", "all",    NULL};
    assert_int_equal(run_cli(dir, 7, argv), 0);
    char *index = slurp(out, "index.html");
    assert_non_null(strstr(index, "Canada &lt;public&gt; report"));
    assert_non_null(strstr(index, "Published by Ministry &lt;of&gt; Health"));
    assert_non_null(strstr(index, "href=\"" IND "/2026-09_all.html\""));
    /* an authority's roll-ups are no units of its own jurisdiction: no CA
     * page (it would count them beside the organizations they sum) */
    assert_null(strstr(index, "href=\"" IND "/2026-09_CA.html\""));
    free(index);
    doc = slurp(out, IND "/2026-09_all.html");
    assert_int_equal(count(doc, "<circle class=\"unit"), 5);
    assert_non_null(strstr(doc, "Ministry of Health"));
    assert_non_null(strstr(doc, "0 from excluded"));
    assert_well_formed(doc);
    free(doc);
    char path[256];
    snprintf(path, sizeof path, "%s/" IND "/2026-09_CA.html", out);
    assert_int_not_equal(access(path, F_OK), 0);

    /* The default group is hlnctl bench's: the node's country. CA holds
     * organizations only, so none of the authority's roll-ups. */
    out_dir(out, sizeof out);
    const char *argv1[] = {"report", "--html", out, NULL};
    assert_int_equal(run_cli(dir, 3, argv1), 0);
    doc = slurp(out, IND "/2026-09_CA.html");
    assert_int_equal(count(doc, "<circle class=\"unit"), 0);
    assert_non_null(strstr(doc, "5 outside the group"));
    free(doc);
    snprintf(path, sizeof path, "%s/" IND "/2026-09_all.html", out);
    assert_int_not_equal(access(path, F_OK), 0);

    /* --period filters; --group of a jurisdiction */
    out_dir(out, sizeof out);
    const char *argv2[] = {"report", "--html", out, "--period", "2025", "--group", "CA", NULL};
    assert_int_equal(run_cli(dir, 7, argv2), 0);
    snprintf(path, sizeof path, "%s/index.html", out);
    assert_int_equal(access(path, F_OK), 0);
    snprintf(path, sizeof path, "%s/" IND "/2026-09_CA.html", out);
    assert_int_not_equal(access(path, F_OK), 0);

    /* usage errors exit 2, a missing node 1, help 0 */
    const char *u1[] = {"report", NULL};
    assert_int_equal(run_cli(dir, 1, u1), 2);
    const char *u2[] = {"report", "--html", out, "--group", "canada", NULL};
    assert_int_equal(run_cli(dir, 5, u2), 2);
    const char *u3[] = {"report", "--html", out, "--period", "26", NULL};
    assert_int_equal(run_cli(dir, 5, u3), 2);
    const char *u4[] = {"report", "--html", out, "extra", NULL};
    assert_int_equal(run_cli(dir, 4, u4), 2);
    const char *u5[] = {"report", "--html", NULL};
    assert_int_equal(run_cli(dir, 2, u5), 2);
    const char *u6[] = {"report", "--help", NULL};
    assert_int_equal(run_cli(dir, 2, u6), 0);
    char missing[160];
    snprintf(missing, sizeof missing, "%s/no-such-node", tmpdir);
    const char *m[] = {"report", "--html", out, NULL};
    assert_int_equal(run_cli(missing, 3, m), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(escape_turns_markup_into_entities),
        cmocka_unit_test(page_paths_follow_the_patterns),
        cmocka_unit_test(site_has_an_index_and_a_page_per_period_and_group),
        cmocka_unit_test(funnel_svg_has_one_point_per_unit_limits_and_labelled_axes),
        cmocka_unit_test(digests_equal_those_of_the_bench_engine),
        cmocka_unit_test(jurisdiction_pages_hold_only_their_units_and_digest),
        cmocka_unit_test(hostile_titles_and_names_are_escaped),
        cmocka_unit_test(suppressed_units_are_counted_and_named),
        cmocka_unit_test(ranked_table_puts_the_best_first),
        cmocka_unit_test(gap_to_abc_has_the_sign_of_bench),
        cmocka_unit_test(description_line_breaks_become_br),
        cmocka_unit_test(caller_rule_decides_who_counts_and_which_pages),
        cmocka_unit_test(equal_evidence_gives_identical_files),
        cmocka_unit_test(periods_can_be_chosen),
        cmocka_unit_test(bad_options_are_refused),
        cmocka_unit_test(cli_reports_the_definitions_held_by_a_node),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
