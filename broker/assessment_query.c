/*
 * assessment_query — the trusted-assessment workflow's queries (assessment.h).
 *
 * ASSESSMENTS: a care provider reads the assessments addressed to it (naming another
 * provider is FORBIDDEN), a trusted assessor its own organisation's, a discharge hub its
 * hospital's (naming another hospital's episode is FORBIDDEN); each may narrow to one
 * episode or one provider. Every record is held to the asker as the matrix holds an
 * ASSESSMENT_SUBMITTED delivery, so a query never shows what a subscription would not.
 * Newest first; Answer.next_after is the submission seq to continue below. Read from
 * an index: the episode's or the provider's when one is named, else the asker's own
 * (a trusted assessor's organisation's, a hub's hospital's episodes'); only a role
 * with none of these (an auditor's reading, say) reads the whole table.
 *
 * DECLINE_COUNTS: the counters per assessor organisation, most incomplete-assessment
 * declines first; counts of organisations, no patient.
 */
#include <stdlib.h>
#include <string.h>

#include "access.h"
#include "assessment_internal.h"
#include "ods.h"

#define INVALID HUDDLE__REJECT_CODE__REJECT_CODE_INVALID
#define FORBIDDEN HUDDLE__REJECT_CODE__REJECT_CODE_FORBIDDEN

static int busy(reject_t *r, const char *what)
{
    reject(r, HUDDLE__REJECT_CODE__REJECT_CODE_BUSY, "", "the %s cannot be read now; retry", what);
    r->retry_after_ms = 1000;
    return -1;
}

static bool filled(const char *s)
{
    return s && *s;
}

/* ---- ASSESSMENTS --------------------------------------------------------------- */

typedef struct {
    uint64_t seq;
    char id[WF_ID_MAX];
} found_t;

typedef struct {
    store_txn_t *txn;
    const Huddle__AgentRecord *agent;
    const char *episode_id;  /* only this episode's; "" = any */
    const char *provider;    /* only this provider's; "" = any */
    uint64_t below;          /* only submissions before this seq (the cursor); 0 = all */
    found_t *v;
    size_t n, cap;
} gather_t;

/* Whether the asker may see the assessment, as it would see its submission. */
static bool visible(const Huddle__AgentRecord *a, const Huddle__AssessmentRecord *rec)
{
    Huddle__Event probe = HUDDLE__EVENT__INIT;
    Huddle__Subject sub = HUDDLE__SUBJECT__INIT;
    sub.nhs_number = rec->assessment->nhs_number;
    sub.assessment_id = rec->assessment->assessment_id;
    sub.episode_id = rec->assessment->episode_id;
    probe.kind = HUDDLE__EVENT_KIND__EVENT_KIND_ASSESSMENT_SUBMITTED;
    probe.subject = &sub;
    probe.scope = rec->scope;
    return access_may_see(a, &probe);
}

/* Keeps one record if the asker may see it and it matches the query. */
static int keep(gather_t *g, const Huddle__AssessmentRecord *rec)
{
    const Huddle__TrustedAssessment *ta = rec->assessment;
    if ((g->below && rec->submit_seq >= g->below) || !visible(g->agent, rec) ||
        (filled(g->episode_id) && strcmp(ta->episode_id, g->episode_id) != 0) ||
        (filled(g->provider) && strcmp(ta->provider_ods, g->provider) != 0))
        return 0;
    if (g->n == g->cap) {
        size_t cap = g->cap ? g->cap * 2 : 32;
        found_t *v = realloc(g->v, cap * sizeof *v);
        if (!v)
            return STORE_ENOMEM;
        g->v = v;
        g->cap = cap;
    }
    g->v[g->n].seq = rec->submit_seq;
    snprintf(g->v[g->n].id, sizeof g->v[g->n].id, "%s", ta->assessment_id);
    g->n++;
    return 0;
}

/* A row of the whole table. */
static int from_table(const store_val_t *key, const store_val_t *val, void *arg)
{
    (void)key;
    Huddle__AssessmentRecord *rec = huddle__assessment_record__unpack(NULL, val->len, val->data);
    if (!rec || !rec->assessment) {
        if (rec)
            huddle__assessment_record__free_unpacked(rec, NULL);
        return STORE_ECORRUPT;
    }
    int rc = keep(arg, rec);
    huddle__assessment_record__free_unpacked(rec, NULL);
    return rc;
}

