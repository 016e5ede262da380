/*
 * log — the broker's levelled log lines, to stderr or to a stream chosen at start.
 *
 * Owns: the level threshold, the output stream, the line layout
 *     2026-11-22T19:23:15.123Z huddled[4242] INFO message
 * (UTC instant with milliseconds, process id, level word), and the safety net that
 * keeps patient identifiers out of the log.
 *
 * Never: opens, rotates or closes files (the stream belongs to the caller; under
 * systemd the journal takes stderr), allocates, or exits.
 *
 * Policy: log lines carry seqs, event kinds, agent ids, routing ids and error codes,
 * NEVER patient identifiers: no NHS numbers, names, dates of birth or free text from a
 * payload. As a safety net log_write replaces anything shaped like an NHS number with
 * "[redacted]" before writing: a run of exactly 10 ASCII digits that is not part of a
 * longer digit run, and the 3-3-4 layouts "943 476 5919" and "943-476-5919". Seqs,
 * counts and 13-digit millisecond timestamps are shorter or longer runs and are left
 * alone; Unix times in whole seconds are 10 digits and would be redacted, so log
 * milliseconds or ISO instants instead. The net is no excuse for logging a payload.
 *
 * Each line is written with one fwrite and flushed, so lines of this process never
 * interleave mid-line with other writers of the same file. The message is cut to
 * LOG_MSG_MAX bytes (never inside a UTF-8 sequence) and control characters in it
 * become '?', so that one call is always exactly one line.
 *
 * Set the level and the stream before other threads start; log_write itself may be
 * called from any thread. The level names clash with <syslog.h>: do not include both.
 */
#ifndef HUDDLE_LOG_H
#define HUDDLE_LOG_H

#include <stdbool.h>
#include <stdio.h>

/* Bytes of message kept on one line (after redaction); the rest is cut. */
#define LOG_MSG_MAX 1024

typedef enum { LOG_ERROR, LOG_WARN, LOG_INFO, LOG_DEBUG } log_level_t;

typedef enum {
    LOG_OK     = 0,
    LOG_EINVAL = -1, /* not a level name */
} log_err_t;

/* Lines above this level are dropped; the default is LOG_INFO. */
void log_set_level(log_level_t level);
log_level_t log_get_level(void);

/* Where lines go from now on; NULL means stderr (the default). Borrowed: the stream
 * must stay open until it is replaced. */
void log_set_stream(FILE *stream);

/* "error", "warn", "info" or "debug" (any case) into *out; LOG_EINVAL otherwise,
 * leaving *out alone. */
int log_level_parse(const char *s, log_level_t *out);

/* The lowercase name that log_level_parse reads ("info"); "unknown" outside the enum. */
const char *log_level_name(log_level_t level);

/* True when a line at this level would be written. */
bool log_enabled(log_level_t level);

/* Formats and writes one line at this level, if enabled (see the policy above). */
void log_write(log_level_t level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Short description of a code from this module. */
const char *log_strerror(int code);

/* These skip formatting the arguments entirely when the level is disabled. */
#define log_error(...) do { if (log_enabled(LOG_ERROR)) log_write(LOG_ERROR, __VA_ARGS__); } while (0)
#define log_warn(...)  do { if (log_enabled(LOG_WARN))  log_write(LOG_WARN,  __VA_ARGS__); } while (0)
#define log_info(...)  do { if (log_enabled(LOG_INFO))  log_write(LOG_INFO,  __VA_ARGS__); } while (0)
#define log_debug(...) do { if (log_enabled(LOG_DEBUG)) log_write(LOG_DEBUG, __VA_ARGS__); } while (0)

#endif
