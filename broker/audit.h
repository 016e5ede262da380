/*
 * audit — the audit trail: one AuditRecord per disclosure of patient data (a delivery,
 * a query answer), per registry change, and per refusal FORBIDDEN, written in the
 * transaction that does the thing it records; and the look-ups the AUDITOR role and
 * `huddle audit` make, by patient, by agent and by time range.
 *
 * Owns the tables STORE_AUDIT (audit_id → AuditRecord), STORE_AUDIT_BY_PATIENT
 * (nhs_number audit_id → empty) and STORE_AUDIT_BY_AGENT (agent_id \0 audit_id →
 * empty), and the "audit" id counter.
 *
 * Audit ids are assigned in the order records are written; the broker's clock never
 * goes back outside test mode, so audit_id order is also at_ms order and a time-range
 * scan can stop at the first record past its upper bound.
 *
 * Never touches a socket, prints, reads a clock, or decides who may read the trail
 * (the broker checks the asker's role).
 */
#ifndef HUDDLE_AUDIT_H
#define HUDDLE_AUDIT_H

#include <stdint.h>

#include "state.pb-c.h"
#include "store.h"

/* Appends rec with the next audit id (written into rec->audit_id) and indexes it by
 * patient (when nhs_number is set) and by agent: STORE_OK or a store code, which leaves
 * the batch to be aborted. */
int audit_append(store_txn_t *txn, Huddle__AuditRecord *rec);

/* Which records a look-up wants. At most one of nhs_number and agent_id is set
 * (neither: every record); each bound applies when non-zero. */
typedef struct {
    const char *nhs_number; /* this patient's records; NULL or "" = any */
    const char *agent_id;   /* this agent's records; NULL or "" = any */
    int64_t from_ms;        /* at_ms >= from_ms; 0 = no lower bound */
    int64_t to_ms;          /* at_ms < to_ms; 0 = no upper bound */
    uint64_t after;         /* only audit_id > after (the cursor of the previous page) */
    uint32_t limit;         /* most records visited, at least 1 */
} audit_query_t;

/* Called once per record, in audit_id order; rec is borrowed for the call only. Return
 * non-zero to stop: audit_scan then returns that value. */
typedef int (*audit_fn)(const Huddle__AuditRecord *rec, void *ctx);

/* Visits the records matching q, in audit_id order, at most q->limit of them. Sets
 * *next_after to the audit_id of the last one visited when more match after it (it
 * reads one match further to know), else to 0. Returns 0, the callback's non-zero
 * value, or a negative store code: STORE_ECORRUPT for a record that does not unpack or
 * an index entry that does not lead to its record, STORE_EINVAL for limit 0 or both
 * nhs_number and agent_id set. On any non-zero return *next_after is 0 (a callback that
 * stops knows where it stopped).
 *
 * Relies on audit_id order being at_ms order, for every table it reads: it finds the
 * first record at or after from_ms by a binary search over ids, and stops at the
 * first record at or past to_ms. */
int audit_scan(store_txn_t *txn, const audit_query_t *q, audit_fn fn, void *ctx, uint64_t *next_after);

#endif
