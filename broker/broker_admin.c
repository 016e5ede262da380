/*
 * broker_admin — the Admin frame: registry changes and listings from an ADMIN agent,
 * applied in the open batch with the registry's own rules (registry.c), each written
 * to the audit trail in the same batch, answered once the batch commits.
 *
 * A revocation or key rotation marks the batch: once it commits, the broker holds
 * every session against the registry again, so the agent's subscriptions stop and its
 * next frame is refused (broker.c, recheck_sessions).
 *
 * Trust agreements are the trusted-assessment workflow's records (agreement.h): their
 * commands run with a workflow context of the batch, so that the derived event each
 * change appends (TRUST_AGREEMENT_RECORDED, _REVOKED) is delivered to subscribers once
 * the batch commits, like any other derived event.
 */
#include <stdlib.h>
#include <string.h>

#include "agreement.h"
#include "broker_internal.h"
#include "codec.h"
#include "log.h"
#include "record.h"
#include "registry.h"

typedef struct {
    void **items;
    size_t n, cap, limit;
    bool oom, truncated;
} list_t;

static int list_push(list_t *l, const ProtobufCMessage *m)
{
    if (l->n == l->limit) {
        l->truncated = true;
        return 1;
    }
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 16;
        void **v = realloc(l->items, cap * sizeof *v);
        if (!v)
            return l->oom = true;
        l->items = v;
        l->cap = cap;
    }
    if (!(l->items[l->n] = record_copy(m)))
        return l->oom = true;
    l->n++;
    return 0;
}

static int push_agent(const Huddle__AgentRecord *r, void *ctx) { return list_push(ctx, &r->base); }
static int push_practice(const Huddle__PracticeRecord *r, void *ctx) { return list_push(ctx, &r->base); }
static int push_neighbourhood(const Huddle__NeighbourhoodRecord *r, void *ctx) { return list_push(ctx, &r->base); }
static int push_agreement(const Huddle__TrustAgreementRecord *r, void *ctx) { return list_push(ctx, &r->base); }

static void list_free(list_t *l)
{
    for (size_t i = 0; i < l->n; i++)
        protobuf_c_message_free_unpacked(l->items[i], NULL);
    free(l->items);
}

/* The one record a change names, as the batch now holds it. */
static int fetch_one(store_txn_t *txn, Huddle__Admin__CommandCase c, const char *id, list_t *l)
{
    void *rec = NULL;
    int rc;
    if (c == HUDDLE__ADMIN__COMMAND_PRACTICE_ADD)
        rc = registry_practice_get(txn, id, (Huddle__PracticeRecord **)&rec);
    else if (c == HUDDLE__ADMIN__COMMAND_AGREEMENT_ADD || c == HUDDLE__ADMIN__COMMAND_AGREEMENT_REVOKE)
        rc = agreement_get(txn, id, (Huddle__TrustAgreementRecord **)&rec);
    else if (c == HUDDLE__ADMIN__COMMAND_NEIGHBOURHOOD_ADD)
        rc = registry_neighbourhood_get(txn, id, (Huddle__NeighbourhoodRecord **)&rec);
    else
        rc = registry_agent_get(txn, id, (Huddle__AgentRecord **)&rec);
    if (rc != STORE_OK)
        return rc;
    l->items = malloc(sizeof *l->items);
    if (!l->items) {
        protobuf_c_message_free_unpacked(rec, NULL);
        return STORE_ENOMEM;
    }
    l->items[0] = rec;
    l->n = l->cap = 1;
    return STORE_OK;
}

/* Applies one command: 0 with the records to answer in *l and a summary in what, or
 * -1 with r filled. */
