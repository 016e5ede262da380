/*
 * episode — see episode.h. Hub updates (check, apply), discharge (the indexes, the
 * practice's notification, the episode's assessments closed, the pathway's timers),
 * the timers' firing, the index scans the board reads, and what episode_report.c
 * shares (episode_internal.h).
 *
 * An update's check validates every field, reads the registry for the patient's
 * practice, neighbourhood and council, reads the episode as it stands and stamps the
 * event; it stops before any CONFLICT when the sender is not the episode's hospital,
 * so that the broker refuses it FORBIDDEN and nobody learns another hospital's episode.
 *
 * Index layouts (integers big-endian):
 *   STORE_EPISODE_OPEN       hospital_ods \0 episode_id → empty
 *   STORE_EPISODE_OPEN_AREA  neighbourhood_id \0 episode_id → empty
 *   STORE_DISCHARGES         'H' hospital_ods \0 or 'N' neighbourhood_id \0, then
 *                            discharged_at_ms (u64), episode_id → 4 bytes: layout (1),
 *                            pathway, placement ended (0/1), follow-up result
 * A discharge's value is rewritten as reports arrive, so that the board counts
 * outcomes from the index alone.
 */
#include "episode_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "access.h"
#include "assessment.h"
#include "care_codes.h"
#include "codec.h"
#include "hd_time.h"
#include "nhs.h"
#include "notify.h"
#include "ods.h"
#include "record.h"
#include "registry.h"

#define UPD "publish.event.episode_update."
#define LOCAL_ID_MAX 32
#define WARD_MAX 64
#define REASONS_MAX 11
#define NBH_MAX 32
#define OPEN_KEY_MAX (NBH_MAX + 1 + EPISODE_ID_MAX)
#define DISCHARGE_KEY_MAX (1 + NBH_MAX + 1 + 8 + EPISODE_ID_MAX)
#define DISCHARGE_LAYOUT 1u
#define DISCHARGE_VALUE_LEN 4u

#define ST(name) EPISODE_STATUS(name)
#define KIND(name) HUDDLE__EVENT_KIND__EVENT_KIND_##name
#define TK(name) HUDDLE__TIMER_KIND__TIMER_KIND_##name

/* ---- shared helpers (episode_internal.h) ------------------------------------------ */

bool episode_filled(const char *s)
{
    return s && *s;
}

int episode_busy(reject_t *r)
{
    reject(r, HUDDLE__REJECT_CODE__REJECT_CODE_BUSY, "", "the episode could not be read now; retry");
    r->retry_after_ms = 1000;
    return -1;
}

int episode_failed(reject_t *r, int rc)
{
    reject(r, rc == STORE_EFULL ? HUDDLE__REJECT_CODE__REJECT_CODE_STORE_FULL : HUDDLE__REJECT_CODE__REJECT_CODE_BUSY,
           "", "the episode could not be written; retry");
    r->retry_after_ms = 1000;
    return -1;
}

int episode_payload_check(const ProtobufCMessage *m, const char *path, reject_t *r)
{
    codec_error_t err;
    if (codec_check_message(m, path, &err) != CODEC_OK)
        return reject(r, EPISODE_INVALID, err.field, "%s", err.reason);
    return 0;
}

int episode_text_check(const char *s, size_t max, bool required, const char *field, reject_t *r)
{
    size_t n = s ? strlen(s) : 0;
    if (required && n == 0)
        return reject(r, EPISODE_INVALID, field, "required: 1 to %zu bytes", max);
    if (n > max)
        return reject(r, EPISODE_INVALID, field, "at most %zu bytes", max);
    return 0;
}

int episode_date(const char *s, int32_t *day)
{
    if (!episode_filled(s))
        return 1;
    return hd_date_parse(s, strlen(s), day) == HD_TIME_OK ? 0 : -1;
}

const char *episode_status_name(Huddle__EpisodeStatus s)
{
    return codec_enum_name(&huddle__episode_status__descriptor, s, "EPISODE_STATUS_UNSPECIFIED");
}

int episode_reject_state(reject_t *r, const char *field, const Huddle__EpisodeRecord *rec, const char *state,
                         const char *fmt, ...)
{
    char why[sizeof r->reason];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
    reject(r, EPISODE_CONFLICT, field, "%s", why);
    snprintf(r->current_state, sizeof r->current_state, "%s", state);
    snprintf(r->conflicting_id, sizeof r->conflicting_id, "%s", rec->episode_id);
    return -1;
}

