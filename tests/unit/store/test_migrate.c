/*
 * Tests for node/store/store_migrate.c: a data folder of format 1, written here record by record
 * as the ledger wrote it before the tiles (one record per entry in "entries", one per perfect
 * subtree in "hashes", meta "format" = 1), is opened read-write and must come out in format 2
 * holding the very same logs: tlog_verify passes, and every tile, entry and proof is what a
 * store that appended the same entries in format 2 serves. A read-only open refuses the old
 * folder with a message naming the cure; a migration that fails half-way leaves the migrated
 * logs migrated, the others untouched, the folder closed to older binaries, and completes at
 * the next read-write open.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/be.h"
#include "core/merkle.h"
#include "core/note.h"
#include "core/tile.h"
#include "peers/ledger.h"
#include "store/store.h"
#include "store/tlog.h"

#define ORIGIN_A "remacto.ma/rabat-prefecture"
#define ORIGIN_B "remacto.ma/tetouan"
#define ORIGIN_C "remacto.ma/fes"
/* Enough entries for a hash tile of level 2 (Merkle level 16): 65,536 and a partial tail. */
#define SIZE_A 66000
#define SIZE_B 300
#define SIZE_C 0

static char err[1024];

struct old_log {
	const char *origin;
	uint32_t id;
	uint64_t size;
	struct note_signer signer;
};

struct fx {
	char dir[64], ref[64];
	struct old_log logs[3];
};

static void
entry_bytes(uint32_t log, uint64_t i, uint8_t *buf, size_t *len)
{
	*len = (size_t)snprintf((char *)buf, 64, "entry %llu of log %u%s", (unsigned long long)i,
	                        log, i % 7 ? "" : " (a longer one, for varied lengths)");
}

static void
rm_dir(const char *dir)
{
	char p[128];
	snprintf(p, sizeof(p), "%s/data.mdb", dir);
	unlink(p);
	snprintf(p, sizeof(p), "%s/lock.mdb", dir);
	unlink(p);
	rmdir(dir);
}

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	static const char *const origins[] = { ORIGIN_A, ORIGIN_B, ORIGIN_C };
	static const uint64_t sizes[] = { SIZE_A, SIZE_B, SIZE_C };

	assert_non_null(f);
	snprintf(f->dir, sizeof(f->dir), "/tmp/remacto-migrate-XXXXXX");
	snprintf(f->ref, sizeof(f->ref), "/tmp/remacto-migref-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	assert_non_null(mkdtemp(f->ref));
	for (int i = 0; i < 3; i++) {
		uint8_t seed[32];
		memset(seed, 0x31 + i, sizeof(seed));
		f->logs[i].origin = origins[i];
		f->logs[i].id = (uint32_t)i + 1;
		f->logs[i].size = sizes[i];
		assert_int_equal(note_signer_from_seed(&f->logs[i].signer, origins[i],
		                                       NOTE_ALG_ED25519, seed),
		                 0);
	}
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;
	for (int i = 0; i < 3; i++)
		note_signer_free(&f->logs[i].signer);
	rm_dir(f->dir);
	rm_dir(f->ref);
	free(f);
	return 0;
}

/* ---- format 1, written by hand ---- */

struct old_tree {
	MDB_txn *txn;
	MDB_dbi hashes;
	uint32_t log;
};

static int
put_old_hash(void *arg, unsigned level, uint64_t index, const uint8_t hash[MERKLE_HASH_LEN])
{
	struct old_tree *t = arg;
	uint8_t key[13];
	MDB_val k = { sizeof(key), key }, v = { 32, (void *)hash };

	put_be32(key, t->log);
	key[4] = (uint8_t)level;
	put_be64(key + 5, index);
	return mdb_put(t->txn, t->hashes, &k, &v, 0);
}

static void
put(MDB_txn *txn, MDB_dbi db, const void *k, size_t kl, const void *v, size_t vl)
{
	MDB_val key = { kl, (void *)k }, val = { vl, (void *)v };
	assert_int_equal(mdb_put(txn, db, &key, &val, 0), 0);
}

