/*
 * huddle-gp — a GP practice system's agent: sends the practice's referrals to its
 * neighbourhood team from a CSV file (submit), and hears what becomes of them
 * (listen): each status change, MDT outcome, review date, escalation and notification.
 *
 * Owns: the two commands' options, output and exit statuses (agent_cli.h: 0 done,
 * 1 bad rows or refusals, 2 bad usage or no session), the publish window of submit,
 * and the subscription of listen. The file's format and the message ids are
 * gp_csv's; the lines printed are event_fmt's.
 *
 * submit is idempotent: a row's message id comes from its content, so running a file
 * again (after a crash, a lost connection or an edit of some rows) stores nothing
 * twice; the broker answers the rows it has as duplicates. The practice sending is
 * the agent's organisation from the broker's Welcome, never a column of the file.
 */
#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent_cli.h"
#include "event_fmt.h"
#include "gp_csv.h"
#include "hd_client.h"
#include "hd_time.h"
#include "options.h"

#define PROGRAM "huddle-gp"
#define WINDOW_DEFAULT 32
#define TRANSIENT_TRIES 10 /* BUSY or STORE_FULL answers to one row before it counts as refused */
#define RESEND_MS 200      /* wait before sending again a row the client could not send */

typedef struct {
    agent_cli_conn_t conn;
    long window;
    bool quiet;
    const char *subscription;
    bool once, json, show_nhs, new_only;
    bool help;
} gp_opts_t;

#define OPT(flag_, arg_, type_, field, min_, max_, help_)                                                      \
    {.flag = flag_, .arg = arg_, .type = OPTIONS_##type_, .offset = offsetof(gp_opts_t, field), .min = min_, \
     .max = max_, .help = help_}
#define HELP_ROW OPT("--help", "", FLAG, help, 0, 0, "show this help")

static const options_row_t submit_rows[] = {
    AGENT_CLI_CONN_ROWS(gp_opts_t, conn),
    OPT("--window", "N", NUMBER, window, 1, 1000, "referrals in flight before waiting for answers (default 32)"),
    OPT("--quiet", "", FLAG, quiet, 0, 0, "print only problems and the summary, not a line per referral"),
    HELP_ROW,
};

static const options_row_t listen_rows[] = {
    AGENT_CLI_CONN_ROWS(gp_opts_t, conn),
    OPT("--subscription", "NAME", TEXT, subscription, 0, 0, "durable subscription name (default outcomes)"),
    OPT("--once", "", FLAG, once, 0, 0, "exit once the backlog is drained (no delivery for a second)"),
    OPT("--json", "", FLAG, json, 0, 0, "one JSON object per event (event.proto's field names) instead of a line"),
    OPT("--show-nhs", "", FLAG, show_nhs, 0, 0, "show patients' NHS numbers (hidden by default)"),
    OPT("--new-only", "", FLAG, new_only, 0, 0, "a new subscription starts at the log head, not its beginning"),
    HELP_ROW,
};

static int cmd_submit(const agent_cli_command_t *cmd, hd_client_t *c, void *opts, char **words, size_t n_words);
static int cmd_listen(const agent_cli_command_t *cmd, hd_client_t *c, void *opts, char **words, size_t n_words);

static void submit_help(FILE *out)
{
    fprintf(out, "\nCSV: UTF-8, RFC 4180 (fields with commas, quotes or line breaks in double quotes, a quote\n"
                 "inside written twice; lines end in CRLF or LF). The first line names the columns, in any\n"
                 "order; a column the agent does not know refuses the file. Yes/no columns take yes/no,\n"
                 "true/false, y/n or 1/0 in any case; empty = no. The practice is this agent's own.\n"
                 "The header a generator writes:\n  " GP_CSV_HEADER "\n\nColumns:\n");
    gp_csv_columns_help(out);
}

