/*
 * tu_assessment — what the trust agreement and trusted-assessment tests share: the
 * agents of two hospitals (RXH, RYJ), their assessors and hubs, two care providers
 * (VN123, a nursing home; HC456, home care), Admin frames, agreements, episodes their
 * hospital's hub publishes (tu_episode_pub.h), publishing each assessment kind, and
 * reading the store.
 */
#ifndef HUDDLE_TU_ASSESSMENT_H
#define HUDDLE_TU_ASSESSMENT_H

#include "tu_inproc.h"
#include "tu_episode_pub.h"

#include "agreement.h"
#include "assessment.h"
#include "episode.h"
#include "nhs.h"
#include "record.h"

#define S(literal) ((char *)(literal))
#define HOUR_MS INT64_C(3600000)
#define DAY_MS INT64_C(86400000)
#define T0 INT64_C(1800000000000) /* 2027-01-15T08:00:00Z */
#define TODAY "2027-01-15"

#define KIND(name) HUDDLE__EVENT_KIND__EVENT_KIND_##name
#define CODE(name) HUDDLE__REJECT_CODE__REJECT_CODE_##name
#define SVC(name) HUDDLE__SERVICE_TYPE__SERVICE_TYPE_##name
#define AS(name) HUDDLE__ASSESSMENT_STATE__ASSESSMENT_STATE_##name
#define ANSWER(name) HUDDLE__ASSESSMENT_ANSWER__ASSESSMENT_ANSWER_##name
#define DECLINE_FOR(name) HUDDLE__DECLINE_REASON__DECLINE_REASON_##name
#define EP(name) HUDDLE__EPISODE_STATUS__EPISODE_STATUS_##name

static tu_agent_t agents[] = {
    {.id = "ops", .role = HUDDLE__ROLE__ROLE_ADMIN, .org = "X26"},
    {.id = "ta-rxh", .role = HUDDLE__ROLE__ROLE_TRUSTED_ASSESSOR, .org = "RXH", .hospital = "RXH"},
    {.id = "ta-rxh2", .role = HUDDLE__ROLE__ROLE_TRUSTED_ASSESSOR, .org = "RXH", .hospital = "RXH"},
    {.id = "ta-ryj", .role = HUDDLE__ROLE__ROLE_TRUSTED_ASSESSOR, .org = "RYJ", .hospital = "RYJ"},
    {.id = "cp-vn", .role = HUDDLE__ROLE__ROLE_CARE_PROVIDER, .org = "VN123"},
    {.id = "cp-vn2", .role = HUDDLE__ROLE__ROLE_CARE_PROVIDER, .org = "VN123"},
    {.id = "cp-hc", .role = HUDDLE__ROLE__ROLE_CARE_PROVIDER, .org = "HC456"},
    {.id = "hub-rxh", .role = HUDDLE__ROLE__ROLE_DISCHARGE_HUB, .org = "RXH", .hospital = "RXH"},
    {.id = "hub-ryj", .role = HUDDLE__ROLE__ROLE_DISCHARGE_HUB, .org = "RYJ", .hospital = "RYJ"},
    {.id = "gp-a81001", .role = HUDDLE__ROLE__ROLE_GP_PRACTICE, .org = "A81001"},
    {.id = "auditor", .role = HUDDLE__ROLE__ROLE_AUDITOR, .org = "X26"},
};

static int setup(void **state)
{
    *state = fx_new(agents, sizeof agents / sizeof agents[0]);
    return 0;
}

/* The i-th valid NHS number of the tests, into out. */
static inline char *nhs(unsigned i, char out[NHS_NUMBER_BUF])
{
    return tu_nhs_at(600000000u + i * 17u, out);
}

/* Midday UTC of a YYYY-MM-DD. */
static inline int64_t midday(const char *date)
{
    int32_t d;
    assert_int_equal(hd_date_parse(date, strlen(date), &d), HD_TIME_OK);
    return hd_date_to_ms(d) + 12 * HOUR_MS;
}

