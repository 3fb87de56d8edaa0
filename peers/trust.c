/*
 * trust — the registry's trust policy as a tlog-policy file. See trust.h.
 *
 * The registry is folded again from its first entries each time (a few thousand entries, a few
 * milliseconds), by the same rules registry_apply keeps its view with: an admission of a known
 * origin, a rotation that reaches back, and entries about non-members change nothing.
 */
#include "trust.h"

#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "core/b64.h"
#include "core/err.h"
#include "core/note.h"
#include "registry.h"
#include "store/tlog.h"

#define TOP_GROUP "network.quorum"

struct member {
	char *origin;
	char *vkey;
	uint64_t last_from; /* from_size of its latest key */
	bool suspended;
	char *peer_url;
};

struct fold {
	const char *registry;
	json_t *index; /* origin → position in v */
	struct member *v;
	size_t n, cap;
	Remacto__V1__Entry *policy; /* the latest WitnessPolicy entry, or NULL */
	int err;
};

static void
set_str(char **dst, const char *src)
{
	char *c = strdup(src ? src : "");
	if (c) {
		free(*dst);
		*dst = c;
	}
}

static struct member *
find(struct fold *f, const char *origin)
{
	json_t *i = json_object_get(f->index, origin ? origin : "");
	return i ? &f->v[json_integer_value(i)] : NULL;
}

static void
admit(struct fold *f, const Remacto__V1__MemberAdmission *a)
{
	struct member *m;
	if (!a->origin || !a->origin[0] || find(f, a->origin) || !strcmp(a->origin, f->registry))
		return;
	if (f->n == f->cap) {
		size_t nc = f->cap ? 2 * f->cap : 64;
		struct member *nv = realloc(f->v, nc * sizeof(*nv));
		if (!nv) {
			f->err = -ENOMEM;
			return;
		}
		f->v = nv, f->cap = nc;
	}
	m = &f->v[f->n];
	memset(m, 0, sizeof(*m));
	set_str(&m->origin, a->origin);
	set_str(&m->vkey, a->verifier_key);
	set_str(&m->peer_url, "");
	if (!m->origin || !m->vkey || !m->peer_url ||
	    json_object_set_new(f->index, a->origin, json_integer((json_int_t)f->n)) != 0) {
		free(m->origin), free(m->vkey), free(m->peer_url);
		f->err = -ENOMEM;
		return;
	}
	f->n++;
}

static int
fold_one(uint64_t index, const uint8_t *data, size_t len, void *arg)
{
	struct fold *f = arg;
	Remacto__V1__Entry *e = remacto__v1__entry__unpack(NULL, len, data);
	struct member *m;
	(void)index;
	if (!e)
		return 0; /* not an entry: registry_apply never saw it either */
	switch (e->kind_case) {
	case REMACTO__V1__ENTRY__KIND_MEMBER_ADMISSION:
		admit(f, e->member_admission);
		break;
	case REMACTO__V1__ENTRY__KIND_KEY_ROTATION:
		if ((m = find(f, e->key_rotation->origin)) &&
		    e->key_rotation->from_size > m->last_from) {
			set_str(&m->vkey, e->key_rotation->verifier_key);
			m->last_from = e->key_rotation->from_size;
		}
		break;
	case REMACTO__V1__ENTRY__KIND_MEMBER_SUSPENSION:
		if ((m = find(f, e->member_suspension->origin)))
			m->suspended = !e->member_suspension->lifted;
		break;
	case REMACTO__V1__ENTRY__KIND_PEER_ANNOUNCEMENT:
		if ((m = find(f, e->peer_announcement->origin)))
			set_str(&m->peer_url,
			        e->peer_announcement->withdrawn ? "" : e->peer_announcement->url);
		break;
	case REMACTO__V1__ENTRY__KIND_WITNESS_POLICY:
		if (f->policy)
			remacto__v1__entry__free_unpacked(f->policy, NULL);
		f->policy = e;
		return f->err;
	default:
		break;
	}
	remacto__v1__entry__free_unpacked(e, NULL);
	return f->err;
}

