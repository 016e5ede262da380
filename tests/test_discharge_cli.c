/*
 * test_discharge_cli — the discharge and assessment agents as their users run them:
 * bin/huddle-discharge, bin/huddle-assessor and bin/huddle-provider's help (every
 * command's, naming its options), their usage errors and exit statuses (each bad
 * argument named by its flag, checked before any connection is tried), a feed whose
 * header is refused before connecting, no broker (exit 2), and, against the real
 * huddled, each program refusing to run as an agent of another role.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "episode_csv.h"
#include "tu_cli.h"

#define P1 "9434765919"

enum { HUB, ASSESSOR, PROVIDER, N_AGENTS };
static tu_agent_t agents[N_AGENTS] = {
    [HUB] = {.id = "hub-ryj", .role = HUDDLE__ROLE__ROLE_DISCHARGE_HUB, .org = "RYJ", .hospital = "RYJ"},
    [ASSESSOR] = {.id = "ta-ryj", .role = HUDDLE__ROLE__ROLE_TRUSTED_ASSESSOR, .org = "RYJ", .hospital = "RYJ"},
    [PROVIDER] = {.id = "cp-vn123", .role = HUDDLE__ROLE__ROLE_CARE_PROVIDER, .org = "VN123"},
};

typedef tu_cli_t fx_t;

#define RUN(f, ...) tu_run((const char *[]){__VA_ARGS__, NULL}, (f)->out, sizeof (f)->out)
#define DEAD "--endpoint", "tcp://127.0.0.1:1", "--timeout", "1"
#define AS(f, who) "--endpoint", (f)->broker.endpoint, "--server-key", (f)->server_key, "--key", (f)->key[who], \
                   "--timeout", tu_under_valgrind() ? "30" : "5"
#define has(f, text) tu_has((f)->out, (text))
#define lacks(f, text) tu_lacks((f)->out, (text))

static int setup_broker(void **state)
{
    tu_cli_setup(state);
    tu_cli_start_broker(*state, agents, N_AGENTS, NULL);
    return 0;
}

/* ---- help ---------------------------------------------------------------------------- */

typedef struct {
    const char *command;
    const char *says[8];
} help_case_t;

static void check_help(fx_t *f, const char *program, const help_case_t *cases, size_t n)
{
    assert_int_equal(RUN(f, program, "--help"), 0);
    for (size_t i = 0; i < n; i++) {
        char want[64];
        snprintf(want, sizeof want, "\n  %s ", cases[i].command);
        has(f, want);
    }
    for (size_t i = 0; i < n; i++) {
        int rc = RUN(f, program, cases[i].command, "--help");
        if (rc != 0)
            fail_msg("%s %s --help: exit %d\n%s", program, cases[i].command, rc, f->out);
        char want[96];
        snprintf(want, sizeof want, "usage: %s %s", program, cases[i].command);
        has(f, want);
        has(f, "--key FILE");
        has(f, "--server-key FILE");
        has(f, "Exit status: 0 done, 1 the broker refused");
        for (size_t k = 0; k < 8 && cases[i].says[k]; k++)
            has(f, cases[i].says[k]);
        assert_int_equal(RUN(f, program, "help", cases[i].command), 0);
        has(f, want);
    }
}

static void test_discharge_help(void **state)
{
    static const help_case_t cases[] = {
        {"update", {"--local-id ID", "--nhs N", "--admitted TIME", "--criterion 01-12", "--ready DATE",
                    "--pathway 0-3", "--delay A,D2", "Statuses: not-ready|awaiting-assessment|"}},
        {"feed", {"usage: huddle-discharge feed [OPTIONS] FILE.csv", "--quiet", EPISODE_CSV_HEADER,
                  "  delay_reasons             delay reason codes", "  admitted_at "}},
        {"board", {"--hospital ODS", "--neighbourhood ID", "--once", "--json", "--limit N", "--show-nhs",
                   "redraws after each"}},
    };
    check_help(*state, "huddle-discharge", cases, sizeof cases / sizeof cases[0]);
}

