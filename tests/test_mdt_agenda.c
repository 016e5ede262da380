/*
 * test_mdt_agenda — a session's agenda (broker/mdt_agenda.c) through the broker's core
 * (tu_inproc.h): building it from the waiting list (minutes, ageing, deferred first
 * among equals, rebuilds), editing it, refusing changes once published, and publishing
 * it to the neighbourhood's MDT members with one audit record per patient. Sessions,
 * outcomes, closing, review timers and the AGENDA query are in test_mdt.c.
 */
#include "tu_mdt.h"

#define ADD HUDDLE__AGENDA_EDIT_OP__AGENDA_EDIT_OP_ADD
#define REMOVE HUDDLE__AGENDA_EDIT_OP__AGENDA_EDIT_OP_REMOVE
#define MOVE HUDDLE__AGENDA_EDIT_OP__AGENDA_EDIT_OP_MOVE

/* Tomorrow at ten. */
#define START (T0 + DAY_MS + 2 * 60 * MIN_MS)

/* Scores (3 per condition, 5 per admission, 15 urgent): RED 65, AMBER 45/40/35, GREEN 9/6. */
#define RED 10, 4, true
#define AMBER45 10, 3, false
#define AMBER40 10, 2, false
#define AMBER35 10, 1, false
#define GREEN9 3, 0, false
#define GREEN6 2, 0, false

/* A 60-minute session takes RED, RED, RED, AMBER (55 minutes); the next AMBER would
 * overrun and is skipped; a GREEN still fits; the last GREEN does not. */
static void test_build_fills_the_minutes(void **state)
{
    fx_t *f = *state;
    char r[8][WF_ID_MAX], sub[WF_ID_MAX], south[WF_ID_MAX], sid[WF_ID_MAX];
    tu_waiting(f, 1, GREEN6, r[6]);
    tu_waiting(f, 2, RED, r[0]);
    tu_waiting(f, 3, AMBER40, r[4]);
    tu_waiting(f, 4, RED, r[1]);
    tu_waiting(f, 5, GREEN9, r[5]);
    tu_waiting(f, 6, AMBER45, r[3]);
    tu_waiting(f, 7, RED, r[2]);
    tu_refer(f, "gp-a2", "A81002", 8, RED, sub); /* not yet triaged: not on the list */
    tu_refer(f, "gp-b", "B82001", 9, RED, south);
    tu_triage(f, "coord-s", south);              /* another neighbourhood's */
    tu_session(f, "coord-n", "nb-north", START, 60, sid);
    uint64_t seq = tu_build(f, "coord-n", sid);

    Huddle__Event *ev = tu_agenda(f, KIND(MDT_AGENDA_BUILT));
    assert_true(ev->seq > seq);
    assert_int_equal(ev->cause_seq, seq);
    assert_string_equal(ev->subject->session_id, sid);
    assert_string_equal(ev->scope->neighbourhood_id, "nb-north");
    const Huddle__MdtAgenda *a = ev->mdt_agenda;
    assert_string_equal(a->session_id, sid);
    assert_false(a->published);
    assert_int_equal(a->length_minutes, 60);
    assert_int_equal(a->starts_at_ms, START);
    assert_int_equal(a->n_items, 5);
    assert_int_equal(a->total_minutes, 60);
    assert_int_equal(a->left_waiting, 2); /* the AMBER 40 and the GREEN 6 */
    const int order[] = {0, 1, 2, 3, 5};
    const uint32_t minutes[] = {15, 15, 15, 10, 5}, scores[] = {65, 65, 65, 45, 9};
    int64_t at = START;
    for (size_t i = 0; i < 5; i++) {
        const Huddle__AgendaItem *it = a->items[i];
        assert_int_equal(it->position, i + 1);
        assert_string_equal(it->referral_id, r[order[i]]);
        assert_int_equal(it->minutes, minutes[i]);
        assert_int_equal(it->score, scores[i]);
        assert_int_equal(it->effective_priority, scores[i]);
        assert_int_equal(it->planned_start_ms, at);
        assert_string_equal(it->practice_ods, "A81001");
        assert_int_equal(strlen(it->nhs_number), 10);
        assert_false(it->deferred_before);
        assert_false(it->added_by_hand);
        assert_int_equal(it->tier, i < 3 ? HUDDLE__TIER__TIER_RED : i == 3 ? HUDDLE__TIER__TIER_AMBER
                                                                            : HUDDLE__TIER__TIER_GREEN);
        at += it->minutes * MIN_MS;
        assert_int_equal(referral_status(f, r[order[i]]), RS(SCHEDULED));
    }
    huddle__event__free_unpacked(ev, NULL);
    assert_int_equal(referral_status(f, r[4]), RS(ACCEPTED));
    assert_int_equal(referral_status(f, r[6]), RS(ACCEPTED));
    Huddle__ReferralRecord *rec = referral_record(f, r[0]);
    assert_string_equal(rec->last_session_id, sid);
    huddle__referral_record__free_unpacked(rec, NULL);
    Huddle__SessionRecord *s = tu_session_record(f, sid);
    assert_int_equal(s->state, HUDDLE__SESSION_STATE__SESSION_STATE_AGENDA_BUILT);
    assert_int_equal(s->n_items, 5);
    assert_int_equal(s->total_minutes, 60);
    huddle__session_record__free_unpacked(s, NULL);

    /* a second session of the neighbourhood takes what is left, never the first's */
    char sid2[WF_ID_MAX];
    tu_session(f, "coord-n", "nb-north", START + DAY_MS, 15, sid2);
    tu_build(f, "coord-n", sid2);
    ev = tu_agenda(f, KIND(MDT_AGENDA_BUILT));
    assert_int_equal(ev->mdt_agenda->n_items, 2);
    assert_string_equal(ev->mdt_agenda->items[0]->referral_id, r[4]);
    assert_string_equal(ev->mdt_agenda->items[1]->referral_id, r[6]);
    assert_int_equal(ev->mdt_agenda->left_waiting, 0);
    huddle__event__free_unpacked(ev, NULL);
}

