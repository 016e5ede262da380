/*
 * mdt_agenda — building and editing a session's agenda (see mdt.h), and the derived
 * agenda events.
 *
 * A build reads the neighbourhood's waiting list from its index (waiting.h: fixed
 * binary entries, no referral record decoded), sorts the eligible entries once, fills
 * the session's minutes, and reads full referral records only for the items chosen.
 *
 * A rebuild counts the agenda's current items among the eligible, as if they were back
 * on the waiting list, and then moves only the referrals whose place changes: those
 * that drop off go back to the list (ACCEPTED, or DEFERRED once deferred before), new
 * ones are scheduled. One that stays is not moved off and on again, so its practice is
 * not told of two changes that cancel out, and its wait keeps counting.
 *
 * The working agenda is a fixed array of items whose strings live beside them: the
 * session record written is a view borrowing it, so nothing is freed item by item.
 */
#include "mdt_internal.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "waiting.h"

#define RS(name) HUDDLE__REFERRAL_STATUS__REFERRAL_STATUS_##name
#define KIND(name) HUDDLE__EVENT_KIND__EVENT_KIND_##name
#define MINUTE_MS INT64_C(60000)
#define ITEM_MINUTES_MAX 120

/* ---- the working agenda ------------------------------------------------------------ */

typedef struct {
    Huddle__AgendaItem item;
    char referral_id[WF_ID_MAX];
    char nhs_number[NHS_NUMBER_BUF];
    char practice_ods[ODS_CODE_MAX_LEN + 1];
    Huddle__Cohort cohorts[3];
} slot_t;

/* Room for a full agenda as loaded and one item added to it: a pruned item's slot is
 * not reused, as the items keep pointing into the slots they were loaded in. */
typedef struct {
    slot_t slots[MDT_ITEMS_MAX + 1];
    size_t used;                                  /* slots taken */
    Huddle__AgendaItem *items[MDT_ITEMS_MAX + 1]; /* in agenda order, each in a slot */
    size_t n;
} agenda_t;

/* A fresh slot, its item pointing at the slot's own strings. */
static slot_t *slot_take(agenda_t *a)
{
    assert(a->used < MDT_ITEMS_MAX + 1);
    slot_t *sl = &a->slots[a->used++];
    memset(sl, 0, sizeof *sl);
    sl->item = (Huddle__AgendaItem)HUDDLE__AGENDA_ITEM__INIT;
    sl->item.referral_id = sl->referral_id;
    sl->item.nhs_number = sl->nhs_number;
    sl->item.practice_ods = sl->practice_ods;
    sl->item.cohorts = sl->cohorts;
    return sl;
}

static void copy_cohorts(Huddle__AgendaItem *it, size_t n, const Huddle__Cohort *from)
{
    it->n_cohorts = n < 3 ? n : 3;
    if (it->n_cohorts)
        memcpy(it->cohorts, from, it->n_cohorts * sizeof *from);
}

/* The session's agenda as a working copy. */
static void agenda_load(agenda_t *a, const Huddle__SessionRecord *s)
{
    a->n = a->used = 0;
    for (size_t i = 0; i < s->n_items && i < MDT_ITEMS_MAX; i++) {
        const Huddle__AgendaItem *from = s->items[i];
        slot_t *sl = slot_take(a);
        Huddle__AgendaItem *it = &sl->item;
        snprintf(sl->referral_id, sizeof sl->referral_id, "%s", from->referral_id);
        snprintf(sl->nhs_number, sizeof sl->nhs_number, "%s", from->nhs_number);
        snprintf(sl->practice_ods, sizeof sl->practice_ods, "%s", from->practice_ods);
        it->tier = from->tier;
        it->score = from->score;
        it->effective_priority = from->effective_priority;
        it->minutes = from->minutes;
        it->deferred_before = from->deferred_before;
        it->days_waiting = from->days_waiting;
        it->added_by_hand = from->added_by_hand;
        copy_cohorts(it, from->n_cohorts, from->cohorts);
        a->items[a->n++] = it;
    }
}

/* An item for a referral now: its priority and wait from entry (the waiting list's
 * view of it), the rest from its record. */
