/*
 * mdt — see mdt.h. Sessions (create, close), outcomes, the review timer and
 * the AGENDA query, and what the MDT files share (mdt_internal.h); building, editing and
 * publishing the agenda is mdt_agenda.c.
 *
 * Every request names its session; check finds it, stamps the session's scope, and stops
 * reading as soon as the sender turns out to have no relationship with that
 * neighbourhood: the broker then refuses it FORBIDDEN from the matrix (and audits the
 * refusal), and the sender learns nothing of the session's state.
 */
#include "mdt_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "access.h"
#include "codec.h"
#include "hd_time.h"
#include "log.h"
#include "record.h"
#include "registry.h"
#include "waiting.h"

#define SESSION_AHEAD_MS (366 * HD_MS_PER_DAY)
#define LENGTH_MIN 15
#define LENGTH_MAX 480
#define ATTENDEES_MAX 50
#define AGENT_ID_MAX 64
#define PERSON_MAX 128
#define TITLE_MAX 200
#define LOCATION_MAX 256
#define ACTIONS_MAX 20
#define ACTION_TEXT_MAX 500
#define NOTES_MAX 4000
#define REFER_ON_MAX 256
#define CLOSE_NOTES_MAX 1000
#define NEIGHBOURHOOD_ID_MAX 32

#define S(name) HUDDLE__SESSION_STATE__SESSION_STATE_##name
#define RS(name) HUDDLE__REFERRAL_STATUS__REFERRAL_STATUS_##name
#define DECISION(name) HUDDLE__MDT_DECISION__MDT_DECISION_##name
#define KIND(name) HUDDLE__EVENT_KIND__EVENT_KIND_##name

/* ---- shared helpers (mdt_internal.h) ------------------------------------------ */

bool mdt_filled(const char *s)
{
    return s && *s;
}

bool mdt_len_ok(const char *s, size_t max)
{
    return !s || strlen(s) <= max;
}

int mdt_payload_check(const ProtobufCMessage *payload, const char *path, reject_t *r)
{
    codec_error_t err;
    if (codec_check_message(payload, path, &err) != CODEC_OK)
        return reject(r, MDT_INVALID, err.field, "%s", err.reason);
    return 0;
}

int mdt_reject_store(reject_t *r, int rc)
{
    log_error("an MDT request could not read the store: %s", store_strerror(rc));
    reject(r, HUDDLE__REJECT_CODE__REJECT_CODE_BUSY, "", "the store cannot be read now; retry");
    r->retry_after_ms = 1000;
    return -1;
}

uint32_t mdt_tier_minutes(const config_t *cfg, Huddle__Tier tier)
{
    switch (tier) {
    case HUDDLE__TIER__TIER_RED: return cfg->minutes_red;
    case HUDDLE__TIER__TIER_AMBER: return cfg->minutes_amber;
    default: return cfg->minutes_green; /* GREEN, and a referral not yet scored */
    }
}

int mdt_session_get(store_txn_t *txn, const char *session_id, Huddle__SessionRecord **out)
{
    *out = NULL;
    size_t n = session_id ? strlen(session_id) : 0;
    if (n == 0 || n > STORE_KEY_MAX)
        return STORE_ENOTFOUND;
    store_val_t v;
    int rc = store_get(txn, STORE_SESSIONS, session_id, n, &v);
    if (rc != STORE_OK)
        return rc;
    *out = huddle__session_record__unpack(NULL, v.len, v.data);
    return *out ? STORE_OK : STORE_ECORRUPT;
}

int mdt_session_put(store_txn_t *txn, const Huddle__SessionRecord *s)
{
    return record_put(txn, STORE_SESSIONS, s->session_id, strlen(s->session_id), &s->base, false);
}

static const char *state_name(Huddle__SessionState st)
{
    return codec_enum_name(&huddle__session_state__descriptor, st, "SESSION_STATE_UNSPECIFIED");
}

int mdt_reject_state(reject_t *r, const char *field, const Huddle__SessionRecord *s, const char *what)
{
    reject(r, MDT_CONFLICT, field, "the session is %s: %s", state_name(s->state) + sizeof "SESSION_STATE_" - 1,
           what);
    snprintf(r->current_state, sizeof r->current_state, "%s", state_name(s->state));
    snprintf(r->conflicting_id, sizeof r->conflicting_id, "%s", s->session_id);
    return -1;
}

