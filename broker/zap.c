/*
 * zap — see zap.h. A request is the frames version "1.0", request id, domain, address,
 * routing id, mechanism, then the mechanism's credentials (CURVE: the client's
 * 32-byte public key). The reply is version, request id, status code, status text,
 * user id and metadata (ZMTP properties: name length, name, 4-byte value length,
 * value).
 */
#include "zap.h"

#include <errno.h>
#include <string.h>
#include <zmq.h>

#include "log.h"
#include "registry.h"

#define ZAP_FRAMES_MAX 8

typedef struct {
    zmq_msg_t part[ZAP_FRAMES_MAX];
    int n;
    bool overflow; /* more frames than a request has */
} request_t;

static void request_close(request_t *q)
{
    for (int i = 0; i < q->n; i++)
        zmq_msg_close(&q->part[i]);
}

/* One whole request, or -1 when none is waiting. */
static int request_read(void *sock, request_t *q)
{
    q->n = 0;
    q->overflow = false;
    int more = 1;
    while (more) {
        zmq_msg_t m;
        zmq_msg_init(&m);
        if (zmq_msg_recv(&m, sock, q->n ? 0 : ZMQ_DONTWAIT) < 0) {
            zmq_msg_close(&m);
            if (q->n == 0)
                return -1;
            break; /* the rest of a multi-part message is always there; cannot happen */
        }
        more = zmq_msg_more(&m);
        if (q->n < ZAP_FRAMES_MAX)
            q->part[q->n++] = m;
        else {
            q->overflow = true;
            zmq_msg_close(&m);
        }
    }
    return 0;
}

static bool part_is(const zmq_msg_t *m, const char *s)
{
    size_t n = strlen(s);
    return zmq_msg_size((zmq_msg_t *)m) == n && memcmp(zmq_msg_data((zmq_msg_t *)m), s, n) == 0;
}

static void send_part(void *sock, const void *data, size_t len, bool more)
{
    if (zmq_send(sock, data, len, more ? ZMQ_SNDMORE : 0) < 0)
        log_error("ZAP: cannot reply: %s", zmq_strerror(errno));
}

/* The metadata block holding one property. */
static size_t metadata(uint8_t *buf, const char *name, const char *value)
{
    size_t nl = strlen(name), vl = strlen(value);
    uint8_t *p = buf;
    *p++ = (uint8_t)nl;
    memcpy(p, name, nl);
    p += nl;
    *p++ = (uint8_t)(vl >> 24);
    *p++ = (uint8_t)(vl >> 16);
    *p++ = (uint8_t)(vl >> 8);
    *p++ = (uint8_t)vl;
    memcpy(p, value, vl);
    return (size_t)(p - buf) + vl;
}

static void reply(void *sock, const zmq_msg_t *request_id, const char *code, const char *text, const char *user,
                  const char *key_z85)
{
    uint8_t meta[64];
    size_t mlen = key_z85 ? metadata(meta, ZAP_KEY_PROPERTY, key_z85) : 0;
    send_part(sock, "1.0", 3, true);
    send_part(sock, request_id ? zmq_msg_data((zmq_msg_t *)request_id) : "",
              request_id ? zmq_msg_size((zmq_msg_t *)request_id) : 0, true);
    send_part(sock, code, strlen(code), true);
    send_part(sock, text, strlen(text), true);
    send_part(sock, user, strlen(user), true);
    send_part(sock, meta, mlen, false);
}

/* Decides one request: the status code, with text, user and key filled on 200. */
static const char *decide(store_t *store, request_t *q, const char **text, char *user, size_t user_len,
                          char key_z85[41])
{
    if (q->overflow || q->n < 6 || !part_is(&q->part[0], "1.0")) {
        *text = "malformed ZAP request";
        return "400";
    }
    if (!part_is(&q->part[5], "CURVE") || q->n != 7 || zmq_msg_size(&q->part[6]) != REGISTRY_KEY_LEN) {
        *text = "CURVE with a 32-byte client key is required";
        log_warn("handshake refused: not a CURVE client key");
        return "400";
    }
    const uint8_t *key = zmq_msg_data(&q->part[6]);
    zmq_z85_encode(key_z85, key, REGISTRY_KEY_LEN);
    store_txn_t *txn = NULL;
    Huddle__AgentRecord *a = NULL;
    int rc = store_read_begin(store, &txn);
    if (rc == STORE_OK)
        rc = registry_agent_by_key(txn, key, &a);
    store_txn_end(&txn);
    if (rc == STORE_ENOTFOUND) {
        /* a prefix of the key is enough for an operator to match it against key files */
        log_warn("handshake refused: key %.8s... is not an active agent's", key_z85);
        *text = "this key is not registered to an active agent";
        return "400";
    }
    if (rc != STORE_OK) {
        log_error("handshake refused: the registry cannot be read: %s", store_strerror(rc));
        *text = "the registry cannot be read";
        return "500";
    }
    snprintf(user, user_len, "%s", a->agent_id);
    huddle__agent_record__free_unpacked(a, NULL);
    *text = "OK";
    return "200";
}

int zap_serve(void *sock, store_t *store)
{
    int answered = 0;
    request_t q;
    while (request_read(sock, &q) == 0) {
        const char *text = "";
        char user[128] = "", key_z85[41] = "";
        const char *code = decide(store, &q, &text, user, sizeof user, key_z85);
        bool ok = code[0] == '2';
        reply(sock, q.n > 1 ? &q.part[1] : NULL, code, text, ok ? user : "", ok ? key_z85 : NULL);
        request_close(&q);
        answered++;
    }
    return answered;
}
