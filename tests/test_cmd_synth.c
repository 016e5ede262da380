/*
 * test_cmd_synth — `huddle synth` as someone trying Huddle meets it: the real binary
 * writing a synthetic neighbourhood's referral lists, read back as a GP agent reads
 * them (RFC 4180, columns by name): the files and their header, NHS numbers valid,
 * unique and in the test range, list sizes, determinism, loose bounds on the
 * population's shape, refusals of a bad command line, and --register on a store
 * `huddle init` made (all or nothing, refusing a second run).
 */
#include "nhs.h"
#include "tu_cmd.h"

#define HEADER                                                                                                   \
    "nhs_number,age_years,birth_year,long_term_conditions,efi_score,efi_deficits,cost_ratio,"                    \
    "emergency_admissions_12m,urgent,safeguarding_concern,lives_alone,carer_under_strain,consent_recorded,"      \
    "reason,referring_clinician"
#define N_COLS 15
#define PRACTICES_MAX 50

enum { NHS, AGE, BIRTH_YEAR, LTCS, EFI_SCORE, EFI_DEFICITS, COST, ADMISSIONS, URGENT, SAFEGUARDING, ALONE, CARER,
       CONSENT, REASON, CLINICIAN };

/* What a run's files hold, read back. */
typedef struct {
    size_t practices;
    char ods[PRACTICES_MAX][8];
    long list_size[PRACTICES_MAX];
    long list_total, referrals, in_cohort, urgent, aged_65, frail, no_consent;
    long quoted_comma, quoted_quote;
    char (*nhs)[NHS_NUMBER_BUF];
    size_t n_nhs, cap_nhs;
} run_t;

/* huddle --store <the fixture's store> ARGS... */
#define RUN(f, ...) TU_CMD_RUN(f, "huddle", "--store", (f)->store, __VA_ARGS__)

/* The whole file, NUL-terminated (free it); fails the test if it cannot be read. */
static char *slurp(const char *path, size_t *len)
{
    FILE *fp = fopen(path, "rb");
    if (!fp)
        fail_msg("cannot open %s", path);
    fseek(fp, 0, SEEK_END);
    long n = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)n, fp), (size_t)n);
    fclose(fp);
    buf[n] = '\0';
    if (len)
        *len = (size_t)n;
    return buf;
}

/* Splits one record (RFC 4180; no line breaks inside fields here) in place: the number
 * of fields, or -1 if it is malformed. *quoted gets a bit per field that was quoted. */
static int csv_split(char *line, char **fields, int max, unsigned *quoted)
{
    int n = 0;
    char *r = line, *w = line;
    *quoted = 0;
    for (;;) {
        if (n == max)
            return -1;
        fields[n++] = w;
        if (*r == '"') {
            *quoted |= 1u << (n - 1);
            for (r++;; r++) {
                if (*r == '\0')
                    return -1;
                if (*r == '"' && r[1] != '"')
                    break;
                if (*r == '"')
                    r++;
                *w++ = *r;
            }
            r++;
            if (*r != ',' && *r != '\0')
                return -1;
        } else {
            for (; *r && *r != ','; r++) {
                if (*r == '"')
                    return -1;
                *w++ = *r;
            }
        }
        if (*r == '\0') {
            *w = '\0';
            return n;
        }
        r++;
        *w++ = '\0';
    }
}

/* A whole number from 0 to max, all digits. */
static long number(const char *s, long max)
{
    if (!*s || strspn(s, "0123456789") != strlen(s) || strlen(s) > 9)
        fail_msg("not a whole number: '%s'", s);
    long v = atol(s);
    if (v > max)
        fail_msg("%ld is above %ld", v, max);
    return v;
}

static bool yes(const char *s)
{
    if (strcmp(s, "yes") && strcmp(s, "no"))
        fail_msg("not yes or no: '%s'", s);
    return !strcmp(s, "yes");
}

static void add_nhs(run_t *r, const char *nhs)
{
    if (r->n_nhs == r->cap_nhs) {
        r->cap_nhs = r->cap_nhs ? 2 * r->cap_nhs : 1024;
        r->nhs = realloc(r->nhs, r->cap_nhs * sizeof *r->nhs);
        assert_non_null(r->nhs);
    }
    snprintf(r->nhs[r->n_nhs++], NHS_NUMBER_BUF, "%s", nhs);
}

