/*
 * gp_csv — see gp_csv.h. Two layers: csv_record's table (RFC 4180 records into
 * NUL-terminated fields, with the first structural problem of each field, under a
 * header naming the columns), then the column table, which types each field and
 * checks it.
 */
#include "gp_csv.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "csv_record.h"
#include "hd_time.h"

/* ---- the columns ---------------------------------------------------------------- */

typedef enum { T_NHS, T_UINT, T_DECIMAL, T_BOOL, T_TEXT } col_type_t;

typedef enum {
    C_NHS, C_AGE_YEARS, C_BIRTH_YEAR, C_LTC, C_EFI_SCORE, C_EFI_DEFICITS, C_COST, C_ADMISSIONS,
    C_URGENT, C_SAFEGUARDING, C_LIVES_ALONE, C_CARER, C_CONSENT, C_REASON, C_CLINICIAN, N_COLUMNS
} col_id_t;

typedef struct {
    const char *name;
    col_type_t type;
    double min, max;   /* T_UINT and T_DECIMAL: the range; T_TEXT: max bytes */
    size_t offset;     /* of the value in gp_csv_row_t */
    const char *help;
} column_t;

#define AT(field) offsetof(gp_csv_row_t, field)

/* In GP_CSV_HEADER's order. The year of birth's upper bound is this year (checked apart). */
static const column_t columns[N_COLUMNS] = {
    {"nhs_number", T_NHS, 0, 0, AT(nhs_number), "the patient's NHS number, 10 digits (spaces allowed as 3-3-4); required"},
    {"age_years", T_UINT, 0, 130, AT(age), "completed years of age, 0-130; this or birth_year on every row"},
    {"birth_year", T_UINT, 1890, 9999, AT(age), "year of birth, 1890 to this year, when only the year is shared"},
    {"long_term_conditions", T_UINT, 0, 60, AT(long_term_conditions), "count of recorded long-term conditions, 0-60; empty = 0"},
    {"efi_score", T_DECIMAL, 0, 1, AT(efi_score), "electronic Frailty Index as a fraction, 0-1; empty = not recorded"},
    {"efi_deficits", T_UINT, 0, 36, AT(efi_deficits), "or the eFI as deficits out of 36, 0-36 (at most one of the two)"},
    {"cost_ratio", T_DECIMAL, 0, 100, AT(cost_ratio), "predicted 12-month acute cost / population average, 0-100; empty = 0, not known"},
    {"emergency_admissions_12m", T_UINT, 0, 100, AT(emergency_admissions_12m), "emergency admissions in the last 12 months, 0-100; empty = 0"},
    {"urgent", T_BOOL, 0, 0, AT(urgent), "the referrer asks for urgent discussion"},
    {"safeguarding_concern", T_BOOL, 0, 0, AT(safeguarding_concern), "a safeguarding concern is recorded"},
    {"lives_alone", T_BOOL, 0, 0, AT(lives_alone), "the patient lives alone"},
    {"carer_under_strain", T_BOOL, 0, 0, AT(carer_under_strain), "the patient's carer is under strain"},
    {"consent_recorded", T_BOOL, 0, 0, AT(consent_recorded), "consent to referral and sharing is recorded"},
    {"reason", T_TEXT, 1, GP_CSV_REASON_MAX, AT(reason), "why the patient is referred, 1-1000 bytes; required"},
    {"referring_clinician", T_TEXT, 0, GP_CSV_CLINICIAN_MAX, AT(referring_clinician), "name and role of the referrer, at most 128 bytes"},
};

struct gp_csv {
    csv_table_t t;
    int year; /* this year, for birth_year */
};

typedef csv_problems_t problems_t;
#define problem csv_problem

/* ---- the header -------------------------------------------------------------------- */

static const char *column_name(int k)
{
    return columns[k].name;
}