static Huddle__AgendaItem *item_from_referral(const wf_ctx_t *ctx, slot_t *sl, const Huddle__ReferralRecord *rec,
                                              const waiting_entry_t *e)
{
    Huddle__AgendaItem *it = &sl->item;
    snprintf(sl->referral_id, sizeof sl->referral_id, "%s", rec->referral_id);
    snprintf(sl->nhs_number, sizeof sl->nhs_number, "%s", rec->nhs_number);
    snprintf(sl->practice_ods, sizeof sl->practice_ods, "%s", rec->practice_ods);
    it->tier = rec->tier;
    it->score = rec->score;
    it->effective_priority = waiting_effective(ctx->cfg, e, ctx->now_ms);
    it->minutes = mdt_tier_minutes(ctx->cfg, rec->tier);
    it->deferred_before = rec->times_deferred > 0;
    it->days_waiting = waiting_days(e->waiting_since_ms, ctx->now_ms);
    copy_cohorts(it, rec->n_cohorts, rec->cohorts);
    return it;
}

/* A referral record seen as its waiting-list entry would show it. */
static void entry_of(const Huddle__ReferralRecord *rec, waiting_entry_t *e)
{
    memset(e, 0, sizeof *e);
    snprintf(e->referral_id, sizeof e->referral_id, "%s", rec->referral_id);
    e->base_priority = rec->base_priority;
    e->waiting_since_ms = rec->waiting_since_ms;
    e->tier = rec->tier;
    e->status = rec->status;
    e->times_deferred = rec->times_deferred;
}

static int agenda_find(const agenda_t *a, const char *referral_id)
{
    for (size_t i = 0; i < a->n; i++)
        if (!strcmp(a->items[i]->referral_id, referral_id))
            return (int)i;
    return -1;
}

static void agenda_insert(agenda_t *a, size_t at, Huddle__AgendaItem *it)
{
    memmove(&a->items[at + 1], &a->items[at], (a->n - at) * sizeof a->items[0]);
    a->items[at] = it;
    a->n++;
}

static Huddle__AgendaItem *agenda_take_out(agenda_t *a, size_t at)
{
    Huddle__AgendaItem *it = a->items[at];
    memmove(&a->items[at], &a->items[at + 1], (a->n - at - 1) * sizeof a->items[0]);
    a->n--;
    return it;
}

static uint32_t agenda_minutes(const agenda_t *a)
{
    uint32_t total = 0;
    for (size_t i = 0; i < a->n; i++)
        total += a->items[i]->minutes;
    return total;
}

/* Drops the items whose referral is no longer SCHEDULED on this session (withdrawn
 * since it was put there): they are never discussed, deferred or counted. */
static int agenda_prune(wf_ctx_t *ctx, agenda_t *a, const char *session_id)
{
    size_t kept = 0;
    for (size_t i = 0; i < a->n; i++) {
        Huddle__ReferralRecord *rec;
        int rc = referral_get(ctx->txn, a->items[i]->referral_id, &rec);
        if (rc != STORE_OK && rc != STORE_ENOTFOUND)
            return rc;
        bool here = rc == STORE_OK && rec->status == RS(SCHEDULED) && !strcmp(rec->last_session_id, session_id);
        if (rc == STORE_OK)
            huddle__referral_record__free_unpacked(rec, NULL);
        if (here)
            a->items[kept++] = a->items[i];
    }
    a->n = kept;
    return STORE_OK;
}

/* Writes the agenda onto the session in state (positions and planned starts from its
 * order), and emits the derived event of the cause's kind carrying it. known_left: the
 * referrals still waiting, when the caller knows (a build does), or NULL to count them. */
