/*
 * agenda_fmt — see agenda_fmt.h. The tables are text_table's: a row function writes
 * the cells of row i, and the printer measures and prints them.
 */
#include "agenda_fmt.h"

#include <stdbool.h>
#include <string.h>

#include "event_fmt.h"
#include "text_table.h"

#define CELL_LEN TEXT_TABLE_CELL_LEN

typedef text_table_column_t column_t;
typedef text_table_t table_t;
#define print_table text_table_print

int agenda_fmt_parse(const char *name, agenda_fmt_t *fmt)
{
    static const struct {
        const char *name;
        agenda_fmt_t fmt;
    } names[] = {{"table", AGENDA_FMT_TABLE}, {"markdown", AGENDA_FMT_MARKDOWN}, {"md", AGENDA_FMT_MARKDOWN},
                 {"json", AGENDA_FMT_JSON}};
    for (size_t i = 0; name && i < sizeof names / sizeof names[0]; i++)
        if (!strcmp(name, names[i].name)) {
            *fmt = names[i].fmt;
            return 0;
        }
    return -1;
}

#define ENUM(type, v) event_fmt_enum(&huddle__##type##__descriptor, (int)(v))

static void cohort_cell(char *cell, size_t n, const Huddle__Cohort *c)
{
    size_t used = 0;
    cell[0] = '\0';
    for (size_t i = 0; i < n && used < CELL_LEN; i++)
        used += (size_t)snprintf(cell + used, CELL_LEN - used, "%s%s", i ? ", " : "", ENUM(cohort, c[i]));
    if (!n)
        snprintf(cell, CELL_LEN, "-");
}

static void nhs_cell(char *cell, const char *nhs)
{
    char spaced[EVENT_FMT_NHS_LEN];
    event_fmt_nhs(nhs, spaced);
    snprintf(cell, CELL_LEN, "%s", spaced[0] ? spaced : "-");
}

/* ---- agenda ----------------------------------------------------------------------- */

static const column_t agenda_cols[] = {
    {"#", true},         {"Start", false},   {"Min", true},         {"Tier", false},
    {"Score", true},     {"Priority", true}, {"Days", true},        {"Practice", false},
    {"Cohorts", false},  {"Referral", false}, {"Notes", false},     {"NHS number", false},
};

static void agenda_row(const void *data, size_t i, char cells[][CELL_LEN])
{
    const Huddle__AgendaItem *it = ((const Huddle__MdtAgenda *)data)->items[i];
    char when[EVENT_FMT_TIME_LEN];
    event_fmt_uk_time(it->planned_start_ms, when);
    snprintf(cells[0], CELL_LEN, "%u", it->position);
    snprintf(cells[1], CELL_LEN, "%s", it->planned_start_ms ? when + 11 : "-"); /* HH:MM */
    snprintf(cells[2], CELL_LEN, "%u", it->minutes);
    snprintf(cells[3], CELL_LEN, "%s", ENUM(tier, it->tier));
    snprintf(cells[4], CELL_LEN, "%u", it->score);
    snprintf(cells[5], CELL_LEN, "%u", it->effective_priority);
    snprintf(cells[6], CELL_LEN, "%u", it->days_waiting);
    snprintf(cells[7], CELL_LEN, "%s", it->practice_ods);
    cohort_cell(cells[8], it->n_cohorts, it->cohorts);
    snprintf(cells[9], CELL_LEN, "%s", it->referral_id);
    snprintf(cells[10], CELL_LEN, "%s%s%s", it->deferred_before ? "deferred before" : "",
             it->deferred_before && it->added_by_hand ? ", " : "", it->added_by_hand ? "added by hand" : "");
    nhs_cell(cells[11], it->nhs_number);
}

void agenda_fmt_agenda(FILE *out, const Huddle__MdtAgenda *a, agenda_fmt_t fmt, unsigned flags)
{
    if (fmt == AGENDA_FMT_JSON) {
        event_fmt_json(out, &a->base, flags);
        fputc('\n', out);
        return;
    }
    bool md = fmt == AGENDA_FMT_MARKDOWN;
    char when[EVENT_FMT_TIME_LEN];
    event_fmt_uk_time(a->starts_at_ms, when);
    fprintf(out, md ? "### Agenda of session %s (%s)\n\n" : "Agenda of session %s (%s)\n", a->session_id,
            a->neighbourhood_id);
    fprintf(out, "%s UK time, %u minutes: %zu item%s, %u minutes planned, %s.\n\n", when, a->length_minutes,
            a->n_items, a->n_items == 1 ? "" : "s", a->total_minutes, a->published ? "published" : "not published yet");
    table_t t = {agenda_cols, sizeof agenda_cols / sizeof agenda_cols[0], a->n_items, agenda_row, a};
    if (!(flags & EVENT_FMT_SHOW_NHS))
        t.n_cols--;
    if (a->n_items)
        print_table(out, &t, md);
    else
        fprintf(out, "No items.\n");
    if (a->left_waiting)
        fprintf(out, "\n%u eligible referral%s did not fit this session.\n", a->left_waiting,
                a->left_waiting == 1 ? "" : "s");
}

/* ---- waiting list --------------------------------------------------------------- */

static const column_t waiting_cols[] = {
    {"#", true},        {"Referral", false}, {"Status", false},   {"Tier", false},
    {"Score", true},    {"Priority", true},  {"Days", true},      {"Deferred", true},
    {"Practice", false}, {"Cohorts", false}, {"Session", false},  {"NHS number", false},
};

static void waiting_row(const void *data, size_t i, char cells[][CELL_LEN])
{
    const Huddle__WaitingEntry *e = ((const Huddle__WaitingList *)data)->entries[i];
    snprintf(cells[0], CELL_LEN, "%zu", i + 1);
    snprintf(cells[1], CELL_LEN, "%s", e->referral_id);
    snprintf(cells[2], CELL_LEN, "%s", ENUM(referral_status, e->status));
    snprintf(cells[3], CELL_LEN, "%s", ENUM(tier, e->tier));
    snprintf(cells[4], CELL_LEN, "%u", e->score);
    snprintf(cells[5], CELL_LEN, "%u", e->effective_priority);
    snprintf(cells[6], CELL_LEN, "%u", e->days_waiting);
    snprintf(cells[7], CELL_LEN, "%u", e->times_deferred);
    snprintf(cells[8], CELL_LEN, "%s", e->practice_ods);
    cohort_cell(cells[9], e->n_cohorts, e->cohorts);
    snprintf(cells[10], CELL_LEN, "%s", e->session_id[0] ? e->session_id : "-");
    nhs_cell(cells[11], e->nhs_number);
}

void agenda_fmt_waiting(FILE *out, const Huddle__WaitingList *w, agenda_fmt_t fmt, unsigned flags)
{
    if (fmt == AGENDA_FMT_JSON) {
        event_fmt_json(out, &w->base, flags);
        fputc('\n', out);
        return;
    }
    bool md = fmt == AGENDA_FMT_MARKDOWN;
    const char *whose = w->neighbourhood_id[0] ? w->neighbourhood_id : "your practice";
    fprintf(out, md ? "### Waiting list of %s\n\n%zu referral%s, highest effective priority first.\n\n"
                    : "Waiting list of %s: %zu referral%s, highest effective priority first.\n\n",
            whose, w->n_entries, w->n_entries == 1 ? "" : "s");
    table_t t = {waiting_cols, sizeof waiting_cols / sizeof waiting_cols[0], w->n_entries, waiting_row, w};
    if (!(flags & EVENT_FMT_SHOW_NHS))
        t.n_cols--;
    if (w->n_entries)
        print_table(out, &t, md);
}
