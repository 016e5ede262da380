/*
 * broker — the broker's core, without sockets: frames in, frames queued out.
 *
 * Owns sessions, durable subscriptions, group commit, idempotent publish, delivery
 * in seq order within each subscription's credit, timers, and the stats query.
 * Durable before acknowledged: every reply that depends on the batch waits in a
 * staging list until the batch's single fsync'd commit has succeeded; if the commit
 * fails, each of them becomes a transient Rejected and nothing of the batch remains.
 *
 * Never: reads or writes a socket (loop.c does, draining each session's queue), or
 * sleeps. The loop calls broker_on_frame for each frame it reads, broker_commit once
 * it has drained a batch, and broker_tick when broker_next_wakeup says.
 */
#ifndef HUDDLE_BROKER_H
#define HUDDLE_BROKER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "session.h"
#include "state.pb-c.h"
#include "store.h"

#define BROKER_VERSION "0.1.0"

typedef struct broker broker_t;

/* A broker over an open store (borrowed: it must outlive the broker). */
int broker_new(broker_t **out, const config_t *cfg, store_t *store);
void broker_destroy(broker_t **self_p);

/* Who sent a frame, as the loop knows it from the connection. */
typedef struct {
    const void *rid;       /* ZeroMQ routing id */
    size_t rid_len;
    const char *user_id;   /* the agent ZAP admitted the connection as; NULL without CURVE */
    const char *key_z85;   /* the public key it presented, Z85; NULL without CURVE */
} frame_peer_t;

/* One frame from a peer, applied into the open batch (committing first if the batch
 * is at its bound). mono_ms: the loop's monotonic clock. */
void broker_on_frame(broker_t *b, const frame_peer_t *peer, const void *data, size_t len, int64_t mono_ms);

/* Commits the open batch, releases its replies into the sessions' queues and
 * delivers what the new events and acks allow. A no-op when no batch is open. */
void broker_commit(broker_t *b);

/* Periodic work: due timers, pings to quiet sessions, expiry of silent ones, the stale
 * reader check. */
void broker_tick(broker_t *b, int64_t mono_ms);

/* Milliseconds until broker_tick has work (next timer, next heartbeat, a batch of
 * audit records to commit before deliveries go out), at most max. */
int broker_next_wakeup(broker_t *b, int64_t mono_ms, int max);

/* Deliveries the queues now have room for (after the loop sent some). */
void broker_pump(broker_t *b);

/* The loop could not reach this session's peer: forget the session. */
void broker_session_lost(broker_t *b, session_t *s);

/* Stop accepting work: publishes get SHUTTING_DOWN, every session gets Bye. */
void broker_shutdown(broker_t *b, uint32_t reconnect_after_ms);

/* Sessions and their queues, for the loop. */
session_table_t *broker_sessions(broker_t *b);

/* The broker's wall clock: real time, or the manual clock in test mode. */
int64_t broker_now(const broker_t *b);

/* Schedules a timer in the open batch (beginning one if needed); timer_id is set. */
int broker_schedule(broker_t *b, Huddle__TimerRecord *rec);

#endif
