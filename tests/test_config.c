/* Tests for broker/config.c: option values, the config file, flags, printing. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "testutil.h"

#define EXAMPLE "broker/huddled.conf.example"

#define KIB ((size_t)1024)
#define MIB (KIB * 1024)
#define GIB (MIB * 1024)

static char dir[256];   /* the group's temporary directory */
static char path[512];  /* the file tmp_file wrote last */
static char err[1024];  /* the error text of the call under test */

static int group_setup(void **state)
{
    (void)state;
    return tu_mkdtemp(dir, sizeof dir);
}

static int group_teardown(void **state)
{
    (void)state;
    tu_rmtree(dir);
    return 0;
}

/* Writes len bytes of text (all of it when len is 0) to dir/name; returns its path. */
static const char *tmp_file(const char *name, const char *text, size_t len)
{
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    len = len ? len : strlen(text);
    assert_int_equal(fwrite(text, 1, len, fp), len);
    assert_int_equal(fclose(fp), 0);
    return path;
}

static bool starts_with(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* config_set over the defaults, error text in err. */
static int set1(config_t *cfg, const char *name, const char *value)
{
    config_defaults(cfg);
    err[0] = '\0';
    return config_set(cfg, name, value, err, sizeof err);
}

/* config_parse_args over the defaults with the NULL-terminated arguments after act. */
static int parse(config_t *c, config_action_t *act, ...)
{
    char *argv[32] = { strdup("huddled") };
    int argc = 1;
    va_list ap;
    va_start(ap, act);
    for (const char *a; argc < 31 && (a = va_arg(ap, const char *)) != NULL;)
        argv[argc++] = strdup(a);
    va_end(ap);
    config_defaults(c);
    err[0] = '\0';
    int rc = config_parse_args(c, argc, argv, act, err, sizeof err);
    for (int i = 0; i < argc; i++)
        free(argv[i]);
    return rc;
}

/* config_print into a string (free it). */
static char *print_to_string(const config_t *c)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    assert_non_null(m);
    config_print(m, c);
    assert_int_equal(fclose(m), 0);
    return buf;
}

static void assert_configs_equal(const config_t *a, const config_t *b)
{
    assert_string_equal(a->endpoint, b->endpoint);
    assert_string_equal(a->store, b->store);
    assert_memory_equal(a, b, sizeof *a); /* every field, padding zeroed by config_defaults */
}

/* ---- values ------------------------------------------------------------------------- */

static void test_defaults(void **state)
{
    (void)state;
    config_t c;
    config_defaults(&c);
    assert_string_equal(c.endpoint, "tcp://127.0.0.1:7411");
    assert_string_equal(c.store, "var/store");
    assert_int_equal(c.map_initial, 64 * MIB);
    assert_int_equal(c.map_step, 64 * MIB);
    assert_int_equal(c.map_max, 16 * GIB);
    assert_int_equal(c.map_headroom, MIB);
    assert_int_equal(c.max_frame, 256 * KIB);
    assert_int_equal(c.batch_max, 1024);
    assert_int_equal(c.max_sessions, 1024);
    assert_int_equal(c.reply_queue_max, 10000);
    assert_int_equal(c.credit_default, 100);
    assert_int_equal(c.credit_max, 10000);
    assert_int_equal(c.subscriptions_max, 64);
    assert_int_equal(c.query_limit_default, 100);
    assert_int_equal(c.query_limit_max, 1000);
    assert_int_equal(c.heartbeat_ivl, 5000);
    assert_int_equal(c.heartbeat_timeout, 15000);
    assert_int_equal(c.session_idle, 60000);
    assert_int_equal(c.sndhwm, 100000);
    assert_int_equal(c.rcvhwm, 100000);
    assert_int_equal(c.reader_check_ivl, 60000);
    assert_int_equal(c.timers_per_batch, 256);
    assert_int_equal(c.shutdown_grace, 5000);
    assert_int_equal(c.log_level, LOG_INFO);
    assert_false(c.test_mode);
    assert_int_equal(config_validate(&c, NULL, 0), CONFIG_OK);

    config_t d; /* zeroed first, so two default configurations are equal byte for byte */
    memset(&d, 0xAB, sizeof d);
    config_defaults(&d);
    assert_memory_equal(&c, &d, sizeof c);
}

