/*
 * huddle-assessor — a trusted assessor's agent: submits an assessment of a hospital
 * patient on behalf of a care provider its organisation holds a trust agreement with,
 * answers a provider's question, lists its organisation's assessments, and hears the
 * providers' answers (and escalations) as they come.
 *
 * Owns: the commands' options, output and exit statuses (agent_cli.h: 0 done,
 * 1 refused, 2 bad usage or no session). Everything a command needs is checked before
 * connecting (assess_args), naming the option at fault. Message ids come from the
 * content (assess_args), so running a command again is stored once and said "already
 * recorded"; --message-id names one instead.
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

#define PROGRAM "huddle-assessor"

typedef struct {
    agent_cli_conn_t conn;
    const char *nhs, *episode, *provider, *service, *assessor_name, *assessed, *recommendation, *start, *answer,
        *message_id, *subscription, *purpose;
    const char *needs[ASSESS_NEEDS_N];
    long hours;
    bool json, once, show_nhs, new_only, help;
} ta_opts_t;

#define OPT(flag_, arg_, type_, member, help_) \
    {.flag = flag_, .arg = arg_, .type = OPTIONS_##type_, .offset = offsetof(ta_opts_t, member), .help = help_}
#define REQ(flag_, arg_, member, help_)                                                             \
    {.flag = flag_, .arg = arg_, .type = OPTIONS_TEXT, .required = true,                          \
     .offset = offsetof(ta_opts_t, member), .help = help_}
#define NEED(i, help_)                                                                                  \
    {.flag = NULL, .arg = "TEXT", .type = OPTIONS_TEXT, .offset = offsetof(ta_opts_t, needs) + (i) * sizeof(char *), \
     .help = help_}
#define CONN AGENT_CLI_CONN_ROWS(ta_opts_t, conn)
#define HELP OPT("--help", "", FLAG, help, "show this help")
#define MESSAGE_ID OPT("--message-id", "M", TEXT, message_id, "idempotency key (default: derived from the content)")
#define SHOW_NHS OPT("--show-nhs", "", FLAG, show_nhs, "show patients' NHS numbers (masked by default)")

/* The needs rows' flags are assess_args' (filled in by main). */
static options_row_t submit_rows[] = {
    CONN,
    REQ("--nhs", "N", nhs, "the patient's NHS number"),
    REQ("--episode", "HOSP:LOCAL", episode, "the patient's hospital episode, e.g. RYJ:S-1001"),
    REQ("--provider", "ODS", provider, "the care provider assessed for"),
    REQ("--service", "S", service, "residential, nursing, home-care or reablement"),
    REQ("--assessor-name", "TEXT", assessor_name, "name and role of the assessing clinician"),
    REQ("--assessed", "DATE", assessed, "when the patient was assessed, YYYY-MM-DD"),
    REQ("--recommendation", "TEXT", recommendation, "the assessor's recommendation"),
    OPT("--start", "DATE", TEXT, start, "when care should start (default: as soon as possible)"),
    {.flag = "--hours", .arg = "N", .type = OPTIONS_NUMBER, .offset = offsetof(ta_opts_t, hours), .min = 0,
     .max = 168, .help = "care hours a week, home-care or reablement only"},
    NEED(0, "walking, aids, falls risk"),
    NEED(1, "bed, chair and toilet transfers, hoist, carers needed"),
    NEED(2, "bladder and bowel, products, catheter or stoma"),
    NEED(3, "memory, capacity, orientation, communication"),
    NEED(4, "behaviour that challenges, distress, wandering"),
    NEED(5, "pressure areas, wounds, Waterlow or Braden risk"),
    NEED(6, "administration support, controlled or covert medication"),
    NEED(7, "registered-nurse tasks (injections, feeding, syringe driver)"),
    NEED(8, "equipment needed on discharge"),
    MESSAGE_ID,
    HELP,
};

static const options_row_t info_rows[] = {
    CONN, REQ("--answer", "TEXT", answer, "the information the provider asked for"), MESSAGE_ID, HELP};
static const options_row_t list_rows[] = {
    CONN,
    OPT("--episode", "HOSP:LOCAL", TEXT, episode, "only this episode's assessments"),
    OPT("--json", "", FLAG, json, "the AssessmentList as one JSON object"),
    SHOW_NHS,
    OPT("--purpose", "TEXT", TEXT, purpose, "why you read it, for the audit trail (default \"discharge planning\")"),
    HELP,
};
static const options_row_t listen_rows[] = {
    CONN,
    OPT("--subscription", "NAME", TEXT, subscription, "durable subscription name (default answers)"),
    OPT("--once", "", FLAG, once, "exit once the backlog is drained (no delivery for a second)"),
    OPT("--json", "", FLAG, json, "one JSON object per event instead of a line"),
    SHOW_NHS,
    OPT("--new-only", "", FLAG, new_only, "a new subscription starts at the log head, not its beginning"),
    HELP,
};

