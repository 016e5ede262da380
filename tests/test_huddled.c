/*
 * test_huddled — end to end: the real huddled process over TCP loopback, with agents
 * on the client library (and raw ZeroMQ sockets for frames no client would send).
 * Ordering, filters, credit, a slow subscriber beside a fast one, resume after the
 * last ack, idempotent retries, Rejected codes from real frames, SIGTERM draining,
 * and the crash test: a publisher streaming while the broker is killed with SIGKILL
 * and restarted.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <zmq.h>

#include "codec.h"
#include "hd_client.h"
#include "hd_time.h"
#include "store.h"
#include "testutil.h"
#include "tu_registry.h"

#define S(literal) ((char *)(literal))

typedef struct {
    char dir[256];
    tu_broker_t broker;
    char broker_pub[41];
} fx_t;

#define GP(id_, org_) {.id = id_, .role = HUDDLE__ROLE__ROLE_GP_PRACTICE, .org = org_}
/* Every agent these tests connect as, registered with its own CURVE key: the broker
 * runs as it would in service, CURVE on. */
static tu_agent_t agents[] = {
    GP("pub", "A81001"), GP("fast", "A81001"), GP("slow", "A81001"), GP("drainer", "A81001"),
    GP("streamer", "A81001"), GP("stream-checker", "A81002"), GP("after-junk", "A81001"),
    GP("still-served", "A81001"), GP("raw-agent", "A81001"), GP("gp-a81001", "A81001"),
    GP("gp-b82002", "B82002"),
    {.id = "coordinator-1", .role = HUDDLE__ROLE__ROLE_INT_COORDINATOR, .org = "RXH01", .neighbourhood = "nb-north"},
    {.id = "member-1", .role = HUDDLE__ROLE__ROLE_MDT_MEMBER, .org = "RXH01", .neighbourhood = "nb-north"},
    {.id = "member-2", .role = HUDDLE__ROLE__ROLE_MDT_MEMBER, .org = "RXH01", .neighbourhood = "nb-north"},
    {.id = "member-3", .role = HUDDLE__ROLE__ROLE_MDT_MEMBER, .org = "RXH01", .neighbourhood = "nb-south"},
    {.id = "hub-rxh", .role = HUDDLE__ROLE__ROLE_DISCHARGE_HUB, .org = "RXH", .hospital = "RXH"},
    {.id = "ops", .role = HUDDLE__ROLE__ROLE_ADMIN, .org = "X26"},
};
#define N_AGENTS (sizeof agents / sizeof agents[0])

static Huddle__Answer *stats_answer; /* the last stats(), freed at teardown */

static const tu_agent_t *find_agent(const char *id)
{
    for (size_t i = 0; i < N_AGENTS; i++)
        if (!strcmp(agents[i].id, id))
            return &agents[i];
    fail_msg("no test agent %s", id);
    return NULL;
}

static int setup(void **state)
{
    fx_t *f = calloc(1, sizeof *f);
    assert_non_null(f);
    assert_int_equal(tu_mkdtemp(f->dir, sizeof f->dir), 0);
    assert_int_equal(tu_registry_seed(f->dir, agents, N_AGENTS, f->broker_pub), 0);
    if (tu_broker_start(&f->broker, f->dir, NULL) != 0)
        fail_msg("huddled did not start (log: %s)", f->broker.log);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx_t *f = *state;
    if (f->broker.pid > 0)
        tu_broker_stop(&f->broker, SIGKILL);
    hd_client_answer_free(&stats_answer);
    tu_rmtree(f->dir);
    free(f);
    return 0;
}

static hd_client_t *agent(fx_t *f, const char *id)
{
    hd_client_config_t cfg;
    hd_client_config_defaults(&cfg);
    cfg.endpoint = f->broker.endpoint;
    cfg.agent_id = id;
    cfg.server_key = f->broker_pub;
    cfg.secret_key = find_agent(id)->sec;
    cfg.request_timeout_ms = tu_under_valgrind() ? 20000 : 3000;
    cfg.backoff_min_ms = 20;
    cfg.backoff_max_ms = 200;
    hd_client_t *c = NULL;
    int rc = hd_client_new(&c, &cfg);
    if (rc != HD_CLIENT_OK)
        fail_msg("agent %s cannot connect: %s", id, hd_client_strerror(rc));
    return c;
}

