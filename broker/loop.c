/*
 * loop — see loop.h.
 *
 * The ROUTER is set as DESIGN.md §8 asks: ROUTER_MANDATORY so that a send to a gone
 * or full peer fails instead of vanishing (EHOSTUNREACH: forget the session; EAGAIN:
 * keep its queue for later, so one slow agent never blocks the loop), ROUTER_HANDOVER
 * for reconnecting peers, LINGER and MAXMSGSIZE bounded, heartbeats on. MAXMSGSIZE is
 * four times max_frame: a frame a little over the limit is read and answered
 * TOO_LARGE, one far over it is dropped by ZeroMQ with the connection.
 *
 * With CURVE (the default) the ROUTER is a CURVE server with a ZAP domain, and the
 * ZAP handler's REP socket is bound first in the same context: libzmq asks it about
 * every handshake, and the loop answers between batches (zap.c). Each frame then
 * carries its connection's User-Id (the agent) and key, which the broker trusts
 * instead of anything the frame says.
 */
#include "loop.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "hd_time.h"
#include "log.h"
#include "zap.h"

static volatile sig_atomic_t stop_requested;

struct loop {
    const config_t *cfg;
    broker_t *b;
    store_t *store;
    void *ctx;
    void *router;
    void *zap;     /* ZAP handler's REP socket; NULL without CURVE */
    char endpoint[256];
    bool blocked;  /* some session's peer could not take more this round */
};

static void on_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
}

void loop_install_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
}

static int set_int(void *sock, int opt, int v)
{
    return zmq_setsockopt(sock, opt, &v, sizeof v);
}

int loop_new(loop_t **out, const config_t *cfg, broker_t *b, store_t *store, const char *secret_z85, char *err,
             size_t errlen)
{
    *out = NULL;
    loop_t *l = calloc(1, sizeof *l);
    if (!l) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    l->cfg = cfg;
    l->b = b;
    l->store = store;
    l->ctx = zmq_ctx_new();
    l->router = l->ctx ? zmq_socket(l->ctx, ZMQ_ROUTER) : NULL;
    if (!l->router) {
        snprintf(err, errlen, "cannot create the ZeroMQ socket: %s", zmq_strerror(errno));
        loop_destroy(&l);
        return -1;
    }
    if (secret_z85) {
        l->zap = zmq_socket(l->ctx, ZMQ_REP);
        if (!l->zap || set_int(l->zap, ZMQ_LINGER, 0) || zmq_bind(l->zap, ZAP_ENDPOINT) != 0 ||
            set_int(l->router, ZMQ_CURVE_SERVER, 1) ||
            zmq_setsockopt(l->router, ZMQ_CURVE_SECRETKEY, secret_z85, strlen(secret_z85)) ||
            zmq_setsockopt(l->router, ZMQ_ZAP_DOMAIN, ZAP_DOMAIN, strlen(ZAP_DOMAIN))) {
            snprintf(err, errlen, "cannot set up CURVE: %s", zmq_strerror(errno));
            loop_destroy(&l);
            return -1;
        }
    }
    int64_t maxmsg = (int64_t)cfg->max_frame * 4;
    int hb = (int)cfg->heartbeat_ivl, hbt = (int)cfg->heartbeat_timeout;
    if (set_int(l->router, ZMQ_ROUTER_MANDATORY, 1) || set_int(l->router, ZMQ_ROUTER_HANDOVER, 1) ||
        set_int(l->router, ZMQ_LINGER, 0) || set_int(l->router, ZMQ_SNDHWM, (int)cfg->sndhwm) ||
        set_int(l->router, ZMQ_RCVHWM, (int)cfg->rcvhwm) ||
        zmq_setsockopt(l->router, ZMQ_MAXMSGSIZE, &maxmsg, sizeof maxmsg) ||
        set_int(l->router, ZMQ_HEARTBEAT_IVL, hb) || set_int(l->router, ZMQ_HEARTBEAT_TIMEOUT, hbt) ||
        set_int(l->router, ZMQ_HEARTBEAT_TTL, hbt) || zmq_bind(l->router, cfg->endpoint) != 0) {
        snprintf(err, errlen, "cannot bind %s: %s", cfg->endpoint, zmq_strerror(errno));
        loop_destroy(&l);
        return -1;
    }
    size_t n = sizeof l->endpoint;
    if (zmq_getsockopt(l->router, ZMQ_LAST_ENDPOINT, l->endpoint, &n) != 0)
        snprintf(l->endpoint, sizeof l->endpoint, "%s", cfg->endpoint);
    *out = l;
    return 0;
}

void loop_destroy(loop_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    loop_t *l = *self_p;
    if (l->router)
        zmq_close(l->router);
    if (l->zap)
        zmq_close(l->zap);
    if (l->ctx)
        zmq_ctx_term(l->ctx);
    free(l);
    *self_p = NULL;
}

