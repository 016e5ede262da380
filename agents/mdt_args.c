/*
 * mdt_args — see mdt_args.h. The names are tables; a spec is split on '|' into at most
 * four parts, each trimmed of spaces.
 */
#include "mdt_args.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "hd_time.h"
#include "ods.h"

#define MAX_PARTS 4

static const struct {
    const char *word;
    Huddle__TriageDecision value;
} triages[] = {
    {"accept", HUDDLE__TRIAGE_DECISION__TRIAGE_DECISION_ACCEPT},
    {"decline", HUDDLE__TRIAGE_DECISION__TRIAGE_DECISION_DECLINE},
    {"signpost", HUDDLE__TRIAGE_DECISION__TRIAGE_DECISION_SIGNPOST},
};

static const struct {
    const char *word;
    Huddle__MdtDecision value;
} decisions[] = {
    {"care-plan-agreed", HUDDLE__MDT_DECISION__MDT_DECISION_CARE_PLAN_AGREED},
    {"refer-on", HUDDLE__MDT_DECISION__MDT_DECISION_REFER_ON},
    {"monitor", HUDDLE__MDT_DECISION__MDT_DECISION_MONITOR},
    {"no-further-action", HUDDLE__MDT_DECISION__MDT_DECISION_NO_FURTHER_ACTION},
    {"escalate-safeguarding", HUDDLE__MDT_DECISION__MDT_DECISION_ESCALATE_SAFEGUARDING},
    {"defer", HUDDLE__MDT_DECISION__MDT_DECISION_DEFER},
};

int mdt_args_triage(const char *word, Huddle__TriageDecision *out)
{
    for (size_t i = 0; word && i < sizeof triages / sizeof triages[0]; i++)
        if (!strcmp(word, triages[i].word)) {
            *out = triages[i].value;
            return 0;
        }
    return -1;
}

int mdt_args_decision(const char *word, Huddle__MdtDecision *out)
{
    for (size_t i = 0; word && i < sizeof decisions / sizeof decisions[0]; i++)
        if (!strcmp(word, decisions[i].word)) {
            *out = decisions[i].value;
            return 0;
        }
    return -1;
}

const char *mdt_args_decisions(void)
{
    return "care-plan-agreed|refer-on|monitor|no-further-action|escalate-safeguarding|defer";
}

typedef struct {
    const char *at;
    size_t len;
} part_t;

/* Splits spec on '|' into parts (trimmed): their number, or -1 if more than max. */
static int split(const char *spec, part_t parts[MAX_PARTS], int max)
{
    int n = 0;
    const char *p = spec;
    for (;;) {
        const char *bar = strchr(p, '|');
        size_t len = bar ? (size_t)(bar - p) : strlen(p);
        if (n == max)
            return -1;
        while (len && isspace((unsigned char)*p))
            p++, len--;
        while (len && isspace((unsigned char)p[len - 1]))
            len--;
        parts[n++] = (part_t){p, len};
        if (!bar)
            return n;
        p = bar + 1;
    }
}

/* Copies a part into buf (cap bytes with the NUL): 0, or -1 with why when too long. */
static int take(const part_t *part, char *buf, size_t cap, const char *what, char why[MDT_ARGS_WHY_LEN])
{
    if (part->len >= cap) {
        snprintf(why, MDT_ARGS_WHY_LEN, "the %s is %zu bytes, at most %zu", what, part->len, cap - 1);
        return -1;
    }
    memcpy(buf, part->at, part->len);
    buf[part->len] = '\0';
    return 0;
}

static int ods(const part_t *part, char buf[MDT_ARGS_ODS_LEN], char why[MDT_ARGS_WHY_LEN])
{
    if (part->len && ods_code_check(part->at, part->len) != ODS_OK) {
        snprintf(why, MDT_ARGS_WHY_LEN, "'%.*s' is not an ODS code: %s", (int)(part->len > 12 ? 12 : part->len),
                 part->at, ods_strerror(ods_code_check(part->at, part->len)));
        return -1;
    }
    return take(part, buf, MDT_ARGS_ODS_LEN, "ODS code", why);
}

int mdt_args_attendee(const char *spec, mdt_args_attendee_t *out, char why[MDT_ARGS_WHY_LEN])
{
    memset(out, 0, sizeof *out);
    part_t parts[MAX_PARTS] = {{"", 0}, {"", 0}, {"", 0}, {"", 0}};
    int n = split(spec, parts, 3);
    if (n < 0) {
        snprintf(why, MDT_ARGS_WHY_LEN, "an attendee is \"Name|Role title|ODS\": at most three parts");
        return -1;
    }
    if (!parts[0].len) {
        snprintf(why, MDT_ARGS_WHY_LEN, "an attendee needs a name: \"Name|Role title|ODS\"");
        return -1;
    }
    if (take(&parts[0], out->name, sizeof out->name, "name", why) ||
        take(&parts[1], out->role_title, sizeof out->role_title, "role title", why) || ods(&parts[2], out->org_ods, why))
        return -1;
    return 0;
}

int mdt_args_action(const char *spec, mdt_args_action_t *out, char why[MDT_ARGS_WHY_LEN])
{
    memset(out, 0, sizeof *out);
    part_t parts[MAX_PARTS] = {{"", 0}, {"", 0}, {"", 0}, {"", 0}};
    int n = split(spec, parts, 4);
    int32_t day;
    if (n < 2 || !parts[0].len || !parts[1].len) {
        snprintf(why, MDT_ARGS_WHY_LEN, "an action is \"owner|text|YYYY-MM-DD\" (the date may be left out)");
        return -1;
    }
    if (parts[2].len && (parts[2].len != 10 || hd_date_parse(parts[2].at, parts[2].len, &day) != HD_TIME_OK)) {
        snprintf(why, MDT_ARGS_WHY_LEN, "the due date '%.*s' is not a date YYYY-MM-DD",
                 (int)(parts[2].len > 16 ? 16 : parts[2].len), parts[2].at);
        return -1;
    }
    if (take(&parts[0], out->owner, sizeof out->owner, "owner", why) ||
        take(&parts[1], out->text, sizeof out->text, "text", why) ||
        take(&parts[2], out->due_date, sizeof out->due_date, "due date", why) || ods(&parts[3], out->owner_ods, why))
        return -1;
    return 0;
}

void mdt_args_attendee_msg(const mdt_args_attendee_t *a, Huddle__Attendee *msg)
{
    huddle__attendee__init(msg);
    msg->name = (char *)a->name;
    msg->role_title = (char *)a->role_title;
    msg->org_ods = (char *)a->org_ods;
}

void mdt_args_action_msg(const mdt_args_action_t *a, Huddle__Action *msg)
{
    huddle__action__init(msg);
    msg->owner = (char *)a->owner;
    msg->text = (char *)a->text;
    msg->due_date = (char *)a->due_date;
    msg->owner_ods = (char *)a->owner_ods;
}