#define ROWS(t) t, sizeof t / sizeof t[0]
static const agent_cli_command_t commands[] = {
    {"submit", "FILE.csv", 1, 1,
     "Sends one referral per row of FILE.csv to the practice's neighbourhood team and prints what\n"
     "became of each: \"FILE:LINE: submitted R…\", \"already submitted\" (the row was sent before),\n"
     "\"already open: R…\" (the patient has an open referral; not an error) or \"refused: …\" with the\n"
     "broker's field and reason. Bad rows are named as \"FILE:LINE: field: reason\" on stderr and\n"
     "skipped; the good rows still go. A summary line ends the run. Running a file again is safe:\n"
     "each row's message id comes from its content, so nothing is stored twice.",
     ROWS(submit_rows), NULL, cmd_submit, "send the referrals in a CSV file (- reads stdin)", submit_help},
    {"listen", "", 0, 0,
     "Attaches to a durable subscription of the practice's referral status changes, MDT outcomes,\n"
     "review dates, escalations, notifications and non-delivery reports, prints one line per event\n"
     "(time, referral, status from -> to or the decision, lead professional, actions with owner and\n"
     "due date, review date) and acknowledges it. Acknowledging a notification is what tells the\n"
     "sender it was delivered: one left unacknowledged raises a NON_DELIVERY alert to the sender\n"
     "after the broker's deadline (5 days by default). Run it again to resume after the last event\n"
     "acknowledged; --once exits when nothing more is waiting.",
     ROWS(listen_rows), NULL, cmd_listen,
     "print status changes, outcomes and notices of the practice's referrals", NULL},
};

/* Each command opens its own session: submit reads the file's header first. */
static const agent_cli_program_t program = {
    PROGRAM, "A GP practice's Huddle agent: refers patients to the neighbourhood team and hears the outcomes.",
    "; `" PROGRAM " submit --help` lists the CSV columns", AGENT_CLI_WORDS_LAST | AGENT_CLI_WORDS_REMIND, 8, 10, 20,
    ROWS(commands), NULL, 0, NULL,
};

/* ---- submit ------------------------------------------------------------------------ */

typedef struct {
    gp_csv_row_t row;
    char message_id[GP_CSV_ID_LEN];
    uint64_t corr;      /* the request's, 0 while it waits to be sent */
    int64_t not_before; /* monotonic ms: not sent again before */
    unsigned tries;     /* transient refusals so far */
    bool live;
} slot_t;

typedef struct {
    hd_client_t *c;
    const char *file, *ods;
    bool quiet;
    slot_t *slots;
    size_t window, live;
    unsigned long submitted, duplicates, already_open, refused, bad;
} submit_t;

/* Sends a slot's row: 0 (sent, or to be tried again), or -1 when the client cannot go on. */
static int send_slot(submit_t *s, slot_t *slot)
{
    Huddle__Event ev;
    Huddle__ReferralSubmit rs;
    Huddle__Subject subj;
    gp_csv_event(&slot->row, s->ods, slot->message_id, hd_time_now_ms(), &ev, &rs, &subj);
    uint64_t corr = 0;
    int rc = hd_client_send_publish(s->c, &ev, &corr);
    if (rc == HD_CLIENT_OK) {
        slot->corr = corr;
        return 0;
    }
    if (rc == HD_CLIENT_ETIMEOUT || rc == HD_CLIENT_EINTR || rc == HD_CLIENT_EFULL) {
        slot->not_before = hd_time_mono_ms() + RESEND_MS; /* the client reopens the session meanwhile */
        return 0;
    }
    fprintf(stderr, "%s: cannot send: %s\n", PROGRAM, hd_client_strerror(rc));
    return -1;
}

static void finish(submit_t *s, slot_t *slot)
{
    slot->live = false;
    s->live--;
}