/* The broker's counters, as the admin reads them (kept until the next call). */
static const Huddle__Stats *stats(fx_t *f)
{
    Huddle__Answer **ap = &stats_answer, *a;
    hd_client_answer_free(ap);
    hd_client_t *ops = agent(f, "ops");
    Huddle__Query q = HUDDLE__QUERY__INIT;
    q.kind = HUDDLE__QUERY_KIND__QUERY_KIND_STATS;
    assert_int_equal(hd_client_query(ops, &q, ap), HD_CLIENT_OK);
    hd_client_destroy(&ops);
    a = *ap;
    assert_int_equal(a->result_case, HUDDLE__ANSWER__RESULT_STATS);
    return a->stats;
}

/* Fills ev as a MESSAGE with this id and topic (the strings are borrowed). */
static void message(Huddle__Event *ev, Huddle__Message *m, const char *id, const char *topic)
{
    huddle__event__init(ev);
    huddle__message__init(m);
    ev->message_id = (char *)id;
    ev->kind = HUDDLE__EVENT_KIND__EVENT_KIND_MESSAGE;
    ev->payload_case = HUDDLE__EVENT__PAYLOAD_MESSAGE;
    ev->message = m;
    m->topic = (char *)topic;
    m->text = S("discharge hub stand-up at 9");
}

static uint64_t publish(hd_client_t *c, const char *id, const char *topic, bool dup)
{
    Huddle__Event ev;
    Huddle__Message m;
    message(&ev, &m, id, topic);
    hd_publish_result_t res;
    int rc = hd_client_publish(c, &ev, &res);
    if (rc != HD_CLIENT_OK)
        fail_msg("publish %s: %s (%s)", id, hd_client_strerror(rc), res.rejection.reason);
    assert_int_equal(res.duplicate, dup);
    return res.seq;
}

static void subscribe(hd_client_t *c, const char *name, const char *topic, uint32_t credit)
{
    Huddle__Filter flt = HUDDLE__FILTER__INIT;
    char *topics[] = {(char *)topic};
    if (topic) {
        flt.n_topics = 1;
        flt.topics = topics;
    }
    hd_subscribed_t out;
    assert_int_equal(hd_client_subscribe(c, name, topic ? &flt : NULL, credit, true, &out), HD_CLIENT_OK);
}

/* The next delivery's seq, or 0 when none comes within timeout_ms. */
static uint64_t next_seq(hd_client_t *c, int timeout_ms, char *topic_out)
{
    hd_delivery_t d;
    int rc = hd_client_next(c, timeout_ms, &d);
    if (rc == HD_CLIENT_ETIMEOUT)
        return 0;
    assert_int_equal(rc, HD_CLIENT_OK);
    uint64_t seq = d.seq;
    if (topic_out)
        snprintf(topic_out, 32, "%s", d.event->message ? d.event->message->topic : "");
    hd_delivery_release(&d);
    return seq;
}

static int wait_ms(void)
{
    return tu_under_valgrind() ? 20000 : 3000;
}

static void test_publish_subscribe_in_order(void **state)
{
    fx_t *f = *state;
    hd_client_t *sub = agent(f, "coordinator-1");
    subscribe(sub, "inbox", NULL, 50);
    hd_client_t *pub = agent(f, "gp-a81001");
    for (int i = 0; i < 20; i++) {
        char id[16];
        snprintf(id, sizeof id, "m-%d", i);
        assert_int_equal(publish(pub, id, "news", false), (uint64_t)i + 1);
    }
    for (uint64_t s = 1; s <= 20; s++) {
        uint64_t got = next_seq(sub, wait_ms(), NULL);
        assert_int_equal(got, s);
        if (s % 5 == 0)
            assert_int_equal(hd_client_ack(sub, "inbox", s), HD_CLIENT_OK);
    }
    hd_client_destroy(&pub);
    hd_client_destroy(&sub);
}

