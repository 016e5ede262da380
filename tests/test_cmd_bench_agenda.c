/*
 * test_cmd_bench_agenda — a smoke test of `huddle bench-agenda` as a process (the real
 * binary from bin/ or $HD_BIN): a small run prints exactly one JSON line with every
 * field, as many builds as asked, agendas that fill their sessions, and leaves nothing
 * in $TMPDIR. Not a timed test: it checks the bench works, never how fast.
 */
#include <inttypes.h>

#include "tu_cmd.h"

/* huddle bench-agenda ARGS..., with $TMPDIR in the test's own directory */
#define RUN(f, ...) TU_CMD_RUN(f, "huddle", "bench-agenda", __VA_ARGS__)

/* The text after "key": in text (from), which must be there. */
static const char *after(const char *text, const char *key)
{
    char pattern[64];
    snprintf(pattern, sizeof pattern, "\"%s\":", key);
    const char *at = strstr(text, pattern);
    if (!at)
        fail_msg("no %s in: %s", pattern, text);
    return at + strlen(pattern);
}

static double number_after(const char *text, const char *key)
{
    double v = 0;
    if (sscanf(after(text, key), "%lf", &v) != 1)
        fail_msg("%s is not a number in: %s", key, text);
    return v;
}

static void test_help_and_bad_options(void **state)
{
    tu_cmd_t *f = *state;
    assert_int_equal(RUN(f, "--help"), 0);
    const char *options[] = {"--patients N", "--waiting N", "--finished N", "--deferred N", "--practices N",
                             "--weeks N", "--builds N", "--verbose", "aborted"};
    for (size_t i = 0; i < sizeof options / sizeof options[0]; i++)
        if (!strstr(f->out, options[i]))
            fail_msg("help lacks %s:\n%s", options[i], f->out);
    assert_int_equal(RUN(f, "--frobnicate"), 2);
    assert_non_null(strstr(f->out, "unknown option"));
    assert_int_equal(RUN(f, "--builds", "0"), 2);
    assert_int_equal(RUN(f, "--patients", "10", "--waiting", "8", "--finished", "5"), 2);
    assert_non_null(strstr(f->out, "more than --patients"));
    assert_dir_empty(f->dir);
}

static void check_session(const char *json, const char *name, double length)
{
    const char *s = after(json, name);
    assert_int_equal(*s, '{');
    double items = number_after(s, "items"), minutes = number_after(s, "minutes");
    assert_true(items >= 1 && items <= 96);
    assert_true(minutes > length - 15 && minutes <= length); /* filled, to within one item */
    (void)number_after(s, "left_waiting");
    double p50 = number_after(s, "p50_ms"), p99 = number_after(s, "p99_ms"), max = number_after(s, "max_ms");
    assert_true(p50 > 0 && p50 <= p99 && p99 <= max);
}

static void test_small_run(void **state)
{
    tu_cmd_t *f = *state;
    int rc = RUN(f, "--patients", "600", "--waiting", "150", "--finished", "60", "--deferred", "20", "--builds", "7",
                 "--weeks", "4");
    if (rc != 0)
        fail_msg("huddle bench-agenda exited %d:\n%s", rc, f->out);
    assert_one_json_line(f);
    assert_int_equal(number_after(f->out, "builds"), 7);
    assert_int_equal(number_after(f->out, "patients"), 600);
    assert_int_equal(number_after(f->out, "waiting"), 150);
    assert_int_equal(number_after(f->out, "finished"), 60);
    assert_true(number_after(f->out, "deferred") >= 20);
    assert_true(number_after(f->out, "setup_s") >= 0);
    check_session(f->out, "session_60", 60);
    check_session(f->out, "session_480", 480);
    assert_dir_empty(f->dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_help_and_bad_options, tu_cmd_setup_tmpdir, tu_cmd_teardown),
        cmocka_unit_test_setup_teardown(test_small_run, tu_cmd_setup_tmpdir, tu_cmd_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
