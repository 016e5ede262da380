/*
 * tu_csv — what the tests of the CSV readers (gp_csv, episode_csv) share: a file that
 * holds given bytes, and the checks of a good and of a bad row.
 *
 * Include it after cmocka.h.
 */
#ifndef HUDDLE_TU_CSV_H
#define HUDDLE_TU_CSV_H

#include <stdio.h>
#include <string.h>

#include "csv_record.h"

/* A temporary file holding the len bytes of text, read from its start; fclose removes
 * it. */
static inline FILE *tu_csv_file(const char *text, size_t len)
{
    FILE *fp = tmpfile();
    assert_non_null(fp);
    assert_int_equal(fwrite(text, 1, len, fp), len);
    rewind(fp);
    return fp;
}

/* rc, a reader's answer for the next row, must be a good row. */
static inline void tu_csv_good(int rc, const char *err)
{
    if (rc != CSV_TABLE_OK)
        fail_msg("expected a good row, got %d: %s", rc, err);
}

/* rc must be a bad row, told in err exactly as expected. */
static inline void tu_csv_bad(int rc, const char *err, const char *expected)
{
    if (rc != CSV_TABLE_EROW)
        fail_msg("expected a bad row (%s), got %d", expected, rc);
    assert_string_equal(err, expected);
}

#endif
