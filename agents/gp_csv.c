/*
 * gp_csv — see gp_csv.h. Two layers: a record reader (RFC 4180 into NUL-terminated
 * fields, with the first structural problem of each field), then the column table,
 * which types each field and checks it.
 */
#include "gp_csv.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "hd_time.h"

#define MAX_FIELDS 64    /* fields kept per record; more are counted, not stored */
#define FIELD_MAX 4096   /* bytes kept per field; a longer field is refused */
#define PROBLEM_LEN 128

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

/* ---- the reader ------------------------------------------------------------------ */

struct gp_csv {
    FILE *fp;
    const char *name;
    unsigned long line;      /* line of the next character */
    int pushed;              /* a character read ahead, or EOF - 1 for none */
    int year;                /* this year, for birth_year */
    /* the record just read */
    char *buf;               /* the fields, each NUL-terminated */
    size_t len, cap;
    size_t n_fields;         /* including those not stored */
    size_t start[MAX_FIELDS];
    bool quoted[MAX_FIELDS];
    char problem[MAX_FIELDS][PROBLEM_LEN]; /* the first structural problem of each field */
    unsigned long record_line;
    size_t n_header;         /* fields in the header */
    int field_of[N_COLUMNS]; /* the field holding each column, or -1 when absent */
};

#define NO_CHAR (EOF - 1)

static int next_char(gp_csv_t *r)
{
    int c = r->pushed;
    if (c != NO_CHAR)
        r->pushed = NO_CHAR;
    else
        c = getc(r->fp);
    return c;
}

static int append(gp_csv_t *r, char c)
{
    if (r->len + 1 >= r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 1024;
        char *grown = realloc(r->buf, cap);
        if (!grown)
            return -1;
        r->buf = grown;
        r->cap = cap;
    }
    r->buf[r->len++] = c;
    return 0;
}

static void field_problem(gp_csv_t *r, const char *what)
{
    size_t f = r->n_fields;
    if (f < MAX_FIELDS && !r->problem[f][0])
        snprintf(r->problem[f], PROBLEM_LEN, "%s", what);
}

/* Adds one byte to the current field (kept up to FIELD_MAX bytes). */
static int field_byte(gp_csv_t *r, char c)
{
    size_t f = r->n_fields;
    if (f >= MAX_FIELDS)
        return 0;
    if (r->len - r->start[f] >= FIELD_MAX) {
        field_problem(r, "longer than 4096 bytes");
        return 0;
    }
    return append(r, c);
}

static int field_begin(gp_csv_t *r)
{
    size_t f = r->n_fields;
    if (f < MAX_FIELDS) {
        r->start[f] = r->len;
        r->quoted[f] = false;
        r->problem[f][0] = '\0';
    }
    return 0;
}

static int field_end(gp_csv_t *r)
{
    if (r->n_fields < MAX_FIELDS && append(r, '\0'))
        return -1;
    r->n_fields++;
    return 0;
}

/* After a CR: a following LF belongs to the same line end. */
static void eat_lf(gp_csv_t *r)
{
    int c = next_char(r);
    if (c != '\n')
        r->pushed = c;
}

