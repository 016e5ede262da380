/*
 * tu_cmd — the fixture of the tests that run the built programs as an operator does:
 * a private directory laid out as `make run` lays out var/ (var/store, var/keys, where
 * `huddle init` puts them), the last run's output and what the tests ask of it, and,
 * for the programs that make temporary files of their own, $TMPDIR pointed into that
 * directory. Each test keeps its own RUN macro: the program and arguments it runs.
 */
#ifndef HUDDLE_TU_CMD_H
#define HUDDLE_TU_CMD_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "testutil.h"

typedef struct {
    char dir[256];      /* the test's own, removed with all in it */
    char var[300];      /* dir/var */
    char store[320];    /* dir/var/store */
    char keys[320];     /* dir/var/keys */
    char out[16384];    /* the last run's stdout and stderr */
    tu_broker_t broker; /* a huddled the test started, killed if still running */
    bool tmpdir_moved;  /* $TMPDIR points at dir until the teardown puts it back */
    char *old_tmpdir;
} tu_cmd_t;

/* cmocka set-up: a fresh directory (nothing in it yet) and the paths above. */
static inline int tu_cmd_setup(void **state)
{
    tu_cmd_t *f = calloc(1, sizeof *f);
    assert_non_null(f);
    assert_int_equal(tu_mkdtemp(f->dir, sizeof f->dir), 0);
    snprintf(f->var, sizeof f->var, "%s/var", f->dir);
    snprintf(f->store, sizeof f->store, "%s/store", f->var);
    snprintf(f->keys, sizeof f->keys, "%s/keys", f->var);
    *state = f;
    return 0;
}

/* tu_cmd_setup, with $TMPDIR pointed at the directory: what a program makes there is
 * the test's to see, and goes with it. */
static inline int tu_cmd_setup_tmpdir(void **state)
{
    tu_cmd_setup(state);
    tu_cmd_t *f = *state;
    const char *old = getenv("TMPDIR");
    f->old_tmpdir = old ? strdup(old) : NULL;
    f->tmpdir_moved = true;
    setenv("TMPDIR", f->dir, 1);
    return 0;
}

static inline int tu_cmd_teardown(void **state)
{
    tu_cmd_t *f = *state;
    if (f->broker.pid > 0)
        tu_broker_stop(&f->broker, SIGKILL);
    if (f->tmpdir_moved && f->old_tmpdir)
        setenv("TMPDIR", f->old_tmpdir, 1);
    else if (f->tmpdir_moved)
        unsetenv("TMPDIR");
    tu_rmtree(f->dir);
    free(f->old_tmpdir);
    free(f);
    return 0;
}

/* Runs the program (in tu_bin_dir()) with the arguments, its output into f->out: its
 * exit status. */
#define TU_CMD_RUN(f, ...) tu_run((const char *[]){__VA_ARGS__, NULL}, (f)->out, sizeof(f)->out)

static inline void assert_output_has(const tu_cmd_t *f, const char *text)
{
    if (!strstr(f->out, text))
        fail_msg("output lacks \"%s\":\n%s", text, f->out);
}

static inline void assert_output_lacks(const tu_cmd_t *f, const char *text)
{
    if (strstr(f->out, text))
        fail_msg("output has \"%s\":\n%s", text, f->out);
}

/* The output is one line, a JSON object, and nothing more. */
static inline void assert_one_json_line(const tu_cmd_t *f)
{
    size_t len = strlen(f->out);
    assert_true(len > 2);
    assert_int_equal(f->out[0], '{');
    assert_int_equal(f->out[len - 1], '\n');
    if (strchr(f->out, '\n') != f->out + len - 1)
        fail_msg("more than one line of output:\n%s", f->out);
}

/* `huddle --store <the fixture's store> init`, which must succeed. */
static inline void init_store(tu_cmd_t *f)
{
    if (TU_CMD_RUN(f, "huddle", "--store", f->store, "init") != 0)
        fail_msg("init failed:\n%s", f->out);
}

static inline bool exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

static inline mode_t mode_of(const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0)
        fail_msg("%s is missing", path);
    return st.st_mode & 0777;
}

/* The first line of a key file (40 characters of Z85), without its newline. */
static inline void read_line(const char *path, char *buf, size_t len)
{
    FILE *fp = fopen(path, "r");
    if (!fp)
        fail_msg("%s is missing", path);
    assert_non_null(fgets(buf, (int)len, fp));
    fclose(fp);
    buf[strcspn(buf, "\n")] = '\0';
    assert_int_equal(strlen(buf), 40);
}

/* Nothing left in path (a program's temporary files under $TMPDIR). */
static inline void assert_dir_empty(const char *path)
{
    DIR *d = opendir(path);
    assert_non_null(d);
    for (struct dirent *e; (e = readdir(d)) != NULL;)
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
            fail_msg("%s/%s was left behind", path, e->d_name);
    closedir(d);
}

#endif
