/*
 * registry — see registry.h. The role table, the checks of each Admin change, and the
 * records and key index in the store.
 */
#include "registry.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ods.h"
#include "record.h"

#define AGENT_ID_MAX 64
#define NEIGHBOURHOOD_ID_MAX 32
#define NAME_MAX_BYTES 128
#define CONTACT_MAX 256
#define REASON_MAX 1000
#define NEIGHBOURHOODS_MAX 64
#define GSS_LEN 9

#define INVALID HUDDLE__REJECT_CODE__REJECT_CODE_INVALID
#define CONFLICT HUDDLE__REJECT_CODE__REJECT_CODE_CONFLICT
#define NOT_FOUND HUDDLE__REJECT_CODE__REJECT_CODE_NOT_FOUND

/* Whether an agent of a role names neighbourhoods, a hospital or a council area. */
typedef enum { NEVER, MAY, MUST } need_t;

typedef struct {
    Huddle__Role role;
    const char *name;      /* as operators type it */
    need_t neighbourhoods; /* the neighbourhoods whose referrals and MDTs it sees */
    need_t hospital;       /* the hospital whose episodes it sees */
    need_t la;             /* the council area it sees */
    bool org_is_gss;       /* a council is named by its GSS code, not an ODS code */
} role_row_t;

/* An agent names only what its role's scope is made of: a field another role would
 * read as scope is refused rather than kept unused. */
static const role_row_t roles[] = {
    {HUDDLE__ROLE__ROLE_GP_PRACTICE, "gp-practice", NEVER, NEVER, NEVER, false},
    {HUDDLE__ROLE__ROLE_INT_COORDINATOR, "int-coordinator", MUST, NEVER, NEVER, false},
    {HUDDLE__ROLE__ROLE_MDT_MEMBER, "mdt-member", MUST, NEVER, NEVER, false},
    {HUDDLE__ROLE__ROLE_DISCHARGE_HUB, "discharge-hub", NEVER, MUST, NEVER, false},
    {HUDDLE__ROLE__ROLE_TRUSTED_ASSESSOR, "trusted-assessor", NEVER, MAY, NEVER, false},
    {HUDDLE__ROLE__ROLE_CARE_PROVIDER, "care-provider", NEVER, NEVER, NEVER, false},
    {HUDDLE__ROLE__ROLE_SOCIAL_CARE, "social-care", NEVER, NEVER, MUST, true},
    {HUDDLE__ROLE__ROLE_AUDITOR, "auditor", NEVER, NEVER, NEVER, false},
    {HUDDLE__ROLE__ROLE_ADMIN, "admin", NEVER, NEVER, NEVER, false},
};

#define N_ROLES (sizeof roles / sizeof roles[0])

static const role_row_t *role_row(Huddle__Role role)
{
    for (size_t i = 0; i < N_ROLES; i++)
        if (roles[i].role == role)
            return &roles[i];
    return NULL;
}

const char *registry_role_name(Huddle__Role role)
{
    const role_row_t *row = role_row(role);
    return row ? row->name : NULL;
}

Huddle__Role registry_role_from_name(const char *name)
{
    for (size_t i = 0; name && i < N_ROLES; i++)
        if (!strcmp(roles[i].name, name))
            return roles[i].role;
    return HUDDLE__ROLE__ROLE_UNSPECIFIED;
}

