/*
 * tu_cli — what the tests of the agent programs share: looking in a program's output
 * (tu_run's), writing a small file, and the fixture of test_agents_cli and
 * test_discharge_cli: a private directory and, for the tests that need one, the real
 * huddled on a fresh store whose registry holds the test's agents, with their key files
 * in dir/keys as `huddle init` writes them (NAME.key, NAME.pub and broker.pub).
 *
 * Include it after cmocka.h.
 */
#ifndef HUDDLE_TU_CLI_H
#define HUDDLE_TU_CLI_H

#include "testutil.h"
#include "tu_registry.h"

#define TU_CLI_OUT_LEN 65536
#define TU_CLI_AGENTS_MAX 8

/* The output must hold text. */
static inline void tu_has(const char *out, const char *text)
{
    if (!strstr(out, text))
        fail_msg("expected \"%s\" in:\n%s", text, out);
}

/* The output must not hold text. */
static inline void tu_lacks(const char *out, const char *text)
{
    if (strstr(out, text))
        fail_msg("did not expect \"%s\" in:\n%s", text, out);
}

/* path holding text only; mode if the file is new. */
static inline void tu_write_file(const char *path, const char *text, mode_t mode)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
    assert_true(fd >= 0);
    size_t n = strlen(text);
    assert_int_equal(write(fd, text, n), (ssize_t)n);
    close(fd);
}

typedef struct {
    char dir[256];
    tu_broker_t broker;
    char broker_pub[41];
    char out[TU_CLI_OUT_LEN];                        /* the last program's stdout and stderr */
    char server_key[512], key[TU_CLI_AGENTS_MAX][512]; /* dir/keys/broker.pub, dir/keys/ID.key */
} tu_cli_t;

/* No key in the environment: the programs read HUDDLE_SERVER_KEY and HUDDLE_SECRET_KEY
 * when no key file is named. */
static inline void tu_cli_no_env_keys(void)
{
    unsetenv("HUDDLE_SERVER_KEY");
    unsetenv("HUDDLE_SECRET_KEY");
}

/* cmocka setup: a tu_cli_t in *state with its directory, and no key in the environment. */
static inline int tu_cli_setup(void **state)
{
    tu_cli_t *f = calloc(1, sizeof *f);
    assert_non_null(f);
    assert_int_equal(tu_mkdtemp(f->dir, sizeof f->dir), 0);
    tu_cli_no_env_keys();
    *state = f;
    return 0;
}

/* The registry of the n agents (n <= TU_CLI_AGENTS_MAX), their key files and the
 * broker's, then huddled with the extra flags (NULL-terminated, or NULL); the test fails
 * if it does not start. */
static inline void tu_cli_start_broker(tu_cli_t *f, tu_agent_t *agents, size_t n, const char *const *extra)
{
    assert_true(n <= TU_CLI_AGENTS_MAX);
    assert_int_equal(tu_registry_seed(f->dir, agents, n, f->broker_pub), 0);
    char line[64], dir[sizeof f->dir]; /* a copy: -Wrestrict cannot tell the fields of f apart */
    memcpy(dir, f->dir, sizeof dir);
    snprintf(f->server_key, sizeof f->server_key, "%s/keys/broker.pub", dir);
    snprintf(line, sizeof line, "%s\n", f->broker_pub);
    tu_write_file(f->server_key, line, 0644);
    for (size_t i = 0; i < n; i++) {
        char pub[600];
        snprintf(f->key[i], sizeof f->key[i], "%s/keys/%s.key", dir, agents[i].id);
        snprintf(pub, sizeof pub, "%s/keys/%s.pub", dir, agents[i].id);
        snprintf(line, sizeof line, "%s\n", agents[i].sec);
        tu_write_file(f->key[i], line, 0600);
        snprintf(line, sizeof line, "%s\n", agents[i].pub);
        tu_write_file(pub, line, 0644);
    }
    if (tu_broker_start(&f->broker, f->dir, extra) != 0)
        fail_msg("huddled did not start (log: %s)", f->broker.log);
}

/* cmocka teardown: the broker stopped, the environment and the directory cleared. */
static inline int tu_cli_teardown(void **state)
{
    tu_cli_t *f = *state;
    if (f->broker.pid > 0)
        tu_broker_stop(&f->broker, SIGKILL);
    tu_cli_no_env_keys();
    tu_rmtree(f->dir);
    free(f);
    return 0;
}

#endif
