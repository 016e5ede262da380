/*
 * test_assessment_query — the trusted-assessment queries (broker/assessment_query.c)
 * through the broker's core in process: ASSESSMENTS as a care provider (its own only),
 * a trusted assessor (its organisation's) and a discharge hub (its hospital's, by
 * episode or provider) each read them, newest first and in pages, each patient audited
 * once per answer; DECLINE_COUNTS per assessor organisation, most incomplete-assessment
 * declines first, with no patient and no purpose needed.
 */
#include "tu_assessment.h"

#include "assessment_internal.h"

typedef struct {
    char p1[NHS_NUMBER_BUF], p2[NHS_NUMBER_BUF], p3[NHS_NUMBER_BUF];
    char a1[WF_ID_MAX], a2[WF_ID_MAX], a3[WF_ID_MAX], a4[WF_ID_MAX];
} world_t;

/* Two hospitals' assessments, an hour apart: A1 (RXH:E1 for VN123, declined as
 * incomplete), A2 (RXH:E2 for HC456, home care), A3 (RYJ:E3 for VN123 by RYJ's
 * assessor, declined for capacity) and A4 (RXH:E1 again, for VN123). */
static void world(fx_t *f, world_t *w)
{
    hello(f, "ops", "ops");
    hello(f, "ta", "ta-rxh");
    hello(f, "taj", "ta-ryj");
    hello(f, "vn", "cp-vn");
    hello(f, "hc", "cp-hc");
    hello(f, "hub", "hub-rxh");
    hello(f, "hubj", "hub-ryj");
    hello(f, "gp", "gp-a81001");
    hello(f, "aud", "auditor");
    fx_clock(f, "ops", T0, 0);
    standard_agreements(f);
    Huddle__ServiceType nursing[] = {SVC(NURSING)};
    Huddle__TrustAgreement ag = agreement("TA-RYJ", "RYJ", "VN123", nursing, 1, "2026-06-01", "");
    Huddle__Frame *r = admin_add(f, "ops", &ag);
    admin_ok(r);
    codec_frame_free(&r);
    hub_update(f, "hub", "RXH:E1", nhs(1, w->p1), EP(AWAITING_PLACEMENT));
    hub_update(f, "hub", "RXH:E2", nhs(2, w->p2), EP(AWAITING_CARE_PACKAGE));
    hub_update(f, "hubj", "RYJ:E3", nhs(3, w->p3), EP(AWAITING_PLACEMENT));
    Huddle__Needs n;
    Huddle__TrustedAssessment ta = good_assessment(w->p1, "RXH:E1", &n);
    submit_as(f, "ta", "a1", &ta, w->a1);
    fx_clock(f, "ops", 0, HOUR_MS);
    ta = good_assessment(w->p2, "RXH:E2", &n);
    ta.provider_ods = S("HC456");
    ta.service_type = SVC(HOME_CARE);
    ta.care_hours_per_week = 14;
    submit_as(f, "ta", "a2", &ta, w->a2);
    fx_clock(f, "ops", 0, HOUR_MS);
    ta = good_assessment(w->p3, "RYJ:E3", &n);
    submit_as(f, "taj", "a3", &ta, w->a3);
    Huddle__AssessmentResponse resp = response(w->a1, ANSWER(DECLINE), DECLINE_FOR(ASSESSMENT_INCOMPLETE));
    accepted(f, "vn", publish_response(f, "vn", "d1", &resp));
    resp = response(w->a3, ANSWER(DECLINE), DECLINE_FOR(NO_CAPACITY));
    accepted(f, "vn", publish_response(f, "vn", "d3", &resp));
    fx_clock(f, "ops", 0, HOUR_MS);
    ta = good_assessment(w->p1, "RXH:E1", &n);
    submit_as(f, "ta", "a4", &ta, w->a4);
}

