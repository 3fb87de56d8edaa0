/*
 * peerget — GETs of a peer's public resources (entry bundles) beside its session, with lws's
 * HTTP client: keep-alive connections to the peer, a deadline per request, a cap on each body
 * and a budget for all of them. See transport.h (peer_get) for the contract.
 *
 * Each GET takes one of PEER_GET_LANES connections to its peer. LCCSCF_PIPELINE has lws 4.1
 * queue a request on the connection it already has to that address within the vhost, and send
 * it once the answer before it is in; so the lanes are vhosts of their own (peerget_start), and
 * a peer serves that many bundles a round trip over a WAN. GET_DEPTH requests of a lane are
 * with lws at once, the others wait in t->gets.
 *
 * A struct pget lives from peer_get to the one call of its user's function; its connection
 * finds it through the wsi's opaque user data, cleared when it ends, so that what lws calls
 * after (the close of a connection that failed) finds nothing. Service thread only.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "transport_impl.h"

#define GET_READ_CHUNK (16u << 10)
#define GET_PATH_MAX (CONFIG_PEER_URL_MAX + 256)
/* Requests of one slot and lane handed to lws at once (each holds a wsi and a header table:
 * with a whole window at once, lws_client_connect_via_info fails). */
#define GET_DEPTH 2
#define GET_KEEP_WARM_S 2

struct pget {
	struct transport *t;
	uint64_t slot; /* the outbound slot's id: its GETs go off when one fails */
	uint64_t tag;
	unsigned lane; /* its connection to the peer: t->get_lanes[lane] */
	peer_get_fn fn;
	void *arg;
	struct lws *wsi;
	uint8_t *body;
	size_t len, cap, alloc; /* received, allowed, allocated (charged to t->get_bytes) */
	size_t expect;          /* the Content-Length, when the answer gave one */
	bool has_expect;
	bool answered;   /* the answer's head came */
	bool started;    /* handed to lws (else waiting its turn in t->gets) */
	bool connecting; /* inside lws_client_connect_via_info: a failure is returned, not called */
	int early_rc;
	/* what lws_client_connect_via_info needs, kept for when its turn comes */
	struct config_peer_url u;
	char address[sizeof(((struct config_peer_url *)0)->host)];
	char path[GET_PATH_MAX];
	bool insecure;
	int64_t deadline; /* monotonic ms */
	struct pget *next;
};

static int callback_get(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                        size_t len);

const struct lws_protocols peerget_protocol = {
	"remacto-peer-get", callback_get, 0, GET_READ_CHUNK, 0, NULL, 0,
};

static struct peer *
slot_by_id(struct transport *t, uint64_t id)
{
	for (struct peer *p = t->peers; p; p = p->next)
		if (p->dir == DIR_OUT && p->id == id)
			return p;
	return NULL;
}

/* No GET to p for PEER_GET_OFF_S; said once per period. */
static void
get_off(struct peer *p, const char *what, const char *why)
{
	int64_t now = tp_mono_ms();
	if (p->get_off_until <= now)
		log_warn("peer %s: %s (%s): its entries come over the session for the next %d s",
		         peer_name(p), what, why, PEER_GET_OFF_S);
	p->get_off_until = now + (int64_t)PEER_GET_OFF_S * 1000;
}

static void start_next(struct transport *t, uint64_t slot, unsigned lane);

/* Whether g's peer takes no GETs for now (or its slot went): g, still waiting for its lane,
 * ends at once, and its user asks the session instead. */
static bool
off(struct transport *t, const struct pget *g, int64_t now)
{
	struct peer *p = slot_by_id(t, g->slot);
	return !p || p->get_off_until > now;
}

/* g, off t->gets, goes: its user gets rc and its body (NULL when rc < 0). */
static void
hand_back(struct pget *g, int rc)
{
	peer_get_fn fn = g->fn;
	void *arg = g->arg;
	uint64_t tag = g->tag;
	uint8_t *body = g->body;
	size_t len = g->len;
	free(g);
	fn(arg, tag, rc, body, len);
}