#define FIELD(f) offsetof(config_t, f), sizeof(((config_t *)0)->f)

/* A numeric field of any width as a uint64_t. */
static uint64_t field_value(const config_t *c, size_t offset, size_t size)
{
    const unsigned char *p = (const unsigned char *)c + offset;
    bool b;
    uint32_t u32;
    uint64_t u64;
    switch (size) {
    case 1: memcpy(&b, p, 1); return b;
    case 4: memcpy(&u32, p, 4); return u32;
    default: memcpy(&u64, p, 8); return u64;
    }
}

static void test_good_values(void **state)
{
    (void)state;
    static const struct {
        const char *name, *text;
        size_t offset, size;
        uint64_t value;
    } cases[] = {
        /* sizes: bytes, or K, M, G in either case */
        { "max_frame", "256K", FIELD(max_frame), 256 * KIB },
        { "max_frame", "256k", FIELD(max_frame), 256 * KIB },
        { "max_frame", "1024", FIELD(max_frame), 1024 },
        { "max_frame", "64m", FIELD(max_frame), 64 * MIB },
        { "max_frame", "65536K", FIELD(max_frame), 64 * MIB },
        { "max_frame", "0001K", FIELD(max_frame), KIB },
        { "map_max", "1024G", FIELD(map_max), 1024 * GIB },
        { "map_max", "2g", FIELD(map_max), 2 * GIB },
        { "map_headroom", "0", FIELD(map_headroom), 0 },
        /* durations: milliseconds, or ms, s, m, h, d */
        { "heartbeat_ivl", "5s", FIELD(heartbeat_ivl), 5000 },
        { "heartbeat_ivl", "1500ms", FIELD(heartbeat_ivl), 1500 },
        { "heartbeat_ivl", "250", FIELD(heartbeat_ivl), 250 },
        { "heartbeat_ivl", "2m", FIELD(heartbeat_ivl), 120000 },
        { "heartbeat_timeout", "1h", FIELD(heartbeat_timeout), 3600000 },
        { "session_idle", "7d", FIELD(session_idle), 604800000 },
        { "shutdown_grace", "0", FIELD(shutdown_grace), 0 },
        /* whole numbers, at their bounds */
        { "batch_max", "1", FIELD(batch_max), 1 },
        { "batch_max", "65536", FIELD(batch_max), 65536 },
        { "reply_queue_max", "16", FIELD(reply_queue_max), 16 },
        { "sndhwm", "5000", FIELD(sndhwm), 5000 },
        /* bools and levels, in any case */
        { "test_mode", "yes", FIELD(test_mode), 1 },   { "test_mode", "true", FIELD(test_mode), 1 },
        { "test_mode", "on", FIELD(test_mode), 1 },    { "test_mode", "1", FIELD(test_mode), 1 },
        { "test_mode", "YES", FIELD(test_mode), 1 },   { "test_mode", "Off", FIELD(test_mode), 0 },
        { "log_level", "error", FIELD(log_level), LOG_ERROR },
        { "log_level", "warn", FIELD(log_level), LOG_WARN },
        { "log_level", "DEBUG", FIELD(log_level), LOG_DEBUG },
    };
    static const char *const falses[] = { "no", "false", "off", "0" };
    config_t c;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        if (set1(&c, cases[i].name, cases[i].text) != CONFIG_OK)
            fail_msg("%s = %s refused: %s", cases[i].name, cases[i].text, err);
        assert_int_equal(field_value(&c, cases[i].offset, cases[i].size), cases[i].value);
    }
    for (size_t i = 0; i < sizeof falses / sizeof falses[0]; i++) {
        config_defaults(&c);
        c.test_mode = true;
        assert_int_equal(config_set(&c, "test_mode", falses[i], NULL, 0), CONFIG_OK);
        assert_false(c.test_mode);
    }
}

