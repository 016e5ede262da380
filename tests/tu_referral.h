/*
 * tu_referral — what the referral tests share on top of tu_inproc.h: the agents of two
 * neighbourhoods, a valid submission to vary, publishing each referral kind, the
 * waiting list and open-referral index, and the moves mdt.c makes (SCHEDULED,
 * DISCUSSED, DEFERRED ...) made through referral_move in a batch of the test's own, as
 * a workflow would make them.
 */
#ifndef HUDDLE_TU_REFERRAL_H
#define HUDDLE_TU_REFERRAL_H

#include "tu_inproc.h"

#include "nhs.h"
#include "record.h"
#include "referral.h"
#include "timer.h"
#include "waiting.h"

#define S(literal) ((char *)(literal))
#define DAY_MS INT64_C(86400000)
#define T0 INT64_C(1800000000000) /* 2027-01-15 */

#define RS(name) HUDDLE__REFERRAL_STATUS__REFERRAL_STATUS_##name
#define KIND(name) HUDDLE__EVENT_KIND__EVENT_KIND_##name
#define CODE(name) HUDDLE__REJECT_CODE__REJECT_CODE_##name

static tu_agent_t agents[] = {
    {.id = "gp-a81001", .role = HUDDLE__ROLE__ROLE_GP_PRACTICE, .org = "A81001"},
    {.id = "gp-a81002", .role = HUDDLE__ROLE__ROLE_GP_PRACTICE, .org = "A81002"},
    {.id = "gp-b82001", .role = HUDDLE__ROLE__ROLE_GP_PRACTICE, .org = "B82001"},
    {.id = "gp-unknown", .role = HUDDLE__ROLE__ROLE_GP_PRACTICE, .org = "C99999"},
    {.id = "coord-north", .role = HUDDLE__ROLE__ROLE_INT_COORDINATOR, .org = "NTEAM1", .neighbourhood = "nb-north"},
    {.id = "coord-south", .role = HUDDLE__ROLE__ROLE_INT_COORDINATOR, .org = "STEAM1", .neighbourhood = "nb-south"},
    {.id = "mdt-north", .role = HUDDLE__ROLE__ROLE_MDT_MEMBER, .org = "RY123", .neighbourhood = "nb-north"},
    {.id = "sc-north", .role = HUDDLE__ROLE__ROLE_SOCIAL_CARE, .org = "E08000026", .la = "E08000026"},
    {.id = "auditor", .role = HUDDLE__ROLE__ROLE_AUDITOR, .org = "X26"},
};

static int setup(void **state)
{
    *state = fx_new(agents, sizeof agents / sizeof agents[0]);
    return 0;
}

/* The i-th valid NHS number of the tests, into out. */
static inline char *nhs(unsigned i, char out[NHS_NUMBER_BUF])
{
    return tu_nhs_at(400000000u + i * 13u, out);
}

/* A valid submission for patient `patient` of A81001: 80 years old, 6 long-term
 * conditions (18 points, MULTIMORBIDITY), eFI 0.3 (moderate, 20 points, FRAILTY):
 * score 38, AMBER. */
static inline Huddle__ReferralSubmit good(const char *patient)
{
    Huddle__ReferralSubmit s = HUDDLE__REFERRAL_SUBMIT__INIT;
    s.nhs_number = (char *)patient;
    s.practice_ods = S("A81001");
    s.age_case = HUDDLE__REFERRAL_SUBMIT__AGE_AGE_YEARS;
    s.age_years = 80;
    s.long_term_conditions = 6;
    s.frailty_case = HUDDLE__REFERRAL_SUBMIT__FRAILTY_EFI_SCORE;
    s.efi_score = 0.3;
    s.consent_recorded = 1;
    s.reason = S("Falls and increasing frailty; carer struggling");
    return s;
}

