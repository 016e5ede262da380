/*
 * fake_broker — the broker test_hd_client talks to: a ROUTER socket in a thread on
 * tcp://127.0.0.1 (a free port), speaking the protocol as huddled does and behaving
 * badly on request (ignoring, refusing, answering slowly, dropping the connection,
 * forgetting sessions, saying Bye). It records what it saw; the tests assert on that
 * record, read under its lock with seen() and wait_seen().
 */
#ifndef HUDDLE_FAKE_BROKER_H
#define HUDDLE_FAKE_BROKER_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "codec.h"
#include "hd_time.h"

#define MAX_SEEN 128

typedef struct {
    /* behaviour: set before fake_start */
    int ignore_publishes;      /* leave this many Publish frames unanswered */
    int busy_publishes;        /* answer this many Rejected BUSY (transient) */
    bool reject_publish;       /* answer Rejected INVALID */
    bool reject_hello;         /* answer Hello with Rejected FORBIDDEN */
    bool ping_on_publish;      /* send a Ping before answering a Publish */
    int deliver_before_accept; /* Deliver frames sent before each Accepted */
    int deliver_on_subscribe;  /* Deliver frames after Subscribed, from acked + 1 */
    uint32_t heartbeat_ms;     /* Welcome.heartbeat_ms */
    int slow_ms;               /* answer Hello and Subscribe this late, as a busy broker */
    uint64_t seq;              /* last seq in the log */
    const char *curve_secret;  /* Z85: be a CURVE server */
    /* commands from the test */
    atomic_bool stop, drop, forget, bye;
    /* what it saw, under mu */
    pthread_mutex_t mu;
    int hellos, publishes, subscribes, acks, pongs, pings, queries, unsubscribes;
    char hello_agent[65], hello_software[65], hello_version[33];
    char msg_ids[MAX_SEEN][65];
    char sub_names[MAX_SEEN][65];
    uint64_t ack_seqs[MAX_SEEN], pong_nonce, acked;
    char stored_ids[MAX_SEEN][65]; /* message ids answered Accepted, stored at seq base + i + 1 */
    uint64_t stored_seqs[MAX_SEEN];
    int n_stored;
    /* own state */
    uint64_t counter;
    zmq_msg_t peers[8]; /* routing ids that said Hello */
    int n_peers;
    void *ctx, *router;
    char endpoint[64];
    pthread_t thread;
} fake_t;

/* ---- the fake broker -------------------------------------------------------- */

/* Sends one frame whose body is msg (protobuf-c keeps a oneof's members in one union
 * of pointers, so any member takes it). */
static inline void fake_send(fake_t *f, zmq_msg_t *peer, uint64_t corr, Huddle__Frame__BodyCase body, void *msg)
{
    Huddle__Frame fr;
    codec_frame_init(&fr, corr);
    fr.body_case = body;
    fr.hello = msg;
    size_t len, cap = huddle__frame__get_packed_size(&fr);
    uint8_t *buf = malloc(cap);
    if (buf && codec_encode_frame(&fr, buf, cap, &len) == CODEC_OK) {
        zmq_send(f->router, zmq_msg_data(peer), zmq_msg_size(peer), ZMQ_SNDMORE);
        zmq_send(f->router, buf, len, 0);
    }
    free(buf);
}

static inline void fake_reject(fake_t *f, zmq_msg_t *peer, uint64_t corr, Huddle__RejectCode code,
                               const char *field, const char *reason, const char *message_id)
{
    Huddle__Rejected r = HUDDLE__REJECTED__INIT;
    r.code = code;
    r.transient = code == HUDDLE__REJECT_CODE__REJECT_CODE_BUSY;
    r.retry_after_ms = r.transient ? 20 : 0;
    r.field = (char *)field;
    r.reason = (char *)reason;
    r.message_id = (char *)(message_id ? message_id : "");
    fake_send(f, peer, corr, HUDDLE__FRAME__BODY_REJECTED, &r);
}

