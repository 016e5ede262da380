/*
 * store — see store.h. The LMDB environment behind Huddle's guarantees.
 *
 * Map growth: LMDB fails a write with MDB_MAP_FULL and the transaction is then
 * dead. Rather than make every caller replay its batch, a batch keeps a log of its
 * writes (puts and deletes, in order); on MDB_MAP_FULL the store aborts, grows the
 * map by one step (no transaction open, as LMDB requires), begins again and replays
 * the log. The reads the caller made in between stay valid because replaying the
 * same writes in the same order reaches the same state.
 *
 * At the maximum map size appends stop `full_headroom` bytes early (STORE_EFULL, the
 * batch still usable), so that acks and state updates keep working when publishing
 * cannot; a real MDB_MAP_FULL at the maximum fails the whole batch.
 */
#include "store.h"

#include <errno.h>
#include <fcntl.h>
#include <lmdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hd_time.h"

static const char *const table_names[STORE_TABLE_COUNT] = {
    [STORE_META] = "meta",
    [STORE_EVENTS] = "events",
    [STORE_DEDUP] = "dedup",
    [STORE_PATIENT_EVENTS] = "patient_events",
    [STORE_REFERRALS] = "referrals",
    [STORE_REFERRAL_OPEN] = "referral_open",
    [STORE_WAITING] = "waiting",
    [STORE_SESSIONS] = "sessions",
    [STORE_ASSESSMENTS] = "assessments",
    [STORE_ASSESSMENT_BY_PROVIDER] = "assessment_by_provider",
    [STORE_ASSESSMENT_BY_EPISODE] = "assessment_by_episode",
    [STORE_ASSESSMENT_BY_ASSESSOR] = "assessment_by_assessor",
    [STORE_ASSESSMENT_OPEN] = "assessment_open",
    [STORE_DECLINES] = "declines",
    [STORE_EPISODES] = "episodes",
    [STORE_EPISODE_OPEN] = "episode_open",
    [STORE_EPISODE_OPEN_AREA] = "episode_open_area",
    [STORE_DISCHARGES] = "discharges",
    [STORE_SUBSCRIPTIONS] = "subscriptions",
    [STORE_AGENTS] = "agents",
    [STORE_AGENT_KEYS] = "agent_keys",
    [STORE_PRACTICES] = "practices",
    [STORE_NEIGHBOURHOODS] = "neighbourhoods",
    [STORE_AGREEMENTS] = "agreements",
    [STORE_AGREEMENT_PAIRS] = "agreement_pairs",
    [STORE_TIMERS] = "timers",
    [STORE_AUDIT] = "audit",
    [STORE_AUDIT_BY_PATIENT] = "audit_by_patient",
    [STORE_AUDIT_BY_AGENT] = "audit_by_agent",
};

#define META_VERSION_KEY "schema_version"
#define META_CREATED_KEY "created_at"

enum { OP_PUT = 1, OP_DEL = 2 };

/* One write of a batch, as replayed after the map grows: a header then key, value. */
typedef struct {
    uint8_t op;
    uint8_t table;
    uint32_t klen;
    uint32_t vlen;
} op_hdr_t;

struct store {
    MDB_env *env;
    MDB_dbi dbi[STORE_TABLE_COUNT];
    store_config_t cfg;
    char *path;
    size_t map_size;
    size_t page_size;
    uint64_t last_seq;     /* committed */
    store_txn_t *batch;    /* the open batch, if any */
    unsigned snapshots;    /* read transactions open */
    int stale_cleared;
    unsigned grown;
    char err[160];
};

struct store_txn {
    store_t *store;
    MDB_txn *txn;
    bool write;
    int failed;            /* sticky error of a batch: only an abort remains */
    uint64_t last_seq;     /* as this transaction sees it */
    size_t bytes_written;  /* keys and values written, for the headroom estimate */
    uint8_t *log;          /* replay log of a batch */
    size_t log_len, log_cap;
};

