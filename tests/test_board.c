/*
 * test_board — the discharge board (broker/board.c) through the broker's core: open
 * episodes of a hospital or a neighbourhood in order (longest delayed, earliest ready,
 * id) with their days delayed to now, the totals by status, pathway and delay reason
 * and the delayed bed days against hand-computed cases, paging, the pathway 1 at-home
 * share over a period and pathway 2 placements past six weeks, who may read which
 * board, and the audit records of each answer.
 */
#include <math.h>

#include "tu_mdt.h"

#include "tu_episode_pub.h"

/* 2027-01-05T08:00:00Z, ten days before T0 (2027-01-15T08:00:00Z). */
#define ADMIT (T0 - 10 * DAY_MS)
#define DIS (T0 - HOUR_MS)

static Huddle__Frame *ask(fx_t *f, const char *rid, const char *hospital, const char *nbh, uint32_t limit,
                          uint64_t after, int64_t from_ms, int64_t to_ms)
{
    Huddle__Query q = HUDDLE__QUERY__INIT;
    q.kind = HUDDLE__QUERY_KIND__QUERY_KIND_BOARD;
    q.hospital_ods = (char *)hospital;
    q.neighbourhood_id = (char *)nbh;
    q.limit = limit;
    q.after = after;
    q.from_ms = from_ms;
    q.to_ms = to_ms;
    q.purpose = S("discharge planning");
    return fx_query(f, rid, &q);
}

/* The board rid reads (the caller frees the frame). Never inlined: its failure path
 * does not return. */
__attribute__((noinline)) static Huddle__Frame *board(fx_t *f, const char *rid, const char *hospital, const char *nbh,
                                                      uint32_t limit, uint64_t after)
{
    Huddle__Frame *a = ask(f, rid, hospital, nbh, limit, after, 0, 0);
    if (a->body_case != HUDDLE__FRAME__BODY_ANSWER)
        fail_msg("%s: expected a board, got %d: %s", rid, a->body_case,
                 a->body_case == HUDDLE__FRAME__BODY_REJECTED ? a->rejected->reason : "");
    assert_int_equal(a->answer->kind, HUDDLE__QUERY_KIND__QUERY_KIND_BOARD);
    assert_int_equal(a->answer->result_case, HUDDLE__ANSWER__RESULT_BOARD);
    return a;
}

static void refused(fx_t *f, const char *rid, const char *hospital, const char *nbh, Huddle__RejectCode code,
                    const char *field)
{
    Huddle__Frame *a = ask(f, rid, hospital, nbh, 0, 0, 0, 0);
    if (a->body_case != HUDDLE__FRAME__BODY_REJECTED)
        fail_msg("%s: expected a refusal at %s, got frame %d", rid, field, a->body_case);
    assert_int_equal(a->rejected->code, code);
    assert_string_equal(a->rejected->field, field);
    codec_frame_free(&a);
}

/* The count under key, and that it is the only one under it. */
static uint32_t count_of(Huddle__CountBy **v, size_t n, const char *key)
{
    uint32_t c = 0;
    for (size_t i = 0; i < n; i++)
        if (!strcmp(v[i]->key, key))
            c += v[i]->count;
    return c;
}

/* An open episode at hospital, ready since ready ("" = still meeting criterion 01). */
static void open_episode(fx_t *f, const char *hub, const char *hospital, const char *local, unsigned patient,
                         const char *practice, const char *ready, Huddle__EpisodeStatus status,
                         Huddle__Pathway pathway, const char *reasons)
{
    tu_episode_t t;
    char nhs[11];
    tu_episode(&t, hospital, local, tu_nhs(patient, nhs), practice, ADMIT);
    if (ready[0])
        tu_episode_ready(&t, ready, status, pathway, reasons);
    else
        t.u.criteria_to_reside = S("01");
    tu_ok(f, hub, &t.ev, NULL);
}

