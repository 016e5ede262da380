/*
 * cmd_demo — `huddle demo`: registers a small demonstration neighbourhood on a stopped
 * broker's store, one agent per role, each with a fresh keypair, so that a newcomer
 * (`make run`, tools/run.sh) has someone to connect as.
 *
 * Owns: the demo's content (the tables below, and a trust agreement under which the
 * demo hospital's trusted assessor may assess for the demo care home), its key files
 * and its output. Like the
 * other offline registry commands (tools/cmd_registry.c) it takes <store>/huddled.lock
 * or refuses beside a running broker, and makes its change as ONE store batch: every
 * record is checked and added first, then the key files are written, then the batch
 * commits; any failure aborts the batch and removes the key files this run wrote, so
 * the store and the keys directory are as they were. Exit status: 0 done, 1 refused or
 * failed ("huddle: <field>: <reason>" on stderr), 2 bad usage.
 *
 * Never: replaces a record that is already there (a second run, or a store that has a
 * neighbourhood or practice of the same code, is refused and changes nothing), prints
 * a secret key, or overwrites a key file. The organisations are fictional; their codes
 * only have the shape of ODS and GSS codes.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agreement.h"
#include "hd_time.h"
#include "keyfile.h"
#include "offline.h"
#include "options.h"
#include "registry.h"
#include "store.h"

/* Called from the command table in huddle.c. */
struct opts;
const char *huddle_store_path(const struct opts *o);
int cmd_demo(const struct opts *o, char **argv);

#define USAGE 2
#define PATH_MAX_LEN 2048

/* ---- the demonstration neighbourhood ------------------------------------------ */

#define NBH_ID "riverside"
#define NBH_NAME "Riverside and Northfield INT"
#define NBH_LA "E08000026"

static const struct {
    const char *ods, *name;
} practices[] = {
    {"A81001", "Riverside Surgery"},
    {"A81002", "Northfield Medical Centre"},
};

typedef struct {
    const char *id;
    Huddle__Role role;
    const char *org, *neighbourhood, *hospital, *la;
    const char *name;
    const char *scope; /* what it sees, for the operator: the access matrix's relationship */
} demo_agent_t;

#define ROLE(r) HUDDLE__ROLE__ROLE_##r
static const demo_agent_t agents[] = {
    {"gp-a81001", ROLE(GP_PRACTICE), "A81001", NULL, NULL, NULL, "Riverside Surgery", "practice A81001"},
    {"gp-a81002", ROLE(GP_PRACTICE), "A81002", NULL, NULL, NULL, "Northfield Medical Centre", "practice A81002"},
    {"coordinator-riverside", ROLE(INT_COORDINATOR), "RYJ", NBH_ID, NULL, NULL, "Riverside INT coordinator",
     "neighbourhood " NBH_ID},
    {"dn-riverside", ROLE(MDT_MEMBER), "RYJ", NBH_ID, NULL, NULL, "Riverside district nursing",
     "neighbourhood " NBH_ID},
    {"hub-rxh", ROLE(DISCHARGE_HUB), "RXH", NULL, "RXH", NULL, "RXH integrated discharge team", "hospital RXH"},
    {"assessor-rxh", ROLE(TRUSTED_ASSESSOR), "RXH", NULL, "RXH", NULL, "RXH trusted assessor", "hospital RXH"},
    {"carehome-vn", ROLE(CARE_PROVIDER), "VN123", NULL, NULL, NULL, "Vale Nursing Home", "provider VN123"},
    {"asc-riverside", ROLE(SOCIAL_CARE), NBH_LA, NULL, NULL, NBH_LA, "Adult social care", "council " NBH_LA},
    {"ig-auditor", ROLE(AUDITOR), "X26", NULL, NULL, NULL, "Information governance", "audit trail only"},
};
#define N_AGENTS (sizeof agents / sizeof agents[0])

/* The trust agreement of assessor-rxh's organisation with carehome-vn's, in force from
 * the day the demo is registered, open-ended. */
