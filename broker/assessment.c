/*
 * assessment — see assessment.h. The checks (read only: validate, find the agreement,
 * the episode or the assessment, stamp subject and scope), the applies, the provider's
 * deadline and its escalation, and closing an episode's assessments at discharge. The
 * queries are in assessment_query.c.
 *
 * A submission is held to its trust agreement before the episode is read, so that an
 * assessor with no agreement with the provider learns nothing of the hospital's
 * episodes. An answer or information names an assessment: its check stamps the
 * assessment's scope and stops as soon as the sender turns out to have no relationship
 * with it, so that the broker refuses it FORBIDDEN from the matrix (and audits the
 * refusal) and the sender learns nothing of its state.
 */
#include "assessment_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "access.h"
#include "agreement.h"
#include "care_codes.h"
#include "codec.h"
#include "hd_time.h"
#include "nhs.h"
#include "ods.h"
#include "record.h"

#define RECOMMENDATION_MAX 2000
#define PERSON_MAX 128
#define NEED_MAX 1000
#define HOURS_MAX 168
#define QUESTION_MAX 2000
#define TEXT_MAX 2000
#define INFO_MAX 4000
#define LOCAL_ID_MAX 32

#define AS(name) HUDDLE__ASSESSMENT_STATE__ASSESSMENT_STATE_##name
#define ANSWER(name) HUDDLE__ASSESSMENT_ANSWER__ASSESSMENT_ANSWER_##name
#define SVC(name) HUDDLE__SERVICE_TYPE__SERVICE_TYPE_##name

#define INVALID HUDDLE__REJECT_CODE__REJECT_CODE_INVALID
#define CONFLICT HUDDLE__REJECT_CODE__REJECT_CODE_CONFLICT
#define NOT_FOUND HUDDLE__REJECT_CODE__REJECT_CODE_NOT_FOUND

#define SUBMIT "publish.event.trusted_assessment."
#define RESPOND "publish.event.assessment_response."
#define INFO "publish.event.assessment_info."

/* ---- small helpers -------------------------------------------------------------- */

static bool filled(const char *s)
{
    return s && *s;
}

static size_t len_of(const char *s)
{
    return s ? strlen(s) : 0;
}

static int text_check(const char *s, size_t min, size_t max, const char *field, reject_t *r)
{
    size_t n = len_of(s);
    if (n < min || n > max)
        return min ? reject(r, INVALID, field, "required: 1 to %zu bytes", max)
                   : reject(r, INVALID, field, "at most %zu bytes", max);
    return 0;
}

/* UTF-8 in every string and known enum values, as the codec checks a frame. */
static int payload_check(const ProtobufCMessage *m, const char *path, reject_t *r)
{
    codec_error_t err;
    if (codec_check_message(m, path, &err) != CODEC_OK)
        return reject(r, INVALID, err.field, "%s", err.reason);
    return 0;
}

static int busy(reject_t *r)
{
    reject(r, HUDDLE__REJECT_CODE__REJECT_CODE_BUSY, "", "the assessment could not be read or written now; retry");
    r->retry_after_ms = 1000;
    return -1;
}

/* An apply's store failure: the broker abandons the batch. */
static int failed(reject_t *r, int rc)
{
    reject(r, rc == STORE_EFULL ? HUDDLE__REJECT_CODE__REJECT_CODE_STORE_FULL : HUDDLE__REJECT_CODE__REJECT_CODE_BUSY,
           "", "the assessment could not be written; retry");
    r->retry_after_ms = 1000;
    return -1;
}

/* Replaces a string of a message freed with protobuf-c's free_unpacked. */
static int set_str(char **field, const char *v)
{
    char *copy = filled(v) ? strdup(v) : (char *)protobuf_c_empty_string;
    if (!copy)
        return STORE_ENOMEM;
    if (*field && *field != protobuf_c_empty_string)
        free(*field);
    *field = copy;
    return STORE_OK;
}

static bool date_of(const char *s, int32_t *days)
{
    return filled(s) && hd_date_parse(s, strlen(s), days) == HD_TIME_OK;
}

const char *assessment_state_name(Huddle__AssessmentState s)
{
    return codec_enum_name(&huddle__assessment_state__descriptor, s, "ASSESSMENT_STATE_UNSPECIFIED");
}

/* "awaiting response", for people */
static const char *state_word(Huddle__AssessmentState s, char *buf, size_t len)
{
    return codec_enum_words(&huddle__assessment_state__descriptor, s, "ASSESSMENT_STATE_", ' ', buf, len);
}

