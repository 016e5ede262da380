/*
 * test_assessment — the trusted-assessment workflow (broker/assessment.c) through the
 * broker's core in process: a submission and every field it checks, the trust
 * agreement it relies on, the episode it is for (one open assessment at a time, none
 * once discharged), each answer (ACCEPT; REQUEST_INFO, then the assessor's information,
 * then ACCEPT; DECLINE for each reason) and who may give it, the decline counters, the
 * provider's deadline escalated to the hub on time, once, across a restart and afresh
 * after information, and the hub's discharge update closing what is still open. The
 * queries are in test_assessment_query.c.
 */
#include "tu_assessment.h"

/* Says Hello as the agents most tests use, at T0, with the standard agreements. */
static void hellos(fx_t *f)
{
    hello(f, "ops", "ops");
    hello(f, "ta", "ta-rxh");
    hello(f, "ta2", "ta-rxh2");
    hello(f, "taj", "ta-ryj");
    hello(f, "vn", "cp-vn");
    hello(f, "vn2", "cp-vn2");
    hello(f, "hc", "cp-hc");
    hello(f, "hub", "hub-rxh");
    hello(f, "hubj", "hub-ryj");
    fx_clock(f, "ops", T0, 0);
    standard_agreements(f);
}

/* ---- submission ---- */

static void test_submit_accepted(void **state)
{
    fx_t *f = *state;
    hellos(f);
    char p[NHS_NUMBER_BUF], id[WF_ID_MAX];
    hub_update(f, "hub", "RXH:E1", nhs(1, p), EP(AWAITING_PLACEMENT));
    Huddle__Needs n;
    Huddle__TrustedAssessment ta = good_assessment(p, "RXH:E1", &n);
    ta.assessment_id = S("A999"); /* the broker's to assign */
    submit_as(f, "ta", "sub-1", &ta, id);
    /* a retry is told the same assessment, and stores nothing */
    Huddle__Frame *a = fx_accepted(f, "ta", publish_assessment(f, "ta", "sub-1", &ta));
    assert_true(a->accepted->duplicate);
    assert_string_equal(a->accepted->assigned_id, id);
    uint64_t seq = a->accepted->seq;
    codec_frame_free(&a);

    Huddle__Event *ev = event_at(f, seq);
    assert_string_equal(ev->subject->nhs_number, p);
    assert_string_equal(ev->subject->assessment_id, id);
    assert_string_equal(ev->subject->episode_id, "RXH:E1");
    assert_string_equal(ev->scope->hospital_ods, "RXH");
    assert_string_equal(ev->scope->provider_ods, "VN123");
    assert_string_equal(ev->scope->assessor_ods, "RXH");
    assert_string_equal(ev->scope->practice_ods, "A81001");
    assert_string_equal(ev->scope->neighbourhood_id, "nb-north");
    assert_string_equal(ev->scope->local_authority, "E08000026");
    assert_string_equal(ev->trusted_assessment->assessment_id, id);
    assert_string_equal(ev->trusted_assessment->agreement_id, "TA-VN");
    assert_string_equal(ev->correlation_id, "journey-RXH:E1"); /* the episode's journey */
    huddle__event__free_unpacked(ev, NULL);

    Huddle__AssessmentRecord *rec = record(f, id);
    assert_int_equal(rec->state, AS(AWAITING_RESPONSE));
    assert_int_equal(rec->submitted_at_ms, T0);
    assert_int_equal(rec->deadline_ms, T0 + 24 * HOUR_MS);
    assert_int_equal(rec->submit_seq, seq);
    assert_string_equal(rec->assessor_agent, "ta-rxh");
    assert_string_equal(rec->assessor_ods, "RXH");
    assert_string_equal(rec->hospital_ods, "RXH");
    assert_false(rec->escalated);
    assert_string_equal(rec->assessment->needs->skin, n.skin);
    huddle__assessment_record__free_unpacked(rec, NULL);
    Huddle__EpisodeRecord *ep = episode(f, "RXH:E1");
    assert_string_equal(ep->open_assessment_id, id);
    huddle__episode_record__free_unpacked(ep, NULL);
    Huddle__DeclineCounter c = counter_of(f, "RXH");
    assert_int_equal(c.assessments, 1);
    assert_int_equal(c.declines, 0);
}

typedef struct {
    const char *field;
    void (*spoil)(Huddle__TrustedAssessment *ta);
} spoil_t;

static char big[2002];
static char *sized(size_t n)
{
    memset(big, 'x', n);
    big[n] = '\0';
    return big;
}

