/* publish_stream.c - publishing a CSV of any length: checked whole, then committed in batches, in bounded memory. */
#include "node/publish_stream.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "crypto/err.h"
#include "node/csvin.h"
#include "node/disclosure.h"
#include "node/util.h"

static size_t batch_rows = HLN_STREAM_BATCH_ROWS;

void hln_publish_stream_set_batch(size_t rows)
{
    batch_rows = rows ? rows : HLN_STREAM_BATCH_ROWS;
}

bool hln_publish_stream_needed(const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
        return false; /* the ordinary path reports it */
    if ((uint64_t)st.st_size > HLN_CSV_FILE_MAX)
        return true;
    FILE *f = fopen(path, "r");
    if (!f)
        return false;
    unsigned long lines = 0;
    char chunk[65536];
    size_t got;
    while ((got = fread(chunk, 1, sizeof chunk, f)) > 0)
        for (size_t i = 0; i < got; i++)
            lines += chunk[i] == '\n';
    fclose(f);
    return lines > HLN_CSV_ROWS_MAX + 1;
}

/* ---- a set of 64-bit keyed hashes (the groups already closed) ---- */

typedef struct {
    uint64_t *v;
    size_t n, cap;
    unsigned char key[crypto_shorthash_KEYBYTES];
} hset;

static uint64_t group_hash(const hset *s, const hln_observation *o)
{
    unsigned char buf[3 * (HLN_CODE_MAX + 1)], out[crypto_shorthash_BYTES];
    size_t n = 0;
    const char *parts[3] = {o->indicator, o->period, o->unit};
    for (int i = 0; i < 3; i++) {
        size_t l = strnlen(parts[i], HLN_CODE_MAX);
        memcpy(buf + n, parts[i], l);
        n += l;
        buf[n++] = 0; /* codes hold no NUL: "a","bc" differs from "ab","c" */
    }
    crypto_shorthash(out, buf, n, s->key);
    uint64_t h;
    memcpy(&h, out, sizeof h);
    return h ? h : 1; /* 0 marks an empty slot */
}

static bool hset_has(const hset *s, uint64_t h)
{
    if (!s->cap)
        return false;
    for (size_t i = h & (s->cap - 1);; i = (i + 1) & (s->cap - 1)) {
        if (s->v[i] == h)
            return true;
        if (!s->v[i])
            return false;
    }
}

static int hset_add(hset *s, uint64_t h)
{
    if ((s->n + 1) * 2 > s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 1024;
        uint64_t *v = calloc(cap, sizeof *v);
        if (!v)
            return HLN_ENOMEM;
        for (size_t i = 0; i < s->cap; i++)
            if (s->v[i]) {
                size_t j = s->v[i] & (cap - 1);
                while (v[j])
                    j = (j + 1) & (cap - 1);
                v[j] = s->v[i];
            }
        free(s->v);
        s->v = v;
        s->cap = cap;
    }
    size_t i = h & (s->cap - 1);
    while (s->v[i] && s->v[i] != h)
        i = (i + 1) & (s->cap - 1);
    if (!s->v[i]) {
        s->v[i] = h;
        s->n++;
    }
    return 0;
}

/* ---- reading the file a batch of lines at a time ---- */

typedef struct {
    FILE *f;
    char *buf; /* the header line, then the pending lines */
    size_t hdr_len, len, cap;
    size_t *off;            /* offset in buf of each pending line */
    unsigned long *lineno;  /* its line in the file */
    size_t n, lcap, ncap;   /* pending lines; capacities of off and lineno */
    unsigned long next_line;
    bool eof;
} reader;

static int put_bytes(reader *r, const char *p, size_t l)
{
    int rc = hln_util_grow((void **)&r->buf, &r->cap, r->len + l + 1, 1);
    if (rc)
        return rc;
    memcpy(r->buf + r->len, p, l);
    r->len += l;
    r->buf[r->len] = 0;
    return 0;
}

static int read_header(reader *r, char **line, size_t *lcap)
{
    ssize_t got = getline(line, lcap, r->f);
    if (got < 0)
        return HLN_EIO;
    r->next_line = 2;
    int rc = put_bytes(r, *line, (size_t)got);
    r->hdr_len = r->len;
    return rc;
}

/* Read lines until `want` are pending (never stopping inside a quoted
 * field) or the file ends. */
static int fill(reader *r, char **line, size_t *lcap, size_t want)
{
    bool in_quote = false;
    int rc = 0;
    while (!r->eof && (r->n < want || in_quote)) {
        ssize_t got = getline(line, lcap, r->f);
        if (got < 0) {
            r->eof = true;
            if (ferror(r->f))
                return HLN_EIO;
            break;
        }
        if ((rc = hln_util_grow((void **)&r->off, &r->lcap, r->n + 1, sizeof *r->off)))
            return rc;
        if ((rc = hln_util_grow((void **)&r->lineno, &r->ncap, r->n + 1, sizeof *r->lineno)))
            return rc;
        r->off[r->n] = r->len;
        r->lineno[r->n] = r->next_line++;
        if (in_quote)
            r->lineno[r->n] = 0; /* a continuation: no row starts here */
        r->n++;
        for (ssize_t i = 0; i < got; i++)
            in_quote ^= (*line)[i] == '"';
        if ((rc = put_bytes(r, *line, (size_t)got)))
            return rc;
        if (got > 0 && (*line)[got - 1] != '\n' && (rc = put_bytes(r, "\n", 1)))
            return rc;
    }
    return 0;
}

