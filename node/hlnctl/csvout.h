/* csvout.h - the --csv form of hlnctl's tables: the rows --json prints, flattened. */
#ifndef HLN_CSVOUT_H
#define HLN_CSVOUT_H

#include <json-c/json.h>
#include <stdio.h>

/* Print `rows` (an array of objects, or one object: one row) on stdout as
 * CSV (RFC 4180: a header line, then one line per row, CRLF-free, a field
 * quoted when it holds a comma, a quote, a line end or starts with a
 * space). The columns are the keys of the rows in order of first
 * appearance, so --csv has exactly the fields of --json: a nested object's
 * keys become PARENT_KEY, an array's items are joined by ';', null and a
 * missing key are empty. `pre` (NULL or pairs COLUMN, VALUE, ending with
 * NULL) come first in every row. Releases `rows`. */
void hln_csv_print(json_object *rows, const char *const *pre);

/* The same, from JSON text (a command's --json output): `key`, when not
 * NULL, names the array of rows in the top object; the top object's other
 * plain (string, number) members become leading columns, then `extra`
 * (NULL or pairs as `pre`). HLN_EINVAL if the text is not such JSON. */
int hln_csv_print_text(const char *json, size_t len, const char *key, const char *const *extra);

#endif
