/*
 * testutil — small helpers shared by the cmocka tests: private temporary
 * directories, removed with everything in them when the test ends; valid NHS numbers;
 * the built programs run as processes.
 */
#ifndef HUDDLE_TESTUTIL_H
#define HUDDLE_TESTUTIL_H

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <time.h>
#include <stdbool.h>
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

/* The first valid NHS number (Modulus 11 check digit) whose nine digits are `from` or
 * after it, into out: each test's patients are from + a step per patient. */
static inline char *tu_nhs_at(unsigned from, char out[11])
{
    for (unsigned n = from;; n++) {
        snprintf(out, 11, "%09u", n);
        unsigned sum = 0;
        for (int k = 0; k < 9; k++)
            sum += (unsigned)(out[k] - '0') * (unsigned)(10 - k);
        unsigned check = 11 - sum % 11;
        if (check == 10)
            continue;
        out[9] = (char)('0' + (check == 11 ? 0 : check));
        out[10] = '\0';
        return out;
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

/* ---- a real huddled process, for end-to-end tests -------------------------- */

typedef struct {
    pid_t pid;
    char store[512];
    char log[512];
    char endpoint[64];
} tu_broker_t;

static inline void tu_sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

/* Starts huddled on the store dir/store with its log in dir/huddled.log, in test mode,
 * plus extra flags (NULL-terminated, may be NULL). Keeps the endpoint of b if set
 * (a restart), else lets the broker pick a free port and reads it from the log. Waits
 * until it listens; 0 or -1. */
static inline int tu_broker_start(tu_broker_t *b, const char *dir, const char *const *extra)
{
    snprintf(b->store, sizeof b->store, "%s/store", dir);
    snprintf(b->log, sizeof b->log, "%s/huddled.log", dir);
    bool pick = !b->endpoint[0];
    if (pick)
        snprintf(b->endpoint, sizeof b->endpoint, "tcp://127.0.0.1:*");
    char prog[4096];
    snprintf(prog, sizeof prog, "%s/huddled", tu_bin_dir());
    const char *argv[32] = {prog, "--store", b->store, "--endpoint", b->endpoint, "--test-mode", "--log-level", "info"};
    int n = 8;
    for (int i = 0; extra && extra[i] && n < 30; i++)
        argv[n++] = extra[i];
    argv[n] = NULL;
    long start_size = 0;
    struct stat st;
    if (stat(b->log, &st) == 0)
        start_size = (long)st.st_size;
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        int fd = open(b->log, O_WRONLY | O_CREAT | O_APPEND, 0600);
        int devnull = open("/dev/null", O_RDWR);
        dup2(devnull, 0);
        dup2(fd, 1);
        dup2(fd, 2);
        execv(prog, (char *const *)(uintptr_t)argv);
        _exit(127);
    }
    b->pid = pid;
    /* ready when this run's log says it listens (valgrind makes that slow) */
    for (int i = 0; i < 6000; i++) {
        FILE *fp = fopen(b->log, "r");
        if (fp) {
            char line[512];
            bool ready = false;
            fseek(fp, start_size, SEEK_SET);
            while (fgets(line, sizeof line, fp)) {
                char *at = strstr(line, "listening on ");
                if (at) {
                    ready = true;
                    if (pick)
                        snprintf(b->endpoint, sizeof b->endpoint, "%.*s", (int)strcspn(at + 13, "\n"), at + 13);
                }
            }
            fclose(fp);
            if (ready)
                return 0;
        }
        int status;
        if (waitpid(pid, &status, WNOHANG) == pid) {
            b->pid = 0;
            if (pick)
                b->endpoint[0] = '\0';
            return -1;
        }
        tu_sleep_ms(10);
    }
    return -1;
}

/* Sends sig and waits for the broker to end; returns its exit status, 128+signal if a
 * signal ended it, or -1. */
static inline int tu_broker_stop(tu_broker_t *b, int sig)
{
    if (b->pid <= 0)
        return -1;
    kill(b->pid, sig);
    int status;
    pid_t r;
    while ((r = waitpid(b->pid, &status, 0)) < 0 && errno == EINTR)
        ;
    b->pid = 0;
    if (r < 0)
        return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* Whether the file holds text (for log checks). */
static inline bool tu_file_contains(const char *path, const char *text)
{
    FILE *fp = fopen(path, "r");
    if (!fp)
        return false;
    char line[2048];
    bool found = false;
    while (!found && fgets(line, sizeof line, fp))
        found = strstr(line, text) != NULL;
    fclose(fp);
    return found;
}

#endif
