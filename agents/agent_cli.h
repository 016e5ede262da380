/*
 * agent_cli — what the agent programs (huddle-gp, huddle-coordinator, huddle-discharge,
 * huddle-assessor, huddle-provider) share on the command line: the connection options
 * and their option-table rows, reading the keys they name, opening a session, the one
 * way a refusal is printed, and the exit codes; and each program's main: its command
 * table, read by one dispatcher (help, version, an unknown command) and one way of
 * running a command (its options, its words, its checks, its session), the usage
 * printers, SIGINT and SIGTERM, and the sentences about a bad command line.
 *
 * Keys: --server-key FILE (the broker's public key, a .pub file) and --key FILE (this
 * agent's secret key, a .key file, or the PREFIX both files share; a .pub beside it
 * must match). Without the options, HUDDLE_SERVER_KEY and HUDDLE_SECRET_KEY hold the
 * Z85 keys themselves, as for `huddle publish`. Neither: plain TCP, which only a broker
 * started with --insecure-dev accepts.
 *
 * Never prints a key; every sentence goes to stderr, "<program>: " first (only what
 * the user asked for, a usage or the version, goes to stdout). Never decides what a
 * command does: that is its run function's.
 */
#ifndef HUDDLE_AGENT_CLI_H
#define HUDDLE_AGENT_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "hd_client.h"
#include "options.h"

/* Exit statuses of every agent command. */
#define AGENT_CLI_OK 0      /* done */
#define AGENT_CLI_REFUSED 1 /* the broker refused something, or the input had bad rows */
#define AGENT_CLI_USAGE 2   /* bad command line, unreadable file, or no session */

typedef struct {
    const char *endpoint;   /* --endpoint (HD_CLIENT_ENDPOINT_DEFAULT) */
    const char *server_key; /* --server-key FILE */
    const char *key;        /* --key FILE */
    const char *agent;      /* --agent ID: the id to claim; NULL = the key names the agent */
    long timeout_s;         /* --timeout S: wait for each answer (5) */
} agent_cli_conn_t;

/* The connection's rows for an options table whose struct T holds an agent_cli_conn_t
 * named m. */
#define AGENT_CLI_CONN_ROWS(T, m)                                                                         \
    {.flag = "--endpoint", .arg = "E", .type = OPTIONS_TEXT, .offset = offsetof(T, m.endpoint),          \
     .help = "broker address (default " HD_CLIENT_ENDPOINT_DEFAULT ")"},                                           \
    {.flag = "--server-key", .arg = "FILE", .type = OPTIONS_TEXT, .offset = offsetof(T, m.server_key),   \
     .help = "the broker's public key file, e.g. var/keys/broker.pub (or $HUDDLE_SERVER_KEY)"},                   \
    {.flag = "--key", .arg = "FILE", .type = OPTIONS_TEXT, .offset = offsetof(T, m.key),                  \
     .help = "this agent's secret key file, NAME.key, its NAME.pub beside it (or $HUDDLE_SECRET_KEY)"},           \
    {.flag = "--agent", .arg = "ID", .type = OPTIONS_TEXT, .offset = offsetof(T, m.agent),                \
     .help = "agent id to claim (default: the key names the agent)"},                                              \
    {.flag = "--timeout", .arg = "S", .type = OPTIONS_NUMBER, .offset = offsetof(T, m.timeout_s),         \
     .min = 1, .max = 3600, .help = "seconds to wait for each answer (default 5)"}

/* The defaults above. */
void agent_cli_conn_defaults(agent_cli_conn_t *o);

/* Reads the keys and opens a session as `software` (Hello.software_name): 0, or
 * AGENT_CLI_USAGE with a sentence on stderr. *out is NULL on error. */
int agent_cli_connect(const agent_cli_conn_t *o, const char *program, const char *software, hd_client_t **out);

/* "refused: CODE field: reason (current state X, conflicting Y)" into buf; the parts
 * the broker left empty are left out. */
void agent_cli_refusal(const hd_rejection_t *r, char *buf, size_t len);

/* The Environment paragraph every --help ends with. */
void agent_cli_env_help(FILE *out);

/* "<program>: " and the sentence on stderr: AGENT_CLI_USAGE, for `return bad(...)`. */
#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
int agent_cli_bad(const char *program, const char *fmt, ...);

/* Checks a --message-id (NULL: none given): 0, or AGENT_CLI_USAGE with "<program>:
 * --message-id is 1-N characters" on stderr. */
int agent_cli_message_id(const char *program, const char *id);

/* Checks the agent of session c has role: 0, or AGENT_CLI_USAGE with "<program>: agent
 * ID is not <what> (its role is ROLE)<why>" on stderr (c is left open). */
