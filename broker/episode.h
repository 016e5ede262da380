/*
 * episode — discharge episodes (DESIGN §5.4): a DISCHARGE_HUB keeps one episode per
 * admission, keyed "<hospital ODS>:<local id>", each update carrying the whole current
 * state (criteria to reside or the discharge-ready date, pathway, status, delay
 * reasons from the configured list, expected and actual discharge). The broker
 * computes days delayed. Discharge tells the patient's practice and neighbourhood,
 * closes the episode's open assessments (assessment.h), and starts the pathway's
 * timers: placement reviews at 7 and 14 days and an alert at 42 days for pathway 2
 * (none once the placement has ended), a follow-up at 91 days for pathway 1. Placement
 * and follow-up reports are the only updates a discharged episode takes.
 *
 * Owns the episode table (STORE_EPISODES) and its indexes (STORE_EPISODE_OPEN by
 * hospital, STORE_EPISODE_OPEN_AREA by neighbourhood, STORE_DISCHARGES by time), and
 * the placement and follow-up timers. Hub updates, discharge and the timers are
 * episode.c; placement and follow-up reports episode_report.c.
 */
#ifndef HUDDLE_EPISODE_H
#define HUDDLE_EPISODE_H

#include <stdbool.h>
#include <stdint.h>

#include "state.pb-c.h"
#include "workflow.h"

/* An episode id, "<hospital ODS>:<local id>", is at most this long, with the NUL. */
#define EPISODE_ID_MAX 44

/* The kinds' rows (workflow.c): EPISODE_UPDATED (episode.c), PLACEMENT_REPORTED and
 * FOLLOW_UP_REPORTED (episode_report.c). */
int episode_update_check(wf_ctx_t *ctx, Huddle__Event *ev, reject_t *r);
int episode_update_apply(wf_ctx_t *ctx, Huddle__Event *ev, reject_t *r);
int episode_placement_check(wf_ctx_t *ctx, Huddle__Event *ev, reject_t *r);
int episode_placement_apply(wf_ctx_t *ctx, Huddle__Event *ev, reject_t *r);
int episode_follow_up_check(wf_ctx_t *ctx, Huddle__Event *ev, reject_t *r);
int episode_follow_up_apply(wf_ctx_t *ctx, Huddle__Event *ev, reject_t *r);

/* TIMER_KIND_PLACEMENT_REVIEW_7D, _14D (TIMER_FIRED), _ALERT_42D (ESCALATION_RAISED)
 * while the placement has not ended, and FOLLOW_UP_91D (TIMER_FIRED) while no
 * follow-up is recorded; nothing otherwise. */
int episode_fire_timer(wf_ctx_t *ctx, const Huddle__TimerRecord *t);

/* The episode with this id (free with huddle__episode_record__free_unpacked), or
 * STORE_ENOTFOUND. */
int episode_get(store_txn_t *txn, const char *episode_id, Huddle__EpisodeRecord **out);

/* Writes the record alone (its indexes are this module's): for assessment.c, which
 * sets open_assessment_id and the scope's provider_ods. */
int episode_put(store_txn_t *txn, const Huddle__EpisodeRecord *rec);

/* Full days from the discharge-ready date (midnight UTC) to the discharge, or to
 * now_ms while the patient is still in hospital; 0 without a ready date. */
uint32_t episode_days_delayed(const Huddle__EpisodeRecord *rec, int64_t now_ms);

/* ---- the indexes, for the board (board.h) ---- */

/* Visits the open episodes of a hospital (by_hospital) or of a neighbourhood's
 * patients, in id order; episode_id is borrowed for the call. Return non-zero to stop:
 * the scan then returns that value; else 0 or a negative store code. */
typedef int (*episode_open_fn)(const char *episode_id, void *arg);
int episode_open_scan(store_txn_t *txn, bool by_hospital, const char *key, episode_open_fn fn, void *arg);

/* One discharge as the index keeps it: enough to count outcomes without the record. */
typedef struct {
    char episode_id[EPISODE_ID_MAX];
    int64_t discharged_at_ms;
    Huddle__Pathway pathway;
    bool placement_ended;
    Huddle__FollowUpResult follow_up_result;
} episode_discharge_t;

/* Visits the discharges of a hospital (by_hospital) or of a neighbourhood's patients,
 * oldest first, as episode_open_scan. */
typedef int (*episode_discharge_fn)(const episode_discharge_t *d, void *arg);
int episode_discharge_scan(store_txn_t *txn, bool by_hospital, const char *key, episode_discharge_fn fn,
                           void *arg);

#endif
