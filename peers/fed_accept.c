/*
 * fed_accept — what a checkpoint from a peer leads to, once fed_judge.c said what it is worth:
 * a forgery penalises its sender; one that waits for the registry goes to f->pending; one the
 * registry refuses for now (a suspension) is set aside for its log; one signed by a retired key
 * is set aside too (evidence when it contradicts what the node holds, answered since the key
 * is retired); a valid one is compared with what the node holds — the same history (keep its
 * cosignatures and pass on the new ones; serve it when it is newer than the checkpoint the log
 * serves), a bigger tree (a candidate to catch up to), or another history (equivocation:
 * evidence stored and gossiped, the log forked). One checkpoint never decides the fate of
 * another, of another log, or of the session. See fed.h.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/be.h"
#include "core/log.h"
#include "evidence.h"
#include "fed_impl.h"
#include "registry.h"
#include "witness.h"

/* ---- equivocation ---- */

/* Evidence (answered when keys_then > 0), through the writes of fed_write.c. */
static void
equivocation(struct fed *f, const char *origin, const char *a, size_t la, const char *b, size_t lb,
             struct peer *from, uint32_t keys_then)
{
	fed_write_evidence(f, origin, a, la, b, lb, from, keys_then);
}

/* ---- what the node holds ---- */

/* A copy of the smallest note the node stored of log id with a size in [from, to]: what proves
 * the history it holds against another note of size `from`. NULL when none. */
static char *
stored_note_from(struct fed *f, MDB_txn *txn, uint32_t id, uint64_t from, uint64_t to, size_t *len)
{
	uint8_t key[12];
	MDB_cursor *c;
	MDB_val k = { sizeof(key), key }, v;
	char *out = NULL;

	put_be32(key, id);
	put_be64(key + 4, from);
	if (mdb_cursor_open(txn, f->ctx.store->checkpoints, &c) != 0)
		return NULL;
	if (mdb_cursor_get(c, &k, &v, MDB_SET_RANGE) == 0 && k.mv_size == 12 &&
	    get_be32(k.mv_data) == id && get_be64((const uint8_t *)k.mv_data + 4) <= to &&
	    (out = malloc(v.mv_size ? v.mv_size : 1))) {
		memcpy(out, v.mv_data, v.mv_size);
		*len = v.mv_size;
	}
	mdb_cursor_close(c);
	return out;
}

/* The root of the tree the node holds (h, size m) at size n <= m; false when it cannot say. */
static bool
held_root(struct fed *f, MDB_txn *txn, const struct tlog_head *h, uint64_t n, uint8_t root[32])
{
	uint8_t a[32], proof[MERKLE_MAX_PROOF][MERKLE_HASH_LEN];
	size_t np;
	if (n == h->size) {
		memcpy(root, h->root, 32);
		return true;
	}
	return tlog_consistency(f->ctx.store, txn, h, n, h->size, root, a, proof, &np) == 0;
}

/* The checkpoint of size n, with a root other than the one the node holds at n, contradicts
 * it: the evidence pairs it with the note the node holds that proves its own history. */
static void
contradicts(struct fed *f, MDB_txn **txn, const struct tlog_head *h, const char *note, size_t len,
            uint64_t n, uint32_t keys_then)
{
	size_t ol = 0;
	char *ours = stored_note_from(f, *txn, h->id, n, h->size, &ol);
	if (!ours && h->checkpoint_len && (ours = malloc(h->checkpoint_len))) {
		memcpy(ours, h->checkpoint, h->checkpoint_len);
		ol = h->checkpoint_len;
	}
	mdb_txn_abort(*txn), *txn = NULL;
	if (ours && ol)
		equivocation(f, h->origin, ours, ol, note, len, NULL, keys_then);
	free(ours);
}

uint64_t
fed_served_size(const struct tlog_head *h)
{
	return h->checkpoint_len ? fed_note_size(h->checkpoint, h->checkpoint_len) : 0;
}

/* ---- pending and set-aside checkpoints ---- */

void
fed_pending_free(struct pending *pd)
{
	if (pd) {
		free(pd->note);
		free(pd);
	}
}

static struct pending *
pending_new(struct peer *p, const char *origin, const uint8_t *data, size_t len)
{
	struct pending *pd = calloc(1, sizeof(*pd));
	if (!pd || !(pd->note = malloc(len ? len : 1))) {
		free(pd);
		return NULL;
	}
	snprintf(pd->origin, sizeof(pd->origin), "%s", origin);
	memcpy(pd->note, data, len);
	pd->len = len;
	pd->p = p;
	return pd;
}