static int reject_state(reject_t *r, const char *field, const Huddle__AssessmentRecord *rec, const char *what)
{
    char word[32];
    reject(r, CONFLICT, field, "assessment %s is %s: %s", rec->assessment->assessment_id,
           state_word(rec->state, word, sizeof word), what);
    snprintf(r->current_state, sizeof r->current_state, "%s", assessment_state_name(rec->state));
    snprintf(r->conflicting_id, sizeof r->conflicting_id, "%s", rec->assessment->assessment_id);
    return -1;
}

int assessment_get(store_txn_t *txn, const char *assessment_id, Huddle__AssessmentRecord **out)
{
    *out = NULL;
    size_t n = len_of(assessment_id);
    if (n == 0 || n >= WF_ID_MAX)
        return STORE_ENOTFOUND;
    store_val_t v;
    int rc = store_get(txn, STORE_ASSESSMENTS, assessment_id, n, &v);
    if (rc != STORE_OK)
        return rc;
    *out = huddle__assessment_record__unpack(NULL, v.len, v.data);
    return *out && (*out)->assessment ? STORE_OK : STORE_ECORRUPT;
}

static int assessment_put(store_txn_t *txn, const Huddle__AssessmentRecord *rec, bool insert)
{
    const char *id = rec->assessment->assessment_id;
    return record_put(txn, STORE_ASSESSMENTS, id, strlen(id), &rec->base, insert);
}

/* Whether the matrix lets the sender publish ev as now scoped. Asked here only to stop
 * reading early; the broker asks again and refuses. */
static bool sender_relates(const wf_ctx_t *ctx, const Huddle__Event *ev)
{
    reject_t ignored;
    return !ctx->agent || access_check_publish(ctx->agent, ev, &ignored) == 0;
}

/* Gives ev the subject (patient, assessment, episode) and the scope the broker decides,
 * replacing what the agent put there. 0, or -1 with r filled. */
static int stamp(Huddle__Event *ev, const char *nhs, const char *assessment_id, const char *episode_id,
                 const Huddle__Scope *scope, reject_t *r)
{
    Huddle__Subject s = HUDDLE__SUBJECT__INIT;
    s.nhs_number = (char *)nhs;
    s.assessment_id = (char *)assessment_id;
    s.episode_id = (char *)episode_id;
    Huddle__Subject *subject = record_copy(&s.base);
    Huddle__Scope *copy = record_copy(&scope->base);
    if (!subject || !copy) {
        if (subject)
            huddle__subject__free_unpacked(subject, NULL);
        if (copy)
            huddle__scope__free_unpacked(copy, NULL);
        return busy(r);
    }
    if (ev->subject)
        huddle__subject__free_unpacked(ev->subject, NULL);
    if (ev->scope)
        huddle__scope__free_unpacked(ev->scope, NULL);
    ev->subject = subject;
    ev->scope = copy;
    return 0;
}

/* The event joins the journey when its sender named none (the broker named it after
 * the event's own seq before the rules ran). */
static int join_journey(Huddle__Event *ev, const char *journey, reject_t *r)
{
    char own[32];
    snprintf(own, sizeof own, "seq-%llu", (unsigned long long)ev->seq);
    if (!filled(journey) || !ev->correlation_id || strcmp(ev->correlation_id, own) != 0)
        return 0;
    return set_str(&ev->correlation_id, journey) == STORE_OK ? 0 : busy(r);
}

/* An id the agent put in the subject must be the one the broker finds. */
static int same_subject(const char *agent, const char *broker, const char *field, reject_t *r)
{
    if (!filled(agent) || !strcmp(agent, broker))
        return 0;
    return reject(r, INVALID, field, "does not match the record the event is about");
}

/* ---- submission ----------------------------------------------------------------- */

static int needs_check(const Huddle__Needs *n, reject_t *r)
{
    if (!n)
        return 0;
    const struct {
        const char *field, *value;
    } d[] = {
        {SUBMIT "needs.mobility", n->mobility},       {SUBMIT "needs.transfers", n->transfers},
        {SUBMIT "needs.continence", n->continence},   {SUBMIT "needs.cognition", n->cognition},
        {SUBMIT "needs.behaviour", n->behaviour},     {SUBMIT "needs.skin", n->skin},
        {SUBMIT "needs.medication", n->medication},   {SUBMIT "needs.nursing_needs", n->nursing_needs},
        {SUBMIT "needs.equipment", n->equipment},
    };
    for (size_t i = 0; i < sizeof d / sizeof d[0]; i++)
        if (text_check(d[i].value, 0, NEED_MAX, d[i].field, r))
            return -1;
    return 0;
}

/* "<hospital ODS>:<local id>", as an episode id is written. */
static bool episode_id_ok(const char *id)
{
    size_t n = len_of(id);
    const char *colon = n ? strchr(id, ':') : NULL;
    if (!colon || n >= EPISODE_ID_MAX || ods_code_check(id, (size_t)(colon - id)) != ODS_OK)
        return false;
    return workflow_is_id(colon + 1, LOCAL_ID_MAX, true);
}

