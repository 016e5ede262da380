/*
 * test_cmd_registry — `huddle init`, `keygen`, `agent`, `neighbourhood` and `practice`
 * as an operator runs them: the real binary, its exit codes, messages, key files and
 * their modes, and the lock that keeps them off a running broker's registry.
 */
#include <sys/file.h>

#include "tu_cmd.h"

/* huddle --store <the fixture's store> ARGS... */
#define RUN(f, ...) TU_CMD_RUN(f, "huddle", "--store", (f)->store, __VA_ARGS__)

static void path_in(char *buf, size_t len, const char *dir, const char *name)
{
    snprintf(buf, len, "%s/%s", dir, name);
}

static void test_init_store_keys_and_admin(void **state)
{
    tu_cmd_t *f = *state;
    assert_int_equal(RUN(f, "init"), 0);
    assert_output_has(f, "created store");
    assert_output_has(f, "broker.key (mode 0600");
    assert_output_has(f, "admin.key (mode 0600");
    char path[512], secret[64], pub[64];
    assert_int_equal(mode_of(f->keys), 0700);
    path_in(path, sizeof path, f->keys, "broker.key");
    assert_int_equal(mode_of(path), 0600);
    read_line(path, secret, sizeof secret);
    assert_output_lacks(f, secret); /* a secret key is never printed */
    path_in(path, sizeof path, f->keys, "broker.pub");
    read_line(path, pub, sizeof pub);
    assert_output_has(f, pub);
    path_in(path, sizeof path, f->keys, "admin.key");
    assert_int_equal(mode_of(path), 0600);
    read_line(path, secret, sizeof secret);
    assert_output_lacks(f, secret);
    path_in(path, sizeof path, f->keys, "admin.pub");
    read_line(path, pub, sizeof pub);

    assert_int_equal(RUN(f, "agent", "list"), 0);
    assert_output_has(f, "admin ");
    assert_output_has(f, "X26");
    assert_int_equal(RUN(f, "agent", "show", "admin"), 0);
    assert_output_has(f, pub); /* registered with the key in admin.pub */

    assert_int_equal(RUN(f, "init"), 1);
    assert_output_has(f, "already holds a store; nothing changed");
}

static void test_init_options_and_existing_keys(void **state)
{
    tu_cmd_t *f = *state;
    char keys[400], path[512];
    snprintf(keys, sizeof keys, "%s/elsewhere/keys", f->dir);
    assert_int_equal(RUN(f, "init", "--keys", keys, "--org", "RXH"), 0);
    path_in(path, sizeof path, keys, "admin.key");
    assert_int_equal(mode_of(path), 0600);
    assert_int_equal(RUN(f, "agent", "show", "admin"), 0);
    assert_output_has(f, "RXH");

    /* a second store may not take over existing key files */
    snprintf(f->store, sizeof f->store, "%s/other/store", f->dir);
    assert_int_equal(RUN(f, "init", "--keys", keys), 1);
    assert_output_has(f, "already exists");
    assert_int_equal(RUN(f, "stat"), 1); /* and no store was made */

    assert_int_equal(RUN(f, "init", "--org", "x"), 1);
    assert_output_has(f, "org_ods");
    assert_int_equal(RUN(f, "init", "--help"), 0);
    assert_output_has(f, "placeholder");
    assert_int_equal(RUN(f, "init", "extra"), 2);
    assert_output_has(f, "usage: huddle");
}

static void test_keygen(void **state)
{
    tu_cmd_t *f = *state;
    char prefix[400], path[512], secret[64], pub[64];
    snprintf(prefix, sizeof prefix, "%s/riverside", f->dir);
    assert_int_equal(RUN(f, "keygen", "--out", prefix), 0);
    snprintf(path, sizeof path, "%s.key", prefix);
    assert_int_equal(mode_of(path), 0600);
    read_line(path, secret, sizeof secret);
    assert_output_lacks(f, secret);
    snprintf(path, sizeof path, "%s.pub", prefix);
    read_line(path, pub, sizeof pub);
    assert_output_has(f, pub);
    assert_int_equal(RUN(f, "keygen", "--out", prefix), 1);
    assert_output_has(f, "already exists");
    assert_int_equal(RUN(f, "keygen", "--help"), 0);
    assert_output_has(f, "--out PREFIX");
}

