/*
 * test_agreement — trust agreements (broker/agreement.c): which agreement is in force
 * for an assessor, a provider and a service on a given day, and the refusal naming what
 * is missing (none, not yet, ended, another service, revoked); recording and revoking
 * offline, with their derived events; and the ADMIN's agreement_add, _revoke and _list
 * over Admin frames: every field checked and named, duplicates, the audit trail, and
 * the derived events delivered to the admin and the two organisations only.
 */
#include "tu_assessment.h"

/* ---- offline: a batch of the test's own, no broker host ---- */

static int add_offline(fx_t *f, const Huddle__TrustAgreement *a, int64_t now_ms, reject_t *r)
{
    broker_commit(f->b);
    wf_ctx_t ctx;
    memset(&ctx, 0, sizeof ctx);
    ctx.sender = "";
    ctx.now_ms = now_ms;
    assert_int_equal(store_batch_begin(f->store, &ctx.txn), STORE_OK);
    int rc = agreement_add(&ctx, a, r);
    if (rc == 0)
        assert_int_equal(store_batch_commit(&ctx.txn), STORE_OK);
    store_txn_end(&ctx.txn);
    return rc;
}

static int revoke_offline(fx_t *f, const char *id, const char *reason, int64_t now_ms, reject_t *r)
{
    broker_commit(f->b);
    wf_ctx_t ctx;
    memset(&ctx, 0, sizeof ctx);
    ctx.sender = "";
    ctx.now_ms = now_ms;
    Huddle__TrustAgreementRevoke rv = HUDDLE__TRUST_AGREEMENT_REVOKE__INIT;
    rv.agreement_id = (char *)id;
    rv.reason = (char *)reason;
    assert_int_equal(store_batch_begin(f->store, &ctx.txn), STORE_OK);
    int rc = agreement_revoke(&ctx, &rv, r);
    if (rc == 0)
        assert_int_equal(store_batch_commit(&ctx.txn), STORE_OK);
    store_txn_end(&ctx.txn);
    return rc;
}

/* agreement_find_current at now_ms: 0 with the id, or -1 with r. */
static int find_at(fx_t *f, const char *assessor, const char *provider, Huddle__ServiceType s, int64_t now_ms,
                   char id[WF_ID_MAX], reject_t *r)
{
    store_txn_t *txn;
    assert_int_equal(store_read_begin(f->store, &txn), STORE_OK);
    int rc = agreement_find_current(txn, assessor, provider, s, now_ms, "here", id, r);
    store_txn_end(&txn);
    assert_true(rc == 0 || rc == -1);
    return rc;
}

static void expect_found(fx_t *f, Huddle__ServiceType s, int64_t now_ms, const char *want)
{
    char id[WF_ID_MAX];
    reject_t r;
    if (find_at(f, "RXH", "VN123", s, now_ms, id, &r) != 0)
        fail_msg("expected %s in force, refused: %s", want, r.reason);
    assert_string_equal(id, want);
}

static void expect_missing(fx_t *f, const char *assessor, const char *provider, Huddle__ServiceType s,
                           int64_t now_ms, const char *reason)
{
    char id[WF_ID_MAX];
    reject_t r;
    assert_int_equal(find_at(f, assessor, provider, s, now_ms, id, &r), -1);
    assert_int_equal(r.code, CODE(FORBIDDEN));
    assert_string_equal(r.field, "here");
    if (strcmp(r.reason, reason) != 0)
        fail_msg("expected \"%s\", got \"%s\"", reason, r.reason);
    assert_string_equal(id, "");
}

static int64_t start_of(const char *date)
{
    return midday(date) - 12 * HOUR_MS;
}