static bool at_home(Huddle__ServiceType t)
{
    return t == SVC(HOME_CARE) || t == SVC(REABLEMENT);
}

/* Every field of the submission against its documented range, before any state. */
static int submit_fields(const wf_ctx_t *ctx, const Huddle__Event *ev, reject_t *r)
{
    const Huddle__TrustedAssessment *ta = ev->trusted_assessment;
    if (payload_check(&ta->base, "publish.event.trusted_assessment", r))
        return -1;
    if (!nhs_number_is_valid(ta->nhs_number))
        return reject(r, INVALID, SUBMIT "nhs_number", "required: 10 digits with a valid Modulus 11 check digit");
    if (!episode_id_ok(ta->episode_id))
        return reject(r, INVALID, SUBMIT "episode_id", "required: the episode, \"<hospital ODS>:<local id>\"");
    int orc = ods_code_check(ta->provider_ods, len_of(ta->provider_ods));
    if (orc != ODS_OK)
        return reject(r, INVALID, SUBMIT "provider_ods", "the provider assessed for, an ODS code: %s",
                      ods_strerror(orc));
    if (ta->service_type == SVC(UNSPECIFIED))
        return reject(r, INVALID, SUBMIT "service_type", "required: residential, nursing, home care or reablement");
    if (needs_check(ta->needs, r) || text_check(ta->recommendation, 1, RECOMMENDATION_MAX, SUBMIT "recommendation", r))
        return -1;
    int32_t day = 0;
    if (filled(ta->requested_start_date) && !date_of(ta->requested_start_date, &day))
        return reject(r, INVALID, SUBMIT "requested_start_date",
                      "a real date, YYYY-MM-DD, or empty for as soon as possible");
    if (text_check(ta->assessor_name, 1, PERSON_MAX, SUBMIT "assessor_name", r))
        return -1;
    if (!date_of(ta->assessed_date, &day))
        return reject(r, INVALID, SUBMIT "assessed_date", "required: when the patient was assessed, YYYY-MM-DD");
    if (day > hd_date_from_ms(ctx->now_ms))
        return reject(r, INVALID, SUBMIT "assessed_date", "must not be in the future");
    if (ta->care_hours_per_week > HOURS_MAX)
        return reject(r, INVALID, SUBMIT "care_hours_per_week", "0 to 168 hours");
    if (at_home(ta->service_type) && ta->care_hours_per_week == 0)
        return reject(r, INVALID, SUBMIT "care_hours_per_week", "required for care at home: 1 to 168 hours a week");
    if (!at_home(ta->service_type) && ta->care_hours_per_week != 0)
        return reject(r, INVALID, SUBMIT "care_hours_per_week", "0 for a bedded service");
    const Huddle__Subject *s = ev->subject;
    if (s && (same_subject(s->nhs_number, ta->nhs_number, "publish.event.subject.nhs_number", r) ||
              same_subject(s->episode_id, ta->episode_id, "publish.event.subject.episode_id", r)))
        return -1;
    return 0;
}

/* The episode an assessment is for, as the submission finds it: 0 with *out (the caller
 * frees it), or -1 with r filled. */
static int submit_episode(wf_ctx_t *ctx, const Huddle__TrustedAssessment *ta, const char *org,
                          Huddle__EpisodeRecord **out, reject_t *r)
{
    Huddle__EpisodeRecord *ep = NULL;
    Huddle__AssessmentRecord *open = NULL;
    int rc = episode_get(ctx->txn, ta->episode_id, &ep), ret = -1;
    if (rc == STORE_ENOTFOUND) {
        reject(r, NOT_FOUND, SUBMIT "episode_id", "no such episode");
    } else if (rc != STORE_OK || !ep->current) {
        busy(r);
    } else if (strcmp(ep->current->nhs_number, ta->nhs_number) != 0) {
        reject(r, INVALID, SUBMIT "nhs_number", "is not the patient of this episode");
    } else if (ep->current->status == HUDDLE__EPISODE_STATUS__EPISODE_STATUS_DISCHARGED) {
        reject(r, CONFLICT, SUBMIT "episode_id", "episode %s is discharged: it takes no new assessment",
               ep->episode_id);
        snprintf(r->current_state, sizeof r->current_state, "EPISODE_STATUS_DISCHARGED");
        snprintf(r->conflicting_id, sizeof r->conflicting_id, "%s", ep->episode_id);
    } else if (filled(ep->open_assessment_id)) {
        if (assessment_get(ctx->txn, ep->open_assessment_id, &open) != STORE_OK) {
            busy(r);
        } else if (strcmp(open->assessor_ods, org) != 0) { /* another organisation's is not named to it */
            reject(r, CONFLICT, SUBMIT "episode_id",
                   "the episode already has an open assessment, by another organisation: one at a time");
        } else {
            char word[32];
            reject(r, CONFLICT, SUBMIT "episode_id",
                   "the episode already has an open assessment, %s (%s): one at a time",
                   open->assessment->assessment_id, state_word(open->state, word, sizeof word));
            snprintf(r->current_state, sizeof r->current_state, "%s", assessment_state_name(open->state));
            snprintf(r->conflicting_id, sizeof r->conflicting_id, "%s", open->assessment->assessment_id);
        }
    } else {
        ret = 0;
    }
    if (open)
        huddle__assessment_record__free_unpacked(open, NULL);
    if (ret == 0)
        *out = ep;
    else if (ep)
        huddle__episode_record__free_unpacked(ep, NULL);
    return ret;
}