/* The logs of f as format 1 wrote them, with a signed checkpoint at their size. */
static void
write_format1(struct fx *f)
{
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi logs, slugs, entries, hashes, checkpoints, meta;
	uint8_t fmt[4], next[4];

	assert_int_equal(mdb_env_create(&env), 0);
	assert_int_equal(mdb_env_set_maxdbs(env, 32), 0);
	assert_int_equal(mdb_env_set_mapsize(env, (size_t)1 << 30), 0);
	assert_int_equal(mdb_env_open(env, f->dir, MDB_NOTLS, 0600), 0);
	assert_int_equal(mdb_txn_begin(env, NULL, 0, &txn), 0);
	assert_int_equal(mdb_dbi_open(txn, "logs", MDB_CREATE, &logs), 0);
	assert_int_equal(mdb_dbi_open(txn, "slugs", MDB_CREATE, &slugs), 0);
	assert_int_equal(mdb_dbi_open(txn, "entries", MDB_CREATE, &entries), 0);
	assert_int_equal(mdb_dbi_open(txn, "hashes", MDB_CREATE, &hashes), 0);
	assert_int_equal(mdb_dbi_open(txn, "checkpoints", MDB_CREATE, &checkpoints), 0);
	assert_int_equal(mdb_dbi_open(txn, "meta", MDB_CREATE, &meta), 0);
	put_be32(fmt, 1);
	put(txn, meta, "format", 6, fmt, 4);
	put_be32(next, 4);
	put(txn, meta, "next-log-id", 11, next, 4);
	for (int i = 0; i < 3; i++) {
		struct old_log *l = &f->logs[i];
		struct old_tree t = { txn, hashes, l->id };
		struct merkle_range r;
		struct checkpoint cp = { .size = l->size };
		Remacto__Store__LogRecord rec = REMACTO__STORE__LOG_RECORD__INIT;
		char vkey[NOTE_VKEY_MAX + 1], body[256], note[NOTE_MAX_LEN];
		uint8_t key[12], buf[64], root[32], *packed;
		size_t len;
		int nl;

		merkle_range_init(&r);
		for (uint64_t e = 0; e < l->size; e++) {
			uint8_t leaf[32];
			entry_bytes(l->id, e, buf, &len);
			put_be32(key, l->id);
			put_be64(key + 4, e);
			put(txn, entries, key, 12, buf, len);
			merkle_leaf_hash(buf, len, leaf);
			assert_int_equal(merkle_range_append(&r, leaf, put_old_hash, &t), 0);
		}
		merkle_range_root(&r, root);
		snprintf(cp.origin, sizeof(cp.origin), "%s", l->origin);
		memcpy(cp.root, root, 32);
		nl = checkpoint_format(&cp, body, sizeof(body));
		assert_true(nl > 0);
		nl = note_sign(&l->signer, body, (size_t)nl, note, sizeof(note));
		assert_true(nl > 0);
		put_be32(key, l->id);
		put_be64(key + 4, l->size);
		put(txn, checkpoints, key, 12, note, (size_t)nl);
		assert_true(note_verifier_format(&l->signer.v, vkey, sizeof(vkey)) > 0);
		rec.id = l->id;
		rec.origin = (char *)l->origin;
		rec.verifier_key = vkey;
		rec.key_file = "";
		rec.size = l->size;
		rec.root.data = root, rec.root.len = 32;
		rec.checkpoint.data = (uint8_t *)note, rec.checkpoint.len = (size_t)nl;
		rec.created = rec.updated = time(NULL);
		len = remacto__store__log_record__get_packed_size(&rec);
		packed = malloc(len);
		assert_non_null(packed);
		remacto__store__log_record__pack(&rec, packed);
		put(txn, logs, l->origin, strlen(l->origin), packed, len);
		free(packed);
		put(txn, slugs, strrchr(l->origin, '/') + 1, strlen(strrchr(l->origin, '/') + 1),
		    l->origin, strlen(l->origin));
	}
	assert_int_equal(mdb_txn_commit(txn), 0);
	mdb_env_close(env);
}

/* Deletes (or puts back) one format-1 hash of log id, as damage that stops its migration. */
static void
damage_hash(struct fx *f, uint32_t log, uint64_t index, uint8_t *keep, bool restore)
{
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi hashes;
	uint8_t key[13];
	MDB_val k = { sizeof(key), key }, v;

	put_be32(key, log);
	key[4] = 0;
	put_be64(key + 5, index);
	assert_int_equal(mdb_env_create(&env), 0);
	assert_int_equal(mdb_env_set_maxdbs(env, 32), 0);
	assert_int_equal(mdb_env_open(env, f->dir, MDB_NOTLS, 0600), 0);
	assert_int_equal(mdb_txn_begin(env, NULL, 0, &txn), 0);
	assert_int_equal(mdb_dbi_open(txn, "hashes", 0, &hashes), 0);
	if (restore) {
		v.mv_size = 32, v.mv_data = keep;
		assert_int_equal(mdb_put(txn, hashes, &k, &v, 0), 0);
	} else {
		assert_int_equal(mdb_get(txn, hashes, &k, &v), 0);
		memcpy(keep, v.mv_data, 32);
		assert_int_equal(mdb_del(txn, hashes, &k, NULL), 0);
	}
	assert_int_equal(mdb_txn_commit(txn), 0);
	mdb_env_close(env);
}

