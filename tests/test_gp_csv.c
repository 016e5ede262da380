/*
 * test_gp_csv — the referral file: the header (any order, any case, unknown, repeated
 * and missing columns), RFC 4180 quoting, CRLF, blank lines and the byte-order mark,
 * every field's checks with bad rows named by line and field, booleans, either age,
 * either eFI form, the mapping onto ReferralSubmit, and message ids that are stable
 * across runs, blind to formatting and different for any change of value.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gp_csv.h"
#include "tu_csv.h"

#define P1 "9434765919" /* valid check digits */
#define P2 "4010232137"

typedef struct {
    FILE *fp;
    gp_csv_t *csv;
    gp_csv_row_t row;
    char err[GP_CSV_ERR_LEN];
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
    gp_csv_destroy(&f->csv);
    if (f->fp)
        fclose(f->fp);
    free(f);
    return 0;
}

/* Opens text (any bytes, len given) as refs.csv: gp_csv_open's code. */
static int open_bytes(fx_t *f, const char *text, size_t len)
{
    f->fp = tu_csv_file(text, len);
    return gp_csv_open(&f->csv, f->fp, "refs.csv", f->err, sizeof f->err);
}

static int open_text(fx_t *f, const char *text)
{
    return open_bytes(f, text, strlen(text));
}

static int next(fx_t *f)
{
    return gp_csv_next(f->csv, &f->row, f->err, sizeof f->err);
}

/* The next row must be good. */
static void next_ok(fx_t *f)
{
    tu_csv_good(next(f), f->err);
}

/* The next row must be bad, with exactly this text. */
static void next_bad(fx_t *f, const char *expected)
{
    tu_csv_bad(next(f), f->err, expected);
}

#define MIN_HEADER "nhs_number,age_years,reason\n"

/* ---- the header ---------------------------------------------------------------- */

static void test_generator_header_and_a_full_row(void **state)
{
    fx_t *f = *state;
    assert_int_equal(open_text(f, GP_CSV_HEADER "\n" P1 ",84,,6,0.31,,2.5,2,yes,no,Y,n,TRUE,Falls and frailty,"
                                                   "\"Dr A Shah, GP\"\n"),
                     CSV_TABLE_OK);
    next_ok(f);
    gp_csv_row_t *r = &f->row;
    assert_int_equal(r->line, 2);
    assert_string_equal(r->nhs_number, P1);
    assert_int_equal(r->age_case, HUDDLE__REFERRAL_SUBMIT__AGE_AGE_YEARS);
    assert_int_equal(r->age, 84);
    assert_int_equal(r->long_term_conditions, 6);
    assert_int_equal(r->frailty_case, HUDDLE__REFERRAL_SUBMIT__FRAILTY_EFI_SCORE);
    assert_true(r->efi_score == 0.31);
    assert_true(r->cost_ratio == 2.5);
    assert_int_equal(r->emergency_admissions_12m, 2);
    assert_true(r->urgent);
    assert_false(r->safeguarding_concern);
    assert_true(r->lives_alone);
    assert_false(r->carer_under_strain);
    assert_true(r->consent_recorded);
    assert_string_equal(r->reason, "Falls and frailty");
    assert_string_equal(r->referring_clinician, "Dr A Shah, GP");
    assert_int_equal(next(f), CSV_TABLE_END);
}

static void test_columns_in_any_order_and_case(void **state)
{
    fx_t *f = *state;
    assert_int_equal(open_text(f, " Reason ,Birth_Year,NHS_NUMBER\n"
                                  "Review,1940," P1 "\n"),
                     CSV_TABLE_OK);
    next_ok(f);
    assert_string_equal(f->row.reason, "Review");
    assert_int_equal(f->row.age_case, HUDDLE__REFERRAL_SUBMIT__AGE_BIRTH_YEAR);
    assert_int_equal(f->row.age, 1940);
    assert_string_equal(f->row.nhs_number, P1);
    /* columns not in the file take their empty meaning */
    assert_int_equal(f->row.long_term_conditions, 0);
    assert_int_equal(f->row.frailty_case, HUDDLE__REFERRAL_SUBMIT__FRAILTY__NOT_SET);
    assert_false(f->row.urgent);
}

