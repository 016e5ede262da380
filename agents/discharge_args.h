/*
 * discharge_args — the discharge hub's and the providers' words turned into the
 * protocol's: an episode's fields as staff type them on the command line or a feed
 * holds them (statuses as "awaiting-placement", pathways "0"-"3", delay reasons
 * "A,D2", admission times in UK clock time), placement and 91-day follow-up reports,
 * and the events that carry them (EPISODE_UPDATED, PLACEMENT_REPORTED,
 * FOLLOW_UP_REPORTED) with message ids derived from their content.
 *
 * Owns those spellings and the local checks (NHS number check digit, real dates, code
 * shapes, the pairs of fields that go together), so a slip is named before anything is
 * sent. Never decides what the broker decides (whether the episode exists, whether a
 * delay code is one this site uses, whether a follow-up is due). Pure functions: no
 * I/O, no allocation; a reason (why) never holds an NHS number or free text.
 */
#ifndef HUDDLE_DISCHARGE_ARGS_H
#define HUDDLE_DISCHARGE_ARGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "event.pb-c.h"
#include "msg_id.h"
#include "nhs.h"

#define DISCHARGE_WHY_LEN 200
#define DISCHARGE_ODS_LEN 11        /* an ODS code with its NUL */
#define DISCHARGE_LOCAL_ID_MAX 32   /* bytes of a hospital's local id */
#define DISCHARGE_EPISODE_ID_LEN 44 /* "<hospital ODS>:<local id>" with its NUL */
#define DISCHARGE_WARD_MAX 64
#define DISCHARGE_DELAYS_MAX 11
#define DISCHARGE_DELAY_LEN 5       /* a delay code ("D2", a site's own up to 4) with its NUL */
#define DISCHARGE_TEXT_MAX 1000     /* bytes of a placement outcome or follow-up notes */

/* An episode's fields, each settable from text. */
typedef enum {
    DISCHARGE_F_HOSPITAL,
    DISCHARGE_F_LOCAL_ID,
    DISCHARGE_F_NHS,
    DISCHARGE_F_WARD,
    DISCHARGE_F_ADMITTED,
    DISCHARGE_F_CRITERION,
    DISCHARGE_F_READY,
    DISCHARGE_F_PATHWAY,
    DISCHARGE_F_STATUS,
    DISCHARGE_F_DELAYS,
    DISCHARGE_F_EXPECTED,
    DISCHARGE_F_DISCHARGED,
    DISCHARGE_F_PRACTICE,
    DISCHARGE_F_N
} discharge_field_t;

/* One episode's whole current state, as the hub gives it. Holds no pointers. */
typedef struct {
    char hospital_ods[DISCHARGE_ODS_LEN]; /* "" = the hub's own */
    char local_id[DISCHARGE_LOCAL_ID_MAX + 1];
    char nhs_number[NHS_NUMBER_BUF];
    char ward[DISCHARGE_WARD_MAX + 1];
    int64_t admitted_at_ms;
    char criteria_to_reside[3];           /* "01"-"12"; "" = none met */
    char discharge_ready_date[11];        /* YYYY-MM-DD; "" = not ready */
    Huddle__Pathway pathway;
    Huddle__EpisodeStatus status;
    char delay_reasons[DISCHARGE_DELAYS_MAX][DISCHARGE_DELAY_LEN];
    size_t n_delay_reasons;
    char expected_discharge_date[11];
    int64_t discharged_at_ms;
    char registered_practice_ods[DISCHARGE_ODS_LEN];
} discharge_episode_t;

/* The field's name in event.proto's EpisodeUpdate (and a feed's column): "local_id". */
const char *discharge_args_column(discharge_field_t f);

/* Sets field f from text (spaces at the ends ignored; "" leaves it unset): 0, or -1
 * with why. Spellings: statuses by discharge_args_statuses(), in any case, with '-',
 * '_' or ' ' between words; pathways 0-3; criteria 1-12 ("1" or "01"); delay reasons
 * separated by ',', ';' or spaces, in any case; times as discharge_args_time; NHS
 * numbers as 10 digits or 3-3-4. */
int discharge_args_set(discharge_episode_t *ep, discharge_field_t f, const char *text, char why[DISCHARGE_WHY_LEN]);

/* Called once per problem of discharge_args_check. */
typedef void (*discharge_problem_fn)(void *ctx, discharge_field_t f, const char *why);

