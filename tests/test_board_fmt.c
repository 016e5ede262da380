/*
 * test_board_fmt — the discharge board, byte for byte: rows longest delayed first
 * whatever order they come in (ties in the broker's order), NHS numbers masked unless
 * asked for, a ready date or the criterion still met, delay reasons and the open
 * assessment, the totals with their labels (statuses, pathways, national and local
 * delay codes), delayed bed days, pathway 2 past six weeks, pathway 1 at home at 91
 * days as n/N and percent (and with none followed up), a truncated board, an empty
 * one, and JSON.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "board_fmt.h"
#include "event_fmt.h"

#define S(literal) ((char *)(literal))
#define MARCH_3_1200Z INT64_C(1772539200000) /* 2026-03-03T12:00:00Z, 12:00 in the UK (GMT) */

typedef struct {
    Huddle__Board board;
    Huddle__BoardEntry entry[3];
    Huddle__BoardEntry *entries[3];
    char *d1[2], *d2[1];
    Huddle__CountBy st[2], pw[2], dr[3];
    Huddle__CountBy *stp[2], *pwp[2], *drp[3];
    char *out;
    size_t out_len;
    FILE *fp;
} fx_t;

static void count(Huddle__CountBy *c, Huddle__CountBy **p, const char *key, uint32_t n)
{
    huddle__count_by__init(c);
    c->key = S(key);
    c->count = n;
    *p = c;
}

