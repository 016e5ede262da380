/*
 * tu_mdt — what the MDT tests share on top of tu_inproc.h: a neighbourhood team (GP
 * practices, coordinators, MDT members, social care) said Hello under the test clock,
 * referrals on the waiting list with a chosen score, the MDT requests, and reading back
 * the log, the session table, the timers and the audit trail.
 *
 * Scores by the default weights: 3 per long-term condition (up to 30), 5 per emergency
 * admission (up to 20), 15 if urgent. RED from 60, AMBER from 35, GREEN below.
 */
#ifndef HUDDLE_TU_MDT_H
#define HUDDLE_TU_MDT_H

#include "tu_inproc.h"

#include "referral.h"

#define S(literal) ((char *)(literal))
#define KIND(name) HUDDLE__EVENT_KIND__EVENT_KIND_##name
#define RS(name) HUDDLE__REFERRAL_STATUS__REFERRAL_STATUS_##name
#define REJ(name) HUDDLE__REJECT_CODE__REJECT_CODE_##name
#define DAY_MS HD_MS_PER_DAY
#define MIN_MS INT64_C(60000)

/* 2027-01-15T08:00:00Z: the tests' "now" when they start. */
#define T0 INT64_C(1800000000000)

static tu_agent_t mdt_agents[] = {
    {.id = "gp-a1", .role = HUDDLE__ROLE__ROLE_GP_PRACTICE, .org = "A81001"},
    {.id = "gp-a2", .role = HUDDLE__ROLE__ROLE_GP_PRACTICE, .org = "A81002"},
    {.id = "gp-b", .role = HUDDLE__ROLE__ROLE_GP_PRACTICE, .org = "B82001"},
    {.id = "coord-n", .role = HUDDLE__ROLE__ROLE_INT_COORDINATOR, .org = "INT01", .neighbourhood = "nb-north"},
    {.id = "coord-s", .role = HUDDLE__ROLE__ROLE_INT_COORDINATOR, .org = "INT02", .neighbourhood = "nb-south"},
    {.id = "mdt-n", .role = HUDDLE__ROLE__ROLE_MDT_MEMBER, .org = "RY101", .neighbourhood = "nb-north"},
    {.id = "mdt-s", .role = HUDDLE__ROLE__ROLE_MDT_MEMBER, .org = "RY102", .neighbourhood = "nb-south"},
    {.id = "sc-n", .role = HUDDLE__ROLE__ROLE_SOCIAL_CARE, .org = "E08000026", .la = "E08000026"},
};

#define N_MDT_AGENTS (sizeof mdt_agents / sizeof mdt_agents[0])

static unsigned tu_msgs;

/* Every agent connected on a session named after it; the clock reads T0. */
static inline int tu_mdt_setup(void **state)
{
    *state = fx_new_connected(mdt_agents, N_MDT_AGENTS, "coord-n", T0);
    return 0;
}

/* A valid NHS number for patient i, distinct for each i. */
static inline const char *tu_nhs(unsigned i, char out[11])
{
    return tu_nhs_at(400000000u + i * 7u, out);
}

/* Publishes ev as rid (a fresh message id) and commits: the reply (the caller frees it).
 * Never inlined, like expect: its failure path does not return. */
__attribute__((noinline, unused)) static Huddle__Frame *tu_send(fx_t *f, const char *rid, Huddle__Event *ev)
{
    char id[32];
    snprintf(id, sizeof id, "m-%u", ++tu_msgs);
    ev->message_id = id;
    fx_publish(f, rid, ev);
    broker_commit(f->b);
    Huddle__Frame *r = take(f, rid);
    if (!r)
        fail_msg("no reply for %s", rid);
    ev->message_id = NULL;
    return r;
}