#define AGREEMENT_ID "demo-rxh-vn123"
#define AGREEMENT_ASSESSOR "RXH"
#define AGREEMENT_PROVIDER "VN123"
static const Huddle__ServiceType agreement_services[] = {
    HUDDLE__SERVICE_TYPE__SERVICE_TYPE_RESIDENTIAL, HUDDLE__SERVICE_TYPE__SERVICE_TYPE_NURSING,
    HUDDLE__SERVICE_TYPE__SERVICE_TYPE_HOME_CARE, HUDDLE__SERVICE_TYPE__SERVICE_TYPE_REABLEMENT};

/* ---- options and usage -------------------------------------------------------- */

typedef struct {
    const char *keys;
    bool help;
} demo_opts_t;

static const options_row_t demo_opts[] = {
    {.flag = "--keys", .arg = "DIR", .type = OPTIONS_TEXT, .offset = offsetof(demo_opts_t, keys),
     .help = "where the key pairs go (default: beside the store, DIR/../keys, as init)"},
    {.flag = "--help", .arg = "", .type = OPTIONS_FLAG, .offset = offsetof(demo_opts_t, help),
     .help = "show this help"},
};
#define N_DEMO_OPTS (sizeof demo_opts / sizeof demo_opts[0])

static void usage(FILE *out)
{
    fprintf(out, "usage: huddle [--store DIR] demo [OPTIONS]\n\n"
                 "Registers a demonstration neighbourhood on a stopped broker's store (after `huddle init`;\n"
                 "`make run` does both on first use), one agent per role, each with a fresh CURVE key pair\n"
                 "written next to the admin's: ID.key (secret, mode 0600, never printed) and ID.pub.\n\n"
                 "The organisations are FICTIONAL, for trying Huddle out: their codes only have the shape\n"
                 "of ODS and ONS GSS codes, and no real organisation that holds one of them takes part.\n\n"
                 "  %-23s \"%s\", council %s\n", "neighbourhood " NBH_ID, NBH_NAME, NBH_LA);
    for (size_t i = 0; i < sizeof practices / sizeof practices[0]; i++)
        fprintf(out, "  practice %-14s \"%s\", in %s\n", practices[i].ods, practices[i].name, NBH_ID);
    fprintf(out, "\n  %-22s %-17s %-10s %s\n", "AGENT", "ROLE", "ORG", "SCOPE");
    for (size_t i = 0; i < N_AGENTS; i++)
        fprintf(out, "  %-22s %-17s %-10s %s\n", agents[i].id, registry_role_name(agents[i].role), agents[i].org,
                agents[i].scope);
    fprintf(out, "\n  trust agreement %s: %s's trusted assessors may assess for %s (residential,\n"
                 "  nursing, home care and reablement), from the day the demo is registered, open-ended\n",
            AGREEMENT_ID, AGREEMENT_ASSESSOR, AGREEMENT_PROVIDER);
    fprintf(out, "\nEverything is one store batch: all of it is registered, or none of it (and no key file\n"
                 "is left behind). Run again, or on a store that already has any of these records, it is\n"
                 "refused and changes nothing. Like the other registry commands it refuses while a broker\n"
                 "runs on the store.\n\n"
                 "To connect as a demo agent, give publish and subscribe the broker's public key and the\n"
                 "agent's secret key in the environment; the key names the agent, so --agent is not needed\n"
                 "(given, it must be the key's own id). E.g. with `make run`'s var/, in the source tree:\n"
                 "  HUDDLE_SERVER_KEY=$(cat var/keys/broker.pub) HUDDLE_SECRET_KEY=$(cat var/keys/gp-a81001.key) \\\n"
                 "    bin/huddle publish \"hello from Riverside Surgery\"\n\n"
                 "Options:\n");
    options_usage(out, demo_opts, N_DEMO_OPTS, 24);
}

/* ---- registering ------------------------------------------------------------- */