static void test_find_current_names_what_is_missing(void **state)
{
    fx_t *f = *state;
    reject_t r;
    expect_missing(f, "RXH", "VN123", SVC(NURSING), T0, "no trust agreement between RXH and VN123");
    Huddle__ServiceType nursing[] = {SVC(NURSING)};
    Huddle__TrustAgreement a = agreement("TA-1", "RXH", "VN123", nursing, 1, "2027-02-01", "2027-03-31");
    assert_int_equal(add_offline(f, &a, T0, &r), 0);

    expect_missing(f, "RXH", "VN123", SVC(NURSING), start_of("2027-02-01") - 1,
                   "agreement TA-1 is not in force until 2027-02-01");
    expect_found(f, SVC(NURSING), start_of("2027-02-01"), "TA-1");
    expect_found(f, SVC(NURSING), midday("2027-03-31"), "TA-1"); /* in force on its last day */
    expect_found(f, SVC(NURSING), start_of("2027-04-01") - 1, "TA-1");
    expect_missing(f, "RXH", "VN123", SVC(NURSING), start_of("2027-04-01"), "agreement TA-1 ended on 2027-03-31");
    expect_missing(f, "RXH", "VN123", SVC(RESIDENTIAL), midday("2027-02-15"),
                   "agreement TA-1 does not cover residential home");
    /* an agreement binds one assessor to one provider, in that direction only */
    expect_missing(f, "VN123", "RXH", SVC(NURSING), midday("2027-02-15"), "no trust agreement between VN123 and RXH");
    expect_missing(f, "RYJ", "VN123", SVC(NURSING), midday("2027-02-15"), "no trust agreement between RYJ and VN123");
    expect_missing(f, "RXH", "HC456", SVC(NURSING), midday("2027-02-15"), "no trust agreement between RXH and HC456");

    /* revoked: never in force again, whatever the dates */
    assert_int_equal(revoke_offline(f, "TA-1", "CQC inspection rated inadequate", midday("2027-02-10"), &r), 0);
    expect_missing(f, "RXH", "VN123", SVC(NURSING), midday("2027-02-15"), "agreement TA-1 was revoked");
    expect_missing(f, "RXH", "VN123", SVC(NURSING), midday("2027-01-15"), "agreement TA-1 was revoked");
}

static void test_find_current_prefers_the_clearest(void **state)
{
    fx_t *f = *state;
    reject_t r;
    Huddle__ServiceType nursing[] = {SVC(NURSING)}, residential[] = {SVC(RESIDENTIAL)};
    Huddle__ServiceType both[] = {SVC(RESIDENTIAL), SVC(NURSING)};
    const int64_t now = midday("2027-06-01");
    Huddle__TrustAgreement a = agreement("A-revoked", "RXH", "VN123", both, 2, "2027-01-01", "");
    assert_int_equal(add_offline(f, &a, T0, &r), 0);
    assert_int_equal(revoke_offline(f, "A-revoked", "replaced", T0, &r), 0);
    expect_missing(f, "RXH", "VN123", SVC(NURSING), now, "agreement A-revoked was revoked");
    a = agreement("B-ended", "RXH", "VN123", both, 2, "2026-01-01", "2026-12-31");
    assert_int_equal(add_offline(f, &a, T0, &r), 0);
    expect_missing(f, "RXH", "VN123", SVC(NURSING), now, "agreement B-ended ended on 2026-12-31");
    a = agreement("C-later", "RXH", "VN123", nursing, 1, "2027-09-01", "");
    assert_int_equal(add_offline(f, &a, T0, &r), 0);
    expect_missing(f, "RXH", "VN123", SVC(NURSING), now, "agreement C-later is not in force until 2027-09-01");
    a = agreement("D-residential", "RXH", "VN123", residential, 1, "2027-01-01", "");
    assert_int_equal(add_offline(f, &a, T0, &r), 0);
    expect_missing(f, "RXH", "VN123", SVC(NURSING), now, "agreement D-residential does not cover nursing home");
    expect_found(f, SVC(RESIDENTIAL), now, "D-residential");
    /* one agreement that covers it is enough, whatever the others say */
    a = agreement("E-nursing", "RXH", "VN123", nursing, 1, "2027-05-01", "2027-06-01");
    assert_int_equal(add_offline(f, &a, T0, &r), 0);
    expect_found(f, SVC(NURSING), now, "E-nursing");
}

