/*
 * assess_fmt — see assess_fmt.h.
 */
#include "assess_fmt.h"

#include <string.h>

#include "assess_args.h"
#include "board_fmt.h"
#include "care_codes.h"
#include "event_fmt.h"
#include "text_table.h"

#define CELL TEXT_TABLE_CELL_LEN
#define MINUTE_MS INT64_C(60000)
#define HOUR_MS INT64_C(3600000)
#define ENUM(type, v) event_fmt_enum(&huddle__##type##__descriptor, (int)(v))

void assess_fmt_left(int64_t deadline_ms, int64_t now_ms, char buf[ASSESS_FMT_LEFT_LEN])
{
    if (!deadline_ms) {
        snprintf(buf, ASSESS_FMT_LEFT_LEN, "-");
        return;
    }
    int64_t left = deadline_ms - now_ms;
    bool over = left < 0;
    int64_t span = over ? -left : left;
    if (span >= HOUR_MS)
        snprintf(buf, ASSESS_FMT_LEFT_LEN, "%s%lld h", over ? "overdue " : "", (long long)(span / HOUR_MS));
    else
        snprintf(buf, ASSESS_FMT_LEFT_LEN, "%s%lld min", over ? "overdue " : "", (long long)(span / MINUTE_MS));
}

const char *assess_fmt_state(Huddle__AssessmentState s)
{
    switch (s) {
    case HUDDLE__ASSESSMENT_STATE__ASSESSMENT_STATE_AWAITING_RESPONSE: return "awaiting response";
    case HUDDLE__ASSESSMENT_STATE__ASSESSMENT_STATE_INFO_REQUESTED: return "info requested";
    case HUDDLE__ASSESSMENT_STATE__ASSESSMENT_STATE_ACCEPTED: return "accepted";
    case HUDDLE__ASSESSMENT_STATE__ASSESSMENT_STATE_DECLINED: return "declined";
    case HUDDLE__ASSESSMENT_STATE__ASSESSMENT_STATE_CLOSED: return "closed";
    default: return "?";
    }
}

/* The latest answer in a few words: "start 2026-03-05", "asked: ...", "NO_CAPACITY". */
static void answer_cell(char *cell, const Huddle__AssessmentResponse *a)
{
    if (!a || !a->answer) {
        snprintf(cell, CELL, "-");
        return;
    }
    if (a->answer == HUDDLE__ASSESSMENT_ANSWER__ASSESSMENT_ANSWER_ACCEPT)
        snprintf(cell, CELL, "start %s", a->start_date);
    else if (a->answer == HUDDLE__ASSESSMENT_ANSWER__ASSESSMENT_ANSWER_DECLINE)
        snprintf(cell, CELL, "declined %s", ENUM(decline_reason, a->decline_reason));
    else
        snprintf(cell, CELL, "question asked");
}

typedef struct {
    const Huddle__AssessmentList *l;
    assess_fmt_view_t view;
    int64_t now_ms;
    unsigned flags;
} rows_t;

static const text_table_column_t provider_cols[] = {
    {"Assessment", false}, {"Episode", false},   {"Patient", false},  {"Service", false}, {"State", false},
    {"Submitted", false},  {"Left", true},       {"Assessor", false}, {"Start wanted", false},
};
static const text_table_column_t assessor_cols[] = {
    {"Assessment", false}, {"Episode", false}, {"Patient", false}, {"Provider", false},
    {"Service", false},    {"State", false},   {"Submitted", false}, {"Answer", false},
};

