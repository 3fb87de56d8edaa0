/*
 * Tests for fed's message handling (peers/fed*.c) without sockets, on fed_fixture.h. Checked: a vector with a
 * good checkpoint of A makes fed ask for the missing entries; a forged signature penalises the
 * peer and changes nothing; a consistent answer (in two verified steps, with a consistency
 * proof) is committed, cosigned, announced and gossiped; entries that do not reproduce the
 * signed root are dropped and penalised; two validly signed checkpoints of one size with two
 * roots are stored as evidence, mark the log forked and are gossiped.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "fed_fixture.h"
#include "peers/fed_impl.h" /* the requests in flight, to let one expire */

/* ---- tests ---- */

/* A new session gets the node's vector at once: every log it holds, here the registry's. */
static void
test_ready_sends_vector(void **state)
{
	struct fx *f = *state;
	connect_peer(f, &f->p, "p");
	const Remacto__Peer__V1__PeerMessage *m = sent(
	        &f->p, REMACTO__PEER__V1__PEER_MESSAGE__KIND_VECTOR);
	assert_non_null(m);
	assert_int_equal(m->vector->n_checkpoints, 1);
	assert_string_equal(m->vector->checkpoints[0]->origin, REG);
	struct tlog_head *h = head(&f->local.s, REG);
	assert_int_equal(m->vector->checkpoints[0]->note.len, h->checkpoint_len);
	assert_memory_equal(m->vector->checkpoints[0]->note.data, h->checkpoint, h->checkpoint_len);
	free(h);
}

/* A vector with a good checkpoint of a log the node misses makes fed ask for the entries. */
static void
test_vector_good_checkpoint_fetches(void **state)
{
	struct fx *f = *state;
	connect_peer(f, &f->p, "p");
	const Remacto__Peer__V1__GetEntries *g = announce_remote(f, &f->p);
	assert_string_equal(g->origin, ORIGIN_A);
	assert_int_equal(g->start, 0);
	assert_int_equal(g->count, 5);
	assert_int_equal(g->proof_size, 5);
	assert_true(f->p.ready);
	/* Nothing stored before anything verified. */
	struct tlog_head *h = head(&f->local.s, ORIGIN_A);
	assert_int_equal(h->size, 0);
	free(h);
	assert_int_equal(f->stored_calls, 0);
}

/* A checkpoint whose author signature does not verify: the peer is penalised (its session
 * closed through the transport), nothing is asked, nothing stored. */
static void
test_forged_signature_penalises(void **state)
{
	struct fx *f = *state;
	struct tlog_head *rh = head(&f->remote.s, ORIGIN_A);
	char note[NOTE_MAX_LEN];
	size_t len = rh->checkpoint_len;

	memcpy(note, rh->checkpoint, len);
	/* A base64 character well inside the signature (the line ends in "=\n"). */
	note[len - 10] = note[len - 10] == 'A' ? 'B' : 'A';
	connect_peer(f, &f->p, "p");
	outbox_clear(&f->p);
	send_checkpoint(f, &f->p, ORIGIN_A, note, len, true);
	assert_int_equal(f->p.penalties, 1);
	assert_non_null(strstr(f->p.why, "does not verify"));
	assert_false(f->p.ready);
	assert_null(sent(&f->p, REMACTO__PEER__V1__PEER_MESSAGE__KIND_GET_ENTRIES));
	struct tlog_head *h = head(&f->local.s, ORIGIN_A);
	assert_int_equal(h->size, 0);
	free(h);
	free(rh);

	/* The same checkpoint signed by another key under A's name: forged too. */
	struct note_signer other;
	char body[NOTE_MAX_LEN], signed_note[NOTE_MAX_LEN];
	size_t tl = 0;
	signer(&other, NULL, ORIGIN_A, NOTE_ALG_ED25519, 0x77);
	rh = head(&f->remote.s, ORIGIN_A);
	for (size_t i = 1; i < rh->checkpoint_len; i++)
		if (rh->checkpoint[i] == '\n' && rh->checkpoint[i - 1] == '\n') {
			tl = i;
			break;
		}
	assert_true(tl > 0);
	memcpy(body, rh->checkpoint, tl);
	int sl = note_sign(&other, body, tl, signed_note, sizeof(signed_note));
	assert_true(sl > 0);
	connect_peer(f, &f->q, "q");
	send_checkpoint(f, &f->q, ORIGIN_A, signed_note, (size_t)sl, false);
	assert_int_equal(f->q.penalties, 1);
	assert_false(f->q.ready);
	note_signer_free(&other);
	free(rh);
}

/* A member outside the witness set of A's log (witset.h: 7 members besides A, 3 chosen) verifies
 * and serves A's checkpoint, and passes it on, without a cosignature of its own: the set's
 * members cosign, the others relay. */
