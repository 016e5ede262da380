/*
 * test_audit — the audit trail on a real store: ids and index entries of an append,
 * look-ups by patient, by agent and by time, paging to an exact end, a corrupt record,
 * an aborted batch; then `huddle audit` as an IG officer runs it on a seeded store.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "audit.h"
#include "testutil.h"

#define T0 1700000000000LL /* 2023-11-14T22:13:20Z */
#define P1 "9434765919"
#define P2 "4010232137"
#define P3 "4857773457"

typedef struct {
    char dir[256];
    store_t *s;
    store_txn_t *txn;
    uint64_t ids[64]; /* what the last scan visited */
    size_t n;
    int stop_at;      /* the callback returns 7 at this visit (1-based); 0 never */
    char out[65536];
} fixture_t;

static int setup(void **state)
{
    fixture_t *f = calloc(1, sizeof *f);
    assert_non_null(f);
    assert_int_equal(tu_mkdtemp(f->dir, sizeof f->dir), 0);
    store_config_t cfg;
    store_config_defaults(&cfg);
    cfg.path = f->dir;
    cfg.map_initial = cfg.map_step = 4u << 20;
    assert_int_equal(store_open(&f->s, &cfg, NULL, 0), STORE_OK);
    assert_int_equal(store_batch_begin(f->s, &f->txn), STORE_OK);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture_t *f = *state;
    store_txn_end(&f->txn);
    store_close(&f->s);
    tu_rmtree(f->dir);
    free(f);
    return 0;
}

static void commit(fixture_t *f)
{
    assert_int_equal(store_batch_commit(&f->txn), STORE_OK);
    assert_int_equal(store_batch_begin(f->s, &f->txn), STORE_OK);
}

/* Appends a DELIVERY record; nhs may be "" (a registry change). Returns its id. */
static uint64_t add(fixture_t *f, const char *agent, const char *nhs, int64_t at_ms)
{
    Huddle__AuditRecord r = HUDDLE__AUDIT_RECORD__INIT;
    r.at_ms = at_ms;
    r.agent_id = (char *)agent;
    r.org_ods = (char *)"A81001";
    r.role = HUDDLE__ROLE__ROLE_GP_PRACTICE;
    r.nhs_number = (char *)nhs;
    r.event_seq = 40;
    r.purpose = nhs[0] ? HUDDLE__AUDIT_PURPOSE__AUDIT_PURPOSE_DELIVERY : HUDDLE__AUDIT_PURPOSE__AUDIT_PURPOSE_ADMIN;
    r.subscription = (char *)"inbox";
    r.description = (char *)"referral.created";
    assert_int_equal(audit_append(f->txn, &r), STORE_OK);
    return r.audit_id;
}

static int collect(const Huddle__AuditRecord *rec, void *ctx)
{
    fixture_t *f = ctx;
    assert_true(f->n < sizeof f->ids / sizeof f->ids[0]);
    f->ids[f->n++] = rec->audit_id;
    return f->stop_at && (int)f->n == f->stop_at ? 7 : 0;
}

/* Runs a scan into f->ids: its return value, with the cursor in *next. */
static int scan(fixture_t *f, audit_query_t q, uint64_t *next)
{
    f->n = 0;
    if (!q.limit)
        q.limit = 1000;
    return audit_scan(f->txn, &q, collect, f, next);
}

/* The scan visited exactly these ids (n of them), and ended with this cursor. */
static void assert_visited(const fixture_t *f, uint64_t next, uint64_t want_next, size_t n, ...)
{
    va_list ap;
    va_start(ap, n);
    if (f->n != n)
        fail_msg("visited %zu records, expected %zu", f->n, n);
    for (size_t i = 0; i < n; i++) {
        uint64_t want = va_arg(ap, uint64_t);
        if (f->ids[i] != want)
            fail_msg("record %zu has id %llu, expected %llu", i, (unsigned long long)f->ids[i],
                     (unsigned long long)want);
    }
    va_end(ap);
    assert_int_equal(next, want_next);
}

