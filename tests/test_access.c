/*
 * test_access — the access matrix against an expectation list written here, apart from
 * broker/access.c: for every event kind and role, exactly which relationships let the
 * role publish and receive (each checked with a scope that matches that relationship
 * alone, so an extra or a missing one fails); the rules by name; empty scope fields;
 * revoked agents; the query table; the printed matrix and `huddle access`.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "access.h"
#include "registry.h"
#include "testutil.h"

#define FORBIDDEN HUDDLE__REJECT_CODE__REJECT_CODE_FORBIDDEN
#define ACTIVE HUDDLE__AGENT_STATUS__AGENT_STATUS_ACTIVE
#define REVOKED HUDDLE__AGENT_STATUS__AGENT_STATUS_REVOKED
#define KIND(name) HUDDLE__EVENT_KIND__EVENT_KIND_##name
#define ROLE(name) HUDDLE__ROLE__ROLE_##name
#define QUERY(name) HUDDLE__QUERY_KIND__QUERY_KIND_##name
#define N_ROLES 9 /* roles 1..9, GP_PRACTICE to ADMIN */

/* The expectations. Nine tokens per side, one per role in value order:
 *   gp-practice int-coordinator mdt-member discharge-hub trusted-assessor care-provider social-care auditor admin
 * Each token lists the relationships any one of which suffices, "-" for none:
 *   a any (no patient data), o own practice, n neighbourhood, h hospital, s assessor,
 *   p provider, l area (local authority), d addressee. */
typedef struct {
    Huddle__EventKind kind;
    const char *publish;
    const char *receive;
} expect_t;

static const expect_t expected[] = {
    {KIND(MESSAGE), "a a a a a a a - a", "a a a a a a a - a"},
    {KIND(REFERRAL_SUBMITTED), "o - - - - - - - -", "o n - - - - l - -"},
    {KIND(REFERRAL_TRIAGED), "- n - - - - - - -", "o n - - - - l - -"},
    {KIND(REFERRAL_WITHDRAWN), "o - - - - - - - -", "o n - - - - l - -"},
    {KIND(REFERRAL_STATUS_CHANGED), "- - - - - - - - -", "o n - - - - l - -"},
    {KIND(REFERRAL_CLOSED), "- n - - - - - - -", "o n - - - - l - -"},
    {KIND(MDT_SESSION_CREATED), "- n - - - - - - -", "- n n - - - - - -"},
    {KIND(MDT_AGENDA_BUILT), "- n - - - - - - -", "- n - - - - - - -"},
    {KIND(MDT_AGENDA_EDITED), "- n - - - - - - -", "- n - - - - - - -"},
    {KIND(MDT_AGENDA_PUBLISHED), "- n - - - - - - -", "- n n - - - - - -"},
    {KIND(MDT_OUTCOME_RECORDED), "- n - - - - - - -", "o n n - - - - - -"},
    {KIND(MDT_SESSION_CLOSED), "- n - - - - - - -", "- n n - - - - - -"},
    {KIND(MDT_REVIEW_DUE), "- - - - - - - - -", "o n - - - - - - -"},
    {KIND(TRUST_AGREEMENT_RECORDED), "- - - - - - - - -", "- - - - s p - - a"},
    {KIND(TRUST_AGREEMENT_REVOKED), "- - - - - - - - -", "- - - - s p - - a"},
    {KIND(ASSESSMENT_SUBMITTED), "- - - - s - - - -", "- - - h s p - - -"},
    {KIND(ASSESSMENT_RESPONDED), "- - - - - p - - -", "- - - h s p - - -"},
    {KIND(ASSESSMENT_INFO_PROVIDED), "- - - - s - - - -", "- - - h s p - - -"},
    {KIND(EPISODE_UPDATED), "- - - h - - - - -", "o n n h h - l - -"},
    {KIND(PLACEMENT_REPORTED), "- - - - - p l - -", "o n - h - p l - -"},
    {KIND(FOLLOW_UP_REPORTED), "o - - - - p l - -", "o n - h - p l - -"},
    {KIND(TIMER_FIRED), "- - - - - - - - -", "o n - h - p l - -"},
    {KIND(ESCALATION_RAISED), "- - - - - - - - -", "o n - h s p l - -"},
    {KIND(NOTIFICATION), "o n n h sh p l - -", "d d d d d d d - -"},
    {KIND(NON_DELIVERY), "- - - - - - - - -", "d d d d d d d - -"},
};

