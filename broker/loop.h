/*
 * loop — the broker's one event loop: the ROUTER socket, polling, signals, and the
 * rhythm of a batch (drain ready frames up to the bound, commit once, send replies
 * and deliveries, run timers).
 *
 * Owns the ZeroMQ context and socket and every send and receive. Never applies a
 * rule: frames go to broker_on_frame, replies come from the sessions' queues. Signal
 * handlers only set a flag.
 */
#ifndef HUDDLE_LOOP_H
#define HUDDLE_LOOP_H

#include <stddef.h>

#include "broker.h"
#include "config.h"
#include "store.h"

typedef struct loop loop_t;

/* Creates the context and binds the ROUTER socket on cfg->endpoint: a CURVE server
 * with secret_z85 (the broker's secret key, Z85) whose handshakes the ZAP handler
 * decides from the registry in store; plain TCP when secret_z85 is NULL
 * (--insecure-dev). */
int loop_new(loop_t **out, const config_t *cfg, broker_t *b, store_t *store, const char *secret_z85, char *err,
             size_t errlen);
void loop_destroy(loop_t **self_p);

/* SIGTERM and SIGINT ask the running loop to stop; SIGPIPE is ignored. */
void loop_install_signals(void);

/* Serves until SIGTERM or SIGINT, then commits the batch in hand, answers what is
 * pending, says Bye to every agent and flushes for at most shutdown_grace. 0 on a
 * clean stop. */
int loop_run(loop_t *l);

#endif
