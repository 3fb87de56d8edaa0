/*
 * transport — peer sessions over WebSocket: the "remacto-peer-v1" protocol on the public vhost
 * (wss://host:port/peer) and client connections to every configured or announced peer, in the
 * node's one lws context and service loop. docs/PROTOCOL.md §5 is the wire description.
 *
 * Per session: binary frames only, each one PeerMessage, reassembled under PEER_MAX_FRAME;
 * a send queue capped at PEER_MAX_QUEUE bytes (writes from WRITEABLE only, one per callback);
 * the handshake (Hello both ways, HelloProof of each side's key over both nonces, network and
 * version checked, a registered member's key checked against the registry) before anything
 * else is accepted; an inbound message budget (PEER_MAX_MSGS_PER_S) against floods.
 *
 * Two ways a session ends badly. A broken link — what line noise can produce (a frame that is
 * not a PeerMessage, a text or oversized frame, a TLS or WebSocket error) and a peer silent
 * for PEER_DEAD_S (application-level Ping/Pong) — closes the session and counts a link error;
 * an outbound slot dials again at once (PEER_BACKOFF_MIN_MS with jitter) when the session had
 * been ready, and nobody is refused for it. A violation — a well-formed message that breaks
 * the protocol (out of order, a flood, a forged proof) or anything the user reports through
 * peer_penalise (data that fails verification) — closes the session, counts a violation and
 * backs off: outgoing connections exponentially with jitter, capped at PEER_BACKOFF_MAX_S so
 * a peer is never cut off for good; an incoming peer that proved its key is refused by that
 * key (never by address: addresses are shared) for the same delay, which decays when it
 * behaves (bans.h). Every peer has counters (frames, bytes, violations, link errors,
 * reconnects) and a state for /metrics, /api/v1/peers and `remacto peers`.
 *
 * Memory is bounded whatever peers do. Sessions whose key is the registry's or a registered
 * member's are "members"; any other (mirrors, fresh keys) is "anonymous", and so is every
 * session before its handshake. Send queues draw on PEER_QUEUE_BUDGET for the whole node,
 * anonymous ones on PEER_ANON_QUEUE_BUDGET of it, each session up to PEER_MAX_QUEUE
 * (anonymous: PEER_ANON_MAX_QUEUE); messages being reassembled likewise on PEER_RX_BUDGET and
 * PEER_ANON_RX_BUDGET. A session is not read (lws_rx_flow_control) while its queue is over
 * its share, while PEER_MAX_ANSWERS answers to it wait in its queue (anonymous:
 * PEER_ANON_MAX_ANSWERS), or while its message could not be budgeted: its further requests
 * wait unread in the connection, served in turn as it reads; and a session that reads nothing
 * of its queue for PEER_DEAD_S is closed as a broken link: a peer that asks and never reads
 * holds one answer, briefly. At most PEER_MAX_ANON anonymous sessions at once,
 * PEER_ANON_PER_ADDR from one address and one per key, and PEER_UNPROVEN_PER_ADDR connections
 * in their handshake from one address; more are refused politely (an Error, no penalty).
 *
 * The transport knows nothing of what the messages mean: after the handshake it hands every
 * message to the peer_ops it was started with (fed, in the daemon), and that user talks back
 * through peer_send / peer_penalise only.
 *
 * Threads: everything here, the peer_ops calls included, runs in the service thread (the one
 * that runs lws_service); nothing locks. Host names are resolved by a thread of the transport's
 * own (resolver.h), which only ever wakes the service loop.
 *
 * Lifetime of struct peer, for the user: a pointer handed over by ops.ready stays valid until
 * the matching ops.closed returns, and not a moment longer: the user must forget it there.
 * ops.closed is called exactly once per ops.ready, when the session stops being usable: the
 * connection went away, a duplicate session replaced it, the transport stops, or a
 * violation — then synchronously from inside peer_penalise, also when the user itself called
 * peer_penalise (possibly while handling that peer's message: the message stays valid until
 * ops.message returns, but the peer is gone). Between a violation and the socket closing, the
 * peer's memory is still there but peer_send says -EPIPE.
 */
#ifndef REMACTO_TRANSPORT_H
#define REMACTO_TRANSPORT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/config.h"
#include "core/note.h"
#include "handshake.h"
#include "store/store.h"

#include "peer.pb-c.h"

struct buf;
struct peer;
struct transport;
struct lws_protocols;
struct lws_context;
struct lws_vhost;

