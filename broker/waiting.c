/*
 * waiting — see waiting.h.
 *
 * Value layout (WAITING_VALUE_LEN bytes, integers big-endian):
 *   0   u8   layout version (1)
 *   1   u8   tier
 *   2   u8   status
 *   3   u8   length of the practice's ODS code (0-10)
 *   4   u32  base_priority
 *   8   u64  waiting_since_ms (two's complement)
 *   16  u32  times_deferred
 *   20  10   practice ODS code, zero-padded
 * The referral id is the key's second part.
 */
#include "waiting.h"

#include <assert.h>
#include <string.h>

#define WAITING_LAYOUT 1u
#define WAITING_VALUE_LEN 30u
#define WAITING_NBH_MAX 32u
#define WAITING_KEY_MAX (WAITING_NBH_MAX + 1 + WF_ID_MAX)

static void put_u32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static uint32_t get_u32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static bool waiting_status(Huddle__ReferralStatus s)
{
    return s == HUDDLE__REFERRAL_STATUS__REFERRAL_STATUS_SUBMITTED ||
           s == HUDDLE__REFERRAL_STATUS__REFERRAL_STATUS_ACCEPTED ||
           s == HUDDLE__REFERRAL_STATUS__REFERRAL_STATUS_SCHEDULED ||
           s == HUDDLE__REFERRAL_STATUS__REFERRAL_STATUS_DEFERRED;
}

/* neighbourhood \0 referral_id into key; its length, or 0 when either is too long or empty. */
static size_t waiting_key(uint8_t key[WAITING_KEY_MAX], const char *nbh, const char *id)
{
    size_t nl = strlen(nbh), il = strlen(id);
    if (nl == 0 || nl > WAITING_NBH_MAX || il == 0 || il >= WF_ID_MAX)
        return 0;
    memcpy(key, nbh, nl);
    key[nl] = '\0';
    memcpy(key + nl + 1, id, il);
    return nl + 1 + il;
}

int waiting_put(store_txn_t *txn, const Huddle__ReferralRecord *rec)
{
    assert(waiting_status(rec->status));
    uint8_t key[WAITING_KEY_MAX], val[WAITING_VALUE_LEN] = {0};
    size_t klen = waiting_key(key, rec->neighbourhood_id, rec->referral_id);
    size_t pl = strlen(rec->practice_ods);
    if (!klen || pl > ODS_CODE_MAX_LEN)
        return STORE_EINVAL;
    val[0] = WAITING_LAYOUT;
    val[1] = (uint8_t)rec->tier;
    val[2] = (uint8_t)rec->status;
    val[3] = (uint8_t)pl;
    put_u32(val + 4, rec->base_priority);
    store_key_u64(val + 8, (uint64_t)rec->waiting_since_ms);
    put_u32(val + 16, rec->times_deferred);
    memcpy(val + 20, rec->practice_ods, pl);
    return store_put(txn, STORE_WAITING, key, klen, val, sizeof val);
}

int waiting_del(store_txn_t *txn, const char *neighbourhood_id, const char *referral_id)
{
    uint8_t key[WAITING_KEY_MAX];
    size_t klen = waiting_key(key, neighbourhood_id, referral_id);
    if (!klen)
        return STORE_EINVAL;
    int rc = store_del(txn, STORE_WAITING, key, klen);
    return rc == STORE_ENOTFOUND ? STORE_OK : rc;
}

typedef struct {
    size_t prefix;
    waiting_fn fn;
    void *arg;
} scan_t;

static int scan_step(const store_val_t *key, const store_val_t *val, void *ctx)
{
    scan_t *s = ctx;
    const uint8_t *v = val->data;
    size_t il = key->len - s->prefix;
    if (val->len != WAITING_VALUE_LEN || v[0] != WAITING_LAYOUT || il == 0 || il >= WF_ID_MAX ||
        v[3] > ODS_CODE_MAX_LEN)
        return STORE_ECORRUPT;
    waiting_entry_t e;
    memcpy(e.referral_id, (const uint8_t *)key->data + s->prefix, il);
    e.referral_id[il] = '\0';
    e.tier = (Huddle__Tier)v[1];
    e.status = (Huddle__ReferralStatus)v[2];
    e.base_priority = get_u32(v + 4);
    e.waiting_since_ms = (int64_t)store_u64_from_key(v + 8);
    e.times_deferred = get_u32(v + 16);
    memcpy(e.practice_ods, v + 20, v[3]);
    e.practice_ods[v[3]] = '\0';
    return s->fn(&e, s->arg);
}

int waiting_scan(store_txn_t *txn, const char *neighbourhood_id, waiting_fn fn, void *arg)
{
    size_t nl = strlen(neighbourhood_id);
    if (nl == 0 || nl > WAITING_NBH_MAX)
        return STORE_EINVAL;
    uint8_t from[WAITING_NBH_MAX + 1];
    memcpy(from, neighbourhood_id, nl);
    from[nl] = '\0';
    scan_t s = {nl + 1, fn, arg};
    return store_scan(txn, STORE_WAITING, from, nl + 1, nl + 1, scan_step, &s);
}

uint32_t waiting_days(int64_t waiting_since_ms, int64_t now_ms)
{
    if (now_ms <= waiting_since_ms)
        return 0;
    int64_t days = (now_ms - waiting_since_ms) / (24 * 60 * 60 * INT64_C(1000));
    return days > UINT32_MAX ? UINT32_MAX : (uint32_t)days;
}

uint32_t waiting_effective(const config_t *cfg, const waiting_entry_t *e, int64_t now_ms)
{
    uint64_t v = e->base_priority + (uint64_t)cfg->points_per_week_waiting * (waiting_days(e->waiting_since_ms, now_ms) / 7);
    return v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
}
