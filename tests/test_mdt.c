/*
 * test_mdt — MDT sessions (broker/mdt.c) through the broker's core (tu_inproc.h):
 * creating one, the rules of an outcome, each decision's effect on the referral (and
 * who hears it), closing a session (the items not reached are deferred and come first
 * at the next build), the review timer under the test clock, which puts the referral
 * back on the waiting list at its date exactly once, across a restart, and the AGENDA
 * query's scope and audit. Building and editing agendas are in test_mdt_agenda.c.
 */
#include "tu_mdt.h"

#define D(name) HUDDLE__MDT_DECISION__MDT_DECISION_##name

/* Tomorrow, 2027-01-16, at ten. */
#define START (T0 + DAY_MS + 2 * 60 * MIN_MS)
#define RED 10, 4, true
#define AMBER45 10, 3, false

typedef struct {
    Huddle__Event ev;
    Huddle__MdtSessionCreate c;
    Huddle__Attendee a[51];
    Huddle__Attendee *ap[51];
} create_t;

static Huddle__Event *create_event(create_t *t, const char *nbh)
{
    t->ev = (Huddle__Event)HUDDLE__EVENT__INIT;
    t->c = (Huddle__MdtSessionCreate)HUDDLE__MDT_SESSION_CREATE__INIT;
    t->ev.kind = KIND(MDT_SESSION_CREATED);
    t->ev.payload_case = HUDDLE__EVENT__PAYLOAD_MDT_SESSION_CREATE;
    t->ev.mdt_session_create = &t->c;
    t->c.neighbourhood_id = (char *)nbh;
    t->c.starts_at_ms = START;
    t->c.length_minutes = 60;
    t->c.title = S("North locality MDT");
    t->c.location = S("Riverside health centre, room 2");
    for (size_t i = 0; i < 51; i++) {
        t->a[i] = (Huddle__Attendee)HUDDLE__ATTENDEE__INIT;
        t->a[i].name = S("Sam Patel");
        t->a[i].role_title = S("District nurse");
        t->a[i].org_ods = S("RY101");
        t->ap[i] = &t->a[i];
    }
    t->c.attendees = t->ap;
    t->c.n_attendees = 2;
    return &t->ev;
}

static void test_create_session(void **state)
{
    fx_t *f = *state;
    create_t t;
    char sid[WF_ID_MAX], big[300];
    uint64_t seq = tu_ok(f, "coord-n", create_event(&t, "nb-north"), sid);
    char want[WF_ID_MAX];
    snprintf(want, sizeof want, "S%llu", (unsigned long long)seq);
    assert_string_equal(sid, want);
    Huddle__SessionRecord *s = tu_session_record(f, sid);
    assert_int_equal(s->state, HUDDLE__SESSION_STATE__SESSION_STATE_DRAFT);
    assert_string_equal(s->neighbourhood_id, "nb-north");
    assert_string_equal(s->scope->local_authority, "E08000026");
    assert_int_equal(s->n_attendees, 2);
    assert_string_equal(s->created_by, "coord-n");
    huddle__session_record__free_unpacked(s, NULL);
    Huddle__Event *ev = event_at(f, seq);
    assert_string_equal(ev->subject->session_id, sid);
    assert_string_equal(ev->scope->neighbourhood_id, "nb-north");
    huddle__event__free_unpacked(ev, NULL);

    const char *F = "publish.event.mdt_session_create.";
    char field[128];
#define BAD(mutate, code, name)                                                   \
    do {                                                                          \
        create_event(&t, "nb-north");                                             \
        mutate;                                                                   \
        snprintf(field, sizeof field, "%s%s", F, name);                           \
        tu_refuse(f, "coord-n", &t.ev, REJ(code), field);                         \
    } while (0)
    BAD(t.c.starts_at_ms = T0, INVALID, "starts_at_ms");
    BAD(t.c.starts_at_ms = T0 + 367 * DAY_MS, INVALID, "starts_at_ms");
    BAD(t.c.length_minutes = 14, INVALID, "length_minutes");
    BAD(t.c.length_minutes = 481, INVALID, "length_minutes");
    BAD(t.c.n_attendees = 51, INVALID, "attendees");
    BAD(t.a[1].name = S(""), INVALID, "attendees[1].name");
    BAD(t.a[0].org_ods = S("not ods"), INVALID, "attendees[0].org_ods");
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    BAD(t.c.title = big, INVALID, "title");
    BAD(t.c.location = big, INVALID, "location");
    BAD(t.c.neighbourhood_id = S("nb-east"), NOT_FOUND, "neighbourhood_id");
    BAD(t.c.neighbourhood_id = S(""), INVALID, "neighbourhood_id");
#undef BAD
    /* the limits themselves are fine */
    create_event(&t, "nb-north");
    t.c.length_minutes = 480;
    t.c.n_attendees = 50;
    t.c.starts_at_ms = T0 + 366 * DAY_MS;
    tu_ok(f, "coord-n", &t.ev, NULL);

    /* another neighbourhood's coordinator, and a practice, may not */
    tu_refuse(f, "coord-s", create_event(&t, "nb-north"), REJ(FORBIDDEN), "publish.event");
    tu_refuse(f, "gp-a1", create_event(&t, "nb-north"), REJ(FORBIDDEN), "publish.event.kind");
    tu_ok(f, "coord-s", create_event(&t, "nb-south"), NULL);
}

