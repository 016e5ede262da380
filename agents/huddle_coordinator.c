/*
 * huddle-coordinator — the neighbourhood coordinator's command line for the whole MDT
 * cycle: read the waiting list, triage referrals, create a session, build, edit and
 * publish its agenda, record each item's outcome, close the session, and read an
 * agenda or a referral's history.
 *
 * Owns: the commands' options and output, and their exit statuses (agent_cli.h: 0 done,
 * 1 refused, 2 bad usage or no session). Each command opens a session, does one thing
 * and prints its result; a refusal is printed as "refused: CODE field: reason (current
 * state X, conflicting Y)". The spellings of decisions, attendees and actions are
 * mdt_args'; tables are agenda_fmt's; event lines event_fmt's.
 *
 * Every publish carries a fresh message id (hd_client_make_message_id) unless
 * --message-id names one: a command run again with the same --message-id is stored
 * once, so a script may retry safely.
 */
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agenda_fmt.h"
#include "agent_cli.h"
#include "event_fmt.h"
#include "hd_client.h"
#include "hd_time.h"
#include "mdt_args.h"
#include "ods.h"
#include "options.h"

#define PROGRAM "huddle-coordinator"
#define MAX_ATTENDEES 50
#define MAX_ACTIONS 20
#define ID_LEN 33 /* a referral or session id with its NUL */
#define LIMIT_DEFAULT 100

typedef struct {
    agent_cli_conn_t conn;
    const char *neighbourhood, *format, *purpose, *reason, *to, *title, *location, *start, *decision, *lead,
        *lead_ods, *review, *notes, *refer_on_to, *message_id;
    long limit, minutes, position;
    const char *attendees[MAX_ATTENDEES], *actions[MAX_ACTIONS];
    size_t n_attendees, n_actions;
    bool all_submitted, show_nhs, help;
} co_opts_t;

