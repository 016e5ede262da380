/* hd_time — instants and calendar dates (see hd_time.h). */
#include "hd_time.h"

#include <time.h>

#define MS_PER_SECOND INT64_C(1000)
#define MS_PER_MINUTE INT64_C(60000)
#define MS_PER_HOUR   INT64_C(3600000)

/* Most fraction digits accepted: milliseconds. */
#define ISO_FRACTION_MAX 3

/* ---- calendar arithmetic ------------------------------------------------------ */

/* Rounds towards minus infinity, unlike '/': the day of -1 ms is -1, not 0. */
static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    if (a % b < 0)
        q--;
    return q;
}

/* Days since 1970-01-01 of a proleptic Gregorian date: Howard Hinnant's
 * days_from_civil ("chrono-Compatible Low-Level Date Algorithms"). Eras are 400-year
 * cycles of 146097 days counted from 0000-03-01, so February ends each year. */
static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;                                  /* [0, 399] */
    int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1; /* [0, 365] */
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;          /* [0, 146096] */
    return era * 146097 + doe - 719468;
}

/* Inverse of days_from_civil: Hinnant's civil_from_days. */
static void civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;                                       /* [0, 146096] */
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365; /* [0, 399] */
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);               /* [0, 365] */
    int64_t mp = (5 * doy + 2) / 153;                                    /* [0, 11] */
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

bool hd_is_leap_year(int y)
{
    return y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
}

int hd_days_in_month(int y, int m)
{
    static const int days[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    if (m < 1 || m > 12)
        return HD_TIME_EDATE;
    if (m == 2 && hd_is_leap_year(y))
        return 29;
    return days[m - 1];
}

static bool date_exists(int y, int m, int d)
{
    return m >= 1 && m <= 12 && d >= 1 && d <= hd_days_in_month(y, m);
}

static int64_t time_min_ms(void)
{
    return days_from_civil(HD_TIME_MIN_YEAR, 1, 1) * HD_MS_PER_DAY;
}

static int64_t time_max_ms(void)
{
    return days_from_civil(HD_TIME_MAX_YEAR + 1, 1, 1) * HD_MS_PER_DAY - 1;
}

static int64_t date_min_days(void)
{
    return days_from_civil(HD_DATE_MIN_YEAR, 1, 1);
}

static int64_t date_max_days(void)
{
    return days_from_civil(HD_DATE_MAX_YEAR, 12, 31);
}

/* ---- clocks ------------------------------------------------------------------- */

static int64_t clock_ms(clockid_t id)
{
    struct timespec ts;
    if (clock_gettime(id, &ts) != 0)
        return 0;
    /* tv_nsec is never negative, so this floors correctly before 1970 too. */
    return (int64_t)ts.tv_sec * MS_PER_SECOND + ts.tv_nsec / 1000000;
}

int64_t hd_time_now_ms(void)
{
    return clock_ms(CLOCK_REALTIME);
}

int64_t hd_time_mono_ms(void)
{
    return clock_ms(CLOCK_MONOTONIC);
}

/* ---- formatting --------------------------------------------------------------- */

/* Writes v (>= 0) as exactly width digits, zero-padded; returns the next position. */
static char *put_digits(char *p, int64_t v, int width)
{
    for (int i = width - 1; i >= 0; i--) {
        p[i] = (char)('0' + v % 10);
        v /= 10;
    }
    return p + width;
}

/* Writes "YYYY-MM-DD" for a day already known to lie in years 0001-9999. */
static char *put_date(char *p, int64_t days)
{
    int64_t y;
    int m, d;
    civil_from_days(days, &y, &m, &d);
    p = put_digits(p, y, 4);
    *p++ = '-';
    p = put_digits(p, m, 2);
    *p++ = '-';
    return put_digits(p, d, 2);
}

int hd_time_format(int64_t ms, char *buf, size_t len)
{
    if (buf == NULL)
        return HD_TIME_ENULL;
    if (len > 0)
        buf[0] = '\0';
    if (len < HD_TIME_ISO_LEN)
        return HD_TIME_ESPACE;
    if (ms < time_min_ms() || ms > time_max_ms())
        return HD_TIME_ERANGE;

    int64_t days = floor_div(ms, HD_MS_PER_DAY);
    int64_t rest = ms - days * HD_MS_PER_DAY; /* [0, 86399999] */
    char *p = put_date(buf, days);
    *p++ = 'T';
    p = put_digits(p, rest / MS_PER_HOUR, 2);
    *p++ = ':';
    p = put_digits(p, rest / MS_PER_MINUTE % 60, 2);
    *p++ = ':';
    p = put_digits(p, rest / MS_PER_SECOND % 60, 2);
    *p++ = '.';
    p = put_digits(p, rest % MS_PER_SECOND, 3);
    *p++ = 'Z';
    *p = '\0';
    return HD_TIME_OK;
}

int hd_date_format(int32_t days, char *buf, size_t len)
{
    if (buf == NULL)
        return HD_TIME_ENULL;
    if (len > 0)
        buf[0] = '\0';
    if (len < HD_DATE_LEN)
        return HD_TIME_ESPACE;
    if (days < date_min_days() || days > date_max_days())
        return HD_TIME_ERANGE;
    *put_date(buf, days) = '\0';
    return HD_TIME_OK;
}

/* ---- parsing ------------------------------------------------------------------ */

/* A cursor over len bytes: the text need not be NUL-terminated and may hold NULs. */
typedef struct {
    const char *s;
    size_t len;
    size_t pos;
} cursor_t;

static bool at_digit(const cursor_t *c)
{
    return c->pos < c->len && c->s[c->pos] >= '0' && c->s[c->pos] <= '9';
}

/* Takes exactly n digits into *value. */
static bool take_digits(cursor_t *c, int n, int *value)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (!at_digit(c))
            return false;
        v = v * 10 + (c->s[c->pos++] - '0');
    }
    *value = v;
    return true;
}