static void set_err(store_t *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void set_err(store_t *s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(s->err, sizeof s->err, fmt, ap);
    va_end(ap);
}

/* Maps an LMDB or errno code onto the store's vocabulary, remembering the text. */
static int from_mdb(store_t *s, int rc, const char *what)
{
    switch (rc) {
    case MDB_SUCCESS: return STORE_OK;
    case MDB_NOTFOUND: return STORE_ENOTFOUND;
    case MDB_KEYEXIST: return STORE_EEXIST;
    case MDB_TXN_FULL: set_err(s, "%s: %s", what, mdb_strerror(rc)); return STORE_ETXNFULL;
    case MDB_MAP_FULL: set_err(s, "%s: %s", what, mdb_strerror(rc)); return STORE_EFULL;
    case ENOMEM: set_err(s, "%s: %s", what, mdb_strerror(rc)); return STORE_ENOMEM;
    case MDB_CORRUPTED:
    case MDB_PAGE_NOTFOUND:
    case MDB_INCOMPATIBLE:
    case MDB_INVALID:
        set_err(s, "%s: %s", what, mdb_strerror(rc));
        return STORE_ECORRUPT;
    default: set_err(s, "%s: %s", what, mdb_strerror(rc)); return STORE_EIO;
    }
}

void store_key_u64(uint8_t out[8], uint64_t v)
{
    for (int i = 7; i >= 0; i--) {
        out[i] = (uint8_t)(v & 0xff);
        v >>= 8;
    }
}

uint64_t store_u64_from_key(const void *key)
{
    const uint8_t *p = key;
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = (v << 8) | p[i];
    return v;
}

void store_config_defaults(store_config_t *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->path = "var/store";
    cfg->map_initial = (size_t)64 << 20;
    cfg->map_step = (size_t)64 << 20;
    cfg->map_max = (size_t)16 << 30;
    cfg->full_headroom = (size_t)1 << 20;
    cfg->max_readers = 126;
}

const char *store_table_name(store_table_t t)
{
    return (unsigned)t < STORE_TABLE_COUNT ? table_names[t] : "?";
}

const char *store_strerror(int code)
{
    switch (code) {
    case STORE_OK: return "ok";
    case STORE_ENOTFOUND: return "not found";
    case STORE_EFULL: return "store full: the map is at its configured maximum";
    case STORE_EVERSION: return "store written by another schema version";
    case STORE_EINVAL: return "invalid argument";
    case STORE_ETXNFULL: return "too many changes in one transaction";
    case STORE_EIO: return "store I/O failure";
    case STORE_EEXIST: return "key already exists";
    case STORE_EBUSY: return "the map must grow while a read snapshot is open";
    case STORE_ENOMEM: return "out of memory";
    case STORE_ECORRUPT: return "store corrupt";
    case STORE_EABORTED: return "batch failed earlier and can only be aborted";
    default: return "unknown store error";
    }
}

const char *store_last_error(const store_t *self)
{
    return self ? self->err : "";
}

/* mkdir -p, mode 0700 for what it creates: the store holds patient data. */
static int make_dirs(const char *path)
{
    char buf[4096];
    size_t n = strlen(path);
    if (n == 0 || n >= sizeof buf)
        return -1;
    memcpy(buf, path, n + 1);
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(buf, 0700) != 0 && errno != EEXIST)
            return -1;
        *p = '/';
    }
    if (mkdir(buf, 0700) != 0 && errno != EEXIST)
        return -1;
    return 0;
}

static void refresh_map_info(store_t *s)
{
    MDB_envinfo info;
    mdb_env_info(s->env, &info);
    s->map_size = info.me_mapsize;
}

static size_t used_bytes(store_t *s)
{
    MDB_envinfo info;
    mdb_env_info(s->env, &info);
    return ((size_t)info.me_last_pgno + 1) * s->page_size;
}

static int txn_begin_raw(store_t *s, bool write, MDB_txn **out)
{
    for (int tries = 0;; tries++) {
        int rc = mdb_txn_begin(s->env, NULL, write ? 0 : MDB_RDONLY, out);
        if (rc == MDB_MAP_RESIZED && tries < 3) {
            /* Another process grew the map: adopt its size (no transaction open). */
            if (s->snapshots > 0 || s->batch)
                return from_mdb(s, rc, "begin");
            mdb_env_set_mapsize(s->env, 0);
            refresh_map_info(s);
            continue;
        }
        return from_mdb(s, rc, "begin");
    }
}

