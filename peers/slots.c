/*
 * slots — the transport's outbound side: one slot per peer URL (from the configuration, or
 * announced in the registry), dialling it, retrying with backoff and jitter, resolving its
 * host name off the service thread (resolver.h), standing by while the peer is connected the
 * other way. See transport_impl.h for how the files share the work.
 */
#include <errno.h>
#include <netdb.h>
#include <openssl/sha.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "registry.h"
#include "transport_impl.h"

static void connect_out(struct peer *p);

/* ---- outbound connections ---- */

static void
retry_cb(lws_sorted_usec_list_t *sul)
{
	connect_out(lws_container_of(sul, struct peer, sul));
}

void
slot_schedule(struct peer *p, uint32_t ms)
{
	p->state = ST_IDLE;
	p->next_try = tp_mono_ms() + ms;
	lws_sul_schedule(p->t->ctx.lws, 0, &p->sul, retry_cb, (lws_usec_t)ms * 1000);
}

/* A connection attempt that did not get as far as a session. */
void
slot_attempt_failed(struct peer *p, const char *why)
{
	p->wsi = NULL;
	session_set_error(p, "%s", why);
	session_gone(p, why);
}

/* Connects slot p to address (numeric) for URL u. */
static void
dial(struct peer *p, const struct config_peer_url *u, const char *address)
{
	struct transport *t = p->t;
	struct lws_client_connect_info ci;
	char host[260];

	/* The Host header, IPv6 in brackets; lws checks the certificate against its part before
	 * the first ':'. */
	if (u->port == (u->tls ? 443 : 80))
		snprintf(host, sizeof(host), strchr(u->host, ':') ? "[%s]" : "%s", u->host);
	else
		snprintf(host, sizeof(host), strchr(u->host, ':') ? "[%s]:%d" : "%s:%d", u->host,
		         u->port);
	memset(&ci, 0, sizeof(ci));
	ci.context = t->ctx.lws;
	ci.vhost = t->vhost;
	ci.address = address;
	ci.port = u->port;
	ci.path = u->path;
	ci.host = host;
	ci.origin = host;
	ci.protocol = PEER_PROTOCOL;
	ci.local_protocol_name = PEER_PROTOCOL;
	ci.opaque_user_data = p;
	ci.retry_and_idle_policy = &transport_idle_policy;
	if (u->tls) {
		ci.ssl_connection = LCCSCF_USE_SSL;
		if (t->ctx.tls_insecure)
			ci.ssl_connection |= LCCSCF_ALLOW_SELFSIGNED | LCCSCF_ALLOW_EXPIRED |
			                     LCCSCF_SKIP_SERVER_CERT_HOSTNAME_CHECK |
			                     LCCSCF_ALLOW_INSECURE;
	}
	p->state = ST_CONNECTING;
	struct lws *wsi = lws_client_connect_via_info(&ci);
	if (p->state != ST_CONNECTING)
		return; /* already failed through a callback */
	if (!wsi) {
		slot_attempt_failed(p, "cannot start a connection");
		return;
	}
	p->wsi = wsi;
}

bool
slot_is_numeric(const char *host)
{
	uint8_t a[16];
	return inet_pton(AF_INET, host, a) == 1 || inet_pton(AF_INET6, host, a) == 1;
}

static void
connect_out(struct peer *p)
{
	struct transport *t = p->t;
	struct config_peer_url u;
	char why[ERR_MAX];

	if (t->stopping || p->wsi || p->state == ST_RESOLVING)
		return;
	if (p->key_known && session_find_ready(t, p->key.pub, NULL)) {
		slot_schedule(p, PEER_BACKOFF_MAX_S * 1000);
		p->state = ST_STANDBY;
		return;
	}
	if (!config_peer_url(p->url, &u, why, sizeof(why))) {
		session_set_error(p, "%s", why);
		slot_schedule(p, PEER_BACKOFF_MAX_S * 1000);
		return;
	}
	p->after = AFTER_RETRY;
	p->error_set = false;
	p->violated = false;
	p->ready_at = 0;
	if (p->attempts++ > 0)
		p->reconnects++;
	if (slot_is_numeric(u.host)) {
		dial(p, &u, u.host);
	} else if (p->resolved[0] && tp_mono_ms() < p->resolved_until) {
		dial(p, &u, p->resolved);
	} else if (resolver_submit(&t->res, t->ctx.lws, p->id, u.host) == 0) {
		p->state = ST_RESOLVING;
	} else {
		slot_attempt_failed(p, "cannot start resolving the host name");
	}
}

/* One answer of the resolver thread. */
static void
resolved(void *arg, uint64_t id, const char *host, int rc, const char *addr)
{
	struct transport *t = arg;
	struct config_peer_url u;
	struct peer *p;
	char why[ERR_MAX];

	for (p = t->peers; p && !(p->dir == DIR_OUT && p->id == id); p = p->next)
		;
	if (!p || p->state != ST_RESOLVING)
		return;
	if (rc != 0 || !config_peer_url(p->url, &u, why, sizeof(why))) {
		snprintf(why, sizeof(why), "cannot resolve %.200s: %s", host,
		         rc ? gai_strerror(rc) : "bad URL");
		slot_attempt_failed(p, why);
		return;
	}
	snprintf(p->resolved, sizeof(p->resolved), "%s", addr);
	p->resolved_until = tp_mono_ms() + RESOLVED_TTL_S * 1000;
	dial(p, &u, p->resolved);
}

