/*
 * tlog_impl — what the files of the tlog module share (tlog.c: create, append, proofs, verify;
 * tlog_tree.c: the tree as tiles, an append's staging, serving tiles). Not for other modules:
 * tlog.h is the contract.
 */
#ifndef REMACTO_TLOG_IMPL_H
#define REMACTO_TLOG_IMPL_H

#include <stddef.h>
#include <stdint.h>

#include "tlog.h"

/* A log's stored tree, for merkle.h's readers. */
struct tlog_tree {
	struct store *s;
	MDB_txn *txn;
	uint32_t log;
};

/* merkle_reader_fn over a struct tlog_tree: the hash of perfect subtree (level, index), read
 * from one bundle, tail or hash tile and folded up from there. MDB_CORRUPTED when a hash the
 * tree must hold is missing. */
int tlog_tree_read(void *tree, unsigned level, uint64_t index, uint8_t out[MERKLE_HASH_LEN]);

/* The border of a compact range as kept in LogRecord.border (popcount(size) hashes, lowest bit
 * first), and back: false when the bytes do not fit size. */
size_t tlog_border_pack(const struct merkle_range *r, uint8_t out[64 * MERKLE_HASH_LEN]);
bool tlog_border_unpack(struct merkle_range *r, uint64_t size, const uint8_t *bytes, size_t len);

/* Stages entry data (leaf hash leaf) at position b->range.size, dropping what was staged at or
 * beyond it, then appends leaf to b->range, staging the hashes of levels 8, 16, ... it completes. */
int tlog_stage_append(struct tlog_batch *b, const uint8_t *data, size_t len,
                      const uint8_t leaf[MERKLE_HASH_LEN]);
/* Writes what is staged for [b->first, b->range.size) into the store: full bundles, tail
 * entries, hash tiles. At seal, before the record. */
int tlog_stage_flush(struct tlog_batch *b, MDB_txn *txn);
void tlog_stage_free(struct tlog_stage *st);

#endif
