/*
 * test_discharge_args — the hub's and providers' spellings: every status, pathway,
 * destination, follow-up result and place by name; times in UK clock time (GMT and
 * BST) or with a zone; delay codes; the episode id's shape; each mistake in a placement
 * or follow-up report named by its option; and the events built from them, with
 * message ids that repeat for the same report and differ for another.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "discharge_args.h"
#include "hd_time.h"

static int64_t at(const char *iso)
{
    int64_t ms = 0;
    assert_int_equal(hd_time_parse(iso, strlen(iso), &ms), HD_TIME_OK);
    return ms;
}

static void test_statuses_and_pathways(void **state)
{
    (void)state;
    static const struct {
        const char *word;
        Huddle__EpisodeStatus s;
    } words[] = {
        {"not-ready", HUDDLE__EPISODE_STATUS__EPISODE_STATUS_NOT_READY},
        {"awaiting-assessment", HUDDLE__EPISODE_STATUS__EPISODE_STATUS_AWAITING_ASSESSMENT},
        {"awaiting-care-package", HUDDLE__EPISODE_STATUS__EPISODE_STATUS_AWAITING_CARE_PACKAGE},
        {"awaiting-placement", HUDDLE__EPISODE_STATUS__EPISODE_STATUS_AWAITING_PLACEMENT},
        {"awaiting-equipment", HUDDLE__EPISODE_STATUS__EPISODE_STATUS_AWAITING_EQUIPMENT},
        {"awaiting-transport", HUDDLE__EPISODE_STATUS__EPISODE_STATUS_AWAITING_TRANSPORT},
        {"discharged", HUDDLE__EPISODE_STATUS__EPISODE_STATUS_DISCHARGED},
    };
    char why[DISCHARGE_WHY_LEN];
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++) {
        discharge_episode_t ep = {0};
        assert_int_equal(discharge_args_set(&ep, DISCHARGE_F_STATUS, words[i].word, why), 0);
        assert_int_equal(ep.status, words[i].s);
        assert_non_null(strstr(discharge_args_statuses(), words[i].word));
    }
    discharge_episode_t ep = {0};
    assert_int_equal(discharge_args_set(&ep, DISCHARGE_F_STATUS, "awaiting", why), -1);
    assert_string_equal(why, "'awaiting' is not a status: " "not-ready|awaiting-assessment|awaiting-care-package|"
                             "awaiting-placement|awaiting-equipment|awaiting-transport|discharged");
    for (int p = 0; p <= 3; p++) {
        char word[2] = {(char)('0' + p), '\0'};
        assert_int_equal(discharge_args_set(&ep, DISCHARGE_F_PATHWAY, word, why), 0);
        assert_int_equal(ep.pathway, HUDDLE__PATHWAY__PATHWAY_0 + p);
    }
    assert_int_equal(discharge_args_set(&ep, DISCHARGE_F_PATHWAY, "P1", why), -1);
    assert_string_equal(why, "'P1' is not a pathway, 0-3");
    /* "" leaves a field as it is */
    assert_int_equal(discharge_args_set(&ep, DISCHARGE_F_PATHWAY, "  ", why), 0);
    assert_int_equal(ep.pathway, HUDDLE__PATHWAY__PATHWAY_3);
    assert_string_equal(discharge_args_column(DISCHARGE_F_READY), "discharge_ready_date");
}

