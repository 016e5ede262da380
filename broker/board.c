/*
 * board — see board.h. Reads the open episodes of the hospital or neighbourhood from
 * their index and then each one's record (the totals are over all of them, whatever the
 * page), and the discharge index alone for the pathway outcomes. Names the patients of
 * the page's entries to the broker, which audits each.
 *
 * Decisions:
 * - A hub reads its own hospital's board; a coordinator or MDT member the board of a
 *   neighbourhood it serves (its patients, in any hospital); adult social care that of a
 *   neighbourhood of its council. Anything else is FORBIDDEN, and audited as a denial.
 * - pathway1_followed_up counts every recorded 91-day result, NOT_KNOWN included, so
 *   that the at-home share is never raised by leaving out those nobody could reach.
 * - pathway2_over_42d counts every pathway 2 placement still not ended the configured
 *   six weeks after discharge, whenever the discharge was: it is a list of work
 *   outstanding, not a rate over the query's period.
 * - Entries are paged by offset (Query.after) like the waiting list.
 */
#include "board.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "episode.h"
#include "hd_time.h"
#include "ods.h"
#include "registry.h"

#define INVALID HUDDLE__REJECT_CODE__REJECT_CODE_INVALID
#define FORBIDDEN HUDDLE__REJECT_CODE__REJECT_CODE_FORBIDDEN

#define NBH_MAX 32
#define STATUS_SLOTS (HUDDLE__EPISODE_STATUS__EPISODE_STATUS_DISCHARGED + 1)
#define PATHWAY_SLOTS (HUDDLE__PATHWAY__PATHWAY_3 + 1)
#define REASON_SLOTS (2 * CONFIG_CODES_COUNT)
#define REASON_LEN 16

static bool filled(const char *s)
{
    return s && *s;
}

static int busy(reject_t *r)
{
    reject(r, HUDDLE__REJECT_CODE__REJECT_CODE_BUSY, "", "the discharge board cannot be read now; retry");
    r->retry_after_ms = 1000;
    return -1;
}

/* ---- whose board ------------------------------------------------------------------- */

static bool serves(const Huddle__AgentRecord *a, const char *nbh)
{
    for (size_t i = 0; i < a->n_neighbourhood_ids; i++)
        if (!strcmp(a->neighbourhood_ids[i], nbh))
            return true;
    return false;
}

/* Exactly one of hospital_ods and neighbourhood_id, and one the asker relates to: 0
 * with *by_hospital and *key, or -1 with r filled. */
static int board_scope(wf_query_t *wq, bool *by_hospital, const char **key, reject_t *r)
{
    const Huddle__Query *q = wq->q;
    const Huddle__AgentRecord *a = wq->agent;
    bool h = filled(q->hospital_ods), n = filled(q->neighbourhood_id);
    if (h && n)
        return reject(r, INVALID, "query.neighbourhood_id", "ask for a hospital's board or a neighbourhood's, not both");
    if (!h && !n)
        return reject(r, INVALID, "query.hospital_ods", "required: hospital_ods or neighbourhood_id");
    if (h && ods_code_check(q->hospital_ods, strlen(q->hospital_ods)) != ODS_OK)
        return reject(r, INVALID, "query.hospital_ods", "an ODS code, 3 to 10 of A-Z and 0-9");
    if (n && !workflow_is_id(q->neighbourhood_id, NBH_MAX, false))
        return reject(r, INVALID, "query.neighbourhood_id", "a neighbourhood id, 1 to %d of A-Z a-z 0-9 . _ -",
                      NBH_MAX);
    *by_hospital = h;
    *key = h ? q->hospital_ods : q->neighbourhood_id;
    switch (a->role) {
    case HUDDLE__ROLE__ROLE_DISCHARGE_HUB:
        if (!h)
            return reject(r, FORBIDDEN, "query.neighbourhood_id", "a discharge hub reads its own hospital's board");
        if (strcmp(q->hospital_ods, a->hospital_ods) != 0)
            return reject(r, FORBIDDEN, "query.hospital_ods", "a discharge hub reads its own hospital's board only");
        return 0;
    case HUDDLE__ROLE__ROLE_INT_COORDINATOR:
    case HUDDLE__ROLE__ROLE_MDT_MEMBER:
        if (!n)
            return reject(r, FORBIDDEN, "query.hospital_ods",
                          "a neighbourhood team reads the boards of the neighbourhoods it serves");
        if (!serves(a, q->neighbourhood_id))
            return reject(r, FORBIDDEN, "query.neighbourhood_id", "the asker does not serve this neighbourhood");
        return 0;
    case HUDDLE__ROLE__ROLE_SOCIAL_CARE: {
        if (!n)
            return reject(r, FORBIDDEN, "query.hospital_ods",
                          "adult social care reads the boards of its council's neighbourhoods");
        Huddle__NeighbourhoodRecord *nb = NULL;
        int rc = registry_neighbourhood_get(wq->txn, q->neighbourhood_id, &nb);
        if (rc != STORE_OK && rc != STORE_ENOTFOUND)
            return busy(r);
        bool ours = rc == STORE_OK && filled(a->local_authority) && !strcmp(nb->local_authority, a->local_authority);
        if (nb)
            huddle__neighbourhood_record__free_unpacked(nb, NULL);
        if (!ours)
            return reject(r, FORBIDDEN, "query.neighbourhood_id", "not a neighbourhood of the asker's council area");
        return 0;
    }
    default: return reject(r, FORBIDDEN, "query.kind", "this role does not read discharge boards");
    }
}

