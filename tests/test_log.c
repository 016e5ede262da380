/* Tests for broker/log.c: levels, the line layout, NHS-number redaction, cutting. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hd_time.h"
#include "log.h"

/* "2026-11-22T19:23:15.123Z " */
#define STAMP_LEN (HD_TIME_ISO_LEN - 1)

typedef struct {
    FILE *f;
    char *buf;
    size_t len;
} capture_t;

static int setup(void **state)
{
    capture_t *c = calloc(1, sizeof *c);
    if (!c)
        return -1;
    c->f = open_memstream(&c->buf, &c->len);
    if (!c->f) {
        free(c);
        return -1;
    }
    log_set_stream(c->f);
    log_set_level(LOG_INFO);
    *state = c;
    return 0;
}

static int teardown(void **state)
{
    capture_t *c = *state;
    log_set_stream(NULL);
    log_set_level(LOG_INFO);
    fclose(c->f);
    free(c->buf);
    free(c);
    return 0;
}

/* Forgets what was captured so far. */
static void restart(void **state)
{
    assert_int_equal(teardown(state), 0);
    assert_int_equal(setup(state), 0);
}

/* Everything written so far (log_write flushes each line). */
static const char *captured(void **state)
{
    capture_t *c = *state;
    fflush(c->f);
    return c->buf ? c->buf : "";
}

static size_t count_lines(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += *s == '\n';
    return n;
}

/* The message part of the only line written so far, without the newline. */
static void only_message(void **state, char *out, size_t len)
{
    const char *all = captured(state);
    assert_int_equal(count_lines(all), 1);
    const char *lvl = strchr(all, ']');
    assert_non_null(lvl);
    const char *msg = strchr(lvl + 2, ' ');
    assert_non_null(msg);
    msg++;
    size_t n = strlen(msg) - 1;
    assert_true(n < len);
    memcpy(out, msg, n);
    out[n] = '\0';
}

static void test_level_filtering(void **state)
{
    log_set_level(LOG_WARN);
    assert_true(log_enabled(LOG_ERROR));
    assert_true(log_enabled(LOG_WARN));
    assert_false(log_enabled(LOG_INFO));
    assert_false(log_enabled(LOG_DEBUG));
    log_error("e1");
    log_warn("w1");
    log_info("i1");
    log_debug("d1");
    log_write(LOG_INFO, "i2");
    const char *all = captured(state);
    assert_int_equal(count_lines(all), 2);
    assert_non_null(strstr(all, " ERROR e1\n"));
    assert_non_null(strstr(all, " WARN w1\n"));
    assert_null(strstr(all, "i1"));
    assert_null(strstr(all, "i2"));
    assert_null(strstr(all, "d1"));

    log_set_level(LOG_DEBUG);
    assert_int_equal(log_get_level(), LOG_DEBUG);
    log_debug("d2 %d", 7);
    assert_non_null(strstr(captured(state), " DEBUG d2 7\n"));

    log_set_level(LOG_ERROR);
    log_warn("w2");
    assert_null(strstr(captured(state), "w2"));
    assert_false(log_enabled((log_level_t)42));
}

static int evaluations;
static int counted(void)
{
    return ++evaluations;
}

static void test_disabled_skips_formatting(void **state)
{
    (void)state;
    evaluations = 0;
    log_set_level(LOG_INFO);
    log_debug("%d", counted());
    assert_int_equal(evaluations, 0);
    log_info("%d", counted());
    assert_int_equal(evaluations, 1);
}

static void test_line_format(void **state)
{
    int64_t before = hd_time_now_ms();
    log_info("seq %u kind %s", 42u, "REFERRAL_SUBMITTED");
    int64_t after = hd_time_now_ms();
    const char *line = captured(state);

    /* 2026-11-22T19:23:15.123Z */
    assert_true(strlen(line) > STAMP_LEN);
    for (size_t i = 0; i < STAMP_LEN; i++) {
        char c = line[i];
        switch (i) {
        case 4: case 7: assert_int_equal(c, '-'); break;
        case 10: assert_int_equal(c, 'T'); break;
        case 13: case 16: assert_int_equal(c, ':'); break;
        case 19: assert_int_equal(c, '.'); break;
        case 23: assert_int_equal(c, 'Z'); break;
        default: assert_true(c >= '0' && c <= '9'); break;
        }
    }
    int64_t ms;
    assert_int_equal(hd_time_parse(line, STAMP_LEN, &ms), HD_TIME_OK);
    assert_true(ms >= before - 1 && ms <= after + 1);

    char expect[128];
    snprintf(expect, sizeof expect, " huddled[%ld] INFO seq 42 kind REFERRAL_SUBMITTED\n",
             (long)getpid());
    assert_string_equal(line + STAMP_LEN, expect);
}

static void test_level_words(void **state)
{
    log_set_level(LOG_DEBUG);
    log_write(LOG_ERROR, "a");
    log_write(LOG_WARN, "b");
    log_write(LOG_INFO, "c");
    log_write(LOG_DEBUG, "d");
    const char *all = captured(state);
    assert_non_null(strstr(all, "] ERROR a\n"));
    assert_non_null(strstr(all, "] WARN b\n"));
    assert_non_null(strstr(all, "] INFO c\n"));
    assert_non_null(strstr(all, "] DEBUG d\n"));
}

