/*
 * tu_assessment — what the trust agreement and trusted-assessment tests share: the
 * agents of two hospitals (RXH, RYJ), their assessors and hubs, two care providers
 * (VN123, a nursing home; HC456, home care), Admin frames, agreements, episodes seeded
 * as a hub's update would leave them (tu_episode.h), publishing each assessment kind,
 * subscriptions and reading the store.
 */
#ifndef HUDDLE_TU_ASSESSMENT_H
#define HUDDLE_TU_ASSESSMENT_H

#include "tu_inproc.h"
#include "tu_episode.h"

#include "agreement.h"
#include "assessment.h"
#include "nhs.h"
#include "record.h"

#define S(literal) ((char *)(literal))
#define HOUR_MS INT64_C(3600000)
#define DAY_MS INT64_C(86400000)
#define T0 INT64_C(1800000000000) /* 2027-01-15T08:00:00Z */
#define TODAY "2027-01-15"

#define KIND(name) HUDDLE__EVENT_KIND__EVENT_KIND_##name
#define CODE(name) HUDDLE__REJECT_CODE__REJECT_CODE_##name
#define SVC(name) HUDDLE__SERVICE_TYPE__SERVICE_TYPE_##name
#define AS(name) HUDDLE__ASSESSMENT_STATE__ASSESSMENT_STATE_##name
#define ANSWER(name) HUDDLE__ASSESSMENT_ANSWER__ASSESSMENT_ANSWER_##name
#define DECLINE_FOR(name) HUDDLE__DECLINE_REASON__DECLINE_REASON_##name

static tu_agent_t agents[] = {
    {.id = "ops", .role = HUDDLE__ROLE__ROLE_ADMIN, .org = "X26"},
    {.id = "ta-rxh", .role = HUDDLE__ROLE__ROLE_TRUSTED_ASSESSOR, .org = "RXH", .hospital = "RXH"},
    {.id = "ta-rxh2", .role = HUDDLE__ROLE__ROLE_TRUSTED_ASSESSOR, .org = "RXH", .hospital = "RXH"},
    {.id = "ta-ryj", .role = HUDDLE__ROLE__ROLE_TRUSTED_ASSESSOR, .org = "RYJ", .hospital = "RYJ"},
    {.id = "cp-vn", .role = HUDDLE__ROLE__ROLE_CARE_PROVIDER, .org = "VN123"},
    {.id = "cp-vn2", .role = HUDDLE__ROLE__ROLE_CARE_PROVIDER, .org = "VN123"},
    {.id = "cp-hc", .role = HUDDLE__ROLE__ROLE_CARE_PROVIDER, .org = "HC456"},
    {.id = "hub-rxh", .role = HUDDLE__ROLE__ROLE_DISCHARGE_HUB, .org = "RXH", .hospital = "RXH"},
    {.id = "hub-ryj", .role = HUDDLE__ROLE__ROLE_DISCHARGE_HUB, .org = "RYJ", .hospital = "RYJ"},
    {.id = "gp-a81001", .role = HUDDLE__ROLE__ROLE_GP_PRACTICE, .org = "A81001"},
    {.id = "auditor", .role = HUDDLE__ROLE__ROLE_AUDITOR, .org = "X26"},
};

static int setup(void **state)
{
    *state = fx_new(agents, sizeof agents / sizeof agents[0]);
    return 0;
}

static int teardown(void **state)
{
    fx_free(*state);
    return 0;
}

/* The i-th valid NHS number of the tests (Modulus 11), into out. */
static inline char *nhs(unsigned i, char out[NHS_NUMBER_BUF])
{
    for (unsigned n = 600000000u + i * 17u;; n++) {
        snprintf(out, NHS_NUMBER_BUF, "%09u", n);
        unsigned sum = 0;
        for (int k = 0; k < 9; k++)
            sum += (unsigned)(out[k] - '0') * (unsigned)(10 - k);
        unsigned check = 11 - sum % 11;
        if (check == 10)
            continue;
        out[9] = (char)('0' + (check == 11 ? 0 : check));
        out[10] = '\0';
        return out;
    }
}

/* Midday UTC of a YYYY-MM-DD. */
static inline int64_t midday(const char *date)
{
    int32_t d;
    assert_int_equal(hd_date_parse(date, strlen(date), &d), HD_TIME_OK);
    return hd_date_to_ms(d) + 12 * HOUR_MS;
}

/* ---- Admin frames and agreements ---------------------------------------------- */

