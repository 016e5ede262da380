/*
 * tu_inproc — the broker's core in process for tests: frames in through
 * broker_on_frame, replies read back from the sessions' queues, a manual clock. Agents
 * say Hello as who they are (insecure_dev) but must be registered, as in production.
 * What every workflow's tests share on top: cmocka set-up and tear-down, the replies
 * they expect, subscriptions, and reading back the log and the records.
 */
#ifndef HUDDLE_TU_INPROC_H
#define HUDDLE_TU_INPROC_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <setjmp.h>
#include <cmocka.h>

#include "broker.h"
#include "codec.h"
#include "hd_time.h"
#include "log.h"
#include "referral.h"
#include "testutil.h"
#include "tu_registry.h"

typedef struct {
    char dir[256];
    config_t cfg;
    store_config_t sc;
    store_t *store;
    broker_t *b;
    uint64_t corr;
    const tu_agent_t *agents; /* registered on first start */
    size_t n_agents;
} fx_t;

static inline void start(fx_t *f)
{
    char why[256];
    if (store_open(&f->store, &f->sc, why, sizeof why) != STORE_OK)
        fail_msg("store_open: %s", why);
    store_stat_t st;
    assert_int_equal(store_stat(f->store, &st), STORE_OK);
    if (st.entries[STORE_AGENTS] == 0)
        assert_int_equal(tu_registry_add(f->store, (tu_agent_t *)f->agents, f->n_agents), 0);
    assert_int_equal(broker_new(&f->b, &f->cfg, f->store), STORE_OK);
}

static inline void stop(fx_t *f)
{
    broker_destroy(&f->b);
    store_close(&f->store);
}

/* A broker in test mode (manual clock, Hello claims identity) on a fresh store with
 * the agents registered. */
static inline fx_t *fx_new(const tu_agent_t *agents, size_t n_agents)
{
    fx_t *f = calloc(1, sizeof *f);
    assert_non_null(f);
    f->agents = agents;
    f->n_agents = n_agents;
    assert_int_equal(tu_mkdtemp(f->dir, sizeof f->dir), 0);
    config_defaults(&f->cfg);
    f->cfg.test_mode = true;
    f->cfg.insecure_dev = true;
    f->cfg.log_level = LOG_ERROR;
    log_set_level(LOG_ERROR);
    snprintf(f->cfg.store, sizeof f->cfg.store, "%s/store", f->dir);
    store_config_defaults(&f->sc);
    f->sc.path = f->cfg.store;
    f->sc.map_initial = 1u << 20;
    f->sc.map_step = 1u << 20;
    start(f);
    return f;
}

static inline void fx_free(fx_t *f)
{
    stop(f);
    tu_rmtree(f->dir);
    free(f);
}

/* ---- frames in and out ---- */

static inline void send_raw(fx_t *f, const char *rid, const void *data, size_t len)
{
    frame_peer_t peer = {rid, strlen(rid), NULL, NULL};
    broker_on_frame(f->b, &peer, data, len, hd_time_mono_ms());
}

static inline uint64_t send_frame(fx_t *f, const char *rid, Huddle__Frame *fr)
{
    fr->version = CODEC_PROTOCOL_VERSION;
    fr->corr = ++f->corr;
    uint8_t buf[8192];
    size_t len;
    assert_int_equal(codec_encode_frame(fr, buf, sizeof buf, &len), CODEC_OK);
    send_raw(f, rid, buf, len);
    return fr->corr;
}

static inline session_t *sess(fx_t *f, const char *rid)
{
    return session_find(broker_sessions(f->b), rid, strlen(rid));
}

static inline size_t queued(fx_t *f, const char *rid)
{
    session_t *s = sess(f, rid);
    return s ? s->out_count : 0;
}

/* The next frame queued for rid (the caller frees it), or NULL. */
static inline Huddle__Frame *take(fx_t *f, const char *rid)
{
    session_t *s = sess(f, rid);
    if (!s || !s->out_head)
        return NULL;
    Huddle__Frame *fr;
    codec_error_t err;
    if (codec_decode_frame(s->out_head->data, s->out_head->len, 1 << 20, &fr, &err) != CODEC_OK)
        fail_msg("broker sent an undecodable frame: %s", err.reason);
    session_pop(s);
    return fr;
}

