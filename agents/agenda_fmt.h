/*
 * agenda_fmt — an MDT agenda and a neighbourhood's waiting list as the coordinator
 * reads them: an aligned text table for the terminal, a GitHub Markdown table for
 * minutes and wiki pages, or JSON (the message as event_fmt_json writes it) for other
 * programs.
 *
 * Owns the columns, their order and alignment, and the sentences around the tables.
 * Planned start times are UK clock time (event_fmt). NHS numbers appear only with
 * EVENT_FMT_SHOW_NHS, spaced 3-3-4 in the tables. Never queries anything: it prints
 * what it is given, the same bytes every time.
 */
#ifndef HUDDLE_AGENDA_FMT_H
#define HUDDLE_AGENDA_FMT_H

#include <stdio.h>

#include "frame.pb-c.h"

typedef enum {
    AGENDA_FMT_TABLE,    /* columns padded with spaces, numbers right-aligned */
    AGENDA_FMT_MARKDOWN, /* a GitHub table, '|' in a cell escaped */
    AGENDA_FMT_JSON,     /* one JSON object and a newline */
} agenda_fmt_t;

/* "table", "markdown" (or "md") or "json" into *fmt: 0, or -1 for another name. */
int agenda_fmt_parse(const char *name, agenda_fmt_t *fmt);

/* The agenda of a session: a line saying when, how long and whether it is published,
 * then one row per item (position, planned start HH:MM, minutes, tier, score,
 * effective priority, days waiting, practice, cohorts, referral id, notes), then how
 * many eligible referrals were left waiting. flags: EVENT_FMT_SHOW_NHS. */
void agenda_fmt_agenda(FILE *out, const Huddle__MdtAgenda *a, agenda_fmt_t fmt, unsigned flags);

/* A waiting list, highest effective priority first as the broker sends it: one row per
 * referral (rank, referral id, status, tier, score, effective priority, days waiting,
 * times deferred, practice, cohorts, session). flags: EVENT_FMT_SHOW_NHS. */
void agenda_fmt_waiting(FILE *out, const Huddle__WaitingList *w, agenda_fmt_t fmt, unsigned flags);

#endif
