/*
 * test_broker — the broker's core without sockets: frames in through broker_on_frame,
 * replies read back from the sessions' queues. Covers durable-before-acknowledged,
 * idempotent publish, every Rejected code the core produces, subscriptions (filters,
 * credit, acks, resume across reconnects and restarts), timers under the test clock,
 * bounded reply queues and shutdown.
 */
#include "tu_inproc.h"

#define S(literal) ((char *)(literal))

/* The agents these tests say Hello as: without CURVE (insecure_dev, as identity is
 * what Hello claims in process) but registered, as every agent must be. */
static tu_agent_t agents[] = {
    {.id = "pub", .role = HUDDLE__ROLE__ROLE_GP_PRACTICE, .org = "A81001"},
    {.id = "sub", .role = HUDDLE__ROLE__ROLE_GP_PRACTICE, .org = "A81001"},
    {.id = "sub-a", .role = HUDDLE__ROLE__ROLE_GP_PRACTICE, .org = "A81002"},
    {.id = "sub-b", .role = HUDDLE__ROLE__ROLE_GP_PRACTICE, .org = "B82001"},
    {.id = "one", .role = HUDDLE__ROLE__ROLE_GP_PRACTICE, .org = "A81001"},
    {.id = "two", .role = HUDDLE__ROLE__ROLE_GP_PRACTICE, .org = "A81001"},
    {.id = "other", .role = HUDDLE__ROLE__ROLE_GP_PRACTICE, .org = "A81001"},
    {.id = "gp-a81001", .role = HUDDLE__ROLE__ROLE_GP_PRACTICE, .org = "A81001"},
    {.id = "ops", .role = HUDDLE__ROLE__ROLE_ADMIN, .org = "X26"},
};

static int setup(void **state)
{
    *state = fx_new(agents, sizeof agents / sizeof agents[0]);
    return 0;
}

static uint64_t publish_full(fx_t *f, const char *rid, const char *msgid, const char *topic, int kind,
                             int64_t occurred)
{
    Huddle__Frame fr = HUDDLE__FRAME__INIT;
    Huddle__Publish p = HUDDLE__PUBLISH__INIT;
    Huddle__Event ev = HUDDLE__EVENT__INIT;
    Huddle__Message m = HUDDLE__MESSAGE__INIT;
    fr.body_case = HUDDLE__FRAME__BODY_PUBLISH;
    fr.publish = &p;
    p.event = &ev;
    ev.message_id = (char *)msgid;
    ev.kind = kind;
    ev.occurred_at_ms = occurred;
    ev.payload_case = HUDDLE__EVENT__PAYLOAD_MESSAGE;
    ev.message = &m;
    ev.seq = 999; /* claims the broker must overwrite */
    ev.sender = S("someone-else");
    m.topic = (char *)topic;
    m.text = S("team huddle at ten");
    return send_frame(f, rid, &fr);
}

static uint64_t publish(fx_t *f, const char *rid, const char *msgid, const char *topic)
{
    return publish_full(f, rid, msgid, topic, HUDDLE__EVENT_KIND__EVENT_KIND_MESSAGE, 0);
}

static uint64_t expect_accepted(fx_t *f, const char *rid, uint64_t corr, bool dup)
{
    Huddle__Frame *fr = expect(f, rid, HUDDLE__FRAME__BODY_ACCEPTED);
    assert_int_equal(fr->corr, corr);
    assert_int_equal(fr->accepted->duplicate, dup);
    uint64_t seq = fr->accepted->seq;
    codec_frame_free(&fr);
    return seq;
}

static void subscribe(fx_t *f, const char *rid, const char *name, const char *topic, uint32_t credit, bool created)
{
    Huddle__Frame fr = HUDDLE__FRAME__INIT;
    Huddle__Subscribe q = HUDDLE__SUBSCRIBE__INIT;
    Huddle__Filter flt = HUDDLE__FILTER__INIT;
    char *topics[] = {(char *)topic};
    fr.body_case = HUDDLE__FRAME__BODY_SUBSCRIBE;
    fr.subscribe = &q;
    q.name = (char *)name;
    q.credit = credit;
    q.start_case = HUDDLE__SUBSCRIBE__START_FROM_START;
    q.from_start = 1;
    if (topic) {
        flt.n_topics = 1;
        flt.topics = topics;
        q.filter = &flt;
    }
    send_frame(f, rid, &fr);
    broker_commit(f->b);
    Huddle__Frame *r = expect(f, rid, HUDDLE__FRAME__BODY_SUBSCRIBED);
    assert_int_equal(r->subscribed->created, created);
    codec_frame_free(&r);
}

/* The next Deliver for rid: checks the subscription and returns seq, counter. */
static uint64_t expect_deliver(fx_t *f, const char *rid, const char *sub, uint64_t *counter)
{
    Huddle__Frame *fr = expect(f, rid, HUDDLE__FRAME__BODY_DELIVER);
    assert_string_equal(fr->deliver->subscription, sub);
    assert_int_equal(fr->corr, 0);
    uint64_t seq = fr->deliver->event->seq;
    if (counter)
        *counter = fr->deliver->counter;
    codec_frame_free(&fr);
    return seq;
}

static void ack(fx_t *f, const char *rid, const char *sub, uint64_t seq)
{
    Huddle__Frame fr = HUDDLE__FRAME__INIT;
    Huddle__Ack a = HUDDLE__ACK__INIT;
    fr.body_case = HUDDLE__FRAME__BODY_ACK;
    fr.ack = &a;
    a.subscription = (char *)sub;
    a.seq = seq;
    send_frame(f, rid, &fr);
}

/* ---- tests ---- */

