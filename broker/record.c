/*
 * record — see record.h.
 */
#include "record.h"

#include <stdlib.h>

uint8_t *record_pack(const ProtobufCMessage *m, size_t *len)
{
    size_t n = protobuf_c_message_get_packed_size(m);
    uint8_t *buf = malloc(n ? n : 1);
    if (buf)
        *len = protobuf_c_message_pack(m, buf);
    return buf;
}

int record_put(store_txn_t *txn, store_table_t t, const void *key, size_t klen, const ProtobufCMessage *m,
               bool insert)
{
    size_t len;
    uint8_t *buf = record_pack(m, &len);
    if (!buf)
        return STORE_ENOMEM;
    int rc = insert ? store_insert(txn, t, key, klen, buf, len) : store_put(txn, t, key, klen, buf, len);
    free(buf);
    return rc;
}

void *record_copy(const ProtobufCMessage *m)
{
    size_t len = 0;
    uint8_t *buf = record_pack(m, &len);
    if (!buf)
        return NULL;
    void *copy = protobuf_c_message_unpack(m->descriptor, NULL, len, buf);
    free(buf);
    return copy;
}
