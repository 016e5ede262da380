/*
 * discharge_args — see discharge_args.h. Spellings are tables; each field of an
 * episode has one setter, chosen by a table indexed by the field.
 */
#include "discharge_args.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "care_codes.h"
#include "csv_record.h"
#include "event_fmt.h"
#include "hd_time.h"
#include "ods.h"

#define MINUTE_MS INT64_C(60000)
#define CLOCK_GRACE_MS (5 * MINUTE_MS)

/* ---- spellings ------------------------------------------------------------------- */

typedef struct {
    const char *word;
    int value;
} word_t;

static const word_t statuses[] = {
    {"not-ready", HUDDLE__EPISODE_STATUS__EPISODE_STATUS_NOT_READY},
    {"awaiting-assessment", HUDDLE__EPISODE_STATUS__EPISODE_STATUS_AWAITING_ASSESSMENT},
    {"awaiting-care-package", HUDDLE__EPISODE_STATUS__EPISODE_STATUS_AWAITING_CARE_PACKAGE},
    {"awaiting-placement", HUDDLE__EPISODE_STATUS__EPISODE_STATUS_AWAITING_PLACEMENT},
    {"awaiting-equipment", HUDDLE__EPISODE_STATUS__EPISODE_STATUS_AWAITING_EQUIPMENT},
    {"awaiting-transport", HUDDLE__EPISODE_STATUS__EPISODE_STATUS_AWAITING_TRANSPORT},
    {"discharged", HUDDLE__EPISODE_STATUS__EPISODE_STATUS_DISCHARGED},
};

static const word_t destinations[] = {
    {"home", HUDDLE__PLACEMENT_DESTINATION__PLACEMENT_DESTINATION_HOME},
    {"home-with-support", HUDDLE__PLACEMENT_DESTINATION__PLACEMENT_DESTINATION_HOME_WITH_SUPPORT},
    {"care-home", HUDDLE__PLACEMENT_DESTINATION__PLACEMENT_DESTINATION_CARE_HOME_LONG_TERM},
    {"hospital", HUDDLE__PLACEMENT_DESTINATION__PLACEMENT_DESTINATION_HOSPITAL},
    {"died", HUDDLE__PLACEMENT_DESTINATION__PLACEMENT_DESTINATION_DIED},
    {"other", HUDDLE__PLACEMENT_DESTINATION__PLACEMENT_DESTINATION_OTHER},
};

static const word_t results[] = {
    {"at-home", HUDDLE__FOLLOW_UP_RESULT__FOLLOW_UP_RESULT_AT_HOME},
    {"not-at-home", HUDDLE__FOLLOW_UP_RESULT__FOLLOW_UP_RESULT_NOT_AT_HOME},
    {"not-known", HUDDLE__FOLLOW_UP_RESULT__FOLLOW_UP_RESULT_NOT_KNOWN},
};

static const word_t wheres[] = {
    {"in-hospital", HUDDLE__FOLLOW_UP_WHERE__FOLLOW_UP_WHERE_IN_HOSPITAL},
    {"care-home", HUDDLE__FOLLOW_UP_WHERE__FOLLOW_UP_WHERE_CARE_HOME},
    {"died", HUDDLE__FOLLOW_UP_WHERE__FOLLOW_UP_WHERE_DIED},
    {"other", HUDDLE__FOLLOW_UP_WHERE__FOLLOW_UP_WHERE_OTHER},
};

#define LOOKUP(table, word, out) lookup(table, sizeof table / sizeof table[0], word, out)

static int lookup(const word_t *table, size_t n, const char *word, int *out)
{
    for (size_t i = 0; word && i < n; i++)
        if (!strcmp(word, table[i].word)) {
            *out = table[i].value;
            return 0;
        }
    return -1;
}

int discharge_args_destination(const char *word, Huddle__PlacementDestination *out)
{
    int v;
    if (LOOKUP(destinations, word, &v))
        return -1;
    *out = (Huddle__PlacementDestination)v;
    return 0;
}

int discharge_args_result(const char *word, Huddle__FollowUpResult *out)
{
    int v;
    if (LOOKUP(results, word, &v))
        return -1;
    *out = (Huddle__FollowUpResult)v;
    return 0;
}

int discharge_args_where(const char *word, Huddle__FollowUpWhere *out)
{
    int v;
    if (LOOKUP(wheres, word, &v))
        return -1;
    *out = (Huddle__FollowUpWhere)v;
    return 0;
}

