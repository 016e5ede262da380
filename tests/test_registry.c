/*
 * test_registry — the registry's rules on a real store: every refusal with its code and
 * field, nothing written by a refusal, the key index as ZAP will use it, and the
 * neighbourhood and practice tables with their filters.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "registry.h"
#include "testutil.h"

#define INVALID HUDDLE__REJECT_CODE__REJECT_CODE_INVALID
#define CONFLICT HUDDLE__REJECT_CODE__REJECT_CODE_CONFLICT
#define NOT_FOUND HUDDLE__REJECT_CODE__REJECT_CODE_NOT_FOUND
#define NOW 1700000000000LL

typedef struct {
    char dir[256];
    store_t *s;
    store_txn_t *txn;
    reject_t r;
} fixture_t;

static int setup(void **state)
{
    fixture_t *f = calloc(1, sizeof *f);
    assert_non_null(f);
    assert_int_equal(tu_mkdtemp(f->dir, sizeof f->dir), 0);
    store_config_t cfg;
    store_config_defaults(&cfg);
    cfg.path = f->dir;
    cfg.map_initial = cfg.map_step = 4u << 20;
    assert_int_equal(store_open(&f->s, &cfg, NULL, 0), STORE_OK);
    assert_int_equal(store_batch_begin(f->s, &f->txn), STORE_OK);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture_t *f = *state;
    store_txn_end(&f->txn);
    store_close(&f->s);
    tu_rmtree(f->dir);
    free(f);
    return 0;
}

/* Commits what the batch holds and opens the next one. */
static void commit(fixture_t *f)
{
    assert_int_equal(store_batch_commit(&f->txn), STORE_OK);
    assert_int_equal(store_batch_begin(f->s, &f->txn), STORE_OK);
}

/* Committed entries of a table. */
static uint64_t count(fixture_t *f, store_table_t t)
{
    store_stat_t st;
    assert_int_equal(store_stat(f->s, &st), STORE_OK);
    return st.entries[t];
}

static void assert_refused(fixture_t *f, int rc, Huddle__RejectCode code, const char *field)
{
    assert_int_equal(rc, -1);
    if (f->r.code != code || strcmp(f->r.field, field) != 0)
        fail_msg("expected %d %s, got %d %s: %s", (int)code, field, (int)f->r.code, f->r.field, f->r.reason);
}

/* A key whose 32 bytes are all n. */
typedef struct {
    uint8_t b[REGISTRY_KEY_LEN];
} tkey_t;

static tkey_t key_of(uint8_t n)
{
    tkey_t k;
    memset(k.b, n, sizeof k.b);
    return k;
}

/* A valid GP practice agent with the key in k. */
static Huddle__AgentAdd gp_agent(const char *id, tkey_t *k)
{
    Huddle__AgentAdd a = HUDDLE__AGENT_ADD__INIT;
    a.agent_id = (char *)id;
    a.role = HUDDLE__ROLE__ROLE_GP_PRACTICE;
    a.org_ods = (char *)"A81001";
    a.display_name = (char *)"Riverside Surgery EMIS";
    a.curve_public_key.data = k->b;
    a.curve_public_key.len = sizeof k->b;
    return a;
}

static void add_neighbourhood(fixture_t *f, const char *id, const char *la)
{
    Huddle__NeighbourhoodAdd n = HUDDLE__NEIGHBOURHOOD_ADD__INIT;
    n.neighbourhood_id = (char *)id;
    n.name = (char *)"Northfield and Riverside INT";
    n.local_authority = (char *)la;
    assert_int_equal(registry_neighbourhood_add(f->txn, &n, NOW, &f->r), 0);
}