static void test_times(void **state)
{
    (void)state;
    int64_t ms;
    assert_int_equal(discharge_args_time("2026-01-10T14:30", &ms), 0); /* GMT */
    assert_true(ms == at("2026-01-10T14:30:00Z"));
    assert_int_equal(discharge_args_time("2026-07-10 14:30", &ms), 0); /* BST */
    assert_true(ms == at("2026-07-10T13:30:00Z"));
    assert_int_equal(discharge_args_time("2026-07-10T14:30:15.5", &ms), 0);
    assert_true(ms == at("2026-07-10T13:30:15.500Z"));
    assert_int_equal(discharge_args_time("2026-07-10T14:30Z", &ms), 0);
    assert_true(ms == at("2026-07-10T14:30:00Z"));
    assert_int_equal(discharge_args_time("2026-07-10T14:30:00+02:00", &ms), 0);
    assert_true(ms == at("2026-07-10T12:30:00Z"));
    /* the hour after the clocks go back is still GMT's */
    assert_int_equal(discharge_args_time("2026-10-25T03:00", &ms), 0);
    assert_true(ms == at("2026-10-25T03:00:00Z"));
    static const char *const bad[] = {"2026-07-10", "2026-07-10T1430", "2026-07-10T25:00", "2026-02-30T10:00",
                                      "2026-07-10T14:30:5", "2026-07-10T14:30 Z", "tomorrow", ""};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (discharge_args_time(bad[i], &ms) == 0)
            fail_msg("'%s' was read as a time", bad[i]);
    assert_int_equal(discharge_args_date("2024-02-29"), 0);
    assert_int_equal(discharge_args_date("2025-02-29"), -1);
    assert_int_equal(discharge_args_date("2025-2-1"), -1);
}

static void test_codes_and_ids(void **state)
{
    (void)state;
    discharge_episode_t ep = {0};
    char why[DISCHARGE_WHY_LEN];
    assert_int_equal(discharge_args_set(&ep, DISCHARGE_F_DELAYS, "a, d2;E  o", why), 0);
    assert_int_equal(ep.n_delay_reasons, 4);
    assert_string_equal(ep.delay_reasons[1], "D2");
    assert_int_equal(discharge_args_set(&ep, DISCHARGE_F_CRITERION, "7", why), 0);
    assert_string_equal(ep.criteria_to_reside, "07");
    assert_int_equal(discharge_args_set(&ep, DISCHARGE_F_CRITERION, "00", why), -1);
    assert_int_equal(discharge_args_set(&ep, DISCHARGE_F_NHS, "943-476-5919", why), 0);
    assert_string_equal(ep.nhs_number, "9434765919");
    assert_int_equal(discharge_args_episode_id("RYJ:S-1/2_3", why), 0);
    assert_int_equal(discharge_args_episode_id("RYJ", why), -1);
    assert_string_equal(why, "'RYJ' is not an episode id \"<hospital ODS>:<local id>\"");
    assert_int_equal(discharge_args_episode_id("RYJ:", why), -1);
    assert_string_equal(why, "in the episode id, a local id is 1-32 characters, not 0");
    assert_int_equal(discharge_args_episode_id("R:S1", why), -1);
    assert_non_null(strstr(why, "the episode's hospital 'R': ODS code shorter than 3"));
}