typedef struct {
    const char *store;
    char keys[PATH_MAX_LEN];
    char prefix[N_AGENTS][PATH_MAX_LEN + 80]; /* KEYS/ID, without .key or .pub */
    keyfile_pair_t kp[N_AGENTS];
    size_t written; /* key pairs written so far: removed again if the run fails */
    char agreement_from[HD_DATE_LEN];
} demo_t;

static int already(const demo_t *d, const char *what)
{
    fprintf(stderr, "huddle: the demo is already registered in %s (%s exists); nothing changed\n", d->store, what);
    return 1;
}

/* Refuses (1) if the store already has the demo's neighbourhood or a practice: the
 * registry would silently replace those records, which the demo never does. */
static int check_absent(const demo_t *d, store_txn_t *txn)
{
    char what[64];
    Huddle__NeighbourhoodRecord *n = NULL;
    int rc = registry_neighbourhood_get(txn, NBH_ID, &n);
    if (n)
        huddle__neighbourhood_record__free_unpacked(n, NULL);
    if (rc == STORE_OK)
        return already(d, "neighbourhood " NBH_ID);
    for (size_t i = 0; rc == STORE_ENOTFOUND && i < sizeof practices / sizeof practices[0]; i++) {
        Huddle__PracticeRecord *p = NULL;
        rc = registry_practice_get(txn, practices[i].ods, &p);
        if (p)
            huddle__practice_record__free_unpacked(p, NULL);
        if (rc == STORE_OK) {
            snprintf(what, sizeof what, "practice %s", practices[i].ods);
            return already(d, what);
        }
    }
    if (rc != STORE_ENOTFOUND) {
        fprintf(stderr, "huddle: cannot read the registry of %s: %s\n", d->store, store_strerror(rc));
        return 1;
    }
    return 0;
}

/* Adds every record to the batch: 0, or 1 with a sentence on stderr (abort the batch). */
static int add_records(demo_t *d, store_txn_t *txn, int64_t now_ms)
{
    reject_t r;
    Huddle__NeighbourhoodAdd nreq = HUDDLE__NEIGHBOURHOOD_ADD__INIT;
    nreq.neighbourhood_id = (char *)NBH_ID;
    nreq.name = (char *)NBH_NAME;
    nreq.local_authority = (char *)NBH_LA;
    if (registry_neighbourhood_add(txn, &nreq, now_ms, &r))
        goto refused;
    for (size_t i = 0; i < sizeof practices / sizeof practices[0]; i++) {
        Huddle__PracticeAdd preq = HUDDLE__PRACTICE_ADD__INIT;
        preq.ods = (char *)practices[i].ods;
        preq.name = (char *)practices[i].name;
        preq.neighbourhood_id = (char *)NBH_ID;
        if (registry_practice_add(txn, &preq, now_ms, &r))
            goto refused;
    }
    for (size_t i = 0; i < N_AGENTS; i++) {
        const demo_agent_t *a = &agents[i];
        if (keyfile_pair_new(&d->kp[i]))
            return 1;
        char *nbh[1] = {(char *)a->neighbourhood};
        Huddle__AgentAdd req = HUDDLE__AGENT_ADD__INIT;
        req.agent_id = (char *)a->id;
        req.role = a->role;
        req.org_ods = (char *)a->org;
        req.n_neighbourhood_ids = a->neighbourhood ? 1 : 0;
        req.neighbourhood_ids = a->neighbourhood ? nbh : NULL;
        req.hospital_ods = (char *)(a->hospital ? a->hospital : "");
        req.local_authority = (char *)(a->la ? a->la : "");
        req.display_name = (char *)a->name;
        req.curve_public_key.data = d->kp[i].raw;
        req.curve_public_key.len = sizeof d->kp[i].raw;
        if (registry_agent_add(txn, &req, now_ms, &r)) {
            if (r.code != HUDDLE__REJECT_CODE__REJECT_CODE_CONFLICT)
                goto refused;
            char what[96];
            snprintf(what, sizeof what, "agent %s", a->id);
            return already(d, what);
        }
    }
    /* recorded as an admin would, with its TRUST_AGREEMENT_RECORDED in the log */
    char from[HD_DATE_LEN];
    hd_date_format(hd_date_from_ms(now_ms), from, sizeof from);
    Huddle__TrustAgreement ta = HUDDLE__TRUST_AGREEMENT__INIT;
    ta.agreement_id = (char *)AGREEMENT_ID;
    ta.assessor_ods = (char *)AGREEMENT_ASSESSOR;
    ta.provider_ods = (char *)AGREEMENT_PROVIDER;
    ta.n_service_types = sizeof agreement_services / sizeof agreement_services[0];
    ta.service_types = (Huddle__ServiceType *)agreement_services;
    ta.valid_from_date = from;
    ta.valid_to_date = (char *)"";
    wf_ctx_t ctx;
    memset(&ctx, 0, sizeof ctx);
    ctx.txn = txn;
    ctx.sender = "";
    ctx.now_ms = now_ms;
    int rc = agreement_add(&ctx, &ta, &r);
    if (rc == -1 && r.code == HUDDLE__REJECT_CODE__REJECT_CODE_CONFLICT)
        return already(d, "trust agreement " AGREEMENT_ID);
    if (rc == -1)
        goto refused;
    if (rc != 0) {
        fprintf(stderr, "huddle: cannot write to %s: %s\n", d->store, store_strerror(rc));
        return 1;
    }
    snprintf(d->agreement_from, sizeof d->agreement_from, "%s", from);
    return 0;
refused:
    offline_print_reject(&r);
    fprintf(stderr, "huddle: the demo was not registered; nothing changed\n");
    return 1;
}