static void test_unknown_columns_refused_naming_them(void **state)
{
    fx_t *f = *state;
    assert_int_equal(open_text(f, "nhs_number,postcode,age_years,reason,gp name\n" P1 ",LS1,80,x,y\n"), CSV_TABLE_EHEADER);
    assert_null(f->csv);
    assert_non_null(strstr(f->err, "refs.csv:1: header: unknown columns 'postcode', 'gp name'; the columns are "
                                    "nhs_number,age_years,"));
}

static void test_header_problems(void **state)
{
    static const struct {
        const char *text, *err;
    } cases[] = {
        {"", "refs.csv:1: header: the file is empty; the first line names the columns: " GP_CSV_HEADER},
        {"nhs_number,age_years,reason,age_years\n", "refs.csv:1: header: column 'age_years' appears twice"},
        {"nhs_number,,age_years,reason\n", "refs.csv:1: header: column 2 has no name"},
        {"age_years,reason\n", "refs.csv:1: header: no nhs_number column"},
        {"nhs_number,age_years\n", "refs.csv:1: header: no reason column"},
        {"nhs_number,reason\n", "refs.csv:1: header: no age_years or birth_year column"},
        {"\n\nnhs_number,reason\n", "refs.csv:3: header: no age_years or birth_year column"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        fx_t f = {0};
        assert_int_equal(open_text(&f, cases[i].text), CSV_TABLE_EHEADER);
        assert_string_equal(f.err, cases[i].err);
        fclose(f.fp);
    }
    (void)state;
}

static void test_header_only_has_no_rows(void **state)
{
    fx_t *f = *state;
    assert_int_equal(open_text(f, MIN_HEADER), CSV_TABLE_OK);
    assert_int_equal(next(f), CSV_TABLE_END);
    assert_int_equal(next(f), CSV_TABLE_END);
}

/* ---- RFC 4180 ---------------------------------------------------------------------- */

static void test_quoting(void **state)
{
    fx_t *f = *state;
    assert_int_equal(open_text(f, "reason,nhs_number,age_years,referring_clinician\n"
                                  "\"Falls, confusion and \"\"wandering\"\"\",\"" P1 "\",\"80\",\"\"\n"
                                  "\"two\r\nlines\"," P2 ",70,\"Nurse, \"\"Jo\"\"\"\n"
                                  "plain," P1 ",60,\n"),
                     CSV_TABLE_OK);
    next_ok(f);
    assert_string_equal(f->row.reason, "Falls, confusion and \"wandering\"");
    assert_int_equal(f->row.age, 80);
    assert_string_equal(f->row.referring_clinician, "");
    next_ok(f);
    assert_int_equal(f->row.line, 3);
    assert_string_equal(f->row.reason, "two\nlines"); /* CRLF inside quotes is kept as one LF */
    assert_string_equal(f->row.referring_clinician, "Nurse, \"Jo\"");
    next_ok(f);
    assert_int_equal(f->row.line, 5); /* the quoted line break took a line */
    assert_int_equal(next(f), CSV_TABLE_END);
}

static void test_crlf_bom_blank_lines_and_no_final_newline(void **state)
{
    fx_t *f = *state;
    static const char text[] = "\xef\xbb\xbfnhs_number,age_years,reason\r\n"
                               "\r\n" P1 ",80,a\r\n"
                               "   \r\n"
                               "\r\n" P2 ",81,b";
    assert_int_equal(open_bytes(f, text, sizeof text - 1), CSV_TABLE_OK);
    next_ok(f);
    assert_int_equal(f->row.line, 3);
    assert_string_equal(f->row.reason, "a");
    next_ok(f);
    assert_int_equal(f->row.line, 6);
    assert_string_equal(f->row.nhs_number, P2);
    assert_string_equal(f->row.reason, "b");
    assert_int_equal(next(f), CSV_TABLE_END);
}

static void test_quote_mistakes_named(void **state)
{
    fx_t *f = *state;
    assert_int_equal(open_text(f, MIN_HEADER P1 ",80,a \"quoted\" word\n" P1 ",\"80\"x,b\n" P1 ",80,\"never closed\n"),
                     CSV_TABLE_OK);
    next_bad(f, "refs.csv:2: reason: a quote inside an unquoted field (quote the whole field and double the quote)");
    next_bad(f, "refs.csv:3: age_years: text after the closing quote (a quote inside a quoted field is written "
                "twice)");
    next_bad(f, "refs.csv:4: reason: quoted field not closed before the end of the file");
    assert_int_equal(next(f), CSV_TABLE_END);
}

static void test_wrong_number_of_fields(void **state)
{
    fx_t *f = *state;
    assert_int_equal(open_text(f, MIN_HEADER P1 ",80\n" P1 ",80,a,extra\n" P1 ",80,good\n"), CSV_TABLE_OK);
    next_bad(f, "refs.csv:2: row: 2 fields where the header has 3");
    next_bad(f, "refs.csv:3: row: 4 fields where the header has 3");
    next_ok(f); /* a bad row never stops the good ones */
    assert_string_equal(f->row.reason, "good");
}

static void test_long_field_refused(void **state)
{
    fx_t *f = *state;
    char *text = malloc(6000);
    assert_non_null(text);
    int n = snprintf(text, 6000, MIN_HEADER P1 ",80,");
    memset(text + n, 'x', 5000);
    snprintf(text + n + 5000, 100, "\n" P2 ",80,ok\n");
    assert_int_equal(open_text(f, text), CSV_TABLE_OK);
    next_bad(f, "refs.csv:2: reason: longer than 4096 bytes");
    next_ok(f);
    assert_string_equal(f->row.nhs_number, P2);
    free(text);
}

/* ---- fields -------------------------------------------------------------------------- */

static void test_bad_rows_named_by_line_and_field(void **state)
{
    fx_t *f = *state;
    assert_int_equal(open_text(f, GP_CSV_HEADER "\n"
                                  /* 2: four problems at once, each named */
                                  "9434765918,131,,61,,,,,maybe,,,,,Falls,\n"
                                  /* 3: good */
                                  P1 ",84,,6,,,,,,,,,,Falls,\n"
                                  /* 4: NHS number with letters, cost and admissions out of range */
                                  "94347659AB,84,,6,,,101,101,,,,,,Falls,\n"
                                  /* 5: no NHS number, no reason */
                                  ",84,,6,,,,,,,,,,,\n"),
                     CSV_TABLE_OK);
    next_bad(f, "refs.csv:2: nhs_number: NHS number check digit does not match\n"
                "refs.csv:2: age_years: 131 is not between 0 and 130\n"
                "refs.csv:2: long_term_conditions: 61 is not between 0 and 60\n"
                "refs.csv:2: urgent: 'maybe' is not yes or no (yes/no, true/false, y/n, 1/0; empty = no)");
    next_ok(f);
    assert_int_equal(f->row.line, 3);
    next_bad(f, "refs.csv:4: nhs_number: NHS number may contain only the digits 0-9\n"
                "refs.csv:4: cost_ratio: 101 is not between 0 and 100\n"
                "refs.csv:4: emergency_admissions_12m: 101 is not between 0 and 100");
    next_bad(f, "refs.csv:5: nhs_number: required\nrefs.csv:5: reason: required");
    assert_int_equal(next(f), CSV_TABLE_END);
}

static void test_nhs_number_forms(void **state)
{
    fx_t *f = *state;
    assert_int_equal(open_text(f, MIN_HEADER "943 476 5919,80,a\n943-476-5919,80,a\n94347 65919,80,a\n"), CSV_TABLE_OK);
    next_ok(f);
    assert_string_equal(f->row.nhs_number, P1);
    next_ok(f);
    assert_string_equal(f->row.nhs_number, P1);
    int rc = next(f);
    assert_int_equal(rc, CSV_TABLE_EROW);
    assert_non_null(strstr(f->err, "refs.csv:4: nhs_number: "));
    assert_null(strstr(f->err, "94347")); /* the number is never echoed */
}

static void test_booleans(void **state)
{
    fx_t *f = *state;
    static const struct {
        const char *word;
        bool value;
    } words[] = {{"yes", true}, {"YES", true},  {"Yes", true}, {"true", true}, {"TRUE", true},  {"y", true},
                 {"Y", true},   {"1", true},    {"no", false}, {"No", false}, {"false", false}, {"FALSE", false},
                 {"n", false},  {"N", false},   {"0", false},  {"", false},   {" yes ", true}};
    char text[4096];
    size_t used = (size_t)snprintf(text, sizeof text, "nhs_number,age_years,reason,safeguarding_concern\n");
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        used += (size_t)snprintf(text + used, sizeof text - used, P1 ",80,r,%s\n", words[i].word);
    snprintf(text + used, sizeof text - used, P1 ",80,r,2\n" P1 ",80,r,yep\n");
    assert_int_equal(open_text(f, text), CSV_TABLE_OK);
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++) {
        next_ok(f);
        if (f->row.safeguarding_concern != words[i].value)
            fail_msg("'%s' read as %d", words[i].word, f->row.safeguarding_concern);
    }
    next_bad(f, "refs.csv:19: safeguarding_concern: '2' is not yes or no (yes/no, true/false, y/n, 1/0; empty = no)");
    next_bad(f, "refs.csv:20: safeguarding_concern: 'yep' is not yes or no (yes/no, true/false, y/n, 1/0; "
                "empty = no)");
}

