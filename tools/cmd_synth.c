/*
 * cmd_synth — `huddle synth`: writes a synthetic neighbourhood (tools/synth.c) as the
 * files a GP practice agent reads, one referral list per practice, so that anyone can
 * run a realistic MDT cycle with no real data; with --register it also registers the
 * practices and one GP_PRACTICE agent each on a stopped broker's store.
 *
 * Owns: the options, the CSV files (UTF-8, LF line ends, RFC 4180 quoting; each written
 * to a temporary file, fsynced and renamed, so a reader never sees half a file), the
 * summary on stdout, and the registration. Like `huddle demo` (tools/cmd_demo.c) the
 * registration is ONE store batch under <store>/huddled.lock: everything is checked
 * and added first, before any file is written; then the key pairs, then the CSV files;
 * then the batch commits. A refusal (a practice or agent already there, no such
 * neighbourhood) changes nothing and writes nothing; a later failure (a key file in the
 * way, a full disk) aborts the batch and removes the key files this run wrote.
 *
 * Never: reads or writes real patient data (NHS numbers come from the range kept for
 * testing), replaces a registry record, overwrites a key file, or prints a secret key.
 * Exit status: 0 done, 1 refused or failed, 2 bad usage.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hd_time.h"
#include "keyfile.h"
#include "offline.h"
#include "options.h"
#include "registry.h"
#include "store.h"
#include "synth.h"

/* Called from the command table in huddle.c. */
struct opts;
const char *huddle_store_path(const struct opts *o);
int cmd_synth(const struct opts *o, char **argv);

#define USAGE 2
#define PATH_MAX_LEN 2048
#define AGENT_ID_LEN 16 /* "gp-" and a practice code */

static const char csv_header[] =
    "nhs_number,age_years,birth_year,long_term_conditions,efi_score,efi_deficits,cost_ratio,"
    "emergency_admissions_12m,urgent,safeguarding_concern,lives_alone,carer_under_strain,consent_recorded,"
    "reason,referring_clinician\n";

/* ---- options and usage -------------------------------------------------------- */

typedef struct {
    const char *out, *prefix, *neighbourhood, *keys, *store;
    long patients, practices, seed;
    bool reg, help;
} synth_opts_t;

#define TEXT(f, a, field, h) {.flag = f, .arg = a, .type = OPTIONS_TEXT, .offset = offsetof(synth_opts_t, field), .help = h}
#define NUMBER(f, field, lo, hi, h)                                                                                   \
    {.flag = f, .arg = "N", .type = OPTIONS_NUMBER, .offset = offsetof(synth_opts_t, field), .min = lo, .max = hi,    \
     .help = h}
#define FLAG(f, field, h) {.flag = f, .arg = "", .type = OPTIONS_FLAG, .offset = offsetof(synth_opts_t, field), .help = h}

static const options_row_t synth_opts[] = {
    {.flag = "--out", .arg = "DIR", .type = OPTIONS_TEXT, .required = true, .offset = offsetof(synth_opts_t, out),
     .help = "where the CSV files go (created if missing; same names replaced)"},
    NUMBER("--patients", patients, 1, SYNTH_PATIENTS_MAX, "registered patients in the neighbourhood (default 45000)"),
    NUMBER("--practices", practices, 1, SYNTH_PRACTICES_MAX, "GP practices, 1 to 50 (default 7)"),
    NUMBER("--seed", seed, 0, LONG_MAX, "the seed: the same seed and options give the same files (default 1)"),
    TEXT("--prefix", "ODS", prefix, "practice codes are this and a number: Z99 gives Z99001... (default Z99)"),
    FLAG("--register", reg, "also register the practices and their GP agents (store offline)"),
    TEXT("--neighbourhood", "ID", neighbourhood, "with --register: the practices' neighbourhood (default riverside)"),
    TEXT("--keys", "DIR", keys, "with --register: the key pairs' directory (default: beside the store)"),
    TEXT("--store", "DIR", store, "with --register: the store (default: huddle's --store, $HUDDLE_STORE, var/store)"),
    FLAG("--help", help, "show this help"),
};
#define N_SYNTH_OPTS (sizeof synth_opts / sizeof synth_opts[0])

