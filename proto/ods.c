/* ods — shape checks for ODS organisation codes (see ods.h). */
#include "ods.h"

#include <stdbool.h>

/* Plain ASCII tests: the <ctype.h> ones depend on the locale. */
static bool ods_is_upper(char c)
{
    return c >= 'A' && c <= 'Z';
}

static bool ods_is_digit(char c)
{
    return c >= '0' && c <= '9';
}

int ods_code_check(const char *s, size_t len)
{
    if (s == NULL)
        return ODS_ENULL;
    if (len == 0)
        return ODS_EEMPTY;
    if (len < ODS_CODE_MIN_LEN)
        return ODS_ETOOSHORT;
    if (len > ODS_CODE_MAX_LEN)
        return ODS_ETOOLONG;

    bool has_letter = false;
    for (size_t i = 0; i < len; i++) {
        if (ods_is_upper(s[i]))
            has_letter = true;
        else if (!ods_is_digit(s[i]))
            return ODS_ECHAR;
    }
    /* All-digit strings are local ids or phone fragments, never an ODS code. */
    return has_letter ? ODS_OK : ODS_ESHAPE;
}

int ods_gp_practice_check(const char *s, size_t len)
{
    int rc = ods_code_check(s, len);
    if (rc != ODS_OK)
        return rc;
    if (len != ODS_GP_PRACTICE_LEN || !ods_is_upper(s[0]))
        return ODS_ESHAPE;
    for (size_t i = 1; i < len; i++) {
        if (!ods_is_digit(s[i]))
            return ODS_ESHAPE;
    }
    return ODS_OK;
}

/* Indexed by -code. */
static const char *const ods_reasons[] = {
    [-ODS_OK]        = "valid ODS code",
    [-ODS_ENULL]     = "ODS code missing",
    [-ODS_EEMPTY]    = "ODS code empty",
    [-ODS_ETOOSHORT] = "ODS code shorter than 3 characters",
    [-ODS_ETOOLONG]  = "ODS code longer than 10 characters",
    [-ODS_ECHAR]     = "ODS code may contain only capital letters A-Z and digits",
    [-ODS_ESHAPE]    = "ODS code has the wrong pattern (no letter, or not a practice code)",
};

const char *ods_strerror(int code)
{
    int count = (int)(sizeof ods_reasons / sizeof ods_reasons[0]);
    if (code > 0 || code <= -count)
        return "unknown ODS code error";
    return ods_reasons[-code];
}
