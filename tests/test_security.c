/*
 * test_security — end to end, the real huddled over TCP loopback with CURVE on, and
 * agents of every role on the client library: who may connect (unknown keys, revoked
 * and replaced keys, plain TCP only with --insecure-dev), who may publish what (the
 * matrix, FORBIDDEN and nothing stored), who sees which patient (deliveries and
 * timeline queries held to each agent's scope, a filter never widening it, the
 * auditor seeing no clinical payload), the audit trail holding exactly the
 * disclosures that happened, and no NHS number in the broker's log.
 *
 * Patient events are written into the store before the broker starts, as the
 * workflows will write them: this file tests the security layer, not a workflow.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <zmq.h>

#include "access.h"
#include "codec.h"
#include "hd_client.h"
#include "testutil.h"
#include "tu_registry.h"

#define S(literal) ((char *)(literal))

/* Two patients: P1 registered at A81001 (nb-north, council E08000026), P2 at B82001
 * (nb-south, council E08000027); both in hospital RXH. */
#define P1 "9434765919"
#define P2 "4010232137"

enum { GP_A, GP_B, COORD_N, COORD_S, MDT_N, HUB, TA, CP, SC, AUDITOR, OPS, N_AGENTS };
static tu_agent_t agents[N_AGENTS] = {
    [GP_A] = {.id = "gp-a81001", .role = HUDDLE__ROLE__ROLE_GP_PRACTICE, .org = "A81001"},
    [GP_B] = {.id = "gp-b82001", .role = HUDDLE__ROLE__ROLE_GP_PRACTICE, .org = "B82001"},
    [COORD_N] = {.id = "coord-north", .role = HUDDLE__ROLE__ROLE_INT_COORDINATOR, .org = "RXH01",
                 .neighbourhood = "nb-north"},
    [COORD_S] = {.id = "coord-south", .role = HUDDLE__ROLE__ROLE_INT_COORDINATOR, .org = "RXH02",
                 .neighbourhood = "nb-south"},
    [MDT_N] = {.id = "dn-north", .role = HUDDLE__ROLE__ROLE_MDT_MEMBER, .org = "RYJ01", .neighbourhood = "nb-north"},
    [HUB] = {.id = "hub-rxh", .role = HUDDLE__ROLE__ROLE_DISCHARGE_HUB, .org = "RXH", .hospital = "RXH"},
    [TA] = {.id = "assessor-1", .role = HUDDLE__ROLE__ROLE_TRUSTED_ASSESSOR, .org = "RXH", .hospital = "RXH"},
    [CP] = {.id = "carehome-1", .role = HUDDLE__ROLE__ROLE_CARE_PROVIDER, .org = "VNA12"},
    [SC] = {.id = "asc-north", .role = HUDDLE__ROLE__ROLE_SOCIAL_CARE, .org = "E08000026", .la = "E08000026"},
    [AUDITOR] = {.id = "ig-auditor", .role = HUDDLE__ROLE__ROLE_AUDITOR, .org = "X26"},
    [OPS] = {.id = "ops", .role = HUDDLE__ROLE__ROLE_ADMIN, .org = "X26"},
};

typedef struct {
    char dir[256];
    tu_broker_t broker;
    char broker_pub[41];
} fx_t;

static int wait_ms(void)
{
    return tu_under_valgrind() ? 20000 : 3000;
}

/* ---- the seeded patient events --------------------------------------------------- */

typedef struct {
    Huddle__EventKind kind;
    const char *nhs, *practice, *nbh, *la, *hospital;
} seed_t;

/* seq 1..4, in this order */
static const seed_t seeds[] = {
    {HUDDLE__EVENT_KIND__EVENT_KIND_REFERRAL_STATUS_CHANGED, P1, "A81001", "nb-north", "E08000026", ""},
    {HUDDLE__EVENT_KIND__EVENT_KIND_REFERRAL_STATUS_CHANGED, P2, "B82001", "nb-south", "E08000027", ""},
    {HUDDLE__EVENT_KIND__EVENT_KIND_EPISODE_UPDATED, P1, "A81001", "nb-north", "E08000026", "RXH"},
    {HUDDLE__EVENT_KIND__EVENT_KIND_EPISODE_UPDATED, P2, "B82001", "nb-south", "E08000027", "RXH"},
};
#define N_SEEDS (sizeof seeds / sizeof seeds[0])