/* A row of the episode or provider index: its record, read now. */
static int from_index(const store_val_t *key, const store_val_t *val, void *arg)
{
    gather_t *g = arg;
    char id[WF_ID_MAX];
    if (key->len < 9 || val->len == 0 || val->len >= sizeof id)
        return STORE_ECORRUPT;
    if (g->below && store_u64_from_key((const uint8_t *)key->data + key->len - 8) >= g->below)
        return 0;
    memcpy(id, val->data, val->len);
    id[val->len] = '\0';
    Huddle__AssessmentRecord *rec;
    int rc = assessment_get(g->txn, id, &rec);
    if (rc != STORE_OK)
        return rc == STORE_ENOTFOUND ? STORE_ECORRUPT : rc;
    rc = keep(g, rec);
    huddle__assessment_record__free_unpacked(rec, NULL);
    return rc;
}

static int newest_first(const void *pa, const void *pb)
{
    const found_t *a = pa, *b = pb;
    return a->seq < b->seq ? 1 : a->seq > b->seq ? -1 : 0;
}

/* The asker's narrowing of the query, held to what its role may name: 0, or -1. */
static int list_scope(wf_query_t *wq, gather_t *g, reject_t *r)
{
    const Huddle__AgentRecord *a = wq->agent;
    const Huddle__Query *q = wq->q;
    g->episode_id = q->episode_id ? q->episode_id : "";
    g->provider = q->provider_ods ? q->provider_ods : "";
    const char *colon = strchr(g->episode_id, ':');
    size_t hl = colon ? (size_t)(colon - g->episode_id) : 0; /* the hospital's part */
    if (filled(g->episode_id) &&
        (!colon || strlen(g->episode_id) >= EPISODE_ID_MAX || ods_code_check(g->episode_id, hl) != ODS_OK))
        return reject(r, INVALID, "query.episode_id", "an episode, \"<hospital ODS>:<local id>\", or empty");
    if (filled(g->provider) && ods_code_check(g->provider, strlen(g->provider)) != ODS_OK)
        return reject(r, INVALID, "query.provider_ods", "a provider's ODS code, or empty");
    if (a->role == HUDDLE__ROLE__ROLE_CARE_PROVIDER) {
        if (filled(g->provider) && strcmp(g->provider, a->org_ods) != 0)
            return reject(r, FORBIDDEN, "query.provider_ods",
                          "a care provider reads only the assessments addressed to it");
        g->provider = a->org_ods;
    }
    if (a->role == HUDDLE__ROLE__ROLE_DISCHARGE_HUB && filled(g->episode_id) &&
        (strlen(a->hospital_ods) != hl || strncmp(g->episode_id, a->hospital_ods, hl) != 0))
        return reject(r, FORBIDDEN, "query.episode_id", "a discharge hub reads only its own hospital's episodes");
    return 0;
}

int assessment_query_list(wf_query_t *wq, reject_t *r)
{
    gather_t g = {wq->txn, wq->agent, "", "", wq->q->after, NULL, 0, 0};
    if (list_scope(wq, &g, r))
        return -1;
    uint8_t prefix[ASSESSMENT_INDEX_KEY_MAX];
    size_t plen = 0;
    store_table_t t = STORE_ASSESSMENTS;
    const Huddle__AgentRecord *a = wq->agent;
    if (filled(g.episode_id)) {
        t = STORE_ASSESSMENT_BY_EPISODE, plen = assessment_index_key(prefix, g.episode_id, 0);
    } else if (filled(g.provider)) {
        t = STORE_ASSESSMENT_BY_PROVIDER, plen = assessment_index_key(prefix, g.provider, 0);
    } else if (a->role == HUDDLE__ROLE__ROLE_TRUSTED_ASSESSOR && filled(a->org_ods)) {
        t = STORE_ASSESSMENT_BY_ASSESSOR, plen = assessment_index_key(prefix, a->org_ods, 0);
    } else if (a->role == HUDDLE__ROLE__ROLE_DISCHARGE_HUB && filled(a->hospital_ods) &&
               strlen(a->hospital_ods) < sizeof prefix - 1) { /* "RXH:", every episode of the hospital */
        t = STORE_ASSESSMENT_BY_EPISODE, plen = (size_t)snprintf((char *)prefix, sizeof prefix, "%s:", a->hospital_ods);
    }
    int rc = t == STORE_ASSESSMENTS ? store_scan(wq->txn, t, NULL, 0, 0, from_table, &g)
           : plen                   ? store_scan(wq->txn, t, prefix, plen, plen, from_index, &g)
                                    : STORE_EINVAL;
    if (rc < 0) {
        free(g.v);
        return busy(r, "assessments");
    }
    if (g.n)
        qsort(g.v, g.n, sizeof *g.v, newest_first);
    size_t n = g.n < wq->limit ? g.n : wq->limit;
    Huddle__AssessmentRecord **recs = calloc(n ? n : 1, sizeof *recs);
    const char **patients = calloc(n ? n : 1, sizeof *patients);
    size_t n_patients = 0;
    int ret = -1;
    if (!recs || !patients) {
        busy(r, "assessments");
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        if (assessment_get(wq->txn, g.v[i].id, &recs[i]) != STORE_OK) {
            busy(r, "assessments");
            goto done;
        }
        const char *nhs = recs[i]->assessment->nhs_number;
        size_t k = 0;
        while (k < n_patients && strcmp(patients[k], nhs) != 0)
            k++;
        if (k == n_patients)
            patients[n_patients++] = nhs; /* each patient audited once per answer */
    }
    Huddle__Answer ans = HUDDLE__ANSWER__INIT;
    Huddle__AssessmentList al = HUDDLE__ASSESSMENT_LIST__INIT;
    ans.result_case = HUDDLE__ANSWER__RESULT_ASSESSMENTS;
    ans.assessments = &al;
    ans.truncated = n < g.n;
    ans.next_after = ans.truncated ? g.v[n - 1].seq : 0;
    al.n_assessments = n;
    al.assessments = recs;
    ret = wq->reply(wq, &ans, n, patients, n_patients, "assessments", r);
done:
    for (size_t i = 0; recs && i < n; i++)
        if (recs[i])
            huddle__assessment_record__free_unpacked(recs[i], NULL);
    free(patients);
    free(recs);
    free(g.v);
    return ret;
}

