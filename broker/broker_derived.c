/*
 * broker_derived — what the broker lends the workflows (workflow.h, wf_host_t): derived
 * events appended to the log after the event or timer that caused them, and timers.
 * Both go into the open batch, so they commit, or vanish, with their cause.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "broker_internal.h"
#include "log.h"
#include "record.h"
#include "timer.h"

int broker_index_patient(store_txn_t *txn, const Huddle__Event *ev)
{
    if (!ev->subject || !ev->subject->nhs_number || !ev->subject->nhs_number[0])
        return STORE_OK;
    const char *nhs = ev->subject->nhs_number;
    uint8_t key[32];
    size_t n = strlen(nhs);
    if (n + 8 > sizeof key)
        return STORE_EINVAL;
    memcpy(key, nhs, n);
    store_key_u64(key + n, ev->seq);
    return store_put(txn, STORE_PATIENT_EVENTS, key, n + 8, "", 0);
}

static int emit(void *host, wf_ctx_t *ctx, Huddle__Event *ev, uint64_t *seq_out)
{
    broker_t *b = host;
    const Huddle__AgentRecord *a = ctx->agent;
    char msgid[40];
    uint64_t seq = store_next_seq(ctx->txn);
    /* the stamps, as for a published event: the broker's, never the workflow's guess */
    snprintf(msgid, sizeof msgid, "derived-%llu", (unsigned long long)seq);
    if (!ev->message_id || !ev->message_id[0])
        ev->message_id = msgid;
    if (!ev->correlation_id || !ev->correlation_id[0])
        ev->correlation_id = (char *)(ctx->correlation_id ? ctx->correlation_id : "");
    if (!ev->occurred_at_ms)
        ev->occurred_at_ms = ctx->now_ms;
    ev->seq = seq;
    ev->received_at_ms = ctx->now_ms;
    ev->derived = 1;
    ev->cause_seq = ctx->cause_seq;
    ev->sender = (char *)(ctx->sender ? ctx->sender : "");
    ev->sender_org = a ? a->org_ods : (char *)"";
    ev->sender_role = a ? a->role : HUDDLE__ROLE__ROLE_UNSPECIFIED;
    size_t len;
    uint8_t *bytes = record_pack(&ev->base, &len);
    if (!bytes)
        return STORE_ENOMEM;
    int rc = store_append(ctx->txn, bytes, len, &seq);
    if (rc == STORE_OK)
        rc = broker_index_patient(ctx->txn, ev);
    /* cached decoded, as a published event is, for delivery once committed */
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
    if (seq_out)
        *seq_out = seq;
    return STORE_OK;
}

static int schedule(void *host, Huddle__TimerRecord *t)
{
    broker_t *b = host;
    int rc = timer_add(b->batch, t);
    if (rc == STORE_OK && t->due_at_ms < b->next_due)
        b->next_due = t->due_at_ms;
    return rc;
}

void broker_wf_ctx(broker_t *b, wf_ctx_t *ctx, store_txn_t *txn, const session_t *s)
{
    b->host = (wf_host_t){b, emit, schedule};
    memset(ctx, 0, sizeof *ctx);
    ctx->txn = txn;
    ctx->sender = s ? s->agent_id : "";
    ctx->agent = s ? s->agent : NULL;
    ctx->now_ms = broker_now(b);
    ctx->cfg = b->cfg;
    ctx->host = &b->host;
}
