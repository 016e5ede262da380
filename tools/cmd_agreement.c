/*
 * cmd_agreement — `huddle agreement add|list|revoke`: trust agreements (DESIGN §5.3,
 * broker/agreement.h) edited on a stopped broker's store, as `huddle agent` edits the
 * registry. A running broker takes the same changes as Admin frames (agreement_add,
 * _revoke, _list).
 *
 * Owns: the commands' options and output. The rules are agreement.c's: every change is
 * one store batch, checked before anything is written, appending the same derived event
 * the broker would (TRUST_AGREEMENT_RECORDED, _REVOKED; subscribers hear it once the
 * broker runs again), printed only once committed. Changes take <store>/huddled.lock,
 * so they never happen behind a running broker's back; listing reads a snapshot and
 * needs no lock. Exit status: 0 done, 1 refused or failed ("huddle: <field>: <reason>"
 * on stderr), 2 bad usage.
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "agreement.h"
#include "hd_time.h"
#include "offline.h"
#include "options.h"

/* Called from the command table in huddle.c. */
struct opts;
const char *huddle_store_path(const struct opts *o);
int cmd_agreement(const struct opts *o, char **argv);

#define USAGE 2
#define SERVICES_MAX 8 /* read from --services; more than 4 is the rules' to refuse */

typedef struct {
    const char *id, *assessor, *provider, *services, *from, *to, *reason;
    bool all, help;
} ag_opts_t;

#define OPT(flag_, arg_, type_, req, field, help_)                                                                \
    {.flag = flag_, .arg = arg_, .type = OPTIONS_##type_, .required = req, .offset = offsetof(ag_opts_t, field), \
     .help = help_}
#define HELP OPT("--help", "", FLAG, false, help, "show this help")

static const options_row_t add_opts[] = {
    OPT("--id", "ID", TEXT, true, id, "the agreement's id, e.g. the contract reference (1-32 of A-Z a-z 0-9 . _ -)"),
    OPT("--assessor", "ODS", TEXT, true, assessor, "the organisation whose trusted assessors may assess"),
    OPT("--provider", "ODS", TEXT, true, provider, "the care provider that accepts their assessments"),
    OPT("--services", "LIST", TEXT, true, services,
        "services covered, comma-separated: residential, nursing, home-care, reablement"),
    OPT("--from", "YYYY-MM-DD", TEXT, true, from, "first day in force"),
    OPT("--to", "YYYY-MM-DD", TEXT, false, to, "last day in force (default: open-ended)"),
    HELP,
};
static const options_row_t list_opts[] = {
    OPT("--assessor", "ODS", TEXT, false, assessor, "only this assessor organisation's"),
    OPT("--provider", "ODS", TEXT, false, provider, "only this provider's"),
    OPT("--all", "", FLAG, false, all, "include revoked and ended agreements"),
    HELP,
};
static const options_row_t revoke_opts[] = {
    OPT("--reason", "TEXT", TEXT, true, reason, "why, for the record (1-1000 bytes)"), HELP};

typedef struct {
    const char *store;
    ag_opts_t o;
    char **words;
    int64_t now_ms;
    char done[512]; /* what a change did, printed once it is committed */
} run_t;

typedef struct {
    const char *name, *args;
    size_t words; /* positional words it takes */
    const char *summary;
    const options_row_t *opts;
    size_t n_opts;
    bool writes;
    /* 0, -1 with r filled (a refusal), or a negative store code */
    int (*run)(run_t *x, store_txn_t *txn, reject_t *r);
} agcmd_t;

/* ---- services ------------------------------------------------------------------ */

static const struct {
    const char *name;
    Huddle__ServiceType type;
} services[] = {
    {"residential", HUDDLE__SERVICE_TYPE__SERVICE_TYPE_RESIDENTIAL},
    {"nursing", HUDDLE__SERVICE_TYPE__SERVICE_TYPE_NURSING},
    {"home-care", HUDDLE__SERVICE_TYPE__SERVICE_TYPE_HOME_CARE},
    {"reablement", HUDDLE__SERVICE_TYPE__SERVICE_TYPE_REABLEMENT},
};
#define N_SERVICES (sizeof services / sizeof services[0])

static const char *service_name(Huddle__ServiceType t)
{
    for (size_t i = 0; i < N_SERVICES; i++)
        if (services[i].type == t)
            return services[i].name;
    return "?";
}

/* "residential,nursing" into out: how many, or -1 with a sentence on stderr. */
static int parse_services(const char *list, Huddle__ServiceType out[SERVICES_MAX])
{
    size_t n = 0;
    for (const char *p = list; *p; p += *p == ',') {
        size_t len = strcspn(p, ",");
        size_t i = 0;
        while (i < N_SERVICES && !(strlen(services[i].name) == len && !strncmp(services[i].name, p, len)))
            i++;
        if (i == N_SERVICES || n == SERVICES_MAX) {
            fprintf(stderr,
                    "huddle: admin.agreement_add.agreement.service_types: %s '%.*s'; name up to 4 of residential, "
                    "nursing, home-care, reablement\n",
                    i == N_SERVICES ? "unknown service" : "too many services at", (int)len, p);
            return -1;
        }
        out[n++] = services[i].type;
        p += len;
    }
    return (int)n;
}