static void seed_patient_events(fx_t *f)
{
    Huddle__Event ev[N_SEEDS], *evp[N_SEEDS];
    Huddle__Subject subj[N_SEEDS];
    Huddle__Scope sc[N_SEEDS];
    Huddle__ReferralStatusChanged rs[N_SEEDS];
    Huddle__EpisodeUpdate eu[N_SEEDS];
    for (size_t i = 0; i < N_SEEDS; i++) {
        huddle__event__init(&ev[i]);
        huddle__subject__init(&subj[i]);
        huddle__scope__init(&sc[i]);
        ev[i].message_id = S("seeded");
        ev[i].kind = seeds[i].kind;
        ev[i].derived = true;
        ev[i].received_at_ms = 1800000000000 + (int64_t)i;
        ev[i].subject = &subj[i];
        ev[i].scope = &sc[i];
        subj[i].nhs_number = (char *)seeds[i].nhs;
        sc[i].practice_ods = (char *)seeds[i].practice;
        sc[i].neighbourhood_id = (char *)seeds[i].nbh;
        sc[i].local_authority = (char *)seeds[i].la;
        sc[i].hospital_ods = (char *)seeds[i].hospital;
        if (seeds[i].kind == HUDDLE__EVENT_KIND__EVENT_KIND_EPISODE_UPDATED) {
            huddle__episode_update__init(&eu[i]);
            eu[i].ward = S("Ward 7");
            ev[i].payload_case = HUDDLE__EVENT__PAYLOAD_EPISODE_UPDATE;
            ev[i].episode_update = &eu[i];
        } else {
            huddle__referral_status_changed__init(&rs[i]);
            rs[i].referral_id = S("R-1");
            rs[i].to_status = HUDDLE__REFERRAL_STATUS__REFERRAL_STATUS_ACCEPTED;
            ev[i].payload_case = HUDDLE__EVENT__PAYLOAD_REFERRAL_STATUS_CHANGED;
            ev[i].referral_status_changed = &rs[i];
        }
        evp[i] = &ev[i];
    }
    assert_int_equal(tu_seed_events(f->dir, evp, N_SEEDS), 0);
}

static int setup(void **state)
{
    fx_t *f = calloc(1, sizeof *f);
    assert_non_null(f);
    assert_int_equal(tu_mkdtemp(f->dir, sizeof f->dir), 0);
    assert_int_equal(tu_registry_seed(f->dir, agents, N_AGENTS, f->broker_pub), 0);
    seed_patient_events(f);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx_t *f = *state;
    if (f->broker.pid > 0)
        tu_broker_stop(&f->broker, SIGKILL);
    tu_rmtree(f->dir);
    free(f);
    return 0;
}

static void start(fx_t *f, const char *const *extra)
{
    if (tu_broker_start(&f->broker, f->dir, extra) != 0)
        fail_msg("huddled did not start (log: %s)", f->broker.log);
}

/* A session as agent id with these keys (secret NULL: plain TCP); the client's result. */
static int try_connect(fx_t *f, const char *id, const char *secret, int timeout_ms, hd_client_t **c)
{
    hd_client_config_t cfg;
    hd_client_config_defaults(&cfg);
    cfg.endpoint = f->broker.endpoint;
    cfg.agent_id = id;
    cfg.server_key = secret ? f->broker_pub : NULL;
    cfg.secret_key = secret;
    cfg.request_timeout_ms = timeout_ms;
    cfg.publish_retries = 0;
    cfg.backoff_min_ms = 20;
    cfg.backoff_max_ms = 200;
    *c = NULL;
    return hd_client_new(c, &cfg);
}

