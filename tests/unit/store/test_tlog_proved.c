/*
 * Tests for tlog_batch_add_proved (node/store/tlog.c): replication's append of a chunk proved
 * against a signed root, with the leaf hashes computed on arrival handed over so that the
 * writer does not hash every entry twice.
 *
 * A source log is written with tlog_append (signed, as its member does); a replica of it on the
 * same store is fed chunk by chunk with the source's consistency proofs, as fed_fetch.c does.
 * What must hold: leaf hashes handed over give exactly the tree hashing gives (tlog_verify
 * rehashes every stored entry); a wrong leaf hash, or entries that are not the signed ones, are
 * refused (-EBADMSG), the batch cannot be sealed after that, and the store keeps nothing of
 * the chunk.
 */
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/entry.h"
#include "core/merkle.h"
#include "core/note.h"
#include "peers/ledger.h"
#include "store/store.h"
#include "store/tlog.h"

#define HL MERKLE_HASH_LEN
#define SOURCE "remacto.ma/tetouan"
#define REPLICA "remacto.ma/tanger"
#define N 700 /* entries: two full 256-entry bundles and a tail */

static char err[1024];

struct fx {
	char dir[64];
	struct store s;
	struct note_signer src, rep;
	char rep_vkey[NOTE_VKEY_MAX + 1];
	uint8_t *data[N];
	size_t len[N];
	uint8_t leaf[N][HL];
};

/* Entry i: a small valid consultation (tlog_append folds in strict mode). */
static void
make_entry(struct fx *f, size_t i)
{
	Remacto__V1__Entry e = REMACTO__V1__ENTRY__INIT;
	Remacto__V1__Consultation c = REMACTO__V1__CONSULTATION__INIT;
	char id[32];
	snprintf(id, sizeof(id), "C-%zu", i);
	e.schema = 1;
	e.kind_case = REMACTO__V1__ENTRY__KIND_CONSULTATION;
	e.consultation = &c;
	c.id = id, c.date = "2025-01-01";
	f->len[i] = remacto__v1__entry__get_packed_size(&e);
	f->data[i] = malloc(f->len[i]);
	assert_non_null(f->data[i]);
	assert_int_equal(remacto__v1__entry__pack(&e, f->data[i]), f->len[i]);
	merkle_leaf_hash(f->data[i], f->len[i], f->leaf[i]);
}

static void
rm_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char p[512];
	if (!d)
		return;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		snprintf(p, sizeof(p), "%s/%s", dir, de->d_name);
		unlink(p);
	}
	closedir(d);
	rmdir(dir);
}

static int
create_replica_txn(MDB_txn *txn, void *arg)
{
	struct fx *f = arg;
	return tlog_create_replica(&f->s, txn, REPLICA, f->rep_vkey);
}

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	uint8_t seed[32];
	assert_non_null(f);
	snprintf(f->dir, sizeof(f->dir), "/tmp/remacto-tlogp-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	memset(seed, 0x33, sizeof(seed));
	assert_int_equal(note_signer_from_seed(&f->src, SOURCE, NOTE_ALG_ED25519, seed), 0);
	memset(seed, 0x44, sizeof(seed));
	assert_int_equal(note_signer_from_seed(&f->rep, REPLICA, NOTE_ALG_ED25519, seed), 0);
	assert_true(note_verifier_format(&f->rep.v, f->rep_vkey, sizeof(f->rep_vkey)) > 0);
	assert_int_equal(ledger_open(&f->s, f->dir, STORE_CREATE, 0, err, sizeof(err)), 0);
	for (size_t i = 0; i < N; i++)
		make_entry(f, i);
	/* The source: what a member signed, in batches of 100. */
	assert_int_equal(tlog_create(&f->s, &f->src, NULL, err, sizeof(err)), 0);
	for (size_t i = 0; i < N; i += 100) {
		struct tlog_blob b[100];
		uint64_t first;
		for (size_t k = 0; k < 100; k++)
			b[k].data = f->data[i + k], b[k].len = f->len[i + k];
		int rc = tlog_append(&f->s, SOURCE, &f->src, b, 100, &first, NULL, err,
		                     sizeof(err));
		if (rc != 0)
			print_error("tlog_append: %d %s\n", rc, err);
		assert_int_equal(rc, 0);
	}
	assert_int_equal(store_write(&f->s, create_replica_txn, f), 0);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;
	store_close(&f->s);
	note_signer_free(&f->src);
	note_signer_free(&f->rep);
	for (size_t i = 0; i < N; i++)
		free(f->data[i]);
	rm_dir(f->dir);
	free(f);
	return 0;
}

