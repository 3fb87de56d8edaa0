/*
 * fed_accept — what a checkpoint from a peer means: its signature against the key the registry
 * gives (and the cosignatures against every member's witness key), then against what the node
 * holds — the same checkpoint (keep its new cosignatures), a bigger one (a candidate to catch
 * up to), an inconsistent one (equivocation: evidence stored and gossiped, the log forked).
 * Checkpoints of logs the registry does not know yet wait in f->pending. See fed.h.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "evidence.h"
#include "fed_impl.h"
#include "registry.h"
#include "witness.h"

/* ---- verifiers ---- */

static int
collect_verifier(const Remacto__Store__MemberRecord *m, void *arg)
{
	struct fed *f = arg;
	char why[160];
	for (size_t i = 0; i < m->n_keys && f->nverifiers + 2 <= MAX_VERIFIERS; i++) {
		struct note_verifier v;
		if (!note_verifier_parse(m->keys[i]->verifier_key, &v, why, sizeof(why)))
			continue;
		f->verifiers[f->nverifiers++] = v;
		/* The same key as a witness: tlog-cosignature, alg 0x04, same name. */
		v.alg = NOTE_ALG_COSIGNATURE_V1;
		v.key_id = note_key_id(v.name, v.alg, v.pub);
		f->verifiers[f->nverifiers++] = v;
	}
	return 0;
}

void
fed_refresh_verifiers(struct fed *f, MDB_txn *txn)
{
	struct note_verifier auth;
	struct tlog_head *h = malloc(sizeof(*h));
	uint64_t size = 0;

	if (!h)
		return;
	if (registry_authority(f->ctx.store, txn, &auth) &&
	    tlog_head(f->ctx.store, txn, auth.name, h) == 0)
		size = h->size;
	free(h);
	if (f->verifiers && size == f->verifiers_registry_size)
		return;
	if (!f->verifiers && !(f->verifiers = calloc(MAX_VERIFIERS, sizeof(*f->verifiers))))
		return;
	f->nverifiers = 0;
	registry_each(f->ctx.store, txn, collect_verifier, f);
	f->verifiers_registry_size = size;
}

/* ---- equivocation ---- */

static void
equivocation(struct fed *f, const char *origin, const char *a, size_t la, const char *b, size_t lb,
             struct peer *from)
{
	struct fed_log *l = fed_find_log(f, origin, true);
	MDB_txn *txn;
	int rc, fresh = 0;

	if ((rc = mdb_txn_begin(f->ctx.store->env, NULL, 0, &txn)) != 0)
		return;
	fresh = evidence_put(f->ctx.store, txn, origin, a, la, b, lb);
	if (fresh < 0 || mdb_txn_commit(txn) != 0) {
		if (fresh < 0)
			mdb_txn_abort(txn);
		return;
	}
	if (l) {
		l->forked = true;
		fed_log_drop(l);
	}
	if (fed_is_own(f, origin)) {
		f->own_forked = true;
		log_err("CRITICAL: two conflicting checkpoints of this node's own log %s are signed "
		        "with its key (a restored backup, or the key used on two machines?); "
		        "publishing is stopped: contact the network authority",
		        origin);
	}
	if (fresh == 1) {
		log_warn("fed: equivocation of %s: evidence stored and gossiped, log marked forked",
		         origin);
		Remacto__Peer__V1__PeerMessage m = REMACTO__PEER__V1__PEER_MESSAGE__INIT;
		Remacto__Peer__V1__Equivocation e = REMACTO__PEER__V1__EQUIVOCATION__INIT;
		e.origin = (char *)origin;
		e.note_a.data = (uint8_t *)a, e.note_a.len = la;
		e.note_b.data = (uint8_t *)b, e.note_b.len = lb;
		m.kind_case = REMACTO__PEER__V1__PEER_MESSAGE__KIND_EQUIVOCATION;
		m.equivocation = &e;
		for (struct fed_peer *fp = f->peers; fp; fp = fp->next)
			if (fp->p != from)
				fed_send_to(fp->p, &m);
	}
}

/* ---- checkpoints ---- */

/* Opens a signed checkpoint of origin: the author's signature must verify with the key the
 * registry gives for its size. 1 when valid (cp, nt filled), 0 to ignore, -1 when forged. */
static int
open_checkpoint(struct fed *f, MDB_txn *txn, const char *origin, const char *note, size_t len,
                struct checkpoint *cp, struct note *nt, struct note_verifier *author)
{
	char why[256];
	size_t tl = fed_note_text_len(note, len);

