/* nhs — NHS number validation.
 *
 * Owns the Modulus 11 check of the 10-digit NHS number (NHS Data Dictionary) and the
 * tidying of the common printed layouts into the wire form. Never stores, logs or
 * echoes a number: error texts name the reason only, so they are safe to put in a
 * Rejected reply or an audit line. Never allocates.
 */
#ifndef HUDDLE_NHS_H
#define HUDDLE_NHS_H

#include <stdbool.h>
#include <stddef.h>

/* Digits in an NHS number, and the size of a buffer holding one with its NUL. */
#define NHS_NUMBER_LEN 10
#define NHS_NUMBER_BUF 11

typedef enum {
    NHS_OK       = 0,
    NHS_ENULL    = -1, /* no number given (NULL pointer) */
    NHS_ELENGTH  = -2, /* not exactly 10 digits long */
    NHS_EDIGIT   = -3, /* contains a character that is not 0-9 */
    NHS_ECHECK10 = -4, /* first nine digits give check value 10: never issued */
    NHS_ECHECK   = -5, /* check digit does not match the first nine digits */
    NHS_ELAYOUT  = -6, /* normalise only: not a recognised printed layout */
} nhs_error_t;

/* Checks the wire form: exactly len bytes at s, all digits, len == 10, check digit
 * right. Reads only those len bytes (s need not be NUL-terminated); spaces and
 * dashes are rejected here, see nhs_number_normalise. */
int nhs_number_check(const char *s, size_t len);

/* True when the NUL-terminated string s is exactly a valid 10-digit NHS number. */
bool nhs_number_is_valid(const char *s);

/* Turns a NUL-terminated "9434765919", "943 476 5919" or "943-476-5919" (each
 * separator a single space or dash, after the 3rd and 6th digit) into the 10-digit
 * wire form in out, then checks it. On any error out is left as "". */
int nhs_number_normalise(const char *in, char out[NHS_NUMBER_BUF]);

/* Short reason for a code from this module, for people; never contains the number. */
const char *nhs_strerror(int code);

#endif
