/*
 * test_assess_args — assessors' and providers' spellings: every service type and
 * decline reason by name, the needs domains' options, each mistake of a submission or
 * an answer named by its option (other needs its text), and the events built from
 * them: every field carried, message ids the same for a retry, different for another
 * answer, and a question asked again another day a new message.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "assess_args.h"
#include "hd_time.h"

#define TODAY 20515 /* 2026-03-03 */
#define DAY_MS INT64_C(86400000)

static void test_words(void **state)
{
    (void)state;
    static const struct {
        const char *word;
        Huddle__ServiceType t;
    } services[] = {
        {"residential", HUDDLE__SERVICE_TYPE__SERVICE_TYPE_RESIDENTIAL},
        {"nursing", HUDDLE__SERVICE_TYPE__SERVICE_TYPE_NURSING},
        {"home-care", HUDDLE__SERVICE_TYPE__SERVICE_TYPE_HOME_CARE},
        {"reablement", HUDDLE__SERVICE_TYPE__SERVICE_TYPE_REABLEMENT},
    };
    for (size_t i = 0; i < sizeof services / sizeof services[0]; i++) {
        Huddle__ServiceType t = 0;
        assert_int_equal(assess_args_service(services[i].word, &t), 0);
        assert_int_equal(t, services[i].t);
    }
    static const struct {
        const char *word;
        Huddle__DeclineReason r;
    } reasons[] = {
        {"no-capacity", HUDDLE__DECLINE_REASON__DECLINE_REASON_NO_CAPACITY},
        {"needs-exceed-registration", HUDDLE__DECLINE_REASON__DECLINE_REASON_NEEDS_EXCEED_REGISTRATION},
        {"assessment-incomplete", HUDDLE__DECLINE_REASON__DECLINE_REASON_ASSESSMENT_INCOMPLETE},
        {"other", HUDDLE__DECLINE_REASON__DECLINE_REASON_OTHER},
    };
    for (size_t i = 0; i < sizeof reasons / sizeof reasons[0]; i++) {
        Huddle__DeclineReason r = 0;
        assert_int_equal(assess_args_decline_reason(reasons[i].word, &r), 0);
        assert_int_equal(r, reasons[i].r);
    }
    Huddle__ServiceType t;
    Huddle__DeclineReason r;
    assert_int_equal(assess_args_service("home care", &t), -1);
    assert_int_equal(assess_args_decline_reason(NULL, &r), -1);
    static const char *const flags[ASSESS_NEEDS_N] = {"--mobility", "--transfers", "--continence",
                                                      "--cognition", "--behaviour", "--skin",
                                                      "--medication", "--nursing", "--equipment"};
    Huddle__Needs n = HUDDLE__NEEDS__INIT;
    n.skin = (char *)"Grade 2 sacral";
    for (size_t i = 0; i < ASSESS_NEEDS_N; i++)
        assert_string_equal(assess_args_need_flag(i), flags[i]);
    assert_string_equal(assess_args_need_label(7), "Nursing needs");
    assert_string_equal(assess_args_need_value(&n, 5), "Grade 2 sacral");
    assert_string_equal(assess_args_need_value(&n, 0), "");
}

static assess_submit_t good_submission(void)
{
    assess_submit_t s = {.nhs = "943 476 5919", .episode_id = "RYJ:S-1001", .provider_ods = "VN123",
                         .assessor_name = "Jo Bloggs, OT", .assessed_date = "2026-03-02",
                         .recommendation = "Nursing home, hoist", .service = HUDDLE__SERVICE_TYPE__SERVICE_TYPE_NURSING,
                         .hours = -1};
    s.needs[0] = "Hoist for all transfers";
    s.needs[8] = "Pressure mattress";
    return s;
}

