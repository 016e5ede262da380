/*
 * assess_fmt — trusted assessments as assessors and providers read them: a list (one
 * row per assessment: id, episode, patient, service, state, when submitted, and the
 * provider's hours left or the answer), one assessment in full (needs per domain,
 * recommendation, hours, dates, the answer so far), and one line per assessment event
 * for the listeners (a submission, an answer: ACCEPT with its start date, REQUEST_INFO
 * with the question, DECLINE with its reason and text; further information), other
 * events as event_fmt writes them. JSON is event_fmt_json's.
 *
 * NHS numbers are masked as board_fmt masks them unless EVENT_FMT_SHOW_NHS is given.
 * Times are UK clock time. Never queries anything: it prints what it is given.
 */
#ifndef HUDDLE_ASSESS_FMT_H
#define HUDDLE_ASSESS_FMT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "frame.pb-c.h"

#define ASSESS_FMT_LEFT_LEN 40

typedef enum {
    ASSESS_FMT_PROVIDER, /* what a provider must answer: hours left, the assessor organisation */
    ASSESS_FMT_ASSESSOR, /* what an assessor sent: the provider, the answer */
} assess_fmt_view_t;

/* Time left until deadline_ms at now_ms: "23 h", "40 min", "overdue 2 h", "overdue
 * 15 min"; "-" for no deadline (0: answered or closed). */
void assess_fmt_left(int64_t deadline_ms, int64_t now_ms, char buf[ASSESS_FMT_LEFT_LEN]);

/* The state for people: "awaiting response", "info requested", "accepted", "declined",
 * "closed". */
const char *assess_fmt_state(Huddle__AssessmentState s);

/* A list of assessments as a table (or "No assessments." when empty), or as JSON. */
void assess_fmt_list(FILE *out, const Huddle__AssessmentList *l, assess_fmt_view_t view, int64_t now_ms, bool json,
                     unsigned flags);

/* One assessment in full, ending with a blank line. */
void assess_fmt_show(FILE *out, const Huddle__AssessmentRecord *r, int64_t now_ms, unsigned flags);

/* One line for people, ending in a newline: UK time, the assessment (or other record),
 * what happened, the seq. */
void assess_fmt_line(FILE *out, const Huddle__Event *ev, unsigned flags);

#endif
