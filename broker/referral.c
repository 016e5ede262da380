/*
 * referral — see referral.h. The checks (read only: validate, stamp subject and scope
 * from the registry or the referral), the applies, referral_move (the one place a
 * referral changes status, with its indexes, events and timers) and the waiting-well
 * escalations. The queries are in referral_query.c.
 *
 * A check that finds the sender has no relationship with the referral's scope returns
 * 0 before it reads any further state: the broker's access check then refuses it
 * FORBIDDEN (and audits the refusal), and nobody learns another practice's open
 * referral or a referral's status from a CONFLICT.
 */
#include "referral.h"

#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "access.h"
#include "codec.h"
#include "hd_time.h"
#include "nhs.h"
#include "notify.h"
#include "ods.h"
#include "record.h"
#include "registry.h"
#include "risk.h"
#include "waiting.h"

#define ST(name) HUDDLE__REFERRAL_STATUS__REFERRAL_STATUS_##name
#define BIT(name) (1u << ST(name))

#define INVALID HUDDLE__REJECT_CODE__REJECT_CODE_INVALID
#define NOT_FOUND HUDDLE__REJECT_CODE__REJECT_CODE_NOT_FOUND
#define CONFLICT HUDDLE__REJECT_CODE__REJECT_CODE_CONFLICT

#define SUBMIT "publish.event.referral_submit."
#define TRIAGE "publish.event.referral_triage."
#define WITHDRAW "publish.event.referral_withdraw."
#define CLOSE "publish.event.referral_close."

#define REASON_MAX 1000
#define CLINICIAN_MAX 128
#define SIGNPOST_MAX 256
#define AGE_MAX 130
#define BIRTH_YEAR_MIN 1890
#define CONDITIONS_MAX 60
#define EFI_DEFICITS_MAX 36
#define COST_RATIO_MAX 100.0
#define ADMISSIONS_MAX 100
#define DEFERRALS_MAX 1000
#define NBH_MAX 32
#define OPEN_KEY_MAX (NBH_MAX + 1 + NHS_NUMBER_LEN)

/* The lifecycle (DESIGN §5.1): from each status, the statuses it may move to. */
static const struct {
    Huddle__ReferralStatus from;
    uint32_t to;
} lifecycle[] = {
    {ST(UNSPECIFIED), BIT(SUBMITTED)}, /* the submission itself */
    {ST(SUBMITTED), BIT(ACCEPTED) | BIT(DECLINED) | BIT(SIGNPOSTED) | BIT(WITHDRAWN)},
    {ST(ACCEPTED), BIT(SCHEDULED) | BIT(WITHDRAWN)},
    /* ACCEPTED or DEFERRED again: taken off an agenda before it was published */
    {ST(SCHEDULED), BIT(DISCUSSED) | BIT(DEFERRED) | BIT(ACCEPTED) | BIT(WITHDRAWN)},
    {ST(DEFERRED), BIT(SCHEDULED) | BIT(WITHDRAWN)},
    /* ACCEPTED again: its review is due, back on the waiting list */
    {ST(DISCUSSED), BIT(CLOSED) | BIT(ACCEPTED)},
};

bool referral_may_move(Huddle__ReferralStatus from, Huddle__ReferralStatus to)
{
    if ((unsigned)to >= 32)
        return false;
    for (size_t i = 0; i < sizeof lifecycle / sizeof lifecycle[0]; i++)
        if (lifecycle[i].from == from)
            return (lifecycle[i].to & (1u << to)) != 0;
    return false;
}

static bool is_final(Huddle__ReferralStatus s)
{
    return s == ST(DECLINED) || s == ST(SIGNPOSTED) || s == ST(WITHDRAWN) || s == ST(CLOSED);
}

/* "REFERRAL_STATUS_SCHEDULED" */
static const char *status_name(Huddle__ReferralStatus s)
{
    return codec_enum_name(&huddle__referral_status__descriptor, s, "REFERRAL_STATUS_UNKNOWN");
}

/* "scheduled", "awaiting_mdt", for people */
static const char *status_word(Huddle__ReferralStatus s, char *buf, size_t len)
{
    return codec_enum_words(&huddle__referral_status__descriptor, s, "REFERRAL_STATUS_", '_', buf, len);
}

int referral_reject_state(reject_t *r, const char *field, const Huddle__ReferralRecord *rec, const char *what)
{
    char word[32];
    reject(r, CONFLICT, field, "referral %s is %s: it cannot be %s", rec->referral_id,
           status_word(rec->status, word, sizeof word), what);
    snprintf(r->current_state, sizeof r->current_state, "%s", status_name(rec->status));
    snprintf(r->conflicting_id, sizeof r->conflicting_id, "%s", rec->referral_id);
    return -1;
}