#define PEER_MAX_FRAME (4u << 20)
#define PEER_MAX_MSGS_PER_S 2000
/* Send queues: per member session, per anonymous session, all, all anonymous ones. */
#define PEER_MAX_QUEUE (32u << 20)
#define PEER_ANON_MAX_QUEUE (4u << 20)
#define PEER_QUEUE_BUDGET (160u << 20)
#define PEER_ANON_QUEUE_BUDGET (24u << 20)
/* Messages being reassembled: all, all anonymous ones. */
#define PEER_RX_BUDGET (96u << 20)
#define PEER_ANON_RX_BUDGET (16u << 20)
/* Answers (peer_answer) waiting in a session's queue before it is not read until one has
 * left: for members above what an honest peer asks at once (FED_WINDOW requests in flight),
 * so that two nodes fetching from each other never both stop reading. */
#define PEER_MAX_ANSWERS 16
#define PEER_ANON_MAX_ANSWERS 1
/* Sessions: anonymous ones at once, anonymous ones from one address, connections still in
 * their handshake from one address. */
#define PEER_MAX_ANON 32
#define PEER_ANON_PER_ADDR 4
#define PEER_UNPROVEN_PER_ADDR 16
/* Liveness: Ping a session quiet this long; close one silent this long, or one that read
 * nothing of its queue this long. */
#define PEER_PING_S 5
#define PEER_DEAD_S 20
#define PEER_PROTOCOL "remacto-peer-v1"

/* What the transport calls, from the service thread, with arg as first argument. */
struct peer_ops {
	void *arg;
	/* The handshake is done: p may be sent to. */
	void (*ready)(void *arg, struct peer *p);
	/* Any message after the handshake (Error included). m is the transport's: valid until
	 * the call returns. */
	void (*message)(void *arg, struct peer *p, const Remacto__Peer__V1__PeerMessage *m);
	/* p is no longer usable (see the lifetime above). */
	void (*closed)(void *arg, struct peer *p);
	/* About every 100 ms, and whenever the service loop is woken (lws_cancel_service, which
	 * the publisher calls after each commit). */
	void (*tick)(void *arg);
};

/* What a transport works with. Copied by transport_start; what the pointers point to (the
 * daemon's configuration, store and keys) must outlive the transport. */
struct transport_ctx {
	struct lws_context *lws;
	/* The public listener's vhost: its protocol list holds transport_protocol. */
	struct lws_vhost *listener;
	/* The registry: members' keys (checked at the handshake) and announced peer URLs. */
	struct store *store;
	/* The node's identity key (Hello, HelloProof); its name is the node's origin. */
	const struct note_signer *identity;
	const char *network;
	const char (*peers)[CONFIG_PEER_URL_MAX]; /* [peer] url lines */
	size_t npeers;
	const char *ca_file; /* CAs for peers' certificates; "" = the system's */
	bool tls_insecure;
	/* The public listener, for the listen URL our Hello announces. */
	const char *listen_host;
	int listen_port;
	bool listen_tls;
	struct peer_ops ops;
};

/* The protocol entry for the public vhost's protocol list (http.c adds it). Before
 * transport_start, and without a transport, it answers peers with an Error and closes. */
extern const struct lws_protocols transport_protocol;

/* Starts the client side: connects to ctx->peers and to peers the registry announces, keeps
 * reconnecting, and takes the peers the public listener accepts. Call after the lws context
 * and its public vhost exist. NULL with err set on failure (unreadable CA file, TLS set-up). */
struct transport *transport_start(const struct transport_ctx *ctx, char *err, size_t errcap);
/* Calls ops.closed for every ready session, frees everything; t may be NULL. Before the lws
 * context is destroyed. */
void transport_stop(struct transport *t);

/* Queues one message to the peer (packed now: m may go once this returns). -ENOBUFS when its
 * queue would pass the cap (the message is dropped: the user asks someone else), -EPIPE when
 * the session is not ready (handshake, closing), -EMSGSIZE over PEER_MAX_FRAME, -ENOMEM. */
int peer_send(struct peer *p, const Remacto__Peer__V1__PeerMessage *m);
/* The same for an answer to one of p's requests, counted while it waits in p's queue. */
int peer_answer(struct peer *p, const Remacto__Peer__V1__PeerMessage *m);
/* False when twice PEER_MAX_ANSWERS answers (anonymous peers: PEER_ANON_MAX_ANSWERS) wait in
 * p's queue, which the pause above keeps from happening: the user then drops p's request
 * before doing any work for it (p asks again, or someone else, after its time-out). */
