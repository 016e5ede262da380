/*
 * event_fmt — how the agent programs show events and records: one line per event for
 * people (huddle-gp listen, huddle-coordinator history), any protobuf message as one
 * JSON object for other programs, and the small pieces those and the agenda tables
 * share: enum value names without their prefix, UK clock time, NHS numbers spaced
 * 3-3-4, free text kept on one line.
 *
 * NHS numbers are left out of everything printed unless EVENT_FMT_SHOW_NHS is given.
 * Times for people are UK civil time (GMT, or BST from 01:00 UTC on the last Sunday of
 * March to 01:00 UTC on the last Sunday of October), computed here rather than from
 * the TZ variable, so every machine prints the same; JSON keeps the wire's
 * milliseconds since the epoch. Never allocates; never decides anything about an event.
 */
#ifndef HUDDLE_EVENT_FMT_H
#define HUDDLE_EVENT_FMT_H

#include <stdint.h>
#include <stdio.h>

#include "state.pb-c.h"

/* Show NHS numbers (on a human line after the record id, in JSON as the field). */
#define EVENT_FMT_SHOW_NHS 1u

/* "YYYY-MM-DD HH:MM" with its NUL; "NNN NNN NNNN" with its NUL. */
#define EVENT_FMT_TIME_LEN 17
#define EVENT_FMT_NHS_LEN 13

/* An enum value's name without the prefix its values share: TIER_RED -> "RED",
 * MDT_DECISION_CARE_PLAN_AGREED -> "CARE_PLAN_AGREED"; "?" for a value the schema lacks.
 * The text belongs to the descriptor (static). */
const char *event_fmt_enum(const ProtobufCEnumDescriptor *d, int value);

/* The UK's offset from UTC at the instant utc_ms: 0 or one hour, in ms. */
int64_t event_fmt_uk_offset_ms(int64_t utc_ms);

/* utc_ms as UK clock time, "2026-03-03 10:00"; "-" for 0 (not set). */
void event_fmt_uk_time(int64_t utc_ms, char buf[EVENT_FMT_TIME_LEN]);

/* "9434765919" -> "943 476 5919"; anything not ten characters is copied as it is. */
void event_fmt_nhs(const char *nhs, char buf[EVENT_FMT_NHS_LEN]);

/* Free text for a one-line display: control characters (newlines too) become spaces. */
void event_fmt_text(FILE *out, const char *s);

/* One line for people, ending in a newline: UK time received, the referral (or session)
 * id, what happened in the workflow's words, and the seq. */
void event_fmt_line(FILE *out, const Huddle__Event *ev, unsigned flags);

/* A referral's record for people: status, tier, score and cohorts; practice,
 * neighbourhood and submission; triage; and, once it has been on an agenda, its
 * deferrals, last session and decision, lead professional and next review. Ends with a
 * blank line. */
void event_fmt_referral(FILE *out, const Huddle__ReferralRecord *r, unsigned flags);

/* m as one JSON object, no newline: the .proto field names, enum values by their full
 * names, fields at their proto3 default left out (a oneof member set is always shown),
 * int64 and uint64 as JSON numbers, bytes as base64. */
void event_fmt_json(FILE *out, const ProtobufCMessage *m, unsigned flags);

/* s as a JSON string, quotes included; a byte that is not UTF-8 becomes U+FFFD. */
void event_fmt_json_string(FILE *out, const char *s);

#endif