static int setup(void **state)
{
    fx_t *f = calloc(1, sizeof *f);
    assert_non_null(f);
    Huddle__Board *b = &f->board;
    huddle__board__init(b);
    b->hospital_ods = S("RYJ");
    b->as_of_ms = MARCH_3_1200Z;
    for (int i = 0; i < 3; i++) {
        huddle__board_entry__init(&f->entry[i]);
        f->entries[i] = &f->entry[i];
    }
    /* in an order that is not the display's: the middle one is longest delayed */
    Huddle__BoardEntry *e = f->entry;
    e[0].episode_id = S("RYJ:S-1003");
    e[0].nhs_number = S("4010232137");
    e[0].ward = S("AMU");
    e[0].pathway = HUDDLE__PATHWAY__PATHWAY_UNSPECIFIED;
    e[0].status = HUDDLE__EPISODE_STATUS__EPISODE_STATUS_NOT_READY;
    e[0].criteria_to_reside = S("05");
    e[1].episode_id = S("RYJ:S-1001");
    e[1].nhs_number = S("9434765919");
    e[1].ward = S("Ward 7");
    e[1].pathway = HUDDLE__PATHWAY__PATHWAY_2;
    e[1].status = HUDDLE__EPISODE_STATUS__EPISODE_STATUS_AWAITING_PLACEMENT;
    e[1].discharge_ready_date = S("2026-02-21");
    e[1].days_delayed = 10;
    f->d1[0] = S("A");
    f->d1[1] = S("D2");
    e[1].delay_reasons = f->d1;
    e[1].n_delay_reasons = 2;
    e[1].open_assessment_id = S("A57");
    e[2].episode_id = S("RYJ:S-1002");
    e[2].nhs_number = S("9990000018");
    e[2].ward = S("Ward 9");
    e[2].pathway = HUDDLE__PATHWAY__PATHWAY_1;
    e[2].status = HUDDLE__EPISODE_STATUS__EPISODE_STATUS_AWAITING_CARE_PACKAGE;
    e[2].discharge_ready_date = S("2026-02-28");
    e[2].days_delayed = 3;
    f->d2[0] = S("X9");
    e[2].delay_reasons = f->d2;
    e[2].n_delay_reasons = 1;
    b->entries = f->entries;
    b->n_entries = 3;
    b->open_episodes = 3;
    count(&f->st[0], &f->stp[0], "EPISODE_STATUS_AWAITING_PLACEMENT", 1);
    count(&f->st[1], &f->stp[1], "EPISODE_STATUS_NOT_READY", 2);
    b->by_status = f->stp;
    b->n_by_status = 2;
    count(&f->pw[0], &f->pwp[0], "PATHWAY_2", 1);
    count(&f->pw[1], &f->pwp[1], "PATHWAY_UNSPECIFIED", 2);
    b->by_pathway = f->pwp;
    b->n_by_pathway = 2;
    count(&f->dr[0], &f->drp[0], "A", 1);
    count(&f->dr[1], &f->drp[1], "D2", 1);
    count(&f->dr[2], &f->drp[2], "X9", 1);
    b->by_delay_reason = f->drp;
    b->n_by_delay_reason = 3;
    b->delayed_bed_days = 13;
    b->pathway2_over_42d = 1;
    b->pathway1_followed_up = 3;
    b->pathway1_at_home_91d = 2;
    b->pathway1_at_home_91d_share = 2.0 / 3;
    f->fp = open_memstream(&f->out, &f->out_len);
    assert_non_null(f->fp);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx_t *f = *state;
    if (f->fp)
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

static const char board_text[] =
    "Discharge board of RYJ, 2026-03-03 12:00 UK time: 3 open episodes.\n"
    "\n"
    "Episode     Patient       Ward    Pathway  Status                 Ready       Days  Delay reasons  Assessment\n"
    "RYJ:S-1001  *** *** 5919  Ward 7  2        awaiting placement     2026-02-21    10  A, D2          A57\n"
    "RYJ:S-1002  *** *** 0018  Ward 9  1        awaiting care package  2026-02-28     3  X9             -\n"
    "RYJ:S-1003  *** *** 2137  AMU     -        not ready              meets 05       0  -              -\n"
    "\n"
    "By status:\n"
    "      1  awaiting placement\n"
    "      2  not ready\n"
    "\n"
    "By pathway:\n"
    "      1  pathway 2: short-term bedded rehabilitation or care\n"
    "      2  not decided\n"
    "\n"
    "By delay reason:\n"
    "      1  A: Awaiting completion of assessment\n"
    "      1  D2: Awaiting nursing home placement or availability\n"
    "      1  X9: a local code\n"
    "\n"
    "Delayed bed days: 13\n"
    "Pathway 2 placements past six weeks: 1\n"
    "Pathway 1 at home at 91 days: 2/3 (67%)\n";

static void test_board_table_and_totals(void **state)
{
    fx_t *f = *state;
    board_fmt_board(f->fp, &f->board, false, 0);
    assert_string_equal(printed(f), board_text);
}

static void test_nhs_numbers_shown_when_asked(void **state)
{
    fx_t *f = *state;
    board_fmt_board(f->fp, &f->board, false, EVENT_FMT_SHOW_NHS);
    const char *out = printed(f);
    assert_non_null(strstr(out, "RYJ:S-1001  943 476 5919  Ward 7"));
    assert_null(strstr(out, "***"));
    char buf[BOARD_FMT_NHS_LEN];
    board_fmt_patient("", 0, buf);
    assert_string_equal(buf, "-");
    board_fmt_patient("12345", 0, buf);
    assert_string_equal(buf, "***");
}

static void test_masked_board_holds_no_whole_number(void **state)
{
    fx_t *f = *state;
    board_fmt_board(f->fp, &f->board, false, 0);
    const char *out = printed(f);
    assert_null(strstr(out, "9434765919"));
    assert_null(strstr(out, "943 476"));
    assert_null(strstr(out, "401 023"));
}

static void test_ties_keep_the_broker_order(void **state)
{
    fx_t *f = *state;
    f->entry[0].days_delayed = 3; /* now S-1003 and S-1002 are equal: S-1003 came first */
    board_fmt_board(f->fp, &f->board, false, 0);
    const char *out = printed(f);
    const char *a = strstr(out, "\nRYJ:S-1001"), *b = strstr(out, "\nRYJ:S-1003"), *c = strstr(out, "\nRYJ:S-1002");
    assert_non_null(a);
    assert_non_null(b);
    assert_non_null(c);
    assert_true(a < b && b < c);
}

static void test_none_followed_up_and_nothing_open(void **state)
{
    fx_t *f = *state;
    Huddle__Board *b = &f->board;
    b->n_entries = 0;
    b->open_episodes = 0;
    b->n_by_status = b->n_by_pathway = b->n_by_delay_reason = 0;
    b->delayed_bed_days = 0;
    b->pathway2_over_42d = 0;
    b->pathway1_followed_up = 0;
    b->pathway1_at_home_91d = 0;
    b->pathway1_at_home_91d_share = 0;
    b->hospital_ods = S("");
    b->neighbourhood_id = S("nb-north");
    board_fmt_board(f->fp, b, false, 0);
    assert_string_equal(printed(f), "Discharge board of neighbourhood nb-north, 2026-03-03 12:00 UK time: 0 open "
                                    "episodes.\n\nNo open episodes.\n\nBy status: none\n\nBy pathway: none\n\n"
                                    "By delay reason: none\n\nDelayed bed days: 0\n"
                                    "Pathway 2 placements past six weeks: 0\n"
                                    "Pathway 1 at home at 91 days: 0/0 (none followed up yet)\n");
}

static void test_truncated_board_says_so(void **state)
{
    fx_t *f = *state;
    f->board.open_episodes = 40;
    f->board.pathway1_followed_up = 4;
    f->board.pathway1_at_home_91d = 4;
    board_fmt_board(f->fp, &f->board, false, 0);
    const char *out = printed(f);
    assert_non_null(strstr(out, ": 40 open episodes, the 3 longest delayed shown.\n"));
    assert_non_null(strstr(out, "Pathway 1 at home at 91 days: 4/4 (100%)\n"));
}

static void test_json(void **state)
{
    fx_t *f = *state;
    f->board.n_entries = 1;
    f->entries[0] = &f->entry[1];
    board_fmt_board(f->fp, &f->board, true, 0);
    const char *out = printed(f);
    assert_non_null(strstr(out, "{\"entries\":[{\"episode_id\":\"RYJ:S-1001\",\"ward\":\"Ward 7\","
                                "\"pathway\":\"PATHWAY_2\",\"status\":\"EPISODE_STATUS_AWAITING_PLACEMENT\","
                                "\"discharge_ready_date\":\"2026-02-21\",\"days_delayed\":10,"
                                "\"delay_reasons\":[\"A\",\"D2\"],\"open_assessment_id\":\"A57\"}],"));
    assert_non_null(strstr(out, "\"by_status\":[{\"key\":\"EPISODE_STATUS_AWAITING_PLACEMENT\",\"count\":1},"));
    assert_non_null(strstr(out, "\"delayed_bed_days\":13,\"open_episodes\":3,\"pathway1_followed_up\":3,"
                                "\"pathway1_at_home_91d\":2,\"pathway1_at_home_91d_share\":0.6666666666666666,"
                                "\"pathway2_over_42d\":1,\"hospital_ods\":\"RYJ\",\"as_of_ms\":1772539200000}\n"));
    assert_null(strstr(out, "nhs_number"));
    fclose(f->fp);
    free(f->out);
    f->out = NULL;
    f->fp = open_memstream(&f->out, &f->out_len);
    board_fmt_board(f->fp, &f->board, true, EVENT_FMT_SHOW_NHS);
    assert_non_null(strstr(printed(f), "\"nhs_number\":\"9434765919\""));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_board_table_and_totals, setup, teardown),
        cmocka_unit_test_setup_teardown(test_nhs_numbers_shown_when_asked, setup, teardown),
        cmocka_unit_test_setup_teardown(test_masked_board_holds_no_whole_number, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ties_keep_the_broker_order, setup, teardown),
        cmocka_unit_test_setup_teardown(test_none_followed_up_and_nothing_open, setup, teardown),
        cmocka_unit_test_setup_teardown(test_truncated_board_says_so, setup, teardown),
        cmocka_unit_test_setup_teardown(test_json, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
