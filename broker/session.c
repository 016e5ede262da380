/*
 * session — see session.h. A chained hash table over routing ids plus a list in
 * creation order for the periodic sweeps (heartbeats, expiry).
 */
#include "session.h"

#include <stdlib.h>
#include <string.h>

#define BUCKETS 1024u

struct session_table {
    session_t *buckets[BUCKETS];
    session_t *head, *tail;
    size_t count;
    uint64_t next_id;
};

static unsigned bucket_of(const void *rid, size_t len)
{
    const uint8_t *p = rid;
    uint32_t h = 2166136261u; /* FNV-1a */
    for (size_t i = 0; i < len; i++)
        h = (h ^ p[i]) * 16777619u;
    return h % BUCKETS;
}

session_table_t *session_table_new(void)
{
    session_table_t *t = calloc(1, sizeof *t);
    if (t)
        t->next_id = 1;
    return t;
}

static void free_queue(session_t *s)
{
    while (s->out_head)
        session_pop(s);
}

void session_table_destroy(session_table_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    session_table_t *t = *self_p;
    while (t->head)
        session_remove(t, t->head);
    free(t);
    *self_p = NULL;
}

session_t *session_find(session_table_t *t, const void *rid, size_t rid_len)
{
    for (session_t *s = t->buckets[bucket_of(rid, rid_len)]; s; s = s->hash_next)
        if (s->rid_len == rid_len && memcmp(s->rid, rid, rid_len) == 0)
            return s;
    return NULL;
}

session_t *session_by_id(session_table_t *t, uint64_t id)
{
    for (session_t *s = t->head; s; s = s->next)
        if (s->id == id)
            return s;
    return NULL;
}

session_t *session_add(session_table_t *t, const void *rid, size_t rid_len, int64_t now_ms)
{
    if (rid_len == 0 || rid_len > SESSION_RID_MAX)
        return NULL;
    session_t *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->id = t->next_id++;
    memcpy(s->rid, rid, rid_len);
    s->rid_len = rid_len;
    s->last_heard_ms = now_ms;
    unsigned b = bucket_of(rid, rid_len);
    s->hash_next = t->buckets[b];
    t->buckets[b] = s;
    s->prev = t->tail;
    if (t->tail)
        t->tail->next = s;
    else
        t->head = s;
    t->tail = s;
    t->count++;
    return s;
}

void session_remove(session_table_t *t, session_t *s)
{
    session_t **pp = &t->buckets[bucket_of(s->rid, s->rid_len)];
    while (*pp && *pp != s)
        pp = &(*pp)->hash_next;
    if (*pp)
        *pp = s->hash_next;
    if (s->prev)
        s->prev->next = s->next;
    else
        t->head = s->next;
    if (s->next)
        s->next->prev = s->prev;
    else
        t->tail = s->prev;
    t->count--;
    free_queue(s);
    if (s->agent)
        huddle__agent_record__free_unpacked(s->agent, NULL);
    free(s);
}

session_out_t *session_out_new(size_t len)
{
    session_out_t *o = malloc(sizeof *o + len);
    if (o) {
        o->next = NULL;
        o->len = len;
    }
    return o;
}

void session_push_out(session_t *s, session_out_t *o)
{
    o->next = NULL;
    if (s->out_tail)
        s->out_tail->next = o;
    else
        s->out_head = o;
    s->out_tail = o;
    s->out_count++;
}

void session_pop(session_t *s)
{
    session_out_t *o = s->out_head;
    if (!o)
        return;
    s->out_head = o->next;
    if (!s->out_head)
        s->out_tail = NULL;
    s->out_count--;
    free(o);
}

size_t session_count(const session_table_t *t)
{
    return t->count;
}

session_t *session_first(session_table_t *t)
{
    return t->head;
}
