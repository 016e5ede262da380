/*
 * agent_cli — see agent_cli.h.
 */
#include "agent_cli.h"

#include <assert.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zmq.h>

#include "event_fmt.h"
#include "keyfile.h"

#define PATH_LEN 4096

void agent_cli_conn_defaults(agent_cli_conn_t *o)
{
    memset(o, 0, sizeof *o);
    o->endpoint = HD_CLIENT_ENDPOINT_DEFAULT;
    o->timeout_s = 5;
}

static bool ends_with(const char *s, const char *tail)
{
    size_t n = strlen(s), t = strlen(tail);
    return n >= t && !strcmp(s + n - t, tail);
}

static int fail(const char *program, const char *why)
{
    fprintf(stderr, "%s: %s\n", program, why);
    return AGENT_CLI_USAGE;
}

/* The broker's public key: from --server-key, else $HUDDLE_SERVER_KEY, else none ("").
 * 0 or AGENT_CLI_USAGE. */
static int server_key(const agent_cli_conn_t *o, const char *program, char key[KEYFILE_Z85_LEN + 1])
{
    char why[PATH_LEN + 128];
    key[0] = '\0';
    if (o->server_key) {
        if (ends_with(o->server_key, ".key"))
            return fail(program, "--server-key takes the broker's public key (broker.pub), not a secret .key file");
        if (keyfile_read(o->server_key, key, why, sizeof why))
            return fail(program, why);
        return 0;
    }
    const char *env = getenv("HUDDLE_SERVER_KEY");
    if (env && *env) {
        if (strlen(env) != KEYFILE_Z85_LEN)
            return fail(program, "HUDDLE_SERVER_KEY is not a CURVE key (40 Z85 characters)");
        memcpy(key, env, KEYFILE_Z85_LEN + 1);
    }
    return 0;
}

/* This agent's secret key: from --key (NAME.key or NAME), checked against the NAME.pub
 * beside it when there is one; else $HUDDLE_SECRET_KEY; else none. */
static int secret_key(const agent_cli_conn_t *o, const char *program, char key[KEYFILE_Z85_LEN + 1])
{
    char why[2 * PATH_LEN + 128], path[PATH_LEN], pub_path[PATH_LEN];
    key[0] = '\0';
    if (!o->key) {
        const char *env = getenv("HUDDLE_SECRET_KEY");
        if (env && *env) {
            if (strlen(env) != KEYFILE_Z85_LEN)
                return fail(program, "HUDDLE_SECRET_KEY is not a CURVE key (40 Z85 characters)");
            memcpy(key, env, KEYFILE_Z85_LEN + 1);
        }
        return 0;
    }
    if (ends_with(o->key, ".pub"))
        return fail(program, "--key takes this agent's secret key file (NAME.key); NAME.pub is only its public half");
    struct stat st;
    bool prefix = !ends_with(o->key, ".key") && stat(o->key, &st) != 0;
    if ((size_t)snprintf(path, sizeof path, "%s%s", o->key, prefix ? ".key" : "") >= sizeof path)
        return fail(program, "--key: the path is too long");
    if (keyfile_read(path, key, why, sizeof why))
        return fail(program, why);
    if (stat(path, &st) == 0 && (st.st_mode & 077))
        fprintf(stderr, "%s: warning: %s can be read by other users; chmod 600 it\n", program, path);
    size_t stem = strlen(path) - (ends_with(path, ".key") ? 4 : 0);
    snprintf(pub_path, sizeof pub_path, "%.*s.pub", (int)stem, path);
    char pub[KEYFILE_Z85_LEN + 1], derived[KEYFILE_Z85_LEN + 1];
    if (stat(pub_path, &st) == 0) {
        if (keyfile_read(pub_path, pub, why, sizeof why)) {
            keyfile_wipe(key, KEYFILE_Z85_LEN + 1);
            return fail(program, why);
        }
        if (zmq_curve_public(derived, key) != 0 || strcmp(derived, pub) != 0) {
            keyfile_wipe(key, KEYFILE_Z85_LEN + 1);
            snprintf(why, sizeof why, "%s is not the public half of %s: are they the same agent's?", pub_path, path);
            return fail(program, why);
        }
    }
    return 0;
}