static void missing_columns(const csv_table_t *t, problems_t *p)
{
    if (t->field_of[C_NHS] < 0)
        problem(p, "header", "no nhs_number column");
    if (t->field_of[C_REASON] < 0)
        problem(p, "header", "no reason column");
    if (t->field_of[C_AGE_YEARS] < 0 && t->field_of[C_BIRTH_YEAR] < 0)
        problem(p, "header", "no age_years or birth_year column");
}

static const csv_columns_t table_columns = {N_COLUMNS, column_name, GP_CSV_HEADER, missing_columns};

int gp_csv_open(gp_csv_t **out, FILE *fp, const char *name, char *err, size_t err_len)
{
    *out = NULL;
    if (err_len)
        err[0] = '\0';
    gp_csv_t *r = calloc(1, sizeof *r);
    if (!r)
        return CSV_TABLE_ENOMEM;
    char today[HD_DATE_LEN];
    hd_date_format(hd_date_from_ms(hd_time_now_ms()), today, sizeof today);
    r->year = atoi(today);
    int rc = csv_table_open(&r->t, fp, name, &table_columns, err, err_len);
    if (rc) {
        gp_csv_destroy(&r);
        return rc;
    }
    *out = r;
    return CSV_TABLE_OK;
}

void gp_csv_destroy(gp_csv_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    csv_table_close(&(*self_p)->t);
    free(*self_p);
    *self_p = NULL;
}

/* ---- one row ----------------------------------------------------------------------- */

#define shown csv_shown

static bool parse_bool(const char *s, bool *v)
{
    static const struct {
        const char *word;
        bool value;
    } words[] = {{"yes", true}, {"no", false}, {"true", true}, {"false", false},
                 {"y", true},   {"n", false},  {"1", true},    {"0", false}};
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        if (!strcasecmp(s, words[i].word)) {
            *v = words[i].value;
            return true;
        }
    return false;
}

/* Digits, optionally one '.' and more digits: what a spreadsheet writes; no signs,
 * exponents, "nan" or "inf". */
static bool parse_decimal(const char *s, bool whole, double *v)
{
    size_t digits = 0, dots = 0, n = strlen(s);
    for (size_t i = 0; i < n; i++) {
        if (isdigit((unsigned char)s[i]))
            digits++;
        else if (s[i] == '.' && !whole)
            dots++;
        else
            return false;
    }
    if (!digits || dots > 1 || n > 20 || s[n - 1] == '.')
        return false;
    *v = strtod(s, NULL);
    return isfinite(*v);
}

/* Types one value into the row: 0, or -1 with the problem told. */
static int set_value(gp_csv_t *r, problems_t *p, col_id_t k, const char *s, bool *given, gp_csv_row_t *row)
{
    const column_t *col = &columns[k];
    void *at = (char *)row + col->offset;
    char buf[24];
    double v = 0;
    *given = *s != '\0';
    switch (col->type) {
    case T_NHS: {
        int rc = *given ? nhs_number_normalise(s, row->nhs_number) : NHS_OK;
        if (!*given || rc != NHS_OK) {
            problem(p, col->name, "%s", *given ? nhs_strerror(rc) : "required");
            return -1;
        }
        return 0;
    }
    case T_BOOL:
        if (*given && !parse_bool(s, at)) {
            problem(p, col->name, "'%s' is not yes or no (yes/no, true/false, y/n, 1/0; empty = no)", shown(s, buf));
            return -1;
        }
        return 0;
    case T_UINT:
    case T_DECIMAL: {
        if (!*given)
            return 0;
        double max = k == C_BIRTH_YEAR ? r->year : col->max;
        if (!parse_decimal(s, col->type == T_UINT, &v)) {
            problem(p, col->name, "'%s' is not a %s", shown(s, buf),
                    col->type == T_UINT ? "whole number" : "number (digits and a decimal point)");
            return -1;
        }
        if (v < col->min || v > max) {
            problem(p, col->name, "%s is not between %g and %g%s", shown(s, buf), col->min, max,
                    k == C_EFI_SCORE && v >= 1 && v <= 36 ? " (a count of deficits goes in efi_deficits)" : "");
            return -1;
        }
        if (col->type == T_UINT)
            *(uint32_t *)at = (uint32_t)v;
        else
            *(double *)at = v;
        return 0;
    }
    case T_TEXT: {
        size_t n = strlen(s);
        if (n < (size_t)col->min || n > (size_t)col->max) {
            if (n)
                problem(p, col->name, "%zu bytes, at most %.0f", n, col->max);
            else
                problem(p, col->name, "required");
            return -1;
        }
        if (!csv_valid_utf8(s)) {
            problem(p, col->name, "not UTF-8 text");
            return -1;
        }
        memcpy(at, s, n + 1);
        return 0;
    }
    }
    return 0;
}

