/*
 * assess_args — see assess_args.h. Spellings and needs domains are tables; each check
 * walks its fields in the order of the options.
 */
#include "assess_args.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "csv_record.h"
#include "discharge_args.h"
#include "hd_time.h"
#include "ods.h"

typedef struct {
    const char *word;
    int value;
} word_t;

static const word_t services[] = {
    {"residential", HUDDLE__SERVICE_TYPE__SERVICE_TYPE_RESIDENTIAL},
    {"nursing", HUDDLE__SERVICE_TYPE__SERVICE_TYPE_NURSING},
    {"home-care", HUDDLE__SERVICE_TYPE__SERVICE_TYPE_HOME_CARE},
    {"reablement", HUDDLE__SERVICE_TYPE__SERVICE_TYPE_REABLEMENT},
};

static const word_t reasons[] = {
    {"no-capacity", HUDDLE__DECLINE_REASON__DECLINE_REASON_NO_CAPACITY},
    {"needs-exceed-registration", HUDDLE__DECLINE_REASON__DECLINE_REASON_NEEDS_EXCEED_REGISTRATION},
    {"assessment-incomplete", HUDDLE__DECLINE_REASON__DECLINE_REASON_ASSESSMENT_INCOMPLETE},
    {"other", HUDDLE__DECLINE_REASON__DECLINE_REASON_OTHER},
};

static int lookup(const word_t *table, size_t n, const char *word, int *out)
{
    for (size_t i = 0; word && i < n; i++)
        if (!strcmp(word, table[i].word)) {
            *out = table[i].value;
            return 0;
        }
    return -1;
}

int assess_args_service(const char *word, Huddle__ServiceType *out)
{
    int v;
    if (lookup(services, sizeof services / sizeof services[0], word, &v))
        return -1;
    *out = (Huddle__ServiceType)v;
    return 0;
}

int assess_args_decline_reason(const char *word, Huddle__DeclineReason *out)
{
    int v;
    if (lookup(reasons, sizeof reasons / sizeof reasons[0], word, &v))
        return -1;
    *out = (Huddle__DeclineReason)v;
    return 0;
}

/* ---- needs ------------------------------------------------------------------------ */

static const struct {
    const char *flag, *label;
    size_t offset;
} needs[ASSESS_NEEDS_N] = {
    {"--mobility", "Mobility", offsetof(Huddle__Needs, mobility)},
    {"--transfers", "Transfers", offsetof(Huddle__Needs, transfers)},
    {"--continence", "Continence", offsetof(Huddle__Needs, continence)},
    {"--cognition", "Cognition", offsetof(Huddle__Needs, cognition)},
    {"--behaviour", "Behaviour", offsetof(Huddle__Needs, behaviour)},
    {"--skin", "Skin", offsetof(Huddle__Needs, skin)},
    {"--medication", "Medication", offsetof(Huddle__Needs, medication)},
    {"--nursing", "Nursing needs", offsetof(Huddle__Needs, nursing_needs)},
    {"--equipment", "Equipment", offsetof(Huddle__Needs, equipment)},
};

const char *assess_args_need_flag(size_t i)
{
    return i < ASSESS_NEEDS_N ? needs[i].flag : "?";
}

const char *assess_args_need_label(size_t i)
{
    return i < ASSESS_NEEDS_N ? needs[i].label : "?";
}

const char *assess_args_need_value(const Huddle__Needs *n, size_t i)
{
    if (!n || i >= ASSESS_NEEDS_N)
        return "";
    const char *v = *(char *const *)(const void *)((const char *)n + needs[i].offset);
    return v ? v : "";
}

/* ---- checks ------------------------------------------------------------------------- */

static const char *nz(const char *s)
{
    return s ? s : "";
}

/* Text of min-max bytes of UTF-8 (min 0: may be absent). */
static int text(const char *s, size_t min, size_t max, const char *flag, char why[ASSESS_WHY_LEN])
{
    size_t n = strlen(nz(s));
    if (n < min) {
        snprintf(why, ASSESS_WHY_LEN, "%s is required", flag);
        return -1;
    }
    if (n > max) {
        snprintf(why, ASSESS_WHY_LEN, "%s is %zu bytes, at most %zu", flag, n, max);
        return -1;
    }
    if (!csv_valid_utf8(nz(s))) {
        snprintf(why, ASSESS_WHY_LEN, "%s is not UTF-8 text", flag);
        return -1;
    }
    return 0;
}