static void bad_nhs(Huddle__TrustedAssessment *ta) { ta->nhs_number = S("1234567890"); }
static void no_episode(Huddle__TrustedAssessment *ta) { ta->episode_id = S(""); }
static void no_colon(Huddle__TrustedAssessment *ta) { ta->episode_id = S("RXHE1"); }
static void bad_hospital(Huddle__TrustedAssessment *ta) { ta->episode_id = S("rx:E1"); }
static void no_provider(Huddle__TrustedAssessment *ta) { ta->provider_ods = S(""); }
static void no_service(Huddle__TrustedAssessment *ta) { ta->service_type = SVC(UNSPECIFIED); }
static void long_need(Huddle__TrustedAssessment *ta) { ta->needs->cognition = sized(1001); }
static void no_recommendation(Huddle__TrustedAssessment *ta) { ta->recommendation = S(""); }
static void long_recommendation(Huddle__TrustedAssessment *ta) { ta->recommendation = sized(2001); }
static void bad_start(Huddle__TrustedAssessment *ta) { ta->requested_start_date = S("2027-02-29"); }
static void no_name(Huddle__TrustedAssessment *ta) { ta->assessor_name = S(""); }
static void long_name(Huddle__TrustedAssessment *ta) { ta->assessor_name = sized(129); }
static void no_assessed(Huddle__TrustedAssessment *ta) { ta->assessed_date = S(""); }
static void future_assessed(Huddle__TrustedAssessment *ta) { ta->assessed_date = S("2027-01-16"); }
static void many_hours(Huddle__TrustedAssessment *ta)
{
    ta->service_type = SVC(HOME_CARE);
    ta->care_hours_per_week = 169;
}
static void hours_in_bed(Huddle__TrustedAssessment *ta) { ta->care_hours_per_week = 10; }
static void no_hours_at_home(Huddle__TrustedAssessment *ta) { ta->service_type = SVC(REABLEMENT); }

static void test_submit_fields_named(void **state)
{
    fx_t *f = *state;
    hellos(f);
    char p[NHS_NUMBER_BUF], q[NHS_NUMBER_BUF], id[WF_ID_MAX];
    hub_update(f, "hub", "RXH:E1", nhs(1, p), EP(AWAITING_PLACEMENT));
#define F(name) "publish.event.trusted_assessment." name
    static const spoil_t cases[] = {
        {F("nhs_number"), bad_nhs},         {F("episode_id"), no_episode},
        {F("episode_id"), no_colon},        {F("episode_id"), bad_hospital},
        {F("provider_ods"), no_provider},   {F("service_type"), no_service},
        {F("needs.cognition"), long_need},  {F("recommendation"), no_recommendation},
        {F("recommendation"), long_recommendation}, {F("requested_start_date"), bad_start},
        {F("assessor_name"), no_name},      {F("assessor_name"), long_name},
        {F("assessed_date"), no_assessed},  {F("assessed_date"), future_assessed},
        {F("care_hours_per_week"), many_hours}, {F("care_hours_per_week"), hours_in_bed},
        {F("care_hours_per_week"), no_hours_at_home},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char msgid[32];
        Huddle__Needs n;
        Huddle__TrustedAssessment ta = good_assessment(p, "RXH:E1", &n);
        cases[i].spoil(&ta);
        snprintf(msgid, sizeof msgid, "bad-%zu", i);
        publish_assessment(f, "ta", msgid, &ta);
        broker_commit(f->b);
        Huddle__Frame *fr = expect(f, "ta", HUDDLE__FRAME__BODY_REJECTED);
        if (fr->rejected->code != CODE(INVALID) || strcmp(fr->rejected->field, cases[i].field) != 0)
            fail_msg("case %zu: expected INVALID at %s, got %d at %s (%s)", i, cases[i].field, fr->rejected->code,
                     fr->rejected->field, fr->rejected->reason);
        assert_null(strstr(fr->rejected->reason, p));
        codec_frame_free(&fr);
    }
    /* the patient must be the episode's, and the subject, if set, the payload's */
    Huddle__Needs n;
    Huddle__TrustedAssessment ta = good_assessment(nhs(2, q), "RXH:E1", &n);
    publish_assessment(f, "ta", "other-patient", &ta);
    rejected(f, "ta", CODE(INVALID), F("nhs_number"));
    ta = good_assessment(p, "RXH:E1", &n);
    Huddle__Event ev = HUDDLE__EVENT__INIT;
    Huddle__Subject sub = HUDDLE__SUBJECT__INIT;
    sub.nhs_number = q;
    ev.message_id = S("bad-subject");
    ev.kind = KIND(ASSESSMENT_SUBMITTED);
    ev.subject = &sub;
    ev.payload_case = HUDDLE__EVENT__PAYLOAD_TRUSTED_ASSESSMENT;
    ev.trusted_assessment = &ta;
    fx_publish(f, "ta", &ev);
    rejected(f, "ta", CODE(INVALID), "publish.event.subject.nhs_number");
    /* the edges that are fine: no needs at all, hours for care at home, a start date */
    ta = good_assessment(p, "RXH:E1", &n);
    ta.needs = NULL;
    ta.requested_start_date = S("2027-01-20");
    ta.assessed_date = S("2027-01-14");
    ta.recommendation = sized(2000);
    submit_as(f, "ta", "edges", &ta, id);
    assert_int_equal(count_kind(f, KIND(ASSESSMENT_SUBMITTED), NULL), 1);
#undef F
}

