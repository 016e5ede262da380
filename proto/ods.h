/* ods — shape checks for NHS Organisation Data Service (ODS) codes.
 *
 * Owns the syntax of an organisation code as it travels on the wire: practices,
 * trusts, sites, councils and other bodies. Never looks a code up: whether the
 * organisation exists, is active or is a practice in a given neighbourhood is the
 * registry's question. Never changes case or trims; callers send codes as ODS
 * publishes them. Never allocates.
 */
#ifndef HUDDLE_ODS_H
#define HUDDLE_ODS_H

#include <stddef.h>

/* Shortest and longest organisation code accepted, and a GP practice code's length. */
#define ODS_CODE_MIN_LEN 3
#define ODS_CODE_MAX_LEN 10
#define ODS_GP_PRACTICE_LEN 6

typedef enum {
    ODS_OK        = 0,
    ODS_ENULL     = -1, /* no code given (NULL pointer) */
    ODS_EEMPTY    = -2, /* zero length */
    ODS_ETOOSHORT = -3, /* fewer than 3 characters */
    ODS_ETOOLONG  = -4, /* more than 10 characters */
    ODS_ECHAR     = -5, /* a character other than A-Z or 0-9 */
    ODS_ESHAPE    = -6, /* right characters, wrong pattern for this kind of code */
} ods_error_t;

/* Checks len bytes at s as an organisation code: 3-10 characters, each A-Z or 0-9,
 * at least one letter ("RXH", "R1H", "RXH01", "A81001"). */
int ods_code_check(const char *s, size_t len);

/* Checks len bytes at s as a GP practice code: one letter then five digits ("A81001"). */
int ods_gp_practice_check(const char *s, size_t len);

/* Short reason for a code from this module, for people. */
const char *ods_strerror(int code);

#endif