static int date(const char *s, const char *flag, char why[ASSESS_WHY_LEN])
{
    char buf[24];
    if (s && discharge_args_date(s)) {
        snprintf(why, ASSESS_WHY_LEN, "%s '%s' is not a date YYYY-MM-DD", flag, csv_shown(s, buf));
        return -1;
    }
    return 0;
}

int assess_args_id(const char *id, char why[ASSESS_WHY_LEN])
{
    size_t n = strlen(nz(id));
    bool ok = n >= 1 && n <= ASSESS_ID_MAX;
    for (size_t i = 0; ok && i < n; i++)
        ok = id[i] > 0x20 && id[i] < 0x7f;
    if (!ok)
        snprintf(why, ASSESS_WHY_LEN, "an assessment id is 1-%d printable characters, as the broker gave it",
                 ASSESS_ID_MAX);
    return ok ? 0 : -1;
}

int assess_args_submit_check(const assess_submit_t *s, int32_t today, char why[ASSESS_WHY_LEN])
{
    char nhs[NHS_NUMBER_BUF], sub[DISCHARGE_WHY_LEN];
    if (!s->nhs) {
        snprintf(why, ASSESS_WHY_LEN, "--nhs is required");
        return -1;
    }
    int rc = nhs_number_normalise(s->nhs, nhs);
    if (rc != NHS_OK) {
        snprintf(why, ASSESS_WHY_LEN, "--nhs: %s", nhs_strerror(rc));
        return -1;
    }
    if (!s->episode_id) {
        snprintf(why, ASSESS_WHY_LEN, "--episode is required");
        return -1;
    }
    if (discharge_args_episode_id(s->episode_id, sub)) {
        snprintf(why, ASSESS_WHY_LEN, "--episode: %.180s", sub);
        return -1;
    }
    if (!s->provider_ods || (rc = ods_code_check(s->provider_ods, strlen(s->provider_ods))) != ODS_OK) {
        snprintf(why, ASSESS_WHY_LEN, s->provider_ods ? "--provider: %s" : "--provider is required%s",
                 s->provider_ods ? ods_strerror(rc) : "");
        return -1;
    }
    if (!s->service) {
        snprintf(why, ASSESS_WHY_LEN, "--service is required: residential, nursing, home-care or reablement");
        return -1;
    }
    if (text(s->assessor_name, 1, ASSESS_NAME_MAX, "--assessor-name", why) ||
        text(s->recommendation, 1, ASSESS_RECOMMENDATION_MAX, "--recommendation", why))
        return -1;
    if (!s->assessed_date) {
        snprintf(why, ASSESS_WHY_LEN, "--assessed is required");
        return -1;
    }
    if (date(s->assessed_date, "--assessed", why) || date(s->start_date, "--start", why))
        return -1;
    int32_t day = 0;
    hd_date_parse(s->assessed_date, 10, &day);
    if (day > today) {
        snprintf(why, ASSESS_WHY_LEN, "--assessed %s is in the future", s->assessed_date);
        return -1;
    }
    bool at_home = s->service == HUDDLE__SERVICE_TYPE__SERVICE_TYPE_HOME_CARE ||
                   s->service == HUDDLE__SERVICE_TYPE__SERVICE_TYPE_REABLEMENT;
    if (s->hours > 0 && !at_home) {
        snprintf(why, ASSESS_WHY_LEN, "--hours goes with home-care or reablement, not a bedded service");
        return -1;
    }
    if (s->hours > 168) {
        snprintf(why, ASSESS_WHY_LEN, "--hours is 0-168 a week");
        return -1;
    }
    for (size_t i = 0; i < ASSESS_NEEDS_N; i++)
        if (text(s->needs[i], 0, ASSESS_NEED_MAX, needs[i].flag, why))
            return -1;
    return 0;
}

