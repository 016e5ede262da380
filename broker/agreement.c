/*
 * agreement — see agreement.h. The checks of an agreement and of a revocation, the
 * records and their pair index, the derived events, and which agreement is in force.
 *
 * Dates are calendar days in UTC: an agreement is in force from the start of
 * valid_from_date to the end of valid_to_date, so an assessment made on its last day
 * still relies on it and one made the day after does not.
 */
#include "agreement.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "care_codes.h"
#include "codec.h"
#include "hd_time.h"
#include "ods.h"
#include "record.h"

#define AGREEMENT_ID_MAX 32
#define REASON_MAX 1000
#define SERVICES_MAX 4
/* assessor \0 provider \0 agreement id */
#define PAIR_KEY_MAX (ODS_CODE_MAX_LEN + 1 + ODS_CODE_MAX_LEN + 1 + AGREEMENT_ID_MAX)

#define INVALID HUDDLE__REJECT_CODE__REJECT_CODE_INVALID
#define CONFLICT HUDDLE__REJECT_CODE__REJECT_CODE_CONFLICT
#define NOT_FOUND HUDDLE__REJECT_CODE__REJECT_CODE_NOT_FOUND
#define FORBIDDEN HUDDLE__REJECT_CODE__REJECT_CODE_FORBIDDEN

#define ADD "admin.agreement_add.agreement."
#define REVOKE "admin.agreement_revoke."

static bool filled(const char *s)
{
    return s && *s;
}

/* A date field: true with *days when it is a real YYYY-MM-DD. */
static bool date_of(const char *s, int32_t *days)
{
    return filled(s) && hd_date_parse(s, strlen(s), days) == HD_TIME_OK;
}

static bool service_known(Huddle__ServiceType t)
{
    return t >= HUDDLE__SERVICE_TYPE__SERVICE_TYPE_RESIDENTIAL && t <= HUDDLE__SERVICE_TYPE__SERVICE_TYPE_REABLEMENT;
}

/* assessor \0 provider \0 (id): the pair index's key, or its prefix when id is NULL.
 * 0 when the codes cannot make one. */
static size_t pair_key(uint8_t key[PAIR_KEY_MAX], const char *assessor, const char *provider, const char *id)
{
    size_t al = strlen(assessor), pl = strlen(provider), il = id ? strlen(id) : 0;
    if (!al || al > ODS_CODE_MAX_LEN || !pl || pl > ODS_CODE_MAX_LEN || il > AGREEMENT_ID_MAX)
        return 0;
    memcpy(key, assessor, al);
    key[al] = '\0';
    memcpy(key + al + 1, provider, pl);
    key[al + 1 + pl] = '\0';
    memcpy(key + al + pl + 2, id ? id : "", il);
    return al + pl + 2 + il;
}

/* Appends a derived event: through the broker's host when there is one (so that it is
 * delivered once the batch commits), straight into the log offline. */
static int append(wf_ctx_t *ctx, Huddle__Event *ev, uint64_t *seq)
{
    if (ctx->host)
        return wf_emit(ctx, ev, seq);
    return workflow_append_derived(ctx, ev, NULL, NULL, seq);
}

/* The event about an agreement: no patient, the two organisations as its scope. */
static void agreement_event(Huddle__Event *ev, Huddle__Scope *scope, const Huddle__TrustAgreement *a)
{
    scope->assessor_ods = a->assessor_ods;
    scope->provider_ods = a->provider_ods;
    ev->scope = scope;
}

int agreement_get(store_txn_t *txn, const char *agreement_id, Huddle__TrustAgreementRecord **out)
{
    *out = NULL;
    size_t n = agreement_id ? strlen(agreement_id) : 0;
    if (n == 0 || n > AGREEMENT_ID_MAX)
        return STORE_ENOTFOUND;
    store_val_t v;
    int rc = store_get(txn, STORE_AGREEMENTS, agreement_id, n, &v);
    if (rc != STORE_OK)
        return rc;
    *out = huddle__trust_agreement_record__unpack(NULL, v.len, v.data);
    return *out && (*out)->agreement ? STORE_OK : STORE_ECORRUPT;
}

/* ---- recording ---------------------------------------------------------------- */

