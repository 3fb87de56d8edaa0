/*
 * fed — the federation logic: accept, fetch, verify, store, witness and gossip checkpoints of
 * every log, and catch equivocation. See fed.h for the rules; docs/PROTOCOL.md §5 for the wire.
 *
 * Everything here runs in the service thread. State kept in memory is only what a restart may
 * lose: targets, requests in flight and received chunks; what was verified is in the store.
 * struct peer pointers are valid from fed_peer_ready to fed_peer_closed.
 */
#include "fed.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/entry.h"
#include "core/log.h"
#include "daemon/live.h"
#include "daemon/node.h"
#include "evidence.h"
#include "registry.h"
#include "store/tlog.h"
#include "transport.h"
#include "witness.h"

#define LOG_WINDOW 16 /* requests in flight per log, over all peers */
#define MAX_HOLDERS 32
#define MAX_RETRY 64
#define VECTOR_FRAME_BYTES (1u << 20)
#define ENTRIES_FRAME_BYTES (3u << 20)
#define MAX_VERIFIERS 4096

struct fed_peer {
	struct peer *p;
	unsigned inflight;
	struct fed_peer *next;
};

struct holder {
	struct peer *p;
	uint64_t size;
};

struct range {
	uint64_t start, end;
};

struct chunk {
	uint64_t start;
	size_t n;
	uint8_t **data;
	size_t *len;
	uint64_t proof_size;
	uint8_t proof_root[32];
	char vkey[NOTE_VKEY_MAX + 1]; /* the key of the checkpoint it is proved against */
	uint8_t (*proof)[32];
	size_t nproof;
	struct peer *from;
	struct chunk *next;
};

/* A signed checkpoint bigger than what the node holds: something to catch up to. A log keeps
 * a few, so that one nobody can serve (announced by a peer that then misbehaved, or signed
 * by a stolen key and never published) does not block catching up to the others. */
struct cand {
	uint64_t size;
	uint8_t root[32];
	char *note;
	size_t len;
	char vkey[NOTE_VKEY_MAX + 1];
};

#define MAX_CANDS 4

struct fed_log {
	char origin[NOTE_NAME_MAX + 1];
	struct cand cands[MAX_CANDS];
	size_t ncands;
	struct cand *target; /* the candidate being fetched (choose_target) */
	uint64_t want;       /* first index not requested yet */
	struct range retry[MAX_RETRY];
	size_t nretry;
	struct holder holders[MAX_HOLDERS];
	size_t nholders;
	struct chunk *chunks;
	unsigned inflight;
	bool forked;
	struct fed_log *next;
};

struct fed_req {
	uint64_t id;
	struct peer *p;
	struct fed_log *log;
	uint64_t start;
	uint32_t count;
	uint64_t proof_size;
	uint8_t proof_root[32];
	char vkey[NOTE_VKEY_MAX + 1];
	time_t sent;
	struct fed_req *next;
};

/* A checkpoint of a log the registry did not know yet: looked at again when the registry grows
 * (a node learns the registry and the members' logs from the same vectors, in any order). */
struct pending {
	char origin[NOTE_NAME_MAX + 1];
	uint8_t *note;
	size_t len;
	struct peer *p;
	struct pending *next;
};

#define MAX_PENDING 4096

struct fed {
	struct node *n;
	struct pending *pending;
	size_t npending;
	uint64_t pending_registry_size;
	struct fed_peer *peers;
	struct fed_log *logs;
	struct fed_req *reqs;
	uint64_t next_id;
	uint64_t own_gossiped;
	bool own_behind, own_forked, saw_vector;
	time_t started;
	/* Verifiers of every member's log key and of its cosignatures, rebuilt when the registry
	 * grows. */
	struct note_verifier *verifiers;
	size_t nverifiers;
	uint64_t verifiers_registry_size;
};

/* ---- small helpers ---- */

static struct fed_peer *
find_peer(struct fed *f, struct peer *p)
{
	for (struct fed_peer *fp = f->peers; fp; fp = fp->next)
		if (fp->p == p)
			return fp;
	return NULL;
}

