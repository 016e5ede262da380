/*
 * workflow — see workflow.h. The kind table and the envelope rules.
 */
#include "workflow.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "record.h"

#include "assessment.h"
#include "episode.h"
#include "mdt.h"
#include "notify.h"
#include "referral.h"

#define MESSAGE_TOPIC_MAX 64
#define MESSAGE_TEXT_MAX 4000
#define MESSAGE_BODY_MAX 65536

static int message_check(wf_ctx_t *ctx, Huddle__Event *ev, reject_t *r);

#define KIND(name) HUDDLE__EVENT_KIND__EVENT_KIND_##name
#define PAYLOAD(name) HUDDLE__EVENT__PAYLOAD_##name

static const wf_kind_t kinds[] = {
    {KIND(MESSAGE), PAYLOAD(MESSAGE), message_check, NULL},
    /* referrals (referral.h) */
    {KIND(REFERRAL_SUBMITTED), PAYLOAD(REFERRAL_SUBMIT), referral_submit_check, referral_submit_apply},
    {KIND(REFERRAL_TRIAGED), PAYLOAD(REFERRAL_TRIAGE), referral_triage_check, referral_triage_apply},
    {KIND(REFERRAL_WITHDRAWN), PAYLOAD(REFERRAL_WITHDRAW), referral_withdraw_check, referral_withdraw_apply},
    {KIND(REFERRAL_STATUS_CHANGED), PAYLOAD(REFERRAL_STATUS_CHANGED), NULL, NULL},
    {KIND(REFERRAL_CLOSED), PAYLOAD(REFERRAL_CLOSE), referral_close_check, referral_close_apply},
    /* MDT sessions (mdt.h). An agenda kind's row names the coordinator's request; the
     * broker's result of the same kind carries mdt_agenda and is only ever derived. */
    {KIND(MDT_SESSION_CREATED), PAYLOAD(MDT_SESSION_CREATE), mdt_create_check, mdt_create_apply},
    {KIND(MDT_AGENDA_BUILT), PAYLOAD(MDT_AGENDA_BUILD), mdt_build_check, mdt_build_apply},
    {KIND(MDT_AGENDA_EDITED), PAYLOAD(MDT_AGENDA_EDIT), mdt_edit_check, mdt_edit_apply},
    {KIND(MDT_AGENDA_PUBLISHED), PAYLOAD(MDT_AGENDA_PUBLISH), mdt_publish_check, mdt_publish_apply},
    {KIND(MDT_OUTCOME_RECORDED), PAYLOAD(MDT_OUTCOME), mdt_outcome_check, mdt_outcome_apply},
    {KIND(MDT_SESSION_CLOSED), PAYLOAD(MDT_SESSION_CLOSE), mdt_close_check, mdt_close_apply},
    {KIND(MDT_REVIEW_DUE), PAYLOAD(MDT_REVIEW_DUE), NULL, NULL},
    /* trust agreements (agreement.h): derived from an ADMIN's Admin commands */
    {KIND(TRUST_AGREEMENT_RECORDED), PAYLOAD(TRUST_AGREEMENT), NULL, NULL},
    {KIND(TRUST_AGREEMENT_REVOKED), PAYLOAD(TRUST_AGREEMENT_REVOKE), NULL, NULL},
    /* trusted assessments (assessment.h) */
    {KIND(ASSESSMENT_SUBMITTED), PAYLOAD(TRUSTED_ASSESSMENT), assessment_submit_check, assessment_submit_apply},
    {KIND(ASSESSMENT_RESPONDED), PAYLOAD(ASSESSMENT_RESPONSE), assessment_respond_check, assessment_respond_apply},
    {KIND(ASSESSMENT_INFO_PROVIDED), PAYLOAD(ASSESSMENT_INFO), assessment_info_check, assessment_info_apply},
    /* discharge (episode.h) */
    {KIND(EPISODE_UPDATED), PAYLOAD(EPISODE_UPDATE), episode_update_check, episode_update_apply},
    {KIND(PLACEMENT_REPORTED), PAYLOAD(PLACEMENT_REPORT), episode_placement_check, episode_placement_apply},
    {KIND(FOLLOW_UP_REPORTED), PAYLOAD(FOLLOW_UP_REPORT), episode_follow_up_check, episode_follow_up_apply},
    /* timers, escalations, notifications (notify.h) */
    {KIND(TIMER_FIRED), PAYLOAD(TIMER_FIRED), NULL, NULL},
    {KIND(ESCALATION_RAISED), PAYLOAD(ESCALATION), NULL, NULL},
    {KIND(NOTIFICATION), PAYLOAD(NOTIFICATION), notify_check, notify_apply},
    {KIND(NON_DELIVERY), PAYLOAD(NON_DELIVERY), NULL, NULL},
};