/* The same logs appended in format 2, for comparison. */
static void
write_reference(struct fx *f, struct store *s)
{
	assert_int_equal(ledger_open(s, f->ref, STORE_CREATE, 0, err, sizeof(err)), 0);
	for (int i = 0; i < 3; i++) {
		struct old_log *l = &f->logs[i];
		struct tlog_batch b;
		MDB_txn *txn;
		uint8_t buf[64];
		size_t len;

		assert_int_equal(tlog_create(s, &l->signer, NULL, err, sizeof(err)), 0);
		/* In steps of 1000, as appends come: tails and partial tiles along the way. */
		for (uint64_t e = 0; e < l->size;) {
			assert_int_equal(mdb_txn_begin(s->env, NULL, 0, &txn), 0);
			assert_int_equal(tlog_batch_begin(&b, s, txn, l->origin), 0);
			for (uint64_t k = 0; k < 1000 && e < l->size; k++, e++) {
				entry_bytes(l->id, e, buf, &len);
				assert_int_equal(
				        tlog_batch_add(&b, txn, buf, len, false, err, sizeof(err)),
				        0);
			}
			assert_int_equal(tlog_batch_seal(&b, txn, &l->signer, NULL), 0);
			tlog_batch_end(&b);
			assert_int_equal(mdb_txn_commit(txn), 0);
		}
	}
}

/* Everything the migrated store serves of log l is what the reference serves. */
static void
same_as_reference(struct store *got, struct store *ref, const struct old_log *l)
{
	struct tlog_head *hg = calloc(1, sizeof(*hg)), *hr = calloc(1, sizeof(*hr));
	MDB_txn *tg, *tr;

	assert_true(hg && hr);
	assert_int_equal(store_read_begin(got, &tg), 0);
	assert_int_equal(store_read_begin(ref, &tr), 0);
	assert_int_equal(tlog_head(got, tg, l->origin, hg), 0);
	assert_int_equal(tlog_head(ref, tr, l->origin, hr), 0);
	assert_int_equal(hg->size, l->size);
	assert_int_equal(hr->size, l->size);
	assert_memory_equal(hg->root, hr->root, 32);
	for (int level = TILE_ENTRIES; level <= 2; level++) {
		uint64_t have = l->size >> (8 * (level < 0 ? 0 : level));

		for (uint64_t n = 0; n * 256 < have; n++) {
			unsigned w = have - n * 256 < 256 ? (unsigned)(have - n * 256) : 256;
			uint8_t *a, *b;
			size_t la, lb;

			assert_int_equal(tlog_tile_read(got, tg, hg, level, n, w, &a, &la), 0);
			assert_int_equal(tlog_tile_read(ref, tr, hr, level, n, w, &b, &lb), 0);
			assert_int_equal(la, lb);
			assert_memory_equal(a, b, la);
			free(a);
			free(b);
		}
	}
	for (uint64_t i = 0; l->size > 0 && i < l->size; i += l->size / 7 + 1) {
		uint8_t la[32], ra[32], lb[32], rb[32], pa[MERKLE_MAX_PROOF][32],
		        pb[MERKLE_MAX_PROOF][32];
		size_t na, nb;

		assert_int_equal(tlog_inclusion(got, tg, hg, i, l->size, la, ra, pa, &na), 0);
		assert_int_equal(tlog_inclusion(ref, tr, hr, i, l->size, lb, rb, pb, &nb), 0);
		assert_int_equal(na, nb);
		assert_memory_equal(pa, pb, na * 32);
		assert_memory_equal(la, lb, 32);
		assert_int_equal(tlog_consistency(got, tg, hg, i + 1, l->size, la, ra, pa, &na), 0);
		assert_int_equal(tlog_consistency(ref, tr, hr, i + 1, l->size, lb, rb, pb, &nb), 0);
		assert_int_equal(na, nb);
		assert_memory_equal(pa, pb, na * 32);
	}
	mdb_txn_abort(tg);
	mdb_txn_abort(tr);
	free(hg);
	free(hr);
}

static uint32_t
meta_u32(struct store *s, const char *name, int *rc)
{
	MDB_txn *txn;
	MDB_val k = { strlen(name), (void *)name }, v;
	uint32_t x = 0;

	assert_int_equal(store_read_begin(s, &txn), 0);
	*rc = mdb_get(txn, s->meta, &k, &v);
	if (*rc == 0)
		x = get_be32(v.mv_data);
	mdb_txn_abort(txn);
	return x;
}

