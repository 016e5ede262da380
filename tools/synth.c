/*
 * synth — see synth.h. The population model, and why each number is what it is.
 *
 * These are assumptions for a plausible neighbourhood, not estimates of any real one.
 *
 * Practices. List sizes are drawn log-uniform between 3 000 and 12 000, then scaled
 * to sum exactly to the neighbourhood's patients (so a small --patients gives small
 * lists; every practice has at least one patient). Each practice has its own age mix:
 * the weight of its 65+ bands is multiplied by a factor from 0.75 to 1.25 (a market town
 * surgery is older than a city-centre one), so referrals are not simply proportional
 * to list size.
 *
 * Age. Five-year bands shaped like an English GP list (ONS mid-2021 estimates for
 * England, in round numbers: about 18.5% aged 65+, 2.4% 85+), uniform within a band,
 * 0 to 100.
 *
 * Long-term conditions (LTCs). A latent ill-health z ~ N(0,1) per patient; LTCs ~
 * Poisson(m(age) * exp(0.8 z - 0.32)), so the mean is m(age) and the tail is long
 * (a log-normal mixture of Poissons). m(age) runs through 0.08 at birth, 0.35 at 30,
 * 0.6 at 40 (about 0.3 on average under 40), 2 at 65, 3 at 75, 4 at 85 and 4.6 at
 * 100; counts are capped at 30. Adults with 5 or more are the multimorbidity cohort.
 *
 * Frailty. The electronic Frailty Index is recorded for patients 65 and over only
 * (efi_deficits empty below 65): deficits ~ Poisson(1.6 + 0.7 min(LTCs, 10) +
 * 0.15 (age - 65) + 2.4 f), f ~ N(0,1), the mean held at 0.3 or more, capped at 36.
 * (The 36 deficits include most LTCs, plus falls, mobility and social ones; capping
 * the LTCs' part and an additive rather than multiplicative spread keep the severe
 * tail thin.) Tuned so that of the 65+ about half are fit (0-4 deficits), 30% mild
 * (5-8), 14% moderate (9-12) and 5% severe (13+), near the shape Clegg et al. (2016)
 * report. 9 or more (eFI above 0.24) is the frailty cohort.
 *
 * Cost. Predicted 12-month acute cost as a ratio to the list average: log-normal,
 * log ratio = -0.5 + 0.14 LTCs + 0.04 deficits + 0.25 z + 0.42 e with e ~ N(0,1), so
 * the mean is about 1, most patients sit below it, and about 3% are at 3.00 or more
 * (the high-cost cohort). Rounded to hundredths before the cohort test, so the cohort
 * matches the written value.
 *
 * Emergency admissions in 12 months ~ Poisson(0.07 * cost^1.1 * (1 + 0.06 deficits)):
 * about 0.09 a patient a year, 93% of patients with none, a few frail, high-cost ones
 * several.
 *
 * Flags. Lives alone: none under 18, 10% of 18-64, 22% of 65-74, 30% of 75+. Carer
 * under strain: about 5% of patients, more likely with more LTCs and frailty.
 * Safeguarding concern: about 0.5%. Consent recorded for every referral except about a
 * third of those with a safeguarding concern (a referral the broker accepts without
 * consent). Urgent: about 5% of referrals, more with repeated admissions or a
 * safeguarding concern.
 *
 * Referral. A practice refers to its neighbourhood team about 60% of its patients in
 * any cohort (case finding misses some, some decline), and about 0.1% of the adults in
 * none, whose reason says they are outside the cohorts. About 5% of a list is
 * referred (8% is in a cohort).
 *
 * NHS numbers. The 9-digit bases 999000000-999999999 are walked through a keyed
 * permutation (a 4-round Feistel network on 20 bits, cycle-walking to stay below
 * 1 000 000), skipping bases whose check value is 10: unique, valid, scattered, and all
 * in the range kept for testing, which no real patient holds.
 */
#include "synth.h"

#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- random numbers ------------------------------------------------------------ */

typedef struct {
    uint64_t s[4];
} rng_t;

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += UINT64_C(0x9e3779b97f4a7c15));
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

static uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

/* xoshiro256** (Blackman and Vigna), seeded from splitmix64 as its authors advise. */
static void rng_seed(rng_t *r, uint64_t seed, uint64_t stream)
{
    uint64_t x = seed ^ (stream * UINT64_C(0xd1b54a32d192ed03));
    for (int i = 0; i < 4; i++)
        r->s[i] = splitmix64(&x);
}

static uint64_t rng_next(rng_t *r)
{
    uint64_t *s = r->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

/* Uniform on [0, 1). */
static double unit(rng_t *r)
{
    return (double)(rng_next(r) >> 11) * 0x1.0p-53;
}

static bool chance(rng_t *r, double p)
{
    return unit(r) < p;
}

/* Uniform on 0..n-1 (n small: the modulo bias is far below what matters here). */
static size_t pick(rng_t *r, size_t n)
{
    return (size_t)(rng_next(r) % n);
}

/* Standard normal, Box-Muller. */
static double normal(rng_t *r)
{
    double u1 = 1.0 - unit(r), u2 = unit(r);
    return sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);
}

/* Poisson by Knuth's product of uniforms; the means here stay small, capped at 60. */
static unsigned poisson(rng_t *r, double mean)
{
    if (mean > 60.0)
        mean = 60.0;
    double limit = exp(-mean), p = 1.0;
    unsigned k = 0;
    while ((p *= unit(r)) > limit)
        k++;
    return k;
}

/* ---- the model's tables -------------------------------------------------------- */

typedef struct {
    unsigned lo, hi;
    double weight; /* % of the list */
} band_t;

static const band_t bands[] = {
    {0, 4, 5.4},    {5, 9, 5.9},    {10, 14, 6.1},  {15, 19, 5.7},  {20, 24, 5.9},  {25, 29, 6.6},
    {30, 34, 6.9},  {35, 39, 6.7},  {40, 44, 6.3},  {45, 49, 6.4},  {50, 54, 6.9},  {55, 59, 6.7},
    {60, 64, 5.8},  {65, 69, 5.0},  {70, 74, 5.0},  {75, 79, 3.7},  {80, 84, 2.5},  {85, 89, 1.5},
    {90, 94, 0.7},  {95, 99, 0.2},  {100, 100, 0.03},
};
#define N_BANDS (sizeof bands / sizeof bands[0])

/* Mean LTCs by age, interpolated between these knots. */
static const struct {
    double age, mean;
} ltc_knots[] = {
    {0, 0.08}, {18, 0.2}, {30, 0.35}, {40, 0.6}, {50, 1.0}, {65, 2.0}, {75, 3.0}, {85, 4.0}, {100, 4.6},
};
#define N_KNOTS (sizeof ltc_knots / sizeof ltc_knots[0])

#define ADULT_AGE 18
#define EFI_AGE 65
#define EFI_DEFICITS 36
#define FRAILTY_DEFICITS 9   /* 9/36 = 0.25: above the 0.24 line */
#define MULTIMORBIDITY_LTCS 5
#define HIGH_COST_X100 300
#define LTC_MAX 30
#define COST_X100_MAX 10000  /* the schema's ceiling, 100 times the average */
#define ADMISSIONS_MAX 100
#define P_REFER_COHORT 0.6
#define P_REFER_OTHER 0.001
#define LIST_MIN 3000.0
#define LIST_MAX 12000.0

/* Reasons a practice gives, by the cohort it refers for. Some hold commas and quotes,
 * as real free text does; none names the patient. */
