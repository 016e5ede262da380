/*
 * test_agenda_fmt — the coordinator's tables, byte for byte: a sample agenda as an
 * aligned text table and as a GitHub Markdown table, NHS numbers hidden unless asked
 * for (then spaced 3-3-4), UK clock time for the planned starts (BST in summer, GMT in
 * winter), '|' escaped in Markdown cells, an empty agenda, a waiting list, JSON, and
 * the format names.
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

#include "agenda_fmt.h"
#include "event_fmt.h"

#define S(literal) ((char *)(literal))
#define MIN_MS INT64_C(60000)
#define JUNE_0900Z INT64_C(1780390800000) /* 2026-06-02T09:00:00Z, 10:00 in the UK (BST) */
#define JAN_0900Z INT64_C(1768381200000)  /* 2026-01-14T09:00:00Z, 09:00 in the UK (GMT) */

typedef struct {
    Huddle__MdtAgenda agenda;
    Huddle__AgendaItem item[3];
    Huddle__AgendaItem *items[3];
    Huddle__Cohort cohorts1[2], cohorts2[1];
    char *out;
    size_t out_len;
    FILE *fp;
} fx_t;

static void item(Huddle__AgendaItem *it, uint32_t pos, const char *ref, const char *nhs, Huddle__Tier tier,
                 uint32_t score, uint32_t eff, uint32_t minutes, uint32_t days, const char *practice, int64_t start)
{
    huddle__agenda_item__init(it);
    it->position = pos;
    it->referral_id = S(ref);
    it->nhs_number = S(nhs);
    it->tier = tier;
    it->score = score;
    it->effective_priority = eff;
    it->minutes = minutes;
    it->days_waiting = days;
    it->practice_ods = S(practice);
    it->planned_start_ms = start;
}