/* ev must be accepted: its seq, and the id it assigned into assigned (may be NULL). */
static inline uint64_t tu_ok(fx_t *f, const char *rid, Huddle__Event *ev, char assigned[WF_ID_MAX])
{
    Huddle__Frame *r = tu_send(f, rid, ev);
    if (r->body_case != HUDDLE__FRAME__BODY_ACCEPTED)
        fail_msg("%s: expected Accepted, got %d: %s %s", rid, r->body_case,
                 r->body_case == HUDDLE__FRAME__BODY_REJECTED ? r->rejected->field : "",
                 r->body_case == HUDDLE__FRAME__BODY_REJECTED ? r->rejected->reason : "");
    uint64_t seq = r->accepted->seq;
    if (assigned)
        snprintf(assigned, WF_ID_MAX, "%s", r->accepted->assigned_id);
    codec_frame_free(&r);
    return seq;
}

/* ev must be refused with code naming field: the Rejected (the caller frees the frame). */
static inline Huddle__Frame *tu_refused(fx_t *f, const char *rid, Huddle__Event *ev, Huddle__RejectCode code,
                                        const char *field)
{
    Huddle__Frame *r = tu_send(f, rid, ev);
    if (r->body_case != HUDDLE__FRAME__BODY_REJECTED)
        fail_msg("%s: expected Rejected %s, got frame %d", rid, field, r->body_case);
    if (r->rejected->code != code || strcmp(r->rejected->field, field) != 0)
        fail_msg("%s: expected %d at %s, got %d at %s: %s", rid, code, field, r->rejected->code, r->rejected->field,
                 r->rejected->reason);
    assert_true(r->rejected->reason[0] != '\0');
    return r;
}

static inline void tu_refuse(fx_t *f, const char *rid, Huddle__Event *ev, Huddle__RejectCode code, const char *field)
{
    Huddle__Frame *r = tu_refused(f, rid, ev, code, field);
    codec_frame_free(&r);
}

/* ---- referrals ---- */

/* A submission of patient i by practice ods scoring 3 * ltc + 5 * admissions (+15 urgent). */
typedef struct {
    Huddle__Event ev;
    Huddle__Subject sub;
    Huddle__ReferralSubmit s;
    char nhs[11];
} tu_submit_t;

static inline void tu_submit_init(tu_submit_t *t, const char *ods, unsigned patient, unsigned ltc, unsigned admissions,
                                  bool urgent)
{
    t->ev = (Huddle__Event)HUDDLE__EVENT__INIT;
    t->sub = (Huddle__Subject)HUDDLE__SUBJECT__INIT;
    t->s = (Huddle__ReferralSubmit)HUDDLE__REFERRAL_SUBMIT__INIT;
    tu_nhs(patient, t->nhs);
    t->sub.nhs_number = t->nhs;
    t->ev.kind = KIND(REFERRAL_SUBMITTED);
    t->ev.subject = &t->sub;
    t->ev.payload_case = HUDDLE__EVENT__PAYLOAD_REFERRAL_SUBMIT;
    t->ev.referral_submit = &t->s;
    t->s.nhs_number = t->nhs;
    t->s.practice_ods = (char *)ods;
    t->s.age_case = HUDDLE__REFERRAL_SUBMIT__AGE_AGE_YEARS;
    t->s.age_years = 81;
    t->s.long_term_conditions = ltc;
    t->s.emergency_admissions_12m = admissions;
    t->s.urgent = urgent;
    t->s.consent_recorded = true;
    t->s.reason = S("falls and carer strain");
}

/* Submits a referral as gp (of practice ods): its id into id. */
static inline void tu_refer(fx_t *f, const char *gp, const char *ods, unsigned patient, unsigned ltc,
                            unsigned admissions, bool urgent, char id[WF_ID_MAX])
{
    tu_submit_t t;
    tu_submit_init(&t, ods, patient, ltc, admissions, urgent);
    tu_ok(f, gp, &t.ev, id);
}

static inline void tu_triage(fx_t *f, const char *coord, const char *id)
{
    Huddle__Event ev = HUDDLE__EVENT__INIT;
    Huddle__ReferralTriage t = HUDDLE__REFERRAL_TRIAGE__INIT;
    ev.kind = KIND(REFERRAL_TRIAGED);
    ev.payload_case = HUDDLE__EVENT__PAYLOAD_REFERRAL_TRIAGE;
    ev.referral_triage = &t;
    t.referral_id = (char *)id;
    t.decision = HUDDLE__TRIAGE_DECISION__TRIAGE_DECISION_ACCEPT;
    t.reason = S("for the MDT");
    tu_ok(f, coord, &ev, NULL);
}

