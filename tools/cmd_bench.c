/*
 * cmd_bench — `huddle bench`: how fast Huddle is on this machine, end to end, as one
 * JSON line on stdout so that runs can be compared (DESIGN §7).
 *
 * Owns: the options; publisher threads pipelining MESSAGE events (topic "bench") with a
 * window, subscriber threads on durable subscriptions acking cumulatively, each with its
 * own hd_client_t; the phases (as fast as possible, then at half the rate reached; or one
 * at --rate); the percentiles and the JSON line. bench_env gives it the broker under test
 * (our own on a fresh store, over CURVE as deployed unless --insecure, with one
 * registered agent per session; or the one --endpoint names), that broker's memory at
 * the end of phase 1, and the machine's raw ceilings, measured before it starts.
 *
 * The broker deduplicates by (agent, message_id). With our broker every session is an
 * agent of its own, and a publisher numbers its events m000000000000, m000000000001...;
 * with --endpoint every session is the one agent of HUDDLE_SECRET_KEY, so the ids also
 * carry the run, the phase and the publisher (at the same width in every event).
 *
 * Message.body starts with the publish time (CLOCK_MONOTONIC ns, shared by all threads)
 * and a tag of this run and phase; events of other runs on a shared broker are acked but
 * not counted. An accepted event that has not reached every subscriber DRAIN_S seconds
 * after publishing stopped fails the run (exit 1): lost data is reported, never hidden.
 *
 * Never: prints on stdout anything but the JSON line (progress goes to stderr with
 * --verbose, errors always), leaves a process or a directory behind, or opens a store
 * other than its own.
 */
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench_env.h"
#include "hd_client.h"
#include "options.h"

/* Called from the command table in huddle.c. */
struct opts;
int cmd_bench(const struct opts *o, char **argv);

#define NS UINT64_C(1000000000)
#define MS UINT64_C(1000000)
#define DRAIN_S 30              /* after publishing stops: for the last replies and deliveries */
#define BODY_HEAD 16            /* publish time, then run tag | phase: 8 bytes each */
#define SAMPLES_MAX 262144      /* latency samples kept per thread and phase */
#define SUB_CREDIT 1000
#define ACK_EVERY 100
#define ID_LEN 48               /* a bench message id and its NUL */

typedef struct {
    long publishers, subscribers, size, duration, rate, window;
    const char *endpoint, *huddled;
    bool insecure, no_ceilings, verbose, help;
} bench_opts_t;

#define NUMBER(flag_, arg_, field, min_, max_, help_)                                                          \
    {.flag = flag_, .arg = arg_, .type = OPTIONS_NUMBER, .offset = offsetof(bench_opts_t, field), .min = min_, \
     .max = max_, .help = help_}
