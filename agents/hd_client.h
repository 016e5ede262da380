/*
 * hd_client — the library every Huddle agent links to talk to the broker.
 *
 * Owns: one ZeroMQ DEALER connection to huddled and the session on it (Hello then
 * Welcome), request correlation (Frame.corr from a counter starting at 1), retries of a
 * publish under the same message_id so that a retry is never stored twice, reconnection
 * with doubling, jittered back-off, re-subscription of every durable subscription after
 * a reconnect, dropping redeliveries it already handed over (by seq), answers to the
 * broker's Pings, and a bounded queue of frames that arrive while a call waits for its
 * own reply (deliveries are held there, never dropped).
 *
 * Never: prints anything (set a log callback to see what it does), logs field values
 * (log lines carry seqs, corrs, codes, names and the broker's reasons, and anything
 * shaped like an NHS number is redacted), applies a workflow rule, or starts a thread.
 * Not thread-safe: one hd_client_t belongs to one thread. Every call that waits answers
 * Pings and holds deliveries meanwhile.
 */
#ifndef HUDDLE_HD_CLIENT_H
#define HUDDLE_HD_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "frame.pb-c.h"

#define HD_CLIENT_VERSION "0.1.0"
#define HD_CLIENT_ENDPOINT_DEFAULT "tcp://127.0.0.1:7411"

/* Longest agent id, message id and subscription name (bytes, without the NUL). */
#define HD_CLIENT_ID_MAX 64
/* Neighbourhoods a Welcome lists at most, and the size of one id with its NUL. */
#define HD_CLIENT_NEIGHBOURHOODS_MAX 64
#define HD_CLIENT_NEIGHBOURHOOD_LEN 33
/* Sizes of the text fields copied out of a Rejected (with the NUL). */
#define HD_CLIENT_FIELD_LEN 160
#define HD_CLIENT_REASON_LEN 257

typedef enum {
    HD_CLIENT_OK        = 0,
    HD_CLIENT_ETIMEOUT  = -1,  /* no answer in time, after every retry */
    HD_CLIENT_EREJECTED = -2,  /* the broker refused the request: see the result or hd_client_last_rejection */
    HD_CLIENT_EPROTO    = -3,  /* the broker answered with a frame the protocol does not allow there */
    HD_CLIENT_ECONNECT  = -4,  /* the socket could not be made or connected (bad endpoint or key) */
    HD_CLIENT_ENOMEM    = -5,
    HD_CLIENT_EINVAL    = -6,  /* bad argument */
    HD_CLIENT_ECLOSED   = -7,  /* the broker refused this agent's session for good (revoked, wrong key) */
    HD_CLIENT_EINTR     = -8,  /* a signal interrupted the wait: check your flags and call again */
    HD_CLIENT_EFULL     = -9,  /* the held-frame queue or the pipelined window is full: call hd_client_recv */
    HD_CLIENT_ETOOLARGE = -10, /* the frame would be over the broker's max_frame_bytes */
} hd_client_err_t;

typedef enum {
    HD_CLIENT_LOG_DEBUG,
    HD_CLIENT_LOG_INFO,
    HD_CLIENT_LOG_WARN,
    HD_CLIENT_LOG_ERROR,
} hd_client_log_level_t;

/* Receives one line, without a newline; it never holds patient identifiers. */
typedef void (*hd_client_log_fn)(void *ctx, hd_client_log_level_t level, const char *line);

