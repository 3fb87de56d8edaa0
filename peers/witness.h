/*
 * witness — cosignatures (C2SP tlog-cosignature v1.0.1) of the checkpoints a node holds: its
 * own, made when it verified a checkpoint consistent with everything it saw before of a log it
 * is a witness of (witset.h), and other witnesses' that arrived on gossiped notes and verified. Served appended to the
 * checkpoint note (unknown signers are ignored by signed-note readers) and listed per log.
 *
 * Database "wit:cosigs": log id (u32 BE) ‖ size (u64 BE) ‖ witness name → "timestamp line",
 * the cosignature line exactly as it appears in a note. Database "wit:latest" belongs to the
 * tlog-witness protocol (witproto.h).
 */
#ifndef REMACTO_WITNESS_H
#define REMACTO_WITNESS_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "core/note.h"
#include "store/store.h"

#define WITNESS_MAX_PER_CHECKPOINT 64
#define WITNESS_LINE_MAX (NOTE_NAME_MAX + 160)

/* A cosignature line that verified, as it is stored and served. */
struct witness_cosig {
	char name[NOTE_NAME_MAX + 1];
	uint64_t timestamp;
	char line[WITNESS_LINE_MAX]; /* "— <name> <base64>\n" */
	size_t len;
};

/* The cosignatures as a store module (databases wit:cosigs and wit:latest, no hook). */
extern const struct store_module witness_module;

/* Stores a cosignature line (with its timestamp) of log/size by witness name. */
int witness_put(struct store *s, MDB_txn *txn, uint32_t log, uint64_t size, const char *name,
                uint64_t timestamp, const char *line, size_t len);
/* The note with every stored cosignature line of (log, size) appended, into out (cap bytes),
 * but those whose signer (name and key ID) already signed the note: no signer appears twice.
 * Returns the length or -1 when it does not fit. */
int witness_note(struct store *s, MDB_txn *txn, uint32_t log, uint64_t size, const char *note,
                 size_t note_len, char *out, size_t cap);
/* The signature lines of note (len bytes) that are stored, byte for byte, as cosignatures of
 * (log, size) are left out, into out (cap bytes, at least len): they verified when they were
 * stored (witness_keep_cosigs keeps only lines that did), so a copy of a checkpoint that brings
 * nothing new costs no signature check, and one that brings a new line costs that line's.
 * Returns how many lines were left out, *out_len the length of out (valid when some were), or
 * an MDB error. */
int witness_drop_known(struct store *s, MDB_txn *txn, uint32_t log, uint64_t size, const char *note,
                       size_t len, char *out, size_t cap, size_t *out_len);
/* [{"witness":name,"size":N,"time":"…Z"}] for a log, newest sizes first, at most limit. */
json_t *witness_list(struct store *s, MDB_txn *txn, uint32_t log, size_t limit);
/* Keeps the cosignature lines of note (opened with vs) whose signers verified and are
 * cosignature keys; returns how many were new. */
int witness_keep(struct store *s, MDB_txn *txn, uint32_t log, uint64_t size,
                 const struct note *note);
/* The cosignature lines of an opened note that verified: a new array (free() it), *n its
 * length; NULL with *n 0 when there is none (or no memory). */
struct witness_cosig *witness_cosigs(const struct note *nt, size_t *n);
/* Stores cosignatures of (log, size). One line per witness and size: of two, the one with the
 * later timestamp stays (the same choice on every node, whatever the order they arrive in).
 * Returns how many changed what is stored, or an error. */
int witness_keep_cosigs(struct store *s, MDB_txn *txn, uint32_t log, uint64_t size,
                        const struct witness_cosig *c, size_t n);

#endif
