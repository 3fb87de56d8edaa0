/*
 * store_tiles — the records of a log's entries and tree: full bundles (the level-0 hash tile and
 * the entry bundle of 256 entries, in one record), the tail of entries past the last full bundle
 * (one record each, with its leaf hash), and the hash tiles of levels 1-7. Key layout in store.h;
 * which record holds what, and when it is written, is tlog's (tlog.h).
 *
 * Why one record per bundle: a 256-entry bundle of ~300-byte entries is ~80 KB, stored by LMDB in
 * contiguous overflow pages with no per-entry overhead and no half-full leaf pages, and served
 * with one read; the leaf hashes ride along (8 KB, exactly two more pages) so that tile/0 is one
 * read too. Entries reach a bundle when it is full; until then they wait in the tail, each with
 * its leaf hash, so that a partial tile never needs rehashing.
 */
#include <errno.h>
#include <string.h>

#include "core/be.h"
#include "store.h"
#include "store_impl.h"

void
store_index_key(uint8_t key[12], uint32_t log, uint64_t index)
{
	put_be32(key, log);
	put_be64(key + 4, index);
}

static void
tile_key(uint8_t key[13], uint32_t log, unsigned level, uint64_t n)
{
	put_be32(key, log);
	key[4] = (uint8_t)level;
	put_be64(key + 5, n);
}

/* ---- bundles ---- */

bool
store_bundle_entry(const uint8_t *bundle, size_t len, unsigned slot, const uint8_t **data,
                   size_t *dlen)
{
	size_t at = 0;

	for (unsigned i = 0;; i++) {
		size_t n;

		if (len - at < 2)
			return false;
		n = (size_t)bundle[at] << 8 | bundle[at + 1];
		if (len - at - 2 < n)
			return false;
		if (i == slot) {
			*data = bundle + at + 2;
			*dlen = n;
			return true;
		}
		at += 2 + n;
	}
}

int
store_bundle_get(struct store *s, MDB_txn *txn, uint32_t log, uint64_t n, const uint8_t **leaves,
                 const uint8_t **bundle, size_t *len)
{
	uint8_t key[12];
	MDB_val k = { sizeof(key), key }, v;
	int rc;

	store_index_key(key, log, n);
	if ((rc = mdb_get(txn, s->bundles, &k, &v)) != 0)
		return rc;
	if (v.mv_size < STORE_LEVEL0_LEN + 2 * STORE_TILE)
		return MDB_CORRUPTED;
	*leaves = v.mv_data;
	*bundle = (const uint8_t *)v.mv_data + STORE_LEVEL0_LEN;
	*len = v.mv_size - STORE_LEVEL0_LEN;
	return 0;
}

int
store_bundle_reserve(struct store *s, MDB_txn *txn, uint32_t log, uint64_t n, size_t bundle_len,
                     uint8_t **leaves, uint8_t **bundle)
{
	uint8_t key[12];
	MDB_val k = { sizeof(key), key }, v = { STORE_LEVEL0_LEN + bundle_len, NULL };
	int rc;

	store_index_key(key, log, n);
	if ((rc = mdb_put(txn, s->bundles, &k, &v, MDB_RESERVE)) != 0)
		return rc;
	*leaves = v.mv_data;
	*bundle = (uint8_t *)v.mv_data + STORE_LEVEL0_LEN;
	return 0;
}

/* ---- the tail ---- */

int
store_tail_put(struct store *s, MDB_txn *txn, uint32_t log, uint64_t index,
               const uint8_t leaf[STORE_HASH_LEN], const uint8_t *data, size_t len)
{
	uint8_t key[12];
	MDB_val k = { sizeof(key), key }, v = { STORE_HASH_LEN + len, NULL };
	int rc;

	store_index_key(key, log, index);
	if ((rc = mdb_put(txn, s->entries, &k, &v, MDB_RESERVE)) != 0)
		return rc;
	memcpy(v.mv_data, leaf, STORE_HASH_LEN);
	memcpy((uint8_t *)v.mv_data + STORE_HASH_LEN, data, len);
	return 0;
}

int
store_tail_get(struct store *s, MDB_txn *txn, uint32_t log, uint64_t index, const uint8_t **leaf,
               const uint8_t **data, size_t *len)
{
	uint8_t key[12];
	MDB_val k = { sizeof(key), key }, v;
	int rc;

	store_index_key(key, log, index);
	if ((rc = mdb_get(txn, s->entries, &k, &v)) != 0)
		return rc;
	if (v.mv_size < STORE_HASH_LEN)
		return MDB_CORRUPTED;
	*leaf = v.mv_data;
	*data = (const uint8_t *)v.mv_data + STORE_HASH_LEN;
	*len = v.mv_size - STORE_HASH_LEN;
	return 0;
}

int
store_tail_del(struct store *s, MDB_txn *txn, uint32_t log, uint64_t index)
{
	uint8_t key[12];
	MDB_val k = { sizeof(key), key };

	store_index_key(key, log, index);
	return mdb_del(txn, s->entries, &k, NULL);
}

/* ---- entries, wherever they are ---- */