/* One record into r: 1, 0 at the end of the file, GP_CSV_EIO or GP_CSV_ENOMEM. */
static int read_record(gp_csv_t *r)
{
    enum { START, UNQUOTED, QUOTED, AFTER_QUOTE } st = START;
    r->len = 0;
    r->n_fields = 0;
    r->record_line = r->line;
    int c = next_char(r);
    if (c == EOF)
        return ferror(r->fp) ? GP_CSV_EIO : 0;
    field_begin(r);
    for (;; c = next_char(r)) {
        if (c == EOF) {
            if (ferror(r->fp))
                return GP_CSV_EIO;
            if (st == QUOTED)
                field_problem(r, "quoted field not closed before the end of the file");
            return field_end(r) ? GP_CSV_ENOMEM : 1;
        }
        int rc = 0;
        if (st == QUOTED) {
            if (c == '"') {
                st = AFTER_QUOTE;
                continue;
            }
            if (c == '\r') { /* a line break inside quotes is data: kept as LF */
                eat_lf(r);
                c = '\n';
            }
            if (c == '\n')
                r->line++;
            rc = field_byte(r, (char)c);
        } else if (c == '\n' || c == '\r') {
            if (c == '\r')
                eat_lf(r);
            r->line++;
            return field_end(r) ? GP_CSV_ENOMEM : 1;
        } else if (c == ',') {
            if (field_end(r))
                return GP_CSV_ENOMEM;
            field_begin(r);
            st = START;
        } else if (st == AFTER_QUOTE) {
            if (c == '"') { /* a doubled quote: one quote in the text */
                rc = field_byte(r, '"');
                st = QUOTED;
            } else {
                field_problem(r, "text after the closing quote (a quote inside a quoted field is written twice)");
                rc = field_byte(r, (char)c);
            }
        } else if (st == START && c == '"') {
            if (r->n_fields < MAX_FIELDS)
                r->quoted[r->n_fields] = true;
            st = QUOTED;
        } else {
            if (c == '"')
                field_problem(r, "a quote inside an unquoted field (quote the whole field and double the quote)");
            rc = field_byte(r, (char)c);
            st = UNQUOTED;
        }
        if (rc)
            return GP_CSV_ENOMEM;
    }
}

/* A line with nothing on it but spaces. */
static bool blank_record(const gp_csv_t *r)
{
    if (r->n_fields != 1 || r->quoted[0] || r->problem[0][0])
        return false;
    for (const char *s = r->buf + r->start[0]; *s; s++)
        if (!isspace((unsigned char)*s))
            return false;
    return true;
}

/* The next record that is not a blank line: 1, 0 at the end, or an error code. */
static int read_nonblank(gp_csv_t *r)
{
    int rc;
    while ((rc = read_record(r)) == 1 && blank_record(r))
        ;
    return rc;
}

/* ---- reasons ---------------------------------------------------------------------- */

typedef struct {
    char *buf;
    size_t len, used;
    const char *name;
    unsigned long line;
    unsigned n;
} problems_t;

#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static void problem(problems_t *p, const char *field, const char *fmt, ...)
{
    if (p->used + 1 >= p->len) {
        p->n++;
        return;
    }
    int n = snprintf(p->buf + p->used, p->len - p->used, "%s%s:%lu: %s: ", p->n ? "\n" : "", p->name, p->line, field);
    if (n > 0 && (size_t)n < p->len - p->used) {
        p->used += (size_t)n;
        va_list ap;
        va_start(ap, fmt);
        n = vsnprintf(p->buf + p->used, p->len - p->used, fmt, ap);
        va_end(ap);
        p->used += n > 0 ? (size_t)n : 0;
    }
    if (p->used >= p->len)
        p->used = p->len - 1;
    p->n++;
}

/* ---- the header -------------------------------------------------------------------- */

static void trim(const char **s, size_t *n)
{
    while (*n && isspace((unsigned char)**s))
        (*s)++, (*n)--;
    while (*n && isspace((unsigned char)(*s)[*n - 1]))
        (*n)--;
}

static int column_named(const char *s, size_t n)
{
    for (int k = 0; k < N_COLUMNS; k++)
        if (strlen(columns[k].name) == n && !strncasecmp(columns[k].name, s, n))
            return k;
    return -1;
}