static void test_assessor_help(void **state)
{
    static const help_case_t cases[] = {
        {"submit", {"--nhs N", "--episode HOSP:LOCAL", "--provider ODS", "--service S", "--assessor-name TEXT",
                    "--assessed DATE", "--recommendation TEXT", "--hours N"}},
        {"info", {"usage: huddle-assessor info ASSESSMENT", "--answer TEXT"}},
        {"list", {"--episode HOSP:LOCAL", "--json"}},
        {"listen", {"--once", "--json", "--subscription NAME", "REQUEST_INFO with the question"}},
    };
    fx_t *f = *state;
    check_help(f, "huddle-assessor", cases, sizeof cases / sizeof cases[0]);
    assert_int_equal(RUN(f, "huddle-assessor", "submit", "--help"), 0);
    static const char *const needs[] = {"--mobility", "--transfers", "--continence", "--cognition", "--behaviour",
                                        "--skin",     "--medication", "--nursing",    "--equipment"};
    for (size_t i = 0; i < sizeof needs / sizeof needs[0]; i++) {
        char want[32];
        snprintf(want, sizeof want, "  %s TEXT", needs[i]);
        has(f, want);
    }
}

static void test_provider_help(void **state)
{
    static const help_case_t cases[] = {
        {"list", {"--all", "--json", "time left before the\n24-hour deadline"}},
        {"show", {"usage: huddle-provider show ASSESSMENT"}},
        {"accept", {"--start DATE", "--responder"}},
        {"query", {"--question TEXT"}},
        {"decline", {"--reason R", "no-capacity, needs-exceed-registration, assessment-incomplete or other", "--text"}},
        {"listen", {"--once", "--subscription NAME"}},
        {"placement", {"--review", "--ended", "--date DATE", "--destination D", "home-with-support", "--outcome"}},
        {"follow-up", {"--result R", "at-home, not-at-home or not-known", "--where W", "--notes"}},
    };
    check_help(*state, "huddle-provider", cases, sizeof cases / sizeof cases[0]);
}

/* ---- usage errors, before any connection --------------------------------------------------- */

typedef struct {
    const char *argv[24];
    const char *says;
} usage_case_t;

static void check_usage(fx_t *f, const char *program, const usage_case_t *cases, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        /* a dead endpoint: a command that tried to connect would say "no broker answered" */
        const char *argv[40] = {program};
        size_t k = 1;
        for (size_t j = 0; j < 24 && cases[i].argv[j]; j++)
            argv[k++] = cases[i].argv[j];
        static const char *const dead[] = {DEAD};
        for (size_t j = 0; j < 4; j++)
            argv[k++] = dead[j];
        int rc = tu_run(argv, f->out, sizeof f->out);
        if (rc != 2)
            fail_msg("%s case %zu (%s): exit %d, output:\n%s", program, i, cases[i].argv[0], rc, f->out);
        has(f, cases[i].says);
        lacks(f, "no broker answered");
        lacks(f, P1);
    }
}

#define UPD "update", "--local-id", "S1", "--nhs", P1, "--admitted", "2026-02-01T08:00"

static void test_discharge_usage_errors(void **state)
{
    static const usage_case_t cases[] = {
        {{"update", "--nhs", P1, "--admitted", "2026-02-01T08:00", "--status", "not-ready"}, "update: --local-id is required"},
        {{UPD}, "update: --status is required"},
        {{UPD, "--status", "gone"}, "--status: 'gone' is not a status: not-ready|"},
        {{UPD, "--status", "not-ready", "--local-id", "S 1"}, "--local-id: a local id is letters, digits"},
        {{UPD, "--status", "not-ready", "--nhs", "9434765918"}, "--nhs: NHS number check digit does not match"},
        {{UPD, "--status", "not-ready", "--admitted", "yesterday"}, "--admitted: 'yesterday' is not a time"},
        {{UPD, "--status", "not-ready", "--criterion", "13"}, "--criterion: '13' is not a criterion to reside, 01-12"},
        {{UPD, "--status", "not-ready", "--criterion", "05", "--ready", "2026-02-03"},
         "--criterion: give a criterion to reside or a discharge-ready date, not both"},
        {{UPD, "--status", "awaiting-placement", "--ready", "2026-02-30"}, "--ready: '2026-02-30' is not a date"},
        {{UPD, "--status", "awaiting-placement", "--pathway", "4"}, "--pathway: '4' is not a pathway, 0-3"},
        {{UPD, "--status", "awaiting-placement", "--delay", "A,A"}, "--delay: A is given twice"},
        {{UPD, "--status", "awaiting-placement", "--expected", "soon"}, "--expected: 'soon' is not a date"},
        {{UPD, "--status", "discharged"}, "--discharged: required with discharged"},
        {{UPD, "--status", "not-ready", "--discharged", "2026-02-02T10:00"},
         "--discharged: only with the status discharged"},
        {{UPD, "--status", "not-ready", "--practice", "a81001"}, "--practice: 'a81001': ODS code may contain only"},
        {{UPD, "--status", "not-ready", "--ward", "W", "extra"}, "update: unexpected argument 'extra'"},
        {{UPD, "--status", "not-ready", "--bogus"}, "update: unknown option --bogus"},
        {{"feed"}, "huddle-discharge: feed needs FILE.csv"},
        {{"feed", "/nonexistent/feed.csv"}, "huddle-discharge: cannot read /nonexistent/feed.csv: No such file"},
        {{"board", "--hospital", "RYJ", "--neighbourhood", "nb-north"}, "--hospital or --neighbourhood, not both"},
        {{"board", "--json"}, "--json goes with --once"},
        {{"board", "--limit", "0"}, "--limit needs a whole number from 1 to 100000"},
        {{"frobnicate"}, "unknown command 'frobnicate'"},
    };
    fx_t *f = *state;
    check_usage(f, "huddle-discharge", cases, sizeof cases / sizeof cases[0]);
    assert_int_equal(RUN(f, "huddle-discharge"), 2);
    has(f, "usage: huddle-discharge COMMAND");
}

