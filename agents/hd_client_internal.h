/*
 * hd_client_internal — what the two halves of the client library share:
 * hd_client.c (the calls an agent makes) and hd_client_conn.c (the connection: socket,
 * session, reconnection, and the routing of every incoming frame).
 *
 * Never included outside agents/hd_client*.c.
 */
#ifndef HUDDLE_HD_CLIENT_INTERNAL_H
#define HUDDLE_HD_CLIENT_INTERNAL_H

#include <stdint.h>

#include "hd_client.h"

/* The session was lost (closed socket, Bye, broker forgot us). Never returned by a
 * public call: the calls reconnect, retry or turn it into HD_CLIENT_ETIMEOUT. */
#define HD_CLIENT_ELOST (-100)

/* Received frames may exceed max_frame_bytes by this much: a Deliver wraps an event the
 * broker accepted at full size in the subscription name, counter and its own stamps. */
#define HD_CLIENT_RECV_SLACK (16u * 1024u)

/* A remembered subscription, subscribed again after every reconnect. */
typedef struct {
    char name[HD_CLIENT_ID_MAX + 1];
    uint8_t *filter;     /* packed Filter; NULL = none */
    size_t filter_len;
    uint32_t credit;
    bool from_start;
    uint64_t queued_seq; /* highest seq held or handed over; a redelivery at or below it is dropped */
    uint64_t handed_seq; /* highest seq handed to the application */
    uint64_t acked_seq;  /* highest seq the application acked */
} hd_sub_t;

/* A frame held for hd_client_next / hd_client_recv, or (frame NULL) a RECONNECTED
 * marker: pipelined requests up to corr lost_upto without a reply are lost. */
typedef struct {
    Huddle__Frame *frame;
    uint64_t lost_upto;
} hd_held_t;

struct hd_client {
    hd_client_config_t cfg; /* its strings point at the copies below */
    char *endpoint, *agent_id, *software_name, *software_version;
    char server_key[41], public_key[41], secret_key[41];

    void *ctx;
    void *sock;             /* the DEALER; NULL between sessions */
    void *mon;              /* PAIR reading the DEALER's disconnect events */
    unsigned mon_gen;       /* makes each monitor endpoint unique */
    bool connected;         /* a Welcome arrived on sock */
    bool closed;            /* the broker refused the agent for good */
    bool handshake_warned;  /* a failed CURVE handshake was logged since the last Welcome */
    unsigned sessions;

    uint64_t next_corr, next_msg, next_nonce;
    uint64_t rng;
    int backoff_ms;         /* the next reconnect delay, before jitter */
    int64_t retry_at;       /* monotonic ms: no reconnect before this */
    int64_t last_send, last_recv;
    bool ping_out;          /* a heartbeat Ping awaits any frame from the broker */

    hd_welcome_t welcome;
    hd_rejection_t last_rejection;

    /* Held frames and markers, in arrival order (a ring). */
    hd_held_t *held;
    size_t held_start, held_len, held_cap;

    /* corrs of pipelined requests awaiting a reply (open addressing, 0 = empty). */
    uint64_t *pend;
    size_t pend_len, pend_cap;

    hd_sub_t *subs;
    size_t n_subs, subs_cap;
};

void hd_conn_log(hd_client_t *c, hd_client_log_level_t level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Monotonic deadline timeout_ms from now; negative = never. */
int64_t hd_conn_deadline(int timeout_ms);

/* A jittered delay in [base/2, base]. */
int hd_conn_jitter(hd_client_t *c, int base_ms);

/* Sleeps until the monotonic time t; HD_CLIENT_EINTR if a signal came first. */
int hd_conn_sleep_until(int64_t t);

/* Opens a session if there is none: waits out the back-off, connects, Hello, Welcome,
 * subscribes again, attempt after attempt with the back-off between. Gives up at the
 * later of deadline and request_timeout_ms after the pending back-off ends, so a
 * caller's short or zero wait never cuts a session short (HD_CLIENT_ETIMEOUT); on a
 * fatal refusal (HD_CLIENT_EREJECTED for the first session, HD_CLIENT_ECLOSED after);
 * or at a signal. */
int hd_conn_ensure(hd_client_t *c, int64_t deadline);

/* Ends the session: closes the socket, schedules the reconnect (back-off, at least
 * after_ms), drops held deliveries (unacked, so the broker sends them again) and marks
 * pipelined requests lost. */
void hd_conn_lost(hd_client_t *c, const char *why, uint32_t after_ms);

/* Closes the socket (and its monitor) with this linger. */
void hd_conn_close(hd_client_t *c, int linger_ms);

/* Encodes and sends one frame. HD_CLIENT_ETOOLARGE over the size limit,
 * HD_CLIENT_ETIMEOUT when the send queue stayed full, HD_CLIENT_ELOST without a socket. */
int hd_conn_send(hd_client_t *c, const Huddle__Frame *f);

/* Waits until deadline for one event and deals with it: answers a Ping, holds a
 * Deliver or a pipelined reply, drops a stale reply. Returns 1 with the frame whose corr
 * is wait_corr (non-zero) in *reply (caller frees), 0 after any other frame (call
 * again), or HD_CLIENT_ETIMEOUT, HD_CLIENT_ELOST, HD_CLIENT_EINTR, HD_CLIENT_EFULL. */
int hd_conn_pump(hd_client_t *c, int64_t deadline, uint64_t wait_corr, Huddle__Frame **reply);

/* The held queue. take removes entry i (0 = oldest) and notes a delivery as handed
 * over; find_deliver gives the index of the oldest Deliver, or SIZE_MAX. */
int hd_conn_held_push(hd_client_t *c, Huddle__Frame *f, uint64_t lost_upto);
hd_held_t hd_conn_held_take(hd_client_t *c, size_t i);
size_t hd_conn_held_find_deliver(const hd_client_t *c);
/* Drops held deliveries of one subscription (NULL = all). */
void hd_conn_held_drop_deliveries(hd_client_t *c, const char *subscription);

/* The set of pipelined corrs awaiting a reply; remove says whether corr was there. */
int hd_conn_pend_add(hd_client_t *c, uint64_t corr);
bool hd_conn_pend_remove(hd_client_t *c, uint64_t corr);

hd_sub_t *hd_conn_sub_find(hd_client_t *c, const char *name);

/* Copies a Rejected into plain buffers. */
void hd_conn_copy_rejection(hd_rejection_t *out, const Huddle__Rejected *r);

#endif
