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
#include "timer.h"

static int emit(void *host, wf_ctx_t *ctx, Huddle__Event *ev, uint64_t *seq_out)
{
    broker_t *b = host;
    uint8_t *bytes = NULL;
    size_t len = 0;
    uint64_t seq;
    int rc = workflow_append_derived(ctx, ev, &bytes, &len, &seq);
    if (rc != STORE_OK)
        return rc;
    /* cached decoded, as a published event is, for delivery once committed */
    Huddle__Event *own = huddle__event__unpack(NULL, len, bytes);
    cached_t e = {seq, NULL, own, own, bytes, len};
    if (!own || broker_pending_add(b, &e) != 0) {
        if (own)
            huddle__event__free_unpacked(own, NULL);
        free(bytes);
        return STORE_ENOMEM;
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
