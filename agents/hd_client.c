/*
 * hd_client — the calls an agent makes (see hd_client.h). Each synchronous call is
 * one request frame sent, then hd_conn_pump until its reply, through request(): the
 * one place that decides when to reconnect and send the same frame again.
 */
#include "hd_client_internal.h"

#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zmq.h>

#include "codec.h"
#include "hd_time.h"

void hd_client_config_defaults(hd_client_config_t *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->endpoint = HD_CLIENT_ENDPOINT_DEFAULT;
    cfg->agent_id = "";
    cfg->software_name = "huddle-client";
    cfg->software_version = HD_CLIENT_VERSION;
    cfg->request_timeout_ms = 5000;
    cfg->publish_retries = 5;
    cfg->backoff_min_ms = 100;
    cfg->backoff_max_ms = 5000;
    cfg->max_frame_bytes = CODEC_FRAME_MAX_DEFAULT;
    cfg->hwm = 100000;
    cfg->heartbeat_ms = 2000;
    cfg->max_held = 100000;
    cfg->max_pipelined = 100000;
}

/* Subscription names and agent ids: 1-64 bytes of A-Z, a-z, 0-9, '.', '_', '-'. */
static bool name_ok(const char *s, bool may_be_empty)
{
    size_t n = s ? strlen(s) : 0;
    if (n > HD_CLIENT_ID_MAX || (n == 0 && !may_be_empty))
        return false;
    for (size_t i = 0; i < n; i++)
        if (!strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-", s[i]))
            return false;
    return true;
}

static bool z85_key_ok(const char *k)
{
    return k && strlen(k) == 40;
}

static int config_check(const hd_client_config_t *k)
{
    if (!k->endpoint || !*k->endpoint || !name_ok(k->agent_id, true) || !k->software_name ||
        !k->software_version || k->request_timeout_ms <= 0 || k->publish_retries < 0 ||
        k->backoff_min_ms <= 0 || k->backoff_max_ms < k->backoff_min_ms || k->max_frame_bytes < 1024 ||
        k->hwm < 0 || k->heartbeat_ms < 0 || k->heartbeat_ms > 2000000 || !k->max_held ||
        !k->max_pipelined)
        return HD_CLIENT_EINVAL;
    if (k->server_key && (!z85_key_ok(k->server_key) || !z85_key_ok(k->secret_key)))
        return HD_CLIENT_EINVAL;
    return HD_CLIENT_OK;
}

int hd_client_new(hd_client_t **out, const hd_client_config_t *cfg)
{
    if (!out)
        return HD_CLIENT_EINVAL;
    *out = NULL;
    if (!cfg || config_check(cfg))
        return HD_CLIENT_EINVAL;
    hd_client_t *c = calloc(1, sizeof *c);
    if (!c)
        return HD_CLIENT_ENOMEM;
    c->cfg = *cfg;
    c->endpoint = strdup(cfg->endpoint);
    c->agent_id = strdup(cfg->agent_id ? cfg->agent_id : "");
    c->software_name = strdup(cfg->software_name);
    c->software_version = strdup(cfg->software_version);
    c->ctx = zmq_ctx_new();
    int rc = HD_CLIENT_ENOMEM;
    if (!c->endpoint || !c->agent_id || !c->software_name || !c->software_version || !c->ctx)
        goto fail;
    c->cfg.endpoint = c->endpoint;
    c->cfg.agent_id = c->agent_id;
    c->cfg.software_name = c->software_name;
    c->cfg.software_version = c->software_version;
    c->cfg.server_key = c->cfg.secret_key = NULL;
    if (cfg->server_key) {
        memcpy(c->server_key, cfg->server_key, 41);
        memcpy(c->secret_key, cfg->secret_key, 41);
        if (zmq_curve_public(c->public_key, c->secret_key)) {
            rc = HD_CLIENT_EINVAL;
            goto fail;
        }
    }
    c->rng = (uint64_t)hd_time_now_ms() ^ ((uint64_t)getpid() << 32) ^ (uint64_t)(uintptr_t)c;
    c->rng |= 1;
    c->backoff_ms = cfg->backoff_min_ms;
    rc = hd_conn_ensure(c, hd_conn_deadline(cfg->request_timeout_ms));
    if (rc)
        goto fail;
    *out = c;
    return HD_CLIENT_OK;
fail:
    hd_client_destroy(&c);
    return rc;
}

void hd_client_destroy(hd_client_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    hd_client_t *c = *self_p;
    if (c->connected) {
        Huddle__Frame f;
        Huddle__Bye bye = HUDDLE__BYE__INIT;
        codec_frame_init(&f, ++c->next_corr);
        bye.reason = (char *)"agent closing";
        f.body_case = HUDDLE__FRAME__BODY_BYE;
        f.bye = &bye;
        hd_conn_send(c, &f);
    }
    hd_conn_close(c, 200); /* long enough for the Bye to leave, never a hang */
    while (c->held_len) {
        hd_held_t h = hd_conn_held_take(c, 0);
        codec_frame_free(&h.frame);
    }
    for (size_t i = 0; i < c->n_subs; i++)
        free(c->subs[i].filter);
    free(c->subs);
    free(c->held);
    free(c->pend);
    if (c->ctx)
        zmq_ctx_term(c->ctx);
    free(c->endpoint);
    free(c->agent_id);
    free(c->software_name);
    free(c->software_version);
    memset(c->secret_key, 0, sizeof c->secret_key);
    free(c);
    *self_p = NULL;
}

const hd_welcome_t *hd_client_welcome(const hd_client_t *self)
{
    return &self->welcome;
}

const char *hd_client_agent_id(const hd_client_t *self)
{
    return self->welcome.agent_id;
}

Huddle__Role hd_client_role(const hd_client_t *self)
{
    return self->welcome.role;
}

uint64_t hd_client_last_seq(const hd_client_t *self)
{
    return self->welcome.last_seq;
}

const hd_rejection_t *hd_client_last_rejection(const hd_client_t *self)
{
    return &self->last_rejection;
}

unsigned hd_client_sessions(const hd_client_t *self)
{
    return self->sessions;
}

void hd_client_make_message_id(hd_client_t *self, char *buf, size_t len)
{
    /* Unique without coordination: the agent, the wall clock, the process, a counter. */
    const char *agent = self->welcome.agent_id[0] ? self->welcome.agent_id : self->agent_id;
    snprintf(buf, len, "%.20s-%" PRIx64 "-%x-%" PRIu64, agent[0] ? agent : "agent", (uint64_t)hd_time_now_ms(),
             (unsigned)getpid(), ++self->next_msg);
}

/* Waits until t doing nothing but answering the broker, for a transient Rejected. */
static int pause_pumping(hd_client_t *c, int64_t t)
{
    while (hd_time_mono_ms() < t) {
        int rc = c->connected ? hd_conn_pump(c, t, 0, NULL) : hd_conn_sleep_until(t);
        if (rc == HD_CLIENT_EINTR || rc == HD_CLIENT_EFULL)
            return rc;
        if (rc == HD_CLIENT_ETIMEOUT)
            break;
    }
    return HD_CLIENT_OK;
}

/* Sends req and waits for the frame answering it, reopening the session and sending
 * the same frame (same corr) again after a timeout, a loss or a transient Rejected, at
 * most retries more times. The reply may be a Rejected: the caller decides. */
static int request(hd_client_t *c, const Huddle__Frame *req, int retries, Huddle__Frame **reply, unsigned *attempts)
{
    *reply = NULL;
    if (c->closed)
        return HD_CLIENT_ECLOSED;
    for (int attempt = 0; attempt <= retries; attempt++) {
        if (attempts)
            *attempts = (unsigned)attempt + 1;
        int64_t start = hd_time_mono_ms();
        if (!c->connected && c->retry_at > start)
            start = c->retry_at;
        int64_t deadline = start + c->cfg.request_timeout_ms;
        int rc = hd_conn_ensure(c, deadline);
        if (rc == HD_CLIENT_OK)
            rc = hd_conn_send(c, req);
        Huddle__Frame *f = NULL;
        while (rc == HD_CLIENT_OK && (rc = hd_conn_pump(c, deadline, req->corr, &f)) == 0)
            ;
        if (rc == 1) {
            if (f->body_case != HUDDLE__FRAME__BODY_REJECTED || !f->rejected->transient || attempt == retries) {
                *reply = f;
                return HD_CLIENT_OK;
            }
            hd_conn_copy_rejection(&c->last_rejection, f->rejected);
            int64_t base = (int64_t)c->cfg.backoff_min_ms << (attempt < 6 ? attempt : 6);
            int delay = f->rejected->retry_after_ms && f->rejected->retry_after_ms < INT_MAX
                            ? (int)f->rejected->retry_after_ms
                            : hd_conn_jitter(c, base < c->cfg.backoff_max_ms ? (int)base : c->cfg.backoff_max_ms);
            hd_conn_log(c, HD_CLIENT_LOG_INFO, "request %" PRIu64 " refused for now (%s); again in %d ms", req->corr,
                        hd_client_reject_name(f->rejected->code), delay);
            codec_frame_free(&f);
            if ((rc = pause_pumping(c, hd_time_mono_ms() + delay)) != HD_CLIENT_OK)
                return rc;
            continue;
        }
        if (rc == HD_CLIENT_ETIMEOUT && c->connected)
            hd_conn_lost(c, "no reply in time", 0);
        if (rc != HD_CLIENT_ETIMEOUT && rc != HD_CLIENT_ELOST)
            return rc;
        hd_conn_log(c, HD_CLIENT_LOG_INFO, "request %" PRIu64 ": no answer on that session (attempt %d of %d)",
                    req->corr, attempt + 1, retries + 1);
    }
    return HD_CLIENT_ETIMEOUT;
}

/* The event as sent: the caller's, with a message_id generated into id if it had none. */
static int event_for_sending(hd_client_t *c, const Huddle__Event *ev, Huddle__Event *copy, char *id, size_t len)
{
    if (!ev || (ev->message_id && strlen(ev->message_id) > HD_CLIENT_ID_MAX))
        return HD_CLIENT_EINVAL;
    *copy = *ev;
    if (ev->message_id && *ev->message_id)
        snprintf(id, len, "%s", ev->message_id);
    else
        hd_client_make_message_id(c, id, len);
    copy->message_id = id;
    return HD_CLIENT_OK;
}

static void publish_frame(Huddle__Frame *f, Huddle__Publish *pub, Huddle__Event *ev, uint64_t corr)
{
    huddle__publish__init(pub);
    pub->event = ev;
    codec_frame_init(f, corr);
    f->body_case = HUDDLE__FRAME__BODY_PUBLISH;
    f->publish = pub;
}

int hd_client_publish(hd_client_t *self, const Huddle__Event *ev, hd_publish_result_t *res)
{
    hd_publish_result_t unused;
    if (!res)
        res = &unused;
    memset(res, 0, sizeof *res);
    if (!self)
        return HD_CLIENT_EINVAL;
    Huddle__Event copy;
    int rc = event_for_sending(self, ev, &copy, res->message_id, sizeof res->message_id);
    if (rc)
        return rc;
    Huddle__Frame f, *reply;
    Huddle__Publish pub;
    publish_frame(&f, &pub, &copy, ++self->next_corr);
    if ((rc = request(self, &f, self->cfg.publish_retries, &reply, &res->attempts)) != HD_CLIENT_OK)
        return rc;
    if (reply->body_case == HUDDLE__FRAME__BODY_ACCEPTED) {
        const Huddle__Accepted *a = reply->accepted;
        res->seq = a->seq;
        res->duplicate = a->duplicate;
        res->received_at_ms = a->received_at_ms;
        snprintf(res->assigned_id, sizeof res->assigned_id, "%s", a->assigned_id);
    } else if (reply->body_case == HUDDLE__FRAME__BODY_REJECTED) {
        hd_conn_copy_rejection(&res->rejection, reply->rejected);
        self->last_rejection = res->rejection;
        rc = HD_CLIENT_EREJECTED;
    } else {
        rc = HD_CLIENT_EPROTO;
    }
    codec_frame_free(&reply);
    return rc;
}

int hd_client_send_publish(hd_client_t *self, const Huddle__Event *ev, uint64_t *corr)
{
    if (!self || !corr)
        return HD_CLIENT_EINVAL;
    *corr = 0;
    char id[HD_CLIENT_ID_MAX + 1];
    Huddle__Event copy;
    int rc = event_for_sending(self, ev, &copy, id, sizeof id);
    if (rc)
        return rc;
    if (self->closed)
        return HD_CLIENT_ECLOSED;
    if (self->pend_len >= self->cfg.max_pipelined)
        return HD_CLIENT_EFULL;
    if ((rc = hd_conn_ensure(self, hd_conn_deadline(self->cfg.request_timeout_ms))) != HD_CLIENT_OK)
        return rc;
    Huddle__Frame f;
    Huddle__Publish pub;
    publish_frame(&f, &pub, &copy, ++self->next_corr);
    if ((rc = hd_conn_pend_add(self, f.corr)) != HD_CLIENT_OK)
        return rc;
    if ((rc = hd_conn_send(self, &f)) != HD_CLIENT_OK) {
        /* Not sent: the session goes, and with it every pipelined request (RECONNECTED). */
        hd_conn_pend_remove(self, f.corr);
        if (rc == HD_CLIENT_ELOST || rc == HD_CLIENT_ETIMEOUT)
            hd_conn_lost(self, "cannot send", 0);
        return rc == HD_CLIENT_ELOST ? HD_CLIENT_ETIMEOUT : rc;
    }
    *corr = f.corr;
    return HD_CLIENT_OK;
}

static void classify(hd_held_t h, hd_message_t *out)
{
    Huddle__Frame *f = h.frame;
    out->frame = f;
    if (!f) {
        out->kind = HD_MESSAGE_RECONNECTED;
        out->corr = h.lost_upto;
        return;
    }
    out->corr = f->corr;
    switch (f->body_case) {
    case HUDDLE__FRAME__BODY_ACCEPTED:
        out->kind = HD_MESSAGE_ACCEPTED;
        out->seq = f->accepted->seq;
        out->duplicate = f->accepted->duplicate;
        break;
    case HUDDLE__FRAME__BODY_REJECTED:
        out->kind = HD_MESSAGE_REJECTED;
        hd_conn_copy_rejection(&out->rejection, f->rejected);
        break;
    case HUDDLE__FRAME__BODY_DELIVER:
        out->kind = HD_MESSAGE_DELIVER;
        out->seq = f->deliver->event->seq;
        break;
    default:
        out->kind = HD_MESSAGE_OTHER;
        break;
    }
}

/* Waits until a held delivery (or with deliveries_only false, anything held) is there;
 * its index goes to *at. timeout_ms bounds the wait for frames, not the reopening of a
 * lost session (hd_conn_ensure takes its own time), which happens even with no time
 * left, but only once then, so that a broker dropping every session cannot keep the
 * call from returning. */
static int wait_held(hd_client_t *c, int timeout_ms, bool deliveries_only, size_t *at)
{
    int64_t deadline = hd_conn_deadline(timeout_ms);
    bool reopened = false;
    for (;;) {
        *at = deliveries_only ? hd_conn_held_find_deliver(c) : c->held_len ? 0 : SIZE_MAX;
        if (*at != SIZE_MAX)
            return HD_CLIENT_OK;
        if (c->closed)
            return HD_CLIENT_ECLOSED;
        int rc;
        if (c->connected) {
            rc = hd_conn_pump(c, deadline, 0, NULL);
        } else if (reopened && hd_time_mono_ms() >= deadline) {
            return HD_CLIENT_ETIMEOUT;
        } else {
            rc = hd_conn_ensure(c, deadline);
            reopened = true;
        }
        if (rc < 0 && rc != HD_CLIENT_ELOST)
            return rc;
    }
}

int hd_client_recv(hd_client_t *self, int timeout_ms, hd_message_t *out)
{
    if (!self || !out)
        return HD_CLIENT_EINVAL;
    memset(out, 0, sizeof *out);
    size_t at;
    int rc = wait_held(self, timeout_ms, false, &at);
    if (rc == HD_CLIENT_OK)
        classify(hd_conn_held_take(self, at), out);
    return rc;
}

void hd_message_release(hd_message_t *msg)
{
    if (!msg)
        return;
    codec_frame_free(&msg->frame);
    memset(msg, 0, sizeof *msg);
}

int hd_client_subscribe(hd_client_t *self, const char *name, const Huddle__Filter *filter, uint32_t credit,
                        bool from_start, hd_subscribed_t *out)
{
    if (out)
        memset(out, 0, sizeof *out);
    if (!self || !name_ok(name, false))
        return HD_CLIENT_EINVAL;
    Huddle__Frame f, *reply;
    Huddle__Subscribe sub = HUDDLE__SUBSCRIBE__INIT;
    codec_frame_init(&f, ++self->next_corr);
    sub.name = (char *)name;
    sub.filter = (Huddle__Filter *)filter; /* only read: packing never writes */
    sub.credit = credit;
    if (from_start) {
        sub.start_case = HUDDLE__SUBSCRIBE__START_FROM_START;
        sub.from_start = true;
    }
    f.body_case = HUDDLE__FRAME__BODY_SUBSCRIBE;
    f.subscribe = &sub;
    int rc = request(self, &f, self->cfg.publish_retries, &reply, NULL);
    if (rc)
        return rc;
    if (reply->body_case == HUDDLE__FRAME__BODY_REJECTED) {
        hd_conn_copy_rejection(&self->last_rejection, reply->rejected);
        codec_frame_free(&reply);
        return HD_CLIENT_EREJECTED;
    }
    if (reply->body_case != HUDDLE__FRAME__BODY_SUBSCRIBED) {
        codec_frame_free(&reply);
        return HD_CLIENT_EPROTO;
    }
    const Huddle__Subscribed *s = reply->subscribed;
    if (out) {
        snprintf(out->name, sizeof out->name, "%s", name);
        out->acked_seq = s->acked_seq;
        out->resume_from_seq = s->resume_from_seq;
        out->acked_counter = s->acked_counter;
        out->credit = s->credit;
        out->created = s->created;
    }
    uint64_t acked = s->acked_seq;
    codec_frame_free(&reply);

    /* Remember it, for the next reconnect. */
    uint8_t *packed = NULL;
    size_t packed_len = 0;
    if (filter) {
        packed_len = huddle__filter__get_packed_size(filter);
        if (!(packed = malloc(packed_len ? packed_len : 1)))
            return HD_CLIENT_ENOMEM;
        huddle__filter__pack(filter, packed);
    }
    hd_sub_t *r = hd_conn_sub_find(self, name);
    if (!r) {
        if (self->n_subs == self->subs_cap) {
            size_t cap = self->subs_cap ? self->subs_cap * 2 : 4;
            hd_sub_t *grown = realloc(self->subs, cap * sizeof *grown);
            if (!grown) {
                free(packed);
                return HD_CLIENT_ENOMEM;
            }
            self->subs = grown;
            self->subs_cap = cap;
        }
        r = &self->subs[self->n_subs++];
        memset(r, 0, sizeof *r);
        snprintf(r->name, sizeof r->name, "%s", name);
    }
    free(r->filter);
    r->filter = packed;
    r->filter_len = packed_len;
    r->credit = credit;
    r->from_start = from_start;
    if (acked > r->acked_seq)
        r->acked_seq = acked;
    return HD_CLIENT_OK;
}

int hd_client_next(hd_client_t *self, int timeout_ms, hd_delivery_t *out)
{
    if (!self || !out)
        return HD_CLIENT_EINVAL;
    memset(out, 0, sizeof *out);
    size_t at;
    int rc = wait_held(self, timeout_ms, true, &at);
    if (rc)
        return rc;
    Huddle__Frame *f = hd_conn_held_take(self, at).frame;
    out->frame = f;
    out->subscription = f->deliver->subscription;
    out->counter = f->deliver->counter;
    out->event = f->deliver->event;
    out->seq = f->deliver->event->seq;
    return HD_CLIENT_OK;
}

void hd_delivery_release(hd_delivery_t *d)
{
    if (!d)
        return;
    codec_frame_free(&d->frame);
    memset(d, 0, sizeof *d);
}

int hd_client_ack(hd_client_t *self, const char *subscription, uint64_t seq)
{
    if (!self || !name_ok(subscription, false) || !seq)
        return HD_CLIENT_EINVAL;
    hd_sub_t *s = hd_conn_sub_find(self, subscription);
    if (s && seq > s->acked_seq)
        s->acked_seq = seq;
    if (!self->connected)
        return s ? HD_CLIENT_OK : HD_CLIENT_ETIMEOUT;
    Huddle__Frame f;
    Huddle__Ack a = HUDDLE__ACK__INIT;
    codec_frame_init(&f, ++self->next_corr);
    a.subscription = (char *)subscription;
    a.seq = seq;
    f.body_case = HUDDLE__FRAME__BODY_ACK;
    f.ack = &a;
    int rc = hd_conn_send(self, &f);
    if (rc == HD_CLIENT_ETIMEOUT || rc == HD_CLIENT_ELOST) {
        hd_conn_lost(self, "cannot send", 0);
        return s ? HD_CLIENT_OK : HD_CLIENT_ETIMEOUT; /* a remembered ack goes again on redelivery */
    }
    return rc;
}

int hd_client_unsubscribe(hd_client_t *self, const char *name, bool discard)
{
    if (!self || !name_ok(name, false))
        return HD_CLIENT_EINVAL;
    hd_sub_t *s = hd_conn_sub_find(self, name);
    if (s) {
        hd_conn_held_drop_deliveries(self, name);
        free(s->filter);
        *s = self->subs[--self->n_subs];
    }
    Huddle__Frame f, *reply;
    Huddle__Unsubscribe u = HUDDLE__UNSUBSCRIBE__INIT;
    codec_frame_init(&f, ++self->next_corr);
    u.name = (char *)name;
    u.discard = discard;
    f.body_case = HUDDLE__FRAME__BODY_UNSUBSCRIBE;
    f.unsubscribe = &u;
    int rc = request(self, &f, self->cfg.publish_retries, &reply, NULL);
    if (rc)
        return rc;
    if (reply->body_case == HUDDLE__FRAME__BODY_REJECTED) {
        hd_conn_copy_rejection(&self->last_rejection, reply->rejected);
        rc = HD_CLIENT_EREJECTED;
    } else if (reply->body_case != HUDDLE__FRAME__BODY_UNSUBSCRIBED) {
        rc = HD_CLIENT_EPROTO;
    }
    codec_frame_free(&reply);
    return rc;
}

/* Sends f and waits for its Answer, which leaves the reply frame for the caller. */
static int answer_request(hd_client_t *self, Huddle__Frame *f, Huddle__Answer **answer)
{
    Huddle__Frame *reply;
    int rc = request(self, f, self->cfg.publish_retries, &reply, NULL);
    if (rc)
        return rc;
    if (reply->body_case == HUDDLE__FRAME__BODY_ANSWER) {
        /* protobuf-c allocates each sub-message apart: the Answer can leave its frame. */
        *answer = reply->answer;
        reply->answer = NULL;
        reply->body_case = HUDDLE__FRAME__BODY__NOT_SET;
    } else if (reply->body_case == HUDDLE__FRAME__BODY_REJECTED) {
        hd_conn_copy_rejection(&self->last_rejection, reply->rejected);
        rc = HD_CLIENT_EREJECTED;
    } else {
        rc = HD_CLIENT_EPROTO;
    }
    codec_frame_free(&reply);
    return rc;
}

int hd_client_query(hd_client_t *self, const Huddle__Query *q, Huddle__Answer **answer)
{
    if (!self || !q || !answer)
        return HD_CLIENT_EINVAL;
    *answer = NULL;
    Huddle__Frame f;
    codec_frame_init(&f, ++self->next_corr);
    f.body_case = HUDDLE__FRAME__BODY_QUERY;
    f.query = (Huddle__Query *)q; /* only read */
    return answer_request(self, &f, answer);
}

int hd_client_admin(hd_client_t *self, const Huddle__Admin *cmd, Huddle__Answer **answer)
{
    if (!self || !cmd || !answer)
        return HD_CLIENT_EINVAL;
    *answer = NULL;
    Huddle__Frame f;
    codec_frame_init(&f, ++self->next_corr);
    f.body_case = HUDDLE__FRAME__BODY_ADMIN;
    f.admin = (Huddle__Admin *)cmd; /* only read */
    return answer_request(self, &f, answer);
}

int hd_client_clock_set(hd_client_t *self, int64_t now_ms, int64_t advance_ms, int64_t *server_now_ms)
{
    if (!self || now_ms < 0 || advance_ms < 0)
        return HD_CLIENT_EINVAL;
    Huddle__Frame f, *reply;
    Huddle__ClockSet cs = HUDDLE__CLOCK_SET__INIT;
    cs.now_ms = now_ms;
    cs.advance_ms = advance_ms;
    codec_frame_init(&f, ++self->next_corr);
    f.body_case = HUDDLE__FRAME__BODY_CLOCK_SET;
    f.clock_set = &cs;
    int rc = request(self, &f, self->cfg.publish_retries, &reply, NULL);
    if (rc)
        return rc;
    if (reply->body_case == HUDDLE__FRAME__BODY_PONG) {
        if (server_now_ms)
            *server_now_ms = reply->pong->server_time_ms;
    } else if (reply->body_case == HUDDLE__FRAME__BODY_REJECTED) {
        hd_conn_copy_rejection(&self->last_rejection, reply->rejected);
        rc = HD_CLIENT_EREJECTED;
    } else {
        rc = HD_CLIENT_EPROTO;
    }
    codec_frame_free(&reply);
    return rc;
}

void hd_client_answer_free(Huddle__Answer **answer_p)
{
    if (!answer_p || !*answer_p)
        return;
    huddle__answer__free_unpacked(*answer_p, NULL);
    *answer_p = NULL;
}

const char *hd_client_reject_name(Huddle__RejectCode code)
{
    const ProtobufCEnumValue *v = protobuf_c_enum_descriptor_get_value(&huddle__reject_code__descriptor, (int)code);
    if (!v)
        return "UNKNOWN";
    return strncmp(v->name, "REJECT_CODE_", 12) ? v->name : v->name + 12;
}

const char *hd_client_strerror(int code)
{
    switch (code) {
    case HD_CLIENT_OK: return "ok";
    case HD_CLIENT_ETIMEOUT: return "no answer from the broker in time";
    case HD_CLIENT_EREJECTED: return "rejected by the broker";
    case HD_CLIENT_EPROTO: return "unexpected frame from the broker";
    case HD_CLIENT_ECONNECT: return "cannot connect (bad endpoint or key)";
    case HD_CLIENT_ENOMEM: return "out of memory";
    case HD_CLIENT_EINVAL: return "invalid argument";
    case HD_CLIENT_ECLOSED: return "the broker closed this agent's session for good";
    case HD_CLIENT_EINTR: return "interrupted by a signal";
    case HD_CLIENT_EFULL: return "too many frames held or requests in flight";
    case HD_CLIENT_ETOOLARGE: return "frame over the broker's size limit";
    default: return "unknown client error";
    }
}