/* Opens every table (creating them when writable) and checks the schema version. */
static int open_tables(store_t *s, char *why, size_t why_len)
{
    MDB_txn *txn;
    int rc = txn_begin_raw(s, !s->cfg.read_only, &txn);
    if (rc)
        return rc;
    unsigned flags = s->cfg.read_only ? 0 : MDB_CREATE;
    for (int t = 0; t < STORE_TABLE_COUNT; t++) {
        int mrc = mdb_dbi_open(txn, table_names[t], flags, &s->dbi[t]);
        if (mrc == MDB_NOTFOUND && s->cfg.read_only) {
            snprintf(why, why_len, "%s is not a Huddle store (no table %s); run 'huddle init' first",
                     s->path, table_names[t]);
            mdb_txn_abort(txn);
            return STORE_EVERSION;
        }
        if (mrc) {
            rc = from_mdb(s, mrc, "open table");
            snprintf(why, why_len, "cannot open table %s in %s: %s", table_names[t], s->path, s->err);
            mdb_txn_abort(txn);
            return rc;
        }
    }

    MDB_val k = {sizeof META_VERSION_KEY - 1, (void *)META_VERSION_KEY}, v;
    int mrc = mdb_get(txn, s->dbi[STORE_META], &k, &v);
    if (mrc == MDB_NOTFOUND && !s->cfg.read_only) {
        uint8_t ver[4] = {STORE_SCHEMA_VERSION >> 24, (STORE_SCHEMA_VERSION >> 16) & 0xff,
                          (STORE_SCHEMA_VERSION >> 8) & 0xff, STORE_SCHEMA_VERSION & 0xff};
        uint8_t created[8];
        store_key_u64(created, (uint64_t)hd_time_now_ms());
        MDB_val vv = {sizeof ver, ver};
        MDB_val ck = {sizeof META_CREATED_KEY - 1, (void *)META_CREATED_KEY};
        MDB_val cv = {sizeof created, created};
        mrc = mdb_put(txn, s->dbi[STORE_META], &k, &vv, 0);
        if (!mrc)
            mrc = mdb_put(txn, s->dbi[STORE_META], &ck, &cv, 0);
        if (!mrc)
            mrc = mdb_txn_commit(txn);
        else
            mdb_txn_abort(txn);
        if (mrc) {
            rc = from_mdb(s, mrc, "initialise");
            snprintf(why, why_len, "cannot initialise %s: %s", s->path, s->err);
        }
        return rc;
    }
    if (mrc) {
        rc = mrc == MDB_NOTFOUND ? STORE_EVERSION : from_mdb(s, mrc, "read schema version");
        snprintf(why, why_len, "%s has no schema version: not a Huddle store, or not initialised", s->path);
        mdb_txn_abort(txn);
        return rc;
    }
    uint32_t found = 0;
    if (v.mv_size == 4) {
        const uint8_t *p = v.mv_data;
        found = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
    }
    if (found != STORE_SCHEMA_VERSION) {
        snprintf(why, why_len,
                 "%s holds schema version %u but this Huddle reads version %u: "
                 "restore a backup made by a matching version, or migrate the store",
                 s->path, found, STORE_SCHEMA_VERSION);
        mdb_txn_abort(txn);
        return STORE_EVERSION;
    }
    MDB_cursor *c;
    mrc = mdb_cursor_open(txn, s->dbi[STORE_EVENTS], &c);
    if (!mrc) {
        MDB_val lk, lv;
        mrc = mdb_cursor_get(c, &lk, &lv, MDB_LAST);
        if (mrc == 0 && lk.mv_size == 8)
            s->last_seq = store_u64_from_key(lk.mv_data);
        else if (mrc == 0)
            mrc = MDB_CORRUPTED;
        else if (mrc == MDB_NOTFOUND)
            mrc = 0;
        mdb_cursor_close(c);
    }
    /* Commit, never abort: table handles opened in an aborted transaction are closed. */
    if (mrc)
        mdb_txn_abort(txn);
    else
        mrc = mdb_txn_commit(txn);
    if (mrc) {
        rc = from_mdb(s, mrc, "read event log");
        snprintf(why, why_len, "cannot read the event log of %s: %s", s->path, s->err);
    }
    return rc;
}