static void test_hello_first(void **state)
{
    fx_t *f = *state;
    publish(f, "p1", "m-1", "news");
    broker_commit(f->b);
    expect_rejected(f, "p1", HUDDLE__REJECT_CODE__REJECT_CODE_UNAUTHENTICATED, "");
    Huddle__Frame fr = HUDDLE__FRAME__INIT;
    Huddle__Hello h = HUDDLE__HELLO__INIT;
    fr.body_case = HUDDLE__FRAME__BODY_HELLO;
    fr.hello = &h;
    h.agent_id = S("bad agent id!");
    send_frame(f, "p1", &fr);
    broker_commit(f->b);
    expect_rejected(f, "p1", HUDDLE__REJECT_CODE__REJECT_CODE_UNAUTHENTICATED, "hello.agent_id");
    hello(f, "p1", "gp-a81001");
    h.agent_id = S("gp-b82002"); /* a session cannot change agent */
    send_frame(f, "p1", &fr);
    broker_commit(f->b);
    expect_rejected(f, "p1", HUDDLE__REJECT_CODE__REJECT_CODE_UNAUTHENTICATED, "hello.agent_id");
}

static void test_accepted_only_after_commit(void **state)
{
    fx_t *f = *state;
    hello(f, "p1", "pub");
    uint64_t c1 = publish(f, "p1", "m-1", "news");
    uint64_t c2 = publish(f, "p1", "m-2", "news");
    assert_int_equal(queued(f, "p1"), 0); /* nothing acknowledged before the commit */
    broker_commit(f->b);
    assert_int_equal(expect_accepted(f, "p1", c1, false), 1);
    assert_int_equal(expect_accepted(f, "p1", c2, false), 2);

    /* what was accepted is in the store, stamped by the broker */
    store_txn_t *r;
    store_val_t v;
    assert_int_equal(store_read_begin(f->store, &r), STORE_OK);
    assert_int_equal(store_event_get(r, 2, &v), STORE_OK);
    Huddle__Event *ev = huddle__event__unpack(NULL, v.len, v.data);
    assert_non_null(ev);
    assert_int_equal(ev->seq, 2);
    assert_string_equal(ev->sender, "pub");
    assert_string_equal(ev->message_id, "m-2");
    assert_string_equal(ev->correlation_id, "seq-2"); /* a journey starts here */
    assert_true(ev->received_at_ms > 0);
    huddle__event__free_unpacked(ev, NULL);
    store_txn_end(&r);
}

static void test_idempotent_publish(void **state)
{
    fx_t *f = *state;
    hello(f, "p1", "pub");
    uint64_t c1 = publish(f, "p1", "m-1", "news");
    uint64_t c2 = publish(f, "p1", "m-1", "news"); /* retry inside the same batch */
    broker_commit(f->b);
    assert_int_equal(expect_accepted(f, "p1", c1, false), 1);
    assert_int_equal(expect_accepted(f, "p1", c2, true), 1);
    uint64_t c3 = publish(f, "p1", "m-1", "news"); /* and after it */
    broker_commit(f->b);
    assert_int_equal(expect_accepted(f, "p1", c3, true), 1);
    /* the same message id from another agent is another event */
    hello(f, "p2", "other");
    uint64_t c4 = publish(f, "p2", "m-1", "news");
    broker_commit(f->b);
    assert_int_equal(expect_accepted(f, "p2", c4, false), 2);
    store_stat_t st;
    assert_int_equal(store_stat(f->store, &st), STORE_OK);
    assert_int_equal(st.entries[STORE_EVENTS], 2);
}

static void test_invalid_events_named(void **state)
{
    fx_t *f = *state;
    const Huddle__RejectCode INVALID = HUDDLE__REJECT_CODE__REJECT_CODE_INVALID;
    hello(f, "p1", "pub");
    publish(f, "p1", "", "news");
    publish(f, "p1", "has space", "news");
    publish(f, "p1", "m-1", "");
    publish(f, "p1", "m-2", "bad topic!");
    publish_full(f, "p1", "m-3", "news", HUDDLE__EVENT_KIND__EVENT_KIND_UNSPECIFIED, 0);
    publish_full(f, "p1", "m-4", "news", HUDDLE__EVENT_KIND__EVENT_KIND_FOLLOW_UP_REPORTED, 0); /* another kind's payload */
    publish_full(f, "p1", "m-5", "news", HUDDLE__EVENT_KIND__EVENT_KIND_TIMER_FIRED, 0);
    publish_full(f, "p1", "m-6", "news", HUDDLE__EVENT_KIND__EVENT_KIND_MESSAGE, hd_time_now_ms() + 3600000);
    broker_commit(f->b);
    expect_rejected(f, "p1", INVALID, "publish.event.message_id");
    expect_rejected(f, "p1", INVALID, "publish.event.message_id");
    expect_rejected(f, "p1", INVALID, "publish.event.message.topic");
    expect_rejected(f, "p1", INVALID, "publish.event.message.topic");
    expect_rejected(f, "p1", INVALID, "publish.event.kind");
    expect_rejected(f, "p1", INVALID, "publish.event.payload");
    expect_rejected(f, "p1", HUDDLE__REJECT_CODE__REJECT_CODE_FORBIDDEN, "publish.event.kind");
    expect_rejected(f, "p1", INVALID, "publish.event.occurred_at_ms");

    /* a MESSAGE never names a patient */
    Huddle__Frame fr = HUDDLE__FRAME__INIT;
    Huddle__Publish p = HUDDLE__PUBLISH__INIT;
    Huddle__Event ev = HUDDLE__EVENT__INIT;
    Huddle__Message m = HUDDLE__MESSAGE__INIT;
    Huddle__Subject sj = HUDDLE__SUBJECT__INIT;
    fr.body_case = HUDDLE__FRAME__BODY_PUBLISH;
    fr.publish = &p;
    p.event = &ev;
    ev.message_id = S("m-7");
    ev.kind = HUDDLE__EVENT_KIND__EVENT_KIND_MESSAGE;
    ev.subject = &sj;
    sj.nhs_number = S("9434765919");
    ev.payload_case = HUDDLE__EVENT__PAYLOAD_MESSAGE;
    ev.message = &m;
    m.topic = S("news");
    send_frame(f, "p1", &fr);
    ev.payload_case = HUDDLE__EVENT__PAYLOAD_REFERRAL_WITHDRAW; /* payload not matching kind */
    Huddle__ReferralWithdraw rw = HUDDLE__REFERRAL_WITHDRAW__INIT;
    ev.referral_withdraw = &rw;
    ev.message_id = S("m-8");
    send_frame(f, "p1", &fr);
    p.event = NULL;
    send_frame(f, "p1", &fr);
    broker_commit(f->b);
    expect_rejected(f, "p1", INVALID, "publish.event.subject");
    expect_rejected(f, "p1", INVALID, "publish.event.payload");
    expect_rejected(f, "p1", INVALID, "publish.event");
    store_stat_t st;
    assert_int_equal(store_stat(f->store, &st), STORE_OK);
    assert_int_equal(st.entries[STORE_EVENTS], 0); /* nothing stored */
}