/* `huddle clock` moves a test-mode broker's clock; a broker not in test mode refuses. */
static void test_clock_tool(void **state)
{
    fx_t *f = *state;
    setenv("HUDDLE_SERVER_KEY", f->broker_pub, 1);
    setenv("HUDDLE_SECRET_KEY", find_agent("ops")->sec, 1);
    char out[512];
    const char *set[] = {"huddle", "clock", "--endpoint", f->broker.endpoint, "--set", "2030-01-01T00:00:00Z",
                         "--advance", "91d", NULL};
    assert_int_equal(tu_run(set, out, sizeof out), 0);
    assert_non_null(strstr(out, "broker clock 2030-04-02T00:00:00"));
    const char *more[] = {"huddle", "clock", "--endpoint", f->broker.endpoint, "--advance", "36h", NULL};
    assert_int_equal(tu_run(more, out, sizeof out), 0);
    assert_non_null(strstr(out, "broker clock 2030-04-03T12:00:00"));
    const char *bad[] = {"huddle", "clock", "--endpoint", f->broker.endpoint, "--advance", "-1d", NULL};
    assert_int_equal(tu_run(bad, out, sizeof out), 2);

    tu_broker_stop(&f->broker, SIGTERM);
    const char *no_test[] = {"--test-mode", "no", NULL};
    assert_int_equal(tu_broker_start(&f->broker, f->dir, no_test), 0);
    const char *refused[] = {"huddle", "clock", "--endpoint", f->broker.endpoint, "--advance", "1d", NULL};
    assert_int_equal(tu_run(refused, out, sizeof out), 1);
    assert_null(strstr(out, "broker clock"));
    unsetenv("HUDDLE_SERVER_KEY");
    unsetenv("HUDDLE_SECRET_KEY");
}

static void test_two_filters(void **state)
{
    fx_t *f = *state;
    hd_client_t *beds = agent(f, "hub-rxh");
    hd_client_t *news = agent(f, "member-1");
    subscribe(beds, "beds", "beds", 50);
    subscribe(news, "news", "news", 50);
    hd_client_t *pub = agent(f, "pub");
    publish(pub, "a", "news", false);
    publish(pub, "b", "beds", false);
    publish(pub, "c", "news", false);
    char topic[32];
    assert_int_equal(next_seq(beds, wait_ms(), topic), 2);
    assert_string_equal(topic, "beds");
    assert_int_equal(next_seq(news, wait_ms(), topic), 1);
    assert_string_equal(topic, "news");
    assert_int_equal(next_seq(news, wait_ms(), topic), 3);
    assert_int_equal(next_seq(beds, 300, NULL), 0);
    hd_client_destroy(&pub);
    hd_client_destroy(&news);
    hd_client_destroy(&beds);
}

static void test_credit_window(void **state)
{
    fx_t *f = *state;
    hd_client_t *sub = agent(f, "member-2");
    subscribe(sub, "window", NULL, 3);
    hd_client_t *pub = agent(f, "pub");
    for (int i = 0; i < 10; i++) {
        char id[16];
        snprintf(id, sizeof id, "w-%d", i);
        publish(pub, id, "news", false);
    }
    for (uint64_t s = 1; s <= 3; s++)
        assert_int_equal(next_seq(sub, wait_ms(), NULL), s);
    assert_int_equal(next_seq(sub, 300, NULL), 0); /* three in flight: no more */
    assert_int_equal(hd_client_ack(sub, "window", 2), HD_CLIENT_OK);
    assert_int_equal(next_seq(sub, wait_ms(), NULL), 4);
    assert_int_equal(next_seq(sub, wait_ms(), NULL), 5);
    assert_int_equal(next_seq(sub, 300, NULL), 0);
    hd_client_destroy(&pub);
    hd_client_destroy(&sub);
}

