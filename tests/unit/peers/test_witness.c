/*
 * Tests of peers/witness.c: the served checkpoint (witness_note) carries each signer once. A
 * note stored as it was gossiped keeps the cosignature lines it came with; the same witness's
 * stored line (the very same line, or one made at another time) is then not appended again,
 * while other witnesses' lines are. The result opens with every signature verified.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/note.h"
#include "peers/ledger.h"
#include "peers/witness.h"
#include "store/tlog.h"

#define LOG "remacto.ma/commune-temara"
#define W1 "remacto.ma/rabat-prefecture"
#define W2 "remacto.ma/commune-sale"

struct fx {
	char dir[64];
	struct store s;
	struct note_signer author, w1, w2;
	struct tlog_head h;
	char body[512];
	size_t body_len;
	char line1[256], line1b[256], line2[256];
	int l1, l1b, l2;
};

static void
seeded(struct note_signer *s, const char *name, uint8_t alg, uint8_t fill)
{
	uint8_t seed[32];
	memset(seed, fill, sizeof(seed));
	assert_int_equal(note_signer_from_seed(s, name, alg, seed), 0);
}

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	char err[256];
	uint8_t entry[] = { 0x08, 0x01 };
	struct tlog_blob b = { entry, sizeof(entry) };
	MDB_txn *txn;

	assert_non_null(f);
	strcpy(f->dir, "/tmp/remacto-witness.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	assert_int_equal(ledger_open(&f->s, f->dir, STORE_CREATE, 0, err, sizeof(err)), 0);
	seeded(&f->author, LOG, NOTE_ALG_ED25519, 1);
	seeded(&f->w1, W1, NOTE_ALG_COSIGNATURE_V1, 2);
	seeded(&f->w2, W2, NOTE_ALG_COSIGNATURE_V1, 3);
	assert_int_equal(tlog_create(&f->s, &f->author, NULL, err, sizeof(err)), 0);
	assert_int_equal(tlog_append(&f->s, LOG, &f->author, &b, 1, NULL, NULL, err, sizeof(err)),
	                 0);
	assert_int_equal(store_read_begin(&f->s, &txn), 0);
	assert_int_equal(tlog_head(&f->s, txn, LOG, &f->h), 0);
	mdb_txn_abort(txn);
	/* The checkpoint body: the signed note up to its blank line. */
	const char *blank = strstr(f->h.checkpoint, "\n\n");
	assert_non_null(blank);
	f->body_len = (size_t)(blank - f->h.checkpoint) + 1;
	memcpy(f->body, f->h.checkpoint, f->body_len);
	f->l1 = note_cosign_line(&f->w1, f->body, f->body_len, 1000, f->line1, sizeof(f->line1));
	f->l1b = note_cosign_line(&f->w1, f->body, f->body_len, 2000, f->line1b, sizeof(f->line1b));
	f->l2 = note_cosign_line(&f->w2, f->body, f->body_len, 1500, f->line2, sizeof(f->line2));
	assert_true(f->l1 > 0 && f->l1b > 0 && f->l2 > 0);
	assert_true(strcmp(f->line1, f->line1b) != 0);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;
	char cmd[128];
	store_close(&f->s);
	note_signer_free(&f->author);
	note_signer_free(&f->w1);
	note_signer_free(&f->w2);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
	assert_int_equal(system(cmd), 0);
	free(f);
	return 0;
}

struct put {
	struct fx *f;
	const char *name, *line;
	size_t len;
	uint64_t ts;
};

static int
put_fn(MDB_txn *txn, void *arg)
{
	struct put *p = arg;
	return witness_put(&p->f->s, txn, p->f->h.id, p->f->h.size, p->name, p->ts, p->line,
	                   p->len);
}

static void
put(struct fx *f, const char *name, const char *line, size_t len, uint64_t ts)
{
	struct put p = { f, name, line, len, ts };
	assert_int_equal(store_write(&f->s, put_fn, &p), 0);
}

/* witness_note of note, with the count of each signer's lines, and the result must open with
 * every signature verified. */