static void test_submit_needs_agreement_and_open_episode(void **state)
{
    fx_t *f = *state;
    hellos(f);
    hello(f, "aud", "auditor");
    char p[NHS_NUMBER_BUF], q[NHS_NUMBER_BUF], id[WF_ID_MAX], id2[WF_ID_MAX];
    hub_update(f, "hub", "RXH:E1", nhs(1, p), EP(AWAITING_PLACEMENT));
    hub_update(f, "hub", "RXH:E2", nhs(2, q), EP(DISCHARGED));
    Huddle__Needs n;
    Huddle__TrustedAssessment ta = good_assessment(p, "RXH:E1", &n);
#define F(name) "publish.event.trusted_assessment." name
    /* the agreement first: what is missing is named, and the refusal audited */
    ta.provider_ods = S("PX999");
    publish_assessment(f, "ta", "m1", &ta);
    expect_forbidden(f, "ta", F("provider_ods"), "no trust agreement between RXH and PX999");
    ta.provider_ods = S("VN123");
    ta.service_type = SVC(HOME_CARE);
    ta.care_hours_per_week = 14;
    publish_assessment(f, "ta", "m2", &ta);
    expect_forbidden(f, "ta", F("provider_ods"), "agreement TA-VN does not cover home care");
    ta = good_assessment(p, "RXH:E1", &n);
    publish_assessment(f, "taj", "m3", &ta); /* another organisation's assessor */
    expect_forbidden(f, "taj", F("provider_ods"), "no trust agreement between RYJ and VN123");
    publish_assessment(f, "vn", "m4", &ta); /* a provider does not assess */
    expect_forbidden(f, "vn", "publish.event.kind", NULL);
    assert_int_equal(audited(f, HUDDLE__AUDIT_PURPOSE__AUDIT_PURPOSE_DENIED, NULL, F("provider_ods")), 3);
    /* then the episode: known, not discharged, one open assessment at a time */
    ta.episode_id = S("RXH:E9");
    publish_assessment(f, "ta", "m5", &ta);
    rejected(f, "ta", CODE(NOT_FOUND), F("episode_id"));
    ta = good_assessment(q, "RXH:E2", &n);
    publish_assessment(f, "ta", "m6", &ta);
    expect_conflict(f, "ta", F("episode_id"), "EPISODE_STATUS_DISCHARGED", "RXH:E2");
    ta = good_assessment(p, "RXH:E1", &n);
    submit_as(f, "ta", "m7", &ta, id);
    publish_assessment(f, "ta2", "m8", &ta);
    expect_conflict(f, "ta2", F("episode_id"), "ASSESSMENT_STATE_AWAITING_RESPONSE", id);
    /* another organisation's assessor, with its own agreement, is told only that one is open */
    Huddle__ServiceType nursing[] = {SVC(NURSING)};
    Huddle__TrustAgreement ag = agreement("TA-RYJ", "RYJ", "VN123", nursing, 1, "2027-01-01", "");
    Huddle__Frame *r = admin_add(f, "ops", &ag);
    admin_ok(r);
    codec_frame_free(&r);
    publish_assessment(f, "taj", "m8j", &ta);
    expect_conflict(f, "taj", F("episode_id"), "", "");
    /* two in one batch: the second meets the first */
    hub_update(f, "hub", "RXH:E3", q, EP(AWAITING_PLACEMENT));
    ta = good_assessment(q, "RXH:E3", &n);
    publish_assessment(f, "ta", "m9", &ta);
    publish_assessment(f, "ta2", "m10", &ta);
    broker_commit(f->b);
    Huddle__Frame *a = expect(f, "ta", HUDDLE__FRAME__BODY_ACCEPTED);
    snprintf(id2, sizeof id2, "%s", a->accepted->assigned_id);
    codec_frame_free(&a);
    expect_rejected(f, "ta2", CODE(CONFLICT), F("episode_id"));
    /* once revoked, the agreement carries no new assessment; the open ones stay open */
    r = admin_revoke(f, "ops", "TA-VN", "Home closed to admissions");
    admin_ok(r);
    codec_frame_free(&r);
    hub_update(f, "hub", "RXH:E4", nhs(4, q), EP(AWAITING_PLACEMENT));
    ta = good_assessment(q, "RXH:E4", &n);
    publish_assessment(f, "ta", "m11", &ta);
    expect_forbidden(f, "ta", F("provider_ods"), "agreement TA-VN was revoked");
    assert_int_equal(state_of(f, id), AS(AWAITING_RESPONSE));
    assert_int_equal(state_of(f, id2), AS(AWAITING_RESPONSE));
    assert_int_equal(count_kind(f, KIND(ASSESSMENT_SUBMITTED), NULL), 2);
#undef F
}