int episode_stamp(Huddle__Event *ev, const char *nhs, const char *episode_id, const Huddle__Scope *scope)
{
    Huddle__Subject s = HUDDLE__SUBJECT__INIT;
    s.nhs_number = (char *)nhs;
    s.episode_id = (char *)episode_id;
    Huddle__Subject *subject = record_copy(&s.base);
    Huddle__Scope *sc = record_copy(&scope->base);
    if (!subject || !sc) {
        if (subject)
            huddle__subject__free_unpacked(subject, NULL);
        if (sc)
            huddle__scope__free_unpacked(sc, NULL);
        return STORE_ENOMEM;
    }
    if (ev->subject)
        huddle__subject__free_unpacked(ev->subject, NULL);
    if (ev->scope)
        huddle__scope__free_unpacked(ev->scope, NULL);
    ev->subject = subject;
    ev->scope = sc;
    return STORE_OK;
}

int episode_take_journey(Huddle__Event *ev, const Huddle__EpisodeRecord *rec)
{
    char journey[32];
    snprintf(journey, sizeof journey, "seq-%llu", (unsigned long long)ev->seq);
    if (!episode_filled(rec->correlation_id) || (ev->correlation_id && strcmp(ev->correlation_id, journey) != 0))
        return STORE_OK;
    char *copy = strdup(rec->correlation_id);
    if (!copy)
        return STORE_ENOMEM;
    if (ev->correlation_id && ev->correlation_id != protobuf_c_empty_string)
        free(ev->correlation_id);
    ev->correlation_id = copy;
    return STORE_OK;
}

bool episode_sender_relates(const wf_ctx_t *ctx, const Huddle__Event *ev)
{
    reject_t ignored;
    return !ctx->agent || access_check_publish(ctx->agent, ev, &ignored) == 0;
}

int episode_for_report(wf_ctx_t *ctx, Huddle__Event *ev, const char *episode_id, const char *field,
                       Huddle__EpisodeRecord **out, reject_t *r)
{
    *out = NULL;
    size_t n = episode_id ? strlen(episode_id) : 0;
    if (n == 0 || n >= EPISODE_ID_MAX || !strchr(episode_id, ':'))
        return reject(r, EPISODE_INVALID, field, "required: an episode id, <hospital ODS>:<local id>");
    const Huddle__Subject *s = ev->subject;
    if (s && episode_filled(s->episode_id) && strcmp(s->episode_id, episode_id) != 0)
        return reject(r, EPISODE_INVALID, "publish.event.subject.episode_id", "must be the episode the payload names");
    Huddle__EpisodeRecord *rec = NULL;
    int rc = episode_get(ctx->txn, episode_id, &rec);
    if (rc == STORE_ENOTFOUND)
        return reject(r, EPISODE_NOT_FOUND, field, "no episode with this id");
    if (rc != STORE_OK || !rec->current || !rec->scope) {
        if (rec)
            huddle__episode_record__free_unpacked(rec, NULL);
        return episode_busy(r);
    }
    if (s && episode_filled(s->nhs_number) && strcmp(s->nhs_number, rec->current->nhs_number) != 0) {
        huddle__episode_record__free_unpacked(rec, NULL);
        return reject(r, EPISODE_INVALID, "publish.event.subject.nhs_number", "must be the episode's patient");
    }
    if (episode_stamp(ev, rec->current->nhs_number, rec->episode_id, rec->scope) != STORE_OK ||
        episode_take_journey(ev, rec) != STORE_OK) {
        huddle__episode_record__free_unpacked(rec, NULL);
        return episode_busy(r);
    }
    *out = rec;
    return 0;
}

/* ---- the indexes --------------------------------------------------------------- */

/* name \0 episode_id: an open index key; 0 when either part does not fit. */
static size_t open_key(uint8_t key[OPEN_KEY_MAX], const char *name, const char *id)
{
    size_t nl = strlen(name), il = strlen(id);
    if (nl == 0 || nl > NBH_MAX || il == 0 || il >= EPISODE_ID_MAX)
        return 0;
    memcpy(key, name, nl);
    key[nl] = '\0';
    memcpy(key + nl + 1, id, il);
    return nl + 1 + il;
}

static int open_put(store_txn_t *txn, store_table_t t, const char *name, const char *id)
{
    uint8_t key[OPEN_KEY_MAX];
    size_t klen = open_key(key, name, id);
    return klen ? store_put(txn, t, key, klen, "", 0) : STORE_EINVAL;
}

static int open_del(store_txn_t *txn, store_table_t t, const char *name, const char *id)
{
    uint8_t key[OPEN_KEY_MAX];
    size_t klen = open_key(key, name, id);
    if (!klen)
        return STORE_OK; /* never indexed */
    int rc = store_del(txn, t, key, klen);
    return rc == STORE_ENOTFOUND ? STORE_OK : rc;
}

