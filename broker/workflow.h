/*
 * workflow — what the broker accepts, by event kind: one row per kind naming its
 * payload and the function that checks and applies it.
 *
 * Owns the kind table and the rules common to every event (ids, times, the payload
 * matching the kind) and the generic MESSAGE kind. Each care workflow (referral, mdt,
 * assessment, discharge) adds its rows and its module; a workflow function is a pure
 * function of (store transaction, sender, event) to (state changes, derived events, or
 * a rejection): it never touches a socket. It must check everything before it writes
 * anything, so that a rejection leaves the batch as it found it.
 */
#ifndef HUDDLE_WORKFLOW_H
#define HUDDLE_WORKFLOW_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "event.pb-c.h"
#include "frame.pb-c.h"
#include "state.pb-c.h"
#include "store.h"

/* Why a request is refused: becomes a Rejected frame. Never holds patient data. */
typedef struct {
    Huddle__RejectCode code;
    bool transient;
    char field[160];
    char reason[256];
    char current_state[64];
    char conflicting_id[64];
    uint32_t retry_after_ms;
} reject_t;

/* Fills r (fatal unless the code is BUSY, STORE_FULL or SHUTTING_DOWN); returns -1 so
 * that callers can `return reject(...)`. */
int reject(reject_t *r, Huddle__RejectCode code, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Agents' clocks may run ahead of the broker's by this much: an occurred_at, or a
 * time a workflow takes from an agent (an admission, a discharge), later than now by
 * more than this is in the future. */
#define WF_CLOCK_SKEW_MS (5 * 60 * 1000)

/* Assigned ids (referral, session) are at most this long, with the NUL. */
#define WF_ID_MAX 33

typedef struct wf_ctx wf_ctx_t;

/* What the broker lends a workflow to write beyond the state tables: derived events,
 * appended to the log after the event that caused them, and timers. */
typedef struct {
    void *host;
    /* Stamps ev (seq, received_at_ms, derived, cause_seq, sender, correlation_id and a
     * message_id when empty) and appends it; *seq (may be NULL) is its seq. The caller
     * keeps ownership of ev; it may be freed once this returns. */
    int (*emit)(void *host, wf_ctx_t *ctx, Huddle__Event *ev, uint64_t *seq);
    /* Stores a timer (timer_id assigned) and wakes the loop in time for it. */
    int (*schedule)(void *host, Huddle__TimerRecord *t);
} wf_host_t;

/* What a workflow function may use. */
struct wf_ctx {
    store_txn_t *txn;                 /* the batch's write transaction */
    const char *sender;               /* authenticated agent id; "" for a timer */
    const Huddle__AgentRecord *agent; /* its registry record; NULL for a timer */
    int64_t now_ms;                   /* the broker's clock */
    const config_t *cfg;              /* thresholds and defaults of the workflows */
    const wf_host_t *host;            /* NULL: derived events and timers are refused */
    uint64_t cause_seq;               /* the event being applied, or the timer's creator */
    const char *correlation_id;       /* journey id given to derived events */
    char assigned_id[WF_ID_MAX];      /* set by a rule that creates a record: echoed in Accepted */
    /* Set by a check that finds the event would change nothing (an update repeating the
     * state already recorded): the broker appends nothing and answers it as a duplicate
     * of that seq, received then. */
    uint64_t unchanged_seq;
    int64_t unchanged_at_ms;
};

/* What a host's emit does: stamps ev as wf_host_t.emit says, packs it, appends it at
 * the next seq and adds it to its patient's timeline. *bytes (may be NULL) receives the
 * packed event, which the caller then frees; *seq its seq. 0 or a store code. */
int workflow_append_derived(wf_ctx_t *ctx, Huddle__Event *ev, uint8_t **bytes, size_t *len, uint64_t *seq);

/* Derived events and timers from within apply (or a timer's firing): see wf_host_t.
 * wf_schedule fills created_at_ms, created_by_seq and an empty correlation_id. */
int wf_emit(wf_ctx_t *ctx, Huddle__Event *ev, uint64_t *seq);
int wf_schedule(wf_ctx_t *ctx, Huddle__TimerRecord *t);

/* A step of a kind's rules: 0, or -1 with r filled. The event is already stamped with
 * its seq, sender and time. */
typedef int (*wf_apply_fn)(wf_ctx_t *ctx, Huddle__Event *ev, reject_t *r);

/* Publishing runs a kind's steps in this order: check (reads state, never writes:
 * validates the event, completes ev->subject, assigns ids from ev->seq and sets
 * ev->scope, the organisations the event concerns); then the broker holds the sender's
 * relationship to that scope against the access matrix (access.h); then the event is
 * appended to the log; then apply (writes the state changes, emits derived events and
 * sets timers). apply fails only when the store does, and that fails the whole batch. */
typedef struct {
    Huddle__EventKind kind;
    Huddle__Event__PayloadCase payload; /* the one payload this kind carries */
    wf_apply_fn check;                  /* NULL: agents may not publish it (derived only) */
    wf_apply_fn apply;                  /* NULL: the event changes no state beyond the log */
} wf_kind_t;

/* A due timer of a workflow: emits what its firing means (an escalation, a review due)
 * and changes state, or nothing when the state it watched has moved on. ctx->sender is
 * "" and ctx->cause_seq the event that set it. 0, or a store code. */
typedef int (*wf_fire_fn)(wf_ctx_t *ctx, const Huddle__TimerRecord *t);

/* Fires one due timer through its workflow; kinds no workflow claims write TIMER_FIRED.
 * NON_DELIVERY is the broker's own (it reads subscriptions): never passed here. */
int workflow_fire_timer(wf_ctx_t *ctx, const Huddle__TimerRecord *t);

/* A workflow's query (broker_query.c lends it): read the snapshot, hold every record
 * to the asker's scope, then call reply exactly once with the answer, how many entries
 * it holds, and the patients it discloses; the broker writes one QUERY audit record per
 * patient (one with none when it names none) and sends the answer once they commit. */
typedef struct wf_query wf_query_t;
struct wf_query {
    store_txn_t *txn;                 /* a read snapshot */
    const Huddle__AgentRecord *agent; /* the asker */
    const Huddle__Query *q;           /* kind, purpose and limit already checked */
    const config_t *cfg;
    int64_t now_ms;
    uint32_t limit;                   /* entries per page, 1..query_limit_max */
    void *host;
    /* 0, or -1 with r filled (BUSY when the audit records cannot be written). what
     * ("waiting list" ...) and entries make the audit description, "waiting list, 3
     * entries"; no patient identifier. */
    int (*reply)(wf_query_t *wq, Huddle__Answer *ans, size_t entries, const char *const *patients,
                 size_t n_patients, const char *what, reject_t *r);
};

/* Answers one query kind: 0 once reply has been called, or -1 with r filled (a
 * FORBIDDEN refusal is audited DENIED by the broker). */
typedef int (*wf_query_fn)(wf_query_t *wq, reject_t *r);

/* The row for a kind, or NULL when this broker accepts no such kind. */
const wf_kind_t *workflow_kind(int kind);

/* Checks what every published event needs before its kind's rules run: message_id,
 * correlation_id, kind, payload, occurred_at. The field names start at "publish.event". */
int workflow_check_envelope(const Huddle__Event *ev, int64_t now_ms, reject_t *r);

/* Whether a string is an id: 1..max bytes of A-Z a-z 0-9 . _ - (and / if slash). */
bool workflow_is_id(const char *s, size_t max, bool slash);

/* The name of a Rejected code ("INVALID"), for logs. */
const char *workflow_reject_name(Huddle__RejectCode code);

#endif
