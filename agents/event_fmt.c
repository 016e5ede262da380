/*
 * event_fmt — see event_fmt.h. The human line is one function per payload, chosen
 * from a table; the JSON writer walks any message by its protobuf-c descriptor.
 */
#include "event_fmt.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "frame.pb-c.h"
#include "hd_time.h"

#define HOUR_MS INT64_C(3600000)

/* ---- small pieces ------------------------------------------------------------- */

const char *event_fmt_enum(const ProtobufCEnumDescriptor *d, int value)
{
    const ProtobufCEnumValue *v = protobuf_c_enum_descriptor_get_value(d, value);
    if (!v)
        return "?";
    /* the prefix every value shares, cut after its last '_' */
    size_t common = strlen(d->values[0].name);
    for (unsigned i = 1; i < d->n_values; i++) {
        size_t k = 0;
        while (k < common && d->values[i].name[k] == d->values[0].name[k])
            k++;
        common = k;
    }
    while (common > 0 && d->values[0].name[common - 1] != '_')
        common--;
    return v->name[common] ? v->name + common : v->name;
}

/* Days since the epoch of the last Sunday of month m (1-12) of year y. */
static int32_t last_sunday(int y, int m)
{
    char text[HD_DATE_LEN];
    int32_t day = 0;
    snprintf(text, sizeof text, "%04d-%02d-%02d", y, m, hd_days_in_month(y, m));
    hd_date_parse(text, 10, &day);
    int weekday = (int)(((day % 7) + 7 + 4) % 7); /* 1970-01-01 was a Thursday; 0 = Sunday */
    return day - weekday;
}

int64_t event_fmt_uk_offset_ms(int64_t utc_ms)
{
    char text[HD_DATE_LEN];
    if (hd_date_format(hd_date_from_ms(utc_ms), text, sizeof text) != HD_TIME_OK)
        return 0;
    int y = atoi(text);
    int64_t starts = hd_date_to_ms(last_sunday(y, 3)) + HOUR_MS;
    int64_t ends = hd_date_to_ms(last_sunday(y, 10)) + HOUR_MS;
    return utc_ms >= starts && utc_ms < ends ? HOUR_MS : 0;
}

void event_fmt_uk_time(int64_t utc_ms, char buf[EVENT_FMT_TIME_LEN])
{
    char iso[HD_TIME_ISO_LEN];
    if (!utc_ms || hd_time_format(utc_ms + event_fmt_uk_offset_ms(utc_ms), iso, sizeof iso) != HD_TIME_OK) {
        snprintf(buf, EVENT_FMT_TIME_LEN, "-");
        return;
    }
    iso[10] = ' ';
    snprintf(buf, EVENT_FMT_TIME_LEN, "%.16s", iso);
}

void event_fmt_nhs(const char *nhs, char buf[EVENT_FMT_NHS_LEN])
{
    if (nhs && strlen(nhs) == 10)
        snprintf(buf, EVENT_FMT_NHS_LEN, "%.3s %.3s %.4s", nhs, nhs + 3, nhs + 6);
    else
        snprintf(buf, EVENT_FMT_NHS_LEN, "%s", nhs ? nhs : "");
}

void event_fmt_text(FILE *out, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++)
        fputc(*p < 0x20 || *p == 0x7f ? ' ' : *p, out);
}

/* ---- one line per event --------------------------------------------------------- */

#define ENUM(type, v) event_fmt_enum(&huddle__##type##__descriptor, (int)(v))

static bool set(const char *s)
{
    return s && *s;
}

/* "; label: text" when there is text. */
static void opt_text(FILE *out, const char *label, const char *s)
{
    if (!set(s))
        return;
    fprintf(out, "; %s: ", label);
    event_fmt_text(out, s);
}

static void cohorts(FILE *out, size_t n, const Huddle__Cohort *c)
{
    for (size_t i = 0; i < n; i++)
        fprintf(out, "%s%s", i ? ", " : "; cohorts ", ENUM(cohort, c[i]));
}

