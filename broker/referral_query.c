/*
 * referral_query — the referral workflow's queries (referral.h): WAITING_LIST, read
 * from the waiting index (waiting.h) and then only the page's referral records, and
 * REFERRAL_HISTORY, read from the patient's timeline index. Each answer holds only
 * what the asker may see and names its patients to the broker, which audits them.
 */
#include <stdlib.h>
#include <string.h>

#include "access.h"
#include "referral.h"
#include "registry.h"
#include "waiting.h"

#define INVALID HUDDLE__REJECT_CODE__REJECT_CODE_INVALID
#define FORBIDDEN HUDDLE__REJECT_CODE__REJECT_CODE_FORBIDDEN
#define NOT_FOUND HUDDLE__REJECT_CODE__REJECT_CODE_NOT_FOUND

#define NBH_MAX 32

static int busy(reject_t *r, const char *what)
{
    reject(r, HUDDLE__REJECT_CODE__REJECT_CODE_BUSY, "", "the %s cannot be read now; retry", what);
    r->retry_after_ms = 1000;
    return -1;
}

/* ---- the waiting list --------------------------------------------------------------- */

typedef struct {
    waiting_entry_t e;
    uint32_t effective;
} ranked_t;

typedef struct {
    const config_t *cfg;
    int64_t now_ms;
    const char *practice; /* a practice's own list: only its referrals; NULL = all */
    ranked_t *v;
    size_t n, cap;
    bool oom;
} gather_t;

static int gather(const waiting_entry_t *e, void *arg)
{
    gather_t *g = arg;
    if (g->practice && strcmp(e->practice_ods, g->practice) != 0)
        return 0;
    if (g->n == g->cap) {
        size_t cap = g->cap ? g->cap * 2 : 64;
        ranked_t *v = realloc(g->v, cap * sizeof *v);
        if (!v) {
            g->oom = true;
            return 1;
        }
        g->v = v;
        g->cap = cap;
    }
    g->v[g->n].e = *e;
    g->v[g->n].effective = waiting_effective(g->cfg, e, g->now_ms);
    g->n++;
    return 0;
}

/* Highest effective priority first, then the longest wait, then the id (shorter
 * first, so that R9 comes before R10). */
static int by_priority(const void *pa, const void *pb)
{
    const ranked_t *a = pa, *b = pb;
    if (a->effective != b->effective)
        return a->effective > b->effective ? -1 : 1;
    if (a->e.waiting_since_ms != b->e.waiting_since_ms)
        return a->e.waiting_since_ms < b->e.waiting_since_ms ? -1 : 1;
    size_t la = strlen(a->e.referral_id), lb = strlen(b->e.referral_id);
    if (la != lb)
        return la < lb ? -1 : 1;
    return strcmp(a->e.referral_id, b->e.referral_id);
}

static bool serves(const Huddle__AgentRecord *a, const char *nbh)
{
    for (size_t i = 0; i < a->n_neighbourhood_ids; i++)
        if (!strcmp(a->neighbourhood_ids[i], nbh))
            return true;
    return false;
}

/* Which neighbourhood's list the asker gets, and whether only its own practice's
 * referrals (into nbh, practice): 0, or -1 with r filled. */
static int waiting_scope(wf_query_t *wq, char nbh[NBH_MAX + 1], const char **practice, reject_t *r)
{
    const Huddle__AgentRecord *a = wq->agent;
    const char *asked = wq->q->neighbourhood_id ? wq->q->neighbourhood_id : "";
    *practice = NULL;
    if (a->role == HUDDLE__ROLE__ROLE_INT_COORDINATOR || a->role == HUDDLE__ROLE__ROLE_MDT_MEMBER) {
        if (!workflow_is_id(asked, NBH_MAX, false))
            return reject(r, INVALID, "query.neighbourhood_id", "required: the neighbourhood whose list to read");
        if (!serves(a, asked))
            return reject(r, FORBIDDEN, "query.neighbourhood_id", "the asker does not serve this neighbourhood");
        snprintf(nbh, NBH_MAX + 1, "%s", asked);
        return 0;
    }
    if (a->role != HUDDLE__ROLE__ROLE_GP_PRACTICE)
        return reject(r, FORBIDDEN, "query.kind", "only a practice and its neighbourhood team read waiting lists");
    /* a practice reads its own referrals, in its own neighbourhood */
    Huddle__PracticeRecord *p = NULL;
    int rc = registry_practice_get(wq->txn, a->org_ods, &p);
    if (rc != STORE_OK && rc != STORE_ENOTFOUND)
        return busy(r, "waiting list");
    bool mine = rc == STORE_OK && p->neighbourhood_id[0] && (!asked[0] || !strcmp(asked, p->neighbourhood_id));
    if (mine)
        snprintf(nbh, NBH_MAX + 1, "%s", p->neighbourhood_id);
    if (p)
        huddle__practice_record__free_unpacked(p, NULL);
    if (!mine)
        return reject(r, FORBIDDEN, "query.neighbourhood_id",
                      "a practice reads only its own referrals, in its own neighbourhood");
    *practice = a->org_ods;
    return 0;
}