/* ---- the open episodes --------------------------------------------------------------- */

typedef struct {
    Huddle__EpisodeRecord *rec;
    uint32_t days;  /* delayed, to now */
    int32_t ready;  /* the ready date's day; INT32_MAX without one */
} row_t;

typedef struct {
    store_txn_t *txn;
    int64_t now_ms;
    row_t *v;
    size_t n, cap;
    int err;
} gather_t;

static int gather(const char *episode_id, void *arg)
{
    gather_t *g = arg;
    if (g->n == g->cap) {
        size_t cap = g->cap ? g->cap * 2 : 64;
        row_t *v = realloc(g->v, cap * sizeof *v);
        if (!v)
            return g->err = STORE_ENOMEM;
        g->v = v;
        g->cap = cap;
    }
    Huddle__EpisodeRecord *rec = NULL;
    int rc = episode_get(g->txn, episode_id, &rec);
    if (rc == STORE_OK && !rec->current) {
        huddle__episode_record__free_unpacked(rec, NULL);
        rc = STORE_ECORRUPT;
    }
    if (rc != STORE_OK)
        return g->err = rc;
    row_t *w = &g->v[g->n++];
    const char *rd = rec->current->discharge_ready_date;
    w->rec = rec;
    w->days = episode_days_delayed(rec, g->now_ms);
    if (!filled(rd) || hd_date_parse(rd, strlen(rd), &w->ready) != HD_TIME_OK)
        w->ready = INT32_MAX;
    return 0;
}

/* Longest delayed first, then the earliest ready date (none last), then the id. */
static int by_delay(const void *pa, const void *pb)
{
    const row_t *a = pa, *b = pb;
    if (a->days != b->days)
        return a->days > b->days ? -1 : 1;
    if (a->ready != b->ready)
        return a->ready < b->ready ? -1 : 1;
    return strcmp(a->rec->episode_id, b->rec->episode_id);
}

/* ---- totals --------------------------------------------------------------------------- */

typedef struct {
    uint32_t status[STATUS_SLOTS];
    uint32_t pathway[PATHWAY_SLOTS];
    struct {
        char code[REASON_LEN];
        uint32_t n;
    } reason[REASON_SLOTS];
    size_t n_reasons;
    uint64_t bed_days;
} totals_t;

/* The configured delay reasons first, in their order; a code the site has since
 * dropped comes after them as it is met. */
static void totals_init(totals_t *t, const char *configured)
{
    memset(t, 0, sizeof *t);
    for (const char *p = configured; *p && t->n_reasons < REASON_SLOTS;) {
        size_t len = strcspn(p, ",");
        if (len && len < REASON_LEN) {
            memcpy(t->reason[t->n_reasons].code, p, len);
            t->reason[t->n_reasons++].code[len] = '\0';
        }
        p += len + (p[len] == ',');
    }
}

