/*
 * test_notify — no silent loss (DESIGN §4): a notification addressed to an
 * organisation that none of its agents acknowledges in time raises NON_DELIVERY to the
 * organisation that sent it (and the one that did not ack), exactly once, across a
 * restart; an ack by any agent of the addressee stops it. Also the rules of a
 * notification an agent publishes.
 */
#include "tu_inproc.h"

#define S(literal) ((char *)(literal))
#define DAY_MS (24 * 3600 * 1000LL)
#define T0 1790000000000LL /* 2026-09-21T... a fixed start for the manual clock */
#define NHS "9434765919"

static tu_agent_t agents[] = {
    {.id = "gp-a", .role = HUDDLE__ROLE__ROLE_GP_PRACTICE, .org = "A81001"},
    {.id = "gp-a2", .role = HUDDLE__ROLE__ROLE_GP_PRACTICE, .org = "A81001"},
    {.id = "gp-b", .role = HUDDLE__ROLE__ROLE_GP_PRACTICE, .org = "A81002"},
    {.id = "coord", .role = HUDDLE__ROLE__ROLE_INT_COORDINATOR, .org = "RYJ", .neighbourhood = "nb-north"},
    {.id = "ops", .role = HUDDLE__ROLE__ROLE_ADMIN, .org = "X26"},
};

/* One event about a patient of A81001 in nb-north, written before the broker starts:
 * what the notifications are about. Returns its seq. */
static uint64_t seed_about(fx_t *f)
{
    stop(f);
    Huddle__Event ev = HUDDLE__EVENT__INIT;
    Huddle__Subject subj = HUDDLE__SUBJECT__INIT;
    Huddle__Scope scope = HUDDLE__SCOPE__INIT;
    Huddle__Message m = HUDDLE__MESSAGE__INIT;
    ev.message_id = S("seed-1");
    ev.kind = HUDDLE__EVENT_KIND__EVENT_KIND_REFERRAL_STATUS_CHANGED;
    ev.subject = &subj;
    ev.scope = &scope;
    ev.payload_case = HUDDLE__EVENT__PAYLOAD_MESSAGE; /* the payload does not matter here */
    ev.message = &m;
    m.topic = S("seed");
    subj.nhs_number = S(NHS);
    scope.practice_ods = S("A81001");
    scope.neighbourhood_id = S("nb-north");
    scope.local_authority = S("E08000026");
    Huddle__Event *evs[] = {&ev};
    assert_int_equal(tu_seed_events(f->dir, evs, 1), 0);
    start(f);
    return ev.seq;
}

static int setup(void **state)
{
    fx_t *f = fx_new(agents, sizeof agents / sizeof agents[0]);
    *state = f;
    return 0;
}

static uint64_t notify(fx_t *f, const char *rid, const char *msgid, uint64_t about, const char *to, const char *text)
{
    Huddle__Event ev = HUDDLE__EVENT__INIT;
    Huddle__Notification n = HUDDLE__NOTIFICATION__INIT;
    ev.message_id = (char *)msgid;
    ev.kind = HUDDLE__EVENT_KIND__EVENT_KIND_NOTIFICATION;
    ev.payload_case = HUDDLE__EVENT__PAYLOAD_NOTIFICATION;
    ev.notification = &n;
    n.to_org_ods = (char *)to;
    n.to_role = HUDDLE__ROLE__ROLE_GP_PRACTICE;
    n.about_seq = about;
    n.text = (char *)text;
    n.requires_ack = 1;
    n.deadline_ms = 1; /* the broker's to set */
    return fx_publish(f, rid, &ev);
}

static void sub_kinds(fx_t *f, const char *rid, const char *name, Huddle__EventKind kind)
{
    Huddle__Frame fr = HUDDLE__FRAME__INIT;
    Huddle__Subscribe q = HUDDLE__SUBSCRIBE__INIT;
    Huddle__Filter flt = HUDDLE__FILTER__INIT;
    Huddle__EventKind kinds[] = {kind};
    fr.body_case = HUDDLE__FRAME__BODY_SUBSCRIBE;
    fr.subscribe = &q;
    q.name = (char *)name;
    q.filter = &flt;
    flt.n_kinds = 1;
    flt.kinds = kinds;
    send_frame(f, rid, &fr);
    broker_commit(f->b);
    Huddle__Frame *r = expect(f, rid, HUDDLE__FRAME__BODY_SUBSCRIBED);
    codec_frame_free(&r);
}

