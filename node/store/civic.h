/*
 * civic — what citizens follow, kept in the store entry by entry (a store module, like the
 * domain index, index.h): who assessed a commitment or reported on a consultation, from the
 * member's own log and from observers' logs; the versions and amendments of every indicator
 * (its target history); and the events a feed reader subscribes to, by log and nationally by
 * publication time. Written in the append transaction by civic_apply, so it never disagrees
 * with the logs; derived data that `remacto log reindex` rebuilds.
 *
 * Key layout (log = the store's log id, u32 big-endian; index = u64 big-endian; ‖0‖ = one
 * 0x00 byte; strings without their NUL):
 *   cv:about   member origin‖0‖commitment‖0‖log‖index → kind (Entry oneof number, one byte)
 *              every assessment of a commitment (the member's own, an observer's) and every
 *              consultation report about it, from any log; an entry about the programme as
 *              a whole has an empty commitment. An entry of a member's own log names its
 *              member implicitly; one of another log through memberOrigin.
 *   cv:ind     log‖indicator‖0‖index → kind: every version of an indicator and every
 *              amendment of it, in log order
 *   cv:events  log‖index → kind: the entries a feed shows (programmes, commitments,
 *              indicators, status and milestone updates, amendments, evidence, assessments,
 *              consultations)
 *   cv:recent  published (u64 BE, UNIX seconds; 0 when the entry says no valid time)‖log‖
 *              index → kind: the same, nationally in time order
 * Nothing here holds entry bytes: readers fetch the entry (store_entry_get) for its content.
 *
 * Strict mode (the node's own publications) checks what an assessment or consultation report
 * of another member says: that member's log is held by this node, the commitment is in it,
 * and assessedIndex is an entry of that commitment's history. Replicated logs are taken as
 * signed: an observer may assess a log this node does not hold yet.
 */
#ifndef REMACTO_CIVIC_H
#define REMACTO_CIVIC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store.h"

extern const struct store_module civic_module;

enum civic_db { CIVIC_ABOUT, CIVIC_IND, CIVIC_EVENTS, CIVIC_RECENT, CIVIC_NDBS };

#define CIVIC_MAX_KEY 512

static inline MDB_dbi
civic_db(const struct store *s, enum civic_db db)
{
	return store_dbs(s, &civic_module)[db];
}

int civic_apply(struct store *s, MDB_txn *txn, uint32_t log, const char *origin, uint64_t index,
                const Remacto__V1__Entry *e, bool strict, char *err, size_t errcap);

/* Whether an entry of this kind shows in feeds (cv:events, cv:recent). */
bool civic_event_kind(unsigned kind);

/* RFC 3339 "YYYY-MM-DDThh:mm:ss[.frac]Z" (or a date alone) → UNIX seconds; 0 when malformed. */
uint64_t civic_time(const char *s);

/* ---- reading ---- */

/* One entry about a commitment: the log it is in, its index, its kind. */
struct civic_ref {
	uint32_t log;
	uint64_t index;
	unsigned kind;
};

/* Calls fn for every entry about (origin, commitment) in key order (by log id, then index);
 * commitment "" gives the entries about the programme as a whole. fn returns non-zero to stop
 * (passed on). */
typedef int (*civic_ref_fn)(const struct civic_ref *r, void *arg);
int civic_about_each(struct store *s, MDB_txn *txn, const char *origin, const char *commitment,
                     civic_ref_fn fn, void *arg);
/* Every version and amendment of an indicator of log, in log order. */
int civic_indicator_each(struct store *s, MDB_txn *txn, uint32_t log, const char *indicator,
                         civic_ref_fn fn, void *arg);

#endif