static void test_either_age_field(void **state)
{
    fx_t *f = *state;
    assert_int_equal(open_text(f, "nhs_number,age_years,birth_year,reason\n" P1 ",80,,r\n" P1 ",,1944,r\n" P1
                                  ",80,1944,r\n" P1 ",,,r\n" P1 ",,1889,r\n" P1 ",,2999,r\n" P1 ",,19x4,r\n"),
                     CSV_TABLE_OK);
    next_ok(f);
    assert_int_equal(f->row.age_case, HUDDLE__REFERRAL_SUBMIT__AGE_AGE_YEARS);
    assert_int_equal(f->row.age, 80);
    next_ok(f);
    assert_int_equal(f->row.age_case, HUDDLE__REFERRAL_SUBMIT__AGE_BIRTH_YEAR);
    assert_int_equal(f->row.age, 1944);
    next_bad(f, "refs.csv:4: age_years: give age_years or birth_year, not both");
    next_bad(f, "refs.csv:5: age_years: required (or birth_year)");
    assert_int_equal(next(f), CSV_TABLE_EROW);
    assert_non_null(strstr(f->err, "refs.csv:6: birth_year: 1889 is not between 1890 and 20"));
    assert_int_equal(next(f), CSV_TABLE_EROW);
    assert_non_null(strstr(f->err, "refs.csv:7: birth_year: 2999 is not between 1890 and 20"));
    next_bad(f, "refs.csv:8: birth_year: '19x4' is not a whole number"); /* and no "required" besides */
}

