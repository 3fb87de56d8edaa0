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
#include "witness.h"
#include "witset.h"

#define LOG_WINDOW 16 /* requests in flight per log, over all peers */
#define MAX_HOLDERS 32
#define MAX_RETRY 64
#define VECTOR_FRAME_BYTES (1u << 20)
/* Ranges at least this long come as entry bundles over HTTP from peers that take GETs
 * (fed_bulk.c); shorter ones, the live tail, over the session. */
#define FED_BULK_MIN 64
#define ENTRIES_FRAME_BYTES (3u << 20)
#define MAX_VERIFIERS 4096
/* The restore safeguard (fed_may_publish): how long a statement the node counts on may take —
 * from the first registered peer's statement, for the peers configured that did not connect,
 * and from a session's start, for its vector — and how many peers' statements it keeps. */
#define FED_RESTORE_WAIT_S 60
#define FED_OWN_SAID_MAX 64

struct fed_peer {
	struct peer *p;
	unsigned inflight;
	size_t npending, pending_bytes; /* its checkpoints in f->pending */
	/* The biggest registry checkpoint the peer sent that verified: what it judges member
	 * checkpoints against. A signature this node cannot verify waits while its own registry
	 * is smaller (the key may be in the part it lacks), and is a forgery once it is not. */
	uint64_t registry_size;
	/* Its vector named the node's own log (whatever became of that checkpoint); it said,
	 * verifiably, what it holds of that log in this session (fed_own_said). */
	bool own_mentioned, own_said;
	time_t since; /* ready since */
	/* Requests to it that expired unanswered: as many late answers are dropped without a
	 * penalty (a loaded peer is slow, not hostile); one more is entries nobody asked for. */
	unsigned expired;
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
	uint8_t **data; /* point into blob: the entries' bytes in one allocation */
	uint8_t *blob;
	size_t *len;
	uint64_t proof_size;
	uint8_t proof_root[32];
	char vkey[NOTE_VKEY_MAX + 1]; /* the key of the checkpoint it is proved against */
	uint8_t (*proof)[32];
	size_t nproof;
	/* leaf[i - leaf_from]: the leaf hash of entry i >= leaf_from, computed from data when the chunk was
	 * checked on arrival (chunk_verifies), for the writer's transaction; NULL: none. */
	uint8_t (*leaf)[32];
	size_t leaf_from;
	struct peer *from;
	/* Its entries came over HTTP (fed_bulk.c): if they do not verify, the peer's GETs go off
	 * (peer_get_refused) and the range is asked again over the session, without a penalty. */
	bool bulk;
	struct chunk *next;
};

/* A signed checkpoint bigger than what the node holds: something to catch up to. A log keeps
 * a few, so that one nobody can serve (announced by a peer that then misbehaved, or signed
 * by a stolen key and never published) does not block catching up to the others. */
