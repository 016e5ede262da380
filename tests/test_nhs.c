/* Tests for proto/nhs.c: the Modulus 11 NHS number check and layout tidying. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "nhs.h"

/* Valid numbers, each worked by hand here so the test does not lean on the code
 * under test (the first three are published examples, the last two made up):
 *   9434765919  9*10+4*9+3*8+4*7+7*6+6*5+5*4+9*3+1*2 = 299; 299 mod 11 = 2; 11-2 = 9
 *   9876543210  90+72+56+42+30+20+12+6+2 = 330 = 30*11; remainder 0; 11 means 0
 *   4010232137  40+0+8+0+12+15+8+3+6 = 92; 92 mod 11 = 4; 11-4 = 7
 *   9434765900  prefix 943476590: 299-2 = 297 = 27*11; remainder 0, so check 0
 *   9434765927  prefix 943476592: 297+4 = 301; 301 mod 11 = 4; 11-4 = 7 */
static const char *const valid_numbers[] = {
    "9434765919", "9876543210", "4010232137", "9434765900", "9434765927",
};
#define N_VALID (sizeof valid_numbers / sizeof valid_numbers[0])

/* Prefixes whose check value is 10, so no final digit makes them valid:
 *   943476596  297 + 6*2 = 309; 309 mod 11 = 1; 11-1 = 10
 *   987654327  330 - 1*2 + 7*2 = 342; 342 mod 11 = 1; 11-1 = 10 */
static const char *const check10_prefixes[] = { "943476596", "987654327" };

static int check_str(const char *s)
{
    return nhs_number_check(s, strlen(s));
}

static void test_known_valid(void **state)
{
    (void)state;
    for (size_t i = 0; i < N_VALID; i++) {
        assert_int_equal(check_str(valid_numbers[i]), NHS_OK);
        assert_true(nhs_number_is_valid(valid_numbers[i]));
    }
}

static void test_remainder_zero_means_check_digit_zero(void **state)
{
    (void)state;
    char number[] = "9434765900";
    assert_int_equal(check_str(number), NHS_OK);
    for (char d = '1'; d <= '9'; d++) {
        number[9] = d;
        assert_int_equal(check_str(number), NHS_ECHECK);
    }
}

static void test_check_value_ten_never_valid(void **state)
{
    (void)state;
    for (size_t p = 0; p < 2; p++) {
        char number[32];
        for (char d = '0'; d <= '9'; d++) {
            snprintf(number, sizeof number, "%s%c", check10_prefixes[p], d);
            assert_int_equal(check_str(number), NHS_ECHECK10);
            assert_false(nhs_number_is_valid(number));
        }
    }
}

/* Over many prefixes: at most one final digit is accepted; with none, every digit
 * is refused as check-10; with one, every other digit is a mismatch. */
static void test_one_check_digit_per_prefix(void **state)
{
    (void)state;
    int seen_ten = 0, seen_one = 0;
    for (long prefix = 100000000; prefix < 999999999; prefix += 100003) {
        char number[32]; /* roomy: the compiler cannot see prefix has 9 digits */
        int rc[10], ok = 0;
        for (int d = 0; d < 10; d++) {
            snprintf(number, sizeof number, "%09ld%d", prefix, d);
            rc[d] = check_str(number);
            ok += rc[d] == NHS_OK;
        }
        assert_true(ok <= 1);
        for (int d = 0; d < 10; d++) {
            if (ok == 0)
                assert_int_equal(rc[d], NHS_ECHECK10);
            else if (rc[d] != NHS_OK)
                assert_int_equal(rc[d], NHS_ECHECK);
        }
        seen_ten += ok == 0;
        seen_one += ok == 1;
    }
    assert_true(seen_ten > 0);
    assert_true(seen_one > seen_ten);
}

static void test_single_digit_corruption_rejected(void **state)
{
    (void)state;
    for (size_t i = 0; i < N_VALID; i++) {
        for (int pos = 0; pos < NHS_NUMBER_LEN; pos++) {
            for (char d = '0'; d <= '9'; d++) {
                char number[NHS_NUMBER_BUF];
                memcpy(number, valid_numbers[i], sizeof number);
                if (number[pos] == d)
                    continue;
                number[pos] = d;
                int rc = check_str(number);
                assert_true(rc == NHS_ECHECK || rc == NHS_ECHECK10);
            }
        }
    }
}

static void test_adjacent_transposition_rejected(void **state)
{
    (void)state;
    int swaps = 0;
    for (size_t i = 0; i < N_VALID; i++) {
        for (int pos = 0; pos < NHS_NUMBER_LEN - 1; pos++) {
            char number[NHS_NUMBER_BUF];
            memcpy(number, valid_numbers[i], sizeof number);
            if (number[pos] == number[pos + 1])
                continue;
            char t = number[pos];
            number[pos] = number[pos + 1];
            number[pos + 1] = t;
            int rc = check_str(number);
            assert_true(rc == NHS_ECHECK || rc == NHS_ECHECK10);
            swaps++;
        }
    }
    assert_true(swaps > 30);
}

