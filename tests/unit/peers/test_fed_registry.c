/*
 * Tests for what fed decides against the registry (issue 9), without sockets, on
 * fed_fixture.h: each checkpoint of a vector is judged on its own (one the registry refuses for
 * now is set aside, never held against the session); the registry's checkpoint is judged first
 * and a signature is a forgery only against a registry at least as big as the sender's; a
 * rotation that reaches back makes every log fall back to the newest checkpoint the registry
 * still allows, tree untouched; a retired key's checkpoint is evidence only when it contradicts
 * the history held, and then answered (the log is not forked); the restore safeguard counts
 * only a verified statement about the node's own log; a second origin with a taken slug is
 * never fetched; cosignatures travel on to every peer and are stored apart from the note.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "fed_fixture.h"
#include "peers/fed_impl.h" /* the restore safeguard's clock, to wind it back */

#define ORIGIN_GOV "remacto.gov/commune-a" /* the slug of ORIGIN_A */

/* A's log of the remote grown by n entries under a2, after a rotation from `from` in the
 * remote's registry. */
static void
remote_rotated(struct fx *f, uint64_t from, unsigned n)
{
	rotate_a(f, &f->remote.s, from);
	assert_int_equal(tlog_set_key(&f->remote.s, ORIGIN_A, f->a2_vkey, ""), 0);
	build_log_as(&f->remote.s, ORIGIN_A, &f->a2, "a2", n);
}

/* A vector with A's checkpoint signed by a key a rotation retired at its size, B's of a size
 * the registry suspended, and W2's valid one: W2 is fetched, A's and B's are set aside, the
 * session is untouched; B's is taken up again once the registry reinstates B. */
static void
test_vector_sets_aside_per_checkpoint(void **state)
{
	struct fx *f = *state;
	struct store *l = &f->local.s, *r = &f->remote.s;
	admit(f, l, ORIGIN_B, f->b_vkey, "001.09");
	admit(f, r, ORIGIN_B, f->b_vkey, "001.09");
	admit(f, l, ORIGIN_W2, f->w2_vkey, "001.09");
	admit(f, r, ORIGIN_W2, f->w2_vkey, "001.09");
	build_log_as(r, ORIGIN_B, &f->b, "b", 3);
	build_log_as(r, ORIGIN_W2, &f->w2, "w", 2);
	rotate_a(f, l, 4);
	suspend(f, l, ORIGIN_B, 2, false);
	char *na = note_copy(r, ORIGIN_A), *nb = note_copy(r, ORIGIN_B),
	     *nw = note_copy(r, ORIGIN_W2);
	const char *origins[] = { ORIGIN_A, ORIGIN_B, ORIGIN_W2 }, *notes[] = { na, nb, nw };

	connect_peer(f, &f->p, "p");
	outbox_clear(&f->p);
	send_vector(f, &f->p, origins, notes, 3, true);
	assert_int_equal(f->p.penalties, 0);
	assert_true(f->p.ready);
	assert_non_null(requested(&f->p, ORIGIN_W2));
	assert_null(requested(&f->p, ORIGIN_A));
	assert_null(requested(&f->p, ORIGIN_B));

	suspend(f, l, ORIGIN_B, 0, true); /* reinstated */
	tick(f);
	const Remacto__Peer__V1__GetEntries *g = requested(&f->p, ORIGIN_B);
	assert_non_null(g);
	assert_int_equal(g->proof_size, 3);
	assert_null(requested(&f->p, ORIGIN_A));
	assert_int_equal(f->p.penalties, 0);
	free(na);
	free(nb);
	free(nw);
}

/* A's checkpoint under a key only a bigger registry holds, before the registry's checkpoint in
 * the vector: the registry is judged first, A's waits (it may be valid under what the node
 * lacks) and is fetched once the registry caught up. The same checkpoint from a peer that
 * showed no bigger registry is a forgery as far as this node can tell. */
