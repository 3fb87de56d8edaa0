/*
 * fed — the federation logic's entry points: creating it, the sessions the transport hands
 * over (the peer list), the dispatch of their messages, and the tick (gossip of own
 * publications, expired requests, registry growth, fetch scheduling). See fed.h for the rules;
 * docs/PROTOCOL.md §5 for the wire.
 *
 * Everything here runs in the service thread. struct peer pointers are valid from
 * fed_peer_ready to fed_peer_closed.
 */
#include "fed.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/err.h"
#include "core/log.h"
#include "evidence.h"
#include "fed_impl.h"
#include "registry.h"

/* ---- small helpers ---- */

struct fed_peer *
fed_find_peer(struct fed *f, struct peer *p)
{
	for (struct fed_peer *fp = f->peers; fp; fp = fp->next)
		if (fp->p == p)
			return fp;
	return NULL;
}

struct fed_log *
fed_find_log(struct fed *f, const char *origin, bool create)
{
	struct fed_log *l;
	for (l = f->logs; l; l = l->next)
		if (!strcmp(l->origin, origin))
			return l;
	if (!create || strlen(origin) > NOTE_NAME_MAX || !(l = calloc(1, sizeof(*l))))
		return NULL;
	strcpy(l->origin, origin);
	l->next = f->logs;
	f->logs = l;
	return l;
}

size_t
fed_note_text_len(const char *note, size_t len)
{
	for (size_t i = len; i >= 2; i--)
		if (note[i - 1] == '\n' && note[i - 2] == '\n')
			return i - 1;
	return 0;
}

/* ---- entry points ---- */

struct fed *
fed_create(const struct fed_ctx *ctx, char *err, size_t errcap)
{
	struct fed *f;

	if (!ctx->store || !ctx->witness) {
		err_set(err, errcap, "fed: a store and a witness key are needed");
		return NULL;
	}
	if (!(f = calloc(1, sizeof(*f)))) {
		err_set(err, errcap, "fed: out of memory");
		return NULL;
	}
	f->ctx = *ctx;
	f->started = time(NULL);
	f->next_id = 1;
	f->own_gossiped = UINT64_MAX;
	f->checked_registry_size = UINT64_MAX;
	return f;
}

void
fed_destroy(struct fed *f)
{
	if (!f)
		return;
	while (f->reqs) {
		struct fed_req *r = f->reqs;
		f->reqs = r->next;
		fed_req_free(r);
	}
	while (f->logs) {
		struct fed_log *l = f->logs;
		f->logs = l->next;
		fed_log_drop(l);
		fed_pending_free(l->aside);
		free(l);
	}
	while (f->peers) {
		struct fed_peer *fp = f->peers;
		f->peers = fp->next;
		free(fp);
	}
	while (f->pending) {
		struct pending *pd = f->pending;
		f->pending = pd->next;
		fed_pending_free(pd);
	}
	free(f->verifiers);
	free(f->shadowed);
	free(f);
}

void
fed_peer_ready(struct fed *f, struct peer *p)
{
	struct fed_peer *fp = calloc(1, sizeof(*fp));
	if (!fp)
		return;
	fp->p = p;
	fp->since = time(NULL);
	fp->next = f->peers;
	f->peers = fp;
	fed_send_vector(f, p);
}

void
fed_peer_closed(struct fed *f, struct peer *p)
{
	for (struct fed_peer **pp = &f->peers; *pp; pp = &(*pp)->next)
		if ((*pp)->p == p) {
			struct fed_peer *fp = *pp;
			*pp = fp->next;
			free(fp);
			break;
		}
	for (struct fed_req **pp = &f->reqs; *pp;) {
		struct fed_req *r = *pp;
		if (r->p != p) {
			pp = &r->next;
			continue;
		}
		*pp = r->next;
		fed_add_retry(r->log, r->start, r->start + r->count);
		if (r->log->inflight)
			r->log->inflight--;
		fed_req_free(r);
	}
	for (struct fed_log *l = f->logs; l; l = l->next) {
		for (size_t i = 0; i < l->nholders; i++)
			if (l->holders[i].p == p) {
				l->holders[i] = l->holders[--l->nholders];
				break;
			}
		for (struct chunk *c = l->chunks; c; c = c->next)
			if (c->from == p)
				c->from = NULL;
		if (l->aside && l->aside->p == p)
			l->aside->p = NULL;
	}
	for (struct fed_write *w = f->writes; w; w = w->next)
		if (w->from == p)
			w->from = NULL;
	/* Its checkpoints of unknown logs go with it: only it could have served them. */
	for (struct pending **pp = &f->pending; *pp;) {
		struct pending *pd = *pp;
		if (pd->p != p) {
			pp = &pd->next;
			continue;
		}
		*pp = pd->next;
		free(pd->note);
		free(pd);
	}
}