static void test_bad_frames(void **state)
{
    fx_t *f = *state;
    hello(f, "p1", "pub");
    send_raw(f, "p1", "\xff\xff\xff", 3);
    send_raw(f, "p1", NULL, 0);
    static uint8_t big[300 * 1024];
    send_raw(f, "p1", big, sizeof big);
    const uint8_t v2[] = {0x08, 0x02, 0xb2, 0x01, 0x00}; /* version 2, ping */
    send_raw(f, "p1", v2, sizeof v2);
    const uint8_t unknown[] = {0x08, 0x01, 0x9a, 0x06, 0x00}; /* field 99 */
    send_raw(f, "p1", unknown, sizeof unknown);
    Huddle__Frame fr = HUDDLE__FRAME__INIT; /* a frame only the broker sends */
    Huddle__Pong pong = HUDDLE__PONG__INIT;
    Huddle__Accepted acc = HUDDLE__ACCEPTED__INIT;
    fr.body_case = HUDDLE__FRAME__BODY_ACCEPTED;
    fr.accepted = &acc;
    send_frame(f, "p1", &fr);
    fr.body_case = HUDDLE__FRAME__BODY_PONG; /* a stray Pong is fine: no reply */
    fr.pong = &pong;
    send_frame(f, "p1", &fr);
    Huddle__Admin adm = HUDDLE__ADMIN__INIT;
    fr.body_case = HUDDLE__FRAME__BODY_ADMIN;
    fr.admin = &adm;
    send_frame(f, "p1", &fr);
    broker_commit(f->b);
    expect_rejected(f, "p1", HUDDLE__REJECT_CODE__REJECT_CODE_MALFORMED, "");
    expect_rejected(f, "p1", HUDDLE__REJECT_CODE__REJECT_CODE_MALFORMED, "");
    expect_rejected(f, "p1", HUDDLE__REJECT_CODE__REJECT_CODE_TOO_LARGE, "");
    expect_rejected(f, "p1", HUDDLE__REJECT_CODE__REJECT_CODE_UNSUPPORTED_VERSION, "version");
    expect_rejected(f, "p1", HUDDLE__REJECT_CODE__REJECT_CODE_MALFORMED, "body");
    expect_rejected(f, "p1", HUDDLE__REJECT_CODE__REJECT_CODE_MALFORMED, "body");
    expect_rejected(f, "p1", HUDDLE__REJECT_CODE__REJECT_CODE_FORBIDDEN, "admin");
    assert_null(take(f, "p1"));
    /* and the broker still serves */
    uint64_t c = publish(f, "p1", "m-1", "news");
    broker_commit(f->b);
    assert_int_equal(expect_accepted(f, "p1", c, false), 1);
}

static void test_deliver_in_order_with_credit(void **state)
{
    fx_t *f = *state;
    hello(f, "p1", "pub");
    hello(f, "s1", "sub");
    subscribe(f, "s1", "all", NULL, 2, true);
    for (int i = 0; i < 5; i++) {
        char id[16];
        snprintf(id, sizeof id, "m-%d", i);
        publish(f, "p1", id, "news");
    }
    broker_commit(f->b);
    uint64_t counter;
    assert_int_equal(expect_deliver(f, "s1", "all", &counter), 1);
    assert_int_equal(counter, 1);
    assert_int_equal(expect_deliver(f, "s1", "all", &counter), 2);
    assert_int_equal(counter, 2);
    assert_null(take(f, "s1")); /* credit 2: the window is full */
    ack(f, "s1", "all", 1);
    broker_commit(f->b);
    assert_int_equal(expect_deliver(f, "s1", "all", &counter), 3);
    assert_int_equal(counter, 3);
    assert_null(take(f, "s1"));
    ack(f, "s1", "all", 3); /* acks everything up to 3 */
    broker_commit(f->b);
    assert_int_equal(expect_deliver(f, "s1", "all", NULL), 4);
    assert_int_equal(expect_deliver(f, "s1", "all", NULL), 5);
    assert_null(take(f, "s1"));
    /* acks of what was not delivered are refused; old acks are harmless */
    ack(f, "s1", "all", 9);
    ack(f, "s1", "nope", 4);
    ack(f, "s1", "all", 2);
    broker_commit(f->b);
    expect_rejected(f, "s1", HUDDLE__REJECT_CODE__REJECT_CODE_INVALID, "ack.seq");
    expect_rejected(f, "s1", HUDDLE__REJECT_CODE__REJECT_CODE_NOT_FOUND, "ack.subscription");
    assert_null(take(f, "s1"));
}

static void test_filters_and_slow_subscriber(void **state)
{
    fx_t *f = *state;
    hello(f, "p1", "pub");
    hello(f, "fast", "sub-a");
    hello(f, "slow", "sub-b");
    subscribe(f, "fast", "beds", "beds", 100, true);
    subscribe(f, "slow", "all", NULL, 100, true);
    publish(f, "p1", "m-1", "news");
    publish(f, "p1", "m-2", "beds");
    publish(f, "p1", "m-3", "news");
    publish(f, "p1", "m-4", "beds");
    broker_commit(f->b);
    assert_int_equal(expect_deliver(f, "fast", "beds", NULL), 2);
    assert_int_equal(expect_deliver(f, "fast", "beds", NULL), 4);
    assert_null(take(f, "fast"));
    /* "slow" reads nothing; "fast" keeps getting its events */
    for (int i = 0; i < 40; i++) {
        char id[16];
        snprintf(id, sizeof id, "b-%d", i);
        publish(f, "p1", id, "beds");
        broker_commit(f->b);
        assert_int_equal(expect_deliver(f, "fast", "beds", NULL), (uint64_t)(5 + i));
    }
    assert_int_equal(queued(f, "slow"), 44);
}

