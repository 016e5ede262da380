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
#include <signal.h>
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

typedef struct {
    const char *name, *args, *summary, *what;
    const options_row_t *rows;
    size_t n_rows;
    int (*run)(char **argv);
} command_t;

static int cmd_submit(char **argv);
static int cmd_listen(char **argv);

#define ROWS(t) t, sizeof t / sizeof t[0]
static const command_t commands[] = {
    {"submit", "FILE.csv", "send the referrals in a CSV file (- reads stdin)",
     "Sends one referral per row of FILE.csv to the practice's neighbourhood team and prints what\n"
     "became of each: \"FILE:LINE: submitted R…\", \"already submitted\" (the row was sent before),\n"
     "\"already open: R…\" (the patient has an open referral; not an error) or \"refused: …\" with the\n"
     "broker's field and reason. Bad rows are named as \"FILE:LINE: field: reason\" on stderr and\n"
     "skipped; the good rows still go. A summary line ends the run. Running a file again is safe:\n"
     "each row's message id comes from its content, so nothing is stored twice.",
     ROWS(submit_rows), cmd_submit},
    {"listen", "", "print status changes, outcomes and notices of the practice's referrals",
     "Attaches to a durable subscription of the practice's referral status changes, MDT outcomes,\n"
     "review dates, escalations, notifications and non-delivery reports, prints one line per event\n"
     "(time, referral, status from -> to or the decision, lead professional, actions with owner and\n"
     "due date, review date) and acknowledges it. Acknowledging a notification is what tells the\n"
     "sender it was delivered: one left unacknowledged raises a NON_DELIVERY alert to the sender\n"
     "after the broker's deadline (5 days by default). Run it again to resume after the last event\n"
     "acknowledged; --once exits when nothing more is waiting.",
     ROWS(listen_rows), cmd_listen},
};
#define N_COMMANDS (sizeof commands / sizeof commands[0])

static void usage(FILE *out)
{
    fprintf(out, "usage: %s COMMAND [OPTIONS]\n\nA GP practice's Huddle agent: refers patients to the "
                 "neighbourhood team and hears the outcomes.\n\nCommands:\n", PROGRAM);
    for (size_t i = 0; i < N_COMMANDS; i++)
        fprintf(out, "  %-8s %-10s %s\n", commands[i].name, commands[i].args, commands[i].summary);
    fprintf(out, "  help     COMMAND    show a command's options\n\n"
                 "`%s COMMAND --help` shows a command's options; `%s submit --help` lists the CSV columns.\n",
            PROGRAM, PROGRAM);
}

static void command_usage(FILE *out, const command_t *cmd)
{
    fprintf(out, "usage: %s %s [OPTIONS]%s%s\n\n%s\n\nOptions:\n", PROGRAM, cmd->name, cmd->args[0] ? " " : "",
            cmd->args, cmd->what);
    options_usage(out, cmd->rows, cmd->n_rows, 20);
    if (cmd->run == cmd_submit) {
        fprintf(out, "\nCSV: UTF-8, RFC 4180 (fields with commas, quotes or line breaks in double quotes, a quote\n"
                     "inside written twice; lines end in CRLF or LF). The first line names the columns, in any\n"
                     "order; a column the agent does not know refuses the file. Yes/no columns take yes/no,\n"
                     "true/false, y/n or 1/0 in any case; empty = no. The practice is this agent's own.\n"
                     "The header a generator writes:\n  " GP_CSV_HEADER "\n\nColumns:\n");
        gp_csv_columns_help(out);
    }
    agent_cli_env_help(out);
}

/* 0 to run, AGENT_CLI_USAGE (usage printed) or -1 (help printed: exit 0). */
static int parse(const command_t *cmd, char **argv, gp_opts_t *o, char **words, size_t max_words, size_t *n_words)
{
    if (options_parse(cmd->rows, cmd->n_rows, argv, o, cmd->name, words, max_words, n_words) ||
        (!o->help && *n_words != max_words)) {
        if (*n_words != max_words && !o->help)
            fprintf(stderr, "%s: %s needs %s\n", PROGRAM, cmd->name, max_words ? cmd->args : "no arguments");
        fprintf(stderr, "`%s %s --help` for the options\n", PROGRAM, cmd->name);
        return AGENT_CLI_USAGE;
    }
    if (o->help) {
        command_usage(stdout, cmd);
        return -1;
    }
    return 0;
}

static void defaults(gp_opts_t *o)
{
    memset(o, 0, sizeof *o);
    agent_cli_conn_defaults(&o->conn);
    o->window = WINDOW_DEFAULT;
    o->subscription = "outcomes";
}

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
    (void)sig;
    interrupted++;
}