bool peer_may_answer(const struct peer *p);
/* Counts a violation, logs it with why, closes the session; reconnection backs off. */
void peer_penalise(struct peer *p, const char *why);
/* Whether the peer's key is the registry's or a registered member's (else it is anonymous:
 * a mirror, or anyone with a key of its own), as checked at the handshake. */
bool peer_registered(const struct peer *p);
/* For logs and the API: the peer's origin once known, else its address. */
const char *peer_name(const struct peer *p);
/* Bytes waiting in the peer's send queue. */
size_t peer_queued(const struct peer *p);

/* ---- entry bundles over HTTP (peerget.c) ----
 * A peer serves the C2SP tiles of every log it holds on the listener its URL names: the same
 * scheme (https for wss), host and port, below the URL's path without its last element
 * ("/peer" → "/"). peer_get fetches one such resource from a peer the node dialled, over
 * PEER_GET_LANES keep-alive HTTP/1.1 connections per peer beside the session (lws's HTTP client hands the
 * body over in blocks, where Debian's lws 4.1 WebSocket client parses a message a byte at a
 * time). The requests on one connection take turns, one answer at a time. What a GET
 * brings is not vouched for by the handshake (a cache may stand in between): the user checks
 * it against signed checkpoints, and a GET that fails costs the peer nothing but its GETs. */
#define PEER_GET_MAX_BODY (256u * (2u + 65535u)) /* an entry bundle of the largest entries */
#define PEER_GET_BUDGET (64u << 20)              /* bodies held at once, node-wide */
#define PEER_GET_TIMEOUT_S 30                    /* from the request to the body's end */
#define PEER_GET_OFF_S 300 /* no GET to a peer after one failed or was refused */
#define PEER_GET_LANES 4   /* connections to one peer for its GETs */

/* Called once for each peer_get that returned 0, in the service thread: rc 0 and the body,
 * which the callee owns (free()); or rc < 0 and NULL: -EIO (the connection), -ENOENT (a
 * status other than 200), -EMSGSIZE (over the cap, or not the Content-Length), -ENOBUFS (the
 * node-wide budget), -ETIMEDOUT, -ECANCELED (not sent: the peer's GETs went off meanwhile).
 * Called from lws's callbacks or the transport's tick, never from within a peerget function;
 * never once transport_stop began. */
typedef void (*peer_get_fn)(void *arg, uint64_t tag, int rc, uint8_t *body, size_t len);
/* Whether p takes GETs now: a ready session the node dialled, whose URL path ends in "/peer",
 * none of its GETs failed or refused within PEER_GET_OFF_S. */
bool peer_may_get(const struct peer *p);
/* GETs path (relative to the peer's base: "logs/<slug>/tile/entries/000") for a body of at
 * most cap bytes (at most PEER_GET_MAX_BODY); tag is handed back to fn. 0; or -EPERM
 * (!peer_may_get), -ENAMETOOLONG, -ENOMEM, -EIO, and fn is never called. */
int peer_get(struct peer *p, const char *path, size_t cap, uint64_t tag, peer_get_fn fn, void *arg);
/* The user found a GET's body unusable (malformed, or not what the signed checkpoint says):
 * counted, logged, and no GET to p for PEER_GET_OFF_S. */
void peer_get_refused(struct peer *p, const char *why);

/* Every peer's state for /api/v1/peers and `remacto peers`: [{url, origin, address, state,
 * direction, connectedSince, lastError, violations, reconnects, backoffMs, framesIn, framesOut,
 * bytesIn, bytesOut, queued, linkErrors, anonymous}]: outbound slots (url = where to) and inbound sessions (url =
 * the listen URL their Hello gave, address = where from), and inbound peers refused for now
 * after violations. state: backoff | connecting | handshake | ready | closing | standby
 * (connected the other way) | self (the URL leads to this node) | refused; backoffMs: time
 * left before the next attempt (or the end of a refusal). An empty array when t is NULL. */
json_t *transport_peers_json(const struct transport *t);
/* Prometheus lines for /metrics, appended to out (whose error, if any, the caller checks once,
 * buf.h). Labels: peer (origin, or URL/address before the first handshake), direction, url.
 * Nothing when t is NULL. */
void transport_metrics(const struct transport *t, struct buf *out);
/* Seconds without any ready session: 0 while one is ready, else since the last one ended or,
 * when none ever was, since transport_start. 0 when t is NULL. Service thread. */
double transport_isolated_s(const struct transport *t);

#endif
