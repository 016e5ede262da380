/*
 * agenda_fmt — see agenda_fmt.h. One small table printer: a row function writes the
 * cells of row i (row -1 is the header), the printer runs it twice, once to measure the
 * columns and once to print them, so nothing is allocated.
 */
#include "agenda_fmt.h"

#include <stdbool.h>
#include <string.h>

#include "event_fmt.h"

#define CELL_LEN 80   /* every cell is an id, a code or a number: far below this */
#define MAX_COLS 16

typedef struct {
    const char *title;
    bool right; /* numbers are right-aligned */
} column_t;

/* Writes row i's cells (i == -1: nothing, the printer uses the titles). */
typedef void (*row_fn)(const void *data, size_t i, char cells[][CELL_LEN]);

typedef struct {
    const column_t *cols;
    size_t n_cols;
    size_t n_rows;
    row_fn row;
    const void *data;
} table_t;

/* Characters shown, not bytes: a UTF-8 continuation byte adds nothing. */
static size_t width_of(const char *s)
{
    size_t w = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        w += (*p & 0xc0) != 0x80;
    return w;
}

/* A Markdown cell: '|' would end it, so it is escaped; the width counts the escapes. */
static size_t md_width(const char *s)
{
    size_t w = width_of(s);
    for (; *s; s++)
        w += *s == '|';
    return w;
}

static void pad(FILE *out, size_t n)
{
    while (n--)
        fputc(' ', out);
}

static void md_cell(FILE *out, const char *s, size_t width, bool right)
{
    size_t w = md_width(s);
    if (right)
        pad(out, width - w);
    for (; *s; s++) {
        if (*s == '|')
            fputc('\\', out);
        fputc(*s, out);
    }
    if (!right)
        pad(out, width - w);
}

static void md_row(FILE *out, const table_t *t, const size_t *widths, char cells[][CELL_LEN])
{
    for (size_t c = 0; c < t->n_cols; c++) {
        fputs(c ? " " : "| ", out);
        md_cell(out, cells[c], widths[c], t->cols[c].right);
        fputs(" |", out);
    }
    fputc('\n', out);
}

/* Columns two spaces apart; no spaces at the end of the line (an empty last cell). */
static void text_row(FILE *out, const table_t *t, const size_t *widths, char cells[][CELL_LEN])
{
    char line[MAX_COLS * (CELL_LEN + 2) * 2];
    size_t used = 0;
    for (size_t c = 0; c < t->n_cols; c++) {
        size_t w = width_of(cells[c]), gap = c ? 2 : 0;
        size_t before = gap + (t->cols[c].right ? widths[c] - w : 0);
        size_t after = t->cols[c].right ? 0 : widths[c] - w;
        size_t len = strlen(cells[c]);
        if (used + before + len + after >= sizeof line)
            break;
        memset(line + used, ' ', before);
        memcpy(line + used + before, cells[c], len);
        memset(line + used + before + len, ' ', after);
        used += before + len + after;
    }
    while (used > 0 && line[used - 1] == ' ')
        used--;
    fwrite(line, 1, used, out);
    fputc('\n', out);
}

static void print_table(FILE *out, const table_t *t, bool markdown)
{
    size_t widths[MAX_COLS];
    char cells[MAX_COLS][CELL_LEN];
    for (size_t c = 0; c < t->n_cols; c++)
        widths[c] = markdown ? md_width(t->cols[c].title) : width_of(t->cols[c].title);
    for (size_t i = 0; i < t->n_rows; i++) {
        t->row(t->data, i, cells);
        for (size_t c = 0; c < t->n_cols; c++) {
            size_t w = markdown ? md_width(cells[c]) : width_of(cells[c]);
            widths[c] = w > widths[c] ? w : widths[c];
        }
    }
    if (markdown)
        for (size_t c = 0; c < t->n_cols; c++)
            widths[c] = widths[c] < 3 ? 3 : widths[c]; /* room for the "---" of the rule */
    for (size_t i = 0; i <= t->n_rows; i++) {
        if (i == 0) {
            for (size_t c = 0; c < t->n_cols; c++)
                snprintf(cells[c], CELL_LEN, "%s", t->cols[c].title);
        } else {
            t->row(t->data, i - 1, cells);
        }
        if (markdown)
            md_row(out, t, widths, cells);
        else
            text_row(out, t, widths, cells);
        if (i == 0 && markdown) {
            for (size_t c = 0; c < t->n_cols; c++) {
                bool right = t->cols[c].right;
                fputs("|", out);
                fputc(right ? '-' : ':', out);
                for (size_t k = 0; k < widths[c]; k++)
                    fputc('-', out);
                fputc(right ? ':' : '-', out);
            }
            fputs("|\n", out);
        }
    }
}

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