/* n referrals of nb-north (AMBER, 10 minutes each; patients from patient0) on the
 * published agenda of a new 480-minute session. */
static void published(fx_t *f, unsigned patient0, size_t n, char ids[][WF_ID_MAX], char sid[WF_ID_MAX])
{
    for (size_t i = 0; i < n; i++)
        tu_waiting(f, patient0 + (unsigned)i, AMBER45, ids[i]);
    tu_session(f, "coord-n", "nb-north", START, 480, sid);
    tu_build(f, "coord-n", sid);
    tu_publish_agenda(f, "coord-n", sid);
}

static void test_outcome_rules(void **state)
{
    fx_t *f = *state;
    char r[4][WF_ID_MAX], sid[WF_ID_MAX], other[WF_ID_MAX], unpublished[WF_ID_MAX];
    published(f, 1, 4, r, sid);
    tu_waiting(f, 9, AMBER45, other);
    tu_session(f, "coord-n", "nb-north", START, 60, unpublished);
    tu_build(f, "coord-n", unpublished); /* takes other */

    const char *O = "publish.event.mdt_outcome.";
    char field[96], notes[4002];
#define FIELD(name) (snprintf(field, sizeof field, "%s%s", O, name), field)
    tu_outcome_t t;
    Huddle__Event *ev = tu_outcome(&t, sid, r[0], D(UNSPECIFIED));
    tu_refuse(f, "coord-n", ev, REJ(INVALID), FIELD("decision"));
    ev = tu_outcome(&t, sid, r[0], D(CARE_PLAN_AGREED));
    t.o.lead_professional = S("");
    tu_refuse(f, "coord-n", ev, REJ(INVALID), FIELD("lead_professional"));
    ev = tu_outcome(&t, sid, r[0], D(MONITOR));
    tu_refuse(f, "coord-n", ev, REJ(INVALID), FIELD("next_review_date"));
    t.o.next_review_date = S("2027-02-30");
    tu_refuse(f, "coord-n", ev, REJ(INVALID), FIELD("next_review_date"));
    t.o.next_review_date = S("2027-01-16"); /* the session's own day */
    tu_refuse(f, "coord-n", ev, REJ(INVALID), FIELD("next_review_date"));
    ev = tu_outcome(&t, sid, r[0], D(REFER_ON));
    tu_refuse(f, "coord-n", ev, REJ(INVALID), FIELD("refer_on_to"));

    Huddle__Action act[21], *acts[21];
    for (size_t i = 0; i < 21; i++) {
        act[i] = (Huddle__Action)HUDDLE__ACTION__INIT;
        act[i].owner = S("Ann Lee, district nurse");
        act[i].text = S("Visit at home and review medication");
        act[i].due_date = S("2027-01-30");
        act[i].owner_ods = S("RY101");
        acts[i] = &act[i];
    }
    ev = tu_outcome(&t, sid, r[0], D(CARE_PLAN_AGREED));
    t.o.actions = acts;
    t.o.n_actions = 21;
    tu_refuse(f, "coord-n", ev, REJ(INVALID), FIELD("actions"));
    t.o.n_actions = 2;
    act[1].owner = S("");
    tu_refuse(f, "coord-n", ev, REJ(INVALID), FIELD("actions[1].owner"));
    act[1].owner = S("Ann Lee");
    act[1].due_date = S("30/01/2027");
    tu_refuse(f, "coord-n", ev, REJ(INVALID), FIELD("actions[1].due_date"));
    act[1].due_date = S("");
    act[1].owner_ods = S("ry101");
    tu_refuse(f, "coord-n", ev, REJ(INVALID), FIELD("actions[1].owner_ods"));
    act[1].owner_ods = S("");
    memset(notes, 'n', sizeof notes - 1);
    notes[sizeof notes - 1] = '\0';
    t.o.notes = notes;
    tu_refuse(f, "coord-n", ev, REJ(INVALID), FIELD("notes"));
    t.o.notes = S("Lives alone; daughter visits weekly.");

    /* the item must be on this session's agenda, and the session published */
    t.o.referral_id = other;
    tu_refuse(f, "coord-n", ev, REJ(NOT_FOUND), FIELD("referral_id"));
    t.o.session_id = unpublished;
    Huddle__Frame *rj = tu_refused(f, "coord-n", ev, REJ(CONFLICT), FIELD("session_id"));
    assert_string_equal(rj->rejected->current_state, "SESSION_STATE_AGENDA_BUILT");
    codec_frame_free(&rj);
    t.o.session_id = (char *)sid;
    t.o.referral_id = r[0];
    tu_refuse(f, "coord-s", ev, REJ(FORBIDDEN), "publish.event");
    tu_refuse(f, "gp-a1", ev, REJ(FORBIDDEN), "publish.event.kind");

    /* one outcome per item */
    tu_ok(f, "coord-n", ev, NULL);
    rj = tu_refused(f, "coord-n", ev, REJ(CONFLICT), FIELD("referral_id"));
    assert_string_equal(rj->rejected->current_state, "MDT_DECISION_CARE_PLAN_AGREED");
    assert_string_equal(rj->rejected->conflicting_id, r[0]);
    codec_frame_free(&rj);
    rj = tu_refused(f, "coord-n", tu_outcome(&t, sid, r[0], D(DEFER)), REJ(CONFLICT), FIELD("referral_id"));
    codec_frame_free(&rj);

    /* an item withdrawn since publishing has no outcome */
    tu_withdraw(f, "gp-a1", r[3]);
    rj = tu_refused(f, "coord-n", tu_outcome(&t, sid, r[3], D(DEFER)), REJ(CONFLICT), FIELD("referral_id"));
    assert_string_equal(rj->rejected->current_state, "REFERRAL_STATUS_WITHDRAWN");
    codec_frame_free(&rj);
#undef FIELD
}

