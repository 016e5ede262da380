/*
 * offline — see offline.h.
 */
#include "offline.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

void offline_print_reject(const reject_t *r)
{
    if (r->field[0])
        fprintf(stderr, "huddle: %s: %s\n", r->field, r->reason);
    else
        fprintf(stderr, "huddle: %s\n", r->reason);
}

bool offline_store_exists(const char *path)
{
    char file[4096];
    struct stat st;
    snprintf(file, sizeof file, "%s/data.mdb", path);
    return stat(file, &st) == 0;
}

int offline_lock(const char *store)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", store, OFFLINE_LOCK_FILE);
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) {
        fprintf(stderr, "huddle: cannot open %s: %s\n", path, strerror(errno));
        return -1;
    }
    if (flock(fd, LOCK_EX | LOCK_NB) == 0)
        return fd;
    if (errno == EWOULDBLOCK)
        fprintf(stderr,
                "huddle: a broker is running on %s; stop it first (registry changes to a running broker go "
                "through Admin frames)\n",
                store);
    else
        fprintf(stderr, "huddle: cannot lock %s: %s\n", path, strerror(errno));
    close(fd);
    return -1;
}

int offline_open(const char *path, bool read_only, store_t **out)
{
    store_config_t cfg;
    store_config_defaults(&cfg);
    cfg.path = path;
    cfg.read_only = read_only;
    char why[512] = "";
    int rc = store_open(out, &cfg, why, sizeof why);
    if (rc)
        fprintf(stderr, "huddle: %s\n", why[0] ? why : store_strerror(rc));
    return rc;
}