/* Keeps a checkpoint that waits for the registry (a log it does not know yet, a key it may
 * not hold yet), to look at again when the registry grows: one per origin and peer (the
 * latest), within the peer's own caps (FED_PENDING_*; much lower for an anonymous peer), so
 * that no peer can crowd out the others' or use up memory. */
static void
add_pending(struct fed *f, struct peer *p, const char *origin, const uint8_t *data, size_t len)
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
	if (!(copy = malloc(len ? len : 1)))
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

/* Keeps the biggest checkpoint of the log the registry refuses for now. */
static void
set_aside(struct fed *f, struct peer *p, const struct fed_judged *j, const uint8_t *data,
          size_t len)
{
	struct fed_log *l = fed_find_log(f, j->cp.origin, true);
	struct checkpoint old;
	char why[64];
	if (!l)
		return;
	if (l->aside) {
		size_t tl = fed_note_text_len((char *)l->aside->note, l->aside->len);
		if (tl && checkpoint_parse((char *)l->aside->note, tl, &old, why, sizeof(why)) &&
		    old.size >= j->cp.size)
			return;
	}
	struct pending *pd = pending_new(p, j->cp.origin, data, len);
	if (!pd)
		return;
	fed_pending_free(l->aside);
	l->aside = pd;
	if (!l->said_aside) {
		l->said_aside = true;
		log_info(
		        "fed: a checkpoint of %s of size %llu is set aside: the registry suspended "
		        "the member below that size (looked at again when the registry changes)",
		        j->cp.origin, (unsigned long long)j->cp.size);
	}
}

/* ---- checkpoints ---- */

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

static void
own_said(struct fed *f, struct peer *p, uint64_t size)
{
	fed_own_said(f, p, size, true);
}

/* A checkpoint of a log the node holds, of a size it holds, in the same history: keep the
 * cosignatures it brings and pass the new ones on; serve it when it is newer than what the
 * log serves (a node that caught up in steps, a member that signed its tree again). */
static void
same_history(struct fed *f, MDB_txn **txn, struct peer *p, const struct tlog_head *h,
             const struct fed_judged *j, const struct note *nt)
{
	size_t nc = 0, al = 0;
	struct witness_cosig *cs = witness_cosigs(nt, &nc);
	char *author = fed_author_note(nt, &j->author, &al), vkey[NOTE_VKEY_MAX + 1];
	bool adopt = author && j->cp.size > fed_served_size(h) &&
	             note_verifier_format(&j->author, vkey, sizeof(vkey)) > 0;

	mdb_txn_abort(*txn), *txn = NULL;
	if (cs || adopt)
		fed_write_keep(f, p, h, j->cp.size, cs, nc, author, al,
		               adopt && !fed_is_own(f, h->origin) ? vkey : NULL, adopt);
	free(author);
}

/* Signed by a key the registry retired at that size: never used, never held against the peer
 * (it may be an honest node behind on the registry, or one that held it from before the
 * rotation); evidence only when it contradicts the history the node holds. */
static void
retired(struct fed *f, MDB_txn **txn, struct peer *p, const struct fed_judged *j, const char *note,
        size_t len, struct tlog_head *h)
{
	bool held = tlog_head(f->ctx.store, *txn, j->cp.origin, h) == 0;
	struct fed_log *l = fed_find_log(f, j->cp.origin, true);
	uint8_t root[32];

	if (l && !l->said_retired) {
		l->said_retired = true;
		log_info("fed: a checkpoint of %s of size %llu from %s is set aside: the registry "
		         "gives another key from size %llu (a rotation); said once",
		         j->cp.origin, (unsigned long long)j->cp.size, peer_name(p),
		         (unsigned long long)j->retired_from);
	}
	if (!held || j->cp.size > h->size || !held_root(f, *txn, h, j->cp.size, root))
		return;
	if (memcmp(root, j->cp.root, 32) != 0)
		contradicts(f, txn, h, note, len, j->cp.size, j->keys_then);
	else if (fed_is_own(f, j->cp.origin))
		own_said(f, p, j->cp.size);
}

/* A checkpoint of the node's own log signed by a key the registry retired at a smaller size,
 * bigger than the tree the node holds, before the node published anything since it started:
 * the node signed those entries itself before the rotation reached it (a rotation done late,
 * while it went on publishing), peers took them, and the node lost them since (a backup
 * restored). They were acknowledged: the node takes them back, as it would a valid checkpoint,
 * and signs them again with its current key (ownlog.c) before it publishes anything over them.
 * Only its own log, where only it can vouch for them with its new key; never after it
 * published (a key stolen and retired must not extend a log its node keeps). */