static void
test_outside_witness_set_not_cosigned(void **state)
{
	struct fx *f = *state;
	char vk[NOTE_VKEY_MAX + 1], name[64], hcp[24];
	admit_node_witness(f, "001.02");
	for (int i = 0; i < 6; i++) {
		struct note_signer k;
		snprintf(name, sizeof(name), "remacto.ma/commune-x%d", i);
		snprintf(hcp, sizeof(hcp), "001.1%d", i);
		signer(&k, vk, name, NOTE_ALG_ED25519, (uint8_t)(0x61 + 0x10 * i));
		admit(f, &f->local.s, name, vk, hcp);
		note_signer_free(&k);
	}
	/* The rule, as every node computes it: the node is not one of A's witnesses. */
	MDB_txn *txn;
	struct tlog_head *rg = head(&f->local.s, REG);
	assert_int_equal(store_read_begin(&f->local.s, &txn), 0);
	assert_int_equal(witset_refresh(&f->fed->witset, &f->local.s, txn, rg->size), 0);
	mdb_txn_abort(txn);
	free(rg);
	assert_false(witset_cosigns(&f->fed->witset, WITNESS, ORIGIN_A));
	assert_false(fed_cosigns(f->fed, ORIGIN_A));

	connect_peer(f, &f->p, "p");
	connect_peer(f, &f->q, "q");
	const Remacto__Peer__V1__GetEntries *g = announce_remote(f, &f->p);
	outbox_clear(&f->q);
	for (int round = 0; g && round < 5; round++) {
		Remacto__Peer__V1__GetEntries r = *g;
		answer(f, &f->p, &r, r.count, false);
		g = NULL;
		for (size_t i = 0; i < f->p.nout; i++)
			if (f->p.out[i]->kind_case ==
			            REMACTO__PEER__V1__PEER_MESSAGE__KIND_GET_ENTRIES &&
			    f->p.out[i]->get_entries->start > r.start)
				g = f->p.out[i]->get_entries;
		outbox_clear(&f->p);
	}
	assert_int_equal(f->p.penalties, 0);
	struct tlog_head *h = head(&f->local.s, ORIGIN_A);
	assert_int_equal(h->size, 5);
	assert_int_equal(f->stored_calls, 1);
	/* Served without a line of its own, and passed on so. */
	char full[NOTE_MAX_LEN];
	assert_int_equal(store_read_begin(&f->local.s, &txn), 0);
	int fl = witness_note(&f->local.s, txn, h->id, 5, h->checkpoint, h->checkpoint_len, full,
	                      sizeof(full) - 1);
	mdb_txn_abort(txn);
	assert_int_equal(fl, (int)h->checkpoint_len);
	const Remacto__Peer__V1__PeerMessage *m = sent(
	        &f->q, REMACTO__PEER__V1__PEER_MESSAGE__KIND_CHECKPOINT);
	assert_non_null(m);
	assert_string_equal(m->checkpoint->origin, ORIGIN_A);
	assert_null(memmem(m->checkpoint->note.data, m->checkpoint->note.len, WITNESS " ",
	                   strlen(WITNESS) + 1));
	free(h);
}

/* The answer in two verified steps: 3 entries with a consistency proof from 3 to 5 (committed
 * without a note), then the last 2 (committed with the signed note, cosigned by the node's
 * witness key, announced to the daemon and gossiped to the other peer). */
static void
test_consistent_answer_committed(void **state)
{
	struct fx *f = *state;
	admit_node_witness(f, "001.02"); /* a member: one of A's witnesses (2 members) */
	connect_peer(f, &f->p, "p");
	connect_peer(f, &f->q, "q");
	const Remacto__Peer__V1__GetEntries *g = announce_remote(f, &f->p);
	Remacto__Peer__V1__GetEntries first = *g;
	outbox_clear(&f->q);

	answer(f, &f->p, &first, 3, false);
	assert_int_equal(f->p.penalties, 0);
	struct tlog_head *h = head(&f->local.s, ORIGIN_A);
	assert_int_equal(h->size, 3);
	free(h);
	assert_int_equal(f->stored_calls, 0); /* no signed checkpoint at 3 */
	/* The rest is asked for at once. */
	g = NULL;
	for (size_t i = 0; i < f->p.nout; i++)
		if (f->p.out[i]->kind_case == REMACTO__PEER__V1__PEER_MESSAGE__KIND_GET_ENTRIES &&
		    f->p.out[i]->get_entries->start == 3)
			g = f->p.out[i]->get_entries;
	assert_non_null(g);
	assert_int_equal(g->count, 2);
	assert_int_equal(g->proof_size, 5);

	answer(f, &f->p, g, 2, false);
	assert_int_equal(f->p.penalties, 0);
	struct tlog_head *rh = head(&f->remote.s, ORIGIN_A);
	h = head(&f->local.s, ORIGIN_A);
	assert_int_equal(h->size, 5);
	assert_memory_equal(h->root, rh->root, 32);
	assert_int_equal(h->checkpoint_len, rh->checkpoint_len);
	assert_memory_equal(h->checkpoint, rh->checkpoint, rh->checkpoint_len);
	assert_int_equal(f->stored_calls, 1);
	assert_string_equal(f->stored_origin, ORIGIN_A);
	assert_int_equal(f->stored_size, 5);

	/* Cosigned by the node's witness key: the served note carries its line. */
	char full[NOTE_MAX_LEN];
	MDB_txn *txn;
	assert_int_equal(store_read_begin(&f->local.s, &txn), 0);
	int fl = witness_note(&f->local.s, txn, h->id, 5, h->checkpoint, h->checkpoint_len, full,
	                      sizeof(full) - 1);
	mdb_txn_abort(txn);
	assert_true(fl > (int)h->checkpoint_len);
	full[fl] = '\0';
	assert_non_null(strstr(full + h->checkpoint_len, WITNESS " "));

	/* And gossiped to the other peer with that cosignature. */
	const Remacto__Peer__V1__PeerMessage *m = sent(
	        &f->q, REMACTO__PEER__V1__PEER_MESSAGE__KIND_CHECKPOINT);
	assert_non_null(m);
	assert_string_equal(m->checkpoint->origin, ORIGIN_A);
	assert_int_equal(m->checkpoint->note.len, (size_t)fl);
	assert_memory_equal(m->checkpoint->note.data, full, (size_t)fl);
	free(h);
	free(rh);

	/* Entries nobody asked for (the same request again) are a violation. */
	answer(f, &f->p, &first, 1, false);
	assert_int_equal(f->p.penalties, 1);
	assert_string_equal(f->p.why, "entries nobody asked for");
}