static void print_services(const Huddle__TrustAgreement *a, char *buf, size_t len)
{
    buf[0] = '\0';
    for (size_t i = 0; i < a->n_service_types; i++)
        snprintf(buf + strlen(buf), len - strlen(buf), "%s%s", i ? "," : "", service_name(a->service_types[i]));
}

/* ---- the commands ----------------------------------------------------------------- */

static void offline_ctx(const run_t *x, store_txn_t *txn, wf_ctx_t *ctx)
{
    memset(ctx, 0, sizeof *ctx);
    ctx->txn = txn;
    ctx->sender = ""; /* an operator at the store, not an agent */
    ctx->now_ms = x->now_ms;
}

static int run_add(run_t *x, store_txn_t *txn, reject_t *r)
{
    Huddle__ServiceType types[SERVICES_MAX];
    int n = parse_services(x->o.services, types);
    if (n < 0)
        return 1;
    Huddle__TrustAgreement a = HUDDLE__TRUST_AGREEMENT__INIT;
    a.agreement_id = (char *)x->o.id;
    a.assessor_ods = (char *)x->o.assessor;
    a.provider_ods = (char *)x->o.provider;
    a.n_service_types = (size_t)n;
    a.service_types = types;
    a.valid_from_date = (char *)x->o.from;
    a.valid_to_date = (char *)(x->o.to ? x->o.to : "");
    wf_ctx_t ctx;
    offline_ctx(x, txn, &ctx);
    int rc = agreement_add(&ctx, &a, r);
    if (rc == 0) {
        char svc[64];
        print_services(&a, svc, sizeof svc);
        snprintf(x->done, sizeof x->done, "recorded trust agreement %s: %s may assess for %s (%s) from %s, %s%s",
                 a.agreement_id, a.assessor_ods, a.provider_ods, svc, a.valid_from_date,
                 a.valid_to_date[0] ? "to " : "open-ended", a.valid_to_date);
    }
    return rc;
}

static int run_revoke(run_t *x, store_txn_t *txn, reject_t *r)
{
    Huddle__TrustAgreementRevoke rv = HUDDLE__TRUST_AGREEMENT_REVOKE__INIT;
    rv.agreement_id = x->words[0];
    rv.reason = (char *)x->o.reason;
    wf_ctx_t ctx;
    offline_ctx(x, txn, &ctx);
    int rc = agreement_revoke(&ctx, &rv, r);
    if (rc == 0)
        snprintf(x->done, sizeof x->done,
                 "revoked trust agreement %s: new assessments under it are refused; open ones stay open",
                 rv.agreement_id);
    return rc;
}

typedef struct {
    int n;
    int32_t today;
} listing_t;

static int print_row(const Huddle__TrustAgreementRecord *rec, void *arg)
{
    listing_t *l = arg;
    const Huddle__TrustAgreement *a = rec->agreement;
    int32_t from = 0, to = 0;
    const char *status = "in force";
    if (a->revoked)
        status = "revoked";
    else if (!hd_date_parse(a->valid_from_date, strlen(a->valid_from_date), &from) && l->today < from)
        status = "not yet in force";
    else if (a->valid_to_date[0] && !hd_date_parse(a->valid_to_date, strlen(a->valid_to_date), &to) && l->today > to)
        status = "ended";
    char svc[64];
    print_services(a, svc, sizeof svc);
    printf("%-24s %-10s %-10s %-40s %-10s %-10s %s\n", a->agreement_id, a->assessor_ods, a->provider_ods, svc,
           a->valid_from_date, a->valid_to_date[0] ? a->valid_to_date : "-", status);
    l->n++;
    return 0;
}

static int run_list(run_t *x, store_txn_t *txn, reject_t *r)
{
    (void)r;
    Huddle__AgreementList f = HUDDLE__AGREEMENT_LIST__INIT;
    f.assessor_ods = (char *)(x->o.assessor ? x->o.assessor : "");
    f.provider_ods = (char *)(x->o.provider ? x->o.provider : "");
    f.include_revoked = x->o.all;
    listing_t l = {0, hd_date_from_ms(x->now_ms)};
    printf("%-24s %-10s %-10s %-40s %-10s %-10s %s\n", "AGREEMENT", "ASSESSOR", "PROVIDER", "SERVICES", "FROM", "TO",
           "STATUS");
    int rc = agreement_list(txn, &f, x->now_ms, print_row, &l);
    if (rc < 0) {
        fprintf(stderr, "huddle: cannot read the agreements of %s: %s\n", x->store, store_strerror(rc));
        return 1;
    }
    printf("%d agreement%s%s\n", l.n, l.n == 1 ? "" : "s",
           x->o.all ? "" : " in force or to come (--all for every one)");
    return 0;
}