static int check_fields(const Huddle__TrustAgreement *a, reject_t *r)
{
    codec_error_t err;
    if (codec_check_message(&a->base, "admin.agreement_add.agreement", &err) != CODEC_OK)
        return reject(r, INVALID, err.field, "%s", err.reason);
    if (!workflow_is_id(a->agreement_id, AGREEMENT_ID_MAX, false))
        return reject(r, INVALID, ADD "agreement_id", "required: 1 to 32 of A-Z a-z 0-9 . _ -");
    int rc = ods_code_check(a->assessor_ods, strlen(a->assessor_ods));
    if (rc != ODS_OK)
        return reject(r, INVALID, ADD "assessor_ods", "the assessor organisation's ODS code: %s", ods_strerror(rc));
    rc = ods_code_check(a->provider_ods, strlen(a->provider_ods));
    if (rc != ODS_OK)
        return reject(r, INVALID, ADD "provider_ods", "the care provider's ODS code: %s", ods_strerror(rc));
    if (a->n_service_types == 0 || a->n_service_types > SERVICES_MAX)
        return reject(r, INVALID, ADD "service_types", "required: 1 to 4 service types");
    for (size_t i = 0; i < a->n_service_types; i++) {
        if (!service_known(a->service_types[i]))
            return reject(r, INVALID, ADD "service_types", "residential, nursing, home care or reablement");
        for (size_t j = 0; j < i; j++)
            if (a->service_types[j] == a->service_types[i])
                return reject(r, INVALID, ADD "service_types", "%s is listed twice",
                              care_service_label(a->service_types[i]));
    }
    int32_t from, to;
    if (!date_of(a->valid_from_date, &from))
        return reject(r, INVALID, ADD "valid_from_date", "required: the first day in force, YYYY-MM-DD");
    if (filled(a->valid_to_date) && !date_of(a->valid_to_date, &to))
        return reject(r, INVALID, ADD "valid_to_date", "the last day in force, YYYY-MM-DD, or empty for open-ended");
    if (filled(a->valid_to_date) && to < from)
        return reject(r, INVALID, ADD "valid_to_date", "must not be before valid_from_date");
    if (a->revoked)
        return reject(r, INVALID, ADD "revoked", "must be false: an agreement is recorded in force, then revoked");
    return 0;
}

int agreement_add(wf_ctx_t *ctx, const Huddle__TrustAgreement *a, reject_t *r)
{
    if (!a)
        return reject(r, INVALID, "admin.agreement_add.agreement", "required");
    if (check_fields(a, r))
        return -1;
    Huddle__TrustAgreementRecord *old = NULL;
    int rc = agreement_get(ctx->txn, a->agreement_id, &old);
    if (rc == STORE_OK) {
        reject(r, CONFLICT, ADD "agreement_id", "agreement %s is already recorded%s; choose another id",
               a->agreement_id, old->agreement->revoked ? " (and revoked)" : "");
        snprintf(r->conflicting_id, sizeof r->conflicting_id, "%s", a->agreement_id);
        huddle__trust_agreement_record__free_unpacked(old, NULL);
        return -1;
    }
    if (rc != STORE_ENOTFOUND)
        return rc;

    Huddle__Event ev = HUDDLE__EVENT__INIT;
    Huddle__Scope scope = HUDDLE__SCOPE__INIT;
    ev.kind = HUDDLE__EVENT_KIND__EVENT_KIND_TRUST_AGREEMENT_RECORDED;
    agreement_event(&ev, &scope, a);
    ev.payload_case = HUDDLE__EVENT__PAYLOAD_TRUST_AGREEMENT;
    ev.trust_agreement = (Huddle__TrustAgreement *)a;
    uint64_t seq = 0;
    rc = append(ctx, &ev, &seq);
    if (rc != STORE_OK)
        return rc;
    Huddle__TrustAgreementRecord rec = HUDDLE__TRUST_AGREEMENT_RECORD__INIT;
    rec.agreement = (Huddle__TrustAgreement *)a;
    rec.recorded_by = (char *)(ctx->sender ? ctx->sender : "");
    rec.recorded_at_ms = ctx->now_ms;
    rec.record_seq = seq;
    uint8_t key[PAIR_KEY_MAX];
    size_t klen = pair_key(key, a->assessor_ods, a->provider_ods, a->agreement_id);
    rc = record_put(ctx->txn, STORE_AGREEMENTS, a->agreement_id, strlen(a->agreement_id), &rec.base, true);
    if (rc == STORE_OK)
        rc = klen ? store_put(ctx->txn, STORE_AGREEMENT_PAIRS, key, klen, "", 0) : STORE_EINVAL;
    return rc;
}

/* ---- revoking ----------------------------------------------------------------- */

/* Replaces a string of an unpacked record with a copy of v. */
static int set_str(char **field, const char *v)
{
    char *copy = filled(v) ? strdup(v) : (char *)protobuf_c_empty_string;
    if (!copy)
        return STORE_ENOMEM;
    if (*field && *field != protobuf_c_empty_string)
        free(*field);
    *field = copy;
    return STORE_OK;
}