bool registry_gss_check(const char *s)
{
    if (!s || strlen(s) != GSS_LEN || s[0] < 'A' || s[0] > 'Z')
        return false;
    for (size_t i = 1; i < GSS_LEN; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

/* protobuf-c leaves unset strings as "", but a request built by hand may hold NULL. */
static const char *nz(const char *s)
{
    return s ? s : "";
}

static bool is_set(const char *s)
{
    return s && *s;
}

/* 1..max bytes, none of them a control character: names are printed as they are. */
static bool is_text(const char *s, size_t min, size_t max)
{
    size_t n = strlen(nz(s));
    if (n < min || n > max)
        return false;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
            return false;
    return true;
}

static int check_ods(const char *s, const char *field, reject_t *r)
{
    int rc = ods_code_check(nz(s), strlen(nz(s)));
    return rc == ODS_OK ? 0 : reject(r, INVALID, field, "%s", ods_strerror(rc));
}

static int check_gss(const char *s, const char *field, reject_t *r)
{
    if (registry_gss_check(s))
        return 0;
    return reject(r, INVALID, field, "%s: an ONS GSS code is one capital letter and 8 digits, e.g. E08000026",
                  is_set(s) ? "not a GSS code" : "required");
}

/* A failure of the store itself, not of the request. */
static int store_failed(reject_t *r, int rc)
{
    return reject(r, rc == STORE_EFULL ? HUDDLE__REJECT_CODE__REJECT_CODE_STORE_FULL
                                       : HUDDLE__REJECT_CODE__REJECT_CODE_BUSY,
                  "", "the store cannot take this change: %s", store_strerror(rc));
}

/* reject_t holds 63 bytes of an id: a 64-byte agent id loses its last byte there (the
 * reason carries it whole). */
static void set_conflicting(reject_t *r, const char *id)
{
    snprintf(r->conflicting_id, sizeof r->conflicting_id, "%.*s", (int)sizeof r->conflicting_id - 1, id);
}

/* ---- reading records --------------------------------------------------------- */

/* Reads and decodes the record under key; ids that cannot be keys are not found. */
static int get_record(store_txn_t *txn, store_table_t t, const char *key, const ProtobufCMessageDescriptor *d,
                      void **out)
{
    *out = NULL;
    size_t klen = strlen(nz(key));
    if (klen == 0 || klen > STORE_KEY_MAX)
        return STORE_ENOTFOUND;
    store_val_t v;
    int rc = store_get(txn, t, key, klen, &v);
    if (rc)
        return rc;
    *out = protobuf_c_message_unpack(d, NULL, v.len, v.data);
    return *out ? STORE_OK : STORE_ECORRUPT;
}

int registry_agent_get(store_txn_t *txn, const char *agent_id, Huddle__AgentRecord **out)
{
    return get_record(txn, STORE_AGENTS, agent_id, &huddle__agent_record__descriptor, (void **)out);
}

int registry_neighbourhood_get(store_txn_t *txn, const char *id, Huddle__NeighbourhoodRecord **out)
{
    return get_record(txn, STORE_NEIGHBOURHOODS, id, &huddle__neighbourhood_record__descriptor, (void **)out);
}

int registry_practice_get(store_txn_t *txn, const char *ods, Huddle__PracticeRecord **out)
{
    return get_record(txn, STORE_PRACTICES, ods, &huddle__practice_record__descriptor, (void **)out);
}

/* The agent id holding a key into buf, or STORE_ENOTFOUND. */
static int key_holder(store_txn_t *txn, const uint8_t *key, char *buf, size_t len)
{
    store_val_t v;
    int rc = store_get(txn, STORE_AGENT_KEYS, key, REGISTRY_KEY_LEN, &v);
    if (rc)
        return rc;
    if (v.len == 0 || v.len >= len)
        return STORE_ECORRUPT;
    memcpy(buf, v.data, v.len);
    buf[v.len] = '\0';
    return STORE_OK;
}

int registry_agent_by_key(store_txn_t *txn, const uint8_t key[REGISTRY_KEY_LEN], Huddle__AgentRecord **out)
{
    *out = NULL;
    char id[AGENT_ID_MAX + 1];
    int rc = key_holder(txn, key, id, sizeof id);
    if (rc)
        return rc;
    rc = registry_agent_get(txn, id, out);
    if (rc == STORE_ENOTFOUND)
        return STORE_ECORRUPT; /* the index names an agent that is not there */
    if (rc == STORE_OK && ((*out)->status != HUDDLE__AGENT_STATUS__AGENT_STATUS_ACTIVE ||
                           (*out)->curve_public_key.len != REGISTRY_KEY_LEN ||
                           memcmp((*out)->curve_public_key.data, key, REGISTRY_KEY_LEN) != 0)) {
        huddle__agent_record__free_unpacked(*out, NULL);
        *out = NULL;
        return STORE_ECORRUPT; /* the index and the record disagree: admit nobody */
    }
    return rc;
}

/* ---- listing ----------------------------------------------------------------- */

typedef struct scan_ctx scan_ctx_t;

/* One listing: which records to keep, and the caller's typed callback. */
struct scan_ctx {
    const ProtobufCMessageDescriptor *d;
    bool (*keep)(const void *rec, const void *filter);
    int (*call)(const scan_ctx_t *s, const void *rec);
    const void *filter;
    union {
        registry_agent_fn agent;
        registry_neighbourhood_fn neighbourhood;
        registry_practice_fn practice;
    } fn;
    void *ctx;
};

static int scan_one(const store_val_t *k, const store_val_t *v, void *ctx)
{
    (void)k;
    scan_ctx_t *s = ctx;
    ProtobufCMessage *m = protobuf_c_message_unpack(s->d, NULL, v->len, v->data);
    if (!m)
        return STORE_ECORRUPT;
    int rc = s->keep(m, s->filter) ? s->call(s, m) : 0;
    protobuf_c_message_free_unpacked(m, NULL);
    return rc;
}

static bool agent_keep(const void *rec, const void *filter)
{
    const Huddle__AgentRecord *a = rec;
    const Huddle__AgentList *f = filter;
    if (!f)
        return a->status == HUDDLE__AGENT_STATUS__AGENT_STATUS_ACTIVE;
    if (!f->include_revoked && a->status != HUDDLE__AGENT_STATUS__AGENT_STATUS_ACTIVE)
        return false;
    if (f->role != HUDDLE__ROLE__ROLE_UNSPECIFIED && a->role != f->role)
        return false;
    return !is_set(f->org_ods) || !strcmp(nz(a->org_ods), f->org_ods);
}

static bool neighbourhood_keep(const void *rec, const void *filter)
{
    const Huddle__NeighbourhoodRecord *n = rec;
    return !is_set(filter) || !strcmp(nz(n->local_authority), filter);
}

static bool practice_keep(const void *rec, const void *filter)
{
    const Huddle__PracticeRecord *p = rec;
    return !is_set(filter) || !strcmp(nz(p->neighbourhood_id), filter);
}

static int call_agent(const scan_ctx_t *s, const void *rec)
{
    return s->fn.agent(rec, s->ctx);
}

static int call_neighbourhood(const scan_ctx_t *s, const void *rec)
{
    return s->fn.neighbourhood(rec, s->ctx);
}

static int call_practice(const scan_ctx_t *s, const void *rec)
{
    return s->fn.practice(rec, s->ctx);
}

int registry_agent_list(store_txn_t *txn, const Huddle__AgentList *filter, registry_agent_fn fn, void *ctx)
{
    scan_ctx_t s = {&huddle__agent_record__descriptor, agent_keep, call_agent, filter, {.agent = fn}, ctx};
    return store_scan(txn, STORE_AGENTS, NULL, 0, 0, scan_one, &s);
}

int registry_neighbourhood_list(store_txn_t *txn, const char *la, registry_neighbourhood_fn fn, void *ctx)
{
    scan_ctx_t s = {&huddle__neighbourhood_record__descriptor, neighbourhood_keep, call_neighbourhood, la,
                    {.neighbourhood = fn}, ctx};
    return store_scan(txn, STORE_NEIGHBOURHOODS, NULL, 0, 0, scan_one, &s);
}

int registry_practice_list(store_txn_t *txn, const char *neighbourhood_id, registry_practice_fn fn, void *ctx)
{
    scan_ctx_t s = {&huddle__practice_record__descriptor, practice_keep, call_practice, neighbourhood_id,
                    {.practice = fn}, ctx};
    return store_scan(txn, STORE_PRACTICES, NULL, 0, 0, scan_one, &s);
}

/* ---- agents ------------------------------------------------------------------ */

/* Whether a record of this table exists under key: 1, 0, or a negative store code. */
static int exists(store_txn_t *txn, store_table_t t, const char *key)
{
    store_val_t v;
    int rc = store_get(txn, t, key, strlen(key), &v);
    return rc == STORE_OK ? 1 : rc == STORE_ENOTFOUND ? 0 : rc;
}

typedef struct {
    const uint8_t *key;
    char holder[AGENT_ID_MAX + 1];
} key_scan_t;

/* 1 when this agent record holds the key, with its id in holder. */
static int revoked_key_one(const store_val_t *k, const store_val_t *v, void *ctx)
{
    (void)k;
    key_scan_t *ks = ctx;
    Huddle__AgentRecord *a = huddle__agent_record__unpack(NULL, v->len, v->data);
    if (!a)
        return STORE_ECORRUPT;
    int hit = a->curve_public_key.len == REGISTRY_KEY_LEN &&
              memcmp(a->curve_public_key.data, ks->key, REGISTRY_KEY_LEN) == 0;
    if (hit)
        snprintf(ks->holder, sizeof ks->holder, "%s", a->agent_id);
    huddle__agent_record__free_unpacked(a, NULL);
    return hit;
}

/* Refuses a key that is malformed or already held by any agent (even the same one). */
static int check_new_key(store_txn_t *txn, const uint8_t *key, size_t len, const char *field, reject_t *r)
{
    if (len != REGISTRY_KEY_LEN)
        return reject(r, INVALID, field, "a CURVE public key is exactly 32 bytes, not %zu", len);
    char holder[AGENT_ID_MAX + 1];
    int rc = key_holder(txn, key, holder, sizeof holder);
    if (rc == STORE_OK) {
        reject(r, CONFLICT, field, "this key is already registered to agent %s", holder);
        set_conflicting(r, holder);
        return -1;
    }
    if (rc != STORE_ENOTFOUND)
        return store_failed(r, rc);
    /* a revoked agent's key left the index but is never used again: it may be the
     * reason it was revoked */
    key_scan_t ks = {key, ""};
    rc = store_scan(txn, STORE_AGENTS, NULL, 0, 0, revoked_key_one, &ks);
    if (rc < 0)
        return store_failed(r, rc);
    if (rc == 1) {
        reject(r, CONFLICT, field, "this key belonged to agent %s, now revoked; a key is never reused", ks.holder);
        set_conflicting(r, ks.holder);
        return -1;
    }
    return 0;
}

static int check_neighbourhoods(store_txn_t *txn, const Huddle__AgentAdd *req, need_t need, reject_t *r)
{
    const char *field = "admin.agent_add.neighbourhood_ids";
    if (need == MUST && req->n_neighbourhood_ids == 0)
        return reject(r, INVALID, field, "required for this role: at least one neighbourhood");
    if (need == NEVER && req->n_neighbourhood_ids > 0)
        return reject(r, INVALID, field, "only an INT coordinator or MDT member serves neighbourhoods");
    if (req->n_neighbourhood_ids > NEIGHBOURHOODS_MAX)
        return reject(r, HUDDLE__REJECT_CODE__REJECT_CODE_TOO_LARGE, field, "at most 64 neighbourhoods");
    for (size_t i = 0; i < req->n_neighbourhood_ids; i++) {
        const char *id = req->neighbourhood_ids[i];
        if (!workflow_is_id(id, NEIGHBOURHOOD_ID_MAX, false))
            return reject(r, INVALID, field, "a neighbourhood id is 1 to 32 of A-Z a-z 0-9 . _ -");
        for (size_t j = 0; j < i; j++)
            if (!strcmp(req->neighbourhood_ids[j], id))
                return reject(r, INVALID, field, "neighbourhood %s is named twice", id);
        int rc = exists(txn, STORE_NEIGHBOURHOODS, id);
        if (rc < 0)
            return store_failed(r, rc);
        if (rc == 0)
            return reject(r, NOT_FOUND, field, "no neighbourhood %s (add it first)", id);
    }
    return 0;
}

/* The fields of an AgentAdd that depend on no other record. */
static int check_agent_fields(const Huddle__AgentAdd *req, const role_row_t **row, reject_t *r)
{
    if (!workflow_is_id(req->agent_id, AGENT_ID_MAX, false))
        return reject(r, INVALID, "admin.agent_add.agent_id", "required: 1 to 64 of A-Z a-z 0-9 . _ -");
    if (req->role == HUDDLE__ROLE__ROLE_UNSPECIFIED)
        return reject(r, INVALID, "admin.agent_add.role", "required");
    if (!(*row = role_row(req->role)))
        return reject(r, INVALID, "admin.agent_add.role", "unknown role %d", (int)req->role);
    if ((*row)->org_is_gss ? check_gss(req->org_ods, "admin.agent_add.org_ods", r)
                           : check_ods(req->org_ods, "admin.agent_add.org_ods", r))
        return -1;
    const char *hosp = "admin.agent_add.hospital_ods", *la = "admin.agent_add.local_authority";
    if ((*row)->hospital == MUST && !is_set(req->hospital_ods))
        return reject(r, INVALID, hosp, "required for a discharge hub: the hospital's ODS code");
    if ((*row)->hospital == NEVER && is_set(req->hospital_ods))
        return reject(r, INVALID, hosp, "only a discharge hub or trusted assessor serves a hospital");
    if (is_set(req->hospital_ods) && check_ods(req->hospital_ods, hosp, r))
        return -1;
    if ((*row)->la == MUST && check_gss(req->local_authority, la, r))
        return -1;
    if ((*row)->la == NEVER && is_set(req->local_authority))
        return reject(r, INVALID, la, "only a social care agent serves a council area");
    if (!is_text(req->display_name, 1, NAME_MAX_BYTES))
        return reject(r, INVALID, "admin.agent_add.display_name", "required: 1 to 128 bytes, no control characters");
    if (!is_text(req->contact, 0, CONTACT_MAX))
        return reject(r, INVALID, "admin.agent_add.contact", "at most 256 bytes, no control characters");
    return 0;
}

static int put_key(store_txn_t *txn, const uint8_t *key, const char *agent_id)
{
    return store_put(txn, STORE_AGENT_KEYS, key, REGISTRY_KEY_LEN, agent_id, strlen(agent_id));
}

int registry_agent_add(store_txn_t *txn, const Huddle__AgentAdd *req, int64_t now_ms, reject_t *r)
{
    const role_row_t *row = NULL;
    if (check_agent_fields(req, &row, r))
        return -1;
    int rc = exists(txn, STORE_AGENTS, req->agent_id);
    if (rc < 0)
        return store_failed(r, rc);
    if (rc == 1) {
        reject(r, CONFLICT, "admin.agent_add.agent_id", "agent %s already exists", req->agent_id);
        set_conflicting(r, req->agent_id);
        return -1;
    }
    if (check_neighbourhoods(txn, req, row->neighbourhoods, r) ||
        check_new_key(txn, req->curve_public_key.data, req->curve_public_key.len, "admin.agent_add.curve_public_key",
                      r))
        return -1;

    Huddle__AgentRecord rec = HUDDLE__AGENT_RECORD__INIT;
    rec.agent_id = req->agent_id;
    rec.role = req->role;
    rec.org_ods = (char *)nz(req->org_ods);
    rec.n_neighbourhood_ids = req->n_neighbourhood_ids;
    rec.neighbourhood_ids = req->neighbourhood_ids;
    rec.hospital_ods = (char *)nz(req->hospital_ods);
    rec.local_authority = (char *)nz(req->local_authority);
    rec.curve_public_key = req->curve_public_key;
    rec.status = HUDDLE__AGENT_STATUS__AGENT_STATUS_ACTIVE;
    rec.display_name = req->display_name;
    rec.contact = (char *)nz(req->contact);
    rec.created_at_ms = now_ms;
    rec.updated_at_ms = now_ms;
    rc = record_put(txn, STORE_AGENTS, rec.agent_id, strlen(rec.agent_id), &rec.base, true);
    if (!rc)
        rc = put_key(txn, rec.curve_public_key.data, rec.agent_id);
    return rc ? store_failed(r, rc) : 0;
}

/* The ACTIVE agent a revoke or rotation names, into *out; refusals name field. */
static int active_agent(store_txn_t *txn, const char *id, const char *field, Huddle__AgentRecord **out, reject_t *r)
{
    if (!workflow_is_id(id, AGENT_ID_MAX, false))
        return reject(r, INVALID, field, "required: 1 to 64 of A-Z a-z 0-9 . _ -");
    int rc = registry_agent_get(txn, id, out);
    if (rc == STORE_ENOTFOUND)
        return reject(r, NOT_FOUND, field, "no agent %s", id);
    if (rc)
        return store_failed(r, rc);
    if ((*out)->status != HUDDLE__AGENT_STATUS__AGENT_STATUS_ACTIVE) {
        reject(r, CONFLICT, field, "agent %s is revoked; add a new agent instead", id);
        snprintf(r->current_state, sizeof r->current_state, "REVOKED");
        huddle__agent_record__free_unpacked(*out, NULL);
        *out = NULL;
        return -1;
    }
    return 0;
}

/* Removes the index entry of a key if it still names this agent. */
static int drop_key(store_txn_t *txn, const Huddle__AgentRecord *a)
{
    if (a->curve_public_key.len != REGISTRY_KEY_LEN)
        return STORE_OK;
    char holder[AGENT_ID_MAX + 1];
    int rc = key_holder(txn, a->curve_public_key.data, holder, sizeof holder);
    if (rc == STORE_ENOTFOUND || (rc == STORE_OK && strcmp(holder, a->agent_id) != 0))
        return STORE_OK;
    return rc ? rc : store_del(txn, STORE_AGENT_KEYS, a->curve_public_key.data, REGISTRY_KEY_LEN);
}

int registry_agent_revoke(store_txn_t *txn, const char *agent_id, const char *reason, int64_t now_ms,
                          reject_t *r)
{
    Huddle__AgentRecord *old = NULL;
    if (!is_text(reason, 1, REASON_MAX))
        return reject(r, INVALID, "admin.agent_revoke.reason", "required: 1 to 1000 bytes, no control characters");
    if (active_agent(txn, agent_id, "admin.agent_revoke.agent_id", &old, r))
        return -1;
    Huddle__AgentRecord upd = *old; /* shares old's fields; only old is freed */
    upd.status = HUDDLE__AGENT_STATUS__AGENT_STATUS_REVOKED;
    upd.revoked_at_ms = now_ms;
    upd.revoke_reason = (char *)reason;
    upd.updated_at_ms = now_ms;
    int rc = drop_key(txn, old);
    if (!rc)
        rc = record_put(txn, STORE_AGENTS, old->agent_id, strlen(old->agent_id), &upd.base, false);
    huddle__agent_record__free_unpacked(old, NULL);
    return rc ? store_failed(r, rc) : 0;
}

int registry_agent_rotate_key(store_txn_t *txn, const char *agent_id, const uint8_t *new_key, size_t new_key_len,
                              int64_t now_ms, reject_t *r)
{
    Huddle__AgentRecord *old = NULL;
    if (active_agent(txn, agent_id, "admin.agent_rotate_key.agent_id", &old, r))
        return -1;
    if (check_new_key(txn, new_key, new_key_len, "admin.agent_rotate_key.new_curve_public_key", r)) {
        huddle__agent_record__free_unpacked(old, NULL);
        return -1;
    }
    Huddle__AgentRecord upd = *old; /* shares old's fields; only old is freed */
    upd.curve_public_key.data = (uint8_t *)new_key;
    upd.curve_public_key.len = REGISTRY_KEY_LEN;
    upd.key_rotated_at_ms = now_ms;
    upd.updated_at_ms = now_ms;
    int rc = drop_key(txn, old);
    if (!rc)
        rc = put_key(txn, new_key, old->agent_id);
    if (!rc)
        rc = record_put(txn, STORE_AGENTS, old->agent_id, strlen(old->agent_id), &upd.base, false);
    huddle__agent_record__free_unpacked(old, NULL);
    return rc ? store_failed(r, rc) : 0;
}

/* ---- neighbourhoods and practices -------------------------------------------- */

int registry_neighbourhood_add(store_txn_t *txn, const Huddle__NeighbourhoodAdd *req, int64_t now_ms, reject_t *r)
{
    if (!workflow_is_id(req->neighbourhood_id, NEIGHBOURHOOD_ID_MAX, false))
        return reject(r, INVALID, "admin.neighbourhood_add.neighbourhood_id",
                      "required: 1 to 32 of A-Z a-z 0-9 . _ -");
    if (!is_text(req->name, 1, NAME_MAX_BYTES))
        return reject(r, INVALID, "admin.neighbourhood_add.name", "required: 1 to 128 bytes, no control characters");
    if (check_gss(req->local_authority, "admin.neighbourhood_add.local_authority", r))
        return -1;
    if (is_set(req->icb_ods) && check_ods(req->icb_ods, "admin.neighbourhood_add.icb_ods", r))
        return -1;
    Huddle__NeighbourhoodRecord rec = HUDDLE__NEIGHBOURHOOD_RECORD__INIT, *old;
    int rc = registry_neighbourhood_get(txn, req->neighbourhood_id, &old);
    if (rc && rc != STORE_ENOTFOUND)
        return store_failed(r, rc);
    rec.created_at_ms = old ? old->created_at_ms : now_ms; /* a replacement keeps it */
    if (old)
        huddle__neighbourhood_record__free_unpacked(old, NULL);
    rec.neighbourhood_id = req->neighbourhood_id;
    rec.name = req->name;
    rec.local_authority = req->local_authority;
    rec.icb_ods = (char *)nz(req->icb_ods);
    rec.updated_at_ms = now_ms;
    rc = record_put(txn, STORE_NEIGHBOURHOODS, rec.neighbourhood_id, strlen(rec.neighbourhood_id), &rec.base,
                        false);
    return rc ? store_failed(r, rc) : 0;
}

int registry_practice_add(store_txn_t *txn, const Huddle__PracticeAdd *req, int64_t now_ms, reject_t *r)
{
    const char *ods = nz(req->ods);
    int orc = ods_gp_practice_check(ods, strlen(ods));
    if (orc != ODS_OK)
        return reject(r, INVALID, "admin.practice_add.ods", "%s; a practice code is one letter and 5 digits, e.g. A81001",
                      ods_strerror(orc));
    if (!is_text(req->name, 1, NAME_MAX_BYTES))
        return reject(r, INVALID, "admin.practice_add.name", "required: 1 to 128 bytes, no control characters");
    const char *nfield = "admin.practice_add.neighbourhood_id";
    if (!workflow_is_id(req->neighbourhood_id, NEIGHBOURHOOD_ID_MAX, false))
        return reject(r, INVALID, nfield, "required: 1 to 32 of A-Z a-z 0-9 . _ -");
    int rc = exists(txn, STORE_NEIGHBOURHOODS, req->neighbourhood_id);
    if (rc < 0)
        return store_failed(r, rc);
    if (rc == 0)
        return reject(r, NOT_FOUND, nfield, "no neighbourhood %s (add it first)", req->neighbourhood_id);
    if (is_set(req->pcn_code) && check_ods(req->pcn_code, "admin.practice_add.pcn_code", r))
        return -1;
    Huddle__PracticeRecord rec = HUDDLE__PRACTICE_RECORD__INIT, *old;
    rc = registry_practice_get(txn, ods, &old);
    if (rc && rc != STORE_ENOTFOUND)
        return store_failed(r, rc);
    rec.created_at_ms = old ? old->created_at_ms : now_ms; /* a replacement keeps it */
    if (old)
        huddle__practice_record__free_unpacked(old, NULL);
    rec.ods = (char *)ods;
    rec.name = req->name;
    rec.neighbourhood_id = req->neighbourhood_id;
    rec.pcn_code = (char *)nz(req->pcn_code);
    rec.updated_at_ms = now_ms;
    rc = record_put(txn, STORE_PRACTICES, ods, strlen(ods), &rec.base, false);
    return rc ? store_failed(r, rc) : 0;
}