static void test_offline_record_and_revoke_append_events(void **state)
{
    fx_t *f = *state;
    reject_t r;
    Huddle__ServiceType home[] = {SVC(HOME_CARE), SVC(REABLEMENT)};
    Huddle__TrustAgreement a = agreement("TA-HC", "RXH", "HC456", home, 2, "2027-01-01", "");
    assert_int_equal(add_offline(f, &a, T0, &r), 0);
    store_txn_t *txn;
    Huddle__TrustAgreementRecord *rec;
    assert_int_equal(store_read_begin(f->store, &txn), STORE_OK);
    assert_int_equal(agreement_get(txn, "TA-HC", &rec), STORE_OK);
    store_val_t v;
    assert_int_equal(store_get(txn, STORE_AGREEMENT_PAIRS, "RXH\0HC456\0TA-HC", 15, &v), STORE_OK);
    store_txn_end(&txn);
    assert_false(rec->agreement->revoked);
    assert_int_equal(rec->agreement->n_service_types, 2);
    assert_int_equal(rec->recorded_at_ms, T0);
    assert_string_equal(rec->recorded_by, "");
    uint64_t seq = rec->record_seq;
    assert_true(seq > 0);
    huddle__trust_agreement_record__free_unpacked(rec, NULL);
    Huddle__Event *ev = event_at(f, seq);
    assert_int_equal(ev->kind, KIND(TRUST_AGREEMENT_RECORDED));
    assert_true(ev->derived);
    assert_string_equal(ev->scope->assessor_ods, "RXH");
    assert_string_equal(ev->scope->provider_ods, "HC456");
    assert_true(!ev->subject || !ev->subject->nhs_number[0]);
    assert_string_equal(ev->trust_agreement->agreement_id, "TA-HC");
    huddle__event__free_unpacked(ev, NULL);

    assert_int_equal(revoke_offline(f, "TA-HC", "provider closed", T0 + HOUR_MS, &r), 0);
    assert_int_equal(store_read_begin(f->store, &txn), STORE_OK);
    assert_int_equal(agreement_get(txn, "TA-HC", &rec), STORE_OK);
    store_txn_end(&txn);
    assert_true(rec->agreement->revoked);
    assert_int_equal(rec->revoked_at_ms, T0 + HOUR_MS);
    assert_string_equal(rec->revoke_reason, "provider closed");
    assert_int_equal(rec->revoke_seq, seq + 1);
    huddle__trust_agreement_record__free_unpacked(rec, NULL);
    ev = event_at(f, seq + 1);
    assert_int_equal(ev->kind, KIND(TRUST_AGREEMENT_REVOKED));
    assert_string_equal(ev->scope->provider_ods, "HC456");
    assert_string_equal(ev->trust_agreement_revoke->reason, "provider closed");
    huddle__event__free_unpacked(ev, NULL);

    /* neither again: the id stays taken, and a revoked agreement stays revoked */
    assert_int_equal(add_offline(f, &a, T0, &r), -1);
    assert_int_equal(r.code, CODE(CONFLICT));
    assert_string_equal(r.conflicting_id, "TA-HC");
    assert_int_equal(revoke_offline(f, "TA-HC", "again", T0, &r), -1);
    assert_int_equal(r.code, CODE(CONFLICT));
    assert_string_equal(r.current_state, "REVOKED");
    /* a value the schema does not know, in a request that came through no decoder */
    Huddle__ServiceType odd[] = {(Huddle__ServiceType)9};
    a = agreement("TA-ODD", "RXH", "HC456", odd, 1, "2027-01-01", "");
    assert_int_equal(add_offline(f, &a, T0, &r), -1);
    assert_int_equal(r.code, CODE(INVALID));
    assert_string_equal(r.field, "admin.agreement_add.agreement.service_types[0]");
}

/* ---- over Admin frames ---- */

typedef struct {
    const char *field;
    void (*spoil)(Huddle__TrustAgreement *a);
} spoil_t;

static char long_id[34];
static Huddle__ServiceType five[] = {SVC(RESIDENTIAL), SVC(NURSING), SVC(HOME_CARE), SVC(REABLEMENT), SVC(NURSING)};
static Huddle__ServiceType twice[] = {SVC(NURSING), SVC(NURSING)};
static Huddle__ServiceType unset[] = {SVC(UNSPECIFIED)};

static void no_id(Huddle__TrustAgreement *a) { a->agreement_id = S(""); }
static void bad_id(Huddle__TrustAgreement *a) { a->agreement_id = S("TA 1"); }
static void longer_id(Huddle__TrustAgreement *a)
{
    memset(long_id, 'A', 33);
    long_id[33] = 0;
    a->agreement_id = long_id;
}
static void no_assessor(Huddle__TrustAgreement *a) { a->assessor_ods = S(""); }
static void lower_assessor(Huddle__TrustAgreement *a) { a->assessor_ods = S("rxh"); }
static void short_provider(Huddle__TrustAgreement *a) { a->provider_ods = S("VN"); }
static void no_services(Huddle__TrustAgreement *a) { a->n_service_types = 0; }
static void many_services(Huddle__TrustAgreement *a) { a->n_service_types = 5; a->service_types = five; }
static void repeated_service(Huddle__TrustAgreement *a) { a->n_service_types = 2; a->service_types = twice; }
static void unset_service(Huddle__TrustAgreement *a) { a->n_service_types = 1; a->service_types = unset; }
static void no_from(Huddle__TrustAgreement *a) { a->valid_from_date = S(""); }
static void bad_from(Huddle__TrustAgreement *a) { a->valid_from_date = S("2027-02-30"); }
static void short_from(Huddle__TrustAgreement *a) { a->valid_from_date = S("27-01-01"); }
static void bad_to(Huddle__TrustAgreement *a) { a->valid_to_date = S("2027-13-01"); }
static void early_to(Huddle__TrustAgreement *a) { a->valid_to_date = S("2026-12-31"); }
static void revoked(Huddle__TrustAgreement *a) { a->revoked = 1; }

