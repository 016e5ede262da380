/*
 * assessment — trusted assessments (DESIGN §5.3): a TRUSTED_ASSESSOR assesses a
 * hospital patient on behalf of a care provider its organisation holds a current trust
 * agreement with (agreement.h); the provider's CARE_PROVIDER agents answer ACCEPT,
 * REQUEST_INFO or DECLINE; the assessor's information reopens the provider's clock; one
 * ACCEPT or DECLINE closes it. No answer within assessment_deadline (24 h) escalates
 * to the episode's discharge hub, once per wait. Declines for an incomplete assessment
 * are counted per assessor organisation.
 *
 * Owns the assessment table (STORE_ASSESSMENTS), its indexes by provider and by episode
 * (STORE_ASSESSMENT_BY_PROVIDER, _BY_EPISODE), the decline counters (STORE_DECLINES)
 * and the ASSESSMENT_DEADLINE timers. Writes an episode's open_assessment_id and, on
 * ACCEPT, its scope's provider_ods through episode.h.
 *
 * Ids: an assessment's id is "A" followed by the seq of its ASSESSMENT_SUBMITTED event.
 * Its events join the episode's journey (correlation id) unless the assessor names one.
 */
#ifndef HUDDLE_ASSESSMENT_H
#define HUDDLE_ASSESSMENT_H

#include "state.pb-c.h"
#include "workflow.h"

/* The kinds' rows (workflow.c): ASSESSMENT_SUBMITTED, _RESPONDED, _INFO_PROVIDED. */
int assessment_submit_check(wf_ctx_t *ctx, Huddle__Event *ev, reject_t *r);
int assessment_submit_apply(wf_ctx_t *ctx, Huddle__Event *ev, reject_t *r);
int assessment_respond_check(wf_ctx_t *ctx, Huddle__Event *ev, reject_t *r);
int assessment_respond_apply(wf_ctx_t *ctx, Huddle__Event *ev, reject_t *r);
int assessment_info_check(wf_ctx_t *ctx, Huddle__Event *ev, reject_t *r);
int assessment_info_apply(wf_ctx_t *ctx, Huddle__Event *ev, reject_t *r);

/* TIMER_KIND_ASSESSMENT_DEADLINE: ESCALATION_RAISED (ASSESSMENT_NO_ANSWER) to the
 * episode's hub if the assessment still awaits a response with that deadline;
 * nothing otherwise. */
int assessment_fire_deadline(wf_ctx_t *ctx, const Huddle__TimerRecord *t);

/* The episode is being discharged: every assessment of it still awaiting a response
 * or information becomes CLOSED (final, no deadline), and ep->open_assessment_id is
 * cleared; the caller writes ep. 0 or a store code. */
int assessment_episode_discharged(wf_ctx_t *ctx, Huddle__EpisodeRecord *ep);

/* The assessment with this id (free with huddle__assessment_record__free_unpacked),
 * or STORE_ENOTFOUND. */
int assessment_get(store_txn_t *txn, const char *assessment_id, Huddle__AssessmentRecord **out);

/* Queries (workflow.h wf_query_t, in assessment_query.c): ASSESSMENTS (a provider its
 * own, an assessor its organisation's, a hub its hospital's; narrowed by episode_id or
 * provider_ods; newest first) and DECLINE_COUNTS (per assessor organisation, no
 * patient). */
int assessment_query_list(wf_query_t *q, reject_t *r);
int assessment_query_declines(wf_query_t *q, reject_t *r);

#endif
