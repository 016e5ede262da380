/*
 * timer — timers kept in the store, keyed by due time then id, so that the next due
 * is the first key and a restart neither loses nor repeats one: a firing writes its
 * event and deletes the timer in the same write transaction.
 *
 * Owns the timers table. Never decides what a firing means: the caller's function
 * writes the event (TIMER_FIRED, an escalation ...) for each due timer.
 */
#ifndef HUDDLE_TIMER_H
#define HUDDLE_TIMER_H

#include <stdint.h>

#include "state.pb-c.h"
#include "store.h"

/* No timer pending. */
#define TIMER_NONE INT64_MAX

/* Called for each due timer inside the firing transaction: 0 to delete it, or a
 * negative store code to stop (the batch then fails whole). */
typedef int (*timer_fire_fn)(store_txn_t *txn, const Huddle__TimerRecord *timer, void *ctx);

/* Stores a timer; assigns rec->timer_id from the "timer" counter. */
int timer_add(store_txn_t *txn, Huddle__TimerRecord *rec);

/* Cancels a timer; STORE_ENOTFOUND when it has fired or never existed. */
int timer_cancel(store_txn_t *txn, int64_t due_at_ms, uint64_t timer_id);

/* Due time of the first pending timer, or TIMER_NONE. */
int64_t timer_next_due(store_txn_t *txn);

/* Fires up to max timers due at or before now, oldest first; returns how many fired,
 * or a negative store code. */
int timer_fire_due(store_txn_t *txn, int64_t now_ms, unsigned max, timer_fire_fn fn, void *ctx);

#endif