/* Keep pending lines from index `from` on (they start the next batch). */
static void carry(reader *r, size_t from)
{
    if (from >= r->n) {
        r->n = 0;
        r->len = r->hdr_len;
        return;
    }
    size_t start = r->off[from], shift = start - r->hdr_len;
    memmove(r->buf + r->hdr_len, r->buf + start, r->len - start);
    r->len -= shift;
    r->buf[r->len] = 0;
    for (size_t i = from; i < r->n; i++) {
        r->off[i - from] = r->off[i] - shift;
        r->lineno[i - from] = r->lineno[i];
    }
    r->n -= from;
}

/* A line of the batch buffer (1 is the header) as a line of the file. */
static unsigned long file_line(const reader *r, unsigned long l)
{
    if (l < 2 || l - 2 >= r->n)
        return 1;
    /* a continuation line belongs to the row above it */
    for (size_t i = l - 2;; i--) {
        if (r->lineno[i] || i == 0)
            return r->lineno[i] ? r->lineno[i] : 1;
    }
}

typedef struct {
    const reader *r;
    hln_csv_problem_cb cb;
    void *ctx;
    size_t count;
} problems;

static void problem_at(void *ctx, unsigned long line, const char *reason)
{
    problems *p = ctx;
    p->count++;
    if (p->cb)
        p->cb(p->ctx, file_line(p->r, line), reason);
}

typedef struct {
    const hln_node_def *defs;
    size_t n;
} lookup_ctx;

static const hln_indicator *lookup_def(void *ctx, const char *code)
{
    const lookup_ctx *l = ctx;
    const hln_node_def *d = hln_node_find_def(l->defs, l->n, code);
    return d ? &d->def : NULL;
}

static bool same_group(const hln_observation *a, const hln_observation *b)
{
    return !strcmp(a->indicator, b->indicator) && !strcmp(a->period, b->period) &&
           !strcmp(a->unit, b->unit);
}

/* One pass over the file. write false: check (every problem to cb);
 * write true: publish batch by batch. */