/* A vector: the registry's checkpoint first (every other one is judged against the registry,
 * and nothing about another log may keep it from this node), then the others, each on its
 * own. The last frame of a vector that did not name the node's own log tells that the peer
 * holds nothing of it. */
static void
on_vector(struct fed *f, struct peer *p, const Remacto__Peer__V1__CheckpointVector *v)
{
	struct note_verifier auth;
	MDB_txn *txn;
	size_t first = v->n_checkpoints;
	bool have_auth = false;

	if (store_read_begin(f->ctx.store, &txn) == 0) {
		have_auth = registry_authority(f->ctx.store, txn, &auth);
		mdb_txn_abort(txn);
	}
	for (size_t i = 0; have_auth && i < v->n_checkpoints && first == v->n_checkpoints; i++)
		if (!strcmp(v->checkpoints[i]->origin, auth.name))
			first = i;
	for (size_t k = 0; k <= v->n_checkpoints; k++) {
		/* k == 0: the registry's (if there), then every other in order. */
		size_t i = k == 0 ? first : k - 1;
		if (i == v->n_checkpoints || (k > 0 && i == first))
			continue;
		const Remacto__Peer__V1__SignedCheckpoint *sc = v->checkpoints[i];
		fed_on_checkpoint(f, p, sc->origin, sc->note.data, sc->note.len);
		if (!fed_find_peer(f, p))
			return; /* penalised and closed: what it said of the node's own log is void */
	}
	struct fed_peer *fp = fed_find_peer(f, p);
	if (v->last && fp && f->ctx.own && !fp->own_mentioned)
		fed_own_said(f, p, 0, false);
	if (v->last && fp)
		fp->own_mentioned = false; /* a later vector says it again */
}

void
fed_peer_message(struct fed *f, struct peer *p, const Remacto__Peer__V1__PeerMessage *m)
{
	switch (m->kind_case) {
	case REMACTO__PEER__V1__PEER_MESSAGE__KIND_VECTOR:
		on_vector(f, p, m->vector);
		if (!fed_find_peer(f, p))
			return;
		break;
	case REMACTO__PEER__V1__PEER_MESSAGE__KIND_CHECKPOINT:
		fed_on_checkpoint(f, p, m->checkpoint->origin, m->checkpoint->note.data,
		                  m->checkpoint->note.len);
		break;
	case REMACTO__PEER__V1__PEER_MESSAGE__KIND_GET_ENTRIES:
		fed_on_get_entries(f, p, m->get_entries);
		break;
	case REMACTO__PEER__V1__PEER_MESSAGE__KIND_ENTRIES:
		fed_on_entries(f, p, m->entries);
		break;
	case REMACTO__PEER__V1__PEER_MESSAGE__KIND_EQUIVOCATION:
		fed_on_equivocation(f, p, m->equivocation);
		break;
	case REMACTO__PEER__V1__PEER_MESSAGE__KIND_ERROR:
		log_info("fed: %s says: %s", peer_name(p), m->error->reason);
		return;
	default:
		peer_penalise(p, "a message out of place after the handshake");
		return;
	}
	/* A new target or a freed window slot: ask for more now rather than at the next timer
	 * tick, which was most of the time a publication took to cross the federation. */
	if (m->kind_case != REMACTO__PEER__V1__PEER_MESSAGE__KIND_GET_ENTRIES)
		fed_tick(f);
}

/* Picks a peer holding at least `need` entries of l with room in its window. */
static void
ops_ready(void *arg, struct peer *p)
{
	fed_peer_ready(arg, p);
}

static void
ops_message(void *arg, struct peer *p, const Remacto__Peer__V1__PeerMessage *m)
{
	fed_peer_message(arg, p, m);
}

static void
ops_closed(void *arg, struct peer *p)
{
	fed_peer_closed(arg, p);
}

static void
ops_tick(void *arg)
{
	fed_tick(arg);
}

struct peer_ops
fed_peer_ops(struct fed *f)
{
	return (struct peer_ops){ .arg = f,
		                  .ready = ops_ready,
		                  .message = ops_message,
		                  .closed = ops_closed,
		                  .tick = ops_tick };
}

