/*
 * http — libwebsockets glue: parse requests, call the api, write responses. See http.h.
 *
 * Why the body rules are what they are: libwebsockets 4.1 reads a request body that follows
 * pipelined input wrongly (lws_http_action drains the connection's buffered input from the
 * start of the request line as if it were the body, then loops forever once the body is
 * complete: the one-packet freeze of issue 9). A body is therefore only ever read as the first
 * request of a connection that closes after its answer (the admin listener answers one request
 * per connection), and every other request that announces a body is answered from the
 * LWS_CALLBACK_HTTP callback itself, before lws reaches its body code, and closed.
 */
#include "http.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <libwebsockets.h>
#include <openssl/crypto.h>
#include <poll.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "api.h"
#include "cache.h"
#include "core/buf.h"
#include "core/log.h"
#include "live.h"
#include "node.h"
#include "peers/transport.h"
#include "publish.h"
#include "sdnotify.h"
#include "store/writer.h"
#include "watchdog.h"

#define CHUNK 16384      /* one write of a body, and lws's send size (http_protocol) */
#define HEADERS_MAX 2048 /* our response headers, CSP included */

/* PH_DONE: the last byte is written but lws still holds some of it (a full socket). */
enum phase { PH_IDLE, PH_BODY, PH_WAIT, PH_HEADERS, PH_BODY_OUT, PH_DONE };

/* A connection closed with input maybe still arriving: its socket, kept open (a dup of lws's
 * descriptor) and drained, so that the peer reads the answer before any reset. */
struct lingering {
	int fd;
	int64_t until_ms;
	size_t drained;
};

/* Connections by socket descriptor that answered a request and stayed open: a body is read only
 * as the first request of a connection (see the top of this file). */
#define HTTP_FD_MARKS 65536

/* The front end's own state, made by http_start (n->http). Service thread only. */
struct http {
	struct node *n;
	lws_sorted_usec_list_t tick;
	struct lingering linger[HTTP_LINGER_MAX];
	size_t nlinger;
	uint8_t kept[HTTP_FD_MARKS / 8]; /* bit fd: this connection answered a request before */
};

static void
mark_kept(struct http *h, int fd, bool on)
{
	if (h && fd >= 0 && fd < HTTP_FD_MARKS)
		h->kept[fd / 8] = (uint8_t)(on ? h->kept[fd / 8] | 1u << (fd % 8)
		                               : h->kept[fd / 8] & ~(1u << (fd % 8)));
}

/* True when the connection of wsi may be past its first request (unknown counts as past). */
static bool
was_kept(const struct http *h, struct lws *wsi)
{
	int fd = lws_get_socket_fd(wsi);
	return !h || fd < 0 || fd >= HTTP_FD_MARKS || (h->kept[fd / 8] >> (fd % 8) & 1);
}

/* What the request says of a body. */
enum body { BODY_NONE, BODY_LEN, BODY_BAD_LEN, BODY_NO_LEN, BODY_CHUNKED };

/* One request: lws allocates it per transaction (it is freed and made again between two
 * requests of a keep-alive connection). */
struct session {
	struct lws *wsi;
	struct node *n;
	enum phase phase;
	struct api_req req;
	struct buf body; /* the request body (admin writes), capped at API_MAX_BODY */
	bool close_after, rx_paused;
	unsigned blocked_ms; /* time the answer made no progress */
	struct api_resp resp;
	size_t sent;
	struct publish_job *job;
	void *later; /* a deferred answer of another kind (api.h), and how to leave it */
	void (*detach)(void *later);
	char content_type[128];
	bool not_modified; /* 304 for a cacheable answer (cache.h): headers only */
};

static void
session_reset(struct session *s)
{
	buf_free(&s->body);
	s->body = (struct buf)BUF_INIT(API_MAX_BODY);
	api_resp_free(&s->resp);
	s->sent = 0;
	s->job = NULL;
	s->later = NULL;
	s->detach = NULL;
	s->phase = PH_IDLE;
	s->blocked_ms = 0;
}

/* Reads no more of the connection until this request is answered: what a client pipelines
 * waits in the kernel's socket buffer (TCP pushes back), not in ours. */
static void
rx_pause(struct session *s)
{
	if (!s->rx_paused) {
		lws_rx_flow_control(s->wsi, 0);
		s->rx_paused = true;
	}
}

static void
rx_resume(struct session *s)
{
	if (s->rx_paused) {
		lws_rx_flow_control(s->wsi, 1);
		s->rx_paused = false;
	}
}