/* A referral of nb-north (practice A81001) accepted onto the waiting list. */
static inline void tu_waiting(fx_t *f, unsigned patient, unsigned ltc, unsigned admissions, bool urgent,
                              char id[WF_ID_MAX])
{
    tu_refer(f, "gp-a1", "A81001", patient, ltc, admissions, urgent, id);
    tu_triage(f, "coord-n", id);
}

static inline void tu_withdraw(fx_t *f, const char *gp, const char *id)
{
    Huddle__Event ev = HUDDLE__EVENT__INIT;
    Huddle__ReferralWithdraw w = HUDDLE__REFERRAL_WITHDRAW__INIT;
    ev.kind = KIND(REFERRAL_WITHDRAWN);
    ev.payload_case = HUDDLE__EVENT__PAYLOAD_REFERRAL_WITHDRAW;
    ev.referral_withdraw = &w;
    w.referral_id = (char *)id;
    w.reason = S("moved away");
    tu_ok(f, gp, &ev, NULL);
}

/* ---- MDT requests ---- */

/* A session of nb-north created by coord-n, starting start_ms, length minutes: its id. */
static inline void tu_session(fx_t *f, const char *coord, const char *nbh, int64_t start_ms, uint32_t length,
                              char id[WF_ID_MAX])
{
    Huddle__Event ev = HUDDLE__EVENT__INIT;
    Huddle__MdtSessionCreate c = HUDDLE__MDT_SESSION_CREATE__INIT;
    ev.kind = KIND(MDT_SESSION_CREATED);
    ev.payload_case = HUDDLE__EVENT__PAYLOAD_MDT_SESSION_CREATE;
    ev.mdt_session_create = &c;
    c.neighbourhood_id = (char *)nbh;
    c.starts_at_ms = start_ms;
    c.length_minutes = length;
    c.title = S("North locality MDT");
    tu_ok(f, coord, &ev, id);
}

/* A request naming only its session: build, publish. */
static inline void tu_session_event(Huddle__Event *ev, int kind, const char *sid, Huddle__MdtAgendaBuild *b,
                                    Huddle__MdtAgendaPublish *p)
{
    *ev = (Huddle__Event)HUDDLE__EVENT__INIT;
    ev->kind = kind;
    if (kind == KIND(MDT_AGENDA_BUILT)) {
        *b = (Huddle__MdtAgendaBuild)HUDDLE__MDT_AGENDA_BUILD__INIT;
        b->session_id = (char *)sid;
        ev->payload_case = HUDDLE__EVENT__PAYLOAD_MDT_AGENDA_BUILD;
        ev->mdt_agenda_build = b;
    } else {
        *p = (Huddle__MdtAgendaPublish)HUDDLE__MDT_AGENDA_PUBLISH__INIT;
        p->session_id = (char *)sid;
        ev->payload_case = HUDDLE__EVENT__PAYLOAD_MDT_AGENDA_PUBLISH;
        ev->mdt_agenda_publish = p;
    }
}

static inline uint64_t tu_build(fx_t *f, const char *coord, const char *sid)
{
    Huddle__Event ev;
    Huddle__MdtAgendaBuild b;
    tu_session_event(&ev, KIND(MDT_AGENDA_BUILT), sid, &b, NULL);
    return tu_ok(f, coord, &ev, NULL);
}

static inline uint64_t tu_publish_agenda(fx_t *f, const char *coord, const char *sid)
{
    Huddle__Event ev;
    Huddle__MdtAgendaPublish p;
    tu_session_event(&ev, KIND(MDT_AGENDA_PUBLISHED), sid, NULL, &p);
    return tu_ok(f, coord, &ev, NULL);
}