int assessment_submit_check(wf_ctx_t *ctx, Huddle__Event *ev, reject_t *r)
{
    Huddle__TrustedAssessment *ta = ev->trusted_assessment;
    if (submit_fields(ctx, ev, r))
        return -1;
    const char *org = ctx->agent ? ctx->agent->org_ods : ev->sender_org;
    char agreement_id[WF_ID_MAX];
    int rc = agreement_find_current(ctx->txn, org, ta->provider_ods, ta->service_type, ctx->now_ms,
                                    SUBMIT "provider_ods", agreement_id, r);
    if (rc == -1)
        return -1;
    if (rc != 0)
        return busy(r);
    Huddle__EpisodeRecord *ep;
    if (submit_episode(ctx, ta, org, &ep, r))
        return -1;
    char id[WF_ID_MAX];
    snprintf(id, sizeof id, "A%llu", (unsigned long long)ev->seq);
    const Huddle__Scope *es = ep->scope;
    Huddle__Scope sc = HUDDLE__SCOPE__INIT;
    sc.practice_ods = es ? es->practice_ods : ep->practice_ods;
    sc.neighbourhood_id = es ? es->neighbourhood_id : ep->neighbourhood_id;
    sc.local_authority = es ? es->local_authority : (char *)"";
    sc.hospital_ods = ep->hospital_ods;
    sc.provider_ods = ta->provider_ods;
    sc.assessor_ods = (char *)org;
    int ret = stamp(ev, ta->nhs_number, id, ta->episode_id, &sc, r);
    if (ret == 0 && (set_str(&ta->assessment_id, id) || set_str(&ta->agreement_id, agreement_id)))
        ret = busy(r);
    if (ret == 0)
        ret = join_journey(ev, ep->correlation_id, r);
    huddle__episode_record__free_unpacked(ep, NULL);
    return ret;
}

/* The decline counters of an assessor organisation: one more assessment, or one more
 * decline (of an incomplete assessment, when incomplete). */
static int count(wf_ctx_t *ctx, const char *assessor, bool decline, bool incomplete)
{
    Huddle__DeclineCounter *c = NULL, fresh = HUDDLE__DECLINE_COUNTER__INIT;
    store_val_t v;
    int rc = store_get(ctx->txn, STORE_DECLINES, assessor, strlen(assessor), &v);
    if (rc == STORE_OK && !(c = huddle__decline_counter__unpack(NULL, v.len, v.data)))
        return STORE_ECORRUPT;
    if (rc != STORE_OK && rc != STORE_ENOTFOUND)
        return rc;
    Huddle__DeclineCounter *d = c ? c : &fresh;
    if (!c)
        fresh.assessor_ods = (char *)assessor;
    if (!decline) {
        d->assessments++;
    } else {
        d->declines++;
        if (incomplete) {
            d->count++;
            d->last_decline_at_ms = ctx->now_ms;
        }
    }
    rc = record_put(ctx->txn, STORE_DECLINES, assessor, strlen(assessor), &d->base, false);
    if (c)
        huddle__decline_counter__free_unpacked(c, NULL);
    return rc;
}

/* The provider's clock: an ASSESSMENT_DEADLINE timer at rec->deadline_ms. */
static int set_deadline(wf_ctx_t *ctx, const Huddle__AssessmentRecord *rec, const char *journey)
{
    const Huddle__TrustedAssessment *ta = rec->assessment;
    Huddle__Subject sub = HUDDLE__SUBJECT__INIT;
    sub.nhs_number = ta->nhs_number;
    sub.assessment_id = ta->assessment_id;
    sub.episode_id = ta->episode_id;
    Huddle__TimerRecord t = HUDDLE__TIMER_RECORD__INIT;
    t.kind = HUDDLE__TIMER_KIND__TIMER_KIND_ASSESSMENT_DEADLINE;
    t.due_at_ms = rec->deadline_ms;
    t.subject = &sub;
    t.scope = rec->scope;
    t.to_org_ods = rec->hospital_ods;
    t.correlation_id = (char *)journey;
    return wf_schedule(ctx, &t);
}

