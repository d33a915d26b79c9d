/* test_store_full.c - a full disk says so: a write the file system refuses for want of room is HLN_EFULL, with a clear word, not "input/output error". */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "crypto/err.h"
#include "store/store.h"

/* The child fills a store under a file size limit (which the file system
 * reports as EFBIG, as it reports ENOSPC on a full disk) and exits with the
 * code of the first refused write, negated. */
static int fill_under_limit(const char *dir)
{
    hln_store *s = NULL;
    if (hln_store_open(dir, 0, &s) != 0)
        return 100;
    signal(SIGXFSZ, SIG_IGN);
    struct rlimit rl = {.rlim_cur = 1 << 20, .rlim_max = RLIM_INFINITY};
    if (setrlimit(RLIMIT_FSIZE, &rl) != 0)
        return 101;
    char val[4000];
    memset(val, 'x', sizeof val);
    int rc = 0;
    for (unsigned i = 0; i < 100000 && rc == 0; i++) {
        char key[32];
        int n = snprintf(key, sizeof key, "k%u", i);
        rc = hln_store_kv_put(s, HLN_TABLE_PEERS, key, (size_t)n, val, sizeof val);
    }
    /* The store stays usable for reading after a refused write. */
    char got[4000];
    size_t glen = 0;
    if (rc != 0 && hln_store_kv_get(s, HLN_TABLE_PEERS, "k0", 2, got, sizeof got, &glen) != 0)
        return 102;
    hln_store_close(&s);
    return -rc;
}

static void test_full_disk_is_full(void **state)
{
    (void)state;
    char dir[] = "/tmp/hln-full-XXXXXX";
    assert_non_null(mkdtemp(dir));
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0)
        _exit(fill_under_limit(dir));
    int st = 0;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    assert_true(WIFEXITED(st));
    assert_int_equal(-WEXITSTATUS(st), HLN_EFULL);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);
}

static void test_full_has_words(void **state)
{
    (void)state;
    assert_non_null(strstr(hln_strerror(HLN_EFULL), "no space left"));
    assert_string_equal(hln_errname(HLN_EFULL), "full");
    assert_string_equal(hln_strerror(HLN_ERR_MIN_), "unknown error");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_full_disk_is_full),
        cmocka_unit_test(test_full_has_words),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
