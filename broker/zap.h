/*
 * zap — the broker's ZAP handler (ZeroMQ RFC 27): the one place a CURVE handshake is
 * admitted or refused. It admits a client key only when it is the current key of an
 * ACTIVE agent in the registry (as committed), and names the connection after that
 * agent: the reply's User-Id is the agent id, and the connection's property
 * "Huddle-Key" is the key in Z85, so the broker can tell a connection made with a key
 * since replaced.
 *
 * Without a ZAP handler libzmq's CURVE server encrypts but admits any client key
 * (DESIGN.md §8): the loop binds this handler's socket before the ROUTER's, and sets
 * a ZAP domain on the ROUTER so every handshake is asked.
 *
 * Never logs a key in full or anything of a frame's content; never blocks (one
 * request per call, read without waiting).
 */
#ifndef HUDDLE_ZAP_H
#define HUDDLE_ZAP_H

#include "store.h"

/* The endpoint libzmq sends ZAP requests to, in the socket's context. */
#define ZAP_ENDPOINT "inproc://zeromq.zap.01"
/* The ZAP domain the ROUTER sets. */
#define ZAP_DOMAIN "huddle"
/* The connection property holding the key a connection presented, in Z85. */
#define ZAP_KEY_PROPERTY "Huddle-Key"

/* Answers every request waiting on sock (a REP socket bound to ZAP_ENDPOINT): 200 for
 * an active agent's key, 400 for any other key or a malformed request, 500 when the
 * store cannot be read. Returns how many requests it answered. */
int zap_serve(void *sock, store_t *store);

#endif