typedef struct {
    Huddle__Event ev;
    Huddle__MdtAgendaEdit e;
} tu_edit_t;

static inline Huddle__Event *tu_edit(tu_edit_t *t, const char *sid, Huddle__AgendaEditOp op, const char *rid,
                                     uint32_t position, uint32_t minutes)
{
    t->ev = (Huddle__Event)HUDDLE__EVENT__INIT;
    t->e = (Huddle__MdtAgendaEdit)HUDDLE__MDT_AGENDA_EDIT__INIT;
    t->ev.kind = KIND(MDT_AGENDA_EDITED);
    t->ev.payload_case = HUDDLE__EVENT__PAYLOAD_MDT_AGENDA_EDIT;
    t->ev.mdt_agenda_edit = &t->e;
    t->e.session_id = (char *)sid;
    t->e.op = op;
    t->e.referral_id = (char *)rid;
    t->e.position = position;
    t->e.minutes = minutes;
    return &t->ev;
}

typedef struct {
    Huddle__Event ev;
    Huddle__MdtOutcome o;
} tu_outcome_t;

static inline Huddle__Event *tu_outcome(tu_outcome_t *t, const char *sid, const char *rid, Huddle__MdtDecision d)
{
    t->ev = (Huddle__Event)HUDDLE__EVENT__INIT;
    t->o = (Huddle__MdtOutcome)HUDDLE__MDT_OUTCOME__INIT;
    t->ev.kind = KIND(MDT_OUTCOME_RECORDED);
    t->ev.payload_case = HUDDLE__EVENT__PAYLOAD_MDT_OUTCOME;
    t->ev.mdt_outcome = &t->o;
    t->o.session_id = (char *)sid;
    t->o.referral_id = (char *)rid;
    t->o.decision = d;
    t->o.lead_professional = S("Community matron");
    return &t->ev;
}

static inline uint64_t tu_close(fx_t *f, const char *coord, const char *sid)
{
    Huddle__Event ev = HUDDLE__EVENT__INIT;
    Huddle__MdtSessionClose c = HUDDLE__MDT_SESSION_CLOSE__INIT;
    ev.kind = KIND(MDT_SESSION_CLOSED);
    ev.payload_case = HUDDLE__EVENT__PAYLOAD_MDT_SESSION_CLOSE;
    ev.mdt_session_close = &c;
    c.session_id = (char *)sid;
    return tu_ok(f, coord, &ev, NULL);
}

/* ---- reading back ---- */

static inline uint64_t tu_last_seq(fx_t *f)
{
    store_txn_t *r;
    assert_int_equal(store_read_begin(f->store, &r), STORE_OK);
    uint64_t last = store_last_seq(r);
    store_txn_end(&r);
    return last;
}

/* The latest event of kind (and payload case, 0 = any), or NULL (the caller frees it). */
static inline Huddle__Event *tu_latest(fx_t *f, int kind, int payload)
{
    for (uint64_t seq = tu_last_seq(f); seq > 0; seq--) {
        Huddle__Event *ev = event_at(f, seq);
        if ((int)ev->kind == kind && (!payload || (int)ev->payload_case == payload))
            return ev;
        huddle__event__free_unpacked(ev, NULL);
    }
    return NULL;
}

/* The latest event of kind (and payload), which must be there (the caller frees it).
 * Never inlined: its failure path does not return. */
__attribute__((noinline, unused)) static Huddle__Event *tu_must(fx_t *f, int kind, int payload)
{
    Huddle__Event *ev = tu_latest(f, kind, payload);
    if (!ev)
        fail_msg("no event of kind %d in the log", kind);
    return ev;
}

/* The agenda the broker derived last (the caller frees the event). */
static inline Huddle__Event *tu_agenda(fx_t *f, int kind)
{
    Huddle__Event *ev = tu_must(f, kind, HUDDLE__EVENT__PAYLOAD_MDT_AGENDA);
    assert_true(ev->derived);
    return ev;
}