static void usage(FILE *out)
{
    fprintf(out,
            "usage: huddle [--store DIR] synth --out DIR [OPTIONS]\n\n"
            "Writes a SYNTHETIC neighbourhood of GP practices and their registered patients, and each\n"
            "practice's referrals to the neighbourhood team as the CSV file its GP agent reads, so that\n"
            "an MDT cycle can be run with no real data. Nobody in it exists:\n"
            "  - NHS numbers are unique and pass the Modulus 11 check, and all lie in 999 000 0000 to\n"
            "    999 999 9999, the range kept for test data that is never issued to a patient;\n"
            "  - practice codes have the shape of ODS codes (Z99001...) but name no real practice.\n\n"
            "Each registered patient gets an age from an English GP-list pyramid, long-term conditions\n"
            "rising with age, an eFI deficit count (65 and over), a predicted acute cost ratio, emergency\n"
            "admissions and flags, drawn from stated assumptions (tools/synth.c). A practice refers about\n"
            "60%% of its patients in an ILT cohort (adult with 5+ long-term conditions, cost ratio 3.00+, or\n"
            "eFI above 0.24: 9+ deficits) and about 0.1%% of other adults, whose reason says so.\n\n"
            "Files, in DIR:\n"
            "  <ODS>.csv       one row per referral, with the header row\n"
            "                  %.*s\n"
            "                  (UTF-8, LF line ends, RFC 4180 quoting; birth_year and efi_score empty,\n"
            "                  efi_deficits empty under 65; booleans yes or no)\n"
            "  practices.csv   ods,name,list_size,referrals\n"
            "The same seed and options give byte-identical files; a summary goes to stdout.\n\n"
            "With --register the practices join an existing neighbourhood, each with a GP_PRACTICE\n"
            "agent gp-<code in lower case> and a fresh key pair ID.key (secret, mode 0600) and ID.pub, in\n"
            "one store batch: all of it or none of it, refused (changing and writing nothing) if a\n"
            "practice or agent of the same name exists. E.g. on a new store:\n"
            "  huddle init && huddle demo && huddle synth --out var/synth --register\n\n"
            "Options:\n",
            (int)(sizeof csv_header - 2), csv_header);
    options_usage(out, synth_opts, N_SYNTH_OPTS, 22);
}

/* ---- the CSV files ------------------------------------------------------------- */

/* One field, quoted (quotes doubled) when it holds a comma, quote or line end. */
static void csv_text(FILE *fp, const char *s)
{
    if (!strpbrk(s, ",\"\r\n")) {
        fputs(s, fp);
        return;
    }
    fputc('"', fp);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', fp);
        fputc(*s, fp);
    }
    fputc('"', fp);
}

static const char *yes_no(bool b)
{
    return b ? "yes" : "no";
}

static void csv_row(FILE *fp, const synth_patient_t *p)
{
    fprintf(fp, "%s,%u,,%u,,", p->nhs_number, p->age_years, p->long_term_conditions);
    if (p->efi_deficits >= 0)
        fprintf(fp, "%d", p->efi_deficits);
    fprintf(fp, ",%u.%02u,%u,%s,%s,%s,%s,%s,", p->cost_x100 / 100, p->cost_x100 % 100, p->emergency_admissions,
            yes_no(p->urgent), yes_no(p->safeguarding), yes_no(p->lives_alone), yes_no(p->carer_under_strain),
            yes_no(p->consent_recorded));
    csv_text(fp, p->reason);
    fputc(',', fp);
    csv_text(fp, p->clinician);
    fputc('\n', fp);
}

typedef struct {
    const char *dir;
    char path[PATH_MAX_LEN], tmp[PATH_MAX_LEN + 8];
    FILE *fp;
} out_file_t;

static int out_open(out_file_t *f, const char *name)
{
    if ((size_t)snprintf(f->path, sizeof f->path, "%s/%s", f->dir, name) >= sizeof f->path) {
        fprintf(stderr, "huddle: --out: the path is too long\n");
        return -1;
    }
    snprintf(f->tmp, sizeof f->tmp, "%s.tmp", f->path);
    f->fp = fopen(f->tmp, "w");
    if (!f->fp) {
        fprintf(stderr, "huddle: cannot write %s: %s\n", f->tmp, strerror(errno));
        return -1;
    }
    return 0;
}

/* Flushes, fsyncs and renames the file into place: 0, or -1 having removed it. */
static int out_close(out_file_t *f)
{
    if (!f->fp)
        return 0;
    bool ok = fflush(f->fp) == 0 && !ferror(f->fp) && fsync(fileno(f->fp)) == 0;
    ok = fclose(f->fp) == 0 && ok;
    f->fp = NULL;
    ok = ok && rename(f->tmp, f->path) == 0;
    if (!ok) {
        fprintf(stderr, "huddle: cannot write %s: %s\n", f->path, strerror(errno));
        unlink(f->tmp);
        return -1;
    }
    return 0;
}

static void out_abandon(out_file_t *f)
{
    if (f->fp) {
        fclose(f->fp);
        f->fp = NULL;
        unlink(f->tmp);
    }
}

