/*
 * agreement — trust agreements (DESIGN §5.3): an ADMIN records that a provider accepts
 * the assessments of an assessor organisation for some service types between two
 * dates, and may revoke it. The trusted-assessment workflow (assessment.h) asks which
 * agreement, if any, lets an assessor assess for a provider today.
 *
 * Owns the agreement table (STORE_AGREEMENTS) and its pair index
 * (STORE_AGREEMENT_PAIRS, assessor \0 provider \0 agreement id). Recording and revoking
 * each append a derived event (TRUST_AGREEMENT_RECORDED, _REVOKED) through
 * workflow_append_derived, so they work in the broker's batch (broker_admin.c) and
 * offline (`huddle agreement`) alike: ctx->host may be NULL.
 */
#ifndef HUDDLE_AGREEMENT_H
#define HUDDLE_AGREEMENT_H

#include "state.pb-c.h"
#include "workflow.h"

/* Checks and records an agreement (revoked must be false), then appends
 * TRUST_AGREEMENT_RECORDED. 0; -1 with r filled (INVALID naming the field under
 * "admin.agreement_add.agreement.", CONFLICT for an id already recorded); or a
 * negative store code. */
int agreement_add(wf_ctx_t *ctx, const Huddle__TrustAgreement *a, reject_t *r);

/* Revokes an agreement for good, then appends TRUST_AGREEMENT_REVOKED. 0; -1 with r
 * filled (NOT_FOUND, CONFLICT when already revoked, INVALID reason); or a store code. */
int agreement_revoke(wf_ctx_t *ctx, const Huddle__TrustAgreementRevoke *rv, reject_t *r);

/* The agreement with this id (free with huddle__trust_agreement_record__free_unpacked),
 * or STORE_ENOTFOUND. */
int agreement_get(store_txn_t *txn, const char *agreement_id, Huddle__TrustAgreementRecord **out);

/* Visits agreements matching the filter in agreement id order (revoked and expired
 * ones, as of today, only with include_revoked); fn returns non-zero to stop. 0 or a
 * store code. */
typedef int (*agreement_visit_fn)(const Huddle__TrustAgreementRecord *rec, void *arg);
int agreement_list(store_txn_t *txn, const Huddle__AgreementList *filter, int64_t now_ms, agreement_visit_fn fn,
                   void *arg);

/* The agreement in force today (UTC, from now_ms) under which assessor_ods may assess
 * for provider_ods for the service type: 0 with its id in id_out; -1 with r FORBIDDEN,
 * field `field`, naming what is missing ("no trust agreement between RXH and VN123",
 * "agreement TA-1 ended on 2026-03-31", "agreement TA-1 does not cover nursing home",
 * "agreement TA-1 was revoked"); or a store code. */
int agreement_find_current(store_txn_t *txn, const char *assessor_ods, const char *provider_ods,
                           Huddle__ServiceType service, int64_t now_ms, const char *field, char id_out[WF_ID_MAX],
                           reject_t *r);

#endif
