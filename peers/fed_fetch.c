/*
 * fed_fetch — catching up: for each log with a candidate checkpoint bigger than what the node
 * holds, ask the peers that announced it for the missing entries (FED_BATCH at a time, within
 * a window per peer and per log), check each answer's consistency proof against the signed
 * root, and commit what verifies, in order, in one transaction per chunk. See fed.h.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/entry.h"
#include "core/log.h"
#include "core/tile.h"
#include "fed_impl.h"
#include "witness.h"

void
fed_chunk_free(struct chunk *c)
{
	if (!c)
		return;
	free(c->blob);
	free(c->data);
	free(c->len);
	free(c->proof);
	free(c->leaf);
	free(c);
}

void
fed_req_free(struct fed_req *r)
{
	if (!r)
		return;
	fed_bulk_free(r->bulk);
	free(r);
}

void
fed_log_drop(struct fed_log *l)
{
	while (l->chunks) {
		struct chunk *c = l->chunks;
		l->chunks = c->next;
		fed_chunk_free(c);
	}
	while (l->ncands) {
		l->ncands--;
		free(l->cands[l->ncands].note);
		free(l->cands[l->ncands].cosigs);
	}
	l->target = NULL;
	free(l->border);
	l->border = NULL;
}

void
fed_add_retry(struct fed_log *l, uint64_t start, uint64_t end)
{
	if (start >= end)
		return;
	if (l->nretry == MAX_RETRY) {
		/* Too fragmented: start over from the lowest point. */
		for (size_t i = 0; i < l->nretry; i++)
			if (l->retry[i].start < start)
				start = l->retry[i].start;
		l->nretry = 0;
		if (start < l->want)
			l->want = start;
		return;
	}
	l->retry[l->nretry++] = (struct range){ start, end };
}

/* ---- applying entries ---- */

/* A verified-on-commit chunk on its way to the store: a write (fed_write.c) that owns the chunk
 * and copies of the candidates of exactly its end size, so that its run reads nothing of
 * fed's state. Chunks of a log are handed over in order without waiting for each other: each
 * run appends from what the log holds in its own transaction. */
struct apply_job {
	struct fed_write w; /* first; w.from: the chunk's sender */
	struct fed_log *l;  /* service thread (done) only */
	char origin[NOTE_NAME_MAX + 1];
	struct chunk *c;
	struct cand at[MAX_CANDS];
	size_t nat;
	const struct note_signer *witness; /* NULL for the node's own log: never cosigned */
	bool with_note;
	struct tlog_head head;
};

static void
apply_free(struct apply_job *j)
{
	fed_chunk_free(j->c);
	for (size_t i = 0; i < j->nat; i++) {
		free(j->at[i].note);
		free(j->at[i].cosigs);
	}
	free(j);
}

