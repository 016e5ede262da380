/*
 * test_referral — the referral workflow (broker/referral.c) through the broker's core
 * in process: submission and every field it checks, the registry and the access
 * matrix, one open referral per patient, triage, withdrawal and closing, the whole
 * lifecycle table, the status changes and notifications the practice hears, and the
 * waiting-well escalations under the test clock, across a restart.
 * The queries are in test_referral_query.c.
 */
#include <math.h>

#include "tu_referral.h"

/* Says Hello as the agents most tests use. */
static void hellos(fx_t *f)
{
    hello(f, "gp1", "gp-a81001");
    hello(f, "gp2", "gp-a81002");
    hello(f, "cn", "coord-north");
    hello(f, "cs", "coord-south");
}

/* ---- submission ---- */

static void test_submit_accepted(void **state)
{
    fx_t *f = *state;
    hellos(f);
    fx_clock(f, "gp1", T0, 0);
    char p[NHS_NUMBER_BUF], id[WF_ID_MAX];
    Huddle__ReferralSubmit s = good(nhs(1, p));
    uint64_t c = publish_submit(f, "gp1", "ref-1", &s);
    Huddle__Frame *a = fx_accepted(f, "gp1", c);
    snprintf(id, sizeof id, "R%llu", (unsigned long long)a->accepted->seq);
    assert_string_equal(a->accepted->assigned_id, id);
    uint64_t seq = a->accepted->seq;
    codec_frame_free(&a);

    /* a retry is told the same referral, and stores nothing */
    c = publish_submit(f, "gp1", "ref-1", &s);
    a = fx_accepted(f, "gp1", c);
    assert_true(a->accepted->duplicate);
    assert_int_equal(a->accepted->seq, seq);
    assert_string_equal(a->accepted->assigned_id, id);
    codec_frame_free(&a);

    /* the event as stored: subject and scope are the broker's */
    Huddle__Event *ev = event_at(f, seq);
    assert_string_equal(ev->subject->nhs_number, p);
    assert_string_equal(ev->subject->referral_id, id);
    assert_string_equal(ev->scope->practice_ods, "A81001");
    assert_string_equal(ev->scope->neighbourhood_id, "nb-north");
    assert_string_equal(ev->scope->local_authority, "E08000026");
    huddle__event__free_unpacked(ev, NULL);

    Huddle__ReferralRecord *rec = referral_record(f, id);
    assert_int_equal(rec->status, RS(SUBMITTED));
    assert_int_equal(rec->score, 38);
    assert_int_equal(rec->tier, HUDDLE__TIER__TIER_AMBER);
    assert_int_equal(rec->n_cohorts, 2);
    assert_int_equal(rec->cohorts[0], HUDDLE__COHORT__COHORT_MULTIMORBIDITY);
    assert_int_equal(rec->cohorts[1], HUDDLE__COHORT__COHORT_FRAILTY);
    assert_int_equal(rec->frailty_band, HUDDLE__FRAILTY_BAND__FRAILTY_BAND_MODERATE);
    assert_int_equal(rec->waiting_since_ms, T0);
    assert_int_equal(rec->submitted_at_ms, T0);
    assert_int_equal(rec->base_priority, 38);
    assert_int_equal(rec->submit_seq, seq);
    assert_string_equal(rec->referrer, "gp-a81001");
    char journey[32];
    snprintf(journey, sizeof journey, "seq-%llu", (unsigned long long)seq);
    assert_string_equal(rec->correlation_id, journey); /* a journey starts here */
    assert_string_equal(rec->submitted->reason, s.reason);
    huddle__referral_record__free_unpacked(rec, NULL);
    waiting_entry_t e;
    assert_true(waiting_entry(f, "nb-north", id, &e));
    assert_int_equal(e.status, RS(SUBMITTED));
    assert_int_equal(e.base_priority, 38);
    assert_int_equal(e.waiting_since_ms, T0);
    assert_string_equal(e.practice_ods, "A81001");
    assert_true(open_index_has(f, "nb-north", p));
    assert_int_equal(count_kind(f, KIND(REFERRAL_STATUS_CHANGED), id), 1);
    assert_int_equal(count_kind(f, KIND(NOTIFICATION), id), 1);
}

/* One bad field of an otherwise good submission. */
typedef struct {
    const char *field;
    void (*spoil)(Huddle__ReferralSubmit *s);
} spoil_t;