/* At T0 (2027-01-15), days delayed from the ready date:
 *   RXH:b1  A81001 nb-north  ready 01-05  AWAITING_PLACEMENT     pathway 2  D1,A  10
 *   RXH:b6  A81001 nb-north  ready 01-11  AWAITING_PLACEMENT     pathway 3  D2     4
 *   RXH:b2  A81002 nb-north  ready 01-12  AWAITING_CARE_PACKAGE  pathway 1  E      3
 *   RXH:b3  B82001 nb-south  ready 01-12  AWAITING_ASSESSMENT    pathway 1  A      3
 *   RXH:b5  A81001 nb-north  ready 01-15  AWAITING_TRANSPORT     pathway 0         0
 *   RXH:b4  A81001 nb-north  criterion 01 NOT_READY              undecided         0
 *   RYY:c1  A81001 nb-north  ready 01-13  AWAITING_EQUIPMENT     pathway 1  F      2
 * and one discharged (RXH:b9), which no board lists. */
static void seed(fx_t *f)
{
    open_episode(f, "hub-rxh", "RXH", "b1", 1, "A81001", "2027-01-05", EP_ST(AWAITING_PLACEMENT), EP_PW(2), "D1,A");
    open_episode(f, "hub-rxh", "RXH", "b2", 2, "A81002", "2027-01-12", EP_ST(AWAITING_CARE_PACKAGE), EP_PW(1), "E");
    open_episode(f, "hub-rxh", "RXH", "b3", 3, "B82001", "2027-01-12", EP_ST(AWAITING_ASSESSMENT), EP_PW(1), "A");
    open_episode(f, "hub-rxh", "RXH", "b4", 4, "A81001", "", EP_ST(NOT_READY), EP_PW(UNSPECIFIED), "");
    open_episode(f, "hub-rxh", "RXH", "b5", 5, "A81001", "2027-01-15", EP_ST(AWAITING_TRANSPORT), EP_PW(0), "");
    open_episode(f, "hub-rxh", "RXH", "b6", 6, "A81001", "2027-01-11", EP_ST(AWAITING_PLACEMENT), EP_PW(3), "D2");
    open_episode(f, "hub-ryy", "RYY", "c1", 7, "A81001", "2027-01-13", EP_ST(AWAITING_EQUIPMENT), EP_PW(1), "F");
    tu_episode_t t;
    tu_ep_admit(f, &t, "hub-rxh", "RXH", "b9", 9, "A81001", ADMIT);
    tu_ok(f, "hub-rxh", tu_episode_discharged(&t, DIS, EP_PW(0)), NULL);
}

static void expect_order(const Huddle__Board *b, const char *const *ids, const uint32_t *days, size_t n)
{
    assert_int_equal(b->n_entries, n);
    for (size_t i = 0; i < n; i++) {
        assert_string_equal(b->entries[i]->episode_id, ids[i]);
        assert_int_equal(b->entries[i]->days_delayed, days[i]);
    }
}