static void on_reply(submit_t *s, const hd_message_t *m)
{
    int64_t now = hd_time_mono_ms();
    if (m->kind == HD_MESSAGE_RECONNECTED) {
        /* every reply still due went with the old session: the same rows again, same ids */
        for (size_t i = 0; i < s->window; i++)
            if (s->slots[i].live && s->slots[i].corr && s->slots[i].corr <= m->corr) {
                s->slots[i].corr = 0;
                s->slots[i].not_before = now;
            }
        return;
    }
    if (m->kind != HD_MESSAGE_ACCEPTED && m->kind != HD_MESSAGE_REJECTED)
        return;
    slot_t *slot = NULL;
    for (size_t i = 0; i < s->window && !slot; i++)
        if (s->slots[i].live && s->slots[i].corr == m->corr)
            slot = &s->slots[i];
    if (!slot)
        return;
    unsigned long line = slot->row.line;
    if (m->kind == HD_MESSAGE_ACCEPTED) {
        const Huddle__Accepted *a = m->frame->accepted;
        if (m->duplicate)
            s->duplicates++;
        else
            s->submitted++;
        if (!s->quiet)
            printf("%s:%lu: %s %s (seq %" PRIu64 ")\n", s->file, line, m->duplicate ? "already submitted:" : "submitted",
                   a->assigned_id[0] ? a->assigned_id : "-", a->seq);
        finish(s, slot);
        return;
    }
    const hd_rejection_t *r = &m->rejection;
    if (r->transient && slot->tries < TRANSIENT_TRIES) { /* BUSY, STORE_FULL: the same row, later */
        slot->tries++;
        slot->corr = 0;
        slot->not_before = now + (r->retry_after_ms ? r->retry_after_ms : 500);
        return;
    }
    if (r->code == HUDDLE__REJECT_CODE__REJECT_CODE_CONFLICT && r->conflicting_id[0]) {
        s->already_open++;
        printf("%s:%lu: already open: %s\n", s->file, line, r->conflicting_id);
    } else {
        char why[512];
        agent_cli_refusal(r, why, sizeof why);
        s->refused++;
        fprintf(stderr, "%s:%lu: %s\n", s->file, line, why);
    }
    finish(s, slot);
}

/* Reads rows into free slots and sends them: 0, or -1 when the file cannot be read on
 * or the client cannot go on (*io says which). */
static int fill(submit_t *s, gp_csv_t *csv, bool *eof, bool *io)
{
    char err[GP_CSV_ERR_LEN];
    while (!*eof && s->live < s->window && !agent_cli_interrupted()) {
        slot_t *slot = s->slots;
        while (slot->live)
            slot++;
        int rc = gp_csv_next(csv, &slot->row, err, sizeof err);
        if (rc == CSV_TABLE_END) {
            *eof = true;
        } else if (rc == CSV_TABLE_EROW) {
            fprintf(stderr, "%s\n", err);
            s->bad++;
        } else if (rc != CSV_TABLE_OK) {
            fprintf(stderr, "%s: cannot read %s to its end: %s\n", PROGRAM, s->file, csv_table_strerror(rc));
            *eof = *io = true;
            return -1;
        } else {
            gp_csv_message_id(&slot->row, s->ods, slot->message_id);
            slot->live = true;
            slot->corr = 0;
            slot->tries = 0;
            slot->not_before = 0;
            s->live++;
            if (send_slot(s, slot))
                return -1;
        }
    }
    return 0;
}

/* Publishes every good row with up to window in flight: 0, 1 (the file could not be
 * read to its end) or AGENT_CLI_USAGE (the session could not go on). */