/* The rules between fields: local id, NHS number, admission and status required;
 * a criterion to reside or a ready date, not both; a discharge time with DISCHARGED
 * and only then, not before admission;
 * admission not in the future (5 minutes' grace for clocks). Problems in field order;
 * returns how many. */
unsigned discharge_args_check(const discharge_episode_t *ep, int64_t now_ms, discharge_problem_fn fn, void *ctx);

/* "not-ready|awaiting-assessment|..." for usage lines. */
const char *discharge_args_statuses(void);

/* A time as staff write it: YYYY-MM-DDTHH:MM (or a space for the T), then optionally
 * :SS and .sss, then optionally Z or +HH:MM; without a zone it is UK clock time. 0 or
 * -1. */
int discharge_args_time(const char *text, int64_t *ms);

/* A real calendar date YYYY-MM-DD: 0 or -1. */
int discharge_args_date(const char *text);

/* "<hospital ODS>:<local id>": 0, or -1 with why. */
int discharge_args_episode_id(const char *text, char why[DISCHARGE_WHY_LEN]);

/* ---- events ------------------------------------------------------------------------ */

/* An EPISODE_UPDATED event and the parts it points into; ev borrows them and the
 * episode's text, so keep both while ev is used. */
typedef struct {
    Huddle__Event ev;
    Huddle__Subject subject;
    Huddle__EpisodeUpdate update;
    char *delays[DISCHARGE_DELAYS_MAX];
    char episode_id[DISCHARGE_EPISODE_ID_LEN];
    char message_id[MSG_ID_LEN];
} discharge_update_msg_t;

/* Fills m->ev as the EPISODE_UPDATED event of ep from the hub of hospital (used when
 * ep names none), with message_id and occurred_at. A new id for each update sent, the
 * same for its retries: the broker itself answers an update repeating the episode's
 * recorded state as already recorded, so an episode may go back to an earlier state. */
void discharge_args_update_event(const discharge_episode_t *ep, const char *hospital, const char *message_id,
                                 int64_t occurred_at_ms, discharge_update_msg_t *m);

/* A placement review (ended false) or end; text fields borrowed. */
typedef struct {
    const char *episode_id;
    bool ended;
    const char *ended_date;                  /* with ended, YYYY-MM-DD */
    Huddle__PlacementDestination destination; /* with ended */
    const char *outcome;                     /* optional; NULL = "" */
} discharge_placement_t;

/* The 91-day follow-up of a pathway 1 discharge; text fields borrowed. */
typedef struct {
    const char *episode_id;
    Huddle__FollowUpResult result;
    Huddle__FollowUpWhere where; /* with NOT_AT_HOME */
    const char *date;
    const char *notes;           /* optional; NULL = "" */
} discharge_follow_up_t;

/* "home", "home-with-support", "care-home", "hospital", "died", "other": 0 or -1. */
int discharge_args_destination(const char *word, Huddle__PlacementDestination *out);
/* "at-home", "not-at-home", "not-known": 0 or -1. */
int discharge_args_result(const char *word, Huddle__FollowUpResult *out);
/* "in-hospital", "care-home", "died", "other": 0 or -1. */
int discharge_args_where(const char *word, Huddle__FollowUpWhere *out);

/* The reports' rules: the episode id's shape; an ended placement needs its date and
 * destination, a review has neither; NOT_AT_HOME needs where, and only it; dates
 * real; texts at most 1000 bytes of UTF-8. 0, or -1 with why naming the option
 * ("--date", "--where") as the agent spells it. */
int discharge_args_placement_check(const discharge_placement_t *p, char why[DISCHARGE_WHY_LEN]);
int discharge_args_follow_up_check(const discharge_follow_up_t *f, char why[DISCHARGE_WHY_LEN]);

/* A PLACEMENT_REPORTED or FOLLOW_UP_REPORTED event and its parts. */
typedef struct {
    Huddle__Event ev;
    Huddle__Subject subject;
    Huddle__PlacementReport placement;
    Huddle__FollowUpReport follow_up;
    char message_id[MSG_ID_LEN];
} discharge_report_msg_t;

/* The events, from org (the reporting organisation, in the derived id), with
 * message_id (NULL = derived from the content: "pl-..." or "fu-..."). */
void discharge_args_placement_event(const discharge_placement_t *p, const char *org, const char *message_id,
                                    int64_t occurred_at_ms, discharge_report_msg_t *m);
void discharge_args_follow_up_event(const discharge_follow_up_t *f, const char *org, const char *message_id,
                                    int64_t occurred_at_ms, discharge_report_msg_t *m);

#endif