/* An id the agent put in the subject must be the one the broker finds. */
static int subject_id(const char *agent, const char *broker, const char *field, reject_t *r)
{
    if (!broker || !mdt_filled(agent) || !strcmp(agent, broker))
        return 0;
    return reject(r, MDT_INVALID, field, "does not match the record the event is about");
}

int mdt_stamp(Huddle__Event *ev, const Huddle__Scope *from, const char *nhs, const char *referral_id,
              const char *session_id, reject_t *r)
{
    Huddle__Subject *old = ev->subject;
    if (old && (subject_id(old->nhs_number, nhs, "publish.event.subject.nhs_number", r) ||
                subject_id(old->referral_id, referral_id, "publish.event.subject.referral_id", r) ||
                subject_id(old->session_id, session_id, "publish.event.subject.session_id", r)))
        return -1;
    Huddle__Subject s = HUDDLE__SUBJECT__INIT;
    if (old)
        s = *old;
    if (nhs)
        s.nhs_number = (char *)nhs;
    if (referral_id)
        s.referral_id = (char *)referral_id;
    if (session_id)
        s.session_id = (char *)session_id;
    Huddle__Subject *subject = record_copy(&s.base);
    Huddle__Scope *scope = from ? record_copy(&from->base) : NULL;
    if (!subject || (from && !scope)) {
        if (subject)
            huddle__subject__free_unpacked(subject, NULL);
        if (scope)
            huddle__scope__free_unpacked(scope, NULL);
        reject(r, HUDDLE__REJECT_CODE__REJECT_CODE_BUSY, "", "out of memory; retry");
        r->retry_after_ms = 1000;
        return -1;
    }
    if (old)
        huddle__subject__free_unpacked(old, NULL);
    ev->subject = subject;
    if (scope) {
        if (ev->scope)
            huddle__scope__free_unpacked(ev->scope, NULL);
        ev->scope = scope;
    }
    return 0;
}

/* Whether the matrix lets the sender publish ev as now scoped. Asked here only to stop
 * reading early; the broker asks again and refuses. */
static bool sender_relates(const wf_ctx_t *ctx, const Huddle__Event *ev)
{
    reject_t scratch;
    return !ctx->agent || access_check_publish(ctx->agent, ev, &scratch) == 0;
}

int mdt_request_session(wf_ctx_t *ctx, Huddle__Event *ev, const char *session_id, const char *field,
                        unsigned states, const char *what, Huddle__SessionRecord **out, reject_t *r)
{
    *out = NULL;
    if (!workflow_is_id(session_id, WF_ID_MAX - 1, false))
        return reject(r, MDT_INVALID, field, "required: a session id");
    Huddle__SessionRecord *s;
    int rc = mdt_session_get(ctx->txn, session_id, &s);
    if (rc == STORE_ENOTFOUND)
        return reject(r, MDT_NOT_FOUND, field, "no such session");
    if (rc != STORE_OK)
        return mdt_reject_store(r, rc);
    if (mdt_stamp(ev, s->scope, NULL, NULL, s->session_id, r) != 0)
        rc = -1;
    else if (!sender_relates(ctx, ev))
        rc = 1;
    else if (!(states & (1u << s->state)))
        rc = mdt_reject_state(r, field, s, what);
    if (rc != 0) {
        huddle__session_record__free_unpacked(s, NULL);
        return rc;
    }
    *out = s;
    return 0;
}

static int count_one(const waiting_entry_t *e, void *arg)
{
    if (e->status == RS(ACCEPTED) || e->status == RS(DEFERRED))
        (*(uint32_t *)arg)++;
    return 0;
}

int mdt_count_waiting(store_txn_t *txn, const char *neighbourhood_id, uint32_t *n)
{
    *n = 0;
    int rc = waiting_scan(txn, neighbourhood_id, count_one, n);
    return rc < 0 ? rc : STORE_OK;
}

int mdt_unschedule(wf_ctx_t *ctx, const char *referral_id, const char *session_id, bool defer, const char *reason,
                   Huddle__EventKind about_kind, uint64_t about_seq)
{
    Huddle__ReferralRecord *rec;
    int rc = referral_get(ctx->txn, referral_id, &rec);
    if (rc == STORE_ENOTFOUND)
        return STORE_OK;
    if (rc != STORE_OK)
        return rc;
    Huddle__ReferralStatus to = defer || rec->times_deferred > 0 ? RS(DEFERRED) : RS(ACCEPTED);
    if (rec->status == RS(SCHEDULED) && !strcmp(rec->last_session_id, session_id) &&
        referral_may_move(rec->status, to)) {
        referral_why_t why = {.reason = reason,
                              .session_id = session_id,
                              .decision = DECISION(UNSPECIFIED),
                              .about_kind = about_kind,
                              .about_seq = about_seq,
                              .unscheduled = !defer};
        rc = referral_move(ctx, rec, to, &why);
    }
    huddle__referral_record__free_unpacked(rec, NULL);
    return rc;
}

