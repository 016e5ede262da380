/*
 * broker — see broker.h. The batch, staging, the frame dispatch and the handlers of
 * the publish and clock frames; Hello and identity are in broker_identity.c,
 * subscriptions and delivery in broker_subs.c, queries in broker_query.c, registry
 * commands in broker_admin.c, timer firing in broker_timers.c.
 *
 * A batch: frames are applied into one write transaction as they arrive; each reply
 * is staged (serialized, with the session it goes to). broker_commit commits once,
 * then releases the staged replies in order and pumps deliveries. Recent events stay
 * decoded in a ring (the event cache) so that delivering them costs no store read
 * and no decode; older ones are read back from the log.
 */
#include "broker_internal.h"

#include <stdlib.h>
#include <string.h>

#include "access.h"
#include "audit.h"
#include "codec.h"
#include "hd_time.h"
#include "log.h"
#include "record.h"
#include "registry.h"
#include "timer.h"
#include "wire.h"

int64_t broker_now(const broker_t *b)
{
    return b->manual_clock ? b->manual_ms : hd_time_now_ms();
}

session_table_t *broker_sessions(broker_t *b)
{
    return b->sessions;
}

/* ---- events: pending in the batch, then cached -------------------------- */

static void cached_free(cached_t *e)
{
    if (e->frame)
        huddle__frame__free_unpacked(e->frame, NULL);
    if (e->own)
        huddle__event__free_unpacked(e->own, NULL);
    free(e->bytes);
    memset(e, 0, sizeof *e);
}

const cached_t *broker_cache_get(const broker_t *b, uint64_t seq)
{
    const cached_t *e = &b->cache[seq & (EVCACHE_SIZE - 1)];
    return e->seq == seq && e->event ? e : NULL;
}

int broker_pending_add(broker_t *b, const cached_t *e)
{
    if (b->n_pending == b->cap_pending) {
        size_t cap = b->cap_pending ? b->cap_pending * 2 : 256;
        cached_t *p = realloc(b->pending, cap * sizeof *p);
        if (!p)
            return -1;
        b->pending = p;
        b->cap_pending = cap;
    }
    b->pending[b->n_pending++] = *e;
    return 0;
}

void broker_pending_settle(broker_t *b, bool committed)
{
    for (size_t i = 0; i < b->n_pending; i++) {
        cached_t *e = &b->pending[i];
        if (committed) {
            cached_t *slot = &b->cache[e->seq & (EVCACHE_SIZE - 1)];
            cached_free(slot);
            *slot = *e;
        } else {
            cached_free(e);
        }
    }
    b->n_pending = 0;
}

/* ---- staging replies ------------------------------------------------------ */

static void stage_out(broker_t *b, const session_t *s, session_out_t *out, uint64_t corr, bool needs_commit,
                      bool delivery, const char *msgid)
{
    if (out && b->n_staged == b->cap_staged) {
        size_t cap = b->cap_staged ? b->cap_staged * 2 : 256;
        staged_t *p = realloc(b->staged, cap * sizeof *p);
        if (p) {
            b->staged = p;
            b->cap_staged = cap;
        }
    }
    if (!out || b->n_staged == b->cap_staged) {
        free(out);
        log_error("out of memory staging a reply for session %llu", (unsigned long long)s->id);
        return;
    }
    staged_t *st = &b->staged[b->n_staged++];
    st->session_id = s->id;
    st->corr = corr;
    st->needs_commit = needs_commit;
    st->delivery = delivery;
    snprintf(st->message_id, sizeof st->message_id, "%s", msgid ? msgid : "");
    st->out = out;
}

void broker_stage(broker_t *b, const session_t *s, Huddle__Frame *f, bool needs_commit, const char *msgid)
{
    stage_out(b, s, wire_pack(f), f->corr, needs_commit, false, msgid);
}

void broker_stage_delivery(broker_t *b, const session_t *s, session_out_t *out)
{
    stage_out(b, s, out, 0, true, true, NULL);
}

