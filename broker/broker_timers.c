/*
 * broker_timers — firing due timers: each writes a TIMER_FIRED event and deletes the
 * timer in the same write transaction, so a restart neither loses nor repeats one.
 */
#include <stdio.h>
#include <stdlib.h>

#include "broker_internal.h"
#include "log.h"
#include "record.h"
#include "timer.h"

/* ---- timers -------------------------------------------------------------- */

static int fire_one(store_txn_t *txn, const Huddle__TimerRecord *t, void *ctx)
{
    broker_t *b = ctx;
    int64_t now = broker_now(b);
    Huddle__Event ev = HUDDLE__EVENT__INIT;
    Huddle__TimerFired tf = HUDDLE__TIMER_FIRED__INIT;
    char msgid[40];
    snprintf(msgid, sizeof msgid, "timer-%llu", (unsigned long long)t->timer_id);
    ev.message_id = msgid;
    ev.correlation_id = t->correlation_id;
    ev.kind = HUDDLE__EVENT_KIND__EVENT_KIND_TIMER_FIRED;
    ev.subject = t->subject;
    ev.scope = t->scope;
    ev.occurred_at_ms = t->due_at_ms;
    ev.seq = store_next_seq(txn);
    ev.received_at_ms = now;
    ev.derived = 1;
    ev.cause_seq = t->created_by_seq;
    ev.payload_case = HUDDLE__EVENT__PAYLOAD_TIMER_FIRED;
    ev.timer_fired = &tf;
    tf.timer_id = t->timer_id;
    tf.kind = t->kind;
    tf.due_at_ms = t->due_at_ms;
    tf.fired_at_ms = now;
    tf.created_by_seq = t->created_by_seq;
    size_t len;
    uint8_t *bytes = record_pack(&ev.base, &len);
    if (!bytes)
        return STORE_ENOMEM;
    uint64_t seq;
    int rc = store_append(txn, bytes, len, &seq);
    Huddle__Event *own = rc == STORE_OK ? huddle__event__unpack(NULL, len, bytes) : NULL;
    cached_t e = {seq, NULL, own, own, bytes, len};
    if (rc == STORE_OK && (!own || broker_pending_add(b, &e) != 0))
        rc = STORE_ENOMEM;
    if (rc != STORE_OK) {
        if (own)
            huddle__event__free_unpacked(own, NULL);
        free(bytes);
        return rc;
    }
    b->c.timers_fired++;
    log_info("timer %llu (kind %d) fired as seq %llu", (unsigned long long)t->timer_id, t->kind,
             (unsigned long long)seq);
    return 0;
}

void broker_fire_timers(broker_t *b)
{
    int64_t now = broker_now(b);
    while (b->next_due <= now && !b->shutting_down) {
        store_txn_t *txn = broker_batch(b);
        if (!txn)
            return;
        int n = timer_fire_due(txn, now, b->cfg->timers_per_batch, fire_one, b);
        if (n < 0) {
            log_error("timers could not fire: %s", store_strerror(n));
            store_txn_end(&b->batch);
            broker_pending_settle(b, false);
            return;
        }
        b->recompute_due = true;
        broker_commit(b);
        if (n < (int)b->cfg->timers_per_batch)
            break;
    }
}

int broker_schedule(broker_t *b, Huddle__TimerRecord *rec)
{
    store_txn_t *txn = broker_batch(b);
    if (!txn)
        return STORE_EIO;
    int rc = timer_add(txn, rec);
    if (rc == STORE_OK && rec->due_at_ms < b->next_due)
        b->next_due = rec->due_at_ms;
    return rc;
}
