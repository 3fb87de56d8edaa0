/*
 * bans — the table of inbound peers remembered after their sessions. See bans.h.
 */
#include "bans.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "handshake.h"

void
bans_init(struct bans *b, size_t max)
{
	memset(b, 0, sizeof(*b));
	b->max = max;
}

void
bans_free(struct bans *b)
{
	while (b->list) {
		struct ban *e = b->list;
		b->list = e->next;
		free(e);
	}
	b->n = 0;
}

struct ban *
bans_find(const struct bans *b, const uint8_t *pub, const char *addr)
{
	for (struct ban *e = b->list; e; e = e->next)
		if (pub ? e->by_key && !memcmp(e->pub, pub, 32)
		        : !e->by_key && !strcmp(e->addr, addr))
			return e;
	return NULL;
}

struct ban *
bans_get(struct bans *b, const uint8_t *pub, const char *addr, int64_t now)
{
	struct ban *e = bans_find(b, pub, addr), **oldest = NULL;
	if (e)
		return e;
	if (b->n >= b->max) {
		/* Forget the one not heard of for longest, preferably one no longer refused. */
		for (struct ban **pp = &b->list; *pp; pp = &(*pp)->next) {
			bool expired = (*pp)->until <= now;
			if (!oldest || (expired && (*oldest)->until > now) ||
			    (expired == ((*oldest)->until <= now) && (*pp)->last < (*oldest)->last))
				oldest = pp;
		}
		e = *oldest;
		*oldest = e->next;
		memset(e, 0, sizeof(*e));
	} else if ((e = calloc(1, sizeof(*e))) != NULL) {
		b->n++;
	} else {
		return NULL;
	}
	e->by_key = pub != NULL;
	if (pub)
		memcpy(e->pub, pub, 32);
	else
		snprintf(e->addr, sizeof(e->addr), "%s", addr);
	e->next = b->list;
	b->list = e;
	return e;
}

int64_t
bans_refused_ms(const struct bans *b, const uint8_t *pub, const char *addr, int64_t now)
{
	struct ban *e = bans_find(b, pub, addr);
	int64_t left = e ? e->until - now : 0;
	return left > 0 ? left : 0;
}

void
bans_violation(struct ban *e, const char *name, int64_t now, uint32_t rnd)
{
	e->failures++;
	e->violations++;
	e->last = now;
	e->until = now + handshake_backoff_ms(e->failures, rnd);
	if (name && name[0])
		snprintf(e->name, sizeof(e->name), "%s", name);
}