/* ---- Admin frames and agreements ---------------------------------------------- */

/* Sends cmd as rid and returns the reply (the caller frees it). */
__attribute__((noinline, unused)) static Huddle__Frame *admin(fx_t *f, const char *rid, Huddle__Admin *cmd)
{
    Huddle__Frame fr = HUDDLE__FRAME__INIT;
    fr.body_case = HUDDLE__FRAME__BODY_ADMIN;
    fr.admin = cmd;
    return fx_request(f, rid, &fr);
}

/* An agreement to vary; services points at up to 4 entries the caller keeps. */
static inline Huddle__TrustAgreement agreement(const char *id, const char *assessor, const char *provider,
                                               Huddle__ServiceType *services, size_t n, const char *from,
                                               const char *to)
{
    Huddle__TrustAgreement a = HUDDLE__TRUST_AGREEMENT__INIT;
    a.agreement_id = (char *)id;
    a.assessor_ods = (char *)assessor;
    a.provider_ods = (char *)provider;
    a.n_service_types = n;
    a.service_types = services;
    a.valid_from_date = (char *)from;
    a.valid_to_date = (char *)to;
    return a;
}

/* Admin agreement_add of a as rid: the reply (the caller frees it). */
static inline Huddle__Frame *admin_add(fx_t *f, const char *rid, Huddle__TrustAgreement *a)
{
    Huddle__Admin cmd = HUDDLE__ADMIN__INIT;
    Huddle__TrustAgreementAdd add = HUDDLE__TRUST_AGREEMENT_ADD__INIT;
    add.agreement = a;
    cmd.command_case = HUDDLE__ADMIN__COMMAND_AGREEMENT_ADD;
    cmd.agreement_add = &add;
    return admin(f, rid, &cmd);
}

static inline Huddle__Frame *admin_revoke(fx_t *f, const char *rid, const char *id, const char *reason)
{
    Huddle__Admin cmd = HUDDLE__ADMIN__INIT;
    Huddle__TrustAgreementRevoke rv = HUDDLE__TRUST_AGREEMENT_REVOKE__INIT;
    rv.agreement_id = (char *)id;
    rv.reason = (char *)reason;
    cmd.command_case = HUDDLE__ADMIN__COMMAND_AGREEMENT_REVOKE;
    cmd.agreement_revoke = &rv;
    return admin(f, rid, &cmd);
}

/* An ADMIN answer, or the test fails naming the refusal. */
__attribute__((noinline, unused)) static void admin_ok(Huddle__Frame *r)
{
    if (r->body_case != HUDDLE__FRAME__BODY_ANSWER)
        fail_msg("expected an answer, got body %d (%s: %s)", r->body_case,
                 r->body_case == HUDDLE__FRAME__BODY_REJECTED ? r->rejected->field : "",
                 r->body_case == HUDDLE__FRAME__BODY_REJECTED ? r->rejected->reason : "");
    assert_int_equal(r->answer->result_case, HUDDLE__ANSWER__RESULT_ADMIN);
}

/* A Rejected with this code and field. */
__attribute__((noinline, unused)) static void refused(Huddle__Frame *r, Huddle__RejectCode code, const char *field)
{
    if (r->body_case != HUDDLE__FRAME__BODY_REJECTED)
        fail_msg("expected a refusal at %s, got body %d", field, r->body_case);
    if (r->rejected->code != code || strcmp(r->rejected->field, field) != 0)
        fail_msg("expected code %d at %s, got %d at %s (%s)", code, field, r->rejected->code, r->rejected->field,
                 r->rejected->reason);
    assert_true(r->rejected->reason[0] != '\0');
}

/* Records the agreement RXH assesses for VN123 under (residential and nursing, from
 * 2026-01-01, open-ended) and HC456's (home care and reablement), through ops. */
