/* config — options, config file and flags of huddled (see config.h). */
#include "config.h"

#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

_Static_assert(sizeof(size_t) >= 8, "huddled needs 64-bit sizes: the store map passes 4 GiB");

#define KIB UINT64_C(1024)
#define MIB (KIB * 1024)
#define GIB (MIB * 1024)
#define TIB (GIB * 1024)
#define SECOND UINT64_C(1000)
#define MINUTE (60 * SECOND)
#define HOUR (60 * MINUTE)
#define DAY (24 * HOUR)

#define MSG_MAX 512                        /* one message about one option */
#define VALUE_MAX (CONFIG_PATH_MAX + 2)    /* one value as text, quotes included */
#define TEXT_MAX (VALUE_MAX + 512)         /* help, range and default of one option */
#define WIDTH 80                           /* of --help and --print-config */

typedef enum { T_STRING, T_BOOL, T_UINT, T_SIZE, T_DURATION, T_LEVEL, T_DECIMAL } opt_type_t;

typedef struct {
    const char *section; /* heading in --help and --print-config */
    const char *name;    /* the field's name, and the option's */
    opt_type_t type;
    size_t offset, size; /* of the field in config_t */
    const char *def;     /* default, as the file would write it */
    uint64_t min, max;   /* numbers: the value; strings: the length in bytes */
    const char *help;
} option_t;

#define OPT(section, field, type, def, min, max, help)                                    \
    { section, #field, type, offsetof(config_t, field), sizeof(((config_t *)0)->field), \
      def, min, max, help }

#define NET "Network"
#define STORE "Store"
#define LIMITS "Limits"
#define SUBS "Subscriptions and queries"
#define SECURITY "Security"
#define RUNNING "Running"
#define REFERRAL "Referrals and risk (DESIGN 5.1)"
#define MDT "MDT sessions (DESIGN 5.2)"
#define NOTIFY "Notifications (DESIGN 4)"
#define DISCHARGE "Trusted assessments and discharge (DESIGN 5.3, 5.4)"

/* Every option of the broker. Ranges guard against slips of the keyboard (16T for
 * 16G) and against what the libraries cannot take (ZMQ_HEARTBEAT_TTL stops at 6553 s). */
