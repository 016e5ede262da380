/*
 * bench_env — what `huddle bench` (tools/cmd_bench.c) runs in and measures against: the
 * broker under test and this machine's raw ceilings.
 *
 * Owns: a temporary directory under $TMPDIR (or /tmp); a broker of its own there
 * (huddled on a fresh store, its output in huddled.log, on a free loopback port) unless
 * an endpoint was given, and that broker's process from fork to reaping; the sessions'
 * configuration (CURVE keys from the environment only for a broker given by endpoint);
 * the broker's resident memory from /proc; the raw ceilings (LMDB fsync'd commits and
 * batched puts, ZeroMQ loopback messages), measured in scratch directories beside the
 * store and removed after each; the bench's clock and its progress lines.
 *
 * Never: prints on stdout (progress goes to stderr when verbose, errors always), leaves
 * its broker running or its directory behind, opens a store other than its own, signals
 * a process it did not start, or installs a signal handler: every wait ends early once
 * the command's interrupted flag is set.
 */
#ifndef HUDDLE_BENCH_ENV_H
#define HUDDLE_BENCH_ENV_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hd_client.h"

typedef struct bench_env bench_env_t;

/* This machine's raw ceilings, per second. */
typedef struct {
    double fsync_commits; /* LMDB write transactions of one put, each synced to the device */
    double batched_puts;  /* LMDB puts, 100 to a synced transaction */
    double zmq_msgs;      /* ZeroMQ PUSH -> PULL messages over TCP loopback, one direction */
} bench_ceilings_t;

/* A fresh temporary directory and, without endpoint, huddled_path or huddled beside us; NULL (said) if not. */
bench_env_t *bench_env_new(const char *endpoint, const char *huddled_path, bool verbose,
                           const volatile sig_atomic_t *interrupted);

/* Stops our broker if it still runs, removes the directory and frees; safe on NULL. */
void bench_env_destroy(bench_env_t **self_p);

/* A progress line on stderr, when verbose. */
void bench_env_say(const bench_env_t *self, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* CLOCK_MONOTONIC in ns: the one clock of publish times, deadlines and rates, in every thread. */
uint64_t bench_env_now_ns(void);

/* Sleeps ns, less if a signal arrives (the command's handlers leave out SA_RESTART). */
void bench_env_sleep_ns(uint64_t ns);

/* The broker under test's endpoint, "" until ours has started; valid until destroy. */
const char *bench_env_endpoint(const bench_env_t *self);

/* A session with the broker under test; agent must outlive the client (its log context). */
int bench_env_client_open(const bench_env_t *self, const char *agent, int timeout_ms, hd_client_t **c);

/* The three ceilings for values of size bytes, 1.5 s each; -1 on an error or an interrupt. */
int bench_ceilings_measure(const bench_env_t *self, size_t size, bench_ceilings_t *c);

/* Starts our broker on a fresh store and waits until it answers a Hello; -1 (said) if it did not. */
int bench_broker_start(bench_env_t *self);

/* True once our broker has exited unasked (said once, on stderr). */
bool bench_broker_gone(bench_env_t *self);

/* Our broker's VmRSS, RssAnon and RssFile in kB; false if none runs or /proc lacks them. */
bool bench_broker_memory(const bench_env_t *self, long kb[3]);

/* SIGTERM, then a wait (SIGKILL after 15 s); -1 unless it stopped cleanly or none ran. NULL-safe. */
int bench_broker_stop(bench_env_t *self);

/* The end of our broker's log, on stderr, if it wrote anything; safe on NULL. */
void bench_broker_show_log(const bench_env_t *self);

#endif
