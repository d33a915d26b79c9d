/* peers.c - the PEERS table: the peers an operator configured, as hlnd dials and admits them. */
#include "node/peers.h"

#include <json-c/json.h>
#include <string.h>

#include "crypto/err.h"
#include "node/config.h"
#include "proto/codes.h"

bool hln_peers_name_valid(const char *s)
{
    size_t n = strlen(s);
    return n <= HLN_PEERS_NAME_MAX && hln_text_valid(s, n, false);
}

int hln_peers_put(hln_store *s, const hln_peers_entry *p)
{
    if ((p->endpoint[0] && !hln_config_endpoint_valid(p->endpoint)) || !hln_peers_name_valid(p->name))
        return HLN_EINVAL;
    json_object *o = json_object_new_object();
    if (!o)
        return HLN_ENOMEM;
    json_object_object_add(o, "endpoint", json_object_new_string(p->endpoint));
    json_object_object_add(o, "name", json_object_new_string(p->name));
    json_object_object_add(o, "added_ms", json_object_new_int64((int64_t)p->added_ms));
    size_t len = 0;
    const char *txt = json_object_to_json_string_length(o, JSON_C_TO_STRING_PLAIN, &len);
    int rc = hln_store_kv_put(s, HLN_TABLE_PEERS, p->id, HLN_KEY_LEN, txt, len);
    json_object_put(o);
    return rc;
}

int hln_peers_del(hln_store *s, const uint8_t id[HLN_KEY_LEN])
{
    return hln_store_kv_del(s, HLN_TABLE_PEERS, id, HLN_KEY_LEN);
}

/* The value is read back from our own store, but a damaged or hand-edited
 * one must not crash hlnd: every field is checked like untrusted input. */
static int decode_entry(const void *key, size_t klen, const void *val, size_t vlen,
                        hln_peers_entry *p)
{
    if (klen != HLN_KEY_LEN || vlen == 0 || vlen > 4096)
        return HLN_EDECODE;
    memset(p, 0, sizeof *p);
    memcpy(p->id, key, HLN_KEY_LEN);
    json_tokener *tok = json_tokener_new_ex(4);
    if (!tok)
        return HLN_ENOMEM;
    json_object *o = json_tokener_parse_ex(tok, val, (int)vlen);
    int rc = HLN_EDECODE;
    json_object *ep, *nm, *at;
    if (!o || json_tokener_get_parse_end(tok) != vlen || !json_object_is_type(o, json_type_object))
        goto out;
    if (!json_object_object_get_ex(o, "endpoint", &ep) ||
        !json_object_is_type(ep, json_type_string) || !json_object_object_get_ex(o, "name", &nm) ||
        !json_object_is_type(nm, json_type_string))
        goto out;
    const char *e = json_object_get_string(ep), *n = json_object_get_string(nm);
    if (strlen(e) > HLN_ENDPOINT_MAX || (e[0] && !hln_config_endpoint_valid(e)) ||
        strlen(n) > HLN_PEERS_NAME_MAX || !hln_peers_name_valid(n))
        goto out;
    strcpy(p->endpoint, e);
    strcpy(p->name, n);
    if (json_object_object_get_ex(o, "added_ms", &at) && json_object_is_type(at, json_type_int))
        p->added_ms = (uint64_t)json_object_get_int64(at);
    rc = 0;
out:
    json_object_put(o);
    json_tokener_free(tok);
    return rc;
}

typedef struct {
    hln_peers_cb cb;
    void *ctx;
    size_t skipped;
} foreach_ctx;

static int foreach_one(void *ctx, const void *key, size_t klen, const void *val, size_t vlen)
{
    foreach_ctx *fc = ctx;
    hln_peers_entry p;
    if (decode_entry(key, klen, val, vlen, &p) != 0) {
        fc->skipped++;
        return 0;
    }
    return fc->cb(fc->ctx, &p);
}

int hln_peers_foreach(hln_store *s, hln_peers_cb cb, void *ctx, size_t *skipped)
{
    foreach_ctx fc = {cb, ctx, 0};
    int rc = hln_store_kv_foreach(s, HLN_TABLE_PEERS, foreach_one, &fc);
    if (skipped)
        *skipped = fc.skipped;
    return rc;
}