#define SUB "submit", "--nhs", P1, "--episode", "RYJ:S1", "--provider", "VN123", "--assessor-name", "Jo Bloggs, OT", \
            "--assessed", "2026-02-01", "--recommendation", "Nursing home"

static void test_assessor_usage_errors(void **state)
{
    static const usage_case_t cases[] = {
        {{SUB}, "submit: --service is required"},
        {{SUB, "--service", "hotel"}, "--service is residential, nursing, home-care or reablement, not 'hotel'"},
        {{SUB, "--service", "nursing", "--nhs", "123"}, "--nhs: NHS number must be exactly 10 digits"},
        {{SUB, "--service", "nursing", "--episode", "S1"}, "--episode: 'S1' is not an episode id"},
        {{SUB, "--service", "nursing", "--episode", "ryj:S1"}, "--episode: the episode's hospital 'ryj'"},
        {{SUB, "--service", "nursing", "--provider", "x"}, "--provider: ODS code"},
        {{SUB, "--service", "nursing", "--assessed", "2026-02-30"}, "--assessed '2026-02-30' is not a date"},
        {{SUB, "--service", "nursing", "--assessed", "2999-01-01"}, "--assessed 2999-01-01 is in the future"},
        {{SUB, "--service", "nursing", "--start", "monday"}, "--start 'monday' is not a date"},
        {{SUB, "--service", "nursing", "--hours", "10"}, "--hours goes with home-care or reablement"},
        {{SUB, "--service", "home-care", "--hours", "200"}, "--hours needs a whole number from 0 to 168"},
        {{SUB, "--service", "nursing", "--recommendation", ""}, "--recommendation needs a value"},
        {{SUB, "--service", "nursing", "--message-id",
          "0123456789012345678901234567890123456789012345678901234567890123456789"},
         "--message-id is 1-64 characters"},
        {{"info", "A1"}, "info: --answer is required"},
        {{"info", "--answer", "x"}, "usage: huddle-assessor info ASSESSMENT"},
        {{"info", "A 1", "--answer", "x"}, "an assessment id is 1-32 printable characters"},
        {{"list", "--episode", "RYJ"}, "--episode: 'RYJ' is not an episode id"},
        {{"listen", "extra"}, "unexpected argument 'extra'"},
    };
    check_usage(*state, "huddle-assessor", cases, sizeof cases / sizeof cases[0]);
}

