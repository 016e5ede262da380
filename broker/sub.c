/*
 * sub — see sub.h. Subscriptions are few (a handful per agent), so the table is a
 * list; the in-flight window is a ring sized to the credit.
 */
#include "sub.h"

#include <stdlib.h>
#include <string.h>

#include "record.h"

/* Largest entry count of each filter list (the bounds documented in state.proto). */
#define FILTER_KINDS_MAX 64
#define FILTER_NHS_MAX 1000
#define FILTER_LIST_MAX 256

struct sub_table {
    sub_t *head;
    unsigned count;
};

sub_table_t *sub_table_new(void)
{
    return calloc(1, sizeof(sub_table_t));
}

static void sub_free(sub_t *s)
{
    if (s->filter)
        huddle__filter__free_unpacked(s->filter, NULL);
    free(s->flight_seq);
    free(s->flight_counter);
    free(s);
}

void sub_table_destroy(sub_table_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    sub_table_t *t = *self_p;
    while (t->head) {
        sub_t *s = t->head;
        t->head = s->next;
        sub_free(s);
    }
    free(t);
    *self_p = NULL;
}

sub_t *sub_find(sub_table_t *t, const char *agent_id, const char *name)
{
    for (sub_t *s = t->head; s; s = s->next)
        if (!strcmp(s->agent_id, agent_id) && !strcmp(s->name, name))
            return s;
    return NULL;
}

sub_t *sub_create(sub_table_t *t, const char *agent_id, const char *name, uint64_t start_after_seq,
                  int64_t now_ms)
{
    if (strlen(agent_id) >= sizeof ((sub_t *)0)->agent_id || strlen(name) > SUB_NAME_MAX)
        return NULL;
    sub_t *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    strcpy(s->agent_id, agent_id);
    strcpy(s->name, name);
    s->acked_seq = start_after_seq;
    s->start_after_seq = start_after_seq;
    s->next_seq = start_after_seq + 1;
    s->created_at_ms = now_ms;
    s->next = t->head;
    t->head = s;
    t->count++;
    return s;
}

void sub_remove(sub_table_t *t, sub_t *s)
{
    for (sub_t **pp = &t->head; *pp; pp = &(*pp)->next) {
        if (*pp == s) {
            *pp = s->next;
            t->count--;
            sub_free(s);
            return;
        }
    }
}

unsigned sub_count_for(const sub_table_t *t, const char *agent_id)
{
    unsigned n = 0;
    for (const sub_t *s = t->head; s; s = s->next)
        n += !strcmp(s->agent_id, agent_id);
    return n;
}

unsigned sub_count(const sub_table_t *t)
{
    return t->count;
}

sub_t *sub_first(sub_table_t *t)
{
    return t->head;
}

/* A deep copy through the wire format: simple, and owned the protobuf-c way. */
static Huddle__Filter *filter_copy(const Huddle__Filter *f)
{
    size_t len = huddle__filter__get_packed_size(f);
    uint8_t *buf = malloc(len ? len : 1);
    if (!buf)
        return NULL;
    huddle__filter__pack(f, buf);
    Huddle__Filter *copy = huddle__filter__unpack(NULL, len, buf);
    free(buf);
    return copy;
}

int sub_set_filter(sub_t *s, const Huddle__Filter *f)
{
    Huddle__Filter *copy = NULL;
    if (f && !(copy = filter_copy(f)))
        return -1;
    if (s->filter)
        huddle__filter__free_unpacked(s->filter, NULL);
    s->filter = copy;
    return 0;
}

int sub_attach(sub_t *s, void *session, uint32_t credit)
{
    if (credit == 0)
        credit = 1;
    if (credit != s->flight_cap) {
        uint64_t *fs = malloc(credit * sizeof *fs), *fc = malloc(credit * sizeof *fc);
        if (!fs || !fc) {
            free(fs);
            free(fc);
            return -1;
        }
        free(s->flight_seq);
        free(s->flight_counter);
        s->flight_seq = fs;
        s->flight_counter = fc;
        s->flight_cap = credit;
    }
    s->credit = credit;
    s->session = session;
    s->next_seq = s->acked_seq + 1;
    s->counter = s->acked_counter;
    s->flight_head = 0;
    s->in_flight = 0;
    return 0;
}