/* ---- answers ---- */

#define R(name) "publish.event.assessment_response." name

static void test_accept(void **state)
{
    fx_t *f = *state;
    hellos(f);
    char p[NHS_NUMBER_BUF], id[WF_ID_MAX], id2[WF_ID_MAX];
    assessed(f, 1, "E1", p, id);
    fx_clock(f, "ops", 0, 3 * HOUR_MS);
    Huddle__AssessmentResponse resp = response(id, ANSWER(ACCEPT), DECLINE_FOR(UNSPECIFIED));
    resp.start_date = S("");
    publish_response(f, "vn", "r1", &resp);
    rejected(f, "vn", CODE(INVALID), R("start_date"));
    resp.start_date = S("2027-01-14");
    publish_response(f, "vn", "r2", &resp);
    rejected(f, "vn", CODE(INVALID), R("start_date"));
    resp = response(id, ANSWER(ACCEPT), DECLINE_FOR(NO_CAPACITY));
    publish_response(f, "vn", "r3", &resp);
    rejected(f, "vn", CODE(INVALID), R("decline_reason"));
    resp = response("A999", ANSWER(ACCEPT), DECLINE_FOR(UNSPECIFIED));
    publish_response(f, "vn", "r4", &resp);
    rejected(f, "vn", CODE(NOT_FOUND), R("assessment_id"));
    /* only the provider assessed for answers: not another provider, not the assessor */
    resp = response(id, ANSWER(ACCEPT), DECLINE_FOR(UNSPECIFIED));
    publish_response(f, "hc", "r5", &resp);
    expect_forbidden(f, "hc", "publish.event", "care addressed to its own organisation");
    publish_response(f, "ta", "r6", &resp);
    expect_forbidden(f, "ta", "publish.event.kind", NULL);
    /* a patient named in the subject must be the assessment's; anyone else learns
     * nothing from naming one */
    char q[NHS_NUMBER_BUF];
    Huddle__Event ev = HUDDLE__EVENT__INIT;
    Huddle__Subject sub = HUDDLE__SUBJECT__INIT;
    sub.nhs_number = nhs(2, q);
    ev.message_id = S("r6b");
    ev.kind = KIND(ASSESSMENT_RESPONDED);
    ev.subject = &sub;
    ev.payload_case = HUDDLE__EVENT__PAYLOAD_ASSESSMENT_RESPONSE;
    ev.assessment_response = &resp;
    fx_publish(f, "vn", &ev);
    rejected(f, "vn", CODE(INVALID), "publish.event.subject.nhs_number");
    fx_publish(f, "hc", &ev);
    expect_forbidden(f, "hc", "publish.event", NULL);
    /* any agent of the provider may */
    uint64_t c = publish_response(f, "vn2", "r7", &resp);
    Huddle__Frame *a = fx_accepted(f, "vn2", c);
    Huddle__Event *stored = event_at(f, a->accepted->seq);
    codec_frame_free(&a);
    assert_string_equal(stored->subject->assessment_id, id);
    assert_string_equal(stored->subject->nhs_number, p);
    assert_string_equal(stored->scope->provider_ods, "VN123");
    assert_string_equal(stored->scope->hospital_ods, "RXH");
    assert_string_equal(stored->correlation_id, "journey-RXH:E1");
    huddle__event__free_unpacked(stored, NULL);
    Huddle__AssessmentRecord *rec = record(f, id);
    assert_int_equal(rec->state, AS(ACCEPTED));
    assert_int_equal(rec->deadline_ms, 0);
    assert_int_equal(rec->responded_at_ms, T0 + 3 * HOUR_MS);
    assert_string_equal(rec->responder_agent, "cp-vn2");
    assert_string_equal(rec->response->start_date, TODAY);
    huddle__assessment_record__free_unpacked(rec, NULL);
    Huddle__EpisodeRecord *ep = episode(f, "RXH:E1");
    assert_string_equal(ep->open_assessment_id, "");
    assert_string_equal(ep->scope->provider_ods, "VN123"); /* the provider may report the placement */
    huddle__episode_record__free_unpacked(ep, NULL);
    /* final: a second answer is a conflict; the episode may be assessed again */
    resp = response(id, ANSWER(DECLINE), DECLINE_FOR(NO_CAPACITY));
    publish_response(f, "vn", "r8", &resp);
    expect_conflict(f, "vn", R("assessment_id"), "ASSESSMENT_STATE_ACCEPTED", id);
    Huddle__Needs n;
    Huddle__TrustedAssessment ta = good_assessment(p, "RXH:E1", &n);
    submit_as(f, "ta", "again", &ta, id2);
    /* no escalation for the settled one when its time comes */
    fx_clock(f, "ops", T0 + 24 * HOUR_MS, 0);
    assert_int_equal(count_kind(f, KIND(ESCALATION_RAISED), id), 0);
}