static void test_resume_after_reconnect_and_restart(void **state)
{
    fx_t *f = *state;
    hello(f, "p1", "pub");
    hello(f, "s1", "sub");
    subscribe(f, "s1", "inbox", NULL, 10, true);
    for (int i = 0; i < 4; i++) {
        char id[16];
        snprintf(id, sizeof id, "m-%d", i);
        publish(f, "p1", id, "news");
    }
    broker_commit(f->b);
    for (uint64_t s = 1; s <= 4; s++)
        assert_int_equal(expect_deliver(f, "s1", "inbox", NULL), s);
    ack(f, "s1", "inbox", 2);
    broker_commit(f->b);

    /* the same agent on a new connection: delivery resumes after the ack */
    hello(f, "s1-again", "sub");
    subscribe(f, "s1-again", "inbox", NULL, 10, false);
    uint64_t counter;
    assert_int_equal(expect_deliver(f, "s1-again", "inbox", &counter), 3);
    assert_int_equal(counter, 3); /* a redelivery repeats the counter */
    assert_int_equal(expect_deliver(f, "s1-again", "inbox", NULL), 4);
    ack(f, "s1-again", "inbox", 3);
    broker_commit(f->b);

    /* a broker restart keeps the acked position */
    stop(f);
    start(f);
    hello(f, "s1-third", "sub");
    subscribe(f, "s1-third", "inbox", NULL, 10, false);
    assert_int_equal(expect_deliver(f, "s1-third", "inbox", &counter), 4);
    assert_int_equal(counter, 4);
    assert_null(take(f, "s1-third"));
}

static void test_unsubscribe(void **state)
{
    fx_t *f = *state;
    hello(f, "s1", "sub");
    subscribe(f, "s1", "a", NULL, 10, true);
    Huddle__Frame fr = HUDDLE__FRAME__INIT;
    Huddle__Unsubscribe u = HUDDLE__UNSUBSCRIBE__INIT;
    fr.body_case = HUDDLE__FRAME__BODY_UNSUBSCRIBE;
    fr.unsubscribe = &u;
    u.name = S("a");
    u.discard = 1;
    send_frame(f, "s1", &fr);
    send_frame(f, "s1", &fr);
    broker_commit(f->b);
    Huddle__Frame *r = expect(f, "s1", HUDDLE__FRAME__BODY_UNSUBSCRIBED);
    assert_true(r->unsubscribed->discarded);
    codec_frame_free(&r);
    expect_rejected(f, "s1", HUDDLE__REJECT_CODE__REJECT_CODE_NOT_FOUND, "unsubscribe.name");
    subscribe(f, "s1", "a", NULL, 10, true); /* gone: created afresh */
}

static void test_timers_fire_once_under_test_clock(void **state)
{
    fx_t *f = *state;
    const int64_t t0 = 1800000000000;
    hello(f, "s1", "sub");
    subscribe(f, "s1", "timers", NULL, 10, true);
    Huddle__Frame fr = HUDDLE__FRAME__INIT;
    Huddle__ClockSet cs = HUDDLE__CLOCK_SET__INIT;
    fr.body_case = HUDDLE__FRAME__BODY_CLOCK_SET;
    fr.clock_set = &cs;
    cs.now_ms = t0;
    send_frame(f, "s1", &fr);
    broker_commit(f->b);
    Huddle__Frame *p = expect(f, "s1", HUDDLE__FRAME__BODY_PONG);
    assert_int_equal(p->pong->server_time_ms, t0);
    codec_frame_free(&p);

    Huddle__TimerRecord tr = HUDDLE__TIMER_RECORD__INIT;
    Huddle__Scope sc = HUDDLE__SCOPE__INIT;
    sc.practice_ods = S("A81001"); /* the subscriber's practice: in its scope */
    tr.scope = &sc;
    tr.kind = HUDDLE__TIMER_KIND__TIMER_KIND_UNSPECIFIED; /* claimed by no workflow: a plain TIMER_FIRED */
    tr.due_at_ms = t0 + 91LL * 86400000;
    assert_int_equal(broker_schedule(f->b, &tr), STORE_OK);
    assert_int_equal(tr.timer_id, 1);
    broker_commit(f->b);
    broker_tick(f->b, hd_time_mono_ms());
    assert_null(take(f, "s1")); /* not due */

    cs.now_ms = 0;
    cs.advance_ms = 91LL * 86400000 - 1; /* one millisecond early */
    send_frame(f, "s1", &fr);
    broker_commit(f->b);
    p = expect(f, "s1", HUDDLE__FRAME__BODY_PONG);
    codec_frame_free(&p);
    assert_null(take(f, "s1"));
    cs.advance_ms = 1;
    send_frame(f, "s1", &fr);
    broker_commit(f->b);
    Huddle__Frame *d = expect(f, "s1", HUDDLE__FRAME__BODY_DELIVER);
    const Huddle__Event *ev = d->deliver->event;
    assert_int_equal(ev->kind, HUDDLE__EVENT_KIND__EVENT_KIND_TIMER_FIRED);
    assert_int_equal(ev->timer_fired->timer_id, 1);
    assert_int_equal(ev->timer_fired->kind, HUDDLE__TIMER_KIND__TIMER_KIND_UNSPECIFIED);
    assert_int_equal(ev->timer_fired->due_at_ms, tr.due_at_ms);
    assert_true(ev->derived);
    codec_frame_free(&d);
    p = expect(f, "s1", HUDDLE__FRAME__BODY_PONG);
    codec_frame_free(&p);

    /* fired once: not again on later ticks, nor after a restart */
    broker_tick(f->b, hd_time_mono_ms());
    broker_commit(f->b);
    assert_null(take(f, "s1"));
    stop(f);
    start(f);
    broker_tick(f->b, hd_time_mono_ms());
    broker_commit(f->b);
    store_stat_t st;
    assert_int_equal(store_stat(f->store, &st), STORE_OK);
    assert_int_equal(st.entries[STORE_EVENTS], 1);
    assert_int_equal(st.entries[STORE_TIMERS], 0);
}

