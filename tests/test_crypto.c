/* test_crypto.c - identities, key files, node id text form, hashing, CURVE derivation. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crypto/crypto.h"
#include "crypto/err.h"

static char tmpdir[64];

static int setup(void **state)
{
    (void)state;
    strcpy(tmpdir, "/tmp/hln-test-crypto-XXXXXX");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", tmpdir);
    return system(cmd);
}

static void key_file_round_trip_keeps_the_identity(void **state)
{
    (void)state;
    char path[128];
    snprintf(path, sizeof path, "%s/key1", tmpdir);
    hln_identity *id = hln_identity_generate();
    assert_non_null(id);
    assert_int_equal(hln_identity_save(id, path), 0);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    hln_identity *back = NULL;
    assert_int_equal(hln_identity_load(path, &back), 0);
    assert_memory_equal(hln_identity_pk(id), hln_identity_pk(back), HLN_KEY_LEN);
    uint8_t sig[HLN_SIG_LEN];
    hln_identity_sign(back, (const uint8_t *)"abc", 3, sig);
    assert_int_equal(hln_verify(hln_identity_pk(id), (const uint8_t *)"abc", 3, sig), 0);
    assert_int_equal(hln_verify(hln_identity_pk(id), (const uint8_t *)"abd", 3, sig), HLN_ESIG);
    hln_identity_destroy(&back);
    assert_null(back);
    /* O_EXCL: never overwrite an existing key. */
    assert_int_equal(hln_identity_save(id, path), HLN_EEXIST);
    hln_identity_destroy(&id);
}

static void loose_key_file_is_refused(void **state)
{
    (void)state;
    char path[128];
    snprintf(path, sizeof path, "%s/key2", tmpdir);
    hln_identity *id = hln_identity_generate();
    assert_int_equal(hln_identity_save(id, path), 0);
    hln_identity *back = NULL;
    assert_int_equal(chmod(path, 0640), 0);
    assert_int_equal(hln_identity_load(path, &back), HLN_EPERM);
    assert_null(back);
    assert_int_equal(chmod(path, 0604), 0);
    assert_int_equal(hln_identity_load(path, &back), HLN_EPERM);
    assert_int_equal(chmod(path, 0600), 0);
    assert_int_equal(hln_identity_load(path, &back), 0);
    hln_identity_destroy(&back);
    hln_identity_destroy(&id);
}

static void symlinked_or_corrupt_key_file_is_refused(void **state)
{
    (void)state;
    char path[128], link[128];
    snprintf(path, sizeof path, "%s/key3", tmpdir);
    snprintf(link, sizeof link, "%s/key3-link", tmpdir);
    hln_identity *id = hln_identity_generate();
    assert_int_equal(hln_identity_save(id, path), 0);
    assert_int_equal(symlink(path, link), 0);
    hln_identity *back = NULL;
    assert_int_equal(hln_identity_load(link, &back), HLN_EPERM);
    /* Truncate it: malformed. */
    assert_int_equal(truncate(path, 20), 0);
    assert_int_equal(hln_identity_load(path, &back), HLN_EDECODE);
    char missing[160];
    snprintf(missing, sizeof missing, "%s/nope", tmpdir);
    assert_int_equal(hln_identity_load(missing, &back), HLN_ENOTFOUND);
    /* A FIFO in place of the key must be refused, not block the open. */
    char fifo[160];
    snprintf(fifo, sizeof fifo, "%s/key3-fifo", tmpdir);
    assert_int_equal(mkfifo(fifo, 0600), 0);
    assert_int_equal(hln_identity_load(fifo, &back), HLN_EPERM);
    hln_identity_destroy(&id);
}

static void node_id_text_round_trips_and_catches_typos(void **state)
{
    (void)state;
    uint8_t seed[32] = {0};
    hln_identity *id = hln_identity_from_seed(seed);
    char text[HLN_ID_TEXT_LEN + 1];
    hln_id_to_text(hln_identity_pk(id), text);
    assert_int_equal(strlen(text), HLN_ID_TEXT_LEN);
    for (int g = 1; g < 8; g++)
        assert_int_equal(text[g * 8 - 1], '-');
    uint8_t pk[HLN_KEY_LEN];
    assert_int_equal(hln_id_from_text(text, pk), 0);
    assert_memory_equal(pk, hln_identity_pk(id), HLN_KEY_LEN);
    /* Lower case and no dashes are accepted. */
    char loose[HLN_ID_TEXT_LEN + 1];
    size_t o = 0;
    for (const char *p = text; *p; p++)
        if (*p != '-')
            loose[o++] = (char)(*p >= 'A' && *p <= 'Z' ? *p - 'A' + 'a' : *p);
    loose[o] = 0;
    assert_int_equal(hln_id_from_text(loose, pk), 0);
    /* Every single-character substitution is caught. */
    for (size_t i = 0; i < HLN_ID_TEXT_LEN; i++) {
        if (text[i] == '-')
            continue;
        char bad[HLN_ID_TEXT_LEN + 1];
        memcpy(bad, text, sizeof bad);
        bad[i] = bad[i] == 'A' ? 'B' : 'A';
        assert_int_equal(hln_id_from_text(bad, pk), HLN_ECHECKSUM);
    }
    /* Wrong length, bad characters. */
    assert_int_equal(hln_id_from_text("ABC", pk), HLN_EDECODE);
    text[3] = '1'; /* '1' is not in the base32 alphabet */
    assert_int_equal(hln_id_from_text(text, pk), HLN_EDECODE);
    assert_int_equal(hln_id_from_text("", pk), HLN_EDECODE);
    hln_identity_destroy(&id);
}

