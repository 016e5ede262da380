/*
 * test_store — the LMDB store: append/read/dedup, tables, scans, snapshots, map
 * growth up to the maximum then STORE_EFULL, schema version, stale readers, hot
 * backup, and a crash test that kills a writer with SIGKILL at random points.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>

#include "store.h"
#include "testutil.h"

typedef struct {
    char dir[256];
    char path[300];
    store_config_t cfg;
    store_t *store;
} fixture_t;

static int setup(void **state)
{
    fixture_t *f = calloc(1, sizeof *f);
    assert_non_null(f);
    assert_int_equal(tu_mkdtemp(f->dir, sizeof f->dir), 0);
    snprintf(f->path, sizeof f->path, "%s/store", f->dir);
    store_config_defaults(&f->cfg);
    f->cfg.path = f->path;
    f->cfg.map_initial = 1u << 20;
    f->cfg.map_step = 1u << 20;
    f->cfg.map_max = 64u << 20;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture_t *f = *state;
    store_close(&f->store);
    tu_rmtree(f->dir);
    free(f);
    return 0;
}

static void open_store(fixture_t *f)
{
    char why[256] = "";
    int rc = store_open(&f->store, &f->cfg, why, sizeof why);
    if (rc)
        fail_msg("store_open: %s (%s)", store_strerror(rc), why);
}

static void append_text(store_txn_t *txn, const char *text, uint64_t expect_seq)
{
    uint64_t seq = 0;
    assert_int_equal(store_next_seq(txn), expect_seq);
    assert_int_equal(store_append(txn, text, strlen(text), &seq), STORE_OK);
    assert_int_equal(seq, expect_seq);
}

static void assert_event(store_txn_t *txn, uint64_t seq, const char *text)
{
    store_val_t v;
    assert_int_equal(store_event_get(txn, seq, &v), STORE_OK);
    assert_int_equal(v.len, strlen(text));
    assert_memory_equal(v.data, text, v.len);
}

static void test_open_creates_and_reopens(void **state)
{
    fixture_t *f = *state;
    open_store(f);
    struct stat st;
    assert_int_equal(stat(f->path, &st), 0);
    assert_true(S_ISDIR(st.st_mode));
    assert_int_equal(st.st_mode & 077, 0); /* patient data: owner only */

    store_stat_t ss;
    assert_int_equal(store_stat(f->store, &ss), STORE_OK);
    assert_int_equal(ss.last_seq, 0);
    assert_int_equal(ss.entries[STORE_META], 2); /* schema version, created_at */
    store_close(&f->store);
    assert_null(f->store);
    store_close(&f->store); /* safe twice */
    open_store(f);
}

static void test_append_read_and_reopen(void **state)
{
    fixture_t *f = *state;
    open_store(f);
    store_txn_t *txn;
    assert_int_equal(store_batch_begin(f->store, &txn), STORE_OK);
    append_text(txn, "first", 1);
    append_text(txn, "second", 2);
    assert_event(txn, 1, "first"); /* visible inside the batch */
    append_text(txn, "third", 3);
    assert_int_equal(store_last_seq(txn), 3);
    assert_int_equal(store_batch_commit(&txn), STORE_OK);
    assert_null(txn);

    store_close(&f->store);
    open_store(f);
    assert_int_equal(store_read_begin(f->store, &txn), STORE_OK);
    assert_int_equal(store_last_seq(txn), 3);
    assert_event(txn, 1, "first");
    assert_event(txn, 2, "second");
    assert_event(txn, 3, "third");
    store_val_t v;
    assert_int_equal(store_event_get(txn, 4, &v), STORE_ENOTFOUND);
    assert_int_equal(store_event_get(txn, 0, &v), STORE_ENOTFOUND);
    /* a snapshot cannot write */
    assert_int_equal(store_append(txn, "x", 1, NULL), STORE_EINVAL);
    assert_int_equal(store_put(txn, STORE_META, "k", 1, "v", 1), STORE_EINVAL);
    store_txn_end(&txn);

    assert_int_equal(store_batch_begin(f->store, &txn), STORE_OK);
    append_text(txn, "fourth", 4);
    assert_int_equal(store_batch_commit(&txn), STORE_OK);
}