/* Checks one referral row as the broker would take it, and counts it. */
static void check_row(run_t *r, char **c, unsigned quoted)
{
    if (!nhs_number_is_valid(c[NHS]) || strncmp(c[NHS], "999", 3) != 0)
        fail_msg("not a valid test NHS number: %s", c[NHS]);
    add_nhs(r, c[NHS]);
    long age = number(c[AGE], 100), ltcs = number(c[LTCS], 60);
    assert_string_equal(c[BIRTH_YEAR], "");
    assert_string_equal(c[EFI_SCORE], "");
    long deficits = -1;
    if (age < 65)
        assert_string_equal(c[EFI_DEFICITS], "");
    else
        deficits = number(c[EFI_DEFICITS], 36);
    size_t dot = strcspn(c[COST], ".");
    if (dot == 0 || strlen(c[COST]) != dot + 3 || strspn(c[COST], "0123456789.") != strlen(c[COST]))
        fail_msg("cost_ratio is not a number with 2 decimals: '%s'", c[COST]);
    double cost = atof(c[COST]);
    assert_true(cost > 0 && cost <= 100);
    number(c[ADMISSIONS], 100);
    bool urgent = yes(c[URGENT]), safeguarding = yes(c[SAFEGUARDING]), consent = yes(c[CONSENT]);
    yes(c[ALONE]);
    yes(c[CARER]);
    if (!consent && !safeguarding)
        fail_msg("referral %s has no consent and no safeguarding concern", c[NHS]);
    size_t reason = strlen(c[REASON]), clinician = strlen(c[CLINICIAN]);
    assert_true(reason >= 1 && reason <= 1000);
    assert_true(clinician >= 1 && clinician <= 128);
    assert_null(strstr(c[REASON], c[NHS]));
    bool cohort = (age >= 18 && ltcs >= 5) || cost >= 3.0 || deficits >= 9;
    if (!cohort && !strstr(c[REASON], "cohort"))
        fail_msg("referral outside the cohorts without saying so: %s", c[REASON]);
    r->in_cohort += cohort;
    r->urgent += urgent;
    r->aged_65 += age >= 65;
    r->frail += deficits >= 9;
    r->no_consent += !consent;
    for (int k = 0; k < N_COLS; k++) {
        r->quoted_comma += (quoted >> k & 1) && strchr(c[k], ',');
        r->quoted_quote += (quoted >> k & 1) && strchr(c[k], '"');
    }
    r->referrals++;
}

/* Reads one LF-terminated line at *at into a copy (free it), moving *at on; NULL at the end. */
static char *next_line(char **at)
{
    if (!**at)
        return NULL;
    char *nl = strchr(*at, '\n');
    if (!nl)
        fail_msg("the last line has no LF: %s", *at);
    size_t n = (size_t)(nl - *at);
    char *line = strndup(*at, n);
    assert_non_null(line);
    assert_null(strchr(line, '\r'));
    *at = nl + 1;
    return line;
}

/* Reads dir/practices.csv and every practice's file, checking each row. */
static void read_run(const char *dir, run_t *r)
{
    memset(r, 0, sizeof *r);
    char path[512], *fields[N_COLS + 1];
    unsigned quoted;
    snprintf(path, sizeof path, "%s/practices.csv", dir);
    char *text = slurp(path, NULL), *at = text, *line = next_line(&at);
    assert_string_equal(line, "ods,name,list_size,referrals");
    free(line);
    long declared[PRACTICES_MAX];
    while ((line = next_line(&at)) != NULL) {
        assert_true(r->practices < PRACTICES_MAX);
        assert_int_equal(csv_split(line, fields, N_COLS, &quoted), 4);
        snprintf(r->ods[r->practices], sizeof r->ods[0], "%s", fields[0]);
        assert_non_null(strstr(fields[1], "Synthetic Practice"));
        r->list_size[r->practices] = number(fields[2], 500000);
        declared[r->practices] = number(fields[3], 500000);
        r->list_total += r->list_size[r->practices++];
        free(line);
    }
    free(text);
    for (size_t i = 0; i < r->practices; i++) {
        snprintf(path, sizeof path, "%s/%s.csv", dir, r->ods[i]);
        text = slurp(path, NULL);
        at = text;
        line = next_line(&at);
        assert_string_equal(line, HEADER);
        free(line);
        long before = r->referrals;
        while ((line = next_line(&at)) != NULL) {
            int n = csv_split(line, fields, N_COLS + 1, &quoted);
            if (n != N_COLS)
                fail_msg("%s: a row of %d fields", path, n);
            check_row(r, fields, quoted);
            free(line);
        }
        free(text);
        assert_int_equal(r->referrals - before, declared[i]);
    }
}

