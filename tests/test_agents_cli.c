/*
 * test_agents_cli — the agent programs as their users run them: bin/huddle-gp and
 * bin/huddle-coordinator's help, usage errors and exit statuses (checked before any
 * connection is tried), key-file mistakes, and, against the real huddled with CURVE on
 * and a registry of two practices and a coordinator, a practice's CSV submitted (bad
 * rows named by line and field, good rows accepted, a second run all duplicates, a
 * changed row "already open", a row the broker refuses named with its field), the
 * coordinator's whole MDT cycle, and the practice hearing the outcome (and only of its
 * own patients).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "gp_csv.h"
#include "hd_time.h"
#include "tu_cli.h"

#define P1 "9434765919"
#define P2 "4010232137"
#define P3 "9990000018"
#define P4 "5550000016"

enum { GP_A, GP_B, COORD, N_AGENTS };
static tu_agent_t agents[N_AGENTS] = {
    [GP_A] = {.id = "gp-a81001", .role = HUDDLE__ROLE__ROLE_GP_PRACTICE, .org = "A81001"},
    [GP_B] = {.id = "gp-b82001", .role = HUDDLE__ROLE__ROLE_GP_PRACTICE, .org = "B82001"},
    [COORD] = {.id = "coord-north", .role = HUDDLE__ROLE__ROLE_INT_COORDINATOR, .org = "RYJ",
               .neighbourhood = "nb-north"},
};

typedef tu_cli_t fx_t;

/* Runs a program with up to 40 words: its exit status, its output in f->out. */
#define RUN(f, ...) tu_run((const char *[]){__VA_ARGS__, NULL}, (f)->out, sizeof (f)->out)

/* The connection options of an agent, in the order RUN_AS puts them before the rest. */
#define AS(f, who) "--endpoint", (f)->broker.endpoint, "--server-key", (f)->server_key, "--key", (f)->key[who], \
                   "--timeout", timeout()
#define has(f, text) tu_has((f)->out, (text))
#define lacks(f, text) tu_lacks((f)->out, (text))

static const char *timeout(void)
{
    return tu_under_valgrind() ? "30" : "5";
}

static int setup_broker(void **state)
{
    tu_cli_setup(state);
    tu_cli_start_broker(*state, agents, N_AGENTS, NULL);
    return 0;
}

/* Queries answered two entries at a time: the programs must page. */
static int setup_broker_small_pages(void **state)
{
    tu_cli_setup(state);
    tu_cli_start_broker(*state, agents, N_AGENTS,
                        (const char *const[]){"--query-limit-max=2", "--query-limit-default=2", NULL});
    return 0;
}

/* dir/name holding text; the path in buf. */
static const char *file_in(fx_t *f, const char *name, const char *text, char *buf, size_t len)
{
    snprintf(buf, len, "%s/%s", f->dir, name);
    tu_write_file(buf, text, 0600);
    return buf;
}

/* The referral id after `prefix` in the output ("R12"), into id. */
static void id_after(const fx_t *f, const char *prefix, char id[33])
{
    const char *at = strstr(f->out, prefix);
    if (!at)
        fail_msg("no \"%s\" in:\n%s", prefix, f->out);
    at += strlen(prefix);
    size_t n = strcspn(at, " \n");
    assert_true(n > 0 && n < 33);
    memcpy(id, at, n);
    id[n] = '\0';
}

/* ---- without a broker ---------------------------------------------------------------- */