static void test_hospital_board(void **state)
{
    fx_t *f = *state;
    seed(f);
    Huddle__Frame *a = board(f, "hub-rxh", "RXH", "", 0, 0);
    const Huddle__Board *b = a->answer->board;
    const char *ids[] = {"RXH:b1", "RXH:b6", "RXH:b2", "RXH:b3", "RXH:b5", "RXH:b4"};
    const uint32_t days[] = {10, 4, 3, 3, 0, 0};
    expect_order(b, ids, days, 6);
    assert_false(a->answer->truncated);
    assert_int_equal(b->open_episodes, 6);
    assert_int_equal(b->delayed_bed_days, 20);
    assert_string_equal(b->hospital_ods, "RXH");
    assert_string_equal(b->neighbourhood_id, "");
    assert_int_equal(b->as_of_ms, T0);

    assert_int_equal(b->n_by_status, 5);
    assert_int_equal(count_of(b->by_status, b->n_by_status, "EPISODE_STATUS_NOT_READY"), 1);
    assert_int_equal(count_of(b->by_status, b->n_by_status, "EPISODE_STATUS_AWAITING_ASSESSMENT"), 1);
    assert_int_equal(count_of(b->by_status, b->n_by_status, "EPISODE_STATUS_AWAITING_CARE_PACKAGE"), 1);
    assert_int_equal(count_of(b->by_status, b->n_by_status, "EPISODE_STATUS_AWAITING_PLACEMENT"), 2);
    assert_int_equal(count_of(b->by_status, b->n_by_status, "EPISODE_STATUS_AWAITING_TRANSPORT"), 1);
    assert_int_equal(b->n_by_pathway, 5);
    assert_int_equal(count_of(b->by_pathway, b->n_by_pathway, "PATHWAY_UNSPECIFIED"), 1);
    assert_int_equal(count_of(b->by_pathway, b->n_by_pathway, "PATHWAY_0"), 1);
    assert_int_equal(count_of(b->by_pathway, b->n_by_pathway, "PATHWAY_1"), 2);
    assert_int_equal(count_of(b->by_pathway, b->n_by_pathway, "PATHWAY_2"), 1);
    assert_int_equal(count_of(b->by_pathway, b->n_by_pathway, "PATHWAY_3"), 1);
    /* in the configured list's order: A, D1, D2, E */
    assert_int_equal(b->n_by_delay_reason, 4);
    assert_string_equal(b->by_delay_reason[0]->key, "A");
    assert_int_equal(b->by_delay_reason[0]->count, 2);
    assert_string_equal(b->by_delay_reason[1]->key, "D1");
    assert_int_equal(b->by_delay_reason[1]->count, 1);
    assert_string_equal(b->by_delay_reason[2]->key, "D2");
    assert_string_equal(b->by_delay_reason[3]->key, "E");

    /* an entry carries the episode as it stands */
    const Huddle__BoardEntry *e = b->entries[0];
    char nhs[11];
    assert_string_equal(e->nhs_number, tu_nhs(1, nhs));
    assert_string_equal(e->ward, "Ward 7");
    assert_int_equal(e->pathway, EP_PW(2));
    assert_int_equal(e->status, EP_ST(AWAITING_PLACEMENT));
    assert_string_equal(e->discharge_ready_date, "2027-01-05");
    assert_int_equal(e->n_delay_reasons, 2);
    assert_string_equal(e->delay_reasons[0], "D1");
    assert_string_equal(e->hospital_ods, "RXH");
    assert_int_equal(e->admitted_at_ms, ADMIT);
    assert_string_equal(e->practice_ods, "A81001");
    assert_string_equal(b->entries[5]->criteria_to_reside, "01");
    codec_frame_free(&a);

    /* one audit record per patient named */
    tu_audit_t q = {.agent = "hub-rxh", .purpose = HUDDLE__AUDIT_PURPOSE__AUDIT_PURPOSE_QUERY};
    tu_audit(f, &q);
    assert_int_equal(q.n, 6);
    for (size_t i = 0; i < 6; i++) {
        static const unsigned patient[] = {1, 6, 2, 3, 5, 4};
        assert_string_equal(q.nhs[i], tu_nhs(patient[i], nhs));
    }

    /* two days on, every day counts again (b5 too, ready on the 15th) */
    fx_clock(f, "hub-rxh", 0, 2 * DAY_MS);
    a = board(f, "hub-rxh", "RXH", "", 0, 0);
    const uint32_t later[] = {12, 6, 5, 5, 2, 0};
    expect_order(a->answer->board, ids, later, 6);
    assert_int_equal(a->answer->board->delayed_bed_days, 30);
    assert_int_equal(a->answer->board->as_of_ms, T0 + 2 * DAY_MS);
    codec_frame_free(&a);
}

/* The admin's STATS answer. */
__attribute__((noinline)) static Huddle__Frame *stats(fx_t *f)
{
    Huddle__Query q = HUDDLE__QUERY__INIT;
    q.kind = HUDDLE__QUERY_KIND__QUERY_KIND_STATS;
    return fx_query(f, "ops", &q);
}

/* The broker's counters count open episodes. */
static void test_stats_count_open_episodes(void **state)
{
    fx_t *f = *state;
    seed(f);
    Huddle__Frame *a = stats(f);
    assert_int_equal(a->body_case, HUDDLE__FRAME__BODY_ANSWER);
    assert_int_equal(a->answer->stats->episodes_open, 7); /* six at RXH, one at RYY */
    codec_frame_free(&a);
}