static int submit_all(submit_t *s, gp_csv_t *csv, long timeout_s)
{
    bool eof = false, io = false;
    int64_t quiet_since = hd_time_mono_ms();
    const int64_t give_up_ms = 6 * timeout_s * 1000;
    while (!eof || s->live) {
        if (agent_cli_interrupted() > 1 || (agent_cli_interrupted() && !s->live))
            break;
        if (fill(s, csv, &eof, &io))
            return io ? 1 : AGENT_CLI_USAGE;
        int64_t now = hd_time_mono_ms();
        for (size_t i = 0; i < s->window; i++) {
            slot_t *slot = &s->slots[i];
            if (slot->live && !slot->corr && slot->not_before <= now) {
                if (send_slot(s, slot))
                    return AGENT_CLI_USAGE;
                if (!slot->corr)
                    break; /* no session now: nothing more until it is back */
            }
        }
        if (!s->live)
            continue;
        hd_message_t m;
        int rc = hd_client_recv(s->c, 100, &m);
        if (rc == HD_CLIENT_OK) {
            on_reply(s, &m);
            hd_message_release(&m);
            quiet_since = hd_time_mono_ms();
        } else if (rc != HD_CLIENT_ETIMEOUT && rc != HD_CLIENT_EINTR) {
            fprintf(stderr, "%s: the session ended: %s\n", PROGRAM, hd_client_strerror(rc));
            return AGENT_CLI_USAGE;
        } else if (hd_time_mono_ms() - quiet_since > give_up_ms) {
            fprintf(stderr, "%s: no answer from the broker for %" PRId64 " s\n", PROGRAM, give_up_ms / 1000);
            return AGENT_CLI_USAGE;
        }
    }
    if (agent_cli_interrupted()) {
        fprintf(stderr, "%s: interrupted before the end of %s\n", PROGRAM, s->file);
        return AGENT_CLI_USAGE;
    }
    return 0;
}

static int cmd_submit(const agent_cli_command_t *cmd, hd_client_t *c, void *opts, char **words, size_t n_words)
{
    (void)cmd, (void)n_words;
    const gp_opts_t *o = opts;
    int rc;
    const char *file = words[0];
    bool from_stdin = !strcmp(file, "-");
    FILE *fp = from_stdin ? stdin : fopen(file, "r");
    if (!fp) {
        fprintf(stderr, "%s: cannot read %s: %s\n", PROGRAM, file, strerror(errno));
        return AGENT_CLI_USAGE;
    }
    const char *name = from_stdin ? "stdin" : file;
    gp_csv_t *csv = NULL;
    submit_t s = {.file = name, .quiet = o->quiet, .window = (size_t)o->window};
    char err[GP_CSV_ERR_LEN];
    if ((rc = gp_csv_open(&csv, fp, name, err, sizeof err)) != CSV_TABLE_OK) {
        fprintf(stderr, "%s\n", err[0] ? err : csv_table_strerror(rc));
        rc = rc == CSV_TABLE_EHEADER ? AGENT_CLI_REFUSED : AGENT_CLI_USAGE;
        goto done;
    }
    agent_cli_catch_signals();
    if ((rc = agent_cli_connect(&o->conn, PROGRAM, "huddle-gp", &c)) != 0 ||
        (rc = agent_cli_role(c, PROGRAM, HUDDLE__ROLE__ROLE_GP_PRACTICE, "a GP practice", ": only a practice refers")))
        goto done;
    s.c = c;
    s.ods = hd_client_welcome(c)->org_ods;
    if (!(s.slots = calloc(s.window, sizeof *s.slots))) {
        fprintf(stderr, "%s: out of memory\n", PROGRAM);
        rc = AGENT_CLI_USAGE;
        goto done;
    }
    rc = submit_all(&s, csv, o->conn.timeout_s);
    if (s.live)
        fprintf(stderr, "%s: %zu referrals sent but not confirmed; running the file again is safe\n", PROGRAM, s.live);
    printf("submitted %lu, duplicates %lu, already open %lu, rejected %lu, bad rows %lu\n", s.submitted, s.duplicates,
           s.already_open, s.refused, s.bad);
    if (rc == 0 && (s.bad || s.refused))
        rc = AGENT_CLI_REFUSED;
done:
    free(s.slots);
    hd_client_destroy(&c);
    gp_csv_destroy(&csv);
    if (!from_stdin)
        fclose(fp);
    return rc;
}

