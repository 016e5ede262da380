/*
 * codec — see codec.h. The checks walk protobuf-c's descriptors, so every message
 * of the schema, present and future, gets them without code of its own.
 */
#include "codec.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

static int fail(codec_error_t *err, int code, const char *field, const char *reason)
{
    if (err) {
        err->code = code;
        snprintf(err->field, sizeof err->field, "%s", field ? field : "");
        snprintf(err->reason, sizeof err->reason, "%s", reason);
    }
    return code;
}

/* Well-formed UTF-8: no overlong forms, no surrogates, nothing above U+10FFFF. */
static bool utf8_valid(const unsigned char *s)
{
    while (*s) {
        unsigned c = *s;
        if (c < 0x80) {
            s++;
            continue;
        }
        int n;
        unsigned min, cp;
        if ((c & 0xe0) == 0xc0) {
            n = 1, min = 0x80, cp = c & 0x1f;
        } else if ((c & 0xf0) == 0xe0) {
            n = 2, min = 0x800, cp = c & 0x0f;
        } else if ((c & 0xf8) == 0xf0) {
            n = 3, min = 0x10000, cp = c & 0x07;
        } else {
            return false;
        }
        for (int i = 1; i <= n; i++) {
            if ((s[i] & 0xc0) != 0x80)
                return false;
            cp = (cp << 6) | (s[i] & 0x3f);
        }
        if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
            return false;
        s += n + 1;
    }
    return true;
}

/* Appends ".name" to path; returns the old length, to cut back to. */
static size_t path_field(char *path, size_t cap, const char *name)
{
    size_t old = strlen(path);
    snprintf(path + old, cap - old, "%s%s", old ? "." : "", name);
    return old;
}

/* Appends "[i]" to path; returns the old length. */
static size_t path_index(char *path, size_t cap, size_t index)
{
    size_t old = strlen(path);
    snprintf(path + old, cap - old, "[%zu]", index);
    return old;
}

static int check(const ProtobufCMessage *m, char *path, size_t cap, int depth, codec_error_t *err)
{
    const ProtobufCMessageDescriptor *d = m->descriptor;
    if (depth > CODEC_MAX_DEPTH)
        return fail(err, CODEC_EFIELD, path, "messages nested too deep");
    const char *base = (const char *)m;
    for (unsigned i = 0; i < d->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &d->fields[i];
        if ((f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) &&
            *(const uint32_t *)(const void *)(base + f->quantifier_offset) != f->id)
            continue;
        if (f->type != PROTOBUF_C_TYPE_STRING && f->type != PROTOBUF_C_TYPE_ENUM &&
            f->type != PROTOBUF_C_TYPE_MESSAGE)
            continue;
        size_t n = 1;
        const void *elems = base + f->offset;
        bool repeated = f->label == PROTOBUF_C_LABEL_REPEATED;
        if (repeated) {
            n = *(const size_t *)(const void *)(base + f->quantifier_offset);
            elems = *(void *const *)elems;
        }
        size_t at = path_field(path, cap, f->name);
        for (size_t k = 0; k < n; k++) {
            size_t at_k = repeated ? path_index(path, cap, k) : strlen(path);
            int rc = CODEC_OK;
            if (f->type == PROTOBUF_C_TYPE_STRING) {
                const char *s = ((const char *const *)elems)[k];
                if (s && !utf8_valid((const unsigned char *)s))
                    rc = fail(err, CODEC_EFIELD, path, "text is not valid UTF-8");
            } else if (f->type == PROTOBUF_C_TYPE_ENUM) {
                int v = ((const int *)elems)[k];
                if (!protobuf_c_enum_descriptor_get_value(f->descriptor, v))
                    rc = fail(err, CODEC_EFIELD, path, "unknown enum value");
            } else {
                const ProtobufCMessage *sub = ((const ProtobufCMessage *const *)elems)[k];
                if (sub)
                    rc = check(sub, path, cap, depth + 1, err);
            }
            if (rc)
                return rc;
            path[at_k] = '\0';
        }
        path[at] = '\0';
    }
    return CODEC_OK;
}

int codec_check_message(const ProtobufCMessage *msg, const char *path, codec_error_t *err)
{
    char buf[sizeof err->field];
    snprintf(buf, sizeof buf, "%s", path ? path : "");
    return check(msg, buf, sizeof buf, 0, err);
}