#define N_EXPECTED (sizeof expected / sizeof expected[0])

/* The token for role (1..9) in an expectation line, copied into tok. */
static void token(const char *line, int role, char tok[8])
{
    const char *p = line;
    for (int i = 1; i < role; i++) {
        p = strchr(p, ' ');
        assert_non_null(p);
        p++;
    }
    size_t n = strcspn(p, " ");
    assert_true(n > 0 && n < 8);
    memcpy(tok, p, n);
    tok[n] = '\0';
}

/* ---- agents and events -------------------------------------------------------- */

static char ORG[] = "ORG1", HOSP[] = "RH1", LA[] = "E08000001", N1[] = "N1", N2[] = "N2", EMPTY[] = "";
static char OTHER_ORG[] = "ORG9", OTHER_HOSP[] = "RX9", OTHER_LA[] = "E09999999", OTHER_N[] = "N9";
static char NHS[] = "9434765919", AGENT_ID[] = "t-agent";
static char *NBHS[] = {N1, N2};

/* An active agent of the role holding every dimension a scope can name, so that only
 * the matrix decides which one counts. */
static Huddle__AgentRecord agent(int role)
{
    Huddle__AgentRecord a = HUDDLE__AGENT_RECORD__INIT;
    a.agent_id = AGENT_ID;
    a.role = (Huddle__Role)role;
    a.org_ods = ORG;
    a.n_neighbourhood_ids = 2;
    a.neighbourhood_ids = NBHS;
    a.hospital_ods = HOSP;
    a.local_authority = LA;
    a.status = ACTIVE;
    return a;
}

/* An event and the parts it points to; never copied once built. */
typedef struct {
    Huddle__Event ev;
    Huddle__Scope scope;
    Huddle__Subject subject;
    Huddle__Notification note;
    Huddle__NonDelivery nd;
} tev_t;

/* An event of kind whose scope (and addressee, for notification kinds) matches the
 * agent above in exactly the relationships named in match; every other field names
 * someone else. patient: whether the subject carries an NHS number. */
static void build(tev_t *t, int kind, const char *match, bool patient)
{
    *t = (tev_t){HUDDLE__EVENT__INIT, HUDDLE__SCOPE__INIT, HUDDLE__SUBJECT__INIT, HUDDLE__NOTIFICATION__INIT,
                 HUDDLE__NON_DELIVERY__INIT};
    t->ev.kind = (Huddle__EventKind)kind;
    t->ev.scope = &t->scope;
    t->ev.subject = &t->subject;
    t->ev.sender_org = OTHER_ORG;
    t->subject.nhs_number = patient ? NHS : EMPTY;
    t->scope.practice_ods = strchr(match, 'o') ? ORG : OTHER_ORG;
    t->scope.neighbourhood_id = strchr(match, 'n') ? N2 : OTHER_N;
    t->scope.hospital_ods = strchr(match, 'h') ? HOSP : OTHER_HOSP;
    t->scope.assessor_ods = strchr(match, 's') ? ORG : OTHER_ORG;
    t->scope.provider_ods = strchr(match, 'p') ? ORG : OTHER_ORG;
    t->scope.local_authority = strchr(match, 'l') ? LA : OTHER_LA;
    if (kind == KIND(NOTIFICATION)) {
        t->ev.payload_case = HUDDLE__EVENT__PAYLOAD_NOTIFICATION;
        t->ev.notification = &t->note;
        t->note.to_org_ods = strchr(match, 'd') ? ORG : OTHER_ORG;
    } else if (kind == KIND(NON_DELIVERY)) {
        t->ev.payload_case = HUDDLE__EVENT__PAYLOAD_NON_DELIVERY;
        t->ev.non_delivery = &t->nd;
        t->nd.to_org_ods = strchr(match, 'd') ? ORG : OTHER_ORG;
    }
}

static void assert_forbidden(int rc, const reject_t *r)
{
    assert_int_equal(rc, -1);
    assert_int_equal(r->code, FORBIDDEN);
    assert_string_equal(r->field, "publish.event");
    assert_true(r->reason[0] != '\0');
    assert_null(strstr(r->reason, NHS));
}

/* One side of one cell: for each relationship, an event matching it alone passes
 * exactly when the token names it ('a': an event with no patient data matching
 * nothing). */
