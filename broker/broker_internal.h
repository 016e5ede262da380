/*
 * broker_internal — what the files of the broker's core share: the broker's state
 * and the staging, batch and event-cache helpers (broker.c), the subscription
 * handlers and delivery (broker_subs.c), and timer firing (broker_timers.c).
 * Nothing outside broker/broker*.c includes it.
 */
#ifndef HUDDLE_BROKER_INTERNAL_H
#define HUDDLE_BROKER_INTERNAL_H

#include "broker.h"
#include "sub.h"
#include "workflow.h"

/* Recent events kept decoded for delivery; a power of two. */
#define EVCACHE_SIZE 16384u
/* Sessions are swept for heartbeats and expiry this often. */
#define SWEEP_MS 1000
/* Without CURVE the log says so this often (and at start). */
#define INSECURE_WARN_MS 60000

/* Counters since start, reported by the STATS query. */
typedef struct {
    uint64_t batches, accepted, duplicates, rejected, deliveries, acks, queries, timers_fired, commit_failures;
    uint32_t max_batch;
} broker_counters_t;

/* A reply held until its batch commits. */
typedef struct {
    uint64_t session_id;
    uint64_t corr;
    bool needs_commit;        /* a reply about this batch: Rejected if the commit fails */
    bool delivery;            /* a Deliver whose audit record is in the batch: dropped if it fails */
    char message_id[65];
    session_out_t *out;       /* the serialized reply */
} staged_t;

/* An event of the batch, then of the cache. */
typedef struct {
    uint64_t seq;
    Huddle__Frame *frame;     /* owner of event when it came in a Publish */
    Huddle__Event *own;       /* owner of event otherwise */
    const Huddle__Event *event;
    uint8_t *bytes;           /* the event as stored */
    size_t len;
} cached_t;

struct broker {
    const config_t *cfg;
    store_t *store;
    session_table_t *sessions;
    sub_table_t *subs;
    store_txn_t *batch;
    unsigned batch_frames;
    staged_t *staged;
    size_t n_staged, cap_staged;
    cached_t *pending;        /* events of the open batch, cached once committed */
    size_t n_pending, cap_pending;
    cached_t cache[EVCACHE_SIZE];
    uint64_t last_seq;        /* committed */
    int64_t next_due;         /* first pending timer */
    bool recompute_due;
    bool manual_clock;
    int64_t manual_ms;
    bool shutting_down;
    int64_t started_ms, last_sweep, last_reader_check;
    bool store_full;
    bool registry_changed;    /* an agent was revoked or its key replaced in the open batch */
    bool batch_failed;        /* a write of the open batch failed half-way: it is aborted, not committed */
    wf_host_t host;           /* what workflows are lent (broker_derived.c) */
    int64_t last_insecure_warn;
    broker_counters_t c;
};

#define R_INVALID HUDDLE__REJECT_CODE__REJECT_CODE_INVALID

/* broker.c */
/* Serializes f and holds it for session s until the batch commits (needs_commit: a
 * reply about the batch, turned into a Rejected if the commit fails). */
void broker_stage(broker_t *b, const session_t *s, Huddle__Frame *f, bool needs_commit, const char *msgid);
void broker_stage_reject(broker_t *b, const session_t *s, uint64_t corr, const reject_t *r, const char *msgid);
/* Holds a serialized Deliver until the batch holding its audit record commits. */
void broker_stage_delivery(broker_t *b, const session_t *s, session_out_t *out);
/* Writes rec into the open batch for session s's agent (agent, organisation, role and
 * time filled here): STORE_OK or a store code. */
int broker_audit(broker_t *b, const session_t *s, Huddle__AuditRecord *rec);
/* Stages a FORBIDDEN refusal and writes its DENIED audit record: what was refused
 * (no patient identifier) and, for a query, its kind. */
void broker_stage_denied(broker_t *b, const session_t *s, uint64_t corr, const reject_t *r, const char *msgid,
                         Huddle__QueryKind qk, const char *what);
/* The open batch's transaction for one frame of session s, counted against the batch
 * bound; NULL, with BUSY staged for corr, if the store refuses. */
store_txn_t *broker_batch_for(broker_t *b, const session_t *s, uint64_t corr, const char *msgid);
/* The open batch's transaction, beginning one if needed; NULL if the store refuses. */
store_txn_t *broker_batch(broker_t *b);
/* An event appended in the open batch: cached once the batch commits. */
int broker_pending_add(broker_t *b, const cached_t *e);
void broker_pending_settle(broker_t *b, bool committed);
/* The cached event with this seq, or NULL. */
const cached_t *broker_cache_get(const broker_t *b, uint64_t seq);

/* Queues f for session s now, outside any batch (Pings, Byes). */
void broker_push_now(broker_t *b, session_t *s, Huddle__Frame *f);

/* broker_identity.c */
void broker_on_hello(broker_t *b, session_t *s, const Huddle__Frame *f);
/* After a committed revocation or key rotation: every session is held against the
 * registry again; a session whose agent lost its key is told and refused from then on. */
void broker_recheck_sessions(broker_t *b);

/* broker_query.c */
void broker_on_query(broker_t *b, session_t *s, const Huddle__Frame *f);

/* broker_admin.c */
void broker_on_admin(broker_t *b, session_t *s, const Huddle__Frame *f);

/* broker_subs.c */
void broker_on_subscribe(broker_t *b, session_t *s, const Huddle__Frame *f);
void broker_on_unsubscribe(broker_t *b, session_t *s, const Huddle__Frame *f);
void broker_on_ack(broker_t *b, session_t *s, const Huddle__Frame *f);

/* broker_derived.c */
/* A workflow context for a frame of session s (NULL: a timer) in the batch txn. */
void broker_wf_ctx(broker_t *b, wf_ctx_t *ctx, store_txn_t *txn, const session_t *s);

/* broker_timers.c */
/* Fires every timer due by the broker's clock, committing after each bounded batch. */
void broker_fire_timers(broker_t *b);

#endif
