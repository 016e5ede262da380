/*
 * huddle-provider — a care provider's agent (care home, home care or reablement
 * service): lists the trusted assessments addressed to it with the hours left to
 * answer, shows one in full, accepts, asks a question or declines, hears new
 * assessments and assessors' further information as they come, and reports placement
 * reviews and ends and 91-day follow-ups.
 *
 * Owns: the commands' options, output and exit statuses (agent_cli.h: 0 done,
 * 1 refused, 2 bad usage or no session). Everything a command needs is checked before
 * connecting (assess_args, discharge_args), naming the option at fault — declining for
 * "other" needs --text here as at the broker. Message ids come from the content, so a
 * command run again is stored once and said "already recorded"; --message-id names one
 * instead. The provider is the agent's own organisation, from the broker's Welcome.
 */
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent_cli.h"
#include "assess_args.h"
#include "assess_cli.h"
#include "assess_fmt.h"
#include "discharge_args.h"
#include "event_fmt.h"
#include "hd_client.h"
#include "hd_time.h"
#include "options.h"

#define PROGRAM "huddle-provider"

typedef struct {
    agent_cli_conn_t conn;
    const char *start, *question, *reason, *text, *responder, *date, *destination, *outcome, *result, *where, *notes,
        *message_id, *subscription, *purpose;
    bool all, json, once, show_nhs, new_only, review, ended, help;
} cp_opts_t;

