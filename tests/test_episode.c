/*
 * test_episode — discharge episodes (broker/episode.c, episode_report.c) through the
 * broker's core (tu_inproc.h): a hub creating and updating an episode, every illegal
 * update refused naming its field, days delayed against hand-computed dates, discharge
 * (the practice told, the indexes moved), the placement and follow-up timers under the
 * test clock (at their due time, once across a restart, and not once the placement has
 * ended or the follow-up is in), and the rules of placement and follow-up reports.
 */
#include "tu_mdt.h"

#include "tu_episode_pub.h"

/* 2027-01-05T08:00:00Z, ten days before T0 (2027-01-15T08:00:00Z). */
#define ADMIT (T0 - 10 * DAY_MS)
#define EP "RXH:spell/001"
#define UPD "publish.event.episode_update."

/* ---- updates ------------------------------------------------------------------------ */

static void test_create_and_update(void **state)
{
    fx_t *f = *state;
    tu_episode_t t;
    uint64_t first = tu_ep_admit(f, &t, "hub-rxh", "RXH", "spell/001", 1, "A81001", ADMIT);

    Huddle__EpisodeRecord *rec = tu_ep_record(f, EP);
    assert_non_null(rec);
    assert_string_equal(rec->episode_id, EP);
    assert_string_equal(rec->hospital_ods, "RXH");
    assert_string_equal(rec->current->nhs_number, t.nhs);
    assert_int_equal(rec->current->status, EP_ST(NOT_READY));
    assert_string_equal(rec->current->criteria_to_reside, "06");
    assert_string_equal(rec->practice_ods, "A81001");
    assert_string_equal(rec->neighbourhood_id, "nb-north");
    assert_string_equal(rec->scope->local_authority, "E08000026");
    assert_string_equal(rec->hub_agent, "hub-rxh");
    assert_int_equal(rec->create_seq, first);
    assert_int_equal(rec->last_seq, first);
    assert_int_equal(rec->created_at_ms, T0);
    assert_int_equal(rec->days_delayed, 0);
    char journey[65];
    snprintf(journey, sizeof journey, "%s", rec->correlation_id);
    assert_true(journey[0] != '\0');
    huddle__episode_record__free_unpacked(rec, NULL);

    /* the event is about the patient and the episode, scoped to the hospital and the
     * patient's practice, neighbourhood and council */
    Huddle__Event *ev = tu_event(f, first);
    assert_string_equal(ev->subject->episode_id, EP);
    assert_string_equal(ev->subject->nhs_number, t.nhs);
    assert_string_equal(ev->scope->hospital_ods, "RXH");
    assert_string_equal(ev->scope->practice_ods, "A81001");
    assert_string_equal(ev->scope->neighbourhood_id, "nb-north");
    assert_string_equal(ev->scope->local_authority, "E08000026");
    huddle__event__free_unpacked(ev, NULL);
    assert_true(tu_ep_open_has(f, STORE_EPISODE_OPEN, "RXH", EP));
    assert_true(tu_ep_open_has(f, STORE_EPISODE_OPEN_AREA, "nb-north", EP));

    /* the next update replaces the whole state; what the assessment workflow set stays */
    tu_ep_set_provider(f, EP, "VHOME1", "A77");
    fx_clock(f, "hub-rxh", 0, HOUR_MS);
    tu_episode_ready(&t, "2027-01-10", EP_ST(AWAITING_PLACEMENT), EP_PW(2), "D1,A");
    t.u.ward = S("Ward 9");
    t.u.expected_discharge_date = S("2027-01-20");
    uint64_t second = tu_ok(f, "hub-rxh", &t.ev, NULL);
    rec = tu_ep_record(f, EP);
    assert_string_equal(rec->current->ward, "Ward 9");
    assert_string_equal(rec->current->criteria_to_reside, "");
    assert_string_equal(rec->current->discharge_ready_date, "2027-01-10");
    assert_int_equal(rec->current->n_delay_reasons, 2);
    assert_string_equal(rec->current->delay_reasons[0], "D1");
    assert_int_equal(rec->current->pathway, EP_PW(2));
    assert_int_equal(rec->days_delayed, 5); /* 2027-01-10 to 2027-01-15 */
    assert_int_equal(rec->create_seq, first);
    assert_int_equal(rec->last_seq, second);
    assert_int_equal(rec->created_at_ms, T0);
    assert_int_equal(rec->updated_at_ms, T0 + HOUR_MS);
    assert_string_equal(rec->correlation_id, journey);
    assert_string_equal(rec->scope->provider_ods, "VHOME1");
    assert_string_equal(rec->open_assessment_id, "A77");
    huddle__episode_record__free_unpacked(rec, NULL);
    ev = tu_event(f, second);
    assert_string_equal(ev->correlation_id, journey);
    assert_string_equal(ev->scope->provider_ods, "VHOME1");
    huddle__event__free_unpacked(ev, NULL);

    /* the neighbourhood index follows the patient's practice */
    t.u.registered_practice_ods = S("B82001");
    tu_ok(f, "hub-rxh", &t.ev, NULL);
    assert_false(tu_ep_open_has(f, STORE_EPISODE_OPEN_AREA, "nb-north", EP));
    assert_true(tu_ep_open_has(f, STORE_EPISODE_OPEN_AREA, "nb-south", EP));
    /* a practice the registry does not know: the practice alone */
    t.u.registered_practice_ods = S("C99999");
    uint64_t third = tu_ok(f, "hub-rxh", &t.ev, NULL);
    assert_false(tu_ep_open_has(f, STORE_EPISODE_OPEN_AREA, "nb-south", EP));
    assert_true(tu_ep_open_has(f, STORE_EPISODE_OPEN, "RXH", EP));
    ev = tu_event(f, third);
    assert_string_equal(ev->scope->practice_ods, "C99999");
    assert_string_equal(ev->scope->neighbourhood_id, "");
    assert_string_equal(ev->scope->local_authority, "");
    huddle__event__free_unpacked(ev, NULL);
}