static int apply(broker_t *b, session_t *s, store_txn_t *txn, const Huddle__Admin *a, list_t *l, char *what,
                 size_t what_len, reject_t *r)
{
    int64_t now = broker_now(b);
    const char *id = NULL;
    int rc = 0;
    bool writes_log = false; /* a store failure after the derived event leaves the batch half done */
    wf_ctx_t ctx;
    broker_wf_ctx(b, &ctx, txn, s);
    switch (a->command_case) {
    case HUDDLE__ADMIN__COMMAND_AGENT_ADD:
        id = a->agent_add->agent_id;
        rc = registry_agent_add(txn, a->agent_add, now, r);
        snprintf(what, what_len, "agent_add %s", id);
        break;
    case HUDDLE__ADMIN__COMMAND_AGENT_REVOKE:
        id = a->agent_revoke->agent_id;
        rc = registry_agent_revoke(txn, id, a->agent_revoke->reason, now, r);
        b->registry_changed |= rc == 0;
        snprintf(what, what_len, "agent_revoke %s", id);
        break;
    case HUDDLE__ADMIN__COMMAND_AGENT_ROTATE_KEY:
        id = a->agent_rotate_key->agent_id;
        rc = registry_agent_rotate_key(txn, id, a->agent_rotate_key->new_curve_public_key.data,
                                       a->agent_rotate_key->new_curve_public_key.len, now, r);
        b->registry_changed |= rc == 0;
        snprintf(what, what_len, "agent_rotate_key %s", id);
        break;
    case HUDDLE__ADMIN__COMMAND_PRACTICE_ADD:
        id = a->practice_add->ods;
        rc = registry_practice_add(txn, a->practice_add, now, r);
        snprintf(what, what_len, "practice_add %s", id);
        break;
    case HUDDLE__ADMIN__COMMAND_NEIGHBOURHOOD_ADD:
        id = a->neighbourhood_add->neighbourhood_id;
        rc = registry_neighbourhood_add(txn, a->neighbourhood_add, now, r);
        snprintf(what, what_len, "neighbourhood_add %s", id);
        break;
    case HUDDLE__ADMIN__COMMAND_AGENT_LIST:
        rc = registry_agent_list(txn, a->agent_list, push_agent, l);
        snprintf(what, what_len, "agent_list");
        break;
    case HUDDLE__ADMIN__COMMAND_PRACTICE_LIST:
        rc = registry_practice_list(txn, a->practice_list->neighbourhood_id, push_practice, l);
        snprintf(what, what_len, "practice_list");
        break;
    case HUDDLE__ADMIN__COMMAND_NEIGHBOURHOOD_LIST:
        rc = registry_neighbourhood_list(txn, a->neighbourhood_list->local_authority, push_neighbourhood, l);
        snprintf(what, what_len, "neighbourhood_list");
        break;
    case HUDDLE__ADMIN__COMMAND_AGREEMENT_ADD:
        id = a->agreement_add->agreement ? a->agreement_add->agreement->agreement_id : "";
        rc = agreement_add(&ctx, a->agreement_add->agreement, r);
        writes_log = true;
        snprintf(what, what_len, "agreement_add %s", id);
        break;
    case HUDDLE__ADMIN__COMMAND_AGREEMENT_REVOKE:
        id = a->agreement_revoke->agreement_id;
        rc = agreement_revoke(&ctx, a->agreement_revoke, r);
        writes_log = true;
        snprintf(what, what_len, "agreement_revoke %s", id);
        break;
    case HUDDLE__ADMIN__COMMAND_AGREEMENT_LIST:
        rc = agreement_list(txn, a->agreement_list, now, push_agreement, l);
        snprintf(what, what_len, "agreement_list");
        break;
    default:
        return reject(r, R_INVALID, "admin", "required: one command");
    }
    if (rc == -1)
        return -1; /* r says why */
    if (id && rc == 0)
        rc = fetch_one(txn, a->command_case, id, l);
    if (rc < 0 || l->oom) {
        b->batch_failed |= writes_log && rc < 0;
        log_error("admin %s: the store failed: %s", what, store_strerror(rc < 0 ? rc : STORE_ENOMEM));
        reject(r, HUDDLE__REJECT_CODE__REJECT_CODE_BUSY, "", "the registry cannot be changed now; retry");
        r->retry_after_ms = 1000;
        return -1;
    }
    return 0;
}