/* Quiet sessions get a Ping after heartbeat_ivl; silent ones are dropped after
 * session_idle, their subscriptions detached; the next due timer sets the wake-up. */
static void test_heartbeats_expiry_and_wakeup(void **state)
{
    fx_t *f = *state;
    stop(f);
    f->cfg.test_mode = false; /* the real clock, so timers set the wake-up */
    start(f);
    hello(f, "s1", "sub");
    subscribe(f, "s1", "inbox", NULL, 10, true);
    int64_t mono = hd_time_mono_ms();
    broker_tick(f->b, mono + (int64_t)f->cfg.heartbeat_ivl / 2);
    assert_null(take(f, "s1"));
    broker_tick(f->b, mono + (int64_t)f->cfg.heartbeat_ivl + 2000);
    Huddle__Frame *p = expect(f, "s1", HUDDLE__FRAME__BODY_PING);
    assert_int_equal(p->corr, 0);
    codec_frame_free(&p);
    broker_tick(f->b, mono + (int64_t)f->cfg.heartbeat_ivl + 4000); /* one Ping outstanding at a time */
    assert_null(take(f, "s1"));
    int64_t later = mono + (int64_t)f->cfg.session_idle + 5000;
    broker_tick(f->b, later);
    assert_null(sess(f, "s1")); /* dropped */
    hello(f, "s2", "sub");      /* its subscription was detached: it resumes elsewhere */
    subscribe(f, "s2", "inbox", NULL, 10, false);

    assert_true(broker_next_wakeup(f->b, later, 60000) <= 1000); /* the next sweep */
    Huddle__TimerRecord tr = HUDDLE__TIMER_RECORD__INIT;
    tr.kind = HUDDLE__TIMER_KIND__TIMER_KIND_MDT_REVIEW;
    tr.due_at_ms = hd_time_now_ms() + 200;
    assert_int_equal(broker_schedule(f->b, &tr), STORE_OK);
    broker_commit(f->b);
    assert_true(broker_next_wakeup(f->b, later, 60000) <= 200); /* the timer */
}

static void test_clock_only_in_test_mode(void **state)
{
    fx_t *f = *state;
    stop(f);
    f->cfg.test_mode = false;
    start(f);
    hello(f, "s1", "sub");
    Huddle__Frame fr = HUDDLE__FRAME__INIT;
    Huddle__ClockSet cs = HUDDLE__CLOCK_SET__INIT;
    fr.body_case = HUDDLE__FRAME__BODY_CLOCK_SET;
    fr.clock_set = &cs;
    cs.advance_ms = 1000;
    int64_t before = broker_now(f->b);
    send_frame(f, "s1", &fr);
    broker_commit(f->b);
    expect_rejected(f, "s1", HUDDLE__REJECT_CODE__REJECT_CODE_FORBIDDEN, "clock_set");
    assert_true(broker_now(f->b) - before < 1000);
}

static void test_ping_stats_and_bounded_queue(void **state)
{
    fx_t *f = *state;
    hello(f, "p1", "pub");
    publish(f, "p1", "m-1", "news");
    broker_commit(f->b);
    expect_accepted(f, "p1", f->corr, false);
    Huddle__Frame fr = HUDDLE__FRAME__INIT;
    Huddle__Ping ping = HUDDLE__PING__INIT;
    fr.body_case = HUDDLE__FRAME__BODY_PING;
    fr.ping = &ping;
    ping.nonce = 77;
    send_frame(f, "p1", &fr);
    Huddle__Query q = HUDDLE__QUERY__INIT;
    Huddle__Frame fq = HUDDLE__FRAME__INIT;
    fq.body_case = HUDDLE__FRAME__BODY_QUERY;
    fq.query = &q;
    q.kind = HUDDLE__QUERY_KIND__QUERY_KIND_STATS;
    send_frame(f, "p1", &fq); /* a GP practice may not read the broker's counters */
    hello(f, "adm", "ops");
    send_frame(f, "adm", &fq);
    q.kind = HUDDLE__QUERY_KIND__QUERY_KIND_AGENDA; /* an admin may not read an agenda */
    send_frame(f, "adm", &fq);
    broker_commit(f->b);
    Huddle__Frame *r = expect(f, "p1", HUDDLE__FRAME__BODY_PONG);
    assert_int_equal(r->pong->nonce, 77);
    codec_frame_free(&r);
    expect_rejected(f, "p1", HUDDLE__REJECT_CODE__REJECT_CODE_FORBIDDEN, "query.kind");
    r = expect(f, "adm", HUDDLE__FRAME__BODY_ANSWER);
    assert_int_equal(r->answer->result_case, HUDDLE__ANSWER__RESULT_STATS);
    assert_int_equal(r->answer->stats->seq_last, 1);
    assert_int_equal(r->answer->stats->publishes_accepted, 1);
    assert_int_equal(r->answer->stats->connections, 2);
    assert_int_equal(r->answer->stats->agents_connected, 2);
    codec_frame_free(&r);
    expect_rejected(f, "adm", HUDDLE__REJECT_CODE__REJECT_CODE_FORBIDDEN, "query.kind");

    /* an agent that never reads its replies is dropped, not queued for without end */
    uint64_t id = sess(f, "p1")->id;
    for (unsigned i = 0; i < f->cfg.reply_queue_max + 10; i++) {
        send_frame(f, "p1", &fr);
        broker_commit(f->b);
    }
    assert_true(sess(f, "p1")->id != id); /* the pings after the drop found a new session */
    assert_false(sess(f, "p1")->welcomed);
    assert_true(sess(f, "p1")->out_count < f->cfg.reply_queue_max);
    for (Huddle__Frame *r2; (r2 = take(f, "p1")) != NULL;)
        codec_frame_free(&r2);
    publish(f, "p1", "m-2", "news"); /* and it must say Hello again */
    broker_commit(f->b);
    expect_rejected(f, "p1", HUDDLE__REJECT_CODE__REJECT_CODE_UNAUTHENTICATED, "");
}

