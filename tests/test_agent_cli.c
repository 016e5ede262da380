/*
 * test_agent_cli — what the agent programs share, in-process: a program of two made-up
 * commands run through agent_cli_main (help, version, an unknown command, words
 * missing in either style, the checks in order, a session of the right role or none,
 * a command stopped while it connects), the usage printers, the connection defaults,
 * connecting (to the fake broker of fake_broker.h, to nothing, with a key file named
 * wrongly), the refusal sentence, the role and --message-id checks, and the signals.
 */
#include "fake_broker.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include "agent_cli.h"
#include "testutil.h"

#define CAP_LEN 16384

/* ---- stdout and stderr of a call ------------------------------------------------------ */

typedef struct {
    int saved_out, saved_err;
    FILE *out_f, *err_f;
    char out[CAP_LEN], err[CAP_LEN];
} capture_t;

static void capture_begin(capture_t *cap)
{
    fflush(stdout);
    fflush(stderr);
    cap->out_f = tmpfile();
    cap->err_f = tmpfile();
    assert_non_null(cap->out_f);
    assert_non_null(cap->err_f);
    cap->saved_out = dup(STDOUT_FILENO);
    cap->saved_err = dup(STDERR_FILENO);
    dup2(fileno(cap->out_f), STDOUT_FILENO);
    dup2(fileno(cap->err_f), STDERR_FILENO);
}

static void slurp(FILE *f, char *buf)
{
    rewind(f);
    size_t n = fread(buf, 1, CAP_LEN - 1, f);
    buf[n] = '\0';
    fclose(f);
}

static void capture_end(capture_t *cap)
{
    fflush(stdout);
    fflush(stderr);
    dup2(cap->saved_out, STDOUT_FILENO);
    dup2(cap->saved_err, STDERR_FILENO);
    close(cap->saved_out);
    close(cap->saved_err);
    slurp(cap->out_f, cap->out);
    slurp(cap->err_f, cap->err);
}

static void contains(const char *text, const char *part)
{
    if (!strstr(text, part))
        fail_msg("expected \"%s\" in:\n%s", part, text);
}

/* ---- a program of two commands ------------------------------------------------------- */

typedef struct {
    agent_cli_conn_t conn;
    const char *colour;
    bool help;
} t_opts_t;

static const options_row_t t_rows[] = {
    AGENT_CLI_CONN_ROWS(t_opts_t, conn),
    {.flag = "--colour", .arg = "C", .type = OPTIONS_TEXT, .offset = offsetof(t_opts_t, colour), .help = "a colour"},
    {.flag = "--help", .arg = "", .type = OPTIONS_FLAG, .offset = offsetof(t_opts_t, help), .help = "show this help"},
};

/* What the program's hooks saw, in order. */
static struct {
    char trail[256];
    const char *words[AGENT_CLI_MAX_WORDS];
    size_t n_words;
    bool had_session;
} hooks;

static int check_all_rc, check_rc; /* what the checks answer */

static void trail(const char *step)
{
    size_t n = strlen(hooks.trail);
    snprintf(hooks.trail + n, sizeof hooks.trail - n, "%s%s", n ? " " : "", step);
}

static int t_check_all(const agent_cli_command_t *cmd, void *opts)
{
    (void)cmd, (void)opts;
    trail("check-all");
    return check_all_rc;
}

static int t_check(const agent_cli_command_t *cmd, void *opts, char **words, size_t n_words)
{
    (void)cmd, (void)opts, (void)words, (void)n_words;
    trail("check");
    return check_rc;
}

static int t_run(const agent_cli_command_t *cmd, hd_client_t *c, void *opts, char **words, size_t n_words)
{
    const t_opts_t *o = opts;
    trail(cmd->name);
    if (o->colour)
        trail(o->colour);
    for (size_t i = 0; i < n_words; i++)
        hooks.words[i] = words[i];
    hooks.n_words = n_words;
    hooks.had_session = c != NULL;
    return 7;
}