static void test_outcome_effects(void **state)
{
    fx_t *f = *state;
    char r[6][WF_ID_MAX], sid[WF_ID_MAX];
    tu_subscribe(f, "gp-a1#sub", "gp-a1");
    tu_subscribe(f, "gp-a2#sub", "gp-a2");
    tu_subscribe(f, "sc-n#sub", "sc-n");
    tu_subscribe(f, "mdt-n#sub", "mdt-n");
    tu_refer(f, "gp-a2", "A81002", 20, AMBER45, r[5]); /* the other practice's patient */
    tu_triage(f, "coord-n", r[5]);
    published(f, 1, 5, r, sid);

    tu_outcome_t t;
    const Huddle__MdtDecision d[6] = {D(CARE_PLAN_AGREED), D(REFER_ON), D(MONITOR),
                                      D(NO_FURTHER_ACTION), D(ESCALATE_SAFEGUARDING), D(DEFER)};
    const Huddle__ReferralStatus after[6] = {RS(DISCUSSED), RS(DISCUSSED), RS(DISCUSSED),
                                             RS(CLOSED), RS(DISCUSSED), RS(DEFERRED)};
    uint64_t seq[6];
    for (size_t i = 0; i < 6; i++) {
        Huddle__Event *ev = tu_outcome(&t, sid, r[i], d[i]);
        t.o.refer_on_to = S("Falls prevention service");
        t.o.next_review_date = d[i] == D(MONITOR) ? S("2027-02-01") : S("");
        seq[i] = tu_ok(f, "coord-n", ev, NULL);
        assert_int_equal(referral_status(f, r[i]), after[i]);
    }
    Huddle__ReferralRecord *rec = referral_record(f, r[2]);
    assert_int_equal(rec->last_decision, D(MONITOR));
    assert_string_equal(rec->lead_professional, "Community matron");
    assert_string_equal(rec->next_review_date, "2027-02-01");
    assert_string_equal(rec->last_session_id, sid);
    huddle__referral_record__free_unpacked(rec, NULL);
    rec = referral_record(f, r[5]);
    assert_int_equal(rec->times_deferred, 1);
    assert_int_equal(rec->last_decision, D(DEFER));

    /* the outcome is about the referral: its patient, its practice, its journey */
    Huddle__Event *ev = event_at(f, seq[5]);
    assert_string_equal(ev->subject->nhs_number, rec->nhs_number);
    assert_string_equal(ev->subject->referral_id, r[5]);
    assert_string_equal(ev->subject->session_id, sid);
    assert_string_equal(ev->scope->practice_ods, "A81002");
    assert_string_equal(ev->correlation_id, rec->correlation_id);
    huddle__event__free_unpacked(ev, NULL);
    huddle__referral_record__free_unpacked(rec, NULL);

    /* each practice hears its own patients' outcomes, and the team all of them */
    Huddle__Frame *last;
    assert_int_equal(tu_delivered(f, "gp-a2#sub", KIND(MDT_OUTCOME_RECORDED), 0, &last), 1);
    assert_string_equal(last->deliver->event->subject->referral_id, r[5]);
    codec_frame_free(&last);
    assert_int_equal(tu_delivered(f, "gp-a1#sub", KIND(MDT_OUTCOME_RECORDED), 0, NULL), 5);
    assert_int_equal(tu_delivered(f, "mdt-n#sub", KIND(MDT_OUTCOME_RECORDED), 0, NULL), 6);

    /* safeguarding: to the council's adult social care */
    ev = tu_must(f, KIND(ESCALATION_RAISED), 0);
    assert_int_equal(ev->cause_seq, seq[4]);
    assert_int_equal(ev->escalation->reason, HUDDLE__ESCALATION_REASON__ESCALATION_REASON_SAFEGUARDING);
    assert_int_equal(ev->escalation->to_role, HUDDLE__ROLE__ROLE_SOCIAL_CARE);
    assert_string_equal(ev->escalation->to_org_ods, "E08000026");
    assert_string_equal(ev->subject->referral_id, r[4]);
    huddle__event__free_unpacked(ev, NULL);
    assert_int_equal(tu_delivered(f, "sc-n#sub", KIND(ESCALATION_RAISED), 0, NULL), 1);

    /* the session keeps one outcome per item; the review date set a timer */
    Huddle__SessionRecord *s = tu_session_record(f, sid);
    assert_int_equal(s->n_outcomes, 6);
    assert_string_equal(s->outcomes[2]->referral_id, r[2]);
    assert_int_equal(s->outcomes[2]->decision, D(MONITOR));
    assert_int_equal(s->outcomes[2]->outcome_seq, seq[2]);
    huddle__session_record__free_unpacked(s, NULL);
}