/* A publish frame of a MESSAGE with a text of n bytes, for filling the store. The
 * frame points into the struct: use bk.fr where it is. */
typedef struct {
    Huddle__Frame fr;
    Huddle__Publish p;
    Huddle__Event ev;
    Huddle__Message m;
    char text[4096];
} bulk_t;

static void bulk_init(bulk_t *bk, size_t n)
{
    huddle__frame__init(&bk->fr);
    huddle__publish__init(&bk->p);
    huddle__event__init(&bk->ev);
    huddle__message__init(&bk->m);
    memset(bk->text, 'x', n);
    bk->text[n] = '\0';
    bk->fr.body_case = HUDDLE__FRAME__BODY_PUBLISH;
    bk->fr.publish = &bk->p;
    bk->p.event = &bk->ev;
    bk->ev.kind = HUDDLE__EVENT_KIND__EVENT_KIND_MESSAGE;
    bk->ev.payload_case = HUDDLE__EVENT__PAYLOAD_MESSAGE;
    bk->ev.message = &bk->m;
    bk->m.topic = S("bulk");
    bk->m.text = bk->text;
}

static void test_store_full_then_reads_and_acks(void **state)
{
    fx_t *f = *state;
    stop(f);
    f->sc.map_initial = 256u << 10;
    f->sc.map_step = 256u << 10;
    f->sc.map_max = 1u << 20;
    f->sc.full_headroom = 128u << 10;
    start(f);
    hello(f, "p1", "pub");
    hello(f, "s1", "sub");
    subscribe(f, "s1", "all", NULL, 1, true);
    bulk_t bk;
    bulk_init(&bk, 3000);
    Huddle__Frame fr = bk.fr;
    char id[32];
    bool full = false;
    for (int i = 0; i < 1000 && !full; i++) {
        snprintf(id, sizeof id, "bulk-%d", i);
        bk.ev.message_id = id;
        send_frame(f, "p1", &fr);
        broker_commit(f->b);
        Huddle__Frame *r = take(f, "p1");
        assert_non_null(r);
        if (r->body_case == HUDDLE__FRAME__BODY_REJECTED) {
            assert_int_equal(r->rejected->code, HUDDLE__REJECT_CODE__REJECT_CODE_STORE_FULL);
            assert_true(r->rejected->transient);
            full = true;
        } else {
            assert_int_equal(r->body_case, HUDDLE__FRAME__BODY_ACCEPTED);
        }
        codec_frame_free(&r);
    }
    assert_true(full);
    /* deliveries and acks keep working on a full store */
    uint64_t s = expect_deliver(f, "s1", "all", NULL);
    ack(f, "s1", "all", s);
    broker_commit(f->b);
    assert_int_equal(expect_deliver(f, "s1", "all", NULL), s + 1);
}

/* A batch whose commit cannot happen (here: the map must grow while a read snapshot
 * pins it) is answered whole with transient Rejected, and leaves nothing behind. */
static void test_failed_commit_rejects_whole_batch(void **state)
{
    fx_t *f = *state;
    stop(f);
    f->sc.map_initial = 256u << 10;
    f->sc.map_step = 256u << 10;
    f->sc.map_max = 8u << 20;
    start(f);
    hello(f, "p1", "pub");
    uint64_t c0 = publish(f, "p1", "before", "news");
    broker_commit(f->b);
    assert_int_equal(expect_accepted(f, "p1", c0, false), 1);

    store_txn_t *pin;
    assert_int_equal(store_read_begin(f->store, &pin), STORE_OK);
    bulk_t bk;
    bulk_init(&bk, 3500);
    Huddle__Frame fr = bk.fr;
    enum { N = 120 }; /* ~420 KiB: more than the 256 KiB map holds */
    char ids[N][24];
    for (int i = 0; i < N; i++) {
        snprintf(ids[i], sizeof ids[i], "bulk-%d", i);
        bk.ev.message_id = ids[i];
        send_frame(f, "p1", &fr);
    }
    broker_commit(f->b);
    store_txn_end(&pin);
    for (int i = 0; i < N; i++) {
        Huddle__Frame *r = expect(f, "p1", HUDDLE__FRAME__BODY_REJECTED);
        assert_int_equal(r->rejected->code, HUDDLE__REJECT_CODE__REJECT_CODE_BUSY);
        assert_true(r->rejected->transient);
        assert_string_equal(r->rejected->message_id, ids[i]);
        codec_frame_free(&r);
    }
    store_stat_t st;
    assert_int_equal(store_stat(f->store, &st), STORE_OK);
    assert_int_equal(st.last_seq, 1);
    assert_int_equal(st.entries[STORE_DEDUP], 1);

    /* the same frames again, with nothing pinning the map: all stored, once */
    for (int i = 0; i < N; i++) {
        bk.ev.message_id = ids[i];
        send_frame(f, "p1", &fr);
    }
    broker_commit(f->b);
    for (int i = 0; i < N; i++) {
        Huddle__Frame *r = expect(f, "p1", HUDDLE__FRAME__BODY_ACCEPTED);
        assert_false(r->accepted->duplicate);
        assert_int_equal(r->accepted->seq, (uint64_t)i + 2);
        codec_frame_free(&r);
    }
}

static void test_shutdown_says_bye(void **state)
{
    fx_t *f = *state;
    hello(f, "p1", "pub");
    uint64_t c = publish(f, "p1", "m-1", "news");
    broker_shutdown(f->b, 1500); /* the batch in hand is committed and answered first */
    assert_int_equal(expect_accepted(f, "p1", c, false), 1);
    Huddle__Frame *r = expect(f, "p1", HUDDLE__FRAME__BODY_BYE);
    assert_int_equal(r->bye->reconnect_after_ms, 1500);
    codec_frame_free(&r);
    publish(f, "p1", "m-2", "news");
    broker_commit(f->b);
    Huddle__Frame *rj = expect(f, "p1", HUDDLE__FRAME__BODY_REJECTED);
    assert_int_equal(rj->rejected->code, HUDDLE__REJECT_CODE__REJECT_CODE_SHUTTING_DOWN);
    assert_true(rj->rejected->transient);
    assert_string_equal(rj->rejected->message_id, "m-2");
    codec_frame_free(&rj);
}

