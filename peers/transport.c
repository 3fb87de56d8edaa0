/*
 * transport — peer sessions over WebSocket in the node's one lws context: start and stop, the
 * lws callback that routes every event to its session, inbound connections, the timers. See
 * transport.h for the contract, transport_impl.h for how the files share the work, and
 * docs/PROTOCOL.md §5 for the wire.
 *
 * The lws callback finds its struct transport through the protocol's per-vhost storage, set by
 * transport_start on the public listener's vhost and on the transport's own client vhost:
 * before the start (or without a transport) the public listener refuses peers politely.
 */
#include <errno.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/log.h"
#include "transport_impl.h"

/* Server side of a connection refused before it got a struct peer. */
struct pss {
	const char *refusal;
	bool sent;
};

static int callback_peer(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                         size_t len);

const struct lws_protocols transport_protocol = {
	PEER_PROTOCOL, callback_peer, sizeof(struct pss), WRITE_CHUNK, 0, NULL, 0,
};

static const struct lws_protocols *client_protocols[] = { &transport_protocol, NULL };

const lws_retry_bo_t transport_idle_policy = {
	.secs_since_valid_ping = 30,
	.secs_since_valid_hangup = 90,
};

/* ---- finding the transport and the peer of a connection ---- */

static struct transport *
transport_of(struct lws *wsi)
{
	struct transport **tp = lws_protocol_vh_priv_get(lws_get_vhost(wsi), lws_get_protocol(wsi));
	return tp ? *tp : NULL;
}

/* Points vh's storage for the peer protocol at t (NULL: no transport). */
static int
attach(struct lws_vhost *vh, struct transport *t)
{
	struct transport **tp = lws_protocol_vh_priv_get(vh, &transport_protocol);
	if (!tp && t)
		tp = lws_protocol_vh_priv_zalloc(vh, &transport_protocol, sizeof(*tp));
	if (!tp)
		return t ? -ENOMEM : 0;
	*tp = t;
	return 0;
}

static struct peer *
peer_of(struct lws *wsi)
{
	return lws_get_opaque_user_data(wsi);
}

/* ---- inbound connections ---- */

/* Inbound connections from addr that have not finished their handshake. */
static unsigned
unproven_from(const struct transport *t, const char *addr)
{
	unsigned n = 0;
	for (const struct peer *p = t->peers; p; p = p->next)
		n += p->dir == DIR_IN && (p->state == ST_HELLO || p->state == ST_PROOF) &&
		     !strcmp(p->addr, addr);
	return n;
}

/* An inbound connection: a session, or a polite refusal through pss. */
static void
accept_in(struct transport *t, struct lws *wsi, struct pss *pss)
{
	char addr[PEER_ADDR_MAX];
	struct peer *p;

	if (!lws_get_peer_simple(wsi, addr, sizeof(addr)))
		snprintf(addr, sizeof(addr), "unknown address");
	if (!t || t->stopping) {
		pss->refusal = "this node does not federate (it has no [authority] verifier_key)";
	} else if (t->nin >= MAX_INBOUND) {
		pss->refusal = "this node has all the peers it can take; try another";
	} else if (unproven_from(t, addr) >= PEER_UNPROVEN_PER_ADDR) {
		pss->refusal = "too many connections from this address still in their handshake; "
		               "retry later";
	} else if (!(p = calloc(1, sizeof(*p)))) {
		pss->refusal = "out of memory";
	} else {
		p->t = t;
		p->dir = DIR_IN;
		p->wsi = wsi;
		snprintf(p->addr, sizeof(p->addr), "%s", addr);
		p->attempts = 1;
		p->next = t->peers;
		t->peers = p;
		t->nin++;
		lws_set_opaque_user_data(wsi, p);
		session_start(p);
		return;
	}
	log_info("peer connection from %s refused: %s", addr, pss->refusal);
	lws_set_timeout(wsi, PENDING_TIMEOUT_USER_OK, CLOSE_WAIT_S);
	lws_callback_on_writable(wsi);
}

