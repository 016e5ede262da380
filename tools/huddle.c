/*
 * huddle — the operator's command line: create a store, inspect it, back it up, edit
 * the registry of a stopped broker (init, keygen, agent, neighbourhood, practice:
 * tools/cmd_registry.c) and its trust agreements (agreement: tools/cmd_agreement.c),
 * and try a running broker with the publish and subscribe examples
 * (tools/cmd_pubsub.c), and make synthetic referral lists to try it with
 * (tools/cmd_synth.c).
 *
 * Each command is one row of the table below, run on the store named by --store,
 * $HUDDLE_STORE, or var/store. Commands that only read (stat, backup) open the store
 * read-only, so they are safe beside a running broker. Exit status: 0 done, 1 the
 * command failed (with a sentence on stderr), 2 the command line was wrong.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "store.h"

#define HUDDLE_VERSION "0.1.0"

typedef struct opts {
    const char *store_path;
} opts_t;

typedef struct {
    const char *name;
    const char *args;      /* usage of the arguments, "" for none */
    int nargs;             /* exact number of arguments; -1: any, the command checks them */
    const char *summary;
    int (*run)(const opts_t *o, char **argv);
} command_t;

static int cmd_stat(const opts_t *o, char **argv);
static int cmd_backup(const opts_t *o, char **argv);
static int cmd_help(const opts_t *o, char **argv);
static int cmd_version(const opts_t *o, char **argv);
/* tools/cmd_pubsub.c */
int cmd_publish(const opts_t *o, char **argv);
int cmd_subscribe(const opts_t *o, char **argv);
int cmd_clock(const opts_t *o, char **argv);
/* tools/cmd_bench.c */
int cmd_bench(const opts_t *o, char **argv);
/* tools/cmd_bench_agenda.c */
int cmd_bench_agenda(const opts_t *o, char **argv);
/* tools/cmd_registry.c */
int cmd_init(const opts_t *o, char **argv);
int cmd_keygen(const opts_t *o, char **argv);
int cmd_agent(const opts_t *o, char **argv);
int cmd_neighbourhood(const opts_t *o, char **argv);
int cmd_practice(const opts_t *o, char **argv);
/* tools/cmd_agreement.c */
int cmd_agreement(const opts_t *o, char **argv);
/* tools/cmd_demo.c */
int cmd_demo(const opts_t *o, char **argv);
/* tools/cmd_synth.c */
int cmd_synth(const opts_t *o, char **argv);
/* tools/cmd_audit.c */
int cmd_audit(const opts_t *o, char **argv);
/* tools/cmd_access.c */
int cmd_access(const opts_t *o, char **argv);
/* The store the command runs on, for the commands in other files. */
const char *huddle_store_path(const opts_t *o);

static const command_t commands[] = {
    {"init", "[OPTIONS]", -1, "create the store, the broker's keys and the first admin (--help)", cmd_init},
    {"keygen", "[--out PREFIX]", -1, "write a new CURVE keypair for an agent", cmd_keygen},
    {"agent", "COMMAND", -1, "add, list, show, revoke agents or rotate a key (offline)", cmd_agent},
    {"neighbourhood", "COMMAND", -1, "add or list neighbourhoods (offline)", cmd_neighbourhood},
    {"practice", "COMMAND", -1, "add or list GP practices (offline)", cmd_practice},
    {"agreement", "COMMAND", -1, "add, list or revoke trust agreements (offline)", cmd_agreement},
    {"demo", "[OPTIONS]", -1, "register a fictional demo neighbourhood, one agent per role (offline)", cmd_demo},
    {"synth", "[OPTIONS]", -1, "write a synthetic neighbourhood's referral lists, test data only (--help)", cmd_synth},
    {"stat", "", 0, "show the store's size, event log position and tables", cmd_stat},
    {"backup", "DEST", 1, "hot backup: a compacted, consistent copy written to DEST/data.mdb", cmd_backup},
    {"audit", "[OPTIONS]", -1, "print the audit trail by patient, agent or time (read-only; --help)", cmd_audit},
    {"access", "[--help]", -1, "print who may publish, receive and query what, as Markdown", cmd_access},
    {"publish", "[OPTIONS] TEXT", -1, "publish a MESSAGE event to a running broker (--help for options)", cmd_publish},
    {"subscribe", "[OPTIONS]", -1, "print a subscription's deliveries as they come, acking each", cmd_subscribe},
    {"clock", "[OPTIONS]", -1, "move the clock of a broker in test mode (--set, --advance)", cmd_clock},
    {"bench", "[OPTIONS]", -1, "measure throughput and latency against a broker; one JSON line", cmd_bench},
    {"bench-agenda", "[OPTIONS]", -1, "time building MDT agendas from a long waiting list; one JSON line",
     cmd_bench_agenda},
    {"help", "", 0, "show this help", cmd_help},
    {"version", "", 0, "show the version", cmd_version},
};

#define N_COMMANDS (sizeof commands / sizeof commands[0])