static void line_submit(FILE *out, const Huddle__Event *ev)
{
    const Huddle__ReferralSubmit *s = ev->referral_submit;
    fprintf(out, "submitted: ");
    if (s->age_case == HUDDLE__REFERRAL_SUBMIT__AGE_BIRTH_YEAR)
        fprintf(out, "born %u", s->birth_year);
    else
        fprintf(out, "age %u", s->age_years);
    fprintf(out, ", %u long-term conditions", s->long_term_conditions);
    if (s->frailty_case == HUDDLE__REFERRAL_SUBMIT__FRAILTY_EFI_SCORE)
        fprintf(out, ", eFI %.2f", s->efi_score);
    else if (s->frailty_case == HUDDLE__REFERRAL_SUBMIT__FRAILTY_EFI_DEFICITS)
        fprintf(out, ", eFI %u/36 deficits", s->efi_deficits);
    if (s->cost_ratio > 0)
        fprintf(out, ", cost ratio %.1f", s->cost_ratio);
    fprintf(out, ", %u emergency admissions", s->emergency_admissions_12m);
    static const char *const flag_words[] = {"urgent", "safeguarding concern", "lives alone", "carer under strain"};
    const bool flags[] = {s->urgent, s->safeguarding_concern, s->lives_alone, s->carer_under_strain};
    for (size_t i = 0; i < sizeof flags / sizeof flags[0]; i++)
        if (flags[i])
            fprintf(out, ", %s", flag_words[i]);
    fprintf(out, ", %s", s->consent_recorded ? "consent recorded" : "no consent recorded");
    opt_text(out, "reason", s->reason);
    opt_text(out, "referrer", s->referring_clinician);
}

static void line_triage(FILE *out, const Huddle__Event *ev)
{
    const Huddle__ReferralTriage *t = ev->referral_triage;
    fprintf(out, "triaged %s", ENUM(triage_decision, t->decision));
    opt_text(out, "signposted to", t->signposted_to);
    opt_text(out, "reason", t->reason);
}

static void line_withdraw(FILE *out, const Huddle__Event *ev)
{
    fprintf(out, "withdrawn by the practice");
    opt_text(out, "reason", ev->referral_withdraw->reason);
}

static void line_close(FILE *out, const Huddle__Event *ev)
{
    fprintf(out, "closed");
    opt_text(out, "reason", ev->referral_close->reason);
}

static void line_status(FILE *out, const Huddle__Event *ev)
{
    const Huddle__ReferralStatusChanged *s = ev->referral_status_changed;
    if (s->from_status)
        fprintf(out, "status %s -> %s", ENUM(referral_status, s->from_status), ENUM(referral_status, s->to_status));
    else
        fprintf(out, "status -> %s", ENUM(referral_status, s->to_status));
    if (s->tier)
        fprintf(out, "; tier %s, score %u", ENUM(tier, s->tier), s->score);
    cohorts(out, s->n_cohorts, s->cohorts);
    if (s->decision)
        fprintf(out, "; decision %s", ENUM(mdt_decision, s->decision));
    opt_text(out, "session", s->session_id);
    opt_text(out, "signposted to", s->signposted_to);
    opt_text(out, "reason", s->reason);
}

static void line_session(FILE *out, const Huddle__Event *ev)
{
    const Huddle__MdtSessionCreate *s = ev->mdt_session_create;
    char when[EVENT_FMT_TIME_LEN];
    event_fmt_uk_time(s->starts_at_ms, when);
    fprintf(out, "session created for %s, %s UK time, %u minutes, %zu attendees", s->neighbourhood_id, when,
            s->length_minutes, s->n_attendees);
    opt_text(out, "title", s->title);
    opt_text(out, "location", s->location);
}