/* Two points a full week: an AMBER 40 waiting three weeks (46) overtakes a new AMBER 45. */
static void test_ageing_overtakes(void **state)
{
    fx_t *f = *state;
    char older[WF_ID_MAX], newer[WF_ID_MAX], sid[WF_ID_MAX];
    tu_waiting(f, 1, AMBER40, older);
    fx_clock(f, "coord-n", 0, 21 * DAY_MS);
    tu_waiting(f, 2, AMBER45, newer);
    tu_session(f, "coord-n", "nb-north", T0 + 22 * DAY_MS, 15, sid); /* room for one AMBER */
    tu_build(f, "coord-n", sid);
    Huddle__Event *ev = tu_agenda(f, KIND(MDT_AGENDA_BUILT));
    assert_int_equal(ev->mdt_agenda->n_items, 1);
    assert_string_equal(ev->mdt_agenda->items[0]->referral_id, older);
    assert_int_equal(ev->mdt_agenda->items[0]->effective_priority, 46);
    assert_int_equal(ev->mdt_agenda->items[0]->days_waiting, 21);
    assert_int_equal(ev->mdt_agenda->left_waiting, 1);
    huddle__event__free_unpacked(ev, NULL);
    assert_int_equal(referral_status(f, newer), RS(ACCEPTED));
}

/* A deferred AMBER 35 (45 with the deferral) and an AMBER 45 waiting an hour longer:
 * equal priority, the one deferred before comes first. */
