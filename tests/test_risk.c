/*
 * test_risk — risk stratification (broker/risk.c) at every boundary DESIGN §5.1 names:
 * the eFI bands from a fraction and from a deficit count, the three cohorts, each
 * weight of the score and its cap, the tiers, and thresholds moved by configuration.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "risk.h"

#define YEAR 2027

#define BAND(name) HUDDLE__FRAILTY_BAND__FRAILTY_BAND_##name
#define TIER(name) HUDDLE__TIER__TIER_##name
#define COHORT(name) HUDDLE__COHORT__COHORT_##name

static config_t cfg;

static int setup(void **state)
{
    (void)state;
    config_defaults(&cfg);
    return 0;
}

/* A submission that scores nothing: an adult of 50 with no conditions, no eFI. */
static Huddle__ReferralSubmit base(void)
{
    Huddle__ReferralSubmit s = HUDDLE__REFERRAL_SUBMIT__INIT;
    s.age_case = HUDDLE__REFERRAL_SUBMIT__AGE_AGE_YEARS;
    s.age_years = 50;
    return s;
}

static Huddle__ReferralSubmit with_efi(double efi)
{
    Huddle__ReferralSubmit s = base();
    s.frailty_case = HUDDLE__REFERRAL_SUBMIT__FRAILTY_EFI_SCORE;
    s.efi_score = efi;
    return s;
}

static Huddle__ReferralSubmit with_deficits(uint32_t d)
{
    Huddle__ReferralSubmit s = base();
    s.frailty_case = HUDDLE__REFERRAL_SUBMIT__FRAILTY_EFI_DEFICITS;
    s.efi_deficits = d;
    return s;
}

static risk_t assess(const Huddle__ReferralSubmit *s)
{
    risk_t k;
    risk_assess(&cfg, s, YEAR, &k);
    assert_true(k.score <= 100);
    return k;
}

static bool in_cohort(const risk_t *k, Huddle__Cohort c)
{
    for (size_t i = 0; i < k->n_cohorts; i++)
        if (k->cohorts[i] == c)
            return true;
    return false;
}

static void test_efi_bands_from_fraction(void **state)
{
    (void)state;
    static const struct {
        double efi;
        Huddle__FrailtyBand band;
        uint32_t score;
        bool frailty;
    } cases[] = {
        {0.0, BAND(FIT), 0, false},        {0.12, BAND(FIT), 0, false},
        {0.121, BAND(MILD), 10, false},    {0.24, BAND(MILD), 10, false},
        {0.241, BAND(MODERATE), 20, true}, {0.25, BAND(MODERATE), 20, true},
        {0.36, BAND(MODERATE), 20, true},  {0.361, BAND(SEVERE), 30, true},
        {0.37, BAND(SEVERE), 30, true},    {1.0, BAND(SEVERE), 30, true},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        Huddle__ReferralSubmit s = with_efi(cases[i].efi);
        risk_t k = assess(&s);
        if (k.band != cases[i].band || k.score != cases[i].score || in_cohort(&k, COHORT(FRAILTY)) != cases[i].frailty)
            fail_msg("eFI %.3f: band %d score %u, expected band %d score %u", cases[i].efi, k.band, k.score,
                     cases[i].band, cases[i].score);
    }
    Huddle__ReferralSubmit none = base();
    risk_t k = assess(&none);
    assert_int_equal(k.band, BAND(UNSPECIFIED));
    assert_int_equal(k.n_cohorts, 0);
    assert_int_equal(k.score, 0);
}

static void test_efi_bands_from_deficits(void **state)
{
    (void)state;
    static const struct {
        uint32_t deficits;
        Huddle__FrailtyBand band;
    } cases[] = {
        {0, BAND(FIT)},       {4, BAND(FIT)},       {5, BAND(MILD)},   {8, BAND(MILD)},
        {9, BAND(MODERATE)},  {12, BAND(MODERATE)}, {13, BAND(SEVERE)}, {36, BAND(SEVERE)},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        Huddle__ReferralSubmit s = with_deficits(cases[i].deficits);
        risk_t k = assess(&s);
        if (k.band != cases[i].band)
            fail_msg("%u deficits: band %d, expected %d", cases[i].deficits, k.band, cases[i].band);
        bool frail = cases[i].band == BAND(MODERATE) || cases[i].band == BAND(SEVERE);
        assert_int_equal(in_cohort(&k, COHORT(FRAILTY)), frail);
    }
}