static void
test_registry_first_then_unknown_key_waits(void **state)
{
	struct fx *f = *state;
	remote_rotated(f, 5, 1);
	char *na = note_copy(&f->remote.s, ORIGIN_A), *nr = note_copy(&f->remote.s, REG);
	const char *origins[] = { ORIGIN_A, REG }, *notes[] = { na, nr };

	connect_peer(f, &f->q, "q");
	send_checkpoint(f, &f->q, ORIGIN_A, na, strlen(na), false);
	assert_int_equal(f->q.penalties, 1);
	assert_non_null(strstr(f->q.why, "verifies under no key"));

	connect_peer(f, &f->p, "p");
	outbox_clear(&f->p);
	send_vector(f, &f->p, origins, notes, 2, true);
	assert_int_equal(f->p.penalties, 0);
	assert_null(requested(&f->p, ORIGIN_A));
	const Remacto__Peer__V1__GetEntries *g = requested(&f->p, REG);
	assert_non_null(g);
	Remacto__Peer__V1__GetEntries rg = *g;
	answer(f, &f->p, &rg, (uint32_t)rg.count, false);
	assert_int_equal(f->p.penalties, 0);
	struct tlog_head *lr = head(&f->local.s, REG), *rr = head(&f->remote.s, REG);
	assert_int_equal(lr->size, rr->size);
	free(lr);
	free(rr);
	g = requested(&f->p, ORIGIN_A);
	assert_non_null(g);
	assert_int_equal(g->proof_size, 6);
	free(na);
	free(nr);
}

/* The node holds A at 5 (checkpoints 0 to 5 under A's first key); the registry rotates A's key
 * from 4: A serves its checkpoint of 3, the last the registry still allows, to HTTP and peers
 * alike, with its tree of 5 untouched; the member's next checkpoint (6, new key) extends it. */
static void
test_rotation_falls_back_then_extends(void **state)
{
	struct fx *f = *state;
	build_log(f, &f->local.s, "x", 5);
	rotate_a(f, &f->local.s, 4);
	tick(f);
	assert_int_equal(served(&f->local.s, ORIGIN_A), 3);
	struct tlog_head *h = head(&f->local.s, ORIGIN_A);
	assert_int_equal(h->size, 5);
	free(h);

	connect_peer(f, &f->q, "q");
	const Remacto__Peer__V1__PeerMessage *m = sent(
	        &f->q, REMACTO__PEER__V1__PEER_MESSAGE__KIND_VECTOR);
	assert_non_null(m);
	assert_true(m->vector->last);
	assert_string_equal(m->vector->checkpoints[0]->origin, REG); /* the registry first */
	bool found = false;
	for (size_t i = 0; i < m->vector->n_checkpoints; i++)
		if (!strcmp(m->vector->checkpoints[i]->origin, ORIGIN_A)) {
			found = true;
			assert_non_null(strstr((char *)m->vector->checkpoints[i]->note.data,
			                       ORIGIN_A "\n3\n"));
		}
	assert_true(found);

	remote_rotated(f, 4, 1);
	char *na = note_copy(&f->remote.s, ORIGIN_A);
	connect_peer(f, &f->p, "p");
	outbox_clear(&f->p);
	send_checkpoint(f, &f->p, ORIGIN_A, na, strlen(na), false);
	const Remacto__Peer__V1__GetEntries *g = requested(&f->p, ORIGIN_A);
	assert_non_null(g);
	assert_int_equal(g->start, 5);
	assert_int_equal(g->proof_size, 6);
	Remacto__Peer__V1__GetEntries rg = *g;
	answer(f, &f->p, &rg, 1, false);
	assert_int_equal(f->p.penalties, 0);
	assert_int_equal(served(&f->local.s, ORIGIN_A), 6);
	free(na);
}

/* After the rotation from 4, checkpoints of A's first key past 4: the one of the history held
 * is set aside silently; one of another history is evidence, answered (the key is retired:
 * the log is not forked) and gossiped; a bigger one is set aside, nothing asked. No peer is
 * penalised. */