static void test_abort_leaves_nothing(void **state)
{
    fixture_t *f = *state;
    open_store(f);
    store_txn_t *txn;
    assert_int_equal(store_batch_begin(f->store, &txn), STORE_OK);
    append_text(txn, "kept", 1);
    assert_int_equal(store_batch_commit(&txn), STORE_OK);

    assert_int_equal(store_batch_begin(f->store, &txn), STORE_OK);
    append_text(txn, "lost", 2);
    assert_int_equal(store_put(txn, STORE_REFERRALS, "r1", 2, "state", 5), STORE_OK);
    assert_int_equal(store_dedup_insert(txn, "gp-a81001", "m-1", "r2", 2, NULL), STORE_OK);
    store_txn_end(&txn);
    assert_null(txn);

    assert_int_equal(store_batch_begin(f->store, &txn), STORE_OK);
    store_val_t v;
    assert_int_equal(store_event_get(txn, 2, &v), STORE_ENOTFOUND);
    assert_int_equal(store_get(txn, STORE_REFERRALS, "r1", 2, &v), STORE_ENOTFOUND);
    assert_int_equal(store_dedup_get(txn, "gp-a81001", "m-1", &v), STORE_ENOTFOUND);
    append_text(txn, "again", 2); /* the aborted seq is taken again */
    assert_int_equal(store_batch_commit(&txn), STORE_OK);
}

static void test_one_batch_at_a_time(void **state)
{
    fixture_t *f = *state;
    open_store(f);
    store_txn_t *a, *b = NULL;
    assert_int_equal(store_batch_begin(f->store, &a), STORE_OK);
    assert_int_equal(store_batch_begin(f->store, &b), STORE_EINVAL);
    assert_null(b);
    store_txn_end(&a);
    assert_int_equal(store_batch_begin(f->store, &b), STORE_OK);
    store_txn_end(&b);
    store_txn_end(&b); /* safe on NULL */
    assert_int_equal(store_batch_commit(&b), STORE_EINVAL);
}

static void test_dedup(void **state)
{
    fixture_t *f = *state;
    open_store(f);
    store_txn_t *txn;
    store_val_t v;
    assert_int_equal(store_batch_begin(f->store, &txn), STORE_OK);
    assert_int_equal(store_dedup_get(txn, "gp-a81001", "m-1", &v), STORE_ENOTFOUND);
    append_text(txn, "e", 1);
    assert_int_equal(store_dedup_insert(txn, "gp-a81001", "m-1", "r1", 2, NULL), STORE_OK);
    assert_int_equal(store_batch_commit(&txn), STORE_OK);

    assert_int_equal(store_read_begin(f->store, &txn), STORE_OK);
    assert_int_equal(store_dedup_get(txn, "gp-a81001", "m-1", &v), STORE_OK);
    assert_int_equal(v.len, 2);
    assert_memory_equal(v.data, "r1", 2);
    store_txn_end(&txn);

    /* a second insert finds the first, in the same look-up, and changes nothing */
    assert_int_equal(store_batch_begin(f->store, &txn), STORE_OK);
    v.data = NULL;
    assert_int_equal(store_dedup_insert(txn, "gp-a81001", "m-1", "r9", 2, &v), STORE_EEXIST);
    assert_non_null(v.data);
    assert_memory_equal(v.data, "r1", 2);
    assert_int_equal(store_dedup_del(txn, "gp-a81001", "m-1"), STORE_OK);
    assert_int_equal(store_dedup_get(txn, "gp-a81001", "m-1", &v), STORE_ENOTFOUND);
    assert_int_equal(store_dedup_insert(txn, "gp-a81001", "m-1", "r2", 2, NULL), STORE_OK);
    assert_int_equal(store_batch_commit(&txn), STORE_OK);
    assert_int_equal(store_read_begin(f->store, &txn), STORE_OK);
    /* the same message id from another sender is another message */
    assert_int_equal(store_dedup_get(txn, "gp-b82002", "m-1", &v), STORE_ENOTFOUND);
    /* "ab" + "c" must not collide with "a" + "bc" */
    assert_int_equal(store_dedup_get(txn, "gp-a8100", "1m-1", &v), STORE_ENOTFOUND);
    store_txn_end(&txn);

    char longid[600];
    memset(longid, 'x', sizeof longid - 1);
    longid[sizeof longid - 1] = 0;
    assert_int_equal(store_batch_begin(f->store, &txn), STORE_OK);
    assert_int_equal(store_dedup_insert(txn, "", "m", "r1", 2, NULL), STORE_EINVAL);
    assert_int_equal(store_dedup_insert(txn, "a", "", "r1", 2, NULL), STORE_EINVAL);
    assert_int_equal(store_dedup_insert(txn, NULL, "m", "r1", 2, NULL), STORE_EINVAL);
    assert_int_equal(store_dedup_insert(txn, "a", longid, "r1", 2, NULL), STORE_EINVAL);
    assert_int_equal(store_dedup_get(txn, "a", longid, &v), STORE_EINVAL);
    store_txn_end(&txn);
}