/* ---- small helpers ------------------------------------------------------------ */

static int busy(reject_t *r)
{
    reject(r, HUDDLE__REJECT_CODE__REJECT_CODE_BUSY, "", "the referral could not be read or written now; retry");
    r->retry_after_ms = 1000;
    return -1;
}

/* The calendar year of an instant (0 outside the years hd_time formats). */
static int year_of(int64_t ms)
{
    char d[HD_DATE_LEN];
    if (hd_date_format(hd_date_from_ms(ms), d, sizeof d) != HD_TIME_OK)
        return 0;
    return atoi(d);
}

static bool filled(const char *s)
{
    return s && *s;
}

/* Replaces a string field of a message that is freed with protobuf-c's
 * free_unpacked (malloc'd strings, or the shared empty string) with a copy of v. */
static int set_str(char **field, const char *v)
{
    char *copy = filled(v) ? strdup(v) : (char *)protobuf_c_empty_string;
    if (!copy)
        return STORE_ENOMEM;
    if (*field && *field != protobuf_c_empty_string)
        free(*field);
    *field = copy;
    return STORE_OK;
}

/* Gives ev the subject (patient, referral) and the scope (practice, neighbourhood,
 * council area) the broker decides, allocated as protobuf-c frees them. */
static int stamp(Huddle__Event *ev, const char *nhs, const char *referral_id, const char *practice, const char *nbh,
                 const char *la)
{
    if (!ev->subject) {
        if (!(ev->subject = malloc(sizeof *ev->subject)))
            return STORE_ENOMEM;
        huddle__subject__init(ev->subject);
    }
    if (!ev->scope) {
        if (!(ev->scope = malloc(sizeof *ev->scope)))
            return STORE_ENOMEM;
        huddle__scope__init(ev->scope);
    }
    Huddle__Subject *s = ev->subject;
    Huddle__Scope *c = ev->scope;
    if (set_str(&s->nhs_number, nhs) || set_str(&s->referral_id, referral_id) || set_str(&s->session_id, "") ||
        set_str(&s->assessment_id, "") || set_str(&s->episode_id, "") || set_str(&c->practice_ods, practice) ||
        set_str(&c->neighbourhood_id, nbh) || set_str(&c->hospital_ods, "") || set_str(&c->provider_ods, "") ||
        set_str(&c->assessor_ods, "") || set_str(&c->local_authority, la))
        return STORE_ENOMEM;
    return STORE_OK;
}

/* Whether the sender relates to the scope just stamped as the matrix asks. When it
 * does not, the check stops there and the broker refuses the event FORBIDDEN. */
static bool sender_relates(const wf_ctx_t *ctx, const Huddle__Event *ev)
{
    reject_t ignored;
    return !ctx->agent || access_check_publish(ctx->agent, ev, &ignored) == 0;
}

/* UTF-8 in every string and known enum values, as the codec checks a frame: for a
 * payload that did not come through one. */
static int payload_check(const ProtobufCMessage *m, const char *path, reject_t *r)
{
    codec_error_t err;
    if (codec_check_message(m, path, &err) != CODEC_OK)
        return reject(r, INVALID, err.field, "%s", err.reason);
    return 0;
}

static int text_check(const char *s, size_t min, size_t max, const char *field, reject_t *r)
{
    size_t n = s ? strlen(s) : 0;
    if (n < min || n > max)
        return min ? reject(r, INVALID, field, "required: 1 to %zu bytes", max)
                   : reject(r, INVALID, field, "at most %zu bytes", max);
    return 0;
}

/* neighbourhood \0 NHS number: the one-open-referral index. 0 if it cannot be made. */
static size_t open_key(uint8_t key[OPEN_KEY_MAX], const char *nbh, const char *nhs)
{
    size_t nl = strlen(nbh), hl = strlen(nhs);
    if (!nl || nl > NBH_MAX || hl != NHS_NUMBER_LEN)
        return 0;
    memcpy(key, nbh, nl);
    key[nl] = '\0';
    memcpy(key + nl + 1, nhs, hl);
    return nl + 1 + hl;
}

int referral_get(store_txn_t *txn, const char *referral_id, Huddle__ReferralRecord **out)
{
    *out = NULL;
    size_t n = referral_id ? strlen(referral_id) : 0;
    if (n == 0 || n >= WF_ID_MAX)
        return STORE_ENOTFOUND;
    store_val_t v;
    int rc = store_get(txn, STORE_REFERRALS, referral_id, n, &v);
    if (rc != STORE_OK)
        return rc;
    *out = huddle__referral_record__unpack(NULL, v.len, v.data);
    return *out ? STORE_OK : STORE_ECORRUPT;
}