static void test_birth_year_only_column(void **state)
{
    fx_t *f = *state;
    assert_int_equal(open_text(f, "nhs_number,birth_year,reason\n" P1 ",,r\n"), CSV_TABLE_OK);
    next_bad(f, "refs.csv:2: birth_year: required");
}

static void test_efi_alternatives(void **state)
{
    fx_t *f = *state;
    assert_int_equal(open_text(f, "nhs_number,age_years,reason,efi_score,efi_deficits\n" P1 ",80,r,0.31,\n" P1
                                  ",80,r,,12\n" P1 ",80,r,,\n" P1 ",80,r,0.31,12\n" P1 ",80,r,12,\n" P1
                                  ",80,r,,37\n" P1 ",80,r,0,\n" P1 ",80,r,.5,\n"),
                     CSV_TABLE_OK);
    next_ok(f);
    assert_int_equal(f->row.frailty_case, HUDDLE__REFERRAL_SUBMIT__FRAILTY_EFI_SCORE);
    assert_true(f->row.efi_score == 0.31);
    next_ok(f);
    assert_int_equal(f->row.frailty_case, HUDDLE__REFERRAL_SUBMIT__FRAILTY_EFI_DEFICITS);
    assert_int_equal(f->row.efi_deficits, 12);
    next_ok(f);
    assert_int_equal(f->row.frailty_case, HUDDLE__REFERRAL_SUBMIT__FRAILTY__NOT_SET);
    next_bad(f, "refs.csv:5: efi_score: give efi_score or efi_deficits, not both");
    next_bad(f, "refs.csv:6: efi_score: 12 is not between 0 and 1 (a count of deficits goes in efi_deficits)");
    next_bad(f, "refs.csv:7: efi_deficits: 37 is not between 0 and 36");
    next_ok(f); /* 0 is a recorded score, not "not recorded" */
    assert_int_equal(f->row.frailty_case, HUDDLE__REFERRAL_SUBMIT__FRAILTY_EFI_SCORE);
    assert_true(f->row.efi_score == 0);
    next_ok(f);
    assert_true(f->row.efi_score == 0.5);
}

