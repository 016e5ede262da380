/*
 * huddled — the Huddle broker: reads its configuration, opens the store, serves
 * agents until SIGTERM or SIGINT. Exit status: 0 after a clean stop, 1 when it cannot
 * start (with a sentence on stderr), 2 for a bad command line.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "broker.h"
#include "config.h"
#include "log.h"
#include "loop.h"
#include "store.h"

int main(int argc, char **argv)
{
    config_t cfg;
    config_action_t action;
    char err[512];
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
    if (loop_new(&loop, &cfg, b, err, sizeof err) != 0) {
        log_error("%s", err);
        goto done;
    }
    store_stat_t st;
    store_stat(store, &st);
    log_info("huddled %s: store %s at seq %llu, map %zu MiB of %zu MiB", BROKER_VERSION, cfg.store,
             (unsigned long long)st.last_seq, st.map_size >> 20, cfg.map_max >> 20);
    log_warn("connections are not authenticated in this version: agents are who they say they are");
    if (cfg.test_mode)
        log_warn("test mode: agents may set the clock; never run a real service like this");
    status = loop_run(loop) == 0 ? 0 : 1;

done:
    loop_destroy(&loop);
    broker_destroy(&b);
    store_close(&store);
    if (lock_fd >= 0)
        close(lock_fd);
    return status;
}
