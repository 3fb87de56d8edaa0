/*
 * fed — the federation logic: what to do with what peers say. The transport (transport.h) owns
 * the sockets and the handshake and hands every later message here through the peer_ops that
 * fed_peer_ops() gives; fed talks back through transport.h's peer_send and peer_penalise only.
 *
 * Gossip: on a new session, fed sends its checkpoint vector (every log's served checkpoint,
 * with the cosignatures it holds for its size; the registry's first; the last frame marked);
 * afterwards every checkpoint it stores — its own publications, what it replicated — is pushed
 * to every ready peer, and so is a checkpoint that brought it cosignatures it did not have.
 *
 * Judging a checkpoint of log O, size n, from a peer (fed_judge.c, docs/PROTOCOL.md §4): each
 * on its own, the registry's first in a vector. Forged (no key the registry ever gave O at n
 * verifies it, the node's registry being at least as big as the peer's) → the peer is
 * penalised; waiting (O unknown, or a key only a bigger registry may hold) → kept per peer and
 * judged again when the registry grows; suspended → set aside for O; signed by a key a
 * rotation retired at n → set aside (evidence, answered, if it contradicts what the node holds);
 * valid → against what the node holds of O (size m):
 *   n <= m, same root   → keep the cosignatures it carries that verify (and pass new ones on);
 *                         serve it if it is newer than the checkpoint O serves;
 *   n <= m, other root  → equivocation: both notes are stored as evidence, O is marked forked,
 *                         the evidence is gossiped; nothing stored is touched;
 *   n > m               → O's target becomes n: entries [m, n) are fetched from the peers that
 *                         announced n or more, FED_BATCH at a time, FED_WINDOW requests in
 *                         flight per peer; each answer carries a consistency proof to n, checked
 *                         against the signed root before the entries are committed (entries,
 *                         hashes and record in one transaction). Data that does not verify is
 *                         dropped and its sender penalised. A range of FED_BULK_MIN entries or
 *                         more from a peer the node dialled comes as the C2SP entry bundles
 *                         from that peer's listener (transport.h, peer_get), the session
 *                         bringing only the range's last entry with the proof (fed_bulk.c);
 *                         bundles that fail or do not verify turn the peer's GETs off, without
 *                         a penalty, and the range comes over the session.
 * When O reaches n, the node stores n's note (the author's signature only; cosignatures are
 * kept apart, witness.h), cosigns it (tlog-cosignature, its own key, alg 0x04) when it is one
 * of O's witnesses (witset.h), and gossips it. When the registry changes, every log serves the newest checkpoint it holds
 * that the registry allows (fed_recheck.c): a rotation that reaches back never cuts nodes apart.
 * A member whose slug an earlier one took is not replicated.
 *
 * Own log: the node never signs a checkpoint inconsistent with what the federation holds of its
 * log. With peers configured it publishes only after peers said, verifiably, what they hold of
 * it (a checkpoint of it that verified, or a whole vector without it; a peer penalised
 * meanwhile said nothing), and it holds as much: as many peers as [peer] lines, or
 * FED_RESTORE_WAIT_S (60 s) after the first statement, whoever it reaches; a member's peer
 * whose session started less than that ago must have said it. A node that learns it is behind
 * before it published anything (a restored backup, a lost disk) always waits those 60 s: the
 * peer that holds the most of its log may come after the first ones. A bigger checkpoint of
 * its own log from a peer (a restored backup, a key used on two machines), at any time, stops
 * publishing (fed_may_publish() false) until the node has caught up from its peers; an
 * inconsistent one stops it for good and is logged as critical. A peer's vector carries the
 * checkpoint each log serves, which lags its tree while it catches up in steps or when the
 * registry no longer allows the bigger ones: the vector sent to a log's own node also carries,
 * right after the registry's, the checkpoint the peer's tree of that log reaches (fed_gossip.c).
 * A node that has not published since it started takes it even when a rotation retired its key
 * (its own entries, signed before the rotation reached it, lost since), and ownlog.c signs them
 * again with the current key.
 *
 * Threads and ownership: everything here runs in the service thread (the transport's). Fed
 * owns what it keeps in memory — targets, requests in flight, received chunks, checkpoints
 * waiting for the registry or set aside, writes not done yet — and nothing of it outlives a
 * restart; what was verified is in the store. Its writes other than replicated entries are jobs
 * that own copies of what they write (fed_write.c). It borrows the store, the keys and the
 * callback of its fed_ctx; struct peer pointers are the transport's, valid from ops.ready to
 * ops.closed.
 *
 * Files: fed.c (entry points, the peer list, the tick), fed_judge.c (what a checkpoint is worth
 * against the registry), fed_accept.c (what it leads to, equivocation), fed_recheck.c (what a
 * changed registry changes), fed_fetch.c (requests, catch-up, committing verified entries),
 * fed_bulk.c (catch-up ranges as entry bundles over HTTP),
 * fed_gossip.c (vectors, gossip, serving entries to peers), fed_write.c (evidence,
 * cosignatures, the served checkpoint); fed_impl.h is what they share.
 */
