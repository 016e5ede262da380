/*
 * broker_query — the Query frame: who may ask what (access.h), the answers, and the
 * audit record of every answer about a patient, written in the batch the answer waits
 * for (the answer is staged until that batch commits, like an Accepted).
 *
 * Answered here: STATS (broker and store counters, no patient data), AUDIT_TRAIL (the
 * trail by patient, agent or time range) and PATIENT_TIMELINE (the events about one
 * patient that the asker may see, each held to the same scope rule as a delivery).
 * The workflow queries are answered by their workflows (wf_queries: the waiting list
 * and referral history by referral_query.c, the agenda by mdt.c, assessments and
 * decline counts by assessment_query.c, the discharge board by board.c); a kind no
 * workflow answers is answered INVALID, saying so. DECLINE_COUNTS, like STATS, carries
 * no patient data and needs no purpose.
 */
#include <stdlib.h>
#include <string.h>

#include "access.h"
#include "assessment.h"
#include "audit.h"
#include "board.h"
#include "broker_internal.h"
#include "codec.h"
#include "hd_time.h"
#include "log.h"
#include "mdt.h"
#include "nhs.h"
#include "record.h"
#include "referral.h"
#include "registry.h"

#define PURPOSE_MAX 256

static void stage_answer(broker_t *b, const session_t *s, uint64_t corr, Huddle__Answer *ans)
{
    Huddle__Frame out;
    codec_frame_init(&out, corr);
    out.body_case = HUDDLE__FRAME__BODY_ANSWER;
    out.answer = ans;
    broker_stage(b, s, &out, true, NULL);
}

static void answer_stats(broker_t *b, const session_t *s, uint64_t corr)
{
    store_stat_t st;
    if (store_stat(b->store, &st) != STORE_OK)
        memset(&st, 0, sizeof st);
    Huddle__Answer ans = HUDDLE__ANSWER__INIT;
    Huddle__Stats sx = HUDDLE__STATS__INIT;
    ans.kind = HUDDLE__QUERY_KIND__QUERY_KIND_STATS;
    ans.result_case = HUDDLE__ANSWER__RESULT_STATS;
    ans.stats = &sx;
    sx.seq_last = b->last_seq;
    sx.events = st.entries[STORE_EVENTS];
    sx.store_map_bytes = st.map_size;
    sx.store_used_bytes = st.used_bytes;
    sx.store_max_bytes = b->cfg->map_max;
    sx.connections = (uint32_t)session_count(b->sessions);
    sx.subscriptions = sub_count(b->subs);
    uint32_t attached = 0;
    uint64_t in_flight = 0;
    for (sub_t *u = sub_first(b->subs); u; u = u->next) {
        attached += u->session != NULL;
        in_flight += u->in_flight;
    }
    sx.subscriptions_attached = attached;
    sx.in_flight = in_flight;
    sx.timers_pending = st.entries[STORE_TIMERS];
    sx.episodes_open = st.entries[STORE_EPISODE_OPEN];
    sx.assessments_open = st.entries[STORE_ASSESSMENT_OPEN];
    sx.started_at_ms = b->started_ms;
    sx.uptime_ms = hd_time_now_ms() - b->started_ms;
    sx.batches_committed = b->c.batches - b->c.commit_failures;
    sx.publishes_accepted = b->c.accepted;
    sx.publishes_duplicate = b->c.duplicates;
    sx.frames_rejected = b->c.rejected;
    sx.deliveries = b->c.deliveries;
    sx.acks = b->c.acks;
    sx.queries = b->c.queries;
    sx.max_batch = b->c.max_batch;
    sx.broker_version = (char *)BROKER_VERSION;
    sx.store_full = b->store_full;
    /* connected agents: distinct ids among welcomed sessions (sessions are few) */
    uint32_t agents = 0;
    for (session_t *x = session_first(b->sessions); x; x = x->next) {
        if (!x->welcomed)
            continue;
        session_t *y = session_first(b->sessions);
        while (y != x && !(y->welcomed && strcmp(y->agent_id, x->agent_id) == 0))
            y = y->next;
        agents += y == x;
    }
    sx.agents_connected = agents;
    stage_answer(b, s, corr, &ans);
}

/* ---- collecting a page of records ------------------------------------------------ */

typedef struct {
    void **items;
    size_t n, cap;
    bool oom;
} page_t;

