/*
 * access — see access.h. Two tables decide everything: `matrix` (event kind × role:
 * may publish with which relationship, may receive with which relationship) and
 * `queries` (query kind × role). A third, `rels`, says what each relationship means,
 * how it reads in the printed matrix, and how a refusal names it. The functions below
 * only look cells up; none of them branches on a role.
 *
 * Reading a cell: each side holds a set of relationships, any one of which suffices;
 * an empty set means the role may not do it at all. A kind whose publish column is
 * empty for every role is derived: only the broker writes it.
 */
#include "access.h"

#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "codec.h"
#include "registry.h"

/* How an agent relates to an event's scope. */
typedef enum {
    REL_NONE = 1u << 0,          /* none needed: holds only for an event with no patient data */
    REL_OWN_PRACTICE = 1u << 1,  /* scope.practice_ods is the agent's org_ods */
    REL_NEIGHBOURHOOD = 1u << 2, /* scope.neighbourhood_id is one of the agent's neighbourhood_ids */
    REL_HOSPITAL = 1u << 3,      /* scope.hospital_ods is the agent's hospital_ods */
    REL_ASSESSOR = 1u << 4,      /* scope.assessor_ods is the agent's org_ods */
    REL_PROVIDER = 1u << 5,      /* scope.provider_ods is the agent's org_ods */
    REL_AREA = 1u << 6,          /* scope.local_authority is the agent's local_authority */
    REL_ADDRESSEE = 1u << 7,     /* a notification or non-delivery addressed to the agent's organisation */
} access_rel_t;

#define NO 0 /* the role may not (publish / receive) this kind */

/* {publish, receive}: sets of access_rel_t. */
typedef struct {
    uint8_t publish;
    uint8_t receive;
} cell_t;

#define GP HUDDLE__ROLE__ROLE_GP_PRACTICE
#define COORD HUDDLE__ROLE__ROLE_INT_COORDINATOR
#define MDT HUDDLE__ROLE__ROLE_MDT_MEMBER
#define HUB HUDDLE__ROLE__ROLE_DISCHARGE_HUB
#define TA HUDDLE__ROLE__ROLE_TRUSTED_ASSESSOR
#define CP HUDDLE__ROLE__ROLE_CARE_PROVIDER
#define SC HUDDLE__ROLE__ROLE_SOCIAL_CARE
#define AUDITOR HUDDLE__ROLE__ROLE_AUDITOR
#define ADMIN HUDDLE__ROLE__ROLE_ADMIN
#define ROLE_SLOTS (ADMIN + 1) /* cells are indexed by the role's value; slot 0 (UNSPECIFIED) stays empty */

#define K(name) HUDDLE__EVENT_KIND__EVENT_KIND_##name

typedef struct {
    Huddle__EventKind kind;
    cell_t by_role[ROLE_SLOTS];
} kind_row_t;

/* The matrix (DESIGN §1, §6; publishers as event.proto names them). No row gives the
 * auditor anything but "no": it reads the audit trail only. The admin's only cells are
 * MESSAGE and trust agreements, which carry no patient. */
