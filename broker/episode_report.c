/*
 * episode_report — what follows a discharge (episode.h): placement reports on a
 * pathway 2 or 3 episode (a review, recorded as the event alone, or the end of the
 * placement, which stops its reviews and six-week alert) and the one 91-day follow-up
 * of a pathway 1 episode (still at home or not). Both are the only events a discharged
 * episode takes.
 *
 * Who may report is the matrix's, on the episode's scope: the provider the episode's
 * accepted assessment named, social care of the patient's area, and for a follow-up
 * the patient's own practice. A check stops before any CONFLICT when the sender has no
 * such relationship.
 */
#include "episode_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "care_codes.h"
#include "codec.h"
#include "hd_time.h"

#define PLACE "publish.event.placement_report."
#define FOLLOW "publish.event.follow_up_report."
#define REPORT_TEXT_MAX 1000

#define PATHWAY(name) EPISODE_PATHWAY(name)
#define RESULT(name) HUDDLE__FOLLOW_UP_RESULT__FOLLOW_UP_RESULT_##name

/* Replaces a string of a record protobuf-c frees with a copy of v. */
static int set_str(char **field, const char *v)
{
    char *copy = episode_filled(v) ? strdup(v) : (char *)protobuf_c_empty_string;
    if (!copy)
        return STORE_ENOMEM;
    if (*field && *field != protobuf_c_empty_string)
        free(*field);
    *field = copy;
    return STORE_OK;
}

/* Today by the broker's clock, with the skew an agent's clock is allowed. */
static int32_t today(const wf_ctx_t *ctx)
{
    return hd_date_from_ms(ctx->now_ms + WF_CLOCK_SKEW_MS);
}

/* The episode must be discharged, on one of the pathways in `pathways` (bits). */
static int discharged_on(reject_t *r, const char *field, const Huddle__EpisodeRecord *rec, unsigned pathways,
                         const char *what)
{
    const Huddle__EpisodeUpdate *u = rec->current;
    if (u->status != EPISODE_STATUS(DISCHARGED))
        return episode_reject_state(r, field, rec, episode_status_name(u->status),
                                    "the patient has not been discharged: %s follows a discharge", what);
    if (!(pathways & (1u << u->pathway)))
        return episode_reject_state(r, field, rec,
                                    codec_enum_name(&huddle__pathway__descriptor, u->pathway, "UNKNOWN"),
                                    "the patient was discharged on pathway %s: no %s is due", care_pathway_short(u->pathway),
                                    what);
    return 0;
}

/* ---- placement reports ---------------------------------------------------------- */

int episode_placement_check(wf_ctx_t *ctx, Huddle__Event *ev, reject_t *r)
{
    const Huddle__PlacementReport *p = ev->placement_report;
    int32_t ended;
    if (episode_payload_check(&p->base, "publish.event.placement_report", r) ||
        episode_text_check(p->outcome, REPORT_TEXT_MAX, false, PLACE "outcome", r))
        return -1;
    int ed = episode_date(p->ended_date, &ended);
    if (ed < 0)
        return reject(r, EPISODE_INVALID, PLACE "ended_date", "a date, YYYY-MM-DD");
    if (p->placement_ended) {
        if (ed != 0)
            return reject(r, EPISODE_INVALID, PLACE "ended_date", "required when the placement has ended: its last day");
        if (ended > today(ctx))
            return reject(r, EPISODE_INVALID, PLACE "ended_date", "in the future");
        if (p->destination == HUDDLE__PLACEMENT_DESTINATION__PLACEMENT_DESTINATION_UNSPECIFIED)
            return reject(r, EPISODE_INVALID, PLACE "destination",
                          "required when the placement has ended: where the patient went");
    } else {
        if (ed == 0)
            return reject(r, EPISODE_INVALID, PLACE "ended_date", "only when the placement has ended");
        if (p->destination != HUDDLE__PLACEMENT_DESTINATION__PLACEMENT_DESTINATION_UNSPECIFIED)
            return reject(r, EPISODE_INVALID, PLACE "destination", "only when the placement has ended");
    }
    Huddle__EpisodeRecord *rec;
    if (episode_for_report(ctx, ev, p->episode_id, PLACE "episode_id", &rec, r))
        return -1;
    int rc = 0;
    if (!episode_sender_relates(ctx, ev))
        rc = 0;
    else if (discharged_on(r, PLACE "episode_id", rec, 1u << PATHWAY(2) | 1u << PATHWAY(3), "a placement report"))
        rc = -1;
    else if (rec->placement_ended)
        rc = episode_reject_state(r, PLACE "episode_id", rec, "PLACEMENT_ENDED",
                                  "the placement ended on %s: it takes no further reports", rec->placement_ended_date);
    else if (p->placement_ended && ended < hd_date_from_ms(rec->current->discharged_at_ms))
        rc = reject(r, EPISODE_INVALID, PLACE "ended_date", "before the discharge");
    huddle__episode_record__free_unpacked(rec, NULL);
    return rc;
}