__attribute__((noinline, unused)) static Huddle__Frame *expect(fx_t *f, const char *rid, Huddle__Frame__BodyCase body)
{
    Huddle__Frame *fr = take(f, rid);
    if (!fr)
        fail_msg("nothing queued for %s", rid);
    if (fr->body_case != body)
        fail_msg("expected body %d, got %d (%s)", body, fr->body_case,
                 fr->body_case == HUDDLE__FRAME__BODY_REJECTED ? fr->rejected->reason : "");
    return fr;
}

static inline void expect_rejected(fx_t *f, const char *rid, Huddle__RejectCode code, const char *field)
{
    Huddle__Frame *fr = expect(f, rid, HUDDLE__FRAME__BODY_REJECTED);
    if (fr->rejected->code != code)
        fail_msg("expected code %d, got %d: %s", code, fr->rejected->code, fr->rejected->reason);
    if (field)
        assert_string_equal(fr->rejected->field, field);
    assert_true(fr->rejected->reason[0] != '\0');
    codec_frame_free(&fr);
}

static inline void hello(fx_t *f, const char *rid, const char *agent)
{
    Huddle__Frame fr = HUDDLE__FRAME__INIT;
    Huddle__Hello h = HUDDLE__HELLO__INIT;
    fr.body_case = HUDDLE__FRAME__BODY_HELLO;
    fr.hello = &h;
    h.agent_id = (char *)agent;
    send_frame(f, rid, &fr);
    broker_commit(f->b);
    Huddle__Frame *w = expect(f, rid, HUDDLE__FRAME__BODY_WELCOME);
    assert_string_equal(w->welcome->agent_id, agent);
    codec_frame_free(&w);
}

/* Publishes ev as agent rid (message_id, kind, payload set by the caller); returns corr. */
static inline uint64_t fx_publish(fx_t *f, const char *rid, Huddle__Event *ev)
{
    Huddle__Frame fr = HUDDLE__FRAME__INIT;
    Huddle__Publish p = HUDDLE__PUBLISH__INIT;
    fr.body_case = HUDDLE__FRAME__BODY_PUBLISH;
    fr.publish = &p;
    p.event = ev;
    return send_frame(f, rid, &fr);
}

/* Commits and takes rid's reply to corr: Accepted (returned, the caller frees it), or
 * fails the test naming the Rejected. */
static inline Huddle__Frame *fx_accepted(fx_t *f, const char *rid, uint64_t corr)
{
    broker_commit(f->b);
    Huddle__Frame *fr = expect(f, rid, HUDDLE__FRAME__BODY_ACCEPTED);
    assert_int_equal(fr->corr, corr);
    return fr;
}

/* Moves the broker's clock (test mode): to now_ms if not 0, then on by advance_ms;
 * due timers fire. */
static inline void fx_clock(fx_t *f, const char *rid, int64_t now_ms, int64_t advance_ms)
{
    Huddle__Frame fr = HUDDLE__FRAME__INIT;
    Huddle__ClockSet cs = HUDDLE__CLOCK_SET__INIT;
    fr.body_case = HUDDLE__FRAME__BODY_CLOCK_SET;
    fr.clock_set = &cs;
    cs.now_ms = now_ms;
    cs.advance_ms = advance_ms;
    send_frame(f, rid, &fr);
    broker_commit(f->b);
    Huddle__Frame *p = expect(f, rid, HUDDLE__FRAME__BODY_PONG);
    codec_frame_free(&p);
}

/* Sends fr as rid, commits, and returns the reply, which must be there (the caller
 * frees it). */
static inline Huddle__Frame *fx_request(fx_t *f, const char *rid, Huddle__Frame *fr)
{
    send_frame(f, rid, fr);
    broker_commit(f->b);
    Huddle__Frame *r = take(f, rid);
    if (!r)
        fail_msg("no reply queued for %s", rid);
    return r;
}

/* Sends q as rid and returns the reply frame (Answer or Rejected; the caller frees it). */
static inline Huddle__Frame *fx_query(fx_t *f, const char *rid, Huddle__Query *q)
{
    Huddle__Frame fr = HUDDLE__FRAME__INIT;
    fr.body_case = HUDDLE__FRAME__BODY_QUERY;
    fr.query = q;
    return fx_request(f, rid, &fr);
}

/* ---- set-up ---- */

/* cmocka's tear-down of a test whose *state fx_new made. */
static inline int fx_teardown(void **state)
{
    fx_free(*state);
    return 0;
}

