/*
 * store — Huddle's durable state: one LMDB environment.
 *
 * Owns: opening the environment (schema version check, stale reader slots), the
 * named tables, the event log (seq → serialized Event), the dedup table
 * (sender + message_id → seq), id counters, group commit (one write transaction
 * per broker batch, committed once with fsync), map growth in steps up to a
 * configured maximum, read snapshots, and hot backup.
 *
 * Never: touches a socket, decodes protobuf, or knows a workflow rule. Values are
 * opaque bytes; the broker decides what they mean.
 *
 * Not thread-safe: one store_t belongs to one thread (the broker's loop). Other
 * processes (the `huddle` tools) may open the same directory at the same time.
 * Never use a store_t across fork(): open it again in the child.
 */
#ifndef HUDDLE_STORE_H
#define HUDDLE_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Bumped whenever a table's key or value layout changes incompatibly. */
#define STORE_SCHEMA_VERSION 1u

/* LMDB's key limit with its default page size. */
#define STORE_KEY_MAX 511u

typedef enum {
    STORE_OK        = 0,
    STORE_ENOTFOUND = -1,  /* no such key */
    STORE_EFULL     = -2,  /* map at its configured maximum: writes refused, reads work */
    STORE_EVERSION  = -3,  /* store written by another schema version */
    STORE_EINVAL    = -4,  /* bad argument: key too long, empty key, ... */
    STORE_ETXNFULL  = -5,  /* too many changes for one transaction: commit smaller batches */
    STORE_EIO       = -6,  /* LMDB or file system failure (details in store_last_error) */
    STORE_EEXIST    = -7,  /* store_insert: key already present */
    STORE_EBUSY     = -8,  /* the map must grow but a read snapshot is still open */
    STORE_ENOMEM    = -9,
    STORE_ECORRUPT  = -10, /* a table holds what the schema says it cannot */
    STORE_EABORTED  = -11, /* an earlier failure in this batch: it can only be aborted */
} store_err_t;

/* The named tables. Keys that hold numbers are big-endian (store_key_u64) so that
 * LMDB's byte order is numeric order. The table of names lives in store.c. */
typedef enum {
    STORE_META,              /* "schema_version", "created_at", "ctr:<name>" counters */
    STORE_EVENTS,            /* seq (u64 BE) → Event */
    STORE_DEDUP,             /* sender \0 message_id → DedupRecord */
    STORE_PATIENT_EVENTS,    /* nhs_number seq (u64 BE) → empty: a patient's timeline */
    STORE_REFERRALS,         /* referral_id → ReferralRecord */
    STORE_REFERRAL_OPEN,     /* neighbourhood \0 nhs_number → referral_id */
    STORE_WAITING,           /* neighbourhood \0 referral_id → waiting-list entry */
    STORE_SESSIONS,          /* session_id → SessionRecord */
    STORE_ASSESSMENTS,       /* assessment_id → AssessmentRecord */
    STORE_ASSESSMENT_BY_PROVIDER, /* provider_ods \0 submit seq (u64 BE) → assessment_id */
    STORE_ASSESSMENT_BY_EPISODE,  /* episode_id \0 submit seq (u64 BE) → assessment_id */
    STORE_ASSESSMENT_BY_ASSESSOR, /* assessor_ods \0 submit seq (u64 BE) → assessment_id */
    STORE_ASSESSMENT_OPEN,   /* assessment_id → empty: awaiting a response or information */
    STORE_DECLINES,          /* assessor_ods → DeclineCounter */
    STORE_EPISODES,          /* episode_id → EpisodeRecord */
    STORE_EPISODE_OPEN,      /* hospital_ods \0 episode_id → empty: open episodes */
    STORE_EPISODE_OPEN_AREA, /* neighbourhood_id \0 episode_id → empty: open episodes of a
                                neighbourhood's patients */
    STORE_DISCHARGES,        /* 'H' hospital_ods \0 or 'N' neighbourhood_id \0, then discharged
                                at (ms, u64 BE), episode_id → discharged episodes' pathway,
                                placement and follow-up (4 bytes, layout in episode.c) */
    STORE_SUBSCRIPTIONS,     /* agent_id \0 name → SubscriptionRecord */
    STORE_AGENTS,            /* agent_id → AgentRecord */
    STORE_AGENT_KEYS,        /* CURVE public key (32 bytes) → agent_id */
    STORE_PRACTICES,         /* practice ODS → PracticeRecord */
    STORE_NEIGHBOURHOODS,    /* neighbourhood_id → NeighbourhoodRecord */
    STORE_AGREEMENTS,        /* agreement_id → TrustAgreementRecord */
    STORE_AGREEMENT_PAIRS,   /* assessor_ods \0 provider_ods \0 agreement_id → empty */
    STORE_TIMERS,            /* due_ms (u64 BE) timer_id (u64 BE) → TimerRecord */
    STORE_AUDIT,             /* audit_id (u64 BE) → AuditRecord */
    STORE_AUDIT_BY_PATIENT,  /* nhs_number audit_id (u64 BE) → empty */
    STORE_AUDIT_BY_AGENT,    /* agent_id \0 audit_id (u64 BE) → empty */
    STORE_TABLE_COUNT
} store_table_t;

