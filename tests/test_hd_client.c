/*
 * test_hd_client — the client library against the fake broker of fake_broker.h, which
 * misbehaves on request; the tests assert on what it saw and on what the client did.
 */
#include "fake_broker.h"

#include "hd_client.h"
#include "testutil.h"

static int setup(void **state)
{
    *state = fake_new();
    return 0;
}

static int teardown(void **state)
{
    fake_t *f = *state;
    fake_destroy(&f);
    return 0;
}

static void test_log(void *ctx, hd_client_log_level_t level, const char *line)
{
    if (ctx && level >= HD_CLIENT_LOG_WARN)
        snprintf(ctx, 512, "%s", line);
    if (getenv("HD_TEST_LOG"))
        fprintf(stderr, "[client %d] %s\n", (int)level, line);
}

static void config(const fake_t *f, hd_client_config_t *cfg)
{
    hd_client_config_defaults(cfg);
    cfg->endpoint = f->endpoint;
    cfg->agent_id = "int-coordinator-1";
    cfg->software_name = "test-agent";
    cfg->software_version = "9.9";
    cfg->request_timeout_ms = tu_under_valgrind() ? 4000 : 2000;
    cfg->backoff_min_ms = 40;
    cfg->backoff_max_ms = 400;
    cfg->log = test_log;
}

/* Starts the fake and connects a client to it; 0 keeps the test default. */
static hd_client_t *start_client(fake_t *f, int request_timeout_ms, int publish_retries)
{
    fake_start(f);
    hd_client_config_t cfg;
    config(f, &cfg);
    cfg.request_timeout_ms = request_timeout_ms ? request_timeout_ms : cfg.request_timeout_ms;
    cfg.publish_retries = publish_retries ? publish_retries : cfg.publish_retries;
    hd_client_t *c = NULL;
    assert_int_equal(hd_client_new(&c, &cfg), HD_CLIENT_OK);
    return c;
}