static void test_illegal_updates(void **state)
{
    fx_t *f = *state;
    tu_episode_t t;
    char field[128], big[80];
    memset(big, 'w', 65);
    big[65] = '\0';
#define BASE() tu_episode(&t, "RXH", "spell/009", "9434765919", "A81001", ADMIT)
#define READY() tu_episode_ready(&t, "2027-01-10", EP_ST(AWAITING_CARE_PACKAGE), EP_PW(1), "E")
#define BAD(prepare, mutate, code, name)                                      \
    do {                                                                      \
        BASE();                                                               \
        prepare;                                                              \
        mutate;                                                               \
        snprintf(field, sizeof field, UPD "%s", name);                        \
        tu_refuse(f, "hub-rxh", &t.ev, REJ(code), field);                     \
    } while (0)
    BAD((void)0, t.u.hospital_ods = S("rxh"), INVALID, "hospital_ods");
    BAD((void)0, t.u.local_id = S(""), INVALID, "local_id");
    BAD((void)0, t.u.local_id = S("spell 1"), INVALID, "local_id");
    BAD((void)0, t.u.local_id = S("spell.1"), INVALID, "local_id");
    BAD((void)0, t.u.local_id = S("123456789012345678901234567890123"), INVALID, "local_id");
    BAD((void)0, t.u.nhs_number = S("9434765918"), INVALID, "nhs_number");
    BAD((void)0, t.u.ward = big, INVALID, "ward");
    BAD((void)0, t.u.admitted_at_ms = 0, INVALID, "admitted_at_ms");
    BAD((void)0, t.u.admitted_at_ms = T0 + 6 * MIN_MS, INVALID, "admitted_at_ms");
    BAD((void)0, t.u.criteria_to_reside = S("13"), INVALID, "criteria_to_reside");
    BAD((void)0, t.u.criteria_to_reside = S("6"), INVALID, "criteria_to_reside");
    BAD(READY(), t.u.discharge_ready_date = S("2027-02-30"), INVALID, "discharge_ready_date");
    BAD(READY(), t.u.discharge_ready_date = S("2027-01-16"), INVALID, "discharge_ready_date"); /* tomorrow */
    BAD(READY(), t.u.discharge_ready_date = S("2027-01-04"), INVALID, "discharge_ready_date"); /* before admission */
    BAD(READY(), t.u.criteria_to_reside = S("06"), INVALID, "discharge_ready_date"); /* both */
    BAD((void)0, t.u.status = EP_ST(UNSPECIFIED), INVALID, "status");
    BAD((void)0, t.u.criteria_to_reside = S(""), INVALID, "criteria_to_reside"); /* NOT_READY needs one */
    BAD((void)0, t.u.status = EP_ST(AWAITING_CARE_PACKAGE), INVALID, "discharge_ready_date");
    BAD(READY(), tu_episode_reasons(&t, "E,Z"), INVALID, "delay_reasons[1]");
    BAD(READY(), tu_episode_reasons(&t, "E,A,E"), INVALID, "delay_reasons[2]");
    BAD((void)0, tu_episode_reasons(&t, "A"), INVALID, "delay_reasons"); /* no ready date */
    BAD(READY(), t.u.expected_discharge_date = S("2027-01-04"), INVALID, "expected_discharge_date");
    BAD(READY(), t.u.expected_discharge_date = S("soon"), INVALID, "expected_discharge_date");
    BAD(READY(), t.u.discharged_at_ms = T0, INVALID, "discharged_at_ms"); /* not discharged */
    BAD(READY(), tu_episode_discharged(&t, 0, EP_PW(1)), INVALID, "discharged_at_ms");
    BAD(READY(), tu_episode_discharged(&t, T0 + 6 * MIN_MS, EP_PW(1)), INVALID, "discharged_at_ms");
    BAD(READY(), tu_episode_discharged(&t, ADMIT - 1, EP_PW(1)), INVALID, "discharged_at_ms");
    /* discharged on 2027-01-09, before the ready date 2027-01-10 */
    BAD(READY(), tu_episode_discharged(&t, T0 - 6 * DAY_MS, EP_PW(1)), INVALID, "discharged_at_ms");
    BAD(READY(), tu_episode_discharged(&t, T0, EP_PW(UNSPECIFIED)), INVALID, "pathway");
    BAD((void)0, t.u.registered_practice_ods = S("a81001"), INVALID, "registered_practice_ods");
#undef BAD
    /* discharge before admission, whatever the ready date says */
    BASE();
    tu_episode_discharged(&t, ADMIT - DAY_MS, EP_PW(0));
    tu_refuse(f, "hub-rxh", &t.ev, REJ(INVALID), UPD "discharged_at_ms");
    /* the subject must be the episode the update names */
    Huddle__Subject sub = HUDDLE__SUBJECT__INIT;
    BASE();
    sub.episode_id = S("RXH:spell/010");
    t.ev.subject = &sub;
    tu_refuse(f, "hub-rxh", &t.ev, REJ(INVALID), "publish.event.subject.episode_id");

    /* the limits themselves are fine: clock skew, a 32-byte local id, a 64-byte ward */
    BASE();
    t.u.admitted_at_ms = T0 + 4 * MIN_MS;
    t.u.local_id = S("12345678901234567890123456789012");
    big[64] = '\0';
    t.u.ward = big;
    tu_ok(f, "hub-rxh", &t.ev, NULL);
    Huddle__EpisodeRecord *rec = tu_ep_record(f, "RXH:12345678901234567890123456789012");
    assert_non_null(rec);
    huddle__episode_record__free_unpacked(rec, NULL);

    /* only the hub of the episode's hospital; nobody else publishes episodes */
    BASE();
    t.u.hospital_ods = S("RYY");
    tu_refuse(f, "hub-rxh", &t.ev, REJ(FORBIDDEN), "publish.event");
    tu_refuse(f, "gp-a1", BASE(), REJ(FORBIDDEN), "publish.event.kind");
    tu_refuse(f, "coord-n", BASE(), REJ(FORBIDDEN), "publish.event.kind");
    tu_ok(f, "hub-rxh", BASE(), NULL);
    /* another hospital's hub is refused FORBIDDEN before anything about the episode
     * (here another patient's number) is told */
    BASE();
    t.u.nhs_number = S("9876543210");
    tu_refuse(f, "hub-ryy", &t.ev, REJ(FORBIDDEN), "publish.event");

    /* the NHS number is fixed once the episode exists */
    Huddle__Frame *rj = tu_refused(f, "hub-rxh", &t.ev, REJ(CONFLICT), UPD "nhs_number");
    assert_string_equal(rj->rejected->current_state, "EPISODE_STATUS_NOT_READY");
    assert_string_equal(rj->rejected->conflicting_id, "RXH:spell/009");
    codec_frame_free(&rj);

    /* nothing after discharge */
    BASE();
    READY();
    tu_episode_discharged(&t, T0 - HOUR_MS, EP_PW(1));
    tu_ok(f, "hub-rxh", &t.ev, NULL);
    rj = tu_refused(f, "hub-rxh", &t.ev, REJ(CONFLICT), UPD "local_id");
    assert_string_equal(rj->rejected->current_state, "EPISODE_STATUS_DISCHARGED");
    assert_string_equal(rj->rejected->conflicting_id, "RXH:spell/009");
    codec_frame_free(&rj);
    READY(); /* back to awaiting a care package */
    t.u.discharged_at_ms = 0;
    rj = tu_refused(f, "hub-rxh", &t.ev, REJ(CONFLICT), UPD "local_id");
    codec_frame_free(&rj);
    rec = tu_ep_record(f, "RXH:spell/009");
    assert_int_equal(rec->current->status, EP_ST(DISCHARGED));
    huddle__episode_record__free_unpacked(rec, NULL);
#undef BASE
#undef READY
}