static void check_cell(int kind, int role, const char *tok, bool publish)
{
    Huddle__AgentRecord a = agent(role);
    tev_t t;
    reject_t r;
    for (const char *rel = "aonhspld"; *rel; rel++) {
        char only[2] = {*rel == 'a' ? '\0' : *rel, '\0'};
        build(&t, kind, only, *rel != 'a');
        bool want = strchr(tok, *rel) != NULL;
        bool got = publish ? access_check_publish(&a, &t.ev, &r) == 0 : access_may_see(&a, &t.ev);
        if (got != want)
            fail_msg("kind %d role %d %s with only '%c': got %d, want %d", kind, role,
                     publish ? "publish" : "receive", *rel, got, want);
        if (publish && !got)
            assert_forbidden(-1, &r);
    }
    /* everything matching, with a patient: passes unless the cell is empty or "any" alone */
    build(&t, kind, "onhspld", true);
    bool want = strcmp(tok, "-") != 0 && strcmp(tok, "a") != 0;
    if (publish && !want)
        assert_forbidden(access_check_publish(&a, &t.ev, &r), &r);
    else
        assert_int_equal(publish ? access_check_publish(&a, &t.ev, &r) == 0 : access_may_see(&a, &t.ev), want);
}

/* ---- the matrix, cell by cell --------------------------------------------------- */

static const expect_t *expectation(int kind)
{
    for (size_t i = 0; i < N_EXPECTED; i++)
        if ((int)expected[i].kind == kind)
            return &expected[i];
    return NULL;
}

static void test_every_kind_has_an_expectation(void **state)
{
    (void)state;
    const ProtobufCEnumDescriptor *d = &huddle__event_kind__descriptor;
    size_t known = 0;
    for (unsigned i = 0; i < d->n_values; i++) {
        if (d->values[i].value == 0)
            continue;
        if (!expectation(d->values[i].value))
            fail_msg("no expectation for %s", d->values[i].name);
        known++;
    }
    assert_int_equal(known, N_EXPECTED);
}

static void test_publish_cells(void **state)
{
    (void)state;
    char tok[8];
    for (size_t k = 0; k < N_EXPECTED; k++)
        for (int role = 1; role <= N_ROLES; role++) {
            token(expected[k].publish, role, tok);
            assert_int_equal(access_may_publish((Huddle__Role)role, expected[k].kind), strcmp(tok, "-") != 0);
            check_cell(expected[k].kind, role, tok, true);
        }
}

static void test_receive_cells(void **state)
{
    (void)state;
    char tok[8];
    for (size_t k = 0; k < N_EXPECTED; k++)
        for (int role = 1; role <= N_ROLES; role++) {
            token(expected[k].receive, role, tok);
            check_cell(expected[k].kind, role, tok, false);
        }
}

/* ---- the rules by name ---------------------------------------------------------- */

static void test_named_publish_rules(void **state)
{
    (void)state;
    static const Huddle__EventKind derived[] = {
        KIND(REFERRAL_STATUS_CHANGED),  KIND(MDT_REVIEW_DUE), KIND(TRUST_AGREEMENT_RECORDED),
        KIND(TRUST_AGREEMENT_REVOKED), KIND(TIMER_FIRED),    KIND(ESCALATION_RAISED),
        KIND(NON_DELIVERY),
    };
    for (int role = 0; role <= N_ROLES + 1; role++) {
        Huddle__Role ro = (Huddle__Role)role;
        assert_int_equal(access_may_publish(ro, KIND(REFERRAL_SUBMITTED)), ro == ROLE(GP_PRACTICE));
        assert_int_equal(access_may_publish(ro, KIND(REFERRAL_WITHDRAWN)), ro == ROLE(GP_PRACTICE));
        assert_int_equal(access_may_publish(ro, KIND(REFERRAL_TRIAGED)), ro == ROLE(INT_COORDINATOR));
        assert_int_equal(access_may_publish(ro, KIND(MDT_OUTCOME_RECORDED)), ro == ROLE(INT_COORDINATOR));
        assert_int_equal(access_may_publish(ro, KIND(EPISODE_UPDATED)), ro == ROLE(DISCHARGE_HUB));
        for (size_t i = 0; i < sizeof derived / sizeof derived[0]; i++)
            assert_false(access_may_publish(ro, derived[i]));
    }
    const ProtobufCEnumDescriptor *d = &huddle__event_kind__descriptor;
    for (unsigned i = 0; i < d->n_values; i++)
        assert_false(access_may_publish(ROLE(AUDITOR), (Huddle__EventKind)d->values[i].value));
}