static void test_too_many_sessions(void **state)
{
    fx_t *f = *state;
    stop(f);
    f->cfg.max_sessions = 2;
    start(f);
    hello(f, "a", "one");
    hello(f, "b", "two");
    send_raw(f, "c", "\x08\x01", 2);
    broker_commit(f->b);
    expect_rejected(f, "c", HUDDLE__REJECT_CODE__REJECT_CODE_BUSY, "");
    assert_true(sess(f, "c")->closing);
}

/* ---- registry commands --------------------------------------------------------- */

static Huddle__Frame *admin(fx_t *f, const char *rid, Huddle__Admin *cmd)
{
    Huddle__Frame fr = HUDDLE__FRAME__INIT;
    fr.body_case = HUDDLE__FRAME__BODY_ADMIN;
    fr.admin = cmd;
    send_frame(f, rid, &fr);
    broker_commit(f->b);
    return take(f, rid);
}

static void test_admin_commands_audited_and_revocation_applied(void **state)
{
    fx_t *f = *state;
    hello(f, "adm", "ops");
    hello(f, "s1", "sub");
    subscribe(f, "s1", "news", "news", 10, true);

    /* only the admin role */
    Huddle__Admin cmd = HUDDLE__ADMIN__INIT;
    Huddle__AgentList al = HUDDLE__AGENT_LIST__INIT;
    cmd.command_case = HUDDLE__ADMIN__COMMAND_AGENT_LIST;
    cmd.agent_list = &al;
    Huddle__Frame *r = admin(f, "s1", &cmd);
    assert_int_equal(r->body_case, HUDDLE__FRAME__BODY_REJECTED);
    assert_int_equal(r->rejected->code, HUDDLE__REJECT_CODE__REJECT_CODE_FORBIDDEN);
    codec_frame_free(&r);

    r = admin(f, "adm", &cmd);
    assert_int_equal(r->body_case, HUDDLE__FRAME__BODY_ANSWER);
    assert_int_equal(r->answer->result_case, HUDDLE__ANSWER__RESULT_ADMIN);
    assert_int_equal(r->answer->admin->n_agents, sizeof agents / sizeof agents[0]);
    codec_frame_free(&r);

    Huddle__NeighbourhoodAdd na = HUDDLE__NEIGHBOURHOOD_ADD__INIT;
    na.neighbourhood_id = S("riverside");
    na.name = S("Riverside INT");
    na.local_authority = S("E08000026");
    cmd.command_case = HUDDLE__ADMIN__COMMAND_NEIGHBOURHOOD_ADD;
    cmd.neighbourhood_add = &na;
    r = admin(f, "adm", &cmd);
    assert_int_equal(r->body_case, HUDDLE__FRAME__BODY_ANSWER);
    assert_int_equal(r->answer->admin->n_neighbourhoods, 1);
    assert_string_equal(r->answer->admin->neighbourhoods[0]->local_authority, "E08000026");
    codec_frame_free(&r);
    na.local_authority = S("nowhere"); /* the registry's own rules, with the field named */
    r = admin(f, "adm", &cmd);
    assert_int_equal(r->body_case, HUDDLE__FRAME__BODY_REJECTED);
    assert_int_equal(r->rejected->code, HUDDLE__REJECT_CODE__REJECT_CODE_INVALID);
    assert_string_equal(r->rejected->field, "admin.neighbourhood_add.local_authority");
    codec_frame_free(&r);

    Huddle__TrustAgreementAdd ta = HUDDLE__TRUST_AGREEMENT_ADD__INIT;
    cmd.command_case = HUDDLE__ADMIN__COMMAND_AGREEMENT_ADD;
    cmd.agreement_add = &ta;
    r = admin(f, "adm", &cmd); /* the agreement's rules (test_agreement), with the field named */
    assert_int_equal(r->body_case, HUDDLE__FRAME__BODY_REJECTED);
    assert_int_equal(r->rejected->code, HUDDLE__REJECT_CODE__REJECT_CODE_INVALID);
    assert_string_equal(r->rejected->field, "admin.agreement_add.agreement");
    codec_frame_free(&r);

    /* revoking "sub": from the commit its session is told, delivers nothing more, and
     * its next frame is refused */
    Huddle__AgentRevoke rv = HUDDLE__AGENT_REVOKE__INIT;
    rv.agent_id = S("sub");
    rv.reason = S("left the service");
    cmd.command_case = HUDDLE__ADMIN__COMMAND_AGENT_REVOKE;
    cmd.agent_revoke = &rv;
    r = admin(f, "adm", &cmd);
    assert_int_equal(r->body_case, HUDDLE__FRAME__BODY_ANSWER);
    assert_int_equal(r->answer->admin->agents[0]->status, HUDDLE__AGENT_STATUS__AGENT_STATUS_REVOKED);
    codec_frame_free(&r);
    r = expect(f, "s1", HUDDLE__FRAME__BODY_BYE);
    codec_frame_free(&r);
    hello(f, "p1", "pub");
    publish(f, "p1", "after-revoke", "news");
    broker_commit(f->b);
    expect_accepted(f, "p1", f->corr, false);
    assert_null(take(f, "s1"));
    publish(f, "s1", "from-revoked", "news");
    broker_commit(f->b);
    expect_rejected(f, "s1", HUDDLE__REJECT_CODE__REJECT_CODE_UNAUTHENTICATED, "");

    /* every command and refusal is in the trail */
    Huddle__Query q = HUDDLE__QUERY__INIT;
    Huddle__Frame fq = HUDDLE__FRAME__INIT;
    fq.body_case = HUDDLE__FRAME__BODY_QUERY;
    fq.query = &q;
    q.kind = HUDDLE__QUERY_KIND__QUERY_KIND_AUDIT_TRAIL;
    q.purpose = S("registry review");
    send_frame(f, "adm", &fq);
    broker_commit(f->b);
    r = expect(f, "adm", HUDDLE__FRAME__BODY_ANSWER);
    const Huddle__AuditTrail *t = r->answer->audit_trail;
    unsigned admin_records = 0, denied = 0;
    for (size_t i = 0; i < t->n_records; i++) {
        admin_records += t->records[i]->purpose == HUDDLE__AUDIT_PURPOSE__AUDIT_PURPOSE_ADMIN;
        denied += t->records[i]->purpose == HUDDLE__AUDIT_PURPOSE__AUDIT_PURPOSE_DENIED;
    }
    assert_int_equal(admin_records, 3); /* list, neighbourhood add, revoke */
    assert_int_equal(denied, 1);        /* the agent list "sub" asked for */
    assert_string_equal(t->records[t->n_records - 1]->description, "agent_revoke sub");
    codec_frame_free(&r);
}