#define OPT(flag_, arg_, type_, field, help_) \
    {.flag = flag_, .arg = arg_, .type = OPTIONS_##type_, .offset = offsetof(bench_opts_t, field), .help = help_}

static const options_row_t options[] = {
    NUMBER("--publishers", "N", publishers, 1, 256, "publisher threads, one connection each (default 4)"),
    NUMBER("--subscribers", "M", subscribers, 0, 256, "subscriber threads, one subscription each (default 4)"),
    NUMBER("--size", "BYTES", size, 1, 65536, "serialized size of each published event (default 512)"),
    NUMBER("--duration", "SECONDS", duration, 1, 3600, "length of each phase (default 10)"),
    NUMBER("--rate", "EVENTS_PER_S", rate, 0, 10000000,
        "one phase at this total rate (default 0: as fast as possible, then at half that)"),
    NUMBER("--window", "N", window, 1, 100000, "publishes in flight per publisher (default 256)"),
    OPT("--endpoint", "E", TEXT, endpoint, "use the broker running at E (default: start one on a fresh store)"),
    OPT("--huddled", "PATH", TEXT, huddled, "the broker to start (default: huddled beside this huddle)"),
    OPT("--insecure", "", FLAG, insecure,
        "start the broker with --insecure-dev: plain TCP, to see what CURVE costs (default: CURVE)"),
    OPT("--no-ceilings", "", FLAG, no_ceilings, "skip this machine's raw LMDB and ZeroMQ ceilings"),
    OPT("--verbose", "", FLAG, verbose, "report progress on stderr"),
    OPT("--help", "", FLAG, help, "show this help"),
};

#define N_OPTIONS (sizeof options / sizeof options[0])

/* Latency samples in ns, in bounded memory: the first SAMPLES_MAX are kept, then
 * reservoir sampling (Algorithm R) keeps a uniform sample of all seen; percentiles weigh
 * each set's samples by seen/kept, so sets of different sizes merge without bias. */
typedef struct {
    uint64_t *v;
    size_t kept, cap;
    uint64_t seen, rng;
} samples_t;

typedef struct { double p[3]; bool any; } pct_t; /* p50, p99, p99.9 in ms */

typedef struct {
    double target_rate, events_per_s;
    uint64_t accepted, delivered, rejected, reconnects;
    pct_t accept, deliver;
} phase_result_t;

typedef struct bench bench_t;

/* A publish in flight; corr 0 = still to be sent (again), not before not_before. */
typedef struct {
    uint64_t n, first_ns, corr, not_before;
    bool live;
} slot_t;

typedef struct {
    bench_t *b;
    int index, phase;
    pthread_t thread;
    hd_client_t *c;
    slot_t *ring; /* in send order, ring[head % w] .. ring[(tail - 1) % w] */
    size_t w;
    uint64_t head, tail, next, unsent;
    uint8_t *body;
    samples_t accept;
    uint64_t accepted, rejected, reconnects, first_ns, last_ns;
    atomic_bool done;
    char error[512];
} publisher_t;

typedef struct {
    bench_t *b;
    int index;
    pthread_t thread;
    samples_t deliver[2]; /* per phase */
    atomic_uint_fast64_t delivered[2], last_ns[2];
    atomic_bool failed;   /* set after error[] is written */
    char error[512];
} subscriber_t;

struct bench {
    bench_opts_t o;
    bench_env_t *env;     /* the broker under test, the temporary directory */
    uint64_t tag;         /* this run; the low byte is left for the phase */
    size_t body_len, event_bytes;
    pthread_mutex_t lock; /* guards ready, go, abort */
    pthread_cond_t cond;
    int ready;            /* threads with a session, or that failed to open one */
    bool go, abort;
    uint64_t go_ns;
    double rate;          /* this phase's total; 0 = as fast as possible */
    atomic_bool halt;     /* the broker is gone: publishers stop */
    atomic_bool subs_stop;
    subscriber_t *subs;
    int n_subs;
};

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
    (void)sig;
    interrupted = 1;
}

static uint64_t xorshift(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

/* ---- options and samples -------------------------------------------------------- */

static void usage(FILE *out)
{
    fprintf(out, "usage: huddle bench [OPTIONS]\n\n"
                 "Measures end-to-end throughput (publishers -> broker -> durable store -> subscribers,\n"
                 "with acks) and publish->Accepted and publish->Deliver latency over TCP loopback,\n"
                 "beside this machine's raw LMDB and ZeroMQ ceilings, and prints one JSON line.\n\nOptions:\n");
    options_usage(out, options, N_OPTIONS, 24);
    fprintf(out, "\nThe broker it starts serves a fresh store over CURVE, each session a registered agent\n"
                 "of its own; the JSON line says \"curve\":false when --insecure ran it without.\n"
                 "With --endpoint it needs HUDDLE_SERVER_KEY (the broker's public key) and\n"
                 "HUDDLE_SECRET_KEY (the secret key of an agent registered there that may publish and\n"
                 "receive MESSAGE events), Z85: every session is then that agent, and message ids carry\n"
                 "the run, phase and publisher so that they stay unique.\n");
}

static void samples_add(samples_t *s, uint64_t ns)
{
    s->seen++;
    if (s->kept == s->cap && s->cap < SAMPLES_MAX) {
        size_t cap = s->cap ? 2 * s->cap : 4096;
        uint64_t *grown = realloc(s->v, cap * sizeof *grown);
        if (grown) {
            s->v = grown;
            s->cap = cap;
        }
    }
    if (s->kept < s->cap) {
        s->v[s->kept++] = ns;
    } else {
        uint64_t j = xorshift(&s->rng) % s->seen;
        if (j < s->kept)
            s->v[j] = ns;
    }
}

typedef struct { uint64_t v; double w; } weighted_t;

static int weighted_cmp(const void *a, const void *b)
{
    uint64_t x = ((const weighted_t *)a)->v, y = ((const weighted_t *)b)->v;
    return (x > y) - (x < y);
}

/* p50, p99 and p99.9 of n sample sets: nearest rank over the weighted samples. */
static pct_t percentiles(samples_t *const *sets, size_t n)
{
    static const double q[3] = {0.50, 0.99, 0.999};
    pct_t r = {{0, 0, 0}, false};
    size_t total = 0, k = 0;
    for (size_t i = 0; i < n; i++)
        total += sets[i]->kept;
    weighted_t *all = total ? malloc(total * sizeof *all) : NULL;
    if (!all)
        return r;
    double sum = 0, cum = 0;
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < sets[i]->kept; j++, k++)
            sum += (all[k] = (weighted_t){sets[i]->v[j], (double)sets[i]->seen / (double)sets[i]->kept}).w;
    qsort(all, total, sizeof *all, weighted_cmp);
    for (size_t i = 0, at = 0; i < total && at < 3; i++)
        for (cum += all[i].w; at < 3 && (cum >= q[at] * sum || i + 1 == total); at++)
            r.p[at] = (double)all[i].v / 1e6;
    r.any = true;
    free(all);
    return r;
}