void
fed_tick(struct fed *f)
{
	time_t now = time(NULL);
	struct tlog_head *h = malloc(sizeof(*h));
	MDB_txn *txn;

	if (!h)
		return;
	/* Own publications (through the API or `remacto log append`): gossip each new checkpoint. */
	if (f->ctx.own && store_read_begin(f->ctx.store, &txn) == 0) {
		if (tlog_head(f->ctx.store, txn, f->ctx.own->v.name, h) == 0) {
			if (h->size != f->own_gossiped) {
				f->own_gossiped = h->size;
				fed_gossip_head(f, txn, h, NULL);
			}
			struct fed_log *own = fed_find_log(f, h->origin, false);
			uint64_t want = 0;
			for (size_t i = 0; own && i < own->ncands; i++)
				if (own->cands[i].size > want)
					want = own->cands[i].size;
			if (f->own_behind && h->size >= want) {
				f->own_behind = false;
				log_info("fed: this node's own log is caught up (%llu entries)%s",
				         (unsigned long long)h->size,
				         fed_may_publish(f) ? "; publishing resumes"
				                            : " with what its peers said so far; "
				                              "publishing waits for the others");
			}
		}
		mdb_txn_abort(txn);
	}
	free(h);
	/* The restore safeguard says once, in the node's log, when publishing may start. */
	if (f->ctx.own && !f->own_allowed)
		(void)fed_may_publish(f);
	/* The registry changed (or the node just started): judge again what the node holds and
	 * what waits (fed_recheck.c). */
	if (store_read_begin(f->ctx.store, &txn) == 0) {
		uint64_t reg = fed_registry_size(f, txn);
		mdb_txn_abort(txn);
		if (reg != f->checked_registry_size)
			fed_recheck(f, reg);
	}
	/* Requests that got no answer go to someone else. */
	for (struct fed_req **pp = &f->reqs; *pp;) {
		struct fed_req *r = *pp;
		if (now - r->sent < FED_REQUEST_TIMEOUT_S) {
			pp = &r->next;
			continue;
		}
		*pp = r->next;
		if (fed_bulk_waiting(r))
			log_info("fed: %s's listener did not give the entry bundles of %s in %d s",
			         peer_name(r->p), r->log->origin, FED_REQUEST_TIMEOUT_S);
		else
			log_info("fed: %s did not answer a request for %s in %d s", peer_name(r->p),
			         r->log->origin, FED_REQUEST_TIMEOUT_S);
		fed_add_retry(r->log, r->start, r->start + r->count);
		/* A bulk request the session answered waits for its bundles only: no late answer
		 * is to come. */
		struct fed_peer *fp = fed_find_peer(f, r->p);
		if (fp && fp->expired < UINT_MAX && !fed_bulk_waiting(r))
			fp->expired++;
		fed_request_done(f, r);
	}
	/* Chunks behind a gap that a retry filled, or that the writer's full queue turned away. */
	for (struct fed_log *l = f->logs; l; l = l->next)
		if (l->chunks && !l->applying)
			fed_apply_chunks(f, l);
	h = NULL;
	/* A fork the registry answered (a key rotation after the evidence) no longer stops the
	 * log. */
	bool forked = f->own_forked;
	for (struct fed_log *l = f->logs; l && !forked; l = l->next)
		forked = l->forked;
	if (forked && store_read_begin(f->ctx.store, &txn) == 0) {
		for (struct fed_log *l = f->logs; l; l = l->next)
			if (l->forked && !evidence_forked(f->ctx.store, txn, l->origin)) {
				l->forked = false;
				log_info("fed: the registry rotated the key of %s after its fork: "
				         "replicating it again",
				         l->origin);
			}
		if (f->own_forked && !evidence_forked(f->ctx.store, txn, f->ctx.own->v.name)) {
			f->own_forked = false;
			log_info(
			        "fed: the registry rotated this node's key after the fork of its log; "
			        "publishing with the new key resumes");
		}
		mdb_txn_abort(txn);
	}
	bool any = false;
	for (struct fed_log *l = f->logs; l && !any; l = l->next)
		any = l->ncands > 0;
	if (any && (h = malloc(sizeof(*h))) && store_read_begin(f->ctx.store, &txn) == 0) {
		/* The registry's log first: the window of each peer is shared. */
		struct note_verifier auth;
		bool ha = registry_authority(f->ctx.store, txn, &auth);
		for (int pass = 0; pass < 2; pass++)
			for (struct fed_log *l = f->logs; l; l = l->next) {
				bool reg = ha && !strcmp(l->origin, auth.name);
				l->registry = reg;
				if (!l->ncands || l->forked || l->slug_taken || reg != (pass == 0))
					continue;
				uint64_t held = tlog_head(f->ctx.store, txn, l->origin, h) == 0
				                        ? h->size
				                        : 0;
				fed_schedule(f, l, held);
			}
		mdb_txn_abort(txn);
	}
	free(h);
}

