/*
 * fed_recheck — what a grown registry changes in what fed holds. A key rotation from a size N
 * the node already holds turns the checkpoints it holds at N or more, valid when they were
 * signed, into checkpoints of a retired key; a suspension refuses those past its size; a
 * reinstatement allows them again. After each change of the registry, every log's served
 * checkpoint is judged again: a log whose checkpoint the registry no longer allows serves the
 * newest one it holds that the registry allows (it stored every checkpoint it held, store.h),
 * or none; a log that holds a newer allowed one than it serves serves that. The tree is never
 * touched: entries verified once stay, and the member's next checkpoint under its new key
 * extends them. What is served (HTTP, the vector, gossip) is the record's checkpoint, so all
 * three move together. A log that serves a newer checkpoint again (a reinstatement) gossips
 * it: the peers that refused it meanwhile hear of it from nowhere else.
 *
 * Candidates the registry no longer allows are dropped as targets but kept as the log's
 * set-aside checkpoint (a reinstatement takes the catch-up up again; fed_fetch.c asks again for
 * the entries asked for them); set-aside and pending checkpoints are judged again. Service
 * thread.
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

#define RECHECK_MAX_WALK (1u << 20) /* stored checkpoints looked at per log, at most */

/* ---- judging the held checkpoints again ---- */

struct held {
	char origin[NOTE_NAME_MAX + 1];
	uint32_t id;
	uint64_t size;
	char *note;
	size_t len;
	char vkey[NOTE_VKEY_MAX + 1]; /* the key the served note was verified with when stored */
	struct held *next;
};

static int
collect_held(const Remacto__Store__LogRecord *rec, void *arg)
{
	struct held **list = arg, *h = calloc(1, sizeof(*h));
	if (!h || strlen(rec->origin) > NOTE_NAME_MAX ||
	    !(h->note = malloc(rec->checkpoint.len ? rec->checkpoint.len : 1))) {
		free(h);
		return h ? 0 : -ENOMEM;
	}
	snprintf(h->origin, sizeof(h->origin), "%s", rec->origin);
	h->id = rec->id;
	h->size = rec->size;
	if (rec->verifier_key && strlen(rec->verifier_key) <= NOTE_VKEY_MAX)
		snprintf(h->vkey, sizeof(h->vkey), "%s", rec->verifier_key);
	/* None yet (a log part-way through its catch-up): data is NULL, not to be copied. */
	if (rec->checkpoint.len)
		memcpy(h->note, rec->checkpoint.data, rec->checkpoint.len);
	h->len = rec->checkpoint.len;
	h->next = *list;
	*list = h;
	return 0;
}

/* Whether the checkpoint h serves is still one the registry allows, judged without checking
 * its signature again (an Ed25519 verification per log at every start): a replicated log's
 * record keeps the note it serves with the key that verified it when it was stored
 * (tlog_batch_seal_verified, fed_write.c's serve), and a signature that held then holds now.
 * What may have changed since is the registry (a rotation or a suspension, applied while the
 * node was down too): the key must still be the one it gives at the note's size, as
 * fed_allowed_now requires. The note must carry a signature line of that very key (name and
 * key ID). False means "not shown": the caller judges it fully. Never for the node's own log,
 * whose record takes a rotated key before its next checkpoint. */
static bool
served_still_allowed(struct fed *f, MDB_txn *txn, const struct held *h)
{
	struct note_verifier v;
	struct checkpoint cp;
	struct note *nt;
	char why[160];
	size_t tl = fed_note_text_len(h->note, h->len);
	bool ok = false;

	if (!h->len || !h->vkey[0] || fed_is_own(f, h->origin) || !tl ||
	    !note_verifier_parse(h->vkey, &v, why, sizeof(why)) ||
	    !checkpoint_parse(h->note, tl, &cp, why, sizeof(why)) ||
	    strcmp(cp.origin, h->origin) != 0 || !(nt = malloc(sizeof(*nt))))
		return false;
	/* Parsed only (no key given): well formed, and the key's line is there. */
	if (!note_open(h->note, h->len, NULL, 0, nt, why, sizeof(why)) &&
	    !strncmp(why, NOTE_ERR_NO_KNOWN_KEY, strlen(NOTE_ERR_NO_KNOWN_KEY)))
		for (size_t i = 0; i < nt->nsigs && !ok; i++)
			ok = nt->sigs[i].key_id == v.key_id && !strcmp(nt->sigs[i].name, v.name);
	free(nt);
	return ok && fed_key_allowed(f, txn, h->origin, cp.size, h->vkey);
}

