/*
 * care_codes — see care_codes.h. Sources: NHS Data Dictionary "criteria to reside";
 * NHS England delayed transfers of care reason categories (retired 2020, still the
 * common local vocabulary); Hospital Discharge and Community Support Guidance,
 * discharge-to-assess pathways 0-3.
 */
#include "care_codes.h"

#include <string.h>

static const char *const criteria[12] = {
    "Requiring critical or high-dependency care",
    "Requiring oxygen or non-invasive ventilation beyond baseline",
    "Requiring intravenous fluids",
    "NEWS2 score greater than 3",
    "Diminished level of consciousness where recovery is realistic",
    "Acute functional impairment beyond what can be provided at home or in the community",
    "Last hours of life",
    "Requiring intravenous medication more than twice daily",
    "Undergone lower limb surgery within the last 48 hours",
    "Undergone thoraco-abdominal or pelvic surgery within the last 72 hours",
    "Within 24 hours of an invasive procedure with attendant risk",
    "Criteria to reside met but not otherwise specified",
};

static const struct {
    const char *code, *label;
} delays[] = {
    {"A", "Awaiting completion of assessment"},
    {"B", "Awaiting public funding"},
    {"C", "Awaiting further non-acute NHS care (including intermediate care and rehabilitation)"},
    {"D1", "Awaiting residential home placement or availability"},
    {"D2", "Awaiting nursing home placement or availability"},
    {"E", "Awaiting care package in own home"},
    {"F", "Awaiting community equipment and adaptations"},
    {"G", "Patient or family choice"},
    {"H", "Disputes"},
    {"I", "Housing (patients not covered by the NHS and Community Care Act)"},
    {"O", "Other"},
};

static int criterion_index(const char *code)
{
    if (!code || strlen(code) != 2 || code[0] < '0' || code[0] > '1' || code[1] < '0' || code[1] > '9')
        return -1;
    int n = (code[0] - '0') * 10 + (code[1] - '0');
    return n >= 1 && n <= 12 ? n - 1 : -1;
}

bool care_is_criterion(const char *code) { return criterion_index(code) >= 0; }

const char *care_criterion_label(const char *code)
{
    int i = criterion_index(code);
    return i >= 0 ? criteria[i] : NULL;
}

const char *care_delay_label(const char *code)
{
    for (size_t i = 0; code && i < sizeof delays / sizeof delays[0]; i++)
        if (strcmp(delays[i].code, code) == 0)
            return delays[i].label;
    return NULL;
}

const char *care_pathway_short(Huddle__Pathway p)
{
    static const char *const s[] = {"-", "0", "1", "2", "3"};
    return (unsigned)p < sizeof s / sizeof s[0] ? s[p] : "-";
}

const char *care_pathway_label(Huddle__Pathway p)
{
    switch (p) {
    case HUDDLE__PATHWAY__PATHWAY_0: return "home with no new support";
    case HUDDLE__PATHWAY__PATHWAY_1: return "home with support or reablement";
    case HUDDLE__PATHWAY__PATHWAY_2: return "short-term bedded rehabilitation or care";
    case HUDDLE__PATHWAY__PATHWAY_3: return "long-term care home";
    default: return "not decided";
    }
}

const char *care_status_label(Huddle__EpisodeStatus s)
{
    switch (s) {
    case HUDDLE__EPISODE_STATUS__EPISODE_STATUS_NOT_READY: return "not ready";
    case HUDDLE__EPISODE_STATUS__EPISODE_STATUS_AWAITING_ASSESSMENT: return "awaiting assessment";
    case HUDDLE__EPISODE_STATUS__EPISODE_STATUS_AWAITING_CARE_PACKAGE: return "awaiting care package";
    case HUDDLE__EPISODE_STATUS__EPISODE_STATUS_AWAITING_PLACEMENT: return "awaiting placement";
    case HUDDLE__EPISODE_STATUS__EPISODE_STATUS_AWAITING_EQUIPMENT: return "awaiting equipment";
    case HUDDLE__EPISODE_STATUS__EPISODE_STATUS_AWAITING_TRANSPORT: return "awaiting transport";
    case HUDDLE__EPISODE_STATUS__EPISODE_STATUS_DISCHARGED: return "discharged";
    default: return "?";
    }
}

const char *care_service_label(Huddle__ServiceType t)
{
    switch (t) {
    case HUDDLE__SERVICE_TYPE__SERVICE_TYPE_RESIDENTIAL: return "residential home";
    case HUDDLE__SERVICE_TYPE__SERVICE_TYPE_NURSING: return "nursing home";
    case HUDDLE__SERVICE_TYPE__SERVICE_TYPE_HOME_CARE: return "home care";
    case HUDDLE__SERVICE_TYPE__SERVICE_TYPE_REABLEMENT: return "reablement";
    default: return "?";
    }
}