static const char *const frailty_reasons[] = {
    "Frailty: falls and reduced mobility",
    "Moderate frailty, two falls in three months",
    "Frailty with weight loss and poor appetite",
    "Increasing confusion, struggling with daily activities",
    "Frailty: housebound, care package needs review",
    "Frailty and polypharmacy; medication review requested",
    "Frailty: \"not coping\" at home, per family",
};
static const char *const multimorbidity_reasons[] = {
    "Multiple long-term conditions, poorly controlled",
    "Multimorbidity: COPD, heart failure and diabetes",
    "Multimorbidity with polypharmacy (10+ medicines)",
    "Several long-term conditions, frequent GP contact",
    "Multimorbidity: CKD, hypertension, AF; needs a joined-up plan",
};
static const char *const high_cost_reasons[] = {
    "High predicted acute cost, repeated A&E attendances",
    "High-cost cohort: needs an anticipatory care plan",
    "High-cost cohort: recurrent COPD exacerbations",
    "High predicted cost, unplanned care use rising",
};
static const char *const other_reasons[] = {
    "Not in an ILT cohort: social isolation after bereavement",
    "Not in an ILT cohort: carer at risk of breakdown, MDT view wanted",
    "Outside the cohorts: self-neglect concerns raised by a neighbour",
    "Outside the cohorts: complex housing and health needs",
    "Not in an ILT cohort: professional concern, see notes",
};

#define REASONS(a) {a, sizeof a / sizeof a[0]}
static const struct {
    const char *const *text;
    size_t n;
} reasons[] = {
    REASONS(multimorbidity_reasons), /* bit 0: SYNTH_MULTIMORBIDITY */
    REASONS(high_cost_reasons),      /* bit 1: SYNTH_HIGH_COST */
    REASONS(frailty_reasons),        /* bit 2: SYNTH_FRAILTY */
    REASONS(other_reasons),          /* no cohort */
};

static const char *const surnames[] = {
    "Patel",  "Smith",  "Khan",   "Jones",  "Williams", "Brown",    "Taylor", "Ahmed", "Okafor", "Murphy",
    "Evans",  "Wilson", "Hughes", "Clarke", "Begum",    "Nowak",    "Chen",   "Roberts", "Singh", "Adeyemi",
    "Walker", "Wright", "Green",  "Hussain", "Kowalski", "Thompson", "Ali",   "Mensah", "Davies", "O'Brien",
};
#define N_SURNAMES (sizeof surnames / sizeof surnames[0])

/* ---- the generator ------------------------------------------------------------- */

struct synth {
    size_t n;
    synth_practice_t *practices;
    double *older; /* each practice's 65+ weight factor */
    uint64_t seed;
    uint64_t nhs_key[4];
    uint32_t nhs_index; /* next point of the permutation to try */
    size_t cur;         /* practice being generated */
    long made;          /* its patients so far */
    rng_t rng;          /* its stream */
    double age_cdf[N_BANDS];
};

int synth_config_check(const synth_config_t *cfg, char *why, size_t len)
{
    const char *p = cfg->prefix ? cfg->prefix : "";
    size_t plen = strlen(p), digits = strspn(p + (plen ? 1 : 0), "0123456789");
    if (plen < 1 || plen > SYNTH_PREFIX_MAX || p[0] < 'A' || p[0] > 'Z' || digits != plen - 1) {
        snprintf(why, len, "--prefix needs an upper-case letter and 0 to %d digits (as Z99), not '%s'",
                 SYNTH_PREFIX_MAX - 1, p);
        return SYNTH_EPREFIX;
    }
    long room = 1; /* the codes the prefix leaves: 10^(6 - plen) - 1, numbering from 1 */
    for (size_t i = plen; i < ODS_GP_PRACTICE_LEN; i++)
        room *= 10;
    room -= 1;
    long max = room < SYNTH_PRACTICES_MAX ? room : SYNTH_PRACTICES_MAX;
    if (cfg->practices < 1 || cfg->practices > max) {
        snprintf(why, len, "--practices needs 1 to %ld%s, not %ld", max,
                 room < SYNTH_PRACTICES_MAX ? " with that --prefix" : "", cfg->practices);
        return SYNTH_EPRACTICES;
    }
    if (cfg->patients < cfg->practices || cfg->patients > SYNTH_PATIENTS_MAX) {
        snprintf(why, len, "--patients needs %ld (one per practice) to %d, not %ld", cfg->practices,
                 SYNTH_PATIENTS_MAX, cfg->patients);
        return SYNTH_EPATIENTS;
    }
    return SYNTH_OK;
}