static hd_client_t *agent(fx_t *f, int who)
{
    hd_client_t *c;
    int rc = try_connect(f, agents[who].id, agents[who].sec, wait_ms(), &c);
    if (rc != HD_CLIENT_OK)
        fail_msg("%s cannot connect: %s", agents[who].id, hd_client_strerror(rc));
    return c;
}

/* ---- connecting --------------------------------------------------------------------- */

static void test_unknown_key_refused_at_handshake(void **state)
{
    fx_t *f = *state;
    start(f, NULL);
    char pub[41], sec[41];
    assert_int_equal(zmq_curve_keypair(pub, sec), 0);
    hd_client_t *c;
    /* a stranger's key, even claiming a registered agent's id */
    assert_int_not_equal(try_connect(f, agents[GP_A].id, sec, 1500, &c), HD_CLIENT_OK);
    assert_null(c);
    /* plain TCP to a CURVE broker gets nowhere */
    assert_int_not_equal(try_connect(f, agents[GP_A].id, NULL, 1500, &c), HD_CLIENT_OK);
    /* a registered key claiming someone else's id is refused after the handshake */
    assert_int_equal(try_connect(f, agents[GP_B].id, agents[GP_A].sec, wait_ms(), &c), HD_CLIENT_EREJECTED);
    assert_true(tu_file_contains(f->broker.log, "handshake refused: key"));
    /* and the right key works */
    c = agent(f, GP_A);
    assert_string_equal(hd_client_welcome(c)->agent_id, agents[GP_A].id);
    assert_int_equal(hd_client_welcome(c)->role, HUDDLE__ROLE__ROLE_GP_PRACTICE);
    assert_string_equal(hd_client_welcome(c)->org_ods, "A81001");
    assert_false(hd_client_welcome(c)->insecure);
    hd_client_destroy(&c);
}

static void test_insecure_only_with_its_flag(void **state)
{
    fx_t *f = *state;
    /* without its key and without the flag, the broker will not start */
    char key[600];
    snprintf(key, sizeof key, "%s/keys/broker.key", f->dir);
    assert_int_equal(chmod(key, 0644), 0);
    assert_int_not_equal(tu_broker_start(&f->broker, f->dir, NULL), 0);
    assert_true(tu_file_contains(f->broker.log, "chmod 600"));
    assert_int_equal(unlink(key), 0);
    assert_int_not_equal(tu_broker_start(&f->broker, f->dir, NULL), 0);
    assert_true(tu_file_contains(f->broker.log, "--insecure-dev runs without CURVE"));

    const char *flag[] = {"--insecure-dev", NULL};
    start(f, flag);
    assert_true(tu_file_contains(f->broker.log, "INSECURE: --insecure-dev is on"));
    hd_client_t *c;
    assert_int_equal(try_connect(f, agents[GP_A].id, NULL, wait_ms(), &c), HD_CLIENT_OK);
    assert_true(hd_client_welcome(c)->insecure);
    assert_int_equal(hd_client_welcome(c)->role, HUDDLE__ROLE__ROLE_GP_PRACTICE);
    hd_client_destroy(&c);
    /* even then, only registered agents */
    assert_int_equal(try_connect(f, "nobody-known", NULL, wait_ms(), &c), HD_CLIENT_EREJECTED);
}

/* ---- publishing ----------------------------------------------------------------------- */

static int publish_kind(hd_client_t *c, int kind, const char *id, hd_publish_result_t *res)
{
    Huddle__Event ev = HUDDLE__EVENT__INIT;
    Huddle__Message m = HUDDLE__MESSAGE__INIT;
    ev.message_id = (char *)id;
    ev.kind = kind;
    if (kind == HUDDLE__EVENT_KIND__EVENT_KIND_MESSAGE) {
        ev.payload_case = HUDDLE__EVENT__PAYLOAD_MESSAGE;
        ev.message = &m;
        m.topic = S("ops");
    }
    return hd_client_publish(c, &ev, res);
}

