/*
 * csv_record — see csv_record.h. A character-at-a-time state machine over RFC 4180
 * into one buffer of NUL-terminated fields.
 */
#include "csv_record.h"

#include <assert.h>
#include <ctype.h>
#include <stdarg.h>
#include <strings.h>
#include <stdlib.h>
#include <string.h>

#define PROBLEM_LEN 128
#define NO_CHAR (EOF - 1)

struct csv_record {
    FILE *fp;
    unsigned long line;      /* line of the next character */
    int pushed;              /* a character read ahead, or NO_CHAR */
    char *buf;               /* the fields, each NUL-terminated */
    size_t len, cap;
    size_t n_fields;         /* including those not stored */
    size_t start[CSV_RECORD_MAX_FIELDS];
    bool quoted[CSV_RECORD_MAX_FIELDS];
    char problem[CSV_RECORD_MAX_FIELDS][PROBLEM_LEN];
    unsigned long record_line;
};

static int next_char(csv_record_t *r)
{
    int c = r->pushed;
    if (c != NO_CHAR)
        r->pushed = NO_CHAR;
    else
        c = getc(r->fp);
    return c;
}

static int append(csv_record_t *r, char c)
{
    if (r->len + 1 >= r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 1024;
        char *grown = realloc(r->buf, cap);
        if (!grown)
            return -1;
        r->buf = grown;
        r->cap = cap;
    }
    r->buf[r->len++] = c;
    return 0;
}

static void field_problem(csv_record_t *r, const char *what)
{
    size_t f = r->n_fields;
    if (f < CSV_RECORD_MAX_FIELDS && !r->problem[f][0])
        snprintf(r->problem[f], PROBLEM_LEN, "%s", what);
}

/* Adds one byte to the current field (kept up to CSV_RECORD_FIELD_MAX bytes). */
static int field_byte(csv_record_t *r, char c)
{
    size_t f = r->n_fields;
    if (f >= CSV_RECORD_MAX_FIELDS)
        return 0;
    if (r->len - r->start[f] >= CSV_RECORD_FIELD_MAX) {
        field_problem(r, "longer than 4096 bytes");
        return 0;
    }
    return append(r, c);
}

static void field_begin(csv_record_t *r)
{
    size_t f = r->n_fields;
    if (f < CSV_RECORD_MAX_FIELDS) {
        r->start[f] = r->len;
        r->quoted[f] = false;
        r->problem[f][0] = '\0';
    }
}

static int field_end(csv_record_t *r)
{
    if (r->n_fields < CSV_RECORD_MAX_FIELDS && append(r, '\0'))
        return -1;
    r->n_fields++;
    return 0;
}

/* After a CR: a following LF belongs to the same line end. */
static void eat_lf(csv_record_t *r)
{
    int c = next_char(r);
    if (c != '\n')
        r->pushed = c;
}

/* One record: 1, 0 at the end of the file, CSV_RECORD_EIO or CSV_RECORD_ENOMEM. */
static int read_record(csv_record_t *r)
{
    enum { START, UNQUOTED, QUOTED, AFTER_QUOTE } st = START;
    r->len = 0;
    r->n_fields = 0;
    r->record_line = r->line;
    int c = next_char(r);
    if (c == EOF)
        return ferror(r->fp) ? CSV_RECORD_EIO : 0;
    field_begin(r);
    for (;; c = next_char(r)) {
        if (c == EOF) {
            if (ferror(r->fp))
                return CSV_RECORD_EIO;
            if (st == QUOTED)
                field_problem(r, "quoted field not closed before the end of the file");
            return field_end(r) ? CSV_RECORD_ENOMEM : 1;
        }
        int rc = 0;
        if (st == QUOTED) {
            if (c == '"') {
                st = AFTER_QUOTE;
                continue;
            }
            if (c == '\r') { /* a line break inside quotes is data: kept as LF */
                eat_lf(r);
                c = '\n';
            }
            if (c == '\n')
                r->line++;
            rc = field_byte(r, (char)c);
        } else if (c == '\n' || c == '\r') {
            if (c == '\r')
                eat_lf(r);
            r->line++;
            return field_end(r) ? CSV_RECORD_ENOMEM : 1;
        } else if (c == ',') {
            if (field_end(r))
                return CSV_RECORD_ENOMEM;
            field_begin(r);
            st = START;
        } else if (st == AFTER_QUOTE) {
            if (c == '"') { /* a doubled quote: one quote in the text */
                rc = field_byte(r, '"');
                st = QUOTED;
            } else {
                field_problem(r, "text after the closing quote (a quote inside a quoted field is written twice)");
                rc = field_byte(r, (char)c);
            }
        } else if (st == START && c == '"') {
            if (r->n_fields < CSV_RECORD_MAX_FIELDS)
                r->quoted[r->n_fields] = true;
            st = QUOTED;
        } else {
            if (c == '"')
                field_problem(r, "a quote inside an unquoted field (quote the whole field and double the quote)");
            rc = field_byte(r, (char)c);
            st = UNQUOTED;
        }
        if (rc)
            return CSV_RECORD_ENOMEM;
    }
}

