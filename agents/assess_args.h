/*
 * assess_args — trusted assessors' and care providers' words turned into the
 * protocol's: service types ("home-care"), decline reasons ("no-capacity"), the needs
 * domains one option each ("--mobility"), and the events that carry an assessment, a
 * provider's answer and the assessor's further information (ASSESSMENT_SUBMITTED,
 * _RESPONDED, _INFO_PROVIDED), with message ids derived from their content.
 *
 * Owns those spellings and the local checks (NHS number, episode id, ODS code, real
 * dates, bounds, the fields each answer needs: a start date to accept, a question to
 * ask, a reason to decline and text with "other"), each mistake naming its option.
 * Never decides what the broker decides (whether a trust agreement covers the
 * provider, whether the assessment still awaits an answer). Pure functions: no I/O,
 * no allocation; a reason never holds an NHS number or free text.
 *
 * Message ids: a submission or a final answer (accept, decline) is the same id however
 * often it is sent; a question or a further reply also carries the day (UTC) it is
 * sent, so asking the same thing again on a later round is a new message while a retry
 * the same day is not.
 */
#ifndef HUDDLE_ASSESS_ARGS_H
#define HUDDLE_ASSESS_ARGS_H

#include <stddef.h>
#include <stdint.h>

#include "event.pb-c.h"
#include "msg_id.h"
#include "nhs.h"

#define ASSESS_WHY_LEN 200
#define ASSESS_NEEDS_N 9           /* the Needs domains */
#define ASSESS_NEED_MAX 1000       /* bytes of one domain */
#define ASSESS_RECOMMENDATION_MAX 2000
#define ASSESS_NAME_MAX 128
#define ASSESS_QUESTION_MAX 2000
#define ASSESS_INFO_MAX 4000
#define ASSESS_ID_MAX 32

/* "residential", "nursing", "home-care", "reablement": 0 or -1. */
int assess_args_service(const char *word, Huddle__ServiceType *out);

/* "no-capacity", "needs-exceed-registration", "assessment-incomplete", "other": 0 or -1. */
int assess_args_decline_reason(const char *word, Huddle__DeclineReason *out);

/* The needs domains in Needs' order: the option ("--mobility"), the label for people
 * ("Mobility"), and the value of domain i in n. */
const char *assess_args_need_flag(size_t i);
const char *assess_args_need_label(size_t i);
const char *assess_args_need_value(const Huddle__Needs *n, size_t i);

/* An assessment as the assessor gives it; text borrowed (NULL = not given). */
typedef struct {
    const char *nhs, *episode_id, *provider_ods, *assessor_name, *assessed_date, *recommendation, *start_date;
    Huddle__ServiceType service;
    long hours; /* care hours per week; -1 = not given */
    const char *needs[ASSESS_NEEDS_N];
} assess_submit_t;

/* 0, or -1 with why naming the option at fault. today is the UTC day (hd_date_from_ms)
 * an assessment date may not be after. */
int assess_args_submit_check(const assess_submit_t *s, int32_t today, char why[ASSESS_WHY_LEN]);

/* An ASSESSMENT_SUBMITTED event and the parts it points into (ev borrows them and s's
 * text). */
typedef struct {
    Huddle__Event ev;
    Huddle__Subject subject;
    Huddle__TrustedAssessment assessment;
    Huddle__Needs needs;
    char nhs[NHS_NUMBER_BUF];
    char message_id[MSG_ID_LEN];
} assess_submit_msg_t;

/* Fills m->ev from a checked s, sent by an agent of org, with message_id (NULL =
 * "ta-<org>-..." from the content). */
void assess_args_submit_event(const assess_submit_t *s, const char *org, const char *message_id,
                              int64_t occurred_at_ms, assess_submit_msg_t *m);

/* A provider's answer; text borrowed (NULL = not given). */
typedef struct {
    const char *assessment_id;
    Huddle__AssessmentAnswer answer;
    const char *start_date;       /* ACCEPT */
    const char *question;         /* REQUEST_INFO */
    Huddle__DeclineReason reason; /* DECLINE */
    const char *text;             /* DECLINE: required with OTHER */
    const char *responder;        /* name and role of who answers; optional */
} assess_response_t;

/* An assessment id as the broker assigns them: 0, or -1 with why. */
int assess_args_id(const char *id, char why[ASSESS_WHY_LEN]);

/* 0, or -1 with why naming the option at fault. */
int assess_args_response_check(const assess_response_t *r, char why[ASSESS_WHY_LEN]);
int assess_args_info_check(const char *assessment_id, const char *answer, char why[ASSESS_WHY_LEN]);

/* An ASSESSMENT_RESPONDED or ASSESSMENT_INFO_PROVIDED event and its parts. */
typedef struct {
    Huddle__Event ev;
    Huddle__Subject subject;
    Huddle__AssessmentResponse response;
    Huddle__AssessmentInfo info;
    char message_id[MSG_ID_LEN];
} assess_answer_msg_t;

/* The events, from org, with message_id (NULL = "ar-..." or "ai-..." from the content
 * and, for a question or information, the UTC day of occurred_at_ms). */
void assess_args_response_event(const assess_response_t *r, const char *org, const char *message_id,
                                int64_t occurred_at_ms, assess_answer_msg_t *m);
void assess_args_info_event(const char *assessment_id, const char *answer, const char *org, const char *message_id,
                            int64_t occurred_at_ms, assess_answer_msg_t *m);

#endif