static void test_gp_help(void **state)
{
    fx_t *f = *state;
    assert_int_equal(RUN(f, "huddle-gp", "--help"), 0);
    has(f, "usage: huddle-gp COMMAND");
    has(f, "submit   FILE.csv");
    has(f, "listen");
    assert_int_equal(RUN(f, "huddle-gp", "submit", "--help"), 0);
    has(f, "usage: huddle-gp submit [OPTIONS] FILE.csv");
    has(f, "The header a generator writes:\n  " GP_CSV_HEADER "\n");
    has(f, "  efi_deficits              or the eFI as deficits out of 36");
    has(f, "true/false, y/n or 1/0 in any case; empty = no");
    has(f, "--server-key FILE");
    has(f, "Exit status: 0 done, 1 the broker refused (or the input had bad rows), 2 bad usage");
    assert_int_equal(RUN(f, "huddle-gp", "help", "listen"), 0);
    has(f, "usage: huddle-gp listen [OPTIONS]");
    has(f, "Acknowledging a notification is what tells the\nsender it was delivered");
    has(f, "NON_DELIVERY");
    has(f, "--once");
    has(f, "--json");
    assert_int_equal(RUN(f, "huddle-gp", "listen", "-h"), 0);
    has(f, "--subscription NAME");
}

static void test_gp_usage_errors(void **state)
{
    fx_t *f = *state;
    assert_int_equal(RUN(f, "huddle-gp"), 2);
    has(f, "usage: huddle-gp COMMAND");
    assert_int_equal(RUN(f, "huddle-gp", "frobnicate"), 2);
    has(f, "huddle-gp: unknown command 'frobnicate'");
    assert_int_equal(RUN(f, "huddle-gp", "submit"), 2);
    has(f, "huddle-gp: submit needs FILE.csv");
    assert_int_equal(RUN(f, "huddle-gp", "submit", "a.csv", "b.csv"), 2);
    has(f, "huddle-gp: submit: unexpected argument 'b.csv'");
    assert_int_equal(RUN(f, "huddle-gp", "submit", "--bogus", "a.csv"), 2);
    has(f, "huddle-gp: submit: unknown option --bogus");
    assert_int_equal(RUN(f, "huddle-gp", "submit", "--window", "0", "a.csv"), 2);
    has(f, "--window needs a whole number from 1 to 1000");
    assert_int_equal(RUN(f, "huddle-gp", "submit", "/nonexistent/refs.csv"), 2);
    has(f, "huddle-gp: cannot read /nonexistent/refs.csv: No such file or directory");
    assert_int_equal(RUN(f, "huddle-gp", "listen", "extra"), 2);
    has(f, "unexpected argument 'extra'");
}

static void test_gp_bad_header_refused_before_connecting(void **state)
{
    fx_t *f = *state;
    char path[600];
    file_in(f, "refs.csv", "nhs_number,age_years,reason,postcode\n" P1 ",80,Falls,LS1 4AB\n", path, sizeof path);
    /* nothing listens on port 1: had it tried, it would say so and exit 2 */
    assert_int_equal(RUN(f, "huddle-gp", "submit", path, "--endpoint", "tcp://127.0.0.1:1", "--timeout", "1"), 1);
    has(f, "refs.csv:1: header: unknown column 'postcode'; the columns are " GP_CSV_HEADER);
    lacks(f, "broker");
    lacks(f, "submitted 0");
}

static void test_no_broker_is_exit_2(void **state)
{
    fx_t *f = *state;
    char path[600];
    file_in(f, "refs.csv", "nhs_number,age_years,reason\n" P1 ",80,Falls\n", path, sizeof path);
    assert_int_equal(RUN(f, "huddle-gp", "submit", path, "--endpoint", "tcp://127.0.0.1:1", "--timeout", "1"), 2);
    has(f, "huddle-gp: no broker answered at tcp://127.0.0.1:1");
    assert_int_equal(RUN(f, "huddle-coordinator", "waiting", "--endpoint", "tcp://127.0.0.1:1", "--timeout", "1"), 2);
    has(f, "huddle-coordinator: no broker answered at tcp://127.0.0.1:1");
}

