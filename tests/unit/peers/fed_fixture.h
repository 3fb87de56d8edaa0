/*
 * fed_fixture — what the fed unit tests share (include after cmocka.h, once per test program):
 * fed on a real store in a temporary folder, with this as its transport. The peer_ops
 * fed_peer_ops() gives are what a test calls (ready, message, closed, tick), and peer_send /
 * peer_penalise / peer_name / peer_queued are defined here, so the linker takes them from the
 * test instead of the real transport: every message fed sends is kept in the fake peer's
 * outbox, and a penalty closes the fake session synchronously, as transport.h promises.
 * peer_answer, peer_may_answer (the fake peer's max_answers) and peer_registered too; and
 * peer_may_get / peer_get / peer_get_refused: a peer with gets set takes GETs, which wait in
 * its get list until the test answers them (fake_get_answer).
 *
 * The network: an authority, a member A admitted in the registry of the node under test, and
 * A's log built in a second store (the "remote" node) with A's key.
 */
#ifndef REMACTO_TEST_FED_FIXTURE_H
#define REMACTO_TEST_FED_FIXTURE_H

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
#define WITNESS "remacto.ma/commune-w"
#define ORIGIN_B "remacto.ma/commune-b"
#define ORIGIN_W2 "remacto.ma/commune-w2"
#define MAX_OUT 64

/* ---- the fake transport ---- */

#define MAX_GETS 16

struct fake_get {
	char path[256];
	size_t cap;
	uint64_t tag;
	peer_get_fn fn;
	void *arg;
};

struct peer {
	char name[32];
	struct peer_ops ops;
	bool ready, registered;
	unsigned penalties, answers, max_answers;
	char why[256];
	Remacto__Peer__V1__PeerMessage *out[MAX_OUT];
	size_t nout;
	bool gets;        /* it takes GETs (peer_may_get) */
	unsigned refused; /* peer_get_refused calls; each also turns its GETs off */
	char refused_why[256];
	struct fake_get get[MAX_GETS]; /* asked, not answered yet */
	size_t nget;
};

bool
peer_may_get(const struct peer *p)
{
	return p->ready && p->gets;
}

int
peer_get(struct peer *p, const char *path, size_t cap, uint64_t tag, peer_get_fn fn, void *arg)
{
	if (!peer_may_get(p))
		return -EPERM;
	if (p->nget == MAX_GETS)
		return -ENOBUFS;
	struct fake_get *g = &p->get[p->nget++];
	snprintf(g->path, sizeof(g->path), "%s", path);
	g->cap = cap;
	g->tag = tag;
	g->fn = fn;
	g->arg = arg;
	return 0;
}

void
peer_get_refused(struct peer *p, const char *why)
{
	p->refused++;
	p->gets = false;
	snprintf(p->refused_why, sizeof(p->refused_why), "%s", why);
}

/* Ends p's GET i (taken off the list first, as the transport calls once): rc 0 with body (a
 * copy is handed over), or rc < 0. */
static inline void
fake_get_answer(struct peer *p, size_t i, int rc, const uint8_t *body, size_t len)
{
	struct fake_get g = p->get[i];
	uint8_t *copy = NULL;
	memmove(&p->get[i], &p->get[i + 1], (p->nget - i - 1) * sizeof(p->get[0]));
	p->nget--;
	if (rc == 0) {
		assert_true(len <= g.cap);
		assert_non_null(copy = malloc(len ? len : 1));
		memcpy(copy, body, len);
	}
	g.fn(g.arg, g.tag, rc, copy, len);
}

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

static inline void
outbox_clear(struct peer *p)
{
	for (size_t i = 0; i < p->nout; i++)
		remacto__peer__v1__peer_message__free_unpacked(p->out[i], NULL);
	p->nout = 0;
}

/* The first message of kind k in p's outbox, NULL when none. */
static inline const Remacto__Peer__V1__PeerMessage *
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
	struct note_signer auth, a, w;
	char auth_vkey[NOTE_VKEY_MAX + 1], a_vkey[NOTE_VKEY_MAX + 1];
	/* A's second key (a rotation), another member B, a member W2 whose node witnesses. */
	struct note_signer a2, b, w2, w2cosig;
	char a2_vkey[NOTE_VKEY_MAX + 1], b_vkey[NOTE_VKEY_MAX + 1], w2_vkey[NOTE_VKEY_MAX + 1];
	struct store_dir local, remote, other;
	struct fed *fed;
	struct peer_ops ops;
	struct peer p, q;
	char stored_origin[NOTE_NAME_MAX + 1];
	uint64_t stored_size;
	unsigned stored_calls;
	/* A writer that runs nothing until drain(): fed's writes as the daemon's writer thread
	 * would take them, later (fed_again_async). */
	struct {
		fed_run_fn run;
		fed_done_fn done;
		void *job;
	} queued[64];
	size_t nqueued;
};