/* A peer too loaded to answer in time: its request expires and the range is asked again; the
 * late answer to the expired request is dropped without a penalty (one per expired request),
 * and only an answer to no request at all is a violation. Found with 400 nodes on 2 cores,
 * where late answers closed honest sessions. */
static void
test_late_answer_not_penalised(void **state)
{
	struct fx *f = *state;
	connect_peer(f, &f->p, "p");
	/* Copies of messages kept in p's outbox (their strings point into them). */
	Remacto__Peer__V1__GetEntries late = *announce_remote(f, &f->p);
	for (struct fed_req *r = f->fed->reqs; r; r = r->next)
		r->sent -= FED_REQUEST_TIMEOUT_S + 1;
	fed_tick(f->fed);
	const Remacto__Peer__V1__GetEntries *again = NULL;
	for (size_t i = 0; i < f->p.nout; i++)
		if (f->p.out[i]->kind_case == REMACTO__PEER__V1__PEER_MESSAGE__KIND_GET_ENTRIES &&
		    f->p.out[i]->get_entries->request_id != late.request_id)
			again = f->p.out[i]->get_entries;
	assert_non_null(again); /* the range asked again */
	assert_int_equal(again->start, late.start);
	Remacto__Peer__V1__GetEntries retry = *again;

	answer(f, &f->p, &late, late.count, false);
	assert_int_equal(f->p.penalties, 0);
	struct tlog_head *h = head(&f->local.s, ORIGIN_A);
	assert_int_equal(h->size, 0); /* dropped: the range is the retry's now */
	free(h);

	answer(f, &f->p, &retry, retry.count, false);
	assert_int_equal(f->p.penalties, 0);
	h = head(&f->local.s, ORIGIN_A);
	assert_int_equal(h->size, late.start + retry.count);
	free(h);

	/* The late answer again: one expired request allows one late answer. */
	answer(f, &f->p, &late, late.count, false);
	assert_int_equal(f->p.penalties, 1);
	assert_string_equal(f->p.why, "entries nobody asked for");
}

/* Entries that do not hash to the signed root: dropped, penalised, nothing stored. */
static void
test_bad_entries_penalised(void **state)
{
	struct fx *f = *state;
	connect_peer(f, &f->p, "p");
	const Remacto__Peer__V1__GetEntries *g = announce_remote(f, &f->p);
	Remacto__Peer__V1__GetEntries req = *g;
	answer(f, &f->p, &req, 5, true);
	assert_int_equal(f->p.penalties, 1);
	assert_string_equal(f->p.why, "entries that do not reproduce the signed root");
	assert_false(f->p.ready);
	struct tlog_head *h = head(&f->local.s, ORIGIN_A);
	assert_int_equal(h->size, 0);
	free(h);
	assert_int_equal(f->stored_calls, 0);
}

/* The node holds A at 5 (history y); a peer shows A at 5 with another root, validly signed
 * (history x): evidence stored, A forked, the evidence gossiped; the sender is not penalised
 * (it relayed a valid checkpoint) and nothing the node held changes. */
static void
test_equivocation_stores_evidence(void **state)
{
	struct fx *f = *state;
	build_log(f, &f->local.s, "y", 5);
	struct tlog_head *before = head(&f->local.s, ORIGIN_A);
	struct tlog_head *rh = head(&f->remote.s, ORIGIN_A);
	assert_int_equal(before->size, 5);
	assert_memory_not_equal(before->root, rh->root, 32);

	connect_peer(f, &f->p, "p");
	connect_peer(f, &f->q, "q");
	outbox_clear(&f->q);
	assert_false(forked(&f->local.s, ORIGIN_A));
	send_checkpoint(f, &f->p, ORIGIN_A, rh->checkpoint, rh->checkpoint_len, false);
	assert_int_equal(f->p.penalties, 0);
	assert_true(forked(&f->local.s, ORIGIN_A));

	MDB_txn *txn;
	assert_int_equal(store_read_begin(&f->local.s, &txn), 0);
	json_t *ev = evidence_list(&f->local.s, txn, ORIGIN_A);
	mdb_txn_abort(txn);
	assert_non_null(ev);
	assert_int_equal(json_array_size(ev), 1);
	json_decref(ev);

	const Remacto__Peer__V1__PeerMessage *m = sent(
	        &f->q, REMACTO__PEER__V1__PEER_MESSAGE__KIND_EQUIVOCATION);
	assert_non_null(m);
	assert_string_equal(m->equivocation->origin, ORIGIN_A);
	bool has_ours =
	        (m->equivocation->note_a.len == before->checkpoint_len &&
	         !memcmp(m->equivocation->note_a.data, before->checkpoint,
	                 before->checkpoint_len)) ||
	        (m->equivocation->note_b.len == before->checkpoint_len &&
	         !memcmp(m->equivocation->note_b.data, before->checkpoint, before->checkpoint_len));
	bool has_theirs =
	        (m->equivocation->note_a.len == rh->checkpoint_len &&
	         !memcmp(m->equivocation->note_a.data, rh->checkpoint, rh->checkpoint_len)) ||
	        (m->equivocation->note_b.len == rh->checkpoint_len &&
	         !memcmp(m->equivocation->note_b.data, rh->checkpoint, rh->checkpoint_len));
	assert_true(has_ours && has_theirs);

	struct tlog_head *after = head(&f->local.s, ORIGIN_A);
	assert_int_equal(after->size, 5);
	assert_memory_equal(after->root, before->root, 32);
	free(after);
	free(before);
	free(rh);
}