static struct fed_log *
find_log(struct fed *f, const char *origin, bool create)
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

static void
chunk_free(struct chunk *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->n; i++)
		free(c->data[i]);
	free(c->data);
	free(c->len);
	free(c->proof);
	free(c);
}

static void
add_retry(struct fed_log *l, uint64_t start, uint64_t end)
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

/* Splits a note into its text (ending in '\n') and returns the text length, 0 if malformed. */
static size_t
note_text_len(const char *note, size_t len)
{
	for (size_t i = len; i >= 2; i--)
		if (note[i - 1] == '\n' && note[i - 2] == '\n')
			return i - 1;
	return 0;
}

static int
head_of(struct fed *f, MDB_txn *txn, const char *origin, struct tlog_head *h)
{
	return tlog_head(&f->n->store, txn, origin, h);
}

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

static void
refresh_verifiers(struct fed *f, MDB_txn *txn)
{
	struct note_verifier auth;
	struct tlog_head *h = malloc(sizeof(*h));
	uint64_t size = 0;

	if (!h)
		return;
	if (registry_authority(&f->n->store, txn, &auth) && head_of(f, txn, auth.name, h) == 0)
		size = h->size;
	free(h);
	if (f->verifiers && size == f->verifiers_registry_size)
		return;
	if (!f->verifiers && !(f->verifiers = calloc(MAX_VERIFIERS, sizeof(*f->verifiers))))
		return;
	f->nverifiers = 0;
	registry_each(&f->n->store, txn, collect_verifier, f);
	f->verifiers_registry_size = size;
}

/* ---- sending ---- */

static void
send_to(struct peer *p, Remacto__Peer__V1__PeerMessage *m)
{
	int rc = peer_send(p, m);
	if (rc != 0 && rc != -EPIPE)
		log_debug("fed: cannot queue a message to %s: %s", peer_name(p), strerror(-rc));
}

/* The note of (log, size) with every cosignature held, into buf. */
static int
full_note(struct fed *f, MDB_txn *txn, const struct tlog_head *h, char *buf, size_t cap)
{
	return witness_note(&f->n->store, txn, h->id, h->size, h->checkpoint, h->checkpoint_len,
	                    buf, cap);
}

static void
gossip_head(struct fed *f, MDB_txn *txn, const struct tlog_head *h, struct peer *except)
{
	Remacto__Peer__V1__PeerMessage m = REMACTO__PEER__V1__PEER_MESSAGE__INIT;
	Remacto__Peer__V1__SignedCheckpoint sc = REMACTO__PEER__V1__SIGNED_CHECKPOINT__INIT;
	char *buf = malloc(NOTE_MAX_LEN);
	int len;

	if (!buf || h->checkpoint_len == 0 || (len = full_note(f, txn, h, buf, NOTE_MAX_LEN)) < 0) {
		free(buf);
		return;
	}
	sc.origin = (char *)h->origin;
	sc.note.data = (uint8_t *)buf, sc.note.len = (size_t)len;
	m.kind_case = REMACTO__PEER__V1__PEER_MESSAGE__KIND_CHECKPOINT;
	m.checkpoint = &sc;
	for (struct fed_peer *fp = f->peers; fp; fp = fp->next)
		if (fp->p != except)
			send_to(fp->p, &m);
	free(buf);
}

struct vector_ctx {
	struct fed *f;
	struct peer *p;
	MDB_txn *txn;
	Remacto__Peer__V1__SignedCheckpoint **items;
	size_t n, cap, bytes;
};

static void
flush_vector(struct vector_ctx *v)
{
	Remacto__Peer__V1__PeerMessage m = REMACTO__PEER__V1__PEER_MESSAGE__INIT;
	Remacto__Peer__V1__CheckpointVector cv = REMACTO__PEER__V1__CHECKPOINT_VECTOR__INIT;
	cv.checkpoints = v->items;
	cv.n_checkpoints = v->n;
	m.kind_case = REMACTO__PEER__V1__PEER_MESSAGE__KIND_VECTOR;
	m.vector = &cv;
	send_to(v->p, &m);
	for (size_t i = 0; i < v->n; i++) {
		free(v->items[i]->origin);
		free(v->items[i]->note.data);
		free(v->items[i]);
	}
	v->n = 0;
	v->bytes = 0;
}