static int
apply_run(MDB_txn *txn, struct fed_write *w)
{
	struct apply_job *j = (struct apply_job *)w;
	struct store *s = w->f->ctx.store;
	const struct chunk *c = j->c;
	struct tlog_batch b;
	uint8_t root[32];
	char err[256];
	int rc;

	j->with_note = false;
	rc = tlog_create_replica(s, txn, j->origin, c->vkey);
	if (rc != 0 && rc != -EEXIST)
		return rc;
	if ((rc = tlog_batch_begin(&b, s, txn, j->origin)) != 0)
		return rc == MDB_NOTFOUND ? -EADDRINUSE : rc; /* its slug is another log's */
	uint64_t held = b.range.size;
	if (held >= c->start + c->n)
		goto fail; /* held already: nothing to do */
	if (held < c->start) {
		rc = -EAGAIN; /* a gap: a chunk before it did not go in */
		goto fail;
	}
	/* The leaf hashes computed from these very bytes on arrival: not hashed again; the
	 * proof check refuses the chunk (-EBADMSG) if they do not give the signed root. */
	size_t from = held - c->start;
	struct tlog_proof pr = { c->proof_size, { 0 }, (const uint8_t(*)[32])c->proof, c->nproof };
	memcpy(pr.root, c->proof_root, 32);
	if ((rc = tlog_batch_add_proved(
	             &b, txn, (const uint8_t *const *)c->data + from, c->len + from,
	             c->leaf && from >= c->leaf_from
	                     ? (const uint8_t(*)[32])c->leaf + (from - c->leaf_from)
	                     : NULL,
	             c->n - from, &pr, err, sizeof(err))) != 0)
		goto fail;
	tlog_batch_root(&b, root);
	uint64_t e = b.range.size;
	/* Reaching a signed checkpoint: it becomes the log's checkpoint, if the registry, as it
	 * is in this very transaction, still allows it (a rotation or a suspension may have come
	 * since it was judged). Entries proved only against a checkpoint it no longer allows are
	 * not kept: the candidate goes at the next recheck. */
	bool own = fed_is_own(w->f, j->origin);
	if (!own && !fed_key_allowed(w->f, txn, j->origin, c->proof_size, c->vkey)) {
		rc = -ESTALE;
		goto fail;
	}
	const struct cand *at = NULL;
	for (size_t i = 0; i < j->nat; i++)
		if (j->at[i].size == e && !memcmp(root, j->at[i].root, 32))
			at = &j->at[i];
	j->with_note = at != NULL;
	/* The node's own log taken back (a restored backup) is its own history whatever the
	 * registry says of the key that signed it (a retired one: fed_accept.c's take_retired),
	 * and its record keeps the key the node signs its next checkpoints with (ownlog.c signs
	 * the tree again when the note is another key's). */
	rc = tlog_batch_seal_verified(&b, txn, at ? at->note : NULL, at ? at->len : 0,
	                              !at   ? NULL
	                              : own ? b.rec->verifier_key
	                                    : at->vkey,
	                              &j->head);
	if (rc == 0 && at && j->witness) {
		/* Witness it: consistent with everything this node saw of the log. */
		char line[WITNESS_LINE_MAX];
		size_t tl = fed_note_text_len(at->note, at->len);
		uint64_t now = (uint64_t)time(NULL);
		int ll = tl ? note_cosign_line(j->witness, at->note, tl, now, line, sizeof(line))
		            : -1;
		if (ll > 0)
			rc = witness_put(s, txn, b.rec->id, e, j->witness->v.name, now, line,
			                 (size_t)ll);
	}
	/* And the witnesses' cosignatures it came with. */
	if (rc == 0 && at && at->ncosigs)
		rc = witness_keep_cosigs(s, txn, b.rec->id, e, at->cosigs, at->ncosigs) < 0 ? -EIO
		                                                                            : 0;
fail:
	tlog_batch_end(&b);
	return rc;
}

/* Service thread, once the chunk is in the store or not: gossip what reached a signed
 * checkpoint, penalise what did not verify, ask again for what did not go in. */
static void
apply_done(struct fed_write *w, int rc)
{
	struct apply_job *j = (struct apply_job *)w;
	struct fed *f = w->f;
	struct fed_log *l = j->l;
	const struct chunk *c = j->c;

	if (l->applying && --l->applying == 0)
		l->queued_end = 0;
	/* What was queued behind a chunk that did not go in fails as a gap, and the border after
	 * the queue is not the tree's: the next chunks wait until the queue has drained and start
	 * again from what the log holds (a copy of the failed range, asked again, among them). */
	if (rc != 0) {
		l->apply_failed = true;
		free(l->border);
		l->border = NULL;
	}
	if (rc == -EBADMSG) {
		if (w->from)
			peer_penalise(w->from, "entries that do not reproduce the signed root");
		fed_add_retry(l, c->start, c->start + c->n);
	} else if (rc == -EADDRINUSE) {
		if (!l->slug_taken)
			log_warn("fed: %s is not replicated: its slug \"%s\" is served here for "
			         "another log",
			         l->origin, store_slug(l->origin));
		l->slug_taken = true;
		fed_log_drop(l);
	} else if (rc == -ESTALE) {
		/* Its checkpoint is no longer one the registry allows (fed_recheck drops the
		 * candidate), but the entries may well be the member's: asked again against the
		 * next checkpoint the registry allows (the member's under its new key, the same
		 * one once reinstated). Dropped for good, they were a hole nothing filled. */
		fed_add_retry(l, c->start, c->start + c->n);
	} else if (rc != 0) {
		if (rc != -EAGAIN)
			log_warn("fed: cannot store entries of %s: %s%s", l->origin,
			         store_strerror(rc), store_io_hint(rc));
		fed_add_retry(l, c->start, c->start + c->n);
	} else if (j->with_note) {
		MDB_txn *rt;
		if (f->ctx.stored)
			f->ctx.stored(f->ctx.stored_arg, j->head.origin, j->head.size);
		if (store_read_begin(f->ctx.store, &rt) == 0) {
			fed_gossip_head(f, rt, &j->head, NULL);
			mdb_txn_abort(rt);
		}
	}
	apply_free(j);
}