/* A checkpoint of a log the registry does not know is ignored: no penalty, no request. */
static void
test_unknown_log_ignored(void **state)
{
	struct fx *f = *state;
	struct note_signer stranger;
	char body[256], note[NOTE_MAX_LEN];
	signer(&stranger, NULL, "remacto.ma/fantome", NOTE_ALG_ED25519, 0x55);
	int bl = snprintf(body, sizeof(body),
	                  "remacto.ma/fantome\n3\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n");
	int nl = note_sign(&stranger, body, (size_t)bl, note, sizeof(note));
	assert_true(nl > 0);
	connect_peer(f, &f->p, "p");
	outbox_clear(&f->p);
	send_checkpoint(f, &f->p, "remacto.ma/fantome", note, (size_t)nl, true);
	assert_int_equal(f->p.penalties, 0);
	assert_true(f->p.ready);
	assert_null(sent(&f->p, REMACTO__PEER__V1__PEER_MESSAGE__KIND_GET_ENTRIES));
	note_signer_free(&stranger);
}

/* Checkpoints of logs the registry does not know yet wait until it grows, within caps per
 * session: an anonymous peer that sends thousands of them (more than the one cap all peers
 * shared before) does not crowd out a member's; once the registry admits the member's log,
 * fed asks that member for it. */
static void
test_unknown_logs_kept_per_session(void **state)
{
	struct fx *f = *state;
	connect_peer(f, &f->p, "mirror.flood");
	connect_peer(f, &f->q, "member-q");
	for (unsigned i = 0; i < 5000; i++) {
		char origin[64], note[256];
		int n = snprintf(origin, sizeof(origin), "remacto.ma/fantome-%u", i);
		assert_true(n > 0);
		n = snprintf(note, sizeof(note),
		             "%s\n1\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n\n"
		             "\xe2\x80\x94 %s AAAAAAAA\n",
		             origin, origin);
		send_checkpoint(f, &f->p, origin, note, (size_t)n, false);
	}
	assert_int_equal(f->p.penalties, 0);
	/* B's log, held by the member's node only, is not in this node's registry yet. */
	build_log_of(&f->remote.s, &f->b, "b", 3);
	struct tlog_head *bh = head(&f->remote.s, ORIGIN_B);
	outbox_clear(&f->q);
	send_checkpoint(f, &f->q, ORIGIN_B, bh->checkpoint, bh->checkpoint_len, false);
	assert_int_equal(f->q.penalties, 0);
	assert_null(sent(&f->q, REMACTO__PEER__V1__PEER_MESSAGE__KIND_GET_ENTRIES));
	/* The registry admits B (as replication of the registry log would store it). */
	admit(f, &f->local.s, ORIGIN_B, f->b_vkey, "001.02");
	f->ops.tick(f->ops.arg);
	const Remacto__Peer__V1__PeerMessage *m = sent(
	        &f->q, REMACTO__PEER__V1__PEER_MESSAGE__KIND_GET_ENTRIES);
	assert_non_null(m);
	assert_string_equal(m->get_entries->origin, ORIGIN_B);
	assert_int_equal(m->get_entries->proof_size, 3);
	free(bh);
}

/* A request is answered with peer_answer (so that the transport counts what waits), with the
 * entries and the proof a verifier needs; a peer whose answers wait gets no work done. */
