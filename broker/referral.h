/*
 * referral — the referral workflow (DESIGN §5.1): a GP practice refers a registered
 * patient; the neighbourhood's coordinator triages; the MDT discusses (mdt.c moves it
 * through SCHEDULED, DISCUSSED, DEFERRED); the coordinator closes it or the practice
 * withdraws it. Every transition is a REFERRAL_STATUS_CHANGED event and a notification
 * to the referring practice (notify.h).
 *
 * Owns the referral table (STORE_REFERRALS), the one-open-referral-per-patient index
 * (STORE_REFERRAL_OPEN, neighbourhood \0 NHS number → referral id) and, through
 * waiting.h, the waiting list; the waiting-well timers and their escalations.
 *
 * Ids: a referral's id is "R" followed by the seq of its REFERRAL_SUBMITTED event.
 */
#ifndef HUDDLE_REFERRAL_H
#define HUDDLE_REFERRAL_H

#include <stdbool.h>

#include "state.pb-c.h"
#include "workflow.h"

/* The kinds' rows (workflow.c): check validates and stamps scope and subject; apply
 * writes. REFERRAL_SUBMITTED, _TRIAGED, _WITHDRAWN and _CLOSED. */
int referral_submit_check(wf_ctx_t *ctx, Huddle__Event *ev, reject_t *r);
int referral_submit_apply(wf_ctx_t *ctx, Huddle__Event *ev, reject_t *r);
int referral_triage_check(wf_ctx_t *ctx, Huddle__Event *ev, reject_t *r);
int referral_triage_apply(wf_ctx_t *ctx, Huddle__Event *ev, reject_t *r);
int referral_withdraw_check(wf_ctx_t *ctx, Huddle__Event *ev, reject_t *r);
int referral_withdraw_apply(wf_ctx_t *ctx, Huddle__Event *ev, reject_t *r);
int referral_close_check(wf_ctx_t *ctx, Huddle__Event *ev, reject_t *r);
int referral_close_apply(wf_ctx_t *ctx, Huddle__Event *ev, reject_t *r);

/* TIMER_KIND_WAITING_WELL_RED and _ANY: ESCALATION_RAISED to the neighbourhood's
 * coordinators if the referral is still waiting since the time the timer was set for;
 * nothing otherwise. */
int referral_fire_waiting(wf_ctx_t *ctx, const Huddle__TimerRecord *t);

/* The referral with this id (free with huddle__referral_record__free_unpacked), or
 * STORE_ENOTFOUND. */
int referral_get(store_txn_t *txn, const char *referral_id, Huddle__ReferralRecord **out);

/* Whether the lifecycle allows from → to (the one table of legal transitions). */
bool referral_may_move(Huddle__ReferralStatus from, Huddle__ReferralStatus to);

/* CONFLICT naming the referral's current state (and its id as conflicting_id). */
int referral_reject_state(reject_t *r, const char *field, const Huddle__ReferralRecord *rec, const char *what);

/* Why a referral moves, for its REFERRAL_STATUS_CHANGED event and notification. */
typedef struct {
    const char *reason;          /* "" = none */
    const char *session_id;      /* the session involved; "" = none */
    Huddle__MdtDecision decision;
    Huddle__EventKind about_kind; /* the event that moved it (the notification is about it) */
    uint64_t about_seq;
    /* SCHEDULED -> ACCEPTED or DEFERRED only: taken off an unpublished agenda, back
     * to the status it had (DEFERRED if it had been deferred before), its wait, its
     * deferrals and its priority unchanged. Unset, SCHEDULED -> DEFERRED is a
     * deferral (the MDT deferred it, or the session closed without an outcome). */
    bool unscheduled;
} referral_why_t;

/* Moves rec to status `to` (the caller has checked referral_may_move) and writes it
 * with its indexes: the waiting list (joined, left, status kept), the open index
 * (released at a final status), waiting-well timers when it joins the list. Emits
 * REFERRAL_STATUS_CHANGED and the referring practice's notification. 0 or a store
 * code.
 *
 * What each move does to the wait (waiting.h):
 *   -> ACCEPTED from SUBMITTED   keeps waiting_since (the wait counts from submission)
 *   -> SCHEDULED                 keeps the entry, status SCHEDULED, last_session_id set
 *   -> DEFERRED (a deferral)     waiting_since = now, times_deferred + 1,
 *                                base_priority = score + points_deferred, new timers
 *   -> ACCEPTED from DISCUSSED   (review due) waiting_since = now, new timers
 *   -> DISCUSSED                 leaves the list (waiting_since 0), last_decision set
 *   -> a final status            leaves the list and the open index, closed_at set
 *
 * The caller may set what this does not (next_review_date, lead_professional) on rec
 * before the call, as malloc'd strings (rec is freed with free_unpacked); rec is
 * written here.
 *
 * A referral withdrawn while SCHEDULED is WITHDRAWN at once, and its session's
 * agenda still lists it: mdt.c must read each item's referral and treat an item
 * whose referral is no longer SCHEDULED for that session as gone (never discuss,
 * defer or count it; drop it when the agenda is next built, edited or published). */
int referral_move(wf_ctx_t *ctx, Huddle__ReferralRecord *rec, Huddle__ReferralStatus to, const referral_why_t *why);

/* Queries (workflow.h wf_query_t): WAITING_LIST and REFERRAL_HISTORY. */
int referral_query_waiting(wf_query_t *q, reject_t *r);
int referral_query_history(wf_query_t *q, reject_t *r);

#endif