/* Hands l's chunks that follow what it holds (or what is already on its way) to the store, in
 * order; stops at a gap, which a later answer or a retry fills. */
/* The border of the tree the log holds, as stored: empty when the node holds none of it. */
static int
load_border(struct fed *f, struct fed_log *l)
{
	struct tlog_batch b;
	MDB_txn *txn;
	int rc;

	if (!l->border && !(l->border = malloc(sizeof(*l->border))))
		return -ENOMEM;
	if ((rc = store_read_begin(f->ctx.store, &txn)) != 0)
		goto fail;
	rc = tlog_batch_begin(&b, f->ctx.store, txn, l->origin);
	if (rc == 0) {
		*l->border = b.range;
		tlog_batch_end(&b);
	} else if (rc == MDB_NOTFOUND) {
		merkle_range_init(l->border);
		rc = 0;
	}
	mdb_txn_abort(txn);
	if (rc == 0)
		return 0;
fail:
	free(l->border);
	l->border = NULL;
	return rc;
}

/* Whether c's entries, appended to the tree whose border is r (r->size within c), reproduce the
 * root its proof is against; r then advances to c's end. What the writer commits later is
 * checked again in its transaction; this is what lets the sender be penalised while it is
 * still connected, and keeps data that fails from ever reaching the store. */
static bool
chunk_verifies(struct merkle_range *r, struct chunk *c)
{
	struct merkle_range *t = malloc(sizeof(*t));
	uint8_t one[MERKLE_HASH_LEN], root[MERKLE_HASH_LEN];
	bool ok = false;

	if (!t)
		return false;
	*t = *r;
	/* The leaf hashes are kept for the writer (without memory for them, it hashes again). */
	free(c->leaf);
	c->leaf_from = (size_t)(t->size - c->start);
	c->leaf = malloc((c->n - c->leaf_from) * MERKLE_HASH_LEN + 1);
	for (size_t i = c->leaf_from; i < c->n; i++) {
		uint8_t *leaf = c->leaf ? c->leaf[i - c->leaf_from] : one;
		merkle_leaf_hash(c->data[i], c->len[i], leaf);
		if (merkle_range_append(t, leaf, NULL, NULL) != 0)
			goto done;
	}
	merkle_range_root(t, root);
	if (t->size == c->proof_size)
		ok = c->nproof == 0 && !memcmp(root, c->proof_root, 32);
	else
		ok = merkle_verify_consistency(t->size, c->proof_size, root, c->proof_root,
		                               (const uint8_t(*)[32])c->proof, c->nproof);
	if (ok)
		*r = *t;
done:
	free(t);
	return ok;
}