/* What a log should serve now: the newest stored checkpoint of a size up to its tree's that
 * the registry allows, copied into *best (NULL: none). False when that is what it serves
 * already (or the walk could not tell). */
static bool
choose(struct fed *f, MDB_txn *txn, const struct held *h, char **best, size_t *blen,
       uint64_t *bsize, char *vkey, size_t vcap)
{
	struct note_verifier author;
	uint8_t key[12];
	MDB_cursor *c;
	MDB_val k = { sizeof(key), key }, v;
	size_t walked = 0;
	bool same = false, done = false;
	int rc;

	*best = NULL;
	put_be32(key, h->id);
	put_be64(key + 4, h->size + 1);
	if (mdb_cursor_open(txn, f->ctx.store->checkpoints, &c) != 0)
		return false;
	/* Newest first: from the first key past (id, size), backwards. */
	rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE);
	rc = rc == 0 ? mdb_cursor_get(c, &k, &v, MDB_PREV) : mdb_cursor_get(c, &k, &v, MDB_LAST);
	for (; rc == 0; rc = mdb_cursor_get(c, &k, &v, MDB_PREV)) {
		if (k.mv_size != 12 || get_be32(k.mv_data) != h->id)
			break;
		if (++walked > RECHECK_MAX_WALK) {
			log_warn(
			        "fed: %s: more than %u stored checkpoints the registry does not allow; "
			        "left as it is",
			        h->origin, RECHECK_MAX_WALK);
			same = true;
			break;
		}
		bool served = v.mv_size == h->len && !memcmp(v.mv_data, h->note, h->len);
		if (!(served && served_still_allowed(f, txn, h)) &&
		    !fed_allowed_now(f, txn, h->origin, v.mv_data, v.mv_size, &author))
			continue;
		if (served) {
			same = true;
			break;
		}
		if ((*best = malloc(v.mv_size ? v.mv_size : 1)) == NULL) {
			same = true;
			break;
		}
		memcpy(*best, v.mv_data, v.mv_size);
		*blen = v.mv_size;
		*bsize = get_be64((const uint8_t *)k.mv_data + 4);
		note_verifier_format(&author, vkey, vcap);
		done = true;
		break;
	}
	mdb_cursor_close(c);
	if (same)
		return false;
	/* Nothing stored that the registry allows: serve none, unless it serves none. */
	return done || h->len > 0;
}

/* Whether the registry knows origin (the registry's own log, a member), or it is the node's. */
static bool
known(struct fed *f, MDB_txn *txn, const char *origin)
{
	Remacto__Store__MemberRecord *m = NULL;
	struct note_verifier auth;
	bool k = fed_is_own(f, origin) || registry_member(f->ctx.store, txn, origin, &m) == 0 ||
	         (registry_authority(f->ctx.store, txn, &auth) && !strcmp(auth.name, origin));
	remacto__store__member_record__free_unpacked(m, NULL);
	return k;
}

static void
free_held(struct held *list)
{
	while (list) {
		struct held *h = list;
		list = h->next;
		free(h->note);
		free(h);
	}
}

static void
recheck_held(struct fed *f)
{
	struct held *list = NULL;
	MDB_txn *txn;

	if (store_read_begin(f->ctx.store, &txn) != 0)
		return;
	store_log_each(f->ctx.store, txn, collect_held, &list);
	while (list) {
		struct held *h = list;
		char *best = NULL, vkey[NOTE_VKEY_MAX + 1] = "";
		size_t blen = 0;
		uint64_t bsize = 0;
		list = h->next;
		h->next = NULL;
		/* Logs the registry does not know (a log made by hand) are none of its business. */
		if (!known(f, txn, h->origin) ||
		    !choose(f, txn, h, &best, &blen, &bsize, vkey, sizeof(vkey))) {
			free_held(h);
			continue;
		}
		mdb_txn_abort(txn);
		if (best)
			log_warn("fed: %s now serves its checkpoint of size %llu: the registry no "
			         "longer allows the one it served, or allows this newer one again "
			         "(a key rotation, a suspension or its end); its tree is unchanged",
			         h->origin, (unsigned long long)bsize);
		else
			log_warn(
			        "fed: %s serves no checkpoint for now: the registry allows none of "
			        "those this node holds (its tree stays; the member's next checkpoint "
			        "extends it)",
			        h->origin);
		fed_write_served(f, h->origin, h->id, best, blen, bsize,
		                 fed_is_own(f, h->origin) || !best ? NULL : vkey, h->note, h->len);
		if (store_read_begin(f->ctx.store, &txn) != 0) {
			free(best);
			free_held(h);
			free_held(list);
			return;
		}
		/* A checkpoint newer than the one served (a reinstatement) is news to the peers:
		 * those that refused it, or dropped it half-way through catching up, while the
		 * member was suspended hear of it from nowhere else (the member may never publish
		 * again), and would stay behind for good. A fall back is no news. */
		if (best && bsize > fed_note_size(h->note, h->len))
			fed_gossip_note(f, txn, h->origin, h->id, bsize, best, blen, NULL);
		free(best);
		free_held(h);
	}
	mdb_txn_abort(txn);
}

