/*
 * http — libwebsockets glue: parse requests, call the api, write responses. See http.h.
 */
#include "http.h"

#include <ctype.h>
#include <libwebsockets.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "core/log.h"
#include "live.h"
#include "node.h"
#include "peers/transport.h"
#include "publish.h"

#define CHUNK 16384

enum phase { PH_IDLE, PH_BODY, PH_WAIT, PH_HEADERS, PH_BODY_OUT };

struct session {
	struct lws *wsi;
	struct node *n;
	enum phase phase;
	struct api_req req;
	uint8_t *body;
	size_t body_len, body_cap;
	bool body_over, close_after;
	struct api_resp resp;
	size_t sent;
	struct publish_job *job;
	char content_type[128];
};

static void
session_reset(struct session *s)
{
	free(s->body);
	api_resp_free(&s->resp);
	s->body = NULL;
	s->body_len = s->body_cap = 0;
	s->body_over = false;
	s->sent = 0;
	s->job = NULL;
	s->phase = PH_IDLE;
}

static void
respond(struct session *s)
{
	s->phase = PH_HEADERS;
	s->sent = 0;
	metrics_count_status(&s->n->metrics, s->resp.status);
	lws_callback_on_writable(s->wsi);
}

static void
respond_error(struct session *s, int status, const char *field, const char *reason)
{
	memset(&s->resp, 0, sizeof(s->resp));
	api_error(&s->resp, status, field, "%s", reason);
	respond(s);
}

static void
dispatch(struct session *s)
{
	s->req.body = s->body;
	s->req.body_len = s->body_len;
	api_handle(s->n, &s->req, &s->resp);
	if (s->resp.deferred) {
		s->phase = PH_WAIT; /* the publisher answers through publish_collect */
		s->job = s->resp.job;
		return;
	}
	respond(s);
}

