/*
 * keyfile — CURVE keypairs on disk for the command lines (`huddle`, and the agent
 * programs huddle-gp and huddle-coordinator): making one, writing PREFIX.key (the
 * secret, mode 0600) and PREFIX.pub as one Z85 line each, atomically (temporary file,
 * fsync, rename, fsync of the directory), never over an existing file; and reading a
 * key back from such a file.
 *
 * Never prints a secret key, and wipes the copies it makes of one.
 */
#ifndef HUDDLE_KEYFILE_H
#define HUDDLE_KEYFILE_H

#include <stddef.h>
#include <stdint.h>

#define KEYFILE_Z85_LEN 40 /* a CURVE key in Z85, without the NUL */
#define KEYFILE_RAW_LEN 32

typedef struct {
    char pub[KEYFILE_Z85_LEN + 1];
    char sec[KEYFILE_Z85_LEN + 1];
    uint8_t raw[KEYFILE_RAW_LEN]; /* the public key */
} keyfile_pair_t;

/* Zeroes memory that held a secret, in a way the compiler keeps. */
void keyfile_wipe(void *p, size_t n);

/* A fresh CURVE keypair: 0, or -1 with a sentence on stderr. */
int keyfile_pair_new(keyfile_pair_t *kp);

/* Writes PREFIX.key (0600) and PREFIX.pub, neither existing: 0, or -1 leaving neither
 * (with a sentence on stderr). */
int keyfile_pair_write(const char *prefix, const keyfile_pair_t *kp);

/* Removes PREFIX.key and PREFIX.pub (undoing a keyfile_pair_write). */
void keyfile_pair_unlink(const char *prefix);

/* Reads the one Z85 key a .key or .pub file holds (a trailing newline, CRLF or spaces
 * are allowed) into out: 0, or -1 with a sentence naming the file in why (never the
 * key). */
int keyfile_read(const char *path, char out[KEYFILE_Z85_LEN + 1], char *why, size_t why_len);

/* mkdir -p, mode 0700 for what it creates: key directories hold secrets. */
int keyfile_mkdirs(const char *path);

#endif
