/*
 * wire — see wire.h.
 */
#include "wire.h"

#include <stdlib.h>
#include <string.h>

#include "codec.h"

session_out_t *wire_pack(const Huddle__Frame *f)
{
    session_out_t *o = session_out_new(huddle__frame__get_packed_size(f));
    if (o)
        o->len = huddle__frame__pack(f, o->data);
    return o;
}

void wire_rejected(Huddle__Frame *f, Huddle__Rejected *rj, uint64_t corr, const reject_t *r, const char *msgid)
{
    codec_frame_init(f, corr);
    f->body_case = HUDDLE__FRAME__BODY_REJECTED;
    f->rejected = rj;
    rj->code = r->code;
    rj->transient = r->transient;
    rj->field = (char *)r->field;
    rj->reason = (char *)r->reason;
    rj->current_state = (char *)r->current_state;
    rj->conflicting_id = (char *)r->conflicting_id;
    rj->retry_after_ms = r->retry_after_ms;
    rj->message_id = (char *)(msgid ? msgid : "");
}

static size_t varint_size(uint64_t v)
{
    size_t n = 1;
    while (v >= 0x80) {
        v >>= 7;
        n++;
    }
    return n;
}

static uint8_t *put_varint(uint8_t *p, uint64_t v)
{
    while (v >= 0x80) {
        *p++ = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    *p++ = (uint8_t)v;
    return p;
}

/* Field tags: (number << 3) | wire type (0 varint, 2 length-delimited). */
enum {
    TAG_FRAME_VERSION = (1 << 3) | 0,
    TAG_FRAME_DELIVER = (17 << 3) | 2,
    TAG_DELIVER_SUBSCRIPTION = (1 << 3) | 2,
    TAG_DELIVER_COUNTER = (2 << 3) | 0,
    TAG_DELIVER_EVENT = (3 << 3) | 2,
};

session_out_t *wire_deliver(const char *subscription, uint64_t counter, const void *event, size_t event_len)
{
    size_t name_len = strlen(subscription);
    size_t body = 1 + varint_size(name_len) + name_len + 1 + varint_size(counter) + 1 + varint_size(event_len) +
                  event_len;
    size_t total = 1 + varint_size(CODEC_PROTOCOL_VERSION) + varint_size(TAG_FRAME_DELIVER) + varint_size(body) +
                   body;
    session_out_t *o = session_out_new(total);
    if (!o)
        return NULL;
    uint8_t *p = o->data;
    p = put_varint(p, TAG_FRAME_VERSION);
    p = put_varint(p, CODEC_PROTOCOL_VERSION);
    p = put_varint(p, TAG_FRAME_DELIVER);
    p = put_varint(p, body);
    p = put_varint(p, TAG_DELIVER_SUBSCRIPTION);
    p = put_varint(p, name_len);
    memcpy(p, subscription, name_len);
    p += name_len;
    p = put_varint(p, TAG_DELIVER_COUNTER);
    p = put_varint(p, counter);
    p = put_varint(p, TAG_DELIVER_EVENT);
    p = put_varint(p, event_len);
    memcpy(p, event, event_len);
    p += event_len;
    o->len = (size_t)(p - o->data);
    return o;
}