static void test_agent_add_get_and_key(void **state)
{
    fixture_t *f = *state;
    tkey_t k = key_of(1);
    Huddle__AgentAdd a = gp_agent("riverside-emis", &k);
    assert_int_equal(registry_agent_add(f->txn, &a, NOW, &f->r), 0);
    commit(f);
    assert_int_equal(count(f, STORE_AGENTS), 1);
    assert_int_equal(count(f, STORE_AGENT_KEYS), 1);

    Huddle__AgentRecord *rec;
    assert_int_equal(registry_agent_get(f->txn, "riverside-emis", &rec), STORE_OK);
    assert_string_equal(rec->org_ods, "A81001");
    assert_int_equal(rec->role, HUDDLE__ROLE__ROLE_GP_PRACTICE);
    assert_int_equal(rec->status, HUDDLE__AGENT_STATUS__AGENT_STATUS_ACTIVE);
    assert_int_equal(rec->created_at_ms, NOW);
    assert_int_equal(rec->updated_at_ms, NOW);
    huddle__agent_record__free_unpacked(rec, NULL);

    assert_int_equal(registry_agent_by_key(f->txn, k.b, &rec), STORE_OK);
    assert_string_equal(rec->agent_id, "riverside-emis");
    huddle__agent_record__free_unpacked(rec, NULL);
    tkey_t other = key_of(2);
    assert_int_equal(registry_agent_by_key(f->txn, other.b, &rec), STORE_ENOTFOUND);
    assert_null(rec);
    assert_int_equal(registry_agent_get(f->txn, "nobody", &rec), STORE_ENOTFOUND);
    assert_int_equal(registry_agent_get(f->txn, "", &rec), STORE_ENOTFOUND);
}

typedef struct {
    const char *what;
    Huddle__RejectCode code;
    const char *field;
} agent_case_t;

/* Applies case i to a valid request (of a coordinator in N1 when i says so). */
static void break_agent(int i, Huddle__AgentAdd *a, char *long_text)
{
    switch (i) {
    case 0: a->agent_id = (char *)""; break;
    case 1: a->agent_id = (char *)"bad id!"; break;
    case 2: memset(long_text, 'a', 65); long_text[65] = '\0'; a->agent_id = long_text; break;
    case 3: a->role = HUDDLE__ROLE__ROLE_UNSPECIFIED; break;
    case 4: a->role = (Huddle__Role)42; break;
    case 5: a->org_ods = (char *)""; break;
    case 6: a->org_ods = (char *)"a81001"; break;
    case 7: a->org_ods = (char *)"12345"; break;
    case 8: a->role = HUDDLE__ROLE__ROLE_SOCIAL_CARE; a->org_ods = (char *)"RXH"; a->local_authority = (char *)"E08000026"; break;
    case 9: a->role = HUDDLE__ROLE__ROLE_SOCIAL_CARE; a->org_ods = (char *)"E08000026"; break;
    case 10: a->role = HUDDLE__ROLE__ROLE_SOCIAL_CARE; a->org_ods = (char *)"E08000026"; a->local_authority = (char *)"E0800002"; break;
    case 11: a->role = HUDDLE__ROLE__ROLE_INT_COORDINATOR; break;
    case 12: a->role = HUDDLE__ROLE__ROLE_MDT_MEMBER; a->n_neighbourhood_ids = 2; break; /* N1, N9: N9 unknown */
    case 13: a->n_neighbourhood_ids = 1; break; /* a GP practice serves none */
    case 14: a->role = HUDDLE__ROLE__ROLE_DISCHARGE_HUB; break;
    case 15: a->role = HUDDLE__ROLE__ROLE_DISCHARGE_HUB; a->hospital_ods = (char *)"r!h"; break;
    case 16: a->hospital_ods = (char *)"RXH"; break; /* a GP practice serves no hospital */
    case 17: a->curve_public_key.len = 31; break;
    case 18: a->curve_public_key.len = 0; break;
    case 19: a->display_name = (char *)""; break;
    case 20: memset(long_text, 'n', 129); long_text[129] = '\0'; a->display_name = long_text; break;
    case 21: a->local_authority = (char *)"E08000026"; break; /* only social care */
    case 22: a->role = HUDDLE__ROLE__ROLE_INT_COORDINATOR; a->n_neighbourhood_ids = 3; break; /* N1 twice */
    default: break;
    }
}

