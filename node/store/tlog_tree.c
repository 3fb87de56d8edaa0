/*
 * tlog_tree — a log's Merkle tree as C2SP tiles in the store (tlog.h, store.h): reading any
 * perfect subtree, staging what an append adds until it seals, and serving tiles.
 *
 * Where each hash lives: the hash of perfect subtree (L, k), with L = 8·t + r (0 <= r < 8), is
 * the fold of the 2^r hashes of level 8·t numbered k·2^r on, which always lie in one tile: for
 * t = 0 the leaf hashes of one bundle (or of the tail), for t >= 1 hash tile t. A proof reads one
 * record per hash it needs and folds at most 127 node hashes.
 *
 * Write amplification: a full bundle is written once; an entry is written twice only when an
 * append ends before its bundle is full (it waits in the tail, then moves into the bundle); the
 * last hash tile of each level is rewritten by each append that adds to it (at most 8 KB for
 * level 1, once per 256 entries at the most).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/tile.h"
#include "tlog_impl.h"

#define TREE_LEVELS 8 /* hash tile levels 1-7 of a 64-bit tree, and 0 unused */

struct stage_level {
	uint64_t base; /* index, at Merkle level 8·t, of the first hash completed by the batch */
	size_t n, cap;
	uint8_t (*h)[MERKLE_HASH_LEN];
};

struct staged_entry {
	size_t off; /* where the entry's u16 length and bytes start in buf */
	uint8_t leaf[MERKLE_HASH_LEN];
};

struct tlog_stage {
	size_t n, cap; /* entries b->first + i, i < n */
	struct staged_entry *e;
	uint8_t *buf;
	size_t len, bufcap;
	struct stage_level lv[TREE_LEVELS];
};

static int
grow(void *pp, size_t *cap, size_t need, size_t size)
{
	void **p = pp;
	size_t n = *cap ? *cap : 64;
	void *np;

	if (need <= *cap)
		return 0;
	while (n < need)
		n *= 2;
	if ((np = realloc(*p, n * size)) == NULL)
		return -ENOMEM;
	*p = np;
	*cap = n;
	return 0;
}

/* ---- reading ---- */

/* The hashes of level 8·t numbered [first, first + count), within one tile, into out. */
static int
level_hashes(struct tlog_tree *tr, unsigned t, uint64_t first, size_t count,
             uint8_t (*out)[MERKLE_HASH_LEN])
{
	const uint8_t *h, *leaves, *bundle, *data;
	size_t n, blen, dlen;
	int rc;

	if (t > 0) {
		if ((rc = store_tile_get(tr->s, tr->txn, tr->log, t, first / STORE_TILE, &h, &n)))
			return rc == MDB_NOTFOUND ? MDB_CORRUPTED : rc;
		if (first % STORE_TILE + count > n)
			return MDB_CORRUPTED;
		memcpy(out, h + first % STORE_TILE * MERKLE_HASH_LEN, count * MERKLE_HASH_LEN);
		return 0;
	}
	rc = store_bundle_get(tr->s, tr->txn, tr->log, first / STORE_TILE, &leaves, &bundle, &blen);
	if (rc == 0) {
		memcpy(out, leaves + first % STORE_TILE * MERKLE_HASH_LEN, count * MERKLE_HASH_LEN);
		return 0;
	}
	if (rc != MDB_NOTFOUND)
		return rc;
	for (size_t i = 0; i < count; i++) {
		if ((rc = store_tail_get(tr->s, tr->txn, tr->log, first + i, &h, &data, &dlen)))
			return rc == MDB_NOTFOUND ? MDB_CORRUPTED : rc;
		memcpy(out[i], h, MERKLE_HASH_LEN);
	}
	return 0;
}