static void t_more(FILE *out)
{
    fprintf(out, "\nMore: about paint.\n");
}

static const agent_cli_command_t t_commands[] = {
    {.name = "paint", .args = "WALL [COAT]", .min_words = 1, .max_words = 2, .what = "Paints a wall.",
     .rows = t_rows, .n_rows = sizeof t_rows / sizeof t_rows[0], .check = t_check, .run = t_run,
     .summary = "paint a wall", .more_help = t_more},
    {.name = "rest", .args = "", .what = "Rests.", .rows = t_rows, .n_rows = sizeof t_rows / sizeof t_rows[0],
     .run = t_run, .summary = "do nothing"},
};

static agent_cli_program_t program(unsigned flags)
{
    return (agent_cli_program_t){.name = "huddle-test", .about = "A test agent.", .see_also = "; see also paint",
                                 .flags = flags, .name_width = 6, .args_width = 12, .option_width = 20,
                                 .commands = t_commands, .n_commands = 2, .check = t_check_all};
}

typedef struct {
    agent_cli_program_t p;
    t_opts_t o;
    capture_t cap;
    fake_t *fake; /* the broker, for the tests of sessions */
} fx_t;

static int setup(void **state)
{
    fx_t *f = calloc(1, sizeof *f);
    assert_non_null(f);
    f->p = program(0);
    *state = f;
    return 0;
}

static int setup_fake(void **state)
{
    setup(state);
    fx_t *f = *state;
    f->fake = fake_new();
    fake_start(f->fake);
    unsetenv("HUDDLE_SERVER_KEY");
    unsetenv("HUDDLE_SECRET_KEY");
    return 0;
}

static int teardown(void **state)
{
    fx_t *f = *state;
    if (f->fake)
        fake_destroy(&f->fake);
    free(f);
    return 0;
}

/* Runs f's program with argv "huddle-test" then args: its exit status, its output in f->cap. */
static int run_main(fx_t *f, const char *const *args)
{
    char *argv[16] = {(char *)"huddle-test"};
    int argc = 1;
    while (args[argc - 1])
        argv[argc] = (char *)args[argc - 1], argc++;
    memset(&f->o, 0, sizeof f->o);
    memset(&hooks, 0, sizeof hooks);
    capture_begin(&f->cap);
    int rc = agent_cli_main(&f->p, argc, argv, &f->o, &f->o.help, &f->o.conn);
    capture_end(&f->cap);
    return rc;
}

#define MAIN(f, ...) run_main((f), (const char *const[]){__VA_ARGS__, NULL})

/* The software the fake broker was last greeted by. */
static void hello_software(fx_t *f, char software[65])
{
    FAKE_SET(f->fake, snprintf(software, 65, "%s", f->fake->hello_software));
}

static const char USAGE_WORDS_FIRST[] = "usage: huddle-test COMMAND [ARGS] [OPTIONS]\n\nA test agent.\n\nCommands:\n"
                                        "  paint  WALL [COAT]  paint a wall\n"
                                        "  rest                do nothing\n"
                                        "  help   COMMAND      show a command's options\n"
                                        "\n`huddle-test COMMAND --help` shows a command's options; see also paint.\n";

/* ---- the usage printers --------------------------------------------------------------- */

static void test_usage_lists_the_commands_in_columns(void **state)
{
    fx_t *f = *state;
    capture_begin(&f->cap);
    agent_cli_usage(&f->p, stdout);
    f->p.flags = AGENT_CLI_WORDS_LAST;
    f->p.see_also = "";
    agent_cli_usage(&f->p, stderr);
    capture_end(&f->cap);
    assert_string_equal(f->cap.out, USAGE_WORDS_FIRST);
    contains(f->cap.err, "usage: huddle-test COMMAND [OPTIONS]\n");
    contains(f->cap.err, "\n`huddle-test COMMAND --help` shows a command's options.\n");
}