const char *discharge_args_statuses(void)
{
    return "not-ready|awaiting-assessment|awaiting-care-package|awaiting-placement|awaiting-equipment|"
           "awaiting-transport|discharged";
}

/* ---- times and dates ------------------------------------------------------------ */

int discharge_args_date(const char *text)
{
    int32_t day;
    return text && strlen(text) == 10 && hd_date_parse(text, 10, &day) == HD_TIME_OK ? 0 : -1;
}

static bool digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!isdigit((unsigned char)s[i]))
            return false;
    return true;
}

int discharge_args_time(const char *text, int64_t *ms)
{
    size_t n = text ? strlen(text) : 0;
    if (n < 16 || (text[10] != 'T' && text[10] != ' ') || text[13] != ':' || !digits(text + 11, 2) ||
        !digits(text + 14, 2))
        return -1;
    char iso[64];
    const char *rest = text + 16;
    if (rest[0] == ':') { /* seconds given */
        if (!digits(rest + 1, 2))
            return -1;
        snprintf(iso, sizeof iso, "%.10sT%.5s:%.2s", text, text + 11, rest + 1);
        rest += 3;
    } else {
        snprintf(iso, sizeof iso, "%.10sT%.5s:00", text, text + 11);
    }
    const char *zone = rest;
    if (*zone == '.') /* a fraction: its digits, then the zone */
        for (zone++; isdigit((unsigned char)*zone); zone++)
            ;
    bool local = *zone == '\0';
    if (strlen(iso) + strlen(rest) + 2 > sizeof iso)
        return -1;
    strcat(iso, rest);
    if (local)
        strcat(iso, "Z");
    int64_t t;
    if (hd_time_parse(iso, strlen(iso), &t) != HD_TIME_OK)
        return -1;
    if (local) { /* UK clock time: the offset of the instant it names */
        int64_t guess = t - event_fmt_uk_offset_ms(t);
        t -= event_fmt_uk_offset_ms(guess);
    }
    *ms = t;
    return 0;
}

/* ---- one field at a time --------------------------------------------------------- */

static const char *const columns[DISCHARGE_F_N] = {
    [DISCHARGE_F_HOSPITAL] = "hospital_ods",
    [DISCHARGE_F_LOCAL_ID] = "local_id",
    [DISCHARGE_F_NHS] = "nhs_number",
    [DISCHARGE_F_WARD] = "ward",
    [DISCHARGE_F_ADMITTED] = "admitted_at",
    [DISCHARGE_F_CRITERION] = "criteria_to_reside",
    [DISCHARGE_F_READY] = "discharge_ready_date",
    [DISCHARGE_F_PATHWAY] = "pathway",
    [DISCHARGE_F_STATUS] = "status",
    [DISCHARGE_F_DELAYS] = "delay_reasons",
    [DISCHARGE_F_EXPECTED] = "expected_discharge_date",
    [DISCHARGE_F_DISCHARGED] = "discharged_at",
    [DISCHARGE_F_PRACTICE] = "registered_practice_ods",
};

const char *discharge_args_column(discharge_field_t f)
{
    return (unsigned)f < DISCHARGE_F_N ? columns[f] : "?";
}

static bool local_id_char(char c)
{
    return isalnum((unsigned char)c) || c == '-' || c == '_' || c == '/';
}

static int local_id_check(const char *s, size_t n, char why[DISCHARGE_WHY_LEN])
{
    if (n == 0 || n > DISCHARGE_LOCAL_ID_MAX) {
        snprintf(why, DISCHARGE_WHY_LEN, "a local id is 1-%d characters, not %zu", DISCHARGE_LOCAL_ID_MAX, n);
        return -1;
    }
    for (size_t i = 0; i < n; i++)
        if (!local_id_char(s[i])) {
            snprintf(why, DISCHARGE_WHY_LEN, "a local id is letters, digits, '-', '_' and '/' only");
            return -1;
        }
    return 0;
}

static int ods_field(const char *s, char out[DISCHARGE_ODS_LEN], char why[DISCHARGE_WHY_LEN])
{
    char buf[24];
    int rc = ods_code_check(s, strlen(s));
    if (rc != ODS_OK) {
        snprintf(why, DISCHARGE_WHY_LEN, "'%s': %s", csv_shown(s, buf), ods_strerror(rc));
        return -1;
    }
    snprintf(out, DISCHARGE_ODS_LEN, "%s", s);
    return 0;
}

