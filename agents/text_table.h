/*
 * text_table — the agents' tables: an aligned text table for the terminal (columns two
 * spaces apart, numbers right-aligned, no trailing spaces) or a GitHub Markdown table
 * ('|' in a cell escaped). A row function writes the cells of row i; the printer runs
 * it twice, once to measure the columns and once to print them, so nothing is
 * allocated. Widths count characters, not bytes, so UTF-8 text lines up.
 */
#ifndef HUDDLE_TEXT_TABLE_H
#define HUDDLE_TEXT_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#define TEXT_TABLE_CELL_LEN 80 /* bytes of a cell with its NUL: ids, codes, numbers, short labels */
#define TEXT_TABLE_MAX_COLS 16

typedef struct {
    const char *title;
    bool right; /* numbers are right-aligned */
} text_table_column_t;

/* Writes row i's cells, each at most TEXT_TABLE_CELL_LEN bytes with its NUL. */
typedef void (*text_table_row_fn)(const void *data, size_t i, char cells[][TEXT_TABLE_CELL_LEN]);

typedef struct {
    const text_table_column_t *cols;
    size_t n_cols; /* at most TEXT_TABLE_MAX_COLS */
    size_t n_rows;
    text_table_row_fn row;
    const void *data;
} text_table_t;

/* The header row, then each row; markdown adds the rule under the header. */
void text_table_print(FILE *out, const text_table_t *t, bool markdown);

#endif