static int referral_put(store_txn_t *txn, const Huddle__ReferralRecord *rec)
{
    return record_put(txn, STORE_REFERRALS, rec->referral_id, strlen(rec->referral_id), &rec->base, false);
}

/* ---- submission --------------------------------------------------------------- */

/* Every field of the submission against its documented range. */
static int submit_fields(const wf_ctx_t *ctx, const Huddle__Event *ev, reject_t *r)
{
    const Huddle__ReferralSubmit *s = ev->referral_submit;
    if (payload_check(&s->base, "publish.event.referral_submit", r))
        return -1;
    if (!nhs_number_is_valid(s->nhs_number))
        return reject(r, INVALID, SUBMIT "nhs_number", "required: 10 digits with a valid Modulus 11 check digit");
    if (ev->subject && filled(ev->subject->nhs_number) && strcmp(ev->subject->nhs_number, s->nhs_number) != 0)
        return reject(r, INVALID, SUBMIT "nhs_number", "is not the patient the event's subject names");
    if (ods_code_check(s->practice_ods, strlen(s->practice_ods)) != ODS_OK)
        return reject(r, INVALID, SUBMIT "practice_ods", "required: an ODS code, 3 to 10 of A-Z and 0-9");
    int year = year_of(ev->received_at_ms ? ev->received_at_ms : ctx->now_ms);
    if (s->age_case == HUDDLE__REFERRAL_SUBMIT__AGE_AGE_YEARS && s->age_years > AGE_MAX)
        return reject(r, INVALID, SUBMIT "age_years", "0 to %d", AGE_MAX);
    if (s->age_case == HUDDLE__REFERRAL_SUBMIT__AGE_BIRTH_YEAR &&
        (s->birth_year < BIRTH_YEAR_MIN || (int)s->birth_year > year))
        return reject(r, INVALID, SUBMIT "birth_year", "%d to the current year", BIRTH_YEAR_MIN);
    if (s->age_case != HUDDLE__REFERRAL_SUBMIT__AGE_AGE_YEARS && s->age_case != HUDDLE__REFERRAL_SUBMIT__AGE_BIRTH_YEAR)
        return reject(r, INVALID, SUBMIT "age_years", "required: age_years or birth_year");
    if (s->long_term_conditions > CONDITIONS_MAX)
        return reject(r, INVALID, SUBMIT "long_term_conditions", "0 to %d", CONDITIONS_MAX);
    if (s->frailty_case == HUDDLE__REFERRAL_SUBMIT__FRAILTY_EFI_SCORE &&
        !(isfinite(s->efi_score) && s->efi_score >= 0.0 && s->efi_score <= 1.0))
        return reject(r, INVALID, SUBMIT "efi_score", "a fraction from 0 to 1");
    if (s->frailty_case == HUDDLE__REFERRAL_SUBMIT__FRAILTY_EFI_DEFICITS && s->efi_deficits > EFI_DEFICITS_MAX)
        return reject(r, INVALID, SUBMIT "efi_deficits", "0 to %d deficits", EFI_DEFICITS_MAX);
    if (!(isfinite(s->cost_ratio) && s->cost_ratio >= 0.0 && s->cost_ratio <= COST_RATIO_MAX))
        return reject(r, INVALID, SUBMIT "cost_ratio", "a ratio from 0 to 100 (0 = not known)");
    if (s->emergency_admissions_12m > ADMISSIONS_MAX)
        return reject(r, INVALID, SUBMIT "emergency_admissions_12m", "0 to %d", ADMISSIONS_MAX);
    if (text_check(s->reason, 1, REASON_MAX, SUBMIT "reason", r) ||
        text_check(s->referring_clinician, 0, CLINICIAN_MAX, SUBMIT "referring_clinician", r))
        return -1;
    if (!s->consent_recorded && !s->safeguarding_concern && ctx->cfg->consent_required)
        return reject(r, INVALID, SUBMIT "consent_recorded",
                      "the patient's consent must be recorded, unless there is a safeguarding concern");
    return 0;
}

