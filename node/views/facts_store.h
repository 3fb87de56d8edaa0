/*
 * facts_store — the views' fold kept in the store, as a store module (store.h): each member's
 * folded log lives in LMDB, written in the same transaction as the entries it folds, so a node
 * that starts reads it instead of folding every log again, and it never disagrees with the log.
 * facts.h is the reading side.
 *
 * Databases (log = the store's log id, u32 big-endian; month = facts_month_of, u32 BE):
 *   fx:member  log → the member's objects (facts.h: programmes, commitments, milestones,
 *              indicators, changes), its string table, and how many entries are folded
 *   fx:ip      log ‖ indicator slot → that indicator's periods (first published, latest total)
 *   fx:snap    log ‖ month → every object's state as of the month's last day (facts_at),
 *              for each month in which an entry of the log was published
 *   fx:delta   log ‖ month ‖ seq → the events of the entries published that month, in log
 *              order, in chunks (what a day inside the month adds to the month before)
 *   fx:amend   log ‖ index (u64 BE) → an amendment
 *   fx:seen    log ‖ day ‖ witness name → the latest timestamp and largest size that witness
 *              cosigned that day (kept by the cosignature hook: the record of cosignatures as
 *              they arrived, of which the cosignatures' own database keeps only the latest per
 *              checkpoint and witness); and log ‖ FFFFFFFF (after its days) → how many
 *              times they changed (u64 BE), so that a reader sees a cosignature that came
 *              alone, the log unchanged (facts_store_seen_version)
 *
 * When: each time a batch of entries is sealed (tlog_batch_seal, tlog_batch_seal_verified: a
 * publication's commit, a verified step of replication, tlog_append), the seal hook folds every
 * entry of the log not folded yet and writes the result, in the same transaction: after every
 * commit the store's fold covers its logs. The batch's entries are folded as the append decodes
 * them (the store's batch hooks), not read back and decoded again; when that fold does not
 * cover exactly what the log lacks (a fold behind the log, entries the batch's caller rolled
 * back and added again), the seal folds from the stored entries instead. The fold never refuses an entry: the log is the
 * truth and the views are derived. An MDB error fails the commit as any write would
 * (MDB_MAP_FULL included); out of memory leaves the fold where it was, for the next batch (and
 * readers fold what it lacks, the tail, themselves); a member record that does not parse
 * (another format, damage) is dropped and that log folded again from its first entry. A store
 * written without the module (an older release, a tool) is caught up at start
 * (facts_store_catch_up), FACTS_FOLD_MAX entries a transaction.
 *
 * Ownership and threads: the module keeps no state of its own between calls but the fold of
 * the batch being added, which the batch owns (tlog_batch_end frees it) and which is written
 * only when the batch seals, in the transaction it is given: a nested transaction that is
 * aborted takes the fold with it. The writer's thread, as the batch.
 */
#ifndef REMACTO_FACTS_STORE_H
#define REMACTO_FACTS_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

#define FACTS_FOLD_MAX 65536 /* entries folded in one call (memory: ~50 bytes each) */

extern const struct store_module facts_store_module;

enum facts_store_db {
	FACTS_DB_MEMBER,
	FACTS_DB_IP,
	FACTS_DB_SNAP,
	FACTS_DB_DELTA,
	FACTS_DB_AMEND,
	FACTS_DB_SEEN,
};

/* How many times the days log was witnessed changed in fx:seen (0 none): a reader that saw
 * another count reads them again. */
uint64_t facts_store_seen_version(MDB_txn *txn, MDB_dbi seen, uint32_t log);

/* The node's store: ledger_open's modules (peers/ledger.h) and the views' (same arguments,
 * same results). The daemon, the CLI, the benchmarks and the views' tests open it so. */
int facts_store_open(struct store *s, const char *dir, unsigned flags, size_t mapsize, char *err,
                     size_t errcap);

/* Folds into the store what it lacks: every log whose fold is behind (a store written without
 * the module, a fold that waited for memory), and the cosignatures stored before the module kept
 * fx:seen. In write transactions of at most FACTS_FOLD_MAX entries. progress (may be NULL) after
 * each step. 0, or an error with err set. */
typedef void (*facts_store_progress_fn)(const char *origin, uint64_t done, uint64_t total,
                                        void *arg);
int facts_store_catch_up(struct store *s, facts_store_progress_fn progress, void *arg, char *err,
                         size_t errcap);

/* Drops everything folded from the logs and folds every log again (`remacto log reindex`).
 * fx:seen is kept, and merged with the cosignatures stored. 0 or an error with err set. */
int facts_store_rebuild(struct store *s, facts_store_progress_fn progress, void *arg, char *err,
                        size_t errcap);

#endif