/* Warnings and errors of the client library: reasons and codes, never patient data. */
static void log_to_stderr(void *ctx, hd_client_log_level_t level, const char *line)
{
    if (level >= HD_CLIENT_LOG_WARN)
        fprintf(stderr, "%s: %s\n", (const char *)ctx, line);
}

int agent_cli_connect(const agent_cli_conn_t *o, const char *program, const char *software, hd_client_t **out)
{
    *out = NULL;
    char server[KEYFILE_Z85_LEN + 1], secret[KEYFILE_Z85_LEN + 1];
    int rc = server_key(o, program, server);
    if (rc == 0)
        rc = secret_key(o, program, secret);
    if (rc == 0 && server[0] && !secret[0])
        rc = fail(program, "the broker's key is set but not this agent's: give --key FILE or HUDDLE_SECRET_KEY");
    if (rc == 0 && secret[0] && !server[0])
        rc = fail(program, "this agent's key is set but not the broker's: give --server-key FILE or "
                           "HUDDLE_SERVER_KEY");
    if (rc) {
        keyfile_wipe(secret, sizeof secret);
        return rc;
    }
    hd_client_config_t cfg;
    hd_client_config_defaults(&cfg);
    cfg.endpoint = o->endpoint;
    cfg.agent_id = o->agent;
    cfg.software_name = software;
    cfg.server_key = server[0] ? server : NULL;
    cfg.secret_key = secret[0] ? secret : NULL;
    cfg.request_timeout_ms = (int)o->timeout_s * 1000;
    cfg.log = log_to_stderr;
    cfg.log_ctx = (void *)(uintptr_t)program;
    rc = hd_client_new(out, &cfg);
    keyfile_wipe(secret, sizeof secret);
    if (rc == HD_CLIENT_OK) {
        if (hd_client_welcome(*out)->insecure)
            fprintf(stderr, "%s: warning: the broker runs WITHOUT encryption (--insecure-dev): development only\n",
                    program);
        return 0;
    }
    if (rc == HD_CLIENT_ETIMEOUT)
        fprintf(stderr, "%s: no broker answered at %s (is it running, and are the keys right?)\n", program,
                o->endpoint);
    else if (rc == HD_CLIENT_EINVAL)
        fprintf(stderr, "%s: bad agent id, endpoint or keys\n", program);
    else if (rc == HD_CLIENT_EREJECTED)
        fprintf(stderr, "%s: the broker refused this agent's session\n", program);
    else
        fprintf(stderr, "%s: cannot open a session at %s: %s\n", program, o->endpoint, hd_client_strerror(rc));
    return AGENT_CLI_USAGE;
}

void agent_cli_refusal(const hd_rejection_t *r, char *buf, size_t len)
{
    size_t used = (size_t)snprintf(buf, len, "refused: %s", hd_client_reject_name(r->code));
    if (used < len && r->field[0])
        used += (size_t)snprintf(buf + used, len - used, " %s", r->field);
    if (used < len)
        used += (size_t)snprintf(buf + used, len - used, ": %s", r->reason[0] ? r->reason : "no reason given");
    if (used < len && (r->current_state[0] || r->conflicting_id[0]))
        snprintf(buf + used, len - used, " (%s%s%s%s%s)", r->current_state[0] ? "current state " : "",
                 r->current_state, r->current_state[0] && r->conflicting_id[0] ? ", " : "",
                 r->conflicting_id[0] ? "conflicting " : "", r->conflicting_id);
}