static bool take_char(cursor_t *c, char want)
{
    if (c->pos >= c->len || c->s[c->pos] != want)
        return false;
    c->pos++;
    return true;
}

/* "YYYY-MM-DD", layout only. */
static bool take_date(cursor_t *c, int *y, int *m, int *d)
{
    return take_digits(c, 4, y) && take_char(c, '-') && take_digits(c, 2, m)
           && take_char(c, '-') && take_digits(c, 2, d);
}

int hd_date_parse(const char *s, size_t len, int32_t *days)
{
    if (s == NULL || days == NULL)
        return HD_TIME_ENULL;
    cursor_t c = { s, len, 0 };
    int y, m, d;
    if (!take_date(&c, &y, &m, &d) || c.pos != len)
        return HD_TIME_ESYNTAX;
    if (!date_exists(y, m, d))
        return HD_TIME_EDATE;
    if (y < HD_DATE_MIN_YEAR || y > HD_DATE_MAX_YEAR)
        return HD_TIME_ERANGE;
    *days = (int32_t)days_from_civil(y, m, d);
    return HD_TIME_OK;
}

/* The pieces of an instant as written, before any of them is checked. */
typedef struct {
    int year, month, day, hour, minute, second;
    int fraction, fraction_digits; /* fraction holds at most the first 3 digits */
    int offset_sign, offset_hour, offset_minute;
} instant_text_t;

