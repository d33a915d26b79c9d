/* store.c - the LMDB store: records, feeds, heads, the observation index, retractions, forks, kv tables. */
/*
 * Layout (docs/STORE.md repeats it). All integers are big-endian so that
 * LMDB's byte order is numeric order. A feed key is the author (32 bytes)
 * and the scope NUL-padded to HLN_SCOPE_MAX (6) bytes: 38 bytes.
 *
 *   records    id(32)                         -> transport bytes (body nil once erased)
 *   feeds      feed(38) seq(8)                -> id(32)
 *   heads      feed(38)                       -> seq(8) id(32) timestamp(8)
 *   obs        indicator\0 period\0 stratum\0 author(32) unit\0
 *              timestamp(8) seq(8) scope(6)   -> id(32) num(8) den(8) flags(1)
 *   retracted  target id(32) author(32)       -> retract id(32) erase(1)
 *   forks      feed(38) seq(8)                -> transport bytes of the second record
 *   gov        feed(38) seq(8)                -> transport bytes, for member, revoke,
 *                                                indicator, policy and address records only
 *                                                (a copy: read in one sequential walk)
 *   trust, peers, meta, flags                 -> opaque kv tables for the node
 *
 * Codes, periods, units and strata never contain NUL, so a NUL terminator
 * makes "ab" sort before "abc" and the obs walk goes indicator -> period ->
 * stratum -> author -> unit -> timestamp -> seq: the last entry of an
 * (author, unit) run is the latest version. The retracted table is keyed
 * by target and retracting author so that a retraction can arrive before
 * its target (another feed of the same author) and a stranger's "retract"
 * never touches someone else's record. meta holds the reserved keys
 * "store.schema" (uint32) and "store.incarnation" (16 random bytes).
 *
 * Threads: a read, or one write, may run on any thread while another
 * thread writes (hlnd commits on a writer thread): LMDB serialises the
 * write transactions, and the map is resized only with no transaction of
 * this process open (txn_enter, remap). Read functions use short read
 * transactions (MDB_NOTLS, so callbacks may read again); callbacks must
 * not write.
 */
#include "store.h"

#include <errno.h>
#include <lmdb.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../crypto/err.h"

#define FEED_KEY_LEN (HLN_KEY_LEN + HLN_SCOPE_MAX)
#define SEQ_KEY_LEN (FEED_KEY_LEN + 8)
#define HEAD_VAL_LEN (8 + HLN_HASH_LEN + 8) /* seq, id, timestamp */
#define OBS_KEY_MAX (4 * (HLN_CODE_MAX + 1) + HLN_KEY_LEN + 8 + 8 + HLN_SCOPE_MAX)
#define OBS_VAL_LEN (HLN_HASH_LEN + 8 + 8 + 1)
#define RET_KEY_LEN (HLN_HASH_LEN + HLN_KEY_LEN)
#define RET_VAL_LEN (HLN_HASH_LEN + 1)
#define OBS_F_SUPPRESSED 1u
#define OBS_F_RETRACTED 2u
#define KV_KEY_MAX 128
#define KV_VAL_MAX 4096

#define MAP_INITIAL ((size_t)64 << 20)
#define MAP_LIMIT ((size_t)1 << 40)
#define MAX_DBS 12

/* Internal only: never returned past this file. */
#define ST_EMAPFULL (HLN_ERR_MIN_ - 1)
#define ST_ERESIZED (HLN_ERR_MIN_ - 2)

static const char META_SCHEMA[] = "store.schema";
static const char META_INCARNATION[] = "store.incarnation";
static const char META_RESERVED[] = "store.";
/* Present once the gov index holds every governance record: a store made
 * before the index is filled once, by its first writable open. */
static const char META_GOV_INDEX[] = "store.gov_index";

/* The answers of obs_entry_agrees for one snapshot of the store (LMDB's
 * txn id): a record's bytes never change within a snapshot, so a report
 * that walks the same observations for five groups and twenty periods
 * reads and decodes each record once. Open-addressed by the record id (a
 * hash already); bounded, then simply not filled further. */
typedef struct {
    uint8_t id[HLN_HASH_LEN];
    uint64_t key_hash; /* the index key it was checked under */
    uint64_t numerator, denominator;
    uint8_t flags; /* MEMO_USED, MEMO_AGREES, MEMO_SUPPRESSED, MEMO_RETRACTED */
} memo_ent;

enum { MEMO_USED = 1, MEMO_AGREES = 2, MEMO_SUPPRESSED = 4, MEMO_RETRACTED = 8 };
#define MEMO_MAX (1u << 20) /* slots: 56 MB at most; when half full it starts again */

typedef struct {
    pthread_mutex_t mu;
    memo_ent *tab;
    size_t cap, n;
    size_t txnid; /* the snapshot the entries belong to */
} obs_memo;

struct hln_store {
    MDB_env *env;
    MDB_dbi records, feeds, heads, obs, retracted, forks;
    MDB_dbi gov;     /* feed(38) seq(8) -> a copy of every governance record */
    bool gov_ready;  /* the gov index is complete (an old read-only store may lack it) */
    MDB_dbi kv[4]; /* by hln_table */
    unsigned flags;
    pthread_mutex_t mu;  /* guards active and remapping */
    pthread_cond_t cv;
    int active;          /* transactions open, on any thread: the map must not grow meanwhile */
    bool remapping;      /* a thread waits for active == 0 to resize the map */
    hln_record *scratch; /* for the write path: one decode at a time */
    uint64_t obs_skipped; /* index entries that disagreed with their record */
    obs_memo memo;        /* what obs_entry_agrees found, for one snapshot */
    uint8_t incarnation[HLN_INCARNATION_LEN];
};

/* The one place LMDB codes become hln codes. */
static int xlate(int rc)
{
    switch (rc) {
    case MDB_SUCCESS:
        return 0;
    case MDB_NOTFOUND:
        return HLN_ENOTFOUND;
    case MDB_KEYEXIST:
        return HLN_EEXIST;
    case MDB_MAP_FULL:
        return ST_EMAPFULL;
    case MDB_MAP_RESIZED:
        return ST_ERESIZED;
    case MDB_READERS_FULL:
        return HLN_EAGAIN;
    case MDB_VERSION_MISMATCH:
    case MDB_INVALID:
        return HLN_ESCHEMA;
    case ENOMEM:
        return HLN_ENOMEM;
    case EACCES:
    case EPERM:
        return HLN_EPERM;
    case ENOSPC:
    case EDQUOT:
    case EFBIG:
        return HLN_EFULL; /* a clear word for a full disk, quota or file limit */
    case ENOENT:
    case EIO:
        return HLN_EIO;
    default:
        return HLN_ESTORE;
    }
}

/* Internal codes leave as hln codes: a map that cannot grow is full. */
static int edge(int rc)
{
    return rc == ST_EMAPFULL ? HLN_EFULL : rc == ST_ERESIZED ? HLN_ESTORE : rc;
}

static void put64(uint8_t *p, uint64_t v)
{
    for (int i = 7; i >= 0; i--) {
        p[i] = (uint8_t)v;
        v >>= 8;
    }
}

static uint64_t get64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = (v << 8) | p[i];
    return v;
}

static void feed_key(const uint8_t author[HLN_KEY_LEN], const char *scope, uint8_t out[FEED_KEY_LEN])
{
    memcpy(out, author, HLN_KEY_LEN);
    memset(out + HLN_KEY_LEN, 0, HLN_SCOPE_MAX);
    memcpy(out + HLN_KEY_LEN, scope, strnlen(scope, HLN_SCOPE_MAX));
}

static void seq_key(const uint8_t author[HLN_KEY_LEN], const char *scope, uint64_t seq,
                    uint8_t out[SEQ_KEY_LEN])
{
    feed_key(author, scope, out);
    put64(out + FEED_KEY_LEN, seq);
}

static void feed_from_key(const uint8_t *k, hln_feed_id *feed)
{
    memset(feed, 0, sizeof *feed);
    memcpy(feed->author, k, HLN_KEY_LEN);
    memcpy(feed->scope, k + HLN_KEY_LEN, HLN_SCOPE_MAX);
}

static size_t put_str(uint8_t *p, const char *s)
{
    size_t n = strnlen(s, HLN_CODE_MAX);
    memcpy(p, s, n);
    p[n] = 0;
    return n + 1;
}

/* The obs index key of an observation with its body. */
static size_t obs_key(const hln_record *r, uint8_t out[OBS_KEY_MAX])
{
    const hln_observation *o = &r->body.observation;
    size_t n = 0;
    n += put_str(out + n, o->indicator);
    n += put_str(out + n, o->period);
    n += put_str(out + n, o->stratum);
    memcpy(out + n, r->env.author, HLN_KEY_LEN);
    n += HLN_KEY_LEN;
    n += put_str(out + n, o->unit);
    put64(out + n, r->env.timestamp_ms);
    put64(out + n + 8, r->env.seq);
    n += 16;
    memset(out + n, 0, HLN_SCOPE_MAX);
    memcpy(out + n, r->env.scope, strnlen(r->env.scope, HLN_SCOPE_MAX));
    return n + HLN_SCOPE_MAX;
}

static void obs_val(const uint8_t id[HLN_HASH_LEN], uint64_t num, uint64_t den, unsigned flags,
                    uint8_t out[OBS_VAL_LEN])
{
    memcpy(out, id, HLN_HASH_LEN);
    put64(out + HLN_HASH_LEN, num);
    put64(out + HLN_HASH_LEN + 8, den);
    out[HLN_HASH_LEN + 16] = (uint8_t)flags;
}

/* Split an obs key back into its parts; -1 if it is malformed. The
 * strings point into the key, each ends at its NUL. */
typedef struct {
    const char *indicator, *period, *stratum, *unit;
    const uint8_t *author, *scope;
    uint64_t ts, seq;
} obs_parts;

static int next_str(const uint8_t *k, size_t len, size_t *off, const char **out)
{
    const uint8_t *nul = memchr(k + *off, 0, len - *off);
    if (!nul)
        return -1;
    *out = (const char *)(k + *off);
    *off = (size_t)(nul - k) + 1;
    return 0;
}

static int obs_split(const uint8_t *k, size_t len, obs_parts *p)
{
    size_t off = 0;
    if (next_str(k, len, &off, &p->indicator) || next_str(k, len, &off, &p->period) ||
        next_str(k, len, &off, &p->stratum))
        return -1;
    if (len - off < HLN_KEY_LEN)
        return -1;
    p->author = k + off;
    off += HLN_KEY_LEN;
    if (next_str(k, len, &off, &p->unit))
        return -1;
    if (len - off != 16 + HLN_SCOPE_MAX)
        return -1;
    p->ts = get64(k + off);
    p->seq = get64(k + off + 8);
    p->scope = k + off + 16;
    return 0;
}

/* ---- transactions ---- */