/* One chunk of the replica, as apply_run does it: entries [start, end) with the given leaf
 * hashes (NULL: none handed over) and the given bytes, proved against the source's tree of
 * `to` entries; sealed when the proof holds. */
struct chunk_arg {
	struct fx *f;
	uint64_t start, end, to;
	const uint8_t (*leaves)[HL];
	uint8_t *const *data;
	int add_rc, seal_rc;
};

static int
chunk_txn(MDB_txn *txn, void *arg)
{
	struct chunk_arg *a = arg;
	struct fx *f = a->f;
	struct tlog_head *h = calloc(1, sizeof(*h));
	uint8_t(*hashes)[HL] = calloc(64, HL), old_root[HL];
	struct tlog_proof p = { a->to, { 0 }, NULL, 0 };
	struct tlog_batch b;
	int rc;

	assert_true(h && hashes);
	/* The source's proof from a->end to a->to, what a peer sends with the chunk. */
	assert_int_equal(tlog_head(&f->s, txn, SOURCE, h), 0);
	if (a->end < a->to)
		assert_int_equal(tlog_consistency(&f->s, txn, h, a->end, a->to, old_root, p.root,
		                                  hashes, &p.n),
		                 0);
	else
		assert_int_equal(
		        tlog_consistency(&f->s, txn, h, 1, a->to, old_root, p.root, hashes, &p.n),
		        0);
	if (a->end == a->to)
		p.n = 0;
	p.hashes = (const uint8_t(*)[HL])hashes;
	assert_int_equal(tlog_batch_begin(&b, &f->s, txn, REPLICA), 0);
	assert_int_equal(b.range.size, a->start);
	a->add_rc = tlog_batch_add_proved(&b, txn, (const uint8_t *const *)a->data + a->start,
	                                  f->len + a->start,
	                                  a->leaves ? a->leaves + a->start : NULL,
	                                  (size_t)(a->end - a->start), &p, err, sizeof(err));
	/* Whatever the add said, try to seal: a refused chunk must not be sealed. */
	a->seal_rc = tlog_batch_seal_verified(&b, txn, NULL, 0, NULL, NULL);
	rc = a->add_rc ? a->add_rc : a->seal_rc;
	tlog_batch_end(&b);
	free(hashes);
	free(h);
	return rc;
}

static int
apply(struct fx *f, uint64_t start, uint64_t end, uint64_t to, const uint8_t (*leaves)[HL],
      uint8_t *const *data, struct chunk_arg *a)
{
	*a = (struct chunk_arg){ f, start, end, to, leaves, data ? data : f->data, 0, 0 };
	return store_write(&f->s, chunk_txn, a);
}

/* The replica's size and root, and tlog_verify (every stored entry rehashed, every tile and
 * the border rebuilt) over it. */
static void
replica_is(struct fx *f, uint64_t size)
{
	struct tlog_head *h = calloc(1, sizeof(*h)), *src = calloc(1, sizeof(*src));
	uint8_t leaf[HL], root[HL], proof[64][HL];
	size_t n;
	MDB_txn *txn;

	assert_true(h && src);
	assert_int_equal(store_read_begin(&f->s, &txn), 0);
	assert_int_equal(tlog_head(&f->s, txn, REPLICA, h), 0);
	assert_int_equal(h->size, size);
	assert_int_equal(tlog_head(&f->s, txn, SOURCE, src), 0);
	if (size) {
		/* The source's root at that size is the replica's root. */
		assert_int_equal(tlog_inclusion(&f->s, txn, src, 0, size, leaf, root, proof, &n),
		                 0);
		assert_memory_equal(root, h->root, HL);
		assert_memory_equal(leaf, f->leaf[0], HL);
	}
	mdb_txn_abort(txn);
	err[0] = '\0';
	int rc = tlog_verify(&f->s, REPLICA, NULL, NULL, err, sizeof(err));
	if (rc != 0)
		print_error("tlog_verify: %d %s\n", rc, err);
	assert_int_equal(rc, 0);
	free(src);
	free(h);
}

