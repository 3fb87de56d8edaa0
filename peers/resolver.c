/*
 * resolver — the thread that resolves peers' host names. See resolver.h.
 */
#include "resolver.h"

#include <arpa/inet.h>
#include <errno.h>
#include <libwebsockets.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct resolve_job {
	struct resolve_job *next;
	uint64_t id;
	char host[RESOLVER_HOST_MAX + 1];
	int rc; /* getaddrinfo's */
	char addr[INET6_ADDRSTRLEN];
};

static void
lookup(struct resolve_job *j)
{
	struct addrinfo hints, *ai = NULL;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_ADDRCONFIG;
	j->rc = getaddrinfo(j->host, NULL, &hints, &ai);
	if (j->rc != 0)
		return;
	const void *a =
	        ai->ai_family == AF_INET6
	                ? (const void *)&((struct sockaddr_in6 *)(void *)ai->ai_addr)->sin6_addr
	                : (const void *)&((struct sockaddr_in *)(void *)ai->ai_addr)->sin_addr;
	if (!inet_ntop(ai->ai_family, a, j->addr, sizeof(j->addr)))
		j->rc = EAI_FAIL;
	freeaddrinfo(ai);
}

static void *
resolver_main(void *arg)
{
	struct resolver *r = arg;

	pthread_mutex_lock(&r->mu);
	for (;;) {
		while (!r->todo && !r->quit)
			pthread_cond_wait(&r->cv, &r->mu);
		if (r->quit)
			break;
		struct resolve_job *j = r->todo;
		r->todo = j->next;
		pthread_mutex_unlock(&r->mu);
		lookup(j);
		pthread_mutex_lock(&r->mu);
		j->next = r->done;
		r->done = j;
		if (!r->quit)
			lws_cancel_service(r->ctx);
	}
	pthread_mutex_unlock(&r->mu);
	return NULL;
}

int
resolver_submit(struct resolver *r, struct lws_context *ctx, uint64_t id, const char *host)
{
	struct resolve_job *j = calloc(1, sizeof(*j));

	if (!j)
		return -ENOMEM;
	j->id = id;
	snprintf(j->host, sizeof(j->host), "%s", host);
	if (!r->started) {
		r->ctx = ctx;
		if (pthread_mutex_init(&r->mu, NULL) != 0 || pthread_cond_init(&r->cv, NULL) != 0 ||
		    pthread_create(&r->thread, NULL, resolver_main, r) != 0) {
			free(j);
			return -EAGAIN;
		}
		r->started = true;
	}
	pthread_mutex_lock(&r->mu);
	j->next = r->todo;
	r->todo = j;
	pthread_cond_signal(&r->cv);
	pthread_mutex_unlock(&r->mu);
	return 0;
}

void
resolver_collect(struct resolver *r, resolver_fn fn, void *arg)
{
	struct resolve_job *list;

	if (!r->started)
		return;
	pthread_mutex_lock(&r->mu);
	list = r->done;
	r->done = NULL;
	pthread_mutex_unlock(&r->mu);
	while (list) {
		struct resolve_job *j = list;
		list = j->next;
		fn(arg, j->id, j->host, j->rc, j->addr);
		free(j);
	}
}

void
resolver_stop(struct resolver *r)
{
	struct resolve_job *lists[2];

	if (!r->started)
		return;
	pthread_mutex_lock(&r->mu);
	r->quit = true;
	pthread_cond_signal(&r->cv);
	pthread_mutex_unlock(&r->mu);
	pthread_join(r->thread, NULL);
	lists[0] = r->todo;
	lists[1] = r->done;
	for (int i = 0; i < 2; i++)
		while (lists[i]) {
			struct resolve_job *j = lists[i];
			lists[i] = j->next;
			free(j);
		}
	pthread_cond_destroy(&r->cv);
	pthread_mutex_destroy(&r->mu);
	r->started = false;
}