static int by_number(const void *a, const void *b)
{
    return strcmp(a, b);
}

static void assert_unique(run_t *r)
{
    qsort(r->nhs, r->n_nhs, sizeof *r->nhs, by_number);
    for (size_t i = 1; i < r->n_nhs; i++)
        if (!strcmp(r->nhs[i - 1], r->nhs[i]))
            fail_msg("NHS number %s appears twice", r->nhs[i]);
}

/* The summary's TOTAL row: list, multimorbidity, high cost, frailty, any cohort, referrals. */
static void summary_total(const tu_cmd_t *f, long total[6])
{
    const char *at = strstr(f->out, "\nTOTAL ");
    if (!at || sscanf(at, " TOTAL %ld %ld %ld %ld %ld %ld", &total[0], &total[1], &total[2], &total[3], &total[4],
                      &total[5]) != 6)
        fail_msg("no TOTAL row in:\n%s", f->out);
}

static void test_files_header_and_list_sizes(void **state)
{
    tu_cmd_t *f = *state;
    char out[400], path[512];
    snprintf(out, sizeof out, "%s/a/b", f->dir); /* created, parents too */
    assert_int_equal(RUN(f, "synth", "--out", out, "--patients", "5000", "--practices", "4"), 0);
    assert_output_has(f, "Z99001");
    assert_output_has(f, "Z99004");
    for (int i = 1; i <= 4; i++) {
        snprintf(path, sizeof path, "%s/Z9900%d.csv", out, i);
        assert_true(exists(path));
    }
    snprintf(path, sizeof path, "%s/Z99005.csv", out);
    assert_false(exists(path));
    run_t r;
    read_run(out, &r);
    assert_int_equal(r.practices, 4);
    assert_int_equal(r.list_total, 5000);
    long total[6];
    summary_total(f, total);
    assert_int_equal(total[0], 5000);
    assert_int_equal(total[5], r.referrals);
    free(r.nhs);

    /* the defaults: seven practices, 45 000 patients, uneven but plausible lists */
    assert_int_equal(RUN(f, "synth", "--out", out), 0);
    read_run(out, &r);
    assert_int_equal(r.practices, 7);
    assert_int_equal(r.list_total, 45000);
    long lo = r.list_size[0], hi = r.list_size[0];
    for (size_t i = 0; i < r.practices; i++) {
        char expect[32];
        snprintf(expect, sizeof expect, "Z9900%zu", i + 1);
        assert_string_equal(r.ods[i], expect);
        lo = r.list_size[i] < lo ? r.list_size[i] : lo;
        hi = r.list_size[i] > hi ? r.list_size[i] : hi;
    }
    assert_true(lo >= 1500 && hi <= 20000 && hi > lo * 5 / 4);
    assert_unique(&r);
    free(r.nhs);

    /* another prefix numbers the practices in the digits it leaves */
    assert_int_equal(RUN(f, "synth", "--out", out, "--patients", "300", "--practices", "12", "--prefix", "Y9"), 0);
    read_run(out, &r);
    assert_string_equal(r.ods[11], "Y90012");
    assert_int_equal(r.list_total, 300);
    free(r.nhs);
}