static void
test_retired_key_checkpoints(void **state)
{
	struct fx *f = *state;
	build_log(f, &f->local.s, "x", 5);
	rotate_a(f, &f->local.s, 4);
	tick(f);
	connect_peer(f, &f->p, "p");
	connect_peer(f, &f->q, "q");
	outbox_clear(&f->p);
	outbox_clear(&f->q);

	char *same = note_copy(&f->remote.s, ORIGIN_A);
	send_checkpoint(f, &f->p, ORIGIN_A, same, strlen(same), false);
	MDB_txn *txn;
	assert_int_equal(store_read_begin(&f->local.s, &txn), 0);
	json_t *ev = evidence_list(&f->local.s, txn, ORIGIN_A);
	mdb_txn_abort(txn);
	assert_int_equal(json_array_size(ev), 0);
	json_decref(ev);

	build_log(f, other(f), "y", 5);
	char *fork = note_copy(other(f), ORIGIN_A);
	send_checkpoint(f, &f->p, ORIGIN_A, fork, strlen(fork), false);
	assert_int_equal(store_read_begin(&f->local.s, &txn), 0);
	ev = evidence_list(&f->local.s, txn, ORIGIN_A);
	mdb_txn_abort(txn);
	assert_int_equal(json_array_size(ev), 1);
	assert_true(json_is_true(json_object_get(json_array_get(ev, 0), "resolved")));
	json_decref(ev);
	assert_false(forked(&f->local.s, ORIGIN_A));
	assert_non_null(sent(&f->q, REMACTO__PEER__V1__PEER_MESSAGE__KIND_EQUIVOCATION));

	build_log(f, &f->remote.s, "z", 2);
	char *bigger = note_copy(&f->remote.s, ORIGIN_A);
	send_checkpoint(f, &f->p, ORIGIN_A, bigger, strlen(bigger), true);
	assert_null(requested(&f->p, ORIGIN_A));
	assert_int_equal(f->p.penalties, 0);
	assert_true(f->p.ready);
	assert_int_equal(served(&f->local.s, ORIGIN_A), 3);
	free(same);
	free(fork);
	free(bigger);
}

/* The node is A's (restored: it holds 3 entries). It publishes only after a peer said what it
 * holds of A, verifiably: a whole vector without A (not a partial one), or A's checkpoint that
 * verified — and not before it caught up to it. A peer whose vector was refused said nothing. */
static void
test_restore_statement_verified(void **state)
{
	struct fx *f = *state;
	build_log(f, &f->local.s, "x", 3);
	char *nr = note_copy(&f->local.s, REG), *na = note_copy(&f->remote.s, ORIGIN_A);
	const char *reg_o[] = { REG }, *reg_n[] = { nr };

	fed_again(f, &f->a);
	assert_false(fed_may_publish(f->fed));
	connect_peer(f, &f->p, "p");
	send_vector(f, &f->p, reg_o, reg_n, 1, false);
	assert_false(fed_may_publish(f->fed)); /* not the whole vector yet */
	send_vector(f, &f->p, NULL, NULL, 0, true);
	assert_true(fed_may_publish(f->fed));

	/* A forged checkpoint of A in the vector: the peer is cut off, its vector says nothing. */
	fed_again(f, &f->a);
	char forged[NOTE_MAX_LEN];
	snprintf(forged, sizeof(forged), "%s", na);
	size_t fl = strlen(forged);
	forged[fl - 10] = forged[fl - 10] == 'A' ? 'B' : 'A';
	const char *fo[] = { REG, ORIGIN_A }, *fn[] = { nr, forged };
	connect_peer(f, &f->p, "p");
	send_vector(f, &f->p, fo, fn, 2, true);
	assert_int_equal(f->p.penalties, 1);
	assert_false(fed_may_publish(f->fed));

	/* A's valid checkpoint of 5: said, but publishing waits until the node holds 5. */
	const char *vo[] = { REG, ORIGIN_A }, *vn[] = { nr, na };
	connect_peer(f, &f->q, "q");
	send_vector(f, &f->q, vo, vn, 2, true);
	assert_int_equal(f->q.penalties, 0);
	assert_false(fed_may_publish(f->fed));
	const Remacto__Peer__V1__GetEntries *g = requested(&f->q, ORIGIN_A);
	assert_non_null(g);
	Remacto__Peer__V1__GetEntries rg = *g;
	answer(f, &f->q, &rg, (uint32_t)rg.count, false);
	tick(f);
	/* Found behind before publishing: it waits for other peers (test_fed.c), here none. */
	assert_false(fed_may_publish(f->fed));
	f->fed->own_first_said -= FED_RESTORE_WAIT_S;
	tick(f);
	assert_true(fed_may_publish(f->fed));
	free(nr);
	free(na);
}

/* A member admitted after A with another origin of the same slug: its checkpoints are never
 * fetched (on every node alike: the first admitted keeps the slug), no peer is penalised, and
 * ticks do not ask again and again; A's still are. */