static Huddle__Query list_query(const char *episode_id, const char *provider, uint32_t limit, uint64_t after)
{
    Huddle__Query q = HUDDLE__QUERY__INIT;
    q.kind = HUDDLE__QUERY_KIND__QUERY_KIND_ASSESSMENTS;
    q.purpose = S("placement planning");
    q.episode_id = (char *)episode_id;
    q.provider_ods = (char *)provider;
    q.limit = limit;
    q.after = after;
    return q;
}

/* The ids rid reads, joined by spaces; *next the answer's cursor. */
static void read_ids(fx_t *f, const char *rid, Huddle__Query *q, char *out, size_t len, uint64_t *next)
{
    Huddle__Frame *r = query_as(f, rid, q);
    if (r->body_case != HUDDLE__FRAME__BODY_ANSWER)
        fail_msg("%s: expected an answer, got body %d (%s)", rid, r->body_case,
                 r->body_case == HUDDLE__FRAME__BODY_REJECTED ? r->rejected->reason : "");
    assert_int_equal(r->answer->kind, HUDDLE__QUERY_KIND__QUERY_KIND_ASSESSMENTS);
    assert_int_equal(r->answer->result_case, HUDDLE__ANSWER__RESULT_ASSESSMENTS);
    const Huddle__AssessmentList *l = r->answer->assessments;
    out[0] = '\0';
    for (size_t i = 0; i < l->n_assessments; i++)
        snprintf(out + strlen(out), len - strlen(out), "%s%s", i ? " " : "",
                 l->assessments[i]->assessment->assessment_id);
    assert_int_equal(r->answer->truncated, r->answer->next_after != 0);
    if (next)
        *next = r->answer->next_after;
    codec_frame_free(&r);
}

/* rid reads exactly these assessments (ids joined by spaces). */
static void expect_ids(fx_t *f, const char *rid, const char *episode_id, const char *provider, const char *want)
{
    Huddle__Query q = list_query(episode_id, provider, 0, 0);
    char got[256];
    read_ids(f, rid, &q, got, sizeof got, NULL);
    if (strcmp(got, want) != 0)
        fail_msg("%s (episode \"%s\", provider \"%s\"): expected \"%s\", got \"%s\"", rid, episode_id, provider, want,
                 got);
}

static void expect_refused(fx_t *f, const char *rid, Huddle__Query *q, Huddle__RejectCode code, const char *field)
{
    Huddle__Frame *r = query_as(f, rid, q);
    refused(r, code, field);
    codec_frame_free(&r);
}

static void test_assessments_scoped_to_the_asker(void **state)
{
    fx_t *f = *state;
    world_t w;
    world(f, &w);
    char want[128];
    /* a provider: those addressed to it, newest first, whoever assessed */
    snprintf(want, sizeof want, "%s %s %s", w.a4, w.a3, w.a1);
    expect_ids(f, "vn", "", "", want);
    expect_ids(f, "vn", "", "VN123", want);
    expect_ids(f, "vn", "RYJ:E3", "", w.a3);
    expect_ids(f, "vn", "RXH:E2", "", ""); /* another provider's assessment of that episode */
    expect_ids(f, "hc", "", "", w.a2);
    Huddle__Query q = list_query("", "HC456", 0, 0);
    expect_refused(f, "vn", &q, CODE(FORBIDDEN), "query.provider_ods");
    /* an assessor: its own organisation's */
    snprintf(want, sizeof want, "%s %s %s", w.a4, w.a2, w.a1);
    expect_ids(f, "ta", "", "", want);
    expect_ids(f, "taj", "", "", w.a3);
    expect_ids(f, "taj", "RXH:E1", "", "");
    /* a hub: its hospital's, by episode or provider */
    expect_ids(f, "hub", "", "", want);
    snprintf(want, sizeof want, "%s %s", w.a4, w.a1);
    expect_ids(f, "hub", "RXH:E1", "", want);
    expect_ids(f, "hub", "", "HC456", w.a2);
    expect_ids(f, "hubj", "", "", w.a3);
    expect_ids(f, "hubj", "", "VN123", w.a3);
    q = list_query("RXH:E1", "", 0, 0);
    expect_refused(f, "hubj", &q, CODE(FORBIDDEN), "query.episode_id");
    /* nobody else, and every refusal audited */
    q = list_query("", "", 0, 0);
    expect_refused(f, "gp", &q, CODE(FORBIDDEN), "query.kind");
    assert_int_equal(audited(f, HUDDLE__AUDIT_PURPOSE__AUDIT_PURPOSE_DENIED, NULL, "query refused"), 3);
    /* the question is checked */
    q = list_query("nope", "", 0, 0);
    expect_refused(f, "hub", &q, CODE(INVALID), "query.episode_id");
    q = list_query("", "vn123", 0, 0);
    expect_refused(f, "hub", &q, CODE(INVALID), "query.provider_ods");
    q = list_query("", "", 0, 0);
    q.purpose = S("");
    expect_refused(f, "hub", &q, CODE(INVALID), "query.purpose");
}

