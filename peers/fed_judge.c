/*
 * fed_judge — what one signed checkpoint is worth against the registry, on its own: forged,
 * waiting for the registry, valid, refused for now (a suspension), or signed by a key a
 * rotation retired at its size. Only a forgery is held against the peer that sent it, and only
 * once this node's registry is at least as big as that peer's: a key this node cannot verify
 * may be in the part of the registry it lacks. See fed.h for what each verdict leads to.
 *
 * Also the verifiers of every member's keys as witnesses, the slugs the registry leaves to the
 * member admitted first, and the note as stored (text and the author's line only).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/b64.h"
#include "core/log.h"
#include "fed_impl.h"
#include "registry.h"

/* ---- verifiers and slugs, per registry size ---- */

struct collect {
	struct fed *f;
	/* Members in admission order, for the slugs. */
	struct {
		uint64_t index;
		char origin[NOTE_NAME_MAX + 1];
	} * adm;
	size_t nadm, cap;
};

static int
collect_member(const Remacto__Store__MemberRecord *m, void *arg)
{
	struct collect *c = arg;
	struct fed *f = c->f;
	char why[160];
	for (size_t i = 0; i < m->n_keys && f->nverifiers < MAX_VERIFIERS; i++) {
		struct note_verifier v;
		if (!note_verifier_parse(m->keys[i]->verifier_key, &v, why, sizeof(why)))
			continue;
		/* The member's key as a witness: tlog-cosignature, alg 0x04, same name. */
		v.alg = NOTE_ALG_COSIGNATURE_V1;
		v.key_id = note_key_id(v.name, v.alg, v.pub);
		bool dup = false;
		for (size_t k = 0; k < f->nverifiers && !dup; k++)
			dup = f->verifiers[k].key_id == v.key_id &&
			      !strcmp(f->verifiers[k].name, v.name);
		if (!dup)
			f->verifiers[f->nverifiers++] = v;
	}
	if (c->nadm == c->cap) {
		size_t ncap = c->cap ? c->cap * 2 : 64;
		void *na = realloc(c->adm, ncap * sizeof(*c->adm));
		if (!na)
			return -ENOMEM;
		c->adm = na, c->cap = ncap;
	}
	c->adm[c->nadm].index = m->admission_index;
	snprintf(c->adm[c->nadm].origin, sizeof(c->adm[c->nadm].origin), "%s", m->origin);
	c->nadm++;
	return 0;
}