/* Looks at the answer's progress in HTTP_BLOCKED_POLL_MS (on_timer). */
static void
watch_output(struct session *s)
{
	lws_set_timer_usecs(s->wsi, (lws_usec_t)HTTP_BLOCKED_POLL_MS * LWS_US_PER_MS);
}

static void
respond(struct session *s)
{
	/* lws 4.1 services no write of a connection it reads no more of (h1). */
	rx_resume(s);
	s->phase = PH_HEADERS;
	s->sent = 0;
	s->not_modified = cache_validate(&s->req, &s->resp);
	if (s->not_modified)
		s->resp.status = 304;
	metrics_count_status(&s->n->metrics, s->resp.status);
	lws_callback_on_writable(s->wsi);
	watch_output(s);
}

static void
set_error(struct session *s, int status, const char *field, const char *reason)
{
	api_resp_free(&s->resp);
	memset(&s->resp, 0, sizeof(s->resp));
	api_error(&s->resp, status, field, "%s", reason);
}

static void
respond_error(struct session *s, int status, const char *field, const char *reason)
{
	set_error(s, status, field, reason);
	respond(s);
}

/* What the routes see of the node (api.h). */
static void
route_ctx(struct node *n, struct api_ctx *c)
{
	*c = (struct api_ctx){
		.store = &n->store,
		.facts = &n->facts,
		.pub = n->pub,
		.fed = n->fed,
		.transport = n->transport,
		.metrics = &n->metrics,
		.own = n->own_log ? &n->signer.v : NULL,
		.network = n->cfg.network,
		.started = n->started,
		.data_dir = n->cfg.data,
		.isolated_after_s = n->cfg.peer_isolated_after_s,
		.witness = n->witserve,
	};
}

static void
handle(struct session *s, const struct api_req *r)
{
	struct api_ctx c;
	route_ctx(s->n, &c);
	api_handle(&c, r, &s->resp);
}

static void
dispatch(struct session *s)
{
	s->req.body = (const uint8_t *)s->body.data;
	s->req.body_len = s->body.len;
	if (!s->req.admin && live_serve(s->n->live, &s->req, &s->resp)) {
		respond(s);
		return;
	}
	handle(s, &s->req);
	if (s->resp.deferred) {
		s->phase = PH_WAIT; /* the publisher answers through publish_collect */
		s->job = s->resp.job;
		s->later = s->resp.later;
		s->detach = s->resp.detach;
		rx_pause(s); /* nothing to write meanwhile: read nothing either */
		return;
	}
	respond(s);
}

/* Rebuilds the query string from lws's decoded fragments, re-encoding what api_query decodes.
 * False when it does not fit in cap (or a fragment is longer than the whole cap). */
static bool
read_query(struct lws *wsi, char *out, size_t cap)
{
	char frag[API_MAX_QUERY];
	size_t o = 0;
	out[0] = '\0';
	if (lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_URI_ARGS) >= (int)cap)
		return false;
	for (int i = 0; lws_hdr_fragment_length(wsi, WSI_TOKEN_HTTP_URI_ARGS, i) > 0; i++) {
		int fl = lws_hdr_copy_fragment(wsi, frag, sizeof(frag), WSI_TOKEN_HTTP_URI_ARGS, i);
		if (fl < 0)
			return false;
		if (o && o + 1 < cap)
			out[o++] = '&';
		for (int k = 0; k < fl; k++) {
			unsigned char c = (unsigned char)frag[k];
			if (c == '%' || c == '&' || c == '+' || c < 0x21 || c == 0x7f) {
				if (o + 3 >= cap)
					return false;
				o += (size_t)snprintf(out + o, cap - o, "%%%02X", c);
			} else {
				if (o + 1 >= cap)
					return false;
				out[o++] = (char)c;
			}
		}
	}
	out[o] = '\0';
	return true;
}