static void test_paging(void **state)
{
    fx_t *f = *state;
    seed(f);
    const char *ids[] = {"RXH:b1", "RXH:b6", "RXH:b2", "RXH:b3", "RXH:b5", "RXH:b4"};
    const uint32_t days[] = {10, 4, 3, 3, 0, 0};
    for (uint64_t after = 0; after < 6; after += 2) {
        Huddle__Frame *a = board(f, "hub-rxh", "RXH", "", 2, after);
        const Huddle__Board *b = a->answer->board;
        expect_order(b, ids + after, days + after, 2);
        assert_int_equal(a->answer->truncated, after < 4);
        assert_int_equal(a->answer->next_after, after < 4 ? after + 2 : 0);
        /* the totals are the whole board's, whatever the page */
        assert_int_equal(b->open_episodes, 6);
        assert_int_equal(b->delayed_bed_days, 20);
        assert_int_equal(count_of(b->by_status, b->n_by_status, "EPISODE_STATUS_AWAITING_PLACEMENT"), 2);
        codec_frame_free(&a);
    }
    /* audited: the patients of each page, no others */
    tu_audit_t q = {.agent = "hub-rxh", .purpose = HUDDLE__AUDIT_PURPOSE__AUDIT_PURPOSE_QUERY};
    tu_audit(f, &q);
    assert_int_equal(q.n, 6);
    Huddle__Frame *a = board(f, "hub-rxh", "RXH", "", 1, 0);
    assert_int_equal(a->answer->board->n_entries, 1);
    assert_true(a->answer->truncated);
    codec_frame_free(&a);
    tu_audit(f, &q);
    assert_int_equal(q.n, 7);
}

static void test_neighbourhood_boards(void **state)
{
    fx_t *f = *state;
    seed(f);
    /* a neighbourhood's patients in every hospital */
    Huddle__Frame *a = board(f, "coord-n", "", "nb-north", 0, 0);
    const char *north[] = {"RXH:b1", "RXH:b6", "RXH:b2", "RYY:c1", "RXH:b5", "RXH:b4"};
    const uint32_t north_days[] = {10, 4, 3, 2, 0, 0};
    const Huddle__Board *b = a->answer->board;
    expect_order(b, north, north_days, 6);
    assert_int_equal(b->delayed_bed_days, 19);
    assert_string_equal(b->neighbourhood_id, "nb-north");
    assert_string_equal(b->hospital_ods, "");
    assert_int_equal(count_of(b->by_pathway, b->n_by_pathway, "PATHWAY_1"), 2);
    assert_int_equal(count_of(b->by_delay_reason, b->n_by_delay_reason, "F"), 1);
    assert_int_equal(count_of(b->by_delay_reason, b->n_by_delay_reason, "A"), 1);
    codec_frame_free(&a);
    a = board(f, "mdt-n", "", "nb-north", 0, 0);
    assert_int_equal(a->answer->board->open_episodes, 6);
    codec_frame_free(&a);
    a = board(f, "sc-n", "", "nb-north", 0, 0);
    assert_int_equal(a->answer->board->open_episodes, 6);
    codec_frame_free(&a);

    a = board(f, "coord-s", "", "nb-south", 0, 0);
    const char *south[] = {"RXH:b3"};
    const uint32_t south_days[] = {3};
    expect_order(a->answer->board, south, south_days, 1);
    assert_int_equal(a->answer->board->delayed_bed_days, 3);
    codec_frame_free(&a);
    a = board(f, "hub-ryy", "RYY", "", 0, 0);
    assert_int_equal(a->answer->board->open_episodes, 1);
    assert_string_equal(a->answer->board->entries[0]->episode_id, "RYY:c1");
    codec_frame_free(&a);

    /* moving practice moves the patient between neighbourhood boards */
    open_episode(f, "hub-rxh", "RXH", "b3", 3, "A81002", "2027-01-12", EP_ST(AWAITING_ASSESSMENT), EP_PW(1), "A");
    a = board(f, "coord-s", "", "nb-south", 0, 0);
    assert_int_equal(a->answer->board->open_episodes, 0);
    assert_int_equal(a->answer->board->n_by_status, 0);
    codec_frame_free(&a);
    /* an empty board names nobody: one audit record without a patient */
    tu_audit_t q = {.agent = "coord-s", .purpose = HUDDLE__AUDIT_PURPOSE__AUDIT_PURPOSE_QUERY};
    tu_audit(f, &q);
    assert_int_equal(q.n, 2);
    assert_string_equal(q.nhs[1], "");
    a = board(f, "coord-n", "", "nb-north", 0, 0);
    assert_int_equal(a->answer->board->open_episodes, 7);
    codec_frame_free(&a);
}