static void test_numbers_are_plain_decimals(void **state)
{
    fx_t *f = *state;
    assert_int_equal(open_text(f, "nhs_number,age_years,reason,cost_ratio\n" P1 ",80,r,1e2\n" P1 ",80,r,-1\n" P1
                                  ",80,r,nan\n" P1 ",80,r,3.\n" P1 ",8.5,r,\n" P1 ",80,r,3.25\n"),
                     CSV_TABLE_OK);
    next_bad(f, "refs.csv:2: cost_ratio: '1e2' is not a number (digits and a decimal point)");
    next_bad(f, "refs.csv:3: cost_ratio: '-1' is not a number (digits and a decimal point)");
    next_bad(f, "refs.csv:4: cost_ratio: 'nan' is not a number (digits and a decimal point)");
    next_bad(f, "refs.csv:5: cost_ratio: '3.' is not a number (digits and a decimal point)");
    next_bad(f, "refs.csv:6: age_years: '8.5' is not a whole number");
    next_ok(f);
    assert_true(f->row.cost_ratio == 3.25);
}

static void test_text_fields(void **state)
{
    fx_t *f = *state;
    char text[8192];
    char reason[1002], clinician[130];
    memset(reason, 'r', 1001);
    reason[1001] = '\0';
    memset(clinician, 'c', 129);
    clinician[129] = '\0';
    snprintf(text, sizeof text,
             "nhs_number,age_years,reason,referring_clinician\n" P1 ",80,%.1000s,%.128s\n" P1 ",80,%s,\n" P1
             ",80,ok,%s\n" P1 ",80,caf\xc3\xa9 \xe2\x9c\x93,\n" P1 ",80,bad \xff byte,\n" P1 ",80,\"  \",\n",
             reason, clinician, reason, clinician);
    assert_int_equal(open_text(f, text), CSV_TABLE_OK);
    next_ok(f); /* exactly at the bounds */
    assert_int_equal(strlen(f->row.reason), 1000);
    assert_int_equal(strlen(f->row.referring_clinician), 128);
    next_bad(f, "refs.csv:3: reason: 1001 bytes, at most 1000");
    next_bad(f, "refs.csv:4: referring_clinician: 129 bytes, at most 128");
    next_ok(f);
    assert_string_equal(f->row.reason, "caf\xc3\xa9 \xe2\x9c\x93");
    next_bad(f, "refs.csv:6: reason: not UTF-8 text");
    next_bad(f, "refs.csv:7: reason: required"); /* spaces are no reason */
}

/* ---- the event and the message id ------------------------------------------------------ */