int broker_audit(broker_t *b, const session_t *s, Huddle__AuditRecord *rec)
{
    store_txn_t *txn = broker_batch(b);
    if (!txn)
        return STORE_EIO;
    rec->at_ms = broker_now(b);
    rec->agent_id = (char *)s->agent_id;
    rec->org_ods = s->agent ? s->agent->org_ods : (char *)"";
    rec->role = s->agent ? s->agent->role : HUDDLE__ROLE__ROLE_UNSPECIFIED;
    return audit_append(txn, rec);
}

void broker_stage_denied(broker_t *b, const session_t *s, uint64_t corr, const reject_t *r, const char *msgid,
                         Huddle__QueryKind qk, const char *what)
{
    Huddle__AuditRecord rec = HUDDLE__AUDIT_RECORD__INIT;
    rec.purpose = HUDDLE__AUDIT_PURPOSE__AUDIT_PURPOSE_DENIED;
    rec.query_kind = qk;
    char desc[256];
    snprintf(desc, sizeof desc, "%s refused: %s", what, r->field[0] ? r->field : "forbidden");
    rec.description = desc;
    log_info("session %llu (%s): %s refused FORBIDDEN", (unsigned long long)s->id, s->agent_id, what);
    if (broker_audit(b, s, &rec) != STORE_OK) {
        /* the refusal stands; only its record is missing, and the log above says so */
        log_error("session %llu: the DENIED audit record could not be written", (unsigned long long)s->id);
    }
    broker_stage_reject(b, s, corr, r, msgid);
}

void broker_stage_reject(broker_t *b, const session_t *s, uint64_t corr, const reject_t *r, const char *msgid)
{
    Huddle__Frame f;
    Huddle__Rejected rj = HUDDLE__REJECTED__INIT;
    wire_rejected(&f, &rj, corr, r, msgid);
    b->c.rejected++;
    log_debug("session %llu: rejected %s at %s", (unsigned long long)s->id, workflow_reject_name(r->code),
              r->field[0] ? r->field : "-");
    broker_stage(b, s, &f, false, NULL);
}

/* A reply whose batch failed to commit becomes a transient Rejected; a delivery whose
 * audit record was lost is not sent (its subscription is rewound by the caller). */
static void unstage_failed(broker_t *b, staged_t *st, bool full)
{
    if (st->delivery) {
        free(st->out);
        st->out = NULL;
        return;
    }
    reject_t r;
    reject(&r, full ? HUDDLE__REJECT_CODE__REJECT_CODE_STORE_FULL : HUDDLE__REJECT_CODE__REJECT_CODE_BUSY, "",
           full ? "the store is full; nothing was stored" : "the store could not commit this batch; retry");
    r.retry_after_ms = 1000;
    Huddle__Frame f;
    Huddle__Rejected rj = HUDDLE__REJECTED__INIT;
    wire_rejected(&f, &rj, st->corr, &r, st->message_id);
    free(st->out);
    st->out = wire_pack(&f);
    b->c.rejected++;
}

static void drop_session(broker_t *b, session_t *s, const char *why)
{
    log_info("session %llu (%s) closed: %s", (unsigned long long)s->id, s->agent_id[0] ? s->agent_id : "no hello",
             why);
    for (sub_t *u = sub_first(b->subs); u; u = u->next)
        if (u->session == s)
            sub_detach(u);
    session_remove(b->sessions, s);
}

void broker_session_lost(broker_t *b, session_t *s)
{
    drop_session(b, s, s->closing ? "closed" : "peer unreachable");
}

/* Moves staged replies into the sessions' queues, in order. */
static void release_staged(broker_t *b)
{
    session_t *s = NULL;
    for (size_t i = 0; i < b->n_staged; i++) {
        staged_t *st = &b->staged[i];
        if (!s || s->id != st->session_id) /* replies come in runs per session */
            s = session_by_id(b->sessions, st->session_id);
        if (s && s->out_count >= b->cfg->reply_queue_max) {
            log_warn("session %llu (%s) is not reading its replies (%zu queued): dropped",
                     (unsigned long long)s->id, s->agent_id, s->out_count);
            drop_session(b, s, "reply queue full");
            s = NULL;
        }
        if (s && st->out)
            session_push_out(s, st->out);
        else
            free(st->out);
    }
    b->n_staged = 0;
}