static void test_deferred_first_among_equals(void **state)
{
    fx_t *f = *state;
    char was_deferred[WF_ID_MAX], other[WF_ID_MAX], s1[WF_ID_MAX], s2[WF_ID_MAX];
    tu_waiting(f, 1, AMBER35, was_deferred);
    tu_session(f, "coord-n", "nb-north", START, 15, s1);
    tu_build(f, "coord-n", s1);
    tu_publish_agenda(f, "coord-n", s1);
    tu_waiting(f, 2, AMBER45, other);
    fx_clock(f, "coord-n", 0, 60 * MIN_MS);
    tu_close(f, "coord-n", s1); /* not reached: deferred */
    Huddle__ReferralRecord *rec = referral_record(f, was_deferred);
    assert_int_equal(rec->status, RS(DEFERRED));
    assert_int_equal(rec->times_deferred, 1);
    assert_int_equal(rec->base_priority, 45);
    huddle__referral_record__free_unpacked(rec, NULL);

    tu_session(f, "coord-n", "nb-north", START + DAY_MS, 15, s2);
    tu_build(f, "coord-n", s2);
    Huddle__Event *ev = tu_agenda(f, KIND(MDT_AGENDA_BUILT));
    assert_int_equal(ev->mdt_agenda->n_items, 1);
    const Huddle__AgendaItem *it = ev->mdt_agenda->items[0];
    assert_string_equal(it->referral_id, was_deferred);
    assert_int_equal(it->effective_priority, 45);
    assert_true(it->deferred_before);
    assert_int_equal(ev->mdt_agenda->left_waiting, 1);
    huddle__event__free_unpacked(ev, NULL);
    assert_int_equal(referral_status(f, other), RS(ACCEPTED));

    /* taken off again before publishing, it is as it was: deferred once, same wait */
    Huddle__ReferralRecord *before = referral_record(f, was_deferred);
    tu_edit_t t;
    tu_ok(f, "coord-n", tu_edit(&t, s2, REMOVE, was_deferred, 0, 0), NULL);
    rec = referral_record(f, was_deferred);
    assert_int_equal(rec->status, RS(DEFERRED));
    assert_int_equal(rec->times_deferred, 1);
    assert_int_equal(rec->base_priority, 45);
    assert_int_equal(rec->waiting_since_ms, before->waiting_since_ms);
    huddle__referral_record__free_unpacked(rec, NULL);
    huddle__referral_record__free_unpacked(before, NULL);
}

/* A rebuild takes the best again: an item that drops off goes back on the list as it
 * was; one that stays is not moved off and on. */
static void test_rebuild(void **state)
{
    fx_t *f = *state;
    char a[WF_ID_MAX], b[WF_ID_MAX], c[WF_ID_MAX], sid[WF_ID_MAX];
    tu_waiting(f, 1, AMBER40, a);
    tu_waiting(f, 2, GREEN9, b);
    tu_session(f, "coord-n", "nb-north", START, 15, sid);
    tu_build(f, "coord-n", sid); /* a and b: 15 minutes */
    assert_int_equal(referral_status(f, b), RS(SCHEDULED));
    Huddle__ReferralRecord *before = referral_record(f, a);
    tu_waiting(f, 3, RED, c);
    uint64_t seq = tu_build(f, "coord-n", sid);
    Huddle__Event *ev = tu_agenda(f, KIND(MDT_AGENDA_BUILT));
    assert_int_equal(ev->mdt_agenda->n_items, 1);
    assert_string_equal(ev->mdt_agenda->items[0]->referral_id, c);
    assert_int_equal(ev->mdt_agenda->left_waiting, 2);
    huddle__event__free_unpacked(ev, NULL);
    Huddle__ReferralRecord *after = referral_record(f, a);
    assert_int_equal(after->status, RS(ACCEPTED));
    assert_int_equal(after->times_deferred, 0); /* taken off, not deferred */
    assert_int_equal(after->waiting_since_ms, before->waiting_since_ms);
    huddle__referral_record__free_unpacked(before, NULL);
    huddle__referral_record__free_unpacked(after, NULL);
    assert_int_equal(referral_status(f, b), RS(ACCEPTED));
    assert_int_equal(tu_count(f, KIND(REFERRAL_STATUS_CHANGED), seq), 3); /* a, b off; c on */

    /* the same again: c stays, nothing moves */
    seq = tu_build(f, "coord-n", sid);
    assert_int_equal(tu_count(f, KIND(REFERRAL_STATUS_CHANGED), seq), 0);
    ev = tu_agenda(f, KIND(MDT_AGENDA_BUILT));
    assert_int_equal(ev->mdt_agenda->n_items, 1);
    assert_string_equal(ev->mdt_agenda->items[0]->referral_id, c);
    huddle__event__free_unpacked(ev, NULL);
    assert_int_equal(referral_status(f, c), RS(SCHEDULED));

    /* an item withdrawn while on the agenda is dropped by the next build */
    tu_withdraw(f, "gp-a1", c);
    tu_build(f, "coord-n", sid);
    ev = tu_agenda(f, KIND(MDT_AGENDA_BUILT));
    assert_int_equal(ev->mdt_agenda->n_items, 2);
    assert_string_equal(ev->mdt_agenda->items[0]->referral_id, a);
    assert_string_equal(ev->mdt_agenda->items[1]->referral_id, b);
    huddle__event__free_unpacked(ev, NULL);
    assert_int_equal(referral_status(f, c), RS(WITHDRAWN));
}