int store_open(store_t **out, const store_config_t *cfg, char *why, size_t why_len)
{
    char dummy[1];
    if (!why) {
        why = dummy;
        why_len = sizeof dummy;
    }
    *out = NULL;
    if (!cfg || !cfg->path || !*cfg->path || cfg->map_max < cfg->map_initial || cfg->map_step == 0) {
        snprintf(why, why_len, "invalid store configuration");
        return STORE_EINVAL;
    }
    store_t *s = calloc(1, sizeof *s);
    if (!s || !(s->path = strdup(cfg->path))) {
        free(s);
        snprintf(why, why_len, "out of memory");
        return STORE_ENOMEM;
    }
    s->cfg = *cfg;
    s->cfg.path = s->path;
    s->page_size = (size_t)sysconf(_SC_PAGESIZE);

    int rc;
    if (!cfg->read_only && make_dirs(cfg->path) != 0) {
        snprintf(why, why_len, "cannot create %s: %s", cfg->path, strerror(errno));
        rc = STORE_EIO;
        goto fail;
    }
    int mrc = mdb_env_create(&s->env);
    if (!mrc)
        mrc = mdb_env_set_maxdbs(s->env, STORE_TABLE_COUNT + 4);
    if (!mrc)
        mrc = mdb_env_set_maxreaders(s->env, cfg->max_readers ? cfg->max_readers : 126);
    if (!mrc)
        mrc = mdb_env_set_mapsize(s->env, cfg->map_initial);
    if (!mrc)
        mrc = mdb_env_open(s->env, cfg->path, MDB_NOTLS | (cfg->read_only ? MDB_RDONLY : 0), 0600);
    if (mrc) {
        rc = from_mdb(s, mrc, "open");
        snprintf(why, why_len, "cannot open store %s: %s", cfg->path, mdb_strerror(mrc));
        goto fail;
    }
    /* LMDB reopens an existing store with a map just big enough for its data: put it
     * back on the step it had grown to, so that the maximum is where it was. */
    refresh_map_info(s);
    if (s->map_size > cfg->map_initial && s->map_size < cfg->map_max) {
        size_t steps = (s->map_size - cfg->map_initial + cfg->map_step - 1) / cfg->map_step;
        size_t want = cfg->map_initial + steps * cfg->map_step;
        if (want > cfg->map_max || want < s->map_size)
            want = cfg->map_max;
        if (!cfg->read_only && mdb_env_set_mapsize(s->env, want) == 0)
            refresh_map_info(s);
    }
    rc = store_reader_check(s);
    if (rc < 0) {
        snprintf(why, why_len, "cannot check reader slots of %s: %s", cfg->path, s->err);
        goto fail;
    }
    s->stale_cleared = rc;
    rc = open_tables(s, why, why_len);
    if (rc)
        goto fail;
    *out = s;
    return STORE_OK;

fail:
    store_close(&s);
    return rc;
}

void store_close(store_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    store_t *s = *self_p;
    if (s->batch)
        store_txn_end(&s->batch);
    if (s->env)
        mdb_env_close(s->env);
    free(s->path);
    free(s);
    *self_p = NULL;
}

int store_reader_check(store_t *self)
{
    int dead = 0;
    int rc = mdb_reader_check(self->env, &dead);
    return rc ? from_mdb(self, rc, "reader check") : dead;
}

static int txn_new(store_t *s, bool write, store_txn_t **out)
{
    *out = NULL;
    if (write && (s->cfg.read_only || s->batch))
        return STORE_EINVAL;
    store_txn_t *t = calloc(1, sizeof *t);
    if (!t)
        return STORE_ENOMEM;
    t->store = s;
    t->write = write;
    int rc = txn_begin_raw(s, write, &t->txn);
    if (rc) {
        free(t);
        return rc;
    }
    t->last_seq = s->last_seq;
    if (!write) {
        /* Another process (the broker) may have appended since we opened. */
        MDB_cursor *c;
        if (mdb_cursor_open(t->txn, s->dbi[STORE_EVENTS], &c) == 0) {
            MDB_val lk, lv;
            if (mdb_cursor_get(c, &lk, &lv, MDB_LAST) == 0 && lk.mv_size == 8)
                t->last_seq = store_u64_from_key(lk.mv_data);
            mdb_cursor_close(c);
        }
        s->snapshots++;
    } else {
        s->batch = t;
    }
    *out = t;
    return STORE_OK;
}

