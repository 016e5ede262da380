/*
 * session — one agent connection as the broker sees it: its ZeroMQ routing id,
 * who it said it is, when it was last heard from, and its bounded queue of frames
 * waiting to be sent.
 *
 * Owns the session table (routing id → session) and each session's out queue.
 * Never touches a socket: the loop drains the queues; never knows a workflow rule.
 */
#ifndef HUDDLE_SESSION_H
#define HUDDLE_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "state.pb-c.h"

#define SESSION_RID_MAX 255
#define SESSION_AGENT_MAX 64

typedef struct session_out session_out_t;

/* A frame queued for a session: one serialized Frame. */
struct session_out {
    session_out_t *next;
    size_t len;
    uint8_t data[];
};

typedef struct session {
    uint64_t id;                         /* broker-local number, for logs */
    uint8_t rid[SESSION_RID_MAX];        /* ZeroMQ routing id */
    size_t rid_len;
    char agent_id[SESSION_AGENT_MAX + 1]; /* "" until Hello */
    /* Who the connection authenticated as (ZAP's User-Id and the key it presented);
     * both "" without CURVE. A frame from the same routing id with another user is
     * another connection (ROUTER_HANDOVER) and gets a new session. */
    char user_id[SESSION_AGENT_MAX + 1];
    char key_z85[41];
    Huddle__AgentRecord *agent;          /* registry record once welcomed; owned */
    bool welcomed;
    bool revoked;                        /* the agent was revoked or its key replaced */
    int64_t last_heard_ms;               /* monotonic */
    int64_t ping_sent_ms;                /* monotonic; 0 when no Ping is outstanding */
    session_out_t *out_head, *out_tail;  /* frames waiting to be sent, in order */
    size_t out_count;
    bool closing;                        /* drop once the queue is flushed */
    struct session *hash_next;
    struct session *prev, *next;         /* all sessions, in creation order */
} session_t;

typedef struct session_table session_table_t;

session_table_t *session_table_new(void);

/* Frees every session and its queue; safe on NULL. */
void session_table_destroy(session_table_t **self_p);

/* The session of this routing id, or NULL. */
session_t *session_find(session_table_t *t, const void *rid, size_t rid_len);

/* The session with this broker-local id, or NULL (O(n); for deferred replies). */
session_t *session_by_id(session_table_t *t, uint64_t id);

/* Creates a session for a new routing id; NULL if rid_len is 0 or too long, or OOM. */
session_t *session_add(session_table_t *t, const void *rid, size_t rid_len, int64_t now_ms);

/* Removes and frees a session and its queue. */
void session_remove(session_table_t *t, session_t *s);

/* A frame buffer of len bytes to fill and queue (or free with free()); NULL on OOM. */
session_out_t *session_out_new(size_t len);

/* Appends a filled frame to the session's queue, which takes ownership of it. */
void session_push_out(session_t *s, session_out_t *o);


/* Drops the first queued frame (after the loop has sent it). */
void session_pop(session_t *s);

size_t session_count(const session_table_t *t);

/* Iteration in creation order: for (s = session_first(t); s; s = s->next). */
session_t *session_first(session_table_t *t);

#endif