int agent_cli_role(hd_client_t *c, const char *program, Huddle__Role role, const char *what, const char *why);

/* From now on SIGINT and SIGTERM end a wait at once (no SA_RESTART) and are counted;
 * the handler does nothing else. */
void agent_cli_catch_signals(void);

/* How many SIGINT and SIGTERM have come since agent_cli_catch_signals: 0 until the
 * user asks the program to stop; a second one may mean "stop now". */
int agent_cli_interrupted(void);

/* ---- an agent program's commands --------------------------------------------------- */

#define AGENT_CLI_MAX_WORDS 2 /* words a command takes at most */

typedef struct agent_cli_command agent_cli_command_t;

/* One command of a program: a row of its command table. opts, in check and run, is the
 * program's own options struct, which every command's rows store into; words are the
 * command's words, in order. */
struct agent_cli_command {
    const char *name;            /* "submit" */
    const char *args;            /* its words as its usage shows them, "FILE.csv"; "" for none */
    size_t min_words, max_words; /* how many it takes (at most AGENT_CLI_MAX_WORDS); fewer than
                                  * max_words only where its check decides */
    const char *what;            /* the paragraph its --help starts with */
    const options_row_t *rows;   /* its options, --help among them */
    size_t n_rows;
    /* Before a session is opened: 0, or an exit status with the sentence printed. NULL:
     * nothing to check. */
    int (*check)(const agent_cli_command_t *cmd, void *opts, char **words, size_t n_words);
    /* Does the command: its exit status. c is the program's session (AGENT_CLI_SESSION),
     * closed once run returns; NULL for a program whose commands open their own. */
    int (*run)(const agent_cli_command_t *cmd, hd_client_t *c, void *opts, char **words, size_t n_words);
    const char *summary;          /* its line in the program's usage */
    void (*more_help)(FILE *out); /* paragraphs after the options in its --help; NULL: none */
};

/* How a program's command line reads and runs (agent_cli_program_t.flags). */
/* The words after [OPTIONS]: "usage: P COMMAND [OPTIONS]", "usage: P CMD [OPTIONS] WORDS"
 * and, words missing, "P: CMD needs WORDS". Without it: "usage: P COMMAND [ARGS]
 * [OPTIONS]", "usage: P CMD WORDS [OPTIONS]", and that line again for words missing. */
#define AGENT_CLI_WORDS_LAST 1u
/* A command line that cannot be read also says the words the command needs. */
#define AGENT_CLI_WORDS_REMIND 2u
/* Each command runs in a session opened for it as the program, once its checks pass. */
#define AGENT_CLI_SESSION 4u
/* With AGENT_CLI_SESSION: SIGINT and SIGTERM are caught before connecting, and a
 * command stopped while it connects exits 0. */
#define AGENT_CLI_SIGNALS 8u

/* One agent program: its name, its commands and how its command line reads. */
typedef struct {
    const char *name;           /* "huddle-gp": as users type it, and first in every sentence */
    const char *about;          /* the sentence under its usage line */
    const char *see_also;       /* after "`P COMMAND --help` shows a command's options"; "" for none */
    unsigned flags;             /* AGENT_CLI_WORDS_LAST, ... */
    int name_width, args_width; /* the columns of its usage's list of commands */
    int option_width;           /* the options' column of a command's --help */
    const agent_cli_command_t *commands;
    size_t n_commands;
    /* What every command checks, before its own check (as agent_cli_command_t.check);
     * NULL: nothing. */
    int (*check)(const agent_cli_command_t *cmd, void *opts);
    Huddle__Role role;     /* with AGENT_CLI_SESSION, the role its agent must have; 0: any */
    const char *role_name; /* "a care provider", for the sentence when it has another */
} agent_cli_program_t;

/* The program's usage: its commands and how to ask for more. */
void agent_cli_usage(const agent_cli_program_t *p, FILE *out);

/* A command's --help: its usage line, what it does, its options, more_help, and the
 * Environment paragraph. */
void agent_cli_command_usage(const agent_cli_program_t *p, const agent_cli_command_t *cmd, FILE *out);

/* The program's main. argv[1] is a command, run with argv[2...] read into opts
 * (borrowed, its defaults set), where help is the --help flag and conn the connection
 * options, given their defaults here (agent_cli_conn_defaults); or help, --help or -h
 * (the usage on stdout, or with a command that command's --help), or version or
 * --version. The command's exit status, or AGENT_CLI_OK, or AGENT_CLI_USAGE (no or an
 * unknown command: the usage on stderr). */
int agent_cli_main(const agent_cli_program_t *p, int argc, char **argv, void *opts, const bool *help,
                   agent_cli_conn_t *conn);

#endif