static void test_relationships(void **state)
{
    (void)state;
    reject_t r;
    tev_t t;
    /* own practice vs another practice */
    Huddle__AgentRecord gp = agent(ROLE(GP_PRACTICE));
    build(&t, KIND(REFERRAL_SUBMITTED), "o", true);
    assert_int_equal(access_check_publish(&gp, &t.ev, &r), 0);
    assert_true(access_may_see(&gp, &t.ev));
    t.scope.practice_ods = OTHER_ORG;
    assert_forbidden(access_check_publish(&gp, &t.ev, &r), &r);
    assert_non_null(strstr(r.reason, "GP practice"));
    assert_non_null(strstr(r.reason, "registered with its own practice"));
    assert_false(access_may_see(&gp, &t.ev));
    /* neighbourhood in and out of the agent's list */
    Huddle__AgentRecord co = agent(ROLE(INT_COORDINATOR));
    build(&t, KIND(REFERRAL_TRIAGED), "n", true);
    assert_int_equal(access_check_publish(&co, &t.ev, &r), 0);
    t.scope.neighbourhood_id = N1;
    assert_int_equal(access_check_publish(&co, &t.ev, &r), 0);
    t.scope.neighbourhood_id = OTHER_N;
    assert_forbidden(access_check_publish(&co, &t.ev, &r), &r);
    assert_non_null(strstr(r.reason, "neighbourhood it serves"));
    assert_false(access_may_see(&co, &t.ev));
    /* the wrong role is told so, whatever the scope */
    build(&t, KIND(REFERRAL_SUBMITTED), "onhspl", true);
    assert_forbidden(access_check_publish(&co, &t.ev, &r), &r);
    assert_non_null(strstr(r.reason, "may not publish referral submitted"));
    /* hospital: the hub and a hospital-based assessor, not an assessor elsewhere */
    Huddle__AgentRecord hub = agent(ROLE(DISCHARGE_HUB)), ta = agent(ROLE(TRUSTED_ASSESSOR));
    build(&t, KIND(EPISODE_UPDATED), "h", true);
    assert_true(access_may_see(&hub, &t.ev));
    assert_true(access_may_see(&ta, &t.ev));
    ta.hospital_ods = EMPTY;
    assert_false(access_may_see(&ta, &t.ev));
    t.scope.hospital_ods = OTHER_HOSP;
    assert_false(access_may_see(&hub, &t.ev));
    assert_forbidden(access_check_publish(&hub, &t.ev, &r), &r);
    /* provider: its own assessments only */
    Huddle__AgentRecord cp = agent(ROLE(CARE_PROVIDER));
    build(&t, KIND(ASSESSMENT_SUBMITTED), "p", true);
    assert_true(access_may_see(&cp, &t.ev));
    t.scope.provider_ods = OTHER_ORG;
    assert_false(access_may_see(&cp, &t.ev));
    /* area */
    Huddle__AgentRecord sc = agent(ROLE(SOCIAL_CARE));
    build(&t, KIND(FOLLOW_UP_REPORTED), "l", true);
    assert_int_equal(access_check_publish(&sc, &t.ev, &r), 0);
    t.scope.local_authority = OTHER_LA;
    assert_forbidden(access_check_publish(&sc, &t.ev, &r), &r);
    assert_non_null(strstr(r.reason, "council area"));
    /* addressee: the organisation named, narrowed to the role named */
    build(&t, KIND(NOTIFICATION), "d", true);
    assert_true(access_may_see(&gp, &t.ev));
    t.note.to_role = ROLE(GP_PRACTICE);
    assert_true(access_may_see(&gp, &t.ev));
    t.note.to_role = ROLE(DISCHARGE_HUB);
    assert_false(access_may_see(&gp, &t.ev));
    assert_true(access_may_see(&hub, &t.ev));
    t.note.to_org_ods = OTHER_ORG;
    assert_false(access_may_see(&hub, &t.ev));
    /* a non-delivery also reaches the organisation that sent the notification */
    build(&t, KIND(NON_DELIVERY), "", true);
    assert_false(access_may_see(&hub, &t.ev));
    t.ev.sender_org = ORG;
    assert_true(access_may_see(&hub, &t.ev));
    /* a payload that does not match the kind addresses nobody */
    build(&t, KIND(NOTIFICATION), "d", true);
    t.ev.payload_case = HUDDLE__EVENT__PAYLOAD__NOT_SET;
    assert_false(access_may_see(&gp, &t.ev));
}