static void bad_check_digit(Huddle__ReferralSubmit *s) { s->nhs_number[9] = s->nhs_number[9] == '9' ? '0' : (char)(s->nhs_number[9] + 1); }
static void short_nhs(Huddle__ReferralSubmit *s) { s->nhs_number[9] = '\0'; }
static void lower_ods(Huddle__ReferralSubmit *s) { s->practice_ods = S("a81001"); }
static void no_ods(Huddle__ReferralSubmit *s) { s->practice_ods = S(""); }
static void no_age(Huddle__ReferralSubmit *s) { s->age_case = HUDDLE__REFERRAL_SUBMIT__AGE__NOT_SET; }
static void old_age(Huddle__ReferralSubmit *s) { s->age_years = 131; }
static void early_birth(Huddle__ReferralSubmit *s) { s->age_case = HUDDLE__REFERRAL_SUBMIT__AGE_BIRTH_YEAR; s->birth_year = 1889; }
static void future_birth(Huddle__ReferralSubmit *s) { s->age_case = HUDDLE__REFERRAL_SUBMIT__AGE_BIRTH_YEAR; s->birth_year = 2028; }
static void many_ltc(Huddle__ReferralSubmit *s) { s->long_term_conditions = 61; }
static void big_efi(Huddle__ReferralSubmit *s) { s->efi_score = 1.001; }
static void neg_efi(Huddle__ReferralSubmit *s) { s->efi_score = -0.1; }
static void nan_efi(Huddle__ReferralSubmit *s) { s->efi_score = NAN; }
static void many_deficits(Huddle__ReferralSubmit *s) { s->frailty_case = HUDDLE__REFERRAL_SUBMIT__FRAILTY_EFI_DEFICITS; s->efi_deficits = 37; }
static void neg_cost(Huddle__ReferralSubmit *s) { s->cost_ratio = -1.0; }
static void big_cost(Huddle__ReferralSubmit *s) { s->cost_ratio = 100.5; }
static void inf_cost(Huddle__ReferralSubmit *s) { s->cost_ratio = INFINITY; }
static void admissions(Huddle__ReferralSubmit *s) { s->emergency_admissions_12m = 101; }
static void no_reason(Huddle__ReferralSubmit *s) { s->reason = S(""); }
static void long_reason(Huddle__ReferralSubmit *s) { static char r[1002]; memset(r, 'x', 1001); r[1001] = 0; s->reason = r; }
static void long_clinician(Huddle__ReferralSubmit *s) { static char c[130]; memset(c, 'x', 129); c[129] = 0; s->referring_clinician = c; }
static void no_consent(Huddle__ReferralSubmit *s) { s->consent_recorded = 0; }

static void test_submit_invalid_fields_named(void **state)
{
    fx_t *f = *state;
    hellos(f);
    fx_clock(f, "gp1", T0, 0);
#define F(name) "publish.event.referral_submit." name
    static const spoil_t cases[] = {
        {F("nhs_number"), bad_check_digit},
        {F("nhs_number"), short_nhs},
        {F("practice_ods"), lower_ods},
        {F("practice_ods"), no_ods},
        {F("age_years"), no_age},
        {F("age_years"), old_age},
        {F("birth_year"), early_birth},
        {F("birth_year"), future_birth},
        {F("long_term_conditions"), many_ltc},
        {F("efi_score"), big_efi},
        {F("efi_score"), neg_efi},
        {F("efi_score"), nan_efi},
        {F("efi_deficits"), many_deficits},
        {F("cost_ratio"), neg_cost},
        {F("cost_ratio"), big_cost},
        {F("cost_ratio"), inf_cost},
        {F("emergency_admissions_12m"), admissions},
        {F("reason"), no_reason},
        {F("reason"), long_reason},
        {F("referring_clinician"), long_clinician},
        {F("consent_recorded"), no_consent},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char p[NHS_NUMBER_BUF], msgid[32];
        Huddle__ReferralSubmit s = good(nhs(100 + (unsigned)i, p));
        cases[i].spoil(&s);
        snprintf(msgid, sizeof msgid, "bad-%zu", i);
        publish_submit(f, "gp1", msgid, &s);
        broker_commit(f->b);
        Huddle__Frame *fr = expect(f, "gp1", HUDDLE__FRAME__BODY_REJECTED);
        if (fr->rejected->code != CODE(INVALID) || strcmp(fr->rejected->field, cases[i].field) != 0)
            fail_msg("case %zu: expected INVALID at %s, got %d at %s (%s)", i, cases[i].field, fr->rejected->code,
                     fr->rejected->field, fr->rejected->reason);
        assert_null(strstr(fr->rejected->reason, p)); /* never the patient */
        codec_frame_free(&fr);
    }
    /* text that is not UTF-8 is refused naming the field, before any rule runs */
    char p[NHS_NUMBER_BUF];
    Huddle__ReferralSubmit s = good(nhs(200, p));
    s.reason = S("chest pain \xc3\x28");
    publish_submit(f, "gp1", "bad-utf8", &s);
    rejected(f, "gp1", CODE(MALFORMED), F("reason"));

    /* the subject, if the practice sets it, must be the same patient */
    char q[NHS_NUMBER_BUF];
    s = good(nhs(201, p));
    Huddle__Event ev = HUDDLE__EVENT__INIT;
    Huddle__Subject sub = HUDDLE__SUBJECT__INIT;
    sub.nhs_number = nhs(202, q);
    ev.message_id = S("bad-subject");
    ev.kind = KIND(REFERRAL_SUBMITTED);
    ev.subject = &sub;
    ev.payload_case = HUDDLE__EVENT__PAYLOAD_REFERRAL_SUBMIT;
    ev.referral_submit = &s;
    fx_publish(f, "gp1", &ev);
    rejected(f, "gp1", CODE(INVALID), F("nhs_number"));
    sub.nhs_number = p; /* the same patient: fine */
    ev.message_id = S("good-subject");
    accepted(f, "gp1", fx_publish(f, "gp1", &ev));

    /* no consent is accepted with a safeguarding concern, or when not required */
    char id[WF_ID_MAX];
    s = good(nhs(203, p));
    s.consent_recorded = 0;
    s.safeguarding_concern = 1;
    submit_ok(f, "consent-1", &s, id);
    Huddle__ReferralRecord *rec = referral_record(f, id);
    assert_int_equal(rec->tier, HUDDLE__TIER__TIER_RED);
    huddle__referral_record__free_unpacked(rec, NULL);
    s = good(nhs(204, p));
    s.consent_recorded = 0;
    publish_submit(f, "gp1", "consent-2", &s);
    rejected(f, "gp1", CODE(INVALID), F("consent_recorded"));
    f->cfg.consent_required = false;
    submit_ok(f, "consent-3", &s, id);
    /* age from a birth year of this year is fine */
    s = good(nhs(205, p));
    s.age_case = HUDDLE__REFERRAL_SUBMIT__AGE_BIRTH_YEAR;
    s.birth_year = 2027;
    submit_ok(f, "born-now", &s, id);
#undef F
}