static void line_agenda(FILE *out, const Huddle__Event *ev)
{
    static const char *const verbs[] = {"built", "edited", "published"};
    int k = ev->kind - HUDDLE__EVENT_KIND__EVENT_KIND_MDT_AGENDA_BUILT;
    const char *verb = k >= 0 && k < 3 ? verbs[k] : "changed";
    if (ev->payload_case == HUDDLE__EVENT__PAYLOAD_MDT_AGENDA) {
        const Huddle__MdtAgenda *a = ev->mdt_agenda;
        fprintf(out, "agenda %s: %zu items, %u of %u minutes", verb, a->n_items, a->total_minutes, a->length_minutes);
        if (a->left_waiting)
            fprintf(out, ", %u left waiting", a->left_waiting);
    } else if (ev->payload_case == HUDDLE__EVENT__PAYLOAD_MDT_AGENDA_EDIT) {
        const Huddle__MdtAgendaEdit *e = ev->mdt_agenda_edit;
        fprintf(out, "agenda edit %s %s", ENUM(agenda_edit_op, e->op), e->referral_id);
        if (e->position)
            fprintf(out, " at %u", e->position);
        if (e->minutes)
            fprintf(out, ", %u minutes", e->minutes);
    } else {
        fprintf(out, "agenda %s", ev->payload_case == HUDDLE__EVENT__PAYLOAD_MDT_AGENDA_PUBLISH ? "publish asked"
                                                                                                : "build asked");
    }
}

static void line_outcome(FILE *out, const Huddle__Event *ev)
{
    const Huddle__MdtOutcome *o = ev->mdt_outcome;
    fprintf(out, "outcome %s", ENUM(mdt_decision, o->decision));
    if (set(o->lead_professional)) {
        fprintf(out, "; lead ");
        event_fmt_text(out, o->lead_professional);
        if (set(o->lead_ods))
            fprintf(out, " (%s)", o->lead_ods);
    }
    for (size_t i = 0; i < o->n_actions; i++) {
        const Huddle__Action *a = o->actions[i];
        fprintf(out, i ? " | " : "; actions: ");
        event_fmt_text(out, a->owner);
        fprintf(out, ": ");
        event_fmt_text(out, a->text);
        if (set(a->due_date))
            fprintf(out, " (due %s)", a->due_date);
    }
    opt_text(out, "review", o->next_review_date);
    opt_text(out, "referred on to", o->refer_on_to);
    opt_text(out, "session", o->session_id);
    opt_text(out, "notes", o->notes);
}

static void line_session_close(FILE *out, const Huddle__Event *ev)
{
    fprintf(out, "session closed");
    opt_text(out, "notes", ev->mdt_session_close->notes);
}

static void line_review(FILE *out, const Huddle__Event *ev)
{
    const Huddle__MdtReviewDue *r = ev->mdt_review_due;
    fprintf(out, "review due %s", r->review_date);
    opt_text(out, "lead", r->lead_professional);
    opt_text(out, "last session", r->last_session_id);
}

static void line_escalation(FILE *out, const Huddle__Event *ev)
{
    const Huddle__Escalation *e = ev->escalation;
    fprintf(out, "escalation %s", ENUM(escalation_reason, e->reason));
    if (e->tier)
        fprintf(out, "; tier %s", ENUM(tier, e->tier));
    if (e->days_waiting)
        fprintf(out, "; %u days waiting", e->days_waiting);
    if (e->to_role)
        fprintf(out, "; for %s", ENUM(role, e->to_role));
    opt_text(out, "to", e->to_org_ods);
    if (set(e->text)) {
        fprintf(out, ": ");
        event_fmt_text(out, e->text);
    }
}

static void line_notification(FILE *out, const Huddle__Event *ev)
{
    const Huddle__Notification *n = ev->notification;
    fprintf(out, "notification to %s: ", n->to_org_ods);
    event_fmt_text(out, n->text);
    if (n->about_seq)
        fprintf(out, " (about %s seq %llu)", ENUM(event_kind, n->about_kind), (unsigned long long)n->about_seq);
    if (n->requires_ack) {
        char by[EVENT_FMT_TIME_LEN];
        event_fmt_uk_time(n->deadline_ms, by);
        fprintf(out, "; acknowledge by %s", by);
    }
}