int reject(reject_t *r, Huddle__RejectCode code, const char *field, const char *fmt, ...)
{
    memset(r, 0, sizeof *r);
    r->code = code;
    r->transient = code == HUDDLE__REJECT_CODE__REJECT_CODE_BUSY ||
                   code == HUDDLE__REJECT_CODE__REJECT_CODE_STORE_FULL ||
                   code == HUDDLE__REJECT_CODE__REJECT_CODE_SHUTTING_DOWN;
    snprintf(r->field, sizeof r->field, "%s", field ? field : "");
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->reason, sizeof r->reason, fmt, ap);
    va_end(ap);
    return -1;
}

const wf_kind_t *workflow_kind(int kind)
{
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
        if ((int)kinds[i].kind == kind)
            return &kinds[i];
    return NULL;
}

bool workflow_is_id(const char *s, size_t max, bool slash)
{
    size_t n = s ? strlen(s) : 0;
    if (n == 0 || n > max)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
                  c == '_' || c == '-' || (slash && c == '/');
        if (!ok)
            return false;
    }
    return true;
}

/* Printable ASCII without spaces: what a message_id may hold. */
static bool is_token(const char *s, size_t max)
{
    size_t n = s ? strlen(s) : 0;
    if (n == 0 || n > max)
        return false;
    for (size_t i = 0; i < n; i++)
        if (s[i] < 0x21 || s[i] > 0x7e)
            return false;
    return true;
}

int workflow_check_envelope(const Huddle__Event *ev, int64_t now_ms, reject_t *r)
{
    const Huddle__RejectCode invalid = HUDDLE__REJECT_CODE__REJECT_CODE_INVALID;
    if (!is_token(ev->message_id, 64))
        return reject(r, invalid, "publish.event.message_id", "required: 1 to 64 printable ASCII characters");
    if (ev->correlation_id && strlen(ev->correlation_id) > 64)
        return reject(r, invalid, "publish.event.correlation_id", "at most 64 bytes");
    const wf_kind_t *k = workflow_kind(ev->kind);
    if (ev->kind == HUDDLE__EVENT_KIND__EVENT_KIND_UNSPECIFIED)
        return reject(r, invalid, "publish.event.kind", "required");
    if (!k)
        return reject(r, invalid, "publish.event.kind", "no workflow of this broker handles this kind");
    if (!k->check)
        return reject(r, HUDDLE__REJECT_CODE__REJECT_CODE_FORBIDDEN, "publish.event.kind",
                      "only the broker writes this kind");
    if (ev->payload_case != k->payload)
        return reject(r, invalid, "publish.event.payload", "the payload does not match the kind");
    if (ev->occurred_at_ms < 0 || ev->occurred_at_ms > now_ms + WF_CLOCK_SKEW_MS)
        return reject(r, invalid, "publish.event.occurred_at_ms", "in the future or negative");
    return 0;
}

static int message_check(wf_ctx_t *ctx, Huddle__Event *ev, reject_t *r)
{
    (void)ctx;
    const Huddle__Message *m = ev->message;
    const Huddle__RejectCode invalid = HUDDLE__REJECT_CODE__REJECT_CODE_INVALID;
    if (!workflow_is_id(m->topic, MESSAGE_TOPIC_MAX, true))
        return reject(r, invalid, "publish.event.message.topic",
                      "required: 1 to 64 of A-Z a-z 0-9 . _ - /");
    if (m->text && strlen(m->text) > MESSAGE_TEXT_MAX)
        return reject(r, invalid, "publish.event.message.text", "at most 4000 bytes");
    if (m->body.len > MESSAGE_BODY_MAX)
        return reject(r, invalid, "publish.event.message.body", "at most 65536 bytes");
    /* a MESSAGE concerns no patient: it may not name one */
    const Huddle__Subject *s = ev->subject;
    if (s && ((s->nhs_number && *s->nhs_number) || (s->referral_id && *s->referral_id) ||
              (s->episode_id && *s->episode_id) || (s->assessment_id && *s->assessment_id)))
        return reject(r, invalid, "publish.event.subject", "a MESSAGE may not name a patient or a record");
    return 0;
}