void
fed_apply_chunks(struct fed *f, struct fed_log *l)
{
	uint64_t base = l->queued_end;

	if (!l->applying) {
		if (load_border(f, l) != 0)
			return;
		base = l->border->size;
	} else if (!l->border) {
		return; /* after a failure: once the queue has drained */
	}
	l->apply_failed = false;
	while (l->chunks && !l->forked && !l->slug_taken && !l->apply_failed) {
		struct chunk *c = l->chunks;
		if (c->start + c->n <= base) {
			l->chunks = c->next;
			fed_chunk_free(c);
			continue;
		}
		if (c->start > base)
			break;
		struct apply_job *j = calloc(1, sizeof(*j));
		if (!j)
			break;
		if (!chunk_verifies(l->border, c)) {
			free(j);
			l->chunks = c->next;
			if (c->from && c->bulk)
				peer_get_refused(c->from, "entry bundles that do not reproduce the "
				                          "signed root");
			else if (c->from)
				peer_penalise(c->from,
				              "entries that do not reproduce the signed root");
			fed_add_retry(l, c->start, c->start + c->n);
			fed_chunk_free(c);
			continue;
		}
		l->chunks = c->next;
		c->next = NULL;
		j->l = l;
		j->c = c;
		snprintf(j->origin, sizeof(j->origin), "%s", l->origin);
		j->witness = fed_cosigns(f, l->origin) ? f->ctx.witness : NULL;
		size_t bytes = sizeof(*j);
		for (size_t i = 0; i < l->ncands && j->nat < MAX_CANDS; i++) {
			const struct cand *k = &l->cands[i];
			struct cand *d = &j->at[j->nat];
			if (k->size != c->start + c->n)
				continue;
			*d = *k;
			d->note = malloc(k->len ? k->len : 1);
			d->cosigs = k->ncosigs ? malloc(k->ncosigs * sizeof(*k->cosigs)) : NULL;
			if (!d->note || (k->ncosigs && !d->cosigs)) {
				free(d->note);
				free(d->cosigs);
				continue;
			}
			memcpy(d->note, k->note, k->len);
			if (k->ncosigs)
				memcpy(d->cosigs, k->cosigs, k->ncosigs * sizeof(*k->cosigs));
			bytes += k->len + k->ncosigs * sizeof(*k->cosigs);
			j->nat++;
		}
		for (size_t i = 0; i < c->n; i++)
			bytes += c->len[i];
		if (c->leaf)
			bytes += (c->n - c->leaf_from) * MERKLE_HASH_LEN;
		j->w.from = c->from;
		j->w.run = apply_run;
		j->w.done = apply_done;
		base = c->start + c->n;
		l->queued_end = base;
		l->applying++;
		fed_write_submit(f, &j->w, bytes);
	}
}

static struct fed_req *
take_request(struct fed *f, struct peer *p, uint64_t id)
{
	for (struct fed_req **pp = &f->reqs; *pp; pp = &(*pp)->next)
		if ((*pp)->id == id && (*pp)->p == p) {
			struct fed_req *r = *pp;
			*pp = r->next;
			return r;
		}
	return NULL;
}

void
fed_request_done(struct fed *f, struct fed_req *r)
{
	struct fed_peer *fp = fed_find_peer(f, r->p);
	if (fp && fp->inflight)
		fp->inflight--;
	if (r->log->inflight)
		r->log->inflight--;
	fed_req_free(r);
}

void
fed_chunk_take(struct fed_log *l, struct peer *p, const struct fed_req *r, uint64_t start, size_t n,
               const uint8_t *const *data, const size_t *len, const uint8_t (*proof)[32],
               size_t nproof, bool bulk)
{
	struct chunk *c;

	if (l->forked || !(c = calloc(1, sizeof(*c))))
		return;
	c->start = start;
	c->n = n;
	/* One allocation for the entries' bytes, not one per entry: a catch-up copies a million
	 * entries through here. The sum is bounded by the frame or body caps. */
	size_t total = 0;
	for (size_t i = 0; i < n; i++)
		total += len[i];
	c->data = calloc(n, sizeof(*c->data));
	c->len = calloc(n, sizeof(*c->len));
	c->blob = malloc(total ? total : 1);
	c->proof = malloc((nproof ? nproof : 1) * 32);
	if (!c->data || !c->len || !c->blob || !c->proof) {
		fed_chunk_free(c);
		return;
	}
	for (size_t i = 0, off = 0; i < n; off += len[i], i++) {
		c->data[i] = c->blob + off;
		memcpy(c->data[i], data[i], len[i]);
		c->len[i] = len[i];
	}
	if (nproof)
		memcpy(c->proof, proof, nproof * 32);
	c->nproof = nproof;
	c->proof_size = r->proof_size;
	memcpy(c->proof_root, r->proof_root, 32);
	memcpy(c->vkey, r->vkey, sizeof(c->vkey));
	c->from = p;
	c->bulk = bulk;
	/* Keep chunks in start order. */
	struct chunk **pp = &l->chunks;
	while (*pp && (*pp)->start < c->start)
		pp = &(*pp)->next;
	c->next = *pp;
	*pp = c;
}

