/* Tests for proto/hd_time.c: instants, calendar dates and their text forms. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "hd_time.h"

/* 0001-01-01T00:00:00.000Z and 9999-12-31T23:59:59.999Z: the well-known limits of
 * four-digit years, -62135596800 s and 253402300799 s from the epoch. */
#define MIN_MS INT64_C(-62135596800000)
#define MAX_MS INT64_C(253402300799999)

/* 1900-01-01: 70 years of 365 days plus 17 leap days (1904-1968) before 1970. */
#define DAY_1900_01_01 (-25567)
/* 3000-01-01: 1030 years of 365 days plus 250 leap days (257 multiples of 4 from
 * 1972 to 2996, less 2100, 2200, 2300, 2500, 2600, 2700, 2900). */
#define DAY_3000_01_01 376200

struct vector {
    const char *text;
    int rc;
};

static int parse(const char *s, int64_t *ms)
{
    return hd_time_parse(s, strlen(s), ms);
}

/* Independent of the module: the test's own leap rule and month table. */
static int month_days(int y, int m)
{
    static const int d[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : d[m - 1];
}

static void test_format_known(void **state)
{
    (void)state;
    static const struct {
        int64_t ms;
        const char *text;
    } known[] = {
        { 0, "1970-01-01T00:00:00.000Z" },
        { INT64_C(1700000000000), "2023-11-14T22:13:20.000Z" },
        { -1, "1969-12-31T23:59:59.999Z" },
        { -86400000, "1969-12-31T00:00:00.000Z" },
        { -86400001, "1969-12-30T23:59:59.999Z" },
        { INT64_C(951782400000), "2000-02-29T00:00:00.000Z" },
        { INT64_C(1767225599999), "2025-12-31T23:59:59.999Z" },
        { INT64_C(1767225600000), "2026-01-01T00:00:00.000Z" },
        { INT64_C(-2208988800000), "1900-01-01T00:00:00.000Z" },
        { INT64_C(-2208988800001), "1899-12-31T23:59:59.999Z" },
        { MIN_MS, "0001-01-01T00:00:00.000Z" },
        { MAX_MS, "9999-12-31T23:59:59.999Z" },
    };
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++) {
        char buf[HD_TIME_ISO_LEN];
        int64_t back = 12345;
        assert_int_equal(hd_time_format(known[i].ms, buf, sizeof buf), HD_TIME_OK);
        assert_string_equal(buf, known[i].text);
        assert_int_equal(strlen(buf), HD_TIME_ISO_LEN - 1);
        assert_int_equal(parse(known[i].text, &back), HD_TIME_OK);
        assert_true(back == known[i].ms);
    }
}

static void test_format_range_and_buffer(void **state)
{
    (void)state;
    static const int64_t outside[] = { MIN_MS - 1, MAX_MS + 1, INT64_MIN, INT64_MAX };
    char buf[HD_TIME_ISO_LEN + 8];
    for (size_t i = 0; i < sizeof outside / sizeof outside[0]; i++) {
        memset(buf, 'x', sizeof buf);
        assert_int_equal(hd_time_format(outside[i], buf, sizeof buf), HD_TIME_ERANGE);
        assert_string_equal(buf, "");
    }
    memset(buf, 'x', sizeof buf);
    assert_int_equal(hd_time_format(0, buf, 0), HD_TIME_ESPACE);
    assert_int_equal(buf[0], 'x');
    assert_int_equal(hd_time_format(0, buf, 1), HD_TIME_ESPACE);
    assert_string_equal(buf, "");
    assert_int_equal(hd_time_format(0, buf, HD_TIME_ISO_LEN - 1), HD_TIME_ESPACE);
    assert_string_equal(buf, "");
    assert_int_equal(hd_time_format(0, buf, HD_TIME_ISO_LEN), HD_TIME_OK);
    assert_int_equal(hd_time_format(0, NULL, 64), HD_TIME_ENULL);
}

/* glibc's gmtime_r as an independent oracle, and parse(format(ms)) == ms, over
 * 1900-2100 finely and over all of 0001-9999 coarsely; odd strides so that every
 * field of the time of day varies. */
