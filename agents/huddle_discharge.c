/*
 * huddle-discharge — a hospital discharge hub's agent: keeps each admission's episode
 * up to date (update, one episode from the command line; feed, a CSV extract of
 * many), and shows the discharge board of the hub's hospital or a neighbourhood,
 * once or as a live view that redraws whenever something on it changes.
 *
 * Owns: the commands' options, output and exit statuses (agent_cli.h: 0 done, 1 bad
 * rows or refusals, 2 bad usage or no session), and the live view's subscription. The
 * spellings and message ids are discharge_args'; the feed's columns episode_csv's; the
 * board's layout board_fmt's.
 *
 * Each update sent, from the command line or a feed's row, has a new message id (its
 * retries the same): the broker stores an update only when it changes the episode and
 * answers a repeat of the recorded state "already recorded", so a feed run twice stores
 * nothing twice and an episode may go back to an earlier state. The hospital is the hub's own, from the broker's Welcome; a feed
 * row naming another is refused before it is sent. Nothing printed on stderr holds an
 * NHS number.
 */
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <errno.h>

#include "agent_cli.h"
#include "board_fmt.h"
#include "discharge_args.h"
#include "episode_csv.h"
#include "event_fmt.h"
#include "hd_client.h"
#include "hd_time.h"
#include "options.h"

#define PROGRAM "huddle-discharge"

typedef struct {
    agent_cli_conn_t conn;
    const char *field[DISCHARGE_F_N]; /* update's values, by field */
    const char *message_id, *hospital, *neighbourhood, *subscription, *purpose;
    long limit;
    bool quiet, once, json, show_nhs, help;
} dc_opts_t;