static void test_bad_values(void **state)
{
    (void)state;
    static const struct {
        const char *name, *err, *texts[20];
    } cases[] = {
        { "max_frame", "max_frame: expected a size from 1K to 64M (bytes, or a number with K",
          { "", "K", "1.5M", "-1", "+1K", " 1K", "1K ", "1 K", "1KB", "1MiB", "1T", "0x400",
            "1023", "65M", "2G", "99999999999999999999", "18014398509481984K" } },
        { "heartbeat_ivl", "heartbeat_ivl: expected a duration from 100ms to 10m",
          { "", "s", "5S", "5 s", "1.5s", "-5s", "5sec", "5M", "99ms", "11m", "1h", "5us" } },
        { "batch_max", "batch_max: expected a whole number from 1 to 65536",
          { "0", "65537", "-1", "+5", " 5", "5 ", "0x10", "1e3", "5K", "abc", "", "4294967297" } },
        { "reply_queue_max", "reply_queue_max: expected a whole number from 16 to", { "15" } },
        { "max_sessions", "max_sessions: expected a whole number from 1 to", { "0" } },
        { "test_mode", "test_mode: expected yes or no (or true/false, on/off, 1/0)",
          { "", "maybe", "2", "y", "n", "yes ", "enabled" } },
        { "log_level", "log_level: expected error, warn, info or debug", { "verbose", "", "3" } },
    };
    config_t c, before;
    config_defaults(&before);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        for (const char *const *t = cases[i].texts; *t; t++) {
            char got[64];
            if (set1(&c, cases[i].name, *t) != CONFIG_EVALUE || !starts_with(err, cases[i].err))
                fail_msg("%s = \"%s\": \"%s\"", cases[i].name, *t, err);
            snprintf(got, sizeof got, ", got \"%s\"", *t); /* the value is quoted back */
            assert_non_null(strstr(err, got));
            assert_memory_equal(&c, &before, sizeof c); /* a refused value changes nothing */
        }
    }
    assert_int_equal(set1(&c, "batch_max", "0"), CONFIG_EVALUE);
    assert_string_equal(err, "batch_max: expected a whole number from 1 to 65536, got \"0\"");
    assert_int_equal(set1(&c, "log_level", "verbose"), CONFIG_EVALUE);
    assert_string_equal(err, "log_level: expected error, warn, info or debug, got \"verbose\"");
}

static void test_strings(void **state)
{
    (void)state;
    config_t c, fresh;
    assert_int_equal(set1(&c, "endpoint", "tcp://0.0.0.0:9000"), CONFIG_OK);
    assert_string_equal(c.endpoint, "tcp://0.0.0.0:9000");
    /* A shorter value leaves no trace of the longer one. */
    assert_int_equal(config_set(&c, "endpoint", "tcp://127.0.0.1:7411", NULL, 0), CONFIG_OK);
    config_defaults(&fresh);
    assert_memory_equal(&c, &fresh, sizeof c);

    char longest[CONFIG_ENDPOINT_MAX + 1];
    memset(longest, 'e', sizeof longest);
    longest[CONFIG_ENDPOINT_MAX - 1] = '\0';
    assert_int_equal(set1(&c, "endpoint", longest), CONFIG_OK);
    assert_int_equal(strlen(c.endpoint), CONFIG_ENDPOINT_MAX - 1);
    longest[CONFIG_ENDPOINT_MAX - 1] = 'e';
    longest[CONFIG_ENDPOINT_MAX] = '\0';
    assert_int_equal(set1(&c, "endpoint", longest), CONFIG_EVALUE);
    assert_true(starts_with(err, "endpoint: expected text from 1 to 255 bytes"));

    assert_int_equal(set1(&c, "store", ""), CONFIG_EVALUE);
    assert_true(starts_with(err, "store: expected text"));
    assert_int_equal(set1(&c, "store", "var/a\nb"), CONFIG_EVALUE);
    assert_int_equal(set1(&c, "store", "/srv/huddle store #1"), CONFIG_OK);
    assert_string_equal(c.store, "/srv/huddle store #1");
}

static void test_unknown_and_names(void **state)
{
    (void)state;
    config_t c, before;
    static const char *const unknown[] = { "batch_size", "", "batch_max_", "batch", "config" };
    config_defaults(&before);
    for (size_t i = 0; i < sizeof unknown / sizeof unknown[0]; i++) {
        assert_int_equal(set1(&c, unknown[i], "5"), CONFIG_EUNKNOWN);
        assert_true(starts_with(err, unknown[i]));
        assert_memory_equal(&c, &before, sizeof c);
    }
    assert_string_equal(err, "config: unknown option");
    assert_int_equal(set1(&c, "batch-max", "5"), CONFIG_OK);
    assert_int_equal(c.batch_max, 5);
    assert_int_equal(set1(&c, "query-limit_max", "7"), CONFIG_OK);
    assert_int_equal(c.query_limit_max, 7);
    char tiny[8]; /* a short error buffer is cut, never overrun */
    assert_int_equal(config_set(&c, "batch_max", "0", tiny, sizeof tiny), CONFIG_EVALUE);
    assert_string_equal(tiny, "batch_m");
}

