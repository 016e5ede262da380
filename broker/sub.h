/*
 * sub — durable named subscriptions: each agent's (name → filter, credit window,
 * acked position), kept in the store's subscriptions table and in memory with the
 * delivery cursor and the deliveries in flight.
 *
 * Owns the subscription records, filter matching and the in-flight window. Never
 * touches a socket (the broker turns "deliver this seq" into a frame) and never
 * decides scope (the security rules narrow what a filter may see).
 */
#ifndef HUDDLE_SUB_H
#define HUDDLE_SUB_H

#include <stdbool.h>
#include <stdint.h>

#include "event.pb-c.h"
#include "state.pb-c.h"
#include "store.h"

#define SUB_NAME_MAX 64

typedef struct sub {
    char agent_id[65];
    char name[SUB_NAME_MAX + 1];
    Huddle__Filter *filter;      /* owned; NULL = everything */
    uint32_t credit;
    uint64_t acked_seq;          /* durable position: everything up to here is acknowledged */
    uint64_t acked_counter;
    int64_t created_at_ms;
    uint64_t start_after_seq;
    /* delivery, in memory only */
    void *session;               /* attached session (the broker's), NULL = detached */
    uint64_t next_seq;           /* next event to consider */
    uint64_t counter;            /* counter of the last delivery */
    uint64_t *flight_seq;        /* ring of deliveries awaiting ack, oldest first */
    uint64_t *flight_counter;
    uint32_t flight_cap, flight_head, in_flight;
    bool persist;                /* the record must be written in the next batch */
    bool fresh;                  /* created in the open batch: forgotten if it fails */
    struct sub *next;
} sub_t;

typedef struct sub_table sub_table_t;

sub_table_t *sub_table_new(void);
void sub_table_destroy(sub_table_t **self_p);

/* Loads every stored subscription (detached) from a read or write transaction. */
int sub_table_load(sub_table_t *t, store_txn_t *txn);

sub_t *sub_find(sub_table_t *t, const char *agent_id, const char *name);

/* A new subscription starting after start_after_seq. */
sub_t *sub_create(sub_table_t *t, const char *agent_id, const char *name, uint64_t start_after_seq,
                  int64_t now_ms);

/* Forgets a subscription in memory (the caller deletes its record). */
void sub_remove(sub_table_t *t, sub_t *s);

/* How many subscriptions an agent has. */
unsigned sub_count_for(const sub_table_t *t, const char *agent_id);
unsigned sub_count(const sub_table_t *t);

/* Replaces the filter with a copy of f (NULL = everything); -1 on OOM. */
int sub_set_filter(sub_t *s, const Huddle__Filter *f);

/* Attaches to a session with a new credit window; delivery restarts after the acked
 * position (deliveries in flight will be sent again). -1 on OOM. */
int sub_attach(sub_t *s, void *session, uint32_t credit);
void sub_detach(sub_t *s);

/* Records a delivery in flight. The window must have room (in_flight < credit). */
void sub_delivered(sub_t *s, uint64_t seq);

/* Acknowledges in-flight deliveries up to seq: 0, or -1 if seq was not delivered
 * (an ack at or below the acked position is a no-op returning 0). */
int sub_ack(sub_t *s, uint64_t seq);

/* Whether an event passes the subscription's filter. */
bool sub_matches(const sub_t *s, const Huddle__Event *ev);

/* Checks a filter's bounds: NULL if fine, else the name of the field over its bound. */
const char *sub_filter_check(const Huddle__Filter *f);

/* Writes / deletes the stored record. */
int sub_persist(store_txn_t *txn, sub_t *s, int64_t now_ms);
int sub_delete_record(store_txn_t *txn, const sub_t *s);

/* Iteration: for (s = sub_first(t); s; s = s->next). */
sub_t *sub_first(sub_table_t *t);

#endif