static const kind_row_t matrix[] = {
    /* Carries no patient data (the workflow refuses one that does), so no relationship. */
    {K(MESSAGE),
     {[GP] = {REL_NONE, REL_NONE}, [COORD] = {REL_NONE, REL_NONE}, [MDT] = {REL_NONE, REL_NONE},
      [HUB] = {REL_NONE, REL_NONE}, [TA] = {REL_NONE, REL_NONE}, [CP] = {REL_NONE, REL_NONE},
      [SC] = {REL_NONE, REL_NONE}, [ADMIN] = {REL_NONE, REL_NONE}}},

    /* Referrals (DESIGN §5.1): the practice hears every step of its own patients'
     * referrals; social care sees its area's referrals; MDT members first meet a
     * referral on a published agenda, and the hospital side never sees one. */
    {K(REFERRAL_SUBMITTED),
     {[GP] = {REL_OWN_PRACTICE, REL_OWN_PRACTICE}, [COORD] = {NO, REL_NEIGHBOURHOOD}, [SC] = {NO, REL_AREA}}},
    {K(REFERRAL_TRIAGED),
     {[GP] = {NO, REL_OWN_PRACTICE}, [COORD] = {REL_NEIGHBOURHOOD, REL_NEIGHBOURHOOD}, [SC] = {NO, REL_AREA}}},
    {K(REFERRAL_WITHDRAWN),
     {[GP] = {REL_OWN_PRACTICE, REL_OWN_PRACTICE}, [COORD] = {NO, REL_NEIGHBOURHOOD}, [SC] = {NO, REL_AREA}}},
    {K(REFERRAL_STATUS_CHANGED),
     {[GP] = {NO, REL_OWN_PRACTICE}, [COORD] = {NO, REL_NEIGHBOURHOOD}, [SC] = {NO, REL_AREA}}},
    {K(REFERRAL_CLOSED),
     {[GP] = {NO, REL_OWN_PRACTICE}, [COORD] = {REL_NEIGHBOURHOOD, REL_NEIGHBOURHOOD}, [SC] = {NO, REL_AREA}}},

    /* MDT sessions (DESIGN §5.2). A session and an agenda name many patients of many
     * practices: neighbourhood roles only, never a practice. An agenda reaches MDT
     * members only once published; built and edited drafts stay with coordinators. */
    {K(MDT_SESSION_CREATED),
     {[COORD] = {REL_NEIGHBOURHOOD, REL_NEIGHBOURHOOD}, [MDT] = {NO, REL_NEIGHBOURHOOD}}},
    {K(MDT_AGENDA_BUILT), {[COORD] = {REL_NEIGHBOURHOOD, REL_NEIGHBOURHOOD}}},
    {K(MDT_AGENDA_EDITED), {[COORD] = {REL_NEIGHBOURHOOD, REL_NEIGHBOURHOOD}}},
    {K(MDT_AGENDA_PUBLISHED),
     {[COORD] = {REL_NEIGHBOURHOOD, REL_NEIGHBOURHOOD}, [MDT] = {NO, REL_NEIGHBOURHOOD}}},
    /* One patient's outcome: the practice hears it for its own patient. Social care
     * learns the decision from the referral's status change, and a safeguarding
     * decision from the escalation; the discussion notes stay with the team. */
    {K(MDT_OUTCOME_RECORDED),
     {[GP] = {NO, REL_OWN_PRACTICE}, [COORD] = {REL_NEIGHBOURHOOD, REL_NEIGHBOURHOOD},
      [MDT] = {NO, REL_NEIGHBOURHOOD}}},
    {K(MDT_SESSION_CLOSED),
     {[COORD] = {REL_NEIGHBOURHOOD, REL_NEIGHBOURHOOD}, [MDT] = {NO, REL_NEIGHBOURHOOD}}},
    /* Coordinators decide whether to put the patient back on an agenda. */
    {K(MDT_REVIEW_DUE), {[GP] = {NO, REL_OWN_PRACTICE}, [COORD] = {NO, REL_NEIGHBOURHOOD}}},

    /* Trust agreements (DESIGN §5.3): derived from Admin commands; they name two
     * organisations and no patient, so the admin needs no relationship. */
    {K(TRUST_AGREEMENT_RECORDED), {[TA] = {NO, REL_ASSESSOR}, [CP] = {NO, REL_PROVIDER}, [ADMIN] = {NO, REL_NONE}}},
    {K(TRUST_AGREEMENT_REVOKED), {[TA] = {NO, REL_ASSESSOR}, [CP] = {NO, REL_PROVIDER}, [ADMIN] = {NO, REL_NONE}}},

    /* Trusted assessments: between the assessor and the provider, watched by the
     * hospital's hub, which owns the episode and hears when the provider is late. */
    {K(ASSESSMENT_SUBMITTED),
     {[HUB] = {NO, REL_HOSPITAL}, [TA] = {REL_ASSESSOR, REL_ASSESSOR}, [CP] = {NO, REL_PROVIDER}}},
    {K(ASSESSMENT_RESPONDED),
     {[HUB] = {NO, REL_HOSPITAL}, [TA] = {NO, REL_ASSESSOR}, [CP] = {REL_PROVIDER, REL_PROVIDER}}},
    {K(ASSESSMENT_INFO_PROVIDED),
     {[HUB] = {NO, REL_HOSPITAL}, [TA] = {REL_ASSESSOR, REL_ASSESSOR}, [CP] = {NO, REL_PROVIDER}}},

    /* Discharge (DESIGN §5.4). The patient's practice and neighbourhood hear of it
     * (MDT members too: they may ask for the neighbourhood's board); a hospital-based
     * assessor sees its hospital's episodes; providers see an episode only through
     * the assessments addressed to them. */
    {K(EPISODE_UPDATED),
     {[GP] = {NO, REL_OWN_PRACTICE}, [COORD] = {NO, REL_NEIGHBOURHOOD}, [MDT] = {NO, REL_NEIGHBOURHOOD},
      [HUB] = {REL_HOSPITAL, REL_HOSPITAL}, [TA] = {NO, REL_HOSPITAL}, [SC] = {NO, REL_AREA}}},
    {K(PLACEMENT_REPORTED),
     {[GP] = {NO, REL_OWN_PRACTICE}, [COORD] = {NO, REL_NEIGHBOURHOOD}, [HUB] = {NO, REL_HOSPITAL},
      [CP] = {REL_PROVIDER, REL_PROVIDER}, [SC] = {REL_AREA, REL_AREA}}},
    {K(FOLLOW_UP_REPORTED),
     {[GP] = {REL_OWN_PRACTICE, REL_OWN_PRACTICE}, [COORD] = {NO, REL_NEIGHBOURHOOD}, [HUB] = {NO, REL_HOSPITAL},
      [CP] = {REL_PROVIDER, REL_PROVIDER}, [SC] = {REL_AREA, REL_AREA}}},

    /* Timers (DESIGN §5.5): placement reviews and the 91-day follow-up, for those who
     * report them and those who hear the result. */
    {K(TIMER_FIRED),
     {[GP] = {NO, REL_OWN_PRACTICE}, [COORD] = {NO, REL_NEIGHBOURHOOD}, [HUB] = {NO, REL_HOSPITAL},
      [CP] = {NO, REL_PROVIDER}, [SC] = {NO, REL_AREA}}},
    /* Waiting well (coordinators), assessments unanswered (hub; the assessor and
     * provider concerned), placements at six weeks and safeguarding (social care). */
    {K(ESCALATION_RAISED),
     {[GP] = {NO, REL_OWN_PRACTICE}, [COORD] = {NO, REL_NEIGHBOURHOOD}, [HUB] = {NO, REL_HOSPITAL},
      [TA] = {NO, REL_ASSESSOR}, [CP] = {NO, REL_PROVIDER}, [SC] = {NO, REL_AREA}}},

    /* Notifications (DESIGN §4): a clinical role may notify about what it already
     * relates to (the workflow stamps the scope of the event or record it is about;
     * a note about nothing is a MESSAGE); only the organisation addressed reads it. */
    {K(NOTIFICATION),
     {[GP] = {REL_OWN_PRACTICE, REL_ADDRESSEE}, [COORD] = {REL_NEIGHBOURHOOD, REL_ADDRESSEE},
      [MDT] = {REL_NEIGHBOURHOOD, REL_ADDRESSEE}, [HUB] = {REL_HOSPITAL, REL_ADDRESSEE},
      [TA] = {REL_ASSESSOR | REL_HOSPITAL, REL_ADDRESSEE}, [CP] = {REL_PROVIDER, REL_ADDRESSEE},
      [SC] = {REL_AREA, REL_ADDRESSEE}}},
    {K(NON_DELIVERY),
     {[GP] = {NO, REL_ADDRESSEE}, [COORD] = {NO, REL_ADDRESSEE}, [MDT] = {NO, REL_ADDRESSEE},
      [HUB] = {NO, REL_ADDRESSEE}, [TA] = {NO, REL_ADDRESSEE}, [CP] = {NO, REL_ADDRESSEE},
      [SC] = {NO, REL_ADDRESSEE}}},
};