static void check_against_gmtime(int64_t from, int64_t to, int64_t stride)
{
    if (sizeof(time_t) < 8)
        skip(); /* a 32-bit time_t cannot be an oracle outside 1901-2038 */
    for (int64_t ms = from; ms <= to; ms += stride) {
        int64_t sec = ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000);
        time_t t = (time_t)sec;
        struct tm tm;
        assert_non_null(gmtime_r(&t, &tm));
        char want[128], got[HD_TIME_ISO_LEN];
        snprintf(want, sizeof want, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
                 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
                 tm.tm_sec, (int)(ms - sec * 1000));
        assert_int_equal(hd_time_format(ms, got, sizeof got), HD_TIME_OK);
        assert_string_equal(got, want);
        int64_t back = 0;
        assert_int_equal(parse(got, &back), HD_TIME_OK);
        assert_true(back == ms);
    }
}

static void test_round_trip_many(void **state)
{
    (void)state;
    int64_t fine = 3 * HD_MS_PER_DAY + 7 * 3600000 + 13 * 60000 + 17 * 1000 + 389;
    /* 1900-01-01T00:00:00.000Z to 2100-12-31T23:59:59.999Z */
    check_against_gmtime(INT64_C(-2208988800000), INT64_C(4133980799999), fine);
    int64_t coarse = 97 * HD_MS_PER_DAY + 5 * 3600000 + 41 * 60000 + 3 * 1000 + 977;
    check_against_gmtime(MIN_MS, MAX_MS, coarse);
}

/* The last millisecond of February and of each year, and the one after. */
static void test_leap_day_and_year_boundaries(void **state)
{
    (void)state;
    for (int y = 1890; y <= 2110; y++) {
        char text[64], buf[HD_TIME_ISO_LEN];
        int64_t ms;
        snprintf(text, sizeof text, "%04d-02-28T23:59:59.999Z", y);
        assert_int_equal(parse(text, &ms), HD_TIME_OK);
        assert_int_equal(hd_time_format(ms + 1, buf, sizeof buf), HD_TIME_OK);
        snprintf(text, sizeof text, "%04d-%sT00:00:00.000Z", y,
                 month_days(y, 2) == 29 ? "02-29" : "03-01");
        assert_string_equal(buf, text);

        snprintf(text, sizeof text, "%04d-12-31T23:59:59.999Z", y);
        assert_int_equal(parse(text, &ms), HD_TIME_OK);
        assert_int_equal(hd_time_format(ms + 1, buf, sizeof buf), HD_TIME_OK);
        snprintf(text, sizeof text, "%04d-01-01T00:00:00.000Z", y + 1);
        assert_string_equal(buf, text);
    }
}

static void test_parse_offsets_and_fractions(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        int64_t ms;
    } good[] = {
        { "2023-11-14T22:13:20Z", INT64_C(1700000000000) },
        { "2023-11-14T23:13:20+01:00", INT64_C(1700000000000) },
        { "2023-11-14T17:13:20-05:00", INT64_C(1700000000000) },
        { "2023-11-15T03:43:20+05:30", INT64_C(1700000000000) },
        { "2023-11-14T22:13:20-00:00", INT64_C(1700000000000) },
        { "2023-11-14T22:13:20+00:00", INT64_C(1700000000000) },
        { "2023-11-14T22:13:20.5Z", INT64_C(1700000000500) },
        { "2023-11-14T22:13:20.05Z", INT64_C(1700000000050) },
        { "2023-11-14T22:13:20.123Z", INT64_C(1700000000123) },
        { "2023-11-14T22:13:20.000+01:00", INT64_C(1699996400000) },
        { "2024-03-01T00:30:00+01:00", INT64_C(1709249400000) }, /* 02-29T23:30Z */
        { "1970-01-01T00:59:59.999+01:00", -1 },
        { "2025-12-31T23:59:59.999+23:59", INT64_C(1767139259999) },
        { "0000-12-31T23:30:00-01:00", MIN_MS + 1800000 },
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        int64_t ms = 42;
        assert_int_equal(parse(good[i].text, &ms), HD_TIME_OK);
        assert_true(ms == good[i].ms);
    }
}