static int agenda_save(wf_ctx_t *ctx, const Huddle__SessionRecord *s, agenda_t *a, const Huddle__Event *cause,
                       Huddle__SessionState state, const uint32_t *known_left)
{
    uint32_t minutes = 0, left = known_left ? *known_left : 0;
    for (size_t i = 0; i < a->n; i++) {
        a->items[i]->position = (uint32_t)i + 1;
        a->items[i]->planned_start_ms = s->starts_at_ms + (int64_t)minutes * MINUTE_MS;
        minutes += a->items[i]->minutes;
    }
    Huddle__SessionRecord view = *s; /* borrows s's fields, with the new agenda */
    view.items = a->items;
    view.n_items = a->n;
    view.total_minutes = minutes;
    view.state = state;
    if (state == HUDDLE__SESSION_STATE__SESSION_STATE_PUBLISHED)
        view.published_at_ms = ctx->now_ms;
    else
        view.built_at_ms = ctx->now_ms;
    view.last_seq = cause->seq;
    int rc = mdt_session_put(ctx->txn, &view);
    if (rc == STORE_OK && !known_left)
        rc = mdt_count_waiting(ctx->txn, s->neighbourhood_id, &left);
    return rc == STORE_OK ? mdt_emit_agenda(ctx, &view, cause->kind, left) : rc;
}

/* Puts a referral on the session's agenda: SCHEDULED, naming the session. */
static int schedule(wf_ctx_t *ctx, Huddle__ReferralRecord *rec, const Huddle__SessionRecord *s,
                    const Huddle__Event *cause)
{
    referral_why_t why = {.reason = "",
                          .session_id = s->session_id,
                          .decision = HUDDLE__MDT_DECISION__MDT_DECISION_UNSPECIFIED,
                          .about_kind = cause->kind,
                          .about_seq = cause->seq};
    return referral_move(ctx, rec, RS(SCHEDULED), &why);
}

void mdt_agenda_view(const Huddle__SessionRecord *s, uint32_t left_waiting, Huddle__MdtAgenda *out)
{
    *out = (Huddle__MdtAgenda)HUDDLE__MDT_AGENDA__INIT;
    out->session_id = s->session_id;
    out->n_items = s->n_items;
    out->items = s->items;
    out->total_minutes = s->total_minutes;
    out->neighbourhood_id = s->neighbourhood_id;
    out->starts_at_ms = s->starts_at_ms;
    out->length_minutes = s->length_minutes;
    out->published = s->state == HUDDLE__SESSION_STATE__SESSION_STATE_PUBLISHED ||
                     s->state == HUDDLE__SESSION_STATE__SESSION_STATE_CLOSED;
    out->left_waiting = left_waiting;
}

int mdt_emit_agenda(wf_ctx_t *ctx, const Huddle__SessionRecord *s, Huddle__EventKind kind, uint32_t left_waiting)
{
    Huddle__MdtAgenda a;
    mdt_agenda_view(s, left_waiting, &a);
    Huddle__Event ev = HUDDLE__EVENT__INIT;
    Huddle__Subject sub = HUDDLE__SUBJECT__INIT;
    sub.session_id = s->session_id;
    ev.kind = kind;
    ev.subject = &sub;
    ev.scope = s->scope;
    ev.payload_case = HUDDLE__EVENT__PAYLOAD_MDT_AGENDA;
    ev.mdt_agenda = &a;
    return wf_emit(ctx, &ev, NULL);
}

/* ---- MDT_AGENDA_BUILT ---------------------------------------------------------------- */

int mdt_build_check(wf_ctx_t *ctx, Huddle__Event *ev, reject_t *r)
{
    Huddle__SessionRecord *s;
    int rc = mdt_request_session(ctx, ev, ev->mdt_agenda_build->session_id,
                                 "publish.event.mdt_agenda_build.session_id", MDT_IN(DRAFT) | MDT_IN(AGENDA_BUILT),
                                 "its agenda is published and can no longer be built", &s, r);
    if (s)
        huddle__session_record__free_unpacked(s, NULL);
    return rc < 0 ? -1 : 0;
}

/* One eligible referral from the waiting list. */
typedef struct {
    waiting_entry_t e;
    uint32_t effective;
    int item;      /* its place on the current agenda (a rebuild), or -1 */
    size_t id_len;
    bool chosen;
} cand_t;

/* The current agenda's referral ids in byte order, to recognise its SCHEDULED entries. */
typedef struct {
    const char *id;
    int item;
} current_t;

typedef struct {
    const config_t *cfg;
    int64_t now_ms;
    cand_t *v;
    size_t n, cap;
    current_t cur[MDT_ITEMS_MAX];
    size_t n_cur;
    bool oom;
} scan_t;