static void assert_order(fx_t *f, const char *const *ids, size_t n, uint32_t total)
{
    Huddle__Event *ev = tu_agenda(f, KIND(MDT_AGENDA_EDITED));
    const Huddle__MdtAgenda *a = ev->mdt_agenda;
    assert_int_equal(a->n_items, n);
    int64_t at = START;
    for (size_t i = 0; i < n; i++) {
        assert_string_equal(a->items[i]->referral_id, ids[i]);
        assert_int_equal(a->items[i]->position, i + 1);
        assert_int_equal(a->items[i]->planned_start_ms, at);
        at += a->items[i]->minutes * MIN_MS;
    }
    assert_int_equal(a->total_minutes, total);
    huddle__event__free_unpacked(ev, NULL);
}

static void test_edits(void **state)
{
    fx_t *f = *state;
    char red[WF_ID_MAX], amber[WF_ID_MAX], green[WF_ID_MAX], extra[WF_ID_MAX], red2[WF_ID_MAX], amber2[WF_ID_MAX];
    char submitted[WF_ID_MAX], south[WF_ID_MAX], sid[WF_ID_MAX];
    tu_waiting(f, 1, RED, red);
    tu_waiting(f, 2, AMBER45, amber);
    tu_waiting(f, 3, GREEN9, green);
    tu_session(f, "coord-n", "nb-north", START, 60, sid);
    /* editing a DRAFT makes it AGENDA_BUILT */
    tu_edit_t t;
    tu_ok(f, "coord-n", tu_edit(&t, sid, ADD, green, 0, 0), NULL);
    Huddle__SessionRecord *s = tu_session_record(f, sid);
    assert_int_equal(s->state, HUDDLE__SESSION_STATE__SESSION_STATE_AGENDA_BUILT);
    huddle__session_record__free_unpacked(s, NULL);
    tu_build(f, "coord-n", sid); /* red, amber, green: 30 minutes */
    tu_waiting(f, 4, AMBER40, extra);
    tu_waiting(f, 5, RED, red2);
    tu_waiting(f, 6, AMBER35, amber2);
    tu_refer(f, "gp-a1", "A81001", 7, RED, submitted);
    tu_refer(f, "gp-b", "B82001", 8, RED, south);
    tu_triage(f, "coord-s", south);

    /* ADD at the front, tier minutes; by hand */
    tu_ok(f, "coord-n", tu_edit(&t, sid, ADD, extra, 1, 0), NULL);
    assert_order(f, (const char *[]){extra, red, amber, green}, 4, 40);
    Huddle__Event *ev = tu_agenda(f, KIND(MDT_AGENDA_EDITED));
    assert_true(ev->mdt_agenda->items[0]->added_by_hand);
    assert_false(ev->mdt_agenda->items[1]->added_by_hand);
    assert_int_equal(ev->mdt_agenda->items[0]->minutes, 10);
    huddle__event__free_unpacked(ev, NULL);
    assert_int_equal(referral_status(f, extra), RS(SCHEDULED));

    const char *E = "publish.event.mdt_agenda_edit.";
    char field[96];
#define FIELD(name) (snprintf(field, sizeof field, "%s%s", E, name), field)
    tu_refuse(f, "coord-n", tu_edit(&t, sid, ADD, red2, 6, 0), REJ(INVALID), FIELD("position"));
    tu_refuse(f, "coord-n", tu_edit(&t, sid, ADD, red2, 0, 121), REJ(INVALID), FIELD("minutes"));
    tu_refuse(f, "coord-n", tu_edit(&t, sid, ADD, red2, 0, 25), REJ(INVALID), FIELD("minutes")); /* 65 > 60 */
    Huddle__Frame *rj = tu_refused(f, "coord-n", tu_edit(&t, sid, ADD, red, 0, 0), REJ(CONFLICT), FIELD("referral_id"));
    assert_string_equal(rj->rejected->current_state, "REFERRAL_STATUS_SCHEDULED");
    codec_frame_free(&rj);
    rj = tu_refused(f, "coord-n", tu_edit(&t, sid, ADD, submitted, 0, 0), REJ(CONFLICT), FIELD("referral_id"));
    assert_string_equal(rj->rejected->current_state, "REFERRAL_STATUS_SUBMITTED");
    assert_string_equal(rj->rejected->conflicting_id, submitted);
    codec_frame_free(&rj);
    tu_refuse(f, "coord-n", tu_edit(&t, sid, ADD, "R999999", 0, 0), REJ(NOT_FOUND), FIELD("referral_id"));
    tu_refuse(f, "coord-n", tu_edit(&t, sid, ADD, south, 0, 0), REJ(NOT_FOUND), FIELD("referral_id"));
    tu_refuse(f, "coord-n", tu_edit(&t, sid, HUDDLE__AGENDA_EDIT_OP__AGENDA_EDIT_OP_UNSPECIFIED, red2, 0, 0),
              REJ(INVALID), FIELD("op"));
    tu_refuse(f, "coord-n", tu_edit(&t, "S999999", ADD, red2, 0, 0), REJ(NOT_FOUND), FIELD("session_id"));
    tu_refuse(f, "coord-s", tu_edit(&t, sid, ADD, red2, 0, 0), REJ(FORBIDDEN), "publish.event");
    /* at the end, tier minutes: 55; then one more AMBER would make 65 */
    tu_ok(f, "coord-n", tu_edit(&t, sid, ADD, red2, 0, 0), NULL);
    assert_order(f, (const char *[]){extra, red, amber, green, red2}, 5, 55);
    tu_refuse(f, "coord-n", tu_edit(&t, sid, ADD, amber2, 0, 0), REJ(INVALID), FIELD("referral_id"));
    assert_int_equal(referral_status(f, amber2), RS(ACCEPTED));

    /* MOVE: to a position, or to the end; minutes may change within the session */
    tu_ok(f, "coord-n", tu_edit(&t, sid, MOVE, green, 1, 0), NULL);
    assert_order(f, (const char *[]){green, extra, red, amber, red2}, 5, 55);
    tu_ok(f, "coord-n", tu_edit(&t, sid, MOVE, extra, 0, 5), NULL);
    assert_order(f, (const char *[]){green, red, amber, red2, extra}, 5, 50);
    tu_refuse(f, "coord-n", tu_edit(&t, sid, MOVE, extra, 6, 0), REJ(INVALID), FIELD("position"));
    tu_refuse(f, "coord-n", tu_edit(&t, sid, MOVE, green, 1, 20), REJ(INVALID), FIELD("minutes")); /* 65 */
    tu_refuse(f, "coord-n", tu_edit(&t, sid, MOVE, amber2, 1, 0), REJ(NOT_FOUND), FIELD("referral_id"));

    /* REMOVE: back on the waiting list as it was */
    tu_ok(f, "coord-n", tu_edit(&t, sid, REMOVE, amber, 0, 0), NULL);
    assert_order(f, (const char *[]){green, red, red2, extra}, 4, 40);
    Huddle__ReferralRecord *rec = referral_record(f, amber);
    assert_int_equal(rec->status, RS(ACCEPTED));
    assert_int_equal(rec->times_deferred, 0);
    huddle__referral_record__free_unpacked(rec, NULL);
    tu_refuse(f, "coord-n", tu_edit(&t, sid, REMOVE, amber, 0, 0), REJ(NOT_FOUND), FIELD("referral_id"));
    /* a referral taken off may be added again */
    tu_ok(f, "coord-n", tu_edit(&t, sid, ADD, amber, 2, 0), NULL);
    assert_order(f, (const char *[]){green, amber, red, red2, extra}, 5, 50);

    /* an item withdrawn meanwhile is dropped by the next edit */
    tu_withdraw(f, "gp-a1", red);
    tu_ok(f, "coord-n", tu_edit(&t, sid, MOVE, extra, 1, 0), NULL);
    assert_order(f, (const char *[]){extra, green, amber, red2}, 4, 35);
    tu_withdraw(f, "gp-a1", green);
    tu_ok(f, "coord-n", tu_edit(&t, sid, ADD, amber2, 0, 0), NULL);
    assert_order(f, (const char *[]){extra, amber, red2, amber2}, 4, 40);
#undef FIELD
}