static void test_registry_commands(void **state)
{
    tu_cmd_t *f = *state;
    init_store(f);
    char coord[400], coord2[400], gp[400], path[512], pub[64], key_arg[64];
    snprintf(coord, sizeof coord, "%s/coord", f->dir);
    snprintf(coord2, sizeof coord2, "%s/coord2", f->dir);
    snprintf(gp, sizeof gp, "%s/gp", f->dir);

    assert_int_equal(RUN(f, "neighbourhood", "add", "N1", "--name", "North INT", "--la", "E08000026"), 0);
    assert_output_has(f, "added neighbourhood N1");
    assert_int_equal(RUN(f, "neighbourhood", "add", "N1", "--name", "Northfield INT", "--la", "E08000026"), 0);
    assert_output_has(f, "updated neighbourhood N1");
    assert_int_equal(RUN(f, "practice", "add", "A81001", "--name", "Riverside", "--neighbourhood", "N1", "--pcn",
                         "U12345"),
                     0);
    assert_output_has(f, "added practice A81001");

    assert_int_equal(RUN(f, "agent", "add", "coord", "--role", "int-coordinator", "--org", "RXH",
                         "--neighbourhood", "N1", "--name", "North coordinator", "--generate-key", coord),
                     0);
    assert_output_has(f, "added agent coord");
    snprintf(path, sizeof path, "%s.key", coord);
    assert_int_equal(mode_of(path), 0600);
    snprintf(path, sizeof path, "%s.pub", coord);
    read_line(path, pub, sizeof pub);
    assert_int_equal(RUN(f, "agent", "show", "coord"), 0);
    assert_output_has(f, pub);
    assert_output_has(f, "N1");
    assert_output_has(f, "North coordinator");

    /* the same key again is refused */
    assert_int_equal(RUN(f, "agent", "add", "gp", "--role", "gp-practice", "--org", "A81001", "--key-file", path), 1);
    assert_output_has(f, "admin.agent_add.curve_public_key");
    assert_int_equal(RUN(f, "keygen", "--out", gp), 0);
    snprintf(path, sizeof path, "%s.pub", gp);
    read_line(path, key_arg, sizeof key_arg);
    assert_int_equal(RUN(f, "agent", "add", "gp", "--role", "gp-practice", "--org", "A81001", "--key", key_arg), 0);

    assert_int_equal(RUN(f, "agent", "list"), 0);
    assert_output_has(f, "coord ");
    assert_output_has(f, "gp ");
    assert_output_has(f, "3 agents");
    assert_int_equal(RUN(f, "agent", "list", "--role", "gp-practice"), 0);
    assert_output_has(f, "1 agent\n");

    assert_int_equal(RUN(f, "agent", "revoke", "gp", "--reason", "practice merged"), 0);
    assert_output_has(f, "revoked agent gp");
    assert_int_equal(RUN(f, "agent", "list"), 0);
    assert_output_lacks(f, "gp ");
    assert_int_equal(RUN(f, "agent", "list", "--all"), 0);
    assert_output_has(f, "revoked");
    assert_int_equal(RUN(f, "agent", "revoke", "gp", "--reason", "again"), 1);
    assert_output_has(f, "admin.agent_revoke.agent_id");

    assert_int_equal(RUN(f, "agent", "rotate-key", "coord", "--generate-key", coord2), 0);
    assert_output_has(f, "rotated the key of agent coord");
    snprintf(path, sizeof path, "%s.pub", coord2);
    read_line(path, pub, sizeof pub);
    assert_int_equal(RUN(f, "agent", "show", "coord"), 0);
    assert_output_has(f, pub);

    assert_int_equal(RUN(f, "practice", "list", "--neighbourhood", "N1"), 0);
    assert_output_has(f, "A81001");
    assert_output_has(f, "U12345");
    assert_int_equal(RUN(f, "practice", "list", "--neighbourhood", "N2"), 0);
    assert_output_has(f, "0 practices");
    assert_int_equal(RUN(f, "neighbourhood", "list"), 0);
    assert_output_has(f, "Northfield INT");
}