/* Handed-over leaf hashes give the very tree hashing gives: chunks with and without them, with
 * and without a consistency proof, across bundle boundaries. */
static void
test_leaves_handed_over(void **state)
{
	struct fx *f = *state;
	struct chunk_arg a;

	assert_int_equal(apply(f, 0, 100, 100, NULL, NULL, &a), 0); /* hashed here */
	replica_is(f, 100);
	assert_int_equal(apply(f, 100, 300, 500, (const uint8_t(*)[HL])f->leaf, NULL, &a), 0);
	replica_is(f, 300);
	assert_int_equal(apply(f, 300, 600, 600, (const uint8_t(*)[HL])f->leaf, NULL, &a), 0);
	replica_is(f, 600);
	assert_int_equal(apply(f, 600, N, N, (const uint8_t(*)[HL])f->leaf, NULL, &a), 0);
	replica_is(f, N);
}

/* A leaf hash that is not the hash of the bytes being stored is refused: the root it gives is
 * not the signed one. Nothing of the chunk is stored, the batch cannot be sealed, and the
 * right chunk goes in afterwards. */
static void
test_wrong_leaf_refused(void **state)
{
	struct fx *f = *state;
	struct chunk_arg a;
	uint8_t(*wrong)[HL] = malloc(sizeof(f->leaf));

	assert_non_null(wrong);
	assert_int_equal(apply(f, 0, 256, 256, (const uint8_t(*)[HL])f->leaf, NULL, &a), 0);
	replica_is(f, 256);
	/* The hash of another entry's bytes, the hash of these bytes with one bit flipped, and
	 * in the last position of the chunk (the border alone changes). */
	size_t at[] = { 300, 257, 499 };
	for (size_t k = 0; k < sizeof(at) / sizeof(at[0]); k++) {
		memcpy(wrong, f->leaf, sizeof(f->leaf));
		if (k == 0) {
			memcpy(wrong[at[k]], f->leaf[at[k] + 1], HL);
		} else {
			f->data[at[k]][0] ^= 1;
			merkle_leaf_hash(f->data[at[k]], f->len[at[k]], wrong[at[k]]);
			f->data[at[k]][0] ^= 1;
		}
		int rc = apply(f, 256, 500, 600, (const uint8_t(*)[HL])wrong, NULL, &a);
		assert_int_equal(rc, -EBADMSG);
		assert_int_equal(a.add_rc, -EBADMSG);
		assert_int_equal(a.seal_rc, -EBADMSG);
		assert_non_null(strstr(err, "do not reproduce the signed root"));
		replica_is(f, 256);
	}
	/* Entries that are not the signed ones, hashed here or handed over with their own
	 * (correct) hashes: refused the same way. */
	uint8_t *forged[N];
	memcpy(forged, f->data, sizeof(forged));
	uint8_t *copy = malloc(f->len[400]);
	assert_non_null(copy);
	memcpy(copy, f->data[400], f->len[400]);
	copy[f->len[400] - 1] ^= 0x01; /* the date's last digit */
	forged[400] = copy;
	memcpy(wrong, f->leaf, sizeof(f->leaf));
	merkle_leaf_hash(copy, f->len[400], wrong[400]);
	assert_int_equal(apply(f, 256, 500, 500, NULL, forged, &a), -EBADMSG);
	replica_is(f, 256);
	assert_int_equal(apply(f, 256, 500, 500, (const uint8_t(*)[HL])wrong, forged, &a),
	                 -EBADMSG);
	replica_is(f, 256);
	/* The right chunk still goes in. */
	assert_int_equal(apply(f, 256, 500, 600, (const uint8_t(*)[HL])f->leaf, NULL, &a), 0);
	replica_is(f, 500);
	free(copy);
	free(wrong);
}

int
main(void)
{
	unsetenv("REMACTO_MAPSIZE");
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_leaves_handed_over, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wrong_leaf_refused, setup, teardown),
	};
	return cmocka_run_group_tests_name("tlog_proved", tests, NULL, NULL);
}