static void test_request_info_then_info_then_accept(void **state)
{
    fx_t *f = *state;
    hellos(f);
    char p[NHS_NUMBER_BUF], id[WF_ID_MAX];
    assessed(f, 1, "E1", p, id);
    Huddle__AssessmentResponse resp = response(id, ANSWER(REQUEST_INFO), DECLINE_FOR(UNSPECIFIED));
    resp.question = S("");
    publish_response(f, "vn", "q1", &resp);
    rejected(f, "vn", CODE(INVALID), R("question"));
    resp.question = sized(2001);
    publish_response(f, "vn", "q2", &resp);
    rejected(f, "vn", CODE(INVALID), R("question"));
    publish_info(f, "ta", "i0", id, "before any question");
    expect_conflict(f, "ta", "publish.event.assessment_info.assessment_id", "ASSESSMENT_STATE_AWAITING_RESPONSE", id);
    fx_clock(f, "ops", 0, HOUR_MS);
    resp = response(id, ANSWER(REQUEST_INFO), DECLINE_FOR(UNSPECIFIED));
    accepted(f, "vn", publish_response(f, "vn", "q3", &resp));
    Huddle__AssessmentRecord *rec = record(f, id);
    assert_int_equal(rec->state, AS(INFO_REQUESTED));
    assert_int_equal(rec->deadline_ms, 0); /* the provider's clock stops */
    assert_int_equal(rec->info_requests, 1);
    assert_string_equal(rec->response->question, resp.question);
    huddle__assessment_record__free_unpacked(rec, NULL);
    Huddle__EpisodeRecord *ep = episode(f, "RXH:E1");
    assert_string_equal(ep->open_assessment_id, id); /* still open */
    huddle__episode_record__free_unpacked(ep, NULL);
    /* it awaits the assessor now, not an answer */
    resp = response(id, ANSWER(ACCEPT), DECLINE_FOR(UNSPECIFIED));
    publish_response(f, "vn", "q4", &resp);
    expect_conflict(f, "vn", R("assessment_id"), "ASSESSMENT_STATE_INFO_REQUESTED", id);
    /* the information: from the assessing organisation, 1 to 4000 bytes */
    publish_info(f, "ta", "i1", id, "");
    rejected(f, "ta", CODE(INVALID), "publish.event.assessment_info.answer");
    publish_info(f, "taj", "i2", id, "not ours");
    expect_forbidden(f, "taj", "publish.event", "assessments made by its own organisation");
    publish_info(f, "vn", "i3", id, "providers do not");
    expect_forbidden(f, "vn", "publish.event.kind", NULL);
    fx_clock(f, "ops", 0, HOUR_MS);
    accepted(f, "ta2", publish_info(f, "ta2", "i4", id, "Healing: wound chart of 14 January attached to the record"));
    rec = record(f, id);
    assert_int_equal(rec->state, AS(AWAITING_RESPONSE));
    assert_int_equal(rec->deadline_ms, T0 + 2 * HOUR_MS + 24 * HOUR_MS);
    assert_int_equal(rec->info_replies, 1);
    assert_string_equal(rec->last_info, "Healing: wound chart of 14 January attached to the record");
    huddle__assessment_record__free_unpacked(rec, NULL);
    publish_info(f, "ta", "i5", id, "more");
    expect_conflict(f, "ta", "publish.event.assessment_info.assessment_id", "ASSESSMENT_STATE_AWAITING_RESPONSE", id);
    resp = response(id, ANSWER(ACCEPT), DECLINE_FOR(UNSPECIFIED));
    accepted(f, "vn", publish_response(f, "vn", "q5", &resp));
    assert_int_equal(state_of(f, id), AS(ACCEPTED));
    publish_info(f, "ta", "i6", id, "after the answer");
    expect_conflict(f, "ta", "publish.event.assessment_info.assessment_id", "ASSESSMENT_STATE_ACCEPTED", id);
}

