/*
 * tu_episode_pub — hospital episodes for tests.
 *
 * First part, usable by any test whatever its transport (in process, hd_client, an
 * end-to-end run): building a discharge hub's EpisodeUpdate as a plain event, moving it
 * on (ready, discharged), and the placement and follow-up reports that follow a
 * discharge. Every builder fills a struct the caller owns; the event points into it and
 * lives as long as it does; message_id is left for the publisher.
 *
 * Second part, only when tu_mdt.h is included first (the broker's core in process,
 * tu_inproc.h): the agents of two hospitals and two neighbourhoods, publishing an
 * episode's steps, restarting the broker, and reading back the episode, its indexes and
 * its timers.
 */
#ifndef HUDDLE_TU_EPISODE_PUB_H
#define HUDDLE_TU_EPISODE_PUB_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "event.pb-c.h"

#define TU_EP_REASONS 16

typedef struct {
    Huddle__Event ev;
    Huddle__EpisodeUpdate u;
    char *reasons[TU_EP_REASONS];
    char reason_buf[96];
    char nhs[11];
} tu_episode_t;

/* A patient admitted at admitted_ms to ward "Ward 7" of hospital (its spell local_id),
 * still meeting criterion to reside 06 (NOT_READY), registered with practice ("" = not
 * known). */
static inline Huddle__Event *tu_episode(tu_episode_t *t, const char *hospital, const char *local_id, const char *nhs,
                                        const char *practice, int64_t admitted_ms)
{
    t->ev = (Huddle__Event)HUDDLE__EVENT__INIT;
    t->u = (Huddle__EpisodeUpdate)HUDDLE__EPISODE_UPDATE__INIT;
    snprintf(t->nhs, sizeof t->nhs, "%s", nhs);
    t->ev.kind = HUDDLE__EVENT_KIND__EVENT_KIND_EPISODE_UPDATED;
    t->ev.payload_case = HUDDLE__EVENT__PAYLOAD_EPISODE_UPDATE;
    t->ev.episode_update = &t->u;
    t->u.hospital_ods = (char *)hospital;
    t->u.local_id = (char *)local_id;
    t->u.nhs_number = t->nhs;
    t->u.ward = (char *)"Ward 7";
    t->u.admitted_at_ms = admitted_ms;
    t->u.criteria_to_reside = (char *)"06";
    t->u.status = HUDDLE__EPISODE_STATUS__EPISODE_STATUS_NOT_READY;
    t->u.registered_practice_ods = (char *)practice;
    return &t->ev;
}

/* The delay reasons of a comma-separated list ("D1,A"; "" = none). */
static inline void tu_episode_reasons(tu_episode_t *t, const char *list)
{
    snprintf(t->reason_buf, sizeof t->reason_buf, "%s", list);
    t->u.n_delay_reasons = 0;
    for (char *p = t->reason_buf; *p && t->u.n_delay_reasons < TU_EP_REASONS;) {
        t->reasons[t->u.n_delay_reasons++] = p;
        p += strcspn(p, ",");
        if (*p)
            *p++ = '\0';
    }
    t->u.delay_reasons = t->reasons;
}

/* Ready for discharge since date (no criterion), awaiting status, on pathway, delayed
 * for reasons (a list as tu_episode_reasons). */
static inline Huddle__Event *tu_episode_ready(tu_episode_t *t, const char *date, Huddle__EpisodeStatus status,
                                              Huddle__Pathway pathway, const char *reasons)
{
    t->u.criteria_to_reside = (char *)"";
    t->u.discharge_ready_date = (char *)date;
    t->u.status = status;
    t->u.pathway = pathway;
    tu_episode_reasons(t, reasons);
    return &t->ev;
}

/* Discharged at at_ms on pathway: no delay reasons left. */
static inline Huddle__Event *tu_episode_discharged(tu_episode_t *t, int64_t at_ms, Huddle__Pathway pathway)
{
    t->u.status = HUDDLE__EPISODE_STATUS__EPISODE_STATUS_DISCHARGED;
    t->u.discharged_at_ms = at_ms;
    t->u.pathway = pathway;
    t->u.n_delay_reasons = 0;
    return &t->ev;
}