#define ID(n) ((uint64_t)(n))

static uint64_t entries(fixture_t *f, store_table_t t)
{
    store_stat_t st;
    assert_int_equal(store_stat(f->s, &st), STORE_OK);
    return st.entries[t];
}

/* ---- the module ---------------------------------------------------------------- */

static void test_append_ids_and_indexes(void **state)
{
    fixture_t *f = *state;
    assert_int_equal(add(f, "gp1", P1, T0), 1);
    assert_int_equal(add(f, "gp1", "", T0 + 1), 2);
    assert_int_equal(add(f, "hub", P2, T0 + 2), 3);
    commit(f);
    assert_int_equal(add(f, "gp1", P1, T0 + 3), 4); /* the counter goes on across batches */
    commit(f);
    assert_int_equal(entries(f, STORE_AUDIT), 4);
    assert_int_equal(entries(f, STORE_AUDIT_BY_PATIENT), 3); /* not the registry change */
    assert_int_equal(entries(f, STORE_AUDIT_BY_AGENT), 4);

    uint8_t key[32];
    store_val_t v;
    memcpy(key, P2, 10);
    store_key_u64(key + 10, 3);
    assert_int_equal(store_get(f->txn, STORE_AUDIT_BY_PATIENT, key, 18, &v), STORE_OK);
    assert_int_equal(v.len, 0);
    memcpy(key, "hub", 4); /* with its '\0' */
    store_key_u64(key + 4, 3);
    assert_int_equal(store_get(f->txn, STORE_AUDIT_BY_AGENT, key, 12, &v), STORE_OK);
    store_key_u64(key, 3);
    assert_int_equal(store_get(f->txn, STORE_AUDIT, key, 8, &v), STORE_OK);
    Huddle__AuditRecord *r = huddle__audit_record__unpack(NULL, v.len, v.data);
    assert_non_null(r);
    assert_int_equal(r->audit_id, 3);
    assert_string_equal(r->nhs_number, P2);
    assert_string_equal(r->agent_id, "hub");
    huddle__audit_record__free_unpacked(r, NULL);
}

static void test_scan_by_patient(void **state)
{
    fixture_t *f = *state;
    add(f, "gp1", P1, T0);
    add(f, "gp1", P2, T0 + 1);
    add(f, "hub", P1, T0 + 2);
    add(f, "gp1", "", T0 + 3);
    add(f, "mdt", P1, T0 + 4);
    add(f, "hub", P2, T0 + 5);
    commit(f);
    uint64_t next = 99;
    assert_int_equal(scan(f, (audit_query_t){.nhs_number = P1}, &next), 0);
    assert_visited(f, next, 0, 3, ID(1), ID(3), ID(5));
    assert_int_equal(scan(f, (audit_query_t){.nhs_number = P2}, &next), 0);
    assert_visited(f, next, 0, 2, ID(2), ID(6));
    assert_int_equal(scan(f, (audit_query_t){.nhs_number = P3}, &next), 0);
    assert_visited(f, next, 0, 0);
    assert_int_equal(scan(f, (audit_query_t){.nhs_number = "943476591"}, &next), 0); /* a prefix of P1 */
    assert_visited(f, next, 0, 0);
    assert_int_equal(scan(f, (audit_query_t){0}, &next), 0); /* everyone's, the registry change too */
    assert_visited(f, next, 0, 6, ID(1), ID(2), ID(3), ID(4), ID(5), ID(6));
}