static void test_command_usage_in_either_style(void **state)
{
    fx_t *f = *state;
    capture_begin(&f->cap);
    agent_cli_command_usage(&f->p, &t_commands[0], stdout);
    f->p.flags = AGENT_CLI_WORDS_LAST;
    agent_cli_command_usage(&f->p, &t_commands[0], stderr);
    agent_cli_command_usage(&f->p, &t_commands[1], stderr);
    capture_end(&f->cap);
    contains(f->cap.out, "usage: huddle-test paint WALL [COAT] [OPTIONS]\n\nPaints a wall.\n\nOptions:\n");
    contains(f->cap.out, "\n  --colour C           a colour\n");
    contains(f->cap.out, "  --help               show this help\n\nMore: about paint.\n\nKeys: ");
    contains(f->cap.out, "Exit status: 0 done");
    contains(f->cap.err, "usage: huddle-test paint [OPTIONS] WALL [COAT]\n");
    contains(f->cap.err, "usage: huddle-test rest [OPTIONS]\n\nRests.\n");
    assert_null(strstr(strstr(f->cap.err, "Rests."), "More: about paint."));
}

static void test_env_help_names_the_keys_and_the_exit_statuses(void **state)
{
    fx_t *f = *state;
    capture_begin(&f->cap);
    agent_cli_env_help(stdout);
    capture_end(&f->cap);
    contains(f->cap.out, "HUDDLE_SERVER_KEY and\nHUDDLE_SECRET_KEY hold the Z85 keys");
    contains(f->cap.out, "Exit status: 0 done, 1 the broker refused");
}

/* ---- agent_cli_main ----------------------------------------------------------------- */

static void test_main_help_and_version(void **state)
{
    fx_t *f = *state;
    const char *asks[] = {"help", "--help", "-h"};
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(MAIN(f, asks[i]), AGENT_CLI_OK);
        assert_string_equal(f->cap.out, USAGE_WORDS_FIRST);
        assert_string_equal(f->cap.err, "");
        assert_int_equal(MAIN(f, asks[i], "paint"), AGENT_CLI_OK);
        contains(f->cap.out, "usage: huddle-test paint WALL [COAT] [OPTIONS]\n");
        assert_string_equal(hooks.trail, ""); /* nothing ran */
    }
    assert_int_equal(MAIN(f, "paint", "--help"), AGENT_CLI_OK);
    contains(f->cap.out, "\nMore: about paint.\n");
    assert_string_equal(hooks.trail, "");
    assert_int_equal(MAIN(f, "version"), AGENT_CLI_OK);
    assert_string_equal(f->cap.out, "huddle-test " HD_CLIENT_VERSION "\n");
    assert_int_equal(MAIN(f, "--version"), AGENT_CLI_OK);
    assert_string_equal(f->cap.out, "huddle-test " HD_CLIENT_VERSION "\n");
}

static void test_main_no_or_an_unknown_command_is_usage(void **state)
{
    fx_t *f = *state;
    assert_int_equal(run_main(f, (const char *const[]){NULL}), AGENT_CLI_USAGE);
    assert_string_equal(f->cap.out, "");
    assert_string_equal(f->cap.err, USAGE_WORDS_FIRST);
    assert_int_equal(MAIN(f, "sleep"), AGENT_CLI_USAGE);
    assert_string_equal(f->cap.out, "");
    char want[sizeof USAGE_WORDS_FIRST + 64];
    snprintf(want, sizeof want, "huddle-test: unknown command 'sleep'\n%s", USAGE_WORDS_FIRST);
    assert_string_equal(f->cap.err, want);
    const char *unknown[][2] = {{"help", "sleep"}, {"help", "help"}, {"--help", "nap"}};
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(MAIN(f, unknown[i][0], unknown[i][1]), AGENT_CLI_USAGE);
        snprintf(want, sizeof want, "huddle-test: unknown command '%s'\n", unknown[i][1]);
        contains(f->cap.err, want);
    }
}