static int read_header(gp_csv_t *r, problems_t *p)
{
    int rc = read_nonblank(r);
    p->line = r->record_line;
    if (rc < 0)
        return rc;
    if (rc == 0) {
        problem(p, "header", "the file is empty; the first line names the columns: %s", GP_CSV_HEADER);
        return GP_CSV_EHEADER;
    }
    for (int k = 0; k < N_COLUMNS; k++)
        r->field_of[k] = -1;
    if (r->n_fields > MAX_FIELDS) {
        problem(p, "header", "%zu columns, at most %d", r->n_fields, MAX_FIELDS);
        return GP_CSV_EHEADER;
    }
    r->n_header = r->n_fields;
    char unknown[512] = "";
    size_t n_unknown = 0;
    for (size_t f = 0; f < r->n_fields; f++) {
        const char *s = r->buf + r->start[f];
        size_t n = strlen(s);
        trim(&s, &n);
        int k = column_named(s, n);
        if (r->problem[f][0])
            problem(p, "header", "column %zu: %s", f + 1, r->problem[f]);
        else if (n == 0)
            problem(p, "header", "column %zu has no name", f + 1);
        else if (k < 0) {
            size_t used = strlen(unknown);
            snprintf(unknown + used, sizeof unknown - used, "%s'%.*s'", n_unknown++ ? ", " : "", (int)(n > 64 ? 64 : n), s);
        } else if (r->field_of[k] >= 0)
            problem(p, "header", "column '%s' appears twice", columns[k].name);
        else
            r->field_of[k] = (int)f;
    }
    if (n_unknown)
        problem(p, "header", "unknown column%s %s; the columns are %s", n_unknown > 1 ? "s" : "", unknown,
                GP_CSV_HEADER);
    if (r->field_of[C_NHS] < 0)
        problem(p, "header", "no nhs_number column");
    if (r->field_of[C_REASON] < 0)
        problem(p, "header", "no reason column");
    if (r->field_of[C_AGE_YEARS] < 0 && r->field_of[C_BIRTH_YEAR] < 0)
        problem(p, "header", "no age_years or birth_year column");
    return p->n ? GP_CSV_EHEADER : GP_CSV_OK;
}

int gp_csv_open(gp_csv_t **out, FILE *fp, const char *name, char *err, size_t err_len)
{
    *out = NULL;
    if (err_len)
        err[0] = '\0';
    gp_csv_t *r = calloc(1, sizeof *r);
    if (!r)
        return GP_CSV_ENOMEM;
    r->fp = fp;
    r->name = name;
    r->line = 1;
    r->pushed = NO_CHAR;
    char today[HD_DATE_LEN];
    hd_date_format(hd_date_from_ms(hd_time_now_ms()), today, sizeof today);
    r->year = atoi(today);
    /* a UTF-8 byte-order mark, as spreadsheets write, is not part of the first name */
    int c = getc(fp);
    if (c == 0xef) {
        int c2 = getc(fp), c3 = getc(fp);
        if (c2 != 0xbb || c3 != 0xbf) {
            problems_t p = {err, err_len, 0, name, 1, 0};
            problem(&p, "header", "not UTF-8 text");
            free(r);
            return GP_CSV_EHEADER;
        }
    } else {
        r->pushed = c;
    }
    problems_t p = {err, err_len, 0, name, 1, 0};
    int rc = read_header(r, &p);
    if (rc) {
        gp_csv_destroy(&r);
        return rc;
    }
    *out = r;
    return GP_CSV_OK;
}

void gp_csv_destroy(gp_csv_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    free((*self_p)->buf);
    free(*self_p);
    *self_p = NULL;
}

/* ---- one row ----------------------------------------------------------------------- */

/* A value shown in a reason: short, printable (never an NHS number or free text). */
static const char *shown(const char *s, char buf[24])
{
    size_t i = 0;
    for (; s[i] && i < 20; i++)
        buf[i] = s[i] < 0x20 || s[i] > 0x7e ? '?' : s[i];
    snprintf(buf + i, 24 - i, "%s", s[i] ? "..." : "");
    return buf;
}