static void
test_serves_entries_as_answers(void **state)
{
	struct fx *f = *state;
	Remacto__Peer__V1__PeerMessage m = REMACTO__PEER__V1__PEER_MESSAGE__INIT;
	Remacto__Peer__V1__GetEntries g = REMACTO__PEER__V1__GET_ENTRIES__INIT;
	build_log(f, &f->local.s, "y", 5);
	connect_peer(f, &f->p, "mirror.reader");
	outbox_clear(&f->p);
	g.request_id = 42;
	g.origin = ORIGIN_A;
	g.start = 1;
	g.count = 2;
	g.proof_size = 5;
	m.kind_case = REMACTO__PEER__V1__PEER_MESSAGE__KIND_GET_ENTRIES;
	m.get_entries = &g;
	f->ops.message(f->ops.arg, &f->p, &m);
	assert_int_equal(f->p.penalties, 0);
	assert_int_equal(f->p.answers, 1);
	const Remacto__Peer__V1__PeerMessage *a = sent(
	        &f->p, REMACTO__PEER__V1__PEER_MESSAGE__KIND_ENTRIES);
	assert_non_null(a);
	assert_int_equal(a->entries->request_id, 42);
	assert_int_equal(a->entries->start, 1);
	assert_int_equal(a->entries->n_entries, 2);
	/* The proof from 3 to 5 checks against the root of 5 with the root of 3. */
	struct tlog_head *h = head(&f->local.s, ORIGIN_A);
	uint8_t r3[32], r5[32], proof[MERKLE_MAX_PROOF][MERKLE_HASH_LEN];
	size_t np;
	MDB_txn *txn;
	assert_int_equal(store_read_begin(&f->local.s, &txn), 0);
	assert_int_equal(tlog_consistency(&f->local.s, txn, h, 3, 5, r3, r5, proof, &np), 0);
	mdb_txn_abort(txn);
	assert_int_equal(a->entries->n_proof, np);
	for (size_t i = 0; i < np; i++)
		assert_memory_equal(a->entries->proof[i].data, proof[i], 32);
	free(h);
	/* Beyond what the node holds: an Error, as an answer too. */
	outbox_clear(&f->p);
	g.proof_size = 9;
	g.request_id = 43;
	f->ops.message(f->ops.arg, &f->p, &m);
	assert_int_equal(f->p.answers, 2);
	assert_non_null(sent(&f->p, REMACTO__PEER__V1__PEER_MESSAGE__KIND_ERROR));
	assert_int_equal(f->p.penalties, 0);
	/* While the transport says its answers wait, a request is dropped before any work. */
	f->p.max_answers = 2;
	outbox_clear(&f->p);
	g.proof_size = 5;
	g.request_id = 44;
	f->ops.message(f->ops.arg, &f->p, &m);
	assert_int_equal(f->p.nout, 0);
	assert_int_equal(f->p.answers, 2);
	assert_int_equal(f->p.penalties, 0);
}

/* With a writer that runs later (the daemon's writer thread): the two answers of a catch-up
 * are handed over at once, in order, nothing stored before the writer runs; once it did, A is
 * held at 5 with its note, announced once and gossiped. Entries that do not reproduce the root
 * are refused when they arrive: their sender is penalised at once, the writer never sees them. */
static void
test_writes_through_a_writer(void **state)
{
	struct fx *f = *state;
	fed_again_as(f, NULL, true);
	connect_peer(f, &f->p, "p");
	connect_peer(f, &f->q, "q");
	const Remacto__Peer__V1__GetEntries *g = announce_remote(f, &f->p);
	Remacto__Peer__V1__GetEntries first = *g;
	answer(f, &f->p, &first, 3, false);
	g = NULL;
	for (size_t i = 0; i < f->p.nout; i++)
		if (f->p.out[i]->kind_case == REMACTO__PEER__V1__PEER_MESSAGE__KIND_GET_ENTRIES &&
		    f->p.out[i]->get_entries->start == 3)
			g = f->p.out[i]->get_entries;
	assert_non_null(g);
	Remacto__Peer__V1__GetEntries second = *g;
	answer(f, &f->p, &second, 2, false);
	assert_int_equal(f->nqueued, 2);
	struct tlog_head *h = head(&f->local.s, ORIGIN_A);
	assert_int_equal(h->size, 0);
	free(h);
	outbox_clear(&f->q);
	assert_int_equal(drain(f), 2);
	h = head(&f->local.s, ORIGIN_A);
	assert_int_equal(h->size, 5);
	assert_true(h->checkpoint_len > 0);
	free(h);
	assert_int_equal(f->stored_calls, 1);
	assert_non_null(sent(&f->q, REMACTO__PEER__V1__PEER_MESSAGE__KIND_CHECKPOINT));
	assert_int_equal(f->p.penalties, 0);

	/* Bad entries are refused when they arrive, before the writer: the sender is penalised
	 * while it is still connected, nothing is handed over, nothing stored. */
	build_log(f, &f->remote.s, "z", 2);
	struct tlog_head *rh = head(&f->remote.s, ORIGIN_A);
	outbox_clear(&f->q);
	send_checkpoint(f, &f->q, ORIGIN_A, rh->checkpoint, rh->checkpoint_len, false);
	free(rh);
	const Remacto__Peer__V1__PeerMessage *m = sent(
	        &f->q, REMACTO__PEER__V1__PEER_MESSAGE__KIND_GET_ENTRIES);
	assert_non_null(m);
	Remacto__Peer__V1__GetEntries third = *m->get_entries;
	answer(f, &f->q, &third, 2, true);
	assert_int_equal(f->nqueued, 0);
	assert_int_equal(f->q.penalties, 1);
	assert_string_equal(f->q.why, "entries that do not reproduce the signed root");
	h = head(&f->local.s, ORIGIN_A);
	assert_int_equal(h->size, 5);
	free(h);
}

/* What /metrics reads as remacto_replica_behind_entries: the biggest verified size a peer
 * announced of a log the node has not caught up with; a forged checkpoint announces nothing. */
struct ann_seen {
	char origin[NOTE_NAME_MAX + 1];
	uint64_t size;
	unsigned calls;
};