static void test_close_defers_the_rest(void **state)
{
    fx_t *f = *state;
    char r[4][WF_ID_MAX], sid[WF_ID_MAX], fresh[2][WF_ID_MAX], s2[WF_ID_MAX];
    published(f, 1, 4, r, sid);
    tu_outcome_t t;
    tu_ok(f, "coord-n", tu_outcome(&t, sid, r[0], D(CARE_PLAN_AGREED)), NULL);
    tu_withdraw(f, "gp-a1", r[1]);
    uint64_t seq = tu_close(f, "coord-n", sid);
    assert_int_equal(referral_status(f, r[0]), RS(DISCUSSED));
    assert_int_equal(referral_status(f, r[1]), RS(WITHDRAWN));
    assert_int_equal(referral_status(f, r[2]), RS(DEFERRED));
    assert_int_equal(referral_status(f, r[3]), RS(DEFERRED));
    assert_int_equal(tu_count(f, KIND(REFERRAL_STATUS_CHANGED), seq), 2);
    Huddle__Event *ev = tu_must(f, KIND(REFERRAL_STATUS_CHANGED), 0);
    assert_string_equal(ev->referral_status_changed->reason, "not reached at the session");
    assert_string_equal(ev->referral_status_changed->session_id, sid);
    assert_int_equal(ev->referral_status_changed->to_status, RS(DEFERRED));
    huddle__event__free_unpacked(ev, NULL);
    Huddle__SessionRecord *s = tu_session_record(f, sid);
    assert_int_equal(s->state, HUDDLE__SESSION_STATE__SESSION_STATE_CLOSED);
    assert_int_equal(s->closed_at_ms, T0);
    huddle__session_record__free_unpacked(s, NULL);

    /* closed is closed */
    Huddle__Event cl = HUDDLE__EVENT__INIT;
    Huddle__MdtSessionClose c = HUDDLE__MDT_SESSION_CLOSE__INIT;
    cl.kind = KIND(MDT_SESSION_CLOSED);
    cl.payload_case = HUDDLE__EVENT__PAYLOAD_MDT_SESSION_CLOSE;
    cl.mdt_session_close = &c;
    c.session_id = sid;
    Huddle__Frame *rj = tu_refused(f, "coord-n", &cl, REJ(CONFLICT), "publish.event.mdt_session_close.session_id");
    assert_string_equal(rj->rejected->current_state, "SESSION_STATE_CLOSED");
    codec_frame_free(&rj);
    rj = tu_refused(f, "coord-n", tu_outcome(&t, sid, r[2], D(DEFER)), REJ(CONFLICT),
                    "publish.event.mdt_outcome.session_id");
    codec_frame_free(&rj);
    tu_refuse(f, "coord-s", &cl, REJ(FORBIDDEN), "publish.event");

    /* at the next build the deferred come first, ahead of new referrals of the same score */
    tu_waiting(f, 10, AMBER45, fresh[0]);
    tu_waiting(f, 11, AMBER45, fresh[1]);
    tu_session(f, "coord-n", "nb-north", START + 7 * DAY_MS, 20, s2);
    tu_build(f, "coord-n", s2);
    ev = tu_agenda(f, KIND(MDT_AGENDA_BUILT));
    const Huddle__MdtAgenda *a = ev->mdt_agenda;
    assert_int_equal(a->n_items, 2);
    assert_string_equal(a->items[0]->referral_id, r[2]);
    assert_string_equal(a->items[1]->referral_id, r[3]);
    assert_true(a->items[0]->deferred_before);
    assert_int_equal(a->items[0]->effective_priority, 55);
    assert_int_equal(a->left_waiting, 2);
    huddle__event__free_unpacked(ev, NULL);
}