static void test_empty_fields_never_match(void **state)
{
    (void)state;
    tev_t t;
    reject_t r;
    Huddle__AgentRecord a = agent(ROLE(GP_PRACTICE));
    char *empty_nbhs[] = {EMPTY};
    a.org_ods = a.hospital_ods = a.local_authority = EMPTY;
    a.neighbourhood_ids = empty_nbhs;
    a.n_neighbourhood_ids = 1;
    static const int roles[] = {ROLE(GP_PRACTICE), ROLE(INT_COORDINATOR), ROLE(DISCHARGE_HUB),
                                ROLE(TRUSTED_ASSESSOR), ROLE(CARE_PROVIDER), ROLE(SOCIAL_CARE)};
    const ProtobufCEnumDescriptor *d = &huddle__event_kind__descriptor;
    for (size_t i = 0; i < sizeof roles / sizeof roles[0]; i++) {
        a.role = (Huddle__Role)roles[i];
        for (unsigned k = 0; k < d->n_values; k++) {
            build(&t, d->values[k].value, "", true);
            t.scope.practice_ods = t.scope.neighbourhood_id = t.scope.hospital_ods = EMPTY;
            t.scope.assessor_ods = t.scope.provider_ods = t.scope.local_authority = EMPTY;
            t.note.to_org_ods = t.nd.to_org_ods = t.ev.sender_org = EMPTY;
            assert_false(access_may_see(&a, &t.ev));
            if (access_may_publish(a.role, t.ev.kind))
                assert_forbidden(access_check_publish(&a, &t.ev, &r), &r);
        }
    }
    /* no scope at all: only "any" holds */
    Huddle__AgentRecord co = agent(ROLE(INT_COORDINATOR));
    build(&t, KIND(MDT_SESSION_CREATED), "n", false);
    t.ev.scope = NULL;
    assert_false(access_may_see(&co, &t.ev));
    assert_forbidden(access_check_publish(&co, &t.ev, &r), &r);
    build(&t, KIND(MESSAGE), "", false);
    t.ev.scope = NULL;
    assert_true(access_may_see(&co, &t.ev));
    assert_int_equal(access_check_publish(&co, &t.ev, &r), 0);
    /* a MESSAGE naming a patient is refused and delivered to nobody */
    t.subject.nhs_number = NHS;
    assert_true(access_is_patient_data(&t.ev));
    assert_false(access_may_see(&co, &t.ev));
    assert_forbidden(access_check_publish(&co, &t.ev, &r), &r);
    t.ev.subject = NULL;
    assert_false(access_is_patient_data(&t.ev));
}

static void test_auditor_and_admin_never_see_patients(void **state)
{
    (void)state;
    tev_t t;
    const ProtobufCEnumDescriptor *d = &huddle__event_kind__descriptor;
    for (int role = ROLE(AUDITOR); role <= ROLE(ADMIN); role++) {
        Huddle__AgentRecord a = agent(role);
        for (unsigned k = 0; k < d->n_values; k++) {
            build(&t, d->values[k].value, "onhspld", true);
            t.ev.sender_org = ORG;
            assert_false(access_may_see(&a, &t.ev));
        }
    }
    /* the admin does hear agreements, which name no patient */
    Huddle__AgentRecord admin = agent(ROLE(ADMIN));
    build(&t, KIND(TRUST_AGREEMENT_RECORDED), "", false);
    assert_true(access_may_see(&admin, &t.ev));
}

