/*
 * cmd_audit — `huddle audit`: the audit trail (broker/audit.h) as an information
 * governance officer reads it, straight from the store, by patient, by agent and by
 * time range, one page at a time.
 *
 * Owns: the command's options, their checks (exit 2 for a bad NHS number, time or
 * combination), and the two output forms: an aligned table, or one JSON object per
 * line. The store is opened read-only and read in one snapshot, so the command is safe
 * beside a running broker and a page is consistent.
 *
 * It prints NHS numbers, because finding who saw a patient's data is what it is for;
 * its messages on stderr never repeat one, and it writes no log. Text that agents
 * supplied (the reason for a query) is printed with control characters replaced, so a
 * record cannot forge lines or move the terminal's cursor.
 */
#include <inttypes.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "hd_time.h"
#include "nhs.h"
#include "options.h"
#include "registry.h"
#include "store.h"

/* Called from the command table in huddle.c. */
struct opts;
const char *huddle_store_path(const struct opts *o);
int cmd_audit(const struct opts *o, char **argv);

#define USAGE 2
#define LIMIT_DEFAULT 100
#define LIMIT_MAX 100000
#define TEXT_MAX 1024 /* a field printed, after cleaning; the broker keeps texts to 256 bytes */

typedef struct {
    const char *patient, *agent, *from, *to;
    long limit, after;
    bool json, help;
} audit_opts_t;