/* g ends with rc: its user learns it (unless the connection is still being started). */
static void
finish(struct pget *g, int rc, const char *why)
{
	struct transport *t = g->t;
	struct peer *p;

	for (struct pget **pp = &t->gets; *pp; pp = &(*pp)->next)
		if (*pp == g) {
			*pp = g->next;
			break;
		}
	if (g->wsi)
		lws_set_opaque_user_data(g->wsi, NULL);
	g->wsi = NULL;
	t->get_bytes -= g->alloc;
	g->alloc = 0;
	p = slot_by_id(t, g->slot);
	if (rc == 0) {
		t->gets_ok++;
		if (p)
			p->get_lost = 0;
	} else {
		t->gets_failed++;
		free(g->body);
		g->body = NULL;
		g->len = 0;
		/* A connection lost before the answer's head may be one the peer closed as lws
		 * queued the request on it (both sides drop an idle one after a few seconds): once
		 * in a row is not held against the peer. */
		bool lost = rc == -EIO && !g->answered;
		if (p && (!lost || ++p->get_lost >= 2))
			get_off(p, "a GET from its listener failed", why);
	}
	if (g->connecting) {
		g->early_rc = rc ? rc : -EIO;
		return;
	}
	if (g->started)
		start_next(t, g->slot, g->lane);
	hand_back(g, rc);
}

/* Room for n bytes of body, within the cap and the node-wide budget. */
static int
reserve(struct pget *g, size_t n)
{
	struct transport *t = g->t;
	if (n > g->cap)
		return -EMSGSIZE;
	if (n <= g->alloc)
		return 0;
	size_t want = g->alloc ? g->alloc * 2 : (n < 65536 ? 65536 : n);
	if (want < n)
		want = n;
	if (want > g->cap)
		want = g->cap;
	if (t->get_bytes - g->alloc + want > PEER_GET_BUDGET)
		return -ENOBUFS;
	uint8_t *b = realloc(g->body, want);
	if (!b)
		return -ENOBUFS;
	g->body = b;
	t->get_bytes += want - g->alloc;
	g->alloc = want;
	return 0;
}

static int
callback_get(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len)
{
	struct pget *g = lws_get_opaque_user_data(wsi);
	char why[ERR_MAX], num[32];
	int rc;

	(void)user;
	switch (reason) {
	case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
		if (g) {
			snprintf(why, sizeof(why), "cannot connect: %.200s",
			         in ? (const char *)in : "connection failed");
			finish(g, -EIO, why);
		}
		return 0;
	case LWS_CALLBACK_ESTABLISHED_CLIENT_HTTP: {
		if (!g)
			return -1;
		g->answered = true;
		unsigned status = lws_http_client_http_response(wsi);
		if (status != 200) {
			snprintf(why, sizeof(why), "HTTP status %u", status);
			finish(g, -ENOENT, why);
			return -1;
		}
		if (lws_hdr_copy(wsi, num, sizeof(num), WSI_TOKEN_HTTP_CONTENT_LENGTH) > 0) {
			char *end;
			errno = 0;
			unsigned long long n = strtoull(num, &end, 10);
			if (errno || *end || num[0] < '0' || num[0] > '9' || n > g->cap) {
				snprintf(why, sizeof(why), "a body of %.20s bytes, over %zu", num,
				         g->cap);
				finish(g, -EMSGSIZE, why);
				return -1;
			}
			g->expect = (size_t)n;
			g->has_expect = true;
			if ((rc = reserve(g, g->expect)) != 0) {
				finish(g, rc, "no memory for the body within the node's budget");
				return -1;
			}
		}
		return 0;
	}
	case LWS_CALLBACK_RECEIVE_CLIENT_HTTP: {
		char buf[LWS_PRE + GET_READ_CHUNK], *px = buf + LWS_PRE;
		int n = GET_READ_CHUNK;
		return lws_http_client_read(wsi, &px, &n) < 0 ? -1 : 0;
	}
	case LWS_CALLBACK_RECEIVE_CLIENT_HTTP_READ:
		if (!g)
			return -1;
		if (g->has_expect && len > g->expect - g->len) {
			finish(g, -EMSGSIZE, "a body longer than its Content-Length");
			return -1;
		}
		if ((rc = reserve(g, g->len + len)) != 0) {
			finish(g, rc,
			       rc == -EMSGSIZE ? "a body over the cap"
			                       : "no memory for the body within the node's budget");
			return -1;
		}
		memcpy(g->body + g->len, in, len);
		g->len += len;
		return 0;
	case LWS_CALLBACK_COMPLETED_CLIENT_HTTP:
		if (!g)
			return 0;
		if (g->has_expect && g->len != g->expect) {
			finish(g, -EMSGSIZE, "a body shorter than its Content-Length");
			return -1;
		}
		finish(g, 0, NULL);
		return 0;
	case LWS_CALLBACK_CLOSED_CLIENT_HTTP:
	case LWS_CALLBACK_WSI_DESTROY:
		if (g)
			finish(g, -EIO, "the connection closed before the body's end");
		return 0;
	default:
		return 0;
	}
}

