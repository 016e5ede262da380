/*
 * cmd_bench_agenda — `huddle bench-agenda`: how long the broker takes to build an MDT
 * agenda from a long waiting list (DESIGN §5.2: milliseconds for a neighbourhood of
 * 60 000 patients), as one JSON line on stdout so that runs can be compared.
 *
 * Owns: the options, the neighbourhood it sets up, the timing and the JSON line.
 *
 * Setup, on a fresh store in a temporary directory under $TMPDIR (or /tmp): one
 * neighbourhood with its practices, a GP agent per practice and a coordinator, then
 * referrals published through the broker's core in process (the rules, indexes, derived
 * events and timers of a running broker, without sockets) under the test clock: of
 * --patients registered patients, --waiting are referred and accepted onto the waiting
 * list, spread over the --weeks before "now" (so that they have aged), and --finished
 * more are referred and declined (records that are off the list); sessions closed
 * without reaching their items then defer about --deferred of the waiting ones. Last, a
 * 60-minute and a 480-minute session, not yet built.
 *
 * Timing: a build is what the broker does for an MDT_AGENDA_BUILT publish: the kind's
 * check, the append of the request, and the apply (the waiting-list scan, the sort, the
 * referrals moved to SCHEDULED with their status changes, notifications and timers,
 * the session and the derived agenda event). Each runs in a write transaction that is
 * aborted afterwards, so every build starts from the same state; the commit's fsync is
 * not part of it.
 *
 * Never: prints on stdout anything but the JSON line (progress goes to stderr with
 * --verbose, errors always), or leaves its directory behind.
 */
#include <dirent.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "broker.h"
#include "codec.h"
#include "hd_time.h"
#include "log.h"
#include "options.h"
#include "record.h"
#include "registry.h"
#include "timer.h"
#include "workflow.h"

/* Called from the command table in huddle.c. */
struct opts;
int cmd_bench_agenda(const struct opts *o, char **argv);

#define NBH "nb-bench"
#define NBH_LA "E08000026"
#define COORD "coord-bench"
#define T_NOW INT64_C(1800000000000) /* the builds' "now": 2027-01-15T08:00Z */
#define WEEK_MS (7 * HD_MS_PER_DAY)
#define CHUNK 256                    /* frames between commits while setting up */

typedef struct {
    long patients, waiting, finished, deferred, practices, weeks, builds;
    bool verbose, help;
} agenda_opts_t;

#define NUMBER(flag_, arg_, field, min_, max_, help_)                                                              \
    {.flag = flag_, .arg = arg_, .type = OPTIONS_NUMBER, .offset = offsetof(agenda_opts_t, field), .min = min_,     \
     .max = max_, .help = help_}
#define FLAG(flag_, field, help_) \
    {.flag = flag_, .arg = "", .type = OPTIONS_FLAG, .offset = offsetof(agenda_opts_t, field), .help = help_}

static const options_row_t options[] = {
    NUMBER("--patients", "N", patients, 1, 1000000, "registered patients of the neighbourhood (default 60000)"),
    NUMBER("--waiting", "N", waiting, 0, 1000000, "of them, referrals on the waiting list (default 5000)"),
    NUMBER("--finished", "N", finished, 0, 1000000, "of them, referrals declined at triage, off the list (default 10000)"),
    NUMBER("--deferred", "N", deferred, 0, 1000000,
           "waiting referrals deferred by sessions that did not reach them, about (default 480)"),
    NUMBER("--practices", "N", practices, 1, 999, "GP practices in the neighbourhood (default 8)"),
    NUMBER("--weeks", "N", weeks, 1, 104, "weeks over which the waiting referrals arrived (default 26)"),
    NUMBER("--builds", "N", builds, 1, 100000, "builds timed for each session length (default 200)"),
    FLAG("--verbose", verbose, "report progress on stderr"),
    FLAG("--help", help, "show this help"),
};

#define N_OPTIONS (sizeof options / sizeof options[0])