/* ---- events, sessions ---------------------------------------------------------------- */

/* Message number n of a phase's publisher pub, published at t; id holds ID_LEN bytes.
 * Fixed-width ids keep every event as large as the first. body NULL: only for sizing. */
static void fill_event(const bench_t *b, int phase, int pub, uint64_t n, uint64_t t, Huddle__Event *ev,
                       Huddle__Message *m, char *id, uint8_t *body)
{
    if (b->o.endpoint) /* one agent for every publisher, phase and run */
        snprintf(id, ID_LEN, "%014" PRIx64 "-%d-%03d-m%012" PRIu64, b->tag >> 8, phase, pub, n);
    else
        snprintf(id, ID_LEN, "m%012" PRIu64, n);
    if (body) {
        uint64_t tag = b->tag | (uint64_t)phase;
        memcpy(body, &t, 8);
        memcpy(body + 8, &tag, 8);
    }
    huddle__event__init(ev);
    huddle__message__init(m);
    ev->message_id = id;
    ev->kind = HUDDLE__EVENT_KIND__EVENT_KIND_MESSAGE;
    ev->payload_case = HUDDLE__EVENT__PAYLOAD_MESSAGE;
    ev->message = m;
    m->topic = (char *)"bench";
    m->body.data = body;
    m->body.len = b->body_len;
}

/* The largest body whose event packs to at most --size bytes: exactly --size, but for a
 * few sizes where a length prefix grows by a byte. -1 if even BODY_HEAD does not fit. */
static int size_body(bench_t *b)
{
    Huddle__Event ev;
    Huddle__Message m;
    char id[ID_LEN];
    for (b->body_len = b->o.size > BODY_HEAD ? (size_t)b->o.size : BODY_HEAD;; b->body_len--) {
        fill_event(b, 1, 0, 0, 0, &ev, &m, id, NULL);
        b->event_bytes = huddle__event__get_packed_size(&ev);
        if (b->event_bytes <= (size_t)b->o.size || b->body_len == BODY_HEAD)
            return b->event_bytes <= (size_t)b->o.size ? 0 : -1;
    }
}

/* A thread checks in once its session is open (or could not be); with wait_go, it
 * then waits for the start. False if the phase was called off. */
static bool check_in(bench_t *b, bool wait_go)
{
    pthread_mutex_lock(&b->lock);
    b->ready++;
    pthread_cond_broadcast(&b->cond);
    while (wait_go && !b->go && !b->abort)
        pthread_cond_wait(&b->cond, &b->lock);
    bool go = !b->abort;
    pthread_mutex_unlock(&b->lock);
    return go;
}

static void wait_ready(bench_t *b, int n)
{
    pthread_mutex_lock(&b->lock);
    while (b->ready < n)
        pthread_cond_wait(&b->cond, &b->lock);
    pthread_mutex_unlock(&b->lock);
}

/* ---- publishers -------------------------------------------------------------------- */

/* -1 on a fatal error; a slot the client could not send now is tried again later. */
static int send_slot(publisher_t *p, slot_t *s)
{
    Huddle__Event ev;
    Huddle__Message m;
    char id[ID_LEN];
    uint64_t corr;
    fill_event(p->b, p->phase, p->index, s->n, s->first_ns, &ev, &m, id, p->body);
    int rc = hd_client_send_publish(p->c, &ev, &corr);
    if (rc == HD_CLIENT_OK) {
        s->corr = corr;
        p->unsent--;
    } else if (rc == HD_CLIENT_ETIMEOUT || rc == HD_CLIENT_EINTR || rc == HD_CLIENT_EFULL) {
        s->not_before = bench_env_now_ns() + 100 * MS; /* the client reopens the session meanwhile */
    } else {
        snprintf(p->error, sizeof p->error, "publisher %d cannot send: %s", p->index, hd_client_strerror(rc));
        return -1;
    }
    return 0;
}