void
slots_resolved(struct transport *t)
{
	resolver_collect(&t->res, resolved, t);
}

struct peer *
slot_find(struct transport *t, const char *url)
{
	for (struct peer *p = t->peers; p; p = p->next)
		if (p->dir == DIR_OUT && !strcmp(p->url, url))
			return p;
	return NULL;
}

struct peer *
slot_add(struct transport *t, const char *url)
{
	struct peer *p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->t = t;
	p->dir = DIR_OUT;
	p->id = ++t->next_id;
	snprintf(p->url, sizeof(p->url), "%s", url);
	p->next = t->peers;
	t->peers = p;
	t->nout++;
	/* A little spread so that a node with many peers does not dial them all at once. */
	slot_schedule(p, tp_rand32() % PEER_BACKOFF_MIN_MS);
	return p;
}

/* An announced URL, ranked by SHA-256(own key ‖ url): when there are more than the slots,
 * each node keeps a different, stable sample, and the mesh stays connected. */
struct cand {
	uint8_t rank[32];
	char url[CONFIG_PEER_URL_MAX];
};

struct scan {
	struct transport *t;
	struct cand *c;
	size_t n, cap;
};

static int
collect_announced(const Remacto__Store__MemberRecord *m, void *arg)
{
	struct scan *sc = arg;
	const struct note_verifier *self = &sc->t->ctx.identity->v;
	char why[ERR_MAX];

	if (!m->peer_url || !m->peer_url[0] || !strcmp(m->origin, self->name) ||
	    sc->n >= STORE_MAX_LOGS)
		return 0;
	if (!config_peer_url(m->peer_url, NULL, why, sizeof(why))) {
		log_debug("peer URL %.80s announced for %s ignored: %s", m->peer_url, m->origin,
		          why);
		return 0;
	}
	if (sc->n == sc->cap) {
		size_t ncap = sc->cap ? sc->cap * 2 : 64;
		struct cand *nc = realloc(sc->c, ncap * sizeof(*nc));
		if (!nc)
			return -ENOMEM;
		sc->c = nc;
		sc->cap = ncap;
	}
	struct cand *c = &sc->c[sc->n++];
	uint8_t buf[32 + CONFIG_PEER_URL_MAX];
	size_t ul = strlen(m->peer_url);
	snprintf(c->url, sizeof(c->url), "%s", m->peer_url);
	memcpy(buf, self->pub, 32);
	memcpy(buf + 32, c->url, ul);
	SHA256(buf, 32 + ul, c->rank);
	return 0;
}

static int
cand_cmp(const void *a, const void *b)
{
	return memcmp(((const struct cand *)a)->rank, ((const struct cand *)b)->rank, 32);
}

/* Brings the announced slots in line with the registry: new URLs get a slot, withdrawn ones
 * lose theirs (closing its connection). */
void
slots_scan_announced(struct transport *t)
{
	struct scan sc = { t, NULL, 0, 0 };
	MDB_txn *txn;

	if (store_read_begin(t->ctx.store, &txn) != 0)
		return;
	int rc = registry_each(t->ctx.store, txn, collect_announced, &sc);
	mdb_txn_abort(txn);
	if (rc != 0) {
		log_warn("cannot read the peer addresses the registry announces: %s",
		         store_strerror(rc));
		free(sc.c);
		return;
	}
	if (sc.n > 1)
		qsort(sc.c, sc.n, sizeof(*sc.c), cand_cmp);
	for (struct peer *p = t->peers; p; p = p->next)
		p->seen = false;
	size_t added = 0;
	for (size_t i = 0; i < sc.n; i++) {
		struct peer *p = slot_find(t, sc.c[i].url);
		if (!p && t->nout < MAX_OUTBOUND && (p = slot_add(t, sc.c[i].url)) != NULL)
			added++;
		if (p) {
			p->announced = true;
			p->seen = true;
		}
	}
	if (added)
		log_info("connecting to %zu peer%s the registry announces", added,
		         added == 1 ? "" : "s");
	for (struct peer **pp = &t->peers; *pp;) {
		struct peer *p = *pp;
		if (p->dir != DIR_OUT || !p->announced || p->seen || p->from_config) {
			p->announced = p->announced && p->seen;
			pp = &p->next;
			continue;
		}
		log_info("peer %s is no longer announced: disconnecting", p->url);
		if (p->wsi) {
			p->announced = false;
			if (p->state == ST_CONNECTING)
				lws_set_timeout(p->wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
			else
				session_refuse(p, AFTER_REMOVE,
				               "this node no longer connects to that address");
			p->after = AFTER_REMOVE;
			pp = &p->next;
			continue;
		}
		*pp = p->next;
		lws_sul_cancel(&p->sul);
		t->nout--;
		free(p);
	}
	free(sc.c);
}