static void
served(struct fx *f, const char *note, size_t len, int *author, int *w1, int *w2)
{
	char out[NOTE_MAX_LEN], err[256];
	struct note_verifier vs[3] = { f->author.v, f->w1.v, f->w2.v };
	struct note nt;
	MDB_txn *txn;
	int n;
	assert_int_equal(store_read_begin(&f->s, &txn), 0);
	n = witness_note(&f->s, txn, f->h.id, f->h.size, note, len, out, sizeof(out));
	mdb_txn_abort(txn);
	assert_true(n > 0);
	if (!note_open(out, (size_t)n, vs, 3, &nt, err, sizeof(err)))
		fail_msg("the served note does not open: %s\n%s", err, out);
	*author = *w1 = *w2 = 0;
	for (size_t i = 0; i < nt.nsigs; i++) {
		assert_true(nt.sigs[i].verified);
		*author += !strcmp(nt.sigs[i].name, LOG);
		*w1 += !strcmp(nt.sigs[i].name, W1);
		*w2 += !strcmp(nt.sigs[i].name, W2);
	}
}

static void
test_stored_lines_appended(void **state)
{
	struct fx *f = *state;
	int a, x, y;
	put(f, W1, f->line1, (size_t)f->l1, 1000);
	put(f, W2, f->line2, (size_t)f->l2, 1500);
	served(f, f->h.checkpoint, f->h.checkpoint_len, &a, &x, &y);
	assert_int_equal(a, 1);
	assert_int_equal(x, 1);
	assert_int_equal(y, 1);
}

/* The note as gossiped carries W1's line already: W1 must not appear twice. */
static void
test_line_already_in_note(void **state)
{
	struct fx *f = *state;
	char note[NOTE_MAX_LEN];
	int a, x, y, len;
	put(f, W1, f->line1, (size_t)f->l1, 1000);
	put(f, W2, f->line2, (size_t)f->l2, 1500);
	len = snprintf(note, sizeof(note), "%.*s%s", (int)f->h.checkpoint_len, f->h.checkpoint,
	               f->line1);
	served(f, note, (size_t)len, &a, &x, &y);
	assert_int_equal(a, 1);
	assert_int_equal(x, 1); /* twice before the fix */
	assert_int_equal(y, 1);
}

/* Same witness, same key, another time: still one cosignature of W1 (the note's). */
static void
test_other_line_same_signer(void **state)
{
	struct fx *f = *state;
	char note[NOTE_MAX_LEN], out[NOTE_MAX_LEN];
	MDB_txn *txn;
	int a, x, y, len, n;
	put(f, W1, f->line1b, (size_t)f->l1b, 2000);
	len = snprintf(note, sizeof(note), "%.*s%s", (int)f->h.checkpoint_len, f->h.checkpoint,
	               f->line1);
	served(f, note, (size_t)len, &a, &x, &y);
	assert_int_equal(x, 1);
	assert_int_equal(y, 0);
	assert_int_equal(store_read_begin(&f->s, &txn), 0);
	n = witness_note(&f->s, txn, f->h.id, f->h.size, note, (size_t)len, out, sizeof(out));
	mdb_txn_abort(txn);
	assert_int_equal(n, len); /* nothing appended */
	assert_memory_equal(out, note, (size_t)len);
}

/* More witnesses than a note may carry signature lines (every node of a big federation cosigns
 * what it serves): the served note stops at NOTE_MAX_SIGS lines, author's included, and still
 * opens; past that cap, peers refused the note and closed the session. */
static void
test_more_witnesses_than_lines(void **state)
{
	struct fx *f = *state;
	char out[NOTE_MAX_LEN], err[256], name[64], line[256];
	struct note_verifier author = f->author.v;
	struct note nt;
	MDB_txn *txn;
	int n;
	for (int i = 0; i < 2 * NOTE_MAX_SIGS; i++) {
		struct note_signer w;
		snprintf(name, sizeof(name), "remacto.ma/witness-%03d", i);
		seeded(&w, name, NOTE_ALG_COSIGNATURE_V1, (uint8_t)(10 + i));
		int l = note_cosign_line(&w, f->body, f->body_len, 1000 + (uint64_t)i, line,
		                         sizeof(line));
		assert_true(l > 0);
		put(f, name, line, (size_t)l, 1000 + (uint64_t)i);
		note_signer_free(&w);
	}
	assert_int_equal(store_read_begin(&f->s, &txn), 0);
	n = witness_note(&f->s, txn, f->h.id, f->h.size, f->h.checkpoint, f->h.checkpoint_len, out,
	                 sizeof(out));
	mdb_txn_abort(txn);
	assert_true(n > 0);
	if (!note_open(out, (size_t)n, &author, 1, &nt, err, sizeof(err)))
		fail_msg("the served note does not open: %s", err);
	assert_int_equal(nt.nsigs, NOTE_MAX_SIGS);
	assert_true(nt.sigs[0].verified);
}

