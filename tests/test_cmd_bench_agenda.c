/*
 * test_cmd_bench_agenda — a smoke test of `huddle bench-agenda` as a process (the real
 * binary from bin/ or $HD_BIN): a small run prints exactly one JSON line with every
 * field, as many builds as asked, agendas that fill their sessions, and leaves nothing
 * in $TMPDIR. Not a timed test: it checks the bench works, never how fast.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "testutil.h"

typedef struct {
    char dir[256];
    char *old_tmpdir;
    char out[16384];
} fixture_t;

/* The bench makes its temporary directory under $TMPDIR: point that at ours. */
static int setup(void **state)
{
    fixture_t *f = calloc(1, sizeof *f);
    assert_non_null(f);
    assert_int_equal(tu_mkdtemp(f->dir, sizeof f->dir), 0);
    const char *old = getenv("TMPDIR");
    f->old_tmpdir = old ? strdup(old) : NULL;
    setenv("TMPDIR", f->dir, 1);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture_t *f = *state;
    if (f->old_tmpdir)
        setenv("TMPDIR", f->old_tmpdir, 1);
    else
        unsetenv("TMPDIR");
    tu_rmtree(f->dir);
    free(f->old_tmpdir);
    free(f);
    return 0;
}

#define RUN(f, ...) tu_run((const char *[]){"huddle", "bench-agenda", __VA_ARGS__, NULL}, (f)->out, sizeof (f)->out)

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

static void assert_dir_empty(const char *path)
{
    DIR *d = opendir(path);
    assert_non_null(d);
    for (struct dirent *e; (e = readdir(d)) != NULL;)
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
            fail_msg("the bench left %s/%s behind", path, e->d_name);
    closedir(d);
}

static void test_help_and_bad_options(void **state)
{
    fixture_t *f = *state;
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
    fixture_t *f = *state;
    int rc = RUN(f, "--patients", "600", "--waiting", "150", "--finished", "60", "--deferred", "20", "--builds", "7",
                 "--weeks", "4");
    if (rc != 0)
        fail_msg("huddle bench-agenda exited %d:\n%s", rc, f->out);
    size_t len = strlen(f->out);
    assert_true(len > 2);
    assert_int_equal(f->out[0], '{');
    assert_int_equal(f->out[len - 1], '\n');
    if (strchr(f->out, '\n') != f->out + len - 1)
        fail_msg("more than one line of output:\n%s", f->out);
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
        cmocka_unit_test_setup_teardown(test_help_and_bad_options, setup, teardown),
        cmocka_unit_test_setup_teardown(test_small_run, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