static int date_field(const char *s, char out[11], char why[DISCHARGE_WHY_LEN])
{
    char buf[24];
    if (discharge_args_date(s)) {
        snprintf(why, DISCHARGE_WHY_LEN, "'%s' is not a date YYYY-MM-DD", csv_shown(s, buf));
        return -1;
    }
    memcpy(out, s, 11);
    return 0;
}

static int time_field(const char *s, int64_t *ms, char why[DISCHARGE_WHY_LEN])
{
    char buf[24];
    if (discharge_args_time(s, ms)) {
        snprintf(why, DISCHARGE_WHY_LEN, "'%s' is not a time like 2026-03-03T14:30 (UK time, or with Z or +01:00)",
                 csv_shown(s, buf));
        return -1;
    }
    return 0;
}

/* "Awaiting_Placement", "awaiting placement" -> "awaiting-placement". */
static int status_field(const char *s, Huddle__EpisodeStatus *out, char why[DISCHARGE_WHY_LEN])
{
    char word[32], buf[24];
    size_t n = 0;
    for (; s[n] && n + 1 < sizeof word; n++)
        word[n] = s[n] == '_' || s[n] == ' ' ? '-' : (char)tolower((unsigned char)s[n]);
    word[n] = '\0';
    int v;
    if (s[n] || LOOKUP(statuses, word, &v)) {
        snprintf(why, DISCHARGE_WHY_LEN, "'%s' is not a status: %s", csv_shown(s, buf), discharge_args_statuses());
        return -1;
    }
    *out = (Huddle__EpisodeStatus)v;
    return 0;
}

static int delays_field(discharge_episode_t *ep, const char *s, char why[DISCHARGE_WHY_LEN])
{
    ep->n_delay_reasons = 0;
    while (*s) {
        size_t n = strcspn(s, ",; \t");
        if (n) {
            char code[DISCHARGE_DELAY_LEN];
            bool ok = n < DISCHARGE_DELAY_LEN && isalpha((unsigned char)s[0]);
            for (size_t i = 0; ok && i < n; i++) {
                ok = isalnum((unsigned char)s[i]);
                code[i] = (char)toupper((unsigned char)s[i]);
            }
            if (!ok) {
                snprintf(why, DISCHARGE_WHY_LEN, "'%.*s' is not a delay code (a letter, then up to 3 letters or "
                                                 "digits: A, D2)", (int)(n > 8 ? 8 : n), s);
                return -1;
            }
            code[n] = '\0';
            for (size_t k = 0; k < ep->n_delay_reasons; k++)
                if (!strcmp(ep->delay_reasons[k], code)) {
                    snprintf(why, DISCHARGE_WHY_LEN, "%s is given twice", code);
                    return -1;
                }
            if (ep->n_delay_reasons == DISCHARGE_DELAYS_MAX) {
                snprintf(why, DISCHARGE_WHY_LEN, "at most %d delay reasons", DISCHARGE_DELAYS_MAX);
                return -1;
            }
            memcpy(ep->delay_reasons[ep->n_delay_reasons++], code, n + 1);
        }
        s += n;
        if (*s)
            s++;
    }
    return 0;
}

