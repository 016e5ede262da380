/*
 * cmd_pubsub — `huddle publish` and `huddle subscribe`: the smallest agents there are,
 * for trying a running broker by hand (`make run` in one terminal, one of these in each
 * of two others) and as worked examples of the client library (agents/hd_client.h);
 * and `huddle clock`, which moves the clock of a broker started in test mode, so that
 * a walkthrough or a test reaches a deadline days away in a moment.
 *
 * Owns: their options (one table per command), output lines and exit codes: 0 done,
 * 1 the broker refused or could not be reached (a sentence on stderr), 2 bad usage.
 * Never prints more of an event than its seq, kind and, for a MESSAGE (which carries
 * no patient data), its topic and text.
 *
 * CURVE keys come from the environment, never the command line (where `ps` shows
 * them): HUDDLE_SERVER_KEY (the broker's public key) and HUDDLE_SECRET_KEY (this
 * agent's secret key), both Z85. Without them the connection is plain TCP, which only
 * a broker in development mode accepts.
 */
#include <inttypes.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hd_client.h"
#include "hd_time.h"
#include "options.h"

/* Called from the command table in huddle.c. */
struct opts;
int cmd_publish(const struct opts *o, char **argv);
int cmd_subscribe(const struct opts *o, char **argv);
int cmd_clock(const struct opts *o, char **argv);

typedef struct {
    const char *endpoint, *agent, *topic, *message_id, *name, *set, *advance;
    long count, credit;
    bool from_start, help;
} pubsub_opts_t;

/* Numbers from 0 to 10^9. */
#define OPT(flag_, arg_, type_, field, help_)                                                       \
    {.flag = flag_, .arg = arg_, .type = OPTIONS_##type_, .offset = offsetof(pubsub_opts_t, field), \
     .max = 1000000000, .help = help_}

static const options_row_t publish_options[] = {
    OPT("--endpoint", "E", TEXT, endpoint, "broker address (default " HD_CLIENT_ENDPOINT_DEFAULT ")"),
    OPT("--agent", "ID", TEXT, agent, "agent id to claim (default none: the key names the agent; a broker "
                                      "in --insecure-dev mode needs one)"),
    OPT("--topic", "T", TEXT, topic, "message topic (default demo)"),
    OPT("--message-id", "M", TEXT, message_id, "idempotency key: M sent again is stored once (default: new)"),
    OPT("--count", "N", NUMBER, count, "publish N events (default 1), with --message-id as M-1 ... M-N"),
    OPT("--help", "", FLAG, help, "show this help"),
};

static const options_row_t subscribe_options[] = {
    OPT("--endpoint", "E", TEXT, endpoint, "broker address (default " HD_CLIENT_ENDPOINT_DEFAULT ")"),
    OPT("--agent", "ID", TEXT, agent, "agent id to claim (default none: the key names the agent; a broker "
                                      "in --insecure-dev mode needs one)"),
    OPT("--name", "NAME", TEXT, name, "durable subscription name (default demo)"),
    OPT("--topic", "T", TEXT, topic, "message topic to receive (default demo)"),
    OPT("--from-start", "", FLAG, from_start, "a new subscription starts at the first event in the log"),
    OPT("--count", "N", NUMBER, count, "stop after N deliveries (default: until Ctrl-C)"),
    OPT("--credit", "C", NUMBER, credit, "deliveries in flight before an ack (default: the broker's)"),
    OPT("--help", "", FLAG, help, "show this help"),
};

static const options_row_t clock_options[] = {
    OPT("--endpoint", "E", TEXT, endpoint, "broker address (default " HD_CLIENT_ENDPOINT_DEFAULT ")"),
    OPT("--agent", "ID", TEXT, agent, "agent id to claim (default none: the key names the agent)"),
    OPT("--set", "TIME", TEXT, set, "set the clock to TIME, RFC 3339 UTC (2026-11-23T09:00:00Z)"),
    OPT("--advance", "DURATION", TEXT, advance, "then move it forward: a number with s, m, h or d (91d)"),
    OPT("--help", "", FLAG, help, "show this help"),
};

#define N_OPTS(t) (sizeof t / sizeof t[0])

