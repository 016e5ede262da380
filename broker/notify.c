/* notify — see notify.h. */
#include "notify.h"

#include <stdlib.h>
#include <string.h>

#include "ods.h"
#include "record.h"
#include "registry.h"

#define TEXT_MAX 1000

#define INVALID HUDDLE__REJECT_CODE__REJECT_CODE_INVALID

/* The NON_DELIVERY watch of a notification stored as seq. */
static int watch(wf_ctx_t *ctx, const Huddle__Event *ev, uint64_t seq)
{
    const Huddle__Notification *n = ev->notification;
    Huddle__TimerRecord t = HUDDLE__TIMER_RECORD__INIT;
    t.kind = HUDDLE__TIMER_KIND__TIMER_KIND_NON_DELIVERY;
    t.due_at_ms = n->deadline_ms;
    t.subject = ev->subject;
    t.scope = ev->scope;
    t.notification_seq = seq;
    t.to_org_ods = n->to_org_ods;
    t.about_kind = n->about_kind;
    t.sender_org = (char *)(ctx->agent ? ctx->agent->org_ods : "");
    return wf_schedule(ctx, &t);
}

int notify_org(wf_ctx_t *ctx, const Huddle__Subject *subject, const Huddle__Scope *scope, const char *to_org,
               Huddle__Role to_role, Huddle__EventKind about_kind, uint64_t about_seq, const char *text,
               uint64_t *seq_out)
{
    Huddle__Event ev = HUDDLE__EVENT__INIT;
    Huddle__Notification n = HUDDLE__NOTIFICATION__INIT;
    ev.kind = HUDDLE__EVENT_KIND__EVENT_KIND_NOTIFICATION;
    ev.subject = (Huddle__Subject *)subject;
    ev.scope = (Huddle__Scope *)scope;
    ev.payload_case = HUDDLE__EVENT__PAYLOAD_NOTIFICATION;
    ev.notification = &n;
    n.to_org_ods = (char *)to_org;
    n.to_role = to_role;
    n.about_kind = about_kind;
    n.about_seq = about_seq;
    n.text = (char *)text;
    n.requires_ack = 1;
    n.deadline_ms = ctx->now_ms + ctx->cfg->non_delivery_after;
    uint64_t seq;
    int rc = wf_emit(ctx, &ev, &seq);
    if (rc == 0)
        rc = watch(ctx, &ev, seq);
    if (rc == 0 && seq_out)
        *seq_out = seq;
    return rc;
}

int notify_check(wf_ctx_t *ctx, Huddle__Event *ev, reject_t *r)
{
    Huddle__Notification *n = ev->notification;
    size_t len = strlen(n->text);
    if (ods_code_check(n->to_org_ods, strlen(n->to_org_ods)) != 0 && !registry_gss_check(n->to_org_ods))
        return reject(r, INVALID, "publish.event.notification.to_org_ods",
                      "required: the addressee's ODS code (or GSS code for a council)");
    if (!protobuf_c_enum_descriptor_get_value(&huddle__role__descriptor, n->to_role))
        return reject(r, INVALID, "publish.event.notification.to_role", "not a role");
    if (len == 0 || len > TEXT_MAX)
        return reject(r, INVALID, "publish.event.notification.text", "required: 1 to 1000 bytes");
    if (n->about_seq == 0)
        return reject(r, INVALID, "publish.event.notification.about_seq",
                      "required: the event the notification is about (a note about nothing is a MESSAGE)");
    store_val_t v;
    int rc = store_event_get(ctx->txn, n->about_seq, &v);
    if (rc == STORE_ENOTFOUND)
        return reject(r, HUDDLE__REJECT_CODE__REJECT_CODE_NOT_FOUND, "publish.event.notification.about_seq",
                      "no such event");
    Huddle__Event *about = rc == STORE_OK ? huddle__event__unpack(NULL, v.len, v.data) : NULL;
    if (!about)
        return reject(r, HUDDLE__REJECT_CODE__REJECT_CODE_BUSY, "", "the event it is about cannot be read; retry");
    if (n->about_kind && n->about_kind != about->kind) {
        huddle__event__free_unpacked(about, NULL);
        return reject(r, INVALID, "publish.event.notification.about_kind", "is not the kind of the event about_seq");
    }
    n->about_kind = about->kind;
    n->deadline_ms = n->requires_ack ? ctx->now_ms + ctx->cfg->non_delivery_after : 0;
    /* what it concerns is what the event it is about concerns: the broker's record of
     * it, never the sender's word */
    Huddle__Subject *subject = about->subject ? record_copy(&about->subject->base) : NULL;
    Huddle__Scope *scope = about->scope ? record_copy(&about->scope->base) : NULL;
    bool oom = (about->subject && !subject) || (about->scope && !scope);
    huddle__event__free_unpacked(about, NULL);
    if (oom) {
        if (subject)
            huddle__subject__free_unpacked(subject, NULL);
        if (scope)
            huddle__scope__free_unpacked(scope, NULL);
        return reject(r, HUDDLE__REJECT_CODE__REJECT_CODE_BUSY, "", "out of memory; retry");
    }
    if (ev->subject)
        huddle__subject__free_unpacked(ev->subject, NULL);
    if (ev->scope)
        huddle__scope__free_unpacked(ev->scope, NULL);
    ev->subject = subject;
    ev->scope = scope;
    return 0;
}

int notify_apply(wf_ctx_t *ctx, Huddle__Event *ev, reject_t *r)
{
    (void)r;
    return ev->notification->requires_ack ? watch(ctx, ev, ev->seq) : 0;
}
