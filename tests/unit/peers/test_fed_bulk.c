/*
 * Tests for the catch-up by entry bundles over HTTP (peers/fed_bulk.c, issue 12), on
 * fed_fixture.h, whose fake transport keeps the GETs fed asks for until a test answers them:
 * a range of FED_BULK_MIN entries or more from a peer that takes GETs comes as the C2SP
 * bundles that hold it, the session being asked only for the range's last entry and the
 * proof; the range reaches the store whichever comes first. A bundle that fails, is
 * malformed, or does not give the signed root turns that peer's GETs off without a penalty,
 * and the range is asked again over the session; nothing of it is stored. The session's own
 * answer is held to the protocol as before.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "core/tile.h"
#include "fed_fixture.h"

#define REMOTE_SIZE 600 /* two full bundles and a partial one of 88 */

static int
setup_big(void **state)
{
	setup(state);
	struct fx *f = *state;
	build_log(f, &f->remote.s, "x2", REMOTE_SIZE - 5);
	return 0;
}

static uint64_t
held(struct fx *f)
{
	struct tlog_head *h = head(&f->local.s, ORIGIN_A);
	uint64_t n = h ? h->size : 0;
	free(h);
	return n;
}

/* Whether the node holds A as the remote does: same size, same root. */
static void
assert_same_as_remote(struct fx *f)
{
	struct tlog_head *a = head(&f->local.s, ORIGIN_A), *b = head(&f->remote.s, ORIGIN_A);
	assert_non_null(a);
	assert_int_equal(a->size, b->size);
	assert_memory_equal(a->root, b->root, 32);
	free(a);
	free(b);
}

/* How a test spoils a bundle. */
enum spoil { FAITHFUL, FLIP_BYTE, TRUNCATE, EXTRA_BYTE };

/* The body of p's GET i as the remote serves it (the path checked), spoiled as asked. */
static uint8_t *
bundle_for(struct fx *f, const struct peer *p, size_t i, enum spoil how, size_t *len)
{
	const char *prefix = "logs/commune-a/tile/";
	struct tile t;
	uint8_t *buf;
	MDB_txn *txn;

	assert_int_equal(strncmp(p->get[i].path, prefix, strlen(prefix)), 0);
	assert_true(tile_parse(p->get[i].path + strlen(prefix), &t));
	assert_int_equal(t.level, TILE_ENTRIES);
	struct tlog_head *h = head(&f->remote.s, ORIGIN_A);
	assert_int_equal(store_read_begin(&f->remote.s, &txn), 0);
	assert_int_equal(
	        tlog_tile_read(&f->remote.s, txn, h, TILE_ENTRIES, t.index, t.width, &buf, len), 0);
	mdb_txn_abort(txn);
	free(h);
	if (how == FLIP_BYTE)
		buf[*len - 1] ^= 0x01; /* the last entry's last byte: the lengths still add up */
	else if (how == TRUNCATE)
		(*len)--;
	else if (how == EXTRA_BYTE)
		(*len)++; /* the byte past the bundle: buf has it (realloc below) */
	if (how == EXTRA_BYTE) {
		assert_non_null(buf = realloc(buf, *len));
		buf[*len - 1] = 0;
	}
	return buf;
}

/* Answers every GET p holds, the first one spoiled as asked (rc < 0: fails it instead). */
static void
serve_gets(struct fx *f, struct peer *p, enum spoil how, int rc)
{
	for (bool first = true; p->nget; first = false) {
		size_t len = 0;
		uint8_t *b = rc == 0 ? bundle_for(f, p, 0, first ? how : FAITHFUL, &len) : NULL;
		fake_get_answer(p, 0, rc, b, len);
		free(b);
	}
}

/* The first GetEntries for A in p's outbox, copied (the outbox goes before the answer). */
static Remacto__Peer__V1__GetEntries
request_of(struct peer *p)
{
	const Remacto__Peer__V1__PeerMessage *m = NULL;
	for (size_t i = 0; i < p->nout && !m; i++)
		if (p->out[i]->kind_case == REMACTO__PEER__V1__PEER_MESSAGE__KIND_GET_ENTRIES)
			m = p->out[i];
	assert_non_null(m);
	Remacto__Peer__V1__GetEntries g = *m->get_entries;
	g.origin = ORIGIN_A;
	return g;
}

/* p connects, takes GETs, and announces the remote's checkpoint of A: fed's request over the
 * session, copied, p's outbox cleared. */
static Remacto__Peer__V1__GetEntries
bulk_asked(struct fx *f)
{
	connect_peer(f, &f->p, "p");
	f->p.gets = true;
	announce_remote(f, &f->p);
	Remacto__Peer__V1__GetEntries g = request_of(&f->p);
	outbox_clear(&f->p);
	return g;
}