/* tag name \0 (discharged_at_ms u64) id; 0 when it does not fit. */
static size_t discharge_key(uint8_t key[DISCHARGE_KEY_MAX], char tag, const char *name, int64_t at_ms, const char *id)
{
    size_t nl = strlen(name), il = strlen(id);
    if (nl == 0 || nl > NBH_MAX || il == 0 || il >= EPISODE_ID_MAX)
        return 0;
    key[0] = (uint8_t)tag;
    memcpy(key + 1, name, nl);
    key[1 + nl] = '\0';
    store_key_u64(key + 2 + nl, (uint64_t)at_ms);
    memcpy(key + 10 + nl, id, il);
    return 10 + nl + il;
}

int episode_discharge_index(store_txn_t *txn, const Huddle__EpisodeRecord *rec)
{
    const Huddle__EpisodeUpdate *u = rec->current;
    uint8_t key[DISCHARGE_KEY_MAX];
    uint8_t val[DISCHARGE_VALUE_LEN] = {DISCHARGE_LAYOUT, (uint8_t)u->pathway, rec->placement_ended ? 1 : 0,
                                        (uint8_t)rec->follow_up_result};
    size_t klen = discharge_key(key, 'H', rec->hospital_ods, u->discharged_at_ms, rec->episode_id);
    int rc = klen ? store_put(txn, STORE_DISCHARGES, key, klen, val, sizeof val) : STORE_EINVAL;
    if (rc == STORE_OK && episode_filled(rec->neighbourhood_id)) {
        klen = discharge_key(key, 'N', rec->neighbourhood_id, u->discharged_at_ms, rec->episode_id);
        rc = klen ? store_put(txn, STORE_DISCHARGES, key, klen, val, sizeof val) : STORE_EINVAL;
    }
    return rc;
}

typedef struct {
    size_t prefix;
    episode_open_fn open;
    episode_discharge_fn discharge;
    void *arg;
} scan_t;

static int open_step(const store_val_t *key, const store_val_t *val, void *ctx)
{
    (void)val;
    scan_t *s = ctx;
    size_t il = key->len - s->prefix;
    if (il == 0 || il >= EPISODE_ID_MAX)
        return STORE_ECORRUPT;
    char id[EPISODE_ID_MAX];
    memcpy(id, (const uint8_t *)key->data + s->prefix, il);
    id[il] = '\0';
    return s->open(id, s->arg);
}

static int discharge_step(const store_val_t *key, const store_val_t *val, void *ctx)
{
    scan_t *s = ctx;
    const uint8_t *k = key->data, *v = val->data;
    if (key->len <= s->prefix + 8 || key->len - s->prefix - 8 >= EPISODE_ID_MAX || val->len != DISCHARGE_VALUE_LEN ||
        v[0] != DISCHARGE_LAYOUT)
        return STORE_ECORRUPT;
    episode_discharge_t d;
    size_t il = key->len - s->prefix - 8;
    memcpy(d.episode_id, k + s->prefix + 8, il);
    d.episode_id[il] = '\0';
    d.discharged_at_ms = (int64_t)store_u64_from_key(k + s->prefix);
    d.pathway = (Huddle__Pathway)v[1];
    d.placement_ended = v[2] != 0;
    d.follow_up_result = (Huddle__FollowUpResult)v[3];
    return s->discharge(&d, s->arg);
}

int episode_open_scan(store_txn_t *txn, bool by_hospital, const char *key, episode_open_fn fn, void *arg)
{
    size_t nl = key ? strlen(key) : 0;
    if (nl == 0 || nl > NBH_MAX)
        return STORE_EINVAL;
    uint8_t from[NBH_MAX + 1];
    memcpy(from, key, nl);
    from[nl] = '\0';
    scan_t s = {nl + 1, fn, NULL, arg};
    return store_scan(txn, by_hospital ? STORE_EPISODE_OPEN : STORE_EPISODE_OPEN_AREA, from, nl + 1, nl + 1, open_step,
                      &s);
}

int episode_discharge_scan(store_txn_t *txn, bool by_hospital, const char *key, episode_discharge_fn fn, void *arg)
{
    size_t nl = key ? strlen(key) : 0;
    if (nl == 0 || nl > NBH_MAX)
        return STORE_EINVAL;
    uint8_t from[NBH_MAX + 2];
    from[0] = by_hospital ? 'H' : 'N';
    memcpy(from + 1, key, nl);
    from[1 + nl] = '\0';
    scan_t s = {nl + 2, NULL, fn, arg};
    return store_scan(txn, STORE_DISCHARGES, from, nl + 2, nl + 2, discharge_step, &s);
}

/* ---- the record ---------------------------------------------------------------- */

