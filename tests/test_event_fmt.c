/*
 * test_event_fmt — how events read: enum names without their prefix, UK time across
 * the BST changes, NHS numbers spaced and shown only when asked for, one line per
 * event kind the agents print (status change, outcome with actions, review, escalation,
 * notification, non-delivery, anything else), free text kept on one line, and JSON
 * (escaping, defaults left out, oneof members, repeated and nested fields, bytes).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "event_fmt.h"
#include "hd_time.h"

#define S(literal) ((char *)(literal))
#define P1 "9434765919"

typedef struct {
    char *out;
    size_t len;
    FILE *fp;
    Huddle__Event ev;
    Huddle__Subject subj;
} fx_t;

static int setup(void **state)
{
    fx_t *f = calloc(1, sizeof *f);
    assert_non_null(f);
    f->fp = open_memstream(&f->out, &f->len);
    assert_non_null(f->fp);
    huddle__event__init(&f->ev);
    huddle__subject__init(&f->subj);
    f->ev.subject = &f->subj;
    f->ev.seq = 42;
    f->subj.nhs_number = S(P1);
    f->subj.referral_id = S("R17");
    assert_int_equal(hd_time_parse("2026-06-02T09:05:00Z", 20, &f->ev.received_at_ms), HD_TIME_OK);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx_t *f = *state;
    fclose(f->fp);
    free(f->out);
    free(f);
    return 0;
}

/* Everything printed since the last call. */
static const char *take(fx_t *f)
{
    static char copy[4096];
    fclose(f->fp);
    snprintf(copy, sizeof copy, "%s", f->out);
    free(f->out);
    f->out = NULL;
    f->fp = open_memstream(&f->out, &f->len);
    assert_non_null(f->fp);
    return copy;
}

static int64_t at(const char *iso)
{
    int64_t ms = 0;
    assert_int_equal(hd_time_parse(iso, strlen(iso), &ms), HD_TIME_OK);
    return ms;
}

static void test_small_pieces(void **state)
{
    (void)state;
    assert_string_equal(event_fmt_enum(&huddle__tier__descriptor, HUDDLE__TIER__TIER_RED), "RED");
    assert_string_equal(event_fmt_enum(&huddle__mdt_decision__descriptor,
                                       HUDDLE__MDT_DECISION__MDT_DECISION_CARE_PLAN_AGREED),
                        "CARE_PLAN_AGREED");
    assert_string_equal(event_fmt_enum(&huddle__event_kind__descriptor,
                                       HUDDLE__EVENT_KIND__EVENT_KIND_REFERRAL_STATUS_CHANGED),
                        "REFERRAL_STATUS_CHANGED");
    assert_string_equal(event_fmt_enum(&huddle__tier__descriptor, 99), "?");
    char nhs[EVENT_FMT_NHS_LEN], when[EVENT_FMT_TIME_LEN];
    event_fmt_nhs(P1, nhs);
    assert_string_equal(nhs, "943 476 5919");
    event_fmt_nhs("123", nhs);
    assert_string_equal(nhs, "123");
    event_fmt_uk_time(0, when);
    assert_string_equal(when, "-");
    /* 2026: BST from 01:00 UTC on 29 March to 01:00 UTC on 25 October */
    static const struct {
        const char *utc, *uk;
    } times[] = {
        {"2026-03-29T00:59:59Z", "2026-03-29 00:59"}, {"2026-03-29T01:00:00Z", "2026-03-29 02:00"},
        {"2026-10-25T00:59:00Z", "2026-10-25 01:59"}, {"2026-10-25T01:00:00Z", "2026-10-25 01:00"},
        {"2026-12-31T23:30:00Z", "2026-12-31 23:30"}, {"2027-03-28T01:00:00Z", "2027-03-28 02:00"},
        {"2026-06-30T23:30:00Z", "2026-07-01 00:30"},
    };
    for (size_t i = 0; i < sizeof times / sizeof times[0]; i++) {
        event_fmt_uk_time(at(times[i].utc), when);
        assert_string_equal(when, times[i].uk);
    }
}

