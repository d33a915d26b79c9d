/* csvout.c - the --csv form of hlnctl's tables: the rows --json prints, flattened. */
#include "node/hlnctl/csvout.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/err.h"

#define COLS_MAX 128
#define COL_LEN 96

typedef struct {
    char name[COLS_MAX][COL_LEN];
    size_t n;
} cols;

static void field(const char *s, bool first)
{
    if (!first)
        putchar(',');
    if (!s)
        return;
    bool quote = s[0] == ' ' || strpbrk(s, ",\"\r\n") != NULL;
    if (!quote) {
        fputs(s, stdout);
        return;
    }
    putchar('"');
    for (const char *p = s; *p; p++) {
        if (*p == '"')
            putchar('"');
        putchar(*p);
    }
    putchar('"');
}

static void col_add(cols *c, const char *name)
{
    for (size_t i = 0; i < c->n; i++)
        if (!strcmp(c->name[i], name))
            return;
    if (c->n < COLS_MAX)
        snprintf(c->name[c->n++], COL_LEN, "%s", name);
}

/* The columns one row brings: its keys, a nested object's as PARENT_KEY. */
static void row_cols(cols *c, json_object *row, const char *prefix)
{
    if (!json_object_is_type(row, json_type_object))
        return;
    json_object_object_foreach(row, k, v)
    {
        char name[COL_LEN];
        snprintf(name, sizeof name, "%s%s%s", prefix, prefix[0] ? "_" : "", k);
        if (json_object_is_type(v, json_type_object))
            row_cols(c, v, name);
        else
            col_add(c, name);
    }
}

/* The text of a value: a string as is, an array's items joined by ';'. */
static void value_text(json_object *v, char *out, size_t cap)
{
    out[0] = '\0';
    if (!v)
        return;
    if (json_object_is_type(v, json_type_string)) {
        snprintf(out, cap, "%s", json_object_get_string(v));
    } else if (json_object_is_type(v, json_type_array)) {
        size_t n = 0;
        for (size_t i = 0; i < json_object_array_length(v) && n + 1 < cap; i++) {
            char item[512];
            value_text(json_object_array_get_idx(v, i), item, sizeof item);
            n += (size_t)snprintf(out + n, cap - n, "%s%s", i ? ";" : "", item);
        }
    } else {
        snprintf(out, cap, "%s", json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN));
    }
}

/* The value of column `name` in `row` (a nested object's by PARENT_KEY). */
static json_object *row_get(json_object *row, const char *name)
{
    json_object *v = NULL;
    if (json_object_object_get_ex(row, name, &v))
        return v;
    json_object_object_foreach(row, k, sub)
    {
        size_t kl = strlen(k);
        if (json_object_is_type(sub, json_type_object) && !strncmp(name, k, kl) &&
            name[kl] == '_' && (v = row_get(sub, name + kl + 1)) != NULL)
            return v;
    }
    return NULL;
}

void hln_csv_print(json_object *rows, const char *const *pre)
{
    cols *c = calloc(1, sizeof *c);
    char *text = malloc(4096);
    bool one = !json_object_is_type(rows, json_type_array);
    size_t n = one ? 1 : json_object_array_length(rows);
    if (!c || !text)
        goto out;
    for (size_t i = 0; pre && pre[2 * i]; i++)
        col_add(c, pre[2 * i]);
    for (size_t i = 0; i < n; i++)
        row_cols(c, one ? rows : json_object_array_get_idx(rows, i), "");
    for (size_t k = 0; k < c->n; k++)
        field(c->name[k], k == 0);
    putchar('\n');
    for (size_t i = 0; i < n; i++) {
        json_object *row = one ? rows : json_object_array_get_idx(rows, i);
        size_t k = 0;
        for (; pre && pre[2 * k]; k++)
            field(pre[2 * k + 1], k == 0);
        for (; k < c->n; k++) {
            value_text(row_get(row, c->name[k]), text, 4096);
            field(text, k == 0);
        }
        putchar('\n');
    }
out:
    free(text);
    free(c);
    json_object_put(rows);
}

int hln_csv_print_text(const char *json, size_t len, const char *key, const char *const *extra)
{
    json_tokener *tok = json_tokener_new();
    if (!tok)
        return HLN_ENOMEM;
    json_object *top = json_tokener_parse_ex(tok, json, (int)len);
    json_tokener_free(tok);
    json_object *rows = NULL;
    if (!top || (key && !json_object_object_get_ex(top, key, &rows)) ||
        (key && !json_object_is_type(rows, json_type_array))) {
        json_object_put(top);
        return HLN_EINVAL;
    }
    if (!key) {
        hln_csv_print(top, NULL);
        return 0;
    }
    /* the top object's plain members lead every row */
    const char *pre[2 * 16 + 1] = {NULL};
    size_t np = 0;
    json_object_object_foreach(top, k, v)
    {
        if (np < 16 && v != rows && (json_object_is_type(v, json_type_string) ||
                                     json_object_is_type(v, json_type_int))) {
            pre[2 * np] = k;
            pre[2 * np + 1] = json_object_get_string(v);
            np++;
        }
    }
    for (size_t i = 0; extra && extra[2 * i] && np < 16; i++, np++) {
        pre[2 * np] = extra[2 * i];
        pre[2 * np + 1] = extra[2 * i + 1];
    }
    hln_csv_print(json_object_get(rows), pre);
    json_object_put(top);
    return 0;
}