int referral_submit_check(wf_ctx_t *ctx, Huddle__Event *ev, reject_t *r)
{
    const Huddle__ReferralSubmit *s = ev->referral_submit;
    if (submit_fields(ctx, ev, r))
        return -1;
    Huddle__PracticeRecord *p = NULL;
    Huddle__NeighbourhoodRecord *n = NULL;
    Huddle__ReferralRecord *open = NULL;
    int ret = -1;
    int rc = registry_practice_get(ctx->txn, s->practice_ods, &p);
    if (rc == STORE_ENOTFOUND) {
        reject(r, NOT_FOUND, SUBMIT "practice_ods", "no GP practice with this ODS code is registered");
        goto done;
    }
    if (rc != STORE_OK) {
        busy(r);
        goto done;
    }
    rc = filled(p->neighbourhood_id) ? registry_neighbourhood_get(ctx->txn, p->neighbourhood_id, &n) : STORE_ENOTFOUND;
    if (rc == STORE_ENOTFOUND) {
        reject(r, INVALID, SUBMIT "practice_ods", "the practice belongs to no registered neighbourhood");
        goto done;
    }
    char id[WF_ID_MAX];
    snprintf(id, sizeof id, "R%llu", (unsigned long long)ev->seq);
    if (rc != STORE_OK || stamp(ev, s->nhs_number, id, s->practice_ods, n->neighbourhood_id, n->local_authority)) {
        busy(r);
        goto done;
    }
    if (!sender_relates(ctx, ev)) {
        ret = 0;
        goto done;
    }
    /* one open referral per patient per neighbourhood */
    uint8_t key[OPEN_KEY_MAX];
    size_t klen = open_key(key, n->neighbourhood_id, s->nhs_number);
    store_val_t v;
    rc = klen ? store_get(ctx->txn, STORE_REFERRAL_OPEN, key, klen, &v) : STORE_EINVAL;
    if (rc == STORE_ENOTFOUND) {
        ret = 0;
        goto done;
    }
    char open_id[WF_ID_MAX];
    if (rc != STORE_OK || v.len == 0 || v.len >= sizeof open_id) {
        busy(r);
        goto done;
    }
    memcpy(open_id, v.data, v.len);
    open_id[v.len] = '\0';
    if (referral_get(ctx->txn, open_id, &open) != STORE_OK) {
        busy(r);
        goto done;
    }
    /* another practice's referral (the patient has moved practice) is not named to
     * this one: it is told only that one is open */
    if (strcmp(open->practice_ods, s->practice_ods) != 0) {
        reject(r, CONFLICT, SUBMIT "nhs_number",
               "the patient already has an open referral in this neighbourhood, from another practice");
        goto done;
    }
    reject(r, CONFLICT, SUBMIT "nhs_number", "the patient already has an open referral in this neighbourhood");
    snprintf(r->current_state, sizeof r->current_state, "%s", status_name(open->status));
    snprintf(r->conflicting_id, sizeof r->conflicting_id, "%s", open->referral_id);
done:
    if (open)
        huddle__referral_record__free_unpacked(open, NULL);
    if (n)
        huddle__neighbourhood_record__free_unpacked(n, NULL);
    if (p)
        huddle__practice_record__free_unpacked(p, NULL);
    return ret;
}

/* ---- what every move says and sets -------------------------------------------- */

/* REFERRAL_STATUS_CHANGED, then the referring practice's notification; rec->last_seq
 * becomes the status change's seq. */
static int announce(wf_ctx_t *ctx, Huddle__ReferralRecord *rec, Huddle__ReferralStatus from, const referral_why_t *why)
{
    Huddle__Event ev = HUDDLE__EVENT__INIT;
    Huddle__ReferralStatusChanged sc = HUDDLE__REFERRAL_STATUS_CHANGED__INIT;
    Huddle__Subject sub = HUDDLE__SUBJECT__INIT;
    sub.nhs_number = rec->nhs_number;
    sub.referral_id = rec->referral_id;
    sub.session_id = (char *)(filled(why->session_id) ? why->session_id : "");
    ev.kind = HUDDLE__EVENT_KIND__EVENT_KIND_REFERRAL_STATUS_CHANGED;
    ev.correlation_id = rec->correlation_id;
    ev.subject = &sub;
    ev.scope = rec->scope;
    ev.payload_case = HUDDLE__EVENT__PAYLOAD_REFERRAL_STATUS_CHANGED;
    ev.referral_status_changed = &sc;
    sc.referral_id = rec->referral_id;
    sc.from_status = from;
    sc.to_status = rec->status;
    sc.reason = (char *)(filled(why->reason) ? why->reason : "");
    sc.tier = rec->tier;
    sc.score = rec->score;
    sc.n_cohorts = rec->n_cohorts;
    sc.cohorts = rec->cohorts;
    sc.frailty_band = rec->frailty_band;
    sc.session_id = sub.session_id;
    sc.decision = why->decision;
    sc.signposted_to = (char *)(rec->status == ST(SIGNPOSTED) ? rec->signposted_to : "");
    uint64_t seq;
    int rc = wf_emit(ctx, &ev, &seq);
    if (rc != STORE_OK)
        return rc;
    rec->last_seq = seq;
    char word[32], text[160];
    if (from == ST(UNSPECIFIED))
        snprintf(text, sizeof text, "Referral %s received by the neighbourhood team: %s", rec->referral_id,
                 status_word(rec->status, word, sizeof word));
    else
        snprintf(text, sizeof text, "Referral %s is now %s", rec->referral_id,
                 status_word(rec->status, word, sizeof word));
    return notify_org(ctx, &sub, rec->scope, rec->practice_ods, HUDDLE__ROLE__ROLE_GP_PRACTICE, why->about_kind,
                      why->about_seq, text, NULL);
}