static int
vector_item(const Remacto__Store__LogRecord *rec, void *arg)
{
	struct vector_ctx *v = arg;
	struct tlog_head *h = malloc(sizeof(*h));
	Remacto__Peer__V1__SignedCheckpoint *sc = NULL;
	char *buf = malloc(NOTE_MAX_LEN);
	int len;

	if (!h || !buf || tlog_head(&v->f->n->store, v->txn, rec->origin, h) != 0 ||
	    h->checkpoint_len == 0)
		goto done;
	/* The note held is of the size it names, which may be below the log's during a catch-up. */
	struct checkpoint cp;
	char why[64];
	size_t tl = note_text_len(h->checkpoint, h->checkpoint_len);
	if (!tl || !checkpoint_parse(h->checkpoint, tl, &cp, why, sizeof(why)))
		goto done;
	h->size = cp.size;
	if ((len = full_note(v->f, v->txn, h, buf, NOTE_MAX_LEN)) < 0)
		goto done;
	if (v->n == v->cap) {
		size_t ncap = v->cap ? v->cap * 2 : 64;
		void *ni = realloc(v->items, ncap * sizeof(*v->items));
		if (!ni)
			goto done;
		v->items = ni, v->cap = ncap;
	}
	if (!(sc = malloc(sizeof(*sc))))
		goto done;
	remacto__peer__v1__signed_checkpoint__init(sc);
	sc->origin = strdup(rec->origin);
	sc->note.data = (uint8_t *)buf, sc->note.len = (size_t)len;
	buf = NULL;
	v->items[v->n++] = sc;
	v->bytes += sc->note.len + strlen(rec->origin) + 8;
	if (v->bytes > VECTOR_FRAME_BYTES)
		flush_vector(v);
done:
	free(buf);
	free(h);
	return 0;
}

static void
send_vector(struct fed *f, struct peer *p)
{
	struct vector_ctx v = { f, p, NULL, NULL, 0, 0, 0 };
	if (store_read_begin(&f->n->store, &v.txn) != 0)
		return;
	store_log_each(&f->n->store, v.txn, vector_item, &v);
	mdb_txn_abort(v.txn);
	/* Always at least one vector frame, even empty: it tells the peer we said all we hold. */
	flush_vector(&v);
	free(v.items);
}

/* ---- equivocation ---- */

static void
equivocation(struct fed *f, const char *origin, const char *a, size_t la, const char *b, size_t lb,
             struct peer *from)
{
	struct fed_log *l = find_log(f, origin, true);
	MDB_txn *txn;
	int rc, fresh = 0;