	if (len > NOTE_MAX_LEN || !tl || !checkpoint_parse(note, tl, cp, why, sizeof(why)) ||
	    strcmp(cp->origin, origin) != 0)
		return -1;
	if (registry_key_for(f->ctx.store, txn, origin, cp->size, author, why, sizeof(why)) != 0) {
		/* Its own log a node recognises by its own key, registry or not: a node restarted
		 * from an empty folder must see what the federation holds of its log before it
		 * publishes again. */
		if (!fed_is_own(f, origin))
			return 0; /* not a member (yet, as far as this node knows), or suspended */
		*author = f->ctx.own->v;
	}
	fed_refresh_verifiers(f, txn);
	/* The author's key first, then every member's witness key. */
	struct note_verifier *vs = malloc((f->nverifiers + 1) * sizeof(*vs));
	if (!vs)
		return 0;
	vs[0] = *author;
	size_t nv = 1;
	for (size_t i = 0; i < f->nverifiers; i++)
		if (f->verifiers[i].alg == NOTE_ALG_COSIGNATURE_V1 ||
		    strcmp(f->verifiers[i].name, author->name) != 0)
			vs[nv++] = f->verifiers[i];
	bool ok = note_open(note, len, vs, nv, nt, why, sizeof(why));
	free(vs);
	if (!ok)
		return -1;
	for (size_t i = 0; i < nt->nsigs; i++)
		if (nt->sigs[i].verified && nt->sigs[i].key_id == author->key_id &&
		    !strcmp(nt->sigs[i].name, author->name) && nt->sigs[i].sig_len == 64)
			return 1;
	return -1; /* only cosignatures: not the author's checkpoint */
}

/* Keeps a checkpoint of a log the registry does not know yet, to look at again when the
 * registry grows: one per origin and peer (the latest), within the peer's own caps
 * (FED_PENDING_*; much lower for an anonymous peer), so that no peer can crowd out the
 * others' or use up memory. */
static void
pending_add(struct fed *f, struct peer *p, const char *origin, const uint8_t *data, size_t len)
{
	struct fed_peer *fp = fed_find_peer(f, p);
	bool anon = !peer_registered(p);
	size_t max_n = anon ? FED_ANON_PENDING_PER_PEER : FED_PENDING_PER_PEER;
	size_t max_bytes = anon ? FED_ANON_PENDING_BYTES : FED_PENDING_BYTES;
	struct pending *pd;
	uint8_t *copy;

	if (!fp || strlen(origin) > NOTE_NAME_MAX)
		return;
	for (pd = f->pending; pd; pd = pd->next)
		if (pd->p == p && !strcmp(pd->origin, origin))
			break;
	size_t old = pd ? pd->len : 0;
	if ((!pd && fp->npending >= max_n) || fp->pending_bytes - old + len > max_bytes) {
		log_debug("fed: %s sent more checkpoints of logs this node does not know than it "
		          "keeps for a peer; %s dropped",
		          peer_name(p), origin);
		return;
	}
	if (!(copy = malloc(len)))
		return;
	memcpy(copy, data, len);
	if (!pd) {
		if (!(pd = calloc(1, sizeof(*pd)))) {
			free(copy);
			return;
		}
		snprintf(pd->origin, sizeof(pd->origin), "%s", origin);
		pd->p = p;
		pd->next = f->pending;
		f->pending = pd;
		fp->npending++;
	}
	free(pd->note);
	pd->note = copy;
	pd->len = len;
	fp->pending_bytes = fp->pending_bytes - old + len;
}

static void
add_holder(struct fed_log *l, struct peer *p, uint64_t size)
{
	for (size_t i = 0; i < l->nholders; i++)
		if (l->holders[i].p == p) {
			if (size > l->holders[i].size)
				l->holders[i].size = size;
			return;
		}
	if (l->nholders < MAX_HOLDERS)
		l->holders[l->nholders++] = (struct holder){ p, size };
}

