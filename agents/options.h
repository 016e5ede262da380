/*
 * options — the command lines' option tables: one row per option, read by one parser
 * and one usage printer, so every `huddle` command and every agent program
 * (huddle-gp, huddle-coordinator) parses and explains its options the same way.
 *
 * Owns: matching words to rows (-h is --help), storing values into the caller's struct
 * at each row's offset, collecting the positional words, and the sentences on stderr
 * for a bad command line ("huddle: --count needs a value", the program's name first).
 *
 * Never: allocates, copies a value (text fields point into argv), exits, or decides
 * what a command does with its words; defaults are whatever the caller put in the
 * struct before parsing.
 */
#ifndef HUDDLE_OPTIONS_H
#define HUDDLE_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

typedef enum {
    OPTIONS_TEXT,   /* const char *: the next word */
    OPTIONS_NUMBER, /* long: the next word, a whole number from min to max */
    OPTIONS_FLAG,   /* bool: set when present */
    OPTIONS_LIST,   /* const char *[capacity] with a size_t count: the next word, repeatable */
} options_type_t;

typedef struct {
    const char *flag;    /* "--org" */
    const char *arg;     /* shown in the usage after the flag; "" for a flag */
    options_type_t type;
    bool required;       /* TEXT and LIST only: refused when absent, unless --help is given */
    size_t offset;       /* of the field in the caller's struct */
    long min, max;       /* NUMBER: the range accepted */
    size_t capacity;     /* LIST: entries the field holds */
    size_t count_offset; /* LIST: of its size_t count in the caller's struct */
    const char *help;
} options_row_t;

/* Names the program in the sentences on stderr ("huddle" until set); name is borrowed
 * for the life of the program. */
void options_set_program(const char *name);

/* Reads argv (NULL-terminated) into dest by the n rows of table, and the words that are
 * not options into words[] (at most max_words; words may be argv itself, as a word is
 * only ever moved forward) with their number in *n_words (may be NULL). command, if not
 * NULL, follows "<program>: " in the messages. 0, or -1 with a sentence on stderr. */
int options_parse(const options_row_t *table, size_t n, char **argv, void *dest, const char *command,
                  char **words, size_t max_words, size_t *n_words);

/* Prints one line per row, "  FLAG ARG" padded to width, then its help. */
void options_usage(FILE *out, const options_row_t *table, size_t n, int width);

#endif