/* mkdir -p DIR. */
static int make_dirs(const char *path)
{
    char buf[PATH_MAX_LEN];
    if ((size_t)snprintf(buf, sizeof buf, "%s", path) >= sizeof buf) {
        errno = ENAMETOOLONG;
        return -1;
    }
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(buf, 0755) != 0 && errno != EEXIST)
            return -1;
        *p = '/';
    }
    return mkdir(buf, 0755) != 0 && errno != EEXIST ? -1 : 0;
}

static int fsync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    int rc = fsync(fd);
    close(fd);
    return rc;
}

/* Generates every patient, writing the referred ones: 0, or 1 with a sentence. */
static int write_files(synth_t *s, const char *dir)
{
    if (make_dirs(dir) != 0) {
        fprintf(stderr, "huddle: cannot create %s: %s\n", dir, strerror(errno));
        return 1;
    }
    out_file_t f = {.dir = dir};
    size_t cur = SIZE_MAX, practice;
    synth_patient_t p;
    while (synth_next(s, &practice, &p)) {
        if (practice != cur) {
            char name[ODS_GP_PRACTICE_LEN + 8];
            snprintf(name, sizeof name, "%s.csv", synth_practice(s, practice)->ods);
            if (out_close(&f) || out_open(&f, name))
                goto failed;
            fputs(csv_header, f.fp);
            cur = practice;
        }
        if (p.referred)
            csv_row(f.fp, &p);
    }
    if (out_close(&f) || out_open(&f, "practices.csv"))
        goto failed;
    fputs("ods,name,list_size,referrals\n", f.fp);
    for (size_t i = 0; i < synth_practice_count(s); i++) {
        const synth_practice_t *pr = synth_practice(s, i);
        fprintf(f.fp, "%s,", pr->ods);
        csv_text(f.fp, pr->name);
        fprintf(f.fp, ",%ld,%ld\n", pr->list_size, pr->referrals);
    }
    if (out_close(&f))
        goto failed;
    if (fsync_dir(dir) != 0) {
        fprintf(stderr, "huddle: cannot sync %s: %s\n", dir, strerror(errno));
        return 1;
    }
    return 0;
failed:
    out_abandon(&f);
    return 1;
}

static void print_summary(const synth_t *s, const synth_opts_t *o)
{
    long total[6] = {0};
    printf("synthetic neighbourhood, seed %ld: %zu practices, %ld registered patients, written to %s\n\n", o->seed,
           synth_practice_count(s), o->patients, o->out);
    printf("%-8s %-32s %7s %15s %10s %8s %11s %10s\n", "PRACTICE", "NAME", "LIST", "MULTIMORBIDITY", "HIGH_COST",
           "FRAILTY", "ANY_COHORT", "REFERRALS");
    for (size_t i = 0; i < synth_practice_count(s); i++) {
        const synth_practice_t *p = synth_practice(s, i);
        long row[6] = {p->list_size, p->multimorbidity, p->high_cost, p->frailty, p->any_cohort, p->referrals};
        printf("%-8s %-32s %7ld %15ld %10ld %8ld %11ld %10ld\n", p->ods, p->name, row[0], row[1], row[2], row[3],
               row[4], row[5]);
        for (size_t k = 0; k < 6; k++)
            total[k] += row[k];
    }
    printf("%-8s %-32s %7ld %15ld %10ld %8ld %11ld %10ld\n\n", "TOTAL", "", total[0], total[1], total[2], total[3],
           total[4], total[5]);
    printf("%.1f%% of the list is in an ILT cohort and %.1f%% is referred. The cohort columns count\n"
           "registered patients (one may be in several cohorts); the referrals are the rows of\n"
           "%s/<ODS>.csv. NHS numbers are test numbers (999 000 0000 to 999 999 9999).\n",
           100.0 * (double)total[4] / (double)total[0], 100.0 * (double)total[5] / (double)total[0], o->out);
}

/* ---- registering --------------------------------------------------------------- */

typedef struct {
    const char *store, *nbh;
    char keys[PATH_MAX_LEN];
    size_t n;
    char id[SYNTH_PRACTICES_MAX][AGENT_ID_LEN];
    char prefix[SYNTH_PRACTICES_MAX][PATH_MAX_LEN + 32]; /* KEYS/ID, without .key or .pub */
    keyfile_pair_t kp[SYNTH_PRACTICES_MAX];
    size_t written; /* key pairs written so far: removed again if the run fails */
} reg_t;

static int refuse(const reg_t *g, const char *what)
{
    fprintf(stderr, "huddle: %s is already registered in %s; nothing changed\n", what, g->store);
    return 1;
}