/* The waiting-well timers of a referral that has just joined the waiting list: RED
 * ones at wait_red_limit, every one at wait_any_limit. */
static int set_waiting_timers(wf_ctx_t *ctx, const Huddle__ReferralRecord *rec)
{
    Huddle__Subject sub = HUDDLE__SUBJECT__INIT;
    sub.nhs_number = rec->nhs_number;
    sub.referral_id = rec->referral_id;
    Huddle__TimerRecord t = HUDDLE__TIMER_RECORD__INIT;
    t.subject = &sub;
    t.scope = rec->scope;
    t.to_org_ods = (char *)""; /* as Escalation.to_org_ods: the scope's neighbourhood acts */
    t.correlation_id = rec->correlation_id;
    int rc = STORE_OK;
    if (rec->tier == HUDDLE__TIER__TIER_RED) {
        t.kind = HUDDLE__TIMER_KIND__TIMER_KIND_WAITING_WELL_RED;
        t.due_at_ms = rec->waiting_since_ms + ctx->cfg->wait_red_limit;
        rc = wf_schedule(ctx, &t);
    }
    if (rc == STORE_OK) {
        t.timer_id = 0;
        t.kind = HUDDLE__TIMER_KIND__TIMER_KIND_WAITING_WELL_ANY;
        t.due_at_ms = rec->waiting_since_ms + ctx->cfg->wait_any_limit;
        rc = wf_schedule(ctx, &t);
    }
    return rc;
}

static int open_del(store_txn_t *txn, const Huddle__ReferralRecord *rec)
{
    uint8_t key[OPEN_KEY_MAX];
    size_t klen = open_key(key, rec->neighbourhood_id, rec->nhs_number);
    if (!klen)
        return STORE_ECORRUPT;
    int rc = store_del(txn, STORE_REFERRAL_OPEN, key, klen);
    return rc == STORE_ENOTFOUND ? STORE_OK : rc;
}

int referral_move(wf_ctx_t *ctx, Huddle__ReferralRecord *rec, Huddle__ReferralStatus to, const referral_why_t *why)
{
    Huddle__ReferralStatus from = rec->status;
    assert(referral_may_move(from, to));
    bool joins = false; /* joins the waiting list afresh: its wait starts now */
    int rc = STORE_OK;
    rec->status = to;
    rec->updated_at_ms = ctx->now_ms;
    if (filled(why->session_id))
        rc = set_str(&rec->last_session_id, why->session_id);
    if (why->decision != HUDDLE__MDT_DECISION__MDT_DECISION_UNSPECIFIED)
        rec->last_decision = why->decision;
    if (to == ST(DEFERRED) && !why->unscheduled) {
        joins = true;
        if (rec->times_deferred < DEFERRALS_MAX)
            rec->times_deferred++;
        rec->base_priority = rec->score + ctx->cfg->points_deferred;
    } else if (to == ST(ACCEPTED) && from == ST(DISCUSSED)) {
        joins = true;
    }
    if (joins)
        rec->waiting_since_ms = ctx->now_ms;
    if (to == ST(DISCUSSED) || is_final(to))
        rec->waiting_since_ms = 0;
    if (is_final(to))
        rec->closed_at_ms = ctx->now_ms;

    if (rc == STORE_OK)
        rc = to == ST(DISCUSSED) || is_final(to) ? waiting_del(ctx->txn, rec->neighbourhood_id, rec->referral_id)
                                                 : waiting_put(ctx->txn, rec);
    if (rc == STORE_OK && is_final(to))
        rc = open_del(ctx->txn, rec);
    if (rc == STORE_OK)
        rc = announce(ctx, rec, from, why);
    if (rc == STORE_OK && joins)
        rc = set_waiting_timers(ctx, rec);
    if (rc == STORE_OK)
        rc = referral_put(ctx->txn, rec);
    return rc;
}

/* An apply's store failure: the broker abandons the batch. */
static int failed(reject_t *r, int rc)
{
    reject(r, rc == STORE_EFULL ? HUDDLE__REJECT_CODE__REJECT_CODE_STORE_FULL : HUDDLE__REJECT_CODE__REJECT_CODE_BUSY,
           "", "the referral could not be written; retry");
    r->retry_after_ms = 1000;
    return -1;
}