static int collect(const store_val_t *k, const store_val_t *v, void *ctx)
{
    char *out = ctx;
    (void)v;
    strncat(out, k->data, k->len);
    strcat(out, ",");
    return 0;
}

static int stop_at_two(const store_val_t *k, const store_val_t *v, void *ctx)
{
    int *n = ctx;
    (void)k;
    (void)v;
    return ++*n == 2 ? 42 : 0;
}

static void test_tables_scan_and_counters(void **state)
{
    fixture_t *f = *state;
    open_store(f);
    store_txn_t *txn;
    assert_int_equal(store_batch_begin(f->store, &txn), STORE_OK);
    const char *keys[] = {"nb1\0r3", "nb1\0r1", "nb2\0r2", "nb1\0r2", "nb0\0r9"};
    for (size_t i = 0; i < 5; i++)
        assert_int_equal(store_put(txn, STORE_WAITING, keys[i], 6, "x", 1), STORE_OK);
    assert_int_equal(store_insert(txn, STORE_WAITING, "nb1\0r1", 6, "y", 1), STORE_EEXIST);
    store_val_t v;
    assert_int_equal(store_get(txn, STORE_WAITING, "nb1\0r1", 6, &v), STORE_OK);
    assert_memory_equal(v.data, "x", 1); /* insert did not overwrite */
    assert_int_equal(store_put(txn, STORE_WAITING, "nb1\0r1", 6, "z", 1), STORE_OK);
    assert_int_equal(store_get(txn, STORE_WAITING, "nb1\0r1", 6, &v), STORE_OK);
    assert_memory_equal(v.data, "z", 1);
    assert_int_equal(store_del(txn, STORE_WAITING, "nb1\0r3", 6), STORE_OK);
    assert_int_equal(store_del(txn, STORE_WAITING, "nb1\0r3", 6), STORE_ENOTFOUND);

    char seen[128] = "";
    assert_int_equal(store_scan(txn, STORE_WAITING, "nb1\0", 4, 4, collect, seen), STORE_OK);
    assert_string_equal(seen, "nb1,nb1,"); /* strncat stops at the NUL: two nb1 rows */
    int n = 0;
    assert_int_equal(store_scan(txn, STORE_WAITING, NULL, 0, 0, stop_at_two, &n), 42);
    assert_int_equal(n, 2);

    store_val_t lk;
    assert_int_equal(store_last(txn, STORE_WAITING, &lk, &v), STORE_OK);
    assert_memory_equal(lk.data, "nb2\0r2", 6);
    assert_int_equal(store_last(txn, STORE_TIMERS, &lk, &v), STORE_ENOTFOUND);

    uint64_t id = 0;
    assert_int_equal(store_next_id(txn, "referral", &id), STORE_OK);
    assert_int_equal(id, 1);
    assert_int_equal(store_next_id(txn, "referral", &id), STORE_OK);
    assert_int_equal(id, 2);
    assert_int_equal(store_next_id(txn, "audit", &id), STORE_OK);
    assert_int_equal(id, 1);
    assert_int_equal(store_next_id(txn, "", &id), STORE_EINVAL);
    assert_int_equal(store_batch_commit(&txn), STORE_OK);

    assert_int_equal(store_batch_begin(f->store, &txn), STORE_OK);
    assert_int_equal(store_next_id(txn, "referral", &id), STORE_OK);
    assert_int_equal(id, 3); /* counters are durable */
    /* keys: empty and over LMDB's limit are refused, never truncated */
    uint8_t big[STORE_KEY_MAX + 1] = {0};
    assert_int_equal(store_put(txn, STORE_META, big, 0, "v", 1), STORE_EINVAL);
    assert_int_equal(store_put(txn, STORE_META, big, sizeof big, "v", 1), STORE_EINVAL);
    assert_int_equal(store_put(txn, STORE_META, big, STORE_KEY_MAX, "v", 1), STORE_OK);
    assert_int_equal(store_put(txn, (store_table_t)STORE_TABLE_COUNT, "k", 1, "v", 1), STORE_EINVAL);
    assert_int_equal(store_get(txn, (store_table_t)-1, "k", 1, &v), STORE_EINVAL);
    assert_int_equal(store_batch_commit(&txn), STORE_OK);
}