static int by_id(const void *pa, const void *pb)
{
    return strcmp(((const current_t *)pa)->id, ((const current_t *)pb)->id);
}

static int collect(const waiting_entry_t *e, void *arg)
{
    scan_t *sc = arg;
    int item = -1;
    if (e->status == RS(SCHEDULED)) {
        current_t key = {e->referral_id, -1};
        const current_t *at = sc->n_cur ? bsearch(&key, sc->cur, sc->n_cur, sizeof key, by_id) : NULL;
        if (!at)
            return 0; /* on another session's agenda */
        item = at->item;
    } else if (e->status != RS(ACCEPTED) && e->status != RS(DEFERRED)) {
        return 0;
    }
    if (sc->n == sc->cap) {
        size_t cap = sc->cap ? sc->cap * 2 : 1024;
        cand_t *v = realloc(sc->v, cap * sizeof *v);
        if (!v) {
            sc->oom = true;
            return 1;
        }
        sc->v = v;
        sc->cap = cap;
    }
    cand_t *c = &sc->v[sc->n++];
    c->e = *e;
    c->effective = waiting_effective(sc->cfg, e, sc->now_ms);
    c->item = item;
    c->id_len = strnlen(e->referral_id, sizeof e->referral_id);
    c->chosen = false;
    return 0;
}

/* Agenda order: effective priority, highest first; then a referral deferred before;
 * then the longest waiting; then the older referral (a shorter broker-assigned id, then
 * byte order), so that the order is total and a build is repeatable. */
static int by_priority(const void *pa, const void *pb)
{
    const cand_t *a = pa, *b = pb;
    if (a->effective != b->effective)
        return a->effective > b->effective ? -1 : 1;
    bool da = a->e.times_deferred > 0, db = b->e.times_deferred > 0;
    if (da != db)
        return da ? -1 : 1;
    if (a->e.waiting_since_ms != b->e.waiting_since_ms)
        return a->e.waiting_since_ms < b->e.waiting_since_ms ? -1 : 1;
    if (a->id_len != b->id_len)
        return a->id_len < b->id_len ? -1 : 1;
    return strcmp(a->e.referral_id, b->e.referral_id);
}

/* Marks the candidates that fill the session, in order, and returns how many. */
static size_t fill(const config_t *cfg, cand_t *v, size_t n, uint32_t length)
{
    uint32_t shortest = cfg->minutes_red;
    if (cfg->minutes_amber < shortest)
        shortest = cfg->minutes_amber;
    if (cfg->minutes_green < shortest)
        shortest = cfg->minutes_green;
    uint32_t total = 0;
    size_t chosen = 0;
    for (size_t i = 0; i < n && chosen < MDT_ITEMS_MAX && length - total >= shortest; i++) {
        uint32_t m = mdt_tier_minutes(cfg, v[i].e.tier);
        /* an item that does not fit is skipped, not the end of the build: a shorter one
         * further down may still fit in the minutes left */
        if (total + m > length)
            continue;
        v[i].chosen = true;
        total += m;
        chosen++;
    }
    return chosen;
}

/* Puts the chosen candidates on the agenda in order: new ones are scheduled, those
 * already there keep their place on the session (a rebuild) and are not moved. */
static int place_chosen(wf_ctx_t *ctx, const Huddle__SessionRecord *s, const scan_t *sc, agenda_t *a,
                        const Huddle__Event *ev)
{
    int rc = STORE_OK;
    for (size_t i = 0; i < sc->n && rc == STORE_OK; i++) {
        const cand_t *c = &sc->v[i];
        if (!c->chosen)
            continue;
        Huddle__ReferralRecord *rec;
        rc = referral_get(ctx->txn, c->e.referral_id, &rec);
        if (rc == STORE_ENOTFOUND) {
            rc = STORE_OK; /* the index is kept with the records: cannot happen */
            continue;
        }
        if (rc != STORE_OK)
            break;
        bool stays = c->item >= 0 && rec->status == RS(SCHEDULED) && !strcmp(rec->last_session_id, s->session_id);
        bool waits = rec->status == RS(ACCEPTED) || rec->status == RS(DEFERRED);
        if (stays || (waits && referral_may_move(rec->status, RS(SCHEDULED)))) {
            Huddle__AgendaItem *it = item_from_referral(ctx, slot_take(a), rec, &c->e);
            a->items[a->n++] = it;
            if (!stays)
                rc = schedule(ctx, rec, s, ev);
        }
        huddle__referral_record__free_unpacked(rec, NULL);
    }
    return rc;
}