static void usage(FILE *out)
{
    fprintf(out, "usage: huddle [--store DIR] COMMAND [ARGS]\n\n"
                 "Huddle's command line: manage the store of a Huddle broker, and try a running one.\n\n"
                 "Commands:\n");
    for (size_t i = 0; i < N_COMMANDS; i++) {
        char left[32];
        snprintf(left, sizeof left, "%s %s", commands[i].name, commands[i].args);
        fprintf(out, "  %-22s %s\n", left, commands[i].summary);
    }
    fprintf(out, "\nOptions:\n"
                 "  --store DIR            the store directory (default: $HUDDLE_STORE, else var/store)\n"
                 "  -h, --help             show this help\n");
}

static int open_store(const opts_t *o, bool read_only, store_t **out)
{
    store_config_t cfg;
    store_config_defaults(&cfg);
    cfg.path = o->store_path;
    cfg.read_only = read_only;
    char why[512] = "";
    int rc = store_open(out, &cfg, why, sizeof why);
    if (rc)
        fprintf(stderr, "huddle: %s\n", why[0] ? why : store_strerror(rc));
    return rc;
}

const char *huddle_store_path(const opts_t *o)
{
    return o->store_path;
}

static void print_bytes(const char *label, size_t n)
{
    static const char *units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    double v = (double)n;
    size_t u = 0;
    while (v >= 1024 && u + 1 < sizeof units / sizeof units[0]) {
        v /= 1024;
        u++;
    }
    printf("%-14s %.1f %s\n", label, v, units[u]);
}

static int cmd_stat(const opts_t *o, char **argv)
{
    (void)argv;
    store_t *s;
    if (open_store(o, true, &s))
        return 1;
    store_stat_t st;
    int rc = store_stat(s, &st);
    if (rc) {
        fprintf(stderr, "huddle: cannot read %s: %s\n", o->store_path, store_strerror(rc));
        store_close(&s);
        return 1;
    }
    printf("%-14s %s\n", "store", o->store_path);
    printf("%-14s %u\n", "schema", STORE_SCHEMA_VERSION);
    printf("%-14s %" PRIu64 "\n", "last seq", st.last_seq);
    print_bytes("map size", st.map_size);
    print_bytes("used", st.used_bytes);
    printf("%-14s %u of %u\n", "readers", st.readers_used, st.readers_max);
    printf("tables\n");
    for (int t = 0; t < STORE_TABLE_COUNT; t++)
        printf("  %-18s %" PRIu64 "\n", store_table_name((store_table_t)t), st.entries[t]);
    store_close(&s);
    return 0;
}

static int cmd_backup(const opts_t *o, char **argv)
{
    store_t *s;
    if (open_store(o, true, &s))
        return 1;
    store_stat_t st;
    int rc = store_stat(s, &st);
    if (!rc)
        rc = store_backup(s, argv[0]);
    if (rc && store_last_error(s)[0])
        fprintf(stderr, "huddle: %s\n", store_last_error(s));
    else if (rc)
        fprintf(stderr, "huddle: backup failed: %s\n", store_strerror(rc));
    else
        printf("backed up %s (last seq %" PRIu64 " or later) to %s/data.mdb\n", o->store_path, st.last_seq,
               argv[0]);
    store_close(&s);
    return rc ? 1 : 0;
}

static int cmd_help(const opts_t *o, char **argv)
{
    (void)o;
    (void)argv;
    usage(stdout);
    return 0;
}

static int cmd_version(const opts_t *o, char **argv)
{
    (void)o;
    (void)argv;
    printf("huddle %s (store schema %u)\n", HUDDLE_VERSION, STORE_SCHEMA_VERSION);
    return 0;
}

int main(int argc, char **argv)
{
    opts_t o = {getenv("HUDDLE_STORE")};
    if (!o.store_path || !*o.store_path)
        o.store_path = "var/store";
    int i = 1;
    for (; i < argc && argv[i][0] == '-'; i++) {
        if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            usage(stdout);
            return 0;
        } else if (!strcmp(argv[i], "--store") && i + 1 < argc && argv[i + 1][0]) {
            o.store_path = argv[++i];
        } else {
            fprintf(stderr, "huddle: unknown option %s\n\n", argv[i]);
            usage(stderr);
            return 2;
        }
    }
    if (i == argc) {
        usage(stderr);
        return 2;
    }
    for (size_t c = 0; c < N_COMMANDS; c++) {
        if (strcmp(argv[i], commands[c].name) != 0)
            continue;
        int nargs = argc - i - 1;
        if (commands[c].nargs >= 0 && nargs != commands[c].nargs) {
            fprintf(stderr, "huddle: usage: huddle %s %s\n", commands[c].name, commands[c].args);
            return 2;
        }
        return commands[c].run(&o, argv + i + 1);
    }
    fprintf(stderr, "huddle: unknown command '%s'\n\n", argv[i]);
    usage(stderr);
    return 2;
}
