/*
 * test_episode_csv — a hospital's discharge feed: the header (any order, any case,
 * unknown, repeated and missing required columns), RFC 4180 quoting, CRLF, blank lines
 * and the byte-order mark, every field's checks with bad rows named by line and field
 * (good rows read on), the rules between fields, the hub's hospital, the mapping onto
 * EpisodeUpdate, and message ids that are stable across runs, blind to formatting and
 * different for any change of value.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "episode_csv.h"
#include "hd_time.h"
#include "tu_csv.h"

#define P1 "9434765919"
#define P2 "4010232137"
#define NOW_MS INT64_C(1772539200000) /* 2026-03-03T12:00:00Z */

typedef struct {
    FILE *fp;
    episode_csv_t *csv;
    episode_csv_row_t row;
    char err[EPISODE_CSV_ERR_LEN];
} fx_t;

static int setup(void **state)
{
    fx_t *f = calloc(1, sizeof *f);
    assert_non_null(f);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx_t *f = *state;
    episode_csv_destroy(&f->csv);
    if (f->fp)
        fclose(f->fp);
    free(f);
    return 0;
}

static int open_bytes(fx_t *f, const char *text, size_t len)
{
    if (f->fp) {
        episode_csv_destroy(&f->csv);
        fclose(f->fp);
    }
    f->fp = tu_csv_file(text, len);
    return episode_csv_open(&f->csv, f->fp, "feed.csv", NOW_MS, f->err, sizeof f->err);
}

static int open_text(fx_t *f, const char *text)
{
    return open_bytes(f, text, strlen(text));
}

static int next(fx_t *f)
{
    return episode_csv_next(f->csv, &f->row, f->err, sizeof f->err);
}

static void next_ok(fx_t *f)
{
    tu_csv_good(next(f), f->err);
}

static void next_bad(fx_t *f, const char *expected)
{
    tu_csv_bad(next(f), f->err, expected);
}

#define MIN_HEADER "local_id,nhs_number,admitted_at,status\n"

/* ---- good rows -------------------------------------------------------------------- */

static void test_generator_header_and_full_rows(void **state)
{
    fx_t *f = *state;
    assert_int_equal(open_text(f, EPISODE_CSV_HEADER "\n"
                                  "RYJ,S-1001," P1 ",Ward 7,2026-02-20T09:15,,2026-02-26,2,awaiting-placement,"
                                  "A;D2,2026-03-10,,A81001\n"
                                  ",S/1002," P2 ",,2026-03-01T23:30Z,3,,,not-ready,,,,\n"
                                  "RYJ,S-1003," P1 ",AMU,2026-01-02T10:00:00+01:00,,2026-01-05,1,discharged,,,"
                                  "2026-01-09T16:45,\n"),
                     CSV_TABLE_OK);
    episode_csv_set_hospital(f->csv, "RYJ");
    next_ok(f);
    const discharge_episode_t *e = &f->row.ep;
    assert_int_equal(f->row.line, 2);
    assert_string_equal(e->hospital_ods, "RYJ");
    assert_string_equal(e->local_id, "S-1001");
    assert_string_equal(e->nhs_number, P1);
    assert_string_equal(e->ward, "Ward 7");
    /* 20 February is GMT: UK clock time is UTC */
    int64_t want;
    assert_int_equal(hd_time_parse("2026-02-20T09:15:00Z", 20, &want), HD_TIME_OK);
    assert_true(e->admitted_at_ms == want);
    assert_string_equal(e->criteria_to_reside, "");
    assert_string_equal(e->discharge_ready_date, "2026-02-26");
    assert_int_equal(e->pathway, HUDDLE__PATHWAY__PATHWAY_2);
    assert_int_equal(e->status, HUDDLE__EPISODE_STATUS__EPISODE_STATUS_AWAITING_PLACEMENT);
    assert_int_equal(e->n_delay_reasons, 2);
    assert_string_equal(e->delay_reasons[0], "A");
    assert_string_equal(e->delay_reasons[1], "D2");
    assert_string_equal(e->expected_discharge_date, "2026-03-10");
    assert_true(e->discharged_at_ms == 0);
    assert_string_equal(e->registered_practice_ods, "A81001");

    next_ok(f);
    assert_int_equal(f->row.line, 3);
    assert_string_equal(e->hospital_ods, ""); /* the hub's own */
    assert_string_equal(e->local_id, "S/1002");
    assert_string_equal(e->criteria_to_reside, "03"); /* a spreadsheet's "3" */
    assert_int_equal(e->pathway, HUDDLE__PATHWAY__PATHWAY_UNSPECIFIED);
    assert_int_equal(e->status, HUDDLE__EPISODE_STATUS__EPISODE_STATUS_NOT_READY);
    assert_int_equal(hd_time_parse("2026-03-01T23:30:00Z", 20, &want), HD_TIME_OK);
    assert_true(e->admitted_at_ms == want);

    next_ok(f);
    assert_int_equal(hd_time_parse("2026-01-02T09:00:00Z", 20, &want), HD_TIME_OK);
    assert_true(e->admitted_at_ms == want);
    assert_int_equal(e->status, HUDDLE__EPISODE_STATUS__EPISODE_STATUS_DISCHARGED);
    assert_int_equal(hd_time_parse("2026-01-09T16:45:00Z", 20, &want), HD_TIME_OK);
    assert_true(e->discharged_at_ms == want);
    assert_int_equal(next(f), CSV_TABLE_END);
}

