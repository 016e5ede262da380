/*
 * agent_cli — see agent_cli.h.
 */
#include "agent_cli.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zmq.h>

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