#define OPT(flag_, arg_, type_, field, help_) \
    {.flag = flag_, .arg = arg_, .type = OPTIONS_##type_, .offset = offsetof(audit_opts_t, field), .help = help_}
#define NUM(flag_, arg_, field, min_, max_, help_)                                                               \
    {.flag = flag_, .arg = arg_, .type = OPTIONS_NUMBER, .offset = offsetof(audit_opts_t, field), .min = min_, \
     .max = max_, .help = help_}

static const options_row_t audit_opts[] = {
    OPT("--patient", "NHS", TEXT, patient, "only this patient's records (10 digits, or 943 476 5919)"),
    OPT("--agent", "ID", TEXT, agent, "only this agent's records"),
    OPT("--from", "TIME", TEXT, from, "at or after TIME: YYYY-MM-DD (from that day's start) or ISO-8601"),
    OPT("--to", "TIME", TEXT, to, "before TIME: YYYY-MM-DD (through the end of that day) or ISO-8601"),
    NUM("--limit", "N", limit, 1, LIMIT_MAX, "at most N records, 1 to 100000 (default 100)"),
    NUM("--after", "ID", after, 0, LONG_MAX, "only records after this audit id: the next page's cursor"),
    OPT("--json", "", FLAG, json, "one JSON object per line"),
    OPT("--help", "", FLAG, help, "show this help"),
};

#define N_AUDIT_OPTS (sizeof audit_opts / sizeof audit_opts[0])

static void usage(FILE *out)
{
    fprintf(out, "usage: huddle [--store DIR] audit [OPTIONS]\n\n"
                 "Print the audit trail: who received which patient's data, when and why, oldest first.\n"
                 "Reads the store read-only, so it is safe beside a running broker.\n\n"
                 "Options:\n");
    options_usage(out, audit_opts, N_AUDIT_OPTS, 20);
    fprintf(out, "\nAt most one of --patient and --agent. Times are UTC unless they carry an offset.\n"
                 "Purposes: DELIVERY (an event delivered to a subscription), QUERY (an answer sent),\n"
                 "ADMIN (a registry change), DENIED (a publish, subscription or query refused).\n"
                 "When more records match, the last line is \"more: --after ID\" (with --json,\n"
                 "{\"next_after\":ID}): run the command again with it for the next page.\n");
}

/* ---- checking the command line ----------------------------------------------- */

/* --from or --to into *ms: a date is its first millisecond, or for an upper bound the
 * first of the next day, so that a date bound takes in the whole day either way. */
static int parse_time(const char *flag, const char *s, bool upper, int64_t *ms)
{
    int32_t days;
    int rc = strlen(s) == HD_DATE_LEN - 1 ? hd_date_parse(s, strlen(s), &days) : hd_time_parse(s, strlen(s), ms);
    if (rc == HD_TIME_OK && strlen(s) == HD_DATE_LEN - 1)
        *ms = hd_date_to_ms(upper ? days + 1 : days);
    if (rc != HD_TIME_OK) {
        fprintf(stderr, "huddle: audit: %s: not a date (YYYY-MM-DD) or ISO-8601 time (2026-11-22T09:30:00Z): %s\n",
                flag, hd_time_strerror(rc));
        return -1;
    }
    /* 0 means "no bound" in a query, and no record is older than 1970 */
    if (*ms <= 0) {
        fprintf(stderr, "huddle: audit: %s: must be after 1970-01-01T00:00:00Z\n", flag);
        return -1;
    }
    return 0;
}

/* The query the options ask for; the normalised NHS number is kept in nhs. 0, or -1
 * with a sentence on stderr. */
static int make_query(const audit_opts_t *o, audit_query_t *q, char nhs[NHS_NUMBER_BUF])
{
    if (o->patient && o->agent) {
        fprintf(stderr, "huddle: audit: give at most one of --patient and --agent\n");
        return -1;
    }
    if (o->patient) {
        int rc = nhs_number_normalise(o->patient, nhs);
        if (rc != NHS_OK) { /* the reason only: never echo what may be a patient's number */
            fprintf(stderr, "huddle: audit: --patient: not a valid NHS number: %s\n", nhs_strerror(rc));
            return -1;
        }
        q->nhs_number = nhs;
    }
    q->agent_id = o->agent;
    if ((o->from && parse_time("--from", o->from, false, &q->from_ms)) ||
        (o->to && parse_time("--to", o->to, true, &q->to_ms)))
        return -1;
    if (o->from && o->to && q->from_ms >= q->to_ms) {
        fprintf(stderr, "huddle: audit: --from must be before --to\n");
        return -1;
    }
    q->after = (uint64_t)o->after;
    q->limit = (uint32_t)o->limit;
    return 0;
}

/* ---- printing ---------------------------------------------------------------- */

/* An enum value's name without its proto prefix ("DELIVERY"), "-" for 0, or the number. */
static const char *enum_name(const ProtobufCEnumDescriptor *d, int value, const char *prefix, char *buf,
                             size_t len)
{
    const ProtobufCEnumValue *v = protobuf_c_enum_descriptor_get_value(d, value);
    if (value == 0)
        return "-";
    if (v && !strncmp(v->name, prefix, strlen(prefix)))
        return v->name + strlen(prefix);
    snprintf(buf, len, "%d", value);
    return buf;
}

/* s with control characters replaced by '?', "-" when empty, truncated to fit buf. */
static const char *clean(const char *s, char *buf, size_t len)
{
    if (!s || !*s)
        return "-";
    size_t n = 0;
    for (; s[n] && n + 1 < len; n++)
        buf[n] = (unsigned char)s[n] < 0x20 || s[n] == 0x7f ? '?' : s[n];
    buf[n] = '\0';
    return buf;
}

static void json_string(const char *name, const char *s, bool last)
{
    printf("\"%s\":\"", name);
    for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
        if (*p == '"' || *p == '\\')
            printf("\\%c", *p);
        else if (*p < 0x20 || *p == 0x7f)
            printf("\\u%04x", *p);
        else
            putchar(*p);
    }
    printf("\"%s", last ? "}\n" : ",");
}

typedef struct {
    bool json;
    unsigned n;
} print_ctx_t;

/* One record a line; DESCRIPTION, last, is as long as it is. */
#define ROW_START "%-8s %-24s %-20s %-10s %-17s %-8s %-10s %-8s %-18s %-16s %s"