/* A line with nothing on it but spaces. */
static bool blank_record(const csv_record_t *r)
{
    if (r->n_fields != 1 || r->quoted[0] || r->problem[0][0])
        return false;
    for (const char *s = r->buf + r->start[0]; *s; s++)
        if (!isspace((unsigned char)*s))
            return false;
    return true;
}

int csv_record_open(csv_record_t **out, FILE *fp)
{
    *out = NULL;
    /* a UTF-8 byte-order mark, as spreadsheets write, is not part of the first field */
    int c = getc(fp);
    if (c == 0xef) {
        int c2 = getc(fp), c3 = getc(fp);
        if (c2 != 0xbb || c3 != 0xbf)
            return CSV_RECORD_EBOM;
        c = NO_CHAR;
    }
    csv_record_t *r = calloc(1, sizeof *r);
    if (!r)
        return CSV_RECORD_ENOMEM;
    r->fp = fp;
    r->line = 1;
    r->pushed = c;
    *out = r;
    return CSV_RECORD_OK;
}

void csv_record_destroy(csv_record_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    free((*self_p)->buf);
    free(*self_p);
    *self_p = NULL;
}

int csv_record_next(csv_record_t *self)
{
    int rc;
    while ((rc = read_record(self)) == 1 && blank_record(self))
        ;
    return rc;
}

unsigned long csv_record_line(const csv_record_t *self)
{
    return self->record_line;
}

size_t csv_record_count(const csv_record_t *self)
{
    return self->n_fields;
}

const char *csv_record_field(const csv_record_t *self, size_t i)
{
    return i < self->n_fields && i < CSV_RECORD_MAX_FIELDS ? self->buf + self->start[i] : "";
}

const char *csv_record_problem(const csv_record_t *self, size_t i)
{
    return i < self->n_fields && i < CSV_RECORD_MAX_FIELDS ? self->problem[i] : "";
}

/* ---- problems ------------------------------------------------------------------- */

void csv_problems_init(csv_problems_t *p, char *buf, size_t len, const char *name, unsigned long line)
{
    *p = (csv_problems_t){buf, len, 0, name, line, 0};
    if (len)
        buf[0] = '\0';
}

void csv_problem(csv_problems_t *p, const char *field, const char *fmt, ...)
{
    if (p->used + 1 >= p->len) {
        p->n++;
        return;
    }
    int n = snprintf(p->buf + p->used, p->len - p->used, "%s%s:%lu: %s: ", p->n ? "\n" : "", p->name, p->line, field);
    if (n > 0 && (size_t)n < p->len - p->used) {
        p->used += (size_t)n;
        va_list ap;
        va_start(ap, fmt);
        n = vsnprintf(p->buf + p->used, p->len - p->used, fmt, ap);
        va_end(ap);
        p->used += n > 0 ? (size_t)n : 0;
    }
    if (p->used >= p->len)
        p->used = p->len - 1;
    p->n++;
}

/* ---- text checks ---------------------------------------------------------------- */

const char *csv_shown(const char *s, char buf[24])
{
    size_t i = 0;
    for (; s[i] && i < 20; i++)
        buf[i] = s[i] < 0x20 || s[i] > 0x7e ? '?' : s[i];
    snprintf(buf + i, 24 - i, "%s", s[i] ? "..." : "");
    return buf;
}

bool csv_valid_utf8(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        size_t n = *p < 0x80 ? 1 : (*p & 0xe0) == 0xc0 && *p >= 0xc2 ? 2 : (*p & 0xf0) == 0xe0 ? 3
                 : (*p & 0xf8) == 0xf0 && *p <= 0xf4 ? 4 : 0;
        if (!n)
            return false;
        for (size_t i = 1; i < n; i++)
            if ((p[i] & 0xc0) != 0x80)
                return false;
        if ((n == 3 && ((p[0] == 0xe0 && p[1] < 0xa0) || (p[0] == 0xed && p[1] >= 0xa0))) ||
            (n == 4 && ((p[0] == 0xf0 && p[1] < 0x90) || (p[0] == 0xf4 && p[1] >= 0x90))))
            return false;
        p += n;
    }
    return true;
}

size_t csv_trimmed(const char *s, char *out, size_t out_len)
{
    size_t n = strlen(s);
    while (n && isspace((unsigned char)*s))
        s++, n--;
    while (n && isspace((unsigned char)s[n - 1]))
        n--;
    if (n >= out_len)
        return (size_t)-1;
    memcpy(out, s, n);
    out[n] = '\0';
    return n;
}