static int
by_index(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static int
by_name(const void *a, const void *b)
{
	return strcmp(a, b);
}

uint64_t
fed_registry_size(struct fed *f, MDB_txn *txn)
{
	Remacto__Store__LogRecord *rec = NULL;
	struct note_verifier auth;
	uint64_t size = 0;
	if (registry_authority(f->ctx.store, txn, &auth) &&
	    store_log_get(f->ctx.store, txn, auth.name, &rec) == 0)
		size = rec->size;
	remacto__store__log_record__free_unpacked(rec, NULL);
	return size;
}

uint64_t
fed_note_size(const char *note, size_t len)
{
	struct checkpoint cp;
	char why[64];
	size_t tl = fed_note_text_len(note, len);
	return tl && checkpoint_parse(note, tl, &cp, why, sizeof(why)) ? cp.size : 0;
}

void
fed_refresh_verifiers(struct fed *f, MDB_txn *txn)
{
	struct collect c = { .f = f };
	struct note_verifier auth;
	uint64_t size = fed_registry_size(f, txn);

	if (f->verifiers && size == f->verifiers_registry_size)
		return;
	if (!f->verifiers && !(f->verifiers = calloc(MAX_VERIFIERS, sizeof(*f->verifiers))))
		return;
	f->nverifiers = 0;
	/* The authority's node witnesses too, with the authority's key. */
	if (registry_authority(f->ctx.store, txn, &auth)) {
		auth.alg = NOTE_ALG_COSIGNATURE_V1;
		auth.key_id = note_key_id(auth.name, auth.alg, auth.pub);
		f->verifiers[f->nverifiers++] = auth;
	}
	/* The registry's governance keys approve its checkpoints with cosignatures: those of
	 * the governance the node holds, and of the one it is configured with. */
	struct registry_gov *g = malloc(sizeof(*g));
	if (g && registry_governance(f->ctx.store, txn, g) == 0)
		for (size_t i = 0; i < g->n && g->governed && f->nverifiers < MAX_VERIFIERS; i++)
			f->verifiers[f->nverifiers++] = g->keys[i].cosig;
	free(g);
	const struct registry_gov *cg = f->ctx.governance;
	for (size_t i = 0; cg && cg->governed && i < cg->n && f->nverifiers < MAX_VERIFIERS; i++) {
		bool dup = false;
		for (size_t k = 0; k < f->nverifiers && !dup; k++)
			dup = f->verifiers[k].key_id == cg->keys[i].cosig.key_id &&
			      !strcmp(f->verifiers[k].name, cg->keys[i].cosig.name);
		if (!dup)
			f->verifiers[f->nverifiers++] = cg->keys[i].cosig;
	}
	if (registry_each(f->ctx.store, txn, collect_member, &c) != 0) {
		free(c.adm);
		return; /* tried again at the next tick */
	}
	/* A slug is served for one origin: the registry's, then each member's in admission
	 * order; a later member with a taken slug is shadowed, on every node alike. */
	if (c.nadm) /* qsort's array may not be NULL, even for 0 elements (UBSan) */
		qsort(c.adm, c.nadm, sizeof(*c.adm), by_index);
	char(*was)[NOTE_NAME_MAX + 1] = f->shadowed;
	size_t nwas = f->nshadowed;
	f->shadowed = c.nadm ? calloc(c.nadm, sizeof(*f->shadowed)) : NULL;
	f->nshadowed = 0;
	bool have_auth = registry_authority(f->ctx.store, txn, &auth);
	for (size_t i = 0; f->shadowed && i < c.nadm; i++) {
		const char *slug = store_slug(c.adm[i].origin), *first = NULL;
		if (have_auth && !strcmp(store_slug(auth.name), slug))
			first = auth.name;
		for (size_t k = 0; k < i && !first; k++)
			if (!strcmp(store_slug(c.adm[k].origin), slug))
				first = c.adm[k].origin;
		if (!first)
			continue;
		snprintf(f->shadowed[f->nshadowed++], sizeof(*f->shadowed), "%s", c.adm[i].origin);
		/* Said once, when the registry admits it. */
		if (nwas && bsearch(c.adm[i].origin, was, nwas, sizeof(*was), by_name))
			continue;
		if (fed_is_own(f, c.adm[i].origin))
			log_err("fed: this node's own origin %s has the slug \"%s\" of %s, admitted "
			        "before it: this node cannot hold that log; the network authority "
			        "should admit this member under an origin of its own",
			        c.adm[i].origin, slug, first);
		else
			log_warn(
			        "fed: %s is not replicated: its slug \"%s\" (the last element of "
			        "the origin, under which logs are served) is that of %s, admitted "
			        "before it; the network authority should admit it under an origin of "
			        "its own",
			        c.adm[i].origin, slug, first);
	}
	if (f->nshadowed)
		qsort(f->shadowed, f->nshadowed, sizeof(*f->shadowed), by_name);
	free(was);
	free(c.adm);
	f->verifiers_registry_size = size;
}

bool
fed_shadowed(const struct fed *f, const char *origin)
{
	return f->nshadowed &&
	       bsearch(origin, f->shadowed, f->nshadowed, sizeof(*f->shadowed), by_name);
}

/* ---- judging ---- */

/* The keys that ever signed origin's log, in from_size order, with the size from which each
 * is the registry's: the authority's for the registry log, the member's keys otherwise, and
 * the node's own key for its own log when the registry does not list it (a node restarted
 * from an empty folder must see what the federation holds of its log, registry or not). */
struct keyring {
	struct note_verifier k[2 * REGISTRY_GOV_MAX + 1];
	uint64_t from[2 * REGISTRY_GOV_MAX + 1];
	size_t n;
	bool own_extra; /* k[n - 1] is the node's own key, not the registry's */
	bool member, suspended;
	uint64_t suspended_at;
	bool registry; /* the registry's log: every key of its governance signs it */
};

/* Whether a note opened with the governance verifiers carries the approvals the registry
 * needs past what the node holds (docs/PROTOCOL.md §8): the quorum of the governance the
 * node holds, or of the one it is configured with ([authority] policy) — which alone counts
 * while the node holds none (a configured node does not take a registry from the
 * authority's key alone). *got, *need: the held governance's count and quorum, for the log. */
static int
approved(struct fed *f, MDB_txn *txn, const struct note *nt, size_t *got, unsigned *need)
{
	struct registry_gov *g = malloc(sizeof(*g));
	const struct registry_gov *cg = f->ctx.governance;
	bool cfg = cg && cg->governed, ok;
	if (!g)
		return -ENOMEM;
	int rc = registry_governance(f->ctx.store, txn, g);
	if (rc != 0) {
		free(g);
		return rc;
	}
	*got = g->governed ? registry_gov_approvals(g, nt) : 0;
	*need = g->governed ? g->quorum : 0;
	ok = g->governed ? *got >= g->quorum : !cfg;
	if (!ok && cfg && registry_gov_approvals(cg, nt) >= cg->quorum)
		ok = true;
	if (!g->governed && cfg) {
		*got = registry_gov_approvals(cg, nt);
		*need = cg->quorum;
	}
	free(g);
	return ok ? 1 : 0;
}

/* Adds v to kr unless a key of kr has its public key. */
static void
keyring_add(struct keyring *kr, const struct note_verifier *v)
{
	for (size_t i = 0; i < kr->n; i++)
		if (!memcmp(kr->k[i].pub, v->pub, 32))
			return;
	if (kr->n < sizeof(kr->k) / sizeof(kr->k[0]))
		kr->k[kr->n++] = *v;
}

static void
keyring_load(struct fed *f, MDB_txn *txn, const char *origin, struct keyring *kr)
{
	Remacto__Store__MemberRecord *m = NULL;
	struct note_verifier auth;
	char why[160];

	memset(kr, 0, sizeof(*kr));
	if (registry_authority(f->ctx.store, txn, &auth) && !strcmp(auth.name, origin)) {
		/* Any governance key signs the registry's checkpoints, held or configured. */
		struct registry_gov *g = malloc(sizeof(*g));
		keyring_add(kr, &auth);
		if (g && registry_governance(f->ctx.store, txn, g) == 0)
			for (size_t i = 0; i < g->n; i++)
				keyring_add(kr, &g->keys[i].log);
		free(g);
		for (size_t i = 0; f->ctx.governance && i < f->ctx.governance->n; i++)
			keyring_add(kr, &f->ctx.governance->keys[i].log);
		kr->member = kr->registry = true;
	} else if (registry_member(f->ctx.store, txn, origin, &m) == 0) {
		kr->member = true;
		kr->suspended = m->suspended;
		kr->suspended_at = m->suspended_at_size;
		/* Past the array, the newest keys matter: an old key beyond it reads as unknown. */
		size_t first = m->n_keys > 15 ? m->n_keys - 15 : 0;
		for (size_t i = first; i < m->n_keys; i++) {
			struct note_verifier v;
			if (!note_verifier_parse(m->keys[i]->verifier_key, &v, why, sizeof(why)) ||
			    strcmp(v.name, origin) != 0)
				continue;
			kr->k[kr->n] = v;
			kr->from[kr->n++] = m->keys[i]->from_size;
		}
	}
	remacto__store__member_record__free_unpacked(m, NULL);
	if (fed_is_own(f, origin)) {
		for (size_t i = 0; i < kr->n; i++)
			if (kr->k[i].key_id == f->ctx.own->v.key_id &&
			    !memcmp(kr->k[i].pub, f->ctx.own->v.pub, 32))
				return;
		kr->k[kr->n] = f->ctx.own->v;
		kr->from[kr->n++] = 0;
		kr->own_extra = true;
	}
}

/* The index in kr of the key the registry gives at size, -1 when none. */
static int
current_key(const struct keyring *kr, uint64_t size)
{
	int cur = -1;
	if (kr->registry) /* every governance key is the registry's at every size */
		return -2;
	for (size_t k = 0; k < kr->n; k++)
		if (kr->from[k] <= size && !(kr->own_extra && k == kr->n - 1))
			cur = (int)k;
	return cur;
}

/* After a failed note_open: whether it failed only for want of a line from a known key (every
 * signature line parsed, none of a key it was given) rather than on a malformed note or a
 * known key's line that did not verify (a forgery). */
static bool
only_unknown_keys(const char *note, size_t len, const struct note *nt,
                  const struct note_verifier *vs, size_t nv)
{
	size_t lines = 0;
	if (!nt->text_len || nt->text_len + 1 > len)
		return false;
	for (size_t i = nt->text_len + 1; i < len; i++)
		lines += note[i] == '\n';
	if (!nt->nsigs || lines != nt->nsigs)
		return false;
	for (size_t i = 0; i < nt->nsigs; i++)
		for (size_t k = 0; k < nv; k++)
			if (vs[k].key_id == nt->sigs[i].key_id &&
			    !strcmp(vs[k].name, nt->sigs[i].name))
				return false;
	return true;
}

void
fed_judge(struct fed *f, MDB_txn *txn, const char *origin, const char *note, size_t len,
          uint64_t peer_registry_size, struct note *nt, struct fed_judged *j)
{
	struct keyring kr;
	char why[160];
	size_t tl = fed_note_text_len(note, len);

	memset(j, 0, sizeof(*j));
	j->v = FED_FORGED;
	if (len > NOTE_MAX_LEN || !tl || !checkpoint_parse(note, tl, &j->cp, why, sizeof(why)) ||
	    strcmp(j->cp.origin, origin) != 0) {
		snprintf(j->why, sizeof(j->why), "a malformed checkpoint of %.*s", 100, origin);
		return;
	}
	keyring_load(f, txn, origin, &kr);
	if (!kr.n) {
		j->v = FED_WAIT;
		snprintf(j->why, sizeof(j->why), "%.*s is not a member as far as this node knows",
		         150, origin);
		return;
	}
	fed_refresh_verifiers(f, txn);
	/* The author's keys, then every member's witness key. */
	struct note_verifier *vs = malloc((kr.n + f->nverifiers) * sizeof(*vs));
	if (!vs) {
		j->v = FED_WAIT;
		snprintf(j->why, sizeof(j->why), "out of memory");
		return;
	}
	memcpy(vs, kr.k, kr.n * sizeof(*vs));
	memcpy(vs + kr.n, f->verifiers, f->nverifiers * sizeof(*vs));
	size_t nv = kr.n + f->nverifiers;
	bool opened = note_open(note, len, vs, nv, nt, why, sizeof(why));
	bool unknown = !opened && only_unknown_keys(note, len, nt, vs, nv);
	free(vs);
	int ki = -1;
	for (size_t i = 0; opened && i < nt->nsigs && ki < 0; i++)
		for (size_t k = 0; k < kr.n; k++)
			if (nt->sigs[i].verified && nt->sigs[i].sig_len == 64 &&
			    nt->sigs[i].key_id == kr.k[k].key_id &&
			    !strcmp(nt->sigs[i].name, origin))
				ki = (int)k;
	if (ki < 0) {
		/* No key of the log verifies it. Proven against the sender's registry only when
		 * this node holds at least as much of it (keys are only ever added). */
		uint64_t ours = fed_registry_size(f, txn);
		unknown = unknown || opened; /* opened: only witnesses' lines verified */
		if (!opened && !unknown) {
			snprintf(j->why, sizeof(j->why), "a checkpoint of %.*s: %s", 100, origin,
			         why);
		} else if (peer_registry_size > ours) {
			j->v = FED_WAIT;
			snprintf(j->why, sizeof(j->why),
			         "a checkpoint of %.*s signed by a key this node's registry (%llu) "
			         "may not hold yet",
			         100, origin, (unsigned long long)ours);
		} else {
			snprintf(
			        j->why, sizeof(j->why),
			        "a checkpoint of %.*s at size %llu whose signature verifies under no "
			        "key the registry gave that log",
			        100, origin, (unsigned long long)j->cp.size);
		}
		return;
	}
	j->author = kr.k[ki];
	if (kr.own_extra && (size_t)ki == kr.n - 1) {
		j->v = FED_VALID; /* the node's own signature, on its own log */
		return;
	}
	if (kr.registry) {
		/* A registry checkpoint past what this node holds needs the approvals of its
		 * governance (docs/PROTOCOL.md §8): a change is approved by the keys it replaces.
		 * Without them it is neither stored nor held against the peer: this node may lack a
		 * governance change that the peer holds. */
		uint64_t ours = fed_registry_size(f, txn);
		size_t got = 0;
		unsigned need = 0;
		int ok = j->cp.size > ours ? approved(f, txn, nt, &got, &need) : 1;
		j->v = ok == 1 ? FED_VALID : FED_WAIT;
		if (ok < 0)
			snprintf(j->why, sizeof(j->why), "cannot read the registry's governance");
		else if (ok == 0) {
			snprintf(j->why, sizeof(j->why),
			         "a checkpoint of the registry at size %llu approved by %zu of its "
			         "governance keys, %u needed",
			         (unsigned long long)j->cp.size, got, need);
			/* Said once a size (and a minute): a peer that repeats it fills no log. */
			static uint64_t said_size;
			static time_t said_at;
			time_t now = time(NULL);
			if (j->cp.size != said_size || now - said_at >= 60) {
				log_warn("fed: %s: not taken", j->why);
				said_size = j->cp.size, said_at = now;
			}
		}
		return;
	}
	uint64_t n = j->cp.size;
	if (kr.from[ki] > n) {
		snprintf(
		        j->why, sizeof(j->why),
		        "a checkpoint of %.*s at size %llu signed by a key the registry gives only "
		        "from size %llu",
		        100, origin, (unsigned long long)n, (unsigned long long)kr.from[ki]);
		return;
	}
	/* The key the registry gives at n: the last one from a size at or below it. */
	int cur = current_key(&kr, n);
	if (cur != ki) {
		j->v = FED_RETIRED;
		j->retired_from = kr.from[(size_t)ki + 1];
		j->keys_then = (uint32_t)ki + 1;
		return;
	}
	j->v = kr.suspended && n > kr.suspended_at ? FED_SUSPENDED : FED_VALID;
}

bool
fed_key_allowed(struct fed *f, MDB_txn *txn, const char *origin, uint64_t size, const char *vkey)
{
	struct keyring kr;
	struct note_verifier v;
	char why[160];
	if (!note_verifier_parse(vkey, &v, why, sizeof(why)))
		return false;
	keyring_load(f, txn, origin, &kr);
	if (!kr.n || (kr.suspended && size > kr.suspended_at))
		return false;
	int cur = current_key(&kr, size);
	for (size_t k = 0; kr.registry && k < kr.n; k++)
		if (!memcmp(kr.k[k].pub, v.pub, 32))
			return true;
	if (cur >= 0 && !memcmp(kr.k[cur].pub, v.pub, 32))
		return true;
	return kr.own_extra && !memcmp(kr.k[kr.n - 1].pub, v.pub, 32);
}

bool
fed_allowed_now(struct fed *f, MDB_txn *txn, const char *origin, const char *note, size_t len,
                struct note_verifier *author)
{
	struct keyring kr;
	struct checkpoint cp;
	struct note *nt;
	char why[160];
	size_t tl = fed_note_text_len(note, len);
	bool ok = false;

	if (!tl || !checkpoint_parse(note, tl, &cp, why, sizeof(why)) ||
	    strcmp(cp.origin, origin) != 0)
		return false;
	keyring_load(f, txn, origin, &kr);
	if (!kr.n || (kr.suspended && cp.size > kr.suspended_at) || !(nt = malloc(sizeof(*nt))))
		return false;
	/* The registry's key at that size, and the node's own (own log): one note_open each, so
	 * that a line of another key of the log is not mistaken for a forgery. */
	int cur = current_key(&kr, cp.size);
	for (size_t k = 0; k < kr.n && !ok; k++) {
		bool own_extra = kr.own_extra && k == kr.n - 1;
		if (((int)k == cur || own_extra || kr.registry) &&
		    note_open(note, len, &kr.k[k], 1, nt, why, sizeof(why))) {
			ok = true;
			*author = kr.k[k];
		}
	}
	free(nt);
	return ok;
}

char *
fed_author_note(const struct note *nt, const struct note_verifier *author, size_t *out_len)
{
	for (size_t i = 0; i < nt->nsigs; i++) {
		const struct note_sig *g = &nt->sigs[i];
		uint8_t raw[4 + 64];
		char b64[B64_ENCODED_LEN(sizeof(raw)) + 1];
		if (!g->verified || g->sig_len != 64 || g->key_id != author->key_id ||
		    strcmp(g->name, author->name) != 0)
			continue;
		raw[0] = (uint8_t)(g->key_id >> 24), raw[1] = (uint8_t)(g->key_id >> 16);
		raw[2] = (uint8_t)(g->key_id >> 8), raw[3] = (uint8_t)g->key_id;
		memcpy(raw + 4, g->sig, 64);
		b64_encode(raw, sizeof(raw), b64, sizeof(b64));
		size_t cap = nt->text_len + 1 + strlen(g->name) + strlen(b64) + 16;
		char *out = malloc(cap);
		if (!out)
			return NULL;
		memcpy(out, nt->text, nt->text_len);
		int l = snprintf(out + nt->text_len, cap - nt->text_len, "\n\xe2\x80\x94 %s %s\n",
		                 g->name, b64);
		*out_len = nt->text_len + (size_t)l;
		return out;
	}
	return NULL;
}
