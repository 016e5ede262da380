/*
 * wire — the frames the broker sends, serialized.
 *
 * Owns packing replies and the one frame built by hand: Deliver, which wraps the
 * event's stored bytes as they are (protobuf nests a message as its bytes), so a
 * delivery costs no decode and no re-encode. Never decides what to send.
 */
#ifndef HUDDLE_WIRE_H
#define HUDDLE_WIRE_H

#include <stddef.h>
#include <stdint.h>

#include "frame.pb-c.h"
#include "session.h"
#include "workflow.h"

/* Serializes a frame into a new queueable buffer (session_push_out, or free()); NULL
 * on OOM. */
session_out_t *wire_pack(const Huddle__Frame *f);

/* Fills f and rj (both the caller's) as a Rejected frame for r; msgid may be NULL.
 * f points into rj and r: pack it before either goes. */
void wire_rejected(Huddle__Frame *f, Huddle__Rejected *rj, uint64_t corr, const reject_t *r, const char *msgid);

/* A Deliver frame (corr 0) carrying the stored event bytes, ready to queue; NULL on OOM. */
session_out_t *wire_deliver(const char *subscription, uint64_t counter, const void *event, size_t event_len);

#endif