#define bad(...) agent_cli_bad(PROGRAM, __VA_ARGS__)

static unsigned nhs_flags(const ta_opts_t *o)
{
    return o->show_nhs ? EVENT_FMT_SHOW_NHS : 0;
}

/* ---- checks made before connecting ------------------------------------------------ */

/* Every command's checks, before its own. */
static int check_any(const agent_cli_command_t *cmd, void *opts)
{
    (void)cmd;
    const ta_opts_t *o = opts;
    return agent_cli_message_id(PROGRAM, o->message_id);
}

static void submit_args(const ta_opts_t *o, assess_submit_t *s)
{
    memset(s, 0, sizeof *s);
    s->nhs = o->nhs;
    s->episode_id = o->episode;
    s->provider_ods = o->provider;
    s->assessor_name = o->assessor_name;
    s->assessed_date = o->assessed;
    s->recommendation = o->recommendation;
    s->start_date = o->start;
    s->hours = o->hours;
    assess_args_service(o->service, &s->service);
    for (size_t i = 0; i < ASSESS_NEEDS_N; i++)
        s->needs[i] = o->needs[i];
}

static int check_submit(const agent_cli_command_t *cmd, void *opts, char **words, size_t n_words)
{
    (void)cmd, (void)words, (void)n_words;
    const ta_opts_t *o = opts;
    Huddle__ServiceType t;
    if (assess_args_service(o->service, &t))
        return bad("--service is residential, nursing, home-care or reablement, not '%.32s'", o->service);
    assess_submit_t s;
    submit_args(o, &s);
    char why[ASSESS_WHY_LEN];
    if (assess_args_submit_check(&s, hd_date_from_ms(hd_time_now_ms()), why))
        return bad("%s", why);
    return 0;
}

static int check_info(const agent_cli_command_t *cmd, void *opts, char **words, size_t n_words)
{
    (void)cmd, (void)n_words;
    const ta_opts_t *o = opts;
    char why[ASSESS_WHY_LEN];
    return assess_args_info_check(words[0], o->answer, why) ? bad("%s", why) : 0;
}

static int check_list(const agent_cli_command_t *cmd, void *opts, char **words, size_t n_words)
{
    (void)cmd, (void)words, (void)n_words;
    const ta_opts_t *o = opts;
    char why[DISCHARGE_WHY_LEN];
    if (o->episode && discharge_args_episode_id(o->episode, why))
        return bad("--episode: %s", why);
    return 0;
}

/* ---- commands ----------------------------------------------------------------------- */

static void said(const hd_publish_result_t *res, const char *done)
{
    if (res->duplicate)
        fprintf(stderr, "%s: already recorded as seq %" PRIu64 ": %s before\n", PROGRAM, res->seq, done);
}

static int run_submit(const agent_cli_command_t *cmd, hd_client_t *c, void *opts, char **words, size_t n_words)
{
    (void)cmd, (void)words, (void)n_words;
    const ta_opts_t *o = opts;
    assess_submit_t s;
    submit_args(o, &s);
    assess_submit_msg_t m;
    assess_args_submit_event(&s, hd_client_welcome(c)->org_ods, o->message_id, hd_time_now_ms(), &m);
    hd_publish_result_t res;
    int rc = assess_cli_publish(c, PROGRAM, &m.ev, &res);
    if (rc)
        return rc;
    printf("%s\n", res.assigned_id[0] ? res.assigned_id : "-"); /* alone on its line, for scripts */
    said(&res, "the same assessment was submitted");
    return 0;
}

static int run_info(const agent_cli_command_t *cmd, hd_client_t *c, void *opts, char **words, size_t n_words)
{
    (void)cmd, (void)n_words;
    const ta_opts_t *o = opts;
    assess_answer_msg_t m;
    assess_args_info_event(words[0], o->answer, hd_client_welcome(c)->org_ods, o->message_id, hd_time_now_ms(), &m);
    hd_publish_result_t res;
    int rc = assess_cli_publish(c, PROGRAM, &m.ev, &res);
    if (rc == 0)
        printf("information for %s %s (seq %" PRIu64 ")\n", words[0], res.duplicate ? "already recorded" : "sent",
               res.seq);
    return rc;
}