int store_batch_begin(store_t *self, store_txn_t **out)
{
    return txn_new(self, true, out);
}

int store_read_begin(store_t *self, store_txn_t **out)
{
    return txn_new(self, false, out);
}

void store_txn_end(store_txn_t **txn_p)
{
    if (!txn_p || !*txn_p)
        return;
    store_txn_t *t = *txn_p;
    if (t->txn)
        mdb_txn_abort(t->txn);
    if (t->write)
        t->store->batch = NULL;
    else
        t->store->snapshots--;
    free(t->log);
    free(t);
    *txn_p = NULL;
}

static int log_write(store_txn_t *t, uint8_t op, store_table_t table, const void *k, size_t klen,
                     const void *v, size_t vlen)
{
    size_t need = sizeof(op_hdr_t) + klen + vlen;
    if (t->log_len + need > t->log_cap) {
        size_t cap = t->log_cap ? t->log_cap : 4096;
        while (cap < t->log_len + need)
            cap *= 2;
        uint8_t *p = realloc(t->log, cap);
        if (!p)
            return STORE_ENOMEM;
        t->log = p;
        t->log_cap = cap;
    }
    op_hdr_t h = {op, (uint8_t)table, (uint32_t)klen, (uint32_t)vlen};
    memcpy(t->log + t->log_len, &h, sizeof h);
    memcpy(t->log + t->log_len + sizeof h, k, klen);
    if (vlen)
        memcpy(t->log + t->log_len + sizeof h + klen, v, vlen);
    t->log_len += need;
    return STORE_OK;
}

/* Applies one write to the LMDB transaction; returns the raw LMDB code. With
 * MDB_NOOVERWRITE and a key already there, *existing (if given) is its value. */
static int apply(store_txn_t *t, uint8_t op, unsigned table, const void *k, size_t klen, const void *v,
                 size_t vlen, unsigned flags, store_val_t *existing)
{
    MDB_val mk = {klen, (void *)k}, mv = {vlen, (void *)v};
    if (op == OP_PUT) {
        int rc = mdb_put(t->txn, t->store->dbi[table], &mk, &mv, flags);
        if (rc == MDB_KEYEXIST && existing)
            *existing = (store_val_t){mv.mv_data, mv.mv_size};
        return rc;
    }
    int rc = mdb_del(t->txn, t->store->dbi[table], &mk, NULL);
    return rc == MDB_NOTFOUND ? 0 : rc;
}

/* Grows the map by one step (capped at the maximum) and replays the batch's writes
 * in a fresh transaction. Returns STORE_EFULL when already at the maximum. */
static int grow_and_replay(store_txn_t *t)
{
    store_t *s = t->store;
    if (s->map_size >= s->cfg.map_max)
        return STORE_EFULL;
    if (s->snapshots > 0)
        return STORE_EBUSY;
    if (t->txn)
        mdb_txn_abort(t->txn);
    t->txn = NULL;
    size_t next = s->map_size + s->cfg.map_step;
    if (next > s->cfg.map_max || next < s->map_size)
        next = s->cfg.map_max;
    int rc = mdb_env_set_mapsize(s->env, next);
    if (rc)
        return from_mdb(s, rc, "grow map");
    refresh_map_info(s);
    s->grown++;
    rc = txn_begin_raw(s, true, &t->txn);
    if (rc)
        return rc;
    for (size_t off = 0; off < t->log_len;) {
        op_hdr_t h;
        memcpy(&h, t->log + off, sizeof h);
        const uint8_t *k = t->log + off + sizeof h;
        int mrc = apply(t, h.op, h.table, k, h.klen, k + h.klen, h.vlen, 0, NULL);
        if (mrc == MDB_MAP_FULL)
            return grow_and_replay(t);
        if (mrc)
            return from_mdb(s, mrc, "replay");
        off += sizeof h + h.klen + h.vlen;
    }
    return STORE_OK;
}