static void test_decline_each_reason(void **state)
{
    fx_t *f = *state;
    hellos(f);
    static const Huddle__DeclineReason reasons[] = {DECLINE_FOR(NO_CAPACITY), DECLINE_FOR(NEEDS_EXCEED_REGISTRATION),
                                                    DECLINE_FOR(ASSESSMENT_INCOMPLETE), DECLINE_FOR(OTHER)};
    char p[NHS_NUMBER_BUF], id[4][WF_ID_MAX], local[8], msgid[16];
    for (unsigned i = 0; i < 4; i++) {
        snprintf(local, sizeof local, "E%u", i);
        assessed(f, i, local, p, id[i]);
    }
    Huddle__AssessmentResponse resp = response(id[0], ANSWER(DECLINE), DECLINE_FOR(UNSPECIFIED));
    publish_response(f, "vn", "d-none", &resp);
    rejected(f, "vn", CODE(INVALID), R("decline_reason"));
    resp = response(id[3], ANSWER(DECLINE), DECLINE_FOR(OTHER));
    resp.text = S("");
    publish_response(f, "vn", "d-other", &resp);
    rejected(f, "vn", CODE(INVALID), R("text"));
    resp.text = sized(2001);
    publish_response(f, "vn", "d-long", &resp);
    rejected(f, "vn", CODE(INVALID), R("text"));
    fx_clock(f, "ops", 0, 5 * HOUR_MS);
    for (unsigned i = 0; i < 4; i++) {
        resp = response(id[i], ANSWER(DECLINE), reasons[i]);
        snprintf(msgid, sizeof msgid, "d-%u", i);
        accepted(f, "vn", publish_response(f, "vn", msgid, &resp));
        Huddle__AssessmentRecord *rec = record(f, id[i]);
        assert_int_equal(rec->state, AS(DECLINED));
        assert_int_equal(rec->deadline_ms, 0);
        assert_int_equal(rec->response->decline_reason, reasons[i]);
        huddle__assessment_record__free_unpacked(rec, NULL);
        snprintf(local, sizeof local, "RXH:E%u", i);
        Huddle__EpisodeRecord *ep = episode(f, local);
        assert_string_equal(ep->open_assessment_id, "");
        assert_string_equal(ep->scope->provider_ods, ""); /* declined: not the provider's */
        huddle__episode_record__free_unpacked(ep, NULL);
    }
    resp = response(id[2], ANSWER(ACCEPT), DECLINE_FOR(UNSPECIFIED));
    publish_response(f, "vn", "late", &resp);
    expect_conflict(f, "vn", R("assessment_id"), "ASSESSMENT_STATE_DECLINED", id[2]);
    /* every decline counts against the assessing organisation; the incomplete one twice */
    Huddle__DeclineCounter c = counter_of(f, "RXH");
    assert_int_equal(c.assessments, 4);
    assert_int_equal(c.declines, 4);
    assert_int_equal(c.count, 1);
    assert_int_equal(c.last_decline_at_ms, T0 + 5 * HOUR_MS);
}

/* ---- the provider's deadline ---- */

static Huddle__Frame *escalation(fx_t *f, const char *rid)
{
    Huddle__Frame *d = next_delivery(f, rid);
    if (d)
        assert_int_equal(d->deliver->event->kind, KIND(ESCALATION_RAISED));
    return d;
}