static void line_non_delivery(FILE *out, const Huddle__Event *ev)
{
    const Huddle__NonDelivery *n = ev->non_delivery;
    char by[EVENT_FMT_TIME_LEN];
    event_fmt_uk_time(n->deadline_ms, by);
    fprintf(out, "non-delivery: notification seq %llu to %s (about %s) not acknowledged by %s",
            (unsigned long long)n->notification_seq, n->to_org_ods, ENUM(event_kind, n->about_kind), by);
}

static void line_timer(FILE *out, const Huddle__Event *ev)
{
    fprintf(out, "timer %s fired", ENUM(timer_kind, ev->timer_fired->kind));
}

static void line_message(FILE *out, const Huddle__Event *ev)
{
    fprintf(out, "message on %s: ", ev->message->topic);
    event_fmt_text(out, ev->message->text);
}

static const struct {
    Huddle__Event__PayloadCase payload;
    void (*line)(FILE *out, const Huddle__Event *ev);
} lines[] = {
    {HUDDLE__EVENT__PAYLOAD_REFERRAL_SUBMIT, line_submit},
    {HUDDLE__EVENT__PAYLOAD_REFERRAL_TRIAGE, line_triage},
    {HUDDLE__EVENT__PAYLOAD_REFERRAL_WITHDRAW, line_withdraw},
    {HUDDLE__EVENT__PAYLOAD_REFERRAL_CLOSE, line_close},
    {HUDDLE__EVENT__PAYLOAD_REFERRAL_STATUS_CHANGED, line_status},
    {HUDDLE__EVENT__PAYLOAD_MDT_SESSION_CREATE, line_session},
    {HUDDLE__EVENT__PAYLOAD_MDT_AGENDA_BUILD, line_agenda},
    {HUDDLE__EVENT__PAYLOAD_MDT_AGENDA_EDIT, line_agenda},
    {HUDDLE__EVENT__PAYLOAD_MDT_AGENDA_PUBLISH, line_agenda},
    {HUDDLE__EVENT__PAYLOAD_MDT_AGENDA, line_agenda},
    {HUDDLE__EVENT__PAYLOAD_MDT_OUTCOME, line_outcome},
    {HUDDLE__EVENT__PAYLOAD_MDT_SESSION_CLOSE, line_session_close},
    {HUDDLE__EVENT__PAYLOAD_MDT_REVIEW_DUE, line_review},
    {HUDDLE__EVENT__PAYLOAD_ESCALATION, line_escalation},
    {HUDDLE__EVENT__PAYLOAD_NOTIFICATION, line_notification},
    {HUDDLE__EVENT__PAYLOAD_NON_DELIVERY, line_non_delivery},
    {HUDDLE__EVENT__PAYLOAD_TIMER_FIRED, line_timer},
    {HUDDLE__EVENT__PAYLOAD_MESSAGE, line_message},
};

/* The record the event is about: its referral, else its session, episode or assessment. */
static const char *record_id(const Huddle__Event *ev)
{
    const Huddle__Subject *s = ev->subject;
    const char *ids[] = {s ? s->referral_id : NULL, NULL, s ? s->session_id : NULL, s ? s->episode_id : NULL,
                         s ? s->assessment_id : NULL};
    if (ev->payload_case == HUDDLE__EVENT__PAYLOAD_REFERRAL_STATUS_CHANGED)
        ids[1] = ev->referral_status_changed->referral_id;
    else if (ev->payload_case == HUDDLE__EVENT__PAYLOAD_MDT_OUTCOME)
        ids[1] = ev->mdt_outcome->referral_id;
    else if (ev->payload_case == HUDDLE__EVENT__PAYLOAD_MDT_REVIEW_DUE)
        ids[1] = ev->mdt_review_due->referral_id;
    for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++)
        if (set(ids[i]))
            return ids[i];
    return "-";
}