int
tlog_tree_read(void *tree, unsigned level, uint64_t index, uint8_t out[MERKLE_HASH_LEN])
{
	uint8_t h[STORE_TILE / 2][MERKLE_HASH_LEN];
	unsigned t = level / 8, r = level % 8;
	size_t w = (size_t)1 << r;
	int rc;

	if (t >= TREE_LEVELS || index > UINT64_MAX >> r)
		return -EINVAL;
	if ((rc = level_hashes(tree, t, index << r, w, h)) != 0)
		return rc;
	for (; w > 1; w /= 2)
		for (size_t i = 0; i < w / 2; i++)
			merkle_node_hash(h[2 * i], h[2 * i + 1], h[i]);
	memcpy(out, h[0], MERKLE_HASH_LEN);
	return 0;
}

size_t
tlog_border_pack(const struct merkle_range *r, uint8_t out[64 * MERKLE_HASH_LEN])
{
	size_t n = 0;

	for (unsigned l = 0; l < 64; l++)
		if (r->size >> l & 1)
			memcpy(out + MERKLE_HASH_LEN * n++, r->hash[l], MERKLE_HASH_LEN);
	return n * MERKLE_HASH_LEN;
}

bool
tlog_border_unpack(struct merkle_range *r, uint64_t size, const uint8_t *bytes, size_t len)
{
	size_t n = 0;

	if (len != (size_t)__builtin_popcountll(size) * MERKLE_HASH_LEN)
		return false;
	merkle_range_init(r);
	r->size = size;
	for (unsigned l = 0; l < 64; l++)
		if (size >> l & 1)
			memcpy(r->hash[l], bytes + MERKLE_HASH_LEN * n++, MERKLE_HASH_LEN);
	return true;
}

/* ---- staging ---- */

/* Receives the perfect subtrees an appended leaf completes: those of levels 8, 16, ... are kept
 * for their hash tiles; the others are the border's business. */
static int
stage_emit(void *arg, unsigned level, uint64_t index, const uint8_t hash[MERKLE_HASH_LEN])
{
	struct tlog_batch *b = arg;
	struct tlog_stage *st = b->stage;
	struct stage_level *lv;
	size_t slot;

	if (level == 0 || level % 8 || level / 8 >= TREE_LEVELS)
		return 0;
	lv = &st->lv[level / 8];
	slot = (size_t)(index - lv->base);
	/* A slot staged before a rollback is staged again. */
	if (grow(&lv->h, &lv->cap, slot + 1, sizeof(*lv->h)) != 0)
		return -ENOMEM;
	memcpy(lv->h[slot], hash, MERKLE_HASH_LEN);
	lv->n = slot + 1;
	return 0;
}

int
tlog_stage_append(struct tlog_batch *b, const uint8_t *data, size_t len,
                  const uint8_t leaf[MERKLE_HASH_LEN])
{
	struct tlog_stage *st = b->stage;
	size_t p = (size_t)(b->range.size - b->first);

	if (!st) {
		if (!(st = b->stage = calloc(1, sizeof(*st))))
			return -ENOMEM;
		for (unsigned t = 1; t < TREE_LEVELS; t++)
			st->lv[t].base = b->first >> (8 * t);
	}
	if (p < st->n) { /* the caller rolled back: drop what came after */
		st->n = p;
		st->len = st->e[p].off;
	}
	if (grow(&st->e, &st->cap, p + 1, sizeof(*st->e)) != 0 ||
	    grow(&st->buf, &st->bufcap, st->len + 2 + len, 1) != 0)
		return -ENOMEM;
	st->e[p].off = st->len;
	st->buf[st->len] = (uint8_t)(len >> 8);
	st->buf[st->len + 1] = (uint8_t)len;
	memcpy(st->buf + st->len + 2, data, len);
	memcpy(st->e[p].leaf, leaf, MERKLE_HASH_LEN);
	st->len += 2 + len;
	st->n = p + 1;
	return merkle_range_append(&b->range, leaf, stage_emit, b);
}

void
tlog_stage_free(struct tlog_stage *st)
{
	if (!st)
		return;
	for (unsigned t = 0; t < TREE_LEVELS; t++)
		free(st->lv[t].h);
	free(st->e);
	free(st->buf);
	free(st);
}