static void test_agent_add_refusals_write_nothing(void **state)
{
    fixture_t *f = *state;
    add_neighbourhood(f, "N1", "E08000026");
    commit(f);
    static const agent_case_t cases[] = {
        {"empty id", INVALID, "admin.agent_add.agent_id"},
        {"bad id", INVALID, "admin.agent_add.agent_id"},
        {"long id", INVALID, "admin.agent_add.agent_id"},
        {"no role", INVALID, "admin.agent_add.role"},
        {"unknown role", INVALID, "admin.agent_add.role"},
        {"no org", INVALID, "admin.agent_add.org_ods"},
        {"lower-case org", INVALID, "admin.agent_add.org_ods"},
        {"digits org", INVALID, "admin.agent_add.org_ods"},
        {"social care with an ODS org", INVALID, "admin.agent_add.org_ods"},
        {"social care without la", INVALID, "admin.agent_add.local_authority"},
        {"social care with a short la", INVALID, "admin.agent_add.local_authority"},
        {"coordinator without neighbourhoods", INVALID, "admin.agent_add.neighbourhood_ids"},
        {"mdt member in an unknown neighbourhood", NOT_FOUND, "admin.agent_add.neighbourhood_ids"},
        {"gp practice with neighbourhoods", INVALID, "admin.agent_add.neighbourhood_ids"},
        {"discharge hub without hospital", INVALID, "admin.agent_add.hospital_ods"},
        {"discharge hub with a bad hospital", INVALID, "admin.agent_add.hospital_ods"},
        {"gp practice with a hospital", INVALID, "admin.agent_add.hospital_ods"},
        {"short key", INVALID, "admin.agent_add.curve_public_key"},
        {"no key", INVALID, "admin.agent_add.curve_public_key"},
        {"empty name", INVALID, "admin.agent_add.display_name"},
        {"long name", INVALID, "admin.agent_add.display_name"},
        {"gp practice with a council", INVALID, "admin.agent_add.local_authority"},
        {"a neighbourhood twice", INVALID, "admin.agent_add.neighbourhood_ids"},
    };
    char *nbh[] = {(char *)"N1", (char *)"N9", (char *)"N1"};
    char *nbh_twice[] = {(char *)"N1", (char *)"N2", (char *)"N1"};
    add_neighbourhood(f, "N2", "E08000026");
    for (int i = 0; i < (int)(sizeof cases / sizeof cases[0]); i++) {
        tkey_t k = key_of(7);
        char long_text[200];
        Huddle__AgentAdd a = gp_agent("agent-1", &k);
        a.neighbourhood_ids = i == 22 ? nbh_twice : nbh;
        break_agent(i, &a, long_text);
        int rc = registry_agent_add(f->txn, &a, NOW, &f->r);
        if (rc != -1 || f->r.code != cases[i].code || strcmp(f->r.field, cases[i].field) != 0)
            fail_msg("case %s: expected %d %s, got rc %d code %d %s (%s)", cases[i].what, (int)cases[i].code,
                     cases[i].field, rc, (int)f->r.code, f->r.field, f->r.reason);
        assert_true(f->r.reason[0] != '\0');
    }
    store_txn_end(&f->txn); /* only N2 would be in it: drop it */
    assert_int_equal(store_batch_begin(f->s, &f->txn), STORE_OK);
    commit(f);
    assert_int_equal(count(f, STORE_AGENTS), 0);
    assert_int_equal(count(f, STORE_AGENT_KEYS), 0);
    assert_int_equal(count(f, STORE_NEIGHBOURHOODS), 1);
}

static void test_agent_roles_that_need_scope(void **state)
{
    fixture_t *f = *state;
    add_neighbourhood(f, "N1", "E08000026");
    tkey_t k1 = key_of(1), k2 = key_of(2), k3 = key_of(3);
    char *nbh[] = {(char *)"N1"};
    Huddle__AgentAdd a = gp_agent("coordinator", &k1);
    a.role = HUDDLE__ROLE__ROLE_INT_COORDINATOR;
    a.n_neighbourhood_ids = 1;
    a.neighbourhood_ids = nbh;
    assert_int_equal(registry_agent_add(f->txn, &a, NOW, &f->r), 0);
    a = gp_agent("hub", &k2);
    a.role = HUDDLE__ROLE__ROLE_DISCHARGE_HUB;
    a.org_ods = (char *)"RXH";
    a.hospital_ods = (char *)"RXH01";
    assert_int_equal(registry_agent_add(f->txn, &a, NOW, &f->r), 0);
    a = gp_agent("council", &k3);
    a.role = HUDDLE__ROLE__ROLE_SOCIAL_CARE;
    a.org_ods = (char *)"E08000026";
    a.local_authority = (char *)"E08000026";
    assert_int_equal(registry_agent_add(f->txn, &a, NOW, &f->r), 0);
    commit(f);
    assert_int_equal(count(f, STORE_AGENTS), 3);
    Huddle__AgentRecord *rec;
    assert_int_equal(registry_agent_get(f->txn, "coordinator", &rec), STORE_OK);
    assert_int_equal(rec->n_neighbourhood_ids, 1);
    assert_string_equal(rec->neighbourhood_ids[0], "N1");
    huddle__agent_record__free_unpacked(rec, NULL);
}