static void test_status_change_line(void **state)
{
    fx_t *f = *state;
    Huddle__ReferralStatusChanged s = HUDDLE__REFERRAL_STATUS_CHANGED__INIT;
    Huddle__Cohort cohorts[] = {HUDDLE__COHORT__COHORT_FRAILTY, HUDDLE__COHORT__COHORT_HIGH_COST};
    f->ev.kind = HUDDLE__EVENT_KIND__EVENT_KIND_REFERRAL_STATUS_CHANGED;
    f->ev.payload_case = HUDDLE__EVENT__PAYLOAD_REFERRAL_STATUS_CHANGED;
    f->ev.referral_status_changed = &s;
    s.referral_id = S("R17");
    s.from_status = HUDDLE__REFERRAL_STATUS__REFERRAL_STATUS_SUBMITTED;
    s.to_status = HUDDLE__REFERRAL_STATUS__REFERRAL_STATUS_ACCEPTED;
    s.tier = HUDDLE__TIER__TIER_AMBER;
    s.score = 45;
    s.cohorts = cohorts;
    s.n_cohorts = 2;
    s.reason = S("Frail,\nlives alone");
    event_fmt_line(f->fp, &f->ev, 0);
    assert_string_equal(take(f), "2026-06-02 10:05  R17  status SUBMITTED -> ACCEPTED; tier AMBER, score 45; cohorts "
                                 "FRAILTY, HIGH_COST; reason: Frail, lives alone  [seq 42]\n");
    s.from_status = 0;
    s.to_status = HUDDLE__REFERRAL_STATUS__REFERRAL_STATUS_SUBMITTED;
    s.n_cohorts = 0;
    s.reason = S("");
    event_fmt_line(f->fp, &f->ev, EVENT_FMT_SHOW_NHS);
    assert_string_equal(take(f), "2026-06-02 10:05  R17 (NHS 943 476 5919)  status -> SUBMITTED; tier AMBER, score "
                                 "45  [seq 42]\n");
}

static void test_outcome_line(void **state)
{
    fx_t *f = *state;
    Huddle__MdtOutcome o = HUDDLE__MDT_OUTCOME__INIT;
    Huddle__Action a[2], *ap[2] = {&a[0], &a[1]};
    huddle__action__init(&a[0]);
    huddle__action__init(&a[1]);
    a[0].owner = S("Jo Bloggs, district nurse");
    a[0].text = S("falls assessment");
    a[0].due_date = S("2026-06-09");
    a[1].owner = S("Dr A Shah");
    a[1].text = S("medication review");
    f->subj.referral_id = S("");
    f->ev.kind = HUDDLE__EVENT_KIND__EVENT_KIND_MDT_OUTCOME_RECORDED;
    f->ev.payload_case = HUDDLE__EVENT__PAYLOAD_MDT_OUTCOME;
    f->ev.mdt_outcome = &o;
    o.session_id = S("S3");
    o.referral_id = S("R17"); /* the line takes the payload's id when the subject has none */
    o.decision = HUDDLE__MDT_DECISION__MDT_DECISION_CARE_PLAN_AGREED;
    o.lead_professional = S("Sam Lee, community matron");
    o.lead_ods = S("RYJ");
    o.actions = ap;
    o.n_actions = 2;
    o.next_review_date = S("2026-07-01");
    event_fmt_line(f->fp, &f->ev, 0);
    assert_string_equal(take(f), "2026-06-02 10:05  R17  outcome CARE_PLAN_AGREED; lead Sam Lee, community matron "
                                 "(RYJ); actions: Jo Bloggs, district nurse: falls assessment (due 2026-06-09) | "
                                 "Dr A Shah: medication review; review: 2026-07-01; session: S3  [seq 42]\n");
}

