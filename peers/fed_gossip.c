/*
 * fed_gossip — what fed tells peers of its own accord or on request: the checkpoint vector of a
 * new session, every stored checkpoint pushed to every ready peer, and the entries (with their
 * consistency proof) a peer asks for. See fed.h.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/be.h"
#include "core/log.h"
#include "fed_impl.h"
#include "registry.h"
#include "witness.h"

bool
fed_cosigns(struct fed *f, const char *origin)
{
	MDB_txn *txn;
	if (fed_is_own(f, origin))
		return false;
	/* Refreshed when the registry moved (a read transaction and a record; the members are
	 * walked only when its size changed). Not computed yet (no registry, a store that cannot
	 * be read): the node cosigns, as every node did before the sets. */
	if (store_read_begin(f->ctx.store, &txn) == 0) {
		witset_refresh(&f->witset, f->ctx.store, txn, fed_registry_size(f, txn));
		mdb_txn_abort(txn);
	}
	const char *self = f->ctx.witness->v.name;
	/* A member's node whose registry does not list it yet (a first catch-up: the registry's
	 * own checkpoints arrive before the entry that admits the node) cannot tell which logs it
	 * witnesses: it cosigns, as before the sets. A mirror (no log of its own) never does. */
	if (f->ctx.own && !witset_knows(&f->witset, self))
		return true;
	return witset_cosigns(&f->witset, self, origin);
}

void
fed_send_to(struct peer *p, Remacto__Peer__V1__PeerMessage *m)
{
	int rc = peer_send(p, m);
	if (rc != 0 && rc != -EPIPE)
		log_debug("fed: cannot queue a message to %s: %s", peer_name(p), strerror(-rc));
}

/* The note a log serves with every cosignature held for its size (which may be below the
 * tree's: a catch-up in steps, a checkpoint the registry no longer allows), into buf. */
static int
full_note(struct fed *f, MDB_txn *txn, const struct tlog_head *h, char *buf, size_t cap)
{
	return witness_note(f->ctx.store, txn, h->id,
	                    fed_note_size(h->checkpoint, h->checkpoint_len), h->checkpoint,
	                    h->checkpoint_len, buf, cap);
}

char *
fed_drop_known_cosigs(struct fed *f, MDB_txn *txn, const char *origin, const char *note, size_t len,
                      size_t *out_len)
{
	Remacto__Store__LogRecord *rec = NULL;
	uint64_t size = fed_note_size(note, len);
	char *out = NULL;

	if (len > NOTE_MAX_LEN || store_log_get(f->ctx.store, txn, origin, &rec) != 0 ||
	    !(out = malloc(len ? len : 1)) ||
	    witness_drop_known(f->ctx.store, txn, rec->id, size, note, len, out, len, out_len) <=
	            0) {
		free(out);
		out = NULL;
	}
	remacto__store__log_record__free_unpacked(rec, NULL);
	return out;
}

void
fed_gossip_note(struct fed *f, MDB_txn *txn, const char *origin, uint32_t id, uint64_t size,
                const char *note, size_t nlen, struct peer *except)
{
	Remacto__Peer__V1__PeerMessage m = REMACTO__PEER__V1__PEER_MESSAGE__INIT;
	Remacto__Peer__V1__SignedCheckpoint sc = REMACTO__PEER__V1__SIGNED_CHECKPOINT__INIT;
	char *buf = malloc(NOTE_MAX_LEN);
	int len;

	if (!buf || !nlen ||
	    (len = witness_note(f->ctx.store, txn, id, size, note, nlen, buf, NOTE_MAX_LEN)) < 0) {
		free(buf);
		return;
	}
	sc.origin = (char *)origin;
	sc.note.data = (uint8_t *)buf, sc.note.len = (size_t)len;
	m.kind_case = REMACTO__PEER__V1__PEER_MESSAGE__KIND_CHECKPOINT;
	m.checkpoint = &sc;
	for (struct fed_peer *fp = f->peers; fp; fp = fp->next)
		if (fp->p != except)
			fed_send_to(fp->p, &m);
	free(buf);
}

void
fed_gossip_head(struct fed *f, MDB_txn *txn, const struct tlog_head *h, struct peer *except)
{
	if (h->checkpoint_len)
		fed_gossip_note(f, txn, h->origin, h->id,
		                fed_note_size(h->checkpoint, h->checkpoint_len), h->checkpoint,
		                h->checkpoint_len, except);
}

struct vector_ctx {
	struct fed *f;
	struct peer *p;
	MDB_txn *txn;
	const char *skip;
	Remacto__Peer__V1__SignedCheckpoint **items;
	size_t n, cap, bytes;
};