/* ---- MDT_SESSION_CREATED -------------------------------------------------------- */

#define CREATE "publish.event.mdt_session_create."

static int check_attendee(const Huddle__Attendee *a, size_t i, reject_t *r)
{
    char field[96];
    const char *bad = NULL, *why = NULL;
    if (mdt_filled(a->agent_id) && !workflow_is_id(a->agent_id, AGENT_ID_MAX, false))
        bad = "agent_id", why = "an agent id: 1 to 64 of A-Z a-z 0-9 . _ -, or empty";
    else if (!mdt_filled(a->name) || !mdt_len_ok(a->name, PERSON_MAX))
        bad = "name", why = "required: 1 to 128 bytes";
    else if (!mdt_len_ok(a->role_title, PERSON_MAX))
        bad = "role_title", why = "at most 128 bytes";
    else if (mdt_filled(a->org_ods) && ods_code_check(a->org_ods, strlen(a->org_ods)) != ODS_OK)
        bad = "org_ods", why = "an ODS code, or empty";
    if (!bad)
        return 0;
    snprintf(field, sizeof field, CREATE "attendees[%zu].%s", i, bad);
    return reject(r, MDT_INVALID, field, "%s", why);
}

static bool names_anything(const Huddle__Subject *s)
{
    return s && (mdt_filled(s->nhs_number) || mdt_filled(s->referral_id) || mdt_filled(s->session_id) ||
                 mdt_filled(s->assessment_id) || mdt_filled(s->episode_id));
}

int mdt_create_check(wf_ctx_t *ctx, Huddle__Event *ev, reject_t *r)
{
    const Huddle__MdtSessionCreate *p = ev->mdt_session_create;
    if (mdt_payload_check(&p->base, "publish.event.mdt_session_create", r) != 0)
        return -1;
    if (!workflow_is_id(p->neighbourhood_id, NEIGHBOURHOOD_ID_MAX, false))
        return reject(r, MDT_INVALID, CREATE "neighbourhood_id", "required: a neighbourhood id");
    if (p->starts_at_ms <= ctx->now_ms)
        return reject(r, MDT_INVALID, CREATE "starts_at_ms", "must be in the future");
    if (p->starts_at_ms > ctx->now_ms + SESSION_AHEAD_MS)
        return reject(r, MDT_INVALID, CREATE "starts_at_ms", "at most 366 days ahead");
    if (p->length_minutes < LENGTH_MIN || p->length_minutes > LENGTH_MAX)
        return reject(r, MDT_INVALID, CREATE "length_minutes", "15 to 480 minutes");
    if (p->n_attendees > ATTENDEES_MAX)
        return reject(r, MDT_INVALID, CREATE "attendees", "at most 50");
    for (size_t i = 0; i < p->n_attendees; i++)
        if (check_attendee(p->attendees[i], i, r) != 0)
            return -1;
    if (!mdt_len_ok(p->title, TITLE_MAX))
        return reject(r, MDT_INVALID, CREATE "title", "at most 200 bytes");
    if (!mdt_len_ok(p->location, LOCATION_MAX))
        return reject(r, MDT_INVALID, CREATE "location", "at most 256 bytes");
    if (names_anything(ev->subject))
        return reject(r, MDT_INVALID, "publish.event.subject",
                      "a new session names no patient or record; the broker assigns its id");

    Huddle__NeighbourhoodRecord *nb;
    int rc = registry_neighbourhood_get(ctx->txn, p->neighbourhood_id, &nb);
    if (rc == STORE_ENOTFOUND)
        return reject(r, MDT_NOT_FOUND, CREATE "neighbourhood_id", "no such neighbourhood");
    if (rc != STORE_OK)
        return mdt_reject_store(r, rc);
    char id[WF_ID_MAX];
    snprintf(id, sizeof id, "S%llu", (unsigned long long)ev->seq);
    Huddle__Scope sc = HUDDLE__SCOPE__INIT;
    sc.neighbourhood_id = nb->neighbourhood_id;
    sc.local_authority = nb->local_authority;
    rc = mdt_stamp(ev, &sc, NULL, NULL, id, r);
    huddle__neighbourhood_record__free_unpacked(nb, NULL);
    if (rc == 0)
        snprintf(ctx->assigned_id, sizeof ctx->assigned_id, "%s", id);
    return rc;
}