static void test_scan_by_agent_not_by_prefix(void **state)
{
    fixture_t *f = *state;
    add(f, "gp10", P1, T0);
    add(f, "gp1", P1, T0 + 1);
    add(f, "gp1", "", T0 + 2);
    add(f, "gp10", P2, T0 + 3);
    add(f, "gp", P2, T0 + 4);
    commit(f);
    uint64_t next;
    assert_int_equal(scan(f, (audit_query_t){.agent_id = "gp1"}, &next), 0);
    assert_visited(f, next, 0, 2, ID(2), ID(3));
    assert_int_equal(scan(f, (audit_query_t){.agent_id = "gp10"}, &next), 0);
    assert_visited(f, next, 0, 2, ID(1), ID(4));
    assert_int_equal(scan(f, (audit_query_t){.agent_id = "gp"}, &next), 0);
    assert_visited(f, next, 0, 1, ID(5));
    assert_int_equal(scan(f, (audit_query_t){.agent_id = "g"}, &next), 0);
    assert_visited(f, next, 0, 0);
}

static void test_time_bounds(void **state)
{
    fixture_t *f = *state;
    for (int i = 0; i < 6; i++) /* at T0, T0+1000, ... T0+5000 */
        add(f, i % 2 ? "gp2" : "gp1", i < 3 ? P1 : P2, T0 + 1000 * i);
    commit(f);
    uint64_t next;
    /* from inclusive, to exclusive, on the main table and on both indexes */
    assert_int_equal(scan(f, (audit_query_t){.from_ms = T0 + 1000, .to_ms = T0 + 4000}, &next), 0);
    assert_visited(f, next, 0, 3, ID(2), ID(3), ID(4));
    assert_int_equal(scan(f, (audit_query_t){.nhs_number = P1, .from_ms = T0 + 1000, .to_ms = T0 + 4000}, &next),
                     0);
    assert_visited(f, next, 0, 2, ID(2), ID(3));
    assert_int_equal(scan(f, (audit_query_t){.agent_id = "gp1", .from_ms = T0 + 1, .to_ms = T0 + 4001}, &next), 0);
    assert_visited(f, next, 0, 2, ID(3), ID(5));
    assert_int_equal(scan(f, (audit_query_t){.from_ms = T0 + 4500}, &next), 0);
    assert_visited(f, next, 0, 1, ID(6));
    assert_int_equal(scan(f, (audit_query_t){.to_ms = T0 + 1000}, &next), 0);
    assert_visited(f, next, 0, 1, ID(1));
    assert_int_equal(scan(f, (audit_query_t){.from_ms = T0 + 9000}, &next), 0);
    assert_visited(f, next, 0, 0);
    assert_int_equal(scan(f, (audit_query_t){.from_ms = T0 + 3000, .to_ms = T0 + 3000}, &next), 0);
    assert_visited(f, next, 0, 0);
    /* the cursor and the lower bound together: whichever is later */
    assert_int_equal(scan(f, (audit_query_t){.from_ms = T0 + 1000, .after = 3}, &next), 0);
    assert_visited(f, next, 0, 3, ID(4), ID(5), ID(6));
}

/* The seek by time over a long trail with gaps in its ids (pruned records). */
static void test_time_seek_with_gaps(void **state)
{
    fixture_t *f = *state;
    for (int i = 0; i < 200; i++)
        add(f, "gp1", "", T0 + 10 * i);
    for (uint64_t id = 50; id <= 120; id++) { /* as a retention job would, with their index entries */
        uint8_t key[16];
        store_key_u64(key, id);
        assert_int_equal(store_del(f->txn, STORE_AUDIT, key, 8), STORE_OK);
        memcpy(key, "gp1", 4);
        store_key_u64(key + 4, id);
        assert_int_equal(store_del(f->txn, STORE_AUDIT_BY_AGENT, key, 12), STORE_OK);
    }
    commit(f);
    uint64_t next;
    /* id n is at T0 + 10 (n - 1) */
    assert_int_equal(scan(f, (audit_query_t){.from_ms = T0 + 10 * 30 + 1, .limit = 2}, &next), 0);
    assert_visited(f, next, 33, 2, ID(32), ID(33));
    assert_int_equal(scan(f, (audit_query_t){.from_ms = T0 + 10 * 60, .limit = 2}, &next), 0);
    assert_visited(f, next, 122, 2, ID(121), ID(122));
    assert_int_equal(scan(f, (audit_query_t){.agent_id = "gp1", .from_ms = T0 + 10 * 198, .limit = 5}, &next), 0);
    assert_visited(f, next, 0, 2, ID(199), ID(200));
    assert_int_equal(scan(f, (audit_query_t){.from_ms = T0 - 5, .limit = 1}, &next), 0);
    assert_visited(f, next, 1, 1, ID(1));
}