/* Answers over the session, 16 entries at a time, every request p sent, then ticks, until the
 * node holds A whole (bounded). */
static void
catch_up_over_session(struct fx *f, struct peer *p)
{
	for (int round = 0; round < 200 && held(f) < REMOTE_SIZE; round++) {
		Remacto__Peer__V1__GetEntries gs[MAX_OUT];
		size_t n = 0;
		for (size_t i = 0; i < p->nout; i++)
			if (p->out[i]->kind_case ==
			    REMACTO__PEER__V1__PEER_MESSAGE__KIND_GET_ENTRIES)
				gs[n++] = *p->out[i]->get_entries;
		for (size_t i = 0; i < n; i++)
			gs[i].origin = ORIGIN_A;
		outbox_clear(p);
		for (size_t i = 0; i < n; i++)
			answer(f, p, &gs[i], gs[i].count < 16 ? gs[i].count : 16, false);
		tick(f);
	}
}

/* A peer that takes GETs: the range comes as its bundles (two full, the partial tail of 88),
 * the session is asked for the last entry only, and the node holds A as the remote does
 * whichever of the two comes first. */
static void
test_bundles_then_answer(void **state)
{
	struct fx *f = *state;
	Remacto__Peer__V1__GetEntries g = bulk_asked(f);
	assert_int_equal(g.start, REMOTE_SIZE - 1);
	assert_int_equal(g.count, 1);
	assert_int_equal(g.proof_size, REMOTE_SIZE);
	assert_int_equal(f->p.nget, 3);
	assert_string_equal(f->p.get[0].path, "logs/commune-a/tile/entries/000");
	assert_string_equal(f->p.get[1].path, "logs/commune-a/tile/entries/001");
	assert_string_equal(f->p.get[2].path, "logs/commune-a/tile/entries/002.p/88");

	serve_gets(f, &f->p, FAITHFUL, 0);
	assert_int_equal(held(f), 0); /* the proof is not in yet */
	outbox_clear(&f->p);
	answer(f, &f->p, &g, 1, false);
	assert_same_as_remote(f);
	assert_int_equal(f->p.penalties, 0);
	assert_int_equal(f->p.refused, 0);
}

static void
test_answer_then_bundles(void **state)
{
	struct fx *f = *state;
	Remacto__Peer__V1__GetEntries g = bulk_asked(f);
	answer(f, &f->p, &g, 1, false);
	assert_int_equal(held(f), 0);
	/* The node waits for the bundles past its request time-out: no late answer is to come
	 * from the session, so none is counted. */
	serve_gets(f, &f->p, FAITHFUL, 0);
	assert_same_as_remote(f);
	assert_int_equal(f->p.penalties, 0);
}

/* A bundle whose entries were changed, cut short or lengthened: nothing of it is stored, the
 * peer's GETs go off without a penalty, and the range comes over the session instead. */
static void
spoiled_bundle(struct fx *f, enum spoil how, const char *why)
{
	Remacto__Peer__V1__GetEntries g = bulk_asked(f);
	answer(f, &f->p, &g, 1, false);
	serve_gets(f, &f->p, how, 0);
	assert_int_equal(held(f), 0);
	assert_int_equal(f->p.penalties, 0);
	assert_int_equal(f->p.refused, 1);
	assert_non_null(strstr(f->p.refused_why, why));
	assert_true(f->p.ready);

	tick(f);
	Remacto__Peer__V1__GetEntries again = request_of(&f->p);
	assert_int_equal(again.start, 0);
	assert_true(again.count > 1); /* the entries themselves, over the session */
	assert_int_equal(f->p.nget, 0);
	catch_up_over_session(f, &f->p);
	assert_same_as_remote(f);
	assert_int_equal(f->p.penalties, 0);
}

static void
test_changed_entry_refused(void **state)
{
	spoiled_bundle(*state, FLIP_BYTE, "signed root");
}

static void
test_short_bundle_refused(void **state)
{
	spoiled_bundle(*state, TRUNCATE, "entry bundle");
}

static void
test_long_bundle_refused(void **state)
{
	spoiled_bundle(*state, EXTRA_BYTE, "past its width");
}

/* The session's last entry is not the bundles' (a slug served for another log, a stale
 * cache): refused as the GETs' fault, and the session asked for the entries themselves. */
static void
test_last_entry_disagrees(void **state)
{
	struct fx *f = *state;
	Remacto__Peer__V1__GetEntries g = bulk_asked(f);
	answer(f, &f->p, &g, 1, true);
	serve_gets(f, &f->p, FAITHFUL, 0);
	assert_int_equal(held(f), 0);
	assert_int_equal(f->p.refused, 1);
	assert_non_null(strstr(f->p.refused_why, "last entry"));
	assert_int_equal(f->p.penalties, 0);
	tick(f);
	catch_up_over_session(f, &f->p);
	assert_same_as_remote(f);
}