static void test_u64_keys_sort_numerically(void **state)
{
    (void)state;
    uint8_t a[8], b[8];
    store_key_u64(a, 255);
    store_key_u64(b, 256);
    assert_true(memcmp(a, b, 8) < 0);
    store_key_u64(a, UINT64_MAX - 1);
    assert_int_equal(store_u64_from_key(a), UINT64_MAX - 1);
    assert_string_equal(store_table_name(STORE_EVENTS), "events");
    assert_string_equal(store_table_name(STORE_TABLE_COUNT), "?");
    assert_string_equal(store_strerror(STORE_EFULL), "store full: the map is at its configured maximum");
}

static void test_snapshot_isolation(void **state)
{
    fixture_t *f = *state;
    open_store(f);
    store_txn_t *w, *r;
    assert_int_equal(store_batch_begin(f->store, &w), STORE_OK);
    append_text(w, "one", 1);
    assert_int_equal(store_batch_commit(&w), STORE_OK);

    assert_int_equal(store_read_begin(f->store, &r), STORE_OK);
    assert_int_equal(store_batch_begin(f->store, &w), STORE_OK);
    append_text(w, "two", 2);
    assert_int_equal(store_batch_commit(&w), STORE_OK);
    store_val_t v;
    assert_int_equal(store_last_seq(r), 1);
    assert_int_equal(store_event_get(r, 2, &v), STORE_ENOTFOUND);
    store_txn_end(&r);
    assert_int_equal(store_read_begin(f->store, &r), STORE_OK);
    assert_int_equal(store_last_seq(r), 2);
    assert_event(r, 2, "two");
    store_txn_end(&r);
}

/* Appends 3000-byte events (one overflow page each) in batches of 16 until the store
 * refuses; returns the count. */
static uint64_t fill_until_full(fixture_t *f, int *last_rc)
{
    char ev[3000];
    uint64_t n = 0;
    for (;;) {
        store_txn_t *txn;
        assert_int_equal(store_batch_begin(f->store, &txn), STORE_OK);
        int rc = STORE_OK;
        for (int i = 0; i < 16 && rc == STORE_OK; i++) {
            memset(ev, 'a' + (int)(n % 26), sizeof ev);
            uint64_t seq;
            rc = store_append(txn, ev, sizeof ev, &seq);
            if (rc == STORE_OK)
                n++;
        }
        if (rc != STORE_OK) {
            *last_rc = rc;
            int crc = store_batch_commit(&txn); /* what was appended before still commits */
            assert_int_equal(crc, STORE_OK);
            return n;
        }
        assert_int_equal(store_batch_commit(&txn), STORE_OK);
        assert_true(n < 100000);
    }
}

