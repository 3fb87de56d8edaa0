/*
 * client — a synchronous HTTP/1.1 request on the libwebsockets client API. See client.h.
 *
 * One lws context per request, with this request as its user pointer. The request headers are
 * completed in CLIENT_APPEND_HANDSHAKE_HEADER (Content-Type, Content-Length, Authorization);
 * the body goes out from CLIENT_HTTP_WRITEABLE, one lws_write of at most CHUNK bytes per
 * callback; the response is drained with lws_http_client_read and collected from the _READ
 * callbacks under CLIENT_MAX_RESPONSE. A watchdog timer gives up after o->timeout seconds
 * without progress, whatever stage the request is in.
 *
 * lws 4.1 reports a failed connect as "Unable to connect", without the errno. An operator needs
 * to know whether nothing listens there, the host is unreachable or the name does not resolve,
 * so after such a failure one plain connect() to the same address finds out which.
 */
#include "client.h"

#include <errno.h>
#include <fcntl.h>
#include <libwebsockets.h>
#include <netdb.h>
#include <openssl/crypto.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/err.h"

#define CHUNK 65536    /* request body bytes per lws_write */
#define READ_BUF 16384 /* response bytes per lws_http_client_read */
#define TOKEN_MAX 512
#define WATCHDOG_US (250 * LWS_US_PER_MS)

enum stage { ST_CONNECTING, ST_SENDING, ST_WAITING, ST_READING };

static const char *const stage_name[] = {
	[ST_CONNECTING] = "connecting",
	[ST_SENDING] = "sending the request",
	[ST_WAITING] = "waiting for the response",
	[ST_READING] = "reading the response",
};

struct request {
	const struct client_opts *o;
	const char *content_type;
	const uint8_t *body;
	size_t len, sent;
	unsigned timeout;
	struct client_response *out;
	struct buf resp;           /* the response body, handed to out at the end */
	uint8_t *chunk;            /* LWS_PRE + CHUNK, for the body */
	char auth[TOKEN_MAX + 16]; /* "Bearer <token>", wiped at the end */
	enum stage stage;
	bool finished, complete;
	int rc;
	char *err;
	size_t errcap;
	struct lws_context *ctx;
	lws_usec_t last; /* last progress */
	lws_sorted_usec_list_t watchdog;
};