static bool valid_utf8(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        size_t n = *p < 0x80 ? 1 : (*p & 0xe0) == 0xc0 && *p >= 0xc2 ? 2 : (*p & 0xf0) == 0xe0 ? 3
                 : (*p & 0xf8) == 0xf0 && *p <= 0xf4 ? 4 : 0;
        if (!n)
            return false;
        for (size_t i = 1; i < n; i++)
            if ((p[i] & 0xc0) != 0x80)
                return false;
        if ((n == 3 && ((p[0] == 0xe0 && p[1] < 0xa0) || (p[0] == 0xed && p[1] >= 0xa0))) ||
            (n == 4 && ((p[0] == 0xf0 && p[1] < 0x90) || (p[0] == 0xf4 && p[1] >= 0x90))))
            return false;
        p += n;
    }
    return true;
}

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
        if (!valid_utf8(s)) {
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
    if (err_len)
        err[0] = '\0';
    int rc = read_nonblank(self);
    if (rc <= 0)
        return rc == 0 ? GP_CSV_END : rc;
    memset(row, 0, sizeof *row);
    row->line = self->record_line;
    problems_t p = {err, err_len, 0, self->name, self->record_line, 0};
    if (self->n_fields != self->n_header) {
        problem(&p, "row", "%zu fields where the header has %zu", self->n_fields, self->n_header);
        return GP_CSV_EROW;
    }
    bool given[N_COLUMNS] = {false}, bad[N_COLUMNS] = {false};
    for (int k = 0; k < N_COLUMNS; k++) {
        int f = self->field_of[k];
        if (f < 0)
            continue;
        if (self->problem[f][0]) {
            problem(&p, columns[k].name, "%s", self->problem[f]);
            bad[k] = true;
            continue;
        }
        const char *s = self->buf + self->start[f];
        size_t n = strlen(s);
        trim(&s, &n);
        char value[FIELD_MAX + 1];
        memcpy(value, s, n);
        value[n] = '\0';
        bad[k] = set_value(self, &p, (col_id_t)k, value, &given[k], row) != 0;
    }
    /* the oneofs: one age, at most one eFI */
    if (given[C_AGE_YEARS] && given[C_BIRTH_YEAR])
        problem(&p, "age_years", "give age_years or birth_year, not both");
    else if (!given[C_AGE_YEARS] && !given[C_BIRTH_YEAR] && !bad[C_AGE_YEARS] && !bad[C_BIRTH_YEAR])
        problem(&p, self->field_of[C_AGE_YEARS] >= 0 ? "age_years" : "birth_year", "required%s",
                self->field_of[C_AGE_YEARS] >= 0 && self->field_of[C_BIRTH_YEAR] >= 0 ? " (or birth_year)" : "");
    row->age_case = given[C_BIRTH_YEAR] ? HUDDLE__REFERRAL_SUBMIT__AGE_BIRTH_YEAR : HUDDLE__REFERRAL_SUBMIT__AGE_AGE_YEARS;
    if (given[C_EFI_SCORE] && given[C_EFI_DEFICITS])
        problem(&p, "efi_score", "give efi_score or efi_deficits, not both");
    row->frailty_case = given[C_EFI_SCORE]      ? HUDDLE__REFERRAL_SUBMIT__FRAILTY_EFI_SCORE
                        : given[C_EFI_DEFICITS] ? HUDDLE__REFERRAL_SUBMIT__FRAILTY_EFI_DEFICITS
                                                : HUDDLE__REFERRAL_SUBMIT__FRAILTY__NOT_SET;
    return p.n ? GP_CSV_EROW : GP_CSV_OK;
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

const char *gp_csv_strerror(int code)
{
    switch (code) {
    case GP_CSV_OK: return "ok";
    case GP_CSV_END: return "no more rows";
    case GP_CSV_EROW: return "bad row";
    case GP_CSV_EHEADER: return "no usable header";
    case GP_CSV_EIO: return "the file could not be read";
    case GP_CSV_ENOMEM: return "out of memory";
    default: return "unknown error";
    }
}