static void test_deadline_escalates_to_hub_on_time(void **state)
{
    fx_t *f = *state;
    hellos(f);
    const Huddle__EventKind esc[] = {KIND(ESCALATION_RAISED)};
    const char *rids[] = {"hub", "hubj", "ta", "taj", "vn", "hc"};
    for (size_t i = 0; i < 6; i++)
        subscribe_kinds(f, rids[i], "esc", esc, 1);
    char p[NHS_NUMBER_BUF], id[WF_ID_MAX];
    assessed(f, 1, "E1", p, id);
    fx_clock(f, "ops", T0 + 24 * HOUR_MS - 1, 0);
    assert_null(take(f, "hub"));
    fx_clock(f, "ops", 0, 1);
    Huddle__Frame *d = escalation(f, "hub");
    assert_non_null(d);
    const Huddle__Event *ev = d->deliver->event;
    const Huddle__Escalation *e = ev->escalation;
    assert_string_equal(ev->subject->assessment_id, id);
    assert_string_equal(ev->subject->episode_id, "RXH:E1");
    assert_string_equal(ev->scope->hospital_ods, "RXH");
    assert_string_equal(ev->correlation_id, "journey-RXH:E1");
    assert_string_equal(ev->sender, "");
    assert_int_equal(e->reason, HUDDLE__ESCALATION_REASON__ESCALATION_REASON_ASSESSMENT_NO_ANSWER);
    assert_int_equal(e->timer_kind, HUDDLE__TIMER_KIND__TIMER_KIND_ASSESSMENT_DEADLINE);
    assert_int_equal(e->to_role, HUDDLE__ROLE__ROLE_DISCHARGE_HUB);
    assert_string_equal(e->to_org_ods, "RXH");
    assert_int_equal(e->overdue_since_ms, T0 + 24 * HOUR_MS);
    assert_int_equal(e->days_waiting, 1);
    assert_non_null(strstr(e->text, id));
    assert_non_null(strstr(e->text, "24 hours"));
    assert_null(strstr(e->text, p)); /* never the patient */
    codec_frame_free(&d);
    /* the assessor and the provider concerned hear it too; nobody else */
    for (size_t i = 2; i < 5; i += 2) {
        d = escalation(f, rids[i]);
        assert_non_null(d);
        codec_frame_free(&d);
    }
    assert_null(take(f, "hubj"));
    assert_null(take(f, "taj"));
    assert_null(take(f, "hc"));
    Huddle__AssessmentRecord *rec = record(f, id);
    assert_true(rec->escalated);
    assert_int_equal(rec->state, AS(AWAITING_RESPONSE)); /* still the provider's to answer */
    huddle__assessment_record__free_unpacked(rec, NULL);
    fx_clock(f, "ops", 0, 10 * DAY_MS);
    assert_null(take(f, "hub"));
    assert_int_equal(count_kind(f, KIND(ESCALATION_RAISED), id), 1);
    /* a late answer is still taken */
    Huddle__AssessmentResponse resp = response(id, ANSWER(DECLINE), DECLINE_FOR(NO_CAPACITY));
    accepted(f, "vn", publish_response(f, "vn", "late", &resp));
}

static void test_information_restarts_the_clock(void **state)
{
    fx_t *f = *state;
    hellos(f);
    char p[NHS_NUMBER_BUF], id[WF_ID_MAX], id2[WF_ID_MAX];
    assessed(f, 1, "E1", p, id);
    assessed(f, 2, "E2", p, id2);
    fx_clock(f, "ops", T0 + 2 * HOUR_MS, 0);
    Huddle__AssessmentResponse resp = response(id, ANSWER(REQUEST_INFO), DECLINE_FOR(UNSPECIFIED));
    accepted(f, "vn", publish_response(f, "vn", "q1", &resp));
    resp.assessment_id = id2;
    accepted(f, "vn", publish_response(f, "vn", "q2", &resp));
    fx_clock(f, "ops", T0 + 3 * HOUR_MS, 0);
    accepted(f, "ta", publish_info(f, "ta", "i1", id, "Wound chart attached"));
    Huddle__AssessmentRecord *rec = record(f, id);
    assert_int_equal(rec->deadline_ms, T0 + 27 * HOUR_MS);
    huddle__assessment_record__free_unpacked(rec, NULL);
    /* the first wait's timers: id's is stale (a new wait runs), id2's clock is stopped */
    fx_clock(f, "ops", T0 + 24 * HOUR_MS, 0);
    assert_int_equal(count_kind(f, KIND(ESCALATION_RAISED), NULL), 0);
    fx_clock(f, "ops", T0 + 27 * HOUR_MS - 1, 0);
    assert_int_equal(count_kind(f, KIND(ESCALATION_RAISED), NULL), 0);
    fx_clock(f, "ops", 0, 1);
    assert_int_equal(count_kind(f, KIND(ESCALATION_RAISED), id), 1);

    /* escalated once per wait: after a question and its answer, the new wait may be */
    fx_clock(f, "ops", T0 + 28 * HOUR_MS, 0);
    resp.assessment_id = id;
    accepted(f, "vn", publish_response(f, "vn", "q3", &resp));
    accepted(f, "ta", publish_info(f, "ta", "i2", id, "Answered"));
    rec = record(f, id);
    assert_false(rec->escalated);
    assert_int_equal(rec->deadline_ms, T0 + 52 * HOUR_MS);
    assert_int_equal(rec->info_requests, 2);
    assert_int_equal(rec->info_replies, 2);
    huddle__assessment_record__free_unpacked(rec, NULL);
    fx_clock(f, "ops", T0 + 30 * HOUR_MS, 0);
    accepted(f, "ta", publish_info(f, "ta", "i3", id2, "Chart attached"));
    fx_clock(f, "ops", T0 + 52 * HOUR_MS, 0);
    assert_int_equal(count_kind(f, KIND(ESCALATION_RAISED), id), 2);
    assert_int_equal(count_kind(f, KIND(ESCALATION_RAISED), id2), 0);
    fx_clock(f, "ops", T0 + 54 * HOUR_MS, 0);
    assert_int_equal(count_kind(f, KIND(ESCALATION_RAISED), id2), 1);
    fx_clock(f, "ops", 0, 10 * DAY_MS);
    assert_int_equal(count_kind(f, KIND(ESCALATION_RAISED), NULL), 3);
}