static void test_key_file_mistakes(void **state)
{
    fx_t *f = *state;
    char csv[600], pub[600], sec[600], other_pub[600], garbage[600];
    char kp[41], ks[41], op[41], os[41], line[64];
    assert_int_equal(zmq_curve_keypair(kp, ks), 0);
    assert_int_equal(zmq_curve_keypair(op, os), 0);
    file_in(f, "refs.csv", "nhs_number,age_years,reason\n" P1 ",80,Falls\n", csv, sizeof csv);
    snprintf(line, sizeof line, "%s\n", kp);
    file_in(f, "me.pub", line, pub, sizeof pub);
    snprintf(line, sizeof line, "%s\n", ks);
    file_in(f, "me.key", line, sec, sizeof sec);
    snprintf(line, sizeof line, "%s\n", op);
    file_in(f, "broker.pub", line, other_pub, sizeof other_pub);
    file_in(f, "garbage.key", "not a key\n", garbage, sizeof garbage);
    const char *dead[] = {"--endpoint", "tcp://127.0.0.1:1", "--timeout", "1"};
#define GP_SUBMIT(...) RUN(f, "huddle-gp", "submit", csv, dead[0], dead[1], dead[2], dead[3], __VA_ARGS__)
    assert_int_equal(GP_SUBMIT("--server-key", other_pub, "--key", pub), 2);
    has(f, "--key takes this agent's secret key file (NAME.key); NAME.pub is only its public half");
    assert_int_equal(GP_SUBMIT("--server-key", sec, "--key", sec), 2);
    has(f, "--server-key takes the broker's public key (broker.pub), not a secret .key file");
    assert_int_equal(GP_SUBMIT("--server-key", other_pub, "--key", garbage), 2);
    has(f, "garbage.key does not hold a CURVE key");
    assert_int_equal(GP_SUBMIT("--server-key", other_pub, "--key", "/nonexistent/me.key"), 2);
    has(f, "cannot read /nonexistent/me.key");
    assert_int_equal(GP_SUBMIT("--server-key", other_pub), 2);
    has(f, "the broker's key is set but not this agent's");
    /* a .pub beside the .key that is not its public half */
    snprintf(line, sizeof line, "%s\n", op);
    tu_write_file(pub, line, 0644);
    assert_int_equal(GP_SUBMIT("--server-key", other_pub, "--key", sec), 2);
    has(f, "me.pub is not the public half of");
    /* the right pair, given by its prefix, gets as far as the (absent) broker */
    snprintf(line, sizeof line, "%s\n", kp);
    tu_write_file(pub, line, 0644);
    snprintf(pub, sizeof pub, "%s/me", f->dir);
    assert_int_equal(GP_SUBMIT("--server-key", other_pub, "--key", pub), 2);
    has(f, "no broker answered");
    lacks(f, "is not the public half");
#undef GP_SUBMIT
}

static void test_coordinator_help(void **state)
{
    fx_t *f = *state;
    assert_int_equal(RUN(f, "huddle-coordinator", "--help"), 0);
    static const char *const commands[] = {"waiting", "triage", "create", "build", "add",    "remove",
                                           "move",    "publish", "outcome", "close", "agenda", "history"};
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
        char want[64];
        snprintf(want, sizeof want, "\n  %s ", commands[i]);
        has(f, want);
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
        assert_int_equal(RUN(f, "huddle-coordinator", commands[i], "--help"), 0);
        char want[64];
        snprintf(want, sizeof want, "usage: huddle-coordinator %s", commands[i]);
        has(f, want);
        has(f, "--key FILE");
    }
    assert_int_equal(RUN(f, "huddle-coordinator", "help", "outcome"), 0);
    has(f, "Decisions: care-plan-agreed|refer-on|monitor|no-further-action|escalate-safeguarding|defer.");
    has(f, "--action \"O|T|DATE\"");
    assert_int_equal(RUN(f, "huddle-coordinator", "agenda", "--help"), 0);
    has(f, "--show-nhs");
    has(f, "--format F");
}

