/*
 * test_referral_query — the referral workflow's queries (broker/referral_query.c):
 * the waiting list in effective-priority order, paged, held to each asker's scope (a
 * practice its own referrals, a team its neighbourhoods); a referral's history, paged
 * and held to the asker's view of each event; and the audit record of every answer,
 * one per patient disclosed.
 */
#include "tu_referral.h"

#define QK(name) HUDDLE__QUERY_KIND__QUERY_KIND_##name

/* Sends a query as rid and commits: the reply is then queued for rid. */
static void ask(fx_t *f, const char *rid, Huddle__QueryKind kind, const char *nbh, const char *ref, uint32_t limit,
                uint64_t after)
{
    Huddle__Frame fr = HUDDLE__FRAME__INIT;
    Huddle__Query q = HUDDLE__QUERY__INIT;
    fr.body_case = HUDDLE__FRAME__BODY_QUERY;
    fr.query = &q;
    q.kind = kind;
    q.neighbourhood_id = (char *)nbh;
    q.referral_id = (char *)ref;
    q.limit = limit;
    q.after = after;
    q.purpose = S("MDT preparation");
    send_frame(f, rid, &fr);
    broker_commit(f->b);
}

static Huddle__Frame *answer(fx_t *f, const char *rid, Huddle__QueryKind kind, const char *nbh, const char *ref,
                             uint32_t limit, uint64_t after)
{
    ask(f, rid, kind, nbh, ref, limit, after);
    Huddle__Frame *fr = expect(f, rid, HUDDLE__FRAME__BODY_ANSWER);
    assert_int_equal(fr->answer->kind, kind);
    return fr;
}

static void refused(fx_t *f, const char *rid, Huddle__QueryKind kind, const char *nbh, const char *ref,
                    Huddle__RejectCode code, const char *field)
{
    ask(f, rid, kind, nbh, ref, 0, 0);
    expect_rejected(f, rid, code, field);
}

/* The ids on one page of a waiting list, in order, joined by spaces. */
static void page_ids(const Huddle__WaitingList *wl, char *out, size_t len)
{
    size_t used = 0;
    out[0] = '\0';
    for (size_t i = 0; i < wl->n_entries && used < len; i++)
        used += (size_t)snprintf(out + used, len - used, "%s%s", i ? " " : "", wl->entries[i]->referral_id);
}

/* The referrals of the waiting-list tests, by letter (see fill). */
enum { A, A2, B, C, D, E, F, G, H, N_REFS };
typedef struct {
    char id[N_REFS][WF_ID_MAX];
    char nhs[N_REFS][NHS_NUMBER_BUF];
} refs_t;

/* North, A81001: A and A2 (38, at T0), B (urgent, 53), C (38, a day later), D (38,
 * deferred on day 8: 48), E (41, scheduled on day 1), H (withdrawn); F of A81002 (6);
 * G of B82001 in the south. The clock ends on day 15. */
static void fill(fx_t *f, refs_t *r)
{
    const Huddle__MdtDecision none = HUDDLE__MDT_DECISION__MDT_DECISION_UNSPECIFIED;
    hello(f, "gp1", "gp-a81001");
    hello(f, "gp2", "gp-a81002");
    hello(f, "gps", "gp-b82001");
    hello(f, "cn", "coord-north");
    hello(f, "cs", "coord-south");
    fx_clock(f, "cn", T0, 0);
    static const unsigned order[] = {A, B, D, E, F, G, H, A2};
    for (size_t i = 0; i < sizeof order / sizeof order[0]; i++) {
        unsigned k = order[i];
        char m[16];
        Huddle__ReferralSubmit s = good(nhs(k + 1, r->nhs[k]));
        const char *rid = "gp1";
        if (k == B)
            s.urgent = 1;
        if (k == E)
            s.long_term_conditions = 7;
        if (k == F) {
            s.practice_ods = S("A81002"), rid = "gp2";
            s.age_years = 40, s.long_term_conditions = 2, s.frailty_case = HUDDLE__REFERRAL_SUBMIT__FRAILTY__NOT_SET;
        }
        if (k == G)
            s.practice_ods = S("B82001"), rid = "gps";
        snprintf(m, sizeof m, "s%u", k);
        submit_as(f, rid, m, &s, r->id[k]);
    }
    accepted(f, "cn", publish_triage(f, "cn", "t-d", r->id[D], ACCEPT, "", ""));
    accepted(f, "cn", publish_triage(f, "cn", "t-e", r->id[E], ACCEPT, "", ""));
    accepted(f, "gp1", publish_end(f, "gp1", "w-h", r->id[H], "moved away", false));
    fx_clock(f, "cn", T0 + DAY_MS, 0);
    Huddle__ReferralSubmit s = good(nhs(C + 1, r->nhs[C]));
    submit_ok(f, "sC", &s, r->id[C]);
    move_as_mdt(f, r->id[E], RS(SCHEDULED), none, false);
    fx_clock(f, "cn", T0 + 8 * DAY_MS, 0);
    move_as_mdt(f, r->id[D], RS(SCHEDULED), none, false);
    move_as_mdt(f, r->id[D], RS(DEFERRED), HUDDLE__MDT_DECISION__MDT_DECISION_DEFER, false);
    fx_clock(f, "cn", T0 + 15 * DAY_MS, 0);
}