typedef struct {
    Huddle__Event ev;
    Huddle__PlacementReport p;
} tu_placement_t;

/* A placement review (ended false: ended_date "" and destination UNSPECIFIED) or end. */
static inline Huddle__Event *tu_placement(tu_placement_t *t, const char *episode_id, bool ended,
                                          const char *ended_date, Huddle__PlacementDestination destination)
{
    t->ev = (Huddle__Event)HUDDLE__EVENT__INIT;
    t->p = (Huddle__PlacementReport)HUDDLE__PLACEMENT_REPORT__INIT;
    t->ev.kind = HUDDLE__EVENT_KIND__EVENT_KIND_PLACEMENT_REPORTED;
    t->ev.payload_case = HUDDLE__EVENT__PAYLOAD_PLACEMENT_REPORT;
    t->ev.placement_report = &t->p;
    t->p.episode_id = (char *)episode_id;
    t->p.placement_ended = ended;
    t->p.ended_date = (char *)ended_date;
    t->p.destination = destination;
    t->p.outcome = (char *)(ended ? "Home with a package of care" : "Progressing with therapy");
    return &t->ev;
}

typedef struct {
    Huddle__Event ev;
    Huddle__FollowUpReport f;
} tu_follow_up_t;

static inline Huddle__Event *tu_follow_up(tu_follow_up_t *t, const char *episode_id, Huddle__FollowUpResult result,
                                          Huddle__FollowUpWhere where, const char *date)
{
    t->ev = (Huddle__Event)HUDDLE__EVENT__INIT;
    t->f = (Huddle__FollowUpReport)HUDDLE__FOLLOW_UP_REPORT__INIT;
    t->ev.kind = HUDDLE__EVENT_KIND__EVENT_KIND_FOLLOW_UP_REPORTED;
    t->ev.payload_case = HUDDLE__EVENT__PAYLOAD_FOLLOW_UP_REPORT;
    t->ev.follow_up_report = &t->f;
    t->f.episode_id = (char *)episode_id;
    t->f.result = result;
    t->f.where = where;
    t->f.follow_up_date = (char *)date;
    t->f.notes = (char *)"Phoned the patient";
    return &t->ev;
}

/* ---- in process (tu_mdt.h first) ---------------------------------------------------- */
#ifdef HUDDLE_TU_MDT_H

#include "episode.h"
#include "timer.h"

#define EP_ST(name) HUDDLE__EPISODE_STATUS__EPISODE_STATUS_##name
#define EP_PW(n) HUDDLE__PATHWAY__PATHWAY_##n
#define HOUR_MS (60 * MIN_MS)

/* Two hospitals' hubs, the practices and teams of nb-north (council E08000026) and
 * nb-south (E08000027), social care of each council, two care providers and an admin. */
static tu_agent_t ep_agents[] = {
    {.id = "hub-rxh", .role = HUDDLE__ROLE__ROLE_DISCHARGE_HUB, .org = "RXH", .hospital = "RXH"},
    {.id = "hub-ryy", .role = HUDDLE__ROLE__ROLE_DISCHARGE_HUB, .org = "RYY", .hospital = "RYY"},
    {.id = "gp-a1", .role = HUDDLE__ROLE__ROLE_GP_PRACTICE, .org = "A81001"},
    {.id = "gp-a2", .role = HUDDLE__ROLE__ROLE_GP_PRACTICE, .org = "A81002"},
    {.id = "gp-b", .role = HUDDLE__ROLE__ROLE_GP_PRACTICE, .org = "B82001"},
    {.id = "coord-n", .role = HUDDLE__ROLE__ROLE_INT_COORDINATOR, .org = "INT01", .neighbourhood = "nb-north"},
    {.id = "coord-s", .role = HUDDLE__ROLE__ROLE_INT_COORDINATOR, .org = "INT02", .neighbourhood = "nb-south"},
    {.id = "mdt-n", .role = HUDDLE__ROLE__ROLE_MDT_MEMBER, .org = "RY101", .neighbourhood = "nb-north"},
    {.id = "sc-n", .role = HUDDLE__ROLE__ROLE_SOCIAL_CARE, .org = "E08000026", .la = "E08000026"},
    {.id = "sc-s", .role = HUDDLE__ROLE__ROLE_SOCIAL_CARE, .org = "E08000027", .la = "E08000027"},
    {.id = "cp-home", .role = HUDDLE__ROLE__ROLE_CARE_PROVIDER, .org = "VHOME1"},
    {.id = "cp-other", .role = HUDDLE__ROLE__ROLE_CARE_PROVIDER, .org = "VCARE2"},
    {.id = "ops", .role = HUDDLE__ROLE__ROLE_ADMIN, .org = "X26"},
};

