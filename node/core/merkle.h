/*
 * merkle — RFC 6962 / RFC 9162 Merkle tree hashing and proofs, independent of storage.
 *
 * Leaf hash = SHA-256(0x00 ‖ data), node hash = SHA-256(0x01 ‖ left ‖ right). The tree over
 * n leaves is the one of RFC 6962 §2.1 (left subtree = the largest power of two < n).
 *
 * Storage talks to this module through a reader for *perfect* subtrees: (level L, index k) is the
 * hash of the 2^L leaves [k·2^L, (k+1)·2^L). Every root, proof and tile is built from O(log n)
 * such reads; nothing here rehashes leaves. The append side is a compact range (the right border
 * of the tree: one perfect-subtree hash per set bit of the size) that announces every perfect
 * subtree it completes, so the store can keep all of them.
 */
#ifndef REMACTO_MERKLE_H
#define REMACTO_MERKLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MERKLE_HASH_LEN 32
/* Proofs have at most one hash per level of a tree of 2^63 leaves, plus slack for consistency. */
#define MERKLE_MAX_PROOF 128

/* Reads the hash of perfect subtree (level, index) into out; returns 0 or a negative error,
 * which the caller gets back unchanged. */
typedef int (*merkle_reader_fn)(void *ctx, unsigned level, uint64_t index,
                                uint8_t out[MERKLE_HASH_LEN]);
/* Receives a perfect subtree hash completed by merkle_range_append; 0 or a negative error. */
typedef int (*merkle_emit_fn)(void *ctx, unsigned level, uint64_t index,
                              const uint8_t hash[MERKLE_HASH_LEN]);

void merkle_leaf_hash(const uint8_t *data, size_t len, uint8_t out[MERKLE_HASH_LEN]);
void merkle_node_hash(const uint8_t left[MERKLE_HASH_LEN], const uint8_t right[MERKLE_HASH_LEN],
                      uint8_t out[MERKLE_HASH_LEN]);
/* Root of the empty tree: SHA-256 of the empty string. */
void merkle_empty_root(uint8_t out[MERKLE_HASH_LEN]);

/* Hash of the subtree over leaves [begin, end), begin < end, as RFC 6962's MTH; begin must be a
 * multiple of the largest power of two <= end - begin (true of every subtree the proofs use). */
int merkle_subtree_hash(merkle_reader_fn rd, void *ctx, uint64_t begin, uint64_t end,
                        uint8_t out[MERKLE_HASH_LEN]);
/* Root of the tree of the first `size` leaves (the empty root for size 0). */
int merkle_root(merkle_reader_fn rd, void *ctx, uint64_t size, uint8_t out[MERKLE_HASH_LEN]);

/* Inclusion proof of leaf `index` in the tree of `size` leaves (RFC 9162 §2.1.3.1).
 * Writes *n hashes, leaf side first. -EINVAL when index >= size. */
int merkle_inclusion_proof(merkle_reader_fn rd, void *ctx, uint64_t index, uint64_t size,
                           uint8_t proof[][MERKLE_HASH_LEN], size_t cap, size_t *n);
/* Consistency proof between sizes old <= size (RFC 9162 §2.1.4.1); empty when old == size or
 * old == 0. -EINVAL when old > size. */
int merkle_consistency_proof(merkle_reader_fn rd, void *ctx, uint64_t old, uint64_t size,
                             uint8_t proof[][MERKLE_HASH_LEN], size_t cap, size_t *n);

/* Verifiers (RFC 9162 §2.1.3.2 and §2.1.4.2): true only when the proof has exactly the right
 * length and reproduces the root(s). */
bool merkle_verify_inclusion(const uint8_t leaf_hash[MERKLE_HASH_LEN], uint64_t index,
                             uint64_t size, const uint8_t proof[][MERKLE_HASH_LEN], size_t n,
                             const uint8_t root[MERKLE_HASH_LEN]);
bool merkle_verify_consistency(uint64_t old, uint64_t size, const uint8_t old_root[MERKLE_HASH_LEN],
                               const uint8_t root[MERKLE_HASH_LEN],
                               const uint8_t proof[][MERKLE_HASH_LEN], size_t n);

/* The right border of a tree: hash[l] is the perfect subtree of 2^l leaves that bit l of size
 * stands for (valid only where that bit is set). Plain value: copy it to snapshot it. */
struct merkle_range {
	uint64_t size;
	uint8_t hash[64][MERKLE_HASH_LEN];
};

void merkle_range_init(struct merkle_range *r);
/* Loads the border of a stored tree of `size` leaves: one read per set bit of size. */
int merkle_range_load(struct merkle_range *r, uint64_t size, merkle_reader_fn rd, void *ctx);
/* Appends a leaf hash: emit is called for (0, size) first, then for each perfect subtree the leaf
 * completes, bottom up. On an error from emit the range is left unchanged. */
int merkle_range_append(struct merkle_range *r, const uint8_t leaf_hash[MERKLE_HASH_LEN],
                        merkle_emit_fn emit, void *ctx);
void merkle_range_root(const struct merkle_range *r, uint8_t out[MERKLE_HASH_LEN]);

#endif