/* A mid-size run: every row valid, numbers unique, the shape within loose bounds. */
static void test_population_is_plausible(void **state)
{
    tu_cmd_t *f = *state;
    char out[400];
    snprintf(out, sizeof out, "%s/mid", f->dir);
    assert_int_equal(RUN(f, "synth", "--out", out, "--patients", "20000", "--seed", "7"), 0);
    run_t r;
    read_run(out, &r);
    assert_int_equal(r.list_total, 20000);
    assert_int_equal((long)r.n_nhs, r.referrals);
    assert_unique(&r);

    long total[6];
    summary_total(f, total);
    assert_int_equal(total[0], 20000);
    assert_int_equal(total[5], r.referrals);
    double cohort_share = (double)total[4] / (double)total[0], referred = (double)r.referrals / (double)r.list_total;
    if (cohort_share < 0.03 || cohort_share > 0.15 || referred < 0.01 || referred > 0.10)
        fail_msg("in a cohort %.3f, referred %.3f:\n%s", cohort_share, referred, f->out);
    /* each cohort plausible on its own: ~5.5% multimorbid, ~3% high cost, ~3.5% frail */
    for (int k = 1; k <= 3; k++)
        assert_true(total[k] > total[0] / 100 && total[k] < total[0] / 10);
    assert_true(total[4] >= total[1] && total[4] <= total[1] + total[2] + total[3]);
    /* the referrals are the cohorts' (60%), with a few others (0.1% of the rest) */
    assert_true(r.in_cohort >= r.referrals * 9 / 10 && r.in_cohort < r.referrals);
    assert_true(r.referrals > total[4] * 45 / 100 && r.referrals < total[4] * 75 / 100);
    assert_true(r.urgent > 0 && r.urgent < r.referrals / 8);
    assert_true(r.aged_65 > r.referrals / 2);
    assert_true(r.frail > r.referrals / 10);
    assert_true(r.no_consent < r.referrals / 50);
    assert_true(r.quoted_comma > 0); /* quoting exercised */
    assert_true(r.quoted_quote > 0);
    free(r.nhs);
}

static bool same_file(const char *a, const char *b)
{
    size_t na, nb;
    char *x = slurp(a, &na), *y = slurp(b, &nb);
    bool same = na == nb && memcmp(x, y, na) == 0;
    free(x);
    free(y);
    return same;
}

static void test_same_seed_same_bytes(void **state)
{
    tu_cmd_t *f = *state;
    char one[400], two[400], three[400], a[512], b[512];
    snprintf(one, sizeof one, "%s/one", f->dir);
    snprintf(two, sizeof two, "%s/two", f->dir);
    snprintf(three, sizeof three, "%s/three", f->dir);
    const char *size[] = {"--patients", "8000", "--practices", "5"};
    assert_int_equal(RUN(f, "synth", "--out", one, size[0], size[1], size[2], size[3], "--seed", "42"), 0);
    assert_int_equal(RUN(f, "synth", size[0], size[1], "--seed", "42", size[2], size[3], "--out", two), 0);
    assert_int_equal(RUN(f, "synth", "--out", three, size[0], size[1], size[2], size[3], "--seed", "43"), 0);
    const char *names[] = {"practices.csv", "Z99001.csv", "Z99002.csv", "Z99003.csv", "Z99004.csv", "Z99005.csv"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        snprintf(a, sizeof a, "%s/%s", one, names[i]);
        snprintf(b, sizeof b, "%s/%s", two, names[i]);
        if (!same_file(a, b))
            fail_msg("%s differs between two runs of one seed", names[i]);
        snprintf(b, sizeof b, "%s/%s", three, names[i]);
        if (same_file(a, b))
            fail_msg("%s is the same for seeds 42 and 43", names[i]);
    }
    /* and a second run over the same directory replaces the files with the same bytes */
    assert_int_equal(RUN(f, "synth", "--out", two, size[0], size[1], size[2], size[3], "--seed", "42"), 0);
    snprintf(a, sizeof a, "%s/Z99003.csv", one);
    snprintf(b, sizeof b, "%s/Z99003.csv", two);
    assert_true(same_file(a, b));
}

