/*
 * http — the libwebsockets side of the node: one context, a public vhost (read routes, the
 * dashboard, the peer and live-update WebSockets) and an admin vhost (write routes behind a
 * bearer token), one service loop. Requests are parsed into struct api_req under the caps of
 * api.h and answered with api_handle(); publications answer later, when the writer thread has
 * committed. Everything here runs on the service thread.
 *
 * What a client gets (docs/API.md says the same for users):
 *  - Requests on a connection are read one at a time: the next is parsed only once the answer
 *    to the previous one is written. Pipelined requests without a body are answered in order.
 *  - Bodies. Only POST /api/v1/entries and /api/v1/import on the admin listener, with the
 *    right token, and POST /witness/add-checkpoint on the public one as the first request of
 *    its connection, read a body (api_takes_body, api_body_cap). Any other request that
 *    announces one (a Content-Length other than 0, a Transfer-Encoding, a POST without
 *    Content-Length) is answered at once, before a byte of the body is read, and its
 *    connection closed: 400 (a GET or HEAD with a body, a Content-Length that is not one
 *    decimal number, a witness request after another one on its connection), 411 (chunked,
 *    or no length on a route that takes a body), 401/403/404/405 (the route's own refusal),
 *    413 (over the route's cap: API_MAX_BODY, or WITPROTO_MAX_BODY for the witness). Nothing
 *    that follows a body on a connection is read: its answer closes the connection. The admin
 *    listener answers one request per connection.
 *  - A body that stalls HTTP_BODY_TIMEOUT_S (no byte) → 408, closed.
 *  - Paths of API_MAX_PATH bytes or more, query strings over API_MAX_QUERY → 414. A request
 *    whose request line and headers exceed HTTP_MAX_HEADER_BYTES, with a malformed %-escape
 *    or %00 in its path or query, or with more than about 85 query parameters is refused by
 *    lws's parser (403 or the connection closed, no JSON).
 *  - Methods other than GET/HEAD/POST → 405.
 *  - An Authorization header must be exactly "Bearer <token>": what lws passes after a NUL
 *    counts, so "Bearer <token>\0junk" is a 401.
 *  - Idle keep-alive connections close after HTTP_IDLE_TIMEOUT_S. An answer that makes no
 *    progress (the client reads nothing) for HTTP_SEND_TIMEOUT_S closes the connection.
 *  - When the node closes a connection whose client may still be sending, it drains (reads
 *    and drops) the input for up to HTTP_LINGER_S or HTTP_LINGER_BYTES, so the client reads
 *    the answer instead of a reset; at most HTTP_LINGER_MAX connections at once.
 *
 * Memory per connection: lws's header buffer (HTTP_MAX_HEADER_BYTES) and what it read with the
 * request (one read); the answer being written; on the admin listener a body up to
 * API_MAX_BODY. While an answer is written nothing more is read: what a client pipelines
 * waits in the kernel's socket buffer, and TCP pushes back.
 *
 * Why it is built so: libwebsockets 4.1 (Debian 12) reads a body that follows pipelined input
 * wrongly and then loops forever (issue 9, the one-packet freeze), spins on input it holds or
 * that arrives while an answer, or the next request of a kept connection, waits for a full
 * socket, and services no write of a connection it is told to stop reading. http.c works
 * around all three; see there.
 */
#ifndef REMACTO_HTTP_H
#define REMACTO_HTTP_H

#include <signal.h>
#include <stddef.h>

#define HTTP_BODY_TIMEOUT_S 5
#define HTTP_IDLE_TIMEOUT_S 30
#define HTTP_MAX_HEADER_BYTES 16384
#define HTTP_SEND_TIMEOUT_S 30       /* an answer that makes no progress: connection closed */
#define HTTP_BLOCKED_POLL_MS 25      /* writability check of a blocked answer */
#define HTTP_TICK_MS 100             /* the service loop's periodic work */
#define HTTP_LINGER_MAX 64           /* closed connections drained at once; more close at once */
#define HTTP_LINGER_S 5              /* how long a closed connection is drained at most */
#define HTTP_LINGER_BYTES (8u << 20) /* how much of it is drained at most */

struct node;
struct watchdog;

/* Flags the daemon's signal handler sets, and nothing else: the loop looks at them each time
 * round, so within HTTP_TICK_MS at most (the tick bounds every wait). */
struct http_signals {
	volatile sig_atomic_t stop;   /* SIGTERM, SIGINT: leave the loop */
	volatile sig_atomic_t reopen; /* SIGHUP: reopen the log file */
	volatile sig_atomic_t stall;  /* test only (REMACTOD_TEST_STALL): stop the loop dead */
};

/* Creates the lws context and both listeners (n->lws). 0, or -1 with err. */
int http_start(struct node *n, char *err, size_t errcap);
/* Runs the service loop until sig->stop becomes non-zero, kicking wd (NULL: none) each time
 * round. */
void http_run(struct node *n, struct http_signals *sig, struct watchdog *wd);
void http_stop(struct node *n);
/* Answers a request whose answer was deferred (api_resp.deferred) with resp (its body is taken
 * over). owner: the api_req's. Service thread. */
struct api_resp;
void http_deliver(void *owner, struct api_resp *resp);

#endif