bool
peer_may_get(const struct peer *p)
{
	size_t n = strlen(p->url);
	return p->dir == DIR_OUT && p->state == ST_READY && tp_mono_ms() >= p->get_off_until &&
	       n > 5 && !strcmp(p->url + n - 5, "/peer");
}

/* Hands g to lws: 0; or < 0, and g is off t->gets, its user not called, g not freed. */
static int
start(struct pget *g)
{
	struct transport *t = g->t;
	struct lws_client_connect_info ci;

	memset(&ci, 0, sizeof(ci));
	ci.context = t->ctx.lws;
	ci.vhost = t->get_lanes[g->lane];
	/* lws 4.1 queues a request on a connection it has open (or idling after its last
	 * answer) only when its Host is the address that connection was made to: a Host of
	 * "name:port" would make a connection, and a TLS handshake, per bundle. */
	ci.address = g->address;
	ci.port = g->u.port;
	ci.path = g->path;
	ci.host = g->address;
	ci.origin = g->address;
	ci.method = "GET";
	ci.alpn = "http/1.1";
	ci.protocol = peerget_protocol.name;
	ci.local_protocol_name = peerget_protocol.name;
	ci.opaque_user_data = g;
	/* Idle for less than a server keeps an idle connection (5 s for lws's): a request is
	 * rarely queued on a connection the server is closing. */
	ci.keep_warm_secs = GET_KEEP_WARM_S;
	ci.ssl_connection = LCCSCF_PIPELINE | LCCSCF_HTTP_NO_FOLLOW_REDIRECT;
	if (g->u.tls) {
		ci.ssl_connection |= LCCSCF_USE_SSL;
		/* The certificate is for the name the session checked it against; a GET knows the
		 * address only. Its chain is still checked; what it brings is checked against the
		 * signed checkpoints. */
		if (!slot_is_numeric(g->u.host))
			ci.ssl_connection |= LCCSCF_SKIP_SERVER_CERT_HOSTNAME_CHECK;
		if (g->insecure)
			ci.ssl_connection |= LCCSCF_ALLOW_SELFSIGNED | LCCSCF_ALLOW_EXPIRED |
			                     LCCSCF_SKIP_SERVER_CERT_HOSTNAME_CHECK |
			                     LCCSCF_ALLOW_INSECURE;
	}
	/* What fails inside lws_client_connect_via_info (finish with connecting set) is returned
	 * instead. */
	g->started = true;
	g->connecting = true;
	struct lws *wsi = lws_client_connect_via_info(&ci);
	if (!wsi && !g->early_rc)
		finish(g, -EIO, "lws would not start the request");
	g->connecting = false;
	if (g->early_rc) {
		if (wsi)
			lws_set_opaque_user_data(wsi, NULL);
		return g->early_rc;
	}
	g->wsi = wsi;
	return 0;
}

/* GETs of slot on lane handed to lws (started), or all of them. */
static unsigned
count(const struct transport *t, uint64_t slot, unsigned lane, bool started)
{
	unsigned n = 0;
	for (const struct pget *g = t->gets; g; g = g->next)
		n += g->slot == slot && g->lane == lane && (g->started || !started);
	return n;
}

/* Starts the oldest waiting GETs of slot on lane while fewer than GET_DEPTH are with lws. */
static void
start_next(struct transport *t, uint64_t slot, unsigned lane)
{
	while (count(t, slot, lane, true) < GET_DEPTH) {
		struct pget *oldest = NULL;
		/* t->gets is newest first: the last waiting one is the oldest. */
		for (struct pget *g = t->gets; g; g = g->next)
			if (g->slot == slot && g->lane == lane && !g->started)
				oldest = g;
		if (!oldest)
			return;
		int rc = start(oldest);
		if (rc != 0)
			hand_back(oldest, rc);
	}
}