int assessment_submit_apply(wf_ctx_t *ctx, Huddle__Event *ev, reject_t *r)
{
    Huddle__TrustedAssessment *ta = ev->trusted_assessment;
    Huddle__AssessmentRecord rec = HUDDLE__ASSESSMENT_RECORD__INIT;
    rec.assessment = ta;
    rec.assessor_agent = ev->sender;
    rec.assessor_ods = ev->scope->assessor_ods;
    rec.state = AS(AWAITING_RESPONSE);
    rec.submitted_at_ms = ctx->now_ms;
    rec.deadline_ms = ctx->now_ms + ctx->cfg->assessment_deadline;
    rec.submit_seq = ev->seq;
    rec.last_seq = ev->seq;
    rec.hospital_ods = ev->scope->hospital_ods;
    rec.updated_at_ms = ctx->now_ms;
    rec.scope = ev->scope;
    snprintf(ctx->assigned_id, sizeof ctx->assigned_id, "%s", ta->assessment_id);

    Huddle__EpisodeRecord *ep = NULL;
    int rc = assessment_put(ctx->txn, &rec, true);
    if (rc == STORE_OK)
        rc = assessment_index_submission(ctx->txn, &rec);
    if (rc == STORE_OK)
        rc = episode_get(ctx->txn, ta->episode_id, &ep);
    if (rc == STORE_OK)
        rc = set_str(&ep->open_assessment_id, ta->assessment_id);
    if (rc == STORE_OK)
        rc = episode_put(ctx->txn, ep);
    if (rc == STORE_OK)
        rc = count(ctx, rec.assessor_ods, false, false);
    if (rc == STORE_OK)
        rc = set_deadline(ctx, &rec, ev->correlation_id);
    if (ep)
        huddle__episode_record__free_unpacked(ep, NULL);
    return rc == STORE_OK ? 0 : failed(r, rc);
}

/* ---- answers and information ------------------------------------------------------ */

/* The journey of an assessment: its submission's correlation id, into out. */
static int journey_of(store_txn_t *txn, const Huddle__AssessmentRecord *rec, char *out, size_t len)
{
    out[0] = '\0';
    store_val_t v;
    int rc = store_event_get(txn, rec->submit_seq, &v);
    if (rc != STORE_OK)
        return rc;
    Huddle__Event *ev = huddle__event__unpack(NULL, v.len, v.data);
    if (!ev)
        return STORE_ECORRUPT;
    snprintf(out, len, "%s", ev->correlation_id);
    huddle__event__free_unpacked(ev, NULL);
    return STORE_OK;
}

/* The assessment an answer or information names (field: its payload's assessment_id):
 * loads it, stamps its subject and scope on ev, and the journey when the agent named
 * none. 0 with *out (the caller frees it); 1 when the sender has no relationship with
 * it, so that the check stops there (*out NULL); -1 with r filled. */
static int assessment_for_event(wf_ctx_t *ctx, Huddle__Event *ev, const char *id, const char *field,
                                Huddle__AssessmentRecord **out, reject_t *r)
{
    *out = NULL;
    if (!workflow_is_id(id, WF_ID_MAX - 1, false))
        return reject(r, INVALID, field, "required: an assessment id");
    const Huddle__Subject *s = ev->subject;
    if (s && same_subject(s->assessment_id, id, "publish.event.subject.assessment_id", r))
        return -1;
    Huddle__AssessmentRecord *rec;
    int rc = assessment_get(ctx->txn, id, &rec);
    if (rc == STORE_ENOTFOUND)
        return reject(r, NOT_FOUND, field, "no assessment with this id");
    if (rc != STORE_OK)
        return busy(r);
    const Huddle__TrustedAssessment *ta = rec->assessment;
    char journey[72];
    int ret = 0;
    /* a patient or episode the agent named that is not the assessment's is refused only
     * once the sender is known to relate to it: nobody else learns whose it is */
    reject_t wrong;
    bool named_wrong =
        s && (same_subject(s->nhs_number, ta->nhs_number, "publish.event.subject.nhs_number", &wrong) ||
              same_subject(s->episode_id, ta->episode_id, "publish.event.subject.episode_id", &wrong));
    if (!rec->scope)
        ret = busy(r);
    else if (stamp(ev, ta->nhs_number, ta->assessment_id, ta->episode_id, rec->scope, r))
        ret = -1;
    else if (!sender_relates(ctx, ev))
        ret = 1;
    else if (named_wrong)
        ret = -1, *r = wrong;
    else if (journey_of(ctx->txn, rec, journey, sizeof journey) != STORE_OK)
        ret = busy(r);
    else
        ret = join_journey(ev, journey, r);
    if (ret != 0) {
        huddle__assessment_record__free_unpacked(rec, NULL);
        return ret;
    }
    *out = rec;
    return 0;
}