static void test_paging_to_an_exact_end(void **state)
{
    fixture_t *f = *state;
    for (int i = 0; i < 5; i++)
        add(f, "gp1", i == 4 ? P2 : P1, T0 + i);
    add(f, "hub", "", T0 + 5); /* after the last match: must not make another page */
    commit(f);
    uint64_t next;
    assert_int_equal(scan(f, (audit_query_t){.limit = 2}, &next), 0);
    assert_visited(f, next, 2, 2, ID(1), ID(2));
    assert_int_equal(scan(f, (audit_query_t){.limit = 2, .after = next}, &next), 0);
    assert_visited(f, next, 4, 2, ID(3), ID(4));
    assert_int_equal(scan(f, (audit_query_t){.limit = 2, .after = next}, &next), 0);
    assert_visited(f, next, 0, 2, ID(5), ID(6));

    assert_int_equal(scan(f, (audit_query_t){.nhs_number = P1, .limit = 2}, &next), 0);
    assert_visited(f, next, 2, 2, ID(1), ID(2));
    assert_int_equal(scan(f, (audit_query_t){.nhs_number = P1, .limit = 2, .after = 2}, &next), 0);
    assert_visited(f, next, 0, 2, ID(3), ID(4)); /* exactly the last two: no empty third page */
    assert_int_equal(scan(f, (audit_query_t){.agent_id = "gp1", .limit = 4}, &next), 0);
    assert_visited(f, next, 4, 4, ID(1), ID(2), ID(3), ID(4));
    assert_int_equal(scan(f, (audit_query_t){.agent_id = "gp1", .limit = 5}, &next), 0);
    assert_visited(f, next, 0, 5, ID(1), ID(2), ID(3), ID(4), ID(5));
    assert_int_equal(scan(f, (audit_query_t){.to_ms = T0 + 3, .limit = 3}, &next), 0);
    assert_visited(f, next, 0, 3, ID(1), ID(2), ID(3)); /* the next record is past the range */
    assert_int_equal(scan(f, (audit_query_t){.after = 6}, &next), 0);
    assert_visited(f, next, 0, 0);
    assert_int_equal(scan(f, (audit_query_t){.after = UINT64_MAX}, &next), 0);
    assert_visited(f, next, 0, 0);
}

static void test_callback_stops_and_bad_queries(void **state)
{
    fixture_t *f = *state;
    for (int i = 0; i < 4; i++)
        add(f, "gp1", P1, T0 + i);
    commit(f);
    uint64_t next = 99;
    f->stop_at = 2;
    assert_int_equal(scan(f, (audit_query_t){.nhs_number = P1, .limit = 2}, &next), 7);
    assert_int_equal(f->n, 2);
    assert_int_equal(next, 0);
    f->stop_at = 0;
    audit_query_t q = {.limit = 0};
    assert_int_equal(audit_scan(f->txn, &q, collect, f, &next), STORE_EINVAL);
    assert_int_equal(scan(f, (audit_query_t){.nhs_number = P1, .agent_id = "gp1"}, &next), STORE_EINVAL);
}