int
peer_get(struct peer *p, const char *path, size_t cap, uint64_t tag, peer_get_fn fn, void *arg)
{
	struct transport *t = p->t;
	char why[ERR_MAX];
	struct pget *g;

	if (!peer_may_get(p))
		return -EPERM;
	if (!(g = calloc(1, sizeof(*g))))
		return -ENOMEM;
	if (!config_peer_url(p->url, &g->u, why, sizeof(why))) {
		free(g);
		return -EPERM;
	}
	snprintf(g->address, sizeof(g->address), "%s",
	         slot_is_numeric(g->u.host) ? g->u.host : p->resolved);
	if (!g->address[0]) {
		free(g);
		return -EPERM; /* its host name is not resolved (yet) */
	}
	/* The URL's path without its last element, "peer". */
	size_t base = strlen(g->u.path) - 4;
	if (snprintf(g->path, sizeof(g->path), "%.*s%s", (int)base, g->u.path, path) >=
	    (int)sizeof(g->path)) {
		free(g);
		return -ENAMETOOLONG;
	}
	g->t = t;
	g->slot = p->id;
	g->tag = tag;
	g->fn = fn;
	g->arg = arg;
	g->insecure = t->ctx.tls_insecure;
	g->cap = cap < PEER_GET_MAX_BODY ? cap : PEER_GET_MAX_BODY;
	g->deadline = tp_mono_ms() + (int64_t)PEER_GET_TIMEOUT_S * 1000;
	/* The lane with the fewest GETs of this peer. */
	for (unsigned l = 1; l < PEER_GET_LANES; l++)
		if (count(t, g->slot, l, false) < count(t, g->slot, g->lane, false))
			g->lane = l;
	bool now = count(t, g->slot, g->lane, true) < GET_DEPTH;
	g->next = t->gets;
	t->gets = g;
	int rc = now ? start(g) : 0;
	if (rc != 0)
		free(g);
	return rc;
}

void
peer_get_refused(struct peer *p, const char *why)
{
	p->t->gets_refused++;
	if (p->dir == DIR_OUT)
		get_off(p, "entries from its listener refused", why);
}

int
peerget_start(struct transport *t, const struct lws_context_creation_info *like)
{
	static const struct lws_protocols *protocols[] = { &peerget_protocol, NULL };
	/* lws keeps the name's pointer. */
	static const char *const names[] = { "peer-gets-0", "peer-gets-1", "peer-gets-2",
		                             "peer-gets-3" };
	_Static_assert(sizeof(names) / sizeof(names[0]) == PEER_GET_LANES, "a name a lane");
	struct lws_context_creation_info info = *like;

	info.pprotocols = protocols;
	for (unsigned l = 0; l < PEER_GET_LANES; l++) {
		info.vhost_name = names[l];
		if (!(t->get_lanes[l] = lws_create_vhost(t->ctx.lws, &info)))
			return -1;
	}
	return 0;
}

void
peerget_tick(struct transport *t)
{
	int64_t now = tp_mono_ms();
	struct pget *g;

	/* finish may start other GETs (its user asks again): look from the head each time. */
	for (;;) {
		for (g = t->gets; g && g->deadline > now; g = g->next)
			;
		if (!g)
			break;
		if (g->wsi)
			lws_set_timeout(g->wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
		finish(g, -ETIMEDOUT, "no whole body within the time allowed");
	}
	/* GETs waiting for their lane at a peer whose GETs went off (not from finish or
	 * peer_get_refused: the users' functions run from here or from lws's callbacks only). */
	for (;;) {
		struct pget **pp = &t->gets;
		while (*pp && ((*pp)->started || !off(t, *pp, now)))
			pp = &(*pp)->next;
		if (!(g = *pp))
			return;
		*pp = g->next;
		t->gets_failed++;
		hand_back(g, -ECANCELED);
	}
}

void
peerget_stop(struct transport *t)
{
	while (t->gets) {
		struct pget *g = t->gets;
		t->gets = g->next;
		if (g->wsi)
			lws_set_opaque_user_data(g->wsi, NULL);
		free(g->body);
		free(g);
	}
	t->get_bytes = 0;
}