static void test_refusals_and_usage(void **state)
{
    tu_cmd_t *f = *state;
    assert_int_equal(RUN(f, "agent", "add", "x", "--role", "admin", "--org", "X26", "--key", "abc"), 1);
    assert_output_has(f, "no store at");
    init_store(f);
    char gp[400], path[512];
    snprintf(gp, sizeof gp, "%s/gp", f->dir);

    assert_int_equal(RUN(f, "agent", "add", "gp", "--role", "gp-practice", "--org", "a81001", "--generate-key", gp), 1);
    assert_output_has(f, "huddle: admin.agent_add.org_ods: ");
    snprintf(path, sizeof path, "%s.key", gp);
    struct stat st;
    assert_int_not_equal(stat(path, &st), 0); /* a refused agent leaves no key files */
    assert_int_equal(RUN(f, "agent", "add", "gp", "--role", "doctor", "--org", "A81001", "--generate-key", gp), 1);
    assert_output_has(f, "huddle: admin.agent_add.role: unknown role 'doctor'");
    assert_int_equal(RUN(f, "agent", "add", "m", "--role", "mdt-member", "--org", "RXH", "--neighbourhood", "N9",
                         "--generate-key", gp),
                     1);
    assert_output_has(f, "huddle: admin.agent_add.neighbourhood_ids: no neighbourhood N9");
    assert_int_equal(RUN(f, "practice", "add", "A81001", "--name", "Riverside", "--neighbourhood", "N9"), 1);
    assert_output_has(f, "huddle: admin.practice_add.neighbourhood_id");
    assert_int_equal(RUN(f, "practice", "add", "RXH", "--name", "Riverside", "--neighbourhood", "N9"), 1);
    assert_output_has(f, "huddle: admin.practice_add.ods");
    assert_int_equal(RUN(f, "neighbourhood", "add", "N1", "--name", "North", "--la", "E080"), 1);
    assert_output_has(f, "huddle: admin.neighbourhood_add.local_authority");
    assert_int_equal(RUN(f, "agent", "show", "nobody"), 1);
    assert_output_has(f, "no agent nobody");
    assert_int_equal(RUN(f, "agent", "add", "x", "--role", "admin", "--org", "X26", "--key-file", "admin.key"), 1);
    assert_output_has(f, "secret key");
    assert_int_equal(RUN(f, "agent", "add", "x", "--role", "admin", "--org", "X26", "--key", "not-a-key"), 1);
    assert_output_has(f, "--key: not a CURVE public key");

    assert_int_equal(RUN(f, "agent", "add", "x", "--org", "X26", "--generate-key", gp), 2);
    assert_output_has(f, "--role is required");
    assert_output_has(f, "usage: huddle [--store DIR] agent add ID");
    assert_int_equal(RUN(f, "agent", "add", "x", "--role", "admin", "--org", "X26"), 2);
    assert_output_has(f, "exactly one of --key");
    assert_int_equal(RUN(f, "agent", "revoke", "admin"), 2);
    assert_int_equal(RUN(f, "agent", "frobnicate"), 2);
    assert_output_has(f, "unknown agent command 'frobnicate'");
    assert_int_equal(RUN(f, "agent", "list", "--bogus"), 2);
    assert_int_equal(RUN(f, "agent"), 2);
    const char *help[][2] = {{"agent", "add"},        {"agent", "list"},        {"agent", "show"},
                             {"agent", "revoke"},     {"agent", "rotate-key"},  {"neighbourhood", "add"},
                             {"neighbourhood", "list"}, {"practice", "add"},    {"practice", "list"}};
    for (size_t i = 0; i < sizeof help / sizeof help[0]; i++) {
        assert_int_equal(RUN(f, help[i][0], help[i][1], "--help"), 0);
        assert_output_has(f, "usage: huddle");
        assert_output_has(f, help[i][1]);
    }
    assert_int_equal(RUN(f, "practice", "--help"), 0);
    assert_output_has(f, "add ODS");

    assert_int_equal(RUN(f, "agent", "list"), 0);
    assert_output_has(f, "1 agent\n"); /* nothing refused was written */
}

static void test_refused_while_a_broker_runs(void **state)
{
    tu_cmd_t *f = *state;
    init_store(f);
    char path[512];
    path_in(path, sizeof path, f->store, "huddled.lock");
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    assert_true(fd >= 0);
    assert_int_equal(flock(fd, LOCK_EX | LOCK_NB), 0);

    assert_int_equal(RUN(f, "agent", "add", "x", "--role", "auditor", "--org", "X26", "--key",
                         "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7"),
                     1);
    char expect[600];
    snprintf(expect, sizeof expect, "huddle: a broker is running on %s; stop it first", f->store);
    assert_output_has(f, expect);
    assert_int_equal(RUN(f, "neighbourhood", "add", "N1", "--name", "North", "--la", "E08000026"), 1);
    assert_output_has(f, "a broker is running");
    assert_int_equal(RUN(f, "agent", "list"), 0); /* reading needs no lock */
    assert_output_has(f, "1 agent\n");

    close(fd);
    assert_int_equal(RUN(f, "agent", "add", "x", "--role", "auditor", "--org", "X26", "--key",
                         "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7"),
                     0);
    assert_int_equal(mode_of(path), 0600);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_init_store_keys_and_admin, tu_cmd_setup, tu_cmd_teardown),
        cmocka_unit_test_setup_teardown(test_init_options_and_existing_keys, tu_cmd_setup, tu_cmd_teardown),
        cmocka_unit_test_setup_teardown(test_keygen, tu_cmd_setup, tu_cmd_teardown),
        cmocka_unit_test_setup_teardown(test_registry_commands, tu_cmd_setup, tu_cmd_teardown),
        cmocka_unit_test_setup_teardown(test_refusals_and_usage, tu_cmd_setup, tu_cmd_teardown),
        cmocka_unit_test_setup_teardown(test_refused_while_a_broker_runs, tu_cmd_setup, tu_cmd_teardown),
    };
    return cmocka_run_group_tests_name("cmd_registry", tests, NULL, NULL);
}