static void test_parse_rejects(void **state)
{
    (void)state;
    static const struct vector bad[] = {
        /* impossible dates */
        { "2026-13-01T00:00:00Z", HD_TIME_EDATE }, { "2026-00-10T00:00:00Z", HD_TIME_EDATE },
        { "2026-01-00T00:00:00Z", HD_TIME_EDATE }, { "2026-01-32T00:00:00Z", HD_TIME_EDATE },
        { "2026-04-31T00:00:00Z", HD_TIME_EDATE }, { "2026-02-29T00:00:00Z", HD_TIME_EDATE },
        { "1900-02-29T00:00:00Z", HD_TIME_EDATE }, { "2100-02-29T00:00:00Z", HD_TIME_EDATE },
        { "2000-02-30T00:00:00Z", HD_TIME_EDATE },
        /* impossible times; 2016-12-31T23:59:60Z was a real leap second */
        { "2026-01-01T24:00:00Z", HD_TIME_ETIME }, { "2026-01-01T23:60:00Z", HD_TIME_ETIME },
        { "2026-01-01T23:59:60Z", HD_TIME_ETIME }, { "2016-12-31T23:59:60Z", HD_TIME_ETIME },
        { "2026-01-01T99:00:00Z", HD_TIME_ETIME },
        /* offsets and precision */
        { "2026-01-01T00:00:00+24:00", HD_TIME_EOFFSET },
        { "2026-01-01T00:00:00+01:60", HD_TIME_EOFFSET },
        { "2026-01-01T00:00:00.1234Z", HD_TIME_EPRECISION },
        { "2026-01-01T00:00:00.123456789Z", HD_TIME_EPRECISION },
        /* range */
        { "0000-12-31T23:59:59.999Z", HD_TIME_ERANGE },
        { "0001-01-01T00:00:00+00:01", HD_TIME_ERANGE },
        { "9999-12-31T23:30:00-01:00", HD_TIME_ERANGE },
        /* layout: missing parts, trailing garbage, wrong separators */
        { "", HD_TIME_ESYNTAX },                  { "2026-01-01", HD_TIME_ESYNTAX },
        { "2026-01-01T00:00:00", HD_TIME_ESYNTAX }, { "2026-01-01T00:00Z", HD_TIME_ESYNTAX },
        { "2026-01-01T00:00:00Zjunk", HD_TIME_ESYNTAX },
        { "2026-01-01T00:00:00Z ", HD_TIME_ESYNTAX },
        { "2026-01-01T00:00:00+01:00Z", HD_TIME_ESYNTAX },
        { "2026-01-01T00:00:00.Z", HD_TIME_ESYNTAX },
        { "2026-01-01T00:00:00,5Z", HD_TIME_ESYNTAX },
        { "2026-01-01t00:00:00Z", HD_TIME_ESYNTAX }, { "2026-01-01T00:00:00z", HD_TIME_ESYNTAX },
        { "2026-01-01 00:00:00Z", HD_TIME_ESYNTAX }, { "2026-1-01T00:00:00Z", HD_TIME_ESYNTAX },
        { "26-01-01T00:00:00Z", HD_TIME_ESYNTAX },  { "+2026-01-01T00:00:00Z", HD_TIME_ESYNTAX },
        { "12026-01-01T00:00:00Z", HD_TIME_ESYNTAX },
        { "2026-01-01T00:00:00+0100", HD_TIME_ESYNTAX },
        { "2026-01-01T00:00:00+1:00", HD_TIME_ESYNTAX },
        { "2026-01-01T00:00:00+01", HD_TIME_ESYNTAX },
        { "2026-01-01T0:00:00Z", HD_TIME_ESYNTAX },  { " 2026-01-01T00:00:00Z", HD_TIME_ESYNTAX },
        { "2026-01-01T00:00:00 Z", HD_TIME_ESYNTAX },
        { "2026-13-01T00:00:00Zx", HD_TIME_ESYNTAX }, /* layout is checked first */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int64_t ms = 777;
        int rc = parse(bad[i].text, &ms);
        if (rc != bad[i].rc)
            print_error("%s: got %d want %d\n", bad[i].text, rc, bad[i].rc);
        assert_int_equal(rc, bad[i].rc);
        assert_true(ms == 777); /* untouched on error */
    }
}

static void test_parse_reads_exactly_len(void **state)
{
    (void)state;
    int64_t ms = 0;
    const char *s = "1970-01-01T00:00:01Z and more";
    assert_int_equal(hd_time_parse(s, 20, &ms), HD_TIME_OK);
    assert_true(ms == 1000);
    assert_int_equal(hd_time_parse(s, 19, &ms), HD_TIME_ESYNTAX);
    assert_int_equal(hd_time_parse(s, 21, &ms), HD_TIME_ESYNTAX);
    static const char nul[] = "1970-01-01T00:00:01\0Z";
    assert_int_equal(hd_time_parse(nul, sizeof nul - 1, &ms), HD_TIME_ESYNTAX);
    assert_int_equal(hd_time_parse(NULL, 20, &ms), HD_TIME_ENULL);
    assert_int_equal(hd_time_parse(s, 20, NULL), HD_TIME_ENULL);
}

