/*
 * audit — see audit.h. One append writes the record and its index entries; one scan
 * walks the main table or an index from the cursor, with a binary search over audit
 * ids standing in for a time index (ids are in at_ms order).
 */
#include "audit.h"

#include <string.h>

#include "record.h"

#define ID_LEN 8 /* an audit id in a key: u64 big-endian */

/* protobuf-c leaves unset strings as "", but a record built by hand may hold NULL. */
static const char *nz(const char *s)
{
    return s ? s : "";
}

int audit_append(store_txn_t *txn, Huddle__AuditRecord *rec)
{
    const char *nhs = nz(rec->nhs_number), *agent = nz(rec->agent_id);
    size_t nlen = strlen(nhs), alen = strlen(agent);
    /* checked before the counter moves, so a refusal leaves the batch as it was */
    if (nlen + ID_LEN > STORE_KEY_MAX || alen + 1 + ID_LEN > STORE_KEY_MAX)
        return STORE_EINVAL;
    uint64_t id;
    int rc = store_next_id(txn, "audit", &id);
    if (rc)
        return rc;
    rec->audit_id = id;
    uint8_t key[STORE_KEY_MAX];
    store_key_u64(key, id);
    rc = record_put(txn, STORE_AUDIT, key, ID_LEN, &rec->base, true);
    if (rc == STORE_EEXIST)
        return STORE_ECORRUPT; /* the counter is behind the table: never overwrite the trail */
    if (rc)
        return rc;
    if (nlen) {
        memcpy(key, nhs, nlen);
        store_key_u64(key + nlen, id);
        if ((rc = store_put(txn, STORE_AUDIT_BY_PATIENT, key, nlen + ID_LEN, "", 0)) != STORE_OK)
            return rc;
    }
    if (alen) {
        memcpy(key, agent, alen);
        key[alen] = '\0'; /* so that "gp1" is not a prefix of "gp10"'s entries */
        store_key_u64(key + alen + 1, id);
        rc = store_put(txn, STORE_AUDIT_BY_AGENT, key, alen + 1 + ID_LEN, "", 0);
    }
    return rc;
}

/* ---- scanning ---------------------------------------------------------------- */

typedef struct {
    store_txn_t *txn;
    const audit_query_t *q;
    size_t prefix_len;  /* index scans: bytes before the id in each key; 0 for the main table */
    audit_fn fn;
    void *ctx;
    uint32_t visited;
    uint64_t last;       /* id of the last record visited */
    uint64_t next_after; /* set when a match beyond the limit was seen */
    int result;          /* the callback's non-zero value, or a negative store code */
} scan_t;

static bool is_set(const char *s)
{
    return s && *s;
}

/* Whether rec is one the index entry that led to it says it is. */
static bool belongs(const audit_query_t *q, const Huddle__AuditRecord *rec)
{
    if (is_set(q->nhs_number))
        return !strcmp(nz(rec->nhs_number), q->nhs_number);
    if (is_set(q->agent_id))
        return !strcmp(nz(rec->agent_id), q->agent_id);
    return true;
}

/* One candidate record, by id: 0 to go on, 1 to stop the scan. */
static int visit(scan_t *s, uint64_t id, const void *data, size_t len)
{
    const audit_query_t *q = s->q;
    Huddle__AuditRecord *rec = huddle__audit_record__unpack(NULL, len, data);
    if (!rec) {
        s->result = STORE_ECORRUPT;
        return 1;
    }
    int stop = 0;
    if (rec->audit_id != id || !belongs(q, rec)) {
        s->result = STORE_ECORRUPT;
        stop = 1;
    } else if (q->to_ms && rec->at_ms >= q->to_ms) {
        stop = 1; /* ids are in at_ms order: nothing later can be inside the range */
    } else if (q->from_ms && rec->at_ms < q->from_ms) {
        stop = 0; /* before the range: only the clock of test mode puts one past the seek */
    } else if (s->visited == q->limit) {
        s->next_after = s->last; /* the peek: one more matches, so there is a next page */
        stop = 1;
    } else {
        s->result = s->fn(rec, s->ctx);
        s->visited++;
        s->last = id;
        stop = s->result != 0;
    }
    huddle__audit_record__free_unpacked(rec, NULL);
    return stop;
}

static int visit_main(const store_val_t *k, const store_val_t *v, void *ctx)
{
    scan_t *s = ctx;
    if (k->len != ID_LEN) {
        s->result = STORE_ECORRUPT;
        return 1;
    }
    return visit(s, store_u64_from_key(k->data), v->data, v->len);
}