static void
flush_vector(struct vector_ctx *v, bool last)
{
	Remacto__Peer__V1__PeerMessage m = REMACTO__PEER__V1__PEER_MESSAGE__INIT;
	Remacto__Peer__V1__CheckpointVector cv = REMACTO__PEER__V1__CHECKPOINT_VECTOR__INIT;
	cv.checkpoints = v->items;
	cv.n_checkpoints = v->n;
	cv.last = last;
	m.kind_case = REMACTO__PEER__V1__PEER_MESSAGE__KIND_VECTOR;
	m.vector = &cv;
	fed_send_to(v->p, &m);
	for (size_t i = 0; i < v->n; i++) {
		free(v->items[i]->origin);
		free(v->items[i]->note.data);
		free(v->items[i]);
	}
	v->n = 0;
	v->bytes = 0;
}

/* Adds origin's note (malloc'd; owned from here on, freed if it cannot go) to the vector, and
 * sends a frame when it is big enough. */
static void
vector_push(struct vector_ctx *v, const char *origin, char *note, size_t len)
{
	Remacto__Peer__V1__SignedCheckpoint *sc;

	if (v->n == v->cap) {
		size_t ncap = v->cap ? v->cap * 2 : 64;
		void *ni = realloc(v->items, ncap * sizeof(*v->items));
		if (!ni)
			goto fail;
		v->items = ni, v->cap = ncap;
	}
	if (!(sc = malloc(sizeof(*sc))))
		goto fail;
	remacto__peer__v1__signed_checkpoint__init(sc);
	if (!(sc->origin = strdup(origin))) {
		free(sc);
		goto fail;
	}
	sc->note.data = (uint8_t *)note, sc->note.len = len;
	v->items[v->n++] = sc;
	v->bytes += len + strlen(origin) + 8;
	if (v->bytes > VECTOR_FRAME_BYTES)
		flush_vector(v, false);
	return;
fail:
	free(note);
}

static int
vector_item(const Remacto__Store__LogRecord *rec, void *arg)
{
	struct vector_ctx *v = arg;
	struct tlog_head *h = malloc(sizeof(*h));
	char *buf = malloc(NOTE_MAX_LEN);
	int len;

	if (!h || !buf || tlog_head(v->f->ctx.store, v->txn, rec->origin, h) != 0 ||
	    h->checkpoint_len == 0)
		goto done;
	/* The registry's goes first (fed_send_vector). */
	if (v->skip && !strcmp(rec->origin, v->skip))
		goto done;
	if ((len = full_note(v->f, v->txn, h, buf, NOTE_MAX_LEN)) < 0)
		goto done;
	vector_push(v, rec->origin, buf, (size_t)len);
	buf = NULL;
done:
	free(buf);
	free(h);
	return 0;
}

/* A log's own node gets, in the vector right after the registry's checkpoint (judged against
 * the registry the vector brings, and before the last frame: a node restored from a backup
 * counts this peer's statement once the vector is in, fed_may_publish), the checkpoint of its
 * log this node holds entries up to, when that is past the checkpoint it serves:
 * - catching up in steps, the smallest candidate that covers the tree: the entries it holds
 *   were verified against one of them; one it holds nothing of (a checkpoint nobody could
 *   serve, signed with a stolen key) is not passed on, or it would keep the member from
 *   publishing for as long as this node runs;
 * - with the tree whole, the note stored at its size: it serves less because the registry no
 *   longer allows it (its key retired by a rotation that came late); the member's node,
 *   restored from a backup, takes those entries back (fed_accept.c's take_retired). */
static void
author_item(struct vector_ctx *v)
{
	const struct cand *best = NULL;
	struct tlog_head *h = malloc(sizeof(*h));
	struct fed_log *l = fed_find_log(v->f, peer_name(v->p), false);
	const void *note = NULL;
	char *copy;
	size_t len = 0;

	if (!h || !peer_registered(v->p) || (l && l->forked) ||
	    tlog_head(v->f->ctx.store, v->txn, peer_name(v->p), h) != 0 ||
	    h->size <= fed_served_size(h))
		goto done;
	for (size_t i = 0; l && i < l->ncands; i++)
		if (l->cands[i].size >= h->size && (!best || l->cands[i].size < best->size))
			best = &l->cands[i];
	if (best) {
		note = best->note, len = best->len;
	} else {
		uint8_t key[12];
		MDB_val k = { sizeof(key), key }, d;
		put_be32(key, h->id);
		put_be64(key + 4, h->size);
		if (mdb_get(v->txn, v->f->ctx.store->checkpoints, &k, &d) != 0)
			goto done;
		note = d.mv_data, len = d.mv_size;
	}
	if (len && (copy = malloc(len))) {
		memcpy(copy, note, len);
		vector_push(v, h->origin, copy, len);
	}
done:
	free(h);
}