static void test_submit_unknown_practice_and_other_practice(void **state)
{
    fx_t *f = *state;
    hellos(f);
    hello(f, "gpx", "gp-unknown");
    char p[NHS_NUMBER_BUF], id[WF_ID_MAX];
    Huddle__ReferralSubmit s = good(nhs(1, p));
    s.practice_ods = S("C99999");
    publish_submit(f, "gpx", "m1", &s);
    rejected(f, "gpx", CODE(NOT_FOUND), "publish.event.referral_submit.practice_ods");

    /* a practice refers only its own patients: FORBIDDEN, and audited */
    s = good(p);
    submit_ok(f, "m1", &s, id);
    publish_submit(f, "gp2", "m2", &s); /* A81002 claims A81001's patient */
    rejected(f, "gp2", CODE(FORBIDDEN), "publish.event");
    /* the patient registers with A81002: one open referral per neighbourhood still
     * holds, but the other practice's referral is not named to it */
    s.practice_ods = S("A81002");
    publish_submit(f, "gp2", "m3", &s);
    expect_conflict(f, "gp2", "publish.event.referral_submit.nhs_number", "", "");
}

static void test_one_open_referral_per_patient(void **state)
{
    fx_t *f = *state;
    hellos(f);
    char p[NHS_NUMBER_BUF], id[WF_ID_MAX], id2[WF_ID_MAX];
    Huddle__ReferralSubmit s = good(nhs(1, p));
    submit_ok(f, "m1", &s, id);
    publish_submit(f, "gp1", "m2", &s);
    expect_conflict(f, "gp1", "publish.event.referral_submit.nhs_number", "REFERRAL_STATUS_SUBMITTED", id);
    accepted(f, "cn", publish_triage(f, "cn", "t1", id, ACCEPT, "", ""));
    publish_submit(f, "gp1", "m3", &s);
    expect_conflict(f, "gp1", "publish.event.referral_submit.nhs_number", "REFERRAL_STATUS_ACCEPTED", id);
    /* withdrawn: the patient may be referred again */
    accepted(f, "gp1", publish_end(f, "gp1", "w1", id, "Patient moved away", false));
    assert_false(open_index_has(f, "nb-north", p));
    submit_ok(f, "m4", &s, id2);
    assert_string_not_equal(id, id2);
    /* two submissions in one batch: the second meets the first */
    char q[NHS_NUMBER_BUF];
    s = good(nhs(2, q));
    publish_submit(f, "gp1", "m5", &s);
    publish_submit(f, "gp1", "m6", &s);
    broker_commit(f->b);
    Huddle__Frame *a = expect(f, "gp1", HUDDLE__FRAME__BODY_ACCEPTED);
    codec_frame_free(&a);
    Huddle__Frame *r = expect(f, "gp1", HUDDLE__FRAME__BODY_REJECTED);
    assert_int_equal(r->rejected->code, CODE(CONFLICT));
    codec_frame_free(&r);
}

/* ---- triage, withdrawal, closing ---- */