static void test_uk_summer_time(void **state)
{
    fx_t *f = *state;
    /* 1 July is BST: 10:00 on the ward clock is 09:00 UTC */
    assert_int_equal(open_text(f, MIN_HEADER "S1," P1 ",2025-07-01 10:00,not-ready\n"), CSV_TABLE_OK);
    int rc = next(f);
    /* not-ready without a criterion is the broker's to judge: the row is read */
    assert_int_equal(rc, CSV_TABLE_OK);
    int64_t want;
    assert_int_equal(hd_time_parse("2025-07-01T09:00:00Z", 20, &want), HD_TIME_OK);
    assert_true(f->row.ep.admitted_at_ms == want);
}

static void test_columns_in_any_order_and_case_and_spellings(void **state)
{
    fx_t *f = *state;
    assert_int_equal(open_text(f, " Status ,ADMITTED_AT,Nhs_Number,local_id,Delay_Reasons\n"
                                  "Awaiting_Care_Package,2026-02-01T08:00,943 476 5919,L1,\"e, f  o\"\n"
                                  "AWAITING TRANSPORT,2026-02-01T08:00," P2 ",L2,\n"),
                     CSV_TABLE_OK);
    next_ok(f);
    assert_int_equal(f->row.ep.status, HUDDLE__EPISODE_STATUS__EPISODE_STATUS_AWAITING_CARE_PACKAGE);
    assert_string_equal(f->row.ep.nhs_number, P1);
    assert_int_equal(f->row.ep.n_delay_reasons, 3);
    assert_string_equal(f->row.ep.delay_reasons[0], "E");
    assert_string_equal(f->row.ep.delay_reasons[2], "O");
    next_ok(f);
    assert_int_equal(f->row.ep.status, HUDDLE__EPISODE_STATUS__EPISODE_STATUS_AWAITING_TRANSPORT);
    assert_int_equal(f->row.ep.n_delay_reasons, 0);
}

/* ---- the header -------------------------------------------------------------------- */