static void test_map_grows_to_max_then_full(void **state)
{
    fixture_t *f = *state;
    f->cfg.map_initial = 256u << 10;
    f->cfg.map_step = 256u << 10;
    f->cfg.map_max = 4u << 20;
    f->cfg.full_headroom = 256u << 10;
    open_store(f);

    int rc = 0;
    uint64_t n = fill_until_full(f, &rc);
    assert_int_equal(rc, STORE_EFULL);
    store_stat_t ss;
    assert_int_equal(store_stat(f->store, &ss), STORE_OK);
    assert_true(ss.map_grown >= 10); /* 256 KiB to 4 MiB in 256 KiB steps */
    assert_int_equal(ss.map_size, f->cfg.map_max);
    assert_int_equal(ss.last_seq, n);
    assert_true(n > 800); /* most of 4 MiB's 1024 pages hold events */

    /* reads keep working */
    store_txn_t *txn;
    assert_int_equal(store_read_begin(f->store, &txn), STORE_OK);
    for (uint64_t s = 1; s <= n; s++) {
        store_val_t v;
        assert_int_equal(store_event_get(txn, s, &v), STORE_OK);
        assert_int_equal(v.len, 3000);
        assert_int_equal(((const char *)v.data)[0], 'a' + (int)((s - 1) % 26));
    }
    store_txn_end(&txn);

    /* appends stay refused; acks and state updates still go into the headroom */
    assert_int_equal(store_batch_begin(f->store, &txn), STORE_OK);
    assert_int_equal(store_append(txn, "x", 1, NULL), STORE_EFULL);
    assert_int_equal(store_put(txn, STORE_SUBSCRIPTIONS, "agent\0sub", 9, "acked=7", 7), STORE_OK);
    assert_int_equal(store_batch_commit(&txn), STORE_OK);

    /* and the limit holds across a reopen */
    store_close(&f->store);
    open_store(f);
    assert_int_equal(store_stat(f->store, &ss), STORE_OK);
    assert_int_equal(ss.map_size, f->cfg.map_max);
    assert_int_equal(store_batch_begin(f->store, &txn), STORE_OK);
    assert_int_equal(store_append(txn, "x", 1, NULL), STORE_EFULL);
    store_txn_end(&txn);
}

static void test_full_batch_fails_whole(void **state)
{
    fixture_t *f = *state;
    f->cfg.map_initial = 256u << 10;
    f->cfg.map_step = 256u << 10;
    f->cfg.map_max = 1u << 20;
    f->cfg.full_headroom = 64u << 10;
    open_store(f);
    store_txn_t *txn;
    assert_int_equal(store_batch_begin(f->store, &txn), STORE_OK);
    append_text(txn, "before", 1);
    assert_int_equal(store_batch_commit(&txn), STORE_OK);

    /* one batch writing more than the whole map: the real MDB_MAP_FULL at the maximum */
    static char big[64 << 10];
    memset(big, 'b', sizeof big);
    assert_int_equal(store_batch_begin(f->store, &txn), STORE_OK);
    int rc = STORE_OK;
    char key[16];
    for (int i = 0; i < 64 && rc == STORE_OK; i++) {
        int kl = snprintf(key, sizeof key, "k%02d", i);
        rc = store_put(txn, STORE_SESSIONS, key, (size_t)kl, big, sizeof big);
    }
    assert_int_equal(rc, STORE_EFULL);
    /* the batch is dead: everything else fails until it ends */
    assert_int_equal(store_put(txn, STORE_META, "k", 1, "v", 1), STORE_EABORTED);
    assert_int_equal(store_batch_commit(&txn), STORE_EFULL);

    assert_int_equal(store_read_begin(f->store, &txn), STORE_OK);
    store_val_t v;
    assert_int_equal(store_get(txn, STORE_SESSIONS, "k00", 3, &v), STORE_ENOTFOUND);
    assert_event(txn, 1, "before");
    store_txn_end(&txn);
    store_stat_t ss;
    assert_int_equal(store_stat(f->store, &ss), STORE_OK);
    assert_int_equal(ss.entries[STORE_SESSIONS], 0);
}

static void test_growth_refused_while_snapshot_open(void **state)
{
    fixture_t *f = *state;
    f->cfg.map_initial = 256u << 10;
    f->cfg.map_step = 256u << 10;
    f->cfg.map_max = 8u << 20;
    open_store(f);
    store_txn_t *r, *w;
    assert_int_equal(store_read_begin(f->store, &r), STORE_OK);
    assert_int_equal(store_batch_begin(f->store, &w), STORE_OK);
    static char big[32 << 10];
    int rc = STORE_OK;
    for (int i = 0; i < 32 && rc == STORE_OK; i++)
        rc = store_append(w, big, sizeof big, NULL);
    assert_int_equal(rc, STORE_EBUSY);
    store_txn_end(&w);
    store_txn_end(&r);
    /* with the snapshot closed the same batch grows the map and commits */
    assert_int_equal(store_batch_begin(f->store, &w), STORE_OK);
    for (int i = 0; i < 32; i++)
        assert_int_equal(store_append(w, big, sizeof big, NULL), STORE_OK);
    assert_int_equal(store_batch_commit(&w), STORE_OK);
    store_stat_t ss;
    assert_int_equal(store_stat(f->store, &ss), STORE_OK);
    assert_true(ss.map_grown > 0);
    assert_int_equal(ss.last_seq, 32);
}

