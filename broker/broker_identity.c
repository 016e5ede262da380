/*
 * broker_identity — who each session is: the Hello handler (the agent ZAP named from
 * the connection's key, or with --insecure-dev the one Hello claims; registered and
 * active either way, and its registry record gives the Welcome's role and scope), and
 * the re-check of every session after a revocation or key rotation commits.
 */
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "broker_internal.h"
#include "codec.h"
#include "log.h"
#include "registry.h"

/* The committed registry record of agent id, if it is ACTIVE and (with CURVE) still
 * holds the key the connection presented: 0 with *out, or -1 with r filled. */
static int current_agent(broker_t *b, const char *id, const char *key_z85, Huddle__AgentRecord **out, reject_t *r)
{
    *out = NULL;
    store_txn_t *txn = NULL;
    Huddle__AgentRecord *a = NULL;
    int rc = store_read_begin(b->store, &txn);
    if (rc == STORE_OK)
        rc = registry_agent_get(txn, id, &a);
    store_txn_end(&txn);
    if (rc == STORE_ENOTFOUND)
        return reject(r, HUDDLE__REJECT_CODE__REJECT_CODE_UNAUTHENTICATED, "hello.agent_id", "not a registered agent");
    if (rc != STORE_OK) {
        reject(r, HUDDLE__REJECT_CODE__REJECT_CODE_BUSY, "", "the registry cannot be read; retry");
        r->retry_after_ms = 1000;
        return -1;
    }
    const char *why = NULL;
    char z85[41];
    if (a->status != HUDDLE__AGENT_STATUS__AGENT_STATUS_ACTIVE)
        why = "this agent has been revoked";
    else if (key_z85 && (a->curve_public_key.len != REGISTRY_KEY_LEN ||
                         !zmq_z85_encode(z85, a->curve_public_key.data, REGISTRY_KEY_LEN) || strcmp(z85, key_z85)))
        why = "this connection's key is no longer the agent's key; connect with the current one";
    if (why) {
        huddle__agent_record__free_unpacked(a, NULL);
        return reject(r, HUDDLE__REJECT_CODE__REJECT_CODE_UNAUTHENTICATED, "", "%s", why);
    }
    *out = a;
    return 0;
}

/* The agent was revoked or its key replaced: its subscriptions stop now, it is told,
 * and its next frame is refused. */
static void revoke_session(broker_t *b, session_t *s, const char *why)
{
    log_warn("session %llu (%s): %s; its subscriptions stop", (unsigned long long)s->id, s->agent_id, why);
    s->revoked = true;
    for (sub_t *u = sub_first(b->subs); u; u = u->next)
        if (u->session == s)
            sub_detach(u);
    Huddle__Frame f;
    Huddle__Bye bye = HUDDLE__BYE__INIT;
    codec_frame_init(&f, 0);
    f.body_case = HUDDLE__FRAME__BODY_BYE;
    f.bye = &bye;
    bye.reason = (char *)why;
    broker_push_now(b, s, &f);
}

/* After a committed revocation or key rotation: every session is held against the
 * registry again. */
void broker_recheck_sessions(broker_t *b)
{
    b->registry_changed = false;
    for (session_t *s = session_first(b->sessions); s; s = s->next) {
        if (!s->welcomed || s->revoked)
            continue;
        Huddle__AgentRecord *a;
        reject_t r;
        if (current_agent(b, s->agent_id, s->key_z85[0] ? s->key_z85 : NULL, &a, &r) == 0) {
            huddle__agent_record__free_unpacked(s->agent, NULL);
            s->agent = a;
        } else if (r.code == HUDDLE__REJECT_CODE__REJECT_CODE_UNAUTHENTICATED) {
            revoke_session(b, s, r.reason);
        }
    }
}

/* Who the session is: with CURVE, the agent ZAP named from the key (Hello may only
 * confirm it); with --insecure-dev, whoever Hello claims. Either way the agent must be
 * registered and active, and its record gives the role and scope. */
void broker_on_hello(broker_t *b, session_t *s, const Huddle__Frame *f)
{
    const Huddle__Hello *h = f->hello;
    const bool secure = !b->cfg->insecure_dev;
    const char *id = secure ? s->user_id : h->agent_id;
    reject_t r;
    Huddle__AgentRecord *a = NULL;
    if (secure && !id[0])
        reject(&r, HUDDLE__REJECT_CODE__REJECT_CODE_UNAUTHENTICATED, "", "the connection has no authenticated agent");
    else if (!secure && !workflow_is_id(id, SESSION_AGENT_MAX, false))
        reject(&r, HUDDLE__REJECT_CODE__REJECT_CODE_UNAUTHENTICATED, "hello.agent_id",
               "required: 1 to 64 of A-Z a-z 0-9 . _ -");
    else if (secure && h->agent_id[0] && strcmp(h->agent_id, id) != 0)
        reject(&r, HUDDLE__REJECT_CODE__REJECT_CODE_UNAUTHENTICATED, "hello.agent_id",
               "not the agent this connection's key belongs to");
    else if (s->welcomed && strcmp(s->agent_id, id) != 0)
        reject(&r, HUDDLE__REJECT_CODE__REJECT_CODE_UNAUTHENTICATED, "hello.agent_id",
               "a connection cannot change agent; connect again");
    else
        current_agent(b, id, s->key_z85[0] ? s->key_z85 : NULL, &a, &r);
    if (!a) {
        log_warn("session %llu: Hello refused: %s", (unsigned long long)s->id, r.reason);
        broker_stage_reject(b, s, f->corr, &r, NULL);
        return;
    }
    if (!s->welcomed)
        log_info("session %llu: agent %s (%s) connected", (unsigned long long)s->id, id,
                 registry_role_name(a->role));
    snprintf(s->agent_id, sizeof s->agent_id, "%s", id);
    if (s->agent)
        huddle__agent_record__free_unpacked(s->agent, NULL);
    s->agent = a;
    s->welcomed = true;
    Huddle__Frame out;
    Huddle__Welcome w = HUDDLE__WELCOME__INIT;
    codec_frame_init(&out, f->corr);
    out.body_case = HUDDLE__FRAME__BODY_WELCOME;
    out.welcome = &w;
    w.agent_id = s->agent_id;
    w.role = a->role;
    w.org_ods = a->org_ods;
    w.n_neighbourhood_ids = a->n_neighbourhood_ids;
    w.neighbourhood_ids = a->neighbourhood_ids;
    w.hospital_ods = a->hospital_ods;
    w.local_authority = a->local_authority;
    w.display_name = a->display_name;
    w.broker_version = (char *)BROKER_VERSION;
    w.max_frame_bytes = (uint32_t)b->cfg->max_frame;
    w.heartbeat_ms = (uint32_t)b->cfg->heartbeat_ivl;
    w.server_time_ms = broker_now(b);
    w.max_credit = b->cfg->credit_max;
    w.max_query_limit = b->cfg->query_limit_max;
    w.insecure = b->cfg->insecure_dev;
    w.last_seq = b->last_seq;
    broker_stage(b, s, &out, false, NULL);
}