static void usage(FILE *out)
{
    fprintf(out, "usage: huddle bench-agenda [OPTIONS]\n\n"
                 "Times building an MDT agenda for a 60-minute and a 480-minute session from a\n"
                 "neighbourhood's waiting list, set up on a fresh store through the broker's rules,\n"
                 "and prints one JSON line: per session length, the items and minutes of the agenda,\n"
                 "the referrals left waiting, and p50, p99 and max milliseconds per build.\n\nOptions:\n");
    options_usage(out, options, N_OPTIONS, 22);
    fprintf(out, "\nEach build runs in a write transaction that is aborted afterwards, so every build\n"
                 "starts from the same state; the commit's fsync is not part of it.\n");
}

typedef struct {
    agenda_opts_t o;
    char dir[256], store_path[300];
    store_t *store;
    config_t cfg;
    broker_t *b;
    uint64_t corr, msgs, xs;
    char **ids;             /* referral ids, by referral */
    size_t n_ids;
    long deferred;          /* how many the closed sessions deferred */
    char sessions[2][WF_ID_MAX];
    /* the build being timed */
    store_txn_t *txn;
    uint32_t items, minutes, left;
} bench_t;

static void say(const bench_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(const bench_t *b, const char *fmt, ...)
{
    if (!b->o.verbose)
        return;
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "huddle: bench-agenda: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
}

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static uint32_t rnd(bench_t *b, uint32_t n)
{
    b->xs ^= b->xs << 13;
    b->xs ^= b->xs >> 7;
    b->xs ^= b->xs << 17;
    return (uint32_t)(b->xs % n);
}

static void rmtree(const char *path)
{
    struct stat st;
    if (lstat(path, &st) != 0)
        return;
    if (S_ISDIR(st.st_mode)) {
        DIR *d = opendir(path);
        for (struct dirent *e; d && (e = readdir(d)) != NULL;) {
            char child[4096];
            if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..") &&
                (size_t)snprintf(child, sizeof child, "%s/%s", path, e->d_name) < sizeof child)
                rmtree(child);
        }
        if (d)
            closedir(d);
        rmdir(path);
    } else {
        unlink(path);
    }
}

/* Patient i's NHS number (a valid Modulus 11 one, distinct for each i). */
static void nhs_of(unsigned long i, char out[11])
{
    for (unsigned long n = 100000000ul + i * 3ul;; n++) {
        char d[16];
        snprintf(d, sizeof d, "%09lu", n % 1000000000ul);
        int sum = 0;
        for (int k = 0; k < 9; k++)
            sum += (d[k] - '0') * (10 - k);
        int c = (11 - sum % 11) % 11;
        if (c == 10)
            continue;
        memcpy(out, d, 9);
        out[9] = (char)('0' + c);
        out[10] = '\0';
        return;
    }
}

/* ---- the registry ------------------------------------------------------------ */

static int add_agent(store_txn_t *txn, const char *id, Huddle__Role role, const char *org, unsigned n)
{
    uint8_t key[REGISTRY_KEY_LEN];
    memset(key, 0x5a, sizeof key);
    memcpy(key, &n, sizeof n); /* distinct per agent; never used to connect */
    char *nbh = (char *)NBH;
    Huddle__AgentAdd a = HUDDLE__AGENT_ADD__INIT;
    a.agent_id = (char *)id;
    a.role = role;
    a.org_ods = (char *)org;
    a.display_name = (char *)id;
    a.n_neighbourhood_ids = role == HUDDLE__ROLE__ROLE_INT_COORDINATOR;
    a.neighbourhood_ids = &nbh;
    a.curve_public_key.data = key;
    a.curve_public_key.len = sizeof key;
    reject_t r;
    if (registry_agent_add(txn, &a, T_NOW, &r) == 0)
        return 0;
    fprintf(stderr, "huddle: bench-agenda: agent %s: %s: %s\n", id, r.field, r.reason);
    return -1;
}