static void test_main_runs_a_command_with_its_options_and_words(void **state)
{
    fx_t *f = *state;
    assert_int_equal(MAIN(f, "paint", "north", "--colour", "blue", "second"), 7);
    assert_string_equal(hooks.trail, "check-all check paint blue");
    assert_int_equal(hooks.n_words, 2);
    assert_string_equal(hooks.words[0], "north");
    assert_string_equal(hooks.words[1], "second");
    assert_false(hooks.had_session); /* no AGENT_CLI_SESSION: the command opens its own */
    assert_string_equal(f->o.conn.endpoint, HD_CLIENT_ENDPOINT_DEFAULT);
    assert_int_equal(f->o.conn.timeout_s, 5);
    assert_int_equal(MAIN(f, "rest"), 7);
    assert_string_equal(hooks.trail, "check-all rest"); /* no check of its own */
    assert_int_equal(hooks.n_words, 0);
}

static void test_main_stops_at_the_first_check_that_fails(void **state)
{
    fx_t *f = *state;
    check_all_rc = AGENT_CLI_USAGE;
    int all = MAIN(f, "paint", "north");
    check_all_rc = 0;
    assert_int_equal(all, AGENT_CLI_USAGE);
    assert_string_equal(hooks.trail, "check-all");
    check_rc = AGENT_CLI_REFUSED;
    int own = MAIN(f, "paint", "north");
    check_rc = 0;
    assert_int_equal(own, AGENT_CLI_REFUSED);
    assert_string_equal(hooks.trail, "check-all check");
}

static void test_main_words_missing_in_either_style(void **state)
{
    fx_t *f = *state;
    assert_int_equal(MAIN(f, "paint"), AGENT_CLI_USAGE);
    assert_string_equal(f->cap.err, "huddle-test: usage: huddle-test paint WALL [COAT] [OPTIONS]\n");
    assert_string_equal(hooks.trail, "");
    f->p.flags = AGENT_CLI_WORDS_LAST;
    assert_int_equal(MAIN(f, "paint", "--colour", "red"), AGENT_CLI_USAGE);
    assert_string_equal(f->cap.err, "huddle-test: paint needs WALL [COAT]\n`huddle-test paint --help` for the options\n");
    assert_int_equal(MAIN(f, "rest", "extra"), AGENT_CLI_USAGE);
    assert_string_equal(f->cap.err, "huddle-test: rest: unexpected argument 'extra'\n"
                                    "`huddle-test rest --help` for the options\n");
}

static void test_main_a_bad_command_line_reminds_of_the_words_when_asked(void **state)
{
    fx_t *f = *state;
    static const char unknown[] = "huddle-test: paint: unknown option --shine\n";
    static const char hint[] = "`huddle-test paint --help` for the options\n";
    char want[256];
    f->p.flags = AGENT_CLI_WORDS_LAST;
    assert_int_equal(MAIN(f, "paint", "--shine"), AGENT_CLI_USAGE);
    snprintf(want, sizeof want, "%s%s", unknown, hint);
    assert_string_equal(f->cap.err, want);
    f->p.flags |= AGENT_CLI_WORDS_REMIND;
    assert_int_equal(MAIN(f, "paint", "--help", "--shine"), AGENT_CLI_USAGE); /* --help: no reminder */
    assert_string_equal(f->cap.err, want);
    assert_int_equal(MAIN(f, "paint", "--shine"), AGENT_CLI_USAGE);
    snprintf(want, sizeof want, "%shuddle-test: paint needs WALL [COAT]\n%s", unknown, hint);
    assert_string_equal(f->cap.err, want);
    assert_string_equal(hooks.trail, "");
}

/* ---- sessions ------------------------------------------------------------------------ */

static const char *timeout(void)
{
    return tu_under_valgrind() ? "10" : "3";
}

