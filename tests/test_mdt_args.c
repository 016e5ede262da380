/*
 * test_mdt_args — the coordinator's spellings: triage and MDT decisions by name,
 * attendees "Name|Role title|ODS" and actions "owner|text|YYYY-MM-DD|ODS", with the
 * parts that may be left out, trimming, and each mistake named.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "mdt_args.h"

static void test_decision_names(void **state)
{
    (void)state;
    Huddle__TriageDecision t;
    assert_int_equal(mdt_args_triage("accept", &t), 0);
    assert_int_equal(t, HUDDLE__TRIAGE_DECISION__TRIAGE_DECISION_ACCEPT);
    assert_int_equal(mdt_args_triage("decline", &t), 0);
    assert_int_equal(t, HUDDLE__TRIAGE_DECISION__TRIAGE_DECISION_DECLINE);
    assert_int_equal(mdt_args_triage("signpost", &t), 0);
    assert_int_equal(t, HUDDLE__TRIAGE_DECISION__TRIAGE_DECISION_SIGNPOST);
    assert_int_equal(mdt_args_triage("ACCEPT", &t), -1);
    assert_int_equal(mdt_args_triage(NULL, &t), -1);
    static const struct {
        const char *word;
        Huddle__MdtDecision d;
    } names[] = {
        {"care-plan-agreed", HUDDLE__MDT_DECISION__MDT_DECISION_CARE_PLAN_AGREED},
        {"refer-on", HUDDLE__MDT_DECISION__MDT_DECISION_REFER_ON},
        {"monitor", HUDDLE__MDT_DECISION__MDT_DECISION_MONITOR},
        {"no-further-action", HUDDLE__MDT_DECISION__MDT_DECISION_NO_FURTHER_ACTION},
        {"escalate-safeguarding", HUDDLE__MDT_DECISION__MDT_DECISION_ESCALATE_SAFEGUARDING},
        {"defer", HUDDLE__MDT_DECISION__MDT_DECISION_DEFER},
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        Huddle__MdtDecision d = 0;
        assert_int_equal(mdt_args_decision(names[i].word, &d), 0);
        assert_int_equal(d, names[i].d);
        assert_non_null(strstr(mdt_args_decisions(), names[i].word));
    }
    Huddle__MdtDecision d;
    assert_int_equal(mdt_args_decision("care plan agreed", &d), -1);
}

static void test_attendees(void **state)
{
    (void)state;
    mdt_args_attendee_t a;
    char why[MDT_ARGS_WHY_LEN];
    assert_int_equal(mdt_args_attendee(" Jo Bloggs | District nurse | RYJ ", &a, why), 0);
    assert_string_equal(a.name, "Jo Bloggs");
    assert_string_equal(a.role_title, "District nurse");
    assert_string_equal(a.org_ods, "RYJ");
    assert_int_equal(mdt_args_attendee("Dr A Shah", &a, why), 0);
    assert_string_equal(a.name, "Dr A Shah");
    assert_string_equal(a.role_title, "");
    assert_string_equal(a.org_ods, "");
    assert_int_equal(mdt_args_attendee("Sam||A81001", &a, why), 0);
    assert_string_equal(a.org_ods, "A81001");
    Huddle__Attendee msg;
    mdt_args_attendee_msg(&a, &msg);
    assert_string_equal(msg.name, "Sam");
    assert_string_equal(msg.org_ods, "A81001");

    assert_int_equal(mdt_args_attendee("|Nurse|RYJ", &a, why), -1);
    assert_string_equal(why, "an attendee needs a name: \"Name|Role title|ODS\"");
    assert_int_equal(mdt_args_attendee("a|b|RYJ|x", &a, why), -1);
    assert_string_equal(why, "an attendee is \"Name|Role title|ODS\": at most three parts");
    assert_int_equal(mdt_args_attendee("Jo|Nurse|ryj", &a, why), -1);
    assert_non_null(strstr(why, "'ryj' is not an ODS code"));
    char long_name[200];
    memset(long_name, 'n', 129);
    long_name[129] = '\0';
    assert_int_equal(mdt_args_attendee(long_name, &a, why), -1);
    assert_string_equal(why, "the name is 129 bytes, at most 128");
}

static void test_actions(void **state)
{
    (void)state;
    mdt_args_action_t a;
    char why[MDT_ARGS_WHY_LEN];
    assert_int_equal(mdt_args_action("Jo Bloggs, DN|falls assessment|2026-06-09", &a, why), 0);
    assert_string_equal(a.owner, "Jo Bloggs, DN");
    assert_string_equal(a.text, "falls assessment");
    assert_string_equal(a.due_date, "2026-06-09");
    assert_string_equal(a.owner_ods, "");
    assert_int_equal(mdt_args_action("Dr Shah|medication review", &a, why), 0);
    assert_string_equal(a.due_date, "");
    assert_int_equal(mdt_args_action("Dr Shah|review||A81001", &a, why), 0);
    assert_string_equal(a.owner_ods, "A81001");
    Huddle__Action msg;
    mdt_args_action_msg(&a, &msg);
    assert_string_equal(msg.owner, "Dr Shah");
    assert_string_equal(msg.text, "review");
    assert_string_equal(msg.owner_ods, "A81001");

    static const char *const wrong[] = {"Jo", "Jo|", "|text", "Jo|t|d|RYJ|x"};
    for (size_t i = 0; i < sizeof wrong / sizeof wrong[0]; i++) {
        assert_int_equal(mdt_args_action(wrong[i], &a, why), -1);
        assert_string_equal(why, "an action is \"owner|text|YYYY-MM-DD\" (the date may be left out)");
    }
    assert_int_equal(mdt_args_action("Jo|visit|2026-02-30", &a, why), -1);
    assert_string_equal(why, "the due date '2026-02-30' is not a date YYYY-MM-DD");
    assert_int_equal(mdt_args_action("Jo|visit|9 June", &a, why), -1);
    assert_string_equal(why, "the due date '9 June' is not a date YYYY-MM-DD");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_decision_names),
        cmocka_unit_test(test_attendees),
        cmocka_unit_test(test_actions),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