static void test_triage_rules(void **state)
{
    fx_t *f = *state;
    hellos(f);
    char p[NHS_NUMBER_BUF], id[WF_ID_MAX], plain[WF_ID_MAX];
    Huddle__ReferralSubmit s = good(nhs(1, p));
    submit_ok(f, "m1", &s, id);
    s = good(nhs(2, p)); /* in no cohort: 40, 2 conditions, no eFI, no cost */
    s.age_years = 40;
    s.long_term_conditions = 2;
    s.frailty_case = HUDDLE__REFERRAL_SUBMIT__FRAILTY__NOT_SET;
    submit_ok(f, "m2", &s, plain);
#define T(name) "publish.event.referral_triage." name
    publish_triage(f, "cn", "t1", plain, ACCEPT, "", "");
    rejected(f, "cn", CODE(INVALID), T("reason"));
    publish_triage(f, "cn", "t2", id, DECLINE, "", "");
    rejected(f, "cn", CODE(INVALID), T("reason"));
    publish_triage(f, "cn", "t3", id, SIGNPOST, "", "");
    rejected(f, "cn", CODE(INVALID), T("signposted_to"));
    publish_triage(f, "cn", "t4", id, HUDDLE__TRIAGE_DECISION__TRIAGE_DECISION_UNSPECIFIED, "", "");
    rejected(f, "cn", CODE(INVALID), T("decision"));
    publish_triage(f, "cn", "t5", "R999", ACCEPT, "", "");
    rejected(f, "cn", CODE(NOT_FOUND), T("referral_id"));
    publish_triage(f, "cn", "t6", "", ACCEPT, "", "");
    rejected(f, "cn", CODE(INVALID), T("referral_id"));
    /* the other neighbourhood's coordinator, and a practice, may not triage */
    publish_triage(f, "cs", "t7", id, ACCEPT, "", "");
    rejected(f, "cs", CODE(FORBIDDEN), "publish.event");
    publish_triage(f, "gp1", "t8", id, ACCEPT, "", "");
    rejected(f, "gp1", CODE(FORBIDDEN), "publish.event.kind");
    /* in a cohort, no reason needed; in none, with one */
    accepted(f, "cn", publish_triage(f, "cn", "t9", id, ACCEPT, "", ""));
    accepted(f, "cn", publish_triage(f, "cn", "t10", plain, ACCEPT, "Lives alone, carer under strain", ""));
    publish_triage(f, "cn", "t11", id, DECLINE, "twice", "");
    expect_conflict(f, "cn", T("referral_id"), "REFERRAL_STATUS_ACCEPTED", id);
    Huddle__ReferralRecord *rec = referral_record(f, plain);
    assert_int_equal(rec->status, RS(ACCEPTED));
    assert_string_equal(rec->triaged_by, "coord-north");
    assert_string_equal(rec->triage_reason, "Lives alone, carer under strain");
    huddle__referral_record__free_unpacked(rec, NULL);

    /* declined and signposted are final: off the list and the open index */
    char d[WF_ID_MAX], sp[WF_ID_MAX];
    s = good(nhs(3, p));
    submit_ok(f, "m3", &s, d);
    accepted(f, "cn", publish_triage(f, "cn", "t12", d, DECLINE, "Needs are met by the practice", ""));
    s = good(nhs(4, p));
    submit_ok(f, "m4", &s, sp);
    accepted(f, "cn", publish_triage(f, "cn", "t13", sp, SIGNPOST, "", "Community falls service"));
    rec = referral_record(f, sp);
    assert_int_equal(rec->status, RS(SIGNPOSTED));
    assert_string_equal(rec->signposted_to, "Community falls service");
    assert_int_equal(rec->waiting_since_ms, 0);
    assert_true(rec->closed_at_ms > 0);
    huddle__referral_record__free_unpacked(rec, NULL);
    assert_false(waiting_entry(f, "nb-north", d, NULL));
    assert_false(waiting_entry(f, "nb-north", sp, NULL));
    assert_false(open_index_has(f, "nb-north", p));
    /* accepted: the wait still counts from submission */
    waiting_entry_t e;
    assert_true(waiting_entry(f, "nb-north", id, &e));
    assert_int_equal(e.status, RS(ACCEPTED));
#undef T
}

static void test_withdrawal_by_referrer(void **state)
{
    fx_t *f = *state;
    hellos(f);
    char p[NHS_NUMBER_BUF], id[WF_ID_MAX];
    Huddle__ReferralSubmit s = good(nhs(1, p));
    submit_ok(f, "m1", &s, id);
#define W(name) "publish.event.referral_withdraw." name
    publish_end(f, "gp1", "w1", id, "", false);
    rejected(f, "gp1", CODE(INVALID), W("reason"));
    publish_end(f, "gp2", "w2", id, "not mine", false);
    rejected(f, "gp2", CODE(FORBIDDEN), "publish.event");
    publish_end(f, "cn", "w3", id, "coordinators do not withdraw", false);
    rejected(f, "cn", CODE(FORBIDDEN), "publish.event.kind");
    publish_end(f, "gp1", "w4", "R999", "no such", false);
    rejected(f, "gp1", CODE(NOT_FOUND), W("referral_id"));
    accepted(f, "gp1", publish_end(f, "gp1", "w5", id, "Admitted to a hospice", false));
    Huddle__ReferralRecord *rec = referral_record(f, id);
    assert_int_equal(rec->status, RS(WITHDRAWN));
    assert_true(rec->closed_at_ms > 0);
    huddle__referral_record__free_unpacked(rec, NULL);
    assert_false(waiting_entry(f, "nb-north", id, NULL));
    publish_end(f, "gp1", "w6", id, "again", false);
    expect_conflict(f, "gp1", W("referral_id"), "REFERRAL_STATUS_WITHDRAWN", id);
    /* closing needs a discussion first */
    char id2[WF_ID_MAX];
    s = good(nhs(2, p));
    submit_ok(f, "m2", &s, id2);
    publish_end(f, "cn", "c1", id2, "done", true);
    expect_conflict(f, "cn", "publish.event.referral_close.referral_id", "REFERRAL_STATUS_SUBMITTED", id2);
    publish_end(f, "cn", "c2", id2, "", true);
    rejected(f, "cn", CODE(INVALID), "publish.event.referral_close.reason");
#undef W
}

/* ---- the lifecycle, every pair ---- */