int discharge_args_set(discharge_episode_t *ep, discharge_field_t f, const char *text, char why[DISCHARGE_WHY_LEN])
{
    char s[CSV_RECORD_FIELD_MAX + 1], buf[24];
    why[0] = '\0';
    size_t n = csv_trimmed(text ? text : "", s, sizeof s);
    if (n == (size_t)-1) {
        snprintf(why, DISCHARGE_WHY_LEN, "too long");
        return -1;
    }
    if (n == 0)
        return 0;
    switch (f) {
    case DISCHARGE_F_HOSPITAL:
        return ods_field(s, ep->hospital_ods, why);
    case DISCHARGE_F_PRACTICE:
        return ods_field(s, ep->registered_practice_ods, why);
    case DISCHARGE_F_LOCAL_ID:
        if (local_id_check(s, n, why))
            return -1;
        memcpy(ep->local_id, s, n + 1);
        return 0;
    case DISCHARGE_F_NHS: {
        int rc = nhs_number_normalise(s, ep->nhs_number);
        if (rc != NHS_OK)
            snprintf(why, DISCHARGE_WHY_LEN, "%s", nhs_strerror(rc));
        return rc == NHS_OK ? 0 : -1;
    }
    case DISCHARGE_F_WARD:
        if (n > DISCHARGE_WARD_MAX || !csv_valid_utf8(s)) {
            snprintf(why, DISCHARGE_WHY_LEN, n > DISCHARGE_WARD_MAX ? "%zu bytes, at most 64" : "not UTF-8 text", n);
            return -1;
        }
        memcpy(ep->ward, s, n + 1);
        return 0;
    case DISCHARGE_F_ADMITTED:
        return time_field(s, &ep->admitted_at_ms, why);
    case DISCHARGE_F_DISCHARGED:
        return time_field(s, &ep->discharged_at_ms, why);
    case DISCHARGE_F_CRITERION: {
        char two[3] = {n == 1 ? '0' : s[0], n == 1 ? s[0] : n > 1 ? s[1] : '\0', '\0'};
        if (n == 0 || n > 2 || !care_is_criterion(two)) {
            snprintf(why, DISCHARGE_WHY_LEN, "'%s' is not a criterion to reside, 01-12", csv_shown(s, buf));
            return -1;
        }
        memcpy(ep->criteria_to_reside, two, 3);
        return 0;
    }
    case DISCHARGE_F_READY:
        return date_field(s, ep->discharge_ready_date, why);
    case DISCHARGE_F_EXPECTED:
        return date_field(s, ep->expected_discharge_date, why);
    case DISCHARGE_F_PATHWAY:
        if (n != 1 || s[0] < '0' || s[0] > '3') {
            snprintf(why, DISCHARGE_WHY_LEN, "'%s' is not a pathway, 0-3", csv_shown(s, buf));
            return -1;
        }
        ep->pathway = (Huddle__Pathway)(HUDDLE__PATHWAY__PATHWAY_0 + (s[0] - '0'));
        return 0;
    case DISCHARGE_F_STATUS:
        return status_field(s, &ep->status, why);
    case DISCHARGE_F_DELAYS:
        return delays_field(ep, s, why);
    case DISCHARGE_F_N:
        break;
    }
    snprintf(why, DISCHARGE_WHY_LEN, "no such field");
    return -1;
}

unsigned discharge_args_check(const discharge_episode_t *ep, int64_t now_ms, discharge_problem_fn fn, void *ctx)
{
    unsigned n = 0;
#define PROBLEM(f, why) (fn(ctx, f, why), n++)
    if (!ep->local_id[0])
        PROBLEM(DISCHARGE_F_LOCAL_ID, "required");
    if (!ep->nhs_number[0])
        PROBLEM(DISCHARGE_F_NHS, "required");
    if (!ep->admitted_at_ms)
        PROBLEM(DISCHARGE_F_ADMITTED, "required");
    else if (ep->admitted_at_ms > now_ms + CLOCK_GRACE_MS)
        PROBLEM(DISCHARGE_F_ADMITTED, "in the future");
    bool discharged = ep->status == HUDDLE__EPISODE_STATUS__EPISODE_STATUS_DISCHARGED;
    if (ep->criteria_to_reside[0] && ep->discharge_ready_date[0])
        PROBLEM(DISCHARGE_F_CRITERION, "give a criterion to reside or a discharge-ready date, not both");
    if (!ep->status)
        PROBLEM(DISCHARGE_F_STATUS, "required");
    if (discharged && !ep->discharged_at_ms)
        PROBLEM(DISCHARGE_F_DISCHARGED, "required with discharged");
    else if (!discharged && ep->discharged_at_ms)
        PROBLEM(DISCHARGE_F_DISCHARGED, "only with the status discharged");
    else if (ep->discharged_at_ms && ep->admitted_at_ms && ep->discharged_at_ms < ep->admitted_at_ms)
        PROBLEM(DISCHARGE_F_DISCHARGED, "before the admission");
#undef PROBLEM
    return n;
}

int discharge_args_episode_id(const char *text, char why[DISCHARGE_WHY_LEN])
{
    const char *colon = text ? strchr(text, ':') : NULL;
    char buf[24];
    if (!colon) {
        snprintf(why, DISCHARGE_WHY_LEN, "'%s' is not an episode id \"<hospital ODS>:<local id>\"",
                 csv_shown(text ? text : "", buf));
        return -1;
    }
    int rc = ods_code_check(text, (size_t)(colon - text));
    if (rc != ODS_OK) {
        snprintf(why, DISCHARGE_WHY_LEN, "the episode's hospital '%.*s': %s",
                 (int)(colon - text > 12 ? 12 : colon - text), text, ods_strerror(rc));
        return -1;
    }
    char local[DISCHARGE_WHY_LEN];
    if (local_id_check(colon + 1, strlen(colon + 1), local)) {
        snprintf(why, DISCHARGE_WHY_LEN, "in the episode id, %.170s", local);
        return -1;
    }
    return 0;
}

