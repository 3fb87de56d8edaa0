/*
 * resolver — host names of peer URLs resolved by a thread of their own: Debian's lws resolves
 * them blocking, which would stall every peer and HTTP client for as long as a slow DNS server
 * takes.
 *
 * Threads: resolver_submit, resolver_collect and resolver_stop are called from the service
 * thread only. The resolver thread starts with the first name to resolve (a federation of
 * numeric addresses needs none), runs getaddrinfo, queues the answer under the mutex and wakes
 * the service loop with lws_cancel_service (the one lws call safe from another thread); the
 * service thread then picks the answers up with resolver_collect.
 */
#ifndef REMACTO_RESOLVER_H
#define REMACTO_RESOLVER_H

#include <netinet/in.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

struct lws_context;
struct resolve_job;

#define RESOLVER_HOST_MAX 255

struct resolver {
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct resolve_job *todo, *done; /* under mu */
	struct lws_context *ctx;
	bool quit, started;
};

/* Called by resolver_collect for each finished lookup: rc is getaddrinfo's (0: addr holds the
 * first address, numeric). */
typedef void (*resolver_fn)(void *arg, uint64_t id, const char *host, int rc, const char *addr);

/* Queues host for resolution under id; ctx's service loop is woken when it is done. r starts
 * zeroed. 0, -ENOMEM, or -EAGAIN when the thread cannot start. */
int resolver_submit(struct resolver *r, struct lws_context *ctx, uint64_t id, const char *host);
/* Hands every finished lookup to fn, then forgets it. */
void resolver_collect(struct resolver *r, resolver_fn fn, void *arg);
/* Stops the thread (waiting for a lookup under way) and drops what is left. */
void resolver_stop(struct resolver *r);

#endif