/* Writes every key pair: 0, or 1 having removed the ones it wrote. */
static int write_keys(demo_t *d)
{
    if (keyfile_mkdirs(d->keys) != 0) {
        fprintf(stderr, "huddle: cannot create %s: %s\n", d->keys, strerror(errno));
        return 1;
    }
    for (d->written = 0; d->written < N_AGENTS; d->written++)
        if (keyfile_pair_write(d->prefix[d->written], &d->kp[d->written]))
            return 1;
    return 0;
}

static void unlink_keys(demo_t *d)
{
    for (size_t i = 0; i < d->written; i++)
        keyfile_pair_unlink(d->prefix[i]);
    d->written = 0;
}

/* The broker's public key file to name in the note: in the demo's keys directory if
 * `huddle init` put it there, else where init puts it by default. */
static void broker_pub(const demo_t *d, char *out, size_t len)
{
    struct stat st;
    snprintf(out, len, "%s/broker.pub", d->keys);
    if (stat(out, &st) == 0)
        return;
    char copy[PATH_MAX_LEN];
    snprintf(copy, sizeof copy, "%s", d->store);
    snprintf(out, len, "%s/keys/broker.pub", dirname(copy));
}

static void print_done(const demo_t *d)
{
    printf("registered the demo neighbourhood %s (\"%s\", council %s) in %s\n", NBH_ID, NBH_NAME, NBH_LA,
           d->store);
    printf("with practices %s \"%s\" and %s \"%s\" (all demo organisations are fictional)\n\n", practices[0].ods,
           practices[0].name, practices[1].ods, practices[1].name);
    printf("%-22s %-17s %-10s %-24s %s\n", "AGENT", "ROLE", "ORG", "SCOPE", "KEY PAIR (.key secret, mode 0600)");
    for (size_t i = 0; i < N_AGENTS; i++)
        printf("%-22s %-17s %-10s %-24s %s.{key,pub}\n", agents[i].id, registry_role_name(agents[i].role),
               agents[i].org, agents[i].scope, d->prefix[i]);
    printf("\nAlso recorded: trust agreement %s: %s's trusted assessors (assessor-rxh) may assess for\n"
           "%s (carehome-vn), residential, nursing, home care and reablement, from %s, open-ended\n"
           "(`huddle agreement list`)\n",
           AGREEMENT_ID, AGREEMENT_ASSESSOR, AGREEMENT_PROVIDER, d->agreement_from);
    char pub[PATH_MAX_LEN + 16];
    broker_pub(d, pub, sizeof pub);
    printf("\n%zu agents. To connect as one, start the broker (`make run`), then give huddle (bin/huddle in\n"
           "the source tree) the broker's public key and the agent's secret key; the key names the agent\n"
           "(--agent ID is not needed, and is refused if it names another). In one terminal, %s:\n",
           N_AGENTS, agents[3].id);
    printf("  HUDDLE_SERVER_KEY=$(cat %s) HUDDLE_SECRET_KEY=$(cat %s.key) \\\n"
           "    huddle subscribe\n",
           pub, d->prefix[3]);
    printf("and in another, %s:\n", agents[0].id);
    printf("  HUDDLE_SERVER_KEY=$(cat %s) HUDDLE_SECRET_KEY=$(cat %s.key) \\\n"
           "    huddle publish \"hello from %s\"\n",
           pub, d->prefix[0], agents[0].name);
}