static inline void standard_agreements(fx_t *f)
{
    Huddle__ServiceType bedded[] = {SVC(RESIDENTIAL), SVC(NURSING)};
    Huddle__ServiceType home[] = {SVC(HOME_CARE), SVC(REABLEMENT)};
    Huddle__TrustAgreement a = agreement("TA-VN", "RXH", "VN123", bedded, 2, "2026-01-01", "");
    Huddle__Frame *r = admin_add(f, "ops", &a);
    admin_ok(r);
    codec_frame_free(&r);
    a = agreement("TA-HC", "RXH", "HC456", home, 2, "2026-01-01", "");
    r = admin_add(f, "ops", &a);
    admin_ok(r);
    codec_frame_free(&r);
}

/* ---- episodes ----------------------------------------------------------------- */

/* Episode id ("<hospital>:<local id>") of patient as its hospital's hub, on session hub,
 * publishes it: admitted to Ward 7 three days before T0, registered with A81001
 * (nb-north), on the hub's journey "journey-<id>". Past NOT_READY the patient has been
 * ready since the day before T0, on pathway 1 when awaiting a care package and 3
 * otherwise; DISCHARGED is discharged now (the broker's clock). Stored, not a retry. */
static inline void hub_update(fx_t *f, const char *hub, const char *id, const char *patient,
                              Huddle__EpisodeStatus status)
{
    const char *colon = strchr(id, ':');
    assert_non_null(colon);
    char hospital[16], journey[64], msgid[64];
    snprintf(hospital, sizeof hospital, "%.*s", (int)(colon - id), id);
    snprintf(journey, sizeof journey, "journey-%s", id);
    snprintf(msgid, sizeof msgid, "update-%s-%d", id, (int)status);
    Huddle__Pathway pathway =
        status == EP(AWAITING_CARE_PACKAGE) ? HUDDLE__PATHWAY__PATHWAY_1 : HUDDLE__PATHWAY__PATHWAY_3;
    tu_episode_t t;
    tu_episode(&t, hospital, colon + 1, patient, "A81001", T0 - 3 * DAY_MS);
    if (status != EP(NOT_READY))
        tu_episode_ready(&t, "2027-01-14", status, pathway, "");
    if (status == EP(DISCHARGED))
        tu_episode_discharged(&t, broker_now(f->b), pathway);
    t.ev.message_id = msgid;
    t.ev.correlation_id = journey;
    Huddle__Frame *a = fx_accepted(f, hub, fx_publish(f, hub, &t.ev));
    assert_false(a->accepted->duplicate);
    codec_frame_free(&a);
}

/* An episode's record now. */
FX_RECORD(episode, Huddle__EpisodeRecord, episode_get)

/* ---- publishing ------------------------------------------------------------------- */

/* A valid assessment of patient for episode, on behalf of VN123 (nursing home): every
 * needs domain filled, assessed today. */
static inline Huddle__TrustedAssessment good_assessment(const char *patient, const char *episode_id,
                                                        Huddle__Needs *needs)
{
    Huddle__Needs n = HUDDLE__NEEDS__INIT;
    n.mobility = S("Walks 10 m with a frame; two falls this year");
    n.transfers = S("Assistance of one with stand aid");
    n.continence = S("Urinary incontinence, pads day and night");
    n.cognition = S("Moderate dementia; lacks capacity for the placement decision");
    n.behaviour = S("Distressed in the evenings");
    n.skin = S("Waterlow 18; grade 2 sacral pressure ulcer");
    n.medication = S("Needs administration; insulin twice daily");
    n.nursing_needs = S("Wound care, insulin");
    n.equipment = S("Pressure-relieving mattress");
    *needs = n;
    Huddle__TrustedAssessment ta = HUDDLE__TRUSTED_ASSESSMENT__INIT;
    ta.nhs_number = (char *)patient;
    ta.episode_id = (char *)episode_id;
    ta.provider_ods = S("VN123");
    ta.service_type = SVC(NURSING);
    ta.needs = needs;
    ta.recommendation = S("Nursing home placement; needs cannot be met at home");
    ta.assessor_name = S("J Smith, trusted assessor (OT)");
    ta.assessed_date = S(TODAY);
    return ta;
}

