/*
 * test_cmd_demo — `huddle demo` as a newcomer meets it through `make run`: the real
 * binary on a store `huddle init` made, every demo identity registered with the key
 * pair written for it, the trust agreement between the demo assessor's organisation
 * and the demo care home, all or nothing (a second run, a clash with an existing record,
 * a key file in the way), the broker's lock, and a demo agent connecting to a real
 * broker exactly as the printed note says.
 */
#include <sys/file.h>

#include "tu_cmd.h"

/* The demo's agents as the operator sees them: id, role, org. */
static const char *const demo[][3] = {
    {"gp-a81001", "gp-practice", "A81001"},
    {"gp-a81002", "gp-practice", "A81002"},
    {"coordinator-riverside", "int-coordinator", "RYJ"},
    {"dn-riverside", "mdt-member", "RYJ"},
    {"hub-rxh", "discharge-hub", "RXH"},
    {"assessor-rxh", "trusted-assessor", "RXH"},
    {"carehome-vn", "care-provider", "VN123"},
    {"asc-riverside", "social-care", "E08000026"},
    {"ig-auditor", "auditor", "X26"},
};
#define N_DEMO (sizeof demo / sizeof demo[0])

/* The keys a test exports as the demo's note says, unset again. */
static int teardown(void **state)
{
    unsetenv("HUDDLE_SERVER_KEY");
    unsetenv("HUDDLE_SECRET_KEY");
    return tu_cmd_teardown(state);
}

/* huddle --store <the fixture's store> ARGS... */
#define RUN(f, ...) TU_CMD_RUN(f, "huddle", "--store", (f)->store, __VA_ARGS__)

/* DIR/ID.EXT */
static void key_path(char *buf, size_t len, const char *dir, const char *id, const char *ext)
{
    snprintf(buf, len, "%s/%s.%s", dir, id, ext);
}

/* No demo record and no demo key file: what a refused run must leave. */
static void assert_no_demo(tu_cmd_t *f)
{
    char path[512];
    for (size_t i = 0; i < N_DEMO; i++) {
        key_path(path, sizeof path, f->keys, demo[i][0], "key");
        if (exists(path))
            fail_msg("%s was left behind", path);
    }
    assert_int_equal(RUN(f, "agent", "list"), 0);
    assert_output_has(f, "1 agent\n"); /* the admin only */
    assert_int_equal(RUN(f, "practice", "list"), 0);
    assert_output_has(f, "0 practices");
    assert_int_equal(RUN(f, "agreement", "list", "--all"), 0);
    assert_output_has(f, "0 agreements");
}