/* ---- the update event -------------------------------------------------------------- */

static const char *hospital_of(const discharge_episode_t *ep, const char *hospital)
{
    return ep->hospital_ods[0] ? ep->hospital_ods : hospital ? hospital : "";
}

void discharge_args_update_event(const discharge_episode_t *ep, const char *hospital, const char *message_id,
                                 int64_t occurred_at_ms, discharge_update_msg_t *m)
{
    memset(m, 0, sizeof *m);
    const char *hosp = hospital_of(ep, hospital);
    snprintf(m->message_id, sizeof m->message_id, "%s", message_id);
    snprintf(m->episode_id, sizeof m->episode_id, "%s:%s", hosp, ep->local_id);
    huddle__event__init(&m->ev);
    huddle__subject__init(&m->subject);
    huddle__episode_update__init(&m->update);
    Huddle__EpisodeUpdate *u = &m->update;
    u->hospital_ods = (char *)hosp;
    u->local_id = (char *)ep->local_id;
    u->nhs_number = (char *)ep->nhs_number;
    u->ward = (char *)ep->ward;
    u->admitted_at_ms = ep->admitted_at_ms;
    u->criteria_to_reside = (char *)ep->criteria_to_reside;
    u->discharge_ready_date = (char *)ep->discharge_ready_date;
    u->pathway = ep->pathway;
    u->status = ep->status;
    for (size_t i = 0; i < ep->n_delay_reasons; i++)
        m->delays[i] = (char *)ep->delay_reasons[i];
    u->n_delay_reasons = ep->n_delay_reasons;
    u->delay_reasons = ep->n_delay_reasons ? m->delays : NULL;
    u->expected_discharge_date = (char *)ep->expected_discharge_date;
    u->discharged_at_ms = ep->discharged_at_ms;
    u->registered_practice_ods = (char *)ep->registered_practice_ods;
    m->subject.nhs_number = (char *)ep->nhs_number;
    m->subject.episode_id = m->episode_id;
    m->ev.message_id = m->message_id;
    m->ev.kind = HUDDLE__EVENT_KIND__EVENT_KIND_EPISODE_UPDATED;
    m->ev.subject = &m->subject;
    m->ev.occurred_at_ms = occurred_at_ms;
    m->ev.payload_case = HUDDLE__EVENT__PAYLOAD_EPISODE_UPDATE;
    m->ev.episode_update = u;
}

/* ---- placement and follow-up ---------------------------------------------------- */

static const char *nz(const char *s)
{
    return s ? s : "";
}

static int text_check(const char *s, const char *flag, char why[DISCHARGE_WHY_LEN])
{
    size_t n = strlen(nz(s));
    if (n > DISCHARGE_TEXT_MAX) {
        snprintf(why, DISCHARGE_WHY_LEN, "%s is %zu bytes, at most %d", flag, n, DISCHARGE_TEXT_MAX);
        return -1;
    }
    if (!csv_valid_utf8(nz(s))) {
        snprintf(why, DISCHARGE_WHY_LEN, "%s is not UTF-8 text", flag);
        return -1;
    }
    return 0;
}

int discharge_args_placement_check(const discharge_placement_t *p, char why[DISCHARGE_WHY_LEN])
{
    if (discharge_args_episode_id(p->episode_id, why))
        return -1;
    if (p->ended && (!p->ended_date || !p->destination)) {
        snprintf(why, DISCHARGE_WHY_LEN, "an ended placement needs %s", !p->ended_date ? "--date DATE"
                                                                                        : "--destination WHERE");
        return -1;
    }
    if (!p->ended && (p->ended_date || p->destination)) {
        snprintf(why, DISCHARGE_WHY_LEN, "%s goes with --ended only", p->ended_date ? "--date" : "--destination");
        return -1;
    }
    if (p->ended_date && discharge_args_date(p->ended_date)) {
        char buf[24];
        snprintf(why, DISCHARGE_WHY_LEN, "--date '%s' is not a date YYYY-MM-DD", csv_shown(p->ended_date, buf));
        return -1;
    }
    return text_check(p->outcome, "--outcome", why);
}