static void test_agent_conflicts(void **state)
{
    fixture_t *f = *state;
    tkey_t k1 = key_of(1), k2 = key_of(2);
    Huddle__AgentAdd a = gp_agent("riverside", &k1);
    assert_int_equal(registry_agent_add(f->txn, &a, NOW, &f->r), 0);
    commit(f);
    a = gp_agent("riverside", &k2); /* same id */
    assert_refused(f, registry_agent_add(f->txn, &a, NOW, &f->r), CONFLICT, "admin.agent_add.agent_id");
    assert_string_equal(f->r.conflicting_id, "riverside");
    a = gp_agent("northfield", &k1); /* same key */
    assert_refused(f, registry_agent_add(f->txn, &a, NOW, &f->r), CONFLICT, "admin.agent_add.curve_public_key");
    assert_string_equal(f->r.conflicting_id, "riverside");
    commit(f);
    assert_int_equal(count(f, STORE_AGENTS), 1);
    assert_int_equal(count(f, STORE_AGENT_KEYS), 1);
}

static void test_agent_revoke(void **state)
{
    fixture_t *f = *state;
    tkey_t k1 = key_of(1), k2 = key_of(2);
    Huddle__AgentAdd a = gp_agent("riverside", &k1);
    assert_int_equal(registry_agent_add(f->txn, &a, NOW, &f->r), 0);
    commit(f);
    assert_refused(f, registry_agent_revoke(f->txn, "nobody", "left", NOW, &f->r), NOT_FOUND,
                   "admin.agent_revoke.agent_id");
    assert_refused(f, registry_agent_revoke(f->txn, "riverside", "", NOW, &f->r), INVALID,
                   "admin.agent_revoke.reason");
    assert_int_equal(registry_agent_revoke(f->txn, "riverside", "practice merged", NOW + 5, &f->r), 0);
    commit(f);
    assert_int_equal(count(f, STORE_AGENT_KEYS), 0);

    Huddle__AgentRecord *rec;
    assert_int_equal(registry_agent_by_key(f->txn, k1.b, &rec), STORE_ENOTFOUND); /* ZAP refuses it */
    assert_int_equal(registry_agent_get(f->txn, "riverside", &rec), STORE_OK);
    assert_int_equal(rec->status, HUDDLE__AGENT_STATUS__AGENT_STATUS_REVOKED);
    assert_string_equal(rec->revoke_reason, "practice merged");
    assert_int_equal(rec->revoked_at_ms, NOW + 5);
    assert_int_equal(rec->updated_at_ms, NOW + 5);
    assert_int_equal(rec->created_at_ms, NOW);
    huddle__agent_record__free_unpacked(rec, NULL);

    assert_refused(f, registry_agent_revoke(f->txn, "riverside", "again", NOW, &f->r), CONFLICT,
                   "admin.agent_revoke.agent_id");
    assert_string_equal(f->r.current_state, "REVOKED");
    assert_refused(f, registry_agent_rotate_key(f->txn, "riverside", k2.b, sizeof k2.b, NOW, &f->r), CONFLICT,
                   "admin.agent_rotate_key.agent_id");
    /* a revoked key is never given to another agent */
    a = gp_agent("northfield", &k1);
    assert_refused(f, registry_agent_add(f->txn, &a, NOW, &f->r), CONFLICT, "admin.agent_add.curve_public_key");
    assert_string_equal(f->r.conflicting_id, "riverside");
}

