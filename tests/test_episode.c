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
#include "record.h"

/* 2027-01-05T08:00:00Z, ten days before T0 (2027-01-15T08:00:00Z). */
#define ADMIT (T0 - 10 * DAY_MS)
#define EP "RXH:spell/001"
#define UPD "publish.event.episode_update."
#define TK(name) HUDDLE__TIMER_KIND__TIMER_KIND_##name

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
    Huddle__Event *ev = event_at(f, first);
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
    ev = event_at(f, second);
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
    ev = event_at(f, third);
    assert_string_equal(ev->scope->practice_ods, "C99999");
    assert_string_equal(ev->scope->neighbourhood_id, "");
    assert_string_equal(ev->scope->local_authority, "");
    huddle__event__free_unpacked(ev, NULL);
}

#define EP2 "RXH:spell/002"

/* The registry's practice ods now in neighbourhood nbh, as an administrator's change
 * of the registry leaves it. */
static void move_practice(fx_t *f, const char *ods, const char *nbh)
{
    broker_commit(f->b);
    store_txn_t *w;
    store_val_t v;
    assert_int_equal(store_batch_begin(f->store, &w), STORE_OK);
    assert_int_equal(store_get(w, STORE_PRACTICES, ods, strlen(ods), &v), STORE_OK);
    Huddle__PracticeRecord *p = huddle__practice_record__unpack(NULL, v.len, v.data);
    assert_non_null(p);
    char *old = p->neighbourhood_id;
    p->neighbourhood_id = (char *)nbh;
    size_t len = 0;
    uint8_t *bytes = record_pack(&p->base, &len);
    p->neighbourhood_id = old;
    assert_non_null(bytes);
    assert_int_equal(store_put(w, STORE_PRACTICES, ods, strlen(ods), bytes, len), STORE_OK);
    free(bytes);
    huddle__practice_record__free_unpacked(p, NULL);
    assert_int_equal(store_batch_commit(&w), STORE_OK);
}

/* An update that repeats the recorded state stores nothing and is answered as a
 * duplicate of the update that recorded it, whatever its message id; a return to an
 * earlier state is a change, and stored. */