int referral_query_waiting(wf_query_t *wq, reject_t *r)
{
    char nbh[NBH_MAX + 1];
    gather_t g = {wq->cfg, wq->now_ms, NULL, NULL, 0, 0, false};
    if (waiting_scope(wq, nbh, &g.practice, r))
        return -1;
    int rc = waiting_scan(wq->txn, nbh, gather, &g);
    if (rc < 0 || g.oom) {
        free(g.v);
        return busy(r, "waiting list");
    }
    qsort(g.v, g.n, sizeof *g.v, by_priority);

    size_t first = wq->q->after < g.n ? (size_t)wq->q->after : g.n;
    size_t n = g.n - first < wq->limit ? g.n - first : wq->limit;
    Huddle__ReferralRecord **recs = calloc(n ? n : 1, sizeof *recs);
    Huddle__WaitingEntry *ents = calloc(n ? n : 1, sizeof *ents);
    Huddle__WaitingEntry **ptrs = calloc(n ? n : 1, sizeof *ptrs);
    const char **patients = calloc(n ? n : 1, sizeof *patients);
    int ret = -1;
    if (!recs || !ents || !ptrs || !patients) {
        busy(r, "waiting list");
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        const ranked_t *k = &g.v[first + i];
        if (referral_get(wq->txn, k->e.referral_id, &recs[i]) != STORE_OK) {
            busy(r, "waiting list");
            goto done;
        }
        const Huddle__ReferralRecord *rec = recs[i];
        Huddle__WaitingEntry *w = &ents[i];
        huddle__waiting_entry__init(w);
        w->referral_id = rec->referral_id;
        w->nhs_number = rec->nhs_number;
        w->practice_ods = rec->practice_ods;
        w->tier = rec->tier;
        w->score = rec->score;
        w->n_cohorts = rec->n_cohorts;
        w->cohorts = rec->cohorts;
        w->days_waiting = waiting_days(k->e.waiting_since_ms, wq->now_ms);
        w->status = k->e.status;
        w->effective_priority = k->effective;
        w->times_deferred = k->e.times_deferred;
        w->session_id = k->e.status == HUDDLE__REFERRAL_STATUS__REFERRAL_STATUS_SCHEDULED ? rec->last_session_id
                                                                                      : (char *)"";
        ptrs[i] = w;
        patients[i] = rec->nhs_number;
    }
    Huddle__Answer ans = HUDDLE__ANSWER__INIT;
    Huddle__WaitingList wl = HUDDLE__WAITING_LIST__INIT;
    ans.result_case = HUDDLE__ANSWER__RESULT_WAITING_LIST;
    ans.waiting_list = &wl;
    ans.truncated = first + n < g.n;
    ans.next_after = ans.truncated ? first + n : 0;
    wl.n_entries = n;
    wl.entries = ptrs;
    wl.neighbourhood_id = g.practice ? (char *)"" : nbh;
    ret = wq->reply(wq, &ans, n, patients, n, "waiting list", r);
done:
    for (size_t i = 0; recs && i < n; i++)
        if (recs[i])
            huddle__referral_record__free_unpacked(recs[i], NULL);
    free(patients);
    free(ptrs);
    free(ents);
    free(recs);
    free(g.v);
    return ret;
}

/* ---- a referral's history ----------------------------------------------------------- */

typedef struct {
    store_txn_t *txn;
    const Huddle__AgentRecord *agent;
    const char *referral_id;
    size_t key_len;  /* the NHS number's: the seq follows it in the key */
    uint32_t limit;
    Huddle__Event **events;
    size_t n;
    uint64_t last_seq;
    bool more;
    int err;
} history_t;