static inline void fake_deliver(fake_t *f, zmq_msg_t *peer, const char *sub, uint64_t seq)
{
    Huddle__Deliver d = HUDDLE__DELIVER__INIT;
    Huddle__Event ev = HUDDLE__EVENT__INIT;
    Huddle__Message m = HUDDLE__MESSAGE__INIT;
    char text[32];
    snprintf(text, sizeof text, "event %llu", (unsigned long long)seq);
    m.topic = (char *)"demo";
    m.text = ev.message_id = text;
    ev.kind = HUDDLE__EVENT_KIND__EVENT_KIND_MESSAGE;
    ev.seq = seq;
    ev.payload_case = HUDDLE__EVENT__PAYLOAD_MESSAGE;
    ev.message = &m;
    d.subscription = (char *)sub;
    d.counter = ++f->counter;
    d.event = &ev;
    fake_send(f, peer, 0, HUDDLE__FRAME__BODY_DELIVER, &d);
}

static inline bool fake_knows(fake_t *f, zmq_msg_t *peer)
{
    for (int i = 0; i < f->n_peers; i++)
        if (zmq_msg_size(&f->peers[i]) == zmq_msg_size(peer) &&
            !memcmp(zmq_msg_data(&f->peers[i]), zmq_msg_data(peer), zmq_msg_size(peer)))
            return true;
    return false;
}

static inline void fake_forget(fake_t *f)
{
    for (int i = 0; i < f->n_peers; i++)
        zmq_msg_close(&f->peers[i]);
    f->n_peers = 0;
}

static inline void fake_hello(fake_t *f, zmq_msg_t *peer, const Huddle__Frame *in)
{
    f->hellos++;
    snprintf(f->hello_agent, sizeof f->hello_agent, "%s", in->hello->agent_id);
    snprintf(f->hello_software, sizeof f->hello_software, "%s", in->hello->software_name);
    snprintf(f->hello_version, sizeof f->hello_version, "%s", in->hello->software_version);
    if (f->reject_hello) {
        fake_reject(f, peer, in->corr, HUDDLE__REJECT_CODE__REJECT_CODE_FORBIDDEN, "",
                    "agent revoked after it sent 943 476 5919", NULL); /* a broker bug the client hides */
        return;
    }
    if (f->n_peers < 8) {
        zmq_msg_init(&f->peers[f->n_peers]);
        zmq_msg_copy(&f->peers[f->n_peers++], peer);
    }
    Huddle__Welcome w = HUDDLE__WELCOME__INIT;
    w.agent_id = *in->hello->agent_id ? in->hello->agent_id : (char *)"anonymous";
    w.role = HUDDLE__ROLE__ROLE_MDT_MEMBER;
    w.org_ods = (char *)"RX1";
    w.broker_version = (char *)"fake-1";
    w.max_frame_bytes = 262144;
    w.heartbeat_ms = f->heartbeat_ms;
    w.max_credit = 100;
    w.max_query_limit = 500;
    w.last_seq = f->seq;
    w.insecure = f->curve_secret == NULL;
    fake_send(f, peer, in->corr, HUDDLE__FRAME__BODY_WELCOME, &w);
}

static inline void fake_publish(fake_t *f, zmq_msg_t *peer, const Huddle__Frame *in)
{
    const char *id = in->publish->event ? in->publish->event->message_id : "";
    if (f->publishes < MAX_SEEN)
        snprintf(f->msg_ids[f->publishes], 65, "%s", id);
    f->publishes++;
    if (f->ignore_publishes > 0 && f->ignore_publishes--)
        return;
    if (f->ping_on_publish) {
        Huddle__Ping ping = HUDDLE__PING__INIT;
        ping.nonce = 0xC0FFEE;
        fake_send(f, peer, 0, HUDDLE__FRAME__BODY_PING, &ping);
    }
    if (f->busy_publishes > 0 && f->busy_publishes--) {
        fake_reject(f, peer, in->corr, HUDDLE__REJECT_CODE__REJECT_CODE_BUSY, "", "batch full", id);
        return;
    }
    if (f->reject_publish) {
        fake_reject(f, peer, in->corr, HUDDLE__REJECT_CODE__REJECT_CODE_INVALID, "publish.event.message.topic",
                    "topic is empty", id);
        return;
    }
    for (int i = 0; i < f->deliver_before_accept; i++)
        fake_deliver(f, peer, "s", 1000 + f->counter + 1);
    Huddle__Accepted a = HUDDLE__ACCEPTED__INIT;
    for (int i = 0; i < f->n_stored && !a.seq; i++)
        if (!strcmp(f->stored_ids[i], id))
            a.seq = f->stored_seqs[i], a.duplicate = true;
    if (!a.seq) {
        a.seq = ++f->seq;
        if (f->n_stored < MAX_SEEN) {
            snprintf(f->stored_ids[f->n_stored], 65, "%s", id);
            f->stored_seqs[f->n_stored++] = a.seq;
        }
    }
    a.message_id = (char *)id;
    fake_send(f, peer, in->corr, HUDDLE__FRAME__BODY_ACCEPTED, &a);
}