static void usage(FILE *out, const char *command, const char *args, const char *what, const options_row_t *t,
                  size_t n)
{
    fprintf(out, "usage: huddle %s [OPTIONS]%s\n\n%s\n\nOptions:\n", command, args, what);
    options_usage(out, t, n, 18);
    fprintf(out, "\nEnvironment: HUDDLE_SERVER_KEY (the broker's public key) and HUDDLE_SECRET_KEY (this agent's\n"
                 "secret key), Z85, e.g. HUDDLE_SERVER_KEY=$(cat var/keys/broker.pub)\n"
                 "HUDDLE_SECRET_KEY=$(cat var/keys/gp-a81001.key). Without them plain TCP, which only a broker\n"
                 "started with --insecure-dev accepts.\n");
}

static void log_to_stderr(void *ctx, hd_client_log_level_t level, const char *line)
{
    (void)ctx;
    if (level >= HD_CLIENT_LOG_WARN)
        fprintf(stderr, "huddle: %s\n", line);
}

static int open_client(const pubsub_opts_t *o, const char *software, hd_client_t **c)
{
    hd_client_config_t cfg;
    hd_client_config_defaults(&cfg);
    cfg.endpoint = o->endpoint;
    cfg.agent_id = o->agent;
    cfg.software_name = software;
    cfg.server_key = getenv("HUDDLE_SERVER_KEY");
    cfg.secret_key = getenv("HUDDLE_SECRET_KEY");
    if (cfg.server_key && !*cfg.server_key)
        cfg.server_key = NULL;
    cfg.log = log_to_stderr;
    int rc = hd_client_new(c, &cfg);
    if (rc == HD_CLIENT_ETIMEOUT)
        fprintf(stderr, "huddle: no broker answered at %s (is it running? `make run` starts one)\n", o->endpoint);
    else if (rc == HD_CLIENT_EINVAL)
        fprintf(stderr, "huddle: bad agent id, endpoint or keys (HUDDLE_SERVER_KEY and HUDDLE_SECRET_KEY "
                        "are 40-character Z85 keys)\n");
    else if (rc && rc != HD_CLIENT_EINTR)
        fprintf(stderr, "huddle: cannot open a session at %s: %s\n", o->endpoint, hd_client_strerror(rc));
    return rc;
}

/* "EVENT_KIND_MESSAGE" -> "MESSAGE". */
static const char *kind_name(Huddle__EventKind kind)
{
    const ProtobufCEnumValue *v = protobuf_c_enum_descriptor_get_value(&huddle__event_kind__descriptor, (int)kind);
    if (!v)
        return "UNKNOWN";
    return strncmp(v->name, "EVENT_KIND_", 11) ? v->name : v->name + 11;
}