static void test_corrupt_records(void **state)
{
    fixture_t *f = *state;
    for (int i = 0; i < 3; i++)
        add(f, "gp1", P1, T0 + i);
    uint8_t key[32];
    store_key_u64(key, 2);
    assert_int_equal(store_put(f->txn, STORE_AUDIT, key, 8, "\xff\xff\xff", 3), STORE_OK);
    commit(f);
    uint64_t next = 99;
    assert_int_equal(scan(f, (audit_query_t){0}, &next), STORE_ECORRUPT);
    assert_int_equal(next, 0);
    assert_int_equal(scan(f, (audit_query_t){.nhs_number = P1}, &next), STORE_ECORRUPT);
    assert_int_equal(scan(f, (audit_query_t){.agent_id = "gp1", .after = 2}, &next), 0); /* past it */
    assert_visited(f, next, 0, 1, ID(3));

    /* an index entry whose record is gone */
    memcpy(key, P2, 10);
    store_key_u64(key + 10, 9);
    assert_int_equal(store_put(f->txn, STORE_AUDIT_BY_PATIENT, key, 18, "", 0), STORE_OK);
    assert_int_equal(scan(f, (audit_query_t){.nhs_number = P2}, &next), STORE_ECORRUPT);
    /* an index entry leading to another patient's record */
    store_key_u64(key + 10, 3);
    assert_int_equal(store_put(f->txn, STORE_AUDIT_BY_PATIENT, key, 18, "", 0), STORE_OK);
    assert_int_equal(scan(f, (audit_query_t){.nhs_number = P2, .to_ms = T0 + 100}, &next), STORE_ECORRUPT);
}

static void test_aborted_batch_leaves_nothing(void **state)
{
    fixture_t *f = *state;
    add(f, "gp1", P1, T0);
    add(f, "gp2", P2, T0 + 1);
    store_txn_end(&f->txn); /* aborted */
    assert_int_equal(store_batch_begin(f->s, &f->txn), STORE_OK);
    assert_int_equal(entries(f, STORE_AUDIT), 0);
    assert_int_equal(entries(f, STORE_AUDIT_BY_PATIENT), 0);
    assert_int_equal(entries(f, STORE_AUDIT_BY_AGENT), 0);
    uint64_t next;
    assert_int_equal(scan(f, (audit_query_t){.nhs_number = P1}, &next), 0);
    assert_visited(f, next, 0, 0);
    assert_int_equal(add(f, "gp1", P1, T0 + 2), 1); /* the counter went back with the batch */
}

/* ---- huddle audit ------------------------------------------------------------ */

/* A store with five records: two patients, an ADMIN change, a DENIED query whose reason
 * holds an escape sequence; then the store is closed, as for an operator's tool. */
static void seed(fixture_t *f)
{
    add(f, "gp-a81001", P1, T0);
    add(f, "hub-rxk", P2, T0 + 60000);
    add(f, "admin", "", T0 + 120000);
    Huddle__AuditRecord r = HUDDLE__AUDIT_RECORD__INIT;
    r.at_ms = T0 + 180000;
    r.agent_id = (char *)"auditor1";
    r.org_ods = (char *)"X26";
    r.role = HUDDLE__ROLE__ROLE_AUDITOR;
    r.nhs_number = (char *)P1;
    r.query_kind = HUDDLE__QUERY_KIND__QUERY_KIND_PATIENT_TIMELINE;
    r.purpose = HUDDLE__AUDIT_PURPOSE__AUDIT_PURPOSE_QUERY;
    r.purpose_text = (char *)"SAR \"17\"\x1b[2J\nfake";
    r.description = (char *)"timeline, 3 events";
    r.result_count = 3;
    assert_int_equal(audit_append(f->txn, &r), STORE_OK);
    add(f, "gp-a81001", P1, T0 + 86400000);
    assert_int_equal(store_batch_commit(&f->txn), STORE_OK);
    store_close(&f->s);
}

/* Runs huddle and keeps what it printed, less the lines valgrind adds when it traces
 * children ("==123== ..."). */