static int history_step(const store_val_t *key, const store_val_t *val, void *arg)
{
    (void)val;
    history_t *h = arg;
    if (key->len != h->key_len + 8)
        return h->err = STORE_ECORRUPT;
    uint64_t seq = store_u64_from_key((const uint8_t *)key->data + h->key_len);
    store_val_t v;
    Huddle__Event *ev = NULL;
    int rc = store_event_get(h->txn, seq, &v);
    if (rc == STORE_OK && !(ev = huddle__event__unpack(NULL, v.len, v.data)))
        rc = STORE_ECORRUPT;
    if (rc != STORE_OK)
        return h->err = rc;
    bool ours = ev->subject && !strcmp(ev->subject->referral_id, h->referral_id) && access_may_see(h->agent, ev);
    if (ours && h->n == h->limit) {
        h->more = true;
        ours = false;
    }
    if (!ours) {
        huddle__event__free_unpacked(ev, NULL);
        return h->more ? 1 : 0;
    }
    h->events[h->n++] = ev;
    h->last_seq = seq;
    return 0;
}

int referral_query_history(wf_query_t *wq, reject_t *r)
{
    const Huddle__Query *q = wq->q;
    size_t idl = q->referral_id ? strlen(q->referral_id) : 0;
    if (idl == 0 || idl >= WF_ID_MAX)
        return reject(r, INVALID, "query.referral_id", "required: a referral id, 1 to %d bytes", WF_ID_MAX - 1);
    Huddle__ReferralRecord *rec = NULL;
    int rc = referral_get(wq->txn, q->referral_id, &rec);
    if (rc == STORE_ENOTFOUND)
        return reject(r, NOT_FOUND, "query.referral_id", "no referral with this id");
    if (rc != STORE_OK)
        return busy(r, "referral");
    /* may the asker see this referral at all: as it would see its status changes */
    Huddle__Event probe = HUDDLE__EVENT__INIT;
    Huddle__Subject sub = HUDDLE__SUBJECT__INIT;
    sub.nhs_number = rec->nhs_number;
    sub.referral_id = rec->referral_id;
    probe.kind = HUDDLE__EVENT_KIND__EVENT_KIND_REFERRAL_STATUS_CHANGED;
    probe.subject = &sub;
    probe.scope = rec->scope;
    if (!access_may_see(wq->agent, &probe)) {
        huddle__referral_record__free_unpacked(rec, NULL);
        return reject(r, FORBIDDEN, "query.referral_id", "the asker has no relationship with this referral");
    }
    history_t h = {wq->txn, wq->agent, rec->referral_id, strlen(rec->nhs_number), wq->limit, NULL, 0, 0, false, 0};
    h.events = calloc(wq->limit ? wq->limit : 1, sizeof *h.events);
    uint8_t from[32];
    int ret = -1;
    if (!h.events || h.key_len + 8 > sizeof from) {
        busy(r, "referral");
        goto done;
    }
    memcpy(from, rec->nhs_number, h.key_len);
    store_key_u64(from + h.key_len, q->after + 1);
    rc = store_scan(wq->txn, STORE_PATIENT_EVENTS, from, h.key_len + 8, h.key_len, history_step, &h);
    if (h.err || rc < 0) {
        busy(r, "referral history");
        goto done;
    }
    Huddle__Answer ans = HUDDLE__ANSWER__INIT;
    Huddle__ReferralHistory rh = HUDDLE__REFERRAL_HISTORY__INIT;
    ans.result_case = HUDDLE__ANSWER__RESULT_REFERRAL_HISTORY;
    ans.referral_history = &rh;
    ans.truncated = h.more;
    ans.next_after = h.more ? h.last_seq : 0;
    rh.referral = rec;
    rh.n_events = h.n;
    rh.events = h.events;
    const char *patients[1] = {rec->nhs_number};
    ret = wq->reply(wq, &ans, h.n, patients, 1, "referral history", r);
done:
    for (size_t i = 0; i < h.n; i++)
        huddle__event__free_unpacked(h.events[i], NULL);
    free(h.events);
    huddle__referral_record__free_unpacked(rec, NULL);
    return ret;
}