static void test_admin_fields_named(void **state)
{
    fx_t *f = *state;
    hello(f, "adm", "ops");
#define F(name) "admin.agreement_add.agreement." name
    static const spoil_t cases[] = {
        {F("agreement_id"), no_id},       {F("agreement_id"), bad_id},        {F("agreement_id"), longer_id},
        {F("assessor_ods"), no_assessor}, {F("assessor_ods"), lower_assessor}, {F("provider_ods"), short_provider},
        {F("service_types"), no_services}, {F("service_types"), many_services},
        {F("service_types"), repeated_service}, {F("service_types"), unset_service},
        {F("valid_from_date"), no_from},  {F("valid_from_date"), bad_from},   {F("valid_from_date"), short_from},
        {F("valid_to_date"), bad_to},     {F("valid_to_date"), early_to},     {F("revoked"), revoked},
    };
    Huddle__ServiceType nursing[] = {SVC(NURSING)};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        Huddle__TrustAgreement a = agreement("TA-1", "RXH", "VN123", nursing, 1, "2027-01-01", "2027-12-31");
        cases[i].spoil(&a);
        Huddle__Frame *r = admin_add(f, "adm", &a);
        refused(r, CODE(INVALID), cases[i].field);
        codec_frame_free(&r);
    }
#undef F
    Huddle__Frame *r = admin_add(f, "adm", NULL);
    refused(r, CODE(INVALID), "admin.agreement_add.agreement");
    codec_frame_free(&r);
    /* nothing of it was kept: the good one is recorded once, then refused */
    Huddle__TrustAgreement a = agreement("TA-1", "RXH", "VN123", nursing, 1, "2027-01-01", "2027-01-01");
    r = admin_add(f, "adm", &a);
    admin_ok(r);
    codec_frame_free(&r);
    r = admin_add(f, "adm", &a);
    refused(r, CODE(CONFLICT), "admin.agreement_add.agreement.agreement_id");
    assert_string_equal(r->rejected->conflicting_id, "TA-1");
    codec_frame_free(&r);
    assert_int_equal(count_kind(f, KIND(TRUST_AGREEMENT_RECORDED), NULL), 1);

    r = admin_revoke(f, "adm", "", "why");
    refused(r, CODE(INVALID), "admin.agreement_revoke.agreement_id");
    codec_frame_free(&r);
    r = admin_revoke(f, "adm", "TA-1", "");
    refused(r, CODE(INVALID), "admin.agreement_revoke.reason");
    codec_frame_free(&r);
    char reason[1002];
    memset(reason, 'x', 1001);
    reason[1001] = '\0';
    r = admin_revoke(f, "adm", "TA-1", reason);
    refused(r, CODE(INVALID), "admin.agreement_revoke.reason");
    codec_frame_free(&r);
    r = admin_revoke(f, "adm", "TA-9", "no such");
    refused(r, CODE(NOT_FOUND), "admin.agreement_revoke.agreement_id");
    codec_frame_free(&r);
    reason[1000] = '\0';
    r = admin_revoke(f, "adm", "TA-1", reason); /* 1000 bytes: fine */
    admin_ok(r);
    codec_frame_free(&r);
    r = admin_revoke(f, "adm", "TA-1", "twice");
    refused(r, CODE(CONFLICT), "admin.agreement_revoke.agreement_id");
    assert_string_equal(r->rejected->conflicting_id, "TA-1");
    codec_frame_free(&r);
    assert_int_equal(count_kind(f, KIND(TRUST_AGREEMENT_REVOKED), NULL), 1);

    /* only an ADMIN */
    hello(f, "ta", "ta-rxh");
    a.agreement_id = S("TA-2");
    r = admin_add(f, "ta", &a);
    refused(r, CODE(FORBIDDEN), "admin");
    codec_frame_free(&r);
}