/* ---- the batch ----------------------------------------------------------- */

store_txn_t *broker_batch(broker_t *b)
{
    if (!b->batch) {
        int rc = store_batch_begin(b->store, &b->batch);
        if (rc) {
            log_error("cannot begin a batch: %s %s", store_strerror(rc), store_last_error(b->store));
            return NULL;
        }
        b->batch_frames = 0;
    }
    return b->batch;
}

store_txn_t *broker_batch_for(broker_t *b, const session_t *s, uint64_t corr, const char *msgid)
{
    store_txn_t *txn = broker_batch(b);
    if (txn) {
        b->batch_frames++;
        return txn;
    }
    reject_t r;
    reject(&r, HUDDLE__REJECT_CODE__REJECT_CODE_BUSY, "", "the store cannot take writes now; retry");
    r.retry_after_ms = 1000;
    broker_stage_reject(b, s, corr, &r, msgid);
    return NULL;
}

void broker_commit(broker_t *b)
{
    if (b->batch) {
        int rc = STORE_OK;
        for (sub_t *u = sub_first(b->subs); u && rc == STORE_OK; u = u->next)
            if (u->persist)
                rc = sub_persist(b->batch, u, broker_now(b));
        uint64_t last = store_last_seq(b->batch);
        if (rc == STORE_OK && b->batch_failed)
            rc = STORE_EABORTED;
        if (rc == STORE_OK)
            rc = store_batch_commit(&b->batch);
        else
            store_txn_end(&b->batch);
        b->batch_failed = false;
        b->c.batches++;
        if (b->batch_frames > b->c.max_batch)
            b->c.max_batch = b->batch_frames;
        if (rc == STORE_OK) {
            b->last_seq = last;
            for (sub_t *u = sub_first(b->subs); u; u = u->next)
                u->fresh = false;
            broker_pending_settle(b, true);
            if (b->registry_changed)
                broker_recheck_sessions(b);
        } else {
            log_error("batch of %u frames failed to commit: %s %s", b->batch_frames, store_strerror(rc),
                      store_last_error(b->store));
            b->c.commit_failures++;
            bool full = rc == STORE_EFULL;
            b->store_full |= full;
            for (size_t i = 0; i < b->n_staged; i++)
                if (b->staged[i].needs_commit)
                    unstage_failed(b, &b->staged[i], full);
            for (sub_t *u = sub_first(b->subs), *nx; u; u = nx) {
                nx = u->next;
                if (u->fresh) {
                    sub_remove(b->subs, u);
                } else if (u->session) {
                    u->persist = true; /* its ack is still to be written */
                    /* deliveries of the batch were dropped with their audit records:
                     * start again after the last ack (at least once, never unaudited) */
                    if (sub_attach(u, u->session, u->credit) != 0)
                        sub_detach(u);
                }
            }
            b->registry_changed = false;
            broker_pending_settle(b, false);
            b->recompute_due = true;
        }
        b->batch_frames = 0;
    }
    if (b->recompute_due) {
        store_txn_t *r;
        if (store_read_begin(b->store, &r) == STORE_OK) {
            b->next_due = timer_next_due(r);
            store_txn_end(&r);
            b->recompute_due = false;
        }
    }
    release_staged(b);
    broker_pump(b);
}


/* ---- handlers ------------------------------------------------------------ */


/* Replaces a protobuf-c string field with a copy of v. */
static int set_string(char **field, const char *v)
{
    char *copy = strdup(v);
    if (!copy)
        return -1;
    if (*field && *field != protobuf_c_empty_string)
        free(*field);
    *field = copy;
    return 0;
}