int episode_placement_apply(wf_ctx_t *ctx, Huddle__Event *ev, reject_t *r)
{
    const Huddle__PlacementReport *p = ev->placement_report;
    Huddle__EpisodeRecord *rec = NULL;
    int rc = episode_get(ctx->txn, ev->subject->episode_id, &rec);
    if (rc == STORE_OK) {
        rec->last_seq = ev->seq;
        /* a review is the event alone; the end stops the reviews and the alert */
        if (p->placement_ended) {
            rec->placement_ended = true;
            rec->placement_destination = p->destination;
            rc = set_str(&rec->placement_ended_date, p->ended_date);
            if (rc == STORE_OK)
                rc = episode_discharge_index(ctx->txn, rec);
        }
    }
    if (rc == STORE_OK)
        rc = episode_put(ctx->txn, rec);
    if (rec)
        huddle__episode_record__free_unpacked(rec, NULL);
    return rc == STORE_OK ? 0 : episode_failed(r, rc);
}

/* ---- the 91-day follow-up ------------------------------------------------------- */

int episode_follow_up_check(wf_ctx_t *ctx, Huddle__Event *ev, reject_t *r)
{
    const Huddle__FollowUpReport *f = ev->follow_up_report;
    int32_t day;
    if (episode_payload_check(&f->base, "publish.event.follow_up_report", r))
        return -1;
    if (f->result == RESULT(UNSPECIFIED))
        return reject(r, EPISODE_INVALID, FOLLOW "result", "required: AT_HOME, NOT_AT_HOME or NOT_KNOWN");
    bool away = f->result == RESULT(NOT_AT_HOME);
    if (away && f->where == HUDDLE__FOLLOW_UP_WHERE__FOLLOW_UP_WHERE_UNSPECIFIED)
        return reject(r, EPISODE_INVALID, FOLLOW "where", "required when the patient is not at home: where they are");
    if (!away && f->where != HUDDLE__FOLLOW_UP_WHERE__FOLLOW_UP_WHERE_UNSPECIFIED)
        return reject(r, EPISODE_INVALID, FOLLOW "where", "only when the patient is not at home");
    if (episode_date(f->follow_up_date, &day) != 0)
        return reject(r, EPISODE_INVALID, FOLLOW "follow_up_date", "required: the date the result was established");
    if (day > today(ctx))
        return reject(r, EPISODE_INVALID, FOLLOW "follow_up_date", "in the future");
    if (episode_text_check(f->notes, REPORT_TEXT_MAX, false, FOLLOW "notes", r))
        return -1;
    Huddle__EpisodeRecord *rec;
    if (episode_for_report(ctx, ev, f->episode_id, FOLLOW "episode_id", &rec, r))
        return -1;
    int rc = 0;
    int64_t due_ms = rec->current->discharged_at_ms + ctx->cfg->follow_up_after;
    if (!episode_sender_relates(ctx, ev))
        rc = 0;
    else if (discharged_on(r, FOLLOW "episode_id", rec, 1u << PATHWAY(1), "91-day follow-up"))
        rc = -1;
    else if (rec->follow_up_result != RESULT(UNSPECIFIED))
        rc = episode_reject_state(r, FOLLOW "episode_id", rec,
                                  codec_enum_name(&huddle__follow_up_result__descriptor, rec->follow_up_result, "UNKNOWN"),
                                  "the follow-up was recorded on %s: there is one per discharge", rec->follow_up_date);
    else if (day < hd_date_from_ms(due_ms))
        rc = reject(r, EPISODE_INVALID, FOLLOW "follow_up_date", "before the follow-up is due, %lld days after discharge",
                    (long long)(ctx->cfg->follow_up_after / HD_MS_PER_DAY));
    huddle__episode_record__free_unpacked(rec, NULL);
    return rc;
}

int episode_follow_up_apply(wf_ctx_t *ctx, Huddle__Event *ev, reject_t *r)
{
    const Huddle__FollowUpReport *f = ev->follow_up_report;
    Huddle__EpisodeRecord *rec = NULL;
    int rc = episode_get(ctx->txn, ev->subject->episode_id, &rec);
    if (rc == STORE_OK) {
        rec->last_seq = ev->seq;
        rec->follow_up_result = f->result;
        rec->follow_up_where = f->where;
        rc = set_str(&rec->follow_up_date, f->follow_up_date);
    }
    if (rc == STORE_OK)
        rc = episode_discharge_index(ctx->txn, rec);
    if (rc == STORE_OK)
        rc = episode_put(ctx->txn, rec);
    if (rec)
        huddle__episode_record__free_unpacked(rec, NULL);
    return rc == STORE_OK ? 0 : episode_failed(r, rc);
}