int mdt_create_apply(wf_ctx_t *ctx, Huddle__Event *ev, reject_t *r)
{
    (void)r;
    const Huddle__MdtSessionCreate *p = ev->mdt_session_create;
    Huddle__SessionRecord s = HUDDLE__SESSION_RECORD__INIT;
    s.session_id = ev->subject->session_id;
    s.neighbourhood_id = p->neighbourhood_id;
    s.starts_at_ms = p->starts_at_ms;
    s.length_minutes = p->length_minutes;
    s.n_attendees = p->n_attendees;
    s.attendees = p->attendees;
    s.title = p->title;
    s.location = p->location;
    s.state = S(DRAFT);
    s.created_by = (char *)ctx->sender;
    s.created_at_ms = ctx->now_ms;
    s.create_seq = ev->seq;
    s.last_seq = ev->seq;
    s.scope = ev->scope;
    return record_put(ctx->txn, STORE_SESSIONS, s.session_id, strlen(s.session_id), &s.base, true);
}

/* ---- MDT_OUTCOME_RECORDED ------------------------------------------------------- */

#define OUTCOME "publish.event.mdt_outcome."

/* A date field: "" or a real YYYY-MM-DD. */
static bool date_ok(const char *s, int32_t *days)
{
    int32_t d = 0;
    if (!mdt_filled(s)) {
        *days = 0;
        return true;
    }
    if (hd_date_parse(s, strlen(s), &d) != HD_TIME_OK)
        return false;
    *days = d;
    return true;
}

static bool ods_ok(const char *s)
{
    return !mdt_filled(s) || ods_code_check(s, strlen(s)) == ODS_OK;
}

static int check_action(const Huddle__Action *a, size_t i, reject_t *r)
{
    char field[96];
    int32_t days;
    const char *bad = NULL, *why = NULL;
    if (!mdt_filled(a->owner) || !mdt_len_ok(a->owner, PERSON_MAX))
        bad = "owner", why = "required: 1 to 128 bytes";
    else if (!mdt_filled(a->text) || !mdt_len_ok(a->text, ACTION_TEXT_MAX))
        bad = "text", why = "required: 1 to 500 bytes";
    else if (!date_ok(a->due_date, &days))
        bad = "due_date", why = "a real date, YYYY-MM-DD, or empty";
    else if (!ods_ok(a->owner_ods))
        bad = "owner_ods", why = "an ODS code, or empty";
    if (!bad)
        return 0;
    snprintf(field, sizeof field, OUTCOME "actions[%zu].%s", i, bad);
    return reject(r, MDT_INVALID, field, "%s", why);
}

/* The outcome's own fields, before any state is read. */
static int check_outcome_fields(const Huddle__MdtOutcome *p, int32_t *review_day, reject_t *r)
{
    Huddle__MdtDecision d = p->decision;
    if (d == DECISION(UNSPECIFIED))
        return reject(r, MDT_INVALID, OUTCOME "decision", "required");
    if (!workflow_is_id(p->referral_id, WF_ID_MAX - 1, false))
        return reject(r, MDT_INVALID, OUTCOME "referral_id", "required: a referral id");
    if (!mdt_len_ok(p->lead_professional, PERSON_MAX))
        return reject(r, MDT_INVALID, OUTCOME "lead_professional", "at most 128 bytes");
    if (d == DECISION(CARE_PLAN_AGREED) && !mdt_filled(p->lead_professional))
        return reject(r, MDT_INVALID, OUTCOME "lead_professional", "required when a care plan is agreed");
    if (!ods_ok(p->lead_ods))
        return reject(r, MDT_INVALID, OUTCOME "lead_ods", "an ODS code, or empty");
    if (!date_ok(p->next_review_date, review_day))
        return reject(r, MDT_INVALID, OUTCOME "next_review_date", "a real date, YYYY-MM-DD, or empty");
    if (d == DECISION(MONITOR) && !mdt_filled(p->next_review_date))
        return reject(r, MDT_INVALID, OUTCOME "next_review_date", "required when the patient is monitored");
    if (p->n_actions > ACTIONS_MAX)
        return reject(r, MDT_INVALID, OUTCOME "actions", "at most 20");
    for (size_t i = 0; i < p->n_actions; i++)
        if (check_action(p->actions[i], i, r) != 0)
            return -1;
    if (!mdt_len_ok(p->notes, NOTES_MAX))
        return reject(r, MDT_INVALID, OUTCOME "notes", "at most 4000 bytes");
    if (!mdt_len_ok(p->refer_on_to, REFER_ON_MAX))
        return reject(r, MDT_INVALID, OUTCOME "refer_on_to", "at most 256 bytes");
    if (d == DECISION(REFER_ON) && !mdt_filled(p->refer_on_to))
        return reject(r, MDT_INVALID, OUTCOME "refer_on_to", "required when the patient is referred on");
    return 0;
}

