/*
 * test_timer — timers in the store: due order, the next due time, firing a bounded
 * number in one transaction, cancelling, and a firing that fails leaving the timer.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "store.h"
#include "testutil.h"
#include "timer.h"

typedef struct {
    char dir[256];
    store_t *store;
    store_txn_t *txn;
} fx_t;

static int setup(void **state)
{
    fx_t *f = calloc(1, sizeof *f);
    assert_non_null(f);
    assert_int_equal(tu_mkdtemp(f->dir, sizeof f->dir), 0);
    store_config_t sc;
    store_config_defaults(&sc);
    sc.path = f->dir;
    sc.map_initial = 1u << 20;
    assert_int_equal(store_open(&f->store, &sc, NULL, 0), STORE_OK);
    assert_int_equal(store_batch_begin(f->store, &f->txn), STORE_OK);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx_t *f = *state;
    store_txn_end(&f->txn);
    store_close(&f->store);
    tu_rmtree(f->dir);
    free(f);
    return 0;
}

static uint64_t add(fx_t *f, int64_t due, Huddle__TimerKind kind)
{
    Huddle__TimerRecord t = HUDDLE__TIMER_RECORD__INIT;
    t.due_at_ms = due;
    t.kind = kind;
    assert_int_equal(timer_add(f->txn, &t), STORE_OK);
    return t.timer_id;
}

typedef struct {
    int64_t due[8];
    uint64_t id[8];
    int n;
    int fail_at; /* the call that fails, -1 for none */
} fired_t;

static int record(store_txn_t *txn, const Huddle__TimerRecord *t, void *ctx)
{
    (void)txn;
    fired_t *fd = ctx;
    if (fd->n == fd->fail_at)
        return STORE_EIO;
    fd->due[fd->n] = t->due_at_ms;
    fd->id[fd->n++] = t->timer_id;
    return 0;
}

static void test_next_due_and_order(void **state)
{
    fx_t *f = *state;
    assert_true(timer_next_due(f->txn) == TIMER_NONE);
    uint64_t a = add(f, 3000, HUDDLE__TIMER_KIND__TIMER_KIND_MDT_REVIEW);
    uint64_t b = add(f, 1000, HUDDLE__TIMER_KIND__TIMER_KIND_FOLLOW_UP_91D);
    uint64_t c = add(f, 1000, HUDDLE__TIMER_KIND__TIMER_KIND_NON_DELIVERY); /* same due: by id */
    assert_true(a < b && b < c);
    assert_int_equal(timer_next_due(f->txn), 1000);

    fired_t fd = {.fail_at = -1};
    assert_int_equal(timer_fire_due(f->txn, 999, 10, record, &fd), 0); /* none due */
    assert_int_equal(timer_fire_due(f->txn, 2000, 10, record, &fd), 2);
    assert_int_equal(fd.id[0], b);
    assert_int_equal(fd.id[1], c);
    assert_int_equal(timer_next_due(f->txn), 3000);
    assert_int_equal(timer_fire_due(f->txn, 2000, 10, record, &fd), 0); /* fired once */
}

static void test_bounded_per_call(void **state)
{
    fx_t *f = *state;
    for (int i = 0; i < 5; i++)
        add(f, 100 + i, HUDDLE__TIMER_KIND__TIMER_KIND_WAITING_WELL_ANY);
    fired_t fd = {.fail_at = -1};
    assert_int_equal(timer_fire_due(f->txn, 1000, 3, record, &fd), 3);
    assert_int_equal(fd.due[2], 102);
    assert_int_equal(timer_next_due(f->txn), 103);
    assert_int_equal(timer_fire_due(f->txn, 1000, 3, record, &fd), 2);
    assert_true(timer_next_due(f->txn) == TIMER_NONE);
}

static void test_cancel(void **state)
{
    fx_t *f = *state;
    uint64_t a = add(f, 500, HUDDLE__TIMER_KIND__TIMER_KIND_PLACEMENT_ALERT_42D);
    add(f, 600, HUDDLE__TIMER_KIND__TIMER_KIND_PLACEMENT_REVIEW_7D);
    assert_int_equal(timer_cancel(f->txn, 500, a), STORE_OK);
    assert_int_equal(timer_cancel(f->txn, 500, a), STORE_ENOTFOUND);
    assert_int_equal(timer_cancel(f->txn, 600, a), STORE_ENOTFOUND); /* wrong due: not that timer */
    assert_int_equal(timer_next_due(f->txn), 600);
}

static void test_failed_firing_keeps_the_timer(void **state)
{
    fx_t *f = *state;
    add(f, 10, HUDDLE__TIMER_KIND__TIMER_KIND_ASSESSMENT_DEADLINE);
    add(f, 20, HUDDLE__TIMER_KIND__TIMER_KIND_ASSESSMENT_DEADLINE);
    fired_t fd = {.fail_at = 1};
    assert_int_equal(timer_fire_due(f->txn, 100, 10, record, &fd), STORE_EIO);
    assert_int_equal(fd.n, 1);
    assert_int_equal(timer_next_due(f->txn), 20); /* the first went, the failed one stays */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_next_due_and_order, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bounded_per_call, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cancel, setup, teardown),
        cmocka_unit_test_setup_teardown(test_failed_firing_keeps_the_timer, setup, teardown),
    };
    return cmocka_run_group_tests_name("timer", tests, NULL, NULL);
}