/* Sends cmd as rid and returns the reply (the caller frees it). */
__attribute__((noinline, unused)) static Huddle__Frame *admin(fx_t *f, const char *rid, Huddle__Admin *cmd)
{
    Huddle__Frame fr = HUDDLE__FRAME__INIT;
    fr.body_case = HUDDLE__FRAME__BODY_ADMIN;
    fr.admin = cmd;
    send_frame(f, rid, &fr);
    broker_commit(f->b);
    Huddle__Frame *r = take(f, rid);
    if (!r)
        fail_msg("no reply queued for %s", rid);
    return r;
}

/* An agreement to vary; services points at up to 4 entries the caller keeps. */
static inline Huddle__TrustAgreement agreement(const char *id, const char *assessor, const char *provider,
                                               Huddle__ServiceType *services, size_t n, const char *from,
                                               const char *to)
{
    Huddle__TrustAgreement a = HUDDLE__TRUST_AGREEMENT__INIT;
    a.agreement_id = (char *)id;
    a.assessor_ods = (char *)assessor;
    a.provider_ods = (char *)provider;
    a.n_service_types = n;
    a.service_types = services;
    a.valid_from_date = (char *)from;
    a.valid_to_date = (char *)to;
    return a;
}

/* Admin agreement_add of a as rid: the reply (the caller frees it). */
static inline Huddle__Frame *admin_add(fx_t *f, const char *rid, Huddle__TrustAgreement *a)
{
    Huddle__Admin cmd = HUDDLE__ADMIN__INIT;
    Huddle__TrustAgreementAdd add = HUDDLE__TRUST_AGREEMENT_ADD__INIT;
    add.agreement = a;
    cmd.command_case = HUDDLE__ADMIN__COMMAND_AGREEMENT_ADD;
    cmd.agreement_add = &add;
    return admin(f, rid, &cmd);
}

static inline Huddle__Frame *admin_revoke(fx_t *f, const char *rid, const char *id, const char *reason)
{
    Huddle__Admin cmd = HUDDLE__ADMIN__INIT;
    Huddle__TrustAgreementRevoke rv = HUDDLE__TRUST_AGREEMENT_REVOKE__INIT;
    rv.agreement_id = (char *)id;
    rv.reason = (char *)reason;
    cmd.command_case = HUDDLE__ADMIN__COMMAND_AGREEMENT_REVOKE;
    cmd.agreement_revoke = &rv;
    return admin(f, rid, &cmd);
}

/* An ADMIN answer, or the test fails naming the refusal. */
__attribute__((noinline, unused)) static void admin_ok(Huddle__Frame *r)
{
    if (r->body_case != HUDDLE__FRAME__BODY_ANSWER)
        fail_msg("expected an answer, got body %d (%s: %s)", r->body_case,
                 r->body_case == HUDDLE__FRAME__BODY_REJECTED ? r->rejected->field : "",
                 r->body_case == HUDDLE__FRAME__BODY_REJECTED ? r->rejected->reason : "");
    assert_int_equal(r->answer->result_case, HUDDLE__ANSWER__RESULT_ADMIN);
}

/* A Rejected with this code and field. */
__attribute__((noinline, unused)) static void refused(Huddle__Frame *r, Huddle__RejectCode code, const char *field)
{
    if (r->body_case != HUDDLE__FRAME__BODY_REJECTED)
        fail_msg("expected a refusal at %s, got body %d", field, r->body_case);
    if (r->rejected->code != code || strcmp(r->rejected->field, field) != 0)
        fail_msg("expected code %d at %s, got %d at %s (%s)", code, field, r->rejected->code, r->rejected->field,
                 r->rejected->reason);
    assert_true(r->rejected->reason[0] != '\0');
}

/* Records the agreement RXH assesses for VN123 under (residential and nursing, from
 * 2026-01-01, open-ended) and HC456's (home care and reablement), through ops. */
static inline void standard_agreements(fx_t *f)
{
    Huddle__ServiceType bedded[] = {SVC(RESIDENTIAL), SVC(NURSING)};
    Huddle__ServiceType home[] = {SVC(HOME_CARE), SVC(REABLEMENT)};
    Huddle__TrustAgreement a = agreement("TA-VN", "RXH", "VN123", bedded, 2, "2026-01-01", "");
    Huddle__Frame *r = admin_add(f, "ops", &a);
    admin_ok(r);
    codec_frame_free(&r);
    a = agreement("TA-HC", "RXH", "HC456", home, 2, "2026-01-01", "");
    r = admin_add(f, "ops", &a);
    admin_ok(r);
    codec_frame_free(&r);
}

/* ---- episodes ----------------------------------------------------------------- */

/* Writes an episode in a batch of the test's own, as a hub's update would leave it. */
static inline void seed_episode(fx_t *f, const char *id, const char *patient, const char *hospital,
                                Huddle__EpisodeStatus status)
{
    broker_commit(f->b);
    store_txn_t *txn = NULL;
    assert_int_equal(store_batch_begin(f->store, &txn), STORE_OK);
    assert_int_equal(tu_episode_seed(txn, id, patient, hospital, "A81001", "nb-north", status), 0);
    assert_int_equal(store_batch_commit(&txn), STORE_OK);
}