typedef struct {
    const char *path;      /* directory holding data.mdb and lock.mdb; created if missing */
    size_t map_initial;    /* bytes mapped at first open */
    size_t map_step;       /* bytes added each time the map is full */
    size_t map_max;        /* the map never grows past this; then STORE_EFULL */
    size_t full_headroom;  /* at the maximum, appends stop this many bytes early so that
                              acks, subscriptions and state updates can still be written */
    unsigned max_readers;  /* concurrent read snapshots across all processes */
    bool read_only;        /* open for reading only (tools beside a running broker) */
} store_config_t;

typedef struct {
    size_t map_size;       /* bytes mapped now */
    size_t map_max;
    size_t used_bytes;     /* pages in use, high-water mark, in bytes */
    size_t page_size;
    uint64_t last_seq;     /* 0 when the log is empty */
    uint64_t entries[STORE_TABLE_COUNT];
    unsigned readers_max;
    unsigned readers_used;
    int stale_readers_cleared; /* at open */
    unsigned map_grown;    /* times the map grew since open */
} store_stat_t;

typedef struct store store_t;
typedef struct store_txn store_txn_t;

/* A value read from the store. Borrowed: valid until the next write in the same
 * transaction or the end of the transaction. Copy what must outlive either. */
typedef struct {
    const void *data;
    size_t len;
} store_val_t;

/* Called for each entry of a scan; return non-zero to stop (store_scan returns it). */
typedef int (*store_scan_fn)(const store_val_t *key, const store_val_t *val, void *ctx);

/* Defaults: 64 MiB initial, 64 MiB steps, 16 GiB maximum, 1 MiB headroom, 126 readers. */
void store_config_defaults(store_config_t *cfg);

/* Opens (creating if needed) the store at cfg->path. On failure returns a negative
 * code and writes a sentence for the operator into why (may be NULL). */
int store_open(store_t **out, const store_config_t *cfg, char *why, size_t why_len);

/* Closes the environment; safe on NULL and on *self_p == NULL. */
void store_close(store_t **self_p);

/* Begins the write transaction of one batch. Only one may be open at a time. */
int store_batch_begin(store_t *self, store_txn_t **out);

/* Commits the batch with one fsync'd LMDB commit and ends it (*txn_p = NULL), whatever
 * the result. On failure nothing of the batch is in the store. */
int store_batch_commit(store_txn_t **txn_p);

/* Begins a read snapshot: a consistent view as of now, unaffected by later commits. */
int store_read_begin(store_t *self, store_txn_t **out);