int referral_submit_apply(wf_ctx_t *ctx, Huddle__Event *ev, reject_t *r)
{
    const Huddle__ReferralSubmit *s = ev->referral_submit;
    risk_t k;
    risk_assess(ctx->cfg, s, year_of(ev->received_at_ms), &k);
    Huddle__ReferralRecord rec = HUDDLE__REFERRAL_RECORD__INIT;
    rec.referral_id = ev->subject->referral_id;
    rec.nhs_number = ev->subject->nhs_number;
    rec.practice_ods = ev->scope->practice_ods;
    rec.neighbourhood_id = ev->scope->neighbourhood_id;
    rec.submitted = (Huddle__ReferralSubmit *)s;
    rec.status = ST(SUBMITTED);
    rec.tier = k.tier;
    rec.score = k.score;
    rec.n_cohorts = k.n_cohorts;
    rec.cohorts = k.cohorts;
    rec.frailty_band = k.band;
    rec.submitted_at_ms = ev->received_at_ms;
    rec.updated_at_ms = ev->received_at_ms;
    rec.waiting_since_ms = ev->received_at_ms;
    rec.submit_seq = ev->seq;
    rec.last_seq = ev->seq;
    rec.referrer = ev->sender;
    rec.correlation_id = ev->correlation_id;
    rec.scope = ev->scope;
    rec.base_priority = k.score;
    snprintf(ctx->assigned_id, sizeof ctx->assigned_id, "%s", rec.referral_id);

    referral_why_t why = {"", "", HUDDLE__MDT_DECISION__MDT_DECISION_UNSPECIFIED, ev->kind, ev->seq, false};
    uint8_t key[OPEN_KEY_MAX];
    size_t klen = open_key(key, rec.neighbourhood_id, rec.nhs_number);
    int rc = klen ? store_put(ctx->txn, STORE_REFERRAL_OPEN, key, klen, rec.referral_id, strlen(rec.referral_id))
                  : STORE_EINVAL;
    if (rc == STORE_OK)
        rc = waiting_put(ctx->txn, &rec);
    if (rc == STORE_OK)
        rc = announce(ctx, &rec, ST(UNSPECIFIED), &why);
    if (rc == STORE_OK)
        rc = set_waiting_timers(ctx, &rec);
    if (rc == STORE_OK)
        rc = referral_put(ctx->txn, &rec);
    return rc == STORE_OK ? 0 : failed(r, rc);
}

/* ---- triage, withdrawal, closing ----------------------------------------------- */

/* The referral an event names (field: the payload's referral_id): loads it, holds the
 * agent's subject to it, and stamps the event's subject, scope and, when the agent
 * named no journey, its correlation id from it. 0 with *out (the caller frees it), or
 * -1 with r filled. */
static int referral_for_event(wf_ctx_t *ctx, Huddle__Event *ev, const char *id, const char *field,
                              Huddle__ReferralRecord **out, reject_t *r)
{
    *out = NULL;
    size_t n = id ? strlen(id) : 0;
    if (n == 0 || n >= WF_ID_MAX)
        return reject(r, INVALID, field, "required: a referral id, 1 to %d bytes", WF_ID_MAX - 1);
    const Huddle__Subject *s = ev->subject;
    if (s && filled(s->referral_id) && strcmp(s->referral_id, id) != 0)
        return reject(r, INVALID, "publish.event.subject.referral_id", "must be the referral the payload names");
    Huddle__ReferralRecord *rec = NULL;
    int rc = referral_get(ctx->txn, id, &rec);
    if (rc == STORE_ENOTFOUND)
        return reject(r, NOT_FOUND, field, "no referral with this id");
    if (rc != STORE_OK)
        return busy(r);
    if (s && filled(s->nhs_number) && strcmp(s->nhs_number, rec->nhs_number) != 0) {
        huddle__referral_record__free_unpacked(rec, NULL);
        return reject(r, INVALID, "publish.event.subject.nhs_number", "must be the referral's patient");
    }
    char journey[32];
    snprintf(journey, sizeof journey, "seq-%llu", (unsigned long long)ev->seq);
    const Huddle__Scope *sc = rec->scope;
    rc = stamp(ev, rec->nhs_number, rec->referral_id, rec->practice_ods, rec->neighbourhood_id,
               sc ? sc->local_authority : "");
    if (rc == STORE_OK && filled(rec->correlation_id) && (!ev->correlation_id || !strcmp(ev->correlation_id, journey)))
        rc = set_str(&ev->correlation_id, rec->correlation_id);
    if (rc != STORE_OK) {
        huddle__referral_record__free_unpacked(rec, NULL);
        return busy(r);
    }
    *out = rec;
    return 0;
}