/* A copy of a checkpoint whose cosignature lines are held already, byte for byte, is judged
 * without them (no signature check for what verified before): W1's stored line is left out, W2's
 * new line and another line of W1 (another time) stay, the author's line always; what is left
 * opens with its signatures verified. Nothing held: nothing left out. */
static void
test_known_lines_dropped(void **state)
{
	struct fx *f = *state;
	char note[NOTE_MAX_LEN], out[NOTE_MAX_LEN], want[NOTE_MAX_LEN], err[256];
	struct note_verifier vs[3] = { f->author.v, f->w1.v, f->w2.v };
	struct note nt;
	MDB_txn *txn;
	size_t ol = 0;
	int len, n;

	len = snprintf(note, sizeof(note), "%.*s%s%s", (int)f->h.checkpoint_len, f->h.checkpoint,
	               f->line1, f->line2);
	assert_int_equal(store_read_begin(&f->s, &txn), 0);
	assert_int_equal(witness_drop_known(&f->s, txn, f->h.id, f->h.size, note, (size_t)len, out,
	                                    sizeof(out), &ol),
	                 0);
	mdb_txn_abort(txn);
	put(f, W1, f->line1, (size_t)f->l1, 1000);
	assert_int_equal(store_read_begin(&f->s, &txn), 0);
	n = witness_drop_known(&f->s, txn, f->h.id, f->h.size, note, (size_t)len, out, sizeof(out),
	                       &ol);
	mdb_txn_abort(txn);
	assert_int_equal(n, 1);
	int wl = snprintf(want, sizeof(want), "%.*s%s", (int)f->h.checkpoint_len, f->h.checkpoint,
	                  f->line2);
	assert_int_equal(ol, (size_t)wl);
	assert_memory_equal(out, want, ol);
	if (!note_open(out, ol, vs, 3, &nt, err, sizeof(err)))
		fail_msg("what is left does not open: %s", err);
	assert_int_equal(nt.nsigs, 2);
	/* W1's line of another time is not the one held: it stays, to be checked. */
	len = snprintf(note, sizeof(note), "%.*s%s", (int)f->h.checkpoint_len, f->h.checkpoint,
	               f->line1b);
	assert_int_equal(store_read_begin(&f->s, &txn), 0);
	n = witness_drop_known(&f->s, txn, f->h.id, f->h.size, note, (size_t)len, out, sizeof(out),
	                       &ol);
	mdb_txn_abort(txn);
	assert_int_equal(n, 0);
	/* Held for another size: not the same checkpoint, kept. */
	len = snprintf(note, sizeof(note), "%.*s%s", (int)f->h.checkpoint_len, f->h.checkpoint,
	               f->line1);
	assert_int_equal(store_read_begin(&f->s, &txn), 0);
	n = witness_drop_known(&f->s, txn, f->h.id, f->h.size + 1, note, (size_t)len, out,
	                       sizeof(out), &ol);
	mdb_txn_abort(txn);
	assert_int_equal(n, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_stored_lines_appended, setup, teardown),
		cmocka_unit_test_setup_teardown(test_line_already_in_note, setup, teardown),
		cmocka_unit_test_setup_teardown(test_other_line_same_signer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_more_witnesses_than_lines, setup, teardown),
		cmocka_unit_test_setup_teardown(test_known_lines_dropped, setup, teardown),
	};
	return cmocka_run_group_tests_name("witness", tests, NULL, NULL);
}