static const option_t options[] = {
    OPT(NET, endpoint, T_STRING, "tcp://127.0.0.1:7411", 1, CONFIG_ENDPOINT_MAX - 1,
        "ZeroMQ endpoint the ROUTER binds"),
    OPT(NET, sndhwm, T_UINT, "100000", 1, 10000000, "ZeroMQ send high-water mark, in messages"),
    OPT(NET, rcvhwm, T_UINT, "100000", 1, 10000000, "ZeroMQ receive high-water mark, in messages"),
    OPT(NET, heartbeat_ivl, T_DURATION, "5s", 100, 10 * MINUTE,
        "Interval of ZeroMQ heartbeats to each agent (ZMQ_HEARTBEAT_IVL)"),
    OPT(NET, heartbeat_timeout, T_DURATION, "15s", 100, HOUR,
        "An agent that answers no heartbeat for this long is disconnected "
        "(ZMQ_HEARTBEAT_TIMEOUT and TTL) and its session expires"),
    OPT(NET, session_idle, T_DURATION, "1m", SECOND, 7 * DAY,
        "A session with no traffic and no heartbeat reply for this long is closed"),
    OPT(SECURITY, key_file, T_STRING, "", 0, CONFIG_PATH_MAX - 1,
        "The broker's CURVE secret key, one Z85 line, mode 0600 (written by `huddle init`); "
        "empty = keys/broker.key beside the store directory"),
    OPT(SECURITY, insecure_dev, T_BOOL, "no", 0, 0,
        "Plain TCP without CURVE: agents are who Hello says they are. Development only; "
        "logged as a warning at start and every minute"),
    OPT(STORE, store, T_STRING, "var/store", 1, CONFIG_PATH_MAX - 1,
        "Store directory (LMDB data.mdb and lock.mdb)"),
    OPT(STORE, map_initial, T_SIZE, "64M", MIB, TIB, "Store map size at first open"),
    OPT(STORE, map_step, T_SIZE, "64M", MIB, TIB, "Bytes the store map grows by when it is full"),
    OPT(STORE, map_max, T_SIZE, "16G", MIB, TIB,
        "The store map never grows past this; then publishes get STORE_FULL"),
    OPT(STORE, map_headroom, T_SIZE, "1M", 0, GIB,
        "At map_max, publishes stop this early so that acks, subscriptions and state "
        "updates can still be written"),
    OPT(STORE, reader_check_ivl, T_DURATION, "1m", SECOND, DAY,
        "How often stale LMDB reader slots are cleared"),
    OPT(LIMITS, max_frame, T_SIZE, "256K", KIB, 64 * MIB,
        "Largest frame accepted (ZMQ_MAXMSGSIZE); larger ones are refused TOO_LARGE"),
    OPT(LIMITS, batch_max, T_UINT, "1024", 1, 65536, "Messages applied in one write transaction"),
    OPT(LIMITS, max_sessions, T_UINT, "1024", 1, 1000000, "Open agent sessions"),
    OPT(LIMITS, reply_queue_max, T_UINT, "10000", 16, 10000000,
        "Frames queued for one agent before it is treated as dead and disconnected"),
    OPT(LIMITS, timers_per_batch, T_UINT, "256", 1, 65536, "Timers fired per loop iteration"),
    OPT(SUBS, credit_default, T_UINT, "100", 1, 1000000,
        "In-flight window of a subscription that asks for none"),
    OPT(SUBS, credit_max, T_UINT, "10000", 1, 1000000,
        "Largest in-flight window a subscription may ask for"),
    OPT(SUBS, subscriptions_max, T_UINT, "64", 1, 4096, "Durable subscriptions per agent"),
    OPT(SUBS, query_limit_default, T_UINT, "100", 1, 100000, "Results of a query that sets no limit"),
    OPT(SUBS, query_limit_max, T_UINT, "1000", 1, 100000, "Most results one query may ask for"),
    OPT(RUNNING, shutdown_grace, T_DURATION, "5s", 0, 10 * MINUTE,
        "How long SIGTERM waits to flush replies before exiting"),
    OPT(RUNNING, log_level, T_LEVEL, "info", 0, 0, "Log lines above this level are dropped"),
    OPT(RUNNING, test_mode, T_BOOL, "no", 0, 0,
        "Accept a manual clock, for tests only: never in production"),
    /* Decimals are kept in thousandths: 0.24 is 240. */
    OPT(REFERRAL, adult_age, T_UINT, "18", 0, 130, "Age from which the MULTIMORBIDITY cohort applies"),
    OPT(REFERRAL, multimorbidity_conditions, T_UINT, "5", 1, 60,
        "Long-term conditions that put an adult in the MULTIMORBIDITY cohort"),
    OPT(REFERRAL, high_cost_ratio, T_DECIMAL, "3", 1, 100000,
        "Predicted acute cost ratio (to the average) that puts a patient in the HIGH_COST cohort"),
    OPT(REFERRAL, efi_fit_max, T_DECIMAL, "0.12", 1, 1000, "Highest eFI of the fit band"),
    OPT(REFERRAL, efi_mild_max, T_DECIMAL, "0.24", 1, 1000,
        "Highest eFI of the mild band; above it a patient is in the FRAILTY cohort"),
    OPT(REFERRAL, efi_moderate_max, T_DECIMAL, "0.36", 1, 1000, "Highest eFI of the moderate band; above it, severe"),
    OPT(REFERRAL, points_frailty_mild, T_UINT, "10", 0, 100, "Score points for mild frailty"),
    OPT(REFERRAL, points_frailty_moderate, T_UINT, "20", 0, 100, "Score points for moderate frailty"),
    OPT(REFERRAL, points_frailty_severe, T_UINT, "30", 0, 100, "Score points for severe frailty"),
    OPT(REFERRAL, points_per_condition, T_UINT, "3", 0, 100, "Score points per long-term condition"),
    OPT(REFERRAL, points_conditions_max, T_UINT, "30", 0, 100, "Most points from long-term conditions"),
    OPT(REFERRAL, points_per_cost_unit, T_UINT, "5", 0, 100,
        "Score points per whole unit of the predicted cost ratio"),
    OPT(REFERRAL, points_cost_max, T_UINT, "30", 0, 100, "Most points from the cost ratio"),
    OPT(REFERRAL, points_per_admission, T_UINT, "5", 0, 100,
        "Score points per emergency admission in the last 12 months"),
    OPT(REFERRAL, points_admissions_max, T_UINT, "20", 0, 100, "Most points from emergency admissions"),
    OPT(REFERRAL, points_urgent, T_UINT, "15", 0, 100, "Score points when the referrer asks for urgency"),
    OPT(REFERRAL, tier_red_score, T_UINT, "60", 1, 100, "Score from which a referral is RED"),
    OPT(REFERRAL, tier_amber_score, T_UINT, "35", 1, 100, "Score from which a referral is AMBER (below it GREEN)"),
    OPT(REFERRAL, consent_required, T_BOOL, "yes", 0, 0,
        "Refuse a referral without recorded consent, unless it raises a safeguarding concern"),
    OPT(REFERRAL, wait_red_limit, T_DURATION, "7d", MINUTE, 365 * DAY,
        "A RED referral waiting this long without a session is escalated to the coordinators"),
    OPT(REFERRAL, wait_any_limit, T_DURATION, "28d", MINUTE, 365 * DAY,
        "Any referral waiting this long is escalated to the coordinators"),
    OPT(MDT, points_per_week_waiting, T_UINT, "2", 0, 100,
        "Effective priority added per full week on the waiting list"),
    OPT(MDT, points_deferred, T_UINT, "10", 0, 100, "Effective priority added once a referral has been deferred"),
    OPT(MDT, minutes_red, T_UINT, "15", 1, 120, "Agenda minutes for a RED item"),
    OPT(MDT, minutes_amber, T_UINT, "10", 1, 120, "Agenda minutes for an AMBER item"),
    OPT(MDT, minutes_green, T_UINT, "5", 1, 120, "Agenda minutes for a GREEN item"),
    OPT(NOTIFY, non_delivery_after, T_DURATION, "5d", MINUTE, 365 * DAY,
        "A notification no agent of its addressee has acknowledged by then raises NON_DELIVERY to its sender"),
    OPT(DISCHARGE, assessment_deadline, T_DURATION, "24h", MINUTE, 30 * DAY,
        "A trusted assessment the provider has not answered by then is escalated to the episode's discharge hub"),
    OPT(DISCHARGE, delay_reasons, T_STRING, "A,B,C,D1,D2,E,F,G,H,I,O", 1, CONFIG_CODES_MAX - 1,
        "Delay reason codes an episode may carry, comma-separated, each 1-4 letters and digits; "
        "the default is the delayed-transfer-of-care categories (A assessment, B public funding, "
        "C further non-acute NHS care, D1 residential home, D2 nursing home, E care package at home, "
        "F equipment and adaptations, G patient or family choice, H disputes, I housing, O other)"),
    OPT(DISCHARGE, placement_review_first, T_DURATION, "7d", MINUTE, 365 * DAY,
        "After a pathway 2 discharge, the first placement review falls due"),
    OPT(DISCHARGE, placement_review_second, T_DURATION, "14d", MINUTE, 365 * DAY,
        "After a pathway 2 discharge, the second placement review falls due"),
    OPT(DISCHARGE, placement_alert, T_DURATION, "42d", MINUTE, 365 * DAY,
        "A pathway 2 placement not ended this long after discharge is escalated to social care and the hub"),
    OPT(DISCHARGE, follow_up_after, T_DURATION, "91d", MINUTE, 365 * DAY,
        "After a pathway 1 discharge, the follow-up (still at home or not) falls due"),
};
#define OPTION_COUNT (sizeof options / sizeof options[0])

