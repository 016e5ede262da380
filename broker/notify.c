/* notify — see notify.h. */
#include "notify.h"

#include <string.h>

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
    if (rc != 0)
        return rc;
    Huddle__TimerRecord t = HUDDLE__TIMER_RECORD__INIT;
    t.kind = HUDDLE__TIMER_KIND__TIMER_KIND_NON_DELIVERY;
    t.due_at_ms = n.deadline_ms;
    t.subject = (Huddle__Subject *)subject;
    t.scope = (Huddle__Scope *)scope;
    t.notification_seq = seq;
    t.to_org_ods = (char *)to_org;
    t.about_kind = about_kind;
    t.sender_org = (char *)(ctx->agent ? ctx->agent->org_ods : "");
    if ((rc = wf_schedule(ctx, &t)) != 0)
        return rc;
    if (seq_out)
        *seq_out = seq;
    return 0;
}