static bool
take_retired(struct fed *f, MDB_txn *txn, struct peer *p, const struct fed_judged *j,
             struct tlog_head *h)
{
	if (f->own_allowed || f->own_forked ||
	    (tlog_head(f->ctx.store, txn, j->cp.origin, h) == 0 && j->cp.size <= h->size))
		return false;
	if (!f->said_retired_own) {
		f->said_retired_own = true;
		log_warn("fed: %s holds %llu entries of this node's own log under a checkpoint "
		         "signed by the key the registry retired from size %llu: this node signed "
		         "them before the rotation reached it and lost them since (a backup "
		         "restored); it takes them back and signs them again with its current key "
		         "before it publishes",
		         peer_name(p), (unsigned long long)j->cp.size,
		         (unsigned long long)j->retired_from);
	}
	return true;
}

void
fed_on_checkpoint(struct fed *f, struct peer *p, const char *origin, const uint8_t *data,
                  size_t len)
{
	struct fed_peer *fp = fed_find_peer(f, p);
	struct note *nt = malloc(sizeof(*nt));
	struct tlog_head *h = malloc(sizeof(*h));
	struct fed_judged j;
	const char *note = (const char *)data;
	bool own = fed_is_own(f, origin);
	MDB_txn *txn = NULL;
	uint8_t root[32];
	char *lean = NULL;

	if (!nt || !h || store_read_begin(f->ctx.store, &txn) != 0)
		goto done;
	/* Cosignature lines held already verified are not checked again (fed_gossip.c). */
	if ((lean = fed_drop_known_cosigs(f, txn, origin, note, len, &len)))
		note = lean, data = (const uint8_t *)lean;
	if (own && fp)
		fp->own_mentioned = true;
	fed_judge(f, txn, origin, note, len, fp ? fp->registry_size : 0, nt, &j);
	switch (j.v) {
	case FED_FORGED:
		mdb_txn_abort(txn), txn = NULL;
		peer_penalise(p, j.why);
		goto done;
	case FED_WAIT:
		add_pending(f, p, origin, data, len);
		goto done;
	case FED_RETIRED:
		if (own && take_retired(f, txn, p, &j, h))
			break; /* as a valid checkpoint: the bigger tree is fetched */
		retired(f, &txn, p, &j, note, len, h);
		goto done;
	case FED_SUSPENDED:
		if (own && tlog_head(f->ctx.store, txn, origin, h) == 0 && j.cp.size <= h->size)
			own_said(f, p, j.cp.size);
		set_aside(f, p, &j, data, len);
		goto done;
	case FED_VALID:
		break;
	}
	struct note_verifier auth;
	if (fp && registry_authority(f->ctx.store, txn, &auth) && !strcmp(auth.name, origin) &&
	    j.cp.size > fp->registry_size)
		fp->registry_size = j.cp.size;
	if (!own && fed_shadowed(f, origin))
		goto done; /* said once when the registry admitted it */
	if (evidence_forked(f->ctx.store, txn, origin))
		goto done;
	bool held = tlog_head(f->ctx.store, txn, origin, h) == 0;
	uint64_t m = held ? h->size : 0;

	if (held && j.cp.size <= m) {
		if (!held_root(f, txn, h, j.cp.size, root))
			goto done;
		if (memcmp(root, j.cp.root, 32) != 0) {
			contradicts(f, &txn, h, note, len, j.cp.size, 0);
			goto done;
		}
		if (own)
			own_said(f, p, j.cp.size);
		same_history(f, &txn, p, h, &j, nt);
		goto done;
	}
	if (j.cp.size <= m)
		goto done;
	/* A bigger tree: fetch what is missing from those who have it. */
	struct fed_log *l = fed_find_log(f, origin, true);
	if (!l || l->slug_taken)
		goto done;
	char taker[NOTE_NAME_MAX + 1];
	if (!held &&
	    store_log_by_slug(f->ctx.store, txn, store_slug(origin), taker, sizeof(taker)) == 0) {
		/* Its slug is served here for another log (this node's own, one of its making). */
		l->slug_taken = true;
		log_warn("fed: %s is not replicated: its slug \"%s\" is served here for %s", origin,
		         store_slug(origin), taker);
		goto done;
	}
	if (own)
		own_said(f, p, j.cp.size);
	add_holder(l, p, j.cp.size);
	struct cand *same = NULL;
	for (size_t i = 0; i < l->ncands; i++)
		if (l->cands[i].size == j.cp.size)
			same = &l->cands[i];
	if (same && memcmp(same->root, j.cp.root, 32) != 0) {
		/* Two signed checkpoints of one size, two roots: no need to fetch anything. */
		char *other = malloc(same->len);
		size_t ol = same->len;
		if (other)
			memcpy(other, same->note, ol);
		mdb_txn_abort(txn), txn = NULL;
		if (other)
			equivocation(f, origin, other, ol, note, len, NULL, 0);
		free(other);
		goto done;
	}
	if (!same) {
		size_t al = 0, nc = 0;
		char *copy = fed_author_note(nt, &j.author, &al);
		if (!copy)
			goto done;
		/* Keep the biggest few: replace the smallest when full. */
		size_t slot = l->ncands;
		if (slot == MAX_CANDS) {
			slot = 0;
			for (size_t i = 1; i < l->ncands; i++)
				if (l->cands[i].size < l->cands[slot].size)
					slot = i;
			if (l->cands[slot].size > j.cp.size) {
				free(copy);
				goto holder;
			}
			if (l->target == &l->cands[slot])
				l->target = NULL;
			free(l->cands[slot].note);
			free(l->cands[slot].cosigs);
		} else {
			l->ncands++;
		}
		struct cand *c = &l->cands[slot];
		memset(c, 0, sizeof(*c));
		c->size = j.cp.size;
		memcpy(c->root, j.cp.root, 32);
		c->note = copy;
		c->len = al;
		c->cosigs = witness_cosigs(nt, &nc);
		c->ncosigs = nc;
		note_verifier_format(&j.author, c->vkey, sizeof(c->vkey));
		if (l->want < m)
			l->want = m;
	} else if (same->ncosigs < WITNESS_MAX_PER_CHECKPOINT) {
		/* The same candidate from another peer: its cosignatures join. */
		size_t nc = 0;
		struct witness_cosig *more = witness_cosigs(nt, &nc);
		if (nc > WITNESS_MAX_PER_CHECKPOINT - same->ncosigs)
			nc = WITNESS_MAX_PER_CHECKPOINT - same->ncosigs;
		if (more) {
			struct witness_cosig *all = realloc(same->cosigs,
			                                    (same->ncosigs + nc) * sizeof(*all));
			if (all) {
				memcpy(all + same->ncosigs, more, nc * sizeof(*all));
				same->cosigs = all;
				same->ncosigs += nc;
			}
			free(more);
		}
	}
holder:
	if (own && !f->own_behind) {
		f->own_behind = true;
		/* Behind before its first publication: restored, or its disk lost; the peers heard
		 * so far may not be the ones that hold the most (fed_may_publish). */
		if (!f->own_allowed)
			f->own_restored = true;
		log_warn("fed: the federation holds %llu entries of this node's own log, it holds "
		         "%llu: publishing waits until it has caught up",
		         (unsigned long long)j.cp.size, (unsigned long long)m);
	}
done:
	if (txn)
		mdb_txn_abort(txn);
	free(lean);
	free(h);
	free(nt);
}