/* ---- listen ------------------------------------------------------------------------ */

static const Huddle__EventKind listen_kinds[] = {
    HUDDLE__EVENT_KIND__EVENT_KIND_REFERRAL_STATUS_CHANGED, HUDDLE__EVENT_KIND__EVENT_KIND_MDT_OUTCOME_RECORDED,
    HUDDLE__EVENT_KIND__EVENT_KIND_NOTIFICATION,            HUDDLE__EVENT_KIND__EVENT_KIND_ESCALATION_RAISED,
    HUDDLE__EVENT_KIND__EVENT_KIND_NON_DELIVERY,            HUDDLE__EVENT_KIND__EVENT_KIND_MDT_REVIEW_DUE,
};

static int cmd_listen(const agent_cli_command_t *cmd, hd_client_t *c, void *opts, char **words, size_t n_words)
{
    (void)cmd, (void)words, (void)n_words;
    const gp_opts_t *o = opts;
    agent_cli_catch_signals();
    int rc = agent_cli_connect(&o->conn, PROGRAM, "huddle-gp", &c);
    if (rc)
        return agent_cli_interrupted() ? AGENT_CLI_OK : rc;
    Huddle__Filter filter = HUDDLE__FILTER__INIT;
    filter.n_kinds = sizeof listen_kinds / sizeof listen_kinds[0];
    filter.kinds = (Huddle__EventKind *)listen_kinds;
    hd_subscribed_t sd;
    rc = hd_client_subscribe(c, o->subscription, &filter, 0, !o->new_only, &sd);
    if (rc) {
        char why[512] = "";
        if (rc == HD_CLIENT_EREJECTED)
            agent_cli_refusal(hd_client_last_rejection(c), why, sizeof why);
        fprintf(stderr, "%s: cannot subscribe as %s: %s\n", PROGRAM, o->subscription,
                rc == HD_CLIENT_EREJECTED ? why
                : rc == HD_CLIENT_EINVAL  ? "a name is 1-64 of A-Z a-z 0-9 . _ -"
                                          : hd_client_strerror(rc));
        hd_client_destroy(&c);
        return rc == HD_CLIENT_EREJECTED ? AGENT_CLI_REFUSED : AGENT_CLI_USAGE;
    }
    fprintf(stderr, "%s: %s subscription %s after seq %" PRIu64 "%s\n", PROGRAM, sd.created ? "created" : "resumed",
            o->subscription, sd.resume_from_seq, o->once ? "" : "; Ctrl-C stops");
    unsigned flags = o->show_nhs ? EVENT_FMT_SHOW_NHS : 0;
    int status = AGENT_CLI_OK;
    while (!agent_cli_interrupted()) {
        hd_delivery_t d;
        rc = hd_client_next(c, 1000, &d);
        if (rc == HD_CLIENT_ETIMEOUT && o->once)
            break;
        if (rc == HD_CLIENT_ETIMEOUT || rc == HD_CLIENT_EINTR)
            continue;
        if (rc) {
            fprintf(stderr, "%s: the subscription stopped: %s\n", PROGRAM, hd_client_strerror(rc));
            status = AGENT_CLI_USAGE;
            break;
        }
        if (o->json) {
            event_fmt_json(stdout, &d.event->base, flags);
            putchar('\n');
        } else {
            event_fmt_line(stdout, d.event, flags);
        }
        fflush(stdout); /* printed (the practice system has it) before it is acknowledged */
        hd_client_ack(c, d.subscription, d.seq);
        hd_delivery_release(&d);
    }
    hd_client_destroy(&c);
    return status;
}

/* ---- main ---------------------------------------------------------------------------- */

int main(int argc, char **argv)
{
    gp_opts_t o = {.window = WINDOW_DEFAULT, .subscription = "outcomes"};
    return agent_cli_main(&program, argc, argv, &o, &o.help, &o.conn);
}