static void test_event_carries_the_row(void **state)
{
    fx_t *f = *state;
    assert_int_equal(open_text(f, GP_CSV_HEADER "\n" P1 ",,1944,6,,14,2.5,2,y,y,n,y,y,Falls,Dr A\n"), CSV_TABLE_OK);
    next_ok(f);
    Huddle__Event ev;
    Huddle__ReferralSubmit rs;
    Huddle__Subject subj;
    gp_csv_event(&f->row, "A81001", "gp-id", 1234, &ev, &rs, &subj);
    assert_int_equal(ev.kind, HUDDLE__EVENT_KIND__EVENT_KIND_REFERRAL_SUBMITTED);
    assert_int_equal(ev.payload_case, HUDDLE__EVENT__PAYLOAD_REFERRAL_SUBMIT);
    assert_ptr_equal(ev.referral_submit, &rs);
    assert_string_equal(ev.message_id, "gp-id");
    assert_int_equal(ev.occurred_at_ms, 1234);
    assert_string_equal(ev.subject->nhs_number, P1);
    assert_string_equal(rs.nhs_number, P1);
    assert_string_equal(rs.practice_ods, "A81001");
    assert_int_equal(rs.age_case, HUDDLE__REFERRAL_SUBMIT__AGE_BIRTH_YEAR);
    assert_int_equal(rs.birth_year, 1944);
    assert_int_equal(rs.frailty_case, HUDDLE__REFERRAL_SUBMIT__FRAILTY_EFI_DEFICITS);
    assert_int_equal(rs.efi_deficits, 14);
    assert_int_equal(rs.long_term_conditions, 6);
    assert_true(rs.cost_ratio == 2.5);
    assert_int_equal(rs.emergency_admissions_12m, 2);
    assert_true(rs.urgent && rs.safeguarding_concern && !rs.lives_alone && rs.carer_under_strain &&
                rs.consent_recorded);
    assert_string_equal(rs.reason, "Falls");
    assert_string_equal(rs.referring_clinician, "Dr A");
    /* and it packs: every field is one the schema has */
    size_t len = huddle__event__get_packed_size(&ev);
    uint8_t *buf = malloc(len);
    assert_non_null(buf);
    huddle__event__pack(&ev, buf);
    Huddle__Event *back = huddle__event__unpack(NULL, len, buf);
    assert_non_null(back);
    assert_int_equal(back->referral_submit->birth_year, 1944);
    huddle__event__free_unpacked(back, NULL);
    free(buf);
}

/* The message id of the one row of text, for practice ods. */
static void id_of(const char *text, const char *ods, char id[GP_CSV_ID_LEN])
{
    fx_t f = {0};
    assert_int_equal(open_text(&f, text), CSV_TABLE_OK);
    if (gp_csv_next(f.csv, &f.row, f.err, sizeof f.err) != CSV_TABLE_OK)
        fail_msg("%s", f.err);
    gp_csv_message_id(&f.row, ods, id);
    gp_csv_destroy(&f.csv);
    fclose(f.fp);
}

#define BASE_ROW GP_CSV_HEADER "\n" P1 ",84,,6,0.31,,2.5,2,yes,no,yes,no,yes,Falls,Dr A\n"

static void test_message_id_stable_and_blind_to_formatting(void **state)
{
    (void)state;
    char id[GP_CSV_ID_LEN], other[GP_CSV_ID_LEN];
    id_of(BASE_ROW, "A81001", id);
    /* the same in every run and build: it is written down here */
    assert_string_equal(id, "gp-A81001-4e30624d7221fa03-d9bfc432e4197c50");
    assert_null(strstr(id, P1)); /* no NHS number in clear */
    static const char *const same[] = {
        /* other spellings of the same values, CRLF, other order, quotes, spaces */
        GP_CSV_HEADER "\r\n943 476 5919, 084 ,,6,0.310,,2.50,2,Y,N,TRUE,0,1,\"Falls\",Dr A\r\n",
        "reason,referring_clinician,nhs_number,age_years,long_term_conditions,efi_score,cost_ratio,"
        "emergency_admissions_12m,urgent,lives_alone,consent_recorded\nFalls,Dr A," P1 ",84,6,0.31,2.5,2,y,y,y\n",
    };
    for (size_t i = 0; i < sizeof same / sizeof same[0]; i++) {
        id_of(same[i], "A81001", other);
        assert_string_equal(other, id);
    }
}