static void on_reply(publisher_t *p, const hd_message_t *m)
{
    uint64_t now = bench_env_now_ns();
    slot_t *s = NULL;
    if (m->kind == HD_MESSAGE_RECONNECTED) {
        /* Every reply still due went with the old session: send those events again, same ids. */
        p->reconnects++;
        for (uint64_t i = p->head; i < p->tail; i++)
            if ((s = &p->ring[i % p->w])->live && s->corr) {
                s->corr = 0;
                s->not_before = now;
                p->unsent++;
            }
        return;
    }
    for (uint64_t i = p->head; m->corr && i < p->tail && !s; i++) /* replies come mostly in order */
        if (p->ring[i % p->w].live && p->ring[i % p->w].corr == m->corr)
            s = &p->ring[i % p->w];
    if (!s || (m->kind != HD_MESSAGE_ACCEPTED && m->kind != HD_MESSAGE_REJECTED))
        return;
    if (m->kind == HD_MESSAGE_ACCEPTED) {
        samples_add(&p->accept, now - s->first_ns);
        p->accepted++;
        p->last_ns = now;
    } else if (p->rejected++, m->rejection.transient) { /* BUSY, STORE_FULL: the same event, later */
        s->corr = 0;
        s->not_before = now + (m->rejection.retry_after_ms ? m->rejection.retry_after_ms : 10) * MS;
        p->unsent++;
        return;
    } else if (!p->error[0]) {
        snprintf(p->error, sizeof p->error, "the broker refused a bench event: %s at \"%s\": %s",
                 hd_client_reject_name(m->rejection.code), m->rejection.field, m->rejection.reason);
    }
    s->live = false;
    while (p->head < p->tail && !p->ring[p->head % p->w].live)
        p->head++;
}

static void publish(publisher_t *p)
{
    const bench_t *b = p->b;
    const uint64_t start = b->go_ns, end = start + (uint64_t)b->o.duration * NS;
    /* Even pacing: publisher i of P sends its k-th event at start + (k + i/P) * P/rate. */
    const double gap = b->rate > 0 ? 1e9 * (double)b->o.publishers / b->rate : 0;
    const double offset = gap * p->index / (double)b->o.publishers;
    for (;;) {
        uint64_t now = bench_env_now_ns(), due = now;
        if (now >= end && p->head == p->tail)
            return;
        if (interrupted || atomic_load(&b->halt) || now >= end + DRAIN_S * NS) {
            snprintf(p->error, sizeof p->error, "publisher %d: %s with %" PRIu64 " publishes unanswered", p->index,
                     interrupted ? "interrupted" : atomic_load(&b->halt) ? "stopped" : "gave up", p->tail - p->head);
            return;
        }
        for (uint64_t i = p->head; p->unsent && i < p->tail; i++) {
            slot_t *s = &p->ring[i % p->w];
            if (!s->live || s->corr || s->not_before > now)
                continue;
            if (send_slot(p, s))
                return;
            if (!s->corr)
                break; /* no session: each try may wait request_timeout_ms */
        }
        while (now < end && p->tail - p->head < p->w &&
               (!gap || (due = start + (uint64_t)(offset + gap * (double)p->next)) <= now)) {
            slot_t *s = &p->ring[p->tail++ % p->w];
            *s = (slot_t){.n = p->next++, .first_ns = bench_env_now_ns(), .live = true};
            p->first_ns = p->first_ns ? p->first_ns : s->first_ns;
            p->unsent++;
            if (send_slot(p, s))
                return;
            if (!s->corr)
                break; /* no session: nothing more until it is back */
        }
        /* Replies, or the next event's time, rounded up to a millisecond: a wake-up per
         * event would cost the 2-core machines we measure more than the broker's work. */
        uint64_t wait = gap && now < end && p->tail - p->head < p->w ? (due > now ? due - now + MS - 1 : 0)
                        : p->unsent                                  ? 10 * MS
                                                                     : 100 * MS;
        hd_message_t m;
        for (size_t n = 0; n <= p->w; n++) {
            int rc = hd_client_recv(p->c, n ? 0 : (int)((wait < 100 * MS ? wait : 100 * MS) / MS), &m);
            if (rc == HD_CLIENT_ETIMEOUT || rc == HD_CLIENT_EINTR)
                break;
            if (rc) {
                snprintf(p->error, sizeof p->error, "publisher %d: %s", p->index, hd_client_strerror(rc));
                return;
            }
            on_reply(p, &m);
            hd_message_release(&m);
        }
    }
}