/* The moves DESIGN §5.1 allows, written out again here: [from][to]. */
static const bool legal[10][10] = {
    [RS(UNSPECIFIED)] = {[RS(SUBMITTED)] = true},
    [RS(SUBMITTED)] = {[RS(ACCEPTED)] = true, [RS(DECLINED)] = true, [RS(SIGNPOSTED)] = true, [RS(WITHDRAWN)] = true},
    [RS(ACCEPTED)] = {[RS(SCHEDULED)] = true, [RS(WITHDRAWN)] = true},
    [RS(SCHEDULED)] = {[RS(DISCUSSED)] = true, [RS(DEFERRED)] = true, [RS(ACCEPTED)] = true, [RS(WITHDRAWN)] = true},
    [RS(DEFERRED)] = {[RS(SCHEDULED)] = true, [RS(WITHDRAWN)] = true},
    [RS(DISCUSSED)] = {[RS(CLOSED)] = true, [RS(ACCEPTED)] = true},
};

static void test_lifecycle_table(void **state)
{
    (void)state;
    for (int from = 0; from < 10; from++)
        for (int to = 0; to < 10; to++)
            if (referral_may_move(from, to) != legal[from][to])
                fail_msg("%d -> %d: lifecycle says %d", from, to, !legal[from][to]);
    assert_false(referral_may_move(RS(SUBMITTED), 99));
    assert_false(referral_may_move(99, RS(SUBMITTED)));
}

/* Brings a fresh referral of patient i to status `to`, through the agents' events and
 * the moves mdt.c makes. */
static void reach(fx_t *f, unsigned i, Huddle__ReferralStatus to, char id[WF_ID_MAX])
{
    char p[NHS_NUMBER_BUF], m[32];
    Huddle__ReferralSubmit s = good(nhs(i, p));
    snprintf(m, sizeof m, "sub-%u", i);
    submit_ok(f, m, &s, id);
    snprintf(m, sizeof m, "tri-%u", i);
    const Huddle__MdtDecision none = HUDDLE__MDT_DECISION__MDT_DECISION_UNSPECIFIED;
    switch (to) {
    case RS(SUBMITTED): break;
    case RS(WITHDRAWN): accepted(f, "gp1", publish_end(f, "gp1", m, id, "moved away", false)); break;
    case RS(DECLINED): accepted(f, "cn", publish_triage(f, "cn", m, id, DECLINE, "met elsewhere", "")); break;
    case RS(SIGNPOSTED): accepted(f, "cn", publish_triage(f, "cn", m, id, SIGNPOST, "", "Falls service")); break;
    default:
        accepted(f, "cn", publish_triage(f, "cn", m, id, ACCEPT, "", ""));
        if (to == RS(ACCEPTED))
            break;
        move_as_mdt(f, id, RS(SCHEDULED), none, false);
        if (to == RS(DEFERRED))
            move_as_mdt(f, id, RS(DEFERRED), HUDDLE__MDT_DECISION__MDT_DECISION_DEFER, false);
        if (to == RS(DISCUSSED) || to == RS(CLOSED))
            move_as_mdt(f, id, RS(DISCUSSED), HUDDLE__MDT_DECISION__MDT_DECISION_MONITOR, false);
        if (to == RS(CLOSED)) {
            snprintf(m, sizeof m, "close-%u", i);
            accepted(f, "cn", publish_end(f, "cn", m, id, "care plan complete", true));
        }
        break;
    }
    assert_int_equal(referral_status(f, id), to);
}

static void test_agents_transitions_from_every_state(void **state)
{
    fx_t *f = *state;
    hellos(f);
    unsigned patient = 1;
    for (int from = RS(SUBMITTED); from <= RS(WITHDRAWN); from++) {
        /* the three moves agents make: triage, withdraw, close */
        static const struct {
            const char *rid, *field;
            Huddle__ReferralStatus to;
        } acts[] = {
            {"cn", "publish.event.referral_triage.referral_id", RS(ACCEPTED)},
            {"gp1", "publish.event.referral_withdraw.referral_id", RS(WITHDRAWN)},
            {"cn", "publish.event.referral_close.referral_id", RS(CLOSED)},
        };
        for (size_t a = 0; a < sizeof acts / sizeof acts[0]; a++) {
            char id[WF_ID_MAX], m[32], name[64];
            reach(f, patient++, (Huddle__ReferralStatus)from, id);
            snprintf(m, sizeof m, "act-%d-%zu", from, a);
            if (acts[a].to == RS(ACCEPTED))
                publish_triage(f, "cn", m, id, ACCEPT, "", "");
            else
                publish_end(f, acts[a].rid, m, id, "because", acts[a].to == RS(CLOSED));
            /* triage only from SUBMITTED (SCHEDULED or DISCUSSED -> ACCEPTED are mdt.c's) */
            bool ok = acts[a].to == RS(ACCEPTED) ? from == RS(SUBMITTED) : legal[from][acts[a].to];
            if (ok) {
                broker_commit(f->b);
                Huddle__Frame *fr = expect(f, acts[a].rid, HUDDLE__FRAME__BODY_ACCEPTED);
                codec_frame_free(&fr);
                assert_int_equal(referral_status(f, id), acts[a].to);
            } else {
                snprintf(name, sizeof name, "%s",
                         protobuf_c_enum_descriptor_get_value(&huddle__referral_status__descriptor, from)->name);
                expect_conflict(f, acts[a].rid, acts[a].field, name, id);
                assert_int_equal(referral_status(f, id), from);
            }
        }
    }
}