typedef struct {
    const char *endpoint;         /* broker address (HD_CLIENT_ENDPOINT_DEFAULT) */
    const char *agent_id;         /* the id this agent believes it has; "" or NULL = not claimed */
    const char *software_name;    /* Hello.software_name ("huddle-client") */
    const char *software_version; /* Hello.software_version (HD_CLIENT_VERSION) */
    const char *server_key;       /* broker's CURVE public key, Z85 (40 characters); NULL = plain
                                     TCP, which only a broker in development mode accepts */
    const char *secret_key;       /* this agent's CURVE secret key, Z85; needed with server_key */
    int request_timeout_ms;       /* wait for one reply (5000) */
    int publish_retries;          /* further attempts after a timeout, loss or transient Rejected, for
                                     publish, subscribe, unsubscribe and query alike (5) */
    int backoff_min_ms;           /* first reconnect delay (100), doubling with jitter ... */
    int backoff_max_ms;           /* ... up to this (5000) */
    uint32_t max_frame_bytes;     /* largest frame sent or received (256 KiB); the Welcome may lower it */
    int hwm;                      /* ZeroMQ send and receive high-water marks, in frames (100000) */
    int heartbeat_ms;             /* ZeroMQ heartbeat; after 3 unanswered the connection is
                                     dropped and reopened (2000); 0 = none */
    size_t max_held;              /* frames held for hd_client_next / hd_client_recv (100000) */
    size_t max_pipelined;         /* hd_client_send_publish requests awaiting a reply (100000) */
    hd_client_log_fn log;         /* NULL = silent */
    void *log_ctx;
} hd_client_config_t;

/* What the broker said in its Welcome to the current session. */
typedef struct {
    char agent_id[HD_CLIENT_ID_MAX + 1]; /* authenticated agent id */
    Huddle__Role role;
    char org_ods[16];
    char neighbourhood_ids[HD_CLIENT_NEIGHBOURHOODS_MAX][HD_CLIENT_NEIGHBOURHOOD_LEN]; /* those it serves */
    size_t n_neighbourhood_ids;
    char hospital_ods[16];               /* hospital it serves (a discharge hub's); "" = none */
    char broker_version[33];
    uint32_t max_frame_bytes;            /* largest frame the broker accepts */
    uint32_t heartbeat_ms;               /* the client sends a Ping when idle this long; 0 = never */
    uint32_t max_credit;
    uint32_t max_query_limit;
    uint64_t last_seq;                   /* newest seq in the log when the session opened */
    int64_t server_time_ms;
    bool insecure;                       /* the broker runs without CURVE: warn the user */
} hd_welcome_t;

/* A Rejected, with its texts copied (truncated to fit) so nothing needs freeing. */
typedef struct {
    Huddle__RejectCode code;
    bool transient;                      /* retrying the same frame later can succeed */
    uint32_t retry_after_ms;
    char field[HD_CLIENT_FIELD_LEN];     /* dotted path of the field at fault; "" = none */
    char reason[HD_CLIENT_REASON_LEN];
    char message_id[HD_CLIENT_ID_MAX + 1];
    char current_state[HD_CLIENT_ID_MAX + 1];
    char conflicting_id[HD_CLIENT_ID_MAX + 1];
} hd_rejection_t;

typedef struct {
    uint64_t seq;                           /* the event's seq (the original one for a duplicate) */
    bool duplicate;                         /* the broker already held this message_id: nothing stored again */
    int64_t received_at_ms;
    char message_id[HD_CLIENT_ID_MAX + 1];  /* the id sent: the event's own, or the one generated */
    char assigned_id[HD_CLIENT_ID_MAX + 1]; /* referral, session or assessment id created; "" = none */
    unsigned attempts;                      /* frames sent: 1 + retries used */
    hd_rejection_t rejection;               /* filled when the call returns HD_CLIENT_EREJECTED */
} hd_publish_result_t;

typedef struct {
    char name[HD_CLIENT_ID_MAX + 1];
    uint64_t acked_seq;       /* last acknowledged seq, 0 = none */
    uint64_t resume_from_seq; /* delivery restarts with the first matching event after this seq */
    uint64_t acked_counter;   /* the next Deliver carries acked_counter + 1 */
    uint32_t credit;          /* granted; may be less than asked */
    bool created;             /* false = an existing subscription resumed */
} hd_subscribed_t;

/* One event of a subscription. The event and subscription name belong to the delivery
 * until hd_delivery_release. */