struct cand {
	uint64_t size;
	uint8_t root[32];
	char *note; /* the text and the author's signature only: cosignatures go in cosigs */
	size_t len;
	char vkey[NOTE_VKEY_MAX + 1];
	/* The cosignatures it came with that verified, stored when the node reaches it. */
	struct witness_cosig *cosigs;
	size_t ncosigs;
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
	unsigned applying; /* chunks handed to the store, not done yet (they count in the window) */
	uint64_t queued_end; /* while applying: the end of the last chunk handed over */
	/* The tree's border at queued_end (at what the log holds when nothing is queued): chunks
	 * are verified against it when they arrive, and it advances with each one handed over.
	 * NULL while a failed chunk makes it unknown, until the queue has drained. */
	struct merkle_range *border;
	bool apply_failed; /* a chunk just failed: the ones after it wait for the retry */
	bool forked;
	bool registry; /* the registry's log: scheduled first, a little beyond the window */
	/* A checkpoint the registry refuses for now (the member is suspended past its size), from
	 * a peer that did nothing wrong: the biggest one, looked at again when the registry grows. */
	struct pending *aside;
	/* Said once in the node's log, not at every vector: a checkpoint of it set aside for a
	 * suspension, or signed by a retired key. */
	bool said_aside, said_retired;
	/* Its slug is served here for another origin (fed_shadowed, or a log of this node's own
	 * making): never fetched; said once. */
	bool slug_taken;
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
	/* NULL: the session's answer brings the entries. Else they come as entry bundles over
	 * HTTP, and the answer only the range's last entry with the proof (fed_bulk.c). */
	struct fed_bulk *bulk;
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
	struct fed_peer *peers;
	struct fed_log *logs;
	struct fed_req *reqs;
	struct fed_write *writes; /* submitted, not done yet */
	uint64_t next_id;
	uint64_t own_gossiped;
	bool own_behind, own_forked;
	/* The restore safeguard (fed_may_publish): the peers, by name, that said
	 * verifiably what they hold of the node's own log (a checkpoint of it that verified under
	 * one of its keys, or a whole vector without it), when the first did (0: none yet), and
	 * whether that was enough to publish (it stays so while the node runs; own_behind and
	 * own_forked still stop publishing). */
	char own_said[FED_OWN_SAID_MAX][NOTE_NAME_MAX + 1];
	size_t nown_said;
	time_t own_first_said;
	bool own_allowed;
	/* A peer held more of the node's own log than it did before it published anything: it
	 * was restored, so it waits FED_RESTORE_WAIT_S for the other peers, unless the
	 * authority's node and every member's said what they hold. */
	bool own_restored;
	/* Said once: entries of the own log under a retired key taken back (fed_accept.c). */
	bool said_retired_own;
	size_t own_checked; /* nown_said when own_heard last looked at the registry's members */
	/* The registry size the held checkpoints, candidates and set-aside checkpoints were last
	 * judged against (fed_recheck); UINT64_MAX before the first tick. */
	uint64_t checked_registry_size;
	time_t started;
	/* Verifiers of every member's log key and of its cosignatures, rebuilt when the registry
	 * grows. */
	struct note_verifier *verifiers;
	size_t nverifiers;
	uint64_t verifiers_registry_size;
	/* Members whose slug (the last element of the origin, under which a node serves a log) is
	 * that of a member admitted before them or of the registry: sorted, rebuilt with the
	 * verifiers. The first admitted keeps the slug on every node. */
	char (*shadowed)[NOTE_NAME_MAX + 1];
	size_t nshadowed;
	/* Which logs this node witnesses (fed_cosigns), as of the registry size it holds. */
	struct witset witset;
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
/* p said, verifiably, what it holds of the node's own log: size entries (a checkpoint that
 * verified), or nothing (a whole vector without it, size 0). */
void fed_own_said(struct fed *f, struct peer *p, uint64_t size, bool checkpoint);

/* fed_judge.c: what a signed checkpoint is worth against the registry. */
enum fed_verdict {
	/* Verifies under no key the registry ever gave the log at its size (or malformed), as
	 * far as a registry at least as big as the sender's tells: its sender is penalised. */
	FED_FORGED = -1,
	/* Not a member as far as this node knows, or signed by a key its registry may not hold
	 * yet (the sender's is bigger): looked at again when the registry grows. */
	FED_WAIT = 0,
	FED_VALID,     /* the author's key the registry gives at that size, member not suspended */
	FED_SUSPENDED, /* the right key, but the member is suspended below that size */
	FED_RETIRED,   /* a key the registry gave at that size before a rotation moved it on */
};

struct fed_judged {
	enum fed_verdict v;
	struct checkpoint cp;
	struct note_verifier author; /* the key that verified the author's signature */
	/* FED_RETIRED: the member's key count when that key was the latest (for the evidence
	 * record: answered, since the registry has rotated it since) and the size from which the
	 * registry gives a later key. */
	uint32_t keys_then;
	uint64_t retired_from;
	char why[400]; /* FED_FORGED and FED_WAIT: what is wrong, for the log */
};

/* Judges a note of origin received from a peer whose registry is peer_registry_size; nt gets
 * the opened note (its cosignatures verified against every member's witness keys). */
void fed_judge(struct fed *f, MDB_txn *txn, const char *origin, const char *note, size_t len,
               uint64_t peer_registry_size, struct note *nt, struct fed_judged *j);
/* The registry log's size, 0 when none. */
uint64_t fed_registry_size(struct fed *f, MDB_txn *txn);
/* The size a signed note names (its second line), 0 when malformed. */
uint64_t fed_note_size(const char *note, size_t len);
/* Rebuilds the verifiers and the shadowed slugs when the registry grew. */
void fed_refresh_verifiers(struct fed *f, MDB_txn *txn);
/* Whether the registry allows note (of origin) as the checkpoint a log serves now: signed by
 * the key it gives at the note's size (the node's own key for its own log), the member not
 * suspended below it. author gets the key. Reads only the store and ctx: any thread. */
bool fed_allowed_now(struct fed *f, MDB_txn *txn, const char *origin, const char *note, size_t len,
                     struct note_verifier *author);
/* Whether vkey is the key the registry gives origin's log at size (the node's own key for
 * its own log), the member not suspended below it. Any thread. */
bool fed_key_allowed(struct fed *f, MDB_txn *txn, const char *origin, uint64_t size,
                     const char *vkey);
/* Whether origin's slug belongs to another member admitted before it (after a refresh). */
bool fed_shadowed(const struct fed *f, const char *origin);
/* The note reduced to its text and the author's signature line (cosignature lines are stored
 * apart, witness.h): a new buffer, *out_len its length; NULL when out of memory. */
char *fed_author_note(const struct note *nt, const struct note_verifier *author, size_t *out_len);

/* fed_accept.c */
/* The size of the checkpoint a log serves, 0 when none (or unreadable). */
uint64_t fed_served_size(const struct tlog_head *h);
/* A checkpoint of origin from p, alone or in a vector. */
void fed_on_checkpoint(struct fed *f, struct peer *p, const char *origin, const uint8_t *data,
                       size_t len);
void fed_on_equivocation(struct fed *f, struct peer *p, const Remacto__Peer__V1__Equivocation *e);
/* A set-aside or pending checkpoint: forgets it. */
void fed_pending_free(struct pending *pd);

/* fed_recheck.c: what a grown registry changes in what fed holds. */
/* Judges again, against the registry as it is now, the checkpoint each held log serves, and
 * falls back to the newest one held that the registry still allows (a rotation that reached
 * back, a suspension) or forward to a newer held one it allows again (a reinstatement); drops
 * candidates it no longer allows; looks again at set-aside and pending checkpoints. Called
 * by the tick when the registry size changed since the last time. */
void fed_recheck(struct fed *f, uint64_t registry_size);

/* fed_write.c: fed's writes other than replicated entries. A job embeds this first; its maker
 * fills from, run and done, and fed_write_submit owns it from then on: run does the write in a
 * write transaction (from the job's own copies and the store only, in whatever thread runs
 * it), done acts on the result in the service thread and frees the job. from is the peer the
 * write concerns, NULL once it closed. */
struct fed_write {
	struct fed *f;
	struct peer *from;
	int (*run)(MDB_txn *txn, struct fed_write *w);
	void (*done)(struct fed_write *w, int rc);
	struct fed_write *next; /* f->writes, until done */
};
void fed_write_submit(struct fed *f, struct fed_write *w, size_t bytes);
/* Evidence of origin (answered when keys_then > 0: a retired key signed one of the notes);
 * once stored, the log is marked forked unless answered, and new evidence is gossiped to every
 * peer but from. */
void fed_write_evidence(struct fed *f, const char *origin, const char *a, size_t la, const char *b,
                        size_t lb, struct peer *from, uint32_t keys_then);
/* What a checkpoint of h's log (of size, in the history held) brings: its verified
 * cosignatures (taken: freed by the job), and, when adopt, note (verified with vkey; NULL
 * for the node's own log: its key stays) as the checkpoint the log serves if it still serves
 * h's. What was new is passed on to every peer but from. */
void fed_write_keep(struct fed *f, struct peer *from, const struct tlog_head *h, uint64_t size,
                    struct witness_cosig *cosigs, size_t ncosigs, const char *note, size_t len,
                    const char *vkey, bool adopt);
/* note (of size; NULL: none) becomes the checkpoint origin's log serves, if it still serves
 * expect (fed_recheck.c); vkey NULL keeps the record's key. */
void fed_write_served(struct fed *f, const char *origin, uint32_t id, const char *note, size_t len,
                      uint64_t size, const char *vkey, const char *expect, size_t expect_len);

/* fed_fetch.c */
void fed_chunk_free(struct chunk *c);
/* Frees a request that is off f->reqs (its bulk part too). */
void fed_req_free(struct fed_req *r);
/* Entries [start, start + n) of r's log from p, proved against r's checkpoint by proof: copied
 * into a chunk kept in start order until fed_apply_chunks hands it to the store. bulk: they
 * came over HTTP (struct chunk). */
void fed_chunk_take(struct fed_log *l, struct peer *p, const struct fed_req *r, uint64_t start,
                    size_t n, const uint8_t *const *data, const size_t *len,
                    const uint8_t (*proof)[32], size_t nproof, bool bulk);
/* Forgets what l was fetching: received chunks and candidate checkpoints. */
void fed_log_drop(struct fed_log *l);
/* Entries [start, end) of l are to be asked again. */
void fed_add_retry(struct fed_log *l, uint64_t start, uint64_t end);
/* Forgets a request answered or expired, freeing its window slots. */
void fed_request_done(struct fed *f, struct fed_req *r);
void fed_on_entries(struct fed *f, struct peer *p, const Remacto__Peer__V1__Entries *e);
/* Hands l's chunks that follow what it holds (or has handed over) to the store, in order. */
void fed_apply_chunks(struct fed *f, struct fed_log *l);
/* Asks peers for what l misses up to its best target, within the windows. */
void fed_schedule(struct fed *f, struct fed_log *l, uint64_t held);

/* fed_bulk.c: catch-up ranges as entry bundles over HTTP (transport.h, peer_get). */
/* Starts r (a range of at least FED_BULK_MIN entries, not sent yet) as GETs of the bundles
 * that hold it from r->p. False when r->p takes no GETs: r is then asked over the session as
 * it is. True: the session is to be asked only for the range's last entry. */
bool fed_bulk_start(struct fed *f, struct fed_req *r);
/* The session's answer to bulk request r (taken off f->reqs, e checked against the request):
 * the range's last entry and the proof. The request goes on until its bundles are in. */
void fed_bulk_answered(struct fed *f, struct fed_req *r, const Remacto__Peer__V1__Entries *e);
void fed_bulk_free(struct fed_bulk *b);
/* Whether the session answered bulk request r, which waits for its bundles only. */
bool fed_bulk_waiting(const struct fed_req *r);

/* fed_gossip.c */
/* Whether this node adds its own cosignature to the checkpoints of origin's log it verifies:
 * it is one of the log's witnesses (witset.h), as of the registry it holds; never its own log.
 * Relaying the others' cosignatures does not depend on it. */
bool fed_cosigns(struct fed *f, const char *origin);
/* A copy of a received note of origin without the cosignature lines the node holds already
 * for its checkpoint (witness_drop_known): judged instead of the note, so that each copy costs
 * the signature checks of its new lines only. NULL when none was left out, or on any failure
 * (the note is then judged whole). */
char *fed_drop_known_cosigs(struct fed *f, MDB_txn *txn, const char *origin, const char *note,
                            size_t len, size_t *out_len);
void fed_send_to(struct peer *p, Remacto__Peer__V1__PeerMessage *m);
/* note (of size, log id) with every cosignature held for that size, to every peer but
 * except. */
void fed_gossip_note(struct fed *f, MDB_txn *txn, const char *origin, uint32_t id, uint64_t size,
                     const char *note, size_t len, struct peer *except);
/* The head's note, with its cosignatures, to every peer but except. */
void fed_gossip_head(struct fed *f, MDB_txn *txn, const struct tlog_head *h, struct peer *except);
/* Every log's latest checkpoint, in vector frames of at most VECTOR_FRAME_BYTES. */
void fed_send_vector(struct fed *f, struct peer *p);
void fed_on_get_entries(struct fed *f, struct peer *p, const Remacto__Peer__V1__GetEntries *g);

#endif