static void test_waiting_list_order_and_paging(void **state)
{
    fx_t *f = *state;
    refs_t r;
    fill(f, &r);
    char want[256], got[256];
    /* three pages of three */
    const unsigned expect_order[] = {B, D, E, A, A2, C, F};
    uint64_t after = 0;
    for (int page = 0; page < 3; page++) {
        Huddle__Frame *fr = answer(f, "cn", QK(WAITING_LIST), "nb-north", "", 3, after);
        const Huddle__WaitingList *wl = fr->answer->waiting_list;
        assert_string_equal(wl->neighbourhood_id, "nb-north");
        size_t used = 0;
        want[0] = '\0';
        for (size_t i = page * 3; i < 7 && i < (size_t)page * 3 + 3; i++)
            used += (size_t)snprintf(want + used, sizeof want - used, "%s%s", used ? " " : "", r.id[expect_order[i]]);
        page_ids(wl, got, sizeof got);
        assert_string_equal(got, want);
        assert_int_equal(fr->answer->truncated, page < 2);
        assert_int_equal(fr->answer->next_after, page < 2 ? (uint64_t)(page + 1) * 3 : 0);
        after = fr->answer->next_after;
        if (page == 0) {
            const Huddle__WaitingEntry *b = wl->entries[0], *d = wl->entries[1], *e = wl->entries[2];
            assert_string_equal(b->nhs_number, r.nhs[B]);
            assert_string_equal(b->practice_ods, "A81001");
            assert_int_equal(b->score, 53);
            assert_int_equal(b->effective_priority, 57);
            assert_int_equal(b->days_waiting, 15);
            assert_int_equal(b->status, RS(SUBMITTED));
            assert_int_equal(b->tier, HUDDLE__TIER__TIER_AMBER);
            assert_int_equal(b->n_cohorts, 2);
            assert_string_equal(b->session_id, "");
            assert_int_equal(d->status, RS(DEFERRED));
            assert_int_equal(d->times_deferred, 1);
            assert_int_equal(d->days_waiting, 7);
            assert_int_equal(d->effective_priority, 50);
            assert_int_equal(e->status, RS(SCHEDULED));
            assert_string_equal(e->session_id, "S1");
            assert_int_equal(e->effective_priority, 45);
        }
        codec_frame_free(&fr);
    }
    /* past the end: an empty page */
    Huddle__Frame *fr = answer(f, "cn", QK(WAITING_LIST), "nb-north", "", 3, 50);
    assert_int_equal(fr->answer->waiting_list->n_entries, 0);
    assert_false(fr->answer->truncated);
    codec_frame_free(&fr);
    /* the default page holds them all; the south has its own */
    fr = answer(f, "cn", QK(WAITING_LIST), "nb-north", "", 0, 0);
    assert_int_equal(fr->answer->waiting_list->n_entries, 7);
    codec_frame_free(&fr);
    fr = answer(f, "cs", QK(WAITING_LIST), "nb-south", "", 0, 0);
    page_ids(fr->answer->waiting_list, got, sizeof got);
    assert_string_equal(got, r.id[G]);
    codec_frame_free(&fr);
}