static int visit_index(const store_val_t *k, const store_val_t *v, void *ctx)
{
    (void)v;
    scan_t *s = ctx;
    /* A longer key under the same prefix belongs to a longer NHS number: not ours. */
    if (k->len != s->prefix_len + ID_LEN)
        return 0;
    uint64_t id = store_u64_from_key((const uint8_t *)k->data + s->prefix_len);
    uint8_t key[ID_LEN];
    store_key_u64(key, id);
    store_val_t rec;
    int rc = store_get(s->txn, STORE_AUDIT, key, sizeof key, &rec);
    if (rc) {
        s->result = rc == STORE_ENOTFOUND ? STORE_ECORRUPT : rc; /* the index names a missing record */
        return 1;
    }
    return visit(s, id, rec.data, rec.len);
}

/* The first record at or after an id, for the binary search. */
typedef struct {
    bool found;
    uint64_t id;
    int64_t at_ms;
} probe_t;

static int probe_one(const store_val_t *k, const store_val_t *v, void *ctx)
{
    probe_t *p = ctx;
    if (k->len != ID_LEN)
        return STORE_ECORRUPT;
    Huddle__AuditRecord *rec = huddle__audit_record__unpack(NULL, v->len, v->data);
    if (!rec)
        return STORE_ECORRUPT;
    *p = (probe_t){true, store_u64_from_key(k->data), rec->at_ms};
    huddle__audit_record__free_unpacked(rec, NULL);
    return 1;
}

/* The lowest id >= lo of a record with at_ms >= from_ms (or one past the last record)
 * into *start, in O(log n) reads rather than a scan from lo: ids are in at_ms order,
 * and may have gaps. */
static int seek_from(store_txn_t *txn, int64_t from_ms, uint64_t lo, uint64_t *start)
{
    *start = lo;
    store_val_t k;
    int rc = store_last(txn, STORE_AUDIT, &k, NULL);
    if (rc == STORE_ENOTFOUND)
        return STORE_OK;
    if (rc)
        return rc;
    if (k.len != ID_LEN)
        return STORE_ECORRUPT;
    uint64_t last = store_u64_from_key(k.data);
    uint64_t hi = last < UINT64_MAX ? last + 1 : last;
    while (lo < hi) {
        uint64_t mid = lo + (hi - lo) / 2;
        uint8_t key[ID_LEN];
        store_key_u64(key, mid);
        probe_t p = {false, 0, 0};
        rc = store_scan(txn, STORE_AUDIT, key, sizeof key, 0, probe_one, &p);
        if (rc < 0)
            return rc;
        if (!p.found || p.at_ms >= from_ms)
            hi = mid;
        else
            lo = p.id + 1; /* p.id >= mid, so lo moves on */
    }
    *start = lo;
    return STORE_OK;
}

int audit_scan(store_txn_t *txn, const audit_query_t *q, audit_fn fn, void *ctx, uint64_t *next_after)
{
    *next_after = 0;
    if (q->limit == 0 || (is_set(q->nhs_number) && is_set(q->agent_id)))
        return STORE_EINVAL;
    if (q->after == UINT64_MAX || (q->to_ms && q->from_ms >= q->to_ms))
        return STORE_OK; /* nothing can match */
    uint64_t start = q->after + 1;
    int rc = q->from_ms ? seek_from(txn, q->from_ms, start, &start) : STORE_OK;
    if (rc)
        return rc;

    scan_t s = {.txn = txn, .q = q, .fn = fn, .ctx = ctx};
    uint8_t key[STORE_KEY_MAX];
    store_table_t table = STORE_AUDIT;
    if (is_set(q->nhs_number)) {
        table = STORE_AUDIT_BY_PATIENT;
        s.prefix_len = strlen(q->nhs_number);
        if (s.prefix_len + ID_LEN > STORE_KEY_MAX)
            return STORE_OK; /* no such key was ever written */
        memcpy(key, q->nhs_number, s.prefix_len);
    } else if (is_set(q->agent_id)) {
        table = STORE_AUDIT_BY_AGENT;
        size_t alen = strlen(q->agent_id);
        if (alen + 1 + ID_LEN > STORE_KEY_MAX)
            return STORE_OK;
        memcpy(key, q->agent_id, alen);
        key[alen] = '\0';
        s.prefix_len = alen + 1;
    }
    store_key_u64(key + s.prefix_len, start);
    rc = store_scan(txn, table, key, s.prefix_len + ID_LEN, s.prefix_len,
                    table == STORE_AUDIT ? visit_main : visit_index, &s);
    if (s.result)
        return s.result;
    if (rc < 0)
        return rc;
    *next_after = s.next_after;
    return STORE_OK;
}