/* Practice i (from 0) and its GP agent. */
static void practice_ods(long i, char out[32])
{
    snprintf(out, 32, "P%05ld", i + 1);
}

static void gp_of(long i, char out[32])
{
    snprintf(out, 32, "gp-%ld", i + 1);
}

static int registry(bench_t *b)
{
    store_txn_t *txn;
    reject_t r;
    if (store_batch_begin(b->store, &txn) != STORE_OK)
        return -1;
    Huddle__NeighbourhoodAdd n = HUDDLE__NEIGHBOURHOOD_ADD__INIT;
    n.neighbourhood_id = (char *)NBH;
    n.name = (char *)"Bench neighbourhood";
    n.local_authority = (char *)NBH_LA;
    int rc = registry_neighbourhood_add(txn, &n, T_NOW, &r);
    for (long i = 0; rc == 0 && i < b->o.practices; i++) {
        char ods[32], gp[32];
        practice_ods(i, ods);
        gp_of(i, gp);
        Huddle__PracticeAdd p = HUDDLE__PRACTICE_ADD__INIT;
        p.ods = ods;
        p.name = ods;
        p.neighbourhood_id = (char *)NBH;
        rc = registry_practice_add(txn, &p, T_NOW, &r);
        if (rc == 0)
            rc = add_agent(txn, gp, HUDDLE__ROLE__ROLE_GP_PRACTICE, ods, (unsigned)i + 1);
    }
    if (rc == 0)
        rc = add_agent(txn, COORD, HUDDLE__ROLE__ROLE_INT_COORDINATOR, "INT01", 0);
    if (rc == 0)
        return store_batch_commit(&txn) == STORE_OK ? 0 : -1;
    store_txn_end(&txn);
    return -1;
}

/* ---- frames through the broker's core --------------------------------------------- */

static void send_frame(bench_t *b, const char *rid, Huddle__Frame *f)
{
    uint8_t buf[8192];
    size_t len;
    f->version = CODEC_PROTOCOL_VERSION;
    f->corr = ++b->corr;
    if (codec_encode_frame(f, buf, sizeof buf, &len) != CODEC_OK)
        return; /* the reply check finds it missing */
    frame_peer_t peer = {rid, strlen(rid), NULL, NULL};
    broker_on_frame(b->b, &peer, buf, len, hd_time_mono_ms());
}

/* The next reply to rid, which must be of body; assigned (may be NULL) gets an
 * Accepted's assigned id. 0, or -1 (said). */
static int reply(bench_t *b, const char *rid, Huddle__Frame__BodyCase body, char assigned[WF_ID_MAX])
{
    session_t *s = session_find(broker_sessions(b->b), rid, strlen(rid));
    Huddle__Frame *f = NULL;
    codec_error_t err;
    if (!s || !s->out_head ||
        codec_decode_frame(s->out_head->data, s->out_head->len, 1u << 24, &f, &err) != CODEC_OK) {
        fprintf(stderr, "huddle: bench-agenda: no reply for %s\n", rid);
        return -1;
    }
    session_pop(s);
    int rc = f->body_case == body ? 0 : -1;
    if (rc)
        fprintf(stderr, "huddle: bench-agenda: %s: %s\n", rid,
                f->body_case == HUDDLE__FRAME__BODY_REJECTED ? f->rejected->reason : "unexpected reply");
    else if (assigned)
        snprintf(assigned, WF_ID_MAX, "%s", f->accepted->assigned_id);
    codec_frame_free(&f);
    return rc;
}

static void publish(bench_t *b, const char *rid, Huddle__Event *ev)
{
    char id[32];
    snprintf(id, sizeof id, "b-%" PRIu64, ++b->msgs);
    ev->message_id = id;
    Huddle__Frame f = HUDDLE__FRAME__INIT;
    Huddle__Publish p = HUDDLE__PUBLISH__INIT;
    f.body_case = HUDDLE__FRAME__BODY_PUBLISH;
    f.publish = &p;
    p.event = ev;
    send_frame(b, rid, &f);
}