/* ---- the file ----------------------------------------------------------------------- */

static void test_file(void **state)
{
    (void)state;
    tmp_file("a.conf",
             "# a comment\n"
             "\n"
             "   # an indented comment\n"
             "batch_max = 12\n"
             "\tcredit_default=7   \n"
             "store = \"  /srv/huddle # not a comment  \"\n"
             "endpoint=tcp://10.0.0.1:7411\r\n"
             "map-max = 2G\n"
             "batch_max = 13\n"
             "test_mode = on\n"
             "log_level = \"debug\"\n"
             "max_frame = 1M", 0);
    config_t c;
    config_defaults(&c);
    assert_int_equal(config_load_file(&c, path, err, sizeof err), CONFIG_OK);
    assert_int_equal(c.batch_max, 13); /* the later line wins */
    assert_int_equal(c.credit_default, 7);
    assert_string_equal(c.store, "  /srv/huddle # not a comment  ");
    assert_string_equal(c.endpoint, "tcp://10.0.0.1:7411");
    assert_int_equal(c.map_max, 2 * GIB);
    assert_true(c.test_mode);
    assert_int_equal(c.log_level, LOG_DEBUG);
    assert_int_equal(c.max_frame, MIB);
    assert_int_equal(c.credit_max, 10000); /* untouched */
}

static void test_file_errors(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        size_t len; /* 0: the whole text */
        int rc;
        unsigned line;
        const char *after; /* err is "path:line: " and then this */
    } cases[] = {
        { "# ok\nbatch_max = 5\n\nbatch_max = 0\n", 0, CONFIG_EVALUE, 4,
          "batch_max: expected a whole number from 1 to 65536, got \"0\"" },
        { "no_such = 1\n", 0, CONFIG_EUNKNOWN, 1, "no_such: unknown option" },
        { "\n\nbatch_max 5\n", 0, CONFIG_ESYNTAX, 3, "expected name = value" },
        { "= 5\n", 0, CONFIG_ESYNTAX, 1, "expected name = value" },
        { "store = \"var/x\n", 0, CONFIG_ESYNTAX, 1, "store: the value has no closing quote" },
        { "store = \"\n", 0, CONFIG_ESYNTAX, 1, "store: the value has no closing quote" },
        { "store = \"\"\n", 0, CONFIG_EVALUE, 1, "store: expected text" },
        { "batch_max = 5 # per batch\n", 0, CONFIG_EVALUE, 1, "batch_max: expected" },
        { "test_mode =\n", 0, CONFIG_EVALUE, 1, "test_mode: expected yes or no" },
        { "batch_max = 5\0junk\n", 19, CONFIG_ESYNTAX, 1, "a NUL byte" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char want[1024];
        tmp_file("bad.conf", cases[i].text, cases[i].len);
        config_t c;
        config_defaults(&c);
        assert_int_equal(config_load_file(&c, path, err, sizeof err), cases[i].rc);
        snprintf(want, sizeof want, "%s:%u: %s", path, cases[i].line, cases[i].after);
        if (!starts_with(err, want))
            fail_msg("case %zu: got \"%s\", want a start of \"%s\"", i, err, want);
    }
    config_t c;
    config_defaults(&c);
    assert_int_equal(config_load_file(&c, "/nonexistent/h.conf", err, sizeof err), CONFIG_EIO);
    assert_true(starts_with(err, "/nonexistent/h.conf: cannot open"));
}

/* ---- flags -------------------------------------------------------------------------- */