static void test_slow_subscriber_does_not_delay_fast(void **state)
{
    fx_t *f = *state;
    hd_client_t *slow = agent(f, "slow");
    subscribe(slow, "all", NULL, 10000); /* then never reads */
    hd_client_t *fast = agent(f, "fast");
    subscribe(fast, "all", NULL, 10000);
    hd_client_t *pub = agent(f, "pub");
    int n = tu_under_valgrind() ? 200 : 2000;
    uint64_t corr;
    Huddle__Event ev;
    Huddle__Message m;
    char id[32];
    for (int i = 0; i < n; i++) {
        snprintf(id, sizeof id, "f-%d", i);
        message(&ev, &m, id, "news");
        assert_int_equal(hd_client_send_publish(pub, &ev, &corr), HD_CLIENT_OK);
    }
    int accepted = 0, delivered = 0;
    int64_t deadline = hd_time_mono_ms() + (tu_under_valgrind() ? 120000 : 20000);
    while ((accepted < n || delivered < n) && hd_time_mono_ms() < deadline) {
        hd_message_t msg;
        if (accepted < n && hd_client_recv(pub, 0, &msg) == HD_CLIENT_OK) {
            accepted += msg.kind == HD_MESSAGE_ACCEPTED;
            hd_message_release(&msg);
        }
        uint64_t s = next_seq(fast, 5, NULL);
        if (s) {
            delivered++;
            assert_int_equal(s, (uint64_t)delivered);
            if (delivered % 100 == 0)
                hd_client_ack(fast, "all", s);
        }
    }
    assert_int_equal(accepted, n);
    assert_int_equal(delivered, n);
    hd_client_destroy(&pub);
    hd_client_destroy(&fast);
    hd_client_destroy(&slow);
}

static void test_resume_after_last_ack(void **state)
{
    fx_t *f = *state;
    hd_client_t *pub = agent(f, "pub");
    hd_client_t *sub = agent(f, "member-3");
    subscribe(sub, "resume", NULL, 100);
    for (int i = 0; i < 6; i++) {
        char id[16];
        snprintf(id, sizeof id, "r-%d", i);
        publish(pub, id, "news", false);
    }
    for (uint64_t s = 1; s <= 6; s++)
        assert_int_equal(next_seq(sub, wait_ms(), NULL), s);
    assert_int_equal(hd_client_ack(sub, "resume", 4), HD_CLIENT_OK);
    /* the ack is applied before a later frame of the same connection (here a query an
     * MDT member may not ask, refused in order), so before the admin's after that */
    Huddle__Query q = HUDDLE__QUERY__INIT;
    q.kind = HUDDLE__QUERY_KIND__QUERY_KIND_STATS;
    Huddle__Answer *a = NULL;
    assert_int_equal(hd_client_query(sub, &q, &a), HD_CLIENT_EREJECTED);
    assert_int_equal(hd_client_last_rejection(sub)->code, HUDDLE__REJECT_CODE__REJECT_CODE_FORBIDDEN);
    assert_int_equal(stats(f)->acks, 1);
    hd_client_destroy(&sub);

    /* across a broker restart too */
    assert_int_equal(tu_broker_stop(&f->broker, SIGTERM), 0);
    assert_int_equal(tu_broker_start(&f->broker, f->dir, NULL), 0);
    sub = agent(f, "member-3");
    subscribe(sub, "resume", NULL, 100);
    assert_int_equal(next_seq(sub, wait_ms(), NULL), 5);
    assert_int_equal(next_seq(sub, wait_ms(), NULL), 6);
    assert_int_equal(next_seq(sub, 300, NULL), 0);
    hd_client_destroy(&sub);
    hd_client_destroy(&pub);
}

static void test_idempotent_retry(void **state)
{
    fx_t *f = *state;
    hd_client_t *pub = agent(f, "gp-b82002");
    uint64_t seq = publish(pub, "referral-0001", "news", false);
    assert_int_equal(publish(pub, "referral-0001", "news", true), seq);
    hd_client_destroy(&pub);
    pub = agent(f, "gp-b82002"); /* a new connection of the same agent */
    assert_int_equal(publish(pub, "referral-0001", "news", true), seq);
    assert_int_equal(stats(f)->events, 1);
    hd_client_destroy(&pub);
}

