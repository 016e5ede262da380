/*
 * hd_client_conn — the connection half of the client library (see hd_client.h).
 *
 * Owns: the DEALER socket and its disconnect monitor, the session (Hello, Welcome,
 * re-subscription), the reconnect back-off, heartbeat Pings, and the routing of every
 * incoming frame: the awaited reply goes to the caller, Pings are answered, Deliver
 * frames and pipelined replies are held, anything else is stale and dropped.
 *
 * Never: returns HD_CLIENT_ELOST to an application, or logs a field value other than
 * seqs, corrs, codes, names and the broker's reasons; every line passes redact() first.
 */
#include "hd_client_internal.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "codec.h"
#include "hd_time.h"

#define HANDSHAKE_FAILED                                                                                             \
    (ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL | ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL | ZMQ_EVENT_HANDSHAKE_FAILED_AUTH)

static bool is_digit(char ch)
{
    return ch >= '0' && ch <= '9';
}

/* Copies in to out with anything shaped like an NHS number (ten digits, maybe spaced
 * or dashed) replaced: the broker's texts promise no patient identifiers, this is the
 * net under that promise. */
static void redact(const char *in, char *out, size_t cap)
{
    size_t o = 0;
    for (size_t i = 0; in[i] && o + 1 < cap;) {
        if (!is_digit(in[i])) {
            out[o++] = in[i++];
            continue;
        }
        size_t j = i, digits = 0;
        while (is_digit(in[j]) || ((in[j] == ' ' || in[j] == '-') && is_digit(in[j + 1])))
            digits += is_digit(in[j++]);
        const char *from = digits == 10 ? "[redacted]" : in + i;
        size_t n = digits == 10 ? strlen(from) : j - i;
        for (size_t k = 0; k < n && o + 1 < cap; k++)
            out[o++] = from[k];
        i = j;
    }
    out[o] = '\0';
}

