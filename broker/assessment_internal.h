/*
 * assessment_internal — what the files of the trusted-assessment workflow share: the
 * key layout of its indexes and the names of its states. assessment.c holds the rules,
 * the timer and discharge; assessment_index.c the indexes; assessment_query.c the
 * ASSESSMENTS and DECLINE_COUNTS queries. Nothing outside broker/assessment*.c includes it.
 */
#ifndef HUDDLE_ASSESSMENT_INTERNAL_H
#define HUDDLE_ASSESSMENT_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "assessment.h"
#include "episode.h"

/* STORE_ASSESSMENT_BY_PROVIDER, _BY_EPISODE and _BY_ASSESSOR: provider ODS, episode id
 * or assessor organisation ODS, \0, then the submission's seq (u64 BE), so that a prefix
 * scan visits one owner's assessments oldest first. assessment_index.c keeps them. */
#define ASSESSMENT_INDEX_KEY_MAX (EPISODE_ID_MAX + 8)

/* The index key of owner (a provider ODS code or an episode id) and seq; with seq 0,
 * the prefix that every key of owner starts with. Its length, or 0 when owner cannot
 * make one. */
size_t assessment_index_key(uint8_t key[ASSESSMENT_INDEX_KEY_MAX], const char *owner, uint64_t seq);

/* A new submission into the provider, episode and assessor indexes and the open set:
 * 0 or a store code. */
int assessment_index_submission(store_txn_t *txn, const Huddle__AssessmentRecord *rec);

/* An assessment accepted, declined or closed: out of the open set. 0 or a store code. */
int assessment_index_settled(store_txn_t *txn, const Huddle__AssessmentRecord *rec);

/* "ASSESSMENT_STATE_AWAITING_RESPONSE", as Rejected.current_state names it. */
const char *assessment_state_name(Huddle__AssessmentState s);

#endif