/* ---- a table ------------------------------------------------------------------------ */

static int io_code(int rc)
{
    return rc == CSV_RECORD_EIO ? CSV_TABLE_EIO : CSV_TABLE_ENOMEM;
}

static int column_named(const csv_columns_t *cols, const char *s, size_t n)
{
    for (int k = 0; k < cols->n; k++) {
        const char *name = cols->name(k);
        if (strlen(name) == n && !strncasecmp(name, s, n))
            return k;
    }
    return -1;
}

static int read_header(csv_table_t *t, const csv_columns_t *cols, csv_problems_t *p)
{
    int rc = csv_record_next(t->rec);
    p->line = csv_record_line(t->rec);
    if (rc < 0)
        return io_code(rc);
    if (rc == 0) {
        csv_problem(p, "header", "the file is empty; the first line names the columns: %s", cols->header);
        return CSV_TABLE_EHEADER;
    }
    size_t n_fields = csv_record_count(t->rec);
    if (n_fields > CSV_RECORD_MAX_FIELDS) {
        csv_problem(p, "header", "%zu columns, at most %d", n_fields, CSV_RECORD_MAX_FIELDS);
        return CSV_TABLE_EHEADER;
    }
    t->n_fields = n_fields;
    char unknown[512] = "";
    size_t n_unknown = 0;
    for (size_t f = 0; f < n_fields; f++) {
        char s[CSV_RECORD_FIELD_MAX + 1];
        size_t n = csv_trimmed(csv_record_field(t->rec, f), s, sizeof s);
        int k = column_named(cols, s, n);
        if (csv_record_problem(t->rec, f)[0])
            csv_problem(p, "header", "column %zu: %s", f + 1, csv_record_problem(t->rec, f));
        else if (n == 0)
            csv_problem(p, "header", "column %zu has no name", f + 1);
        else if (k < 0) {
            size_t used = strlen(unknown);
            snprintf(unknown + used, sizeof unknown - used, "%s'%.*s'", n_unknown++ ? ", " : "",
                     (int)(n > 64 ? 64 : n), s);
        } else if (t->field_of[k] >= 0)
            csv_problem(p, "header", "column '%s' appears twice", cols->name(k));
        else
            t->field_of[k] = (int)f;
    }
    if (n_unknown)
        csv_problem(p, "header", "unknown column%s %s; the columns are %s", n_unknown > 1 ? "s" : "", unknown,
                    cols->header);
    cols->missing(t, p);
    return p->n ? CSV_TABLE_EHEADER : CSV_TABLE_OK;
}

int csv_table_open(csv_table_t *t, FILE *fp, const char *name, const csv_columns_t *cols, char *err,
                   size_t err_len)
{
    assert(cols->n <= CSV_TABLE_MAX_COLUMNS);
    memset(t, 0, sizeof *t);
    t->name = name;
    for (int k = 0; k < CSV_TABLE_MAX_COLUMNS; k++)
        t->field_of[k] = -1;
    csv_problems_t p;
    csv_problems_init(&p, err, err_len, name, 1);
    int rc = csv_record_open(&t->rec, fp);
    if (rc == CSV_RECORD_EBOM) {
        csv_problem(&p, "header", "not UTF-8 text");
        return CSV_TABLE_EHEADER;
    }
    return rc == CSV_RECORD_OK ? read_header(t, cols, &p) : CSV_TABLE_ENOMEM;
}

void csv_table_close(csv_table_t *t)
{
    csv_record_destroy(&t->rec);
}

int csv_table_next(csv_table_t *t, csv_problems_t *p, char *err, size_t err_len)
{
    if (err_len)
        err[0] = '\0';
    int rc = csv_record_next(t->rec);
    if (rc <= 0)
        return rc == 0 ? CSV_TABLE_END : io_code(rc);
    csv_problems_init(p, err, err_len, t->name, csv_record_line(t->rec));
    size_t n_fields = csv_record_count(t->rec);
    if (n_fields != t->n_fields) {
        csv_problem(p, "row", "%zu fields where the header has %zu", n_fields, t->n_fields);
        return CSV_TABLE_EROW;
    }
    return CSV_TABLE_OK;
}

const char *csv_table_strerror(int code)
{
    switch (code) {
    case CSV_TABLE_OK: return "ok";
    case CSV_TABLE_END: return "no more rows";
    case CSV_TABLE_EROW: return "bad row";
    case CSV_TABLE_EHEADER: return "no usable header";
    case CSV_TABLE_EIO: return "the file could not be read";
    case CSV_TABLE_ENOMEM: return "out of memory";
    default: return "unknown error";
    }
}