static int clock_to(bench_t *b, int64_t ms)
{
    Huddle__Frame f = HUDDLE__FRAME__INIT;
    Huddle__ClockSet c = HUDDLE__CLOCK_SET__INIT;
    f.body_case = HUDDLE__FRAME__BODY_CLOCK_SET;
    f.clock_set = &c;
    c.now_ms = ms;
    send_frame(b, COORD, &f);
    broker_commit(b->b);
    return reply(b, COORD, HUDDLE__FRAME__BODY_PONG, NULL);
}

static int hello(bench_t *b, const char *id)
{
    Huddle__Frame f = HUDDLE__FRAME__INIT;
    Huddle__Hello h = HUDDLE__HELLO__INIT;
    f.body_case = HUDDLE__FRAME__BODY_HELLO;
    f.hello = &h;
    h.agent_id = (char *)id;
    send_frame(b, id, &f);
    broker_commit(b->b);
    return reply(b, id, HUDDLE__FRAME__BODY_WELCOME, NULL);
}

/* One request of the coordinator about a session, accepted: build, publish, close. */
static int session_step(bench_t *b, Huddle__EventKind kind, const char *sid)
{
    Huddle__Event ev = HUDDLE__EVENT__INIT;
    Huddle__MdtAgendaBuild bd = HUDDLE__MDT_AGENDA_BUILD__INIT;
    Huddle__MdtAgendaPublish pb = HUDDLE__MDT_AGENDA_PUBLISH__INIT;
    Huddle__MdtSessionClose cl = HUDDLE__MDT_SESSION_CLOSE__INIT;
    ev.kind = kind;
    bd.session_id = pb.session_id = cl.session_id = (char *)sid;
    if (kind == HUDDLE__EVENT_KIND__EVENT_KIND_MDT_AGENDA_BUILT)
        ev.payload_case = HUDDLE__EVENT__PAYLOAD_MDT_AGENDA_BUILD, ev.mdt_agenda_build = &bd;
    else if (kind == HUDDLE__EVENT_KIND__EVENT_KIND_MDT_AGENDA_PUBLISHED)
        ev.payload_case = HUDDLE__EVENT__PAYLOAD_MDT_AGENDA_PUBLISH, ev.mdt_agenda_publish = &pb;
    else
        ev.payload_case = HUDDLE__EVENT__PAYLOAD_MDT_SESSION_CLOSE, ev.mdt_session_close = &cl;
    publish(b, COORD, &ev);
    broker_commit(b->b);
    return reply(b, COORD, HUDDLE__FRAME__BODY_ACCEPTED, NULL);
}

static int create_session(bench_t *b, uint32_t minutes, char sid[WF_ID_MAX])
{
    Huddle__Event ev = HUDDLE__EVENT__INIT;
    Huddle__MdtSessionCreate c = HUDDLE__MDT_SESSION_CREATE__INIT;
    ev.kind = HUDDLE__EVENT_KIND__EVENT_KIND_MDT_SESSION_CREATED;
    ev.payload_case = HUDDLE__EVENT__PAYLOAD_MDT_SESSION_CREATE;
    ev.mdt_session_create = &c;
    c.neighbourhood_id = (char *)NBH;
    c.starts_at_ms = T_NOW + HD_MS_PER_DAY;
    c.length_minutes = minutes;
    c.title = (char *)"Bench MDT";
    publish(b, COORD, &ev);
    broker_commit(b->b);
    return reply(b, COORD, HUDDLE__FRAME__BODY_ACCEPTED, sid);
}