static void test_each_role_forbidden_what_it_may_not_publish(void **state)
{
    fx_t *f = *state;
    start(f, NULL);
    /* independent of the table: the rules the issue names */
    assert_false(access_may_publish(HUDDLE__ROLE__ROLE_AUDITOR, HUDDLE__EVENT_KIND__EVENT_KIND_MESSAGE));
    assert_false(access_may_publish(HUDDLE__ROLE__ROLE_GP_PRACTICE, HUDDLE__EVENT_KIND__EVENT_KIND_REFERRAL_TRIAGED));
    assert_false(
        access_may_publish(HUDDLE__ROLE__ROLE_INT_COORDINATOR, HUDDLE__EVENT_KIND__EVENT_KIND_REFERRAL_SUBMITTED));
    unsigned refused = 0;
    for (int who = 0; who < N_AGENTS; who++) {
        hd_client_t *c = agent(f, who);
        for (unsigned k = 0; k < huddle__event_kind__descriptor.n_values; k++) {
            int kind = huddle__event_kind__descriptor.values[k].value;
            if (kind == 0 || access_may_publish(agents[who].role, kind))
                continue;
            char id[32];
            snprintf(id, sizeof id, "try-%d", kind);
            hd_publish_result_t res;
            int rc = publish_kind(c, kind, id, &res);
            if (rc != HD_CLIENT_EREJECTED || res.rejection.code != HUDDLE__REJECT_CODE__REJECT_CODE_FORBIDDEN)
                fail_msg("%s publishing kind %d: %s %s", agents[who].id, kind, hd_client_strerror(rc),
                         res.rejection.reason);
            assert_string_equal(res.rejection.field, "publish.event.kind");
            refused++;
        }
        hd_client_destroy(&c);
    }
    assert_true(refused > 100);
    /* nothing stored: the log holds the seeded events only; each refusal is audited */
    hd_client_t *ops = agent(f, OPS);
    Huddle__Query q = HUDDLE__QUERY__INIT;
    q.kind = HUDDLE__QUERY_KIND__QUERY_KIND_STATS;
    Huddle__Answer *a = NULL;
    assert_int_equal(hd_client_query(ops, &q, &a), HD_CLIENT_OK);
    assert_int_equal(a->stats->events, N_SEEDS);
    assert_int_equal(a->stats->seq_last, N_SEEDS);
    hd_client_answer_free(&a);
    unsigned denied = 0;
    uint64_t after = 0;
    do {
        q.kind = HUDDLE__QUERY_KIND__QUERY_KIND_AUDIT_TRAIL;
        q.purpose = S("information governance review");
        q.after = after;
        q.limit = 1000;
        assert_int_equal(hd_client_query(ops, &q, &a), HD_CLIENT_OK);
        for (size_t i = 0; i < a->audit_trail->n_records; i++)
            denied += a->audit_trail->records[i]->purpose == HUDDLE__AUDIT_PURPOSE__AUDIT_PURPOSE_DENIED;
        after = a->next_after;
        hd_client_answer_free(&a);
    } while (after);
    assert_int_equal(denied, refused);
    hd_client_destroy(&ops);
}

/* ---- seeing ----------------------------------------------------------------------------- */

/* Subscribes from the start (with filter, may be NULL) and collects the seqs delivered
 * until nothing more comes; returns a bitmask of seqs 1..63. */
static uint64_t deliveries(hd_client_t *c, const char *name, const Huddle__Filter *filter)
{
    hd_subscribed_t out;
    assert_int_equal(hd_client_subscribe(c, name, filter, 100, true, &out), HD_CLIENT_OK);
    uint64_t seen = 0;
    hd_delivery_t d;
    while (hd_client_next(c, tu_under_valgrind() ? 3000 : 700, &d) == HD_CLIENT_OK) {
        assert_true(d.seq < 64);
        seen |= UINT64_C(1) << d.seq;
        assert_int_equal(hd_client_ack(c, name, d.seq), HD_CLIENT_OK);
        hd_delivery_release(&d);
    }
    return seen;
}