void broker_on_admin(broker_t *b, session_t *s, const Huddle__Frame *f)
{
    const Huddle__Admin *a = f->admin;
    reject_t r;
    if (s->agent->role != HUDDLE__ROLE__ROLE_ADMIN) {
        reject(&r, HUDDLE__REJECT_CODE__REJECT_CODE_FORBIDDEN, "admin", "registry commands need the ADMIN role");
        broker_stage_denied(b, s, f->corr, &r, NULL, HUDDLE__QUERY_KIND__QUERY_KIND_UNSPECIFIED, "admin command");
        return;
    }
    if (b->shutting_down) {
        reject(&r, HUDDLE__REJECT_CODE__REJECT_CODE_SHUTTING_DOWN, "", "the broker is shutting down");
        broker_stage_reject(b, s, f->corr, &r, NULL);
        return;
    }
    store_txn_t *txn = broker_batch_for(b, s, f->corr, NULL);
    if (!txn)
        return;
    list_t l = {.limit = b->cfg->query_limit_max};
    char what[128];
    if (apply(b, s, txn, a, &l, what, sizeof what, &r) != 0) {
        list_free(&l);
        broker_stage_reject(b, s, f->corr, &r, NULL);
        return;
    }
    Huddle__AuditRecord rec = HUDDLE__AUDIT_RECORD__INIT;
    rec.purpose = HUDDLE__AUDIT_PURPOSE__AUDIT_PURPOSE_ADMIN;
    rec.description = what;
    rec.result_count = (uint32_t)l.n;
    if (broker_audit(b, s, &rec) != STORE_OK) {
        list_free(&l);
        reject(&r, HUDDLE__REJECT_CODE__REJECT_CODE_BUSY, "", "the audit record cannot be written; retry");
        broker_stage_reject(b, s, f->corr, &r, NULL);
        return; /* the store refused a write: the batch cannot commit, so the change goes too */
    }
    log_info("admin %s: %s", s->agent_id, what);

    Huddle__Frame out;
    Huddle__Answer ans = HUDDLE__ANSWER__INIT;
    Huddle__AdminResult res = HUDDLE__ADMIN_RESULT__INIT;
    codec_frame_init(&out, f->corr);
    out.body_case = HUDDLE__FRAME__BODY_ANSWER;
    out.answer = &ans;
    ans.result_case = HUDDLE__ANSWER__RESULT_ADMIN;
    ans.admin = &res;
    ans.truncated = l.truncated;
    char msg[160];
    snprintf(msg, sizeof msg, "%s: done%s", what, l.truncated ? " (list truncated)" : "");
    res.message = msg;
    switch (a->command_case) {
    case HUDDLE__ADMIN__COMMAND_PRACTICE_ADD:
    case HUDDLE__ADMIN__COMMAND_PRACTICE_LIST:
        res.n_practices = l.n, res.practices = (Huddle__PracticeRecord **)l.items;
        break;
    case HUDDLE__ADMIN__COMMAND_NEIGHBOURHOOD_ADD:
    case HUDDLE__ADMIN__COMMAND_NEIGHBOURHOOD_LIST:
        res.n_neighbourhoods = l.n, res.neighbourhoods = (Huddle__NeighbourhoodRecord **)l.items;
        break;
    case HUDDLE__ADMIN__COMMAND_AGREEMENT_ADD:
    case HUDDLE__ADMIN__COMMAND_AGREEMENT_REVOKE:
    case HUDDLE__ADMIN__COMMAND_AGREEMENT_LIST:
        res.n_agreements = l.n, res.agreements = (Huddle__TrustAgreementRecord **)l.items;
        break;
    default:
        res.n_agents = l.n, res.agents = (Huddle__AgentRecord **)l.items;
        break;
    }
    broker_stage(b, s, &out, true, NULL);
    list_free(&l);
}