static void test_report_words(void **state)
{
    (void)state;
    static const struct {
        const char *word;
        Huddle__PlacementDestination d;
    } dest[] = {
        {"home", HUDDLE__PLACEMENT_DESTINATION__PLACEMENT_DESTINATION_HOME},
        {"home-with-support", HUDDLE__PLACEMENT_DESTINATION__PLACEMENT_DESTINATION_HOME_WITH_SUPPORT},
        {"care-home", HUDDLE__PLACEMENT_DESTINATION__PLACEMENT_DESTINATION_CARE_HOME_LONG_TERM},
        {"hospital", HUDDLE__PLACEMENT_DESTINATION__PLACEMENT_DESTINATION_HOSPITAL},
        {"died", HUDDLE__PLACEMENT_DESTINATION__PLACEMENT_DESTINATION_DIED},
        {"other", HUDDLE__PLACEMENT_DESTINATION__PLACEMENT_DESTINATION_OTHER},
    };
    for (size_t i = 0; i < sizeof dest / sizeof dest[0]; i++) {
        Huddle__PlacementDestination d = 0;
        assert_int_equal(discharge_args_destination(dest[i].word, &d), 0);
        assert_int_equal(d, dest[i].d);
    }
    static const struct {
        const char *word;
        Huddle__FollowUpResult r;
    } res[] = {
        {"at-home", HUDDLE__FOLLOW_UP_RESULT__FOLLOW_UP_RESULT_AT_HOME},
        {"not-at-home", HUDDLE__FOLLOW_UP_RESULT__FOLLOW_UP_RESULT_NOT_AT_HOME},
        {"not-known", HUDDLE__FOLLOW_UP_RESULT__FOLLOW_UP_RESULT_NOT_KNOWN},
    };
    for (size_t i = 0; i < sizeof res / sizeof res[0]; i++) {
        Huddle__FollowUpResult r = 0;
        assert_int_equal(discharge_args_result(res[i].word, &r), 0);
        assert_int_equal(r, res[i].r);
    }
    static const struct {
        const char *word;
        Huddle__FollowUpWhere w;
    } where[] = {
        {"in-hospital", HUDDLE__FOLLOW_UP_WHERE__FOLLOW_UP_WHERE_IN_HOSPITAL},
        {"care-home", HUDDLE__FOLLOW_UP_WHERE__FOLLOW_UP_WHERE_CARE_HOME},
        {"died", HUDDLE__FOLLOW_UP_WHERE__FOLLOW_UP_WHERE_DIED},
        {"other", HUDDLE__FOLLOW_UP_WHERE__FOLLOW_UP_WHERE_OTHER},
    };
    for (size_t i = 0; i < sizeof where / sizeof where[0]; i++) {
        Huddle__FollowUpWhere w = 0;
        assert_int_equal(discharge_args_where(where[i].word, &w), 0);
        assert_int_equal(w, where[i].w);
    }
    Huddle__PlacementDestination d;
    Huddle__FollowUpResult r;
    Huddle__FollowUpWhere w;
    assert_int_equal(discharge_args_destination("Home", &d), -1);
    assert_int_equal(discharge_args_result("home", &r), -1);
    assert_int_equal(discharge_args_where(NULL, &w), -1);
}

static void test_placement_checks_and_event(void **state)
{
    (void)state;
    char why[DISCHARGE_WHY_LEN];
    discharge_placement_t p = {.episode_id = "RYJ:S1", .ended = true, .ended_date = "2026-03-20",
                               .destination = HUDDLE__PLACEMENT_DESTINATION__PLACEMENT_DESTINATION_HOME,
                               .outcome = "Home with daughter"};
    assert_int_equal(discharge_args_placement_check(&p, why), 0);
    discharge_report_msg_t m, again;
    discharge_args_placement_event(&p, "VN123", NULL, 1, &m);
    assert_int_equal(m.ev.kind, HUDDLE__EVENT_KIND__EVENT_KIND_PLACEMENT_REPORTED);
    assert_int_equal(m.ev.payload_case, HUDDLE__EVENT__PAYLOAD_PLACEMENT_REPORT);
    assert_string_equal(m.ev.subject->episode_id, "RYJ:S1");
    assert_true(m.ev.placement_report->placement_ended);
    assert_string_equal(m.ev.placement_report->ended_date, "2026-03-20");
    assert_int_equal(strncmp(m.ev.message_id, "pl-VN123-", 9), 0);
    discharge_args_placement_event(&p, "VN123", NULL, 2, &again); /* a retry later: the same id */
    assert_string_equal(again.ev.message_id, m.ev.message_id);
    p.outcome = "Home alone";
    discharge_args_placement_event(&p, "VN123", NULL, 1, &again);
    assert_string_not_equal(again.ev.message_id, m.ev.message_id);

    discharge_placement_t review = {.episode_id = "RYJ:S1", .outcome = "Settling in"};
    assert_int_equal(discharge_args_placement_check(&review, why), 0);
    /* a review retried the same day keeps its id; the same words a week later are
     * another review */
    discharge_args_placement_event(&review, "VN123", NULL, 7 * HD_MS_PER_DAY, &m);
    discharge_args_placement_event(&review, "VN123", NULL, 7 * HD_MS_PER_DAY + 3600000, &again);
    assert_string_equal(again.ev.message_id, m.ev.message_id);
    discharge_args_placement_event(&review, "VN123", NULL, 14 * HD_MS_PER_DAY, &again);
    assert_string_not_equal(again.ev.message_id, m.ev.message_id);
    review.outcome = NULL;
    discharge_args_placement_event(&review, "VN123", "mine-1", 1, &m);
    assert_string_equal(m.ev.message_id, "mine-1");
    assert_false(m.ev.placement_report->placement_ended);
    assert_string_equal(m.ev.placement_report->outcome, "");
    review.ended_date = "2026-03-20";
    assert_int_equal(discharge_args_placement_check(&review, why), -1);
    assert_string_equal(why, "--date goes with --ended only");
    discharge_placement_t ended = {.episode_id = "RYJ:S1", .ended = true, .ended_date = "2026-03-20"};
    assert_int_equal(discharge_args_placement_check(&ended, why), -1);
    assert_string_equal(why, "an ended placement needs --destination WHERE");
    char long_text[1100];
    memset(long_text, 'x', 1001);
    long_text[1001] = '\0';
    review.ended_date = NULL;
    review.outcome = long_text;
    assert_int_equal(discharge_args_placement_check(&review, why), -1);
    assert_string_equal(why, "--outcome is 1001 bytes, at most 1000");
}