/* The build proper, once the session is read: scan, sort once, fill, move, save. */
static int build(wf_ctx_t *ctx, const Huddle__Event *ev, const Huddle__SessionRecord *s, agenda_t *a, scan_t *sc)
{
    a->n = a->used = 0;
    for (size_t i = 0; i < s->n_items && i < MDT_ITEMS_MAX; i++)
        sc->cur[sc->n_cur++] = (current_t){s->items[i]->referral_id, (int)i};
    qsort(sc->cur, sc->n_cur, sizeof sc->cur[0], by_id);
    int rc = waiting_scan(ctx->txn, s->neighbourhood_id, collect, sc);
    if (sc->oom)
        return STORE_ENOMEM;
    if (rc < 0)
        return rc;
    qsort(sc->v, sc->n, sizeof sc->v[0], by_priority);
    fill(ctx->cfg, sc->v, sc->n, s->length_minutes);

    /* first the items that drop off go back on the list, then the chosen go on */
    bool stays[MDT_ITEMS_MAX] = {false};
    for (size_t i = 0; i < sc->n; i++)
        if (sc->v[i].chosen && sc->v[i].item >= 0)
            stays[sc->v[i].item] = true;
    rc = STORE_OK;
    for (size_t i = 0; i < s->n_items && i < MDT_ITEMS_MAX && rc == STORE_OK; i++)
        if (!stays[i])
            rc = mdt_unschedule(ctx, s->items[i]->referral_id, s->session_id, false, "taken off the agenda",
                                ev->kind, ev->seq);
    if (rc == STORE_OK)
        rc = place_chosen(ctx, s, sc, a, ev);
    /* every eligible referral not placed is on the list now, those dropped included */
    uint32_t left = (uint32_t)(sc->n - a->n);
    return rc == STORE_OK ? agenda_save(ctx, s, a, ev, HUDDLE__SESSION_STATE__SESSION_STATE_AGENDA_BUILT, &left)
                          : rc;
}

int mdt_build_apply(wf_ctx_t *ctx, Huddle__Event *ev, reject_t *r)
{
    (void)r;
    Huddle__SessionRecord *s = NULL;
    agenda_t *a = malloc(sizeof *a);
    scan_t *sc = calloc(1, sizeof *sc);
    int rc = a && sc ? mdt_session_get(ctx->txn, ev->mdt_agenda_build->session_id, &s) : STORE_ENOMEM;
    if (rc == STORE_OK) {
        sc->cfg = ctx->cfg;
        sc->now_ms = ctx->now_ms;
        rc = build(ctx, ev, s, a, sc);
    }
    if (sc)
        free(sc->v);
    free(sc);
    if (s)
        huddle__session_record__free_unpacked(s, NULL);
    free(a);
    return rc;
}

/* ---- MDT_AGENDA_EDITED --------------------------------------------------------------- */

#define EDIT "publish.event.mdt_agenda_edit."