/* Referrals first..last-1 (patient = referral * step), as their practices' GPs. */
static int submit(bench_t *b, size_t first, size_t last, unsigned long step)
{
    for (size_t i = first; i < last; i += CHUNK) {
        size_t end = i + CHUNK < last ? i + CHUNK : last;
        for (size_t k = i; k < end; k++) {
            unsigned long patient = k * step;
            char nhs[11], ods[32], gp[32];
            nhs_of(patient, nhs);
            practice_ods((long)(patient % (unsigned long)b->o.practices), ods);
            gp_of((long)(patient % (unsigned long)b->o.practices), gp);
            Huddle__Event ev = HUDDLE__EVENT__INIT;
            Huddle__Subject sub = HUDDLE__SUBJECT__INIT;
            Huddle__ReferralSubmit s = HUDDLE__REFERRAL_SUBMIT__INIT;
            sub.nhs_number = nhs;
            ev.kind = HUDDLE__EVENT_KIND__EVENT_KIND_REFERRAL_SUBMITTED;
            ev.subject = &sub;
            ev.payload_case = HUDDLE__EVENT__PAYLOAD_REFERRAL_SUBMIT;
            ev.referral_submit = &s;
            s.nhs_number = nhs;
            s.practice_ods = ods;
            s.age_case = HUDDLE__REFERRAL_SUBMIT__AGE_AGE_YEARS;
            s.age_years = 45 + rnd(b, 50);
            s.long_term_conditions = rnd(b, 12);
            s.frailty_case = HUDDLE__REFERRAL_SUBMIT__FRAILTY_EFI_DEFICITS;
            s.efi_deficits = rnd(b, 20);
            s.cost_ratio = rnd(b, 60) / 10.0;
            s.emergency_admissions_12m = rnd(b, 4);
            s.urgent = rnd(b, 20) == 0;
            s.safeguarding_concern = rnd(b, 100) == 0;
            s.consent_recorded = true;
            s.reason = (char *)"falls, frailty and carer strain";
            publish(b, gp, &ev);
        }
        broker_commit(b->b);
        for (size_t k = i; k < end; k++) {
            char gp[32];
            gp_of((long)(k * step % (unsigned long)b->o.practices), gp);
            if (reply(b, gp, HUDDLE__FRAME__BODY_ACCEPTED, b->ids[k]))
                return -1;
        }
    }
    return 0;
}

/* Triage of referrals first..last-1: accepted onto the list, or declined. */
static int triage(bench_t *b, size_t first, size_t last, bool accept)
{
    for (size_t i = first; i < last; i += CHUNK) {
        size_t end = i + CHUNK < last ? i + CHUNK : last;
        for (size_t k = i; k < end; k++) {
            Huddle__Event ev = HUDDLE__EVENT__INIT;
            Huddle__ReferralTriage t = HUDDLE__REFERRAL_TRIAGE__INIT;
            ev.kind = HUDDLE__EVENT_KIND__EVENT_KIND_REFERRAL_TRIAGED;
            ev.payload_case = HUDDLE__EVENT__PAYLOAD_REFERRAL_TRIAGE;
            ev.referral_triage = &t;
            t.referral_id = b->ids[k];
            t.decision = accept ? HUDDLE__TRIAGE_DECISION__TRIAGE_DECISION_ACCEPT
                                : HUDDLE__TRIAGE_DECISION__TRIAGE_DECISION_DECLINE;
            t.reason = (char *)"agreed at the triage huddle";
            publish(b, COORD, &ev);
        }
        broker_commit(b->b);
        for (size_t k = i; k < end; k++)
            if (reply(b, COORD, HUDDLE__FRAME__BODY_ACCEPTED, NULL))
                return -1;
    }
    return 0;
}

/* Items on a session's agenda now. */
static long agenda_items(bench_t *b, const char *sid)
{
    store_txn_t *r;
    store_val_t v;
    long n = 0;
    if (store_read_begin(b->store, &r) != STORE_OK)
        return 0;
    if (store_get(r, STORE_SESSIONS, sid, strlen(sid), &v) == STORE_OK) {
        Huddle__SessionRecord *s = huddle__session_record__unpack(NULL, v.len, v.data);
        n = s ? (long)s->n_items : 0;
        if (s)
            huddle__session_record__free_unpacked(s, NULL);
    }
    store_txn_end(&r);
    return n;
}