static inline Huddle__EpisodeRecord *episode(fx_t *f, const char *id)
{
    store_txn_t *r;
    Huddle__EpisodeRecord *ep = NULL;
    assert_int_equal(store_read_begin(f->store, &r), STORE_OK);
    assert_int_equal(episode_get(r, id, &ep), STORE_OK);
    store_txn_end(&r);
    return ep;
}

/* ---- reading the store --------------------------------------------------------- */

/* The event with this seq (the caller frees it). */
static inline Huddle__Event *event_at(fx_t *f, uint64_t seq)
{
    store_txn_t *r;
    store_val_t v;
    assert_int_equal(store_read_begin(f->store, &r), STORE_OK);
    assert_int_equal(store_event_get(r, seq, &v), STORE_OK);
    Huddle__Event *ev = huddle__event__unpack(NULL, v.len, v.data);
    store_txn_end(&r);
    assert_non_null(ev);
    return ev;
}

/* Events of this kind in the log (about assessment id, unless NULL). */
static inline unsigned count_kind(fx_t *f, Huddle__EventKind kind, const char *id)
{
    store_txn_t *r;
    store_val_t v;
    unsigned n = 0;
    assert_int_equal(store_read_begin(f->store, &r), STORE_OK);
    for (uint64_t seq = 1; store_event_get(r, seq, &v) == STORE_OK; seq++) {
        Huddle__Event *ev = huddle__event__unpack(NULL, v.len, v.data);
        assert_non_null(ev);
        if (ev->kind == kind && (!id || (ev->subject && !strcmp(ev->subject->assessment_id, id))))
            n++;
        huddle__event__free_unpacked(ev, NULL);
    }
    store_txn_end(&r);
    return n;
}

/* ---- subscriptions ---------------------------------------------------------------- */

static inline void subscribe_kinds(fx_t *f, const char *rid, const char *name, const Huddle__EventKind *kinds,
                                   size_t n_kinds)
{
    Huddle__Frame fr = HUDDLE__FRAME__INIT;
    Huddle__Subscribe q = HUDDLE__SUBSCRIBE__INIT;
    Huddle__Filter flt = HUDDLE__FILTER__INIT;
    fr.body_case = HUDDLE__FRAME__BODY_SUBSCRIBE;
    fr.subscribe = &q;
    q.name = (char *)name;
    q.credit = 100;
    q.start_case = HUDDLE__SUBSCRIBE__START_FROM_START;
    q.from_start = 1;
    flt.n_kinds = n_kinds;
    flt.kinds = (Huddle__EventKind *)kinds;
    q.filter = &flt;
    send_frame(f, rid, &fr);
    broker_commit(f->b);
    Huddle__Frame *r = expect(f, rid, HUDDLE__FRAME__BODY_SUBSCRIBED);
    codec_frame_free(&r);
}

/* The next event delivered to rid (the caller frees the frame), or NULL. */
static inline Huddle__Frame *next_delivery(fx_t *f, const char *rid)
{
    Huddle__Frame *fr = take(f, rid);
    if (fr && fr->body_case != HUDDLE__FRAME__BODY_DELIVER)
        fail_msg("expected a Deliver for %s, got body %d", rid, fr->body_case);
    return fr;
}

/* Sends q as rid and returns the reply, Answer or Rejected (the caller frees it). */
__attribute__((noinline, unused)) static Huddle__Frame *query_as(fx_t *f, const char *rid, Huddle__Query *q)
{
    return fx_query(f, rid, q);
}

/* The audit records of one kind of access, as the auditor reads the trail. */
__attribute__((noinline, unused)) static unsigned audited(fx_t *f, Huddle__AuditPurpose purpose, const char *patient, const char *desc)
{
    Huddle__Query q = HUDDLE__QUERY__INIT;
    q.kind = HUDDLE__QUERY_KIND__QUERY_KIND_AUDIT_TRAIL;
    q.purpose = S("assessment review");
    q.nhs_number = (char *)(patient ? patient : "");
    q.limit = 1000;
    Huddle__Frame *r = query_as(f, "aud", &q);
    assert_int_equal(r->body_case, HUDDLE__FRAME__BODY_ANSWER);
    unsigned n = 0;
    const Huddle__AuditTrail *t = r->answer->audit_trail;
    for (size_t i = 0; i < t->n_records; i++)
        n += t->records[i]->purpose == purpose && (!desc || strstr(t->records[i]->description, desc));
    codec_frame_free(&r);
    return n;
}

#endif
