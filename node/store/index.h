/*
 * index — the domain view of every log the node holds: programmes, commitments with their full
 * history, indicators and measurements, kept current in the same LMDB transaction as the entries
 * (tlog_batch_add calls index_apply), so the view can never disagree with the log it came from.
 * It is derived data: index_rebuild() drops it and replays every log.
 *
 * index_apply in strict mode also enforces what depends on the node's state, for the node's own
 * publications: an amendment, status update, milestone update or assessment names a commitment
 * (or milestone, indicator) that exists in the same log; a measurement names an existing
 * indicator. Replicated logs are indexed leniently: what a member signed is stored whatever it
 * says, and references that do not resolve are simply not linked.
 *
 * Key layout (log = the store's log id, u32 big-endian; strings without their NUL; ‖0‖ = one
 * 0x00 byte, which sorts a prefix before its extensions; index = u64 big-endian). Values hold
 * small fixed records (big-endian integers) and never entry bytes: readers fetch an entry with
 * store_entry_get(log, index) when they need its content.
 *   ix:commitments  log‖id                    → latest state (struct index_commitment)
 *   ix:history      log‖commitment‖0‖index    → kind (Entry oneof number, one byte): every
 *                                               version, status update, milestone update,
 *                                               amendment, assessment, consultation of it
 *   ix:milestones   log‖commitment‖0‖milestone → latest outcome (struct index_milestone)
 *   ix:indicators   log‖id                    → struct index_indicator
 *   ix:measurements log‖block‖indicator‖0‖index → value (IEEE 754 double, big-endian) ‖
 *                                               period; block = index >> INDEX_BLOCK_SHIFT
 *                                               (u32 big-endian)
 *   ix:programmes   log‖id                    → struct index_programme
 * Every string part is at most INDEX_MAX_ID bytes (keys stay under LMDB's 511-byte limit): a
 * longer id is refused in strict mode and left out of the index otherwise.
 *
 * Why measurements are grouped by block of entries before the indicator: a batch that touches
 * many indicators (replication catch-up, the append benchmark) would otherwise insert into as
 * many places of the tree, one dirty 4 KiB page each per commit; within a block the inserts stay
 * in a few dozen pages. A reader of one indicator seeks once per block (log size / 4096 seeks).
 */
#ifndef REMACTO_INDEX_H
#define REMACTO_INDEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rebuild.h"
#include "store.h"

/* The index as a store module: its databases (in the order of enum index_db) and index_apply as
 * the hook tlog_batch_add calls for every entry. */
extern const struct store_module index_module;
#define INDEX_NDBS 6

enum index_db {
	INDEX_COMMITMENTS,
	INDEX_HISTORY,
	INDEX_MILESTONES,
	INDEX_INDICATORS,
	INDEX_MEASUREMENTS,
	INDEX_PROGRAMMES,
};

#define INDEX_MAX_ID 200
#define INDEX_MAX_KEY (4 + 4 + 2 * (INDEX_MAX_ID + 1) + 8)
#define INDEX_BLOCK_SHIFT 12  /* 4096 log entries per measurement block */
#define INDEX_NONE UINT64_MAX /* "no such entry" for an index field */

/* The handle of one of the index's databases in s. */
static inline MDB_dbi
index_db(const struct store *s, enum index_db db)
{
	return store_dbs(s, &index_module)[db];
}

/* Indexes entry `index` of log (id, origin). Returns 0; -EINVAL with err naming the field when
 * strict and a reference does not resolve (nothing written then); an MDB error otherwise. */
int index_apply(struct store *s, MDB_txn *txn, uint32_t log, const char *origin, uint64_t index,
                const Remacto__V1__Entry *e, bool strict, char *err, size_t errcap);

/* Empties the index and replays every log in one write transaction per log. */
int index_rebuild(struct store *s, store_progress_fn progress, void *arg, char *err, size_t errcap);

/* ---- reading (the API's side) ---- */