/* The answer's own fields, before any state is read. */
static int respond_fields(const wf_ctx_t *ctx, const Huddle__AssessmentResponse *p, reject_t *r)
{
    if (payload_check(&p->base, "publish.event.assessment_response", r))
        return -1;
    Huddle__AssessmentAnswer a = p->answer;
    if (a == ANSWER(UNSPECIFIED))
        return reject(r, INVALID, RESPOND "answer", "required: ACCEPT, REQUEST_INFO or DECLINE");
    int32_t day = 0;
    if (a == ANSWER(ACCEPT) && !date_of(p->start_date, &day))
        return reject(r, INVALID, RESPOND "start_date", "required to accept: when care can start, YYYY-MM-DD");
    if (a == ANSWER(ACCEPT) && day < hd_date_from_ms(ctx->now_ms))
        return reject(r, INVALID, RESPOND "start_date", "must not be in the past");
    if (a != ANSWER(ACCEPT) && filled(p->start_date))
        return reject(r, INVALID, RESPOND "start_date", "only with ACCEPT");
    if (a == ANSWER(REQUEST_INFO) && text_check(p->question, 1, QUESTION_MAX, RESPOND "question", r))
        return -1;
    if (a != ANSWER(REQUEST_INFO) && filled(p->question))
        return reject(r, INVALID, RESPOND "question", "only with REQUEST_INFO");
    if (a == ANSWER(DECLINE) && p->decline_reason == HUDDLE__DECLINE_REASON__DECLINE_REASON_UNSPECIFIED)
        return reject(r, INVALID, RESPOND "decline_reason",
                      "required to decline: NO_CAPACITY, NEEDS_EXCEED_REGISTRATION, ASSESSMENT_INCOMPLETE or OTHER");
    if (a != ANSWER(DECLINE) && p->decline_reason != HUDDLE__DECLINE_REASON__DECLINE_REASON_UNSPECIFIED)
        return reject(r, INVALID, RESPOND "decline_reason", "only with DECLINE");
    bool other = a == ANSWER(DECLINE) && p->decline_reason == HUDDLE__DECLINE_REASON__DECLINE_REASON_OTHER;
    if (text_check(p->text, other ? 1 : 0, TEXT_MAX, RESPOND "text", r))
        return -1;
    return text_check(p->responder_name, 0, PERSON_MAX, RESPOND "responder_name", r);
}

int assessment_respond_check(wf_ctx_t *ctx, Huddle__Event *ev, reject_t *r)
{
    const Huddle__AssessmentResponse *p = ev->assessment_response;
    if (respond_fields(ctx, p, r))
        return -1;
    Huddle__AssessmentRecord *rec;
    int rc = assessment_for_event(ctx, ev, p->assessment_id, RESPOND "assessment_id", &rec, r);
    if (rc != 0)
        return rc < 0 ? -1 : 0;
    if (rec->state != AS(AWAITING_RESPONSE))
        rc = reject_state(r, RESPOND "assessment_id", rec,
                          rec->state == AS(INFO_REQUESTED) ? "it awaits the assessor's information, not an answer"
                                                           : "it has been settled");
    huddle__assessment_record__free_unpacked(rec, NULL);
    return rc;
}

/* A final answer: the episode has no open assessment any more and, once accepted, the
 * provider as its own (so that the provider may report the placement). */
static int settle_episode(wf_ctx_t *ctx, const Huddle__AssessmentRecord *rec, bool accepted)
{
    const Huddle__TrustedAssessment *ta = rec->assessment;
    Huddle__EpisodeRecord *ep = NULL;
    int rc = episode_get(ctx->txn, ta->episode_id, &ep);
    if (rc != STORE_OK)
        return rc == STORE_ENOTFOUND ? STORE_OK : rc;
    if (!strcmp(ep->open_assessment_id, ta->assessment_id))
        rc = set_str(&ep->open_assessment_id, "");
    if (rc == STORE_OK && accepted && !ep->scope) {
        if (!(ep->scope = malloc(sizeof *ep->scope)))
            rc = STORE_ENOMEM;
        else
            huddle__scope__init(ep->scope);
    }
    if (rc == STORE_OK && accepted)
        rc = set_str(&ep->scope->provider_ods, ta->provider_ods);
    if (rc == STORE_OK)
        rc = episode_put(ctx->txn, ep);
    huddle__episode_record__free_unpacked(ep, NULL);
    return rc;
}