#define OPT(flag_, arg_, type_, field, help_) \
    {.flag = flag_, .arg = arg_, .type = OPTIONS_##type_, .offset = offsetof(co_opts_t, field), .help = help_}
#define NUM(flag_, field, min_, max_, help_)                                                                      \
    {.flag = flag_, .arg = "N", .type = OPTIONS_NUMBER, .offset = offsetof(co_opts_t, field), .min = min_, \
     .max = max_, .help = help_}
#define LIST(flag_, arg_, field, cap, help_)                                                                   \
    {.flag = flag_, .arg = arg_, .type = OPTIONS_LIST, .offset = offsetof(co_opts_t, field), .capacity = cap, \
     .count_offset = offsetof(co_opts_t, n_##field), .help = help_}
#define CONN AGENT_CLI_CONN_ROWS(co_opts_t, conn)
#define HELP OPT("--help", "", FLAG, help, "show this help")
#define MESSAGE_ID OPT("--message-id", "M", TEXT, message_id, "idempotency key: the same M again is stored once")
#define NEIGHBOURHOOD \
    OPT("--neighbourhood", "ID", TEXT, neighbourhood, "the neighbourhood (default: this coordinator's, if only one)")
#define FORMAT(what) OPT("--format", "F", TEXT, format, "table (default), markdown or json" what)
#define PURPOSE(default_) OPT("--purpose", "TEXT", TEXT, purpose, "why you read it, for the audit trail (default \"" default_ "\")")
#define SHOW_NHS OPT("--show-nhs", "", FLAG, show_nhs, "show NHS numbers, spaced 3-3-4 (hidden by default)")

static const options_row_t waiting_rows[] = {
    CONN, NEIGHBOURHOOD, FORMAT(""), NUM("--limit", limit, 1, 100000, "show at most N referrals (default 100)"),
    PURPOSE("MDT preparation"), SHOW_NHS, HELP};
static const options_row_t triage_rows[] = {
    CONN,
    OPT("--reason", "TEXT", TEXT, reason, "why; needed to decline, or to accept a referral in no cohort"),
    OPT("--to", "SERVICE", TEXT, to, "with signpost: the service the patient is directed to"),
    OPT("--all-submitted", "", FLAG, all_submitted, "accept every SUBMITTED referral on the waiting list"),
    NEIGHBOURHOOD, PURPOSE("triage"), MESSAGE_ID, HELP};
static const options_row_t create_rows[] = {
    CONN, NEIGHBOURHOOD,
    {.flag = "--start", .arg = "TIME", .type = OPTIONS_TEXT, .required = true, .offset = offsetof(co_opts_t, start),
     .help = "planned start, YYYY-MM-DDTHH:MM:SSZ (UTC) or with an offset (+01:00)"},
    NUM("--minutes", minutes, 15, 480, "planned length, 15-480 minutes (required)"),
    OPT("--title", "T", TEXT, title, "e.g. \"North locality MDT\""),
    OPT("--location", "L", TEXT, location, "room, address or video-call reference"),
    LIST("--attendee", "\"N|R|ODS\"", attendees, MAX_ATTENDEES, "\"Name|Role title|ODS\", repeatable"),
    MESSAGE_ID, HELP};
static const options_row_t session_rows[] = {CONN, MESSAGE_ID, HELP};
static const options_row_t add_rows[] = {
    CONN, NUM("--position", position, 1, 96, "1-based position (default: at the end)"),
    NUM("--minutes", minutes, 1, 120, "minutes to allot (default: the tier's)"), MESSAGE_ID, HELP};
static const options_row_t move_rows[] = {
    CONN, NUM("--position", position, 1, 96, "the new 1-based position (required)"),
    NUM("--minutes", minutes, 1, 120, "minutes to allot (default: keep)"), MESSAGE_ID, HELP};
static const options_row_t outcome_rows[] = {
    CONN,
    {.flag = "--decision", .arg = "D", .type = OPTIONS_TEXT, .required = true, .offset = offsetof(co_opts_t, decision),
     .help = "care-plan-agreed, refer-on, monitor, no-further-action, escalate-safeguarding or defer"},
    OPT("--lead", "\"Name, role\"", TEXT, lead, "lead professional (required with care-plan-agreed)"),
    OPT("--lead-ods", "ODS", TEXT, lead_ods, "the lead professional's organisation"),
    LIST("--action", "\"O|T|DATE\"", actions, MAX_ACTIONS, "\"owner|text|YYYY-MM-DD\", repeatable"),
    OPT("--review", "DATE", TEXT, review, "next MDT review, YYYY-MM-DD (required with monitor)"),
    OPT("--notes", "TEXT", TEXT, notes, "discussion summary"),
    OPT("--refer-on-to", "SERVICE", TEXT, refer_on_to, "with refer-on: the service referred to"),
    MESSAGE_ID, HELP};
static const options_row_t close_rows[] = {CONN, OPT("--notes", "TEXT", TEXT, notes, "closing note"), MESSAGE_ID,
                                           HELP};
static const options_row_t agenda_rows[] = {CONN, FORMAT(""), PURPOSE("MDT preparation"), SHOW_NHS, HELP};
static const options_row_t history_rows[] = {CONN, FORMAT(" (markdown as table)"), PURPOSE("referral review"),
                                             SHOW_NHS, HELP};

typedef agent_cli_command_t command_t;
#define bad(...) agent_cli_bad(PROGRAM, __VA_ARGS__)

/* ---- shared pieces ------------------------------------------------------------------ */

static unsigned nhs_flags(const co_opts_t *o)
{
    return o->show_nhs ? EVENT_FMT_SHOW_NHS : 0;
}

/* Stamps and publishes ev: 0 with *res filled, AGENT_CLI_REFUSED with the refusal on
 * stderr (prefixed by label when given), or AGENT_CLI_USAGE. */
static int publish(hd_client_t *c, const co_opts_t *o, const char *id_suffix, Huddle__Event *ev,
                   hd_publish_result_t *res, const char *label)
{
    char id[HD_CLIENT_ID_MAX + 1];
    if (o->message_id)
        snprintf(id, sizeof id, "%s%s%s", o->message_id, id_suffix ? "-" : "", id_suffix ? id_suffix : "");
    else
        hd_client_make_message_id(c, id, sizeof id);
    ev->message_id = id;
    ev->occurred_at_ms = hd_time_now_ms();
    int rc = hd_client_publish(c, ev, res);
    if (rc == HD_CLIENT_OK)
        return 0;
    if (rc == HD_CLIENT_EREJECTED) {
        char why[512];
        agent_cli_refusal(&res->rejection, why, sizeof why);
        fprintf(stderr, "%s%s%s\n", label ? label : "", label ? ": " : "", why);
        return AGENT_CLI_REFUSED;
    }
    fprintf(stderr, "%s: not confirmed: %s; run it again with --message-id %s to be sure it is stored once\n",
            PROGRAM, hd_client_strerror(rc), o->message_id ? o->message_id : id);
    return AGENT_CLI_USAGE;
}

static void event_init(Huddle__Event *ev, Huddle__Subject *subj, Huddle__EventKind kind, const char *referral,
                       const char *session)
{
    huddle__event__init(ev);
    huddle__subject__init(subj);
    subj->referral_id = (char *)(referral ? referral : "");
    subj->session_id = (char *)(session ? session : "");
    ev->kind = kind;
    ev->subject = subj;
}

/* " (seq N)" or " (already recorded as seq N)" for a retried --message-id. */
static void print_seq(const hd_publish_result_t *res)
{
    printf(" (%sseq %" PRIu64 ")\n", res->duplicate ? "already recorded as " : "", res->seq);
}

/* The neighbourhood to use: --neighbourhood, else the coordinator's only one. */
static const char *neighbourhood(hd_client_t *c, const co_opts_t *o)
{
    const hd_welcome_t *w = hd_client_welcome(c);
    if (o->neighbourhood)
        return o->neighbourhood;
    if (w->n_neighbourhood_ids == 1)
        return w->neighbourhood_ids[0];
    if (!w->n_neighbourhood_ids) {
        fprintf(stderr, "%s: agent %s serves no neighbourhood: name one with --neighbourhood\n", PROGRAM,
                w->agent_id);
        return NULL;
    }
    fprintf(stderr, "%s: agent %s serves %zu neighbourhoods: name one with --neighbourhood (", PROGRAM, w->agent_id,
            w->n_neighbourhood_ids);
    for (size_t i = 0; i < w->n_neighbourhood_ids; i++)
        fprintf(stderr, "%s%s", i ? ", " : "", w->neighbourhood_ids[i]);
    fprintf(stderr, ")\n");
    return NULL;
}

/* --format, checked before connecting. */
static agenda_fmt_t format(const co_opts_t *o)
{
    agenda_fmt_t fmt = AGENDA_FMT_TABLE;
    if (o->format)
        agenda_fmt_parse(o->format, &fmt);
    return fmt;
}

/* Asks q and checks the answer holds `want`: 0 with *ans (free it), or an exit status. */
static int ask(hd_client_t *c, const Huddle__Query *q, Huddle__Answer__ResultCase want, Huddle__Answer **ans)
{
    int rc = hd_client_query(c, q, ans);
    if (rc == HD_CLIENT_EREJECTED) {
        char why[512];
        agent_cli_refusal(hd_client_last_rejection(c), why, sizeof why);
        fprintf(stderr, "%s\n", why);
        return AGENT_CLI_REFUSED;
    }
    if (rc) {
        fprintf(stderr, "%s: no answer: %s\n", PROGRAM, hd_client_strerror(rc));
        return AGENT_CLI_USAGE;
    }
    if ((*ans)->result_case != want) {
        fprintf(stderr, "%s: the broker answered with something else than asked\n", PROGRAM);
        hd_client_answer_free(ans);
        return AGENT_CLI_USAGE;
    }
    return 0;
}

/* A waiting list read page by page: the answers (kept, as the entries live in them) and
 * the entries in order. */
typedef struct {
    Huddle__Answer **pages;
    size_t n_pages;
    Huddle__WaitingEntry **entries;
    size_t n_entries;
    bool more; /* entries past the limit */
} waiting_t;

static void waiting_free(waiting_t *w)
{
    for (size_t i = 0; i < w->n_pages; i++)
        hd_client_answer_free(&w->pages[i]);
    free(w->pages);
    free(w->entries);
    memset(w, 0, sizeof *w);
}

/* Reads up to limit entries (0 = all) of a neighbourhood's waiting list: 0 or a status. */
static int waiting_read(hd_client_t *c, const char *nbh, const char *purpose, size_t limit, waiting_t *w)
{
    memset(w, 0, sizeof *w);
    uint32_t page = hd_client_welcome(c)->max_query_limit;
    Huddle__Query q = HUDDLE__QUERY__INIT;
    q.kind = HUDDLE__QUERY_KIND__QUERY_KIND_WAITING_LIST;
    q.neighbourhood_id = (char *)nbh;
    q.purpose = (char *)purpose;
    for (;;) {
        size_t want = limit ? limit - w->n_entries : 0;
        q.limit = want && (!page || want < page) ? (uint32_t)want : page;
        Huddle__Answer *ans = NULL;
        int rc = ask(c, &q, HUDDLE__ANSWER__RESULT_WAITING_LIST, &ans);
        if (rc)
            return rc;
        const Huddle__WaitingList *l = ans->waiting_list;
        Huddle__Answer **pages = realloc(w->pages, (w->n_pages + 1) * sizeof *pages);
        Huddle__WaitingEntry **entries = realloc(w->entries, (w->n_entries + l->n_entries + 1) * sizeof *entries);
        if (pages)
            w->pages = pages;
        if (entries)
            w->entries = entries;
        if (!pages || !entries) {
            hd_client_answer_free(&ans);
            fprintf(stderr, "%s: out of memory\n", PROGRAM);
            return AGENT_CLI_USAGE;
        }
        w->pages[w->n_pages++] = ans;
        size_t took = 0;
        for (; took < l->n_entries && (!limit || w->n_entries < limit); took++)
            w->entries[w->n_entries++] = l->entries[took];
        if (!ans->truncated || !ans->next_after || (limit && w->n_entries >= limit)) {
            w->more = took < l->n_entries || (ans->truncated && ans->next_after);
            return 0;
        }
        q.after = ans->next_after;
    }
}

/* ---- waiting and triage ------------------------------------------------------------ */

static int run_waiting(const command_t *cmd, hd_client_t *c, void *opts, char **words, size_t n_words)
{
    (void)cmd, (void)words, (void)n_words;
    const co_opts_t *o = opts;
    const char *nbh = neighbourhood(c, o);
    if (!nbh)
        return AGENT_CLI_USAGE;
    waiting_t w;
    int rc = waiting_read(c, nbh, o->purpose ? o->purpose : "MDT preparation", (size_t)o->limit, &w);
    if (rc == 0) {
        Huddle__WaitingList list = HUDDLE__WAITING_LIST__INIT;
        list.neighbourhood_id = w.n_pages ? w.pages[0]->waiting_list->neighbourhood_id : (char *)nbh;
        list.entries = w.entries;
        list.n_entries = w.n_entries;
        agenda_fmt_waiting(stdout, &list, format(o), nhs_flags(o));
        if (w.more)
            fprintf(stderr, "%s: more referrals are waiting than the %ld shown: raise --limit\n", PROGRAM, o->limit);
    }
    waiting_free(&w);
    return rc;
}

static const char *triage_done(Huddle__TriageDecision d)
{
    return d == HUDDLE__TRIAGE_DECISION__TRIAGE_DECISION_ACCEPT    ? "accepted"
           : d == HUDDLE__TRIAGE_DECISION__TRIAGE_DECISION_DECLINE ? "declined"
                                                                  : "signposted";
}

static int triage_one(hd_client_t *c, const co_opts_t *o, const char *referral, Huddle__TriageDecision d,
                      bool many)
{
    Huddle__Event ev;
    Huddle__Subject subj;
    Huddle__ReferralTriage t = HUDDLE__REFERRAL_TRIAGE__INIT;
    event_init(&ev, &subj, HUDDLE__EVENT_KIND__EVENT_KIND_REFERRAL_TRIAGED, referral, NULL);
    ev.payload_case = HUDDLE__EVENT__PAYLOAD_REFERRAL_TRIAGE;
    ev.referral_triage = &t;
    t.referral_id = (char *)referral;
    t.decision = d;
    t.reason = (char *)(o->reason ? o->reason : "");
    t.signposted_to = (char *)(o->to ? o->to : "");
    hd_publish_result_t res;
    int rc = publish(c, o, many ? referral : NULL, &ev, &res, many ? referral : NULL);
    if (rc)
        return rc;
    printf("%s %s%s%s", referral, triage_done(d), o->to ? " to " : "", o->to ? o->to : "");
    print_seq(&res);
    return 0;
}

static int run_triage(const command_t *cmd, hd_client_t *c, void *opts, char **words, size_t n_words)
{
    (void)cmd;
    const co_opts_t *o = opts;
    Huddle__TriageDecision d;
    mdt_args_triage(words[n_words - 1], &d); /* checked before connecting */
    if (!o->all_submitted)
        return triage_one(c, o, words[0], d, false);
    const char *nbh = neighbourhood(c, o);
    if (!nbh)
        return AGENT_CLI_USAGE;
    waiting_t w;
    int rc = waiting_read(c, nbh, o->purpose ? o->purpose : "triage", 0, &w);
    if (rc)
        return rc;
    /* the ids first: triage changes the list being paged */
    char(*ids)[ID_LEN] = calloc(w.n_entries + 1, ID_LEN);
    size_t n = 0;
    for (size_t i = 0; ids && i < w.n_entries; i++)
        if (w.entries[i]->status == HUDDLE__REFERRAL_STATUS__REFERRAL_STATUS_SUBMITTED)
            snprintf(ids[n++], ID_LEN, "%s", w.entries[i]->referral_id);
    waiting_free(&w);
    if (!ids) {
        fprintf(stderr, "%s: out of memory\n", PROGRAM);
        return AGENT_CLI_USAGE;
    }
    size_t accepted = 0, refused = 0;
    for (size_t i = 0; i < n && rc != AGENT_CLI_USAGE; i++) {
        rc = triage_one(c, o, ids[i], d, true);
        accepted += rc == 0;
        refused += rc == AGENT_CLI_REFUSED;
    }
    free(ids);
    printf("%s: accepted %zu, refused %zu of %zu submitted\n", nbh, accepted, refused, n);
    return rc == AGENT_CLI_USAGE ? rc : refused ? AGENT_CLI_REFUSED : 0;
}

/* ---- the session --------------------------------------------------------------------- */

static int run_create(const command_t *cmd, hd_client_t *c, void *opts, char **words, size_t n_words)
{
    (void)cmd, (void)words, (void)n_words;
    const co_opts_t *o = opts;
    const char *nbh = neighbourhood(c, o);
    if (!nbh)
        return AGENT_CLI_USAGE;
    mdt_args_attendee_t parsed[MAX_ATTENDEES];
    Huddle__Attendee att[MAX_ATTENDEES], *attp[MAX_ATTENDEES];
    for (size_t i = 0; i < o->n_attendees; i++) {
        mdt_args_attendee(o->attendees[i], &parsed[i], (char[MDT_ARGS_WHY_LEN]){0}); /* checked before */
        mdt_args_attendee_msg(&parsed[i], &att[i]);
        attp[i] = &att[i];
    }
    Huddle__Event ev;
    Huddle__Subject subj;
    Huddle__MdtSessionCreate s = HUDDLE__MDT_SESSION_CREATE__INIT;
    event_init(&ev, &subj, HUDDLE__EVENT_KIND__EVENT_KIND_MDT_SESSION_CREATED, NULL, NULL);
    ev.payload_case = HUDDLE__EVENT__PAYLOAD_MDT_SESSION_CREATE;
    ev.mdt_session_create = &s;
    s.neighbourhood_id = (char *)nbh;
    hd_time_parse(o->start, strlen(o->start), &s.starts_at_ms);
    s.length_minutes = (uint32_t)o->minutes;
    s.n_attendees = o->n_attendees;
    s.attendees = attp;
    s.title = (char *)(o->title ? o->title : "");
    s.location = (char *)(o->location ? o->location : "");
    hd_publish_result_t res;
    int rc = publish(c, o, NULL, &ev, &res, NULL);
    if (rc == 0)
        printf("%s\n", res.assigned_id); /* alone on its line, for scripts */
    return rc;
}

/* What each agenda command publishes and says once done. */
static int run_session(const command_t *cmd, hd_client_t *c, void *opts, char **words, size_t n_words)
{
    const co_opts_t *o = opts;
    const char *session = words[0], *referral = n_words > 1 ? words[1] : NULL;
    Huddle__Event ev;
    Huddle__Subject subj;
    Huddle__MdtAgendaBuild build = HUDDLE__MDT_AGENDA_BUILD__INIT;
    Huddle__MdtAgendaEdit edit = HUDDLE__MDT_AGENDA_EDIT__INIT;
    Huddle__MdtAgendaPublish pub = HUDDLE__MDT_AGENDA_PUBLISH__INIT;
    Huddle__MdtSessionClose close = HUDDLE__MDT_SESSION_CLOSE__INIT;
    char done[160];
    if (!strcmp(cmd->name, "build")) {
        event_init(&ev, &subj, HUDDLE__EVENT_KIND__EVENT_KIND_MDT_AGENDA_BUILT, NULL, session);
        ev.payload_case = HUDDLE__EVENT__PAYLOAD_MDT_AGENDA_BUILD;
        ev.mdt_agenda_build = &build;
        build.session_id = (char *)session;
        snprintf(done, sizeof done, "built the agenda of %s", session);
    } else if (!strcmp(cmd->name, "publish")) {
        event_init(&ev, &subj, HUDDLE__EVENT_KIND__EVENT_KIND_MDT_AGENDA_PUBLISHED, NULL, session);
        ev.payload_case = HUDDLE__EVENT__PAYLOAD_MDT_AGENDA_PUBLISH;
        ev.mdt_agenda_publish = &pub;
        pub.session_id = (char *)session;
        snprintf(done, sizeof done, "published the agenda of %s to the neighbourhood's MDT members", session);
    } else if (!strcmp(cmd->name, "close")) {
        event_init(&ev, &subj, HUDDLE__EVENT_KIND__EVENT_KIND_MDT_SESSION_CLOSED, NULL, session);
        ev.payload_case = HUDDLE__EVENT__PAYLOAD_MDT_SESSION_CLOSE;
        ev.mdt_session_close = &close;
        close.session_id = (char *)session;
        close.notes = (char *)(o->notes ? o->notes : "");
        snprintf(done, sizeof done, "closed %s; items without an outcome are deferred", session);
    } else {
        static const struct {
            const char *name, *verb;
            Huddle__AgendaEditOp op;
        } ops[] = {{"add", "added to", HUDDLE__AGENDA_EDIT_OP__AGENDA_EDIT_OP_ADD},
                   {"remove", "removed from", HUDDLE__AGENDA_EDIT_OP__AGENDA_EDIT_OP_REMOVE},
                   {"move", "moved on", HUDDLE__AGENDA_EDIT_OP__AGENDA_EDIT_OP_MOVE}};
        /* "R4 moved on the agenda of S13 to position 1", "R1 removed from the agenda of S13" */
        size_t k = 0;
        while (strcmp(ops[k].name, cmd->name))
            k++;
        event_init(&ev, &subj, HUDDLE__EVENT_KIND__EVENT_KIND_MDT_AGENDA_EDITED, referral, session);
        ev.payload_case = HUDDLE__EVENT__PAYLOAD_MDT_AGENDA_EDIT;
        ev.mdt_agenda_edit = &edit;
        edit.session_id = (char *)session;
        edit.op = ops[k].op;
        edit.referral_id = (char *)referral;
        edit.position = (uint32_t)o->position;
        edit.minutes = (uint32_t)o->minutes;
        int n = snprintf(done, sizeof done, "%s %s the agenda of %s", referral, ops[k].verb, session);
        if (o->position && n > 0 && (size_t)n < sizeof done)
            snprintf(done + n, sizeof done - (size_t)n, " %s position %ld", k == 2 ? "to" : "at", o->position);
        else if (k == 1 && n > 0 && (size_t)n < sizeof done)
            snprintf(done + n, sizeof done - (size_t)n, "; it is back on the waiting list");
    }
    hd_publish_result_t res;
    int rc = publish(c, o, NULL, &ev, &res, NULL);
    if (rc == 0) {
        printf("%s", done);
        print_seq(&res);
        if (!strcmp(cmd->name, "build"))
            printf("`%s agenda %s` shows it\n", PROGRAM, session);
    }
    return rc;
}

static int run_outcome(const command_t *cmd, hd_client_t *c, void *opts, char **words, size_t n_words)
{
    (void)cmd, (void)n_words;
    const co_opts_t *o = opts;
    mdt_args_action_t parsed[MAX_ACTIONS];
    Huddle__Action act[MAX_ACTIONS], *actp[MAX_ACTIONS];
    for (size_t i = 0; i < o->n_actions; i++) {
        mdt_args_action(o->actions[i], &parsed[i], (char[MDT_ARGS_WHY_LEN]){0}); /* checked before */
        mdt_args_action_msg(&parsed[i], &act[i]);
        actp[i] = &act[i];
    }
    Huddle__Event ev;
    Huddle__Subject subj;
    Huddle__MdtOutcome out = HUDDLE__MDT_OUTCOME__INIT;
    event_init(&ev, &subj, HUDDLE__EVENT_KIND__EVENT_KIND_MDT_OUTCOME_RECORDED, words[1], words[0]);
    ev.payload_case = HUDDLE__EVENT__PAYLOAD_MDT_OUTCOME;
    ev.mdt_outcome = &out;
    out.session_id = words[0];
    out.referral_id = words[1];
    mdt_args_decision(o->decision, &out.decision);
    out.lead_professional = (char *)(o->lead ? o->lead : "");
    out.lead_ods = (char *)(o->lead_ods ? o->lead_ods : "");
    out.n_actions = o->n_actions;
    out.actions = actp;
    out.next_review_date = (char *)(o->review ? o->review : "");
    out.notes = (char *)(o->notes ? o->notes : "");
    out.refer_on_to = (char *)(o->refer_on_to ? o->refer_on_to : "");
    hd_publish_result_t res;
    int rc = publish(c, o, NULL, &ev, &res, NULL);
    if (rc == 0) {
        printf("recorded the outcome of %s at %s: %s", words[1], words[0],
               event_fmt_enum(&huddle__mdt_decision__descriptor, (int)out.decision));
        print_seq(&res);
    }
    return rc;
}

/* ---- reading ------------------------------------------------------------------------- */

static int run_agenda(const command_t *cmd, hd_client_t *c, void *opts, char **words, size_t n_words)
{
    (void)cmd, (void)n_words;
    const co_opts_t *o = opts;
    Huddle__Query q = HUDDLE__QUERY__INIT;
    q.kind = HUDDLE__QUERY_KIND__QUERY_KIND_AGENDA;
    q.session_id = words[0];
    q.purpose = (char *)(o->purpose ? o->purpose : "MDT preparation");
    Huddle__Answer *ans = NULL;
    int rc = ask(c, &q, HUDDLE__ANSWER__RESULT_AGENDA, &ans);
    if (rc == 0)
        agenda_fmt_agenda(stdout, ans->agenda, format(o), nhs_flags(o));
    hd_client_answer_free(&ans);
    return rc;
}

static int run_history(const command_t *cmd, hd_client_t *c, void *opts, char **words, size_t n_words)
{
    (void)cmd, (void)n_words;
    const co_opts_t *o = opts;
    Huddle__Query q = HUDDLE__QUERY__INIT;
    q.kind = HUDDLE__QUERY_KIND__QUERY_KIND_REFERRAL_HISTORY;
    q.referral_id = words[0];
    q.purpose = (char *)(o->purpose ? o->purpose : "referral review");
    int rc = 0;
    Huddle__ReferralHistory all = HUDDLE__REFERRAL_HISTORY__INIT;
    Huddle__Answer **pages = NULL;
    size_t n_pages = 0;
    do {
        Huddle__Answer *ans = NULL, **grown;
        if ((rc = ask(c, &q, HUDDLE__ANSWER__RESULT_REFERRAL_HISTORY, &ans)) != 0)
            break;
        const Huddle__ReferralHistory *h = ans->referral_history;
        Huddle__Event **events = realloc(all.events, (all.n_events + h->n_events + 1) * sizeof *events);
        if (events)
            all.events = events;
        if (!events || !(grown = realloc(pages, (n_pages + 1) * sizeof *pages))) {
            hd_client_answer_free(&ans);
            fprintf(stderr, "%s: out of memory\n", PROGRAM);
            rc = AGENT_CLI_USAGE;
            break;
        }
        pages = grown;
        pages[n_pages++] = ans;
        all.referral = all.referral ? all.referral : h->referral;
        for (size_t i = 0; i < h->n_events; i++)
            all.events[all.n_events++] = h->events[i];
        q.after = ans->truncated ? ans->next_after : 0;
    } while (q.after);
    if (rc == 0 && format(o) == AGENDA_FMT_JSON) {
        event_fmt_json(stdout, &all.base, nhs_flags(o));
        putchar('\n');
    } else if (rc == 0) {
        if (all.referral)
            event_fmt_referral(stdout, all.referral, nhs_flags(o));
        for (size_t i = 0; i < all.n_events; i++)
            event_fmt_line(stdout, all.events[i], nhs_flags(o));
    }
    free(all.events);
    for (size_t i = 0; i < n_pages; i++)
        hd_client_answer_free(&pages[i]);
    free(pages);
    return rc;
}

/* ---- checks made before connecting ------------------------------------------------ */

static int check_triage(const command_t *cmd, void *opts, char **words, size_t n_words)
{
    (void)cmd;
    const co_opts_t *o = opts;
    Huddle__TriageDecision d;
    if (o->all_submitted ? n_words != 1 : n_words != 2)
        return bad("triage takes REFERRAL accept|decline|signpost, or --all-submitted accept");
    if (mdt_args_triage(words[n_words - 1], &d))
        return bad("the triage decision is accept, decline or signpost, not '%s'", words[n_words - 1]);
    if (o->all_submitted && d != HUDDLE__TRIAGE_DECISION__TRIAGE_DECISION_ACCEPT)
        return bad("--all-submitted only accepts: decline or signpost referrals one by one");
    if (d == HUDDLE__TRIAGE_DECISION__TRIAGE_DECISION_DECLINE && !o->reason)
        return bad("declining needs --reason");
    if ((d == HUDDLE__TRIAGE_DECISION__TRIAGE_DECISION_SIGNPOST) != (o->to != NULL))
        return bad(o->to ? "--to goes with signpost only" : "signposting needs --to SERVICE");
    return 0;
}

static int check_create(const command_t *cmd, void *opts, char **words, size_t n_words)
{
    (void)cmd, (void)words, (void)n_words;
    const co_opts_t *o = opts;
    int64_t ms;
    char why[MDT_ARGS_WHY_LEN];
    mdt_args_attendee_t a;
    if (!o->minutes)
        return bad("--minutes is required (15-480)");
    if (hd_time_parse(o->start, strlen(o->start), &ms) != HD_TIME_OK)
        return bad("--start '%s' is not a time like 2026-03-03T10:00:00Z", o->start);
    for (size_t i = 0; i < o->n_attendees; i++)
        if (mdt_args_attendee(o->attendees[i], &a, why))
            return bad("--attendee: %s", why);
    return 0;
}

static int check_move(const command_t *cmd, void *opts, char **words, size_t n_words)
{
    (void)cmd, (void)words, (void)n_words;
    const co_opts_t *o = opts;
    return o->position ? 0 : bad("move needs --position N");
}

static int check_outcome(const command_t *cmd, void *opts, char **words, size_t n_words)
{
    (void)cmd, (void)words, (void)n_words;
    const co_opts_t *o = opts;
    Huddle__MdtDecision d;
    char why[MDT_ARGS_WHY_LEN];
    mdt_args_action_t a;
    int32_t day;
    if (mdt_args_decision(o->decision, &d))
        return bad("--decision is one of care-plan-agreed, refer-on, monitor, no-further-action, "
                   "escalate-safeguarding, defer; not '%s'", o->decision);
    if (d == HUDDLE__MDT_DECISION__MDT_DECISION_CARE_PLAN_AGREED && !o->lead)
        return bad("care-plan-agreed needs --lead \"Name, role\"");
    if (d == HUDDLE__MDT_DECISION__MDT_DECISION_MONITOR && !o->review)
        return bad("monitor needs --review YYYY-MM-DD");
    if (o->refer_on_to && d != HUDDLE__MDT_DECISION__MDT_DECISION_REFER_ON)
        return bad("--refer-on-to goes with refer-on only");
    if (o->review && (strlen(o->review) != 10 || hd_date_parse(o->review, 10, &day) != HD_TIME_OK))
        return bad("--review '%s' is not a date YYYY-MM-DD", o->review);
    if (o->lead_ods && ods_code_check(o->lead_ods, strlen(o->lead_ods)) != ODS_OK)
        return bad("--lead-ods '%s' is not an ODS code", o->lead_ods);
    for (size_t i = 0; i < o->n_actions; i++)
        if (mdt_args_action(o->actions[i], &a, why))
            return bad("--action: %s", why);
    return 0;
}

/* ---- commands ------------------------------------------------------------------------- */

/* Every command's checks, before its own. */
static int check_any(const command_t *cmd, void *opts)
{
    (void)cmd;
    const co_opts_t *o = opts;
    agenda_fmt_t fmt;
    if (o->format && agenda_fmt_parse(o->format, &fmt))
        return bad("--format is table, markdown or json, not '%s'", o->format);
    if (o->message_id && strlen(o->message_id) > HD_CLIENT_ID_MAX - (o->all_submitted ? ID_LEN : 0))
        return bad("--message-id is too long");
    return 0;
}

static void outcome_help(FILE *out)
{
    fprintf(out, "\nDecisions: %s.\n", mdt_args_decisions());
}

#define ROWS(t) t, sizeof t / sizeof t[0]
static const command_t commands[] = {
    {"waiting", "", 0, 0, "Prints the neighbourhood's waiting list: open, undiscussed referrals, highest effective\n"
                          "priority (score + 2 per full week waiting + 10 if deferred before) first.",
      ROWS(waiting_rows), NULL, run_waiting, "the waiting list, highest priority first", NULL},
    {"triage", "REFERRAL accept|decline|signpost", 1, 2,
      "Triages a SUBMITTED referral: accept puts it on the waiting list (a referral in no cohort\n"
      "needs --reason), decline needs --reason, signpost needs --to SERVICE. With --all-submitted,\n"
      "accepts every SUBMITTED referral of the waiting list in turn, naming each one refused.",
      ROWS(triage_rows), check_triage, run_triage, "accept, decline or signpost a referral", NULL},
    {"create", "", 0, 0,
      "Creates an MDT session and prints its id alone on a line (for scripts).",
      ROWS(create_rows), check_create, run_create, "create an MDT session; prints its id", NULL},
    {"build", "SESSION", 1, 1, "Builds (or rebuilds) the agenda of an unpublished session from the neighbourhood's\n"
                               "ACCEPTED and DEFERRED referrals, in effective-priority order, to fill its minutes.",
      ROWS(session_rows), NULL, run_session, "build the agenda from the waiting list", NULL},
    {"add", "SESSION REFERRAL", 2, 2, "Adds a referral to an unpublished agenda (at the end unless --position).",
      ROWS(add_rows), NULL, run_session, "add a referral to the agenda", NULL},
    {"remove", "SESSION REFERRAL", 2, 2, "Removes a referral from an unpublished agenda; it returns to the waiting list.",
      ROWS(session_rows), NULL, run_session, "take a referral off the agenda", NULL},
    {"move", "SESSION REFERRAL", 2, 2, "Moves a referral to another position on an unpublished agenda.",
      ROWS(move_rows), check_move, run_session, "reorder the agenda", NULL},
    {"publish", "SESSION", 1, 1, "Publishes the agenda: the neighbourhood's MDT members receive it. No more edits.",
      ROWS(session_rows), NULL, run_session, "send the agenda to the MDT members", NULL},
    {"outcome", "SESSION REFERRAL", 2, 2,
      "Records the outcome of one agenda item: the decision, lead professional, agreed actions\n"
      "(owner, text, due date) and next review date. The referring practice hears of it.",
      ROWS(outcome_rows), check_outcome, run_outcome, "record an item's decision, lead, actions, review", outcome_help},
    {"close", "SESSION", 1, 1, "Closes the session; every item without an outcome is deferred to the waiting list.",
      ROWS(close_rows), NULL, run_session, "close the session", NULL},
    {"agenda", "SESSION", 1, 1, "Prints a session's agenda: position, planned start (UK time), minutes, tier, score,\n"
                                "effective priority, days waiting, practice, cohorts and referral id.",
      ROWS(agenda_rows), NULL, run_agenda, "print a session's agenda", NULL},
    {"history", "REFERRAL", 1, 1,
      "Prints a referral's record and every event about it, oldest first.",
      ROWS(history_rows), NULL, run_history, "print a referral's record and events", NULL},
};

/* Every command runs in a session of its own, opened once its checks pass. */
static const agent_cli_program_t program = {
    PROGRAM, "The neighbourhood coordinator's Huddle agent: triage, MDT sessions, agendas and outcomes.", "",
    AGENT_CLI_SESSION, 8, 34, 22, ROWS(commands), check_any, 0, NULL,
};

int main(int argc, char **argv)
{
    co_opts_t o = {.limit = LIMIT_DEFAULT};
    return agent_cli_main(&program, argc, argv, &o, &o.help, &o.conn);
}
