/*
 * cmd_registry — `huddle init`, `huddle keygen`, and the `agent`, `neighbourhood` and
 * `practice` commands: the registry (broker/registry.h) edited offline, on the store.
 *
 * Owns: their options (one table per command), output, the key files they write, and
 * the broker lock. Every change is one store batch, checked by the registry before
 * anything is written and printed only once it is committed. Exit status: 0 done,
 * 1 refused or failed ("huddle: <field>: <reason>" on stderr), 2 bad usage.
 *
 * A registry change goes to a running broker through its Admin frames, never behind
 * its back: huddled holds an exclusive flock on <store>/huddled.lock while it runs, and
 * the commands that change the registry take the same lock or refuse. Listing needs no
 * lock (a read snapshot).
 *
 * Keys: CURVE keypairs in Z85, one line per file: NAME.key the secret key (mode 0600,
 * never printed), NAME.pub the public key (0644). Files are written atomically (temp
 * file, fsync, rename, fsync of the directory) and never overwritten.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zmq.h>

#include "hd_time.h"
#include "keyfile.h"
#include "offline.h"
#include "ods.h"
#include "options.h"
#include "registry.h"
#include "store.h"

/* Called from the command table in huddle.c. */
struct opts;
const char *huddle_store_path(const struct opts *o);
int cmd_init(const struct opts *o, char **argv);
int cmd_keygen(const struct opts *o, char **argv);
int cmd_agent(const struct opts *o, char **argv);
int cmd_neighbourhood(const struct opts *o, char **argv);
int cmd_practice(const struct opts *o, char **argv);

#define NEIGHBOURHOODS_MAX 64
#define ADMIN_ID "admin"
#define ADMIN_ORG_DEFAULT "X26"
#define USAGE 2

typedef struct {
    const char *role, *org, *hospital, *la, *name, *contact, *key, *key_file, *generate_key, *reason, *neighbourhood,
        *pcn, *out, *keys;
    const char *neighbourhoods[NEIGHBOURHOODS_MAX];
    size_t n_neighbourhoods;
    bool all, help;
} reg_opts_t;

#define OPT(flag_, arg_, type_, req, field, help_)                                                                \
    {.flag = flag_, .arg = arg_, .type = OPTIONS_##type_, .required = req, .offset = offsetof(reg_opts_t, field), \
     .help = help_}