static void test_provider_usage_errors(void **state)
{
    static const usage_case_t cases[] = {
        {{"accept", "A1"}, "accept: --start is required"},
        {{"accept", "A1", "--start", "2026-02-30"}, "--start '2026-02-30' is not a date"},
        {{"accept", "--start", "2026-03-01"}, "usage: huddle-provider accept ASSESSMENT"},
        {{"query", "A1"}, "query: --question is required"},
        {{"decline", "A1"}, "decline: --reason is required"},
        {{"decline", "A1", "--reason", "busy"}, "--reason is no-capacity, needs-exceed-registration, "
                                               "assessment-incomplete or other, not 'busy'"},
        {{"decline", "A1", "--reason", "other"}, "--reason other needs --text saying why"},
        {{"show", "0123456789012345678901234567890123"}, "an assessment id is 1-32 printable characters"},
        {{"placement", "RYJ:S1"}, "placement takes --review or --ended"},
        {{"placement", "RYJ:S1", "--review", "--ended"}, "placement takes --review or --ended"},
        {{"placement", "RYJ:S1", "--ended", "--destination", "home"}, "an ended placement needs --date DATE"},
        {{"placement", "RYJ:S1", "--ended", "--date", "2026-03-01"}, "an ended placement needs --destination"},
        {{"placement", "RYJ:S1", "--ended", "--date", "2026-03-01", "--destination", "moon"},
         "--destination is home, home-with-support, care-home, hospital, died or other, not 'moon'"},
        {{"placement", "RYJ:S1", "--review", "--date", "2026-03-01"}, "--date goes with --ended only"},
        {{"placement", "RYJ:S1", "--ended", "--date", "2026-13-01", "--destination", "home"},
         "--date '2026-13-01' is not a date"},
        {{"placement", "S1", "--review"}, "'S1' is not an episode id"},
        {{"follow-up", "RYJ:S1", "--date", "2026-03-01"}, "follow-up: --result is required"},
        {{"follow-up", "RYJ:S1", "--result", "gone", "--date", "2026-03-01"},
         "--result is at-home, not-at-home or not-known, not 'gone'"},
        {{"follow-up", "RYJ:S1", "--result", "not-at-home", "--date", "2026-03-01"},
         "not-at-home needs --where in-hospital|care-home|died|other"},
        {{"follow-up", "RYJ:S1", "--result", "at-home", "--where", "died", "--date", "2026-03-01"},
         "--where goes with --result not-at-home only"},
        {{"follow-up", "RYJ:S1", "--result", "not-at-home", "--where", "mars", "--date", "2026-03-01"},
         "--where is in-hospital, care-home, died or other, not 'mars'"},
        {{"follow-up", "RYJ:S1", "--result", "at-home"}, "follow-up: --date is required"},
        {{"list", "A1"}, "list: unexpected argument 'A1'"},
        {{"frobnicate"}, "unknown command 'frobnicate'"},
    };
    check_usage(*state, "huddle-provider", cases, sizeof cases / sizeof cases[0]);
}

static void test_feed_bad_header_refused_before_connecting(void **state)
{
    fx_t *f = *state;
    char path[600];
    snprintf(path, sizeof path, "%s/feed.csv", f->dir);
    tu_write_file(path, "local_id,nhs_number,admitted_at,state\nS1," P1 ",2026-02-01T08:00,not-ready\n", 0600);
    assert_int_equal(RUN(f, "huddle-discharge", "feed", path, DEAD), 1);
    has(f, "feed.csv:1: header: unknown column 'state'; the columns are " EPISODE_CSV_HEADER);
    has(f, "feed.csv:1: header: no status column");
    lacks(f, "no broker answered");
}

static void test_no_broker_is_exit_2(void **state)
{
    fx_t *f = *state;
    assert_int_equal(RUN(f, "huddle-discharge", UPD, "--status", "not-ready", "--criterion", "3", DEAD), 2);
    has(f, "huddle-discharge: no broker answered at tcp://127.0.0.1:1");
    assert_int_equal(RUN(f, "huddle-discharge", "board", "--once", DEAD), 2);
    has(f, "huddle-discharge: no broker answered");
    assert_int_equal(RUN(f, "huddle-assessor", "list", DEAD), 2);
    has(f, "huddle-assessor: no broker answered");
    assert_int_equal(RUN(f, "huddle-provider", "decline", "A1", "--reason", "other", "--text", "closing", DEAD), 2);
    has(f, "huddle-provider: no broker answered");
}

/* ---- against the broker ------------------------------------------------------------------- */

static void test_each_program_runs_only_as_its_role(void **state)
{
    fx_t *f = *state;
    assert_int_equal(RUN(f, "huddle-discharge", UPD, "--status", "not-ready", "--criterion", "3", AS(f, PROVIDER)), 2);
    has(f, "agent cp-vn123 is not a discharge hub (its role is CARE_PROVIDER)");
    assert_int_equal(RUN(f, "huddle-assessor", "list", AS(f, HUB)), 2);
    has(f, "agent hub-ryj is not a trusted assessor (its role is DISCHARGE_HUB)");
    assert_int_equal(RUN(f, "huddle-provider", "list", AS(f, ASSESSOR)), 2);
    has(f, "agent ta-ryj is not a care provider (its role is TRUSTED_ASSESSOR)");
    lacks(f, P1);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, tu_cli_setup, tu_cli_teardown)
#define T_BROKER(name, setup) cmocka_unit_test_setup_teardown(name, setup, tu_cli_teardown)
    const struct CMUnitTest tests[] = {
        T(test_discharge_help),
        T(test_assessor_help),
        T(test_provider_help),
        T(test_discharge_usage_errors),
        T(test_assessor_usage_errors),
        T(test_provider_usage_errors),
        T(test_feed_bad_header_refused_before_connecting),
        T(test_no_broker_is_exit_2),
        T_BROKER(test_each_program_runs_only_as_its_role, setup_broker),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