static bool
header_has(struct lws *wsi, enum lws_token_indexes h, const char *needle)
{
	char buf[512];
	if (lws_hdr_copy(wsi, buf, sizeof(buf), h) <= 0)
		return false;
	for (char *p = buf; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	return strstr(buf, needle) != NULL;
}

/* The token must be the whole value after "Bearer ": lws hands over what follows a NUL too,
 * so the length compared is the one lws reports, never strlen's. */
static bool
bearer_ok(struct session *s)
{
	char buf[256];
	const char *tok = s->n->token;
	size_t tl = strlen(tok);
	int len = lws_hdr_copy(s->wsi, buf, sizeof(buf), WSI_TOKEN_HTTP_AUTHORIZATION);
	bool ok = len > 7 && tl && strncasecmp(buf, "Bearer ", 7) == 0 && (size_t)len - 7 == tl &&
	          CRYPTO_memcmp(buf + 7, tok, tl) == 0;
	OPENSSL_cleanse(buf, sizeof(buf));
	return ok;
}

/* What the request announces of a body, and its length. A Content-Length is decimal digits
 * only, once (lws joins repeated headers with ','), at most 18 digits. */
static enum body
body_of(struct lws *wsi, enum api_method m, uint64_t *len)
{
	char cl[32];
	int n;

	*len = 0;
	if (lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_TRANSFER_ENCODING) > 0)
		return BODY_CHUNKED;
	n = lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_CONTENT_LENGTH);
	if (n <= 0) {
		/* lws reads up to 100 MiB of body for a POST that gives no length. */
		return m == API_POST || m == API_OTHER ? BODY_NO_LEN : BODY_NONE;
	}
	if (n > 18 || lws_hdr_fragment_length(wsi, WSI_TOKEN_HTTP_CONTENT_LENGTH, 1) > 0 ||
	    lws_hdr_copy(wsi, cl, sizeof(cl), WSI_TOKEN_HTTP_CONTENT_LENGTH) != n)
		return BODY_BAD_LEN;
	for (int i = 0; i < n; i++) {
		if (cl[i] < '0' || cl[i] > '9')
			return BODY_BAD_LEN;
		*len = *len * 10 + (uint64_t)(cl[i] - '0');
	}
	return *len ? BODY_LEN : BODY_NONE;
}

/* The response headers, for both ways of writing them. */
static int
add_headers(struct session *s, uint8_t **p, uint8_t *end)
{
	const char *cc = s->resp.cache_control ? s->resp.cache_control : "no-store";
	struct lws *wsi = s->wsi;

	if (lws_add_http_common_headers(wsi, (unsigned)s->resp.status,
	                                s->resp.content_type ? s->resp.content_type : "text/plain",
	                                s->resp.len, p, end) ||
	    lws_add_http_header_by_name(wsi, (const unsigned char *)"cache-control:",
	                                (const unsigned char *)cc, (int)strlen(cc), p, end) ||
	    lws_add_http_header_by_name(wsi, (const unsigned char *)"x-content-type-options:",
	                                (const unsigned char *)"nosniff", 7, p, end))
		return -1;
	if (!s->req.admin &&
	    lws_add_http_header_by_name(wsi, (const unsigned char *)"access-control-allow-origin:",
	                                (const unsigned char *)"*", 1, p, end))
		return -1;
	if (s->resp.etag[0] && lws_add_http_header_by_token(wsi, WSI_TOKEN_HTTP_ETAG,
	                                                    (const unsigned char *)s->resp.etag,
	                                                    (int)strlen(s->resp.etag), p, end))
		return -1;
	if (s->resp.ui &&
	    (lws_add_http_header_by_name(wsi, (const unsigned char *)"content-security-policy:",
	                                 (const unsigned char *)live_csp, (int)strlen(live_csp), p,
	                                 end) ||
	     lws_add_http_header_by_name(wsi, (const unsigned char *)"x-frame-options:",
	                                 (const unsigned char *)"DENY", 4, p, end) ||
	     lws_add_http_header_by_name(wsi, (const unsigned char *)"referrer-policy:",
	                                 (const unsigned char *)"no-referrer", 11, p, end)))
		return -1;
	const char *vary = cache_vary(&s->req);
	if (vary && lws_add_http_header_by_name(
	                    wsi, (const unsigned char *)"vary:", (const unsigned char *)vary,
	                    (int)strlen(vary), p, end))
		return -1;
	if (s->resp.location &&
	    lws_add_http_header_by_token(wsi, WSI_TOKEN_HTTP_LOCATION,
	                                 (const unsigned char *)s->resp.location,
	                                 (int)strlen(s->resp.location), p, end))
		return -1;
	if (s->close_after &&
	    lws_add_http_header_by_token(wsi, WSI_TOKEN_CONNECTION, (const unsigned char *)"close",
	                                 5, p, end))
		return -1;
	return 0;
}

static int64_t
now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Reads and drops what the peer sends, until it closes, HTTP_LINGER_S pass or
 * HTTP_LINGER_BYTES were dropped. True when the socket is done with. */
