/*
 * test_care_codes — the national code lists the discharge workflow speaks.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "care_codes.h"

static void test_criteria(void **state)
{
    (void)state;
    char code[3] = "00";
    for (int n = 1; n <= 12; n++) {
        code[0] = (char)('0' + n / 10);
        code[1] = (char)('0' + n % 10);
        assert_true(care_is_criterion(code));
        assert_non_null(care_criterion_label(code));
    }
    assert_string_equal(care_criterion_label("03"), "Requiring intravenous fluids");
    assert_string_equal(care_criterion_label("12"), "Criteria to reside met but not otherwise specified");
    static const char *const bad[] = {"00", "13", "1", "001", "", "ab", "1a", "20", "-1"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_false(care_is_criterion(bad[i]));
        assert_null(care_criterion_label(bad[i]));
    }
    assert_false(care_is_criterion(NULL));
}

static void test_delay_reasons(void **state)
{
    (void)state;
    static const char *const dtoc[] = {"A", "B", "C", "D1", "D2", "E", "F", "G", "H", "I", "O"};
    for (size_t i = 0; i < sizeof dtoc / sizeof dtoc[0]; i++)
        assert_non_null(care_delay_label(dtoc[i]));
    assert_string_equal(care_delay_label("D2"), "Awaiting nursing home placement or availability");
    assert_string_equal(care_delay_label("E"), "Awaiting care package in own home");
    assert_null(care_delay_label("D"));
    assert_null(care_delay_label("X1")); /* a site's own code has no national label */
    assert_null(care_delay_label(NULL));
}

static void test_labels(void **state)
{
    (void)state;
    assert_string_equal(care_pathway_short(HUDDLE__PATHWAY__PATHWAY_0), "0");
    assert_string_equal(care_pathway_short(HUDDLE__PATHWAY__PATHWAY_3), "3");
    assert_string_equal(care_pathway_short(HUDDLE__PATHWAY__PATHWAY_UNSPECIFIED), "-");
    assert_string_equal(care_pathway_short((Huddle__Pathway)99), "-");
    assert_string_equal(care_pathway_label(HUDDLE__PATHWAY__PATHWAY_1), "home with support or reablement");
    assert_string_equal(care_status_label(HUDDLE__EPISODE_STATUS__EPISODE_STATUS_AWAITING_PLACEMENT),
                        "awaiting placement");
    assert_string_equal(care_status_label((Huddle__EpisodeStatus)99), "?");
    assert_string_equal(care_service_label(HUDDLE__SERVICE_TYPE__SERVICE_TYPE_NURSING), "nursing home");
    assert_string_equal(care_service_label(HUDDLE__SERVICE_TYPE__SERVICE_TYPE_UNSPECIFIED), "?");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_criteria),
        cmocka_unit_test(test_delay_reasons),
        cmocka_unit_test(test_labels),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
