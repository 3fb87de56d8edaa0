/*
 * evidence — equivocation: two validly signed checkpoints of one log that no single history
 * explains. Stored for good, served at /api/v1/evidence, gossiped; a log with evidence is
 * forked: replication of it stops (nothing verified before is touched) until the registry
 * says otherwise.
 *
 * Database "ev:records": origin ‖ 0x00 ‖ sequence (u32 BE) → Equivocation (proto/peer.proto).
 */
#ifndef REMACTO_EVIDENCE_H
#define REMACTO_EVIDENCE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "store/store.h"

#include "peer.pb-c.h"

#define EVIDENCE_MAX_PER_LOG 16

/* The evidence as a store module (database ev:records, no hook). */
extern const struct store_module evidence_module;

/* Stores the pair unless the same pair is already there; 1 when new, 0 when known. */
int evidence_put(struct store *s, MDB_txn *txn, const char *origin, const char *note_a,
                 size_t len_a, const char *note_b, size_t len_b);
/* The same for a pair that a key the registry has since rotated away signed (one note at
 * least is by a retired key): recorded as answered (keys_then: how many keys the member had
 * when that key was its latest), so it does not mark the log forked. */
int evidence_put_answered(struct store *s, MDB_txn *txn, const char *origin, const char *note_a,
                          size_t len_a, const char *note_b, size_t len_b, uint32_t keys_then);
/* Calls fn on each record of origin in the order stored, with whether a later key rotation
 * answered it; stops on a non-zero return and passes it on. *count gets the records seen. */
typedef int (*evidence_fn)(const Remacto__Peer__V1__Equivocation *e, bool resolved, void *arg);
int evidence_each(struct store *s, MDB_txn *txn, const char *origin, evidence_fn fn, void *arg,
                  uint32_t *count);
/* True while a record of origin is not answered by a later key rotation. */
bool evidence_forked(struct store *s, MDB_txn *txn, const char *origin);
/* [{"origin":…, "resolved":bool, "noteA":…, "noteB":…, "sizeA":N, "sizeB":N}] for one origin
 * or all (NULL). */
json_t *evidence_list(struct store *s, MDB_txn *txn, const char *origin);

#endif