/* Every day 1900-01-01 to 2100-12-31 against the test's own running count. */
static void test_date_every_day(void **state)
{
    (void)state;
    int32_t n = DAY_1900_01_01;
    for (int y = 1900; y <= 2100; y++) {
        for (int m = 1; m <= 12; m++) {
            assert_int_equal(hd_days_in_month(y, m), month_days(y, m));
            for (int d = 1; d <= month_days(y, m); d++, n++) {
                char text[32], buf[HD_DATE_LEN], iso[HD_TIME_ISO_LEN];
                int32_t days = -1;
                snprintf(text, sizeof text, "%04d-%02d-%02d", y, m, d);
                assert_int_equal(hd_date_parse(text, 10, &days), HD_TIME_OK);
                assert_int_equal(days, n);
                assert_int_equal(hd_date_format(n, buf, sizeof buf), HD_TIME_OK);
                assert_string_equal(buf, text);
                int64_t midnight = hd_date_to_ms(n);
                assert_true(midnight == (int64_t)n * 86400000);
                assert_int_equal(hd_date_from_ms(midnight), n);
                assert_int_equal(hd_date_from_ms(midnight + 86399999), n);
                assert_int_equal(hd_date_from_ms(midnight - 1), n - 1);
                assert_int_equal(hd_time_format(midnight, iso, sizeof iso), HD_TIME_OK);
                assert_memory_equal(iso, text, 10);
            }
        }
    }
    assert_int_equal(n, 47847); /* 2101-01-01 */
}

static void test_date_rejects_and_range(void **state)
{
    (void)state;
    static const struct vector bad[] = {
        { "2026-02-30", HD_TIME_EDATE },  { "2026-13-01", HD_TIME_EDATE },
        { "2026-00-01", HD_TIME_EDATE },  { "2026-01-00", HD_TIME_EDATE },
        { "2026-02-29", HD_TIME_EDATE },  { "1900-02-29", HD_TIME_EDATE },
        { "2100-02-29", HD_TIME_EDATE },  { "2026-06-31", HD_TIME_EDATE },
        { "0000-01-01", HD_TIME_ERANGE }, { "1899-12-31", HD_TIME_ERANGE },
        { "3000-01-01", HD_TIME_ERANGE }, { "9999-12-31", HD_TIME_ERANGE },
        { "", HD_TIME_ESYNTAX },          { "2026-1-01", HD_TIME_ESYNTAX },
        { "2026/01/01", HD_TIME_ESYNTAX }, { "20260101", HD_TIME_ESYNTAX },
        { "2026-01-01 ", HD_TIME_ESYNTAX }, { "2026-01-01T00:00:00Z", HD_TIME_ESYNTAX },
        { "01-01-2026", HD_TIME_ESYNTAX }, { "2026-01-0a", HD_TIME_ESYNTAX },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int32_t days = 555;
        assert_int_equal(hd_date_parse(bad[i].text, strlen(bad[i].text), &days), bad[i].rc);
        assert_int_equal(days, 555);
    }
    int32_t days;
    assert_int_equal(hd_date_parse("2000-02-29", 10, &days), HD_TIME_OK);
    assert_int_equal(hd_date_parse("2999-12-31", 10, &days), HD_TIME_OK);
    assert_int_equal(days, DAY_3000_01_01 - 1);
    assert_int_equal(hd_date_parse(NULL, 10, &days), HD_TIME_ENULL);
    assert_int_equal(hd_date_parse("2026-01-01", 10, NULL), HD_TIME_ENULL);

    char buf[HD_DATE_LEN];
    assert_int_equal(hd_date_format(DAY_3000_01_01 - 1, buf, sizeof buf), HD_TIME_OK);
    assert_string_equal(buf, "2999-12-31");
    static const int32_t outside[] = { DAY_1900_01_01 - 1, DAY_3000_01_01, INT32_MIN, INT32_MAX };
    for (size_t i = 0; i < sizeof outside / sizeof outside[0]; i++) {
        assert_int_equal(hd_date_format(outside[i], buf, sizeof buf), HD_TIME_ERANGE);
        assert_string_equal(buf, "");
    }
    assert_int_equal(hd_date_format(0, buf, HD_DATE_LEN - 1), HD_TIME_ESPACE);
    assert_string_equal(buf, "");
    assert_int_equal(hd_date_format(0, NULL, 64), HD_TIME_ENULL);
}