void event_fmt_line(FILE *out, const Huddle__Event *ev, unsigned flags)
{
    char when[EVENT_FMT_TIME_LEN];
    event_fmt_uk_time(ev->received_at_ms ? ev->received_at_ms : ev->occurred_at_ms, when);
    fprintf(out, "%s  %s", when, record_id(ev));
    if ((flags & EVENT_FMT_SHOW_NHS) && ev->subject && set(ev->subject->nhs_number)) {
        char nhs[EVENT_FMT_NHS_LEN];
        event_fmt_nhs(ev->subject->nhs_number, nhs);
        fprintf(out, " (NHS %s)", nhs);
    }
    fprintf(out, "  ");
    size_t i = 0;
    while (i < sizeof lines / sizeof lines[0] && lines[i].payload != ev->payload_case)
        i++;
    if (i < sizeof lines / sizeof lines[0])
        lines[i].line(out, ev);
    else
        fprintf(out, "%s", ENUM(event_kind, ev->kind));
    fprintf(out, "  [seq %llu]\n", (unsigned long long)ev->seq);
}

void event_fmt_referral(FILE *out, const Huddle__ReferralRecord *r, unsigned flags)
{
    char when[EVENT_FMT_TIME_LEN];
    fprintf(out, "Referral %s: %s, tier %s, score %u", r->referral_id, ENUM(referral_status, r->status),
            ENUM(tier, r->tier), r->score);
    cohorts(out, r->n_cohorts, r->cohorts);
    if (flags & EVENT_FMT_SHOW_NHS) {
        char nhs[EVENT_FMT_NHS_LEN];
        event_fmt_nhs(r->nhs_number, nhs);
        fprintf(out, "; NHS %s", nhs);
    }
    event_fmt_uk_time(r->submitted_at_ms, when);
    fprintf(out, "\nPractice %s, neighbourhood %s; submitted %s UK time by %s\n", r->practice_ods,
            r->neighbourhood_id, when, set(r->referrer) ? r->referrer : "-");
    if (set(r->triaged_by)) {
        event_fmt_uk_time(r->triaged_at_ms, when);
        fprintf(out, "Triaged %s UK time by %s", when, r->triaged_by);
        opt_text(out, "signposted to", r->signposted_to);
        opt_text(out, "reason", r->triage_reason);
        fputc('\n', out);
    }
    if (r->times_deferred || set(r->last_session_id)) {
        fprintf(out, "Deferred %u time%s; last session %s", r->times_deferred, r->times_deferred == 1 ? "" : "s",
                set(r->last_session_id) ? r->last_session_id : "-");
        if (r->last_decision)
            fprintf(out, "; decision %s", ENUM(mdt_decision, r->last_decision));
        opt_text(out, "lead", r->lead_professional);
        opt_text(out, "next review", r->next_review_date);
        fputc('\n', out);
    }
    fputc('\n', out);
}

/* ---- JSON ----------------------------------------------------------------------- */

/* Length of the UTF-8 sequence at p (1-4), or 0 if it is not one. */
static size_t utf8_len(const unsigned char *p)
{
    size_t n = p[0] < 0x80 ? 1 : (p[0] & 0xe0) == 0xc0 ? 2 : (p[0] & 0xf0) == 0xe0 ? 3 : (p[0] & 0xf8) == 0xf0 ? 4 : 0;
    if (n == 2 && p[0] < 0xc2)
        return 0; /* overlong */
    for (size_t i = 1; i < n; i++)
        if ((p[i] & 0xc0) != 0x80)
            return 0;
    if (n == 3 && ((p[0] == 0xe0 && p[1] < 0xa0) || (p[0] == 0xed && p[1] >= 0xa0)))
        return 0; /* overlong, or a surrogate */
    if (n == 4 && ((p[0] == 0xf0 && p[1] < 0x90) || p[0] > 0xf4 || (p[0] == 0xf4 && p[1] >= 0x90)))
        return 0;
    return n;
}