#define N_EP_AGENTS (sizeof ep_agents / sizeof ep_agents[0])

/* The broker with ep_agents, every one connected, the clock at T0. */
static inline int tu_ep_setup(void **state)
{
    *state = fx_new_connected(ep_agents, N_EP_AGENTS, "hub-rxh", T0);
    return 0;
}

/* Stops the broker and starts it again on the same store (and f->cfg), at now_ms. */
static inline void tu_ep_restart(fx_t *f, int64_t now_ms)
{
    stop(f);
    start(f);
    fx_hello_all(f);
    fx_clock(f, "hub-rxh", now_ms, 0);
}

/* The episode's record (the caller frees it), or NULL. */
static inline Huddle__EpisodeRecord *tu_ep_record(fx_t *f, const char *id)
{
    store_txn_t *r;
    Huddle__EpisodeRecord *rec = NULL;
    assert_int_equal(store_read_begin(f->store, &r), STORE_OK);
    int rc = episode_get(r, id, &rec);
    store_txn_end(&r);
    assert_true(rc == STORE_OK || rc == STORE_ENOTFOUND);
    return rec;
}

/* What an accepted assessment does to an episode (assessment.c): its scope's provider
 * and its open assessment, written through episode_put in a batch of the test's own. */
static inline void tu_ep_set_provider(fx_t *f, const char *id, const char *provider, const char *assessment)
{
    broker_commit(f->b);
    store_txn_t *w;
    Huddle__EpisodeRecord *rec = NULL;
    assert_int_equal(store_batch_begin(f->store, &w), STORE_OK);
    assert_int_equal(episode_get(w, id, &rec), STORE_OK);
    char **fields[2] = {&rec->scope->provider_ods, &rec->open_assessment_id};
    const char *values[2] = {provider, assessment};
    for (size_t i = 0; i < 2; i++) {
        if (*fields[i] != protobuf_c_empty_string)
            free(*fields[i]);
        *fields[i] = strdup(values[i]);
    }
    assert_int_equal(episode_put(w, rec), STORE_OK);
    huddle__episode_record__free_unpacked(rec, NULL);
    assert_int_equal(store_batch_commit(&w), STORE_OK);
}

/* Whether the open index (STORE_EPISODE_OPEN or _OPEN_AREA) holds name \0 id. */
static inline bool tu_ep_open_has(fx_t *f, store_table_t table, const char *name, const char *id)
{
    uint8_t key[128];
    size_t nl = strlen(name), il = strlen(id);
    memcpy(key, name, nl);
    key[nl] = '\0';
    memcpy(key + nl + 1, id, il);
    store_txn_t *r;
    store_val_t v;
    assert_int_equal(store_read_begin(f->store, &r), STORE_OK);
    int rc = store_get(r, table, key, nl + 1 + il, &v);
    store_txn_end(&r);
    return rc == STORE_OK;
}

typedef struct {
    const char *id;
    episode_discharge_t d;
    unsigned n;
} tu_ep_find_t;

static inline int tu_ep_find_step(const episode_discharge_t *d, void *arg)
{
    tu_ep_find_t *q = arg;
    if (!strcmp(d->episode_id, q->id)) {
        q->d = *d;
        q->n++;
    }
    return 0;
}

