/*
 * broker_subs — the subscription frames (Subscribe, Unsubscribe, Ack) and delivery:
 * each attached subscription gets the events after its cursor that pass its filter
 * and its agent's scope (access.h: a filter narrows scope, never widens it), up to its
 * credit and while its session's queue has room.
 *
 * A delivery carrying patient data writes its audit record into the open batch and
 * waits, staged, for that batch's commit: nothing is disclosed that the trail does not
 * hold. Deliveries without patient data go straight to the session's queue.
 */
#include <stdlib.h>
#include <string.h>

#include "access.h"
#include "broker_internal.h"
#include "codec.h"
#include "log.h"
#include "wire.h"

void broker_on_subscribe(broker_t *b, session_t *s, const Huddle__Frame *f)
{
    const Huddle__Subscribe *q = f->subscribe;
    reject_t r;
    const char *bad;
    if (b->shutting_down) {
        reject(&r, HUDDLE__REJECT_CODE__REJECT_CODE_SHUTTING_DOWN, "", "the broker is shutting down");
        broker_stage_reject(b, s, f->corr, &r, NULL);
        return;
    }
    if (!workflow_is_id(q->name, SUB_NAME_MAX, false)) {
        reject(&r, R_INVALID, "subscribe.name", "required: 1 to 64 of A-Z a-z 0-9 . _ -");
        broker_stage_reject(b, s, f->corr, &r, NULL);
        return;
    }
    if ((bad = sub_filter_check(q->filter)) != NULL) {
        reject(&r, HUDDLE__REJECT_CODE__REJECT_CODE_TOO_LARGE, bad, "more entries than a filter may hold");
        broker_stage_reject(b, s, f->corr, &r, NULL);
        return;
    }
    uint32_t credit = q->credit ? q->credit : b->cfg->credit_default;
    if (credit > b->cfg->credit_max)
        credit = b->cfg->credit_max;
    store_txn_t *txn = broker_batch_for(b, s, f->corr, NULL);
    if (!txn)
        return;
    sub_t *u = sub_find(b->subs, s->agent_id, q->name);
    bool created = !u;
    if (created) {
        if (sub_count_for(b->subs, s->agent_id) >= b->cfg->subscriptions_max) {
            reject(&r, R_INVALID, "subscribe.name", "this agent has as many subscriptions as allowed (%u)",
                   b->cfg->subscriptions_max);
            broker_stage_reject(b, s, f->corr, &r, NULL);
            return;
        }
        uint64_t start = b->last_seq;
        if (q->start_case == HUDDLE__SUBSCRIBE__START_FROM_START && q->from_start)
            start = 0;
        else if (q->start_case == HUDDLE__SUBSCRIBE__START_START_AFTER_SEQ)
            start = q->start_after_seq < b->last_seq ? q->start_after_seq : b->last_seq;
        u = sub_create(b->subs, s->agent_id, q->name, start, broker_now(b));
        if (u)
            u->fresh = true;
    } else if (u->session && u->session != s) {
        log_info("subscription %s/%s moves to session %llu", u->agent_id, u->name, (unsigned long long)s->id);
    }
    if (!u || sub_set_filter(u, q->filter) != 0 || sub_attach(u, s, credit) != 0) {
        if (u && created)
            sub_remove(b->subs, u);
        reject(&r, HUDDLE__REJECT_CODE__REJECT_CODE_BUSY, "", "out of memory");
        broker_stage_reject(b, s, f->corr, &r, NULL);
        return;
    }
    u->persist = true;
    if (created)
        log_info("subscription %s/%s created after seq %llu", u->agent_id, u->name,
                 (unsigned long long)u->acked_seq);
    Huddle__Frame out;
    Huddle__Subscribed sd = HUDDLE__SUBSCRIBED__INIT;
    codec_frame_init(&out, f->corr);
    out.body_case = HUDDLE__FRAME__BODY_SUBSCRIBED;
    out.subscribed = &sd;
    sd.name = u->name;
    sd.acked_seq = u->acked_seq;
    sd.resume_from_seq = u->acked_seq;
    sd.credit = u->credit;
    sd.acked_counter = u->acked_counter;
    sd.created = created;
    broker_stage(b, s, &out, true, NULL);
}

void broker_on_unsubscribe(broker_t *b, session_t *s, const Huddle__Frame *f)
{
    const Huddle__Unsubscribe *q = f->unsubscribe;
    reject_t r;
    sub_t *u = sub_find(b->subs, s->agent_id, q->name ? q->name : "");
    if (!u) {
        reject(&r, HUDDLE__REJECT_CODE__REJECT_CODE_NOT_FOUND, "unsubscribe.name", "no such subscription");
        broker_stage_reject(b, s, f->corr, &r, NULL);
        return;
    }
    Huddle__Frame out;
    Huddle__Unsubscribed ud = HUDDLE__UNSUBSCRIBED__INIT;
    codec_frame_init(&out, f->corr);
    out.body_case = HUDDLE__FRAME__BODY_UNSUBSCRIBED;
    out.unsubscribed = &ud;
    ud.name = q->name;
    ud.acked_seq = u->acked_seq;
    ud.discarded = q->discard;
    if (q->discard) {
        store_txn_t *txn = broker_batch(b);
        if (!txn || sub_delete_record(txn, u) != STORE_OK) {
            reject(&r, HUDDLE__REJECT_CODE__REJECT_CODE_BUSY, "", "the store cannot take writes now");
            broker_stage_reject(b, s, f->corr, &r, NULL);
            return;
        }
        b->batch_frames++;
        log_info("subscription %s/%s deleted", u->agent_id, u->name);
        sub_remove(b->subs, u);
    } else {
        sub_detach(u);
    }
    broker_stage(b, s, &out, q->discard, NULL);
}