void event_fmt_json_string(FILE *out, const char *s)
{
    fputc('"', out);
    const unsigned char *p = (const unsigned char *)(s ? s : "");
    while (*p) {
        size_t n = utf8_len(p);
        if (n == 0)
            fputs("\\ufffd", out);
        else if (*p == '"' || *p == '\\')
            fprintf(out, "\\%c", *p);
        else if (*p == '\n')
            fputs("\\n", out);
        else if (*p == '\t')
            fputs("\\t", out);
        else if (*p < 0x20 || *p == 0x7f)
            fprintf(out, "\\u%04x", *p);
        else
            fwrite(p, 1, n, out);
        p += n ? n : 1;
    }
    fputc('"', out);
}

static void json_base64(FILE *out, const ProtobufCBinaryData *b)
{
    static const char abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    fputc('"', out);
    for (size_t i = 0; i < b->len; i += 3) {
        uint32_t v = (uint32_t)b->data[i] << 16;
        if (i + 1 < b->len)
            v |= (uint32_t)b->data[i + 1] << 8;
        if (i + 2 < b->len)
            v |= b->data[i + 2];
        fputc(abc[v >> 18 & 63], out);
        fputc(abc[v >> 12 & 63], out);
        fputc(i + 1 < b->len ? abc[v >> 6 & 63] : '=', out);
        fputc(i + 2 < b->len ? abc[v & 63] : '=', out);
    }
    fputc('"', out);
}

/* The shortest decimal that reads back as d; null for what JSON cannot hold. */
static void json_double(FILE *out, double d)
{
    if (!isfinite(d)) {
        fputs("null", out);
        return;
    }
    char text[32];
    for (int precision = 15; precision <= 17; precision++) {
        snprintf(text, sizeof text, "%.*g", precision, d);
        if (strtod(text, NULL) == d)
            break;
    }
    fputs(text, out);
}

/* Size of one element of a repeated field of this type. */
static size_t element_size(ProtobufCType type)
{
    switch (type) {
    case PROTOBUF_C_TYPE_INT64: case PROTOBUF_C_TYPE_SINT64: case PROTOBUF_C_TYPE_SFIXED64:
    case PROTOBUF_C_TYPE_UINT64: case PROTOBUF_C_TYPE_FIXED64: case PROTOBUF_C_TYPE_DOUBLE:
        return 8;
    case PROTOBUF_C_TYPE_BOOL:
        return sizeof(protobuf_c_boolean);
    case PROTOBUF_C_TYPE_STRING: case PROTOBUF_C_TYPE_MESSAGE:
        return sizeof(void *);
    case PROTOBUF_C_TYPE_BYTES:
        return sizeof(ProtobufCBinaryData);
    default:
        return 4;
    }
}

/* Whether the value at p is its type's proto3 default (not sent on the wire). */
static bool is_default(const ProtobufCFieldDescriptor *f, const void *p)
{
    switch (f->type) {
    case PROTOBUF_C_TYPE_STRING:
        return !*(char *const *)p || !**(char *const *)p;
    case PROTOBUF_C_TYPE_MESSAGE:
        return !*(void *const *)p;
    case PROTOBUF_C_TYPE_BYTES:
        return ((const ProtobufCBinaryData *)p)->len == 0;
    case PROTOBUF_C_TYPE_DOUBLE:
        return *(const double *)p == 0;
    case PROTOBUF_C_TYPE_FLOAT:
        return *(const float *)p == 0;
    case PROTOBUF_C_TYPE_BOOL:
        return !*(const protobuf_c_boolean *)p;
    default: {
        size_t n = element_size(f->type);
        const unsigned char *b = p;
        for (size_t i = 0; i < n; i++)
            if (b[i])
                return false;
        return true;
    }
    }
}