/* Sends the refusal of a connection that has no struct peer, then closes it. */
static int
refusal_writeable(struct lws *wsi, struct pss *pss)
{
	Remacto__Peer__V1__PeerMessage m = REMACTO__PEER__V1__PEER_MESSAGE__INIT;
	Remacto__Peer__V1__Error e = REMACTO__PEER__V1__ERROR__INIT;
	uint8_t buf[LWS_PRE + 512];

	if (!pss || !pss->refusal)
		return -1;
	if (pss->sent) {
		lws_close_reason(wsi, LWS_CLOSE_STATUS_NORMAL, NULL, 0);
		return -1;
	}
	e.reason = (char *)pss->refusal;
	m.kind_case = REMACTO__PEER__V1__PEER_MESSAGE__KIND_ERROR;
	m.error = &e;
	size_t len = remacto__peer__v1__peer_message__get_packed_size(&m);
	if (len > sizeof(buf) - LWS_PRE)
		return -1;
	remacto__peer__v1__peer_message__pack(&m, buf + LWS_PRE);
	if (lws_write(wsi, buf + LWS_PRE, len, LWS_WRITE_BINARY) < (int)len)
		return -1;
	pss->sent = true;
	lws_callback_on_writable(wsi);
	return 0;
}

/* ---- the lws callback ---- */

static void
peer_closed_by_peer(struct peer *p, const uint8_t *b, size_t len)
{
	if (p->error_set)
		return;
	if (len >= 2)
		session_set_error(p, "closed by the peer (%u%s%.*s)", (unsigned)(b[0] << 8 | b[1]),
		                  len > 2 ? ": " : "", (int)(len - 2 > 200 ? 200 : len - 2),
		                  (const char *)b + 2);
	else
		session_set_error(p, "closed by the peer");
}

static int
callback_peer(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len)
{
	struct transport *t = transport_of(wsi);
	struct peer *p;

	switch (reason) {
	case LWS_CALLBACK_EVENT_WAIT_CANCELLED:
		/* Delivered to every protocol of every vhost: tick once, from our own vhost. A
		 * commit of the publisher wakes the loop this way. */
		if (t && !t->stopping && lws_get_vhost(wsi) == t->vhost) {
			slots_resolved(t);
			t->ctx.ops.tick(t->ctx.ops.arg);
		}
		return 0;
	case LWS_CALLBACK_ESTABLISHED:
		accept_in(t, wsi, user);
		return 0;
	case LWS_CALLBACK_CLIENT_ESTABLISHED:
		p = peer_of(wsi);
		if (!p || p->state != ST_CONNECTING || (p->wsi && p->wsi != wsi))
			return -1;
		p->wsi = wsi;
		session_start(p);
		return 0;
	case LWS_CALLBACK_RECEIVE:
	case LWS_CALLBACK_CLIENT_RECEIVE:
		if ((p = peer_of(wsi)) && p->wsi == wsi)
			session_receive(p, in, len);
		return 0;
	case LWS_CALLBACK_SERVER_WRITEABLE:
	case LWS_CALLBACK_CLIENT_WRITEABLE:
		if ((p = peer_of(wsi)) && p->wsi == wsi)
			return sendq_writeable(p);
		return reason == LWS_CALLBACK_SERVER_WRITEABLE ? refusal_writeable(wsi, user) : -1;
	case LWS_CALLBACK_TIMER:
		if ((p = peer_of(wsi)) && p->wsi == wsi)
			session_timer(p);
		return 0;
	case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE:
		if ((p = peer_of(wsi)) && p->wsi == wsi)
			peer_closed_by_peer(p, in, len);
		return 0;
	case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
		if ((p = peer_of(wsi)) &&
		    (p->wsi == wsi || (!p->wsi && p->state == ST_CONNECTING))) {
			char why[ERR_MAX];
			lws_set_opaque_user_data(wsi, NULL);
			snprintf(why, sizeof(why), "cannot connect: %.200s",
			         in ? (const char *)in : "connection failed");
			slot_attempt_failed(p, why);
		}
		return 0;
	case LWS_CALLBACK_CLOSED:
	case LWS_CALLBACK_CLIENT_CLOSED:
	case LWS_CALLBACK_WSI_DESTROY:
		if ((p = peer_of(wsi)) && p->wsi == wsi) {
			lws_set_opaque_user_data(wsi, NULL);
			session_gone(p, reason == LWS_CALLBACK_WSI_DESTROY ? "connection lost"
			                                                   : "connection closed");
		}
		return 0;
	default:
		return 0;
	}
}