static bool page_push(page_t *p, void *item)
{
    if (!item) {
        p->oom = true;
        return false;
    }
    if (p->n == p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 16;
        void **v = realloc(p->items, cap * sizeof *v);
        if (!v) {
            p->oom = true;
            return false;
        }
        p->items = v;
        p->cap = cap;
    }
    p->items[p->n++] = item;
    return true;
}

static void page_free(page_t *p)
{
    for (size_t i = 0; i < p->n; i++)
        protobuf_c_message_free_unpacked(p->items[i], NULL);
    free(p->items);
}

/* ---- the query kinds that read the store ----------------------------------------- */

/* Writes the QUERY audit record of an answer; BUSY in r when it cannot. */
static int audit_answer(broker_t *b, const session_t *s, const Huddle__Query *q, const char *nhs, uint64_t first_seq,
                        uint32_t count, const char *what, reject_t *r)
{
    Huddle__AuditRecord rec = HUDDLE__AUDIT_RECORD__INIT;
    char desc[128];
    snprintf(desc, sizeof desc, "%s, %u %s", what, count, count == 1 ? "entry" : "entries");
    rec.purpose = HUDDLE__AUDIT_PURPOSE__AUDIT_PURPOSE_QUERY;
    rec.query_kind = q->kind;
    rec.nhs_number = (char *)nhs;
    rec.event_seq = first_seq;
    rec.purpose_text = q->purpose;
    rec.description = desc;
    rec.result_count = count;
    if (broker_audit(b, s, &rec) == STORE_OK)
        return 0;
    reject(r, HUDDLE__REJECT_CODE__REJECT_CODE_BUSY, "", "the audit record of this answer cannot be written; retry");
    r->retry_after_ms = 1000;
    return -1;
}

static int collect_audit(const Huddle__AuditRecord *rec, void *ctx)
{
    return page_push(ctx, record_copy(&rec->base)) ? 0 : 1;
}

static int answer_audit_trail(broker_t *b, const session_t *s, const Huddle__Query *q, uint32_t limit, uint64_t corr,
                              reject_t *r)
{
    bool by_patient = q->nhs_number[0] != '\0';
    if (by_patient && !nhs_number_is_valid(q->nhs_number))
        return reject(r, R_INVALID, "query.nhs_number", "not a valid NHS number (10 digits, Modulus 11)");
    if (by_patient && q->agent_id[0])
        return reject(r, R_INVALID, "query.agent_id", "ask by patient or by agent, not both");
    if (q->agent_id[0] && !workflow_is_id(q->agent_id, SESSION_AGENT_MAX, false))
        return reject(r, R_INVALID, "query.agent_id", "not an agent id");
    store_txn_t *txn = NULL;
    page_t p = {0};
    uint64_t next = 0;
    audit_query_t aq = {q->nhs_number, q->agent_id, q->from_ms, q->to_ms, q->after, limit};
    int rc = store_read_begin(b->store, &txn);
    if (rc == STORE_OK)
        rc = audit_scan(txn, &aq, collect_audit, &p, &next);
    store_txn_end(&txn);
    if (rc != STORE_OK || p.oom) {
        page_free(&p);
        log_error("the audit trail cannot be read: %s", store_strerror(rc));
        reject(r, HUDDLE__REJECT_CODE__REJECT_CODE_BUSY, "", "the audit trail cannot be read now; retry");
        r->retry_after_ms = 1000;
        return -1;
    }
    if (audit_answer(b, s, q, q->nhs_number, 0, (uint32_t)p.n, "audit trail", r) != 0) {
        page_free(&p);
        return -1;
    }
    Huddle__Answer ans = HUDDLE__ANSWER__INIT;
    Huddle__AuditTrail trail = HUDDLE__AUDIT_TRAIL__INIT;
    ans.kind = q->kind;
    ans.result_case = HUDDLE__ANSWER__RESULT_AUDIT_TRAIL;
    ans.audit_trail = &trail;
    ans.truncated = next != 0;
    ans.next_after = next;
    trail.n_records = p.n;
    trail.records = (Huddle__AuditRecord **)p.items;
    stage_answer(b, s, corr, &ans);
    page_free(&p);
    return 0;
}

typedef struct {
    store_txn_t *txn;
    const Huddle__AgentRecord *agent;
    page_t page;
    uint32_t limit;
    size_t key_len;    /* the NHS number's length: the seq follows it in the key */
    uint64_t last_seq; /* of the last event kept */
    bool more;         /* a further visible event exists past the page */
    int err;
} timeline_t;

