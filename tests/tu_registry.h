/*
 * tu_registry — a registry for tests: agents with fresh CURVE keypairs, the
 * neighbourhoods and practices they serve, and the broker's own keypair where huddled
 * looks for it (keys/broker.key beside the store), written straight into a store the
 * broker is not running on.
 *
 * Two neighbourhoods are always there: "nb-north" (council E08000026) and "nb-south"
 * (council E08000027), with practices A81001 and A81002 in the north and B82001 in
 * the south.
 */
#ifndef HUDDLE_TU_REGISTRY_H
#define HUDDLE_TU_REGISTRY_H

#include <zmq.h>

#include "registry.h"
#include "store.h"
#include "testutil.h"

typedef struct {
    const char *id;
    Huddle__Role role;
    const char *org;            /* ODS code (GSS code for social care) */
    const char *neighbourhood;  /* coordinators and MDT members; NULL otherwise */
    const char *hospital;       /* hubs and hospital-based assessors; NULL otherwise */
    const char *la;             /* social care; NULL otherwise */
    char pub[41], sec[41];      /* filled by tu_registry_add: the agent's keys, Z85 */
} tu_agent_t;

/* The neighbourhoods, practices and agents, in one committed batch: 0 or -1. */
static inline int tu_registry_add(store_t *store, tu_agent_t *agents, size_t n)
{
    static const struct {
        const char *id, *la;
    } nbh[] = {{"nb-north", "E08000026"}, {"nb-south", "E08000027"}};
    static const struct {
        const char *ods, *nbh;
    } prac[] = {{"A81001", "nb-north"}, {"A81002", "nb-north"}, {"B82001", "nb-south"}};
    store_txn_t *txn = NULL;
    reject_t r;
    int rc = store_batch_begin(store, &txn) == STORE_OK ? 0 : -1;
    for (size_t i = 0; rc == 0 && i < sizeof nbh / sizeof nbh[0]; i++) {
        store_val_t v;
        if (store_get(txn, STORE_NEIGHBOURHOODS, nbh[i].id, strlen(nbh[i].id), &v) == STORE_OK)
            continue;
        Huddle__NeighbourhoodAdd a = HUDDLE__NEIGHBOURHOOD_ADD__INIT;
        a.neighbourhood_id = (char *)nbh[i].id;
        a.name = (char *)nbh[i].id;
        a.local_authority = (char *)nbh[i].la;
        rc = registry_neighbourhood_add(txn, &a, 1, &r);
    }
    for (size_t i = 0; rc == 0 && i < sizeof prac / sizeof prac[0]; i++) {
        Huddle__PracticeAdd a = HUDDLE__PRACTICE_ADD__INIT;
        a.ods = (char *)prac[i].ods;
        a.name = (char *)prac[i].ods;
        a.neighbourhood_id = (char *)prac[i].nbh;
        rc = registry_practice_add(txn, &a, 1, &r);
    }
    for (size_t i = 0; rc == 0 && i < n; i++) {
        tu_agent_t *ag = &agents[i];
        uint8_t raw[32];
        char *nb = (char *)ag->neighbourhood;
        if (zmq_curve_keypair(ag->pub, ag->sec) != 0 || !zmq_z85_decode(raw, ag->pub)) {
            rc = -1;
            break;
        }
        Huddle__AgentAdd a = HUDDLE__AGENT_ADD__INIT;
        a.agent_id = (char *)ag->id;
        a.role = ag->role;
        a.org_ods = (char *)ag->org;
        a.n_neighbourhood_ids = nb ? 1 : 0;
        a.neighbourhood_ids = nb ? &nb : NULL;
        a.hospital_ods = (char *)(ag->hospital ? ag->hospital : "");
        a.local_authority = (char *)(ag->la ? ag->la : "");
        a.display_name = (char *)ag->id;
        a.curve_public_key.data = raw;
        a.curve_public_key.len = sizeof raw;
        rc = registry_agent_add(txn, &a, 1, &r);
        if (rc)
            fprintf(stderr, "tu_registry_add: %s: %s %s\n", ag->id, r.field, r.reason);
    }
    if (rc == 0)
        return store_batch_commit(&txn) == STORE_OK ? 0 : -1;
    store_txn_end(&txn);
    return -1;
}

/* Creates the store dir/store with the registry above, and the broker's keypair in
 * dir/keys (broker.key 0600, as `huddle init` writes it); broker_pub gets the public
 * key. 0 or -1. */
static inline int tu_registry_seed(const char *dir, tu_agent_t *agents, size_t n, char broker_pub[41])
{
    char path[600], sec[41];
    store_config_t sc;
    store_config_defaults(&sc);
    snprintf(path, sizeof path, "%s/store", dir);
    sc.path = path;
    sc.map_initial = 1u << 20;
    store_t *store = NULL;
    if (store_open(&store, &sc, NULL, 0) != STORE_OK)
        return -1;
    int rc = tu_registry_add(store, agents, n);
    store_close(&store);
    snprintf(path, sizeof path, "%s/keys", dir);
    if (rc || (mkdir(path, 0700) != 0 && errno != EEXIST) || zmq_curve_keypair(broker_pub, sec) != 0)
        return -1;
    snprintf(path, sizeof path, "%s/keys/broker.key", dir);
    FILE *fp = NULL;
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd >= 0 && (fp = fdopen(fd, "w")) != NULL) {
        fprintf(fp, "%s\n", sec);
        rc = fclose(fp) == 0 ? 0 : -1;
    } else {
        rc = -1;
        if (fd >= 0)
            close(fd);
    }
    return rc;
}

/* Appends ev to the log of a store the broker is not running on, as a workflow would
 * have written it (seq stamped here), with the patient's timeline index: 0 or -1. */
static inline int tu_seed_events(const char *dir, Huddle__Event **evs, size_t n)
{
    char path[600];
    store_config_t sc;
    store_config_defaults(&sc);
    snprintf(path, sizeof path, "%s/store", dir);
    sc.path = path;
    store_t *store = NULL;
    store_txn_t *txn = NULL;
    if (store_open(&store, &sc, NULL, 0) != STORE_OK || store_batch_begin(store, &txn) != STORE_OK) {
        store_close(&store);
        return -1;
    }
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < n; i++) {
        Huddle__Event *ev = evs[i];
        uint64_t seq = store_next_seq(txn);
        ev->seq = seq;
        uint8_t buf[4096];
        size_t len = huddle__event__get_packed_size(ev), nl = strlen(ev->subject->nhs_number);
        if (len > sizeof buf) {
            rc = -1;
            break;
        }
        huddle__event__pack(ev, buf);
        if (store_append(txn, buf, len, &seq) != STORE_OK ||
            (nl && store_patient_index(txn, ev->subject->nhs_number, seq) != STORE_OK))
            rc = -1;
    }
    if (rc == 0)
        rc = store_batch_commit(&txn) == STORE_OK ? 0 : -1;
    store_txn_end(&txn);
    store_close(&store);
    return rc;
}

#endif