/* Staged entry i (index b->first + i) with its length prefix. */
static void
staged(const struct tlog_stage *st, size_t i, const uint8_t **p, size_t *len)
{
	*p = st->buf + st->e[i].off;
	*len = 2 + ((size_t)(*p)[0] << 8 | (*p)[1]);
}

/* Bundle n, whose entries from `from` on are staged and the ones before in the tail (which it
 * deletes). */
static int
write_bundle(struct tlog_batch *b, MDB_txn *txn, uint64_t n, uint64_t from)
{
	const struct tlog_stage *st = b->stage;
	uint32_t log = b->rec->id;
	uint64_t lo = n * STORE_TILE;
	uint8_t *leaves, *out;
	size_t len = 0, at = 0;
	int rc;

	/* The size first, so that the record is reserved once and filled in place. */
	for (uint64_t i = lo; i < lo + STORE_TILE; i++) {
		const uint8_t *h, *d;
		size_t dl;

		if (i < from) {
			if ((rc = store_tail_get(b->s, txn, log, i, &h, &d, &dl)) != 0)
				return rc == MDB_NOTFOUND ? MDB_CORRUPTED : rc;
			len += 2 + dl;
		} else {
			staged(st, (size_t)(i - b->first), &d, &dl);
			len += dl;
		}
	}
	if ((rc = store_bundle_reserve(b->s, txn, log, n, len, &leaves, &out)) != 0)
		return rc;
	for (uint64_t i = lo; i < lo + STORE_TILE; i++) {
		uint8_t *lh = leaves + (i - lo) * MERKLE_HASH_LEN;
		const uint8_t *h, *d;
		size_t dl;

		if (i < from) {
			if ((rc = store_tail_get(b->s, txn, log, i, &h, &d, &dl)) != 0)
				return rc;
			memcpy(lh, h, MERKLE_HASH_LEN);
			out[at] = (uint8_t)(dl >> 8);
			out[at + 1] = (uint8_t)dl;
			memcpy(out + at + 2, d, dl);
			at += 2 + dl;
		} else {
			size_t k = (size_t)(i - b->first);

			staged(st, k, &d, &dl);
			memcpy(lh, st->e[k].leaf, MERKLE_HASH_LEN);
			memcpy(out + at, d, dl);
			at += dl;
		}
	}
	/* Filled: now the tail it came from can go. */
	for (uint64_t i = lo; i < from; i++)
		if ((rc = store_tail_del(b->s, txn, log, i)) != 0)
			return rc;
	return 0;
}

/* Hash tile t/n of the level's count hashes: the stored ones before the batch's, then the
 * batch's. */
static int
write_tile(struct tlog_batch *b, MDB_txn *txn, unsigned t, uint64_t n, uint64_t count)
{
	const struct stage_level *lv = &b->stage->lv[t];
	uint8_t h[STORE_TILE][MERKLE_HASH_LEN];
	uint64_t lo = n * STORE_TILE, hi = count - lo < STORE_TILE ? count : lo + STORE_TILE;
	int rc;

	if (lv->base > lo) {
		const uint8_t *old;
		size_t have;

		if ((rc = store_tile_get(b->s, txn, b->rec->id, t, n, &old, &have)))
			return rc == MDB_NOTFOUND ? MDB_CORRUPTED : rc;
		if (have < lv->base - lo)
			return MDB_CORRUPTED;
		memcpy(h, old, (size_t)(lv->base - lo) * MERKLE_HASH_LEN);
	}
	for (uint64_t i = lv->base > lo ? lv->base : lo; i < hi; i++)
		memcpy(h[i - lo], lv->h[i - lv->base], MERKLE_HASH_LEN);
	return store_tile_put(b->s, txn, b->rec->id, t, n, &h[0][0], (size_t)(hi - lo));
}