static void test_moves_keep_the_waiting_list(void **state)
{
    fx_t *f = *state;
    hellos(f);
    fx_clock(f, "gp1", T0, 0);
    const Huddle__MdtDecision none = HUDDLE__MDT_DECISION__MDT_DECISION_UNSPECIFIED;
    char id[WF_ID_MAX];
    waiting_entry_t e;
    reach(f, 1, RS(ACCEPTED), id);
    fx_clock(f, "gp1", 0, 3 * DAY_MS);
    move_as_mdt(f, id, RS(SCHEDULED), none, false);
    assert_true(waiting_entry(f, "nb-north", id, &e)); /* listed, as SCHEDULED */
    assert_int_equal(e.status, RS(SCHEDULED));
    assert_int_equal(e.waiting_since_ms, T0);
    Huddle__ReferralRecord *rec = referral_record(f, id);
    assert_string_equal(rec->last_session_id, "S1");
    huddle__referral_record__free_unpacked(rec, NULL);
    /* off an unpublished agenda: back as it was */
    move_as_mdt(f, id, RS(ACCEPTED), none, true);
    assert_true(waiting_entry(f, "nb-north", id, &e));
    assert_int_equal(e.status, RS(ACCEPTED));
    assert_int_equal(e.waiting_since_ms, T0);
    assert_int_equal(e.times_deferred, 0);
    /* deferred at a session: a fresh wait, and the bonus */
    move_as_mdt(f, id, RS(SCHEDULED), none, false);
    move_as_mdt(f, id, RS(DEFERRED), HUDDLE__MDT_DECISION__MDT_DECISION_DEFER, false);
    assert_true(waiting_entry(f, "nb-north", id, &e));
    assert_int_equal(e.status, RS(DEFERRED));
    assert_int_equal(e.waiting_since_ms, T0 + 3 * DAY_MS);
    assert_int_equal(e.times_deferred, 1);
    assert_int_equal(e.base_priority, 38 + 10);
    /* scheduled again and taken off before publication: DEFERRED, nothing else */
    move_as_mdt(f, id, RS(SCHEDULED), none, false);
    move_as_mdt(f, id, RS(DEFERRED), none, true);
    assert_true(waiting_entry(f, "nb-north", id, &e));
    assert_int_equal(e.times_deferred, 1);
    assert_int_equal(e.waiting_since_ms, T0 + 3 * DAY_MS);
    /* discussed: off the list but still open; a review puts it back */
    move_as_mdt(f, id, RS(SCHEDULED), none, false);
    move_as_mdt(f, id, RS(DISCUSSED), HUDDLE__MDT_DECISION__MDT_DECISION_MONITOR, false);
    assert_false(waiting_entry(f, "nb-north", id, NULL));
    rec = referral_record(f, id);
    assert_int_equal(rec->last_decision, HUDDLE__MDT_DECISION__MDT_DECISION_MONITOR);
    assert_true(open_index_has(f, "nb-north", rec->nhs_number));
    huddle__referral_record__free_unpacked(rec, NULL);
    fx_clock(f, "gp1", 0, DAY_MS);
    move_as_mdt(f, id, RS(ACCEPTED), none, false);
    assert_true(waiting_entry(f, "nb-north", id, &e));
    assert_int_equal(e.waiting_since_ms, T0 + 4 * DAY_MS);
    assert_int_equal(e.base_priority, 48);
    /* every move was an event */
    assert_int_equal(count_kind(f, KIND(REFERRAL_STATUS_CHANGED), id), 11);
}

/* ---- what the practice hears ---- */

