/*
 * test_discharge_e2e — a scripted day (and the three months after it) of a hospital's
 * discharge hub with real processes, as the README walks it: `huddle init` and
 * `huddle demo` make the store (with the demo's trust agreement); the real huddled runs
 * with CURVE in test mode; the hub feeds its episodes with `huddle-discharge feed`; the
 * trusted assessor assesses with `huddle-assessor`, the care home answers with
 * `huddle-provider` (a question answered, an acceptance, a decline as incomplete, one
 * left unanswered past its 24 hours); the hub discharges two patients; each practice's
 * `huddle-gp listen` hears of its own patient's discharge only; `huddle clock` moves the
 * broker's clock past the placement's end and the 91-day follow-up; the board printed by
 * `huddle-discharge board` matches what was scripted, counted by hand.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "hd_time.h"
#include "tu_cli.h"

#define OUT_LEN (1 << 16)

typedef struct {
    char dir[256];
    char store[300], server_key[300], hub[300], assessor[300], provider[300], gp1[300], gp2[300], admin[300];
    char csv[300];
    tu_broker_t broker;
    int32_t today; /* the real UTC day the script starts on */
    char out[OUT_LEN];
} fx_t;

#define RUN(f, ...) tu_run((const char *[]){__VA_ARGS__, NULL}, (f)->out, sizeof (f)->out)
#define AS(f, key) "--endpoint", (f)->broker.endpoint, "--server-key", (f)->server_key, "--key", (key), \
                   "--timeout", tu_under_valgrind() ? "60" : "10"

/* Patients, valid NHS numbers in the range kept for test data. */
#define NHS_E1 "9990000425" /* still meets a criterion to reside */
#define NHS_E2 "9990014132" /* pathway 2, nursing home */
#define NHS_E3 "9990027846" /* pathway 1, home care */
#define NHS_E4 "9990041555" /* pathway 0, awaiting transport */

#define has(f, text) tu_has((f)->out, (text))
#define lacks(f, text) tu_lacks((f)->out, (text))

/* "YYYY-MM-DD" of today + days, in buf (at least 11 bytes). */
static const char *day(const fx_t *f, int days, char *buf)
{
    hd_date_format(f->today + days, buf, 11);
    return buf;
}

/* Reads a key file's first line into the environment variable (huddle clock reads keys
 * from there). */
static void key_env(const char *var, const char *path)
{
    char key[128] = "";
    FILE *fp = fopen(path, "r");
    assert_non_null(fp);
    assert_non_null(fgets(key, sizeof key, fp));
    fclose(fp);
    key[strcspn(key, "\r\n")] = '\0';
    setenv(var, key, 1);
}

static void advance(fx_t *f, const char *by)
{
    key_env("HUDDLE_SERVER_KEY", f->server_key);
    key_env("HUDDLE_SECRET_KEY", f->admin);
    assert_int_equal(RUN(f, "huddle", "clock", "--endpoint", f->broker.endpoint, "--advance", by), 0);
    unsetenv("HUDDLE_SERVER_KEY");
    unsetenv("HUDDLE_SECRET_KEY");
}

static int setup(void **state)
{
    fx_t *f = calloc(1, sizeof *f);
    assert_non_null(f);
    assert_int_equal(tu_mkdtemp(f->dir, sizeof f->dir), 0);
    char dir[sizeof f->dir];
    memcpy(dir, f->dir, sizeof dir);
    snprintf(f->store, sizeof f->store, "%s/store", dir);
    snprintf(f->server_key, sizeof f->server_key, "%s/keys/broker.pub", dir);
    snprintf(f->hub, sizeof f->hub, "%s/keys/hub-rxh.key", dir);
    snprintf(f->assessor, sizeof f->assessor, "%s/keys/assessor-rxh.key", dir);
    snprintf(f->provider, sizeof f->provider, "%s/keys/carehome-vn.key", dir);
    snprintf(f->gp1, sizeof f->gp1, "%s/keys/gp-a81001.key", dir);
    snprintf(f->gp2, sizeof f->gp2, "%s/keys/gp-a81002.key", dir);
    snprintf(f->admin, sizeof f->admin, "%s/keys/admin.key", dir);
    snprintf(f->csv, sizeof f->csv, "%s/rxh-feed.csv", dir);
    unsetenv("HUDDLE_SERVER_KEY");
    unsetenv("HUDDLE_SECRET_KEY");
    /* the days delayed below are counted from today: keep clear of midnight */
    while ((hd_time_now_ms() + 3 * 60000) / HD_MS_PER_DAY != hd_time_now_ms() / HD_MS_PER_DAY)
        tu_sleep_ms(1000);
    f->today = hd_date_from_ms(hd_time_now_ms());
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx_t *f = *state;
    if (f->broker.pid > 0)
        tu_broker_stop(&f->broker, SIGKILL);
    tu_rmtree(f->dir);
    free(f);
    return 0;
}

