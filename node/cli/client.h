/*
 * client — one synchronous HTTP request through libcurl, for the remacto subcommands that talk to
 * a running node (publish, import, status, peers, compliance, benchmark, report).
 *
 * Each call makes its own curl handle, sends the request and reads the whole response into
 * memory under CLIENT_MAX_RESPONSE. No retries, no redirects, no keep-alive: a command-line tool
 * makes one request and reports what happened. Only http:// and https:// are spoken.
 *
 * TLS: the server's certificate is verified against the system's CA store and, when ca_file is
 * set, the certificates of that file as well. A failed verification is explained for an
 * operator: for an unknown CA the error names the certificate's issuer and says to pass it with
 * --ca; for a certificate made out to another name it lists the names the certificate holds.
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
#define CLIENT_URL_MAX 600                     /* base URL: http[s]://host:port */

/* Called while the request body goes out: sent of total bytes. */
typedef void (*client_progress_fn)(size_t sent, size_t total, void *arg);

struct client_opts {
	/* "http://host:port" or "https://host:port" (IPv6 in brackets), no path, no trailing
	 * slash: the request's path is appended to it. */
	const char *base;
	/* https: connect to this numeric address instead of resolving the base's host, which is
	 * still the name the certificate must hold (a node's own name, reached on loopback);
	 * NULL or "": resolve the host. */
	const char *connect_to;
	const char *ca_file;         /* with https: PEM CAs trusted besides the system's, or NULL */
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
	CLIENT_ECONNECT = -1, /* no connection: refused, unreachable, no such host */
	CLIENT_ETIMEOUT = -2, /* no progress for the timeout */
	CLIENT_EPROTO = -3,   /* the connection broke or the response is unusable */
	CLIENT_ETOOBIG = -4,  /* response body over CLIENT_MAX_RESPONSE */
	CLIENT_ESYS = -5,     /* out of memory, bad options */
	CLIENT_ETLS = -6,     /* TLS: certificate not trusted, other name, handshake failed */
};

/* Sends method path (with its query string, if any) to o->base with body[0..len) (content_type
 * may be NULL for no body) and waits for the whole response. Returns 0 with *out filled (any
 * HTTP status, 4xx and 5xx included), or one of the CLIENT_E* codes with err set and *out
 * empty. */
int client_request(const struct client_opts *o, const char *method, const char *path,
                   const char *content_type, const uint8_t *body, size_t len,
                   struct client_response *out, char *err, size_t errcap);

/* Frees the body; NULL-safe, leaves r empty. */
void client_response_free(struct client_response *r);

/* Splits "http[s]://host[:port][/]" (IPv6 in brackets): host without brackets into host[256],
 * port (default 80 or 443), tls. False when it is not such a URL. */
bool client_url_parse(const char *url, char host[256], int *port, bool *tls);

/* "http[s]://host:port" into out[CLIENT_URL_MAX], brackets around an IPv6 host. */
void client_url_make(char *out, bool tls, const char *host, int port);

#endif