static void stage_accepted(broker_t *b, const session_t *s, uint64_t corr, const char *msgid, uint64_t seq,
                           int64_t received, const char *assigned, bool dup)
{
    Huddle__Frame f;
    Huddle__Accepted a = HUDDLE__ACCEPTED__INIT;
    codec_frame_init(&f, corr);
    f.body_case = HUDDLE__FRAME__BODY_ACCEPTED;
    f.accepted = &a;
    a.seq = seq;
    a.duplicate = dup;
    a.message_id = (char *)msgid;
    a.received_at_ms = received;
    a.assigned_id = (char *)(assigned ? assigned : "");
    broker_stage(b, s, &f, true, msgid);
}

/* The Rejected for a store failure during a publish. */
static void reject_store(broker_t *b, reject_t *r, int rc)
{
    bool full = rc == STORE_EFULL;
    b->store_full |= full;
    reject(r, full ? HUDDLE__REJECT_CODE__REJECT_CODE_STORE_FULL : HUDDLE__REJECT_CODE__REJECT_CODE_BUSY, "",
           full ? "the store is full; nothing was stored" : "the event could not be stored; retry");
    r->retry_after_ms = 1000;
}

/* The id a publish created, kept with its dedup record so that a retry is told it. */
static int remember_assigned(store_txn_t *txn, const session_t *s, const Huddle__Event *ev, const wf_ctx_t *ctx)
{
    Huddle__DedupRecord d = HUDDLE__DEDUP_RECORD__INIT;
    d.seq = ev->seq;
    d.received_at_ms = ev->received_at_ms;
    d.assigned_id = (char *)ctx->assigned_id;
    uint8_t buf[128];
    size_t len = huddle__dedup_record__pack(&d, buf);
    store_val_t old;
    int rc = store_dedup_del(txn, s->agent_id, ev->message_id);
    return rc == STORE_OK ? store_dedup_insert(txn, s->agent_id, ev->message_id, buf, len, &old) : rc;
}

