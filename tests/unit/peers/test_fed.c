/*
 * Tests for fed's message handling (peers/fed*.c) without sockets: fed runs on a real store in
 * a temporary folder, and this file is its transport. The peer_ops fed_peer_ops() gives are
 * what the test calls (ready, message, closed, tick), and peer_send / peer_penalise / peer_name
 * / peer_queued are defined here, so the linker takes them from this file instead of the real
 * transport: every message fed sends is kept in the fake peer's outbox, and a penalty closes the
 * fake session synchronously, as transport.h promises. peer_answer, peer_may_answer (the fake
 * peer's max_answers) and peer_registered too.
 *
 * The network: an authority, a member A admitted in the registry of the node under test, and
 * A's log built in a second store (the "remote" node) with A's key. Checked: a vector with a
 * good checkpoint of A makes fed ask for the missing entries; a forged signature penalises the
 * peer and changes nothing; a consistent answer (in two verified steps, with a consistency
 * proof) is committed, cosigned, announced and gossiped; entries that do not reproduce the
 * signed root are dropped and penalised; two validly signed checkpoints of one size with two
 * roots are stored as evidence, mark the log forked and are gossiped.
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
#include "core/note.h"
#include "peers/evidence.h"
#include "peers/fed.h"
#include "peers/ledger.h"
#include "peers/registry.h"
#include "peers/transport.h"
#include "peers/witness.h"
#include "store/store.h"
#include "store/tlog.h"

#define REG "remacto.ma/registry"
#define ORIGIN_A "remacto.ma/commune-a"
#define ORIGIN_B "remacto.ma/commune-b"
#define WITNESS "remacto.ma/commune-w"
#define MAX_OUT 64

/* ---- the fake transport ---- */

struct peer {
	char name[32];
	struct peer_ops ops;
	bool ready, registered;
	unsigned penalties, answers, max_answers;
	char why[256];
	Remacto__Peer__V1__PeerMessage *out[MAX_OUT];
	size_t nout;
};

int
peer_send(struct peer *p, const Remacto__Peer__V1__PeerMessage *m)
{
	uint8_t *buf;
	size_t len = remacto__peer__v1__peer_message__get_packed_size(m);

	if (!p->ready)
		return -EPIPE;
	if (p->nout == MAX_OUT)
		return -ENOBUFS;
	/* Packed and unpacked again: what a peer would get on the wire. */
	assert_non_null(buf = malloc(len ? len : 1));
	remacto__peer__v1__peer_message__pack(m, buf);
	p->out[p->nout] = remacto__peer__v1__peer_message__unpack(NULL, len, buf);
	free(buf);
	assert_non_null(p->out[p->nout]);
	p->nout++;
	return 0;
}

int
peer_answer(struct peer *p, const Remacto__Peer__V1__PeerMessage *m)
{
	p->answers++;
	return peer_send(p, m);
}

bool
peer_may_answer(const struct peer *p)
{
	return p->answers < p->max_answers;
}

bool
peer_registered(const struct peer *p)
{
	return p->registered;
}

void
peer_penalise(struct peer *p, const char *why)
{
	p->penalties++;
	snprintf(p->why, sizeof(p->why), "%s", why);
	if (p->ready) {
		p->ready = false;
		p->ops.closed(p->ops.arg, p);
	}
}

const char *
peer_name(const struct peer *p)
{
	return p->name;
}

size_t
peer_queued(const struct peer *p)
{
	(void)p;
	return 0;
}

static void
outbox_clear(struct peer *p)
{
	for (size_t i = 0; i < p->nout; i++)
		remacto__peer__v1__peer_message__free_unpacked(p->out[i], NULL);
	p->nout = 0;
}

/* The first message of kind k in p's outbox, NULL when none. */
static const Remacto__Peer__V1__PeerMessage *
sent(const struct peer *p, Remacto__Peer__V1__PeerMessage__KindCase k)
{
	for (size_t i = 0; i < p->nout; i++)
		if (p->out[i]->kind_case == k)
			return p->out[i];
	return NULL;
}

/* ---- the fixture ---- */

struct store_dir {
	char dir[64];
	struct store s;
};