/* The neighbourhood as the builds find it (see the top of this file). */
static int set_up(bench_t *b)
{
    size_t total = (size_t)(b->o.waiting + b->o.finished);
    unsigned long step = total ? (unsigned long)b->o.patients / total : 1;
    b->ids = calloc(total ? total : 1, sizeof *b->ids);
    for (size_t i = 0; b->ids && i < total; i++)
        if (!(b->ids[i] = calloc(1, WF_ID_MAX)))
            return -1;
    b->n_ids = total;
    if (!b->ids || registry(b) || broker_new(&b->b, &b->cfg, b->store) != STORE_OK || hello(b, COORD))
        return -1;
    for (long i = 0; i < b->o.practices; i++) {
        char gp[32];
        gp_of(i, gp);
        if (hello(b, gp))
            return -1;
    }
    /* week by week, the waiting arrive and are accepted, the finished are declined */
    size_t w0 = 0, f0 = (size_t)b->o.waiting;
    for (long w = 0; w < b->o.weeks; w++) {
        size_t w1 = (size_t)b->o.waiting * (size_t)(w + 1) / (size_t)b->o.weeks;
        size_t f1 = (size_t)b->o.waiting + (size_t)b->o.finished * (size_t)(w + 1) / (size_t)b->o.weeks;
        if (clock_to(b, T_NOW - (b->o.weeks - w) * WEEK_MS) || submit(b, w0, w1, step) ||
            submit(b, f0, f1, step) || triage(b, w0, w1, true) || triage(b, f0, f1, false))
            return -1;
        say(b, "week %ld of %ld: %zu waiting, %zu finished", w + 1, b->o.weeks, w1, f1 - (size_t)b->o.waiting);
        w0 = w1, f0 = f1;
    }
    /* a day before now, sessions that reached none of their items */
    if (clock_to(b, T_NOW - HD_MS_PER_DAY))
        return -1;
    while (b->deferred < b->o.deferred) {
        char sid[WF_ID_MAX];
        if (create_session(b, 480, sid) || session_step(b, HUDDLE__EVENT_KIND__EVENT_KIND_MDT_AGENDA_BUILT, sid) ||
            session_step(b, HUDDLE__EVENT_KIND__EVENT_KIND_MDT_AGENDA_PUBLISHED, sid))
            return -1;
        long n = agenda_items(b, sid);
        if (session_step(b, HUDDLE__EVENT_KIND__EVENT_KIND_MDT_SESSION_CLOSED, sid))
            return -1;
        if (n == 0)
            break; /* nobody left to defer */
        b->deferred += n;
    }
    say(b, "%ld deferred", b->deferred);
    if (clock_to(b, T_NOW) || create_session(b, 60, b->sessions[0]) || create_session(b, 480, b->sessions[1]))
        return -1;
    broker_commit(b->b);
    broker_destroy(&b->b);
    return 0;
}

/* ---- timing -------------------------------------------------------------------- */

/* What the broker lends a workflow, as broker_derived.c does it, into the build's
 * transaction; the derived agenda's figures are kept. */
static int emit(void *host, wf_ctx_t *ctx, Huddle__Event *ev, uint64_t *seq_out)
{
    bench_t *b = host;
    int rc = workflow_append_derived(ctx, ev, NULL, NULL, seq_out);
    if (ev->payload_case == HUDDLE__EVENT__PAYLOAD_MDT_AGENDA) {
        b->items = (uint32_t)ev->mdt_agenda->n_items;
        b->minutes = ev->mdt_agenda->total_minutes;
        b->left = ev->mdt_agenda->left_waiting;
    }
    return rc;
}

static int schedule(void *host, Huddle__TimerRecord *t)
{
    return timer_add(((bench_t *)host)->txn, t);
}