#ifndef REMACTO_FED_H
#define REMACTO_FED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/note.h"
#include "store/store.h"
#include "transport.h"

#include "peer.pb-c.h"

struct fed;
struct registry_gov;

#define FED_BATCH 1024 /* entries per request */
#define FED_WINDOW 8   /* requests in flight per peer */
#define FED_REQUEST_TIMEOUT_S 30

/* A write of fed as the store's writer runs it: run in a write transaction (in the writer's
 * thread), then done with its result in the service thread. */
typedef int (*fed_run_fn)(MDB_txn *txn, void *job);
typedef void (*fed_done_fn)(void *job, int rc);
/* Hands a write over: 0, and done is called later in the service thread; or an error (a full
 * queue), and done is never called. bytes: the memory the job holds. */
typedef int (*fed_submit_fn)(void *arg, fed_run_fn run, fed_done_fn done, void *job, size_t bytes);

/* What fed works with. Copied by fed_create; what the pointers point to must outlive fed. */
struct fed_ctx {
	struct store *store;
	/* The node's own log key, NULL on a mirror: its log is recognised by this key, and fed
	 * never cosigns it. */
	const struct note_signer *own;
	/* The node's witness key (tlog-cosignature, alg 0x04): cosigns what fed verified. */
	const struct note_signer *witness;
	/* The registry's governance from the configuration ([authority] policy, registry.h):
	 * a registry checkpoint past what the node holds is taken with the approvals of this
	 * one or of the governance the registry's entries define. NULL: only the latter. */
	const struct registry_gov *governance;
	/* Peers are configured: the node's own log is published only after peers said what they
	 * hold of it (fed_may_publish), npeers of them (the [peer] lines; 0 counts as 1) or those
	 * it reaches within FED_RESTORE_WAIT_S. */
	bool peers_configured;
	unsigned npeers;
	/* A checkpoint of origin at size was stored (service thread). May be NULL. */
	void (*stored)(void *arg, const char *origin, uint64_t size);
	void *stored_arg;
	/* How fed's writes (replicated entries, evidence, cosignatures, the checkpoint a log
	 * serves) reach the store: the daemon's writer thread, so that the service thread never
	 * waits for the disk. NULL: store_write in the calling thread, done at once (tests,
	 * tools). */
	fed_submit_fn submit;
	void *submit_arg;
};

/* Lifetime: created after the store is open (and its writer started, with submit), destroyed
 * after the transport stopped and the writer ran every done callback of fed's writes. NULL
 * with err set when out of memory or ctx lacks the store or the witness key. */
struct fed *fed_create(const struct fed_ctx *ctx, char *err, size_t errcap);
void fed_destroy(struct fed *f);

/* The callbacks to start the transport with: they call the four functions below. */
struct peer_ops fed_peer_ops(struct fed *f);

/* From the transport, in the service thread. */
void fed_peer_ready(struct fed *f, struct peer *p);  /* handshake done: send our vector */
void fed_peer_closed(struct fed *f, struct peer *p); /* its requests go to other peers */
/* Any message after the handshake. Violations call peer_penalise(); fed never frees m. */
void fed_peer_message(struct fed *f, struct peer *p, const Remacto__Peer__V1__PeerMessage *m);
/* About every 100 ms and after each local commit: gossip new own checkpoints, expire requests,
 * schedule fetches. */
void fed_tick(struct fed *f);

/* False while the federation holds a newer or conflicting view of the node's own log. Service
 * thread (the admin routes ask before publishing). */
bool fed_may_publish(struct fed *f);

/* The node's own log was signed again at the size it holds (a key the registry rotated in,
 * ownlog.c): its new checkpoint is gossiped at the next tick. Service thread; f may be NULL. */
void fed_own_signed_again(struct fed *f);

/* For /metrics, read only, service thread: fn(arg, origin, size) for each log of which a peer
 * announced a signed checkpoint (signature verified) bigger than what the node holds, with the
 * biggest such size. Logs the node has caught up with are not listed. */
void fed_announced_each(const struct fed *f,
                        void (*fn)(void *arg, const char *origin, uint64_t size), void *arg);

#endif