int gp_csv_next(gp_csv_t *self, gp_csv_row_t *row, char *err, size_t err_len)
{
    problems_t p;
    int rc = csv_table_next(&self->t, &p, err, err_len);
    if (rc)
        return rc;
    memset(row, 0, sizeof *row);
    row->line = p.line;
    bool given[N_COLUMNS] = {false}, bad[N_COLUMNS] = {false};
    for (int k = 0; k < N_COLUMNS; k++) {
        int f = self->t.field_of[k];
        if (f < 0)
            continue;
        if (csv_record_problem(self->t.rec, (size_t)f)[0]) {
            problem(&p, columns[k].name, "%s", csv_record_problem(self->t.rec, (size_t)f));
            bad[k] = true;
            continue;
        }
        char value[CSV_RECORD_FIELD_MAX + 1];
        csv_trimmed(csv_record_field(self->t.rec, (size_t)f), value, sizeof value);
        bad[k] = set_value(self, &p, (col_id_t)k, value, &given[k], row) != 0;
    }
    /* the oneofs: one age, at most one eFI */
    if (given[C_AGE_YEARS] && given[C_BIRTH_YEAR])
        problem(&p, "age_years", "give age_years or birth_year, not both");
    else if (!given[C_AGE_YEARS] && !given[C_BIRTH_YEAR] && !bad[C_AGE_YEARS] && !bad[C_BIRTH_YEAR])
        problem(&p, self->t.field_of[C_AGE_YEARS] >= 0 ? "age_years" : "birth_year", "required%s",
                self->t.field_of[C_AGE_YEARS] >= 0 && self->t.field_of[C_BIRTH_YEAR] >= 0 ? " (or birth_year)" : "");
    row->age_case = given[C_BIRTH_YEAR] ? HUDDLE__REFERRAL_SUBMIT__AGE_BIRTH_YEAR : HUDDLE__REFERRAL_SUBMIT__AGE_AGE_YEARS;
    if (given[C_EFI_SCORE] && given[C_EFI_DEFICITS])
        problem(&p, "efi_score", "give efi_score or efi_deficits, not both");
    row->frailty_case = given[C_EFI_SCORE]      ? HUDDLE__REFERRAL_SUBMIT__FRAILTY_EFI_SCORE
                        : given[C_EFI_DEFICITS] ? HUDDLE__REFERRAL_SUBMIT__FRAILTY_EFI_DEFICITS
                                                : HUDDLE__REFERRAL_SUBMIT__FRAILTY__NOT_SET;
    return p.n ? CSV_TABLE_EROW : CSV_TABLE_OK;
}

/* ---- message ids and events ----------------------------------------------------------- */

#define FNV_OFFSET UINT64_C(14695981039346656037)
#define FNV_PRIME UINT64_C(1099511628211)

static uint64_t fnv(uint64_t h, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        h = (h ^ *p) * FNV_PRIME;
    return (h ^ 0x1e) * FNV_PRIME; /* a separator no value holds */
}

#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static uint64_t fnvf(uint64_t h, const char *fmt, ...)
{
    char text[64];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    return fnv(h, text);
}