static void json_value(FILE *out, const ProtobufCFieldDescriptor *f, const void *p, unsigned flags)
{
    switch (f->type) {
    case PROTOBUF_C_TYPE_INT32: case PROTOBUF_C_TYPE_SINT32: case PROTOBUF_C_TYPE_SFIXED32:
        fprintf(out, "%ld", (long)*(const int32_t *)p);
        break;
    case PROTOBUF_C_TYPE_UINT32: case PROTOBUF_C_TYPE_FIXED32:
        fprintf(out, "%lu", (unsigned long)*(const uint32_t *)p);
        break;
    case PROTOBUF_C_TYPE_INT64: case PROTOBUF_C_TYPE_SINT64: case PROTOBUF_C_TYPE_SFIXED64:
        fprintf(out, "%lld", (long long)*(const int64_t *)p);
        break;
    case PROTOBUF_C_TYPE_UINT64: case PROTOBUF_C_TYPE_FIXED64:
        fprintf(out, "%llu", (unsigned long long)*(const uint64_t *)p);
        break;
    case PROTOBUF_C_TYPE_DOUBLE:
        json_double(out, *(const double *)p);
        break;
    case PROTOBUF_C_TYPE_FLOAT:
        json_double(out, *(const float *)p);
        break;
    case PROTOBUF_C_TYPE_BOOL:
        fputs(*(const protobuf_c_boolean *)p ? "true" : "false", out);
        break;
    case PROTOBUF_C_TYPE_ENUM: {
        const ProtobufCEnumValue *v =
            protobuf_c_enum_descriptor_get_value(f->descriptor, *(const int *)p);
        if (v)
            event_fmt_json_string(out, v->name);
        else
            fprintf(out, "%d", *(const int *)p);
        break;
    }
    case PROTOBUF_C_TYPE_STRING:
        event_fmt_json_string(out, *(char *const *)p);
        break;
    case PROTOBUF_C_TYPE_BYTES:
        json_base64(out, p);
        break;
    case PROTOBUF_C_TYPE_MESSAGE:
        event_fmt_json(out, *(const ProtobufCMessage *const *)p, flags);
        break;
    }
}

/* NHS numbers are shown only when asked for. */
static bool hidden(const ProtobufCFieldDescriptor *f, unsigned flags)
{
    return !(flags & EVENT_FMT_SHOW_NHS) && (!strcmp(f->name, "nhs_number") || !strcmp(f->name, "nhs_numbers"));
}

void event_fmt_json(FILE *out, const ProtobufCMessage *m, unsigned flags)
{
    if (!m) {
        fputs("null", out);
        return;
    }
    const ProtobufCMessageDescriptor *d = m->descriptor;
    const char *base = (const char *)m;
    bool first = true;
    fputc('{', out);
    for (unsigned i = 0; i < d->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &d->fields[i];
        const void *member = base + f->offset;
        size_t n = 1;
        if (hidden(f, flags))
            continue;
        if (f->label == PROTOBUF_C_LABEL_REPEATED) {
            if (!(n = *(const size_t *)(const void *)(base + f->quantifier_offset)))
                continue;
        } else if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) {
            if (*(const uint32_t *)(const void *)(base + f->quantifier_offset) != f->id)
                continue;
        } else if (is_default(f, member)) {
            continue;
        }
        fprintf(out, "%s\"%s\":", first ? "" : ",", f->name);
        first = false;
        if (f->label != PROTOBUF_C_LABEL_REPEATED) {
            json_value(out, f, member, flags);
            continue;
        }
        const char *items = *(char *const *)member;
        fputc('[', out);
        for (size_t k = 0; k < n; k++) {
            if (k)
                fputc(',', out);
            json_value(out, f, items + k * element_size(f->type), flags);
        }
        fputc(']', out);
    }
    fputc('}', out);
}