static void test_message_id_changes_with_any_value(void **state)
{
    (void)state;
    char id[GP_CSV_ID_LEN], other[GP_CSV_ID_LEN];
    id_of(BASE_ROW, "A81001", id);
    static const char *const changed[] = {
        GP_CSV_HEADER "\n" P2 ",84,,6,0.31,,2.5,2,yes,no,yes,no,yes,Falls,Dr A\n",
        GP_CSV_HEADER "\n" P1 ",85,,6,0.31,,2.5,2,yes,no,yes,no,yes,Falls,Dr A\n",
        GP_CSV_HEADER "\n" P1 ",84,,7,0.31,,2.5,2,yes,no,yes,no,yes,Falls,Dr A\n",
        GP_CSV_HEADER "\n" P1 ",84,,6,0.32,,2.5,2,yes,no,yes,no,yes,Falls,Dr A\n",
        GP_CSV_HEADER "\n" P1 ",84,,6,,11,2.5,2,yes,no,yes,no,yes,Falls,Dr A\n",
        GP_CSV_HEADER "\n" P1 ",84,,6,,,2.5,2,yes,no,yes,no,yes,Falls,Dr A\n",
        GP_CSV_HEADER "\n" P1 ",84,,6,0.31,,2.6,2,yes,no,yes,no,yes,Falls,Dr A\n",
        GP_CSV_HEADER "\n" P1 ",84,,6,0.31,,2.5,3,yes,no,yes,no,yes,Falls,Dr A\n",
        GP_CSV_HEADER "\n" P1 ",84,,6,0.31,,2.5,2,no,no,yes,no,yes,Falls,Dr A\n",
        GP_CSV_HEADER "\n" P1 ",84,,6,0.31,,2.5,2,yes,yes,yes,no,yes,Falls,Dr A\n",
        GP_CSV_HEADER "\n" P1 ",84,,6,0.31,,2.5,2,yes,no,no,no,yes,Falls,Dr A\n",
        GP_CSV_HEADER "\n" P1 ",84,,6,0.31,,2.5,2,yes,no,yes,yes,yes,Falls,Dr A\n",
        GP_CSV_HEADER "\n" P1 ",84,,6,0.31,,2.5,2,yes,no,yes,no,no,Falls,Dr A\n",
        GP_CSV_HEADER "\n" P1 ",84,,6,0.31,,2.5,2,yes,no,yes,no,yes,Falls.,Dr A\n",
        GP_CSV_HEADER "\n" P1 ",84,,6,0.31,,2.5,2,yes,no,yes,no,yes,Falls,Dr B\n",
    };
    for (size_t i = 0; i < sizeof changed / sizeof changed[0]; i++) {
        id_of(changed[i], "A81001", other);
        if (!strcmp(other, id))
            fail_msg("row %zu changed a value but kept the id", i);
    }
    /* the same row from another practice is another referral */
    id_of(BASE_ROW, "A81002", other);
    assert_string_not_equal(other, id);
    assert_memory_equal(other, "gp-A81002-", 10);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_generator_header_and_a_full_row, setup, teardown),
        cmocka_unit_test_setup_teardown(test_columns_in_any_order_and_case, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unknown_columns_refused_naming_them, setup, teardown),
        cmocka_unit_test_setup_teardown(test_header_problems, setup, teardown),
        cmocka_unit_test_setup_teardown(test_header_only_has_no_rows, setup, teardown),
        cmocka_unit_test_setup_teardown(test_quoting, setup, teardown),
        cmocka_unit_test_setup_teardown(test_crlf_bom_blank_lines_and_no_final_newline, setup, teardown),
        cmocka_unit_test_setup_teardown(test_quote_mistakes_named, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wrong_number_of_fields, setup, teardown),
        cmocka_unit_test_setup_teardown(test_long_field_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_rows_named_by_line_and_field, setup, teardown),
        cmocka_unit_test_setup_teardown(test_nhs_number_forms, setup, teardown),
        cmocka_unit_test_setup_teardown(test_booleans, setup, teardown),
        cmocka_unit_test_setup_teardown(test_either_age_field, setup, teardown),
        cmocka_unit_test_setup_teardown(test_birth_year_only_column, setup, teardown),
        cmocka_unit_test_setup_teardown(test_efi_alternatives, setup, teardown),
        cmocka_unit_test_setup_teardown(test_numbers_are_plain_decimals, setup, teardown),
        cmocka_unit_test_setup_teardown(test_text_fields, setup, teardown),
        cmocka_unit_test_setup_teardown(test_event_carries_the_row, setup, teardown),
        cmocka_unit_test_setup_teardown(test_message_id_stable_and_blind_to_formatting, setup, teardown),
        cmocka_unit_test_setup_teardown(test_message_id_changes_with_any_value, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