#define SEQS(...) seqs_mask((int[]){__VA_ARGS__, 0})
static uint64_t seqs_mask(const int *s)
{
    uint64_t m = 0;
    for (; *s; s++)
        m |= UINT64_C(1) << *s;
    return m;
}

/* The timeline of a patient as an agent sees it: a bitmask of seqs, or ~0 if refused. */
static uint64_t timeline(hd_client_t *c, const char *nhs)
{
    Huddle__Query q = HUDDLE__QUERY__INIT;
    q.kind = HUDDLE__QUERY_KIND__QUERY_KIND_PATIENT_TIMELINE;
    q.nhs_number = (char *)nhs;
    q.purpose = S("MDT preparation");
    Huddle__Answer *a = NULL;
    if (hd_client_query(c, &q, &a) != HD_CLIENT_OK)
        return ~UINT64_C(0);
    uint64_t m = 0;
    for (size_t i = 0; i < a->timeline->n_events; i++)
        m |= UINT64_C(1) << a->timeline->events[i]->seq;
    hd_client_answer_free(&a);
    return m;
}

/* The (agent's) DELIVERY audit records as a bitmask of seqs. */
static uint64_t audited_deliveries(hd_client_t *auditor, const char *agent_id, unsigned *queries)
{
    Huddle__Query q = HUDDLE__QUERY__INIT;
    q.kind = HUDDLE__QUERY_KIND__QUERY_KIND_AUDIT_TRAIL;
    q.agent_id = (char *)agent_id;
    q.purpose = S("access review");
    q.limit = 1000;
    Huddle__Answer *a = NULL;
    assert_int_equal(hd_client_query(auditor, &q, &a), HD_CLIENT_OK);
    assert_int_equal(a->result_case, HUDDLE__ANSWER__RESULT_AUDIT_TRAIL);
    uint64_t m = 0;
    *queries = 0;
    for (size_t i = 0; i < a->audit_trail->n_records; i++) {
        const Huddle__AuditRecord *r = a->audit_trail->records[i];
        assert_string_equal(r->agent_id, agent_id);
        if (r->purpose == HUDDLE__AUDIT_PURPOSE__AUDIT_PURPOSE_DELIVERY) {
            assert_false(m & (UINT64_C(1) << r->event_seq)); /* one record per delivery */
            m |= UINT64_C(1) << r->event_seq;
            assert_string_equal(r->nhs_number, (r->event_seq % 2) ? P1 : P2);
        }
        *queries += r->purpose == HUDDLE__AUDIT_PURPOSE__AUDIT_PURPOSE_QUERY;
    }
    hd_client_answer_free(&a);
    return m;
}