int assessment_respond_apply(wf_ctx_t *ctx, Huddle__Event *ev, reject_t *r)
{
    const Huddle__AssessmentResponse *p = ev->assessment_response;
    Huddle__AssessmentRecord *rec = NULL;
    Huddle__AssessmentResponse *copy = NULL;
    int rc = assessment_get(ctx->txn, p->assessment_id, &rec);
    if (rc == STORE_OK && !(copy = record_copy(&p->base)))
        rc = STORE_ENOMEM;
    if (rc == STORE_OK) {
        if (rec->response)
            huddle__assessment_response__free_unpacked(rec->response, NULL);
        rec->response = copy;
        rec->responded_at_ms = ctx->now_ms;
        rec->updated_at_ms = ctx->now_ms;
        rec->last_seq = ev->seq;
        rec->deadline_ms = 0; /* settled, or the clock stops until the assessor answers */
        rc = set_str(&rec->responder_agent, ev->sender);
    }
    if (rc == STORE_OK) {
        switch (p->answer) {
        case ANSWER(ACCEPT):
            rec->state = AS(ACCEPTED);
            rc = settle_episode(ctx, rec, true);
            if (rc == STORE_OK)
                rc = assessment_index_settled(ctx->txn, rec);
            break;
        case ANSWER(DECLINE):
            rec->state = AS(DECLINED);
            rc = settle_episode(ctx, rec, false);
            if (rc == STORE_OK)
                rc = assessment_index_settled(ctx->txn, rec);
            if (rc == STORE_OK)
                rc = count(ctx, rec->assessor_ods, true,
                           p->decline_reason == HUDDLE__DECLINE_REASON__DECLINE_REASON_ASSESSMENT_INCOMPLETE);
            break;
        default:
            rec->state = AS(INFO_REQUESTED);
            rec->info_requests++;
            break;
        }
    }
    if (rc == STORE_OK)
        rc = assessment_put(ctx->txn, rec, false);
    if (rec)
        huddle__assessment_record__free_unpacked(rec, NULL);
    return rc == STORE_OK ? 0 : failed(r, rc);
}

int assessment_info_check(wf_ctx_t *ctx, Huddle__Event *ev, reject_t *r)
{
    const Huddle__AssessmentInfo *p = ev->assessment_info;
    if (payload_check(&p->base, "publish.event.assessment_info", r) ||
        text_check(p->answer, 1, INFO_MAX, INFO "answer", r))
        return -1;
    Huddle__AssessmentRecord *rec;
    int rc = assessment_for_event(ctx, ev, p->assessment_id, INFO "assessment_id", &rec, r);
    if (rc != 0)
        return rc < 0 ? -1 : 0;
    if (rec->state != AS(INFO_REQUESTED))
        rc = reject_state(r, INFO "assessment_id", rec, "information is given only when the provider asks for it");
    huddle__assessment_record__free_unpacked(rec, NULL);
    return rc;
}

int assessment_info_apply(wf_ctx_t *ctx, Huddle__Event *ev, reject_t *r)
{
    const Huddle__AssessmentInfo *p = ev->assessment_info;
    Huddle__AssessmentRecord *rec = NULL;
    int rc = assessment_get(ctx->txn, p->assessment_id, &rec);
    if (rc == STORE_OK) {
        rec->state = AS(AWAITING_RESPONSE);
        rec->deadline_ms = ctx->now_ms + ctx->cfg->assessment_deadline; /* the provider's clock starts again */
        rec->escalated = 0;
        rec->info_replies++;
        rec->updated_at_ms = ctx->now_ms;
        rec->last_seq = ev->seq;
        rc = set_str(&rec->last_info, p->answer);
    }
    if (rc == STORE_OK)
        rc = assessment_put(ctx->txn, rec, false);
    if (rc == STORE_OK)
        rc = set_deadline(ctx, rec, ev->correlation_id);
    if (rec)
        huddle__assessment_record__free_unpacked(rec, NULL);
    return rc == STORE_OK ? 0 : failed(r, rc);
}

/* ---- the provider's deadline ---------------------------------------------------- */

/* "24 hours", "90 minutes": a configured wait, for people. */
static void wait_words(int64_t ms, char *buf, size_t len)
{
    const int64_t hour = HD_MS_PER_DAY / 24, minute = hour / 60;
    if (ms % hour == 0)
        snprintf(buf, len, "%lld hours", (long long)(ms / hour));
    else
        snprintf(buf, len, "%lld minutes", (long long)(ms / minute));
}