static void test_unchanged_update(void **state)
{
    fx_t *f = *state;
    tu_episode_t t;
    uint64_t first = tu_ep_admit(f, &t, "hub-rxh", "RXH", "spell/002", 2, "A81001", ADMIT);
    uint64_t last = tu_last_seq(f);
    fx_clock(f, "hub-rxh", 0, HOUR_MS);
    Huddle__Frame *r = tu_send(f, "hub-rxh", &t.ev);
    assert_int_equal(r->body_case, HUDDLE__FRAME__BODY_ACCEPTED);
    assert_true(r->accepted->duplicate);
    assert_int_equal(r->accepted->seq, first);
    assert_int_equal(r->accepted->received_at_ms, T0);
    codec_frame_free(&r);
    assert_int_equal(tu_last_seq(f), last);
    Huddle__EpisodeRecord *rec = tu_ep_record(f, EP2);
    assert_int_equal(rec->last_seq, first);
    assert_int_equal(rec->updated_at_ms, T0);
    huddle__episode_record__free_unpacked(rec, NULL);

    /* moved to another ward and back: both stored */
    t.u.ward = S("Ward 9");
    uint64_t moved = tu_ok(f, "hub-rxh", &t.ev, NULL);
    assert_true(moved > first);
    t.u.ward = S("Ward 7"); /* tu_episode's */
    uint64_t back = tu_ok(f, "hub-rxh", &t.ev, NULL);
    assert_true(back > moved);
    rec = tu_ep_record(f, EP2);
    assert_string_equal(rec->current->ward, "Ward 7");
    assert_int_equal(rec->update_seq, back);
    huddle__episode_record__free_unpacked(rec, NULL);
    r = tu_send(f, "hub-rxh", &t.ev);
    assert_true(r->accepted->duplicate);
    assert_int_equal(r->accepted->seq, back);
    codec_frame_free(&r);

    /* the registry moving the practice to another neighbourhood changes the scope: the
     * same update is stored, and the episode follows the practice */
    move_practice(f, "A81001", "nb-south");
    uint64_t south = tu_ok(f, "hub-rxh", &t.ev, NULL);
    assert_true(south > back);
    assert_true(tu_ep_open_has(f, STORE_EPISODE_OPEN_AREA, "nb-south", EP2));
    r = tu_send(f, "hub-rxh", &t.ev);
    assert_true(r->accepted->duplicate);
    assert_int_equal(r->accepted->seq, south);
    codec_frame_free(&r);

    /* a discharge sent again (a feed run twice) is the same answer, not a CONFLICT;
     * anything else after it is */
    tu_episode_ready(&t, "2027-01-10", EP_ST(AWAITING_PLACEMENT), EP_PW(2), "D1");
    tu_ok(f, "hub-rxh", &t.ev, NULL);
    uint64_t out = tu_ok(f, "hub-rxh", tu_episode_discharged(&t, T0, EP_PW(2)), NULL);
    last = tu_last_seq(f);
    r = tu_send(f, "hub-rxh", &t.ev);
    assert_true(r->accepted->duplicate);
    assert_int_equal(r->accepted->seq, out);
    codec_frame_free(&r);
    assert_int_equal(tu_last_seq(f), last);
    t.u.ward = S("Ward 9");
    tu_refuse(f, "hub-rxh", &t.ev, HUDDLE__REJECT_CODE__REJECT_CODE_CONFLICT, "publish.event.episode_update.local_id");
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
    t.u.ward = S("Discharge lounge"); /* the same discharge again is a duplicate (test_unchanged_update) */
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
    rec = tu_ep_record(f, "RXH:spell/030");
    assert_int_equal(episode_days_delayed(rec, broker_now(f->b)), 10); /* as a query reads it */
    huddle__episode_record__free_unpacked(rec, NULL);
    t.u.ward = S("Ward 2"); /* an update stores it anew */
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

/* ---- discharge ---------------------------------------------------------------------- */

/* Discharged an hour before T0, 2027-01-15T07:00:00Z. */
#define DIS (T0 - HOUR_MS)

/* Patient `patient` of practice at RXH (local id local), ready since 2027-01-10 and
 * discharged at DIS on pathway: the discharge's seq; t keeps the episode. */
static uint64_t discharge(fx_t *f, tu_episode_t *t, const char *local, unsigned patient, const char *practice,
                          Huddle__Pathway pathway)
{
    tu_ep_admit(f, t, "hub-rxh", "RXH", local, patient, practice, ADMIT);
    tu_episode_ready(t, "2027-01-10", EP_ST(AWAITING_PLACEMENT), pathway, "D1");
    tu_ok(f, "hub-rxh", &t->ev, NULL);
    return tu_ok(f, "hub-rxh", tu_episode_discharged(t, DIS, pathway), NULL);
}

#define NKIND(name) counts[KIND(name)]

static void test_discharge_notifies_the_practice(void **state)
{
    fx_t *f = *state;
    const char *listeners[] = {"gp-a1", "gp-a2", "coord-n", "coord-s", "mdt-n", "sc-n", "sc-s", "hub-rxh", "hub-ryy"};
    char rid[32];
    for (size_t i = 0; i < sizeof listeners / sizeof listeners[0]; i++) {
        snprintf(rid, sizeof rid, "%s#sub", listeners[i]);
        tu_subscribe(f, rid, listeners[i]);
    }
    tu_episode_t t;
    uint64_t seq = discharge(f, &t, "spell/040", 1, "A81001", EP_PW(0));
    const char *id = "RXH:spell/040";

    Huddle__EpisodeRecord *rec = tu_ep_record(f, id);
    assert_int_equal(rec->current->status, EP_ST(DISCHARGED));
    assert_int_equal(rec->current->discharged_at_ms, DIS);
    assert_int_equal(rec->days_delayed, 5);
    huddle__episode_record__free_unpacked(rec, NULL);
    /* out of the open indexes, into the discharges of the hospital and neighbourhood */
    assert_false(tu_ep_open_has(f, STORE_EPISODE_OPEN, "RXH", id));
    assert_false(tu_ep_open_has(f, STORE_EPISODE_OPEN_AREA, "nb-north", id));
    episode_discharge_t d;
    assert_int_equal(tu_ep_discharges(f, true, "RXH", id, &d), 1);
    assert_int_equal(d.discharged_at_ms, DIS);
    assert_int_equal(d.pathway, EP_PW(0));
    assert_false(d.placement_ended);
    assert_int_equal(tu_ep_discharges(f, false, "nb-north", id, NULL), 1);
    assert_int_equal(tu_ep_discharges(f, false, "nb-south", id, NULL), 0);

    /* the practice is told, with no patient identifier in the words */
    Huddle__Event *n = tu_must(f, KIND(NOTIFICATION), 0);
    assert_true(n->derived);
    assert_int_equal(n->cause_seq, seq);
    assert_string_equal(n->notification->to_org_ods, "A81001");
    assert_int_equal(n->notification->to_role, HUDDLE__ROLE__ROLE_GP_PRACTICE);
    assert_int_equal(n->notification->about_kind, KIND(EPISODE_UPDATED));
    assert_int_equal(n->notification->about_seq, seq);
    assert_true(n->notification->requires_ack);
    assert_null(strstr(n->notification->text, t.nhs));
    assert_null(strstr(n->notification->text, "spell"));
    assert_non_null(strstr(n->notification->text, "2027-01-15"));
    assert_string_equal(n->subject->episode_id, id);
    assert_string_equal(n->subject->nhs_number, t.nhs);
    huddle__event__free_unpacked(n, NULL);

    /* the practice hears the updates and the notice; the neighbourhood team and its
     * council the updates; nobody else anything */
    unsigned counts[128];
    tu_ep_delivered(f, "gp-a1#sub", counts);
    assert_int_equal(NKIND(EPISODE_UPDATED), 3);
    assert_int_equal(NKIND(NOTIFICATION), 1);
    const char *team[] = {"coord-n#sub", "mdt-n#sub", "sc-n#sub", "hub-rxh#sub"};
    for (size_t i = 0; i < 4; i++) {
        tu_ep_delivered(f, team[i], counts);
        assert_int_equal(NKIND(EPISODE_UPDATED), 3);
        assert_int_equal(NKIND(NOTIFICATION), 0);
    }
    const char *others[] = {"gp-a2#sub", "coord-s#sub", "sc-s#sub", "hub-ryy#sub"};
    for (size_t i = 0; i < 4; i++) {
        tu_ep_delivered(f, others[i], counts);
        assert_int_equal(NKIND(EPISODE_UPDATED) + NKIND(NOTIFICATION), 0);
    }

    /* a practice the registry does not know is still told; no practice, nobody */
    uint64_t before = tu_last_seq(f);
    discharge(f, &t, "spell/041", 2, "C99999", EP_PW(1));
    n = tu_must(f, KIND(NOTIFICATION), 0);
    assert_true(n->seq > before);
    assert_string_equal(n->notification->to_org_ods, "C99999");
    huddle__event__free_unpacked(n, NULL);
    before = tu_last_seq(f);
    discharge(f, &t, "spell/042", 3, "", EP_PW(1));
    assert_int_equal(tu_count(f, KIND(NOTIFICATION), before), 0);
    assert_int_equal(tu_ep_discharges(f, true, "RXH", "RXH:spell/042", NULL), 1);
}

/* Pathway 2: reviews at 7 and 14 days (TIMER_FIRED), the alert at 42 (ESCALATION_RAISED
 * to social care), each at its due time, once, across restarts; a review report in
 * between changes nothing. */
static void test_placement_timers(void **state)
{
    fx_t *f = *state;
    tu_episode_t t;
    uint64_t dseq = discharge(f, &t, "spell/050", 1, "A81001", EP_PW(2));
    const char *id = "RXH:spell/050";
    assert_int_equal(tu_ep_timers(f, id, TK(PLACEMENT_REVIEW_7D)), 1);
    assert_int_equal(tu_ep_timers(f, id, TK(PLACEMENT_REVIEW_14D)), 1);
    assert_int_equal(tu_ep_timers(f, id, TK(PLACEMENT_ALERT_42D)), 1);
    assert_int_equal(tu_ep_timers(f, id, TK(FOLLOW_UP_91D)), 0);

    fx_clock(f, "hub-rxh", DIS + DAY_MS, 0);
    tu_placement_t p;
    uint64_t review = tu_ok(f, "sc-n", tu_placement(&p, id, false, "", 0), NULL);
    Huddle__EpisodeRecord *rec = tu_ep_record(f, id);
    assert_false(rec->placement_ended);
    assert_int_equal(rec->last_seq, review);
    huddle__episode_record__free_unpacked(rec, NULL);

    fx_clock(f, "hub-rxh", DIS + 7 * DAY_MS - 1, 0);
    tu_ep_restart(f, DIS + 7 * DAY_MS - 1);
    assert_int_equal(tu_ep_count(f, KIND(TIMER_FIRED), 0, id, 0), 0);
    fx_clock(f, "hub-rxh", 0, 1);
    assert_int_equal(tu_ep_count(f, KIND(TIMER_FIRED), TK(PLACEMENT_REVIEW_7D), id, 0), 1);
    Huddle__Event *ev = tu_must(f, KIND(TIMER_FIRED), 0);
    assert_true(ev->derived);
    assert_int_equal(ev->cause_seq, dseq);
    assert_int_equal(ev->timer_fired->kind, TK(PLACEMENT_REVIEW_7D));
    assert_int_equal(ev->timer_fired->due_at_ms, DIS + 7 * DAY_MS);
    assert_int_equal(ev->timer_fired->fired_at_ms, DIS + 7 * DAY_MS);
    assert_int_equal(ev->timer_fired->created_by_seq, dseq);
    assert_int_equal(ev->occurred_at_ms, DIS + 7 * DAY_MS);
    assert_string_equal(ev->subject->episode_id, id);
    assert_string_equal(ev->subject->nhs_number, t.nhs);
    assert_string_equal(ev->scope->hospital_ods, "RXH");
    assert_string_equal(ev->scope->local_authority, "E08000026");
    huddle__event__free_unpacked(ev, NULL);

    fx_clock(f, "hub-rxh", DIS + 14 * DAY_MS - 1, 0);
    assert_int_equal(tu_ep_count(f, KIND(TIMER_FIRED), 0, id, 0), 1);
    fx_clock(f, "hub-rxh", 0, 1);
    assert_int_equal(tu_ep_count(f, KIND(TIMER_FIRED), TK(PLACEMENT_REVIEW_14D), id, 0), 1);
    tu_ep_restart(f, DIS + 42 * DAY_MS - 1);
    assert_int_equal(tu_ep_count(f, KIND(TIMER_FIRED), 0, id, 0), 2);
    assert_int_equal(tu_ep_count(f, KIND(ESCALATION_RAISED), 0, id, 0), 0);

    tu_subscribe(f, "sc-n#sub", "sc-n");
    tu_subscribe(f, "sc-s#sub", "sc-s");
    tu_subscribe(f, "hub-rxh#sub", "hub-rxh");
    fx_clock(f, "hub-rxh", 0, 1);
    assert_int_equal(tu_ep_count(f, KIND(ESCALATION_RAISED), TK(PLACEMENT_ALERT_42D), id, 0), 1);
    ev = tu_must(f, KIND(ESCALATION_RAISED), 0);
    const Huddle__Escalation *e = ev->escalation;
    assert_int_equal(e->reason, HUDDLE__ESCALATION_REASON__ESCALATION_REASON_PLACEMENT_42D);
    assert_int_equal(e->timer_kind, TK(PLACEMENT_ALERT_42D));
    assert_int_equal(e->to_role, HUDDLE__ROLE__ROLE_SOCIAL_CARE);
    assert_string_equal(e->to_org_ods, "E08000026");
    assert_int_equal(e->days_waiting, 42);
    assert_int_equal(e->overdue_since_ms, DIS + 42 * DAY_MS);
    assert_null(strstr(e->text, t.nhs));
    assert_string_equal(ev->subject->episode_id, id);
    huddle__event__free_unpacked(ev, NULL);
    unsigned counts[128];
    tu_ep_delivered(f, "sc-n#sub", counts);
    assert_int_equal(NKIND(ESCALATION_RAISED), 1);
    tu_ep_delivered(f, "hub-rxh#sub", counts);
    assert_int_equal(NKIND(ESCALATION_RAISED), 1);
    tu_ep_delivered(f, "sc-s#sub", counts);
    assert_int_equal(NKIND(ESCALATION_RAISED), 0);

    /* never again */
    fx_clock(f, "hub-rxh", 0, DAY_MS);
    tu_ep_restart(f, DIS + 60 * DAY_MS);
    assert_int_equal(tu_ep_count(f, KIND(TIMER_FIRED), 0, id, 0), 2);
    assert_int_equal(tu_ep_count(f, KIND(ESCALATION_RAISED), 0, id, 0), 1);
    assert_int_equal(tu_ep_timers(f, id, TK(PLACEMENT_ALERT_42D)), 0);
}

/* A placement that ended before its reviews: neither they nor the alert say anything. */
static void test_no_placement_timers_once_ended(void **state)
{
    fx_t *f = *state;
    tu_episode_t t;
    discharge(f, &t, "spell/060", 1, "A81001", EP_PW(2));
    const char *id = "RXH:spell/060";
    fx_clock(f, "hub-rxh", DIS + 3 * DAY_MS, 0);
    tu_placement_t p;
    tu_ok(f, "sc-n", tu_placement(&p, id, true, "2027-01-17", HUDDLE__PLACEMENT_DESTINATION__PLACEMENT_DESTINATION_HOME),
          NULL);
    Huddle__EpisodeRecord *rec = tu_ep_record(f, id);
    assert_true(rec->placement_ended);
    assert_string_equal(rec->placement_ended_date, "2027-01-17");
    assert_int_equal(rec->placement_destination, HUDDLE__PLACEMENT_DESTINATION__PLACEMENT_DESTINATION_HOME);
    huddle__episode_record__free_unpacked(rec, NULL);
    episode_discharge_t d;
    assert_int_equal(tu_ep_discharges(f, true, "RXH", id, &d), 1);
    assert_true(d.placement_ended);
    assert_int_equal(tu_ep_discharges(f, false, "nb-north", id, &d), 1);
    assert_true(d.placement_ended);

    fx_clock(f, "hub-rxh", DIS + 43 * DAY_MS, 0);
    assert_int_equal(tu_ep_count(f, KIND(TIMER_FIRED), 0, id, 0), 0);
    assert_int_equal(tu_ep_count(f, KIND(ESCALATION_RAISED), 0, id, 0), 0);
    assert_int_equal(tu_ep_timers(f, id, TK(PLACEMENT_REVIEW_7D)) + tu_ep_timers(f, id, TK(PLACEMENT_REVIEW_14D)) +
                         tu_ep_timers(f, id, TK(PLACEMENT_ALERT_42D)),
                     0);
}

#define RESULT(name) HUDDLE__FOLLOW_UP_RESULT__FOLLOW_UP_RESULT_##name
#define WHERE(name) HUDDLE__FOLLOW_UP_WHERE__FOLLOW_UP_WHERE_##name
#define FOLLOW "publish.event.follow_up_report."

/* Pathway 1: the 91-day follow-up falls due once, across restarts; the answer is
 * recorded once, at or after the due date. */
static void test_follow_up(void **state)
{
    fx_t *f = *state;
    tu_episode_t t;
    uint64_t dseq = discharge(f, &t, "spell/070", 1, "A81001", EP_PW(1));
    const char *id = "RXH:spell/070";
    assert_int_equal(tu_ep_timers(f, id, TK(FOLLOW_UP_91D)), 1);
    assert_int_equal(tu_ep_timers(f, id, TK(PLACEMENT_REVIEW_7D)), 0);

    tu_ep_restart(f, DIS + 91 * DAY_MS - 1);
    assert_int_equal(tu_ep_count(f, KIND(TIMER_FIRED), 0, id, 0), 0);
    fx_clock(f, "hub-rxh", 0, 1);
    assert_int_equal(tu_ep_count(f, KIND(TIMER_FIRED), TK(FOLLOW_UP_91D), id, 0), 1);
    Huddle__Event *ev = tu_must(f, KIND(TIMER_FIRED), 0);
    assert_int_equal(ev->timer_fired->created_by_seq, dseq);
    assert_int_equal(ev->timer_fired->due_at_ms, DIS + 91 * DAY_MS);
    huddle__event__free_unpacked(ev, NULL);
    fx_clock(f, "hub-rxh", 0, DAY_MS);
    tu_ep_restart(f, DIS + 92 * DAY_MS); /* 2027-04-17T07:00Z */
    assert_int_equal(tu_ep_count(f, KIND(TIMER_FIRED), 0, id, 0), 1);

    /* due on 2027-04-16, 91 days after 2027-01-15 */
    tu_follow_up_t u;
    char notes[1002], field[96];
    memset(notes, 'n', 1001);
    notes[1001] = '\0';
#define BAD(mutate, name)                                                                   \
    do {                                                                                    \
        tu_follow_up(&u, id, RESULT(AT_HOME), WHERE(UNSPECIFIED), "2027-04-16");            \
        mutate;                                                                             \
        snprintf(field, sizeof field, FOLLOW "%s", name);                                   \
        tu_refuse(f, "gp-a1", &u.ev, REJ(INVALID), field);                                  \
    } while (0)
    BAD(u.f.follow_up_date = S("2027-04-15"), "follow_up_date");
    BAD(u.f.follow_up_date = S("2027-04-18"), "follow_up_date");
    BAD(u.f.follow_up_date = S(""), "follow_up_date");
    BAD(u.f.result = RESULT(UNSPECIFIED), "result");
    BAD(u.f.result = RESULT(NOT_AT_HOME), "where");
    BAD(u.f.where = WHERE(CARE_HOME), "where");
    BAD(u.f.notes = notes, "notes");
    BAD(u.f.episode_id = S(""), "episode_id");
#undef BAD
    tu_follow_up(&u, "RXH:none", RESULT(AT_HOME), WHERE(UNSPECIFIED), "2027-04-16");
    tu_refuse(f, "gp-a1", &u.ev, REJ(NOT_FOUND), FOLLOW "episode_id");

    /* the patient's own practice (or social care, or the provider); nobody else */
    tu_follow_up(&u, id, RESULT(AT_HOME), WHERE(UNSPECIFIED), "2027-04-16");
    tu_refuse(f, "gp-a2", &u.ev, REJ(FORBIDDEN), "publish.event");
    tu_refuse(f, "sc-s", &u.ev, REJ(FORBIDDEN), "publish.event");
    tu_refuse(f, "cp-home", &u.ev, REJ(FORBIDDEN), "publish.event");
    tu_refuse(f, "hub-rxh", &u.ev, REJ(FORBIDDEN), "publish.event.kind");
    uint64_t seq = tu_ok(f, "gp-a1", &u.ev, NULL);
    Huddle__EpisodeRecord *rec = tu_ep_record(f, id);
    assert_int_equal(rec->follow_up_result, RESULT(AT_HOME));
    assert_int_equal(rec->follow_up_where, WHERE(UNSPECIFIED));
    assert_string_equal(rec->follow_up_date, "2027-04-16");
    assert_int_equal(rec->last_seq, seq);
    huddle__episode_record__free_unpacked(rec, NULL);
    ev = event_at(f, seq);
    assert_string_equal(ev->subject->episode_id, id);
    assert_string_equal(ev->subject->nhs_number, t.nhs);
    assert_string_equal(ev->scope->practice_ods, "A81001");
    huddle__event__free_unpacked(ev, NULL);
    episode_discharge_t d;
    assert_int_equal(tu_ep_discharges(f, true, "RXH", id, &d), 1);
    assert_int_equal(d.follow_up_result, RESULT(AT_HOME));
    assert_int_equal(tu_ep_discharges(f, false, "nb-north", id, &d), 1);
    assert_int_equal(d.follow_up_result, RESULT(AT_HOME));

    /* once */
    tu_follow_up(&u, id, RESULT(NOT_AT_HOME), WHERE(IN_HOSPITAL), "2027-04-17");
    Huddle__Frame *rj = tu_refused(f, "sc-n", &u.ev, REJ(CONFLICT), FOLLOW "episode_id");
    assert_string_equal(rj->rejected->current_state, "FOLLOW_UP_RESULT_AT_HOME");
    assert_string_equal(rj->rejected->conflicting_id, id);
    codec_frame_free(&rj);

    /* not at home, and where: social care of the area reports it */
    discharge(f, &t, "spell/071", 2, "A81002", EP_PW(1));
    tu_ep_restart(f, DIS + 92 * DAY_MS + 2 * DAY_MS);
    tu_follow_up(&u, "RXH:spell/071", RESULT(NOT_AT_HOME), WHERE(CARE_HOME), "2027-04-17");
    tu_ok(f, "sc-n", &u.ev, NULL);
    rec = tu_ep_record(f, "RXH:spell/071");
    assert_int_equal(rec->follow_up_result, RESULT(NOT_AT_HOME));
    assert_int_equal(rec->follow_up_where, WHERE(CARE_HOME));
    huddle__episode_record__free_unpacked(rec, NULL);

    /* a follow-up recorded on its due date, before the timer's hour: it says nothing */
    int64_t dis3 = DIS + 92 * DAY_MS + 2 * DAY_MS - HOUR_MS; /* 2027-04-19T06:00Z */
    tu_ep_admit(f, &t, "hub-rxh", "RXH", "spell/072", 3, "A81001", ADMIT);
    tu_ok(f, "hub-rxh", tu_episode_discharged(&t, dis3, EP_PW(1)), NULL);
    fx_clock(f, "hub-rxh", dis3 + 91 * DAY_MS - HOUR_MS, 0); /* 2027-07-19T05:00Z */
    tu_follow_up(&u, "RXH:spell/072", RESULT(AT_HOME), WHERE(UNSPECIFIED), "2027-07-19");
    tu_ok(f, "gp-a1", &u.ev, NULL);
    fx_clock(f, "hub-rxh", 0, 2 * HOUR_MS);
    assert_int_equal(tu_ep_count(f, KIND(TIMER_FIRED), 0, "RXH:spell/072", 0), 0);
    assert_int_equal(tu_ep_timers(f, "RXH:spell/072", TK(FOLLOW_UP_91D)), 0);

    /* no follow-up of another pathway, nor of a patient still in hospital */
    discharge(f, &t, "spell/073", 4, "A81001", EP_PW(2));
    tu_follow_up(&u, "RXH:spell/073", RESULT(AT_HOME), WHERE(UNSPECIFIED), "2027-07-19");
    rj = tu_refused(f, "gp-a1", &u.ev, REJ(CONFLICT), FOLLOW "episode_id");
    assert_string_equal(rj->rejected->current_state, "PATHWAY_2");
    codec_frame_free(&rj);
    tu_ep_admit(f, &t, "hub-rxh", "RXH", "spell/074", 5, "A81001", ADMIT);
    tu_follow_up(&u, "RXH:spell/074", RESULT(AT_HOME), WHERE(UNSPECIFIED), "2027-07-19");
    rj = tu_refused(f, "gp-a1", &u.ev, REJ(CONFLICT), FOLLOW "episode_id");
    assert_string_equal(rj->rejected->current_state, "EPISODE_STATUS_NOT_READY");
    codec_frame_free(&rj);
}

#define DEST(name) HUDDLE__PLACEMENT_DESTINATION__PLACEMENT_DESTINATION_##name
#define PLACE "publish.event.placement_report."

static void test_placement_reports(void **state)
{
    fx_t *f = *state;
    tu_episode_t t;
    tu_placement_t p;
    const char *id = "RXH:spell/080";
    tu_refuse(f, "sc-n", tu_placement(&p, "RXH:none", false, "", 0), REJ(NOT_FOUND), PLACE "episode_id");
    tu_refuse(f, "sc-n", tu_placement(&p, "nope", false, "", 0), REJ(INVALID), PLACE "episode_id");

    /* still in hospital: social care of another area learns nothing, its own a CONFLICT */
    tu_ep_admit(f, &t, "hub-rxh", "RXH", "spell/080", 1, "A81001", ADMIT);
    tu_ok(f, "hub-rxh", tu_episode_ready(&t, "2027-01-10", EP_ST(AWAITING_PLACEMENT), EP_PW(2), "D1"), NULL);
    tu_refuse(f, "sc-s", tu_placement(&p, id, false, "", 0), REJ(FORBIDDEN), "publish.event");
    Huddle__Frame *rj = tu_refused(f, "sc-n", tu_placement(&p, id, false, "", 0), REJ(CONFLICT), PLACE "episode_id");
    assert_string_equal(rj->rejected->current_state, "EPISODE_STATUS_AWAITING_PLACEMENT");
    codec_frame_free(&rj);
    tu_ok(f, "hub-rxh", tu_episode_discharged(&t, DIS, EP_PW(2)), NULL);

    /* a provider reports once the episode names it (an accepted assessment) */
    tu_refuse(f, "cp-home", tu_placement(&p, id, false, "", 0), REJ(FORBIDDEN), "publish.event");
    tu_ep_set_provider(f, id, "VHOME1", "");
    uint64_t seq = tu_ok(f, "cp-home", tu_placement(&p, id, false, "", 0), NULL);
    Huddle__Event *ev = event_at(f, seq);
    assert_string_equal(ev->subject->episode_id, id);
    assert_string_equal(ev->scope->provider_ods, "VHOME1");
    huddle__event__free_unpacked(ev, NULL);
    tu_refuse(f, "cp-other", tu_placement(&p, id, false, "", 0), REJ(FORBIDDEN), "publish.event");
    tu_refuse(f, "gp-a1", tu_placement(&p, id, false, "", 0), REJ(FORBIDDEN), "publish.event.kind");
    tu_refuse(f, "hub-rxh", tu_placement(&p, id, false, "", 0), REJ(FORBIDDEN), "publish.event.kind");

    char outcome[1002], field[96];
    memset(outcome, 'o', 1001);
    outcome[1001] = '\0';
#define BAD(ended, date, dest, mutate, name)                                 \
    do {                                                                     \
        tu_placement(&p, id, ended, date, dest);                             \
        mutate;                                                              \
        snprintf(field, sizeof field, PLACE "%s", name);                     \
        tu_refuse(f, "cp-home", &p.ev, REJ(INVALID), field);                 \
    } while (0)
    BAD(true, "", DEST(HOME), (void)0, "ended_date");
    BAD(true, "2027-01-32", DEST(HOME), (void)0, "ended_date");
    BAD(true, "2027-01-14", DEST(HOME), (void)0, "ended_date"); /* before the discharge */
    BAD(true, "2027-01-16", DEST(HOME), (void)0, "ended_date"); /* tomorrow */
    BAD(true, "2027-01-15", DEST(UNSPECIFIED), (void)0, "destination");
    BAD(false, "2027-01-15", DEST(UNSPECIFIED), (void)0, "ended_date");
    BAD(false, "", DEST(HOME), (void)0, "destination");
    BAD(false, "", DEST(UNSPECIFIED), p.p.outcome = outcome, "outcome");
#undef BAD
    rj = tu_refused(f, "cp-home", tu_placement(&p, "RXH:spell/081", false, "", 0), REJ(NOT_FOUND), PLACE "episode_id");
    codec_frame_free(&rj);

    seq = tu_ok(f, "cp-home", tu_placement(&p, id, true, "2027-01-15", DEST(HOME_WITH_SUPPORT)), NULL);
    Huddle__EpisodeRecord *rec = tu_ep_record(f, id);
    assert_true(rec->placement_ended);
    assert_string_equal(rec->placement_ended_date, "2027-01-15");
    assert_int_equal(rec->placement_destination, DEST(HOME_WITH_SUPPORT));
    assert_int_equal(rec->last_seq, seq);
    huddle__episode_record__free_unpacked(rec, NULL);
    rj = tu_refused(f, "sc-n", tu_placement(&p, id, false, "", 0), REJ(CONFLICT), PLACE "episode_id");
    assert_string_equal(rj->rejected->current_state, "PLACEMENT_ENDED");
    assert_string_equal(rj->rejected->conflicting_id, id);
    codec_frame_free(&rj);

    /* pathway 1 has no placement; pathway 3 has one, but no reviews or alert */
    discharge(f, &t, "spell/082", 2, "A81001", EP_PW(1));
    rj = tu_refused(f, "sc-n", tu_placement(&p, "RXH:spell/082", false, "", 0), REJ(CONFLICT), PLACE "episode_id");
    assert_string_equal(rj->rejected->current_state, "PATHWAY_1");
    codec_frame_free(&rj);
    discharge(f, &t, "spell/083", 3, "A81001", EP_PW(3));
    assert_int_equal(tu_ep_timers(f, "RXH:spell/083", TK(PLACEMENT_ALERT_42D)), 0);
    tu_ok(f, "sc-n", tu_placement(&p, "RXH:spell/083", true, "2027-01-15", DEST(CARE_HOME_LONG_TERM)), NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_create_and_update, tu_ep_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_unchanged_update, tu_ep_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_illegal_updates, tu_ep_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_configured_delay_reasons, tu_ep_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_days_delayed, tu_ep_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_discharge_notifies_the_practice, tu_ep_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_placement_timers, tu_ep_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_no_placement_timers_once_ended, tu_ep_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_follow_up, tu_ep_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_placement_reports, tu_ep_setup, fx_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