static inline void fake_handle(fake_t *f, zmq_msg_t *peer, const Huddle__Frame *in)
{
    if (in->body_case != HUDDLE__FRAME__BODY_HELLO && !fake_knows(f, peer)) {
        fake_reject(f, peer, in->corr, HUDDLE__REJECT_CODE__REJECT_CODE_UNAUTHENTICATED, "", "Hello first", NULL);
        return;
    }
    Huddle__Subscribed s = HUDDLE__SUBSCRIBED__INIT;
    Huddle__Answer a = HUDDLE__ANSWER__INIT;
    Huddle__Stats st = HUDDLE__STATS__INIT;
    Huddle__Unsubscribed u = HUDDLE__UNSUBSCRIBED__INIT;
    Huddle__Pong pong = HUDDLE__PONG__INIT;
    if (f->slow_ms && (in->body_case == HUDDLE__FRAME__BODY_HELLO || in->body_case == HUDDLE__FRAME__BODY_SUBSCRIBE))
        zmq_poll(NULL, 0, f->slow_ms);
    switch (in->body_case) {
    case HUDDLE__FRAME__BODY_HELLO:
        fake_hello(f, peer, in);
        break;
    case HUDDLE__FRAME__BODY_PUBLISH:
        fake_publish(f, peer, in);
        break;
    case HUDDLE__FRAME__BODY_SUBSCRIBE:
        if (f->subscribes < MAX_SEEN)
            snprintf(f->sub_names[f->subscribes], 65, "%s", in->subscribe->name);
        s.name = in->subscribe->name;
        s.acked_seq = s.resume_from_seq = f->acked;
        s.credit = in->subscribe->credit ? in->subscribe->credit : 10;
        s.created = f->subscribes++ == 0;
        fake_send(f, peer, in->corr, HUDDLE__FRAME__BODY_SUBSCRIBED, &s);
        for (int i = 1; i <= f->deliver_on_subscribe; i++)
            fake_deliver(f, peer, in->subscribe->name, f->acked + (uint64_t)i);
        break;
    case HUDDLE__FRAME__BODY_ACK:
        if (f->acks < MAX_SEEN)
            f->ack_seqs[f->acks] = in->ack->seq;
        f->acks++;
        f->acked = in->ack->seq;
        break;
    case HUDDLE__FRAME__BODY_QUERY:
        f->queries++;
        st.seq_last = f->seq;
        st.broker_version = (char *)"fake-1";
        a.kind = in->query->kind;
        a.result_case = HUDDLE__ANSWER__RESULT_STATS;
        a.stats = &st;
        fake_send(f, peer, in->corr, HUDDLE__FRAME__BODY_ANSWER, &a);
        break;
    case HUDDLE__FRAME__BODY_UNSUBSCRIBE:
        f->unsubscribes++;
        u.name = in->unsubscribe->name;
        u.discarded = in->unsubscribe->discard;
        fake_send(f, peer, in->corr, HUDDLE__FRAME__BODY_UNSUBSCRIBED, &u);
        break;
    case HUDDLE__FRAME__BODY_PING:
        f->pings++;
        pong.nonce = in->ping->nonce;
        fake_send(f, peer, in->corr, HUDDLE__FRAME__BODY_PONG, &pong);
        break;
    case HUDDLE__FRAME__BODY_PONG:
        f->pongs++;
        f->pong_nonce = in->pong->nonce;
        break;
    default:
        break;
    }
}

static inline int fake_bind(fake_t *f, const char *where)
{
    f->router = zmq_socket(f->ctx, ZMQ_ROUTER);
    int zero = 0, one = 1;
    zmq_setsockopt(f->router, ZMQ_LINGER, &zero, sizeof zero);
    if (f->curve_secret) {
        zmq_setsockopt(f->router, ZMQ_CURVE_SERVER, &one, sizeof one);
        zmq_setsockopt(f->router, ZMQ_CURVE_SECRETKEY, f->curve_secret, 41);
    }
    for (int tries = 0; tries < 200; tries++) {
        if (zmq_bind(f->router, where) == 0)
            return 0;
        zmq_poll(NULL, 0, 10);
    }
    return -1;
}