/* The hub's extract: four patients on the wards, E1 on ward_e1. */
static void write_feed(fx_t *f, const char *ward_e1)
{
    char d[4][11], r[3][11];
    FILE *fp = fopen(f->csv, "w");
    assert_non_null(fp);
    fprintf(fp, "local_id,nhs_number,ward,admitted_at,criteria_to_reside,discharge_ready_date,pathway,status,"
                "delay_reasons,expected_discharge_date,discharged_at,registered_practice_ods\n");
    fprintf(fp, "E1,%s,%s,%sT10:00Z,06,,,not-ready,,,,A81001\n", NHS_E1, ward_e1, day(f, -13, d[0]));
    fprintf(fp, "E2,%s,Ward 9,%sT14:30Z,,%s,2,awaiting-placement,D2,,,A81001\n", NHS_E2, day(f, -22, d[1]),
            day(f, -5, r[0]));
    fprintf(fp, "E3,%s,Ward 9,%sT08:00Z,,%s,1,awaiting-care-package,E,,,A81002\n", NHS_E3, day(f, -18, d[2]),
            day(f, -3, r[1]));
    fprintf(fp, "E4,%s,AMU,%sT21:15Z,,%s,0,awaiting-transport,,%s,,A81002\n", NHS_E4, day(f, -8, d[3]),
            day(f, -1, r[2]), day(f, 0, d[0]));
    fclose(fp);
}

/* The assessment id `huddle-assessor submit` prints alone on its last line. */
static void submitted_id(const fx_t *f, char *id, size_t len)
{
    const char *end = f->out + strlen(f->out);
    while (end > f->out && end[-1] == '\n')
        end--;
    const char *start = end;
    while (start > f->out && start[-1] != '\n')
        start--;
    snprintf(id, len, "%.*s", (int)(end - start), start);
    if (id[0] != 'A')
        fail_msg("no assessment id in:\n%s", f->out);
}

static void submit(fx_t *f, const char *nhs, const char *episode, const char *service, const char *hours, char *id,
                   size_t len)
{
    char assessed[11];
    int rc = RUN(f, "huddle-assessor", "submit", "--nhs", nhs, "--episode", episode, "--provider", "VN123", "--service",
                 service, "--assessor-name", "Alex Reid, trusted assessor", "--assessed", day(f, 0, assessed),
                 "--recommendation", "Needs 24-hour care with two carers for transfers", "--hours", hours,
                 "--mobility", "Walks 5 m with a frame", "--transfers", "Two carers and a hoist", "--continence",
                 "Continent with prompting", "--cognition", "Mild dementia, has capacity for this decision",
                 "--behaviour", "None noted", "--skin", "Waterlow 15, intact", "--medication",
                 "Blister pack, prompting", "--nursing", "None", "--equipment", "Pressure-relieving mattress",
                 AS(f, f->assessor));
    if (rc != 0)
        fail_msg("submit exited %d:\n%s", rc, f->out);
    submitted_id(f, id, len);
}

static void board(fx_t *f)
{
    int rc = RUN(f, "huddle-discharge", "board", "--once", AS(f, f->hub));
    if (rc != 0)
        fail_msg("board exited %d:\n%s", rc, f->out);
}