/* ---- timers: the user's tick, announced peers ---- */

static void
tick_cb(lws_sorted_usec_list_t *sul)
{
	struct transport *t = lws_container_of(sul, struct transport, tick);
	if (t->stopping)
		return;
	slots_resolved(t);
	peerget_tick(t);
	t->ctx.ops.tick(t->ctx.ops.arg);
	lws_sul_schedule(t->ctx.lws, 0, &t->tick, tick_cb, (lws_usec_t)TICK_MS * 1000);
}

static void
live_cb(lws_sorted_usec_list_t *sul)
{
	struct transport *t = lws_container_of(sul, struct transport, live);
	if (t->stopping)
		return;
	session_check_live(t);
	lws_sul_schedule(t->ctx.lws, 0, &t->live, live_cb, (lws_usec_t)LIVE_CHECK_MS * 1000);
}

static void
scan_cb(lws_sorted_usec_list_t *sul)
{
	struct transport *t = lws_container_of(sul, struct transport, scan);
	if (t->stopping)
		return;
	slots_scan_announced(t);
	lws_sul_schedule(t->ctx.lws, 0, &t->scan, scan_cb, (lws_usec_t)SCAN_S * LWS_US_PER_SEC);
}

/* ---- start and stop ---- */

/* Where this node accepts peers, for its Hello: only when the public listener has an address
 * others can dial (not a wildcard) and TLS (or is on loopback, for tests). */
static void
make_listen_url(struct transport *t)
{
	const struct transport_ctx *c = &t->ctx;
	struct config_peer_url u;
	char why[ERR_MAX];
	const char *host = c->listen_host ? c->listen_host : "";
	bool v6 = strchr(host, ':') != NULL;

	t->listen_url[0] = '\0';
	if (!host[0] || !strcmp(host, "0.0.0.0") || !strcmp(host, "::"))
		return;
	snprintf(t->listen_url, sizeof(t->listen_url), "%s://%s%s%s:%d/peer",
	         c->listen_tls ? "wss" : "ws", v6 ? "[" : "", host, v6 ? "]" : "", c->listen_port);
	if (!config_peer_url(t->listen_url, &u, why, sizeof(why)))
		t->listen_url[0] = '\0';
}

/* Reads the CA bundle once, so that a wrong path stops the daemon with a clear message
 * instead of lws logging that client TLS "isn't going to work". */
static int
check_ca_file(const char *path, char *err, size_t errcap)
{
	X509_STORE *st = X509_STORE_new();
	int ok = st && X509_STORE_load_file(st, path) == 1;
	X509_STORE_free(st);
	if (!ok)
		err_set(err, errcap, "[peer] ca_file %s: cannot read it as PEM certificates", path);
	return ok ? 0 : -1;
}

