/*
 * episode — see episode.h.
 */
#include "episode.h"

#include <string.h>

#include "hd_time.h"
#include "record.h"

int episode_get(store_txn_t *txn, const char *episode_id, Huddle__EpisodeRecord **out)
{
    *out = NULL;
    size_t n = episode_id ? strlen(episode_id) : 0;
    if (n == 0 || n >= EPISODE_ID_MAX)
        return STORE_ENOTFOUND;
    store_val_t v;
    int rc = store_get(txn, STORE_EPISODES, episode_id, n, &v);
    if (rc != STORE_OK)
        return rc;
    *out = huddle__episode_record__unpack(NULL, v.len, v.data);
    return *out ? STORE_OK : STORE_ECORRUPT;
}

int episode_put(store_txn_t *txn, const Huddle__EpisodeRecord *rec)
{
    return record_put(txn, STORE_EPISODES, rec->episode_id, strlen(rec->episode_id), &rec->base, false);
}

uint32_t episode_days_delayed(const Huddle__EpisodeRecord *rec, int64_t now_ms)
{
    const Huddle__EpisodeUpdate *u = rec->current;
    int32_t ready;
    if (!u || !u->discharge_ready_date || hd_date_parse(u->discharge_ready_date, strlen(u->discharge_ready_date), &ready))
        return 0;
    int64_t until = u->discharged_at_ms ? u->discharged_at_ms : now_ms;
    int32_t days = hd_date_from_ms(until) - ready;
    return days > 0 ? (uint32_t)days : 0;
}