/* A query from rid, answered Rejected with this code and field. */
static void query_refused(fx_t *f, const char *rid, Huddle__Query *q, Huddle__RejectCode code, const char *field)
{
    Huddle__Frame fq = HUDDLE__FRAME__INIT;
    fq.body_case = HUDDLE__FRAME__BODY_QUERY;
    fq.query = q;
    send_frame(f, rid, &fq);
    broker_commit(f->b);
    expect_rejected(f, rid, code, field);
}

static void test_bad_queries_named(void **state)
{
    fx_t *f = *state;
    hello(f, "adm", "ops");
    hello(f, "p1", "pub");
    Huddle__Query q = HUDDLE__QUERY__INIT;
    q.kind = HUDDLE__QUERY_KIND__QUERY_KIND_AUDIT_TRAIL;
    query_refused(f, "adm", &q, HUDDLE__REJECT_CODE__REJECT_CODE_INVALID, "query.purpose");
    q.purpose = S("review");
    q.nhs_number = S("9434765918"); /* check digit wrong */
    query_refused(f, "adm", &q, HUDDLE__REJECT_CODE__REJECT_CODE_INVALID, "query.nhs_number");
    q.nhs_number = S("9434765919");
    q.agent_id = S("pub");
    query_refused(f, "adm", &q, HUDDLE__REJECT_CODE__REJECT_CODE_INVALID, "query.agent_id");
    q.nhs_number = S("");
    q.agent_id = S("not an id!");
    query_refused(f, "adm", &q, HUDDLE__REJECT_CODE__REJECT_CODE_INVALID, "query.agent_id");
    q.agent_id = S("");
    q.limit = f->cfg.query_limit_max + 1;
    query_refused(f, "adm", &q, HUDDLE__REJECT_CODE__REJECT_CODE_INVALID, "query.limit");
    q.limit = 0;
    q.from_ms = 2000;
    q.to_ms = 1000;
    query_refused(f, "adm", &q, HUDDLE__REJECT_CODE__REJECT_CODE_INVALID, "query.to_ms");
    /* a practice may not read the trail, nor a timeline without a valid patient */
    q.from_ms = q.to_ms = 0;
    query_refused(f, "p1", &q, HUDDLE__REJECT_CODE__REJECT_CODE_FORBIDDEN, "query.kind");
    q.kind = HUDDLE__QUERY_KIND__QUERY_KIND_PATIENT_TIMELINE;
    q.nhs_number = S("12345");
    query_refused(f, "p1", &q, HUDDLE__REJECT_CODE__REJECT_CODE_INVALID, "query.nhs_number");
    /* a kind this schema does not know is refused by the decoder, naming the field */
    q.kind = (Huddle__QueryKind)99;
    query_refused(f, "adm", &q, HUDDLE__REJECT_CODE__REJECT_CODE_MALFORMED, "query.kind");
}

/* What broker_tick logs at mono_ms, as text (stderr captured). */
static void tick_log(fx_t *f, int64_t mono_ms, char *out, size_t len)
{
    char path[300];
    snprintf(path, sizeof path, "%s/tick.log", f->dir);
    fflush(stderr);
    int saved = dup(2), fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    assert_true(saved >= 0 && fd >= 0);
    dup2(fd, 2);
    log_set_level(LOG_WARN);
    broker_tick(f->b, mono_ms);
    log_set_level(LOG_ERROR);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    close(fd);
    FILE *fp = fopen(path, "r");
    assert_non_null(fp);
    size_t n = fread(out, 1, len - 1, fp);
    out[n] = '\0';
    fclose(fp);
}

static void test_insecure_mode_warns_every_minute(void **state)
{
    fx_t *f = *state; /* these tests run the broker with insecure_dev */
    char out[2048];
    int64_t t0 = hd_time_mono_ms();
    tick_log(f, t0 + 1000, out, sizeof out);
    assert_null(strstr(out, "INSECURE"));
    tick_log(f, t0 + 61000, out, sizeof out);
    assert_non_null(strstr(out, "INSECURE: --insecure-dev is on"));
    tick_log(f, t0 + 62000, out, sizeof out);
    assert_null(strstr(out, "INSECURE"));
    tick_log(f, t0 + 122000, out, sizeof out);
    assert_non_null(strstr(out, "INSECURE"));
    f->cfg.insecure_dev = false; /* with CURVE, never */
    tick_log(f, t0 + 300000, out, sizeof out);
    assert_null(strstr(out, "INSECURE"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_hello_first, setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_accepted_only_after_commit, setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_idempotent_publish, setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_invalid_events_named, setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_bad_frames, setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_deliver_in_order_with_credit, setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_filters_and_slow_subscriber, setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_resume_after_reconnect_and_restart, setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_unsubscribe, setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_timers_fire_once_under_test_clock, setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_heartbeats_expiry_and_wakeup, setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_clock_only_in_test_mode, setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_ping_stats_and_bounded_queue, setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_store_full_then_reads_and_acks, setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_failed_commit_rejects_whole_batch, setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_shutdown_says_bye, setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_too_many_sessions, setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_admin_commands_audited_and_revocation_applied, setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_insecure_mode_warns_every_minute, setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_bad_queries_named, setup, fx_teardown),
    };
    return cmocka_run_group_tests_name("broker", tests, NULL, NULL);
}