/* The status a triage decision moves a referral to. */
static Huddle__ReferralStatus triage_to(Huddle__TriageDecision d)
{
    switch (d) {
    case HUDDLE__TRIAGE_DECISION__TRIAGE_DECISION_ACCEPT: return ST(ACCEPTED);
    case HUDDLE__TRIAGE_DECISION__TRIAGE_DECISION_DECLINE: return ST(DECLINED);
    case HUDDLE__TRIAGE_DECISION__TRIAGE_DECISION_SIGNPOST: return ST(SIGNPOSTED);
    default: return ST(UNSPECIFIED);
    }
}

int referral_triage_check(wf_ctx_t *ctx, Huddle__Event *ev, reject_t *r)
{
    const Huddle__ReferralTriage *t = ev->referral_triage;
    if (payload_check(&t->base, "publish.event.referral_triage", r))
        return -1;
    if (triage_to(t->decision) == ST(UNSPECIFIED))
        return reject(r, INVALID, TRIAGE "decision", "required: ACCEPT, DECLINE or SIGNPOST");
    if (text_check(t->reason, 0, REASON_MAX, TRIAGE "reason", r) ||
        text_check(t->signposted_to, 0, SIGNPOST_MAX, TRIAGE "signposted_to", r))
        return -1;
    Huddle__ReferralRecord *rec;
    if (referral_for_event(ctx, ev, t->referral_id, TRIAGE "referral_id", &rec, r))
        return -1;
    int rc = 0;
    if (!sender_relates(ctx, ev))
        rc = 0;
    else if (rec->status != ST(SUBMITTED))
        rc = referral_reject_state(r, TRIAGE "referral_id", rec, "triaged (only a submitted referral is)");
    else if (t->decision == HUDDLE__TRIAGE_DECISION__TRIAGE_DECISION_ACCEPT && rec->n_cohorts == 0 &&
             !filled(t->reason))
        rc = reject(r, INVALID, TRIAGE "reason", "required to accept a referral that is in no cohort");
    else if (t->decision == HUDDLE__TRIAGE_DECISION__TRIAGE_DECISION_DECLINE && !filled(t->reason))
        rc = reject(r, INVALID, TRIAGE "reason", "required to decline");
    else if (t->decision == HUDDLE__TRIAGE_DECISION__TRIAGE_DECISION_SIGNPOST && !filled(t->signposted_to))
        rc = reject(r, INVALID, TRIAGE "signposted_to", "required to signpost: the service the patient is directed to");
    huddle__referral_record__free_unpacked(rec, NULL);
    return rc;
}

/* Loads the referral an applied event names (its check found it) and moves it. */
static int apply_move(wf_ctx_t *ctx, Huddle__Event *ev, Huddle__ReferralStatus to, const char *reason, reject_t *r)
{
    Huddle__ReferralRecord *rec = NULL;
    int rc = referral_get(ctx->txn, ev->subject->referral_id, &rec);
    if (rc == STORE_OK && ev->payload_case == HUDDLE__EVENT__PAYLOAD_REFERRAL_TRIAGE) {
        const Huddle__ReferralTriage *t = ev->referral_triage;
        rec->triaged_at_ms = ctx->now_ms;
        if (set_str(&rec->triaged_by, ev->sender) || set_str(&rec->triage_reason, t->reason) ||
            set_str(&rec->signposted_to, to == ST(SIGNPOSTED) ? t->signposted_to : ""))
            rc = STORE_ENOMEM;
    }
    if (rc == STORE_OK) {
        referral_why_t why = {reason, "", HUDDLE__MDT_DECISION__MDT_DECISION_UNSPECIFIED, ev->kind, ev->seq, false};
        rc = referral_move(ctx, rec, to, &why);
    }
    if (rec)
        huddle__referral_record__free_unpacked(rec, NULL);
    return rc == STORE_OK ? 0 : failed(r, rc);
}

int referral_triage_apply(wf_ctx_t *ctx, Huddle__Event *ev, reject_t *r)
{
    return apply_move(ctx, ev, triage_to(ev->referral_triage->decision), ev->referral_triage->reason, r);
}

