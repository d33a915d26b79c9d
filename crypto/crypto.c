/* crypto.c - identities, key files, node id text form, hashing and CURVE key derivation. */
#include "crypto.h"
#include "err.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zmq.h>

_Static_assert(sizeof(hln_hash_state) >= sizeof(crypto_generichash_state),
               "hln_hash_state too small");
_Static_assert(crypto_generichash_BYTES == HLN_HASH_LEN, "hash size");

struct hln_identity {
    uint8_t pk[crypto_sign_PUBLICKEYBYTES];
    uint8_t *sk; /* sodium_malloc'd, crypto_sign_SECRETKEYBYTES */
};

/* The key file: a magic line and the 32-byte seed in hex. */
static const char KEYFILE_MAGIC[] = "HLN-SECRET-KEY-1\n";
#define KEYFILE_LEN (sizeof KEYFILE_MAGIC - 1 + 64 + 1)

int hln_crypto_init(void)
{
    return sodium_init() < 0 ? HLN_EIO : 0;
}

static hln_identity *identity_alloc(void)
{
    if (hln_crypto_init() < 0)
        return NULL;
    hln_identity *id = calloc(1, sizeof *id);
    if (!id)
        return NULL;
    id->sk = sodium_malloc(crypto_sign_SECRETKEYBYTES);
    if (!id->sk) {
        free(id);
        return NULL;
    }
    return id;
}

hln_identity *hln_identity_generate(void)
{
    hln_identity *id = identity_alloc();
    if (id)
        crypto_sign_keypair(id->pk, id->sk);
    return id;
}

hln_identity *hln_identity_from_seed(const uint8_t seed[32])
{
    hln_identity *id = identity_alloc();
    if (id)
        crypto_sign_seed_keypair(id->pk, id->sk, seed);
    return id;
}

void hln_identity_destroy(hln_identity **idp)
{
    if (!idp || !*idp)
        return;
    hln_identity *id = *idp;
    sodium_free(id->sk); /* wipes before freeing */
    free(id);
    *idp = NULL;
}

const uint8_t *hln_identity_pk(const hln_identity *id)
{
    return id->pk;
}

int hln_identity_save(const hln_identity *id, const char *path)
{
    char buf[KEYFILE_LEN];
    uint8_t seed[32];
    int rc = 0;
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0)
        return errno == EEXIST ? HLN_EEXIST : HLN_EIO;
    crypto_sign_ed25519_sk_to_seed(seed, id->sk);
    memcpy(buf, KEYFILE_MAGIC, sizeof KEYFILE_MAGIC - 1);
    sodium_bin2hex(buf + sizeof KEYFILE_MAGIC - 1, 65, seed, sizeof seed);
    buf[KEYFILE_LEN - 1] = '\n';
    /* umask may have narrowed the mode; it can never have widened it, but
     * make sure the mode is exactly 0600. */
    if (fchmod(fd, 0600) < 0 || write(fd, buf, KEYFILE_LEN) != (ssize_t)KEYFILE_LEN ||
        fsync(fd) < 0)
        rc = HLN_EIO;
    if (close(fd) < 0)
        rc = HLN_EIO;
    sodium_memzero(seed, sizeof seed);
    sodium_memzero(buf, sizeof buf);
    if (rc < 0)
        unlink(path);
    return rc;
}

int hln_identity_load(const char *path, hln_identity **out)
{
    char buf[KEYFILE_LEN + 1];
    uint8_t seed[32];
    struct stat st;
    int rc = 0;
    ssize_t n = 0;
    *out = NULL;
    /* O_NONBLOCK: a FIFO planted as the key file must not hang the open. */
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0)
        return errno == ENOENT ? HLN_ENOTFOUND
               : errno == ELOOP || errno == EACCES || errno == EPERM ? HLN_EPERM
                                                                     : HLN_EIO;
    if (fstat(fd, &st) < 0) {
        rc = HLN_EIO;
        goto out;
    }
    if (!S_ISREG(st.st_mode) || (st.st_mode & 077)) {
        rc = HLN_EPERM;
        goto out;
    }
    for (;;) {
        ssize_t r = read(fd, buf + n, sizeof buf - (size_t)n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            rc = HLN_EIO;
            goto out;
        }
        if (r == 0)
            break;
        n += r;
        if ((size_t)n == sizeof buf)
            break;
    }
    if ((size_t)n != KEYFILE_LEN || memcmp(buf, KEYFILE_MAGIC, sizeof KEYFILE_MAGIC - 1) != 0 ||
        buf[KEYFILE_LEN - 1] != '\n') {
        rc = HLN_EDECODE;
        goto out;
    }
    size_t bin_len = 0;
    if (sodium_hex2bin(seed, sizeof seed, buf + sizeof KEYFILE_MAGIC - 1, 64, NULL, &bin_len,
                       NULL) != 0 ||
        bin_len != sizeof seed) {
        rc = HLN_EDECODE;
        goto out;
    }
    *out = hln_identity_from_seed(seed);
    if (!*out)
        rc = HLN_ENOMEM;
out:
    sodium_memzero(seed, sizeof seed);
    sodium_memzero(buf, sizeof buf);
    close(fd);
    return rc;
}

void hln_identity_sign(const hln_identity *id, const uint8_t *msg, size_t len,
                       uint8_t sig[HLN_SIG_LEN])
{
    crypto_sign_detached(sig, NULL, msg, len, id->sk);
}

int hln_verify(const uint8_t pk[HLN_KEY_LEN], const uint8_t *msg, size_t len,
               const uint8_t sig[HLN_SIG_LEN])
{
    return crypto_sign_verify_detached(sig, msg, len, pk) == 0 ? 0 : HLN_ESIG;
}