void hd_conn_log(hd_client_t *c, hd_client_log_level_t level, const char *fmt, ...)
{
    if (!c->cfg.log)
        return;
    char line[512], clean[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    redact(line, clean, sizeof clean);
    c->cfg.log(c->cfg.log_ctx, level, clean);
}

int64_t hd_conn_deadline(int timeout_ms)
{
    return timeout_ms < 0 ? INT64_MAX : hd_time_mono_ms() + timeout_ms;
}

int hd_conn_jitter(hd_client_t *c, int base_ms)
{
    /* xorshift64: enough to keep a crowd of agents from reconnecting in step. */
    c->rng ^= c->rng << 13;
    c->rng ^= c->rng >> 7;
    c->rng ^= c->rng << 17;
    int half = base_ms / 2;
    return half + (half > 0 ? (int)(c->rng % (uint64_t)(half + 1)) : 0);
}

int hd_conn_sleep_until(int64_t t)
{
    for (int64_t now = hd_time_mono_ms(); now < t; now = hd_time_mono_ms()) {
        int64_t ms = t - now;
        if (poll(NULL, 0, ms > 3600000 ? 3600000 : (int)ms) < 0 && errno == EINTR)
            return HD_CLIENT_EINTR;
    }
    return HD_CLIENT_OK;
}

void hd_conn_copy_rejection(hd_rejection_t *out, const Huddle__Rejected *r)
{
    memset(out, 0, sizeof *out);
    out->code = r->code;
    out->transient = r->transient;
    out->retry_after_ms = r->retry_after_ms;
    snprintf(out->field, sizeof out->field, "%s", r->field ? r->field : "");
    snprintf(out->reason, sizeof out->reason, "%s", r->reason ? r->reason : "");
    snprintf(out->message_id, sizeof out->message_id, "%s", r->message_id ? r->message_id : "");
    snprintf(out->current_state, sizeof out->current_state, "%s", r->current_state ? r->current_state : "");
    snprintf(out->conflicting_id, sizeof out->conflicting_id, "%s", r->conflicting_id ? r->conflicting_id : "");
}

hd_sub_t *hd_conn_sub_find(hd_client_t *c, const char *name)
{
    for (size_t i = 0; name && i < c->n_subs; i++)
        if (!strcmp(c->subs[i].name, name))
            return &c->subs[i];
    return NULL;
}

/* ---- held frames ---------------------------------------------------------- */

static hd_held_t *held_at(const hd_client_t *c, size_t i)
{
    return &c->held[(c->held_start + i) % c->held_cap];
}

int hd_conn_held_push(hd_client_t *c, Huddle__Frame *f, uint64_t lost_upto)
{
    if (c->held_len == c->held_cap) {
        size_t cap = c->held_cap ? c->held_cap * 2 : 64;
        hd_held_t *grown = malloc(cap * sizeof *grown);
        if (!grown)
            return HD_CLIENT_ENOMEM;
        for (size_t i = 0; i < c->held_len; i++)
            grown[i] = *held_at(c, i);
        free(c->held);
        c->held = grown;
        c->held_cap = cap;
        c->held_start = 0;
    }
    *held_at(c, c->held_len++) = (hd_held_t){f, lost_upto};
    return HD_CLIENT_OK;
}

hd_held_t hd_conn_held_take(hd_client_t *c, size_t i)
{
    hd_held_t h = *held_at(c, i);
    if (i == 0) {
        c->held_start = (c->held_start + 1) % c->held_cap;
    } else {
        for (size_t k = i; k + 1 < c->held_len; k++)
            *held_at(c, k) = *held_at(c, k + 1);
    }
    c->held_len--;
    const Huddle__Frame *f = h.frame;
    if (f && f->body_case == HUDDLE__FRAME__BODY_DELIVER) {
        hd_sub_t *s = hd_conn_sub_find(c, f->deliver->subscription);
        if (s && f->deliver->event->seq > s->handed_seq)
            s->handed_seq = f->deliver->event->seq;
    }
    return h;
}

size_t hd_conn_held_find_deliver(const hd_client_t *c)
{
    for (size_t i = 0; i < c->held_len; i++) {
        const Huddle__Frame *f = held_at(c, i)->frame;
        if (f && f->body_case == HUDDLE__FRAME__BODY_DELIVER)
            return i;
    }
    return SIZE_MAX;
}

void hd_conn_held_drop_deliveries(hd_client_t *c, const char *subscription)
{
    size_t kept = 0;
    for (size_t i = 0; i < c->held_len; i++) {
        hd_held_t h = *held_at(c, i);
        if (h.frame && h.frame->body_case == HUDDLE__FRAME__BODY_DELIVER &&
            (!subscription || !strcmp(h.frame->deliver->subscription, subscription)))
            codec_frame_free(&h.frame);
        else
            *held_at(c, kept++) = h;
    }
    c->held_len = kept;
    for (size_t i = 0; i < c->n_subs; i++)
        if (!subscription || !strcmp(c->subs[i].name, subscription))
            c->subs[i].queued_seq = c->subs[i].handed_seq;
}

/* ---- pipelined corrs: open addressing with linear probing ------------------- */

static size_t pend_home(uint64_t k, size_t cap)
{
    k ^= k >> 33;
    k *= UINT64_C(0xff51afd7ed558ccd);
    k ^= k >> 33;
    return (size_t)k & (cap - 1);
}

static void pend_insert(uint64_t *tab, size_t cap, uint64_t corr)
{
    size_t i = pend_home(corr, cap);
    while (tab[i])
        i = (i + 1) & (cap - 1);
    tab[i] = corr;
}

int hd_conn_pend_add(hd_client_t *c, uint64_t corr)
{
    if ((c->pend_len + 1) * 2 > c->pend_cap) {
        size_t cap = c->pend_cap ? c->pend_cap * 2 : 256;
        uint64_t *tab = calloc(cap, sizeof *tab);
        if (!tab)
            return HD_CLIENT_ENOMEM;
        for (size_t i = 0; i < c->pend_cap; i++)
            if (c->pend[i])
                pend_insert(tab, cap, c->pend[i]);
        free(c->pend);
        c->pend = tab;
        c->pend_cap = cap;
    }
    pend_insert(c->pend, c->pend_cap, corr);
    c->pend_len++;
    return HD_CLIENT_OK;
}

bool hd_conn_pend_remove(hd_client_t *c, uint64_t corr)
{
    if (!c->pend_len || !corr)
        return false;
    size_t mask = c->pend_cap - 1, i = pend_home(corr, c->pend_cap);
    while (c->pend[i] != corr) {
        if (!c->pend[i])
            return false;
        i = (i + 1) & mask;
    }
    /* Backward-shift deletion: no tombstones, so lookups stay short. */
    for (size_t j = (i + 1) & mask; c->pend[j]; j = (j + 1) & mask) {
        size_t h = pend_home(c->pend[j], c->pend_cap);
        if (((j - h) & mask) >= ((j - i) & mask)) {
            c->pend[i] = c->pend[j];
            i = j;
        }
    }
    c->pend[i] = 0;
    c->pend_len--;
    return true;
}

/* ---- socket ---------------------------------------------------------------- */

void hd_conn_close(hd_client_t *c, int linger_ms)
{
    if (c->mon) {
        zmq_socket_monitor(c->sock, NULL, 0);
        zmq_close(c->mon);
        c->mon = NULL;
    }
    if (c->sock) {
        zmq_setsockopt(c->sock, ZMQ_LINGER, &linger_ms, sizeof linger_ms);
        zmq_close(c->sock);
        c->sock = NULL;
    }
    c->connected = false;
}

static int set_int(void *s, int opt, int v)
{
    return zmq_setsockopt(s, opt, &v, sizeof v);
}

static int open_socket(hd_client_t *c)
{
    hd_conn_close(c, 0);
    c->sock = zmq_socket(c->ctx, ZMQ_DEALER);
    if (!c->sock)
        return HD_CLIENT_ENOMEM;
    const hd_client_config_t *k = &c->cfg;
    int64_t max_in = (int64_t)k->max_frame_bytes + HD_CLIENT_RECV_SLACK;
    int hb_dead = k->heartbeat_ms * 3;
    int rc = set_int(c->sock, ZMQ_LINGER, 0) | set_int(c->sock, ZMQ_SNDHWM, k->hwm) |
             set_int(c->sock, ZMQ_RCVHWM, k->hwm) | zmq_setsockopt(c->sock, ZMQ_MAXMSGSIZE, &max_in, sizeof max_in) |
             set_int(c->sock, ZMQ_HEARTBEAT_IVL, k->heartbeat_ms) | set_int(c->sock, ZMQ_HEARTBEAT_TIMEOUT, hb_dead) |
             set_int(c->sock, ZMQ_HEARTBEAT_TTL, hb_dead) | set_int(c->sock, ZMQ_RECONNECT_IVL, k->backoff_min_ms) |
             set_int(c->sock, ZMQ_RECONNECT_IVL_MAX, k->backoff_max_ms) |
             set_int(c->sock, ZMQ_SNDTIMEO, k->request_timeout_ms);
    if (!rc && c->server_key[0])
        rc = zmq_setsockopt(c->sock, ZMQ_CURVE_SERVERKEY, c->server_key, 41) |
             zmq_setsockopt(c->sock, ZMQ_CURVE_PUBLICKEY, c->public_key, 41) |
             zmq_setsockopt(c->sock, ZMQ_CURVE_SECRETKEY, c->secret_key, 41);
    char ep[96];
    snprintf(ep, sizeof ep, "inproc://hd-client-monitor-%p-%u", (void *)c, ++c->mon_gen);
    if (!rc)
        rc = zmq_socket_monitor(c->sock, ep, ZMQ_EVENT_DISCONNECTED | HANDSHAKE_FAILED);
    if (!rc) {
        c->mon = zmq_socket(c->ctx, ZMQ_PAIR);
        rc = !c->mon || set_int(c->mon, ZMQ_LINGER, 0) || zmq_connect(c->mon, ep);
    }
    if (!rc)
        rc = zmq_connect(c->sock, c->endpoint);
    if (rc) {
        hd_conn_log(c, HD_CLIENT_LOG_ERROR, "cannot connect to %s: %s", c->endpoint, zmq_strerror(errno));
        hd_conn_close(c, 0);
        return HD_CLIENT_ECONNECT;
    }
    c->last_send = c->last_recv = hd_time_mono_ms();
    c->ping_out = false;
    return HD_CLIENT_OK;
}

int hd_conn_send(hd_client_t *c, const Huddle__Frame *f)
{
    if (!c->sock)
        return HD_CLIENT_ELOST;
    size_t cap = c->cfg.max_frame_bytes;
    if (c->connected && c->welcome.max_frame_bytes && c->welcome.max_frame_bytes < cap)
        cap = c->welcome.max_frame_bytes;
    size_t need = huddle__frame__get_packed_size(f);
    if (need > cap)
        return HD_CLIENT_ETOOLARGE;
    zmq_msg_t m;
    if (zmq_msg_init_size(&m, need))
        return HD_CLIENT_ENOMEM;
    size_t len;
    codec_encode_frame(f, zmq_msg_data(&m), need, &len);
    if (zmq_msg_send(&m, c->sock, 0) < 0) {
        int e = errno;
        zmq_msg_close(&m);
        return e == EINTR ? HD_CLIENT_EINTR : e == EAGAIN ? HD_CLIENT_ETIMEOUT : HD_CLIENT_ELOST;
    }
    c->last_send = hd_time_mono_ms();
    return HD_CLIENT_OK;
}

static void send_ack(hd_client_t *c, const char *subscription, uint64_t seq)
{
    Huddle__Frame f;
    Huddle__Ack a = HUDDLE__ACK__INIT;
    codec_frame_init(&f, ++c->next_corr);
    a.subscription = (char *)subscription;
    a.seq = seq;
    f.body_case = HUDDLE__FRAME__BODY_ACK;
    f.ack = &a;
    hd_conn_send(c, &f);
}

/* ---- session --------------------------------------------------------------- */

void hd_conn_lost(hd_client_t *c, const char *why, uint32_t after_ms)
{
    if (c->connected)
        hd_conn_log(c, HD_CLIENT_LOG_WARN, "session with %s lost (%s); reconnecting", c->endpoint, why);
    hd_conn_close(c, 0);
    int delay = hd_conn_jitter(c, c->backoff_ms);
    c->backoff_ms = c->backoff_ms > c->cfg.backoff_max_ms / 2 ? c->cfg.backoff_max_ms : c->backoff_ms * 2;
    if ((int64_t)after_ms > delay)
        delay = after_ms > INT_MAX ? INT_MAX : (int)after_ms;
    c->retry_at = hd_time_mono_ms() + delay;
    hd_conn_held_drop_deliveries(c, NULL);
    if (c->pend_len) {
        memset(c->pend, 0, c->pend_cap * sizeof *c->pend);
        c->pend_len = 0;
        if (hd_conn_held_push(c, NULL, c->next_corr))
            hd_conn_log(c, HD_CLIENT_LOG_ERROR, "out of memory: a reconnect was not reported");
    }
}

/* Holds a delivery unless it repeats a seq already held or handed over (a redelivery
 * after a reconnect); one the application acked before is acked again, since the
 * broker evidently missed that ack. */
static int hold_delivery(hd_client_t *c, Huddle__Frame *f)
{
    const Huddle__Deliver *d = f->deliver;
    if (!d->event) {
        hd_conn_log(c, HD_CLIENT_LOG_WARN, "Deliver without an event dropped");
        codec_frame_free(&f);
        return HD_CLIENT_OK;
    }
    uint64_t seq = d->event->seq;
    hd_sub_t *s = hd_conn_sub_find(c, d->subscription);
    if (s && seq <= s->queued_seq) {
        hd_conn_log(c, HD_CLIENT_LOG_DEBUG, "redelivery of seq %" PRIu64 " on %s dropped", seq, s->name);
        if (seq <= s->acked_seq)
            send_ack(c, s->name, seq);
        codec_frame_free(&f);
        return HD_CLIENT_OK;
    }
    if (s)
        s->queued_seq = seq;
    int rc = hd_conn_held_push(c, f, 0);
    if (rc)
        codec_frame_free(&f);
    return rc;
}

/* The DEALER's monitor said something: the event. */
static uint16_t read_monitor(hd_client_t *c)
{
    uint16_t event = 0;
    int more = 1;
    for (int part = 0; more; part++) {
        zmq_msg_t m;
        zmq_msg_init(&m);
        if (zmq_msg_recv(&m, c->mon, ZMQ_DONTWAIT) < 0) {
            zmq_msg_close(&m);
            break;
        }
        if (part == 0 && zmq_msg_size(&m) >= sizeof event)
            memcpy(&event, zmq_msg_data(&m), sizeof event);
        more = zmq_msg_more(&m);
        zmq_msg_close(&m);
    }
    return event;
}

static void send_ping(hd_client_t *c)
{
    Huddle__Frame f;
    Huddle__Ping p = HUDDLE__PING__INIT;
    codec_frame_init(&f, ++c->next_corr);
    p.nonce = ++c->next_nonce;
    f.body_case = HUDDLE__FRAME__BODY_PING;
    f.ping = &p;
    if (hd_conn_send(c, &f) == HD_CLIENT_OK)
        c->ping_out = true;
}

/* Deals with one decoded frame; see hd_conn_pump. */
static int route(hd_client_t *c, Huddle__Frame *f, uint64_t wait_corr, Huddle__Frame **reply)
{
    switch (f->body_case) {
    case HUDDLE__FRAME__BODY_PING: {
        Huddle__Frame out;
        Huddle__Pong pong = HUDDLE__PONG__INIT;
        codec_frame_init(&out, f->corr);
        pong.nonce = f->ping->nonce;
        out.body_case = HUDDLE__FRAME__BODY_PONG;
        out.pong = &pong;
        codec_frame_free(&f);
        int rc = hd_conn_send(c, &out);
        return rc == HD_CLIENT_EINTR ? rc : 0;
    }
    case HUDDLE__FRAME__BODY_PONG:
        if (wait_corr && f->corr == wait_corr) { /* the answer to a ClockSet */
            *reply = f;
            return 1;
        }
        codec_frame_free(&f);
        return 0;
    case HUDDLE__FRAME__BODY_BYE:
        hd_conn_log(c, HD_CLIENT_LOG_INFO, "broker said bye: %s (reconnect after %u ms)", f->bye->reason,
                    f->bye->reconnect_after_ms);
        hd_conn_lost(c, "the broker said bye", f->bye->reconnect_after_ms);
        codec_frame_free(&f);
        return HD_CLIENT_ELOST;
    case HUDDLE__FRAME__BODY_DELIVER:
        return hold_delivery(c, f);
    default:
        break;
    }
    bool rejected = f->body_case == HUDDLE__FRAME__BODY_REJECTED;
    if (c->connected && rejected && f->rejected->code == HUDDLE__REJECT_CODE__REJECT_CODE_UNAUTHENTICATED) {
        /* The broker does not know this connection: it restarted under us. */
        codec_frame_free(&f);
        hd_conn_lost(c, "the broker has no session for this connection", 0);
        return HD_CLIENT_ELOST;
    }
    if (wait_corr && f->corr == wait_corr) {
        *reply = f;
        return 1;
    }
    if (hd_conn_pend_remove(c, f->corr)) {
        int rc = hd_conn_held_push(c, f, 0);
        if (rc)
            codec_frame_free(&f);
        return rc;
    }
    if (rejected)
        hd_conn_log(c, HD_CLIENT_LOG_WARN, "request %" PRIu64 " rejected %s at \"%s\": %s", f->corr,
                    hd_client_reject_name(f->rejected->code), f->rejected->field, f->rejected->reason);
    else
        hd_conn_log(c, HD_CLIENT_LOG_DEBUG, "stale reply to request %" PRIu64 " dropped", f->corr);
    codec_frame_free(&f);
    return 0;
}

int hd_conn_pump(hd_client_t *c, int64_t deadline, uint64_t wait_corr, Huddle__Frame **reply)
{
    if (!c->sock)
        return HD_CLIENT_ELOST;
    if (c->held_len >= c->cfg.max_held)
        return HD_CLIENT_EFULL;
    int64_t now = hd_time_mono_ms(), until = deadline;
    int64_t hb = c->connected ? c->welcome.heartbeat_ms : 0;
    if (hb) {
        if (c->ping_out && now - c->last_recv >= 3 * hb) {
            hd_conn_lost(c, "the broker went silent", 0);
            return HD_CLIENT_ELOST;
        }
        if (now - c->last_send >= hb)
            send_ping(c);
        until = c->last_send + hb < until ? c->last_send + hb : until;
        if (c->ping_out && c->last_recv + 3 * hb < until)
            until = c->last_recv + 3 * hb;
    }
    int64_t wait = until - now;
    zmq_pollitem_t items[2] = {{c->sock, 0, ZMQ_POLLIN, 0}, {c->mon, 0, ZMQ_POLLIN, 0}};
    if (zmq_poll(items, 2, wait <= 0 ? 0 : wait > 3600000 ? 3600000 : (long)wait) < 0) {
        if (errno == EINTR)
            return HD_CLIENT_EINTR;
        hd_conn_lost(c, zmq_strerror(errno), 0);
        return HD_CLIENT_ELOST;
    }
    if (items[0].revents & ZMQ_POLLIN) {
        zmq_msg_t m;
        zmq_msg_init(&m);
        if (zmq_msg_recv(&m, c->sock, ZMQ_DONTWAIT) < 0) {
            zmq_msg_close(&m);
            return 0;
        }
        Huddle__Frame *f = NULL;
        codec_error_t err;
        int rc = codec_decode_frame(zmq_msg_data(&m), zmq_msg_size(&m),
                                    (size_t)c->cfg.max_frame_bytes + HD_CLIENT_RECV_SLACK, &f, &err);
        zmq_msg_close(&m);
        c->last_recv = hd_time_mono_ms();
        c->ping_out = false;
        if (rc) {
            hd_conn_log(c, HD_CLIENT_LOG_WARN, "undecodable frame from the broker dropped: %s at \"%s\"",
                        codec_strerror(rc), err.field);
            return 0;
        }
        return route(c, f, wait_corr, reply);
    }
    uint16_t event = (items[1].revents & ZMQ_POLLIN) ? read_monitor(c) : 0;
    if (event == ZMQ_EVENT_DISCONNECTED) {
        hd_conn_lost(c, "connection closed", 0);
        return HD_CLIENT_ELOST;
    }
    if ((event & HANDSHAKE_FAILED) && !c->handshake_warned) {
        /* ZeroMQ keeps trying by itself; say why nothing answers, once per session. */
        c->handshake_warned = true;
        hd_conn_log(c, HD_CLIENT_LOG_WARN, "encryption handshake with %s failed%s: check the broker's public key "
                    "and that this agent's key is registered", c->endpoint,
                    event == ZMQ_EVENT_HANDSHAKE_FAILED_AUTH ? " (key refused)" : "");
    }
    return hd_time_mono_ms() >= deadline ? HD_CLIENT_ETIMEOUT : 0;
}

/* Waits for the reply to corr until deadline. */
static int await(hd_client_t *c, uint64_t corr, int64_t deadline, Huddle__Frame **reply)
{
    int rc;
    while ((rc = hd_conn_pump(c, deadline, corr, reply)) == 0)
        ;
    return rc == 1 ? HD_CLIENT_OK : rc;
}

static void copy_welcome(hd_client_t *c, const Huddle__Welcome *w)
{
    hd_welcome_t *o = &c->welcome;
    memset(o, 0, sizeof *o);
    snprintf(o->agent_id, sizeof o->agent_id, "%s", w->agent_id);
    snprintf(o->org_ods, sizeof o->org_ods, "%s", w->org_ods);
    snprintf(o->hospital_ods, sizeof o->hospital_ods, "%s", w->hospital_ods);
    snprintf(o->broker_version, sizeof o->broker_version, "%s", w->broker_version);
    for (size_t i = 0; i < w->n_neighbourhood_ids && i < HD_CLIENT_NEIGHBOURHOODS_MAX; i++)
        snprintf(o->neighbourhood_ids[o->n_neighbourhood_ids++], HD_CLIENT_NEIGHBOURHOOD_LEN, "%s",
                 w->neighbourhood_ids[i]);
    o->role = w->role;
    o->max_frame_bytes = w->max_frame_bytes;
    o->heartbeat_ms = w->heartbeat_ms;
    o->max_credit = w->max_credit;
    o->max_query_limit = w->max_query_limit;
    o->last_seq = w->last_seq;
    o->server_time_ms = w->server_time_ms;
    o->insecure = w->insecure;
}

/* Subscribes again to one remembered subscription; false drops it (refused for good). */
static int resubscribe(hd_client_t *c, hd_sub_t *s, int64_t deadline, bool *keep)
{
    *keep = true;
    Huddle__Filter *filter = NULL;
    if (s->filter && !(filter = huddle__filter__unpack(NULL, s->filter_len, s->filter)))
        return HD_CLIENT_ENOMEM;
    Huddle__Frame f, *reply = NULL;
    Huddle__Subscribe sub = HUDDLE__SUBSCRIBE__INIT;
    codec_frame_init(&f, ++c->next_corr);
    sub.name = s->name;
    sub.filter = filter;
    sub.credit = s->credit;
    if (s->from_start) {
        sub.start_case = HUDDLE__SUBSCRIBE__START_FROM_START;
        sub.from_start = true;
    }
    f.body_case = HUDDLE__FRAME__BODY_SUBSCRIBE;
    f.subscribe = &sub;
    int rc = hd_conn_send(c, &f);
    if (filter)
        huddle__filter__free_unpacked(filter, NULL);
    if (!rc)
        rc = await(c, f.corr, deadline, &reply);
    if (rc)
        return rc;
    if (reply->body_case == HUDDLE__FRAME__BODY_REJECTED) {
        hd_conn_copy_rejection(&c->last_rejection, reply->rejected);
        rc = reply->rejected->transient ? HD_CLIENT_ETIMEOUT : HD_CLIENT_OK;
        *keep = reply->rejected->transient;
        hd_conn_log(c, HD_CLIENT_LOG_WARN, "subscription %s refused on reconnect: %s: %s", s->name,
                    hd_client_reject_name(reply->rejected->code), reply->rejected->reason);
    } else if (reply->body_case != HUDDLE__FRAME__BODY_SUBSCRIBED) {
        rc = HD_CLIENT_EPROTO;
    }
    codec_frame_free(&reply);
    return rc;
}

/* One attempt: socket, Hello, Welcome, subscriptions. */
static int session_try(hd_client_t *c, int64_t deadline)
{
    int rc = open_socket(c);
    if (rc)
        return rc;
    Huddle__Frame f, *reply = NULL;
    Huddle__Hello hello = HUDDLE__HELLO__INIT;
    codec_frame_init(&f, ++c->next_corr);
    hello.agent_id = c->agent_id;
    hello.software_name = c->software_name;
    hello.software_version = c->software_version;
    f.body_case = HUDDLE__FRAME__BODY_HELLO;
    f.hello = &hello;
    rc = hd_conn_send(c, &f);
    if (!rc)
        rc = await(c, f.corr, deadline, &reply);
    if (rc)
        return rc;
    if (reply->body_case == HUDDLE__FRAME__BODY_REJECTED) {
        hd_conn_copy_rejection(&c->last_rejection, reply->rejected);
        hd_conn_log(c, reply->rejected->transient ? HD_CLIENT_LOG_INFO : HD_CLIENT_LOG_ERROR,
                    "broker refused the session: %s: %s", hd_client_reject_name(reply->rejected->code),
                    reply->rejected->reason);
        rc = reply->rejected->transient ? HD_CLIENT_ETIMEOUT : HD_CLIENT_EREJECTED;
        codec_frame_free(&reply);
        return rc;
    }
    if (reply->body_case != HUDDLE__FRAME__BODY_WELCOME) {
        codec_frame_free(&reply);
        return HD_CLIENT_EPROTO;
    }
    copy_welcome(c, reply->welcome);
    codec_frame_free(&reply);
    c->connected = true;
    c->handshake_warned = false;
    c->sessions++;
    hd_conn_log(c, HD_CLIENT_LOG_INFO, "session %u open as %s, last seq %" PRIu64, c->sessions,
                c->welcome.agent_id, c->welcome.last_seq);
    if (c->welcome.insecure && c->sessions == 1)
        hd_conn_log(c, HD_CLIENT_LOG_WARN, "the broker runs WITHOUT encryption (development mode)");
    for (size_t i = 0; i < c->n_subs;) {
        bool keep;
        if ((rc = resubscribe(c, &c->subs[i], deadline, &keep)) != HD_CLIENT_OK)
            return rc;
        if (keep) {
            i++;
            continue;
        }
        free(c->subs[i].filter);
        c->subs[i] = c->subs[--c->n_subs];
    }
    c->backoff_ms = c->cfg.backoff_min_ms;
    return HD_CLIENT_OK;
}

/* Why an attempt at a session failed, for the log: before the Welcome or after it. */
static const char *attempt_failure(const hd_client_t *c, int rc)
{
    if (rc == HD_CLIENT_EPROTO)
        return c->connected ? "unexpected answer to a re-subscribe" : "unexpected answer to Hello";
    return c->connected ? "re-subscribing did not finish" : "no Welcome in time";
}

int hd_conn_ensure(hd_client_t *c, int64_t deadline)
{
    if (c->connected)
        return HD_CLIENT_OK;
    /* The session gets its own time, after the back-off, however short the caller's: cut
     * shorter, a poll would abandon every session before its Welcome or re-subscriptions. */
    int64_t start = hd_time_mono_ms();
    if (c->retry_at > start)
        start = c->retry_at;
    if (deadline < start + c->cfg.request_timeout_ms)
        deadline = start + c->cfg.request_timeout_ms;
    while (!c->connected) {
        if (c->closed)
            return HD_CLIENT_ECLOSED;
        int64_t now = hd_time_mono_ms();
        if (c->retry_at > now) {
            int rc = hd_conn_sleep_until(c->retry_at < deadline ? c->retry_at : deadline);
            if (rc)
                return rc;
            now = hd_time_mono_ms();
        }
        if (now >= deadline)
            return HD_CLIENT_ETIMEOUT;
        int64_t limit = now + c->cfg.request_timeout_ms;
        int rc = session_try(c, limit < deadline ? limit : deadline);
        if (rc == HD_CLIENT_OK)
            return rc;
        if (rc == HD_CLIENT_EREJECTED) {
            hd_conn_close(c, 0);
            if (c->sessions == 0)
                return rc;
            c->closed = true;
            return HD_CLIENT_ECLOSED;
        }
        if (rc != HD_CLIENT_ETIMEOUT && rc != HD_CLIENT_ELOST && rc != HD_CLIENT_EPROTO) {
            hd_conn_close(c, 0);
            return rc;
        }
        if (c->sock || c->connected)
            hd_conn_lost(c, attempt_failure(c, rc), 0);
    }
    return HD_CLIENT_OK;
}