/* The edit's checks once the session is known (a copy of its agenda in a). */
static int check_edit(wf_ctx_t *ctx, Huddle__Event *ev, const Huddle__SessionRecord *s, const agenda_t *a,
                      reject_t *r)
{
    const Huddle__MdtAgendaEdit *p = ev->mdt_agenda_edit;
    int at = agenda_find(a, p->referral_id);
    uint32_t total = agenda_minutes(a);
    if (p->op != HUDDLE__AGENDA_EDIT_OP__AGENDA_EDIT_OP_ADD) {
        if (at < 0)
            return reject(r, MDT_NOT_FOUND, EDIT "referral_id", "not on this session's agenda");
        if (p->op == HUDDLE__AGENDA_EDIT_OP__AGENDA_EDIT_OP_REMOVE)
            return 0;
        if (p->position > a->n)
            return reject(r, MDT_INVALID, EDIT "position", "1 to %zu, the items on the agenda, or 0 for the end",
                          a->n);
        if (p->minutes && total - a->items[at]->minutes + p->minutes > s->length_minutes)
            return reject(r, MDT_INVALID, EDIT "minutes", "the agenda would take longer than the session's %u "
                          "minutes", s->length_minutes);
        return 0;
    }
    Huddle__ReferralRecord *rec = NULL;
    int rc = referral_get(ctx->txn, p->referral_id, &rec);
    if (rc != STORE_OK && rc != STORE_ENOTFOUND)
        return mdt_reject_store(r, rc);
    if (rc == STORE_ENOTFOUND || strcmp(rec->neighbourhood_id, s->neighbourhood_id) != 0) {
        rc = reject(r, MDT_NOT_FOUND, EDIT "referral_id", "no such referral in this session's neighbourhood");
    } else if (at >= 0) {
        rc = referral_reject_state(r, EDIT "referral_id", rec, "it is on this agenda already");
    } else if ((rec->status != RS(ACCEPTED) && rec->status != RS(DEFERRED)) ||
               !referral_may_move(rec->status, RS(SCHEDULED))) {
        rc = referral_reject_state(r, EDIT "referral_id", rec, "only a referral waiting for a session can be added");
    } else if (a->n >= MDT_ITEMS_MAX) {
        rc = reject(r, MDT_INVALID, EDIT "referral_id", "an agenda holds at most %d items", MDT_ITEMS_MAX);
    } else if (p->position > a->n + 1) {
        rc = reject(r, MDT_INVALID, EDIT "position", "1 to %zu, or 0 for the end", a->n + 1);
    } else if (total + (p->minutes ? p->minutes : mdt_tier_minutes(ctx->cfg, rec->tier)) > s->length_minutes) {
        rc = reject(r, MDT_INVALID, p->minutes ? EDIT "minutes" : EDIT "referral_id",
                    "the agenda would take longer than the session's %u minutes", s->length_minutes);
    }
    if (rec)
        huddle__referral_record__free_unpacked(rec, NULL);
    return rc == STORE_OK ? 0 : -1;
}

int mdt_edit_check(wf_ctx_t *ctx, Huddle__Event *ev, reject_t *r)
{
    const Huddle__MdtAgendaEdit *p = ev->mdt_agenda_edit;
    if (mdt_payload_check(&p->base, "publish.event.mdt_agenda_edit", r) != 0)
        return -1;
    if (p->op == HUDDLE__AGENDA_EDIT_OP__AGENDA_EDIT_OP_UNSPECIFIED)
        return reject(r, MDT_INVALID, EDIT "op", "required: ADD, REMOVE or MOVE");
    if (!workflow_is_id(p->referral_id, WF_ID_MAX - 1, false))
        return reject(r, MDT_INVALID, EDIT "referral_id", "required: a referral id");
    if (p->minutes > ITEM_MINUTES_MAX)
        return reject(r, MDT_INVALID, EDIT "minutes", "1 to 120 minutes, or 0 for the default");
    Huddle__SessionRecord *s;
    int rc = mdt_request_session(ctx, ev, p->session_id, EDIT "session_id", MDT_IN(DRAFT) | MDT_IN(AGENDA_BUILT),
                                 "its agenda is published and can no longer be edited", &s, r);
    if (rc != 0)
        return rc < 0 ? -1 : 0;
    agenda_t *a = malloc(sizeof *a);
    if (!a) {
        huddle__session_record__free_unpacked(s, NULL);
        reject(r, HUDDLE__REJECT_CODE__REJECT_CODE_BUSY, "", "out of memory; retry");
        return -1;
    }
    agenda_load(a, s);
    rc = mdt_stamp(ev, NULL, NULL, p->referral_id, NULL, r);
    if (rc == 0 && (rc = agenda_prune(ctx, a, s->session_id)) != STORE_OK)
        rc = mdt_reject_store(r, rc);
    if (rc == 0)
        rc = check_edit(ctx, ev, s, a, r);
    free(a);
    huddle__session_record__free_unpacked(s, NULL);
    return rc;
}

