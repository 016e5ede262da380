/*
 * episode_csv — a hospital's discharge feed, as its patient administration system or
 * the discharge team's tracker exports it: UTF-8 CSV (csv_record: RFC 4180, CRLF or
 * LF, a byte-order mark, blank lines), a header naming the columns in any order, one
 * episode per row carrying its whole current state. Each good row becomes the
 * EPISODE_UPDATED event of discharge_args; the broker stores a row only when it changes
 * its episode, so the same feed sent twice is stored once.
 *
 * Owns the column table (names, meanings) and the reasons a row is refused ("FILE:LINE:
 * field: reason", one line per problem, the row named by the line it starts on). The
 * values' spellings and checks are discharge_args'. Never prints; never puts an NHS
 * number or free text into a reason. The hospital is the sending hub's own: a
 * hospital_ods column may name it, never another.
 */
#ifndef HUDDLE_EPISODE_CSV_H
#define HUDDLE_EPISODE_CSV_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "csv_record.h"
#include "discharge_args.h"

#define EPISODE_CSV_ERR_LEN 2048 /* enough for every problem of one row */

/* Every column, in the order a generator writes them. */
#define EPISODE_CSV_HEADER                                                                                    \
    "hospital_ods,local_id,nhs_number,ward,admitted_at,criteria_to_reside,discharge_ready_date,pathway,"    \
    "status,delay_reasons,expected_discharge_date,discharged_at,registered_practice_ods"

/* One good row. Holds no pointers, so it may be copied. */
typedef struct {
    unsigned long line; /* the file line the row starts on, from 1 */
    discharge_episode_t ep;
} episode_csv_row_t;

typedef struct episode_csv episode_csv_t;

/* Starts reading fp (borrowed; the caller closes it), named name in the reasons
 * (borrowed), and reads the header: CSV_TABLE_OK, or CSV_TABLE_EHEADER with err saying
 * why for an unknown, unnamed or repeated column, or one of local_id, nhs_number,
 * admitted_at, status missing; or CSV_TABLE_EIO or CSV_TABLE_ENOMEM. *out is NULL on
 * error. now_ms is the time rows are checked against (an admission may not be in the
 * future). */
int episode_csv_open(episode_csv_t **out, FILE *fp, const char *name, int64_t now_ms, char *err, size_t err_len);

void episode_csv_destroy(episode_csv_t **self_p);

/* The hub's hospital (borrowed): a row whose hospital_ods names another is bad. */
void episode_csv_set_hospital(episode_csv_t *self, const char *hospital_ods);

/* The next row: CSV_TABLE_OK with *row filled, CSV_TABLE_END, CSV_TABLE_EROW with err
 * holding one "FILE:LINE: field: reason" line per problem (newline-separated, no final
 * newline), CSV_TABLE_EIO or CSV_TABLE_ENOMEM. */
int episode_csv_next(episode_csv_t *self, episode_csv_row_t *row, char *err, size_t err_len);

/* The columns with their meanings, one per line, for --help. */
void episode_csv_columns_help(FILE *out);

#endif