/* 2027-02-01T00:00:00Z */
#define REVIEW_DATE "2027-02-01"
#define REVIEW_MS INT64_C(1801440000000)

static int count_review(const store_val_t *key, const store_val_t *val, void *ctx)
{
    (void)key;
    Huddle__TimerRecord *t = huddle__timer_record__unpack(NULL, val->len, val->data);
    assert_non_null(t);
    if (t->kind == HUDDLE__TIMER_KIND__TIMER_KIND_MDT_REVIEW) {
        assert_int_equal(t->due_at_ms, REVIEW_MS);
        (*(unsigned *)ctx)++;
    }
    huddle__timer_record__free_unpacked(t, NULL);
    return 0;
}

static unsigned pending_reviews(fx_t *f)
{
    store_txn_t *r;
    unsigned n = 0;
    assert_int_equal(store_read_begin(f->store, &r), STORE_OK);
    assert_true(store_scan(r, STORE_TIMERS, NULL, 0, 0, count_review, &n) >= 0);
    store_txn_end(&r);
    return n;
}

static void restart(fx_t *f, int64_t now_ms)
{
    stop(f);
    start(f);
    fx_hello_all(f);
    fx_clock(f, "coord-n", now_ms, 0);
}

static void test_review_timer_once_across_restart(void **state)
{
    fx_t *f = *state;
    char r[1][WF_ID_MAX], sid[WF_ID_MAX];
    published(f, 1, 1, r, sid);
    tu_outcome_t t;
    Huddle__Event *ev = tu_outcome(&t, sid, r[0], D(MONITOR));
    t.o.next_review_date = S(REVIEW_DATE);
    tu_ok(f, "coord-n", ev, NULL);
    assert_int_equal(pending_reviews(f), 1);

    fx_clock(f, "coord-n", REVIEW_MS - 1, 0);
    assert_int_equal(referral_status(f, r[0]), RS(DISCUSSED));
    restart(f, REVIEW_MS - 1);
    assert_int_equal(tu_count(f, KIND(MDT_REVIEW_DUE), 0), 0);
    assert_int_equal(referral_status(f, r[0]), RS(DISCUSSED));

    uint64_t before = tu_last_seq(f);
    fx_clock(f, "coord-n", 0, 1); /* the review date, midnight UTC */
    assert_int_equal(tu_count(f, KIND(MDT_REVIEW_DUE), before), 1);
    ev = tu_must(f, KIND(MDT_REVIEW_DUE), 0);
    assert_true(ev->derived);
    assert_string_equal(ev->mdt_review_due->referral_id, r[0]);
    assert_string_equal(ev->mdt_review_due->review_date, REVIEW_DATE);
    assert_string_equal(ev->mdt_review_due->last_session_id, sid);
    assert_string_equal(ev->mdt_review_due->lead_professional, "Community matron");
    assert_string_equal(ev->subject->referral_id, r[0]);
    assert_string_equal(ev->scope->practice_ods, "A81001");
    assert_int_equal(ev->occurred_at_ms, REVIEW_MS);
    huddle__event__free_unpacked(ev, NULL);
    Huddle__ReferralRecord *rec = referral_record(f, r[0]);
    assert_int_equal(rec->status, RS(ACCEPTED)); /* waiting again, from the review date */
    assert_int_equal(rec->waiting_since_ms, REVIEW_MS);
    huddle__referral_record__free_unpacked(rec, NULL);
    ev = tu_must(f, KIND(REFERRAL_STATUS_CHANGED), 0);
    assert_string_equal(ev->referral_status_changed->reason, "review due");
    huddle__event__free_unpacked(ev, NULL);
    assert_int_equal(pending_reviews(f), 0);

    /* never again: not on later ticks, nor after a restart */
    fx_clock(f, "coord-n", 0, DAY_MS);
    restart(f, REVIEW_MS + 2 * DAY_MS);
    assert_int_equal(tu_count(f, KIND(MDT_REVIEW_DUE), 0), 1);
    assert_int_equal(referral_status(f, r[0]), RS(ACCEPTED));
}