static bool take_instant(cursor_t *c, instant_text_t *t)
{
    if (!take_date(c, &t->year, &t->month, &t->day) || !take_char(c, 'T')
        || !take_digits(c, 2, &t->hour) || !take_char(c, ':')
        || !take_digits(c, 2, &t->minute) || !take_char(c, ':')
        || !take_digits(c, 2, &t->second))
        return false;

    t->fraction = 0;
    t->fraction_digits = 0;
    if (take_char(c, '.')) {
        while (at_digit(c)) {
            if (t->fraction_digits < ISO_FRACTION_MAX)
                t->fraction = t->fraction * 10 + (c->s[c->pos] - '0');
            t->fraction_digits++;
            c->pos++;
        }
        if (t->fraction_digits == 0)
            return false;
    }

    t->offset_sign = 0;
    t->offset_hour = 0;
    t->offset_minute = 0;
    if (take_char(c, 'Z'))
        return c->pos == c->len;
    if (take_char(c, '+'))
        t->offset_sign = 1;
    else if (take_char(c, '-'))
        t->offset_sign = -1;
    else
        return false;
    return take_digits(c, 2, &t->offset_hour) && take_char(c, ':')
           && take_digits(c, 2, &t->offset_minute) && c->pos == c->len;
}

int hd_time_parse(const char *s, size_t len, int64_t *ms)
{
    if (s == NULL || ms == NULL)
        return HD_TIME_ENULL;
    cursor_t c = { s, len, 0 };
    instant_text_t t;
    if (!take_instant(&c, &t))
        return HD_TIME_ESYNTAX;
    if (!date_exists(t.year, t.month, t.day))
        return HD_TIME_EDATE;
    if (t.hour > 23 || t.minute > 59 || t.second > 59)
        return HD_TIME_ETIME;
    if (t.fraction_digits > ISO_FRACTION_MAX)
        return HD_TIME_EPRECISION;
    if (t.offset_hour > 23 || t.offset_minute > 59)
        return HD_TIME_EOFFSET;

    int fraction_ms = t.fraction;
    for (int i = t.fraction_digits; i < ISO_FRACTION_MAX; i++)
        fraction_ms *= 10;
    int64_t local = days_from_civil(t.year, t.month, t.day) * HD_MS_PER_DAY
                    + t.hour * MS_PER_HOUR + t.minute * MS_PER_MINUTE
                    + t.second * MS_PER_SECOND + fraction_ms;
    /* 10:00+01:00 is 09:00Z: subtract the offset. */
    int64_t utc = local - t.offset_sign * (t.offset_hour * MS_PER_HOUR
                                           + t.offset_minute * MS_PER_MINUTE);
    if (utc < time_min_ms() || utc > time_max_ms())
        return HD_TIME_ERANGE;
    *ms = utc;
    return HD_TIME_OK;
}

/* ---- dates and instants ------------------------------------------------------- */

int32_t hd_date_from_ms(int64_t ms)
{
    int64_t days = floor_div(ms, HD_MS_PER_DAY);
    if (days < INT32_MIN)
        return INT32_MIN;
    if (days > INT32_MAX)
        return INT32_MAX;
    return (int32_t)days;
}

int64_t hd_date_to_ms(int32_t days)
{
    /* |days| < 2^31 and a day is < 2^27 ms, so this cannot overflow. */
    return days * HD_MS_PER_DAY;
}

/* ---- errors ------------------------------------------------------------------- */

/* Indexed by -code. */
static const char *const hd_time_reasons[] = {
    [-HD_TIME_OK]         = "valid time",
    [-HD_TIME_ENULL]      = "time or date missing",
    [-HD_TIME_ESPACE]     = "buffer too small for the time or date",
    [-HD_TIME_ERANGE]     = "time or date outside the supported years",
    [-HD_TIME_ESYNTAX]    = "time or date not in the expected layout",
    [-HD_TIME_EDATE]      = "no such calendar date",
    [-HD_TIME_ETIME]      = "no such time of day (leap seconds are not accepted)",
    [-HD_TIME_EOFFSET]    = "UTC offset out of range",
    [-HD_TIME_EPRECISION] = "fraction of a second finer than milliseconds",
};

const char *hd_time_strerror(int code)
{
    int count = (int)(sizeof hd_time_reasons / sizeof hd_time_reasons[0]);
    if (code > 0 || code <= -count)
        return "unknown time error";
    return hd_time_reasons[-code];
}
