/*
 * transport_report — the transport's peers for /api/v1/peers, `remacto peers` and /metrics.
 * See transport.h.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "transport_impl.h"

static const char *const state_names[] = {
	"backoff", "connecting", "connecting", "handshake", "handshake",
	"ready",   "closing",    "standby",    "self",
};

static json_t *
iso_or_null(time_t t)
{
	char buf[32];
	struct tm tm;
	if (t == 0)
		return json_null();
	gmtime_r(&t, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
	return json_string(buf);
}

static int64_t
backoff_left(const struct peer *p, int64_t now)
{
	if (p->state != ST_IDLE && p->state != ST_STANDBY)
		return 0;
	return p->next_try > now ? p->next_try - now : 0;
}

static bool
connected(const struct peer *p)
{
	return p->state == ST_HELLO || p->state == ST_PROOF || p->state == ST_READY ||
	       p->state == ST_CLOSING;
}

json_t *
transport_peers_json(const struct transport *t)
{
	json_t *a = json_array();
	int64_t now = tp_mono_ms();

	if (!t || !a)
		return a;
	for (struct peer *p = t->peers; p; p = p->next) {
		json_t *o = json_pack(
		        "{s:s, s:s, s:s, s:s, s:s, s:o, s:s, s:I, s:I, s:I, s:I, s:I,"
		        " s:I, s:I, s:I, s:I, s:b}",
		        "url", p->url, "origin", p->origin, "address", p->addr, "state",
		        state_names[p->state], "direction", p->dir == DIR_OUT ? "out" : "in",
		        "connectedSince", iso_or_null(connected(p) ? p->connected_since : 0),
		        "lastError", p->last_error, "violations", (json_int_t)p->violations,
		        "reconnects", (json_int_t)p->reconnects, "backoffMs",
		        (json_int_t)backoff_left(p, now), "framesIn", (json_int_t)p->frames_in,
		        "framesOut", (json_int_t)p->frames_out, "bytesIn", (json_int_t)p->bytes_in,
		        "bytesOut", (json_int_t)p->bytes_out, "queued", (json_int_t)p->queued,
		        "linkErrors", (json_int_t)p->link_errors, "anonymous",
		        p->proven && !p->registered);
		if (o)
			json_array_append_new(a, o);
	}
	/* Inbound peers refused for now after violations, when not connected: by key, so
	 * without an address. */
	for (const struct ban *h = t->bans.list; h; h = h->next) {
		if (h->until <= now || session_find_ready(t, h->pub, NULL))
			continue;
		json_t *o = json_pack(
		        "{s:s, s:s, s:s, s:s, s:s, s:n, s:s, s:I, s:I, s:I, s:I, s:I,"
		        " s:I, s:I, s:I, s:I, s:b}",
		        "url", "", "origin", h->name, "address", "", "state", "refused",
		        "direction", "in", "connectedSince", "lastError",
		        "refused after violations", "violations", (json_int_t)h->violations,
		        "reconnects", (json_int_t)(h->sessions ? h->sessions - 1 : 0), "backoffMs",
		        (json_int_t)(h->until - now), "framesIn", (json_int_t)0, "framesOut",
		        (json_int_t)0, "bytesIn", (json_int_t)0, "bytesOut", (json_int_t)0,
		        "queued", (json_int_t)0, "linkErrors", (json_int_t)0, "anonymous", false);
		if (o)
			json_array_append_new(a, o);
	}
	return a;
}

/* A Prometheus label value: '\\', '"' and newlines escaped. */
static void
label(const char *s, char *out, size_t cap)
{
	size_t o = 0;
	for (; *s && o + 3 < cap; s++) {
		if (*s == '\\' || *s == '"') {
			out[o++] = '\\';
			out[o++] = *s;
		} else if (*s == '\n') {
			out[o++] = '\\';
			out[o++] = 'n';
		} else {
			out[o++] = *s;
		}
	}
	out[o] = '\0';
}