int assess_args_response_check(const assess_response_t *r, char why[ASSESS_WHY_LEN])
{
    if (assess_args_id(r->assessment_id, why))
        return -1;
    switch (r->answer) {
    case HUDDLE__ASSESSMENT_ANSWER__ASSESSMENT_ANSWER_ACCEPT:
        if (!r->start_date) {
            snprintf(why, ASSESS_WHY_LEN, "accepting needs --start DATE");
            return -1;
        }
        if (date(r->start_date, "--start", why))
            return -1;
        break;
    case HUDDLE__ASSESSMENT_ANSWER__ASSESSMENT_ANSWER_REQUEST_INFO:
        if (text(r->question, 1, ASSESS_QUESTION_MAX, "--question", why))
            return -1;
        break;
    case HUDDLE__ASSESSMENT_ANSWER__ASSESSMENT_ANSWER_DECLINE:
        if (!r->reason) {
            snprintf(why, ASSESS_WHY_LEN, "--reason is required: no-capacity, needs-exceed-registration, "
                                          "assessment-incomplete or other");
            return -1;
        }
        if (r->reason == HUDDLE__DECLINE_REASON__DECLINE_REASON_OTHER && !*nz(r->text)) {
            snprintf(why, ASSESS_WHY_LEN, "--reason other needs --text saying why");
            return -1;
        }
        break;
    default:
        snprintf(why, ASSESS_WHY_LEN, "no answer given");
        return -1;
    }
    return text(r->text, 0, ASSESS_QUESTION_MAX, "--text", why) ||
                   text(r->responder, 0, ASSESS_NAME_MAX, "--responder", why)
               ? -1
               : 0;
}

int assess_args_info_check(const char *assessment_id, const char *answer, char why[ASSESS_WHY_LEN])
{
    if (assess_args_id(assessment_id, why))
        return -1;
    return text(answer, 1, ASSESS_INFO_MAX, "--answer", why);
}

/* ---- events ------------------------------------------------------------------------ */

void assess_args_submit_event(const assess_submit_t *s, const char *org, const char *message_id,
                              int64_t occurred_at_ms, assess_submit_msg_t *m)
{
    memset(m, 0, sizeof *m);
    huddle__event__init(&m->ev);
    huddle__subject__init(&m->subject);
    huddle__trusted_assessment__init(&m->assessment);
    huddle__needs__init(&m->needs);
    nhs_number_normalise(nz(s->nhs), m->nhs);
    for (size_t i = 0; i < ASSESS_NEEDS_N; i++)
        *(char **)(void *)((char *)&m->needs + needs[i].offset) = (char *)nz(s->needs[i]);
    Huddle__TrustedAssessment *a = &m->assessment;
    a->nhs_number = m->nhs;
    a->episode_id = (char *)nz(s->episode_id);
    a->provider_ods = (char *)nz(s->provider_ods);
    a->service_type = s->service;
    a->needs = &m->needs;
    a->recommendation = (char *)nz(s->recommendation);
    a->requested_start_date = (char *)nz(s->start_date);
    a->assessor_name = (char *)nz(s->assessor_name);
    a->assessed_date = (char *)nz(s->assessed_date);
    a->care_hours_per_week = s->hours > 0 ? (uint32_t)s->hours : 0;
    m->subject.nhs_number = m->nhs;
    m->subject.episode_id = a->episode_id;
    m->ev.message_id = m->message_id;
    m->ev.kind = HUDDLE__EVENT_KIND__EVENT_KIND_ASSESSMENT_SUBMITTED;
    m->ev.subject = &m->subject;
    m->ev.occurred_at_ms = occurred_at_ms;
    m->ev.payload_case = HUDDLE__EVENT__PAYLOAD_TRUSTED_ASSESSMENT;
    m->ev.trusted_assessment = a;
    if (message_id) {
        snprintf(m->message_id, sizeof m->message_id, "%s", message_id);
        return;
    }
    msg_id_t record, content;
    msg_id_init(&record, "assessment of v1");
    msg_id_add(&record, m->nhs);
    msg_id_add(&record, a->episode_id);
    msg_id_add(&record, a->provider_ods);
    msg_id_init(&content, "assessment v1");
    msg_id_add(&content, m->nhs);
    msg_id_add(&content, a->episode_id);
    msg_id_add(&content, a->provider_ods);
    msg_id_addf(&content, "service=%d hours=%u", (int)a->service_type, a->care_hours_per_week);
    for (size_t i = 0; i < ASSESS_NEEDS_N; i++)
        msg_id_add(&content, nz(s->needs[i]));
    msg_id_add(&content, a->recommendation);
    msg_id_add(&content, a->requested_start_date);
    msg_id_add(&content, a->assessor_name);
    msg_id_add(&content, a->assessed_date);
    msg_id_format(m->message_id, "ta", org, &record, &content);
}