static void test_flag_forms(void **state)
{
    (void)state;
    config_t c, d;
    config_action_t act;
    assert_int_equal(parse(&c, &act, "--batch-max=5", "--credit_default", "9", "--map-max", "1G",
                           "--map_initial=512M", "--store", "-odd-dir", "--endpoint=tcp://*:1=2",
                           "--log-level", "warn", NULL),
                     CONFIG_OK);
    assert_int_equal(act, CONFIG_RUN);
    assert_int_equal(c.batch_max, 5);
    assert_int_equal(c.credit_default, 9);
    assert_int_equal(c.map_max, GIB);
    assert_int_equal(c.map_initial, 512 * MIB);
    assert_string_equal(c.store, "-odd-dir");
    assert_string_equal(c.endpoint, "tcp://*:1=2");
    assert_int_equal(c.log_level, LOG_WARN);

    /* Bools: bare means yes; a bool word after the flag is its value. */
    assert_int_equal(parse(&c, &act, "--test-mode", NULL), CONFIG_OK);
    assert_true(c.test_mode);
    assert_int_equal(parse(&c, &act, "--test-mode", "--batch-max", "3", NULL), CONFIG_OK);
    assert_true(c.test_mode);
    assert_int_equal(c.batch_max, 3);
    assert_int_equal(parse(&c, &act, "--test-mode", "no", NULL), CONFIG_OK);
    assert_false(c.test_mode);
    assert_int_equal(parse(&c, &act, "--test_mode=off", NULL), CONFIG_OK);
    assert_false(c.test_mode);
    assert_int_equal(parse(&c, &act, "--test-mode", "--test-mode=0", NULL), CONFIG_OK);
    assert_false(c.test_mode);

    config_defaults(&d); /* no arguments at all: the defaults, to run */
    assert_int_equal(parse(&c, &act, NULL), CONFIG_OK);
    assert_int_equal(act, CONFIG_RUN);
    assert_memory_equal(&c, &d, sizeof c);
}

static void test_flags_override_file(void **state)
{
    (void)state;
    config_t c;
    config_action_t act;
    char arg[600];
    tmp_file("o.conf", "batch_max = 10\ncredit_default = 5\nstore = from-file\n", 0);
    /* Flag before --config. */
    assert_int_equal(parse(&c, &act, "--batch-max=20", "--config", path, NULL), CONFIG_OK);
    assert_int_equal(c.batch_max, 20);
    assert_int_equal(c.credit_default, 5);
    assert_string_equal(c.store, "from-file");
    /* Flags after --config=. */
    snprintf(arg, sizeof arg, "--config=%s", path);
    assert_int_equal(parse(&c, &act, arg, "--batch-max", "30", "--store", "x", NULL), CONFIG_OK);
    assert_int_equal(c.batch_max, 30);
    assert_int_equal(c.credit_default, 5);
    assert_string_equal(c.store, "x");
    /* A later flag wins over an earlier one. */
    assert_int_equal(parse(&c, &act, "--batch-max=1", "--batch-max=2", NULL), CONFIG_OK);
    assert_int_equal(c.batch_max, 2);

    /* A bad file is reported with its place; a missing one with its name. */
    tmp_file("b.conf", "batch_max = 10\nbatch_max = x\n", 0);
    assert_int_equal(parse(&c, &act, "--config", path, NULL), CONFIG_EVALUE);
    snprintf(arg, sizeof arg, "%s:2: batch_max: expected", path);
    assert_true(starts_with(err, arg));
    assert_int_equal(parse(&c, &act, "--config", "/nonexistent.conf", NULL), CONFIG_EIO);
    assert_non_null(strstr(err, "/nonexistent.conf"));
}

static void test_commands(void **state)
{
    (void)state;
    static const struct {
        const char *args[4];
        config_action_t act;
    } cases[] = {
        { { "--help" }, CONFIG_SHOW_HELP },
        { { "-h" }, CONFIG_SHOW_HELP },
        { { "--version" }, CONFIG_SHOW_VERSION },
        { { "--version", "--help" }, CONFIG_SHOW_HELP },
        { { "--print-config", "--batch-max=9" }, CONFIG_PRINT },
        /* Help neither reads the file nor checks values. */
        { { "--config", "/nonexistent.conf", "--batch-max=0", "--help" }, CONFIG_SHOW_HELP },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        config_t c;
        config_action_t act = CONFIG_RUN;
        const char *const *a = cases[i].args;
        assert_int_equal(parse(&c, &act, a[0], a[1], a[2], a[3], NULL), CONFIG_OK);
        assert_int_equal(act, cases[i].act);
        assert_int_equal(c.batch_max, act == CONFIG_PRINT ? 9 : 1024);
    }
}