struct index_commitment {
	uint32_t log;
	char id[INDEX_MAX_ID + 1];
	uint64_t entry;         /* latest version of the commitment */
	uint64_t first;         /* first version */
	uint64_t status_index;  /* latest status update, INDEX_NONE before the first */
	uint64_t updated_index; /* latest entry in its history */
	uint32_t versions;      /* commitment entries with this id */
	uint32_t events;        /* history length (versions included) */
	uint8_t completion;     /* Remacto__V1__Completion of the latest status update */
	uint8_t progress;       /* its progress_percent */
	uint8_t principles;     /* bit p set for each principle p of the latest version */
	char status_date[11];   /* date of the latest status update, "" before */
	char updated[11];       /* date of the latest entry in its history */
	char programme[INDEX_MAX_ID + 1];
};

struct index_milestone {
	uint32_t log;
	char commitment[INDEX_MAX_ID + 1];
	char id[INDEX_MAX_ID + 1];
	uint8_t status; /* Remacto__V1__MilestoneStatus; 0 until an update */
	uint64_t index; /* the latest milestone update, INDEX_NONE before */
	char date[11];
};

struct index_indicator {
	uint32_t log;
	char id[INDEX_MAX_ID + 1];
	uint64_t entry, first;
	uint32_t versions;
	char code[INDEX_MAX_ID + 1]; /* catalog code of the latest version, "" for a local one */
};

struct index_programme {
	uint32_t log;
	char id[INDEX_MAX_ID + 1];
	uint64_t entry, first;
	uint32_t versions;
	uint8_t stage;
};

struct index_measurement {
	uint32_t log;
	uint32_t block;
	char indicator[INDEX_MAX_ID + 1];
	char period[INDEX_MAX_ID + 1];
	uint64_t index;
	double value;
};

struct index_history {
	uint32_t log;
	char commitment[INDEX_MAX_ID + 1];
	uint64_t index;
	unsigned kind; /* Remacto__V1__Entry__KindCase */
};

/* Builds log‖a[‖0‖b] into out (a NULL a or b ends the key there; a b with a == NULL is
 * ignored). Returns the length, or 0 when a part is longer than INDEX_MAX_ID. */
size_t index_key(uint8_t out[INDEX_MAX_KEY], uint32_t log, const char *a, const char *b);
/* The start of the measurements of indicator in one block of a log: log‖block‖indicator‖0.
 * Returns the length, or 0 when indicator is longer than INDEX_MAX_ID. */
size_t index_measurement_key(uint8_t out[INDEX_MAX_KEY], uint32_t log, uint32_t block,
                             const char *indicator);
/* The log id a key starts with (0 for a key shorter than 4 bytes). */
uint32_t index_key_log(const MDB_val *k);

/* Decode one record of the named database from a cursor's key and value; false when it is
 * malformed (a corrupt index: rebuild it). */
bool index_commitment_decode(const MDB_val *k, const MDB_val *v, struct index_commitment *out);
bool index_milestone_decode(const MDB_val *k, const MDB_val *v, struct index_milestone *out);
bool index_indicator_decode(const MDB_val *k, const MDB_val *v, struct index_indicator *out);
bool index_programme_decode(const MDB_val *k, const MDB_val *v, struct index_programme *out);
bool index_measurement_decode(const MDB_val *k, const MDB_val *v, struct index_measurement *out);
bool index_history_decode(const MDB_val *k, const MDB_val *v, struct index_history *out);

/* Point lookups: 0, MDB_NOTFOUND, MDB_CORRUPTED or another MDB error. */
int index_commitment_get(struct store *s, MDB_txn *txn, uint32_t log, const char *id,
                         struct index_commitment *out);
int index_milestone_get(struct store *s, MDB_txn *txn, uint32_t log, const char *commitment,
                        const char *id, struct index_milestone *out);
int index_indicator_get(struct store *s, MDB_txn *txn, uint32_t log, const char *id,
                        struct index_indicator *out);
int index_programme_get(struct store *s, MDB_txn *txn, uint32_t log, const char *id,
                        struct index_programme *out);

#endif
