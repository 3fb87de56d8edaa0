/*
 * merkle — RFC 6962 / RFC 9162 Merkle tree hashing, proofs and the compact range.
 *
 * Everything above the leaves comes from a reader of perfect subtrees (see merkle.h): a subtree
 * that is not perfect is the right-heavy fold of the perfect subtrees named by the set bits of its
 * size, so a root costs popcount(size) reads and a proof O(log n) reads, whatever the log size.
 * Proof generation walks the RFC's recursive PATH / SUBPROOF definitions top down as loops;
 * verification is the bit-twiddling algorithm of RFC 9162 §2.1.3.2 and §2.1.4.2, which accepts
 * exactly one proof length for each (index or old size, size).
 *
 * A hash is SHA-256 through OpenSSL's low-level interface (SHA256_Init/Update/Final, on a
 * context on the stack): deprecated since OpenSSL 3.0 but kept by it, and the only way there
 * that neither allocates nor goes through a provider. Through EVP, OpenSSL 3.0 frees and
 * allocates the provider's context at every EVP_DigestInit_ex2 even on a context kept for
 * reuse, and EVP_Digest() allocates the whole context per call: measured on a 300-byte leaf,
 * 1.2 µs by EVP against 0.8 µs low-level, and a catching-up node hashes every entry plus a node
 * per entry. SHA-256 cannot fail on these inputs; the low-level calls return 1 always, and a
 * wrong hash would corrupt the log, so a 0 stops the process with BUG().
 */
#include "merkle.h"

/* The low-level SHA-256 calls are deprecated in OpenSSL 3: see above for why they are used. */
#define OPENSSL_SUPPRESS_DEPRECATED
#include <errno.h>
#include <openssl/sha.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"

/* SHA-256 of the empty string (RFC 6962 §2.1: MTH({}) = SHA-256()). */
static const uint8_t empty_root[MERKLE_HASH_LEN] = {
	0xe3, 0xb0, 0xc4, 0x42, 0x98, 0xfc, 0x1c, 0x14, 0x9a, 0xfb, 0xf4,
	0xc8, 0x99, 0x6f, 0xb9, 0x24, 0x27, 0xae, 0x41, 0xe4, 0x64, 0x9b,
	0x93, 0x4c, 0xa4, 0x95, 0x99, 0x1b, 0x78, 0x52, 0xb8, 0x55,
};

/* floor(log2(x)), x > 0. */
static unsigned
log2_floor(uint64_t x)
{
	return 63u - (unsigned)__builtin_clzll(x);
}

static unsigned
lowest_bit(uint64_t x)
{
	return (unsigned)__builtin_ctzll(x);
}

/* RFC 6962's k: the largest power of two strictly below n, n >= 2. */
static uint64_t
split_point(uint64_t n)
{
	return UINT64_C(1) << log2_floor(n - 1);
}

void
merkle_leaf_hash(const uint8_t *data, size_t len, uint8_t out[MERKLE_HASH_LEN])
{
	static const uint8_t prefix = 0x00;
	SHA256_CTX c;

	if (!SHA256_Init(&c) || !SHA256_Update(&c, &prefix, 1) ||
	    (len > 0 && !SHA256_Update(&c, data, len)) || !SHA256_Final(out, &c))
		BUG("SHA-256 of a %zu-byte leaf failed", len);
}

/* out may alias left or right: both are copied before hashing. */
void
merkle_node_hash(const uint8_t left[MERKLE_HASH_LEN], const uint8_t right[MERKLE_HASH_LEN],
                 uint8_t out[MERKLE_HASH_LEN])
{
	uint8_t buf[1 + 2 * MERKLE_HASH_LEN];
	SHA256_CTX c;

	buf[0] = 0x01;
	memcpy(buf + 1, left, MERKLE_HASH_LEN);
	memcpy(buf + 1 + MERKLE_HASH_LEN, right, MERKLE_HASH_LEN);
	if (!SHA256_Init(&c) || !SHA256_Update(&c, buf, sizeof buf) || !SHA256_Final(out, &c))
		BUG("SHA-256 of a node failed");
}

void
merkle_empty_root(uint8_t out[MERKLE_HASH_LEN])
{
	memcpy(out, empty_root, MERKLE_HASH_LEN);
}

int
merkle_subtree_hash(merkle_reader_fn rd, void *ctx, uint64_t begin, uint64_t end,
                    uint8_t out[MERKLE_HASH_LEN])
{
	if (begin >= end)
		return -EINVAL;
	uint64_t n = end - begin;
	if (begin & ((UINT64_C(1) << log2_floor(n)) - 1))
		return -EINVAL;

	/*
	 * MTH nests the perfect pieces to the right: H(P_high, H(P_next, ... H(P_2nd, P_low))).
	 * Peel them off the right end, smallest first, folding each new one in on the left.
	 */
	uint8_t acc[MERKLE_HASH_LEN], h[MERKLE_HASH_LEN];
	uint64_t at = end;
	bool first = true;
	for (; n != 0; n &= n - 1) {
		unsigned l = lowest_bit(n);
		at -= UINT64_C(1) << l;
		int rc = rd(ctx, l, at >> l, first ? acc : h);
		if (rc != 0)
			return rc;
		if (!first)
			merkle_node_hash(h, acc, acc);
		first = false;
	}
	memcpy(out, acc, MERKLE_HASH_LEN);
	return 0;
}