static inline uint64_t publish_submit(fx_t *f, const char *rid, const char *msgid, Huddle__ReferralSubmit *s)
{
    Huddle__Event ev = HUDDLE__EVENT__INIT;
    ev.message_id = (char *)msgid;
    ev.kind = KIND(REFERRAL_SUBMITTED);
    ev.payload_case = HUDDLE__EVENT__PAYLOAD_REFERRAL_SUBMIT;
    ev.referral_submit = s;
    return fx_publish(f, rid, &ev);
}

/* Submits s as the practice session rid and returns the referral id it was given. */
static inline void submit_as(fx_t *f, const char *rid, const char *msgid, Huddle__ReferralSubmit *s,
                             char id[WF_ID_MAX])
{
    uint64_t c = publish_submit(f, rid, msgid, s);
    Huddle__Frame *a = fx_accepted(f, rid, c);
    snprintf(id, WF_ID_MAX, "%s", a->accepted->assigned_id);
    char want[WF_ID_MAX];
    snprintf(want, sizeof want, "R%llu", (unsigned long long)a->accepted->seq);
    assert_string_equal(id, want);
    codec_frame_free(&a);
}

/* Submits s as the A81001 practice (session "gp1"). */
static inline void submit_ok(fx_t *f, const char *msgid, Huddle__ReferralSubmit *s, char id[WF_ID_MAX])
{
    submit_as(f, "gp1", msgid, s, id);
}

static inline uint64_t publish_triage(fx_t *f, const char *rid, const char *msgid, const char *id,
                                      Huddle__TriageDecision d, const char *reason, const char *signpost)
{
    Huddle__Event ev = HUDDLE__EVENT__INIT;
    Huddle__ReferralTriage t = HUDDLE__REFERRAL_TRIAGE__INIT;
    ev.message_id = (char *)msgid;
    ev.kind = KIND(REFERRAL_TRIAGED);
    ev.payload_case = HUDDLE__EVENT__PAYLOAD_REFERRAL_TRIAGE;
    ev.referral_triage = &t;
    t.referral_id = (char *)id;
    t.decision = d;
    t.reason = (char *)reason;
    t.signposted_to = (char *)signpost;
    return fx_publish(f, rid, &ev);
}

#define ACCEPT HUDDLE__TRIAGE_DECISION__TRIAGE_DECISION_ACCEPT
#define DECLINE HUDDLE__TRIAGE_DECISION__TRIAGE_DECISION_DECLINE
#define SIGNPOST HUDDLE__TRIAGE_DECISION__TRIAGE_DECISION_SIGNPOST

/* REFERRAL_WITHDRAWN (close false) or REFERRAL_CLOSED (close true). */
static inline uint64_t publish_end(fx_t *f, const char *rid, const char *msgid, const char *id, const char *reason,
                                   bool close)
{
    Huddle__Event ev = HUDDLE__EVENT__INIT;
    Huddle__ReferralWithdraw w = HUDDLE__REFERRAL_WITHDRAW__INIT;
    Huddle__ReferralClose c = HUDDLE__REFERRAL_CLOSE__INIT;
    ev.message_id = (char *)msgid;
    if (close) {
        ev.kind = KIND(REFERRAL_CLOSED);
        ev.payload_case = HUDDLE__EVENT__PAYLOAD_REFERRAL_CLOSE;
        ev.referral_close = &c;
        c.referral_id = (char *)id;
        c.reason = (char *)reason;
    } else {
        ev.kind = KIND(REFERRAL_WITHDRAWN);
        ev.payload_case = HUDDLE__EVENT__PAYLOAD_REFERRAL_WITHDRAW;
        ev.referral_withdraw = &w;
        w.referral_id = (char *)id;
        w.reason = (char *)reason;
    }
    return fx_publish(f, rid, &ev);
}

/* ---- reading the store ---- */

/* Events of this kind in the log about referral id (every referral when NULL). */
static inline unsigned count_kind(fx_t *f, Huddle__EventKind kind, const char *id)
{
    return count_about(f, kind, offsetof(Huddle__Subject, referral_id), id);
}

/* The referral's waiting-list entry: true and *out when it is on the list. */
typedef struct {
    const char *id;
    waiting_entry_t e;
    bool found;
} find_entry_t;