static void test_revoked_or_missing_agent_sees_nothing(void **state)
{
    (void)state;
    tev_t t;
    reject_t r;
    const ProtobufCEnumDescriptor *d = &huddle__event_kind__descriptor;
    for (int role = 1; role <= N_ROLES; role++) {
        Huddle__AgentRecord a = agent(role);
        for (unsigned k = 0; k < d->n_values; k++)
            for (int patient = 0; patient < 2; patient++) {
                build(&t, d->values[k].value, "onhspld", patient);
                t.ev.sender_org = ORG;
                a.status = REVOKED;
                assert_false(access_may_see(&a, &t.ev));
                assert_forbidden(access_check_publish(&a, &t.ev, &r), &r);
                a.status = HUDDLE__AGENT_STATUS__AGENT_STATUS_UNSPECIFIED;
                assert_false(access_may_see(&a, &t.ev));
                assert_false(access_may_see(NULL, &t.ev));
                a.status = ACTIVE;
            }
    }
}

static void test_message_visible_to_all_but_auditor(void **state)
{
    (void)state;
    tev_t t;
    build(&t, KIND(MESSAGE), "", false);
    for (int role = 1; role <= N_ROLES; role++) {
        Huddle__AgentRecord a = agent(role);
        a.org_ods = a.hospital_ods = a.local_authority = EMPTY;
        a.n_neighbourhood_ids = 0;
        assert_int_equal(access_may_see(&a, &t.ev), role != ROLE(AUDITOR));
        assert_int_equal(access_may_publish(a.role, KIND(MESSAGE)), role != ROLE(AUDITOR));
    }
}

static void test_unknown_values(void **state)
{
    (void)state;
    tev_t t;
    reject_t r;
    static const int kinds[] = {0, 2, 15, 99, 1000};
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++)
        for (int role = 0; role <= N_ROLES + 1; role++) {
            Huddle__AgentRecord a = agent(role);
            build(&t, kinds[k], "onhspld", false);
            assert_false(access_may_publish(a.role, t.ev.kind));
            assert_false(access_may_see(&a, &t.ev));
            assert_forbidden(access_check_publish(&a, &t.ev, &r), &r);
        }
    for (int role = 0; role <= N_ROLES + 1; role += N_ROLES + 1) {
        Huddle__AgentRecord a = agent(role);
        build(&t, KIND(MESSAGE), "", false);
        assert_false(access_may_publish(a.role, KIND(MESSAGE)));
        assert_false(access_may_see(&a, &t.ev));
        assert_false(access_may_query(a.role, QUERY(STATS)));
    }
}

/* Who may ask each query kind, roles in the order above: y yes, - no. */
static const struct {
    Huddle__QueryKind kind;
    const char *roles;
} expected_queries[] = {
    {QUERY(PATIENT_TIMELINE), "y y y y y y y - -"}, {QUERY(WAITING_LIST), "y y y - - - - - -"},
    {QUERY(AGENDA), "- y y - - - - - -"},           {QUERY(BOARD), "- y y y - - y - -"},
    {QUERY(AUDIT_TRAIL), "- - - - - - - y y"},      {QUERY(STATS), "- - - - - - - y y"},
    {QUERY(REFERRAL_HISTORY), "y y y y y y y - -"}, {QUERY(DECLINE_COUNTS), "- - - y y - - - y"},
    {QUERY(ASSESSMENTS), "- - - y y y - - -"},
};

static void test_queries(void **state)
{
    (void)state;
    const size_t n = sizeof expected_queries / sizeof expected_queries[0];
    assert_int_equal(n + 1, huddle__query_kind__descriptor.n_values); /* every kind but UNSPECIFIED */
    char tok[8];
    for (size_t q = 0; q < n; q++)
        for (int role = 1; role <= N_ROLES; role++) {
            token(expected_queries[q].roles, role, tok);
            assert_int_equal(access_may_query((Huddle__Role)role, expected_queries[q].kind), tok[0] == 'y');
        }
    for (int role = 0; role <= N_ROLES + 1; role++) {
        assert_false(access_may_query((Huddle__Role)role, QUERY(UNSPECIFIED)));
        assert_false(access_may_query((Huddle__Role)role, (Huddle__QueryKind)99));
    }
}

/* ---- the printed matrix ------------------------------------------------------- */

static char *print(size_t *len)
{
    char *buf = NULL;
    FILE *f = open_memstream(&buf, len);
    assert_non_null(f);
    access_print_matrix(f);
    assert_int_equal(fclose(f), 0);
    return buf;
}