/* SIGINT and SIGTERM end a wait at once (no SA_RESTART) and set the flag. */
static void catch_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

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
    while (!*eof && s->live < s->window && !interrupted) {
        slot_t *slot = s->slots;
        while (slot->live)
            slot++;
        int rc = gp_csv_next(csv, &slot->row, err, sizeof err);
        if (rc == GP_CSV_END) {
            *eof = true;
        } else if (rc == GP_CSV_EROW) {
            fprintf(stderr, "%s\n", err);
            s->bad++;
        } else if (rc != GP_CSV_OK) {
            fprintf(stderr, "%s: cannot read %s to its end: %s\n", PROGRAM, s->file, gp_csv_strerror(rc));
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
        if (interrupted > 1 || (interrupted && !s->live))
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
    if (interrupted) {
        fprintf(stderr, "%s: interrupted before the end of %s\n", PROGRAM, s->file);
        return AGENT_CLI_USAGE;
    }
    return 0;
}

static int cmd_submit(char **argv)
{
    const command_t *cmd = &commands[0];
    gp_opts_t o;
    defaults(&o);
    char *words[1];
    size_t n_words = 0;
    int rc = parse(cmd, argv, &o, words, 1, &n_words);
    if (rc)
        return rc < 0 ? AGENT_CLI_OK : rc;
    const char *file = words[0];
    bool from_stdin = !strcmp(file, "-");
    FILE *fp = from_stdin ? stdin : fopen(file, "r");
    if (!fp) {
        fprintf(stderr, "%s: cannot read %s: %s\n", PROGRAM, file, strerror(errno));
        return AGENT_CLI_USAGE;
    }
    const char *name = from_stdin ? "stdin" : file;
    gp_csv_t *csv = NULL;
    hd_client_t *c = NULL;
    submit_t s = {.file = name, .quiet = o.quiet, .window = (size_t)o.window};
    char err[GP_CSV_ERR_LEN];
    if ((rc = gp_csv_open(&csv, fp, name, err, sizeof err)) != GP_CSV_OK) {
        fprintf(stderr, "%s\n", err[0] ? err : gp_csv_strerror(rc));
        rc = rc == GP_CSV_EHEADER ? AGENT_CLI_REFUSED : AGENT_CLI_USAGE;
        goto done;
    }
    catch_signals();
    if ((rc = agent_cli_connect(&o.conn, PROGRAM, "huddle-gp", &c)) != 0)
        goto done;
    const hd_welcome_t *w = hd_client_welcome(c);
    if (w->role != HUDDLE__ROLE__ROLE_GP_PRACTICE) {
        fprintf(stderr, "%s: agent %s is not a GP practice (its role is %s): only a practice refers\n", PROGRAM,
                w->agent_id, event_fmt_enum(&huddle__role__descriptor, (int)w->role));
        rc = AGENT_CLI_USAGE;
        goto done;
    }
    s.c = c;
    s.ods = w->org_ods;
    if (!(s.slots = calloc(s.window, sizeof *s.slots))) {
        fprintf(stderr, "%s: out of memory\n", PROGRAM);
        rc = AGENT_CLI_USAGE;
        goto done;
    }
    rc = submit_all(&s, csv, o.conn.timeout_s);
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

static int cmd_listen(char **argv)
{
    const command_t *cmd = &commands[1];
    gp_opts_t o;
    defaults(&o);
    size_t n_words = 0;
    int rc = parse(cmd, argv, &o, NULL, 0, &n_words);
    if (rc)
        return rc < 0 ? AGENT_CLI_OK : rc;
    catch_signals();
    hd_client_t *c = NULL;
    if ((rc = agent_cli_connect(&o.conn, PROGRAM, "huddle-gp", &c)) != 0)
        return interrupted ? AGENT_CLI_OK : rc;
    Huddle__Filter filter = HUDDLE__FILTER__INIT;
    filter.n_kinds = sizeof listen_kinds / sizeof listen_kinds[0];
    filter.kinds = (Huddle__EventKind *)listen_kinds;
    hd_subscribed_t sd;
    rc = hd_client_subscribe(c, o.subscription, &filter, 0, !o.new_only, &sd);
    if (rc) {
        char why[512] = "";
        if (rc == HD_CLIENT_EREJECTED)
            agent_cli_refusal(hd_client_last_rejection(c), why, sizeof why);
        fprintf(stderr, "%s: cannot subscribe as %s: %s\n", PROGRAM, o.subscription,
                rc == HD_CLIENT_EREJECTED ? why
                : rc == HD_CLIENT_EINVAL  ? "a name is 1-64 of A-Z a-z 0-9 . _ -"
                                          : hd_client_strerror(rc));
        hd_client_destroy(&c);
        return rc == HD_CLIENT_EREJECTED ? AGENT_CLI_REFUSED : AGENT_CLI_USAGE;
    }
    fprintf(stderr, "%s: %s subscription %s after seq %" PRIu64 "%s\n", PROGRAM, sd.created ? "created" : "resumed",
            o.subscription, sd.resume_from_seq, o.once ? "" : "; Ctrl-C stops");
    unsigned flags = o.show_nhs ? EVENT_FMT_SHOW_NHS : 0;
    int status = AGENT_CLI_OK;
    while (!interrupted) {
        hd_delivery_t d;
        rc = hd_client_next(c, 1000, &d);
        if (rc == HD_CLIENT_ETIMEOUT && o.once)
            break;
        if (rc == HD_CLIENT_ETIMEOUT || rc == HD_CLIENT_EINTR)
            continue;
        if (rc) {
            fprintf(stderr, "%s: the subscription stopped: %s\n", PROGRAM, hd_client_strerror(rc));
            status = AGENT_CLI_USAGE;
            break;
        }
        if (o.json) {
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
    options_set_program(PROGRAM);
    if (argc < 2) {
        usage(stderr);
        return AGENT_CLI_USAGE;
    }
    const char *name = argv[1];
    bool help = !strcmp(name, "help") || !strcmp(name, "--help") || !strcmp(name, "-h");
    if (help && argc > 2)
        name = argv[2];
    for (size_t i = 0; i < N_COMMANDS; i++) {
        if (strcmp(name, commands[i].name))
            continue;
        if (help) {
            command_usage(stdout, &commands[i]);
            return AGENT_CLI_OK;
        }
        return commands[i].run(argv + 2);
    }
    if (help && argc == 2) {
        usage(stdout);
        return AGENT_CLI_OK;
    }
    if (!strcmp(name, "--version") || !strcmp(name, "version")) {
        printf("%s %s\n", PROGRAM, HD_CLIENT_VERSION);
        return AGENT_CLI_OK;
    }
    fprintf(stderr, "%s: unknown command '%s'\n", PROGRAM, name);
    usage(stderr);
    return AGENT_CLI_USAGE;
}