/* The transactions a thread holds open on one store (the last it opened
 * one on): a walk's callback that reads again must not wait for a resize
 * that waits for the walk. */
static _Thread_local const hln_store *tl_store;
static _Thread_local int tl_open;

/* Count a transaction about to open; waits while another thread resizes
 * the map, unless this thread holds one open already. */
static void txn_enter(hln_store *s)
{
    pthread_mutex_lock(&s->mu);
    bool nested = tl_store == s && tl_open > 0;
    while (s->remapping && !nested)
        pthread_cond_wait(&s->cv, &s->mu);
    s->active++;
    if (tl_open == 0 || tl_store == s) {
        tl_store = s;
        tl_open++;
    }
    pthread_mutex_unlock(&s->mu);
}

static void txn_leave(hln_store *s)
{
    pthread_mutex_lock(&s->mu);
    s->active--;
    if (tl_store == s && tl_open > 0)
        tl_open--;
    pthread_cond_broadcast(&s->cv);
    pthread_mutex_unlock(&s->mu);
}

/* Resize the map (0: adopt the size another process set) once no
 * transaction of this process is open: waits for other threads' to end.
 * HLN_ESTATE if this thread holds one. */
static int remap(hln_store *s, size_t size)
{
    int rc = 0;
    pthread_mutex_lock(&s->mu);
    if (tl_store == s && tl_open > 0) {
        rc = HLN_ESTATE;
    } else {
        while (s->remapping)
            pthread_cond_wait(&s->cv, &s->mu);
        s->remapping = true;
        while (s->active > 0)
            pthread_cond_wait(&s->cv, &s->mu);
        rc = xlate(mdb_env_set_mapsize(s->env, size));
        s->remapping = false;
        pthread_cond_broadcast(&s->cv);
    }
    pthread_mutex_unlock(&s->mu);
    return rc;
}

/* Begin a transaction; on success it is counted until txn_end. */
static int txn_begin(hln_store *s, unsigned flags, MDB_txn **txn)
{
    int rc = 0;
    for (int tries = 0; tries < 8; tries++) {
        txn_enter(s);
        rc = xlate(mdb_txn_begin(s->env, NULL, flags, txn));
        if (rc == 0)
            return 0;
        txn_leave(s);
        if (rc == ST_ERESIZED) {
            /* Another process grew the map: adopt its size and retry. */
            if (remap(s, 0) != 0)
                break;
            continue;
        }
        if (rc == HLN_EAGAIN) {
            /* Reader slots full: free the slots of dead processes, once. */
            int dead = 0;
            if (tries == 0 && mdb_reader_check(s->env, &dead) == 0 && dead > 0)
                continue;
        }
        break;
    }
    if (rc == ST_ERESIZED)
        rc = HLN_EAGAIN;
    return rc;
}

/* Commit (commit true) or abort a transaction from txn_begin. */
static int txn_end(hln_store *s, MDB_txn **txn, bool commit)
{
    int rc = 0;
    if (!*txn)
        return 0;
    if (commit)
        rc = xlate(mdb_txn_commit(*txn));
    else
        mdb_txn_abort(*txn);
    *txn = NULL;
    txn_leave(s);
    return rc;
}

static int read_begin(hln_store *s, MDB_txn **txn)
{
    return txn_begin(s, MDB_RDONLY, txn);
}

static void read_end(hln_store *s, MDB_txn **txn)
{
    (void)txn_end(s, txn, false);
}

static int grow(hln_store *s)
{
    MDB_envinfo info;
    mdb_env_info(s->env, &info);
    if (info.me_mapsize >= MAP_LIMIT)
        return HLN_EFULL;
    return remap(s, info.me_mapsize * 2);
}

typedef int (*write_fn)(hln_store *s, MDB_txn *txn, void *ctx);

/* Run fn in a write transaction; on a full map abort, grow with no
 * transaction open and run the whole of fn again. */
static int run_write(hln_store *s, write_fn fn, void *ctx)
{
    MDB_txn *txn = NULL;
    int rc = 0;
    if (s->flags & HLN_STORE_RDONLY)
        return HLN_EPERM;
    for (;;) {
        rc = txn_begin(s, 0, &txn);
        if (rc)
            break;
        rc = fn(s, txn, ctx);
        if (rc == 0)
            rc = txn_end(s, &txn, true);
        else
            (void)txn_end(s, &txn, false);
        if (rc == ST_EMAPFULL) {
            rc = grow(s);
            if (rc == 0)
                continue;
        }
        break;
    }
    return edge(rc);
}

/* ---- open / close ---- */

static int open_dbs(hln_store *s, MDB_txn *txn, unsigned create)
{
    static const char *kvnames[4] = {"trust", "peers", "meta", "flags"};
    int rc = 0;
    if ((rc = mdb_dbi_open(txn, "records", create, &s->records)) ||
        (rc = mdb_dbi_open(txn, "feeds", create, &s->feeds)) ||
        (rc = mdb_dbi_open(txn, "heads", create, &s->heads)) ||
        (rc = mdb_dbi_open(txn, "obs", create, &s->obs)) ||
        (rc = mdb_dbi_open(txn, "retracted", create, &s->retracted)) ||
        (rc = mdb_dbi_open(txn, "forks", create, &s->forks)))
        goto out;
    for (int i = 0; i < 4; i++)
        if ((rc = mdb_dbi_open(txn, kvnames[i], create, &s->kv[i])))
            goto out;
    /* Absent from a store made before it (read-only: the walks fall back). */
    rc = mdb_dbi_open(txn, "gov", create, &s->gov);
    s->gov_ready = rc == 0;
    if (rc == MDB_NOTFOUND && !create)
        rc = 0;
out:
    /* A read-only open of a store that was never initialised has no DBs. */
    return rc == MDB_NOTFOUND ? HLN_ESCHEMA : xlate(rc);
}

/* The records that decide trust, definitions, policy and addresses: few
 * beside the observations, and read whole at every start and publish. */
static bool is_gov_type(uint32_t type)
{
    return type == HLN_REC_MEMBER || type == HLN_REC_REVOKE || type == HLN_REC_INDICATOR ||
           type == HLN_REC_POLICY || type == HLN_REC_ADDRESS;
}

/* Fill the gov index of a store made before it, once: one walk of the
 * feeds, reading only each record's type. */
static int gov_fill(hln_store *s, MDB_txn *txn)
{
    MDB_val mk = {sizeof META_GOV_INDEX - 1, (void *)META_GOV_INDEX}, mv;
    MDB_cursor *cur = NULL;
    MDB_val k, v, rv;
    int rc = xlate(mdb_get(txn, s->kv[HLN_TABLE_META], &mk, &mv)), mrc;
    if (rc != HLN_ENOTFOUND)
        goto out;
    if ((rc = xlate(mdb_cursor_open(txn, s->feeds, &cur))))
        goto out;
    for (mrc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); mrc == 0;
         mrc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        if (k.mv_size != SEQ_KEY_LEN || v.mv_size != HLN_HASH_LEN)
            continue; /* hln_store_verify reports it */
        if (xlate(mdb_get(txn, s->records, &v, &rv)) != 0 ||
            hln_record_decode(rv.mv_data, rv.mv_size, s->scratch, NULL, 0) != 0)
            continue;
        if (is_gov_type(s->scratch->env.type) && (rc = xlate(mdb_put(txn, s->gov, &k, &rv, 0))))
            goto out;
    }
    if (mrc != MDB_NOTFOUND) {
        rc = xlate(mrc);
        goto out;
    }
    mv.mv_size = 1, mv.mv_data = (void *)"1";
    rc = xlate(mdb_put(txn, s->kv[HLN_TABLE_META], &mk, &mv, 0));
out:
    if (cur)
        mdb_cursor_close(cur);
    return rc;
}

/* Whether the gov index is complete (a read-only open cannot fill it). */
static bool gov_complete(hln_store *s, MDB_txn *txn)
{
    MDB_val mk = {sizeof META_GOV_INDEX - 1, (void *)META_GOV_INDEX}, mv;
    return s->gov_ready && mdb_get(txn, s->kv[HLN_TABLE_META], &mk, &mv) == 0;
}