static char err[1024];

static inline void
signer(struct note_signer *s, char *vkey, const char *name, uint8_t alg, uint8_t fill)
{
	uint8_t seed[32];
	for (size_t i = 0; i < sizeof(seed); i++)
		seed[i] = (uint8_t)(fill + i);
	assert_int_equal(note_signer_from_seed(s, name, alg, seed), 0);
	if (vkey)
		assert_true(note_verifier_format(&s->v, vkey, NOTE_VKEY_MAX + 1) > 0);
}

static inline void
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

static inline void
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

/* n entries of origin's log tagged tag (two tags, two histories) appended to s, signed by k. */
static inline void
build_log_as(struct store *s, const char *origin, const struct note_signer *k, const char *tag,
             unsigned n)
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
		append_json(s, origin, k, js);
	}
}

/* n entries of A's log tagged tag appended to s, with A's first key. */
static inline void
build_log(struct fx *f, struct store *s, const char *tag, unsigned n)
{
	build_log_as(s, ORIGIN_A, &f->a, tag, n);
}

/* n entries of k's log (named as k) tagged tag appended to s. */
static inline void
build_log_of(struct store *s, const struct note_signer *k, const char *tag, unsigned n)
{
	build_log_as(s, k->v.name, k, tag, n);
}

/* The registry of s admits origin with vkey. */
static inline void
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

/* The node under test (its witness key, WITNESS) becomes a member of its own registry: only
 * members cosign, and only the logs they are witnesses of (peers/witset.h); with few members
 * (at most WITSET_MEMBERS besides a log's own), every member witnesses every log. */
static inline void
admit_node_witness(struct fx *f, const char *hcp)
{
	struct note_signer k;
	char vk[NOTE_VKEY_MAX + 1];
	signer(&k, vk, WITNESS, NOTE_ALG_ED25519, 0x21); /* f->w's key, as a log key */
	assert_memory_equal(k.v.pub, f->w.v.pub, 32);
	note_signer_free(&k);
	admit(f, &f->local.s, WITNESS, vk, hcp);
}

/* A store with the authority recorded and A admitted in its registry log. */
static inline void
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

static inline void
on_stored(void *arg, const char *origin, uint64_t size)
{
	struct fx *f = arg;
	snprintf(f->stored_origin, sizeof(f->stored_origin), "%s", origin);
	f->stored_size = size;
	f->stored_calls++;
}

/* A session: a member's (registered) unless its name starts with "mirror". */
static inline void
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

static inline int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	assert_non_null(f);
	signer(&f->auth, f->auth_vkey, REG, NOTE_ALG_ED25519, 0x01);
	signer(&f->a, f->a_vkey, ORIGIN_A, NOTE_ALG_ED25519, 0x11);
	signer(&f->w, NULL, WITNESS, NOTE_ALG_COSIGNATURE_V1, 0x21);
	signer(&f->a2, f->a2_vkey, ORIGIN_A, NOTE_ALG_ED25519, 0x31);
	signer(&f->b, f->b_vkey, ORIGIN_B, NOTE_ALG_ED25519, 0x41);
	signer(&f->w2, f->w2_vkey, ORIGIN_W2, NOTE_ALG_ED25519, 0x51);
	signer(&f->w2cosig, NULL, ORIGIN_W2, NOTE_ALG_COSIGNATURE_V1, 0x51);
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

static inline int
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
	if (f->other.dir[0]) {
		store_close(&f->other.s);
		rm_dir(f->other.dir);
	}
	note_signer_free(&f->auth);
	note_signer_free(&f->a);
	note_signer_free(&f->w);
	note_signer_free(&f->a2);
	note_signer_free(&f->b);
	note_signer_free(&f->w2);
	note_signer_free(&f->w2cosig);
	free(f);
	return 0;
}

/* ---- reading the stores ---- */

/* s's head of origin (size 0 and no note when it holds none); caller frees. */
static inline struct tlog_head *
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

static inline bool
forked(struct store *s, const char *origin)
{
	MDB_txn *txn;
	assert_int_equal(store_read_begin(s, &txn), 0);
	bool fk = evidence_forked(s, txn, origin);
	mdb_txn_abort(txn);
	return fk;
}

/* ---- messages from the peer ---- */