/* Declares a MESSAGE event named ev (and its payload). */
#define MESSAGE(ev, id, text)                                                                                         \
    Huddle__Event ev;                                                                                                 \
    Huddle__Message ev##_payload;                                                                                     \
    message_event(&ev, &ev##_payload, id, text)

static void message_event(Huddle__Event *ev, Huddle__Message *m, const char *message_id, const char *text)
{
    huddle__event__init(ev);
    huddle__message__init(m);
    m->topic = (char *)"demo";
    m->text = (char *)text;
    ev->message_id = (char *)message_id;
    ev->kind = HUDDLE__EVENT_KIND__EVENT_KIND_MESSAGE;
    ev->payload_case = HUDDLE__EVENT__PAYLOAD_MESSAGE;
    ev->message = m;
}

/* ---- tests ------------------------------------------------------------------ */

static void test_hello_welcome(void **state)
{
    fake_t *f = *state;
    f->seq = 41;
    hd_client_t *c = start_client(f, 0, 0);
    assert_int_equal(seen(f, &f->hellos), 1);
    assert_string_equal(f->hello_agent, "int-coordinator-1");
    assert_string_equal(f->hello_software, "test-agent");
    assert_string_equal(f->hello_version, "9.9");
    assert_string_equal(hd_client_agent_id(c), "int-coordinator-1");
    assert_int_equal(hd_client_role(c), HUDDLE__ROLE__ROLE_MDT_MEMBER);
    assert_int_equal(hd_client_last_seq(c), 41);
    const hd_welcome_t *w = hd_client_welcome(c);
    assert_int_equal(w->max_frame_bytes, 262144);
    assert_int_equal(w->max_credit, 100);
    assert_int_equal(w->max_query_limit, 500);
    assert_string_equal(w->org_ods, "RX1");
    assert_true(w->insecure);
    assert_int_equal(hd_client_sessions(c), 1);
    hd_client_destroy(&c);
    assert_null(c);
    hd_client_destroy(&c); /* safe on NULL */
}

static void test_publish_accepted_and_duplicate(void **state)
{
    fake_t *f = *state;
    hd_client_t *c = start_client(f, 0, 0);
    MESSAGE(ev, "m-1", "hello");
    hd_publish_result_t res;
    assert_int_equal(hd_client_publish(c, &ev, &res), HD_CLIENT_OK);
    assert_int_equal(res.seq, 101);
    assert_false(res.duplicate);
    assert_int_equal(res.attempts, 1);
    assert_string_equal(res.message_id, "m-1");
    assert_int_equal(hd_client_publish(c, &ev, &res), HD_CLIENT_OK);
    assert_int_equal(res.seq, 101);
    assert_true(res.duplicate);

    message_event(&ev, &ev_payload, "", "no id"); /* the client makes one up */
    assert_int_equal(hd_client_publish(c, &ev, &res), HD_CLIENT_OK);
    assert_int_equal(res.seq, 102);
    assert_true(strlen(res.message_id) > 0 && strlen(res.message_id) <= HD_CLIENT_ID_MAX);
    assert_non_null(strstr(res.message_id, "int-coordinator-1-"));
    assert_string_equal(f->msg_ids[2], res.message_id);
    assert_string_equal(ev.message_id, ""); /* the caller's event is untouched */
    hd_client_destroy(&c);
}

static void test_publish_rejections(void **state)
{
    fake_t *f = *state;
    f->busy_publishes = 2;
    hd_client_t *c = start_client(f, 0, 0);
    MESSAGE(ev, "busy-1", "x");
    hd_publish_result_t res;
    assert_int_equal(hd_client_publish(c, &ev, &res), HD_CLIENT_OK); /* BUSY twice: sent again */
    assert_int_equal(res.attempts, 3);
    assert_int_equal(res.seq, 101);
    assert_int_equal(seen(f, &f->publishes), 3);
    assert_string_equal(f->msg_ids[0], "busy-1");
    assert_string_equal(f->msg_ids[2], "busy-1");
    assert_int_equal(seen(f, &f->hellos), 1); /* BUSY needs no new session */

    FAKE_SET(f, f->reject_publish = true);
    MESSAGE(bad, "bad-1", "");
    assert_int_equal(hd_client_publish(c, &bad, &res), HD_CLIENT_EREJECTED);
    assert_int_equal(res.rejection.code, HUDDLE__REJECT_CODE__REJECT_CODE_INVALID);
    assert_false(res.rejection.transient);
    assert_string_equal(res.rejection.field, "publish.event.message.topic");
    assert_string_equal(res.rejection.reason, "topic is empty");
    assert_string_equal(res.rejection.message_id, "bad-1");
    assert_int_equal(res.attempts, 1);
    assert_int_equal(seen(f, &f->publishes), 4); /* fatal: never sent again */
    assert_string_equal(hd_client_reject_name(res.rejection.code), "INVALID");
    assert_int_equal(hd_client_last_rejection(c)->code, HUDDLE__REJECT_CODE__REJECT_CODE_INVALID);
    hd_client_destroy(&c);
}

static void test_publish_timeout_retries_same_message_id(void **state)
{
    fake_t *f = *state;
    f->ignore_publishes = 1;
    hd_client_t *c = start_client(f, tu_under_valgrind() ? 1500 : 300, 2);
    MESSAGE(ev, "", "retry me"); /* a generated id must survive the retry too */
    hd_publish_result_t res;
    assert_int_equal(hd_client_publish(c, &ev, &res), HD_CLIENT_OK);
    assert_int_equal(res.attempts, 2);
    assert_int_equal(seen(f, &f->publishes), 2);
    assert_string_equal(f->msg_ids[0], f->msg_ids[1]);
    assert_string_equal(f->msg_ids[1], res.message_id);
    assert_int_equal(seen(f, &f->hellos), 2); /* a timeout reopens the session */
    assert_int_equal(hd_client_sessions(c), 2);

    FAKE_SET(f, f->ignore_publishes = 1000);
    MESSAGE(lost, "lost-1", "x");
    assert_int_equal(hd_client_publish(c, &lost, &res), HD_CLIENT_ETIMEOUT); /* 1 + 2 retries */
    assert_int_equal(res.attempts, 3);
    assert_int_equal(seen(f, &f->publishes), 5);
    hd_client_destroy(&c);
}

static void test_deliveries_while_waiting_are_kept(void **state)
{
    fake_t *f = *state;
    f->deliver_before_accept = 3;
    hd_client_t *c = start_client(f, 0, 0);
    hd_subscribed_t sd;
    assert_int_equal(hd_client_subscribe(c, "s", NULL, 10, false, &sd), HD_CLIENT_OK);
    MESSAGE(ev, "p-1", "x");
    hd_publish_result_t res;
    assert_int_equal(hd_client_publish(c, &ev, &res), HD_CLIENT_OK);
    for (uint64_t i = 1; i <= 3; i++) {
        hd_delivery_t d;
        assert_int_equal(hd_client_next(c, 0, &d), HD_CLIENT_OK);
        assert_int_equal(d.counter, i);
        assert_int_equal(d.seq, 1000 + i);
        assert_string_equal(d.subscription, "s");
        assert_int_equal(d.event->kind, HUDDLE__EVENT_KIND__EVENT_KIND_MESSAGE);
        hd_delivery_release(&d);
        assert_null(d.frame);
    }
    hd_delivery_t d;
    assert_int_equal(hd_client_next(c, 50, &d), HD_CLIENT_ETIMEOUT);
    hd_client_destroy(&c);
}

static void test_ping_answered_and_heartbeat_sent(void **state)
{
    fake_t *f = *state;
    f->ping_on_publish = true;
    f->heartbeat_ms = 40;
    hd_client_t *c = start_client(f, 0, 0);
    MESSAGE(ev, "ping-1", "x");
    assert_int_equal(hd_client_publish(c, &ev, NULL), HD_CLIENT_OK);
    wait_seen(f, &f->pongs, 1);
    uint64_t nonce;
    FAKE_SET(f, nonce = f->pong_nonce);
    assert_int_equal(nonce, 0xC0FFEE);
    hd_delivery_t d; /* idle: the client keeps the session alive with its own Pings */
    assert_int_equal(hd_client_next(c, 300, &d), HD_CLIENT_ETIMEOUT);
    assert_true(seen(f, &f->pings) >= 2);
    assert_int_equal(hd_client_sessions(c), 1);
    hd_client_destroy(&c);
}

static void test_pipelined_hundred_in_flight(void **state)
{
    fake_t *f = *state;
    hd_client_t *c = start_client(f, 0, 0);
    uint64_t corrs[100];
    char id[32];
    for (int i = 0; i < 100; i++) {
        snprintf(id, sizeof id, "pipe-%d", i);
        MESSAGE(ev, id, "x");
        assert_int_equal(hd_client_send_publish(c, &ev, &corrs[i]), HD_CLIENT_OK);
        assert_true(i == 0 || corrs[i] > corrs[i - 1]);
    }
    for (int i = 0; i < 100; i++) { /* the fake answers in order */
        hd_message_t msg;
        assert_int_equal(hd_client_recv(c, 5000, &msg), HD_CLIENT_OK);
        assert_int_equal(msg.kind, HD_MESSAGE_ACCEPTED);
        assert_int_equal(msg.corr, corrs[i]);
        assert_int_equal(msg.seq, 101 + i);
        snprintf(id, sizeof id, "pipe-%d", i);
        assert_string_equal(msg.frame->accepted->message_id, id);
        hd_message_release(&msg);
    }
    hd_message_t msg;
    assert_int_equal(hd_client_recv(c, 0, &msg), HD_CLIENT_ETIMEOUT);
    hd_client_destroy(&c);
}

static void test_pipelined_requests_lost_with_the_session(void **state)
{
    fake_t *f = *state;
    f->ignore_publishes = 3;
    hd_client_t *c = start_client(f, 0, 0);
    uint64_t corrs[3];
    char ids[3][24];
    for (int i = 0; i < 3; i++) {
        snprintf(ids[i], sizeof ids[i], "lost-%d", i);
        MESSAGE(ev, ids[i], "x");
        assert_int_equal(hd_client_send_publish(c, &ev, &corrs[i]), HD_CLIENT_OK);
    }
    wait_seen(f, &f->publishes, 3);
    atomic_store(&f->drop, true);
    hd_message_t msg;
    assert_int_equal(hd_client_recv(c, 5000, &msg), HD_CLIENT_OK);
    assert_int_equal(msg.kind, HD_MESSAGE_RECONNECTED);
    assert_true(msg.corr >= corrs[2]); /* all three are lost */
    assert_null(msg.frame);
    hd_message_release(&msg);
    for (int i = 0; i < 3; i++) { /* sent again: the same ids, new corrs */
        MESSAGE(ev, ids[i], "x");
        assert_int_equal(hd_client_send_publish(c, &ev, &corrs[i]), HD_CLIENT_OK);
        assert_true(corrs[i] > msg.corr);
    }
    for (int i = 0; i < 3; i++) {
        assert_int_equal(hd_client_recv(c, 5000, &msg), HD_CLIENT_OK);
        assert_int_equal(msg.kind, HD_MESSAGE_ACCEPTED);
        assert_int_equal(msg.corr, corrs[i]);
        assert_string_equal(msg.frame->accepted->message_id, ids[i]);
        hd_message_release(&msg);
    }
    assert_int_equal(seen(f, &f->hellos), 2);
    hd_client_destroy(&c);
}

static void test_subscribe_next_ack_query_unsubscribe(void **state)
{
    fake_t *f = *state;
    f->deliver_on_subscribe = 3;
    hd_client_t *c = start_client(f, 0, 0);
    Huddle__Filter filter = HUDDLE__FILTER__INIT;
    char *topics[] = {(char *)"demo"};
    filter.n_topics = 1;
    filter.topics = topics;
    hd_subscribed_t sd;
    assert_int_equal(hd_client_subscribe(c, "mdt.outcomes", &filter, 5, true, &sd), HD_CLIENT_OK);
    assert_string_equal(sd.name, "mdt.outcomes");
    assert_true(sd.created);
    assert_int_equal(sd.credit, 5);
    for (uint64_t i = 1; i <= 3; i++) {
        hd_delivery_t d;
        assert_int_equal(hd_client_next(c, 2000, &d), HD_CLIENT_OK);
        assert_int_equal(d.seq, i);
        assert_int_equal(d.counter, i);
        assert_string_equal(d.event->message->topic, "demo");
        assert_int_equal(hd_client_ack(c, d.subscription, d.seq), HD_CLIENT_OK);
        hd_delivery_release(&d);
    }
    wait_seen(f, &f->acks, 3);
    for (int i = 0; i < 3; i++)
        assert_int_equal(f->ack_seqs[i], (uint64_t)i + 1);
    assert_string_equal(f->sub_names[0], "mdt.outcomes");
    assert_int_equal(hd_client_subscribe(c, "bad name!", NULL, 0, false, NULL), HD_CLIENT_EINVAL);

    Huddle__Query q = HUDDLE__QUERY__INIT;
    q.kind = HUDDLE__QUERY_KIND__QUERY_KIND_STATS;
    Huddle__Answer *a = NULL;
    assert_int_equal(hd_client_query(c, &q, &a), HD_CLIENT_OK);
    assert_int_equal(a->kind, HUDDLE__QUERY_KIND__QUERY_KIND_STATS);
    assert_int_equal(a->result_case, HUDDLE__ANSWER__RESULT_STATS);
    assert_int_equal(a->stats->seq_last, 100);
    assert_string_equal(a->stats->broker_version, "fake-1");
    hd_client_answer_free(&a);
    assert_null(a);

    assert_int_equal(hd_client_unsubscribe(c, "mdt.outcomes", true), HD_CLIENT_OK);
    assert_int_equal(seen(f, &f->unsubscribes), 1);
    hd_client_destroy(&c);
}

static void test_reconnect_resubscribes(void **state)
{
    fake_t *f = *state;
    f->deliver_on_subscribe = 2;
    hd_client_t *c = start_client(f, 0, 0);
    assert_int_equal(hd_client_subscribe(c, "s", NULL, 10, true, NULL), HD_CLIENT_OK);
    hd_delivery_t d;
    assert_int_equal(hd_client_next(c, 2000, &d), HD_CLIENT_OK);
    assert_int_equal(d.seq, 1);
    assert_int_equal(hd_client_ack(c, "s", 1), HD_CLIENT_OK);
    hd_delivery_release(&d);
    assert_int_equal(hd_client_next(c, 2000, &d), HD_CLIENT_OK);
    assert_int_equal(d.seq, 2); /* handed over but not acked */
    hd_delivery_release(&d);
    wait_seen(f, &f->acks, 1);

    int64_t t0 = hd_time_mono_ms();
    atomic_store(&f->drop, true);
    /* after the reconnect the fake redelivers 2 (dropped: already handed over) and 3 */
    assert_int_equal(hd_client_next(c, 5000, &d), HD_CLIENT_OK);
    assert_int_equal(d.seq, 3);
    hd_delivery_release(&d);
    assert_true(hd_time_mono_ms() - t0 >= 20); /* jittered back-off: at least half of 40 ms */
    assert_int_equal(seen(f, &f->hellos), 2);
    assert_int_equal(seen(f, &f->subscribes), 2);
    assert_string_equal(f->sub_names[1], "s");
    assert_int_equal(hd_client_sessions(c), 2);
    assert_int_equal(hd_client_next(c, 100, &d), HD_CLIENT_ETIMEOUT);
    hd_client_destroy(&c);
}

static void test_bye_and_forgotten_session(void **state)
{
    fake_t *f = *state;
    f->deliver_on_subscribe = 1;
    hd_client_t *c = start_client(f, 0, 0);
    assert_int_equal(hd_client_subscribe(c, "s", NULL, 0, true, NULL), HD_CLIENT_OK);
    hd_delivery_t d;
    assert_int_equal(hd_client_next(c, 2000, &d), HD_CLIENT_OK);
    assert_int_equal(d.seq, 1);
    assert_int_equal(hd_client_ack(c, "s", 1), HD_CLIENT_OK);
    hd_delivery_release(&d);
    wait_seen(f, &f->acks, 1);
    int64_t t0 = hd_time_mono_ms();
    atomic_store(&f->bye, true); /* Bye with reconnect_after_ms 300 */
    assert_int_equal(hd_client_next(c, 3000, &d), HD_CLIENT_OK); /* from the new session */
    assert_int_equal(d.seq, 2);
    hd_delivery_release(&d);
    assert_true(hd_time_mono_ms() - t0 >= 300);
    assert_int_equal(seen(f, &f->hellos), 2);
    assert_int_equal(seen(f, &f->subscribes), 2);

    atomic_store(&f->forget, true); /* a restarted broker answers UNAUTHENTICATED */
    while (atomic_load(&f->forget))
        zmq_poll(NULL, 0, 2);
    MESSAGE(ev, "after-restart", "x");
    hd_publish_result_t res;
    assert_int_equal(hd_client_publish(c, &ev, &res), HD_CLIENT_OK);
    assert_int_equal(res.attempts, 2); /* the first was refused UNAUTHENTICATED, unrecorded */
    assert_int_equal(seen(f, &f->hellos), 3);
    assert_int_equal(seen(f, &f->subscribes), 3);
    assert_int_equal(seen(f, &f->publishes), 1);
    assert_string_equal(f->msg_ids[0], "after-restart");
    assert_int_equal(hd_client_sessions(c), 3);
    hd_client_destroy(&c);
}

/* Restarts the fake and polls hd_client_next with timeout_ms, for a bounded time, until
 * the delivery of seq: one new session and one re-subscribe must bring it, however
 * short the poll. */
static void poll_through_restart(fake_t *f, hd_client_t *c, int timeout_ms, uint64_t seq)
{
    unsigned sessions = hd_client_sessions(c);
    int hellos = seen(f, &f->hellos), subscribes = seen(f, &f->subscribes);
    atomic_store(&f->drop, true);
    int64_t end = hd_time_mono_ms() + (tu_under_valgrind() ? 8000 : 3000);
    hd_delivery_t d;
    int rc;
    while ((rc = hd_client_next(c, timeout_ms, &d)) == HD_CLIENT_ETIMEOUT && hd_time_mono_ms() < end)
        ;
    assert_int_equal(rc, HD_CLIENT_OK);
    assert_int_equal(d.seq, seq);
    assert_int_equal(hd_client_ack(c, "s", seq), HD_CLIENT_OK);
    hd_delivery_release(&d);
    assert_int_equal(hd_client_sessions(c), sessions + 1);
    assert_int_equal(seen(f, &f->hellos), hellos + 1); /* no Welcome thrown away */
    assert_int_equal(seen(f, &f->subscribes), subscribes + 1);
    wait_seen(f, &f->acks, (int)seq);
}

static void test_short_polls_reconnect_once(void **state)
{
    fake_t *f = *state;
    f->deliver_on_subscribe = 1;
    f->slow_ms = 30; /* the Welcome and each Subscribed come later than a 20 ms poll ends */
    hd_client_t *c = start_client(f, 0, 0);
    assert_int_equal(hd_client_subscribe(c, "s", NULL, 0, true, NULL), HD_CLIENT_OK);
    hd_delivery_t d;
    assert_int_equal(hd_client_next(c, 2000, &d), HD_CLIENT_OK);
    assert_int_equal(d.seq, 1);
    assert_int_equal(hd_client_ack(c, "s", 1), HD_CLIENT_OK);
    hd_delivery_release(&d);
    wait_seen(f, &f->acks, 1);
    poll_through_restart(f, c, 20, 2);
    poll_through_restart(f, c, 0, 3); /* no wait at all: a lost session is still reopened */
    assert_int_equal(hd_client_sessions(c), 3);
    hd_client_destroy(&c);
}

static void test_refused_and_unreachable(void **state)
{
    fake_t *f = *state;
    f->reject_hello = true;
    fake_start(f);
    hd_client_config_t cfg;
    config(f, &cfg);
    char last_log[512] = "";
    cfg.log_ctx = last_log;
    hd_client_t *c = NULL;
    assert_int_equal(hd_client_new(&c, &cfg), HD_CLIENT_EREJECTED);
    assert_null(c);
    assert_int_equal(seen(f, &f->hellos), 1);
    assert_string_equal(last_log, "broker refused the session: FORBIDDEN: agent revoked after it sent [redacted]");
    cfg.log_ctx = NULL;

    cfg.endpoint = "tcp://127.0.0.1:1"; /* nothing listens there */
    cfg.request_timeout_ms = 200;
    assert_int_equal(hd_client_new(&c, &cfg), HD_CLIENT_ETIMEOUT);
    assert_null(c);
    cfg.endpoint = "nonsense";
    assert_int_equal(hd_client_new(&c, &cfg), HD_CLIENT_ECONNECT);
    cfg.request_timeout_ms = 0;
    assert_int_equal(hd_client_new(&c, &cfg), HD_CLIENT_EINVAL);
    for (int code = HD_CLIENT_ETOOLARGE; code <= HD_CLIENT_OK; code++)
        assert_string_not_equal(hd_client_strerror(code), "unknown client error");
    assert_string_equal(hd_client_strerror(-99), "unknown client error");
}

static void test_curve(void **state)
{
    fake_t *f = *state;
    char server_public[41], server_secret[41], client_public[41], client_secret[41];
    assert_int_equal(zmq_curve_keypair(server_public, server_secret), 0);
    assert_int_equal(zmq_curve_keypair(client_public, client_secret), 0);
    f->curve_secret = server_secret;
    fake_start(f);
    hd_client_config_t cfg;
    config(f, &cfg);
    cfg.server_key = server_public;
    cfg.secret_key = client_secret;
    hd_client_t *c = NULL;
    assert_int_equal(hd_client_new(&c, &cfg), HD_CLIENT_OK);
    assert_false(hd_client_welcome(c)->insecure);
    hd_client_destroy(&c);
    char last_log[512] = "";
    cfg.server_key = client_public; /* not the broker's key: the handshake fails */
    cfg.request_timeout_ms = 300;
    cfg.log_ctx = last_log;
    assert_int_equal(hd_client_new(&c, &cfg), HD_CLIENT_ETIMEOUT);
    assert_non_null(strstr(last_log, "encryption handshake"));
    assert_int_equal(seen(f, &f->hellos), 1);
    cfg.secret_key = "too short";
    assert_int_equal(hd_client_new(&c, &cfg), HD_CLIENT_EINVAL);
}

/* The example commands as a newcomer runs them, against the fake. */
static void test_publish_and_subscribe_commands(void **state)
{
    fake_t *f = *state;
    f->deliver_on_subscribe = 2;
    fake_start(f);
    char out[8192];
#define HUDDLE(...) tu_run((const char *[]){"huddle", __VA_ARGS__, NULL}, out, sizeof out)
#define OUT_HAS(text) assert_non_null(strstr(out, text))
    assert_int_equal(HUDDLE("publish", "--endpoint", f->endpoint, "--message-id", "cmd-1", "hello team"), 0);
    OUT_HAS("accepted seq 101\n");
    OUT_HAS("WITHOUT encryption"); /* the fake says it is insecure: the user is told */
    assert_int_equal(HUDDLE("publish", "--endpoint", f->endpoint, "--message-id", "cmd-1", "hello team"), 0);
    OUT_HAS("duplicate of seq 101\n");
    assert_int_equal(HUDDLE("publish", "--endpoint", f->endpoint, "--count", "3", "--topic", "t", "x"), 0);
    OUT_HAS("accepted seq 102\naccepted seq 103\naccepted seq 104\n");
    FAKE_SET(f, f->reject_publish = true);
    assert_string_equal(f->hello_agent, ""); /* no claim: the key names the agent */
    assert_int_equal(HUDDLE("publish", "--endpoint", f->endpoint, "x"), 1);
    OUT_HAS("rejected INVALID (field publish.event.message.topic): topic is empty");

    assert_int_equal(HUDDLE("subscribe", "--endpoint", f->endpoint, "--from-start", "--count", "2"), 0);
    OUT_HAS("seq 1 kind MESSAGE topic demo text event 1\nseq 2 kind MESSAGE topic demo text event 2\n");
    wait_seen(f, &f->acks, 2);
    assert_string_equal(f->hello_agent, ""); /* wait_seen synchronised with the fake */
    assert_string_equal(f->sub_names[0], "demo");
    assert_int_equal(f->ack_seqs[1], 2);

    assert_int_equal(HUDDLE("publish", "--help"), 0);
    OUT_HAS("usage: huddle publish [OPTIONS] TEXT");
    assert_int_equal(HUDDLE("subscribe", "-h"), 0);
    OUT_HAS("--from-start");
    assert_int_equal(HUDDLE("publish"), 2);
    assert_int_equal(HUDDLE("subscribe", "--count", "many"), 2);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_hello_welcome),
        T(test_publish_accepted_and_duplicate),
        T(test_publish_rejections),
        T(test_publish_timeout_retries_same_message_id),
        T(test_deliveries_while_waiting_are_kept),
        T(test_ping_answered_and_heartbeat_sent),
        T(test_pipelined_hundred_in_flight),
        T(test_pipelined_requests_lost_with_the_session),
        T(test_subscribe_next_ack_query_unsubscribe),
        T(test_reconnect_resubscribes),
        T(test_bye_and_forgotten_session),
        T(test_short_polls_reconnect_once),
        T(test_refused_and_unreachable),
        T(test_curve),
        T(test_publish_and_subscribe_commands),
    };
    return cmocka_run_group_tests_name("hd_client", tests, NULL, NULL);
}