static void test_other_lines(void **state)
{
    fx_t *f = *state;
    Huddle__MdtReviewDue r = HUDDLE__MDT_REVIEW_DUE__INIT;
    r.referral_id = S("R17");
    r.review_date = S("2026-07-01");
    r.lead_professional = S("Sam Lee");
    r.last_session_id = S("S3");
    f->ev.payload_case = HUDDLE__EVENT__PAYLOAD_MDT_REVIEW_DUE;
    f->ev.mdt_review_due = &r;
    event_fmt_line(f->fp, &f->ev, 0);
    assert_string_equal(take(f), "2026-06-02 10:05  R17  review due 2026-07-01; lead: Sam Lee; last session: S3  "
                                 "[seq 42]\n");

    Huddle__Escalation e = HUDDLE__ESCALATION__INIT;
    e.reason = HUDDLE__ESCALATION_REASON__ESCALATION_REASON_WAITING_WELL_RED;
    e.tier = HUDDLE__TIER__TIER_RED;
    e.days_waiting = 8;
    e.to_role = HUDDLE__ROLE__ROLE_INT_COORDINATOR;
    e.text = S("RED referral waiting 8 days");
    f->ev.payload_case = HUDDLE__EVENT__PAYLOAD_ESCALATION;
    f->ev.escalation = &e;
    event_fmt_line(f->fp, &f->ev, 0);
    assert_string_equal(take(f), "2026-06-02 10:05  R17  escalation WAITING_WELL_RED; tier RED; 8 days waiting; for "
                                 "INT_COORDINATOR: RED referral waiting 8 days  [seq 42]\n");

    Huddle__Notification n = HUDDLE__NOTIFICATION__INIT;
    n.to_org_ods = S("A81001");
    n.text = S("Patient discharged home");
    n.about_kind = HUDDLE__EVENT_KIND__EVENT_KIND_EPISODE_UPDATED;
    n.about_seq = 40;
    n.requires_ack = true;
    n.deadline_ms = at("2026-06-07T09:05:00Z");
    f->ev.payload_case = HUDDLE__EVENT__PAYLOAD_NOTIFICATION;
    f->ev.notification = &n;
    f->subj.referral_id = S("");
    event_fmt_line(f->fp, &f->ev, 0);
    assert_string_equal(take(f), "2026-06-02 10:05  -  notification to A81001: Patient discharged home (about "
                                 "EPISODE_UPDATED seq 40); acknowledge by 2026-06-07 10:05  [seq 42]\n");

    Huddle__NonDelivery nd = HUDDLE__NON_DELIVERY__INIT;
    nd.notification_seq = 40;
    nd.to_org_ods = S("A81002");
    nd.about_kind = HUDDLE__EVENT_KIND__EVENT_KIND_MDT_OUTCOME_RECORDED;
    nd.deadline_ms = at("2026-01-07T09:05:00Z");
    f->ev.payload_case = HUDDLE__EVENT__PAYLOAD_NON_DELIVERY;
    f->ev.non_delivery = &nd;
    event_fmt_line(f->fp, &f->ev, 0);
    assert_string_equal(take(f), "2026-06-02 10:05  -  non-delivery: notification seq 40 to A81002 (about "
                                 "MDT_OUTCOME_RECORDED) not acknowledged by 2026-01-07 09:05  [seq 42]\n");

    f->ev.kind = HUDDLE__EVENT_KIND__EVENT_KIND_PLACEMENT_REPORTED; /* a kind with no line of its own */
    f->ev.payload_case = HUDDLE__EVENT__PAYLOAD__NOT_SET;
    event_fmt_line(f->fp, &f->ev, EVENT_FMT_SHOW_NHS);
    assert_string_equal(take(f), "2026-06-02 10:05  - (NHS 943 476 5919)  PLACEMENT_REPORTED  [seq 42]\n");
}

static void test_json_event(void **state)
{
    fx_t *f = *state;
    Huddle__ReferralSubmit rs = HUDDLE__REFERRAL_SUBMIT__INIT;
    f->ev.kind = HUDDLE__EVENT_KIND__EVENT_KIND_REFERRAL_SUBMITTED;
    f->ev.payload_case = HUDDLE__EVENT__PAYLOAD_REFERRAL_SUBMIT;
    f->ev.referral_submit = &rs;
    f->ev.message_id = S("gp-1");
    f->ev.received_at_ms = 0;
    rs.nhs_number = S(P1);
    rs.practice_ods = S("A81001");
    rs.age_case = HUDDLE__REFERRAL_SUBMIT__AGE_AGE_YEARS;
    rs.age_years = 0; /* a oneof member set to zero is still shown */
    rs.frailty_case = HUDDLE__REFERRAL_SUBMIT__FRAILTY_EFI_SCORE;
    rs.efi_score = 0.31;
    rs.cost_ratio = 1.0 / 3;
    rs.urgent = true;
    rs.reason = S("\"Falls\"\\\n\t\x01 caf\xc3\xa9 \xff");
    event_fmt_json(f->fp, &f->ev.base, 0);
    assert_string_equal(take(f), "{\"message_id\":\"gp-1\",\"kind\":\"EVENT_KIND_REFERRAL_SUBMITTED\",\"subject\":"
                                 "{\"referral_id\":\"R17\"},\"seq\":42,\"referral_submit\":{\"practice_ods\":\"A81001\","
                                 "\"age_years\":0,\"efi_score\":0.31,\"cost_ratio\":0.3333333333333333,"
                                 "\"urgent\":true,\"reason\":\"\\\"Falls\\\"\\\\\\n\\t\\u0001 caf\xc3\xa9 \\ufffd\"}}");
    event_fmt_json(f->fp, &f->ev.base, EVENT_FMT_SHOW_NHS);
    const char *with = take(f);
    assert_non_null(strstr(with, "\"subject\":{\"nhs_number\":\"9434765919\",\"referral_id\":\"R17\"}"));
    assert_non_null(strstr(with, "\"referral_submit\":{\"nhs_number\":\"9434765919\","));
}