static void test_agent_rotate_key(void **state)
{
    fixture_t *f = *state;
    tkey_t k1 = key_of(1), k2 = key_of(2), k3 = key_of(3);
    Huddle__AgentAdd a = gp_agent("riverside", &k1);
    assert_int_equal(registry_agent_add(f->txn, &a, NOW, &f->r), 0);
    a = gp_agent("northfield", &k2);
    assert_int_equal(registry_agent_add(f->txn, &a, NOW, &f->r), 0);
    commit(f);

    assert_refused(f, registry_agent_rotate_key(f->txn, "nobody", k3.b, sizeof k3.b, NOW, &f->r), NOT_FOUND,
                   "admin.agent_rotate_key.agent_id");
    assert_refused(f, registry_agent_rotate_key(f->txn, "riverside", k3.b, 16, NOW, &f->r), INVALID,
                   "admin.agent_rotate_key.new_curve_public_key");
    assert_refused(f, registry_agent_rotate_key(f->txn, "riverside", k2.b, sizeof k2.b, NOW, &f->r), CONFLICT,
                   "admin.agent_rotate_key.new_curve_public_key");
    assert_string_equal(f->r.conflicting_id, "northfield");
    assert_refused(f, registry_agent_rotate_key(f->txn, "riverside", k1.b, sizeof k1.b, NOW, &f->r), CONFLICT,
                   "admin.agent_rotate_key.new_curve_public_key");

    assert_int_equal(registry_agent_rotate_key(f->txn, "riverside", k3.b, sizeof k3.b, NOW + 9, &f->r), 0);
    commit(f);
    assert_int_equal(count(f, STORE_AGENT_KEYS), 2);
    Huddle__AgentRecord *rec;
    assert_int_equal(registry_agent_by_key(f->txn, k1.b, &rec), STORE_ENOTFOUND);
    assert_int_equal(registry_agent_by_key(f->txn, k3.b, &rec), STORE_OK);
    assert_string_equal(rec->agent_id, "riverside");
    assert_int_equal(rec->key_rotated_at_ms, NOW + 9);
    assert_memory_equal(rec->curve_public_key.data, k3.b, sizeof k3.b);
    huddle__agent_record__free_unpacked(rec, NULL);
}

typedef struct {
    int n;
    char ids[8][65];
} seen_t;

static int see_agent(const Huddle__AgentRecord *a, void *ctx)
{
    seen_t *s = ctx;
    snprintf(s->ids[s->n++], sizeof s->ids[0], "%s", a->agent_id);
    return 0;
}

static int stop_at_first(const Huddle__AgentRecord *a, void *ctx)
{
    (void)a;
    (void)ctx;
    return 7;
}

static void test_agent_list_filters(void **state)
{
    fixture_t *f = *state;
    tkey_t k[4] = {key_of(1), key_of(2), key_of(3), key_of(4)};
    Huddle__AgentAdd a = gp_agent("a-gp", &k[0]);
    assert_int_equal(registry_agent_add(f->txn, &a, NOW, &f->r), 0);
    a = gp_agent("b-gp", &k[1]);
    a.org_ods = (char *)"B82002";
    assert_int_equal(registry_agent_add(f->txn, &a, NOW, &f->r), 0);
    a = gp_agent("c-auditor", &k[2]);
    a.role = HUDDLE__ROLE__ROLE_AUDITOR;
    assert_int_equal(registry_agent_add(f->txn, &a, NOW, &f->r), 0);
    a = gp_agent("d-gone", &k[3]);
    assert_int_equal(registry_agent_add(f->txn, &a, NOW, &f->r), 0);
    assert_int_equal(registry_agent_revoke(f->txn, "d-gone", "left", NOW, &f->r), 0);

    seen_t s = {0};
    assert_int_equal(registry_agent_list(f->txn, NULL, see_agent, &s), 0);
    assert_int_equal(s.n, 3);
    assert_string_equal(s.ids[0], "a-gp");
    assert_string_equal(s.ids[2], "c-auditor");

    Huddle__AgentList filter = HUDDLE__AGENT_LIST__INIT;
    filter.include_revoked = true;
    memset(&s, 0, sizeof s);
    assert_int_equal(registry_agent_list(f->txn, &filter, see_agent, &s), 0);
    assert_int_equal(s.n, 4);
    assert_string_equal(s.ids[3], "d-gone");

    filter.include_revoked = false;
    filter.role = HUDDLE__ROLE__ROLE_GP_PRACTICE;
    memset(&s, 0, sizeof s);
    assert_int_equal(registry_agent_list(f->txn, &filter, see_agent, &s), 0);
    assert_int_equal(s.n, 2);

    filter.org_ods = (char *)"A81001";
    memset(&s, 0, sizeof s);
    assert_int_equal(registry_agent_list(f->txn, &filter, see_agent, &s), 0);
    assert_int_equal(s.n, 1);
    assert_string_equal(s.ids[0], "a-gp");

    assert_int_equal(registry_agent_list(f->txn, NULL, stop_at_first, NULL), 7);
}

static int see_neighbourhood(const Huddle__NeighbourhoodRecord *n, void *ctx)
{
    seen_t *s = ctx;
    snprintf(s->ids[s->n++], sizeof s->ids[0], "%s", n->neighbourhood_id);
    return 0;
}

