/*
 * testutil — small helpers shared by the cmocka tests: private temporary
 * directories, removed with everything in them when the test ends.
 */
#ifndef HUDDLE_TESTUTIL_H
#define HUDDLE_TESTUTIL_H

#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* Creates a fresh directory under $TMPDIR (or /tmp) and writes its path into buf. */
static inline int tu_mkdtemp(char *buf, size_t len)
{
    const char *tmp = getenv("TMPDIR");
    if (!tmp || !*tmp)
        tmp = "/tmp";
    if ((size_t)snprintf(buf, len, "%s/huddle-test-XXXXXX", tmp) >= len)
        return -1;
    return mkdtemp(buf) ? 0 : -1;
}

/* rm -r of a tree the test made (no symlinks are followed). */
static inline void tu_rmtree(const char *path)
{
    struct stat st;
    if (lstat(path, &st) != 0)
        return;
    if (S_ISDIR(st.st_mode)) {
        DIR *d = opendir(path);
        if (d) {
            struct dirent *e;
            while ((e = readdir(d)) != NULL) {
                if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
                    continue;
                char child[4096];
                if ((size_t)snprintf(child, sizeof child, "%s/%s", path, e->d_name) < sizeof child)
                    tu_rmtree(child);
            }
            closedir(d);
        }
        rmdir(path);
    } else {
        unlink(path);
    }
}

/* True when the tests run under valgrind: heavy loops run fewer rounds there. */
static inline int tu_under_valgrind(void)
{
    const char *v = getenv("HD_UNDER_VALGRIND");
    return v && *v == '1';
}

/* The directory holding the built programs: $HD_BIN (set by make), else bin. */
static inline const char *tu_bin_dir(void)
{
    const char *b = getenv("HD_BIN");
    return b && *b ? b : "bin";
}

/* Runs argv (argv[0] relative to tu_bin_dir()) with stdin from /dev/null, collects its
 * stdout and stderr together into out (NUL-terminated, truncated to len - 1), and
 * returns its exit status, or -1 if it did not exit normally. */
static inline int tu_run(const char *const argv[], char *out, size_t len)
{
    char prog[4096];
    snprintf(prog, sizeof prog, "%s/%s", tu_bin_dir(), argv[0]);
    int fds[2];
    if (pipe(fds) != 0)
        return -1;
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        int devnull = open("/dev/null", O_RDONLY);
        dup2(devnull, 0);
        dup2(fds[1], 1);
        dup2(fds[1], 2);
        close(fds[0]);
        execv(prog, (char *const *)(uintptr_t)argv);
        _exit(127);
    }
    close(fds[1]);
    size_t used = 0;
    for (;;) {
        char chunk[512];
        ssize_t n = read(fds[0], chunk, sizeof chunk);
        if (n <= 0)
            break;
        size_t take = (size_t)n < len - 1 - used ? (size_t)n : len - 1 - used;
        memcpy(out + used, chunk, take);
        used += take;
    }
    out[used] = '\0';
    close(fds[0]);
    int status;
    if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
        return -1;
    return WEXITSTATUS(status);
}

#endif