static void test_scope_decides_every_delivery_query_and_audit(void **state)
{
    fx_t *f = *state;
    start(f, NULL);
    static const struct {
        int who;
        int seqs[5];
    } expect[] = {
        {GP_A, {1, 3}},    {GP_B, {2, 4}}, {COORD_N, {1, 3}}, {COORD_S, {2, 4}}, {MDT_N, {3}},
        {HUB, {3, 4}},     {SC, {1, 3}},   {TA, {3, 4}} /* hospital-based: its hospital's episodes */,
        {CP, {0}},         {AUDITOR, {0}}, {OPS, {0}},
    };
    uint64_t seen[N_AGENTS] = {0};
    for (size_t i = 0; i < sizeof expect / sizeof expect[0]; i++) {
        int who = expect[i].who;
        hd_client_t *c = agent(f, who);
        seen[who] = deliveries(c, "everything", NULL);
        uint64_t want = expect[i].seqs[0] ? seqs_mask(expect[i].seqs) : 0;
        if (seen[who] != want)
            fail_msg("%s received seqs %#llx, expected %#llx", agents[who].id, (unsigned long long)seen[who],
                     (unsigned long long)want);
        hd_client_destroy(&c);
    }
    /* a filter narrows scope and never widens it */
    hd_client_t *gpa = agent(f, GP_A);
    Huddle__Filter flt = HUDDLE__FILTER__INIT;
    char *other[] = {S("B82001")}, *p2[] = {S(P2)};
    flt.n_practice_ods = 1;
    flt.practice_ods = other;
    assert_int_equal(deliveries(gpa, "practice-b", &flt), 0);
    Huddle__Filter byp = HUDDLE__FILTER__INIT;
    byp.n_nhs_numbers = 1;
    byp.nhs_numbers = p2;
    assert_int_equal(deliveries(gpa, "patient-2", &byp), 0);

    /* queries: each sees its own patients only, and the auditor no clinical data */
    assert_int_equal(timeline(gpa, P1), SEQS(1, 3));
    assert_int_equal(timeline(gpa, P2), 0);
    hd_client_destroy(&gpa);
    hd_client_t *cn = agent(f, COORD_N);
    assert_int_equal(timeline(cn, P2), 0);
    assert_int_equal(timeline(cn, P1), SEQS(1, 3));
    hd_client_destroy(&cn);
    hd_client_t *aud = agent(f, AUDITOR);
    assert_int_equal(timeline(aud, P1), ~UINT64_C(0));
    assert_int_equal(hd_client_last_rejection(aud)->code, HUDDLE__REJECT_CODE__REJECT_CODE_FORBIDDEN);

    /* the trail holds exactly the deliveries that happened, one record each, and the
     * answers given: two timelines each for gp-a81001 and coord-north, and for the
     * auditor each look-up of this loop before its own (an answer's record is written
     * with the answer, after its page was read) */
    for (int who = 0; who < N_AGENTS; who++) {
        unsigned queries;
        uint64_t audited = audited_deliveries(aud, agents[who].id, &queries);
        if (audited != seen[who])
            fail_msg("%s: audited %#llx, delivered %#llx", agents[who].id, (unsigned long long)audited,
                     (unsigned long long)seen[who]);
        assert_int_equal(queries, who == GP_A || who == COORD_N ? 2 : who == AUDITOR ? AUDITOR : 0);
    }
    hd_client_destroy(&aud);

    /* the run's whole log: seqs, kinds and agent ids, never an NHS number */
    assert_int_equal(tu_broker_stop(&f->broker, SIGTERM), 0);
    assert_false(tu_file_contains(f->broker.log, P1));
    assert_false(tu_file_contains(f->broker.log, P2));
    assert_true(tu_file_contains(f->broker.log, "connected"));
}

/* ---- revocation ------------------------------------------------------------------------- */

static int admin(hd_client_t *ops, Huddle__Admin *cmd)
{
    Huddle__Answer *a = NULL;
    int rc = hd_client_admin(ops, cmd, &a);
    hd_client_answer_free(&a);
    return rc;
}

