/*
 * mdt — MDT sessions and agendas (DESIGN §5.2): a coordinator creates a session for a
 * neighbourhood; the broker builds its agenda from the waiting list (waiting.h) by
 * effective priority, filling the session's minutes, deferred referrals first among
 * equals; the coordinator edits and publishes it to the neighbourhood's MDT members;
 * each item gets an outcome; closing defers every item without one. An outcome with a
 * next review date sets a timer that puts the referral back on the waiting list.
 *
 * Owns the session table (STORE_SESSIONS). Moves referrals only through referral.h.
 * Ids: a session's id is "S" followed by the seq of its MDT_SESSION_CREATED event.
 *
 * The agenda kinds (BUILT, EDITED, PUBLISHED) are each two events: the coordinator's
 * request (mdt_agenda_build, _edit, _publish), checked by the kind's row, and the
 * broker's derived result of the same kind carrying the agenda (mdt_agenda), which no
 * agent may publish. A rebuild moves only the referrals whose place changes; an item
 * whose referral has left SCHEDULED for the session (withdrawn) is dropped by the next
 * build, edit or publish, and is never discussed, deferred or counted.
 */
#ifndef HUDDLE_MDT_H
#define HUDDLE_MDT_H

#include "state.pb-c.h"
#include "workflow.h"

/* The kinds' rows (workflow.c): MDT_SESSION_CREATED, _AGENDA_BUILT, _AGENDA_EDITED,
 * _AGENDA_PUBLISHED, _OUTCOME_RECORDED, _SESSION_CLOSED. */
int mdt_create_check(wf_ctx_t *ctx, Huddle__Event *ev, reject_t *r);
int mdt_create_apply(wf_ctx_t *ctx, Huddle__Event *ev, reject_t *r);
int mdt_build_check(wf_ctx_t *ctx, Huddle__Event *ev, reject_t *r);
int mdt_build_apply(wf_ctx_t *ctx, Huddle__Event *ev, reject_t *r);
int mdt_edit_check(wf_ctx_t *ctx, Huddle__Event *ev, reject_t *r);
int mdt_edit_apply(wf_ctx_t *ctx, Huddle__Event *ev, reject_t *r);
int mdt_publish_check(wf_ctx_t *ctx, Huddle__Event *ev, reject_t *r);
int mdt_publish_apply(wf_ctx_t *ctx, Huddle__Event *ev, reject_t *r);
int mdt_outcome_check(wf_ctx_t *ctx, Huddle__Event *ev, reject_t *r);
int mdt_outcome_apply(wf_ctx_t *ctx, Huddle__Event *ev, reject_t *r);
int mdt_close_check(wf_ctx_t *ctx, Huddle__Event *ev, reject_t *r);
int mdt_close_apply(wf_ctx_t *ctx, Huddle__Event *ev, reject_t *r);

/* TIMER_KIND_MDT_REVIEW: MDT_REVIEW_DUE to the coordinators and the referral back on
 * the waiting list, if it is still DISCUSSED with that review date; nothing otherwise. */
int mdt_fire_review(wf_ctx_t *ctx, const Huddle__TimerRecord *t);

/* Query AGENDA (workflow.h wf_query_t). */
int mdt_query_agenda(wf_query_t *q, reject_t *r);

#endif