/* Check the schema, or write schema and a fresh incarnation into a new store. */
static int init_meta(hln_store *s, MDB_txn *txn, bool writable)
{
    MDB_val k = {sizeof META_SCHEMA - 1, (void *)META_SCHEMA}, v;
    uint8_t buf[4];
    int rc = xlate(mdb_get(txn, s->kv[HLN_TABLE_META], &k, &v));
    if (rc == HLN_ENOTFOUND && writable) {
        buf[0] = 0, buf[1] = 0, buf[2] = (uint8_t)(HLN_STORE_SCHEMA >> 8);
        buf[3] = (uint8_t)HLN_STORE_SCHEMA;
        v.mv_size = 4, v.mv_data = buf;
        if ((rc = xlate(mdb_put(txn, s->kv[HLN_TABLE_META], &k, &v, 0))))
            goto out;
        hln_random(s->incarnation, HLN_INCARNATION_LEN);
        k.mv_size = sizeof META_INCARNATION - 1, k.mv_data = (void *)META_INCARNATION;
        v.mv_size = HLN_INCARNATION_LEN, v.mv_data = s->incarnation;
        rc = xlate(mdb_put(txn, s->kv[HLN_TABLE_META], &k, &v, 0));
        goto out;
    }
    if (rc == HLN_ENOTFOUND) {
        rc = HLN_ESCHEMA;
        goto out;
    }
    if (rc)
        goto out;
    const uint8_t *p = v.mv_data;
    if (v.mv_size != 4 || (((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) |
                           ((uint32_t)p[2] << 8) | p[3]) != HLN_STORE_SCHEMA) {
        rc = HLN_ESCHEMA;
        goto out;
    }
    k.mv_size = sizeof META_INCARNATION - 1, k.mv_data = (void *)META_INCARNATION;
    rc = xlate(mdb_get(txn, s->kv[HLN_TABLE_META], &k, &v));
    if (rc == 0 && v.mv_size != HLN_INCARNATION_LEN)
        rc = HLN_ESCHEMA;
    if (rc == HLN_ENOTFOUND)
        rc = HLN_ESCHEMA;
    if (rc == 0)
        memcpy(s->incarnation, v.mv_data, HLN_INCARNATION_LEN);
out:
    return rc;
}

int hln_store_open(const char *dir, unsigned flags, hln_store **out)
{
    hln_store *s = NULL;
    MDB_txn *txn = NULL;
    bool rdonly = flags & HLN_STORE_RDONLY;
    int rc = 0;

    if (!dir || !out || (flags & ~HLN_STORE_RDONLY)) {
        rc = HLN_EINVAL;
        goto out;
    }
    *out = NULL;
    if (hln_crypto_init() < 0) {
        rc = HLN_EIO;
        goto out;
    }
    if (!rdonly && mkdir(dir, 0700) != 0 && errno != EEXIST) {
        rc = errno == EACCES ? HLN_EPERM : HLN_EIO;
        goto out;
    }
    if (!(s = calloc(1, sizeof *s))) {
        rc = HLN_ENOMEM;
        goto out;
    }
    pthread_mutex_init(&s->mu, NULL);
    pthread_mutex_init(&s->memo.mu, NULL);
    pthread_cond_init(&s->cv, NULL);
    if (!(s->scratch = malloc(sizeof *s->scratch))) {
        rc = HLN_ENOMEM;
        goto out;
    }
    s->flags = flags;
    if ((rc = xlate(mdb_env_create(&s->env))))
        goto out;
    /* Both before mdb_env_open. A store bigger than MAP_INITIAL keeps its
     * size: LMDB raises the map to what the file records. */
    if ((rc = xlate(mdb_env_set_maxdbs(s->env, MAX_DBS))) ||
        (rc = xlate(mdb_env_set_mapsize(s->env, MAP_INITIAL))))
        goto out;
    if ((rc = xlate(mdb_env_open(s->env, dir, MDB_NOTLS | (rdonly ? MDB_RDONLY : 0), 0600)))) {
        if (rc == HLN_ENOTFOUND)
            rc = HLN_EIO;
        goto out;
    }
    /* Open every DB once, in the first transaction; the handles outlive it. */
    for (;;) {
        if ((rc = txn_begin(s, rdonly ? MDB_RDONLY : 0, &txn)))
            goto out;
        if ((rc = open_dbs(s, txn, rdonly ? 0 : MDB_CREATE)) ||
            (rc = init_meta(s, txn, !rdonly)) || (!rdonly && (rc = gov_fill(s, txn)))) {
            (void)txn_end(s, &txn, false);
        } else {
            s->gov_ready = gov_complete(s, txn);
            rc = txn_end(s, &txn, true);
        }
        if (rc == ST_EMAPFULL && (rc = grow(s)) == 0)
            continue;
        break;
    }
    if (rc)
        goto out;
    *out = s;
    s = NULL;
out:
    if (s)
        hln_store_close(&s);
    return edge(rc);
}

void hln_store_close(hln_store **sp)
{
    if (!sp || !*sp)
        return;
    hln_store *s = *sp;
    if (s->env)
        mdb_env_close(s->env); /* also closes the DB handles */
    pthread_mutex_destroy(&s->mu);
    pthread_cond_destroy(&s->cv);
    pthread_mutex_destroy(&s->memo.mu);
    free(s->memo.tab);
    free(s->scratch);
    free(s);
    *sp = NULL;
}

void hln_store_incarnation(const hln_store *s, uint8_t out[HLN_INCARNATION_LEN])
{
    memcpy(out, s->incarnation, HLN_INCARNATION_LEN);
}

/* ---- appending ---- */

/* Mark the obs entry of `target` (decoded, with its body) retracted, and
 * with `erase` zero its counts: they were published by mistake. */
static int obs_mark(hln_store *s, MDB_txn *txn, const hln_record *target, bool erase)
{
    uint8_t kb[OBS_KEY_MAX], vb[OBS_VAL_LEN];
    MDB_val k = {obs_key(target, kb), kb}, v;
    int rc = xlate(mdb_get(txn, s->obs, &k, &v));
    if (rc)
        goto out;
    if (v.mv_size != OBS_VAL_LEN) {
        rc = HLN_ESTORE;
        goto out;
    }
    memcpy(vb, v.mv_data, OBS_VAL_LEN);
    vb[HLN_HASH_LEN + 16] |= OBS_F_RETRACTED;
    if (erase)
        memset(vb + HLN_HASH_LEN, 0, 16);
    v.mv_size = OBS_VAL_LEN, v.mv_data = vb;
    rc = xlate(mdb_put(txn, s->obs, &k, &v, 0));
out:
    return rc;
}

/* Drop the body of the stored record `id` and retract its obs entry.
 * `author` non-NULL: only if the record is that author's. */
static int erase_stored(hln_store *s, MDB_txn *txn, const uint8_t id[HLN_HASH_LEN],
                        const uint8_t *author, bool erase)
{
    hln_record *t = s->scratch;
    MDB_val k = {HLN_HASH_LEN, (void *)id}, v;
    int rc = xlate(mdb_get(txn, s->records, &k, &v));
    if (rc)
        goto out;
    if (hln_record_decode(v.mv_data, v.mv_size, t, NULL, 0) != 0) {
        rc = HLN_ESTORE;
        goto out;
    }
    if (author && memcmp(t->env.author, author, HLN_KEY_LEN) != 0)
        goto out; /* not the retracting author's: nothing to do */
    if (!t->has_body)
        goto out; /* already erased: no body, no obs entry to update */
    if (t->env.type == HLN_REC_OBSERVATION) {
        rc = obs_mark(s, txn, t, erase);
        if (rc == HLN_ENOTFOUND)
            rc = 0; /* indexed nowhere: nothing to mark */
        if (rc)
            goto out;
    }
    if (erase) {
        hln_record_erase_body(t);
        v.mv_size = t->raw_len, v.mv_data = t->raw;
        if ((rc = xlate(mdb_put(txn, s->records, &k, &v, 0))))
            goto out;
        if (is_gov_type(t->env.type) && s->gov_ready) {
            uint8_t sk[SEQ_KEY_LEN];
            seq_key(t->env.author, t->env.scope, t->env.seq, sk);
            MDB_val gk = {SEQ_KEY_LEN, sk};
            rc = xlate(mdb_put(txn, s->gov, &gk, &v, 0));
        }
    }
out:
    return rc;
}

/* Record a retraction and apply it to its target if held. */
static int apply_retract(hln_store *s, MDB_txn *txn, const hln_record *r)
{
    const hln_retract *rt = &r->body.retract;
    uint8_t kb[RET_KEY_LEN], vb[RET_VAL_LEN];
    MDB_val k = {RET_KEY_LEN, kb}, v;
    memcpy(kb, rt->target, HLN_HASH_LEN);
    memcpy(kb + HLN_HASH_LEN, r->env.author, HLN_KEY_LEN);
    int rc = xlate(mdb_get(txn, s->retracted, &k, &v));
    if (rc == 0) {
        /* Retracted before: only an erase that was not there yet adds anything. */
        if (!rt->erase || (v.mv_size == RET_VAL_LEN && ((const uint8_t *)v.mv_data)[HLN_HASH_LEN]))
            goto out;
        memcpy(vb, v.mv_data, RET_VAL_LEN < v.mv_size ? RET_VAL_LEN : v.mv_size);
    } else if (rc == HLN_ENOTFOUND) {
        memcpy(vb, r->id, HLN_HASH_LEN);
    } else {
        goto out;
    }
    vb[HLN_HASH_LEN] = rt->erase ? 1 : 0;
    v.mv_size = RET_VAL_LEN, v.mv_data = vb;
    if ((rc = xlate(mdb_put(txn, s->retracted, &k, &v, 0))))
        goto out;
    rc = erase_stored(s, txn, rt->target, r->env.author, rt->erase);
    if (rc == HLN_ENOTFOUND)
        rc = 0; /* the target has not arrived: it is marked when it does */
out:
    return rc;
}

static bool is_record_level(int rc)
{
    return rc == HLN_EDUP || rc == HLN_EFORK || rc == HLN_ECHAIN || rc == HLN_ETIME ||
           rc == HLN_EINVAL;
}

/* Append one record inside `txn`. Every refusal is decided before the
 * first write, so a refused record writes nothing (except a fork proof). */
static int append_one(hln_store *s, MDB_txn *txn, const hln_record *r)
{
    const hln_envelope *e = &r->env;
    uint8_t sk[SEQ_KEY_LEN], hv[HEAD_VAL_LEN];
    MDB_val k = {SEQ_KEY_LEN, sk}, v;
    const hln_record *stored = r;
    bool retracted = false;
    int rc = 0;

    if (r->raw_len == 0 || r->raw_len > HLN_RECORD_MAX || e->seq == 0 ||
        e->has_prev != (e->seq > 1) || strnlen(e->scope, sizeof e->scope) > HLN_SCOPE_MAX) {
        rc = HLN_EINVAL;
        goto out;
    }
    seq_key(e->author, e->scope, e->seq, sk);
    rc = xlate(mdb_get(txn, s->feeds, &k, &v));
    if (rc == 0) {
        if (v.mv_size == HLN_HASH_LEN && memcmp(v.mv_data, r->id, HLN_HASH_LEN) == 0) {
            rc = HLN_EDUP;
            goto out;
        }
        /* Two records for one (feed, seq): keep the first, store the proof once. */
        MDB_val pv = {r->raw_len, (void *)r->raw};
        rc = xlate(mdb_put(txn, s->forks, &k, &pv, MDB_NOOVERWRITE));
        if (rc == 0 || rc == HLN_EEXIST)
            rc = HLN_EFORK;
        goto out;
    }
    if (rc != HLN_ENOTFOUND)
        goto out;

    MDB_val hk = {FEED_KEY_LEN, sk}, hval;
    rc = xlate(mdb_get(txn, s->heads, &hk, &hval));
    if (rc == HLN_ENOTFOUND) {
        if (e->seq != 1) {
            rc = HLN_ECHAIN;
            goto out;
        }
    } else if (rc) {
        goto out;
    } else if (hval.mv_size != HEAD_VAL_LEN || get64(hval.mv_data) + 1 != e->seq ||
               memcmp((const uint8_t *)hval.mv_data + 8, e->prev, HLN_HASH_LEN) != 0) {
        rc = HLN_ECHAIN;
        goto out;
    } else if (e->timestamp_ms < get64((const uint8_t *)hval.mv_data + 8 + HLN_HASH_LEN)) {
        /* The author's clock may not step back inside a feed: the
         * observation index orders versions by timestamp, so a correction
         * dated before what it corrects would lose (docs/PROTOCOL.md §4). */
        rc = HLN_ETIME;
        goto out;
    }

    /* A retraction may have come first (from another feed of the author). */
    uint8_t rk[RET_KEY_LEN];
    memcpy(rk, r->id, HLN_HASH_LEN);
    memcpy(rk + HLN_HASH_LEN, e->author, HLN_KEY_LEN);
    MDB_val rkey = {RET_KEY_LEN, rk}, rval;
    rc = xlate(mdb_get(txn, s->retracted, &rkey, &rval));
    if (rc == 0) {
        retracted = true;
        if (rval.mv_size == RET_VAL_LEN && ((const uint8_t *)rval.mv_data)[HLN_HASH_LEN] &&
            r->has_body) {
            memcpy(s->scratch, r, sizeof *r);
            hln_record_erase_body(s->scratch);
            stored = s->scratch;
        }
    } else if (rc != HLN_ENOTFOUND) {
        goto out;
    }

    MDB_val ik = {HLN_HASH_LEN, (void *)r->id}, iv = {stored->raw_len, (void *)stored->raw};
    if ((rc = xlate(mdb_put(txn, s->records, &ik, &iv, 0))))
        goto out;
    v.mv_size = HLN_HASH_LEN, v.mv_data = (void *)r->id;
    if ((rc = xlate(mdb_put(txn, s->feeds, &k, &v, 0))))
        goto out;
    put64(hv, e->seq);
    memcpy(hv + 8, r->id, HLN_HASH_LEN);
    put64(hv + 8 + HLN_HASH_LEN, e->timestamp_ms);
    hval.mv_size = HEAD_VAL_LEN, hval.mv_data = hv;
    if ((rc = xlate(mdb_put(txn, s->heads, &hk, &hval, 0))))
        goto out;
    if (is_gov_type(e->type)) {
        /* A copy, not the id: a walk of the ids would fault in one random
         * page of records per governance record on a big store. */
        if ((rc = xlate(mdb_put(txn, s->gov, &k, &iv, 0))))
            goto out;
    }

    if (e->type == HLN_REC_OBSERVATION && r->has_body) {
        const hln_observation *o = &r->body.observation;
        uint8_t ob[OBS_KEY_MAX], ov[OBS_VAL_LEN];
        bool erased = stored != r;
        unsigned fl = (o->suppressed ? OBS_F_SUPPRESSED : 0) | (retracted ? OBS_F_RETRACTED : 0);
        obs_val(r->id, erased ? 0 : o->numerator, erased ? 0 : o->denominator, fl, ov);
        MDB_val okey = {obs_key(r, ob), ob}, oval = {OBS_VAL_LEN, ov};
        if ((rc = xlate(mdb_put(txn, s->obs, &okey, &oval, 0))))
            goto out;
    } else if (e->type == HLN_REC_RETRACT && r->has_body) {
        rc = apply_retract(s, txn, r);
    }
out:
    return rc;
}

typedef struct {
    const hln_record *recs;
    size_t n;
    int *results;
} batch_ctx;

static int batch_fn(hln_store *s, MDB_txn *txn, void *vctx)
{
    batch_ctx *c = vctx;
    int rc = 0;
    for (size_t i = 0; i < c->n; i++) {
        rc = append_one(s, txn, &c->recs[i]);
        c->results[i] = rc;
        if (rc && !is_record_level(rc))
            goto out; /* the whole transaction goes */
        rc = 0;
    }
out:
    return rc;
}

int hln_store_append_batch(hln_store *s, const hln_record *recs, size_t n, int *results)
{
    batch_ctx c = {recs, n, results};
    if (!s || (n && (!recs || !results)))
        return HLN_EINVAL;
    if (n == 0)
        return 0;
    int rc = run_write(s, batch_fn, &c);
    if (rc)
        rc = is_record_level(rc) ? HLN_ESTORE : rc;
    return rc;
}

typedef struct {
    size_t n;
    hln_record_fill_cb fill;
    void *ctx;
    int *results;
    hln_record *buf;
    int fill_rc; /* what fill returned, to pass back as it is */
} fill_ctx;

static int fill_fn(hln_store *s, MDB_txn *txn, void *vctx)
{
    fill_ctx *c = vctx;
    int rc = 0;
    c->fill_rc = 0;
    for (size_t i = 0; i < c->n; i++) {
        if ((rc = c->fill(c->ctx, i, c->buf)) != 0) {
            c->fill_rc = rc;
            goto out;
        }
        rc = append_one(s, txn, c->buf);
        c->results[i] = rc;
        if (rc && !is_record_level(rc))
            goto out;
        rc = 0;
    }
out:
    return rc;
}

int hln_store_append_fill(hln_store *s, size_t n, hln_record_fill_cb fill, void *ctx,
                          int *results)
{
    fill_ctx c = {n, fill, ctx, results, NULL, 0};
    if (!s || !fill || (n && !results))
        return HLN_EINVAL;
    if (n == 0)
        return 0;
    if (!(c.buf = malloc(sizeof *c.buf)))
        return HLN_ENOMEM;
    int rc = run_write(s, fill_fn, &c);
    if (c.fill_rc)
        rc = c.fill_rc;
    else if (rc)
        rc = is_record_level(rc) ? HLN_ESTORE : rc;
    free(c.buf);
    return rc;
}

int hln_store_append(hln_store *s, const hln_record *r)
{
    int result = 0;
    if (!s || !r)
        return HLN_EINVAL;
    int rc = hln_store_append_batch(s, r, 1, &result);
    return rc ? rc : result;
}

static int erase_fn(hln_store *s, MDB_txn *txn, void *ctx)
{
    return erase_stored(s, txn, ctx, NULL, true);
}

int hln_store_erase_body(hln_store *s, const uint8_t id[HLN_HASH_LEN])
{
    if (!s || !id)
        return HLN_EINVAL;
    return run_write(s, erase_fn, (void *)id);
}

/* ---- reading ---- */

static int get_in(hln_store *s, MDB_txn *txn, const uint8_t id[HLN_HASH_LEN], hln_record *out)
{
    MDB_val k = {HLN_HASH_LEN, (void *)id}, v;
    int rc = xlate(mdb_get(txn, s->records, &k, &v));
    if (rc == 0 && hln_record_decode(v.mv_data, v.mv_size, out, NULL, 0) != 0)
        rc = HLN_ESTORE;
    return rc;
}

int hln_store_get(hln_store *s, const uint8_t id[HLN_HASH_LEN], hln_record *out)
{
    MDB_txn *txn = NULL;
    int rc = HLN_EINVAL;
    if (!s || !id || !out)
        goto out;
    if ((rc = read_begin(s, &txn)))
        goto out;
    rc = get_in(s, txn, id, out);
out:
    if (s)
        read_end(s, &txn);
    return edge(rc);
}

int hln_store_feed_id(hln_store *s, const hln_feed_id *feed, uint64_t seq,
                      uint8_t id[HLN_HASH_LEN])
{
    MDB_txn *txn = NULL;
    uint8_t sk[SEQ_KEY_LEN];
    MDB_val k = {SEQ_KEY_LEN, sk}, v;
    int rc = HLN_EINVAL;
    if (!s || !feed || !id)
        goto out;
    seq_key(feed->author, feed->scope, seq, sk);
    if ((rc = read_begin(s, &txn)) || (rc = xlate(mdb_get(txn, s->feeds, &k, &v))))
        goto out;
    if (v.mv_size != HLN_HASH_LEN) {
        rc = HLN_ESTORE;
        goto out;
    }
    memcpy(id, v.mv_data, HLN_HASH_LEN);
out:
    if (s)
        read_end(s, &txn);
    return edge(rc);
}

int hln_store_feed_get(hln_store *s, const hln_feed_id *feed, uint64_t seq, hln_record *out)
{
    MDB_txn *txn = NULL;
    uint8_t sk[SEQ_KEY_LEN];
    MDB_val k = {SEQ_KEY_LEN, sk}, v;
    int rc = HLN_EINVAL;
    if (!s || !feed || !out)
        goto out;
    seq_key(feed->author, feed->scope, seq, sk);
    if ((rc = read_begin(s, &txn)) || (rc = xlate(mdb_get(txn, s->feeds, &k, &v))))
        goto out;
    if (v.mv_size != HLN_HASH_LEN) {
        rc = HLN_ESTORE;
        goto out;
    }
    rc = get_in(s, txn, v.mv_data, out);
out:
    if (s)
        read_end(s, &txn);
    return edge(rc);
}

static int head_get(hln_store *s, const hln_feed_id *feed, uint64_t *seq, uint8_t *id,
                    uint64_t *ts)
{
    MDB_txn *txn = NULL;
    uint8_t fk[FEED_KEY_LEN];
    MDB_val k = {FEED_KEY_LEN, fk}, v;
    int rc = HLN_EINVAL;
    if (seq)
        *seq = 0;
    if (!s || !feed)
        goto out;
    feed_key(feed->author, feed->scope, fk);
    if ((rc = read_begin(s, &txn)) || (rc = xlate(mdb_get(txn, s->heads, &k, &v))))
        goto out;
    if (v.mv_size != HEAD_VAL_LEN) {
        rc = HLN_ESTORE;
        goto out;
    }
    if (seq)
        *seq = get64(v.mv_data);
    if (id)
        memcpy(id, (const uint8_t *)v.mv_data + 8, HLN_HASH_LEN);
    if (ts)
        *ts = get64((const uint8_t *)v.mv_data + 8 + HLN_HASH_LEN);
out:
    if (s)
        read_end(s, &txn);
    return edge(rc);
}

int hln_store_head(hln_store *s, const hln_feed_id *feed, uint64_t *seq, uint8_t id[HLN_HASH_LEN])
{
    return head_get(s, feed, seq, id, NULL);
}

int hln_store_head_time(hln_store *s, const hln_feed_id *feed, uint64_t *ts_ms)
{
    if (ts_ms)
        *ts_ms = 0;
    return head_get(s, feed, NULL, NULL, ts_ms);
}

int hln_store_foreach_head(hln_store *s, hln_head_cb cb, void *ctx)
{
    MDB_txn *txn = NULL;
    MDB_cursor *cur = NULL;
    MDB_val k, v;
    hln_feed_id feed;
    int rc = HLN_EINVAL, mrc;
    if (!s || !cb)
        goto out;
    if ((rc = read_begin(s, &txn)) || (rc = xlate(mdb_cursor_open(txn, s->heads, &cur))))
        goto out;
    for (mrc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); mrc == 0;
         mrc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        if (k.mv_size != FEED_KEY_LEN || v.mv_size != HEAD_VAL_LEN)
            continue; /* hln_store_verify reports it */
        feed_from_key(k.mv_data, &feed);
        if ((rc = cb(ctx, &feed, get64(v.mv_data), (const uint8_t *)v.mv_data + 8)))
            goto out;
    }
    rc = mrc == MDB_NOTFOUND ? 0 : xlate(mrc);
out:
    if (cur)
        mdb_cursor_close(cur);
    if (s)
        read_end(s, &txn);
    return edge(rc);
}