static int timeline_step(const store_val_t *key, const store_val_t *val, void *ctx)
{
    (void)val;
    timeline_t *t = ctx;
    if (key->len != t->key_len + 8)
        return t->err = STORE_ECORRUPT;
    uint64_t seq = store_u64_from_key((const uint8_t *)key->data + t->key_len);
    store_val_t v;
    Huddle__Event *ev = NULL;
    int rc = store_event_get(t->txn, seq, &v);
    if (rc == STORE_OK && !(ev = huddle__event__unpack(NULL, v.len, v.data)))
        rc = STORE_ECORRUPT;
    if (rc != STORE_OK)
        return t->err = rc;
    if (!access_may_see(t->agent, ev)) {
        huddle__event__free_unpacked(ev, NULL);
        return 0;
    }
    if (t->page.n == t->limit) {
        huddle__event__free_unpacked(ev, NULL);
        t->more = true;
        return 1;
    }
    t->last_seq = seq;
    return page_push(&t->page, ev) ? 0 : (t->err = STORE_ENOMEM);
}

static int answer_timeline(broker_t *b, const session_t *s, const Huddle__Query *q, uint32_t limit, uint64_t corr,
                           reject_t *r)
{
    if (!nhs_number_is_valid(q->nhs_number))
        return reject(r, R_INVALID, "query.nhs_number", "required: a valid NHS number (10 digits, Modulus 11)");
    timeline_t t = {.agent = s->agent, .limit = limit, .key_len = strlen(q->nhs_number)};
    uint8_t from[32];
    memcpy(from, q->nhs_number, t.key_len);
    store_key_u64(from + t.key_len, q->after + 1);
    int rc = store_read_begin(b->store, &t.txn);
    if (rc == STORE_OK) {
        rc = store_scan(t.txn, STORE_PATIENT_EVENTS, from, t.key_len + 8, t.key_len, timeline_step, &t);
        rc = t.err ? t.err : rc > 0 ? STORE_OK : rc;
    }
    store_txn_end(&t.txn);
    if (rc != STORE_OK) {
        page_free(&t.page);
        log_error("a patient timeline cannot be read: %s", store_strerror(rc));
        reject(r, HUDDLE__REJECT_CODE__REJECT_CODE_BUSY, "", "the timeline cannot be read now; retry");
        r->retry_after_ms = 1000;
        return -1;
    }
    uint64_t first = t.page.n ? ((Huddle__Event *)t.page.items[0])->seq : 0;
    if (audit_answer(b, s, q, q->nhs_number, first, (uint32_t)t.page.n, "patient timeline", r) != 0) {
        page_free(&t.page);
        return -1;
    }
    Huddle__Answer ans = HUDDLE__ANSWER__INIT;
    Huddle__Timeline tl = HUDDLE__TIMELINE__INIT;
    ans.kind = q->kind;
    ans.result_case = HUDDLE__ANSWER__RESULT_TIMELINE;
    ans.timeline = &tl;
    ans.truncated = t.more;
    ans.next_after = t.more ? t.last_seq : 0;
    tl.n_events = t.page.n;
    tl.events = (Huddle__Event **)t.page.items;
    stage_answer(b, s, corr, &ans);
    page_free(&t.page);
    return 0;
}

/* ---- the workflows' queries -------------------------------------------------------- */

typedef struct {
    broker_t *b;
    const session_t *s;
    uint64_t corr;
    bool replied;
} wq_host_t;

static int wq_reply(wf_query_t *wq, Huddle__Answer *ans, size_t entries, const char *const *patients,
                    size_t n_patients, const char *what, reject_t *r)
{
    wq_host_t *h = wq->host;
    uint64_t first = 0;
    uint32_t count = (uint32_t)entries;
    if (n_patients == 0 && audit_answer(h->b, h->s, wq->q, "", first, count, what, r) != 0)
        return -1;
    for (size_t i = 0; i < n_patients; i++)
        if (audit_answer(h->b, h->s, wq->q, patients[i], first, count, what, r) != 0)
            return -1;
    ans->kind = wq->q->kind;
    stage_answer(h->b, h->s, h->corr, ans);
    h->replied = true;
    return 0;
}

static const struct {
    Huddle__QueryKind kind;
    wf_query_fn answer;
} wf_queries[] = {
    {HUDDLE__QUERY_KIND__QUERY_KIND_UNSPECIFIED, NULL},
    {HUDDLE__QUERY_KIND__QUERY_KIND_WAITING_LIST, referral_query_waiting},
    {HUDDLE__QUERY_KIND__QUERY_KIND_REFERRAL_HISTORY, referral_query_history},
    {HUDDLE__QUERY_KIND__QUERY_KIND_AGENDA, mdt_query_agenda},
    {HUDDLE__QUERY_KIND__QUERY_KIND_BOARD, board_query},
    {HUDDLE__QUERY_KIND__QUERY_KIND_ASSESSMENTS, assessment_query_list},
    {HUDDLE__QUERY_KIND__QUERY_KIND_DECLINE_COUNTS, assessment_query_declines},
};