static void list_row(const void *data, size_t i, char cells[][CELL])
{
    const rows_t *r = data;
    const Huddle__AssessmentRecord *rec = r->l->assessments[i];
    const Huddle__TrustedAssessment *a = rec->assessment;
    char patient[BOARD_FMT_NHS_LEN], when[EVENT_FMT_TIME_LEN], left[ASSESS_FMT_LEFT_LEN];
    board_fmt_patient(a ? a->nhs_number : "", r->flags, patient);
    event_fmt_uk_time(rec->submitted_at_ms, when);
    size_t c = 0;
    snprintf(cells[c++], CELL, "%s", a ? a->assessment_id : "?");
    snprintf(cells[c++], CELL, "%s", a ? a->episode_id : "?");
    snprintf(cells[c++], CELL, "%s", patient);
    if (r->view == ASSESS_FMT_ASSESSOR)
        snprintf(cells[c++], CELL, "%s", a ? a->provider_ods : "?");
    snprintf(cells[c++], CELL, "%s", care_service_label(a ? a->service_type : 0));
    snprintf(cells[c++], CELL, "%s", assess_fmt_state(rec->state));
    snprintf(cells[c++], CELL, "%s", when);
    if (r->view == ASSESS_FMT_PROVIDER) {
        assess_fmt_left(rec->deadline_ms, r->now_ms, left);
        snprintf(cells[c++], CELL, "%s", left);
        snprintf(cells[c++], CELL, "%s", rec->assessor_ods);
        snprintf(cells[c++], CELL, "%s", a && a->requested_start_date[0] ? a->requested_start_date : "as soon as possible");
    } else {
        answer_cell(cells[c++], rec->response);
    }
}

void assess_fmt_list(FILE *out, const Huddle__AssessmentList *l, assess_fmt_view_t view, int64_t now_ms, bool json,
                     unsigned flags)
{
    if (json) {
        event_fmt_json(out, &l->base, flags);
        fputc('\n', out);
        return;
    }
    if (!l->n_assessments) {
        fprintf(out, "No assessments.\n");
        return;
    }
    rows_t rows = {l, view, now_ms, flags};
    text_table_t t = {view == ASSESS_FMT_PROVIDER ? provider_cols : assessor_cols,
                      view == ASSESS_FMT_PROVIDER ? sizeof provider_cols / sizeof provider_cols[0]
                                                  : sizeof assessor_cols / sizeof assessor_cols[0],
                      l->n_assessments, list_row, &rows};
    text_table_print(out, &t, false);
}

/* "Label: text" on one line when there is text. */
static void field(FILE *out, const char *label, const char *s)
{
    if (!s || !*s)
        return;
    fprintf(out, "%s: ", label);
    event_fmt_text(out, s);
    fputc('\n', out);
}

static void answer_line(FILE *out, const Huddle__AssessmentResponse *a)
{
    if (a->answer == HUDDLE__ASSESSMENT_ANSWER__ASSESSMENT_ANSWER_ACCEPT) {
        fprintf(out, "accepted, care to start %s", a->start_date);
    } else if (a->answer == HUDDLE__ASSESSMENT_ANSWER__ASSESSMENT_ANSWER_REQUEST_INFO) {
        fprintf(out, "information requested: ");
        event_fmt_text(out, a->question);
    } else if (a->answer == HUDDLE__ASSESSMENT_ANSWER__ASSESSMENT_ANSWER_DECLINE) {
        fprintf(out, "declined: %s", ENUM(decline_reason, a->decline_reason));
        if (a->text && *a->text) {
            fprintf(out, ": ");
            event_fmt_text(out, a->text);
        }
    } else {
        fprintf(out, "answer %s", ENUM(assessment_answer, a->answer));
    }
    if (a->responder_name && *a->responder_name) {
        fprintf(out, " (");
        event_fmt_text(out, a->responder_name);
        fputc(')', out);
    }
}

void assess_fmt_show(FILE *out, const Huddle__AssessmentRecord *r, int64_t now_ms, unsigned flags)
{
    const Huddle__TrustedAssessment *a = r->assessment;
    if (!a) {
        fprintf(out, "Assessment without its submission\n\n");
        return;
    }
    char patient[BOARD_FMT_NHS_LEN], when[EVENT_FMT_TIME_LEN], left[ASSESS_FMT_LEFT_LEN];
    board_fmt_patient(a->nhs_number, flags, patient);
    event_fmt_uk_time(r->submitted_at_ms, when);
    fprintf(out, "Assessment %s: %s, %s\n", a->assessment_id, care_service_label(a->service_type),
            assess_fmt_state(r->state));
    fprintf(out, "Episode %s, patient %s; provider %s; assessor organisation %s\n", a->episode_id, patient,
            a->provider_ods, r->assessor_ods);
    fprintf(out, "Assessed %s by ", a->assessed_date);
    event_fmt_text(out, a->assessor_name);
    fprintf(out, "; submitted %s UK time\n", when);
    if (r->deadline_ms) {
        event_fmt_uk_time(r->deadline_ms, when);
        assess_fmt_left(r->deadline_ms, now_ms, left);
        fprintf(out, "Answer due by %s UK time (%s%s)\n", when, left, strncmp(left, "overdue", 7) ? " left" : "");
    }
    fprintf(out, "Start wanted: %s", a->requested_start_date[0] ? a->requested_start_date : "as soon as possible");
    if (a->care_hours_per_week)
        fprintf(out, "; %u hours of care a week", a->care_hours_per_week);
    fprintf(out, "\n\nNeeds:\n");
    for (size_t i = 0; i < ASSESS_NEEDS_N; i++) {
        const char *v = assess_args_need_value(a->needs, i);
        fprintf(out, "  %-14s ", assess_args_need_label(i));
        if (*v)
            event_fmt_text(out, v);
        else
            fputs("(not assessed)", out);
        fputc('\n', out);
    }
    fprintf(out, "\nRecommendation:\n  ");
    event_fmt_text(out, a->recommendation);
    fputc('\n', out);
    if (r->response && r->response->answer) {
        fprintf(out, "\nLatest answer: ");
        answer_line(out, r->response);
        fputc('\n', out);
    }
    if (r->info_requests)
        fprintf(out, "Questions asked %u, answered %u\n", r->info_requests, r->info_replies);
    field(out, "Latest information from the assessor", r->last_info);
    fputc('\n', out);
}