void sub_detach(sub_t *s)
{
    s->session = NULL;
    s->in_flight = 0;
    s->flight_head = 0;
    s->next_seq = s->acked_seq + 1;
    s->counter = s->acked_counter;
}

void sub_delivered(sub_t *s, uint64_t seq)
{
    uint32_t at = (s->flight_head + s->in_flight) % s->flight_cap;
    s->counter++;
    s->flight_seq[at] = seq;
    s->flight_counter[at] = s->counter;
    s->in_flight++;
}

int sub_ack(sub_t *s, uint64_t seq)
{
    if (seq <= s->acked_seq)
        return 0;
    /* the seq must be one in flight: acks name deliveries, not positions in the log */
    uint32_t n = 0;
    bool found = false;
    for (; n < s->in_flight; n++) {
        uint64_t f = s->flight_seq[(s->flight_head + n) % s->flight_cap];
        if (f == seq) {
            found = true;
            break;
        }
        if (f > seq)
            break;
    }
    if (!found)
        return -1;
    uint32_t last = (s->flight_head + n) % s->flight_cap;
    s->acked_seq = seq;
    s->acked_counter = s->flight_counter[last];
    s->flight_head = (last + 1) % s->flight_cap;
    s->in_flight -= n + 1;
    s->persist = true;
    return 0;
}

static bool in_list(char *const *list, size_t n, const char *v)
{
    if (!v || !*v)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!strcmp(list[i], v))
            return true;
    return false;
}

bool sub_matches(const sub_t *s, const Huddle__Event *ev)
{
    const Huddle__Filter *f = s->filter;
    if (!f)
        return true;
    if (f->n_kinds) {
        bool hit = false;
        for (size_t i = 0; i < f->n_kinds && !hit; i++)
            hit = (int)f->kinds[i] == (int)ev->kind;
        if (!hit)
            return false;
    }
    const Huddle__Subject *sj = ev->subject;
    const Huddle__Scope *sc = ev->scope;
    /* each non-empty list must match; an event lacking that dimension does not */
    struct {
        char *const *list;
        size_t n;
        const char *value;
    } dims[] = {
        {f->nhs_numbers, f->n_nhs_numbers, sj ? sj->nhs_number : NULL},
        {f->referral_ids, f->n_referral_ids, sj ? sj->referral_id : NULL},
        {f->session_ids, f->n_session_ids, sj ? sj->session_id : NULL},
        {f->episode_ids, f->n_episode_ids, sj ? sj->episode_id : NULL},
        {f->assessment_ids, f->n_assessment_ids, sj ? sj->assessment_id : NULL},
        {f->neighbourhood_ids, f->n_neighbourhood_ids, sc ? sc->neighbourhood_id : NULL},
        {f->practice_ods, f->n_practice_ods, sc ? sc->practice_ods : NULL},
        {f->hospital_ods, f->n_hospital_ods, sc ? sc->hospital_ods : NULL},
        {f->provider_ods, f->n_provider_ods, sc ? sc->provider_ods : NULL},
        {f->local_authorities, f->n_local_authorities, sc ? sc->local_authority : NULL},
    };
    for (size_t i = 0; i < sizeof dims / sizeof dims[0]; i++)
        if (dims[i].n && !in_list(dims[i].list, dims[i].n, dims[i].value))
            return false;
    if (f->n_topics && ev->kind == HUDDLE__EVENT_KIND__EVENT_KIND_MESSAGE &&
        !in_list(f->topics, f->n_topics, ev->message ? ev->message->topic : NULL))
        return false;
    return true;
}

