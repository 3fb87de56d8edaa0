/*
 * store_migrate — format 1 to format 2, in place (store.h has both layouts).
 *
 * Format 1 kept every entry in its own record and every perfect-subtree hash in its own record of
 * the "hashes" database (pages about half full: ~680 bytes per 300-byte entry). Format 2 keeps full
 * bundles, a tail and hash tiles. The migration rewrites one log per write transaction, in id
 * order, and records the next log to do in meta "migrate-next": a crash or a kill leaves every log
 * either migrated or not, and the next read-write open carries on. The format itself says 2 from
 * the first transaction, so that an older binary refuses the folder ("written by a newer REMACTO")
 * rather than appending format-1 records to a migrated log. The "hashes" database goes in the last
 * transaction, in one drop. Nothing is recomputed: entries and hashes are moved as they are, so
 * that `remacto log verify` afterwards judges what was stored.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/be.h"
#include "core/err.h"
#include "core/log.h"
#include "core/merkle.h"
#include "store.h"
#include "store_impl.h"

#define MIGRATE_NEXT "migrate-next"
#define FORMAT_KEY "format"

static int
meta_get_u32(struct store *s, MDB_txn *txn, const char *key, uint32_t *out)
{
	MDB_val k = { strlen(key), (void *)key }, v;
	int rc = mdb_get(txn, s->meta, &k, &v);

	if (rc != 0)
		return rc;
	if (v.mv_size != 4)
		return MDB_CORRUPTED;
	*out = get_be32(v.mv_data);
	return 0;
}

static int
meta_put_u32(struct store *s, MDB_txn *txn, const char *key, uint32_t val)
{
	uint8_t buf[4];
	MDB_val k = { strlen(key), (void *)key }, v = { 4, buf };

	put_be32(buf, val);
	return mdb_put(txn, s->meta, &k, &v, 0);
}

/* Whether the folder holds entries of format 1 (a folder written before the format was
 * recorded). */
static bool
holds_format1(MDB_txn *txn)
{
	MDB_dbi h;
	MDB_stat st;

	return mdb_dbi_open(txn, "hashes", 0, &h) == 0 && mdb_stat(txn, h, &st) == 0 &&
	       st.ms_entries > 0;
}

int
store_format_check(struct store *s, MDB_txn *txn, bool rdonly, char *err, size_t errcap)
{
	uint32_t fmt = 0, next;
	int rc = meta_get_u32(s, txn, FORMAT_KEY, &fmt);
	bool absent = rc == MDB_NOTFOUND;

	if (absent) {
		fmt = holds_format1(txn) ? 1 : STORE_FORMAT;
	} else if (rc != 0) {
		err_set(err, errcap, "cannot open ledger in %s: its format record: %s", s->path,
		        mdb_strerror(rc));
		return rc;
	}
	if (fmt > STORE_FORMAT) {
		err_set(err, errcap,
		        "%s was written by a newer REMACTO (format %u); upgrade this node", s->path,
		        fmt);
		return EPROTO;
	}
	rc = meta_get_u32(s, txn, MIGRATE_NEXT, &next);
	if (rc != 0 && rc != MDB_NOTFOUND)
		return rc;
	if (rdonly) {
		if (fmt == 1 || rc == 0) {
			err_set(err, errcap,
			        "%s is in the ledger's old storage format (one record per hash) and "
			        "must be upgraded once, read-write: start remactod on it, or run "
			        "`remacto log migrate --data %s`",
			        s->path, s->path);
			return EPROTO;
		}
		return 0;
	}
	if (fmt == 1 && (rc = meta_put_u32(s, txn, MIGRATE_NEXT, 0)) != 0)
		return rc;
	return fmt == STORE_FORMAT && !absent ? 0 : meta_put_u32(s, txn, FORMAT_KEY, STORE_FORMAT);
}

struct migration {
	struct store *s;
	MDB_dbi hashes;
	uint32_t log;  /* the log of this step */
	uint64_t done; /* entries moved, for the operator */
	uint8_t *buf;  /* one bundle's entries */
	size_t cap;
	char *err;
	size_t errcap;
};

static int
old_hash(struct migration *m, MDB_txn *txn, unsigned level, uint64_t index, uint8_t out[32])
{
	uint8_t key[13];
	MDB_val k = { sizeof(key), key }, v;
	int rc;

	put_be32(key, m->log);
	key[4] = (uint8_t)level;
	put_be64(key + 5, index);
	if ((rc = mdb_get(txn, m->hashes, &k, &v)) != 0)
		return rc == MDB_NOTFOUND ? MDB_CORRUPTED : rc;
	if (v.mv_size != 32)
		return MDB_CORRUPTED;
	memcpy(out, v.mv_data, 32);
	return 0;
}