#define N_KINDS (sizeof matrix / sizeof matrix[0])

/* Which roles may ask each query kind; the answer is still scoped event by event. */
#define ROLE_BIT(r) (1u << (r))
#define CLINICAL                                                                                  \
    (ROLE_BIT(GP) | ROLE_BIT(COORD) | ROLE_BIT(MDT) | ROLE_BIT(HUB) | ROLE_BIT(TA) | ROLE_BIT(CP) | \
     ROLE_BIT(SC))

typedef struct {
    Huddle__QueryKind kind;
    uint32_t roles;
} query_row_t;

static const query_row_t queries[] = {
    {HUDDLE__QUERY_KIND__QUERY_KIND_PATIENT_TIMELINE, CLINICAL},
    /* A practice asks for its own list (the answer holds its own patients only). */
    {HUDDLE__QUERY_KIND__QUERY_KIND_WAITING_LIST, ROLE_BIT(COORD) | ROLE_BIT(MDT) | ROLE_BIT(GP)},
    {HUDDLE__QUERY_KIND__QUERY_KIND_AGENDA, ROLE_BIT(COORD) | ROLE_BIT(MDT)},
    {HUDDLE__QUERY_KIND__QUERY_KIND_BOARD, ROLE_BIT(HUB) | ROLE_BIT(COORD) | ROLE_BIT(MDT) | ROLE_BIT(SC)},
    {HUDDLE__QUERY_KIND__QUERY_KIND_AUDIT_TRAIL, ROLE_BIT(AUDITOR) | ROLE_BIT(ADMIN)},
    {HUDDLE__QUERY_KIND__QUERY_KIND_STATS, ROLE_BIT(ADMIN) | ROLE_BIT(AUDITOR)},
    {HUDDLE__QUERY_KIND__QUERY_KIND_REFERRAL_HISTORY, CLINICAL},
    /* Counts per organisation, no patients: the hub and assessors see how assessments
     * fare, the admin reviews trust agreements. */
    {HUDDLE__QUERY_KIND__QUERY_KIND_DECLINE_COUNTS, ROLE_BIT(HUB) | ROLE_BIT(TA) | ROLE_BIT(ADMIN)},
    {HUDDLE__QUERY_KIND__QUERY_KIND_ASSESSMENTS, ROLE_BIT(CP) | ROLE_BIT(TA) | ROLE_BIT(HUB)},
};