static void test_one_broker_per_store(void **state)
{
    fx_t *f = *state;
    tu_broker_t second = {0};
    assert_int_not_equal(tu_broker_start(&second, f->dir, NULL), 0); /* exits at once */
    assert_true(tu_file_contains(f->broker.log, "another huddled"));
    hd_client_t *pub = agent(f, "still-served");
    assert_int_equal(publish(pub, "m-1", "news", false), 1);
    hd_client_destroy(&pub);
}

/* ---- raw frames ---- */

static Huddle__Frame *raw_exchange(void *sock, const void *data, size_t len)
{
    assert_true(zmq_send(sock, data, len, 0) >= 0);
    zmq_pollitem_t it = {sock, 0, ZMQ_POLLIN, 0};
    if (zmq_poll(&it, 1, wait_ms()) != 1)
        fail_msg("no reply from the broker");
    zmq_msg_t msg;
    zmq_msg_init(&msg);
    assert_true(zmq_msg_recv(&msg, sock, 0) >= 0);
    Huddle__Frame *f;
    codec_error_t err;
    assert_int_equal(codec_decode_frame(zmq_msg_data(&msg), zmq_msg_size(&msg), 1 << 20, &f, &err), CODEC_OK);
    zmq_msg_close(&msg);
    return f;
}

static void expect_code(void *sock, const void *data, size_t len, Huddle__RejectCode code)
{
    Huddle__Frame *f = raw_exchange(sock, data, len);
    assert_int_equal(f->body_case, HUDDLE__FRAME__BODY_REJECTED);
    assert_int_equal(f->rejected->code, code);
    codec_frame_free(&f);
}

static void test_rejected_codes_from_real_frames(void **state)
{
    fx_t *f = *state;
    void *ctx = zmq_ctx_new();
    void *sock = zmq_socket(ctx, ZMQ_DEALER);
    int linger = 0;
    zmq_setsockopt(sock, ZMQ_LINGER, &linger, sizeof linger);
    const tu_agent_t *me = find_agent("raw-agent");
    assert_int_equal(zmq_setsockopt(sock, ZMQ_CURVE_SERVERKEY, f->broker_pub, 40), 0);
    assert_int_equal(zmq_setsockopt(sock, ZMQ_CURVE_PUBLICKEY, me->pub, 40), 0);
    assert_int_equal(zmq_setsockopt(sock, ZMQ_CURVE_SECRETKEY, me->sec, 40), 0);
    assert_int_equal(zmq_connect(sock, f->broker.endpoint), 0);

    /* before Hello */
    uint8_t buf[1024];
    size_t len;
    Huddle__Frame fr;
    Huddle__Publish p = HUDDLE__PUBLISH__INIT;
    Huddle__Event ev;
    Huddle__Message m;
    message(&ev, &m, "x-1", "news");
    codec_frame_init(&fr, 5);
    fr.body_case = HUDDLE__FRAME__BODY_PUBLISH;
    fr.publish = &p;
    p.event = &ev;
    assert_int_equal(codec_encode_frame(&fr, buf, sizeof buf, &len), CODEC_OK);
    expect_code(sock, buf, len, HUDDLE__REJECT_CODE__REJECT_CODE_UNAUTHENTICATED);

    Huddle__Frame hf;
    Huddle__Hello h = HUDDLE__HELLO__INIT;
    codec_frame_init(&hf, 1);
    hf.body_case = HUDDLE__FRAME__BODY_HELLO;
    hf.hello = &h;
    h.agent_id = S("raw-agent");
    uint8_t hbuf[128];
    size_t hlen;
    assert_int_equal(codec_encode_frame(&hf, hbuf, sizeof hbuf, &hlen), CODEC_OK);
    Huddle__Frame *w = raw_exchange(sock, hbuf, hlen);
    assert_int_equal(w->body_case, HUDDLE__FRAME__BODY_WELCOME);
    codec_frame_free(&w);

    srand(7);
    uint8_t junk[200];
    for (size_t i = 0; i < sizeof junk; i++)
        junk[i] = (uint8_t)rand();
    junk[0] = 0xff; /* never a valid first tag */
    expect_code(sock, junk, sizeof junk, HUDDLE__REJECT_CODE__REJECT_CODE_MALFORMED);
    expect_code(sock, buf, len - 3, HUDDLE__REJECT_CODE__REJECT_CODE_MALFORMED); /* truncated */
    const uint8_t v9[] = {0x08, 0x09, 0xb2, 0x01, 0x00};
    expect_code(sock, v9, sizeof v9, HUDDLE__REJECT_CODE__REJECT_CODE_UNSUPPORTED_VERSION);
    const uint8_t unknown[] = {0x08, 0x01, 0x9a, 0x06, 0x00};
    expect_code(sock, unknown, sizeof unknown, HUDDLE__REJECT_CODE__REJECT_CODE_MALFORMED);
    uint8_t *big = calloc(1, 300 * 1024);
    assert_non_null(big);
    expect_code(sock, big, 300 * 1024, HUDDLE__REJECT_CODE__REJECT_CODE_TOO_LARGE);
    free(big);
    ev.kind = HUDDLE__EVENT_KIND__EVENT_KIND_REFERRAL_SUBMITTED; /* kind and payload disagree */
    assert_int_equal(codec_encode_frame(&fr, buf, sizeof buf, &len), CODEC_OK);
    expect_code(sock, buf, len, HUDDLE__REJECT_CODE__REJECT_CODE_INVALID);
    Huddle__Ack a = HUDDLE__ACK__INIT;
    fr.body_case = HUDDLE__FRAME__BODY_ACK;
    fr.ack = &a;
    a.subscription = S("never-made");
    a.seq = 1;
    assert_int_equal(codec_encode_frame(&fr, buf, sizeof buf, &len), CODEC_OK);
    expect_code(sock, buf, len, HUDDLE__REJECT_CODE__REJECT_CODE_NOT_FOUND);
    Huddle__Admin adm = HUDDLE__ADMIN__INIT;
    fr.body_case = HUDDLE__FRAME__BODY_ADMIN;
    fr.admin = &adm;
    assert_int_equal(codec_encode_frame(&fr, buf, sizeof buf, &len), CODEC_OK);
    expect_code(sock, buf, len, HUDDLE__REJECT_CODE__REJECT_CODE_FORBIDDEN);

    zmq_close(sock);
    zmq_ctx_term(ctx);
    /* and the broker still serves */
    hd_client_t *pub = agent(f, "after-junk");
    assert_int_equal(publish(pub, "ok-1", "news", false), 1);
    hd_client_destroy(&pub);
}

