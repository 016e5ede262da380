/*
 * access — who may do what, as data: the role × event-kind matrix (which roles may
 * publish each kind, and which may receive it, each with the relationship to the
 * event's scope it needs), which roles may ask each query kind, and the scope test
 * every delivery and query answer passes (DESIGN.md §6).
 *
 * Owns the one table in access.c. Every rule is a cell of it; nothing else in the
 * broker decides by role. Pure functions: never touches the store, a socket or a clock.
 *
 * An agent is its registry record (role, organisation, neighbourhoods, hospital,
 * council area). An event's scope (Event.scope) is stamped by the broker from its own
 * state before these functions see it; an event with no patient (empty
 * subject.nhs_number) carries no patient data.
 */
#ifndef HUDDLE_ACCESS_H
#define HUDDLE_ACCESS_H

#include <stdbool.h>
#include <stdio.h>

#include "event.pb-c.h"
#include "state.pb-c.h"
#include "workflow.h"

/* Whether the role may publish the kind at all: the first check of every Publish,
 * before the workflow reads any state. Derived-only kinds are published by no role. */
bool access_may_publish(Huddle__Role role, Huddle__EventKind kind);

/* Once the workflow has stamped ev->scope: whether the sender has the relationship its
 * cell of the matrix asks for (e.g. a GP practice refers only for its own practice).
 * 0, or -1 with r filled FORBIDDEN, field "publish.event", naming the relationship
 * missing (never a patient identifier). */
int access_check_publish(const Huddle__AgentRecord *a, const Huddle__Event *ev, reject_t *r);

/* Whether the agent may receive the event, through a subscription or a query answer:
 * it is ACTIVE, its role may receive the kind, and it has the relationship with the
 * event's scope that cell asks for (ev->scope may be NULL: then only the "no
 * relationship" cells hold, and those never for an event with patient data). A NULL
 * agent, or a kind or role this schema does not know, sees nothing. */
bool access_may_see(const Huddle__AgentRecord *a, const Huddle__Event *ev);

/* Whether the event carries patient data: its delivery or disclosure is audited, once
 * per patient. That is its subject's patient, or each patient on an MDT agenda (an
 * agenda names many patients and has no single subject). */
bool access_is_patient_data(const Huddle__Event *ev);

/* Whether the role may ask this kind of query at all (the answer is still scoped). */
bool access_may_query(Huddle__Role role, Huddle__QueryKind kind);

/* Prints the matrix as Markdown, as the README shows it (`huddle access`): one row per
 * event kind with each role's publish and receive relationships, a legend of the
 * relationships, then the query table. The same bytes on every call. */
void access_print_matrix(FILE *out);

#endif