static void test_practice_hears_every_step(void **state)
{
    fx_t *f = *state;
    hellos(f);
    hello(f, "sc", "sc-north");
    char p[NHS_NUMBER_BUF], id[WF_ID_MAX];
    Huddle__ReferralSubmit s = good(nhs(1, p));
    submit_ok(f, "m1", &s, id);
    accepted(f, "cn", publish_triage(f, "cn", "t1", id, ACCEPT, "", ""));
    /* subscriptions from the start of the log, with no kind filter */
    const Huddle__EventKind every[] = {KIND(UNSPECIFIED)};
    subscribe_kinds(f, "gp1", "inbox", every, 0);
    subscribe_kinds(f, "gp2", "inbox", every, 0);
    subscribe_kinds(f, "cn", "inbox", every, 0);
    subscribe_kinds(f, "sc", "inbox", every, 0);
    broker_commit(f->b); /* deliveries go out once their audit records commit */

    static const Huddle__EventKind gp_hears[] = {
        KIND(REFERRAL_SUBMITTED), KIND(REFERRAL_STATUS_CHANGED), KIND(NOTIFICATION),
        KIND(REFERRAL_TRIAGED),   KIND(REFERRAL_STATUS_CHANGED), KIND(NOTIFICATION),
    };
    static const Huddle__ReferralStatus to[] = {RS(SUBMITTED), RS(ACCEPTED)};
    size_t changes = 0;
    for (size_t i = 0; i < sizeof gp_hears / sizeof gp_hears[0]; i++) {
        Huddle__Frame *d = next_delivery(f, "gp1");
        assert_non_null(d);
        const Huddle__Event *ev = d->deliver->event;
        assert_int_equal(ev->kind, gp_hears[i]);
        assert_string_equal(ev->subject->referral_id, id);
        assert_string_equal(ev->scope->practice_ods, "A81001");
        if (ev->kind == KIND(REFERRAL_STATUS_CHANGED)) {
            assert_int_equal(ev->referral_status_changed->to_status, to[changes]);
            assert_int_equal(ev->referral_status_changed->from_status, changes ? RS(SUBMITTED) : RS(UNSPECIFIED));
            assert_int_equal(ev->referral_status_changed->score, 38);
            assert_int_equal(ev->referral_status_changed->n_cohorts, 2);
            assert_true(ev->derived);
            changes++;
        }
        if (ev->kind == KIND(NOTIFICATION)) {
            const Huddle__Notification *n = ev->notification;
            assert_string_equal(n->to_org_ods, "A81001");
            assert_int_equal(n->to_role, HUDDLE__ROLE__ROLE_GP_PRACTICE);
            assert_true(n->requires_ack);
            assert_non_null(strstr(n->text, id));
            assert_null(strstr(n->text, p));
            assert_int_equal(n->about_kind, changes == 1 ? KIND(REFERRAL_SUBMITTED) : KIND(REFERRAL_TRIAGED));
        }
        codec_frame_free(&d);
    }
    assert_null(take(f, "gp1"));
    assert_null(take(f, "gp2")); /* the other practice hears nothing */
    /* the coordinator and the council area see the referral's events, not the
     * practice's notifications */
    for (size_t i = 0; i < 2; i++) {
        const char *rid = i ? "sc" : "cn";
        unsigned n = 0;
        for (Huddle__Frame *d; (d = next_delivery(f, rid)) != NULL; codec_frame_free(&d)) {
            assert_int_not_equal(d->deliver->event->kind, KIND(NOTIFICATION));
            n++;
        }
        assert_int_equal(n, 4);
    }
}

/* ---- waiting well ---- */

static Huddle__Frame *escalation(fx_t *f, const char *rid)
{
    Huddle__Frame *d = next_delivery(f, rid);
    if (d)
        assert_int_equal(d->deliver->event->kind, KIND(ESCALATION_RAISED));
    return d;
}

static void test_waiting_well_escalations_on_time(void **state)
{
    fx_t *f = *state;
    hellos(f);
    fx_clock(f, "gp1", T0, 0);
    const Huddle__EventKind esc[] = {KIND(ESCALATION_RAISED)};
    subscribe_kinds(f, "cn", "esc", esc, 1);
    subscribe_kinds(f, "cs", "esc", esc, 1);
    char p[NHS_NUMBER_BUF], red[WF_ID_MAX], amber[WF_ID_MAX];
    Huddle__ReferralSubmit s = good(nhs(1, p));
    s.safeguarding_concern = 1;
    submit_ok(f, "m1", &s, red);
    s = good(nhs(2, p));
    submit_ok(f, "m2", &s, amber);
    accepted(f, "cn", publish_triage(f, "cn", "t1", amber, ACCEPT, "", ""));

    fx_clock(f, "gp1", T0 + 7 * DAY_MS - 1, 0);
    assert_null(take(f, "cn"));
    fx_clock(f, "gp1", 0, 1);
    Huddle__Frame *d = escalation(f, "cn");
    assert_non_null(d);
    const Huddle__Event *ev = d->deliver->event;
    const Huddle__Escalation *e = ev->escalation;
    assert_string_equal(ev->subject->referral_id, red);
    assert_string_equal(ev->scope->neighbourhood_id, "nb-north");
    assert_int_equal(e->reason, HUDDLE__ESCALATION_REASON__ESCALATION_REASON_WAITING_WELL_RED);
    assert_int_equal(e->timer_kind, HUDDLE__TIMER_KIND__TIMER_KIND_WAITING_WELL_RED);
    assert_int_equal(e->to_role, HUDDLE__ROLE__ROLE_INT_COORDINATOR);
    assert_string_equal(e->to_org_ods, "");
    assert_int_equal(e->days_waiting, 7);
    assert_int_equal(e->overdue_since_ms, T0 + 7 * DAY_MS);
    assert_int_equal(e->tier, HUDDLE__TIER__TIER_RED);
    assert_null(strstr(e->text, ev->subject->nhs_number));
    assert_non_null(strstr(e->text, red));
    codec_frame_free(&d);
    assert_null(take(f, "cn"));

    fx_clock(f, "gp1", T0 + 28 * DAY_MS - 1, 0);
    assert_null(take(f, "cn"));
    fx_clock(f, "gp1", 0, 1);
    for (int i = 0; i < 2; i++) {
        d = escalation(f, "cn");
        assert_non_null(d);
        e = d->deliver->event->escalation;
        assert_int_equal(e->reason, HUDDLE__ESCALATION_REASON__ESCALATION_REASON_WAITING_WELL_ANY);
        assert_int_equal(e->days_waiting, 28);
        assert_string_equal(d->deliver->event->subject->referral_id, i ? amber : red);
        codec_frame_free(&d);
    }
    assert_null(take(f, "cn"));
    assert_null(take(f, "cs")); /* the other neighbourhood's coordinators hear nothing */
    fx_clock(f, "gp1", 0, 60 * DAY_MS);
    assert_null(take(f, "cn"));
    assert_int_equal(count_kind(f, KIND(ESCALATION_RAISED), NULL), 3);
}