int
merkle_root(merkle_reader_fn rd, void *ctx, uint64_t size, uint8_t out[MERKLE_HASH_LEN])
{
	if (size == 0) {
		merkle_empty_root(out);
		return 0;
	}
	return merkle_subtree_hash(rd, ctx, 0, size, out);
}

/*
 * The proof walkers below descend from [0, size) as PATH and SUBPROOF recurse. Each step's range
 * [b, e) starts at a multiple of its largest power of two, so both halves are valid arguments of
 * merkle_subtree_hash. Only the first right half taken can be imperfect (everything under a left
 * half is perfect), which keeps a proof within about 2·log2(size) reads.
 */

/* Number of hashes in the inclusion proof of index < size: the leaf's depth. */
static size_t
inclusion_len(uint64_t index, uint64_t size)
{
	uint64_t b = 0, e = size;
	size_t len = 0;

	while (e - b > 1) {
		uint64_t k = split_point(e - b);
		if (index < b + k)
			e = b + k;
		else
			b += k;
		len++;
	}
	return len;
}

int
merkle_inclusion_proof(merkle_reader_fn rd, void *ctx, uint64_t index, uint64_t size,
                       uint8_t proof[][MERKLE_HASH_LEN], size_t cap, size_t *n)
{
	*n = 0;
	if (index >= size)
		return -EINVAL;
	size_t len = inclusion_len(index, size);
	if (len > cap)
		return -ENOSPC;

	/* Siblings come root side first here; the proof lists them leaf side first. */
	uint64_t b = 0, e = size;
	size_t i = len;
	while (e - b > 1) {
		uint64_t k = split_point(e - b);
		int rc;
		if (index < b + k) {
			rc = merkle_subtree_hash(rd, ctx, b + k, e, proof[--i]);
			e = b + k;
		} else {
			rc = merkle_subtree_hash(rd, ctx, b, b + k, proof[--i]);
			b += k;
		}
		if (rc != 0)
			return rc;
	}
	*n = len;
	return 0;
}

/* Number of hashes in the consistency proof of 0 < old < size. */
static size_t
consistency_len(uint64_t old, uint64_t size)
{
	uint64_t b = 0, e = size;
	size_t len = 0;
	bool whole = true; /* SUBPROOF's b: the old tree is still a left edge of the new one */

	while (old != e) {
		uint64_t k = split_point(e - b);
		if (old - b <= k) {
			e = b + k;
		} else {
			b += k;
			whole = false;
		}
		len++;
	}
	return len + !whole;
}

int
merkle_consistency_proof(merkle_reader_fn rd, void *ctx, uint64_t old, uint64_t size,
                         uint8_t proof[][MERKLE_HASH_LEN], size_t cap, size_t *n)
{
	*n = 0;
	if (old > size)
		return -EINVAL;
	if (old == 0 || old == size)
		return 0;
	size_t len = consistency_len(old, size);
	if (len > cap)
		return -ENOSPC;

	uint64_t b = 0, e = size;
	size_t i = len;
	bool whole = true;
	while (old != e) {
		uint64_t k = split_point(e - b);
		int rc;
		if (old - b <= k) {
			rc = merkle_subtree_hash(rd, ctx, b + k, e, proof[--i]);
			e = b + k;
		} else {
			rc = merkle_subtree_hash(rd, ctx, b, b + k, proof[--i]);
			b += k;
			whole = false;
		}
		if (rc != 0)
			return rc;
	}
	/* SUBPROOF(m, D[m], false) = {MTH(D[m])}: the old tree's last piece, listed first. */
	if (!whole) {
		int rc = merkle_subtree_hash(rd, ctx, b, e, proof[--i]);
		if (rc != 0)
			return rc;
	}
	*n = len;
	return 0;
}

static void
shift_while_even(uint64_t *fn, uint64_t *sn)
{
	while (*fn != 0 && (*fn & 1) == 0) {
		*fn >>= 1;
		*sn >>= 1;
	}
}

bool
merkle_verify_inclusion(const uint8_t leaf_hash[MERKLE_HASH_LEN], uint64_t index, uint64_t size,
                        const uint8_t proof[][MERKLE_HASH_LEN], size_t n,
                        const uint8_t root[MERKLE_HASH_LEN])
{
	if (index >= size)
		return false;

	uint64_t fn = index, sn = size - 1;
	uint8_t r[MERKLE_HASH_LEN];
	memcpy(r, leaf_hash, MERKLE_HASH_LEN);
	for (size_t i = 0; i < n; i++) {
		if (sn == 0)
			return false; /* proof too long */
		if ((fn & 1) || fn == sn) {
			merkle_node_hash(proof[i], r, r);
			shift_while_even(&fn, &sn);
		} else {
			merkle_node_hash(r, proof[i], r);
		}
		fn >>= 1;
		sn >>= 1;
	}
	return sn == 0 && memcmp(r, root, MERKLE_HASH_LEN) == 0;
}

