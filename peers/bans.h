/*
 * bans — what the transport remembers of inbound peers once their sessions are gone, by the
 * identity key they proved (never by address: addresses are shared, behind NAT or a proxy, and
 * one misbehaving peer must not cut off the others; anyone can claim a key, so only a proven
 * one counts): the violations it committed, how many sessions it had, and until when it is
 * refused. Outbound slots keep their own counters; this table is for peers that dial in, whose
 * struct peer goes with the connection.
 *
 * A refusal after a violation lasts handshake_backoff_ms of the key's recent violations: it
 * grows while the peer keeps misbehaving, up to PEER_BACKOFF_MAX_S, and decays when it
 * behaves: each BANS_DECAY_MS without a violation forgives one of them.
 *
 * A bounded table (max entries): when full, the entry not touched for longest is forgotten,
 * preferably one no longer refused, and never the one being made. Pure bookkeeping: times are
 * monotonic milliseconds given by the caller, randomness too, so that it is tested without a
 * clock.
 *
 * Thread: the service thread's (owned by struct transport).
 */
#ifndef REMACTO_BANS_H
#define REMACTO_BANS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/note.h"

#define BANS_DECAY_MS (120 * 1000)

struct ban {
	struct ban *next;
	uint8_t pub[32];
	char name[NOTE_NAME_MAX + 1]; /* the origin it proved, for the API */
	unsigned failures;            /* recent violations; drives the refusal delay */
	int64_t until, last;          /* refused until; last touched */
	int64_t last_violation;
	uint64_t violations, sessions;
};

struct bans {
	struct ban *list;
	size_t n, max;
};

void bans_init(struct bans *b, size_t max);
void bans_free(struct bans *b);

/* The entry of key pub (32 bytes); NULL when none. */
struct ban *bans_find(const struct bans *b, const uint8_t pub[32]);
/* The same, made when missing (forgetting another when the table is full), touched at now;
 * NULL only when out of memory. */
struct ban *bans_get(struct bans *b, const uint8_t pub[32], int64_t now);
/* The refusal still to run for a key, in ms (0: none). */
int64_t bans_refused_ms(const struct bans *b, const uint8_t pub[32], int64_t now);
/* Counts a violation on e: refused for handshake_backoff_ms of its recent violations (after
 * the decay), with jitter rnd; name (may be "") is kept when not empty. */
void bans_violation(struct ban *e, const char *name, int64_t now, uint32_t rnd);

#endif