static void
fold_free(struct fold *f)
{
	for (size_t i = 0; i < f->n; i++) {
		free(f->v[i].origin);
		free(f->v[i].vkey);
		free(f->v[i].peer_url);
	}
	free(f->v);
	json_decref(f->index);
	if (f->policy)
		remacto__v1__entry__free_unpacked(f->policy, NULL);
}

/* "wss://host:port/peer" → "https://host:port" + suffix; false for any other form. */
static bool
url_from_peer(const char *peer, const char *suffix, char *out, size_t cap)
{
	size_t n = strlen(peer);
	if (n < 12 || strncmp(peer, "wss://", 6) || strcmp(peer + n - 5, "/peer") ||
	    memchr(peer + 6, '/', n - 11) || memchr(peer, ' ', n) || memchr(peer, '\t', n))
		return false;
	int k = snprintf(out, cap, "https://%.*s%s", (int)(n - 11), peer + 6, suffix);
	return k > 0 && (size_t)k < cap;
}

/* A member whose key the registry gave is usable: its vkey parses, is Ed25519, named as it. */
static bool
usable(const struct member *m, struct note_verifier *v)
{
	char why[160];
	return !m->suspended && note_verifier_parse(m->vkey, v, why, sizeof(why)) &&
	       v->alg == NOTE_ALG_ED25519 && !strcmp(v->name, m->origin);
}

static void
put_log(struct buf *out, const char *vkey, const char *url)
{
	buf_printf(out, "log %s%s%s\n", vkey, url ? " " : "", url ? url : "");
}

static void
put_witness(struct buf *out, const struct note_verifier *log, const char *url)
{
	struct note_verifier w = *log;
	char vk[NOTE_VKEY_MAX + 1];
	w.alg = NOTE_ALG_COSIGNATURE_V1;
	w.key_id = note_key_id(w.name, w.alg, w.pub);
	if (note_verifier_format(&w, vk, sizeof(vk)) < 0) {
		buf_fail(out, -EINVAL);
		return;
	}
	buf_printf(out, "witness %s %s%s%s\n", w.name, vk, url ? " " : "", url ? url : "");
}

/* The groups of the policy entry and the quorum line. names: every witness written. */
static void
put_quorum(struct buf *out, const Remacto__V1__WitnessPolicy *wp, json_t *names)
{
	size_t k = wp && wp->quorum ? wp->quorum : 1;
	json_t *groups = json_object();
	const char *name;
	json_t *val;

	for (size_t i = 0; wp && i < wp->n_groups; i++) {
		const Remacto__V1__WitnessGroup *g = wp->groups[i];
		struct buf line = BUF_INIT(0);
		size_t n = 0;
		if (json_object_get(names, g->name) || !strcmp(g->name, TOP_GROUP)) {
			buf_printf(out, "# group %s left out: a witness has that name\n", g->name);
			continue;
		}
		for (size_t m = 0; m < g->n_members; m++)
			if (json_object_get(names, g->members[m]) ||
			    json_object_get(groups, g->members[m])) {
				buf_printf(&line, " %s", g->members[m]);
				n++;
			}
		if (n == 0) {
			buf_printf(out,
			           "# group %s left out: none of its members is in the policy\n",
			           g->name);
			buf_free(&line);
			continue;
		}
		size_t t = g->threshold ? g->threshold : n;
		if (t > n) {
			buf_printf(out,
			           "# group %s: threshold %zu lowered to its %zu members left\n",
			           g->name, t, n);
			t = n;
		}
		buf_printf(out, "group %s %zu%s\n", g->name, t, line.data);
		buf_free(&line);
		json_object_set_new(groups, g->name, json_true());
	}
	/* K of the groups when there are any, else of every witness. */
	json_t *top = json_object_size(groups) ? groups : names;
	if (wp && wp->n_groups && !json_object_size(groups))
		buf_puts(out,
		         "# no group of the witness policy is left: the quorum counts witnesses\n");
	if (k > json_object_size(top)) {
		buf_printf(out, "# quorum %zu lowered to %zu: no more %s are left\n", k,
		           json_object_size(top), top == groups ? "groups" : "witnesses");
		k = json_object_size(top);
	}
	buf_printf(out, "group " TOP_GROUP " %zu", k);
	/* jansson keeps an object's keys in insertion order: the order they were written in. */
	json_object_foreach(top, name, val)
	{
		buf_printf(out, " %s", name);
	}
	buf_puts(out, "\nquorum " TOP_GROUP "\n");
	json_decref(groups);
}