static void
ann_collect(void *arg, const char *origin, uint64_t size)
{
	struct ann_seen *a = arg;
	snprintf(a->origin, sizeof(a->origin), "%s", origin);
	a->size = size;
	a->calls++;
}

static void
test_announced_sizes(void **state)
{
	struct fx *f = *state;
	struct ann_seen a = { 0 };
	struct tlog_head *rh = head(&f->remote.s, ORIGIN_A);
	char note[NOTE_MAX_LEN];
	size_t len = rh->checkpoint_len;

	fed_announced_each(NULL, ann_collect, &a);
	fed_announced_each(f->fed, ann_collect, &a);
	assert_int_equal(a.calls, 0);
	memcpy(note, rh->checkpoint, len);
	note[len - 10] = note[len - 10] == 'A' ? 'B' : 'A';
	connect_peer(f, &f->q, "q");
	send_checkpoint(f, &f->q, ORIGIN_A, note, len, true);
	assert_int_equal(f->q.penalties, 1);
	fed_announced_each(f->fed, ann_collect, &a);
	assert_int_equal(a.calls, 0);

	connect_peer(f, &f->p, "p");
	announce_remote(f, &f->p);
	fed_announced_each(f->fed, ann_collect, &a);
	assert_int_equal(a.calls, 1);
	assert_string_equal(a.origin, ORIGIN_A);
	assert_int_equal(a.size, 5);
	free(rh);
}

/* The request for entries from start in p's outbox, NULL when none. */
static const Remacto__Peer__V1__GetEntries *
request_from(const struct peer *p, uint64_t start)
{
	const Remacto__Peer__V1__GetEntries *g = NULL;
	for (size_t i = 0; i < p->nout; i++)
		if (p->out[i]->kind_case == REMACTO__PEER__V1__PEER_MESSAGE__KIND_GET_ENTRIES &&
		    p->out[i]->get_entries->start == start)
			g = p->out[i]->get_entries;
	return g;
}

/* Entries checked when they arrive, against the tree as it will be once the chunks still
 * waiting for the writer are in: [0,3) waits; a corrupted [3,5) is refused at once, its sender
 * penalised while connected; the same range from the other peer verifies against the border
 * at 3 and is handed over behind [0,3); the writer then brings the log to its checkpoint. */
static void
test_entries_checked_on_arrival(void **state)
{
	struct fx *f = *state;
	fed_again_as(f, NULL, true);
	connect_peer(f, &f->p, "p");
	connect_peer(f, &f->q, "q");
	Remacto__Peer__V1__GetEntries first = *announce_remote(f, &f->p);
	assert_int_equal(first.start, 0);
	struct tlog_head *rh = head(&f->remote.s, ORIGIN_A);
	send_checkpoint(f, &f->q, ORIGIN_A, rh->checkpoint, rh->checkpoint_len, false);
	free(rh);
	answer(f, &f->p, &first, 3, false);
	assert_int_equal(f->nqueued, 1);
	const Remacto__Peer__V1__GetEntries *r = request_from(&f->p, 3);
	struct peer *rp = r ? &f->p : &f->q, *other = r ? &f->q : &f->p;
	assert_non_null(r = r ? r : request_from(&f->q, 3));
	Remacto__Peer__V1__GetEntries rest = *r;
	answer(f, rp, &rest, 2, true);
	assert_int_equal(rp->penalties, 1);
	assert_string_equal(rp->why, "entries that do not reproduce the signed root");
	assert_int_equal(f->nqueued, 1);
	/* [3,5) again, from the other peer, before the writer ran. */
	if (!request_from(other, 3))
		f->ops.tick(f->ops.arg);
	assert_non_null(r = request_from(other, 3));
	Remacto__Peer__V1__GetEntries again = *r;
	again.origin = ORIGIN_A; /* the outbox goes next */
	outbox_clear(other);
	answer(f, other, &again, again.count, false);
	assert_int_equal(other->penalties, 0);
	assert_int_equal(f->nqueued, 2);
	assert_int_equal(drain(f), 2);
	struct tlog_head *h = head(&f->local.s, ORIGIN_A);
	assert_int_equal(h->size, 5);
	assert_true(h->checkpoint_len > 0);
	free(h);
}

/* ---- the restore safeguard: a node restored from a backup publishes nothing at an index the
 * federation holds ---- */

/* A new fed on the local store as A's node, npeers peers configured (the [peer] lines). */
static void
fed_as_a(struct fx *f, unsigned npeers)
{
	fed_again(f, &f->a);
	fed_destroy(f->fed);
	struct fed_ctx ctx = {
		.store = &f->local.s,
		.own = &f->a,
		.witness = &f->w,
		.peers_configured = true,
		.npeers = npeers,
		.stored = on_stored,
		.stored_arg = f,
	};
	assert_non_null(f->fed = fed_create(&ctx, err, sizeof(err)));
	f->ops = fed_peer_ops(f->fed);
}

/* p's vector names A at the size of note; fed asks p for what it misses, which p gives. */
static void
vector_then_catch_up(struct fx *f, struct peer *p, const char *nr, const char *na)
{
	const char *o[] = { REG, ORIGIN_A }, *n[] = { nr, na };
	outbox_clear(p);
	send_vector(f, p, o, n, 2, true);
	assert_int_equal(p->penalties, 0);
	const Remacto__Peer__V1__GetEntries *g = requested(p, ORIGIN_A);
	assert_non_null(g);
	Remacto__Peer__V1__GetEntries rg = *g;
	answer(f, p, &rg, (uint32_t)rg.count, false);
	f->ops.tick(f->ops.arg);
}