static int print_record(const Huddle__AuditRecord *r, void *ctx)
{
    print_ctx_t *p = ctx;
    p->n++;
    char at[HD_TIME_ISO_LEN], pbuf[16], qbuf[16];
    if (hd_time_format(r->at_ms, at, sizeof at) != HD_TIME_OK)
        snprintf(at, sizeof at, "%" PRId64 " ms", r->at_ms);
    const char *role = registry_role_name(r->role);
    const char *purpose = enum_name(&huddle__audit_purpose__descriptor, r->purpose, "AUDIT_PURPOSE_", pbuf, 16);
    const char *kind = enum_name(&huddle__query_kind__descriptor, r->query_kind, "QUERY_KIND_", qbuf, 16);
    if (p->json) {
        printf("{\"audit_id\":%" PRIu64 ",\"at\":\"%s\",\"at_ms\":%" PRId64 ",", r->audit_id, at, r->at_ms);
        json_string("agent_id", r->agent_id, false);
        json_string("org_ods", r->org_ods, false);
        json_string("role", role ? role : "", false);
        json_string("purpose", purpose, false);
        json_string("nhs_number", r->nhs_number, false);
        printf("\"event_seq\":%" PRIu64 ",", r->event_seq);
        json_string("query_kind", r->query_kind ? kind : "", false);
        json_string("subscription", r->subscription, false);
        printf("\"result_count\":%" PRIu32 ",", r->result_count);
        json_string("purpose_text", r->purpose_text, false);
        json_string("description", r->description, true);
        return 0;
    }
    char id[24], seq[24] = "-", agent[TEXT_MAX], org[TEXT_MAX], nhs[TEXT_MAX], sub[TEXT_MAX], desc[TEXT_MAX],
        reason[TEXT_MAX];
    snprintf(id, sizeof id, "%" PRIu64, r->audit_id);
    if (r->event_seq)
        snprintf(seq, sizeof seq, "%" PRIu64, r->event_seq);
    printf(ROW_START, id, at, clean(r->agent_id, agent, sizeof agent), clean(r->org_ods, org, sizeof org),
           role ? role : "-", purpose, clean(r->nhs_number, nhs, sizeof nhs), seq, kind,
           clean(r->subscription, sub, sizeof sub), clean(r->description, desc, sizeof desc));
    if (r->purpose_text && r->purpose_text[0]) /* the asker's own words, after the broker's */
        printf(" (reason: %s)", clean(r->purpose_text, reason, sizeof reason));
    putchar('\n');
    return 0;
}

/* ---- the command ------------------------------------------------------------- */

int cmd_audit(const struct opts *o, char **argv)
{
    audit_opts_t ao = {.limit = LIMIT_DEFAULT};
    size_t n_words = 0;
    if (options_parse(audit_opts, N_AUDIT_OPTS, argv, &ao, "audit", NULL, 0, &n_words)) {
        fputc('\n', stderr);
        usage(stderr);
        return USAGE;
    }
    if (ao.help) {
        usage(stdout);
        return 0;
    }
    audit_query_t q = {0};
    char nhs[NHS_NUMBER_BUF] = "";
    if (make_query(&ao, &q, nhs))
        return USAGE;

    const char *path = huddle_store_path(o);
    store_config_t cfg;
    store_config_defaults(&cfg);
    cfg.path = path;
    cfg.read_only = true;
    char why[512] = "";
    store_t *s = NULL;
    store_txn_t *txn = NULL;
    int rc = store_open(&s, &cfg, why, sizeof why);
    if (rc) {
        fprintf(stderr, "huddle: %s\n", why[0] ? why : store_strerror(rc));
        return 1;
    }
    print_ctx_t p = {.json = ao.json};
    uint64_t next_after = 0;
    if ((rc = store_read_begin(s, &txn)) == STORE_OK) {
        if (!ao.json)
            printf(ROW_START "\n", "ID", "TIME", "AGENT", "ORG", "ROLE", "PURPOSE", "NHS NUMBER", "SEQ", "QUERY",
                   "SUBSCRIPTION", "DESCRIPTION");
        rc = audit_scan(txn, &q, print_record, &p, &next_after);
    }
    store_txn_end(&txn);
    store_close(&s);
    if (rc) {
        fflush(stdout);
        fprintf(stderr, "huddle: audit: cannot read the audit trail of %s: %s\n", path, store_strerror(rc));
        return 1;
    }
    if (!ao.json)
        printf("%u record%s\n", p.n, p.n == 1 ? "" : "s");
    if (next_after)
        printf(ao.json ? "{\"next_after\":%" PRIu64 "}\n" : "more: --after %" PRIu64 "\n", next_after);
    return 0;
}