static void test_header_problems(void **state)
{
    (void)state;
    static const struct {
        const char *text, *err;
    } cases[] = {
        {"", "feed.csv:1: header: the file is empty; the first line names the columns: " EPISODE_CSV_HEADER},
        {"local_id,nhs_number,admitted_at\n", "feed.csv:1: header: no status column"},
        {"nhs_number,admitted_at,status\n", "feed.csv:1: header: no local_id column"},
        {"local_id,admitted_at,status\n", "feed.csv:1: header: no nhs_number column"},
        {"local_id,nhs_number,status\n", "feed.csv:1: header: no admitted_at column"},
        {"local_id,nhs_number,admitted_at,status,Status\n", "feed.csv:1: header: column 'status' appears twice"},
        {"local_id,nhs_number,admitted_at,status,,ward\n", "feed.csv:1: header: column 5 has no name"},
        {"local_id,nhs_number,admitted_at,status,postcode,bed\n",
         "feed.csv:1: header: unknown columns 'postcode', 'bed'; the columns are " EPISODE_CSV_HEADER},
        {"\n\nwarden\n", "feed.csv:3: header: unknown column 'warden'"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        fx_t f = {0};
        int rc = open_text(&f, cases[i].text);
        if (rc != CSV_TABLE_EHEADER)
            fail_msg("case %zu: expected a header error, got %d", i, rc);
        assert_null(f.csv);
        if (!strstr(f.err, cases[i].err))
            fail_msg("case %zu: expected \"%s\" in \"%s\"", i, cases[i].err, f.err);
        fclose(f.fp);
    }
    /* every required column missing at once: each named */
    fx_t g = {0};
    assert_int_equal(open_text(&g, "ward\n"), CSV_TABLE_EHEADER);
    assert_string_equal(g.err, "feed.csv:1: header: no local_id column\nfeed.csv:1: header: no nhs_number column\n"
                               "feed.csv:1: header: no admitted_at column\nfeed.csv:1: header: no status column");
    fclose(g.fp);
}

static void test_bom_crlf_blank_lines_and_quoting(void **state)
{
    fx_t *f = *state;
    static const char text[] = "\xef\xbb\xbf" "local_id,ward,nhs_number,admitted_at,status\r\n"
                               "\r\n"
                               "L1,\"Ward 7, \"\"East\"\"\"," P1 ",2026-02-01T08:00,awaiting-equipment\r\n"
                               "L2,\"Ward\r\n9\"," P2 ",2026-02-01T08:00,awaiting-equipment\r\n"
                               "\r\n"
                               "L3,W," P1 ",2026-02-01T08:00"; /* no final newline; wrong field count */
    assert_int_equal(open_bytes(f, text, sizeof text - 1), CSV_TABLE_OK);
    next_ok(f);
    assert_int_equal(f->row.line, 3);
    assert_string_equal(f->row.ep.ward, "Ward 7, \"East\"");
    next_ok(f);
    assert_int_equal(f->row.line, 4);
    assert_string_equal(f->row.ep.ward, "Ward\n9");
    next_bad(f, "feed.csv:7: row: 4 fields where the header has 5");
    assert_int_equal(next(f), CSV_TABLE_END);

    assert_int_equal(open_text(f, "\xef\xbb" "local_id\n"), CSV_TABLE_EHEADER);
    assert_string_equal(f->err, "feed.csv:1: header: not UTF-8 text");
    assert_int_equal(open_text(f, MIN_HEADER "L1," P1 ",2026-02-01T08:00,\"not-ready\"x\n"), CSV_TABLE_OK);
    next_bad(f, "feed.csv:2: status: text after the closing quote (a quote inside a quoted field is written twice)");
}

/* ---- bad rows ---------------------------------------------------------------------- */

static void test_each_bad_field_named_with_its_line(void **state)
{
    fx_t *f = *state;
    assert_int_equal(open_text(f, EPISODE_CSV_HEADER "\n"
                                  "RYJ,S1," P1 ",W,2026-02-01T08:00,,,,not-ready,,,,\n"               /* 2 good */
                                  "R!J,S 2,9434765918,W,2026-02-30T08:00,13,2026-13-01,4,gone,A;A,x,y,zz\n" /* 3 */
                                  "RYJ,,,,,,,,,,,,\n"                                                    /* 4 */
                                  "RYJ,S5," P1 ",W,tomorrow,,,,not-ready,A;D2;1X,,,\n"                  /* 5 */
                                  "RYJ,S6," P2 ",W,2026-02-01T08:00,05,2026-02-03,,awaiting-assessment,,,,\n" /* 6 */
                                  "RYJ,S7," P2 ",W,2026-02-01T08:00,,2026-02-03,1,discharged,,,,\n"     /* 7 */
                                  "RYJ,S8," P2 ",W,2026-02-01T08:00,,2026-02-03,1,awaiting-transport,,,"
                                  "2026-02-04T10:00,\n"                                                 /* 8 */
                                  "RYJ,S9," P2 ",W,2026-03-04T08:00,,2026-02-03,1,discharged,,,"
                                  "2026-01-31T10:00,\n"                                                 /* 9 */
                                  "RYJ,S10," P1 ",W,2026-02-01T08:00,,,,not-ready,,,,\n"),              /* 10 good */
                     CSV_TABLE_OK);
    next_ok(f);
    assert_int_equal(f->row.line, 2);
    next_bad(f, "feed.csv:3: hospital_ods: 'R!J': ODS code may contain only capital letters A-Z and digits\n"
                "feed.csv:3: local_id: a local id is letters, digits, '-', '_' and '/' only\n"
                "feed.csv:3: nhs_number: NHS number check digit does not match\n"
                "feed.csv:3: admitted_at: '2026-02-30T08:00' is not a time like 2026-03-03T14:30 (UK time, or "
                "with Z or +01:00)\n"
                "feed.csv:3: criteria_to_reside: '13' is not a criterion to reside, 01-12\n"
                "feed.csv:3: discharge_ready_date: '2026-13-01' is not a date YYYY-MM-DD\n"
                "feed.csv:3: pathway: '4' is not a pathway, 0-3\n"
                "feed.csv:3: status: 'gone' is not a status: not-ready|awaiting-assessment|awaiting-care-package|"
                "awaiting-placement|awaiting-equipment|awaiting-transport|discharged\n"
                "feed.csv:3: delay_reasons: A is given twice\n"
                "feed.csv:3: expected_discharge_date: 'x' is not a date YYYY-MM-DD\n"
                "feed.csv:3: discharged_at: 'y' is not a time like 2026-03-03T14:30 (UK time, or with Z or +01:00)\n"
                "feed.csv:3: registered_practice_ods: 'zz': ODS code shorter than 3 characters");
    assert_null(strstr(f->err, "943476591")); /* the number is never echoed */
    next_bad(f, "feed.csv:4: local_id: required\nfeed.csv:4: nhs_number: required\n"
                "feed.csv:4: admitted_at: required\nfeed.csv:4: status: required");
    next_bad(f, "feed.csv:5: admitted_at: 'tomorrow' is not a time like 2026-03-03T14:30 (UK time, or with Z or "
                "+01:00)\nfeed.csv:5: delay_reasons: '1X' is not a delay code (a letter, then up to 3 letters or "
                "digits: A, D2)");
    next_bad(f, "feed.csv:6: criteria_to_reside: give a criterion to reside or a discharge-ready date, not both");
    next_bad(f, "feed.csv:7: discharged_at: required with discharged");
    next_bad(f, "feed.csv:8: discharged_at: only with the status discharged");
    next_bad(f, "feed.csv:9: admitted_at: in the future\nfeed.csv:9: discharged_at: before the admission");
    next_ok(f);
    assert_int_equal(f->row.line, 10);
    assert_int_equal(next(f), CSV_TABLE_END);
}

static void test_limits(void **state)
{
    fx_t *f = *state;
    char text[4096];
    char ward[80];
    memset(ward, 'w', 65);
    ward[65] = '\0';
    snprintf(text, sizeof text,
             "local_id,nhs_number,admitted_at,status,ward,delay_reasons\n"
             "L123456789012345678901234567890123," P1 ",2026-02-01T08:00,not-ready,W,\n"
             "L1," P1 ",2026-02-01T08:00,not-ready,%s,\n"
             "L1," P1 ",2026-02-01T08:00,not-ready,W,A B C D1 D2 E F G H I O X\n"
             "L1," P1 ",2026-02-01T08:00,not-ready,W,LONGER\n",
             ward);
    assert_int_equal(open_text(f, text), CSV_TABLE_OK);
    next_bad(f, "feed.csv:2: local_id: a local id is 1-32 characters, not 34");
    next_bad(f, "feed.csv:3: ward: 65 bytes, at most 64");
    next_bad(f, "feed.csv:4: delay_reasons: at most 11 delay reasons");
    next_bad(f, "feed.csv:5: delay_reasons: 'LONGER' is not a delay code (a letter, then up to 3 letters or "
                "digits: A, D2)");
}

static void test_another_hospital_refused(void **state)
{
    fx_t *f = *state;
    assert_int_equal(open_text(f, "hospital_ods," MIN_HEADER "RXX,L1," P1 ",2026-02-01T08:00,not-ready\n"
                                  "RYJ,L2," P1 ",2026-02-01T08:00,not-ready\n"),
                     CSV_TABLE_OK);
    episode_csv_set_hospital(f->csv, "RYJ");
    next_bad(f, "feed.csv:2: hospital_ods: RXX is not this hub's hospital (RYJ)");
    next_ok(f);
}

/* ---- events and message ids ------------------------------------------------------- */

static void test_event_carries_the_row(void **state)
{
    fx_t *f = *state;
    assert_int_equal(open_text(f, EPISODE_CSV_HEADER "\n"
                                  ",S-1001," P1 ",Ward 7,2026-02-20T09:15Z,,2026-02-26,2,awaiting-placement,"
                                  "A;D2,2026-03-10,,A81001\n"),
                     CSV_TABLE_OK);
    next_ok(f);
    discharge_update_msg_t m;
    discharge_args_update_event(&f->row.ep, "RYJ", "feed-1", NOW_MS, &m);
    assert_string_equal(m.ev.message_id, "feed-1");
    assert_int_equal(m.ev.kind, HUDDLE__EVENT_KIND__EVENT_KIND_EPISODE_UPDATED);
    assert_int_equal(m.ev.payload_case, HUDDLE__EVENT__PAYLOAD_EPISODE_UPDATE);
    assert_true(m.ev.occurred_at_ms == NOW_MS);
    assert_string_equal(m.ev.subject->episode_id, "RYJ:S-1001");
    assert_string_equal(m.ev.subject->nhs_number, P1);
    const Huddle__EpisodeUpdate *u = m.ev.episode_update;
    assert_string_equal(u->hospital_ods, "RYJ");
    assert_string_equal(u->local_id, "S-1001");
    assert_string_equal(u->ward, "Ward 7");
    assert_int_equal(u->n_delay_reasons, 2);
    assert_string_equal(u->delay_reasons[1], "D2");
    assert_int_equal(u->pathway, HUDDLE__PATHWAY__PATHWAY_2);
    assert_string_equal(u->registered_practice_ods, "A81001");
    /* packs: the event is a whole, well-formed message */
    size_t n = huddle__event__get_packed_size(&m.ev);
    uint8_t buf[1024];
    assert_true(n < sizeof buf);
    assert_int_equal(huddle__event__pack(&m.ev, buf), n);
    Huddle__Event *back = huddle__event__unpack(NULL, n, buf);
    assert_non_null(back);
    assert_string_equal(back->episode_update->delay_reasons[0], "A");
    huddle__event__free_unpacked(back, NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_generator_header_and_full_rows, setup, teardown),
        cmocka_unit_test_setup_teardown(test_uk_summer_time, setup, teardown),
        cmocka_unit_test_setup_teardown(test_columns_in_any_order_and_case_and_spellings, setup, teardown),
        cmocka_unit_test(test_header_problems),
        cmocka_unit_test_setup_teardown(test_bom_crlf_blank_lines_and_quoting, setup, teardown),
        cmocka_unit_test_setup_teardown(test_each_bad_field_named_with_its_line, setup, teardown),
        cmocka_unit_test_setup_teardown(test_limits, setup, teardown),
        cmocka_unit_test_setup_teardown(test_another_hospital_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_event_carries_the_row, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
