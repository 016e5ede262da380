/*
 * record — protobuf messages into the store's tables: the broker keeps every state
 * record and event serialized, and this is the one place that packs them for it.
 *
 * Never decides what is stored where (the callers own their tables and keys).
 */
#ifndef HUDDLE_RECORD_H
#define HUDDLE_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <protobuf-c/protobuf-c.h>

#include "store.h"

/* Serializes m into a new buffer (the caller frees it); NULL on OOM. */
uint8_t *record_pack(const ProtobufCMessage *m, size_t *len);

/* Serializes m and writes it under key: store_put, or store_insert when insert is
 * set (STORE_EEXIST if the key is taken). */
int record_put(store_txn_t *txn, store_table_t t, const void *key, size_t klen, const ProtobufCMessage *m,
               bool insert);

/* A deep copy of m (free with protobuf_c_message_free_unpacked); NULL on OOM. For
 * records borrowed from a scan that must outlive it. */
void *record_copy(const ProtobufCMessage *m);

#endif