/* ---- value types -------------------------------------------------------------------- */

typedef struct {
    const char *text;
    uint64_t value;
} word_t;

/* Suffixes, largest first: a value is written with the first that divides it. */
static const word_t plain_units[] = { { "", 1 }, { NULL, 0 } };
static const word_t size_units[] = {
    { "G", GIB }, { "M", MIB }, { "K", KIB }, { "", 1 }, { NULL, 0 },
};
static const word_t ms_units[] = {
    { "d", DAY }, { "h", HOUR }, { "m", MINUTE }, { "s", SECOND }, { "ms", 1 }, { "", 1 },
    { NULL, 0 },
};
/* Words, each value first under the word that is written. */
static const word_t bool_words[] = {
    { "yes", 1 }, { "no", 0 }, { "true", 1 }, { "false", 0 },
    { "on", 1 },  { "off", 0 }, { "1", 1 },   { "0", 0 },     { NULL, 0 },
};
static const word_t level_words[] = {
    { "error", LOG_ERROR }, { "warn", LOG_WARN }, { "info", LOG_INFO }, { "debug", LOG_DEBUG },
    { NULL, 0 },
};

/* A field of each C type read and written as a uint64_t. */
#define ACCESSORS(tag, ctype)                                                              \
    static uint64_t get_##tag(const void *f)                                               \
    { ctype x; memcpy(&x, f, sizeof x); return (uint64_t)x; }                              \
    static void put_##tag(void *f, uint64_t v) { ctype x = (ctype)v; memcpy(f, &x, sizeof x); }
ACCESSORS(bool, bool)
ACCESSORS(uint, unsigned)
ACCESSORS(size, size_t)
ACCESSORS(ms, int64_t)
ACCESSORS(level, log_level_t)

typedef struct {
    size_t size;             /* of the field (strings: their own) */
    const char *placeholder; /* after --name in --help */
    const char *what;        /* errors: "expected <what> <min> to <max><tail>" */
    const char *choices;     /* word types: "expected <choices><tail>" instead */
    const char *tail;
    const word_t *units;     /* number types: the suffixes */
    const word_t *words;     /* word types: the words */
    bool any_case;           /* of suffixes and words */
    uint64_t (*get)(const void *field);
    void (*put)(void *field, uint64_t v);
    bool decimal;            /* written as a decimal with up to 3 places, kept in thousandths */
} type_info_t;