static void test_main_opens_a_session_of_the_right_role(void **state)
{
    fx_t *f = *state;
    const char *at = f->fake->endpoint;
    char software[65];
    f->p.flags = AGENT_CLI_SESSION;
    assert_int_equal(MAIN(f, "rest", "--endpoint", at, "--agent", "mdt-1", "--timeout", timeout()), 7);
    assert_true(hooks.had_session);
    assert_string_equal(hooks.trail, "check-all rest");
    contains(f->cap.err, "huddle-test: warning: the broker runs WITHOUT encryption");
    hello_software(f, software);
    assert_string_equal(software, "huddle-test"); /* the program's name */

    f->p.role = HUDDLE__ROLE__ROLE_MDT_MEMBER; /* the fake's */
    f->p.role_name = "an MDT member";
    assert_int_equal(MAIN(f, "rest", "--endpoint", at, "--timeout", timeout()), 7);
    assert_true(hooks.had_session);

    f->p.role = HUDDLE__ROLE__ROLE_CARE_PROVIDER;
    f->p.role_name = "a care provider";
    assert_int_equal(MAIN(f, "rest", "--endpoint", at, "--agent", "mdt-1", "--timeout", timeout()), AGENT_CLI_USAGE);
    contains(f->cap.err, "huddle-test: agent mdt-1 is not a care provider (its role is MDT_MEMBER)\n");
    assert_string_equal(hooks.trail, "check-all"); /* checked, never run */
}

static void test_main_no_session_no_run(void **state)
{
    fx_t *f = *state;
    f->p.flags = AGENT_CLI_SESSION;
    assert_int_equal(MAIN(f, "rest", "--endpoint", "tcp://127.0.0.1:1", "--timeout", "1"), AGENT_CLI_USAGE);
    contains(f->cap.err, "huddle-test: no broker answered at tcp://127.0.0.1:1");
    assert_string_equal(hooks.trail, "check-all");
}

/* SIGINT once the handler is in place (never before: that would end the test), while
 * the program waits for a broker. */
static void *interrupt_soon(void *arg)
{
    (void)arg;
    struct sigaction sa;
    for (int i = 0; i < 500; i++) {
        if (sigaction(SIGINT, NULL, &sa) == 0 && sa.sa_handler != SIG_DFL) {
            tu_sleep_ms(100);
            kill(getpid(), SIGINT);
            break;
        }
        tu_sleep_ms(10);
    }
    return NULL;
}

static void test_main_stopped_while_connecting_exits_0(void **state)
{
    fx_t *f = *state;
    f->p.flags = AGENT_CLI_SESSION | AGENT_CLI_SIGNALS;
    pthread_t t;
    int before = agent_cli_interrupted();
    assert_int_equal(pthread_create(&t, NULL, interrupt_soon, NULL), 0);
    int rc = MAIN(f, "rest", "--endpoint", "tcp://127.0.0.1:1", "--timeout", "2");
    pthread_join(t, NULL);
    assert_true(agent_cli_interrupted() > before); /* caught, not the default: the process lives */
    assert_int_equal(rc, AGENT_CLI_OK);
    assert_string_equal(hooks.trail, "check-all");
}

/* ---- the pieces ------------------------------------------------------------------------- */

static void test_conn_defaults(void **state)
{
    (void)state;
    agent_cli_conn_t c;
    memset(&c, 0xff, sizeof c);
    agent_cli_conn_defaults(&c);
    assert_string_equal(c.endpoint, HD_CLIENT_ENDPOINT_DEFAULT);
    assert_int_equal(c.timeout_s, 5);
    assert_null(c.server_key);
    assert_null(c.key);
    assert_null(c.agent);
}