/* Takes ownership of *fp when the event is stored. */
static void on_publish(broker_t *b, session_t *s, Huddle__Frame **fp)
{
    Huddle__Frame *f = *fp;
    Huddle__Event *ev = f->publish->event;
    reject_t r;
    int64_t now = broker_now(b);
    if (b->shutting_down) {
        reject(&r, HUDDLE__REJECT_CODE__REJECT_CODE_SHUTTING_DOWN, "", "the broker is shutting down");
        broker_stage_reject(b, s, f->corr, &r, ev ? ev->message_id : NULL);
        return;
    }
    if (!ev) {
        reject(&r, R_INVALID, "publish.event", "required");
        broker_stage_reject(b, s, f->corr, &r, NULL);
        return;
    }
    /* the matrix first: a kind the role may never publish is FORBIDDEN, whatever else */
    if (ev->kind != HUDDLE__EVENT_KIND__EVENT_KIND_UNSPECIFIED && !access_may_publish(s->agent->role, ev->kind)) {
        const ProtobufCEnumValue *k = protobuf_c_enum_descriptor_get_value(&huddle__event_kind__descriptor, ev->kind);
        reject(&r, HUDDLE__REJECT_CODE__REJECT_CODE_FORBIDDEN, "publish.event.kind", "the %s role may not publish %s",
               registry_role_name(s->agent->role), k ? k->name : "this kind");
        broker_stage_denied(b, s, f->corr, &r, ev->message_id, HUDDLE__QUERY_KIND__QUERY_KIND_UNSPECIFIED, "publish");
        return;
    }
    if (workflow_check_envelope(ev, now, &r) != 0) {
        broker_stage_reject(b, s, f->corr, &r, ev->message_id);
        return;
    }
    store_txn_t *txn = broker_batch_for(b, s, f->corr, ev->message_id);
    if (!txn)
        return;

    /* (sender, message_id) first: one look-up tells a retry from a new event */
    uint64_t seq = store_next_seq(txn);
    Huddle__DedupRecord d = HUDDLE__DEDUP_RECORD__INIT;
    d.seq = seq;
    d.received_at_ms = now;
    uint8_t dbuf[64];
    size_t dlen = huddle__dedup_record__pack(&d, dbuf);
    store_val_t dv;
    int rc = store_dedup_insert(txn, s->agent_id, ev->message_id, dbuf, dlen, &dv);
    if (rc == STORE_EEXIST) {
        Huddle__DedupRecord *old = huddle__dedup_record__unpack(NULL, dv.len, dv.data);
        if (old) {
            b->c.duplicates++;
            stage_accepted(b, s, f->corr, ev->message_id, old->seq, old->received_at_ms, old->assigned_id, true);
            huddle__dedup_record__free_unpacked(old, NULL);
            return;
        }
        log_error("dedup record of agent %s unreadable", s->agent_id);
    }
    if (rc != STORE_OK) {
        reject_store(b, &r, rc);
        broker_stage_reject(b, s, f->corr, &r, ev->message_id);
        return;
    }

    /* stamp: what the broker says, never what the sender claimed */
    ev->seq = seq;
    ev->received_at_ms = now;
    ev->derived = 0;
    ev->cause_seq = 0;
    ev->sender_role = s->agent->role;
    if (ev->scope) {
        huddle__scope__free_unpacked(ev->scope, NULL);
        ev->scope = NULL;
    }
    const wf_kind_t *k = workflow_kind(ev->kind);
    wf_ctx_t ctx;
    broker_wf_ctx(b, &ctx, txn, s);
    ctx.cause_seq = seq;
    char journey[32];
    snprintf(journey, sizeof journey, "seq-%llu", (unsigned long long)seq);
    bool denied = false;
    if (set_string(&ev->sender, s->agent_id) != 0 || set_string(&ev->sender_org, s->agent->org_ods) != 0 ||
        (!ev->correlation_id[0] && set_string(&ev->correlation_id, journey) != 0)) {
        rc = STORE_ENOMEM;
        reject_store(b, &r, rc);
    } else if (k->check(&ctx, ev, &r) != 0 || (denied = access_check_publish(s->agent, ev, &r) != 0)) {
        rc = STORE_EINVAL; /* r says why */
        denied = r.code == HUDDLE__REJECT_CODE__REJECT_CODE_FORBIDDEN; /* the matrix's, or a workflow's */
    } else if (ctx.unchanged_seq) { /* the state it states is already recorded: nothing to store */
        store_dedup_del(txn, s->agent_id, ev->message_id);
        b->c.duplicates++;
        stage_accepted(b, s, f->corr, ev->message_id, ctx.unchanged_seq, ctx.unchanged_at_ms, NULL, true);
        return;
    }

    size_t len = 0;
    uint8_t *bytes = rc == STORE_OK ? record_pack(&ev->base, &len) : NULL;
    if (rc == STORE_OK && !bytes) {
        rc = STORE_ENOMEM;
        reject_store(b, &r, rc);
    }
    if (rc == STORE_OK) {
        rc = store_append(txn, bytes, len, &seq);
        if (rc == STORE_OK && ev->subject && ev->subject->nhs_number[0])
            rc = store_patient_index(txn, ev->subject->nhs_number, seq);
        cached_t e = {seq, f, NULL, ev, bytes, len};
        if (rc == STORE_OK && broker_pending_add(b, &e) != 0)
            rc = STORE_ENOMEM;
        if (rc != STORE_OK)
            reject_store(b, &r, rc);
    }
    if (rc != STORE_OK) {
        free(bytes);
        store_dedup_del(txn, s->agent_id, ev->message_id);
        if (denied)
            broker_stage_denied(b, s, f->corr, &r, ev->message_id, HUDDLE__QUERY_KIND__QUERY_KIND_UNSPECIFIED,
                                "publish");
        else
            broker_stage_reject(b, s, f->corr, &r, ev->message_id);
        return;
    }
    *fp = NULL; /* the pending event owns the frame now */
    /* The event is in the log: its state changes and derived events follow it. They
     * fail only when the store does, and then nothing of the batch may stay. */
    ctx.correlation_id = ev->correlation_id;
    if ((k->apply && k->apply(&ctx, ev, &r) != 0) || (ctx.assigned_id[0] && remember_assigned(txn, s, ev, &ctx) != 0)) {
        log_error("seq %llu: its state changes could not be written; the batch is abandoned",
                  (unsigned long long)seq);
        b->batch_failed = true;
        reject_store(b, &r, STORE_EIO);
        broker_stage_reject(b, s, f->corr, &r, ev->message_id);
        return;
    }
    b->c.accepted++;
    log_debug("seq %llu: %s from %s", (unsigned long long)seq,
              protobuf_c_enum_descriptor_get_value(&huddle__event_kind__descriptor, ev->kind)->name, s->agent_id);
    stage_accepted(b, s, f->corr, ev->message_id, seq, now, ctx.assigned_id, false);
}


