/*
 * risk — see risk.h. Every threshold and weight comes from the configuration; the
 * decimal ones are kept in thousandths, so they are compared as threshold / 1000.0
 * (0.24 and 240 / 1000.0 are the same double).
 */
#include "risk.h"

#include <math.h>

/* Deficits the eFI counts (Clegg et al. 2016): the score is deficits / 36. */
#define RISK_EFI_DEFICITS 36.0

#define RISK_SCORE_MAX 100u

uint32_t risk_age(const Huddle__ReferralSubmit *s, int referral_year)
{
    if (s->age_case == HUDDLE__REFERRAL_SUBMIT__AGE_AGE_YEARS)
        return s->age_years;
    if (s->age_case == HUDDLE__REFERRAL_SUBMIT__AGE_BIRTH_YEAR && referral_year > (int)s->birth_year)
        return (uint32_t)(referral_year - (int)s->birth_year);
    return 0;
}

/* The eFI as a fraction, or a negative value when none was given. */
static double efi_of(const Huddle__ReferralSubmit *s)
{
    if (s->frailty_case == HUDDLE__REFERRAL_SUBMIT__FRAILTY_EFI_SCORE)
        return isfinite(s->efi_score) ? s->efi_score : -1.0;
    if (s->frailty_case == HUDDLE__REFERRAL_SUBMIT__FRAILTY_EFI_DEFICITS)
        return s->efi_deficits / RISK_EFI_DEFICITS;
    return -1.0;
}

static Huddle__FrailtyBand band_of(const config_t *cfg, double efi)
{
    if (efi < 0)
        return HUDDLE__FRAILTY_BAND__FRAILTY_BAND_UNSPECIFIED;
    if (efi <= cfg->efi_fit_max / 1000.0)
        return HUDDLE__FRAILTY_BAND__FRAILTY_BAND_FIT;
    if (efi <= cfg->efi_mild_max / 1000.0)
        return HUDDLE__FRAILTY_BAND__FRAILTY_BAND_MILD;
    if (efi <= cfg->efi_moderate_max / 1000.0)
        return HUDDLE__FRAILTY_BAND__FRAILTY_BAND_MODERATE;
    return HUDDLE__FRAILTY_BAND__FRAILTY_BAND_SEVERE;
}

/* per × count, at most max (wide enough that no weight overflows). */
static uint64_t capped(uint64_t per, uint64_t count, uint64_t max)
{
    uint64_t v = per * count;
    return v < max ? v : max;
}

void risk_assess(const config_t *cfg, const Huddle__ReferralSubmit *s, int referral_year, risk_t *out)
{
    double efi = efi_of(s);
    double cost = isfinite(s->cost_ratio) && s->cost_ratio > 0 ? s->cost_ratio : 0.0;
    out->band = band_of(cfg, efi);
    out->n_cohorts = 0;
    if (risk_age(s, referral_year) >= cfg->adult_age && s->long_term_conditions >= cfg->multimorbidity_conditions)
        out->cohorts[out->n_cohorts++] = HUDDLE__COHORT__COHORT_MULTIMORBIDITY;
    if (cost >= cfg->high_cost_ratio / 1000.0)
        out->cohorts[out->n_cohorts++] = HUDDLE__COHORT__COHORT_HIGH_COST;
    if (out->band == HUDDLE__FRAILTY_BAND__FRAILTY_BAND_MODERATE || out->band == HUDDLE__FRAILTY_BAND__FRAILTY_BAND_SEVERE)
        out->cohorts[out->n_cohorts++] = HUDDLE__COHORT__COHORT_FRAILTY;

    uint64_t score = 0;
    switch (out->band) {
    case HUDDLE__FRAILTY_BAND__FRAILTY_BAND_MILD: score += cfg->points_frailty_mild; break;
    case HUDDLE__FRAILTY_BAND__FRAILTY_BAND_MODERATE: score += cfg->points_frailty_moderate; break;
    case HUDDLE__FRAILTY_BAND__FRAILTY_BAND_SEVERE: score += cfg->points_frailty_severe; break;
    default: break;
    }
    /* whole units of the cost ratio: truncation is floor for a ratio >= 0 (and
     * huddled links no libm); a validated ratio is at most 100 */
    uint64_t cost_units = cost < 1e6 ? (uint64_t)cost : UINT64_C(1000000);
    score += capped(cfg->points_per_condition, s->long_term_conditions, cfg->points_conditions_max);
    score += capped(cfg->points_per_cost_unit, cost_units, cfg->points_cost_max);
    score += capped(cfg->points_per_admission, s->emergency_admissions_12m, cfg->points_admissions_max);
    if (s->urgent)
        score += cfg->points_urgent;
    out->score = (uint32_t)(score < RISK_SCORE_MAX ? score : RISK_SCORE_MAX);

    if (out->score >= cfg->tier_red_score || s->safeguarding_concern)
        out->tier = HUDDLE__TIER__TIER_RED;
    else if (out->score >= cfg->tier_amber_score)
        out->tier = HUDDLE__TIER__TIER_AMBER;
    else
        out->tier = HUDDLE__TIER__TIER_GREEN;
}