static void test_coordinator_usage_errors(void **state)
{
    fx_t *f = *state;
    static const struct {
        const char *argv[12];
        const char *says;
    } cases[] = {
        {{"triage", "R1"}, "triage takes REFERRAL accept|decline|signpost, or --all-submitted accept"},
        {{"triage", "R1", "maybe"}, "the triage decision is accept, decline or signpost, not 'maybe'"},
        {{"triage", "R1", "decline"}, "declining needs --reason"},
        {{"triage", "R1", "signpost"}, "signposting needs --to SERVICE"},
        {{"triage", "R1", "accept", "--to", "x"}, "--to goes with signpost only"},
        {{"triage", "--all-submitted", "decline", "--reason", "x"}, "--all-submitted only accepts"},
        {{"create", "--minutes", "60"}, "huddle-coordinator: create: --start is required"},
        {{"create", "--start", "2030-01-01T10:00:00Z"}, "--minutes is required (15-480)"},
        {{"create", "--start", "tomorrow", "--minutes", "60"}, "--start 'tomorrow' is not a time"},
        {{"create", "--start", "2030-01-01T10:00:00Z", "--minutes", "10"}, "--minutes needs a whole number from 15"},
        {{"create", "--start", "2030-01-01T10:00:00Z", "--minutes", "60", "--attendee", "|Nurse"},
         "--attendee: an attendee needs a name"},
        {{"move", "S1", "R1"}, "move needs --position N"},
        {{"outcome", "S1", "R1"}, "huddle-coordinator: outcome: --decision is required"},
        {{"outcome", "S1", "R1", "--decision", "maybe"}, "--decision is one of care-plan-agreed"},
        {{"outcome", "S1", "R1", "--decision", "care-plan-agreed"}, "care-plan-agreed needs --lead"},
        {{"outcome", "S1", "R1", "--decision", "monitor"}, "monitor needs --review YYYY-MM-DD"},
        {{"outcome", "S1", "R1", "--decision", "defer", "--review", "2030-13-01"}, "--review '2030-13-01' is not a date"},
        {{"outcome", "S1", "R1", "--decision", "defer", "--refer-on-to", "x"}, "--refer-on-to goes with refer-on only"},
        {{"outcome", "S1", "R1", "--decision", "defer", "--action", "Jo"}, "--action: an action is \"owner|text|"},
        {{"outcome", "S1", "R1", "--decision", "defer", "--lead-ods", "x1"}, "--lead-ods 'x1' is not an ODS code"},
        {{"agenda"}, "usage: huddle-coordinator agenda SESSION"},
        {{"agenda", "S1", "--format", "xml"}, "--format is table, markdown or json, not 'xml'"},
        {{"build", "S1", "S2"}, "build: unexpected argument 'S2'"},
        {{"waiting", "--limit", "0"}, "--limit needs a whole number from 1"},
        {{"frobnicate"}, "unknown command 'frobnicate'"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        /* a dead endpoint: a command that tried to connect would say "no broker answered" */
        const char *argv[24] = {"huddle-coordinator"};
        size_t n = 1;
        for (size_t k = 0; k < 12 && cases[i].argv[k]; k++)
            argv[n++] = cases[i].argv[k];
        if (strcmp(cases[i].argv[0], "frobnicate")) {
            argv[n++] = "--endpoint";
            argv[n++] = "tcp://127.0.0.1:1";
            argv[n++] = "--timeout";
            argv[n++] = "1";
        }
        int rc = tu_run(argv, f->out, sizeof f->out);
        if (rc != 2)
            fail_msg("case %zu (%s): exit %d, output:\n%s", i, cases[i].argv[0], rc, f->out);
        has(f, cases[i].says);
        lacks(f, "no broker answered");
    }
    assert_int_equal(RUN(f, "huddle-coordinator"), 2);
    has(f, "usage: huddle-coordinator COMMAND");
}

/* ---- against the broker ------------------------------------------------------------------ */

/* Rows 3, 5 and 8 are bad; 2, 4 and 6 (a quoted reason over two lines) are good. */
static const char referrals_csv[] =
    GP_CSV_HEADER "\r\n"
    P1 ",84,,6,0.31,,2.5,2,yes,no,yes,no,yes,\"Falls, confusion and \"\"wandering\"\"\",\"Dr A Shah, GP\"\r\n"
    "9434765918,84,,6,0.31,,2.5,2,yes,no,yes,no,yes,bad check digit,\r\n"
    P2 ",,1940,3,,14,,1,no,no,no,yes,y,Multimorbidity review,\r\n"
    P3 ",80,1944,2,,,,,maybe,,,,y,two ages,\r\n"
    P3 ",79,,1,,,,,,,,,TRUE,\"Carer strain,\r\nlives alone\",\r\n"
    P3 ",80\r\n";

static void test_gp_submit_end_to_end(void **state)
{
    fx_t *f = *state;
    char path[600], again[600], changed[600], r1[33], r1_again[33];
    file_in(f, "refs.csv", referrals_csv, path, sizeof path);
    assert_int_equal(RUN(f, "huddle-gp", "submit", path, AS(f, GP_A)), 1); /* bad rows: status 1 */
    has(f, "refs.csv:3: nhs_number: NHS number check digit does not match");
    has(f, "refs.csv:5: urgent: 'maybe' is not yes or no");
    has(f, "refs.csv:5: age_years: give age_years or birth_year, not both");
    has(f, "refs.csv:8: row: 2 fields where the header has 15");
    has(f, "refs.csv:4: submitted R");
    has(f, "refs.csv:6: submitted R");
    id_after(f, "refs.csv:2: submitted ", r1);
    has(f, "submitted 3, duplicates 0, already open 0, rejected 0, bad rows 3\n");
    lacks(f, P1);

    /* the same file again stores nothing: the keys come from the environment this time */
    setenv("HUDDLE_SERVER_KEY", f->broker_pub, 1);
    setenv("HUDDLE_SECRET_KEY", agents[GP_A].sec, 1);
    assert_int_equal(RUN(f, "huddle-gp", "submit", path, "--endpoint", f->broker.endpoint, "--quiet"), 1);
    unsetenv("HUDDLE_SERVER_KEY");
    unsetenv("HUDDLE_SECRET_KEY");
    has(f, "submitted 0, duplicates 3, already open 0, rejected 0, bad rows 3\n");
    lacks(f, "already submitted:"); /* --quiet */
    file_in(f, "again.csv", GP_CSV_HEADER "\n" P1 ",84,,6,0.31,,2.5,2,Y,N,Y,N,Y,\"Falls, confusion and "
                            "\"\"wandering\"\"\",\"Dr A Shah, GP\"\n",
            again, sizeof again);
    assert_int_equal(RUN(f, "huddle-gp", "submit", again, AS(f, GP_A)), 0);
    id_after(f, "again.csv:2: already submitted: ", r1_again);
    assert_string_equal(r1_again, r1);
    has(f, "submitted 0, duplicates 1, already open 0, rejected 0, bad rows 0\n");

    /* a changed row is a new referral for a patient who has one open: not an error */
    file_in(f, "changed.csv", "nhs_number,age_years,long_term_conditions,reason,consent_recorded\n" P1
                              ",84,7,Falls and a new diagnosis,yes\n" P4 ",70,1,Review,no\n",
            changed, sizeof changed);
    assert_int_equal(RUN(f, "huddle-gp", "submit", changed, AS(f, GP_A)), 1);
    char open_id[33];
    id_after(f, "changed.csv:2: already open: ", open_id);
    assert_string_equal(open_id, r1);
    /* and a row the broker refuses is named by line with its field and reason */
    has(f, "changed.csv:3: refused: INVALID publish.event.referral_submit.consent_recorded: the patient's consent "
           "must be recorded");
    has(f, "submitted 0, duplicates 0, already open 1, rejected 1, bad rows 0\n");

    /* the agent must be a practice */
    assert_int_equal(RUN(f, "huddle-gp", "submit", again, AS(f, COORD)), 2);
    has(f, "agent coord-north is not a GP practice (its role is INT_COORDINATOR)");
}

/* With the broker answering two entries a page, so the waiting list (three), triage
 * --all-submitted and the history are read in pages. */
static void test_mdt_cycle_end_to_end(void **state)
{
    fx_t *f = *state;
    char path[600], south[600], r1[33], r2[33], r3[33], r4[33], session[33], start[HD_TIME_ISO_LEN], review[HD_DATE_LEN];
    char due[HD_DATE_LEN];
    file_in(f, "refs.csv", referrals_csv, path, sizeof path);
    assert_int_equal(RUN(f, "huddle-gp", "submit", path, AS(f, GP_A)), 1);
    id_after(f, "refs.csv:2: submitted ", r1);
    id_after(f, "refs.csv:4: submitted ", r2);
    id_after(f, "refs.csv:6: submitted ", r3);
    file_in(f, "south.csv", "nhs_number,age_years,reason,consent_recorded\n" P4 ",70,Review,yes\n", south,
            sizeof south);
    assert_int_equal(RUN(f, "huddle-gp", "submit", south, AS(f, GP_B)), 0);
    id_after(f, "south.csv:2: submitted ", r4);

    assert_int_equal(RUN(f, "huddle-coordinator", "waiting", AS(f, COORD)), 0);
    has(f, "Waiting list of nb-north: 3 referrals, highest effective priority first.\n");
    has(f, "#  Referral  Status     Tier");
    has(f, "SUBMITTED");
    lacks(f, "943 476 5919");
    assert_int_equal(RUN(f, "huddle-coordinator", "waiting", "--format", "markdown", "--show-nhs", AS(f, COORD)), 0);
    has(f, "| 943 476 5919 |");
    lacks(f, "555 000 0016"); /* the south's patient is not this neighbourhood's */

    /* the third is in no cohort: accepting it needs a reason, and its refusal is named */
    char want[256];
    assert_int_equal(RUN(f, "huddle-coordinator", "triage", "--all-submitted", "accept", AS(f, COORD)), 1);
    snprintf(want, sizeof want, "%s: refused: INVALID publish.event.referral_triage.reason: required to accept a "
                                "referral that is in no cohort\n", r3);
    has(f, want);
    has(f, "nb-north: accepted 2, refused 1 of 3 submitted\n");
    assert_int_equal(RUN(f, "huddle-coordinator", "triage", "--all-submitted", "accept", "--reason",
                         "Carer under strain", AS(f, COORD)),
                     0);
    snprintf(want, sizeof want, "%s accepted (seq ", r3);
    has(f, want);
    has(f, "nb-north: accepted 1, refused 0 of 1 submitted\n");
    assert_int_equal(RUN(f, "huddle-coordinator", "triage", r1, "accept", AS(f, COORD)), 1);
    has(f, "refused: CONFLICT publish.event.referral_triage.referral_id: ");
    has(f, "(current state REFERRAL_STATUS_ACCEPTED, conflicting ");

    int64_t now = hd_time_now_ms();
    hd_time_format(now + 2 * HD_MS_PER_DAY, start, sizeof start);
    hd_date_format(hd_date_from_ms(now) + 9, due, sizeof due);
    hd_date_format(hd_date_from_ms(now) + 40, review, sizeof review);
    assert_int_equal(RUN(f, "huddle-coordinator", "create", "--start", start, "--minutes", "60", "--title",
                         "North MDT", "--attendee", "Jo Bloggs|District nurse|RYJ", AS(f, COORD)),
                     0);
    snprintf(session, sizeof session, "%.*s", (int)strcspn(f->out, "\n"), f->out);
    assert_true(session[0] != '\0' && !strchr(session, ' ')); /* the id alone on its line */

    assert_int_equal(RUN(f, "huddle-coordinator", "build", session, AS(f, COORD)), 0);
    has(f, "built the agenda of ");
    assert_int_equal(RUN(f, "huddle-coordinator", "move", session, r2, "--position", "1", AS(f, COORD)), 0);
    has(f, " to position 1 (seq ");
    assert_int_equal(RUN(f, "huddle-coordinator", "agenda", session, AS(f, COORD)), 0);
    has(f, "3 items");
    has(f, "#  Start  Min  Tier   Score  Priority  Days  Practice  Cohorts");
    char first[64];
    snprintf(first, sizeof first, "\n1  ");
    has(f, first);
    lacks(f, "943 476 5919");
    assert_int_equal(RUN(f, "huddle-coordinator", "publish", session, AS(f, COORD)), 0);
    has(f, "published the agenda of ");
    char action[128];
    snprintf(action, sizeof action, "Jo Bloggs, DN|falls assessment|%s", due);
    assert_int_equal(RUN(f, "huddle-coordinator", "outcome", session, r1, "--decision", "care-plan-agreed", "--lead",
                         "Sam Lee, community matron", "--action", action, "--review", review, AS(f, COORD)),
                     0);
    has(f, "CARE_PLAN_AGREED (seq ");
    assert_int_equal(RUN(f, "huddle-coordinator", "close", session, AS(f, COORD)), 0);
    has(f, "items without an outcome are deferred");

    assert_int_equal(RUN(f, "huddle-coordinator", "history", r1, AS(f, COORD)), 0);
    has(f, "DISCUSSED, tier");
    has(f, "outcome CARE_PLAN_AGREED; lead Sam Lee, community matron; actions: Jo Bloggs, DN: falls assessment");
    assert_int_equal(RUN(f, "huddle-coordinator", "history", "R999999", AS(f, COORD)), 1);
    has(f, "refused: NOT_FOUND");

    /* the practice hears each step of its own referrals, and only of its own */
    assert_int_equal(RUN(f, "huddle-gp", "listen", "--once", AS(f, GP_A)), 0);
    snprintf(want, sizeof want, "  %s  status SUBMITTED -> ACCEPTED", r1);
    has(f, want);
    snprintf(want, sizeof want, "  %s  outcome CARE_PLAN_AGREED; lead Sam Lee, community matron; actions: Jo "
                                "Bloggs, DN: falls assessment (due %s); review: %s",
             r1, due, review);
    has(f, want);
    snprintf(want, sizeof want, "  %s  status SCHEDULED -> DEFERRED", r2);
    has(f, want);
    has(f, "notification to A81001: ");
    snprintf(want, sizeof want, "  %s  ", r4);
    lacks(f, want); /* P4's referral is B82001's */
    lacks(f, P1);
    /* acknowledged: a second run has nothing more */
    assert_int_equal(RUN(f, "huddle-gp", "listen", "--once", AS(f, GP_A)), 0);
    has(f, "resumed subscription outcomes");
    lacks(f, "status");
    /* JSON, with the NHS numbers asked for, on a subscription of its own */
    assert_int_equal(RUN(f, "huddle-gp", "listen", "--once", "--json", "--show-nhs", "--subscription", "gp-json",
                         AS(f, GP_A)),
                     0);
    has(f, "{\"message_id\":");
    has(f, "\"kind\":\"EVENT_KIND_MDT_OUTCOME_RECORDED\"");
    has(f, "\"nhs_number\":\"" P1 "\"");
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, tu_cli_setup, tu_cli_teardown)
#define T_BROKER(name, setup) cmocka_unit_test_setup_teardown(name, setup, tu_cli_teardown)
    const struct CMUnitTest tests[] = {
        T(test_gp_help),
        T(test_gp_usage_errors),
        T(test_gp_bad_header_refused_before_connecting),
        T(test_no_broker_is_exit_2),
        T(test_key_file_mistakes),
        T(test_coordinator_help),
        T(test_coordinator_usage_errors),
        T_BROKER(test_gp_submit_end_to_end, setup_broker),
        T_BROKER(test_mdt_cycle_end_to_end, setup_broker_small_pages),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