static void test_multimorbidity_by_age_and_conditions(void **state)
{
    (void)state;
    Huddle__ReferralSubmit s = base();
    s.long_term_conditions = 4;
    risk_t k = assess(&s);
    assert_false(in_cohort(&k, COHORT(MULTIMORBIDITY)));
    assert_int_equal(k.score, 12);
    s.long_term_conditions = 5;
    k = assess(&s);
    assert_true(in_cohort(&k, COHORT(MULTIMORBIDITY)));
    assert_int_equal(k.score, 15);

    s.age_years = 17; /* a child with five conditions: no cohort, same points */
    k = assess(&s);
    assert_false(in_cohort(&k, COHORT(MULTIMORBIDITY)));
    assert_int_equal(k.score, 15);
    s.age_years = 18;
    k = assess(&s);
    assert_true(in_cohort(&k, COHORT(MULTIMORBIDITY)));

    /* from a birth year: the referral year minus it */
    s.age_case = HUDDLE__REFERRAL_SUBMIT__AGE_BIRTH_YEAR;
    s.birth_year = YEAR - 17;
    assert_int_equal(risk_age(&s, YEAR), 17);
    k = assess(&s);
    assert_false(in_cohort(&k, COHORT(MULTIMORBIDITY)));
    s.birth_year = YEAR - 18;
    assert_int_equal(risk_age(&s, YEAR), 18);
    k = assess(&s);
    assert_true(in_cohort(&k, COHORT(MULTIMORBIDITY)));
    s.birth_year = YEAR; /* born this year */
    assert_int_equal(risk_age(&s, YEAR), 0);
}

static void test_high_cost(void **state)
{
    (void)state;
    Huddle__ReferralSubmit s = base();
    s.cost_ratio = 2.99;
    risk_t k = assess(&s);
    assert_false(in_cohort(&k, COHORT(HIGH_COST)));
    assert_int_equal(k.score, 10); /* two whole units */
    s.cost_ratio = 3.0;
    k = assess(&s);
    assert_true(in_cohort(&k, COHORT(HIGH_COST)));
    assert_int_equal(k.score, 15);
}

static void test_cohorts_in_enum_order(void **state)
{
    (void)state;
    Huddle__ReferralSubmit s = with_efi(0.5);
    s.long_term_conditions = 6;
    s.cost_ratio = 4.0;
    risk_t k = assess(&s);
    assert_int_equal(k.n_cohorts, 3);
    assert_int_equal(k.cohorts[0], COHORT(MULTIMORBIDITY));
    assert_int_equal(k.cohorts[1], COHORT(HIGH_COST));
    assert_int_equal(k.cohorts[2], COHORT(FRAILTY));
}

static void test_score_weights_and_caps(void **state)
{
    (void)state;
    Huddle__ReferralSubmit s = base();
    s.long_term_conditions = 10;
    assert_int_equal(assess(&s).score, 30);
    s.long_term_conditions = 11; /* capped at 30 */
    assert_int_equal(assess(&s).score, 30);
    s = base();
    s.cost_ratio = 6.0;
    assert_int_equal(assess(&s).score, 30);
    s.cost_ratio = 100.0;
    assert_int_equal(assess(&s).score, 30);
    s = base();
    s.emergency_admissions_12m = 3;
    assert_int_equal(assess(&s).score, 15);
    s.emergency_admissions_12m = 4;
    assert_int_equal(assess(&s).score, 20);
    s.emergency_admissions_12m = 100;
    assert_int_equal(assess(&s).score, 20);
    s = base();
    s.urgent = 1;
    assert_int_equal(assess(&s).score, 15);

    /* everything at once: 30 + 30 + 30 + 20 + 15 = 125, capped at 100 */
    s = with_efi(0.9);
    s.long_term_conditions = 20;
    s.cost_ratio = 50.0;
    s.emergency_admissions_12m = 10;
    s.urgent = 1;
    risk_t k = assess(&s);
    assert_int_equal(k.score, 100);
    assert_int_equal(k.tier, TIER(RED));
}