int cmd_publish(const struct opts *o, char **argv)
{
    (void)o;
    static const char what[] = "Publishes TEXT as a MESSAGE event and prints \"accepted seq N\" (or \"duplicate of "
                               "seq N\")\nonce the broker has stored it durably.";
    pubsub_opts_t po = {HD_CLIENT_ENDPOINT_DEFAULT, NULL, "demo", NULL, NULL, NULL, NULL, 1, 0, false, false};
    char *text = NULL;
    size_t n_text;
    if (options_parse(publish_options, N_OPTS(publish_options), argv, &po, NULL, &text, 1, &n_text) ||
        (!po.help && n_text != 1) || po.count < 1) {
        usage(stderr, "publish", " TEXT", what, publish_options, N_OPTS(publish_options));
        return 2;
    }
    if (po.help) {
        usage(stdout, "publish", " TEXT", what, publish_options, N_OPTS(publish_options));
        return 0;
    }
    char id[HD_CLIENT_ID_MAX + 1] = ""; /* the longest id of the run: the last */
    if (po.message_id &&
        (size_t)snprintf(id, sizeof id, po.count == 1 ? "%s" : "%s-%ld", po.message_id, po.count) >= sizeof id) {
        fprintf(stderr, "huddle: message ids are at most %d bytes\n", HD_CLIENT_ID_MAX);
        return 2;
    }
    hd_client_t *c = NULL;
    if (open_client(&po, "huddle-publish", &c))
        return 1;
    int status = 0;
    for (long i = 1; i <= po.count && !status; i++) {
        if (po.message_id)
            snprintf(id, sizeof id, po.count == 1 ? "%s" : "%s-%ld", po.message_id, i);
        Huddle__Event ev = HUDDLE__EVENT__INIT;
        Huddle__Message m = HUDDLE__MESSAGE__INIT;
        m.topic = (char *)po.topic;
        m.text = text;
        ev.message_id = id;
        ev.kind = HUDDLE__EVENT_KIND__EVENT_KIND_MESSAGE;
        ev.occurred_at_ms = hd_time_now_ms();
        ev.payload_case = HUDDLE__EVENT__PAYLOAD_MESSAGE;
        ev.message = &m;
        hd_publish_result_t res;
        int rc = hd_client_publish(c, &ev, &res);
        if (rc == HD_CLIENT_EREJECTED) {
            fprintf(stderr, "huddle: rejected %s%s%s%s: %s\n", hd_client_reject_name(res.rejection.code),
                    res.rejection.field[0] ? " (field " : "", res.rejection.field, res.rejection.field[0] ? ")" : "",
                    res.rejection.reason);
            status = 1;
        } else if (rc) {
            fprintf(stderr, "huddle: publish failed: %s\n", hd_client_strerror(rc));
            status = 1;
        } else {
            printf("%s seq %" PRIu64 "\n", res.duplicate ? "duplicate of" : "accepted", res.seq);
            fflush(stdout);
        }
    }
    hd_client_destroy(&c);
    return status;
}

static volatile sig_atomic_t stop_requested;

static void on_stop_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
}

/* One line per delivery; control characters in the text are shown as '?'. */
static void print_delivery(const hd_delivery_t *d)
{
    printf("seq %" PRIu64 " kind %s", d->seq, kind_name(d->event->kind));
    const Huddle__Message *m = d->event->payload_case == HUDDLE__EVENT__PAYLOAD_MESSAGE ? d->event->message : NULL;
    if (m) {
        printf(" topic %s text ", m->topic);
        for (const unsigned char *p = (const unsigned char *)m->text; *p; p++)
            putchar(*p < 0x20 || *p == 0x7f ? '?' : *p);
    }
    putchar('\n');
    fflush(stdout);
}

int cmd_subscribe(const struct opts *o, char **argv)
{
    (void)o;
    static const char what[] = "Attaches to a durable subscription and prints one line per delivery, acking each,\n"
                               "until --count deliveries or Ctrl-C. Run it again with the same --name to resume\n"
                               "after the last ack.";
    pubsub_opts_t po = {HD_CLIENT_ENDPOINT_DEFAULT, NULL, "demo", NULL, "demo", NULL, NULL, 0, 0, false, false};
    if (options_parse(subscribe_options, N_OPTS(subscribe_options), argv, &po, NULL, NULL, 0, NULL)) {
        usage(stderr, "subscribe", "", what, subscribe_options, N_OPTS(subscribe_options));
        return 2;
    }
    if (po.help) {
        usage(stdout, "subscribe", "", what, subscribe_options, N_OPTS(subscribe_options));
        return 0;
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop_signal; /* no SA_RESTART: a signal ends the wait at once */
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);

    hd_client_t *c = NULL;
    int rc = open_client(&po, "huddle-subscribe", &c);
    if (rc)
        return rc == HD_CLIENT_EINTR ? 0 : 1; /* stopped while connecting */
    Huddle__Filter filter = HUDDLE__FILTER__INIT;
    char *topics[] = {(char *)po.topic};
    filter.n_topics = 1;
    filter.topics = topics;
    hd_subscribed_t sd;
    rc = hd_client_subscribe(c, po.name, &filter, (uint32_t)po.credit, po.from_start, &sd);
    if (rc) {
        const hd_rejection_t *r = hd_client_last_rejection(c);
        if (rc == HD_CLIENT_EREJECTED)
            fprintf(stderr, "huddle: subscription %s rejected %s: %s\n", po.name, hd_client_reject_name(r->code),
                    r->reason);
        else
            fprintf(stderr, "huddle: cannot subscribe: %s\n", hd_client_strerror(rc));
        hd_client_destroy(&c);
        return 1;
    }
    fprintf(stderr, "huddle: %s subscription %s after seq %" PRIu64 "; Ctrl-C stops\n",
            sd.created ? "created" : "resumed", po.name, sd.resume_from_seq);
    int status = 0;
    for (long got = 0; !stop_requested && (po.count == 0 || got < po.count);) {
        hd_delivery_t d;
        rc = hd_client_next(c, 1000, &d);
        if (rc == HD_CLIENT_ETIMEOUT || rc == HD_CLIENT_EINTR)
            continue;
        if (rc) {
            fprintf(stderr, "huddle: subscription stopped: %s\n", hd_client_strerror(rc));
            status = 1;
            break;
        }
        print_delivery(&d);
        hd_client_ack(c, d.subscription, d.seq);
        hd_delivery_release(&d);
        got++;
    }
    hd_client_destroy(&c);
    return status;
}