static int run_list(const agent_cli_command_t *cmd, hd_client_t *c, void *opts, char **words, size_t n_words)
{
    (void)cmd, (void)words, (void)n_words;
    const ta_opts_t *o = opts;
    Huddle__Query q = HUDDLE__QUERY__INIT;
    q.episode_id = (char *)(o->episode ? o->episode : "");
    q.purpose = (char *)(o->purpose ? o->purpose : "discharge planning");
    assess_cli_list_t l;
    int rc = assess_cli_read(c, PROGRAM, &q, 0, &l);
    if (rc == 0)
        assess_fmt_list(stdout, &l.list, ASSESS_FMT_ASSESSOR, hd_time_now_ms(), o->json, nhs_flags(o));
    assess_cli_list_free(&l);
    return rc;
}

static const Huddle__EventKind listen_kinds[] = {
    HUDDLE__EVENT_KIND__EVENT_KIND_ASSESSMENT_RESPONDED,
    HUDDLE__EVENT_KIND__EVENT_KIND_ESCALATION_RAISED,
};

static int run_listen(const agent_cli_command_t *cmd, hd_client_t *c, void *opts, char **words, size_t n_words)
{
    (void)cmd, (void)words, (void)n_words;
    const ta_opts_t *o = opts;
    Huddle__Filter filter = HUDDLE__FILTER__INIT;
    filter.n_kinds = sizeof listen_kinds / sizeof listen_kinds[0];
    filter.kinds = (Huddle__EventKind *)listen_kinds;
    return assess_cli_listen(c, PROGRAM, o->subscription ? o->subscription : "answers", &filter, o->new_only, o->once,
                             o->json, nhs_flags(o));
}

#define ROWS(t) t, sizeof t / sizeof t[0]
static const agent_cli_command_t commands[] = {
    {"submit", "", 0, 0,
     "Submits a trusted assessment (ASSESSMENT_SUBMITTED) of a hospital patient on behalf of a care\n"
     "provider your organisation holds a trust agreement with, and prints the assessment id the\n"
     "broker assigned alone on a line. One option per needs domain; an empty domain is \"not\n"
     "assessed\" (a provider may decline an incomplete assessment). The provider has 24 hours to\n"
     "answer. Submitting the same assessment again is stored once (\"already recorded\").",
     ROWS(submit_rows), check_submit, run_submit, "submit an assessment on behalf of a provider; prints its id", NULL},
    {"info", "ASSESSMENT", 1, 1,
     "Sends the information a provider asked for (ASSESSMENT_INFO_PROVIDED); the provider's 24\n"
     "hours start again.",
     ROWS(info_rows), check_info, run_info, "answer a provider's question (--answer)", NULL},
    {"list", "", 0, 0,
     "Lists assessments, newest first: id, episode, patient (masked), provider, service, state,\n"
     "when submitted and the provider's latest answer.",
     ROWS(list_rows), check_list, run_list, "your organisation's assessments, or an episode's", NULL},
    {"listen", "", 0, 0,
     "Attaches to a durable subscription of the providers' answers to your organisation's\n"
     "assessments and escalations, prints one line per event (ACCEPT with the start date,\n"
     "REQUEST_INFO with the question, DECLINE with the reason and text) and acknowledges it once\n"
     "printed. Run it again to resume after the last one acknowledged; --once exits when nothing\n"
     "more is waiting.",
     ROWS(listen_rows), NULL, run_listen, "print providers' answers and escalations as they come", NULL},
};

static const agent_cli_program_t program = {
    PROGRAM, "A trusted assessor's Huddle agent: assesses patients for care providers and hears their answers.", "",
    AGENT_CLI_SESSION | AGENT_CLI_SIGNALS, 7, 11, 22, ROWS(commands), check_any,
    HUDDLE__ROLE__ROLE_TRUSTED_ASSESSOR, "a trusted assessor",
};

int main(int argc, char **argv)
{
    size_t first = 0; /* the first NEED row: the one without a flag yet */
    while (submit_rows[first].flag)
        first++;
    for (size_t i = 0; i < ASSESS_NEEDS_N; i++)
        submit_rows[first + i].flag = assess_args_need_flag(i);
    ta_opts_t o = {.hours = -1};
    return agent_cli_main(&program, argc, argv, &o, &o.help, &o.conn);
}