/* Every registered agent says Hello on a connection named after it. */
static inline void fx_hello_all(fx_t *f)
{
    for (size_t i = 0; i < f->n_agents; i++)
        hello(f, f->agents[i].id, f->agents[i].id);
}

/* fx_new, then every agent connected (fx_hello_all) and the clock set to now_ms by rid. */
static inline fx_t *fx_new_connected(const tu_agent_t *agents, size_t n_agents, const char *rid, int64_t now_ms)
{
    fx_t *f = fx_new(agents, n_agents);
    fx_hello_all(f);
    fx_clock(f, rid, now_ms, 0);
    return f;
}

/* ---- replies ---- */

/* Commits; rid's reply to corr must be an Accepted. */
static inline void accepted(fx_t *f, const char *rid, uint64_t corr)
{
    Huddle__Frame *a = fx_accepted(f, rid, corr);
    codec_frame_free(&a);
}

/* Commits; rid's next reply must be a Rejected with code (at field, unless NULL). */
static inline void rejected(fx_t *f, const char *rid, Huddle__RejectCode code, const char *field)
{
    broker_commit(f->b);
    expect_rejected(f, rid, code, field);
}

/* Commits; rid's next reply must be a CONFLICT at field naming the state and the record
 * in the way. */
__attribute__((noinline, unused)) static void expect_conflict(fx_t *f, const char *rid, const char *field,
                                                              const char *state, const char *id)
{
    broker_commit(f->b);
    Huddle__Frame *fr = expect(f, rid, HUDDLE__FRAME__BODY_REJECTED);
    if (fr->rejected->code != HUDDLE__REJECT_CODE__REJECT_CODE_CONFLICT)
        fail_msg("expected CONFLICT, got %d: %s", fr->rejected->code, fr->rejected->reason);
    assert_string_equal(fr->rejected->field, field);
    assert_string_equal(fr->rejected->current_state, state);
    assert_string_equal(fr->rejected->conflicting_id, id);
    codec_frame_free(&fr);
}

/* ---- subscriptions ---- */

/* A subscription name of rid from the start of the log, to the events of these kinds. */
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

/* ---- reading the store ---- */

/* Defines name(f, id): the record get (referral_get, assessment_get, episode_get ...)
 * reads of id now, which must be there (the caller frees it). */
#define FX_RECORD(name, type, get)                                                                                     \
    static inline type *name(fx_t *f, const char *id)                                                                  \
    {                                                                                                                  \
        store_txn_t *txn;                                                                                              \
        type *rec = NULL;                                                                                              \
        assert_int_equal(store_read_begin(f->store, &txn), STORE_OK);                                                  \
        assert_int_equal(get(txn, id, &rec), STORE_OK);                                                                \
        store_txn_end(&txn);                                                                                           \
        return rec;                                                                                                    \
    }

/* Defines name(f, id): the field of the record reader (an FX_RECORD) reads of id now. */
#define FX_RECORD_FIELD(name, reader, type, field_type, field)                                                         \
    static inline field_type name(fx_t *f, const char *id)                                                             \
    {                                                                                                                  \
        type *rec = reader(f, id);                                                                                     \
        field_type value = rec->field;                                                                                 \
        protobuf_c_message_free_unpacked(&rec->base, NULL);                                                            \
        return value;                                                                                                  \
    }

/* A referral's record and its status now. */
FX_RECORD(referral_record, Huddle__ReferralRecord, referral_get)
FX_RECORD_FIELD(referral_status, referral_record, Huddle__ReferralRecord, Huddle__ReferralStatus, status)

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

/* Events of kind in the log about id: their subject's string at offset `field`
 * (offsetof(Huddle__Subject, referral_id) and the like) is id. Every one of the kind
 * when id is NULL. */
static inline unsigned count_about(fx_t *f, Huddle__EventKind kind, size_t field, const char *id)
{
    store_txn_t *r;
    store_val_t v;
    unsigned n = 0;
    assert_int_equal(store_read_begin(f->store, &r), STORE_OK);
    for (uint64_t seq = 1; store_event_get(r, seq, &v) == STORE_OK; seq++) {
        Huddle__Event *ev = huddle__event__unpack(NULL, v.len, v.data);
        assert_non_null(ev);
        const void *about = ev->subject ? (const char *)ev->subject + field : NULL;
        if (ev->kind == kind && (!id || (about && !strcmp(*(char *const *)about, id))))
            n++;
        huddle__event__free_unpacked(ev, NULL);
    }
    store_txn_end(&r);
    return n;
}

#endif