/* Walk feeds entries from `start` while the first `plen` bytes match
 * (plen 0: all), up to seq `to` (0: no bound), decoding each record. */
static int walk_feeds(hln_store *s, const uint8_t *start, size_t plen, uint64_t to,
                      hln_record_cb cb, void *ctx)
{
    MDB_txn *txn = NULL;
    MDB_cursor *cur = NULL;
    hln_record *r = NULL;
    MDB_val k = {SEQ_KEY_LEN, (void *)start}, v;
    int rc = 0, mrc;
    if (!(r = malloc(sizeof *r))) {
        rc = HLN_ENOMEM;
        goto out;
    }
    if ((rc = read_begin(s, &txn)) || (rc = xlate(mdb_cursor_open(txn, s->feeds, &cur))))
        goto out;
    for (mrc = mdb_cursor_get(cur, &k, &v, start ? MDB_SET_RANGE : MDB_FIRST); mrc == 0;
         mrc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        if (k.mv_size != SEQ_KEY_LEN || v.mv_size != HLN_HASH_LEN) {
            rc = HLN_ESTORE;
            goto out;
        }
        if (plen && memcmp(k.mv_data, start, plen) != 0)
            break;
        if (to && get64((const uint8_t *)k.mv_data + FEED_KEY_LEN) > to)
            break;
        if ((rc = get_in(s, txn, v.mv_data, r)) || (rc = cb(ctx, r)))
            goto out;
    }
    rc = (mrc == 0 || mrc == MDB_NOTFOUND) ? 0 : xlate(mrc);
out:
    if (cur)
        mdb_cursor_close(cur);
    read_end(s, &txn);
    free(r);
    return edge(rc);
}