static void test_demo_registers_every_identity(void **state)
{
    tu_cmd_t *f = *state;
    init_store(f);
    assert_int_equal(RUN(f, "demo"), 0);
    char printed[sizeof f->out];
    memcpy(printed, f->out, sizeof printed);
    assert_output_has(f, "registered the demo neighbourhood riverside");
    assert_output_has(f, "fictional");

    char path[512], line[600], secret[64], pub[64];
    for (size_t i = 0; i < N_DEMO; i++) {
        /* one line per identity: id, role, org, ..., its key pair */
        char *at = strstr(printed, demo[i][0]);
        if (!at)
            fail_msg("no line for %s:\n%s", demo[i][0], printed);
        snprintf(line, sizeof line, "%.*s", (int)strcspn(at, "\n"), at);
        key_path(path, sizeof path, f->keys, demo[i][0], "{key,pub}");
        if (!strstr(line, demo[i][1]) || !strstr(line, demo[i][2]) || !strstr(line, path))
            fail_msg("line for %s lacks its role, org or key pair: %s", demo[i][0], line);

        key_path(path, sizeof path, f->keys, demo[i][0], "key");
        assert_int_equal(mode_of(path), 0600);
        read_line(path, secret, sizeof secret);
        if (strstr(printed, secret))
            fail_msg("the secret key of %s was printed", demo[i][0]);
        key_path(path, sizeof path, f->keys, demo[i][0], "pub");
        read_line(path, pub, sizeof pub);

        assert_int_equal(RUN(f, "agent", "show", demo[i][0]), 0);
        assert_output_has(f, pub); /* registered with the key written for it */
        assert_output_has(f, demo[i][1]);
        assert_output_has(f, demo[i][2]);
        assert_output_has(f, "active");
    }
    assert_int_equal(RUN(f, "agent", "show", "coordinator-riverside"), 0);
    assert_output_has(f, "neighbourhoods   riverside");
    assert_int_equal(RUN(f, "agent", "show", "assessor-rxh"), 0);
    assert_output_has(f, "hospital         RXH");
    assert_int_equal(RUN(f, "agent", "show", "asc-riverside"), 0);
    assert_output_has(f, "local authority  E08000026");
    assert_int_equal(RUN(f, "agent", "list"), 0);
    assert_output_has(f, "10 agents"); /* the admin and the demo's nine */
    assert_int_equal(RUN(f, "neighbourhood", "list"), 0);
    assert_output_has(f, "Riverside and Northfield INT");
    assert_output_has(f, "E08000026");
    assert_int_equal(RUN(f, "practice", "list", "--neighbourhood", "riverside"), 0);
    assert_output_has(f, "A81001");
    assert_output_has(f, "Riverside Surgery");
    assert_output_has(f, "Northfield Medical Centre");

    /* the demo assessor's organisation may assess for the demo care home, from today */
    assert_int_equal(RUN(f, "agreement", "list"), 0);
    assert_output_has(f, "demo-rxh-vn123");
    assert_output_has(f, "RXH        VN123      residential,nursing,home-care,reablement");
    assert_output_has(f, " in force\n");
    assert_output_has(f, "1 agreement in force");
    if (!strstr(printed, "trust agreement demo-rxh-vn123: RXH's trusted assessors (assessor-rxh) may assess for\n"
                         "VN123 (carehome-vn)"))
        fail_msg("the note does not name the trust agreement:\n%s", printed);

    /* the note names the broker's key init wrote and the agent's own id */
    memcpy(f->out, printed, sizeof printed);
    snprintf(line, sizeof line, "HUDDLE_SERVER_KEY=$(cat %s/broker.pub)", f->keys);
    assert_output_has(f, line);
    snprintf(line, sizeof line, "HUDDLE_SECRET_KEY=$(cat %s/gp-a81001.key)", f->keys);
    assert_output_has(f, line);
    assert_output_has(f, "huddle publish \"hello from Riverside Surgery\"");
    assert_output_has(f, "huddle subscribe");
}

static void test_second_run_refused_and_changes_nothing(void **state)
{
    tu_cmd_t *f = *state;
    init_store(f);
    assert_int_equal(RUN(f, "demo"), 0);
    char updated[128], pub_before[64], pub_after[64], path[512];
    assert_int_equal(RUN(f, "agent", "show", "gp-a81001"), 0);
    const char *at = strstr(f->out, "\nupdated ");
    assert_non_null(at);
    snprintf(updated, sizeof updated, "%.*s", (int)strcspn(at + 1, "\n") + 1, at); /* "\nupdated ...Z" */
    key_path(path, sizeof path, f->keys, "gp-a81001", "pub");
    read_line(path, pub_before, sizeof pub_before);

    assert_int_equal(RUN(f, "demo"), 1);
    assert_output_has(f, "the demo is already registered");
    assert_output_has(f, "nothing changed");
    assert_int_equal(RUN(f, "agent", "show", "gp-a81001"), 0);
    assert_output_has(f, updated); /* the record was not written again */
    read_line(path, pub_after, sizeof pub_after);
    assert_string_equal(pub_after, pub_before);
    assert_output_has(f, pub_before);
    assert_int_equal(mode_of(path), 0644);
    assert_int_equal(RUN(f, "agent", "list"), 0);
    assert_output_has(f, "10 agents");
}