/* A referral closed before its review date is not put back on the list. */
static void test_review_not_due_once_moved_on(void **state)
{
    fx_t *f = *state;
    char r[1][WF_ID_MAX], sid[WF_ID_MAX];
    published(f, 1, 1, r, sid);
    tu_outcome_t t;
    Huddle__Event *ev = tu_outcome(&t, sid, r[0], D(MONITOR));
    t.o.next_review_date = S(REVIEW_DATE);
    tu_ok(f, "coord-n", ev, NULL);
    Huddle__Event cl = HUDDLE__EVENT__INIT;
    Huddle__ReferralClose c = HUDDLE__REFERRAL_CLOSE__INIT;
    cl.kind = KIND(REFERRAL_CLOSED);
    cl.payload_case = HUDDLE__EVENT__PAYLOAD_REFERRAL_CLOSE;
    cl.referral_close = &c;
    c.referral_id = r[0];
    c.reason = S("care plan in place");
    tu_ok(f, "coord-n", &cl, NULL);
    fx_clock(f, "coord-n", REVIEW_MS, 0);
    assert_int_equal(tu_count(f, KIND(MDT_REVIEW_DUE), 0), 0);
    assert_int_equal(referral_status(f, r[0]), RS(CLOSED));
    assert_int_equal(pending_reviews(f), 0); /* fired, and did nothing */
}