/* The ids in an admin answer's agreements, joined by spaces. */
static void ids_of(const Huddle__Frame *r, char *out, size_t len)
{
    out[0] = '\0';
    for (size_t i = 0; i < r->answer->admin->n_agreements; i++)
        snprintf(out + strlen(out), len - strlen(out), "%s%s", i ? " " : "",
                 r->answer->admin->agreements[i]->agreement->agreement_id);
}

static Huddle__Frame *admin_list(fx_t *f, const char *assessor, const char *provider, bool all)
{
    Huddle__Admin cmd = HUDDLE__ADMIN__INIT;
    Huddle__AgreementList l = HUDDLE__AGREEMENT_LIST__INIT;
    l.assessor_ods = (char *)assessor;
    l.provider_ods = (char *)provider;
    l.include_revoked = all;
    cmd.command_case = HUDDLE__ADMIN__COMMAND_AGREEMENT_LIST;
    cmd.agreement_list = &l;
    Huddle__Frame *r = admin(f, "adm", &cmd);
    admin_ok(r);
    return r;
}

static void expect_list(fx_t *f, const char *assessor, const char *provider, bool all, const char *want)
{
    char ids[256];
    Huddle__Frame *r = admin_list(f, assessor, provider, all);
    ids_of(r, ids, sizeof ids);
    if (strcmp(ids, want) != 0)
        fail_msg("list %s/%s%s: expected \"%s\", got \"%s\"", assessor, provider, all ? " --all" : "", want, ids);
    codec_frame_free(&r);
}

/* The next delivery to rid is this kind of agreement event, as the admin caused it. */
static void expect_agreement_event(fx_t *f, const char *rid, Huddle__EventKind kind, const char *provider)
{
    Huddle__Frame *d = next_delivery(f, rid);
    if (!d)
        fail_msg("nothing delivered to %s", rid);
    const Huddle__Event *ev = d->deliver->event;
    assert_int_equal(ev->kind, kind);
    assert_true(ev->derived);
    assert_string_equal(ev->sender, "ops");
    assert_string_equal(ev->scope->assessor_ods, "RXH");
    assert_string_equal(ev->scope->provider_ods, provider);
    assert_true(!ev->subject || !ev->subject->nhs_number[0]);
    codec_frame_free(&d);
}

