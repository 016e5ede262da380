/* hd_time — instants and calendar dates as Huddle carries them.
 *
 * An instant is int64 milliseconds since 1970-01-01T00:00:00Z (UTC, proleptic
 * Gregorian calendar, no leap seconds); a calendar date is int32 days since
 * 1970-01-01. This module owns the conversion between those numbers and their text
 * forms ("2026-11-22T19:23:15.123Z", "2026-11-22") and reads the two system clocks.
 * It never uses gmtime, timegm, the TZ variable or the locale, so it is thread-safe
 * and gives the same answer on every machine; it never knows about local time (a
 * parsed offset is folded into UTC and forgotten) and never allocates.
 *
 * Decisions:
 * - Instants are formatted and parsed only within years 0001-9999 UTC.
 * - Calendar dates are parsed and formatted only within 1900-01-01..2999-12-31: a
 *   birth, admission, ready or due date outside that is a keying error in care data.
 * - Fractions of a second take 1 to 3 digits; a fourth digit is rejected, not
 *   truncated, so that a parsed instant is exactly what the sender wrote.
 * - A leap second (second 60) is rejected: milliseconds since the epoch cannot hold
 *   one, as in POSIX time.
 * - Only the uppercase 'T' and 'Z' are accepted; offsets are "+HH:MM" or "-HH:MM"
 *   with hours 00-23 and minutes 00-59 ("-00:00" is read as UTC).
 */
#ifndef HUDDLE_HD_TIME_H
#define HUDDLE_HD_TIME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Buffer sizes, with the NUL: "YYYY-MM-DDTHH:MM:SS.sssZ" and "YYYY-MM-DD". */
#define HD_TIME_ISO_LEN 25
#define HD_DATE_LEN 11

/* Years an instant may fall in, and years a calendar date may fall in. */
#define HD_TIME_MIN_YEAR 1
#define HD_TIME_MAX_YEAR 9999
#define HD_DATE_MIN_YEAR 1900
#define HD_DATE_MAX_YEAR 2999

#define HD_MS_PER_DAY INT64_C(86400000)

typedef enum {
    HD_TIME_OK         = 0,
    HD_TIME_ENULL      = -1, /* a required pointer was NULL */
    HD_TIME_ESPACE     = -2, /* output buffer too small */
    HD_TIME_ERANGE     = -3, /* outside the supported years */
    HD_TIME_ESYNTAX    = -4, /* not the expected layout: missing part or trailing text */
    HD_TIME_EDATE      = -5, /* no such calendar date (month 13, 30 February ...) */
    HD_TIME_ETIME      = -6, /* no such time of day (hour 24, minute 60, second 60) */
    HD_TIME_EOFFSET    = -7, /* UTC offset out of range */
    HD_TIME_EPRECISION = -8, /* more than three fraction digits */
} hd_time_error_t;

/* Wall-clock time now (CLOCK_REALTIME), for timestamps; 0 if the clock fails. */
int64_t hd_time_now_ms(void);

/* Monotonic time now (CLOCK_MONOTONIC), for timeouts and durations only; arbitrary
 * origin; 0 if the clock fails. */
int64_t hd_time_mono_ms(void);

/* Writes ms as "YYYY-MM-DDTHH:MM:SS.sssZ" plus NUL into buf (len >= HD_TIME_ISO_LEN).
 * On error buf is left as "" when len > 0. */
int hd_time_format(int64_t ms, char *buf, size_t len);

/* Parses exactly len bytes at s as "YYYY-MM-DDTHH:MM:SS[.s[s[s]]]" then "Z" or
 * "+HH:MM"/"-HH:MM", into UTC ms. *ms is written only on success. */
int hd_time_parse(const char *s, size_t len, int64_t *ms);

/* Parses exactly len bytes at s as "YYYY-MM-DD" into days since 1970-01-01.
 * *days is written only on success. */
int hd_date_parse(const char *s, size_t len, int32_t *days);

/* Writes days as "YYYY-MM-DD" plus NUL into buf (len >= HD_DATE_LEN). On error buf is
 * left as "" when len > 0. */
int hd_date_format(int32_t days, char *buf, size_t len);

/* UTC calendar day holding ms (floor, so -1 ms is day -1); saturates at the int32
 * limits for instants millions of years away. */
int32_t hd_date_from_ms(int64_t ms);

/* Midnight UTC at the start of the given day. */
int64_t hd_date_to_ms(int32_t days);

/* Gregorian leap year rule: every 4th year, except centuries not divisible by 400. */
bool hd_is_leap_year(int y);

/* Days in month m (1-12) of year y, or HD_TIME_EDATE for any other month. */
int hd_days_in_month(int y, int m);

/* Short reason for a code from this module, for people. */
const char *hd_time_strerror(int code);

#endif