/* Registers the demo on the locked, open store: 0 or 1. */
static int run_demo(demo_t *d, store_t *s)
{
    store_txn_t *txn = NULL;
    int rc = store_batch_begin(s, &txn);
    if (rc) {
        fprintf(stderr, "huddle: cannot write to %s: %s\n", d->store, store_strerror(rc));
        return 1;
    }
    rc = 1;
    if (check_absent(d, txn) || add_records(d, txn, hd_time_now_ms()))
        goto done;
    if (write_keys(d)) {
        fprintf(stderr, "huddle: the demo was not registered; nothing changed\n");
        goto done;
    }
    int crc = store_batch_commit(&txn);
    if (crc) {
        fprintf(stderr, "huddle: cannot write to %s: %s %s\n", d->store, store_strerror(crc), store_last_error(s));
        goto done;
    }
    rc = 0;
done:
    store_txn_end(&txn); /* a batch not committed leaves nothing */
    if (rc)
        unlink_keys(d);
    return rc;
}

int cmd_demo(const struct opts *o, char **argv)
{
    demo_opts_t opts = {NULL, false};
    if (options_parse(demo_opts, N_DEMO_OPTS, argv, &opts, NULL, NULL, 0, NULL)) {
        fputc('\n', stderr);
        usage(stderr);
        return USAGE;
    }
    if (opts.help) {
        usage(stdout);
        return 0;
    }
    static demo_t d; /* large (key paths), and one per process */
    memset(&d, 0, sizeof d);
    d.store = huddle_store_path(o);
    char copy[PATH_MAX_LEN];
    snprintf(copy, sizeof copy, "%s", d.store);
    int n = opts.keys ? snprintf(d.keys, sizeof d.keys, "%s", opts.keys)
                      : snprintf(d.keys, sizeof d.keys, "%s/keys", dirname(copy));
    if (strlen(d.store) >= sizeof copy - 1 || n < 0 || (size_t)n >= sizeof d.keys) {
        fprintf(stderr, "huddle: the store's or the keys directory's path is too long\n");
        return 1;
    }
    for (size_t i = 0; i < N_AGENTS; i++)
        snprintf(d.prefix[i], sizeof d.prefix[i], "%s/%s", d.keys, agents[i].id);
    if (!offline_store_exists(d.store)) {
        fprintf(stderr, "huddle: no store at %s (`huddle init` creates one)\n", d.store);
        return 1;
    }
    int lock_fd = offline_lock(d.store), rc = 1;
    store_t *s = NULL;
    if (lock_fd >= 0 && offline_open(d.store, false, &s) == 0)
        rc = run_demo(&d, s);
    if (rc == 0)
        print_done(&d);
    store_close(&s);
    if (lock_fd >= 0)
        close(lock_fd);
    keyfile_wipe(d.kp, sizeof d.kp);
    return rc;
}