static void test_schema_version_mismatch(void **state)
{
    fixture_t *f = *state;
    open_store(f);
    store_txn_t *txn;
    assert_int_equal(store_batch_begin(f->store, &txn), STORE_OK);
    const uint8_t v99[4] = {0, 0, 0, 99};
    assert_int_equal(store_put(txn, STORE_META, "schema_version", 14, v99, 4), STORE_OK);
    assert_int_equal(store_batch_commit(&txn), STORE_OK);
    store_close(&f->store);

    char why[256] = "";
    assert_int_equal(store_open(&f->store, &f->cfg, why, sizeof why), STORE_EVERSION);
    assert_null(f->store);
    assert_non_null(strstr(why, "schema version 99"));
    assert_non_null(strstr(why, "version 1"));
}

static void test_read_only(void **state)
{
    fixture_t *f = *state;
    char why[256] = "";
    store_config_t ro = f->cfg;
    ro.read_only = true;
    assert_int_not_equal(store_open(&f->store, &ro, why, sizeof why), STORE_OK);
    assert_non_null(strstr(why, f->path));

    open_store(f);
    store_txn_t *txn;
    assert_int_equal(store_batch_begin(f->store, &txn), STORE_OK);
    append_text(txn, "seen", 1);
    assert_int_equal(store_batch_commit(&txn), STORE_OK);

    store_t *reader = NULL;
    assert_int_equal(store_open(&reader, &ro, why, sizeof why), STORE_OK);
    assert_int_equal(store_batch_begin(reader, &txn), STORE_EINVAL);
    /* a reader opened earlier sees what the writer commits later */
    assert_int_equal(store_batch_begin(f->store, &txn), STORE_OK);
    append_text(txn, "later", 2);
    assert_int_equal(store_batch_commit(&txn), STORE_OK);
    assert_int_equal(store_read_begin(reader, &txn), STORE_OK);
    assert_int_equal(store_last_seq(txn), 2);
    assert_event(txn, 2, "later");
    store_txn_end(&txn);
    store_close(&reader);
}

/* Forks a child that opens the store, optionally begins a read snapshot, says so on
 * a pipe and waits to be killed. */
static pid_t hold_store(const store_config_t *cfg, bool with_reader)
{
    int ready[2];
    assert_int_equal(pipe(ready), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        store_t *s = NULL;
        store_txn_t *r = NULL;
        if (store_open(&s, cfg, NULL, 0) || (with_reader && store_read_begin(s, &r)))
            _exit(2);
        (void)!write(ready[1], "r", 1);
        for (;;)
            pause();
    }
    close(ready[1]);
    char c;
    assert_int_equal(read(ready[0], &c, 1), 1);
    close(ready[0]);
    return pid;
}

static void kill_and_reap(pid_t pid)
{
    int status;
    kill(pid, SIGKILL);
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFSIGNALED(status));
}

/* A reader that dies while another process keeps the store open leaves its slot
 * behind (LMDB only resets the table when a process opens it alone). */
static void test_stale_readers_cleared_at_open(void **state)
{
    fixture_t *f = *state;
    open_store(f);
    store_close(&f->store); /* never carry an environment across fork() */

    pid_t keeper = hold_store(&f->cfg, false);
    pid_t reader = hold_store(&f->cfg, true);
    kill_and_reap(reader);

    open_store(f);
    store_stat_t ss;
    assert_int_equal(store_stat(f->store, &ss), STORE_OK);
    assert_int_equal(ss.stale_readers_cleared, 1);
    assert_int_equal(store_reader_check(f->store), 0);

    /* and the periodic check finds the next one */
    reader = hold_store(&f->cfg, true);
    kill_and_reap(reader);
    assert_int_equal(store_reader_check(f->store), 1);
    kill_and_reap(keeper);
}

