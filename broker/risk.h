/*
 * risk — risk stratification of a referral (DESIGN §5.1): the eFI band, the ILT pilot
 * cohorts, the priority score and the tier, from the practice's submission and the
 * configured thresholds and weights (config.h; every number is an option).
 *
 * Pure: no store, no clock, no allocation. The submission is assumed validated
 * (referral.c checks ranges first).
 */
#ifndef HUDDLE_RISK_H
#define HUDDLE_RISK_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "event.pb-c.h"

typedef struct {
    Huddle__FrailtyBand band;   /* UNSPECIFIED when no eFI was given */
    Huddle__Cohort cohorts[3];  /* in enum order */
    size_t n_cohorts;
    uint32_t score;             /* 0-100 */
    Huddle__Tier tier;
} risk_t;

/* The patient's age in whole years: age_years, or the referral year minus birth_year. */
uint32_t risk_age(const Huddle__ReferralSubmit *s, int referral_year);

/* Stratifies a validated submission made in referral_year. */
void risk_assess(const config_t *cfg, const Huddle__ReferralSubmit *s, int referral_year, risk_t *out);

#endif