static void test_escalation_once_across_restart(void **state)
{
    fx_t *f = *state;
    hellos(f);
    char p[NHS_NUMBER_BUF], id[WF_ID_MAX];
    assessed(f, 1, "E1", p, id);
    stop(f);
    start(f);
    hello(f, "hub", "hub-rxh");
    fx_clock(f, "hub", T0 + 25 * HOUR_MS, 0); /* fires late, after the restart */
    assert_int_equal(count_kind(f, KIND(ESCALATION_RAISED), id), 1);
    stop(f);
    start(f);
    hello(f, "hub", "hub-rxh");
    fx_clock(f, "hub", T0 + 5 * DAY_MS, 0);
    assert_int_equal(count_kind(f, KIND(ESCALATION_RAISED), id), 1);
    Huddle__AssessmentRecord *rec = record(f, id);
    assert_true(rec->escalated);
    huddle__assessment_record__free_unpacked(rec, NULL);
}

/* ---- discharge ---- */

static void test_discharge_closes_open_assessments(void **state)
{
    fx_t *f = *state;
    hellos(f);
    char p[NHS_NUMBER_BUF], q[NHS_NUMBER_BUF], declined[WF_ID_MAX], asked[WF_ID_MAX], other[WF_ID_MAX];
    assessed(f, 1, "E1", p, declined);
    Huddle__AssessmentResponse resp = response(declined, ANSWER(DECLINE), DECLINE_FOR(NO_CAPACITY));
    accepted(f, "vn", publish_response(f, "vn", "d1", &resp));
    Huddle__Needs n;
    Huddle__TrustedAssessment ta = good_assessment(p, "RXH:E1", &n);
    submit_as(f, "ta", "second", &ta, asked);
    resp = response(asked, ANSWER(REQUEST_INFO), DECLINE_FOR(UNSPECIFIED));
    accepted(f, "vn", publish_response(f, "vn", "q1", &resp));
    assessed(f, 2, "E2", q, other);

    fx_clock(f, "ops", T0 + HOUR_MS, 0);
    hub_update(f, "hub", "RXH:E1", p, EP(DISCHARGED)); /* closes its open assessments in the same batch */
    Huddle__AssessmentRecord *rec = record(f, asked);
    assert_int_equal(rec->state, AS(CLOSED));
    assert_int_equal(rec->deadline_ms, 0);
    assert_int_equal(rec->updated_at_ms, T0 + HOUR_MS);
    huddle__assessment_record__free_unpacked(rec, NULL);
    assert_int_equal(state_of(f, declined), AS(DECLINED)); /* a settled one stays as it was */
    assert_int_equal(state_of(f, other), AS(AWAITING_RESPONSE)); /* another episode's */
    Huddle__EpisodeRecord *ep = episode(f, "RXH:E1");
    assert_string_equal(ep->open_assessment_id, "");
    huddle__episode_record__free_unpacked(ep, NULL);
    /* closed is final, and takes neither information nor an answer */
    publish_info(f, "ta", "i1", asked, "too late");
    expect_conflict(f, "ta", "publish.event.assessment_info.assessment_id", "ASSESSMENT_STATE_CLOSED", asked);
    resp = response(asked, ANSWER(ACCEPT), DECLINE_FOR(UNSPECIFIED));
    publish_response(f, "vn", "a1", &resp);
    expect_conflict(f, "vn", R("assessment_id"), "ASSESSMENT_STATE_CLOSED", asked);
    /* and the discharged episode takes no new assessment */
    ta = good_assessment(p, "RXH:E1", &n);
    publish_assessment(f, "ta", "third", &ta);
    expect_conflict(f, "ta", "publish.event.trusted_assessment.episode_id", "EPISODE_STATUS_DISCHARGED", "RXH:E1");
    fx_clock(f, "ops", T0 + 3 * DAY_MS, 0);
    assert_int_equal(count_kind(f, KIND(ESCALATION_RAISED), asked), 0);
    assert_int_equal(count_kind(f, KIND(ESCALATION_RAISED), other), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_submit_accepted, setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_submit_fields_named, setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_submit_needs_agreement_and_open_episode, setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_accept, setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_request_info_then_info_then_accept, setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_decline_each_reason, setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_deadline_escalates_to_hub_on_time, setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_information_restarts_the_clock, setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_escalation_once_across_restart, setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_discharge_closes_open_assessments, setup, fx_teardown),
    };
    return cmocka_run_group_tests_name("assessment", tests, NULL, NULL);
}