static bool on_agenda(const Huddle__SessionRecord *s, const char *referral_id)
{
    for (size_t i = 0; i < s->n_items; i++)
        if (!strcmp(s->items[i]->referral_id, referral_id))
            return true;
    return false;
}

static const Huddle__OutcomeRef *outcome_of(const Huddle__SessionRecord *s, const char *referral_id)
{
    for (size_t i = 0; i < s->n_outcomes; i++)
        if (!strcmp(s->outcomes[i]->referral_id, referral_id))
            return s->outcomes[i];
    return NULL;
}

/* Where a decision takes the referral first. */
static Huddle__ReferralStatus decided_status(Huddle__MdtDecision d)
{
    return d == DECISION(DEFER) ? RS(DEFERRED) : RS(DISCUSSED);
}

/* The outcome belongs to the referral's journey when its sender named none (the broker
 * named it after the outcome's own seq before the rules ran). */
static int join_journey(Huddle__Event *ev, const Huddle__ReferralRecord *rec, reject_t *r)
{
    char own[32];
    snprintf(own, sizeof own, "seq-%llu", (unsigned long long)ev->seq);
    if (!mdt_filled(rec->correlation_id) || !ev->correlation_id || strcmp(ev->correlation_id, own) != 0)
        return 0;
    char *copy = strdup(rec->correlation_id);
    if (!copy)
        return reject(r, HUDDLE__REJECT_CODE__REJECT_CODE_BUSY, "", "out of memory; retry");
    if (ev->correlation_id != protobuf_c_empty_string)
        free(ev->correlation_id);
    ev->correlation_id = copy;
    return 0;
}

int mdt_outcome_check(wf_ctx_t *ctx, Huddle__Event *ev, reject_t *r)
{
    const Huddle__MdtOutcome *p = ev->mdt_outcome;
    int32_t review_day;
    if (mdt_payload_check(&p->base, "publish.event.mdt_outcome", r) != 0 ||
        check_outcome_fields(p, &review_day, r) != 0)
        return -1;
    Huddle__SessionRecord *s;
    int rc = mdt_request_session(ctx, ev, p->session_id, OUTCOME "session_id", MDT_IN(PUBLISHED),
                                 "outcomes are recorded once its agenda is published, until it is closed", &s, r);
    if (rc != 0)
        return rc < 0 ? -1 : 0;
    Huddle__ReferralRecord *rec = NULL;
    const Huddle__OutcomeRef *done = outcome_of(s, p->referral_id);
    if (!on_agenda(s, p->referral_id)) {
        rc = reject(r, MDT_NOT_FOUND, OUTCOME "referral_id", "not on this session's agenda");
    } else if (done) {
        const ProtobufCEnumValue *v =
            protobuf_c_enum_descriptor_get_value(&huddle__mdt_decision__descriptor, done->decision);
        rc = reject(r, MDT_CONFLICT, OUTCOME "referral_id", "this item's outcome is already recorded (seq %llu)",
                    (unsigned long long)done->outcome_seq);
        snprintf(r->current_state, sizeof r->current_state, "%s", v ? v->name : "");
        snprintf(r->conflicting_id, sizeof r->conflicting_id, "%s", p->referral_id);
    } else if (mdt_filled(p->next_review_date) && review_day <= hd_date_from_ms(s->starts_at_ms)) {
        rc = reject(r, MDT_INVALID, OUTCOME "next_review_date", "must be after the day of the session");
    } else if ((rc = referral_get(ctx->txn, p->referral_id, &rec)) != STORE_OK) {
        rc = rc == STORE_ENOTFOUND ? reject(r, MDT_NOT_FOUND, OUTCOME "referral_id", "no such referral")
                                   : mdt_reject_store(r, rc);
    } else if (rec->status != RS(SCHEDULED) || strcmp(rec->last_session_id, s->session_id) != 0 ||
               !referral_may_move(rec->status, decided_status(p->decision))) {
        rc = referral_reject_state(r, OUTCOME "referral_id", rec, "only an item still scheduled has an outcome");
    } else if ((rc = mdt_stamp(ev, rec->scope, rec->nhs_number, rec->referral_id, s->session_id, r)) == 0) {
        rc = join_journey(ev, rec, r);
    }
    if (rec)
        huddle__referral_record__free_unpacked(rec, NULL);
    huddle__session_record__free_unpacked(s, NULL);
    return rc;
}