void
fed_on_checkpoint(struct fed *f, struct peer *p, const char *origin, const uint8_t *data,
                  size_t len)
{
	struct checkpoint cp;
	struct note *nt = malloc(sizeof(*nt));
	struct tlog_head *h = malloc(sizeof(*h));
	struct note_verifier author;
	char vkey[NOTE_VKEY_MAX + 1];
	const char *note = (const char *)data;
	MDB_txn *txn = NULL;
	uint8_t root[32];
	int rc;

	if (!nt || !h || store_read_begin(f->ctx.store, &txn) != 0)
		goto done;
	rc = open_checkpoint(f, txn, origin, note, len, &cp, nt, &author);
	if (rc < 0) {
		mdb_txn_abort(txn), txn = NULL;
		peer_penalise(p, "a checkpoint whose signature does not verify");
		goto done;
	}
	if (rc == 0)
		pending_add(f, p, origin, data, len);
	if (rc == 0 || evidence_forked(f->ctx.store, txn, origin))
		goto done;
	bool held = tlog_head(f->ctx.store, txn, origin, h) == 0;
	uint64_t m = held ? h->size : 0;

	if (held && cp.size <= m && cp.size > 0) {
		struct tlog_head *at = h;
		/* Our root at cp.size: the record's for m, computed for smaller sizes. */
		if (cp.size == m) {
			memcpy(root, h->root, 32);
		} else {
			uint8_t a[32], proof[MERKLE_MAX_PROOF][MERKLE_HASH_LEN];
			size_t np;
			if (tlog_consistency(f->ctx.store, txn, at, cp.size, m, root, a, proof,
			                     &np))
				goto done;
		}
		if (memcmp(root, cp.root, 32) != 0) {
			/* Our signed note, if its size is at least cp.size, proves the other history. */
			char *ours = malloc(h->checkpoint_len + 1);
			size_t ol = h->checkpoint_len;
			if (ours && ol)
				memcpy(ours, h->checkpoint, ol);
			mdb_txn_abort(txn), txn = NULL;
			if (ours && ol)
				equivocation(f, origin, ours, ol, note, len, NULL);
			free(ours);
			goto done;
		}
		if (cp.size == m) {
			/* The same checkpoint: keep the cosignatures it brings. */
			mdb_txn_abort(txn), txn = NULL;
			if (mdb_txn_begin(f->ctx.store->env, NULL, 0, &txn) == 0) {
				if (witness_keep(f->ctx.store, txn, h->id, cp.size, nt) >= 0 &&
				    mdb_txn_commit(txn) == 0)
					txn = NULL;
			}
		}
		goto done;
	}
	if (cp.size <= m)
		goto done;
	/* A bigger tree: fetch what is missing from those who have it. */
	struct fed_log *l = fed_find_log(f, origin, true);
	if (!l)
		goto done;
	add_holder(l, p, cp.size);
	struct cand *same = NULL;
	for (size_t i = 0; i < l->ncands; i++)
		if (l->cands[i].size == cp.size)
			same = &l->cands[i];
	if (same && memcmp(same->root, cp.root, 32) != 0) {
		/* Two signed checkpoints of one size, two roots: no need to fetch anything. */
		char *other = malloc(same->len);
		size_t ol = same->len;
		if (other)
			memcpy(other, same->note, ol);
		mdb_txn_abort(txn), txn = NULL;
		if (other)
			equivocation(f, origin, other, ol, note, len, NULL);
		free(other);
		goto done;
	}
	if (!same) {
		char *copy = malloc(len);
		if (!copy)
			goto done;
		memcpy(copy, note, len);
		/* Keep the biggest few: replace the smallest when full. */
		size_t slot = l->ncands;
		if (slot == MAX_CANDS) {
			slot = 0;
			for (size_t i = 1; i < l->ncands; i++)
				if (l->cands[i].size < l->cands[slot].size)
					slot = i;
			if (l->cands[slot].size > cp.size) {
				free(copy);
				goto holder;
			}
			if (l->target == &l->cands[slot])
				l->target = NULL;
			free(l->cands[slot].note);
		} else {
			l->ncands++;
		}
		struct cand *c = &l->cands[slot];
		c->size = cp.size;
		memcpy(c->root, cp.root, 32);
		c->note = copy;
		c->len = len;
		note_verifier_format(&author, vkey, sizeof(vkey));
		snprintf(c->vkey, sizeof(c->vkey), "%s", vkey);
		if (l->want < m)
			l->want = m;
	}
holder:
	if (fed_is_own(f, origin) && !f->own_behind) {
		f->own_behind = true;
		log_warn("fed: the federation holds %llu entries of this node's own log, it holds "
		         "%llu: publishing waits until it has caught up",
		         (unsigned long long)cp.size, (unsigned long long)m);
	}
done:
	if (txn)
		mdb_txn_abort(txn);
	free(h);
	free(nt);
}

/* ---- equivocation from peers ---- */

void
fed_on_equivocation(struct fed *f, struct peer *p, const Remacto__Peer__V1__Equivocation *e)
{
	struct checkpoint a, b;
	struct note *na = malloc(sizeof(*na)), *nb = malloc(sizeof(*nb));
	struct note_verifier ka, kb;
	MDB_txn *txn = NULL;
	int ra, rb;

	if (!na || !nb || store_read_begin(f->ctx.store, &txn) != 0)
		goto done;
	ra = open_checkpoint(f, txn, e->origin, (const char *)e->note_a.data, e->note_a.len, &a, na,
	                     &ka);
	rb = open_checkpoint(f, txn, e->origin, (const char *)e->note_b.data, e->note_b.len, &b, nb,
	                     &kb);
	mdb_txn_abort(txn), txn = NULL;
	if (ra < 0 || rb < 0) {
		peer_penalise(p, "equivocation evidence with a forged checkpoint");
		goto done;
	}
	/* Only the pair that proves itself: one size, two roots. Other pairs need entries this
	 * node may not hold; it will find them itself when it sees the checkpoints. */
	if (ra == 1 && rb == 1 && a.size == b.size && memcmp(a.root, b.root, 32) != 0)
		equivocation(f, e->origin, (const char *)e->note_a.data, e->note_a.len,
		             (const char *)e->note_b.data, e->note_b.len, p);
done:
	if (txn)
		mdb_txn_abort(txn);
	free(na);
	free(nb);
}