static void test_bad_options_refused(void **state)
{
    tu_cmd_t *f = *state;
    char out[400];
    snprintf(out, sizeof out, "%s/out", f->dir);
    static const struct {
        const char *args[6];
        const char *says;
    } bad[] = {
        {{NULL}, "--out is required"},
        {{"--out", NULL}, "--out needs a value"},
        {{"--practices", "0"}, "--practices needs a whole number from 1 to 50"},
        {{"--practices", "51"}, "--practices needs a whole number from 1 to 50"},
        {{"--patients", "0"}, "--patients needs a whole number"},
        {{"--patients", "many"}, "--patients needs a whole number"},
        {{"--patients", "3", "--practices", "5"}, "--patients needs 5 (one per practice)"},
        {{"--seed", "-1"}, "--seed needs a whole number"},
        {{"--prefix", "z99"}, "--prefix needs an upper-case letter"},
        {{"--prefix", "Z9A"}, "--prefix needs an upper-case letter"},
        {{"--prefix", "Z12345"}, "--prefix needs an upper-case letter"},
        {{"--prefix", "Z9999", "--practices", "10"}, "--practices needs 1 to 9 with that --prefix"},
        {{"--keys", "k"}, "only go with --register"},
        {{"--neighbourhood", "north"}, "only go with --register"},
        {{"--bogus"}, "unknown option --bogus"},
        {{"extra"}, "unexpected argument 'extra'"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        const char *argv[16] = {"huddle", "synth"};
        int n = 2;
        if (strcmp(bad[i].says, "--out is required") && strcmp(bad[i].says, "--out needs a value")) {
            argv[n++] = "--out";
            argv[n++] = out;
        }
        for (int k = 0; k < 6 && bad[i].args[k]; k++)
            argv[n++] = bad[i].args[k];
        argv[n] = NULL;
        int rc = tu_run(argv, f->out, sizeof f->out);
        if (rc != 2 || !strstr(f->out, bad[i].says))
            fail_msg("case %zu: exit %d, expected 2 saying \"%s\":\n%s", i, rc, bad[i].says, f->out);
        assert_output_has(f, "usage: huddle [--store DIR] synth");
    }
    assert_false(exists(out)); /* nothing was written */

    /* an --out that cannot be made is a failure, not a usage error */
    char file[400];
    snprintf(file, sizeof file, "%s/plain", f->dir);
    FILE *fp = fopen(file, "w");
    assert_non_null(fp);
    fclose(fp);
    snprintf(out, sizeof out, "%s/plain/sub", f->dir);
    assert_int_equal(RUN(f, "synth", "--out", out, "--patients", "100"), 1);
    assert_output_has(f, "cannot create");

    assert_int_equal(RUN(f, "synth", "--help"), 0);
    assert_output_has(f, "999 000 0000 to\n    999 999 9999, the range kept for test data");
    assert_output_has(f, HEADER);
    assert_output_has(f, "--register");
    assert_int_equal(RUN(f, "help"), 0);
    assert_output_has(f, "synth [OPTIONS]");
}

static void assert_no_synth_agents(tu_cmd_t *f)
{
    assert_int_equal(RUN(f, "agent", "list"), 0);
    if (strstr(f->out, "gp-z99"))
        fail_msg("a synthetic agent was registered:\n%s", f->out);
    assert_int_equal(RUN(f, "practice", "list"), 0);
    if (strstr(f->out, "Z99"))
        fail_msg("a synthetic practice was registered:\n%s", f->out);
}

static void test_register_all_or_nothing(void **state)
{
    tu_cmd_t *f = *state;
    char out[400], path[512];
    snprintf(out, sizeof out, "%s/synth", f->dir);
    if (RUN(f, "init") != 0)
        fail_msg("init failed:\n%s", f->out);

    /* the neighbourhood must exist: refused, nothing written */
    assert_int_equal(RUN(f, "synth", "--out", out, "--register", "--practices", "3", "--patients", "6000"), 1);
    assert_output_has(f, "no neighbourhood riverside");
    assert_output_has(f, "nothing changed");
    assert_false(exists(out));
    snprintf(path, sizeof path, "%s/gp-z99001.key", f->keys);
    assert_false(exists(path));
    assert_no_synth_agents(f);

    assert_int_equal(RUN(f, "neighbourhood", "add", "riverside", "--name", "Riverside INT", "--la", "E08000026"), 0);
    assert_int_equal(RUN(f, "synth", "--out", out, "--register", "--practices", "3", "--patients", "6000"), 0);
    assert_output_has(f, "registered 3 practices in neighbourhood riverside");
    assert_output_has(f, "TOTAL");
    char printed[sizeof f->out];
    memcpy(printed, f->out, sizeof printed);
    for (int i = 1; i <= 3; i++) {
        char id[32], line[600], pub[64];
        snprintf(id, sizeof id, "gp-z9900%d", i);
        snprintf(path, sizeof path, "%s/%s.key", f->keys, id);
        struct stat st;
        assert_int_equal(stat(path, &st), 0);
        assert_int_equal(st.st_mode & 0777, 0600);
        char *secret = slurp(path, NULL);
        assert_null(strstr(printed, secret));
        free(secret);
        snprintf(path, sizeof path, "%s/%s.pub", f->keys, id);
        FILE *fp = fopen(path, "r");
        assert_non_null(fp);
        assert_non_null(fgets(pub, sizeof pub, fp));
        fclose(fp);
        pub[strcspn(pub, "\n")] = '\0';
        assert_int_equal(RUN(f, "agent", "show", id), 0);
        assert_output_has(f, pub);
        snprintf(line, sizeof line, "Z9900%d", i);
        assert_output_has(f, line);
        assert_output_has(f, "gp-practice");
        snprintf(path, sizeof path, "%s/Z9900%d.csv", out, i);
        assert_true(exists(path));
    }
    assert_int_equal(RUN(f, "practice", "list", "--neighbourhood", "riverside"), 0);
    assert_output_has(f, "Z99001   riverside");
    assert_output_has(f, "Riverside Synthetic Practice 3");
    assert_output_has(f, "3 practices");
    assert_int_equal(RUN(f, "agent", "list"), 0);
    assert_output_has(f, "gp-z99002");
    assert_output_has(f, "4 agents"); /* the admin and three practices */

    /* a second run is refused naming the practice, and changes nothing */
    assert_int_equal(RUN(f, "synth", "--out", out, "--register", "--practices", "4", "--patients", "6000"), 1);
    assert_output_has(f, "practice Z99001 is already registered");
    assert_output_has(f, "nothing changed");
    snprintf(path, sizeof path, "%s/Z99004.csv", out);
    assert_false(exists(path));
    assert_int_equal(RUN(f, "agent", "list"), 0);
    assert_output_has(f, "4 agents");

    /* an agent of the same id is refused too, before anything is written */
    char prefix[400];
    snprintf(prefix, sizeof prefix, "%s/own", f->dir);
    assert_int_equal(RUN(f, "agent", "add", "gp-y10002", "--role", "gp-practice", "--org", "Y10002",
                         "--generate-key", prefix),
                     0);
    assert_int_equal(RUN(f, "synth", "--out", out, "--register", "--prefix", "Y1", "--practices", "2"), 1);
    assert_output_has(f, "agent gp-y10002 is already registered");
    assert_int_equal(RUN(f, "practice", "list"), 0);
    assert_output_has(f, "3 practices");
    snprintf(path, sizeof path, "%s/gp-y10001.key", f->keys);
    assert_false(exists(path));

    /* a key file in the way: the batch is abandoned and this run's key files removed */
    snprintf(path, sizeof path, "%s/gp-x20002.pub", f->keys);
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    fputs("someone else's\n", fp);
    fclose(fp);
    assert_int_equal(RUN(f, "synth", "--out", out, "--register", "--prefix", "X2", "--practices", "2"), 1);
    assert_output_has(f, "nothing was registered");
    snprintf(path, sizeof path, "%s/gp-x20001.key", f->keys);
    assert_false(exists(path));
    assert_int_equal(RUN(f, "practice", "list"), 0);
    assert_output_has(f, "3 practices");

    /* --store and --keys after the command name another store and keys directory */
    char store2[400], keys2[400];
    snprintf(store2, sizeof store2, "%s/other/store", f->dir);
    snprintf(keys2, sizeof keys2, "%s/other/agent-keys", f->dir);
    assert_int_equal(tu_run((const char *[]){"huddle", "--store", store2, "init", NULL}, f->out, sizeof f->out), 0);
    assert_int_equal(tu_run((const char *[]){"huddle", "--store", store2, "neighbourhood", "add", "north", "--name",
                                             "North INT", "--la", "E08000027", NULL},
                            f->out, sizeof f->out),
                     0);
    assert_int_equal(RUN(f, "synth", "--out", out, "--register", "--practices", "2", "--store", store2, "--keys",
                         keys2, "--neighbourhood", "north"),
                     0);
    snprintf(path, sizeof path, "%s/gp-z99002.key", keys2);
    assert_true(exists(path));
    assert_int_equal(tu_run((const char *[]){"huddle", "--store", store2, "practice", "list", NULL}, f->out,
                            sizeof f->out),
                     0);
    assert_output_has(f, "Z99002   north");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_files_header_and_list_sizes, tu_cmd_setup, tu_cmd_teardown),
        cmocka_unit_test_setup_teardown(test_population_is_plausible, tu_cmd_setup, tu_cmd_teardown),
        cmocka_unit_test_setup_teardown(test_same_seed_same_bytes, tu_cmd_setup, tu_cmd_teardown),
        cmocka_unit_test_setup_teardown(test_bad_options_refused, tu_cmd_setup, tu_cmd_teardown),
        cmocka_unit_test_setup_teardown(test_register_all_or_nothing, tu_cmd_setup, tu_cmd_teardown),
    };
    return cmocka_run_group_tests_name("cmd_synth", tests, NULL, NULL);
}