/* Withdrawal and closing: a reason, then a move the lifecycle must allow. */
static int reasoned_check(wf_ctx_t *ctx, Huddle__Event *ev, const ProtobufCMessage *payload, const char *path,
                          const char *referral_id, const char *reason, Huddle__ReferralStatus to, reject_t *r)
{
    char field[64];
    if (payload_check(payload, path, r))
        return -1;
    snprintf(field, sizeof field, "%s.reason", path);
    if (text_check(reason, 1, REASON_MAX, field, r))
        return -1;
    snprintf(field, sizeof field, "%s.referral_id", path);
    Huddle__ReferralRecord *rec;
    if (referral_for_event(ctx, ev, referral_id, field, &rec, r))
        return -1;
    int rc = 0;
    if (sender_relates(ctx, ev) && !referral_may_move(rec->status, to))
        rc = referral_reject_state(r, field, rec,
                                   to == ST(WITHDRAWN) ? "withdrawn (only before it is discussed)"
                                                       : "closed (only once it has been discussed)");
    huddle__referral_record__free_unpacked(rec, NULL);
    return rc;
}

int referral_withdraw_check(wf_ctx_t *ctx, Huddle__Event *ev, reject_t *r)
{
    const Huddle__ReferralWithdraw *w = ev->referral_withdraw;
    return reasoned_check(ctx, ev, &w->base, "publish.event.referral_withdraw", w->referral_id, w->reason,
                         ST(WITHDRAWN), r);
}

int referral_withdraw_apply(wf_ctx_t *ctx, Huddle__Event *ev, reject_t *r)
{
    return apply_move(ctx, ev, ST(WITHDRAWN), ev->referral_withdraw->reason, r);
}

int referral_close_check(wf_ctx_t *ctx, Huddle__Event *ev, reject_t *r)
{
    const Huddle__ReferralClose *c = ev->referral_close;
    return reasoned_check(ctx, ev, &c->base, "publish.event.referral_close", c->referral_id, c->reason, ST(CLOSED),
                          r);
}

int referral_close_apply(wf_ctx_t *ctx, Huddle__Event *ev, reject_t *r)
{
    return apply_move(ctx, ev, ST(CLOSED), ev->referral_close->reason, r);
}

/* ---- waiting well ---------------------------------------------------------------- */

int referral_fire_waiting(wf_ctx_t *ctx, const Huddle__TimerRecord *t)
{
    if (!t->subject || !filled(t->subject->referral_id))
        return STORE_OK;
    Huddle__ReferralRecord *rec = NULL;
    int rc = referral_get(ctx->txn, t->subject->referral_id, &rec);
    if (rc != STORE_OK)
        return rc == STORE_ENOTFOUND ? STORE_OK : rc;
    bool red = t->kind == HUDDLE__TIMER_KIND__TIMER_KIND_WAITING_WELL_RED;
    int64_t limit = red ? ctx->cfg->wait_red_limit : ctx->cfg->wait_any_limit;
    bool waiting = rec->status == ST(SUBMITTED) || rec->status == ST(ACCEPTED) || rec->status == ST(DEFERRED);
    /* a timer set for an earlier wait (before a deferral, a session, a review) is stale */
    if (!waiting || t->due_at_ms != rec->waiting_since_ms + limit) {
        huddle__referral_record__free_unpacked(rec, NULL);
        return STORE_OK;
    }
    Huddle__Event ev = HUDDLE__EVENT__INIT;
    Huddle__Escalation e = HUDDLE__ESCALATION__INIT;
    Huddle__Subject sub = HUDDLE__SUBJECT__INIT;
    sub.nhs_number = rec->nhs_number;
    sub.referral_id = rec->referral_id;
    ev.kind = HUDDLE__EVENT_KIND__EVENT_KIND_ESCALATION_RAISED;
    ev.correlation_id = rec->correlation_id;
    ev.subject = &sub;
    ev.scope = rec->scope;
    ev.occurred_at_ms = t->due_at_ms;
    ev.payload_case = HUDDLE__EVENT__PAYLOAD_ESCALATION;
    ev.escalation = &e;
    e.reason = red ? HUDDLE__ESCALATION_REASON__ESCALATION_REASON_WAITING_WELL_RED
                   : HUDDLE__ESCALATION_REASON__ESCALATION_REASON_WAITING_WELL_ANY;
    e.timer_kind = t->kind;
    e.to_role = HUDDLE__ROLE__ROLE_INT_COORDINATOR;
    e.to_org_ods = (char *)"";
    e.days_waiting = waiting_days(rec->waiting_since_ms, ctx->now_ms);
    e.overdue_since_ms = t->due_at_ms;
    e.tier = rec->tier;
    char word[32], text[200];
    snprintf(text, sizeof text, "Referral %s (%s%s) has waited %u days for an MDT discussion, past the limit of %lld days",
             rec->referral_id, red ? "RED, " : "", status_word(rec->status, word, sizeof word), e.days_waiting,
             (long long)(limit / HD_MS_PER_DAY));
    e.text = text;
    rc = wf_emit(ctx, &ev, NULL);
    huddle__referral_record__free_unpacked(rec, NULL);
    return rc;
}