/* ---- stopping and crashing ---- */

typedef struct {
    int n;
    char (*ids)[24];
    bool *accepted;
    bool *rejected;
    uint64_t *corr; /* corr of each event's outstanding publish, 0 when none */
    int done;
} stream_t;

static void stream_init(stream_t *s, int n)
{
    memset(s, 0, sizeof *s);
    s->n = n;
    s->ids = calloc((size_t)n, sizeof *s->ids);
    s->accepted = calloc((size_t)n, sizeof *s->accepted);
    s->rejected = calloc((size_t)n, sizeof *s->rejected);
    s->corr = calloc((size_t)n, sizeof *s->corr);
    assert_true(s->ids && s->accepted && s->rejected && s->corr);
    for (int i = 0; i < n; i++)
        snprintf(s->ids[i], sizeof s->ids[i], "crash-%06d", i);
}

static void stream_free(stream_t *s)
{
    free(s->ids);
    free(s->accepted);
    free(s->rejected);
    free(s->corr);
}

static int stream_send(hd_client_t *c, stream_t *s, int i)
{
    Huddle__Event ev;
    Huddle__Message m;
    message(&ev, &m, s->ids[i], "stream");
    return hd_client_send_publish(c, &ev, &s->corr[i]);
}

static void stream_reply(stream_t *s, const hd_message_t *msg)
{
    for (int i = 0; i < s->n; i++) {
        if (s->corr[i] != msg->corr || !msg->corr)
            continue;
        s->corr[i] = 0;
        if (msg->kind == HD_MESSAGE_ACCEPTED)
            s->accepted[i] = true;
        else if (msg->kind == HD_MESSAGE_REJECTED && !msg->rejection.transient)
            s->rejected[i] = true;
        else if (msg->kind == HD_MESSAGE_REJECTED)
            s->corr[i] = (uint64_t)-1; /* transient: send again */
        if (s->accepted[i] || s->rejected[i])
            s->done++;
        return;
    }
}