#define LIST(flag_, arg_, field, help_)                                                       \
    {.flag = flag_, .arg = arg_, .type = OPTIONS_LIST, .offset = offsetof(reg_opts_t, field), \
     .capacity = NEIGHBOURHOODS_MAX, .count_offset = offsetof(reg_opts_t, n_##field), .help = help_}
#define HELP OPT("--help", "", FLAG, false, help, "show this help")
#define KEY_OPTS                                                                                      \
    OPT("--key", "Z85", TEXT, false, key, "the agent's public key, 40 Z85 characters"),               \
        OPT("--key-file", "FILE.pub", TEXT, false, key_file, "read the public key from a .pub file"), \
        OPT("--generate-key", "PREFIX", TEXT, false, generate_key,                                    \
            "make a new keypair: PREFIX.key (secret, 0600) and PREFIX.pub")

static const options_row_t init_opts[] = {
    OPT("--org", "ODS", TEXT, false, org,
        "the first admin's organisation (default X26: an ODS-shaped placeholder for the service owner)"),
    OPT("--keys", "DIR", TEXT, false, keys, "where key files go (default: beside the store, DIR/../keys)"),
    HELP,
};
static const options_row_t keygen_opts[] = {
    OPT("--out", "PREFIX", TEXT, false, out, "write PREFIX.key and PREFIX.pub (default ./agent)"), HELP};
static const options_row_t agent_add_opts[] = {
    OPT("--role", "ROLE", TEXT, true, role, "the agent's role (below)"),
    OPT("--org", "ODS", TEXT, true, org, "the agent's organisation (for social-care its council's GSS code)"),
    LIST("--neighbourhood", "ID", neighbourhoods, "a neighbourhood served (repeat for more)"),
    OPT("--hospital", "ODS", TEXT, false, hospital, "the hospital served (discharge-hub, trusted-assessor)"),
    OPT("--la", "GSS", TEXT, false, la, "the council area served (social-care), e.g. E08000026"),
    OPT("--name", "NAME", TEXT, false, name, "display name (default: the id)"),
    OPT("--contact", "TEXT", TEXT, false, contact, "team mailbox or phone"),
    KEY_OPTS,
    HELP,
};
static const options_row_t agent_list_opts[] = {
    OPT("--role", "ROLE", TEXT, false, role, "only agents of this role"),
    OPT("--org", "ODS", TEXT, false, org, "only agents of this organisation"),
    OPT("--all", "", FLAG, false, all, "include revoked agents"),
    HELP,
};
static const options_row_t help_only_opts[] = {HELP};
static const options_row_t agent_revoke_opts[] = {
    OPT("--reason", "TEXT", TEXT, true, reason, "why, for the record (1-1000 bytes)"), HELP};
static const options_row_t agent_rotate_opts[] = {KEY_OPTS, HELP};
static const options_row_t nbh_add_opts[] = {
    OPT("--name", "NAME", TEXT, true, name, "e.g. \"Northfield and Riverside INT\""),
    OPT("--la", "GSS", TEXT, true, la, "its council area (ONS GSS code), e.g. E08000026"),
    HELP,
};
static const options_row_t nbh_list_opts[] = {OPT("--la", "GSS", TEXT, false, la, "only this council area's"), HELP};
static const options_row_t practice_add_opts[] = {
    OPT("--name", "NAME", TEXT, true, name, "the practice's name"),
    OPT("--neighbourhood", "ID", TEXT, true, neighbourhood, "its neighbourhood (added first)"),
    OPT("--pcn", "ODS", TEXT, false, pcn, "its Primary Care Network's ODS code, e.g. U12345"),
    HELP,
};
static const options_row_t practice_list_opts[] = {
    OPT("--neighbourhood", "ID", TEXT, false, neighbourhood, "only this neighbourhood's"), HELP};

/* What a command needs of the store. */
typedef enum { NEEDS_NOTHING, READS, WRITES } access_t;

typedef struct {
    const char *store;
    reg_opts_t o;
    char **words;
    store_t *s;
    store_txn_t *txn;
    int64_t now_ms;
} run_t;

typedef struct {
    const char *group; /* "agent", ...; NULL for a command of its own */
    const char *name;
    const char *args;  /* the positional words' usage */
    int words;         /* how many there must be */
    const char *summary;
    const options_row_t *opts;
    size_t n_opts;
    access_t access;
    int (*run)(run_t *x);
} regcmd_t;

/* ---- usage and options ------------------------------------------------------- */

static void print_roles(FILE *out, const char *intro)
{
    fputs(intro, out);
    for (int r = 1; registry_role_name((Huddle__Role)r); r++)
        fprintf(out, "%s %s", r > 1 ? "," : "", registry_role_name((Huddle__Role)r));
    fputc('\n', out);
}

static void cmd_usage(FILE *out, const regcmd_t *c)
{
    fprintf(out, "usage: huddle [--store DIR] %s%s%s%s [OPTIONS]\n\n%s\n\nOptions:\n", c->group ? c->group : "",
            c->group ? " " : "", c->name, c->args, c->summary);
    options_usage(out, c->opts, c->n_opts, 24);
    for (size_t i = 0; i < c->n_opts; i++)
        if (!strcmp(c->opts[i].flag, "--role")) {
            print_roles(out, "\nRoles:");
            break;
        }
}

/* Reads options into x->o and the positional words into x->words (NULL-terminated, in
 * argv's own array); -1 with a sentence on stderr on a bad command line. */
static int parse(const regcmd_t *c, char **argv, run_t *x)
{
    size_t n_words = 0, argc = 0;
    while (argv[argc])
        argc++;
    if (options_parse(c->opts, c->n_opts, argv, &x->o, NULL, argv, argc, &n_words))
        return -1;
    argv[n_words] = NULL;
    x->words = argv;
    if (!x->o.help && n_words != (size_t)c->words) {
        fprintf(stderr, "huddle: %s %s takes %s\n", c->group ? c->group : "huddle", c->name,
                c->words ? "one argument," : "no arguments");
        return -1;
    }
    return 0;
}

/* ---- the store and its lock -------------------------------------------------- */

/* Commits the command's batch: 0, or 1 with a sentence on stderr. */
static int commit(run_t *x)
{
    int rc = store_batch_commit(&x->txn);
    if (rc)
        fprintf(stderr, "huddle: cannot write to %s: %s %s\n", x->store, store_strerror(rc),
                store_last_error(x->s));
    return rc ? 1 : 0;
}

/* Runs one command: options, then the store as it needs it, then the command. */
static int run_cmd(const regcmd_t *c, const char *store, char **argv)
{
    run_t x = {.store = store, .now_ms = hd_time_now_ms()};
    if (parse(c, argv, &x)) {
        fputc('\n', stderr);
        cmd_usage(stderr, c);
        return USAGE;
    }
    if (x.o.help) {
        cmd_usage(stdout, c);
        return 0;
    }
    int lock_fd = -1, rc = 1;
    if (c->access == WRITES && !offline_store_exists(store)) {
        fprintf(stderr, "huddle: no store at %s (`huddle init` creates one)\n", store);
        return 1;
    }
    if (c->access == WRITES && (lock_fd = offline_lock(store)) < 0)
        return 1;
    if (c->access != NEEDS_NOTHING && offline_open(store, c->access == READS, &x.s))
        goto done;
    int src = c->access == WRITES ? store_batch_begin(x.s, &x.txn)
              : c->access == READS ? store_read_begin(x.s, &x.txn)
                                   : STORE_OK;
    if (src) {
        fprintf(stderr, "huddle: cannot use %s: %s\n", store, store_strerror(src));
        goto done;
    }
    rc = c->run(&x);
    if (rc == USAGE) {
        fputc('\n', stderr);
        cmd_usage(stderr, c);
    }
done:
    store_txn_end(&x.txn); /* a batch not committed leaves nothing */
    store_close(&x.s);
    if (lock_fd >= 0)
        close(lock_fd);
    return rc;
}

/* The public key given by --key, --key-file or --generate-key (exactly one) into raw
 * and z85 (41 bytes); *generated set for the last. 0, 1 refused, or USAGE. */
static int key_from_opts(const reg_opts_t *o, keyfile_pair_t *kp, bool *generated)
{
    *generated = false;
    if (!!o->key + !!o->key_file + !!o->generate_key != 1) {
        fprintf(stderr, "huddle: give exactly one of --key, --key-file, --generate-key\n");
        return USAGE;
    }
    if (o->generate_key) {
        *generated = true;
        return keyfile_pair_new(kp) ? 1 : 0;
    }
    const char *flag = o->key ? "--key" : "--key-file";
    char text[128] = "";
    if (o->key) {
        snprintf(text, sizeof text, "%s", o->key);
    } else {
        size_t n = strlen(o->key_file);
        if (n >= 4 && !strcmp(o->key_file + n - 4, ".key")) {
            fprintf(stderr, "huddle: --key-file: %s looks like a secret key; give the .pub file\n", o->key_file);
            return 1;
        }
        FILE *fp = fopen(o->key_file, "r");
        if (!fp) {
            fprintf(stderr, "huddle: --key-file: cannot read %s: %s\n", o->key_file, strerror(errno));
            return 1;
        }
        if (!fgets(text, sizeof text, fp))
            text[0] = '\0';
        fclose(fp);
        text[strcspn(text, " \t\r\n")] = '\0';
    }
    if (strlen(text) != KEYFILE_Z85_LEN || !zmq_z85_decode(kp->raw, text)) {
        fprintf(stderr, "huddle: %s: not a CURVE public key (40 Z85 characters)\n", flag);
        return 1;
    }
    memcpy(kp->pub, text, sizeof kp->pub);
    return 0;
}

/* ---- init and keygen --------------------------------------------------------- */

static int run_init(run_t *x)
{
    const char *org = x->o.org ? x->o.org : ADMIN_ORG_DEFAULT;
    char keys[2048], copy[2048], broker[2100], admin[2100];
    if (offline_store_exists(x->store)) {
        fprintf(stderr, "huddle: %s already holds a store; nothing changed\n", x->store);
        return 1;
    }
    int orc = ods_code_check(org, strlen(org));
    if (orc != ODS_OK) {
        fprintf(stderr, "huddle: admin.agent_add.org_ods: %s\n", ods_strerror(orc));
        return 1;
    }
    snprintf(copy, sizeof copy, "%s", x->store);
    snprintf(keys, sizeof keys, "%s", x->o.keys ? x->o.keys : dirname(copy));
    if (!x->o.keys)
        strncat(keys, "/keys", sizeof keys - strlen(keys) - 1);
    if (strlen(x->store) >= sizeof copy - 1 || strlen(keys) >= sizeof keys - 1) {
        fprintf(stderr, "huddle: the keys directory's path is too long\n");
        return 1;
    }
    snprintf(broker, sizeof broker, "%s/broker", keys);
    snprintf(admin, sizeof admin, "%s/" ADMIN_ID, keys);
    if (keyfile_mkdirs(keys) != 0) {
        fprintf(stderr, "huddle: cannot create %s: %s\n", keys, strerror(errno));
        return 1;
    }
    keyfile_pair_t bk, ak;
    int rc = 1;
    if (keyfile_pair_new(&bk) || keyfile_pair_new(&ak) || keyfile_pair_write(broker, &bk))
        goto out;
    if (keyfile_pair_write(admin, &ak)) {
        keyfile_pair_unlink(broker);
        goto out;
    }
    Huddle__AgentAdd req = HUDDLE__AGENT_ADD__INIT;
    req.agent_id = (char *)ADMIN_ID;
    req.role = HUDDLE__ROLE__ROLE_ADMIN;
    req.org_ods = (char *)org;
    req.display_name = (char *)"Service administrator";
    req.curve_public_key.data = ak.raw;
    req.curve_public_key.len = sizeof ak.raw;
    reject_t r;
    int lock_fd = -1;
    if (offline_open(x->store, false, &x->s) == 0 && (lock_fd = offline_lock(x->store)) >= 0) {
        int brc = store_batch_begin(x->s, &x->txn);
        if (brc)
            fprintf(stderr, "huddle: cannot write to %s: %s\n", x->store, store_strerror(brc));
        else if (registry_agent_add(x->txn, &req, x->now_ms, &r))
            offline_print_reject(&r);
        else
            rc = commit(x);
    }
    if (rc) {
        keyfile_pair_unlink(broker); /* the store, if made, stays: init refuses to run on it again */
        keyfile_pair_unlink(admin);
    } else {
        printf("created store %s (schema version %u)\n", x->store, STORE_SCHEMA_VERSION);
        printf("wrote the broker's secret key to %s.key (mode 0600)\n", broker);
        printf("wrote the broker's public key to %s.pub (agents need it): %s\n", broker, bk.pub);
        printf("registered agent " ADMIN_ID " (admin, org %s)\n", org);
        printf("wrote the admin's secret key to %s.key (mode 0600; keep it to the service owner)\n", admin);
        printf("wrote the admin's public key to %s.pub\n", admin);
    }
    if (lock_fd >= 0)
        close(lock_fd);
out:
    keyfile_wipe(&bk, sizeof bk);
    keyfile_wipe(&ak, sizeof ak);
    return rc;
}

static int run_keygen(run_t *x)
{
    const char *prefix = x->o.out ? x->o.out : "./agent";
    keyfile_pair_t kp;
    int rc = keyfile_pair_new(&kp) || keyfile_pair_write(prefix, &kp) ? 1 : 0;
    if (!rc) {
        printf("wrote the secret key to %s.key (mode 0600)\n", prefix);
        printf("wrote the public key to %s.pub\n", prefix);
        printf("public key: %s\n", kp.pub);
    }
    keyfile_wipe(&kp, sizeof kp);
    return rc;
}

/* ---- agents ------------------------------------------------------------------ */

/* Ends a listing of n records: 0, or 1 if the store could not be read. */
static int listed(const run_t *x, int rc, int n, const char *what)
{
    if (rc < 0) {
        fprintf(stderr, "huddle: cannot read the %ss of %s: %s\n", what, x->store, store_strerror(rc));
        return 1;
    }
    printf("%d %s%s\n", n, what, n == 1 ? "" : "s");
    return 0;
}

/* Ends a change the registry checked (rc): 0 once committed, or 1 refused or failed. */
static int applied(run_t *x, int rc, const reject_t *r)
{
    if (rc)
        offline_print_reject(r);
    return rc ? 1 : commit(x);
}

/* Ends a change that carries a key: with --generate-key, writes the key files, which
 * go again if the commit fails. */
static int applied_with_key(run_t *x, int rc, const reject_t *r, const keyfile_pair_t *kp, bool generated)
{
    if (!rc && generated && keyfile_pair_write(x->o.generate_key, kp) != 0)
        return 1;
    if (applied(x, rc, r) == 0)
        return 0;
    if (!rc && generated)
        keyfile_pair_unlink(x->o.generate_key); /* the commit failed */
    return 1;
}

static void print_key(const run_t *x, const keyfile_pair_t *kp, bool generated)
{
    printf("public key: %s\n", kp->pub);
    if (generated)
        printf("wrote the secret key to %s.key (mode 0600)\nwrote the public key to %s.pub\n", x->o.generate_key,
               x->o.generate_key);
}

static const char *role_name(Huddle__Role role)
{
    const char *n = registry_role_name(role);
    return n ? n : "?";
}

/* The role named by --role; ROLE_UNSPECIFIED with a refusal on stderr if unknown. */
static Huddle__Role parse_role(const char *name, const char *field)
{
    Huddle__Role role = registry_role_from_name(name);
    if (role == HUDDLE__ROLE__ROLE_UNSPECIFIED) {
        fprintf(stderr, "huddle: %s: unknown role '%s'; ", field, name);
        print_roles(stderr, "one of");
    }
    return role;
}

static int run_agent_add(run_t *x)
{
    const reg_opts_t *o = &x->o;
    keyfile_pair_t kp;
    bool generated;
    Huddle__AgentAdd req = HUDDLE__AGENT_ADD__INIT;
    req.role = parse_role(o->role, "admin.agent_add.role");
    if (req.role == HUDDLE__ROLE__ROLE_UNSPECIFIED)
        return 1;
    int rc = key_from_opts(o, &kp, &generated);
    if (rc)
        return rc;
    req.agent_id = x->words[0];
    req.org_ods = (char *)o->org;
    req.n_neighbourhood_ids = o->n_neighbourhoods;
    req.neighbourhood_ids = (char **)o->neighbourhoods;
    req.hospital_ods = (char *)(o->hospital ? o->hospital : "");
    req.local_authority = (char *)(o->la ? o->la : "");
    req.display_name = (char *)(o->name ? o->name : x->words[0]);
    req.contact = (char *)(o->contact ? o->contact : "");
    req.curve_public_key.data = kp.raw;
    req.curve_public_key.len = sizeof kp.raw;
    reject_t r;
    rc = applied_with_key(x, registry_agent_add(x->txn, &req, x->now_ms, &r), &r, &kp, generated);
    if (!rc) {
        printf("added agent %s (%s, org %s)\n", req.agent_id, role_name(req.role), req.org_ods);
        print_key(x, &kp, generated);
    }
    keyfile_wipe(&kp, sizeof kp);
    return rc;
}

static int print_agent_row(const Huddle__AgentRecord *a, void *ctx)
{
    (*(int *)ctx)++;
    printf("%-24s %-17s %-10s %-8s %s\n", a->agent_id, role_name(a->role), a->org_ods,
           a->status == HUDDLE__AGENT_STATUS__AGENT_STATUS_ACTIVE ? "active" : "revoked", a->display_name);
    return 0;
}

static int run_agent_list(run_t *x)
{
    Huddle__AgentList f = HUDDLE__AGENT_LIST__INIT;
    if (x->o.role && (f.role = parse_role(x->o.role, "admin.agent_list.role")) == HUDDLE__ROLE__ROLE_UNSPECIFIED)
        return 1;
    f.org_ods = (char *)(x->o.org ? x->o.org : "");
    f.include_revoked = x->o.all;
    int n = 0;
    printf("%-24s %-17s %-10s %-8s %s\n", "AGENT", "ROLE", "ORG", "STATUS", "NAME");
    int rc = registry_agent_list(x->txn, &f, print_agent_row, &n);
    return listed(x, rc, n, "agent");
}

static void print_time(const char *label, int64_t ms)
{
    char buf[64] = "-";
    if (ms > 0 && hd_time_format(ms, buf, sizeof buf) != 0)
        snprintf(buf, sizeof buf, "%" PRId64 " ms", ms);
    printf("%-16s %s\n", label, buf);
}

static int run_agent_show(run_t *x)
{
    Huddle__AgentRecord *a;
    int rc = registry_agent_get(x->txn, x->words[0], &a);
    if (rc == STORE_ENOTFOUND) {
        fprintf(stderr, "huddle: agent_id: no agent %s\n", x->words[0]);
        return 1;
    }
    if (rc) {
        fprintf(stderr, "huddle: cannot read agent %s: %s\n", x->words[0], store_strerror(rc));
        return 1;
    }
    char z85[KEYFILE_Z85_LEN + 1] = "-";
    if (a->curve_public_key.len == REGISTRY_KEY_LEN)
        zmq_z85_encode(z85, a->curve_public_key.data, REGISTRY_KEY_LEN);
    bool active = a->status == HUDDLE__AGENT_STATUS__AGENT_STATUS_ACTIVE;
    printf("%-16s %s\n%-16s %s\n%-16s %s\n", "agent", a->agent_id, "role", role_name(a->role), "org", a->org_ods);
    printf("%-16s ", "neighbourhoods");
    for (size_t i = 0; i < a->n_neighbourhood_ids; i++)
        printf("%s%s", i ? ", " : "", a->neighbourhood_ids[i]);
    printf("%s\n", a->n_neighbourhood_ids ? "" : "-");
    printf("%-16s %s\n", "hospital", a->hospital_ods[0] ? a->hospital_ods : "-");
    printf("%-16s %s\n", "local authority", a->local_authority[0] ? a->local_authority : "-");
    printf("%-16s %s\n%-16s %s\n", "name", a->display_name, "contact", a->contact[0] ? a->contact : "-");
    printf("%-16s %s\n%-16s %s\n", "status", active ? "active" : "revoked", "public key", z85);
    print_time("created", a->created_at_ms);
    print_time("updated", a->updated_at_ms);
    print_time("key rotated", a->key_rotated_at_ms);
    if (!active) {
        print_time("revoked", a->revoked_at_ms);
        printf("%-16s %s\n", "revoke reason", a->revoke_reason);
    }
    huddle__agent_record__free_unpacked(a, NULL);
    return 0;
}

static int run_agent_revoke(run_t *x)
{
    reject_t r;
    if (applied(x, registry_agent_revoke(x->txn, x->words[0], x->o.reason, x->now_ms, &r), &r))
        return 1;
    printf("revoked agent %s: its key is taken out of the registry\n", x->words[0]);
    return 0;
}

static int run_agent_rotate(run_t *x)
{
    keyfile_pair_t kp;
    bool generated;
    int rc = key_from_opts(&x->o, &kp, &generated);
    if (rc)
        return rc;
    reject_t r;
    rc = registry_agent_rotate_key(x->txn, x->words[0], kp.raw, sizeof kp.raw, x->now_ms, &r);
    if (!(rc = applied_with_key(x, rc, &r, &kp, generated))) {
        printf("rotated the key of agent %s: the old key is taken out of the registry\n", x->words[0]);
        print_key(x, &kp, generated);
    }
    keyfile_wipe(&kp, sizeof kp);
    return rc;
}

/* ---- neighbourhoods and practices -------------------------------------------- */

static int run_nbh_add(run_t *x)
{
    Huddle__NeighbourhoodAdd req = HUDDLE__NEIGHBOURHOOD_ADD__INIT;
    req.neighbourhood_id = x->words[0];
    req.name = (char *)x->o.name;
    req.local_authority = (char *)x->o.la;
    Huddle__NeighbourhoodRecord *old = NULL;
    bool replaced = registry_neighbourhood_get(x->txn, req.neighbourhood_id, &old) == STORE_OK;
    if (old)
        huddle__neighbourhood_record__free_unpacked(old, NULL);
    reject_t r;
    if (applied(x, registry_neighbourhood_add(x->txn, &req, x->now_ms, &r), &r))
        return 1;
    printf("%s neighbourhood %s (%s, council area %s)\n", replaced ? "updated" : "added", req.neighbourhood_id,
           req.name, req.local_authority);
    return 0;
}

static int print_nbh_row(const Huddle__NeighbourhoodRecord *n, void *ctx)
{
    (*(int *)ctx)++;
    printf("%-32s %-10s %s\n", n->neighbourhood_id, n->local_authority, n->name);
    return 0;
}

static int run_nbh_list(run_t *x)
{
    int n = 0;
    printf("%-32s %-10s %s\n", "NEIGHBOURHOOD", "COUNCIL", "NAME");
    int rc = registry_neighbourhood_list(x->txn, x->o.la, print_nbh_row, &n);
    return listed(x, rc, n, "neighbourhood");
}

static int run_practice_add(run_t *x)
{
    Huddle__PracticeAdd req = HUDDLE__PRACTICE_ADD__INIT;
    req.ods = x->words[0];
    req.name = (char *)x->o.name;
    req.neighbourhood_id = (char *)x->o.neighbourhood;
    req.pcn_code = (char *)(x->o.pcn ? x->o.pcn : "");
    Huddle__PracticeRecord *old = NULL;
    bool replaced = registry_practice_get(x->txn, req.ods, &old) == STORE_OK;
    if (old)
        huddle__practice_record__free_unpacked(old, NULL);
    reject_t r;
    if (applied(x, registry_practice_add(x->txn, &req, x->now_ms, &r), &r))
        return 1;
    printf("%s practice %s (%s, neighbourhood %s)\n", replaced ? "updated" : "added", req.ods, req.name,
           req.neighbourhood_id);
    return 0;
}

static int print_practice_row(const Huddle__PracticeRecord *p, void *ctx)
{
    (*(int *)ctx)++;
    printf("%-8s %-24s %-8s %s\n", p->ods, p->neighbourhood_id, p->pcn_code[0] ? p->pcn_code : "-", p->name);
    return 0;
}

static int run_practice_list(run_t *x)
{
    int n = 0;
    printf("%-8s %-24s %-8s %s\n", "PRACTICE", "NEIGHBOURHOOD", "PCN", "NAME");
    int rc = registry_practice_list(x->txn, x->o.neighbourhood, print_practice_row, &n);
    return listed(x, rc, n, "practice");
}

/* ---- the command table ------------------------------------------------------ */

#define N_OPTS(t) (sizeof t / sizeof t[0])
#define OPTS(t) t, N_OPTS(t)

static const regcmd_t regcmds[] = {
    {NULL, "init", "", 0, "create the store, the broker's keypair and the first admin", OPTS(init_opts),
     NEEDS_NOTHING, run_init},
    {NULL, "keygen", "", 0, "write a new CURVE keypair: PREFIX.key (secret, 0600) and PREFIX.pub",
     OPTS(keygen_opts), NEEDS_NOTHING, run_keygen},
    {"agent", "add", " ID", 1, "register an agent with its public key", OPTS(agent_add_opts), WRITES,
     run_agent_add},
    {"agent", "list", "", 0, "list agents (active ones unless --all)", OPTS(agent_list_opts), READS,
     run_agent_list},
    {"agent", "show", " ID", 1, "show one agent's record", OPTS(help_only_opts), READS, run_agent_show},
    {"agent", "revoke", " ID", 1, "revoke an agent: its key is refused from then on", OPTS(agent_revoke_opts),
     WRITES, run_agent_revoke},
    {"agent", "rotate-key", " ID", 1, "replace an active agent's key; the old key is refused",
     OPTS(agent_rotate_opts), WRITES, run_agent_rotate},
    {"neighbourhood", "add", " ID", 1, "add a neighbourhood, or replace its record", OPTS(nbh_add_opts), WRITES,
     run_nbh_add},
    {"neighbourhood", "list", "", 0, "list neighbourhoods", OPTS(nbh_list_opts), READS, run_nbh_list},
    {"practice", "add", " ODS", 1, "add a GP practice to a neighbourhood, or replace its record",
     OPTS(practice_add_opts), WRITES, run_practice_add},
    {"practice", "list", "", 0, "list GP practices", OPTS(practice_list_opts), READS, run_practice_list},
};

#define N_REGCMDS (sizeof regcmds / sizeof regcmds[0])

static void group_usage(FILE *out, const char *group)
{
    fprintf(out, "usage: huddle [--store DIR] %s COMMAND [ARGS] [OPTIONS]\n\nCommands:\n", group);
    for (size_t i = 0; i < N_REGCMDS; i++) {
        if (!regcmds[i].group || strcmp(regcmds[i].group, group) != 0)
            continue;
        char left[40];
        snprintf(left, sizeof left, "%s%s", regcmds[i].name, regcmds[i].args);
        fprintf(out, "  %-22s %s\n", left, regcmds[i].summary);
    }
    fprintf(out, "\n`huddle %s COMMAND --help` shows a command's options.\n", group);
}

/* Runs the command `group name` (group NULL: a command of its own) on argv. */
static int run_named(const char *group, const char *name, const struct opts *o, char **argv)
{
    if (group && (!name || !strcmp(name, "--help") || !strcmp(name, "-h"))) {
        group_usage(name ? stdout : stderr, group);
        return name ? 0 : USAGE;
    }
    for (size_t i = 0; i < N_REGCMDS; i++) {
        const regcmd_t *c = &regcmds[i];
        if ((group ? c->group && !strcmp(c->group, group) : !c->group) && !strcmp(c->name, name))
            return run_cmd(c, huddle_store_path(o), argv);
    }
    fprintf(stderr, "huddle: unknown %s command '%s'\n\n", group ? group : "huddle", name);
    if (group)
        group_usage(stderr, group);
    return USAGE;
}

int cmd_agent(const struct opts *o, char **argv)
{
    return run_named("agent", argv[0], o, argv[0] ? argv + 1 : argv);
}

int cmd_neighbourhood(const struct opts *o, char **argv)
{
    return run_named("neighbourhood", argv[0], o, argv[0] ? argv + 1 : argv);
}

int cmd_practice(const struct opts *o, char **argv)
{
    return run_named("practice", argv[0], o, argv[0] ? argv + 1 : argv);
}

int cmd_init(const struct opts *o, char **argv)
{
    return run_named(NULL, "init", o, argv);
}

int cmd_keygen(const struct opts *o, char **argv)
{
    return run_named(NULL, "keygen", o, argv);
}