static void test_redacts_nhs_shapes(void **state)
{
    static const struct {
        const char *in, *out;
    } cases[] = {
        { "patient 9434765919 referred", "patient [redacted] referred" },
        { "patient 943 476 5919 referred", "patient [redacted] referred" },
        { "patient 943-476-5919 referred", "patient [redacted] referred" },
        { "9434765919", "[redacted]" },
        { "nhs=9434765919,x", "nhs=[redacted],x" },
        { "a9434765919b", "a[redacted]b" },
        { "943 476 5919", "[redacted]" },
        { "two 9434765919 and 943-476-5919.", "two [redacted] and [redacted]." },
        { "mixed 943-476 5919", "mixed [redacted]" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        restart(state);
        log_info("%s", cases[i].in);
        char msg[256];
        only_message(state, msg, sizeof msg);
        assert_string_equal(msg, cases[i].out);
        assert_null(strstr(captured(state), "5919"));
    }
}

static void test_other_digit_runs_untouched(void **state)
{
    static const char *const kept[] = {
        "seq 123456789 done",                /* 9 digits */
        "seq 12345678901 done",              /* 11 digits */
        "at 1763840595123 ms",               /* 13-digit ms timestamp */
        "seqs 10001-10010",                  /* 5-5 is not the NHS layout */
        "groups 9434 765 919",               /* 4-3-3 is not either */
        "1943 476 5919",                     /* first group part of a longer run */
        "943 476 59190",                     /* last group part of a longer run */
        "943  476 5919",                     /* two spaces */
        "batch 1024 of 65536 in 12 ms",
    };
    for (size_t i = 0; i < sizeof kept / sizeof kept[0]; i++) {
        restart(state);
        log_info("%s", kept[i]);
        char msg[256];
        only_message(state, msg, sizeof msg);
        assert_string_equal(msg, kept[i]);
    }
}

static void test_long_message_cut(void **state)
{
    char big[3 * LOG_MSG_MAX];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    log_warn("%s", big);
    char *msg = malloc(2 * LOG_MSG_MAX);
    assert_non_null(msg);
    only_message(state, msg, 2 * LOG_MSG_MAX);
    assert_int_equal(strlen(msg), LOG_MSG_MAX);
    for (size_t i = 0; i < LOG_MSG_MAX; i++)
        assert_int_equal(msg[i], 'x');
    free(msg);
}

static void test_cut_keeps_utf8_whole(void **state)
{
    /* "é" is two bytes: put one across the cut. */
    char big[LOG_MSG_MAX + 8];
    memset(big, 'a', LOG_MSG_MAX - 1);
    strcpy(big + LOG_MSG_MAX - 1, "\xc3\xa9tail");
    log_info("%s", big);
    char *msg = malloc(2 * LOG_MSG_MAX);
    assert_non_null(msg);
    only_message(state, msg, 2 * LOG_MSG_MAX);
    assert_int_equal(strlen(msg), LOG_MSG_MAX - 1);
    free(msg);
}

static void test_cut_never_leaks_part_of_a_number(void **state)
{
    /* An NHS number straddling the cut is still redacted, not half written. */
    char big[LOG_MSG_MAX + 32];
    memset(big, 'a', LOG_MSG_MAX - 4);
    strcpy(big + LOG_MSG_MAX - 4, " 9434765919 end");
    log_info("%s", big);
    char *msg = malloc(2 * LOG_MSG_MAX);
    assert_non_null(msg);
    only_message(state, msg, 2 * LOG_MSG_MAX);
    assert_int_equal(strlen(msg), LOG_MSG_MAX);
    assert_string_equal(msg + LOG_MSG_MAX - 4, " [re");
    free(msg);
}

static void test_one_call_one_line(void **state)
{
    log_info("first\nsecond\rthird\tend");
    char msg[128];
    only_message(state, msg, sizeof msg);
    assert_string_equal(msg, "first?second?third?end");
}

static void test_level_parse(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        log_level_t level;
    } good[] = {
        { "error", LOG_ERROR }, { "warn", LOG_WARN }, { "info", LOG_INFO },
        { "debug", LOG_DEBUG }, { "DEBUG", LOG_DEBUG }, { "Warn", LOG_WARN },
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        log_level_t l = LOG_ERROR;
        assert_int_equal(log_level_parse(good[i].text, &l), LOG_OK);
        assert_int_equal(l, good[i].level);
    }
    static const char *const bad[] = { "", "warning", "inf", "info ", " info", "trace", "3" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        log_level_t l = LOG_DEBUG;
        assert_int_equal(log_level_parse(bad[i], &l), LOG_EINVAL);
        assert_int_equal(l, LOG_DEBUG);
    }
    log_level_t l;
    assert_int_equal(log_level_parse(NULL, &l), LOG_EINVAL);

    for (int i = LOG_ERROR; i <= LOG_DEBUG; i++) {
        assert_int_equal(log_level_parse(log_level_name((log_level_t)i), &l), LOG_OK);
        assert_int_equal(l, i);
    }
    assert_string_equal(log_level_name((log_level_t)9), "unknown");
    assert_string_not_equal(log_strerror(LOG_EINVAL), log_strerror(LOG_OK));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_level_filtering, setup, teardown),
        cmocka_unit_test_setup_teardown(test_disabled_skips_formatting, setup, teardown),
        cmocka_unit_test_setup_teardown(test_line_format, setup, teardown),
        cmocka_unit_test_setup_teardown(test_level_words, setup, teardown),
        cmocka_unit_test_setup_teardown(test_redacts_nhs_shapes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_other_digit_runs_untouched, setup, teardown),
        cmocka_unit_test_setup_teardown(test_long_message_cut, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cut_keeps_utf8_whole, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cut_never_leaks_part_of_a_number, setup, teardown),
        cmocka_unit_test_setup_teardown(test_one_call_one_line, setup, teardown),
        cmocka_unit_test_setup_teardown(test_level_parse, setup, teardown),
    };
    return cmocka_run_group_tests_name("log", tests, NULL, NULL);
}