static void fail(struct request *r, int rc, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

/* Ends the service loop: lws_service would otherwise sleep on in poll() until its next
 * internal timer. */
static void
finish(struct request *r)
{
	r->finished = true;
	if (r->ctx)
		lws_cancel_service(r->ctx);
}

/* Records the first failure only: later ones are consequences of it. */
static void
fail(struct request *r, int rc, const char *fmt, ...)
{
	va_list ap;
	finish(r);
	if (r->rc != 0)
		return;
	r->rc = rc;
	va_start(ap, fmt);
	err_vset(r->err, r->errcap, fmt, ap);
	va_end(ap);
}

static void
watchdog(lws_sorted_usec_list_t *sul)
{
	struct request *r = lws_container_of(sul, struct request, watchdog);
	if (r->finished)
		return;
	if (lws_now_usecs() - r->last > (lws_usec_t)r->timeout * LWS_US_PER_SEC) {
		fail(r, CLIENT_ETIMEOUT, "no progress for %u s while %s", r->timeout,
		     stage_name[r->stage]);
		return;
	}
	lws_sul_schedule(r->ctx, 0, sul, watchdog, WATCHDOG_US);
}

static int
append_body(struct request *r, const void *in, size_t len)
{
	int rc = buf_put(&r->resp, in, len);
	if (rc == -EMSGSIZE)
		fail(r, CLIENT_ETOOBIG, "the response is larger than %zu MiB",
		     CLIENT_MAX_RESPONSE >> 20);
	else if (rc != 0)
		fail(r, CLIENT_ESYS, "out of memory reading the response");
	return rc != 0 ? -1 : 0;
}

static int
add_headers(struct request *r, struct lws *wsi, unsigned char **p, unsigned char *end)
{
	if (r->auth[0] && lws_add_http_header_by_token(wsi, WSI_TOKEN_HTTP_AUTHORIZATION,
	                                               (const unsigned char *)r->auth,
	                                               (int)strlen(r->auth), p, end))
		return -1;
	if (!r->content_type)
		return 0;
	char cl[24];
	int n = snprintf(cl, sizeof(cl), "%zu", r->len);
	if (lws_add_http_header_by_token(wsi, WSI_TOKEN_HTTP_CONTENT_TYPE,
	                                 (const unsigned char *)r->content_type,
	                                 (int)strlen(r->content_type), p, end) ||
	    lws_add_http_header_by_token(wsi, WSI_TOKEN_HTTP_CONTENT_LENGTH,
	                                 (const unsigned char *)cl, n, p, end))
		return -1;
	if (r->len > 0) {
		/* lws waits for the body (sent from WRITEABLE) before reading the response */
		lws_client_http_body_pending(wsi, 1);
		lws_callback_on_writable(wsi);
	}
	return 0;
}

static int
write_body(struct request *r, struct lws *wsi)
{
	if (r->stage != ST_SENDING || r->sent >= r->len)
		return 0;
	size_t n = r->len - r->sent < CHUNK ? r->len - r->sent : CHUNK;
	bool final = r->sent + n == r->len;
	memcpy(r->chunk + LWS_PRE, r->body + r->sent, n);
	if (final)
		lws_client_http_body_pending(wsi, 0);
	if (lws_write(wsi, r->chunk + LWS_PRE, n, final ? LWS_WRITE_HTTP_FINAL : LWS_WRITE_HTTP) !=
	    (int)n) {
		fail(r, CLIENT_EPROTO,
		     "the connection broke after %zu of %zu bytes of the request "
		     "body",
		     r->sent, r->len);
		return -1;
	}
	r->sent += n;
	r->last = lws_now_usecs();
	if (r->o->progress)
		r->o->progress(r->sent, r->len, r->o->progress_arg);
	if (final) {
		r->stage = ST_WAITING;
	} else {
		/* lws's payload timeout is set once for the whole body: keep it alive */
		lws_set_timeout(wsi, PENDING_TIMEOUT_CLIENT_ISSUE_PAYLOAD, (int)r->timeout + 1);
		lws_callback_on_writable(wsi);
	}
	return 0;
}

static int
established(struct request *r, struct lws *wsi)
{
	char cl[32];
	r->stage = ST_READING;
	r->last = lws_now_usecs();
	r->out->status = (int)lws_http_client_http_response(wsi);
	if (lws_hdr_copy(wsi, r->out->content_type, sizeof(r->out->content_type),
	                 WSI_TOKEN_HTTP_CONTENT_TYPE) < 0)
		r->out->content_type[0] = '\0';
	if (lws_hdr_copy(wsi, cl, sizeof(cl), WSI_TOKEN_HTTP_CONTENT_LENGTH) > 0 &&
	    strtoull(cl, NULL, 10) > CLIENT_MAX_RESPONSE) {
		fail(r, CLIENT_ETOOBIG, "the response announces %s bytes, over the %zu MiB cap", cl,
		     CLIENT_MAX_RESPONSE >> 20);
		return -1;
	}
	return 0;
}

static int
callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len)
{
	struct request *r = lws_context_user(lws_get_context(wsi));

	switch (reason) {
	case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
		if (r->stage == ST_CONNECTING)
			fail(r, CLIENT_ECONNECT, "%s", in ? (const char *)in : "cannot connect");
		else
			fail(r, CLIENT_EPROTO, "connection failed while %s: %s",
			     stage_name[r->stage], in ? (const char *)in : "unknown error");
		return 0;
	case LWS_CALLBACK_CLIENT_APPEND_HANDSHAKE_HEADER:
		r->stage = ST_SENDING;
		r->last = lws_now_usecs();
		if (add_headers(r, wsi, (unsigned char **)in, *(unsigned char **)in + len) != 0) {
			fail(r, CLIENT_EPROTO, "the request headers do not fit lws's buffer");
			return -1;
		}
		if (!r->content_type || r->len == 0)
			r->stage = ST_WAITING;
		return 0;
	case LWS_CALLBACK_CLIENT_HTTP_WRITEABLE:
		return write_body(r, wsi);
	case LWS_CALLBACK_ESTABLISHED_CLIENT_HTTP:
		return established(r, wsi);
	case LWS_CALLBACK_RECEIVE_CLIENT_HTTP_READ:
		r->last = lws_now_usecs();
		return append_body(r, in, len);
	case LWS_CALLBACK_RECEIVE_CLIENT_HTTP: {
		char buf[LWS_PRE + READ_BUF], *p = buf + LWS_PRE;
		int n = READ_BUF;
		if (lws_http_client_read(wsi, &p, &n) < 0) {
			fail(r, CLIENT_EPROTO, "the connection broke while reading the response");
			return -1;
		}
		return 0;
	}
	case LWS_CALLBACK_COMPLETED_CLIENT_HTTP:
		if (!r->finished) {
			r->complete = true;
			finish(r);
		}
		return 0;
	case LWS_CALLBACK_CLOSED_CLIENT_HTTP:
		if (!r->finished && r->stage == ST_SENDING)
			fail(r, CLIENT_EPROTO,
			     "the server closed the connection after %zu of %zu bytes "
			     "of the request body",
			     r->sent, r->len);
		else if (!r->finished)
			fail(r, CLIENT_EPROTO, "the server closed the connection while %s",
			     stage_name[r->stage]);
		return 0;
	default:
		return lws_callback_http_dummy(wsi, reason, user, in, len);
	}
}

