/*
 * board_fmt — see board_fmt.h. The table is text_table's; the totals are one short
 * list per dimension, each count with its label.
 */
#include "board_fmt.h"

#include <stdlib.h>
#include <string.h>

#include "care_codes.h"
#include "event_fmt.h"
#include "text_table.h"

#define CELL TEXT_TABLE_CELL_LEN

void board_fmt_patient(const char *nhs, unsigned flags, char buf[BOARD_FMT_NHS_LEN])
{
    if (!nhs || !*nhs)
        snprintf(buf, BOARD_FMT_NHS_LEN, "-");
    else if (flags & EVENT_FMT_SHOW_NHS)
        event_fmt_nhs(nhs, buf);
    else if (strlen(nhs) == 10)
        snprintf(buf, BOARD_FMT_NHS_LEN, "*** *** %.4s", nhs + 6);
    else
        snprintf(buf, BOARD_FMT_NHS_LEN, "***");
}

typedef struct {
    const Huddle__BoardEntry **entries;
    unsigned flags;
} rows_t;

static const text_table_column_t board_cols[] = {
    {"Episode", false}, {"Patient", false}, {"Ward", false},  {"Pathway", false},       {"Status", false},
    {"Ready", false},   {"Days", true},     {"Delay reasons", false}, {"Assessment", false},
};

/* Free text in a cell: one line, cut to fit. */
static void text_cell(char *cell, const char *s)
{
    size_t i = 0;
    for (; s && s[i] && i + 1 < CELL; i++)
        cell[i] = (unsigned char)s[i] < 0x20 ? ' ' : s[i];
    cell[i] = '\0';
    if (!i)
        snprintf(cell, CELL, "-");
}

static void board_row(const void *data, size_t i, char cells[][CELL])
{
    const rows_t *r = data;
    const Huddle__BoardEntry *e = r->entries[i];
    char patient[BOARD_FMT_NHS_LEN];
    board_fmt_patient(e->nhs_number, r->flags, patient);
    snprintf(cells[0], CELL, "%s", e->episode_id);
    snprintf(cells[1], CELL, "%s", patient);
    text_cell(cells[2], e->ward);
    snprintf(cells[3], CELL, "%s", care_pathway_short(e->pathway));
    snprintf(cells[4], CELL, "%s", care_status_label(e->status));
    if (e->discharge_ready_date[0])
        snprintf(cells[5], CELL, "%s", e->discharge_ready_date);
    else if (e->criteria_to_reside[0])
        snprintf(cells[5], CELL, "meets %s", e->criteria_to_reside);
    else
        snprintf(cells[5], CELL, "-");
    snprintf(cells[6], CELL, "%u", e->days_delayed);
    size_t used = 0;
    cells[7][0] = '\0';
    for (size_t k = 0; k < e->n_delay_reasons && used < CELL; k++)
        used += (size_t)snprintf(cells[7] + used, CELL - used, "%s%s", k ? ", " : "", e->delay_reasons[k]);
    if (!e->n_delay_reasons)
        snprintf(cells[7], CELL, "-");
    snprintf(cells[8], CELL, "%s", e->open_assessment_id[0] ? e->open_assessment_id : "-");
}

/* The entries, longest delayed first; equal delays keep their order (insertion sort:
 * stable, and a board is hundreds of rows, not millions). NULL when out of memory. */
static const Huddle__BoardEntry **sorted(const Huddle__Board *b)
{
    const Huddle__BoardEntry **e = malloc((b->n_entries + 1) * sizeof *e);
    if (!e)
        return NULL;
    for (size_t i = 0; i < b->n_entries; i++) {
        const Huddle__BoardEntry *x = b->entries[i];
        size_t k = i;
        for (; k > 0 && e[k - 1]->days_delayed < x->days_delayed; k--)
            e[k] = e[k - 1];
        e[k] = x;
    }
    return e;
}

/* "EPISODE_STATUS_AWAITING_PLACEMENT" -> its label; a key the schema lacks as it is. */
static const char *status_label(const char *key)
{
    const ProtobufCEnumValue *v = protobuf_c_enum_descriptor_get_value_by_name(&huddle__episode_status__descriptor, key);
    return v ? care_status_label((Huddle__EpisodeStatus)v->value) : key;
}

static void totals(FILE *out, const char *title, Huddle__CountBy *const *c, size_t n, int kind)
{
    fprintf(out, "\n%s:%s\n", title, n ? "" : " none");
    for (size_t i = 0; i < n; i++) {
        const char *key = c[i]->key;
        if (kind == 0) {
            fprintf(out, "  %5u  %s\n", c[i]->count, status_label(key));
        } else if (kind == 1) {
            const ProtobufCEnumValue *v = protobuf_c_enum_descriptor_get_value_by_name(&huddle__pathway__descriptor, key);
            Huddle__Pathway p = v ? (Huddle__Pathway)v->value : HUDDLE__PATHWAY__PATHWAY_UNSPECIFIED;
            if (v && p)
                fprintf(out, "  %5u  pathway %s: %s\n", c[i]->count, care_pathway_short(p), care_pathway_label(p));
            else
                fprintf(out, "  %5u  %s\n", c[i]->count, v ? care_pathway_label(p) : key);
        } else {
            const char *label = care_delay_label(key);
            fprintf(out, "  %5u  %s: %s\n", c[i]->count, key, label ? label : "a local code");
        }
    }
}

void board_fmt_board(FILE *out, const Huddle__Board *b, bool json, unsigned flags)
{
    if (json) {
        event_fmt_json(out, &b->base, flags);
        fputc('\n', out);
        return;
    }
    char when[EVENT_FMT_TIME_LEN];
    event_fmt_uk_time(b->as_of_ms, when);
    const char *whose = b->hospital_ods[0] ? b->hospital_ods : b->neighbourhood_id[0] ? b->neighbourhood_id : "-";
    fprintf(out, "Discharge board of %s%s, %s UK time: %u open episode%s", b->hospital_ods[0] ? "" : "neighbourhood ",
            whose, when, b->open_episodes, b->open_episodes == 1 ? "" : "s");
    if (b->n_entries < b->open_episodes)
        fprintf(out, ", the %zu longest delayed shown", b->n_entries);
    fprintf(out, ".\n\n");
    const Huddle__BoardEntry **e = sorted(b);
    rows_t rows = {e, flags};
    text_table_t t = {board_cols, sizeof board_cols / sizeof board_cols[0], e ? b->n_entries : 0, board_row, &rows};
    if (t.n_rows)
        text_table_print(out, &t, false);
    else
        fprintf(out, "No open episodes.\n");
    free(e);
    totals(out, "By status", b->by_status, b->n_by_status, 0);
    totals(out, "By pathway", b->by_pathway, b->n_by_pathway, 1);
    totals(out, "By delay reason", b->by_delay_reason, b->n_by_delay_reason, 2);
    fprintf(out, "\nDelayed bed days: %llu\n", (unsigned long long)b->delayed_bed_days);
    fprintf(out, "Pathway 2 placements past six weeks: %u\n", b->pathway2_over_42d);
    if (b->pathway1_followed_up)
        fprintf(out, "Pathway 1 at home at 91 days: %u/%u (%.0f%%)\n", b->pathway1_at_home_91d,
                b->pathway1_followed_up, 100.0 * b->pathway1_at_home_91d / b->pathway1_followed_up);
    else
        fprintf(out, "Pathway 1 at home at 91 days: 0/0 (none followed up yet)\n");
}