int hln_store_foreach_feed(hln_store *s, const hln_feed_id *feed, uint64_t from_seq,
                           uint64_t to_seq, hln_record_cb cb, void *ctx)
{
    uint8_t sk[SEQ_KEY_LEN];
    if (!s || !feed || !cb)
        return HLN_EINVAL;
    seq_key(feed->author, feed->scope, from_seq ? from_seq : 1, sk);
    return walk_feeds(s, sk, FEED_KEY_LEN, to_seq, cb, ctx);
}

int hln_store_foreach_record(hln_store *s, hln_record_cb cb, void *ctx)
{
    if (!s || !cb)
        return HLN_EINVAL;
    return walk_feeds(s, NULL, 0, 0, cb, ctx);
}

static int retraction_of(hln_store *s, MDB_txn *txn, const uint8_t id[HLN_HASH_LEN],
                         const uint8_t author[HLN_KEY_LEN]);

/* Check one index entry against its record and take the counts from the
 * record. false: the entry must not be used. */
static bool obs_entry_agrees(hln_store *s, MDB_txn *txn, const void *key, size_t klen,
                             hln_obs_entry *e)
{
    uint8_t kb[OBS_KEY_MAX];
    MDB_val ik = {HLN_HASH_LEN, e->id}, iv;
    hln_record *r = malloc(sizeof *r);
    bool ok = false;
    if (!r || mdb_get(txn, s->records, &ik, &iv) != 0 ||
        hln_record_decode(iv.mv_data, iv.mv_size, r, NULL, 0) != 0 ||
        memcmp(r->id, e->id, HLN_HASH_LEN) != 0 || r->env.type != HLN_REC_OBSERVATION)
        goto out;
    if (!r->has_body) {
        /* Erased by its author: the entry stays, retracted, counting nothing. */
        ok = e->retracted;
        e->numerator = e->denominator = 0;
        goto out;
    }
    if (obs_key(r, kb) != klen || memcmp(kb, key, klen) != 0)
        goto out;
    e->retracted = retraction_of(s, txn, r->id, r->env.author) != 0;
    e->numerator = r->body.observation.numerator;
    e->denominator = r->body.observation.denominator;
    e->suppressed = r->body.observation.suppressed;
    ok = true;
out:
    free(r);
    return ok;
}

static uint64_t memo_hash(const void *key, size_t klen, const void *val, size_t vlen)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (size_t i = 0; i < klen; i++)
        h = (h ^ ((const uint8_t *)key)[i]) * 1099511628211ull;
    for (size_t i = 0; i < vlen; i++)
        h = (h ^ ((const uint8_t *)val)[i]) * 1099511628211ull;
    return h;
}

static memo_ent *memo_slot(obs_memo *m, const uint8_t id[HLN_HASH_LEN])
{
    uint64_t h;
    memcpy(&h, id, sizeof h);
    for (size_t i = h & (m->cap - 1);; i = (i + 1) & (m->cap - 1))
        if (!(m->tab[i].flags & MEMO_USED) || memcmp(m->tab[i].id, id, HLN_HASH_LEN) == 0)
            return &m->tab[i];
}

/* Room for one more entry of snapshot txnid: a new snapshot or a full
 * table starts again; false when no memory (the memo is then not used). */
static bool memo_room(obs_memo *m, size_t txnid)
{
    if (m->tab && m->txnid != txnid) {
        free(m->tab);
        m->tab = NULL;
    }
    m->txnid = txnid;
    if (m->tab && (m->n + 1) * 2 <= m->cap)
        return true;
    if (m->tab && m->cap >= MEMO_MAX) {
        memset(m->tab, 0, m->cap * sizeof *m->tab);
        m->n = 0;
        return true;
    }
    size_t cap = m->tab ? m->cap * 2 : 4096;
    memo_ent *old = m->tab, *t = calloc(cap, sizeof *t);
    if (!t)
        return false;
    size_t oldcap = m->cap;
    m->tab = t, m->cap = cap, m->n = 0;
    for (size_t i = 0; old && i < oldcap; i++)
        if (old[i].flags & MEMO_USED) {
            *memo_slot(m, old[i].id) = old[i];
            m->n++;
        }
    free(old);
    return true;
}

/* obs_entry_agrees, remembered for the snapshot of txn: the record is read
 * and decoded once however many walks pass over its entry. */
static bool obs_entry_agrees_memo(hln_store *s, MDB_txn *txn, const MDB_val *k, const MDB_val *v,
                                  hln_obs_entry *e)
{
    obs_memo *m = &s->memo;
    size_t txnid = mdb_txn_id(txn);
    uint64_t kh = memo_hash(k->mv_data, k->mv_size, v->mv_data, v->mv_size);
    pthread_mutex_lock(&m->mu);
    if (m->tab && m->txnid == txnid) {
        const memo_ent *me = memo_slot(m, e->id);
        if ((me->flags & MEMO_USED) && me->key_hash == kh) {
            e->numerator = me->numerator;
            e->denominator = me->denominator;
            e->suppressed = me->flags & MEMO_SUPPRESSED;
            e->retracted = me->flags & MEMO_RETRACTED;
            bool ok = me->flags & MEMO_AGREES;
            pthread_mutex_unlock(&m->mu);
            return ok;
        }
    }
    pthread_mutex_unlock(&m->mu);
    bool ok = obs_entry_agrees(s, txn, k->mv_data, k->mv_size, e);
    pthread_mutex_lock(&m->mu);
    if (memo_room(m, txnid)) {
        memo_ent *me = memo_slot(m, e->id);
        if (!(me->flags & MEMO_USED))
            m->n++;
        memcpy(me->id, e->id, HLN_HASH_LEN);
        me->key_hash = kh;
        me->numerator = e->numerator;
        me->denominator = e->denominator;
        me->flags = MEMO_USED | (ok ? MEMO_AGREES : 0) | (e->suppressed ? MEMO_SUPPRESSED : 0) |
                    (e->retracted ? MEMO_RETRACTED : 0);
    }
    pthread_mutex_unlock(&m->mu);
    return ok;
}

typedef struct {
    hln_record_cb cb;
    void *ctx;
    uint32_t types;
} gov_filter;

static int gov_only(void *ctx, const hln_record *r)
{
    gov_filter *f = ctx;
    return is_gov_type(r->env.type) && (f->types & HLN_STORE_GOV_TYPE(r->env.type))
               ? f->cb(f->ctx, r)
               : 0;
}

int hln_store_foreach_gov(hln_store *s, hln_record_cb cb, void *ctx)
{
    return hln_store_foreach_gov_of(s, UINT32_MAX, cb, ctx);
}

int hln_store_foreach_gov_of(hln_store *s, uint32_t types, hln_record_cb cb, void *ctx)
{
    MDB_txn *txn = NULL;
    MDB_cursor *cur = NULL, *fcur = NULL;
    hln_record *r = NULL;
    MDB_val k, v;
    bool fpos = false; /* fcur is on the entry of the last record handed on */
    int rc = HLN_EINVAL, mrc;
    if (!s || !cb)
        goto out;
    if (!s->gov_ready) {
        gov_filter f = {cb, ctx, types};
        rc = walk_feeds(s, NULL, 0, 0, gov_only, &f);
        goto out;
    }
    if (!(r = malloc(sizeof *r))) {
        rc = HLN_ENOMEM;
        goto out;
    }
    if ((rc = read_begin(s, &txn)) || (rc = xlate(mdb_cursor_open(txn, s->gov, &cur))) ||
        (rc = xlate(mdb_cursor_open(txn, s->feeds, &fcur))))
        goto out;
    for (mrc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); mrc == 0;
         mrc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        uint32_t type;
        if (k.mv_size != SEQ_KEY_LEN || hln_record_peek_type(v.mv_data, v.mv_size, &type) != 0) {
            rc = HLN_ESTORE;
            goto out;
        }
        if (!(types & HLN_STORE_GOV_TYPE(type)))
            continue;
        /* The copy is of the record the feed holds at this (feed, seq):
         * its id is the one `feeds` recorded when it came in, checked
         * then, so the copy is decoded without hashing it again
         * (hln_record_decode_stored; hln_store_verify compares the copy
         * with the record and checks the record's hashes). */
        MDB_val fk, fv;
        /* Runs of governance records (a batch of admissions) are runs of
         * one feed: the next entry of `feeds` is most often the one. */
        bool at = fpos && mdb_cursor_get(fcur, &fk, &fv, MDB_NEXT) == 0 &&
                  fk.mv_size == SEQ_KEY_LEN && memcmp(fk.mv_data, k.mv_data, SEQ_KEY_LEN) == 0;
        fk = k;
        if (!at && mdb_cursor_get(fcur, &fk, &fv, MDB_SET_KEY) != 0) {
            rc = HLN_ESTORE;
            goto out;
        }
        fpos = true;
        if (fv.mv_size != HLN_HASH_LEN ||
            hln_record_decode_stored(v.mv_data, v.mv_size, fv.mv_data, r, NULL, 0) != 0) {
            rc = HLN_ESTORE;
            goto out;
        }
        if ((rc = cb(ctx, r)))
            goto out;
    }
    rc = mrc == MDB_NOTFOUND ? 0 : xlate(mrc);
out:
    if (fcur)
        mdb_cursor_close(fcur);
    if (cur)
        mdb_cursor_close(cur);
    if (s)
        read_end(s, &txn);
    free(r);
    return edge(rc);
}