struct reader {
	struct migration *m;
	MDB_txn *txn;
};

static int
read_old(void *ctx, unsigned level, uint64_t index, uint8_t out[MERKLE_HASH_LEN])
{
	struct reader *r = ctx;

	return old_hash(r->m, r->txn, level, index, out);
}

/* Entry `index` of format 1: a plain record in "entries". */
static int
old_entry(struct migration *m, MDB_txn *txn, uint64_t index, const uint8_t **data, size_t *len)
{
	uint8_t key[12];
	MDB_val k = { sizeof(key), key }, v;
	int rc;

	store_index_key(key, m->log, index);
	if ((rc = mdb_get(txn, m->s->entries, &k, &v)) != 0)
		return rc == MDB_NOTFOUND ? MDB_CORRUPTED : rc;
	*data = v.mv_data;
	*len = v.mv_size;
	return 0;
}

/* Full bundle n from its 256 entry records, which it deletes. */
static int
move_bundle(struct migration *m, MDB_txn *txn, uint64_t n)
{
	uint8_t leaves[STORE_LEVEL0_LEN], *lp, *bp;
	size_t len = 0;
	int rc;

	for (unsigned i = 0; i < STORE_TILE; i++) {
		const uint8_t *d;
		size_t dl;

		if ((rc = old_entry(m, txn, n * STORE_TILE + i, &d, &dl)) != 0 ||
		    (rc = old_hash(m, txn, 0, n * STORE_TILE + i, leaves + i * STORE_HASH_LEN)))
			return rc;
		if (dl > 0xffff)
			return MDB_CORRUPTED;
		if (len + 2 + dl > m->cap) {
			size_t cap = 2 * (len + 2 + dl);
			uint8_t *nb = realloc(m->buf, cap);

			if (!nb)
				return -ENOMEM;
			m->buf = nb, m->cap = cap;
		}
		m->buf[len] = (uint8_t)(dl >> 8);
		m->buf[len + 1] = (uint8_t)dl;
		memcpy(m->buf + len + 2, d, dl);
		len += 2 + dl;
	}
	if ((rc = store_bundle_reserve(m->s, txn, m->log, n, len, &lp, &bp)) != 0)
		return rc;
	memcpy(lp, leaves, STORE_LEVEL0_LEN);
	memcpy(bp, m->buf, len);
	for (unsigned i = 0; i < STORE_TILE; i++)
		if ((rc = store_tail_del(m->s, txn, m->log, n * STORE_TILE + i)) != 0)
			return rc;
	return 0;
}

/* Entry index stays in the tail, with its leaf hash in front. */
static int
move_tail(struct migration *m, MDB_txn *txn, uint64_t index)
{
	uint8_t leaf[32];
	const uint8_t *d;
	size_t dl;
	int rc;

	if ((rc = old_entry(m, txn, index, &d, &dl)) != 0 ||
	    (rc = old_hash(m, txn, 0, index, leaf)) != 0)
		return rc;
	if (dl > m->cap) {
		uint8_t *nb = realloc(m->buf, dl);

		if (!nb)
			return -ENOMEM;
		m->buf = nb, m->cap = dl;
	}
	/* The record is rewritten in place: its bytes are copied out first. */
	memcpy(m->buf, d, dl);
	return store_tail_put(m->s, txn, m->log, index, leaf, m->buf, dl);
}

/* Hash tiles of levels 1-7 from the perfect subtrees of levels 8, 16, ... */
static int
move_tiles(struct migration *m, MDB_txn *txn, uint64_t size)
{
	uint8_t tile[STORE_LEVEL0_LEN];
	int rc;

	for (unsigned t = 1; t <= 7 && (size >> (8 * t)) > 0; t++) {
		uint64_t count = size >> (8 * t);

		for (uint64_t n = 0; n * STORE_TILE < count; n++) {
			size_t w = count - n * STORE_TILE < STORE_TILE ? count - n * STORE_TILE
			                                               : STORE_TILE;

			for (size_t i = 0; i < w; i++)
				if ((rc = old_hash(m, txn, 8 * t, n * STORE_TILE + i,
				                   tile + i * STORE_HASH_LEN)) != 0)
					return rc;
			if ((rc = store_tile_put(m->s, txn, m->log, t, n, tile, w)) != 0)
				return rc;
		}
	}
	return 0;
}