static void test_flag_errors(void **state)
{
    (void)state;
    static const struct {
        const char *args[3];
        int rc;
        const char *err;
    } cases[] = {
        { { "--batch-size=5" }, CONFIG_EUNKNOWN, "unknown option --batch-size" },
        { { "--bogus", "--help" }, CONFIG_EUNKNOWN, "unknown option --bogus" },
        { { "stray" }, CONFIG_ESYNTAX, "unexpected argument \"stray\"" },
        { { "-x" }, CONFIG_ESYNTAX, "unexpected argument \"-x\"" },
        { { "--" }, CONFIG_ESYNTAX, "unexpected argument \"--\"" },
        { { "--batch-max" }, CONFIG_ESYNTAX, "--batch-max needs a value" },
        { { "--config" }, CONFIG_ESYNTAX, "--config needs a value" },
        { { "--help=yes" }, CONFIG_ESYNTAX, "--help takes no value" },
        { { "--config=a", "--config=b" }, CONFIG_ESYNTAX, "--config given more than once" },
        { { "--batch-max=0" }, CONFIG_EVALUE,
          "batch_max: expected a whole number from 1 to 65536, got \"0\"" },
        { { "--test-mode", "maybe" }, CONFIG_ESYNTAX, "unexpected argument \"maybe\"" },
        { { "--credit-default=20000" }, CONFIG_ECONFLICT, "credit_default (20000) must be" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        config_t c;
        config_action_t act = CONFIG_PRINT;
        const char *const *a = cases[i].args;
        int rc = parse(&c, &act, a[0], a[1], a[2], NULL);
        if (rc != cases[i].rc || !starts_with(err, cases[i].err))
            fail_msg("case %zu: %d \"%s\", want %d \"%s\"", i, rc, err, cases[i].rc, cases[i].err);
        assert_int_equal(act, CONFIG_RUN);
    }
}

/* ---- printing ----------------------------------------------------------------------- */

static void test_print_round_trip(void **state)
{
    (void)state;
    /* Every option away from its default, some at awkward values. */
    static const char *const changes[][2] = {
        { "endpoint", "ipc:///run/huddle \"x\"" }, { "store", "  /srv/h#1 \"" },
        { "sndhwm", "7" },           { "rcvhwm", "9999999" },     { "heartbeat_ivl", "1500" },
        { "heartbeat_timeout", "2m" }, { "session_idle", "25h" }, { "map_initial", "1025K" },
        { "map_step", "3M" },        { "map_max", "1024G" },      { "map_headroom", "1000" },
        { "reader_check_ivl", "1d" }, { "max_frame", "64M" },     { "batch_max", "65536" },
        { "max_sessions", "3" },     { "reply_queue_max", "16" }, { "timers_per_batch", "1" },
        { "credit_default", "2" },   { "credit_max", "3" },       { "subscriptions_max", "4096" },
        { "query_limit_default", "5" }, { "query_limit_max", "6" }, { "shutdown_grace", "0" },
        { "log_level", "error" },    { "test_mode", "true" },
    };
    config_t c, d, back;
    config_action_t act;
    config_defaults(&c);
    config_defaults(&d);
    for (size_t i = 0; i < sizeof changes / sizeof changes[0]; i++)
        assert_int_equal(config_set(&c, changes[i][0], changes[i][1], NULL, 0), CONFIG_OK);
    char *text = print_to_string(&c);
    static const char *const lines[] = {
        "\nmap_initial = 1025K\n", "\nheartbeat_ivl = 1500ms\n", "\nsession_idle = 25h\n",
        "\nmap_headroom = 1000\n", "\ntest_mode = yes\n", "\nstore = \"  /srv/h#1 \"\"\n",
    };
    for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++)
        assert_non_null(strstr(text, lines[i]));
    tmp_file("round.conf", text, 0);
    free(text);

    config_defaults(&back);
    assert_int_equal(config_load_file(&back, path, err, sizeof err), CONFIG_OK);
    assert_configs_equal(&back, &c);
    back = c; /* the file sets every option, whatever it is loaded over */
    back.batch_max = 77;
    assert_int_equal(config_load_file(&back, path, err, sizeof err), CONFIG_OK);
    assert_configs_equal(&back, &c);

    /* The defaults too, through --config plus --print-config. */
    text = print_to_string(&d);
    tmp_file("defaults.conf", text, 0);
    free(text);
    assert_int_equal(parse(&back, &act, "--config", path, "--print-config", NULL), CONFIG_OK);
    assert_int_equal(act, CONFIG_PRINT);
    assert_configs_equal(&back, &d);
}

