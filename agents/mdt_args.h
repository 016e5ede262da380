/*
 * mdt_args — the coordinator's words on the command line turned into the protocol's:
 * triage and MDT decisions by their spoken names ("accept", "care-plan-agreed"), an
 * attendee as "Name|Role title|ODS" and an agreed action as "owner|text|YYYY-MM-DD".
 *
 * Owns those spellings and their local checks (required parts, ODS code shape, real
 * calendar dates), so that a slip is named before anything is sent. Never decides
 * what the broker decides (whether a referral may be triaged, a date is after the
 * session). Pure functions: no I/O, no allocation; results borrow the caller's text.
 */
#ifndef HUDDLE_MDT_ARGS_H
#define HUDDLE_MDT_ARGS_H

#include <stddef.h>

#include "event.pb-c.h"

/* Text buffers of a parsed attendee or action, with their NULs (the protocol's bounds). */
#define MDT_ARGS_NAME_LEN 129
#define MDT_ARGS_ODS_LEN 11
#define MDT_ARGS_TEXT_LEN 501
#define MDT_ARGS_WHY_LEN 160

typedef struct {
    char name[MDT_ARGS_NAME_LEN];
    char role_title[MDT_ARGS_NAME_LEN];
    char org_ods[MDT_ARGS_ODS_LEN];
} mdt_args_attendee_t;

typedef struct {
    char owner[MDT_ARGS_NAME_LEN];
    char text[MDT_ARGS_TEXT_LEN];
    char due_date[11];
    char owner_ods[MDT_ARGS_ODS_LEN];
} mdt_args_action_t;

/* "accept", "decline", "signpost" -> TRIAGE_DECISION_*: 0, or -1. */
int mdt_args_triage(const char *word, Huddle__TriageDecision *out);

/* "care-plan-agreed", "refer-on", "monitor", "no-further-action",
 * "escalate-safeguarding", "defer" -> MDT_DECISION_*: 0, or -1. */
int mdt_args_decision(const char *word, Huddle__MdtDecision *out);

/* The decisions' spoken names, "|"-separated, for usage lines. */
const char *mdt_args_decisions(void);

/* "Name|Role title|ODS" (role and ODS optional): 0, or -1 with why filled. */
int mdt_args_attendee(const char *spec, mdt_args_attendee_t *out, char why[MDT_ARGS_WHY_LEN]);

/* "owner|text|YYYY-MM-DD|ODS" (date and ODS optional): 0, or -1 with why filled. */
int mdt_args_action(const char *spec, mdt_args_action_t *out, char why[MDT_ARGS_WHY_LEN]);

/* Fills the protobuf messages from parsed ones; they borrow the parsed text. */
void mdt_args_attendee_msg(const mdt_args_attendee_t *a, Huddle__Attendee *msg);
void mdt_args_action_msg(const mdt_args_action_t *a, Huddle__Action *msg);

#endif