static void *publisher_main(void *arg)
{
    publisher_t *p = arg;
    char agent[HD_CLIENT_ID_MAX + 1];
    snprintf(agent, sizeof agent, "bench-%014" PRIx64 "-p%d-%d", p->b->tag >> 8, p->phase, p->index);
    p->ring = calloc(p->w, sizeof *p->ring);
    p->body = calloc(1, p->b->body_len);
    int rc = !p->ring || !p->body ? HD_CLIENT_ENOMEM : bench_env_client_open(p->b->env, agent, 5000, &p->c);
    if (rc)
        snprintf(p->error, sizeof p->error, "publisher %d cannot open a session at %s: %s", p->index,
                 bench_env_endpoint(p->b->env), hd_client_strerror(rc));
    if (check_in(p->b, true) && !rc)
        publish(p);
    hd_client_destroy(&p->c);
    free(p->ring);
    free(p->body);
    atomic_store(&p->done, true);
    return NULL;
}

/* ---- subscribers ------------------------------------------------------------------- */

static void count_delivery(subscriber_t *s, const Huddle__Event *ev, uint64_t now)
{
    const Huddle__Message *m = ev->payload_case == HUDDLE__EVENT__PAYLOAD_MESSAGE ? ev->message : NULL;
    uint64_t t, tag;
    if (!m || m->body.len < BODY_HEAD)
        return;
    memcpy(&t, m->body.data, 8);
    memcpy(&tag, m->body.data + 8, 8);
    int phase = (int)(tag & 0xff);
    if ((tag & ~UINT64_C(0xff)) != s->b->tag || phase < 1 || phase > 2)
        return; /* another run's */
    samples_add(&s->deliver[phase - 1], now > t ? now - t : 0);
    atomic_store(&s->last_ns[phase - 1], now);
    atomic_fetch_add(&s->delivered[phase - 1], 1); /* after the sample: the drain reads both */
}

static void *subscriber_main(void *arg)
{
    subscriber_t *s = arg;
    bench_t *b = s->b;
    char agent[HD_CLIENT_ID_MAX + 1], name[HD_CLIENT_ID_MAX + 1];
    snprintf(agent, sizeof agent, "bench-%014" PRIx64 "-s%d", b->tag >> 8, s->index);
    snprintf(name, sizeof name, "bench-%d-%d", (int)getpid(), s->index);
    Huddle__EventKind kinds[1] = {HUDDLE__EVENT_KIND__EVENT_KIND_MESSAGE};
    char *topics[1] = {(char *)"bench"};
    Huddle__Filter f = HUDDLE__FILTER__INIT;
    f.n_kinds = f.n_topics = 1;
    f.kinds = kinds;
    f.topics = topics;
    hd_client_t *c = NULL;
    hd_subscribed_t sub = {.credit = SUB_CREDIT};
    int rc = bench_env_client_open(b->env, agent, 5000, &c);
    if (!rc)
        rc = hd_client_subscribe(c, name, &f, SUB_CREDIT, false, &sub);
    if (rc) {
        snprintf(s->error, sizeof s->error, "subscriber %d cannot subscribe at %s: %s", s->index,
                 bench_env_endpoint(b->env), hd_client_strerror(rc));
        atomic_store(&s->failed, true);
    }
    check_in(b, false);
    /* Cumulative acks: every ACK_EVERY deliveries, half the credit, or when idle. */
    uint64_t ack_every = sub.credit / 2 < ACK_EVERY ? (sub.credit > 1 ? sub.credit / 2 : 1) : ACK_EVERY;
    uint64_t unacked = 0, last_seq = 0;
    while (!rc && !atomic_load(&b->subs_stop) && !interrupted) {
        hd_delivery_t d;
        int got = hd_client_next(c, 50, &d);
        if (got == HD_CLIENT_OK) {
            count_delivery(s, d.event, bench_env_now_ns());
            last_seq = d.seq;
            unacked++;
            hd_delivery_release(&d);
        } else if (got != HD_CLIENT_ETIMEOUT && got != HD_CLIENT_EINTR) {
            snprintf(s->error, sizeof s->error, "subscriber %d: %s", s->index, hd_client_strerror(got));
            atomic_store(&s->failed, true);
        }
        if (unacked >= ack_every || (unacked && got != HD_CLIENT_OK)) {
            hd_client_ack(c, name, last_seq);
            unacked = 0;
        }
        rc = atomic_load(&s->failed);
    }
    if (!rc && unacked)
        hd_client_ack(c, name, last_seq);
    if (!rc && b->o.endpoint) /* a shared broker keeps no subscription of ours */
        hd_client_unsubscribe(c, name, true);
    hd_client_destroy(&c);
    return NULL;
}