#define OPT(flag_, arg_, type_, member, help_) \
    {.flag = flag_, .arg = arg_, .type = OPTIONS_##type_, .offset = offsetof(cp_opts_t, member), .help = help_}
#define REQ(flag_, arg_, member, help_)                                                             \
    {.flag = flag_, .arg = arg_, .type = OPTIONS_TEXT, .required = true,                          \
     .offset = offsetof(cp_opts_t, member), .help = help_}
#define CONN AGENT_CLI_CONN_ROWS(cp_opts_t, conn)
#define HELP OPT("--help", "", FLAG, help, "show this help")
#define MESSAGE_ID OPT("--message-id", "M", TEXT, message_id, "idempotency key (default: derived from the content)")
#define SHOW_NHS OPT("--show-nhs", "", FLAG, show_nhs, "show patients' NHS numbers (masked by default)")
#define PURPOSE OPT("--purpose", "TEXT", TEXT, purpose, "why you read it, for the audit trail (default \"care placement\")")
#define RESPONDER OPT("--responder", "\"Name, role\"", TEXT, responder, "who answers, for the assessor")

static const options_row_t list_rows[] = {
    CONN,
    OPT("--all", "", FLAG, all, "every assessment, not only those awaiting your answer"),
    OPT("--json", "", FLAG, json, "the AssessmentList as one JSON object"),
    SHOW_NHS, PURPOSE, HELP,
};
static const options_row_t show_rows[] = {CONN, SHOW_NHS, PURPOSE, HELP};
static const options_row_t accept_rows[] = {
    CONN, REQ("--start", "DATE", start, "the date care can start, YYYY-MM-DD"), RESPONDER, MESSAGE_ID, HELP};
static const options_row_t query_rows[] = {
    CONN, REQ("--question", "TEXT", question, "what you need to know"), RESPONDER, MESSAGE_ID, HELP};
static const options_row_t decline_rows[] = {
    CONN,
    REQ("--reason", "R", reason, "no-capacity, needs-exceed-registration, assessment-incomplete or other"),
    OPT("--text", "TEXT", TEXT, text, "why, in a sentence (required with other)"),
    RESPONDER, MESSAGE_ID, HELP,
};
static const options_row_t listen_rows[] = {
    CONN,
    OPT("--subscription", "NAME", TEXT, subscription, "durable subscription name (default assessments)"),
    OPT("--once", "", FLAG, once, "exit once the backlog is drained (no delivery for a second)"),
    OPT("--json", "", FLAG, json, "one JSON object per event instead of a line"),
    SHOW_NHS,
    OPT("--new-only", "", FLAG, new_only, "a new subscription starts at the log head, not its beginning"),
    HELP,
};
static const options_row_t placement_rows[] = {
    CONN,
    OPT("--review", "", FLAG, review, "the placement was reviewed and continues"),
    OPT("--ended", "", FLAG, ended, "the placement has ended (with --date and --destination)"),
    OPT("--date", "DATE", TEXT, date, "last day of the placement, YYYY-MM-DD"),
    OPT("--destination", "D", TEXT, destination, "home, home-with-support, care-home, hospital, died or other"),
    OPT("--outcome", "TEXT", TEXT, outcome, "review or end summary"),
    MESSAGE_ID, HELP,
};
static const options_row_t follow_up_rows[] = {
    CONN,
    REQ("--result", "R", result, "at-home, not-at-home or not-known"),
    OPT("--where", "W", TEXT, where, "with not-at-home: in-hospital, care-home, died or other"),
    REQ("--date", "DATE", date, "date the result was established, YYYY-MM-DD"),
    OPT("--notes", "TEXT", TEXT, notes, "anything the team should know"),
    MESSAGE_ID, HELP,
};

#define bad(...) agent_cli_bad(PROGRAM, __VA_ARGS__)

static unsigned nhs_flags(const cp_opts_t *o)
{
    return o->show_nhs ? EVENT_FMT_SHOW_NHS : 0;
}

/* ---- the arguments of each command ------------------------------------------------- */

/* The answer a command gives (accept, query, decline). */
static Huddle__AssessmentAnswer answer_of(const char *command)
{
    return !strcmp(command, "accept")  ? HUDDLE__ASSESSMENT_ANSWER__ASSESSMENT_ANSWER_ACCEPT
           : !strcmp(command, "query") ? HUDDLE__ASSESSMENT_ANSWER__ASSESSMENT_ANSWER_REQUEST_INFO
                                       : HUDDLE__ASSESSMENT_ANSWER__ASSESSMENT_ANSWER_DECLINE;
}

static void response_args(const char *command, const cp_opts_t *o, char **words, assess_response_t *r)
{
    memset(r, 0, sizeof *r);
    r->assessment_id = words[0];
    r->answer = answer_of(command);
    r->start_date = o->start;
    r->question = o->question;
    r->text = o->text;
    r->responder = o->responder;
    if (o->reason)
        assess_args_decline_reason(o->reason, &r->reason);
}

static void placement_args(const cp_opts_t *o, char **words, discharge_placement_t *p)
{
    memset(p, 0, sizeof *p);
    p->episode_id = words[0];
    p->ended = o->ended;
    p->ended_date = o->date;
    p->outcome = o->outcome;
    if (o->destination)
        discharge_args_destination(o->destination, &p->destination);
}

static void follow_up_args(const cp_opts_t *o, char **words, discharge_follow_up_t *f)
{
    memset(f, 0, sizeof *f);
    f->episode_id = words[0];
    f->date = o->date;
    f->notes = o->notes;
    if (o->result)
        discharge_args_result(o->result, &f->result);
    if (o->where)
        discharge_args_where(o->where, &f->where);
}

/* ---- checks made before connecting ------------------------------------------------ */

/* Every command's checks, before its own. */
static int check_any(const agent_cli_command_t *cmd, void *opts)
{
    (void)cmd;
    const cp_opts_t *o = opts;
    return agent_cli_message_id(PROGRAM, o->message_id);
}

static int check_id(const agent_cli_command_t *cmd, void *opts, char **words, size_t n_words)
{
    (void)cmd, (void)opts, (void)n_words;
    char why[ASSESS_WHY_LEN];
    return assess_args_id(words[0], why) ? bad("%s", why) : 0;
}

static int check_response(const agent_cli_command_t *cmd, void *opts, char **words, size_t n_words)
{
    (void)n_words;
    const cp_opts_t *o = opts;
    Huddle__DeclineReason reason;
    if (o->reason && assess_args_decline_reason(o->reason, &reason))
        return bad("--reason is no-capacity, needs-exceed-registration, assessment-incomplete or other, not '%.40s'",
                   o->reason);
    assess_response_t r;
    response_args(cmd->name, o, words, &r);
    char why[ASSESS_WHY_LEN];
    return assess_args_response_check(&r, why) ? bad("%s", why) : 0;
}

static int check_placement(const agent_cli_command_t *cmd, void *opts, char **words, size_t n_words)
{
    (void)cmd, (void)n_words;
    const cp_opts_t *o = opts;
    Huddle__PlacementDestination d;
    if (o->review == o->ended)
        return bad("placement takes --review or --ended (with --date and --destination), one of the two");
    if (o->destination && discharge_args_destination(o->destination, &d))
        return bad("--destination is home, home-with-support, care-home, hospital, died or other, not '%.40s'",
                   o->destination);
    discharge_placement_t p;
    placement_args(o, words, &p);
    char why[DISCHARGE_WHY_LEN];
    return discharge_args_placement_check(&p, why) ? bad("%s", why) : 0;
}

static int check_follow_up(const agent_cli_command_t *cmd, void *opts, char **words, size_t n_words)
{
    (void)cmd, (void)n_words;
    const cp_opts_t *o = opts;
    Huddle__FollowUpResult r;
    Huddle__FollowUpWhere w;
    if (discharge_args_result(o->result, &r))
        return bad("--result is at-home, not-at-home or not-known, not '%.40s'", o->result);
    if (o->where && discharge_args_where(o->where, &w))
        return bad("--where is in-hospital, care-home, died or other, not '%.40s'", o->where);
    discharge_follow_up_t f;
    follow_up_args(o, words, &f);
    char why[DISCHARGE_WHY_LEN];
    return discharge_args_follow_up_check(&f, why) ? bad("%s", why) : 0;
}

/* ---- reading ------------------------------------------------------------------------ */

static bool awaiting(const Huddle__AssessmentRecord *r)
{
    return r->state == HUDDLE__ASSESSMENT_STATE__ASSESSMENT_STATE_AWAITING_RESPONSE;
}

/* Every assessment addressed to this provider: 0 or an exit status. */
static int read_own(hd_client_t *c, const cp_opts_t *o, assess_cli_list_t *l)
{
    Huddle__Query q = HUDDLE__QUERY__INIT;
    q.provider_ods = (char *)hd_client_welcome(c)->org_ods;
    q.purpose = (char *)(o->purpose ? o->purpose : "care placement");
    return assess_cli_read(c, PROGRAM, &q, 0, l);
}

static int run_list(const agent_cli_command_t *cmd, hd_client_t *c, void *opts, char **words, size_t n_words)
{
    (void)cmd, (void)words, (void)n_words;
    const cp_opts_t *o = opts;
    assess_cli_list_t l;
    int rc = read_own(c, o, &l);
    if (rc == 0) {
        if (!o->all)
            assess_cli_filter(&l, awaiting);
        if (!o->all && !o->json && !l.list.n_assessments)
            printf("No assessments await your answer (--all lists every one).\n");
        else
            assess_fmt_list(stdout, &l.list, ASSESS_FMT_PROVIDER, hd_time_now_ms(), o->json, nhs_flags(o));
    }
    assess_cli_list_free(&l);
    return rc;
}

static int run_show(const agent_cli_command_t *cmd, hd_client_t *c, void *opts, char **words, size_t n_words)
{
    (void)cmd, (void)n_words;
    const cp_opts_t *o = opts;
    assess_cli_list_t l;
    int rc = read_own(c, o, &l);
    const Huddle__AssessmentRecord *found = NULL;
    for (size_t i = 0; rc == 0 && !found && i < l.list.n_assessments; i++) {
        const Huddle__AssessmentRecord *r = l.list.assessments[i];
        if (r->assessment && !strcmp(r->assessment->assessment_id, words[0]))
            found = r;
    }
    if (found)
        assess_fmt_show(stdout, found, hd_time_now_ms(), nhs_flags(o));
    else if (rc == 0) {
        fprintf(stderr, "%s: no assessment %s is addressed to %s\n", PROGRAM, words[0], hd_client_welcome(c)->org_ods);
        rc = AGENT_CLI_REFUSED;
    }
    assess_cli_list_free(&l);
    return rc;
}

/* ---- answering and reporting ------------------------------------------------------------ */

static int run_response(const agent_cli_command_t *cmd, hd_client_t *c, void *opts, char **words, size_t n_words)
{
    (void)n_words;
    const cp_opts_t *o = opts;
    assess_response_t r;
    response_args(cmd->name, o, words, &r);
    assess_answer_msg_t m;
    assess_args_response_event(&r, hd_client_welcome(c)->org_ods, o->message_id, hd_time_now_ms(), &m);
    hd_publish_result_t res;
    int rc = assess_cli_publish(c, PROGRAM, &m.ev, &res);
    if (rc)
        return rc;
    static const char *const done[] = {"", "accepted", "question sent for", "declined"};
    printf("%s %s%s (seq %" PRIu64 ")\n", done[r.answer], words[0], res.duplicate ? ": already recorded" : "", res.seq);
    return 0;
}

static int run_placement(const agent_cli_command_t *cmd, hd_client_t *c, void *opts, char **words, size_t n_words)
{
    (void)cmd, (void)n_words;
    const cp_opts_t *o = opts;
    discharge_placement_t p;
    placement_args(o, words, &p);
    discharge_report_msg_t m;
    discharge_args_placement_event(&p, hd_client_welcome(c)->org_ods, o->message_id, hd_time_now_ms(), &m);
    hd_publish_result_t res;
    int rc = assess_cli_publish(c, PROGRAM, &m.ev, &res);
    if (rc == 0)
        printf("%s of %s reported%s (seq %" PRIu64 ")\n", p.ended ? "end of placement" : "placement review", words[0],
               res.duplicate ? ": already recorded" : "", res.seq);
    return rc;
}

static int run_follow_up(const agent_cli_command_t *cmd, hd_client_t *c, void *opts, char **words, size_t n_words)
{
    (void)cmd, (void)n_words;
    const cp_opts_t *o = opts;
    discharge_follow_up_t f;
    follow_up_args(o, words, &f);
    discharge_report_msg_t m;
    discharge_args_follow_up_event(&f, hd_client_welcome(c)->org_ods, o->message_id, hd_time_now_ms(), &m);
    hd_publish_result_t res;
    int rc = assess_cli_publish(c, PROGRAM, &m.ev, &res);
    if (rc == 0)
        printf("91-day follow-up of %s reported%s (seq %" PRIu64 ")\n", words[0],
               res.duplicate ? ": already recorded" : "", res.seq);
    return rc;
}

static const Huddle__EventKind listen_kinds[] = {
    HUDDLE__EVENT_KIND__EVENT_KIND_ASSESSMENT_SUBMITTED,
    HUDDLE__EVENT_KIND__EVENT_KIND_ASSESSMENT_INFO_PROVIDED,
};

static int run_listen(const agent_cli_command_t *cmd, hd_client_t *c, void *opts, char **words, size_t n_words)
{
    (void)cmd, (void)words, (void)n_words;
    const cp_opts_t *o = opts;
    char *own = (char *)hd_client_welcome(c)->org_ods;
    Huddle__Filter filter = HUDDLE__FILTER__INIT;
    filter.n_kinds = sizeof listen_kinds / sizeof listen_kinds[0];
    filter.kinds = (Huddle__EventKind *)listen_kinds;
    filter.n_provider_ods = 1;
    filter.provider_ods = &own;
    return assess_cli_listen(c, PROGRAM, o->subscription ? o->subscription : "assessments", &filter, o->new_only,
                             o->once, o->json, nhs_flags(o));
}

/* ---- commands ---------------------------------------------------------------------------- */

#define ROWS(t) t, sizeof t / sizeof t[0]
static const agent_cli_command_t commands[] = {
    {"list", "", 0, 0,
     "Lists the trusted assessments addressed to this provider that await its answer, newest\n"
     "first: id, episode, patient (masked), service, state, when submitted, time left before the\n"
     "24-hour deadline (after it the hospital's discharge hub is alerted), assessor organisation\n"
     "and the start wanted. --all lists every one, answered or not.",
     ROWS(list_rows), NULL, run_list, "assessments awaiting your answer, with the hours left", NULL},
    {"show", "ASSESSMENT", 1, 1,
     "Prints one assessment addressed to this provider: service, state, episode, patient, who\n"
     "assessed it and when, the deadline, the start wanted and hours of care, the needs of each\n"
     "domain, the recommendation, and the latest answer and information.",
     ROWS(show_rows), check_id, run_show, "one assessment in full: needs, recommendation, dates", NULL},
    {"accept", "ASSESSMENT", 1, 1,
     "Accepts the assessment (ASSESSMENT_RESPONDED, ACCEPT): you will take the patient from --start.",
     ROWS(accept_rows), check_response, run_response, "accept, with the date care can start", NULL},
    {"query", "ASSESSMENT", 1, 1,
     "Asks the assessor for more information (REQUEST_INFO); the deadline stops until they answer.",
     ROWS(query_rows), check_response, run_response, "ask the assessor a question", NULL},
    {"decline", "ASSESSMENT", 1, 1,
     "Declines the assessment (DECLINE) for a reason: no-capacity, needs-exceed-registration,\n"
     "assessment-incomplete (counted against the assessor's organisation) or other, which needs\n"
     "--text.",
     ROWS(decline_rows), check_response, run_response, "decline, with the reason", NULL},
    {"listen", "", 0, 0,
     "Attaches to a durable subscription of the assessments addressed to this provider and the\n"
     "assessors' further information, prints one line per event and acknowledges it once\n"
     "printed. Run it again to resume after the last one acknowledged; --once exits when nothing\n"
     "more is waiting.",
     ROWS(listen_rows), NULL, run_listen, "print new assessments and assessors' information", NULL},
    {"placement", "EPISODE", 1, 1,
     "Reports on a pathway 2 (or 3) placement of a discharged episode (PLACEMENT_REPORTED): --review\n"
     "when it was reviewed and continues, or --ended with its last day and where the patient went.",
     ROWS(placement_rows), check_placement, run_placement, "report a placement review or its end", NULL},
    {"follow-up", "EPISODE", 1, 1,
     "Reports the 91-day follow-up of a pathway 1 discharge (FOLLOW_UP_REPORTED): at home, not at\n"
     "home (and where), or not known.",
     ROWS(follow_up_rows), check_follow_up, run_follow_up, "report the 91-day follow-up", NULL},
};

static const agent_cli_program_t program = {
    PROGRAM, "A care provider's Huddle agent: answers trusted assessments and reports placements and follow-ups.", "",
    AGENT_CLI_SESSION | AGENT_CLI_SIGNALS, 9, 11, 22, ROWS(commands), check_any,
    HUDDLE__ROLE__ROLE_CARE_PROVIDER, "a care provider",
};

int main(int argc, char **argv)
{
    cp_opts_t o = {0};
    return agent_cli_main(&program, argc, argv, &o, &o.help, &o.conn);
}