static void test_tiers(void **state)
{
    (void)state;
    Huddle__ReferralSubmit s = base();
    s.long_term_conditions = 8;     /* 24 */
    s.emergency_admissions_12m = 2; /* + 10 = 34 */
    risk_t k = assess(&s);
    assert_int_equal(k.score, 34);
    assert_int_equal(k.tier, TIER(GREEN));
    s.long_term_conditions = 5;     /* 15 */
    s.emergency_admissions_12m = 4; /* + 20 = 35 */
    k = assess(&s);
    assert_int_equal(k.score, 35);
    assert_int_equal(k.tier, TIER(AMBER));
    s = with_efi(0.3);              /* moderate: 20 */
    s.long_term_conditions = 3;     /* + 9 */
    s.cost_ratio = 6.0;             /* + 30 = 59 */
    k = assess(&s);
    assert_int_equal(k.score, 59);
    assert_int_equal(k.tier, TIER(AMBER));
    s.long_term_conditions = 0;
    s.emergency_admissions_12m = 2; /* 20 + 30 + 10 = 60 */
    k = assess(&s);
    assert_int_equal(k.score, 60);
    assert_int_equal(k.tier, TIER(RED));
}

static void test_safeguarding_forces_red(void **state)
{
    (void)state;
    Huddle__ReferralSubmit s = base();
    s.safeguarding_concern = 1;
    risk_t k = assess(&s);
    assert_int_equal(k.score, 0);
    assert_int_equal(k.tier, TIER(RED));
}

static void test_configuration_moves_the_boundaries(void **state)
{
    (void)state;
    Huddle__ReferralSubmit s = with_efi(0.20);
    assert_int_equal(assess(&s).band, BAND(MILD));
    cfg.efi_fit_max = 200; /* 0.2 */
    assert_int_equal(assess(&s).band, BAND(FIT));
    s = with_efi(0.30);
    cfg.efi_mild_max = 300;
    risk_t k = assess(&s);
    assert_int_equal(k.band, BAND(MILD));
    assert_false(in_cohort(&k, COHORT(FRAILTY)));

    s = base();
    s.age_years = 16;
    s.long_term_conditions = 3;
    assert_false(in_cohort((risk_t[]){assess(&s)}, COHORT(MULTIMORBIDITY)));
    cfg.adult_age = 16;
    cfg.multimorbidity_conditions = 3;
    assert_true(in_cohort((risk_t[]){assess(&s)}, COHORT(MULTIMORBIDITY)));

    s = base();
    s.cost_ratio = 2.5;
    assert_false(in_cohort((risk_t[]){assess(&s)}, COHORT(HIGH_COST)));
    cfg.high_cost_ratio = 2500;
    assert_true(in_cohort((risk_t[]){assess(&s)}, COHORT(HIGH_COST)));

    s = base();
    s.long_term_conditions = 10; /* 30 */
    assert_int_equal(assess(&s).tier, TIER(GREEN));
    cfg.tier_amber_score = 20;
    cfg.tier_red_score = 30;
    assert_int_equal(assess(&s).tier, TIER(RED));
    cfg.points_per_condition = 1;
    cfg.points_conditions_max = 5;
    k = assess(&s);
    assert_int_equal(k.score, 5);
    assert_int_equal(k.tier, TIER(GREEN));
    s.urgent = 1;
    cfg.points_urgent = 40;
    assert_int_equal(assess(&s).score, 45);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_efi_bands_from_fraction, setup),
        cmocka_unit_test_setup(test_efi_bands_from_deficits, setup),
        cmocka_unit_test_setup(test_multimorbidity_by_age_and_conditions, setup),
        cmocka_unit_test_setup(test_high_cost, setup),
        cmocka_unit_test_setup(test_cohorts_in_enum_order, setup),
        cmocka_unit_test_setup(test_score_weights_and_caps, setup),
        cmocka_unit_test_setup(test_tiers, setup),
        cmocka_unit_test_setup(test_safeguarding_forces_red, setup),
        cmocka_unit_test_setup(test_configuration_moves_the_boundaries, setup),
    };
    return cmocka_run_group_tests_name("risk", tests, NULL, NULL);
}