int hln_store_foreach_obs(hln_store *s, const char *indicator, const char *period,
                          const char *stratum, hln_obs_cb cb, void *ctx)
{
    MDB_txn *txn = NULL;
    MDB_cursor *cur = NULL;
    uint8_t pre[3 * (HLN_CODE_MAX + 1)];
    size_t plen = 0;
    MDB_val k, v;
    obs_parts p;
    hln_obs_entry e;
    int rc = HLN_EINVAL, mrc;

    if (!s || !indicator || !cb || strlen(indicator) > HLN_CODE_MAX ||
        (period && strlen(period) > HLN_CODE_MAX) || (stratum && strlen(stratum) > HLN_CODE_MAX))
        goto out;
    /* The longest key prefix the filters fix; a stratum without a period is
     * filtered entry by entry. */
    plen = put_str(pre, indicator);
    if (period) {
        plen += put_str(pre + plen, period);
        if (stratum)
            plen += put_str(pre + plen, stratum);
    }
    if ((rc = read_begin(s, &txn)) || (rc = xlate(mdb_cursor_open(txn, s->obs, &cur))))
        goto out;
    k.mv_size = plen, k.mv_data = pre;
    for (mrc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); mrc == 0;
         mrc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        if (k.mv_size < plen || memcmp(k.mv_data, pre, plen) != 0)
            break;
        if (obs_split(k.mv_data, k.mv_size, &p) != 0 || v.mv_size != OBS_VAL_LEN) {
            rc = HLN_ESTORE;
            goto out;
        }
        if (stratum && strcmp(p.stratum, stratum) != 0)
            continue;
        const uint8_t *vb = v.mv_data;
        memset(&e, 0, sizeof e);
        e.indicator = p.indicator, e.period = p.period, e.stratum = p.stratum, e.unit = p.unit;
        memcpy(e.author, p.author, HLN_KEY_LEN);
        memcpy(e.scope, p.scope, HLN_SCOPE_MAX);
        e.timestamp_ms = p.ts, e.seq = p.seq;
        memcpy(e.id, vb, HLN_HASH_LEN);
        e.numerator = get64(vb + HLN_HASH_LEN);
        e.denominator = get64(vb + HLN_HASH_LEN + 8);
        e.suppressed = vb[HLN_HASH_LEN + 16] & OBS_F_SUPPRESSED;
        e.retracted = vb[HLN_HASH_LEN + 16] & OBS_F_RETRACTED;
        /* The index is a cache of the records: what counts is the record
         * (issue 17). An entry whose record is not held, does not match
         * its id or is indexed under another key is skipped. */
        if (!obs_entry_agrees_memo(s, txn, &k, &v, &e)) {
            s->obs_skipped++;
            continue;
        }
        if ((rc = cb(ctx, &e)))
            goto out;
    }
    rc = (mrc == 0 || mrc == MDB_NOTFOUND) ? 0 : xlate(mrc);
out:
    if (cur)
        mdb_cursor_close(cur);
    if (s)
        read_end(s, &txn);
    return edge(rc);
}

int hln_store_counts(hln_store *s, uint64_t *feeds, uint64_t *records)
{
    MDB_txn *txn = NULL;
    MDB_stat st;
    int rc = HLN_EINVAL;
    if (!s)
        goto out;
    if ((rc = read_begin(s, &txn)))
        goto out;
    if (feeds) {
        if ((rc = xlate(mdb_stat(txn, s->heads, &st))))
            goto out;
        *feeds = st.ms_entries;
    }
    if (records) {
        if ((rc = xlate(mdb_stat(txn, s->records, &st))))
            goto out;
        *records = st.ms_entries;
    }
out:
    if (s)
        read_end(s, &txn);
    return edge(rc);
}

/* ---- forks ---- */

int hln_store_foreach_fork(hln_store *s, hln_fork_cb cb, void *ctx)
{
    MDB_txn *txn = NULL;
    MDB_cursor *cur = NULL;
    hln_record *pair = NULL;
    MDB_val k, v, fv;
    int rc = HLN_EINVAL, mrc;
    if (!s || !cb)
        goto out;
    if (!(pair = malloc(2 * sizeof *pair))) {
        rc = HLN_ENOMEM;
        goto out;
    }
    if ((rc = read_begin(s, &txn)) || (rc = xlate(mdb_cursor_open(txn, s->forks, &cur))))
        goto out;
    for (mrc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); mrc == 0;
         mrc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        /* The key of the proof is the key of the first record in feeds. */
        if ((rc = xlate(mdb_get(txn, s->feeds, &k, &fv))))
            goto out;
        if (fv.mv_size != HLN_HASH_LEN || (rc = get_in(s, txn, fv.mv_data, &pair[0])))
            goto out;
        if (hln_record_decode(v.mv_data, v.mv_size, &pair[1], NULL, 0) != 0) {
            rc = HLN_ESTORE;
            goto out;
        }
        if ((rc = cb(ctx, &pair[0], &pair[1])))
            goto out;
    }
    rc = mrc == MDB_NOTFOUND ? 0 : xlate(mrc);
out:
    if (cur)
        mdb_cursor_close(cur);
    if (s)
        read_end(s, &txn);
    free(pair);
    return edge(rc == HLN_ENOTFOUND ? HLN_ESTORE : rc);
}

bool hln_store_author_forked(hln_store *s, const uint8_t author[HLN_KEY_LEN])
{
    MDB_txn *txn = NULL;
    MDB_cursor *cur = NULL;
    MDB_val k = {HLN_KEY_LEN, (void *)author}, v;
    bool forked = false;
    if (!s || !author || read_begin(s, &txn) != 0)
        goto out;
    if (mdb_cursor_open(txn, s->forks, &cur) != 0)
        goto out;
    forked = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE) == 0 && k.mv_size >= HLN_KEY_LEN &&
             memcmp(k.mv_data, author, HLN_KEY_LEN) == 0;
out:
    if (cur)
        mdb_cursor_close(cur);
    if (s)
        read_end(s, &txn);
    return forked;
}

/* ---- kv tables ---- */

static bool kv_args_ok(hln_store *s, hln_table t, const void *key, size_t klen)
{
    return s && (unsigned)t <= HLN_TABLE_FLAGS && key && klen > 0 && klen <= KV_KEY_MAX;
}

/* The store's own meta keys are not the node's to change. */
static bool kv_reserved(hln_table t, const void *key, size_t klen)
{
    return t == HLN_TABLE_META && klen >= sizeof META_RESERVED - 1 &&
           memcmp(key, META_RESERVED, sizeof META_RESERVED - 1) == 0;
}

typedef struct {
    hln_table t;
    MDB_val k, v;
    bool del;
} kv_ctx;

static int kv_fn(hln_store *s, MDB_txn *txn, void *vctx)
{
    kv_ctx *c = vctx;
    if (c->del)
        return xlate(mdb_del(txn, s->kv[c->t], &c->k, NULL));
    return xlate(mdb_put(txn, s->kv[c->t], &c->k, &c->v, 0));
}

int hln_store_kv_put(hln_store *s, hln_table t, const void *key, size_t klen, const void *val,
                     size_t vlen)
{
    if (!kv_args_ok(s, t, key, klen) || (vlen && !val))
        return HLN_EINVAL;
    if (vlen > KV_VAL_MAX)
        return HLN_ETOOBIG;
    if (kv_reserved(t, key, klen))
        return HLN_EPERM;
    kv_ctx c = {t, {klen, (void *)key}, {vlen, (void *)val}, false};
    return run_write(s, kv_fn, &c);
}

int hln_store_kv_del(hln_store *s, hln_table t, const void *key, size_t klen)
{
    if (!kv_args_ok(s, t, key, klen))
        return HLN_EINVAL;
    if (kv_reserved(t, key, klen))
        return HLN_EPERM;
    kv_ctx c = {t, {klen, (void *)key}, {0, NULL}, true};
    return run_write(s, kv_fn, &c);
}

int hln_store_kv_get(hln_store *s, hln_table t, const void *key, size_t klen, void *val,
                     size_t cap, size_t *vlen)
{
    MDB_txn *txn = NULL;
    MDB_val k = {klen, (void *)key}, v;
    int rc = HLN_EINVAL;
    if (!kv_args_ok(s, t, key, klen) || (cap && !val))
        goto out;
    if ((rc = read_begin(s, &txn)) || (rc = xlate(mdb_get(txn, s->kv[t], &k, &v))))
        goto out;
    memcpy(val, v.mv_data, v.mv_size < cap ? v.mv_size : cap);
    if (vlen)
        *vlen = v.mv_size;
out:
    if (s)
        read_end(s, &txn);
    return edge(rc);
}

int hln_store_kv_foreach(hln_store *s, hln_table t, hln_kv_cb cb, void *ctx)
{
    MDB_txn *txn = NULL;
    MDB_cursor *cur = NULL;
    MDB_val k, v;
    int rc = HLN_EINVAL, mrc;
    if (!s || (unsigned)t > HLN_TABLE_FLAGS || !cb)
        goto out;
    if ((rc = read_begin(s, &txn)) || (rc = xlate(mdb_cursor_open(txn, s->kv[t], &cur))))
        goto out;
    for (mrc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); mrc == 0;
         mrc = mdb_cursor_get(cur, &k, &v, MDB_NEXT))
        if ((rc = cb(ctx, k.mv_data, k.mv_size, v.mv_data, v.mv_size)))
            goto out;
    rc = mrc == MDB_NOTFOUND ? 0 : xlate(mrc);
out:
    if (cur)
        mdb_cursor_close(cur);
    if (s)
        read_end(s, &txn);
    return edge(rc);
}

/* ---- backup ---- */

/* A restored backup is a store that has forgotten what it told its peers
 * since the copy: it gets its own incarnation (docs/STORE.md, docs/SYNC.md §4). */
static int reincarnate(const char *dir)
{
    MDB_env *env = NULL;
    MDB_txn *txn = NULL;
    MDB_dbi meta;
    uint8_t inc[HLN_INCARNATION_LEN];
    MDB_val k = {sizeof META_INCARNATION - 1, (void *)META_INCARNATION}, v = {sizeof inc, inc};
    int rc;
    hln_random(inc, sizeof inc);
    if ((rc = mdb_env_create(&env)) || (rc = mdb_env_set_maxdbs(env, MAX_DBS)) ||
        (rc = mdb_env_open(env, dir, 0, 0600)) || (rc = mdb_txn_begin(env, NULL, 0, &txn)) ||
        (rc = mdb_dbi_open(txn, "meta", 0, &meta)) || (rc = mdb_put(txn, meta, &k, &v, 0)))
        goto out;
    rc = mdb_txn_commit(txn);
    txn = NULL;
out:
    if (txn)
        mdb_txn_abort(txn);
    if (env)
        mdb_env_close(env);
    return xlate(rc);
}

int hln_store_backup(hln_store *s, const char *path)
{
    int rc = 0;
    if (!s || !path) {
        rc = HLN_EINVAL;
        goto out;
    }
    /* The copy is a new store directory (path/data.mdb): it opens with
     * hln_store_open as it is. */
    if (mkdir(path, 0700) != 0) {
        rc = errno == EEXIST ? HLN_EEXIST : errno == EACCES ? HLN_EPERM : HLN_EIO;
        goto out;
    }
    if ((rc = xlate(mdb_env_copy2(s->env, path, MDB_CP_COMPACT))))
        goto out;
    rc = reincarnate(path);
out:
    return edge(rc);
}

