/*
 * endpoint — which node a subcommand talks to, and how: the options every such command takes
 * (--url, --config, --ca), read into a client_opts (client.h) for the node's public or admin
 * listener, and the node's error answers turned into messages and exit codes.
 *
 *   --config FILE  the node's configuration (default: the embedded defaults): where its
 *                  listeners are, whether the public one speaks TLS and with which
 *                  certificate, the admin token file, the network's CA ([peer] ca_file)
 *   --url URL      http[s]://HOST[:PORT] of the listener, instead of the configuration's
 *   --ca FILE      PEM certificates of the CAs that may sign an https listener's certificate,
 *                  besides the system's. Default: the configuration's [peer] ca_file, else
 *                  its [public] tls_cert (the node's own certificate, trusted as itself)
 *
 * A listener on every address (0.0.0.0, ::) is reached on loopback. When the public
 * listener's certificate does not name the loopback address (a certificate for the node's
 * public host name), the request goes to loopback under the certificate's first DNS name, so
 * that the name is still verified.
 *
 * Ownership: an endpoint holds copies of everything; the admin token is wiped by
 * endpoint_close. Single-threaded, like the CLI.
 */
#ifndef REMACTO_ENDPOINT_H
#define REMACTO_ENDPOINT_H

#include <getopt.h>
#include <stdbool.h>

#include "client.h"
#include "core/config.h"

#define ENDPOINT_TOKEN_MAX 1024

/* getopt_long entries for the three options; endpoint_arg takes their values. */
#define ENDPOINT_OPT_URL 0x101
#define ENDPOINT_OPT_CONFIG 0x102
#define ENDPOINT_OPT_CA 0x103
/* clang-format off */
#define ENDPOINT_OPTIONS \
	{ "url", required_argument, NULL, ENDPOINT_OPT_URL }, \
	{ "config", required_argument, NULL, ENDPOINT_OPT_CONFIG }, \
	{ "ca", required_argument, NULL, ENDPOINT_OPT_CA }
/* clang-format on */

/* One line for a usage text. */
#define ENDPOINT_USAGE                                                                                \
	"  --config FILE: the node's configuration (default: the embedded defaults); --url\n"         \
	"  http[s]://HOST:PORT: the listener to ask instead of the configuration's; --ca FILE: PEM\n" \
	"  CA certificates for an https listener, besides the system's (default: the\n"               \
	"  configuration's [peer] ca_file, else its own [public] tls_cert).\n"

struct endpoint_args {
	const char *url, *config, *ca;
};

/* Takes the value of an ENDPOINT_OPT_* option; false when c is not one of them. */
bool endpoint_arg(struct endpoint_args *a, int c, const char *value);

enum endpoint_kind {
	ENDPOINT_PUBLIC, /* read routes, no token */
	ENDPOINT_ADMIN,  /* write routes and status, with the bearer token of the token file */
};

struct endpoint {
	enum endpoint_kind kind;
	struct config cfg;
	char base[CLIENT_URL_MAX];
	char connect_to[256];
	char ca[CONFIG_PATH_MAX];
	char token[ENDPOINT_TOKEN_MAX];
	struct client_opts opts;
};

/* Reads the configuration (and, for ENDPOINT_ADMIN, the token file). Returns an exit code
 * (cli.h), the error printed. timeout: seconds without progress (0: the client's default). */
int endpoint_open(struct endpoint *e, enum endpoint_kind kind, const struct endpoint_args *a,
                  unsigned timeout);
/* Wipes the token. NULL-safe. */
void endpoint_close(struct endpoint *e);

/* "the admin listener http://127.0.0.1:8081" for messages. */
const char *endpoint_name(const struct endpoint *e);

/* Sends one request. EXIT_OK with *resp filled whatever its HTTP status, or EXIT_FAIL with
 * the reason printed (unreachable, TLS, timeout). */
int endpoint_call(struct endpoint *e, const char *method, const char *path, const char *ctype,
                  const void *body, size_t len, struct client_response *resp);

/* Prints a non-2xx answer (the node's {"error":{...}}: reason, field, CSV rows) and returns its
 * exit code: EXIT_INVALID for 400, 404, 413, 415 (the request was refused), EXIT_SUSPENDED for
 * a 403 that carries a suspension, EXIT_FAIL otherwise. */
int endpoint_error(const struct endpoint *e, const char *path, const struct client_response *r);

/* GET path, wanting a 200: EXIT_OK with *resp filled, or the exit code with the error
 * printed and *resp empty. */
int endpoint_get(struct endpoint *e, const char *path, struct client_response *resp);

#endif