int agreement_revoke(wf_ctx_t *ctx, const Huddle__TrustAgreementRevoke *rv, reject_t *r)
{
    if (!rv)
        return reject(r, INVALID, "admin.agreement_revoke", "required");
    codec_error_t err;
    if (codec_check_message(&rv->base, "admin.agreement_revoke", &err) != CODEC_OK)
        return reject(r, INVALID, err.field, "%s", err.reason);
    if (!workflow_is_id(rv->agreement_id, AGREEMENT_ID_MAX, false))
        return reject(r, INVALID, REVOKE "agreement_id", "required: an agreement id, 1 to 32 of A-Z a-z 0-9 . _ -");
    size_t n = strlen(rv->reason);
    if (n == 0 || n > REASON_MAX)
        return reject(r, INVALID, REVOKE "reason", "required: why, 1 to 1000 bytes");
    Huddle__TrustAgreementRecord *rec = NULL;
    int rc = agreement_get(ctx->txn, rv->agreement_id, &rec);
    if (rc == STORE_ENOTFOUND)
        return reject(r, NOT_FOUND, REVOKE "agreement_id", "no trust agreement with this id");
    if (rc != STORE_OK)
        return rc;
    if (rec->agreement->revoked) {
        reject(r, CONFLICT, REVOKE "agreement_id", "agreement %s is already revoked", rv->agreement_id);
        snprintf(r->current_state, sizeof r->current_state, "REVOKED");
        snprintf(r->conflicting_id, sizeof r->conflicting_id, "%s", rv->agreement_id);
        huddle__trust_agreement_record__free_unpacked(rec, NULL);
        return -1;
    }
    Huddle__Event ev = HUDDLE__EVENT__INIT;
    Huddle__Scope scope = HUDDLE__SCOPE__INIT;
    ev.kind = HUDDLE__EVENT_KIND__EVENT_KIND_TRUST_AGREEMENT_REVOKED;
    agreement_event(&ev, &scope, rec->agreement);
    ev.payload_case = HUDDLE__EVENT__PAYLOAD_TRUST_AGREEMENT_REVOKE;
    ev.trust_agreement_revoke = (Huddle__TrustAgreementRevoke *)rv;
    uint64_t seq = 0;
    rc = append(ctx, &ev, &seq);
    if (rc == STORE_OK) {
        rec->agreement->revoked = 1;
        rec->revoked_at_ms = ctx->now_ms;
        rec->revoke_seq = seq;
        if (set_str(&rec->revoked_by, ctx->sender) || set_str(&rec->revoke_reason, rv->reason))
            rc = STORE_ENOMEM;
    }
    if (rc == STORE_OK)
        rc = record_put(ctx->txn, STORE_AGREEMENTS, rv->agreement_id, strlen(rv->agreement_id), &rec->base, false);
    huddle__trust_agreement_record__free_unpacked(rec, NULL);
    return rc;
}

/* ---- which agreement is in force ---------------------------------------------- */

/* Where an agreement stands on a day. */
typedef enum { ST_REVOKED, ST_ENDED, ST_NOT_YET, ST_IN_FORCE } standing_t;

static standing_t standing(const Huddle__TrustAgreement *a, int32_t today)
{
    int32_t from = 0, to = 0;
    if (a->revoked)
        return ST_REVOKED;
    if (date_of(a->valid_from_date, &from) && today < from)
        return ST_NOT_YET;
    if (date_of(a->valid_to_date, &to) && today > to)
        return ST_ENDED;
    return ST_IN_FORCE;
}

static bool covers(const Huddle__TrustAgreement *a, Huddle__ServiceType service)
{
    for (size_t i = 0; i < a->n_service_types; i++)
        if (a->service_types[i] == service)
            return true;
    return false;
}

typedef struct {
    store_txn_t *txn;
    const Huddle__AgreementList *filter;
    int32_t today;
    agreement_visit_fn fn;
    void *arg;
} list_t;

static int list_one(const store_val_t *key, const store_val_t *val, void *arg)
{
    (void)key;
    list_t *l = arg;
    Huddle__TrustAgreementRecord *rec = huddle__trust_agreement_record__unpack(NULL, val->len, val->data);
    if (!rec || !rec->agreement) {
        if (rec)
            huddle__trust_agreement_record__free_unpacked(rec, NULL);
        return STORE_ECORRUPT;
    }
    const Huddle__AgreementList *f = l->filter;
    const Huddle__TrustAgreement *a = rec->agreement;
    standing_t st = standing(a, l->today);
    bool keep = (!f || !filled(f->assessor_ods) || !strcmp(f->assessor_ods, a->assessor_ods)) &&
                (!f || !filled(f->provider_ods) || !strcmp(f->provider_ods, a->provider_ods)) &&
                ((f && f->include_revoked) || (st != ST_REVOKED && st != ST_ENDED));
    int rc = keep ? l->fn(rec, l->arg) : 0;
    huddle__trust_agreement_record__free_unpacked(rec, NULL);
    return rc;
}