/* A GET that fails (the transport turns the peer's GETs off): the range over the session. */
static void
test_failed_get_falls_back(void **state)
{
	struct fx *f = *state;
	Remacto__Peer__V1__GetEntries g = bulk_asked(f);
	f->p.gets = false; /* what the transport does when one fails */
	serve_gets(f, &f->p, FAITHFUL, -EIO);
	assert_int_equal(held(f), 0);
	answer(f, &f->p, &g, 1, false);
	assert_int_equal(held(f), 0);
	assert_int_equal(f->p.refused, 0);
	tick(f);
	catch_up_over_session(f, &f->p);
	assert_same_as_remote(f);
	assert_int_equal(f->p.penalties, 0);
}

/* One GET failing is enough: the range goes over the session without waiting for the other
 * bundles (a peer trickling one body would hold it back for the GETs' whole deadline), and
 * what they bring after is dropped. */
static void
test_one_failed_get_ends_the_wait(void **state)
{
	struct fx *f = *state;
	Remacto__Peer__V1__GetEntries g = bulk_asked(f);
	answer(f, &f->p, &g, 1, false);
	assert_int_equal(f->p.nget, 3);
	f->p.gets = false;
	fake_get_answer(&f->p, 1, -ETIMEDOUT, NULL, 0);
	tick(f);
	Remacto__Peer__V1__GetEntries again = request_of(&f->p);
	assert_int_equal(again.start, 0);
	assert_true(again.count > 1);
	serve_gets(f, &f->p, FAITHFUL, 0); /* the two left, late */
	assert_int_equal(held(f), 0);
	catch_up_over_session(f, &f->p);
	assert_same_as_remote(f);
	assert_int_equal(f->p.penalties, 0);
}

/* The session's answer to a bulk request is still held to the protocol: an answer that does
 * not match (the whole range instead of its last entry) is a violation. */
static void
test_session_answer_checked(void **state)
{
	struct fx *f = *state;
	Remacto__Peer__V1__GetEntries g = bulk_asked(f);
	g.start = 0;
	answer(f, &f->p, &g, 16, false);
	assert_int_equal(f->p.penalties, 1);
	assert_false(f->p.ready);
	/* Its bundles, coming after the session closed, are dropped. */
	serve_gets(f, &f->p, FAITHFUL, 0);
	assert_int_equal(held(f), 0);
}

/* A peer that goes with its GETs under way: what they bring after is dropped, and another
 * peer serves the range. */
static void
test_peer_gone_with_gets(void **state)
{
	struct fx *f = *state;
	connect_peer(f, &f->p, "p");
	f->p.gets = true;
	announce_remote(f, &f->p);
	assert_int_equal(f->p.nget, 3);
	f->p.ready = false;
	f->ops.closed(f->ops.arg, &f->p);
	f->p.ready = true; /* the fake lets the test answer its GETs all the same */
	serve_gets(f, &f->p, FAITHFUL, 0);
	f->p.ready = false;
	assert_int_equal(held(f), 0);

	connect_peer(f, &f->q, "q");
	announce_remote(f, &f->q);
	catch_up_over_session(f, &f->q);
	assert_same_as_remote(f);
}

/* A short range (the live tail) stays on the session: no GET. */
static void
test_short_range_over_session(void **state)
{
	struct fx *f = *state;
	connect_peer(f, &f->p, "p");
	f->p.gets = true;
	const Remacto__Peer__V1__GetEntries *g = announce_remote(f, &f->p);
	assert_int_equal(g->start, 0);
	assert_int_equal(g->count, 5);
	assert_int_equal(f->p.nget, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_bundles_then_answer, setup_big, teardown),
		cmocka_unit_test_setup_teardown(test_answer_then_bundles, setup_big, teardown),
		cmocka_unit_test_setup_teardown(test_changed_entry_refused, setup_big, teardown),
		cmocka_unit_test_setup_teardown(test_short_bundle_refused, setup_big, teardown),
		cmocka_unit_test_setup_teardown(test_long_bundle_refused, setup_big, teardown),
		cmocka_unit_test_setup_teardown(test_last_entry_disagrees, setup_big, teardown),
		cmocka_unit_test_setup_teardown(test_failed_get_falls_back, setup_big, teardown),
		cmocka_unit_test_setup_teardown(test_one_failed_get_ends_the_wait, setup_big,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_session_answer_checked, setup_big, teardown),
		cmocka_unit_test_setup_teardown(test_peer_gone_with_gets, setup_big, teardown),
		cmocka_unit_test_setup_teardown(test_short_range_over_session, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