static void answer_init(assess_answer_msg_t *m, const char *assessment_id, Huddle__EventKind kind,
                        int64_t occurred_at_ms)
{
    memset(m, 0, sizeof *m);
    huddle__event__init(&m->ev);
    huddle__subject__init(&m->subject);
    huddle__assessment_response__init(&m->response);
    huddle__assessment_info__init(&m->info);
    m->subject.assessment_id = (char *)assessment_id;
    m->ev.message_id = m->message_id;
    m->ev.kind = kind;
    m->ev.subject = &m->subject;
    m->ev.occurred_at_ms = occurred_at_ms;
}

void assess_args_response_event(const assess_response_t *r, const char *org, const char *message_id,
                                int64_t occurred_at_ms, assess_answer_msg_t *m)
{
    answer_init(m, r->assessment_id, HUDDLE__EVENT_KIND__EVENT_KIND_ASSESSMENT_RESPONDED, occurred_at_ms);
    Huddle__AssessmentResponse *a = &m->response;
    a->assessment_id = (char *)r->assessment_id;
    a->answer = r->answer;
    a->start_date = (char *)nz(r->start_date);
    a->question = (char *)nz(r->question);
    a->decline_reason = r->reason;
    a->text = (char *)nz(r->text);
    a->responder_name = (char *)nz(r->responder);
    m->ev.payload_case = HUDDLE__EVENT__PAYLOAD_ASSESSMENT_RESPONSE;
    m->ev.assessment_response = a;
    if (message_id) {
        snprintf(m->message_id, sizeof m->message_id, "%s", message_id);
        return;
    }
    msg_id_t record, content;
    msg_id_init(&record, "assessment id v1");
    msg_id_add(&record, r->assessment_id);
    msg_id_init(&content, "assessment response v1");
    msg_id_add(&content, r->assessment_id);
    msg_id_addf(&content, "answer=%d reason=%d", (int)a->answer, (int)a->decline_reason);
    msg_id_add(&content, a->start_date);
    msg_id_add(&content, a->question);
    msg_id_add(&content, a->text);
    msg_id_add(&content, a->responder_name);
    if (a->answer == HUDDLE__ASSESSMENT_ANSWER__ASSESSMENT_ANSWER_REQUEST_INFO)
        msg_id_addf(&content, "day=%ld", (long)hd_date_from_ms(occurred_at_ms));
    msg_id_format(m->message_id, "ar", org, &record, &content);
}

void assess_args_info_event(const char *assessment_id, const char *answer, const char *org, const char *message_id,
                            int64_t occurred_at_ms, assess_answer_msg_t *m)
{
    answer_init(m, assessment_id, HUDDLE__EVENT_KIND__EVENT_KIND_ASSESSMENT_INFO_PROVIDED, occurred_at_ms);
    m->info.assessment_id = (char *)assessment_id;
    m->info.answer = (char *)nz(answer);
    m->ev.payload_case = HUDDLE__EVENT__PAYLOAD_ASSESSMENT_INFO;
    m->ev.assessment_info = &m->info;
    if (message_id) {
        snprintf(m->message_id, sizeof m->message_id, "%s", message_id);
        return;
    }
    msg_id_t record, content;
    msg_id_init(&record, "assessment id v1");
    msg_id_add(&record, assessment_id);
    msg_id_init(&content, "assessment info v1");
    msg_id_add(&content, assessment_id);
    msg_id_add(&content, m->info.answer);
    msg_id_addf(&content, "day=%ld", (long)hd_date_from_ms(occurred_at_ms));
    msg_id_format(m->message_id, "ai", org, &record, &content);
}
