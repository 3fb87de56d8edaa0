/*
 * bans — what the transport remembers of inbound peers once their sessions are gone: by
 * identity key (only a key the peer proved it holds) or by address, the violations it
 * committed, how many sessions it had, and until when it is refused. Outbound slots keep
 * their own counters; this table is for peers that dial in, whose struct peer goes with the
 * connection.
 *
 * A bounded table (max entries): when full, the entry not heard of for longest is forgotten,
 * preferably one no longer refused. Pure bookkeeping: times are monotonic milliseconds given
 * by the caller, randomness too, so that it is tested without a clock.
 *
 * Thread: the service thread's (owned by struct transport).
 */
#ifndef REMACTO_BANS_H
#define REMACTO_BANS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/note.h"

#define BANS_ADDR_MAX 64

struct ban {
	struct ban *next;
	bool by_key;
	uint8_t pub[32];
	char addr[BANS_ADDR_MAX];
	char name[NOTE_NAME_MAX + 1]; /* the origin it proved, for the API */
	unsigned failures;            /* consecutive; drives the refusal delay */
	int64_t until, last;          /* refused until; last touched */
	uint64_t violations, sessions;
};

struct bans {
	struct ban *list;
	size_t n, max;
};

void bans_init(struct bans *b, size_t max);
void bans_free(struct bans *b);

/* The entry of key pub (32 bytes), or when pub is NULL of address addr; NULL when none. */
struct ban *bans_find(const struct bans *b, const uint8_t *pub, const char *addr);
/* The same, made when missing (forgetting another when the table is full); NULL only when
 * out of memory. */
struct ban *bans_get(struct bans *b, const uint8_t *pub, const char *addr, int64_t now);
/* The refusal still to run for a key or an address, in ms (0: none). */
int64_t bans_refused_ms(const struct bans *b, const uint8_t *pub, const char *addr, int64_t now);
/* Counts a violation on e: refused for the next backoff delay (handshake_backoff_ms of its
 * consecutive failures, with jitter rnd); name (may be "") is kept when not empty. */
void bans_violation(struct ban *e, const char *name, int64_t now, uint32_t rnd);

#endif
