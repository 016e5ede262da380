/*
 * timer — see timer.h. Key: due_at_ms (u64 BE) then timer_id (u64 BE).
 */
#include "timer.h"

#include <stdlib.h>
#include <string.h>

#include "record.h"

static void timer_key(uint8_t key[16], int64_t due, uint64_t id)
{
    store_key_u64(key, due < 0 ? 0 : (uint64_t)due);
    store_key_u64(key + 8, id);
}

int timer_add(store_txn_t *txn, Huddle__TimerRecord *rec)
{
    int rc = store_next_id(txn, "timer", &rec->timer_id);
    if (rc)
        return rc;
    uint8_t key[16];
    timer_key(key, rec->due_at_ms, rec->timer_id);
    return record_put(txn, STORE_TIMERS, key, sizeof key, &rec->base, true);
}

int timer_cancel(store_txn_t *txn, int64_t due_at_ms, uint64_t timer_id)
{
    uint8_t key[16];
    timer_key(key, due_at_ms, timer_id);
    return store_del(txn, STORE_TIMERS, key, sizeof key);
}

static int first_key(const store_val_t *k, const store_val_t *v, void *ctx)
{
    (void)v;
    *(int64_t *)ctx = k->len == 16 ? (int64_t)store_u64_from_key(k->data) : 0;
    return 1;
}

int64_t timer_next_due(store_txn_t *txn)
{
    int64_t due = TIMER_NONE;
    store_scan(txn, STORE_TIMERS, NULL, 0, 0, first_key, &due);
    return due;
}

typedef struct {
    int64_t now;
    unsigned max;
    uint8_t (*keys)[16];
    unsigned n;
} due_scan_t;

static int collect_due(const store_val_t *k, const store_val_t *v, void *ctx)
{
    (void)v;
    due_scan_t *d = ctx;
    if (k->len != 16 || (int64_t)store_u64_from_key(k->data) > d->now || d->n == d->max)
        return 1;
    memcpy(d->keys[d->n++], k->data, 16);
    return 0;
}

int timer_fire_due(store_txn_t *txn, int64_t now_ms, unsigned max, timer_fire_fn fn, void *ctx)
{
    /* Collect the keys first: firing writes, and writes end a scan's cursor. */
    due_scan_t d = {now_ms, max, calloc(max ? max : 1, 16), 0};
    if (!d.keys)
        return STORE_ENOMEM;
    int rc = store_scan(txn, STORE_TIMERS, NULL, 0, 0, collect_due, &d);
    if (rc < 0)
        goto done;
    for (unsigned i = 0; i < d.n; i++) {
        store_val_t v;
        rc = store_get(txn, STORE_TIMERS, d.keys[i], 16, &v);
        if (rc)
            goto done;
        Huddle__TimerRecord *t = huddle__timer_record__unpack(NULL, v.len, v.data);
        if (!t) {
            rc = STORE_ECORRUPT;
            goto done;
        }
        rc = fn(txn, t, ctx);
        huddle__timer_record__free_unpacked(t, NULL);
        if (rc == 0)
            rc = store_del(txn, STORE_TIMERS, d.keys[i], 16);
        if (rc)
            goto done;
    }
    rc = (int)d.n;
done:
    free(d.keys);
    return rc;
}