static void test_neighbourhoods(void **state)
{
    fixture_t *f = *state;
    Huddle__NeighbourhoodAdd n = HUDDLE__NEIGHBOURHOOD_ADD__INIT;
    n.neighbourhood_id = (char *)"N1";
    n.name = (char *)"North INT";
    n.local_authority = (char *)"E08000026";
    Huddle__NeighbourhoodAdd bad = n;
    bad.neighbourhood_id = (char *)"an-id-that-is-longer-than-32-bytes";
    assert_refused(f, registry_neighbourhood_add(f->txn, &bad, NOW, &f->r), INVALID,
                   "admin.neighbourhood_add.neighbourhood_id");
    bad = n;
    bad.name = (char *)"";
    assert_refused(f, registry_neighbourhood_add(f->txn, &bad, NOW, &f->r), INVALID, "admin.neighbourhood_add.name");
    bad = n;
    bad.local_authority = (char *)"";
    assert_refused(f, registry_neighbourhood_add(f->txn, &bad, NOW, &f->r), INVALID,
                   "admin.neighbourhood_add.local_authority");
    bad.local_authority = (char *)"e08000026";
    assert_refused(f, registry_neighbourhood_add(f->txn, &bad, NOW, &f->r), INVALID,
                   "admin.neighbourhood_add.local_authority");
    bad = n;
    bad.icb_ods = (char *)"q!";
    assert_refused(f, registry_neighbourhood_add(f->txn, &bad, NOW, &f->r), INVALID,
                   "admin.neighbourhood_add.icb_ods");
    commit(f);
    assert_int_equal(count(f, STORE_NEIGHBOURHOODS), 0);

    assert_int_equal(registry_neighbourhood_add(f->txn, &n, NOW, &f->r), 0);
    add_neighbourhood(f, "N2", "E09000001");
    commit(f);
    n.name = (char *)"North and Riverside INT"; /* add or update */
    assert_int_equal(registry_neighbourhood_add(f->txn, &n, NOW + 1, &f->r), 0);
    commit(f);
    assert_int_equal(count(f, STORE_NEIGHBOURHOODS), 2);
    Huddle__NeighbourhoodRecord *rec;
    assert_int_equal(registry_neighbourhood_get(f->txn, "N1", &rec), STORE_OK);
    assert_string_equal(rec->name, "North and Riverside INT");
    assert_int_equal(rec->created_at_ms, NOW);
    assert_int_equal(rec->updated_at_ms, NOW + 1);
    huddle__neighbourhood_record__free_unpacked(rec, NULL);
    assert_int_equal(registry_neighbourhood_get(f->txn, "N3", &rec), STORE_ENOTFOUND);

    seen_t s = {0};
    assert_int_equal(registry_neighbourhood_list(f->txn, NULL, see_neighbourhood, &s), 0);
    assert_int_equal(s.n, 2);
    memset(&s, 0, sizeof s);
    assert_int_equal(registry_neighbourhood_list(f->txn, "E09000001", see_neighbourhood, &s), 0);
    assert_int_equal(s.n, 1);
    assert_string_equal(s.ids[0], "N2");
}

static int see_practice(const Huddle__PracticeRecord *p, void *ctx)
{
    seen_t *s = ctx;
    snprintf(s->ids[s->n++], sizeof s->ids[0], "%s", p->ods);
    return 0;
}