int codec_decode_frame(const void *buf, size_t len, size_t max_len, Huddle__Frame **out, codec_error_t *err)
{
    *out = NULL;
    if (err)
        memset(err, 0, sizeof *err);
    if (len > max_len) {
        char why[96];
        snprintf(why, sizeof why, "frame of %zu bytes is over the limit of %zu", len, max_len);
        return fail(err, CODEC_ETOOLARGE, "", why);
    }
    if (len == 0 || !buf)
        return fail(err, CODEC_EMALFORMED, "", "empty frame");
    Huddle__Frame *f = huddle__frame__unpack(NULL, len, buf);
    if (!f)
        return fail(err, CODEC_EMALFORMED, "", "not a protobuf Frame");
    int rc;
    if (f->version != CODEC_PROTOCOL_VERSION) {
        char why[96];
        snprintf(why, sizeof why, "protocol version %u is not supported; this broker speaks version %u",
                 f->version, CODEC_PROTOCOL_VERSION);
        rc = fail(err, CODEC_EVERSION, "version", why);
    } else if (f->body_case == HUDDLE__FRAME__BODY__NOT_SET) {
        rc = fail(err, CODEC_ENOBODY, "body", "frame has no body, or a body this version does not know");
    } else {
        rc = codec_check_message(&f->base, "", err);
    }
    if (rc) {
        huddle__frame__free_unpacked(f, NULL);
        return rc;
    }
    *out = f;
    return CODEC_OK;
}

void codec_frame_free(Huddle__Frame **frame_p)
{
    if (!frame_p || !*frame_p)
        return;
    huddle__frame__free_unpacked(*frame_p, NULL);
    *frame_p = NULL;
}

void codec_frame_init(Huddle__Frame *frame, uint64_t corr)
{
    huddle__frame__init(frame);
    frame->version = CODEC_PROTOCOL_VERSION;
    frame->corr = corr;
}

int codec_encode_frame(const Huddle__Frame *frame, uint8_t *buf, size_t cap, size_t *len)
{
    size_t need = huddle__frame__get_packed_size(frame);
    if (need > cap)
        return CODEC_ESPACE;
    *len = huddle__frame__pack(frame, buf);
    return CODEC_OK;
}

Huddle__RejectCode codec_reject_code(int code)
{
    switch (code) {
    case CODEC_ETOOLARGE: return HUDDLE__REJECT_CODE__REJECT_CODE_TOO_LARGE;
    case CODEC_EVERSION: return HUDDLE__REJECT_CODE__REJECT_CODE_UNSUPPORTED_VERSION;
    case CODEC_ENOMEM: return HUDDLE__REJECT_CODE__REJECT_CODE_BUSY;
    default: return HUDDLE__REJECT_CODE__REJECT_CODE_MALFORMED;
    }
}

int codec_is_transient(int code)
{
    return code == CODEC_ENOMEM;
}

const char *codec_strerror(int code)
{
    switch (code) {
    case CODEC_OK: return "ok";
    case CODEC_ETOOLARGE: return "frame too large";
    case CODEC_EMALFORMED: return "malformed frame";
    case CODEC_EVERSION: return "unsupported protocol version";
    case CODEC_ENOBODY: return "frame without a known body";
    case CODEC_EFIELD: return "field holds a value its type forbids";
    case CODEC_ENOMEM: return "out of memory";
    case CODEC_ESPACE: return "buffer too small";
    default: return "unknown codec error";
    }
}

const char *codec_enum_name(const ProtobufCEnumDescriptor *d, int value, const char *unknown)
{
    const ProtobufCEnumValue *v = protobuf_c_enum_descriptor_get_value(d, value);
    return v ? v->name : unknown;
}

const char *codec_enum_words(const ProtobufCEnumDescriptor *d, int value, const char *prefix, char sep, char *buf,
                             size_t len)
{
    const ProtobufCEnumValue *v = protobuf_c_enum_descriptor_get_value(d, value);
    if (!v) {
        snprintf(buf, len, "kind %d", value);
        return buf;
    }
    const char *s = v->name;
    if (!strncmp(s, prefix, strlen(prefix)))
        s += strlen(prefix);
    size_t i = 0;
    for (; s[i] && i + 1 < len; i++)
        buf[i] = s[i] == '_' ? sep : (s[i] >= 'A' && s[i] <= 'Z' ? (char)(s[i] - 'A' + 'a') : s[i]);
    buf[i] = '\0';
    return buf;
}