static const struct lws_protocols protocols[] = {
	{ "remacto-client", callback, 0, 0, 0, NULL, 0 },
	{ NULL, NULL, 0, 0, 0, NULL, 0 },
};

static void
emit(int level, const char *line)
{
	size_t n = strlen(line);
	(void)level;
	while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		n--;
	fprintf(stderr, "remacto: lws: %.*s\n", (int)n, line);
}

/* Why a TCP connect to host:port fails, as "connection refused" etc.; false when it does not
 * fail now (then the caller keeps lws's own message). */
static bool
connect_reason(const char *host, int port, unsigned timeout, char *out, size_t cap)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICSERV };
	struct addrinfo *res = NULL;
	char sport[8];
	int e = 0, fd;

	snprintf(sport, sizeof(sport), "%d", port);
	if ((e = getaddrinfo(host, sport, &hints, &res)) != 0) {
		snprintf(out, cap, "cannot resolve the name: %s", gai_strerror(e));
		return true;
	}
	fd = socket(res->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		e = errno;
	} else if (connect(fd, res->ai_addr, res->ai_addrlen) != 0) {
		e = errno;
		if (e == EINPROGRESS) {
			struct pollfd pfd = { .fd = fd, .events = POLLOUT };
			socklen_t sl = sizeof(e);
			int ms = timeout > 10 ? 10000 : (int)timeout * 1000;
			int pr = poll(&pfd, 1, ms);
			if (pr == 0)
				e = ETIMEDOUT;
			else if (pr < 0 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &sl) != 0)
				e = errno;
		}
	}
	if (fd >= 0)
		close(fd);
	freeaddrinfo(res);
	if (e == 0)
		return false;
	snprintf(out, cap, "%s", strerror(e));
	if (out[0] >= 'A' && out[0] <= 'Z')
		out[0] = (char)(out[0] - 'A' + 'a');
	return true;
}

void
client_response_free(struct client_response *r)
{
	if (!r)
		return;
	free(r->body);
	memset(r, 0, sizeof(*r));
}

int
client_request(const struct client_opts *o, const char *method, const char *path,
               const char *content_type, const uint8_t *body, size_t len,
               struct client_response *out, char *err, size_t errcap)
{
	struct lws_context_creation_info info;
	struct lws_client_connect_info ci;
	struct lws_context *ctx = NULL;
	struct request *r;
	char hosthdr[300];
	int rc;