static void test_connect_to_the_fake_and_to_nothing(void **state)
{
    fx_t *f = *state;
    agent_cli_conn_t o;
    agent_cli_conn_defaults(&o);
    o.endpoint = f->fake->endpoint;
    o.agent = "mdt-2";
    o.timeout_s = tu_under_valgrind() ? 10 : 3;
    hd_client_t *c = NULL;
    capture_begin(&f->cap);
    int rc = agent_cli_connect(&o, "huddle-test", "test-software", &c);
    capture_end(&f->cap);
    assert_int_equal(rc, 0);
    assert_non_null(c);
    assert_string_equal(hd_client_welcome(c)->agent_id, "mdt-2");
    char software[65];
    hello_software(f, software);
    assert_string_equal(software, "test-software");
    contains(f->cap.err, "huddle-test: warning: the broker runs WITHOUT encryption (--insecure-dev)");

    capture_begin(&f->cap);
    int same = agent_cli_role(c, "huddle-test", HUDDLE__ROLE__ROLE_MDT_MEMBER, "an MDT member", "");
    int other = agent_cli_role(c, "huddle-test", HUDDLE__ROLE__ROLE_GP_PRACTICE, "a GP practice", ": only a practice refers");
    capture_end(&f->cap);
    assert_int_equal(same, 0);
    assert_int_equal(other, AGENT_CLI_USAGE);
    assert_string_equal(f->cap.err, "huddle-test: agent mdt-2 is not a GP practice (its role is MDT_MEMBER): only a "
                                    "practice refers\n");
    hd_client_destroy(&c);

    o.endpoint = "tcp://127.0.0.1:1";
    o.timeout_s = 1;
    capture_begin(&f->cap);
    rc = agent_cli_connect(&o, "huddle-test", "test-software", &c);
    capture_end(&f->cap);
    assert_int_equal(rc, AGENT_CLI_USAGE);
    assert_null(c);
    contains(f->cap.err, "huddle-test: no broker answered at tcp://127.0.0.1:1");
}

static void test_connect_refuses_keys_named_wrongly(void **state)
{
    fx_t *f = *state;
    agent_cli_conn_t o;
    agent_cli_conn_defaults(&o);
    hd_client_t *c = NULL;
    capture_begin(&f->cap);
    o.server_key = "var/keys/broker.key";
    int secret_as_public = agent_cli_connect(&o, "huddle-test", "t", &c);
    o.server_key = NULL;
    o.key = "var/keys/gp.pub";
    int public_as_secret = agent_cli_connect(&o, "huddle-test", "t", &c);
    o.key = NULL;
    setenv("HUDDLE_SERVER_KEY", "short", 1);
    int not_a_key = agent_cli_connect(&o, "huddle-test", "t", &c);
    unsetenv("HUDDLE_SERVER_KEY");
    capture_end(&f->cap);
    assert_int_equal(secret_as_public, AGENT_CLI_USAGE);
    assert_int_equal(public_as_secret, AGENT_CLI_USAGE);
    assert_int_equal(not_a_key, AGENT_CLI_USAGE);
    assert_null(c);
    contains(f->cap.err, "huddle-test: --server-key takes the broker's public key (broker.pub), not a secret .key file\n");
    contains(f->cap.err, "huddle-test: --key takes this agent's secret key file (NAME.key)");
    contains(f->cap.err, "huddle-test: HUDDLE_SERVER_KEY is not a CURVE key (40 Z85 characters)\n");
}