/* Rebuilds the query string from lws's decoded fragments, re-encoding what api_query decodes. */
static bool
read_query(struct lws *wsi, char *out, size_t cap)
{
	char frag[API_MAX_QUERY];
	size_t o = 0;
	out[0] = '\0';
	for (int i = 0;
	     lws_hdr_copy_fragment(wsi, frag, sizeof(frag), WSI_TOKEN_HTTP_URI_ARGS, i) > 0; i++) {
		if (o && o + 1 < cap)
			out[o++] = '&';
		for (char *p = frag; *p; p++) {
			unsigned char c = (unsigned char)*p;
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

static bool
bearer_ok(struct session *s)
{
	char buf[256];
	const char *tok = s->n->token;
	int len = lws_hdr_copy(s->wsi, buf, sizeof(buf), WSI_TOKEN_HTTP_AUTHORIZATION);
	if (len <= 7 || strncasecmp(buf, "Bearer ", 7) != 0 || !tok[0])
		return false;
	return strlen(buf + 7) == strlen(tok) && CRYPTO_memcmp(buf + 7, tok, strlen(tok)) == 0;
}

static int
start_request(struct session *s, const char *uri, size_t len)
{
	struct lws *wsi = s->wsi;
	struct api_req *r = &s->req;

	session_reset(s);
	memset(r, 0, sizeof(*r));
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
	if (len >= sizeof(r->path)) {
		respond_error(s, 414, NULL, "request path too long");
		return 0;
	}
	memcpy(r->path, uri, len);
	r->path[len] = '\0';
	if (!read_query(wsi, r->query, sizeof(r->query))) {
		respond_error(s, 414, NULL, "query string too long");
		return 0;
	}
	if (len > 4 && !strcmp(r->path + len - 4, ".csv")) {
		r->path[len - 4] = '\0';
		r->want_csv = true;
	}
	if (header_has(wsi, WSI_TOKEN_HTTP_ACCEPT, "text/csv"))
		r->want_csv = true;
	if (lws_hdr_copy(wsi, s->content_type, sizeof(s->content_type),
	                 WSI_TOKEN_HTTP_CONTENT_TYPE) < 0)
		s->content_type[0] = '\0';
	r->content_type = s->content_type;
	r->owner = s;

	if (r->method == API_OTHER) {
		respond_error(s, 405, NULL, "method not allowed: use GET, HEAD or POST");
		return 0;
	}
	/* The dashboard lives under /ui/ (live.h): send browsers there from the root. */
	if (!r->admin && !strcmp(r->path, "/") && r->method != API_POST &&
	    live_mounts(s->n->live)) {
		uint8_t buf[LWS_PRE + 256], *p = buf + LWS_PRE, *end = buf + sizeof(buf) - 1;
		metrics_count_status(&s->n->metrics, HTTP_STATUS_FOUND);
		if (lws_http_redirect(wsi, HTTP_STATUS_FOUND, (const unsigned char *)"/ui/", 4, &p,
		                      end) < 0)
			return -1;
		return lws_http_transaction_completed(wsi) ? -1 : 0;
	}
	if (r->method != API_POST) {
		dispatch(s);
		return 0;
	}
	char cl[32];
	if (lws_hdr_copy(wsi, cl, sizeof(cl), WSI_TOKEN_HTTP_CONTENT_LENGTH) > 0 &&
	    strtoull(cl, NULL, 10) > API_MAX_BODY) {
		s->close_after = true;
		respond_error(s, 413, NULL, "request body over the 8 MiB cap; split the batch");
		return 0;
	}
	s->phase = PH_BODY;
	lws_set_timer_usecs(wsi, (lws_usec_t)HTTP_BODY_TIMEOUT_S * LWS_US_PER_SEC);
	return 0;
}

static int
body_chunk(struct session *s, const void *in, size_t len)
{
	if (s->phase != PH_BODY)
		return 0;
	/* The timeout is for a stalled body, not a long one: restart it on every chunk. */
	lws_set_timer_usecs(s->wsi, (lws_usec_t)HTTP_BODY_TIMEOUT_S * LWS_US_PER_SEC);
	if (s->body_over || s->body_len + len > API_MAX_BODY) {
		s->body_over = true;
		return 0;
	}
	if (s->body_len + len > s->body_cap) {
		size_t ncap = s->body_cap ? s->body_cap : 16384;
		while (ncap < s->body_len + len)
			ncap *= 2;
		uint8_t *nb = realloc(s->body, ncap);
		if (!nb)
			return -1;
		s->body = nb, s->body_cap = ncap;
	}
	memcpy(s->body + s->body_len, in, len);
	s->body_len += len;
	return 0;
}

static int
write_headers(struct session *s)
{
	uint8_t buf[LWS_PRE + 1024], *start = buf + LWS_PRE, *p = start,
	                             *end = buf + sizeof(buf) - 1;
	const char *cc = s->resp.cache_control ? s->resp.cache_control : "no-store";
	struct lws *wsi = s->wsi;

	if (lws_add_http_common_headers(wsi, (unsigned)s->resp.status,
	                                s->resp.content_type ? s->resp.content_type : "text/plain",
	                                s->resp.len, &p, end) ||
	    lws_add_http_header_by_name(wsi, (const unsigned char *)"cache-control:",
	                                (const unsigned char *)cc, (int)strlen(cc), &p, end) ||
	    lws_add_http_header_by_name(wsi, (const unsigned char *)"x-content-type-options:",
	                                (const unsigned char *)"nosniff", 7, &p, end))
		return -1;
	if (!s->req.admin &&
	    lws_add_http_header_by_name(wsi, (const unsigned char *)"access-control-allow-origin:",
	                                (const unsigned char *)"*", 1, &p, end))
		return -1;
	if (s->close_after &&
	    lws_add_http_header_by_token(wsi, WSI_TOKEN_CONNECTION, (const unsigned char *)"close",
	                                 5, &p, end))
		return -1;
	return lws_finalize_write_http_header(wsi, start, &p, end) ? -1 : 0;
}

/* After the last byte: keep the connection for the next request, or close it. */
static int
complete(struct session *s)
{
	bool close_it = s->close_after;
	session_reset(s);
	if (close_it)
		return -1;
	return lws_http_transaction_completed(s->wsi) ? -1 : 0;
}

static int
writeable(struct session *s)
{
	uint8_t buf[LWS_PRE + CHUNK];

	if (s->phase == PH_HEADERS) {
		if (write_headers(s))
			return -1;
		if (s->req.method == API_HEAD || s->resp.len == 0)
			return complete(s);
		s->phase = PH_BODY_OUT;
		lws_callback_on_writable(s->wsi);
		return 0;
	}
	if (s->phase != PH_BODY_OUT)
		return 0;
	size_t n = s->resp.len - s->sent < CHUNK ? s->resp.len - s->sent : CHUNK;
	bool final = s->sent + n == s->resp.len;
	memcpy(buf + LWS_PRE, s->resp.body + s->sent, n);
	if (lws_write(s->wsi, buf + LWS_PRE, n, final ? LWS_WRITE_HTTP_FINAL : LWS_WRITE_HTTP) !=
	    (int)n)
		return -1;
	s->sent += n;
	if (final)
		return complete(s);
	lws_callback_on_writable(s->wsi);
	return 0;
}

static void
on_published(void *owner, struct api_resp *resp, void *arg)
{
	struct session *s = owner;
	(void)arg;
	api_resp_free(&s->resp);
	s->resp = *resp;
	s->job = NULL;
	respond(s);
}

static int
callback_http(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len)
{
	struct session *s = user;
	struct node *n = lws_context_user(lws_get_context(wsi));

	if (reason == LWS_CALLBACK_EVENT_WAIT_CANCELLED) {
		if (n && n->pub)
			publish_collect(n->pub, on_published, NULL);
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
		if (s->body_over) {
			s->close_after = true;
			respond_error(s, 413, NULL,
			              "request body over the 8 MiB cap; split the batch");
			return 0;
		}
		dispatch(s);
		return 0;
	case LWS_CALLBACK_TIMER:
		if (s->phase == PH_BODY) {
			s->close_after = true;
			respond_error(s, 408, NULL, "request body not received in time");
		}
		return 0;
	case LWS_CALLBACK_HTTP_WRITEABLE:
		return writeable(s);
	case LWS_CALLBACK_CLOSED_HTTP:
		if (s->job && n->pub)
			publish_detach(n->pub, s->job);
		session_reset(s);
		return 0;
	default:
		return lws_callback_http_dummy(wsi, reason, user, in, len);
	}
}

static const struct lws_protocols http_protocol = {
	"http", callback_http, sizeof(struct session), 0, 0, NULL, 0,
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
	if (protocols == public_protocols)
		info.mounts = live_mounts(n->live);
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

int
http_start(struct node *n, char *err, size_t errcap)
{
	struct lws_context_creation_info info;

	lws_set_log_level(LLL_ERR | LLL_WARN, lws_logger);
	memset(&info, 0, sizeof(info));
	info.options = LWS_SERVER_OPTION_EXPLICIT_VHOSTS | LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
	info.user = n;
	/* lws's own timeouts (handshake, body) must stay longer than ours so that a stalled client
	 * gets its 408 before lws drops the connection silently. */
	info.timeout_secs = 3 * HTTP_BODY_TIMEOUT_S;
	info.fd_limit_per_thread = n->cfg.max_connections + 16;
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
	return 0;
}

void
http_run(struct node *n, volatile int *stop, volatile int *reopen)
{
	while (!*stop) {
		if (lws_service(n->lws, 0) < 0)
			break;
		if (*reopen) {
			*reopen = 0;
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
		lws_context_destroy(n->lws);
		n->lws = NULL;
	}
}
