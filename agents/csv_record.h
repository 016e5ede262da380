/*
 * csv_record — the records of a CSV file as spreadsheets and clinical systems export
 * them, for the agents' file readers (gp_csv, episode_csv): RFC 4180 (quoted fields
 * may hold commas, line breaks and doubled quotes; records end in CRLF or LF), a
 * UTF-8 byte-order mark skipped, blank lines skipped, each record named by the line it
 * starts on; plus the "FILE:LINE: field: reason" sentences every reader writes about a
 * bad row, the small text checks they share, and csv_table: the file read as a header
 * naming the reader's columns in any order, then rows of as many fields, with the codes
 * every reader answers.
 *
 * Owns the structure of a file only: which record, which fields, the first structural
 * problem of each field (a quote out of place, an unclosed quote, a field too long),
 * which field holds which column. Never knows what a column means, never prints, and
 * never puts a field's value into a problem it finds itself.
 */
#ifndef HUDDLE_CSV_RECORD_H
#define HUDDLE_CSV_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#define CSV_RECORD_MAX_FIELDS 64  /* fields kept per record; more are counted, not stored */
#define CSV_RECORD_FIELD_MAX 4096 /* bytes kept per field; a longer one has a problem */

typedef enum {
    CSV_RECORD_OK = 0,
    CSV_RECORD_EBOM = -1,   /* the file starts with a broken byte-order mark: not UTF-8 text */
    CSV_RECORD_EIO = -3,    /* the file could not be read */
    CSV_RECORD_ENOMEM = -4,
} csv_record_err_t;

typedef struct csv_record csv_record_t;

/* Starts reading fp (borrowed; the caller closes it), after a UTF-8 byte-order mark if
 * there is one: CSV_RECORD_OK, CSV_RECORD_EBOM or CSV_RECORD_ENOMEM. *out is NULL on
 * error. */
int csv_record_open(csv_record_t **out, FILE *fp);

void csv_record_destroy(csv_record_t **self_p);

/* The next record that is not a blank line: 1, 0 at the end of the file,
 * CSV_RECORD_EIO or CSV_RECORD_ENOMEM. */
int csv_record_next(csv_record_t *self);

/* The file line the record starts on, from 1. */
unsigned long csv_record_line(const csv_record_t *self);

/* Fields in the record, counting those past CSV_RECORD_MAX_FIELDS. */
size_t csv_record_count(const csv_record_t *self);

/* Field i (from 0) as read, NUL-terminated, valid until the next csv_record_next; ""
 * past the fields kept. */
const char *csv_record_field(const csv_record_t *self, size_t i);

/* The first structural problem of field i, or "" when none. */
const char *csv_record_problem(const csv_record_t *self, size_t i);

/* The sentences about one row: "FILE:LINE: field: reason", newline-separated, into
 * the caller's buffer; those that do not fit are counted all the same. */
typedef struct {
    char *buf;
    size_t len, used;
    const char *name;   /* the file's name as the user gave it */
    unsigned long line; /* the row's first line */
    unsigned n;         /* problems told */
} csv_problems_t;

/* Starts an empty list of problems about the row at line in file name. */
void csv_problems_init(csv_problems_t *p, char *buf, size_t len, const char *name, unsigned long line);

#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
void csv_problem(csv_problems_t *p, const char *field, const char *fmt, ...);

/* Copies at most 20 bytes of s for a reason, '?' for what is not printable ASCII and
 * "..." when cut: for codes and words, never for free text or NHS numbers. */
const char *csv_shown(const char *s, char buf[24]);

/* Whether s is UTF-8 (no overlong forms, surrogates or code points past U+10FFFF). */
bool csv_valid_utf8(const char *s);

/* s with the spaces at both ends removed, into out (out_len bytes with the NUL):
 * the bytes kept, or (size_t)-1 if they do not fit. */
size_t csv_trimmed(const char *s, char *out, size_t out_len);

/* ---- a table: a header, then rows ------------------------------------------------- */

#define CSV_TABLE_MAX_COLUMNS 32 /* columns a reader may know */

/* What csv_table and the readers built on it answer for the header and each row. */
typedef enum {
    CSV_TABLE_OK = 0,       /* a good row (or header) */
    CSV_TABLE_END = 1,      /* no more rows */
    CSV_TABLE_EROW = -1,    /* a bad row, skipped; the next call reads on */
    CSV_TABLE_EHEADER = -2, /* no usable header: nothing can be read */
    CSV_TABLE_EIO = -3,     /* the file could not be read */
    CSV_TABLE_ENOMEM = -4,
} csv_table_err_t;

/* A file read as a table of the reader's columns. */
typedef struct {
    csv_record_t *rec;
    const char *name;                    /* the file's name in the problems (borrowed) */
    size_t n_fields;                     /* the header's fields: every row must have as many */
    int field_of[CSV_TABLE_MAX_COLUMNS]; /* the field holding each column, or -1 when absent */
} csv_table_t;

/* The reader's columns: n of them, column k named name(k). missing(t, p) tells p of
 * each column (or choice of columns) that must be in the header and is not. */
typedef struct {
    int n;                      /* at most CSV_TABLE_MAX_COLUMNS */
    const char *(*name)(int k); /* as the header spells it */
    const char *header;         /* every column, as a generator writes them, for the problems */
    void (*missing)(const csv_table_t *t, csv_problems_t *p);
} csv_columns_t;

/* Starts reading fp (borrowed; the caller closes it) as the file name (borrowed) and
 * reads its header, in which the columns may come in any order and case, spaces
 * trimmed: CSV_TABLE_OK, or CSV_TABLE_EHEADER with err saying why ("FILE:LINE:
 * header: reason", a line per problem: not UTF-8, empty, an unknown, unnamed or
 * repeated column, one missing), CSV_TABLE_EIO or CSV_TABLE_ENOMEM. Close t with
 * csv_table_close whatever it answers. */
int csv_table_open(csv_table_t *t, FILE *fp, const char *name, const csv_columns_t *cols, char *err,
                   size_t err_len);

void csv_table_close(csv_table_t *t);

/* The next row's record: CSV_TABLE_OK with p started on it (err, err_len: for the
 * problems of its fields, "" until one is told), CSV_TABLE_END, CSV_TABLE_EROW (not as
 * many fields as the header: said in err), CSV_TABLE_EIO or CSV_TABLE_ENOMEM. */
int csv_table_next(csv_table_t *t, csv_problems_t *p, char *err, size_t err_len);

/* A short description of a code. */
const char *csv_table_strerror(int code);

#endif