/* The next Deliver queued for rid (the caller frees it), or NULL when none is queued. */
static Huddle__Frame *next_deliver(fx_t *f, const char *rid)
{
    Huddle__Frame *fr;
    while ((fr = take(f, rid)) != NULL) {
        if (fr->body_case == HUDDLE__FRAME__BODY_DELIVER)
            return fr;
        codec_frame_free(&fr);
    }
    return NULL;
}

static unsigned count_kind(fx_t *f, Huddle__EventKind kind)
{
    store_txn_t *txn;
    assert_int_equal(store_read_begin(f->store, &txn), STORE_OK);
    unsigned n = 0;
    for (uint64_t seq = 1; seq <= store_last_seq(txn); seq++) {
        store_val_t v;
        assert_int_equal(store_event_get(txn, seq, &v), STORE_OK);
        Huddle__Event *ev = huddle__event__unpack(NULL, v.len, v.data);
        assert_non_null(ev);
        n += ev->kind == kind;
        huddle__event__free_unpacked(ev, NULL);
    }
    store_txn_end(&txn);
    return n;
}

static void hello_all(fx_t *f)
{
    for (size_t i = 0; i < sizeof agents / sizeof agents[0]; i++)
        hello(f, agents[i].id, agents[i].id);
}

/* The notification, delivered to gp-a and left unacknowledged: NON_DELIVERY at the
 * deadline and not a millisecond before, to the sender and the addressee, once. */
static void test_unacknowledged_raises_non_delivery_once(void **state)
{
    fx_t *f = *state;
    uint64_t about = seed_about(f);
    hello_all(f);
    fx_clock(f, "ops", T0, 0);
    sub_kinds(f, "gp-a", "notes", HUDDLE__EVENT_KIND__EVENT_KIND_NOTIFICATION);
    sub_kinds(f, "gp-a", "alerts", HUDDLE__EVENT_KIND__EVENT_KIND_NON_DELIVERY);
    sub_kinds(f, "coord", "alerts", HUDDLE__EVENT_KIND__EVENT_KIND_NON_DELIVERY);
    Huddle__Frame *a = fx_accepted(f, "coord", notify(f, "coord", "n-1", about, "A81001", "Please review"));
    uint64_t nseq = a->accepted->seq;
    codec_frame_free(&a);
    broker_commit(f->b);
    Huddle__Frame *d = next_deliver(f, "gp-a");
    assert_non_null(d);
    assert_int_equal(d->deliver->event->seq, nseq);
    assert_int_equal(d->deliver->event->notification->deadline_ms, T0 + 5 * DAY_MS);
    assert_string_equal(d->deliver->event->subject->nhs_number, NHS);
    assert_string_equal(d->deliver->event->scope->practice_ods, "A81001");
    codec_frame_free(&d);

    fx_clock(f, "ops", T0 + 5 * DAY_MS - 1, 0);
    assert_int_equal(count_kind(f, HUDDLE__EVENT_KIND__EVENT_KIND_NON_DELIVERY), 0);
    fx_clock(f, "ops", 0, 1);
    assert_int_equal(count_kind(f, HUDDLE__EVENT_KIND__EVENT_KIND_NON_DELIVERY), 1);
    broker_commit(f->b);
    const char *told[] = {"coord", "gp-a"};
    for (size_t i = 0; i < 2; i++) {
        d = next_deliver(f, told[i]);
        assert_non_null(d);
        const Huddle__Event *ev = d->deliver->event;
        assert_int_equal(ev->kind, HUDDLE__EVENT_KIND__EVENT_KIND_NON_DELIVERY);
        assert_int_equal(ev->non_delivery->notification_seq, nseq);
        assert_string_equal(ev->non_delivery->to_org_ods, "A81001");
        assert_int_equal(ev->non_delivery->deadline_ms, T0 + 5 * DAY_MS);
        assert_int_equal(ev->non_delivery->about_kind, HUDDLE__EVENT_KIND__EVENT_KIND_REFERRAL_STATUS_CHANGED);
        assert_string_equal(ev->sender_org, "RYJ");
        assert_true(ev->derived);
        codec_frame_free(&d);
    }
    /* once: neither a restart nor more time raises it again */
    stop(f);
    start(f);
    hello(f, "ops", "ops");
    fx_clock(f, "ops", T0 + 30 * DAY_MS, 0);
    assert_int_equal(count_kind(f, HUDDLE__EVENT_KIND__EVENT_KIND_NON_DELIVERY), 1);
}