/* One build of session sid in a transaction aborted afterwards: its duration in ns, or
 * 0 (said) when it failed. */
static uint64_t build_once(bench_t *b, const Huddle__AgentRecord *coord, const char *sid)
{
    const wf_kind_t *k = workflow_kind(HUDDLE__EVENT_KIND__EVENT_KIND_MDT_AGENDA_BUILT);
    wf_host_t host = {b, emit, schedule};
    if (!k || store_batch_begin(b->store, &b->txn) != STORE_OK)
        return 0;
    /* the request as the broker holds it once stamped: decoded, so it owns its fields */
    uint64_t seq = store_next_seq(b->txn);
    char journey[32], msgid[32];
    snprintf(journey, sizeof journey, "seq-%" PRIu64, seq);
    snprintf(msgid, sizeof msgid, "build-%" PRIu64, seq);
    Huddle__Event proto = HUDDLE__EVENT__INIT;
    Huddle__MdtAgendaBuild bd = HUDDLE__MDT_AGENDA_BUILD__INIT;
    proto.message_id = msgid;
    proto.correlation_id = journey;
    proto.kind = HUDDLE__EVENT_KIND__EVENT_KIND_MDT_AGENDA_BUILT;
    proto.seq = seq;
    proto.received_at_ms = T_NOW;
    proto.occurred_at_ms = T_NOW;
    proto.sender = coord->agent_id;
    proto.sender_org = coord->org_ods;
    proto.sender_role = coord->role;
    proto.payload_case = HUDDLE__EVENT__PAYLOAD_MDT_AGENDA_BUILD;
    proto.mdt_agenda_build = &bd;
    bd.session_id = (char *)sid;
    size_t len;
    uint8_t *bytes = record_pack(&proto.base, &len);
    Huddle__Event *ev = bytes ? huddle__event__unpack(NULL, len, bytes) : NULL;
    free(bytes);
    wf_ctx_t ctx = {.txn = b->txn, .sender = coord->agent_id, .agent = coord, .now_ms = T_NOW, .cfg = &b->cfg,
                    .host = &host, .cause_seq = seq};
    reject_t r = {0};
    uint64_t t0 = now_ns(), t1 = 0;
    int rc = ev ? k->check(&ctx, ev, &r) : -1;
    if (rc == 0 && (bytes = record_pack(&ev->base, &len)) != NULL) {
        rc = store_append(b->txn, bytes, len, &seq);
        free(bytes);
        ctx.correlation_id = ev->correlation_id;
        if (rc == STORE_OK)
            rc = k->apply(&ctx, ev, &r);
        t1 = now_ns();
    } else if (rc == 0) {
        rc = -1;
    }
    store_txn_end(&b->txn);
    if (ev)
        huddle__event__free_unpacked(ev, NULL);
    if (rc != 0) {
        fprintf(stderr, "huddle: bench-agenda: the build failed: %s %s\n", r.field, r.reason[0] ? r.reason : "");
        return 0;
    }
    return t1 - t0 ? t1 - t0 : 1;
}

