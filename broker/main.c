/*
 * huddled — the Huddle broker: reads its configuration, opens the store, serves
 * agents until SIGTERM or SIGINT. Exit status: 0 after a clean stop, 1 when it cannot
 * start (with a sentence on stderr), 2 for a bad command line.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zmq.h>

#include "broker.h"
#include "config.h"
#include "log.h"
#include "loop.h"
#include "store.h"

/* The broker's CURVE secret key from its file (key_file, or keys/broker.key beside the
 * store, where `huddle init` writes it) into z85: 0, or -1 with a sentence in err.
 * A key others can read is refused: whoever holds it can pose as the broker. */
static int load_secret_key(const config_t *cfg, char z85[41], char *pub, char *err, size_t errlen)
{
    char path[CONFIG_PATH_MAX + 16], copy[CONFIG_PATH_MAX];
    if (cfg->key_file[0]) {
        snprintf(path, sizeof path, "%s", cfg->key_file);
    } else {
        snprintf(copy, sizeof copy, "%s", cfg->store);
        snprintf(path, sizeof path, "%s/keys/broker.key", dirname(copy));
    }
    struct stat st;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0 || fstat(fd, &st) != 0) {
        snprintf(err, errlen,
                 "cannot read the broker's secret key %s: %s (`huddle init` writes one; "
                 "--insecure-dev runs without CURVE, for development only)",
                 path, strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    char buf[128];
    ssize_t n = (st.st_mode & 077) ? -2 : read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n == -2) {
        snprintf(err, errlen, "%s can be read by others than its owner: chmod 600 it (and consider the key leaked)",
                 path);
        return -1;
    }
    buf[n > 0 ? n : 0] = '\0';
    buf[strcspn(buf, "\r\n")] = '\0';
    uint8_t raw[32];
    if (strlen(buf) != 40 || !zmq_z85_decode(raw, buf) || zmq_curve_public(pub, buf) != 0) {
        snprintf(err, errlen, "%s does not hold a CURVE secret key (one line of 40 Z85 characters)", path);
        memset(buf, 0, sizeof buf);
        return -1;
    }
    memcpy(z85, buf, 41);
    memset(buf, 0, sizeof buf);
    memset(raw, 0, sizeof raw);
    return 0;
}

int main(int argc, char **argv)
{
    config_t cfg;
    config_action_t action;
    char err[2048];
    config_defaults(&cfg);
    if (config_parse_args(&cfg, argc, argv, &action, err, sizeof err) != CONFIG_OK) {
        fprintf(stderr, "huddled: %s\n(huddled --help lists the options)\n", err);
        return 2;
    }
    switch (action) {
    case CONFIG_SHOW_HELP: config_print_help(stdout, "huddled"); return 0;
    case CONFIG_SHOW_VERSION: printf("huddled %s (store schema %u)\n", BROKER_VERSION, STORE_SCHEMA_VERSION); return 0;
    case CONFIG_PRINT: config_print(stdout, &cfg); return 0;
    case CONFIG_RUN: break;
    }
    log_set_level(cfg.log_level);

    store_config_t sc;
    store_config_defaults(&sc);
    sc.path = cfg.store;
    sc.map_initial = cfg.map_initial;
    sc.map_step = cfg.map_step;
    sc.map_max = cfg.map_max;
    sc.full_headroom = cfg.map_headroom;
    store_t *store = NULL;
    broker_t *b = NULL;
    loop_t *loop = NULL;
    int lock_fd = -1;
    int status = 1;
    char secret[41] = "", pub[41] = "";
    if (!cfg.insecure_dev && load_secret_key(&cfg, secret, pub, err, sizeof err) != 0) {
        log_error("%s", err);
        goto done;
    }
    if (store_open(&store, &sc, err, sizeof err) != STORE_OK) {
        log_error("%s", err);
        goto done;
    }
    /* One broker per store, and no offline registry change while it runs: both take
     * this lock (the kernel drops it when the process dies, even by SIGKILL). */
    char lock_path[CONFIG_PATH_MAX + 16];
    snprintf(lock_path, sizeof lock_path, "%s/huddled.lock", cfg.store);
    lock_fd = open(lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (lock_fd < 0 || flock(lock_fd, LOCK_EX | LOCK_NB) != 0) {
        log_error("cannot lock %s: %s", lock_path,
                  errno == EWOULDBLOCK ? "another huddled, or a huddle command changing the registry, is using this store"
                                       : strerror(errno));
        goto done;
    }
    if (broker_new(&b, &cfg, store) != STORE_OK) {
        log_error("cannot load the broker's state from %s: %s", cfg.store, store_last_error(store));
        goto done;
    }
    loop_install_signals();
    if (loop_new(&loop, &cfg, b, store, cfg.insecure_dev ? NULL : secret, err, sizeof err) != 0) {
        log_error("%s", err);
        goto done;
    }
    store_stat_t st;
    store_stat(store, &st);
    log_info("huddled %s: store %s at seq %llu, map %zu MiB of %zu MiB", BROKER_VERSION, cfg.store,
             (unsigned long long)st.last_seq, st.map_size >> 20, cfg.map_max >> 20);
    if (cfg.insecure_dev)
        log_warn("INSECURE: --insecure-dev is on: no CURVE, no encryption, agents are who they claim to be. "
                 "Development only; never with patient data");
    else
        log_info("CURVE on: only registered, active agents' keys are admitted; broker public key %s", pub);
    if (cfg.test_mode)
        log_warn("test mode: agents may set the clock; never run a real service like this");
    status = loop_run(loop) == 0 ? 0 : 1;

done:
    memset(secret, 0, sizeof secret);
    loop_destroy(&loop);
    broker_destroy(&b);
    store_close(&store);
    if (lock_fd >= 0)
        close(lock_fd);
    return status;
}
