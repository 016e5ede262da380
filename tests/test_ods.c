/* Tests for proto/ods.c: ODS organisation and GP practice code shapes. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>
#include <string.h>

#include "ods.h"

struct vector {
    const char *code;
    int rc;
};

static int org(const char *s)
{
    return ods_code_check(s, strlen(s));
}

static int gp(const char *s)
{
    return ods_gp_practice_check(s, strlen(s));
}

static void test_org_codes_good(void **state)
{
    (void)state;
    static const char *const good[] = {
        "RXH",        /* trust */
        "R1H",        /* trust with a digit */
        "RXH01",      /* site */
        "A81001",     /* GP practice */
        "Y02345",     /* GP practice, Y prefix */
        "E09000033",  /* longer code, nine characters */
        "15N",        /* sub-ICB location: starts with digits */
        "00L",        /* former CCG code */
        "ABCDEFGHIJ", /* ten characters, the longest allowed */
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        assert_int_equal(org(good[i]), ODS_OK);
}

static void test_org_codes_bad(void **state)
{
    (void)state;
    static const struct vector bad[] = {
        { "", ODS_EEMPTY },            { "R", ODS_ETOOSHORT },
        { "RX", ODS_ETOOSHORT },       { "ABCDEFGHIJK", ODS_ETOOLONG },
        { "RXH01RXH01RXH01", ODS_ETOOLONG }, { "0000000001A", ODS_ETOOLONG },
        { "rxh", ODS_ECHAR },          { "a81001", ODS_ECHAR },
        { "A81001 ", ODS_ECHAR },      { " A81001", ODS_ECHAR },
        { "A81 001", ODS_ECHAR },      { "RXH-01", ODS_ECHAR },
        { "RXH.01", ODS_ECHAR },       { "RXH/01", ODS_ECHAR },
        { "RXH_01", ODS_ECHAR },       { "-RXH", ODS_ECHAR },
        { "\xC3\x89XH", ODS_ECHAR },   /* É in UTF-8 */
        { "123", ODS_ESHAPE },         { "81001", ODS_ESHAPE },
        { "0000000000", ODS_ESHAPE },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(org(bad[i].code), bad[i].rc);
}

static void test_length_is_what_counts(void **state)
{
    (void)state;
    /* Only len bytes are read; an embedded NUL is a bad character. */
    assert_int_equal(ods_code_check("RXH01junk", 5), ODS_OK);
    static const char nul[] = { 'R', 'X', '\0', '0', '1' };
    assert_int_equal(ods_code_check(nul, sizeof nul), ODS_ECHAR);
    assert_int_equal(ods_gp_practice_check(nul, sizeof nul), ODS_ECHAR);
    assert_int_equal(ods_code_check("RXH", 0), ODS_EEMPTY);
}

static void test_null(void **state)
{
    (void)state;
    assert_int_equal(ods_code_check(NULL, 0), ODS_ENULL);
    assert_int_equal(ods_code_check(NULL, 6), ODS_ENULL);
    assert_int_equal(ods_gp_practice_check(NULL, 6), ODS_ENULL);
}

static void test_gp_practice_good(void **state)
{
    (void)state;
    static const char *const good[] = { "A81001", "Y02345", "B86001", "Z99999", "M00000" };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        assert_int_equal(gp(good[i]), ODS_OK);
        assert_int_equal(org(good[i]), ODS_OK);
    }
}

static void test_gp_practice_bad(void **state)
{
    (void)state;
    static const struct vector bad[] = {
        { "RXH", ODS_ESHAPE },        { "R1H", ODS_ESHAPE },
        { "RXH01", ODS_ESHAPE },      { "A8100", ODS_ESHAPE },
        { "A810011", ODS_ESHAPE },    { "AB1001", ODS_ESHAPE },
        { "A8100X", ODS_ESHAPE },     { "181001", ODS_ESHAPE },
        { "E09000033", ODS_ESHAPE },  { "a81001", ODS_ECHAR },
        { "A81 01", ODS_ECHAR },      { "A8100!", ODS_ECHAR },
        { "", ODS_EEMPTY },           { "A8", ODS_ETOOSHORT },
        { "A810010000000", ODS_ETOOLONG },
        { "810010", ODS_ESHAPE },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(gp(bad[i].code), bad[i].rc);
}

/* Every single-byte value in each position of a practice code: only A-Z first and
 * 0-9 after pass, and nothing else slips through the organisation check either. */
static void test_every_byte_in_every_position(void **state)
{
    (void)state;
    for (int pos = 0; pos < ODS_GP_PRACTICE_LEN; pos++) {
        for (int c = 0; c < 256; c++) {
            char code[ODS_GP_PRACTICE_LEN];
            memcpy(code, "A81001", sizeof code);
            code[pos] = (char)c;
            bool upper = c >= 'A' && c <= 'Z';
            bool digit = c >= '0' && c <= '9';
            int want_gp = (pos == 0 ? upper : digit) ? ODS_OK
                          : (upper || digit)          ? ODS_ESHAPE
                                                      : ODS_ECHAR;
            assert_int_equal(ods_gp_practice_check(code, sizeof code), want_gp);
            int want_org = (upper || digit) ? ODS_OK : ODS_ECHAR;
            if (pos == 0 && digit)
                want_org = ODS_ESHAPE; /* "081001" has no letter left */
            assert_int_equal(ods_code_check(code, sizeof code), want_org);
        }
    }
}

static void test_strerror(void **state)
{
    (void)state;
    static const int codes[] = { ODS_OK, ODS_ENULL, ODS_EEMPTY, ODS_ETOOSHORT,
                                 ODS_ETOOLONG, ODS_ECHAR, ODS_ESHAPE };
    size_t n = sizeof codes / sizeof codes[0];
    for (size_t i = 0; i < n; i++) {
        const char *text = ods_strerror(codes[i]);
        assert_non_null(text);
        assert_true(strlen(text) > 0);
        for (size_t j = 0; j < i; j++)
            assert_string_not_equal(text, ods_strerror(codes[j]));
    }
    assert_string_equal(ods_strerror(-99), ods_strerror(1));
    assert_string_equal(ods_strerror(-99), ods_strerror(INT32_MIN));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_org_codes_good),
        cmocka_unit_test(test_org_codes_bad),
        cmocka_unit_test(test_length_is_what_counts),
        cmocka_unit_test(test_null),
        cmocka_unit_test(test_gp_practice_good),
        cmocka_unit_test(test_gp_practice_bad),
        cmocka_unit_test(test_every_byte_in_every_position),
        cmocka_unit_test(test_strerror),
    };
    return cmocka_run_group_tests_name("ods", tests, NULL, NULL);
}
