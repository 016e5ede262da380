/* nhs — NHS number validation (see nhs.h). */
#include "nhs.h"

#include <string.h>

/* Printed layout "943 476 5919": separators sit at these offsets. */
#define NHS_PRINTED_LEN 12
#define NHS_SEP_1 3
#define NHS_SEP_2 7

static bool nhs_is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool nhs_is_separator(char c)
{
    return c == ' ' || c == '-';
}

/* Modulus 11 over the first nine digits: weights 10 down to 2; 11 - remainder,
 * where 11 means 0. Returns 0..10; 10 means no number can have this prefix. */
static int nhs_check_value(const char *digits)
{
    int sum = 0;
    for (int i = 0; i < NHS_NUMBER_LEN - 1; i++)
        sum += (digits[i] - '0') * (NHS_NUMBER_LEN - i);
    int check = 11 - sum % 11;
    return check == 11 ? 0 : check;
}

int nhs_number_check(const char *s, size_t len)
{
    if (s == NULL)
        return NHS_ENULL;
    if (len != NHS_NUMBER_LEN)
        return NHS_ELENGTH;
    for (size_t i = 0; i < len; i++) {
        if (!nhs_is_digit(s[i]))
            return NHS_EDIGIT;
    }
    int check = nhs_check_value(s);
    if (check == 10)
        return NHS_ECHECK10;
    if (check != s[NHS_NUMBER_LEN - 1] - '0')
        return NHS_ECHECK;
    return NHS_OK;
}

bool nhs_number_is_valid(const char *s)
{
    if (s == NULL)
        return false;
    return nhs_number_check(s, strnlen(s, NHS_NUMBER_LEN + 1)) == NHS_OK;
}

int nhs_number_normalise(const char *in, char out[NHS_NUMBER_BUF])
{
    if (out == NULL)
        return NHS_ENULL;
    out[0] = '\0';
    if (in == NULL)
        return NHS_ENULL;

    char digits[NHS_NUMBER_LEN];
    size_t n = strnlen(in, NHS_PRINTED_LEN + 1);
    if (n == NHS_PRINTED_LEN && nhs_is_separator(in[NHS_SEP_1])
        && nhs_is_separator(in[NHS_SEP_2])) {
        size_t k = 0;
        for (size_t i = 0; i < n; i++) {
            if (i != NHS_SEP_1 && i != NHS_SEP_2)
                digits[k++] = in[i];
        }
    } else if (n == NHS_NUMBER_LEN) {
        memcpy(digits, in, NHS_NUMBER_LEN);
    } else {
        /* Plain digits of the wrong count is a length problem; anything else is a
         * layout we do not guess at ("943.476.5919", "(943) 4765919", ...). */
        for (size_t i = 0; i < n; i++) {
            if (!nhs_is_digit(in[i]))
                return NHS_ELAYOUT;
        }
        return NHS_ELENGTH;
    }

    int rc = nhs_number_check(digits, NHS_NUMBER_LEN);
    if (rc != NHS_OK)
        return rc;
    memcpy(out, digits, NHS_NUMBER_LEN);
    out[NHS_NUMBER_LEN] = '\0';
    return NHS_OK;
}

/* Indexed by -code. */
static const char *const nhs_reasons[] = {
    [-NHS_OK]       = "valid NHS number",
    [-NHS_ENULL]    = "NHS number missing",
    [-NHS_ELENGTH]  = "NHS number must be exactly 10 digits",
    [-NHS_EDIGIT]   = "NHS number may contain only the digits 0-9",
    [-NHS_ECHECK10] = "not an NHS number: no valid check digit exists for it",
    [-NHS_ECHECK]   = "NHS number check digit does not match",
    [-NHS_ELAYOUT]  = "NHS number layout not recognised (spaces or dashes in 3-3-4 only)",
};

const char *nhs_strerror(int code)
{
    int count = (int)(sizeof nhs_reasons / sizeof nhs_reasons[0]);
    if (code > 0 || code <= -count)
        return "unknown NHS number error";
    return nhs_reasons[-code];
}