static int start_subscribers(bench_t *b)
{
    if (b->o.subscribers && !(b->subs = calloc((size_t)b->o.subscribers, sizeof *b->subs)))
        return -1;
    for (int i = 0; i < b->o.subscribers; i++, b->n_subs++) {
        subscriber_t *s = &b->subs[i];
        s->b = b;
        s->index = i;
        s->deliver[0].rng = s->deliver[1].rng = b->tag ^ (uint64_t)(i + 1) * UINT64_C(0x9e3779b97f4a7c15);
        if (pthread_create(&s->thread, NULL, subscriber_main, s))
            break;
    }
    wait_ready(b, b->n_subs);
    for (int i = 0; i < b->n_subs; i++)
        if (atomic_load(&b->subs[i].failed)) {
            fprintf(stderr, "huddle: %s\n", b->subs[i].error);
            return -1;
        }
    bench_env_say(b->env, "%d subscribers attached", b->n_subs);
    return b->n_subs == b->o.subscribers ? 0 : -1;
}

static void stop_subscribers(bench_t *b)
{
    atomic_store(&b->subs_stop, true);
    for (; b->n_subs > 0; b->n_subs--)
        pthread_join(b->subs[b->n_subs - 1].thread, NULL);
}

/* ---- phases ------------------------------------------------------------------------- */

/* Waits until every subscriber has every event accepted in the phase. */
static int drain(bench_t *b, int phase, uint64_t accepted)
{
    uint64_t deadline = bench_env_now_ns() + DRAIN_S * NS, got = 0;
    int behind = 0;
    while (behind < b->n_subs) {
        if (atomic_load(&b->subs[behind].failed)) {
            fprintf(stderr, "huddle: %s\n", b->subs[behind].error);
            return -1;
        }
        if ((got = atomic_load(&b->subs[behind].delivered[phase - 1])) > accepted) {
            fprintf(stderr, "huddle: subscriber %d received %" PRIu64 " events of phase %d, more than the %" PRIu64
                    " accepted: an event was stored twice\n", behind, got, phase, accepted);
            return -1;
        }
        if (got == accepted) {
            behind++;
            continue;
        }
        if (bench_broker_gone(b->env))
            return -1;
        if (interrupted || bench_env_now_ns() > deadline) {
            fprintf(stderr, "huddle: %s: subscriber %d received %" PRIu64 " of the %" PRIu64 " events accepted in "
                    "phase %d, %d s after publishing stopped\n", interrupted ? "interrupted" : "events lost", behind,
                    got, accepted, phase, DRAIN_S);
            return -1;
        }
        bench_env_sleep_ns(5 * MS);
    }
    return 0;
}

