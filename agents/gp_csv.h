/*
 * gp_csv — a GP practice's referral file, as its clinical system exports it: UTF-8
 * CSV (RFC 4180: quoted fields may hold commas, newlines and doubled quotes; records
 * end in CRLF or LF), a header row naming the columns in any order, one referral per
 * row. Each good row becomes the ReferralSubmit of a REFERRAL_SUBMITTED event with a
 * message id derived from its content, so the same file sent twice is stored once.
 *
 * Owns: the column table (names, meanings, bounds as event.proto gives them), the
 * local checks (NHS number check digit, ranges, one age and at most one eFI form per
 * row), the reasons a bad row is refused ("FILE:LINE: field: reason", one line per
 * problem, naming the row by the line it starts on) and the message id.
 *
 * Never: prints (the caller decides where the reasons go), puts an NHS number, a
 * reason or a clinician's name into an error text, or applies a rule that is the
 * broker's (cohorts, score, tier, consent: the broker's configuration decides those).
 * The practice is not in the file: it is the sending agent's organisation.
 */
#ifndef HUDDLE_GP_CSV_H
#define HUDDLE_GP_CSV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "csv_record.h"
#include "event.pb-c.h"
#include "nhs.h"

#define GP_CSV_REASON_MAX 1000   /* bytes of ReferralSubmit.reason */
#define GP_CSV_CLINICIAN_MAX 128 /* bytes of ReferralSubmit.referring_clinician */
#define GP_CSV_ID_LEN 65         /* a message id with its NUL */
#define GP_CSV_ERR_LEN 2048      /* enough for every problem of one row */

/* Every column, in the order a generator writes them. */
#define GP_CSV_HEADER                                                                                  \
    "nhs_number,age_years,birth_year,long_term_conditions,efi_score,efi_deficits,cost_ratio,"       \
    "emergency_admissions_12m,urgent,safeguarding_concern,lives_alone,carer_under_strain,"            \
    "consent_recorded,reason,referring_clinician"

/* One good row, typed. Holds no pointers, so it may be copied. */
typedef struct {
    unsigned long line; /* the file line the row starts on, from 1 */
    char nhs_number[NHS_NUMBER_BUF];
    Huddle__ReferralSubmit__AgeCase age_case; /* AGE_YEARS or BIRTH_YEAR */
    uint32_t age;                             /* years of age, or the year of birth */
    uint32_t long_term_conditions;
    Huddle__ReferralSubmit__FrailtyCase frailty_case; /* NOT_SET when not recorded */
    double efi_score;
    uint32_t efi_deficits;
    double cost_ratio;
    uint32_t emergency_admissions_12m;
    bool urgent, safeguarding_concern, lives_alone, carer_under_strain, consent_recorded;
    char reason[GP_CSV_REASON_MAX + 1];
    char referring_clinician[GP_CSV_CLINICIAN_MAX + 1];
} gp_csv_row_t;

typedef struct gp_csv gp_csv_t;

/* Starts reading fp (borrowed; the caller closes it), named name in the reasons
 * (borrowed), and reads the header. A UTF-8 byte-order mark and blank lines before it
 * are skipped. CSV_TABLE_OK, or CSV_TABLE_EHEADER with err saying why ("FILE:LINE:
 * header: unknown column 'postcode'"): an unknown, unnamed or repeated column,
 * nhs_number or reason missing, or neither age column; or CSV_TABLE_EIO or
 * CSV_TABLE_ENOMEM. *out is NULL on error. */
int gp_csv_open(gp_csv_t **out, FILE *fp, const char *name, char *err, size_t err_len);

void gp_csv_destroy(gp_csv_t **self_p);

/* The next row: CSV_TABLE_OK with *row filled, CSV_TABLE_END, CSV_TABLE_EROW with err
 * holding one "FILE:LINE: field: reason" line per problem (newline-separated, no final
 * newline), CSV_TABLE_EIO or CSV_TABLE_ENOMEM. Blank lines are skipped. */
int gp_csv_next(gp_csv_t *self, gp_csv_row_t *row, char *err, size_t err_len);

/* "gp-<practice>-<16 hex>-<16 hex>": a 64-bit FNV-1a of the practice and NHS number,
 * then one of every value of the row as read (so "Y" and "yes", "80" and " 80" give
 * the same id, and any change of value another). The NHS number is not in it in clear:
 * message ids are echoed in Rejected replies and written to logs. */
void gp_csv_message_id(const gp_csv_row_t *row, const char *practice_ods, char out[GP_CSV_ID_LEN]);

/* Fills ev as the REFERRAL_SUBMITTED event of row from practice_ods, with rs and subj
 * as its payload and subject. ev borrows rs, subj, row's strings, practice_ods and
 * message_id: keep them while ev is used. occurred_at_ms is the time to stamp. */
void gp_csv_event(const gp_csv_row_t *row, const char *practice_ods, const char *message_id, int64_t occurred_at_ms,
                  Huddle__Event *ev, Huddle__ReferralSubmit *rs, Huddle__Subject *subj);

/* The columns with their meanings, one per line, for --help. */
void gp_csv_columns_help(FILE *out);

#endif