void
transport_metrics(const struct transport *t, struct buf *o)
{
	static const struct {
		const char *name, *type, *help;
		size_t off;
	} counters[] = {
		{ "remacto_peer_frames_received_total", "counter",
		  "Messages received from the peer.", offsetof(struct peer, frames_in) },
		{ "remacto_peer_frames_sent_total", "counter", "Messages sent to the peer.",
		  offsetof(struct peer, frames_out) },
		{ "remacto_peer_bytes_received_total", "counter", "Message bytes received.",
		  offsetof(struct peer, bytes_in) },
		{ "remacto_peer_bytes_sent_total", "counter", "Message bytes sent.",
		  offsetof(struct peer, bytes_out) },
		{ "remacto_peer_violations_total", "counter",
		  "Protocol violations and failed verifications by the peer.",
		  offsetof(struct peer, violations) },
		{ "remacto_peer_link_errors_total", "counter",
		  "Sessions closed on a broken link (garbled frames, silence).",
		  offsetof(struct peer, link_errors) },
		{ "remacto_peer_reconnects_total", "counter",
		  "Connection attempts after the first.", offsetof(struct peer, reconnects) },
	};
	char a[2 * CONFIG_PEER_URL_MAX], b[2 * CONFIG_PEER_URL_MAX];
	int64_t now = tp_mono_ms();
	size_t ready = 0;

	if (!t)
		return;
	for (struct peer *p = t->peers; p; p = p->next)
		ready += p->state == ST_READY;
	buf_printf(o,
	           "# HELP remacto_peers_ready Peer sessions past the handshake.\n"
	           "# TYPE remacto_peers_ready gauge\nremacto_peers_ready %zu\n",
	           ready);
	buf_printf(
	        o,
	        "# HELP remacto_peers_anonymous Inbound sessions past the handshake whose key is not a "
	        "registered member's.\n# TYPE remacto_peers_anonymous gauge\n"
	        "remacto_peers_anonymous %zu\n",
	        t->nanon);
	buf_printf(o, "# HELP remacto_peer_budget_bytes Bytes of the node's peer budgets in use "
	              "(send queues, messages being reassembled), by class of session.\n"
	              "# TYPE remacto_peer_budget_bytes gauge\n");
	static const char *const classes[PEER_CLASSES] = { "member", "anonymous" };
	for (int c = 0; c < PEER_CLASSES; c++)
		buf_printf(o,
		           "remacto_peer_budget_bytes{budget=\"send\",class=\"%s\"} %zu\n"
		           "remacto_peer_budget_bytes{budget=\"receive\",class=\"%s\"} %zu\n",
		           classes[c], t->sendq.class_used[c], classes[c], t->rx.class_used[c]);
	buf_printf(o,
	           "# HELP remacto_peer_gets_total GETs of entry bundles from peers' listeners: ok "
	           "(a whole body came), failed (no whole body: connection, status, size, "
	           "time-out, or ended unsent once the peer's GETs went off); refused counts the "
	           "ranges whose bodies came but were malformed or did not verify.\n"
	           "# TYPE remacto_peer_gets_total counter\n"
	           "remacto_peer_gets_total{result=\"ok\"} %llu\n"
	           "remacto_peer_gets_total{result=\"failed\"} %llu\n"
	           "remacto_peer_gets_total{result=\"refused\"} %llu\n",
	           (unsigned long long)t->gets_ok, (unsigned long long)t->gets_failed,
	           (unsigned long long)t->gets_refused);
	buf_printf(o, "# HELP remacto_peer_up 1 while the session with the peer is ready.\n"
	              "# TYPE remacto_peer_up gauge\n");
	for (struct peer *p = t->peers; p; p = p->next) {
		/* A slot standing by (its peer is connected the other way, under its own line) or
		 * leading to this node is no session: a 0 for it would read as a peer down. */
		if (p->state == ST_STANDBY || p->state == ST_SELF)
			continue;
		label(peer_name(p), a, sizeof(a));
		label(p->url, b, sizeof(b));
		buf_printf(o, "remacto_peer_up{peer=\"%s\",direction=\"%s\",url=\"%s\"} %d\n", a,
		           p->dir == DIR_OUT ? "out" : "in", b, p->state == ST_READY);
	}
	for (size_t i = 0; i < sizeof(counters) / sizeof(counters[0]); i++) {
		buf_printf(o, "# HELP %s %s\n# TYPE %s %s\n", counters[i].name, counters[i].help,
		           counters[i].name, counters[i].type);
		for (struct peer *p = t->peers; p; p = p->next) {
			uint64_t v;
			memcpy(&v, (const char *)p + counters[i].off, sizeof(v));
			label(peer_name(p), a, sizeof(a));
			label(p->url, b, sizeof(b));
			buf_printf(o, "%s{peer=\"%s\",direction=\"%s\",url=\"%s\"} %llu\n",
			           counters[i].name, a, p->dir == DIR_OUT ? "out" : "in", b,
			           (unsigned long long)v);
		}
	}
	buf_printf(o, "# HELP remacto_peer_queued_bytes Bytes waiting in the send queue.\n"
	              "# TYPE remacto_peer_queued_bytes gauge\n");
	for (struct peer *p = t->peers; p; p = p->next) {
		label(peer_name(p), a, sizeof(a));
		label(p->url, b, sizeof(b));
		buf_printf(
		        o,
		        "remacto_peer_queued_bytes{peer=\"%s\",direction=\"%s\",url=\"%s\"} %zu\n",
		        a, p->dir == DIR_OUT ? "out" : "in", b, p->queued);
	}
	buf_printf(o, "# HELP remacto_peer_backoff_seconds Time left before the next connection "
	              "attempt.\n# TYPE remacto_peer_backoff_seconds gauge\n");
	for (struct peer *p = t->peers; p; p = p->next) {
		if (p->dir != DIR_OUT)
			continue;
		label(peer_name(p), a, sizeof(a));
		label(p->url, b, sizeof(b));
		buf_printf(o,
		           "remacto_peer_backoff_seconds{peer=\"%s\",direction=\"out\",url=\"%s\"} "
		           "%.3f\n",
		           a, b, backoff_left(p, now) / 1000.0);
	}
}

double
transport_isolated_s(const struct transport *t)
{
	if (!t)
		return 0;
	for (const struct peer *p = t->peers; p; p = p->next)
		if (p->state == ST_READY)
			return 0;
	int64_t since = t->last_ready_ms > t->started_ms ? t->last_ready_ms : t->started_ms;
	return (double)(tp_mono_ms() - since) / 1000.0;
}