static inline uint64_t publish_assessment(fx_t *f, const char *rid, const char *msgid, Huddle__TrustedAssessment *ta)
{
    Huddle__Event ev = HUDDLE__EVENT__INIT;
    ev.message_id = (char *)msgid;
    ev.kind = KIND(ASSESSMENT_SUBMITTED);
    ev.payload_case = HUDDLE__EVENT__PAYLOAD_TRUSTED_ASSESSMENT;
    ev.trusted_assessment = ta;
    return fx_publish(f, rid, &ev);
}

static inline uint64_t publish_response(fx_t *f, const char *rid, const char *msgid, Huddle__AssessmentResponse *p)
{
    Huddle__Event ev = HUDDLE__EVENT__INIT;
    ev.message_id = (char *)msgid;
    ev.kind = KIND(ASSESSMENT_RESPONDED);
    ev.payload_case = HUDDLE__EVENT__PAYLOAD_ASSESSMENT_RESPONSE;
    ev.assessment_response = p;
    return fx_publish(f, rid, &ev);
}

/* An answer to assessment id: ACCEPT from today, REQUEST_INFO with a question, or
 * DECLINE for reason (OTHER with a text). */
static inline Huddle__AssessmentResponse response(const char *id, Huddle__AssessmentAnswer a,
                                                  Huddle__DeclineReason reason)
{
    Huddle__AssessmentResponse p = HUDDLE__ASSESSMENT_RESPONSE__INIT;
    p.assessment_id = (char *)id;
    p.answer = a;
    if (a == ANSWER(ACCEPT))
        p.start_date = S(TODAY);
    if (a == ANSWER(REQUEST_INFO))
        p.question = S("Is the pressure ulcer healing? Latest wound chart please.");
    p.decline_reason = reason;
    if (reason == DECLINE_FOR(OTHER))
        p.text = S("Home closing to admissions for refurbishment");
    p.responder_name = S("A Patel, registered manager");
    return p;
}

static inline uint64_t publish_info(fx_t *f, const char *rid, const char *msgid, const char *id, const char *answer)
{
    Huddle__Event ev = HUDDLE__EVENT__INIT;
    Huddle__AssessmentInfo in = HUDDLE__ASSESSMENT_INFO__INIT;
    in.assessment_id = (char *)id;
    in.answer = (char *)answer;
    ev.message_id = (char *)msgid;
    ev.kind = KIND(ASSESSMENT_INFO_PROVIDED);
    ev.payload_case = HUDDLE__EVENT__PAYLOAD_ASSESSMENT_INFO;
    ev.assessment_info = &in;
    return fx_publish(f, rid, &ev);
}

/* Commits and checks a FORBIDDEN for rid whose reason says `says`. */
__attribute__((noinline, unused)) static void expect_forbidden(fx_t *f, const char *rid, const char *field,
                                                               const char *says)
{
    broker_commit(f->b);
    Huddle__Frame *fr = expect(f, rid, HUDDLE__FRAME__BODY_REJECTED);
    if (fr->rejected->code != CODE(FORBIDDEN) || strcmp(fr->rejected->field, field) != 0 ||
        (says && !strstr(fr->rejected->reason, says)))
        fail_msg("expected FORBIDDEN at %s saying \"%s\", got %d at %s: %s", field, says ? says : "",
                 fr->rejected->code, fr->rejected->field, fr->rejected->reason);
    codec_frame_free(&fr);
}