/* One logged write with map growth; any failure but EEXIST poisons the batch. */
static int write_op(store_txn_t *t, uint8_t op, store_table_t table, const void *k, size_t klen,
                    const void *v, size_t vlen, unsigned flags, store_val_t *existing)
{
    if (!t->write || (unsigned)table >= STORE_TABLE_COUNT || !k || klen == 0 || klen > STORE_KEY_MAX ||
        vlen > UINT32_MAX)
        return STORE_EINVAL;
    if (t->failed)
        return STORE_EABORTED;
    int mrc;
    while ((mrc = apply(t, op, table, k, klen, v, vlen, flags, existing)) == MDB_MAP_FULL) {
        int rc = grow_and_replay(t);
        if (rc) {
            t->failed = rc;
            return rc;
        }
    }
    if (mrc == MDB_KEYEXIST)
        return STORE_EEXIST;
    if (mrc) {
        t->failed = from_mdb(t->store, mrc, op == OP_PUT ? "put" : "del");
        return t->failed;
    }
    int rc = log_write(t, op, table, k, klen, v, vlen);
    if (rc) {
        t->failed = rc;
        return rc;
    }
    t->bytes_written += klen + vlen;
    return STORE_OK;
}

int store_batch_commit(store_txn_t **txn_p)
{
    store_txn_t *t = *txn_p;
    if (!t || !t->write) {
        store_txn_end(txn_p);
        return STORE_EINVAL;
    }
    int rc = t->failed;
    while (!rc) {
        int mrc = mdb_txn_commit(t->txn);
        t->txn = NULL; /* ended by the commit, whatever its result */
        if (mrc == MDB_MAP_FULL) {
            rc = grow_and_replay(t);
            continue;
        }
        rc = from_mdb(t->store, mrc, "commit");
        if (!rc)
            t->store->last_seq = t->last_seq;
        break;
    }
    store_txn_end(txn_p);
    return rc;
}

uint64_t store_next_seq(const store_txn_t *txn)
{
    return txn->last_seq + 1;
}

uint64_t store_last_seq(const store_txn_t *txn)
{
    return txn->last_seq;
}

int store_append(store_txn_t *txn, const void *data, size_t len, uint64_t *seq)
{
    store_t *s = txn->store;
    if (!txn->write || (!data && len))
        return STORE_EINVAL;
    if (s->map_size >= s->cfg.map_max &&
        used_bytes(s) + 2 * txn->bytes_written + 2 * len + s->cfg.full_headroom > s->cfg.map_max)
        return STORE_EFULL;
    uint8_t key[8];
    uint64_t next = txn->last_seq + 1;
    store_key_u64(key, next);
    int rc = write_op(txn, OP_PUT, STORE_EVENTS, key, sizeof key, data, len, MDB_APPEND, NULL);
    if (rc == STORE_EEXIST) /* MDB_APPEND out of order: the log is not what we think */
        rc = txn->failed = STORE_ECORRUPT;
    if (rc)
        return rc;
    txn->last_seq = next;
    if (seq)
        *seq = next;
    return STORE_OK;
}

int store_event_get(store_txn_t *txn, uint64_t seq, store_val_t *out)
{
    uint8_t key[8];
    store_key_u64(key, seq);
    return store_get(txn, STORE_EVENTS, key, sizeof key, out);
}

/* sender \0 message_id: neither may contain NUL, so the key is unambiguous. */
static int dedup_key(uint8_t *key, size_t *klen, const char *sender, const char *message_id)
{
    if (!sender || !message_id)
        return STORE_EINVAL;
    size_t a = strlen(sender), b = strlen(message_id);
    if (a == 0 || b == 0 || a + 1 + b > STORE_KEY_MAX)
        return STORE_EINVAL;
    memcpy(key, sender, a);
    key[a] = 0;
    memcpy(key + a + 1, message_id, b);
    *klen = a + 1 + b;
    return STORE_OK;
}

int store_dedup_get(store_txn_t *txn, const char *sender, const char *message_id, store_val_t *out)
{
    uint8_t key[STORE_KEY_MAX];
    size_t klen;
    int rc = dedup_key(key, &klen, sender, message_id);
    return rc ? rc : store_get(txn, STORE_DEDUP, key, klen, out);
}

int store_dedup_insert(store_txn_t *txn, const char *sender, const char *message_id, const void *val,
                       size_t len, store_val_t *existing)
{
    uint8_t key[STORE_KEY_MAX];
    size_t klen;
    int rc = dedup_key(key, &klen, sender, message_id);
    if (rc)
        return rc;
    return write_op(txn, OP_PUT, STORE_DEDUP, key, klen, val, len, MDB_NOOVERWRITE, existing);
}

