/*
 * test_cmd_bench — a smoke test of `huddle bench` as a process (the real binary from
 * bin/ or $HD_BIN): short runs against a broker of its own, over CURVE and with
 * --insecure, each print exactly one JSON line saying which ran, every accepted event
 * reached the subscriber, and nothing is left in $TMPDIR (its store, keys or log).
 * Not a timed test: it checks the bench works, never how fast.
 */
#include <inttypes.h>

#include "tu_cmd.h"

/* huddle bench ARGS..., with $TMPDIR in the test's own directory */
#define RUN(f, ...) TU_CMD_RUN(f, "huddle", "bench", __VA_ARGS__)

/* The number after "key": in text, which must be there. */
static uint64_t number_after(const char *text, const char *key)
{
    char pattern[64];
    snprintf(pattern, sizeof pattern, "\"%s\":", key);
    const char *at = strstr(text, pattern);
    if (!at)
        fail_msg("no %s in: %s", pattern, text);
    uint64_t v = 0;
    if (sscanf(at + strlen(pattern), "%" SCNu64, &v) != 1)
        fail_msg("%s is not a number in: %s", pattern, text);
    return v;
}

static void test_help_and_bad_options(void **state)
{
    tu_cmd_t *f = *state;
    assert_int_equal(RUN(f, "--help"), 0);
    const char *options[] = {"--publishers N", "--subscribers M", "--size BYTES", "--duration SECONDS",
                             "--rate EVENTS_PER_S", "--window N", "--endpoint E", "--huddled PATH", "--insecure",
                             "--no-ceilings", "--verbose", "HUDDLE_SERVER_KEY", "HUDDLE_SECRET_KEY", "\"curve\":false"};
    for (size_t i = 0; i < sizeof options / sizeof options[0]; i++)
        if (!strstr(f->out, options[i]))
            fail_msg("help lacks %s:\n%s", options[i], f->out);
    assert_int_equal(RUN(f, "--frobnicate"), 2);
    assert_non_null(strstr(f->out, "unknown option"));
    assert_int_equal(RUN(f, "--publishers", "0"), 2);
    assert_int_equal(RUN(f, "--size", "10"), 2);
    assert_non_null(strstr(f->out, "--size must be at least"));
    assert_int_equal(RUN(f, "--huddled", "/nonexistent/huddled", "--no-ceilings"), 1);
    assert_non_null(strstr(f->out, "cannot run the broker"));
    assert_int_equal(RUN(f, "--insecure", "--endpoint", "tcp://127.0.0.1:1"), 2);
    assert_non_null(strstr(f->out, "--insecure is for the broker it starts"));
    unsetenv("HUDDLE_SERVER_KEY");
    assert_int_equal(RUN(f, "--endpoint", "tcp://127.0.0.1:1", "--no-ceilings"), 1);
    assert_non_null(strstr(f->out, "--endpoint needs HUDDLE_SERVER_KEY"));
    assert_dir_empty(f->dir);
}

/* One short run, with --insecure or not: one JSON line saying which, and every event
 * accepted delivered once. */
static void short_run(tu_cmd_t *f, bool insecure)
{
    int rc = insecure ? RUN(f, "--duration", "1", "--publishers", "1", "--subscribers", "1", "--size", "128",
                            "--no-ceilings", "--insecure")
                      : RUN(f, "--duration", "1", "--publishers", "1", "--subscribers", "1", "--size", "128",
                            "--no-ceilings");
    if (rc != 0)
        fail_msg("huddle bench exited %d:\n%s", rc, f->out);
    assert_one_json_line(f);
    assert_non_null(strstr(f->out, "\"events_per_s\":"));
    assert_int_equal(number_after(f->out, "size"), 128);
    assert_int_equal(number_after(f->out, "event_bytes"), 128);
    if (!strstr(f->out, insecure ? "\"curve\":false," : "\"curve\":true,"))
        fail_msg("the JSON line does not say \"curve\":%s:\n%s", insecure ? "false" : "true", f->out);

    /* Every phase: each accepted event reached the one subscriber, exactly once. */
    const char *phase1 = strstr(f->out, "\"phase1\":"), *phase2 = strstr(f->out, "\"phase2\":");
    assert_non_null(phase1);
    assert_non_null(phase2);
    uint64_t accepted = number_after(phase1, "accepted");
    assert_true(accepted > 0);
    assert_int_equal(number_after(phase1, "delivered"), accepted * 1);
    if (strncmp(phase2, "\"phase2\":null", 13) != 0)
        assert_int_equal(number_after(phase2, "delivered"), number_after(phase2, "accepted") * 1);
    assert_non_null(strstr(f->out, "\"ceilings\":null"));
    assert_non_null(strstr(f->out, "\"rss_anon_kb\":"));
    assert_dir_empty(f->dir);
}

static void test_short_run_prints_one_line(void **state)
{
    short_run(*state, false);
}

static void test_insecure_run_says_so(void **state)
{
    short_run(*state, true);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_help_and_bad_options, tu_cmd_setup_tmpdir, tu_cmd_teardown),
        cmocka_unit_test_setup_teardown(test_short_run_prints_one_line, tu_cmd_setup_tmpdir, tu_cmd_teardown),
        cmocka_unit_test_setup_teardown(test_insecure_run_says_so, tu_cmd_setup_tmpdir, tu_cmd_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