typedef struct {
    const char *subscription;
    uint64_t counter;           /* 1, 2, 3 ... per subscription; a gap means a missed event */
    uint64_t seq;               /* event->seq */
    const Huddle__Event *event;
    Huddle__Frame *frame;       /* the frame holding it; release with hd_delivery_release */
} hd_delivery_t;

typedef enum {
    HD_MESSAGE_ACCEPTED,    /* reply to a publish: seq, duplicate */
    HD_MESSAGE_REJECTED,    /* reply to a request: rejection */
    HD_MESSAGE_DELIVER,     /* a subscription's event: seq, frame->deliver */
    HD_MESSAGE_RECONNECTED, /* the session was lost: every pipelined request with a corr up to
                               this message's corr and no reply yet is lost; send it again
                               (same message_id: the broker stores it once) */
    HD_MESSAGE_OTHER,       /* any other reply to a pipelined request */
} hd_message_kind_t;

/* One incoming frame, classified, for the pipelined path. */
typedef struct {
    hd_message_kind_t kind;
    uint64_t corr;             /* the request's corr; 0 for a delivery; RECONNECTED: see above */
    uint64_t seq;              /* ACCEPTED: the event's seq; DELIVER: the delivered event's seq */
    bool duplicate;            /* ACCEPTED */
    hd_rejection_t rejection;  /* REJECTED */
    Huddle__Frame *frame;      /* the whole frame (NULL for RECONNECTED) until hd_message_release */
} hd_message_t;

typedef struct hd_client hd_client_t;

/* Fills every field with its default (above). */
void hd_client_config_defaults(hd_client_config_t *cfg);

/* Connects, sends Hello and waits up to request_timeout_ms for the Welcome, retrying
 * with back-off meanwhile. The configuration's strings are copied. HD_CLIENT_EREJECTED
 * when the broker refuses the agent (the reason goes to the log callback),
 * HD_CLIENT_ETIMEOUT when no broker answered, HD_CLIENT_ECONNECT for an endpoint
 * ZeroMQ cannot use, HD_CLIENT_EINVAL for a bad configuration. *out is NULL on error. */
int hd_client_new(hd_client_t **out, const hd_client_config_t *cfg);

/* Says Bye, closes the connection and frees everything; *self_p = NULL. Safe on NULL. */
void hd_client_destroy(hd_client_t **self_p);

/* The Welcome of the current (or last) session, and shortcuts into it. */
const hd_welcome_t *hd_client_welcome(const hd_client_t *self);
const char *hd_client_agent_id(const hd_client_t *self);
Huddle__Role hd_client_role(const hd_client_t *self);
uint64_t hd_client_last_seq(const hd_client_t *self);

/* The last Rejected a synchronous call returned or gave up on (zeroed when none). */
const hd_rejection_t *hd_client_last_rejection(const hd_client_t *self);

/* Sessions opened so far: 1 after hd_client_new, one more per reconnect. */
unsigned hd_client_sessions(const hd_client_t *self);

/* Writes a fresh message id ("<agent>-<time>-<pid>-<n>", at most HD_CLIENT_ID_MAX bytes)
 * into buf (len > HD_CLIENT_ID_MAX). */
void hd_client_make_message_id(hd_client_t *self, char *buf, size_t len);

/* Publishes ev (borrowed for the call; its broker-stamped fields left empty) and waits
 * for Accepted or Rejected. On a timeout or a lost connection it reconnects and sends
 * the same frame again (same corr, same message_id), up to publish_retries times; a
 * transient Rejected is retried after its retry_after_ms (or the back-off). An event
 * without a message_id gets a generated one, reported in res. Returns HD_CLIENT_OK,
 * HD_CLIENT_EREJECTED (res->rejection says why; also when retries end on a transient
 * one) or HD_CLIENT_ETIMEOUT. res may be NULL. */
int hd_client_publish(hd_client_t *self, const Huddle__Event *ev, hd_publish_result_t *res);

