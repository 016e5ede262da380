/*
 * offline — what the `huddle` commands that edit a stopped broker's store share:
 * opening the store with a sentence on failure, taking the broker's lock
 * (<store>/huddled.lock, held by huddled while it runs, so registry edits never happen
 * behind its back), and printing a refusal from the registry's rules.
 *
 * Never changes a record itself; every message goes to stderr with "huddle: ".
 */
#ifndef HUDDLE_OFFLINE_H
#define HUDDLE_OFFLINE_H

#include <stdbool.h>

#include "store.h"
#include "workflow.h"

/* The lock file huddled holds, inside the store directory. */
#define OFFLINE_LOCK_FILE "huddled.lock"

/* Whether path holds a store (its data.mdb). */
bool offline_store_exists(const char *path);

/* Opens the store at path: STORE_OK, or a store code with a sentence on stderr. */
int offline_open(const char *path, bool read_only, store_t **out);

/* Takes the lock a running broker holds: the fd to close when done, or -1 with a
 * sentence on stderr (a broker runs there, or the lock cannot be taken). */
int offline_lock(const char *store);

/* "huddle: FIELD: REASON" for a registry refusal. */
void offline_print_reject(const reject_t *r);

#endif