static Huddle__Frame *ask_agenda(fx_t *f, const char *rid, const char *sid)
{
    Huddle__Query q = HUDDLE__QUERY__INIT;
    q.kind = HUDDLE__QUERY_KIND__QUERY_KIND_AGENDA;
    q.session_id = (char *)sid;
    q.purpose = S("preparing the MDT");
    return fx_query(f, rid, &q);
}

static void expect_refused(Huddle__Frame *r, Huddle__RejectCode code, const char *field)
{
    assert_int_equal(r->body_case, HUDDLE__FRAME__BODY_REJECTED);
    assert_int_equal(r->rejected->code, code);
    assert_string_equal(r->rejected->field, field);
    codec_frame_free(&r);
}

static void test_agenda_query(void **state)
{
    fx_t *f = *state;
    char r[2][WF_ID_MAX], sid[WF_ID_MAX];
    tu_waiting(f, 1, RED, r[0]);
    tu_waiting(f, 2, AMBER45, r[1]);
    tu_session(f, "coord-n", "nb-north", START, 60, sid);
    tu_build(f, "coord-n", sid);

    Huddle__Frame *a = ask_agenda(f, "coord-n", sid);
    assert_int_equal(a->body_case, HUDDLE__FRAME__BODY_ANSWER);
    assert_int_equal(a->answer->result_case, HUDDLE__ANSWER__RESULT_AGENDA);
    const Huddle__MdtAgenda *ag = a->answer->agenda;
    assert_string_equal(ag->session_id, sid);
    assert_int_equal(ag->n_items, 2);
    assert_false(ag->published);
    assert_string_equal(ag->items[0]->referral_id, r[0]);
    tu_audit_t q = {.agent = "coord-n", .purpose = HUDDLE__AUDIT_PURPOSE__AUDIT_PURPOSE_QUERY};
    tu_audit(f, &q);
    assert_int_equal(q.n, 2); /* one per patient on it */
    assert_string_equal(q.nhs[0], ag->items[0]->nhs_number);
    assert_string_equal(q.nhs[1], ag->items[1]->nhs_number);
    codec_frame_free(&a);

    /* an MDT member sees it once published; other neighbourhoods never */
    expect_refused(ask_agenda(f, "mdt-n", sid), REJ(FORBIDDEN), "query.session_id");
    tu_audit_t denied = {.agent = "mdt-n", .purpose = HUDDLE__AUDIT_PURPOSE__AUDIT_PURPOSE_DENIED};
    tu_audit(f, &denied);
    assert_int_equal(denied.n, 1);
    expect_refused(ask_agenda(f, "coord-s", sid), REJ(FORBIDDEN), "query.session_id");
    expect_refused(ask_agenda(f, "gp-a1", sid), REJ(FORBIDDEN), "query.kind");
    expect_refused(ask_agenda(f, "coord-n", "S999999"), REJ(NOT_FOUND), "query.session_id");
    expect_refused(ask_agenda(f, "coord-n", ""), REJ(INVALID), "query.session_id");
    tu_publish_agenda(f, "coord-n", sid);
    a = ask_agenda(f, "mdt-n", sid);
    assert_int_equal(a->body_case, HUDDLE__FRAME__BODY_ANSWER);
    assert_true(a->answer->agenda->published);
    assert_int_equal(a->answer->agenda->n_items, 2);
    codec_frame_free(&a);
    q.agent = "mdt-n";
    tu_audit(f, &q);
    assert_int_equal(q.n, 2);
    expect_refused(ask_agenda(f, "mdt-s", sid), REJ(FORBIDDEN), "query.session_id");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_create_session, tu_mdt_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_outcome_rules, tu_mdt_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_outcome_effects, tu_mdt_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_close_defers_the_rest, tu_mdt_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_review_timer_once_across_restart, tu_mdt_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_review_not_due_once_moved_on, tu_mdt_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_agenda_query, tu_mdt_setup, fx_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