/* Ends a read snapshot, or aborts a batch leaving nothing. Safe on NULL. */
void store_txn_end(store_txn_t **txn_p);

/* The seq that the next store_append in this batch will take. */
uint64_t store_next_seq(const store_txn_t *txn);

/* Appends one serialized Event to the log under store_next_seq(); returns that seq in
 * *seq. Stamp the seq into the event before serializing it. STORE_EFULL here leaves
 * the batch usable for other writes. */
int store_append(store_txn_t *txn, const void *data, size_t len, uint64_t *seq);

/* Reads the event with this seq. */
int store_event_get(store_txn_t *txn, uint64_t seq, store_val_t *out);

/* The highest seq in the log as this transaction sees it (0 when empty). */
uint64_t store_last_seq(const store_txn_t *txn);

/* Idempotent publish: what was stored for (sender, message_id) — the broker keeps a
 * DedupRecord there — or STORE_ENOTFOUND. */
int store_dedup_get(store_txn_t *txn, const char *sender, const char *message_id, store_val_t *out);

/* Remembers (sender, message_id) with val, in one look-up: STORE_EEXIST when it is
 * already there, with what was stored in *existing (borrowed, as for store_get). */
int store_dedup_insert(store_txn_t *txn, const char *sender, const char *message_id, const void *val,
                       size_t len, store_val_t *existing);

/* Forgets (sender, message_id): a publish that failed after its insert. */
int store_dedup_del(store_txn_t *txn, const char *sender, const char *message_id);

/* Generic table access. Keys are 1..STORE_KEY_MAX bytes. */
int store_get(store_txn_t *txn, store_table_t t, const void *key, size_t klen, store_val_t *out);
int store_put(store_txn_t *txn, store_table_t t, const void *key, size_t klen,
              const void *val, size_t vlen);
/* Like store_put but STORE_EEXIST when the key is present. */
int store_insert(store_txn_t *txn, store_table_t t, const void *key, size_t klen,
                 const void *val, size_t vlen);
int store_del(store_txn_t *txn, store_table_t t, const void *key, size_t klen);

/* Visits entries with key >= from (from NULL: the first) in key order. Stops at the
 * first entry whose key does not start with prefix (prefix_len 0: no bound). */
int store_scan(store_txn_t *txn, store_table_t t, const void *from, size_t from_len,
               size_t prefix_len, store_scan_fn fn, void *ctx);

/* The last entry of a table, or STORE_ENOTFOUND. */
int store_last(store_txn_t *txn, store_table_t t, store_val_t *key, store_val_t *val);

/* Next value of a named counter (1, 2, 3, ...), kept in the meta table. */
int store_next_id(store_txn_t *txn, const char *name, uint64_t *id);

/* Figures for `huddle stat` and the broker's stats query. */
int store_stat(store_t *self, store_stat_t *out);

/* Clears reader slots left by dead processes; returns how many, or a negative code. */
int store_reader_check(store_t *self);

/* Hot backup: a compacted copy of the store, consistent as of one snapshot, written to
 * dest_dir/data.mdb atomically (temp file, fsync, rename, fsync of the directory).
 * dest_dir is created if missing and must not already hold a data.mdb. */
int store_backup(store_t *self, const char *dest_dir);

/* The name of a table ("events", ...), for tools and messages. */
const char *store_table_name(store_table_t t);

/* A short description of a code. */
const char *store_strerror(int code);

/* The last LMDB or system error text seen by this store, for logs ("" if none). */
const char *store_last_error(const store_t *self);

/* A patient's timeline index (STORE_PATIENT_EVENTS): adds seq under the NHS number
 * (key: the number's bytes, then seq big-endian). */
int store_patient_index(store_txn_t *txn, const char *nhs_number, uint64_t seq);

/* Big-endian u64 keys, so that byte order is numeric order. */
void store_key_u64(uint8_t out[8], uint64_t v);
uint64_t store_u64_from_key(const void *key);

#endif