static int edit_add(wf_ctx_t *ctx, const Huddle__Event *ev, const Huddle__SessionRecord *s, agenda_t *a)
{
    const Huddle__MdtAgendaEdit *p = ev->mdt_agenda_edit;
    Huddle__ReferralRecord *rec;
    int rc = referral_get(ctx->txn, p->referral_id, &rec);
    if (rc != STORE_OK)
        return rc;
    waiting_entry_t e;
    entry_of(rec, &e);
    Huddle__AgendaItem *it = item_from_referral(ctx, slot_take(a), rec, &e);
    it->added_by_hand = true;
    if (p->minutes)
        it->minutes = p->minutes;
    agenda_insert(a, p->position ? p->position - 1 : a->n, it);
    rc = schedule(ctx, rec, s, ev);
    huddle__referral_record__free_unpacked(rec, NULL);
    return rc;
}

int mdt_edit_apply(wf_ctx_t *ctx, Huddle__Event *ev, reject_t *r)
{
    (void)r;
    const Huddle__MdtAgendaEdit *p = ev->mdt_agenda_edit;
    Huddle__SessionRecord *s = NULL;
    agenda_t *a = malloc(sizeof *a);
    int rc = a ? mdt_session_get(ctx->txn, p->session_id, &s) : STORE_ENOMEM;
    if (rc == STORE_OK) {
        agenda_load(a, s);
        rc = agenda_prune(ctx, a, s->session_id);
    }
    if (rc == STORE_OK) {
        int at = agenda_find(a, p->referral_id);
        if (p->op == HUDDLE__AGENDA_EDIT_OP__AGENDA_EDIT_OP_ADD) {
            rc = edit_add(ctx, ev, s, a);
        } else if (at >= 0 && p->op == HUDDLE__AGENDA_EDIT_OP__AGENDA_EDIT_OP_REMOVE) {
            agenda_take_out(a, (size_t)at);
            rc = mdt_unschedule(ctx, p->referral_id, s->session_id, false, "taken off the agenda", ev->kind,
                                ev->seq);
        } else if (at >= 0) {
            Huddle__AgendaItem *it = agenda_take_out(a, (size_t)at);
            if (p->minutes)
                it->minutes = p->minutes;
            agenda_insert(a, p->position ? p->position - 1 : a->n, it);
        }
    }
    if (rc == STORE_OK)
        rc = agenda_save(ctx, s, a, ev, HUDDLE__SESSION_STATE__SESSION_STATE_AGENDA_BUILT, NULL);
    if (s)
        huddle__session_record__free_unpacked(s, NULL);
    free(a);
    return rc;
}

/* ---- MDT_AGENDA_PUBLISHED ------------------------------------------------------------ */

int mdt_publish_check(wf_ctx_t *ctx, Huddle__Event *ev, reject_t *r)
{
    Huddle__SessionRecord *s;
    int rc = mdt_request_session(ctx, ev, ev->mdt_agenda_publish->session_id,
                                 "publish.event.mdt_agenda_publish.session_id", MDT_IN(AGENDA_BUILT),
                                 "only a built agenda that is not yet published can be published", &s, r);
    if (s)
        huddle__session_record__free_unpacked(s, NULL);
    return rc < 0 ? -1 : 0;
}

int mdt_publish_apply(wf_ctx_t *ctx, Huddle__Event *ev, reject_t *r)
{
    (void)r;
    Huddle__SessionRecord *s = NULL;
    agenda_t *a = malloc(sizeof *a);
    int rc = a ? mdt_session_get(ctx->txn, ev->mdt_agenda_publish->session_id, &s) : STORE_ENOMEM;
    if (rc == STORE_OK) {
        agenda_load(a, s);
        rc = agenda_prune(ctx, a, s->session_id);
    }
    if (rc == STORE_OK)
        rc = agenda_save(ctx, s, a, ev, HUDDLE__SESSION_STATE__SESSION_STATE_PUBLISHED, NULL);
    if (s)
        huddle__session_record__free_unpacked(s, NULL);
    free(a);
    return rc;
}
