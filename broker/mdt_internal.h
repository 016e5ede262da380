/*
 * mdt_internal — what the files of the MDT workflow share: the session table, the
 * request's session (found, scoped, held to the sender's relationship and its state),
 * the agenda as a working list of items, and the derived agenda events. mdt.c holds
 * sessions, outcomes, closing, review timers and the AGENDA query; mdt_agenda.c the
 * agenda's build, edits and publishing. Nothing outside broker/mdt*.c includes it.
 */
#ifndef HUDDLE_MDT_INTERNAL_H
#define HUDDLE_MDT_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "mdt.h"
#include "nhs.h"
#include "ods.h"
#include "referral.h"

/* Items on one agenda: 480 minutes at the shortest default of 5 each. */
#define MDT_ITEMS_MAX 96

#define MDT_INVALID HUDDLE__REJECT_CODE__REJECT_CODE_INVALID
#define MDT_CONFLICT HUDDLE__REJECT_CODE__REJECT_CODE_CONFLICT
#define MDT_NOT_FOUND HUDDLE__REJECT_CODE__REJECT_CODE_NOT_FOUND

/* The session with this id (free with huddle__session_record__free_unpacked), or
 * STORE_ENOTFOUND. */
int mdt_session_get(store_txn_t *txn, const char *session_id, Huddle__SessionRecord **out);

/* Writes the session under its id. */
int mdt_session_put(store_txn_t *txn, const Huddle__SessionRecord *s);

/* The states a request may find its session in, as a set of bits (1 << state). */
#define MDT_IN(state) (1u << (HUDDLE__SESSION_STATE__SESSION_STATE_##state))

/* For the check of a request naming session_id (its payload field is field): finds the
 * session, stamps its scope and session id on ev, then holds it to the states allowed
 * (CONFLICT naming the state; what says what that state forbids). 0 with *out set; 1 when the sender has no relationship
 * with the session's neighbourhood, so that check stops there and the broker refuses it
 * FORBIDDEN without learning more of the session (*out is then NULL); -1 with r filled. */
int mdt_request_session(wf_ctx_t *ctx, Huddle__Event *ev, const char *session_id, const char *field,
                        unsigned states, const char *what, Huddle__SessionRecord **out, reject_t *r);

/* Copies from onto ev's scope, and sets ev's subject to these ids (NULL = leave as the
 * agent set it; an id the agent set otherwise is refused INVALID, as the broker owns
 * them). 0, or -1 with r filled. */
int mdt_stamp(Huddle__Event *ev, const Huddle__Scope *from, const char *nhs, const char *referral_id,
              const char *session_id, reject_t *r);

/* CONFLICT naming the session's state (Rejected.current_state) and id. */
int mdt_reject_state(reject_t *r, const char *field, const Huddle__SessionRecord *s, const char *what);

/* Minutes an item of this tier takes by default. */
uint32_t mdt_tier_minutes(const config_t *cfg, Huddle__Tier tier);

/* Whether a string field is at most max bytes (NULL counts as ""). */
bool mdt_len_ok(const char *s, size_t max);

/* Whether a string field is set. */
bool mdt_filled(const char *s);

/* A referral on the session's agenda leaves it, if it is still SCHEDULED there (a
 * withdrawn one has left already): deferred (defer: the session did not reach it), or
 * back on the waiting list as it was (ACCEPTED, or DEFERRED once deferred before). */
int mdt_unschedule(wf_ctx_t *ctx, const char *referral_id, const char *session_id, bool defer, const char *reason,
                   Huddle__EventKind about_kind, uint64_t about_seq);

/* Referrals of the neighbourhood still waiting for a session (ACCEPTED or DEFERRED). */
int mdt_count_waiting(store_txn_t *txn, const char *neighbourhood_id, uint32_t *n);

/* UTF-8 in every string and known enum values, as the codec checks a frame's: for a
 * request that did not come in one. 0, or -1 with r filled naming the field. */
int mdt_payload_check(const ProtobufCMessage *payload, const char *path, reject_t *r);

/* A store failure while a check reads: BUSY, to retry. */
int mdt_reject_store(reject_t *r, int rc);

/* The agenda of s as an MdtAgenda borrowing the session's strings and items. */
void mdt_agenda_view(const Huddle__SessionRecord *s, uint32_t left_waiting, Huddle__MdtAgenda *out);

/* Emits the derived event of kind (MDT_AGENDA_BUILT, _EDITED or _PUBLISHED) carrying
 * the agenda of s, with the session's scope. */
int mdt_emit_agenda(wf_ctx_t *ctx, const Huddle__SessionRecord *s, Huddle__EventKind kind, uint32_t left_waiting);

#endif