static void totals_add(totals_t *t, const row_t *w)
{
    const Huddle__EpisodeUpdate *u = w->rec->current;
    if ((unsigned)u->status < STATUS_SLOTS)
        t->status[u->status]++;
    if ((unsigned)u->pathway < PATHWAY_SLOTS)
        t->pathway[u->pathway]++;
    t->bed_days += w->days;
    for (size_t i = 0; i < u->n_delay_reasons; i++) {
        const char *code = u->delay_reasons[i];
        size_t k = 0;
        while (k < t->n_reasons && strcmp(t->reason[k].code, code) != 0)
            k++;
        if (k == t->n_reasons) {
            if (k == REASON_SLOTS || strlen(code) >= REASON_LEN)
                continue;
            snprintf(t->reason[k].code, REASON_LEN, "%s", code);
            t->n_reasons++;
        }
        t->reason[k].n++;
    }
}

/* Non-zero counts as CountBy entries, into v (room for max) and ptrs. */
static size_t count_by(Huddle__CountBy *v, Huddle__CountBy **ptrs, const ProtobufCEnumDescriptor *d,
                       const uint32_t *counts, size_t slots)
{
    size_t n = 0;
    for (size_t i = 0; i < slots; i++) {
        const ProtobufCEnumValue *ev = protobuf_c_enum_descriptor_get_value(d, (int)i);
        if (!counts[i] || !ev)
            continue;
        huddle__count_by__init(&v[n]);
        v[n].key = (char *)ev->name;
        v[n].count = counts[i];
        ptrs[n] = &v[n];
        n++;
    }
    return n;
}

/* ---- discharges ------------------------------------------------------------------------ */

typedef struct {
    int64_t from_ms, to_ms;   /* the query's period for the follow-ups; to 0 = unbounded */
    int64_t alert_before_ms;  /* discharged at or before this: six weeks have passed */
    uint32_t followed_up, at_home, over_42d;
} outcomes_t;

static int count_outcome(const episode_discharge_t *d, void *arg)
{
    outcomes_t *o = arg;
    bool in_period = d->discharged_at_ms >= o->from_ms && (!o->to_ms || d->discharged_at_ms < o->to_ms);
    if (d->pathway == HUDDLE__PATHWAY__PATHWAY_1 && in_period &&
        d->follow_up_result != HUDDLE__FOLLOW_UP_RESULT__FOLLOW_UP_RESULT_UNSPECIFIED) {
        o->followed_up++;
        o->at_home += d->follow_up_result == HUDDLE__FOLLOW_UP_RESULT__FOLLOW_UP_RESULT_AT_HOME;
    }
    if (d->pathway == HUDDLE__PATHWAY__PATHWAY_2 && !d->placement_ended && d->discharged_at_ms <= o->alert_before_ms)
        o->over_42d++;
    return 0;
}

/* ---- the query ------------------------------------------------------------------------- */

