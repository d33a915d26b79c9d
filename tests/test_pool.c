/* test_pool.c - work on every core (node/pool.c): every item of a call is done exactly once,
 * whatever the number of workers, and the call returns only when all are done. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "node/pool.h"

typedef struct {
    atomic_int *hits;
    atomic_int on_other_thread;
    pthread_t caller;
} count_job;

static void count_one(void *ctx, size_t i)
{
    count_job *j = ctx;
    /* A little work per item, so that workers get a share. */
    volatile uint64_t x = i;
    for (int k = 0; k < 2000; k++)
        x = x * 6364136223846793005ull + 1;
    atomic_fetch_add(&j->hits[i], 1);
    if (!pthread_equal(pthread_self(), j->caller))
        atomic_store(&j->on_other_thread, 1);
}

/* Runs n items; returns whether any ran off the caller's thread. */
static int run_and_check(hln_pool *p, size_t n)
{
    count_job j;
    j.hits = calloc(n ? n : 1, sizeof *j.hits);
    assert_non_null(j.hits);
    atomic_init(&j.on_other_thread, 0);
    j.caller = pthread_self();
    hln_pool_run(p, n, count_one, &j);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(atomic_load(&j.hits[i]), 1);
    int other = atomic_load(&j.on_other_thread);
    free(j.hits);
    return other;
}

static void every_item_is_done_once(void **state)
{
    (void)state;
    static const size_t sizes[] = {0, 1, 7, 8, 9, 100, 5000};
    hln_pool *p = NULL;
    assert_int_equal(hln_pool_new(3, &p), 0);
    assert_int_equal(hln_pool_threads(p), 4);
    for (int round = 0; round < 3; round++) /* the same pool, call after call */
        for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++)
            run_and_check(p, sizes[k]);
    hln_pool_destroy(&p);
    assert_null(p);
    hln_pool_destroy(&p); /* twice is harmless */
}

static void small_calls_and_no_pool_stay_on_the_callers_thread(void **state)
{
    (void)state;
    assert_int_equal(run_and_check(NULL, 100), 0);
    assert_int_equal(hln_pool_threads(NULL), 1);
    hln_pool *p = NULL;
    assert_int_equal(hln_pool_new(2, &p), 0);
    assert_int_equal(run_and_check(p, 7), 0);
    hln_pool_destroy(&p);
}

static void workers_take_a_share(void **state)
{
    (void)state;
    hln_pool *p = NULL;
    assert_int_equal(hln_pool_new(2, &p), 0);
    /* Scheduling decides who takes what; over many large calls a worker
     * takes some items at least once. */
    int other = 0;
    for (int round = 0; round < 50 && !other; round++)
        other = run_and_check(p, 4000);
    assert_true(other);
    hln_pool_destroy(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_item_is_done_once),
        cmocka_unit_test(small_calls_and_no_pool_stay_on_the_callers_thread),
        cmocka_unit_test(workers_take_a_share),
    };
    return cmocka_run_group_tests_name("pool", tests, NULL, NULL);
}