int agreement_list(store_txn_t *txn, const Huddle__AgreementList *filter, int64_t now_ms, agreement_visit_fn fn,
                   void *arg)
{
    list_t l = {txn, filter, hd_date_from_ms(now_ms), fn, arg};
    int rc = store_scan(txn, STORE_AGREEMENTS, NULL, 0, 0, list_one, &l);
    return rc < 0 ? rc : STORE_OK;
}

/* The agreements of one pair, read for find_current: the first in force that covers
 * the service, or else the one whose refusal says most. */
typedef struct {
    store_txn_t *txn;
    size_t prefix_len;
    Huddle__ServiceType service;
    int32_t today;
    int best;  /* rank of the refusal kept so far: -1 none */
    bool found;
    char id[WF_ID_MAX];
    char why[200];
} find_t;

/* How much a refusal tells the assessor, most first: an agreement in force that lacks
 * the service, one that comes into force later, one that ended, one revoked. */
enum { RANK_REVOKED, RANK_ENDED, RANK_NOT_YET, RANK_NOT_COVERED };

static int find_one(const store_val_t *key, const store_val_t *val, void *arg)
{
    (void)val;
    find_t *fd = arg;
    char id[WF_ID_MAX];
    size_t il = key->len - fd->prefix_len;
    if (key->len <= fd->prefix_len || il >= sizeof id)
        return STORE_ECORRUPT;
    memcpy(id, (const char *)key->data + fd->prefix_len, il);
    id[il] = '\0';
    Huddle__TrustAgreementRecord *rec = NULL;
    int rc = agreement_get(fd->txn, id, &rec);
    if (rc != STORE_OK)
        return rc == STORE_ENOTFOUND ? STORE_ECORRUPT : rc;
    const Huddle__TrustAgreement *a = rec->agreement;
    int rank = -1;
    char why[sizeof fd->why];
    switch (standing(a, fd->today)) {
    case ST_REVOKED:
        rank = RANK_REVOKED;
        snprintf(why, sizeof why, "agreement %s was revoked", id);
        break;
    case ST_ENDED:
        rank = RANK_ENDED;
        snprintf(why, sizeof why, "agreement %s ended on %s", id, a->valid_to_date);
        break;
    case ST_NOT_YET:
        rank = RANK_NOT_YET;
        snprintf(why, sizeof why, "agreement %s is not in force until %s", id, a->valid_from_date);
        break;
    case ST_IN_FORCE:
        if (covers(a, fd->service)) {
            fd->found = true;
            snprintf(fd->id, sizeof fd->id, "%s", id);
        } else {
            rank = RANK_NOT_COVERED;
            snprintf(why, sizeof why, "agreement %s does not cover %s", id, care_service_label(fd->service));
        }
        break;
    }
    huddle__trust_agreement_record__free_unpacked(rec, NULL);
    if (fd->found)
        return 1;
    if (rank > fd->best) {
        fd->best = rank;
        snprintf(fd->why, sizeof fd->why, "%s", why);
    }
    return 0;
}

int agreement_find_current(store_txn_t *txn, const char *assessor_ods, const char *provider_ods,
                           Huddle__ServiceType service, int64_t now_ms, const char *field, char id_out[WF_ID_MAX],
                           reject_t *r)
{
    id_out[0] = '\0';
    uint8_t prefix[PAIR_KEY_MAX];
    size_t plen = pair_key(prefix, assessor_ods ? assessor_ods : "", provider_ods ? provider_ods : "", NULL);
    find_t fd = {txn, plen, service, hd_date_from_ms(now_ms), -1, false, "", ""};
    if (plen) {
        int rc = store_scan(txn, STORE_AGREEMENT_PAIRS, prefix, plen, plen, find_one, &fd);
        if (rc < 0)
            return rc == STORE_ENOTFOUND ? STORE_ECORRUPT : rc;
    }
    if (fd.found) {
        snprintf(id_out, WF_ID_MAX, "%s", fd.id);
        return 0;
    }
    if (fd.best < 0)
        return reject(r, FORBIDDEN, field, "no trust agreement between %s and %s", plen ? assessor_ods : "?",
                      plen ? provider_ods : "?");
    return reject(r, FORBIDDEN, field, "%s", fd.why);
}