struct fx {
	struct note_signer auth, a, b, w;
	char auth_vkey[NOTE_VKEY_MAX + 1], a_vkey[NOTE_VKEY_MAX + 1], b_vkey[NOTE_VKEY_MAX + 1];
	struct store_dir local, remote;
	struct fed *fed;
	struct peer_ops ops;
	struct peer p, q;
	char stored_origin[NOTE_NAME_MAX + 1];
	uint64_t stored_size;
	unsigned stored_calls;
};

static char err[1024];

static void
signer(struct note_signer *s, char *vkey, const char *name, uint8_t alg, uint8_t fill)
{
	uint8_t seed[32];
	for (size_t i = 0; i < sizeof(seed); i++)
		seed[i] = (uint8_t)(fill + i);
	assert_int_equal(note_signer_from_seed(s, name, alg, seed), 0);
	if (vkey)
		assert_true(note_verifier_format(&s->v, vkey, NOTE_VKEY_MAX + 1) > 0);
}

static void
rm_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char path[512];
	if (!d)
		return;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		unlink(path);
	}
	closedir(d);
	rmdir(dir);
}

static void
append_json(struct store *s, const char *origin, const struct note_signer *k, const char *json)
{
	json_error_t je;
	json_t *j = json_loads(json, 0, &je);
	uint8_t *data;
	size_t len;
	if (!j)
		fail_msg("bad test JSON %s: %s", json, je.text);
	if (entry_from_json(j, &data, &len, err, sizeof(err)) != 0)
		fail_msg("entry %s: %s", json, err);
	json_decref(j);
	struct tlog_blob b = { data, len };
	if (tlog_append(s, origin, k, &b, 1, NULL, NULL, err, sizeof(err)) != 0)
		fail_msg("append to %s: %s", origin, err);
	free(data);
}

/* n entries of k's log tagged tag (two tags, two histories) appended to s. */
static void
build_log_of(struct store *s, const struct note_signer *k, const char *tag, unsigned n)
{
	if (tlog_create(s, k, NULL, err, sizeof(err)) != 0 && !strstr(err, "already"))
		fail_msg("tlog_create: %s", err);
	for (unsigned i = 0; i < n; i++) {
		char js[1024];
		snprintf(
		        js, sizeof(js),
		        "{\"schema\":1,\"published\":\"2025-06-01T09:00:00Z\",\"evidence\":{\"id\":"
		        "\"EV-%s-%u\",\"url\":\"https://example.ma/%s/%u.pdf\",\"sha256\":"
		        "\"47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\",\"mediaType\":"
		        "\"application/pdf\",\"title\":{\"fr\":\"Document %u\",\"ar\":\"وثيقة\"},"
		        "\"date\":\"2025-06-01\"}}",
		        tag, i, tag, i, i);
		append_json(s, k->v.name, k, js);
	}
}

static void
build_log(struct fx *f, struct store *s, const char *tag, unsigned n)
{
	build_log_of(s, &f->a, tag, n);
}

/* The registry of s admits origin with vkey. */
static void
admit(struct fx *f, struct store *s, const char *origin, const char *vkey, const char *hcp)
{
	char js[2048];
	snprintf(js, sizeof(js),
	         "{\"schema\":1,\"published\":\"2024-05-02T09:00:00Z\",\"memberAdmission\":"
	         "{\"origin\":\"%s\",\"verifierKey\":\"%s\",\"hcpCode\":\"%s\",\"kind\":"
	         "\"MEMBER_KIND_COMMUNE\",\"name\":{\"fr\":\"Commune\",\"ar\":\"جماعة\"},"
	         "\"regionCode\":\"04\",\"population\":\"1000\"}}",
	         origin, vkey, hcp);
	append_json(s, REG, &f->auth, js);
}

/* A store with the authority recorded and A admitted in its registry log. */
static void
open_member_store(struct fx *f, struct store_dir *sd)
{
	snprintf(sd->dir, sizeof(sd->dir), "/tmp/remacto-fed-XXXXXX");
	assert_non_null(mkdtemp(sd->dir));
	if (ledger_open(&sd->s, sd->dir, STORE_CREATE, 0, err, sizeof(err)) != 0 ||
	    registry_set_authority(&sd->s, f->auth_vkey, err, sizeof(err)) != 0 ||
	    tlog_create(&sd->s, &f->auth, NULL, err, sizeof(err)) != 0)
		fail_msg("store: %s", err);
	admit(f, &sd->s, ORIGIN_A, f->a_vkey, "001.01");
}

