/*
 * client — one synchronous HTTP/1.1 request over the libwebsockets client API, for the remacto
 * subcommands that talk to a running node (publish, import, status).
 *
 * Each call makes its own lws context, connects, sends the request (the body in chunks from the
 * writeable callback), reads the whole response into memory under CLIENT_MAX_RESPONSE and tears
 * everything down again. No retries, no redirects, no keep-alive: a command-line tool makes one
 * request and reports what happened.
 *
 * Ownership: the caller owns o and body, which must stay valid during the call; on success the
 * response body is malloc'd and belongs to the caller (client_response_free). The bearer token
 * is copied into the request headers only; that copy is wiped before the call returns.
 */
#ifndef REMACTO_CLIENT_H
#define REMACTO_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CLIENT_MAX_RESPONSE ((size_t)64 << 20) /* response body cap */
#define CLIENT_DEFAULT_TIMEOUT 30              /* seconds without progress */

/* Called after each chunk of the request body went out: sent of total bytes. */
typedef void (*client_progress_fn)(size_t sent, size_t total, void *arg);

struct client_opts {
	const char *host; /* numeric address or name, IPv6 without brackets */
	int port;
	bool tls;                    /* https, verifying the server's certificate */
	const char *ca_file;         /* with tls: PEM CAs trusted besides the system's, or NULL */
	const char *token;           /* bearer token; NULL or "" sends no Authorization */
	client_progress_fn progress; /* NULL: no progress reports */
	void *progress_arg;
	unsigned timeout; /* seconds without progress before giving up; 0: default */
};

struct client_response {
	int status;             /* HTTP status code */
	char content_type[128]; /* "" when the server sent none */
	uint8_t *body;          /* malloc'd, NUL-terminated (not counted in len); may be NULL */
	size_t len;
};

/* Errors client_request returns (negative); err always says what happened in one line. */
enum {
	CLIENT_ECONNECT = -1, /* no connection: refused, unreachable, no such host, TLS */
	CLIENT_ETIMEOUT = -2, /* no progress for the timeout */
	CLIENT_EPROTO = -3,   /* the connection broke or the response is unusable */
	CLIENT_ETOOBIG = -4,  /* response body over CLIENT_MAX_RESPONSE */
	CLIENT_ESYS = -5,     /* out of memory, cannot create the lws context */
};

/* Sends method path (with its query string, if any) to o->host:o->port with body[0..len)
 * (content_type may be NULL for no body) and waits for the whole response. Returns 0 with *out
 * filled (any HTTP status, 4xx and 5xx included), or one of the CLIENT_E* codes with err set and
 * *out empty. */
int client_request(const struct client_opts *o, const char *method, const char *path,
                   const char *content_type, const uint8_t *body, size_t len,
                   struct client_response *out, char *err, size_t errcap);

/* Frees the body; NULL-safe, leaves r empty. */
void client_response_free(struct client_response *r);

#endif