static void test_no_changes_after_publishing(void **state)
{
    fx_t *f = *state;
    char a[WF_ID_MAX], b[WF_ID_MAX], sid[WF_ID_MAX], draft[WF_ID_MAX];
    tu_waiting(f, 1, RED, a);
    tu_waiting(f, 2, AMBER45, b);
    tu_session(f, "coord-n", "nb-north", START, 15, sid);
    tu_session(f, "coord-n", "nb-north", START, 15, draft);
    Huddle__Event ev;
    Huddle__MdtAgendaBuild bd;
    Huddle__MdtAgendaPublish pb;
    /* a draft has nothing to publish */
    tu_session_event(&ev, KIND(MDT_AGENDA_PUBLISHED), draft, NULL, &pb);
    Huddle__Frame *rj =
        tu_refused(f, "coord-n", &ev, REJ(CONFLICT), "publish.event.mdt_agenda_publish.session_id");
    assert_string_equal(rj->rejected->current_state, "SESSION_STATE_DRAFT");
    codec_frame_free(&rj);
    /* another neighbourhood's coordinator learns nothing of the session */
    tu_session_event(&ev, KIND(MDT_AGENDA_BUILT), sid, &bd, NULL);
    tu_refuse(f, "coord-s", &ev, REJ(FORBIDDEN), "publish.event");
    tu_session_event(&ev, KIND(MDT_AGENDA_BUILT), "S999999", &bd, NULL);
    tu_refuse(f, "coord-n", &ev, REJ(NOT_FOUND), "publish.event.mdt_agenda_build.session_id");

    tu_build(f, "coord-n", sid);
    tu_publish_agenda(f, "coord-n", sid);
    tu_session_event(&ev, KIND(MDT_AGENDA_BUILT), sid, &bd, NULL);
    rj = tu_refused(f, "coord-n", &ev, REJ(CONFLICT), "publish.event.mdt_agenda_build.session_id");
    assert_string_equal(rj->rejected->current_state, "SESSION_STATE_PUBLISHED");
    assert_string_equal(rj->rejected->conflicting_id, sid);
    codec_frame_free(&rj);
    tu_edit_t t;
    const Huddle__AgendaEditOp ops[] = {ADD, REMOVE, MOVE};
    const char *ids[] = {b, a, a};
    for (size_t i = 0; i < 3; i++) {
        rj = tu_refused(f, "coord-n", tu_edit(&t, sid, ops[i], ids[i], 0, 0), REJ(CONFLICT),
                        "publish.event.mdt_agenda_edit.session_id");
        assert_string_equal(rj->rejected->current_state, "SESSION_STATE_PUBLISHED");
        codec_frame_free(&rj);
    }
    tu_session_event(&ev, KIND(MDT_AGENDA_PUBLISHED), sid, NULL, &pb);
    rj = tu_refused(f, "coord-n", &ev, REJ(CONFLICT), "publish.event.mdt_agenda_publish.session_id");
    assert_string_equal(rj->rejected->current_state, "SESSION_STATE_PUBLISHED");
    codec_frame_free(&rj);
    assert_int_equal(referral_status(f, a), RS(SCHEDULED));
    assert_int_equal(referral_status(f, b), RS(ACCEPTED));
}