	memset(out, 0, sizeof(*out));
	err_set(err, errcap, "no error");
	if (o->token && strlen(o->token) > TOKEN_MAX) {
		err_set(err, errcap, "the bearer token is longer than %d characters", TOKEN_MAX);
		return CLIENT_EPROTO;
	}
	if (!(r = calloc(1, sizeof(*r))) || !(r->chunk = malloc(LWS_PRE + CHUNK))) {
		free(r);
		err_set(err, errcap, "out of memory");
		return CLIENT_ESYS;
	}
	r->o = o;
	r->content_type = content_type;
	r->body = body;
	r->len = body ? len : 0;
	r->timeout = o->timeout ? o->timeout : CLIENT_DEFAULT_TIMEOUT;
	r->out = out;
	r->resp = (struct buf)BUF_INIT(CLIENT_MAX_RESPONSE);
	r->err = err;
	r->errcap = errcap;
	r->stage = ST_CONNECTING;
	if (o->token && o->token[0])
		snprintf(r->auth, sizeof(r->auth), "Bearer %s", o->token);

	lws_set_log_level(LLL_ERR, emit);
	memset(&info, 0, sizeof(info));
	info.port = CONTEXT_PORT_NO_LISTEN;
	info.protocols = protocols;
	info.user = r;
	info.fd_limit_per_thread = 4;
	/* lws's own per-stage timeouts back up the watchdog, which fires first with a better
	 * message */
	info.timeout_secs = r->timeout + 1;
	info.connect_timeout_secs = r->timeout + 1;
	if (o->tls) {
		info.options |= LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
		info.client_ssl_ca_filepath = o->ca_file;
	}
	if (!(ctx = lws_create_context(&info))) {
		fail(r, CLIENT_ESYS, "cannot create the libwebsockets context");
		goto done;
	}

	snprintf(hosthdr, sizeof(hosthdr), strchr(o->host, ':') ? "[%s]:%d" : "%s:%d", o->host,
	         o->port);
	memset(&ci, 0, sizeof(ci));
	ci.context = ctx;
	ci.address = o->host;
	ci.port = o->port;
	ci.ssl_connection = o->tls ? LCCSCF_USE_SSL : 0;
	ci.path = path;
	ci.host = hosthdr;
	ci.method = method;
	ci.protocol = protocols[0].name;
	ci.alpn = "http/1.1";

	r->ctx = ctx;
	r->last = lws_now_usecs();
	lws_sul_schedule(ctx, 0, &r->watchdog, watchdog, WATCHDOG_US);
	if (!lws_client_connect_via_info(&ci) && !r->finished)
		fail(r, CLIENT_ECONNECT, "cannot start the connection");
	while (!r->finished)
		if (lws_service(ctx, 0) < 0 && !r->finished)
			fail(r, CLIENT_EPROTO, "the libwebsockets service loop failed");
	lws_sul_cancel(&r->watchdog);

	if (r->rc == CLIENT_ECONNECT &&
	    !connect_reason(o->host, o->port, r->timeout, err, errcap) && o->tls) {
		char lwsmsg[256];
		snprintf(lwsmsg, sizeof(lwsmsg), "%s", err);
		err_set(err, errcap, "TLS handshake failed (%s)", lwsmsg);
	}
done:
	if (ctx)
		lws_context_destroy(ctx);
	rc = r->complete && r->rc == 0 ? 0 : r->rc ? r->rc : CLIENT_EPROTO;
	if (rc != 0) {
		if (r->rc == 0)
			err_set(err, errcap, "the request ended without a complete response");
		client_response_free(out);
		buf_free(&r->resp);
	} else {
		out->body = (uint8_t *)buf_steal(&r->resp, &out->len);
	}
	OPENSSL_cleanse(r->auth, sizeof(r->auth));
	free(r->chunk);
	free(r);
	return rc;
}