/* "| referral_submitted |": the row name of an enum value. */
static void row_start(const char *name, const char *prefix, char *buf, size_t len)
{
    size_t n = strlen(prefix);
    assert_int_equal(strncmp(name, prefix, n), 0);
    int w = snprintf(buf, len, "\n| %s |", name + n);
    assert_true(w > 0 && (size_t)w < len);
    for (char *p = buf; *p; p++)
        if (*p >= 'A' && *p <= 'Z')
            *p = (char)(*p - 'A' + 'a');
}

static void test_print_matrix(void **state)
{
    (void)state;
    size_t len1, len2;
    char *one = print(&len1), *two = print(&len2);
    assert_int_equal(len1, len2);
    assert_string_equal(one, two);
    char row[96];
    const ProtobufCEnumDescriptor *d = &huddle__event_kind__descriptor;
    for (unsigned i = 0; i < d->n_values; i++) {
        if (d->values[i].value == 0)
            continue;
        row_start(d->values[i].name, "EVENT_KIND_", row, sizeof row);
        char *at = strstr(one, row);
        if (!at)
            fail_msg("no row %s", row + 1);
        assert_null(strstr(at + 1, row)); /* exactly one */
    }
    d = &huddle__query_kind__descriptor;
    for (unsigned i = 0; i < d->n_values; i++) {
        if (d->values[i].value == 0)
            continue;
        row_start(d->values[i].name, "QUERY_KIND_", row, sizeof row);
        assert_non_null(strstr(one, row));
    }
    for (int role = 1; role <= N_ROLES; role++) {
        snprintf(row, sizeof row, " %s |", registry_role_name((Huddle__Role)role));
        assert_non_null(strstr(one, row));
    }
    assert_non_null(strstr(one, "| referral_submitted | P own practice; R own practice | R neighbourhood |"));
    assert_non_null(strstr(one, "P hospital or assessor; R addressee"));
    free(one);
    free(two);
}

static void test_command(void **state)
{
    (void)state;
    static char out[65536];
    size_t len;
    char *want = print(&len);
    assert_true(len < sizeof out - 1);
    assert_int_equal(tu_run((const char *[]){"huddle", "access", NULL}, out, sizeof out), 0);
    assert_string_equal(out, want);
    free(want);
    assert_int_equal(tu_run((const char *[]){"huddle", "access", "--help", NULL}, out, sizeof out), 0);
    assert_non_null(strstr(out, "usage: huddle access"));
    assert_int_equal(tu_run((const char *[]){"huddle", "access", "--bogus", NULL}, out, sizeof out), 2);
    assert_non_null(strstr(out, "usage: huddle access"));
}

/* The README shows the matrix between two markers: it must be what the broker enforces. */
static void test_readme_prints_the_matrix(void **state)
{
    (void)state;
    /* the tests run from the source tree's top (make), where the README is */
    char path[4200];
    snprintf(path, sizeof path, "%s/../README.md", tu_bin_dir());
    FILE *fp = fopen("README.md", "r");
    if (!fp)
        fp = fopen(path, "r");
    assert_non_null(fp);
    static char readme[1 << 18];
    size_t n = fread(readme, 1, sizeof readme - 1, fp);
    fclose(fp);
    readme[n] = '\0';
    const char *begin = strstr(readme, "<!-- access matrix:"), *end = strstr(readme, "<!-- end of access matrix -->");
    assert_non_null(begin);
    assert_non_null(end);
    begin = strchr(begin, '\n') + 1;
    size_t len;
    char *want = print(&len);
    if ((size_t)(end - begin) != len || memcmp(begin, want, len) != 0)
        fail_msg("README.md's access matrix differs from `huddle access`: paste its output between the markers");
    free(want);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_readme_prints_the_matrix),
        cmocka_unit_test(test_every_kind_has_an_expectation),
        cmocka_unit_test(test_publish_cells),
        cmocka_unit_test(test_receive_cells),
        cmocka_unit_test(test_named_publish_rules),
        cmocka_unit_test(test_relationships),
        cmocka_unit_test(test_empty_fields_never_match),
        cmocka_unit_test(test_auditor_and_admin_never_see_patients),
        cmocka_unit_test(test_revoked_or_missing_agent_sees_nothing),
        cmocka_unit_test(test_message_visible_to_all_but_auditor),
        cmocka_unit_test(test_unknown_values),
        cmocka_unit_test(test_queries),
        cmocka_unit_test(test_print_matrix),
        cmocka_unit_test(test_command),
    };
    return cmocka_run_group_tests_name("access", tests, NULL, NULL);
}