static void test_example_is_the_defaults(void **state)
{
    (void)state;
    config_t d, ex;
    config_defaults(&d);
    config_defaults(&ex);
    ex.batch_max = 1; /* the file must set it back */
    assert_int_equal(config_load_file(&ex, EXAMPLE, err, sizeof err), CONFIG_OK);
    assert_configs_equal(&ex, &d);

    /* Byte for byte what --print-config writes, so that a new option, a changed default
     * or a changed help line fails this test until the example follows. */
    FILE *fp = fopen(EXAMPLE, "r");
    assert_non_null(fp);
    static char file[65536];
    size_t n = fread(file, 1, sizeof file - 1, fp);
    fclose(fp);
    file[n] = '\0';
    char *printed = print_to_string(&d);
    assert_string_equal(file, printed);
    free(printed);
}

static void test_help(void **state)
{
    (void)state;
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    assert_non_null(m);
    config_print_help(m, "huddled-x");
    fclose(m);
    assert_true(starts_with(buf, "Usage: huddled-x [--config FILE]"));
    assert_non_null(strstr(buf, "\n  --config FILE "));
    assert_non_null(strstr(buf, "\n  -h, --help "));
    assert_non_null(strstr(buf, "\n  --batch-max=N\n"));
    assert_non_null(strstr(buf, "\n  --heartbeat-ivl=DURATION\n"));
    assert_non_null(strstr(buf, "\n  --test-mode[=yes|no]\n"));
    /* Sentences, wherever they were wrapped; every line within 80 columns. */
    char *flat = strdup(buf);
    assert_non_null(flat);
    size_t o = 0, col = 0;
    for (size_t i = 0; buf[i]; i++) {
        bool space = buf[i] == ' ' || buf[i] == '\n';
        col = buf[i] == '\n' ? 0 : col + 1;
        assert_true(col <= 80);
        if (!space || (o > 0 && flat[o - 1] != ' '))
            flat[o++] = space ? ' ' : buf[i];
    }
    flat[o] = '\0';
    static const char *const sentences[] = {
        "Messages applied in one write transaction. Range 1 to 65536; default 1024.",
        "Store directory (LMDB data.mdb and lock.mdb). Default \"var/store\".",
        "Range 1M to 1024G; default 16G.", "Range 100ms to 1h; default 15s.",
        "One of error, warn, info or debug; default info.", "One of yes or no; default no.",
    };
    for (size_t i = 0; i < sizeof sentences / sizeof sentences[0]; i++) {
        if (!strstr(flat, sentences[i]))
            fail_msg("help lacks \"%s\"", sentences[i]);
    }
    free(flat);
    free(buf);
}

/* ---- checks between options --------------------------------------------------------- */

