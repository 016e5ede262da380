/*
 * bench_env — what `huddle bench` (tools/cmd_bench.c) runs in and measures against: the
 * broker under test and this machine's raw ceilings.
 *
 * Owns: a temporary directory under $TMPDIR (or /tmp); a broker of its own there unless
 * an endpoint was given: huddled on a fresh store (its output in huddled.log, on a free
 * loopback port), CURVE on as deployed or --insecure-dev when asked, with that store's
 * registry of bench agents (GP practices, one fresh keypair each) and the broker's
 * keypair in keys/ beside the store, and the broker's process from fork to reaping; the
 * sessions' configuration: each session with our broker is the next registered agent
 * (named by its key, or claimed in Hello without CURVE), every session with a given
 * endpoint the agent of HUDDLE_SECRET_KEY; the broker's resident memory from /proc; the
 * raw ceilings (LMDB fsync'd commits and batched puts, ZeroMQ loopback messages),
 * measured in scratch directories beside the store and removed after each; the bench's
 * clock and its progress lines.
 *
 * Never: prints on stdout (progress goes to stderr when verbose, errors always) or a
 * secret key anywhere, keeps a secret key in memory past destroy, leaves its broker
 * running or its directory behind, opens a store other than its own, signals a process
 * it did not start, or installs a signal handler: every wait ends early once the
 * command's interrupted flag is set.
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

/* A fresh temporary directory and, without endpoint, huddled_path or huddled beside us,
 * to be run with --insecure-dev if insecure; with endpoint, the CURVE keys of
 * HUDDLE_SERVER_KEY and HUDDLE_SECRET_KEY, which it needs. NULL (said) if not. */
bench_env_t *bench_env_new(const char *endpoint, const char *huddled_path, bool insecure, bool verbose,
                           const volatile sig_atomic_t *interrupted);

/* Stops our broker if it still runs, removes the directory, wipes the keys and frees; safe on NULL. */
void bench_env_destroy(bench_env_t **self_p);

/* A progress line on stderr, when verbose. */
void bench_env_say(const bench_env_t *self, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* CLOCK_MONOTONIC in ns: the one clock of publish times, deadlines and rates, in every thread. */
uint64_t bench_env_now_ns(void);

/* Sleeps ns, less if a signal arrives (the command's handlers leave out SA_RESTART). */
void bench_env_sleep_ns(uint64_t ns);

/* The broker under test's endpoint, "" until ours has started; valid until destroy. */
const char *bench_env_endpoint(const bench_env_t *self);

/* A session with the broker under test, as the next unused registered agent of ours (or
 * the endpoint's one agent); agent names it in log lines only and must outlive the
 * client. Thread-safe. An HD_CLIENT_* code; HD_CLIENT_EINVAL (said) once every agent
 * registered for bench_broker_start's sessions is taken. */
int bench_env_client_open(bench_env_t *self, const char *agent, int timeout_ms, hd_client_t **c);

/* The three ceilings for values of size bytes, 1.5 s each; -1 on an error or an interrupt. */
int bench_ceilings_measure(const bench_env_t *self, size_t size, bench_ceilings_t *c);

/* Registers an agent for each of the sessions bench_env_client_open will open (and a few
 * spare) in a fresh store, writes the broker's keypair beside it unless insecure, starts
 * our broker on it and waits until it answers a Hello; -1 (said) if it did not. Once. */
int bench_broker_start(bench_env_t *self, int sessions);

/* True once our broker has exited unasked (said once, on stderr). */
bool bench_broker_gone(bench_env_t *self);

/* Our broker's VmRSS, RssAnon and RssFile in kB; false if none runs or /proc lacks them. */
bool bench_broker_memory(const bench_env_t *self, long kb[3]);

/* SIGTERM, then a wait (SIGKILL after 15 s); -1 unless it stopped cleanly or none ran. NULL-safe. */
int bench_broker_stop(bench_env_t *self);

/* The end of our broker's log, on stderr, if it wrote anything; safe on NULL. */
void bench_broker_show_log(const bench_env_t *self);

#endif