static void test_waiting_list_scope(void **state)
{
    fx_t *f = *state;
    refs_t r;
    fill(f, &r);
    hello(f, "mdt", "mdt-north");
    hello(f, "sc", "sc-north");
    hello(f, "aud", "auditor");
    char got[256], want[256];
    /* a practice: its own referrals only, with or without naming its neighbourhood */
    for (int named = 0; named < 2; named++) {
        Huddle__Frame *fr = answer(f, "gp1", QK(WAITING_LIST), named ? "nb-north" : "", "", 0, 0);
        const Huddle__WaitingList *wl = fr->answer->waiting_list;
        assert_string_equal(wl->neighbourhood_id, "");
        page_ids(wl, got, sizeof got);
        snprintf(want, sizeof want, "%s %s %s %s %s %s", r.id[B], r.id[D], r.id[E], r.id[A], r.id[A2], r.id[C]);
        assert_string_equal(got, want);
        codec_frame_free(&fr);
    }
    Huddle__Frame *fr = answer(f, "gp2", QK(WAITING_LIST), "", "", 0, 0);
    page_ids(fr->answer->waiting_list, got, sizeof got);
    assert_string_equal(got, r.id[F]);
    codec_frame_free(&fr);
    refused(f, "gp1", QK(WAITING_LIST), "nb-south", "", CODE(FORBIDDEN), "query.neighbourhood_id");
    /* a team: the neighbourhoods it serves, named */
    fr = answer(f, "mdt", QK(WAITING_LIST), "nb-north", "", 0, 0);
    assert_int_equal(fr->answer->waiting_list->n_entries, 7);
    codec_frame_free(&fr);
    refused(f, "cs", QK(WAITING_LIST), "nb-north", "", CODE(FORBIDDEN), "query.neighbourhood_id");
    refused(f, "mdt", QK(WAITING_LIST), "nb-south", "", CODE(FORBIDDEN), "query.neighbourhood_id");
    refused(f, "cn", QK(WAITING_LIST), "", "", CODE(INVALID), "query.neighbourhood_id");
    refused(f, "cn", QK(WAITING_LIST), "not an id!", "", CODE(INVALID), "query.neighbourhood_id");
    /* roles that never read a waiting list */
    refused(f, "sc", QK(WAITING_LIST), "nb-north", "", CODE(FORBIDDEN), "query.kind");
    refused(f, "aud", QK(WAITING_LIST), "nb-north", "", CODE(FORBIDDEN), "query.kind");
}

static void test_referral_history(void **state)
{
    fx_t *f = *state;
    hello(f, "gp1", "gp-a81001");
    hello(f, "gp2", "gp-a81002");
    hello(f, "cn", "coord-north");
    hello(f, "cs", "coord-south");
    hello(f, "mdt", "mdt-north");
    hello(f, "sc", "sc-north");
    char p[NHS_NUMBER_BUF], x[WF_ID_MAX], y[WF_ID_MAX];
    Huddle__ReferralSubmit s = good(nhs(1, p));
    submit_ok(f, "m1", &s, x);
    accepted(f, "cn", publish_triage(f, "cn", "t1", x, ACCEPT, "", ""));
    move_as_mdt(f, x, RS(SCHEDULED), HUDDLE__MDT_DECISION__MDT_DECISION_UNSPECIFIED, false);
    accepted(f, "gp1", publish_end(f, "gp1", "w1", x, "Admitted to a hospice", false));
    submit_ok(f, "m2", &s, y); /* the same patient again: another referral */

    static const Huddle__EventKind gp_sees[] = {
        KIND(REFERRAL_SUBMITTED),  KIND(REFERRAL_STATUS_CHANGED), KIND(NOTIFICATION),
        KIND(REFERRAL_TRIAGED),    KIND(REFERRAL_STATUS_CHANGED), KIND(NOTIFICATION),
        KIND(REFERRAL_STATUS_CHANGED), KIND(NOTIFICATION),
        KIND(REFERRAL_WITHDRAWN),  KIND(REFERRAL_STATUS_CHANGED), KIND(NOTIFICATION),
    };
    size_t seen = 0;
    uint64_t after = 0, last = 0;
    for (int page = 0; page < 3; page++) {
        Huddle__Frame *fr = answer(f, "gp1", QK(REFERRAL_HISTORY), "", x, 4, after);
        const Huddle__ReferralHistory *h = fr->answer->referral_history;
        assert_string_equal(h->referral->referral_id, x);
        assert_int_equal(h->referral->status, RS(WITHDRAWN));
        assert_int_equal(h->n_events, page < 2 ? 4 : 3);
        for (size_t i = 0; i < h->n_events; i++, seen++) {
            assert_int_equal(h->events[i]->kind, gp_sees[seen]);
            assert_string_equal(h->events[i]->subject->referral_id, x);
            assert_true(h->events[i]->seq > last); /* in seq order */
            last = h->events[i]->seq;
        }
        assert_int_equal(fr->answer->truncated, page < 2);
        assert_int_equal(fr->answer->next_after, page < 2 ? last : 0);
        after = fr->answer->next_after;
        codec_frame_free(&fr);
    }
    assert_int_equal(seen, 11);
    /* the team and the council area see the referral's events, not the practice's
     * notifications */
    for (int i = 0; i < 2; i++) {
        Huddle__Frame *fr = answer(f, i ? "sc" : "cn", QK(REFERRAL_HISTORY), "", x, 0, 0);
        const Huddle__ReferralHistory *h = fr->answer->referral_history;
        assert_int_equal(h->n_events, 7);
        for (size_t k = 0; k < h->n_events; k++)
            assert_int_not_equal(h->events[k]->kind, KIND(NOTIFICATION));
        codec_frame_free(&fr);
    }
    /* the new referral's history is its own */
    Huddle__Frame *fr = answer(f, "gp1", QK(REFERRAL_HISTORY), "", y, 0, 0);
    assert_int_equal(fr->answer->referral_history->n_events, 3);
    assert_int_equal(fr->answer->referral_history->events[0]->kind, KIND(REFERRAL_SUBMITTED));
    codec_frame_free(&fr);
    /* nobody else */
    refused(f, "gp2", QK(REFERRAL_HISTORY), "", x, CODE(FORBIDDEN), "query.referral_id");
    refused(f, "cs", QK(REFERRAL_HISTORY), "", x, CODE(FORBIDDEN), "query.referral_id");
    refused(f, "mdt", QK(REFERRAL_HISTORY), "", x, CODE(FORBIDDEN), "query.referral_id");
    refused(f, "gp1", QK(REFERRAL_HISTORY), "", "R999", CODE(NOT_FOUND), "query.referral_id");
    refused(f, "gp1", QK(REFERRAL_HISTORY), "", "", CODE(INVALID), "query.referral_id");
}