/* 1 when no workflow answers the kind; else 0 or -1 as the workflow's function. */
static int answer_workflow(broker_t *b, const session_t *s, const Huddle__Query *q, uint32_t limit, uint64_t corr,
                           reject_t *r)
{
    wf_query_fn fn = NULL;
    for (size_t i = 0; i < sizeof wf_queries / sizeof wf_queries[0]; i++)
        if (wf_queries[i].kind == q->kind && q->kind != HUDDLE__QUERY_KIND__QUERY_KIND_UNSPECIFIED)
            fn = wf_queries[i].answer;
    if (!fn)
        return 1;
    wq_host_t h = {b, s, corr, false};
    wf_query_t wq = {NULL, s->agent, q, b->cfg, broker_now(b), limit, &h, wq_reply};
    int rc = store_read_begin(b->store, &wq.txn);
    if (rc != STORE_OK) {
        reject(r, HUDDLE__REJECT_CODE__REJECT_CODE_BUSY, "", "the store cannot be read now; retry");
        r->retry_after_ms = 1000;
        return -1;
    }
    rc = fn(&wq, r);
    store_txn_end(&wq.txn);
    if (rc == 0 && !h.replied) {
        log_error("query kind %d answered nothing", q->kind);
        return reject(r, HUDDLE__REJECT_CODE__REJECT_CODE_BUSY, "", "the answer could not be built; retry");
    }
    return rc;
}

void broker_on_query(broker_t *b, session_t *s, const Huddle__Frame *f)
{
    const Huddle__Query *q = f->query;
    reject_t r;
    int rc = -1;
    if (!access_may_query(s->agent->role, q->kind)) {
        const ProtobufCEnumValue *k = protobuf_c_enum_descriptor_get_value(&huddle__query_kind__descriptor, q->kind);
        reject(&r, HUDDLE__REJECT_CODE__REJECT_CODE_FORBIDDEN, "query.kind", "the %s role may not ask %s",
               registry_role_name(s->agent->role), k ? k->name : "this query");
        broker_stage_denied(b, s, f->corr, &r, NULL, q->kind, "query");
        return;
    }
    uint32_t limit = q->limit ? q->limit : b->cfg->query_limit_default;
    bool patient_data =
        q->kind != HUDDLE__QUERY_KIND__QUERY_KIND_STATS && q->kind != HUDDLE__QUERY_KIND__QUERY_KIND_DECLINE_COUNTS;
    if (limit > b->cfg->query_limit_max)
        reject(&r, R_INVALID, "query.limit", "at most %u", b->cfg->query_limit_max);
    else if (q->to_ms && q->from_ms >= q->to_ms)
        reject(&r, R_INVALID, "query.to_ms", "must be after from_ms");
    else if (patient_data && (!q->purpose[0] || strlen(q->purpose) > PURPOSE_MAX))
        reject(&r, R_INVALID, "query.purpose", "required for patient data: why it is needed, 1 to 256 bytes");
    else if (q->kind == HUDDLE__QUERY_KIND__QUERY_KIND_STATS)
        rc = 0, answer_stats(b, s, f->corr);
    else if (q->kind == HUDDLE__QUERY_KIND__QUERY_KIND_AUDIT_TRAIL)
        rc = answer_audit_trail(b, s, q, limit, f->corr, &r);
    else if (q->kind == HUDDLE__QUERY_KIND__QUERY_KIND_PATIENT_TIMELINE)
        rc = answer_timeline(b, s, q, limit, f->corr, &r);
    else if ((rc = answer_workflow(b, s, q, limit, f->corr, &r)) == 1)
        rc = reject(&r, R_INVALID, "query.kind",
                    "this broker does not answer this kind yet (its workflow is not built)");
    if (rc != 0 && r.code == HUDDLE__REJECT_CODE__REJECT_CODE_FORBIDDEN)
        broker_stage_denied(b, s, f->corr, &r, NULL, q->kind, "query");
    else if (rc != 0)
        broker_stage_reject(b, s, f->corr, &r, NULL);
    b->c.queries++;
}