int board_query(wf_query_t *wq, reject_t *r)
{
    bool by_hospital = false;
    const char *key = "";
    if (board_scope(wq, &by_hospital, &key, r))
        return -1;
    gather_t g = {wq->txn, wq->now_ms, NULL, 0, 0, 0};
    outcomes_t o = {wq->q->from_ms, wq->q->to_ms, wq->now_ms - wq->cfg->placement_alert, 0, 0, 0};
    int rc = episode_open_scan(wq->txn, by_hospital, key, gather, &g);
    if (rc >= 0 && !g.err)
        rc = episode_discharge_scan(wq->txn, by_hospital, key, count_outcome, &o);
    size_t first = 0, n = 0;
    Huddle__BoardEntry *ents = NULL, **eptrs = NULL;
    const char **patients = NULL;
    int ret = -1;
    if (rc < 0 || g.err) {
        busy(r);
        goto done;
    }
    if (g.n)
        qsort(g.v, g.n, sizeof *g.v, by_delay);
    totals_t t;
    totals_init(&t, wq->cfg->delay_reasons);
    for (size_t i = 0; i < g.n; i++)
        totals_add(&t, &g.v[i]);

    first = wq->q->after < g.n ? (size_t)wq->q->after : g.n;
    n = g.n - first < wq->limit ? g.n - first : wq->limit;
    ents = calloc(n ? n : 1, sizeof *ents);
    eptrs = calloc(n ? n : 1, sizeof *eptrs);
    patients = calloc(n ? n : 1, sizeof *patients);
    if (!ents || !eptrs || !patients) {
        busy(r);
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        const row_t *w = &g.v[first + i];
        const Huddle__EpisodeRecord *rec = w->rec;
        const Huddle__EpisodeUpdate *u = rec->current;
        Huddle__BoardEntry *e = &ents[i];
        huddle__board_entry__init(e);
        e->episode_id = rec->episode_id;
        e->nhs_number = u->nhs_number;
        e->ward = u->ward;
        e->pathway = u->pathway;
        e->status = u->status;
        e->discharge_ready_date = u->discharge_ready_date;
        e->days_delayed = w->days;
        e->n_delay_reasons = u->n_delay_reasons;
        e->delay_reasons = u->delay_reasons;
        e->open_assessment_id = rec->open_assessment_id;
        e->hospital_ods = rec->hospital_ods;
        e->admitted_at_ms = u->admitted_at_ms;
        e->criteria_to_reside = u->criteria_to_reside;
        e->expected_discharge_date = u->expected_discharge_date;
        e->practice_ods = rec->practice_ods;
        eptrs[i] = e;
        patients[i] = u->nhs_number;
    }

    Huddle__CountBy st[STATUS_SLOTS], pw[PATHWAY_SLOTS], dr[REASON_SLOTS];
    Huddle__CountBy *stp[STATUS_SLOTS], *pwp[PATHWAY_SLOTS], *drp[REASON_SLOTS];
    Huddle__Answer ans = HUDDLE__ANSWER__INIT;
    Huddle__Board b = HUDDLE__BOARD__INIT;
    ans.result_case = HUDDLE__ANSWER__RESULT_BOARD;
    ans.board = &b;
    ans.truncated = first + n < g.n;
    ans.next_after = ans.truncated ? first + n : 0;
    b.n_entries = n;
    b.entries = eptrs;
    b.n_by_status = count_by(st, stp, &huddle__episode_status__descriptor, t.status, STATUS_SLOTS);
    b.by_status = stp;
    b.n_by_pathway = count_by(pw, pwp, &huddle__pathway__descriptor, t.pathway, PATHWAY_SLOTS);
    b.by_pathway = pwp;
    for (size_t i = 0; i < t.n_reasons; i++) {
        if (!t.reason[i].n)
            continue;
        huddle__count_by__init(&dr[b.n_by_delay_reason]);
        dr[b.n_by_delay_reason].key = t.reason[i].code;
        dr[b.n_by_delay_reason].count = t.reason[i].n;
        drp[b.n_by_delay_reason] = &dr[b.n_by_delay_reason];
        b.n_by_delay_reason++;
    }
    b.by_delay_reason = drp;
    b.delayed_bed_days = t.bed_days;
    b.open_episodes = (uint32_t)g.n;
    b.pathway1_followed_up = o.followed_up;
    b.pathway1_at_home_91d = o.at_home;
    b.pathway1_at_home_91d_share = o.followed_up ? (double)o.at_home / o.followed_up : 0.0;
    b.pathway2_over_42d = o.over_42d;
    b.hospital_ods = (char *)(by_hospital ? key : "");
    b.neighbourhood_id = (char *)(by_hospital ? "" : key);
    b.as_of_ms = wq->now_ms;
    ret = wq->reply(wq, &ans, n, patients, n, "discharge board", r);
done:
    for (size_t i = 0; i < g.n; i++)
        huddle__episode_record__free_unpacked(g.v[i].rec, NULL);
    free(g.v);
    free(patients);
    free(eptrs);
    free(ents);
    return ret;
}