/* The audit trail of one patient (or of one agent when nhs is NULL), as the auditor reads it. */
static Huddle__Frame *trail(fx_t *f, const char *nhs_number, const char *agent)
{
    Huddle__Query q = HUDDLE__QUERY__INIT;
    q.kind = QK(AUDIT_TRAIL);
    q.nhs_number = (char *)(nhs_number ? nhs_number : "");
    q.agent_id = (char *)(agent ? agent : "");
    q.purpose = S("information governance review");
    Huddle__Frame fq = HUDDLE__FRAME__INIT;
    fq.body_case = HUDDLE__FRAME__BODY_QUERY;
    fq.query = &q;
    send_frame(f, "aud", &fq);
    broker_commit(f->b);
    return expect(f, "aud", HUDDLE__FRAME__BODY_ANSWER);
}

/* Records of this kind and purpose by agent in a trail. */
static unsigned records(const Huddle__AuditTrail *t, const char *agent, Huddle__QueryKind kind,
                        Huddle__AuditPurpose purpose)
{
    unsigned n = 0;
    for (size_t i = 0; i < t->n_records; i++)
        n += !strcmp(t->records[i]->agent_id, agent) && t->records[i]->query_kind == kind &&
             t->records[i]->purpose == purpose;
    return n;
}

static void test_queries_audited_per_patient(void **state)
{
    fx_t *f = *state;
    refs_t r;
    fill(f, &r);
    hello(f, "aud", "auditor");
    Huddle__Frame *fr = answer(f, "gp2", QK(WAITING_LIST), "", "", 0, 0);
    codec_frame_free(&fr);
    fr = answer(f, "cn", QK(WAITING_LIST), "nb-north", "", 3, 0); /* B, D, E */
    codec_frame_free(&fr);
    fr = answer(f, "gp1", QK(REFERRAL_HISTORY), "", r.id[A], 0, 0);
    codec_frame_free(&fr);
    refused(f, "gp2", QK(REFERRAL_HISTORY), "", r.id[A], CODE(FORBIDDEN), "query.referral_id");

    const Huddle__AuditPurpose QUERY = HUDDLE__AUDIT_PURPOSE__AUDIT_PURPOSE_QUERY;
    for (unsigned k = 0; k < N_REFS; k++) {
        if (k == H)
            continue;
        Huddle__Frame *t = trail(f, r.nhs[k], NULL);
        const Huddle__AuditTrail *at = t->answer->audit_trail;
        bool on_page = k == B || k == D || k == E;
        assert_int_equal(records(at, "coord-north", QK(WAITING_LIST), QUERY), on_page);
        assert_int_equal(records(at, "gp-a81002", QK(WAITING_LIST), QUERY), k == F);
        assert_int_equal(records(at, "gp-a81001", QK(REFERRAL_HISTORY), QUERY), k == A);
        for (size_t i = 0; i < at->n_records; i++)
            if (at->records[i]->purpose == QUERY)
                assert_string_equal(at->records[i]->purpose_text, "MDT preparation");
        codec_frame_free(&t);
    }
    /* the refusal is on the trail too, naming no patient */
    Huddle__Frame *t = trail(f, NULL, "gp-a81002");
    assert_int_equal(records(t->answer->audit_trail, "gp-a81002", QK(REFERRAL_HISTORY),
                             HUDDLE__AUDIT_PURPOSE__AUDIT_PURPOSE_DENIED), 1);
    codec_frame_free(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_waiting_list_order_and_paging, setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_waiting_list_scope, setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_referral_history, setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_queries_audited_per_patient, setup, fx_teardown),
    };
    return cmocka_run_group_tests_name("referral_query", tests, NULL, NULL);
}
