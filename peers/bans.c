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
	b->max = max ? max : 1;
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
bans_find(const struct bans *b, const uint8_t pub[32])
{
	for (struct ban *e = b->list; e; e = e->next)
		if (!memcmp(e->pub, pub, 32))
			return e;
	return NULL;
}

/* The entry to forget from a full table: not refused before refused, then the least recently
 * touched. */
static struct ban **
victim(struct bans *b, int64_t now)
{
	struct ban **worst = NULL;
	for (struct ban **pp = &b->list; *pp; pp = &(*pp)->next) {
		if (!worst) {
			worst = pp;
			continue;
		}
		bool free_p = (*pp)->until <= now, free_w = (*worst)->until <= now;
		if ((free_p && !free_w) || (free_p == free_w && (*pp)->last < (*worst)->last))
			worst = pp;
	}
	return worst;
}

struct ban *
bans_get(struct bans *b, const uint8_t pub[32], int64_t now)
{
	struct ban *e = bans_find(b, pub);
	if (e) {
		e->last = now;
		return e;
	}
	if (b->n >= b->max) {
		struct ban **v = victim(b, now);
		e = *v;
		*v = e->next;
		memset(e, 0, sizeof(*e));
	} else if ((e = calloc(1, sizeof(*e))) != NULL) {
		b->n++;
	} else {
		return NULL;
	}
	memcpy(e->pub, pub, 32);
	/* Touched now, so that the next entry made on a full table does not take its place. */
	e->last = now;
	e->next = b->list;
	b->list = e;
	return e;
}

int64_t
bans_refused_ms(const struct bans *b, const uint8_t pub[32], int64_t now)
{
	struct ban *e = bans_find(b, pub);
	int64_t left = e ? e->until - now : 0;
	return left > 0 ? left : 0;
}

void
bans_violation(struct ban *e, const char *name, int64_t now, uint32_t rnd)
{
	if (e->failures && now > e->last_violation) {
		int64_t steps = (now - e->last_violation) / BANS_DECAY_MS;
		e->failures = steps >= (int64_t)e->failures ? 0 : e->failures - (unsigned)steps;
	}
	e->failures++;
	e->violations++;
	e->last = e->last_violation = now;
	e->until = now + handshake_backoff_ms(e->failures, rnd);
	if (name && name[0])
		snprintf(e->name, sizeof(e->name), "%s", name);
}
