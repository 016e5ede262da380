/*
 * episode_csv — see episode_csv.h. csv_record's records, then one discharge_args
 * setter per column, then discharge_args' rules between fields.
 */
#include "episode_csv.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "csv_record.h"

typedef struct {
    discharge_field_t field;
    bool required;
    const char *help;
} column_t;

/* In EPISODE_CSV_HEADER's order, which is the fields' order. */
static const column_t columns[DISCHARGE_F_N] = {
    {DISCHARGE_F_HOSPITAL, false, "the hospital trust's ODS code; empty or absent = the hub's own (no other)"},
    {DISCHARGE_F_LOCAL_ID, true, "the hospital's id for the spell, 1-32 of A-Z a-z 0-9 - _ /; required"},
    {DISCHARGE_F_NHS, true, "the patient's NHS number, 10 digits (spaces allowed as 3-3-4); required"},
    {DISCHARGE_F_WARD, false, "current ward, at most 64 bytes"},
    {DISCHARGE_F_ADMITTED, true, "start of the spell, YYYY-MM-DDTHH:MM UK time (or with Z or +01:00); required"},
    {DISCHARGE_F_CRITERION, false, "criterion to reside still met, 01-12; empty once none is"},
    {DISCHARGE_F_READY, false, "date the patient stopped meeting any criterion, YYYY-MM-DD"},
    {DISCHARGE_F_PATHWAY, false, "discharge pathway 0-3; empty = not decided"},
    {DISCHARGE_F_STATUS, true, "not-ready, awaiting-assessment, awaiting-care-package, awaiting-placement,\n"
                               "                            awaiting-equipment, awaiting-transport or discharged; required"},
    {DISCHARGE_F_DELAYS, false, "delay reason codes separated by ';' or spaces, e.g. \"A;D2\""},
    {DISCHARGE_F_EXPECTED, false, "planned discharge date, YYYY-MM-DD"},
    {DISCHARGE_F_DISCHARGED, false, "actual discharge time, as admitted_at; with discharged only (and required then)"},
    {DISCHARGE_F_PRACTICE, false, "the patient's registered GP practice (ODS code), so it hears of the discharge"},
};

struct episode_csv {
    csv_record_t *rec;
    const char *name;
    const char *hospital;        /* the hub's; NULL = not known yet */
    int64_t now_ms;
    size_t n_header;
    int field_of[DISCHARGE_F_N]; /* the record field holding each column, or -1 */
};

static int column_named(const char *s, size_t n)
{
    for (int k = 0; k < DISCHARGE_F_N; k++) {
        const char *name = discharge_args_column(columns[k].field);
        if (strlen(name) == n && !strncasecmp(name, s, n))
            return k;
    }
    return -1;
}

static int io_code(int rc)
{
    return rc == CSV_RECORD_EIO ? EPISODE_CSV_EIO : EPISODE_CSV_ENOMEM;
}

static int read_header(episode_csv_t *r, csv_problems_t *p)
{
    int rc = csv_record_next(r->rec);
    p->line = csv_record_line(r->rec);
    if (rc < 0)
        return io_code(rc);
    if (rc == 0) {
        csv_problem(p, "header", "the file is empty; the first line names the columns: %s", EPISODE_CSV_HEADER);
        return EPISODE_CSV_EHEADER;
    }
    for (int k = 0; k < DISCHARGE_F_N; k++)
        r->field_of[k] = -1;
    size_t n_fields = csv_record_count(r->rec);
    if (n_fields > CSV_RECORD_MAX_FIELDS) {
        csv_problem(p, "header", "%zu columns, at most %d", n_fields, CSV_RECORD_MAX_FIELDS);
        return EPISODE_CSV_EHEADER;
    }
    r->n_header = n_fields;
    char unknown[512] = "";
    size_t n_unknown = 0;
    for (size_t f = 0; f < n_fields; f++) {
        char s[CSV_RECORD_FIELD_MAX + 1];
        size_t n = csv_trimmed(csv_record_field(r->rec, f), s, sizeof s);
        int k = column_named(s, n);
        if (csv_record_problem(r->rec, f)[0])
            csv_problem(p, "header", "column %zu: %s", f + 1, csv_record_problem(r->rec, f));
        else if (n == 0)
            csv_problem(p, "header", "column %zu has no name", f + 1);
        else if (k < 0) {
            size_t used = strlen(unknown);
            snprintf(unknown + used, sizeof unknown - used, "%s'%.*s'", n_unknown++ ? ", " : "",
                     (int)(n > 64 ? 64 : n), s);
        } else if (r->field_of[k] >= 0)
            csv_problem(p, "header", "column '%s' appears twice", discharge_args_column(columns[k].field));
        else
            r->field_of[k] = (int)f;
    }
    if (n_unknown)
        csv_problem(p, "header", "unknown column%s %s; the columns are %s", n_unknown > 1 ? "s" : "", unknown,
                    EPISODE_CSV_HEADER);
    for (int k = 0; k < DISCHARGE_F_N; k++)
        if (columns[k].required && r->field_of[k] < 0)
            csv_problem(p, "header", "no %s column", discharge_args_column(columns[k].field));
    return p->n ? EPISODE_CSV_EHEADER : EPISODE_CSV_OK;
}

