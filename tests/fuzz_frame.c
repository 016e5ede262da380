/*
 * fuzz_frame — libFuzzer target for frame decoding and dispatch.
 *
 * Each input is one ZeroMQ message body as an agent would send it. It goes through
 * the codec alone, then into a real broker (over a store in a temporary directory)
 * from a session that has already said Hello, so that every body reaches its
 * handler; the batch is committed and every reply decoded again, as an agent would.
 * Any crash, sanitizer report, leak or undecodable reply is a finding.
 *
 *   make fuzz            builds with clang and runs for FUZZ_SECONDS (see Makefile)
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "broker.h"
#include "codec.h"
#include "hd_time.h"
#include "log.h"
#include "testutil.h"
#include "tu_registry.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[256];
static config_t cfg;
static store_t *store;
static broker_t *broker;
static const char rid[] = "fuzzer";
/* A registered GP practice, as ZAP would have named the connection. */
static tu_agent_t me = {.id = "fuzz-agent", .role = HUDDLE__ROLE__ROLE_GP_PRACTICE, .org = "A81001"};
static const frame_peer_t peer = {rid, sizeof rid - 1, "fuzz-agent", NULL};

static void cleanup(void)
{
    broker_destroy(&broker);
    store_close(&store);
    tu_rmtree(dir);
}

static void drain(void)
{
    session_t *s = session_find(broker_sessions(broker), rid, sizeof rid - 1);
    while (s && s->out_head) {
        Huddle__Frame *f;
        codec_error_t err;
        if (codec_decode_frame(s->out_head->data, s->out_head->len, 1u << 24, &f, &err) != CODEC_OK) {
            fprintf(stderr, "the broker sent a frame it cannot decode: %s\n", err.reason);
            abort();
        }
        codec_frame_free(&f);
        session_pop(s);
    }
}

static void say_hello(void)
{
    Huddle__Frame f;
    Huddle__Hello h = HUDDLE__HELLO__INIT;
    codec_frame_init(&f, 1);
    f.body_case = HUDDLE__FRAME__BODY_HELLO;
    f.hello = &h;
    h.agent_id = (char *)"fuzz-agent";
    uint8_t buf[256];
    size_t len;
    if (codec_encode_frame(&f, buf, sizeof buf, &len) != CODEC_OK)
        abort();
    broker_on_frame(broker, &peer, buf, len, hd_time_mono_ms());
    broker_commit(broker);
    drain();
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    if (tu_mkdtemp(dir, sizeof dir) != 0)
        abort();
    atexit(cleanup);
    config_defaults(&cfg);
    cfg.test_mode = true;
    log_set_level(LOG_ERROR);
    store_config_t sc;
    store_config_defaults(&sc);
    snprintf(cfg.store, sizeof cfg.store, "%s/store", dir);
    sc.path = cfg.store;
    sc.map_initial = 1u << 20;
    sc.map_max = 256u << 20;
    if (store_open(&store, &sc, NULL, 0) != STORE_OK || tu_registry_add(store, &me, 1) != 0 ||
        broker_new(&broker, &cfg, store) != STORE_OK)
        abort();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    Huddle__Frame *f;
    codec_error_t err;
    if (codec_decode_frame(data, size, cfg.max_frame, &f, &err) == CODEC_OK)
        codec_frame_free(&f);
    /* a Bye or an overflow may have ended the session: start each input welcomed */
    session_t *s = session_find(broker_sessions(broker), rid, sizeof rid - 1);
    if (!s || !s->welcomed || s->closing) {
        if (s)
            broker_session_lost(broker, s);
        say_hello();
    }
    broker_on_frame(broker, &peer, data, size, hd_time_mono_ms());
    broker_commit(broker);
    broker_tick(broker, hd_time_mono_ms());
    drain();
    return 0;
}