typedef struct {
    int *count; /* occurrences of each stream id in the log */
    int n;
    int unknown;
} log_scan_t;

static int count_ids(const store_val_t *k, const store_val_t *v, void *ctx)
{
    (void)k;
    log_scan_t *ls = ctx;
    Huddle__Event *ev = huddle__event__unpack(NULL, v->len, v->data);
    if (!ev)
        return STORE_ECORRUPT;
    int i;
    if (sscanf(ev->message_id, "crash-%d", &i) == 1 && i >= 0 && i < ls->n)
        ls->count[i]++;
    else
        ls->unknown++;
    huddle__event__free_unpacked(ev, NULL);
    return 0;
}

static void scan_log(const char *path, log_scan_t *ls)
{
    store_config_t sc;
    store_config_defaults(&sc);
    sc.path = path;
    sc.read_only = true;
    store_t *st = NULL;
    store_txn_t *r;
    assert_int_equal(store_open(&st, &sc, NULL, 0), STORE_OK);
    assert_int_equal(store_read_begin(st, &r), STORE_OK);
    assert_int_equal(store_scan(r, STORE_EVENTS, NULL, 0, 0, count_ids, ls), STORE_OK);
    store_txn_end(&r);
    store_close(&st);
}

static void test_sigterm_drains(void **state)
{
    fx_t *f = *state;
    hd_client_t *pub = agent(f, "drainer");
    stream_t s;
    stream_init(&s, tu_under_valgrind() ? 100 : 1000);
    for (int i = 0; i < s.n; i++)
        assert_int_equal(stream_send(pub, &s, i), HD_CLIENT_OK);
    hd_message_t msg;
    while (s.done == 0) { /* the broker is busy with the stream: now stop it */
        assert_int_equal(hd_client_recv(pub, wait_ms(), &msg), HD_CLIENT_OK);
        stream_reply(&s, &msg);
        hd_message_release(&msg);
    }
    int status = tu_broker_stop(&f->broker, SIGTERM);
    assert_int_equal(status, 0); /* a clean stop */
    while (hd_client_recv(pub, 200, &msg) == HD_CLIENT_OK && msg.kind != HD_MESSAGE_RECONNECTED) {
        stream_reply(&s, &msg);
        hd_message_release(&msg);
    }
    hd_client_destroy(&pub);
    /* in the log exactly when Accepted: the batch in hand was committed and answered */
    log_scan_t ls = {calloc((size_t)s.n, sizeof(int)), s.n, 0};
    scan_log(f->broker.store, &ls);
    int accepted = 0;
    for (int i = 0; i < s.n; i++) {
        accepted += s.accepted[i];
        if (ls.count[i] != (int)s.accepted[i])
            fail_msg("%s: %d times in the log, accepted %d", s.ids[i], ls.count[i], s.accepted[i]);
    }
    assert_true(accepted > 0);
    assert_true(tu_file_contains(f->broker.log, "stopping: answering what is pending"));
    free(ls.count);
    stream_free(&s);
}

