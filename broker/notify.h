/*
 * notify — notifications the broker addresses to an organisation on a workflow's
 * behalf (e.g. each step of a referral, told to the referring practice), with the
 * watch that guards against their silent loss (DESIGN §4): each one sets a
 * NON_DELIVERY timer due after the configured time (non_delivery_after, default 5
 * days), which broker_timers.c resolves when it falls due.
 *
 * Never holds a patient identifier in the text: the subject carries the patient.
 */
#ifndef HUDDLE_NOTIFY_H
#define HUDDLE_NOTIFY_H

#include <stdint.h>

#include "workflow.h"

/* NOTIFICATION published by an agent: about an earlier event (about_seq, required),
 * whose subject and scope it takes, so that the matrix holds the sender to what it
 * already relates to; addressed to an organisation (ODS or GSS code) and optionally a
 * role; with requires_ack, its deadline is the broker's (now + non_delivery_after). */
int notify_check(wf_ctx_t *ctx, Huddle__Event *ev, reject_t *r);
int notify_apply(wf_ctx_t *ctx, Huddle__Event *ev, reject_t *r);

/* Emits a NOTIFICATION (requires_ack, deadline now + non_delivery_after) about the
 * event about_seq of kind about_kind, with subject and scope copied into it, addressed
 * to organisation to_org (and role, or UNSPECIFIED for any), and sets its NON_DELIVERY
 * timer. text: 1-1000 bytes. *seq (may be NULL) is the notification's seq. 0 or a
 * store code. */
int notify_org(wf_ctx_t *ctx, const Huddle__Subject *subject, const Huddle__Scope *scope, const char *to_org,
               Huddle__Role to_role, Huddle__EventKind about_kind, uint64_t about_seq, const char *text,
               uint64_t *seq);

#endif