static void stage_pong(broker_t *b, session_t *s, uint64_t corr, uint64_t nonce)
{
    Huddle__Frame out;
    Huddle__Pong p = HUDDLE__PONG__INIT;
    codec_frame_init(&out, corr);
    out.body_case = HUDDLE__FRAME__BODY_PONG;
    out.pong = &p;
    p.nonce = nonce;
    p.server_time_ms = broker_now(b);
    broker_stage(b, s, &out, false, NULL);
}


static void on_clock_set(broker_t *b, session_t *s, const Huddle__Frame *f)
{
    reject_t r;
    const Huddle__ClockSet *c = f->clock_set;
    if (!b->cfg->test_mode) {
        reject(&r, HUDDLE__REJECT_CODE__REJECT_CODE_FORBIDDEN, "clock_set",
               "the clock can be set only on a broker started in test mode");
        broker_stage_reject(b, s, f->corr, &r, NULL);
        return;
    }
    if (c->now_ms < 0 || c->advance_ms < 0) {
        reject(&r, R_INVALID, c->now_ms < 0 ? "clock_set.now_ms" : "clock_set.advance_ms", "must not be negative");
        broker_stage_reject(b, s, f->corr, &r, NULL);
        return;
    }
    int64_t now = c->now_ms ? c->now_ms : broker_now(b);
    b->manual_clock = true;
    b->manual_ms = now + c->advance_ms;
    log_info("test mode: clock set to %lld", (long long)b->manual_ms);
    broker_fire_timers(b);
    stage_pong(b, s, f->corr, 0);
}