static void test_wrong_lengths(void **state)
{
    (void)state;
    assert_int_equal(nhs_number_check("", 0), NHS_ELENGTH);
    assert_int_equal(check_str("943476591"), NHS_ELENGTH);
    assert_int_equal(check_str("94347659190"), NHS_ELENGTH);
    assert_int_equal(check_str("09434765919"), NHS_ELENGTH);
    /* Only len bytes are read: a valid number at the head of a longer buffer. */
    assert_int_equal(nhs_number_check("9434765919123", 10), NHS_OK);
    assert_false(nhs_number_is_valid(""));
    assert_false(nhs_number_is_valid("943476591"));
    assert_false(nhs_number_is_valid("94347659190"));
}

static void test_non_digits(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "94347659I9", "A434765919", "943476591X", "+943476591",
        "943476 919", "943-765919", "9434765.19", "O434765919",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(check_str(bad[i]), NHS_EDIGIT);
        assert_false(nhs_number_is_valid(bad[i]));
    }
    /* The wire check never strips separators, even in the printed layout. */
    assert_int_equal(check_str("943 476 5919"), NHS_ELENGTH);
    assert_int_equal(check_str("943-476-59"), NHS_EDIGIT);
}

static void test_embedded_nul(void **state)
{
    (void)state;
    static const char number[] = { '9', '4', '3', '4', '7', '6', '\0', '9', '1', '9' };
    assert_int_equal(nhs_number_check(number, sizeof number), NHS_EDIGIT);
    static const char tail[] = { '9', '4', '3', '4', '7', '6', '5', '9', '1', '\0' };
    assert_int_equal(nhs_number_check(tail, sizeof tail), NHS_EDIGIT);
}

static void test_null_pointers(void **state)
{
    (void)state;
    char out[NHS_NUMBER_BUF];
    assert_int_equal(nhs_number_check(NULL, 10), NHS_ENULL);
    assert_int_equal(nhs_number_check(NULL, 0), NHS_ENULL);
    assert_false(nhs_number_is_valid(NULL));
    assert_int_equal(nhs_number_normalise(NULL, out), NHS_ENULL);
    assert_string_equal(out, "");
    assert_int_equal(nhs_number_normalise("9434765919", NULL), NHS_ENULL);
}

static void test_normalise_layouts(void **state)
{
    (void)state;
    static const char *const good[] = {
        "9434765919", "943 476 5919", "943-476-5919", "943 476-5919",
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        char out[NHS_NUMBER_BUF] = "junk";
        assert_int_equal(nhs_number_normalise(good[i], out), NHS_OK);
        assert_string_equal(out, "9434765919");
    }
    char out[NHS_NUMBER_BUF];
    assert_int_equal(nhs_number_normalise("987 654 3210", out), NHS_OK);
    assert_string_equal(out, "9876543210");
}

static void test_normalise_rejects(void **state)
{
    (void)state;
    static const struct {
        const char *in;
        int rc;
    } bad[] = {
        { "943.476.5919", NHS_ELAYOUT },  { "943/476/5919", NHS_ELAYOUT },
        { "943_476_5919", NHS_ELAYOUT },  { "(943)4765919", NHS_ELAYOUT },
        { "94 34 76 59 19", NHS_ELAYOUT }, { "943  476 5919", NHS_ELAYOUT },
        { " 9434765919", NHS_ELAYOUT },   { "9434765919 ", NHS_ELAYOUT },
        { "9434-765919", NHS_ELAYOUT },   { "943 4765919", NHS_ELAYOUT },
        { "943 476 5918", NHS_ECHECK },   { "943-476-596 ", NHS_EDIGIT },
        { "943 476 591A", NHS_EDIGIT },   { "943476591", NHS_ELENGTH },
        { "94347659190", NHS_ELENGTH },   { "", NHS_ELENGTH },
        { "943 476 5960", NHS_ECHECK10 },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char out[NHS_NUMBER_BUF] = "junk";
        assert_int_equal(nhs_number_normalise(bad[i].in, out), bad[i].rc);
        assert_string_equal(out, "");
    }
}

static void test_strerror(void **state)
{
    (void)state;
    static const int codes[] = { NHS_OK, NHS_ENULL, NHS_ELENGTH, NHS_EDIGIT,
                                 NHS_ECHECK10, NHS_ECHECK, NHS_ELAYOUT };
    size_t n = sizeof codes / sizeof codes[0];
    for (size_t i = 0; i < n; i++) {
        const char *text = nhs_strerror(codes[i]);
        assert_non_null(text);
        assert_true(strlen(text) > 0);
        for (size_t j = 0; j < i; j++)
            assert_string_not_equal(text, nhs_strerror(codes[j]));
    }
    const char *unknown = nhs_strerror(-1000);
    assert_non_null(unknown);
    assert_string_equal(unknown, nhs_strerror(1));
    assert_string_equal(unknown, nhs_strerror(INT32_MIN));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_known_valid),
        cmocka_unit_test(test_remainder_zero_means_check_digit_zero),
        cmocka_unit_test(test_check_value_ten_never_valid),
        cmocka_unit_test(test_one_check_digit_per_prefix),
        cmocka_unit_test(test_single_digit_corruption_rejected),
        cmocka_unit_test(test_adjacent_transposition_rejected),
        cmocka_unit_test(test_wrong_lengths),
        cmocka_unit_test(test_non_digits),
        cmocka_unit_test(test_embedded_nul),
        cmocka_unit_test(test_null_pointers),
        cmocka_unit_test(test_normalise_layouts),
        cmocka_unit_test(test_normalise_rejects),
        cmocka_unit_test(test_strerror),
    };
    return cmocka_run_group_tests_name("nhs", tests, NULL, NULL);
}