int
tlog_stage_flush(struct tlog_batch *b, MDB_txn *txn)
{
	const struct tlog_stage *st = b->stage;
	uint64_t end = b->range.size, first = b->first;
	uint64_t full = end / STORE_TILE, rest;
	int rc;

	if (end == first)
		return 0;
	/* Bundles the batch completes; the tail before the batch goes into the first. */
	for (uint64_t n = first / STORE_TILE; n < full; n++)
		if ((rc = write_bundle(b, txn, n, first)) != 0)
			return rc;
	/* What is left waits in the tail. */
	rest = full * STORE_TILE > first ? full * STORE_TILE : first;
	for (uint64_t i = rest; i < end; i++) {
		const uint8_t *d;
		size_t dl, k = (size_t)(i - first);

		staged(st, k, &d, &dl);
		if ((rc = store_tail_put(b->s, txn, b->rec->id, i, st->e[k].leaf, d + 2, dl - 2)))
			return rc;
	}
	/* Each hash tile the batch adds to, once. */
	for (unsigned t = 1; t < TREE_LEVELS; t++) {
		uint64_t count = end >> (8 * t), base = st->lv[t].base;

		for (uint64_t n = base / STORE_TILE; n * STORE_TILE < count && count > base; n++)
			if ((rc = write_tile(b, txn, t, n, count)) != 0)
				return rc;
	}
	return 0;
}

/* ---- serving ---- */

struct tile_out {
	uint8_t *buf;
	size_t len, cap;
	bool entries;
};

static int
put_tile_item(uint64_t index, const uint8_t *data, size_t len, const uint8_t leaf[STORE_HASH_LEN],
              void *arg)
{
	struct tile_out *o = arg;
	size_t need = o->entries ? 2 + len : MERKLE_HASH_LEN;

	(void)index;
	if (len > 0xffff || grow(&o->buf, &o->cap, o->len + need, 1) != 0)
		return -ENOMEM;
	if (o->entries) {
		o->buf[o->len] = (uint8_t)(len >> 8);
		o->buf[o->len + 1] = (uint8_t)len;
		memcpy(o->buf + o->len + 2, data, len);
	} else {
		memcpy(o->buf + o->len, leaf, MERKLE_HASH_LEN);
	}
	o->len += need;
	return 0;
}

int
tlog_tile_read(struct store *s, MDB_txn *txn, const struct tlog_head *h, int level, uint64_t n,
               unsigned width, uint8_t **out, size_t *len)
{
	struct tile_out o = { .entries = level == TILE_ENTRIES };
	const uint8_t *leaves, *bundle, *hashes;
	size_t blen, count;
	int rc;

	*out = NULL;
	if (width == 0 || width > STORE_TILE || level < TILE_ENTRIES || level > 7)
		return -EINVAL;
	if (level > 0) {
		if ((rc = store_tile_get(s, txn, h->id, (unsigned)level, n, &hashes, &count)) != 0)
			return rc == MDB_NOTFOUND ? MDB_CORRUPTED : rc;
		if (count < width || !(*out = malloc((size_t)width * MERKLE_HASH_LEN)))
			return count < width ? MDB_CORRUPTED : -ENOMEM;
		memcpy(*out, hashes, (size_t)width * MERKLE_HASH_LEN);
		*len = (size_t)width * MERKLE_HASH_LEN;
		return 0;
	}
	/* A full bundle as stored: one read, one copy. */
	rc = store_bundle_get(s, txn, h->id, n, &leaves, &bundle, &blen);
	if (rc == 0 && width == STORE_TILE) {
		const uint8_t *src = o.entries ? bundle : leaves;
		size_t sz = o.entries ? blen : STORE_LEVEL0_LEN;

		if (!(*out = malloc(sz)))
			return -ENOMEM;
		memcpy(*out, src, sz);
		*len = sz;
		return 0;
	}
	if (rc != 0 && rc != MDB_NOTFOUND)
		return rc;
	rc = store_leaf_each(s, txn, h->id, n * STORE_TILE, width, put_tile_item, &o);
	if (rc != 0) {
		free(o.buf);
		return rc == MDB_NOTFOUND ? MDB_CORRUPTED : rc;
	}
	*out = o.buf;
	*len = o.len;
	return 0;
}