static int run_phase(bench_t *b, int phase, double rate, phase_result_t *r)
{
    int n = (int)b->o.publishers, started = 0, status = -1;
    publisher_t *pubs = calloc((size_t)n, sizeof *pubs);
    samples_t **sets = calloc((size_t)n, sizeof *sets);
    memset(r, 0, sizeof *r);
    r->target_rate = rate;
    bench_env_say(b->env, "phase %d: %d publishers for %ld s, %s", phase, n, b->o.duration,
                  rate > 0 ? "paced" : "as fast as possible");
    pthread_mutex_lock(&b->lock);
    b->ready = 0;
    b->go = b->abort = false;
    b->rate = rate;
    pthread_mutex_unlock(&b->lock);
    for (; pubs && sets && started < n; started++) {
        publisher_t *p = &pubs[started];
        *p = (publisher_t){.b = b, .index = started, .phase = phase, .w = (size_t)b->o.window};
        p->accept.rng = b->tag ^ (uint64_t)(started + 1) * UINT64_C(0xbf58476d1ce4e5b9) ^ (uint64_t)phase;
        if (pthread_create(&p->thread, NULL, publisher_main, p))
            break;
    }
    wait_ready(b, started);
    const char *why = !pubs || !sets ? "out of memory" : started < n ? "cannot start its threads" : NULL;
    bool ok = !why;
    for (int i = 0; i < started; i++)
        ok = ok && !pubs[i].error[0];
    pthread_mutex_lock(&b->lock);
    b->go_ns = bench_env_now_ns();
    b->go = ok;
    b->abort = !ok;
    pthread_cond_broadcast(&b->cond);
    pthread_mutex_unlock(&b->lock);
    for (int i = 0; i < started;) /* watching the broker meanwhile */
        if (atomic_load(&pubs[i].done))
            i++;
        else if (!bench_broker_gone(b->env))
            bench_env_sleep_ns(10 * MS);
        else if (!atomic_exchange(&b->halt, true))
            why = "the broker is gone";
    uint64_t first = UINT64_MAX, last = 0;
    for (int i = 0; i < started; i++) {
        publisher_t *p = &pubs[i];
        pthread_join(p->thread, NULL);
        why = why ? why : p->error[0] ? p->error : NULL;
        r->accepted += p->accepted;
        r->rejected += p->rejected;
        r->reconnects += p->reconnects;
        first = p->first_ns && p->first_ns < first ? p->first_ns : first;
        last = p->last_ns > last ? p->last_ns : last; /* the last Accepted, if nobody subscribes */
        sets[i] = &p->accept;
    }
    if (why)
        fprintf(stderr, "huddle: phase %d: %s\n", phase, why);
    if (why || drain(b, phase, r->accepted))
        goto done;
    for (int i = 0; i < b->n_subs; i++) {
        uint64_t t = atomic_load(&b->subs[i].last_ns[phase - 1]);
        r->delivered += atomic_load(&b->subs[i].delivered[phase - 1]);
        last = i == 0 || t > last ? t : last;
    }
    r->events_per_s = r->accepted && last > first ? (double)r->accepted / ((double)(last - first) / 1e9) : 0;
    r->accept = percentiles(sets, (size_t)n);
    bench_env_say(b->env, "phase %d: %" PRIu64 " events accepted, %.0f events/s end to end, accept p99 %.3f ms",
                  phase, r->accepted, r->events_per_s, r->accept.p[1]);
    status = 0;
done:
    for (int i = 0; pubs && i < n; i++)
        free(pubs[i].accept.v);
    free(pubs);
    free(sets);
    return status;
}

/* ---- the command -------------------------------------------------------------------- */

static void print_phase(const char *key, const phase_result_t *r)
{
    if (!r) {
        printf(",\"%s\":null", key);
        return;
    }
    printf(",\"%s\":{\"target_rate\":%.1f,\"events_per_s\":%.1f,\"accepted\":%" PRIu64 ",\"delivered\":%" PRIu64
           ",\"rejected\":%" PRIu64 ",\"reconnects\":%" PRIu64, key, r->target_rate, r->events_per_s, r->accepted,
           r->delivered, r->rejected, r->reconnects);
    for (int i = 0; i < 2; i++) {
        const pct_t *p = i ? &r->deliver : &r->accept;
        if (p->any)
            printf(",\"%s\":{\"p50\":%.3f,\"p99\":%.3f,\"p999\":%.3f}", i ? "deliver_ms" : "accept_ms", p->p[0],
                   p->p[1], p->p[2]);
        else
            printf(",\"%s\":null", i ? "deliver_ms" : "accept_ms");
    }
    printf("}");
}

static void print_json(const bench_t *b, const phase_result_t r[2], bool phase2, const long *mem,
                       const bench_ceilings_t *c)
{
    printf("{\"publishers\":%ld,\"subscribers\":%ld,\"size\":%ld,\"event_bytes\":%zu,\"duration_s\":%ld,\"rate\":%ld,"
           "\"window\":%ld,\"curve\":%s", b->o.publishers, b->o.subscribers, b->o.size, b->event_bytes, b->o.duration,
           b->o.rate, b->o.window, b->o.insecure ? "false" : "true"); /* --endpoint needs CURVE keys */
    print_phase("phase1", &r[0]);
    print_phase("phase2", phase2 ? &r[1] : NULL);
    if (mem)
        printf(",\"broker\":{\"rss_kb\":%ld,\"rss_anon_kb\":%ld,\"rss_file_kb\":%ld}", mem[0], mem[1], mem[2]);
    else
        printf(",\"broker\":null");
    if (c)
        printf(",\"ceilings\":{\"lmdb_fsync_commits_per_s\":%.0f,\"lmdb_batched_puts_per_s\":%.0f,"
               "\"zmq_loopback_msgs_per_s\":%.0f},\"ratios\":{\"events_to_lmdb_fsync_commits\":%.3f,"
               "\"events_to_lmdb_batched_puts\":%.4f,\"events_to_zmq_loopback\":%.4f}}\n",
               c->fsync_commits, c->batched_puts, c->zmq_msgs, r[0].events_per_s / c->fsync_commits,
               r[0].events_per_s / c->batched_puts, r[0].events_per_s / c->zmq_msgs);
    else
        printf(",\"ceilings\":null,\"ratios\":null}\n");
    fflush(stdout);
}

