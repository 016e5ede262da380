/*
 * codec — the one way a Frame enters or leaves Huddle.
 *
 * Owns: the size cap checked before unpacking, protobuf-c's unpack and free, and
 * the checks protobuf-c does not make (protocol version, a known body, UTF-8 in
 * every string, known values in every enum, bounded nesting), each reported with
 * the dotted path of the field at fault so that the broker can answer Rejected.
 *
 * Never: applies a workflow rule (lengths of NHS numbers, state transitions) —
 * that is the broker's — or touches a socket.
 */
#ifndef HUDDLE_CODEC_H
#define HUDDLE_CODEC_H

#include <stddef.h>
#include <stdint.h>

#include "frame.pb-c.h"

#define CODEC_PROTOCOL_VERSION 1u

/* Default cap on one serialized frame, overridable by configuration. */
#define CODEC_FRAME_MAX_DEFAULT (256u * 1024u)

/* Messages nest at most this deep (the schema needs far fewer). */
#define CODEC_MAX_DEPTH 12

typedef enum {
    CODEC_OK        = 0,
    CODEC_ETOOLARGE = -1, /* over the size cap: not unpacked at all */
    CODEC_EMALFORMED = -2, /* empty, or not a protobuf Frame */
    CODEC_EVERSION  = -3, /* a protocol version this broker does not speak */
    CODEC_ENOBODY   = -4, /* no body, or a body this version does not know */
    CODEC_EFIELD    = -5, /* a field holds what its type forbids: bad UTF-8, unknown enum */
    CODEC_ENOMEM    = -6,
    CODEC_ESPACE    = -7, /* encode: buffer too small */
} codec_err_t;

/* Why a frame was refused: the code, the field at fault ("" if the frame as a
 * whole) and a sentence for the sender. Never holds field values. */
typedef struct {
    int code;
    char field[160];
    char reason[160];
} codec_error_t;

/* Decodes len bytes into *out after checking len <= max_len, then checks version,
 * body and every field. On success the caller owns *out (codec_frame_free); on
 * failure *out is NULL and err says why. */
int codec_decode_frame(const void *buf, size_t len, size_t max_len, Huddle__Frame **out,
                       codec_error_t *err);

/* Frees a decoded frame and sets *frame_p to NULL; safe on NULL. */
void codec_frame_free(Huddle__Frame **frame_p);

/* Checks an already unpacked message of any type as decode does (strings, enums,
 * depth); path names it in err ("" for the top). */
int codec_check_message(const ProtobufCMessage *msg, const char *path, codec_error_t *err);

/* Initialises a frame to send: current protocol version, the given corr. */
void codec_frame_init(Huddle__Frame *frame, uint64_t corr);

/* Serializes a frame into buf; *len gets the size. CODEC_ESPACE if cap is short. */
int codec_encode_frame(const Huddle__Frame *frame, uint8_t *buf, size_t cap, size_t *len);

/* The Rejected code that answers a decode failure, and whether resending the same
 * bytes could ever succeed (never, for a decode failure but ENOMEM). */
Huddle__RejectCode codec_reject_code(int code);
int codec_is_transient(int code);

/* A short description of a code. */
const char *codec_strerror(int code);

/* The schema's name of value in d ("ASSESSMENT_STATE_ACCEPTED"), or unknown when d has
 * no such value. */
const char *codec_enum_name(const ProtobufCEnumDescriptor *d, int value, const char *unknown);

/* The name of value without prefix, lower case, '_' written as sep, into buf
 * ("awaiting response"); "kind 99" for a value d does not know. Returns buf. */
const char *codec_enum_words(const ProtobufCEnumDescriptor *d, int value, const char *prefix, char sep, char *buf,
                             size_t len);

#endif