void
fed_own_said(struct fed *f, struct peer *p, uint64_t size, bool checkpoint)
{
	struct fed_peer *fp = fed_find_peer(f, p);
	const char *name = peer_name(p);
	size_t i;

	if (!fp || fp->own_said)
		return;
	fp->own_said = true;
	for (i = 0; i < f->nown_said && strcmp(f->own_said[i], name); i++)
		;
	if (i == f->nown_said && i < FED_OWN_SAID_MAX) {
		snprintf(f->own_said[i], sizeof(f->own_said[i]), "%s", name);
		f->nown_said++;
	}
	if (!f->own_first_said)
		f->own_first_said = time(NULL);
	if (f->own_allowed)
		return;
	if (checkpoint)
		log_info(
		        "fed: %s holds %llu entries of this node's own log (a verified checkpoint)",
		        name, (unsigned long long)size);
	else
		log_info("fed: %s holds nothing of this node's own log (its whole vector)", name);
}

static bool
said_by(const struct fed *f, const char *name)
{
	for (size_t i = 0; i < f->nown_said; i++)
		if (!strcmp(f->own_said[i], name))
			return true;
	return false;
}

static int
member_said(const Remacto__Store__MemberRecord *m, void *arg)
{
	struct fed *f = arg;
	return fed_is_own(f, m->origin) || said_by(f, m->origin) ? 0 : 1;
}

/* Whether every node the registry knows of, the authority's and every member's, said what it
 * holds of the node's own log: nobody else can come with more (but a mirror). */
static bool
everyone_said(struct fed *f)
{
	struct note_verifier auth;
	MDB_txn *txn;
	bool all;

	if (store_read_begin(f->ctx.store, &txn) != 0)
		return false;
	all = registry_authority(f->ctx.store, txn, &auth) && said_by(f, auth.name) &&
	      registry_each(f->ctx.store, txn, member_said, f) == 0;
	mdb_txn_abort(txn);
	return all;
}

/* Whether the peers said enough of what they hold of the node's own log for it to publish
 * (once it holds as much, which own_behind tells). None that connected less than
 * FED_RESTORE_WAIT_S ago and is a registered member's may still owe its statement (anonymous
 * sessions are anyone's: they must not hold publishing back); then as many peers as [peer]
 * lines said it, or FED_RESTORE_WAIT_S passed since the first statement. A node that found
 * itself behind before it published (own_restored) waits that long unless every node the
 * registry knows of said it: the peers that hold the most of its log may be others than those
 * it dials, and come later. The first time it is enough, publishing is allowed for as long as
 * the node runs. */
static bool
own_heard(struct fed *f, time_t now)
{
	size_t need = f->ctx.npeers ? f->ctx.npeers : 1;
	const char *why = "as many as configured";
	if (need > FED_OWN_SAID_MAX)
		need = FED_OWN_SAID_MAX;
	if (!f->nown_said)
		return false;
	for (const struct fed_peer *fp = f->peers; fp; fp = fp->next)
		if (peer_registered(fp->p) && !fp->own_said && now - fp->since < FED_RESTORE_WAIT_S)
			return false;
	if (now - f->own_first_said >= FED_RESTORE_WAIT_S) {
		why = "after waiting for the others";
	} else if (f->own_restored) {
		if (f->own_checked == f->nown_said)
			return false;
		f->own_checked = f->nown_said;
		if (!everyone_said(f))
			return false;
		why = "every member's node and the authority's";
	} else if (f->nown_said < need) {
		return false;
	}
	f->own_allowed = true;
	log_info("fed: %zu peer%s said what %s of this node's own log (%zu configured; %s), and "
	         "it holds as much; publishing resumes",
	         f->nown_said, f->nown_said == 1 ? "" : "s",
	         f->nown_said == 1 ? "it holds" : "they hold", need, why);
	return true;
}

bool
fed_may_publish(struct fed *f)
{
	if (!f)
		return true;
	if (f->own_forked || f->own_behind)
		return false;
	/* With peers configured, a node publishes only after its peers said, verifiably, what
	 * they hold of its own log, and it holds as much (own_heard): a node restarted from an
	 * empty folder or an old backup must never sign a new history over its old one, and one
	 * peer may hold less of it than another (it took a smaller checkpoint, or it is itself
	 * catching up). A peer whose vector was refused half-way said nothing. Without configured
	 * peers (a lone node, or one only dialled by others) it publishes at once. */
	return !f->ctx.peers_configured || f->own_allowed || own_heard(f, time(NULL));
}

void
fed_own_signed_again(struct fed *f)
{
	if (f)
		f->own_gossiped = UINT64_MAX;
}

void
fed_announced_each(const struct fed *f, void (*fn)(void *arg, const char *origin, uint64_t size),
                   void *arg)
{
	if (!f)
		return;
	for (const struct fed_log *l = f->logs; l; l = l->next) {
		uint64_t biggest = 0;
		for (size_t i = 0; i < l->ncands; i++)
			if (l->cands[i].size > biggest)
				biggest = l->cands[i].size;
		if (biggest)
			fn(arg, l->origin, biggest);
	}
}