static void test_crash_kill9_loses_nothing_accepted(void **state)
{
    fx_t *f = *state;
    stream_t s;
    stream_init(&s, tu_under_valgrind() ? 1500 : 10000);
    hd_client_t *pub = agent(f, "streamer");
    srand((unsigned)time(NULL) ^ (unsigned)getpid());
    /* kill points: after a random share of the stream is answered, 5 times */
    enum { KILLS = 5 };
    int kill_after[KILLS];
    for (int k = 0; k < KILLS; k++)
        kill_after[k] = s.n / 20 + (k * s.n * 17 / 20 + rand() % (s.n * 17 / 20)) / KILLS;
    int kills = 0, next = 0, window = 200;
    int64_t deadline = hd_time_mono_ms() + (tu_under_valgrind() ? 600000 : 120000);
    while (s.done < s.n && hd_time_mono_ms() < deadline) {
        int outstanding = 0;
        for (int i = 0; i < next; i++)
            outstanding += s.corr[i] != 0;
        for (int i = 0; i < next && outstanding < window; i++) /* transient rejections */
            if (s.corr[i] == (uint64_t)-1 && stream_send(pub, &s, i) == HD_CLIENT_OK)
                outstanding++;
        while (next < s.n && outstanding < window && stream_send(pub, &s, next) == HD_CLIENT_OK) {
            next++;
            outstanding++;
        }
        hd_message_t msg;
        int rc = hd_client_recv(pub, 20, &msg);
        if (rc == HD_CLIENT_OK) {
            if (msg.kind == HD_MESSAGE_RECONNECTED) {
                for (int i = 0; i < next; i++) /* lost with the session: same message_id again */
                    if (s.corr[i])
                        stream_send(pub, &s, i);
            } else {
                stream_reply(&s, &msg);
            }
            hd_message_release(&msg);
        }
        if (kills < KILLS && s.done >= kill_after[kills]) {
            assert_int_equal(tu_broker_stop(&f->broker, SIGKILL), 128 + SIGKILL);
            kills++;
            assert_int_equal(tu_broker_start(&f->broker, f->dir, NULL), 0);
        }
    }
    assert_int_equal(s.done, s.n);
    assert_int_equal(kills, KILLS);
    hd_client_destroy(&pub);

    /* a subscriber from the start receives every accepted event */
    hd_client_t *sub = agent(f, "stream-checker");
    subscribe(sub, "all", "stream", 1000);
    int *seen = calloc((size_t)s.n, sizeof(int));
    int delivered = 0, accepted = 0;
    for (int i = 0; i < s.n; i++)
        accepted += s.accepted[i];
    hd_delivery_t d;
    while (delivered < accepted && hd_client_next(sub, wait_ms(), &d) == HD_CLIENT_OK) {
        int i;
        if (sscanf(d.event->message_id, "crash-%d", &i) == 1 && i >= 0 && i < s.n)
            seen[i]++;
        delivered++;
        if (delivered % 500 == 0)
            hd_client_ack(sub, "all", d.seq);
        hd_delivery_release(&d);
    }
    hd_client_destroy(&sub);
    assert_int_equal(tu_broker_stop(&f->broker, SIGTERM), 0);

    log_scan_t ls = {calloc((size_t)s.n, sizeof(int)), s.n, 0};
    scan_log(f->broker.store, &ls);
    for (int i = 0; i < s.n; i++) {
        if (s.accepted[i]) {
            if (ls.count[i] != 1)
                fail_msg("%s accepted but %d times in the log", s.ids[i], ls.count[i]);
            assert_int_equal(seen[i], 1);
        }
        if (s.rejected[i])
            assert_int_equal(ls.count[i], 0);
    }
    assert_int_equal(accepted, s.n); /* nothing here is fatal: all got in */
    free(seen);
    free(ls.count);
    stream_free(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_publish_subscribe_in_order, setup, teardown),
        cmocka_unit_test_setup_teardown(test_two_filters, setup, teardown),
        cmocka_unit_test_setup_teardown(test_credit_window, setup, teardown),
        cmocka_unit_test_setup_teardown(test_slow_subscriber_does_not_delay_fast, setup, teardown),
        cmocka_unit_test_setup_teardown(test_resume_after_last_ack, setup, teardown),
        cmocka_unit_test_setup_teardown(test_idempotent_retry, setup, teardown),
        cmocka_unit_test_setup_teardown(test_one_broker_per_store, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rejected_codes_from_real_frames, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sigterm_drains, setup, teardown),
        cmocka_unit_test_setup_teardown(test_clock_tool, setup, teardown),
        cmocka_unit_test_setup_teardown(test_crash_kill9_loses_nothing_accepted, setup, teardown),
    };
    return cmocka_run_group_tests_name("huddled", tests, NULL, NULL);
}