/* List sizes: log-uniform draws scaled to sum to patients, at least 1 each. */
static void draw_lists(synth_t *s, rng_t *r, long patients)
{
    double raw[SYNTH_PRACTICES_MAX], total = 0;
    for (size_t i = 0; i < s->n; i++) {
        raw[i] = exp(log(LIST_MIN) + unit(r) * (log(LIST_MAX) - log(LIST_MIN)));
        total += raw[i];
    }
    long given = 0;
    for (size_t i = 0; i < s->n; i++) {
        long v = (long)floor(raw[i] / total * (double)patients);
        s->practices[i].list_size = v < 1 ? 1 : v;
        given += s->practices[i].list_size;
    }
    /* the rounding left over (or the minimum of 1 overdrawn) goes round the practices */
    for (size_t i = 0; given != patients; i = (i + 1) % s->n) {
        if (given < patients) {
            s->practices[i].list_size++;
            given++;
        } else if (s->practices[i].list_size > 1) {
            s->practices[i].list_size--;
            given--;
        }
    }
}

static void draw_clinicians(synth_practice_t *p, rng_t *r)
{
    for (size_t k = 0; k < SYNTH_CLINICIANS; k++) {
        char initial = (char)('A' + pick(r, 26));
        const char *surname = surnames[pick(r, N_SURNAMES)];
        if (k + 1 < SYNTH_CLINICIANS)
            snprintf(p->clinicians[k], sizeof p->clinicians[k], "Dr %c %s, GP", initial, surname);
        else
            snprintf(p->clinicians[k], sizeof p->clinicians[k], "%c %s, Advanced Nurse Practitioner", initial,
                     surname);
    }
}

int synth_new(synth_t **out, const synth_config_t *cfg)
{
    char why[160];
    *out = NULL;
    int rc = synth_config_check(cfg, why, sizeof why);
    if (rc != SYNTH_OK)
        return rc;
    synth_t *s = calloc(1, sizeof *s);
    if (!s)
        return SYNTH_ENOMEM;
    s->n = (size_t)cfg->practices;
    s->practices = calloc(s->n, sizeof *s->practices);
    s->older = calloc(s->n, sizeof *s->older);
    if (!s->practices || !s->older) {
        synth_destroy(&s);
        return SYNTH_ENOMEM;
    }
    s->seed = cfg->seed;
    rng_t r;
    rng_seed(&r, cfg->seed, 0);
    for (size_t i = 0; i < 4; i++)
        s->nhs_key[i] = rng_next(&r);
    draw_lists(s, &r, cfg->patients);
    size_t plen = strlen(cfg->prefix);
    for (size_t i = 0; i < s->n; i++) {
        synth_practice_t *p = &s->practices[i];
        memcpy(p->ods, cfg->prefix, plen); /* then i + 1, zero-padded to the code's 6 characters */
        size_t v = i + 1;
        for (size_t k = ODS_GP_PRACTICE_LEN; k-- > plen; v /= 10)
            p->ods[k] = (char)('0' + v % 10);
        p->ods[ODS_GP_PRACTICE_LEN] = '\0';
        snprintf(p->name, sizeof p->name, "Riverside Synthetic Practice %zu", i + 1);
        s->older[i] = 0.75 + 0.5 * unit(&r);
        draw_clinicians(p, &r);
    }
    s->cur = SIZE_MAX; /* synth_next starts the first practice */
    *out = s;
    return SYNTH_OK;
}

void synth_destroy(synth_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    synth_t *s = *self_p;
    free(s->practices);
    free(s->older);
    free(s);
    *self_p = NULL;
}

size_t synth_practice_count(const synth_t *s)
{
    return s->n;
}

const synth_practice_t *synth_practice(const synth_t *s, size_t i)
{
    assert(i < s->n);
    return &s->practices[i];
}

/* ---- NHS numbers ------------------------------------------------------------- */

#define NHS_BASE_FIRST 999000000u /* 9-digit bases 999000000-999999999: test numbers */
#define NHS_BASES 1000000u
#define FEISTEL_HALF 10
#define FEISTEL_MASK ((1u << FEISTEL_HALF) - 1)

