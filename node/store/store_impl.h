/*
 * store_impl — what the files of the store module share (store.c: the environment, the logs;
 * store_tiles.c: entries, bundles and tiles; store_migrate.c: format 1 to format 2). Not for
 * other modules: store.h is the contract.
 */
#ifndef REMACTO_STORE_IMPL_H
#define REMACTO_STORE_IMPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store.h"

/* The data folder's layout: 1 kept one record per entry and per perfect subtree ("hashes"); 2
 * keeps bundles and tiles (store.h). */
#define STORE_FORMAT 2

/* log id (u32 BE) ‖ index (u64 BE): the keys of entries, bundles and checkpoints. */
void store_index_key(uint8_t key[12], uint32_t log, uint64_t index);

/* In store_open's transaction: reads the format in meta, writes it in a new folder, and marks a
 * format-1 folder as format 2 with its migration pending ("migrate-next"). Refuses (with err) a
 * newer format, and a pending migration when rdonly. 0 or an error. */
int store_format_check(struct store *s, MDB_txn *txn, bool rdonly, char *err, size_t errcap);
/* Runs a pending migration to its end, one write transaction per log, then drops the format-1
 * database. 0 (also when none is pending) or an error with err set. */
int store_migrate(struct store *s, char *err, size_t errcap);

#endif