/* Replaces a string field of an unpacked record with a copy of v. */
static int set_text(char **field, const char *v)
{
    char *copy = strdup(v ? v : "");
    if (!copy)
        return STORE_ENOMEM;
    if (*field && *field != protobuf_c_empty_string)
        free(*field);
    *field = copy;
    return STORE_OK;
}

/* The safeguarding decision, to the council's adult social care. */
static int escalate_safeguarding(wf_ctx_t *ctx, const Huddle__Event *cause)
{
    Huddle__Event ev = HUDDLE__EVENT__INIT;
    Huddle__Escalation x = HUDDLE__ESCALATION__INIT;
    ev.kind = KIND(ESCALATION_RAISED);
    ev.subject = cause->subject;
    ev.scope = cause->scope;
    ev.payload_case = HUDDLE__EVENT__PAYLOAD_ESCALATION;
    ev.escalation = &x;
    x.reason = HUDDLE__ESCALATION_REASON__ESCALATION_REASON_SAFEGUARDING;
    x.to_role = HUDDLE__ROLE__ROLE_SOCIAL_CARE;
    x.to_org_ods = cause->scope->local_authority;
    x.text = (char *)"The MDT decided to raise a safeguarding concern with the council's adult social care.";
    x.overdue_since_ms = ctx->now_ms;
    return wf_emit(ctx, &ev, NULL);
}

/* The review date's timer: due at the start of that day (UTC), about the referral. */
static int schedule_review(wf_ctx_t *ctx, const Huddle__Event *ev, const Huddle__ReferralRecord *rec)
{
    int32_t day;
    if (hd_date_parse(rec->next_review_date, strlen(rec->next_review_date), &day) != HD_TIME_OK)
        return STORE_OK; /* checked before: cannot happen */
    Huddle__TimerRecord t = HUDDLE__TIMER_RECORD__INIT;
    t.kind = HUDDLE__TIMER_KIND__TIMER_KIND_MDT_REVIEW;
    t.due_at_ms = hd_date_to_ms(day);
    t.subject = ev->subject;
    t.scope = ev->scope;
    t.correlation_id = rec->correlation_id;
    return wf_schedule(ctx, &t);
}

static int record_on_session(wf_ctx_t *ctx, Huddle__SessionRecord *s, const Huddle__Event *ev)
{
    Huddle__OutcomeRef ref = HUDDLE__OUTCOME_REF__INIT;
    ref.referral_id = ev->mdt_outcome->referral_id;
    ref.decision = ev->mdt_outcome->decision;
    ref.outcome_seq = ev->seq;
    ref.recorded_at_ms = ctx->now_ms;
    Huddle__OutcomeRef **refs = malloc((s->n_outcomes + 1) * sizeof *refs);
    if (!refs)
        return STORE_ENOMEM;
    if (s->n_outcomes)
        memcpy(refs, s->outcomes, s->n_outcomes * sizeof *refs);
    refs[s->n_outcomes] = &ref;
    Huddle__SessionRecord view = *s; /* borrows s's fields, with one more outcome */
    view.outcomes = refs;
    view.n_outcomes = s->n_outcomes + 1;
    view.last_seq = ev->seq;
    int rc = mdt_session_put(ctx->txn, &view);
    free(refs);
    return rc;
}