int episode_get(store_txn_t *txn, const char *episode_id, Huddle__EpisodeRecord **out)
{
    *out = NULL;
    size_t n = episode_id ? strlen(episode_id) : 0;
    if (n == 0 || n >= EPISODE_ID_MAX)
        return STORE_ENOTFOUND;
    store_val_t v;
    int rc = store_get(txn, STORE_EPISODES, episode_id, n, &v);
    if (rc != STORE_OK)
        return rc;
    *out = huddle__episode_record__unpack(NULL, v.len, v.data);
    return *out ? STORE_OK : STORE_ECORRUPT;
}

int episode_put(store_txn_t *txn, const Huddle__EpisodeRecord *rec)
{
    return record_put(txn, STORE_EPISODES, rec->episode_id, strlen(rec->episode_id), &rec->base, false);
}

uint32_t episode_days_delayed(const Huddle__EpisodeRecord *rec, int64_t now_ms)
{
    const Huddle__EpisodeUpdate *u = rec->current;
    int32_t ready;
    if (!u || !u->discharge_ready_date || hd_date_parse(u->discharge_ready_date, strlen(u->discharge_ready_date), &ready))
        return 0;
    int64_t until = u->discharged_at_ms ? u->discharged_at_ms : now_ms;
    int32_t days = hd_date_from_ms(until) - ready;
    return days > 0 ? (uint32_t)days : 0;
}

/* ---- an update's fields ------------------------------------------------------------ */

static bool local_id_ok(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (n == 0 || n > LOCAL_ID_MAX)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
              c == '/'))
            return false;
    }
    return true;
}

static bool awaiting(Huddle__EpisodeStatus s)
{
    return s >= ST(AWAITING_ASSESSMENT) && s <= ST(AWAITING_TRANSPORT);
}

/* The criterion to reside, the discharge-ready date and the status, which go together:
 * a patient either still meets a criterion (NOT_READY) or has a ready date (awaiting
 * something, or discharged). */
static int readiness_fields(const wf_ctx_t *ctx, const Huddle__EpisodeUpdate *u, int32_t admitted, reject_t *r)
{
    int32_t ready, today = hd_date_from_ms(ctx->now_ms + WF_CLOCK_SKEW_MS);
    bool criterion = episode_filled(u->criteria_to_reside);
    if (criterion && !care_is_criterion(u->criteria_to_reside))
        return reject(r, EPISODE_INVALID, UPD "criteria_to_reside",
                      "a criterion to reside, \"01\" to \"12\", or empty once none applies");
    int rd = episode_date(u->discharge_ready_date, &ready);
    if (rd < 0)
        return reject(r, EPISODE_INVALID, UPD "discharge_ready_date", "a date, YYYY-MM-DD, or empty while a criterion "
                                                                      "to reside is met");
    if (rd == 0 && ready < admitted)
        return reject(r, EPISODE_INVALID, UPD "discharge_ready_date", "before the admission");
    if (rd == 0 && ready > today)
        return reject(r, EPISODE_INVALID, UPD "discharge_ready_date", "in the future");
    if (rd == 0 && criterion)
        return reject(r, EPISODE_INVALID, UPD "discharge_ready_date",
                      "a patient ready for discharge meets no criterion to reside: give one or the other");
    if (u->status == ST(UNSPECIFIED) || !protobuf_c_enum_descriptor_get_value(&huddle__episode_status__descriptor, u->status))
        return reject(r, EPISODE_INVALID, UPD "status", "required: where the episode stands");
    if (u->status == ST(NOT_READY) && !criterion)
        return reject(r, EPISODE_INVALID, UPD "criteria_to_reside",
                      "required while the patient is not ready: the criterion to reside still met");
    if (awaiting(u->status) && rd != 0)
        return reject(r, EPISODE_INVALID, UPD "discharge_ready_date",
                      "required while the patient awaits discharge: the date they became ready");
    return 0;
}

static int delay_fields(const wf_ctx_t *ctx, const Huddle__EpisodeUpdate *u, reject_t *r)
{
    char field[96];
    if (u->n_delay_reasons > REASONS_MAX)
        return reject(r, EPISODE_INVALID, UPD "delay_reasons", "at most %d reasons", REASONS_MAX);
    for (size_t i = 0; i < u->n_delay_reasons; i++) {
        snprintf(field, sizeof field, UPD "delay_reasons[%zu]", i);
        if (!config_has_code(ctx->cfg->delay_reasons, u->delay_reasons[i]))
            return reject(r, EPISODE_INVALID, field, "not one of this site's delay reasons (%s)",
                          ctx->cfg->delay_reasons);
        for (size_t j = 0; j < i; j++)
            if (!strcmp(u->delay_reasons[i], u->delay_reasons[j]))
                return reject(r, EPISODE_INVALID, field, "repeated: each reason once");
    }
    if (u->n_delay_reasons && !episode_filled(u->discharge_ready_date))
        return reject(r, EPISODE_INVALID, UPD "delay_reasons",
                      "only once the patient is ready for discharge (with a discharge-ready date)");
    return 0;
}

