/*
 * test_neighbourhood_e2e — a neighbourhood's whole MDT cycle with real processes and
 * synthetic patients, as the README walks it: `huddle init`, `huddle demo` and
 * `huddle synth --register` make the store; the real huddled runs with CURVE; each
 * synthetic practice's extract goes in through `huddle-gp submit`; the coordinator
 * triages every referral, creates a session, builds and publishes its agenda, records
 * outcomes and closes it; each practice's `huddle-gp listen` hears the outcomes of its
 * own patients and nothing of the others'; the item left without an outcome comes first
 * on the next agenda.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "hd_time.h"
#include "tu_cli.h"

#define OUT_LEN (1 << 20)
#define PRACTICES 3
#define ITEMS_MAX 96

typedef struct {
    char dir[256];
    char store[300], server_key[300], coord[300], gp[PRACTICES][300], csv[PRACTICES][300];
    tu_broker_t broker;
    char out[OUT_LEN];
} fx_t;

#define RUN(f, ...) tu_run((const char *[]){__VA_ARGS__, NULL}, (f)->out, sizeof (f)->out)
#define AS(f, key) "--endpoint", (f)->broker.endpoint, "--server-key", (f)->server_key, "--key", (key), \
                   "--timeout", tu_under_valgrind() ? "60" : "10"

#define has(f, text) tu_has((f)->out, (text))

static int setup(void **state)
{
    fx_t *f = calloc(1, sizeof *f);
    assert_non_null(f);
    assert_int_equal(tu_mkdtemp(f->dir, sizeof f->dir), 0);
    char dir[sizeof f->dir];
    memcpy(dir, f->dir, sizeof dir);
    snprintf(f->store, sizeof f->store, "%s/store", dir);
    snprintf(f->server_key, sizeof f->server_key, "%s/keys/broker.pub", dir);
    snprintf(f->coord, sizeof f->coord, "%s/keys/coordinator-riverside.key", dir);
    for (int i = 0; i < PRACTICES; i++) {
        snprintf(f->gp[i], sizeof f->gp[i], "%s/keys/gp-z9900%d.key", dir, i + 1);
        snprintf(f->csv[i], sizeof f->csv[i], "%s/synth/Z9900%d.csv", dir, i + 1);
    }
    unsetenv("HUDDLE_SERVER_KEY");
    unsetenv("HUDDLE_SECRET_KEY");
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

typedef struct {
    char referral[33];
    char practice[11];
} item_t;

/* The items of an agenda table (`huddle-coordinator agenda`): rows start with their
 * position; the practice is the Z99 code and the referral the R-number. */
static size_t agenda_items(const char *out, item_t *items)
{
    size_t n = 0;
    for (const char *line = out; line && *line && n < ITEMS_MAX; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
        if (!isdigit((unsigned char)line[0]))
            continue;
        item_t it = {"", ""};
        char row[512];
        snprintf(row, sizeof row, "%.*s", (int)strcspn(line, "\n"), line);
        for (char *save = NULL, *w = strtok_r(row, " ,", &save); w; w = strtok_r(NULL, " ,", &save)) {
            if (w[0] == 'R' && isdigit((unsigned char)w[1]))
                snprintf(it.referral, sizeof it.referral, "%s", w);
            else if (!strncmp(w, "Z99", 3))
                snprintf(it.practice, sizeof it.practice, "%s", w);
        }
        if (it.referral[0] && it.practice[0])
            items[n++] = it;
    }
    return n;
}