static void test_assessments_paged_and_audited(void **state)
{
    fx_t *f = *state;
    world_t w;
    world(f, &w);
    /* the record as the provider reads it: the whole assessment and where it stands */
    Huddle__Query q = list_query("", "", 0, 0);
    Huddle__Frame *r = query_as(f, "vn", &q);
    assert_int_equal(r->body_case, HUDDLE__FRAME__BODY_ANSWER);
    const Huddle__AssessmentList *l = r->answer->assessments;
    assert_int_equal(l->n_assessments, 3);
    const Huddle__AssessmentRecord *last = l->assessments[2];
    assert_string_equal(last->assessment->assessment_id, w.a1);
    assert_int_equal(last->state, AS(DECLINED));
    assert_int_equal(last->response->decline_reason, DECLINE_FOR(ASSESSMENT_INCOMPLETE));
    assert_string_equal(last->assessment->needs->mobility, "Walks 10 m with a frame; two falls this year");
    assert_int_equal(l->assessments[0]->state, AS(AWAITING_RESPONSE));
    assert_int_equal(l->assessments[0]->deadline_ms, T0 + 27 * HOUR_MS);
    codec_frame_free(&r);
    /* each patient audited once, though two of the answer's assessments are p1's; the
     * record counts the answer's entries */
    assert_int_equal(audited(f, HUDDLE__AUDIT_PURPOSE__AUDIT_PURPOSE_QUERY, w.p1, "assessments, 3 entries"), 1);
    assert_int_equal(audited(f, HUDDLE__AUDIT_PURPOSE__AUDIT_PURPOSE_QUERY, w.p3, "assessments"), 1);
    assert_int_equal(audited(f, HUDDLE__AUDIT_PURPOSE__AUDIT_PURPOSE_QUERY, w.p2, "assessments"), 0);

    /* in pages of two: the cursor continues below the last one given */
    char got[128], want[128];
    uint64_t next = 0;
    q = list_query("", "", 2, 0);
    read_ids(f, "vn", &q, got, sizeof got, &next);
    snprintf(want, sizeof want, "%s %s", w.a4, w.a3);
    assert_string_equal(got, want);
    assert_int_equal(next, strtoull(w.a3 + 1, NULL, 10));
    q = list_query("", "", 2, next);
    read_ids(f, "vn", &q, got, sizeof got, &next);
    assert_string_equal(got, w.a1);
    assert_int_equal(next, 0);
    /* an answer naming no patient is audited too, with none */
    q = list_query("RXH:E2", "", 0, 0);
    read_ids(f, "vn", &q, got, sizeof got, NULL);
    assert_string_equal(got, "");
    assert_int_equal(audited(f, HUDDLE__AUDIT_PURPOSE__AUDIT_PURPOSE_QUERY, NULL, "assessments, 0 entries"), 1);
}