static int by_value(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

typedef struct {
    uint32_t items, minutes, left;
    double p50, p99, max;
} result_t;

static int time_builds(bench_t *b, result_t res[2])
{
    store_txn_t *r;
    Huddle__AgentRecord *coord = NULL;
    if (store_read_begin(b->store, &r) != STORE_OK)
        return -1;
    int rc = registry_agent_get(r, COORD, &coord);
    store_txn_end(&r);
    uint64_t *v = rc == STORE_OK ? calloc((size_t)b->o.builds, sizeof *v) : NULL;
    for (int s = 0; v && s < 2; s++) {
        for (long i = 0; i < b->o.builds; i++)
            if (!(v[i] = build_once(b, coord, b->sessions[s])))
                goto fail;
        qsort(v, (size_t)b->o.builds, sizeof *v, by_value);
        size_t n = (size_t)b->o.builds, p99 = (n * 99 + 99) / 100;
        res[s] = (result_t){b->items, b->minutes, b->left, v[(n - 1) / 2] / 1e6, v[p99 - 1] / 1e6, v[n - 1] / 1e6};
        say(b, "%s: %u items, p50 %.3f ms", b->sessions[s], b->items, res[s].p50);
    }
    if (v) {
        free(v);
        huddle__agent_record__free_unpacked(coord, NULL);
        return 0;
    }
fail:
    free(v);
    if (coord)
        huddle__agent_record__free_unpacked(coord, NULL);
    return -1;
}

static void print_json(const bench_t *b, const result_t res[2], double setup_s)
{
    printf("{\"patients\":%ld,\"practices\":%ld,\"waiting\":%ld,\"finished\":%ld,\"deferred\":%ld,\"weeks\":%ld,"
           "\"setup_s\":%.2f,\"builds\":%ld",
           b->o.patients, b->o.practices, b->o.waiting, b->o.finished, b->deferred, b->o.weeks, setup_s,
           b->o.builds);
    static const char *names[2] = {"session_60", "session_480"};
    for (int s = 0; s < 2; s++)
        printf(",\"%s\":{\"items\":%u,\"minutes\":%u,\"left_waiting\":%u,\"p50_ms\":%.3f,\"p99_ms\":%.3f,"
               "\"max_ms\":%.3f}",
               names[s], res[s].items, res[s].minutes, res[s].left, res[s].p50, res[s].p99, res[s].max);
    printf("}\n");
    fflush(stdout);
}

int cmd_bench_agenda(const struct opts *o, char **argv)
{
    (void)o;
    bench_t b = {.o = {.patients = 60000, .waiting = 5000, .finished = 10000, .deferred = 480, .practices = 8,
                       .weeks = 26, .builds = 200},
                 .xs = UINT64_C(0x9e3779b97f4a7c15)};
    if (options_parse(options, N_OPTIONS, argv, &b.o, "bench-agenda", NULL, 0, NULL)) {
        usage(stderr);
        return 2;
    }
    if (b.o.help) {
        usage(stdout);
        return 0;
    }
    if (b.o.waiting + b.o.finished > b.o.patients) {
        fprintf(stderr, "huddle: bench-agenda: --waiting and --finished are more than --patients\n");
        return 2;
    }
    const char *tmp = getenv("TMPDIR");
    snprintf(b.dir, sizeof b.dir, "%s/huddle-bench-agenda-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(b.dir)) {
        fprintf(stderr, "huddle: bench-agenda: cannot make a directory under %s\n", tmp && *tmp ? tmp : "/tmp");
        return 1;
    }
    snprintf(b.store_path, sizeof b.store_path, "%s/store", b.dir);
    config_defaults(&b.cfg);
    b.cfg.test_mode = true;   /* the clock is the bench's */
    b.cfg.insecure_dev = true; /* in process: Hello says who each agent is */
    b.cfg.log_level = LOG_ERROR;
    log_set_level(LOG_ERROR);
    store_config_t sc;
    store_config_defaults(&sc);
    sc.path = b.store_path;
    char why[512] = "";
    result_t res[2];
    int status = 1;
    uint64_t t0 = now_ns();
    if (store_open(&b.store, &sc, why, sizeof why) != STORE_OK)
        fprintf(stderr, "huddle: bench-agenda: %s\n", why);
    else if (set_up(&b))
        fprintf(stderr, "huddle: bench-agenda: the neighbourhood could not be set up\n");
    else
        status = time_builds(&b, res) ? 1 : 0;
    double setup_s = (double)(now_ns() - t0) / 1e9;
    broker_destroy(&b.b);
    store_close(&b.store);
    rmtree(b.dir);
    for (size_t i = 0; b.ids && i < b.n_ids; i++)
        free(b.ids[i]);
    free(b.ids);
    if (status == 0)
        print_json(&b, res, setup_s);
    return status;
}
