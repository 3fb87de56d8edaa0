/*
 * fed_impl — what the files of fed share, and nobody else: its state and the functions each
 * file gives the others. See fed.h for the rules and the split into files.
 *
 * State kept in memory is only what a restart may lose: targets, requests in flight, received
 * chunks and checkpoints waiting for the registry; what was verified is in the store. Service
 * thread only.
 */
#ifndef REMACTO_FED_IMPL_H
#define REMACTO_FED_IMPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "fed.h"
#include "store/tlog.h"

#define LOG_WINDOW 16 /* requests in flight per log, over all peers */
#define MAX_HOLDERS 32
#define MAX_RETRY 64
#define VECTOR_FRAME_BYTES (1u << 20)
#define ENTRIES_FRAME_BYTES (3u << 20)
#define MAX_VERIFIERS 4096

struct fed_peer {
	struct peer *p;
	unsigned inflight;
	size_t npending, pending_bytes; /* its checkpoints in f->pending */
	struct fed_peer *next;
};

struct holder {
	struct peer *p;
	uint64_t size;
};

struct range {
	uint64_t start, end;
};

struct chunk {
	uint64_t start;
	size_t n;
	uint8_t **data;
	size_t *len;
	uint64_t proof_size;
	uint8_t proof_root[32];
	char vkey[NOTE_VKEY_MAX + 1]; /* the key of the checkpoint it is proved against */
	uint8_t (*proof)[32];
	size_t nproof;
	struct peer *from;
	struct chunk *next;
};

/* A signed checkpoint bigger than what the node holds: something to catch up to. A log keeps
 * a few, so that one nobody can serve (announced by a peer that then misbehaved, or signed
 * by a stolen key and never published) does not block catching up to the others. */
struct cand {
	uint64_t size;
	uint8_t root[32];
	char *note;
	size_t len;
	char vkey[NOTE_VKEY_MAX + 1];
};

#define MAX_CANDS 4

struct fed_log {
	char origin[NOTE_NAME_MAX + 1];
	struct cand cands[MAX_CANDS];
	size_t ncands;
	struct cand *target; /* the candidate being fetched (choose_target) */
	uint64_t want;       /* first index not requested yet */
	struct range retry[MAX_RETRY];
	size_t nretry;
	struct holder holders[MAX_HOLDERS];
	size_t nholders;
	struct chunk *chunks;
	unsigned inflight;
	bool forked;
	struct fed_log *next;
};

struct fed_req {
	uint64_t id;
	struct peer *p;
	struct fed_log *log;
	uint64_t start;
	uint32_t count;
	uint64_t proof_size;
	uint8_t proof_root[32];
	char vkey[NOTE_VKEY_MAX + 1];
	time_t sent;
	struct fed_req *next;
};

/* A checkpoint of a log the registry did not know yet: looked at again when the registry grows
 * (a node learns the registry and the members' logs from the same vectors, in any order). */
struct pending {
	char origin[NOTE_NAME_MAX + 1];
	uint8_t *note;
	size_t len;
	struct peer *p;
	struct pending *next;
};

/* Checkpoints of unknown logs kept per peer: a member's vector may name every log of the
 * network before the registry that admits them; an anonymous peer gets far less. */
#define FED_PENDING_PER_PEER 4096
#define FED_PENDING_BYTES (8u << 20)
#define FED_ANON_PENDING_PER_PEER 32
#define FED_ANON_PENDING_BYTES (256u << 10)

struct fed {
	struct fed_ctx ctx;
	struct pending *pending; /* every peer's, each within its caps (struct fed_peer) */
	uint64_t pending_registry_size;
	struct fed_peer *peers;
	struct fed_log *logs;
	struct fed_req *reqs;
	uint64_t next_id;
	uint64_t own_gossiped;
	bool own_behind, own_forked, saw_vector;
	time_t started;
	/* Verifiers of every member's log key and of its cosignatures, rebuilt when the registry
	 * grows. */
	struct note_verifier *verifiers;
	size_t nverifiers;
	uint64_t verifiers_registry_size;
};

/* Whether origin is the node's own log. */
static inline bool
fed_is_own(const struct fed *f, const char *origin)
{
	return f->ctx.own && !strcmp(origin, f->ctx.own->v.name);
}

/* fed.c */
struct fed_peer *fed_find_peer(struct fed *f, struct peer *p);
struct fed_log *fed_find_log(struct fed *f, const char *origin, bool create);
/* The length of a note's text (up to and with the '\n' before the blank line), 0 if
 * malformed. */
size_t fed_note_text_len(const char *note, size_t len);

/* fed_accept.c */
/* A checkpoint of origin from p, alone or in a vector. */
void fed_on_checkpoint(struct fed *f, struct peer *p, const char *origin, const uint8_t *data,
                       size_t len);
void fed_on_equivocation(struct fed *f, struct peer *p, const Remacto__Peer__V1__Equivocation *e);
/* Rebuilds the verifiers when the registry grew. */
void fed_refresh_verifiers(struct fed *f, MDB_txn *txn);

/* fed_fetch.c */
void fed_chunk_free(struct chunk *c);
/* Forgets what l was fetching: received chunks and candidate checkpoints. */
void fed_log_drop(struct fed_log *l);
/* Entries [start, end) of l are to be asked again. */
void fed_add_retry(struct fed_log *l, uint64_t start, uint64_t end);
/* Forgets a request answered or expired, freeing its window slots. */
void fed_request_done(struct fed *f, struct fed_req *r);
void fed_on_entries(struct fed *f, struct peer *p, const Remacto__Peer__V1__Entries *e);
/* Asks peers for what l misses up to its best target, within the windows. */
void fed_schedule(struct fed *f, struct fed_log *l, uint64_t held);

/* fed_gossip.c */
void fed_send_to(struct peer *p, Remacto__Peer__V1__PeerMessage *m);
/* The head's note, with its cosignatures, to every peer but except. */
void fed_gossip_head(struct fed *f, MDB_txn *txn, const struct tlog_head *h, struct peer *except);
/* Every log's latest checkpoint, in vector frames of at most VECTOR_FRAME_BYTES. */
void fed_send_vector(struct fed *f, struct peer *p);
void fed_on_get_entries(struct fed *f, struct peer *p, const Remacto__Peer__V1__GetEntries *g);

#endif
