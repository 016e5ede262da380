/*
 * agent_cli — what the agent programs (huddle-gp, huddle-coordinator, huddle-discharge,
 * huddle-assessor, huddle-provider) share on the command line: the connection options
 * and their option-table rows, reading the keys they name, opening a session, the one
 * way a refusal is printed, and the exit codes.
 *
 * Keys: --server-key FILE (the broker's public key, a .pub file) and --key FILE (this
 * agent's secret key, a .key file, or the PREFIX both files share; a .pub beside it
 * must match). Without the options, HUDDLE_SERVER_KEY and HUDDLE_SECRET_KEY hold the
 * Z85 keys themselves, as for `huddle publish`. Neither: plain TCP, which only a broker
 * started with --insecure-dev accepts.
 *
 * Never prints a key; every sentence goes to stderr, "<program>: " first.
 */
#ifndef HUDDLE_AGENT_CLI_H
#define HUDDLE_AGENT_CLI_H

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

#endif