int
trust_policy(struct store *s, MDB_txn *txn, uint64_t size, struct buf *out, uint64_t *used,
             char *err, size_t errcap)
{
	struct fold f = { 0 };
	struct note_verifier auth, v;
	struct tlog_head *h = NULL;
	uint8_t leaf[32], root[32], proof[MERKLE_MAX_PROOF][MERKLE_HASH_LEN];
	char rootb64[64], vk[NOTE_VKEY_MAX + 1];
	json_t *names = NULL;
	size_t np;
	int rc;

	if (!registry_authority(s, txn, &auth)) {
		err_set(err, errcap,
		        "this node knows no network registry ([authority] verifier_key)");
		return -ENOENT;
	}
	if (!(h = malloc(sizeof(*h))))
		return -ENOMEM;
	if ((rc = tlog_head(s, txn, auth.name, h)) != 0 || h->size == 0) {
		err_set(err, errcap, "this node holds no entry of the registry %s yet", auth.name);
		rc = rc == 0 || rc == MDB_NOTFOUND ? -ENOENT : rc;
		goto done;
	}
	if (size == TRUST_ALL)
		size = h->size;
	if (size == 0 || size > h->size) {
		err_set(err, errcap,
		        "the registry size must be from 1 to %" PRIu64
		        " (the entries of %s this node holds)",
		        h->size, auth.name);
		rc = -ERANGE;
		goto done;
	}
	*used = size;
	f.registry = auth.name;
	if (!(f.index = json_object()) || !(names = json_object())) {
		rc = -ENOMEM;
		goto done;
	}
	if ((rc = store_entry_each(s, txn, h->id, 0, size, fold_one, &f)) != 0 ||
	    (rc = tlog_inclusion(s, txn, h, 0, size, leaf, root, proof, &np)) != 0)
		goto done;
	b64_encode(root, 32, rootb64, sizeof(rootb64));

	buf_printf(
	        out,
	        "# c2sp.org/tlog-policy of the REMACTO network whose registry is %s,\n"
	        "# as its first %" PRIu64 " entries define it (tree root %s).\n"
	        "# Logs: the registry and every member in good standing, with its current key.\n"
	        "# Witnesses: their nodes, each with its key as a tlog-cosignature key, named as "
	        "it cosigns.\n",
	        auth.name, size, rootb64);
	note_verifier_format(&auth, vk, sizeof(vk));
	put_log(out, vk, NULL);
	for (size_t i = 0; i < f.n; i++) {
		if (!usable(&f.v[i], &v))
			continue;
		char lurl[600], suffix[300];
		snprintf(suffix, sizeof(suffix), "/logs/%s", store_slug(f.v[i].origin));
		put_log(out, f.v[i].vkey,
		        url_from_peer(f.v[i].peer_url, suffix, lurl, sizeof(lurl)) ? lurl : NULL);
	}
	put_witness(out, &auth, NULL);
	json_object_set_new(names, auth.name, json_true());
	for (size_t i = 0; i < f.n; i++) {
		if (!usable(&f.v[i], &v))
			continue;
		char wurl[600];
		put_witness(out, &v,
		            url_from_peer(f.v[i].peer_url, "/witness", wurl, sizeof(wurl)) ? wurl
		                                                                           : NULL);
		json_object_set_new(names, v.name, json_true());
	}
	for (size_t i = 0; i < f.n; i++)
		if (f.v[i].suspended)
			buf_printf(out,
			           "# %s is suspended: neither its log nor its node is trusted\n",
			           f.v[i].origin);
	put_quorum(out, f.policy ? f.policy->witness_policy : NULL, names);
	rc = out->err ? out->err : f.err;
done:
	json_decref(names);
	fold_free(&f);
	free(h);
	return rc;
}