void agent_cli_env_help(FILE *out)
{
    fprintf(out, "\nKeys: --server-key and --key name key files as `huddle init`, `huddle keygen` and `huddle demo`\n"
                 "write them (var/keys/broker.pub, var/keys/NAME.key). Without them, HUDDLE_SERVER_KEY and\n"
                 "HUDDLE_SECRET_KEY hold the Z85 keys themselves, e.g.\n"
                 "HUDDLE_SERVER_KEY=$(cat var/keys/broker.pub). With neither, plain TCP, which only a broker\n"
                 "started with --insecure-dev accepts.\n"
                 "\nExit status: 0 done, 1 the broker refused (or the input had bad rows), 2 bad usage or no\n"
                 "session with the broker.\n");
}

int agent_cli_bad(const char *program, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "%s: ", program);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return AGENT_CLI_USAGE;
}

int agent_cli_message_id(const char *program, const char *id)
{
    if (id && (!*id || strlen(id) > HD_CLIENT_ID_MAX))
        return agent_cli_bad(program, "--message-id is 1-%d characters", HD_CLIENT_ID_MAX);
    return 0;
}

int agent_cli_role(hd_client_t *c, const char *program, Huddle__Role role, const char *what, const char *why)
{
    const hd_welcome_t *w = hd_client_welcome(c);
    if (w->role == role)
        return 0;
    fprintf(stderr, "%s: agent %s is not %s (its role is %s)%s\n", program, w->agent_id, what,
            event_fmt_enum(&huddle__role__descriptor, (int)w->role), why);
    return AGENT_CLI_USAGE;
}

/* ---- signals ------------------------------------------------------------------------ */

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
    (void)sig;
    interrupted++;
}