static void
on_stored(void *arg, const char *origin, uint64_t size)
{
	struct fx *f = arg;
	snprintf(f->stored_origin, sizeof(f->stored_origin), "%s", origin);
	f->stored_size = size;
	f->stored_calls++;
}

/* A session: a member's (registered) unless its name starts with "mirror". */
static void
connect_peer(struct fx *f, struct peer *p, const char *name)
{
	memset(p, 0, sizeof(*p));
	snprintf(p->name, sizeof(p->name), "%s", name);
	p->ops = f->ops;
	p->ready = true;
	p->registered = strncmp(name, "mirror", 6) != 0;
	p->max_answers = 100;
	f->ops.ready(f->ops.arg, p);
}

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	assert_non_null(f);
	signer(&f->auth, f->auth_vkey, REG, NOTE_ALG_ED25519, 0x01);
	signer(&f->a, f->a_vkey, ORIGIN_A, NOTE_ALG_ED25519, 0x11);
	signer(&f->b, f->b_vkey, ORIGIN_B, NOTE_ALG_ED25519, 0x31);
	signer(&f->w, NULL, WITNESS, NOTE_ALG_COSIGNATURE_V1, 0x21);
	open_member_store(f, &f->local);
	open_member_store(f, &f->remote);
	build_log(f, &f->remote.s, "x", 5);
	struct fed_ctx ctx = {
		.store = &f->local.s,
		.own = NULL,
		.witness = &f->w,
		.peers_configured = true,
		.stored = on_stored,
		.stored_arg = f,
	};
	assert_non_null(f->fed = fed_create(&ctx, err, sizeof(err)));
	f->ops = fed_peer_ops(f->fed);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;
	struct peer *ps[2] = { &f->p, &f->q };
	for (int i = 0; i < 2; i++) {
		if (ps[i]->ready)
			f->ops.closed(f->ops.arg, ps[i]);
		outbox_clear(ps[i]);
	}
	fed_destroy(f->fed);
	store_close(&f->local.s);
	store_close(&f->remote.s);
	rm_dir(f->local.dir);
	rm_dir(f->remote.dir);
	note_signer_free(&f->auth);
	note_signer_free(&f->a);
	note_signer_free(&f->b);
	note_signer_free(&f->w);
	free(f);
	return 0;
}

/* ---- reading the stores ---- */

/* s's head of origin (size 0 and no note when it holds none); caller frees. */
static struct tlog_head *
head(struct store *s, const char *origin)
{
	struct tlog_head *h = calloc(1, sizeof(*h));
	MDB_txn *txn;
	assert_non_null(h);
	assert_int_equal(store_read_begin(s, &txn), 0);
	if (tlog_head(s, txn, origin, h) != 0)
		memset(h, 0, sizeof(*h));
	mdb_txn_abort(txn);
	return h;
}

static bool
forked(struct store *s, const char *origin)
{
	MDB_txn *txn;
	assert_int_equal(store_read_begin(s, &txn), 0);
	bool fk = evidence_forked(s, txn, origin);
	mdb_txn_abort(txn);
	return fk;
}

/* ---- messages from the peer ---- */

static void
send_checkpoint(struct fx *f, struct peer *p, const char *origin, const char *note, size_t len,
                bool as_vector)
{
	Remacto__Peer__V1__PeerMessage m = REMACTO__PEER__V1__PEER_MESSAGE__INIT;
	Remacto__Peer__V1__SignedCheckpoint sc = REMACTO__PEER__V1__SIGNED_CHECKPOINT__INIT;
	Remacto__Peer__V1__SignedCheckpoint *items[1] = { &sc };
	Remacto__Peer__V1__CheckpointVector v = REMACTO__PEER__V1__CHECKPOINT_VECTOR__INIT;
	sc.origin = (char *)origin;
	sc.note.data = (uint8_t *)note;
	sc.note.len = len;
	if (as_vector) {
		v.checkpoints = items;
		v.n_checkpoints = 1;
		m.kind_case = REMACTO__PEER__V1__PEER_MESSAGE__KIND_VECTOR;
		m.vector = &v;
	} else {
		m.kind_case = REMACTO__PEER__V1__PEER_MESSAGE__KIND_CHECKPOINT;
		m.checkpoint = &sc;
	}
	f->ops.message(f->ops.arg, p, &m);
}

