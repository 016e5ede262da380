/*
 * config — the broker's configuration: defaults, a config file, command-line flags.
 *
 * Owns: the one table of options in config.c (name, type, field, default, range,
 * help), and everything read from it: defaults, parsing and range checks of one value,
 * the file format, the flags, the help text, printing the effective configuration as a
 * file, and the checks between options.
 *
 * Never: acts on a value (binding, opening the store, setting the log level are the
 * caller's), prints unless asked to, allocates anything that outlives a call, or exits:
 * --help, --version and --print-config are reported to the caller.
 *
 * Values, in the file and in flags:
 *   string    as written, without control characters; in a file surrounding whitespace
 *             is trimmed unless the value is double-quoted ("..." up to the last quote
 *             on the line, no escapes)
 *   bool      yes/no, true/false, on/off, 1/0 (any case)
 *   number    a whole number
 *   size      bytes, or a number with K, M or G (powers of 1024, either case): 64M
 *   duration  milliseconds, or a number with ms, s, m, h or d: 1500ms, 5s, 1m, 1d
 *   level     error, warn, info or debug
 *   decimal   a number with at most 3 decimal places (0.24), kept in thousandths (240)
 * Option names take underscores or dashes alike (batch_max, batch-max).
 *
 * File: one "name = value" per line; blank lines and lines whose first non-blank
 * character is '#' are ignored ('#' later in a line is part of the value). A later
 * line for the same option wins.
 *
 * Flags: --NAME=VALUE or --NAME VALUE for every option; a bool may be bare
 * (--test-mode means yes; a bool word right after it is its value, as in
 * --test-mode no). --config FILE is loaded before any other flag is applied,
 * wherever it stands, so flags always override the file. -h/--help, --version and
 * --print-config ask the caller to print and stop.
 */
#ifndef HUDDLE_CONFIG_H
#define HUDDLE_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "log.h"

/* Capacities of the string options, with the NUL. */
#define CONFIG_ENDPOINT_MAX 256
#define CONFIG_PATH_MAX 1024
#define CONFIG_CODES_MAX 256
/* A code of a coded list option (delay_reasons): at most this many bytes, at most
 * CONFIG_CODES_COUNT codes. */
#define CONFIG_CODE_MAX 4
#define CONFIG_CODES_COUNT 32

typedef enum {
    CONFIG_OK        = 0,
    CONFIG_EUNKNOWN  = -1, /* no option of that name */
    CONFIG_EVALUE    = -2, /* a value of the wrong shape or out of its range */
    CONFIG_ESYNTAX   = -3, /* a file line that is not "name = value", or a bad flag */
    CONFIG_EIO       = -4, /* the config file cannot be opened or read */
    CONFIG_ECONFLICT = -5, /* options that disagree with each other (config_validate) */
} config_err_t;

/* What the command line asks for once it has been read. */
typedef enum {
    CONFIG_RUN,          /* start the broker with the configuration */
    CONFIG_SHOW_HELP,    /* -h or --help: config_print_help, then exit 0 */
    CONFIG_SHOW_VERSION, /* --version: print the version, then exit 0 */
    CONFIG_PRINT,        /* --print-config: config_print, then exit 0 */
} config_action_t;

