/*
 * keyfile — see keyfile.h.
 */
#include "keyfile.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zmq.h>

void keyfile_wipe(void *p, size_t n)
{
    volatile unsigned char *b = p;
    while (n--)
        *b++ = 0;
}

int keyfile_pair_new(keyfile_pair_t *kp)
{
    if (zmq_curve_keypair(kp->pub, kp->sec) != 0 || !zmq_z85_decode(kp->raw, kp->pub)) {
        fprintf(stderr, "huddle: cannot make a CURVE keypair: %s (is libzmq built with CURVE?)\n",
                zmq_strerror(zmq_errno()));
        return -1;
    }
    return 0;
}

static int fsync_parent(const char *path)
{
    char copy[4096];
    snprintf(copy, sizeof copy, "%s", path);
    int fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    int rc = fsync(fd);
    close(fd);
    return rc;
}

/* Writes text to a new file atomically; never replaces an existing one. 0 or -1 with
 * a sentence on stderr. */
static int write_new_file(const char *path, const char *text, mode_t mode)
{
    struct stat st;
    if (lstat(path, &st) == 0) {
        fprintf(stderr, "huddle: %s already exists; not overwriting it\n", path);
        return -1;
    }
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.tmp-XXXXXX", path);
    int fd = mkstemp(tmp); /* mode 0600 from the start */
    if (fd < 0) {
        fprintf(stderr, "huddle: cannot write %s: %s\n", path, strerror(errno));
        return -1;
    }
    size_t len = strlen(text);
    bool ok = fchmod(fd, mode) == 0 && write(fd, text, len) == (ssize_t)len && fsync(fd) == 0;
    ok = close(fd) == 0 && ok;
    ok = ok && rename(tmp, path) == 0 && fsync_parent(path) == 0;
    if (!ok) {
        fprintf(stderr, "huddle: cannot write %s: %s\n", path, strerror(errno));
        unlink(tmp);
        return -1;
    }
    return 0;
}

void keyfile_pair_unlink(const char *prefix)
{
    char path[4096];
    snprintf(path, sizeof path, "%s.key", prefix);
    unlink(path);
    snprintf(path, sizeof path, "%s.pub", prefix);
    unlink(path);
}

int keyfile_pair_write(const char *prefix, const keyfile_pair_t *kp)
{
    char key[4096], pub[4096], line[KEYFILE_Z85_LEN + 2];
    snprintf(key, sizeof key, "%s.key", prefix);
    snprintf(pub, sizeof pub, "%s.pub", prefix);
    snprintf(line, sizeof line, "%s\n", kp->sec);
    int rc = write_new_file(key, line, 0600);
    keyfile_wipe(line, sizeof line);
    snprintf(line, sizeof line, "%s\n", kp->pub);
    if (rc || write_new_file(pub, line, 0644)) {
        if (!rc)
            unlink(key);
        return -1;
    }
    return 0;
}

int keyfile_read(const char *path, char out[KEYFILE_Z85_LEN + 1], char *why, size_t why_len)
{
    out[0] = '\0';
    FILE *fp = fopen(path, "r");
    if (!fp) {
        snprintf(why, why_len, "cannot read %s: %s", path, strerror(errno));
        return -1;
    }
    char line[128];
    size_t n = fread(line, 1, sizeof line - 1, fp);
    bool more = n == sizeof line - 1 && fgetc(fp) != EOF;
    fclose(fp);
    line[n] = '\0';
    while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r' || line[n - 1] == ' ' || line[n - 1] == '\t'))
        line[--n] = '\0';
    uint8_t raw[KEYFILE_RAW_LEN];
    int rc = 0;
    if (more || n != KEYFILE_Z85_LEN || !zmq_z85_decode(raw, line)) {
        snprintf(why, why_len, "%s does not hold a CURVE key (one line of %d Z85 characters)", path,
                 KEYFILE_Z85_LEN);
        rc = -1;
    } else {
        memcpy(out, line, KEYFILE_Z85_LEN + 1);
    }
    keyfile_wipe(line, sizeof line);
    keyfile_wipe(raw, sizeof raw);
    return rc;
}

int keyfile_mkdirs(const char *path)
{
    char buf[4096];
    snprintf(buf, sizeof buf, "%s", path);
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(buf, 0700) != 0 && errno != EEXIST)
            return -1;
        *p = '/';
    }
    return mkdir(buf, 0700) != 0 && errno != EEXIST ? -1 : 0;
}