int cmd_bench(const struct opts *o, char **argv)
{
    (void)o;
    bench_t b = {.o = {.publishers = 4, .subscribers = 4, .size = 512, .duration = 10, .window = 256}};
    if (options_parse(options, N_OPTIONS, argv, &b.o, "bench", NULL, 0, NULL)) {
        usage(stderr);
        return 2;
    }
    if (b.o.insecure && b.o.endpoint) {
        fprintf(stderr, "huddle: bench: --insecure is for the broker it starts, not one at --endpoint\n");
        return 2;
    }
    if (size_body(&b)) {
        fprintf(stderr, "huddle: bench: --size must be at least %zu bytes\n", b.event_bytes);
        return 2;
    }
    if (b.o.help) {
        usage(stdout);
        return 0;
    }
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    uint64_t seed = (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 20) ^ ((uint64_t)getpid() << 40);
    b.tag = (xorshift(&seed) & UINT64_C(0x00ffffffffffffff)) << 8;
    struct sigaction sa, ign, old_int, old_term, old_pipe;
    memset(&sa, 0, sizeof sa);
    sigemptyset(&sa.sa_mask);
    ign = sa;
    ign.sa_handler = SIG_IGN; /* a closed stdout or stderr must not skip the cleanup */
    sa.sa_handler = on_signal; /* no SA_RESTART: waits end early, and every loop looks at the flag */
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
    sigaction(SIGPIPE, &ign, &old_pipe);
    pthread_mutex_init(&b.lock, NULL);
    pthread_cond_init(&b.cond, NULL);

    int status = 1;
    phase_result_t r[2];
    bench_ceilings_t ceilings;
    long mem[3];
    bool have_mem = false, phase2 = false;
    /* A session per subscriber, and per publisher of each phase. */
    int sessions = (int)(b.o.subscribers + b.o.publishers * (b.o.rate ? 1 : 2));
    if (!(b.env = bench_env_new(b.o.endpoint, b.o.huddled, b.o.insecure, b.o.verbose, &interrupted)) ||
        (!b.o.no_ceilings && bench_ceilings_measure(b.env, (size_t)b.o.size, &ceilings)) ||
        (!b.o.endpoint && bench_broker_start(b.env, sessions)) || start_subscribers(&b) ||
        run_phase(&b, 1, (double)b.o.rate, &r[0]))
        goto done;
    have_mem = bench_broker_memory(b.env, mem);
    if (!b.o.rate && r[0].events_per_s > 0) {
        if (run_phase(&b, 2, r[0].events_per_s / 2, &r[1]))
            goto done;
        phase2 = true;
    }
    stop_subscribers(&b);
    for (int p = 0; p < 2; p++) {
        samples_t *sets[256];
        for (int i = 0; i < b.o.subscribers; i++)
            sets[i] = &b.subs[i].deliver[p];
        r[p].deliver = percentiles(sets, (size_t)b.o.subscribers);
    }
    status = bench_broker_stop(b.env) ? 1 : 0;
done:
    stop_subscribers(&b);
    if (bench_broker_stop(b.env))
        status = 1;
    if (status && !interrupted)
        bench_broker_show_log(b.env);
    bench_env_destroy(&b.env);
    for (int i = 0; b.subs && i < b.o.subscribers; i++)
        free(b.subs[i].deliver[0].v), free(b.subs[i].deliver[1].v);
    free(b.subs);
    pthread_cond_destroy(&b.cond);
    pthread_mutex_destroy(&b.lock);
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    sigaction(SIGPIPE, &old_pipe, NULL);
    if (interrupted)
        fprintf(stderr, "huddle: bench interrupted\n");
    else if (status == 0)
        print_json(&b, r, phase2, have_mem ? mem : NULL, b.o.no_ceilings ? NULL : &ceilings);
    return status || interrupted ? 1 : 0;
}
