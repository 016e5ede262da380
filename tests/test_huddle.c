/*
 * test_huddle — the `huddle` command line as an operator runs it: the real binary
 * from bin/ (or $HD_BIN), its exit codes, messages and effects on a store.
 */
#include "store.h"
#include "tu_cmd.h"

/* The store straight in the test's directory, which is there already. */
static int setup(void **state)
{
    tu_cmd_setup(state);
    tu_cmd_t *f = *state;
    snprintf(f->store, sizeof f->store, "%s/store", f->dir);
    return 0;
}

#define RUN(f, ...) TU_CMD_RUN(f, "huddle", __VA_ARGS__)

static void test_help_and_usage_errors(void **state)
{
    tu_cmd_t *f = *state;
    assert_int_equal(RUN(f, "--help"), 0);
    assert_output_has(f, "usage: huddle");
    const char *commands[] = {"init", "stat", "backup DEST", "help", "version"};
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        assert_output_has(f, commands[i]);
    assert_int_equal(RUN(f, "help"), 0);
    assert_output_has(f, "--store DIR");

    assert_int_equal(tu_run((const char *[]){"huddle", NULL}, f->out, sizeof f->out), 2);
    assert_output_has(f, "usage: huddle");
    assert_int_equal(RUN(f, "frobnicate"), 2);
    assert_output_has(f, "unknown command 'frobnicate'");
    assert_int_equal(RUN(f, "--bogus", "stat"), 2);
    assert_output_has(f, "unknown option --bogus");
    assert_int_equal(RUN(f, "backup"), 2);
    assert_output_has(f, "usage: huddle backup DEST");
    assert_int_equal(RUN(f, "stat", "extra"), 2);
    assert_int_equal(RUN(f, "--store"), 2);
    assert_int_equal(RUN(f, "version"), 0);
    assert_output_has(f, "store schema 1");
}

static void test_init_creates_once(void **state)
{
    tu_cmd_t *f = *state;
    assert_int_equal(RUN(f, "--store", f->store, "init"), 0);
    assert_output_has(f, "created store");
    struct stat st;
    char data[400];
    snprintf(data, sizeof data, "%s/data.mdb", f->store);
    assert_int_equal(stat(data, &st), 0);
    assert_int_equal(stat(f->store, &st), 0);
    assert_int_equal(st.st_mode & 077, 0);

    assert_int_equal(RUN(f, "--store", f->store, "init"), 1);
    assert_output_has(f, "already holds a store; nothing changed");
}

static void test_stat_missing_store(void **state)
{
    tu_cmd_t *f = *state;
    assert_int_equal(RUN(f, "--store", f->store, "stat"), 1);
    assert_output_has(f, f->store);
    assert_output_has(f, "No such file or directory");
    struct stat st;
    assert_int_not_equal(stat(f->store, &st), 0); /* reading never creates a store */
}

/* Writes n events into the store in one batch, as the broker would. */
static void append_events(const char *path, int n)
{
    store_config_t cfg;
    store_config_defaults(&cfg);
    cfg.path = path;
    store_t *s = NULL;
    store_txn_t *txn;
    assert_int_equal(store_open(&s, &cfg, NULL, 0), STORE_OK);
    assert_int_equal(store_batch_begin(s, &txn), STORE_OK);
    for (int i = 0; i < n; i++)
        assert_int_equal(store_append(txn, "event", 5, NULL), STORE_OK);
    assert_int_equal(store_batch_commit(&txn), STORE_OK);
    store_close(&s);
}

static void test_stat_beside_a_writer(void **state)
{
    tu_cmd_t *f = *state;
    assert_int_equal(RUN(f, "--store", f->store, "init"), 0);
    append_events(f->store, 3);

    /* the store stays open for writing in this process while the tool reads it */
    store_config_t cfg;
    store_config_defaults(&cfg);
    cfg.path = f->store;
    store_t *s = NULL;
    store_txn_t *txn;
    assert_int_equal(store_open(&s, &cfg, NULL, 0), STORE_OK);
    assert_int_equal(store_batch_begin(s, &txn), STORE_OK);
    assert_int_equal(store_append(txn, "uncommitted", 11, NULL), STORE_OK);

    assert_int_equal(RUN(f, "--store", f->store, "stat"), 0);
    assert_output_has(f, "last seq       3\n");
    assert_output_has(f, "  events             3\n");
    assert_output_has(f, "schema         1\n");

    assert_int_equal(store_batch_commit(&txn), STORE_OK);
    assert_int_equal(RUN(f, "--store", f->store, "stat"), 0);
    assert_output_has(f, "last seq       4\n");
    store_close(&s);
}

static void test_store_from_environment(void **state)
{
    tu_cmd_t *f = *state;
    setenv("HUDDLE_STORE", f->store, 1);
    int rc = RUN(f, "init");
    unsetenv("HUDDLE_STORE");
    assert_int_equal(rc, 0);
    assert_output_has(f, f->store);
}

static void test_backup_and_restore(void **state)
{
    tu_cmd_t *f = *state;
    char dest[400];
    snprintf(dest, sizeof dest, "%s/backups/monday", f->dir);
    assert_int_equal(RUN(f, "--store", f->store, "init"), 0);
    append_events(f->store, 5);

    assert_int_equal(RUN(f, "--store", f->store, "backup", dest), 0);
    assert_output_has(f, "last seq 5");
    assert_output_has(f, dest);

    /* the backup is a store in its own right */
    assert_int_equal(RUN(f, "--store", dest, "stat"), 0);
    assert_output_has(f, "last seq       5\n");

    /* never over an existing backup */
    assert_int_equal(RUN(f, "--store", f->store, "backup", dest), 1);
    assert_output_has(f, "already exists");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_help_and_usage_errors, setup, tu_cmd_teardown),
        cmocka_unit_test_setup_teardown(test_init_creates_once, setup, tu_cmd_teardown),
        cmocka_unit_test_setup_teardown(test_stat_missing_store, setup, tu_cmd_teardown),
        cmocka_unit_test_setup_teardown(test_stat_beside_a_writer, setup, tu_cmd_teardown),
        cmocka_unit_test_setup_teardown(test_store_from_environment, setup, tu_cmd_teardown),
        cmocka_unit_test_setup_teardown(test_backup_and_restore, setup, tu_cmd_teardown),
    };
    return cmocka_run_group_tests_name("huddle", tests, NULL, NULL);
}