/* Every field of an update against its documented range, before any state is read. */
static int update_fields(const wf_ctx_t *ctx, const Huddle__EpisodeUpdate *u, reject_t *r)
{
    if (episode_payload_check(&u->base, "publish.event.episode_update", r))
        return -1;
    if (ods_code_check(u->hospital_ods, strlen(u->hospital_ods)) != ODS_OK)
        return reject(r, EPISODE_INVALID, UPD "hospital_ods", "required: the hospital's ODS code, 3 to 10 of A-Z and 0-9");
    if (!local_id_ok(u->local_id))
        return reject(r, EPISODE_INVALID, UPD "local_id", "required: 1 to %d of A-Z a-z 0-9 - _ /", LOCAL_ID_MAX);
    if (!nhs_number_is_valid(u->nhs_number))
        return reject(r, EPISODE_INVALID, UPD "nhs_number", "required: 10 digits with a valid Modulus 11 check digit");
    if (episode_text_check(u->ward, WARD_MAX, false, UPD "ward", r))
        return -1;
    int64_t latest = ctx->now_ms + WF_CLOCK_SKEW_MS;
    if (u->admitted_at_ms <= 0)
        return reject(r, EPISODE_INVALID, UPD "admitted_at_ms", "required: when the hospital spell began");
    if (u->admitted_at_ms > latest)
        return reject(r, EPISODE_INVALID, UPD "admitted_at_ms", "in the future");
    int32_t admitted = hd_date_from_ms(u->admitted_at_ms), expected;
    if (readiness_fields(ctx, u, admitted, r) || delay_fields(ctx, u, r))
        return -1;
    if (!protobuf_c_enum_descriptor_get_value(&huddle__pathway__descriptor, u->pathway))
        return reject(r, EPISODE_INVALID, UPD "pathway", "not a discharge pathway");
    int ed = episode_date(u->expected_discharge_date, &expected);
    if (ed < 0)
        return reject(r, EPISODE_INVALID, UPD "expected_discharge_date", "a date, YYYY-MM-DD, or empty");
    if (ed == 0 && expected < admitted)
        return reject(r, EPISODE_INVALID, UPD "expected_discharge_date", "before the admission");
    if (u->status == ST(DISCHARGED)) {
        int32_t ready;
        if (u->discharged_at_ms <= 0)
            return reject(r, EPISODE_INVALID, UPD "discharged_at_ms", "required with DISCHARGED: when the patient left");
        if (u->discharged_at_ms < u->admitted_at_ms)
            return reject(r, EPISODE_INVALID, UPD "discharged_at_ms", "before the admission");
        if (u->discharged_at_ms > latest)
            return reject(r, EPISODE_INVALID, UPD "discharged_at_ms", "in the future");
        if (episode_date(u->discharge_ready_date, &ready) == 0 && hd_date_from_ms(u->discharged_at_ms) < ready)
            return reject(r, EPISODE_INVALID, UPD "discharged_at_ms", "before the discharge-ready date");
        if (u->pathway == EPISODE_PATHWAY(UNSPECIFIED))
            return reject(r, EPISODE_INVALID, UPD "pathway", "required to discharge: the pathway the patient left on");
    } else if (u->discharged_at_ms != 0) {
        return reject(r, EPISODE_INVALID, UPD "discharged_at_ms", "0 until the status is DISCHARGED");
    }
    if (episode_filled(u->registered_practice_ods) &&
        ods_code_check(u->registered_practice_ods, strlen(u->registered_practice_ods)) != ODS_OK)
        return reject(r, EPISODE_INVALID, UPD "registered_practice_ods", "an ODS code, 3 to 10 of A-Z and 0-9, or empty");
    return 0;
}

/* The scope of the patient's practice: with its neighbourhood and council when the
 * practice is registered, the practice alone when it is not. Strings point into *p and
 * *n, which the caller frees. */
static int practice_scope(store_txn_t *txn, const char *practice, Huddle__Scope *scope, Huddle__PracticeRecord **p,
                          Huddle__NeighbourhoodRecord **n)
{
    scope->practice_ods = (char *)practice;
    if (!episode_filled(practice))
        return STORE_OK;
    int rc = registry_practice_get(txn, practice, p);
    if (rc == STORE_ENOTFOUND)
        return STORE_OK;
    if (rc != STORE_OK || !episode_filled((*p)->neighbourhood_id))
        return rc;
    rc = registry_neighbourhood_get(txn, (*p)->neighbourhood_id, n);
    if (rc == STORE_ENOTFOUND)
        return STORE_OK;
    if (rc == STORE_OK) {
        scope->neighbourhood_id = (*n)->neighbourhood_id;
        scope->local_authority = (*n)->local_authority;
    }
    return rc;
}