static void test_hot_backup(void **state)
{
    fixture_t *f = *state;
    open_store(f);
    store_txn_t *txn;
    assert_int_equal(store_batch_begin(f->store, &txn), STORE_OK);
    for (int i = 0; i < 100; i++) {
        char ev[64];
        snprintf(ev, sizeof ev, "event %d", i);
        append_text(txn, ev, (uint64_t)i + 1);
    }
    assert_int_equal(store_dedup_insert(txn, "gp", "m-1", "r7", 2, NULL), STORE_OK);
    assert_int_equal(store_batch_commit(&txn), STORE_OK);

    /* a backup taken while a batch is open holds only what was committed */
    assert_int_equal(store_batch_begin(f->store, &txn), STORE_OK);
    append_text(txn, "uncommitted", 101);
    char dest[320];
    snprintf(dest, sizeof dest, "%s/backup/one", f->dir);
    assert_int_equal(store_backup(f->store, dest), STORE_OK);
    assert_int_equal(store_batch_commit(&txn), STORE_OK);
    assert_int_equal(store_backup(f->store, dest), STORE_EEXIST); /* never overwrites */

    char tmp[340];
    snprintf(tmp, sizeof tmp, "%s/data.mdb.tmp", dest);
    assert_int_not_equal(access(tmp, F_OK), 0);
    struct stat st;
    snprintf(tmp, sizeof tmp, "%s/data.mdb", dest);
    assert_int_equal(stat(tmp, &st), 0);
    assert_int_equal(st.st_mode & 077, 0);

    store_config_t bc = f->cfg;
    bc.path = dest;
    store_t *b = NULL;
    char why[256];
    assert_int_equal(store_open(&b, &bc, why, sizeof why), STORE_OK);
    assert_int_equal(store_read_begin(b, &txn), STORE_OK);
    assert_int_equal(store_last_seq(txn), 100);
    assert_event(txn, 1, "event 0");
    assert_event(txn, 100, "event 99");
    store_val_t v;
    assert_int_equal(store_dedup_get(txn, "gp", "m-1", &v), STORE_OK);
    assert_memory_equal(v.data, "r7", 2);
    store_txn_end(&txn);
    store_close(&b);
}

/* ---- crash test ---------------------------------------------------------
 * A child writes batches: batch b holds k events "b=<b> i=<i> k=<k>" and sets the
 * meta key "batch" to b, then reports b on a pipe after the commit returns. The
 * parent kills it with SIGKILL at a random moment, reopens, and checks that every
 * reported batch is there whole, no batch is there in part, and the state table
 * agrees with the log. */

static void crash_child(const store_config_t *cfg, uint64_t first_batch, int report_fd, unsigned seed)
{
    store_t *s = NULL;
    if (store_open(&s, cfg, NULL, 0))
        _exit(3);
    srand(seed);
    static char pad[9000];
    memset(pad, '.', sizeof pad);
    for (uint64_t b = first_batch;; b++) {
        store_txn_t *txn;
        if (store_batch_begin(s, &txn))
            _exit(4);
        int k = 1 + rand() % 40;
        for (int i = 0; i < k; i++) {
            char ev[9100];
            int padlen = rand() % 10 == 0 ? 5000 + rand() % 4000 : rand() % 600;
            int n = snprintf(ev, sizeof ev, "b=%" PRIu64 " i=%d k=%d ", b, i, k);
            memcpy(ev + n, pad, (size_t)padlen);
            if (store_append(txn, ev, (size_t)n + (size_t)padlen, NULL))
                _exit(5);
        }
        uint8_t bv[8];
        store_key_u64(bv, b);
        if (store_put(txn, STORE_META, "batch", 5, bv, 8) || store_batch_commit(&txn))
            _exit(6);
        if (write(report_fd, &b, sizeof b) != sizeof b)
            _exit(7);
    }
}

typedef struct {
    uint64_t batch, next_i, k;
    uint64_t batches_whole;
} crash_check_t;