/* Any agent of the addressee acknowledging it is enough. */
static void test_ack_by_any_agent_of_addressee_stops_it(void **state)
{
    fx_t *f = *state;
    uint64_t about = seed_about(f);
    hello_all(f);
    fx_clock(f, "ops", T0, 0);
    sub_kinds(f, "gp-a2", "notes", HUDDLE__EVENT_KIND__EVENT_KIND_NOTIFICATION);
    Huddle__Frame *a = fx_accepted(f, "coord", notify(f, "coord", "n-1", about, "A81001", "Please review"));
    codec_frame_free(&a);
    broker_commit(f->b);
    Huddle__Frame *d = next_deliver(f, "gp-a2");
    assert_non_null(d);
    uint64_t seq = d->deliver->event->seq;
    codec_frame_free(&d);
    Huddle__Frame fr = HUDDLE__FRAME__INIT;
    Huddle__Ack ack = HUDDLE__ACK__INIT;
    fr.body_case = HUDDLE__FRAME__BODY_ACK;
    fr.ack = &ack;
    ack.subscription = S("notes");
    ack.seq = seq;
    send_frame(f, "gp-a2", &fr);
    broker_commit(f->b);
    fx_clock(f, "ops", T0 + 6 * DAY_MS, 0);
    assert_int_equal(count_kind(f, HUDDLE__EVENT_KIND__EVENT_KIND_NON_DELIVERY), 0);
}

/* An ack by another organisation does not count (it never sees the notification), and
 * the time is the configuration's. */
static void test_other_org_cannot_ack_and_deadline_is_configured(void **state)
{
    fx_t *f = *state;
    stop(f);
    f->cfg.non_delivery_after = 3600 * 1000;
    start(f);
    uint64_t about = seed_about(f);
    hello_all(f);
    fx_clock(f, "ops", T0, 0);
    Huddle__Frame fr = HUDDLE__FRAME__INIT;
    Huddle__Subscribe q = HUDDLE__SUBSCRIBE__INIT;
    fr.body_case = HUDDLE__FRAME__BODY_SUBSCRIBE;
    fr.subscribe = &q;
    q.name = S("everything");
    send_frame(f, "gp-b", &fr);
    broker_commit(f->b);
    Huddle__Frame *r = expect(f, "gp-b", HUDDLE__FRAME__BODY_SUBSCRIBED);
    codec_frame_free(&r);
    Huddle__Frame *a = fx_accepted(f, "coord", notify(f, "coord", "n-1", about, "A81001", "Please review"));
    codec_frame_free(&a);
    broker_commit(f->b);
    assert_null(next_deliver(f, "gp-b"));
    fx_clock(f, "ops", T0 + 3600 * 1000, 0);
    assert_int_equal(count_kind(f, HUDDLE__EVENT_KIND__EVENT_KIND_NON_DELIVERY), 1);
}

static void test_published_notification_rules(void **state)
{
    fx_t *f = *state;
    uint64_t about = seed_about(f);
    hello_all(f);
    notify(f, "coord", "bad-1", 0, "A81001", "x");
    broker_commit(f->b);
    expect_rejected(f, "coord", HUDDLE__REJECT_CODE__REJECT_CODE_INVALID, "publish.event.notification.about_seq");
    notify(f, "coord", "bad-2", 999, "A81001", "x");
    broker_commit(f->b);
    expect_rejected(f, "coord", HUDDLE__REJECT_CODE__REJECT_CODE_NOT_FOUND, "publish.event.notification.about_seq");
    notify(f, "coord", "bad-3", about, "A81001", "");
    broker_commit(f->b);
    expect_rejected(f, "coord", HUDDLE__REJECT_CODE__REJECT_CODE_INVALID, "publish.event.notification.text");
    notify(f, "coord", "bad-4", about, "a81001!", "x");
    broker_commit(f->b);
    expect_rejected(f, "coord", HUDDLE__REJECT_CODE__REJECT_CODE_INVALID, "publish.event.notification.to_org_ods");
    /* another practice may not notify about A81001's patient: the scope is the event's */
    notify(f, "gp-b", "bad-5", about, "RYJ", "x");
    broker_commit(f->b);
    expect_rejected(f, "gp-b", HUDDLE__REJECT_CODE__REJECT_CODE_FORBIDDEN, "publish.event");
    /* the patient's own practice may */
    Huddle__Frame *a = fx_accepted(f, "gp-a", notify(f, "gp-a", "ok-1", about, "RYJ", "Seen today"));
    codec_frame_free(&a);
    assert_int_equal(count_kind(f, HUDDLE__EVENT_KIND__EVENT_KIND_NOTIFICATION), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_unacknowledged_raises_non_delivery_once, setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_ack_by_any_agent_of_addressee_stops_it, setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_other_org_cannot_ack_and_deadline_is_configured, setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_published_notification_rules, setup, fx_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