/* The site's own delay reasons: codes outside the list are refused, national or not. */
static void test_configured_delay_reasons(void **state)
{
    fx_t *f = *state;
    tu_episode_t t;
    snprintf(f->cfg.delay_reasons, sizeof f->cfg.delay_reasons, "%s", "A,B,C,D1,D2,E,F,G,H,I,O,X1");
    tu_ep_restart(f, T0);
    tu_episode(&t, "RXH", "spell/020", "9434765919", "A81001", ADMIT);
    tu_episode_ready(&t, "2027-01-10", EP_ST(AWAITING_PLACEMENT), EP_PW(2), "A,B,C,D1,D2,E,F,G,H,I,O,X1");
    tu_refuse(f, "hub-rxh", &t.ev, REJ(INVALID), UPD "delay_reasons"); /* 12: one too many */
    tu_episode_reasons(&t, "A,B,C,D1,D2,E,F,G,H,I,X1");
    tu_ok(f, "hub-rxh", &t.ev, NULL);

    snprintf(f->cfg.delay_reasons, sizeof f->cfg.delay_reasons, "%s", "A,D1,X1");
    tu_ep_restart(f, T0);
    tu_episode_reasons(&t, "X1,E");
    Huddle__Frame *rj = tu_refused(f, "hub-rxh", &t.ev, REJ(INVALID), UPD "delay_reasons[1]");
    assert_non_null(strstr(rj->rejected->reason, "A,D1,X1"));
    codec_frame_free(&rj);
    tu_episode_reasons(&t, "X1,D1");
    tu_ok(f, "hub-rxh", &t.ev, NULL);
    Huddle__EpisodeRecord *rec = tu_ep_record(f, "RXH:spell/020");
    assert_int_equal(rec->current->n_delay_reasons, 2);
    assert_string_equal(rec->current->delay_reasons[0], "X1");
    huddle__episode_record__free_unpacked(rec, NULL);
}