void
fed_on_entries(struct fed *f, struct peer *p, const Remacto__Peer__V1__Entries *e)
{
	struct fed_req *r = take_request(f, p, e->request_id);

	if (!r) {
		struct fed_peer *fp = fed_find_peer(f, p);
		if (fp && fp->expired) {
			fp->expired--; /* the answer to a request that expired: the range went elsewhere */
			return;
		}
		peer_penalise(p, "entries nobody asked for");
		return;
	}
	struct fed_log *l = r->log;
	/* A bulk request asked the session for the range's last entry only. */
	uint64_t asked = r->bulk ? r->start + r->count - 1 : r->start;
	uint32_t count = r->bulk ? 1 : r->count;
	if (strcmp(e->origin, l->origin) || e->start != asked || e->n_entries == 0 ||
	    e->n_entries > count || e->n_proof > MERKLE_MAX_PROOF) {
		fed_add_retry(l, r->start, r->start + r->count);
		fed_request_done(f, r);
		peer_penalise(p, "an answer that does not match its request");
		return;
	}
	for (size_t i = 0; i < e->n_entries; i++)
		if (e->entries[i].len == 0 || e->entries[i].len > ENTRY_MAX_LEN) {
			fed_add_retry(l, r->start, r->start + r->count);
			fed_request_done(f, r);
			peer_penalise(p, "an entry over 64 KiB or empty");
			return;
		}
	for (size_t i = 0; i < e->n_proof; i++)
		if (e->proof[i].len != 32) {
			fed_add_retry(l, r->start, r->start + r->count);
			fed_request_done(f, r);
			peer_penalise(p, "a proof hash that is not 32 bytes");
			return;
		}
	if (r->bulk) {
		fed_bulk_answered(f, r, e);
		return;
	}
	if (e->n_entries < r->count)
		fed_add_retry(l, r->start + e->n_entries, r->start + r->count);
	const uint8_t *data[FED_BATCH];
	size_t len[FED_BATCH];
	uint8_t(*proof)[32] = malloc((e->n_proof ? e->n_proof : 1) * 32);
	for (size_t i = 0; i < e->n_entries; i++) {
		data[i] = e->entries[i].data;
		len[i] = e->entries[i].len;
	}
	if (proof) {
		for (size_t i = 0; i < e->n_proof; i++)
			memcpy(proof[i], e->proof[i].data, 32);
		fed_chunk_take(l, p, r, e->start, e->n_entries, data, len,
		               (const uint8_t(*)[32])proof, e->n_proof, false);
		free(proof);
	}
	fed_request_done(f, r);
	fed_apply_chunks(f, l);
}

static struct peer *
pick_holder(struct fed *f, struct fed_log *l, uint64_t need, struct fed_peer **out)
{
	struct fed_peer *best = NULL;
	for (size_t i = 0; i < l->nholders; i++) {
		if (l->holders[i].size < need)
			continue;
		struct fed_peer *fp = fed_find_peer(f, l->holders[i].p);
		/* The registry's log may use two requests beyond the window: other logs' catch-up
		 * never keeps it waiting. */
		unsigned window = FED_WINDOW + (l->registry ? 2 : 0);
		if (!fp || fp->inflight >= window || peer_queued(fp->p) > (1u << 20))
			continue;
		if (!best || fp->inflight < best->inflight)
			best = fp;
	}
	*out = best;
	return best ? best->p : NULL;
}

static void
request(struct fed *f, struct fed_log *l, const struct cand *t, uint64_t start, uint64_t end)
{
	Remacto__Peer__V1__PeerMessage m = REMACTO__PEER__V1__PEER_MESSAGE__INIT;
	Remacto__Peer__V1__GetEntries g = REMACTO__PEER__V1__GET_ENTRIES__INIT;
	struct fed_peer *fp;
	struct peer *p = pick_holder(f, l, t->size, &fp);
	struct fed_req *r;

	if (!p || !(r = calloc(1, sizeof(*r)))) {
		fed_add_retry(l, start, end);
		return;
	}
	r->id = f->next_id++;
	r->p = p;
	r->log = l;
	r->start = start;
	r->count = (uint32_t)(end - start);
	r->proof_size = t->size;
	memcpy(r->proof_root, t->root, 32);
	memcpy(r->vkey, t->vkey, sizeof(r->vkey));
	r->sent = time(NULL);
	r->next = f->reqs;
	f->reqs = r;
	fp->inflight++;
	l->inflight++;
	bool bulk = end - start >= FED_BULK_MIN && fed_bulk_start(f, r);
	g.request_id = r->id;
	g.origin = l->origin;
	g.start = bulk ? end - 1 : start;
	g.count = bulk ? 1 : r->count;
	g.proof_size = r->proof_size;
	m.kind_case = REMACTO__PEER__V1__PEER_MESSAGE__KIND_GET_ENTRIES;
	m.get_entries = &g;
	fed_send_to(p, &m);
}