/* How many discharge index entries of the hospital (by_hospital) or neighbourhood
 * name episode id; the last one into *out (may be NULL). */
static inline unsigned tu_ep_discharges(fx_t *f, bool by_hospital, const char *name, const char *id,
                                        episode_discharge_t *out)
{
    tu_ep_find_t q = {id, {{0}, 0, 0, false, 0}, 0};
    store_txn_t *r;
    assert_int_equal(store_read_begin(f->store, &r), STORE_OK);
    assert_int_equal(episode_discharge_scan(r, by_hospital, name, tu_ep_find_step, &q), 0);
    store_txn_end(&r);
    if (out)
        *out = q.d;
    return q.n;
}

typedef struct {
    const char *id;
    int kind;
    unsigned n;
} tu_ep_timers_t;

static inline int tu_ep_timer_step(const store_val_t *key, const store_val_t *val, void *arg)
{
    (void)key;
    tu_ep_timers_t *q = arg;
    Huddle__TimerRecord *t = huddle__timer_record__unpack(NULL, val->len, val->data);
    assert_non_null(t);
    if ((int)t->kind == q->kind && t->subject && !strcmp(t->subject->episode_id, q->id))
        q->n++;
    huddle__timer_record__free_unpacked(t, NULL);
    return 0;
}

/* Timers of kind pending for episode id. */
static inline unsigned tu_ep_timers(fx_t *f, const char *id, int kind)
{
    tu_ep_timers_t q = {id, kind, 0};
    store_txn_t *r;
    assert_int_equal(store_read_begin(f->store, &r), STORE_OK);
    assert_true(store_scan(r, STORE_TIMERS, NULL, 0, 0, tu_ep_timer_step, &q) >= 0);
    store_txn_end(&r);
    return q.n;
}

/* Events of kind (and timer or escalation kind, 0 = any) about episode id after seq. */
static inline unsigned tu_ep_count(fx_t *f, int kind, int timer_kind, const char *id, uint64_t after)
{
    unsigned n = 0;
    for (uint64_t seq = after + 1, last = tu_last_seq(f); seq <= last; seq++) {
        Huddle__Event *ev = event_at(f, seq);
        int tk = ev->payload_case == HUDDLE__EVENT__PAYLOAD_TIMER_FIRED ? (int)ev->timer_fired->kind
                 : ev->payload_case == HUDDLE__EVENT__PAYLOAD_ESCALATION ? (int)ev->escalation->timer_kind
                                                                          : 0;
        n += (int)ev->kind == kind && (!timer_kind || tk == timer_kind) && ev->subject &&
             !strcmp(ev->subject->episode_id, id);
        huddle__event__free_unpacked(ev, NULL);
    }
    return n;
}

/* Takes every delivery queued for rid and counts them by event kind into counts
 * (EVENT_KIND values below 128). */
static inline void tu_ep_delivered(fx_t *f, const char *rid, unsigned counts[128])
{
    memset(counts, 0, 128 * sizeof counts[0]);
    /* deliveries with patient data wait for the commit of their audit records */
    for (size_t before = SIZE_MAX; before != queued(f, rid);) {
        before = queued(f, rid);
        broker_commit(f->b);
    }
    for (Huddle__Frame *d; (d = take(f, rid)) != NULL;) {
        assert_int_equal(d->body_case, HUDDLE__FRAME__BODY_DELIVER);
        if ((unsigned)d->deliver->event->kind < 128)
            counts[d->deliver->event->kind]++;
        codec_frame_free(&d);
    }
}

/* An episode of hospital (hub hub) admitted at admitted_ms, published NOT_READY: the
 * update's seq. t stays for the episode's next steps. */
static inline uint64_t tu_ep_admit(fx_t *f, tu_episode_t *t, const char *hub, const char *hospital,
                                   const char *local_id, unsigned patient, const char *practice, int64_t admitted_ms)
{
    char nhs[11];
    return tu_ok(f, hub, tu_episode(t, hospital, local_id, tu_nhs(patient, nhs), practice, admitted_ms), NULL);
}

#endif /* HUDDLE_TU_MDT_H */

#endif
