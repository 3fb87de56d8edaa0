/*
 * fed_bulk — catch-up ranges as entry bundles over HTTP. A request for at least FED_BULK_MIN
 * entries to a peer that takes GETs (transport.h, peer_get) fetches the C2SP entry bundles
 * that hold the range from the peer's listener, and asks the session only for the range's
 * last entry, whose answer carries the consistency proof to the signed checkpoint. Once both
 * are in, the range becomes a chunk like any other (fed_fetch.c), checked against the signed
 * root on arrival and again in the writer's transaction.
 *
 * Why: Debian's lws 4.1 WebSocket client parses a message a byte at a time, about 1.5 µs of
 * a fresh node's 4.1 µs per entry; its HTTP client hands a body over in blocks
 * (docs/BENCHMARKS.md).
 *
 * What a GET brings is not vouched for by the session: a bundle that fails, is malformed, or
 * does not verify costs the peer no penalty (a cache, or another log served under the same
 * slug, may stand in between) but its GETs for PEER_GET_OFF_S (peer_get_refused), and the
 * range is asked again over the session, whose answers are the peer's word.
 *
 * Service thread only, as the rest of fed.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/entry.h"
#include "core/tile.h"
#include "fed_impl.h"

/* Bundles a request spans: FED_BATCH entries from a bundle boundary (fed_fetch.c's
 * batch_end), one more when a range starts inside a bundle. */
#define BULK_PARTS (FED_BATCH / TILE_WIDTH + 1)
#define PART_BITS 3 /* tag = request id << PART_BITS | part */

struct fed_bulk {
	uint64_t first_tile;
	unsigned nparts, nin; /* GETs started, GETs ended */
	bool failed;          /* a GET failed (transport.h): the range goes over the session */
	bool answered;        /* the session's answer is in: last, proof */
	uint8_t *part[BULK_PARTS];
	size_t part_len[BULK_PARTS];
	unsigned width[BULK_PARTS];
	uint8_t *last;
	size_t last_len;
	uint8_t (*proof)[32];
	size_t nproof;
};

_Static_assert(BULK_PARTS <= (1u << PART_BITS), "a request's bundles fit in the tag");

void
fed_bulk_free(struct fed_bulk *b)
{
	if (!b)
		return;
	for (unsigned i = 0; i < b->nparts; i++)
		free(b->part[i]);
	free(b->last);
	free(b->proof);
	free(b);
}

bool
fed_bulk_waiting(const struct fed_req *r)
{
	return r->bulk && r->bulk->answered;
}

/* Entries [r->start, r->start + r->count) out of the bundles, into data and len (pointing into
 * the bodies). NULL, or what is wrong with them. */
static const char *
bulk_entries(const struct fed_req *r, const uint8_t **data, size_t *len)
{
	const struct fed_bulk *b = r->bulk;
	uint64_t end = r->start + r->count;

	for (unsigned k = 0; k < b->nparts; k++) {
		const uint8_t *p = b->part[k];
		size_t n = b->part_len[k], off = 0;
		uint64_t first = (b->first_tile + k) * TILE_WIDTH;
		for (unsigned j = 0; j < b->width[k]; j++) {
			if (n - off < 2)
				return "an entry bundle with fewer entries than its width";
			size_t l = (size_t)p[off] << 8 | p[off + 1];
			if (l == 0 || l > n - off - 2)
				return "an entry bundle with an empty or truncated entry";
			uint64_t i = first + j;
			if (i >= r->start && i < end) {
				data[i - r->start] = p + off + 2;
				len[i - r->start] = l;
			}
			off += 2 + l;
		}
		if (off != n)
			return "an entry bundle with bytes past its width";
	}
	if (len[r->count - 1] != b->last_len || memcmp(data[r->count - 1], b->last, b->last_len))
		return "an entry bundle whose last entry is not the one the session gives";
	return NULL;
}

/* r (off f->reqs) has everything: its range becomes a chunk, or is asked again over the
 * session. */