/* The remote's answer to g: count entries from g->start (corrupted when asked) with the
 * consistency proof to g->proof_size, as a serving node builds it. */
static void
answer(struct fx *f, struct peer *p, const Remacto__Peer__V1__GetEntries *g, uint32_t count,
       bool corrupt)
{
	Remacto__Peer__V1__PeerMessage m = REMACTO__PEER__V1__PEER_MESSAGE__INIT;
	Remacto__Peer__V1__Entries e = REMACTO__PEER__V1__ENTRIES__INIT;
	ProtobufCBinaryData items[16], pr[MERKLE_MAX_PROOF];
	uint8_t proof[MERKLE_MAX_PROOF][MERKLE_HASH_LEN], r1[32], r2[32], copies[16][1024];
	struct tlog_head *h = head(&f->remote.s, g->origin);
	MDB_txn *txn;
	size_t np = 0;

	assert_true(count <= 16);
	assert_int_equal(store_read_begin(&f->remote.s, &txn), 0);
	for (uint32_t i = 0; i < count; i++) {
		const uint8_t *d;
		size_t dl;
		assert_int_equal(store_entry_get(&f->remote.s, txn, h->id, g->start + i, &d, &dl),
		                 0);
		assert_true(dl <= sizeof(copies[i]));
		memcpy(copies[i], d, dl);
		if (corrupt)
			copies[i][dl - 1] ^= 0x01;
		items[i].data = copies[i];
		items[i].len = dl;
	}
	if (g->start + count < g->proof_size)
		assert_int_equal(tlog_consistency(&f->remote.s, txn, h, g->start + count,
		                                  g->proof_size, r1, r2, proof, &np),
		                 0);
	mdb_txn_abort(txn);
	for (size_t i = 0; i < np; i++)
		pr[i].data = proof[i], pr[i].len = 32;
	e.request_id = g->request_id;
	e.origin = g->origin;
	e.start = g->start;
	e.entries = items;
	e.n_entries = count;
	e.proof = pr;
	e.n_proof = np;
	m.kind_case = REMACTO__PEER__V1__PEER_MESSAGE__KIND_ENTRIES;
	m.entries = &e;
	free(h);
	f->ops.message(f->ops.arg, p, &m);
}

/* p announces the remote's checkpoint of A; fed's request for it, checked. */
static const Remacto__Peer__V1__GetEntries *
announce_remote(struct fx *f, struct peer *p)
{
	struct tlog_head *rh = head(&f->remote.s, ORIGIN_A);
	outbox_clear(p);
	send_checkpoint(f, p, ORIGIN_A, rh->checkpoint, rh->checkpoint_len, true);
	free(rh);
	assert_int_equal(p->penalties, 0);
	const Remacto__Peer__V1__PeerMessage *m = sent(
	        p, REMACTO__PEER__V1__PEER_MESSAGE__KIND_GET_ENTRIES);
	assert_non_null(m);
	return m->get_entries;
}

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
	assert_string_equal(f->p.why, "a checkpoint whose signature does not verify");
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

/* The answer in two verified steps: 3 entries with a consistency proof from 3 to 5 (committed
 * without a note), then the last 2 (committed with the signed note, cosigned by the node's
 * witness key, announced to the daemon and gossiped to the other peer). */
static void
test_consistent_answer_committed(void **state)
{
	struct fx *f = *state;
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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_ready_sends_vector, setup, teardown),
		cmocka_unit_test_setup_teardown(test_vector_good_checkpoint_fetches, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_forged_signature_penalises, setup, teardown),
		cmocka_unit_test_setup_teardown(test_consistent_answer_committed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_entries_penalised, setup, teardown),
		cmocka_unit_test_setup_teardown(test_equivocation_stores_evidence, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unknown_log_ignored, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unknown_logs_kept_per_session, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_serves_entries_as_answers, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