static void test_submission_checks(void **state)
{
    (void)state;
    char why[ASSESS_WHY_LEN];
    assess_submit_t s = good_submission();
    assert_int_equal(assess_args_submit_check(&s, TODAY, why), 0);
    static const struct {
        int field;
        const char *value, *why;
    } cases[] = {
        {0, NULL, "--nhs is required"},
        {0, "9434765918", "--nhs: NHS number check digit does not match"},
        {1, "RYJ-S1", "--episode: 'RYJ-S1' is not an episode id"},
        {2, "vn123", "--provider: ODS code may contain only capital letters A-Z and digits"},
        {3, "", "--assessor-name is required"},
        {4, "2026-03-04", "--assessed 2026-03-04 is in the future"},
        {4, "03/03/2026", "--assessed '03/03/2026' is not a date YYYY-MM-DD"},
        {5, "", "--recommendation is required"},
        {6, "2026-02-30", "--start '2026-02-30' is not a date YYYY-MM-DD"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        assess_submit_t b = good_submission();
        const char **f[] = {&b.nhs, &b.episode_id, &b.provider_ods, &b.assessor_name, &b.assessed_date,
                            &b.recommendation, &b.start_date};
        *f[cases[i].field] = cases[i].value;
        assert_int_equal(assess_args_submit_check(&b, TODAY, why), -1);
        if (!strstr(why, cases[i].why))
            fail_msg("case %zu: expected \"%s\" in \"%s\"", i, cases[i].why, why);
        assert_null(strstr(why, "943"));
    }
    s.service = 0;
    assert_int_equal(assess_args_submit_check(&s, TODAY, why), -1);
    assert_string_equal(why, "--service is required: residential, nursing, home-care or reablement");
    s = good_submission();
    s.hours = 14;
    assert_int_equal(assess_args_submit_check(&s, TODAY, why), -1);
    assert_string_equal(why, "--hours goes with home-care or reablement, not a bedded service");
    s.service = HUDDLE__SERVICE_TYPE__SERVICE_TYPE_REABLEMENT;
    assert_int_equal(assess_args_submit_check(&s, TODAY, why), 0);
    char long_need[1100];
    memset(long_need, 'x', 1001);
    long_need[1001] = '\0';
    s.needs[3] = long_need;
    assert_int_equal(assess_args_submit_check(&s, TODAY, why), -1);
    assert_string_equal(why, "--cognition is 1001 bytes, at most 1000");
    s.needs[3] = "\xff";
    assert_int_equal(assess_args_submit_check(&s, TODAY, why), -1);
    assert_string_equal(why, "--cognition is not UTF-8 text");
}

static void test_submission_event(void **state)
{
    (void)state;
    assess_submit_t s = good_submission();
    s.start_date = "2026-03-09";
    assess_submit_msg_t m, again;
    assess_args_submit_event(&s, "RYJ", NULL, 1000, &m);
    assert_int_equal(m.ev.kind, HUDDLE__EVENT_KIND__EVENT_KIND_ASSESSMENT_SUBMITTED);
    assert_int_equal(m.ev.payload_case, HUDDLE__EVENT__PAYLOAD_TRUSTED_ASSESSMENT);
    const Huddle__TrustedAssessment *a = m.ev.trusted_assessment;
    assert_string_equal(a->assessment_id, "");
    assert_string_equal(a->nhs_number, "9434765919");
    assert_string_equal(m.ev.subject->nhs_number, "9434765919");
    assert_string_equal(m.ev.subject->episode_id, "RYJ:S-1001");
    assert_string_equal(a->provider_ods, "VN123");
    assert_int_equal(a->service_type, HUDDLE__SERVICE_TYPE__SERVICE_TYPE_NURSING);
    assert_string_equal(a->needs->mobility, "Hoist for all transfers");
    assert_string_equal(a->needs->equipment, "Pressure mattress");
    assert_string_equal(a->needs->skin, "");
    assert_string_equal(a->requested_start_date, "2026-03-09");
    assert_int_equal(a->care_hours_per_week, 0);
    assert_int_equal(strncmp(m.ev.message_id, "ta-RYJ-", 7), 0);
    assert_null(strstr(m.ev.message_id, "9434765919"));
    assess_args_submit_event(&s, "RYJ", NULL, 5000, &again);
    assert_string_equal(again.ev.message_id, m.ev.message_id);
    s.needs[5] = "Grade 2 sacral";
    assess_args_submit_event(&s, "RYJ", NULL, 1000, &again);
    assert_string_not_equal(again.ev.message_id, m.ev.message_id);
    /* packs whole */
    uint8_t buf[2048];
    size_t n = huddle__event__get_packed_size(&again.ev);
    assert_true(n < sizeof buf);
    assert_int_equal(huddle__event__pack(&again.ev, buf), n);
}

static void test_answers(void **state)
{
    (void)state;
    char why[ASSESS_WHY_LEN];
    assess_response_t r = {.assessment_id = "A57", .answer = HUDDLE__ASSESSMENT_ANSWER__ASSESSMENT_ANSWER_ACCEPT};
    assert_int_equal(assess_args_response_check(&r, why), -1);
    assert_string_equal(why, "accepting needs --start DATE");
    r.start_date = "2026-03-10";
    assert_int_equal(assess_args_response_check(&r, why), 0);
    r.assessment_id = "";
    assert_int_equal(assess_args_response_check(&r, why), -1);
    assert_string_equal(why, "an assessment id is 1-32 printable characters, as the broker gave it");
    assess_response_t q = {.assessment_id = "A57", .answer = HUDDLE__ASSESSMENT_ANSWER__ASSESSMENT_ANSWER_REQUEST_INFO};
    assert_int_equal(assess_args_response_check(&q, why), -1);
    assert_string_equal(why, "--question is required");
    q.question = "Is a hoist needed at night?";
    assert_int_equal(assess_args_response_check(&q, why), 0);
    assess_response_t d = {.assessment_id = "A57", .answer = HUDDLE__ASSESSMENT_ANSWER__ASSESSMENT_ANSWER_DECLINE};
    assert_int_equal(assess_args_response_check(&d, why), -1);
    assert_non_null(strstr(why, "--reason is required"));
    d.reason = HUDDLE__DECLINE_REASON__DECLINE_REASON_OTHER;
    assert_int_equal(assess_args_response_check(&d, why), -1);
    assert_string_equal(why, "--reason other needs --text saying why");
    d.text = "Home closing for refurbishment";
    assert_int_equal(assess_args_response_check(&d, why), 0);
    d.reason = HUDDLE__DECLINE_REASON__DECLINE_REASON_NO_CAPACITY;
    d.text = NULL;
    assert_int_equal(assess_args_response_check(&d, why), 0);

    assess_answer_msg_t m, again;
    assess_args_response_event(&d, "VN123", NULL, 1000, &m);
    assert_int_equal(m.ev.kind, HUDDLE__EVENT_KIND__EVENT_KIND_ASSESSMENT_RESPONDED);
    assert_string_equal(m.ev.subject->assessment_id, "A57");
    assert_int_equal(m.ev.assessment_response->answer, HUDDLE__ASSESSMENT_ANSWER__ASSESSMENT_ANSWER_DECLINE);
    assert_int_equal(m.ev.assessment_response->decline_reason, HUDDLE__DECLINE_REASON__DECLINE_REASON_NO_CAPACITY);
    assert_int_equal(strncmp(m.ev.message_id, "ar-VN123-", 9), 0);
    assess_args_response_event(&d, "VN123", NULL, 1000 + 3 * DAY_MS, &again); /* a final answer: no day */
    assert_string_equal(again.ev.message_id, m.ev.message_id);
    assess_args_response_event(&q, "VN123", NULL, 1000, &m);
    assert_string_equal(m.ev.assessment_response->question, "Is a hoist needed at night?");
    assess_args_response_event(&q, "VN123", NULL, 2000, &again); /* a retry the same day */
    assert_string_equal(again.ev.message_id, m.ev.message_id);
    assess_args_response_event(&q, "VN123", NULL, 1000 + DAY_MS, &again); /* asked again next day */
    assert_string_not_equal(again.ev.message_id, m.ev.message_id);
    assess_args_response_event(&q, "VN123", "mine", 1000, &again);
    assert_string_equal(again.ev.message_id, "mine");

    assert_int_equal(assess_args_info_check("A57", "", why), -1);
    assert_string_equal(why, "--answer is required");
    assert_int_equal(assess_args_info_check("A57", "Yes, at night only", why), 0);
    assess_args_info_event("A57", "Yes, at night only", "RYJ", NULL, 1000, &m);
    assert_int_equal(m.ev.kind, HUDDLE__EVENT_KIND__EVENT_KIND_ASSESSMENT_INFO_PROVIDED);
    assert_string_equal(m.ev.assessment_info->answer, "Yes, at night only");
    assert_int_equal(strncmp(m.ev.message_id, "ai-RYJ-", 7), 0);
    assess_args_info_event("A57", "Yes, at night only", "RYJ", NULL, 1000 + DAY_MS, &again);
    assert_string_not_equal(again.ev.message_id, m.ev.message_id);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_words),
        cmocka_unit_test(test_submission_checks),
        cmocka_unit_test(test_submission_event),
        cmocka_unit_test(test_answers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