static void test_practices(void **state)
{
    fixture_t *f = *state;
    add_neighbourhood(f, "N1", "E08000026");
    add_neighbourhood(f, "N2", "E08000026");
    commit(f);
    Huddle__PracticeAdd p = HUDDLE__PRACTICE_ADD__INIT;
    p.ods = (char *)"A81001";
    p.name = (char *)"Riverside Surgery";
    p.neighbourhood_id = (char *)"N1";
    Huddle__PracticeAdd bad = p;
    bad.ods = (char *)"RXH"; /* an ODS code, but not a practice's */
    assert_refused(f, registry_practice_add(f->txn, &bad, NOW, &f->r), INVALID, "admin.practice_add.ods");
    bad.ods = (char *)"A8100";
    assert_refused(f, registry_practice_add(f->txn, &bad, NOW, &f->r), INVALID, "admin.practice_add.ods");
    bad = p;
    bad.name = (char *)"";
    assert_refused(f, registry_practice_add(f->txn, &bad, NOW, &f->r), INVALID, "admin.practice_add.name");
    bad = p;
    bad.neighbourhood_id = (char *)"N9";
    assert_refused(f, registry_practice_add(f->txn, &bad, NOW, &f->r), NOT_FOUND,
                   "admin.practice_add.neighbourhood_id");
    bad.neighbourhood_id = (char *)"";
    assert_refused(f, registry_practice_add(f->txn, &bad, NOW, &f->r), INVALID,
                   "admin.practice_add.neighbourhood_id");
    bad = p;
    bad.pcn_code = (char *)"u1";
    assert_refused(f, registry_practice_add(f->txn, &bad, NOW, &f->r), INVALID, "admin.practice_add.pcn_code");
    commit(f);
    assert_int_equal(count(f, STORE_PRACTICES), 0);

    assert_int_equal(registry_practice_add(f->txn, &p, NOW, &f->r), 0);
    p.ods = (char *)"B82002";
    p.pcn_code = (char *)"U12345";
    assert_int_equal(registry_practice_add(f->txn, &p, NOW, &f->r), 0);
    commit(f);
    p.ods = (char *)"A81001"; /* moves to N2 */
    p.neighbourhood_id = (char *)"N2";
    assert_int_equal(registry_practice_add(f->txn, &p, NOW + 3, &f->r), 0);
    commit(f);
    assert_int_equal(count(f, STORE_PRACTICES), 2);

    Huddle__PracticeRecord *rec;
    assert_int_equal(registry_practice_get(f->txn, "A81001", &rec), STORE_OK);
    assert_string_equal(rec->neighbourhood_id, "N2");
    assert_string_equal(rec->pcn_code, "U12345");
    assert_int_equal(rec->created_at_ms, NOW);
    assert_int_equal(rec->updated_at_ms, NOW + 3);
    huddle__practice_record__free_unpacked(rec, NULL);
    assert_int_equal(registry_practice_get(f->txn, "C83003", &rec), STORE_ENOTFOUND);

    seen_t s = {0};
    assert_int_equal(registry_practice_list(f->txn, "", see_practice, &s), 0);
    assert_int_equal(s.n, 2);
    memset(&s, 0, sizeof s);
    assert_int_equal(registry_practice_list(f->txn, "N1", see_practice, &s), 0);
    assert_int_equal(s.n, 1);
    assert_string_equal(s.ids[0], "B82002");
}

static void test_gss_and_role_names(void **state)
{
    (void)state;
    assert_true(registry_gss_check("E08000026"));
    assert_true(registry_gss_check("W06000015"));
    assert_false(registry_gss_check("E0800002"));
    assert_false(registry_gss_check("E080000261"));
    assert_false(registry_gss_check("e08000026"));
    assert_false(registry_gss_check("EE8000026"));
    assert_false(registry_gss_check(""));
    assert_false(registry_gss_check(NULL));
    for (int r = 1; r <= 9; r++) {
        const char *name = registry_role_name((Huddle__Role)r);
        assert_non_null(name);
        assert_int_equal(registry_role_from_name(name), r);
    }
    assert_string_equal(registry_role_name(HUDDLE__ROLE__ROLE_SOCIAL_CARE), "social-care");
    assert_null(registry_role_name(HUDDLE__ROLE__ROLE_UNSPECIFIED));
    assert_null(registry_role_name((Huddle__Role)10));
    assert_int_equal(registry_role_from_name("gp"), HUDDLE__ROLE__ROLE_UNSPECIFIED);
    assert_int_equal(registry_role_from_name(NULL), HUDDLE__ROLE__ROLE_UNSPECIFIED);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_agent_add_get_and_key, setup, teardown),
        cmocka_unit_test_setup_teardown(test_agent_add_refusals_write_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_agent_roles_that_need_scope, setup, teardown),
        cmocka_unit_test_setup_teardown(test_agent_conflicts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_agent_revoke, setup, teardown),
        cmocka_unit_test_setup_teardown(test_agent_rotate_key, setup, teardown),
        cmocka_unit_test_setup_teardown(test_agent_list_filters, setup, teardown),
        cmocka_unit_test_setup_teardown(test_neighbourhoods, setup, teardown),
        cmocka_unit_test_setup_teardown(test_practices, setup, teardown),
        cmocka_unit_test(test_gss_and_role_names),
    };
    return cmocka_run_group_tests_name("registry", tests, NULL, NULL);
}