static int run(fixture_t *f, const char *const argv[])
{
    int rc = tu_run(argv, f->out, sizeof f->out);
    char *w = f->out;
    for (const char *line = f->out; *line;) {
        size_t len = strcspn(line, "\n");
        len += line[len] == '\n';
        if (!(line[0] == '=' && line[1] == '=')) {
            memmove(w, line, len);
            w += len;
        }
        line += len;
    }
    *w = '\0';
    return rc;
}

#define RUN(f, ...) run(f, (const char *[]){"huddle", "--store", (f)->dir, "audit", __VA_ARGS__, NULL})

static void assert_has(const fixture_t *f, const char *text)
{
    if (!strstr(f->out, text))
        fail_msg("output lacks \"%s\":\n%s", text, f->out);
}

static void assert_lacks(const fixture_t *f, const char *text)
{
    if (strstr(f->out, text))
        fail_msg("output has \"%s\":\n%s", text, f->out);
}

static size_t lines(const fixture_t *f)
{
    size_t n = 0;
    for (const char *p = f->out; *p; p++)
        n += *p == '\n';
    return n;
}

static void test_cmd_prints_the_trail(void **state)
{
    fixture_t *f = *state;
    seed(f);
    assert_int_equal(RUN(f, "--limit", "100"), 0);
    assert_has(f, "ID       TIME");
    assert_has(f, "2023-11-14T22:13:20.000Z gp-a81001");
    assert_has(f, "A81001     gp-practice       DELIVERY " P1 " 40       -                  inbox");
    assert_has(f, "referral.created");
    assert_has(f, "auditor1");
    assert_has(f, "auditor           QUERY    " P1);
    assert_has(f, "PATIENT_TIMELINE");
    assert_has(f, "ADMIN    -"); /* no patient in a registry change */
    assert_has(f, "(reason: SAR \"17\"?[2J?fake)"); /* an agent's text cannot move the cursor */
    assert_lacks(f, "\x1b");
    assert_has(f, "5 records\n");
    assert_lacks(f, "more:");
    assert_int_equal(lines(f), 7);
}

static void test_cmd_filters(void **state)
{
    fixture_t *f = *state;
    seed(f);
    assert_int_equal(RUN(f, "--patient", "943 476 5919"), 0);
    assert_has(f, "3 records\n");
    assert_lacks(f, P2);
    assert_lacks(f, "admin");
    assert_int_equal(RUN(f, "--agent", "hub-rxk"), 0);
    assert_has(f, P2);
    assert_has(f, "1 record\n");
    assert_int_equal(RUN(f, "--from", "2023-11-14T22:14:00Z", "--to", "2023-11-14"), 0);
    assert_has(f, "3 records\n"); /* --to a date takes in that whole day */
    assert_lacks(f, "gp-a81001");
    assert_int_equal(RUN(f, "--from", "2023-11-15", "--patient", P1), 0);
    assert_has(f, "1 record\n");
    assert_has(f, "2023-11-15T22:13:20.000Z");
    assert_int_equal(RUN(f, "--to", "2023-11-14T22:14:20.000+00:00"), 0);
    assert_has(f, "1 record\n"); /* a time is an exclusive bound: record 2 is at exactly that time */
    assert_int_equal(RUN(f, "--to", "2023-11-14T23:14:20.001+01:00"), 0);
    assert_has(f, "2 records\n");
}