int hln_identity_curve_z85(const hln_identity *id, char public_z85[41], char secret_z85[41])
{
    uint8_t cpk[32], csk[32];
    int rc = 0;
    if (crypto_sign_ed25519_pk_to_curve25519(cpk, id->pk) != 0 ||
        crypto_sign_ed25519_sk_to_curve25519(csk, id->sk) != 0) {
        rc = HLN_EINVAL;
        goto out;
    }
    if (!zmq_z85_encode(public_z85, cpk, 32) || !zmq_z85_encode(secret_z85, csk, 32))
        rc = HLN_EINVAL;
out:
    sodium_memzero(csk, sizeof csk);
    return rc;
}

int hln_curve_public_raw(const uint8_t pk[HLN_KEY_LEN], uint8_t out[32])
{
    return crypto_sign_ed25519_pk_to_curve25519(out, pk) == 0 ? 0 : HLN_EINVAL;
}

int hln_curve_public_z85(const uint8_t pk[HLN_KEY_LEN], char out[41])
{
    uint8_t cpk[32];
    if (hln_curve_public_raw(pk, cpk) < 0)
        return HLN_EINVAL;
    return zmq_z85_encode(out, cpk, 32) ? 0 : HLN_EINVAL;
}

void hln_hash(const uint8_t *in, size_t len, uint8_t out[HLN_HASH_LEN])
{
    crypto_generichash(out, HLN_HASH_LEN, in, len, NULL, 0);
}

void hln_hash_init(hln_hash_state *st)
{
    crypto_generichash_init((crypto_generichash_state *)(void *)st, NULL, 0, HLN_HASH_LEN);
}

void hln_hash_update(hln_hash_state *st, const void *in, size_t len)
{
    crypto_generichash_update((crypto_generichash_state *)(void *)st, in, len);
}

void hln_hash_final(hln_hash_state *st, uint8_t out[HLN_HASH_LEN])
{
    crypto_generichash_final((crypto_generichash_state *)(void *)st, out, HLN_HASH_LEN);
}

/* Node id text: base32 of key (32 bytes) || checksum (3 bytes) = 35 bytes
 * = 280 bits = 56 characters, shown as 8 groups of 7. */
static const char B32[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
static const char ID_CHECK_KEY[] = "hln node id";

static void id_checksum(const uint8_t pk[HLN_KEY_LEN], uint8_t sum[3])
{
    uint8_t h[16];
    crypto_generichash(h, sizeof h, pk, HLN_KEY_LEN, (const unsigned char *)ID_CHECK_KEY,
                       sizeof ID_CHECK_KEY - 1);
    memcpy(sum, h, 3);
}

void hln_id_to_text(const uint8_t pk[HLN_KEY_LEN], char out[HLN_ID_TEXT_LEN + 1])
{
    uint8_t raw[35];
    memcpy(raw, pk, 32);
    id_checksum(pk, raw + 32);
    unsigned bits = 0, acc = 0;
    size_t o = 0, chars = 0;
    for (size_t i = 0; i < sizeof raw; i++) {
        acc = (acc << 8) | raw[i];
        bits += 8;
        while (bits >= 5) {
            bits -= 5;
            if (chars && chars % 7 == 0)
                out[o++] = '-';
            out[o++] = B32[(acc >> bits) & 31];
            chars++;
        }
    }
    out[o] = '\0';
}

int hln_id_from_text(const char *text, uint8_t pk[HLN_KEY_LEN])
{
    uint8_t raw[35];
    unsigned bits = 0, acc = 0;
    size_t n = 0, chars = 0;
    if (!text)
        return HLN_EDECODE;
    for (const char *p = text; *p; p++) {
        char c = *p;
        if (c == '-' || c == ' ')
            continue;
        if (c >= 'a' && c <= 'z')
            c = (char)(c - 'a' + 'A');
        const char *f = (c != '\0') ? strchr(B32, c) : NULL;
        if (!f || chars >= 56)
            return HLN_EDECODE;
        chars++;
        acc = (acc << 5) | (unsigned)(f - B32);
        bits += 5;
        if (bits >= 8) {
            bits -= 8;
            raw[n++] = (uint8_t)(acc >> bits);
        }
        acc &= (1u << bits) - 1;
    }
    if (chars != 56 || n != sizeof raw)
        return HLN_EDECODE;
    uint8_t sum[3];
    id_checksum(raw, sum);
    if (memcmp(sum, raw + 32, 3) != 0)
        return HLN_ECHECKSUM;
    memcpy(pk, raw, 32);
    return 0;
}

void hln_id_short(const uint8_t pk[HLN_KEY_LEN], char out[HLN_ID_SHORT_LEN + 1])
{
    char full[HLN_ID_TEXT_LEN + 1];
    hln_id_to_text(pk, full);
    memcpy(out, full, HLN_ID_SHORT_LEN);
    out[HLN_ID_SHORT_LEN] = '\0';
}

void hln_hex(const uint8_t *in, size_t len, char *out)
{
    sodium_bin2hex(out, 2 * len + 1, in, len);
}

int hln_unhex(const char *hex, uint8_t *out, size_t len)
{
    size_t got = 0;
    const char *end = NULL;
    if (!hex || strlen(hex) != 2 * len)
        return HLN_EDECODE;
    if (sodium_hex2bin(out, len, hex, 2 * len, NULL, &got, &end) != 0 || got != len ||
        *end != '\0')
        return HLN_EDECODE;
    return 0;
}

void hln_random(void *out, size_t len)
{
    randombytes_buf(out, len);
}
