/*
 * waiting — the index of each neighbourhood's open, undiscussed referrals (SUBMITTED,
 * ACCEPTED, SCHEDULED, DEFERRED): what the waiting list and the agenda builder read
 * instead of the log or the referral table (DESIGN §5.2: milliseconds for 60 000
 * patients). Table STORE_WAITING, key neighbourhood \0 referral_id, value a fixed
 * binary entry (no protobuf to decode per row).
 *
 * Owns the table's layout. Never decides a status: referral.c keeps it in step with
 * each referral record, in the same transaction.
 */
#ifndef HUDDLE_WAITING_H
#define HUDDLE_WAITING_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "ods.h"
#include "state.pb-c.h"
#include "store.h"
#include "workflow.h"

typedef struct {
    char referral_id[WF_ID_MAX];
    uint32_t base_priority;      /* score, + points_deferred once deferred */
    int64_t waiting_since_ms;    /* when it joined the list (submission, or last deferral) */
    Huddle__Tier tier;
    Huddle__ReferralStatus status;
    uint32_t times_deferred;
    char practice_ods[ODS_CODE_MAX_LEN + 1]; /* the referring practice: a practice's own list */
} waiting_entry_t;

/* Writes (or replaces) the entry of rec, which must be in a waiting status. */
int waiting_put(store_txn_t *txn, const Huddle__ReferralRecord *rec);

/* Removes a referral from its neighbourhood's list; STORE_OK if it was not there. */
int waiting_del(store_txn_t *txn, const char *neighbourhood_id, const char *referral_id);

/* Visits every entry of a neighbourhood in the byte order of the referral ids ("R10"
 * before "R9"); fn returns non-zero to stop (waiting_scan then returns that value). */
typedef int (*waiting_fn)(const waiting_entry_t *e, void *arg);
int waiting_scan(store_txn_t *txn, const char *neighbourhood_id, waiting_fn fn, void *arg);

/* Effective priority now: base + points_per_week_waiting per full week waited. */
uint32_t waiting_effective(const config_t *cfg, const waiting_entry_t *e, int64_t now_ms);

/* Full days waited by now (0 if the clock is behind waiting_since_ms). */
uint32_t waiting_days(int64_t waiting_since_ms, int64_t now_ms);

#endif