/* Reads up to batch_max messages that are ready, without waiting. */
static void read_ready(loop_t *l)
{
    zmq_msg_t rid, body;
    for (unsigned n = 0; n < l->cfg->batch_max; n++) {
        zmq_msg_init(&rid);
        if (zmq_msg_recv(&rid, l->router, ZMQ_DONTWAIT) < 0) {
            zmq_msg_close(&rid);
            return;
        }
        zmq_msg_init(&body);
        int more = zmq_msg_more(&rid);
        int rc = more ? zmq_msg_recv(&body, l->router, ZMQ_DONTWAIT) : -1;
        bool extra = false;
        while (rc >= 0 && zmq_msg_more(&body)) { /* one ZeroMQ frame per message: drop the rest */
            zmq_msg_t junk;
            zmq_msg_init(&junk);
            zmq_msg_recv(&junk, l->router, ZMQ_DONTWAIT);
            extra = true;
            more = zmq_msg_more(&junk);
            zmq_msg_close(&junk);
            if (!more)
                break;
        }
        if (rc >= 0) {
            /* the connection's identity, as ZAP named it; NULL without CURVE */
            frame_peer_t peer = {zmq_msg_data(&rid), zmq_msg_size(&rid), NULL, NULL};
            if (l->zap) {
                peer.user_id = zmq_msg_gets(&body, "User-Id");
                peer.key_z85 = zmq_msg_gets(&body, ZAP_KEY_PROPERTY);
            }
            /* a multi-part message reaches the codec empty, and is answered MALFORMED */
            broker_on_frame(l->b, &peer, extra ? NULL : zmq_msg_data(&body), extra ? 0 : zmq_msg_size(&body),
                            hd_time_mono_ms());
        }
        zmq_msg_close(&body);
        zmq_msg_close(&rid);
    }
}

/* Sends what each session has queued, until its peer would block. */
static void flush(loop_t *l)
{
    session_table_t *t = broker_sessions(l->b);
    l->blocked = false;
    for (session_t *s = session_first(t), *nx; s; s = nx) {
        nx = s->next;
        bool lost = false;
        while (s->out_head) {
            if (zmq_send(l->router, s->rid, s->rid_len, ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0) {
                if (errno == EAGAIN)
                    l->blocked = true;
                else
                    lost = true;
                break;
            }
            if (zmq_send(l->router, s->out_head->data, s->out_head->len, ZMQ_DONTWAIT) < 0) {
                lost = errno != EAGAIN;
                l->blocked |= !lost;
                break;
            }
            session_pop(s);
        }
        if (lost || (s->closing && !s->out_head))
            broker_session_lost(l->b, s);
    }
}

static bool has_output(loop_t *l)
{
    for (session_t *s = session_first(broker_sessions(l->b)); s; s = s->next)
        if (s->out_head)
            return true;
    return false;
}

/* One round: wait at most timeout_ms for frames (and handshakes), apply them, commit,
 * send. */
static void round_trip(loop_t *l, int timeout_ms)
{
    zmq_pollitem_t items[2] = {{l->router, 0, ZMQ_POLLIN, 0}, {l->zap, 0, ZMQ_POLLIN, 0}};
    if (zmq_poll(items, l->zap ? 2 : 1, timeout_ms) > 0) {
        if (l->zap && (items[1].revents & ZMQ_POLLIN))
            zap_serve(l->zap, l->store);
        if (items[0].revents & ZMQ_POLLIN)
            read_ready(l);
    }
    broker_commit(l->b);
    broker_tick(l->b, hd_time_mono_ms());
    flush(l);
    broker_pump(l->b);
}

int loop_run(loop_t *l)
{
    log_info("listening on %s", l->endpoint);
    while (!stop_requested) {
        int timeout = broker_next_wakeup(l->b, hd_time_mono_ms(), 1000);
        if (l->blocked)
            timeout = timeout > 1 ? 1 : timeout; /* a peer is full: look again soon */
        else if (has_output(l))
            timeout = 0;
        round_trip(l, timeout);
    }

    /* Stopping: what has arrived is answered, then every agent is told. */
    log_info("stopping: answering what is pending");
    read_ready(l);
    broker_commit(l->b);
    flush(l);
    broker_shutdown(l->b, 1000);
    int64_t deadline = hd_time_mono_ms() + l->cfg->shutdown_grace;
    flush(l);
    while (has_output(l) && hd_time_mono_ms() < deadline)
        round_trip(l, 10);
    if (has_output(l))
        log_warn("stopped with replies unsent to agents that were not reading");
    /* what ZeroMQ still holds goes out before the socket closes, within the grace */
    int64_t left = deadline - hd_time_mono_ms();
    set_int(l->router, ZMQ_LINGER, left > 0 ? (int)left : 0);
    log_info("stopped");
    return 0;
}
