/*
 * registry — who may connect and the organisations they belong to: agents with their
 * CURVE public keys, neighbourhoods, and GP practices, kept in the store.
 *
 * Owns the tables STORE_AGENTS, STORE_AGENT_KEYS (32-byte public key → agent_id: the
 * look-up the ZAP handler makes), STORE_NEIGHBOURHOODS and STORE_PRACTICES, the rules
 * of an AgentAdd, AgentRevoke, AgentRotateKey, NeighbourhoodAdd and PracticeAdd, and the
 * role table (which roles need neighbourhoods, a hospital or a council area, and the
 * names operators type for them).
 *
 * Every function works on a store transaction its caller opened and commits: the broker
 * runs them inside its batch for Admin frames, `huddle` inside one batch per command.
 * A change checks everything before it writes anything, so a refusal (-1 with r filled,
 * field paths starting at "admin.") leaves the batch as it was. A store failure while
 * writing is also -1 (BUSY or STORE_FULL, field "") and leaves the batch half done:
 * abort it.
 *
 * Never touches a socket, prints, reads a clock or a file, or sees a secret key; never
 * decides who may ask (the broker checks the sender is an ADMIN).
 */
#ifndef HUDDLE_REGISTRY_H
#define HUDDLE_REGISTRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "event.pb-c.h"
#include "frame.pb-c.h"
#include "state.pb-c.h"
#include "store.h"
#include "workflow.h"

/* A CURVE25519 public key: 32 raw bytes (40 characters in Z85). */
#define REGISTRY_KEY_LEN 32

/* Called once per listed record; the record is borrowed for the call only. Return
 * non-zero to stop: the list function then returns that value. */
typedef int (*registry_agent_fn)(const Huddle__AgentRecord *rec, void *ctx);
typedef int (*registry_neighbourhood_fn)(const Huddle__NeighbourhoodRecord *rec, void *ctx);
typedef int (*registry_practice_fn)(const Huddle__PracticeRecord *rec, void *ctx);

/* Registers a new agent, ACTIVE, and indexes its key: 0, or -1 with r filled. */
int registry_agent_add(store_txn_t *txn, const Huddle__AgentAdd *req, int64_t now_ms, reject_t *r);

/* The agent with this id into *out (free with huddle__agent_record__free_unpacked):
 * 0, STORE_ENOTFOUND, STORE_ECORRUPT or another store code. */
int registry_agent_get(store_txn_t *txn, const char *agent_id, Huddle__AgentRecord **out);

/* The ACTIVE agent holding this public key, as registry_agent_get: what ZAP admits. */
int registry_agent_by_key(store_txn_t *txn, const uint8_t key[REGISTRY_KEY_LEN], Huddle__AgentRecord **out);

/* Visits agents in id order, matching filter (NULL: every active agent): 0, the
 * callback's non-zero value, or a negative store code. */
int registry_agent_list(store_txn_t *txn, const Huddle__AgentList *filter, registry_agent_fn fn, void *ctx);

/* Revokes an ACTIVE agent for reason (1-1000 bytes): its key is refused from now on. */
int registry_agent_revoke(store_txn_t *txn, const char *agent_id, const char *reason, int64_t now_ms,
                          reject_t *r);

/* Replaces an ACTIVE agent's key with one no agent uses; the old key is refused. */
int registry_agent_rotate_key(store_txn_t *txn, const char *agent_id, const uint8_t *new_key, size_t new_key_len,
                              int64_t now_ms, reject_t *r);

/* Adds a neighbourhood, or replaces the record of an existing one (keeping created_at). */
int registry_neighbourhood_add(store_txn_t *txn, const Huddle__NeighbourhoodAdd *req, int64_t now_ms, reject_t *r);

/* The neighbourhood with this id, as registry_agent_get. */
int registry_neighbourhood_get(store_txn_t *txn, const char *id, Huddle__NeighbourhoodRecord **out);

/* Visits neighbourhoods in id order, only those of this council area unless la is NULL or "". */
int registry_neighbourhood_list(store_txn_t *txn, const char *la, registry_neighbourhood_fn fn, void *ctx);

/* Adds a GP practice to an existing neighbourhood, or replaces an existing practice's record. */
int registry_practice_add(store_txn_t *txn, const Huddle__PracticeAdd *req, int64_t now_ms, reject_t *r);

/* The practice with this ODS code (and so its neighbourhood), as registry_agent_get. */
int registry_practice_get(store_txn_t *txn, const char *ods, Huddle__PracticeRecord **out);

/* Visits practices in ODS order, only those of this neighbourhood unless it is NULL or "". */
int registry_practice_list(store_txn_t *txn, const char *neighbourhood_id, registry_practice_fn fn, void *ctx);

/* Whether s is an ONS GSS code as councils are named: one capital letter, 8 digits (E08000026). */
bool registry_gss_check(const char *s);

/* The operator's name of a role ("gp-practice"), or NULL for UNSPECIFIED and unknown values. */
const char *registry_role_name(Huddle__Role role);

/* The role an operator's name stands for, or ROLE_UNSPECIFIED. */
Huddle__Role registry_role_from_name(const char *name);

#endif