static int pass(hln_node *n, const char *path, const hln_publish_opts *o, bool write,
                const lookup_ctx *l, hln_csv_problem_cb cb, void *ctx, hln_publish_batch_cb each,
                void *each_ctx, hln_publish_totals *tot, char *err, size_t errlen)
{
    reader r;
    hset closed;
    char *line = NULL;
    size_t lcap = 0;
    hln_csv_row *rows = NULL;
    hln_publish_result res;
    memset(&r, 0, sizeof r);
    memset(&closed, 0, sizeof closed);
    memset(&res, 0, sizeof res);
    randombytes_buf(closed.key, sizeof closed.key);
    problems pr = {&r, cb, ctx, 0};
    int rc = 0;
    if (!(r.f = fopen(path, "r"))) {
        hln_util_seterr(err, errlen, "cannot read it");
        rc = HLN_EIO;
        goto out;
    }
    if ((rc = read_header(&r, &line, &lcap))) {
        hln_util_seterr(err, errlen, "no header line");
        rc = HLN_EINVAL;
        goto out;
    }
    size_t want = batch_rows;
    for (;;) {
        if ((rc = fill(&r, &line, &lcap, want))) {
            hln_util_seterr(err, errlen, "reading: %s", hln_strerror(rc));
            goto out;
        }
        if (r.n == 0)
            break;
        size_t nrows = 0;
        free(rows);
        rows = NULL;
        rc = hln_csvin_parse(r.buf, r.len, lookup_def, (void *)l, problem_at, &pr, &rows, &nrows);
        if (rc == HLN_EINVAL) {
            /* Bad rows, reported: go on to report the rest of the file. */
            carry(&r, r.n);
            continue;
        }
        if (rc < 0) {
            hln_util_seterr(err, errlen, "%s", hln_strerror(rc));
            goto out;
        }
        /* Never cut a group: its last rows start the next batch. */
        size_t done = nrows, keep_from = r.n;
        if (!r.eof && nrows) {
            done = nrows - 1;
            while (done > 0 && same_group(&rows[done - 1].obs, &rows[nrows - 1].obs))
                done--;
            if (done == 0) {
                /* One group fills the batch: read on until it ends (a
                 * group is a total and its strata, each once). */
                if (r.n >= 16 * batch_rows) {
                    problem_at(&pr, rows[0].line, "more rows than 16 batches hold for one "
                                                  "indicator, period and unit");
                    rc = HLN_EINVAL;
                    goto out;
                }
                want = r.n + batch_rows;
                continue;
            }
            keep_from = rows[done].line - 2;
        }
        want = batch_rows;
        /* Rows of a group stand together: disclosure control sees the group whole. */
        uint64_t cur = 0;
        for (size_t i = 0; i < done && !write; i++) {
            uint64_t h = group_hash(&closed, &rows[i].obs);
            if (h == cur)
                continue;
            if (cur && (rc = hset_add(&closed, cur)))
                goto out;
            if (hset_has(&closed, h)) {
                char why[400];
                snprintf(why, sizeof why,
                         "rows of %s %s %s must stand together with the earlier ones (sort the "
                         "file by indicator, period and unit)",
                         rows[i].obs.indicator, rows[i].obs.period,
                         rows[i].obs.unit[0] ? rows[i].obs.unit : "(no unit)");
                problem_at(&pr, rows[i].line, why);
            }
            cur = h;
        }
        if (cur && (rc = hset_add(&closed, cur)))
            goto out;
        /* Disclosure control over the batch's whole groups. */
        res.items = calloc(done ? done : 1, sizeof *res.items);
        res.lines = calloc(done ? done : 1, sizeof *res.lines);
        if (!res.items || !res.lines) {
            rc = HLN_ENOMEM;
            goto out;
        }
        res.n = done;
        res.min_cell = tot->min_cell;
        memcpy(res.scope, tot->scope, sizeof res.scope);
        for (size_t i = 0; i < done; i++) {
            res.items[i].obs = rows[i].obs;
            res.items[i].kind = rows[i].kind;
            res.lines[i] = file_line(&r, rows[i].line);
        }
        if ((rc = hln_disclosure_apply(res.items, res.n, tot->min_cell)) < 0)
            goto out;
        for (size_t i = 0; i < res.n; i++)
            res.n_suppressed += res.items[i].reason != HLN_SUPP_NONE;
        if (write && done) {
            char why[400] = "";
            rc = hln_node_publish_items(n, &res, o->ts_ms, why, sizeof why);
            if (rc < 0) {
                if (tot->batches)
                    hln_util_seterr(err, errlen,
                                    "%s; the rows up to line %lu stay published (%llu rows): "
                                    "publish the rest of the file",
                                    why, tot->last_line, (unsigned long long)tot->rows);
                else
                    hln_util_seterr(err, errlen, "%s", why);
                goto out;
            }
            if (!tot->first_seq)
                tot->first_seq = res.first_seq;
            tot->last_seq = res.first_seq + done - 1;
        }
        if (!write || done) {
            tot->rows += done;
            tot->suppressed += res.n_suppressed;
            tot->batches++;
            if (done)
                tot->last_line = res.lines[done - 1];
            if (each && (pr.count == 0) && (rc = each(each_ctx, &res)))
                goto out;
        }
        hln_publish_result_free(&res);
        res.n_suppressed = 0;
        res.first_seq = 0;
        carry(&r, keep_from);
        if (r.eof && r.n == 0)
            break;
    }
    rc = pr.count ? HLN_EINVAL : 0;
out:
    hln_publish_result_free(&res);
    if (r.f)
        fclose(r.f);
    free(line);
    free(r.buf);
    free(r.off);
    free(r.lineno);
    free(closed.v);
    free(rows);
    return rc;
}

int hln_node_publish_stream(hln_node *n, const char *path, const hln_publish_opts *o,
                            hln_csv_problem_cb cb, void *ctx, hln_publish_batch_cb each,
                            void *each_ctx, hln_publish_totals *tot, char *err, size_t errlen)
{
    memset(tot, 0, sizeof *tot);
    if (o->scope)
        snprintf(tot->scope, sizeof tot->scope, "%s", o->scope);
    else
        hln_node_default_scope(n, tot->scope);
    if ((o->scope && strlen(o->scope) > HLN_SCOPE_MAX) || !hln_node_scope_ok(n, tot->scope)) {
        hln_util_seterr(err, errlen, "scope: must be global or a jurisdiction that contains the node's");
        return HLN_EPERM;
    }
    if (o->min_cell > HLN_MIN_CELL_MAX) {
        hln_util_seterr(err, errlen, "min-cell: at most %u", HLN_MIN_CELL_MAX);
        return HLN_EINVAL;
    }
    hln_node_def *defs = NULL;
    size_t ndefs = 0;
    int rc = hln_node_definitions(n, &defs, &ndefs);
    if (rc == 0)
        rc = hln_node_min_cell(n, o->min_cell, &tot->min_cell);
    if (rc < 0) {
        hln_util_seterr(err, errlen, "store: %s", hln_strerror(rc));
        goto out;
    }
    lookup_ctx l = {defs, ndefs};
    /* Check everything before writing anything. */
    rc = pass(n, path, o, false, &l, cb, ctx, o->dry_run ? each : NULL, each_ctx, tot, err, errlen);
    if (rc < 0 || o->dry_run)
        goto out;
    uint32_t mc = tot->min_cell;
    char scope[HLN_SCOPE_MAX + 1];
    memcpy(scope, tot->scope, sizeof scope);
    memset(tot, 0, sizeof *tot);
    tot->min_cell = mc;
    memcpy(tot->scope, scope, sizeof scope);
    rc = pass(n, path, o, true, &l, NULL, NULL, each, each_ctx, tot, err, errlen);
out:
    free(defs);
    return rc;
}