/* The field names are the option names. Sizes are bytes, durations milliseconds. */
typedef struct {
    /* network */
    char endpoint[CONFIG_ENDPOINT_MAX]; /* ZeroMQ endpoint the ROUTER binds */
    unsigned sndhwm;                    /* ZeroMQ high-water marks, in messages */
    unsigned rcvhwm;
    int64_t heartbeat_ivl;              /* ZMQ_HEARTBEAT_IVL */
    int64_t heartbeat_timeout;          /* ZMQ_HEARTBEAT_TIMEOUT and TTL; session expiry */
    int64_t session_idle;               /* no traffic, no heartbeat reply: closed */
    /* security */
    char key_file[CONFIG_PATH_MAX];     /* broker's CURVE secret key; "" = beside the store */
    bool insecure_dev;                  /* no CURVE, identity as claimed: development only */
    /* store */
    char store[CONFIG_PATH_MAX];        /* store directory */
    size_t map_initial;                 /* see store_config_t */
    size_t map_step;
    size_t map_max;
    size_t map_headroom;                /* store_config_t.full_headroom */
    int64_t reader_check_ivl;           /* stale LMDB reader slots cleared this often */
    /* limits */
    size_t max_frame;                   /* largest frame accepted */
    unsigned batch_max;                 /* messages applied in one write transaction */
    unsigned max_sessions;              /* open agent sessions */
    unsigned reply_queue_max;           /* frames queued for one agent before it is
                                           treated as dead and disconnected */
    unsigned timers_per_batch;          /* timers fired per loop iteration */
    /* subscriptions and queries */
    unsigned credit_default;            /* subscription in-flight window */
    unsigned credit_max;
    unsigned subscriptions_max;         /* per agent */
    unsigned query_limit_default;       /* results per query */
    unsigned query_limit_max;
    /* running */
    int64_t shutdown_grace;             /* SIGTERM waits this long to flush replies */
    log_level_t log_level;
    bool test_mode;                     /* accept a manual clock: tests only */
    /* referrals and risk (DESIGN 5.1); decimals in thousandths (0.24 is 240) */
    unsigned adult_age;                 /* MULTIMORBIDITY from this age */
    unsigned multimorbidity_conditions; /* ... with this many long-term conditions */
    unsigned high_cost_ratio;           /* HIGH_COST from this cost ratio (thousandths) */
    unsigned efi_fit_max;               /* eFI band upper bounds (thousandths) */
    unsigned efi_mild_max;
    unsigned efi_moderate_max;
    unsigned points_frailty_mild;       /* the priority score's weights */
    unsigned points_frailty_moderate;
    unsigned points_frailty_severe;
    unsigned points_per_condition;
    unsigned points_conditions_max;
    unsigned points_per_cost_unit;
    unsigned points_cost_max;
    unsigned points_per_admission;
    unsigned points_admissions_max;
    unsigned points_urgent;
    unsigned tier_red_score;            /* RED from this score (or a safeguarding concern) */
    unsigned tier_amber_score;          /* AMBER from this score; GREEN below */
    bool consent_required;              /* refuse a referral without consent (unless safeguarding) */
    int64_t wait_red_limit;             /* waiting-well escalations */
    int64_t wait_any_limit;
    /* MDT sessions (DESIGN 5.2) */
    unsigned points_per_week_waiting;   /* effective priority: + per full week waiting */
    unsigned points_deferred;           /* ... + once deferred */
    unsigned minutes_red;               /* agenda minutes per item by tier */
    unsigned minutes_amber;
    unsigned minutes_green;
    /* notifications (DESIGN 4) */
    int64_t non_delivery_after;         /* unacknowledged this long: NON_DELIVERY */
    /* trusted assessments and discharge (DESIGN 5.3, 5.4) */
    int64_t assessment_deadline;        /* unanswered this long: escalated to the hub */
    char delay_reasons[CONFIG_CODES_MAX]; /* "A,B,...": the codes an episode may carry */
    int64_t placement_review_first;     /* pathway 2 timers, from discharge */
    int64_t placement_review_second;
    int64_t placement_alert;
    int64_t follow_up_after;            /* pathway 1 follow-up, from discharge */
} config_t;

/* Zeroes *cfg (padding included, so that configurations compare with memcmp) and sets
 * every option to its default. */
void config_defaults(config_t *cfg);

/* Sets one option from text, after checking its type and range; on failure *cfg is
 * unchanged and err (may be NULL) says which option and what it expects:
 *   batch_max: expected a whole number from 1 to 65536, got "0" */
int config_set(config_t *cfg, const char *name, const char *value, char *err, size_t errlen);

/* Applies a config file over *cfg. Stops at the first bad line, with "path:N: ..." in
 * err; options set by earlier lines stay set. */
int config_load_file(config_t *cfg, const char *path, char *err, size_t errlen);

/* Reads argv[1..argc-1] over *cfg (start from config_defaults): the --config file
 * first, then the other flags in order, then config_validate. *action says what the
 * caller should do; with help or version the file is not read and no value is checked
 * (a misspelt flag still fails). On failure *cfg may be partly updated. */
int config_parse_args(config_t *cfg, int argc, char *const argv[], config_action_t *action,
                      char *err, size_t errlen);

/* Checks between options: map_initial <= map_max, map_headroom < map_max / 2,
 * credit_default <= credit_max, query_limit_default <= query_limit_max,
 * heartbeat_ivl < heartbeat_timeout, the eFI bands and tiers rising, the waits and
 * placement timers in order, and delay_reasons a list of codes. */
int config_validate(const config_t *cfg, char *err, size_t errlen);

/* Whether code is one of a coded list option's codes (e.g. cfg->delay_reasons). */
bool config_has_code(const char *list, const char *code);

/* Usage and every option with its range, default and meaning. */
void config_print_help(FILE *out, const char *prog);

/* The configuration as a config file that config_load_file reads back to the same
 * values; with the defaults it is broker/huddled.conf.example. */
void config_print(FILE *out, const config_t *cfg);

/* Short description of a code from this module. */
const char *config_strerror(int code);

#endif