void gp_csv_message_id(const gp_csv_row_t *row, const char *practice_ods, char out[GP_CSV_ID_LEN])
{
    uint64_t patient = fnv(fnv(FNV_OFFSET, practice_ods), row->nhs_number);
    uint64_t h = fnv(fnv(FNV_OFFSET, "referral v1"), practice_ods);
    h = fnv(h, row->nhs_number);
    h = fnvf(h, "%s=%u", row->age_case == HUDDLE__REFERRAL_SUBMIT__AGE_BIRTH_YEAR ? "birth_year" : "age_years", row->age);
    h = fnvf(h, "ltc=%u", row->long_term_conditions);
    if (row->frailty_case == HUDDLE__REFERRAL_SUBMIT__FRAILTY_EFI_SCORE)
        h = fnvf(h, "efi_score=%.17g", row->efi_score);
    else if (row->frailty_case == HUDDLE__REFERRAL_SUBMIT__FRAILTY_EFI_DEFICITS)
        h = fnvf(h, "efi_deficits=%u", row->efi_deficits);
    else
        h = fnv(h, "efi=none");
    h = fnvf(h, "cost=%.17g", row->cost_ratio);
    h = fnvf(h, "admissions=%u", row->emergency_admissions_12m);
    h = fnvf(h, "flags=%d%d%d%d%d", row->urgent, row->safeguarding_concern, row->lives_alone, row->carer_under_strain,
             row->consent_recorded);
    h = fnv(h, row->reason);
    h = fnv(h, row->referring_clinician);
    snprintf(out, GP_CSV_ID_LEN, "gp-%.10s-%016llx-%016llx", practice_ods, (unsigned long long)patient,
             (unsigned long long)h);
}

void gp_csv_event(const gp_csv_row_t *row, const char *practice_ods, const char *message_id, int64_t occurred_at_ms,
                  Huddle__Event *ev, Huddle__ReferralSubmit *rs, Huddle__Subject *subj)
{
    huddle__event__init(ev);
    huddle__referral_submit__init(rs);
    huddle__subject__init(subj);
    subj->nhs_number = (char *)row->nhs_number;
    rs->nhs_number = (char *)row->nhs_number;
    rs->practice_ods = (char *)practice_ods;
    rs->age_case = row->age_case;
    if (row->age_case == HUDDLE__REFERRAL_SUBMIT__AGE_BIRTH_YEAR)
        rs->birth_year = row->age;
    else
        rs->age_years = row->age;
    rs->long_term_conditions = row->long_term_conditions;
    rs->frailty_case = row->frailty_case;
    if (row->frailty_case == HUDDLE__REFERRAL_SUBMIT__FRAILTY_EFI_SCORE)
        rs->efi_score = row->efi_score;
    else if (row->frailty_case == HUDDLE__REFERRAL_SUBMIT__FRAILTY_EFI_DEFICITS)
        rs->efi_deficits = row->efi_deficits;
    rs->cost_ratio = row->cost_ratio;
    rs->emergency_admissions_12m = row->emergency_admissions_12m;
    rs->urgent = row->urgent;
    rs->safeguarding_concern = row->safeguarding_concern;
    rs->lives_alone = row->lives_alone;
    rs->carer_under_strain = row->carer_under_strain;
    rs->consent_recorded = row->consent_recorded;
    rs->reason = (char *)row->reason;
    rs->referring_clinician = (char *)row->referring_clinician;
    ev->message_id = (char *)message_id;
    ev->kind = HUDDLE__EVENT_KIND__EVENT_KIND_REFERRAL_SUBMITTED;
    ev->subject = subj;
    ev->occurred_at_ms = occurred_at_ms;
    ev->payload_case = HUDDLE__EVENT__PAYLOAD_REFERRAL_SUBMIT;
    ev->referral_submit = rs;
}

void gp_csv_columns_help(FILE *out)
{
    for (size_t k = 0; k < N_COLUMNS; k++)
        fprintf(out, "  %-25s %s\n", columns[k].name, columns[k].help);
}