/* Pipelined publish: sends and returns at once with the request's corr in *corr; the
 * reply comes from hd_client_recv. Give every event its own message_id if you may need
 * to send it again after HD_MESSAGE_RECONNECTED (an empty one is generated and only
 * the reply will tell it). HD_CLIENT_EFULL when max_pipelined replies are outstanding.
 * A lost session is reopened first, as hd_client_recv does. */
int hd_client_send_publish(hd_client_t *self, const Huddle__Event *ev, uint64_t *corr);

/* The next incoming frame of any kind, held ones first, waiting up to timeout_ms
 * (negative = no limit, 0 = only what is there) for one. A lost session is reopened
 * first, even with timeout_ms 0: once its back-off is over, Hello, Welcome and the
 * re-subscriptions get up to request_timeout_ms (longer if timeout_ms is), so such a
 * call can return that much later than timeout_ms; a signal still ends it
 * (HD_CLIENT_EINTR). Release *out with hd_message_release. */
int hd_client_recv(hd_client_t *self, int timeout_ms, hd_message_t *out);
void hd_message_release(hd_message_t *msg);

/* Attaches (creating if needed) the durable subscription name with filter (NULL = every
 * event in the agent's scope; borrowed) and credit (0 = broker default); from_start
 * applies only on creation (false = events after the log head). The client remembers it
 * and subscribes again after every reconnect. out may be NULL. */
int hd_client_subscribe(hd_client_t *self, const char *name, const Huddle__Filter *filter, uint32_t credit,
                        bool from_start, hd_subscribed_t *out);

/* The next delivery of any subscription, waiting up to timeout_ms (negative = no
 * limit). A lost connection is reopened and re-subscribed on the way, with the time
 * that takes as in hd_client_recv; redeliveries of seqs already handed over are
 * dropped. HD_CLIENT_ETIMEOUT when none came. Release *out with hd_delivery_release. */
int hd_client_next(hd_client_t *self, int timeout_ms, hd_delivery_t *out);
void hd_delivery_release(hd_delivery_t *d);

/* Acknowledges every delivery of subscription up to and including seq. No reply is
 * awaited; a Rejected ack is logged. For a subscription this client subscribed, an ack
 * that cannot be sent now (disconnected) is remembered and sent when the broker
 * redelivers what it covers; for any other, that is HD_CLIENT_ETIMEOUT. */
int hd_client_ack(hd_client_t *self, const char *subscription, uint64_t seq);

/* Detaches this connection from a subscription (discard = also delete it and its
 * position) and forgets it; held deliveries of it are dropped (they were not acked, so
 * the broker keeps them). */
int hd_client_unsubscribe(hd_client_t *self, const char *name, bool discard);

/* Sends q (borrowed) and waits for its Answer, which the caller owns: free it with
 * hd_client_answer_free. */
int hd_client_query(hd_client_t *self, const Huddle__Query *q, Huddle__Answer **answer);

/* Sends a registry command (ADMIN agents only) and waits for its Answer (result
 * admin), as hd_client_query. A change is retried like a publish: the same command
 * twice is refused CONFLICT the second time. */
int hd_client_admin(hd_client_t *self, const Huddle__Admin *cmd, Huddle__Answer **answer);
void hd_client_answer_free(Huddle__Answer **answer_p);

/* Moves the clock of a broker started in test mode: to now_ms (0 = leave it), then
 * advance_ms forward; timers that fall due fire before the answer. *server_now_ms (may
 * be NULL) is the broker's clock afterwards. A broker not in test mode refuses it
 * (HD_CLIENT_EREJECTED, FORBIDDEN). */
int hd_client_clock_set(hd_client_t *self, int64_t now_ms, int64_t advance_ms, int64_t *server_now_ms);

/* "REJECT_CODE_INVALID" -> "INVALID"; "UNKNOWN" for a value the schema lacks. */
const char *hd_client_reject_name(Huddle__RejectCode code);

/* A short description of a code. */
const char *hd_client_strerror(int code);

#endif