	if ((rc = mdb_txn_begin(f->n->store.env, NULL, 0, &txn)) != 0)
		return;
	fresh = evidence_put(&f->n->store, txn, origin, a, la, b, lb);
	if (fresh < 0 || mdb_txn_commit(txn) != 0) {
		if (fresh < 0)
			mdb_txn_abort(txn);
		return;
	}
	if (l) {
		l->forked = true;
		while (l->chunks) {
			struct chunk *c = l->chunks;
			l->chunks = c->next;
			chunk_free(c);
		}
		while (l->ncands)
			free(l->cands[--l->ncands].note);
		l->target = NULL;
	}
	if (f->n->own_log && !strcmp(origin, f->n->signer.v.name)) {
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
				send_to(fp->p, &m);
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
	size_t tl = note_text_len(note, len);

	if (len > NOTE_MAX_LEN || !tl || !checkpoint_parse(note, tl, cp, why, sizeof(why)) ||
	    strcmp(cp->origin, origin) != 0)
		return -1;
	if (registry_key_for(&f->n->store, txn, origin, cp->size, author, why, sizeof(why)) != 0) {
		/* Its own log a node recognises by its own key, registry or not: a node restarted
		 * from an empty folder must see what the federation holds of its log before it
		 * publishes again. */
		if (!f->n->own_log || strcmp(origin, f->n->signer.v.name) != 0)
			return 0; /* not a member (yet, as far as this node knows), or suspended */
		*author = f->n->signer.v;
	}
	refresh_verifiers(f, txn);
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
on_checkpoint(struct fed *f, struct peer *p, const char *origin, const uint8_t *data, size_t len)
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

	if (!nt || !h || store_read_begin(&f->n->store, &txn) != 0)
		goto done;
	rc = open_checkpoint(f, txn, origin, note, len, &cp, nt, &author);
	if (rc < 0) {
		mdb_txn_abort(txn), txn = NULL;
		peer_penalise(p, "a checkpoint whose signature does not verify");
		goto done;
	}
	if (rc == 0 && f->npending < MAX_PENDING) {
		struct pending *pd = calloc(1, sizeof(*pd));
		if (pd && (pd->note = malloc(len))) {
			snprintf(pd->origin, sizeof(pd->origin), "%s", origin);
			memcpy(pd->note, data, len);
			pd->len = len;
			pd->p = p;
			pd->next = f->pending;
			f->pending = pd;
			f->npending++;
		} else {
			free(pd);
		}
	}
	if (rc == 0 || evidence_forked(&f->n->store, txn, origin))
		goto done;
	bool held = head_of(f, txn, origin, h) == 0;
	uint64_t m = held ? h->size : 0;

	if (held && cp.size <= m && cp.size > 0) {
		struct tlog_head *at = h;
		/* Our root at cp.size: the record's for m, computed for smaller sizes. */
		if (cp.size == m) {
			memcpy(root, h->root, 32);
		} else {
			uint8_t a[32], proof[MERKLE_MAX_PROOF][MERKLE_HASH_LEN];
			size_t np;
			if (tlog_consistency(&f->n->store, txn, at, cp.size, m, root, a, proof,
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
			if (mdb_txn_begin(f->n->store.env, NULL, 0, &txn) == 0) {
				if (witness_keep(&f->n->store, txn, h->id, cp.size, nt) >= 0 &&
				    mdb_txn_commit(txn) == 0)
					txn = NULL;
			}
		}
		goto done;
	}
	if (cp.size <= m)
		goto done;
	/* A bigger tree: fetch what is missing from those who have it. */
	struct fed_log *l = find_log(f, origin, true);
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
	if (f->n->own_log && !strcmp(origin, f->n->signer.v.name) && !f->own_behind) {
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

/* ---- serving entries ---- */

static void
on_get_entries(struct fed *f, struct peer *p, const Remacto__Peer__V1__GetEntries *g)
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
	if (store_read_begin(&f->n->store, &txn) != 0)
		goto done;
	if (head_of(f, txn, g->origin, h) != 0 || g->proof_size > h->size) {
		Remacto__Peer__V1__Error er = REMACTO__PEER__V1__ERROR__INIT;
		er.reason = "entries beyond what this node holds";
		m.kind_case = REMACTO__PEER__V1__PEER_MESSAGE__KIND_ERROR;
		m.error = &er;
		send_to(p, &m);
		goto done;
	}
	if (!(items = calloc(g->count, sizeof(*items))))
		goto done;
	for (; n < g->count; n++) {
		const uint8_t *d;
		size_t dl;
		if (store_entry_get(&f->n->store, txn, h->id, g->start + n, &d, &dl) != 0)
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
	    tlog_consistency(&f->n->store, txn, h, g->start + n, g->proof_size, r1, r2, proof, &np))
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
	send_to(p, &m);
done:
	if (txn)
		mdb_txn_abort(txn);
	free(items);
	free(h);
}

/* ---- applying entries ---- */

struct apply_arg {
	struct fed *f;
	struct fed_log *l;
	struct chunk *c;
	uint64_t skip; /* entries of the chunk already held */
	bool with_note;
	struct tlog_head *head;
	bool verified;
};

static int
apply_txn(MDB_txn *txn, void *arg)
{
	struct apply_arg *a = arg;
	struct store *s = &a->f->n->store;
	struct tlog_batch b;
	uint8_t root[32];
	char err[256];
	int rc;

	a->verified = false;
	rc = tlog_create_replica(s, txn, a->l->origin, a->c->vkey);
	if (rc != 0 && rc != -EEXIST)
		return rc;
	if ((rc = tlog_batch_begin(&b, s, txn, a->l->origin)) != 0)
		return rc;
	if (b.range.size != a->c->start + a->skip) {
		rc = -EAGAIN;
		goto fail;
	}
	for (size_t i = a->skip; i < a->c->n; i++)
		if ((rc = tlog_batch_add(&b, txn, a->c->data[i], a->c->len[i], false, err,
		                         sizeof(err))) != 0)
			goto fail;
	tlog_batch_root(&b, root);
	uint64_t e = b.range.size;
	if (e == a->c->proof_size)
		a->verified = a->c->nproof == 0 && !memcmp(root, a->c->proof_root, 32);
	else
		a->verified = merkle_verify_consistency(e, a->c->proof_size, root, a->c->proof_root,
		                                        (const uint8_t(*)[32])a->c->proof,
		                                        a->c->nproof);
	if (!a->verified) {
		rc = -EBADMSG;
		goto fail;
	}
	/* Reaching a signed checkpoint: it becomes the log's checkpoint. */
	const struct cand *at = NULL;
	for (size_t i = 0; i < a->l->ncands; i++)
		if (a->l->cands[i].size == e && !memcmp(root, a->l->cands[i].root, 32))
			at = &a->l->cands[i];
	a->with_note = at != NULL;
	rc = tlog_batch_seal_verified(&b, txn, at ? at->note : NULL, at ? at->len : 0,
	                              at ? at->vkey : NULL, a->head);
	if (rc == 0 && a->with_note &&
	    !(a->f->n->own_log && !strcmp(a->l->origin, a->f->n->signer.v.name))) {
		/* Witness it: consistent with everything this node saw of the log. */
		char line[NOTE_NAME_MAX + 160];
		size_t tl = note_text_len(at->note, at->len);
		uint64_t now = (uint64_t)time(NULL);
		int ll = tl ? note_cosign_line(&a->f->n->witness, at->note, tl, now, line,
		                               sizeof(line))
		            : -1;
		if (ll > 0)
			rc = witness_put(s, txn, b.rec->id, e, a->f->n->witness.v.name, now, line,
			                 (size_t)ll);
	}
fail:
	tlog_batch_end(&b);
	return rc;
}

static void
apply_chunks(struct fed *f, struct fed_log *l)
{
	struct tlog_head *h = malloc(sizeof(*h));
	if (!h)
		return;
	while (l->chunks && !l->forked) {
		MDB_txn *txn;
		uint64_t m = 0;
		if (store_read_begin(&f->n->store, &txn) != 0)
			break;
		if (head_of(f, txn, l->origin, h) == 0)
			m = h->size;
		mdb_txn_abort(txn);
		/* Drop what is already held; stop at a gap. */
		struct chunk *c = l->chunks;
		if (c->start + c->n <= m) {
			l->chunks = c->next;
			chunk_free(c);
			continue;
		}
		if (c->start > m)
			break;
		struct apply_arg a = { f, l, c, m - c->start, false, h, false };
		int rc = store_write(&f->n->store, apply_txn, &a);
		l->chunks = c->next;
		if (rc == -EBADMSG) {
			peer_penalise(c->from, "entries that do not reproduce the signed root");
			add_retry(l, c->start, c->start + c->n);
		} else if (rc != 0) {
			log_warn("fed: cannot store entries of %s: %s%s", l->origin,
			         store_strerror(rc), store_io_hint(rc));
			add_retry(l, c->start, c->start + c->n);
		} else if (a.with_note) {
			MDB_txn *rt;
			live_checkpoint(f->n, h->origin, h->size);
			if (store_read_begin(&f->n->store, &rt) == 0) {
				gossip_head(f, rt, h, NULL);
				mdb_txn_abort(rt);
			}
		}
		chunk_free(c);
		if (rc != 0)
			break;
	}
	free(h);
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

static void
request_done(struct fed *f, struct fed_req *r)
{
	struct fed_peer *fp = find_peer(f, r->p);
	if (fp && fp->inflight)
		fp->inflight--;
	if (r->log->inflight)
		r->log->inflight--;
	free(r);
}

static void
on_entries(struct fed *f, struct peer *p, const Remacto__Peer__V1__Entries *e)
{
	struct fed_req *r = take_request(f, p, e->request_id);
	struct chunk *c;

	if (!r) {
		peer_penalise(p, "entries nobody asked for");
		return;
	}
	struct fed_log *l = r->log;
	if (strcmp(e->origin, l->origin) || e->start != r->start || e->n_entries == 0 ||
	    e->n_entries > r->count || e->n_proof > MERKLE_MAX_PROOF) {
		add_retry(l, r->start, r->start + r->count);
		request_done(f, r);
		peer_penalise(p, "an answer that does not match its request");
		return;
	}
	for (size_t i = 0; i < e->n_entries; i++)
		if (e->entries[i].len == 0 || e->entries[i].len > ENTRY_MAX_LEN) {
			add_retry(l, r->start, r->start + r->count);
			request_done(f, r);
			peer_penalise(p, "an entry over 64 KiB or empty");
			return;
		}
	for (size_t i = 0; i < e->n_proof; i++)
		if (e->proof[i].len != 32) {
			add_retry(l, r->start, r->start + r->count);
			request_done(f, r);
			peer_penalise(p, "a proof hash that is not 32 bytes");
			return;
		}
	if (e->n_entries < r->count)
		add_retry(l, r->start + e->n_entries, r->start + r->count);
	if (l->forked || !(c = calloc(1, sizeof(*c))))
		goto out;
	c->start = e->start;
	c->n = e->n_entries;
	c->data = calloc(c->n, sizeof(*c->data));
	c->len = calloc(c->n, sizeof(*c->len));
	c->proof = malloc((e->n_proof ? e->n_proof : 1) * 32);
	if (!c->data || !c->len || !c->proof) {
		chunk_free(c);
		goto out;
	}
	for (size_t i = 0; i < c->n; i++) {
		if (!(c->data[i] = malloc(e->entries[i].len))) {
			chunk_free(c);
			goto out;
		}
		memcpy(c->data[i], e->entries[i].data, e->entries[i].len);
		c->len[i] = e->entries[i].len;
	}
	for (size_t i = 0; i < e->n_proof; i++)
		memcpy(c->proof[i], e->proof[i].data, 32);
	c->nproof = e->n_proof;
	c->proof_size = r->proof_size;
	memcpy(c->proof_root, r->proof_root, 32);
	memcpy(c->vkey, r->vkey, sizeof(c->vkey));
	c->from = p;
	/* Keep chunks in start order. */
	struct chunk **pp = &l->chunks;
	while (*pp && (*pp)->start < c->start)
		pp = &(*pp)->next;
	c->next = *pp;
	*pp = c;
out:
	request_done(f, r);
	apply_chunks(f, l);
}

/* ---- equivocation from peers ---- */

static void
on_equivocation(struct fed *f, struct peer *p, const Remacto__Peer__V1__Equivocation *e)
{
	struct checkpoint a, b;
	struct note *na = malloc(sizeof(*na)), *nb = malloc(sizeof(*nb));
	struct note_verifier ka, kb;
	MDB_txn *txn = NULL;
	int ra, rb;

	if (!na || !nb || store_read_begin(&f->n->store, &txn) != 0)
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

/* ---- entry points ---- */

struct fed *
fed_create(struct node *n, char *err, size_t errcap)
{
	struct fed *f = calloc(1, sizeof(*f));
	if (!f) {
		snprintf(err, errcap, "out of memory");
		return NULL;
	}
	f->n = n;
	f->started = time(NULL);
	f->next_id = 1;
	f->own_gossiped = UINT64_MAX;
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
		free(r);
	}
	while (f->logs) {
		struct fed_log *l = f->logs;
		f->logs = l->next;
		while (l->chunks) {
			struct chunk *c = l->chunks;
			l->chunks = c->next;
			chunk_free(c);
		}
		while (l->ncands)
			free(l->cands[--l->ncands].note);
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
		free(pd->note);
		free(pd);
	}
	free(f->verifiers);
	free(f);
}

void
fed_peer_ready(struct fed *f, struct peer *p)
{
	struct fed_peer *fp = calloc(1, sizeof(*fp));
	if (!fp)
		return;
	fp->p = p;
	fp->next = f->peers;
	f->peers = fp;
	send_vector(f, p);
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
		add_retry(r->log, r->start, r->start + r->count);
		if (r->log->inflight)
			r->log->inflight--;
		free(r);
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
	}
	for (struct pending *pd = f->pending; pd; pd = pd->next)
		if (pd->p == p)
			pd->p = NULL;
}

void
fed_peer_message(struct fed *f, struct peer *p, const Remacto__Peer__V1__PeerMessage *m)
{
	switch (m->kind_case) {
	case REMACTO__PEER__V1__PEER_MESSAGE__KIND_VECTOR:
		f->saw_vector = true;
		for (size_t i = 0; i < m->vector->n_checkpoints; i++) {
			const Remacto__Peer__V1__SignedCheckpoint *sc = m->vector->checkpoints[i];
			on_checkpoint(f, p, sc->origin, sc->note.data, sc->note.len);
			if (!find_peer(f, p))
				return; /* penalised and closed */
		}
		break;
	case REMACTO__PEER__V1__PEER_MESSAGE__KIND_CHECKPOINT:
		on_checkpoint(f, p, m->checkpoint->origin, m->checkpoint->note.data,
		              m->checkpoint->note.len);
		break;
	case REMACTO__PEER__V1__PEER_MESSAGE__KIND_GET_ENTRIES:
		on_get_entries(f, p, m->get_entries);
		break;
	case REMACTO__PEER__V1__PEER_MESSAGE__KIND_ENTRIES:
		on_entries(f, p, m->entries);
		break;
	case REMACTO__PEER__V1__PEER_MESSAGE__KIND_EQUIVOCATION:
		on_equivocation(f, p, m->equivocation);
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
static struct peer *
pick_holder(struct fed *f, struct fed_log *l, uint64_t need, struct fed_peer **out)
{
	struct fed_peer *best = NULL;
	for (size_t i = 0; i < l->nholders; i++) {
		if (l->holders[i].size < need)
			continue;
		struct fed_peer *fp = find_peer(f, l->holders[i].p);
		if (!fp || fp->inflight >= FED_WINDOW || peer_queued(fp->p) > (1u << 20))
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
		add_retry(l, start, end);
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
	g.request_id = r->id;
	g.origin = l->origin;
	g.start = start;
	g.count = r->count;
	g.proof_size = r->proof_size;
	m.kind_case = REMACTO__PEER__V1__PEER_MESSAGE__KIND_GET_ENTRIES;
	m.get_entries = &g;
	send_to(p, &m);
}

/* Forgets candidates the node has reached, and picks the biggest one a live peer can serve. */
static struct cand *
choose_target(struct fed *f, struct fed_log *l, uint64_t held)
{
	struct cand *best = NULL;
	for (size_t i = 0; i < l->ncands;) {
		if (l->cands[i].size <= held) {
			free(l->cands[i].note);
			l->cands[i] = l->cands[--l->ncands];
			continue;
		}
		for (size_t h = 0; h < l->nholders; h++)
			if (l->holders[h].size >= l->cands[i].size &&
			    find_peer(f, l->holders[h].p) &&
			    (!best || l->cands[i].size > best->size))
				best = &l->cands[i];
		i++;
	}
	l->target = best;
	return best;
}

static void
schedule(struct fed *f, struct fed_log *l, uint64_t held)
{
	struct fed_peer *fp;
	struct cand *t = choose_target(f, l, held);

	if (!t)
		return;
	if (l->want < held)
		l->want = held;
	while (!l->forked && l->inflight < LOG_WINDOW && pick_holder(f, l, t->size, &fp)) {
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
			end = r.end > t->size ? t->size : r.end;
			if (end - start > FED_BATCH)
				end = start + FED_BATCH;
			add_retry(l, end, r.end);
		} else if (l->want < t->size) {
			start = l->want;
			end = t->size - start > FED_BATCH ? start + FED_BATCH : t->size;
			l->want = end;
		} else {
			break;
		}
		request(f, l, t, start, end);
	}
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
	if (f->n->own_log && store_read_begin(&f->n->store, &txn) == 0) {
		if (head_of(f, txn, f->n->signer.v.name, h) == 0) {
			if (h->size != f->own_gossiped) {
				f->own_gossiped = h->size;
				gossip_head(f, txn, h, NULL);
			}
			struct fed_log *own = find_log(f, h->origin, false);
			uint64_t want = 0;
			for (size_t i = 0; own && i < own->ncands; i++)
				if (own->cands[i].size > want)
					want = own->cands[i].size;
			if (f->own_behind && h->size >= want) {
				f->own_behind = false;
				log_info(
				        "fed: this node's own log is caught up (%llu entries); publishing "
				        "resumes",
				        (unsigned long long)h->size);
			}
		}
		mdb_txn_abort(txn);
	}
	free(h);
	/* The registry grew: look again at checkpoints of logs it did not know. */
	if (f->pending && store_read_begin(&f->n->store, &txn) == 0) {
		refresh_verifiers(f, txn);
		mdb_txn_abort(txn);
	}
	if (f->pending && f->verifiers_registry_size != f->pending_registry_size) {
		struct pending *list = f->pending;
		f->pending = NULL;
		f->npending = 0;
		f->pending_registry_size = f->verifiers_registry_size;
		while (list) {
			struct pending *pd = list;
			list = pd->next;
			if (pd->p && find_peer(f, pd->p))
				on_checkpoint(f, pd->p, pd->origin, pd->note, pd->len);
			free(pd->note);
			free(pd);
		}
	}
	/* Requests that got no answer go to someone else. */
	for (struct fed_req **pp = &f->reqs; *pp;) {
		struct fed_req *r = *pp;
		if (now - r->sent < FED_REQUEST_TIMEOUT_S) {
			pp = &r->next;
			continue;
		}
		*pp = r->next;
		log_info("fed: %s did not answer a request for %s in %d s", peer_name(r->p),
		         r->log->origin, FED_REQUEST_TIMEOUT_S);
		add_retry(r->log, r->start, r->start + r->count);
		request_done(f, r);
	}
	h = NULL;
	/* A fork the registry answered (a key rotation after the evidence) no longer stops the
	 * log. */
	bool forked = f->own_forked;
	for (struct fed_log *l = f->logs; l && !forked; l = l->next)
		forked = l->forked;
	if (forked && store_read_begin(&f->n->store, &txn) == 0) {
		for (struct fed_log *l = f->logs; l; l = l->next)
			if (l->forked && !evidence_forked(&f->n->store, txn, l->origin)) {
				l->forked = false;
				log_info("fed: the registry rotated the key of %s after its fork: "
				         "replicating it again",
				         l->origin);
			}
		if (f->own_forked && !evidence_forked(&f->n->store, txn, f->n->signer.v.name)) {
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
	if (any && (h = malloc(sizeof(*h))) && store_read_begin(&f->n->store, &txn) == 0) {
		for (struct fed_log *l = f->logs; l; l = l->next) {
			if (!l->ncands || l->forked)
				continue;
			uint64_t held = head_of(f, txn, l->origin, h) == 0 ? h->size : 0;
			schedule(f, l, held);
		}
		mdb_txn_abort(txn);
	}
	free(h);
}

bool
fed_may_publish(struct fed *f)
{
	if (!f)
		return true;
	if (f->own_forked || f->own_behind)
		return false;
	/* With peers configured, a node publishes only after one of them told what it holds:
	 * a node restarted from an empty folder must never sign a new history over its old one.
	 * Without configured peers (a lone node, or one only dialled by others) it publishes at
	 * once. */
	return f->saw_vector || f->n->cfg.npeers == 0;
}