/* ---- DECLINE_COUNTS ----------------------------------------------------------- */

typedef struct {
    Huddle__DeclineCounter **v;
    size_t n, cap;
} counters_t;

static int collect_counter(const store_val_t *key, const store_val_t *val, void *arg)
{
    (void)key;
    counters_t *c = arg;
    if (c->n == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 32;
        Huddle__DeclineCounter **v = realloc(c->v, cap * sizeof *v);
        if (!v)
            return STORE_ENOMEM;
        c->v = v;
        c->cap = cap;
    }
    Huddle__DeclineCounter *d = huddle__decline_counter__unpack(NULL, val->len, val->data);
    if (!d)
        return STORE_ECORRUPT;
    c->v[c->n++] = d;
    return 0;
}

/* Most incomplete-assessment declines first, then most declines, then by code. */
static int most_declines(const void *pa, const void *pb)
{
    const Huddle__DeclineCounter *a = *(Huddle__DeclineCounter *const *)pa, *b = *(Huddle__DeclineCounter *const *)pb;
    if (a->count != b->count)
        return a->count > b->count ? -1 : 1;
    if (a->declines != b->declines)
        return a->declines > b->declines ? -1 : 1;
    return strcmp(a->assessor_ods, b->assessor_ods);
}

int assessment_query_declines(wf_query_t *wq, reject_t *r)
{
    const char *only = wq->q->assessor_ods ? wq->q->assessor_ods : "";
    size_t ol = strlen(only);
    if (ol && ods_code_check(only, ol) != ODS_OK)
        return reject(r, INVALID, "query.assessor_ods", "an assessor organisation's ODS code, or empty for all");
    counters_t c = {NULL, 0, 0};
    int rc;
    if (ol) { /* one organisation's, if it has any */
        store_val_t v;
        rc = store_get(wq->txn, STORE_DECLINES, only, ol, &v);
        rc = rc == STORE_OK ? collect_counter(NULL, &v, &c) : rc == STORE_ENOTFOUND ? STORE_OK : rc;
    } else {
        rc = store_scan(wq->txn, STORE_DECLINES, NULL, 0, 0, collect_counter, &c);
    }
    int ret = -1;
    if (rc < 0) {
        busy(r, "decline counts");
        goto done;
    }
    if (c.n)
        qsort(c.v, c.n, sizeof *c.v, most_declines);
    size_t first = wq->q->after < c.n ? (size_t)wq->q->after : c.n;
    size_t n = c.n - first < wq->limit ? c.n - first : wq->limit;
    Huddle__Answer ans = HUDDLE__ANSWER__INIT;
    Huddle__DeclineCounts dc = HUDDLE__DECLINE_COUNTS__INIT;
    ans.result_case = HUDDLE__ANSWER__RESULT_DECLINE_COUNTS;
    ans.decline_counts = &dc;
    ans.truncated = first + n < c.n;
    ans.next_after = ans.truncated ? first + n : 0;
    dc.n_counters = n;
    dc.counters = c.v ? c.v + first : NULL;
    ret = wq->reply(wq, &ans, n, NULL, 0, "decline counts", r);
done:
    for (size_t i = 0; i < c.n; i++)
        huddle__decline_counter__free_unpacked(c.v[i], NULL);
    free(c.v);
    return ret;
}