static void
test_slug_collision_not_fetched(void **state)
{
	struct fx *f = *state;
	struct note_signer gov;
	char gov_vkey[NOTE_VKEY_MAX + 1];
	signer(&gov, gov_vkey, ORIGIN_GOV, NOTE_ALG_ED25519, 0x61);
	admit(f, &f->local.s, ORIGIN_GOV, gov_vkey, "001.09");
	admit(f, other(f), ORIGIN_GOV, gov_vkey, "001.09");
	build_log_as(other(f), ORIGIN_GOV, &gov, "g", 3);
	char *ng = note_copy(other(f), ORIGIN_GOV);

	connect_peer(f, &f->p, "p");
	outbox_clear(&f->p);
	send_checkpoint(f, &f->p, ORIGIN_GOV, ng, strlen(ng), true);
	for (int i = 0; i < 5; i++)
		tick(f);
	assert_null(requested(&f->p, ORIGIN_GOV));
	assert_int_equal(f->p.penalties, 0);
	assert_non_null(announce_remote(f, &f->p)); /* A's is fetched */
	note_signer_free(&gov);
	free(ng);
}

/* A checkpoint the node holds, with a cosignature of the member W2 it did not have: stored
 * and passed on to the other peers (not back); the same again passes nothing on. The node
 * that owns the log keeps the cosignatures of its own log too. */
static void
test_cosignatures_travel(void **state)
{
	struct fx *f = *state;
	admit(f, &f->local.s, ORIGIN_W2, f->w2_vkey, "001.09");
	build_log(f, &f->local.s, "x", 5);
	char *na = note_copy(&f->remote.s, ORIGIN_A), with[NOTE_MAX_LEN];
	cosigned(na, &f->w2cosig, 1760000000, with, sizeof(with));

	connect_peer(f, &f->p, "p");
	connect_peer(f, &f->q, "q");
	outbox_clear(&f->p);
	outbox_clear(&f->q);
	send_checkpoint(f, &f->p, ORIGIN_A, with, strlen(with), false);
	assert_int_equal(f->p.penalties, 0);
	const Remacto__Peer__V1__PeerMessage *m = sent(
	        &f->q, REMACTO__PEER__V1__PEER_MESSAGE__KIND_CHECKPOINT);
	assert_non_null(m);
	assert_non_null(memmem(m->checkpoint->note.data, m->checkpoint->note.len,
	                       "\xe2\x80\x94 " ORIGIN_W2 " ", strlen(ORIGIN_W2) + 5));
	assert_null(sent(&f->p, REMACTO__PEER__V1__PEER_MESSAGE__KIND_CHECKPOINT));
	MDB_txn *txn;
	struct tlog_head *h = head(&f->local.s, ORIGIN_A);
	assert_int_equal(store_read_begin(&f->local.s, &txn), 0);
	json_t *w = witness_list(&f->local.s, txn, h->id, 4);
	mdb_txn_abort(txn);
	assert_int_equal(json_array_size(w), 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(w, 0), "witness")),
	                    ORIGIN_W2);
	json_decref(w);
	outbox_clear(&f->q);
	send_checkpoint(f, &f->p, ORIGIN_A, with, strlen(with), false);
	assert_int_equal(count_kind(&f->q, REMACTO__PEER__V1__PEER_MESSAGE__KIND_CHECKPOINT), 0);

	/* A's own node: a later cosignature of W2 on its own log is kept. */
	fed_again(f, &f->a);
	cosigned(na, &f->w2cosig, 1760000100, with, sizeof(with));
	connect_peer(f, &f->p, "p");
	send_checkpoint(f, &f->p, ORIGIN_A, with, strlen(with), false);
	assert_int_equal(store_read_begin(&f->local.s, &txn), 0);
	w = witness_list(&f->local.s, txn, h->id, 4);
	mdb_txn_abort(txn);
	assert_int_equal(json_array_size(w), 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(w, 0), "time")),
	                    "2025-10-09T08:55:00Z");
	json_decref(w);
	free(h);
	free(na);
}

/* Cosignatures of a checkpoint the node is catching up to that arrive (with another copy of it)
 * after the entries that reach it were handed to the writer: kept once those entries are in,
 * not dropped with the candidate, and passed on. */
