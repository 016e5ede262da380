/*
 * assessment_index — the trusted-assessment workflow's indexes (assessment_internal.h):
 * by provider, by episode and by assessor organisation (owner \0 submit seq), and the
 * open set (assessment_id), whose size is Stats.assessments_open.
 */
#include <string.h>

#include "assessment_internal.h"
#include "store.h"

size_t assessment_index_key(uint8_t key[ASSESSMENT_INDEX_KEY_MAX], const char *owner, uint64_t seq)
{
    size_t n = owner ? strlen(owner) : 0;
    if (n == 0 || n >= EPISODE_ID_MAX)
        return 0;
    memcpy(key, owner, n);
    key[n] = '\0';
    if (seq == 0)
        return n + 1;
    store_key_u64(key + n + 1, seq);
    return n + 9;
}

/* A new submission into the provider, episode and assessor indexes and the open set. */
int assessment_index_submission(store_txn_t *txn, const Huddle__AssessmentRecord *rec)
{
    const char *id = rec->assessment->assessment_id;
    const struct {
        store_table_t t;
        const char *owner;
    } ix[] = {
        {STORE_ASSESSMENT_BY_PROVIDER, rec->assessment->provider_ods},
        {STORE_ASSESSMENT_BY_EPISODE, rec->assessment->episode_id},
        {STORE_ASSESSMENT_BY_ASSESSOR, rec->assessor_ods},
    };
    uint8_t key[ASSESSMENT_INDEX_KEY_MAX];
    for (size_t i = 0; i < sizeof ix / sizeof ix[0]; i++) {
        size_t klen = assessment_index_key(key, ix[i].owner, rec->submit_seq);
        int rc = klen ? store_put(txn, ix[i].t, key, klen, id, strlen(id)) : STORE_EINVAL;
        if (rc != STORE_OK)
            return rc;
    }
    return store_put(txn, STORE_ASSESSMENT_OPEN, id, strlen(id), "", 0);
}

/* An assessment accepted, declined or closed: out of the open set. */
int assessment_index_settled(store_txn_t *txn, const Huddle__AssessmentRecord *rec)
{
    const char *id = rec->assessment->assessment_id;
    int rc = store_del(txn, STORE_ASSESSMENT_OPEN, id, strlen(id));
    return rc == STORE_ENOTFOUND ? STORE_OK : rc;
}

