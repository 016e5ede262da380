/*
 * episode_internal — what episode.c (hub updates, discharge, timers) and
 * episode_report.c (placement and follow-up reports) share: the rejections, stamping
 * an event with an episode's subject and scope, and the discharge index entries that
 * the reports keep up to date.
 */
#ifndef HUDDLE_EPISODE_INTERNAL_H
#define HUDDLE_EPISODE_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "episode.h"

#define EPISODE_INVALID HUDDLE__REJECT_CODE__REJECT_CODE_INVALID
#define EPISODE_CONFLICT HUDDLE__REJECT_CODE__REJECT_CODE_CONFLICT
#define EPISODE_NOT_FOUND HUDDLE__REJECT_CODE__REJECT_CODE_NOT_FOUND

#define EPISODE_STATUS(name) HUDDLE__EPISODE_STATUS__EPISODE_STATUS_##name
#define EPISODE_PATHWAY(name) HUDDLE__PATHWAY__PATHWAY_##name

bool episode_filled(const char *s);

/* BUSY: the store could not be read (a check). Returns -1. */
int episode_busy(reject_t *r);

/* An apply's store failure (BUSY, or STORE_FULL): the broker abandons the batch. */
int episode_failed(reject_t *r, int rc);

/* UTF-8 and known enum values, as the codec checks a frame. */
int episode_payload_check(const ProtobufCMessage *m, const char *path, reject_t *r);

/* Text of at most max bytes (and at least one when required). */
int episode_text_check(const char *s, size_t max, bool required, const char *field, reject_t *r);

/* A date field: 0 with *day, 1 when empty, -1 when not a YYYY-MM-DD date. */
int episode_date(const char *s, int32_t *day);

/* "EPISODE_STATUS_DISCHARGED" */
const char *episode_status_name(Huddle__EpisodeStatus s);

/* CONFLICT naming field, with current_state and the episode as the conflicting id. */
int episode_reject_state(reject_t *r, const char *field, const Huddle__EpisodeRecord *rec, const char *state,
                         const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* Replaces ev's subject with the patient and the episode (nothing else), and its scope
 * with a copy of scope. 0 or STORE_ENOMEM. */
int episode_stamp(Huddle__Event *ev, const char *nhs, const char *episode_id, const Huddle__Scope *scope);

/* Gives ev the episode's journey id when the agent named none (the broker's "seq-N"). */
int episode_take_journey(Huddle__Event *ev, const Huddle__EpisodeRecord *rec);

/* Whether the matrix lets the sender publish ev as stamped. Asked only to stop
 * reading early: when it does not, the check returns 0 and the broker refuses the
 * event FORBIDDEN (and audits it), so that nobody learns an episode's state from a
 * CONFLICT. */
bool episode_sender_relates(const wf_ctx_t *ctx, const Huddle__Event *ev);

/* The discharged episode a report names (field: its episode_id): loads it, holds the
 * subject the agent gave to it and stamps ev from it. 0 with *out (the caller frees
 * it), or -1 with r filled. */
int episode_for_report(wf_ctx_t *ctx, Huddle__Event *ev, const char *episode_id, const char *field,
                       Huddle__EpisodeRecord **out, reject_t *r);

/* Writes the discharge index entries (by hospital, and by neighbourhood when the
 * patient has one) of a discharged episode with its pathway, placement and follow-up
 * as they are now. */
int episode_discharge_index(store_txn_t *txn, const Huddle__EpisodeRecord *rec);

#endif