static void test_revoked_and_replaced_keys_refused(void **state)
{
    fx_t *f = *state;
    start(f, NULL);
    hd_client_t *ops = agent(f, OPS);
    hd_client_t *gpa = agent(f, GP_A);
    Huddle__Filter flt = HUDDLE__FILTER__INIT;
    char *topics[] = {S("ops")};
    flt.n_topics = 1;
    flt.topics = topics;
    hd_subscribed_t out;
    assert_int_equal(hd_client_subscribe(gpa, "ops-notices", &flt, 10, false, &out), HD_CLIENT_OK);
    hd_publish_result_t res;
    assert_int_equal(publish_kind(ops, HUDDLE__EVENT_KIND__EVENT_KIND_MESSAGE, "before", &res), HD_CLIENT_OK);
    hd_delivery_t d;
    assert_int_equal(hd_client_next(gpa, wait_ms(), &d), HD_CLIENT_OK);
    assert_int_equal(d.seq, res.seq);
    hd_delivery_release(&d);

    /* only an admin may change the registry */
    Huddle__Admin cmd = HUDDLE__ADMIN__INIT;
    Huddle__AgentRevoke rv = HUDDLE__AGENT_REVOKE__INIT;
    cmd.command_case = HUDDLE__ADMIN__COMMAND_AGENT_REVOKE;
    cmd.agent_revoke = &rv;
    rv.agent_id = (char *)agents[GP_B].id;
    rv.reason = S("practice merged");
    assert_int_equal(admin(gpa, &cmd), HD_CLIENT_EREJECTED);
    assert_int_equal(hd_client_last_rejection(gpa)->code, HUDDLE__REJECT_CODE__REJECT_CODE_FORBIDDEN);

    rv.agent_id = (char *)agents[GP_A].id;
    assert_int_equal(admin(ops, &cmd), HD_CLIENT_OK);
    /* its subscription stops: what is published now never reaches it */
    assert_int_equal(publish_kind(ops, HUDDLE__EVENT_KIND__EVENT_KIND_MESSAGE, "after", &res), HD_CLIENT_OK);
    int rc = hd_client_next(gpa, tu_under_valgrind() ? 3000 : 700, &d);
    if (rc == HD_CLIENT_OK) {
        assert_int_not_equal(d.seq, res.seq);
        hd_delivery_release(&d);
    }
    /* its next frame is refused, and a new connection fails at the handshake */
    assert_int_not_equal(publish_kind(gpa, HUDDLE__EVENT_KIND__EVENT_KIND_MESSAGE, "late", &res), HD_CLIENT_OK);
    hd_client_destroy(&gpa);
    hd_client_t *again;
    assert_int_not_equal(try_connect(f, agents[GP_A].id, agents[GP_A].sec, 1500, &again), HD_CLIENT_OK);

    /* a replaced key: connections with the old one close, the new one works */
    hd_client_t *gpb = agent(f, GP_B);
    char pub[41], sec[41];
    uint8_t raw[32];
    assert_int_equal(zmq_curve_keypair(pub, sec), 0);
    assert_non_null(zmq_z85_decode(raw, pub));
    Huddle__AgentRotateKey rk = HUDDLE__AGENT_ROTATE_KEY__INIT;
    cmd.command_case = HUDDLE__ADMIN__COMMAND_AGENT_ROTATE_KEY;
    cmd.agent_rotate_key = &rk;
    rk.agent_id = (char *)agents[GP_B].id;
    rk.new_curve_public_key.data = raw;
    rk.new_curve_public_key.len = sizeof raw;
    assert_int_equal(admin(ops, &cmd), HD_CLIENT_OK);
    assert_int_not_equal(publish_kind(gpb, HUDDLE__EVENT_KIND__EVENT_KIND_MESSAGE, "old-key", &res), HD_CLIENT_OK);
    hd_client_destroy(&gpb);
    assert_int_not_equal(try_connect(f, agents[GP_B].id, agents[GP_B].sec, 1500, &again), HD_CLIENT_OK);
    assert_int_equal(try_connect(f, agents[GP_B].id, sec, wait_ms(), &again), HD_CLIENT_OK);
    hd_client_destroy(&again);

    /* across a restart the revocation holds (it is in the store) */
    assert_int_equal(tu_broker_stop(&f->broker, SIGTERM), 0);
    hd_client_destroy(&ops);
    start(f, NULL);
    assert_int_not_equal(try_connect(f, agents[GP_A].id, agents[GP_A].sec, 1500, &again), HD_CLIENT_OK);
    assert_true(tu_file_contains(f->broker.log, "is not an active agent's"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_unknown_key_refused_at_handshake, setup, teardown),
        cmocka_unit_test_setup_teardown(test_insecure_only_with_its_flag, setup, teardown),
        cmocka_unit_test_setup_teardown(test_each_role_forbidden_what_it_may_not_publish, setup, teardown),
        cmocka_unit_test_setup_teardown(test_scope_decides_every_delivery_query_and_audit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_revoked_and_replaced_keys_refused, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