static const char *assessment_of(const Huddle__Event *ev)
{
    if (ev->subject && ev->subject->assessment_id && *ev->subject->assessment_id)
        return ev->subject->assessment_id;
    switch (ev->payload_case) {
    case HUDDLE__EVENT__PAYLOAD_TRUSTED_ASSESSMENT: return ev->trusted_assessment->assessment_id;
    case HUDDLE__EVENT__PAYLOAD_ASSESSMENT_RESPONSE: return ev->assessment_response->assessment_id;
    case HUDDLE__EVENT__PAYLOAD_ASSESSMENT_INFO: return ev->assessment_info->assessment_id;
    default: return "";
    }
}

void assess_fmt_line(FILE *out, const Huddle__Event *ev, unsigned flags)
{
    if (ev->payload_case != HUDDLE__EVENT__PAYLOAD_TRUSTED_ASSESSMENT &&
        ev->payload_case != HUDDLE__EVENT__PAYLOAD_ASSESSMENT_RESPONSE &&
        ev->payload_case != HUDDLE__EVENT__PAYLOAD_ASSESSMENT_INFO) {
        event_fmt_line(out, ev, flags);
        return;
    }
    char when[EVENT_FMT_TIME_LEN];
    event_fmt_uk_time(ev->received_at_ms ? ev->received_at_ms : ev->occurred_at_ms, when);
    const char *id = assessment_of(ev), *from = ev->sender_org && *ev->sender_org ? ev->sender_org : "?";
    fprintf(out, "%s  %s", when, *id ? id : "-");
    if ((flags & EVENT_FMT_SHOW_NHS) && ev->subject && ev->subject->nhs_number && *ev->subject->nhs_number) {
        char nhs[EVENT_FMT_NHS_LEN];
        event_fmt_nhs(ev->subject->nhs_number, nhs);
        fprintf(out, " (NHS %s)", nhs);
    }
    fputs("  ", out);
    if (ev->payload_case == HUDDLE__EVENT__PAYLOAD_TRUSTED_ASSESSMENT) {
        const Huddle__TrustedAssessment *a = ev->trusted_assessment;
        fprintf(out, "assessment for %s from %s; episode %s; assessed %s by ", care_service_label(a->service_type),
                from, a->episode_id, a->assessed_date);
        event_fmt_text(out, a->assessor_name);
        fprintf(out, "; start %s", a->requested_start_date[0] ? a->requested_start_date : "as soon as possible");
        if (a->care_hours_per_week)
            fprintf(out, "; %u h a week", a->care_hours_per_week);
        fprintf(out, "; recommendation: ");
        event_fmt_text(out, a->recommendation);
    } else if (ev->payload_case == HUDDLE__EVENT__PAYLOAD_ASSESSMENT_RESPONSE) {
        fprintf(out, "%s ", from);
        answer_line(out, ev->assessment_response);
    } else {
        fprintf(out, "information from %s: ", from);
        event_fmt_text(out, ev->assessment_info->answer);
    }
    fprintf(out, "  [seq %llu]\n", (unsigned long long)ev->seq);
}
