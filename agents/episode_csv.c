/*
 * episode_csv — see episode_csv.h. csv_record's table (the records under a header),
 * then one discharge_args setter per column, then discharge_args' rules between fields.
 */
#include "episode_csv.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

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
    csv_table_t t;
    const char *hospital; /* the hub's; NULL = not known yet */
    int64_t now_ms;
};

static const char *column_name(int k)
{
    return discharge_args_column(columns[k].field);
}

static void missing_columns(const csv_table_t *t, csv_problems_t *p)
{
    for (int k = 0; k < DISCHARGE_F_N; k++)
        if (columns[k].required && t->field_of[k] < 0)
            csv_problem(p, "header", "no %s column", column_name(k));
}

static const csv_columns_t table_columns = {DISCHARGE_F_N, column_name, EPISODE_CSV_HEADER, missing_columns};

int episode_csv_open(episode_csv_t **out, FILE *fp, const char *name, int64_t now_ms, char *err, size_t err_len)
{
    *out = NULL;
    if (err_len)
        err[0] = '\0';
    episode_csv_t *r = calloc(1, sizeof *r);
    if (!r)
        return CSV_TABLE_ENOMEM;
    r->now_ms = now_ms;
    int rc = csv_table_open(&r->t, fp, name, &table_columns, err, err_len);
    if (rc) {
        episode_csv_destroy(&r);
        return rc;
    }
    *out = r;
    return CSV_TABLE_OK;
}

void episode_csv_destroy(episode_csv_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    csv_table_close(&(*self_p)->t);
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
    csv_problems_t p;
    int rc = csv_table_next(&self->t, &p, err, err_len);
    if (rc)
        return rc;
    memset(row, 0, sizeof *row);
    row->line = p.line;
    for (int k = 0; k < DISCHARGE_F_N; k++) {
        int f = self->t.field_of[k];
        if (f < 0)
            continue;
        const char *name = discharge_args_column(columns[k].field);
        const char *structural = csv_record_problem(self->t.rec, (size_t)f);
        char why[DISCHARGE_WHY_LEN];
        if (structural[0]) {
            csv_problem(&p, name, "%s", structural);
        } else if (discharge_args_set(&row->ep, columns[k].field, csv_record_field(self->t.rec, (size_t)f), why)) {
            csv_problem(&p, name, "%s", why);
        }
    }
    const char *hosp = row->ep.hospital_ods;
    if (self->hospital && hosp[0] && strcmp(hosp, self->hospital))
        csv_problem(&p, "hospital_ods", "%s is not this hub's hospital (%s)", hosp, self->hospital);
    if (!p.n) /* the rules between fields, once each field is right */
        discharge_args_check(&row->ep, self->now_ms, on_problem, &p);
    return p.n ? CSV_TABLE_EROW : CSV_TABLE_OK;
}

void episode_csv_columns_help(FILE *out)
{
    for (size_t k = 0; k < DISCHARGE_F_N; k++)
        fprintf(out, "  %-25s %s\n", discharge_args_column(columns[k].field), columns[k].help);
}