int assessment_fire_deadline(wf_ctx_t *ctx, const Huddle__TimerRecord *t)
{
    if (!t->subject || !filled(t->subject->assessment_id))
        return STORE_OK;
    Huddle__AssessmentRecord *rec = NULL;
    int rc = assessment_get(ctx->txn, t->subject->assessment_id, &rec);
    if (rc != STORE_OK)
        return rc == STORE_ENOTFOUND ? STORE_OK : rc;
    /* the wait this timer was set for, not one reopened by information since, and once */
    if (rec->state != AS(AWAITING_RESPONSE) || rec->deadline_ms != t->due_at_ms || rec->escalated) {
        huddle__assessment_record__free_unpacked(rec, NULL);
        return STORE_OK;
    }
    const Huddle__TrustedAssessment *ta = rec->assessment;
    Huddle__Event ev = HUDDLE__EVENT__INIT;
    Huddle__Escalation e = HUDDLE__ESCALATION__INIT;
    Huddle__Subject sub = HUDDLE__SUBJECT__INIT;
    sub.nhs_number = ta->nhs_number;
    sub.assessment_id = ta->assessment_id;
    sub.episode_id = ta->episode_id;
    ev.kind = HUDDLE__EVENT_KIND__EVENT_KIND_ESCALATION_RAISED;
    ev.subject = &sub;
    ev.scope = rec->scope;
    ev.occurred_at_ms = t->due_at_ms;
    ev.payload_case = HUDDLE__EVENT__PAYLOAD_ESCALATION;
    ev.escalation = &e;
    e.reason = HUDDLE__ESCALATION_REASON__ESCALATION_REASON_ASSESSMENT_NO_ANSWER;
    e.timer_kind = t->kind;
    e.to_role = HUDDLE__ROLE__ROLE_DISCHARGE_HUB;
    e.to_org_ods = rec->hospital_ods;
    e.days_waiting = ctx->now_ms > rec->submitted_at_ms
                         ? (uint32_t)((ctx->now_ms - rec->submitted_at_ms) / HD_MS_PER_DAY)
                         : 0;
    e.overdue_since_ms = t->due_at_ms;
    char wait[32], text[300];
    wait_words(ctx->cfg->assessment_deadline, wait, sizeof wait);
    snprintf(text, sizeof text, "Trusted assessment %s (%s) has had no answer from provider %s within %s%s",
             ta->assessment_id, care_service_label(ta->service_type), ta->provider_ods, wait,
             rec->info_replies ? " of the assessor's information" : " of its submission");
    e.text = text;
    rc = wf_emit(ctx, &ev, NULL);
    if (rc == STORE_OK) {
        rec->escalated = 1;
        rc = assessment_put(ctx->txn, rec, false);
    }
    huddle__assessment_record__free_unpacked(rec, NULL);
    return rc;
}

/* ---- discharge ----------------------------------------------------------------- */

typedef struct {
    char (*ids)[WF_ID_MAX];
    size_t n, cap;
} ids_t;

static int collect_id(const store_val_t *key, const store_val_t *val, void *arg)
{
    (void)key;
    ids_t *l = arg;
    if (val->len == 0 || val->len >= WF_ID_MAX)
        return STORE_ECORRUPT;
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 8;
        char(*v)[WF_ID_MAX] = realloc(l->ids, cap * sizeof *v);
        if (!v)
            return STORE_ENOMEM;
        l->ids = v;
        l->cap = cap;
    }
    memcpy(l->ids[l->n], val->data, val->len);
    l->ids[l->n++][val->len] = '\0';
    return 0;
}

int assessment_episode_discharged(wf_ctx_t *ctx, Huddle__EpisodeRecord *ep)
{
    uint8_t prefix[ASSESSMENT_INDEX_KEY_MAX];
    size_t plen = assessment_index_key(prefix, ep->episode_id, 0);
    ids_t l = {NULL, 0, 0};
    int rc = plen ? store_scan(ctx->txn, STORE_ASSESSMENT_BY_EPISODE, prefix, plen, plen, collect_id, &l) : 0;
    rc = rc > 0 ? STORE_OK : rc;
    for (size_t i = 0; rc == STORE_OK && i < l.n; i++) {
        Huddle__AssessmentRecord *rec = NULL;
        rc = assessment_get(ctx->txn, l.ids[i], &rec);
        if (rc == STORE_OK && (rec->state == AS(AWAITING_RESPONSE) || rec->state == AS(INFO_REQUESTED))) {
            rec->state = AS(CLOSED);
            rec->deadline_ms = 0;
            rec->updated_at_ms = ctx->now_ms;
            if (ctx->cause_seq)
                rec->last_seq = ctx->cause_seq;
            rc = assessment_put(ctx->txn, rec, false);
            if (rc == STORE_OK)
                rc = assessment_index_settled(ctx->txn, rec);
        }
        if (rec)
            huddle__assessment_record__free_unpacked(rec, NULL);
    }
    free(l.ids);
    if (rc == STORE_OK)
        rc = set_str(&ep->open_assessment_id, "");
    return rc;
}