/* Whether two messages hold the same values (their encodings are equal). */
static bool same_message(const ProtobufCMessage *a, const ProtobufCMessage *b)
{
    size_t la = 0, lb = 0;
    uint8_t *pa = record_pack(a, &la), *pb = record_pack(b, &lb);
    bool same = pa && pb && la == lb && memcmp(pa, pb, la) == 0;
    free(pa);
    free(pb);
    return same;
}

int episode_update_check(wf_ctx_t *ctx, Huddle__Event *ev, reject_t *r)
{
    const Huddle__EpisodeUpdate *u = ev->episode_update;
    if (update_fields(ctx, u, r))
        return -1;
    char id[EPISODE_ID_MAX];
    snprintf(id, sizeof id, "%s:%s", u->hospital_ods, u->local_id);
    const Huddle__Subject *s = ev->subject;
    if (s && episode_filled(s->episode_id) && strcmp(s->episode_id, id) != 0)
        return reject(r, EPISODE_INVALID, "publish.event.subject.episode_id",
                      "must be the episode the update names, <hospital_ods>:<local_id>");
    if (s && episode_filled(s->nhs_number) && strcmp(s->nhs_number, u->nhs_number) != 0)
        return reject(r, EPISODE_INVALID, "publish.event.subject.nhs_number", "must be the patient the update names");

    Huddle__PracticeRecord *p = NULL;
    Huddle__NeighbourhoodRecord *n = NULL;
    Huddle__EpisodeRecord *old = NULL;
    Huddle__Scope scope = HUDDLE__SCOPE__INIT;
    scope.hospital_ods = u->hospital_ods;
    int ret = -1;
    int rc = practice_scope(ctx->txn, u->registered_practice_ods, &scope, &p, &n);
    if (rc == STORE_OK && (rc = episode_get(ctx->txn, id, &old)) == STORE_ENOTFOUND)
        rc = STORE_OK;
    if (rc == STORE_OK && old && (!old->current || !old->scope))
        rc = STORE_ECORRUPT;
    /* what the trusted-assessment workflow set on the episode stays */
    if (rc == STORE_OK && old) {
        scope.provider_ods = old->scope->provider_ods;
        scope.assessor_ods = old->scope->assessor_ods;
    }
    if (rc == STORE_OK)
        rc = episode_stamp(ev, u->nhs_number, id, &scope);
    if (rc == STORE_OK && old)
        rc = episode_take_journey(ev, old);
    if (rc != STORE_OK) {
        episode_busy(r);
        goto done;
    }
    if (!episode_sender_relates(ctx, ev)) {
        ret = 0;
    } else if (old && old->update_seq && same_message(&u->base, &old->current->base) &&
               same_message(&ev->scope->base, &old->scope->base)) {
        /* a repeat of the recorded state, a discharge's too (a feed sent again) */
        ctx->unchanged_seq = old->update_seq;
        ctx->unchanged_at_ms = old->updated_at_ms;
        ret = 0;
    } else if (old && old->current->status == ST(DISCHARGED))
        episode_reject_state(r, UPD "local_id", old, episode_status_name(old->current->status),
                             "the episode is closed: the patient has been discharged (only placement and follow-up "
                             "reports follow)");
    else if (old && strcmp(old->current->nhs_number, u->nhs_number) != 0)
        episode_reject_state(r, UPD "nhs_number", old, episode_status_name(old->current->status),
                             "the episode is another patient's: an episode's NHS number is fixed once it exists");
    else
        ret = 0;
done:
    if (old)
        huddle__episode_record__free_unpacked(old, NULL);
    if (n)
        huddle__neighbourhood_record__free_unpacked(n, NULL);
    if (p)
        huddle__practice_record__free_unpacked(p, NULL);
    return ret;
}

/* ---- discharge ------------------------------------------------------------------- */

static int set_timer(wf_ctx_t *ctx, const Huddle__EpisodeRecord *rec, Huddle__TimerKind kind, int64_t after,
                     const char *to_org)
{
    Huddle__Subject sub = HUDDLE__SUBJECT__INIT;
    sub.nhs_number = rec->current->nhs_number;
    sub.episode_id = rec->episode_id;
    Huddle__TimerRecord t = HUDDLE__TIMER_RECORD__INIT;
    t.kind = kind;
    t.due_at_ms = rec->current->discharged_at_ms + after;
    t.subject = &sub;
    t.scope = rec->scope;
    t.to_org_ods = (char *)to_org;
    t.correlation_id = rec->correlation_id;
    return wf_schedule(ctx, &t);
}