static const type_info_t types[] = {
    [T_STRING] = { 0, "=TEXT", "text from", NULL, " bytes long, without control characters",
                   plain_units, NULL, false, NULL, NULL },
    [T_BOOL] = { sizeof(bool), "[=yes|no]", NULL, "yes or no", " (or true/false, on/off, 1/0)",
                 NULL, bool_words, true, get_bool, put_bool },
    [T_UINT] = { sizeof(unsigned), "=N", "a whole number from", NULL, "", plain_units, NULL, false,
                 get_uint, put_uint },
    [T_SIZE] = { sizeof(size_t), "=SIZE", "a size from", NULL, " (bytes, or a number with K, M or G)",
                 size_units, NULL, true, get_size, put_size },
    [T_DURATION] = { sizeof(int64_t), "=DURATION", "a duration from", NULL,
                     " (milliseconds, or a number with ms, s, m, h or d)", ms_units, NULL, false,
                     get_ms, put_ms },
    [T_LEVEL] = { sizeof(log_level_t), "=LEVEL", NULL, "error, warn, info or debug", "", NULL,
                  level_words, true, get_level, put_level },
    [T_DECIMAL] = { sizeof(unsigned), "=DECIMAL", "a number from", NULL, " (at most 3 decimal places)",
                    plain_units, NULL, false, get_uint, put_uint, true },
};

/* "3", "0.24", "1.125" as thousandths; no sign, exponent or fourth place. */
static int parse_decimal(const char *text, uint64_t *v)
{
    uint64_t n = 0;
    size_t i = 0;
    for (; text[i] >= '0' && text[i] <= '9' && i < 9; i++)
        n = n * 10 + (uint64_t)(text[i] - '0');
    if (i == 0)
        return -1;
    n *= 1000;
    if (text[i] == '.') {
        uint64_t scale = 100;
        size_t j = i + 1;
        for (; text[j] >= '0' && text[j] <= '9' && scale; j++, scale /= 10)
            n += (uint64_t)(text[j] - '0') * scale;
        if (j == i + 1)
            return -1;
        i = j;
    }
    if (text[i])
        return -1;
    *v = n;
    return 0;
}

/* A word of the type, or digits and one of its suffixes: no sign, space or overflow. */
static int parse_value(const type_info_t *t, const char *text, uint64_t *v)
{
    if (t->decimal)
        return parse_decimal(text, v);
    int (*same)(const char *, const char *) = t->any_case ? strcasecmp : strcmp;
    for (const word_t *w = t->words; w && w->text; w++) {
        if (same(text, w->text) == 0) {
            *v = w->value;
            return 0;
        }
    }
    uint64_t n = 0;
    size_t i = 0;
    for (; t->units && text[i] >= '0' && text[i] <= '9'; i++) {
        unsigned d = (unsigned)(text[i] - '0');
        if (n > (UINT64_MAX - d) / 10)
            return -1;
        n = n * 10 + d;
    }
    for (const word_t *u = t->units; i > 0 && u->text; u++) {
        if (same(text + i, u->text) == 0) {
            if (n > UINT64_MAX / u->value)
                return -1;
            *v = n * u->value;
            return 0;
        }
    }
    return -1;
}

static void format_value(const type_info_t *t, uint64_t v, char *buf, size_t len)
{
    if (t->decimal) {
        int n = snprintf(buf, len, "%" PRIu64 ".%03u", v / 1000, (unsigned)(v % 1000));
        while (n > 0 && (size_t)n < len && (buf[n - 1] == '0' || buf[n - 1] == '.')) {
            bool dot = buf[n - 1] == '.';
            buf[--n] = '\0';
            if (dot)
                break;
        }
        return;
    }
    const word_t *w = t->words;
    if (w) {
        while (w->text && w->value != v)
            w++;
        snprintf(buf, len, "%s", w->text ? w->text : "?");
        return;
    }
    w = t->units;
    while (v != 0 && v % w->value != 0)
        w++; /* the units end with a factor of 1, which divides everything */
    snprintf(buf, len, "%" PRIu64 "%s", v / (v ? w->value : 1), v ? w->text : "");
}

/* ---- one option --------------------------------------------------------------------- */

__attribute__((format(printf, 3, 4)))
static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
    if (!err || errlen == 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

/* Whether the len bytes at name spell canon, reading '-' as '_'. */
static bool name_is(const char *canon, const char *name, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (canon[i] != (name[i] == '-' ? '_' : name[i]))
            return false;
    }
    return canon[len] == '\0';
}