/* Roles in the order of the printed columns, with the words a refusal uses. */
static const struct {
    Huddle__Role role;
    const char *noun;
} roles[] = {
    {GP, "a GP practice"},          {COORD, "an INT coordinator"}, {MDT, "an MDT member"},
    {HUB, "a discharge hub"},       {TA, "a trusted assessor"},    {CP, "a care provider"},
    {SC, "adult social care"},      {AUDITOR, "an auditor"},       {ADMIN, "an admin"},
};

#define N_ROLES (sizeof roles / sizeof roles[0])

/* ---- relationships --------------------------------------------------------- */

static bool filled(const char *s)
{
    return s && *s;
}

/* Equal and not empty: an empty scope field means "does not apply", never a match. */
static bool same(const char *scope_field, const char *agent_field)
{
    return filled(scope_field) && filled(agent_field) && !strcmp(scope_field, agent_field);
}

static bool holds_none(const Huddle__AgentRecord *a, const Huddle__Event *ev)
{
    (void)a;
    return !access_is_patient_data(ev);
}

static bool holds_own_practice(const Huddle__AgentRecord *a, const Huddle__Event *ev)
{
    return ev->scope && same(ev->scope->practice_ods, a->org_ods);
}

static bool holds_neighbourhood(const Huddle__AgentRecord *a, const Huddle__Event *ev)
{
    for (size_t i = 0; ev->scope && i < a->n_neighbourhood_ids; i++)
        if (same(ev->scope->neighbourhood_id, a->neighbourhood_ids[i]))
            return true;
    return false;
}

static bool holds_hospital(const Huddle__AgentRecord *a, const Huddle__Event *ev)
{
    return ev->scope && same(ev->scope->hospital_ods, a->hospital_ods);
}

static bool holds_assessor(const Huddle__AgentRecord *a, const Huddle__Event *ev)
{
    return ev->scope && same(ev->scope->assessor_ods, a->org_ods);
}

static bool holds_provider(const Huddle__AgentRecord *a, const Huddle__Event *ev)
{
    return ev->scope && same(ev->scope->provider_ods, a->org_ods);
}

static bool holds_area(const Huddle__AgentRecord *a, const Huddle__Event *ev)
{
    return ev->scope && same(ev->scope->local_authority, a->local_authority);
}

/* The organisation a notification names, narrowed to its role when it names one (one
 * trust runs both a discharge hub and trusted assessors). A non-delivery goes to the
 * organisation that failed to acknowledge and to the one that sent the notification:
 * the broker stamps the notification's sender as the non-delivery's sender. */