/* ---- verify ---- */

typedef struct {
    hln_problem_cb cb;
    void *ctx;
    int n;
} problems;

static void problem(problems *pr, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void problem(problems *pr, const char *fmt, ...)
{
    char line[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    pr->n++;
    if (pr->cb)
        pr->cb(pr->ctx, line);
}

static void short_hex(const uint8_t *b, char out[17])
{
    hln_hex(b, 8, out);
}

/* The retraction state of a record: 0 none, 1 retracted, 2 retracted with erase. */
static int retraction_of(hln_store *s, MDB_txn *txn, const uint8_t id[HLN_HASH_LEN],
                         const uint8_t author[HLN_KEY_LEN])
{
    uint8_t rk[RET_KEY_LEN];
    MDB_val k = {RET_KEY_LEN, rk}, v;
    memcpy(rk, id, HLN_HASH_LEN);
    memcpy(rk + HLN_HASH_LEN, author, HLN_KEY_LEN);
    if (mdb_get(txn, s->retracted, &k, &v) != 0)
        return 0;
    return (v.mv_size == RET_VAL_LEN && ((const uint8_t *)v.mv_data)[HLN_HASH_LEN]) ? 2 : 1;
}

/* Check a decoded record's obs entry against the record. */
static void verify_obs_of(hln_store *s, MDB_txn *txn, const hln_record *r, int retr, problems *pr)
{
    const hln_observation *o = &r->body.observation;
    uint8_t kb[OBS_KEY_MAX];
    char h[17];
    MDB_val k = {obs_key(r, kb), kb}, v;
    short_hex(r->id, h);
    if (mdb_get(txn, s->obs, &k, &v) != 0 || v.mv_size != OBS_VAL_LEN) {
        problem(pr, "record %s: observation missing from the index", h);
        return;
    }
    const uint8_t *vb = v.mv_data;
    unsigned fl = (o->suppressed ? OBS_F_SUPPRESSED : 0) | (retr ? OBS_F_RETRACTED : 0);
    if (memcmp(vb, r->id, HLN_HASH_LEN) != 0 || get64(vb + HLN_HASH_LEN) != o->numerator ||
        get64(vb + HLN_HASH_LEN + 8) != o->denominator || vb[HLN_HASH_LEN + 16] != fl)
        problem(pr, "record %s: index entry does not match the record", h);
}

static void verify_chains(hln_store *s, MDB_txn *txn, hln_record *r, problems *pr,
                          uint64_t *nfeeds)
{
    MDB_cursor *cur = NULL;
    MDB_val k, v, hk, hv;
    uint8_t feed[FEED_KEY_LEN], last_id[HLN_HASH_LEN];
    uint64_t expect = 0, last_seq = 0;
    bool in_feed = false;
    char h[17], a[17];
    int mrc;

    if (mdb_cursor_open(txn, s->feeds, &cur) != 0) {
        problem(pr, "feeds: cannot open a cursor");
        return;
    }
    for (mrc = mdb_cursor_get(cur, &k, &v, MDB_FIRST);; mrc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        bool valid = mrc == 0 && k.mv_size == SEQ_KEY_LEN && v.mv_size == HLN_HASH_LEN;
        if (mrc == 0 && !valid) {
            problem(pr, "feeds: malformed entry");
            continue;
        }
        /* Leaving a feed: its head must be its last record. */
        if (in_feed && (!valid || memcmp(k.mv_data, feed, FEED_KEY_LEN) != 0)) {
            short_hex(feed, a);
            hk.mv_size = FEED_KEY_LEN, hk.mv_data = feed;
            if (mdb_get(txn, s->heads, &hk, &hv) != 0 || hv.mv_size != HEAD_VAL_LEN)
                problem(pr, "feed %s/%.6s: no head", a, feed + HLN_KEY_LEN);
            else if (get64(hv.mv_data) != last_seq ||
                     memcmp((const uint8_t *)hv.mv_data + 8, last_id, HLN_HASH_LEN) != 0)
                problem(pr, "feed %s/%.6s: head is not the last record", a, feed + HLN_KEY_LEN);
            in_feed = false;
        }
        if (mrc != 0)
            break;
        const uint8_t *kb = k.mv_data;
        uint64_t seq = get64(kb + FEED_KEY_LEN);
        if (!in_feed) {
            memcpy(feed, kb, FEED_KEY_LEN);
            in_feed = true;
            expect = 1;
            (*nfeeds)++;
        }
        short_hex(v.mv_data, h);
        short_hex(feed, a);
        if (seq != expect)
            problem(pr, "feed %s/%.6s: seq %llu where %llu was due", a, feed + HLN_KEY_LEN,
                    (unsigned long long)seq, (unsigned long long)expect);
        expect = seq + 1;
        MDB_val ik = {HLN_HASH_LEN, v.mv_data}, iv;
        int drc;
        if (mdb_get(txn, s->records, &ik, &iv) != 0) {
            problem(pr, "record %s (feed %s seq %llu): missing", h, a, (unsigned long long)seq);
        } else if ((drc = hln_record_decode(iv.mv_data, iv.mv_size, r, NULL, 0)) != 0) {
            problem(pr, "record %s (feed %s seq %llu): %s", h, a, (unsigned long long)seq,
                    hln_strerror(drc));
        } else {
            hln_feed_id fid;
            uint8_t fk[FEED_KEY_LEN];
            hln_record_feed(r, &fid);
            feed_key(fid.author, fid.scope, fk);
            if (memcmp(r->id, v.mv_data, HLN_HASH_LEN) != 0)
                problem(pr, "record %s: stored under another id", h);
            if (hln_record_verify(r) != 0)
                problem(pr, "record %s: bad signature", h);
            if (memcmp(fk, feed, FEED_KEY_LEN) != 0 || r->env.seq != seq)
                problem(pr, "record %s: not the record of its feed and seq", h);
            if (seq > 1 && (!r->env.has_prev || memcmp(r->env.prev, last_id, HLN_HASH_LEN) != 0))
                problem(pr, "record %s: prev does not name seq %llu", h,
                        (unsigned long long)(seq - 1));
            int retr = retraction_of(s, txn, r->id, r->env.author);
            if (retr == 2 && r->has_body)
                problem(pr, "record %s: retracted with erase but the body is held", h);
            if (r->env.type == HLN_REC_OBSERVATION && r->has_body)
                verify_obs_of(s, txn, r, retr, pr);
            MDB_val gv;
            if (s->gov_ready && is_gov_type(r->env.type) &&
                (mdb_get(txn, s->gov, &k, &gv) != 0 || gv.mv_size != iv.mv_size ||
                 memcmp(gv.mv_data, iv.mv_data, iv.mv_size) != 0))
                problem(pr, "record %s: missing from the governance index, or not its copy", h);
        }
        last_seq = seq;
        memcpy(last_id, v.mv_data, HLN_HASH_LEN);
    }
    mdb_cursor_close(cur);
}

/* Every index entry must name a held observation; with a body, the entry's
 * key must be the record's own (so no stray or duplicate entries). */
static void verify_index(hln_store *s, MDB_txn *txn, hln_record *r, problems *pr)
{
    MDB_cursor *cur = NULL;
    MDB_val k, v;
    uint8_t kb[OBS_KEY_MAX];
    obs_parts p;
    char h[17];
    if (mdb_cursor_open(txn, s->obs, &cur) != 0) {
        problem(pr, "obs: cannot open a cursor");
        return;
    }
    while (mdb_cursor_get(cur, &k, &v, MDB_NEXT) == 0) {
        if (obs_split(k.mv_data, k.mv_size, &p) != 0 || v.mv_size != OBS_VAL_LEN) {
            problem(pr, "obs: malformed entry");
            continue;
        }
        const uint8_t *vb = v.mv_data;
        short_hex(vb, h);
        MDB_val ik = {HLN_HASH_LEN, (void *)vb}, iv;
        if (mdb_get(txn, s->records, &ik, &iv) != 0) {
            problem(pr, "obs: entry for record %s which is not held", h);
            continue;
        }
        if (hln_record_decode(iv.mv_data, iv.mv_size, r, NULL, 0) != 0)
            continue; /* reported by the chain walk */
        if (r->env.type != HLN_REC_OBSERVATION) {
            problem(pr, "obs: entry for record %s which is no observation", h);
        } else if (r->has_body) {
            if (obs_key(r, kb) != k.mv_size || memcmp(kb, k.mv_data, k.mv_size) != 0)
                problem(pr, "obs: stray entry for record %s", h);
        } else if (!(vb[HLN_HASH_LEN + 16] & OBS_F_RETRACTED) || get64(vb + HLN_HASH_LEN) ||
                   get64(vb + HLN_HASH_LEN + 8)) {
            problem(pr, "obs: entry of erased record %s keeps counts or is not retracted", h);
        }
    }
    mdb_cursor_close(cur);
}

static void verify_forks(hln_store *s, MDB_txn *txn, hln_record *r, problems *pr)
{
    MDB_cursor *cur = NULL;
    MDB_val k, v, fv;
    char h[17];
    if (mdb_cursor_open(txn, s->forks, &cur) != 0) {
        problem(pr, "forks: cannot open a cursor");
        return;
    }
    while (mdb_cursor_get(cur, &k, &v, MDB_NEXT) == 0) {
        short_hex(k.mv_data, h);
        if (k.mv_size != SEQ_KEY_LEN || mdb_get(txn, s->feeds, &k, &fv) != 0 ||
            fv.mv_size != HLN_HASH_LEN) {
            problem(pr, "fork proof against %s: no first record", h);
            continue;
        }
        uint8_t fk[SEQ_KEY_LEN];
        if (hln_record_decode(v.mv_data, v.mv_size, r, NULL, 0) != 0 || hln_record_verify(r) != 0) {
            problem(pr, "fork proof against %s: the second record does not verify", h);
            continue;
        }
        seq_key(r->env.author, r->env.scope, r->env.seq, fk);
        if (memcmp(fk, k.mv_data, SEQ_KEY_LEN) != 0 || memcmp(r->id, fv.mv_data, HLN_HASH_LEN) == 0)
            problem(pr, "fork proof against %s: not a second record of that feed and seq", h);
    }
    mdb_cursor_close(cur);
}

int hln_store_verify(hln_store *s, hln_problem_cb cb, void *ctx)
{
    MDB_txn *txn = NULL;
    MDB_stat st;
    hln_record *r = NULL;
    problems pr = {cb, ctx, 0};
    uint64_t nfeeds = 0;
    int rc = HLN_EINVAL;
    if (!s)
        goto out;
    if (!(r = malloc(sizeof *r))) {
        rc = HLN_ENOMEM;
        goto out;
    }
    if ((rc = read_begin(s, &txn)))
        goto out;
    verify_chains(s, txn, r, &pr, &nfeeds);
    verify_index(s, txn, r, &pr);
    verify_forks(s, txn, r, &pr);
    MDB_stat fst;
    if (mdb_stat(txn, s->heads, &st) == 0 && st.ms_entries != nfeeds)
        problem(&pr, "heads: %zu heads for %llu feeds", st.ms_entries, (unsigned long long)nfeeds);
    if (mdb_stat(txn, s->records, &st) == 0 && mdb_stat(txn, s->feeds, &fst) == 0 &&
        st.ms_entries != fst.ms_entries)
        problem(&pr, "records: %zu records but %zu feed entries", st.ms_entries, fst.ms_entries);
    rc = pr.n;
out:
    if (s)
        read_end(s, &txn);
    free(r);
    return edge(rc);
}

/* ---- healing ---- */

typedef struct {
    unsigned flags;
    hln_heal_cb cb;
    void *ctx;
    hln_heal_stats st;
    hln_record *r;
} heal_ctx;

static void heal_say(heal_ctx *h, const char *what, const hln_feed_id *feed, uint64_t seq,
                     const uint8_t *id, const char *detail)
{
    if (h->cb)
        h->cb(h->ctx, what, feed, seq, id, detail);
}

/* The record stored under `id`, checked: 0, or what is wrong with it. */
static int heal_check(hln_store *s, MDB_txn *txn, const uint8_t *id, const uint8_t *seqkey,
                      hln_record *r)
{
    MDB_val ik = {HLN_HASH_LEN, (void *)id}, iv;
    uint8_t sk[SEQ_KEY_LEN];
    if (mdb_get(txn, s->records, &ik, &iv) != 0)
        return HLN_ENOTFOUND;
    int rc = hln_record_decode(iv.mv_data, iv.mv_size, r, NULL, 0);
    if (rc)
        return rc;
    if (memcmp(r->id, id, HLN_HASH_LEN) != 0)
        return HLN_EHASH;
    seq_key(r->env.author, r->env.scope, r->env.seq, sk);
    return memcmp(sk, seqkey, SEQ_KEY_LEN) == 0 ? 0 : HLN_ECHAIN;
}

/* The index entry an intact observation must have; rewrite it if absent or
 * different. */
static int heal_obs_of(hln_store *s, MDB_txn *txn, heal_ctx *h, const hln_record *r,
                       const hln_feed_id *feed)
{
    if (r->env.type != HLN_REC_OBSERVATION || !r->has_body)
        return 0;
    const hln_observation *o = &r->body.observation;
    uint8_t kb[OBS_KEY_MAX], vb[OBS_VAL_LEN];
    int retr = retraction_of(s, txn, r->id, r->env.author);
    unsigned fl = (o->suppressed ? OBS_F_SUPPRESSED : 0) | (retr ? OBS_F_RETRACTED : 0);
    obs_val(r->id, retr == 2 ? 0 : o->numerator, retr == 2 ? 0 : o->denominator, fl, vb);
    MDB_val k = {obs_key(r, kb), kb}, v;
    if (mdb_get(txn, s->obs, &k, &v) == 0 && v.mv_size == OBS_VAL_LEN &&
        memcmp(v.mv_data, vb, OBS_VAL_LEN) == 0)
        return 0;
    h->st.index++;
    heal_say(h, "index", feed, r->env.seq, r->id, "index entry missing or disagreeing: rewritten");
    if (h->flags & HLN_HEAL_DRY)
        return 0;
    v.mv_size = OBS_VAL_LEN, v.mv_data = vb;
    return xlate(mdb_put(txn, s->obs, &k, &v, 0));
}

/* Take the record at the feeds cursor out: its feeds entry, the record and
 * its index entry (when it decodes). */
static int heal_drop(hln_store *s, MDB_txn *txn, MDB_cursor *cur, const uint8_t *id,
                     const hln_record *intact)
{
    int rc;
    if (intact && intact->env.type == HLN_REC_OBSERVATION && intact->has_body) {
        uint8_t kb[OBS_KEY_MAX];
        MDB_val k = {obs_key(intact, kb), kb};
        rc = mdb_del(txn, s->obs, &k, NULL);
        if (rc && rc != MDB_NOTFOUND)
            return xlate(rc);
    }
    uint8_t idc[HLN_HASH_LEN];
    memcpy(idc, id, HLN_HASH_LEN); /* id points into the page we delete from */
    if ((rc = mdb_cursor_del(cur, 0)))
        return xlate(rc);
    MDB_val ik = {HLN_HASH_LEN, idc};
    rc = mdb_del(txn, s->records, &ik, NULL);
    return rc == MDB_NOTFOUND ? 0 : xlate(rc);
}

/* Pass 1: every feed in seq order. The first damaged record of a feed and
 * all after it are dropped; the head goes back to the last intact one. */
static int heal_feeds(hln_store *s, MDB_txn *txn, heal_ctx *h)
{
    MDB_cursor *cur = NULL;
    MDB_val k, v;
    uint8_t feed[FEED_KEY_LEN], last_id[HLN_HASH_LEN];
    uint64_t last_seq = 0, last_ts = 0;
    bool in_feed = false, cutting = false;
    int rc = xlate(mdb_cursor_open(txn, s->feeds, &cur)), mrc;
    if (rc)
        return rc;
    bool dry = h->flags & HLN_HEAL_DRY;
    for (mrc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); mrc == 0;
         mrc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        if (k.mv_size != SEQ_KEY_LEN || v.mv_size != HLN_HASH_LEN)
            continue; /* hln_store_verify reports it */
        const uint8_t *kb = k.mv_data;
        if (!in_feed || memcmp(kb, feed, FEED_KEY_LEN) != 0) {
            memcpy(feed, kb, FEED_KEY_LEN);
            in_feed = true;
            cutting = false;
            last_seq = 0;
        }
        hln_feed_id fid;
        feed_from_key(kb, &fid);
        uint64_t seq = get64(kb + FEED_KEY_LEN);
        h->st.records++;
        int bad = heal_check(s, txn, v.mv_data, kb, h->r);
        if (cutting) {
            h->st.dropped++;
            if (!dry && (rc = heal_drop(s, txn, cur, v.mv_data, bad ? NULL : h->r)))
                goto out;
            continue;
        }
        if (!bad) {
            last_seq = seq;
            memcpy(last_id, v.mv_data, HLN_HASH_LEN);
            last_ts = h->r->env.timestamp_ms;
            if ((rc = heal_obs_of(s, txn, h, h->r, &fid)))
                goto out;
            continue;
        }
        h->st.damaged++;
        heal_say(h, "damaged", &fid, seq, v.mv_data,
                 bad == HLN_ENOTFOUND ? "record missing" : hln_strerror(bad));
        if (h->flags & HLN_HEAL_INDEX)
            continue;
        cutting = true;
        h->st.dropped++;
        if (dry)
            continue;
        uint8_t hk[FEED_KEY_LEN], hv[HEAD_VAL_LEN];
        memcpy(hk, feed, FEED_KEY_LEN);
        MDB_val hkey = {FEED_KEY_LEN, hk}, hval = {HEAD_VAL_LEN, hv};
        if ((rc = heal_drop(s, txn, cur, v.mv_data, NULL)))
            goto out;
        if (last_seq > 0) {
            put64(hv, last_seq);
            memcpy(hv + 8, last_id, HLN_HASH_LEN);
            put64(hv + 8 + HLN_HASH_LEN, last_ts);
            rc = xlate(mdb_put(txn, s->heads, &hkey, &hval, 0));
        } else {
            rc = mdb_del(txn, s->heads, &hkey, NULL);
            rc = rc == MDB_NOTFOUND ? 0 : xlate(rc);
        }
        if (rc)
            goto out;
    }
    rc = mrc == MDB_NOTFOUND ? 0 : xlate(mrc);
out:
    mdb_cursor_close(cur);
    return rc;
}

/* Pass 2: entries naming a record not held, or not its own key, go. */
static int heal_index(hln_store *s, MDB_txn *txn, heal_ctx *h)
{
    MDB_cursor *cur = NULL;
    MDB_val k, v;
    uint8_t kb[OBS_KEY_MAX];
    int rc = xlate(mdb_cursor_open(txn, s->obs, &cur)), mrc;
    if (rc)
        return rc;
    for (mrc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); mrc == 0;
         mrc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        bool keep = false;
        hln_feed_id fid, *fp = NULL;
        if (v.mv_size == OBS_VAL_LEN) {
            MDB_val ik = {HLN_HASH_LEN, v.mv_data}, iv;
            if (mdb_get(txn, s->records, &ik, &iv) == 0 &&
                hln_record_decode(iv.mv_data, iv.mv_size, h->r, NULL, 0) == 0 &&
                memcmp(h->r->id, v.mv_data, HLN_HASH_LEN) == 0 &&
                h->r->env.type == HLN_REC_OBSERVATION) {
                hln_record_feed(h->r, &fid);
                fp = &fid;
                keep = !h->r->has_body ||
                       (obs_key(h->r, kb) == k.mv_size && memcmp(kb, k.mv_data, k.mv_size) == 0);
            }
        }
        if (keep)
            continue;
        h->st.index++;
        heal_say(h, "index", fp, fp ? h->r->env.seq : 0, v.mv_size >= HLN_HASH_LEN ? v.mv_data : NULL,
                 "stray index entry (its record is not held or is indexed elsewhere): removed");
        if (!(h->flags & HLN_HEAL_DRY) && (rc = xlate(mdb_cursor_del(cur, 0))))
            goto out;
    }
    rc = mrc == MDB_NOTFOUND ? 0 : xlate(mrc);
out:
    mdb_cursor_close(cur);
    return rc;
}