static void test_no_escalation_once_moved_on(void **state)
{
    fx_t *f = *state;
    hellos(f);
    fx_clock(f, "gp1", T0, 0);
    const Huddle__MdtDecision none = HUDDLE__MDT_DECISION__MDT_DECISION_UNSPECIFIED;
    char sched[WF_ID_MAX], closed[WF_ID_MAX], deferred[WF_ID_MAX], gone[WF_ID_MAX];
    char p[NHS_NUMBER_BUF];
    Huddle__ReferralSubmit s;
    char *ids[] = {sched, closed, deferred, gone};
    for (unsigned i = 0; i < 4; i++) {
        char m[16];
        s = good(nhs(i + 1, p));
        s.safeguarding_concern = 1; /* RED */
        snprintf(m, sizeof m, "m%u", i);
        submit_ok(f, m, &s, ids[i]);
        snprintf(m, sizeof m, "t%u", i);
        if (i < 3)
            accepted(f, "cn", publish_triage(f, "cn", m, ids[i], ACCEPT, "", ""));
    }
    fx_clock(f, "gp1", 0, 3 * DAY_MS);
    move_as_mdt(f, sched, RS(SCHEDULED), none, false);
    move_as_mdt(f, closed, RS(SCHEDULED), none, false);
    move_as_mdt(f, closed, RS(DISCUSSED), HUDDLE__MDT_DECISION__MDT_DECISION_NO_FURTHER_ACTION, false);
    accepted(f, "cn", publish_end(f, "cn", "c1", closed, "no further action", true));
    move_as_mdt(f, deferred, RS(SCHEDULED), none, false);
    move_as_mdt(f, deferred, RS(DEFERRED), HUDDLE__MDT_DECISION__MDT_DECISION_DEFER, false);
    accepted(f, "gp1", publish_end(f, "gp1", "w1", gone, "moved away", false));

    fx_clock(f, "gp1", T0 + 7 * DAY_MS, 0);
    assert_int_equal(count_kind(f, KIND(ESCALATION_RAISED), NULL), 0);
    /* the deferred one waits afresh from day 3: escalated at day 10, not before */
    fx_clock(f, "gp1", T0 + 10 * DAY_MS - 1, 0);
    assert_int_equal(count_kind(f, KIND(ESCALATION_RAISED), NULL), 0);
    fx_clock(f, "gp1", 0, 1);
    assert_int_equal(count_kind(f, KIND(ESCALATION_RAISED), deferred), 1);
    fx_clock(f, "gp1", T0 + 40 * DAY_MS, 0);
    assert_int_equal(count_kind(f, KIND(ESCALATION_RAISED), NULL), 2); /* + its 28 days */
    assert_int_equal(count_kind(f, KIND(ESCALATION_RAISED), deferred), 2);
}

static void test_escalation_once_across_restart(void **state)
{
    fx_t *f = *state;
    hellos(f);
    fx_clock(f, "gp1", T0, 0);
    char p[NHS_NUMBER_BUF], id[WF_ID_MAX];
    Huddle__ReferralSubmit s = good(nhs(1, p));
    s.urgent = 1;
    s.emergency_admissions_12m = 2; /* 38 + 15 + 10 = 63: RED by score */
    submit_ok(f, "m1", &s, id);
    Huddle__ReferralRecord *rec = referral_record(f, id);
    assert_int_equal(rec->tier, HUDDLE__TIER__TIER_RED);
    huddle__referral_record__free_unpacked(rec, NULL);

    stop(f);
    start(f);
    hello(f, "cn", "coord-north");
    fx_clock(f, "cn", T0 + 7 * DAY_MS, 0);
    assert_int_equal(count_kind(f, KIND(ESCALATION_RAISED), id), 1);
    stop(f);
    start(f);
    hello(f, "cn", "coord-north");
    fx_clock(f, "cn", T0 + 8 * DAY_MS, 0);
    assert_int_equal(count_kind(f, KIND(ESCALATION_RAISED), id), 1);
    fx_clock(f, "cn", T0 + 28 * DAY_MS, 0);
    assert_int_equal(count_kind(f, KIND(ESCALATION_RAISED), id), 2);
    stop(f);
    start(f);
    hello(f, "cn", "coord-north");
    fx_clock(f, "cn", T0 + 100 * DAY_MS, 0);
    assert_int_equal(count_kind(f, KIND(ESCALATION_RAISED), id), 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_submit_accepted, setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_submit_invalid_fields_named, setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_submit_unknown_practice_and_other_practice, setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_one_open_referral_per_patient, setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_triage_rules, setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_withdrawal_by_referrer, setup, fx_teardown),
        cmocka_unit_test(test_lifecycle_table),
        cmocka_unit_test_setup_teardown(test_agents_transitions_from_every_state, setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_moves_keep_the_waiting_list, setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_practice_hears_every_step, setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_waiting_well_escalations_on_time, setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_no_escalation_once_moved_on, setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_escalation_once_across_restart, setup, fx_teardown),
    };
    return cmocka_run_group_tests_name("referral", tests, NULL, NULL);
}