static void test_refusal_leaves_out_what_the_broker_left_empty(void **state)
{
    (void)state;
    hd_rejection_t r;
    memset(&r, 0, sizeof r);
    r.code = HUDDLE__REJECT_CODE__REJECT_CODE_CONFLICT;
    char buf[256];
    agent_cli_refusal(&r, buf, sizeof buf);
    assert_string_equal(buf, "refused: CONFLICT: no reason given");
    snprintf(r.field, sizeof r.field, "referral_id");
    snprintf(r.reason, sizeof r.reason, "already open");
    snprintf(r.current_state, sizeof r.current_state, "ACCEPTED");
    agent_cli_refusal(&r, buf, sizeof buf);
    assert_string_equal(buf, "refused: CONFLICT referral_id: already open (current state ACCEPTED)");
    snprintf(r.conflicting_id, sizeof r.conflicting_id, "R12");
    agent_cli_refusal(&r, buf, sizeof buf);
    assert_string_equal(buf, "refused: CONFLICT referral_id: already open (current state ACCEPTED, conflicting R12)");
    r.current_state[0] = '\0';
    agent_cli_refusal(&r, buf, 24); /* cut, still a string */
    assert_string_equal(buf, "refused: CONFLICT refer");
}

static void test_bad_and_message_id(void **state)
{
    fx_t *f = *state;
    char long_id[HD_CLIENT_ID_MAX + 2];
    memset(long_id, 'm', sizeof long_id - 1);
    long_id[sizeof long_id - 1] = '\0';
    capture_begin(&f->cap);
    int bad = agent_cli_bad("huddle-test", "--colour '%s' is not a colour (%d)", "mauve", 3);
    int none = agent_cli_message_id("huddle-test", NULL);
    int fits = agent_cli_message_id("huddle-test", long_id + 1);
    int empty = agent_cli_message_id("huddle-test", "");
    int too_long = agent_cli_message_id("huddle-test", long_id);
    capture_end(&f->cap);
    assert_int_equal(bad, AGENT_CLI_USAGE);
    assert_int_equal(none, 0);
    assert_int_equal(fits, 0);
    assert_int_equal(empty, AGENT_CLI_USAGE);
    assert_int_equal(too_long, AGENT_CLI_USAGE);
    char want[256];
    snprintf(want, sizeof want,
             "huddle-test: --colour 'mauve' is not a colour (3)\n"
             "huddle-test: --message-id is 1-%d characters\nhuddle-test: --message-id is 1-%d characters\n",
             HD_CLIENT_ID_MAX, HD_CLIENT_ID_MAX);
    assert_string_equal(f->cap.err, want);
    assert_string_equal(f->cap.out, "");
}

static void test_signals_are_counted_and_end_a_wait(void **state)
{
    (void)state;
    agent_cli_catch_signals();
    struct sigaction sa;
    assert_int_equal(sigaction(SIGTERM, NULL, &sa), 0);
    assert_true(sa.sa_handler != SIG_DFL && sa.sa_handler != SIG_IGN);
    assert_false(sa.sa_flags & SA_RESTART);
    int before = agent_cli_interrupted();
    raise(SIGINT);
    assert_int_equal(agent_cli_interrupted(), before + 1);
    raise(SIGTERM);
    assert_int_equal(agent_cli_interrupted(), before + 2);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
#define T_FAKE(name) cmocka_unit_test_setup_teardown(name, setup_fake, teardown)
    const struct CMUnitTest tests[] = {
        T(test_usage_lists_the_commands_in_columns),
        T(test_command_usage_in_either_style),
        T(test_env_help_names_the_keys_and_the_exit_statuses),
        T(test_main_help_and_version),
        T(test_main_no_or_an_unknown_command_is_usage),
        T(test_main_runs_a_command_with_its_options_and_words),
        T(test_main_stops_at_the_first_check_that_fails),
        T(test_main_words_missing_in_either_style),
        T(test_main_a_bad_command_line_reminds_of_the_words_when_asked),
        T_FAKE(test_main_opens_a_session_of_the_right_role),
        T(test_main_no_session_no_run),
        T(test_main_stopped_while_connecting_exits_0),
        T(test_conn_defaults),
        T_FAKE(test_connect_to_the_fake_and_to_nothing),
        T(test_connect_refuses_keys_named_wrongly),
        T(test_refusal_leaves_out_what_the_broker_left_empty),
        T(test_bad_and_message_id),
        T(test_signals_are_counted_and_end_a_wait),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
