/*
 * test_assess_fmt — trusted assessments for people: the time left to answer (hours,
 * minutes, overdue, none), a provider's list and an assessor's list byte for byte with
 * NHS numbers masked, one assessment in full (every needs domain, not assessed ones
 * said so), the listeners' lines for an assessment, each kind of answer (ACCEPT with its
 * start date, REQUEST_INFO with the question, DECLINE with reason and text) and
 * further information, other events left to event_fmt, and JSON.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "assess_fmt.h"
#include "event_fmt.h"

#define S(literal) ((char *)(literal))
#define HOUR_MS INT64_C(3600000)
#define MARCH_3_1200Z INT64_C(1772539200000) /* 2026-03-03T12:00:00Z, 12:00 in the UK */

typedef struct {
    Huddle__AssessmentRecord rec[2];
    Huddle__AssessmentRecord *recs[2];
    Huddle__TrustedAssessment ta[2];
    Huddle__Needs needs[2];
    Huddle__AssessmentResponse resp;
    Huddle__AssessmentList list;
    char *out;
    size_t out_len;
    FILE *fp;
} fx_t;

static int setup(void **state)
{
    fx_t *f = calloc(1, sizeof *f);
    assert_non_null(f);
    for (int i = 0; i < 2; i++) {
        huddle__assessment_record__init(&f->rec[i]);
        huddle__trusted_assessment__init(&f->ta[i]);
        huddle__needs__init(&f->needs[i]);
        f->ta[i].needs = &f->needs[i];
        f->rec[i].assessment = &f->ta[i];
        f->recs[i] = &f->rec[i];
    }
    f->ta[0].assessment_id = S("A57");
    f->ta[0].nhs_number = S("9434765919");
    f->ta[0].episode_id = S("RYJ:S-1001");
    f->ta[0].provider_ods = S("VN123");
    f->ta[0].service_type = HUDDLE__SERVICE_TYPE__SERVICE_TYPE_NURSING;
    f->ta[0].assessor_name = S("Jo Bloggs, OT");
    f->ta[0].assessed_date = S("2026-03-02");
    f->ta[0].recommendation = S("Nursing home with hoist");
    f->needs[0].mobility = S("Hoist for all transfers");
    f->needs[0].skin = S("Grade 2 sacral");
    f->rec[0].assessor_ods = S("RYJ");
    f->rec[0].state = HUDDLE__ASSESSMENT_STATE__ASSESSMENT_STATE_AWAITING_RESPONSE;
    f->rec[0].submitted_at_ms = MARCH_3_1200Z - 5 * HOUR_MS;
    f->rec[0].deadline_ms = MARCH_3_1200Z + 19 * HOUR_MS;
    f->ta[1].assessment_id = S("A58");
    f->ta[1].nhs_number = S("4010232137");
    f->ta[1].episode_id = S("RYJ:S-1002");
    f->ta[1].provider_ods = S("VN124");
    f->ta[1].service_type = HUDDLE__SERVICE_TYPE__SERVICE_TYPE_HOME_CARE;
    f->ta[1].requested_start_date = S("2026-03-06");
    f->ta[1].care_hours_per_week = 14;
    f->rec[1].assessor_ods = S("RYJ");
    f->rec[1].state = HUDDLE__ASSESSMENT_STATE__ASSESSMENT_STATE_DECLINED;
    f->rec[1].submitted_at_ms = MARCH_3_1200Z - 30 * HOUR_MS;
    huddle__assessment_response__init(&f->resp);
    f->resp.answer = HUDDLE__ASSESSMENT_ANSWER__ASSESSMENT_ANSWER_DECLINE;
    f->resp.decline_reason = HUDDLE__DECLINE_REASON__DECLINE_REASON_NO_CAPACITY;
    f->rec[1].response = &f->resp;
    huddle__assessment_list__init(&f->list);
    f->list.assessments = f->recs;
    f->list.n_assessments = 2;
    f->fp = open_memstream(&f->out, &f->out_len);
    assert_non_null(f->fp);
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

static const char *printed(fx_t *f)
{
    fflush(f->fp);
    return f->out;
}

static void test_time_left(void **state)
{
    (void)state;
    char buf[ASSESS_FMT_LEFT_LEN];
    assess_fmt_left(MARCH_3_1200Z + 23 * HOUR_MS + 59 * 60000, MARCH_3_1200Z, buf);
    assert_string_equal(buf, "23 h");
    assess_fmt_left(MARCH_3_1200Z + 40 * 60000, MARCH_3_1200Z, buf);
    assert_string_equal(buf, "40 min");
    assess_fmt_left(MARCH_3_1200Z - 2 * HOUR_MS - 1, MARCH_3_1200Z, buf);
    assert_string_equal(buf, "overdue 2 h");
    assess_fmt_left(MARCH_3_1200Z - 15 * 60000, MARCH_3_1200Z, buf);
    assert_string_equal(buf, "overdue 15 min");
    assess_fmt_left(0, MARCH_3_1200Z, buf);
    assert_string_equal(buf, "-");
    assert_string_equal(assess_fmt_state(HUDDLE__ASSESSMENT_STATE__ASSESSMENT_STATE_INFO_REQUESTED), "info requested");
}

static void test_provider_list(void **state)
{
    fx_t *f = *state;
    assess_fmt_list(f->fp, &f->list, ASSESS_FMT_PROVIDER, MARCH_3_1200Z, false, 0);
    assert_string_equal(printed(f),
                        "Assessment  Episode     Patient       Service       State              Submitted         "
                        "Left  Assessor  Start wanted\n"
                        "A57         RYJ:S-1001  *** *** 5919  nursing home  awaiting response  2026-03-03 07:00  "
                        "19 h  RYJ       as soon as possible\n"
                        "A58         RYJ:S-1002  *** *** 2137  home care     declined           2026-03-02 06:00  "
                        "   -  RYJ       2026-03-06\n");
}

static void test_assessor_list_and_json(void **state)
{
    fx_t *f = *state;
    assess_fmt_list(f->fp, &f->list, ASSESS_FMT_ASSESSOR, MARCH_3_1200Z, false, EVENT_FMT_SHOW_NHS);
    const char *out = printed(f);
    assert_non_null(strstr(out, "Assessment  Episode     Patient       Provider  Service       State"));
    assert_non_null(strstr(out, "A58         RYJ:S-1002  401 023 2137  VN124     home care     declined           "
                                "2026-03-02 06:00  declined NO_CAPACITY\n"));
    assert_non_null(strstr(out, "A57         RYJ:S-1001  943 476 5919  VN123     nursing home  awaiting response  "
                                "2026-03-03 07:00  -\n"));
    fclose(f->fp);
    free(f->out);
    f->out = NULL;
    f->fp = open_memstream(&f->out, &f->out_len);
    assess_fmt_list(f->fp, &f->list, ASSESS_FMT_ASSESSOR, MARCH_3_1200Z, true, 0);
    out = printed(f);
    static const char head[] = "{\"assessments\":[{\"assessment\":{\"assessment_id\":\"A57\",\"episode_id\"";
    assert_int_equal(strncmp(out, head, sizeof head - 1), 0);
    assert_null(strstr(out, "nhs_number"));
    fclose(f->fp);
    free(f->out);
    f->out = NULL;
    f->fp = open_memstream(&f->out, &f->out_len);
    f->list.n_assessments = 0;
    assess_fmt_list(f->fp, &f->list, ASSESS_FMT_PROVIDER, MARCH_3_1200Z, false, 0);
    assert_string_equal(printed(f), "No assessments.\n");
}

static void test_show(void **state)
{
    fx_t *f = *state;
    assess_fmt_show(f->fp, &f->rec[0], MARCH_3_1200Z, 0);
    assert_string_equal(printed(f), "Assessment A57: nursing home, awaiting response\n"
                                    "Episode RYJ:S-1001, patient *** *** 5919; provider VN123; assessor organisation RYJ\n"
                                    "Assessed 2026-03-02 by Jo Bloggs, OT; submitted 2026-03-03 07:00 UK time\n"
                                    "Answer due by 2026-03-04 07:00 UK time (19 h left)\n"
                                    "Start wanted: as soon as possible\n"
                                    "\n"
                                    "Needs:\n"
                                    "  Mobility       Hoist for all transfers\n"
                                    "  Transfers      (not assessed)\n"
                                    "  Continence     (not assessed)\n"
                                    "  Cognition      (not assessed)\n"
                                    "  Behaviour      (not assessed)\n"
                                    "  Skin           Grade 2 sacral\n"
                                    "  Medication     (not assessed)\n"
                                    "  Nursing needs  (not assessed)\n"
                                    "  Equipment      (not assessed)\n"
                                    "\n"
                                    "Recommendation:\n"
                                    "  Nursing home with hoist\n"
                                    "\n");
}

/* An event as a listener receives it. */
static void event(Huddle__Event *ev, Huddle__Subject *subj, const char *assessment)
{
    huddle__event__init(ev);
    huddle__subject__init(subj);
    subj->assessment_id = S(assessment);
    subj->episode_id = S("RYJ:S-1001");
    subj->nhs_number = S("9434765919");
    ev->subject = subj;
    ev->seq = 42;
    ev->received_at_ms = MARCH_3_1200Z;
    ev->sender_org = S("VN123");
}

static void test_lines(void **state)
{
    fx_t *f = *state;
    Huddle__Event ev;
    Huddle__Subject subj;
    event(&ev, &subj, "A57");
    ev.kind = HUDDLE__EVENT_KIND__EVENT_KIND_ASSESSMENT_RESPONDED;
    ev.payload_case = HUDDLE__EVENT__PAYLOAD_ASSESSMENT_RESPONSE;
    Huddle__AssessmentResponse r = HUDDLE__ASSESSMENT_RESPONSE__INIT;
    ev.assessment_response = &r;
    r.assessment_id = S("A57");
    r.answer = HUDDLE__ASSESSMENT_ANSWER__ASSESSMENT_ANSWER_ACCEPT;
    r.start_date = S("2026-03-06");
    r.responder_name = S("Sam Lee, manager");
    assess_fmt_line(f->fp, &ev, 0);
    r.answer = HUDDLE__ASSESSMENT_ANSWER__ASSESSMENT_ANSWER_REQUEST_INFO;
    r.question = S("Hoist at night?\nAnd at weekends?");
    r.responder_name = S("");
    assess_fmt_line(f->fp, &ev, 0);
    r.answer = HUDDLE__ASSESSMENT_ANSWER__ASSESSMENT_ANSWER_DECLINE;
    r.decline_reason = HUDDLE__DECLINE_REASON__DECLINE_REASON_OTHER;
    r.text = S("Closing for refurbishment");
    assess_fmt_line(f->fp, &ev, EVENT_FMT_SHOW_NHS);
    Huddle__AssessmentInfo info = HUDDLE__ASSESSMENT_INFO__INIT;
    info.assessment_id = S("A57");
    info.answer = S("Yes, at night");
    ev.sender_org = S("RYJ");
    ev.kind = HUDDLE__EVENT_KIND__EVENT_KIND_ASSESSMENT_INFO_PROVIDED;
    ev.payload_case = HUDDLE__EVENT__PAYLOAD_ASSESSMENT_INFO;
    ev.assessment_info = &info;
    assess_fmt_line(f->fp, &ev, 0);
    ev.kind = HUDDLE__EVENT_KIND__EVENT_KIND_ASSESSMENT_SUBMITTED;
    ev.payload_case = HUDDLE__EVENT__PAYLOAD_TRUSTED_ASSESSMENT;
    ev.trusted_assessment = &f->ta[1];
    f->ta[1].assessor_name = S("Jo Bloggs, OT");
    f->ta[1].assessed_date = S("2026-03-02");
    f->ta[1].recommendation = S("Four calls a day");
    subj.assessment_id = S("A58");
    assess_fmt_line(f->fp, &ev, 0);
    /* anything else is event_fmt's line */
    Huddle__Escalation esc = HUDDLE__ESCALATION__INIT;
    esc.reason = HUDDLE__ESCALATION_REASON__ESCALATION_REASON_ASSESSMENT_NO_ANSWER;
    ev.kind = HUDDLE__EVENT_KIND__EVENT_KIND_ESCALATION_RAISED;
    ev.payload_case = HUDDLE__EVENT__PAYLOAD_ESCALATION;
    ev.escalation = &esc;
    assess_fmt_line(f->fp, &ev, 0);
    assert_string_equal(printed(f),
                        "2026-03-03 12:00  A57  VN123 accepted, care to start 2026-03-06 (Sam Lee, manager)  [seq 42]\n"
                        "2026-03-03 12:00  A57  VN123 information requested: Hoist at night? And at weekends?  "
                        "[seq 42]\n"
                        "2026-03-03 12:00  A57 (NHS 943 476 5919)  VN123 declined: OTHER: Closing for refurbishment  "
                        "[seq 42]\n"
                        "2026-03-03 12:00  A57  information from RYJ: Yes, at night  [seq 42]\n"
                        "2026-03-03 12:00  A58  assessment for home care from RYJ; episode RYJ:S-1002; assessed "
                        "2026-03-02 by Jo Bloggs, OT; start 2026-03-06; 14 h a week; recommendation: Four calls a day"
                        "  [seq 42]\n"
                        "2026-03-03 12:00  RYJ:S-1001  escalation ASSESSMENT_NO_ANSWER  [seq 42]\n");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_time_left),
        cmocka_unit_test_setup_teardown(test_provider_list, setup, teardown),
        cmocka_unit_test_setup_teardown(test_assessor_list_and_json, setup, teardown),
        cmocka_unit_test_setup_teardown(test_show, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lines, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