/* Submits ta as rid; id gets the assessment id ("A<seq>"). */
static inline void submit_as(fx_t *f, const char *rid, const char *msgid, Huddle__TrustedAssessment *ta,
                             char id[WF_ID_MAX])
{
    Huddle__Frame *a = fx_accepted(f, rid, publish_assessment(f, rid, msgid, ta));
    char want[WF_ID_MAX];
    snprintf(want, sizeof want, "A%llu", (unsigned long long)a->accepted->seq);
    assert_string_equal(a->accepted->assigned_id, want);
    snprintf(id, WF_ID_MAX, "%s", want);
    codec_frame_free(&a);
}

/* Episode "RXH:<local>" of the i-th patient, awaiting placement, from RXH's hub
 * (session "hub"), and a good assessment of it submitted as ta-rxh (session "ta"). */
static inline void assessed(fx_t *f, unsigned i, const char *local, char patient[NHS_NUMBER_BUF],
                            char id[WF_ID_MAX])
{
    char episode_id[64], msgid[32];
    snprintf(episode_id, sizeof episode_id, "RXH:%s", local);
    snprintf(msgid, sizeof msgid, "ta-%s", local);
    hub_update(f, "hub", episode_id, nhs(i, patient), EP(AWAITING_PLACEMENT));
    Huddle__Needs n;
    Huddle__TrustedAssessment ta = good_assessment(patient, episode_id, &n);
    submit_as(f, "ta", msgid, &ta, id);
}

/* An assessment's record and its state now. */
FX_RECORD(record, Huddle__AssessmentRecord, assessment_get)
FX_RECORD_FIELD(state_of, record, Huddle__AssessmentRecord, Huddle__AssessmentState, state)

/* The decline counter of an assessor organisation (zeros when it has none). */
static inline Huddle__DeclineCounter counter_of(fx_t *f, const char *assessor)
{
    Huddle__DeclineCounter c = HUDDLE__DECLINE_COUNTER__INIT;
    store_txn_t *r;
    store_val_t v;
    assert_int_equal(store_read_begin(f->store, &r), STORE_OK);
    if (store_get(r, STORE_DECLINES, assessor, strlen(assessor), &v) == STORE_OK) {
        Huddle__DeclineCounter *d = huddle__decline_counter__unpack(NULL, v.len, v.data);
        assert_non_null(d);
        c.count = d->count;
        c.assessments = d->assessments;
        c.declines = d->declines;
        c.last_decline_at_ms = d->last_decline_at_ms;
        huddle__decline_counter__free_unpacked(d, NULL);
    }
    store_txn_end(&r);
    return c;
}

/* Events of this kind in the log (about assessment id, unless NULL). */
static inline unsigned count_kind(fx_t *f, Huddle__EventKind kind, const char *id)
{
    return count_about(f, kind, offsetof(Huddle__Subject, assessment_id), id);
}

/* ---- queries ---------------------------------------------------------------------- */

/* Sends q as rid and returns the reply, Answer or Rejected (the caller frees it). */
__attribute__((noinline, unused)) static Huddle__Frame *query_as(fx_t *f, const char *rid, Huddle__Query *q)
{
    return fx_query(f, rid, q);
}

/* The audit records of one kind of access, as the auditor reads the trail. */
__attribute__((noinline, unused)) static unsigned audited(fx_t *f, Huddle__AuditPurpose purpose, const char *patient,
                                                          const char *desc)
{
    Huddle__Query q = HUDDLE__QUERY__INIT;
    q.kind = HUDDLE__QUERY_KIND__QUERY_KIND_AUDIT_TRAIL;
    q.purpose = S("assessment review");
    q.nhs_number = (char *)(patient ? patient : "");
    q.limit = 1000;
    Huddle__Frame *r = query_as(f, "aud", &q);
    assert_int_equal(r->body_case, HUDDLE__FRAME__BODY_ANSWER);
    unsigned n = 0;
    const Huddle__AuditTrail *t = r->answer->audit_trail;
    for (size_t i = 0; i < t->n_records; i++)
        n += t->records[i]->purpose == purpose && (!desc || strstr(t->records[i]->description, desc));
    codec_frame_free(&r);
    return n;
}

#endif