void broker_on_ack(broker_t *b, session_t *s, const Huddle__Frame *f)
{
    const Huddle__Ack *a = f->ack;
    reject_t r;
    sub_t *u = sub_find(b->subs, s->agent_id, a->subscription ? a->subscription : "");
    if (!u) {
        reject(&r, HUDDLE__REJECT_CODE__REJECT_CODE_NOT_FOUND, "ack.subscription", "no such subscription");
        broker_stage_reject(b, s, f->corr, &r, NULL);
        return;
    }
    if (u->session != s || sub_ack(u, a->seq) != 0) {
        reject(&r, R_INVALID, "ack.seq", "not a delivery in flight on this connection");
        broker_stage_reject(b, s, f->corr, &r, NULL);
        return;
    }
    b->c.acks++;
    /* the position is written with the next batch; a batch is needed for it */
    if (broker_batch(b))
        b->batch_frames++;
}

/* ---- delivery ------------------------------------------------------------ */

/* The audit records of one delivery, into the open batch: one per patient it names. */
static int audit_delivery(broker_t *b, const session_t *s, const sub_t *u, const Huddle__Event *ev)
{
    Huddle__AuditRecord rec = HUDDLE__AUDIT_RECORD__INIT;
    const ProtobufCEnumValue *k = protobuf_c_enum_descriptor_get_value(&huddle__event_kind__descriptor, ev->kind);
    rec.purpose = HUDDLE__AUDIT_PURPOSE__AUDIT_PURPOSE_DELIVERY;
    rec.event_seq = ev->seq;
    rec.subscription = (char *)u->name;
    rec.description = k ? (char *)k->name : (char *)"event";
    bool agenda = ev->payload_case == HUDDLE__EVENT__PAYLOAD_MDT_AGENDA && ev->mdt_agenda;
    size_t n = agenda ? ev->mdt_agenda->n_items : 1;
    int rc = STORE_OK;
    for (size_t i = 0; i < n && rc == STORE_OK; i++) {
        rec.nhs_number = agenda ? ev->mdt_agenda->items[i]->nhs_number : ev->subject->nhs_number;
        rc = broker_audit(b, s, &rec);
    }
    if (rc != STORE_OK)
        log_error("subscription %s/%s: the audit record of seq %llu cannot be written (%s): delivery waits",
                  u->agent_id, u->name, (unsigned long long)ev->seq, store_strerror(rc));
    return rc;
}

static void pump_sub(broker_t *b, sub_t *u, store_txn_t **rtxn)
{
    session_t *s = u->session;
    size_t room = b->cfg->reply_queue_max / 2;
    while (u->in_flight < u->credit && s->out_count < room && u->next_seq <= b->last_seq) {
        uint64_t seq = u->next_seq;
        const cached_t *ce = broker_cache_get(b, seq);
        Huddle__Event *tmp = NULL;
        const Huddle__Event *ev;
        const uint8_t *bytes;
        size_t len;
        if (ce) {
            ev = ce->event, bytes = ce->bytes, len = ce->len;
        } else {
            store_val_t v;
            if (!*rtxn && store_read_begin(b->store, rtxn) != STORE_OK)
                return;
            if (store_event_get(*rtxn, seq, &v) != STORE_OK || !(tmp = huddle__event__unpack(NULL, v.len, v.data))) {
                log_error("event %llu cannot be read back from the log", (unsigned long long)seq);
                u->next_seq++;
                continue;
            }
            ev = tmp, bytes = v.data, len = v.len;
        }
        if (sub_matches(u, ev) && access_may_see(s->agent, ev)) {
            bool audited = access_is_patient_data(ev);
            session_out_t *o = wire_deliver(u->name, u->counter + 1, bytes, len);
            if (!o || (audited && audit_delivery(b, s, u, ev) != STORE_OK)) {
                free(o);
                if (tmp)
                    huddle__event__free_unpacked(tmp, NULL);
                return; /* tried again at the next pump */
            }
            if (audited)
                broker_stage_delivery(b, s, o);
            else
                session_push_out(s, o);
            sub_delivered(u, seq);
            b->c.deliveries++;
        }
        u->next_seq++;
        if (tmp)
            huddle__event__free_unpacked(tmp, NULL);
    }
}

static void pump_every(broker_t *b)
{
    store_txn_t *rtxn = NULL;
    for (sub_t *u = sub_first(b->subs); u; u = u->next)
        if (u->session && u->next_seq <= b->last_seq)
            pump_sub(b, u, &rtxn);
    store_txn_end(&rtxn);
}

void broker_pump(broker_t *b)
{
    pump_every(b);
}