/* ---- candidates, set-aside and pending checkpoints ---- */

/* A live peer that announced l at size or more, NULL when none. */
static struct peer *
live_holder(struct fed *f, const struct fed_log *l, uint64_t size)
{
	for (size_t i = 0; i < l->nholders; i++)
		if (l->holders[i].size >= size && fed_find_peer(f, l->holders[i].p))
			return l->holders[i].p;
	return NULL;
}

/* A candidate the registry refuses now is kept as l's set-aside checkpoint (the biggest one
 * wins), from a peer that holds it: judged again at the next change of the registry, as one
 * refused on arrival is, so that a reinstatement takes the catching up up again. One signed by
 * a key a rotation retired is judged retired then, and goes. */
static void
set_aside_cand(struct fed *f, struct fed_log *l, const struct cand *c)
{
	struct peer *p = live_holder(f, l, c->size);
	struct pending *pd;

	if (!p || (l->aside && fed_note_size((char *)l->aside->note, l->aside->len) >= c->size) ||
	    !(pd = calloc(1, sizeof(*pd))))
		return;
	if (!(pd->note = malloc(c->len ? c->len : 1))) {
		free(pd);
		return;
	}
	snprintf(pd->origin, sizeof(pd->origin), "%s", l->origin);
	memcpy(pd->note, c->note, c->len);
	pd->len = c->len;
	pd->p = p;
	fed_pending_free(l->aside);
	l->aside = pd;
}

static void
recheck_candidates(struct fed *f)
{
	struct note_verifier author;
	MDB_txn *txn;

	if (store_read_begin(f->ctx.store, &txn) != 0)
		return;
	for (struct fed_log *l = f->logs; l; l = l->next)
		for (size_t i = 0; i < l->ncands;) {
			struct cand *c = &l->cands[i];
			/* The node's own log, before it published: its own history, taken back
			 * whatever key signed it (fed_accept.c's take_retired). */
			if ((fed_is_own(f, l->origin) && !f->own_allowed) ||
			    fed_allowed_now(f, txn, l->origin, c->note, c->len, &author)) {
				i++;
				continue;
			}
			log_info("fed: the registry no longer allows the checkpoint of %s of size "
			         "%llu this node was catching up to: dropped",
			         l->origin, (unsigned long long)c->size);
			set_aside_cand(f, l, c);
			if (l->target == c || l->target == &l->cands[l->ncands - 1])
				l->target = NULL;
			free(c->note);
			free(c->cosigs);
			*c = l->cands[--l->ncands];
		}
	mdb_txn_abort(txn);
}

void
fed_recheck(struct fed *f, uint64_t registry_size)
{
	MDB_txn *txn;

	if (store_read_begin(f->ctx.store, &txn) == 0) {
		fed_refresh_verifiers(f, txn);
		mdb_txn_abort(txn);
	}
	recheck_held(f);
	recheck_candidates(f);
	/* Set-aside and pending checkpoints: judged again, from the peers still there. */
	struct pending *list = f->pending;
	f->pending = NULL;
	for (struct fed_peer *fp = f->peers; fp; fp = fp->next)
		fp->npending = fp->pending_bytes = 0;
	for (struct fed_log *l = f->logs; l; l = l->next)
		if (l->aside) {
			l->aside->next = list;
			list = l->aside;
			l->aside = NULL;
			l->said_aside = false;
		}
	while (list) {
		struct pending *pd = list;
		list = pd->next;
		if (pd->p && fed_find_peer(f, pd->p))
			fed_on_checkpoint(f, pd->p, pd->origin, pd->note, pd->len);
		fed_pending_free(pd);
	}
	f->checked_registry_size = registry_size;
}