static int heal_fn(hln_store *s, MDB_txn *txn, void *vctx)
{
    heal_ctx *h = vctx;
    memset(&h->st, 0, sizeof h->st);
    int rc = heal_feeds(s, txn, h);
    if (rc == 0)
        rc = heal_index(s, txn, h);
    return rc;
}

int hln_store_heal(hln_store *s, unsigned flags, hln_heal_cb cb, void *ctx, hln_heal_stats *st)
{
    heal_ctx h = {.flags = flags, .cb = cb, .ctx = ctx};
    int rc;
    if (!s)
        return HLN_EINVAL;
    if (!(h.r = malloc(sizeof *h.r)))
        return HLN_ENOMEM;
    if ((flags & HLN_HEAL_DRY) || (s->flags & HLN_STORE_RDONLY)) {
        MDB_txn *txn = NULL;
        h.flags |= HLN_HEAL_DRY;
        if ((rc = read_begin(s, &txn)) == 0)
            rc = heal_fn(s, txn, &h);
        read_end(s, &txn);
    } else {
        rc = run_write(s, heal_fn, &h);
    }
    free(h.r);
    if (st)
        *st = h.st;
    return edge(rc);
}

uint64_t hln_store_obs_skipped(const hln_store *s)
{
    return s ? s->obs_skipped : 0;
}
