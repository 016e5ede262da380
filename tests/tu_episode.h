/*
 * tu_episode — an episode for the tests that need one before the discharge workflow
 * publishes them: the one place a test makes an episode, so that it can become a real
 * EPISODE_UPDATED publish from a hub later without touching the tests that call it.
 */
#ifndef HUDDLE_TU_EPISODE_H
#define HUDDLE_TU_EPISODE_H

#include <stdio.h>
#include <string.h>

#include "episode.h"
#include "registry.h"
#include "store.h"

/* Writes episode id ("<hospital>:<local id>") of patient nhs in the batch txn as a
 * hub's update would leave it: the hub's current view with this status, the
 * patient's practice and its neighbourhood (and that neighbourhood's council area from
 * the registry) as its scope, with the hospital, and a journey id of its own
 * ("journey-<id>"). 0, or -1. */
static inline int tu_episode_seed(store_txn_t *txn, const char *id, const char *nhs, const char *hospital,
                                  const char *practice, const char *neighbourhood, Huddle__EpisodeStatus status)
{
    const char *colon = strchr(id, ':');
    if (!colon || strncmp(id, hospital, (size_t)(colon - id)) != 0)
        return -1;
    Huddle__NeighbourhoodRecord *nb = NULL;
    if (registry_neighbourhood_get(txn, neighbourhood, &nb) != STORE_OK)
        return -1;
    char journey[64];
    snprintf(journey, sizeof journey, "journey-%s", id);
    Huddle__EpisodeUpdate u = HUDDLE__EPISODE_UPDATE__INIT;
    u.hospital_ods = (char *)hospital;
    u.local_id = (char *)(colon + 1);
    u.nhs_number = (char *)nhs;
    u.ward = (char *)"Ward 7";
    u.admitted_at_ms = INT64_C(1700000000000);
    u.status = status;
    u.registered_practice_ods = (char *)practice;
    Huddle__Scope sc = HUDDLE__SCOPE__INIT;
    sc.practice_ods = (char *)practice;
    sc.neighbourhood_id = (char *)neighbourhood;
    sc.hospital_ods = (char *)hospital;
    sc.local_authority = nb->local_authority;
    Huddle__EpisodeRecord ep = HUDDLE__EPISODE_RECORD__INIT;
    ep.episode_id = (char *)id;
    ep.current = &u;
    ep.hospital_ods = (char *)hospital;
    ep.created_at_ms = u.admitted_at_ms;
    ep.updated_at_ms = u.admitted_at_ms;
    ep.practice_ods = (char *)practice;
    ep.neighbourhood_id = (char *)neighbourhood;
    ep.correlation_id = journey;
    ep.scope = &sc;
    ep.hub_agent = (char *)"hub";
    int rc = episode_put(txn, &ep);
    huddle__neighbourhood_record__free_unpacked(nb, NULL);
    return rc == STORE_OK ? 0 : -1;
}

#endif