int workflow_append_derived(wf_ctx_t *ctx, Huddle__Event *ev, uint8_t **bytes_out, size_t *len_out, uint64_t *seq_out)
{
    const Huddle__AgentRecord *a = ctx->agent;
    uint64_t seq = store_next_seq(ctx->txn);
    char msgid[40];
    char *given_id = ev->message_id;
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
    ev->message_id = given_id; /* msgid dies with this call */
    if (!bytes)
        return STORE_ENOMEM;
    int rc = store_append(ctx->txn, bytes, len, &seq);
    if (rc == STORE_OK && ev->subject && ev->subject->nhs_number && ev->subject->nhs_number[0])
        rc = store_patient_index(ctx->txn, ev->subject->nhs_number, seq);
    if (rc != STORE_OK || !bytes_out)
        free(bytes);
    else
        *bytes_out = bytes, *len_out = len;
    if (rc == STORE_OK && seq_out)
        *seq_out = seq;
    return rc;
}

int wf_emit(wf_ctx_t *ctx, Huddle__Event *ev, uint64_t *seq)
{
    if (!ctx->host)
        return STORE_EINVAL;
    return ctx->host->emit(ctx->host->host, ctx, ev, seq);
}

int wf_schedule(wf_ctx_t *ctx, Huddle__TimerRecord *t)
{
    if (!ctx->host)
        return STORE_EINVAL;
    t->created_at_ms = ctx->now_ms;
    t->created_by_seq = ctx->cause_seq;
    if (!t->correlation_id || !t->correlation_id[0])
        t->correlation_id = (char *)(ctx->correlation_id ? ctx->correlation_id : "");
    return ctx->host->schedule(ctx->host->host, t);
}

/* ---- timers ----------------------------------------------------------------- */

/* A timer no workflow claims: TIMER_FIRED, about what the timer is about. */
static int fire_plain(wf_ctx_t *ctx, const Huddle__TimerRecord *t)
{
    Huddle__Event ev = HUDDLE__EVENT__INIT;
    Huddle__TimerFired tf = HUDDLE__TIMER_FIRED__INIT;
    ev.kind = HUDDLE__EVENT_KIND__EVENT_KIND_TIMER_FIRED;
    ev.subject = t->subject;
    ev.scope = t->scope;
    ev.occurred_at_ms = t->due_at_ms;
    ev.payload_case = HUDDLE__EVENT__PAYLOAD_TIMER_FIRED;
    ev.timer_fired = &tf;
    tf.timer_id = t->timer_id;
    tf.kind = t->kind;
    tf.due_at_ms = t->due_at_ms;
    tf.fired_at_ms = ctx->now_ms;
    tf.created_by_seq = t->created_by_seq;
    return wf_emit(ctx, &ev, NULL);
}

static const struct {
    Huddle__TimerKind kind;
    wf_fire_fn fire;
} timers[] = {
    {HUDDLE__TIMER_KIND__TIMER_KIND_UNSPECIFIED, fire_plain},
    {HUDDLE__TIMER_KIND__TIMER_KIND_WAITING_WELL_RED, referral_fire_waiting},
    {HUDDLE__TIMER_KIND__TIMER_KIND_WAITING_WELL_ANY, referral_fire_waiting},
    {HUDDLE__TIMER_KIND__TIMER_KIND_MDT_REVIEW, mdt_fire_review},
    {HUDDLE__TIMER_KIND__TIMER_KIND_ASSESSMENT_DEADLINE, assessment_fire_deadline},
    {HUDDLE__TIMER_KIND__TIMER_KIND_PLACEMENT_REVIEW_7D, episode_fire_timer},
    {HUDDLE__TIMER_KIND__TIMER_KIND_PLACEMENT_REVIEW_14D, episode_fire_timer},
    {HUDDLE__TIMER_KIND__TIMER_KIND_PLACEMENT_ALERT_42D, episode_fire_timer},
    {HUDDLE__TIMER_KIND__TIMER_KIND_FOLLOW_UP_91D, episode_fire_timer},
};

int workflow_fire_timer(wf_ctx_t *ctx, const Huddle__TimerRecord *t)
{
    for (size_t i = 0; i < sizeof timers / sizeof timers[0]; i++)
        if (timers[i].kind == t->kind)
            return timers[i].fire(ctx, t);
    return fire_plain(ctx, t);
}

const char *workflow_reject_name(Huddle__RejectCode code)
{
    const ProtobufCEnumValue *v = protobuf_c_enum_descriptor_get_value(&huddle__reject_code__descriptor, (int)code);
    return v ? v->name + sizeof "REJECT_CODE_" - 1 : "UNKNOWN";
}