const char *sub_filter_check(const Huddle__Filter *f)
{
    if (!f)
        return NULL;
    struct {
        size_t n, max;
        const char *name;
    } b[] = {
        {f->n_kinds, FILTER_KINDS_MAX, "subscribe.filter.kinds"},
        {f->n_nhs_numbers, FILTER_NHS_MAX, "subscribe.filter.nhs_numbers"},
        {f->n_neighbourhood_ids, FILTER_KINDS_MAX, "subscribe.filter.neighbourhood_ids"},
        {f->n_practice_ods, FILTER_KINDS_MAX, "subscribe.filter.practice_ods"},
        {f->n_hospital_ods, FILTER_KINDS_MAX, "subscribe.filter.hospital_ods"},
        {f->n_provider_ods, FILTER_KINDS_MAX, "subscribe.filter.provider_ods"},
        {f->n_referral_ids, FILTER_LIST_MAX, "subscribe.filter.referral_ids"},
        {f->n_session_ids, FILTER_KINDS_MAX, "subscribe.filter.session_ids"},
        {f->n_episode_ids, FILTER_LIST_MAX, "subscribe.filter.episode_ids"},
        {f->n_topics, FILTER_KINDS_MAX, "subscribe.filter.topics"},
        {f->n_local_authorities, 16, "subscribe.filter.local_authorities"},
        {f->n_assessment_ids, FILTER_LIST_MAX, "subscribe.filter.assessment_ids"},
    };
    for (size_t i = 0; i < sizeof b / sizeof b[0]; i++)
        if (b[i].n > b[i].max)
            return b[i].name;
    return NULL;
}

/* agent_id \0 name */
static size_t record_key(const sub_t *s, char *key)
{
    size_t a = strlen(s->agent_id), n = strlen(s->name);
    memcpy(key, s->agent_id, a);
    key[a] = '\0';
    memcpy(key + a + 1, s->name, n);
    return a + 1 + n;
}

int sub_persist(store_txn_t *txn, sub_t *s, int64_t now_ms)
{
    Huddle__SubscriptionRecord r = HUDDLE__SUBSCRIPTION_RECORD__INIT;
    r.agent_id = s->agent_id;
    r.name = s->name;
    r.filter = s->filter;
    r.credit = s->credit;
    r.acked_seq = s->acked_seq;
    r.acked_counter = s->acked_counter;
    r.delivered_counter = s->acked_counter;
    r.created_at_ms = s->created_at_ms;
    r.updated_at_ms = now_ms;
    r.start_after_seq = s->start_after_seq;
    char key[sizeof s->agent_id + sizeof s->name];
    int rc = record_put(txn, STORE_SUBSCRIPTIONS, key, record_key(s, key), &r.base, false);
    if (rc == STORE_OK)
        s->persist = false;
    return rc;
}

int sub_delete_record(store_txn_t *txn, const sub_t *s)
{
    char key[sizeof s->agent_id + sizeof s->name];
    int rc = store_del(txn, STORE_SUBSCRIPTIONS, key, record_key(s, key));
    return rc == STORE_ENOTFOUND ? STORE_OK : rc;
}

static int load_one(const store_val_t *k, const store_val_t *v, void *ctx)
{
    (void)k;
    sub_table_t *t = ctx;
    Huddle__SubscriptionRecord *r = huddle__subscription_record__unpack(NULL, v->len, v->data);
    if (!r)
        return STORE_ECORRUPT;
    int rc = STORE_OK;
    sub_t *s = sub_create(t, r->agent_id, r->name, r->acked_seq, r->created_at_ms);
    if (!s || sub_set_filter(s, r->filter) != 0) {
        rc = STORE_ENOMEM;
    } else {
        s->acked_counter = r->acked_counter;
        s->counter = r->acked_counter;
        s->credit = r->credit;
        s->start_after_seq = r->start_after_seq;
    }
    huddle__subscription_record__free_unpacked(r, NULL);
    return rc;
}

int sub_table_load(sub_table_t *t, store_txn_t *txn)
{
    return store_scan(txn, STORE_SUBSCRIPTIONS, NULL, 0, 0, load_one, t);
}