static void test_clash_with_existing_records_refused(void **state)
{
    tu_cmd_t *f = *state;
    init_store(f);
    char prefix[400];
    /* an agent of the same id (the last the demo adds): the registry's CONFLICT */
    snprintf(prefix, sizeof prefix, "%s/own-auditor", f->dir);
    assert_int_equal(RUN(f, "agent", "add", "ig-auditor", "--role", "auditor", "--org", "X26", "--generate-key",
                         prefix),
                     0);
    assert_int_equal(RUN(f, "demo"), 1);
    assert_output_has(f, "the demo is already registered");
    assert_output_has(f, "agent ig-auditor exists");
    assert_int_equal(RUN(f, "neighbourhood", "list"), 0);
    assert_output_has(f, "0 neighbourhoods");

    /* a neighbourhood of the same id is never silently replaced */
    assert_int_equal(RUN(f, "neighbourhood", "add", "riverside", "--name", "Our own INT", "--la", "E08000027"), 0);
    assert_int_equal(RUN(f, "demo"), 1);
    assert_output_has(f, "neighbourhood riverside exists");
    assert_int_equal(RUN(f, "neighbourhood", "list"), 0);
    assert_output_has(f, "Our own INT");
    assert_output_lacks(f, "Riverside and Northfield");
    char path[512];
    key_path(path, sizeof path, f->keys, "gp-a81001", "key");
    assert_false(exists(path));
}

static void test_clash_with_an_agreement_refused(void **state)
{
    tu_cmd_t *f = *state;
    init_store(f);
    /* an agreement of the demo's id, recorded by the operator: never replaced */
    assert_int_equal(RUN(f, "agreement", "add", "--id", "demo-rxh-vn123", "--assessor", "RYJ", "--provider", "VN999",
                         "--services", "home-care", "--from", "2026-01-01"),
                     0);
    assert_int_equal(RUN(f, "demo"), 1);
    assert_output_has(f, "the demo is already registered");
    assert_output_has(f, "trust agreement demo-rxh-vn123 exists");
    assert_int_equal(RUN(f, "agent", "list"), 0);
    assert_output_has(f, "1 agent\n"); /* all or nothing: no demo agent either */
    assert_int_equal(RUN(f, "agreement", "list", "--all"), 0);
    assert_output_has(f, "RYJ        VN999");
    char path[512];
    key_path(path, sizeof path, f->keys, "gp-a81001", "key");
    assert_false(exists(path));
}

static void test_key_file_in_the_way_leaves_nothing(void **state)
{
    tu_cmd_t *f = *state;
    init_store(f);
    char path[512];
    key_path(path, sizeof path, f->keys, "ig-auditor", "pub"); /* the last pair written */
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    fputs("someone else's\n", fp);
    fclose(fp);

    assert_int_equal(RUN(f, "demo"), 1);
    assert_output_has(f, "already exists");
    assert_output_has(f, "nothing changed");
    assert_no_demo(f); /* the eight pairs written before it are gone again */
    assert_int_equal(RUN(f, "neighbourhood", "list"), 0);
    assert_output_has(f, "0 neighbourhoods");
    assert_true(exists(path)); /* and the file that was there stays */

    unlink(path);
    assert_int_equal(RUN(f, "demo"), 0);
}

static void test_refused_beside_a_running_broker(void **state)
{
    tu_cmd_t *f = *state;
    assert_int_equal(RUN(f, "demo"), 1);
    assert_output_has(f, "no store at");
    init_store(f);
    char path[512];
    snprintf(path, sizeof path, "%s/huddled.lock", f->store);
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    assert_true(fd >= 0);
    assert_int_equal(flock(fd, LOCK_EX | LOCK_NB), 0);

    assert_int_equal(RUN(f, "demo"), 1);
    char expect[600];
    snprintf(expect, sizeof expect, "huddle: a broker is running on %s; stop it first", f->store);
    assert_output_has(f, expect);
    assert_no_demo(f);

    close(fd);
    assert_int_equal(RUN(f, "demo"), 0);
}