/* The patient's practice hears of the discharge (the neighbourhood team hears through
 * the EPISODE_UPDATED event itself); the episode's open assessments close; the
 * pathway's timers start from the time the patient left. */
static int discharged(wf_ctx_t *ctx, const Huddle__Event *ev, Huddle__EpisodeRecord *rec)
{
    const Huddle__EpisodeUpdate *u = rec->current;
    const config_t *cfg = ctx->cfg;
    int rc = open_del(ctx->txn, STORE_EPISODE_OPEN, rec->hospital_ods, rec->episode_id);
    if (rc == STORE_OK && episode_filled(rec->neighbourhood_id))
        rc = open_del(ctx->txn, STORE_EPISODE_OPEN_AREA, rec->neighbourhood_id, rec->episode_id);
    if (rc == STORE_OK)
        rc = episode_discharge_index(ctx->txn, rec);
    if (rc == STORE_OK && episode_filled(rec->practice_ods)) {
        char date[HD_DATE_LEN], text[256];
        hd_date_format(hd_date_from_ms(u->discharged_at_ms), date, sizeof date);
        snprintf(text, sizeof text, "A patient of the practice was discharged from hospital %s on %s, on pathway %s (%s)",
                 rec->hospital_ods, date, care_pathway_short(u->pathway), care_pathway_label(u->pathway));
        rc = notify_org(ctx, ev->subject, rec->scope, rec->practice_ods, HUDDLE__ROLE__ROLE_GP_PRACTICE, ev->kind,
                        ev->seq, text, NULL);
    }
    if (rc == STORE_OK)
        rc = assessment_episode_discharged(ctx, rec);
    if (rc == STORE_OK && u->pathway == EPISODE_PATHWAY(2)) {
        rc = set_timer(ctx, rec, TK(PLACEMENT_REVIEW_7D), cfg->placement_review_first, "");
        if (rc == STORE_OK)
            rc = set_timer(ctx, rec, TK(PLACEMENT_REVIEW_14D), cfg->placement_review_second, "");
        if (rc == STORE_OK)
            rc = set_timer(ctx, rec, TK(PLACEMENT_ALERT_42D), cfg->placement_alert, rec->scope->local_authority);
    }
    if (rc == STORE_OK && u->pathway == EPISODE_PATHWAY(1))
        rc = set_timer(ctx, rec, TK(FOLLOW_UP_91D), cfg->follow_up_after, "");
    return rc;
}

int episode_update_apply(wf_ctx_t *ctx, Huddle__Event *ev, reject_t *r)
{
    Huddle__EpisodeUpdate *u = ev->episode_update;
    const char *id = ev->subject->episode_id;
    Huddle__EpisodeRecord *old = NULL, *rec = NULL;
    int rc = episode_get(ctx->txn, id, &old);
    if (rc == STORE_ENOTFOUND)
        rc = STORE_OK;
    if (rc == STORE_OK) {
        Huddle__EpisodeRecord e = HUDDLE__EPISODE_RECORD__INIT;
        e.episode_id = (char *)id;
        e.current = u;
        e.hospital_ods = u->hospital_ods;
        e.created_at_ms = old ? old->created_at_ms : ev->received_at_ms;
        e.updated_at_ms = ev->received_at_ms;
        e.last_seq = ev->seq;
        e.update_seq = ev->seq;
        e.create_seq = old ? old->create_seq : ev->seq;
        e.practice_ods = ev->scope->practice_ods;
        e.neighbourhood_id = ev->scope->neighbourhood_id;
        e.correlation_id = old && episode_filled(old->correlation_id) ? old->correlation_id : ev->correlation_id;
        e.scope = ev->scope;
        e.hub_agent = old ? old->hub_agent : ev->sender;
        if (old)
            e.open_assessment_id = old->open_assessment_id;
        e.days_delayed = episode_days_delayed(&e, ctx->now_ms);
        /* a copy of its own: assessment.c may change it as it closes assessments */
        if (!(rec = record_copy(&e.base)))
            rc = STORE_ENOMEM;
    }
    /* the neighbourhood index follows the patient's practice */
    if (rc == STORE_OK && old && episode_filled(old->neighbourhood_id) &&
        strcmp(old->neighbourhood_id, rec->neighbourhood_id) != 0)
        rc = open_del(ctx->txn, STORE_EPISODE_OPEN_AREA, old->neighbourhood_id, id);
    if (rc == STORE_OK && u->status == ST(DISCHARGED)) {
        rc = discharged(ctx, ev, rec);
    } else if (rc == STORE_OK) {
        rc = open_put(ctx->txn, STORE_EPISODE_OPEN, rec->hospital_ods, id);
        if (rc == STORE_OK && episode_filled(rec->neighbourhood_id))
            rc = open_put(ctx->txn, STORE_EPISODE_OPEN_AREA, rec->neighbourhood_id, id);
    }
    if (rc == STORE_OK)
        rc = episode_put(ctx->txn, rec);
    if (rec)
        huddle__episode_record__free_unpacked(rec, NULL);
    if (old)
        huddle__episode_record__free_unpacked(old, NULL);
    return rc == STORE_OK ? 0 : episode_failed(r, rc);
}