void agent_cli_catch_signals(void)
{
    struct sigaction sa = {.sa_handler = on_signal}; /* no SA_RESTART */
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

int agent_cli_interrupted(void)
{
    return (int)interrupted;
}

/* ---- the programs' mains ------------------------------------------------------------- */

void agent_cli_usage(const agent_cli_program_t *p, FILE *out)
{
    fprintf(out, "usage: %s COMMAND %s[OPTIONS]\n\n%s\n\nCommands:\n", p->name,
            p->flags & AGENT_CLI_WORDS_LAST ? "" : "[ARGS] ", p->about);
    for (size_t i = 0; i < p->n_commands; i++)
        fprintf(out, "  %-*s %-*s %s\n", p->name_width, p->commands[i].name, p->args_width, p->commands[i].args,
                p->commands[i].summary);
    fprintf(out, "  %-*s %-*s %s\n", p->name_width, "help", p->args_width, "COMMAND", "show a command's options");
    fprintf(out, "\n`%s COMMAND --help` shows a command's options%s.\n", p->name, p->see_also);
}

void agent_cli_command_usage(const agent_cli_program_t *p, const agent_cli_command_t *cmd, FILE *out)
{
    const char *space = cmd->args[0] ? " " : "";
    if (p->flags & AGENT_CLI_WORDS_LAST)
        fprintf(out, "usage: %s %s [OPTIONS]%s%s\n", p->name, cmd->name, space, cmd->args);
    else
        fprintf(out, "usage: %s %s%s%s [OPTIONS]\n", p->name, cmd->name, space, cmd->args);
    fprintf(out, "\n%s\n\nOptions:\n", cmd->what);
    options_usage(out, cmd->rows, cmd->n_rows, p->option_width);
    if (cmd->more_help)
        cmd->more_help(out);
    agent_cli_env_help(out);
}

/* The words missing from a command line: what the command needs. */
static void words_missing(const agent_cli_program_t *p, const agent_cli_command_t *cmd)
{
    if (p->flags & AGENT_CLI_WORDS_LAST)
        fprintf(stderr, "%s: %s needs %s\n`%s %s --help` for the options\n", p->name, cmd->name, cmd->args, p->name,
                cmd->name);
    else
        fprintf(stderr, "%s: usage: %s %s %s [OPTIONS]\n", p->name, p->name, cmd->name, cmd->args);
}

/* Opens the program's session for a command: 0 with *c, 0 with *c NULL when stopped
 * while connecting (AGENT_CLI_SIGNALS), or an exit status. */
static int open_session(const agent_cli_program_t *p, const agent_cli_conn_t *conn, hd_client_t **c)
{
    if (p->flags & AGENT_CLI_SIGNALS)
        agent_cli_catch_signals();
    int rc = agent_cli_connect(conn, p->name, p->name, c);
    if (rc)
        return p->flags & AGENT_CLI_SIGNALS && interrupted ? AGENT_CLI_OK : rc;
    if (p->role && (rc = agent_cli_role(*c, p->name, p->role, p->role_name, "")) != 0)
        hd_client_destroy(c);
    return rc;
}

/* One command: its options and words read into opts and words, checked, then run. */
static int run(const agent_cli_program_t *p, const agent_cli_command_t *cmd, char **argv, void *opts,
               const bool *help, const agent_cli_conn_t *conn)
{
    char *words[AGENT_CLI_MAX_WORDS];
    size_t n_words = 0;
    assert(cmd->min_words <= cmd->max_words && cmd->max_words <= AGENT_CLI_MAX_WORDS);
    if (options_parse(cmd->rows, cmd->n_rows, argv, opts, cmd->name, words, cmd->max_words, &n_words)) {
        if (p->flags & AGENT_CLI_WORDS_REMIND && !*help && n_words < cmd->min_words)
            fprintf(stderr, "%s: %s needs %s\n", p->name, cmd->name, cmd->args);
        fprintf(stderr, "`%s %s --help` for the options\n", p->name, cmd->name);
        return AGENT_CLI_USAGE;
    }
    if (*help) {
        agent_cli_command_usage(p, cmd, stdout);
        return AGENT_CLI_OK;
    }
    if (n_words < cmd->min_words) {
        words_missing(p, cmd);
        return AGENT_CLI_USAGE;
    }
    int rc = p->check ? p->check(cmd, opts) : 0;
    if (rc == 0 && cmd->check)
        rc = cmd->check(cmd, opts, words, n_words);
    hd_client_t *c = NULL;
    if (rc == 0 && p->flags & AGENT_CLI_SESSION) {
        rc = open_session(p, conn, &c);
        if (rc == 0 && !c)
            return AGENT_CLI_OK;
    }
    if (rc == 0)
        rc = cmd->run(cmd, c, opts, words, n_words);
    hd_client_destroy(&c);
    return rc;
}

int agent_cli_main(const agent_cli_program_t *p, int argc, char **argv, void *opts, const bool *help,
                   agent_cli_conn_t *conn)
{
    options_set_program(p->name);
    agent_cli_conn_defaults(conn);
    if (argc < 2) {
        agent_cli_usage(p, stderr);
        return AGENT_CLI_USAGE;
    }
    const char *name = argv[1];
    bool asked = !strcmp(name, "help") || !strcmp(name, "--help") || !strcmp(name, "-h");
    if (asked && argc > 2)
        name = argv[2];
    for (size_t i = 0; i < p->n_commands; i++) {
        if (strcmp(name, p->commands[i].name))
            continue;
        if (asked) {
            agent_cli_command_usage(p, &p->commands[i], stdout);
            return AGENT_CLI_OK;
        }
        return run(p, &p->commands[i], argv + 2, opts, help, conn);
    }
    if (asked && argc == 2) {
        agent_cli_usage(p, stdout);
        return AGENT_CLI_OK;
    }
    if (!strcmp(name, "--version") || !strcmp(name, "version")) {
        printf("%s %s\n", p->name, HD_CLIENT_VERSION);
        return AGENT_CLI_OK;
    }
    fprintf(stderr, "%s: unknown command '%s'\n", p->name, name);
    agent_cli_usage(p, stderr);
    return AGENT_CLI_USAGE;
}