/* The counters rid reads, as "ODS:count/declines/assessments" joined by spaces. */
static void read_counts(fx_t *f, const char *rid, const char *assessor, const char *purpose, char *out, size_t len)
{
    Huddle__Query q = HUDDLE__QUERY__INIT;
    q.kind = HUDDLE__QUERY_KIND__QUERY_KIND_DECLINE_COUNTS;
    q.assessor_ods = (char *)assessor;
    q.purpose = (char *)purpose;
    Huddle__Frame *r = query_as(f, rid, &q);
    if (r->body_case != HUDDLE__FRAME__BODY_ANSWER)
        fail_msg("%s: expected an answer, got body %d", rid, r->body_case);
    assert_int_equal(r->answer->result_case, HUDDLE__ANSWER__RESULT_DECLINE_COUNTS);
    const Huddle__DeclineCounts *dc = r->answer->decline_counts;
    out[0] = '\0';
    for (size_t i = 0; i < dc->n_counters; i++) {
        const Huddle__DeclineCounter *c = dc->counters[i];
        snprintf(out + strlen(out), len - strlen(out), "%s%s:%u/%u/%u", i ? " " : "", c->assessor_ods, c->count,
                 c->declines, c->assessments);
    }
    codec_frame_free(&r);
}

static void test_decline_counts(void **state)
{
    fx_t *f = *state;
    world_t w;
    world(f, &w);
    char got[256];
    /* RXH: one incomplete of three; RYJ: one decline for capacity of one */
    read_counts(f, "hub", "", "", got, sizeof got);
    assert_string_equal(got, "RXH:1/1/3 RYJ:0/1/1");
    assert_int_equal(audited(f, HUDDLE__AUDIT_PURPOSE__AUDIT_PURPOSE_QUERY, NULL, "decline counts, 2 entries"), 1);
    read_counts(f, "ops", "RYJ", "", got, sizeof got);
    assert_string_equal(got, "RYJ:0/1/1");
    assert_int_equal(audited(f, HUDDLE__AUDIT_PURPOSE__AUDIT_PURPOSE_QUERY, NULL, "decline counts, 1 entry"), 1);
    read_counts(f, "taj", "RX1", "", got, sizeof got); /* an organisation with no assessments */
    assert_string_equal(got, "");
    /* RYJ's assessor's next two assessments are declined as incomplete: it comes first */
    hub_update(f, "hubj", "RYJ:E5", nhs(5, w.p2), EP(AWAITING_PLACEMENT));
    hub_update(f, "hubj", "RYJ:E6", nhs(6, w.p2), EP(AWAITING_PLACEMENT));
    Huddle__Needs n;
    char id[WF_ID_MAX];
    for (int i = 0; i < 2; i++) {
        char p[NHS_NUMBER_BUF], msgid[32];
        Huddle__TrustedAssessment ta = good_assessment(nhs(5 + (unsigned)i, p), i ? "RYJ:E6" : "RYJ:E5", &n);
        snprintf(msgid, sizeof msgid, "more-%d", i);
        submit_as(f, "taj", msgid, &ta, id);
        Huddle__AssessmentResponse resp = response(id, ANSWER(DECLINE), DECLINE_FOR(ASSESSMENT_INCOMPLETE));
        snprintf(msgid, sizeof msgid, "inc-%d", i);
        accepted(f, "vn", publish_response(f, "vn", msgid, &resp));
    }
    read_counts(f, "ta", "", "", got, sizeof got);
    assert_string_equal(got, "RYJ:2/3/3 RXH:1/1/3");
    /* no patient: nobody's audit trail, one record naming none; providers do not ask */
    assert_int_equal(audited(f, HUDDLE__AUDIT_PURPOSE__AUDIT_PURPOSE_QUERY, NULL, "decline counts"), 4);
    Huddle__Query q = HUDDLE__QUERY__INIT;
    q.kind = HUDDLE__QUERY_KIND__QUERY_KIND_DECLINE_COUNTS;
    q.assessor_ods = S("rxh");
    expect_refused(f, "hub", &q, CODE(INVALID), "query.assessor_ods");
    q.assessor_ods = S("");
    expect_refused(f, "vn", &q, CODE(FORBIDDEN), "query.kind");
}

