/* crypto.h - node identities (ed25519), key files, node id text, hashing, CURVE keys. */
#ifndef HLN_CRYPTO_H
#define HLN_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

#define HLN_KEY_LEN 32     /* an ed25519 public key, a node id in binary */
#define HLN_SIG_LEN 64     /* an ed25519 signature */
#define HLN_HASH_LEN 32    /* BLAKE2b-256 */
#define HLN_ID_TEXT_LEN 63 /* the text form of a node id, without NUL */
#define HLN_ID_SHORT_LEN 7 /* the short form used in logs */
#define HLN_Z85_KEY_LEN 40 /* a CURVE key in Z85, without NUL */

/* Initialise libsodium once; safe to call many times. HLN_EIO if it fails. */
int hln_crypto_init(void);

/* An identity: the ed25519 key pair of a node. The secret key lives in
 * sodium_malloc'd memory that is wiped and freed by hln_identity_destroy. */
typedef struct hln_identity hln_identity;

/* Generate a new identity. Returns NULL if out of memory. */
hln_identity *hln_identity_generate(void);

/* Derive an identity from a 32-byte seed (tests and vectors only). */
hln_identity *hln_identity_from_seed(const uint8_t seed[32]);

/* Write the secret key file at `path`: created with O_EXCL|O_NOFOLLOW, mode
 * 0600. HLN_EEXIST if it exists, HLN_EIO otherwise. */
int hln_identity_save(const hln_identity *id, const char *path);

/* Read the key file at `path`. Refuses a file that is not a regular file, is
 * readable or writable by group or others (HLN_EPERM), or malformed
 * (HLN_EDECODE). On success *out is a new identity the caller destroys. */
int hln_identity_load(const char *path, hln_identity **out);

/* Wipe and free; sets *id to NULL. */
void hln_identity_destroy(hln_identity **id);

/* The public key (node id in binary), owned by `id`. */
const uint8_t *hln_identity_pk(const hln_identity *id);

/* Sign `len` bytes at `msg`; writes HLN_SIG_LEN bytes to `sig`. */
void hln_identity_sign(const hln_identity *id, const uint8_t *msg, size_t len,
                       uint8_t sig[HLN_SIG_LEN]);

/* Derive the CURVE (X25519) key pair from the identity, in Z85 text as
 * ZeroMQ wants it (41 bytes each with the NUL). Returns HLN_EINVAL if the
 * conversion fails. The caller wipes `secret_z85` after use. */
int hln_identity_curve_z85(const hln_identity *id, char public_z85[41],
                           char secret_z85[41]);

/* Verify a detached signature. 0 if valid, HLN_ESIG otherwise. */
int hln_verify(const uint8_t pk[HLN_KEY_LEN], const uint8_t *msg, size_t len,
               const uint8_t sig[HLN_SIG_LEN]);

/* Convert an ed25519 public key to its CURVE public key in Z85.
 * HLN_EINVAL if the key is not a valid point. */
int hln_curve_public_z85(const uint8_t pk[HLN_KEY_LEN], char out[41]);

/* Convert an ed25519 public key to its raw X25519 form. */
int hln_curve_public_raw(const uint8_t pk[HLN_KEY_LEN], uint8_t out[32]);

/* BLAKE2b-256 of `len` bytes. */
void hln_hash(const uint8_t *in, size_t len, uint8_t out[HLN_HASH_LEN]);

/* Incremental BLAKE2b-256. */
typedef struct {
    unsigned char opaque[384] __attribute__((aligned(64)));
} hln_hash_state;
void hln_hash_init(hln_hash_state *st);
void hln_hash_update(hln_hash_state *st, const void *in, size_t len);
void hln_hash_final(hln_hash_state *st, uint8_t out[HLN_HASH_LEN]);

/* The text form of a node id: 56 base32 characters (RFC 4648 alphabet,
 * upper case) of the key and a 3-byte BLAKE2b checksum, in 8 groups of 7
 * joined by '-'. `out` gets HLN_ID_TEXT_LEN chars and a NUL. */
void hln_id_to_text(const uint8_t pk[HLN_KEY_LEN], char out[HLN_ID_TEXT_LEN + 1]);

/* Parse the text form. Case-insensitive; '-' and spaces are ignored.
 * HLN_EDECODE if the characters or length are wrong, HLN_ECHECKSUM if the
 * checksum does not match (a mistyped id). */
int hln_id_from_text(const char *text, uint8_t pk[HLN_KEY_LEN]);

/* The first HLN_ID_SHORT_LEN characters of the text form, for logs. */
void hln_id_short(const uint8_t pk[HLN_KEY_LEN], char out[HLN_ID_SHORT_LEN + 1]);

/* Lower-case hex of `len` bytes into `out` (2*len+1 bytes). */
void hln_hex(const uint8_t *in, size_t len, char *out);

/* Parse exactly 2*len hex characters. HLN_EDECODE if malformed. */
int hln_unhex(const char *hex, uint8_t *out, size_t len);

/* Fill `len` bytes with random bytes. */
void hln_random(void *out, size_t len);

#endif
