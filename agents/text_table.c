/*
 * text_table — see text_table.h.
 */
#include "text_table.h"

#include <string.h>

/* Characters shown, not bytes: a UTF-8 continuation byte adds nothing. */
static size_t width_of(const char *s)
{
    size_t w = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        w += (*p & 0xc0) != 0x80;
    return w;
}

/* A Markdown cell: '|' would end it, so it is escaped; the width counts the escapes. */
static size_t md_width(const char *s)
{
    size_t w = width_of(s);
    for (; *s; s++)
        w += *s == '|';
    return w;
}

static void pad(FILE *out, size_t n)
{
    while (n--)
        fputc(' ', out);
}

static void md_cell(FILE *out, const char *s, size_t width, bool right)
{
    size_t w = md_width(s);
    if (right)
        pad(out, width - w);
    for (; *s; s++) {
        if (*s == '|')
            fputc('\\', out);
        fputc(*s, out);
    }
    if (!right)
        pad(out, width - w);
}

static void md_row(FILE *out, const text_table_t *t, const size_t *widths, char cells[][TEXT_TABLE_CELL_LEN])
{
    for (size_t c = 0; c < t->n_cols; c++) {
        fputs(c ? " " : "| ", out);
        md_cell(out, cells[c], widths[c], t->cols[c].right);
        fputs(" |", out);
    }
    fputc('\n', out);
}

/* Columns two spaces apart; no spaces at the end of the line (an empty last cell). */
static void text_row(FILE *out, const text_table_t *t, const size_t *widths, char cells[][TEXT_TABLE_CELL_LEN])
{
    char line[TEXT_TABLE_MAX_COLS * (TEXT_TABLE_CELL_LEN + 2) * 2];
    size_t used = 0;
    for (size_t c = 0; c < t->n_cols; c++) {
        size_t w = width_of(cells[c]), gap = c ? 2 : 0;
        size_t before = gap + (t->cols[c].right ? widths[c] - w : 0);
        size_t after = t->cols[c].right ? 0 : widths[c] - w;
        size_t len = strlen(cells[c]);
        if (used + before + len + after >= sizeof line)
            break;
        memset(line + used, ' ', before);
        memcpy(line + used + before, cells[c], len);
        memset(line + used + before + len, ' ', after);
        used += before + len + after;
    }
    while (used > 0 && line[used - 1] == ' ')
        used--;
    fwrite(line, 1, used, out);
    fputc('\n', out);
}

void text_table_print(FILE *out, const text_table_t *t, bool markdown)
{
    size_t widths[TEXT_TABLE_MAX_COLS];
    char cells[TEXT_TABLE_MAX_COLS][TEXT_TABLE_CELL_LEN];
    for (size_t c = 0; c < t->n_cols; c++)
        widths[c] = markdown ? md_width(t->cols[c].title) : width_of(t->cols[c].title);
    for (size_t i = 0; i < t->n_rows; i++) {
        t->row(t->data, i, cells);
        for (size_t c = 0; c < t->n_cols; c++) {
            size_t w = markdown ? md_width(cells[c]) : width_of(cells[c]);
            widths[c] = w > widths[c] ? w : widths[c];
        }
    }
    if (markdown)
        for (size_t c = 0; c < t->n_cols; c++)
            widths[c] = widths[c] < 3 ? 3 : widths[c]; /* room for the "---" of the rule */
    for (size_t i = 0; i <= t->n_rows; i++) {
        if (i == 0) {
            for (size_t c = 0; c < t->n_cols; c++)
                snprintf(cells[c], TEXT_TABLE_CELL_LEN, "%s", t->cols[c].title);
        } else {
            t->row(t->data, i - 1, cells);
        }
        if (markdown)
            md_row(out, t, widths, cells);
        else
            text_row(out, t, widths, cells);
        if (i == 0 && markdown) {
            for (size_t c = 0; c < t->n_cols; c++) {
                bool right = t->cols[c].right;
                fputs("|", out);
                fputc(right ? '-' : ':', out);
                for (size_t k = 0; k < widths[c]; k++)
                    fputc('-', out);
                fputc(right ? ':' : '-', out);
            }
            fputs("|\n", out);
        }
    }
}