static const option_t *find_option(const char *name, size_t len)
{
    for (size_t i = 0; i < OPTION_COUNT; i++) {
        if (name_is(options[i].name, name, len))
            return &options[i];
    }
    return NULL;
}

static uint64_t get_value(const option_t *o, const config_t *cfg)
{
    return types[o->type].get((const unsigned char *)cfg + o->offset);
}

static bool string_ok(const option_t *o, const char *s)
{
    size_t n = strlen(s);
    if (n < o->min || n > o->max || n >= o->size)
        return false;
    for (; *s; s++) {
        if ((unsigned char)*s < 0x20 || *s == 0x7F)
            return false;
    }
    return true;
}

/* What a value must be: for errors "a whole number from 1 to 65536" (long), for help
 * "Range 1 to 65536" or "One of yes or no" (short). */
static void describe(const option_t *o, bool is_long, char *buf, size_t len)
{
    const type_info_t *t = &types[o->type];
    char lo[32] = "", hi[32] = "";
    if (t->units) {
        format_value(t, o->min, lo, sizeof lo);
        format_value(t, o->max, hi, sizeof hi);
    }
    if (t->choices)
        snprintf(buf, len, "%s%s", is_long ? "" : "One of ", t->choices);
    else
        snprintf(buf, len, "%s %s to %s", is_long ? t->what : "Range", lo, hi);
    if (is_long)
        snprintf(buf + strlen(buf), len - strlen(buf), "%s", t->tail);
}

/* The option's value in cfg as the file writes it, strings quoted. */
static void value_text(const option_t *o, const config_t *cfg, char *buf, size_t len)
{
    if (o->type == T_STRING)
        snprintf(buf, len, "\"%s\"", (const char *)cfg + o->offset);
    else
        format_value(&types[o->type], get_value(o, cfg), buf, len);
}

int config_set(config_t *cfg, const char *name, const char *value, char *err, size_t errlen)
{
    assert(cfg && name && value);
    const option_t *o = find_option(name, strlen(name));
    if (!o) {
        set_err(err, errlen, "%s: unknown option", name);
        return CONFIG_EUNKNOWN;
    }
    const type_info_t *t = &types[o->type];
    unsigned char *field = (unsigned char *)cfg + o->offset;
    uint64_t v = 0;
    bool ok;
    if (o->type == T_STRING) {
        ok = string_ok(o, value);
    } else {
        assert(o->size == t->size); /* a row whose type does not fit its field */
        ok = parse_value(t, value, &v) == 0 && (t->words || (v >= o->min && v <= o->max));
    }
    if (!ok) {
        char want[MSG_MAX / 2];
        describe(o, true, want, sizeof want);
        set_err(err, errlen, "%s: expected %s, got \"%s\"", o->name, want, value);
        return CONFIG_EVALUE;
    }
    if (o->type == T_STRING) {
        memset(field, 0, o->size);
        memcpy(field, value, strlen(value));
    } else {
        t->put(field, v);
    }
    return CONFIG_OK;
}

void config_defaults(config_t *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    for (size_t i = 0; i < OPTION_COUNT; i++) {
        int rc = config_set(cfg, options[i].name, options[i].def, NULL, 0);
        assert(rc == CONFIG_OK); /* a default outside its own range */
        (void)rc;
    }
}

/* ---- checks between options ----------------------------------------------------------- */

/* Each rule: lower must be below (strict) or at most upper / divisor. */
static const struct {
    const char *lower, *upper;
    uint64_t divisor;
    bool strict;
    const char *why;
} rules[] = {
    { "map_initial", "map_max", 1, false, "the store map cannot start beyond its maximum" },
    { "map_headroom", "map_max", 2, true, "the headroom must leave most of the map for events" },
    { "credit_default", "credit_max", 1, false, "the default must be a window agents may ask for" },
    { "query_limit_default", "query_limit_max", 1, false,
      "the default must be a limit queries may ask for" },
    { "heartbeat_ivl", "heartbeat_timeout", 1, true,
      "an agent must have time to answer a heartbeat before it is given up" },
    { "efi_fit_max", "efi_mild_max", 1, true, "the eFI bands must rise" },
    { "efi_mild_max", "efi_moderate_max", 1, true, "the eFI bands must rise" },
    { "tier_amber_score", "tier_red_score", 1, true, "AMBER must start below RED" },
    { "wait_red_limit", "wait_any_limit", 1, false, "a RED referral must be escalated no later than any other" },
    { "placement_review_first", "placement_review_second", 1, true, "the placement reviews must come in order" },
    { "placement_review_second", "placement_alert", 1, true, "the six-week alert comes after the reviews" },
};