/* The neighbourhood's MDT members hear of the agenda once it is published, never
 * before; each delivery is audited once per patient on it. */
static void test_publish_reaches_members_audited(void **state)
{
    fx_t *f = *state;
    char r[4][WF_ID_MAX], sid[WF_ID_MAX];
    tu_subscribe(f, "mdt-n#sub", "mdt-n");
    tu_subscribe(f, "mdt-s#sub", "mdt-s");
    tu_subscribe(f, "coord-n#sub", "coord-n");
    for (unsigned i = 0; i < 4; i++)
        tu_waiting(f, i + 1, AMBER45, r[i]);
    tu_session(f, "coord-n", "nb-north", START, 60, sid);
    assert_int_equal(tu_delivered(f, "mdt-n#sub", KIND(MDT_SESSION_CREATED), 0, NULL), 1);
    tu_build(f, "coord-n", sid);
    assert_int_equal(tu_delivered(f, "mdt-n#sub", KIND(MDT_AGENDA_BUILT), 0, NULL), 0);
    assert_null(take(f, "mdt-n#sub"));
    Huddle__Frame *d;
    assert_int_equal(tu_delivered(f, "coord-n#sub", KIND(MDT_AGENDA_BUILT), HUDDLE__EVENT__PAYLOAD_MDT_AGENDA, &d), 1);
    assert_int_equal(d->deliver->event->mdt_agenda->n_items, 4);
    codec_frame_free(&d);

    /* withdrawn before publishing: not on what the members get */
    tu_withdraw(f, "gp-a1", r[3]);
    tu_publish_agenda(f, "coord-n", sid);
    assert_int_equal(tu_delivered(f, "mdt-n#sub", KIND(MDT_AGENDA_PUBLISHED), HUDDLE__EVENT__PAYLOAD_MDT_AGENDA, &d),
                     1);
    const Huddle__Event *ev = d->deliver->event;
    assert_true(ev->mdt_agenda->published);
    assert_int_equal(ev->mdt_agenda->n_items, 3);
    assert_int_equal(ev->mdt_agenda->total_minutes, 30);
    for (size_t i = 0; i < 3; i++)
        assert_string_equal(ev->mdt_agenda->items[i]->referral_id, r[i]);
    uint64_t seq = ev->seq;
    tu_audit_t q = {.agent = "mdt-n", .purpose = HUDDLE__AUDIT_PURPOSE__AUDIT_PURPOSE_DELIVERY, .event_seq = seq};
    tu_audit(f, &q);
    assert_int_equal(q.n, 3);
    for (size_t i = 0; i < 3; i++)
        assert_string_equal(q.nhs[i], ev->mdt_agenda->items[i]->nhs_number);
    codec_frame_free(&d);
    assert_int_equal(tu_delivered(f, "mdt-s#sub", KIND(MDT_AGENDA_PUBLISHED), 0, NULL), 0);
    Huddle__SessionRecord *s = tu_session_record(f, sid);
    assert_int_equal(s->state, HUDDLE__SESSION_STATE__SESSION_STATE_PUBLISHED);
    assert_int_equal(s->published_at_ms, T0);
    huddle__session_record__free_unpacked(s, NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_build_fills_the_minutes, tu_mdt_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_ageing_overtakes, tu_mdt_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_deferred_first_among_equals, tu_mdt_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_rebuild, tu_mdt_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_edits, tu_mdt_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_no_changes_after_publishing, tu_mdt_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_publish_reaches_members_audited, tu_mdt_setup, fx_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
