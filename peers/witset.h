/*
 * witset — which nodes cosign a log's checkpoints: a fixed, small set per log that every node
 * computes alike from the registry it holds (docs/PROTOCOL.md §5, "Witnesses of a log").
 *
 * Before this, every node cosigned every checkpoint it adopted and passed the note on at each
 * new cosignature: a publish cost N waves of d messages through N nodes (N² × d), and every
 * copy carried up to 63 lines to verify. With a bounded set it costs at most (2 + |set|) waves,
 * whatever N is.
 *
 * The witnesses of the log of origin L are:
 *   - the authority's node (named as the registry), for every log but the registry's own;
 *   - every witness the registry's latest witnessPolicy names in a group (the policy asks them
 *     by name: a tlog-proof must be able to meet its quorum);
 *   - W members chosen by rendezvous hashing, W = WITSET_MEMBERS, or the witnessPolicy's quorum
 *     when it has no group and asks more: of the members not suspended (the first
 *     WITSET_MAX_MEMBERS in origin order), L's own excluded, the W with the highest
 *     score(L, M) = mix64(h(L) XOR h(M)), h(x) the first 8 bytes (big-endian) of SHA-256(x)
 *     and mix64 the splitmix64 finaliser; ties go to the smaller h(M).
 * A node never witnesses its own log. (fed_cosigns adds: a member's node its registry does not
 * list yet cosigns, a mirror never.) Admitting a member moves a log's set only when the newcomer
 * scores in its top W (about W/N of the logs); everything else stays.
 *
 * Cosignatures of other witnesses are still kept and passed on (witness.h): the set says who
 * adds a cosignature, not whose are accepted, so what a node holds does not depend on the
 * registry size it saw them at.
 *
 * Holds no pointer; reads the store only in witset_refresh (the caller's read transaction).
 * One owner thread (fed's service thread).
 */
#ifndef REMACTO_WITSET_H
#define REMACTO_WITSET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/note.h"
#include "store/store.h"

#define WITSET_MEMBERS 3        /* members chosen per log, beyond the authority and the policy's */
#define WITSET_MAX_MEMBERS 4096 /* members the choice is made among (origin order) */
#define WITSET_MAX_NAMED 256    /* witnesses a witnessPolicy names */

struct witset {
	bool valid;
	uint64_t registry_size; /* the registry size it was computed at */
	char authority[NOTE_NAME_MAX + 1];
	unsigned w; /* members chosen per log */
	size_t n;
	struct {
		uint64_t h;    /* h(origin) */
		bool eligible; /* not suspended: may be chosen */
	} member[WITSET_MAX_MEMBERS];
	size_t nnamed;
	uint64_t named[WITSET_MAX_NAMED]; /* h(name) of the witnesses the policy names */
};

/* h(name): the first 8 bytes of SHA-256(name), big-endian. */
uint64_t witset_hash(const char *name);

/* Computes the set's inputs from the registry as txn holds it (registry_size: its size), when
 * it was not computed at that size yet. 0, -ENOENT without an authority, or an MDB error (the
 * set then stays as it was). */
int witset_refresh(struct witset *ws, struct store *s, MDB_txn *txn, uint64_t registry_size);

/* Whether witness (a member's origin, or the registry's for the authority's node) is one of the
 * witnesses of origin's log. */
bool witset_cosigns(const struct witset *ws, const char *witness, const char *origin);
/* Whether the registry the set was computed from names witness: the authority, a member
 * (suspended or not; the first WITSET_MAX_MEMBERS), or a witness of its policy. */
bool witset_knows(const struct witset *ws, const char *witness);

#endif