/* The code list's rule: codes of 1-CONFIG_CODE_MAX letters and digits, separated by
 * single commas, none twice, at most CONFIG_CODES_COUNT. Returns a reason, or NULL. */
static const char *codes_problem(const char *list)
{
    const char *p = list;
    size_t count = 0;
    for (;;) {
        size_t n = strspn(p, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789");
        if (n == 0 || n > CONFIG_CODE_MAX)
            return "each code must be 1 to 4 letters and digits, separated by single commas";
        for (const char *q = list; q < p; q += strcspn(q, ",") + 1)
            if (strcspn(q, ",") == n && memcmp(q, p, n) == 0)
                return "no code may be listed twice";
        if (++count > CONFIG_CODES_COUNT)
            return "at most 32 codes";
        if (p[n] == '\0')
            return NULL;
        if (p[n] != ',')
            return "each code must be 1 to 4 letters and digits, separated by single commas";
        p += n + 1;
    }
}

bool config_has_code(const char *list, const char *code)
{
    size_t n = strlen(code);
    if (n == 0)
        return false;
    for (const char *q = list; *q; q += strcspn(q, ",")) {
        if (*q == ',')
            q++;
        if (strcspn(q, ",") == n && memcmp(q, code, n) == 0)
            return true;
    }
    return false;
}

int config_validate(const config_t *cfg, char *err, size_t errlen)
{
    const char *why = codes_problem(cfg->delay_reasons);
    if (why) {
        set_err(err, errlen, "delay_reasons (%s): %s", cfg->delay_reasons, why);
        return CONFIG_ECONFLICT;
    }
    for (size_t i = 0; i < sizeof rules / sizeof rules[0]; i++) {
        const option_t *lo = find_option(rules[i].lower, strlen(rules[i].lower));
        const option_t *up = find_option(rules[i].upper, strlen(rules[i].upper));
        assert(lo && up);
        uint64_t a = get_value(lo, cfg), b = get_value(up, cfg) / rules[i].divisor;
        if (rules[i].strict ? a < b : a <= b)
            continue;
        char at[VALUE_MAX], bt[VALUE_MAX];
        value_text(lo, cfg, at, sizeof at);
        value_text(up, cfg, bt, sizeof bt);
        set_err(err, errlen, "%s (%s) must be %s %s%s (%s): %s", lo->name, at,
                rules[i].strict ? "less than" : "at most", rules[i].divisor == 2 ? "half of " : "",
                up->name, bt, rules[i].why);
        return CONFIG_ECONFLICT;
    }
    return CONFIG_OK;
}

/* ---- the file ----------------------------------------------------------------------- */

static char *trim(char *s)
{
    s += strspn(s, " \t\r\n");
    size_t n = strlen(s);
    while (n > 0 && strchr(" \t\r\n", s[n - 1]))
        s[--n] = '\0';
    return s;
}

/* Applies one line (changed in place); err gets the message without the place. */
static int apply_line(config_t *cfg, char *line, char *err, size_t errlen)
{
    char *s = trim(line);
    if (*s == '\0' || *s == '#')
        return CONFIG_OK;
    char *eq = strchr(s, '=');
    if (!eq || eq == s) {
        set_err(err, errlen, "expected name = value, got \"%s\"", s);
        return CONFIG_ESYNTAX;
    }
    *eq = '\0';
    char *name = trim(s), *value = trim(eq + 1);
    size_t n = strlen(value);
    if (n > 0 && value[0] == '"') {
        if (n < 2 || value[n - 1] != '"') {
            set_err(err, errlen, "%s: the value has no closing quote", name);
            return CONFIG_ESYNTAX;
        }
        value[n - 1] = '\0';
        value++;
    }
    return config_set(cfg, name, value, err, errlen);
}

int config_load_file(config_t *cfg, const char *path, char *err, size_t errlen)
{
    assert(cfg && path);
    FILE *f = fopen(path, "r");
    if (!f) {
        set_err(err, errlen, "%s: cannot open: %s", path, strerror(errno));
        return CONFIG_EIO;
    }
    char *line = NULL, msg[MSG_MAX];
    size_t cap = 0;
    unsigned lineno = 0;
    ssize_t n;
    int rc = CONFIG_OK;
    while ((n = getline(&line, &cap, f)) >= 0) {
        lineno++;
        if (strlen(line) != (size_t)n) {
            rc = CONFIG_ESYNTAX;
            snprintf(msg, sizeof msg, "a NUL byte in the line");
        } else {
            rc = apply_line(cfg, line, msg, sizeof msg);
        }
        if (rc != CONFIG_OK) {
            set_err(err, errlen, "%s:%u: %s", path, lineno, msg);
            goto done;
        }
    }
    if (ferror(f)) {
        set_err(err, errlen, "%s: cannot read: %s", path, strerror(errno));
        rc = CONFIG_EIO;
    }
done:
    free(line);
    fclose(f);
    return rc;
}

/* ---- the command line --------------------------------------------------------------- */

typedef enum { FLAG_OPTION, FLAG_CONFIG, FLAG_PRINT, FLAG_HELP, FLAG_VERSION } flag_kind_t;

static const struct {
    const char *name;
    flag_kind_t kind;
    bool takes_value;
    const char *usage, *help;
} commands[] = {
    { "config", FLAG_CONFIG, true, "--config FILE", "read options from FILE; flags override it" },
    { "print_config", FLAG_PRINT, false, "--print-config", "print the options as a file, and exit" },
    { "help", FLAG_HELP, false, "-h, --help", "print this help, and exit" },
    { "version", FLAG_VERSION, false, "--version", "print the version, and exit" },
};
#define COMMAND_COUNT (sizeof commands / sizeof commands[0])

typedef struct {
    flag_kind_t kind;
    const option_t *opt; /* FLAG_OPTION */
    const char *value;   /* NULL when the flag has none */
} flag_t;

/* Reads the flag at argv[*i] with its value, moving *i past both. */
static int next_flag(int argc, char *const argv[], int *i, flag_t *fl, char *err, size_t errlen)
{
    const char *arg = argv[(*i)++];
    *fl = (flag_t){ strcmp(arg, "-h") == 0 ? FLAG_HELP : FLAG_OPTION, NULL, NULL };
    if (fl->kind == FLAG_HELP)
        return CONFIG_OK;
    if (strncmp(arg, "--", 2) != 0 || arg[2] == '\0') {
        set_err(err, errlen, "unexpected argument \"%s\": options are --name=value", arg);
        return CONFIG_ESYNTAX;
    }
    const char *name = arg + 2, *eq = strchr(name, '=');
    int len = (int)(eq ? eq - name : (ptrdiff_t)strlen(name));
    bool takes_value = true;
    fl->opt = find_option(name, (size_t)len);
    for (size_t c = 0; !fl->opt && c < COMMAND_COUNT; c++) {
        if (name_is(commands[c].name, name, (size_t)len)) {
            fl->kind = commands[c].kind;
            takes_value = commands[c].takes_value;
        }
    }
    if (fl->kind == FLAG_OPTION && !fl->opt) {
        set_err(err, errlen, "unknown option --%.*s (--help lists them)", len, name);
        return CONFIG_EUNKNOWN;
    }
    uint64_t ignored;
    if (eq && !takes_value) {
        set_err(err, errlen, "--%.*s takes no value", len, name);
        return CONFIG_ESYNTAX;
    } else if (eq) {
        fl->value = eq + 1;
    } else if (fl->opt && fl->opt->type == T_BOOL) {
        /* Bare means yes; a bool word after it is its value. */
        bool word = *i < argc && parse_value(&types[T_BOOL], argv[*i], &ignored) == 0;
        fl->value = word ? argv[(*i)++] : "yes";
    } else if (takes_value && *i >= argc) {
        set_err(err, errlen, "--%.*s needs a value", len, name);
        return CONFIG_ESYNTAX;
    } else if (takes_value) {
        fl->value = argv[(*i)++];
    }
    return CONFIG_OK;
}

int config_parse_args(config_t *cfg, int argc, char *const argv[], config_action_t *action,
                      char *err, size_t errlen)
{
    assert(cfg && action && (argc <= 0 || argv));
    *action = CONFIG_RUN;
    const char *file = NULL;
    bool help = false, version = false, print = false;
    int rc;
    flag_t fl;

    /* First pass: the file and the commands; as with getopt, the first bad flag stops. */
    for (int i = 1; i < argc;) {
        if ((rc = next_flag(argc, argv, &i, &fl, err, errlen)) != CONFIG_OK)
            return rc;
        if (fl.kind == FLAG_CONFIG && file) {
            set_err(err, errlen, "--config given more than once");
            return CONFIG_ESYNTAX;
        }
        help |= fl.kind == FLAG_HELP;
        version |= fl.kind == FLAG_VERSION;
        print |= fl.kind == FLAG_PRINT;
        file = fl.kind == FLAG_CONFIG ? fl.value : file;
    }
    if (help || version) {
        *action = help ? CONFIG_SHOW_HELP : CONFIG_SHOW_VERSION;
        return CONFIG_OK;
    }
    if (file && (rc = config_load_file(cfg, file, err, errlen)) != CONFIG_OK)
        return rc;

    /* Second pass: the options, in order, over the file. */
    for (int i = 1; i < argc;) {
        rc = next_flag(argc, argv, &i, &fl, NULL, 0);
        assert(rc == CONFIG_OK); /* the first pass read the same arguments */
        if (fl.kind == FLAG_OPTION &&
            (rc = config_set(cfg, fl.opt->name, fl.value, err, errlen)) != CONFIG_OK)
            return rc;
    }
    if ((rc = config_validate(cfg, err, errlen)) != CONFIG_OK)
        return rc;
    *action = print ? CONFIG_PRINT : CONFIG_RUN;
    return CONFIG_OK;
}

/* ---- printing ----------------------------------------------------------------------- */

#define UNITS_TEXT                                                                         \
    "Sizes are bytes, or a number with K, M or G (powers of 1024); durations are "         \
    "milliseconds, or a number with ms, s, m, h or d."

/* Writes the words of text wrapped at WIDTH columns, each line led by lead. */
static void wrap(FILE *out, const char *lead, const char *text)
{
    size_t width = WIDTH - strlen(lead), col = 0;
    for (;;) {
        text += strspn(text, " ");
        size_t w = strcspn(text, " ");
        if (w == 0)
            break;
        if (col > 0 && col + 1 + w > width) {
            fputc('\n', out);
            col = 0;
        }
        fputs(col == 0 ? lead : " ", out);
        col += col == 0 ? w : w + 1;
        fwrite(text, 1, w, out);
        text += w;
    }
    if (col > 0)
        fputc('\n', out);
}

/* "Help. Range 1 to 65536; default 1024." wrapped, each line led by lead. */
static void explain(FILE *out, const char *lead, const option_t *o)
{
    config_t def;
    char text[TEXT_MAX], range[MSG_MAX / 2] = "", value[VALUE_MAX];
    config_defaults(&def);
    value_text(o, &def, value, sizeof value);
    if (o->type != T_STRING)
        describe(o, false, range, sizeof range);
    snprintf(text, sizeof text, "%s. %s%s%s.", o->help, range, *range ? "; default " : "Default ",
             value);
    wrap(out, lead, text);
}

void config_print_help(FILE *out, const char *prog)
{
    prog = prog && *prog ? prog : "huddled";
    fprintf(out, "Usage: %s [--config FILE] [--NAME=VALUE | --NAME VALUE]...\n", prog);
    fprintf(out, "       %s --print-config | --help | --version\n\n", prog);
    for (size_t i = 0; i < COMMAND_COUNT; i++)
        fprintf(out, "  %-18s %s\n", commands[i].usage, commands[i].help);
    fputc('\n', out);
    wrap(out, "", "Every option below is a flag (--batch-max=2048 or --batch-max 2048) or a line "
                  "of the config file (batch_max = 2048); flags override the file. A bool flag "
                  "given bare means yes. " UNITS_TEXT);
    for (size_t i = 0; i < OPTION_COUNT; i++) {
        const option_t *o = &options[i];
        if (i == 0 || strcmp(o->section, options[i - 1].section) != 0)
            fprintf(out, "\n%s:\n", o->section);
        fputs("  --", out);
        for (const char *c = o->name; *c; c++)
            fputc(*c == '_' ? '-' : *c, out);
        fprintf(out, "%s\n", types[o->type].placeholder);
        explain(out, "      ", o);
    }
}

void config_print(FILE *out, const config_t *cfg)
{
    wrap(out, "# ", "huddled configuration: \"huddled --config FILE\" reads it, and \"huddled "
                    "--print-config\" prints the one in effect. One \"name = value\" per line; "
                    "lines starting with # are comments. Values may be double-quoted. Flags on "
                    "the command line (--name=value) override this file. " UNITS_TEXT);
    for (size_t i = 0; i < OPTION_COUNT; i++) {
        const option_t *o = &options[i];
        char value[VALUE_MAX];
        if (i == 0 || strcmp(o->section, options[i - 1].section) != 0) {
            int used = fprintf(out, "\n# ---- %s ", o->section);
            for (int col = used - 1; col < WIDTH; col++)
                fputc('-', out);
            fputc('\n', out);
        }
        fputc('\n', out);
        explain(out, "# ", o);
        value_text(o, cfg, value, sizeof value);
        fprintf(out, "%s = %s\n", o->name, value);
    }
}

const char *config_strerror(int code)
{
    static const char *const text[] = {
        [-CONFIG_OK] = "ok",
        [-CONFIG_EUNKNOWN] = "unknown option",
        [-CONFIG_EVALUE] = "bad value",
        [-CONFIG_ESYNTAX] = "syntax error",
        [-CONFIG_EIO] = "cannot read the config file",
        [-CONFIG_ECONFLICT] = "options disagree",
    };
    bool known = code <= 0 && code > -(int)(sizeof text / sizeof text[0]);
    return known ? text[-code] : "unknown config error";
}
