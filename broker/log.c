/* log — levelled log lines with NHS-number redaction (see log.h). */
#include "log.h"

#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "hd_time.h"

#define IDENT "huddled"
#define REDACTED "[redacted]"

/* Digits in an NHS number, and its 3-3-4 grouped layout. */
#define NHS_DIGITS 10
#define NHS_GROUPED_LEN 12

/* Room for "<instant> huddled[<pid>] <LEVEL> ", the message and the newline. */
#define PREFIX_MAX 64
#define LINE_MAX_LEN (PREFIX_MAX + LOG_MSG_MAX + 1)

/* The message is formatted with slack past LOG_MSG_MAX so that redaction sees the
 * whole of a digit run that the cut would split. */
#define FORMAT_MAX (2 * LOG_MSG_MAX)

static const struct {
    const char *name; /* for configuration: log_level_parse and log_level_name */
    const char *word; /* in the line */
} levels[] = {
    [LOG_ERROR] = { "error", "ERROR" },
    [LOG_WARN]  = { "warn",  "WARN" },
    [LOG_INFO]  = { "info",  "INFO" },
    [LOG_DEBUG] = { "debug", "DEBUG" },
};
#define LEVEL_COUNT (sizeof levels / sizeof levels[0])

static log_level_t threshold = LOG_INFO;
static FILE *out_stream; /* NULL: stderr, which is not a constant for an initialiser */

void log_set_level(log_level_t level)
{
    if ((size_t)level < LEVEL_COUNT)
        threshold = level;
}

log_level_t log_get_level(void)
{
    return threshold;
}

void log_set_stream(FILE *stream)
{
    out_stream = stream;
}

int log_level_parse(const char *s, log_level_t *out)
{
    if (!s || !out)
        return LOG_EINVAL;
    for (size_t i = 0; i < LEVEL_COUNT; i++) {
        if (strcasecmp(s, levels[i].name) == 0) {
            *out = (log_level_t)i;
            return LOG_OK;
        }
    }
    return LOG_EINVAL;
}

const char *log_level_name(log_level_t level)
{
    return (size_t)level < LEVEL_COUNT ? levels[level].name : "unknown";
}

bool log_enabled(log_level_t level)
{
    return (size_t)level < LEVEL_COUNT && level <= threshold;
}

const char *log_strerror(int code)
{
    switch (code) {
    case LOG_OK: return "ok";
    case LOG_EINVAL: return "not a log level (error, warn, info or debug)";
    default: return "unknown log error";
    }
}

/* ---- redaction ------------------------------------------------------------------ */

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static size_t digit_run(const char *s)
{
    size_t n = 0;
    while (is_digit(s[n]))
        n++;
    return n;
}

static bool is_group_sep(char c)
{
    return c == ' ' || c == '-';
}

/* Length of the NHS-number-shaped text at s, which starts a digit run, or 0. Each
 * group must be a whole digit run, so longer runs and their parts never match. */
static size_t nhs_shaped(const char *s)
{
    size_t n = digit_run(s);
    if (n == NHS_DIGITS)
        return n;
    if (n == 3 && is_group_sep(s[3]) && digit_run(s + 4) == 3 && is_group_sep(s[7]) &&
        digit_run(s + 8) == 4)
        return NHS_GROUPED_LEN;
    return 0;
}

/* Bytes to keep of a text cut after len bytes so that it does not end inside a UTF-8
 * sequence. */
static size_t utf8_cut(const char *s, size_t len)
{
    for (size_t back = 1; back <= 4 && back <= len; back++) {
        unsigned char c = (unsigned char)s[len - back];
        if (c < 0x80)
            return len;          /* ASCII: a whole character */
        if (c >= 0xC0) {         /* lead byte: is its sequence complete? */
            size_t need = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
            return back >= need ? len : len - back;
        }
    }
    return len;
}

/* Copies the message in into out (at most cap bytes, no NUL), redacting NHS-shaped
 * numbers and turning control characters into '?'; returns the bytes written. */
static size_t clean_message(const char *in, char *out, size_t cap)
{
    size_t used = 0;
    bool cut = false;
    const char *p = in;
    while (*p) {
        const char *src = p;
        size_t take = 1, skip = 1;
        if (is_digit(*p)) {
            size_t shaped = nhs_shaped(p);
            if (shaped) {
                src = REDACTED;
                take = sizeof REDACTED - 1;
                skip = shaped;
            } else {
                take = skip = digit_run(p); /* whole runs, so each starts a run */
            }
        }
        if (take > cap - used) {
            take = cap - used;
            cut = true;
        }
        memcpy(out + used, src, take);
        for (size_t i = used; i < used + take; i++) {
            unsigned char c = (unsigned char)out[i];
            if (c < 0x20 || c == 0x7F)
                out[i] = '?';
        }
        used += take;
        p += skip;
        if (cut)
            break;
    }
    return cut ? utf8_cut(out, used) : used;
}

/* ---- writing -------------------------------------------------------------------- */

void log_write(log_level_t level, const char *fmt, ...)
{
    if (!log_enabled(level) || !fmt)
        return;

    char msg[FORMAT_MAX];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (n < 0)
        msg[0] = '\0';

    char stamp[HD_TIME_ISO_LEN];
    if (hd_time_format(hd_time_now_ms(), stamp, sizeof stamp) != HD_TIME_OK)
        strcpy(stamp, "-");

    char line[LINE_MAX_LEN];
    int plen = snprintf(line, PREFIX_MAX, "%s " IDENT "[%ld] %s ", stamp, (long)getpid(),
                        levels[level].word);
    if (plen < 0 || plen >= PREFIX_MAX)
        return; /* cannot happen: the prefix has a fixed shape */

    size_t len = (size_t)plen;
    len += clean_message(msg, line + len, LOG_MSG_MAX);
    line[len++] = '\n';

    FILE *f = out_stream ? out_stream : stderr;
    fwrite(line, 1, len, f);
    fflush(f);
}