static inline int find_entry_fn(const waiting_entry_t *e, void *arg)
{
    find_entry_t *fe = arg;
    if (strcmp(e->referral_id, fe->id) != 0)
        return 0;
    fe->e = *e;
    fe->found = true;
    return 1;
}

static inline bool waiting_entry(fx_t *f, const char *nbh, const char *id, waiting_entry_t *out)
{
    store_txn_t *r;
    find_entry_t fe;
    memset(&fe, 0, sizeof fe);
    fe.id = id;
    assert_int_equal(store_read_begin(f->store, &r), STORE_OK);
    assert_true(waiting_scan(r, nbh, find_entry_fn, &fe) >= 0);
    store_txn_end(&r);
    if (out)
        *out = fe.e;
    return fe.found;
}

static inline bool open_index_has(fx_t *f, const char *nbh, const char *patient)
{
    uint8_t key[64];
    size_t nl = strlen(nbh);
    memcpy(key, nbh, nl);
    key[nl] = '\0';
    memcpy(key + nl + 1, patient, 10);
    store_txn_t *r;
    store_val_t v;
    assert_int_equal(store_read_begin(f->store, &r), STORE_OK);
    int rc = store_get(r, STORE_REFERRAL_OPEN, key, nl + 11, &v);
    store_txn_end(&r);
    return rc == STORE_OK;
}

/* ---- the moves mdt.c makes --------------------------------------------------- */

/* Stamps and appends a derived event, with its patient's timeline entry, as the
 * broker does; timers are kept for the broker to schedule once this batch commits. */
typedef struct {
    Huddle__TimerRecord *timers[8];
    size_t n_timers;
} move_host_t;

static inline int move_emit(void *host, wf_ctx_t *ctx, Huddle__Event *ev, uint64_t *seq_out)
{
    (void)host;
    return workflow_append_derived(ctx, ev, NULL, NULL, seq_out);
}

static inline int move_schedule(void *host, Huddle__TimerRecord *t)
{
    move_host_t *h = host;
    if (h->n_timers == sizeof h->timers / sizeof h->timers[0])
        return STORE_ENOMEM;
    h->timers[h->n_timers++] = record_copy(&t->base);
    return STORE_OK;
}

/* Moves referral id to `to` as mdt.c would (session "S1" unless session is given). */
static inline void move_as_mdt(fx_t *f, const char *id, Huddle__ReferralStatus to, Huddle__MdtDecision decision,
                               bool unscheduled)
{
    broker_commit(f->b);
    move_host_t h = {{0}, 0};
    wf_host_t host = {&h, move_emit, move_schedule};
    wf_ctx_t ctx;
    memset(&ctx, 0, sizeof ctx);
    ctx.sender = "";
    ctx.now_ms = broker_now(f->b);
    ctx.cfg = &f->cfg;
    ctx.host = &host;
    assert_int_equal(store_batch_begin(f->store, &ctx.txn), STORE_OK);
    Huddle__ReferralRecord *rec = NULL;
    assert_int_equal(referral_get(ctx.txn, id, &rec), STORE_OK);
    assert_true(referral_may_move(rec->status, to));
    ctx.correlation_id = rec->correlation_id;
    referral_why_t why = {"", "S1", decision, KIND(MDT_OUTCOME_RECORDED), 0, unscheduled};
    assert_int_equal(referral_move(&ctx, rec, to, &why), STORE_OK);
    huddle__referral_record__free_unpacked(rec, NULL);
    assert_int_equal(store_batch_commit(&ctx.txn), STORE_OK);
    /* the broker learns of the timers (and of the new log head) in a batch of its own */
    for (size_t i = 0; i < h.n_timers; i++) {
        assert_non_null(h.timers[i]);
        assert_int_equal(broker_schedule(f->b, h.timers[i]), STORE_OK);
        huddle__timer_record__free_unpacked(h.timers[i], NULL);
    }
    broker_commit(f->b);
}

#endif