static void test_admin_record_revoke_list_audited_and_delivered(void **state)
{
    fx_t *f = *state;
    hello(f, "adm", "ops");
    hello(f, "ops", "ops"); /* the admin's listener: deliveries kept apart from answers */
    hello(f, "ta", "ta-rxh");
    hello(f, "ta2", "ta-ryj");
    hello(f, "vn", "cp-vn");
    hello(f, "hc", "cp-hc");
    hello(f, "aud", "auditor");
    fx_clock(f, "adm", T0, 0);
    const Huddle__EventKind kinds[] = {KIND(TRUST_AGREEMENT_RECORDED), KIND(TRUST_AGREEMENT_REVOKED)};
    const char *rids[] = {"ops", "ta", "ta2", "vn", "hc"};
    for (size_t i = 0; i < 5; i++)
        subscribe_kinds(f, rids[i], "agreements", kinds, 2);

    Huddle__ServiceType both[] = {SVC(RESIDENTIAL), SVC(NURSING)};
    Huddle__TrustAgreement a = agreement("TA-VN", "RXH", "VN123", both, 2, "2027-01-01", "");
    Huddle__Frame *r = admin_add(f, "adm", &a);
    admin_ok(r);
    assert_int_equal(r->answer->admin->n_agreements, 1);
    const Huddle__TrustAgreementRecord *rec = r->answer->admin->agreements[0];
    assert_string_equal(rec->agreement->agreement_id, "TA-VN");
    assert_string_equal(rec->recorded_by, "ops");
    assert_int_equal(rec->recorded_at_ms, T0);
    uint64_t recorded_seq = rec->record_seq;
    codec_frame_free(&r);
    expect_agreement_event(f, "ops", KIND(TRUST_AGREEMENT_RECORDED), "VN123");
    expect_agreement_event(f, "ta", KIND(TRUST_AGREEMENT_RECORDED), "VN123");
    expect_agreement_event(f, "vn", KIND(TRUST_AGREEMENT_RECORDED), "VN123");
    assert_null(take(f, "ta2")); /* another assessor organisation */
    assert_null(take(f, "hc"));  /* another provider */
    Huddle__Event *ev = event_at(f, recorded_seq);
    assert_int_equal(ev->kind, KIND(TRUST_AGREEMENT_RECORDED));
    assert_int_equal(ev->cause_seq, 0);
    huddle__event__free_unpacked(ev, NULL);

    Huddle__ServiceType home[] = {SVC(HOME_CARE)};
    a = agreement("TA-HC-2026", "RXH", "HC456", home, 1, "2026-01-01", "2026-12-31"); /* ended */
    r = admin_add(f, "adm", &a);
    admin_ok(r);
    codec_frame_free(&r);
    a = agreement("TA-HC-2027", "RXH", "HC456", home, 1, "2027-06-01", ""); /* from June */
    r = admin_add(f, "adm", &a);
    admin_ok(r);
    codec_frame_free(&r);
    expect_list(f, "", "", false, "TA-HC-2027 TA-VN");
    expect_list(f, "", "", true, "TA-HC-2026 TA-HC-2027 TA-VN");
    expect_list(f, "", "HC456", true, "TA-HC-2026 TA-HC-2027");
    expect_list(f, "RXH", "VN123", false, "TA-VN");
    expect_list(f, "RYJ", "", true, "");

    r = admin_revoke(f, "adm", "TA-VN", "Provider asked to end it");
    admin_ok(r);
    rec = r->answer->admin->agreements[0];
    assert_true(rec->agreement->revoked);
    assert_string_equal(rec->revoked_by, "ops");
    assert_string_equal(rec->revoke_reason, "Provider asked to end it");
    assert_int_equal(rec->revoked_at_ms, T0);
    assert_true(rec->revoke_seq > recorded_seq);
    codec_frame_free(&r);
    expect_list(f, "", "", false, "TA-HC-2027");
    expect_list(f, "", "VN123", true, "TA-VN");
    for (int i = 0; i < 2; i++)
        expect_agreement_event(f, "ops", KIND(TRUST_AGREEMENT_RECORDED), "HC456");
    expect_agreement_event(f, "ops", KIND(TRUST_AGREEMENT_REVOKED), "VN123");
    expect_agreement_event(f, "ta", KIND(TRUST_AGREEMENT_RECORDED), "HC456");
    expect_agreement_event(f, "ta", KIND(TRUST_AGREEMENT_RECORDED), "HC456");
    expect_agreement_event(f, "ta", KIND(TRUST_AGREEMENT_REVOKED), "VN123");
    expect_agreement_event(f, "vn", KIND(TRUST_AGREEMENT_REVOKED), "VN123");
    expect_agreement_event(f, "hc", KIND(TRUST_AGREEMENT_RECORDED), "HC456");
    expect_agreement_event(f, "hc", KIND(TRUST_AGREEMENT_RECORDED), "HC456");
    assert_null(take(f, "hc"));
    assert_null(take(f, "ta2"));

    /* every command is in the trail, none names a patient */
    assert_int_equal(audited(f, HUDDLE__AUDIT_PURPOSE__AUDIT_PURPOSE_ADMIN, NULL, "agreement_add TA-VN"), 1);
    assert_int_equal(audited(f, HUDDLE__AUDIT_PURPOSE__AUDIT_PURPOSE_ADMIN, NULL, "agreement_add TA-HC"), 2);
    assert_int_equal(audited(f, HUDDLE__AUDIT_PURPOSE__AUDIT_PURPOSE_ADMIN, NULL, "agreement_revoke TA-VN"), 1);
    assert_int_equal(audited(f, HUDDLE__AUDIT_PURPOSE__AUDIT_PURPOSE_ADMIN, NULL, "agreement_list"), 7);

    /* kept across a restart: the revoked one is still revoked */
    stop(f);
    start(f);
    hello(f, "adm", "ops");
    expect_list(f, "", "", true, "TA-HC-2026 TA-HC-2027 TA-VN");
    r = admin_revoke(f, "adm", "TA-VN", "again");
    refused(r, CODE(CONFLICT), "admin.agreement_revoke.agreement_id");
    codec_frame_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_find_current_names_what_is_missing, setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_find_current_prefers_the_clearest, setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_offline_record_and_revoke_append_events, setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_admin_fields_named, setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_admin_record_revoke_list_audited_and_delivered, setup, fx_teardown),
    };
    return cmocka_run_group_tests_name("agreement", tests, NULL, NULL);
}