static void test_validate(void **state)
{
    (void)state;
    static const struct {
        const char *name, *value;
        int rc;
        const char *err;
    } cases[] = {
        { "map_initial", "16G", CONFIG_OK, NULL },
        { "map_initial", "17G", CONFIG_ECONFLICT, "map_initial (17G) must be at most map_max (16G)" },
        { "map_max", "32M", CONFIG_ECONFLICT, "map_initial (64M) must be at most map_max (32M)" },
        { "credit_default", "10000", CONFIG_OK, NULL },
        { "credit_default", "10001", CONFIG_ECONFLICT,
          "credit_default (10001) must be at most credit_max (10000)" },
        { "credit_max", "99", CONFIG_ECONFLICT, "credit_default (100) must be at most credit_max" },
        { "query_limit_default", "1000", CONFIG_OK, NULL },
        { "query_limit_max", "99", CONFIG_ECONFLICT,
          "query_limit_default (100) must be at most query_limit_max (99)" },
        { "heartbeat_ivl", "14999", CONFIG_OK, NULL },
        { "heartbeat_ivl", "15s", CONFIG_ECONFLICT,
          "heartbeat_ivl (15s) must be less than heartbeat_timeout (15s)" },
        { "heartbeat_timeout", "5s", CONFIG_ECONFLICT, "heartbeat_ivl (5s) must be less than" },
        { "map_headroom", "1G", CONFIG_OK, NULL },
        { "placement_review_first", "14d", CONFIG_ECONFLICT,
          "placement_review_first (14d) must be less than placement_review_second (14d)" },
        { "placement_review_second", "42d", CONFIG_ECONFLICT,
          "placement_review_second (42d) must be less than placement_alert (42d)" },
        { "delay_reasons", "A,B,X12", CONFIG_OK, NULL },
        { "delay_reasons", "A,,B", CONFIG_ECONFLICT, "delay_reasons (A,,B): each code must be 1 to 4" },
        { "delay_reasons", "A,B,", CONFIG_ECONFLICT, "delay_reasons (A,B,): each code must be 1 to 4" },
        { "delay_reasons", "D1 ,E", CONFIG_ECONFLICT, "delay_reasons (D1 ,E): each code" },
        { "delay_reasons", "LONG5", CONFIG_ECONFLICT, "delay_reasons (LONG5): each code" },
        { "delay_reasons", "D1,E,D1", CONFIG_ECONFLICT, "delay_reasons (D1,E,D1): no code may be listed twice" },
        { "delay_reasons", "1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31,32",
          CONFIG_OK, NULL },
        { "delay_reasons", "1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31,32,33",
          CONFIG_ECONFLICT, "delay_reasons (1,2," },
    };
    config_t c;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        assert_int_equal(set1(&c, cases[i].name, cases[i].value), CONFIG_OK);
        int rc = config_validate(&c, err, sizeof err);
        if (rc != cases[i].rc || (cases[i].err && !starts_with(err, cases[i].err)))
            fail_msg("case %zu: rc %d err \"%s\"", i, rc, err);
    }
    /* The headroom must stay under half the map. */
    config_defaults(&c);
    assert_int_equal(config_set(&c, "map_initial", "2M", NULL, 0), CONFIG_OK);
    assert_int_equal(config_set(&c, "map_max", "2M", NULL, 0), CONFIG_OK);
    assert_int_equal(config_validate(&c, err, sizeof err), CONFIG_ECONFLICT);
    assert_true(starts_with(err, "map_headroom (1M) must be less than half of map_max (2M)"));
    assert_int_equal(config_set(&c, "map_headroom", "1023K", NULL, 0), CONFIG_OK);
    assert_int_equal(config_validate(&c, err, sizeof err), CONFIG_OK);
}

/* A coded list holds whole codes only. */
static void test_has_code(void **state)
{
    (void)state;
    config_t c;
    config_defaults(&c);
    assert_true(config_has_code(c.delay_reasons, "A"));
    assert_true(config_has_code(c.delay_reasons, "D2"));
    assert_true(config_has_code(c.delay_reasons, "O"));
    assert_false(config_has_code(c.delay_reasons, "D"));
    assert_false(config_has_code(c.delay_reasons, "D3"));
    assert_false(config_has_code(c.delay_reasons, ""));
    assert_false(config_has_code(c.delay_reasons, "A,B"));
    assert_false(config_has_code(c.delay_reasons, "a"));
}

static void test_strerror(void **state)
{
    (void)state;
    for (int code = CONFIG_OK; code >= CONFIG_ECONFLICT; code--) {
        for (int other = CONFIG_OK; other > code; other--)
            assert_string_not_equal(config_strerror(code), config_strerror(other));
    }
    assert_string_equal(config_strerror(-99), config_strerror(1));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_good_values),
        cmocka_unit_test(test_bad_values),
        cmocka_unit_test(test_strings),
        cmocka_unit_test(test_unknown_and_names),
        cmocka_unit_test(test_file),
        cmocka_unit_test(test_file_errors),
        cmocka_unit_test(test_flag_forms),
        cmocka_unit_test(test_flags_override_file),
        cmocka_unit_test(test_commands),
        cmocka_unit_test(test_flag_errors),
        cmocka_unit_test(test_print_round_trip),
        cmocka_unit_test(test_example_is_the_defaults),
        cmocka_unit_test(test_help),
        cmocka_unit_test(test_validate),
        cmocka_unit_test(test_has_code),
        cmocka_unit_test(test_strerror),
    };
    return cmocka_run_group_tests_name("config", tests, group_setup, group_teardown);
}