/* "91d", "36h", "15m", "30s" as milliseconds; -1 when malformed or over a year. */
static int64_t parse_duration(const char *text)
{
    static const struct {
        char unit;
        int64_t ms;
    } units[] = {{'s', 1000}, {'m', 60000}, {'h', 3600000}, {'d', 86400000}};
    char *end;
    long n = strtol(text, &end, 10);
    if (end == text || n < 0 || *text == '-' || *text == '+' || !end[0] || end[1])
        return -1;
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
        if (*end == units[i].unit)
            return (int64_t)n * units[i].ms <= 366 * 86400000LL ? (int64_t)n * units[i].ms : -1;
    return -1;
}

int cmd_clock(const struct opts *o, char **argv)
{
    (void)o;
    static const char what[] = "Moves the clock of a broker started with --test-mode: to --set TIME, then forward by\n"
                               "--advance; timers falling due fire at once. Prints the broker's clock afterwards.\n"
                               "A broker not in test mode refuses it.";
    pubsub_opts_t po = {HD_CLIENT_ENDPOINT_DEFAULT, NULL, NULL, NULL, NULL, NULL, NULL, 0, 0, false, false};
    int64_t set = 0, advance = 0;
    int bad = options_parse(clock_options, N_OPTS(clock_options), argv, &po, NULL, NULL, 0, NULL);
    if (!bad && !po.help) {
        if (!po.set && !po.advance) {
            fprintf(stderr, "huddle: clock: give --set, --advance or both\n");
            bad = 1;
        } else if (po.set && (hd_time_parse(po.set, strlen(po.set), &set) || set <= 0)) {
            fprintf(stderr, "huddle: clock: --set: expected a time like 2026-11-23T09:00:00Z, got \"%s\"\n", po.set);
            bad = 1;
        } else if (po.advance && (advance = parse_duration(po.advance)) < 0) {
            fprintf(stderr, "huddle: clock: --advance: expected a number with s, m, h or d up to a year, got \"%s\"\n",
                    po.advance);
            bad = 1;
        }
    }
    if (bad) {
        usage(stderr, "clock", "", what, clock_options, N_OPTS(clock_options));
        return 2;
    }
    if (po.help) {
        usage(stdout, "clock", "", what, clock_options, N_OPTS(clock_options));
        return 0;
    }
    hd_client_t *c = NULL;
    if (open_client(&po, "huddle-clock", &c))
        return 1;
    int64_t now = 0;
    int rc = hd_client_clock_set(c, set, advance, &now);
    int status = 0;
    if (rc == HD_CLIENT_EREJECTED) {
        const hd_rejection_t *r = hd_client_last_rejection(c);
        fprintf(stderr, "huddle: clock refused %s: %s\n", hd_client_reject_name(r->code), r->reason);
        status = 1;
    } else if (rc) {
        fprintf(stderr, "huddle: clock: %s\n", hd_client_strerror(rc));
        status = 1;
    } else {
        char buf[40];
        hd_time_format(now, buf, sizeof buf);
        printf("broker clock %s\n", buf);
    }
    hd_client_destroy(&c);
    return status;
}