static void test_date_from_ms_floors(void **state)
{
    (void)state;
    assert_int_equal(hd_date_from_ms(0), 0);
    assert_int_equal(hd_date_from_ms(86399999), 0);
    assert_int_equal(hd_date_from_ms(86400000), 1);
    assert_int_equal(hd_date_from_ms(-1), -1);
    assert_int_equal(hd_date_from_ms(-86400000), -1);
    assert_int_equal(hd_date_from_ms(-86400001), -2);
    assert_int_equal(hd_date_from_ms(INT64_C(-2208988800000)), DAY_1900_01_01);
    assert_int_equal(hd_date_from_ms(INT64_C(-2208988800001)), DAY_1900_01_01 - 1);
    assert_int_equal(hd_date_from_ms(INT64_MIN), INT32_MIN);
    assert_int_equal(hd_date_from_ms(INT64_MAX), INT32_MAX);
    assert_true(hd_date_to_ms(INT32_MIN) == (int64_t)INT32_MIN * 86400000);
}

static void test_leap_years_and_month_lengths(void **state)
{
    (void)state;
    static const int leap[] = { 2000, 2024, 1996, 2400, 1600, 4, 0 };
    static const int common[] = { 1900, 2100, 2200, 2300, 2023, 2025, 1, 1800 };
    for (size_t i = 0; i < sizeof leap / sizeof leap[0]; i++)
        assert_true(hd_is_leap_year(leap[i]));
    for (size_t i = 0; i < sizeof common / sizeof common[0]; i++)
        assert_false(hd_is_leap_year(common[i]));
    assert_int_equal(hd_days_in_month(2000, 2), 29);
    assert_int_equal(hd_days_in_month(1900, 2), 28);
    assert_int_equal(hd_days_in_month(2026, 4), 30);
    assert_int_equal(hd_days_in_month(2026, 12), 31);
    assert_int_equal(hd_days_in_month(2026, 0), HD_TIME_EDATE);
    assert_int_equal(hd_days_in_month(2026, 13), HD_TIME_EDATE);
}

static void test_clocks(void **state)
{
    (void)state;
    int64_t now = hd_time_now_ms();
    assert_true(now > INT64_C(1577836800000));  /* after 2020-01-01 */
    assert_true(now < INT64_C(7258118400000));  /* before 2200-01-01 */
    char buf[HD_TIME_ISO_LEN];
    assert_int_equal(hd_time_format(now, buf, sizeof buf), HD_TIME_OK);
    int64_t a = hd_time_mono_ms(), b = hd_time_mono_ms();
    assert_true(a > 0);
    assert_true(b >= a);
}

static void test_strerror(void **state)
{
    (void)state;
    for (int code = 0; code >= HD_TIME_EPRECISION; code--) {
        const char *text = hd_time_strerror(code);
        assert_non_null(text);
        assert_true(strlen(text) > 0);
        for (int other = 0; other > code; other--)
            assert_string_not_equal(text, hd_time_strerror(other));
    }
    assert_string_equal(hd_time_strerror(HD_TIME_EPRECISION - 1), hd_time_strerror(1));
    assert_string_equal(hd_time_strerror(INT32_MIN), hd_time_strerror(1));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_format_known),
        cmocka_unit_test(test_format_range_and_buffer),
        cmocka_unit_test(test_round_trip_many),
        cmocka_unit_test(test_leap_day_and_year_boundaries),
        cmocka_unit_test(test_parse_offsets_and_fractions),
        cmocka_unit_test(test_parse_rejects),
        cmocka_unit_test(test_parse_reads_exactly_len),
        cmocka_unit_test(test_date_every_day),
        cmocka_unit_test(test_date_rejects_and_range),
        cmocka_unit_test(test_date_from_ms_floors),
        cmocka_unit_test(test_leap_years_and_month_lengths),
        cmocka_unit_test(test_clocks),
        cmocka_unit_test(test_strerror),
    };
    return cmocka_run_group_tests_name("hd_time", tests, NULL, NULL);
}