/* A candidate the log has reached goes; the cosignatures it gathered are kept first (a copy of
 * it that came after its entries were handed to the writer brought them to the candidate, not
 * to the job), and passed on when new, as gossip's are. */
static void
keep_cosigs(struct fed *f, struct fed_log *l, const struct cand *k)
{
	struct tlog_head *h;
	struct witness_cosig *cs;
	MDB_txn *txn;
	int rc = -1;

	if (!k->ncosigs || !(h = malloc(sizeof(*h))))
		return;
	if (store_read_begin(f->ctx.store, &txn) == 0) {
		rc = tlog_head(f->ctx.store, txn, l->origin, h);
		mdb_txn_abort(txn);
	}
	if (rc == 0 && (cs = malloc(k->ncosigs * sizeof(*cs)))) {
		memcpy(cs, k->cosigs, k->ncosigs * sizeof(*cs));
		fed_write_keep(f, NULL, h, k->size, cs, k->ncosigs, k->note, k->len, NULL, false);
	}
	free(h);
}

/* Forgets candidates the node has reached, and picks the biggest one a live peer can serve. */
static struct cand *
choose_target(struct fed *f, struct fed_log *l, uint64_t held)
{
	struct cand *best = NULL;
	for (size_t i = 0; i < l->ncands;) {
		if (l->cands[i].size <= held) {
			keep_cosigs(f, l, &l->cands[i]);
			free(l->cands[i].note);
			free(l->cands[i].cosigs);
			l->cands[i] = l->cands[--l->ncands];
			continue;
		}
		for (size_t h = 0; h < l->nholders; h++)
			if (l->holders[h].size >= l->cands[i].size &&
			    fed_find_peer(f, l->holders[h].p) &&
			    (!best || l->cands[i].size > best->size))
				best = &l->cands[i];
		i++;
	}
	l->target = best;
	return best;
}

/* With nothing on its way (no request in flight, no chunk with the writer), the entries from
 * what the log holds up to the first chunk waiting (or to want) are asked again: they were asked
 * for a candidate that went since (a rotation or a suspension), or their answer was refused, and
 * nothing else would ever ask for them again; the chunks after them would wait for good. */
static void
reclaim_gap(struct fed_log *l, uint64_t held)
{
	if (l->inflight || l->applying || l->want <= held)
		return;
	uint64_t end = l->chunks && l->chunks->start < l->want ? l->chunks->start : l->want;
	if (end <= held)
		return; /* the first chunk follows what is held: fed_apply_chunks takes it */
	for (size_t i = 0; i < l->nretry; i++)
		if (l->retry[i].start <= held && l->retry[i].end > held)
			return;
	fed_add_retry(l, held, end);
}

/* The end of a request from start: at most FED_BATCH entries, ending on an entry bundle's
 * boundary (so that the bundles fetched over HTTP are whole ones), and at most limit. */
static uint64_t
batch_end(uint64_t start, uint64_t limit)
{
	uint64_t end = start - start % TILE_WIDTH + FED_BATCH;
	return end < limit ? end : limit;
}

void
fed_schedule(struct fed *f, struct fed_log *l, uint64_t held)
{
	struct fed_peer *fp;
	struct cand *t = choose_target(f, l, held);

	if (!t)
		return;
	if (l->want < held)
		l->want = held;
	reclaim_gap(l, held);
	/* Chunks on their way to the store count in the window: memory, not requests, is what it
	 * bounds. */
	while (!l->forked && l->inflight + l->applying < LOG_WINDOW &&
	       pick_holder(f, l, t->size, &fp)) {
		uint64_t start, end;
		size_t i;
		/* Missing ranges first, those this target covers. */
		for (i = 0; i < l->nretry && l->retry[i].start >= t->size; i++)
			;
		if (i < l->nretry) {
			struct range r = l->retry[i];
			l->retry[i] = l->retry[--l->nretry];
			if (r.end <= held)
				continue;
			start = r.start < held ? held : r.start;
			end = batch_end(start, r.end > t->size ? t->size : r.end);
			fed_add_retry(l, end, r.end);
		} else if (l->want < t->size) {
			start = l->want;
			end = batch_end(start, t->size);
			l->want = end;
		} else {
			break;
		}
		request(f, l, t, start, end);
	}
}