static bool holds_addressee(const Huddle__AgentRecord *a, const Huddle__Event *ev)
{
    if (ev->payload_case == HUDDLE__EVENT__PAYLOAD_NOTIFICATION && ev->notification)
        return same(ev->notification->to_org_ods, a->org_ods) &&
               (ev->notification->to_role == HUDDLE__ROLE__ROLE_UNSPECIFIED || ev->notification->to_role == a->role);
    if (ev->payload_case == HUDDLE__EVENT__PAYLOAD_NON_DELIVERY && ev->non_delivery)
        return same(ev->non_delivery->to_org_ods, a->org_ods) || same(ev->sender_org, a->org_ods);
    return false;
}

/* Each relationship: its test, its name in the printed matrix, its legend, and the
 * words a refusal uses after "may publish <kind> only". */
static const struct {
    access_rel_t rel;
    bool (*holds)(const Huddle__AgentRecord *a, const Huddle__Event *ev);
    const char *name;
    const char *legend;
    const char *only;
} rels[] = {
    {REL_NONE, holds_none, "any", "no relationship needed; holds only for an event that carries no patient data",
     "when it carries no patient data"},
    {REL_OWN_PRACTICE, holds_own_practice, "own practice",
     "the patient's registered practice is the agent's organisation", "for patients registered with its own practice"},
    {REL_NEIGHBOURHOOD, holds_neighbourhood, "neighbourhood", "the event's neighbourhood is one the agent serves",
     "for a neighbourhood it serves"},
    {REL_HOSPITAL, holds_hospital, "hospital", "the event's hospital is the agent's hospital",
     "for episodes at its own hospital"},
    {REL_ASSESSOR, holds_assessor, "assessor", "the assessing organisation is the agent's organisation",
     "for assessments made by its own organisation"},
    {REL_PROVIDER, holds_provider, "provider", "the care provider concerned is the agent's organisation",
     "for care addressed to its own organisation"},
    {REL_AREA, holds_area, "area", "the event's council area is the agent's council area", "in its own council area"},
    {REL_ADDRESSEE, holds_addressee, "addressee",
     "a notification addressed to the agent's organisation (and role, if it names one), or a non-delivery of one "
     "addressed to or sent by the agent's organisation",
     "to its own organisation"},
};

#define N_RELS (sizeof rels / sizeof rels[0])

static bool rels_hold(unsigned set, const Huddle__AgentRecord *a, const Huddle__Event *ev)
{
    for (size_t i = 0; i < N_RELS; i++)
        if ((set & rels[i].rel) && rels[i].holds(a, ev))
            return true;
    return false;
}

/* ---- look-ups ---------------------------------------------------------------- */

/* The cell for (kind, role), or NULL for a value no table knows. */
static const cell_t *cell(int kind, int role)
{
    if (role <= 0 || role >= ROLE_SLOTS)
        return NULL;
    for (size_t i = 0; i < N_KINDS; i++)
        if ((int)matrix[i].kind == kind)
            return &matrix[i].by_role[role];
    return NULL;
}

static const char *role_noun(int role)
{
    for (size_t i = 0; i < N_ROLES; i++)
        if ((int)roles[i].role == role)
            return roles[i].noun;
    return "this role";
}

/* The names of a set of relationships joined by sep ("assessor or hospital"). */
static void rel_names(unsigned set, bool phrases, const char *sep, char *buf, size_t len)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < N_RELS && used < len; i++) {
        if (!(set & rels[i].rel))
            continue;
        int n = snprintf(buf + used, len - used, "%s%s", used ? sep : "", phrases ? rels[i].only : rels[i].name);
        used += n > 0 ? (size_t)n : 0;
    }
}

/* ---- API ------------------------------------------------------------------- */

bool access_is_patient_data(const Huddle__Event *ev)
{
    if (ev && ev->subject && filled(ev->subject->nhs_number))
        return true;
    return ev && ev->payload_case == HUDDLE__EVENT__PAYLOAD_MDT_AGENDA && ev->mdt_agenda &&
           ev->mdt_agenda->n_items > 0;
}

bool access_may_publish(Huddle__Role role, Huddle__EventKind kind)
{
    const cell_t *c = cell(kind, role);
    return c && c->publish;
}

