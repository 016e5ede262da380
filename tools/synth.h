/*
 * synth — a deterministic synthetic neighbourhood: GP practices, their registered
 * patients, and the patients each practice refers to the neighbourhood team, so that
 * an MDT cycle can be tried with no real data.
 *
 * Owns: the population model (its assumptions are written at the top of synth.c), the
 * pseudo-random generator it draws from (xoshiro256** seeded by splitmix64, never
 * rand()), the practices' codes, names and list sizes, and NHS numbers from the range
 * 999 000 0000 to 999 999 9999 that is kept for test data (unique, Modulus 11 valid).
 * The same configuration gives the same neighbourhood, patient for patient (with the
 * same C maths library: the draws go through exp, log, cos and pow).
 *
 * Never: touches a file, a store or a clock, or prints; the `huddle synth` command
 * (tools/cmd_synth.c) writes what this module generates.
 */
#ifndef HUDDLE_SYNTH_H
#define HUDDLE_SYNTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nhs.h"
#include "ods.h"

#define SYNTH_PRACTICES_MAX 50
#define SYNTH_PATIENTS_MAX 500000 /* the test range holds about 909 000 valid numbers */
#define SYNTH_PREFIX_DEFAULT "Z99"
#define SYNTH_PREFIX_MAX 5        /* a letter and up to 4 digits: the rest of the code numbers the practice */
#define SYNTH_CLINICIANS 4        /* referring clinicians per practice */
#define SYNTH_TEXT_MAX 64

typedef enum {
    SYNTH_OK = 0,
    SYNTH_EPREFIX = -1,   /* the ODS prefix is not a letter and 0-4 digits */
    SYNTH_EPRACTICES = -2, /* practices out of range, or more than the prefix can number */
    SYNTH_EPATIENTS = -3, /* patients out of range, or fewer than practices */
    SYNTH_ENOMEM = -4,
} synth_error_t;

/* The ILT pilot cohorts (DESIGN §5.1), as bits of synth_patient_t.cohorts. */
#define SYNTH_MULTIMORBIDITY 1u /* adult (18+) with 5 or more long-term conditions */
#define SYNTH_HIGH_COST 2u      /* predicted acute cost 3.00 times the average or more */
#define SYNTH_FRAILTY 4u        /* eFI above 0.24: 9 or more of the 36 deficits */

typedef struct {
    long patients;      /* registered patients in the neighbourhood, 1 to SYNTH_PATIENTS_MAX */
    long practices;     /* 1 to SYNTH_PRACTICES_MAX, at most patients */
    uint64_t seed;
    const char *prefix; /* upper-case letter then 0-4 digits: "Z99" gives Z99001, Z99002... */
} synth_config_t;

typedef struct {
    char ods[ODS_GP_PRACTICE_LEN + 1];
    char name[SYNTH_TEXT_MAX];
    long list_size;
    char clinicians[SYNTH_CLINICIANS][SYNTH_TEXT_MAX]; /* "Dr A Patel, GP" */
    /* Counted as the practice's patients are generated: patients in each cohort (one
     * patient may be in several), in any cohort, and referred. */
    long multimorbidity, high_cost, frailty, any_cohort, referrals;
} synth_practice_t;

/* One registered patient. reason and clinician are set for referred patients only;
 * reason is static text, clinician is borrowed from the practice. */
typedef struct {
    char nhs_number[NHS_NUMBER_BUF];
    unsigned age_years;            /* 0-100 */
    unsigned long_term_conditions; /* 0-30 */
    int efi_deficits;              /* 0-36; -1 under 65: no eFI recorded */
    unsigned cost_x100;            /* predicted cost ratio in hundredths, as written (100 = average) */
    unsigned emergency_admissions; /* in the last 12 months */
    bool urgent, safeguarding, lives_alone, carer_under_strain, consent_recorded;
    unsigned cohorts; /* SYNTH_MULTIMORBIDITY | SYNTH_HIGH_COST | SYNTH_FRAILTY */
    bool referred;
    const char *reason;
    const char *clinician;
} synth_patient_t;

typedef struct synth synth_t;

/* Whether cfg can be generated: SYNTH_OK, or a code with a sentence for people in why
 * (naming the option: "--prefix", "--practices", "--patients"). */
int synth_config_check(const synth_config_t *cfg, char *why, size_t len);

/* A generator for cfg, with every practice's code, name, list size and clinicians
 * drawn: SYNTH_OK, SYNTH_ENOMEM, or synth_config_check's code for a bad cfg. */
int synth_new(synth_t **out, const synth_config_t *cfg);

void synth_destroy(synth_t **self_p);

size_t synth_practice_count(const synth_t *s);

/* Practice i (0-based), valid until synth_destroy; its counts grow with synth_next. */
const synth_practice_t *synth_practice(const synth_t *s, size_t i);

/* The next registered patient, practice by practice in list order, into *out, and the
 * index of its practice into *practice: true, or false when every patient is out. */
bool synth_next(synth_t *s, size_t *practice, synth_patient_t *out);

const char *synth_strerror(int code);

#endif