/* Events of kind after seq `after`. */
static inline unsigned tu_count(fx_t *f, int kind, uint64_t after)
{
    unsigned n = 0;
    for (uint64_t seq = after + 1, last = tu_last_seq(f); seq <= last; seq++) {
        Huddle__Event *ev = event_at(f, seq);
        n += (int)ev->kind == kind;
        huddle__event__free_unpacked(ev, NULL);
    }
    return n;
}

/* The session's record (the caller frees it). */
static inline Huddle__SessionRecord *tu_session_record(fx_t *f, const char *sid)
{
    store_txn_t *r;
    store_val_t v;
    assert_int_equal(store_read_begin(f->store, &r), STORE_OK);
    assert_int_equal(store_get(r, STORE_SESSIONS, sid, strlen(sid), &v), STORE_OK);
    Huddle__SessionRecord *s = huddle__session_record__unpack(NULL, v.len, v.data);
    store_txn_end(&r);
    assert_non_null(s);
    return s;
}

typedef struct {
    const char *agent;
    Huddle__AuditPurpose purpose;
    uint64_t event_seq; /* 0 = any */
    unsigned n;
    char nhs[100][11];  /* the patients of the records counted, in order */
} tu_audit_t;

static inline int tu_audit_step(const store_val_t *key, const store_val_t *val, void *ctx)
{
    (void)key;
    tu_audit_t *q = ctx;
    Huddle__AuditRecord *a = huddle__audit_record__unpack(NULL, val->len, val->data);
    assert_non_null(a);
    if (!strcmp(a->agent_id, q->agent) && a->purpose == q->purpose && (!q->event_seq || a->event_seq == q->event_seq)) {
        if (q->n < 100)
            snprintf(q->nhs[q->n], sizeof q->nhs[0], "%s", a->nhs_number);
        q->n++;
    }
    huddle__audit_record__free_unpacked(a, NULL);
    return 0;
}

/* The audit records of agent for purpose (and the event at seq, unless 0). */
static inline void tu_audit(fx_t *f, tu_audit_t *q)
{
    store_txn_t *r;
    q->n = 0;
    assert_int_equal(store_read_begin(f->store, &r), STORE_OK);
    assert_true(store_scan(r, STORE_AUDIT, NULL, 0, 0, tu_audit_step, q) >= 0);
    store_txn_end(&r);
}

/* A durable subscription of agent on connection rid, from now on, for every event in
 * its scope. */
static inline void tu_subscribe(fx_t *f, const char *rid, const char *agent)
{
    hello(f, rid, agent);
    Huddle__Frame fr = HUDDLE__FRAME__INIT;
    Huddle__Subscribe q = HUDDLE__SUBSCRIBE__INIT;
    fr.body_case = HUDDLE__FRAME__BODY_SUBSCRIBE;
    fr.subscribe = &q;
    q.name = S("all");
    q.credit = 1000;
    send_frame(f, rid, &fr);
    broker_commit(f->b);
    Huddle__Frame *r = expect(f, rid, HUDDLE__FRAME__BODY_SUBSCRIBED);
    codec_frame_free(&r);
}

/* Deliveries queued for rid of this kind (and payload, 0 = any), taken off the queue;
 * the last one's event into *last (may be NULL; the caller frees the frame). */
static inline unsigned tu_delivered(fx_t *f, const char *rid, int kind, int payload, Huddle__Frame **last)
{
    /* deliveries with patient data wait for the commit of their audit records */
    for (size_t before = SIZE_MAX; before != queued(f, rid);) {
        before = queued(f, rid);
        broker_commit(f->b);
    }
    unsigned n = 0;
    if (last)
        *last = NULL;
    for (Huddle__Frame *d; (d = take(f, rid)) != NULL;) {
        assert_int_equal(d->body_case, HUDDLE__FRAME__BODY_DELIVER);
        const Huddle__Event *ev = d->deliver->event;
        if ((int)ev->kind == kind && (!payload || (int)ev->payload_case == payload)) {
            n++;
            if (last) {
                if (*last)
                    codec_frame_free(last);
                *last = d;
                continue;
            }
        }
        codec_frame_free(&d);
    }
    return n;
}

#endif