static void test_mdt_cycle_with_synthetic_neighbourhood(void **state)
{
    fx_t *f = *state;
    char patients[16];
    snprintf(patients, sizeof patients, "%d", tu_under_valgrind() ? 900 : 3000);
    assert_int_equal(RUN(f, "huddle", "--store", f->store, "init"), 0);
    assert_int_equal(RUN(f, "huddle", "--store", f->store, "demo"), 0);
    char synth[300];
    snprintf(synth, sizeof synth, "%s/synth", f->dir);
    assert_int_equal(RUN(f, "huddle", "--store", f->store, "synth", "--out", synth, "--patients", patients,
                         "--practices", "3", "--register"),
                     0);
    if (tu_broker_start(&f->broker, f->dir, NULL) != 0)
        fail_msg("huddled did not start (log: %s)", f->broker.log);

    /* every practice's extract goes in, and a second run is all duplicates */
    long total = 0;
    for (int i = 0; i < PRACTICES; i++) {
        assert_int_equal(RUN(f, "huddle-gp", "submit", f->csv[i], AS(f, f->gp[i])), 0);
        long n = -1;
        const char *s = strstr(f->out, "submitted ");
        while (s && strstr(s + 1, "\nsubmitted "))
            s = strstr(s + 1, "\nsubmitted ") + 1; /* the summary is the last line */
        assert_non_null(s);
        assert_int_equal(sscanf(s, "submitted %ld,", &n), 1);
        assert_true(n > 0);
        has(f, "duplicates 0, already open 0, rejected 0, bad rows 0");
        total += n;
    }
    assert_int_equal(RUN(f, "huddle-gp", "submit", f->csv[0], AS(f, f->gp[0])), 0);
    has(f, "submitted 0, duplicates ");

    char want[256];
    assert_int_equal(RUN(f, "huddle-coordinator", "triage", "--all-submitted", "accept", "--reason",
                         "Referred for MDT review by the practice", AS(f, f->coord)),
                     0);
    snprintf(want, sizeof want, "riverside: accepted %ld, refused 0 of %ld submitted\n", total, total);
    has(f, want);

    char start[HD_TIME_ISO_LEN];
    hd_time_format(hd_time_now_ms() + 2 * HD_MS_PER_DAY, start, sizeof start);
    assert_int_equal(RUN(f, "huddle-coordinator", "create", "--start", start, "--minutes", "90", "--title",
                         "Riverside MDT", AS(f, f->coord)),
                     0);
    char session[33];
    snprintf(session, sizeof session, "%.*s", (int)strcspn(f->out, "\n"), f->out);
    assert_int_equal(RUN(f, "huddle-coordinator", "build", session, AS(f, f->coord)), 0);
    assert_int_equal(RUN(f, "huddle-coordinator", "agenda", session, AS(f, f->coord)), 0);
    item_t items[ITEMS_MAX];
    size_t n = agenda_items(f->out, items);
    assert_true(n >= 2);
    assert_int_equal(RUN(f, "huddle-coordinator", "publish", session, AS(f, f->coord)), 0);

    /* an outcome for every item but the last, which closing defers */
    for (size_t i = 0; i + 1 < n; i++) {
        assert_int_equal(RUN(f, "huddle-coordinator", "outcome", session, items[i].referral, "--decision",
                             "care-plan-agreed", "--lead", "Sam Lee, community matron", AS(f, f->coord)),
                         0);
        has(f, "CARE_PLAN_AGREED (seq ");
    }
    assert_int_equal(RUN(f, "huddle-coordinator", "close", session, AS(f, f->coord)), 0);

    /* each practice hears its own patients' outcomes, and nothing of the others' */
    for (int p = 0; p < PRACTICES; p++) {
        char ods[24];
        snprintf(ods, sizeof ods, "Z9900%d", p + 1);
        assert_int_equal(RUN(f, "huddle-gp", "listen", "--once", AS(f, f->gp[p])), 0);
        for (size_t i = 0; i < n; i++) {
            bool own = !strcmp(items[i].practice, ods);
            snprintf(want, sizeof want, "  %s  %s", items[i].referral,
                     i + 1 < n ? "outcome CARE_PLAN_AGREED; lead Sam Lee, community matron" : "status SCHEDULED -> DEFERRED");
            if (own != (strstr(f->out, want) != NULL))
                fail_msg("practice %s %s \"%s\":\n%s", ods, own ? "did not hear" : "heard", want, f->out);
            snprintf(want, sizeof want, "  %s  ", items[i].referral);
            if (!own && strstr(f->out, want))
                fail_msg("practice %s heard of another practice's referral %s", ods, items[i].referral);
        }
    }

    /* the deferred item leads the next session's agenda */
    assert_int_equal(RUN(f, "huddle-coordinator", "create", "--start", start, "--minutes", "30", AS(f, f->coord)), 0);
    snprintf(session, sizeof session, "%.*s", (int)strcspn(f->out, "\n"), f->out);
    assert_int_equal(RUN(f, "huddle-coordinator", "build", session, AS(f, f->coord)), 0);
    assert_int_equal(RUN(f, "huddle-coordinator", "agenda", session, AS(f, f->coord)), 0);
    item_t next[ITEMS_MAX];
    assert_true(agenda_items(f->out, next) >= 1);
    assert_string_equal(next[0].referral, items[n - 1].referral);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_mdt_cycle_with_synthetic_neighbourhood, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