static void test_follow_up_checks_and_event(void **state)
{
    (void)state;
    char why[DISCHARGE_WHY_LEN];
    discharge_follow_up_t f = {.episode_id = "RYJ:S1", .result = HUDDLE__FOLLOW_UP_RESULT__FOLLOW_UP_RESULT_NOT_AT_HOME,
                               .where = HUDDLE__FOLLOW_UP_WHERE__FOLLOW_UP_WHERE_CARE_HOME, .date = "2026-06-01"};
    assert_int_equal(discharge_args_follow_up_check(&f, why), 0);
    discharge_report_msg_t m;
    discharge_args_follow_up_event(&f, "E08000026", NULL, 1, &m);
    assert_int_equal(m.ev.kind, HUDDLE__EVENT_KIND__EVENT_KIND_FOLLOW_UP_REPORTED);
    assert_int_equal(m.ev.follow_up_report->where, HUDDLE__FOLLOW_UP_WHERE__FOLLOW_UP_WHERE_CARE_HOME);
    assert_string_equal(m.ev.follow_up_report->notes, "");
    assert_int_equal(strncmp(m.ev.message_id, "fu-E08000026-", 13), 0);
    f.date = "2026-06-31";
    assert_int_equal(discharge_args_follow_up_check(&f, why), -1);
    assert_string_equal(why, "--date '2026-06-31' is not a date YYYY-MM-DD");
    f.date = NULL;
    assert_int_equal(discharge_args_follow_up_check(&f, why), -1);
    assert_string_equal(why, "--date is required");
    f.date = "2026-06-01";
    f.where = 0;
    assert_int_equal(discharge_args_follow_up_check(&f, why), -1);
    assert_string_equal(why, "not-at-home needs --where in-hospital|care-home|died|other");
    f.result = HUDDLE__FOLLOW_UP_RESULT__FOLLOW_UP_RESULT_AT_HOME;
    f.where = HUDDLE__FOLLOW_UP_WHERE__FOLLOW_UP_WHERE_DIED;
    assert_int_equal(discharge_args_follow_up_check(&f, why), -1);
    assert_string_equal(why, "--where goes with --result not-at-home only");
    f.episode_id = "nonsense";
    assert_int_equal(discharge_args_follow_up_check(&f, why), -1);
    assert_non_null(strstr(why, "is not an episode id"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_statuses_and_pathways),
        cmocka_unit_test(test_times),
        cmocka_unit_test(test_codes_and_ids),
        cmocka_unit_test(test_report_words),
        cmocka_unit_test(test_placement_checks_and_event),
        cmocka_unit_test(test_follow_up_checks_and_event),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
