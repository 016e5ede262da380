/*
 * broker_timers — firing due timers. Each firing writes what it means (through its
 * workflow, workflow_fire_timer, or here for NON_DELIVERY) and deletes the timer in the
 * same write transaction, so a restart neither loses nor repeats one.
 *
 * NON_DELIVERY is the broker's own guarantee (DESIGN §4: no silent loss): when its
 * timer falls due, the notification counts as received if any subscription of an agent
 * of the addressed organisation matched it and has acknowledged past it; otherwise a
 * NON_DELIVERY event goes to the organisation that sent it and the one that did not ack.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "access.h"
#include "broker_internal.h"
#include "log.h"
#include "registry.h"
#include "timer.h"

/* Whether an agent of org acknowledged ev on a subscription that matched it. */
static bool acknowledged_by(broker_t *b, store_txn_t *txn, const Huddle__Event *ev, const char *org)
{
    for (sub_t *u = sub_first(b->subs); u; u = u->next) {
        if (u->acked_seq < ev->seq || u->start_after_seq >= ev->seq || !sub_matches(u, ev))
            continue;
        Huddle__AgentRecord *a = NULL;
        if (registry_agent_get(txn, u->agent_id, &a) != STORE_OK)
            continue;
        bool yes = !strcmp(a->org_ods, org) && access_may_see(a, ev);
        huddle__agent_record__free_unpacked(a, NULL);
        if (yes)
            return true;
    }
    return false;
}

static int fire_non_delivery(broker_t *b, wf_ctx_t *ctx, const Huddle__TimerRecord *t)
{
    store_val_t v;
    int rc = store_event_get(ctx->txn, t->notification_seq, &v);
    if (rc != STORE_OK)
        return rc == STORE_ENOTFOUND ? STORE_OK : rc;
    Huddle__Event *n = huddle__event__unpack(NULL, v.len, v.data);
    if (!n)
        return STORE_ECORRUPT;
    if (n->payload_case != HUDDLE__EVENT__PAYLOAD_NOTIFICATION || acknowledged_by(b, ctx->txn, n, t->to_org_ods)) {
        huddle__event__free_unpacked(n, NULL);
        return STORE_OK;
    }
    /* told as from the notification's sender, so that its organisation hears it */
    Huddle__AgentRecord from = HUDDLE__AGENT_RECORD__INIT;
    from.agent_id = n->sender;
    from.org_ods = n->sender_org;
    from.role = n->sender_role;
    ctx->sender = n->sender;
    ctx->agent = &from;
    ctx->correlation_id = n->correlation_id;
    Huddle__Event ev = HUDDLE__EVENT__INIT;
    Huddle__NonDelivery nd = HUDDLE__NON_DELIVERY__INIT;
    ev.kind = HUDDLE__EVENT_KIND__EVENT_KIND_NON_DELIVERY;
    ev.subject = n->subject;
    ev.scope = n->scope;
    ev.occurred_at_ms = t->due_at_ms;
    ev.payload_case = HUDDLE__EVENT__PAYLOAD_NON_DELIVERY;
    ev.non_delivery = &nd;
    nd.notification_seq = n->seq;
    nd.to_org_ods = n->notification->to_org_ods;
    nd.sent_at_ms = n->received_at_ms;
    nd.deadline_ms = n->notification->deadline_ms;
    nd.about_kind = n->notification->about_kind;
    rc = wf_emit(ctx, &ev, NULL);
    if (rc == STORE_OK)
        log_warn("notification seq %llu was not acknowledged by its addressee in time: non-delivery raised",
                 (unsigned long long)n->seq);
    huddle__event__free_unpacked(n, NULL);
    return rc;
}

static int fire_one(store_txn_t *txn, const Huddle__TimerRecord *t, void *arg)
{
    broker_t *b = arg;
    wf_ctx_t ctx;
    broker_wf_ctx(b, &ctx, txn, NULL);
    ctx.cause_seq = t->created_by_seq;
    ctx.correlation_id = t->correlation_id;
    int rc = t->kind == HUDDLE__TIMER_KIND__TIMER_KIND_NON_DELIVERY ? fire_non_delivery(b, &ctx, t)
                                                                    : workflow_fire_timer(&ctx, t);
    if (rc != STORE_OK)
        return rc;
    b->c.timers_fired++;
    log_info("timer %llu (kind %d) fired", (unsigned long long)t->timer_id, t->kind);
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
            b->batch_failed = true;
            broker_commit(b);
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