static int setup(void **state)
{
    fx_t *f = calloc(1, sizeof *f);
    assert_non_null(f);
    Huddle__MdtAgenda *a = &f->agenda;
    huddle__mdt_agenda__init(a);
    a->session_id = S("S42");
    a->neighbourhood_id = S("nb-north");
    a->starts_at_ms = JUNE_0900Z;
    a->length_minutes = 60;
    a->total_minutes = 30;
    a->published = true;
    a->left_waiting = 3;
    item(&f->item[0], 1, "R17", "9434765919", HUDDLE__TIER__TIER_RED, 72, 80, 15, 28, "A81001", JUNE_0900Z);
    item(&f->item[1], 2, "R5", "4010232137", HUDDLE__TIER__TIER_AMBER, 45, 51, 10, 21, "A81002",
         JUNE_0900Z + 15 * MIN_MS);
    item(&f->item[2], 3, "R123", "", HUDDLE__TIER__TIER_GREEN, 20, 20, 5, 3, "B82001", JUNE_0900Z + 25 * MIN_MS);
    f->cohorts1[0] = HUDDLE__COHORT__COHORT_MULTIMORBIDITY;
    f->cohorts1[1] = HUDDLE__COHORT__COHORT_FRAILTY;
    f->item[0].cohorts = f->cohorts1;
    f->item[0].n_cohorts = 2;
    f->item[0].deferred_before = true;
    f->cohorts2[0] = HUDDLE__COHORT__COHORT_HIGH_COST;
    f->item[1].cohorts = f->cohorts2;
    f->item[1].n_cohorts = 1;
    f->item[2].added_by_hand = true;
    for (size_t i = 0; i < 3; i++)
        f->items[i] = &f->item[i];
    a->items = f->items;
    a->n_items = 3;
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

/* What was printed so far (and the stream emptied for the next call). */
static const char *printed(fx_t *f)
{
    fflush(f->fp);
    return f->out;
}

static void test_aligned_table(void **state)
{
    fx_t *f = *state;
    agenda_fmt_agenda(f->fp, &f->agenda, AGENDA_FMT_TABLE, 0);
    assert_string_equal(printed(f),
                        "Agenda of session S42 (nb-north)\n"
                        "2026-06-02 10:00 UK time, 60 minutes: 3 items, 30 minutes planned, published.\n"
                        "\n"
                        "#  Start  Min  Tier   Score  Priority  Days  Practice  Cohorts                  Referral  Notes\n"
                        "1  10:00   15  RED       72        80    28  A81001    MULTIMORBIDITY, FRAILTY  R17       deferred before\n"
                        "2  10:15   10  AMBER     45        51    21  A81002    HIGH_COST                R5\n"
                        "3  10:25    5  GREEN     20        20     3  B82001    -                        R123      added by hand\n"
                        "\n"
                        "3 eligible referrals did not fit this session.\n");
    assert_null(strstr(f->out, "9434765919"));
    assert_null(strstr(f->out, "943 476 5919"));
}

static void test_markdown_table(void **state)
{
    fx_t *f = *state;
    agenda_fmt_agenda(f->fp, &f->agenda, AGENDA_FMT_MARKDOWN, 0);
    assert_string_equal(printed(f),
                        "### Agenda of session S42 (nb-north)\n"
                        "\n"
                        "2026-06-02 10:00 UK time, 60 minutes: 3 items, 30 minutes planned, published.\n"
                        "\n"
                        "|   # | Start | Min | Tier  | Score | Priority | Days | Practice | Cohorts                 | Referral | Notes           |\n"
                        "|----:|:------|----:|:------|------:|---------:|-----:|:---------|:------------------------|:---------|:----------------|\n"
                        "|   1 | 10:00 |  15 | RED   |    72 |       80 |   28 | A81001   | MULTIMORBIDITY, FRAILTY | R17      | deferred before |\n"
                        "|   2 | 10:15 |  10 | AMBER |    45 |       51 |   21 | A81002   | HIGH_COST               | R5       |                 |\n"
                        "|   3 | 10:25 |   5 | GREEN |    20 |       20 |    3 | B82001   | -                       | R123     | added by hand   |\n"
                        "\n"
                        "3 eligible referrals did not fit this session.\n");
}

static void test_nhs_numbers_only_when_asked(void **state)
{
    fx_t *f = *state;
    agenda_fmt_agenda(f->fp, &f->agenda, AGENDA_FMT_TABLE, EVENT_FMT_SHOW_NHS);
    const char *out = printed(f);
    assert_non_null(strstr(out, "Notes            NHS number\n"));
    assert_non_null(strstr(out, "R17       deferred before  943 476 5919\n"));
    assert_non_null(strstr(out, "R5                         401 023 2137\n"));
    assert_non_null(strstr(out, "R123      added by hand    -\n"));
    assert_null(strstr(out, "9434765919"));
}

static void test_markdown_escapes_bars_and_winter_is_gmt(void **state)
{
    fx_t *f = *state;
    f->agenda.starts_at_ms = JAN_0900Z;
    f->agenda.published = false;
    f->agenda.left_waiting = 1;
    f->agenda.n_items = 1;
    f->item[0].planned_start_ms = JAN_0900Z + 5 * MIN_MS;
    f->item[0].referral_id = S("R|7");
    f->item[0].deferred_before = false;
    agenda_fmt_agenda(f->fp, &f->agenda, AGENDA_FMT_MARKDOWN, 0);
    assert_string_equal(printed(f),
                        "### Agenda of session S42 (nb-north)\n"
                        "\n"
                        "2026-01-14 09:00 UK time, 60 minutes: 1 item, 30 minutes planned, not published yet.\n"
                        "\n"
                        "|   # | Start | Min | Tier | Score | Priority | Days | Practice | Cohorts                 | Referral | Notes |\n"
                        "|----:|:------|----:|:-----|------:|---------:|-----:|:---------|:------------------------|:---------|:------|\n"
                        "|   1 | 09:05 |  15 | RED  |    72 |       80 |   28 | A81001   | MULTIMORBIDITY, FRAILTY | R\\|7     |       |\n"
                        "\n"
                        "1 eligible referral did not fit this session.\n");
}

static void test_empty_agenda(void **state)
{
    fx_t *f = *state;
    f->agenda.n_items = 0;
    f->agenda.total_minutes = 0;
    f->agenda.left_waiting = 0;
    f->agenda.published = false;
    agenda_fmt_agenda(f->fp, &f->agenda, AGENDA_FMT_TABLE, 0);
    assert_string_equal(printed(f), "Agenda of session S42 (nb-north)\n"
                                    "2026-06-02 10:00 UK time, 60 minutes: 0 items, 0 minutes planned, not published "
                                    "yet.\n"
                                    "\n"
                                    "No items.\n");
}

static void test_json(void **state)
{
    fx_t *f = *state;
    f->agenda.n_items = 1;
    agenda_fmt_agenda(f->fp, &f->agenda, AGENDA_FMT_JSON, 0);
    assert_string_equal(printed(f),
                        "{\"session_id\":\"S42\",\"items\":[{\"position\":1,\"referral_id\":\"R17\",\"tier\":\"TIER_RED\","
                        "\"score\":72,\"effective_priority\":80,\"minutes\":15,\"deferred_before\":true,"
                        "\"days_waiting\":28,\"practice_ods\":\"A81001\",\"cohorts\":[\"COHORT_MULTIMORBIDITY\","
                        "\"COHORT_FRAILTY\"],\"planned_start_ms\":1780390800000}],\"total_minutes\":30,"
                        "\"neighbourhood_id\":\"nb-north\",\"starts_at_ms\":1780390800000,\"length_minutes\":60,"
                        "\"published\":true,\"left_waiting\":3}\n");
    agenda_fmt_agenda(f->fp, &f->agenda, AGENDA_FMT_JSON, EVENT_FMT_SHOW_NHS);
    assert_non_null(strstr(printed(f), "\"referral_id\":\"R17\",\"nhs_number\":\"9434765919\",\"tier\""));
}

static void test_waiting_list(void **state)
{
    fx_t *f = *state;
    Huddle__WaitingEntry e[2], *ep[2] = {&e[0], &e[1]};
    Huddle__Cohort frail = HUDDLE__COHORT__COHORT_FRAILTY;
    for (size_t i = 0; i < 2; i++)
        huddle__waiting_entry__init(&e[i]);
    e[0].referral_id = S("R17");
    e[0].nhs_number = S("9434765919");
    e[0].practice_ods = S("A81001");
    e[0].tier = HUDDLE__TIER__TIER_RED;
    e[0].score = 72;
    e[0].effective_priority = 90;
    e[0].days_waiting = 35;
    e[0].status = HUDDLE__REFERRAL_STATUS__REFERRAL_STATUS_DEFERRED;
    e[0].times_deferred = 1;
    e[0].cohorts = &frail;
    e[0].n_cohorts = 1;
    e[1].referral_id = S("R203");
    e[1].nhs_number = S("4010232137");
    e[1].practice_ods = S("A81002");
    e[1].tier = HUDDLE__TIER__TIER_GREEN;
    e[1].score = 12;
    e[1].effective_priority = 12;
    e[1].status = HUDDLE__REFERRAL_STATUS__REFERRAL_STATUS_SCHEDULED;
    e[1].session_id = S("S42");
    Huddle__WaitingList w = HUDDLE__WAITING_LIST__INIT;
    w.neighbourhood_id = S("nb-north");
    w.entries = ep;
    w.n_entries = 2;
    agenda_fmt_waiting(f->fp, &w, AGENDA_FMT_TABLE, 0);
    assert_string_equal(printed(f),
                        "Waiting list of nb-north: 2 referrals, highest effective priority first.\n"
                        "\n"
                        "#  Referral  Status     Tier   Score  Priority  Days  Deferred  Practice  Cohorts  Session\n"
                        "1  R17       DEFERRED   RED       72        90    35         1  A81001    FRAILTY  -\n"
                        "2  R203      SCHEDULED  GREEN     12        12     0         0  A81002    -        S42\n");
    fclose(f->fp);
    free(f->out);
    f->out = NULL;
    f->fp = open_memstream(&f->out, &f->out_len);
    agenda_fmt_waiting(f->fp, &w, AGENDA_FMT_MARKDOWN, EVENT_FMT_SHOW_NHS);
    const char *md = printed(f);
    assert_non_null(strstr(md, "### Waiting list of nb-north\n\n2 referrals, highest effective priority first.\n\n"
                               "|   # | Referral | Status    |"));
    assert_non_null(strstr(md, "| S42     | 401 023 2137 |\n"));
}

static void test_format_names(void **state)
{
    (void)state;
    agenda_fmt_t fmt = AGENDA_FMT_JSON;
    assert_int_equal(agenda_fmt_parse("table", &fmt), 0);
    assert_int_equal(fmt, AGENDA_FMT_TABLE);
    assert_int_equal(agenda_fmt_parse("markdown", &fmt), 0);
    assert_int_equal(fmt, AGENDA_FMT_MARKDOWN);
    assert_int_equal(agenda_fmt_parse("md", &fmt), 0);
    assert_int_equal(fmt, AGENDA_FMT_MARKDOWN);
    assert_int_equal(agenda_fmt_parse("json", &fmt), 0);
    assert_int_equal(fmt, AGENDA_FMT_JSON);
    assert_int_equal(agenda_fmt_parse("xml", &fmt), -1);
    assert_int_equal(agenda_fmt_parse("Table", &fmt), -1);
    assert_int_equal(agenda_fmt_parse(NULL, &fmt), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_aligned_table, setup, teardown),
        cmocka_unit_test_setup_teardown(test_markdown_table, setup, teardown),
        cmocka_unit_test_setup_teardown(test_nhs_numbers_only_when_asked, setup, teardown),
        cmocka_unit_test_setup_teardown(test_markdown_escapes_bars_and_winter_is_gmt, setup, teardown),
        cmocka_unit_test_setup_teardown(test_empty_agenda, setup, teardown),
        cmocka_unit_test_setup_teardown(test_json, setup, teardown),
        cmocka_unit_test_setup_teardown(test_waiting_list, setup, teardown),
        cmocka_unit_test_setup_teardown(test_format_names, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