static bool
linger_drain(struct lingering *l, int64_t now)
{
	char buf[16384];
	for (;;) {
		ssize_t r = recv(l->fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (r == 0 || (r < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR))
			return true;
		if (r < 0)
			break;
		l->drained += (size_t)r;
		if (l->drained >= HTTP_LINGER_BYTES)
			return true;
	}
	return now >= l->until_ms;
}

static void
linger_service(struct http *h)
{
	int64_t now = now_ms();
	for (size_t i = 0; i < h->nlinger;) {
		if (linger_drain(&h->linger[i], now)) {
			close(h->linger[i].fd);
			h->linger[i] = h->linger[--h->nlinger];
		} else {
			i++;
		}
	}
}

/* Called just before returning -1 to have lws close a connection whose peer may still be
 * sending (a body not read, pipelined requests): without it the kernel answers the unread
 * bytes with a reset, and the peer may lose the answer it was sent. lws shuts the sending
 * side and closes its descriptor; the dup keeps the connection until drained. */
static void
linger(struct session *s)
{
	struct http *h = s->n->http;
	int fd = lws_get_socket_fd(s->wsi), d;

	if (!h || fd < 0 || h->nlinger == HTTP_LINGER_MAX)
		return; /* too many already: this one is closed at once */
	if ((d = fcntl(fd, F_DUPFD_CLOEXEC, 0)) < 0)
		return;
	h->linger[h->nlinger++] = (struct lingering){ d, now_ms() + HTTP_LINGER_S * 1000, 0 };
}

/* Answers from inside LWS_CALLBACK_HTTP, headers and body in one write, for a request whose
 * body is not read: the caller then returns -1 and lws closes the connection (after flushing
 * what the socket did not take yet) before its body code runs. */
static int
answer_now(struct session *s)
{
	size_t cap = LWS_PRE + HEADERS_MAX + s->resp.len;
	uint8_t *buf = malloc(cap), *start, *p, *end;

	s->close_after = true;
	metrics_count_status(&s->n->metrics, s->resp.status);
	if (!buf)
		return -1;
	start = p = buf + LWS_PRE;
	end = buf + LWS_PRE + HEADERS_MAX - 1;
	if (add_headers(s, &p, end) == 0 && !lws_finalize_http_header(s->wsi, &p, end)) {
		size_t hl = (size_t)(p - start), n = s->req.method == API_HEAD ? 0 : s->resp.len;
		if (n)
			memcpy(p, s->resp.body, n);
		if (lws_write(s->wsi, start, hl + n, LWS_WRITE_HTTP) < 0)
			log_debug("http: cannot write an early answer");
	}
	free(buf);
	/* Nothing more is read from this connection while lws closes it. */
	rx_pause(s);
	linger(s);
	session_reset(s);
	return -1;
}

/* A request that announced a body it will not be read for: the answer, in s->resp. */
static void
refuse_body(struct session *s, enum body b, int early, const char *early_why)
{
	struct api_req *r = &s->req;

	if (early) {
		set_error(s, early, NULL, early_why);
	} else if (b == BODY_BAD_LEN) {
		set_error(s, 400, "Content-Length", "expected one decimal length");
	} else if (b == BODY_CHUNKED) {
		set_error(s, 411, "Transfer-Encoding",
		          "chunked request bodies are not accepted; send a Content-Length");
	} else if (r->method != API_POST) {
		set_error(s, 400, NULL, "a GET or HEAD request carries no body");
	} else if (api_takes_body(r) && (r->authorized || !r->admin)) {
		char why[120];
		snprintf(why, sizeof(why), "request body over the %zu-byte cap%s", api_body_cap(r),
		         r->admin ? "; split the batch" : "");
		if (b == BODY_NO_LEN)
			set_error(s, 411, "Content-Length", "send the body with a Content-Length");
		else if (!r->admin && was_kept(s->n->http, s->wsi))
			set_error(
			        s, 400, NULL,
			        "a request with a body must be the first of its connection: open a new "
			        "one");
		else
			set_error(s, 413, NULL, why);
	} else {
		/* A POST where no body is taken: the route's own refusal (401, 403, 404, 405). */
		handle(s, r);
		if (s->resp.deferred || s->resp.status < 400) {
			/* Not reached with the routes of api.h; here so that a new route cannot make
			 * a body be read where it must not be. */
			log_err("http: %s answered a POST without its body", r->path);
			set_error(s, 400, NULL, "this resource takes no request body");
		}
	}
}

static int
start_request(struct session *s, const char *uri, size_t len)
{
	struct lws *wsi = s->wsi;
	struct api_req *r = &s->req;
	const char *early_why = NULL;
	uint64_t blen;
	enum body b;
	int early = 0;

	session_reset(s);
	memset(r, 0, sizeof(*r));
	memset(&s->resp, 0, sizeof(s->resp));
	if (lws_hdr_total_length(wsi, WSI_TOKEN_GET_URI))
		r->method = API_GET;
	else if (lws_hdr_total_length(wsi, WSI_TOKEN_HEAD_URI))
		r->method = API_HEAD;
	else if (lws_hdr_total_length(wsi, WSI_TOKEN_POST_URI))
		r->method = API_POST;
	else
		r->method = API_OTHER;
	r->admin = !strcmp(lws_get_vhost_name(lws_get_vhost(wsi)), "admin");
	r->authorized = r->admin && bearer_ok(s);
	r->owner = s;
	r->content_type = s->content_type;
	if (!lws_get_peer_simple(wsi, r->client, sizeof(r->client)))
		r->client[0] = '\0';
	/* The admin listener answers one request per connection (see the top of this file). */
	s->close_after = r->admin;
	b = body_of(wsi, r->method, &blen);

	if (len >= sizeof(r->path)) {
		early = 414, early_why = "request path too long";
	} else {
		memcpy(r->path, uri, len);
		r->path[len] = '\0';
		if (!read_query(wsi, r->query, sizeof(r->query)))
			early = 414, early_why = "query string too long";
	}
	if (!early && r->method == API_OTHER)
		early = 405, early_why = "method not allowed: use GET, HEAD or POST";
	if (!early && len > 4 && !strcmp(r->path + len - 4, ".csv")) {
		r->path[len - 4] = '\0';
		r->want_csv = true;
	}
	if (header_has(wsi, WSI_TOKEN_HTTP_ACCEPT, "text/csv"))
		r->want_csv = true;
	if (lws_hdr_copy(wsi, s->content_type, sizeof(s->content_type),
	                 WSI_TOKEN_HTTP_CONTENT_TYPE) < 0)
		s->content_type[0] = '\0';
	if (lws_hdr_copy(wsi, r->if_none_match, sizeof(r->if_none_match),
	                 WSI_TOKEN_HTTP_IF_NONE_MATCH) < 0)
		r->if_none_match[0] = '\0';

	if (b != BODY_NONE) {
		/* Nothing after a body is read: the connection closes after its answer. */
		s->close_after = true;
		if (early || b != BODY_LEN || r->method != API_POST ||
		    (r->admin && !r->authorized) || !api_takes_body(r) || blen > api_body_cap(r) ||
		    (!r->admin && was_kept(s->n->http, wsi))) {
			refuse_body(s, b, early, early_why);
			return answer_now(s);
		}
		s->phase = PH_BODY;
		lws_set_timer_usecs(wsi, (lws_usec_t)HTTP_BODY_TIMEOUT_S * LWS_US_PER_SEC);
		return 0;
	}
	if (early) {
		respond_error(s, early, NULL, early_why);
		return 0;
	}
	/* The dashboard lives under /ui/ (live.h): send browsers there from the root. */
	if (!r->admin && !strcmp(r->path, "/") && r->method != API_POST &&
	    live_dashboard_dir(s->n->live)[0]) {
		static const char moved[] = "<a href=\"/ui/\">/ui/</a>\n";
		api_text(&s->resp, 302, "text/html", moved, sizeof(moved) - 1);
		s->resp.location = "/ui/";
		respond(s);
		return 0;
	}
	dispatch(s);
	return 0;
}

static int
body_chunk(struct session *s, const void *in, size_t len)
{
	if (s->phase != PH_BODY)
		return 0;
	/* The timeout is for a stalled body, not a long one: restart it on every chunk. */
	lws_set_timer_usecs(s->wsi, (lws_usec_t)HTTP_BODY_TIMEOUT_S * LWS_US_PER_SEC);
	/* Past the cap the rest is read and dropped (body.err -EMSGSIZE): 413 at the end. */
	if (buf_put(&s->body, in, len) == -ENOMEM)
		return -1;
	return 0;
}

static int
write_headers(struct session *s)
{
	uint8_t buf[LWS_PRE + HEADERS_MAX], *start = buf + LWS_PRE, *p = start,
	                                    *end = buf + sizeof(buf) - 1;
	if (add_headers(s, &p, end))
		return -1;
	return lws_finalize_write_http_header(s->wsi, start, &p, end) ? -1 : 0;
}

/* A full socket (the client does not read): lws holds what the kernel did not take, and sends it
 * when the socket drains. Meanwhile lws 4.1 spins on any input it holds or that arrives, since
 * it reads none during an answer; and it services no write of a connection it is told to read
 * no more of. The same holds while the answer waits for lws's writeable callback with nothing
 * buffered in lws: a socket more than about two thirds full takes writes but does not report
 * POLLOUT, so the callback waits for the client to read, with pipelined requests in lws's
 * buffer. So from the moment an answer is ready until its last byte left lws, a timer looks
 * every HTTP_BLOCKED_POLL_MS: socket not writable, stop reading; writable again, read again
 * (lws then sends). HTTP_SEND_TIMEOUT_S without progress closes the connection. */
static bool
socket_writable(struct lws *wsi)
{
	struct pollfd p = { .fd = lws_get_socket_fd(wsi), .events = POLLOUT };
	return p.fd >= 0 && poll(&p, 1, 0) > 0 && (p.revents & (POLLOUT | POLLERR | POLLHUP));
}

/* The per-connection timer: a stalled request body, or output lws or the kernel holds. */
static int
on_timer(struct session *s)
{
	if (s->phase == PH_BODY) {
		rx_pause(s);
		respond_error(s, 408, NULL, "request body not received in time");
		return 0;
	}
	if (s->phase != PH_HEADERS && s->phase != PH_BODY_OUT && s->phase != PH_DONE)
		return 0; /* answered (or not yet): nothing to watch */
	if (socket_writable(s->wsi)) {
		s->blocked_ms = 0;
		rx_resume(s);
		/* All written, lws holds nothing: complete() waited for this (see there). */
		if (s->phase == PH_DONE && !lws_partial_buffered(s->wsi))
			lws_callback_on_writable(s->wsi);
	} else {
		rx_pause(s);
		s->blocked_ms += HTTP_BLOCKED_POLL_MS;
		if (s->blocked_ms >= HTTP_SEND_TIMEOUT_S * 1000u) {
			log_debug("http: closing a connection whose answer made no progress "
			          "for %d s",
			          HTTP_SEND_TIMEOUT_S);
			return -1;
		}
	}
	watch_output(s);
	return 0;
}

/* After the last byte: keep the connection for the next request, or close it.
 *
 * Kept, lws 4.1 reads the next request only once the socket reports POLLOUT
 * (LRS_DEFERRING_ACTION) and reads nothing until then, yet it polls for input if it may read:
 * what the client pipelined, waiting in the kernel, would make every poll return at once until
 * the client reads (a spin as long as lws's keep-alive timeout). The last write of an answer can
 * leave the socket more than two thirds full without a partial write (likelier with 16 KiB
 * sends than with 4 KiB ones), and then it reports no POLLOUT. So the transaction ends only on
 * a writable socket; until then the answer stays PH_DONE, reading paused, watched by on_timer
 * (which calls back here once the socket drains, or closes after HTTP_SEND_TIMEOUT_S). */
static int
complete(struct session *s)
{
	if (s->close_after) {
		session_reset(s);
		linger(s);
		return -1;
	}
	if (!socket_writable(s->wsi)) {
		rx_pause(s);
		watch_output(s);
		return 0;
	}
	session_reset(s);
	lws_set_timer_usecs(s->wsi, LWS_SET_TIMER_USEC_CANCEL); /* the next request's own */
	rx_resume(s);
	mark_kept(s->n->http, lws_get_socket_fd(s->wsi), true);
	return lws_http_transaction_completed(s->wsi) ? -1 : 0;
}

static int
writeable(struct session *s)
{
	uint8_t buf[LWS_PRE + CHUNK];

	switch (s->phase) {
	case PH_HEADERS:
		if (write_headers(s))
			return -1;
		/* HEAD and 304: the headers of the answer, without its body. */
		s->phase = s->req.method == API_HEAD || s->not_modified || s->resp.len == 0
		                   ? PH_DONE
		                   : PH_BODY_OUT;
		break;
	case PH_BODY_OUT: {
		size_t n = s->resp.len - s->sent < CHUNK ? s->resp.len - s->sent : CHUNK;
		bool final = s->sent + n == s->resp.len;
		memcpy(buf + LWS_PRE, s->resp.body + s->sent, n);
		if (lws_write(s->wsi, buf + LWS_PRE, n,
		              final ? LWS_WRITE_HTTP_FINAL : LWS_WRITE_HTTP) != (int)n)
			return -1;
		s->sent += n;
		if (final)
			s->phase = PH_DONE;
		break;
	}
	case PH_DONE:
		return complete(s); /* lws flushed what it held */
	default:
		return 0;
	}
	if (lws_partial_buffered(s->wsi)) {
		/* lws sends the rest on POLLOUT, then calls back. */
		watch_output(s);
		return 0;
	}
	if (s->phase == PH_DONE)
		return complete(s);
	lws_callback_on_writable(s->wsi);
	return 0;
}

void
http_deliver(void *owner, struct api_resp *resp)
{
	struct session *s = owner;
	api_resp_free(&s->resp);
	s->resp = *resp;
	s->job = NULL;
	s->later = NULL;
	respond(s);
}

static void
on_published(void *owner, struct api_resp *resp, void *arg)
{
	(void)arg;
	http_deliver(owner, resp);
}

static int
callback_http(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len)
{
	struct session *s = user;
	struct node *n = lws_context_user(lws_get_context(wsi));

	if (reason == LWS_CALLBACK_FILTER_NETWORK_CONNECTION) {
		/* A new connection on this descriptor: its first request is next. */
		const struct lws_filter_network_conn_args *a = user;
		if (n && a)
			mark_kept(n->http, (int)a->accept_fd, false);
		return 0;
	}
	if (reason == LWS_CALLBACK_EVENT_WAIT_CANCELLED) {
		/* The writer finished jobs (it woke the loop): their completions run here. */
		if (n && n->writer)
			writer_collect(n->writer);
		if (n && n->pub)
			publish_collect(n->pub, on_published, NULL);
		if (n && n->on_wake)
			n->on_wake(n);
		return 0;
	}
	/* A connection closed before it sent a request has no session. */
	if (!s)
		return lws_callback_http_dummy(wsi, reason, user, in, len);
	switch (reason) {
	case LWS_CALLBACK_HTTP:
		s->wsi = wsi;
		s->n = n;
		atomic_fetch_add(&n->metrics.http_requests, 1);
		return start_request(s, in, len);
	case LWS_CALLBACK_HTTP_BODY:
		return body_chunk(s, in, len);
	case LWS_CALLBACK_HTTP_BODY_COMPLETION:
		if (s->phase != PH_BODY)
			return 0;
		lws_set_timer_usecs(wsi, LWS_SET_TIMER_USEC_CANCEL);
		rx_pause(s);
		if (s->body.err) {
			respond_error(s, 413, NULL,
			              "request body over the 8 MiB cap; split the batch");
			return 0;
		}
		dispatch(s);
		return 0;
	case LWS_CALLBACK_TIMER:
		return on_timer(s);
	case LWS_CALLBACK_HTTP_WRITEABLE:
		return writeable(s);
	case LWS_CALLBACK_CLOSED_HTTP:
		if (s->job && n->pub)
			publish_detach(n->pub, s->job);
		if (s->later && s->detach)
			s->detach(s->later);
		session_reset(s);
		return 0;
	default:
		return lws_callback_http_dummy(wsi, reason, user, in, len);
	}
}

/* tx_packet_size: without it lws 4.1 cuts every send to its 4 KiB service buffer, so a body
 * leaves in 4 KiB TLS records, each a partial write lws holds and finishes on the next POLLOUT.
 * At CHUNK (one full TLS record) a 63 KB entry bundle costs about a third less CPU on both ends
 * (docs/BENCHMARKS.md). */
static const struct lws_protocols http_protocol = {
	"http", callback_http, sizeof(struct session), 0, 0, NULL, CHUNK,
};

/* The public listener also speaks the peer protocol (transport.h); the admin one only HTTP. */
static const struct lws_protocols *public_protocols[] = {
	&http_protocol,
	&transport_protocol,
	&live_protocol,
	NULL,
};
static const struct lws_protocols *admin_protocols[] = { &http_protocol, NULL };

static void
lws_logger(int level, const char *line)
{
	size_t n = strlen(line);
	while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		n--;
	log_msg(level == LLL_ERR    ? LOG_ERR
	        : level == LLL_WARN ? LOG_WARNING
	                            : LOG_DEBUG,
	        "lws: %.*s", (int)n, line);
}

static struct lws_vhost *
listen_on(struct node *n, const char *name, const struct config_listen *l,
          const struct lws_protocols **protocols, const char *cert, const char *key, char *err,
          size_t errcap)
{
	struct lws_context_creation_info info;
	memset(&info, 0, sizeof(info));
	info.vhost_name = name;
	info.iface = l->host;
	info.port = l->port;
	/* lws binds an IPv6 wildcard socket and ignores an IPv4 iface unless IPv6 is off for the
	 * vhost: without this, "127.0.0.1" listened on every interface. */
	if (!strchr(l->host, ':'))
		info.options |= LWS_SERVER_OPTION_DISABLE_IPV6;
	info.pprotocols = protocols;
	info.keepalive_timeout = HTTP_IDLE_TIMEOUT_S;
	info.timeout_secs = 3 * HTTP_BODY_TIMEOUT_S;
	if (cert && cert[0]) {
		/* Without this option on the vhost itself lws ignores the certificate and serves
		 * plain HTTP on the port. HTTP/1.1 only: the writers here (and the peer WebSocket)
		 * are written for it, and lws's HTTP/2 cut the longer answers short. */
		info.options |= LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
		info.alpn = "http/1.1";
		info.ssl_cert_filepath = cert;
		info.ssl_private_key_filepath = key;
	}
	struct lws_vhost *vh = lws_create_vhost(n->lws, &info);
	if (!vh)
		snprintf(err, errcap,
		         "cannot listen on %s:%d for the %s listener (address in use, "
		         "or not an address of this machine?)",
		         l->host, l->port, name);
	return vh;
}

/* Every HTTP_TICK_MS on the service thread: drains lingering sockets. Being scheduled, it
 * also bounds lws's wait, so the loop sees the signal flags within a tick. */
static void
on_tick(lws_sorted_usec_list_t *sul)
{
	struct http *h = lws_container_of(sul, struct http, tick);
	linger_service(h);
	lws_sul_schedule(h->n->lws, 0, &h->tick, on_tick, (lws_usec_t)HTTP_TICK_MS * LWS_US_PER_MS);
}

int
http_start(struct node *n, char *err, size_t errcap)
{
	struct lws_context_creation_info info;

	if (!(n->http = calloc(1, sizeof(*n->http)))) {
		snprintf(err, errcap, "out of memory");
		return -1;
	}
	n->http->n = n;

	lws_set_log_level(LLL_ERR | LLL_WARN, lws_logger);
	memset(&info, 0, sizeof(info));
	info.options = LWS_SERVER_OPTION_EXPLICIT_VHOSTS | LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
	info.user = n;
	/* lws's own timeouts (handshake, body) must stay longer than ours so that a stalled client
	 * gets its 408 before lws drops the connection silently. */
	info.timeout_secs = 3 * HTTP_BODY_TIMEOUT_S;
	info.fd_limit_per_thread = n->cfg.max_connections + 16;
	/* Room for a path over API_MAX_PATH, so that it gets its 414 instead of a closed
	 * connection; header blocks over this still close it (lws's parser). */
	info.max_http_header_data = HTTP_MAX_HEADER_BYTES;
	n->lws = lws_create_context(&info);
	if (!n->lws) {
		snprintf(err, errcap, "cannot create the libwebsockets context");
		return -1;
	}
	if (!listen_on(n, "public", &n->cfg.pub, public_protocols, n->cfg.tls_cert, n->cfg.tls_key,
	               err, errcap) ||
	    !listen_on(n, "admin", &n->cfg.admin, admin_protocols, NULL, NULL, err, errcap)) {
		lws_context_destroy(n->lws);
		n->lws = NULL;
		return -1;
	}
	lws_sul_schedule(n->lws, 0, &n->http->tick, on_tick,
	                 (lws_usec_t)HTTP_TICK_MS * LWS_US_PER_MS);
	return 0;
}

/* Test only: the loop stops dead, as it would stuck in a callback, for the watchdog to see. */
static void
stall(void)
{
	log_warn("test: the service loop stalls on purpose (REMACTOD_TEST_STALL, SIGUSR1)");
	for (;;)
		sleep(60);
}

void
http_run(struct node *n, struct http_signals *sig, struct watchdog *wd)
{
	while (!sig->stop) {
		if (lws_service(n->lws, 0) < 0)
			break;
		watchdog_kick(wd);
		sdnotify_alive(); /* systemd's watchdog: the same progress (sdnotify.h) */
		if (sig->stall)
			stall();
		if (sig->reopen) {
			sig->reopen = 0;
			if (log_reopen() != 0)
				log_warn(
				        "cannot reopen the log file; still writing to the old one");
			else
				log_info("log file reopened");
		}
	}
}

void
http_stop(struct node *n)
{
	if (n->lws) {
		if (n->http)
			lws_sul_cancel(&n->http->tick);
		lws_context_destroy(n->lws);
		n->lws = NULL;
	}
	if (n->http) {
		for (size_t i = 0; i < n->http->nlinger; i++)
			close(n->http->linger[i].fd);
		free(n->http);
		n->http = NULL;
	}
}