#define OPT(flag_, arg_, type_, member, help_) \
    {.flag = flag_, .arg = arg_, .type = OPTIONS_##type_, .offset = offsetof(dc_opts_t, member), .help = help_}
#define FIELD(flag_, arg_, f, req, help_)                                                                \
    {.flag = flag_, .arg = arg_, .type = OPTIONS_TEXT, .required = req,                                \
     .offset = offsetof(dc_opts_t, field) + (f) * sizeof(const char *), .help = help_}
#define CONN AGENT_CLI_CONN_ROWS(dc_opts_t, conn)
#define HELP OPT("--help", "", FLAG, help, "show this help")

static const options_row_t update_rows[] = {
    CONN,
    FIELD("--local-id", "ID", DISCHARGE_F_LOCAL_ID, true, "the hospital's id for the spell (A-Z a-z 0-9 - _ /)"),
    FIELD("--nhs", "N", DISCHARGE_F_NHS, true, "the patient's NHS number"),
    FIELD("--admitted", "TIME", DISCHARGE_F_ADMITTED, true, "start of the spell, YYYY-MM-DDTHH:MM UK time (or Z/+01:00)"),
    FIELD("--ward", "W", DISCHARGE_F_WARD, false, "current ward"),
    FIELD("--criterion", "01-12", DISCHARGE_F_CRITERION, false, "criterion to reside still met"),
    FIELD("--ready", "DATE", DISCHARGE_F_READY, false, "discharge-ready date, YYYY-MM-DD (once no criterion is met)"),
    FIELD("--pathway", "0-3", DISCHARGE_F_PATHWAY, false, "discharge pathway (default: not decided)"),
    FIELD("--status", "S", DISCHARGE_F_STATUS, true, "where the episode stands (see below)"),
    FIELD("--delay", "A,D2", DISCHARGE_F_DELAYS, false, "delay reason codes, comma-separated"),
    FIELD("--expected", "DATE", DISCHARGE_F_EXPECTED, false, "planned discharge date"),
    FIELD("--discharged", "TIME", DISCHARGE_F_DISCHARGED, false, "actual discharge time (with --status discharged)"),
    FIELD("--practice", "ODS", DISCHARGE_F_PRACTICE, false, "the patient's registered GP practice, told of the discharge"),
    OPT("--message-id", "M", TEXT, message_id, "idempotency key: M sent again is stored once (default: new each run)"),
    HELP,
};

static const options_row_t feed_rows[] = {
    CONN,
    OPT("--quiet", "", FLAG, quiet, "print only problems and the summary, not a line per row"),
    HELP,
};

static const options_row_t board_rows[] = {
    CONN,
    OPT("--hospital", "ODS", TEXT, hospital, "the hospital's board (default: this hub's)"),
    OPT("--neighbourhood", "ID", TEXT, neighbourhood, "a neighbourhood's board instead"),
    OPT("--once", "", FLAG, once, "print the board once and exit (default: a live view)"),
    OPT("--json", "", FLAG, json, "the Board as one JSON object (frame.proto's field names)"),
    {.flag = "--limit", .arg = "N", .type = OPTIONS_NUMBER, .offset = offsetof(dc_opts_t, limit), .min = 1,
     .max = 100000, .help = "show at most N episodes, longest delayed first (default: all)"},
    OPT("--show-nhs", "", FLAG, show_nhs, "show patients' NHS numbers (masked by default)"),
    OPT("--subscription", "NAME", TEXT, subscription, "the live view's durable subscription (default board)"),
    OPT("--purpose", "TEXT", TEXT, purpose, "why you read it, for the audit trail (default \"discharge planning\")"),
    HELP,
};

/* ---- shared pieces ------------------------------------------------------------------ */

#define bad(...) agent_cli_bad(PROGRAM, __VA_ARGS__)

/* Opens a session as a discharge hub: 0 with *c and its hospital in *hospital, or an
 * exit status (the sentence printed). */
static int connect_hub(const dc_opts_t *o, hd_client_t **c, const char **hospital)
{
    int rc = agent_cli_connect(&o->conn, PROGRAM, PROGRAM, c);
    if (rc)
        return rc;
    const hd_welcome_t *w = hd_client_welcome(*c);
    if (agent_cli_role(*c, PROGRAM, HUDDLE__ROLE__ROLE_DISCHARGE_HUB, "a discharge hub", ": only a hub keeps episodes")) {
        hd_client_destroy(c);
        return AGENT_CLI_USAGE;
    }
    if (!w->hospital_ods[0]) {
        fprintf(stderr, "%s: agent %s serves no hospital in the registry\n", PROGRAM, w->agent_id);
        hd_client_destroy(c);
        return AGENT_CLI_USAGE;
    }
    *hospital = w->hospital_ods;
    return 0;
}

/* ---- update -------------------------------------------------------------------------- */

static const char *flag_of(discharge_field_t f)
{
    for (size_t i = 0; i < sizeof update_rows / sizeof update_rows[0]; i++)
        if (update_rows[i].offset == offsetof(dc_opts_t, field) + f * sizeof(const char *))
            return update_rows[i].flag;
    return discharge_args_column(f);
}

static void on_problem(void *ctx, discharge_field_t f, const char *why)
{
    unsigned *n = ctx;
    if (!(*n)++) /* the first is enough to act on */
        fprintf(stderr, "%s: %s: %s\n", PROGRAM, flag_of(f), why);
}

/* The episode the flags describe: 0, or AGENT_CLI_USAGE with the flag at fault named. */
static int episode_from_flags(const dc_opts_t *o, discharge_episode_t *ep)
{
    memset(ep, 0, sizeof *ep);
    char why[DISCHARGE_WHY_LEN];
    for (int f = 0; f < DISCHARGE_F_N; f++)
        if (o->field[f] && discharge_args_set(ep, (discharge_field_t)f, o->field[f], why))
            return bad("%s: %s", flag_of((discharge_field_t)f), why);
    unsigned n = 0;
    discharge_args_check(ep, hd_time_now_ms(), on_problem, &n);
    return n ? AGENT_CLI_USAGE : 0;
}

/* Publishes ev: 0 (printed "<what> ... (seq N)" or "already recorded"), 1 refused, 2 no
 * answer. label: "feed.csv:3: " for a feed row, "" otherwise. */
static int publish(hd_client_t *c, const Huddle__Event *ev, const char *label, const char *episode, bool quiet,
                   bool *duplicate)
{
    hd_publish_result_t res;
    int rc = hd_client_publish(c, ev, &res);
    if (rc == HD_CLIENT_OK) {
        *duplicate = res.duplicate;
        if (!quiet)
            printf("%s%s %s (seq %" PRIu64 ")\n", label, episode, res.duplicate ? "already recorded" : "updated",
                   res.seq);
        return 0;
    }
    if (rc == HD_CLIENT_EREJECTED) {
        char why[512];
        agent_cli_refusal(&res.rejection, why, sizeof why);
        fprintf(stderr, "%s%s\n", label[0] ? label : PROGRAM ": ", why);
        return AGENT_CLI_REFUSED;
    }
    fprintf(stderr, "%s: %s%s not confirmed: %s; %s\n", PROGRAM, label, episode, hd_client_strerror(rc),
            label[0] ? "running the feed again is safe (a row already recorded is not stored again)"
                     : "sending the same state again changes nothing");
    return AGENT_CLI_USAGE;
}

static int cmd_update(const agent_cli_command_t *cmd, hd_client_t *c, void *opts, char **words, size_t n_words)
{
    (void)cmd, (void)words, (void)n_words;
    const dc_opts_t *o = opts;
    discharge_episode_t ep;
    int rc = episode_from_flags(o, &ep);
    if (rc)
        return rc;
    if ((rc = agent_cli_message_id(PROGRAM, o->message_id)) != 0)
        return rc;
    const char *hospital = NULL;
    if ((rc = connect_hub(o, &c, &hospital)) != 0)
        return rc;
    /* A new id per run unless one is given: the client resends the same id itself while
     * it waits for the answer, and the broker answers a repeat of the recorded state. */
    char fresh[HD_CLIENT_ID_MAX + 1];
    if (!o->message_id)
        hd_client_make_message_id(c, fresh, sizeof fresh);
    discharge_update_msg_t m;
    discharge_args_update_event(&ep, hospital, o->message_id ? o->message_id : fresh, hd_time_now_ms(), &m);
    bool dup = false;
    rc = publish(c, &m.ev, "", m.episode_id, false, &dup);
    hd_client_destroy(&c);
    return rc;
}

/* ---- feed ------------------------------------------------------------------------------ */

static int cmd_feed(const agent_cli_command_t *cmd, hd_client_t *c, void *opts, char **words, size_t n_words)
{
    (void)cmd, (void)n_words;
    const dc_opts_t *o = opts;
    const char *file = words[0];
    bool from_stdin = !strcmp(file, "-");
    FILE *fp = from_stdin ? stdin : fopen(file, "r");
    if (!fp)
        return bad("cannot read %s: %s", file, strerror(errno));
    const char *name = from_stdin ? "stdin" : file;
    episode_csv_t *csv = NULL;
    char err[EPISODE_CSV_ERR_LEN];
    unsigned long updated = 0, duplicates = 0, refused = 0, bad_rows = 0;
    int rc = episode_csv_open(&csv, fp, name, hd_time_now_ms(), err, sizeof err);
    if (rc != CSV_TABLE_OK) {
        fprintf(stderr, "%s\n", err[0] ? err : csv_table_strerror(rc));
        rc = rc == CSV_TABLE_EHEADER ? AGENT_CLI_REFUSED : AGENT_CLI_USAGE;
        goto done;
    }
    agent_cli_catch_signals();
    const char *hospital = NULL;
    if ((rc = connect_hub(o, &c, &hospital)) != 0)
        goto done;
    episode_csv_set_hospital(csv, hospital);
    episode_csv_row_t row;
    while (!agent_cli_interrupted() && rc != AGENT_CLI_USAGE) {
        int r = episode_csv_next(csv, &row, err, sizeof err);
        if (r == CSV_TABLE_END)
            break;
        if (r == CSV_TABLE_EROW) {
            fprintf(stderr, "%s\n", err);
            bad_rows++;
            continue;
        }
        if (r != CSV_TABLE_OK) {
            fprintf(stderr, "%s: cannot read %s to its end: %s\n", PROGRAM, name, csv_table_strerror(r));
            rc = AGENT_CLI_USAGE;
            break;
        }
        char id[HD_CLIENT_ID_MAX + 1]; /* a new update, as for update: the broker tells a repeat */
        hd_client_make_message_id(c, id, sizeof id);
        discharge_update_msg_t m;
        discharge_args_update_event(&row.ep, hospital, id, hd_time_now_ms(), &m);
        char label[256];
        snprintf(label, sizeof label, "%s:%lu: ", name, row.line);
        bool dup = false;
        int p = publish(c, &m.ev, label, m.episode_id, o->quiet, &dup);
        if (p == 0)
            dup ? duplicates++ : updated++;
        else if (p == AGENT_CLI_REFUSED)
            refused++;
        else
            rc = AGENT_CLI_USAGE;
    }
    if (agent_cli_interrupted() && rc != AGENT_CLI_USAGE) {
        fprintf(stderr, "%s: interrupted before the end of %s; running it again is safe\n", PROGRAM, name);
        rc = AGENT_CLI_USAGE;
    }
    printf("updated %lu, already recorded %lu, refused %lu, bad rows %lu\n", updated, duplicates, refused, bad_rows);
    if (rc == 0 && (bad_rows || refused))
        rc = AGENT_CLI_REFUSED;
done:
    hd_client_destroy(&c);
    episode_csv_destroy(&csv);
    if (!from_stdin)
        fclose(fp);
    return rc;
}

/* ---- board --------------------------------------------------------------------------- */

/* A board read page by page: the answers (kept, as the entries live in them) and one
 * Board holding every entry read, with the first page's totals. */
typedef struct {
    Huddle__Answer **pages;
    size_t n_pages;
    Huddle__Board board;
} board_t;

static void board_free(board_t *b)
{
    for (size_t i = 0; i < b->n_pages; i++)
        hd_client_answer_free(&b->pages[i]);
    free(b->pages);
    free(b->board.entries);
    memset(b, 0, sizeof *b);
}

/* Reads up to limit entries (0 = all): 0, or an exit status with the sentence printed. */
static int board_read(hd_client_t *c, const dc_opts_t *o, const char *hospital, const char *nbh, board_t *b)
{
    memset(b, 0, sizeof *b);
    size_t limit = (size_t)o->limit;
    uint32_t page = hd_client_welcome(c)->max_query_limit;
    Huddle__Query q = HUDDLE__QUERY__INIT;
    q.kind = HUDDLE__QUERY_KIND__QUERY_KIND_BOARD;
    q.hospital_ods = (char *)(hospital ? hospital : "");
    q.neighbourhood_id = (char *)(nbh ? nbh : "");
    q.purpose = (char *)(o->purpose ? o->purpose : "discharge planning");
    for (;;) {
        size_t want = limit ? limit - b->board.n_entries : 0;
        q.limit = want && (!page || want < page) ? (uint32_t)want : page;
        Huddle__Answer *ans = NULL;
        int rc = hd_client_query(c, &q, &ans);
        if (rc == HD_CLIENT_EREJECTED) {
            char why[512];
            agent_cli_refusal(hd_client_last_rejection(c), why, sizeof why);
            fprintf(stderr, "%s: %s\n", PROGRAM, why);
            return AGENT_CLI_REFUSED;
        }
        if (rc)
            return bad("no answer: %s", hd_client_strerror(rc));
        if (ans->result_case != HUDDLE__ANSWER__RESULT_BOARD) {
            hd_client_answer_free(&ans);
            return bad("the broker answered with something else than a board");
        }
        const Huddle__Board *pg = ans->board;
        Huddle__Answer **pages = realloc(b->pages, (b->n_pages + 1) * sizeof *pages);
        if (pages)
            b->pages = pages;
        Huddle__BoardEntry **entries = pages ? realloc(b->board.entries, (b->board.n_entries + pg->n_entries + 1) *
                                                                             sizeof *entries)
                                             : NULL;
        if (!entries) {
            hd_client_answer_free(&ans);
            return bad("out of memory");
        }
        b->board.entries = entries;
        b->pages[b->n_pages++] = ans;
        if (b->n_pages == 1) { /* the totals are the whole board's: the first page's */
            Huddle__BoardEntry **keep = b->board.entries;
            size_t n = b->board.n_entries;
            b->board = *pg;
            b->board.entries = keep;
            b->board.n_entries = n;
        }
        for (size_t i = 0; i < pg->n_entries && (!limit || b->board.n_entries < limit); i++)
            b->board.entries[b->board.n_entries++] = pg->entries[i];
        if (!ans->truncated || !ans->next_after || (limit && b->board.n_entries >= limit))
            return 0;
        q.after = ans->next_after;
    }
}

static int board_show(hd_client_t *c, const dc_opts_t *o, const char *hospital, const char *nbh, bool live,
                      unsigned refresh)
{
    board_t b;
    int rc = board_read(c, o, hospital, nbh, &b);
    if (rc == 0) {
        if (live && isatty(STDOUT_FILENO))
            fputs("\033[H\033[2J", stdout); /* home, clear screen */
        else if (refresh)
            fputc('\n', stdout);
        board_fmt_board(stdout, &b.board, o->json, o->show_nhs ? EVENT_FMT_SHOW_NHS : 0);
        fflush(stdout);
    }
    board_free(&b);
    return rc;
}

static const Huddle__EventKind board_kinds[] = {
    HUDDLE__EVENT_KIND__EVENT_KIND_EPISODE_UPDATED,        HUDDLE__EVENT_KIND__EVENT_KIND_ASSESSMENT_SUBMITTED,
    HUDDLE__EVENT_KIND__EVENT_KIND_ASSESSMENT_RESPONDED,   HUDDLE__EVENT_KIND__EVENT_KIND_ASSESSMENT_INFO_PROVIDED,
    HUDDLE__EVENT_KIND__EVENT_KIND_ESCALATION_RAISED,      HUDDLE__EVENT_KIND__EVENT_KIND_TIMER_FIRED,
    HUDDLE__EVENT_KIND__EVENT_KIND_PLACEMENT_REPORTED,     HUDDLE__EVENT_KIND__EVENT_KIND_FOLLOW_UP_REPORTED,
};

/* The live view: every delivery is acknowledged (it is only a cue: the board is read
 * again), those waiting are taken together, then the board is redrawn. */
static int board_live(hd_client_t *c, const dc_opts_t *o, const char *hospital, const char *nbh)
{
    Huddle__Filter filter = HUDDLE__FILTER__INIT;
    filter.n_kinds = sizeof board_kinds / sizeof board_kinds[0];
    filter.kinds = (Huddle__EventKind *)board_kinds;
    char *hosp = (char *)hospital, *nb = (char *)nbh;
    if (hospital) {
        filter.n_hospital_ods = 1;
        filter.hospital_ods = &hosp;
    } else {
        filter.n_neighbourhood_ids = 1;
        filter.neighbourhood_ids = &nb;
    }
    const char *name = o->subscription ? o->subscription : "board";
    hd_subscribed_t sd;
    int rc = hd_client_subscribe(c, name, &filter, 0, false, &sd);
    if (rc) {
        char why[512] = "";
        if (rc == HD_CLIENT_EREJECTED)
            agent_cli_refusal(hd_client_last_rejection(c), why, sizeof why);
        fprintf(stderr, "%s: cannot subscribe as %s: %s\n", PROGRAM, name,
                rc == HD_CLIENT_EREJECTED ? why
                : rc == HD_CLIENT_EINVAL  ? "a name is 1-64 of A-Z a-z 0-9 . _ -"
                                          : hd_client_strerror(rc));
        return rc == HD_CLIENT_EREJECTED ? AGENT_CLI_REFUSED : AGENT_CLI_USAGE;
    }
    fprintf(stderr, "%s: live view on subscription %s; Ctrl-C stops\n", PROGRAM, name);
    unsigned refresh = 0;
    if ((rc = board_show(c, o, hospital, nbh, true, refresh++)) != 0)
        return rc;
    while (!agent_cli_interrupted()) {
        hd_delivery_t d;
        rc = hd_client_next(c, 1000, &d);
        if (rc == HD_CLIENT_ETIMEOUT || rc == HD_CLIENT_EINTR)
            continue;
        if (rc) {
            fprintf(stderr, "%s: the subscription stopped: %s\n", PROGRAM, hd_client_strerror(rc));
            return AGENT_CLI_USAGE;
        }
        do {
            hd_client_ack(c, d.subscription, d.seq);
            hd_delivery_release(&d);
        } while (!agent_cli_interrupted() && hd_client_next(c, 0, &d) == HD_CLIENT_OK);
        if (!agent_cli_interrupted() && (rc = board_show(c, o, hospital, nbh, true, refresh++)) != 0)
            return rc;
    }
    return AGENT_CLI_OK;
}

static int cmd_board(const agent_cli_command_t *cmd, hd_client_t *c, void *opts, char **words, size_t n_words)
{
    (void)cmd, (void)words, (void)n_words;
    const dc_opts_t *o = opts;
    if (o->hospital && o->neighbourhood)
        return bad("--hospital or --neighbourhood, not both");
    if (o->json && !o->once)
        return bad("--json goes with --once");
    agent_cli_catch_signals();
    int rc = agent_cli_connect(&o->conn, PROGRAM, PROGRAM, &c);
    if (rc)
        return agent_cli_interrupted() ? AGENT_CLI_OK : rc;
    const hd_welcome_t *w = hd_client_welcome(c);
    const char *hospital = o->hospital, *nbh = o->neighbourhood;
    if (!hospital && !nbh) {
        if (w->hospital_ods[0])
            hospital = w->hospital_ods;
        else if (w->n_neighbourhood_ids == 1)
            nbh = w->neighbourhood_ids[0];
        else {
            hd_client_destroy(&c);
            return bad("agent %s serves no one hospital or neighbourhood: name one with --hospital or --neighbourhood",
                       w->agent_id);
        }
    }
    rc = o->once ? board_show(c, o, hospital, nbh, false, 0) : board_live(c, o, hospital, nbh);
    hd_client_destroy(&c);
    return rc;
}

/* ---- commands ---------------------------------------------------------------------------- */

static void update_help(FILE *out)
{
    fprintf(out, "\nStatuses: %s.\n", discharge_args_statuses());
}

static void feed_help(FILE *out)
{
    fprintf(out, "\nCSV: UTF-8, RFC 4180 (fields with commas, quotes or line breaks in double quotes; lines end\n"
                 "in CRLF or LF). The first line names the columns, in any order; a column the agent does\n"
                 "not know refuses the file. The header a generator writes:\n  " EPISODE_CSV_HEADER
                 "\n\nColumns:\n");
    episode_csv_columns_help(out);
}

#define ROWS(t) t, sizeof t / sizeof t[0]
static const agent_cli_command_t commands[] = {
    {"update", "", 0, 0,
     "Sends the whole current state of one admission's episode (EPISODE_UPDATED) for this hub's\n"
     "hospital and prints \"RXH:LOCAL updated (seq N)\". Each run is a new update (an episode may\n"
     "return to an earlier state); with --message-id M, M sent again is stored once. A criterion to\n"
     "reside while one is met, or the discharge-ready date once none is; --discharged with\n"
     "--status discharged. A refusal is printed with the field and the broker's reason.",
     ROWS(update_rows), NULL, cmd_update, "create or update one episode", update_help},
    {"feed", "FILE.csv", 1, 1,
     "Sends one EPISODE_UPDATED per row of FILE.csv and prints what became of each:\n"
     "\"FILE:LINE: RXH:LOCAL updated (seq N)\", \"already recorded\" or \"refused: ...\" with the broker's\n"
     "field and reason. Bad rows are named as \"FILE:LINE: field: reason\" on stderr and skipped; the\n"
     "good rows still go. A summary line ends the run. Running a feed again stores nothing twice.",
     ROWS(feed_rows), NULL, cmd_feed, "send the episodes of a CSV extract (- reads stdin)", feed_help},
    {"board", "", 0, 0,
     "Prints the discharge board: every open episode, longest delayed first (episode, patient,\n"
     "ward, pathway, status, ready date, days delayed, delay reasons, open assessment), then the\n"
     "totals by status, pathway and delay reason, delayed bed days, pathway 2 placements past six\n"
     "weeks and pathway 1 patients at home at 91 days. Without --once it stays on a durable\n"
     "subscription to the board's events and redraws after each (the screen is cleared on a\n"
     "terminal; otherwise each board follows a blank line); Ctrl-C stops.",
     ROWS(board_rows), NULL, cmd_board, "the discharge board, once or as a live view", NULL},
};

/* Each command checks its options and opens its own session (a feed is read first). */
static const agent_cli_program_t program = {
    PROGRAM, "A hospital discharge hub's Huddle agent: keeps episodes up to date and shows the discharge board.", "",
    AGENT_CLI_WORDS_LAST, 7, 9, 22, ROWS(commands), NULL, 0, NULL,
};

int main(int argc, char **argv)
{
    dc_opts_t o = {0};
    return agent_cli_main(&program, argc, argv, &o, &o.help, &o.conn);
}