static void
bulk_complete(struct fed *f, struct fed_req *r)
{
	struct fed_bulk *b = r->bulk;
	struct fed_log *l = r->log;
	const uint8_t **data = NULL;
	size_t *len = NULL;
	const char *why = NULL;

	if (!b->failed) {
		data = calloc(r->count, sizeof(*data));
		len = calloc(r->count, sizeof(*len));
		if (!data || !len)
			b->failed = true; /* out of memory: over the session, as a failed GET */
		else if ((why = bulk_entries(r, data, len)))
			peer_get_refused(r->p, why);
	}
	if (b->failed || why)
		fed_add_retry(l, r->start, r->start + r->count);
	else
		fed_chunk_take(l, r->p, r, r->start, r->count, data, len,
		               (const uint8_t(*)[32])b->proof, b->nproof, true);
	free(data);
	free(len);
	fed_request_done(f, r);
	fed_apply_chunks(f, l);
}

static void
unlink_req(struct fed *f, struct fed_req *r)
{
	for (struct fed_req **pp = &f->reqs; *pp; pp = &(*pp)->next)
		if (*pp == r) {
			*pp = r->next;
			return;
		}
}

/* One GET ended (peer_get_fn). */
static void
bulk_got(void *arg, uint64_t tag, int rc, uint8_t *body, size_t len)
{
	struct fed *f = arg;
	struct fed_req *r;
	unsigned k = (unsigned)(tag & ((1u << PART_BITS) - 1));

	for (r = f->reqs; r && r->id != tag >> PART_BITS; r = r->next)
		;
	if (!r || !r->bulk || k >= r->bulk->nparts || r->bulk->part[k]) {
		free(body); /* its request expired, or went with its peer */
		return;
	}
	struct fed_bulk *b = r->bulk;
	b->nin++;
	if (rc != 0)
		b->failed = true;
	b->part[k] = body;
	b->part_len[k] = len;
	/* A GET that failed: the range goes over the session now, not when the others end. */
	if (b->answered && (b->nin == b->nparts || b->failed)) {
		unlink_req(f, r);
		bulk_complete(f, r);
	}
}

bool
fed_bulk_start(struct fed *f, struct fed_req *r)
{
	struct fed_bulk *b;
	char path[NOTE_NAME_MAX + 32 + TILE_PATH_MAX];
	uint64_t end = r->start + r->count;

	if (!peer_may_get(r->p) || !(b = calloc(1, sizeof(*b))))
		return false;
	b->first_tile = r->start / TILE_WIDTH;
	uint64_t last_tile = (end - 1) / TILE_WIDTH;
	r->bulk = b;
	for (uint64_t t = b->first_tile; t <= last_tile && b->nparts < BULK_PARTS; t++) {
		uint64_t avail = end - t * TILE_WIDTH;
		struct tile tl = { TILE_ENTRIES, t,
			           avail < TILE_WIDTH ? (unsigned)avail : TILE_WIDTH };
		int n = snprintf(path, sizeof(path), "logs/%s/tile/", store_slug(r->log->origin));
		if (n < 0 || (size_t)n >= sizeof(path) ||
		    tile_format(&tl, path + n, sizeof(path) - (size_t)n) < 0)
			break;
		unsigned k = b->nparts;
		b->width[k] = tl.width;
		if (peer_get(r->p, path, (size_t)tl.width * (2 + ENTRY_MAX_LEN),
		             r->id << PART_BITS | k, bulk_got, f) != 0)
			break;
		b->nparts++;
	}
	if (b->nparts == 0) {
		r->bulk = NULL;
		free(b);
		return false;
	}
	/* A bundle that could not be asked for: the range goes over the session once the GETs
	 * started have ended. */
	if (b->first_tile + b->nparts <= last_tile)
		b->failed = true;
	return true;
}

void
fed_bulk_answered(struct fed *f, struct fed_req *r, const Remacto__Peer__V1__Entries *e)
{
	struct fed_bulk *b = r->bulk;

	b->answered = true;
	b->last = malloc(e->entries[0].len);
	b->proof = malloc((e->n_proof ? e->n_proof : 1) * 32);
	if (!b->last || !b->proof) {
		b->failed = true;
	} else {
		memcpy(b->last, e->entries[0].data, e->entries[0].len);
		b->last_len = e->entries[0].len;
		for (size_t i = 0; i < e->n_proof; i++)
			memcpy(b->proof[i], e->proof[i].data, 32);
		b->nproof = e->n_proof;
	}
	if (b->nin == b->nparts || b->failed) {
		bulk_complete(f, r);
		return;
	}
	r->next = f->reqs; /* waits for its bundles */
	f->reqs = r;
}