static void test_json_bytes(void **state)
{
    fx_t *f = *state;
    Huddle__Message m = HUDDLE__MESSAGE__INIT;
    uint8_t body[] = {'M', 'a', 'n', 'y'};
    m.topic = S("demo");
    m.body.data = body;
    for (size_t n = 0; n <= 4; n++) {
        m.body.len = n;
        event_fmt_json(f->fp, &m.base, 0);
        fputc('\n', f->fp);
    }
    assert_string_equal(take(f), "{\"topic\":\"demo\"}\n"
                                 "{\"topic\":\"demo\",\"body\":\"TQ==\"}\n"
                                 "{\"topic\":\"demo\",\"body\":\"TWE=\"}\n"
                                 "{\"topic\":\"demo\",\"body\":\"TWFu\"}\n"
                                 "{\"topic\":\"demo\",\"body\":\"TWFueQ==\"}\n");
}

static void test_referral_record(void **state)
{
    fx_t *f = *state;
    Huddle__ReferralRecord r = HUDDLE__REFERRAL_RECORD__INIT;
    Huddle__Cohort frail = HUDDLE__COHORT__COHORT_FRAILTY;
    r.referral_id = S("R17");
    r.nhs_number = S(P1);
    r.practice_ods = S("A81001");
    r.neighbourhood_id = S("nb-north");
    r.status = HUDDLE__REFERRAL_STATUS__REFERRAL_STATUS_SUBMITTED;
    r.tier = HUDDLE__TIER__TIER_AMBER;
    r.score = 44;
    r.cohorts = &frail;
    r.n_cohorts = 1;
    r.referrer = S("gp-a81001");
    r.submitted_at_ms = at("2026-06-02T09:05:00Z");
    event_fmt_referral(f->fp, &r, 0);
    assert_string_equal(take(f), "Referral R17: SUBMITTED, tier AMBER, score 44; cohorts FRAILTY\n"
                                 "Practice A81001, neighbourhood nb-north; submitted 2026-06-02 10:05 UK time by "
                                 "gp-a81001\n\n");
    r.status = HUDDLE__REFERRAL_STATUS__REFERRAL_STATUS_DISCUSSED;
    r.triaged_by = S("coord-north");
    r.triaged_at_ms = at("2026-06-03T08:00:00Z");
    r.times_deferred = 1;
    r.last_session_id = S("S3");
    r.last_decision = HUDDLE__MDT_DECISION__MDT_DECISION_MONITOR;
    r.lead_professional = S("Sam Lee");
    r.next_review_date = S("2026-09-01");
    event_fmt_referral(f->fp, &r, EVENT_FMT_SHOW_NHS);
    assert_string_equal(take(f), "Referral R17: DISCUSSED, tier AMBER, score 44; cohorts FRAILTY; NHS 943 476 5919\n"
                                 "Practice A81001, neighbourhood nb-north; submitted 2026-06-02 10:05 UK time by "
                                 "gp-a81001\n"
                                 "Triaged 2026-06-03 09:00 UK time by coord-north\n"
                                 "Deferred 1 time; last session S3; decision MONITOR; lead: Sam Lee; next review: "
                                 "2026-09-01\n\n");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_small_pieces),
        cmocka_unit_test_setup_teardown(test_status_change_line, setup, teardown),
        cmocka_unit_test_setup_teardown(test_outcome_line, setup, teardown),
        cmocka_unit_test_setup_teardown(test_other_lines, setup, teardown),
        cmocka_unit_test_setup_teardown(test_json_event, setup, teardown),
        cmocka_unit_test_setup_teardown(test_json_bytes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_referral_record, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