static void
test_cosignatures_while_catching_up(void **state)
{
	struct fx *f = *state;
	admit(f, &f->local.s, ORIGIN_W2, f->w2_vkey, "001.09");
	fed_again_as(f, NULL, true);
	char *na = note_copy(&f->remote.s, ORIGIN_A), with[NOTE_MAX_LEN];
	cosigned(na, &f->w2cosig, 1760000000, with, sizeof(with));

	connect_peer(f, &f->p, "p");
	connect_peer(f, &f->q, "q");
	outbox_clear(&f->p);
	send_checkpoint(f, &f->p, ORIGIN_A, na, strlen(na), false);
	const Remacto__Peer__V1__GetEntries *g = requested(&f->p, ORIGIN_A);
	assert_non_null(g);
	Remacto__Peer__V1__GetEntries rg = *g;
	answer(f, &f->p, &rg, 5, false);
	assert_int_equal(f->nqueued, 1); /* the entries wait for the writer */
	send_checkpoint(f, &f->q, ORIGIN_A, with, strlen(with), false);
	assert_int_equal(f->q.penalties, 0);
	outbox_clear(&f->p);
	for (int i = 0; i < 4; i++) {
		drain(f);
		tick(f); /* the reached candidate goes, its cosignatures kept */
	}
	assert_int_equal(served(&f->local.s, ORIGIN_A), 5);
	MDB_txn *txn;
	struct tlog_head *h = head(&f->local.s, ORIGIN_A);
	assert_int_equal(store_read_begin(&f->local.s, &txn), 0);
	json_t *w = witness_list(&f->local.s, txn, h->id, 4);
	mdb_txn_abort(txn);
	bool w2 = false;
	for (size_t i = 0; i < json_array_size(w); i++)
		w2 |= !strcmp(json_string_value(json_object_get(json_array_get(w, i), "witness")),
		              ORIGIN_W2);
	assert_true(w2);
	json_decref(w);
	/* And passed on, to the peer that did not bring it. */
	bool passed = false;
	for (size_t i = 0; i < f->p.nout; i++) {
		const Remacto__Peer__V1__PeerMessage *m = f->p.out[i];
		passed |= m->kind_case == REMACTO__PEER__V1__PEER_MESSAGE__KIND_CHECKPOINT &&
		          memmem(m->checkpoint->note.data, m->checkpoint->note.len,
		                 "\xe2\x80\x94 " ORIGIN_W2 " ", strlen(ORIGIN_W2) + 5);
	}
	assert_true(passed);
	free(h);
	free(na);
}

/* A checkpoint caught up to with a cosignature on it: the note stored is the author's alone,
 * the cosignatures are kept apart, and the served note carries each line once. */
static void
test_caught_up_note_without_cosignature_lines(void **state)
{
	struct fx *f = *state;
	admit(f, &f->local.s, ORIGIN_W2, f->w2_vkey, "001.09");
	admit_node_witness(f, "001.02"); /* a member: one of A's witnesses (3 members) */
	char *na = note_copy(&f->remote.s, ORIGIN_A), with[NOTE_MAX_LEN], note[NOTE_MAX_LEN];
	cosigned(na, &f->w2cosig, 1760000000, with, sizeof(with));
	const char *o[] = { ORIGIN_A }, *n[] = { with };

	connect_peer(f, &f->p, "p");
	outbox_clear(&f->p);
	send_vector(f, &f->p, o, n, 1, true);
	const Remacto__Peer__V1__GetEntries *g = requested(&f->p, ORIGIN_A);
	assert_non_null(g);
	Remacto__Peer__V1__GetEntries rg = *g;
	answer(f, &f->p, &rg, 5, false);
	assert_int_equal(served(&f->local.s, ORIGIN_A), 5);
	stored_note(&f->local.s, ORIGIN_A, 5, note, sizeof(note));
	assert_string_equal(note, na);

	struct tlog_head *h = head(&f->local.s, ORIGIN_A);
	char full[NOTE_MAX_LEN];
	MDB_txn *txn;
	assert_int_equal(store_read_begin(&f->local.s, &txn), 0);
	int fl = witness_note(&f->local.s, txn, h->id, 5, h->checkpoint, h->checkpoint_len, full,
	                      sizeof(full) - 1);
	mdb_txn_abort(txn);
	assert_true(fl > 0);
	full[fl] = '\0';
	const char *w2 = strstr(full, "\xe2\x80\x94 " ORIGIN_W2 " ");
	assert_non_null(w2);
	assert_null(strstr(w2 + 1, "\xe2\x80\x94 " ORIGIN_W2 " "));
	assert_non_null(strstr(full, "\xe2\x80\x94 " WITNESS " "));
	free(h);
	free(na);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_vector_sets_aside_per_checkpoint, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_registry_first_then_unknown_key_waits, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_rotation_falls_back_then_extends, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_retired_key_checkpoints, setup, teardown),
		cmocka_unit_test_setup_teardown(test_restore_statement_verified, setup, teardown),
		cmocka_unit_test_setup_teardown(test_slug_collision_not_fetched, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cosignatures_travel, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cosignatures_while_catching_up, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_caught_up_note_without_cosignature_lines,
		                                setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
