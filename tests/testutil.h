/*
 * testutil — small helpers shared by the cmocka tests: private temporary
 * directories, removed with everything in them when the test ends.
 */
#ifndef HUDDLE_TESTUTIL_H
#define HUDDLE_TESTUTIL_H

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
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

#endif
