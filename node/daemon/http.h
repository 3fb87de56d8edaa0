/*
 * http — the libwebsockets side of the node: one context, a public vhost (read routes, later the
 * dashboard and the peer WebSocket) and an admin vhost on loopback (write routes behind a bearer
 * token), one service loop. Requests are parsed into struct api_req under the caps of api.h and
 * answered with api_handle(); publications answer later, when the writer thread has committed.
 *
 * Limits: request bodies over API_MAX_BODY → 413 before reading them; a body that stalls for
 * HTTP_BODY_TIMEOUT_S (no byte arrives) → 408 and the connection closed; idle keep-alive connections closed after
 * HTTP_IDLE_TIMEOUT_S; paths over API_MAX_PATH → 414; methods other than GET/HEAD/POST → 405.
 */
#ifndef REMACTO_HTTP_H
#define REMACTO_HTTP_H

#include <stddef.h>

#define HTTP_BODY_TIMEOUT_S 5
#define HTTP_IDLE_TIMEOUT_S 30

struct node;

/* Creates the lws context and both listeners (n->lws). 0, or -1 with err. */
int http_start(struct node *n, char *err, size_t errcap);
/* Runs the service loop until *stop becomes non-zero (set by a signal handler; the handler
 * calls nothing else, http_wake is called from the loop's timer). */
void http_run(struct node *n, volatile int *stop, volatile int *reopen);
void http_stop(struct node *n);

#endif