static int check_event(const store_val_t *key, const store_val_t *val, void *ctx)
{
    crash_check_t *c = ctx;
    char text[64] = "";
    memcpy(text, val->data, val->len < 63 ? val->len : 63);
    uint64_t b;
    int i, k;
    if (key->len != 8 || sscanf(text, "b=%" SCNu64 " i=%d k=%d", &b, &i, &k) != 3)
        return 1;
    if (c->next_i == 0) { /* a batch starts */
        if (b != c->batch + 1 || i != 0)
            return 2;
        c->batch = b;
        c->k = (uint64_t)k;
    } else if (b != c->batch || (uint64_t)i != c->next_i || (uint64_t)k != c->k) {
        return 3;
    }
    if (++c->next_i == c->k) {
        c->next_i = 0;
        c->batches_whole++;
    }
    return 0;
}

static void test_crash_kill9_loses_no_committed_batch(void **state)
{
    fixture_t *f = *state;
    f->cfg.map_initial = 256u << 10; /* the map grows while being killed too */
    f->cfg.map_step = 256u << 10;
    f->cfg.map_max = 256u << 20;
    int rounds = tu_under_valgrind() ? 4 : 25;
    uint64_t reported = 0;
    srand((unsigned)time(NULL) ^ (unsigned)getpid());
    for (int round = 0; round < rounds; round++) {
        int fds[2];
        assert_int_equal(pipe(fds), 0);
        unsigned seed = (unsigned)rand();
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
            close(fds[0]);
            crash_child(&f->cfg, reported + 1, fds[1], seed);
        }
        close(fds[1]);
        /* let it commit a little, then kill it at a random moment */
        uint64_t b;
        assert_int_equal(read(fds[0], &b, sizeof b), (ssize_t)sizeof b);
        reported = b;
        struct timespec ts = {0, (long)(rand() % 40000) * 1000L};
        nanosleep(&ts, NULL);
        kill(pid, SIGKILL);
        int status;
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFSIGNALED(status));
        while (read(fds[0], &b, sizeof b) == (ssize_t)sizeof b)
            reported = b;
        close(fds[0]);

        open_store(f);
        store_txn_t *txn;
        assert_int_equal(store_read_begin(f->store, &txn), STORE_OK);
        crash_check_t c = {0};
        int rc = store_scan(txn, STORE_EVENTS, NULL, 0, 0, check_event, &c);
        if (rc)
            fail_msg("round %d: log broken at batch %" PRIu64 " (check %d)", round, c.batch, rc);
        assert_int_equal(c.next_i, 0); /* no partial batch at the end */
        assert_true(c.batch >= reported); /* every reported batch is there */
        assert_true(c.batch <= reported + 1); /* at most the one in flight */
        store_val_t v;
        assert_int_equal(store_get(txn, STORE_META, "batch", 5, &v), STORE_OK);
        assert_int_equal(store_u64_from_key(v.data), c.batch); /* state agrees with the log */
        store_txn_end(&txn);
        store_close(&f->store);
        reported = c.batch;
    }
    assert_true(reported > (uint64_t)rounds);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_open_creates_and_reopens, setup, teardown),
        cmocka_unit_test_setup_teardown(test_append_read_and_reopen, setup, teardown),
        cmocka_unit_test_setup_teardown(test_abort_leaves_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_one_batch_at_a_time, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dedup, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tables_scan_and_counters, setup, teardown),
        cmocka_unit_test(test_u64_keys_sort_numerically),
        cmocka_unit_test_setup_teardown(test_snapshot_isolation, setup, teardown),
        cmocka_unit_test_setup_teardown(test_map_grows_to_max_then_full, setup, teardown),
        cmocka_unit_test_setup_teardown(test_full_batch_fails_whole, setup, teardown),
        cmocka_unit_test_setup_teardown(test_growth_refused_while_snapshot_open, setup, teardown),
        cmocka_unit_test_setup_teardown(test_schema_version_mismatch, setup, teardown),
        cmocka_unit_test_setup_teardown(test_read_only, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stale_readers_cleared_at_open, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hot_backup, setup, teardown),
        cmocka_unit_test_setup_teardown(test_crash_kill9_loses_no_committed_batch, setup, teardown),
    };
    return cmocka_run_group_tests_name("store", tests, NULL, NULL);
}