static inline void
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
static inline void
answer_from(struct fx *f, struct store *src, struct peer *p, const Remacto__Peer__V1__GetEntries *g,
            uint32_t count, bool corrupt)
{
	Remacto__Peer__V1__PeerMessage m = REMACTO__PEER__V1__PEER_MESSAGE__INIT;
	Remacto__Peer__V1__Entries e = REMACTO__PEER__V1__ENTRIES__INIT;
	ProtobufCBinaryData items[16], pr[MERKLE_MAX_PROOF];
	uint8_t proof[MERKLE_MAX_PROOF][MERKLE_HASH_LEN], r1[32], r2[32], copies[16][1024];
	struct tlog_head *h = head(src, g->origin);
	MDB_txn *txn;
	size_t np = 0;

	assert_true(count <= 16);
	assert_int_equal(store_read_begin(src, &txn), 0);
	for (uint32_t i = 0; i < count; i++) {
		const uint8_t *d;
		size_t dl;
		assert_int_equal(store_entry_get(src, txn, h->id, g->start + i, &d, &dl), 0);
		assert_true(dl <= sizeof(copies[i]));
		memcpy(copies[i], d, dl);
		if (corrupt)
			copies[i][dl - 1] ^= 0x01;
		items[i].data = copies[i];
		items[i].len = dl;
	}
	if (g->start + count < g->proof_size)
		assert_int_equal(tlog_consistency(src, txn, h, g->start + count, g->proof_size, r1,
		                                  r2, proof, &np),
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

static inline void
answer(struct fx *f, struct peer *p, const Remacto__Peer__V1__GetEntries *g, uint32_t count,
       bool corrupt)
{
	answer_from(f, &f->remote.s, p, g, count, corrupt);
}

/* p announces the remote's checkpoint of A; fed's request for it, checked. */
static inline const Remacto__Peer__V1__GetEntries *
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

/* ---- the registry, the fed under test, more messages ---- */

/* A registry entry (the JSON of its kind, after "schema" and "published") appended to s. */
static inline void
registry_entry(struct fx *f, struct store *s, const char *kind_json)
{
	char js[2048];
	snprintf(js, sizeof(js), "{\"schema\":1,\"published\":\"2024-06-01T09:00:00Z\",%s}",
	         kind_json);
	append_json(s, REG, &f->auth, js);
}

/* A's key becomes a2 from size from on. */
static inline void
rotate_a(struct fx *f, struct store *s, uint64_t from)
{
	char js[1024];
	snprintf(js, sizeof(js),
	         "\"keyRotation\":{\"origin\":\"%s\",\"verifierKey\":\"%s\",\"fromSize\":\"%llu\"}",
	         ORIGIN_A, f->a2_vkey, (unsigned long long)from);
	registry_entry(f, s, js);
}

static inline void
suspend(struct fx *f, struct store *s, const char *origin, uint64_t at, bool lifted)
{
	char js[512];
	snprintf(js, sizeof(js), "\"memberSuspension\":{\"origin\":\"%s\",\"atSize\":\"%llu\"%s}",
	         origin, (unsigned long long)at, lifted ? ",\"lifted\":true" : "");
	registry_entry(f, s, js);
}

/* The other store, opened on first use like the others (authority, A admitted). */
static inline struct store *
other(struct fx *f)
{
	if (!f->other.dir[0])
		open_member_store(f, &f->other);
	return &f->other.s;
}

static inline int queue_write(void *arg, fed_run_fn run, fed_done_fn done, void *job, size_t bytes);

/* Closes the fake sessions and makes a new fed on the local store, the node's own log being
 * own's (NULL: a mirror); its writes wait for drain() when delayed. */
static inline void
fed_again_as(struct fx *f, const struct note_signer *own, bool delayed)
{
	struct peer *ps[2] = { &f->p, &f->q };
	for (int i = 0; i < 2; i++) {
		if (ps[i]->ready)
			f->ops.closed(f->ops.arg, ps[i]);
		ps[i]->ready = false;
		outbox_clear(ps[i]);
	}
	fed_destroy(f->fed);
	struct fed_ctx ctx = {
		.store = &f->local.s,
		.own = own,
		.witness = &f->w,
		.peers_configured = true,
		.stored = on_stored,
		.stored_arg = f,
		.submit = delayed ? queue_write : NULL,
		.submit_arg = f,
	};
	assert_non_null(f->fed = fed_create(&ctx, err, sizeof(err)));
	f->ops = fed_peer_ops(f->fed);
}

static inline void
fed_again(struct fx *f, const struct note_signer *own)
{
	fed_again_as(f, own, false);
}

static inline int
queue_write(void *arg, fed_run_fn run, fed_done_fn done, void *job, size_t bytes)
{
	struct fx *f = arg;
	(void)bytes;
	if (f->nqueued == sizeof(f->queued) / sizeof(f->queued[0]))
		return -EAGAIN;
	f->queued[f->nqueued].run = run;
	f->queued[f->nqueued].done = done;
	f->queued[f->nqueued].job = job;
	f->nqueued++;
	return 0;
}

/* Runs the writes queued so far, each in its own write transaction, then their done
 * callbacks, in order; returns how many. */
static inline size_t
drain(struct fx *f)
{
	size_t n = f->nqueued;
	for (size_t i = 0; i < n; i++) {
		int rc = store_write(&f->local.s, f->queued[i].run, f->queued[i].job);
		f->queued[i].done(f->queued[i].job, rc);
	}
	memmove(f->queued, f->queued + n, (f->nqueued - n) * sizeof(f->queued[0]));
	f->nqueued -= n;
	return n;
}

/* A vector of n checkpoints (origins[i], notes[i] as NUL-terminated text) from p. */
static inline void
send_vector(struct fx *f, struct peer *p, const char *const *origins, const char *const *notes,
            size_t n, bool last)
{
	Remacto__Peer__V1__PeerMessage m = REMACTO__PEER__V1__PEER_MESSAGE__INIT;
	Remacto__Peer__V1__CheckpointVector v = REMACTO__PEER__V1__CHECKPOINT_VECTOR__INIT;
	Remacto__Peer__V1__SignedCheckpoint sc[8], *items[8];
	assert_true(n <= 8);
	for (size_t i = 0; i < n; i++) {
		remacto__peer__v1__signed_checkpoint__init(&sc[i]);
		sc[i].origin = (char *)origins[i];
		sc[i].note.data = (uint8_t *)notes[i];
		sc[i].note.len = strlen(notes[i]);
		items[i] = &sc[i];
	}
	v.checkpoints = items;
	v.n_checkpoints = n;
	v.last = last;
	m.kind_case = REMACTO__PEER__V1__PEER_MESSAGE__KIND_VECTOR;
	m.vector = &v;
	f->ops.message(f->ops.arg, p, &m);
}

/* The request fed sent p for origin's entries, NULL when none. */
static inline const Remacto__Peer__V1__GetEntries *
requested(const struct peer *p, const char *origin)
{
	for (size_t i = 0; i < p->nout; i++)
		if (p->out[i]->kind_case == REMACTO__PEER__V1__PEER_MESSAGE__KIND_GET_ENTRIES &&
		    !strcmp(p->out[i]->get_entries->origin, origin))
			return p->out[i]->get_entries;
	return NULL;
}

/* The size of the checkpoint s serves for origin (the record's note), -1 when none. */
static inline long long
served(struct store *s, const char *origin)
{
	struct tlog_head *h = head(s, origin);
	long long size = -1;
	const char *nl = memchr(h->checkpoint, '\n', h->checkpoint_len);
	if (h->checkpoint_len && nl)
		size = strtoll(nl + 1, NULL, 10);
	free(h);
	return size;
}

/* The note s holds of origin at exactly size (text with signatures, NUL-terminated, in out). */
static inline void
stored_note(struct store *s, const char *origin, uint64_t size, char *out, size_t cap)
{
	struct tlog_head *h = head(s, origin);
	uint8_t key[12];
	MDB_txn *txn;
	MDB_val k = { sizeof(key), key }, v;
	for (int i = 0; i < 4; i++)
		key[i] = (uint8_t)(h->id >> (24 - 8 * i));
	for (int i = 0; i < 8; i++)
		key[4 + i] = (uint8_t)(size >> (56 - 8 * i));
	assert_int_equal(store_read_begin(s, &txn), 0);
	assert_int_equal(mdb_get(txn, s->checkpoints, &k, &v), 0);
	assert_true(v.mv_size < cap);
	memcpy(out, v.mv_data, v.mv_size);
	out[v.mv_size] = '\0';
	mdb_txn_abort(txn);
	free(h);
}

/* note (NUL-terminated) with a cosignature line of c appended, into out. */
static inline void
cosigned(const char *note, const struct note_signer *c, uint64_t when, char *out, size_t cap)
{
	char line[NOTE_NAME_MAX + 160];
	size_t len = strlen(note), tl = 0;
	for (size_t i = 1; i < len && !tl; i++)
		if (note[i] == '\n' && note[i - 1] == '\n')
			tl = i;
	assert_true(tl > 0);
	int ll = note_cosign_line(c, note, tl, when, line, sizeof(line));
	assert_true(ll > 0);
	assert_true(len + (size_t)ll < cap);
	memcpy(out, note, len);
	memcpy(out + len, line, (size_t)ll);
	out[len + (size_t)ll] = '\0';
}

static inline size_t
count_kind(const struct peer *p, Remacto__Peer__V1__PeerMessage__KindCase k)
{
	size_t n = 0;
	for (size_t i = 0; i < p->nout; i++)
		n += p->out[i]->kind_case == k;
	return n;
}

/* A copy of the checkpoint origin's log serves in s (free it). */
static inline char *
note_copy(struct store *s, const char *origin)
{
	struct tlog_head *h = head(s, origin);
	char *n = strndup(h->checkpoint, h->checkpoint_len);
	assert_non_null(n);
	free(h);
	return n;
}

/* One tick of the node under test's fed (its timer). */
static inline void
tick(struct fx *f)
{
	f->ops.tick(f->ops.arg);
}

#endif