static void test_who_may_read(void **state)
{
    fx_t *f = *state;
    seed(f);
    const Huddle__RejectCode no = REJ(FORBIDDEN), bad = REJ(INVALID);
    refused(f, "hub-rxh", "", "", bad, "query.hospital_ods");
    refused(f, "hub-rxh", "RXH", "nb-north", bad, "query.neighbourhood_id");
    refused(f, "hub-rxh", "rxh", "", bad, "query.hospital_ods");
    refused(f, "coord-n", "", "nb north", bad, "query.neighbourhood_id");

    struct {
        const char *agent, *hospital, *nbh, *field;
    } denied[] = {
        {"hub-ryy", "RXH", "", "query.hospital_ods"},        /* another hospital */
        {"hub-rxh", "", "nb-north", "query.neighbourhood_id"}, /* a hub reads its hospital */
        {"coord-s", "", "nb-north", "query.neighbourhood_id"}, /* a neighbourhood it does not serve */
        {"coord-n", "RXH", "", "query.hospital_ods"},        /* a team reads neighbourhoods */
        {"sc-s", "", "nb-north", "query.neighbourhood_id"},  /* another council's */
        {"sc-n", "", "nb-south", "query.neighbourhood_id"},
        {"sc-n", "", "nb-east", "query.neighbourhood_id"},   /* no such neighbourhood */
        {"sc-n", "RXH", "", "query.hospital_ods"},
        {"gp-a1", "", "nb-north", "query.kind"},             /* the matrix: not a board reader */
        {"cp-home", "RXH", "", "query.kind"},
    };
    for (size_t i = 0; i < sizeof denied / sizeof denied[0]; i++) {
        refused(f, denied[i].agent, denied[i].hospital, denied[i].nbh, no, denied[i].field);
        /* the refusal is audited, and nothing was disclosed */
        tu_audit_t q = {.agent = denied[i].agent, .purpose = HUDDLE__AUDIT_PURPOSE__AUDIT_PURPOSE_DENIED};
        tu_audit(f, &q);
        assert_true(q.n >= 1);
        q.purpose = HUDDLE__AUDIT_PURPOSE__AUDIT_PURPOSE_QUERY;
        tu_audit(f, &q);
        assert_int_equal(q.n, 0);
    }
    tu_audit_t q = {.agent = "sc-n", .purpose = HUDDLE__AUDIT_PURPOSE__AUDIT_PURPOSE_DENIED};
    tu_audit(f, &q);
    assert_int_equal(q.n, 3);
}

#define RESULT(name) HUDDLE__FOLLOW_UP_RESULT__FOLLOW_UP_RESULT_##name
#define WHERE(name) HUDDLE__FOLLOW_UP_WHERE__FOLLOW_UP_WHERE_##name

/* Discharged on pathway at at_ms from RXH: the episode id is "RXH:<local>". */
static void discharged(fx_t *f, const char *local, unsigned patient, const char *practice, Huddle__Pathway pathway,
                       int64_t at_ms)
{
    tu_episode_t t;
    tu_ep_admit(f, &t, "hub-rxh", "RXH", local, patient, practice, ADMIT);
    tu_ok(f, "hub-rxh", tu_episode_discharged(&t, at_ms, pathway), NULL);
}

static void follow_up(fx_t *f, const char *gp, const char *id, Huddle__FollowUpResult result,
                      Huddle__FollowUpWhere where, const char *date)
{
    tu_follow_up_t u;
    tu_ok(f, gp, tu_follow_up(&u, id, result, where, date), NULL);
}

static void expect_outcomes(fx_t *f, const char *rid, const char *hospital, const char *nbh, int64_t from_ms,
                            int64_t to_ms, uint32_t followed, uint32_t at_home, uint32_t over_42d)
{
    Huddle__Frame *a = ask(f, rid, hospital, nbh, 0, 0, from_ms, to_ms);
    assert_int_equal(a->body_case, HUDDLE__FRAME__BODY_ANSWER);
    const Huddle__Board *b = a->answer->board;
    assert_int_equal(b->pathway1_followed_up, followed);
    assert_int_equal(b->pathway1_at_home_91d, at_home);
    double share = followed ? (double)at_home / followed : 0.0;
    assert_true(fabs(b->pathway1_at_home_91d_share - share) < 1e-12);
    assert_int_equal(b->pathway2_over_42d, over_42d);
    codec_frame_free(&a);
}

