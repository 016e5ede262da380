/*
 * msg_id — message ids derived from what a command or a file row says, so that
 * running it again (after a lost answer, a crash, or for a whole file) is stored once:
 * the broker answers the repeat as a duplicate of the first.
 *
 * An id is "<prefix>-<organisation>-<16 hex>-<16 hex>": two 64-bit FNV-1a hashes, one
 * of the record it is about (patient, episode or assessment) and one of every value
 * sent. Values go in hashed, never in clear: message ids are echoed in Rejected
 * replies and written to logs, and must carry no patient identifier. Pure functions.
 */
#ifndef HUDDLE_MSG_ID_H
#define HUDDLE_MSG_ID_H

#include <stdint.h>

#define MSG_ID_LEN 65 /* an id with its NUL; the protocol's limit is 64 bytes */

typedef struct {
    uint64_t h;
} msg_id_t;

/* Starts a hash of kind (e.g. "episode v1"): each kind hashes apart. */
void msg_id_init(msg_id_t *m, const char *kind);

/* Adds one value, followed by a separator no value holds ("a","b" differs from "ab",""). */
void msg_id_add(msg_id_t *m, const char *s);

/* Adds one formatted value (at most 63 bytes of it). */
#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
void msg_id_addf(msg_id_t *m, const char *fmt, ...);

/* "<prefix>-<org (at most 10)>-<record>-<content>" into out. */
void msg_id_format(char out[MSG_ID_LEN], const char *prefix, const char *org, const msg_id_t *record,
                   const msg_id_t *content);

#endif