int store_dedup_del(store_txn_t *txn, const char *sender, const char *message_id)
{
    uint8_t key[STORE_KEY_MAX];
    size_t klen;
    int rc = dedup_key(key, &klen, sender, message_id);
    return rc ? rc : store_del(txn, STORE_DEDUP, key, klen);
}

int store_get(store_txn_t *txn, store_table_t t, const void *key, size_t klen, store_val_t *out)
{
    if ((unsigned)t >= STORE_TABLE_COUNT || !key || klen == 0 || klen > STORE_KEY_MAX)
        return STORE_EINVAL;
    if (txn->failed)
        return STORE_EABORTED;
    MDB_val k = {klen, (void *)key}, v;
    int rc = mdb_get(txn->txn, txn->store->dbi[t], &k, &v);
    if (rc)
        return from_mdb(txn->store, rc, "get");
    out->data = v.mv_data;
    out->len = v.mv_size;
    return STORE_OK;
}

int store_put(store_txn_t *txn, store_table_t t, const void *key, size_t klen, const void *val, size_t vlen)
{
    return write_op(txn, OP_PUT, t, key, klen, val, vlen, 0, NULL);
}

int store_insert(store_txn_t *txn, store_table_t t, const void *key, size_t klen, const void *val,
                 size_t vlen)
{
    return write_op(txn, OP_PUT, t, key, klen, val, vlen, MDB_NOOVERWRITE, NULL);
}

int store_del(store_txn_t *txn, store_table_t t, const void *key, size_t klen)
{
    store_val_t v;
    int rc = store_get(txn, t, key, klen, &v);
    return rc ? rc : write_op(txn, OP_DEL, t, key, klen, NULL, 0, 0, NULL);
}

int store_scan(store_txn_t *txn, store_table_t t, const void *from, size_t from_len, size_t prefix_len,
               store_scan_fn fn, void *ctx)
{
    if ((unsigned)t >= STORE_TABLE_COUNT || prefix_len > from_len || from_len > STORE_KEY_MAX ||
        (from_len && !from))
        return STORE_EINVAL;
    if (txn->failed)
        return STORE_EABORTED;
    MDB_cursor *c;
    int rc = mdb_cursor_open(txn->txn, txn->store->dbi[t], &c);
    if (rc)
        return from_mdb(txn->store, rc, "cursor");
    MDB_val k = {from_len, (void *)from}, v;
    rc = mdb_cursor_get(c, &k, &v, from_len ? MDB_SET_RANGE : MDB_FIRST);
    int stop = 0;
    while (rc == 0) {
        if (prefix_len && (k.mv_size < prefix_len || memcmp(k.mv_data, from, prefix_len) != 0))
            break;
        store_val_t sk = {k.mv_data, k.mv_size}, sv = {v.mv_data, v.mv_size};
        if ((stop = fn(&sk, &sv, ctx)) != 0)
            break;
        rc = mdb_cursor_get(c, &k, &v, MDB_NEXT);
    }
    mdb_cursor_close(c);
    if (stop)
        return stop;
    return rc == 0 || rc == MDB_NOTFOUND ? STORE_OK : from_mdb(txn->store, rc, "scan");
}

int store_last(store_txn_t *txn, store_table_t t, store_val_t *key, store_val_t *val)
{
    if ((unsigned)t >= STORE_TABLE_COUNT)
        return STORE_EINVAL;
    if (txn->failed)
        return STORE_EABORTED;
    MDB_cursor *c;
    int rc = mdb_cursor_open(txn->txn, txn->store->dbi[t], &c);
    if (rc)
        return from_mdb(txn->store, rc, "cursor");
    MDB_val k, v;
    rc = mdb_cursor_get(c, &k, &v, MDB_LAST);
    mdb_cursor_close(c);
    if (rc)
        return from_mdb(txn->store, rc, "last");
    if (key)
        *key = (store_val_t){k.mv_data, k.mv_size};
    if (val)
        *val = (store_val_t){v.mv_data, v.mv_size};
    return STORE_OK;
}