int mdt_outcome_apply(wf_ctx_t *ctx, Huddle__Event *ev, reject_t *r)
{
    (void)r;
    const Huddle__MdtOutcome *p = ev->mdt_outcome;
    Huddle__SessionRecord *s = NULL;
    Huddle__ReferralRecord *rec = NULL;
    int rc = mdt_session_get(ctx->txn, p->session_id, &s);
    if (rc == STORE_OK)
        rc = referral_get(ctx->txn, p->referral_id, &rec);
    if (rc == STORE_OK) {
        rec->last_decision = p->decision;
        rc = set_text(&rec->lead_professional, p->lead_professional);
    }
    if (rc == STORE_OK)
        rc = set_text(&rec->next_review_date, p->next_review_date);
    referral_why_t why = {.reason = "",
                          .session_id = s ? s->session_id : "",
                          .decision = p->decision,
                          .about_kind = ev->kind,
                          .about_seq = ev->seq};
    if (rc == STORE_OK) {
        why.reason = p->decision == DECISION(DEFER) ? "deferred by the MDT" : "discussed at the MDT";
        rc = referral_move(ctx, rec, decided_status(p->decision), &why);
    }
    if (rc == STORE_OK && p->decision == DECISION(NO_FURTHER_ACTION) && referral_may_move(rec->status, RS(CLOSED))) {
        why.reason = "no further action";
        rc = referral_move(ctx, rec, RS(CLOSED), &why);
    }
    if (rc == STORE_OK && p->decision == DECISION(ESCALATE_SAFEGUARDING))
        rc = escalate_safeguarding(ctx, ev);
    if (rc == STORE_OK && mdt_filled(p->next_review_date) && rec->status == RS(DISCUSSED))
        rc = schedule_review(ctx, ev, rec);
    if (rc == STORE_OK)
        rc = record_on_session(ctx, s, ev);
    if (rec)
        huddle__referral_record__free_unpacked(rec, NULL);
    if (s)
        huddle__session_record__free_unpacked(s, NULL);
    return rc;
}

/* ---- MDT_SESSION_CLOSED --------------------------------------------------------- */

int mdt_close_check(wf_ctx_t *ctx, Huddle__Event *ev, reject_t *r)
{
    const Huddle__MdtSessionClose *p = ev->mdt_session_close;
    if (mdt_payload_check(&p->base, "publish.event.mdt_session_close", r) != 0)
        return -1;
    if (!mdt_len_ok(p->notes, CLOSE_NOTES_MAX))
        return reject(r, MDT_INVALID, "publish.event.mdt_session_close.notes", "at most 1000 bytes");
    Huddle__SessionRecord *s;
    int rc = mdt_request_session(ctx, ev, p->session_id, "publish.event.mdt_session_close.session_id",
                                 MDT_IN(PUBLISHED), "only a published session can be closed", &s, r);
    if (s)
        huddle__session_record__free_unpacked(s, NULL);
    return rc < 0 ? -1 : 0;
}

int mdt_close_apply(wf_ctx_t *ctx, Huddle__Event *ev, reject_t *r)
{
    (void)r;
    Huddle__SessionRecord *s;
    int rc = mdt_session_get(ctx->txn, ev->mdt_session_close->session_id, &s);
    if (rc != STORE_OK)
        return rc;
    /* every item the session did not reach goes back on the list, deferred: it comes
     * first among equals at the next build */
    for (size_t i = 0; i < s->n_items && rc == STORE_OK; i++)
        if (!outcome_of(s, s->items[i]->referral_id))
            rc = mdt_unschedule(ctx, s->items[i]->referral_id, s->session_id, true, "not reached at the session",
                                ev->kind, ev->seq);
    if (rc == STORE_OK) {
        s->state = S(CLOSED);
        s->closed_at_ms = ctx->now_ms;
        s->last_seq = ev->seq;
        rc = mdt_session_put(ctx->txn, s);
    }
    huddle__session_record__free_unpacked(s, NULL);
    return rc;
}

/* ---- TIMER_KIND_MDT_REVIEW ------------------------------------------------------- */