static void test_a_day_of_discharges(void **state)
{
    fx_t *f = *state;
    char buf[11], want[256];
    assert_int_equal(RUN(f, "huddle", "--store", f->store, "init"), 0);
    assert_int_equal(RUN(f, "huddle", "--store", f->store, "demo"), 0);
    if (tu_broker_start(&f->broker, f->dir, NULL) != 0)
        fail_msg("huddled did not start (log: %s)", f->broker.log);

    /* 09:00 the hub's extract goes in; a second run stores nothing twice */
    write_feed(f, "Ward 7");
    assert_int_equal(RUN(f, "huddle-discharge", "feed", f->csv, AS(f, f->hub)), 0);
    has(f, "updated 4, already recorded 0, refused 0, bad rows 0");
    assert_int_equal(RUN(f, "huddle-discharge", "feed", f->csv, AS(f, f->hub)), 0);
    has(f, "updated 0, already recorded 4, refused 0, bad rows 0");
    /* 10:00 E1 has moved to Ward 8, 11:00 back on Ward 7: each extract stores only what
     * changed, the move back included */
    write_feed(f, "Ward 8");
    assert_int_equal(RUN(f, "huddle-discharge", "feed", f->csv, AS(f, f->hub)), 0);
    has(f, "updated 1, already recorded 3, refused 0, bad rows 0");
    write_feed(f, "Ward 7");
    assert_int_equal(RUN(f, "huddle-discharge", "feed", f->csv, AS(f, f->hub)), 0);
    has(f, "updated 1, already recorded 3, refused 0, bad rows 0");

    /* the board, counted by hand: E2 ready 5 days ago, E3 3, E4 1; E1 not ready */
    board(f);
    has(f, "Discharge board of RXH");
    has(f, "4 open episodes");
    has(f, "Delayed bed days: 9\n");
    has(f, "      1  D2: Awaiting nursing home placement or availability\n");
    has(f, "      1  E: Awaiting care package in own home\n");
    has(f, "      1  awaiting placement\n");
    has(f, "      1  not ready\n");
    lacks(f, NHS_E2); /* masked unless asked */
    const char *e2 = strstr(f->out, "RXH:E2"), *e3 = strstr(f->out, "RXH:E3"), *e4 = strstr(f->out, "RXH:E4"),
               *e1 = strstr(f->out, "RXH:E1");
    assert_true(e2 && e3 && e4 && e1);
    assert_true(e2 < e3 && e3 < e4 && e4 < e1); /* longest delayed first */

    /* the assessor assesses E2 for the care home's nursing beds; the home asks a question,
     * the assessor answers it, and the home accepts */
    char a_e2[40], a_e3[40], a_e1[40];
    submit(f, NHS_E2, "RXH:E2", "nursing", "0", a_e2, sizeof a_e2);
    assert_int_equal(RUN(f, "huddle-provider", "list", AS(f, f->provider)), 0);
    has(f, a_e2);
    assert_int_equal(RUN(f, "huddle-provider", "query", a_e2, "--question", "Does she need a hoist at night?",
                         AS(f, f->provider)),
                     0);
    assert_int_equal(RUN(f, "huddle-assessor", "listen", "--once", AS(f, f->assessor)), 0);
    has(f, "Does she need a hoist at night?");
    assert_int_equal(RUN(f, "huddle-assessor", "info", a_e2, "--answer", "Yes, two carers with a ceiling hoist",
                         AS(f, f->assessor)),
                     0);
    /* a second answer to an answered question is refused by the broker, naming the state */
    assert_int_equal(RUN(f, "huddle-assessor", "info", a_e2, "--answer", "And again", AS(f, f->assessor)), 1);
    has(f, "AWAITING_RESPONSE");
    assert_int_equal(RUN(f, "huddle-provider", "accept", a_e2, "--start", day(f, 2, buf), AS(f, f->provider)), 0);
    snprintf(want, sizeof want, "accepted %s", a_e2);
    has(f, want);
    assert_int_equal(RUN(f, "huddle-provider", "decline", a_e2, "--reason", "no-capacity", AS(f, f->provider)), 1);

    /* E1 is assessed too early: the home declines it as incomplete */
    submit(f, NHS_E1, "RXH:E1", "residential", "0", a_e1, sizeof a_e1);
    assert_int_equal(RUN(f, "huddle-provider", "decline", a_e1, "--reason", "assessment-incomplete", "--text",
                         "No falls history", AS(f, f->provider)),
                     0);

    /* E3's home care assessment waits unanswered: after 24 hours the hub and the assessor
     * hear of it */
    submit(f, NHS_E3, "RXH:E3", "home-care", "14", a_e3, sizeof a_e3);
    assert_int_equal(RUN(f, "huddle-assessor", "listen", "--once", AS(f, f->assessor)), 0);
    lacks(f, "escalat");
    advance(f, "1441m");
    assert_int_equal(RUN(f, "huddle-assessor", "listen", "--once", AS(f, f->assessor)), 0);
    has(f, "escalat");
    board(f);
    snprintf(want, sizeof want, "%s", a_e3);
    has(f, want); /* still the open assessment on E3's row */
    assert_int_equal(RUN(f, "huddle-provider", "accept", a_e3, "--start", day(f, 2, buf), AS(f, f->provider)), 0);

    /* the next morning the hub discharges E2 (pathway 2) and E3 (pathway 1) */
    char disch[64];
    snprintf(disch, sizeof disch, "%sT00:30Z", day(f, 0, buf));
    assert_int_equal(RUN(f, "huddle-discharge", "update", "--local-id", "E2", "--nhs", NHS_E2, "--admitted",
                         "yesterday", "--status", "discharged", AS(f, f->hub)),
                     2); /* a malformed time is named before anything is sent */
    has(f, "--admitted");
    char adm2[32], adm3[32], r2[11], r3[11];
    snprintf(adm2, sizeof adm2, "%sT14:30Z", day(f, -22, buf));
    snprintf(adm3, sizeof adm3, "%sT08:00Z", day(f, -18, buf));
    day(f, -5, r2);
    day(f, -3, r3);
    assert_int_equal(RUN(f, "huddle-discharge", "update", "--local-id", "E2", "--nhs", NHS_E2, "--admitted", adm2,
                         "--ready", r2, "--pathway", "2", "--status", "discharged", "--discharged", disch,
                         "--ward", "Ward 9", "--practice", "A81001", AS(f, f->hub)),
                     0);
    assert_int_equal(RUN(f, "huddle-discharge", "update", "--local-id", "E3", "--nhs", NHS_E3, "--admitted", adm3,
                         "--ready", r3, "--pathway", "1", "--status", "discharged", "--discharged", disch,
                         "--ward", "Ward 9", "--practice", "A81002", AS(f, f->hub)),
                     0);
    /* nothing after discharge but reports */
    assert_int_equal(RUN(f, "huddle-discharge", "update", "--local-id", "E2", "--nhs", NHS_E2, "--admitted", adm2,
                         "--ready", r2, "--pathway", "2", "--status", "awaiting-placement", AS(f, f->hub)),
                     1);
    has(f, "DISCHARGED");

    /* each practice hears of its own patient's discharge, and only that */
    assert_int_equal(RUN(f, "huddle-gp", "listen", "--once", "--show-nhs", AS(f, f->gp1)), 0);
    has(f, "RXH:E2 (NHS 999 001 4132)  notification to A81001: A patient of the practice was discharged");
    lacks(f, "RXH:E3");
    assert_int_equal(RUN(f, "huddle-gp", "listen", "--once", "--show-nhs", AS(f, f->gp2)), 0);
    has(f, "RXH:E3 (NHS 999 002 7846)  notification to A81002: A patient of the practice was discharged");
    lacks(f, "RXH:E2");

    /* two open episodes are left: E4 now 2 days delayed, E1 not ready */
    board(f);
    has(f, "2 open episodes");
    has(f, "Delayed bed days: 2\n");
    lacks(f, "RXH:E2");

    /* the care home reports the placement ended on day 20: no six-week alert follows */
    advance(f, "20d");
    assert_int_equal(RUN(f, "huddle-provider", "placement", "RXH:E2", "--ended", "--date", day(f, 20, buf),
                         "--destination", "home", "--outcome", "Home with her daughter", AS(f, f->provider)),
                     0);
    has(f, "end of placement of RXH:E2 reported");
    advance(f, "30d"); /* past six weeks */
    board(f);
    has(f, "Pathway 2 placements past six weeks: 0");

    /* 91 days after E3's discharge the follow-up is due; the home reports it */
    advance(f, "41d");
    assert_int_equal(RUN(f, "huddle-provider", "follow-up", "RXH:E3", "--result", "at-home", "--date",
                         day(f, 92, buf), AS(f, f->provider)),
                     0);
    has(f, "91-day follow-up of RXH:E3 reported");
    assert_int_equal(RUN(f, "huddle-provider", "follow-up", "RXH:E3", "--result", "at-home", "--date",
                         day(f, 92, buf), "--notes", "again", AS(f, f->provider)),
                     1);
    board(f);
    has(f, "Pathway 1 at home at 91 days: 1/1 (100%)");
    has(f, "Pathway 2 placements past six weeks: 0");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_a_day_of_discharges, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