/* ---- the timers ------------------------------------------------------------------- */

/* Whether a timer set at discharge still means something: a placement review or alert
 * until the placement has ended, the follow-up until one is recorded. */
static bool still_due(const Huddle__EpisodeRecord *rec, Huddle__TimerKind kind)
{
    const Huddle__EpisodeUpdate *u = rec->current;
    if (!u || u->status != ST(DISCHARGED))
        return false;
    switch (kind) {
    case TK(PLACEMENT_REVIEW_7D):
    case TK(PLACEMENT_REVIEW_14D):
    case TK(PLACEMENT_ALERT_42D): return u->pathway == EPISODE_PATHWAY(2) && !rec->placement_ended;
    case TK(FOLLOW_UP_91D):
        return u->pathway == EPISODE_PATHWAY(1) &&
               rec->follow_up_result == HUDDLE__FOLLOW_UP_RESULT__FOLLOW_UP_RESULT_UNSPECIFIED;
    default: return false;
    }
}

int episode_fire_timer(wf_ctx_t *ctx, const Huddle__TimerRecord *t)
{
    if (!t->subject || !episode_filled(t->subject->episode_id))
        return STORE_OK;
    Huddle__EpisodeRecord *rec = NULL;
    int rc = episode_get(ctx->txn, t->subject->episode_id, &rec);
    if (rc != STORE_OK)
        return rc == STORE_ENOTFOUND ? STORE_OK : rc;
    if (!still_due(rec, t->kind)) {
        huddle__episode_record__free_unpacked(rec, NULL);
        return STORE_OK;
    }
    const Huddle__EpisodeUpdate *u = rec->current;
    Huddle__Event ev = HUDDLE__EVENT__INIT;
    Huddle__Subject sub = HUDDLE__SUBJECT__INIT;
    Huddle__TimerFired tf = HUDDLE__TIMER_FIRED__INIT;
    Huddle__Escalation e = HUDDLE__ESCALATION__INIT;
    char date[HD_DATE_LEN], text[300];
    sub.nhs_number = u->nhs_number;
    sub.episode_id = rec->episode_id;
    ev.correlation_id = rec->correlation_id;
    ev.subject = &sub;
    ev.scope = rec->scope; /* as it is now: a provider may have accepted since */
    ev.occurred_at_ms = t->due_at_ms;
    if (t->kind == TK(PLACEMENT_ALERT_42D)) {
        int64_t waited = ctx->now_ms - u->discharged_at_ms;
        ev.kind = KIND(ESCALATION_RAISED);
        ev.payload_case = HUDDLE__EVENT__PAYLOAD_ESCALATION;
        ev.escalation = &e;
        e.reason = HUDDLE__ESCALATION_REASON__ESCALATION_REASON_PLACEMENT_42D;
        e.timer_kind = t->kind;
        e.to_role = HUDDLE__ROLE__ROLE_SOCIAL_CARE;
        e.to_org_ods = rec->scope->local_authority;
        e.days_waiting = waited > 0 ? (uint32_t)(waited / HD_MS_PER_DAY) : 0;
        e.overdue_since_ms = t->due_at_ms;
        hd_date_format(hd_date_from_ms(u->discharged_at_ms), date, sizeof date);
        snprintf(text, sizeof text,
                 "A pathway 2 placement after discharge from hospital %s on %s has not ended after %u days "
                 "(limit %lld days)",
                 rec->hospital_ods, date, e.days_waiting, (long long)(ctx->cfg->placement_alert / HD_MS_PER_DAY));
        e.text = text;
    } else {
        ev.kind = KIND(TIMER_FIRED);
        ev.payload_case = HUDDLE__EVENT__PAYLOAD_TIMER_FIRED;
        ev.timer_fired = &tf;
        tf.timer_id = t->timer_id;
        tf.kind = t->kind;
        tf.due_at_ms = t->due_at_ms;
        tf.fired_at_ms = ctx->now_ms;
        tf.created_by_seq = t->created_by_seq;
    }
    rc = wf_emit(ctx, &ev, NULL);
    huddle__episode_record__free_unpacked(rec, NULL);
    return rc;
}