void broker_on_frame(broker_t *b, const frame_peer_t *peer, const void *data, size_t len, int64_t mono_ms)
{
    const char *user = peer->user_id ? peer->user_id : "";
    const char *key = peer->key_z85 ? peer->key_z85 : "";
    session_t *s = session_find(b->sessions, peer->rid, peer->rid_len);
    reject_t r;
    if (s && (strcmp(s->user_id, user) != 0 || strcmp(s->key_z85, key) != 0)) {
        /* another connection took this routing id (ROUTER_HANDOVER): it is never
         * given the session, or the subscriptions, of the one before */
        drop_session(b, s, "its routing id was taken by another connection");
        s = NULL;
    }
    if (!s) {
        if (strlen(user) >= sizeof s->user_id || strlen(key) >= sizeof s->key_z85) {
            log_warn("a connection's identity is longer than any agent's: ignored");
            return;
        }
        if (!(s = session_add(b->sessions, peer->rid, peer->rid_len, mono_ms)))
            return;
        strcpy(s->user_id, user);
        strcpy(s->key_z85, key);
        if (session_count(b->sessions) > b->cfg->max_sessions) {
            reject(&r, HUDDLE__REJECT_CODE__REJECT_CODE_BUSY, "", "too many connections; retry later");
            r.retry_after_ms = 5000;
            broker_stage_reject(b, s, 0, &r, NULL);
            s->closing = true;
            return;
        }
    }
    s->last_heard_ms = mono_ms;
    s->ping_sent_ms = 0;
    if (b->batch && b->batch_frames >= b->cfg->batch_max)
        broker_commit(b);

    Huddle__Frame *f;
    codec_error_t err;
    int rc = codec_decode_frame(data, len, b->cfg->max_frame, &f, &err);
    if (rc != CODEC_OK) {
        reject(&r, codec_reject_code(rc), err.field, "%s", err.reason);
        broker_stage_reject(b, s, 0, &r, NULL);
        return;
    }
    if (!s->welcomed && f->body_case != HUDDLE__FRAME__BODY_HELLO && f->body_case != HUDDLE__FRAME__BODY_PING &&
        f->body_case != HUDDLE__FRAME__BODY_BYE) {
        reject(&r, HUDDLE__REJECT_CODE__REJECT_CODE_UNAUTHENTICATED, "", "send Hello first");
        broker_stage_reject(b, s, f->corr, &r, NULL);
        codec_frame_free(&f);
        return;
    }
    if (s->revoked && f->body_case != HUDDLE__FRAME__BODY_BYE) {
        reject(&r, HUDDLE__REJECT_CODE__REJECT_CODE_UNAUTHENTICATED, "",
               "this agent has been revoked or its key replaced");
        broker_stage_reject(b, s, f->corr, &r, NULL);
        s->closing = true;
        codec_frame_free(&f);
        return;
    }
    switch (f->body_case) {
    case HUDDLE__FRAME__BODY_HELLO: broker_on_hello(b, s, f); break;
    case HUDDLE__FRAME__BODY_PUBLISH: on_publish(b, s, &f); break;
    case HUDDLE__FRAME__BODY_SUBSCRIBE: broker_on_subscribe(b, s, f); break;
    case HUDDLE__FRAME__BODY_UNSUBSCRIBE: broker_on_unsubscribe(b, s, f); break;
    case HUDDLE__FRAME__BODY_ACK: broker_on_ack(b, s, f); break;
    case HUDDLE__FRAME__BODY_QUERY: broker_on_query(b, s, f); break;
    case HUDDLE__FRAME__BODY_PING: stage_pong(b, s, f->corr, f->ping->nonce); break;
    case HUDDLE__FRAME__BODY_PONG: break; /* liveness only */
    case HUDDLE__FRAME__BODY_CLOCK_SET: on_clock_set(b, s, f); break;
    case HUDDLE__FRAME__BODY_BYE:
        s->closing = true;
        for (sub_t *u = sub_first(b->subs); u; u = u->next)
            if (u->session == s)
                sub_detach(u);
        break;
    case HUDDLE__FRAME__BODY_ADMIN: broker_on_admin(b, s, f); break;
    default:
        reject(&r, HUDDLE__REJECT_CODE__REJECT_CODE_MALFORMED, "body", "only the broker sends this frame");
        broker_stage_reject(b, s, f->corr, &r, NULL);
        break;
    }
    codec_frame_free(&f);
}


/* ---- periodic work ------------------------------------------------------- */

void broker_push_now(broker_t *b, session_t *s, Huddle__Frame *f)
{
    session_out_t *o = wire_pack(f);
    if (o)
        session_push_out(s, o);
    else
        log_error("out of memory queueing for session %llu", (unsigned long long)s->id);
    (void)b;
}

static void sweep_sessions(broker_t *b, int64_t mono)
{
    for (session_t *s = session_first(b->sessions), *nx; s; s = nx) {
        nx = s->next;
        int64_t quiet = mono - s->last_heard_ms;
        if (quiet > (int64_t)b->cfg->session_idle) {
            drop_session(b, s, "silent for too long");
        } else if (quiet > (int64_t)b->cfg->heartbeat_ivl && !s->ping_sent_ms && !s->closing) {
            Huddle__Frame f;
            Huddle__Ping p = HUDDLE__PING__INIT;
            codec_frame_init(&f, 0);
            f.body_case = HUDDLE__FRAME__BODY_PING;
            f.ping = &p;
            p.nonce = (uint64_t)mono;
            broker_push_now(b, s, &f);
            s->ping_sent_ms = mono;
        }
    }
}