/* Refuses (1) if the neighbourhood is missing or a practice or agent is there. */
static int check_store(const reg_t *g, const synth_t *s, store_txn_t *txn)
{
    Huddle__NeighbourhoodRecord *n = NULL;
    int rc = registry_neighbourhood_get(txn, g->nbh, &n);
    if (n)
        huddle__neighbourhood_record__free_unpacked(n, NULL);
    if (rc == STORE_ENOTFOUND) {
        fprintf(stderr,
                "huddle: no neighbourhood %s in %s: add it first (`huddle neighbourhood add`; `huddle demo`\n"
                "registers riverside); nothing changed\n",
                g->nbh, g->store);
        return 1;
    }
    for (size_t i = 0; rc == STORE_OK && i < g->n; i++) {
        char what[64];
        Huddle__PracticeRecord *p = NULL;
        rc = registry_practice_get(txn, synth_practice(s, i)->ods, &p);
        if (p)
            huddle__practice_record__free_unpacked(p, NULL);
        if (rc == STORE_OK) {
            snprintf(what, sizeof what, "practice %s", synth_practice(s, i)->ods);
            return refuse(g, what);
        }
        if (rc != STORE_ENOTFOUND)
            break;
        Huddle__AgentRecord *a = NULL;
        rc = registry_agent_get(txn, g->id[i], &a);
        if (a)
            huddle__agent_record__free_unpacked(a, NULL);
        if (rc == STORE_OK) {
            snprintf(what, sizeof what, "agent %s", g->id[i]);
            return refuse(g, what);
        }
        if (rc == STORE_ENOTFOUND)
            rc = STORE_OK;
    }
    if (rc != STORE_OK) {
        fprintf(stderr, "huddle: cannot read the registry of %s: %s\n", g->store, store_strerror(rc));
        return 1;
    }
    return 0;
}

/* Adds every practice and agent to the batch: 0, or 1 with a sentence. */
static int add_records(reg_t *g, const synth_t *s, store_txn_t *txn, int64_t now_ms)
{
    reject_t r;
    for (size_t i = 0; i < g->n; i++) {
        const synth_practice_t *p = synth_practice(s, i);
        Huddle__PracticeAdd preq = HUDDLE__PRACTICE_ADD__INIT;
        preq.ods = (char *)p->ods;
        preq.name = (char *)p->name;
        preq.neighbourhood_id = (char *)g->nbh;
        if (registry_practice_add(txn, &preq, now_ms, &r))
            goto refused;
        if (keyfile_pair_new(&g->kp[i]))
            return 1;
        Huddle__AgentAdd req = HUDDLE__AGENT_ADD__INIT;
        req.agent_id = g->id[i];
        req.role = HUDDLE__ROLE__ROLE_GP_PRACTICE;
        req.org_ods = (char *)p->ods;
        req.display_name = (char *)p->name;
        req.curve_public_key.data = g->kp[i].raw;
        req.curve_public_key.len = sizeof g->kp[i].raw;
        if (registry_agent_add(txn, &req, now_ms, &r))
            goto refused;
    }
    return 0;
refused:
    offline_print_reject(&r);
    fprintf(stderr, "huddle: nothing was registered or written\n");
    return 1;
}

static int write_keys(reg_t *g)
{
    if (keyfile_mkdirs(g->keys) != 0) {
        fprintf(stderr, "huddle: cannot create %s: %s\n", g->keys, strerror(errno));
        return 1;
    }
    for (g->written = 0; g->written < g->n; g->written++)
        if (keyfile_pair_write(g->prefix[g->written], &g->kp[g->written]))
            return 1;
    return 0;
}

static void unlink_keys(reg_t *g)
{
    for (size_t i = 0; i < g->written; i++)
        keyfile_pair_unlink(g->prefix[i]);
    g->written = 0;
}

/* Registers and writes everything on the locked, open store: 0 or 1. */
static int run_register(reg_t *g, synth_t *s, const char *out, store_t *st)
{
    store_txn_t *txn = NULL;
    int rc = store_batch_begin(st, &txn);
    if (rc) {
        fprintf(stderr, "huddle: cannot write to %s: %s\n", g->store, store_strerror(rc));
        return 1;
    }
    rc = 1;
    if (check_store(g, s, txn) || add_records(g, s, txn, hd_time_now_ms()))
        goto done;
    if (write_keys(g) || write_files(s, out)) {
        fprintf(stderr, "huddle: nothing was registered\n");
        goto done;
    }
    int crc = store_batch_commit(&txn);
    if (crc) {
        fprintf(stderr, "huddle: cannot write to %s: %s %s; nothing was registered\n", g->store,
                store_strerror(crc), store_last_error(st));
        goto done;
    }
    rc = 0;
done:
    store_txn_end(&txn); /* a batch not committed leaves nothing */
    if (rc)
        unlink_keys(g);
    return rc;
}

