/*
 * board_fmt — the discharge board as the hub and the neighbourhood read it: one row per
 * open episode, longest delayed first (episode, patient, ward, pathway, status, ready
 * date, days delayed, delay reasons, open assessment), then the totals by status,
 * pathway and delay reason with their labels (care_codes), delayed bed days, pathway 2
 * placements past six weeks and pathway 1 patients still at home at 91 days; or the
 * Board as one JSON object (event_fmt_json) for other programs.
 *
 * NHS numbers are masked ("*** *** 5919": enough to match a wristband, not to identify
 * anyone) unless EVENT_FMT_SHOW_NHS is given; JSON leaves them out unless asked. Never
 * queries anything: it prints what it is given, the same bytes every time.
 */
#ifndef HUDDLE_BOARD_FMT_H
#define HUDDLE_BOARD_FMT_H

#include <stdbool.h>
#include <stdio.h>

#include "frame.pb-c.h"

#define BOARD_FMT_NHS_LEN 13 /* "NNN NNN NNNN" with its NUL */

/* The patient as a table shows it: "*** *** 5919", or "943 476 5919" with
 * EVENT_FMT_SHOW_NHS; "-" when there is none. */
void board_fmt_patient(const char *nhs, unsigned flags, char buf[BOARD_FMT_NHS_LEN]);

/* The board: a heading (whose board, when, how many open), the table, the totals. The
 * entries are shown longest delayed first (ties in the broker's order) whatever order
 * they come in. json: the Board message instead. flags: EVENT_FMT_SHOW_NHS. */
void board_fmt_board(FILE *out, const Huddle__Board *b, bool json, unsigned flags);

#endif