/* A keyed permutation of 0..2^20-1. */
static uint32_t feistel(const uint64_t key[4], uint32_t x)
{
    uint32_t l = x >> FEISTEL_HALF, rr = x & FEISTEL_MASK;
    for (int round = 0; round < 4; round++) {
        uint64_t m = key[round] ^ rr;
        uint32_t f = (uint32_t)splitmix64(&m) & FEISTEL_MASK;
        uint32_t next = l ^ f;
        l = rr;
        rr = next;
    }
    return (l << FEISTEL_HALF) | rr;
}

/* The next unused valid test NHS number. The range holds about 909 000, more than
 * SYNTH_PATIENTS_MAX, so it never runs out. */
static void next_nhs_number(synth_t *s, char out[NHS_NUMBER_BUF])
{
    for (;;) {
        assert(s->nhs_index < NHS_BASES); /* cycle-walking is a bijection for inputs below it */
        uint32_t x = s->nhs_index++;
        do /* cycle-walk: a permutation of 0..2^20-1 restricted to 0..999999 */
            x = feistel(s->nhs_key, x);
        while (x >= NHS_BASES);
        uint32_t base = NHS_BASE_FIRST + x;
        int sum = 0;
        for (int i = NHS_NUMBER_LEN - 2; i >= 0; i--, base /= 10) {
            out[i] = (char)('0' + base % 10);
            sum += (int)(base % 10) * (NHS_NUMBER_LEN - i);
        }
        int check = 11 - sum % 11;
        if (check == 10)
            continue; /* no number has this base */
        out[NHS_NUMBER_LEN - 1] = (char)('0' + (check == 11 ? 0 : check));
        out[NHS_NUMBER_LEN] = '\0';
        return;
    }
}

/* ---- one patient ------------------------------------------------------------- */

static void start_practice(synth_t *s, size_t i)
{
    s->cur = i;
    s->made = 0;
    rng_seed(&s->rng, s->seed, i + 1);
    double total = 0;
    for (size_t b = 0; b < N_BANDS; b++) {
        total += bands[b].weight * (bands[b].lo >= EFI_AGE ? s->older[i] : 1.0);
        s->age_cdf[b] = total;
    }
    for (size_t b = 0; b < N_BANDS; b++)
        s->age_cdf[b] /= total;
}

static unsigned draw_age(synth_t *s)
{
    double u = unit(&s->rng);
    size_t b = 0;
    while (b + 1 < N_BANDS && u >= s->age_cdf[b])
        b++;
    return bands[b].lo + (unsigned)pick(&s->rng, bands[b].hi - bands[b].lo + 1);
}

static double ltc_mean(double age)
{
    for (size_t k = 1; k < N_KNOTS; k++)
        if (age <= ltc_knots[k].age) {
            double t = (age - ltc_knots[k - 1].age) / (ltc_knots[k].age - ltc_knots[k - 1].age);
            return ltc_knots[k - 1].mean + t * (ltc_knots[k].mean - ltc_knots[k - 1].mean);
        }
    return ltc_knots[N_KNOTS - 1].mean;
}

static unsigned cap(unsigned v, unsigned max)
{
    return v > max ? max : v;
}