static inline void *fake_main(void *arg)
{
    fake_t *f = arg;
    while (!atomic_load(&f->stop)) {
        zmq_msg_t peer;
        if (atomic_exchange(&f->drop, false)) { /* as a broker restart: close, then the same port again */
            zmq_close(f->router);
            fake_forget(f);
            fake_bind(f, f->endpoint);
        }
        zmq_msg_init(&peer);
        if (atomic_exchange(&f->forget, false))
            fake_forget(f);
        zmq_pollitem_t it = {f->router, 0, ZMQ_POLLIN, 0};
        if (atomic_load(&f->bye) && f->n_peers) {
            atomic_store(&f->bye, false);
            Huddle__Bye b = HUDDLE__BYE__INIT;
            b.reason = (char *)"shutting down";
            b.reconnect_after_ms = 300;
            fake_send(f, &f->peers[f->n_peers - 1], 0, HUDDLE__FRAME__BODY_BYE, &b);
            fake_forget(f);
        }
        if (zmq_poll(&it, 1, 5) > 0 && zmq_msg_recv(&peer, f->router, 0) >= 0) {
            zmq_msg_t body;
            zmq_msg_init(&body);
            if (zmq_msg_recv(&body, f->router, 0) >= 0) {
                Huddle__Frame *in = NULL;
                if (codec_decode_frame(zmq_msg_data(&body), zmq_msg_size(&body), CODEC_FRAME_MAX_DEFAULT, &in,
                                       NULL) == CODEC_OK) {
                    pthread_mutex_lock(&f->mu);
                    fake_handle(f, &peer, in);
                    pthread_mutex_unlock(&f->mu);
                }
                codec_frame_free(&in);
            }
            zmq_msg_close(&body);
        }
        zmq_msg_close(&peer);
    }
    return NULL;
}

static inline void fake_start(fake_t *f)
{
    f->ctx = zmq_ctx_new();
    assert_int_equal(fake_bind(f, "tcp://127.0.0.1:*"), 0);
    size_t len = sizeof f->endpoint;
    assert_int_equal(zmq_getsockopt(f->router, ZMQ_LAST_ENDPOINT, f->endpoint, &len), 0);
    assert_int_equal(pthread_create(&f->thread, NULL, fake_main, f), 0);
}

/* Changes (or reads) the fake's state while it runs. */
#define FAKE_SET(f, assignment)                                                                                       \
    do {                                                                                                              \
        pthread_mutex_lock(&(f)->mu);                                                                                 \
        assignment;                                                                                                   \
        pthread_mutex_unlock(&(f)->mu);                                                                               \
    } while (0)

/* Reads a counter of the fake under its lock. */
static inline int seen(fake_t *f, const int *counter)
{
    pthread_mutex_lock(&f->mu);
    int n = *counter;
    pthread_mutex_unlock(&f->mu);
    return n;
}

/* Waits up to 5 s for the fake to count at least n. */
static inline void wait_seen(fake_t *f, const int *counter, int n)
{
    int64_t end = hd_time_mono_ms() + 5000;
    while (seen(f, counter) < n && hd_time_mono_ms() < end)
        zmq_poll(NULL, 0, 5);
    assert_true(seen(f, counter) >= n);
}

static inline fake_t *fake_new(void)
{
    fake_t *f = calloc(1, sizeof *f);
    assert_non_null(f);
    pthread_mutex_init(&f->mu, NULL);
    f->seq = 100;
    return f;
}

/* Stops the thread if fake_start ran, frees everything; *f_p = NULL. */
static inline void fake_destroy(fake_t **f_p)
{
    fake_t *f = *f_p;
    if (f->ctx) {
        atomic_store(&f->stop, true);
        pthread_join(f->thread, NULL);
        fake_forget(f);
        zmq_close(f->router);
        zmq_ctx_term(f->ctx);
    }
    pthread_mutex_destroy(&f->mu);
    free(f);
    *f_p = NULL;
}

#endif