void broker_tick(broker_t *b, int64_t mono)
{
    broker_fire_timers(b);
    if (b->cfg->insecure_dev && mono - b->last_insecure_warn >= INSECURE_WARN_MS) {
        b->last_insecure_warn = mono;
        log_warn("INSECURE: --insecure-dev is on: no CURVE, no encryption, agents are who they claim to be. "
                 "Development only; never with patient data");
    }
    if (mono - b->last_sweep >= SWEEP_MS) {
        b->last_sweep = mono;
        sweep_sessions(b, mono);
    }
    if (mono - b->last_reader_check >= (int64_t)b->cfg->reader_check_ivl) {
        b->last_reader_check = mono;
        int n = store_reader_check(b->store);
        if (n > 0)
            log_warn("cleared %d reader slots left by dead processes", n);
    }
}

int broker_next_wakeup(broker_t *b, int64_t mono, int max)
{
    if (b->batch)
        return 0; /* audit records of deliveries wait for this commit */
    int64_t wait = max;
    if (b->next_due != TIMER_NONE) {
        int64_t due = b->next_due - broker_now(b);
        if (!b->manual_clock && due < wait)
            wait = due < 0 ? 0 : due;
    }
    int64_t sweep = b->last_sweep + SWEEP_MS - mono;
    if (sweep < wait)
        wait = sweep < 0 ? 0 : sweep;
    return (int)wait;
}

void broker_shutdown(broker_t *b, uint32_t reconnect_after_ms)
{
    broker_commit(b);
    b->shutting_down = true;
    for (session_t *s = session_first(b->sessions); s; s = s->next) {
        if (!s->welcomed)
            continue;
        Huddle__Frame f;
        Huddle__Bye bye = HUDDLE__BYE__INIT;
        codec_frame_init(&f, 0);
        f.body_case = HUDDLE__FRAME__BODY_BYE;
        f.bye = &bye;
        bye.reason = (char *)"the broker is shutting down";
        bye.reconnect_after_ms = reconnect_after_ms;
        broker_push_now(b, s, &f);
    }
}

/* ---- lifecycle ----------------------------------------------------------- */

int broker_new(broker_t **out, const config_t *cfg, store_t *store)
{
    *out = NULL;
    broker_t *b = calloc(1, sizeof *b);
    if (!b)
        return STORE_ENOMEM;
    b->cfg = cfg;
    b->store = store;
    b->sessions = session_table_new();
    b->subs = sub_table_new();
    b->started_ms = hd_time_now_ms();
    b->last_sweep = hd_time_mono_ms();
    b->last_reader_check = b->last_sweep;
    b->last_insecure_warn = b->last_sweep;
    int rc = b->sessions && b->subs ? STORE_OK : STORE_ENOMEM;
    store_txn_t *r = NULL;
    if (rc == STORE_OK)
        rc = store_read_begin(store, &r);
    if (rc == STORE_OK) {
        b->last_seq = store_last_seq(r);
        b->next_due = timer_next_due(r);
        rc = sub_table_load(b->subs, r);
        store_txn_end(&r);
    }
    if (rc != STORE_OK) {
        broker_destroy(&b);
        return rc;
    }
    *out = b;
    return STORE_OK;
}

void broker_destroy(broker_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    broker_t *b = *self_p;
    store_txn_end(&b->batch);
    broker_pending_settle(b, false);
    for (size_t i = 0; i < b->n_staged; i++)
        free(b->staged[i].out);
    for (size_t i = 0; i < EVCACHE_SIZE; i++)
        cached_free(&b->cache[i]);
    free(b->staged);
    free(b->pending);
    sub_table_destroy(&b->subs);
    session_table_destroy(&b->sessions);
    free(b);
    *self_p = NULL;
}