bool
merkle_verify_consistency(uint64_t old, uint64_t size, const uint8_t old_root[MERKLE_HASH_LEN],
                          const uint8_t root[MERKLE_HASH_LEN],
                          const uint8_t proof[][MERKLE_HASH_LEN], size_t n)
{
	if (old > size)
		return false;
	if (old == 0) /* every tree extends the empty one, whose root is fixed */
		return n == 0 && memcmp(old_root, empty_root, MERKLE_HASH_LEN) == 0 &&
		       (size > 0 || memcmp(root, empty_root, MERKLE_HASH_LEN) == 0);
	if (old == size)
		return n == 0 && memcmp(old_root, root, MERKLE_HASH_LEN) == 0;
	if (n == 0)
		return false;

	/* A power-of-two old tree is a node of the new one, so the proof leaves its root out. */
	size_t i = 0;
	const uint8_t *seed = (old & (old - 1)) == 0 ? old_root : proof[i++];
	uint8_t fr[MERKLE_HASH_LEN], sr[MERKLE_HASH_LEN];
	memcpy(fr, seed, MERKLE_HASH_LEN);
	memcpy(sr, seed, MERKLE_HASH_LEN);

	uint64_t fn = old - 1, sn = size - 1;
	while (fn & 1) {
		fn >>= 1;
		sn >>= 1;
	}
	for (; i < n; i++) {
		if (sn == 0)
			return false; /* proof too long */
		if ((fn & 1) || fn == sn) {
			merkle_node_hash(proof[i], fr, fr);
			merkle_node_hash(proof[i], sr, sr);
			shift_while_even(&fn, &sn);
		} else {
			merkle_node_hash(sr, proof[i], sr);
		}
		fn >>= 1;
		sn >>= 1;
	}
	return sn == 0 && memcmp(fr, old_root, MERKLE_HASH_LEN) == 0 &&
	       memcmp(sr, root, MERKLE_HASH_LEN) == 0;
}

void
merkle_range_init(struct merkle_range *r)
{
	memset(r, 0, sizeof *r);
}

int
merkle_range_load(struct merkle_range *r, uint64_t size, merkle_reader_fn rd, void *ctx)
{
	struct merkle_range t;

	/* Built aside so that a failed read leaves *r as it was. */
	merkle_range_init(&t);
	t.size = size;
	for (uint64_t s = size; s != 0; s &= s - 1) {
		unsigned l = lowest_bit(s);
		/* Bit l's piece follows the higher bits' pieces: its index is (size >> l) - 1. */
		int rc = rd(ctx, l, (size >> l) - 1, t.hash[l]);
		if (rc != 0)
			return rc;
	}
	*r = t;
	return 0;
}

int
merkle_range_append(struct merkle_range *r, const uint8_t leaf_hash[MERKLE_HASH_LEN],
                    merkle_emit_fn emit, void *ctx)
{
	uint64_t s = r->size;
	if (s == UINT64_MAX)
		return -EOVERFLOW;

	/*
	 * The new leaf merges with the border pieces of bits 0, 1, ... while they are set, like a
	 * binary carry. Nothing in *r changes until every emit has succeeded.
	 */
	uint8_t h[MERKLE_HASH_LEN];
	memcpy(h, leaf_hash, MERKLE_HASH_LEN);
	int rc = emit != NULL ? emit(ctx, 0, s, h) : 0;
	if (rc != 0)
		return rc;
	unsigned l = 0;
	while ((s >> l) & 1) {
		merkle_node_hash(r->hash[l], h, h);
		l++;
		rc = emit != NULL ? emit(ctx, l, s >> l, h) : 0;
		if (rc != 0)
			return rc;
	}
	memcpy(r->hash[l], h, MERKLE_HASH_LEN);
	memset(r->hash, 0, (size_t)l * MERKLE_HASH_LEN);
	r->size = s + 1;
	return 0;
}

void
merkle_range_root(const struct merkle_range *r, uint8_t out[MERKLE_HASH_LEN])
{
	uint64_t s = r->size;
	if (s == 0) {
		merkle_empty_root(out);
		return;
	}
	uint8_t acc[MERKLE_HASH_LEN];
	memcpy(acc, r->hash[lowest_bit(s)], MERKLE_HASH_LEN);
	for (s &= s - 1; s != 0; s &= s - 1)
		merkle_node_hash(r->hash[lowest_bit(s)], acc, acc);
	memcpy(out, acc, MERKLE_HASH_LEN);
}