/* ---- equivocation from peers ---- */

void
fed_on_equivocation(struct fed *f, struct peer *p, const Remacto__Peer__V1__Equivocation *e)
{
	struct fed_peer *fp = fed_find_peer(f, p);
	struct note *na = malloc(sizeof(*na)), *nb = malloc(sizeof(*nb));
	struct fed_judged a, b;
	MDB_txn *txn = NULL;
	uint64_t preg = fp ? fp->registry_size : 0;

	if (!na || !nb || store_read_begin(f->ctx.store, &txn) != 0)
		goto done;
	fed_judge(f, txn, e->origin, (const char *)e->note_a.data, e->note_a.len, preg, na, &a);
	fed_judge(f, txn, e->origin, (const char *)e->note_b.data, e->note_b.len, preg, nb, &b);
	mdb_txn_abort(txn), txn = NULL;
	if (a.v == FED_FORGED || b.v == FED_FORGED) {
		peer_penalise(p, "equivocation evidence with a forged checkpoint");
		goto done;
	}
	/* Only the pair that proves itself: one size, two roots, both signed by keys the
	 * registry gave that log at that size. Other pairs need entries this node may not hold;
	 * it will find them itself when it sees the checkpoints. */
	if (a.v == FED_WAIT || b.v == FED_WAIT || a.cp.size != b.cp.size ||
	    !memcmp(a.cp.root, b.cp.root, 32))
		goto done;
	uint32_t then = 0;
	if (a.v == FED_RETIRED)
		then = a.keys_then;
	if (b.v == FED_RETIRED && (!then || b.keys_then < then))
		then = b.keys_then;
	equivocation(f, e->origin, (const char *)e->note_a.data, e->note_a.len,
	             (const char *)e->note_b.data, e->note_b.len, p, then);
done:
	if (txn)
		mdb_txn_abort(txn);
	free(na);
	free(nb);
}