int access_check_publish(const Huddle__AgentRecord *a, const Huddle__Event *ev, reject_t *r)
{
    assert(a && ev && r);
    const Huddle__RejectCode no = HUDDLE__REJECT_CODE__REJECT_CODE_FORBIDDEN;
    char kind[48];
    codec_enum_words(&huddle__event_kind__descriptor, ev->kind, "EVENT_KIND_", ' ', kind, sizeof kind);
    if (a->status != HUDDLE__AGENT_STATUS__AGENT_STATUS_ACTIVE)
        return reject(r, no, "publish.event", "the sender is not an active agent");
    const cell_t *c = cell(ev->kind, a->role);
    if (!c || !c->publish)
        return reject(r, no, "publish.event", "%s may not publish %s", role_noun(a->role), kind);
    if (rels_hold(c->publish, a, ev))
        return 0;
    char only[160];
    rel_names(c->publish, true, " or ", only, sizeof only);
    return reject(r, no, "publish.event", "%s may publish %s only %s", role_noun(a->role), kind, only);
}

bool access_may_see(const Huddle__AgentRecord *a, const Huddle__Event *ev)
{
    if (!a || !ev || a->status != HUDDLE__AGENT_STATUS__AGENT_STATUS_ACTIVE)
        return false;
    const cell_t *c = cell(ev->kind, a->role);
    return c && c->receive && rels_hold(c->receive, a, ev);
}

bool access_may_query(Huddle__Role role, Huddle__QueryKind kind)
{
    if ((int)role <= 0 || (int)role >= ROLE_SLOTS)
        return false;
    for (size_t i = 0; i < sizeof queries / sizeof queries[0]; i++)
        if (queries[i].kind == kind)
            return (queries[i].roles & ROLE_BIT(role)) != 0;
    return false;
}

/* ---- printing -------------------------------------------------------------- */

static void print_header(FILE *out, const char *first)
{
    fprintf(out, "| %s |", first);
    for (size_t i = 0; i < N_ROLES; i++)
        fprintf(out, " %s |", registry_role_name(roles[i].role));
    fprintf(out, "\n|---|");
    for (size_t i = 0; i < N_ROLES; i++)
        fprintf(out, "---|");
    fprintf(out, "\n");
}

static void print_cell(FILE *out, const cell_t *c)
{
    char names[128];
    if (!c->publish && !c->receive) {
        fprintf(out, " — |");
        return;
    }
    if (c->publish) {
        rel_names(c->publish, false, " or ", names, sizeof names);
        fprintf(out, " P %s%s", names, c->receive ? ";" : "");
    }
    if (c->receive) {
        rel_names(c->receive, false, " or ", names, sizeof names);
        fprintf(out, " R %s", names);
    }
    fprintf(out, " |");
}

void access_print_matrix(FILE *out)
{
    char name[48];
    fprintf(out, "### Events: who may publish (P) and receive (R) each kind\n\n");
    print_header(out, "event kind");
    for (size_t k = 0; k < N_KINDS; k++) {
        fprintf(out, "| %s |",
                codec_enum_words(&huddle__event_kind__descriptor, matrix[k].kind, "EVENT_KIND_", '_', name,
                                 sizeof name));
        for (size_t i = 0; i < N_ROLES; i++)
            print_cell(out, &matrix[k].by_role[roles[i].role]);
        fprintf(out, "\n");
    }
    fprintf(out, "\nEach P or R names the relationship with the event's scope the agent needs (any one of those "
                 "listed); — means neither. A kind no role may publish is derived: only the broker writes it. "
                 "The scope is stamped by the broker from its own records, and an empty scope field never "
                 "matches.\n\n");
    for (size_t i = 0; i < N_RELS; i++)
        fprintf(out, "- **%s**: %s.\n", rels[i].name, rels[i].legend);
    fprintf(out, "\n### Queries: who may ask each kind (answers hold only what the asker may see)\n\n");
    print_header(out, "query kind");
    for (size_t q = 0; q < sizeof queries / sizeof queries[0]; q++) {
        fprintf(out, "| %s |",
                codec_enum_words(&huddle__query_kind__descriptor, queries[q].kind, "QUERY_KIND_", '_', name,
                                 sizeof name));
        for (size_t i = 0; i < N_ROLES; i++)
            fprintf(out, " %s |", queries[q].roles & ROLE_BIT(roles[i].role) ? "yes" : "—");
        fprintf(out, "\n");
    }
}