int store_next_id(store_txn_t *txn, const char *name, uint64_t *id)
{
    char key[64];
    int n = snprintf(key, sizeof key, "ctr:%s", name ? name : "");
    if (!name || !*name || n < 0 || (size_t)n >= sizeof key)
        return STORE_EINVAL;
    store_val_t v;
    uint64_t cur = 0;
    int rc = store_get(txn, STORE_META, key, (size_t)n, &v);
    if (rc == STORE_OK) {
        if (v.len != 8)
            return STORE_ECORRUPT;
        cur = store_u64_from_key(v.data);
    } else if (rc != STORE_ENOTFOUND) {
        return rc;
    }
    uint8_t val[8];
    store_key_u64(val, cur + 1);
    rc = write_op(txn, OP_PUT, STORE_META, key, (size_t)n, val, sizeof val, 0, NULL);
    if (!rc)
        *id = cur + 1;
    return rc;
}

int store_stat(store_t *self, store_stat_t *out)
{
    memset(out, 0, sizeof *out);
    store_txn_t *t;
    int rc = store_read_begin(self, &t);
    if (rc)
        return rc;
    for (int i = 0; i < STORE_TABLE_COUNT; i++) {
        MDB_stat st;
        if (mdb_stat(t->txn, self->dbi[i], &st) == 0)
            out->entries[i] = st.ms_entries;
    }
    out->last_seq = t->last_seq;
    store_txn_end(&t);
    MDB_envinfo info;
    mdb_env_info(self->env, &info);
    out->map_size = info.me_mapsize;
    out->map_max = self->cfg.map_max;
    out->page_size = self->page_size;
    out->used_bytes = ((size_t)info.me_last_pgno + 1) * self->page_size;
    out->readers_max = info.me_maxreaders;
    out->readers_used = info.me_numreaders;
    out->stale_readers_cleared = self->stale_cleared;
    out->map_grown = self->grown;
    return STORE_OK;
}

int store_backup(store_t *self, const char *dest_dir)
{
    char tmp[4096], final[4096];
    if (!dest_dir || !*dest_dir ||
        snprintf(tmp, sizeof tmp, "%s/data.mdb.tmp", dest_dir) >= (int)sizeof tmp ||
        snprintf(final, sizeof final, "%s/data.mdb", dest_dir) >= (int)sizeof final)
        return STORE_EINVAL;
    if (make_dirs(dest_dir) != 0) {
        set_err(self, "backup: cannot create %s: %s", dest_dir, strerror(errno));
        return STORE_EIO;
    }
    if (access(final, F_OK) == 0) {
        set_err(self, "backup: %s already exists", final);
        return STORE_EEXIST;
    }
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) {
        set_err(self, "backup: cannot create %s: %s", tmp, strerror(errno));
        return STORE_EIO;
    }
    int rc = mdb_env_copyfd2(self->env, fd, MDB_CP_COMPACT);
    if (rc) {
        rc = from_mdb(self, rc, "backup copy");
        goto fail;
    }
    if (fsync(fd) != 0 || close(fd) != 0) {
        fd = -1;
        set_err(self, "backup: cannot write %s: %s", tmp, strerror(errno));
        rc = STORE_EIO;
        goto fail;
    }
    fd = -1;
    if (rename(tmp, final) != 0) {
        set_err(self, "backup: cannot rename to %s: %s", final, strerror(errno));
        rc = STORE_EIO;
        goto fail;
    }
    int dfd = open(dest_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        rc = fsync(dfd);
        close(dfd);
        if (rc != 0) {
            set_err(self, "backup: cannot sync %s: %s", dest_dir, strerror(errno));
            return STORE_EIO;
        }
    }
    return STORE_OK;

fail:
    if (fd >= 0)
        close(fd);
    unlink(tmp);
    return rc;
}

int store_patient_index(store_txn_t *txn, const char *nhs_number, uint64_t seq)
{
    uint8_t key[32];
    size_t n = nhs_number ? strlen(nhs_number) : 0;
    if (n == 0 || n + 8 > sizeof key)
        return STORE_EINVAL;
    memcpy(key, nhs_number, n);
    store_key_u64(key + n, seq);
    return store_put(txn, STORE_PATIENT_EVENTS, key, n + 8, "", 0);
}