static int
migrate_log(struct migration *m, MDB_txn *txn, Remacto__Store__LogRecord *rec)
{
	struct merkle_range border;
	struct reader r = { m, txn };
	uint8_t bytes[64 * 32];
	size_t nb = 0;
	uint64_t full = rec->size / STORE_TILE;
	int rc;

	m->log = rec->id;
	for (uint64_t n = 0; n < full; n++)
		if ((rc = move_bundle(m, txn, n)) != 0)
			return rc;
	for (uint64_t i = full * STORE_TILE; i < rec->size; i++)
		if ((rc = move_tail(m, txn, i)) != 0)
			return rc;
	if ((rc = move_tiles(m, txn, rec->size)) != 0 ||
	    (rc = merkle_range_load(&border, rec->size, read_old, &r)) != 0)
		return rc;
	for (unsigned l = 0; l < 64; l++)
		if (rec->size >> l & 1)
			memcpy(bytes + 32 * nb++, border.hash[l], 32);
	rec->border.data = bytes;
	rec->border.len = 32 * nb;
	rc = store_log_put(m->s, txn, rec);
	rec->border.data = NULL, rec->border.len = 0;
	m->done += rec->size;
	return rc;
}

struct step {
	struct migration *m;
	const char *origin;
	uint32_t id;
};

static int
step_txn(MDB_txn *txn, void *arg)
{
	struct step *st = arg;
	struct migration *m = st->m;
	Remacto__Store__LogRecord *rec;
	uint32_t next;
	int rc;

	/* Another process may have done this log since the list was read. */
	if ((rc = meta_get_u32(m->s, txn, MIGRATE_NEXT, &next)) != 0)
		return rc == MDB_NOTFOUND ? 0 : rc;
	if (next > st->id)
		return 0;
	if ((rc = mdb_dbi_open(txn, "hashes", 0, &m->hashes)) != 0)
		return rc;
	if ((rc = store_log_get(m->s, txn, st->origin, &rec)) != 0)
		return rc;
	rc = migrate_log(m, txn, rec);
	remacto__store__log_record__free_unpacked(rec, NULL);
	return rc != 0 ? rc : meta_put_u32(m->s, txn, MIGRATE_NEXT, st->id + 1);
}

static int
finish_txn(MDB_txn *txn, void *arg)
{
	struct migration *m = arg;
	MDB_val k = { strlen(MIGRATE_NEXT), (void *)MIGRATE_NEXT };
	int rc = mdb_dbi_open(txn, "hashes", 0, &m->hashes);

	if (rc == 0 && (rc = mdb_drop(txn, m->hashes, 1)) != 0)
		return rc;
	rc = mdb_del(txn, m->s->meta, &k, NULL);
	return rc == MDB_NOTFOUND ? 0 : rc;
}

int
store_migrate(struct store *s, char *err, size_t errcap)
{
	struct migration m = { .s = s, .err = err, .errcap = errcap };
	struct store_log_list logs = { 0 };
	MDB_txn *txn;
	uint32_t next;
	int rc;

	if ((rc = store_read_begin(s, &txn)) != 0)
		goto fail;
	rc = meta_get_u32(s, txn, MIGRATE_NEXT, &next);
	if (rc == 0)
		rc = store_log_list(s, txn, &logs);
	mdb_txn_abort(txn);
	if (rc == MDB_NOTFOUND) {
		rc = 0; /* nothing pending */
		goto done;
	}
	if (rc != 0)
		goto fail;
	log_info("%s: upgrading the ledger to its tiled storage format, %zu logs", s->path, logs.n);
	for (size_t i = 0; i < logs.n; i++) {
		struct step st = { &m, logs.v[i].origin, logs.v[i].id };
		uint64_t before = m.done;

		if (logs.v[i].id < next)
			continue;
		if ((rc = store_write(s, step_txn, &st)) != 0) {
			err_set(err, errcap,
			        "cannot upgrade log %s in %s to the tiled format: %s; nothing of it "
			        "changed, the next read-write open carries on",
			        logs.v[i].origin, s->path, store_strerror(rc));
			goto done;
		}
		if (m.done - before >= 100000)
			log_info("%s: upgraded %s (%llu entries; %zu of %zu logs)", s->path,
			         logs.v[i].origin, (unsigned long long)(m.done - before), i + 1,
			         logs.n);
	}
	if ((rc = store_write(s, finish_txn, &m)) != 0)
		goto fail;
	log_info("%s: ledger upgraded, its %zu logs in the tiled format (%llu entries moved by "
	         "this run)",
	         s->path, logs.n, (unsigned long long)m.done);
	goto done;
fail:
	err_set(err, errcap, "cannot upgrade the ledger in %s to the tiled format: %s", s->path,
	        store_strerror(rc));
done:
	store_log_list_free(&logs);
	free(m.buf);
	return rc;
}