static uint32_t days_delayed(const char *ready, int64_t discharged_ms, int64_t now_ms)
{
    Huddle__EpisodeUpdate u = HUDDLE__EPISODE_UPDATE__INIT;
    Huddle__EpisodeRecord rec = HUDDLE__EPISODE_RECORD__INIT;
    u.discharge_ready_date = (char *)ready;
    u.discharged_at_ms = discharged_ms;
    rec.current = &u;
    return episode_days_delayed(&rec, now_ms);
}

/* Instants of the hand-computed cases. */
#define MAR_2_2027 INT64_C(1803945600000)     /* 2027-03-02T00:00:00Z */
#define MAR_2_2028 INT64_C(1835568000000)     /* 2028-03-02T00:00:00Z */
#define JAN_20_2359 (T0 + 5 * DAY_MS + 15 * HOUR_MS + 59 * MIN_MS) /* 2027-01-20T23:59Z */

static void test_days_delayed(void **state)
{
    fx_t *f = *state;
    /* full days from midnight of the ready date: 2027 is not a leap year, 2028 is */
    assert_int_equal(days_delayed("2027-02-27", 0, MAR_2_2027), 3);
    assert_int_equal(days_delayed("2028-02-27", 0, MAR_2_2028), 4);
    assert_int_equal(days_delayed("2027-03-02", 0, MAR_2_2027), 0);
    assert_int_equal(days_delayed("2027-03-01", 0, MAR_2_2027 - 1), 0);
    assert_int_equal(days_delayed("2027-03-01", 0, MAR_2_2027), 1);
    assert_int_equal(days_delayed("", 0, MAR_2_2027), 0);
    /* once discharged, to the discharge */
    assert_int_equal(days_delayed("2027-02-27", MAR_2_2027 - 1, MAR_2_2028), 2);

    /* through the broker: ready 2027-01-10, updated at T0 (01-15), on 01-20 at 23:59,
     * discharged on 01-21 at 00:30 */
    tu_episode_t t;
    tu_episode(&t, "RXH", "spell/030", "9434765919", "A81001", ADMIT);
    tu_episode_ready(&t, "2027-01-10", EP_ST(AWAITING_CARE_PACKAGE), EP_PW(1), "E");
    tu_ok(f, "hub-rxh", &t.ev, NULL);
    Huddle__EpisodeRecord *rec = tu_ep_record(f, "RXH:spell/030");
    assert_int_equal(rec->days_delayed, 5);
    huddle__episode_record__free_unpacked(rec, NULL);
    fx_clock(f, "hub-rxh", JAN_20_2359, 0);
    tu_ok(f, "hub-rxh", &t.ev, NULL);
    rec = tu_ep_record(f, "RXH:spell/030");
    assert_int_equal(rec->days_delayed, 10);
    huddle__episode_record__free_unpacked(rec, NULL);
    fx_clock(f, "hub-rxh", JAN_20_2359 + HOUR_MS, 0);
    tu_episode_discharged(&t, JAN_20_2359 + 31 * MIN_MS, EP_PW(1));
    tu_ok(f, "hub-rxh", &t.ev, NULL);
    fx_clock(f, "hub-rxh", 0, 30 * DAY_MS);
    rec = tu_ep_record(f, "RXH:spell/030");
    assert_int_equal(rec->days_delayed, 11);
    assert_int_equal(episode_days_delayed(rec, broker_now(f->b)), 11);
    huddle__episode_record__free_unpacked(rec, NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_create_and_update, tu_ep_setup, tu_ep_teardown),
        cmocka_unit_test_setup_teardown(test_illegal_updates, tu_ep_setup, tu_ep_teardown),
        cmocka_unit_test_setup_teardown(test_configured_delay_reasons, tu_ep_setup, tu_ep_teardown),
        cmocka_unit_test_setup_teardown(test_days_delayed, tu_ep_setup, tu_ep_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