int mdt_fire_review(wf_ctx_t *ctx, const Huddle__TimerRecord *t)
{
    if (!t->subject || !mdt_filled(t->subject->referral_id))
        return STORE_OK;
    Huddle__ReferralRecord *rec;
    int rc = referral_get(ctx->txn, t->subject->referral_id, &rec);
    if (rc != STORE_OK)
        return rc == STORE_ENOTFOUND ? STORE_OK : rc;
    char date[HD_DATE_LEN], session[WF_ID_MAX];
    hd_date_format(hd_date_from_ms(t->due_at_ms), date, sizeof date);
    snprintf(session, sizeof session, "%s", rec->last_session_id);
    /* the review this timer was set for, not a later outcome's, and not one overtaken
     * by a closing or a new agenda */
    if (rec->status != RS(DISCUSSED) || strcmp(rec->next_review_date, date) != 0 ||
        !referral_may_move(rec->status, RS(ACCEPTED))) {
        huddle__referral_record__free_unpacked(rec, NULL);
        return STORE_OK;
    }
    Huddle__Event ev = HUDDLE__EVENT__INIT;
    Huddle__Subject sub = HUDDLE__SUBJECT__INIT;
    Huddle__MdtReviewDue due = HUDDLE__MDT_REVIEW_DUE__INIT;
    sub.nhs_number = rec->nhs_number;
    sub.referral_id = rec->referral_id;
    sub.session_id = session;
    ev.kind = KIND(MDT_REVIEW_DUE);
    ev.correlation_id = rec->correlation_id;
    ev.subject = &sub;
    ev.scope = rec->scope;
    ev.occurred_at_ms = t->due_at_ms;
    ev.payload_case = HUDDLE__EVENT__PAYLOAD_MDT_REVIEW_DUE;
    ev.mdt_review_due = &due;
    due.referral_id = rec->referral_id;
    due.review_date = date;
    due.last_session_id = session;
    due.lead_professional = rec->lead_professional;
    uint64_t seq = 0;
    rc = wf_emit(ctx, &ev, &seq);
    if (rc == STORE_OK) {
        referral_why_t why = {.reason = "review due",
                              .session_id = session,
                              .decision = DECISION(UNSPECIFIED),
                              .about_kind = KIND(MDT_REVIEW_DUE),
                              .about_seq = seq};
        rc = referral_move(ctx, rec, RS(ACCEPTED), &why);
    }
    huddle__referral_record__free_unpacked(rec, NULL);
    return rc;
}

/* ---- the AGENDA query ------------------------------------------------------------ */

/* One session's agenda: bounded at MDT_ITEMS_MAX items, so it is answered whole and
 * the query's limit does not page it. */
int mdt_query_agenda(wf_query_t *q, reject_t *r)
{
    const char *sid = q->q->session_id;
    if (!workflow_is_id(sid, WF_ID_MAX - 1, false))
        return reject(r, MDT_INVALID, "query.session_id", "required: a session id");
    Huddle__SessionRecord *s;
    int rc = mdt_session_get(q->txn, sid, &s);
    if (rc == STORE_ENOTFOUND)
        return reject(r, MDT_NOT_FOUND, "query.session_id", "no such session");
    if (rc != STORE_OK)
        return mdt_reject_store(r, rc);
    uint32_t left = 0;
    if ((rc = mdt_count_waiting(q->txn, s->neighbourhood_id, &left)) != STORE_OK) {
        huddle__session_record__free_unpacked(s, NULL);
        return mdt_reject_store(r, rc);
    }
    Huddle__MdtAgenda a;
    mdt_agenda_view(s, left, &a);
    /* the asker sees the agenda as a subscription would have: a draft as the event that
     * built it, a published one as the event that published it */
    Huddle__Event probe = HUDDLE__EVENT__INIT;
    probe.kind = a.published ? KIND(MDT_AGENDA_PUBLISHED) : KIND(MDT_AGENDA_BUILT);
    probe.scope = s->scope;
    probe.payload_case = HUDDLE__EVENT__PAYLOAD_MDT_AGENDA;
    probe.mdt_agenda = &a;
    if (!access_may_see(q->agent, &probe)) {
        huddle__session_record__free_unpacked(s, NULL);
        return reject(r, HUDDLE__REJECT_CODE__REJECT_CODE_FORBIDDEN, "query.session_id",
                      "a session's agenda is for its neighbourhood's coordinators, and its MDT members once "
                      "published");
    }
    const char *patients[MDT_ITEMS_MAX];
    size_t n = s->n_items < MDT_ITEMS_MAX ? s->n_items : MDT_ITEMS_MAX;
    for (size_t i = 0; i < n; i++)
        patients[i] = s->items[i]->nhs_number;
    Huddle__Answer ans = HUDDLE__ANSWER__INIT;
    ans.result_case = HUDDLE__ANSWER__RESULT_AGENDA;
    ans.agenda = &a;
    rc = q->reply(q, &ans, n, patients, n, "agenda", r);
    huddle__session_record__free_unpacked(s, NULL);
    return rc;
}