/* Sets up g from the options: 0, or 1 with a sentence. */
static int reg_init(reg_t *g, const synth_t *s, const synth_opts_t *o)
{
    g->nbh = o->neighbourhood ? o->neighbourhood : "riverside";
    g->n = synth_practice_count(s);
    char copy[PATH_MAX_LEN];
    snprintf(copy, sizeof copy, "%s", g->store);
    int n = o->keys ? snprintf(g->keys, sizeof g->keys, "%s", o->keys)
                    : snprintf(g->keys, sizeof g->keys, "%s/keys", dirname(copy));
    if (strlen(g->store) >= sizeof copy - 1 || n < 0 || (size_t)n >= sizeof g->keys) {
        fprintf(stderr, "huddle: the store's or the keys directory's path is too long\n");
        return 1;
    }
    for (size_t i = 0; i < g->n; i++) {
        snprintf(g->id[i], sizeof g->id[i], "gp-%s", synth_practice(s, i)->ods);
        for (char *c = g->id[i]; *c; c++)
            if (*c >= 'A' && *c <= 'Z')
                *c = (char)(*c - 'A' + 'a');
        snprintf(g->prefix[i], sizeof g->prefix[i], "%s/%s", g->keys, g->id[i]);
    }
    if (!offline_store_exists(g->store)) {
        fprintf(stderr, "huddle: no store at %s (`huddle init` creates one)\n", g->store);
        return 1;
    }
    return 0;
}

static void print_registered(const reg_t *g, const synth_t *s)
{
    printf("\nregistered %zu practices in neighbourhood %s, each with a GP_PRACTICE agent, in %s:\n", g->n, g->nbh,
           g->store);
    printf("%-12s %-8s %s\n", "AGENT", "PRACTICE", "KEY PAIR (.key secret, mode 0600)");
    for (size_t i = 0; i < g->n; i++)
        printf("%-12s %-8s %s.{key,pub}\n", g->id[i], synth_practice(s, i)->ods, g->prefix[i]);
}

static int do_register(synth_t *s, const synth_opts_t *o, const char *store)
{
    static reg_t g; /* large (key paths), and one per process */
    memset(&g, 0, sizeof g);
    g.store = store;
    int rc = reg_init(&g, s, o);
    if (rc)
        return rc;
    int lock_fd = offline_lock(g.store);
    store_t *st = NULL;
    rc = 1;
    if (lock_fd >= 0 && offline_open(g.store, false, &st) == 0)
        rc = run_register(&g, s, o->out, st);
    if (rc == 0) {
        print_summary(s, o);
        print_registered(&g, s);
    }
    store_close(&st);
    if (lock_fd >= 0)
        close(lock_fd);
    keyfile_wipe(g.kp, sizeof g.kp);
    return rc;
}

int cmd_synth(const struct opts *o, char **argv)
{
    synth_opts_t opts = {.prefix = SYNTH_PREFIX_DEFAULT, .patients = 45000, .practices = 7, .seed = 1};
    if (options_parse(synth_opts, N_SYNTH_OPTS, argv, &opts, "synth", NULL, 0, NULL))
        goto bad_usage;
    if (opts.help) {
        usage(stdout);
        return 0;
    }
    if (!opts.reg && (opts.neighbourhood || opts.keys || opts.store)) {
        fprintf(stderr, "huddle: synth: --neighbourhood, --keys and --store only go with --register\n");
        goto bad_usage;
    }
    synth_config_t cfg = {opts.patients, opts.practices, (uint64_t)opts.seed, opts.prefix};
    char why[200];
    if (synth_config_check(&cfg, why, sizeof why) != SYNTH_OK) {
        fprintf(stderr, "huddle: synth: %s\n", why);
        goto bad_usage;
    }
    synth_t *s = NULL;
    int nrc = synth_new(&s, &cfg);
    if (nrc != SYNTH_OK) {
        fprintf(stderr, "huddle: synth: %s\n", synth_strerror(nrc));
        return 1;
    }
    int rc;
    if (opts.reg) {
        rc = do_register(s, &opts, opts.store ? opts.store : huddle_store_path(o));
    } else {
        rc = write_files(s, opts.out);
        if (rc == 0)
            print_summary(s, &opts);
    }
    synth_destroy(&s);
    return rc;
bad_usage:
    fputc('\n', stderr);
    usage(stderr);
    return USAGE;
}