/* The chaos finding (seed 75269364): A's node restored with 3 entries, two peers configured.
 * p holds A at 5, q at 9. Once caught up to p's 5 the node must not publish before q said what
 * it holds: entries 5 and on would be signed over q's. Having found itself behind, it also
 * waits FED_RESTORE_WAIT_S for peers it does not dial (the clock wound back here). */
static void
test_restore_waits_for_every_peer(void **state)
{
	struct fx *f = *state;
	build_log(f, &f->local.s, "x", 3);
	char *n5 = note_copy(&f->remote.s, ORIGIN_A);
	build_log(f, &f->remote.s, "y", 4);
	char *n9 = note_copy(&f->remote.s, ORIGIN_A), *nr = note_copy(&f->local.s, REG);

	fed_as_a(f, 2);
	connect_peer(f, &f->p, "p");
	vector_then_catch_up(f, &f->p, nr, n5);
	struct tlog_head *h = head(&f->local.s, ORIGIN_A);
	assert_int_equal(h->size, 5);
	free(h);
	assert_false(fed_may_publish(f->fed)); /* q, configured, said nothing yet */

	connect_peer(f, &f->q, "q");
	assert_false(fed_may_publish(f->fed)); /* its vector is on its way */
	vector_then_catch_up(f, &f->q, nr, n9);
	h = head(&f->local.s, ORIGIN_A);
	assert_int_equal(h->size, 9);
	free(h);
	assert_false(fed_may_publish(f->fed)); /* restored: others may come */
	f->fed->own_first_said -= FED_RESTORE_WAIT_S;
	f->ops.tick(f->ops.arg);
	assert_true(fed_may_publish(f->fed));
	free(n5);
	free(n9);
	free(nr);
}

/* An ordinary restart (the node holds all its peers hold of A): it publishes as soon as every
 * configured peer said what it holds, without waiting. */
static void
test_restart_publishes_once_peers_said(void **state)
{
	struct fx *f = *state;
	build_log(f, &f->local.s, "x", 5);
	char *n5 = note_copy(&f->remote.s, ORIGIN_A), *nr = note_copy(&f->local.s, REG);
	const char *o[] = { REG, ORIGIN_A }, *n[] = { nr, n5 }, *o1[] = { REG }, *n1[] = { nr };

	fed_as_a(f, 2);
	connect_peer(f, &f->p, "p");
	send_vector(f, &f->p, o, n, 2, true);
	assert_int_equal(f->p.penalties, 0);
	assert_false(fed_may_publish(f->fed));
	connect_peer(f, &f->q, "q");
	send_vector(f, &f->q, o1, n1, 1, true); /* holds nothing of A */
	assert_true(fed_may_publish(f->fed));
	free(n5);
	free(nr);
}

/* A restored node need not wait when every node the registry knows of, the authority's and
 * every member's, said what it holds: nobody else holds its log (mirrors aside). */
static void
test_restore_everyone_said(void **state)
{
	struct fx *f = *state;
	build_log(f, &f->local.s, "x", 3);
	char *n5 = note_copy(&f->remote.s, ORIGIN_A), *nr = note_copy(&f->local.s, REG);

	fed_as_a(f, 2);
	connect_peer(f, &f->p, REG); /* the authority's node; A, the only member, is this node */
	vector_then_catch_up(f, &f->p, nr, n5);
	assert_true(fed_may_publish(f->fed));

	/* B admitted: its node may hold more of A, and has not said. */
	admit(f, &f->local.s, ORIGIN_B, f->b_vkey, "001.02");
	build_log(f, &f->remote.s, "y", 2);
	char *n7 = note_copy(&f->remote.s, ORIGIN_A), *nr2 = note_copy(&f->local.s, REG);
	const char *o[] = { REG }, *n[] = { nr2 };
	fed_as_a(f, 2);
	connect_peer(f, &f->p, REG);
	vector_then_catch_up(f, &f->p, nr2, n7);
	assert_false(fed_may_publish(f->fed));
	connect_peer(f, &f->q, ORIGIN_B);
	send_vector(f, &f->q, o, n, 1, true); /* holds nothing of A */
	assert_true(fed_may_publish(f->fed));
	free(n5);
	free(n7);
	free(nr);
	free(nr2);
}

/* One of two configured peers down: the node publishes once it caught up with every peer it
 * reaches and FED_RESTORE_WAIT_S passed since the first statement, not before; a member's peer
 * that connected and has not said what it holds holds it back, an anonymous one does not. */