static int count_key(const store_val_t *key, const store_val_t *val, void *arg)
{
    (void)key, (void)val;
    ++*(unsigned *)arg;
    return 0;
}

/* How many keys of the index table start with owner \0. */
static unsigned index_count(fx_t *f, store_table_t t, const char *owner)
{
    broker_commit(f->b);
    uint8_t prefix[ASSESSMENT_INDEX_KEY_MAX];
    size_t plen = assessment_index_key(prefix, owner, 0);
    store_txn_t *r;
    assert_int_equal(store_read_begin(f->store, &r), STORE_OK);
    unsigned n = 0;
    assert_true(store_scan(r, t, prefix, plen, plen, count_key, &n) >= 0);
    store_txn_end(&r);
    return n;
}

static uint64_t assessments_open(fx_t *f)
{
    Huddle__Query q = HUDDLE__QUERY__INIT;
    q.kind = HUDDLE__QUERY_KIND__QUERY_KIND_STATS;
    Huddle__Frame *r = query_as(f, "ops", &q);
    assert_int_equal(r->body_case, HUDDLE__FRAME__BODY_ANSWER);
    uint64_t n = r->answer->stats->assessments_open;
    codec_frame_free(&r);
    return n;
}

/* Each submission is indexed by provider, episode and assessor organisation; the open
 * set (Stats.assessments_open) holds those awaiting an answer or information. */
static void test_indexes_and_open_count(void **state)
{
    fx_t *f = *state;
    world_t w;
    world(f, &w);
    assert_int_equal(index_count(f, STORE_ASSESSMENT_BY_ASSESSOR, "RXH"), 3);
    assert_int_equal(index_count(f, STORE_ASSESSMENT_BY_ASSESSOR, "RYJ"), 1);
    assert_int_equal(index_count(f, STORE_ASSESSMENT_BY_PROVIDER, "VN123"), 3);
    assert_int_equal(index_count(f, STORE_ASSESSMENT_BY_EPISODE, "RXH:E1"), 2);
    assert_int_equal(assessments_open(f), 2); /* A2 and A4; A1 and A3 declined */
    /* a question keeps it open, the answer to it too; an acceptance settles it */
    Huddle__AssessmentResponse resp = response(w.a4, ANSWER(REQUEST_INFO), 0);
    accepted(f, "vn", publish_response(f, "vn", "q4", &resp));
    assert_int_equal(assessments_open(f), 2);
    accepted(f, "ta", publish_info(f, "ta", "i4", w.a4, "Healing; chart attached to the record"));
    assert_int_equal(assessments_open(f), 2);
    resp = response(w.a4, ANSWER(ACCEPT), 0);
    accepted(f, "vn", publish_response(f, "vn", "y4", &resp));
    assert_int_equal(assessments_open(f), 1);
    /* a discharge closes the episode's waiting assessment */
    hub_update(f, "hub", "RXH:E2", w.p2, EP(DISCHARGED));
    assert_int_equal(assessments_open(f), 0);
    /* an assessor's and a hub's lists read the indexes: still whole */
    char want[128];
    snprintf(want, sizeof want, "%s %s %s", w.a4, w.a2, w.a1);
    expect_ids(f, "ta", "", "", want);
    expect_ids(f, "hub", "", "", want);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_assessments_scoped_to_the_asker, setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_assessments_paged_and_audited, setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_decline_counts, setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_indexes_and_open_count, setup, fx_teardown),
    };
    return cmocka_run_group_tests_name("assessment_query", tests, NULL, NULL);
}
