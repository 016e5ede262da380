/*
 * options — see options.h. One pass over argv: each word is a row's flag (then its
 * value, for all but a FLAG), or a positional word; then the required rows are checked.
 */
#include "options.h"

#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

static const char *program = "huddle";

void options_set_program(const char *name)
{
    program = name;
}

/* The row for word: its flag, or --help for -h; NULL if none. */
static const options_row_t *find_row(const options_row_t *table, size_t n, const char *word)
{
    for (size_t k = 0; k < n; k++)
        if (!strcmp(word, table[k].flag) || (!strcmp(word, "-h") && !strcmp(table[k].flag, "--help")))
            return &table[k];
    return NULL;
}

/* Whether the row's field in dest holds a value. */
static bool is_given(const options_row_t *row, const void *dest)
{
    const char *base = dest;
    if (row->type == OPTIONS_LIST)
        return *(const size_t *)(const void *)(base + row->count_offset) > 0;
    if (row->type == OPTIONS_FLAG)
        return *(const bool *)(const void *)(base + row->offset);
    assert(row->type == OPTIONS_TEXT); /* a number always has a value: its default */
    return *(const char *const *)(const void *)(base + row->offset) != NULL;
}

/* Stores value into the row's field: 0, or -1 with a sentence on stderr. */
static int store_value(const options_row_t *row, const char *value, char *base, const char *who)
{
    void *field = base + row->offset;
    if (row->type == OPTIONS_TEXT) {
        *(const char **)field = value;
        return 0;
    }
    if (row->type == OPTIONS_LIST) {
        size_t *count = (size_t *)(void *)(base + row->count_offset);
        if (*count == row->capacity) {
            fprintf(stderr, "%s: %sat most %zu %s\n", program, who, row->capacity, row->flag);
            return -1;
        }
        ((const char **)field)[(*count)++] = value;
        return 0;
    }
    assert(row->type == OPTIONS_NUMBER);
    char *end;
    errno = 0;
    long v = strtol(value, &end, 10);
    if (errno || *end || v < row->min || v > row->max) {
        fprintf(stderr, "%s: %s%s needs a whole number from %ld to %ld, not '%s'\n", program, who, row->flag,
                row->min, row->max, value);
        return -1;
    }
    *(long *)field = v;
    return 0;
}

int options_parse(const options_row_t *table, size_t n, char **argv, void *dest, const char *command,
                  char **words, size_t max_words, size_t *n_words)
{
    char who[64] = ""; /* "bench: " */
    if (command)
        snprintf(who, sizeof who, "%s: ", command);
    size_t got = 0;
    for (size_t i = 0; argv[i]; i++) {
        const options_row_t *row = find_row(table, n, argv[i]);
        if (!row && argv[i][0] == '-' && argv[i][1]) {
            fprintf(stderr, "%s: %sunknown option %s\n", program, who, argv[i]);
            return -1;
        }
        if (!row) {
            if (got == max_words) {
                fprintf(stderr, "%s: %sunexpected argument '%s'\n", program, who, argv[i]);
                return -1;
            }
            words[got++] = argv[i]; /* got <= i: argv as words overwrites only words already read */
            continue;
        }
        if (row->type == OPTIONS_FLAG) {
            *(bool *)(void *)((char *)dest + row->offset) = true;
            continue;
        }
        const char *value = argv[++i];
        if (!value || !*value) {
            fprintf(stderr, "%s: %s%s needs a value\n", program, who, row->flag);
            return -1;
        }
        if (store_value(row, value, dest, who))
            return -1;
    }
    if (n_words)
        *n_words = got;
    const options_row_t *help = find_row(table, n, "--help");
    if (help && help->type == OPTIONS_FLAG && is_given(help, dest))
        return 0; /* help asked for: nothing else is needed */
    for (size_t k = 0; k < n; k++)
        if (table[k].required && !is_given(&table[k], dest)) {
            fprintf(stderr, "%s: %s%s is required\n", program, who, table[k].flag);
            return -1;
        }
    return 0;
}

void options_usage(FILE *out, const options_row_t *table, size_t n, int width)
{
    for (size_t i = 0; i < n; i++) {
        const options_row_t *t = &table[i];
        char left[40];
        snprintf(left, sizeof left, "%s%s%s", t->flag, t->arg[0] ? " " : "", t->arg);
        fprintf(out, "  %-*s %s%s\n", width, left, t->help, t->required ? " (required)" : "");
    }
}