/* Pathway 1 discharges at DIS (d1 A81001, d2 A81002, d4 A81001) and ten days later (d3,
 * B82001 of nb-south); pathway 2 at DIS (p1 and p2, A81001; p2's placement ends). */
static void test_outcomes(void **state)
{
    fx_t *f = *state;
    discharged(f, "d1", 11, "A81001", EP_PW(1), DIS);
    discharged(f, "d2", 12, "A81002", EP_PW(1), DIS);
    discharged(f, "d4", 14, "A81001", EP_PW(1), DIS);
    discharged(f, "p1", 21, "A81001", EP_PW(2), DIS);
    discharged(f, "p2", 22, "A81001", EP_PW(2), DIS);
    fx_clock(f, "hub-rxh", DIS + 3 * DAY_MS, 0);
    tu_placement_t p;
    tu_ok(f, "sc-n",
          tu_placement(&p, "RXH:p2", true, "2027-01-18", HUDDLE__PLACEMENT_DESTINATION__PLACEMENT_DESTINATION_HOME),
          NULL);
    fx_clock(f, "hub-rxh", T0 + 10 * DAY_MS, 0);
    discharged(f, "d3", 13, "B82001", EP_PW(1), T0 + 10 * DAY_MS - HOUR_MS);
    expect_outcomes(f, "hub-rxh", "RXH", "", 0, 0, 0, 0, 0);

    /* six weeks after DIS, to the millisecond */
    fx_clock(f, "hub-rxh", DIS + 42 * DAY_MS - 1, 0);
    expect_outcomes(f, "hub-rxh", "RXH", "", 0, 0, 0, 0, 0);
    fx_clock(f, "hub-rxh", 0, 1);
    expect_outcomes(f, "hub-rxh", "RXH", "", 0, 0, 0, 0, 1);
    expect_outcomes(f, "coord-n", "", "nb-north", 0, 0, 0, 0, 1);
    expect_outcomes(f, "coord-s", "", "nb-south", 0, 0, 0, 0, 0);

    /* 91 days on: d1 at home, d2 in hospital, d3 at home, d4 not followed up */
    fx_clock(f, "hub-rxh", T0 + 10 * DAY_MS + 92 * DAY_MS, 0); /* 2027-04-27 */
    follow_up(f, "gp-a1", "RXH:d1", RESULT(AT_HOME), WHERE(UNSPECIFIED), "2027-04-16");
    follow_up(f, "gp-a2", "RXH:d2", RESULT(NOT_AT_HOME), WHERE(IN_HOSPITAL), "2027-04-20");
    follow_up(f, "gp-b", "RXH:d3", RESULT(AT_HOME), WHERE(UNSPECIFIED), "2027-04-26");
    expect_outcomes(f, "hub-rxh", "RXH", "", 0, 0, 3, 2, 1);
    /* the period is the discharges' */
    expect_outcomes(f, "hub-rxh", "RXH", "", T0, 0, 1, 1, 1);
    expect_outcomes(f, "hub-rxh", "RXH", "", 0, T0, 2, 1, 1);
    expect_outcomes(f, "hub-rxh", "RXH", "", DIS, DIS + 1, 2, 1, 1);
    expect_outcomes(f, "hub-rxh", "RXH", "", DIS + 1, T0 + 10 * DAY_MS - HOUR_MS, 0, 0, 1);
    expect_outcomes(f, "coord-n", "", "nb-north", 0, 0, 2, 1, 1);
    expect_outcomes(f, "sc-s", "", "nb-south", 0, 0, 1, 1, 0);
    expect_outcomes(f, "hub-ryy", "RYY", "", 0, 0, 0, 0, 0);
    /* discharged episodes are not on the board */
    Huddle__Frame *a = board(f, "hub-rxh", "RXH", "", 0, 0);
    assert_int_equal(a->answer->board->open_episodes, 0);
    codec_frame_free(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_hospital_board, tu_ep_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_stats_count_open_episodes, tu_ep_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_paging, tu_ep_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_neighbourhood_boards, tu_ep_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_who_may_read, tu_ep_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_outcomes, tu_ep_setup, fx_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