struct transport *
transport_start(const struct transport_ctx *ctx, char *err, size_t errcap)
{
	struct lws_context_creation_info info;
	struct transport *t;
	bool ca = ctx->ca_file && ctx->ca_file[0];

	if (!ctx->lws || !ctx->listener || !ctx->store || !ctx->identity || !ctx->network ||
	    !ctx->ops.ready || !ctx->ops.message || !ctx->ops.closed || !ctx->ops.tick) {
		err_set(err, errcap,
		        "transport: incomplete context (lws context, listener, store, "
		        "identity, network and every peer_ops callback are needed)");
		return NULL;
	}
	if (ca && check_ca_file(ctx->ca_file, err, errcap) != 0)
		return NULL;
	if (!(t = calloc(1, sizeof(*t)))) {
		err_set(err, errcap, "transport: out of memory");
		return NULL;
	}
	t->ctx = *ctx;
	t->started_ms = tp_mono_ms();
	bans_init(&t->bans, HIST_MAX);
	budget_init(&t->sendq, PEER_QUEUE_BUDGET, PEER_QUEUE_BUDGET, PEER_ANON_QUEUE_BUDGET);
	budget_init(&t->rx, PEER_RX_BUDGET, PEER_RX_BUDGET, PEER_ANON_RX_BUDGET);
	memset(&info, 0, sizeof(info));
	info.vhost_name = "peers";
	info.port = CONTEXT_PORT_NO_LISTEN;
	info.pprotocols = client_protocols;
	info.options = LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
	if (ca) {
		/* The network's own CAs replace the system's for peers. */
		info.options |= LWS_SERVER_OPTION_DISABLE_OS_CA_CERTS;
		info.client_ssl_ca_filepath = ctx->ca_file;
	}
	info.retry_and_idle_policy = &transport_idle_policy;
	if (!(t->vhost = lws_create_vhost(ctx->lws, &info))) {
		err_set(err, errcap,
		        "transport: cannot create the client side of the peer "
		        "protocol (TLS set-up failed?)");
		free(t);
		return NULL;
	}
	if (peerget_start(t, &info) != 0) {
		err_set(err, errcap,
		        "transport: cannot create the client side of entry-bundle GETs "
		        "(TLS set-up failed?)");
		free(t);
		return NULL;
	}
	if (attach(t->vhost, t) != 0 || attach(ctx->listener, t) != 0) {
		err_set(err, errcap, "transport: out of memory");
		attach(t->vhost, NULL);
		free(t);
		return NULL;
	}
	make_listen_url(t);
	for (size_t i = 0; i < ctx->npeers; i++) {
		struct peer *p = slot_find(t, ctx->peers[i]);
		if (!p)
			p = slot_add(t, ctx->peers[i]);
		if (p)
			p->from_config = true;
	}
	slots_scan_announced(t);
	lws_sul_schedule(ctx->lws, 0, &t->tick, tick_cb, (lws_usec_t)TICK_MS * 1000);
	lws_sul_schedule(ctx->lws, 0, &t->scan, scan_cb, (lws_usec_t)SCAN_S * LWS_US_PER_SEC);
	lws_sul_schedule(ctx->lws, 0, &t->live, live_cb, (lws_usec_t)LIVE_CHECK_MS * 1000);
	log_info("peers: %zu configured, %zu in all; accepting peers on the public listener%s%s",
	         ctx->npeers, t->nout, t->listen_url[0] ? " as " : "", t->listen_url);
	return t;
}

void
transport_stop(struct transport *t)
{
	if (!t)
		return;
	t->stopping = true;
	resolver_stop(&t->res);
	lws_sul_cancel(&t->tick);
	lws_sul_cancel(&t->scan);
	lws_sul_cancel(&t->live);
	peerget_stop(t);
	while (t->peers) {
		struct peer *p = t->peers;
		t->peers = p->next;
		lws_sul_cancel(&p->sul);
		if (p->state == ST_READY)
			t->ctx.ops.closed(t->ctx.ops.arg, p);
		/* The connections themselves go with the lws context; they find no peer. */
		if (p->wsi)
			lws_set_opaque_user_data(p->wsi, NULL);
		session_free(p);
		free(p);
	}
	bans_free(&t->bans);
	attach(t->vhost, NULL);
	attach(t->ctx.listener, NULL);
	free(t);
}