/* The clinical picture: age, LTCs, eFI, cost, admissions, flags, cohorts. */
static void draw_health(synth_t *s, synth_patient_t *p)
{
    rng_t *r = &s->rng;
    p->age_years = draw_age(s);
    double age = p->age_years, z = normal(r);
    p->long_term_conditions = cap(poisson(r, ltc_mean(age) * exp(0.8 * z - 0.32)), LTC_MAX);
    double ltcs = p->long_term_conditions, deficits = 0;
    p->efi_deficits = -1;
    if (p->age_years >= EFI_AGE) {
        double mean = fmax(0.3, 1.6 + 0.7 * fmin(ltcs, 10) + 0.15 * (age - EFI_AGE) + 2.4 * normal(r));
        p->efi_deficits = (int)cap(poisson(r, mean), EFI_DEFICITS);
        deficits = p->efi_deficits;
    }
    double cost = exp(-0.5 + 0.14 * ltcs + 0.04 * deficits + 0.25 * z + 0.42 * normal(r));
    double x100 = floor(cost * 100.0 + 0.5);
    p->cost_x100 = x100 > COST_X100_MAX ? COST_X100_MAX : x100 < 1 ? 1 : (unsigned)x100; /* 0 means unknown */
    double rate = 0.07 * pow(p->cost_x100 / 100.0, 1.1) * (1.0 + 0.06 * deficits);
    p->emergency_admissions = cap(poisson(r, rate), ADMISSIONS_MAX);

    double alone = p->age_years < ADULT_AGE ? 0.0 : p->age_years < 65 ? 0.10 : p->age_years < 75 ? 0.22 : 0.30;
    p->lives_alone = chance(r, alone);
    p->carer_under_strain = chance(r, 0.035 + 0.008 * ltcs + 0.006 * deficits);
    p->safeguarding = chance(r, 0.004 + 0.0006 * ltcs);

    p->cohorts = 0;
    if (p->age_years >= ADULT_AGE && p->long_term_conditions >= MULTIMORBIDITY_LTCS)
        p->cohorts |= SYNTH_MULTIMORBIDITY;
    if (p->cost_x100 >= HIGH_COST_X100)
        p->cohorts |= SYNTH_HIGH_COST;
    if (p->efi_deficits >= FRAILTY_DEFICITS)
        p->cohorts |= SYNTH_FRAILTY;
}

/* Whether the practice refers the patient, and how. */
static void draw_referral(synth_t *s, synth_patient_t *p)
{
    rng_t *r = &s->rng;
    const synth_practice_t *practice = &s->practices[s->cur];
    p->referred = p->cohorts ? chance(r, P_REFER_COHORT)
                             : p->age_years >= ADULT_AGE && chance(r, P_REFER_OTHER);
    p->urgent = false;
    p->consent_recorded = true;
    p->reason = NULL;
    p->clinician = NULL;
    if (!p->referred)
        return;
    p->urgent = chance(r, 0.045 + 0.05 * (p->emergency_admissions >= 2) + 0.15 * p->safeguarding);
    p->consent_recorded = !(p->safeguarding && chance(r, 0.35));
    size_t list = 3; /* other reasons */
    if (p->cohorts) {
        size_t bits[3], nbits = 0;
        for (size_t b = 0; b < 3; b++)
            if (p->cohorts & (1u << b))
                bits[nbits++] = b;
        list = bits[pick(r, nbits)];
    }
    p->reason = reasons[list].text[pick(r, reasons[list].n)];
    /* mostly a GP; the last clinician, the nurse practitioner, about one time in six */
    p->clinician = practice->clinicians[chance(r, 1.0 / 6) ? SYNTH_CLINICIANS - 1 : pick(r, SYNTH_CLINICIANS - 1)];
}

bool synth_next(synth_t *s, size_t *practice, synth_patient_t *out)
{
    if (s->cur == SIZE_MAX)
        start_practice(s, 0);
    while (s->made == s->practices[s->cur].list_size) {
        if (s->cur + 1 == s->n)
            return false;
        start_practice(s, s->cur + 1);
    }
    memset(out, 0, sizeof *out);
    next_nhs_number(s, out->nhs_number);
    draw_health(s, out);
    draw_referral(s, out);
    synth_practice_t *p = &s->practices[s->cur];
    p->multimorbidity += (out->cohorts & SYNTH_MULTIMORBIDITY) != 0;
    p->high_cost += (out->cohorts & SYNTH_HIGH_COST) != 0;
    p->frailty += (out->cohorts & SYNTH_FRAILTY) != 0;
    p->any_cohort += out->cohorts != 0;
    p->referrals += out->referred;
    s->made++;
    *practice = s->cur;
    return true;
}

const char *synth_strerror(int code)
{
    switch (code) {
    case SYNTH_OK:
        return "ok";
    case SYNTH_EPREFIX:
        return "the practice code prefix is not a letter and 0-4 digits";
    case SYNTH_EPRACTICES:
        return "number of practices out of range";
    case SYNTH_EPATIENTS:
        return "number of patients out of range";
    case SYNTH_ENOMEM:
        return "out of memory";
    default:
        return "unknown synth error";
    }
}