static void
verified(struct store *s, const struct old_log *l)
{
	err[0] = '\0';
	int rc = tlog_verify(s, l->origin, NULL, NULL, err, sizeof(err));
	if (rc != 0)
		fail_msg("tlog_verify(%s): %d %s", l->origin, rc, err);
}

/* ---- tests ---- */

static void
test_migrates_on_open(void **state)
{
	struct fx *f = *state;
	struct store s, ref;
	MDB_txn *txn;
	MDB_dbi h;
	int rc;

	write_format1(f);
	/* Read-only first: refused, saying how to upgrade, and nothing changed. */
	assert_int_not_equal(ledger_open(&s, f->dir, STORE_RDONLY, 0, err, sizeof(err)), 0);
	assert_non_null(strstr(err, "remacto log migrate"));

	assert_int_equal(ledger_open(&s, f->dir, 0, 0, err, sizeof(err)), 0);
	assert_int_equal(meta_u32(&s, "format", &rc), 2);
	assert_int_equal(rc, 0);
	meta_u32(&s, "migrate-next", &rc);
	assert_int_equal(rc, MDB_NOTFOUND);
	assert_int_equal(store_read_begin(&s, &txn), 0);
	assert_int_equal(mdb_dbi_open(txn, "hashes", 0, &h), MDB_NOTFOUND);
	mdb_txn_abort(txn);
	write_reference(f, &ref);
	for (int i = 0; i < 3; i++) {
		verified(&s, &f->logs[i]);
		same_as_reference(&s, &ref, &f->logs[i]);
	}
	/* And it takes appends as any store does. */
	{
		struct tlog_blob one = { (const uint8_t *)"one more", 8 };
		assert_int_equal(tlog_append(&s, ORIGIN_B, &f->logs[1].signer, &one, 1, NULL, NULL,
		                             err, sizeof(err)),
		                 -EINVAL); /* not an Entry: strict appends decode */
	}
	store_close(&ref);
	store_close(&s);
	/* Opened again (read-only too): nothing left to do. */
	assert_int_equal(ledger_open(&s, f->dir, STORE_RDONLY, 0, err, sizeof(err)), 0);
	verified(&s, &f->logs[0]);
	store_close(&s);
}

static void
test_resumes(void **state)
{
	struct fx *f = *state;
	struct store s, ref;
	uint8_t keep[32];
	int rc;

	write_format1(f);
	/* Log B (id 2) misses a hash: A is migrated, B and C are not, and the open fails. */
	damage_hash(f, 2, 17, keep, false);
	rc = ledger_open(&s, f->dir, 0, 0, err, sizeof(err));
	assert_int_not_equal(rc, 0);
	assert_non_null(strstr(err, ORIGIN_B));
	assert_non_null(strstr(err, "next read-write open carries on"));
	/* The folder now says format 2 (older binaries refuse it) with the migration pending:
	 * read-only opens refuse it too. */
	assert_int_not_equal(ledger_open(&s, f->dir, STORE_RDONLY, 0, err, sizeof(err)), 0);
	assert_non_null(strstr(err, "migrate"));
	/* Repaired, the next read-write open finishes the job. */
	damage_hash(f, 2, 17, keep, true);
	assert_int_equal(ledger_open(&s, f->dir, 0, 0, err, sizeof(err)), 0);
	assert_int_equal(meta_u32(&s, "format", &rc), 2);
	write_reference(f, &ref);
	for (int i = 0; i < 3; i++) {
		verified(&s, &f->logs[i]);
		same_as_reference(&s, &ref, &f->logs[i]);
	}
	store_close(&ref);
	store_close(&s);
}

static void
test_newer_format_refused(void **state)
{
	struct fx *f = *state;
	struct store s;
	MDB_txn *txn;
	uint8_t fmt[4];
	MDB_val k = { 6, (void *)"format" }, v = { 4, fmt };

	assert_int_equal(ledger_open(&s, f->dir, STORE_CREATE, 0, err, sizeof(err)), 0);
	assert_int_equal(meta_u32(&s, "format", &(int){ 0 }), 2);
	put_be32(fmt, 3);
	assert_int_equal(mdb_txn_begin(s.env, NULL, 0, &txn), 0);
	assert_int_equal(mdb_put(txn, s.meta, &k, &v, 0), 0);
	assert_int_equal(mdb_txn_commit(txn), 0);
	store_close(&s);
	assert_int_not_equal(ledger_open(&s, f->dir, 0, 0, err, sizeof(err)), 0);
	assert_non_null(strstr(err, "newer REMACTO (format 3)"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_migrates_on_open, setup, teardown),
		cmocka_unit_test_setup_teardown(test_resumes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_newer_format_refused, setup, teardown),
	};
	return cmocka_run_group_tests_name("store migration", tests, NULL, NULL);
}