static void blake2b_known_answer(void **state)
{
    (void)state;
    /* BLAKE2b-256 of the empty string (RFC 7693 family, 32-byte output). */
    uint8_t h[HLN_HASH_LEN];
    char hex[2 * HLN_HASH_LEN + 1];
    hln_hash((const uint8_t *)"", 0, h);
    hln_hex(h, sizeof h, hex);
    assert_string_equal(hex, "0e5751c026e543b2e8ab2eb06099daa1d1e5df47778f7787faab45cdf12fe3a8");
    hln_hash_state st;
    hln_hash_init(&st);
    hln_hash_update(&st, "ab", 2);
    hln_hash_update(&st, "c", 1);
    uint8_t h2[HLN_HASH_LEN], h3[HLN_HASH_LEN];
    hln_hash_final(&st, h2);
    hln_hash((const uint8_t *)"abc", 3, h3);
    assert_memory_equal(h2, h3, HLN_HASH_LEN);
}

static void curve_keys_derive_from_the_identity(void **state)
{
    (void)state;
    hln_identity *id = hln_identity_generate();
    char pub[41], sec[41], pub2[41];
    assert_int_equal(hln_identity_curve_z85(id, pub, sec), 0);
    assert_int_equal(strlen(pub), HLN_Z85_KEY_LEN);
    assert_int_equal(hln_curve_public_z85(hln_identity_pk(id), pub2), 0);
    assert_string_equal(pub, pub2);
    assert_string_not_equal(pub, sec);
    hln_identity_destroy(&id);
}

/* The vectors of docs/PROTOCOL.md §13 (seed 00 01 .. 1f), computed
 * independently there: the node id text and the CURVE keys. */
static void protocol_vectors_hold(void **state)
{
    (void)state;
    uint8_t seed[32], cpk[32], pk[HLN_KEY_LEN];
    for (int i = 0; i < 32; i++)
        seed[i] = (uint8_t)i;
    hln_identity *id = hln_identity_from_seed(seed);
    assert_non_null(id);
    char hex[65], text[HLN_ID_TEXT_LEN + 1], pub[41], sec[41];
    hln_hex(hln_identity_pk(id), HLN_KEY_LEN, hex);
    assert_string_equal(hex, "03a107bff3ce10be1d70dd18e74bc09967e4d6309ba50d5f1ddc8664125531b8");
    hln_id_to_text(hln_identity_pk(id), text);
    assert_string_equal(text, "AOQQPP7-TZYIL4H-LQ3UMOO-S6ATFT6-JVRQTOS-Q2XY53S-DGIESVG-G4H3F3S");
    /* lower case, no dashes: the same id */
    const char *loose = "aoqqpp7tzyil4hlq3umoos6atft6jvrqtosq2xy53sdgiesvgg4h3f3s";
    assert_int_equal(hln_id_from_text(loose, pk), 0);
    assert_memory_equal(pk, hln_identity_pk(id), HLN_KEY_LEN);
    /* the last character changed: the checksum (3 bytes) catches it */
    assert_int_equal(
        hln_id_from_text("AOQQPP7-TZYIL4H-LQ3UMOO-S6ATFT6-JVRQTOS-Q2XY53S-DGIESVG-G4H3F3T", pk),
        HLN_ECHECKSUM);
    assert_int_equal(hln_curve_public_raw(hln_identity_pk(id), cpk), 0);
    hln_hex(cpk, 32, hex);
    assert_string_equal(hex, "4701d08488451f545a409fb58ae3e58581ca40ac3f7f114698cd71deac73ca01");
    assert_int_equal(hln_identity_curve_z85(id, pub, sec), 0);
    assert_string_equal(pub, "m/*$&H^-y+t0OZ/ISr/LFYZlVkyTnmN9xTcTAhI+");
    assert_string_equal(sec, "if-<bOlcc!FOu#+e8T00OOY6a?RF[cP^xkZaodvt");
    hln_identity_destroy(&id);
}

static void hex_parsing_is_strict(void **state)
{
    (void)state;
    uint8_t b[2];
    assert_int_equal(hln_unhex("0aff", b, 2), 0);
    assert_int_equal(b[0], 0x0a);
    assert_int_equal(b[1], 0xff);
    assert_int_equal(hln_unhex("0af", b, 2), HLN_EDECODE);
    assert_int_equal(hln_unhex("0afg", b, 2), HLN_EDECODE);
    assert_int_equal(hln_unhex("0aff00", b, 2), HLN_EDECODE);
}

static void error_names_are_defined(void **state)
{
    (void)state;
    assert_string_equal(hln_errname(HLN_ESIG), "bad-signature");
    assert_string_equal(hln_strerror(0), "success");
    assert_string_equal(hln_strerror(-9999), "unknown error");
    assert_string_equal(hln_errname(5), "unknown");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(key_file_round_trip_keeps_the_identity),
        cmocka_unit_test(loose_key_file_is_refused),
        cmocka_unit_test(symlinked_or_corrupt_key_file_is_refused),
        cmocka_unit_test(node_id_text_round_trips_and_catches_typos),
        cmocka_unit_test(blake2b_known_answer),
        cmocka_unit_test(curve_keys_derive_from_the_identity),
        cmocka_unit_test(protocol_vectors_hold),
        cmocka_unit_test(hex_parsing_is_strict),
        cmocka_unit_test(error_names_are_defined),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
