/*
 * assess_cli — what huddle-assessor and huddle-provider share beyond agent_cli: a
 * publish that says what became of it ("already recorded" for a repeat, the refusal
 * with its field and reason), reading a list of assessments page by page, and the
 * listen loop (print each delivery, then acknowledge it; Ctrl-C or an empty backlog
 * with once ends it).
 *
 * Every sentence goes to stderr with "<program>: " first and holds no NHS number;
 * what a command produces goes to stdout.
 */
#ifndef HUDDLE_ASSESS_CLI_H
#define HUDDLE_ASSESS_CLI_H

#include <stdbool.h>
#include <stddef.h>

#include "hd_client.h"

/* Publishes ev: 0 with *res, AGENT_CLI_REFUSED (the refusal printed) or
 * AGENT_CLI_USAGE (no answer: printed, saying that running it again is safe). */
int assess_cli_publish(hd_client_t *c, const char *program, const Huddle__Event *ev, hd_publish_result_t *res);

/* The assessments q selects, every page (at most limit; 0 = all): the answers kept
 * (the records live in them) and one list of them all. */
typedef struct {
    Huddle__Answer **pages;
    size_t n_pages;
    Huddle__AssessmentList list;
} assess_cli_list_t;

/* 0, or an exit status with the sentence printed. */
int assess_cli_read(hd_client_t *c, const char *program, Huddle__Query *q, size_t limit, assess_cli_list_t *out);
void assess_cli_list_free(assess_cli_list_t *l);

/* Keeps only the records for which keep() is true (the pages still own them). */
void assess_cli_filter(assess_cli_list_t *l, bool (*keep)(const Huddle__AssessmentRecord *r));

/* Attaches the durable subscription name with filter (new: from the log's start unless
 * new_only) and prints each delivery (assess_fmt_line, or JSON), acknowledging it once
 * printed; until SIGINT or SIGTERM (agent_cli_catch_signals), or, with once, no
 * delivery came for a second. 0, or an exit status. */
int assess_cli_listen(hd_client_t *c, const char *program, const char *name, const Huddle__Filter *filter,
                      bool new_only, bool once, bool json, unsigned flags);

#endif