int
store_entry_get(struct store *s, MDB_txn *txn, uint32_t log, uint64_t index, const uint8_t **data,
                size_t *len)
{
	const uint8_t *leaves, *bundle, *leaf;
	size_t blen;
	int rc = store_bundle_get(s, txn, log, index / STORE_TILE, &leaves, &bundle, &blen);

	if (rc == 0)
		return store_bundle_entry(bundle, blen, index % STORE_TILE, data, len)
		               ? 0
		               : MDB_CORRUPTED;
	if (rc != MDB_NOTFOUND)
		return rc;
	return store_tail_get(s, txn, log, index, &leaf, data, len);
}

struct each_plain {
	store_entry_fn fn;
	void *arg;
};

static int
plain(uint64_t index, const uint8_t *data, size_t len, const uint8_t leaf[STORE_HASH_LEN],
      void *arg)
{
	struct each_plain *p = arg;

	(void)leaf;
	return p->fn(index, data, len, p->arg);
}

int
store_entry_each(struct store *s, MDB_txn *txn, uint32_t log, uint64_t start, uint64_t count,
                 store_entry_fn fn, void *arg)
{
	struct each_plain p = { fn, arg };

	return store_leaf_each(s, txn, log, start, count, plain, &p);
}

/* The tail part of a walk: entries [i, end) from the tail records, in one cursor walk. */
static int
tail_each(struct store *s, MDB_txn *txn, uint32_t log, uint64_t i, uint64_t end, store_leaf_fn fn,
          void *arg)
{
	uint8_t key[12];
	MDB_cursor *c;
	MDB_val k = { sizeof(key), key }, v;
	int rc;

	store_index_key(key, log, i);
	if ((rc = mdb_cursor_open(txn, s->entries, &c)) != 0)
		return rc;
	rc = mdb_cursor_get(c, &k, &v, MDB_SET_KEY);
	for (; rc == 0 && i < end; i++) {
		const uint8_t *kp = k.mv_data;

		if (k.mv_size != 12 || get_be32(kp) != log || get_be64(kp + 4) != i) {
			rc = MDB_NOTFOUND;
			break;
		}
		if (v.mv_size < STORE_HASH_LEN) {
			rc = MDB_CORRUPTED;
			break;
		}
		if ((rc = fn(i, (const uint8_t *)v.mv_data + STORE_HASH_LEN,
		             v.mv_size - STORE_HASH_LEN, v.mv_data, arg)) != 0 ||
		    i + 1 == end)
			break;
		rc = mdb_cursor_get(c, &k, &v, MDB_NEXT);
	}
	mdb_cursor_close(c);
	return rc;
}

int
store_leaf_each(struct store *s, MDB_txn *txn, uint32_t log, uint64_t start, uint64_t count,
                store_leaf_fn fn, void *arg)
{
	uint64_t i = start, end = start + count;
	int rc = 0;

	if (count == 0)
		return 0;
	/* Bundles first, one record per 256 entries; the walk goes on in the tail at the first
	 * bundle the log does not have. */
	while (i < end) {
		const uint8_t *leaves, *bundle;
		size_t blen, at = 0;
		unsigned slot = 0;

		rc = store_bundle_get(s, txn, log, i / STORE_TILE, &leaves, &bundle, &blen);
		if (rc == MDB_NOTFOUND)
			return tail_each(s, txn, log, i, end, fn, arg);
		if (rc != 0)
			return rc;
		/* One pass over the lengths to the first entry wanted, then entry by entry. */
		for (; slot < STORE_TILE; slot++) {
			size_t n;

			if (blen - at < 2 ||
			    blen - at - 2 < (n = (size_t)bundle[at] << 8 | bundle[at + 1]))
				return MDB_CORRUPTED;
			if (slot >= i % STORE_TILE && i < end) {
				if ((rc = fn(i, bundle + at + 2, n,
				             leaves + (size_t)slot * STORE_HASH_LEN, arg)) != 0)
					return rc;
				i++;
			}
			at += 2 + n;
		}
	}
	return 0;
}

/* ---- hash tiles ---- */

int
store_tile_get(struct store *s, MDB_txn *txn, uint32_t log, unsigned level, uint64_t n,
               const uint8_t **hashes, size_t *count)
{
	uint8_t key[13];
	MDB_val k = { sizeof(key), key }, v;
	int rc;

	tile_key(key, log, level, n);
	if ((rc = mdb_get(txn, s->tiles, &k, &v)) != 0)
		return rc;
	if (v.mv_size == 0 || v.mv_size % STORE_HASH_LEN || v.mv_size > STORE_LEVEL0_LEN)
		return MDB_CORRUPTED;
	*hashes = v.mv_data;
	*count = v.mv_size / STORE_HASH_LEN;
	return 0;
}

int
store_tile_put(struct store *s, MDB_txn *txn, uint32_t log, unsigned level, uint64_t n,
               const uint8_t *hashes, size_t count)
{
	uint8_t key[13];
	MDB_val k = { sizeof(key), key }, v = { count * STORE_HASH_LEN, (void *)hashes };

	if (count == 0 || count > STORE_TILE || level == 0)
		return -EINVAL;
	tile_key(key, log, level, n);
	return mdb_put(txn, s->tiles, &k, &v, 0);
}