static const agcmd_t agcmds[] = {
    {"add", "", 0, "record a trust agreement: the provider accepts the assessor organisation's assessments",
     add_opts, sizeof add_opts / sizeof add_opts[0], true, run_add},
    {"list", "", 0, "list trust agreements (in force or to come, unless --all)", list_opts,
     sizeof list_opts / sizeof list_opts[0], false, run_list},
    {"revoke", " ID", 1, "revoke an agreement for good: no new assessment relies on it", revoke_opts,
     sizeof revoke_opts / sizeof revoke_opts[0], true, run_revoke},
};
#define N_AGCMDS (sizeof agcmds / sizeof agcmds[0])

/* ---- usage and running ------------------------------------------------------------ */

static void group_usage(FILE *out)
{
    fprintf(out, "usage: huddle [--store DIR] agreement COMMAND [ARGS] [OPTIONS]\n\n"
                 "Trust agreements on a stopped broker's store: a care provider accepts the trusted assessments\n"
                 "of an assessor organisation for some services between two dates (a running broker takes the\n"
                 "same changes as Admin frames).\n\nCommands:\n");
    for (size_t i = 0; i < N_AGCMDS; i++) {
        char left[40];
        snprintf(left, sizeof left, "%s%s", agcmds[i].name, agcmds[i].args);
        fprintf(out, "  %-22s %s\n", left, agcmds[i].summary);
    }
    fprintf(out, "\n`huddle agreement COMMAND --help` shows a command's options.\n");
}

static void cmd_usage(FILE *out, const agcmd_t *c)
{
    fprintf(out, "usage: huddle [--store DIR] agreement %s%s [OPTIONS]\n\n%s\n\nOptions:\n", c->name, c->args,
            c->summary);
    options_usage(out, c->opts, c->n_opts, 26);
    if (c->run == run_add)
        fprintf(out, "\nE.g. huddle agreement add --id TA-2027-014 --assessor RXH --provider VN123 \\\n"
                     "       --services residential,nursing --from 2027-01-01 --to 2027-12-31\n");
}

/* Commits the batch: 0, or 1 with a sentence on stderr. */
static int commit(const run_t *x, store_t *s, store_txn_t **txn)
{
    int rc = store_batch_commit(txn);
    if (rc)
        fprintf(stderr, "huddle: cannot write to %s: %s %s\n", x->store, store_strerror(rc), store_last_error(s));
    return rc ? 1 : 0;
}

/* Runs one command: options, then the store (and its lock) as it needs them. */
static int run_cmd(const agcmd_t *c, const char *store, char **argv)
{
    static run_t x; /* one command per process */
    memset(&x, 0, sizeof x);
    x.store = store;
    x.now_ms = hd_time_now_ms();
    size_t argc = 0, n_words = 0;
    while (argv[argc])
        argc++;
    char cmd[32];
    snprintf(cmd, sizeof cmd, "agreement %s", c->name);
    if (options_parse(c->opts, c->n_opts, argv, &x.o, cmd, argv, argc, &n_words) != 0) {
        fputc('\n', stderr);
        cmd_usage(stderr, c);
        return USAGE;
    }
    if (x.o.help) {
        cmd_usage(stdout, c);
        return 0;
    }
    if (n_words != c->words) {
        fprintf(stderr, "huddle: agreement %s takes %s\n\n", c->name,
                c->words ? "one argument, the agreement id" : "no arguments");
        cmd_usage(stderr, c);
        return USAGE;
    }
    argv[n_words] = NULL;
    x.words = argv;
    if (c->writes && !offline_store_exists(store)) {
        fprintf(stderr, "huddle: no store at %s (`huddle init` creates one)\n", store);
        return 1;
    }
    int lock_fd = c->writes ? offline_lock(store) : -1, rc = 1;
    store_t *s = NULL;
    store_txn_t *txn = NULL;
    if ((c->writes && lock_fd < 0) || offline_open(store, !c->writes, &s))
        goto done;
    int src = c->writes ? store_batch_begin(s, &txn) : store_read_begin(s, &txn);
    if (src) {
        fprintf(stderr, "huddle: cannot use %s: %s\n", store, store_strerror(src));
        goto done;
    }
    reject_t r;
    rc = c->run(&x, txn, &r);
    if (rc == -1)
        offline_print_reject(&r);
    else if (rc < 0)
        fprintf(stderr, "huddle: cannot write to %s: %s\n", store, store_strerror(rc));
    rc = rc != 0 ? 1 : c->writes ? commit(&x, s, &txn) : 0;
    if (rc == 0 && x.done[0])
        printf("%s\n", x.done);
done:
    store_txn_end(&txn); /* a batch not committed leaves nothing */
    store_close(&s);
    if (lock_fd >= 0)
        close(lock_fd);
    return rc;
}

int cmd_agreement(const struct opts *o, char **argv)
{
    const char *name = argv[0];
    if (!name || !strcmp(name, "--help") || !strcmp(name, "-h")) {
        group_usage(name ? stdout : stderr);
        return name ? 0 : USAGE;
    }
    for (size_t i = 0; i < N_AGCMDS; i++)
        if (!strcmp(agcmds[i].name, name))
            return run_cmd(&agcmds[i], huddle_store_path(o), argv + 1);
    fprintf(stderr, "huddle: unknown agreement command '%s'\n\n", name);
    group_usage(stderr);
    return USAGE;
}