int discharge_args_follow_up_check(const discharge_follow_up_t *f, char why[DISCHARGE_WHY_LEN])
{
    char buf[24];
    if (discharge_args_episode_id(f->episode_id, why))
        return -1;
    bool away = f->result == HUDDLE__FOLLOW_UP_RESULT__FOLLOW_UP_RESULT_NOT_AT_HOME;
    if (away != (f->where != HUDDLE__FOLLOW_UP_WHERE__FOLLOW_UP_WHERE_UNSPECIFIED)) {
        snprintf(why, DISCHARGE_WHY_LEN, away ? "not-at-home needs --where in-hospital|care-home|died|other"
                                              : "--where goes with --result not-at-home only");
        return -1;
    }
    if (!f->date || discharge_args_date(f->date)) {
        snprintf(why, DISCHARGE_WHY_LEN, f->date ? "--date '%s' is not a date YYYY-MM-DD" : "--date is required%s",
                 f->date ? csv_shown(f->date, buf) : "");
        return -1;
    }
    return text_check(f->notes, "--notes", why);
}

static void report_init(discharge_report_msg_t *m, const char *episode_id, Huddle__EventKind kind,
                        int64_t occurred_at_ms)
{
    memset(m, 0, sizeof *m);
    huddle__event__init(&m->ev);
    huddle__subject__init(&m->subject);
    huddle__placement_report__init(&m->placement);
    huddle__follow_up_report__init(&m->follow_up);
    m->subject.episode_id = (char *)episode_id;
    m->ev.message_id = m->message_id;
    m->ev.kind = kind;
    m->ev.subject = &m->subject;
    m->ev.occurred_at_ms = occurred_at_ms;
}

void discharge_args_placement_event(const discharge_placement_t *p, const char *org, const char *message_id,
                                    int64_t occurred_at_ms, discharge_report_msg_t *m)
{
    report_init(m, p->episode_id, HUDDLE__EVENT_KIND__EVENT_KIND_PLACEMENT_REPORTED, occurred_at_ms);
    Huddle__PlacementReport *r = &m->placement;
    r->episode_id = (char *)p->episode_id;
    r->placement_ended = p->ended;
    r->ended_date = (char *)nz(p->ended_date);
    r->outcome = (char *)nz(p->outcome);
    r->destination = p->destination;
    m->ev.payload_case = HUDDLE__EVENT__PAYLOAD_PLACEMENT_REPORT;
    m->ev.placement_report = r;
    if (message_id) {
        snprintf(m->message_id, sizeof m->message_id, "%s", message_id);
        return;
    }
    msg_id_t record, content;
    msg_id_init(&record, "episode v1");
    msg_id_add(&record, p->episode_id);
    msg_id_init(&content, "placement v1");
    msg_id_add(&content, p->episode_id);
    msg_id_addf(&content, "ended=%d destination=%d", p->ended, (int)p->destination);
    msg_id_add(&content, r->ended_date);
    msg_id_add(&content, r->outcome);
    if (!p->ended) /* a review a week later may say the same: it is another review */
        msg_id_addf(&content, "day=%ld", (long)hd_date_from_ms(occurred_at_ms));
    msg_id_format(m->message_id, "pl", org, &record, &content);
}

void discharge_args_follow_up_event(const discharge_follow_up_t *f, const char *org, const char *message_id,
                                    int64_t occurred_at_ms, discharge_report_msg_t *m)
{
    report_init(m, f->episode_id, HUDDLE__EVENT_KIND__EVENT_KIND_FOLLOW_UP_REPORTED, occurred_at_ms);
    Huddle__FollowUpReport *r = &m->follow_up;
    r->episode_id = (char *)f->episode_id;
    r->result = f->result;
    r->where = f->where;
    r->follow_up_date = (char *)nz(f->date);
    r->notes = (char *)nz(f->notes);
    m->ev.payload_case = HUDDLE__EVENT__PAYLOAD_FOLLOW_UP_REPORT;
    m->ev.follow_up_report = r;
    if (message_id) {
        snprintf(m->message_id, sizeof m->message_id, "%s", message_id);
        return;
    }
    msg_id_t record, content;
    msg_id_init(&record, "episode v1");
    msg_id_add(&record, f->episode_id);
    msg_id_init(&content, "follow-up v1");
    msg_id_add(&content, f->episode_id);
    msg_id_addf(&content, "result=%d where=%d", (int)f->result, (int)f->where);
    msg_id_add(&content, r->follow_up_date);
    msg_id_add(&content, r->notes);
    msg_id_format(m->message_id, "fu", org, &record, &content);
}