static void
test_restore_bounded_wait(void **state)
{
	struct fx *f = *state;
	build_log(f, &f->local.s, "x", 3);
	char *n5 = note_copy(&f->remote.s, ORIGIN_A), *nr = note_copy(&f->local.s, REG);

	fed_as_a(f, 2);
	connect_peer(f, &f->p, "p");
	vector_then_catch_up(f, &f->p, nr, n5);
	assert_false(fed_may_publish(f->fed)); /* q, configured, not reached yet */
	f->fed->own_first_said -= FED_RESTORE_WAIT_S - 1;
	f->ops.tick(f->ops.arg);
	assert_false(fed_may_publish(f->fed));
	f->fed->own_first_said -= 2;
	connect_peer(f, &f->q, "q"); /* a member's, its vector not here yet */
	f->ops.tick(f->ops.arg);
	assert_false(fed_may_publish(f->fed));
	f->ops.closed(f->ops.arg, &f->q);
	outbox_clear(&f->q);
	connect_peer(f, &f->q, "mirror-q"); /* anonymous, silent */
	assert_true(fed_may_publish(f->fed));
	f->ops.closed(f->ops.arg, &f->q);
	outbox_clear(&f->q);

	/* Allowed once, allowed until something bigger shows up: then not until caught up. */
	connect_peer(f, &f->q, "q");
	assert_true(fed_may_publish(f->fed));
	build_log(f, &f->remote.s, "y", 2);
	char *n7 = note_copy(&f->remote.s, ORIGIN_A);
	vector_then_catch_up(f, &f->q, nr, n7);
	assert_true(fed_may_publish(f->fed));
	struct tlog_head *h = head(&f->local.s, ORIGIN_A);
	assert_int_equal(h->size, 7);
	free(h);
	free(n7);
	free(n5);
	free(nr);
}

/* A peer catching up to a checkpoint of A bigger than the one it serves, with entries past that
 * one, tells A's own node of it when that node connects, before its vector: a node restored
 * from a backup learns of the tree the peer is taking, not only of the checkpoint it serves.
 * Not before the peer holds any of those entries (a checkpoint nobody serves, signed with a
 * stolen key, must not keep A from publishing), and not to another peer. */
static void
test_candidate_told_to_its_author(void **state)
{
	struct fx *f = *state;
	connect_peer(f, &f->p, "p");
	const Remacto__Peer__V1__GetEntries *g = announce_remote(f, &f->p); /* A at 5 */
	Remacto__Peer__V1__GetEntries first = *g;
	connect_peer(f, &f->q, ORIGIN_A);
	assert_int_equal(count_kind(&f->q, REMACTO__PEER__V1__PEER_MESSAGE__KIND_CHECKPOINT), 0);
	f->ops.closed(f->ops.arg, &f->q);
	outbox_clear(&f->q);

	answer(f, &f->p, &first, 3, false); /* 3 entries verified against 5, no checkpoint at 3 */
	struct tlog_head *h = head(&f->local.s, ORIGIN_A);
	assert_int_equal(h->size, 3);
	free(h);
	connect_peer(f, &f->q, "q");
	assert_true(f->q.nout > 0);
	assert_int_equal(f->q.out[0]->kind_case, REMACTO__PEER__V1__PEER_MESSAGE__KIND_VECTOR);
	assert_int_equal(count_kind(&f->q, REMACTO__PEER__V1__PEER_MESSAGE__KIND_CHECKPOINT), 0);
	f->ops.closed(f->ops.arg, &f->q);
	outbox_clear(&f->q);

	/* In the vector (judged against the registry it brings, before its last frame), not
	 * before it: a checkpoint of a key only the peer's bigger registry gives would be taken
	 * for a forgery. */
	connect_peer(f, &f->q, ORIGIN_A);
	assert_true(f->q.nout >= 1);
	assert_int_equal(count_kind(&f->q, REMACTO__PEER__V1__PEER_MESSAGE__KIND_CHECKPOINT), 0);
	const Remacto__Peer__V1__PeerMessage *m = f->q.out[0];
	assert_int_equal(m->kind_case, REMACTO__PEER__V1__PEER_MESSAGE__KIND_VECTOR);
	const Remacto__Peer__V1__SignedCheckpoint *told = NULL;
	for (size_t i = 0; i < m->vector->n_checkpoints; i++)
		if (!strcmp(m->vector->checkpoints[i]->origin, ORIGIN_A)) {
			assert_null(told); /* it serves none at 3: only the candidate */
			told = m->vector->checkpoints[i];
		}
	assert_non_null(told);
	struct tlog_head *rh = head(&f->remote.s, ORIGIN_A);
	assert_int_equal(told->note.len, rh->checkpoint_len);
	assert_memory_equal(told->note.data, rh->checkpoint, rh->checkpoint_len);
	free(rh);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_ready_sends_vector, setup, teardown),
		cmocka_unit_test_setup_teardown(test_vector_good_checkpoint_fetches, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_forged_signature_penalises, setup, teardown),
		cmocka_unit_test_setup_teardown(test_outside_witness_set_not_cosigned, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_consistent_answer_committed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_late_answer_not_penalised, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_entries_penalised, setup, teardown),
		cmocka_unit_test_setup_teardown(test_equivocation_stores_evidence, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unknown_log_ignored, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unknown_logs_kept_per_session, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_serves_entries_as_answers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_writes_through_a_writer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_announced_sizes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_entries_checked_on_arrival, setup, teardown),
		cmocka_unit_test_setup_teardown(test_restore_waits_for_every_peer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_restart_publishes_once_peers_said, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_restore_everyone_said, setup, teardown),
		cmocka_unit_test_setup_teardown(test_restore_bounded_wait, setup, teardown),
		cmocka_unit_test_setup_teardown(test_candidate_told_to_its_author, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