static void test_help_usage_and_keys_option(void **state)
{
    tu_cmd_t *f = *state;
    assert_int_equal(RUN(f, "demo", "--help"), 0);
    assert_output_has(f, "usage: huddle [--store DIR] demo");
    assert_output_has(f, "FICTIONAL");
    assert_output_has(f, "--keys DIR");
    assert_output_has(f, "HUDDLE_SECRET_KEY=$(cat var/keys/gp-a81001.key)");
    assert_output_has(f, "trust agreement demo-rxh-vn123: RXH's trusted assessors may assess for VN123");
    for (size_t i = 0; i < N_DEMO; i++)
        assert_output_has(f, demo[i][0]);
    assert_int_equal(RUN(f, "demo", "extra"), 2);
    assert_output_has(f, "unexpected argument 'extra'");
    assert_int_equal(RUN(f, "demo", "--bogus"), 2);
    assert_output_has(f, "unknown option --bogus");
    assert_int_equal(RUN(f, "demo", "--keys"), 2);
    assert_int_equal(RUN(f, "help"), 0);
    assert_output_has(f, "demo [OPTIONS]");

    init_store(f);
    char keys[400], path[512];
    snprintf(keys, sizeof keys, "%s/elsewhere", f->dir);
    assert_int_equal(RUN(f, "demo", "--keys", keys), 0);
    key_path(path, sizeof path, keys, "hub-rxh", "key");
    assert_int_equal(mode_of(path), 0600);
    assert_int_equal(mode_of(keys), 0700);
    key_path(path, sizeof path, f->keys, "hub-rxh", "key");
    assert_false(exists(path));
    char line[600];
    snprintf(line, sizeof line, "HUDDLE_SERVER_KEY=$(cat %s/broker.pub)", f->keys); /* where init put it */
    assert_output_has(f, line);
}

/* The note, followed: a demo agent publishes over CURVE and another receives it. */
static void test_demo_agents_connect(void **state)
{
    tu_cmd_t *f = *state;
    init_store(f);
    assert_int_equal(RUN(f, "demo"), 0);
    if (tu_broker_start(&f->broker, f->var, NULL) != 0)
        fail_msg("huddled did not start (log: %s)", f->broker.log);
    char path[512], server[64], secret[64];
    key_path(path, sizeof path, f->keys, "broker", "pub");
    read_line(path, server, sizeof server);
    setenv("HUDDLE_SERVER_KEY", server, 1);

    key_path(path, sizeof path, f->keys, "gp-a81001", "key");
    read_line(path, secret, sizeof secret);
    setenv("HUDDLE_SECRET_KEY", secret, 1);
    /* the key names the agent: claiming another id is refused, none is needed */
    assert_int_equal(RUN(f, "publish", "--endpoint", f->broker.endpoint, "--agent", "gp-a81002", "hello"), 1);
    assert_output_has(f, "UNAUTHENTICATED");
    assert_int_equal(RUN(f, "publish", "--endpoint", f->broker.endpoint, "hello from Riverside Surgery"), 0);
    assert_output_has(f, "accepted seq");

    key_path(path, sizeof path, f->keys, "dn-riverside", "key");
    read_line(path, secret, sizeof secret);
    setenv("HUDDLE_SECRET_KEY", secret, 1);
    assert_int_equal(RUN(f, "subscribe", "--endpoint", f->broker.endpoint, "--from-start", "--count", "1"), 0);
    assert_output_has(f, "topic demo text hello from Riverside Surgery");
    assert_int_equal(tu_broker_stop(&f->broker, SIGTERM), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_demo_registers_every_identity, tu_cmd_setup, teardown),
        cmocka_unit_test_setup_teardown(test_second_run_refused_and_changes_nothing, tu_cmd_setup, teardown),
        cmocka_unit_test_setup_teardown(test_clash_with_existing_records_refused, tu_cmd_setup, teardown),
        cmocka_unit_test_setup_teardown(test_clash_with_an_agreement_refused, tu_cmd_setup, teardown),
        cmocka_unit_test_setup_teardown(test_key_file_in_the_way_leaves_nothing, tu_cmd_setup, teardown),
        cmocka_unit_test_setup_teardown(test_refused_beside_a_running_broker, tu_cmd_setup, teardown),
        cmocka_unit_test_setup_teardown(test_help_usage_and_keys_option, tu_cmd_setup, teardown),
        cmocka_unit_test_setup_teardown(test_demo_agents_connect, tu_cmd_setup, teardown),
    };
    return cmocka_run_group_tests_name("cmd_demo", tests, NULL, NULL);
}