void
fed_send_vector(struct fed *f, struct peer *p)
{
	struct vector_ctx v = { f, p, NULL, NULL, NULL, 0, 0, 0 };
	Remacto__Store__LogRecord *reg = NULL;
	struct note_verifier auth;
	if (store_read_begin(f->ctx.store, &v.txn) != 0)
		return;
	/* The registry first: a peer judges every other checkpoint against it, so its trouble
	 * with any other log never keeps the registry from it. */
	if (registry_authority(f->ctx.store, v.txn, &auth) &&
	    store_log_get(f->ctx.store, v.txn, auth.name, &reg) == 0) {
		vector_item(reg, &v);
		v.skip = auth.name;
	}
	remacto__store__log_record__free_unpacked(reg, NULL);
	author_item(&v);
	store_log_each(f->ctx.store, v.txn, vector_item, &v);
	mdb_txn_abort(v.txn);
	/* Always a last frame, even empty: it tells the peer we said all we hold. */
	flush_vector(&v, true);
	free(v.items);
}

/* ---- serving entries ---- */

/* An answer to p's request, counted by the transport while it waits (peer_may_answer); one
 * that does not fit p's budget is dropped, and p asks again or elsewhere. */
static void
answer_to(struct peer *p, Remacto__Peer__V1__PeerMessage *m)
{
	int rc = peer_answer(p, m);
	if (rc != 0 && rc != -EPIPE)
		log_debug("fed: cannot queue an answer to %s: %s", peer_name(p), strerror(-rc));
}

void
fed_on_get_entries(struct fed *f, struct peer *p, const Remacto__Peer__V1__GetEntries *g)
{
	Remacto__Peer__V1__PeerMessage m = REMACTO__PEER__V1__PEER_MESSAGE__INIT;
	Remacto__Peer__V1__Entries e = REMACTO__PEER__V1__ENTRIES__INIT;
	struct tlog_head *h = malloc(sizeof(*h));
	uint8_t proof[MERKLE_MAX_PROOF][MERKLE_HASH_LEN], r1[32], r2[32];
	ProtobufCBinaryData *items = NULL, pr[MERKLE_MAX_PROOF];
	MDB_txn *txn = NULL;
	size_t n = 0, bytes = 0, np = 0;

	if (!h)
		return;
	if (g->count == 0 || g->count > FED_BATCH || g->proof_size < g->start + g->count ||
	    g->start + g->count < g->start) {
		peer_penalise(p, "a malformed entries request");
		goto done;
	}
	if (!peer_may_answer(p)) {
		/* Too many of its answers wait unread (transport.h): no work until it reads. */
		log_info("fed: %s asks again before reading its answers; request dropped",
		         peer_name(p));
		goto done;
	}
	if (store_read_begin(f->ctx.store, &txn) != 0)
		goto done;
	if (tlog_head(f->ctx.store, txn, g->origin, h) != 0 || g->proof_size > h->size) {
		Remacto__Peer__V1__Error er = REMACTO__PEER__V1__ERROR__INIT;
		er.reason = "entries beyond what this node holds";
		m.kind_case = REMACTO__PEER__V1__PEER_MESSAGE__KIND_ERROR;
		m.error = &er;
		answer_to(p, &m);
		goto done;
	}
	if (!(items = calloc(g->count, sizeof(*items))))
		goto done;
	for (; n < g->count; n++) {
		const uint8_t *d;
		size_t dl;
		if (store_entry_get(f->ctx.store, txn, h->id, g->start + n, &d, &dl) != 0)
			break;
		if (n > 0 && bytes + dl > ENTRIES_FRAME_BYTES)
			break;
		/* Points into the map: valid while txn is open, which it is until sent. */
		items[n].data = (uint8_t *)d;
		items[n].len = dl;
		bytes += dl + 4;
	}
	if (n == 0)
		goto done;
	if (g->start + n < g->proof_size &&
	    tlog_consistency(f->ctx.store, txn, h, g->start + n, g->proof_size, r1, r2, proof, &np))
		goto done;
	for (size_t i = 0; i < np; i++)
		pr[i].data = proof[i], pr[i].len = 32;
	e.request_id = g->request_id;
	e.origin = g->origin;
	e.start = g->start;
	e.entries = items;
	e.n_entries = n;
	e.proof = pr;
	e.n_proof = np;
	m.kind_case = REMACTO__PEER__V1__PEER_MESSAGE__KIND_ENTRIES;
	m.entries = &e;
	answer_to(p, &m);
done:
	if (txn)
		mdb_txn_abort(txn);
	free(items);
	free(h);
}