int episode_csv_open(episode_csv_t **out, FILE *fp, const char *name, int64_t now_ms, char *err, size_t err_len)
{
    *out = NULL;
    csv_problems_t p;
    csv_problems_init(&p, err, err_len, name, 1);
    episode_csv_t *r = calloc(1, sizeof *r);
    if (!r)
        return EPISODE_CSV_ENOMEM;
    r->name = name;
    r->now_ms = now_ms;
    int rc = csv_record_open(&r->rec, fp);
    if (rc == CSV_RECORD_EBOM) {
        csv_problem(&p, "header", "not UTF-8 text");
        rc = EPISODE_CSV_EHEADER;
    } else if (rc == CSV_RECORD_OK) {
        rc = read_header(r, &p);
    } else {
        rc = EPISODE_CSV_ENOMEM;
    }
    if (rc) {
        episode_csv_destroy(&r);
        return rc;
    }
    *out = r;
    return EPISODE_CSV_OK;
}

void episode_csv_destroy(episode_csv_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    csv_record_destroy(&(*self_p)->rec);
    free(*self_p);
    *self_p = NULL;
}

void episode_csv_set_hospital(episode_csv_t *self, const char *hospital_ods)
{
    self->hospital = hospital_ods;
}

static void on_problem(void *ctx, discharge_field_t f, const char *why)
{
    csv_problem(ctx, discharge_args_column(f), "%s", why);
}

int episode_csv_next(episode_csv_t *self, episode_csv_row_t *row, char *err, size_t err_len)
{
    if (err_len)
        err[0] = '\0';
    int rc = csv_record_next(self->rec);
    if (rc <= 0)
        return rc == 0 ? EPISODE_CSV_END : io_code(rc);
    memset(row, 0, sizeof *row);
    row->line = csv_record_line(self->rec);
    csv_problems_t p;
    csv_problems_init(&p, err, err_len, self->name, row->line);
    size_t n_fields = csv_record_count(self->rec);
    if (n_fields != self->n_header) {
        csv_problem(&p, "row", "%zu fields where the header has %zu", n_fields, self->n_header);
        return EPISODE_CSV_EROW;
    }
    for (int k = 0; k < DISCHARGE_F_N; k++) {
        int f = self->field_of[k];
        if (f < 0)
            continue;
        const char *name = discharge_args_column(columns[k].field);
        const char *structural = csv_record_problem(self->rec, (size_t)f);
        char why[DISCHARGE_WHY_LEN];
        if (structural[0]) {
            csv_problem(&p, name, "%s", structural);
        } else if (discharge_args_set(&row->ep, columns[k].field, csv_record_field(self->rec, (size_t)f), why)) {
            csv_problem(&p, name, "%s", why);
        }
    }
    const char *hosp = row->ep.hospital_ods;
    if (self->hospital && hosp[0] && strcmp(hosp, self->hospital))
        csv_problem(&p, "hospital_ods", "%s is not this hub's hospital (%s)", hosp, self->hospital);
    if (!p.n) /* the rules between fields, once each field is right */
        discharge_args_check(&row->ep, self->now_ms, on_problem, &p);
    return p.n ? EPISODE_CSV_EROW : EPISODE_CSV_OK;
}

void episode_csv_columns_help(FILE *out)
{
    for (size_t k = 0; k < DISCHARGE_F_N; k++)
        fprintf(out, "  %-25s %s\n", discharge_args_column(columns[k].field), columns[k].help);
}

const char *episode_csv_strerror(int code)
{
    switch (code) {
    case EPISODE_CSV_OK: return "ok";
    case EPISODE_CSV_END: return "no more rows";
    case EPISODE_CSV_EROW: return "bad row";
    case EPISODE_CSV_EHEADER: return "no usable header";
    case EPISODE_CSV_EIO: return "the file could not be read";
    case EPISODE_CSV_ENOMEM: return "out of memory";
    default: return "unknown error";
    }
}