static void test_cmd_refuses_bad_options(void **state)
{
    fixture_t *f = *state;
    seed(f);
    assert_int_equal(RUN(f, "--patient", "9434765918"), 2);
    assert_has(f, "--patient: not a valid NHS number");
    assert_lacks(f, "9434765918"); /* never echoed */
    assert_int_equal(RUN(f, "--patient", "12345"), 2);
    assert_int_equal(RUN(f, "--patient", P1, "--agent", "gp1"), 2);
    assert_has(f, "at most one of --patient and --agent");
    assert_int_equal(RUN(f, "--from", "2023-02-30"), 2);
    assert_has(f, "--from: not a date");
    assert_int_equal(RUN(f, "--to", "yesterday"), 2);
    assert_int_equal(RUN(f, "--from", "2023-11-15", "--to", "2023-11-14"), 2);
    assert_has(f, "--from must be before --to");
    assert_int_equal(RUN(f, "--limit", "0"), 2);
    assert_int_equal(RUN(f, "--limit", "100001"), 2);
    assert_int_equal(RUN(f, "--after", "-1"), 2);
    assert_int_equal(RUN(f, "stray"), 2);
    assert_int_equal(RUN(f, "--help"), 0);
    assert_has(f, "usage: huddle [--store DIR] audit [OPTIONS]");
    assert_has(f, "--patient NHS");
    assert_int_equal(run(f, (const char *[]){"huddle", "--store", "/nonexistent/store", "audit", NULL}), 1);
    assert_has(f, "/nonexistent/store");
}

static void test_cmd_json_lines(void **state)
{
    fixture_t *f = *state;
    seed(f);
    assert_int_equal(RUN(f, "--json", "--patient", P1), 0);
    assert_int_equal(lines(f), 3);
    for (const char *line = f->out; *line; line = strchr(line, '\n') + 1) {
        assert_int_equal(line[0], '{');
        assert_int_equal(strchr(line, '\n')[-1], '}');
    }
    assert_has(f, "{\"audit_id\":1,\"at\":\"2023-11-14T22:13:20.000Z\",\"at_ms\":1700000000000,");
    assert_has(f, "\"agent_id\":\"gp-a81001\",\"org_ods\":\"A81001\",\"role\":\"gp-practice\","
                  "\"purpose\":\"DELIVERY\",\"nhs_number\":\"" P1 "\",\"event_seq\":40,\"query_kind\":\"\","
                  "\"subscription\":\"inbox\",\"result_count\":0,\"purpose_text\":\"\","
                  "\"description\":\"referral.created\"}\n");
    assert_has(f, "\"query_kind\":\"PATIENT_TIMELINE\"");
    assert_has(f, "\"purpose_text\":\"SAR \\\"17\\\"\\u001b[2J\\u000afake\"");
    assert_lacks(f, "records");
}

static void test_cmd_paging(void **state)
{
    fixture_t *f = *state;
    seed(f);
    assert_int_equal(RUN(f, "--limit", "2"), 0);
    assert_has(f, "2 records\nmore: --after 2\n");
    assert_int_equal(RUN(f, "--limit", "2", "--after", "2"), 0);
    assert_has(f, "\n3        ");
    assert_has(f, "2 records\nmore: --after 4\n");
    assert_int_equal(RUN(f, "--limit", "2", "--after", "4"), 0);
    assert_has(f, "1 record\n");
    assert_lacks(f, "more:");
    assert_int_equal(RUN(f, "--patient", P1, "--limit", "2", "--after", "1"), 0);
    assert_has(f, "2 records\n"); /* 4 and 5: the last of this patient's, so no next page */
    assert_lacks(f, "more:");
    assert_int_equal(RUN(f, "--json", "--limit", "1"), 0);
    assert_has(f, "\n{\"next_after\":1}\n");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_append_ids_and_indexes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_scan_by_patient, setup, teardown),
        cmocka_unit_test_setup_teardown(test_scan_by_agent_not_by_prefix, setup, teardown),
        cmocka_unit_test_setup_teardown(test_time_bounds, setup, teardown),
        cmocka_unit_test_setup_teardown(test_time_seek_with_gaps, setup, teardown),
        cmocka_unit_test_setup_teardown(test_paging_to_an_exact_end, setup, teardown),
        cmocka_unit_test_setup_teardown(test_callback_stops_and_bad_queries, setup, teardown),
        cmocka_unit_test_setup_teardown(test_corrupt_records, setup, teardown),
        cmocka_unit_test_setup_teardown(test_aborted_batch_leaves_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cmd_prints_the_trail, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cmd_filters, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cmd_refuses_bad_options, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cmd_json_lines, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cmd_paging, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
